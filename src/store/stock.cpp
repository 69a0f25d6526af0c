#include "src/store/connection.hpp"
#include "uoms/store/stock.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace uoms::store {

namespace {

constexpr std::array<std::string_view, 4> k_states{"none", "reserved", "shipped", "returned"};

// An order item's listing key: the marketplace's (product, option) ids, or the seller's
// code where a source has no ids (a csv file without product columns).
constexpr const char* k_item_matches_listing =
  "((i.product_id = l.item_id AND COALESCE(i.option_id, '') = l.option_id) OR "
  "(COALESCE(i.product_id, '') = '' AND i.sku = l.item_id AND l.option_id = ''))";

void move(Database& db, std::int64_t product_id, std::string_view reason, std::int64_t on_hand_delta,
          std::int64_t reserved_delta, std::optional<std::int64_t> item_row_id, std::int64_t job_id,
          std::string_view note, std::string_view now)
{
  Cached insert(db.impl(),
                "INSERT INTO stock_movements (product_id, reason, on_hand_delta, reserved_delta, order_item_id, job_id, "
                "note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  bind_all(*insert, product_id, reason, on_hand_delta, reserved_delta, item_row_id,
           job_id == 0 ? std::optional<std::int64_t>() : std::optional<std::int64_t>(job_id), OrNull{note}, now);
  insert->exec();
  Cached update(db.impl(),
                "UPDATE products SET on_hand = on_hand + ?, reserved = reserved + ?, updated_at = ? WHERE id = ?");
  bind_all(*update, on_hand_delta, reserved_delta, now, product_id);
  update->exec();
}

constexpr const char* k_product_columns =
  "SELECT id, sku, name, safety_buffer, restock_returns, on_hand, reserved, counted_at, created_at, updated_at "
  "FROM products";

ProductRow read_product(SQLite::Statement& s)
{
  ProductRow p;
  read_columns(s, p.id, p.sku, p.name, p.safety_buffer, p.restock_returns, p.on_hand, p.reserved, p.counted_at,
               p.created_at, p.updated_at);
  return p;
}

constexpr const char* k_listing_columns =
  "SELECT l.id, l.channel_id, c.name, l.item_id, l.option_id, l.seller_code, l.name, l.source, "
  "COALESCE(l.product_id, 0), COALESCE(p.sku, ''), l.mapped_by, l.safety_buffer, l.attributes, l.remote_quantity, "
  "l.remote_read_at, l.push_state, l.push_target, l.pushed_quantity, l.pushed_at, l.sold_since_push, l.held_drift "
  "FROM listings l JOIN channels c ON c.id = l.channel_id LEFT JOIN products p ON p.id = l.product_id";

ListingRow read_listing(SQLite::Statement& s)
{
  ListingRow r;
  read_columns(s, r.id, r.channel_id, r.channel, r.item_id, r.option_id, r.seller_code, r.name, r.source,
               r.product_id, r.sku, r.mapped_by, r.safety_buffer, r.attributes, r.remote_quantity, r.remote_read_at,
               r.push_state, r.push_target, r.pushed_quantity, r.pushed_at, r.sold_since_push, r.held_drift);
  return r;
}

bool is_live_unshipped(OrderStatus s)
{
  return s == OrderStatus::pending_payment || s == OrderStatus::paid || s == OrderStatus::preparing ||
         s == OrderStatus::cancel_requested;
}

bool has_left_warehouse(OrderStatus s)
{
  return s == OrderStatus::shipped || s == OrderStatus::delivered || s == OrderStatus::completed ||
         s == OrderStatus::return_requested || s == OrderStatus::exchange_requested || s == OrderStatus::exchanged;
}

} // namespace

std::int64_t available(std::int64_t on_hand, std::int64_t reserved, std::int64_t buffer)
{
  return std::max<std::int64_t>(0, on_hand - reserved - buffer);
}

std::string_view to_string(ItemState state) { return k_states[static_cast<std::size_t>(state)]; }

std::optional<ItemState> parse_item_state(std::string_view text)
{
  for (std::size_t i = 0; i < k_states.size(); ++i) {
    if (k_states[i] == text) return static_cast<ItemState>(i);
  }
  return std::nullopt;
}

