#pragma once

// The configuration keys, one row each. A row says where the value lives in Config, what
// it accepts, which UOMS_* variable and which flag may set it, and what it means; the file
// reader, the environment, the flags and `config show` all walk these rows, so adding a
// key is adding a row (ccache's `src/ccache/config.cpp` starts from one such key table;
// here the row also says how the value is read and printed, through its slot's type).
// Internal to src/config; no toml++ here.

#include "uoms/config.hpp"

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace uoms::config::keys {

// What a value must be. Which fields matter depends on the C++ type it lands in:
// integers use low..high, numbers (double) use 0 < value <= high, durations use
// `positive` (zero refused), strings use `choices` (empty: any non-empty text, described
// by `expected`), and `secret` strings are masked by `config show`.
struct Rule
{
  long long low = 0;
  long long high = 0;
  bool positive = false;
  std::span<const std::string_view> choices = {};
  std::string_view expected = {};
  bool secret = false;
};

constexpr Rule integer(long long low, long long high)
{
  return {.low = low, .high = high};
}
constexpr Rule duration()
{
  return {};
}
constexpr Rule positive_duration()
{
  return {.positive = true};
}
constexpr Rule one_of(std::span<const std::string_view> choices)
{
  return {.choices = choices};
}
constexpr Rule text(std::string_view expected)
{
  return {.expected = expected};
}

// A member of Config, however deeply nested: `at<&Config::http, &net::HttpOptions::user_agent>`.
template <auto... Members>
auto& at(Config& config)
{
  return (config .* ... .* Members);
}

// Where a row's value lives. The alternative chosen also says how the value is read
// and printed (a path, an integer, a duration, a string, a list of hosts).
using Slot = std::variant<std::filesystem::path& (*)(Config&), int& (*)(Config&), Millis& (*)(Config&),
                          std::string& (*)(Config&), std::vector<std::string>& (*)(Config&)>;

// The flag that may set a row's value, as origins and usage errors name it.
struct Flag
{
  std::string_view name;
  std::variant<std::monostate, std::optional<std::filesystem::path> Overrides::*, std::optional<int> Overrides::*,
               std::optional<std::string> Overrides::*>
    value;
};

struct Key
{
  std::string_view name;     // the TOML path and the key `config show` prints
  Slot slot;
  Rule rule;
  std::string_view env = {}; // the UOMS_* variable that overrides the file, if any
  Flag flag = {};            // the flag that overrides both, if any
  bool in_file = true;       // false: only the environment or a flag may set it
  std::string_view help = {};
};

// A key of [kinds.<kind>]: unset means "fall back to [collect] or the connector".
struct KindKey
{
  std::string_view name; // after "kinds.<kind>."
  std::variant<std::optional<Millis> KindDefaults::*, std::optional<int> KindDefaults::*,
               std::optional<double> KindDefaults::*>
    slot;
  Rule rule;
  std::string_view help = {};
};

// Every fixed key, in the order `config show` prints them.
std::span<const Key> all();
// The keys of each [kinds.<kind>] table, in the order `config show` prints them.
std::span<const KindKey> kind_keys();

// The [kinds.<kind>] tables the file may have: the connector kinds.
std::span<const std::string_view> kinds();
// Notification events, and those a target gets when it names none.
std::span<const std::string_view> events();
std::span<const std::string_view> default_events();
std::span<const std::string_view> notify_types();
std::span<const std::string_view> notify_methods();

} // namespace uoms::config::keys
