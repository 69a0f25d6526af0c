#include "uoms/store.hpp"

#include "uoms/error.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

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

std::string text(const SQLite::Column& column)
{
  return column.isNull() ? std::string() : column.getString();
}

// Binds an empty string as NULL so optional columns stay NULL.
void bind_text_or_null(SQLite::Statement& stmt, int index, std::string_view value)
{
  if (value.empty()) {
    stmt.bind(index);
  } else {
    stmt.bind(index, std::string(value));
  }
}

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

std::string_view to_string(UpsertAction action)
{
  switch (action) {
  case UpsertAction::created: return "created";
  case UpsertAction::updated: return "updated";
  case UpsertAction::unchanged: return "unchanged";
  }
  return "unchanged";
}

struct Database::Impl
{
  std::filesystem::path path;
  SQLite::Database db;

  // Statements of the per-order path, prepared once per connection; keyed by the
  // address of their SQL literal. Declared after db: finalized before it closes.
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements;

  Impl(std::filesystem::path p, int flags) : path(std::move(p)), db(path.string(), flags, k_busy_timeout_ms) {}
};

namespace {

// One use of a cached statement (`sql` must be a literal). The use ends with the statement
// reset and its bindings cleared, so no read stays open between uses.
class Cached
{
public:
  Cached(Database::Impl& impl, const char* sql)
  {
    auto& slot = impl.statements[sql];
    if (!slot) {
      slot = std::make_unique<SQLite::Statement>(impl.db, sql);
    }
    m_statement = slot.get();
  }
  ~Cached()
  {
    m_statement->tryReset();
    try {
      m_statement->clearBindings();
    } catch (const SQLite::Exception&) {
      // sqlite3_clear_bindings cannot fail; every use binds all parameters anyway
    }
  }
  Cached(const Cached&) = delete;
  Cached& operator=(const Cached&) = delete;

  SQLite::Statement& operator*() { return *m_statement; }
  SQLite::Statement* operator->() { return m_statement; }

private:
  SQLite::Statement* m_statement = nullptr;
};

} // namespace

