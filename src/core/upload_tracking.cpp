#include "uoms/upload_tracking.hpp"

#include "src/core/channel_upload.hpp"
#include "uoms/carriers.hpp"
#include "uoms/channels.hpp"
#include "uoms/log.hpp"
#include "uoms/stock.hpp"
#include "uoms/writeback.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace uoms::upload {

using connectors::WriteStatus;

bool blocks_upload(OrderStatus status)
{
  switch (status) {
  case OrderStatus::cancel_requested:
  case OrderStatus::cancelled:
  case OrderStatus::return_requested:
  case OrderStatus::returned:
  case OrderStatus::exchange_requested:
  case OrderStatus::exchanged: return true;
  default: return false;
  }
}

namespace {

constexpr int k_max_backoff_seconds = 3600;

} // namespace

void ChannelUpload::upload()
{
  auto channel = channels::from_row(m_run.row(), &m_run.key());
  auto connected = channels::connect(channel, m_run.db(), m_run.key(), m_run.config(), m_run.clock(), m_make_http);
  m_connector = connected.connector.get();
  m_spec = channel.spec;
  m_batch = m_connector->capabilities().tracking_batch;
  if (!m_options.dry_run) settle_leftovers();

  store::ShipmentFilter filter{m_run.row().name, {"pending"}, now_text(), m_options.limit};
  auto pending = m_shipments.list(filter);
  if (m_batch <= 0) {
    if (!pending.empty()) {
      note(fmt::format("{} tracking numbers wait for `uoms tracking export --channel {}`: kind {} has no upload call",
                       pending.size(), m_run.row().name, m_run.row().kind));
    }
    return;
  }
  std::vector<store::ShipmentRow> eligible;
  for (auto& s : pending) {
    if (auto reason = refusal(s)) {
      decide(s, *reason == k_carrier ? "failed" : "skipped", reason_text(s, *reason));
    } else {
      eligible.push_back(std::move(s));
    }
  }
  in_batches(eligible, [&](auto batch) { send_batch(std::move(batch)); });
  correct_queued();
  retry_within_pass();
  finish();
}

std::optional<ChannelUpload::Refusal> ChannelUpload::refusal(const store::ShipmentRow& s) const
{
  if (blocking_stored(s)) return k_status;
  if (!m_spec->carriers_from_marketplace && !carriers::code_for(*m_spec, s.carrier)) return k_carrier;
  return std::nullopt;
}

std::optional<std::string> ChannelUpload::blocking_stored(const store::ShipmentRow& s)
{
  for (const auto& status : s.item_statuses) {
    if (blocks_upload(parse_order_status(status).value_or(OrderStatus::unknown))) return status;
  }
  if (s.item_statuses.empty() && blocks_upload(parse_order_status(s.order_status).value_or(OrderStatus::unknown))) {
    return s.order_status;
  }
  return std::nullopt;
}

std::string ChannelUpload::reason_text(const store::ShipmentRow& s, Refusal r) const
{
  if (r == k_status) {
    return fmt::format("order {} is {}: no tracking number is sent", s.order_id, blocking_stored(s).value_or(s.order_status));
  }
  return fmt::format("carrier {} is not accepted by {} (see `uoms carriers list --kind {}`)", s.carrier,
                     m_run.row().kind, m_run.row().kind);
}

connectors::TrackingUpload ChannelUpload::request(const store::ShipmentRow& s) const
{
  return {s.order_id, s.shipment_key, s.item_ids, s.carrier, s.tracking_number};
}

std::vector<connectors::TrackingUpload> ChannelUpload::requests(const std::vector<store::ShipmentRow>& rows) const
{
  std::vector<connectors::TrackingUpload> out;
  for (const auto& s : rows) out.push_back(request(s));
  return out;
}

