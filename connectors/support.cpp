#include "connectors/support.hpp"

#include "uoms/log.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

namespace uoms::connectors::support {

namespace {

// Longest marketplace message kept in an error line.
constexpr std::size_t k_max_message = 200;

} // namespace

std::string setting(const Settings& settings, std::string_view name, std::string_view fallback)
{
  const auto it = settings.find(name);
  if (it == settings.end() || it->second.empty()) {
    return std::string(fallback);
  }
  return it->second;
}

std::expected<int, std::string> whole_setting(const Settings& settings, std::string_view name, int fallback,
                                              WholeRange range)
{
  const std::string text = trim(setting(settings, name, std::to_string(fallback)));
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

std::string trim(std::string_view text)
{
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::string one_line(std::string_view text)
{
  std::string out;
  for (const char c : text) {
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  out = trim(out);
  if (out.size() > k_max_message) {
    out.resize(k_max_message);
    out += "...";
  }
  return out;
}

std::optional<int> parse_int(std::string_view text)
{
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> split_list(std::string_view text)
{
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    auto item = trim(text.substr(start, end - start));
    if (!item.empty()) {
      out.push_back(std::move(item));
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text)
{
  if (text == "UTC" || text == "Z" || text == "GMT") {
    return std::chrono::minutes{0};
  }
  if (text.size() < 2 || (text[0] != '+' && text[0] != '-')) {
    return std::nullopt;
  }
  const int sign = text[0] == '-' ? -1 : 1;
  std::string digits;
  for (const char c : text.substr(1)) {
    if (c != ':') {
      digits += c;
    }
  }
  std::optional<int> hours;
  std::optional<int> minutes = 0;
  if (digits.size() <= 2) {
    hours = parse_int(digits);
  } else if (digits.size() == 4) {
    hours = parse_int(std::string_view(digits).substr(0, 2));
    minutes = parse_int(std::string_view(digits).substr(2));
  }
  if (!hours || !minutes || *hours < 0 || *hours > 14 || *minutes < 0 || *minutes > 59) {
    return std::nullopt;
  }
  return std::chrono::minutes{sign * (*hours * 60 + *minutes)};
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
    const std::string text = trim(value->get_ref<const std::string&>());
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
  std::string id = trim(string_value(value, key));
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

} // namespace uoms::connectors::support
