#include "uoms/crypto.hpp"
#include "uoms/error.hpp"
#include "uoms/model.hpp"
#include "uoms/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include "tests/support/temp_db.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zstd.h>

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

// Upserts `o` as a pass would and returns the action.
UpsertAction upsert(Database& db, std::int64_t channel, const Order& o, std::int64_t job, const char* now,
                    bool dry_run = false, bool partial = false)
{
  return uoms::store::Orders(db).upsert(channel, o, {.job_id = job, .now = now, .partial = partial, .dry_run = dry_run}).action;
}

uoms::store::OrderSummary summary(Database& db, const std::string& channel, const std::string& id)
{
  for (const auto& s : uoms::store::Orders(db).list(channel, 0)) {
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

TEST_CASE("store::Orders::upsert")
{
  TempDb t("orders");
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  auto o = order("A-1", {item("1", OrderStatus::paid, 5000), item("2", OrderStatus::paid, 2000)});

  SUBCASE("created, then unchanged by hash, then updated when the header changes")
  {
    CHECK(upsert(db, ch, o, 1, k_t0) == UpsertAction::created);
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

    // Same content: nothing is written, not even updated_at.
    CHECK(upsert(db, ch, o, 2, k_t1) == UpsertAction::unchanged);
    s = summary(db, "shop", "A-1");
    CHECK(s.receiver_name == "Kim");
    CHECK(s.updated_at == k_t0);

    o.receiver.name = "Lee";
    CHECK(upsert(db, ch, o, 3, k_t2) == UpsertAction::updated);
    s = summary(db, "shop", "A-1");
    CHECK(s.receiver_name == "Lee");
    CHECK(s.updated_at == k_t2);
    CHECK(db.count("orders") == 1);
    CHECK(db.count("order_items") == 2);
  }

  SUBCASE("an item change alone is an update")
  {
    REQUIRE(upsert(db, ch, o, 1, k_t0) == UpsertAction::created);
    o.items[1].quantity = 3;
    CHECK(upsert(db, ch, o, 2, k_t1) == UpsertAction::updated);
    auto rows = items_in(t.path(), "A-1");
    REQUIRE(rows.size() == 2);
    CHECK(rows[1] == ItemRow{"2", 3, 2000, "paid", uoms::store::item_hash(o.items[1])});
    CHECK(upsert(db, ch, o, 3, k_t2) == UpsertAction::unchanged);
  }

  SUBCASE("an item not stored yet makes the order updated")
  {
    auto first = order("A-1", {item("1", OrderStatus::paid, 5000)});
    REQUIRE(upsert(db, ch, first, 1, k_t0) == UpsertAction::created);
    CHECK(upsert(db, ch, o, 2, k_t1) == UpsertAction::updated);
    CHECK(db.count("order_items") == 2);
  }

  SUBCASE("items merge: an upsert carrying only item B keeps item A")
  {
    REQUIRE(upsert(db, ch, o, 1, k_t0) == UpsertAction::created);
    auto only_b = order("A-1", {item("2", OrderStatus::shipped, 2500)});
    CHECK(upsert(db, ch, only_b, 2, k_t1) == UpsertAction::updated);
    auto rows = items_in(t.path(), "A-1");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == ItemRow{"1", 1, 5000, "paid", uoms::store::item_hash(o.items[0])});
    CHECK(rows[1] == ItemRow{"2", 1, 2500, "shipped", uoms::store::item_hash(only_b.items[0])});
    CHECK(summary(db, "shop", "A-1").items == 2);
    // A page carrying only the unchanged item A is unchanged.
    auto only_a = order("A-1", {item("1", OrderStatus::paid, 5000)});
    CHECK(upsert(db, ch, only_a, 3, k_t2) == UpsertAction::unchanged);
  }

  SUBCASE("dry_run reports the action and writes nothing")
  {
    CHECK(upsert(db, ch, o, 1, k_t0, true) == UpsertAction::created);
    CHECK(db.count("orders") == 0);
    CHECK(db.count("order_items") == 0);

    REQUIRE(upsert(db, ch, o, 1, k_t0) == UpsertAction::created);
    auto changed = o;
    changed.receiver.name = "Park";
    changed.items.push_back(item("3", OrderStatus::paid, 100));
    CHECK(upsert(db, ch, changed, 2, k_t1, true) == UpsertAction::updated);
    CHECK(upsert(db, ch, o, 2, k_t1, true) == UpsertAction::unchanged);
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
        x.total_minor = round % 3;
        x.items[0].quantity = 1 + round % 2;
        upsert(db, ch, x, round, k_t0);
        upsert(db, other, x, round, k_t0);
      }
    }
    CHECK(db.count("orders") == 10);
    CHECK(db.count("order_items") == 20);
    CHECK(uoms::store::Channels(db).count_orders(ch) == 5);
    CHECK(uoms::store::Channels(db).count_orders(other) == 5);
    CHECK(uoms::store::Orders(db).list("shop", 0).size() == 5);
    CHECK(uoms::store::Orders(db).list("", 0).size() == 10);
  }
}

