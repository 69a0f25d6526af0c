#pragma once

#include "uoms/model.hpp"
#include "uoms/time.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The one owner of the SQLite database. Only src/store/ includes SQLiteCpp; every
// statement binds its values. Errors from SQLite surface as uoms::Failure (exit 1)
// with context, or ConfigError for a database this binary cannot use.
namespace uoms::store {

// One migrations/NNNN_name.sql file, embedded at build time.
struct Migration
{
  int version = 0;
  std::string name;
  std::string sql;
};

const std::vector<Migration>& embedded_migrations();

struct ChannelRow
{
  std::int64_t id = 0;
  std::string name;
  std::string kind;
  bool enabled = true;
  std::string settings_json = "{}"; // non-secret settings
  std::string secrets_token;        // Fernet token of a JSON object; empty when none
  std::string created_at;
  std::string updated_at;
};

struct JobRow
{
  std::int64_t id = 0;
  std::string kind;
  std::string trigger;
  std::string status = "running";
  std::string started_at;
  std::string finished_at;
  std::int64_t duration_ms = 0;
  std::int64_t total = 0, succeeded = 0, failed = 0, skipped = 0;
  int progress_percent = 0;
  std::string error;
  std::string arguments = "[]";
  std::string version;
  std::string host;
  std::int64_t pid = 0;
  std::string heartbeat_at; // refreshed while the job runs
};

struct JobDetail
{
  std::int64_t id = 0;
  std::int64_t job_id = 0;
  std::string channel;
  std::string subject_type; // order, item, file, window, channel, notify
  std::string external_id;
  std::string action;       // created, updated, unchanged, failed, skipped, note, sent, ...
  int attempt = 1;
  std::string error;
  int http_status = 0;
  std::string request_id;
  std::string payload;      // raw record of a failed mapping, for audit
  std::string created_at;
};

struct JobFilter
{
  std::string kind, status, channel, since;
  int limit = 20;
};

struct DetailFilter
{
  std::string action, channel;
  int limit = 0; // 0 = all
};

enum class UpsertAction { created, updated, unchanged };
std::string_view to_string(UpsertAction action);

struct WindowRow
{
  std::int64_t id = 0;
  std::int64_t channel_id = 0;
  std::int64_t job_id = 0;
  std::string from_at, to_at;
  int pages = 0;
  std::int64_t records = 0;
  std::string status, error, started_at, finished_at;
};

struct LockHolder
{
  std::int64_t job_id = 0;
  std::int64_t pid = 0;
  std::string host;
  std::string heartbeat_at;
  std::string expires_at;
};

struct OrderSummary
{
  std::int64_t id = 0;
  std::string channel;
  std::string external_id, status, raw_status, ordered_at, currency, receiver_name, updated_at;
  std::int64_t total_minor = 0;
  int items = 0;
};

class Database
{
public:
  // Opens (creating with mode 0600 if needed) and migrates to the latest schema. A
  // database newer than this binary is refused (ConfigError), never rewritten.
  static Database open(const std::filesystem::path& path, bool create = true);
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
    ~Transaction();
    void commit();

  private:
    Database& m_db;
    bool m_done = false;
  };

  // Channels.
  std::vector<ChannelRow> channels();
  std::optional<ChannelRow> channel(std::string_view name);
  std::int64_t insert_channel(const ChannelRow& row);
  void update_channel(const ChannelRow& row);
  void remove_channel(std::int64_t id, bool delete_orders);
  std::int64_t count_orders(std::int64_t channel_id);

  // Tokens (values are already encrypted by the caller).
  std::optional<std::pair<std::string, std::string>> token(std::int64_t channel_id, std::string_view name);
  void save_token(std::int64_t channel_id, std::string_view name, std::string_view value,
                  std::string_view expires_at, std::string_view now);

  // Jobs.
  std::int64_t insert_job(const JobRow& row);
  void update_job(const JobRow& row); // counters, progress, status, finish fields
  void heartbeat_job(std::int64_t id, std::string_view now);
  std::optional<JobRow> job(std::int64_t id);
  std::vector<JobRow> jobs(const JobFilter& filter);
  std::vector<JobRow> running_jobs(std::string_view kind);
  void add_detail(const JobDetail& detail);
  std::vector<JobDetail> details(std::int64_t job_id, const DetailFilter& filter);
  std::vector<std::pair<std::string, std::int64_t>> detail_counts(std::int64_t job_id);
  std::int64_t prune_jobs(std::string_view finished_before);

  // Locks: a lease per name. Taken when free, expired, or held by a dead pid on this
  // host (the caller says which pids are dead). Returns the current holder when busy.
  struct LockRequest
  {
    std::string name;
    std::int64_t job_id = 0;
    std::int64_t pid = 0;
    std::string host;
    std::string now;
    std::string expires_at;
  };
  std::optional<LockHolder> try_lock(const LockRequest& request,
                                     const std::function<bool(const LockHolder&)>& holder_is_dead);
  void renew_lock(std::string_view name, std::int64_t pid, std::string_view now, std::string_view expires_at);
  void unlock(std::string_view name, std::int64_t pid);

  // Orders. Items are upserted by (order, item id); items absent from `order` are kept,
  // because a marketplace page may carry only part of an order's items.
  // `header_hash` covers the order-level fields, `item_hashes[i]` item i. An order is
  // unchanged when its header and every item it carries match what is stored; its
  // status is then derived from all its stored items (the least advanced live item).
  // With `dry_run` nothing is written; the action says what would have happened.
  UpsertAction upsert_order(std::int64_t channel_id, const Order& order, std::string_view header_hash,
                            const std::vector<std::string>& item_hashes, std::int64_t job_id,
                            std::string_view now, bool dry_run = false, bool derive_totals = false);
  std::vector<OrderSummary> orders(std::string_view channel, int limit);

  // Fetch windows and watermark state.
  std::int64_t start_window(std::int64_t channel_id, std::int64_t job_id, std::string_view from,
                         std::string_view to, std::string_view now);
  void finish_window(std::int64_t id, std::string_view status, int pages, std::int64_t records,
                     std::string_view error, std::string_view now);
  std::vector<WindowRow> windows(std::int64_t channel_id);
  std::optional<std::string> state(std::int64_t channel_id, std::string_view key);
  void set_state(std::int64_t channel_id, std::string_view key, std::string_view value, std::string_view now);

  // Source files consumed once.
  bool processed(std::int64_t channel_id, std::string_view key);
  void mark_processed(std::int64_t channel_id, std::string_view key, std::int64_t job_id, std::string_view now);

  // Counts rows of a table (tests, doctor).
  std::int64_t count(std::string_view table);

  struct Impl;

private:
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace uoms::store
