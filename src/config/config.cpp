#include "uoms/config.hpp"

#include "src/config/keys.hpp"
#include "src/config/values.hpp"
#include "uoms/error.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

extern char** environ;

namespace uoms::config {

namespace {

namespace fs = std::filesystem;
using values::quote;

std::string_view leaf(std::string_view key)
{
  const auto dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// The closest candidate within two edits; failing that, a candidate with the same last
// segment (a `timeout` written at the top level suggests `http.timeout`).
std::optional<std::string> suggest(std::string_view name, const std::vector<std::string>& candidates)
{
  if (auto best = util::closest(name, candidates)) {
    return best;
  }
  const auto same_leaf = std::ranges::find_if(candidates, [&](const auto& c) { return leaf(c) == leaf(name); });
  return same_leaf == candidates.end() ? std::nullopt : std::optional<std::string>(*same_leaf);
}

// The section of a dotted key ("http" for "http.timeout"), empty for a top-level key.
std::string_view section_of(std::string_view key)
{
  const auto dot = key.find('.');
  return dot == std::string_view::npos ? std::string_view{} : key.substr(0, dot);
}

const keys::Key* find_file_key(std::string_view name)
{
  const auto all = keys::all();
  const auto it = std::ranges::find_if(all, [&](const auto& key) { return key.in_file && key.name == name; });
  return it == all.end() ? nullptr : &*it;
}

// The file's sections, in table order, then the two sections read by hand.
std::vector<std::string> sections()
{
  std::vector<std::string> out;
  for (const auto& key : keys::all()) {
    const std::string section(section_of(key.name));
    if (key.in_file && !section.empty() && std::ranges::find(out, section) == out.end()) {
      out.push_back(section);
    }
  }
  out.insert(out.end(), {"kinds", "notify"});
  return out;
}

// Builds one Config layer by layer. Each layer records the origin of the values it sets
// so `config show` can print it next to the value.
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
  values::Source m_source; // the file's name as given (messages, origins) and its directory
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
    m_source.label = m_config.file.string();
    m_source.directory = m_config.file.parent_path();
  }

  std::string read_text()
  {
    auto fail = [&](int error) {
      throw ConfigError(fmt::format("config file {}: {}", m_source.label, std::strerror(error)));
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
      root = toml::parse(text, m_source.label);
    } catch (const toml::parse_error& e) {
      throw ConfigError(fmt::format("{}:{}:{}: {}", m_source.label, e.source().begin.line,
                                    e.source().begin.column, e.description()));
    }
    const auto known_sections = sections();
    for (auto&& [key, node] : root) {
      const std::string name(key.str());
      if (name == "kinds") {
        read_kinds(node);
      } else if (name == "notify") {
        read_notify(node);
      } else if (name == "secret_key") {
        fail_secret_key(key);
      } else if (std::ranges::find(known_sections, name) != known_sections.end()) {
        read_section(key, node);
      } else {
        std::vector<std::string> candidates = known_sections;
        for (const auto& row : keys::all()) {
          if (row.in_file) {
            candidates.emplace_back(row.name);
          }
        }
        fail_unknown(key, name, candidates);
      }
    }
  }

  // ---- errors -----------------------------------------------------------------------

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
    m_source.fail_at(key.source(), message);
  }

  [[noreturn]] void fail_secret_key(const toml::key& key) const
  {
    m_source.fail_at(key.source(),
                     "secret_key cannot be set in the config file; use UOMS_SECRET_KEY or database.key_file");
  }

  const toml::table& table_of(const toml::node& node, std::string_view name, std::string_view shape) const
  {
    const auto* table = node.as_table();
    if (table == nullptr) {
      m_source.fail_value(node, name, fmt::format("a table ({})", shape));
    }
    return *table;
  }

  // ---- sections ---------------------------------------------------------------------

