#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// The one owner of the SQLite connection. Only src/store/ includes SQLiteCpp; every
// statement binds its values. Errors from SQLite surface as uoms::Failure (exit 1) with
// context, or ConfigError for a database this binary cannot use.
//
// Tables are read and written through one small repository per group of tables
// (store/channels.hpp, jobs.hpp, locks.hpp, orders.hpp, collect_state.hpp), each a view
// over a Database that shares its connection and transactions.
namespace uoms::store {

// One migrations/NNNN_name.sql file, embedded at build time.
struct Migration
{
  int version = 0;
  std::string name;
  std::string sql;
};

const std::vector<Migration>& embedded_migrations();

class Database
{
public:
  // Opens (creating with mode 0600 if needed) and migrates to the latest schema. A
  // database newer than this binary is refused (ConfigError), never rewritten.
  static Database open(const std::filesystem::path& path, bool create = true);
  // For commands that only read: a database the process may not write (a read-only file
  // or folder, a backup copy) is opened read-only instead of failing; one it may write is
  // opened as open() does, migrations included.
  static Database open_for_reading(const std::filesystem::path& path);
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  const std::filesystem::path& path() const;
  int schema_version();
  // Applies pending migrations, each in its own transaction; returns those applied.
  std::vector<Migration> migrate();

  // A write transaction (BEGIN IMMEDIATE). Rolls back unless committed.
  class Transaction
  {
  public:
    explicit Transaction(Database& db);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

  private:
    Database& m_db;
    bool m_done = false;
  };

  // Counts rows of a table (tests, doctor).
  std::int64_t count(std::string_view table);

  // The connection, for the repositories in src/store/ (the type is only defined there).
  struct Impl;
  Impl& impl() { return *m_impl; }

private:
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace uoms::store