TEST_CASE("store::Orders::upsert item changes")
{
  TempDb t("orders");
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  uoms::store::Orders orders(db);
  auto o = order("C-1", {item("1", OrderStatus::paid, 5000), item("2", OrderStatus::paid, 2000)});
  o.items[1].quantity = 2;

  auto first = orders.upsert(ch, o, {.job_id = 1, .now = k_t0});
  CHECK(first.action == UpsertAction::created);
  REQUIRE(first.items.size() == 2);
  CHECK(first.order_row_id > 0);
  CHECK(first.items[0].action == UpsertAction::created);
  CHECK(first.items[0].item_row_id > 0);
  CHECK(first.items[0].sku == "SKU-1");
  CHECK_FALSE(first.items[0].old_status);
  CHECK(first.items[1].quantity == 2);
  CHECK(first.items[1].new_status == OrderStatus::paid);

  // Item 2 is cancelled, item 1 is unchanged: the ledger sees exactly one transition.
  o.items[1].status = OrderStatus::cancelled;
  o.items[1].raw_status = "cancelled";
  auto second = orders.upsert(ch, o, {.job_id = 2, .now = k_t1});
  CHECK(second.action == UpsertAction::updated);
  CHECK(second.order_row_id == first.order_row_id);
  CHECK(second.items[0].action == UpsertAction::unchanged);
  CHECK(second.items[0].item_row_id == first.items[0].item_row_id);
  CHECK(second.items[1].action == UpsertAction::updated);
  CHECK(second.items[1].item_row_id == first.items[1].item_row_id);
  CHECK(second.items[1].old_status == OrderStatus::paid);
  CHECK(second.items[1].old_quantity == 2);
  CHECK(second.items[1].new_status == OrderStatus::cancelled);

  auto third = orders.upsert(ch, o, {.job_id = 3, .now = k_t2});
  CHECK(third.action == UpsertAction::unchanged);
  CHECK(third.items[1].action == UpsertAction::unchanged);
  CHECK(third.header_hash == second.header_hash);
}

