#include "tests/unit/config_support.hpp"
#include "uoms/config.hpp"
#include "uoms/error.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using uoms::ConfigError;
using uoms::UsageError;
using uoms::config::Config;
using uoms::config::Environment;
using uoms::config::Overrides;

using namespace uoms::test;

TEST_CASE("config::load defaults")
{
  TempCwd cwd;

  SUBCASE("no file")
  {
    const Config c = uoms::config::load({}, {});
    CHECK(c.file.empty());
    CHECK(c.database == fs::path("uoms.db"));
    CHECK(c.key_file == fs::path("uoms.key"));
    CHECK(c.secret_key.empty());
    CHECK(c.concurrency == 64);
    CHECK(c.initial_lookback == 7 * 24h);
    CHECK(c.overlap == 10min);
    CHECK(c.settle_delay == 1min);
    CHECK(c.lock_lease == 10min);
    CHECK(c.http.connect_timeout == 10s);
    CHECK(c.http.total_timeout == 60s);
    CHECK(c.http.retry.max_attempts == 4);
    CHECK(c.http.retry.base_delay == 500ms);
    CHECK(c.http.retry.max_delay == 30s);
    CHECK(c.http.retry.max_retry_after == 120s);
    CHECK(c.http.allowed_hosts.empty());
    CHECK(c.http.user_agent == std::string("uoms/") + UOMS_VERSION);
    CHECK(c.log_level == "warn");
    CHECK(c.log_format == "text");
    CHECK(c.trigger == "manual");
    CHECK(c.kinds.empty());
    CHECK(c.notify.empty());

    const std::vector<Row> expected{
      {"database.path", "uoms.db", "default"},
      {"database.key_file", "uoms.key", "default"},
      {"secret_key", "(not set)", "default"},
      {"collect.concurrency", "64", "default"},
      {"collect.initial_lookback", "7d", "default"},
      {"collect.overlap", "10m", "default"},
      {"collect.settle_delay", "1m", "default"},
      {"collect.lock_lease", "10m", "default"},
      {"collect.token_margin", "5m", "default"},
      {"tracking.max_attempts", "10", "default"},
      {"status.max_age", "2h", "default"},
      {"status.max_age_listings", "8d", "default"},
      {"status.max_failures", "3", "default"},
      {"status.max_lag", "1h", "default"},
      {"status.max_clock_skew", "5m", "default"},
      {"metrics.textfile", "(none)", "default"},
      {"http.connect_timeout", "10s", "default"},
      {"http.timeout", "1m", "default"},
      {"http.max_attempts", "4", "default"},
      {"http.backoff_base", "500ms", "default"},
      {"http.backoff_max", "30s", "default"},
      {"http.max_retry_after", "2m", "default"},
      {"http.allowed_hosts", "(any)", "default"},
      {"http.user_agent", std::string("uoms/") + UOMS_VERSION, "default"},
      {"log.level", "warn", "default"},
      {"log.format", "text", "default"},
      {"trigger", "manual", "default"},
    };
    CHECK(rows(c) == expected);
  }

  SUBCASE("./uoms.toml is read when present")
  {
    write_file("uoms.toml", "[collect]\nconcurrency = 8\n");
    const Config c = uoms::config::load({}, {});
    CHECK(c.file == fs::path("uoms.toml"));
    CHECK(c.concurrency == 8);
    CHECK(entry(c, "collect.concurrency").origin == "uoms.toml:2");
    CHECK(c.database == fs::path("uoms.db"));
  }

  SUBCASE("database defaults next to the config file, key file next to the database")
  {
    write_file("etc/uoms.toml", "");
    Overrides o;
    o.config_file = cwd.dir() / "etc" / "uoms.toml";
    const Config c = uoms::config::load(o, {});
    CHECK(c.database == cwd.dir() / "etc" / "uoms.db");
    CHECK(c.key_file == cwd.dir() / "etc" / "uoms.key");

    Environment env{{"UOMS_DB", "/srv/orders/main.db"}};
    const Config moved = uoms::config::load(o, env);
    CHECK(moved.database == fs::path("/srv/orders/main.db"));
    CHECK(moved.key_file == fs::path("/srv/orders/uoms.key"));
    CHECK(entry(moved, "database.key_file").origin == "default");
  }
}