ItemState next_state(ItemState current, OrderStatus status)
{
  if (current == ItemState::returned) return current; // a restocked unit does not come back
  if (is_live_unshipped(status)) {
    return current == ItemState::shipped ? current : ItemState::reserved;
  }
  if (has_left_warehouse(status)) return ItemState::shipped;
  switch (status) {
  case OrderStatus::cancelled: return current == ItemState::shipped ? current : ItemState::none;
  case OrderStatus::returned: return current == ItemState::shipped ? ItemState::returned : ItemState::none;
  default: return current; // unknown: nothing to conclude
  }
}

// --- products ----------------------------------------------------------------------------

std::optional<ProductRow> Products::find(std::string_view sku)
{
  return guarded(m_db.impl(), "read product", [&]() -> std::optional<ProductRow> {
    SQLite::Statement s(m_db.impl().db, std::string(k_product_columns) + " WHERE sku = ?");
    bind_all(s, sku);
    if (s.executeStep()) return read_product(s);
    return std::nullopt;
  });
}

std::vector<ProductRow> Products::list()
{
  return guarded(m_db.impl(), "list products", [&] {
    SQLite::Statement s(m_db.impl().db, std::string(k_product_columns) + " ORDER BY sku");
    std::vector<ProductRow> out;
    while (s.executeStep()) out.push_back(read_product(s));
    return out;
  });
}

bool Products::upsert(const ProductInput& input, std::int64_t job_id, std::string_view now)
{
  return guarded(m_db.impl(), "save product", [&] {
    auto existing = find(input.sku);
    const bool created = !existing;
    if (created) {
      execute(m_db, "add product",
              "INSERT INTO products (sku, name, safety_buffer, restock_returns, counted_at, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)",
              input.sku, OrNull{input.name.value_or("")}, input.safety_buffer.value_or(0),
              input.restock_returns.value_or(true) ? 1 : 0, now, now, now);
      existing = find(input.sku);
    } else {
      execute(m_db, "update product", "UPDATE products SET updated_at = ? WHERE id = ?", now, existing->id);
      if (input.name) execute(m_db, "rename product", "UPDATE products SET name = ? WHERE id = ?", OrNull{*input.name}, existing->id);
      if (input.safety_buffer) {
        execute(m_db, "set safety buffer", "UPDATE products SET safety_buffer = ? WHERE id = ?", *input.safety_buffer,
                existing->id);
      }
      if (input.restock_returns) {
        execute(m_db, "set restock rule", "UPDATE products SET restock_returns = ? WHERE id = ?",
                *input.restock_returns ? 1 : 0, existing->id);
      }
    }
    if (input.on_hand) {
      // A count: on hand becomes what was counted, and shipments before now are in it.
      const std::int64_t delta = *input.on_hand - existing->on_hand;
      if (delta != 0 || created) {
        move(m_db, existing->id, "count", delta, 0, std::nullopt, job_id, {}, now);
      }
      execute(m_db, "record count", "UPDATE products SET counted_at = ? WHERE id = ?", now, existing->id);
    }
    return created;
  });
}

void Products::adjust(std::int64_t product_id, std::int64_t delta, std::string_view note, std::string_view now)
{
  guarded(m_db.impl(), "adjust stock", [&] { move(m_db, product_id, "adjust", delta, 0, std::nullopt, 0, note, now); });
}

std::vector<MovementRow> Products::movements(std::int64_t product_id, int limit)
{
  return guarded(m_db.impl(), "read movements", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT m.id, p.sku, m.reason, m.on_hand_delta, m.reserved_delta, COALESCE(c.name, ''), "
                        "COALESCE(o.external_id, ''), COALESCE(i.external_id, ''), COALESCE(m.job_id, 0), m.note, "
                        "m.created_at FROM stock_movements m JOIN products p ON p.id = m.product_id "
                        "LEFT JOIN order_items i ON i.id = m.order_item_id LEFT JOIN orders o ON o.id = i.order_id "
                        "LEFT JOIN channels c ON c.id = o.channel_id WHERE m.product_id = ? ORDER BY m.id DESC LIMIT ?");
    bind_all(s, product_id, limit);
    std::vector<MovementRow> out;
    while (s.executeStep()) {
      MovementRow m;
      read_columns(s, m.id, m.sku, m.reason, m.on_hand_delta, m.reserved_delta, m.channel, m.order_id, m.item_id,
                   m.job_id, m.note, m.created_at);
      out.push_back(std::move(m));
    }
    return out;
  });
}

