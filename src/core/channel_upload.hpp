#pragma once

// Private to src/core: one channel's share of the upload-tracking pass. Uploads are in
// upload_tracking.cpp, corrections (`uoms tracking correct`) in upload_corrections.cpp.
#include "uoms/channels.hpp"
#include "uoms/connector.hpp"
#include "uoms/pass.hpp"
#include "uoms/store.hpp"
#include "uoms/upload_tracking.hpp"
#include "uoms/writeback.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::upload {

// Uploads one channel's pending tracking numbers.
class ChannelUpload
{
public:
  ChannelUpload(pass::ChannelRun& run, const Options& options, ChannelReport& report,
                const channels::HttpFactory& make_http)
    : m_run(run),
      m_options(options),
      m_report(report),
      m_make_http(make_http),
      m_shipments(run.db())
  {
  }

  void upload();

private:
  enum Refusal { k_status, k_carrier };

  std::string now_text() { return format_utc(m_run.clock().now()); }

  // `send` on consecutive slices of `rows` of the kind's batch size, stopping between slices
  // when the pass is interrupted.
  template <typename Send>
  void in_batches(const std::vector<store::ShipmentRow>& rows, Send send)
  {
    const auto size = static_cast<std::size_t>(m_batch);
    for (std::size_t first = 0; first < rows.size(); first += size) {
      m_run.check_interrupted();
      const auto end = std::min(rows.size(), first + size);
      send(std::vector<store::ShipmentRow>(rows.begin() + static_cast<std::ptrdiff_t>(first),
                                           rows.begin() + static_cast<std::ptrdiff_t>(end)));
    }
  }

  std::optional<Refusal> refusal(const store::ShipmentRow& s) const;

  // The stored status that stops a shipment: one of its items' (a product order cancelled
  // inside a live order), else the order's.
  static std::optional<std::string> blocking_stored(const store::ShipmentRow& s);

  std::string reason_text(const store::ShipmentRow& s, Refusal r) const;
  connectors::TrackingUpload request(const store::ShipmentRow& s) const;
  std::vector<connectors::TrackingUpload> requests(const std::vector<store::ShipmentRow>& rows) const;

  // Shipments left `sending` (`correcting`) by an earlier pass: what does the marketplace hold?
  void settle_leftovers();

  void send_batch(std::vector<store::ShipmentRow> batch);

  // A dry run of one batch: the requests the connector built and recorded instead of
  // sending, and per shipment what the write-back made of the answers a success gets (a
  // refusal before any call, such as another number already held, shows as would_fail).
  void plan(const std::vector<store::ShipmentRow>& batch, writeback::DryRun dry, bool correction);

  // Statuses in the database can be hours old: read these orders again and drop any whose
  // order may no longer ship, storing what changed as a normal order update.
  void recheck(std::vector<store::ShipmentRow>& batch);

  // What stops this shipment now: one of its own items, when the marketplace reported
  // them (a cancel request on another product order of the order does not), else the
  // order's status.
  static std::optional<OrderStatus> blocking_status(const Order& order, const store::ShipmentRow& s);

  void apply(const store::ShipmentRow& s, const writeback::Answer& a);

  // A retryable failure: sent again later in this pass (--retries) or on a later one, with
  // exponential backoff, until tracking.max_attempts parks it.
  void retry(const store::ShipmentRow& s, const connectors::WriteOutcome& o);

  // --- corrections (`uoms tracking correct`), in upload_corrections.cpp ----------------
  // A correction replaces a number the marketplace holds, through the kind's correction
  // call, in the same outbox as uploads: `correct` (queued) → `correcting`, committed
  // before the call → `uploaded` with the new number, back to `correct` (retry), or
  // `attention` (refused; the marketplace keeps the old number and the correction is kept
  // for the operator). Sent by this pass only, so one writer per channel holds its lease.

  std::vector<connectors::TrackingCorrection> corrections(const std::vector<store::ShipmentRow>& rows) const;

  // Queued corrections whose next attempt is due.
  void correct_queued();

  void correct_batch(std::vector<store::ShipmentRow> batch);
  void apply_correction(const store::ShipmentRow& s, const writeback::Answer& a);
  void corrected(const store::ShipmentRow& s, std::string_view note, const connectors::WriteOutcome& o = {});

  // A correction that cannot go out as it is: parked for the operator, its number kept; the
  // marketplace still holds the uploaded one.
  void park(const store::ShipmentRow& s, const std::string& reason, const connectors::WriteOutcome& o = {});

  // park() decided before any call: in its own transaction.
  void park_now(const store::ShipmentRow& s, const std::string& reason);

  // Corrections left `correcting` by an earlier pass, settled by reading back: the new
  // number → uploaded with it; the old one → `correct`, sent again below; anything else →
  // attention. Never sent again blindly.
  void settle_corrections();

  // --- shared by uploads and corrections ----------------------------------------------

  // Records a final state for `s` with its detail.
  void record(const store::ShipmentRow& s, std::string_view state, std::string_view error,
              const connectors::WriteOutcome& o = {});

  // A decision made before any call (status, carrier): in its own transaction.
  void decide(const store::ShipmentRow& s, std::string_view state, const std::string& reason);

  void detail(const store::ShipmentRow& s, std::string action, std::string error,
              const connectors::WriteOutcome& o = {});
  void note(const std::string& message);

  // Retryable failures of this pass are sent again up to --retries times, 2^round seconds
  // apart (the HTTP client already honours a Retry-After on each call).
  void retry_within_pass();

  void finish();

  pass::ChannelRun& m_run;
  const Options& m_options;
  ChannelReport& m_report;
  const channels::HttpFactory& m_make_http;
  store::Shipments m_shipments;
  connectors::Connector* m_connector = nullptr;
  const connectors::KindSpec* m_spec = nullptr;
  int m_batch = 0;
  std::set<std::int64_t> m_retry; // shipments of this pass waiting for a retry
};

} // namespace uoms::upload
