#include "uoms/error.hpp"
#include "uoms/model.hpp"
#include "uoms/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <stdlib.h>

namespace fs = std::filesystem;
using uoms::Order;
using uoms::OrderItem;
using uoms::OrderStatus;
using uoms::store::Database;
using uoms::store::UpsertAction;

namespace {

constexpr const char* k_t0 = "2026-11-22T00:00:00.000Z";
constexpr const char* k_t1 = "2026-11-22T01:00:00.000Z";
constexpr const char* k_t2 = "2026-11-22T02:00:00.000Z";

// A fresh database in a temporary folder, removed with the object.
class TempDb
{
public:
  TempDb()
  {
    std::string pattern = (fs::temp_directory_path() / "uoms-test-orders-XXXXXX").string();
    m_dir = ::mkdtemp(pattern.data());
    m_db.emplace(Database::open(m_dir / "uoms.db"));
  }
  ~TempDb()
  {
    m_db.reset();
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  Database& db() { return *m_db; }
  fs::path path() const { return m_dir / "uoms.db"; }

  std::int64_t add_channel(const std::string& name)
  {
    uoms::store::ChannelRow row;
    row.name = name;
    row.kind = "csv";
    row.created_at = row.updated_at = k_t0;
    return m_db->insert_channel(row);
  }

private:
  fs::path m_dir;
  std::optional<Database> m_db;
};

OrderItem item(const std::string& id, OrderStatus status, std::int64_t total)
{
  OrderItem it;
  it.external_id = id;
  it.shipment_key = "box-" + id;
  it.sku = "SKU-" + id;
  it.name = "Item " + id;
  it.quantity = 1;
  it.unit_price_minor = total;
  it.total_price_minor = total;
  it.status = status;
  it.raw_status = std::string(uoms::to_string(status));
  return it;
}

Order order(const std::string& id, std::vector<OrderItem> items)
{
  Order o;
  o.external_id = id;
  o.status = OrderStatus::paid;
  o.raw_status = "paid";
  o.ordered_at = uoms::parse_time("2026-11-22T09:00:00Z");
  o.currency = "KRW";
  o.total_minor = 10000;
  o.shipping_fee_minor = 3000;
  o.receiver.name = "Kim";
  o.items = std::move(items);
  o.raw = "{}";
  return o;
}

std::vector<std::string> hashes(const Order& o, const std::string& suffix = "")
{
  std::vector<std::string> out;
  for (const auto& it : o.items) out.push_back("item-" + it.external_id + suffix);
  return out;
}

uoms::store::OrderSummary summary(Database& db, const std::string& channel, const std::string& id)
{
  for (const auto& s : db.orders(channel, 0)) {
    if (s.external_id == id) return s;
  }
  FAIL("no order " << id);
  return {};
}

using ItemRow = std::tuple<std::string, int, std::int64_t, std::string, std::string>;

// The stored items of one order (external id, quantity, total, status, hash), read
// directly so the test sees what is in the file.
std::vector<ItemRow> items_in(const fs::path& path, const std::string& order_id)
{
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement s(raw, "SELECT i.external_id, i.quantity, i.total_price_minor, i.status, i.content_hash "
                           "FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.external_id = ? "
                           "ORDER BY i.external_id");
  s.bind(1, order_id);
  std::vector<ItemRow> rows;
  while (s.executeStep()) {
    rows.emplace_back(s.getColumn(0).getString(), s.getColumn(1).getInt(), s.getColumn(2).getInt64(),
                      s.getColumn(3).getString(), s.getColumn(4).getString());
  }
  return rows;
}

} // namespace

TEST_CASE("store::UpsertAction to_string")
{
  CHECK(uoms::store::to_string(UpsertAction::created) == "created");
  CHECK(uoms::store::to_string(UpsertAction::updated) == "updated");
  CHECK(uoms::store::to_string(UpsertAction::unchanged) == "unchanged");
}

TEST_CASE("store::Database::upsert_order")
{
  TempDb t;
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  auto o = order("A-1", {item("1", OrderStatus::paid, 5000), item("2", OrderStatus::paid, 2000)});

  SUBCASE("created, then unchanged by hash, then updated when the header hash changes")
  {
    CHECK(db.upsert_order(ch, o, "h1", hashes(o), 1, k_t0) == UpsertAction::created);
    CHECK(db.count("orders") == 1);
    CHECK(db.count("order_items") == 2);
    auto s = summary(db, "shop", "A-1");
    CHECK(s.channel == "shop");
    CHECK(s.status == "paid");
    CHECK(s.raw_status == "paid");
    CHECK(s.ordered_at == "2026-11-22T09:00:00.000Z");
    CHECK(s.currency == "KRW");
    CHECK(s.receiver_name == "Kim");
    CHECK(s.total_minor == 10000);
    CHECK(s.items == 2);
    CHECK(s.updated_at == k_t0);

    // Same hashes: nothing is written, not even updated_at.
    o.receiver.name = "ignored because the hash says unchanged";
    CHECK(db.upsert_order(ch, o, "h1", hashes(o), 2, k_t1) == UpsertAction::unchanged);
    s = summary(db, "shop", "A-1");
    CHECK(s.receiver_name == "Kim");
    CHECK(s.updated_at == k_t0);

    o.receiver.name = "Lee";
    CHECK(db.upsert_order(ch, o, "h2", hashes(o), 3, k_t2) == UpsertAction::updated);
    s = summary(db, "shop", "A-1");
    CHECK(s.receiver_name == "Lee");
    CHECK(s.updated_at == k_t2);
    CHECK(db.count("orders") == 1);
    CHECK(db.count("order_items") == 2);
  }

  SUBCASE("an item hash change alone is an update")
  {
    REQUIRE(db.upsert_order(ch, o, "h1", hashes(o), 1, k_t0) == UpsertAction::created);
    o.items[1].quantity = 3;
    auto h = hashes(o);
    h[1] = "item-2-changed";
    CHECK(db.upsert_order(ch, o, "h1", h, 2, k_t1) == UpsertAction::updated);
    auto rows = items_in(t.path(), "A-1");
    REQUIRE(rows.size() == 2);
    CHECK(rows[1] == ItemRow{"2", 3, 2000, "paid", "item-2-changed"});
    CHECK(db.upsert_order(ch, o, "h1", h, 3, k_t2) == UpsertAction::unchanged);
  }

  SUBCASE("an item not stored yet makes the order updated")
  {
    auto first = order("A-1", {item("1", OrderStatus::paid, 5000)});
    REQUIRE(db.upsert_order(ch, first, "h1", hashes(first), 1, k_t0) == UpsertAction::created);
    CHECK(db.upsert_order(ch, o, "h1", hashes(o), 2, k_t1) == UpsertAction::updated);
    CHECK(db.count("order_items") == 2);
  }

  SUBCASE("items merge: an upsert carrying only item B keeps item A")
  {
    REQUIRE(db.upsert_order(ch, o, "h1", hashes(o), 1, k_t0) == UpsertAction::created);
    auto only_b = order("A-1", {item("2", OrderStatus::shipped, 2500)});
    CHECK(db.upsert_order(ch, only_b, "h1", {"item-2-v2"}, 2, k_t1) == UpsertAction::updated);
    auto rows = items_in(t.path(), "A-1");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == ItemRow{"1", 1, 5000, "paid", "item-1"});
    CHECK(rows[1] == ItemRow{"2", 1, 2500, "shipped", "item-2-v2"});
    CHECK(summary(db, "shop", "A-1").items == 2);
    // A page carrying only the unchanged item A is unchanged.
    auto only_a = order("A-1", {item("1", OrderStatus::paid, 5000)});
    CHECK(db.upsert_order(ch, only_a, "h1", {"item-1"}, 3, k_t2) == UpsertAction::unchanged);
  }

