// ChannelUpload's corrections (`uoms tracking correct`); the outbox states they go
// through are described in channel_upload.hpp.
#include "src/core/channel_upload.hpp"
#include "uoms/carriers.hpp"

#include <fmt/format.h>

namespace uoms::upload {

using connectors::WriteStatus;

std::vector<connectors::TrackingCorrection> ChannelUpload::corrections(const std::vector<store::ShipmentRow>& rows) const
{
  std::vector<connectors::TrackingCorrection> out;
  for (const auto& s : rows) {
    out.push_back({{s.order_id, s.shipment_key, s.item_ids, s.correction_carrier, s.correction_number}, s.carrier,
                   s.tracking_number});
  }
  return out;
}

void ChannelUpload::correct_queued()
{
  auto queued = m_shipments.list({m_run.row().name, {"correct"}, now_text(), m_options.limit});
  std::vector<store::ShipmentRow> eligible;
  for (auto& s : queued) {
    if (!m_spec->corrects_tracking) {
      park_now(s, fmt::format("kind {} has no tracking correction call in its contract", m_run.row().kind));
    } else if (const auto blocking = blocking_stored(s)) {
      park_now(s, fmt::format("order {} is {}: a tracking number is not corrected", s.order_id, *blocking));
    } else if (!m_spec->carriers_from_marketplace && !carriers::code_for(*m_spec, s.correction_carrier)) {
      park_now(s, fmt::format("carrier {} is not accepted by {} (see `uoms carriers list --kind {}`)", s.correction_carrier,
                          m_run.row().kind, m_run.row().kind));
    } else {
      eligible.push_back(std::move(s));
    }
  }
  in_batches(eligible, [&](auto batch) { correct_batch(std::move(batch)); });
}

void ChannelUpload::correct_batch(std::vector<store::ShipmentRow> batch)
{
  recheck(batch);
  if (batch.empty()) return;
  if (m_options.dry_run) {
    plan(batch, writeback::plan_correction(*m_connector, corrections(batch)), true);
    return;
  }
  {
    store::Database::Transaction tx(m_run.db());
    for (const auto& s : batch) m_shipments.mark(s.id, "correcting", {}, m_run.job_id(), now_text());
    tx.commit();
  }
  const auto requests = corrections(batch);
  auto answers = writeback::correct_tracking(*m_connector, requests);
  // A call whose answer was lost: read back at once rather than leave it to the next pass.
  std::vector<connectors::TrackingCorrection> lost;
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i].outcome) {
      lost.push_back(requests[i]);
      at.push_back(i);
    }
  }
  if (!lost.empty()) {
    const auto settled = writeback::settle_correction(*m_connector, lost);
    for (std::size_t k = 0; k < at.size(); ++k) {
      if (!settled[k].outcome) continue;
      auto outcome = *settled[k].outcome;
      if (outcome.status == WriteStatus::retry_later) outcome.reason = answers[at[k]].error->message;
      answers[at[k]] = {outcome, std::nullopt};
    }
  }
  store::Database::Transaction tx(m_run.db());
  for (std::size_t i = 0; i < batch.size(); ++i) apply_correction(batch[i], answers[i]);
  tx.commit();
  m_run.committed(static_cast<std::int64_t>(batch.size()));
}

void ChannelUpload::apply_correction(const store::ShipmentRow& s, const writeback::Answer& a)
{
  if (!a.outcome) {
    ++m_report.unknown;
    detail(s, "unknown", a.error->message + " (left `correcting`: the next pass reads it back)");
    return;
  }
  const auto& o = *a.outcome;
  switch (o.status) {
  case WriteStatus::done: corrected(s, {}, o); break;
  case WriteStatus::already_there: corrected(s, "already on the marketplace", o); break;
  case WriteStatus::rejected: park(s, "correction refused: " + o.reason, o); break;
  case WriteStatus::retry_later: retry(s, o); break;
  }
}

void ChannelUpload::corrected(const store::ShipmentRow& s, std::string_view note, const connectors::WriteOutcome& o)
{
  m_shipments.corrected(s.id, note, m_run.job_id(), now_text());
  m_retry.erase(s.id);
  ++m_report.corrected;
  detail(s, "corrected",
         fmt::format("{} {} replaces {} {}{}{}", s.correction_carrier, s.correction_number, s.carrier, s.tracking_number,
                     note.empty() ? "" : "; ", note),
         o);
}

void ChannelUpload::park(const store::ShipmentRow& s, const std::string& reason, const connectors::WriteOutcome& o)
{
  const auto text = fmt::format("{} (the marketplace keeps {} {})", reason, s.carrier, s.tracking_number);
  if (m_options.dry_run) {
    m_report.planned.push_back({s.order_id, s.shipment_key, s.correction_carrier, "", s.correction_number, "attention", text});
    return;
  }
  m_shipments.mark(s.id, "attention", text, m_run.job_id(), now_text());
  m_retry.erase(s.id);
  ++m_report.attention;
  detail(s, "attention", text, o);
}

void ChannelUpload::park_now(const store::ShipmentRow& s, const std::string& reason)
{
  std::optional<store::Database::Transaction> tx;
  if (!m_options.dry_run) tx.emplace(m_run.db());
  park(s, reason);
  if (tx) tx->commit();
}

void ChannelUpload::settle_corrections()
{
  auto correcting = m_shipments.list({m_run.row().name, {"correcting"}});
  if (correcting.empty() || m_batch <= 0) return;
  const auto answers = writeback::settle_correction(*m_connector, corrections(correcting));
  store::Database::Transaction tx(m_run.db());
  for (std::size_t i = 0; i < correcting.size(); ++i) {
    const auto& s = correcting[i];
    const auto& a = answers[i];
    if (!a.outcome) {
      ++m_report.unknown;
      detail(s, "unknown", "still unknown after reading back: " + a.error->message);
      continue;
    }
    ++m_report.settled;
    switch (a.outcome->status) {
    case WriteStatus::already_there:
    case WriteStatus::done: corrected(s, "settled by reading back: the marketplace holds the new number"); break;
    case WriteStatus::retry_later:
      m_shipments.mark(s.id, "correct", "settled by reading back: the correction did not arrive", m_run.job_id(), now_text());
      detail(s, "retry", "settled by reading back: the marketplace still holds the old number; sent again");
      break;
    case WriteStatus::rejected: park(s, "settled by reading back: " + a.outcome->reason); break;
    }
  }
  tx.commit();
}

} // namespace uoms::upload
