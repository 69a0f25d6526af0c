#include "src/store/connection.hpp"
#include "uoms/crypto.hpp"
#include "uoms/store/orders.hpp"
#include "uoms/util/text.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace uoms::store {

namespace {

std::string opt_time(const std::optional<TimePoint>& t)
{
  return t ? format_utc(*t) : std::string();
}

bool is_final(OrderStatus s)
{
  return s == OrderStatus::cancelled || s == OrderStatus::returned || s == OrderStatus::exchanged;
}

// An item as stored before this upsert.
struct StoredItem
{
  std::int64_t id = 0;
  OrderStatus status = OrderStatus::unknown;
  std::string raw_status;
  int quantity = 0;
  std::int64_t total_price_minor = 0;
  std::string hash;
};

struct StoredOrder
{
  std::int64_t id = 0;
  std::string hash;
  std::map<std::string, StoredItem, std::less<>> items;
};

std::optional<StoredOrder> find_order(Database::Impl& impl, std::int64_t channel_id, const std::string& external_id)
{
  Cached find(impl, "SELECT id, content_hash FROM orders WHERE channel_id = ? AND external_id = ?");
  bind_all(*find, channel_id, external_id);
  if (!find->executeStep()) {
    return std::nullopt;
  }
  StoredOrder order{find->getColumn(0).getInt64(), find->getColumn(1).getString(), {}};
  Cached items(impl, "SELECT id, external_id, status, raw_status, quantity, total_price_minor, content_hash "
                     "FROM order_items WHERE order_id = ?");
  items->bind(1, order.id);
  while (items->executeStep()) {
    StoredItem item;
    item.id = items->getColumn(0).getInt64();
    item.status = parse_order_status(items->getColumn(2).getString()).value_or(OrderStatus::unknown);
    item.raw_status = items->getColumn(3).getString();
    item.quantity = items->getColumn(4).getInt();
    item.total_price_minor = items->getColumn(5).getInt64();
    item.hash = items->getColumn(6).getString();
    order.items.emplace(items->getColumn(1).getString(), std::move(item));
  }
  return order;
}

// What the order row says once this upsert is applied: its status comes from all of its
// items (stored and given), raw_status from the item that decided it.
struct Derived
{
  OrderStatus status;
  std::string raw_status;
  std::int64_t items_total = 0;
};

Derived derive(const Order& o, const std::optional<StoredOrder>& stored)
{
  std::vector<std::pair<OrderStatus, const std::string*>> all;
  std::int64_t total = 0;
  for (const auto& item : o.items) {
    all.emplace_back(item.status, &item.raw_status);
    total += item.total_price_minor;
  }
  if (stored) {
    for (const auto& [id, item] : stored->items) {
      const bool given = std::any_of(o.items.begin(), o.items.end(), [&](const auto& i) { return i.external_id == id; });
      if (!given) {
        all.emplace_back(item.status, &item.raw_status);
        total += item.total_price_minor;
      }
    }
  }
  std::vector<OrderStatus> statuses;
  for (const auto& [status, raw] : all) statuses.push_back(status);
  Derived out{o.status, o.raw_status, total};
  const auto status = derive_status(statuses);
  if (status && *status != o.status) {
    out.status = *status;
    for (const auto& [item_status, raw] : all) {
      if (item_status == *status) {
        out.raw_status = *raw;
        break;
      }
    }
  }
  return out;
}

void write_order(Database::Impl& impl, std::int64_t channel_id, const Order& o, const UpsertOptions& options,
                 const Derived& derived, const std::string& hash, std::int64_t& order_id)
{
  Cached s(impl, order_id == 0
      ? "INSERT INTO orders (status, raw_status, ordered_at, paid_at, changed_at, currency, total_minor, "
        "shipping_fee_minor, buyer_name, buyer_phone, buyer_email, receiver_name, receiver_phone, receiver_zip, "
        "receiver_address1, receiver_address2, raw, content_hash, updated_at, last_job_id, channel_id, external_id, "
        "first_seen_at, first_job_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
      : "UPDATE orders SET status = ?, raw_status = ?, ordered_at = ?, paid_at = ?, changed_at = ?, currency = ?, "
        "total_minor = ?, shipping_fee_minor = ?, buyer_name = ?, buyer_phone = ?, buyer_email = ?, "
        "receiver_name = ?, receiver_phone = ?, receiver_zip = ?, receiver_address1 = ?, receiver_address2 = ?, "
        "raw = ?, content_hash = ?, updated_at = ?, last_job_id = ? WHERE id = ?");
  // The payload is written only with a changed order (an unchanged one never gets here).
  const std::string raw = impl.payloads().compress(channel_id, o.raw);
  int i = 0;
  bind_text(*s, ++i, to_string(derived.status));
  bind_text(*s, ++i, derived.raw_status);
  bind_text_or_null(*s, ++i, opt_time(o.ordered_at));
  bind_text_or_null(*s, ++i, opt_time(o.paid_at));
  bind_text_or_null(*s, ++i, opt_time(o.changed_at));
  bind_text(*s, ++i, o.currency);
  // A partial page's own total covers only its items; the order's is all of them.
  s->bind(++i, static_cast<std::int64_t>(options.partial ? o.shipping_fee_minor + derived.items_total : o.total_minor));
  s->bind(++i, static_cast<std::int64_t>(o.shipping_fee_minor));
  for (const auto* v : {&o.buyer.name, &o.buyer.phone, &o.buyer.email, &o.receiver.name, &o.receiver.phone,
                        &o.receiver.zip, &o.receiver.address1, &o.receiver.address2}) {
    bind_text_or_null(*s, ++i, *v);
  }
  s->bindNoCopy(++i, raw.data(), static_cast<int>(raw.size()));
  bind_text(*s, ++i, hash);
  bind_text(*s, ++i, options.now);
  s->bind(++i, options.job_id);
  if (order_id == 0) {
    s->bind(++i, channel_id);
    bind_text(*s, ++i, o.external_id);
    bind_text(*s, ++i, options.now);
    s->bind(++i, options.job_id);
    s->exec();
    order_id = impl.db.getLastInsertRowid();
  } else {
    s->bind(++i, order_id);
    s->exec();
  }
}

std::int64_t write_item(Database::Impl& impl, std::int64_t order_id, const OrderItem& it, const std::string& hash)
{
  Cached item(impl, "INSERT INTO order_items (order_id, external_id, shipment_key, sku, product_id, option_id, name, "
    "option_name, quantity, unit_price_minor, total_price_minor, status, raw_status, content_hash) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (order_id, external_id) DO UPDATE SET shipment_key = excluded.shipment_key, sku = excluded.sku, "
    "product_id = excluded.product_id, option_id = excluded.option_id, name = excluded.name, "
    "option_name = excluded.option_name, quantity = excluded.quantity, unit_price_minor = excluded.unit_price_minor, "
    "total_price_minor = excluded.total_price_minor, status = excluded.status, raw_status = excluded.raw_status, "
    "content_hash = excluded.content_hash RETURNING id");
  int j = 0;
  item->bind(++j, order_id);
  bind_text(*item, ++j, it.external_id);
  bind_text(*item, ++j, it.shipment_key);
  bind_text_or_null(*item, ++j, it.sku);
  bind_text_or_null(*item, ++j, it.product_id);
  bind_text_or_null(*item, ++j, it.option_id);
  bind_text_or_null(*item, ++j, it.name);
  bind_text_or_null(*item, ++j, it.option_name);
  item->bind(++j, it.quantity);
  item->bind(++j, static_cast<std::int64_t>(it.unit_price_minor));
  item->bind(++j, static_cast<std::int64_t>(it.total_price_minor));
  bind_text(*item, ++j, to_string(it.status));
  bind_text(*item, ++j, it.raw_status);
  bind_text(*item, ++j, hash);
  item->executeStep();
  return item->getColumn(0).getInt64();
}

// A stored content hash against one computed now: rows written before hashes were shortened
// hold the whole SHA-256, of which the current hash is the start.
bool same_hash(std::string_view stored, std::string_view computed)
{
  return stored.starts_with(computed);
}

} // namespace