void ChannelUpload::settle_leftovers()
{
  settle_corrections();
  auto sending = m_shipments.list({m_run.row().name, {"sending"}});
  if (sending.empty() || m_batch <= 0) return;
  const auto uploads = requests(sending);
  const auto answers = writeback::settle_tracking(*m_connector, uploads);
  store::Database::Transaction tx(m_run.db());
  for (std::size_t i = 0; i < sending.size(); ++i) {
    const auto& a = answers[i];
    if (!a.outcome) {
      ++m_report.unknown;
      detail(sending[i], "unknown", "still unknown after reading back: " + a.error->message);
      continue;
    }
    ++m_report.settled;
    switch (a.outcome->status) {
    case WriteStatus::already_there:
    case WriteStatus::done: record(sending[i], "uploaded", "settled by reading back: the marketplace holds it"); break;
    case WriteStatus::retry_later: record(sending[i], "pending", "settled by reading back: not sent yet"); break;
    case WriteStatus::rejected: record(sending[i], "attention", a.outcome->reason); break;
    }
  }
  tx.commit();
}

void ChannelUpload::send_batch(std::vector<store::ShipmentRow> batch)
{
  recheck(batch);
  if (batch.empty()) return;
  if (m_options.dry_run) {
    plan(batch, writeback::plan_upload(*m_connector, requests(batch)), false);
    return;
  }
  {
    store::Database::Transaction tx(m_run.db());
    for (const auto& s : batch) m_shipments.mark(s.id, "sending", {}, m_run.job_id(), now_text());
    tx.commit();
  }
  const auto uploads = requests(batch);
  auto answers = writeback::upload_tracking(*m_connector, uploads);
  // A call whose answer was lost: read back at once rather than leave it to the next pass.
  std::vector<std::size_t> lost;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i].outcome) lost.push_back(i);
  }
  if (!lost.empty()) {
    std::vector<connectors::TrackingUpload> again;
    for (auto i : lost) again.push_back(uploads[i]);
    const auto settled = writeback::settle_tracking(*m_connector, again);
    for (std::size_t k = 0; k < lost.size(); ++k) {
      if (settled[k].outcome && settled[k].outcome->status != WriteStatus::rejected) {
        auto outcome = *settled[k].outcome;
        if (outcome.status == WriteStatus::retry_later) {
          outcome.reason = answers[lost[k]].error->message; // why it did not arrive
        }
        answers[lost[k]] = {outcome, std::nullopt};
      } else if (settled[k].outcome) {
        answers[lost[k]] = settled[k];
      }
    }
  }
  store::Database::Transaction tx(m_run.db());
  for (std::size_t i = 0; i < batch.size(); ++i) apply(batch[i], answers[i]);
  tx.commit();
  m_run.committed(static_cast<std::int64_t>(batch.size()));
}

void ChannelUpload::plan(const std::vector<store::ShipmentRow>& batch, writeback::DryRun dry, bool correction)
{
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& s = batch[i];
    const auto& carrier = correction ? s.correction_carrier : s.carrier;
    ShipmentReport p{s.order_id, s.shipment_key, carrier, carriers::code_for(*m_spec, carrier).value_or(""),
                     correction ? s.correction_number : s.tracking_number, correction ? "would_correct" : "would_send",
                     correction ? fmt::format("replaces {} {}", s.carrier, s.tracking_number) : std::string()};
    if (!dry.recorded) {
      p.error = "the requests cannot be shown for this kind";
    } else if (!dry.answers[i].outcome) {
      p.action = "unknown";
      p.error = dry.answers[i].error->message;
    } else {
      const auto& o = *dry.answers[i].outcome;
      if (o.status == WriteStatus::already_there) p.action = "already_there";
      if (o.status == WriteStatus::rejected) p.action = "would_fail";
      if (o.status == WriteStatus::retry_later) p.action = "would_retry";
      if (o.status != WriteStatus::done) p.error = o.reason;
    }
    p.error = log::redact(p.error);
    m_report.planned.push_back(std::move(p));
  }
  for (auto& r : dry.requests) m_report.requests.push_back(std::move(r));
}

