#pragma once

#include "uoms/store.hpp"
#include "uoms/time.hpp"

#include <mutex>
#include <string>

// The job recorder every pass command uses: one job row, its detail rows and its
// final status and counters.
namespace uoms::jobs {

std::string hostname();
// True when `pid` on this host no longer exists.
bool process_is_dead(std::int64_t pid);

// Marks `running` jobs of `kind` whose process died as failed ("process died"): same-host
// jobs by pid, jobs from other hosts when their heartbeat is older than `stale_after`.
int reap_dead(store::Database& db, std::string_view kind, Clock& clock, Millis stale_after);

struct Counts
{
  std::int64_t total = 0, succeeded = 0, failed = 0, skipped = 0;
};

class Recorder
{
public:
  Recorder(store::Database& db, Clock& clock, std::string kind, std::string trigger, std::string arguments_json);

  std::int64_t id() const { return m_row.id; }
  const store::JobRow& row() const { return m_row; }

  // Thread-safe; uses the recorder's own connection. Page writes that must be atomic
  // with their details go through store::Database::add_detail inside the page's
  // transaction instead.
  void detail(store::JobDetail detail);
  void progress(int percent, const Counts& counts);
  void finish(std::string_view status, const Counts& counts, std::string_view error = {});

private:
  store::Database& m_db;
  Clock& m_clock;
  store::JobRow m_row;
  std::mutex m_mutex;
};

} // namespace uoms::jobs