TEST_CASE("config::load reads every key of the file")
{
  TempCwd cwd;
  const fs::path file = cwd.dir() / "conf" / "uoms.toml";
  write_file(file, R"(# test configuration
[database]
path = "data/orders.db"

[collect]
concurrency = 8
initial_lookback = "30d"
overlap = "15m"
settle_delay = "90s"
lock_lease = "5m"

[http]
connect_timeout = "5s"
timeout = "45s"
max_attempts = 6
backoff_base = "250ms"
backoff_max = "20s"
max_retry_after = "60s"
allowed_hosts = ["loopback", "*.example.com"]
user_agent = "test-agent"

[log]
level = "debug"
format = "json"

[kinds.shopee]
overlap = "30m"
page_size = 50
rate_limit = 2.5

[[notify]]
name = "ops"
type = "slack"
url = "https://hooks.slack.com/services/T1/B2/SECRET?x=1"
events = ["failed", "partial"]

[[notify]]
url = "http://127.0.0.1:9000/hook?token=abc"
method = "GET"
)");
  Overrides o;
  o.config_file = file;
  const Config c = uoms::config::load(o, {});

  CHECK(c.file == file);
  CHECK(c.database == cwd.dir() / "conf" / "data" / "orders.db");
  CHECK(c.key_file == cwd.dir() / "conf" / "data" / "uoms.key");
  CHECK(c.concurrency == 8);
  CHECK(c.initial_lookback == 30 * 24h);
  CHECK(c.overlap == 15min);
  CHECK(c.settle_delay == 90s);
  CHECK(c.lock_lease == 5min);
  CHECK(c.http.connect_timeout == 5s);
  CHECK(c.http.total_timeout == 45s);
  CHECK(c.http.retry.max_attempts == 6);
  CHECK(c.http.retry.base_delay == 250ms);
  CHECK(c.http.retry.max_delay == 20s);
  CHECK(c.http.retry.max_retry_after == 60s);
  CHECK(c.http.allowed_hosts == std::vector<std::string>{"loopback", "*.example.com"});
  CHECK(c.http.user_agent == "test-agent");
  CHECK(c.log_level == "debug");
  CHECK(c.log_format == "json");
  REQUIRE(c.kinds.size() == 1);
  const auto& shopee = c.kinds.at("shopee");
  CHECK(shopee.overlap == 30min);
  CHECK_FALSE(shopee.settle_delay.has_value());
  CHECK(shopee.page_size == 50);
  CHECK(shopee.rate_limit == 2.5);
  REQUIRE(c.notify.size() == 2);
  CHECK(c.notify[0].name == "ops");
  CHECK(c.notify[0].type == "slack");
  CHECK(c.notify[0].url == "https://hooks.slack.com/services/T1/B2/SECRET?x=1");
  CHECK(c.notify[0].events == std::vector<std::string>{"failed", "partial"});
  CHECK(c.notify[1].name == "notify[1]");
  CHECK(c.notify[1].type == "generic");
  CHECK(c.notify[1].method == "GET");
  CHECK(c.notify[1].events.empty());

  const std::string f = file.string();
  const std::vector<Row> expected{
    {"database.path", (cwd.dir() / "conf/data/orders.db").string(), f + ":3"},
    {"database.key_file", (cwd.dir() / "conf/data/uoms.key").string(), "default"},
    {"secret_key", "(not set)", "default"},
    {"collect.concurrency", "8", f + ":6"},
    {"collect.initial_lookback", "30d", f + ":7"},
    {"collect.overlap", "15m", f + ":8"},
    {"collect.settle_delay", "90s", f + ":9"},
    {"collect.lock_lease", "5m", f + ":10"},
    {"collect.token_margin", "5m", "default"},
    {"tracking.max_attempts", "10", "default"},
    {"status.max_age", "2h", "default"},
    {"status.max_age_listings", "8d", "default"},
    {"status.max_failures", "3", "default"},
    {"status.max_lag", "1h", "default"},
    {"status.max_clock_skew", "5m", "default"},
    {"metrics.textfile", "(none)", "default"},
    {"http.connect_timeout", "5s", f + ":13"},
    {"http.timeout", "45s", f + ":14"},
    {"http.max_attempts", "6", f + ":15"},
    {"http.backoff_base", "250ms", f + ":16"},
    {"http.backoff_max", "20s", f + ":17"},
    {"http.max_retry_after", "1m", f + ":18"},
    {"http.allowed_hosts", "loopback, *.example.com", f + ":19"},
    {"http.user_agent", "test-agent", f + ":20"},
    {"log.level", "debug", f + ":23"},
    {"log.format", "json", f + ":24"},
    {"trigger", "manual", "default"},
    {"kinds.shopee.overlap", "30m", f + ":27"},
    {"kinds.shopee.page_size", "50", f + ":28"},
    {"kinds.shopee.rate_limit", "2.5", f + ":29"},
    {"notify[0].name", "ops", f + ":32"},
    {"notify[0].type", "slack", f + ":33"},
    {"notify[0].url", "https://hooks.slack.com/********", f + ":34"},
    {"notify[0].method", "POST", "default"},
    {"notify[0].events", "failed, partial", f + ":35"},
    {"notify[1].name", "notify[1]", "default"},
    {"notify[1].type", "generic", "default"},
    {"notify[1].url", "http://127.0.0.1:9000/********", f + ":38"},
    {"notify[1].method", "GET", f + ":39"},
    {"notify[1].events", "completed, partial, failed, skipped", "default"},
  };
  CHECK(rows(c) == expected);
}

