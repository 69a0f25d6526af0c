#include "uoms/error.hpp"
#include "uoms/stock.hpp"
#include "uoms/store.hpp"
#include "uoms/store/stock.hpp"

#include "tests/support/temp_db.hpp"

#include <doctest/doctest.h>

#include <string>

using uoms::Order;
using uoms::OrderItem;
using uoms::OrderStatus;
using uoms::store::ItemState;
using uoms::store::next_state;

namespace {

// One channel with one order of one item (SKU-A, `quantity` units), stored and applied to the
// ledger the way collect does, at `now` with the marketplace's change time `changed`.
struct Shop
{
  TempDb tmp{"stock"};
  std::int64_t channel = tmp.add_channel("shop");

  std::vector<uoms::store::Oversold> store(OrderStatus status, int quantity = 2, const std::string& now = "2026-12-01T10:00:00.000Z",
                                           const std::string& changed = "")
  {
    Order o;
    o.external_id = "O1";
    o.status = status;
    o.currency = "KRW";
    if (!changed.empty()) o.changed_at = uoms::parse_time(changed);
    OrderItem it;
    it.external_id = "I1";
    it.shipment_key = "B1";
    it.sku = "SKU-A";
    it.product_id = "P1";
    it.option_id = "V1";
    it.quantity = quantity;
    it.status = status;
    it.raw_status = std::string(uoms::to_string(status));
    o.items.push_back(it);
    uoms::store::Orders orders(tmp.db());
    uoms::store::Database::Transaction tx(tmp.db());
    const auto result = orders.upsert(channel, o, {1, now, false, false});
    auto oversold = uoms::stock::apply_order(tmp.db(), channel, result, 1, now);
    tx.commit();
    return oversold;
  }

  std::pair<std::int64_t, std::int64_t> stock()
  {
    const auto p = uoms::store::Products(tmp.db()).find("SKU-A");
    REQUIRE(p);
    return {p->on_hand, p->reserved};
  }

  void count(std::int64_t on_hand, const std::string& now = "2026-12-01T09:00:00.000Z")
  {
    uoms::store::ProductInput in;
    in.sku = "SKU-A";
    in.on_hand = on_hand;
    uoms::stock::set_product(tmp.db(), in, now);
  }
};

} // namespace

TEST_CASE("an item's stock state follows its status, each step once")
{
  CHECK(next_state(ItemState::none, OrderStatus::paid) == ItemState::reserved);
  CHECK(next_state(ItemState::reserved, OrderStatus::cancel_requested) == ItemState::reserved);
  CHECK(next_state(ItemState::reserved, OrderStatus::cancelled) == ItemState::none);
  CHECK(next_state(ItemState::none, OrderStatus::paid) == ItemState::reserved); // a withdrawn cancellation
  CHECK(next_state(ItemState::reserved, OrderStatus::shipped) == ItemState::shipped);
  CHECK(next_state(ItemState::none, OrderStatus::delivered) == ItemState::shipped);
  CHECK(next_state(ItemState::shipped, OrderStatus::cancelled) == ItemState::shipped);
  CHECK(next_state(ItemState::shipped, OrderStatus::returned) == ItemState::returned);
  CHECK(next_state(ItemState::reserved, OrderStatus::returned) == ItemState::none);
  CHECK(next_state(ItemState::returned, OrderStatus::paid) == ItemState::returned);
  CHECK(next_state(ItemState::reserved, OrderStatus::unknown) == ItemState::reserved);
  CHECK(next_state(ItemState::shipped, OrderStatus::preparing) == ItemState::shipped);
}