void ChannelUpload::recheck(std::vector<store::ShipmentRow>& batch)
{
  std::vector<std::string> ids;
  for (const auto& s : batch) {
    if (std::find(ids.begin(), ids.end(), s.order_id) == ids.end()) ids.push_back(s.order_id);
  }
  auto fresh = m_connector->refresh_orders(ids);
  if (!fresh) {
    if (fresh.error().kind == connectors::ErrorKind::unsupported) return;
    throw Error(fresh.error().kind == connectors::ErrorKind::auth ? ExitCode::config : ExitCode::failed,
                "re-checking order statuses before upload: " + fresh.error().message);
  }
  std::map<std::string, const Order*> now;
  std::optional<store::Database::Transaction> tx;
  if (!m_options.dry_run) tx.emplace(m_run.db());
  store::Orders orders(m_run.db());
  const bool partial = m_connector->capabilities().partial_orders;
  for (const auto& order : *fresh) {
    if (!m_options.dry_run) {
      const auto stored = orders.upsert(m_run.row().id, order, {m_run.job_id(), now_text(), partial, false});
      for (const auto& o : stock::apply_order(m_run.db(), m_run.row().id, stored, m_run.job_id(), now_text())) {
        note(fmt::format("OVERSOLD {}: order {} item {} takes on hand {} below reserved {}", o.sku, o.order_id,
                         o.item_id, o.on_hand, o.reserved));
      }
    }
    now[order.external_id] = &order;
  }
  if (tx) tx->commit();
  std::erase_if(batch, [&](store::ShipmentRow& s) {
    auto it = now.find(s.order_id);
    if (it == now.end()) return false;
    const auto blocking = blocking_status(*it->second, s);
    if (!blocking) return false;
    s.order_status = std::string(to_string(*blocking));
    if (s.state == "correct") {
      park_now(s, fmt::format("order {} became {} since the last collect: the correction is not sent", s.order_id,
                          s.order_status));
    } else {
      decide(s, "skipped", fmt::format("order {} became {} since the last collect: not sent", s.order_id, s.order_status));
    }
    return true;
  });
}

std::optional<OrderStatus> ChannelUpload::blocking_status(const Order& order, const store::ShipmentRow& s)
{
  bool seen = false;
  for (const auto& item : order.items) {
    if (std::find(s.item_ids.begin(), s.item_ids.end(), item.external_id) == s.item_ids.end()) continue;
    seen = true;
    if (blocks_upload(item.status)) return item.status;
  }
  if (!seen && blocks_upload(order.status)) return order.status;
  return std::nullopt;
}

void ChannelUpload::apply(const store::ShipmentRow& s, const writeback::Answer& a)
{
  if (!a.outcome) {
    ++m_report.unknown;
    detail(s, "unknown", a.error->message + " (left `sending`: the next pass reads it back)");
    return;
  }
  const auto& o = *a.outcome;
  switch (o.status) {
  case WriteStatus::done: record(s, "uploaded", {}, o); break;
  case WriteStatus::already_there: record(s, "uploaded", "already on the marketplace", o); break;
  case WriteStatus::rejected: record(s, "failed", o.reason, o); break;
  case WriteStatus::retry_later: retry(s, o); break;
  }
}

void ChannelUpload::retry(const store::ShipmentRow& s, const connectors::WriteOutcome& o)
{
  const int seconds = std::min(k_max_backoff_seconds, 1 << std::min(s.attempts + 1, 12));
  const auto next = format_utc(m_run.clock().now() + std::chrono::seconds(seconds));
  m_shipments.retry_later(s.id, o.reason, next, m_run.config().tracking_max_attempts, m_run.job_id(), now_text());
  const bool parked = s.attempts + 1 >= m_run.config().tracking_max_attempts;
  if (parked) {
    ++m_report.attention;
  } else {
    ++m_report.retrying;
    m_retry.insert(s.id);
  }
  detail(s, parked ? "attention" : "retry", o.reason, o);
}

void ChannelUpload::record(const store::ShipmentRow& s, std::string_view state, std::string_view error,
                           const connectors::WriteOutcome& o)
{
  m_shipments.mark(s.id, state, error, m_run.job_id(), now_text());
  m_retry.erase(s.id);
  if (state == "uploaded") ++m_report.uploaded;
  if (state == "failed") ++m_report.failed;
  if (state == "attention") ++m_report.attention;
  detail(s, state == "pending" ? "retry" : std::string(state), std::string(error), o);
}