TEST_CASE("config::load layers: defaults, file, environment, flags")
{
  TempCwd cwd;
  const std::string text = "[collect]\nconcurrency = 8\noverlap = \"15m\"\n[log]\nlevel = \"info\"\n";

  SUBCASE("environment overrides the file")
  {
    const Environment env{
      {"UOMS_CONCURRENCY", "12"},
      {"UOMS_OVERLAP", "20m"},
      {"UOMS_SETTLE_DELAY", "0s"},
      {"UOMS_INITIAL_LOOKBACK", "2d"},
      {"UOMS_HTTP_TIMEOUT", "30s"},
      {"UOMS_CONNECT_TIMEOUT", "3s"},
      {"UOMS_MAX_ATTEMPTS", "2"},
      {"UOMS_ALLOWED_HOSTS", " loopback , *.example.com,,"},
      {"UOMS_LOG_LEVEL", "debug"},
      {"UOMS_LOG_FORMAT", "json"},
      {"UOMS_TRIGGER", "cron"},
      {"UOMS_DB", "state/o.db"},
      {"UOMS_KEY_FILE", "/keys/uoms.key"},
      {"UOMS_SECRET_KEY", "c2VjcmV0LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OTA="},
      {"UOMS_UNRELATED", "ignored"},
      {"UOMS_CONCURENCY", "99"}, // unknown names are ignored, even near misses
    };
    const Config c = load_text(text, env);
    CHECK(c.concurrency == 12);
    CHECK(c.overlap == 20min);
    CHECK(c.settle_delay == 0ms);
    CHECK(c.initial_lookback == 48h);
    CHECK(c.http.total_timeout == 30s);
    CHECK(c.http.connect_timeout == 3s);
    CHECK(c.http.retry.max_attempts == 2);
    CHECK(c.http.allowed_hosts == std::vector<std::string>{"loopback", "*.example.com"});
    CHECK(c.log_level == "debug");
    CHECK(c.log_format == "json");
    CHECK(c.trigger == "cron");
    CHECK(c.database == fs::path("state/o.db"));
    CHECK(c.key_file == fs::path("/keys/uoms.key"));
    CHECK(c.secret_key == "c2VjcmV0LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OTA=");

    CHECK(entry(c, "collect.concurrency").origin == "env UOMS_CONCURRENCY");
    CHECK(entry(c, "collect.overlap").origin == "env UOMS_OVERLAP");
    CHECK(entry(c, "http.timeout").origin == "env UOMS_HTTP_TIMEOUT");
    CHECK(entry(c, "http.allowed_hosts").value == "loopback, *.example.com");
    CHECK(entry(c, "log.level").origin == "env UOMS_LOG_LEVEL");
    CHECK(entry(c, "trigger").origin == "env UOMS_TRIGGER");
    CHECK(entry(c, "database.path").origin == "env UOMS_DB");
    CHECK(entry(c, "secret_key").value == "********");
    CHECK(entry(c, "secret_key").origin == "env UOMS_SECRET_KEY");
  }

  SUBCASE("flags override the environment")
  {
    const Environment env{{"UOMS_CONCURRENCY", "12"}, {"UOMS_LOG_LEVEL", "debug"}, {"UOMS_DB", "env.db"}};
    Overrides o;
    o.concurrency = 2;
    o.log_level = "error";
    o.log_format = "json";
    o.trigger = "n8n";
    o.database = "/tmp/flag.db";
    const Config c = load_text(text, env, o);
    CHECK(c.concurrency == 2);
    CHECK(c.log_level == "error");
    CHECK(c.log_format == "json");
    CHECK(c.trigger == "n8n");
    CHECK(c.database == fs::path("/tmp/flag.db"));
    CHECK(c.overlap == 15min);
    CHECK(entry(c, "collect.concurrency").origin == "flag --concurrency");
    CHECK(entry(c, "log.level").origin == "flag -v/--quiet");
    CHECK(entry(c, "log.format").origin == "flag --log-format");
    CHECK(entry(c, "trigger").origin == "flag --trigger");
    CHECK(entry(c, "database.path").origin == "flag --db");
    CHECK(entry(c, "collect.overlap").origin == "uoms.toml:3");
  }

  SUBCASE("empty variables count as unset")
  {
    const Config c = load_text(text, {{"UOMS_CONCURRENCY", ""}, {"UOMS_DB", ""}});
    CHECK(c.concurrency == 8);
    CHECK(entry(c, "collect.concurrency").origin == "uoms.toml:2");
  }

  SUBCASE("UOMS_CONFIG names the file; --config wins over it")
  {
    write_file("a.toml", "[collect]\nconcurrency = 3\n");
    write_file("b.toml", "[collect]\nconcurrency = 5\n");
    const Config from_env = uoms::config::load({}, {{"UOMS_CONFIG", "a.toml"}});
    CHECK(from_env.file == fs::path("a.toml"));
    CHECK(from_env.concurrency == 3);
    CHECK(entry(from_env, "collect.concurrency").origin == "a.toml:2");
    Overrides o;
    o.config_file = "b.toml";
    CHECK(uoms::config::load(o, {{"UOMS_CONFIG", "a.toml"}}).concurrency == 5);
  }
}

