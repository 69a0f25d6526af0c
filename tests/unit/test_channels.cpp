#include "uoms/channels.hpp"
#include "uoms/error.hpp"
#include "uoms/store.hpp"

#include "tests/support/temp_db.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include <stdlib.h>
#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using uoms::ConfigError;
using uoms::UsageError;
using uoms::channels::Changes;
using uoms::crypto::Fernet;
using uoms::store::Database;

namespace {

constexpr const char* k_t0 = "2026-11-22T00:00:00.000Z";
constexpr const char* k_t1 = "2026-11-23T00:00:00.000Z";
// Distinctive so the redactor's global secret list cannot disturb other tests.
const std::string k_access = "AK-plaintext-c7d1e5a0";
const std::string k_secret = "SK-plaintext-9b24f611";


Fernet new_key()
{
  return *Fernet::from_key(Fernet::generate_key());
}

Changes coupang_changes()
{
  Changes c;
  c.set["vendor_id"] = "A00012345";
  c.secrets["access_key"] = k_access;
  c.secrets["secret_key"] = k_secret;
  return c;
}

std::string error_of(const std::function<void()>& f)
{
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST_CASE("channels::check_name")
{
  CHECK_NOTHROW(uoms::channels::check_name("coupang-main_2.kr"));
  CHECK_NOTHROW(uoms::channels::check_name(std::string(64, 'a')));
  CHECK_THROWS_WITH_AS(uoms::channels::check_name(""),
                       "invalid channel name \"\": use 1-64 letters, digits, '.', '-' or '_'", UsageError);
  CHECK_THROWS_WITH_AS(uoms::channels::check_name("my shop"),
                       "invalid channel name \"my shop\": use 1-64 letters, digits, '.', '-' or '_'", UsageError);
  CHECK_THROWS_AS(uoms::channels::check_name(std::string(65, 'a')), UsageError);
  CHECK_THROWS_AS(uoms::channels::check_name("a/b"), UsageError);
  CHECK_THROWS_AS(uoms::channels::check_name("쿠팡"), UsageError);
}

TEST_CASE("channels key file")
{
  TempDb t("channels");
  const auto path = t.dir() / "uoms.key";
  uoms::channels::write_key_file(path, false);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(fs::exists(t.dir() / "uoms.key.tmp"));

  uoms::config::Config config;
  config.key_file = path;
  auto key = uoms::channels::load_key(config);
  CHECK(key.decrypt(key.encrypt("hello")) == "hello");

  CHECK_THROWS_WITH_AS(uoms::channels::write_key_file(path, false),
                       (path.string() + " already exists (use --force to overwrite)").c_str(), ConfigError);
  uoms::channels::write_key_file(path, true);
  auto replaced = uoms::channels::load_key(config);
  CHECK_FALSE(replaced.decrypt(key.encrypt("hello")).has_value());

  SUBCASE("UOMS_SECRET_KEY wins over the file")
  {
    const auto text = Fernet::generate_key();
    config.secret_key = text;
    auto from_env = uoms::channels::load_key(config);
    CHECK(Fernet::from_key(text)->decrypt(from_env.encrypt("x")) == "x");
    config.secret_key = "not-a-key";
    CHECK_THROWS_WITH_AS(uoms::channels::load_key(config),
                         "UOMS_SECRET_KEY is not a Fernet key (32 bytes in url-safe base64, 44 characters)",
                         ConfigError);
  }

  SUBCASE("a missing or malformed key file is a ConfigError naming it")
  {
    config.key_file = t.dir() / "missing.key";
    CHECK_THROWS_WITH_AS(uoms::channels::load_key(config),
                         ("secret key file " + config.key_file.string() +
                          " not found; run `uoms init` or set UOMS_SECRET_KEY")
                           .c_str(),
                         ConfigError);
    config.key_file = t.dir() / "bad.key";
    std::ofstream(config.key_file) << "garbage\n";
    CHECK_THROWS_WITH_AS(uoms::channels::load_key(config),
                         ("secret key file " + config.key_file.string() + " does not hold a Fernet key").c_str(),
                         ConfigError);
  }
}

TEST_CASE("channels::add")
{
  TempDb t("channels");
  auto& db = t.db();
  const auto key = new_key();

  SUBCASE("a csv channel gets the kind's defaults; only given settings are stored")
  {
    Changes c;
    c.set["path"] = "/srv/orders";
    auto ch = uoms::channels::add(db, key, "shop", "csv", c, k_t0);
    CHECK(ch.row.id > 0);
    CHECK(ch.row.name == "shop");
    CHECK(ch.row.kind == "csv");
    CHECK(ch.row.enabled);
    CHECK(ch.row.created_at == k_t0);
    REQUIRE(ch.spec);
    CHECK(ch.spec->kind == "csv");
    CHECK(ch.settings.at("path") == "/srv/orders");
    CHECK(ch.settings.at("mapping") == "auto");
    CHECK(ch.settings.at("encoding") == "auto");
    CHECK(ch.settings.at("timezone") == "+09:00");
    CHECK(ch.settings.at("currency") == "KRW");
    CHECK(ch.settings.at("delimiter") == ",");
    CHECK(ch.secrets.empty());
    auto row = uoms::store::Channels(db).find("shop");
    REQUIRE(row);
    CHECK(row->settings_json == R"({"path":"/srv/orders"})");
    CHECK(row->secrets_token == "");
    auto loaded = uoms::channels::load(db, "shop", nullptr);
    CHECK(loaded.settings == ch.settings);
  }

  SUBCASE("secrets are stored as a Fernet token, never in plaintext")
  {
    auto ch = uoms::channels::add(db, key, "cp", "coupang", coupang_changes(), k_t0);
    CHECK(ch.secrets.at("access_key") == k_access);
    CHECK(ch.secrets.at("secret_key") == k_secret);
    auto row = uoms::store::Channels(db).find("cp");
    REQUIRE(row);
    CHECK(row->secrets_token.starts_with("gAAAAA"));
    CHECK(row->secrets_token.find(k_access) == std::string::npos);
    CHECK(row->secrets_token.find(k_secret) == std::string::npos);
    CHECK(row->settings_json.find(k_access) == std::string::npos);
    CHECK(row->settings_json == R"({"vendor_id":"A00012345"})");

    auto loaded = uoms::channels::load(db, "cp", &key);
    CHECK(loaded.settings.at("vendor_id") == "A00012345");
    CHECK(loaded.secrets.at("access_key") == k_access);
    CHECK(loaded.secrets.at("secret_key") == k_secret);
    auto without_key = uoms::channels::load(db, "cp", nullptr);
    CHECK(without_key.secrets.empty());
    CHECK(without_key.settings.at("vendor_id") == "A00012345");
    using Names = std::vector<std::string>;
    CHECK(uoms::channels::secret_names(*row, &key) == Names{"access_key", "secret_key"});
    CHECK(uoms::channels::secret_names(*row, nullptr).empty());
  }

  SUBCASE("loading with the wrong key is a ConfigError")
  {
    uoms::channels::add(db, key, "cp", "coupang", coupang_changes(), k_t0);
    const auto wrong = new_key();
    CHECK_THROWS_WITH_AS(uoms::channels::load(db, "cp", &wrong),
                         "channel cp: cannot decrypt its secrets with this key "
                         "(wrong UOMS_SECRET_KEY or key file?)",
                         ConfigError);
    CHECK(error_of([&] { uoms::channels::load(db, "cp", &wrong); }).find("cannot decrypt") != std::string::npos);
  }

  SUBCASE("an unknown setting names the kind and suggests the closest")
  {
    Changes c;
    c.set["pth"] = "x";
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "shop", "csv", c, k_t0),
                         "kind csv has no setting \"pth\" (did you mean \"path\"?)", ConfigError);
    Changes far;
    far.set["colour"] = "x";
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "shop", "csv", far, k_t0),
                         "kind csv has no setting \"colour\"", ConfigError);
    CHECK(db.count("channels") == 0);
  }

  SUBCASE("a secret given as a setting, and a setting given as a secret, get a hint")
  {
    auto c = coupang_changes();
    c.set["secret_key"] = "oops";
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "cp", "coupang", c, k_t0),
                         "kind coupang has no setting \"secret_key\" (it is a secret: use --secret secret_key=...)",
                         ConfigError);
    auto d = coupang_changes();
    d.secrets["vendor_id"] = "A1";
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "cp", "coupang", d, k_t0),
                         "kind coupang has no secret \"vendor_id\" (it is a setting: use --set vendor_id=...)",
                         ConfigError);
    auto e = coupang_changes();
    e.secrets["acess_key"] = "x";
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "cp", "coupang", e, k_t0),
                         "kind coupang has no secret \"acess_key\" (did you mean \"access_key\"?)", ConfigError);
    auto empty = coupang_changes();
    empty.secrets["access_key"] = "";
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "cp", "coupang", empty, k_t0),
                         "secret \"access_key\" is empty", UsageError);
    CHECK(db.count("channels") == 0);
  }

  SUBCASE("missing required fields are listed")
  {
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "shop", "csv", {}, k_t0),
                         "channel shop (csv) is missing setting path", ConfigError);
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "cp", "coupang", {}, k_t0),
                         "channel cp (coupang) is missing setting vendor_id, secret access_key, secret secret_key",
                         ConfigError);
    CHECK(db.count("channels") == 0);
  }

  SUBCASE("unknown kind, invalid name and duplicate name")
  {
    Changes c;
    c.set["path"] = "/srv";
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "shop", "cvs", c, k_t0),
                         "unknown channel kind \"cvs\" (did you mean \"csv\"?); kinds: coupang, smartstore, shopee, "
                         "qoo10jp, playauto, csv",
                         ConfigError);
    CHECK_THROWS_AS(uoms::channels::add(db, key, "my shop", "csv", c, k_t0), UsageError);
    CHECK_THROWS_AS(uoms::channels::add(db, key, "", "csv", c, k_t0), UsageError);
    uoms::channels::add(db, key, "shop", "csv", c, k_t0);
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "shop", "csv", c, k_t0),
                         "channel \"shop\" already exists (use `uoms channels update`)", UsageError);
    CHECK(db.count("channels") == 1);
  }
}

