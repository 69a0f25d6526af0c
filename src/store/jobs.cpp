#include "src/store/connection.hpp"
#include "uoms/store/jobs.hpp"

namespace uoms::store {

// --- jobs -------------------------------------------------------------------

namespace {

constexpr const char* k_job_columns =
  "id, kind, trigger, status, started_at, finished_at, duration_ms, total, succeeded, failed, skipped, "
  "progress_percent, error, arguments, version, host, pid, heartbeat_at";

JobRow read_job(SQLite::Statement& s)
{
  JobRow r;
  read_columns(s, r.id, r.kind, r.trigger, r.status, r.started_at, r.finished_at, r.duration_ms, r.total,
               r.succeeded, r.failed, r.skipped, r.progress_percent, r.error, r.arguments, r.version, r.host, r.pid,
               r.heartbeat_at);
  return r;
}

} // namespace

std::int64_t Jobs::insert(const JobRow& row)
{
  return guarded(m_db.impl(), "record job", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "INSERT INTO jobs (kind, trigger, status, started_at, arguments, version, host, pid, heartbeat_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    bind_all(s, row.kind, row.trigger, row.status, row.started_at, row.arguments, row.version, row.host, row.pid,
             row.started_at);
    s.exec();
    return m_db.impl().db.getLastInsertRowid();
  });
}

void Jobs::update(const JobRow& row)
{
  guarded(m_db.impl(), "update job", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "UPDATE jobs SET status = ?, finished_at = ?, duration_ms = ?, total = ?, succeeded = ?, "
                        "failed = ?, skipped = ?, progress_percent = ?, error = ? WHERE id = ?");
    // A running job has no finish time and no duration yet.
    const auto duration = row.finished_at.empty() ? std::nullopt : std::optional<std::int64_t>(row.duration_ms);
    bind_all(s, row.status, OrNull{row.finished_at}, duration, row.total, row.succeeded, row.failed, row.skipped,
             row.progress_percent, OrNull{row.error}, row.id);
    s.exec();
  });
}

void Jobs::heartbeat(std::int64_t id, std::string_view now)
{
  execute_cached(m_db, "job heartbeat", "UPDATE jobs SET heartbeat_at = ? WHERE id = ?", now, id);
}

std::optional<JobRow> Jobs::find(std::int64_t id)
{
  return guarded(m_db.impl(), "read job", [&]() -> std::optional<JobRow> {
    SQLite::Statement s(m_db.impl().db, fmt::format("SELECT {} FROM jobs WHERE id = ?", k_job_columns));
    s.bind(1, id);
    if (s.executeStep()) {
      return read_job(s);
    }
    return std::nullopt;
  });
}

std::vector<JobRow> Jobs::list(const JobFilter& filter)
{
  std::vector<JobRow> rows;
  each(filter, [&](const JobRow& row) { rows.push_back(row); });
  return rows;
}

std::int64_t Jobs::each(const JobFilter& f, const std::function<void(const JobRow&)>& sink)
{
  return guarded(m_db.impl(), "list jobs", [&] {
    // A channel's jobs are one range of job_channels' key, newest first; jobs come from it.
    std::string sql = f.channel.empty()
      ? fmt::format("SELECT {} FROM jobs WHERE 1=1", k_job_columns)
      : fmt::format("SELECT {} FROM job_channels jc CROSS JOIN jobs ON jobs.id = jc.job_id WHERE jc.channel = :channel",
                    k_job_columns);
    if (!f.kind.empty()) sql += " AND kind = :kind";
    if (!f.status.empty()) sql += " AND status = :status";
    if (!f.since.empty()) sql += " AND started_at >= :since";
    sql += f.channel.empty() ? " ORDER BY id DESC LIMIT :limit" : " ORDER BY jc.job_id DESC LIMIT :limit";
    SQLite::Statement s(m_db.impl().db, sql);
    if (!f.kind.empty()) s.bind(":kind", f.kind);
    if (!f.status.empty()) s.bind(":status", f.status);
    if (!f.since.empty()) s.bind(":since", f.since);
    if (!f.channel.empty()) s.bind(":channel", f.channel);
    s.bind(":limit", f.limit > 0 ? f.limit : -1);
    std::int64_t n = 0;
    while (s.executeStep()) {
      sink(read_job(s));
      ++n;
    }
    return n;
  });
}

