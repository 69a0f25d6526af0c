#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

// Cryptographic helpers over OpenSSL's libcrypto and libcrypt. Nothing here is
// hand-written crypto: these are thin, tested wrappers.
namespace uoms::crypto {

std::string hmac_sha256_hex(std::string_view key, std::string_view message);
std::string hmac_sha256_raw(std::string_view key, std::string_view message);
std::string sha256_hex(std::string_view data);

// SHA-256 of data given in pieces (a file read in blocks): hex() of the concatenation
// equals sha256_hex of it.
class Sha256
{
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  // The digest of everything given so far, in lowercase hex; ends the object's use.
  std::string hex();

private:
  void* m_ctx; // EVP_MD_CTX, kept out of this header
};
std::string random_bytes(std::size_t count);

std::string base64_encode(std::string_view data, bool url_safe = false, bool pad = true);
// Accepts input with or without padding; nullopt on a character outside the alphabet.
std::optional<std::string> base64_decode(std::string_view text, bool url_safe = false);

// bcrypt via libcrypt's crypt_r, with the caller's full salt (`$2a$10$` + 22 chars).
// nullopt when libcrypt rejects the salt.
std::optional<std::string> bcrypt(std::string_view password, std::string_view salt);

// Fernet tokens (https://github.com/fernet/spec): version 0x80, 64-bit big-endian
// timestamp, 16-byte IV, AES-128-CBC ciphertext (PKCS7), HMAC-SHA256 over all that,
// url-safe base64. Interoperates with Python's cryptography.fernet.Fernet.
class Fernet
{
public:
  // key: 32 bytes, url-safe base64 (44 characters). nullopt if malformed.
  static std::optional<Fernet> from_key(std::string_view key);
  static std::string generate_key();

  std::string encrypt(std::string_view plaintext) const;
  // Deterministic form for the spec's test vectors.
  std::string encrypt(std::string_view plaintext, std::uint64_t timestamp, std::string_view iv) const;

  // Error text is one of: "invalid token", "token expired", "token from the future".
  // ttl_seconds/now are only checked when ttl is given (uoms never expires secrets).
  std::expected<std::string, std::string> decrypt(std::string_view token,
                                                  std::optional<std::uint64_t> ttl_seconds = {},
                                                  std::optional<std::uint64_t> now = {}) const;

private:
  Fernet(std::string signing_key, std::string encryption_key);
  std::string m_signing_key;
  std::string m_encryption_key;
};

} // namespace uoms::crypto