TEST_CASE("config::load file errors name file and line")
{
  TempCwd cwd;

  SUBCASE("unknown keys")
  {
    CHECK_THROWS_WITH_AS(load_text("[collect]\nconcurrency = 2\n\n[http]\ntimout = \"30s\"\n"),
                         R"(uoms.toml:5: unknown key "http.timout" (did you mean "http.timeout"?))", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("concurrency = 4\n"),
                         R"(uoms.toml:1: unknown key "concurrency" (did you mean "collect.concurrency"?))",
                         ConfigError);
    CHECK_THROWS_WITH_AS(load_text("\n[htpp]\ntimeout = \"1s\"\n"),
                         R"(uoms.toml:2: unknown key "htpp" (did you mean "http"?))", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[server]\nport = 1\n"), R"(uoms.toml:1: unknown key "server")", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[collect]\nlookback = \"1d\"\n"), R"(uoms.toml:2: unknown key "collect.lookback")",
                         ConfigError);
  }

  SUBCASE("bad values")
  {
    CHECK_THROWS_WITH_AS(load_text("[collect]\n\nconcurrency = 0\n"),
                         "uoms.toml:3: collect.concurrency: expected an integer from 1 to 512, got 0", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[collect]\nconcurrency = \"4\"\n"),
                         R"(uoms.toml:2: collect.concurrency: expected an integer from 1 to 512, got "4")",
                         ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[collect]\nconcurrency = 2\n\n\noverlap = \"ten\"\n"),
                         R"(uoms.toml:5: collect.overlap: expected a duration like "10m", got "ten")", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[collect]\noverlap = 600\n"),
                         R"(uoms.toml:2: collect.overlap: expected a duration like "10m", got 600)", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[http]\ntimeout = \"0s\"\n"),
                         R"(uoms.toml:2: http.timeout: expected a positive duration like "30s", got "0s")",
                         ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[http]\nmax_attempts = 11\n"),
                         "uoms.toml:2: http.max_attempts: expected an integer from 1 to 10, got 11", ConfigError);
    CHECK_THROWS_WITH_AS(
      load_text("[http]\nallowed_hosts = [\"loopback\", \"https://x.example.com\"]\n"),
      R"(uoms.toml:2: http.allowed_hosts[1]: expected a host name like "api.example.com", "*.example.com" or "loopback", got "https://x.example.com")",
      ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[http]\nallowed_hosts = \"loopback\"\n"),
                         R"(uoms.toml:2: http.allowed_hosts: expected an array of host names, got "loopback")",
                         ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[log]\nlevel = \"verbose\"\n"),
                         R"(uoms.toml:2: log.level: expected one of error, warn, info, debug, got "verbose")",
                         ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[log]\nformat = \"xml\"\n"),
                         R"(uoms.toml:2: log.format: expected one of text, json, got "xml")", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[database]\npath = \"\"\n"),
                         R"(uoms.toml:2: database.path: expected a file path, got "")", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("collect = 4\n"),
                         "uoms.toml:1: collect: expected a table ([collect]), got 4", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[database]\nsecret_key = \"x\"\n"),
                         "uoms.toml:2: secret_key cannot be set in the config file; use UOMS_SECRET_KEY or "
                         "database.key_file",
                         ConfigError);
  }

  SUBCASE("kinds")
  {
    CHECK_THROWS_WITH_AS(load_text("[kinds.shoppe]\noverlap = \"1m\"\n"),
                         R"(uoms.toml:1: unknown key "kinds.shoppe" (did you mean "kinds.shopee"?))", ConfigError);
    CHECK_THROWS_WITH_AS(
      load_text("[kinds.amazon]\noverlap = \"1m\"\n"),
      R"(uoms.toml:1: unknown key "kinds.amazon" (kinds are coupang, smartstore, shopee, qoo10jp, playauto, csv))",
      ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[kinds.csv]\npagesize = 10\n"),
                         R"(uoms.toml:2: unknown key "kinds.csv.pagesize" (did you mean "kinds.csv.page_size"?))",
                         ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[kinds.coupang]\npage_size = 0\n"),
                         "uoms.toml:2: kinds.coupang.page_size: expected an integer from 1 to 1000, got 0",
                         ConfigError);
    CHECK_THROWS_WITH_AS(
      load_text("[kinds.coupang]\nrate_limit = -1\n"),
      "uoms.toml:2: kinds.coupang.rate_limit: expected a positive number of requests per second, got -1",
      ConfigError);
    const Config c = load_text("[kinds.qoo10jp]\nsettle_delay = \"5m\"\nrate_limit = 3\n");
    CHECK(c.kinds.at("qoo10jp").settle_delay == 5min);
    CHECK(c.kinds.at("qoo10jp").rate_limit == 3.0);
  }

  SUBCASE("notify")
  {
    CHECK_THROWS_WITH_AS(load_text("[[notify]]\nname = \"ops\"\n"),
                         R"(uoms.toml:1: notify[0]: missing required key "url")", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[[notify]]\nurl = \"ftp://files.example.com/drop?token=SECRET\"\n"),
                         "uoms.toml:2: notify[0].url: expected an http:// or https:// URL", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[[notify]]\nurl = \"https://x.example.com/h\"\nevents = [\"failed\", \"done\"]\n"),
                         R"(uoms.toml:3: notify[0].events[1]: expected one of started, completed, partial, failed, skipped, got "done")",
                         ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[[notify]]\ntype = \"teams\"\nurl = \"https://x.example.com/h\"\n"),
                         R"(uoms.toml:2: notify[0].type: expected one of generic, discord, slack, got "teams")",
                         ConfigError);
    CHECK_THROWS_WITH_AS(
      load_text("[[notify]]\ntype = \"discord\"\nurl = \"https://x.example.com/h\"\nmethod = \"GET\"\n"),
      R"(uoms.toml:4: notify[0].method: discord webhooks are always POST, got "GET")", ConfigError);
    CHECK_THROWS_WITH_AS(
      load_text("[[notify]]\nname = \"ops\"\nurl = \"https://a.example.com/h\"\n\n[[notify]]\nname = \"ops\"\n"
                "url = \"https://b.example.com/h\"\n"),
      R"(uoms.toml:6: notify[1].name: "ops" is already used by notify[0])", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[[notify]]\nurl = \"https://x.example.com/h\"\nurll = 1\n"),
                         R"(uoms.toml:3: unknown key "notify[0].urll" (did you mean "notify[0].url"?))", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[notify]\nurl = \"https://x.example.com/h\"\n"),
                         "uoms.toml:1: notify: expected an array of tables ([[notify]]), got a table", ConfigError);
  }

  SUBCASE("TOML syntax errors carry line and column")
  {
    CHECK_THROWS_WITH_AS(load_text("[collect]\nconcurrency = 4\n\n[http\n"),
                         "uoms.toml:4:6: Error while parsing table header: expected ']', saw '\\n'", ConfigError);
    CHECK_THROWS_WITH_AS(load_text("[collect]\noverlap = \"10m\"\noverlap = \"20m\"\n"),
                         "uoms.toml:3:11: Error while parsing key-value pair: cannot redefine existing string "
                         "'overlap'",
                         ConfigError);
  }

  SUBCASE("missing or unreadable file")
  {
    Overrides o;
    o.config_file = "/nonexistent-uoms-dir/uoms.toml";
    CHECK_THROWS_WITH_AS(uoms::config::load(o, {}),
                         "config file /nonexistent-uoms-dir/uoms.toml: No such file or directory", ConfigError);
    CHECK_THROWS_WITH_AS(uoms::config::load({}, {{"UOMS_CONFIG", "missing.toml"}}),
                         "config file missing.toml: No such file or directory", ConfigError);
    fs::create_directory("adir");
    o.config_file = "adir";
    CHECK_THROWS_WITH_AS(uoms::config::load(o, {}), "config file adir: Is a directory", ConfigError);
  }
}