std::string_view to_string(UpsertAction action)
{
  switch (action) {
  case UpsertAction::created: return "created";
  case UpsertAction::updated: return "updated";
  case UpsertAction::unchanged: return "unchanged";
  }
  return "unchanged";
}

std::optional<OrderStatus> derive_status(const std::vector<OrderStatus>& items)
{
  std::optional<OrderStatus> live, any;
  for (auto s : items) {
    if (s == OrderStatus::unknown) {
      continue;
    }
    if (!any || s < *any) any = s;
    if (!is_final(s) && (!live || s < *live)) live = s;
  }
  return live ? live : any;
}

namespace {

// The text nlohmann::json's dump() gives for an array of strings, integers and nested
// arrays, written straight from the fields: the content hashes stay the ones stored before,
// without building and destroying a JSON tree per order. Strings are escaped as dump() does
// (", \, \b \f \n \r \t, other bytes below 0x20 as \u00xx); other bytes pass through.
class HashText
{
public:
  explicit HashText(std::string& out) : m_out(out) { m_out.clear(); }

  HashText& open()
  {
    separate();
    m_out += '[';
    m_first = true;
    return *this;
  }
  HashText& close()
  {
    m_out += ']';
    m_first = false;
    return *this;
  }
  HashText& add(std::string_view s)
  {
    separate();
    m_out += '"';
    for (const char c : s) {
      switch (c) {
      case '"': m_out += "\\\""; break;
      case '\\': m_out += "\\\\"; break;
      case '\b': m_out += "\\b"; break;
      case '\f': m_out += "\\f"; break;
      case '\n': m_out += "\\n"; break;
      case '\r': m_out += "\\r"; break;
      case '\t': m_out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(m_out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          m_out += c;
        }
      }
    }
    m_out += '"';
    return *this;
  }
  HashText& add(std::int64_t n)
  {
    separate();
    fmt::format_to(std::back_inserter(m_out), "{}", n);
    return *this;
  }
  HashText& add(const std::optional<TimePoint>& t)
  {
    return t ? add(std::string_view(format_utc(*t))) : add(std::string_view());
  }
  HashText& add(const Party& p) { return open().add(p.name).add(p.phone).add(p.email).add(p.zip).add(p.address1).add(p.address2).close(); }

private:
  void separate()
  {
    if (!m_first) m_out += ',';
    m_first = false;
  }

