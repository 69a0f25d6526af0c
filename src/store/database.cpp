#include "src/store/connection.hpp"

#include <algorithm>
#include <memory>
#include <unordered_map>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uoms::store {

namespace {

constexpr int k_busy_timeout_ms = 15'000;

// Creates the file with mode 0600 before SQLite opens it, so it never exists with
// wider permissions (SQLite would use 0644 minus umask).
void create_private_file(const std::filesystem::path& path)
{
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return;
    }
    throw ConfigError(fmt::format("database {}: {}", path.string(), std::strerror(errno)));
  }
  ::close(fd);
}

} // namespace

Database::Impl::Impl(std::filesystem::path p, int flags)
  : path(std::move(p)),
    db(path.string(), flags, k_busy_timeout_ms)
{
}

Cached::Cached(Database::Impl& impl, const char* sql)
{
  auto& slot = impl.statements[sql];
  if (!slot) {
    slot = std::make_unique<SQLite::Statement>(impl.db, sql);
  }
  m_statement = slot.get();
}

Cached::~Cached()
{
  m_statement->tryReset();
  try {
    m_statement->clearBindings();
  } catch (const SQLite::Exception&) {
    // sqlite3_clear_bindings cannot fail; every use binds all parameters anyway
  }
}

std::string text(const SQLite::Column& column)
{
  return column.isNull() ? std::string() : column.getString();
}

void bind_text(SQLite::Statement& stmt, int index, std::string_view value)
{
  stmt.bind(index, std::string(value));
}

void bind_text(SQLite::Statement& stmt, int index, const std::string& value)
{
  stmt.bind(index, value);
}

void bind_text_or_null(SQLite::Statement& stmt, int index, const std::string& value)
{
  if (value.empty()) {
    stmt.bind(index);
  } else {
    stmt.bind(index, value);
  }
}

void bind_text_or_null(SQLite::Statement& stmt, int index, std::string_view value)
{
  if (value.empty()) {
    stmt.bind(index);
  } else {
    stmt.bind(index, std::string(value));
  }
}

namespace {

int latest_version()
{
  const auto& all = embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

void check_not_newer(Database::Impl& impl)
{
  int current = impl.db.execAndGet("PRAGMA user_version").getInt();
  if (current > latest_version()) {
    throw ConfigError(fmt::format("database {} has schema version {}, newer than this uoms ({}); "
                                  "upgrade uoms, the database is left untouched",
                                  impl.path.string(), current, latest_version()));
  }
}

} // namespace

Database::Database(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Database Database::open(const std::filesystem::path& path, bool create)
{
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (!create) {
      throw ConfigError(fmt::format("database {} does not exist (run `uoms init` first)", path.string()));
    }
    if (path.has_parent_path() && !std::filesystem::exists(path.parent_path(), ec)) {
      throw ConfigError(fmt::format("database {}: directory {} does not exist", path.string(),
                                    path.parent_path().string()));
    }
    create_private_file(path);
  }
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_FULLMUTEX);
    // Fail early on a file that is not a database, and refuse a newer schema before
    // any pragma can change the file (journal_mode=WAL rewrites its header).
    impl->db.execAndGet("SELECT count(*) FROM sqlite_master");
    check_not_newer(*impl);
    impl->db.exec("PRAGMA journal_mode=WAL");
    impl->db.exec("PRAGMA foreign_keys=ON");
    impl->db.exec("PRAGMA synchronous=NORMAL");
  } catch (const SQLite::Exception& e) {
    throw ConfigError(fmt::format("database {}: {}", path.string(), e.what()));
  }
  Database db(std::move(impl));
  db.migrate();
  return db;
}

Database Database::open_for_reading(const std::filesystem::path& path)
{
  const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::exists(path) || (::access(path.c_str(), W_OK) == 0 && ::access(folder.c_str(), W_OK) == 0)) {
    return open(path, false);
  }
  // SQLite needs the -shm file of a WAL database; where it cannot make one, the file is
  // read as immutable (no process can be writing it: writers need the same files).
  std::unique_ptr<Impl> impl;
  try {
    try {
      impl = std::make_unique<Impl>(path, SQLite::OPEN_READONLY | SQLite::OPEN_FULLMUTEX);
      impl->db.execAndGet("SELECT count(*) FROM sqlite_master");
    } catch (const SQLite::Exception&) {
      impl = std::make_unique<Impl>(std::filesystem::path("file:" + path.string() + "?immutable=1"),
                                    SQLite::OPEN_READONLY | SQLite::OPEN_URI | SQLite::OPEN_FULLMUTEX);
      impl->path = path;
      impl->db.execAndGet("SELECT count(*) FROM sqlite_master");
    }
    check_not_newer(*impl);
  } catch (const SQLite::Exception& e) {
    throw ConfigError(fmt::format("database {} (read-only): {}", path.string(), e.what()));
  }
  Database db(std::move(impl));
  if (db.schema_version() < embedded_migrations().back().version) {
    throw ConfigError(fmt::format("database {} needs migrations this read-only file cannot take (run `uoms migrate` "
                                  "where it is writable)",
                                  path.string()));
  }
  return db;
}

const std::filesystem::path& Database::path() const
{
  return m_impl->path;
}

int Database::schema_version()
{
  return guarded(*m_impl, "read schema version",
                 [&] { return m_impl->db.execAndGet("PRAGMA user_version").getInt(); });
}

std::vector<Migration> Database::migrate()
{
  const auto& all = embedded_migrations();
  guarded(*m_impl, "read schema version", [&] { check_not_newer(*m_impl); });
  int current = schema_version();
  std::vector<Migration> applied;
  for (const auto& m : all) {
    if (m.version <= current) {
      continue;
    }
    guarded(*m_impl, fmt::format("migration {}", m.name), [&] {
      SQLite::Transaction tx(m_impl->db, SQLite::TransactionBehavior::IMMEDIATE);
      // Another process may have migrated while we waited for the lock.
      if (m_impl->db.execAndGet("PRAGMA user_version").getInt() >= m.version) {
        return;
      }
      m_impl->db.exec(m.sql);
      m_impl->db.exec(fmt::format("PRAGMA user_version = {}", m.version));
      tx.commit();
      applied.push_back(m);
    });
  }
  return applied;
}

Database::Transaction::Transaction(Database& db) : m_db(db)
{
  guarded(*m_db.m_impl, "begin transaction", [&] { m_db.m_impl->db.exec("BEGIN IMMEDIATE"); });
}

Database::Transaction::~Transaction()
{
  if (!m_done) {
    try {
      m_db.m_impl->db.exec("ROLLBACK");
    } catch (...) {
    }
  }
}

void Database::Transaction::commit()
{
  guarded(*m_db.m_impl, "commit", [&] { m_db.m_impl->db.exec("COMMIT"); });
  m_done = true;
}

std::int64_t Database::count(std::string_view table)
{
  return guarded(*m_impl, "count rows", [&] {
    // Table names cannot be bound; only known tables are accepted.
    static const std::vector<std::string_view> k_tables = {
      "channels", "jobs", "job_details", "orders", "order_items", "shipments", "products", "listings",
      "stock_movements", "item_stock", "fetch_windows", "sync_state", "channel_tokens", "locks", "processed_files", "meta",
      "payload_dictionaries", "job_channels"};
    if (std::find(k_tables.begin(), k_tables.end(), table) == k_tables.end()) {
      throw SQLite::Exception(fmt::format("unknown table {}", table));
    }
    return m_impl->db.execAndGet(fmt::format("SELECT count(*) FROM {}", table)).getInt64();
  });
}

} // namespace uoms::store
