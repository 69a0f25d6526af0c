#include "uoms/crypto.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <chrono>
#include <memory>
#include <stdexcept>

namespace uoms::crypto {

namespace {

constexpr unsigned char k_fernet_version = 0x80;
constexpr std::size_t k_block = 16;
constexpr std::size_t k_mac_size = 32;
// Version + timestamp + IV + at least one cipher block + HMAC.
constexpr std::size_t k_fernet_header = 1 + 8 + k_block;
constexpr std::uint64_t k_max_clock_skew = 60;

const unsigned char* bytes(std::string_view s)
{
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string to_hex(const unsigned char* data, std::size_t size)
{
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += k_hex[data[i] >> 4];
    out += k_hex[data[i] & 0x0f];
  }
  return out;
}

struct CipherCtxDeleter
{
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// AES-128-CBC with PKCS7 padding; nullopt when decryption fails (bad padding).
std::optional<std::string> aes_128_cbc(bool encrypt, std::string_view key, std::string_view iv,
                                       std::string_view input)
{
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx ||
      EVP_CipherInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, bytes(key), bytes(iv), encrypt ? 1 : 0) != 1) {
    return std::nullopt;
  }
  std::string out(input.size() + k_block, '\0');
  int written = 0;
  if (EVP_CipherUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &written, bytes(input),
                       int(input.size())) != 1) {
    return std::nullopt;
  }
  int final_written = 0;
  if (EVP_CipherFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + written,
                         &final_written) != 1) {
    return std::nullopt;
  }
  out.resize(std::size_t(written + final_written));
  return out;
}

} // namespace

std::string hmac_sha256_raw(std::string_view key, std::string_view message)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), int(key.size()), bytes(message), message.size(), digest, &size) ==
      nullptr) {
    // Only an allocation failure inside OpenSSL gets here.
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message)
{
  const std::string raw = hmac_sha256_raw(key, message);
  return to_hex(bytes(raw), raw.size());
}

std::string sha256_hex(std::string_view data)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return to_hex(digest, size);
}

Sha256::Sha256()
  : m_ctx(EVP_MD_CTX_new())
{
  if (m_ctx == nullptr || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(m_ctx), EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx));
    throw std::runtime_error("SHA-256 failed");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx)); }

void Sha256::update(std::string_view data)
{
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data.data(), data.size()) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
}

std::string Sha256::hex()
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx), digest, &size) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return to_hex(digest, size);
}

std::string random_bytes(std::size_t count)
{
  std::string out(count, '\0');
  if (count > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(count)) != 1) {
    // A CSPRNG that cannot be seeded is not something a caller can recover from.
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string base64_encode(std::string_view data, bool url_safe, bool pad)
{
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(data), int(data.size()));
  out.resize(std::size_t(size));
  if (url_safe) {
    for (char& c : out) {
      if (c == '+') {
        c = '-';
      } else if (c == '/') {
        c = '_';
      }
    }
  }
  if (!pad) {
    while (!out.empty() && out.back() == '=') {
      out.pop_back();
    }
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, bool url_safe)
{
  // Normalise to the standard, padded alphabet EVP_DecodeBlock expects, rejecting the
  // other alphabet's characters and padding anywhere but the end.
  std::string normal;
  normal.reserve(text.size() + 2);
  std::size_t padding = 0;
  for (char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) {
      return std::nullopt;
    }
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum) {
      normal += c;
    } else if (url_safe && c == '-') {
      normal += '+';
    } else if (url_safe && c == '_') {
      normal += '/';
    } else if (!url_safe && (c == '+' || c == '/')) {
      normal += c;
    } else {
      return std::nullopt;
    }
  }
  const std::size_t data_chars = normal.size();
  if (data_chars % 4 == 1 || padding > 2 || (padding > 0 && (data_chars + padding) % 4 != 0)) {
    return std::nullopt;
  }
  const std::size_t missing = (4 - data_chars % 4) % 4;
  normal.append(missing, '=');
  if (normal.empty()) {
    return std::string{};
  }
  std::string out(normal.size() / 4 * 3, '\0');
  const int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(normal), int(normal.size()));
  if (size < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts the padding as zero bytes; drop them.
  out.resize(std::size_t(size) - missing);
  return out;
}