  std::string& m_out;
  bool m_first = true;
};

// A content hash is the first 64 bits of the SHA-256 (16 hex digits): it tells one version of
// the same order from the next, where a collision is 2^-64 likely, and keeps 48 bytes per
// order and per item out of the database.
constexpr std::size_t k_hash_chars = 16;

// One buffer per thread for the hashed text, reused from order to order.
std::string& hash_buffer()
{
  thread_local std::string buffer;
  return buffer;
}

} // namespace

std::string header_hash(const Order& o, bool partial)
{
  auto& buffer = hash_buffer();
  HashText text(buffer);
  // A partial page's status and totals describe only its items; they are derived here
  // and must not make an unchanged order look updated.
  text.open()
    .add(o.external_id)
    .add(partial ? std::string_view() : std::string_view(o.raw_status))
    .add(o.ordered_at)
    .add(o.paid_at)
    .add(partial ? std::nullopt : o.changed_at)
    .add(o.currency)
    .add(partial ? 0 : o.total_minor)
    .add(partial ? 0 : o.shipping_fee_minor)
    .add(o.buyer)
    .add(o.receiver)
    .close();
  return crypto::sha256_hex(buffer).substr(0, k_hash_chars);
}

std::string item_hash(const OrderItem& i)
{
  auto& buffer = hash_buffer();
  HashText text(buffer);
  text.open()
    .add(i.external_id)
    .add(i.shipment_key)
    .add(i.sku)
    .add(i.product_id)
    .add(i.option_id)
    .add(i.name)
    .add(i.option_name)
    .add(std::int64_t{i.quantity})
    .add(i.unit_price_minor)
    .add(i.total_price_minor)
    .add(i.raw_status)
    .add(to_string(i.status));
  // Only when present, so items without one keep the hashes stored before tracking existed.
  if (!i.tracking_number.empty()) {
    text.add(i.tracking_carrier).add(i.tracking_number);
  }
  text.close();
  return crypto::sha256_hex(buffer).substr(0, k_hash_chars);
}

UpsertResult Orders::upsert(std::int64_t channel_id, const Order& o, const UpsertOptions& options)
{
  auto& impl = m_db.impl();
  return guarded(impl, "save order " + o.external_id, [&] {
    UpsertResult result;
    result.header_hash = header_hash(o, options.partial);
    const auto stored = find_order(impl, channel_id, o.external_id);
    bool items_same = true;
    result.items.reserve(o.items.size());
    for (const auto& item : o.items) {
      ItemChange change;
      change.external_id = item.external_id;
      change.sku = item.sku;
      change.quantity = item.quantity;
      change.new_status = item.status;
      change.hash = item_hash(item);
      change.action = UpsertAction::created;
      if (stored) {
        if (auto it = stored->items.find(item.external_id); it != stored->items.end()) {
          change.item_row_id = it->second.id;
          change.old_status = it->second.status;
          change.old_quantity = it->second.quantity;
          change.action = same_hash(it->second.hash, change.hash) ? UpsertAction::unchanged : UpsertAction::updated;
        }
      }
      items_same = items_same && change.action == UpsertAction::unchanged;
      result.items.push_back(std::move(change));
    }
    if (!stored) {
      result.action = UpsertAction::created;
    } else {
      result.order_row_id = stored->id;
      result.action = same_hash(stored->hash, result.header_hash) && items_same ? UpsertAction::unchanged : UpsertAction::updated;
    }
    if (result.action == UpsertAction::unchanged || options.dry_run) {
      return result;
    }
    write_order(impl, channel_id, o, options, derive(o, stored), result.header_hash, result.order_row_id);
    for (std::size_t k = 0; k < o.items.size(); ++k) {
      auto& change = result.items[k];
      if (change.action != UpsertAction::unchanged) {
        change.item_row_id = write_item(impl, result.order_row_id, o.items[k], change.hash);
      }
    }
    return result;
  });
}

