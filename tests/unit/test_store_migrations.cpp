#include "uoms/error.hpp"
#include "uoms/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include <stdlib.h>
#include <sys/stat.h>

namespace fs = std::filesystem;
using uoms::ConfigError;
using uoms::store::Database;

namespace {

// A fresh folder under the temp directory, removed with the object.
class TempDir
{
public:
  TempDir()
  {
    std::string pattern = (fs::temp_directory_path() / "uoms-test-migrations-XXXXXX").string();
    m_path = ::mkdtemp(pattern.data());
  }
  ~TempDir()
  {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  const fs::path& path() const { return m_path; }

private:
  fs::path m_path;
};

std::string read_bytes(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int latest_version()
{
  return uoms::store::embedded_migrations().back().version;
}

// The tables of migration 0001; later migrations may add more.
const std::set<std::string> k_initial_tables = {
  "channels",      "jobs",     "job_details",     "orders",        "order_items",
  "shipments",     "products", "listings",        "stock_movements", "fetch_windows",
  "sync_state",    "channel_tokens", "locks",     "processed_files", "payload_dictionaries", "job_channels"};

// Reads the schema directly: the store has no API that lists tables, and the test must
// see what is really in the file.
std::set<std::string> tables_in(const fs::path& path)
{
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement s(raw, "SELECT name FROM sqlite_master WHERE type = 'table'");
  std::set<std::string> names;
  while (s.executeStep()) {
    names.insert(s.getColumn(0).getString());
  }
  return names;
}

} // namespace

TEST_CASE("store::embedded_migrations")
{
  const auto& all = uoms::store::embedded_migrations();
  REQUIRE_FALSE(all.empty());
  CHECK(all.front().version == 1);
  CHECK(all.front().name == "0001_initial");
  CHECK(all.front().sql.find("CREATE TABLE channels") != std::string::npos);
  for (std::size_t i = 1; i < all.size(); ++i) {
    CHECK(all[i].version > all[i - 1].version);
  }
}

TEST_CASE("store::Database::open migrations")
{
  TempDir dir;
  const auto path = dir.path() / "uoms.db";

  SUBCASE("a fresh database is migrated to the latest version with every table")
  {
    {
      auto db = Database::open(path);
      CHECK(db.path() == path);
      CHECK(db.schema_version() == latest_version());
      for (const auto& table : k_initial_tables) {
        CAPTURE(table);
        CHECK(db.count(table) == 0);
      }
    }
    auto tables = tables_in(path);
    for (const auto& table : k_initial_tables) {
      CAPTURE(table);
      CHECK(tables.count(table) == 1);
    }
  }

  SUBCASE("the database file is created with mode 0600")
  {
    ::umask(022);
    auto db = Database::open(path);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }

  SUBCASE("reopening applies nothing and keeps the data")
  {
    {
      auto db = Database::open(path);
      uoms::store::ChannelRow row;
      row.name = "shop";
      row.kind = "csv";
      row.created_at = row.updated_at = "2026-11-22T00:00:00.000Z";
      uoms::store::Channels(db).insert(row);
    }
    auto db = Database::open(path, false);
    CHECK(db.schema_version() == latest_version());
    CHECK(db.migrate().empty());
    CHECK(db.count("channels") == 1);
    REQUIRE(uoms::store::Channels(db).find("shop"));
    CHECK(uoms::store::Channels(db).find("shop")->kind == "csv");
  }

  SUBCASE("a database newer than this binary is refused and left byte-identical")
  {
    { auto db = Database::open(path); }
    const int newer = latest_version() + 1;
    {
      SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
      raw.exec("PRAGMA user_version = " + std::to_string(newer));
    }
    const auto before = read_bytes(path);
    REQUIRE_FALSE(before.empty());
    std::string message;
    try {
      Database::open(path);
      FAIL("open accepted a newer database");
    } catch (const ConfigError& e) {
      message = e.what();
    }
    CHECK(message == "database " + path.string() + " has schema version " + std::to_string(newer) +
                       ", newer than this uoms (" + std::to_string(latest_version()) +
                       "); upgrade uoms, the database is left untouched");
    CHECK(message.find("newer than this uoms") != std::string::npos);
    CHECK(read_bytes(path) == before);
    SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("PRAGMA user_version").getInt() == newer);
  }