std::optional<std::string> bcrypt(std::string_view password, std::string_view salt)
{
  // crypt_data is large (~32 KiB); keep it off the stack.
  auto data = std::make_unique<crypt_data>();
  const std::string password_z(password);
  const std::string salt_z(salt);
  const char* result = crypt_r(password_z.c_str(), salt_z.c_str(), data.get());
  if (result == nullptr || result[0] == '*' || result[0] == '\0') {
    return std::nullopt;
  }
  return std::string(result);
}

Fernet::Fernet(std::string signing_key, std::string encryption_key)
  : m_signing_key(std::move(signing_key)), m_encryption_key(std::move(encryption_key))
{
}

std::optional<Fernet> Fernet::from_key(std::string_view key)
{
  const auto raw = base64_decode(key, true);
  if (!raw || raw->size() != 32) {
    return std::nullopt;
  }
  return Fernet(raw->substr(0, 16), raw->substr(16, 16));
}

std::string Fernet::generate_key()
{
  return base64_encode(random_bytes(32), true, true);
}

std::string Fernet::encrypt(std::string_view plaintext) const
{
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
    std::chrono::system_clock::now().time_since_epoch());
  return encrypt(plaintext, std::uint64_t(now.count()), random_bytes(k_block));
}

std::string Fernet::encrypt(std::string_view plaintext, std::uint64_t timestamp, std::string_view iv) const
{
  if (iv.size() != k_block) {
    throw std::invalid_argument("Fernet IV must be 16 bytes");
  }
  const auto ciphertext = aes_128_cbc(true, m_encryption_key, iv, plaintext);
  if (!ciphertext) {
    throw std::runtime_error("AES-128-CBC encryption failed");
  }
  std::string token;
  token.reserve(k_fernet_header + ciphertext->size() + k_mac_size);
  token += char(k_fernet_version);
  for (int shift = 56; shift >= 0; shift -= 8) {
    token += char((timestamp >> shift) & 0xff);
  }
  token += iv;
  token += *ciphertext;
  token += hmac_sha256_raw(m_signing_key, token);
  return base64_encode(token, true, true);
}

std::expected<std::string, std::string> Fernet::decrypt(std::string_view token,
                                                        std::optional<std::uint64_t> ttl_seconds,
                                                        std::optional<std::uint64_t> now) const
{
  const auto invalid = std::unexpected(std::string("invalid token"));
  const auto data = base64_decode(token, true);
  if (!data || data->size() < k_fernet_header + k_block + k_mac_size ||
      static_cast<unsigned char>((*data)[0]) != k_fernet_version) {
    return invalid;
  }
  std::uint64_t timestamp = 0;
  for (std::size_t i = 1; i <= 8; ++i) {
    timestamp = (timestamp << 8) | static_cast<unsigned char>((*data)[i]);
  }
  // The order of checks is the spec's: timestamp, then HMAC, then decryption (Python's
  // cryptography.fernet does the same), so the spec's invalid.json cases get its errors.
  if (ttl_seconds) {
    const std::uint64_t current =
      now ? *now
          : std::uint64_t(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
    if (timestamp + *ttl_seconds < current) {
      return std::unexpected(std::string("token expired"));
    }
    if (current + k_max_clock_skew < timestamp) {
      return std::unexpected(std::string("token from the future"));
    }
  }
  const std::string_view body(data->data(), data->size() - k_mac_size);
  const std::string_view mac(data->data() + body.size(), k_mac_size);
  const std::string expected_mac = hmac_sha256_raw(m_signing_key, body);
  if (CRYPTO_memcmp(expected_mac.data(), mac.data(), k_mac_size) != 0) {
    return invalid;
  }
  const std::string_view iv = body.substr(9, k_block);
  const std::string_view ciphertext = body.substr(k_fernet_header);
  if (ciphertext.size() % k_block != 0) {
    return invalid;
  }
  auto plaintext = aes_128_cbc(false, m_encryption_key, iv, ciphertext);
  if (!plaintext) {
    return invalid;
  }
  return std::move(*plaintext);
}

} // namespace uoms::crypto
