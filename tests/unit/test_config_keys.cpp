#include "src/config/keys.hpp"
#include "tests/unit/config_support.hpp"
#include "uoms/error.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <variant>

namespace fs = std::filesystem;
using uoms::ConfigError;
using uoms::config::Config;
using namespace uoms::test;

TEST_CASE("Config::keys, one row per key")
{
  namespace keys = uoms::config::keys;

  SUBCASE("every row is named once, documented, and has a known variable")
  {
    std::set<std::string_view> names;
    for (const auto& key : keys::all()) {
      INFO(key.name);
      CHECK(names.insert(key.name).second);
      CHECK_FALSE(key.help.empty());
      CHECK((key.env.empty() || key.env.starts_with("UOMS_")));
      CHECK((key.in_file == (key.name.find('.') != std::string_view::npos)));
    }
    for (const auto& key : keys::kind_keys()) {
      INFO(key.name);
      CHECK(names.insert(key.name).second);
      CHECK_FALSE(key.help.empty());
    }
  }

  SUBCASE("examples/uoms.toml documents every key and variable of the table")
  {
    std::ifstream in(fs::path(UOMS_SOURCE_DIR) / "examples" / "uoms.toml");
    const std::string example((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE_FALSE(example.empty());
    for (const auto& key : keys::all()) {
      INFO(key.name);
      const auto leaf = key.name.substr(key.name.rfind('.') + 1);
      CHECK((!key.in_file || example.find("\n" + std::string(leaf) + " = ") != std::string::npos));
      CHECK(example.find(key.env) != std::string::npos);
    }
    for (const auto& key : keys::kind_keys()) {
      INFO(key.name);
      CHECK(example.find("\n" + std::string(key.name) + " = ") != std::string::npos);
    }
  }

  SUBCASE("each variable sets its row and is shown with its origin")
  {
    TempCwd cwd;
    const Config defaults = uoms::config::load({}, {});
    for (const auto& key : keys::all()) {
      const std::string name(key.name);
      const std::string shown = entry(defaults, name).value;
      if (key.env.empty() || key.rule.secret || shown == "(any)") {
        continue;
      }
      INFO(name);
      const Config c = uoms::config::load({}, {{std::string(key.env), " " + shown + " "}});
      CHECK(entry(c, name).origin == "env " + std::string(key.env));
      if (!std::holds_alternative<std::filesystem::path& (*)(Config&)>(key.slot)) {
        CHECK(entry(c, name).value == shown); // white space around the value is ignored
      }
    }
  }

  SUBCASE("kinds page_size is validated and shown with its origin")
  {
    TempCwd cwd;
    const Config c = load_text("[kinds.coupang]\npage_size = 100\n");
    CHECK(c.kinds.at("coupang").page_size == 100);
    CHECK(entry(c, "kinds.coupang.page_size").value == "100");
    CHECK(entry(c, "kinds.coupang.page_size").origin == "uoms.toml:2");
    CHECK_THROWS_WITH_AS(load_text("[kinds.coupang]\npage_size = 1001\n"),
                         "uoms.toml:2: kinds.coupang.page_size: expected an integer from 1 to 1000, got 1001",
                         ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[kinds.coupang]\npage_size = \"50\"\n"),
                         R"(uoms.toml:2: kinds.coupang.page_size: expected an integer from 1 to 1000, got "50")",
                         ConfigError);
  }

  SUBCASE("keys that only the environment or a flag may set are unknown in the file")
  {
    TempCwd cwd;
    CHECK_THROWS_WITH_AS(load_text("trigger = \"cron\"\n"), R"(uoms.toml:1: unknown key "trigger")", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("secret_key = \"x\"\n"),
                         "uoms.toml:1: secret_key cannot be set in the config file; use UOMS_SECRET_KEY or "
                         "database.key_file",
                         ConfigError);
  }
}
