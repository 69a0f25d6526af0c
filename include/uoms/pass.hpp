#pragma once

#include "uoms/config.hpp"
#include "uoms/crypto.hpp"
#include "uoms/error.hpp"
#include "uoms/jobs.hpp"
#include "uoms/lease.hpp"
#include "uoms/store.hpp"
#include "uoms/time.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

// The runner every pass kind shares (collect, upload-tracking, sync-stock): channel
// selection, the secret-key check, dead-job reaping, the job recorder, a lease per pass
// kind and channel, the worker pool, notifications, the interrupt flag and the
// channel-statuses-to-exit-code rule. A pass kind supplies only what to do for one channel.
namespace uoms::pass {

// Set by the SIGINT/SIGTERM handler; passes stop between units of work and exit 130.
extern std::atomic<bool> g_interrupted;

// What every pass kind reports of a channel; a kind's own report derives from it.
struct ChannelHeader
{
  std::string name;
  std::string kind;
  std::string status = "completed"; // completed, partial, failed, skipped
  std::string error;
  int http_status = 0;
  bool auth_error = false; // failed on credentials or configuration the operator must fix
};

// What one channel's work came to, as the runner aggregates it.
struct ChannelOutcome : ChannelHeader
{
  jobs::Counts counts; // orders, items or SKUs touched
};

// Counted under the runner's mutex and handed to the progress callback.
struct Progress
{
  int channels_done = 0;
  int channels_total = 0;
  std::int64_t items = 0; // orders, uploads or pushes so far
  std::string channel;
};

class Runner;

// One channel being worked on, on its own connection, holding its lease.
class ChannelRun
{
public:
  ChannelRun(Runner& runner, const store::ChannelRow& row, std::size_t index, store::Database& db);

  const store::ChannelRow& row() const { return m_row; }
  std::size_t index() const { return m_index; } // position among the selected channels
  store::Database& db() { return m_db; }
  std::int64_t job_id() const;
  Clock& clock();
  const config::Config& config() const;
  const crypto::Fernet& key() const;
  ChannelOutcome& outcome() { return m_outcome; }

