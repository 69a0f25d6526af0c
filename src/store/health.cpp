#include "src/store/connection.hpp"
#include "uoms/store/health.hpp"

namespace uoms::store {

// --- channel_passes ---------------------------------------------------------

void ChannelPasses::record(const PassRecord& r, std::string_view now)
{
  const bool success = r.status == "completed";
  const bool failure = r.status == "failed" || r.status == "partial";
  execute(m_db, "record channel pass",
          "INSERT INTO channel_passes (channel_id, kind, last_job_id, last_status, last_started_at, "
          "last_finished_at, last_duration_ms, last_error, last_auth_error, last_success_at, last_success_job_id, "
          "consecutive_failures, counts, http_requests, http_throttled, updated_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, CASE WHEN ?10 THEN ?6 END, CASE WHEN ?10 THEN ?3 END, "
          "?11, ?12, ?13, ?14, ?15) "
          "ON CONFLICT (channel_id, kind) DO UPDATE SET last_job_id = excluded.last_job_id, "
          "last_status = excluded.last_status, last_started_at = excluded.last_started_at, "
          "last_finished_at = excluded.last_finished_at, last_duration_ms = excluded.last_duration_ms, "
          "last_error = excluded.last_error, last_auth_error = excluded.last_auth_error, "
          "last_success_at = CASE WHEN ?10 THEN excluded.last_finished_at ELSE last_success_at END, "
          "last_success_job_id = CASE WHEN ?10 THEN excluded.last_job_id ELSE last_success_job_id END, "
          "consecutive_failures = CASE WHEN ?10 THEN 0 ELSE consecutive_failures + ?11 END, "
          "counts = excluded.counts, http_requests = excluded.http_requests, "
          "http_throttled = excluded.http_throttled, updated_at = excluded.updated_at",
          r.channel_id, r.kind, r.job_id, r.status, r.started_at, r.finished_at, r.duration_ms, OrNull{r.error},
          r.auth_error ? 1 : 0, success ? 1 : 0, failure ? 1 : 0, r.counts_json, r.http_requests,
          r.http_throttled, now);
}

std::vector<PassState> ChannelPasses::list()
{
  return guarded(m_db.impl(), "read channel passes", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT channel_id, kind, COALESCE(last_job_id, 0), last_status, last_started_at, "
                        "last_finished_at, last_duration_ms, last_error, last_auth_error, last_success_at, "
                        "COALESCE(last_success_job_id, 0), consecutive_failures, counts, http_requests, "
                        "http_throttled FROM channel_passes ORDER BY channel_id, kind");
    std::vector<PassState> rows;
    while (s.executeStep()) {
      PassState p;
      read_columns(s, p.channel_id, p.kind, p.last_job_id, p.last_status, p.last_started_at, p.last_finished_at,
                   p.last_duration_ms, p.last_error, p.last_auth_error, p.last_success_at, p.last_success_job_id,
                   p.consecutive_failures, p.counts_json, p.http_requests, p.http_throttled);
      rows.push_back(std::move(p));
    }
    return rows;
  });
}

std::vector<std::pair<std::string, std::int64_t>> ChannelPasses::detail_actions(std::int64_t job_id,
                                                                                std::string_view channel)
{
  return guarded(m_db.impl(), "count job details", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT action, count(*) FROM job_details WHERE job_id = ? AND channel = ? "
                        "AND subject_type NOT IN ('channel', 'window', 'notify') GROUP BY action ORDER BY action");
    bind_all(s, job_id, channel);
    std::vector<std::pair<std::string, std::int64_t>> out;
    while (s.executeStep()) out.emplace_back(text(s.getColumn(0)), s.getColumn(1).getInt64());
    return out;
  });
}

// --- read-only views --------------------------------------------------------

namespace {

std::vector<ChannelCount> channel_counts(Database& db, std::string_view what, const char* sql)
{
  return guarded(db.impl(), what, [&] {
    SQLite::Statement s(db.impl().db, sql);
    std::vector<ChannelCount> out;
    while (s.executeStep()) {
      ChannelCount c;
      read_columns(s, c.channel, c.what, c.count);
      out.push_back(std::move(c));
    }
    return out;
  });
}

} // namespace

