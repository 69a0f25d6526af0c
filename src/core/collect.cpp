#include "uoms/collect.hpp"
#include "uoms/stock.hpp"

#include "uoms/carriers.hpp"
#include "uoms/channels.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace uoms::collect {

namespace {

std::string opt_time(const std::optional<TimePoint>& t)
{
  return t ? format_utc(*t) : std::string();
}

// Collects one channel: plans its windows, fetches every page of each, commits each
// page with its details, and moves the watermark only after a window has committed.
class ChannelCollect
{
public:
  ChannelCollect(pass::ChannelRun& run, const Options& options, ChannelReport& report,
                 const channels::HttpFactory& make_http)
    : m_run(run),
      m_options(options),
      m_report(report),
      m_make_http(make_http),
      m_state(run.db())
  {
  }

  void collect()
  {
    const auto& config = m_run.config();
    auto channel = channels::from_row(m_run.row(), &m_run.key());
    auto connected = channels::connect(channel, m_run.db(), m_run.key(), config, m_run.clock(), m_make_http);
    m_spec = channel.spec;
    auto& connector = *connected.connector;
    const auto& caps = connector.capabilities();
    m_partial_orders = caps.partial_orders;

    auto kd = config.kinds.find(m_run.row().kind);
    const config::KindDefaults* defaults = kd == config.kinds.end() ? nullptr : &kd->second;
    const Millis overlap = defaults && defaults->overlap ? *defaults->overlap : config.overlap;
    const Millis settle = defaults && defaults->settle_delay ? *defaults->settle_delay : config.settle_delay;
    const auto now = m_run.clock().now();
    const auto channel_id = m_run.row().id;
    auto stored = m_state.state(channel_id, k_watermark_key);
    std::optional<TimePoint> watermark = stored ? parse_time(*stored) : std::nullopt;
    m_report.watermark = opt_time(watermark);

    std::vector<connectors::Window> ranges;
    bool moves_watermark = true;
    if (m_options.refetch_gaps) {
      ranges = find_gaps(m_state.windows(channel_id), watermark);
      moves_watermark = false;
    } else {
      TimePoint to = m_options.until.value_or(now - settle);
      TimePoint from;
      if (m_options.since) {
        from = *m_options.since;
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
        m_run.check_interrupted();
        if (!fetch_window(connector, window)) {
          return;
        }
        if (moves_watermark && !m_options.dry_run && (!watermark || window.to > *watermark)) {
          watermark = window.to;
          m_state.set_state(channel_id, k_watermark_key, format_utc(window.to), format_utc(m_run.clock().now()));
          m_report.watermark = format_utc(window.to);
        }
      }
    }
    if (m_report.failed > 0 && m_run.outcome().status == "completed") {
      m_run.outcome().status = "partial";
    }
  }

private:
  std::string now_text() { return format_utc(m_run.clock().now()); }

  // Fetches every page of one window; each page is one transaction with its details.
  bool fetch_window(connectors::Connector& connector, const connectors::Window& window)
  {
    ++m_report.windows;
    const bool dry = m_options.dry_run;
    const auto channel_id = m_run.row().id;
    std::int64_t window_id = 0;
    if (!dry) {
      window_id = m_state.start_window(channel_id, m_run.job_id(), format_utc(window.from), format_utc(window.to),
                                       now_text());
    }
    auto finish = [&](std::string_view status, int pages, std::int64_t records, std::string_view error) {
      if (!dry) m_state.finish_window(window_id, status, pages, records, error, now_text());
    };
    std::string cursor;
    int pages = 0;
    std::int64_t records = 0;
    for (;;) {
      if (g_interrupted) {
        finish("failed", pages, records, "interrupted");
        m_run.check_interrupted();
      }
      auto page = connector.fetch_orders(window, cursor);
      if (!page) {
        const auto& e = page.error();
        finish("failed", pages, records, log::redact(e.message));
        m_run.fail(e.message, e.http_status, e.request_id,
                   e.kind == connectors::ErrorKind::auth || e.kind == connectors::ErrorKind::config);
        return false;
      }
      m_report.requests += page->requests;
      save_page(*page);
      ++pages;
      ++m_report.pages;
      records += static_cast<std::int64_t>(page->orders.size() + page->failures.size());
      if (dry) {
        m_run.check_interrupted();
      } else {
        m_run.committed(static_cast<std::int64_t>(page->orders.size()));
      }
      if (page->next_cursor.empty()) {
        break;
      }
      if (page->next_cursor == cursor) {
        m_run.fail(fmt::format("connector returned the same cursor twice ({}); stopping this window", cursor), 0,
                   page->request_id);
        finish("failed", pages, records, "cursor loop");
        return false;
      }
      cursor = page->next_cursor;
    }
    finish("complete", pages, records, {});
    return true;
  }