// Every SQLite exception is turned into a uoms::Failure naming the database and what
// was being done, at this module's edge.
template <typename F>
auto guarded(const Database::Impl& impl, std::string_view what, F&& f) -> decltype(f())
{
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    throw Failure(fmt::format("database {}: {}: {}", impl.path.string(), what, e.what()));
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

// --- channels ---------------------------------------------------------------

namespace {

ChannelRow read_channel(SQLite::Statement& s)
{
  ChannelRow r;
  r.id = s.getColumn(0).getInt64();
  r.name = text(s.getColumn(1));
  r.kind = text(s.getColumn(2));
  r.enabled = s.getColumn(3).getInt() != 0;
  r.settings_json = text(s.getColumn(4));
  r.secrets_token = text(s.getColumn(5));
  r.created_at = text(s.getColumn(6));
  r.updated_at = text(s.getColumn(7));
  return r;
}

constexpr const char* k_channel_columns = "id, name, kind, enabled, settings, secrets, created_at, updated_at";

} // namespace

std::vector<ChannelRow> Database::channels()
{
  return guarded(*m_impl, "list channels", [&] {
    SQLite::Statement s(m_impl->db, fmt::format("SELECT {} FROM channels ORDER BY name", k_channel_columns));
    std::vector<ChannelRow> rows;
    while (s.executeStep()) {
      rows.push_back(read_channel(s));
    }
    return rows;
  });
}

std::optional<ChannelRow> Database::channel(std::string_view name)
{
  return guarded(*m_impl, "read channel", [&]() -> std::optional<ChannelRow> {
    SQLite::Statement s(m_impl->db, fmt::format("SELECT {} FROM channels WHERE name = ?", k_channel_columns));
    s.bind(1, std::string(name));
    if (s.executeStep()) {
      return read_channel(s);
    }
    return std::nullopt;
  });
}

std::int64_t Database::insert_channel(const ChannelRow& row)
{
  return guarded(*m_impl, "add channel", [&] {
    SQLite::Statement s(m_impl->db,
                        "INSERT INTO channels (name, kind, enabled, settings, secrets, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, row.name);
    s.bind(2, row.kind);
    s.bind(3, row.enabled ? 1 : 0);
    s.bind(4, row.settings_json);
    bind_text_or_null(s, 5, row.secrets_token);
    s.bind(6, row.created_at);
    s.bind(7, row.updated_at);
    s.exec();
    return m_impl->db.getLastInsertRowid();
  });
}

void Database::update_channel(const ChannelRow& row)
{
  guarded(*m_impl, "update channel", [&] {
    SQLite::Statement s(m_impl->db,
                        "UPDATE channels SET enabled = ?, settings = ?, secrets = ?, updated_at = ? WHERE id = ?");
    s.bind(1, row.enabled ? 1 : 0);
    s.bind(2, row.settings_json);
    bind_text_or_null(s, 3, row.secrets_token);
    s.bind(4, row.updated_at);
    s.bind(5, row.id);
    s.exec();
  });
}

void Database::remove_channel(std::int64_t id, bool delete_orders)
{
  guarded(*m_impl, "remove channel", [&] {
    SQLite::Transaction tx(m_impl->db, SQLite::TransactionBehavior::IMMEDIATE);
    if (delete_orders) {
      SQLite::Statement s(m_impl->db, "DELETE FROM orders WHERE channel_id = ?");
      s.bind(1, id);
      s.exec();
    }
    SQLite::Statement s(m_impl->db, "DELETE FROM channels WHERE id = ?");
    s.bind(1, id);
    s.exec();
    tx.commit();
  });
}

std::int64_t Database::count_orders(std::int64_t channel_id)
{
  return guarded(*m_impl, "count orders", [&] {
    SQLite::Statement s(m_impl->db, "SELECT count(*) FROM orders WHERE channel_id = ?");
    s.bind(1, channel_id);
    s.executeStep();
    return s.getColumn(0).getInt64();
  });
}

// --- tokens -----------------------------------------------------------------

std::optional<std::pair<std::string, std::string>> Database::token(std::int64_t channel_id, std::string_view name)
{
  return guarded(*m_impl, "read token", [&]() -> std::optional<std::pair<std::string, std::string>> {
    SQLite::Statement s(m_impl->db, "SELECT value, expires_at FROM channel_tokens WHERE channel_id = ? AND name = ?");
    s.bind(1, channel_id);
    s.bind(2, std::string(name));
    if (s.executeStep()) {
      return std::pair{text(s.getColumn(0)), text(s.getColumn(1))};
    }
    return std::nullopt;
  });
}

void Database::save_token(std::int64_t channel_id, std::string_view name, std::string_view value,
                          std::string_view expires_at, std::string_view now)
{
  guarded(*m_impl, "save token", [&] {
    SQLite::Statement s(m_impl->db,
                        "INSERT INTO channel_tokens (channel_id, name, value, expires_at, updated_at) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT (channel_id, name) DO UPDATE SET value = excluded.value, "
                        "expires_at = excluded.expires_at, updated_at = excluded.updated_at");
    s.bind(1, channel_id);
    s.bind(2, std::string(name));
    s.bind(3, std::string(value));
    bind_text_or_null(s, 4, expires_at);
    s.bind(5, std::string(now));
    s.exec();
  });
}

// --- jobs -------------------------------------------------------------------

namespace {

constexpr const char* k_job_columns =
  "id, kind, trigger, status, started_at, finished_at, duration_ms, total, succeeded, failed, skipped, "
  "progress_percent, error, arguments, version, host, pid, heartbeat_at";

JobRow read_job(SQLite::Statement& s)
{
  JobRow r;
  r.id = s.getColumn(0).getInt64();
  r.kind = text(s.getColumn(1));
  r.trigger = text(s.getColumn(2));
  r.status = text(s.getColumn(3));
  r.started_at = text(s.getColumn(4));
  r.finished_at = text(s.getColumn(5));
  r.duration_ms = s.getColumn(6).getInt64();
  r.total = s.getColumn(7).getInt64();
  r.succeeded = s.getColumn(8).getInt64();
  r.failed = s.getColumn(9).getInt64();
  r.skipped = s.getColumn(10).getInt64();
  r.progress_percent = s.getColumn(11).getInt();
  r.error = text(s.getColumn(12));
  r.arguments = text(s.getColumn(13));
  r.version = text(s.getColumn(14));
  r.host = text(s.getColumn(15));
  r.pid = s.getColumn(16).getInt64();
  r.heartbeat_at = text(s.getColumn(17));
  return r;
}

} // namespace

std::int64_t Database::insert_job(const JobRow& row)
{
  return guarded(*m_impl, "record job", [&] {
    SQLite::Statement s(m_impl->db,
                        "INSERT INTO jobs (kind, trigger, status, started_at, arguments, version, host, pid, heartbeat_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, row.kind);
    s.bind(2, row.trigger);
    s.bind(3, row.status);
    s.bind(4, row.started_at);
    s.bind(5, row.arguments);
    s.bind(6, row.version);
    s.bind(7, row.host);
    s.bind(8, row.pid);
    s.bind(9, row.started_at);
    s.exec();
    return m_impl->db.getLastInsertRowid();
  });
}

void Database::update_job(const JobRow& row)
{
  guarded(*m_impl, "update job", [&] {
    SQLite::Statement s(m_impl->db,
                        "UPDATE jobs SET status = ?, finished_at = ?, duration_ms = ?, total = ?, succeeded = ?, "
                        "failed = ?, skipped = ?, progress_percent = ?, error = ? WHERE id = ?");
    s.bind(1, row.status);
    bind_text_or_null(s, 2, row.finished_at);
    if (row.finished_at.empty()) {
      s.bind(3);
    } else {
      s.bind(3, row.duration_ms);
    }
    s.bind(4, row.total);
    s.bind(5, row.succeeded);
    s.bind(6, row.failed);
    s.bind(7, row.skipped);
    s.bind(8, row.progress_percent);
    bind_text_or_null(s, 9, row.error);
    s.bind(10, row.id);
    s.exec();
  });
}

void Database::heartbeat_job(std::int64_t id, std::string_view now)
{
  guarded(*m_impl, "job heartbeat", [&] {
    SQLite::Statement s(m_impl->db, "UPDATE jobs SET heartbeat_at = ? WHERE id = ?");
    s.bind(1, std::string(now));
    s.bind(2, id);
    s.exec();
  });
}

std::optional<JobRow> Database::job(std::int64_t id)
{
  return guarded(*m_impl, "read job", [&]() -> std::optional<JobRow> {
    SQLite::Statement s(m_impl->db, fmt::format("SELECT {} FROM jobs WHERE id = ?", k_job_columns));
    s.bind(1, id);
    if (s.executeStep()) {
      return read_job(s);
    }
    return std::nullopt;
  });
}

std::vector<JobRow> Database::jobs(const JobFilter& f)
{
  return guarded(*m_impl, "list jobs", [&] {
    std::string sql = fmt::format("SELECT {} FROM jobs WHERE 1=1", k_job_columns);
    if (!f.kind.empty()) sql += " AND kind = :kind";
    if (!f.status.empty()) sql += " AND status = :status";
    if (!f.since.empty()) sql += " AND started_at >= :since";
    if (!f.channel.empty()) {
      sql += " AND id IN (SELECT job_id FROM job_details WHERE channel = :channel)";
    }
    sql += " ORDER BY id DESC LIMIT :limit";
    SQLite::Statement s(m_impl->db, sql);
    if (!f.kind.empty()) s.bind(":kind", f.kind);
    if (!f.status.empty()) s.bind(":status", f.status);
    if (!f.since.empty()) s.bind(":since", f.since);
    if (!f.channel.empty()) s.bind(":channel", f.channel);
    s.bind(":limit", f.limit > 0 ? f.limit : -1);
    std::vector<JobRow> rows;
    while (s.executeStep()) {
      rows.push_back(read_job(s));
    }
    return rows;
  });
}

std::vector<JobRow> Database::running_jobs(std::string_view kind)
{
  return guarded(*m_impl, "list running jobs", [&] {
    SQLite::Statement s(m_impl->db,
                        fmt::format("SELECT {} FROM jobs WHERE status = 'running' AND kind = ?", k_job_columns));
    s.bind(1, std::string(kind));
    std::vector<JobRow> rows;
    while (s.executeStep()) {
      rows.push_back(read_job(s));
    }
    return rows;
  });
}

void Database::add_detail(const JobDetail& d)
{
  guarded(*m_impl, "record job detail", [&] {
    Cached s(*m_impl, "INSERT INTO job_details (job_id, channel, subject_type, external_id, action, attempt, error, "
                        "http_status, request_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s->bind(1, d.job_id);
    bind_text_or_null(*s, 2, d.channel);
    s->bind(3, d.subject_type);
    bind_text_or_null(*s, 4, d.external_id);
    s->bind(5, d.action);
    s->bind(6, d.attempt);
    bind_text_or_null(*s, 7, d.error);
    if (d.http_status) {
      s->bind(8, d.http_status);
    } else {
      s->bind(8);
    }
    bind_text_or_null(*s, 9, d.request_id);
    bind_text_or_null(*s, 10, d.payload);
    s->bind(11, d.created_at);
    s->exec();
  });
}

std::vector<JobDetail> Database::details(std::int64_t job_id, const DetailFilter& f)
{
  return guarded(*m_impl, "list job details", [&] {
    std::string sql = "SELECT id, job_id, channel, subject_type, external_id, action, attempt, error, http_status, "
                      "request_id, payload, created_at FROM job_details WHERE job_id = :job";
    if (!f.action.empty()) sql += " AND action = :action";
    if (!f.channel.empty()) sql += " AND channel = :channel";
    sql += " ORDER BY id LIMIT :limit";
    SQLite::Statement s(m_impl->db, sql);
    s.bind(":job", job_id);
    if (!f.action.empty()) s.bind(":action", f.action);
    if (!f.channel.empty()) s.bind(":channel", f.channel);
    s.bind(":limit", f.limit > 0 ? f.limit : -1);
    std::vector<JobDetail> rows;
    while (s.executeStep()) {
      JobDetail d;
      d.id = s.getColumn(0).getInt64();
      d.job_id = s.getColumn(1).getInt64();
      d.channel = text(s.getColumn(2));
      d.subject_type = text(s.getColumn(3));
      d.external_id = text(s.getColumn(4));
      d.action = text(s.getColumn(5));
      d.attempt = s.getColumn(6).getInt();
      d.error = text(s.getColumn(7));
      d.http_status = s.getColumn(8).getInt();
      d.request_id = text(s.getColumn(9));
      d.payload = text(s.getColumn(10));
      d.created_at = text(s.getColumn(11));
      rows.push_back(std::move(d));
    }
    return rows;
  });
}

std::vector<std::pair<std::string, std::int64_t>> Database::detail_counts(std::int64_t job_id)
{
  return guarded(*m_impl, "count job details", [&] {
    SQLite::Statement s(m_impl->db,
                        "SELECT action, count(*) FROM job_details WHERE job_id = ? GROUP BY action ORDER BY action");
    s.bind(1, job_id);
    std::vector<std::pair<std::string, std::int64_t>> rows;
    while (s.executeStep()) {
      rows.emplace_back(text(s.getColumn(0)), s.getColumn(1).getInt64());
    }
    return rows;
  });
}

std::int64_t Database::prune_jobs(std::string_view finished_before)
{
  return guarded(*m_impl, "prune jobs", [&] {
    SQLite::Statement s(m_impl->db, "DELETE FROM jobs WHERE status != 'running' AND COALESCE(finished_at, started_at) < ?");
    s.bind(1, std::string(finished_before));
    return static_cast<std::int64_t>(s.exec());
  });
}

// --- locks ------------------------------------------------------------------

std::optional<LockHolder> Database::try_lock(const LockRequest& r,
                                             const std::function<bool(const LockHolder&)>& holder_is_dead)
{
  return guarded(*m_impl, "take lock " + r.name, [&]() -> std::optional<LockHolder> {
    SQLite::Transaction tx(m_impl->db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(m_impl->db, "SELECT job_id, pid, host, heartbeat_at, expires_at FROM locks WHERE name = ?");
    q.bind(1, r.name);
    if (q.executeStep()) {
      LockHolder holder{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), text(q.getColumn(2)),
                        text(q.getColumn(3)), text(q.getColumn(4))};
      bool expired = holder.expires_at < r.now;
      if (!expired && !holder_is_dead(holder)) {
        return holder;
      }
    }
    SQLite::Statement s(m_impl->db,
                        "INSERT INTO locks (name, job_id, pid, host, acquired_at, heartbeat_at, expires_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET job_id = excluded.job_id, "
                        "pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at, "
                        "heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at");
    s.bind(1, r.name);
    s.bind(2, r.job_id);
    s.bind(3, r.pid);
    s.bind(4, r.host);
    s.bind(5, r.now);
    s.bind(6, r.now);
    s.bind(7, r.expires_at);
    s.exec();
    tx.commit();
    return std::nullopt;
  });
}

void Database::renew_lock(std::string_view name, std::int64_t pid, std::string_view now, std::string_view expires_at)
{
  guarded(*m_impl, "renew lock", [&] {
    SQLite::Statement s(m_impl->db, "UPDATE locks SET heartbeat_at = ?, expires_at = ? WHERE name = ? AND pid = ?");
    s.bind(1, std::string(now));
    s.bind(2, std::string(expires_at));
    s.bind(3, std::string(name));
    s.bind(4, pid);
    s.exec();
  });
}

void Database::unlock(std::string_view name, std::int64_t pid)
{
  guarded(*m_impl, "release lock", [&] {
    SQLite::Statement s(m_impl->db, "DELETE FROM locks WHERE name = ? AND pid = ?");
    s.bind(1, std::string(name));
    s.bind(2, pid);
    s.exec();
  });
}

// --- orders -----------------------------------------------------------------

namespace {

// The order's status is its least advanced item that is still live; when every item is
// cancelled, returned or exchanged, the least advanced of those.
std::optional<OrderStatus> derive_status(const std::vector<OrderStatus>& items)
{
  auto is_final = [](OrderStatus s) {
    return s == OrderStatus::cancelled || s == OrderStatus::returned || s == OrderStatus::exchanged;
  };
  std::optional<OrderStatus> live, any;
  for (auto s : items) {
    if (s == OrderStatus::unknown) {
      continue;
    }
    if (!any || s < *any) any = s;
    if (!is_final(s) && (!live || s < *live)) live = s;
  }
  return live ? live : any;
}

} // namespace

UpsertAction Database::upsert_order(std::int64_t channel_id, const Order& o, std::string_view header_hash,
                                    const std::vector<std::string>& item_hashes, std::int64_t job_id,
                                    std::string_view now, bool dry_run, bool derive_totals)
{
  return guarded(*m_impl, "save order " + o.external_id, [&] {
    auto opt_time = [](const std::optional<TimePoint>& t) { return t ? format_utc(*t) : std::string(); };
    Cached find(*m_impl, "SELECT id, content_hash FROM orders WHERE channel_id = ? AND external_id = ?");
    find->bind(1, channel_id);
    find->bind(2, o.external_id);
    std::int64_t order_id = 0;
    UpsertAction action = UpsertAction::created;
    if (find->executeStep()) {
      order_id = find->getColumn(0).getInt64();
      action = UpsertAction::updated;
      if (find->getColumn(1).getString() == header_hash) {
        Cached item(*m_impl, "SELECT content_hash FROM order_items WHERE order_id = ? AND external_id = ?");
        bool same = true;
        for (std::size_t k = 0; k < o.items.size() && same; ++k) {
          item->reset();
          item->bind(1, order_id);
          item->bind(2, o.items[k].external_id);
          same = item->executeStep() && item->getColumn(0).getString() == item_hashes.at(k);
        }
        if (same) {
          return UpsertAction::unchanged;
        }
      }
    }
    if (dry_run) {
      return action;
    }
    Cached s(*m_impl, order_id == 0
        ? "INSERT INTO orders (status, raw_status, ordered_at, paid_at, changed_at, currency, total_minor, "
          "shipping_fee_minor, buyer_name, buyer_phone, buyer_email, receiver_name, receiver_phone, receiver_zip, "
          "receiver_address1, receiver_address2, raw, content_hash, updated_at, last_job_id, channel_id, external_id, "
          "first_seen_at, first_job_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        : "UPDATE orders SET status = ?, raw_status = ?, ordered_at = ?, paid_at = ?, changed_at = ?, currency = ?, "
          "total_minor = ?, shipping_fee_minor = ?, buyer_name = ?, buyer_phone = ?, buyer_email = ?, "
          "receiver_name = ?, receiver_phone = ?, receiver_zip = ?, receiver_address1 = ?, receiver_address2 = ?, "
          "raw = ?, content_hash = ?, updated_at = ?, last_job_id = ? WHERE id = ?");
    int i = 0;
    s->bind(++i, std::string(to_string(o.status)));
    s->bind(++i, o.raw_status);
    bind_text_or_null(*s, ++i, opt_time(o.ordered_at));
    bind_text_or_null(*s, ++i, opt_time(o.paid_at));
    bind_text_or_null(*s, ++i, opt_time(o.changed_at));
    s->bind(++i, o.currency);
    s->bind(++i, static_cast<std::int64_t>(o.total_minor));
    s->bind(++i, static_cast<std::int64_t>(o.shipping_fee_minor));
    for (const auto* v : {&o.buyer.name, &o.buyer.phone, &o.buyer.email, &o.receiver.name, &o.receiver.phone,
                          &o.receiver.zip, &o.receiver.address1, &o.receiver.address2}) {
      bind_text_or_null(*s, ++i, *v);
    }
    s->bind(++i, o.raw);
    s->bind(++i, std::string(header_hash));
    s->bind(++i, std::string(now));
    s->bind(++i, job_id);
    if (order_id == 0) {
      s->bind(++i, channel_id);
      s->bind(++i, o.external_id);
      s->bind(++i, std::string(now));
      s->bind(++i, job_id);
      s->exec();
      order_id = m_impl->db.getLastInsertRowid();
    } else {
      s->bind(++i, order_id);
      s->exec();
    }
    Cached item(*m_impl, "INSERT INTO order_items (order_id, external_id, shipment_key, sku, product_id, option_id, name, option_name, "
      "quantity, unit_price_minor, total_price_minor, status, raw_status, content_hash) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT (order_id, external_id) DO UPDATE SET shipment_key = excluded.shipment_key, sku = excluded.sku, "
      "product_id = excluded.product_id, option_id = excluded.option_id, name = excluded.name, "
      "option_name = excluded.option_name, quantity = excluded.quantity, unit_price_minor = excluded.unit_price_minor, "
      "total_price_minor = excluded.total_price_minor, status = excluded.status, raw_status = excluded.raw_status, "
      "content_hash = excluded.content_hash");
    for (std::size_t k = 0; k < o.items.size(); ++k) {
      const auto& it = o.items[k];
      item->reset();
      item->clearBindings();
      int j = 0;
      item->bind(++j, order_id);
      item->bind(++j, it.external_id);
      item->bind(++j, it.shipment_key);
      bind_text_or_null(*item, ++j, it.sku);
      bind_text_or_null(*item, ++j, it.product_id);
      bind_text_or_null(*item, ++j, it.option_id);
      bind_text_or_null(*item, ++j, it.name);
      bind_text_or_null(*item, ++j, it.option_name);
      item->bind(++j, it.quantity);
      item->bind(++j, static_cast<std::int64_t>(it.unit_price_minor));
      item->bind(++j, static_cast<std::int64_t>(it.total_price_minor));
      item->bind(++j, std::string(to_string(it.status)));
      item->bind(++j, it.raw_status);
      item->bind(++j, item_hashes.at(k));
      item->exec();
    }
    Cached statuses(*m_impl, "SELECT status FROM order_items WHERE order_id = ?");
    statuses->bind(1, order_id);
    std::vector<OrderStatus> all;
    while (statuses->executeStep()) {
      all.push_back(parse_order_status(statuses->getColumn(0).getString()).value_or(OrderStatus::unknown));
    }
    if (derive_totals) {
      Cached t(*m_impl, "UPDATE orders SET total_minor = shipping_fee_minor + "
                          "(SELECT COALESCE(SUM(total_price_minor), 0) FROM order_items WHERE order_id = ?) WHERE id = ?");
      t->bind(1, order_id);
      t->bind(2, order_id);
      t->exec();
    }
    if (auto derived = derive_status(all)) {
      Cached u(*m_impl, "UPDATE orders SET status = ? WHERE id = ?");
      u->bind(1, std::string(to_string(*derived)));
      u->bind(2, order_id);
      u->exec();
    }
    return action;
  });
}

std::vector<OrderSummary> Database::orders(std::string_view channel, int limit)
{
  return guarded(*m_impl, "list orders", [&] {
    std::string sql =
      "SELECT o.id, c.name, o.external_id, o.status, o.raw_status, o.ordered_at, o.currency, o.receiver_name, "
      "o.updated_at, o.total_minor, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) "
      "FROM orders o JOIN channels c ON c.id = o.channel_id";
    if (!channel.empty()) sql += " WHERE c.name = :channel";
    sql += " ORDER BY o.ordered_at DESC, o.id DESC LIMIT :limit";
    SQLite::Statement s(m_impl->db, sql);
    if (!channel.empty()) s.bind(":channel", std::string(channel));
    s.bind(":limit", limit > 0 ? limit : -1);
    std::vector<OrderSummary> rows;
    while (s.executeStep()) {
      OrderSummary r;
      r.id = s.getColumn(0).getInt64();
      r.channel = text(s.getColumn(1));
      r.external_id = text(s.getColumn(2));
      r.status = text(s.getColumn(3));
      r.raw_status = text(s.getColumn(4));
      r.ordered_at = text(s.getColumn(5));
      r.currency = text(s.getColumn(6));
      r.receiver_name = text(s.getColumn(7));
      r.updated_at = text(s.getColumn(8));
      r.total_minor = s.getColumn(9).getInt64();
      r.items = s.getColumn(10).getInt();
      rows.push_back(std::move(r));
    }
    return rows;
  });
}

// --- windows and state ------------------------------------------------------

std::int64_t Database::start_window(std::int64_t channel_id, std::int64_t job_id, std::string_view from, std::string_view to,
                                 std::string_view now)
{
  return guarded(*m_impl, "record window", [&] {
    SQLite::Statement s(m_impl->db,
                        "INSERT INTO fetch_windows (channel_id, job_id, from_at, to_at, status, started_at) "
                        "VALUES (?, ?, ?, ?, 'running', ?)");
    s.bind(1, channel_id);
    s.bind(2, job_id);
    s.bind(3, std::string(from));
    s.bind(4, std::string(to));
    s.bind(5, std::string(now));
    s.exec();
    return m_impl->db.getLastInsertRowid();
  });
}

void Database::finish_window(std::int64_t id, std::string_view status, int pages, std::int64_t records,
                             std::string_view error, std::string_view now)
{
  guarded(*m_impl, "finish window", [&] {
    SQLite::Statement s(m_impl->db,
                        "UPDATE fetch_windows SET status = ?, pages = ?, records = ?, error = ?, finished_at = ? "
                        "WHERE id = ?");
    s.bind(1, std::string(status));
    s.bind(2, pages);
    s.bind(3, records);
    bind_text_or_null(s, 4, error);
    s.bind(5, std::string(now));
    s.bind(6, id);
    s.exec();
  });
}

std::vector<WindowRow> Database::windows(std::int64_t channel_id)
{
  return guarded(*m_impl, "list windows", [&] {
    SQLite::Statement s(m_impl->db,
                        "SELECT id, channel_id, job_id, from_at, to_at, pages, records, status, error, started_at, "
                        "finished_at FROM fetch_windows WHERE channel_id = ? ORDER BY from_at, id");
    s.bind(1, channel_id);
    std::vector<WindowRow> rows;
    while (s.executeStep()) {
      WindowRow w;
      w.id = s.getColumn(0).getInt64();
      w.channel_id = s.getColumn(1).getInt64();
      w.job_id = s.getColumn(2).getInt64();
      w.from_at = text(s.getColumn(3));
      w.to_at = text(s.getColumn(4));
      w.pages = s.getColumn(5).getInt();
      w.records = s.getColumn(6).getInt64();
      w.status = text(s.getColumn(7));
      w.error = text(s.getColumn(8));
      w.started_at = text(s.getColumn(9));
      w.finished_at = text(s.getColumn(10));
      rows.push_back(std::move(w));
    }
    return rows;
  });
}

std::optional<std::string> Database::state(std::int64_t channel_id, std::string_view key)
{
  return guarded(*m_impl, "read state", [&]() -> std::optional<std::string> {
    SQLite::Statement s(m_impl->db, "SELECT value FROM sync_state WHERE channel_id = ? AND key = ?");
    s.bind(1, channel_id);
    s.bind(2, std::string(key));
    if (s.executeStep()) {
      return text(s.getColumn(0));
    }
    return std::nullopt;
  });
}

void Database::set_state(std::int64_t channel_id, std::string_view key, std::string_view value, std::string_view now)
{
  guarded(*m_impl, "save state", [&] {
    SQLite::Statement s(m_impl->db,
                        "INSERT INTO sync_state (channel_id, key, value, updated_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (channel_id, key) DO UPDATE SET value = excluded.value, "
                        "updated_at = excluded.updated_at");
    s.bind(1, channel_id);
    s.bind(2, std::string(key));
    s.bind(3, std::string(value));
    s.bind(4, std::string(now));
    s.exec();
  });
}

bool Database::processed(std::int64_t channel_id, std::string_view key)
{
  return guarded(*m_impl, "read processed files", [&] {
    SQLite::Statement s(m_impl->db, "SELECT 1 FROM processed_files WHERE channel_id = ? AND key = ?");
    s.bind(1, channel_id);
    s.bind(2, std::string(key));
    return s.executeStep();
  });
}

void Database::mark_processed(std::int64_t channel_id, std::string_view key, std::int64_t job_id, std::string_view now)
{
  guarded(*m_impl, "record processed file", [&] {
    SQLite::Statement s(m_impl->db,
                        "INSERT OR IGNORE INTO processed_files (channel_id, key, job_id, processed_at) VALUES (?, ?, ?, ?)");
    s.bind(1, channel_id);
    s.bind(2, std::string(key));
    s.bind(3, job_id);
    s.bind(4, std::string(now));
    s.exec();
  });
}

std::int64_t Database::count(std::string_view table)
{
  return guarded(*m_impl, "count rows", [&] {
    // Table names cannot be bound; only known tables are accepted.
    static const std::vector<std::string_view> k_tables = {
      "channels", "jobs", "job_details", "orders", "order_items", "shipments", "products", "listings",
      "stock_movements", "fetch_windows", "sync_state", "channel_tokens", "locks", "processed_files"};
    if (std::find(k_tables.begin(), k_tables.end(), table) == k_tables.end()) {
      throw SQLite::Exception(fmt::format("unknown table {}", table));
    }
    return m_impl->db.execAndGet(fmt::format("SELECT count(*) FROM {}", table)).getInt64();
  });
}

} // namespace uoms::store