// --- listings ----------------------------------------------------------------------------

Listings::Recorded Listings::record(std::int64_t channel_id, const connectors::Listing& listing,
                                    std::string_view source, std::string_view now)
{
  return guarded(m_db.impl(), "record listing", [&] {
    std::string attributes;
    if (!listing.attributes.empty()) {
      attributes = nlohmann::json(listing.attributes).dump();
    }
    Cached upsert(m_db.impl(),
                  "INSERT INTO listings (channel_id, item_id, option_id, seller_code, name, source, attributes, "
                  "remote_quantity, remote_read_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (channel_id, item_id, option_id) DO UPDATE SET "
                  "seller_code = COALESCE(excluded.seller_code, seller_code), name = COALESCE(excluded.name, name), "
                  "source = CASE WHEN excluded.source = 'catalogue' THEN 'catalogue' ELSE source END, "
                  "attributes = COALESCE(excluded.attributes, attributes), "
                  "remote_quantity = COALESCE(excluded.remote_quantity, remote_quantity), "
                  "remote_read_at = COALESCE(excluded.remote_read_at, remote_read_at), updated_at = excluded.updated_at "
                  "RETURNING id, product_id IS NULL AND mapped_by IS NULL");
    bind_all(*upsert, channel_id, listing.item_id, listing.option_id, OrNull{listing.seller_code}, OrNull{listing.name},
             source, OrNull{attributes},
             listing.quantity ? std::optional<std::int64_t>(*listing.quantity) : std::optional<std::int64_t>(),
             OrNull{listing.quantity ? now : std::string_view()}, now, now);
    Recorded r;
    bool mappable = false;
    if (upsert->executeStep()) read_columns(*upsert, r.id, mappable);
    while (upsert->executeStep()) {
    }
    if (mappable && !listing.seller_code.empty()) {
      r.mapped_now = execute(m_db, "map listing",
                             "UPDATE listings SET product_id = (SELECT id FROM products WHERE sku = ?), "
                             "mapped_by = 'auto', updated_at = ? WHERE id = ? AND EXISTS "
                             "(SELECT 1 FROM products WHERE sku = ?)",
                             listing.seller_code, now, r.id, listing.seller_code) > 0;
    }
    return r;
  });
}

std::optional<ListingRow> Listings::find(std::int64_t channel_id, std::string_view item_id, std::string_view option_id)
{
  return guarded(m_db.impl(), "read listing", [&]() -> std::optional<ListingRow> {
    SQLite::Statement s(m_db.impl().db,
                        std::string(k_listing_columns) + " WHERE l.channel_id = ? AND l.item_id = ? AND l.option_id = ?");
    bind_all(s, channel_id, item_id, option_id);
    if (s.executeStep()) return read_listing(s);
    return std::nullopt;
  });
}

std::optional<ListingRow> Listings::get(std::int64_t id)
{
  return guarded(m_db.impl(), "read listing", [&]() -> std::optional<ListingRow> {
    SQLite::Statement s(m_db.impl().db, std::string(k_listing_columns) + " WHERE l.id = ?");
    bind_all(s, id);
    if (s.executeStep()) return read_listing(s);
    return std::nullopt;
  });
}

std::vector<ListingRow> Listings::list(const ListingFilter& filter)
{
  return guarded(m_db.impl(), "list listings", [&] {
    std::string sql = std::string(k_listing_columns) + " WHERE (? = '' OR c.name = ?)";
    if (filter.unmapped_only) sql += " AND l.product_id IS NULL";
    if (filter.mapped_only) sql += " AND l.product_id IS NOT NULL";
    if (!filter.skus.empty()) {
      sql += " AND p.sku IN (";
      for (std::size_t i = 0; i < filter.skus.size(); ++i) sql += i == 0 ? "?" : ", ?";
      sql += ")";
    }
    sql += " ORDER BY c.name, l.item_id, l.option_id";
    SQLite::Statement s(m_db.impl().db, sql);
    bind_all(s, filter.channel, filter.channel);
    int index = 2;
    for (const auto& sku : filter.skus) s.bind(++index, sku);
    std::vector<ListingRow> out;
    while (s.executeStep()) out.push_back(read_listing(s));
    SQLite::Statement count(m_db.impl().db,
                            std::string("SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id "
                                        "JOIN listings l ON l.id = ? WHERE o.channel_id = l.channel_id AND ") +
                              k_item_matches_listing);
    for (auto& r : out) {
      count.reset();
      count.bind(1, r.id);
      if (count.executeStep()) r.items = count.getColumn(0).getInt64();
    }
    return out;
  });
}

