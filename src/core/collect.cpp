#include "uoms/collect.hpp"

#include "uoms/channels.hpp"
#include "uoms/crypto.hpp"
#include "uoms/log.hpp"
#include "uoms/notify.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include <unistd.h>

namespace uoms::collect {

std::atomic<bool> g_interrupted{false};

namespace {

std::string opt_time(const std::optional<TimePoint>& t)
{
  return t ? format_utc(*t) : std::string();
}

// Lets the connector be built before its client: the client's rate limit comes from
// the connector's capabilities when the channel sets none.
class DeferredClient : public net::HttpClient
{
public:
  std::unique_ptr<net::HttpClient> inner;
  net::HttpResult send(const net::Request& request) override { return inner->send(request); }
};

struct Shared
{
  Shared(const config::Config& c, const Options& o, Clock& cl, const crypto::Fernet& k, std::int64_t job,
         std::function<void(const Progress&)> progress_callback)
    : config(c),
      options(o),
      clock(cl),
      key(k),
      job_id(job),
      on_progress(std::move(progress_callback))
  {
  }

  const config::Config& config;
  const Options& options;
  Clock& clock;
  const crypto::Fernet& key;
  std::int64_t job_id;
  std::mutex mutex;
  Progress progress;
  std::function<void(const Progress&)> on_progress;
};

std::optional<double> parse_number(std::string_view text)
{
  try {
    std::size_t used = 0;
    double v = std::stod(std::string(text), &used);
    if (used == text.size() && v >= 0) return v;
  } catch (...) {
  }
  return std::nullopt;
}

class ChannelPass
{
public:
  ChannelPass(Shared& shared, const store::ChannelRow& row) : m_shared(shared), m_row(row)
  {
    m_report.name = row.name;
    m_report.kind = row.kind;
  }

  ChannelReport run()
  {
    try {
      m_db.emplace(store::Database::open(m_shared.config.database, false));
      if (!lock()) {
        return m_report;
      }
      try {
        collect();
      } catch (...) {
        unlock();
        throw;
      }
      unlock();
    } catch (const Error& e) {
      fail(e.what(), 0, e.code() == ExitCode::config);
    } catch (const std::exception& e) {
      fail(e.what(), 0, false);
    }
    return m_report;
  }

private:
  std::string lock_name() const { return "collect:" + m_row.name; }

  bool lock()
  {
    const auto now = m_shared.clock.now();
    const auto host = jobs::hostname();
    store::Database::LockRequest request{lock_name(), m_shared.job_id, ::getpid(), host, format_utc(now),
                                         format_utc(now + m_shared.config.lock_lease)};
    auto holder = m_db->try_lock(request, [&](const store::LockHolder& h) {
      return h.host == host && jobs::process_is_dead(h.pid);
    });
    if (holder) {
      m_report.status = "skipped";
      m_report.error = fmt::format("locked by job {} (pid {} on {}) until {}", holder->job_id, holder->pid,
                                   holder->host, holder->expires_at);
      return false;
    }
    return true;
  }

  void renew()
  {
    const auto now = m_shared.clock.now();
    m_db->renew_lock(lock_name(), ::getpid(), format_utc(now), format_utc(now + m_shared.config.lock_lease));
    m_db->heartbeat_job(m_shared.job_id, format_utc(now));
  }

  void unlock()
  {
    try {
      m_db->unlock(lock_name(), ::getpid());
    } catch (const std::exception& e) {
      log::warn("channel {}: {}", m_row.name, e.what());
    }
  }

  void fail(std::string message, int http_status, bool auth)
  {
    m_report.status = m_saved_pages > 0 ? "partial" : "failed";
    m_report.error = log::redact(message);
    m_report.http_status = http_status;
    m_report.auth_error = auth;
    log::error("channel {}: {}", m_row.name, m_report.error);
    if (m_db) {
      try {
        store::JobDetail d;
        d.job_id = m_shared.job_id;
        d.channel = m_row.name;
        d.subject_type = "channel";
        d.external_id = m_row.name;
        d.action = "failed";
        d.error = m_report.error;
        d.http_status = http_status;
        d.request_id = m_last_request_id;
        d.created_at = format_utc(m_shared.clock.now());
        m_db->add_detail(d);
      } catch (const std::exception& e) {
        log::error("channel {}: cannot record the failure: {}", m_row.name, e.what());
      }
    }
  }

