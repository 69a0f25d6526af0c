#pragma once

#include "uoms/store/database.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// What `uoms status`, `uoms doctor` and the metrics textfile read: where each channel
// stands per pass kind (channel_passes, written by the pass runner), and read-only views
// over the locks, tokens, outbox, ledger and the file itself.
namespace uoms::store {

// One channel's work in one pass, as the pass runner saw it end.
struct PassRecord
{
  std::int64_t channel_id = 0;
  std::string kind;
  std::int64_t job_id = 0;
  std::string status; // completed, partial, failed, skipped
  std::string started_at, finished_at;
  std::int64_t duration_ms = 0;
  std::string error;
  bool auth_error = false;
  std::string counts_json = "{}";
  std::int64_t http_requests = 0, http_throttled = 0;
};

// A channel's standing in one pass kind.
struct PassState
{
  std::int64_t channel_id = 0;
  std::string kind;
  std::int64_t last_job_id = 0;
  std::string last_status, last_started_at, last_finished_at;
  std::int64_t last_duration_ms = 0;
  std::string last_error;
  bool last_auth_error = false;
  std::string last_success_at;
  std::int64_t last_success_job_id = 0;
  std::int64_t consecutive_failures = 0;
  std::string counts_json = "{}";
  std::int64_t http_requests = 0, http_throttled = 0;
};

class ChannelPasses
{
public:
  explicit ChannelPasses(Database& db) : m_db(db) {}

  // Upserts the channel's row for the kind: completed moves the last success and resets
  // the failure count, failed and partial add one, skipped changes neither.
  void record(const PassRecord& record, std::string_view now);
  std::vector<PassState> list();
  // The detail rows of one job and channel by action (orders created, updated, …),
  // leaving out the channel, window and notify rows.
  std::vector<std::pair<std::string, std::int64_t>> detail_actions(std::int64_t job_id, std::string_view channel);

private:
  Database& m_db;
};

struct LockRow
{
  std::string name;
  std::int64_t job_id = 0, pid = 0;
  std::string host, acquired_at, heartbeat_at, expires_at;
};

struct TokenExpiry
{
  std::int64_t channel_id = 0;
  std::string name, expires_at;
};

struct OversoldProduct
{
  std::string sku;
  std::int64_t on_hand = 0, reserved = 0;
};

// {channel name, count} of one fact.
struct ChannelCount
{
  std::string channel;
  std::string what;
  std::int64_t count = 0;
};

// Read-only questions about the whole database.
class Health
{
public:
  explicit Health(Database& db) : m_db(db) {}

  std::vector<LockRow> locks();
  std::vector<TokenExpiry> tokens();
  // Products whose reservations exceed what is on hand.
  std::vector<OversoldProduct> oversold();
  // Mapped listings per channel whose product is oversold (what = "oversold_listings").
  std::vector<ChannelCount> oversold_listings();
  // Shipments per channel and state (what = the state).
  std::vector<ChannelCount> shipments();
  // Listings per channel that map to no SKU (what = "unmapped_listings").
  std::vector<ChannelCount> unmapped_listings();
  // Each channel's sync_state value under `key`, e.g. collect's watermark (what = the value).
  std::vector<ChannelCount> watermarks(std::string_view key);
  // `PRAGMA quick_check`: "ok", or the problems it found (at most `limit`).
  std::vector<std::string> quick_check(int limit = 10);
  // The newest instant uoms wrote in jobs and orders (empty when none), for clock checks.
  std::string newest_timestamp();

private:
  Database& m_db;
};

} // namespace uoms::store
