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

std::optional<LocalTime> parse_compact_time(std::string_view text, std::chrono::minutes offset)
{
  // 20260115 or 20260115093000
  if (text.size() != 8 && text.size() != 14) {
    return std::nullopt;
  }
  const auto y = digits(text, 0, 4), mo = digits(text, 4, 2), d = digits(text, 6, 2);
  int h = 0, mi = 0, s = 0;
  if (text.size() == 14) {
    const auto hh = digits(text, 8, 2), mm = digits(text, 10, 2), ss = digits(text, 12, 2);
    if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 59) {
      return std::nullopt;
    }
    h = *hh;
    mi = *mm;
    s = *ss;
  }
  if (!y || !mo || !d) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{*y}, std::chrono::month(unsigned(*mo)),
                                        std::chrono::day(unsigned(*d))};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return LocalTime{TimePoint{std::chrono::sys_days{ymd}} + std::chrono::hours{h} + std::chrono::minutes{mi} +
                       std::chrono::seconds{s} - offset,
                   text.size() == 8};
}

std::optional<LocalTime> parse_dashed_date(std::string_view text, std::chrono::minutes offset)
{
  // 2026-01-15
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  const std::string compact = std::string(text.substr(0, 4)) + std::string(text.substr(5, 2)) +
                              std::string(text.substr(8, 2));
  return parse_compact_time(compact, offset);
}

