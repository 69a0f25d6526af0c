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

std::int64_t Jobs::insert(const JobRow& row)
{
  return guarded(m_db.impl(), "record job", [&] {
    SQLite::Statement s(m_db.impl().db,
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
    return m_db.impl().db.getLastInsertRowid();
  });
}

void Jobs::update(const JobRow& row)
{
  guarded(m_db.impl(), "update job", [&] {
    SQLite::Statement s(m_db.impl().db,
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

void Jobs::heartbeat(std::int64_t id, std::string_view now)
{
  guarded(m_db.impl(), "job heartbeat", [&] {
    SQLite::Statement s(m_db.impl().db, "UPDATE jobs SET heartbeat_at = ? WHERE id = ?");
    s.bind(1, std::string(now));
    s.bind(2, id);
    s.exec();
  });
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

std::vector<JobRow> Jobs::list(const JobFilter& f)
{
  return guarded(m_db.impl(), "list jobs", [&] {
    std::string sql = fmt::format("SELECT {} FROM jobs WHERE 1=1", k_job_columns);
    if (!f.kind.empty()) sql += " AND kind = :kind";
    if (!f.status.empty()) sql += " AND status = :status";
    if (!f.since.empty()) sql += " AND started_at >= :since";
    if (!f.channel.empty()) {
      sql += " AND id IN (SELECT job_id FROM job_details WHERE channel = :channel)";
    }
    sql += " ORDER BY id DESC LIMIT :limit";
    SQLite::Statement s(m_db.impl().db, sql);
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

std::vector<JobDetail> Jobs::details(std::int64_t job_id, const DetailFilter& f)
{
  return guarded(m_db.impl(), "list job details", [&] {
    std::string sql = "SELECT id, job_id, channel, subject_type, external_id, action, attempt, error, http_status, "
                      "request_id, payload, created_at FROM job_details WHERE job_id = :job";
    if (!f.action.empty()) sql += " AND action = :action";
    if (f.status == "ok") {
      sql += " AND action NOT IN ('failed', 'skipped', 'note')";
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