  void collect()
  {
    auto channel = channels::from_row(m_row, &m_shared.key);
    channels::check_required(channel);
    const auto& config = m_shared.config;

    DeferredClient http;
    auto tokens = channels::token_store(*m_db, m_shared.key, m_row.id, m_shared.clock);
    connectors::ChannelContext ctx;
    ctx.name = m_row.name;
    ctx.settings = channel.settings;
    ctx.secrets = channel.secrets;
    ctx.http = &http;
    ctx.clock = &m_shared.clock;
    ctx.tokens = tokens.get();
    ctx.token_margin = config.token_margin;
    ctx.already_processed = [this](std::string_view key) { return m_db->processed(m_row.id, key); };
    auto connector = channel.spec->make(ctx);
    const auto& caps = connector->capabilities();
    m_partial_orders = caps.partial_orders;

    auto kind_defaults = config.kinds.find(m_row.kind);
    const config::KindDefaults* kd = kind_defaults == config.kinds.end() ? nullptr : &kind_defaults->second;
    net::HttpOptions options = config.http;
    options.rate_limit = channel.spec->default_rate_limit;
    options.is_throttled = channel.spec->is_throttled;
    if (kd && kd->rate_limit) options.rate_limit = *kd->rate_limit;
    if (auto it = channel.settings.find("rate_limit"); it != channel.settings.end() && !it->second.empty()) {
      auto v = parse_number(it->second);
      if (!v) {
        throw ConfigError(fmt::format("channel {}: rate_limit \"{}\" is not a number", m_row.name, it->second));
      }
      options.rate_limit = *v;
    }
    http.inner = net::make_curl_client(options, m_shared.clock);

    const Millis overlap = kd && kd->overlap ? *kd->overlap : config.overlap;
    const Millis settle = kd && kd->settle_delay ? *kd->settle_delay : config.settle_delay;
    const auto now = m_shared.clock.now();
    auto stored = m_db->state(m_row.id, k_watermark_key);
    std::optional<TimePoint> watermark = stored ? parse_time(*stored) : std::nullopt;
    m_report.watermark = opt_time(watermark);

    std::vector<connectors::Window> ranges;
    bool moves_watermark = true;
    if (m_shared.options.refetch_gaps) {
      ranges = find_gaps(m_db->windows(m_row.id), watermark);
      moves_watermark = false;
    } else {
      TimePoint to = m_shared.options.until.value_or(now - settle);
      TimePoint from;
      if (m_shared.options.since) {
        from = *m_shared.options.since;
        // A backfill moves the watermark only when it joins the collected history.
        moves_watermark = !watermark || from <= *watermark;
      } else {
        from = watermark ? *watermark - overlap : now - config.initial_lookback;
        if (caps.rescan_window.count() > 0) {
          from = std::min(from, to - caps.rescan_window);
        }
      }
      if (from < to) {
        ranges.push_back({from, to});
      }
    }

    for (const auto& range : ranges) {
      for (const auto& window : plan_windows(range.from, range.to, caps.max_window, caps.time_step, caps.utc_offset)) {
        if (g_interrupted) {
          throw Error(ExitCode::interrupted, "interrupted");
        }
        if (!fetch_window(*connector, window)) {
          return;
        }
        if (moves_watermark && !m_shared.options.dry_run && (!watermark || window.to > *watermark)) {
          watermark = window.to;
          m_db->set_state(m_row.id, k_watermark_key, format_utc(window.to), format_utc(m_shared.clock.now()));
          m_report.watermark = format_utc(window.to);
        }
      }
    }
    if (m_report.failed > 0 && m_report.status == "completed") {
      m_report.status = "partial";
    }
  }