TEST_CASE("channels::update and load")
{
  TempDb t("channels");
  auto& db = t.db();
  const auto key = new_key();
  uoms::channels::add(db, key, "cp", "coupang", coupang_changes(), k_t0);

  SUBCASE("settings and secrets change; the rest is kept")
  {
    Changes c;
    c.set["rate_limit"] = "2";
    c.secrets["secret_key"] = "SK-rotated-5e0b";
    auto ch = uoms::channels::update(db, key, "cp", c, k_t1);
    CHECK(ch.settings.at("rate_limit") == "2");
    CHECK(ch.settings.at("vendor_id") == "A00012345");
    CHECK(ch.secrets.at("access_key") == k_access);
    CHECK(ch.secrets.at("secret_key") == "SK-rotated-5e0b");
    auto row = uoms::store::Channels(db).find("cp");
    REQUIRE(row);
    CHECK(row->created_at == k_t0);
    CHECK(row->updated_at == k_t1);
    CHECK(row->settings_json == R"({"rate_limit":"2","vendor_id":"A00012345"})");
    CHECK(row->secrets_token.find("SK-rotated-5e0b") == std::string::npos);
    auto loaded = uoms::channels::load(db, "cp", &key);
    CHECK(loaded.secrets.at("secret_key") == "SK-rotated-5e0b");
  }

  SUBCASE("unsetting an optional setting restores its default")
  {
    Changes set;
    set.set["rate_limit"] = "2";
    uoms::channels::update(db, key, "cp", set, k_t1);
    Changes unset;
    unset.unset.push_back("rate_limit");
    auto ch = uoms::channels::update(db, key, "cp", unset, k_t1);
    CHECK(ch.settings.at("rate_limit") == "5");
    CHECK(uoms::store::Channels(db).find("cp")->settings_json == R"({"vendor_id":"A00012345"})");
  }

  SUBCASE("unsetting a required field is refused and nothing changes")
  {
    Changes c;
    c.unset.push_back("access_key");
    CHECK_THROWS_WITH_AS(uoms::channels::update(db, key, "cp", c, k_t1),
                         "channel cp (coupang) is missing secret access_key", ConfigError);
    Changes u;
    u.unset.push_back("vendor");
    CHECK_THROWS_WITH_AS(uoms::channels::update(db, key, "cp", u, k_t1), "kind coupang has no field \"vendor\"",
                         ConfigError);
    CHECK(uoms::channels::load(db, "cp", &key).secrets.at("access_key") == k_access);
    CHECK(uoms::store::Channels(db).find("cp")->updated_at == k_t0);
  }

  SUBCASE("an unknown channel is a UsageError with a suggestion")
  {
    CHECK_THROWS_WITH_AS(uoms::channels::load(db, "cq", &key), "no channel named \"cq\" (did you mean \"cp\"?)",
                         UsageError);
    CHECK_THROWS_WITH_AS(uoms::channels::update(db, key, "nothing-like-it", {}, k_t1),
                         "no channel named \"nothing-like-it\"", UsageError);
  }

  SUBCASE("updating with the wrong key is refused")
  {
    const auto wrong = new_key();
    CHECK_THROWS_AS(uoms::channels::update(db, wrong, "cp", {}, k_t1), ConfigError);
    CHECK(uoms::channels::load(db, "cp", &key).secrets.at("secret_key") == k_secret);
  }
}