  SUBCASE("dry_run reports the action and writes nothing")
  {
    CHECK(db.upsert_order(ch, o, "h1", hashes(o), 1, k_t0, true) == UpsertAction::created);
    CHECK(db.count("orders") == 0);
    CHECK(db.count("order_items") == 0);

    REQUIRE(db.upsert_order(ch, o, "h1", hashes(o), 1, k_t0) == UpsertAction::created);
    auto changed = o;
    changed.receiver.name = "Park";
    changed.items.push_back(item("3", OrderStatus::paid, 100));
    CHECK(db.upsert_order(ch, changed, "h2", hashes(changed), 2, k_t1, true) == UpsertAction::updated);
    CHECK(db.upsert_order(ch, o, "h1", hashes(o), 2, k_t1, true) == UpsertAction::unchanged);
    auto s = summary(db, "shop", "A-1");
    CHECK(s.receiver_name == "Kim");
    CHECK(s.updated_at == k_t0);
    CHECK(s.items == 2);
    CHECK(db.count("order_items") == 2);
  }

  SUBCASE("UNIQUE(channel, external id): many upserts never duplicate")
  {
    const auto other = t.add_channel("other");
    for (int round = 0; round < 20; ++round) {
      for (int n = 0; n < 5; ++n) {
        auto x = order("A-" + std::to_string(n), {item("1", OrderStatus::paid, 100), item("2", OrderStatus::paid, 200)});
        x.total_minor = round;
        const std::string h = "h" + std::to_string(round % 3);
        db.upsert_order(ch, x, h, hashes(x, std::to_string(round % 2)), round, k_t0);
        db.upsert_order(other, x, h, hashes(x), round, k_t0);
      }
    }
    CHECK(db.count("orders") == 10);
    CHECK(db.count("order_items") == 20);
    CHECK(db.count_orders(ch) == 5);
    CHECK(db.count_orders(other) == 5);
    CHECK(db.orders("shop", 0).size() == 5);
    CHECK(db.orders("", 0).size() == 10);
  }
}