  // A fixed section ([database], [collect], [http], [log]): each key is a row of the table.
  void read_section(const toml::key& section, const toml::node& node)
  {
    const std::string_view prefix = section.str();
    for (auto&& [key, value] : table_of(node, prefix, fmt::format("[{}]", prefix))) {
      const std::string name = fmt::format("{}.{}", prefix, key.str());
      if (name == "database.secret_key") {
        fail_secret_key(key);
      }
      const keys::Key* row = find_file_key(name);
      if (row == nullptr) {
        std::vector<std::string> candidates;
        for (const auto& other : keys::all()) {
          if (other.in_file && section_of(other.name) == prefix) {
            candidates.emplace_back(other.name);
          }
        }
        fail_unknown(key, name, candidates);
      }
      std::visit([&](auto slot) { values::from_file(m_source, value, name, row->rule, slot(m_config)); }, row->slot);
      m_origins[name] = m_source.origin_of(value);
    }
  }

  void read_kinds(const toml::node& node)
  {
    for (auto&& [kind_key, kind_node] : table_of(node, "kinds", "[kinds.<kind>]")) {
      const std::string kind(kind_key.str());
      const std::string prefix = "kinds." + kind;
      if (std::ranges::find(keys::kinds(), kind) == keys::kinds().end()) {
        std::vector<std::string> candidates;
        for (const auto known : keys::kinds()) {
          candidates.push_back(fmt::format("kinds.{}", known));
        }
        fail_unknown(kind_key, prefix, candidates, "kinds are " + util::join(keys::kinds()));
      }
      KindDefaults& defaults = m_config.kinds[kind];
      for (auto&& [key, value] : table_of(kind_node, prefix, fmt::format("[{}]", prefix))) {
        const std::string name = fmt::format("{}.{}", prefix, key.str());
        const auto rows = keys::kind_keys();
        const auto row = std::ranges::find(rows, key.str(), &keys::KindKey::name);
        if (row == rows.end()) {
          std::vector<std::string> candidates;
          for (const auto& known : rows) {
            candidates.push_back(fmt::format("{}.{}", prefix, known.name));
          }
          fail_unknown(key, name, candidates);
        }
        std::visit(
          [&](auto member) { values::from_file(m_source, value, name, row->rule, (defaults.*member).emplace()); },
          row->slot);
        m_origins[name] = m_source.origin_of(value);
      }
    }
  }

  void read_notify(const toml::node& node)
  {
    const auto* array = node.as_array();
    if (array == nullptr || !std::ranges::all_of(*array, [](const toml::node& n) { return n.is_table(); })) {
      m_source.fail_value(node, "notify", "an array of tables ([[notify]])");
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      m_config.notify.push_back(read_notify_target(*array->get(i)->as_table(), i));
    }
  }

  NotifyTarget read_notify_target(const toml::table& table, std::size_t index)
  {
    static constexpr std::array k_notify_keys{"name", "type", "url", "method", "events"};
    const std::string prefix = fmt::format("notify[{}]", index);
    NotifyTarget target;
    target.name = prefix;
    const toml::node* method_node = nullptr;
    const toml::node* name_node = nullptr;
    for (auto&& [key, value] : table) {
      const std::string name = prefix + "." + std::string(key.str());
      if (key == "name") {
        values::from_file(m_source, value, name, keys::text("a non-empty string"), target.name);
        name_node = &value;
      } else if (key == "type") {
        values::from_file(m_source, value, name, keys::one_of(keys::notify_types()), target.type);
      } else if (key == "url") {
        target.url = notify_url(value, name);
      } else if (key == "method") {
        values::from_file(m_source, value, name, keys::one_of(keys::notify_methods()), target.method);
        method_node = &value;
      } else if (key == "events") {
        target.events = notify_events(value, name);
      } else {
        std::vector<std::string> candidates;
        for (const auto known : k_notify_keys) {
          candidates.push_back(fmt::format("{}.{}", prefix, known));
        }
        fail_unknown(key, name, candidates);
      }
      m_origins[name] = m_source.origin_of(value);
    }
    if (target.url.empty()) {
      m_source.fail_at(table.source(), fmt::format("{}: missing required key \"url\"", prefix));
    }
    if (method_node != nullptr && target.type != "generic" && target.method != "POST") {
      m_source.fail_at(method_node->source(), fmt::format("{}.method: {} webhooks are always POST, got {}", prefix,
                                                          target.type, quote(target.method)));
    }
    for (std::size_t i = 0; i < m_config.notify.size(); ++i) {
      if (m_config.notify[i].name == target.name) {
        m_source.fail_at(name_node != nullptr ? name_node->source() : table.source(),
                         fmt::format("{}.name: {} is already used by notify[{}]", prefix, quote(target.name), i));
      }
    }
    return target;
  }