TEST_CASE("channels::token_store")
{
  TempDb t("channels");
  auto& db = t.db();
  const auto key = new_key();
  Changes c;
  c.set["path"] = "/srv";
  auto ch = uoms::channels::add(db, key, "shop", "csv", c, k_t0);
  uoms::ManualClock clock(*uoms::parse_time("2026-11-22T00:00:00Z"));
  auto tokens = uoms::channels::token_store(db, key, ch.row.id, clock);

  SUBCASE("tokens round-trip encrypted")
  {
    CHECK_FALSE(tokens->load("access"));
    uoms::connectors::Token tok{"TOKEN-plaintext-31f0", *uoms::parse_time("2026-11-22T03:00:00Z"), "REFRESH-9a8b7c"};
    tokens->save("access", tok);
    auto stored = uoms::store::Tokens(db).find(ch.row.id, "access");
    REQUIRE(stored);
    CHECK(stored->value.starts_with("gAAAAA"));
    CHECK(stored->value.find("TOKEN-plaintext-31f0") == std::string::npos);
    CHECK(stored->value.find("REFRESH-9a8b7c") == std::string::npos);
    CHECK(stored->expires_at == "2026-11-22T03:00:00.000Z");
    auto loaded = tokens->load("access");
    REQUIRE(loaded);
    CHECK(loaded->value == "TOKEN-plaintext-31f0");
    CHECK(loaded->refresh == "REFRESH-9a8b7c");
    CHECK(loaded->expires_at == tok.expires_at);
    // Another key cannot read it: the token is treated as absent.
    const auto wrong = new_key();
    CHECK_FALSE(uoms::channels::token_store(db, wrong, ch.row.id, clock)->load("access"));
  }

  SUBCASE("the token lock is exclusive until unlocked")
  {
    CHECK(tokens->lock("access", 0ms));
    auto start = clock.now();
    CHECK_FALSE(tokens->lock("access", 1s));
    CHECK(clock.now() - start >= 1s); // waited (on the manual clock) before giving up
    CHECK(tokens->lock("refresh", 0ms));
    tokens->unlock("access");
    CHECK(tokens->lock("access", 0ms));
    tokens->unlock("access");
    tokens->unlock("refresh");
    CHECK(db.count("locks") == 0);
  }
}

