#pragma once

#include "uoms/config.hpp"
#include "uoms/connect.hpp"
#include "uoms/error.hpp"
#include "uoms/pass.hpp"
#include "uoms/time.hpp"

#include <string>
#include <vector>

// The upload-tracking pass: every eligible tracking number to its marketplace exactly
// once. Each shipment goes through the outbox in store/shipments: `sending` is committed
// before the call and the outcome after it; a shipment left `sending` (a crash, a call
// whose answer was lost) is settled by reading the marketplace back, never by resending.
// Corrections queued by `uoms tracking correct` go out in the same pass, the same way
// (`correcting` before the kind's correction call), so a channel has one writer.
namespace uoms::upload {

struct Options
{
  std::vector<std::string> channels; // empty = every enabled channel
  int concurrency = 0;               // 0 = config
  bool dry_run = false;              // plans and prints; sends and changes nothing
  int retries = 3;                   // retries within the pass of a retryable failure (0-10)
  int limit = 0;                     // at most this many shipments per channel; 0 = all
  std::string arguments_json = "[]";
};

// One shipment acted on (or, in a dry run, that would be sent).
struct ShipmentReport
{
  std::string order_id, shipment_key, carrier, carrier_code, tracking_number;
  // uploaded, failed, skipped, retry, attention, unknown; in a dry run would_send,
  // would_correct, already_there, would_fail and would_retry (what the marketplace's answer
  // to a success would leave), or the decision made before any call
  std::string action;
  std::string error;
};

struct ChannelReport : pass::ChannelHeader
{
  std::int64_t uploaded = 0, failed = 0, skipped = 0, retrying = 0, attention = 0, settled = 0, unknown = 0;
  std::int64_t corrected = 0; // corrections (`uoms tracking correct`) the marketplace took
  std::vector<ShipmentReport> planned; // dry run only
  // Dry run only: every write call the pass would make, built by the connector's real
  // write-back and recorded instead of sent, secrets masked (Connector::record_writes).
  std::vector<connectors::PlannedRequest> requests;
};

using Report = pass::Report<ChannelReport>;

Report run(const config::Config& config, const Options& options, Clock& clock,
           const channels::HttpFactory& make_http, const std::function<void(const pass::Progress&)>& on_progress = {});

// An order in this status gets no tracking number: cancelled, returned or exchanged, or
// with such a request pending.
bool blocks_upload(OrderStatus status);

} // namespace uoms::upload