std::vector<JobRow> Jobs::running(std::string_view kind)
{
  return guarded(m_db.impl(), "list running jobs", [&] {
    SQLite::Statement s(m_db.impl().db,
                        fmt::format("SELECT {} FROM jobs WHERE status = 'running' AND kind = ?", k_job_columns));
    s.bind(1, std::string(kind));
    std::vector<JobRow> rows;
    while (s.executeStep()) {
      rows.push_back(read_job(s));
    }
    return rows;
  });
}

void Jobs::add_detail(const JobDetail& d)
{
  guarded(m_db.impl(), "record job detail", [&] {
    Cached s(m_db.impl(), "INSERT INTO job_details (job_id, channel, subject_type, external_id, action, attempt, error, "
                        "http_status, request_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const auto http_status = d.http_status ? std::optional<std::int64_t>(d.http_status) : std::nullopt;
    bind_all(*s, d.job_id, OrNull{d.channel}, d.subject_type, OrNull{d.external_id}, d.action, d.attempt,
             OrNull{d.error}, http_status, OrNull{d.request_id}, OrNull{d.payload}, d.created_at);
    s->exec();
  });
}

std::vector<JobDetail> Jobs::details(std::int64_t job_id, const DetailFilter& f)
{
  return guarded(m_db.impl(), "list job details", [&] {
    std::string sql = "SELECT id, job_id, channel, subject_type, external_id, action, attempt, error, http_status, "
                      "request_id, payload, created_at FROM job_details WHERE job_id = :job";
    if (!f.action.empty()) sql += " AND action = :action";
    if (f.status == "ok") {
      // Not ok: what failed or was skipped, a note, and a write that is still open (to retry,
      // for the operator, or not known to have arrived) or only planned by a dry run.
      sql += " AND action NOT IN ('failed', 'skipped', 'note', 'retry', 'attention', 'unknown', 'would_fail', "
             "'would_retry')";
    } else if (!f.status.empty()) {
      sql += " AND action = :status"; // failed, skipped and note are each one action
    }
    if (!f.channel.empty()) sql += " AND channel = :channel";
    sql += " ORDER BY id LIMIT :limit";
    SQLite::Statement s(m_db.impl().db, sql);
    s.bind(":job", job_id);
    if (!f.action.empty()) s.bind(":action", f.action);
    if (!f.status.empty() && f.status != "ok") s.bind(":status", f.status);
    if (!f.channel.empty()) s.bind(":channel", f.channel);
    s.bind(":limit", f.limit > 0 ? f.limit : -1);
    std::vector<JobDetail> rows;
    while (s.executeStep()) {
      JobDetail d;
      read_columns(s, d.id, d.job_id, d.channel, d.subject_type, d.external_id, d.action, d.attempt, d.error,
                   d.http_status, d.request_id, d.payload, d.created_at);
      rows.push_back(std::move(d));
    }
    return rows;
  });
}

std::vector<std::pair<std::string, std::int64_t>> Jobs::detail_counts(std::int64_t job_id)
{
  return guarded(m_db.impl(), "count job details", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT action, count(*) FROM job_details WHERE job_id = ? GROUP BY action ORDER BY action");
    s.bind(1, job_id);
    std::vector<std::pair<std::string, std::int64_t>> rows;
    while (s.executeStep()) {
      rows.emplace_back(text(s.getColumn(0)), s.getColumn(1).getInt64());
    }
    return rows;
  });
}

std::int64_t Jobs::prune(std::string_view finished_before)
{
  return guarded(m_db.impl(), "prune jobs", [&] {
    SQLite::Statement s(m_db.impl().db, "DELETE FROM jobs WHERE status != 'running' AND COALESCE(finished_at, started_at) < ?");
    s.bind(1, std::string(finished_before));
    return static_cast<std::int64_t>(s.exec());
  });
}

} // namespace uoms::store
