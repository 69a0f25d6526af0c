#pragma once

#include "uoms/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::store {

// One shipment with its tracking number, joined with what the outbox needs of its order.
struct ShipmentRow
{
  std::int64_t id = 0;
  std::int64_t order_row_id = 0;
  std::string channel;
  std::string order_id;     // external order id
  std::string order_status; // uoms status of the order as stored
  std::string shipment_key;
  std::string carrier;      // uoms code
  std::string tracking_number;
  std::string source;       // import, manual, marketplace
  std::string state;        // pending, sending, uploaded, failed, skipped, attention, correct, correcting
  int attempts = 0;
  std::string next_attempt_at;
  std::string last_error;
  std::string uploaded_at;
  // A correction of an uploaded number (`uoms tracking correct`): the new carrier and number
  // while it is queued (correct), in flight (correcting) or refused (attention); empty
  // otherwise. carrier / tracking_number stay what the marketplace is known to hold.
  std::string correction_carrier;
  std::string correction_number;
  std::string corrected_at;
  std::vector<std::string> item_ids;      // external ids of the order's items in this shipment
  std::vector<std::string> item_statuses; // their uoms statuses, in the same order
};

// What a tracking number attaches to: the order (row id) and the shipment key.
struct ShipmentTarget
{
  std::int64_t order_row_id = 0;
  std::string shipment_key;
};

struct ShipmentFilter
{
  std::string channel;             // empty = all
  std::vector<std::string> states; // empty = all
  std::string due_by;              // with "pending": only those whose next attempt is due
  std::int64_t order_row_id = 0;   // 0 = every order
  int limit = 0;                   // 0 = all
};

// The shipments table: the tracking outbox.
class Shipments
{
public:
  explicit Shipments(Database& db) : m_db(db) {}

  // The shipments of an order in channel `channel_id` that `order_or_shipment` names: the
  // order's external id (with `item`, the item's shipment only), or a shipment key
  // (Coupang shipmentBoxId, PlayAuto bundle_no). Empty when nothing matches.
  std::vector<ShipmentTarget> targets(std::int64_t channel_id, std::string_view order_or_shipment,
                                      std::string_view item);

  // The shipment as stored, if any.
  std::optional<ShipmentRow> find(std::int64_t order_row_id, std::string_view shipment_key);

  // A new pending number (import, manual). Returns false, changing nothing, when the
  // shipment already has a row.
  bool add(const ShipmentTarget& target, std::string_view carrier, std::string_view number, std::string_view source,
           std::string_view now);
  // Replaces the number of a shipment not uploaded yet (pending, failed, attention).
  // Returns false when it was uploaded, is being sent or carries a correction.
  bool replace(std::int64_t id, std::string_view carrier, std::string_view number, std::string_view now);

  // A number the marketplace reports on a collected order: recorded as uploaded; a
  // pending row with the same number becomes uploaded, one with another number needs
  // attention (the marketplace already holds a different number).
  void record_marketplace(const ShipmentTarget& target, std::string_view carrier, std::string_view number,
                          std::int64_t job_id, std::string_view now);

  // Corrections of an uploaded number, through the same outbox as uploads. Queues `carrier
  // number` as the correction of an uploaded shipment (or replaces a queued or refused
  // correction): state `correct`, sent by the next upload-tracking pass. False, changing
  // nothing, for any other state.
  bool queue_correction(std::int64_t id, std::string_view carrier, std::string_view number, std::string_view now);
  // Forgets a queued or refused correction: back to `uploaded` with the number the
  // marketplace holds. False when there is none (or it is in flight).
  bool drop_correction(std::int64_t id, std::string_view now);
  // The marketplace took the correction: its number becomes the uploaded one.
  void corrected(std::int64_t id, std::string_view note, std::int64_t job_id, std::string_view now);

  std::vector<ShipmentRow> list(const ShipmentFilter& filter);

  // Outbox transitions. `sending` (`correcting`) is committed before the call; the outcome
  // after it. The correction columns are kept: `correct` sends it again, `attention` parks it.
  void mark(std::int64_t id, std::string_view state, std::string_view error, std::int64_t job_id,
            std::string_view now);
  // A retryable failure: attempts + 1 and the next attempt's time (back to `pending`, or to
  // `correct` for a correction), or `attention` once `max_attempts` is reached.
  void retry_later(std::int64_t id, std::string_view error, std::string_view next_attempt_at, int max_attempts,
                   std::int64_t job_id, std::string_view now);

  // Counts by state for one channel (empty = all).
  std::vector<std::pair<std::string, std::int64_t>> counts(std::string_view channel);

private:
  Database& m_db;
};

} // namespace uoms::store