std::vector<std::string> Listings::known_items(std::int64_t channel_id)
{
  return guarded(m_db.impl(), "list known items", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT item_id FROM listings WHERE channel_id = ? UNION SELECT i.product_id FROM order_items i "
                        "JOIN orders o ON o.id = i.order_id WHERE o.channel_id = ? AND COALESCE(i.product_id, '') <> '' "
                        "ORDER BY 1");
    bind_all(s, channel_id, channel_id);
    std::vector<std::string> out;
    while (s.executeStep()) out.push_back(text(s.getColumn(0)));
    return out;
  });
}

void Listings::map(std::int64_t listing_id, std::int64_t product_id, std::string_view by, std::string_view now)
{
  execute(m_db, "map listing", "UPDATE listings SET product_id = ?, mapped_by = ?, updated_at = ? WHERE id = ?",
          product_id, by, now, listing_id);
}

void Listings::unmap(std::int64_t listing_id, std::string_view now)
{
  // mapped_by stays 'operator': an operator's unmapping is not undone by automatic mapping.
  execute(m_db, "unmap listing",
          "UPDATE listings SET product_id = NULL, mapped_by = 'operator', updated_at = ? WHERE id = ?", now, listing_id);
}

std::vector<std::int64_t> Listings::automap(std::int64_t product_id, std::string_view sku, std::string_view now)
{
  return guarded(m_db.impl(), "map listings by code", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "UPDATE listings SET product_id = ?, mapped_by = 'auto', updated_at = ? "
                        "WHERE seller_code = ? AND product_id IS NULL AND mapped_by IS NULL RETURNING id");
    bind_all(s, product_id, now, sku);
    std::vector<std::int64_t> ids;
    while (s.executeStep()) ids.push_back(s.getColumn(0).getInt64());
    return ids;
  });
}

void Listings::begin_push(std::int64_t listing_id, std::int64_t target, std::string_view now)
{
  execute(m_db, "mark listing sending",
          "UPDATE listings SET push_state = 'sending', push_target = ?, updated_at = ? WHERE id = ?", target, now,
          listing_id);
}

void Listings::pushed(std::int64_t listing_id, std::int64_t quantity, std::string_view now)
{
  execute(m_db, "record stock push",
          "UPDATE listings SET push_state = 'idle', push_target = NULL, pushed_quantity = ?, pushed_at = ?, "
          "remote_quantity = ?, remote_read_at = ?, sold_since_push = 0, updated_at = ? WHERE id = ?",
          quantity, now, quantity, now, now, listing_id);
}

void Listings::end_push(std::int64_t listing_id, std::string_view now)
{
  execute(m_db, "clear listing push",
          "UPDATE listings SET push_state = 'idle', push_target = NULL, updated_at = ? WHERE id = ?", now, listing_id);
}

void Listings::remote_read(std::int64_t listing_id, std::int64_t quantity, std::int64_t add_held,
                           std::string_view now)
{
  execute(m_db, "record remote stock",
          "UPDATE listings SET remote_quantity = ?, remote_read_at = ?, held_drift = held_drift + ?, "
          "sold_since_push = CASE WHEN ? > 0 THEN 0 ELSE sold_since_push END, updated_at = ? WHERE id = ?",
          quantity, now, add_held, add_held, now, listing_id);
}

void Listings::set_attributes(std::int64_t listing_id, std::string_view json, std::string_view now)
{
  execute(m_db, "set listing attributes", "UPDATE listings SET attributes = ?, updated_at = ? WHERE id = ?",
          OrNull{json}, now, listing_id);
}

// --- the ledger --------------------------------------------------------------------------

