// Hostile numbers: the one checked conversion (util::checked, support::figure_value and
// friends) and every connector's mapping fed values that overflow or make no sense.
#include "connectors/coupang/mapping.hpp"
#include "connectors/playauto/mapping.hpp"
#include "connectors/qoo10jp/mapping.hpp"
#include "connectors/shopee/internal.hpp"
#include "connectors/smartstore/mapping.hpp"
#include "connectors/support.hpp"
#include "connectors/support/page_orders.hpp"
#include "uoms/util/numbers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <limits>

using namespace std::chrono_literals;
using namespace uoms;
using namespace uoms::connectors;
using json = nlohmann::json;
using util::Figure;

namespace {

constexpr std::chrono::minutes k_nine_hours{540};

std::string reason_of(const support::MappedPage& page)
{
  return page.failures.empty() ? std::string("(no failure)") : page.failures.front().reason;
}

} // namespace

TEST_CASE("util::checked")
{
  SUBCASE("whole numbers inside the range of what they count")
  {
    CHECK(util::checked(Figure::quantity, std::int64_t{0}) == 0);
    CHECK(util::checked(Figure::quantity, 1'000'000.0) == 1'000'000);
    CHECK(util::checked(Figure::money, std::int64_t{-1'000'000'000'000}) == -1'000'000'000'000);
    CHECK(util::checked(Figure::lifetime, 14'400.0) == 14'400);
    CHECK(util::checked(Figure::epoch, std::int64_t{1'655'500'000}) == 1'655'500'000);
  }
  SUBCASE("everything else is refused, never cast")
  {
    CHECK_FALSE(util::checked(Figure::quantity, std::int64_t{-1}));
    CHECK_FALSE(util::checked(Figure::quantity, 1'000'001.0));
    CHECK_FALSE(util::checked(Figure::quantity, 1.5));
    CHECK_FALSE(util::checked(Figure::lifetime, 1e308));
    CHECK_FALSE(util::checked(Figure::lifetime, std::numeric_limits<double>::quiet_NaN()));
    CHECK_FALSE(util::checked(Figure::lifetime, -std::numeric_limits<double>::infinity()));
    CHECK_FALSE(util::checked(Figure::lifetime, std::int64_t{0}));
    CHECK_FALSE(util::checked(Figure::money, std::numeric_limits<std::int64_t>::max()));
    CHECK_FALSE(util::checked(Figure::money, std::numeric_limits<std::int64_t>::min()));
    CHECK_FALSE(util::checked(Figure::money, std::numeric_limits<std::uint64_t>::max()));
    CHECK_FALSE(util::checked(Figure::money, -9223372036854775809.0));
    CHECK_FALSE(util::checked(Figure::epoch, std::int64_t{0}));
    CHECK_FALSE(util::checked(Figure::epoch, std::int64_t{1} << 40));
  }
  CHECK(util::out_of_range(Figure::quantity, "orderQty", "2000000") == "orderQty 2000000 is not a quantity from 0 to 1000000");
}

TEST_CASE("support::figure_value, money_value and token_lifetime")
{
  const auto figure = [](const json& value, Figure f) { return support::figure_value(&value, "n", f); };
  CHECK(figure(json(3), Figure::quantity) == 3);
  CHECK(figure(json(" 3 "), Figure::quantity) == 3);
  CHECK(figure(json(3.0), Figure::quantity) == 3);
  CHECK(figure(json(""), Figure::quantity) == std::nullopt);
  CHECK(support::figure_value(nullptr, "n", Figure::quantity) == std::nullopt);
  const auto reason = [](auto&& call) {
    try {
      call();
    } catch (const support::BadField& error) {
      return error.reason;
    }
    return std::string("(accepted)");
  };
  CHECK(reason([&] { figure(json("two"), Figure::quantity); }) == "n is not a number: \"two\"");
  CHECK(reason([&] { figure(json(9223372036854775807LL), Figure::money); })
        == "n 9223372036854775807 is not an amount in minor units from -1000000000000 to 1000000000000");
  CHECK(reason([&] { figure(json("99999999999999999999"), Figure::quantity); })
        == "n \"99999999999999999999\" is not a quantity from 0 to 1000000");
  const json huge(1e308);
  CHECK(reason([&] { support::money_value(&huge, "total", "KRW"); })
        == "total 1e+308 is not an amount in minor units from -1000000000000 to 1000000000000");
  const json price("1980.50");
  CHECK(support::money_value(&price, "price", "SGD") == 198'050);
  CHECK(reason([&] { support::money_sum("sum", std::numeric_limits<std::int64_t>::max(), 1); })
        == "sum 9223372036854775807 + 1 is not an amount in minor units from -1000000000000 to 1000000000000");
  CHECK(reason([&] { support::money_product("line", 1'000'000'000'000, 1'000'000'000); })
        == "line 1000000000000 * 1000000000 is not an amount in minor units from -1000000000000 to 1000000000000");

  SUBCASE("a lifetime out of range is the documented one")
  {
    for (const json& value : {json(1e308), json("99999999999999999"), json(-5), json(0), json("soon"), json(14'401)}) {
      CHECK_MESSAGE(support::token_lifetime(&value, 14'400s) == 14'400s, value.dump());
    }
    const json shorter(14'379);
    CHECK(support::token_lifetime(&shorter, 14'400s) == 14'379s);
    const json text("600");
    CHECK(support::token_lifetime(&text, 10'800s) == 600s);
    CHECK(support::token_lifetime(nullptr, 10'800s) == 10'800s);
  }
}

TEST_CASE("Coupang mapping refuses hostile numbers, one box at a time")
{
  const auto box = [](json item, json extra = json::object()) {
    json b = {{"shipmentBoxId", 1}, {"orderId", 10}, {"orderedAt", "2025-08-01T10:00:00"}, {"status", "ACCEPT"},
              {"orderItems", json::array({item})}};
    b.update(extra);
    return b;
  };
  const json good = {{"vendorItemId", 3}, {"shippingCount", 1},
                     {"salesPrice", {{"currencyCode", "KRW"}, {"units", 1500}, {"nanos", 0}}}};
  SUBCASE("nanos below int64 is a failed order, never a negative total")
  {
    json item = good;
    item["orderPrice"] = {{"currencyCode", "KRW"}, {"units", 1500}, {"nanos", json::parse("-9223372036854775809")}};
    const auto page = coupang::map_boxes(json::array({box(item), box(good, {{"shipmentBoxId", 2}, {"orderId", 20}})}), k_nine_hours);
    REQUIRE(page.failures.size() == 1);
    CHECK(page.failures[0].external_id == "10");
    CHECK(page.failures[0].reason == "orderPrice.nanos -9.223372036854776e+18 is not a fraction from 0 to 999999999");
    REQUIRE(page.orders.size() == 1); // the pass goes on
    CHECK(page.orders[0].total_minor == 1500);
  }
  SUBCASE("units past the money range, counts past the quantity range")
  {
    json item = good;
    item["salesPrice"]["units"] = 9223372036854775807LL;
    CHECK(reason_of(coupang::map_boxes(json::array({box(item)}), k_nine_hours))
          == "salesPrice.units 9223372036854775807 is not an amount in minor units from -1000000000000 to 1000000000000");
    item = good;
    item["shippingCount"] = 1e300;
    CHECK(reason_of(coupang::map_boxes(json::array({box(item)}), k_nine_hours))
          == "shippingCount 1e+300 is not a quantity from 0 to 1000000");
    item = good;
    item["salesPrice"] = 1e300;
    CHECK(reason_of(coupang::map_boxes(json::array({box(item)}), k_nine_hours))
          == "salesPrice 1e+300 is not an amount in minor units from -1000000000000 to 1000000000000");
  }
  SUBCASE("a fully cancelled item keeps quantity 0")
  {
    json item = good;
    item["cancelCount"] = 1;
    const auto page = coupang::map_boxes(json::array({box(item)}), k_nine_hours);
    REQUIRE(page.orders.size() == 1);
    CHECK(page.orders[0].items.at(0).quantity == 0);
    CHECK(page.orders[0].items.at(0).status == OrderStatus::cancelled);
  }
}

TEST_CASE("Smartstore mapping refuses hostile numbers and lines of nothing")
{
  const auto element = [](json product) {
    json po = {{"productOrderId", "P1"}, {"productOrderStatus", "PAYED"}, {"quantity", 1}, {"unitPrice", 1000}};
    po.update(product);
    return json{{"order", {{"orderId", "O1"}, {"orderDate", "2026-03-31T10:00:00.0+09:00"}}}, {"productOrder", po}};
  };
  const auto map = [&](json product) { return smartstore::map_details({element(std::move(product))}, {}); };
  CHECK(map(json::object()).orders.size() == 1);
  CHECK(reason_of(map({{"quantity", 0}, {"remainQuantity", 0}})) == "quantity 0 is not a quantity from 1");
  CHECK(reason_of(map({{"remainQuantity", 0}})) == "remainQuantity 0 on PAYED product order P1 without a claim");
  CHECK(reason_of(map({{"remainQuantity", 2}})) == "remainQuantity 2 is more than quantity 1");
  CHECK(reason_of(map({{"totalProductAmount", 9223372036854775807LL}}))
        == "totalProductAmount 9223372036854775807 is not an amount in minor units from -1000000000000 to 1000000000000");
  CHECK(reason_of(map({{"quantity", 1e20}})) == "quantity 1e+20 is not a quantity from 0 to 1000000");
  // A cancelled line with nothing left is a cancellation, and releases its stock.
  const auto cancelled = map({{"productOrderStatus", "CANCELED"}, {"remainQuantity", 0}});
  REQUIRE(cancelled.orders.size() == 1);
  CHECK(cancelled.orders[0].items.at(0).quantity == 0);
}

TEST_CASE("Qoo10 mapping refuses a total that would overflow")
{
  const json row = {{"packNo", "5001"}, {"orderNo", "7001"}, {"orderDate", "2026-03-31 10:00:00"}, {"orderQty", 1},
                    {"orderPrice", 100}, {"ShippingRate", 500}, {"total", 9223372036854775807LL}};
  const auto page = qoo10jp::map_rows(json::array({row}), 2, OrderStatus::paid, k_nine_hours);
  CHECK(page.orders.empty());
  CHECK(reason_of(page) == "total 9223372036854775807 is not an amount in minor units from -1000000000000 to 1000000000000");
  json many = row;
  many["total"] = 100;
  many["orderQty"] = "1e7";
  CHECK(reason_of(qoo10jp::map_rows(json::array({many}), 2, OrderStatus::paid, k_nine_hours))
        == "orderQty \"1e7\" is not a quantity from 0 to 1000000");
}

TEST_CASE("Shopee mapping refuses hostile numbers")
{
  json detail = {{"order_sn", "S1"}, {"order_status", "READY_TO_SHIP"}, {"create_time", 1'655'500'000},
                 {"currency", "SGD"},
                 {"item_list", json::array({{{"item_id", 1}, {"model_quantity_purchased", 1}, {"model_original_price", 2.5}}})}};
  std::vector<OrderNote> notes;
  CHECK(shopee::map_order(detail, notes).total_minor == 250);
  const auto reason = [&](json changed) {
    json d = detail;
    d.update(changed);
    try {
      shopee::map_order(d, notes);
    } catch (const support::BadField& error) {
      return error.reason;
    }
    return std::string("(accepted)");
  };
  CHECK(reason({{"create_time", 9223372036854775807LL}})
        == "create_time 9223372036854775807 is not a Unix time from 946684800 to 4102444800");
  CHECK(reason({{"total_amount", 1e300}})
        == "total_amount 1e+300 is not an amount in minor units from -1000000000000 to 1000000000000");
  json items = detail["item_list"];
  items[0]["model_quantity_purchased"] = 4294967296LL;
  CHECK(reason({{"item_list", items}}) == "model_quantity_purchased 4294967296 is not a quantity from 0 to 1000000");
}

TEST_CASE("PlayAuto mapping refuses hostile numbers")
{
  const json row = {{"uniq", "U1"}, {"bundle_no", "B1"}, {"ord_status", "결제완료"}, {"ord_time", "2026-03-31 10:00:00"},
                    {"sale_cnt", 1}, {"pay_amt", "1e300"}};
  const auto page = playauto::map_rows(json::array({row}), json::array(), k_nine_hours);
  CHECK(page.orders.empty());
  CHECK(reason_of(page) == "pay_amt \"1e300\" is not an amount in minor units from -1000000000000 to 1000000000000");
}