  void save_page(const connectors::Page& page)
  {
    const bool dry = m_options.dry_run;
    const auto now = now_text();
    auto detail = [&](std::string subject, std::string id, std::string action) {
      store::JobDetail d;
      d.job_id = m_run.job_id();
      d.channel = m_run.row().name;
      d.subject_type = std::move(subject);
      d.external_id = std::move(id);
      d.action = std::move(action);
      d.request_id = page.request_id;
      d.created_at = now;
      return d;
    };
    store::Orders orders(m_run.db());
    store::Jobs jobs(m_run.db());
    const store::UpsertOptions upsert{m_run.job_id(), now, m_partial_orders, dry};
    std::optional<store::Database::Transaction> tx;
    if (!dry) tx.emplace(m_run.db());
    // One detail row reused for every order of the page: only its id and action change, so
    // its strings keep their buffers instead of being made again per order.
    auto order_detail = detail("order", {}, {});
    for (const auto& order : page.orders) {
      const auto result = orders.upsert(m_run.row().id, order, upsert);
      const auto action = dry ? dry_action(order, result) : result.action;
      switch (action) {
      case store::UpsertAction::created: ++m_report.created; break;
      case store::UpsertAction::updated: ++m_report.updated; break;
      case store::UpsertAction::unchanged: ++m_report.unchanged; break;
      }
      // An unchanged order is only counted: a pass every 5 minutes re-reads thousands of them.
      if (!dry && (action != store::UpsertAction::unchanged || m_options.unchanged_details)) {
        order_detail.external_id = order.external_id;
        order_detail.action = store::to_string(action);
        jobs.add_detail(order_detail);
      }
      if (!dry && result.action != store::UpsertAction::unchanged) {
        record_tracking(order, result.order_row_id, now);
        apply_stock(result, jobs, detail);
      }
    }
    for (const auto& failure : page.failures) {
      ++m_report.failed;
      if (dry) continue;
      auto d = detail("order", failure.external_id, "failed");
      d.error = failure.reason;
      d.payload = failure.raw;
      jobs.add_detail(d);
    }
    for (const auto& note : page.notes) {
      ++m_report.notes;
      if (dry) continue;
      auto d = detail("order", note.external_id, "note");
      d.error = note.message;
      jobs.add_detail(d);
    }
    if (!page.processed_key.empty() && !dry) {
      m_state.mark_processed(m_run.row().id, page.processed_key, m_run.job_id(), now);
      jobs.add_detail(detail("file", page.processed_key, "processed"));
    }
    for (const auto& alias : page.processed_aliases) {
      if (!dry) m_state.mark_processed(m_run.row().id, alias, m_run.job_id(), now);
    }
    if (tx) tx->commit();
    auto& counts = m_run.outcome().counts;
    counts.succeeded = m_report.created + m_report.updated + m_report.unchanged;
    counts.failed = m_report.failed;
    counts.total = counts.succeeded + counts.failed;
  }

