#include "uoms/jobs.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>

#include <unistd.h>

namespace uoms::jobs {

std::string hostname()
{
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) {
    return "localhost";
  }
  return buf;
}

bool process_is_dead(std::int64_t pid)
{
  if (pid <= 0) {
    return true;
  }
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

int reap_dead(store::Database& db, std::string_view kind, Clock& clock, Millis stale_after)
{
  const auto host = hostname();
  const auto now = clock.now();
  int reaped = 0;
  for (auto job : store::Jobs(db).running(kind)) {
    // Another host's pid means nothing here: its job is dead when its heartbeat stopped.
    const auto& beat = job.heartbeat_at.empty() ? job.started_at : job.heartbeat_at;
    bool dead = job.host == host ? process_is_dead(job.pid) && job.pid != ::getpid()
                                 : parse_time(beat).value_or(now) + stale_after < now;
    if (!dead) {
      continue;
    }
    job.status = "failed";
    job.error = "process died";
    job.finished_at = format_utc(now);
    job.duration_ms = (now - parse_time(job.started_at).value_or(now)).count();
    store::Jobs(db).update(job);
    ++reaped;
  }
  return reaped;
}

Recorder::Recorder(store::Database& db, Clock& clock, std::string kind, std::string trigger,
                   std::string arguments_json)
  : m_db(db),
    m_clock(clock)
{
  m_row.kind = std::move(kind);
  m_row.trigger = std::move(trigger);
  m_row.arguments = std::move(arguments_json);
  m_row.started_at = format_utc(clock.now());
  m_row.version = UOMS_VERSION;
  m_row.host = hostname();
  m_row.pid = ::getpid();
  m_row.id = store::Jobs(m_db).insert(m_row);
}

void Recorder::detail(store::JobDetail detail)
{
  std::lock_guard lock(m_mutex);
  detail.job_id = m_row.id;
  if (detail.created_at.empty()) {
    detail.created_at = format_utc(m_clock.now());
  }
  store::Jobs(m_db).add_detail(detail);
}

void Recorder::progress(int percent, const Counts& counts)
{
  std::lock_guard lock(m_mutex);
  m_row.progress_percent = percent;
  m_row.total = counts.total;
  m_row.succeeded = counts.succeeded;
  m_row.failed = counts.failed;
  m_row.skipped = counts.skipped;
  store::Jobs(m_db).update(m_row);
  store::Jobs(m_db).heartbeat(m_row.id, format_utc(m_clock.now()));
}

void Recorder::finish(std::string_view status, const Counts& counts, std::string_view error)
{
  std::lock_guard lock(m_mutex);
  const auto now = m_clock.now();
  m_row.status = std::string(status);
  m_row.total = counts.total;
  m_row.succeeded = counts.succeeded;
  m_row.failed = counts.failed;
  m_row.skipped = counts.skipped;
  m_row.progress_percent = 100;
  m_row.error = std::string(error);
  m_row.finished_at = format_utc(now);
  m_row.duration_ms = (now - parse_time(m_row.started_at).value_or(now)).count();
  store::Jobs(m_db).update(m_row);
}

} // namespace uoms::jobs