std::vector<Oversold> Ledger::apply_items(std::int64_t channel_id, std::span<const std::int64_t> item_row_ids,
                                          std::int64_t job_id, std::string_view now)
{
  return guarded(m_db.impl(), "apply items to stock", [&] {
    std::vector<Oversold> oversold;
    Listings listings(m_db);
    for (const std::int64_t row_id : item_row_ids) {
      Cached item(m_db.impl(),
                  "SELECT COALESCE(i.product_id, ''), COALESCE(i.option_id, ''), COALESCE(i.sku, ''), "
                  "COALESCE(i.name, ''), i.quantity, i.status, COALESCE(o.changed_at, ''), c.name, o.external_id, "
                  "i.external_id FROM order_items i JOIN orders o ON o.id = i.order_id "
                  "JOIN channels c ON c.id = o.channel_id WHERE i.id = ?");
      bind_all(*item, row_id);
      if (!item->executeStep()) continue;
      std::string product_key, option_key, sku, name, status_text, changed_at, channel, order_id, item_id;
      std::int64_t quantity = 0;
      read_columns(*item, product_key, option_key, sku, name, quantity, status_text, changed_at, channel, order_id,
                   item_id);
      const OrderStatus status = parse_order_status(status_text).value_or(OrderStatus::unknown);
      if (product_key.empty()) {
        product_key = sku; // a source without ids: the seller's code names the listing
        option_key.clear();
      }
      if (product_key.empty()) continue;
      quantity = std::max<std::int64_t>(0, quantity); // Coupang reports a fully cancelled item as 0 units

      // The item's listing, recorded from the order the first time it is seen.
      std::int64_t listing_id = 0, mapped_product = 0, held = 0;
      {
        Cached find(m_db.impl(), "SELECT id, COALESCE(product_id, 0), held_drift FROM listings "
                                 "WHERE channel_id = ? AND item_id = ? AND option_id = ?");
        bind_all(*find, channel_id, product_key, option_key);
        if (find->executeStep()) read_columns(*find, listing_id, mapped_product, held);
      }
      if (listing_id == 0) {
        connectors::Listing seen;
        seen.item_id = product_key;
        seen.option_id = option_key;
        seen.seller_code = sku;
        seen.name = name;
        listing_id = listings.record(channel_id, seen, "order", now).id;
        Cached again(m_db.impl(), "SELECT COALESCE(product_id, 0) FROM listings WHERE id = ?");
        bind_all(*again, listing_id);
        if (again->executeStep()) mapped_product = again->getColumn(0).getInt64();
      }

      ItemState current = ItemState::none;
      std::int64_t held_quantity = 0, product_id = mapped_product;
      {
        Cached state(m_db.impl(), "SELECT state, quantity, product_id FROM item_stock WHERE order_item_id = ?");
        bind_all(*state, row_id);
        if (state->executeStep()) {
          current = parse_item_state(text(state->getColumn(0))).value_or(ItemState::none);
          held_quantity = state->getColumn(1).getInt64();
          product_id = state->getColumn(2).getInt64(); // an applied item stays with its product
        }
      }
      if (product_id == 0) continue; // unmapped: counted, not lost; applied when mapped

      std::int64_t counted_after_ship = 0;
      std::string counted_at;
      bool restock = true;
      {
        Cached p(m_db.impl(), "SELECT counted_at, restock_returns FROM products WHERE id = ?");
        bind_all(*p, product_id);
        if (p->executeStep()) read_columns(*p, counted_at, restock);
      }
      // The unit left before the latest count when the marketplace's change time says so.
      const std::string_view shipped_at = changed_at.empty() ? now : std::string_view(changed_at);
      counted_after_ship = shipped_at < std::string_view(counted_at) ? 1 : 0;

      ItemState target = next_state(current, status);
      if (quantity == 0 && (target == ItemState::reserved || target == ItemState::shipped) && current != ItemState::shipped) {
        target = ItemState::none; // nothing left to hold
      }
      bool new_sale = false, reserved_now = false;
      if (target == current) {
        if (current == ItemState::reserved && held_quantity != quantity) {
          move(m_db, product_id, "reserve", 0, quantity - held_quantity, row_id, job_id, "quantity changed", now);
          reserved_now = quantity > held_quantity;
          held_quantity = quantity;
        } else {
          continue;
        }
      } else if (target == ItemState::reserved) { // from none: a sale, or a withdrawn cancellation
        move(m_db, product_id, "reserve", 0, quantity, row_id, job_id, {}, now);
        new_sale = reserved_now = true;
        held_quantity = quantity;
      } else if (target == ItemState::none) { // cancelled before shipping
        move(m_db, product_id, "release", 0, -held_quantity, row_id, job_id, {}, now);
        held_quantity = 0;
      } else if (target == ItemState::shipped) {
        const std::int64_t deduct = counted_after_ship ? 0 : quantity;
        move(m_db, product_id, "ship", -deduct, -held_quantity, row_id, job_id,
             counted_after_ship ? "shipped before the latest count" : "", now);
        new_sale = current == ItemState::none;
        held_quantity = quantity;
      } else if (target == ItemState::returned) {
        move(m_db, product_id, "return", restock ? held_quantity : 0, 0, row_id, job_id,
             restock ? "" : "not restocked (product setting)", now);
      }
      execute(m_db, "record item stock",
              "INSERT INTO item_stock (order_item_id, product_id, state, quantity, updated_at) VALUES (?, ?, ?, ?, ?) "
              "ON CONFLICT (order_item_id) DO UPDATE SET state = excluded.state, quantity = excluded.quantity, "
              "updated_at = excluded.updated_at",
              row_id, product_id, to_string(target), held_quantity, now);
      if (new_sale) {
        // A sale the marketplace already took off this listing: explains held drift first.
        const std::int64_t consumed = std::min(held, quantity);
        execute(m_db, "count listing sale",
                "UPDATE listings SET held_drift = held_drift - ?, sold_since_push = sold_since_push + ? WHERE id = ?",
                consumed, quantity - consumed, listing_id);
      }
      if (reserved_now) {
        Cached p(m_db.impl(), "SELECT sku, on_hand, reserved FROM products WHERE id = ?");
        bind_all(*p, product_id);
        if (p->executeStep()) {
          Oversold o;
          read_columns(*p, o.sku, o.on_hand, o.reserved);
          if (o.on_hand - o.reserved < 0) {
            o.channel = channel;
            o.order_id = order_id;
            o.item_id = item_id;
            oversold.push_back(std::move(o));
          }
        }
      }
    }
    return oversold;
  });
}

