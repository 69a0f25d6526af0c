#include "connectors/support.hpp"

#include "uoms/log.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <algorithm>
#include <cmath>
#include <utility>
#include <set>

namespace uoms::connectors::support {

namespace {

// Longest marketplace message kept in an error line.
constexpr std::size_t k_max_message = 200;

} // namespace

json body_json(net::Response& response)
{
  if (response.json) {
    return std::move(*std::exchange(response.json, nullptr));
  }
  return json::parse(response.body, nullptr, false);
}

std::string setting(const Settings& settings, std::string_view name, std::string_view fallback)
{
  const auto it = settings.find(name);
  if (it == settings.end() || it->second.empty()) {
    return std::string(fallback);
  }
  return it->second;
}

std::string trimmed(const Settings& settings, std::string_view name, std::string_view fallback)
{
  return std::string(util::trim(setting(settings, name, fallback)));
}

std::string_view url_path(std::string_view url)
{
  const auto scheme = url.find("://");
  const auto slash = scheme == std::string_view::npos ? url.find('/') : url.find('/', scheme + 3);
  if (slash == std::string_view::npos) {
    return {};
  }
  return url.substr(slash);
}

std::string base_url(const Settings& settings, std::string_view default_base, std::string_view documented_path)
{
  return documented_base(setting(settings, "base_url", default_base), documented_path);
}

std::string documented_base(std::string_view url, std::string_view documented_path)
{
  std::string base(util::trim(url));
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  if (url_path(base).empty()) {
    base += documented_path;
  }
  return base;
}

int page_size(int configured, int fallback, int maximum)
{
  if (configured <= 0) {
    return fallback;
  }
  return std::min(configured, maximum);
}

std::expected<std::chrono::minutes, std::string> timezone_setting(const Settings& settings, std::chrono::minutes fallback,
                                                                  std::span<const Zone> extra)
{
  const std::string text = trimmed(settings, "timezone");
  if (text.empty()) {
    return fallback;
  }
  if (const auto offset = util::parse_utc_offset(text)) {
    return *offset;
  }
  for (const auto& zone : extra) {
    if (util::ascii_lower(zone.name) == util::ascii_lower(text)) {
      return zone.offset;
    }
  }
  return std::unexpected(fmt::format("setting timezone: \"{}\" is not an offset like +09:00 or a known zone", text));
}

std::expected<int, std::string> whole_setting(const Settings& settings, std::string_view name, int fallback,
                                              WholeRange range)
{
  const std::string text = trimmed(settings, name, std::to_string(fallback));
  if (const auto value = parse_int(text); value && *value >= range.low && *value <= range.high) {
    return *value;
  }
  const std::string unit = range.unit.empty() ? std::string() : fmt::format(" of {}", range.unit);
  return std::unexpected(fmt::format("setting {}: \"{}\" is not a whole number{} from {} to {}", name, text, unit,
                                     range.low, range.high));
}

ConnectorError no_answer(const net::TransportError& error, std::string message)
{
  const ErrorKind kind = error.kind == net::TransportErrorKind::host_not_allowed ? ErrorKind::config : ErrorKind::transient;
  return ConnectorError{kind, std::move(message)};
}

std::string scrub(std::string text, const std::vector<std::string_view>& secrets)
{
  for (const auto secret : secrets) {
    if (secret.size() < 4) {
      continue;
    }
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "********");
    }
  }
  return log::redact(text);
}

std::string mask_params(std::string_view params)
{
  static const std::set<std::string, std::less<>> k_secret_names = {
      "sign",     "signature", "access_token", "refresh_token", "token",          "key",    "api_key",
      "apikey",   "password",  "pwd",          "client_secret", "client_secret_sign", "partner_key", "secret_key"};
  std::string out;
  std::size_t start = 0;
  while (start <= params.size()) {
    const auto amp = params.find('&', start);
    const std::string_view pair = params.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    const auto eq = pair.find('=');
    if (start > 0) {
      out += '&';
    }
    const std::string name = util::ascii_lower(pair.substr(0, eq));
    if (eq != std::string_view::npos && k_secret_names.contains(name) && eq + 1 < pair.size()) {
      out += pair.substr(0, eq + 1);
      out += "********";
    } else {
      out += pair;
    }
    if (amp == std::string_view::npos) {
      break;
    }
    start = amp + 1;
  }
  return out;
}

