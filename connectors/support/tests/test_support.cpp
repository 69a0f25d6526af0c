#include "connectors/support.hpp"
#include "connectors/support/page_orders.hpp"

#include <doctest/doctest.h>

#include <array>
#include <chrono>

using namespace std::chrono_literals;
using namespace uoms;
using namespace uoms::connectors;

TEST_CASE("support::base_url")
{
  const auto base = [](std::string value, std::string_view documented_path) {
    Settings settings;
    if (!value.empty()) {
      settings["base_url"] = std::move(value);
    }
    return support::base_url(settings, "https://api.example.com/external", documented_path);
  };
  SUBCASE("the bare host and the documented base reach the same place")
  {
    CHECK(base("https://api.commerce.naver.com", "/external") == "https://api.commerce.naver.com/external");
    CHECK(base("https://api.commerce.naver.com/external", "/external") == "https://api.commerce.naver.com/external");
    CHECK(base("https://api.commerce.naver.com/external/", "/external") == "https://api.commerce.naver.com/external");
    CHECK(base(" http://127.0.0.1:8080/ ", "/external") == "http://127.0.0.1:8080/external");
    CHECK(base("http://127.0.0.1:8080", "/api/v2") == "http://127.0.0.1:8080/api/v2");
  }
  SUBCASE("another path is used as given")
  {
    CHECK(base("https://proxy.example.com/naver", "/external") == "https://proxy.example.com/naver");
    CHECK(base("https://api.qoo10.jp/GMKT.INC.Front.QAPIService/Giosis.qapi", "/GMKT.INC.Front.QAPIService/ebayjapan.qapi")
          == "https://api.qoo10.jp/GMKT.INC.Front.QAPIService/Giosis.qapi");
  }
  SUBCASE("unset: the default; no documented path: slashes only")
  {
    CHECK(base("", "/external") == "https://api.example.com/external");
    CHECK(base("https://api-gateway.coupang.com//", "") == "https://api-gateway.coupang.com");
  }
  SUBCASE("url_path")
  {
    CHECK(support::url_path("https://host") == "");
    CHECK(support::url_path("https://host/a/b") == "/a/b");
    CHECK(support::url_path("host:80/x") == "/x");
  }
}

TEST_CASE("support::page_size")
{
  CHECK(support::page_size(0, 100, 100) == 100);
  CHECK(support::page_size(50, 100, 100) == 50);
  CHECK(support::page_size(1000, 100, 100) == 100);
  CHECK(support::page_size(-3, 300, 300) == 300);
  CHECK(support::page_size(1, 3000, 3000) == 1);
}

TEST_CASE("support::timezone_setting")
{
  constexpr std::array<support::Zone, 1> k_extra{{{"CST", 480min}}};
  const auto offset = [&](std::string text) {
    return support::timezone_setting({{"timezone", std::move(text)}}, 540min, k_extra);
  };
  CHECK(offset("") == 540min);
  CHECK(offset("  ") == 540min);
  CHECK(offset("+08:00") == 480min);
  CHECK(offset("+9") == 540min);
  CHECK(offset("Asia/Tokyo") == 540min);
  CHECK(offset("cst") == 480min);
  CHECK(offset("Mars/Olympus").error() == "setting timezone: \"Mars/Olympus\" is not an offset like +09:00 or a known zone");
}

TEST_CASE("support::PageOrders")
{
  using json = nlohmann::json;
  const auto part = [](std::string id, std::string item, std::int64_t fee, std::int64_t price, OrderStatus status) {
    Order order;
    order.external_id = std::move(id);
    order.shipping_fee_minor = fee;
    order.total_minor = fee + price;
    OrderItem line;
    line.external_id = std::move(item);
    line.total_price_minor = price;
    line.status = status;
    order.items.push_back(line);
    return order;
  };
  SUBCASE("fees per part add up; statuses summarise")
  {
    support::PageOrders orders(support::PageOrders::Fee::sum);
    orders.merge(part("A", "1", 100, 1000, OrderStatus::shipped), json{{"n", 1}});
    orders.merge(part("A", "2", 50, 500, OrderStatus::preparing), json{{"n", 2}});
    orders.merge(part("B", "3", 0, 10, OrderStatus::paid), json{{"n", 3}});
    const auto page = orders.finish(support::is_cancelled);
    REQUIRE(page.orders.size() == 2);
    CHECK(page.orders[0].shipping_fee_minor == 150);
    CHECK(page.orders[0].total_minor == 1650);
    CHECK(page.orders[0].status == OrderStatus::preparing);
    CHECK(page.orders[0].raw == R"([{"n":1},{"n":2}])");
    CHECK(page.orders[1].raw == R"({"n":3})");
  }
  SUBCASE("a repeated fee counts once; a repeated item replaces; a bad record fails alone")
  {
    support::PageOrders orders(support::PageOrders::Fee::max);
    orders.merge(part("A", "1", 100, 1000, OrderStatus::paid), json{{"n", 1}});
    orders.merge(part("A", "1", 100, 900, OrderStatus::paid), json{{"n", 2}});
    orders.add(json{{"n", 3}}, "C", [](const json&, std::vector<OrderNote>&) -> Order {
      throw support::BadField{"missing thing"};
    });
    const auto page = orders.finish();
    REQUIRE(page.orders.size() == 1);
    CHECK(page.orders[0].items.size() == 1);
    CHECK(page.orders[0].total_minor == 1000);
    REQUIRE(page.failures.size() == 1);
    CHECK(page.failures[0].external_id == "C");
    CHECK(page.failures[0].reason == "missing thing");
    CHECK(page.failures[0].raw == R"({"n":3})");
  }
}

TEST_CASE("support::refusal")
{
  CHECK_FALSE(support::refusal(200));
  CHECK(support::refusal(401, "bad key")->what == "bad key");
  CHECK(support::refusal(403)->kind == ErrorKind::auth);
  CHECK(support::refusal(429)->kind == ErrorKind::rate_limited);
  CHECK(support::refusal(503)->kind == ErrorKind::transient);
  CHECK(support::refusal(404)->kind == ErrorKind::contract);
  CHECK(support::call_error(ErrorKind::contract, "GET x", 404, "rejected", "E1 nope", "r-1").message
        == "GET x: HTTP 404 rejected: E1 nope");
}

TEST_CASE("support::mask_params")
{
  CHECK(support::mask_params("partner_id=2001887&timestamp=1&access_token=abc123&shop_id=9&sign=ff00")
        == "partner_id=2001887&timestamp=1&access_token=********&shop_id=9&sign=********");
  CHECK(support::mask_params("user_id=me&pwd=p%40ss&Key=k") == "user_id=me&pwd=********&Key=********");
  CHECK(support::mask_params("OrderNo=1&TrackingNo=2&returnType=application%2Fjson")
        == "OrderNo=1&TrackingNo=2&returnType=application%2Fjson");
  CHECK(support::mask_params("sign=&flag&") == "sign=&flag&");
  CHECK(support::mask_params("") == "");
}