TEST_CASE("store::Orders::upsert derived status")
{
  TempDb t("orders");
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  auto status_of = [&](const Order& o) {
    upsert(db, ch, o, 1, k_t0);
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

// Two partial pages of one order (Coupang's shipment boxes): the order's raw_status must
// be the raw status of the item its status was derived from, never the last page's.
TEST_CASE("store::Orders::upsert status and raw_status describe the same thing")
{
  TempDb t("orders");
  auto& db = t.db();
  const auto ch = t.add_channel("coupang", "coupang");
  auto box = [](const std::string& id, OrderStatus status, const std::string& raw) {
    auto o = order("P-1", {item(id, status, 1000)});
    o.items[0].raw_status = raw;
    o.status = status;
    o.raw_status = raw;
    return o;
  };
  upsert(db, ch, box("1", OrderStatus::preparing, "INSTRUCT"), 1, k_t0, false, true);
  upsert(db, ch, box("2", OrderStatus::shipped, "DEPARTURE"), 1, k_t0, false, true);
  auto s = summary(db, "coupang", "P-1");
  CHECK(s.status == "preparing");
  CHECK(s.raw_status == "INSTRUCT");

  // The first box ships too: the order follows.
  upsert(db, ch, box("1", OrderStatus::shipped, "DELIVERING"), 2, k_t1, false, true);
  s = summary(db, "coupang", "P-1");
  CHECK(s.status == "shipped");
  CHECK((s.raw_status == "DELIVERING" || s.raw_status == "DEPARTURE"));
}

TEST_CASE("store::Orders::upsert partial totals")
{
  TempDb t("orders");
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  auto o = order("T-1", {item("1", OrderStatus::paid, 25800), item("2", OrderStatus::paid, 15000)});
  o.total_minor = 999;
  o.shipping_fee_minor = 3000;

  SUBCASE("a whole order keeps its own total")
  {
    upsert(db, ch, o, 1, k_t0);
    CHECK(summary(db, "shop", "T-1").total_minor == 999);
  }

  SUBCASE("a partial order's total is the stored items' totals plus shipping")
  {
    upsert(db, ch, o, 1, k_t0, false, true);
    CHECK(summary(db, "shop", "T-1").total_minor == 25800 + 15000 + 3000);
    // A partial page with only item 2 changed: item 1 still counts.
    auto only_2 = order("T-1", {item("2", OrderStatus::paid, 10000)});
    only_2.total_minor = 0;
    only_2.shipping_fee_minor = 3000;
    CHECK(upsert(db, ch, only_2, 2, k_t1, false, true) == UpsertAction::updated);
    CHECK(summary(db, "shop", "T-1").total_minor == 25800 + 10000 + 3000);
  }
}

TEST_CASE("store::Orders::list")
{
  TempDb t("orders");
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  const auto other = t.add_channel("other");
  for (int n = 1; n <= 3; ++n) {
    auto o = order("L-" + std::to_string(n), {item("1", OrderStatus::paid, 100)});
    o.ordered_at = uoms::parse_time("2026-11-2" + std::to_string(n) + "T00:00:00Z");
    upsert(db, ch, o, 1, k_t0);
  }
  auto x = order("X-1", {item("1", OrderStatus::paid, 100)});
  upsert(db, other, x, 1, k_t0);

  auto rows = uoms::store::Orders(db).list("shop", 0);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].external_id == "L-3"); // newest first
  CHECK(rows[1].external_id == "L-2");
  CHECK(rows[2].external_id == "L-1");
  auto limited = uoms::store::Orders(db).list("shop", 2);
  REQUIRE(limited.size() == 2);
  CHECK(limited[0].external_id == "L-3");
  CHECK(uoms::store::Orders(db).list("other", 0).size() == 1);
  CHECK(uoms::store::Orders(db).list("other", 0)[0].channel == "other");
  CHECK(uoms::store::Orders(db).list("nobody", 0).empty());
}

TEST_CASE("store::Orders::list filters")
{
  TempDb t("orders-filter");
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  const auto other = t.add_channel("other");
  for (int n = 1; n <= 3; ++n) {
    auto o = order("F-" + std::to_string(n), {item("1", n == 2 ? OrderStatus::shipped : OrderStatus::paid, 100)});
    o.ordered_at = uoms::parse_time("2026-11-2" + std::to_string(n) + "T00:00:00Z");
    o.buyer.name = n == 3 ? "김민수" : "Tanaka";
    upsert(db, ch, o, 1, k_t0);
  }
  auto x = order("X-1", {item("9", OrderStatus::paid, 100)});
  x.items[0].name = "녹차 세트";
  upsert(db, other, x, 1, k_t0);
  uoms::store::Orders orders(db);
  auto ids = [&](uoms::store::OrderFilter f) {
    std::vector<std::string> out;
    for (const auto& r : orders.list(f)) out.push_back(r.external_id);
    return out;
  };

  SUBCASE("status")
  {
    CHECK(ids({.status = "shipped", .limit = 0}) == std::vector<std::string>{"F-2"});
  }
  SUBCASE("since inclusive, until exclusive, on ordered_at")
  {
    CHECK(ids({.channel = "shop", .since = "2026-11-22T00:00:00.000Z", .until = "2026-11-23T00:00:00.000Z", .limit = 0}) ==
          std::vector<std::string>{"F-2"});
    CHECK(ids({.channel = "shop", .since = "2026-11-22T00:00:00.000Z", .limit = 0}) ==
          std::vector<std::string>{"F-3", "F-2"});
  }
  SUBCASE("search: order id, buyer name, item name, case-insensitive for ASCII")
  {
    CHECK(ids({.search = "f-1", .limit = 0}) == std::vector<std::string>{"F-1"});
    CHECK(ids({.search = "김민", .limit = 0}) == std::vector<std::string>{"F-3"});
    CHECK(ids({.search = "녹차", .limit = 0}) == std::vector<std::string>{"X-1"});
    CHECK(ids({.search = "TANAKA", .limit = 0}) == std::vector<std::string>{"F-2", "F-1"});
    CHECK(ids({.search = "sku-9", .limit = 0}) == std::vector<std::string>{"X-1"});
  }
  SUBCASE("an unknown channel matches nothing")
  {
    CHECK(ids({.channel = "nobody", .limit = 0}).empty());
  }
}