std::vector<Oversold> Ledger::apply_listing(std::int64_t listing_id, std::int64_t job_id, std::string_view now)
{
  std::int64_t channel_id = 0;
  std::vector<std::int64_t> ids;
  guarded(m_db.impl(), "find a listing's items", [&] {
    SQLite::Statement s(m_db.impl().db,
                        std::string("SELECT i.id, l.channel_id FROM order_items i JOIN orders o ON o.id = i.order_id "
                                    "JOIN listings l ON l.id = ? WHERE o.channel_id = l.channel_id AND ") +
                          k_item_matches_listing + " ORDER BY i.id");
    bind_all(s, listing_id);
    while (s.executeStep()) {
      ids.push_back(s.getColumn(0).getInt64());
      channel_id = s.getColumn(1).getInt64();
    }
  });
  if (ids.empty()) return {};
  return apply_items(channel_id, ids, job_id, now);
}

std::vector<Ledger::Unmapped> Ledger::unmapped()
{
  return guarded(m_db.impl(), "count unmapped items", [&] {
    SQLite::Statement s(m_db.impl().db,
                        std::string("SELECT c.name, count(*), COALESCE(sum(i.quantity), 0) FROM order_items i "
                                    "JOIN orders o ON o.id = i.order_id JOIN channels c ON c.id = o.channel_id "
                                    "WHERE i.quantity > 0 AND NOT EXISTS (SELECT 1 FROM item_stock s "
                                    "WHERE s.order_item_id = i.id) AND NOT EXISTS (SELECT 1 FROM listings l "
                                    "WHERE l.channel_id = o.channel_id AND l.product_id IS NOT NULL AND ") +
                          k_item_matches_listing + ") GROUP BY c.name ORDER BY c.name");
    std::vector<Unmapped> out;
    while (s.executeStep()) {
      Unmapped u;
      read_columns(s, u.channel, u.items, u.units);
      out.push_back(std::move(u));
    }
    return out;
  });
}

} // namespace uoms::store
