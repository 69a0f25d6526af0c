#include "src/config/values.hpp"

#include "uoms/error.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace uoms::config::values {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_duration_like = R"(a duration like "10m")";
constexpr std::string_view k_positive_duration_like = R"(a positive duration like "30s")";
constexpr std::string_view k_host_like = R"(a host name like "api.example.com", "*.example.com" or "loopback")";
constexpr std::string_view k_hosts_like =
  R"(comma-separated host names like "api.example.com", "*.example.com" or "loopback")";

bool contains(std::span<const std::string_view> items, std::string_view value)
{
  return std::ranges::find(items, value) != items.end();
}

// How a TOML value is shown after "got" in an error message.
std::string describe(const toml::node& node)
{
  switch (node.type()) {
  case toml::node_type::string: return quote(node.as_string()->get());
  case toml::node_type::integer: return std::to_string(node.as_integer()->get());
  case toml::node_type::floating_point: return fmt::format("{}", node.as_floating_point()->get());
  case toml::node_type::boolean: return node.as_boolean()->get() ? "true" : "false";
  case toml::node_type::array: return "an array";
  case toml::node_type::table: return "a table";
  default: return "a date or time";
  }
}

std::optional<long long> parse_integer(std::string_view text)
{
  text = util::trim(text);
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// A duration the rule accepts, or nothing.
std::optional<Millis> checked_duration(std::string_view text, const Rule& rule)
{
  const auto value = parse_duration(text);
  if (!value || value->count() < 0 || (rule.positive && value->count() == 0)) {
    return std::nullopt;
  }
  return value;
}

std::string_view duration_like(const Rule& rule)
{
  return rule.positive ? k_positive_duration_like : k_duration_like;
}

// A host allow-list entry: a name, an IP address, `*.suffix` or `loopback`. URLs and
// paths are refused because they would never match a request's host.
bool valid_host_pattern(std::string_view host)
{
  return !host.empty() && std::ranges::none_of(host, [](char c) {
    return c == '/' || c == ' ' || c == '\t' || c == '?' || c == '#' || c == '@';
  });
}

[[noreturn]] void fail_env(std::string_view variable, std::string_view expected, std::string_view got)
{
  throw ConfigError(fmt::format("{}: expected {}, got {}", variable, expected, quote(got)));
}

} // namespace

std::string quote(std::string_view text)
{
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    default: out += c;
    }
  }
  return out + "\"";
}

std::string int_range(long long low, long long high)
{
  return fmt::format("an integer from {} to {}", low, high);
}

std::string one_of(std::span<const std::string_view> choices)
{
  return "one of " + util::join(choices);
}

std::string format_duration(Millis duration)
{
  const long long ms = duration.count();
  if (ms == 0) {
    return "0s";
  }
  constexpr std::array<std::pair<long long, std::string_view>, 5> units{{
    {86'400'000, "d"},
    {3'600'000, "h"},
    {60'000, "m"},
    {1'000, "s"},
    {1, "ms"},
  }};
  for (const auto& [size, suffix] : units) {
    if (ms % size == 0) {
      return fmt::format("{}{}", ms / size, suffix);
    }
  }
  return fmt::format("{}ms", ms);
}

std::string mask_url(std::string_view url)
{
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "********";
  }
  const auto rest = url.substr(scheme_end + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1); // user:password@ is a secret too
  }
  return fmt::format("{}://{}/********", url.substr(0, scheme_end), authority);
}

// ---- Source ---------------------------------------------------------------------------

void Source::fail_at(const toml::source_region& where, std::string_view message) const
{
  throw ConfigError(fmt::format("{}:{}: {}", label, where.begin.line, message));
}

void Source::fail_value(const toml::node& node, std::string_view key, std::string_view expected) const
{
  fail_at(node.source(), fmt::format("{}: expected {}, got {}", key, expected, describe(node)));
}

Origin Source::origin_of(const toml::node& node) const
{
  return fmt::format("{}:{}", label, node.source().begin.line);
}

// ---- from the file --------------------------------------------------------------------

void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule, fs::path& out)
{
  std::string text;
  from_file(source, node, key, rule, text);
  const fs::path path = text;
  out = path.is_relative() ? source.directory / path : path;
}

void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule, int& out)
{
  const auto* value = node.as_integer();
  if (value == nullptr || value->get() < rule.low || value->get() > rule.high) {
    source.fail_value(node, key, int_range(rule.low, rule.high));
  }
  out = static_cast<int>(value->get());
}

