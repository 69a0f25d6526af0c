#pragma once

// Helpers shared by the configuration tests (test_config.cpp, test_config_keys.cpp).

#include "uoms/config.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

namespace uoms::test {

namespace fs = std::filesystem;
using uoms::config::Config;
using uoms::config::Environment;
using uoms::config::Overrides;

// A fresh directory that is also the current directory for the test's lifetime, so the
// implicit ./uoms.toml look-up and relative paths are under the test's control.
class TempCwd
{
public:
  TempCwd()
  {
    std::string pattern = (fs::temp_directory_path() / "uoms-test-config-XXXXXX").string();
    m_dir = ::mkdtemp(pattern.data());
    m_previous = fs::current_path();
    fs::current_path(m_dir);
  }
  ~TempCwd()
  {
    fs::current_path(m_previous);
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  const fs::path& dir() const { return m_dir; }

private:
  fs::path m_dir;
  fs::path m_previous;
};

inline void write_file(const fs::path& path, const std::string& text)
{
  fs::create_directories(path.parent_path().empty() ? fs::path(".") : path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Writes ./uoms.toml and loads it by the relative name, so messages start "uoms.toml:".
inline Config load_text(const std::string& text, const Environment& env = {}, Overrides overrides = {})
{
  write_file("uoms.toml", text);
  overrides.config_file = "uoms.toml";
  return uoms::config::load(overrides, env);
}

inline const Config::Entry& entry(const Config& config, const std::string& key)
{
  for (const auto& e : config.entries) {
    if (e.key == key) {
      return e;
    }
  }
  FAIL("no entry " << key);
  throw std::logic_error("unreachable");
}

using Row = std::tuple<std::string, std::string, std::string>;

inline std::vector<Row> rows(const Config& config)
{
  std::vector<Row> out;
  for (const auto& e : config.entries) {
    out.emplace_back(e.key, e.value, e.origin);
  }
  return out;
}


} // namespace uoms::test
