#pragma once

#include "uoms/model.hpp"
#include "uoms/store/database.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::store {

// Payloads (orders.raw) are stored zstd-compressed; once this many orders of a channel kind are
// stored, a dictionary is trained from them and used for every payload of the kind.
inline constexpr int k_payload_dictionary_after = 256;

enum class UpsertAction { created, updated, unchanged };
std::string_view to_string(UpsertAction action);

// How one item of an upserted order changed. The stock ledger consumes these: an item
// reserves, releases or ships exactly once, keyed by `item_row_id`.
struct ItemChange
{
  std::int64_t item_row_id = 0;
  std::string external_id;
  std::string sku;
  int quantity = 0;
  std::optional<int> old_quantity;          // absent for a new item
  std::optional<OrderStatus> old_status;    // absent for a new item
  OrderStatus new_status = OrderStatus::unknown;
  UpsertAction action = UpsertAction::unchanged;
  std::string hash;                         // content hash of the item as given
};

struct UpsertResult
{
  UpsertAction action = UpsertAction::unchanged;
  std::int64_t order_row_id = 0; // 0 in a dry run of a new order
  std::string header_hash;
  std::vector<ItemChange> items; // one per item of the given order, in its order
};

struct UpsertOptions
{
  std::int64_t job_id = 0;
  std::string now;
  // The page carries only the items that changed (Coupang, Smartstore): the order's
  // totals are the sum of all its stored items, and its own status and totals are left
  // out of the content hash.
  bool partial = false;
  bool dry_run = false; // nothing is written; the result says what would have happened
};

struct OrderSummary
{
  std::int64_t id = 0;
  std::string channel;
  std::string external_id, status, raw_status, ordered_at, currency, receiver_name, updated_at;
  std::int64_t total_minor = 0;
  int items = 0;
};

// Which orders `list` and `each` return. Times are UTC text (`format_utc`), compared with
// ordered_at: since inclusive, until exclusive.
struct OrderFilter
{
  std::string channel; // empty = every channel
  std::string status;  // a uoms status (paid, shipped, ...); empty = all
  std::string since, until;
  // A substring (case-insensitive for ASCII) of the order id, the buyer's or receiver's
  // name, or an item's id, name or seller code.
  std::string search;
  int limit = 50; // 0 = all
};

// An item as stored, with the tracking number of its shipment when there is one.
struct ItemRecord
{
  std::int64_t id = 0;
  std::string external_id, shipment_key, sku, product_id, option_id, name, option_name, status, raw_status;
  int quantity = 0;
  std::int64_t unit_price_minor = 0, total_price_minor = 0;
  std::string carrier, tracking_number, shipment_state; // empty without a shipment row
};

// The whole order as stored.
struct OrderRecord
{
  std::int64_t id = 0;
  std::string channel, channel_kind;
  std::string external_id, status, raw_status, ordered_at, paid_at, changed_at, currency;
  std::int64_t total_minor = 0, shipping_fee_minor = 0;
  std::string buyer_name, buyer_phone, buyer_email;
  std::string receiver_name, receiver_phone, receiver_zip, receiver_address1, receiver_address2;
  std::string first_seen_at, updated_at;
  std::int64_t first_job_id = 0, last_job_id = 0;
  std::vector<ItemRecord> items;
};

// A job detail row about an order, one of its items or one of its shipments.
struct OrderEvent
{
  std::int64_t job_id = 0;
  std::string job_kind, job_status;
  std::string at; // when the detail was recorded
  std::string subject_type, external_id, action, error, request_id;
  int http_status = 0;
};

// Content hashes (16 hex digits): the order-level fields, and each item. An order is unchanged
// when its header and every item it carries hash as stored.
std::string header_hash(const Order& order, bool partial = false);
std::string item_hash(const OrderItem& item);

// The order's status is its least advanced item that is still live; when every item is
// cancelled, returned or exchanged, the least advanced of those. nullopt when no item
// has a known status.
std::optional<OrderStatus> derive_status(const std::vector<OrderStatus>& items);

// The orders and order_items tables. The one owner of an order's status and totals.
class Orders
{
public:
  explicit Orders(Database& db) : m_db(db) {}

  // Upserts by (channel, external id) and items by (order, item id); items absent from
  // `order` are kept, because a marketplace page may carry only part of an order. The
  // stored status is derived from all stored items, and raw_status is the raw status of
  // the item it was derived from, so the two always describe the same thing.
  UpsertResult upsert(std::int64_t channel_id, const Order& order, const UpsertOptions& options);
  // Newest first (ordered_at, then row id), using the orders_ordered_at index.
  std::vector<OrderSummary> list(const OrderFilter& filter);
  std::vector<OrderSummary> list(std::string_view channel, int limit)
  {
    return list(OrderFilter{.channel = std::string(channel), .limit = limit});
  }
  // The order with its items and their tracking numbers; nullopt when absent.
  std::optional<OrderRecord> find(std::string_view channel, std::string_view external_id);
  // The marketplace's payload of the order as received (stored compressed); nullopt when the
  // order is absent.
  std::optional<std::string> raw(std::string_view channel, std::string_view external_id);
  // What jobs recorded about the order, its items and its shipments, oldest first.
  std::vector<OrderEvent> history(std::string_view channel, std::string_view external_id);
  // Calls `sink` for every order that `filter` selects, oldest first, with its items, while
  // stepping one statement: one order is in memory at a time, however many match.
  // Returns the number of orders.
  std::int64_t each(const OrderFilter& filter, const std::function<void(const OrderRecord&)>& sink);

private:
  Database& m_db;
};

} // namespace uoms::store