TEST_CASE("store::Database::upsert_order derived status")
{
  TempDb t;
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  auto status_of = [&](const Order& o) {
    static int n = 0;
    const auto tag = std::to_string(++n);
    db.upsert_order(ch, o, "h" + tag, hashes(o, tag), 1, k_t0);
    return summary(db, "shop", o.external_id).status;
  };

  SUBCASE("the least advanced live item wins over the order's own status")
  {
    auto o = order("S-1", {item("1", OrderStatus::shipped, 1), item("2", OrderStatus::paid, 1),
                           item("3", OrderStatus::cancelled, 1)});
    o.status = OrderStatus::delivered;
    CHECK(status_of(o) == "paid");
  }

  SUBCASE("cancelled items do not hold a live order back")
  {
    auto o = order("S-2", {item("1", OrderStatus::cancelled, 1), item("2", OrderStatus::shipped, 1)});
    CHECK(status_of(o) == "shipped");
  }

  SUBCASE("all items cancelled -> cancelled")
  {
    auto o = order("S-3", {item("1", OrderStatus::cancelled, 1), item("2", OrderStatus::cancelled, 1)});
    CHECK(status_of(o) == "cancelled");
  }

  SUBCASE("all items final -> the least advanced of them")
  {
    auto o = order("S-4", {item("1", OrderStatus::returned, 1), item("2", OrderStatus::cancelled, 1)});
    CHECK(status_of(o) == "cancelled");
  }

  SUBCASE("unknown items are ignored; all unknown keeps the order's status")
  {
    auto o = order("S-5", {item("1", OrderStatus::unknown, 1), item("2", OrderStatus::unknown, 1)});
    o.status = OrderStatus::preparing;
    CHECK(status_of(o) == "preparing");
    auto p = order("S-6", {item("1", OrderStatus::unknown, 1), item("2", OrderStatus::delivered, 1)});
    CHECK(status_of(p) == "delivered");
  }

  SUBCASE("the status is derived from every stored item, not only the page's")
  {
    auto a = order("S-7", {item("1", OrderStatus::paid, 1)});
    CHECK(status_of(a) == "paid");
    auto b = order("S-7", {item("2", OrderStatus::cancelled, 1)});
    b.status = OrderStatus::cancelled;
    CHECK(status_of(b) == "paid");
    auto a2 = order("S-7", {item("1", OrderStatus::cancelled, 1)});
    CHECK(status_of(a2) == "cancelled");
  }
}

TEST_CASE("store::Database::upsert_order derive_totals")
{
  TempDb t;
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  auto o = order("T-1", {item("1", OrderStatus::paid, 25800), item("2", OrderStatus::paid, 15000)});
  o.total_minor = 999;
  o.shipping_fee_minor = 3000;

  SUBCASE("without derive_totals the order's own total is kept")
  {
    db.upsert_order(ch, o, "h1", hashes(o), 1, k_t0);
    CHECK(summary(db, "shop", "T-1").total_minor == 999);
  }

  SUBCASE("with derive_totals the total is the stored items' totals plus shipping")
  {
    db.upsert_order(ch, o, "h1", hashes(o), 1, k_t0, false, true);
    CHECK(summary(db, "shop", "T-1").total_minor == 25800 + 15000 + 3000);
    // A partial page with only item 2 changed: item 1 still counts.
    auto only_2 = order("T-1", {item("2", OrderStatus::paid, 10000)});
    only_2.total_minor = 0;
    only_2.shipping_fee_minor = 3000;
    CHECK(db.upsert_order(ch, only_2, "h1", {"item-2-v2"}, 2, k_t1, false, true) == UpsertAction::updated);
    CHECK(summary(db, "shop", "T-1").total_minor == 25800 + 10000 + 3000);
  }
}

TEST_CASE("store::Database::orders listing")
{
  TempDb t;
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  const auto other = t.add_channel("other");
  for (int n = 1; n <= 3; ++n) {
    auto o = order("L-" + std::to_string(n), {item("1", OrderStatus::paid, 100)});
    o.ordered_at = uoms::parse_time("2026-11-2" + std::to_string(n) + "T00:00:00Z");
    db.upsert_order(ch, o, "h", hashes(o), 1, k_t0);
  }
  auto x = order("X-1", {item("1", OrderStatus::paid, 100)});
  db.upsert_order(other, x, "h", hashes(x), 1, k_t0);

  auto rows = db.orders("shop", 0);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].external_id == "L-3"); // newest first
  CHECK(rows[1].external_id == "L-2");
  CHECK(rows[2].external_id == "L-1");
  auto limited = db.orders("shop", 2);
  REQUIRE(limited.size() == 2);
  CHECK(limited[0].external_id == "L-3");
  CHECK(db.orders("other", 0).size() == 1);
  CHECK(db.orders("other", 0)[0].channel == "other");
  CHECK(db.orders("nobody", 0).empty());
}