namespace {

// The WHERE clause of `filter` over `orders o`, with named parameters bind_filter binds.
// The channel is matched by id so the (channel_id, ordered_at) index can serve it.
std::string filter_sql(const OrderFilter& f)
{
  std::string sql = " WHERE 1 = 1";
  if (!f.channel.empty()) sql += " AND o.channel_id = (SELECT id FROM channels WHERE name = :channel)";
  if (!f.status.empty()) sql += " AND o.status = :status";
  if (!f.since.empty()) sql += " AND o.ordered_at >= :since";
  if (!f.until.empty()) sql += " AND o.ordered_at < :until";
  if (!f.search.empty()) {
    sql += " AND (instr(lower(o.external_id), :q) OR instr(lower(coalesce(o.buyer_name, '')), :q) "
           "OR instr(lower(coalesce(o.receiver_name, '')), :q) OR EXISTS (SELECT 1 FROM order_items i "
           "WHERE i.order_id = o.id AND (instr(lower(i.external_id), :q) OR instr(lower(coalesce(i.name, '')), :q) "
           "OR instr(lower(coalesce(i.sku, '')), :q))))";
  }
  return sql;
}

void bind_filter(SQLite::Statement& s, const OrderFilter& f)
{
  if (!f.channel.empty()) s.bind(":channel", f.channel);
  if (!f.status.empty()) s.bind(":status", f.status);
  if (!f.since.empty()) s.bind(":since", f.since);
  if (!f.until.empty()) s.bind(":until", f.until);
  if (!f.search.empty()) s.bind(":q", util::ascii_lower(f.search));
}

constexpr const char* k_order_columns =
  "SELECT o.id, c.name, c.kind, o.external_id, o.status, o.raw_status, o.ordered_at, o.paid_at, o.changed_at, "
  "o.currency, o.total_minor, o.shipping_fee_minor, o.buyer_name, o.buyer_phone, o.buyer_email, o.receiver_name, "
  "o.receiver_phone, o.receiver_zip, o.receiver_address1, o.receiver_address2, o.first_seen_at, o.updated_at, "
  "coalesce(o.first_job_id, 0), coalesce(o.last_job_id, 0) "
  // CROSS JOIN keeps orders the outer loop, so an ordered_at index gives the order.
  "FROM orders o CROSS JOIN channels c ON c.id = o.channel_id";

OrderRecord read_order(SQLite::Statement& s)
{
  OrderRecord r;
  read_columns(s, r.id, r.channel, r.channel_kind, r.external_id, r.status, r.raw_status, r.ordered_at, r.paid_at,
               r.changed_at, r.currency, r.total_minor, r.shipping_fee_minor, r.buyer_name, r.buyer_phone,
               r.buyer_email, r.receiver_name, r.receiver_phone, r.receiver_zip, r.receiver_address1,
               r.receiver_address2, r.first_seen_at, r.updated_at, r.first_job_id, r.last_job_id);
  return r;
}

constexpr const char* k_items_sql =
  "SELECT i.id, i.external_id, i.shipment_key, i.sku, i.product_id, i.option_id, i.name, i.option_name, i.status, "
  "i.raw_status, i.quantity, i.unit_price_minor, i.total_price_minor, s.carrier, s.tracking_number, s.state "
  "FROM order_items i LEFT JOIN shipments s ON s.order_id = i.order_id AND s.shipment_key = i.shipment_key "
  "WHERE i.order_id = ? ORDER BY i.id";

void read_items(SQLite::Statement& items, OrderRecord& order)
{
  items.reset();
  items.bind(1, order.id);
  while (items.executeStep()) {
    ItemRecord it;
    read_columns(items, it.id, it.external_id, it.shipment_key, it.sku, it.product_id, it.option_id, it.name,
                 it.option_name, it.status, it.raw_status, it.quantity, it.unit_price_minor, it.total_price_minor,
                 it.carrier, it.tracking_number, it.shipment_state);
    order.items.push_back(std::move(it));
  }
}

} // namespace