std::vector<LockRow> Health::locks()
{
  return guarded(m_db.impl(), "read locks", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT name, COALESCE(job_id, 0), pid, host, acquired_at, heartbeat_at, expires_at FROM locks "
                        "ORDER BY name");
    std::vector<LockRow> rows;
    while (s.executeStep()) {
      LockRow l;
      read_columns(s, l.name, l.job_id, l.pid, l.host, l.acquired_at, l.heartbeat_at, l.expires_at);
      rows.push_back(std::move(l));
    }
    return rows;
  });
}

std::vector<TokenExpiry> Health::tokens()
{
  return guarded(m_db.impl(), "read token expiries", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT channel_id, name, expires_at FROM channel_tokens WHERE expires_at IS NOT NULL "
                        "ORDER BY channel_id, expires_at");
    std::vector<TokenExpiry> rows;
    while (s.executeStep()) {
      TokenExpiry t;
      read_columns(s, t.channel_id, t.name, t.expires_at);
      rows.push_back(std::move(t));
    }
    return rows;
  });
}

std::vector<OversoldProduct> Health::oversold()
{
  return guarded(m_db.impl(), "read oversold products", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT sku, on_hand, reserved FROM products WHERE reserved > on_hand ORDER BY sku");
    std::vector<OversoldProduct> rows;
    while (s.executeStep()) {
      OversoldProduct p;
      read_columns(s, p.sku, p.on_hand, p.reserved);
      rows.push_back(std::move(p));
    }
    return rows;
  });
}

std::vector<ChannelCount> Health::oversold_listings()
{
  return channel_counts(m_db, "count oversold listings",
                        "SELECT c.name, 'oversold_listings', count(*) FROM listings l JOIN channels c ON "
                        "c.id = l.channel_id JOIN products p ON p.id = l.product_id WHERE p.reserved > p.on_hand "
                        "GROUP BY c.name ORDER BY c.name");
}

std::vector<ChannelCount> Health::shipments()
{
  return channel_counts(m_db, "count shipments",
                        "SELECT c.name, s.state, count(*) FROM shipments s JOIN orders o ON o.id = s.order_id "
                        "JOIN channels c ON c.id = o.channel_id GROUP BY c.name, s.state ORDER BY c.name, s.state");
}

std::vector<ChannelCount> Health::unmapped_listings()
{
  return channel_counts(m_db, "count unmapped listings",
                        "SELECT c.name, 'unmapped_listings', count(*) FROM listings l JOIN channels c ON "
                        "c.id = l.channel_id WHERE l.product_id IS NULL GROUP BY c.name ORDER BY c.name");
}

std::vector<ChannelCount> Health::watermarks(std::string_view key)
{
  return guarded(m_db.impl(), "read watermarks", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT c.name, st.value FROM sync_state st JOIN channels c ON c.id = st.channel_id "
                        "WHERE st.key = ? ORDER BY c.name");
    bind_all(s, key);
    std::vector<ChannelCount> out;
    while (s.executeStep()) {
      ChannelCount c;
      read_columns(s, c.channel, c.what);
      out.push_back(std::move(c));
    }
    return out;
  });
}

std::vector<std::string> Health::quick_check(int limit)
{
  return guarded(m_db.impl(), "quick_check", [&] {
    SQLite::Statement s(m_db.impl().db, fmt::format("PRAGMA quick_check({})", limit));
    std::vector<std::string> out;
    while (s.executeStep()) out.push_back(text(s.getColumn(0)));
    return out;
  });
}

std::string Health::newest_timestamp()
{
  return guarded(m_db.impl(), "read newest timestamps", [&] {
    return text(m_db.impl().db.execAndGet(
      "SELECT max(t) FROM (SELECT max(started_at) AS t FROM jobs UNION ALL SELECT max(finished_at) FROM jobs "
      "UNION ALL SELECT max(updated_at) FROM orders UNION ALL SELECT max(first_seen_at) FROM orders)"));
  });
}

} // namespace uoms::store