TEST_CASE("config::load environment and flag errors name the variable")
{
  TempCwd cwd;
  CHECK_THROWS_WITH_AS(uoms::config::load({}, {{"UOMS_CONCURRENCY", "x"}}),
                       R"(UOMS_CONCURRENCY: expected an integer from 1 to 512, got "x")", ConfigError);
  CHECK_THROWS_WITH_AS(uoms::config::load({}, {{"UOMS_CONCURRENCY", "513"}}),
                       R"(UOMS_CONCURRENCY: expected an integer from 1 to 512, got "513")", ConfigError);
  CHECK_THROWS_WITH_AS(uoms::config::load({}, {{"UOMS_MAX_ATTEMPTS", "0"}}),
                       R"(UOMS_MAX_ATTEMPTS: expected an integer from 1 to 10, got "0")", ConfigError);
  CHECK_THROWS_WITH_AS(uoms::config::load({}, {{"UOMS_OVERLAP", "ten"}}),
                       R"(UOMS_OVERLAP: expected a duration like "10m", got "ten")", ConfigError);
  CHECK_THROWS_WITH_AS(uoms::config::load({}, {{"UOMS_HTTP_TIMEOUT", "0s"}}),
                       R"(UOMS_HTTP_TIMEOUT: expected a positive duration like "30s", got "0s")", ConfigError);
  CHECK_THROWS_WITH_AS(uoms::config::load({}, {{"UOMS_LOG_LEVEL", "loud"}}),
                       R"(UOMS_LOG_LEVEL: expected one of error, warn, info, debug, got "loud")", ConfigError);
  CHECK_THROWS_WITH_AS(uoms::config::load({}, {{"UOMS_LOG_FORMAT", "yaml"}}),
                       R"(UOMS_LOG_FORMAT: expected one of text, json, got "yaml")", ConfigError);
  CHECK_THROWS_WITH_AS(uoms::config::load({}, {{"UOMS_TRIGGER", "systemd"}}),
                       R"(UOMS_TRIGGER: expected one of manual, cron, n8n, got "systemd")", ConfigError);
  CHECK_THROWS_WITH_AS(
    uoms::config::load({}, {{"UOMS_ALLOWED_HOSTS", "loopback,http://x"}}),
    R"(UOMS_ALLOWED_HOSTS: expected comma-separated host names like "api.example.com", "*.example.com" or "loopback", got "http://x")",
    ConfigError);

  Overrides o;
  o.concurrency = 0;
  CHECK_THROWS_WITH_AS(uoms::config::load(o, {}), "--concurrency: expected an integer from 1 to 512, got 0",
                       UsageError);
  o = {};
  o.log_format = "xml";
  CHECK_THROWS_WITH_AS(uoms::config::load(o, {}), R"(--log-format: expected one of text, json, got "xml")",
                       UsageError);
}

