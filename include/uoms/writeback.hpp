#pragma once

#include "uoms/connector.hpp"

#include <optional>
#include <span>
#include <vector>

// The one mechanism every write-back pass uses to talk to a connector: requests go out in
// the batch size the connector declares, come back as one outcome per request, and a
// request whose outcome is unknown is settled by reading back what the marketplace
// holds, never by sending it again.
namespace uoms::writeback {

// What one request came to. `outcome` is empty when the call carrying it failed as a
// whole (`error` says why): its fate is unknown until it is read back.
struct Answer
{
  std::optional<connectors::WriteOutcome> outcome;
  std::optional<connectors::ConnectorError> error;
};

// Sends `uploads` in batches of Capabilities::tracking_batch. A kind that cannot upload
// (batch 0) rejects every request before any HTTP call. A connector that answers a batch
// with the wrong number of outcomes has broken its contract: that batch is unknown.
std::vector<Answer> upload_tracking(connectors::Connector& connector,
                                    std::span<const connectors::TrackingUpload> uploads);

// Corrections of numbers the marketplace already holds, in batches of tracking_batch. A
// kind without the correction call (KindSpec::corrects_tracking) rejects every request
// before any HTTP call.
std::vector<Answer> correct_tracking(connectors::Connector& connector,
                                     std::span<const connectors::TrackingCorrection> corrections);

// A dry run of a write-back: what upload_tracking or correct_tracking would make of the
// requests, with every write call the connector built recorded instead of sent
// (Connector::record_writes), so what is printed is what a real pass sends. Reads still go
// out. `recorded` is false when the kind cannot record: nothing was called then.
struct DryRun
{
  bool recorded = false;
  std::vector<Answer> answers;                       // one per request, as in a real pass
  std::vector<connectors::PlannedRequest> requests; // the writes, in the order they would be sent
};
DryRun plan_upload(connectors::Connector& connector, std::span<const connectors::TrackingUpload> uploads);
DryRun plan_correction(connectors::Connector& connector, std::span<const connectors::TrackingCorrection> corrections);

// The same for stock, in batches of Capabilities::stock_batch.
std::vector<Answer> push_stock(connectors::Connector& connector, std::span<const connectors::StockUpdate> updates);

// Settles uploads whose outcome is unknown (a crash or a failed call between sending and
// recording) by reading back: the marketplace holds this number → already_there; it holds
// another → rejected (an operator decides); it holds none → retry_later (safe to send).
// Reads in batches of tracking_batch; a failed read leaves those unknown.
std::vector<Answer> settle_tracking(connectors::Connector& connector,
                                    std::span<const connectors::TrackingUpload> uploads);

// Settles corrections whose outcome is unknown by reading back: the marketplace holds the
// new number → already_there; the old one → retry_later (the correction did not arrive:
// safe to send again); none or another → rejected (an operator decides).
std::vector<Answer> settle_correction(connectors::Connector& connector,
                                      std::span<const connectors::TrackingCorrection> corrections);

// Settles stock pushes the same way: the marketplace shows the pushed quantity →
// already_there; anything else → retry_later (the next pass computes a fresh value).
std::vector<Answer> settle_stock(connectors::Connector& connector, std::span<const connectors::StockUpdate> updates);

} // namespace uoms::writeback