TEST_CASE("channels::verify_key")
{
  TempDb t("channels");
  auto& db = t.db();
  const auto key = new_key();
  const auto other = new_key();
  Changes csv;
  csv.set["path"] = "/srv/orders";

  SUBCASE("the first use writes the check; another key is refused though no channel has secrets")
  {
    CHECK(db.count("meta") == 0);
    uoms::channels::add(db, key, "shop", "csv", csv, k_t0);
    CHECK(db.count("meta") == 1);
    const std::string expected = "database " + t.path().string() +
                                 " belongs to another secret key (wrong UOMS_SECRET_KEY or key file?); nothing was changed";
    CHECK_THROWS_WITH_AS(uoms::channels::add(db, other, "cp", "coupang", coupang_changes(), k_t1), expected.c_str(),
                         ConfigError);
    CHECK(uoms::store::Channels(db).list().size() == 1);
    CHECK_THROWS_WITH_AS(uoms::channels::verify_key(db, other), expected.c_str(), ConfigError);
    uoms::channels::verify_key(db, key);
    uoms::channels::add(db, key, "cp", "coupang", coupang_changes(), k_t1);
    CHECK(uoms::store::Channels(db).list().size() == 2);
  }

  SUBCASE("a database from before the check is proved on a channel's secrets first")
  {
    uoms::channels::add(db, key, "cp", "coupang", coupang_changes(), k_t0);
    CHECK_THROWS_WITH_AS(uoms::channels::verify_key(db, other),
                         "channel cp: cannot decrypt its secrets with this key (wrong UOMS_SECRET_KEY or key file?)",
                         ConfigError);
  }
}

TEST_CASE("channels::add of a name another process just took")
{
  TempDb t("channels");
  auto& db = t.db();
  const auto key = new_key();
  Changes csv;
  csv.set["path"] = "/srv/orders";
  uoms::channels::add(db, key, "shop", "csv", csv, k_t0);
  // The store answers 0 instead of a constraint failure, and add turns it into the
  // user-level error (exit 2) whichever check loses the race.
  uoms::store::ChannelRow row;
  row.name = "shop";
  row.kind = "csv";
  row.created_at = row.updated_at = k_t1;
  CHECK(uoms::store::Channels(db).insert(row) == 0);
  CHECK_THROWS_WITH_AS(uoms::channels::add(db, key, "shop", "csv", csv, k_t1),
                       "channel \"shop\" already exists (use `uoms channels update`)", uoms::UsageError);
}