TEST_CASE("config::Config::entries never print secrets")
{
  TempCwd cwd;
  const Config c = load_text(
    "[[notify]]\nname = \"hook\"\nurl = \"https://user:pw@hooks.example.com:8443/services/TOKEN123?sig=SIG456#frag\"\n",
    {{"UOMS_SECRET_KEY", "SECRETKEY789"}});
  CHECK(entry(c, "notify[0].url").value == "https://hooks.example.com:8443/********");
  CHECK(entry(c, "secret_key").value == "********");
  for (const auto& e : c.entries) {
    INFO(e.key);
    CHECK(e.value.find("TOKEN123") == std::string::npos);
    CHECK(e.value.find("SIG456") == std::string::npos);
    CHECK(e.value.find("pw@") == std::string::npos);
    CHECK(e.value.find("SECRETKEY789") == std::string::npos);
  }
}

TEST_CASE("config::read_environment keeps only UOMS_ variables")
{
  ::setenv("UOMS_TEST_READ_ENV", "a=b", 1);
  const Environment env = uoms::config::read_environment();
  ::unsetenv("UOMS_TEST_READ_ENV");
  REQUIRE(env.count("UOMS_TEST_READ_ENV") == 1);
  CHECK(env.at("UOMS_TEST_READ_ENV") == "a=b");
  for (const auto& [name, value] : env) {
    CHECK(name.starts_with("UOMS_"));
  }
}