void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule, Millis& out)
{
  const auto* text = node.as_string();
  const auto value = text != nullptr ? checked_duration(text->get(), rule) : std::nullopt;
  if (!value) {
    source.fail_value(node, key, duration_like(rule));
  }
  out = *value;
}

void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule,
               std::string& out)
{
  const auto* text = node.as_string();
  if (!rule.choices.empty() && (text == nullptr || !contains(rule.choices, text->get()))) {
    source.fail_value(node, key, one_of(rule.choices));
  }
  if (text == nullptr || text->get().empty()) {
    source.fail_value(node, key, rule.expected);
  }
  out = text->get();
}

void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule&,
               std::vector<std::string>& out)
{
  const auto* array = node.as_array();
  if (array == nullptr) {
    source.fail_value(node, key, "an array of host names");
  }
  std::vector<std::string> hosts;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& element = *array->get(i);
    const auto* text = element.as_string();
    if (text == nullptr || !valid_host_pattern(text->get())) {
      source.fail_value(element, fmt::format("{}[{}]", key, i), k_host_like);
    }
    hosts.push_back(text->get());
  }
  out = std::move(hosts);
}

void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule, double& out)
{
  const auto number = node.value<double>();
  if (!node.is_number() || !number || *number <= 0 || *number > static_cast<double>(rule.high)) {
    source.fail_value(node, key, rule.expected);
  }
  out = *number;
}

// ---- from the environment -------------------------------------------------------------

void from_env(std::string_view, const std::string& text, const Rule&, fs::path& out)
{
  out = text;
}

void from_env(std::string_view variable, const std::string& text, const Rule& rule, int& out)
{
  const auto value = parse_integer(text);
  if (!value || *value < rule.low || *value > rule.high) {
    fail_env(variable, int_range(rule.low, rule.high), text);
  }
  out = static_cast<int>(*value);
}

void from_env(std::string_view variable, const std::string& text, const Rule& rule, Millis& out)
{
  const auto value = checked_duration(util::trim(text), rule);
  if (!value) {
    fail_env(variable, duration_like(rule), text);
  }
  out = *value;
}

void from_env(std::string_view variable, const std::string& text, const Rule& rule, std::string& out)
{
  if (rule.choices.empty()) {
    out = text; // a secret: every byte counts
    return;
  }
  const std::string_view value = util::trim(text);
  if (!contains(rule.choices, value)) {
    fail_env(variable, one_of(rule.choices), text);
  }
  out = value;
}

void from_env(std::string_view variable, const std::string& text, const Rule&, std::vector<std::string>& out)
{
  std::vector<std::string> hosts;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view host = util::trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (host.empty()) {
      continue;
    }
    if (!valid_host_pattern(host)) {
      fail_env(variable, k_hosts_like, host);
    }
    hosts.emplace_back(host);
  }
  out = std::move(hosts);
}

// ---- from a flag ----------------------------------------------------------------------

void from_flag(std::string_view, const Rule&, const fs::path& value, fs::path& out)
{
  out = value;
}

void from_flag(std::string_view flag, const Rule& rule, int value, int& out)
{
  if (value < rule.low || value > rule.high) {
    throw UsageError(fmt::format("{}: expected {}, got {}", flag, int_range(rule.low, rule.high), value));
  }
  out = value;
}

void from_flag(std::string_view flag, const Rule& rule, const std::string& value, std::string& out)
{
  if (!rule.choices.empty() && !contains(rule.choices, value)) {
    throw UsageError(fmt::format("{}: expected {}, got {}", flag, one_of(rule.choices), quote(value)));
  }
  out = value;
}

// ---- config show ----------------------------------------------------------------------

std::string show(const Rule&, const fs::path& value)
{
  // An optional path left unset (metrics.textfile) still fills its column.
  return value.empty() ? "(none)" : value.string();
}

std::string show(const Rule&, int value)
{
  return std::to_string(value);
}

std::string show(const Rule&, Millis value)
{
  return format_duration(value);
}

std::string show(const Rule& rule, const std::string& value)
{
  if (rule.secret) {
    return value.empty() ? "(not set)" : "********";
  }
  return value;
}

std::string show(const Rule&, const std::vector<std::string>& value)
{
  return value.empty() ? "(any)" : util::join(value);
}

std::string show(const Rule&, double value)
{
  return fmt::format("{}", value);
}

} // namespace uoms::config::values