  // Fetches every page of one window; each page is one transaction with its details.
  bool fetch_window(connectors::Connector& connector, const connectors::Window& window)
  {
    ++m_report.windows;
    const bool dry = m_shared.options.dry_run;
    std::int64_t window_id = 0;
    if (!dry) {
      window_id = m_db->start_window(m_row.id, m_shared.job_id, format_utc(window.from), format_utc(window.to),
                                     format_utc(m_shared.clock.now()));
    }
    std::string cursor;
    int pages = 0;
    std::int64_t records = 0;
    for (;;) {
      if (g_interrupted) {
        if (!dry) m_db->finish_window(window_id, "failed", pages, records, "interrupted", format_utc(m_shared.clock.now()));
        throw Error(ExitCode::interrupted, "interrupted");
      }
      auto page = connector.fetch_orders(window, cursor);
      if (!page) {
        const auto& e = page.error();
        m_last_request_id = e.request_id;
        if (!dry) {
          m_db->finish_window(window_id, "failed", pages, records, log::redact(e.message),
                              format_utc(m_shared.clock.now()));
        }
        fail(e.message, e.http_status,
             e.kind == connectors::ErrorKind::auth || e.kind == connectors::ErrorKind::config);
        return false;
      }
      m_report.requests += page->requests;
      m_last_request_id = page->request_id;
      save_page(*page);
      ++pages;
      ++m_report.pages;
      records += static_cast<std::int64_t>(page->orders.size() + page->failures.size());
      if (!dry) renew();
      report_progress(page->orders.size());
      if (page->next_cursor.empty()) {
        break;
      }
      if (page->next_cursor == cursor) {
        fail(fmt::format("connector returned the same cursor twice ({}); stopping this window", cursor), 0, false);
        if (!dry) m_db->finish_window(window_id, "failed", pages, records, "cursor loop", format_utc(m_shared.clock.now()));
        return false;
      }
      cursor = page->next_cursor;
    }
    if (!dry) {
      m_db->finish_window(window_id, "complete", pages, records, {}, format_utc(m_shared.clock.now()));
    }
    return true;
  }

  void save_page(const connectors::Page& page)
  {
    const bool dry = m_shared.options.dry_run;
    const auto now = format_utc(m_shared.clock.now());
    auto detail = [&](std::string subject, std::string id, std::string action) {
      store::JobDetail d;
      d.job_id = m_shared.job_id;
      d.channel = m_row.name;
      d.subject_type = std::move(subject);
      d.external_id = std::move(id);
      d.action = std::move(action);
      d.request_id = page.request_id;
      d.created_at = now;
      return d;
    };
    std::optional<store::Database::Transaction> tx;
    if (!dry) tx.emplace(*m_db);
    for (const auto& order : page.orders) {
      std::vector<std::string> item_hashes;
      for (const auto& item : order.items) item_hashes.push_back(item_hash(item));
      const std::string header = header_hash(order, m_partial_orders);
      auto action = m_db->upsert_order(m_row.id, order, header, item_hashes, m_shared.job_id, now, dry, m_partial_orders);
      if (dry) action = dry_action(order, header, item_hashes, action);
      switch (action) {
      case store::UpsertAction::created: ++m_report.created; break;
      case store::UpsertAction::updated: ++m_report.updated; break;
      case store::UpsertAction::unchanged: ++m_report.unchanged; break;
      }
      if (!dry) m_db->add_detail(detail("order", order.external_id, std::string(store::to_string(action))));
    }
    for (const auto& failure : page.failures) {
      ++m_report.failed;
      if (dry) continue;
      auto d = detail("order", failure.external_id, "failed");
      d.error = failure.reason;
      d.payload = failure.raw;
      m_db->add_detail(d);
    }
    for (const auto& note : page.notes) {
      ++m_report.notes;
      if (dry) continue;
      auto d = detail("order", note.external_id, "note");
      d.error = note.message;
      m_db->add_detail(d);
    }
    if (!page.processed_key.empty() && !dry) {
      m_db->mark_processed(m_row.id, page.processed_key, m_shared.job_id, now);
      m_db->add_detail(detail("file", page.processed_key, "processed"));
    }
    if (tx) tx->commit();
    ++m_saved_pages;
  }

  void report_progress(std::size_t orders)
  {
    std::lock_guard lock(m_shared.mutex);
    m_shared.progress.orders += static_cast<std::int64_t>(orders);
    m_shared.progress.channel = m_row.name;
    if (m_shared.on_progress) m_shared.on_progress(m_shared.progress);
  }

  Shared& m_shared;
  store::ChannelRow m_row;
  std::optional<store::Database> m_db;
  ChannelReport m_report;
  int m_saved_pages = 0;
  bool m_partial_orders = false;
  std::string m_last_request_id;

  // A dry run saves nothing, so the database cannot tell it that an order already came in
  // an earlier window of this pass; it remembers what it would have saved instead.
  struct DrySeen
  {
    std::string header;
    std::map<std::string, std::string, std::less<>> items; // item id -> content hash
  };
  std::map<std::string, DrySeen, std::less<>> m_dry_seen;

