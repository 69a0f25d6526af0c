#pragma once

// How one configuration value is read from each layer (the TOML file, a UOMS_* variable,
// a flag) and printed by `config show`. One overload per C++ type a key can land in, so
// a row of the key table (keys.hpp) needs no code of its own. Errors keep the shapes the
// tests assert: `uoms.toml:5: http.timeout: expected ..., got "0s"`, `UOMS_OVERLAP:
// expected ..., got "ten"`, `--concurrency: expected ..., got 0`.

#include "src/config/keys.hpp"

#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::config::values {

using keys::Rule;

// The text shown after "got" and for names in messages: a TOML-style quoted string.
std::string quote(std::string_view text);
// "an integer from 1 to 64".
std::string int_range(long long low, long long high);
// "one of text, json".
std::string one_of(std::span<const std::string_view> choices);
// `7d`, `10m`, `1500ms`: the largest unit that divides the value exactly, the same
// spelling parse_duration accepts.
std::string format_duration(Millis duration);
// A webhook URL as `config show` prints it: the path and query carry the token.
std::string mask_url(std::string_view url);

// The config file being read: its name as given (in messages and origins) and the
// directory its relative paths resolve against.
struct Source
{
  std::string label;
  std::filesystem::path directory;

  [[noreturn]] void fail_at(const toml::source_region& where, std::string_view message) const;
  [[noreturn]] void fail_value(const toml::node& node, std::string_view key, std::string_view expected) const;
  // "uoms.toml:12".
  Origin origin_of(const toml::node& node) const;
};

// A file value into `out`, or ConfigError naming file, line, key, what was expected and
// what was found.
void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule,
               std::filesystem::path& out);
void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule, int& out);
void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule, Millis& out);
void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule,
               std::string& out);
void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule,
               std::vector<std::string>& out);
void from_file(const Source& source, const toml::node& node, std::string_view key, const Rule& rule, double& out);

// A UOMS_* variable's text into `out`, or ConfigError naming the variable. Surrounding
// white space is ignored except in paths and secrets, which are taken as they are.
void from_env(std::string_view variable, const std::string& text, const Rule& rule, std::filesystem::path& out);
void from_env(std::string_view variable, const std::string& text, const Rule& rule, int& out);
void from_env(std::string_view variable, const std::string& text, const Rule& rule, Millis& out);
void from_env(std::string_view variable, const std::string& text, const Rule& rule, std::string& out);
void from_env(std::string_view variable, const std::string& text, const Rule& rule, std::vector<std::string>& out);

// A flag's value into `out`, checked against the same rule as the file's, or UsageError
// (exit 2) naming the flag: a caller cannot smuggle in a value the file would refuse.
void from_flag(std::string_view flag, const Rule& rule, const std::filesystem::path& value,
               std::filesystem::path& out);
void from_flag(std::string_view flag, const Rule& rule, int value, int& out);
void from_flag(std::string_view flag, const Rule& rule, const std::string& value, std::string& out);

// The value as `config show` prints it (secrets as ********).
std::string show(const Rule& rule, const std::filesystem::path& value);
std::string show(const Rule& rule, int value);
std::string show(const Rule& rule, Millis value);
std::string show(const Rule& rule, const std::string& value);
std::string show(const Rule& rule, const std::vector<std::string>& value);
std::string show(const Rule& rule, double value);

} // namespace uoms::config::values