  SUBCASE("the WAL and shared-memory files are private too")
  {
    ::umask(022);
    auto db = Database::open(path);
    uoms::store::ChannelRow row;
    row.name = "shop";
    row.kind = "csv";
    row.created_at = row.updated_at = "2026-11-22T00:00:00.000Z";
    uoms::store::Channels(db).insert(row);
    for (const char* suffix : {"-wal", "-shm"}) {
      CAPTURE(suffix);
      const auto side = path.string() + suffix;
      struct stat st {};
      REQUIRE(::stat(side.c_str(), &st) == 0);
      CHECK((st.st_mode & 0777) == 0600);
    }
  }

  SUBCASE("open(create=false) on a missing file is a ConfigError and creates nothing")
  {
    CHECK_THROWS_WITH_AS(Database::open(path, false),
                         ("database " + path.string() + " does not exist (run `uoms init` first)").c_str(),
                         ConfigError);
    CHECK_FALSE(fs::exists(path));
  }

  SUBCASE("a missing parent directory is a ConfigError")
  {
    const auto nested = dir.path() / "nope" / "uoms.db";
    CHECK_THROWS_WITH_AS(Database::open(nested),
                         ("database " + nested.string() + ": directory " + (dir.path() / "nope").string() +
                          " does not exist")
                           .c_str(),
                         ConfigError);
  }