  store::UpsertAction dry_action(const Order& order, const std::string& header,
                                 const std::vector<std::string>& item_hashes, store::UpsertAction stored)
  {
    auto [seen, first] = m_dry_seen.try_emplace(order.external_id);
    bool same = !first && seen->second.header == header;
    for (std::size_t k = 0; k < order.items.size(); ++k) {
      auto& known = seen->second.items[order.items[k].external_id];
      // An item this pass has not seen yet compares with the database's copy.
      same = same && (known.empty() ? stored == store::UpsertAction::unchanged : known == item_hashes[k]);
      known = item_hashes[k];
    }
    seen->second.header = header;
    if (first) return stored;
    return same ? store::UpsertAction::unchanged : store::UpsertAction::updated;
  }
};

std::vector<store::ChannelRow> select_channels(store::Database& db, const Options& options)
{
  auto all = db.channels();
  if (options.channels.empty()) {
    std::erase_if(all, [](const auto& r) { return !r.enabled; });
    return all;
  }
  std::vector<store::ChannelRow> out;
  std::vector<std::string> names;
  for (const auto& r : all) names.push_back(r.name);
  for (const auto& name : options.channels) {
    auto it = std::find_if(all.begin(), all.end(), [&](const auto& r) { return r.name == name; });
    if (it == all.end()) {
      throw UsageError(fmt::format("no channel named \"{}\"{}", name, channels::did_you_mean(name, names)));
    }
    out.push_back(*it);
  }
  return out;
}

std::string summarize(const Report& r)
{
  std::int64_t created = 0, updated = 0, failed = 0;
  for (const auto& c : r.channels) {
    created += c.created;
    updated += c.updated;
    failed += c.failed + (c.status == "failed" ? 1 : 0);
  }
  return fmt::format("uoms collect #{} {}: {} channels, {} new, {} updated, {} failed", r.job_id, r.status,
                     r.channels.size(), created, updated, failed);
}

} // namespace

std::vector<connectors::Window> plan_windows(TimePoint from, TimePoint to, Millis max_window, Millis time_step,
                                             std::chrono::minutes utc_offset)
{
  std::vector<connectors::Window> windows;
  if (max_window.count() <= 0) {
    max_window = std::chrono::hours(24);
  }
  if (from >= to) {
    return windows;
  }
  if (time_step.count() > 1 && max_window >= time_step) {
    max_window -= max_window % time_step;
  }
  from = connectors::floor_step(from, time_step, utc_offset);
  while (from < to) {
    TimePoint end = std::min(to, from + max_window);
    windows.push_back({from, end});
    from = end;
  }
  return windows;
}

std::vector<connectors::Window> find_gaps(const std::vector<store::WindowRow>& rows, std::optional<TimePoint> watermark)
{
  std::vector<connectors::Window> covered;
  for (const auto& w : rows) {
    if (w.status != "complete") continue;
    auto f = parse_time(w.from_at), t = parse_time(w.to_at);
    if (f && t) covered.push_back({*f, *t});
  }
  std::vector<connectors::Window> gaps;
  if (covered.empty() || !watermark) {
    return gaps;
  }
  std::sort(covered.begin(), covered.end(), [](const auto& a, const auto& b) { return a.from < b.from; });
  TimePoint reach = covered.front().to;
  for (const auto& w : covered) {
    if (w.from > reach) {
      gaps.push_back({reach, std::min(w.from, *watermark)});
    }
    reach = std::max(reach, w.to);
  }
  if (reach < *watermark) {
    gaps.push_back({reach, *watermark});
  }
  std::erase_if(gaps, [](const auto& g) { return g.to <= g.from; });
  return gaps;
}

std::string header_hash(const Order& o, bool partial)
{
  auto party = [](const Party& p) {
    return nlohmann::json::array({p.name, p.phone, p.email, p.zip, p.address1, p.address2});
  };
  // A partial page's status and totals describe only its items; they are derived in
  // the store and must not make an unchanged order look updated.
  nlohmann::json j = {o.external_id,
                      partial ? std::string() : o.raw_status,
                      opt_time(o.ordered_at),
                      opt_time(o.paid_at),
                      partial ? std::string() : opt_time(o.changed_at),
                      o.currency,
                      partial ? 0 : o.total_minor,
                      partial ? 0 : o.shipping_fee_minor,
                      party(o.buyer),
                      party(o.receiver)};
  return crypto::sha256_hex(j.dump());
}

std::string item_hash(const OrderItem& i)
{
  nlohmann::json j = {i.external_id, i.shipment_key,     i.sku,          i.product_id,          i.option_id,
                      i.name,        i.option_name,      i.quantity,     i.unit_price_minor,    i.total_price_minor,
                      i.raw_status,  std::string(to_string(i.status))};
  return crypto::sha256_hex(j.dump());
}

Report run(const config::Config& config, const Options& options, Clock& clock,
           const std::function<void(const Progress&)>& on_progress)
{
  auto db = store::Database::open(config.database, false);
  auto selected = select_channels(db, options);
  if (selected.empty()) {
    throw ConfigError("no channels configured (add one with `uoms channels add`)");
  }
  auto key = channels::load_key(config);
  // Fail fast on a wrong key before any job is recorded: it changes nothing.
  for (const auto& row : selected) {
    channels::from_row(row, &key);
  }

  jobs::reap_dead(db, "collect", clock, config.lock_lease * 3);
  jobs::Recorder recorder(db, clock, "collect", config.trigger, options.arguments_json);
  Report report;
  report.job_id = recorder.id();
  report.dry_run = options.dry_run;

  auto notify_client = notify::make_client(config.http, clock);
  auto notify_event = [&](const std::string& type, const std::string& summary, nlohmann::json details) {
    notify::Event event{type, "collect", report.job_id, summary, std::move(details)};
    for (const auto& d : notify::send(config.notify, event, *notify_client)) {
      store::JobDetail detail;
      detail.subject_type = "notify";
      detail.external_id = d.target;
      detail.action = d.ok ? "sent" : "failed";
      detail.attempt = d.attempts;
      detail.error = d.error;
      detail.http_status = d.http_status;
      recorder.detail(detail);
      if (!d.ok) report.notify_errors.push_back(d.error);
    }
  };
  notify_event("started", fmt::format("uoms collect #{} started: {} channels", report.job_id, selected.size()),
               nullptr);

  Shared shared(config, options, clock, key, report.job_id, on_progress);
  shared.progress.channels_total = static_cast<int>(selected.size());
  report.channels.resize(selected.size());
  std::atomic<std::size_t> next{0};
  int concurrency = options.concurrency > 0 ? options.concurrency : config.concurrency;
  concurrency = std::clamp(concurrency, 1, static_cast<int>(selected.size()));
  auto worker = [&] {
    for (std::size_t i = next++; i < selected.size(); i = next++) {
      report.channels[i] = ChannelPass(shared, selected[i]).run();
      std::lock_guard lock(shared.mutex);
      ++shared.progress.channels_done;
      if (on_progress) on_progress(shared.progress);
      try {
        recorder.progress(shared.progress.channels_done * 100 / shared.progress.channels_total, {});
      } catch (const std::exception& e) {
        log::warn("cannot record progress: {}", e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < concurrency; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();

  jobs::Counts counts;
  int completed = 0, partial = 0, failed = 0, skipped = 0, auth_failed = 0;
  for (const auto& c : report.channels) {
    counts.total += c.created + c.updated + c.unchanged + c.failed;
    counts.succeeded += c.created + c.updated + c.unchanged;
    counts.failed += c.failed;
    if (c.status == "completed") ++completed;
    if (c.status == "partial") ++partial;
    if (c.status == "failed") {
      ++failed;
      if (c.auth_error) ++auth_failed;
    }
    if (c.status == "skipped") {
      ++skipped;
      ++counts.skipped;
    }
  }
  const int total = static_cast<int>(report.channels.size());
  if (g_interrupted) {
    report.status = "failed";
    report.exit_code = ExitCode::interrupted;
  } else if (skipped == total) {
    report.status = "skipped";
    report.exit_code = ExitCode::skipped;
  } else if (failed + skipped == total) {
    report.status = "failed";
    report.exit_code = auth_failed == failed ? ExitCode::config : ExitCode::failed;
  } else if (failed > 0 || partial > 0) {
    report.status = "partial";
    report.exit_code = ExitCode::partial;
  } else {
    report.status = "completed";
    report.exit_code = ExitCode::ok;
  }
  std::string error;
  for (const auto& c : report.channels) {
    if (!c.error.empty() && c.status != "completed") {
      error += (error.empty() ? "" : "; ") + c.name + ": " + c.error;
    }
  }
  if (g_interrupted) error = "interrupted" + (error.empty() ? "" : "; " + error);
  recorder.finish(report.status, counts, error.substr(0, 2000));

  nlohmann::json channels_json = nlohmann::json::array();
  for (const auto& c : report.channels) {
    channels_json.push_back({{"channel", c.name}, {"status", c.status}, {"created", c.created},
                             {"updated", c.updated}, {"failed", c.failed}});
  }
  notify_event(report.status, summarize(report), {{"channels", channels_json}});
  return report;
}

} // namespace uoms::collect
