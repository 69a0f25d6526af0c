#include "uoms/pass.hpp"

#include "uoms/channels.hpp"
#include "uoms/http.hpp"
#include "uoms/log.hpp"
#include "uoms/metrics.hpp"
#include "uoms/notify.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include <sys/resource.h>

namespace uoms::pass {

std::atomic<bool> g_interrupted{false};

class Runner
{
public:
  Runner(const config::Config& config, const Spec& spec, Clock& clock, const crypto::Fernet& key,
         jobs::Recorder& recorder, int channels)
    : m_config(config),
      m_spec(spec),
      m_clock(clock),
      m_key(key),
      m_recorder(recorder)
  {
    m_progress.channels_total = channels;
  }

  ChannelOutcome run_channel(const store::ChannelRow& row, std::size_t index)
  {
    const log::Scope scope(row.name, job_id());
    std::optional<store::Database> db;
    try {
      db.emplace(store::Database::open(m_config.database, false));
    } catch (const std::exception& e) {
      return failed_outcome(row, e.what());
    }
    ChannelRun run(*this, row, index, *db);
    if (g_interrupted) {
      run.m_outcome.status = "failed";
      run.m_outcome.error = "interrupted before it started";
      return run.m_outcome;
    }
    const auto started = m_clock.now();
    const auto http_before = net::thread_request_counts();
    try {
      auto lease = Lease::take(*db, m_spec.kind + ":" + row.name, job_id(), m_clock, m_config.lock_lease);
      if (!lease) {
        const auto& h = lease.error();
        run.m_outcome.status = "skipped";
        run.m_outcome.error =
          fmt::format("locked by job {} (pid {} on {}) until {}", h.job_id, h.pid, h.host, h.expires_at);
        return run.m_outcome;
      }
      run.m_lease.emplace(std::move(*lease));
      m_spec.work(run);
    } catch (const Error& e) {
      run.fail(e.what(), 0, {}, e.code() == ExitCode::config);
    } catch (const std::exception& e) {
      run.fail(e.what());
    }
    run.m_lease.reset();
    record_pass(*db, row.id, run.m_outcome, started, http_before);
    return run.m_outcome;
  }

  void channel_done()
  {
    std::lock_guard lock(m_mutex);
    ++m_progress.channels_done;
    if (m_spec.on_progress) m_spec.on_progress(m_progress);
    try {
      m_recorder.progress(m_progress.channels_done * 100 / std::max(1, m_progress.channels_total), {});
    } catch (const std::exception& e) {
      log::warn("cannot record progress: {}", e.what());
    }
  }

  void count(const std::string& channel, std::int64_t items)
  {
    std::lock_guard lock(m_mutex);
    m_progress.items += items;
    m_progress.channel = channel;
    if (m_spec.on_progress) m_spec.on_progress(m_progress);
  }

  std::int64_t job_id() const { return m_recorder.id(); }
  Clock& clock() { return m_clock; }
  const config::Config& config() const { return m_config; }
  const crypto::Fernet& key() const { return m_key; }

private:
  // Where the channel now stands in this pass kind (channel_passes), for `uoms status` and
  // the metrics file. A skipped channel (another pass holds it), an interrupted one (a
  // stop is not the channel's failure) and a dry run change nothing; a failure to record is
  // logged, never fails the channel.
  void record_pass(store::Database& db, std::int64_t channel_id, const ChannelOutcome& outcome, TimePoint started,
                   const net::RequestCounts& http_before)
  {
    // A dry run's arguments say so; it must not pass for a real success.
    if (outcome.status == "skipped" || g_interrupted ||
        m_spec.arguments_json.find("\"--dry-run\"") != std::string::npos) {
      return;
    }
    try {
      const auto& http = net::thread_request_counts();
      const auto finished = m_clock.now();
      store::PassRecord r;
      r.channel_id = channel_id;
      r.kind = m_spec.kind;
      r.job_id = job_id();
      r.status = outcome.status;
      r.started_at = format_utc(started);
      r.finished_at = format_utc(finished);
      r.duration_ms = (finished - started).count();
      r.error = outcome.error;
      r.auth_error = outcome.auth_error;
      nlohmann::json actions = nlohmann::json::object();
      for (const auto& [action, n] : store::ChannelPasses(db).detail_actions(r.job_id, outcome.name)) {
        actions[action] = n;
      }
      r.counts_json = nlohmann::json{{"total", outcome.counts.total},
                                     {"succeeded", outcome.counts.succeeded},
                                     {"failed", outcome.counts.failed},
                                     {"skipped", outcome.counts.skipped},
                                     {"actions", actions}}
                        .dump();
      r.http_requests = http.requests - http_before.requests;
      r.http_throttled = http.throttled - http_before.throttled;
      store::ChannelPasses(db).record(r, r.finished_at);
    } catch (const std::exception& e) {
      log::warn("channel {}: cannot record the pass for uoms status: {}", outcome.name, e.what());
    }
  }

