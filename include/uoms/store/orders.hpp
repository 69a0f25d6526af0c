#pragma once

#include "uoms/model.hpp"
#include "uoms/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::store {

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

// Content hashes: the order-level fields, and each item. An order is unchanged when its
// header and every item it carries hash as stored.
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
  std::vector<OrderSummary> list(std::string_view channel, int limit);

private:
  Database& m_db;
};

} // namespace uoms::store