TEST_CASE("config: examples/uoms.toml and the starter file load")
{
  TempCwd cwd;

  SUBCASE("examples/uoms.toml")
  {
    Overrides o;
    o.config_file = fs::path(UOMS_SOURCE_DIR) / "examples" / "uoms.toml";
    const Config c = uoms::config::load(o, {});
    CHECK(c.database == fs::path(UOMS_SOURCE_DIR) / "examples" / "uoms.db");
    CHECK(c.lock_lease == 10min);
    CHECK(c.http.retry.max_retry_after == 120s);
    CHECK(c.http.user_agent == "uoms (orders@example.com)");
    CHECK(c.kinds.at("shopee").page_size == 50);
    CHECK(c.kinds.at("coupang").rate_limit == 2.5);
    REQUIRE(c.notify.size() == 2);
    CHECK(c.notify[0].type == "slack");
    CHECK(c.notify[1].events.size() == 5);
  }

  SUBCASE("starter_file()")
  {
    const Config c = load_text(uoms::config::starter_file());
    CHECK(c.database == fs::path("uoms.db"));
    CHECK(c.key_file == fs::path("uoms.key"));
    CHECK(entry(c, "database.path").origin.starts_with("uoms.toml:"));
    CHECK(c.http.allowed_hosts.empty());
    CHECK(c.notify.empty());
    CHECK(uoms::config::starter_file().find("# allowed_hosts = [") != std::string::npos);
    CHECK(uoms::config::starter_file().find("# [[notify]]") != std::string::npos);
  }
}
