#include "sandbox.hpp"

#include <crypt.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace uoms::sandbox {

TimePoint now()
{
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string format_time(TimePoint t, std::chrono::minutes offset, std::string_view pattern, int micro)
{
  const TimePoint local = t + offset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{local - day};
  const long long ms = hms.subseconds().count();
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    switch (pattern[++i]) {
    case 'Y': out += fmt::format("{:04}", int(ymd.year())); break;
    case 'y': out += fmt::format("{:02}", int(ymd.year()) % 100); break;
    case 'm': out += fmt::format("{:02}", unsigned(ymd.month())); break;
    case 'd': out += fmt::format("{:02}", unsigned(ymd.day())); break;
    case 'H': out += fmt::format("{:02}", hms.hours().count()); break;
    case 'M': out += fmt::format("{:02}", hms.minutes().count()); break;
    case 'S': out += fmt::format("{:02}", hms.seconds().count()); break;
    case 'L': out += fmt::format("{:03}", ms); break;
    case 'f': out += fmt::format("{:03}{:03}", ms, micro % 1000); break;
    case 'z': {
      const int minutes = int(offset.count());
      out += fmt::format("{}{:02}:{:02}", minutes < 0 ? '-' : '+', std::abs(minutes) / 60, std::abs(minutes) % 60);
      break;
    }
    default: out += pattern[i];
    }
  }
  return out;
}

namespace {

std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count)
{
  if (at + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

} // namespace

std::optional<TimePoint> parse_smartstore_time(std::string_view text)
{
  // 2022-04-11T15:21:44.000+09:00
  if (text.size() != 29 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || (text[23] != '+' && text[23] != '-') || text[26] != ':') {
    return std::nullopt;
  }
  const auto y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2), h = digits(text, 11, 2),
             mi = digits(text, 14, 2), s = digits(text, 17, 2), ms = digits(text, 20, 3), oh = digits(text, 24, 2),
             om = digits(text, 27, 2);
  if (!y || !mo || !d || !h || !mi || !s || !ms || !oh || !om || *h > 23 || *mi > 59 || *s > 59 || *oh > 14 ||
      *om > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{*y}, std::chrono::month(unsigned(*mo)),
                                        std::chrono::day(unsigned(*d))};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  const std::chrono::minutes offset{(text[23] == '-' ? -1 : 1) * (*oh * 60 + *om)};
  return TimePoint{std::chrono::sys_days{ymd}} + std::chrono::hours{*h} + std::chrono::minutes{*mi} +
         std::chrono::seconds{*s} + std::chrono::milliseconds{*ms} - offset;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += fmt::format("{:02x}", digest[i]);
  }
  return hex;
}

std::string base64(std::string_view bytes)
{
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()));
  out.resize(std::size_t(written));
  return out;
}

std::string bcrypt(const std::string& password, const std::string& salt)
{
  // crypt_data is about 32 KiB; keep it off the worker's stack.
  auto data = std::make_unique<crypt_data>();
  const char* hashed = crypt_r(password.c_str(), salt.c_str(), data.get());
  // Only bcrypt: libcrypt would also accept "ab" as a DES salt.
  if (!salt.starts_with("$2") || hashed == nullptr || std::string_view(hashed).substr(0, 2) != "$2") {
    return {};
  }
  return hashed;
}

std::string random_hex(std::size_t bytes)
{
  std::vector<unsigned char> buffer(bytes);
  RAND_bytes(buffer.data(), int(buffer.size()));
  std::string hex;
  for (const unsigned char b : buffer) {
    hex += fmt::format("{:02x}", b);
  }
  return hex;
}

std::string new_trace_id()
{
  return random_hex(16);
}

Config parse_config(const json& document)
{
  if (!document.is_object()) {
    throw std::runtime_error("config: the top level must be a JSON object");
  }
  Config config;
  config.seed = document.value("seed", std::uint64_t{1});
  config.latency_ms = document.value("latency_ms", 0);
  config.rate_limit = document.value("rate_limit", 0.0);
  config.token_ttl_s = document.value("token_ttl_s", 10800);
  if (config.token_ttl_s <= 0) {
    throw std::runtime_error("config: token_ttl_s must be positive");
  }
  const json accounts = document.value("accounts", json::array());
  if (!accounts.is_array()) {
    throw std::runtime_error("config: accounts must be an array");
  }
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const json& a = accounts[i];
    const std::string where = fmt::format("config: accounts[{}]", i);
    if (!a.is_object()) {
      throw std::runtime_error(where + " must be an object");
    }
    AccountConfig account;
    const std::string kind = a.value("kind", "");
    account.orders = a.value("orders", 50);
    account.spread_hours = a.value("spread_hours", 72);
    account.timeframe_page_size = a.value("timeframe_page_size", 50);
    if (account.orders < 0 || account.spread_hours <= 0 || account.timeframe_page_size <= 0) {
      throw std::runtime_error(where + ": orders, spread_hours and timeframe_page_size must be positive");
    }
    if (kind == "coupang") {
      account.kind = Kind::coupang;
      account.id = a.value("vendor_id", "");
      account.access_key = a.value("access_key", "");
      account.secret_key = a.value("secret_key", "");
      if (account.id.empty() || account.access_key.empty() || account.secret_key.empty()) {
        throw std::runtime_error(where + ": coupang needs vendor_id, access_key and secret_key");
      }
    } else if (kind == "smartstore") {
      account.kind = Kind::smartstore;
      account.id = a.value("client_id", "");
      account.client_secret = a.value("client_secret", "");
      if (account.id.empty() || account.client_secret.empty()) {
        throw std::runtime_error(where + ": smartstore needs client_id and client_secret");
      }
      if (bcrypt("probe", account.client_secret).empty()) {
        throw std::runtime_error(where + ": client_secret is not a bcrypt salt like $2a$04$ + 22 characters");
      }
    } else {
      throw std::runtime_error(where + ": kind must be \"coupang\" or \"smartstore\"");
    }
    for (const auto& other : config.accounts) {
      if (other.id == account.id) {
        throw std::runtime_error(where + ": duplicate account " + account.id);
      }
    }
    config.accounts.push_back(std::move(account));
  }
  return config;
}

const AccountConfig* Sandbox::coupang_by_access_key(const std::string& key) const
{
  for (const auto& account : config.accounts) {
    if (account.kind == Kind::coupang && account.access_key == key) {
      return &account;
    }
  }
  return nullptr;
}

const AccountConfig* Sandbox::coupang_by_vendor(const std::string& vendor) const
{
  for (const auto& account : config.accounts) {
    if (account.kind == Kind::coupang && account.id == vendor) {
      return &account;
    }
  }
  return nullptr;
}

const AccountConfig* Sandbox::smartstore_by_client(const std::string& client_id) const
{
  for (const auto& account : config.accounts) {
    if (account.kind == Kind::smartstore && account.id == client_id) {
      return &account;
    }
  }
  return nullptr;
}

void Sandbox::expire_tokens(const std::string& client_id)
{
  std::lock_guard lock(tokens_mutex);
  for (auto it = tokens.begin(); it != tokens.end();) {
    if (client_id.empty() || it->second.client_id == client_id) {
      it = tokens.erase(it);
    } else {
      ++it;
    }
  }
}

} // namespace uoms::sandbox