TEST_CASE("store::Orders::find, history and each")
{
  TempDb t("orders-find");
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  auto o = order("S-1", {item("1", OrderStatus::paid, 100), item("2", OrderStatus::paid, 200)});
  upsert(db, ch, o, 0, k_t0);
  auto o2 = order("S-10", {item("1", OrderStatus::paid, 100)});
  o2.ordered_at = uoms::parse_time("2026-11-21T09:00:00Z");
  upsert(db, ch, o2, 0, k_t0);

  uoms::store::Orders orders(db);
  SUBCASE("find returns the order with its items")
  {
    auto found = orders.find("shop", "S-1");
    REQUIRE(found);
    CHECK(found->channel == "shop");
    CHECK(found->channel_kind == "csv");
    CHECK(found->receiver_name == "Kim");
    REQUIRE(found->items.size() == 2);
    CHECK(found->items[1].external_id == "2");
    CHECK(found->items[1].total_price_minor == 200);
    CHECK(found->items[1].carrier.empty());
    CHECK_FALSE(orders.find("shop", "S-2"));
    CHECK_FALSE(orders.find("other", "S-1"));
  }
  SUBCASE("history: the order's details and its items' and shipments', not another order's")
  {
    uoms::store::Jobs jobs(db);
    uoms::store::JobRow job;
    job.kind = "collect";
    job.trigger = "manual";
    job.started_at = k_t0;
    job.version = "test";
    job.host = "h";
    const auto id = jobs.insert(job);
    auto detail = [&](std::string subject, std::string external, std::string action) {
      uoms::store::JobDetail d;
      d.job_id = id;
      d.channel = "shop";
      d.subject_type = std::move(subject);
      d.external_id = std::move(external);
      d.action = std::move(action);
      d.created_at = k_t1;
      jobs.add_detail(d);
    };
    detail("order", "S-1", "created");
    detail("item", "S-1/2", "oversold");
    detail("shipment", "S-1/box-1", "uploaded");
    detail("order", "S-10", "created");
    detail("order", "S-1-2", "created");
    auto events = orders.history("shop", "S-1");
    REQUIRE(events.size() == 3);
    CHECK(events[0].action == "created");
    CHECK(events[0].job_kind == "collect");
    CHECK(events[1].external_id == "S-1/2");
    CHECK(events[2].subject_type == "shipment");
    CHECK(orders.history("other", "S-1").empty());
  }
  SUBCASE("each: oldest first, items attached, one call per order")
  {
    std::vector<std::string> seen;
    std::vector<std::size_t> items;
    const auto n = orders.each({.limit = 0}, [&](const uoms::store::OrderRecord& r) {
      seen.push_back(r.external_id);
      items.push_back(r.items.size());
    });
    CHECK(n == 2);
    CHECK(seen == std::vector<std::string>{"S-10", "S-1"});
    CHECK(items == std::vector<std::size_t>{1, 2});
  }
}

