#include "uoms/config.hpp"

#include "uoms/error.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

extern char** environ;

namespace uoms::config {

namespace {

namespace fs = std::filesystem;
using namespace std::string_view_literals;

constexpr std::array k_kinds{"coupang"sv, "smartstore"sv, "shopee"sv, "qoo10jp"sv, "playauto"sv, "csv"sv};
constexpr std::array k_kind_keys{"overlap"sv, "settle_delay"sv, "page_size"sv, "rate_limit"sv};
constexpr std::array k_events{"started"sv, "completed"sv, "partial"sv, "failed"sv, "skipped"sv};
constexpr std::array k_default_events{"completed"sv, "partial"sv, "failed"sv, "skipped"sv};
constexpr std::array k_log_levels{"error"sv, "warn"sv, "info"sv, "debug"sv};
constexpr std::array k_log_formats{"text"sv, "json"sv};
constexpr std::array k_triggers{"manual"sv, "cron"sv, "n8n"sv};
constexpr std::array k_notify_types{"generic"sv, "discord"sv, "slack"sv};
constexpr std::array k_notify_methods{"GET"sv, "POST"sv};
constexpr std::array k_notify_keys{"name"sv, "type"sv, "url"sv, "method"sv, "events"sv};

// Every key of the fixed sections, in the order `config show` prints them.
constexpr std::array k_section_keys{
  "database.path"sv,
  "database.key_file"sv,
  "collect.concurrency"sv,
  "collect.initial_lookback"sv,
  "collect.overlap"sv,
  "collect.settle_delay"sv,
  "collect.lock_lease"sv,
  "collect.token_margin"sv,
  "http.connect_timeout"sv,
  "http.timeout"sv,
  "http.max_attempts"sv,
  "http.backoff_base"sv,
  "http.backoff_max"sv,
  "http.max_retry_after"sv,
  "http.allowed_hosts"sv,
  "http.user_agent"sv,
  "log.level"sv,
  "log.format"sv,
};
constexpr std::array k_sections{"database"sv, "collect"sv, "http"sv, "log"sv, "kinds"sv, "notify"sv};

constexpr int k_min_concurrency = 1;
constexpr int k_max_concurrency = 64;
constexpr int k_min_attempts = 1;
constexpr int k_max_attempts = 10;
constexpr int k_max_page_size = 1000;
constexpr double k_max_rate_limit = 10'000;

const std::string k_duration_like = R"(a duration like "10m")";
const std::string k_positive_duration_like = R"(a positive duration like "30s")";
const std::string k_host_like = R"(a host name like "api.example.com", "*.example.com" or "loopback")";
const std::string k_hosts_like =
  R"(comma-separated host names like "api.example.com", "*.example.com" or "loopback")";

template <typename Range>
std::string join(const Range& items, std::string_view separator = ", ")
{
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += separator;
    }
    out += item;
  }
  return out;
}

template <typename Range>
bool contains(const Range& items, std::string_view value)
{
  return std::find(std::begin(items), std::end(items), value) != std::end(items);
}

template <typename Range>
std::string one_of(const Range& items)
{
  return "one of " + join(items);
}

std::string int_range(long long low, long long high)
{
  return fmt::format("an integer from {} to {}", low, high);
}

// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
// transpositions each cost one, so "timout" and "tiemout" are both one edit from "timeout".
std::size_t edit_distance(std::string_view a, std::string_view b)
{
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string_view leaf(std::string_view key)
{
  const auto dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// The closest candidate within two edits; failing that, a candidate with the same last
// segment (a `timeout` written at the top level suggests `http.timeout`).
std::optional<std::string> suggest(std::string_view name, const std::vector<std::string>& candidates)
{
  std::optional<std::string> best;
  std::size_t best_distance = 3;
  for (const auto& candidate : candidates) {
    const auto distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  if (best) {
    return best;
  }
  for (const auto& candidate : candidates) {
    if (leaf(candidate) == leaf(name)) {
      return candidate;
    }
  }
  return std::nullopt;
}

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

std::string trim(std::string_view text)
{
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) {
    return {};
  }
  const auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

std::optional<long long> parse_integer(std::string_view text)
{
  const std::string trimmed = trim(text);
  long long value = 0;
  const char* first = trimmed.data();
  const char* last = first + trimmed.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (trimmed.empty() || ec != std::errc{} || end != last) {
    return std::nullopt;
  }
  return value;
}

// A host allow-list entry: a name, an IP address, `*.suffix` or `loopback`. URLs and
// paths are refused because they would never match a request's host.
bool valid_host_pattern(std::string_view host)
{
  if (host.empty()) {
    return false;
  }
  return std::none_of(host.begin(), host.end(), [](char c) {
    return c == '/' || c == ' ' || c == '\t' || c == '?' || c == '#' || c == '@';
  });
}

// `7d`, `10m`, `1500ms`: the largest unit that divides the value exactly, the same
// spelling parse_duration accepts.
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

// A webhook URL as `config show` prints it: the path and query carry the token.
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

// Builds one Config layer by layer. Each setter records the origin of the value so
// `config show` can print it next to the value.
class Loader
{
public:
  Config load(const Overrides& overrides, const Environment& env)
  {
    m_config.http.user_agent = "uoms/" UOMS_VERSION;
    locate_file(overrides, env);
    if (!m_config.file.empty()) {
      read_file();
    }
    apply_environment(env);
    apply_flags(overrides);
    apply_derived_defaults();
    build_entries();
    return std::move(m_config);
  }

private:
  Config m_config;
  std::string m_label;    // the config file's name as given, used in messages and origins
  fs::path m_directory;   // where relative paths in the file resolve
  std::map<std::string, Origin, std::less<>> m_origins;

  // ---- locating and parsing the file ------------------------------------------------

  void locate_file(const Overrides& overrides, const Environment& env)
  {
    if (overrides.config_file) {
      m_config.file = *overrides.config_file;
      m_origins["config"] = "flag --config";
    } else if (auto it = env.find("UOMS_CONFIG"); it != env.end() && !it->second.empty()) {
      m_config.file = it->second;
      m_origins["config"] = "env UOMS_CONFIG";
    } else {
      std::error_code ec;
      if (fs::is_regular_file("uoms.toml", ec)) {
        m_config.file = "uoms.toml";
      }
    }
    m_label = m_config.file.string();
    m_directory = m_config.file.parent_path();
  }

  std::string read_text()
  {
    auto fail = [&](int error) {
      throw ConfigError(fmt::format("config file {}: {}", m_label, std::strerror(error)));
    };
    std::FILE* file = std::fopen(m_config.file.c_str(), "rb");
    if (file == nullptr) {
      fail(errno);
    }
    std::string text;
    char buffer[8192];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
      text.append(buffer, n);
    }
    const bool failed = std::ferror(file) != 0;
    const int error = errno;
    std::fclose(file);
    if (failed) {
      fail(error);
    }
    return text;
  }

  void read_file()
  {
    const std::string text = read_text();
    toml::table root;
    try {
      root = toml::parse(text, m_label);
    } catch (const toml::parse_error& e) {
      throw ConfigError(fmt::format(
        "{}:{}:{}: {}", m_label, e.source().begin.line, e.source().begin.column, e.description()));
    }

    for (auto&& [key, node] : root) {
      const std::string name(key.str());
      if (name == "database") {
        read_section(key, node, [&](const toml::key& k, const toml::node& v) { read_database(k, v); });
      } else if (name == "collect") {
        read_section(key, node, [&](const toml::key& k, const toml::node& v) { read_collect(k, v); });
      } else if (name == "http") {
        read_section(key, node, [&](const toml::key& k, const toml::node& v) { read_http(k, v); });
      } else if (name == "log") {
        read_section(key, node, [&](const toml::key& k, const toml::node& v) { read_log(k, v); });
      } else if (name == "kinds") {
        read_kinds(node);
      } else if (name == "notify") {
        read_notify(node);
      } else if (name == "secret_key") {
        fail_secret_key(key);
      } else {
        std::vector<std::string> candidates(k_sections.begin(), k_sections.end());
        candidates.insert(candidates.end(), k_section_keys.begin(), k_section_keys.end());
        fail_unknown(key, name, candidates);
      }
    }
  }

  // ---- errors -----------------------------------------------------------------------

  [[noreturn]] void fail_at(const toml::source_region& where, std::string_view message) const
  {
    throw ConfigError(fmt::format("{}:{}: {}", m_label, where.begin.line, message));
  }

  [[noreturn]] void fail_value(const toml::node& node, std::string_view key, std::string_view expected) const
  {
    fail_at(node.source(), fmt::format("{}: expected {}, got {}", key, expected, describe(node)));
  }

  [[noreturn]] void fail_unknown(const toml::key& key,
                                 std::string_view name,
                                 const std::vector<std::string>& candidates,
                                 std::string_view otherwise = {}) const
  {
    std::string message = fmt::format("unknown key {}", quote(name));
    if (auto guess = suggest(name, candidates)) {
      message += fmt::format(" (did you mean {}?)", quote(*guess));
    } else if (!otherwise.empty()) {
      message += fmt::format(" ({})", otherwise);
    }
    fail_at(key.source(), message);
  }

  [[noreturn]] void fail_secret_key(const toml::key& key) const
  {
    fail_at(key.source(),
            "secret_key cannot be set in the config file; use UOMS_SECRET_KEY or database.key_file");
  }

  static std::vector<std::string> keys_of_section(std::string_view section)
  {
    std::vector<std::string> keys;
    for (const auto key : k_section_keys) {
      if (key.starts_with(section) && key.size() > section.size() && key[section.size()] == '.') {
        keys.emplace_back(key);
      }
    }
    return keys;
  }

  // ---- typed readers for file values ------------------------------------------------

  Origin origin_of(const toml::node& node) const
  {
    return fmt::format("{}:{}", m_label, node.source().begin.line);
  }

  long long file_integer(const toml::node& node, std::string_view key, long long low, long long high) const
  {
    const auto* value = node.as_integer();
    if (value == nullptr || value->get() < low || value->get() > high) {
      fail_value(node, key, int_range(low, high));
    }
    return value->get();
  }

  Millis file_duration(const toml::node& node, std::string_view key, bool positive) const
  {
    const auto* text = node.as_string();
    std::optional<Millis> value;
    if (text != nullptr) {
      value = parse_duration(text->get());
    }
    if (!value || value->count() < 0 || (positive && value->count() == 0)) {
      fail_value(node, key, positive ? k_positive_duration_like : k_duration_like);
    }
    return *value;
  }

  std::string file_string(const toml::node& node, std::string_view key, std::string_view expected) const
  {
    const auto* text = node.as_string();
    if (text == nullptr || text->get().empty()) {
      fail_value(node, key, expected);
    }
    return text->get();
  }

  template <typename Range>
  std::string file_choice(const toml::node& node, std::string_view key, const Range& choices) const
  {
    const auto* text = node.as_string();
    if (text == nullptr || !contains(choices, text->get())) {
      fail_value(node, key, one_of(choices));
    }
    return text->get();
  }

  fs::path file_path(const toml::node& node, std::string_view key) const
  {
    fs::path path = file_string(node, key, "a file path");
    return path.is_relative() ? m_directory / path : path;
  }

  // ---- sections ---------------------------------------------------------------------

  template <typename ReadKey>
  void read_section(const toml::key& section, const toml::node& node, ReadKey&& read_key)
  {
    const auto* table = node.as_table();
    if (table == nullptr) {
      fail_value(node, section.str(), fmt::format("a table ([{}])", section.str()));
    }
    for (auto&& [key, value] : *table) {
      read_key(key, value);
    }
  }

  void read_database(const toml::key& key, const toml::node& node)
  {
    const std::string name = "database." + std::string(key.str());
    if (key == "path") {
      m_config.database = file_path(node, name);
    } else if (key == "key_file") {
      m_config.key_file = file_path(node, name);
    } else if (key == "secret_key") {
      fail_secret_key(key);
    } else {
      fail_unknown(key, name, keys_of_section("database"));
    }
    m_origins[name] = origin_of(node);
  }

  void read_collect(const toml::key& key, const toml::node& node)
  {
    const std::string name = "collect." + std::string(key.str());
    if (key == "concurrency") {
      m_config.concurrency = static_cast<int>(file_integer(node, name, k_min_concurrency, k_max_concurrency));
    } else if (key == "initial_lookback") {
      m_config.initial_lookback = file_duration(node, name, true);
    } else if (key == "overlap") {
      m_config.overlap = file_duration(node, name, false);
    } else if (key == "settle_delay") {
      m_config.settle_delay = file_duration(node, name, false);
    } else if (key == "lock_lease") {
      m_config.lock_lease = file_duration(node, name, true);
    } else if (key == "token_margin") {
      m_config.token_margin = file_duration(node, name, false);
    } else {
      fail_unknown(key, name, keys_of_section("collect"));
    }
    m_origins[name] = origin_of(node);
  }

  void read_http(const toml::key& key, const toml::node& node)
  {
    const std::string name = "http." + std::string(key.str());
    auto& http = m_config.http;
    if (key == "connect_timeout") {
      http.connect_timeout = file_duration(node, name, true);
    } else if (key == "timeout") {
      http.total_timeout = file_duration(node, name, true);
    } else if (key == "max_attempts") {
      http.retry.max_attempts = static_cast<int>(file_integer(node, name, k_min_attempts, k_max_attempts));
    } else if (key == "backoff_base") {
      http.retry.base_delay = file_duration(node, name, false);
    } else if (key == "backoff_max") {
      http.retry.max_delay = file_duration(node, name, false);
    } else if (key == "max_retry_after") {
      http.retry.max_retry_after = file_duration(node, name, false);
    } else if (key == "allowed_hosts") {
      http.allowed_hosts = file_hosts(node, name);
    } else if (key == "user_agent") {
      http.user_agent = file_string(node, name, "a non-empty string");
    } else {
      fail_unknown(key, name, keys_of_section("http"));
    }
    m_origins[name] = origin_of(node);
  }

  std::vector<std::string> file_hosts(const toml::node& node, std::string_view name) const
  {
    const auto* array = node.as_array();
    if (array == nullptr) {
      fail_value(node, name, "an array of host names");
    }
    std::vector<std::string> hosts;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto& element = *array->get(i);
      const auto* text = element.as_string();
      if (text == nullptr || !valid_host_pattern(text->get())) {
        fail_value(element, fmt::format("{}[{}]", name, i), k_host_like);
      }
      hosts.push_back(text->get());
    }
    return hosts;
  }

  void read_log(const toml::key& key, const toml::node& node)
  {
    const std::string name = "log." + std::string(key.str());
    if (key == "level") {
      m_config.log_level = file_choice(node, name, k_log_levels);
    } else if (key == "format") {
      m_config.log_format = file_choice(node, name, k_log_formats);
    } else {
      fail_unknown(key, name, keys_of_section("log"));
    }
    m_origins[name] = origin_of(node);
  }

  void read_kinds(const toml::node& node)
  {
    const auto* table = node.as_table();
    if (table == nullptr) {
      fail_value(node, "kinds", "a table ([kinds.<kind>])");
    }
    for (auto&& [kind_key, kind_node] : *table) {
      const std::string kind(kind_key.str());
      const std::string prefix = "kinds." + kind;
      if (!contains(k_kinds, kind)) {
        std::vector<std::string> candidates;
        for (const auto known : k_kinds) {
          candidates.push_back("kinds." + std::string(known));
        }
        fail_unknown(kind_key, prefix, candidates, "kinds are " + join(k_kinds));
      }
      const auto* kind_table = kind_node.as_table();
      if (kind_table == nullptr) {
        fail_value(kind_node, prefix, fmt::format("a table ([{}])", prefix));
      }
      KindDefaults& defaults = m_config.kinds[kind];
      for (auto&& [key, value] : *kind_table) {
        const std::string name = prefix + "." + std::string(key.str());
        if (key == "overlap") {
          defaults.overlap = file_duration(value, name, false);
        } else if (key == "settle_delay") {
          defaults.settle_delay = file_duration(value, name, false);
        } else if (key == "page_size") {
          defaults.page_size = static_cast<int>(file_integer(value, name, 1, k_max_page_size));
        } else if (key == "rate_limit") {
          const auto number = value.value<double>();
          if (!value.is_number() || !number || *number <= 0 || *number > k_max_rate_limit) {
            fail_value(value, name, "a positive number of requests per second");
          }
          defaults.rate_limit = *number;
        } else {
          std::vector<std::string> candidates;
          for (const auto known : k_kind_keys) {
            candidates.push_back(prefix + "." + std::string(known));
          }
          fail_unknown(key, name, candidates);
        }
        m_origins[name] = origin_of(value);
      }
    }
  }

  void read_notify(const toml::node& node)
  {
    const auto* array = node.as_array();
    const bool tables = array != nullptr && std::all_of(array->begin(), array->end(), [](const toml::node& n) {
                          return n.is_table();
                        });
    if (!tables) {
      fail_value(node, "notify", "an array of tables ([[notify]])");
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto& table = *array->get(i)->as_table();
      m_config.notify.push_back(read_notify_target(table, i));
    }
  }

  NotifyTarget read_notify_target(const toml::table& table, std::size_t index)
  {
    const std::string prefix = fmt::format("notify[{}]", index);
    NotifyTarget target;
    target.name = prefix;
    const toml::node* method_node = nullptr;
    const toml::node* name_node = nullptr;
    for (auto&& [key, value] : table) {
      const std::string name = prefix + "." + std::string(key.str());
      if (key == "name") {
        target.name = file_string(value, name, "a non-empty string");
        name_node = &value;
      } else if (key == "type") {
        target.type = file_choice(value, name, k_notify_types);
      } else if (key == "url") {
        // The URL carries the webhook token, so it is never echoed back in a message.
        const auto* text = value.as_string();
        if (text == nullptr || !(text->get().starts_with("http://") || text->get().starts_with("https://"))
            || text->get().find("://") + 3 == text->get().size()) {
          fail_at(value.source(), fmt::format("{}: expected an http:// or https:// URL", name));
        }
        target.url = text->get();
      } else if (key == "method") {
        target.method = file_choice(value, name, k_notify_methods);
        method_node = &value;
      } else if (key == "events") {
        target.events = notify_events(value, name);
      } else {
        std::vector<std::string> candidates;
        for (const auto known : k_notify_keys) {
          candidates.push_back(prefix + "." + std::string(known));
        }
        fail_unknown(key, name, candidates);
      }
      m_origins[name] = origin_of(value);
    }
    if (target.url.empty()) {
      fail_at(table.source(), fmt::format("{}: missing required key \"url\"", prefix));
    }
    if (method_node != nullptr && target.type != "generic" && target.method != "POST") {
      fail_at(method_node->source(),
              fmt::format("{}.method: {} webhooks are always POST, got {}", prefix, target.type, quote(target.method)));
    }
    for (std::size_t i = 0; i < m_config.notify.size(); ++i) {
      if (m_config.notify[i].name == target.name) {
        fail_at(name_node != nullptr ? name_node->source() : table.source(),
                fmt::format("{}.name: {} is already used by notify[{}]", prefix, quote(target.name), i));
      }
    }
    return target;
  }

  std::vector<std::string> notify_events(const toml::node& node, std::string_view name) const
  {
    const auto* array = node.as_array();
    if (array == nullptr) {
      fail_value(node, name, "an array of events (" + join(k_events) + ")");
    }
    std::vector<std::string> events;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto& element = *array->get(i);
      const auto* text = element.as_string();
      if (text == nullptr || !contains(k_events, text->get())) {
        fail_value(element, fmt::format("{}[{}]", name, i), one_of(k_events));
      }
      if (!contains(events, text->get())) {
        events.push_back(text->get());
      }
    }
    return events;
  }

  // ---- environment and flags --------------------------------------------------------

  void apply_environment(const Environment& env)
  {
    // An empty variable counts as unset: schedulers often export `UOMS_DB=` by accident.
    auto get = [&](std::string_view name) -> std::optional<std::string> {
      const auto it = env.find(name);
      if (it == env.end() || it->second.empty()) {
        return std::nullopt;
      }
      return it->second;
    };
    auto record = [&](std::string_view key, std::string_view variable) {
      m_origins[std::string(key)] = fmt::format("env {}", variable);
    };
    auto fail = [](std::string_view variable, std::string_view expected, std::string_view got) {
      throw ConfigError(fmt::format("{}: expected {}, got {}", variable, expected, quote(got)));
    };
    auto integer = [&](std::string_view variable, const std::string& text, int low, int high) {
      const auto value = parse_integer(text);
      if (!value || *value < low || *value > high) {
        fail(variable, int_range(low, high), text);
      }
      return static_cast<int>(*value);
    };
    auto duration = [&](std::string_view variable, const std::string& text, bool positive) {
      const auto value = parse_duration(trim(text));
      if (!value || value->count() < 0 || (positive && value->count() == 0)) {
        fail(variable, positive ? k_positive_duration_like : k_duration_like, text);
      }
      return *value;
    };
    auto choice = [&](std::string_view variable, const std::string& text, const auto& choices) {
      const std::string value = trim(text);
      if (!contains(choices, value)) {
        fail(variable, one_of(choices), text);
      }
      return value;
    };

    if (auto v = get("UOMS_DB")) {
      m_config.database = *v;
      record("database.path", "UOMS_DB");
    }
    if (auto v = get("UOMS_KEY_FILE")) {
      m_config.key_file = *v;
      record("database.key_file", "UOMS_KEY_FILE");
    }
    if (auto v = get("UOMS_SECRET_KEY")) {
      m_config.secret_key = *v;
      record("secret_key", "UOMS_SECRET_KEY");
    }
    if (auto v = get("UOMS_CONCURRENCY")) {
      m_config.concurrency = integer("UOMS_CONCURRENCY", *v, k_min_concurrency, k_max_concurrency);
      record("collect.concurrency", "UOMS_CONCURRENCY");
    }
    if (auto v = get("UOMS_INITIAL_LOOKBACK")) {
      m_config.initial_lookback = duration("UOMS_INITIAL_LOOKBACK", *v, true);
      record("collect.initial_lookback", "UOMS_INITIAL_LOOKBACK");
    }
    if (auto v = get("UOMS_OVERLAP")) {
      m_config.overlap = duration("UOMS_OVERLAP", *v, false);
      record("collect.overlap", "UOMS_OVERLAP");
    }
    if (auto v = get("UOMS_SETTLE_DELAY")) {
      m_config.settle_delay = duration("UOMS_SETTLE_DELAY", *v, false);
      record("collect.settle_delay", "UOMS_SETTLE_DELAY");
    }
    if (auto v = get("UOMS_CONNECT_TIMEOUT")) {
      m_config.http.connect_timeout = duration("UOMS_CONNECT_TIMEOUT", *v, true);
      record("http.connect_timeout", "UOMS_CONNECT_TIMEOUT");
    }
    if (auto v = get("UOMS_HTTP_TIMEOUT")) {
      m_config.http.total_timeout = duration("UOMS_HTTP_TIMEOUT", *v, true);
      record("http.timeout", "UOMS_HTTP_TIMEOUT");
    }
    if (auto v = get("UOMS_MAX_ATTEMPTS")) {
      m_config.http.retry.max_attempts = integer("UOMS_MAX_ATTEMPTS", *v, k_min_attempts, k_max_attempts);
      record("http.max_attempts", "UOMS_MAX_ATTEMPTS");
    }
    if (auto v = get("UOMS_ALLOWED_HOSTS")) {
      std::vector<std::string> hosts;
      std::string_view rest = *v;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string host = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (host.empty()) {
          continue;
        }
        if (!valid_host_pattern(host)) {
          fail("UOMS_ALLOWED_HOSTS", k_hosts_like, host);
        }
        hosts.push_back(host);
      }
      m_config.http.allowed_hosts = std::move(hosts);
      record("http.allowed_hosts", "UOMS_ALLOWED_HOSTS");
    }
    if (auto v = get("UOMS_LOG_LEVEL")) {
      m_config.log_level = choice("UOMS_LOG_LEVEL", *v, k_log_levels);
      record("log.level", "UOMS_LOG_LEVEL");
    }
    if (auto v = get("UOMS_LOG_FORMAT")) {
      m_config.log_format = choice("UOMS_LOG_FORMAT", *v, k_log_formats);
      record("log.format", "UOMS_LOG_FORMAT");
    }
    if (auto v = get("UOMS_TRIGGER")) {
      m_config.trigger = choice("UOMS_TRIGGER", *v, k_triggers);
      record("trigger", "UOMS_TRIGGER");
    }
  }

  // Flags are validated here too so a caller cannot smuggle in a value the file would
  // refuse; a bad flag is a usage error (exit 2), not a configuration error.
  void apply_flags(const Overrides& overrides)
  {
    auto choice = [](std::string_view flag, const std::string& value, const auto& choices) {
      if (!contains(choices, value)) {
        throw UsageError(fmt::format("{}: expected {}, got {}", flag, one_of(choices), quote(value)));
      }
      return value;
    };
    if (overrides.database) {
      m_config.database = *overrides.database;
      m_origins["database.path"] = "flag --db";
    }
    if (overrides.concurrency) {
      const int value = *overrides.concurrency;
      if (value < k_min_concurrency || value > k_max_concurrency) {
        throw UsageError(fmt::format(
          "--concurrency: expected {}, got {}", int_range(k_min_concurrency, k_max_concurrency), value));
      }
      m_config.concurrency = value;
      m_origins["collect.concurrency"] = "flag --concurrency";
    }
    if (overrides.log_level) {
      // The command line sets the level through -v, -vv and --quiet.
      m_config.log_level = choice("-v/--quiet", *overrides.log_level, k_log_levels);
      m_origins["log.level"] = "flag -v/--quiet";
    }
    if (overrides.log_format) {
      m_config.log_format = choice("--log-format", *overrides.log_format, k_log_formats);
      m_origins["log.format"] = "flag --log-format";
    }
    if (overrides.trigger) {
      m_config.trigger = choice("--trigger", *overrides.trigger, k_triggers);
      m_origins["trigger"] = "flag --trigger";
    }
  }

  void apply_derived_defaults()
  {
    if (m_config.database.empty()) {
      m_config.database = m_directory / "uoms.db";
    }
    if (m_config.key_file.empty()) {
      m_config.key_file = m_config.database.parent_path() / "uoms.key";
    }
  }

  // ---- config show ------------------------------------------------------------------

  void build_entries()
  {
    auto& entries = m_config.entries;
    auto add = [&](std::string key, std::string value) {
      const auto it = m_origins.find(key);
      Origin origin = it == m_origins.end() ? "default" : it->second;
      entries.push_back({std::move(key), std::move(value), std::move(origin)});
    };
    const auto& c = m_config;
    add("database.path", c.database.string());
    add("database.key_file", c.key_file.string());
    add("secret_key", c.secret_key.empty() ? "(not set)" : "********");
    add("collect.concurrency", std::to_string(c.concurrency));
    add("collect.initial_lookback", format_duration(c.initial_lookback));
    add("collect.overlap", format_duration(c.overlap));
    add("collect.settle_delay", format_duration(c.settle_delay));
    add("collect.lock_lease", format_duration(c.lock_lease));
    add("collect.token_margin", format_duration(c.token_margin));
    add("http.connect_timeout", format_duration(c.http.connect_timeout));
    add("http.timeout", format_duration(c.http.total_timeout));
    add("http.max_attempts", std::to_string(c.http.retry.max_attempts));
    add("http.backoff_base", format_duration(c.http.retry.base_delay));
    add("http.backoff_max", format_duration(c.http.retry.max_delay));
    add("http.max_retry_after", format_duration(c.http.retry.max_retry_after));
    add("http.allowed_hosts", c.http.allowed_hosts.empty() ? "(any)" : join(c.http.allowed_hosts));
    add("http.user_agent", c.http.user_agent);
    add("log.level", c.log_level);
    add("log.format", c.log_format);
    add("trigger", c.trigger);
    for (const auto& [kind, defaults] : c.kinds) {
      const std::string prefix = "kinds." + kind + ".";
      if (defaults.overlap) {
        add(prefix + "overlap", format_duration(*defaults.overlap));
      }
      if (defaults.settle_delay) {
        add(prefix + "settle_delay", format_duration(*defaults.settle_delay));
      }
      if (defaults.page_size) {
        add(prefix + "page_size", std::to_string(*defaults.page_size));
      }
      if (defaults.rate_limit) {
        add(prefix + "rate_limit", fmt::format("{}", *defaults.rate_limit));
      }
    }
    for (std::size_t i = 0; i < c.notify.size(); ++i) {
      const auto& target = c.notify[i];
      const std::string prefix = fmt::format("notify[{}].", i);
      add(prefix + "name", target.name);
      add(prefix + "type", target.type);
      add(prefix + "url", mask_url(target.url));
      add(prefix + "method", target.type == "generic" ? target.method : "POST");
      add(prefix + "events", target.events.empty() ? join(k_default_events) : join(target.events));
    }
  }
};

} // namespace

Environment read_environment()
{
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text = *entry;
    const auto equals = text.find('=');
    if (text.starts_with("UOMS_") && equals != std::string_view::npos) {
      env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
  }
  return env;
}

Config load(const Overrides& overrides, const Environment& env)
{
  return Loader{}.load(overrides, env);
}

} // namespace uoms::config
