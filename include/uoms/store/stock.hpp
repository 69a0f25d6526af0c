#pragma once

#include "uoms/connector.hpp"
#include "uoms/model.hpp"
#include "uoms/store/database.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The stock ledger's tables: products (the SKU master with on hand and reserved), the
// movements that alone change those two, each order item's place in the ledger, and the
// listings every channel sells.
namespace uoms::store {

struct ProductRow
{
  std::int64_t id = 0;
  std::string sku, name;
  int safety_buffer = 0;
  bool restock_returns = true;
  std::int64_t on_hand = 0, reserved = 0;
  std::string counted_at, created_at, updated_at;
};

// On hand − reserved − buffer, never below zero.
std::int64_t available(std::int64_t on_hand, std::int64_t reserved, std::int64_t buffer);

struct MovementRow
{
  std::int64_t id = 0;
  std::string sku, reason;
  std::int64_t on_hand_delta = 0, reserved_delta = 0;
  std::string channel, order_id, item_id; // the order item that caused it, if any
  std::int64_t job_id = 0;
  std::string note, created_at;
};

// What `products import` / `products set` give for one product; unset fields are kept.
struct ProductInput
{
  std::string sku;
  std::optional<std::string> name;
  std::optional<std::int64_t> on_hand; // a stock count: on hand becomes this
  std::optional<int> safety_buffer;
  std::optional<bool> restock_returns;
};

// An order item whose reservation took a product's stock below zero.
struct Oversold
{
  std::string sku;
  std::string channel, order_id, item_id;
  std::int64_t on_hand = 0, reserved = 0;
};

// Where an order item stands in the ledger.
enum class ItemState { none, reserved, shipped, returned };
std::string_view to_string(ItemState state);
std::optional<ItemState> parse_item_state(std::string_view text);

// The state an item in `current` moves to when its status becomes `status`: live and
// unshipped reserves, shipped or delivered deducts, cancelled before shipping releases,
// a completed return restocks, a withdrawn cancellation reserves again. What cannot happen
// to stock (cancelled after shipping, an unknown status) keeps the current state.
ItemState next_state(ItemState current, OrderStatus status);

class Products
{
public:
  explicit Products(Database& db) : m_db(db) {}

  std::optional<ProductRow> find(std::string_view sku);
  std::vector<ProductRow> list();
  // Creates or updates; an on_hand records a `count` movement for the difference and
  // moves counted_at to `now`. True when the product was created.
  bool upsert(const ProductInput& input, std::int64_t job_id, std::string_view now);
  // A correction of on hand by `delta` (`adjust` movement).
  void adjust(std::int64_t product_id, std::int64_t delta, std::string_view note, std::string_view now);
  std::vector<MovementRow> movements(std::int64_t product_id, int limit);

private:
  Database& m_db;
};

struct ListingRow
{
  std::int64_t id = 0;
  std::int64_t channel_id = 0;
  std::string channel;
  std::string item_id, option_id, seller_code, name, source;
  std::int64_t product_id = 0; // 0: unmapped
  std::string sku;             // of the mapped product
  std::string mapped_by;
  std::optional<std::int64_t> safety_buffer;
  std::string attributes; // JSON object text, empty when none
  std::optional<std::int64_t> remote_quantity;
  std::string remote_read_at;
  std::string push_state;
  std::optional<std::int64_t> push_target, pushed_quantity;
  std::string pushed_at;
  std::int64_t sold_since_push = 0, held_drift = 0;
  std::int64_t items = 0; // collected order items that name this listing
};

struct ListingFilter
{
  std::string channel;          // empty = all
  bool unmapped_only = false;
  bool mapped_only = false;
  std::vector<std::string> skus; // mapped to one of these; empty = any
};

class Listings
{
public:
  explicit Listings(Database& db) : m_db(db) {}

  // Inserts or refreshes a listing the marketplace reported (source catalogue) or a
  // collected order named (source order), and maps it automatically when its seller code
  // equals a known SKU exactly. Returns the listing's row id.
  struct Recorded
  {
    std::int64_t id = 0;
    bool mapped_now = false; // mapped automatically by this call: its collected items need applying
  };
  Recorded record(std::int64_t channel_id, const connectors::Listing& listing, std::string_view source,
                  std::string_view now);
  std::optional<ListingRow> find(std::int64_t channel_id, std::string_view item_id, std::string_view option_id);
  std::optional<ListingRow> get(std::int64_t id);
  std::vector<ListingRow> list(const ListingFilter& filter);
  // Item ids the channel's listings and collected order items know (fetch_listings' input).
  std::vector<std::string> known_items(std::int64_t channel_id);

  void map(std::int64_t listing_id, std::int64_t product_id, std::string_view by, std::string_view now);
  void unmap(std::int64_t listing_id, std::string_view now);
  // Maps every unmapped listing whose seller code is `sku`; returns their ids.
  std::vector<std::int64_t> automap(std::int64_t product_id, std::string_view sku, std::string_view now);

  // The push outbox.
  void begin_push(std::int64_t listing_id, std::int64_t target, std::string_view now);
  void pushed(std::int64_t listing_id, std::int64_t quantity, std::string_view now);
  void end_push(std::int64_t listing_id, std::string_view now); // back to idle, nothing known to be taken
  void remote_read(std::int64_t listing_id, std::int64_t quantity, std::int64_t add_held, std::string_view now);
  void set_attributes(std::int64_t listing_id, std::string_view json, std::string_view now);

private:
  Database& m_db;
};

// Applies order items to the ledger: each item's stock state follows its status, and every
// change of state is one movement, so an item reserves, releases, ships and returns once
// however often it is collected. Runs inside the caller's transaction.
class Ledger
{
public:
  explicit Ledger(Database& db) : m_db(db) {}

  // The items (order_items row ids) of one channel just stored: each gets its listing
  // (recorded from the item when new), and, when that maps to a product, its movements.
  std::vector<Oversold> apply_items(std::int64_t channel_id, std::span<const std::int64_t> item_row_ids,
                                    std::int64_t job_id, std::string_view now);
  // Every collected item of a listing just mapped.
  std::vector<Oversold> apply_listing(std::int64_t listing_id, std::int64_t job_id, std::string_view now);
  // Order items whose listing is not mapped: {channel, count} of items and units.
  struct Unmapped
  {
    std::string channel;
    std::int64_t items = 0, units = 0;
  };
  std::vector<Unmapped> unmapped();

private:
  Database& m_db;
};

} // namespace uoms::store