namespace {

// A payload shaped like a marketplace's order (keys repeat from order to order, values differ).
std::string payload(int n)
{
  return fmt::format(R"({{"orderId":{},"orderedAt":"2026-11-22T{:02}:{:02}:00+09:00","receiver":{{"name":"김민준 {}",)"
                     R"("addr1":"서울특별시 강남구 테헤란로 {}","safeNumber":"0504-{:04}-{:04}"}},"orderItems":[)"
                     R"({{"vendorItemId":{},"vendorItemName":"얼그레이 홍차 100g","shippingCount":{},)"
                     R"("salesPrice":{{"currencyCode":"KRW","units":{},"nanos":0}},"invoiceNumber":"","canceled":false}}]}})",
                     4000000000LL + n, n % 24, n % 60, n, 100 + n % 400, n % 9973, (n * 7) % 9973,
                     3800000000LL + n * 13, 1 + n % 3, 1000 * (1 + n % 50));
}

std::string stored_raw_type(const fs::path& path, const std::string& id)
{
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement s(raw, "SELECT typeof(raw) FROM orders WHERE external_id = ?");
  s.bind(1, id);
  return s.executeStep() ? s.getColumn(0).getString() : std::string();
}

// The stored payload's bytes and the zstd dictionary id its frame names (0: none).
std::pair<std::size_t, unsigned> stored_frame(const fs::path& path, const std::string& id)
{
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement s(raw, "SELECT raw FROM orders WHERE external_id = ?");
  s.bind(1, id);
  REQUIRE(s.executeStep());
  const auto c = s.getColumn(0);
  return {static_cast<std::size_t>(c.getBytes()), ZSTD_getDictID_fromFrame(c.getBlob(), static_cast<std::size_t>(c.getBytes()))};
}

} // namespace

TEST_CASE("store::Orders payloads are stored compressed and read back as received")
{
  TempDb t("payloads");
  auto& db = t.db();
  const auto ch = t.add_channel("shop", "coupang");
  uoms::store::Orders orders(db);

  SUBCASE("one order: a zstd frame that restores the bytes exactly")
  {
    auto o = order("A-1", {item("1", OrderStatus::paid, 5000)});
    o.raw = payload(1) + "\n\t\"\\ \x01 end";
    CHECK(upsert(db, ch, o, 1, k_t0) == UpsertAction::created);
    CHECK(stored_raw_type(t.path(), "A-1") == "blob");
    CHECK(orders.raw("shop", "A-1") == o.raw);
    CHECK(orders.raw("shop", "A-2") == std::nullopt);
    CHECK(orders.raw("other", "A-1") == std::nullopt);
  }

  SUBCASE("an empty payload stays empty")
  {
    auto o = order("A-1", {item("1", OrderStatus::paid, 5000)});
    o.raw.clear();
    upsert(db, ch, o, 1, k_t0);
    CHECK(orders.raw("shop", "A-1") == std::string());
  }

  SUBCASE("a payload stored as text before migration 0008 reads as it is")
  {
    upsert(db, ch, order("A-1", {item("1", OrderStatus::paid, 5000)}), 1, k_t0);
    {
      SQLite::Database raw(t.path().string(), SQLite::OPEN_READWRITE);
      raw.exec("UPDATE orders SET raw = '{\"old\":\"text\"}'");
    }
    CHECK(orders.raw("shop", "A-1") == R"({"old":"text"})");
  }

  SUBCASE("once enough orders of a kind are stored, a dictionary is trained and every payload uses it")
  {
    const int n = uoms::store::k_payload_dictionary_after + 100;
    std::size_t plain_bytes = 0;
    for (int i = 1; i <= n; ++i) {
      auto o = order(fmt::format("C-{}", i), {item("1", OrderStatus::paid, 5000)});
      o.raw = payload(i);
      plain_bytes += o.raw.size();
      REQUIRE(upsert(db, ch, o, 1, k_t0) == UpsertAction::created);
    }
    CHECK(db.count("payload_dictionaries") == 1);
    std::size_t stored_bytes = 0;
    for (int i = 1; i <= n; ++i) {
      const auto id = fmt::format("C-{}", i);
      CAPTURE(id);
      CHECK(orders.raw("shop", id) == payload(i));
      const auto [bytes, dictionary] = stored_frame(t.path(), id);
      // The orders it was trained from were stored again with it.
      CHECK(dictionary == 32768 + 1);
      stored_bytes += bytes;
    }
    CHECK(stored_bytes * 4 < plain_bytes);
    // Another channel of the kind uses the same dictionary; a channel of another kind does not.
    const auto other = t.add_channel("shop-2", "coupang");
    auto o = order("D-1", {item("1", OrderStatus::paid, 5000)});
    o.raw = payload(n + 1);
    upsert(db, other, o, 2, k_t1);
    CHECK(stored_frame(t.path(), "D-1").second == 32768 + 1);
    const auto csv = t.add_channel("files", "csv");
    o.external_id = "E-1";
    upsert(db, csv, o, 2, k_t1);
    CHECK(stored_frame(t.path(), "E-1").second == 0);
    CHECK(orders.raw("files", "E-1") == payload(n + 1));
  }
}