std::vector<OrderSummary> Orders::list(const OrderFilter& filter)
{
  return guarded(m_db.impl(), "list orders", [&] {
    std::string sql =
      "SELECT o.id, c.name, o.external_id, o.status, o.raw_status, o.ordered_at, o.currency, o.receiver_name, "
      "o.updated_at, o.total_minor, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) "
      "FROM orders o CROSS JOIN channels c ON c.id = o.channel_id" +
      filter_sql(filter) + " ORDER BY o.ordered_at DESC, o.id DESC LIMIT :limit";
    SQLite::Statement s(m_db.impl().db, sql);
    bind_filter(s, filter);
    s.bind(":limit", filter.limit > 0 ? filter.limit : -1);
    std::vector<OrderSummary> rows;
    while (s.executeStep()) {
      OrderSummary r;
      read_columns(s, r.id, r.channel, r.external_id, r.status, r.raw_status, r.ordered_at, r.currency, r.receiver_name, r.updated_at, r.total_minor, r.items);
      rows.push_back(std::move(r));
    }
    return rows;
  });
}

std::optional<OrderRecord> Orders::find(std::string_view channel, std::string_view external_id)
{
  return guarded(m_db.impl(), "find order", [&]() -> std::optional<OrderRecord> {
    SQLite::Statement s(m_db.impl().db, std::string(k_order_columns) + " WHERE c.name = ? AND o.external_id = ?");
    bind_all(s, channel, external_id);
    if (!s.executeStep()) return std::nullopt;
    auto order = read_order(s);
    SQLite::Statement items(m_db.impl().db, k_items_sql);
    read_items(items, order);
    return order;
  });
}

std::optional<std::string> Orders::raw(std::string_view channel, std::string_view external_id)
{
  return guarded(m_db.impl(), "read order payload", [&]() -> std::optional<std::string> {
    SQLite::Statement s(m_db.impl().db, "SELECT o.raw FROM orders o JOIN channels c ON c.id = o.channel_id "
                                        "WHERE c.name = ? AND o.external_id = ?");
    bind_all(s, channel, external_id);
    if (!s.executeStep()) return std::nullopt;
    return m_db.impl().payloads().decompress(s.getColumn(0));
  });
}

std::vector<OrderEvent> Orders::history(std::string_view channel, std::string_view external_id)
{
  return guarded(m_db.impl(), "read order history", [&] {
    // Item and shipment details name `ORDER/ITEM` or `ORDER/SHIPMENT`: one range of the
    // (channel, external_id) index, [ID, ID0) ('0' is the byte after '/'), holds them and
    // the order's own rows; the second condition drops other ids in it (`ID-2`).
    SQLite::Statement s(m_db.impl().db,
                        "SELECT d.job_id, j.kind, j.status, d.created_at, d.subject_type, d.external_id, d.action, "
                        "d.error, d.request_id, coalesce(d.http_status, 0) FROM job_details d JOIN jobs j ON j.id = d.job_id "
                        "WHERE d.channel = :channel AND d.external_id >= :id AND d.external_id < :id || '0' "
                        "AND (d.external_id = :id OR d.external_id >= :id || '/') ORDER BY d.id");
    s.bind(":channel", std::string(channel));
    s.bind(":id", std::string(external_id));
    std::vector<OrderEvent> rows;
    while (s.executeStep()) {
      OrderEvent e;
      read_columns(s, e.job_id, e.job_kind, e.job_status, e.at, e.subject_type, e.external_id, e.action, e.error,
                   e.request_id, e.http_status);
      rows.push_back(std::move(e));
    }
    return rows;
  });
}

std::int64_t Orders::each(const OrderFilter& filter, const std::function<void(const OrderRecord&)>& sink)
{
  return guarded(m_db.impl(), "read orders", [&] {
    SQLite::Statement s(m_db.impl().db, std::string(k_order_columns) + filter_sql(filter) +
                                          " ORDER BY o.ordered_at, o.id LIMIT :limit");
    bind_filter(s, filter);
    s.bind(":limit", filter.limit > 0 ? filter.limit : -1);
    SQLite::Statement items(m_db.impl().db, k_items_sql);
    std::int64_t n = 0;
    while (s.executeStep()) {
      auto order = read_order(s);
      read_items(items, order);
      sink(order);
      ++n;
    }
    return n;
  });
}

} // namespace uoms::store