void ChannelUpload::decide(const store::ShipmentRow& s, std::string_view state, const std::string& reason)
{
  if (m_options.dry_run) {
    m_report.planned.push_back({s.order_id, s.shipment_key, s.carrier, "", s.tracking_number, std::string(state), reason});
    return;
  }
  store::Database::Transaction tx(m_run.db());
  m_shipments.mark(s.id, state, reason, m_run.job_id(), now_text());
  if (state == "skipped") ++m_report.skipped;
  if (state == "failed") ++m_report.failed;
  detail(s, std::string(state), reason);
  tx.commit();
}

void ChannelUpload::detail(const store::ShipmentRow& s, std::string action, std::string error,
                           const connectors::WriteOutcome& o)
{
  auto d = m_run.detail("shipment",
                        s.shipment_key.empty() || s.shipment_key == s.order_id ? s.order_id
                                                                               : s.order_id + "/" + s.shipment_key,
                        std::move(action));
  d.error = log::redact(error);
  d.http_status = o.http_status;
  d.request_id = o.request_id;
  store::Jobs(m_run.db()).add_detail(d);
}

void ChannelUpload::note(const std::string& message)
{
  auto d = m_run.detail("channel", m_run.row().name, "note");
  d.error = message;
  if (!m_options.dry_run) store::Jobs(m_run.db()).add_detail(d);
  log::info("channel {}: {}", m_run.row().name, message);
}

void ChannelUpload::retry_within_pass()
{
  for (int round = 1; round <= m_options.retries && !m_retry.empty(); ++round) {
    m_run.check_interrupted();
    m_run.clock().sleep_for(std::chrono::seconds(std::min(30, 1 << round)));
    std::vector<store::ShipmentRow> again, again_corrections;
    for (auto& s : m_shipments.list({m_run.row().name, {"pending", "correct"}})) {
      if (m_retry.count(s.id)) (s.state == "correct" ? again_corrections : again).push_back(std::move(s));
    }
    m_retry.clear();
    m_report.retrying = 0;
    in_batches(again, [&](auto batch) { send_batch(std::move(batch)); });
    in_batches(again_corrections, [&](auto batch) { correct_batch(std::move(batch)); });
  }
}

void ChannelUpload::finish()
{
  auto& out = m_run.outcome();
  out.counts.succeeded = m_report.uploaded + m_report.corrected;
  out.counts.failed = m_report.failed + m_report.attention + m_report.unknown;
  out.counts.skipped = m_report.skipped;
  out.counts.total = out.counts.succeeded + out.counts.failed + out.counts.skipped + m_report.retrying;
  if ((out.counts.failed > 0 || m_report.retrying > 0) && out.status == "completed") {
    out.status = "partial";
    out.error = fmt::format("{} not uploaded ({} failed, {} retrying, {} need attention, {} unknown)",
                            out.counts.failed + m_report.retrying, m_report.failed, m_report.retrying,
                            m_report.attention, m_report.unknown);
  }
}

Report run(const config::Config& config, const Options& options, Clock& clock,
           const channels::HttpFactory& make_http, const std::function<void(const pass::Progress&)>& on_progress)
{
  auto spec = pass::spec_for("upload-tracking", options, on_progress);
  auto summary_line = [](const Report& report) {
    std::int64_t uploaded = 0, failed = 0, attention = 0, corrected = 0;
    for (const auto& c : report.channels) {
      uploaded += c.uploaded;
      corrected += c.corrected;
      failed += c.failed + c.unknown + (c.status == "failed" ? 1 : 0);
      attention += c.attention;
    }
    return fmt::format("uoms upload-tracking #{} {}: {} channels, {} uploaded, {}{} failed, {} need attention{}",
                       report.job_id, report.status, report.channels.size(), uploaded,
                       corrected > 0 ? fmt::format("{} corrected, ", corrected) : std::string(), failed, attention,
                       pass::first_failure_note(report));
  };
  auto report = pass::run_reported<ChannelReport>(
    config, spec, clock,
    [&](pass::ChannelRun& run, ChannelReport& slot) { ChannelUpload(run, options, slot, make_http).upload(); },
    summary_line,
    [](const ChannelReport& c) {
      return nlohmann::json{{"uploaded", c.uploaded}, {"corrected", c.corrected}, {"failed", c.failed},
                            {"skipped", c.skipped}, {"attention", c.attention}};
    });
  report.dry_run = options.dry_run;
  return report;
}

} // namespace uoms::upload