  // The stock ledger moves in the same transaction as the order: each changed item
  // reserves, releases, ships or returns once. An item that takes its product below zero
  // is flagged, never silently accepted.
  template <typename MakeDetail>
  void apply_stock(const store::UpsertResult& result, store::Jobs& jobs, MakeDetail& detail)
  {
    for (const auto& o : stock::apply_order(m_run.db(), m_run.row().id, result, m_run.job_id(), now_text())) {
      ++m_report.oversold;
      auto d = detail("item", o.order_id + "/" + o.item_id, "oversold");
      d.error = fmt::format("{}: on hand {}, reserved {} ({} short)", o.sku, o.on_hand, o.reserved, o.reserved - o.on_hand);
      jobs.add_detail(d);
    }
  }

  // Tracking numbers the marketplace already holds are recorded as uploaded, so uoms never
  // sends them (and a different number waiting to be sent needs attention).
  void record_tracking(const Order& order, std::int64_t order_row_id, const std::string& now)
  {
    store::Shipments shipments(m_run.db());
    for (const auto& item : order.items) {
      if (item.tracking_number.empty()) continue;
      const auto carrier = carriers::from_kind_code(*m_spec, item.tracking_carrier).value_or(item.tracking_carrier);
      shipments.record_marketplace({order_row_id, item.shipment_key}, carrier, item.tracking_number, m_run.job_id(), now);
    }
  }

  // A dry run saves nothing, so the database cannot tell it that an order already came in
  // an earlier window of this pass; it remembers what it would have saved instead.
  store::UpsertAction dry_action(const Order& order, const store::UpsertResult& stored)
  {
    auto [seen, first] = m_dry_seen.try_emplace(order.external_id);
    bool same = !first && seen->second.header == stored.header_hash;
    for (const auto& item : stored.items) {
      auto& known = seen->second.items[item.external_id];
      // An item this pass has not seen yet compares with the database's copy.
      same = same && (known.empty() ? item.action == store::UpsertAction::unchanged : known == item.hash);
      known = item.hash;
    }
    seen->second.header = stored.header_hash;
    if (first) return stored.action;
    return same ? store::UpsertAction::unchanged : store::UpsertAction::updated;
  }

  struct DrySeen
  {
    std::string header;
    std::map<std::string, std::string, std::less<>> items; // item id -> content hash
  };

  pass::ChannelRun& m_run;
  const Options& m_options;
  ChannelReport& m_report;
  const channels::HttpFactory& m_make_http;
  store::CollectState m_state;
  bool m_partial_orders = false;
  const connectors::KindSpec* m_spec = nullptr;
  std::map<std::string, DrySeen, std::less<>> m_dry_seen;
};

std::string summarize(const Report& r)
{
  std::int64_t created = 0, updated = 0, failed = 0, oversold = 0;
  for (const auto& c : r.channels) {
    created += c.created;
    updated += c.updated;
    failed += c.failed + (c.status == "failed" ? 1 : 0);
    oversold += c.oversold;
  }
  return fmt::format("uoms collect #{} {}: {} channels, {} new, {} updated, {} failed{}", r.job_id, r.status,
                     r.channels.size(), created, updated, failed,
                     oversold > 0 ? fmt::format(", {} OVERSOLD", oversold) : std::string());
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

Report run(const config::Config& config, const Options& options, Clock& clock,
           const std::function<void(const Progress&)>& on_progress)
{
  return run(config, options, clock, channels::curl_factory(clock), on_progress);
}

Report run(const config::Config& config, const Options& options, Clock& clock, const channels::HttpFactory& make_http,
           const std::function<void(const Progress&)>& on_progress)
{
  const auto spec = pass::spec_for("collect", options, on_progress);
  auto report = pass::run_reported<ChannelReport>(
    config, spec, clock,
    [&](pass::ChannelRun& run, ChannelReport& slot) { ChannelCollect(run, options, slot, make_http).collect(); },
    summarize,
    [](const ChannelReport& c) {
      return nlohmann::json{{"created", c.created}, {"updated", c.updated}, {"failed", c.failed}, {"oversold", c.oversold}};
    });
  report.dry_run = options.dry_run;
  return report;
}

} // namespace uoms::collect