std::string one_line(std::string_view text)
{
  std::string out;
  for (const char c : text) {
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  out = util::trim(out);
  if (out.size() > k_max_message) {
    out.resize(k_max_message);
    out += "...";
  }
  return out;
}

std::vector<std::string> split_list(std::string_view text)
{
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    if (const auto item = util::trim(text.substr(start, end - start)); !item.empty()) {
      out.emplace_back(item);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

std::optional<Refusal> refusal(int status, std::string_view unauthorized, std::string_view forbidden)
{
  if (status == 200) {
    return std::nullopt;
  }
  if (status == 401) {
    return Refusal{ErrorKind::auth, unauthorized};
  }
  if (status == 403) {
    return Refusal{ErrorKind::auth, forbidden};
  }
  if (status == 429) {
    return Refusal{ErrorKind::rate_limited, "rate limited"};
  }
  if (status >= 500) {
    return Refusal{ErrorKind::transient, "server error"};
  }
  return Refusal{ErrorKind::contract, "rejected"};
}

ConnectorError call_error(ErrorKind kind, std::string_view label, int status, std::string_view what,
                          std::string_view detail, std::string request_id)
{
  std::string message = fmt::format("{}: HTTP {} {}", label, status, what);
  if (!detail.empty()) {
    message += fmt::format(": {}", detail);
  }
  return ConnectorError{kind, std::move(message), status, std::move(request_id)};
}

ConnectorError not_an_object(std::string_view label, std::string request_id)
{
  return ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 with a body that is not a JSON object", label),
                        200, std::move(request_id)};
}

std::string encode_value(std::string_view text)
{
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

bool is_cancelled(OrderStatus status)
{
  return status == OrderStatus::cancelled;
}

bool is_final(OrderStatus status)
{
  return status == OrderStatus::cancelled || status == OrderStatus::returned || status == OrderStatus::exchanged;
}

void summarise_status(Order& order, bool (*set_aside)(OrderStatus))
{
  const OrderItem* least = nullptr;
  for (const auto& item : order.items) {
    if (set_aside(item.status)) {
      continue;
    }
    if (least == nullptr || static_cast<int>(item.status) < static_cast<int>(least->status)) {
      least = &item;
    }
  }
  if (least == nullptr && !order.items.empty()) {
    least = &order.items.front();
  }
  if (least != nullptr) {
    order.status = least->status;
    order.raw_status = least->raw_status;
  }
}

// --- field readers ------------------------------------------------------------------

const json* member(const json& object, std::string_view key)
{
  if (!object.is_object()) {
    return nullptr;
  }
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

std::string string_value(const json* value, std::string_view key)
{
  if (value == nullptr) {
    return {};
  }
  if (value->is_string()) {
    return value->get<std::string>();
  }
  if (value->is_number()) {
    return value->dump();
  }
  throw BadField{fmt::format("{} is not a string: {}", key, value->dump())};
}

std::optional<double> number_value(const json* value, std::string_view key)
{
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number()) {
    return value->get<double>();
  }
  if (value->is_string()) {
    const std::string_view text = util::trim(value->get_ref<const std::string&>());
    if (text.empty()) {
      return std::nullopt;
    }
    double parsed = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec == std::errc{} && end == text.data() + text.size() && std::isfinite(parsed)) {
      return parsed;
    }
  }
  throw BadField{fmt::format("{} is not a number: {}", key, value->dump())};
}

std::string text_id_value(const json* value, std::string_view key)
{
  std::string id(util::trim(string_value(value, key)));
  if (id.empty()) {
    throw BadField{fmt::format("missing {}", key)};
  }
  return id;
}

std::string string_field(const json& object, std::string_view key)
{
  return string_value(member(object, key), key);
}

std::optional<std::string> optional_id(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_string() && !value->get_ref<const std::string&>().empty()) {
    return value->get<std::string>();
  }
  if (value->is_number_unsigned() || value->is_number_integer()) {
    return value->dump();
  }
  throw BadField{fmt::format("{} is not an id: {}", key, value->dump())};
}

std::string id_field(const json& object, std::string_view key)
{
  auto id = optional_id(object, key);
  if (!id) {
    throw BadField{fmt::format("missing {}", key)};
  }
  return *id;
}

std::optional<TimePoint> time_field(const json& object, std::string_view key, std::chrono::minutes offset)
{
  const std::string text = string_field(object, key);
  if (text.empty()) {
    return std::nullopt;
  }
  auto t = parse_time(text, offset);
  if (!t) {
    throw BadField{fmt::format("{} is not a date-time: \"{}\"", key, text)};
  }
  return t;
}

std::string id_text(const json* value)
{
  if (value == nullptr) {
    return {};
  }
  if (value->is_string()) {
    return value->get<std::string>();
  }
  return value->is_number() ? value->dump() : std::string();
}

std::optional<long long> integer_value(const json* value)
{
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number_integer() || value->is_number_unsigned()) {
    return value->get<long long>();
  }
  if (value->is_string()) {
    return parse_whole<long long>(util::trim(value->get_ref<const std::string&>()));
  }
  return std::nullopt;
}