TEST_CASE("store::Orders payloads: a second dictionary from a wider sample, once")
{
  TempDb t("payloads-retrain");
  auto& db = t.db();
  const auto ch = t.add_channel("shop", "coupang");
  uoms::store::Orders orders(db);
  // 2,048 orders make the kind take a second dictionary; the 64 after them show it is used.
  const int n = 2048 + 64;
  {
    Database::Transaction tx(db);
    for (int i = 1; i <= n; ++i) {
      auto o = order(fmt::format("C-{}", i), {item("1", OrderStatus::paid, 5000)});
      o.raw = payload(i);
      REQUIRE(upsert(db, ch, o, 1, k_t0) == UpsertAction::created);
    }
    tx.commit();
  }
  CHECK(db.count("payload_dictionaries") == 2);
  CHECK(stored_frame(t.path(), "C-1").second == 32768 + 1);
  CHECK(stored_frame(t.path(), fmt::format("C-{}", n)).second == 32768 + 2);
  for (int i = 1; i <= n; i += 97) {
    CHECK(orders.raw("shop", fmt::format("C-{}", i)) == payload(i));
  }
  CHECK(orders.raw("shop", fmt::format("C-{}", n)) == payload(n));
}

TEST_CASE("store::header_hash and item_hash are the start of the hashes stored before")
{
  // Until 0008 the hashes were SHA-256 of a JSON array dumped by nlohmann::json; they are now
  // written without building the JSON, and shortened to 16 hex digits.
  auto o = order("A-\"1\"\\", {item("1", OrderStatus::paid, 5000)});
  o.receiver.name = "김민준\n\t\x01\x1f\x7f";
  o.receiver.address1 = "서울 \"강남\" \\ 1";
  o.paid_at = uoms::parse_time("2026-11-22T09:05:00Z");
  o.items[0].name = "얼그레이 \b\f\r";
  o.items[0].tracking_carrier = "CJGLS";
  o.items[0].tracking_number = "600558047368";
  auto party = [](const uoms::Party& p) {
    return nlohmann::json::array({p.name, p.phone, p.email, p.zip, p.address1, p.address2});
  };
  auto time = [](const std::optional<uoms::TimePoint>& t) { return t ? uoms::format_utc(*t) : std::string(); };
  const nlohmann::json header = {o.external_id, o.raw_status, time(o.ordered_at), time(o.paid_at), time(o.changed_at),
                                 o.currency, o.total_minor, o.shipping_fee_minor, party(o.buyer), party(o.receiver)};
  const auto& i = o.items[0];
  const nlohmann::json it = {i.external_id, i.shipment_key, i.sku, i.product_id, i.option_id, i.name, i.option_name,
                             i.quantity, i.unit_price_minor, i.total_price_minor, i.raw_status,
                             std::string(uoms::to_string(i.status)), i.tracking_carrier, i.tracking_number};
  const auto old_header = uoms::crypto::sha256_hex(header.dump());
  const auto old_item = uoms::crypto::sha256_hex(it.dump());
  CHECK(uoms::store::header_hash(o) == old_header.substr(0, 16));
  CHECK(uoms::store::item_hash(i) == old_item.substr(0, 16));

  // An order stored with the whole hashes is unchanged when it comes again as it was.
  TempDb t("old-hashes");
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  REQUIRE(upsert(db, ch, o, 1, k_t0) == UpsertAction::created);
  {
    SQLite::Database raw(t.path().string(), SQLite::OPEN_READWRITE);
    SQLite::Statement h(raw, "UPDATE orders SET content_hash = ?");
    h.bind(1, old_header);
    h.exec();
    SQLite::Statement ih(raw, "UPDATE order_items SET content_hash = ?");
    ih.bind(1, old_item);
    ih.exec();
  }
  CHECK(upsert(db, ch, o, 2, k_t1) == UpsertAction::unchanged);
  o.receiver.zip = "06237";
  CHECK(upsert(db, ch, o, 3, k_t2) == UpsertAction::updated);
}