TEST_CASE("the ledger reserves, releases, ships and restocks an item once however often it is stored")
{
  Shop shop;
  shop.count(10);
  shop.store(OrderStatus::paid);
  CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{10, 2});
  shop.store(OrderStatus::paid); // collected again: unchanged
  CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{10, 2});
  shop.store(OrderStatus::preparing);
  CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{10, 2});

  SUBCASE("cancelled, then the cancellation withdrawn")
  {
    shop.store(OrderStatus::cancelled);
    CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{10, 0});
    shop.store(OrderStatus::paid);
    CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{10, 2});
  }
  SUBCASE("shipped, delivered, returned")
  {
    shop.store(OrderStatus::shipped, 2, "2026-12-01T11:00:00.000Z");
    CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{8, 0});
    shop.store(OrderStatus::delivered, 2, "2026-12-01T12:00:00.000Z");
    CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{8, 0});
    shop.store(OrderStatus::returned, 2, "2026-12-01T13:00:00.000Z");
    CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{10, 0});
    shop.store(OrderStatus::returned, 2, "2026-12-01T14:00:00.000Z");
    CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{10, 0});
  }
  SUBCASE("a changed quantity moves the reservation by the difference")
  {
    shop.store(OrderStatus::paid, 1);
    CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{10, 1});
  }
  SUBCASE("a count resets on hand; unshipped reservations stay")
  {
    shop.count(7, "2026-12-01T10:30:00.000Z");
    CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{7, 2});
  }
}

TEST_CASE("an order that shipped before the latest count is not deducted again")
{
  Shop shop;
  shop.count(10, "2026-12-01T09:00:00.000Z");
  // First seen already shipped, at 08:00 by the marketplace's clock: the count at 09:00 has it.
  shop.store(OrderStatus::shipped, 2, "2026-12-01T10:00:00.000Z", "2026-12-01T08:00:00.000Z");
  CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{10, 0});
}

TEST_CASE("an unmapped item is counted, and mapping it later applies it once")
{
  Shop shop;
  shop.store(OrderStatus::paid);
  CHECK(uoms::store::Ledger(shop.tmp.db()).unmapped().at(0).units == 2);
  // The product arrives with the listing's seller code: mapped automatically and applied.
  shop.count(5);
  CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{5, 2});
  CHECK(uoms::store::Ledger(shop.tmp.db()).unmapped().empty());
  CHECK(uoms::stock::map_listing(shop.tmp.db(), "shop", "P1", "V1", "SKU-A", "2026-12-01T11:00:00.000Z").empty());
  CHECK(shop.stock() == std::pair<std::int64_t, std::int64_t>{5, 2});
}

TEST_CASE("a reservation beyond on hand is reported as oversold")
{
  Shop shop;
  shop.count(1);
  const auto oversold = shop.store(OrderStatus::paid, 3);
  REQUIRE(oversold.size() == 1);
  CHECK(oversold[0].sku == "SKU-A");
  CHECK(oversold[0].on_hand == 1);
  CHECK(oversold[0].reserved == 3);
  CHECK(uoms::store::available(1, 3, 0) == 0);
}

TEST_CASE("products and adjustments refuse out-of-range numbers")
{
  TempDb tmp("stock-range");
  uoms::store::ProductInput in;
  in.sku = "SKU-A";
  in.on_hand = -1;
  CHECK_THROWS_AS(uoms::stock::set_product(tmp.db(), in, "2026-12-01T00:00:00.000Z"), uoms::UsageError);
  in.on_hand = uoms::stock::k_max_on_hand + 1;
  CHECK_THROWS_AS(uoms::stock::set_product(tmp.db(), in, "2026-12-01T00:00:00.000Z"), uoms::UsageError);
  in.on_hand = 3;
  uoms::stock::set_product(tmp.db(), in, "2026-12-01T00:00:00.000Z");
  CHECK_THROWS_AS(uoms::stock::adjust(tmp.db(), "SKU-A", 0, "x", "2026-12-01T00:00:00.000Z"), uoms::UsageError);
  CHECK_THROWS_AS(uoms::stock::adjust(tmp.db(), "NOPE", 1, "x", "2026-12-01T00:00:00.000Z"), uoms::UsageError);
  uoms::stock::adjust(tmp.db(), "SKU-A", -2, "broken", "2026-12-01T00:00:00.000Z");
  CHECK(uoms::store::Products(tmp.db()).find("SKU-A")->on_hand == 1);
}