  ChannelOutcome failed_outcome(const store::ChannelRow& row, std::string message)
  {
    ChannelOutcome out{row.name, row.kind, "failed", log::redact(message)};
    log::error("channel {}: {}", row.name, out.error);
    return out;
  }

  const config::Config& m_config;
  const Spec& m_spec;
  Clock& m_clock;
  const crypto::Fernet& m_key;
  jobs::Recorder& m_recorder;
  std::mutex m_mutex;
  Progress m_progress;
};

ChannelRun::ChannelRun(Runner& runner, const store::ChannelRow& row, std::size_t index, store::Database& db)
  : m_runner(runner),
    m_row(row),
    m_index(index),
    m_db(db)
{
  m_outcome.name = row.name;
  m_outcome.kind = row.kind;
}

std::int64_t ChannelRun::job_id() const
{
  return m_runner.job_id();
}

Clock& ChannelRun::clock()
{
  return m_runner.clock();
}

const config::Config& ChannelRun::config() const
{
  return m_runner.config();
}

const crypto::Fernet& ChannelRun::key() const
{
  return m_runner.key();
}

void ChannelRun::check_interrupted() const
{
  if (g_interrupted) {
    throw Error(ExitCode::interrupted, "interrupted");
  }
}

void ChannelRun::committed(std::int64_t items)
{
  m_saved_any = true;
  if (m_lease) {
    m_lease->renew();
  }
  store::Jobs(m_db).heartbeat(job_id(), format_utc(clock().now()));
  m_runner.count(m_row.name, items);
}

store::JobDetail ChannelRun::detail(std::string subject, std::string id, std::string action)
{
  store::JobDetail d;
  d.job_id = job_id();
  d.channel = m_row.name;
  d.subject_type = std::move(subject);
  d.external_id = std::move(id);
  d.action = std::move(action);
  d.created_at = format_utc(clock().now());
  return d;
}

void ChannelRun::fail(const std::string& message, int http_status, std::string_view request_id, bool auth)
{
  m_outcome.status = m_saved_any ? "partial" : "failed";
  m_outcome.error = log::redact(message);
  m_outcome.http_status = http_status;
  m_outcome.auth_error = auth;
  log::error("channel {}: {}", m_row.name, m_outcome.error);
  try {
    auto d = detail("channel", m_row.name, "failed");
    d.error = m_outcome.error;
    d.http_status = http_status;
    d.request_id = std::string(request_id);
    store::Jobs(m_db).add_detail(d);
  } catch (const std::exception& e) {
    log::error("channel {}: cannot record the failure: {}", m_row.name, e.what());
  }
}

std::vector<store::ChannelRow> select_channels(store::Database& db, const std::vector<std::string>& names)
{
  auto all = store::Channels(db).list();
  if (names.empty()) {
    std::erase_if(all, [](const auto& r) { return !r.enabled; });
    return all;
  }
  std::vector<store::ChannelRow> out;
  std::vector<std::string> known;
  for (const auto& r : all) known.push_back(r.name);
  for (const auto& name : names) {
    auto it = std::find_if(all.begin(), all.end(), [&](const auto& r) { return r.name == name; });
    if (it == all.end()) {
      throw UsageError(fmt::format("no channel named \"{}\"{}", name, util::did_you_mean(name, known)));
    }
    out.push_back(*it);
  }
  return out;
}

std::pair<std::string, ExitCode> aggregate(const std::vector<ChannelOutcome>& channels, bool interrupted)
{
  int failed = 0, partial = 0, skipped = 0, auth_failed = 0;
  for (const auto& c : channels) {
    if (c.status == "partial") ++partial;
    if (c.status == "skipped") ++skipped;
    if (c.status == "failed") {
      ++failed;
      if (c.auth_error) ++auth_failed;
    }
  }
  const int total = static_cast<int>(channels.size());
  if (interrupted) return {"interrupted", ExitCode::interrupted};
  if (skipped == total) return {"skipped", ExitCode::skipped};
  if (failed + skipped == total) return {"failed", auth_failed == failed ? ExitCode::config : ExitCode::failed};
  if (failed > 0 || partial > 0) return {"partial", ExitCode::partial};
  return {"completed", ExitCode::ok};
}

namespace {

std::string default_summary(const Summary& s)
{
  int failed = 0;
  std::int64_t done = 0;
  for (const auto& c : s.channels) {
    failed += c.status == "failed" ? 1 : 0;
    done += c.counts.succeeded;
  }
  return fmt::format("uoms {} #{} {}: {} channels, {} done, {} failed", s.kind, s.job_id, s.status,
                     s.channels.size(), done, failed);
}

// A channel at work holds about four descriptors (the database, its WAL and shared-memory
// files, a socket). The soft limit is raised to the hard one first (1,024 is a common soft
// default, far below what 512 channels need); what is still short caps the channels at
// once rather than failing channels mid-pass with "too many open files".
int descriptor_bound_concurrency()
{
  constexpr int k_per_channel = 4;
  constexpr rlim_t k_reserved = 64; // the pass's own database, logs, notifications
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return config::k_max_concurrency;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return config::k_max_concurrency;
  if (limit.rlim_cur <= k_reserved + k_per_channel) return 1;
  return static_cast<int>(std::min<rlim_t>((limit.rlim_cur - k_reserved) / k_per_channel, config::k_max_concurrency));
}

} // namespace

Summary run(const config::Config& config, const Spec& spec, Clock& clock)
{
  auto db = store::Database::open(config.database, false);
  auto selected = select_channels(db, spec.channels);
  if (selected.empty()) {
    throw ConfigError("no channels configured (add one with `uoms channels add`)");
  }
  auto key = channels::load_key(config);
  // Fail fast on a wrong key before any job is recorded: it changes nothing.
  for (const auto& row : selected) {
    channels::from_row(row, &key);
  }
  channels::verify_key(db, key);
  // Every channel's secrets, not only the selected ones', are known to the redactor: a
  // marketplace may echo another account's credentials in an error body.
  for (const auto& row : store::Channels(db).list()) {
    try {
      channels::from_row(row, &key);
    } catch (const Error&) {
      // a channel outside this pass whose secrets this key cannot read: its own passes say so
    }
  }

  jobs::reap_dead(db, spec.kind, clock, config.lock_lease * 3);
  jobs::Recorder recorder(db, clock, spec.kind, config.trigger, spec.arguments_json);
  Summary summary;
  summary.job_id = recorder.id();
  const log::Scope scope({}, summary.job_id);
  summary.kind = spec.kind;

  auto notify_client = notify::make_client(config.http, clock);
  auto notify_event = [&](const std::string& type, const std::string& line, nlohmann::json details) {
    notify::Event event{type, spec.kind, summary.job_id, line, std::move(details)};
    for (const auto& d : notify::send(config.notify, event, *notify_client)) {
      store::JobDetail detail;
      detail.subject_type = "notify";
      detail.external_id = d.target;
      detail.action = d.ok ? "sent" : "failed";
      detail.attempt = d.attempts;
      detail.error = d.error;
      detail.http_status = d.http_status;
      recorder.detail(detail);
      if (!d.ok) summary.notify_errors.push_back(d.error);
    }
  };
  notify_event("started",
               fmt::format("uoms {} #{} started: {} channels", spec.kind, summary.job_id, selected.size()), nullptr);

  Runner runner(config, spec, clock, key, recorder, static_cast<int>(selected.size()));
  summary.channels.resize(selected.size());
  std::atomic<std::size_t> next{0};
  int concurrency = spec.concurrency > 0 ? spec.concurrency : config.concurrency;
  concurrency = std::clamp(std::min(concurrency, descriptor_bound_concurrency()), 1,
                           static_cast<int>(selected.size()));
  auto worker = [&] {
    for (std::size_t i = next++; i < selected.size(); i = next++) {
      summary.channels[i] = runner.run_channel(selected[i], i);
      runner.channel_done();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < concurrency; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();

  jobs::Counts counts;
  std::string error;
  for (auto& c : summary.channels) {
    if (c.status == "skipped") ++c.counts.skipped;
    counts.total += c.counts.total;
    counts.succeeded += c.counts.succeeded;
    counts.failed += c.counts.failed;
    counts.skipped += c.counts.skipped;
    if (!c.error.empty() && c.status != "completed") {
      error += (error.empty() ? "" : "; ") + c.name + ": " + c.error;
    }
  }
  const bool interrupted = g_interrupted;
  std::tie(summary.status, summary.exit_code) = aggregate(summary.channels, interrupted);
  if (interrupted) error = "interrupted" + (error.empty() ? "" : "; " + error);
  recorder.finish(summary.status, counts, error.substr(0, 2000));

  const auto line = spec.summary_line ? spec.summary_line(summary) : default_summary(summary);
  nlohmann::json channels_json = nlohmann::json::array();
  for (std::size_t i = 0; i < summary.channels.size(); ++i) {
    const auto& c = summary.channels[i];
    nlohmann::json j = {{"channel", c.name}, {"status", c.status}};
    if (spec.channel_json) j.update(spec.channel_json(c, i));
    channels_json.push_back(std::move(j));
  }
  // Webhooks subscribe to completed/partial/failed/skipped; an interrupted pass is a failed one to them.
  notify_event(summary.status == "interrupted" ? "failed" : summary.status, line, {{"channels", channels_json}});
  if (!config.metrics_textfile.empty()) {
    metrics::write_textfile(config, db, clock.now());
  }
  return summary;
}

} // namespace uoms::pass