  // Throws Error(interrupted) once the pass was interrupted; call between units of work.
  void check_interrupted() const;
  // After a unit of work is committed: renews the lease and the job's heartbeat, counts
  // `items` for the progress line, and remembers that something was saved.
  void committed(std::int64_t items);
  bool saved_any() const { return m_saved_any; }
  // A job detail of this channel's job, stamped now: `subject` `id` had `action`.
  store::JobDetail detail(std::string subject, std::string id, std::string action);
  // Marks the channel failed (partial when something was already saved) and records a
  // channel-level failed detail. `message` is redacted.
  void fail(const std::string& message, int http_status = 0, std::string_view request_id = {}, bool auth = false);

private:
  friend class Runner;
  Runner& m_runner;
  const store::ChannelRow& m_row;
  std::size_t m_index;
  store::Database& m_db;
  ChannelOutcome m_outcome;
  std::optional<Lease> m_lease;
  bool m_saved_any = false;
};

// What a pass kind supplies.
struct Spec
{
  std::string kind;                  // job kind and lock prefix: "collect", "upload-tracking", …
  std::vector<std::string> channels; // requested by name; empty = every enabled channel
  int concurrency = 0;               // 0 = config
  std::string arguments_json = "[]";
  // Does one channel; may throw uoms::Error (the channel fails) or set the outcome.
  std::function<void(ChannelRun&)> work;
  // The one-line summary for notifications; a default is used when empty.
  std::function<std::string(const struct Summary&)> summary_line;
  // Per-channel fields for the completion notification's details.
  std::function<nlohmann::json(const ChannelOutcome&, std::size_t index)> channel_json;
  std::function<void(const Progress&)> on_progress;
};

// For a summary line: " (NAME: ERROR)" of the first channel that failed or was partial, or "".
template <typename Report>
std::string first_failure_note(const Report& report)
{
  for (const auto& c : report.channels) {
    if (!c.error.empty() && c.status != "completed" && c.status != "skipped") return " (" + c.name + ": " + c.error + ")";
  }
  return {};
}

// The Spec of a pass of `kind` from its options (every pass's options name the channels,
// the concurrency and the command line it records the same way).
template <typename Options>
Spec spec_for(std::string kind, const Options& options, std::function<void(const Progress&)> on_progress = {})
{
  Spec spec;
  spec.kind = std::move(kind);
  spec.channels = options.channels;
  spec.concurrency = options.concurrency;
  spec.arguments_json = options.arguments_json;
  spec.on_progress = std::move(on_progress);
  return spec;
}

struct Summary
{
  std::int64_t job_id = 0;
  std::string kind;
  std::string status;
  ExitCode exit_code = ExitCode::ok;
  std::vector<ChannelOutcome> channels; // in the order selected
  std::vector<std::string> notify_errors;
};

// A pass's result with a kind's own per-channel report (derived from ChannelHeader).
template <typename ChannelReport>
struct Report
{
  std::int64_t job_id = 0;
  std::string status;
  ExitCode exit_code = ExitCode::ok;
  bool dry_run = false;
  std::vector<ChannelReport> channels; // in the order selected
  std::vector<std::string> notify_errors;
};

// Runs `spec` giving each channel's work its own `ChannelReport`, and returns them in
// selection order, each header filled from the runner's outcome. `summary_line` and
// `channel_json` see the finished reports (for the completion notification).
template <typename ChannelReport>
Report<ChannelReport> run_reported(const config::Config& config, Spec spec, Clock& clock,
                                   std::function<void(ChannelRun&, ChannelReport&)> work,
                                   std::function<std::string(const Report<ChannelReport>&)> summary_line,
                                   std::function<nlohmann::json(const ChannelReport&)> channel_json);

// The selected channels: the named ones (a name that matches none is a UsageError with
// "did you mean"), or every enabled channel.
std::vector<store::ChannelRow> select_channels(store::Database& db, const std::vector<std::string>& names);

// The job's status and exit code from its channels' statuses: all skipped → skipped (5);
// every channel failed or skipped → failed (4 when every failure was the operator's to
// fix, else 1); some failed or partial → partial (3); else completed (0). Interrupted
// (SIGINT/SIGTERM) wins: status `interrupted`, 130.
std::pair<std::string, ExitCode> aggregate(const std::vector<ChannelOutcome>& channels, bool interrupted);

// One pass: selects channels (none → ConfigError), checks that the key decrypts each
// one's secrets before any job is recorded, reaps dead jobs of this kind, records the
// job, notifies, runs `spec.work` per channel on up to `concurrency` threads under the
// channel's lease (a channel held by a live pass is skipped), and finishes the job.
Summary run(const config::Config& config, const Spec& spec, Clock& clock);

template <typename ChannelReport>
Report<ChannelReport> run_reported(const config::Config& config, Spec spec, Clock& clock,
                                   std::function<void(ChannelRun&, ChannelReport&)> work,
                                   std::function<std::string(const Report<ChannelReport>&)> summary_line,
                                   std::function<nlohmann::json(const ChannelReport&)> channel_json)
{
  Report<ChannelReport> report;
  // By position among the selected channels; a map, so taking one worker's slot never
  // moves another's.
  std::map<std::size_t, ChannelReport> slots;
  std::mutex mutex;
  spec.work = [&](ChannelRun& run) {
    ChannelReport* slot = nullptr;
    {
      std::lock_guard lock(mutex);
      slot = &slots[run.index()];
    }
    work(run, *slot);
  };
  auto merge = [&](const Summary& summary) {
    report.job_id = summary.job_id;
    report.status = summary.status;
    report.exit_code = summary.exit_code;
    report.notify_errors = summary.notify_errors;
    report.channels.resize(summary.channels.size());
    std::lock_guard lock(mutex);
    for (std::size_t i = 0; i < summary.channels.size(); ++i) {
      auto& c = report.channels[i];
      if (auto it = slots.find(i); it != slots.end()) c = it->second;
      static_cast<ChannelHeader&>(c) = summary.channels[i];
    }
  };
  spec.summary_line = [&](const Summary& summary) {
    merge(summary);
    return summary_line(report);
  };
  spec.channel_json = [&](const ChannelOutcome&, std::size_t i) { return channel_json(report.channels[i]); };
  merge(run(config, spec, clock));
  return report;
}

} // namespace uoms::pass