  SUBCASE("a file that is not a database is a ConfigError and is not touched")
  {
    const std::string text = "order_id,item_id,quantity\nA,1,1\n" + std::string(2000, 'x');
    std::ofstream(path, std::ios::binary) << text;
    std::string message;
    try {
      Database::open(path);
      FAIL("open accepted a non-database file");
    } catch (const ConfigError& e) {
      message = e.what();
    }
    CHECK(message.starts_with("database " + path.string() + ": "));
    CHECK(message.find("file is not a database") != std::string::npos);
    CHECK(read_bytes(path) == text);
  }
}

// The version check comes before any pragma: journal_mode=WAL would rewrite the header
// of a newer rollback-journal database that must be left untouched.
TEST_CASE("store::Database::open leaves a newer rollback-journal database byte-identical")
{
  TempDir dir;
  const auto path = dir.path() / "uoms.db";
  { auto db = Database::open(path); }
  {
    SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA journal_mode=DELETE");
    raw.exec("PRAGMA user_version = " + std::to_string(latest_version() + 1));
  }
  const auto before = read_bytes(path);
  REQUIRE(before.size() > 100);
  CHECK(before[18] == 1); // rollback journal
  CHECK_THROWS_AS(Database::open(path), ConfigError);
  const auto after = read_bytes(path);
  CHECK(after[18] == 1);
  CHECK(after == before);
}

TEST_CASE("store::Database::open migration 0005 keeps jobs and their details")
{
  TempDir dir;
  const auto path = dir.path() / "uoms.db";
  {
    // A database as uoms left it at schema version 4, with a job and a detail.
    SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA foreign_keys=ON");
    for (const auto& m : uoms::store::embedded_migrations()) {
      if (m.version > 4) break;
      raw.exec(m.sql);
      raw.exec("PRAGMA user_version = " + std::to_string(m.version));
    }
    raw.exec("INSERT INTO jobs (kind, trigger, status, started_at, version, host, pid) "
             "VALUES ('collect', 'cron', 'completed', '2026-11-22T00:00:00.000Z', '0.1.0', 'h', 1)");
    raw.exec("INSERT INTO job_details (job_id, channel, subject_type, external_id, action, created_at) "
             "VALUES (1, 'shop', 'order', 'A-1', 'created', '2026-11-22T00:00:00.000Z')");
  }
  {
    auto db = Database::open(path);
    CHECK(db.schema_version() >= 5);
  }
  SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
  raw.exec("PRAGMA foreign_keys=ON");
  CHECK(raw.execAndGet("SELECT count(*) FROM job_details WHERE job_id = 1 AND external_id = 'A-1'").getInt() == 1);
  CHECK(raw.execAndGet("SELECT trigger FROM jobs WHERE id = 1").getString() == "cron");
  raw.exec("UPDATE jobs SET status = 'interrupted' WHERE id = 1");
  CHECK_THROWS(raw.exec("UPDATE jobs SET status = 'bogus' WHERE id = 1"));
  raw.exec("DELETE FROM jobs WHERE id = 1");
  CHECK(raw.execAndGet("SELECT count(*) FROM job_details").getInt() == 0); // still cascades
  const auto tables = tables_in(path);
  CHECK_FALSE(tables.contains("jobs_0005"));
  CHECK_FALSE(tables.contains("job_details_0005"));
}

TEST_CASE("store::Database::open migration 0008 keeps old payloads readable and indexes jobs by channel")
{
  TempDir dir;
  const auto path = dir.path() / "uoms.db";
  const std::string payload = R"({"orderId":"A-1","receiver":{"name":"김민준"}})";
  {
    // A database as uoms left it at schema version 7: a payload stored as text, a job with a
    // detail naming its channel, and a job of the channel without one.
    SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA foreign_keys=ON");
    for (const auto& m : uoms::store::embedded_migrations()) {
      if (m.version > 7) break;
      raw.exec(m.sql);
      raw.exec("PRAGMA user_version = " + std::to_string(m.version));
    }
    raw.exec("INSERT INTO channels (id, name, kind, created_at, updated_at) "
             "VALUES (1, 'shop', 'csv', '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z')");
    SQLite::Statement order(raw, "INSERT INTO orders (channel_id, external_id, status, raw_status, currency, total_minor, "
                                 "shipping_fee_minor, raw, content_hash, first_seen_at, updated_at) "
                                 "VALUES (1, 'A-1', 'paid', 'PAID', 'KRW', 1000, 0, ?, 'h', "
                                 "'2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z')");
    order.bind(1, payload);
    order.exec();
    for (int job = 1; job <= 2; ++job) {
      raw.exec("INSERT INTO jobs (kind, trigger, status, started_at, version, host, pid) "
               "VALUES ('collect', 'cron', 'completed', '2026-11-22T00:00:00.000Z', '0.1.0', 'h', 1)");
    }
    raw.exec("INSERT INTO job_details (job_id, channel, subject_type, external_id, action, created_at) "
             "VALUES (1, 'shop', 'order', 'A-1', 'created', '2026-11-22T00:00:00.000Z')");
    raw.exec("INSERT INTO channel_passes (channel_id, kind, last_job_id, last_status, last_started_at, "
             "last_finished_at, updated_at) VALUES (1, 'collect', 2, 'completed', '2026-11-22T00:00:00.000Z', "
             "'2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z')");
  }
  auto db = Database::open(path);
  CHECK(db.schema_version() >= 8);
  CHECK(uoms::store::Orders(db).raw("shop", "A-1") == payload);
  std::vector<std::int64_t> jobs;
  for (const auto& j : uoms::store::Jobs(db).list({.channel = "shop"})) jobs.push_back(j.id);
  // As before: a job is listed with the channels its details name.
  CHECK(jobs == std::vector<std::int64_t>{1});

  // From now on too, once however many details it writes.
  uoms::store::JobRow row;
  row.kind = "collect";
  row.trigger = "cron";
  row.started_at = "2026-11-22T01:00:00.000Z";
  row.version = "0.1.0";
  row.host = "h";
  row.pid = 1;
  const auto third = uoms::store::Jobs(db).insert(row);
  row.id = third;
  row.status = "completed";
  row.finished_at = "2026-11-22T01:00:01.000Z";
  uoms::store::Jobs(db).update(row);
  auto detail = [&](const std::string& id) {
    uoms::store::JobDetail d;
    d.job_id = third;
    d.channel = "shop";
    d.subject_type = "order";
    d.external_id = id;
    d.action = "updated";
    d.created_at = row.finished_at;
    uoms::store::Jobs(db).add_detail(d);
  };
  detail("A-1");
  detail("A-2");
  jobs.clear();
  for (const auto& j : uoms::store::Jobs(db).list({.channel = "shop"})) jobs.push_back(j.id);
  CHECK(jobs == std::vector<std::int64_t>{third, 1});
  CHECK(uoms::store::Jobs(db).list({.channel = "other"}).empty());
  CHECK(uoms::store::Jobs(db).prune("2026-11-23T00:00:00.000Z") == 3);
  CHECK(db.count("job_channels") == 0); // cascades with its jobs
}