// --- numbers ------------------------------------------------------------------------

std::optional<std::int64_t> figure_value(const json* value, std::string_view key, util::Figure figure)
{
  if (value == nullptr) {
    return std::nullopt;
  }
  std::optional<std::int64_t> out;
  if (value->is_number_unsigned()) {
    out = util::checked(figure, value->get<std::uint64_t>());
  } else if (value->is_number_integer()) {
    out = util::checked(figure, value->get<std::int64_t>());
  } else if (value->is_number_float()) {
    out = util::checked(figure, value->get<double>());
  } else if (value->is_string()) {
    const std::string_view text = util::trim(value->get_ref<const std::string&>());
    if (text.empty()) {
      return std::nullopt;
    }
    if (const auto whole = parse_whole<std::int64_t>(text)) {
      out = util::checked(figure, *whole);
    } else {
      double parsed = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
      if (ec != std::errc{} || end != text.data() + text.size()) {
        throw BadField{fmt::format("{} is not a number: {}", key, value->dump())};
      }
      out = util::checked(figure, parsed);
    }
  } else {
    throw BadField{fmt::format("{} is not a number: {}", key, value->dump())};
  }
  if (!out) {
    throw BadField{util::out_of_range(figure, key, value->dump())};
  }
  return out;
}

std::optional<std::int64_t> money_value(const json* value, std::string_view key, std::string_view currency)
{
  std::optional<double> amount;
  try {
    amount = number_value(value, key);
  } catch (const BadField&) {
    // A numeric string past a double's range ("1e999") is a number out of range.
    if (value != nullptr && value->is_string()) {
      throw BadField{util::out_of_range(util::Figure::money, key, value->dump())};
    }
    throw;
  }
  if (!amount) {
    return std::nullopt;
  }
  // to_minor_units saturates at the int64 ends, which lie outside the money range.
  if (const auto minor = util::checked(util::Figure::money, to_minor_units(*amount, currency))) {
    return minor;
  }
  throw BadField{util::out_of_range(util::Figure::money, key, value->dump())};
}

std::int64_t checked_figure(util::Figure figure, std::string_view key, std::int64_t value)
{
  if (const auto out = util::checked(figure, value)) {
    return *out;
  }
  throw BadField{util::out_of_range(figure, key, std::to_string(value))};
}

std::int64_t money_product(std::string_view key, std::int64_t a, std::int64_t b)
{
  std::int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) {
    throw BadField{util::out_of_range(util::Figure::money, key, fmt::format("{} * {}", a, b))};
  }
  return checked_figure(util::Figure::money, key, out);
}

std::int64_t money_sum(std::string_view key, std::int64_t a, std::int64_t b)
{
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    throw BadField{util::out_of_range(util::Figure::money, key, fmt::format("{} + {}", a, b))};
  }
  return checked_figure(util::Figure::money, key, out);
}

std::chrono::seconds token_lifetime(const json* value, std::chrono::seconds documented)
{
  if (value == nullptr) {
    return documented;
  }
  try {
    const auto seconds = figure_value(value, "expires_in", util::Figure::lifetime);
    if (seconds && *seconds <= documented.count()) {
      return std::chrono::seconds(*seconds);
    }
  } catch (const BadField&) {
  }
  log::warn("token lifetime {} is not 1 to {} seconds; using the documented {} s", value->dump(), documented.count(),
            documented.count());
  return documented;
}

// --- registry rows ------------------------------------------------------------------

FieldSpec base_url_field(std::string_view default_base, std::string_view host_help)
{
  return {"base_url", false, std::string(default_base),
          fmt::format("{}; the sandbox's http://127.0.0.1:PORT in tests", host_help)};
}

FieldSpec rate_limit_field(double default_rate, std::string_view why)
{
  return {"rate_limit", false, fmt::format("{}", default_rate), fmt::format("requests per second; {}", why)};
}

FieldSpec timezone_field(std::string_view zone, std::string_view example)
{
  return {"timezone", false, "",
          fmt::format("override the marketplace time zone (default {}): an offset like +09:00 or a zone name like {}",
                      zone, example)};
}

} // namespace uoms::connectors::support