  // The URL carries the webhook token, so it is never echoed back in a message.
  std::string notify_url(const toml::node& node, std::string_view name) const
  {
    const auto* text = node.as_string();
    if (text == nullptr || !(text->get().starts_with("http://") || text->get().starts_with("https://"))
        || text->get().find("://") + 3 == text->get().size()) {
      m_source.fail_at(node.source(), fmt::format("{}: expected an http:// or https:// URL", name));
    }
    return text->get();
  }

  std::vector<std::string> notify_events(const toml::node& node, std::string_view name) const
  {
    const auto* array = node.as_array();
    if (array == nullptr) {
      m_source.fail_value(node, name, "an array of events (" + util::join(keys::events()) + ")");
    }
    std::vector<std::string> events;
    for (std::size_t i = 0; i < array->size(); ++i) {
      std::string event;
      values::from_file(m_source, *array->get(i), fmt::format("{}[{}]", name, i), keys::one_of(keys::events()),
                        event);
      if (std::ranges::find(events, event) == events.end()) {
        events.push_back(std::move(event));
      }
    }
    return events;
  }

  // ---- environment and flags --------------------------------------------------------

  void apply_environment(const Environment& env)
  {
    for (const auto& row : keys::all()) {
      // An empty variable counts as unset: schedulers often export `UOMS_DB=` by accident.
      const auto it = row.env.empty() ? env.end() : env.find(row.env);
      if (it == env.end() || it->second.empty()) {
        continue;
      }
      std::visit([&](auto slot) { values::from_env(row.env, it->second, row.rule, slot(m_config)); }, row.slot);
      m_origins[std::string(row.name)] = fmt::format("env {}", row.env);
    }
  }

  // A bad flag is a usage error (exit 2), not a configuration error.
  void apply_flags(const Overrides& overrides)
  {
    for (const auto& row : keys::all()) {
      std::visit(
        [&](auto member) {
          if constexpr (!std::is_same_v<decltype(member), std::monostate>) {
            const auto& value = overrides.*member;
            if (value) {
              using Value = typename std::remove_cvref_t<decltype(value)>::value_type;
              auto& target = std::get<Value& (*)(Config&)>(row.slot)(m_config);
              values::from_flag(row.flag.name, row.rule, *value, target);
              m_origins[std::string(row.name)] = fmt::format("flag {}", row.flag.name);
            }
          }
        },
        row.flag.value);
    }
  }

  void apply_derived_defaults()
  {
    if (m_config.database.empty()) {
      m_config.database = m_source.directory / "uoms.db";
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
    for (const auto& row : keys::all()) {
      const auto show = [&](auto slot) { return values::show(row.rule, slot(m_config)); };
      add(std::string(row.name), std::visit(show, row.slot));
    }
    for (const auto& [kind, defaults] : m_config.kinds) {
      for (const auto& row : keys::kind_keys()) {
        std::visit(
          [&](auto member) {
            if (const auto& value = defaults.*member) {
              add(fmt::format("kinds.{}.{}", kind, row.name), values::show(row.rule, *value));
            }
          },
          row.slot);
      }
    }
    for (std::size_t i = 0; i < m_config.notify.size(); ++i) {
      const auto& target = m_config.notify[i];
      const std::string prefix = fmt::format("notify[{}].", i);
      add(prefix + "name", target.name);
      add(prefix + "type", target.type);
      add(prefix + "url", values::mask_url(target.url));
      add(prefix + "method", target.type == "generic" ? target.method : "POST");
      add(prefix + "events",
          target.events.empty() ? util::join(keys::default_events()) : util::join(target.events));
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