long long epoch_seconds(TimePoint t)
{
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

std::string kind_name(Kind kind)
{
  switch (kind) {
  case Kind::coupang: return "coupang";
  case Kind::smartstore: return "smartstore";
  case Kind::shopee: return "shopee";
  case Kind::qoo10jp: return "qoo10jp";
  case Kind::playauto: return "playauto";
  }
  return "unknown";
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

namespace {

// A positive integer setting, given as a number or as decimal text ("shop_id": "12345").
long long integer_field(const json& a, const char* name, const std::string& where)
{
  if (!a.contains(name)) {
    return 0;
  }
  const json& v = a[name];
  if (v.is_number_integer()) {
    return v.get<long long>();
  }
  if (v.is_string()) {
    const std::string text = v.get<std::string>();
    if (!text.empty() && text.size() < 19 && text.find_first_not_of("0123456789") == std::string::npos) {
      return std::stoll(text);
    }
  }
  throw std::runtime_error(fmt::format("{}: {} must be a positive integer", where, name));
}

int positive(const json& document, const char* name, int fallback)
{
  const int value = document.value(name, fallback);
  if (value <= 0) {
    throw std::runtime_error(fmt::format("config: {} must be positive", name));
  }
  return value;
}

} // namespace

Config parse_config(const json& document)
{
  if (!document.is_object()) {
    throw std::runtime_error("config: the top level must be a JSON object");
  }
  Config config;
  config.seed = document.value("seed", std::uint64_t{1});
  config.latency_ms = document.value("latency_ms", 0);
  config.rate_limit = document.value("rate_limit", 0.0);
  config.token_ttl_s = positive(document, "token_ttl_s", 10800);
  config.shopee_token_ttl_s = positive(document, "shopee_token_ttl_s", 14400);
  config.shopee_refresh_ttl_s = positive(document, "shopee_refresh_ttl_s", 2592000);
  config.qoo10_key_ttl_s = positive(document, "qoo10_key_ttl_s", 31536000);
  config.playauto_token_ttl_s = positive(document, "playauto_token_ttl_s", 86400);
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
    account.catalogue = a.value("catalogue", 12);
    account.timeframe_page_size = a.value("timeframe_page_size", 50);
    account.max_window_days = a.value("max_window_days", 30);
    account.duplicate_across_pages = a.value("duplicate_across_pages", false);
    account.unknown_status = a.value("unknown_status", false);
    if (account.orders < 0 || account.spread_hours <= 0 || account.timeframe_page_size <= 0 ||
        account.max_window_days <= 0) {
      throw std::runtime_error(where +
                               ": orders, spread_hours, timeframe_page_size and max_window_days must be positive");
    }
    if (account.catalogue < 12 || account.catalogue > 9000) {
      throw std::runtime_error(where + ": catalogue must be between 12 and 9000");
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
    } else if (kind == "shopee") {
      account.kind = Kind::shopee;
      account.partner_id = integer_field(a, "partner_id", where);
      account.shop_id = integer_field(a, "shop_id", where);
      account.partner_key = a.value("partner_key", "");
      account.refresh_token = a.value("refresh_token", "");
      account.region = a.value("region", "SG");
      if (account.partner_id <= 0 || account.shop_id <= 0 || account.partner_key.empty() ||
          account.refresh_token.empty()) {
        throw std::runtime_error(where + ": shopee needs partner_id, partner_key, shop_id and refresh_token");
      }
      account.id = std::to_string(account.shop_id);
      for (const auto& other : config.accounts) {
        if (other.kind == Kind::shopee && other.partner_id == account.partner_id &&
            other.partner_key != account.partner_key) {
          throw std::runtime_error(where + ": shops of one partner_id must share its partner_key");
        }
        if (other.kind == Kind::shopee && other.refresh_token == account.refresh_token) {
          throw std::runtime_error(where + ": refresh_token is already another shop's");
        }
      }
    } else if (kind == "qoo10jp") {
      account.kind = Kind::qoo10jp;
      account.id = a.value("user_id", "");
      account.api_key = a.value("api_key", "");
      account.password = a.value("password", "");
      if (account.id.empty() || account.api_key.empty() || account.password.empty()) {
        throw std::runtime_error(where + ": qoo10jp needs user_id, api_key and password");
      }
    } else if (kind == "playauto") {
      account.kind = Kind::playauto;
      account.id = a.value("email", "");
      account.api_key = a.value("api_key", "");
      account.password = a.value("password", "");
      if (account.id.empty() || account.api_key.empty() || account.password.empty()) {
        throw std::runtime_error(where + ": playauto needs email, api_key and password");
      }
    } else {
      throw std::runtime_error(where +
                               ": kind must be \"coupang\", \"smartstore\", \"shopee\", \"qoo10jp\" or \"playauto\"");
    }
    for (const auto& other : config.accounts) {
      if (other.id == account.id) {
        throw std::runtime_error(where + ": duplicate account " + account.id);
      }
      if (!account.api_key.empty() && other.kind == account.kind && other.api_key == account.api_key) {
        throw std::runtime_error(where + ": api_key is already another account's");
      }
    }
    config.accounts.push_back(std::move(account));
  }
  return config;
}

Sandbox::Sandbox(Config c)
  : config(std::move(c)), started(now()), store(config, started), limiter(config.rate_limit)
{
  // Each Shopee shop starts with the refresh token from its config: good for one refresh.
  for (const auto& account : config.accounts) {
    if (account.kind == Kind::shopee) {
      shopee_refresh[account.refresh_token] = {account.id,
                                               started + std::chrono::seconds{config.shopee_refresh_ttl_s}};
    }
  }
}

const AccountConfig* Sandbox::account(Kind kind, const std::string& id) const
{
  for (const auto& a : config.accounts) {
    if (a.kind == kind && a.id == id) {
      return &a;
    }
  }
  return nullptr;
}

const AccountConfig* Sandbox::shopee_partner(long long partner_id) const
{
  for (const auto& a : config.accounts) {
    if (a.kind == Kind::shopee && a.partner_id == partner_id) {
      return &a;
    }
  }
  return nullptr;
}

std::string Sandbox::shopee_auth_code(const std::string& shop_id)
{
  std::lock_guard lock(tokens_mutex);
  const std::string code = random_hex(16);
  shopee_codes[code] = {shop_id, now() + std::chrono::minutes{10}};
  return code;
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

void Sandbox::expire_tokens(const std::string& account)
{
  // Expired rather than forgotten, so each marketplace answers with its "expired" error.
  const TimePoint past = now() - std::chrono::milliseconds{1};
  std::lock_guard lock(tokens_mutex);
  for (auto* map : {&tokens, &shopee_access, &qoo10_keys, &playauto_tokens}) {
    for (auto& [value, token] : *map) {
      if (account.empty() || token.client_id == account) {
        token.expires = std::min(token.expires, past);
      }
    }
  }
}

} // namespace uoms::sandbox
