#include "connectors/coupang/coupang.hpp"

#include "connectors/coupang/tests/coupang_harness.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace uoms;
using namespace uoms::connectors;
using namespace std::chrono_literals;
using testing::header;
using testing::utc;
using namespace uoms::testing::coupang_tests;

namespace {

// 2025-07-29T00:01 .. 23:59 KST, the minute-mode example of coupang.md §2.3.
// [00:01, 24:00) KST: the query names its last minute, 23:59, as the doc's example does.
const Window k_window{utc(2025, 7, 28, 15, 1), utc(2025, 7, 29, 15, 0)};

} // namespace

TEST_CASE("coupang::signature reproduces the coupang.md 2.8 vectors")
{
  const std::string date = "250801T000000Z";
  CHECK(coupang::signature(k_secret, date, "GET", "/v2/providers/openapi/apis/api/v4/vendors/A00012345/ordersheets",
                           "createdAtFrom=2017-10-10&createdAtTo=2017-10-11&maxPerPage=2&status=INSTRUCT")
        == "3bf1f5c3bf8ee8cc736417f2cfab1b784bb712dea916498cb8c012f27fdec868");
  CHECK(coupang::signature(k_secret, date, "GET", "/v2/providers/openapi/apis/api/v5/vendors/A00012345/ordersheets",
                           "createdAtFrom=2025-07-15%2B09:00&createdAtTo=2025-07-25%2B09:00&maxPerPage=50&status=INSTRUCT")
        == "c182d2e69b02adbb2f62eb1eb7ea6236d581806af06d5a128109174c12123d19");
  CHECK(coupang::signature(k_secret, date, "POST", "/v2/providers/openapi/apis/api/v4/vendors/A00012345/orders/invoices", "")
        == "9d1b5447f566e37191686fff76204bf0f0ec7e98655644cdd9962be0d871c405");
  CHECK(coupang::signature(k_secret, date, "PUT",
                           "/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items/3242596358/quantities/10", "")
        == "d7e4635c4793af7d6c398531c7cb4c385809613118da15efbb4b8cebd24e9165");
  CHECK(coupang::signature(k_secret, date, "GET", "/v2/providers/openapi/apis/api/v4/vendors/A00012345/returnRequests",
                           "createdAtFrom=2018-08-08&createdAtTo=2018-08-08&status=UC")
        == "d4e597419dc5227d3c39863b8d989b9ca80b8bfb3017ccf81a48da06e4decfed");
  CHECK(coupang::authorization(k_access, k_secret, date, "POST",
                               "/v2/providers/openapi/apis/api/v4/vendors/A00012345/orders/invoices", "")
        == "CEA algorithm=HmacSHA256, access-key=0a3a0f34-7852-4ad8-9368-766290b8b1ab, signed-date=250801T000000Z, "
           "signature=9d1b5447f566e37191686fff76204bf0f0ec7e98655644cdd9962be0d871c405");
}

TEST_CASE("coupang::signed_date and query_time")
{
  CHECK(coupang::signed_date(utc(2025, 8, 1)) == "250801T000000Z");
  CHECK(coupang::signed_date(utc(2026, 11, 22, 15, 29, 39) + 987ms) == "261122T152939Z");
  // KST is UTC+9: 15:01:30Z is 00:01 the next day; seconds are dropped.
  CHECK(coupang::query_time(utc(2025, 7, 28, 15, 1, 30), k_kst_offset) == "2025-07-29T00:01%2B09:00");
  CHECK(coupang::query_time(utc(2025, 7, 28, 15, 1, 30), -480min) == "2025-07-28T07:01-08:00");
}

TEST_CASE("coupang cursor encoding")
{
  CHECK(coupang::encode_cursor({2, "448537989"}) == "2|448537989");
  CHECK(coupang::encode_cursor({1, ""}) == "1|");
  const auto decoded = coupang::decode_cursor("3|abc|def");
  REQUIRE(decoded);
  CHECK(decoded->status_index == 3);
  CHECK(decoded->next_token == "abc|def");
  CHECK_FALSE(coupang::decode_cursor("x|1"));
  CHECK_FALSE(coupang::decode_cursor("|1"));
  CHECK_FALSE(coupang::decode_cursor("12"));
}

TEST_CASE("CoupangConnector sends the exact signed request")
{
  Harness h("ACCEPT");
  h.http.reply(200, R"({"code":200,"message":"OK","data":[],"nextToken":""})");
  auto connector = h.make();
  const auto page = connector->fetch_orders(k_window, "");
  REQUIRE(page);
  REQUIRE(h.http.requests.size() == 1);
  const auto& request = h.http.requests[0];
  CHECK(request.method == "GET");
  CHECK(request.url
        == std::string("http://127.0.0.1:8080") + k_path
               + "?createdAtFrom=2025-07-29T00:01%2B09:00&createdAtTo=2025-07-29T23:59%2B09:00&searchType=timeFrame&status=ACCEPT");
  CHECK(header(request, "Authorization")
        == "CEA algorithm=HmacSHA256, access-key=0a3a0f34-7852-4ad8-9368-766290b8b1ab, signed-date=250801T000000Z, "
           "signature=1a49f162f456c8a4122c909d7a37a6937c3ad09fa2473a0cf489d4b67597edb3");
  CHECK(header(request, "Content-Type") == "application/json;charset=UTF-8");
  CHECK(header(request, "X-Requested-By") == "A00012345");
  CHECK(request.label == "GET ordersheets (status ACCEPT)");
  CHECK(page->next_cursor.empty());
  CHECK(page->requests == 1);
  CHECK(page->orders.empty());
}

TEST_CASE("CoupangConnector walks every status and nextToken of one window")
{
  Harness h("ACCEPT,INSTRUCT");
  auto connector = h.make();

  SUBCASE("nextToken, then the next status, then done")
  {
    h.http.reply(200, R"({"code":200,"message":"OK","data":[],"nextToken":"448537989"})");
    h.http.reply(200, R"({"code":"200","message":"OK","data":[],"nextToken":""})");
    h.http.reply(200, R"({"code":200,"message":"OK","data":[]})");

    auto first = connector->fetch_orders(k_window, "");
    REQUIRE(first);
    CHECK(first->next_cursor == "0|448537989");

    h.clock.set(utc(2025, 8, 1) + 2s); // each request is signed afresh
    auto second = connector->fetch_orders(k_window, first->next_cursor);
    REQUIRE(second);
    CHECK(second->next_cursor == "1|");

    auto third = connector->fetch_orders(k_window, second->next_cursor);
    REQUIRE(third);
    CHECK(third->next_cursor.empty());

    REQUIRE(h.http.requests.size() == 3);
    const std::string base = std::string("http://127.0.0.1:8080") + k_path
                             + "?createdAtFrom=2025-07-29T00:01%2B09:00&createdAtTo=2025-07-29T23:59%2B09:00";
    CHECK(h.http.requests[0].url == base + "&searchType=timeFrame&status=ACCEPT");
    CHECK(h.http.requests[1].url == base + "&nextToken=448537989&searchType=timeFrame&status=ACCEPT");
    CHECK(h.http.requests[2].url == base + "&searchType=timeFrame&status=INSTRUCT");
    CHECK(header(h.http.requests[1], "Authorization")
          == coupang::authorization(k_access, k_secret, "250801T000002Z", "GET", k_path,
                                    "createdAtFrom=2025-07-29T00:01%2B09:00&createdAtTo=2025-07-29T23:59%2B09:00"
                                    "&nextToken=448537989&searchType=timeFrame&status=ACCEPT"));
  }

  SUBCASE("a nextToken that does not advance is an error, not a loop")
  {
    h.http.reply(200, R"({"code":200,"message":"OK","data":[],"nextToken":"77"})");
    const auto page = connector->fetch_orders(k_window, "0|77");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "GET ordersheets (status ACCEPT): nextToken 77 did not advance");
  }

  SUBCASE("a cursor past the status list is rejected")
  {
    const auto page = connector->fetch_orders(k_window, "2|");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "invalid coupang cursor \"2|\"");
    CHECK(h.http.requests.empty());
  }

  SUBCASE("the default status list is every status the doc lists")
  {
    Harness all;
    auto c = all.make();
    std::string cursor;
    std::vector<std::string> seen;
    for (int i = 0; i < 10; ++i) {
      all.http.reply(200, R"({"code":200,"message":"OK","data":[],"nextToken":""})");
      auto page = c->fetch_orders(k_window, cursor);
      REQUIRE(page);
      const auto& url = all.http.requests.back().url;
      seen.push_back(url.substr(url.rfind("status=") + 7));
      cursor = page->next_cursor;
      if (cursor.empty()) {
        break;
      }
    }
    CHECK(seen == std::vector<std::string>{"ACCEPT", "INSTRUCT", "DEPARTURE", "DELIVERING", "FINAL_DELIVERY", "NONE_TRACKING"});
  }
}

TEST_CASE("CoupangConnector maps a v5 page")
{
  Harness h("INSTRUCT");
  h.http.reply(200, fixture("ordersheets_instruct.json"));
  auto connector = h.make();
  const auto page = connector->fetch_orders(k_window, "");
  REQUIRE(page);

  REQUIRE(page->orders.size() == 2);
  const Order& x = page->orders[0];
  CHECK(x.external_id == "4000019469460");
  CHECK(x.status == OrderStatus::preparing);
  CHECK(x.raw_status == "INSTRUCT");
  REQUIRE(x.ordered_at);
  CHECK(format_utc(*x.ordered_at) == "2025-07-31T23:15:30.123Z");
  REQUIRE(x.paid_at);
  CHECK(format_utc(*x.paid_at) == "2025-07-31T23:16:02.000Z");
  CHECK(x.currency == "KRW");
  CHECK(x.shipping_fee_minor == 5500);
  // (28000 - 2000) + 5000 + 3000 shipping, then 29700 + 2500 shipping.
  CHECK(x.total_minor == 66200);
  CHECK(x.buyer.name == "김쿠팡");
  CHECK(x.buyer.phone == "0502-1234-5678");
  CHECK(x.buyer.email == "");
  CHECK(x.receiver.name == "이수령");
  CHECK(x.receiver.phone == "0502-8765-4321");
  CHECK(x.receiver.zip == "05510");
  CHECK(x.receiver.address1 == "서울특별시 송파구 송파대로 570");
  CHECK(x.receiver.address2 == "101동 1001호");

  // Two shipment boxes of one orderId merge into one Order.
  REQUIRE(x.items.size() == 3);
  const OrderItem& mouse = x.items[0];
  CHECK(mouse.external_id == "606920263-3823839899");
  CHECK(mouse.shipment_key == "606920263");
  CHECK(mouse.sku == "MOUSE-BLK");
  CHECK(mouse.product_id == "13579");
  CHECK(mouse.option_id == "3823839899");
  CHECK(mouse.name == "무선 마우스");
  CHECK(mouse.option_name == "블랙");
  CHECK(mouse.quantity == 2);
  CHECK(mouse.unit_price_minor == 14000);
  CHECK(mouse.total_price_minor == 28000);
  CHECK(mouse.raw_status == "INSTRUCT");
  CHECK(mouse.status == OrderStatus::preparing);
  const OrderItem& pad = x.items[1];
  CHECK(pad.external_id == "606920263-3823839900");
  CHECK(pad.sku == ""); // no externalVendorSkuCode: no SKU, never a product name
  CHECK(pad.quantity == 1);
  const OrderItem& hub = x.items[2];
  CHECK(hub.external_id == "606920264-3823840001");
  CHECK(hub.shipment_key == "606920264");
  CHECK(hub.sku == "HUB-4P");
  CHECK(hub.quantity == 2); // shippingCount 3 - cancelCount 1
  CHECK(hub.unit_price_minor == 9900);
  CHECK(hub.total_price_minor == 29700);

  const auto raw = nlohmann::json::parse(x.raw);
  REQUIRE(raw.is_array());
  CHECK(raw.size() == 2);
  CHECK(raw[0]["shipmentBoxId"] == 606920263);
  CHECK(raw[1]["shipmentBoxId"] == 606920264);

  // v4-style plain numbers and offset-less KST times; 00:30 KST is the previous UTC day.
  const Order& y = page->orders[1];
  CHECK(y.external_id == "4000019469999");
  REQUIRE(y.ordered_at);
  CHECK(format_utc(*y.ordered_at) == "2025-07-31T15:30:00.000Z");
  CHECK(format_utc(*y.paid_at) == "2025-07-31T15:31:10.000Z");
  CHECK(y.shipping_fee_minor == 3000);
  CHECK(y.total_minor == 14500);
  CHECK(y.buyer.phone == "0502-1111-2222");
  CHECK(y.receiver.phone == "010-1111-2222");
  REQUIRE(y.items.size() == 1);
  CHECK(y.items[0].unit_price_minor == 12000);
  CHECK(y.items[0].sku == "CABLE-C");
  CHECK(nlohmann::json::parse(y.raw).is_object());
  CHECK(nlohmann::json::parse(y.raw)["shipmentBoxId"] == 606920300);

  // The malformed box is kept with its payload; the rest of the page mapped.
  REQUIRE(page->failures.size() == 1);
  CHECK(page->failures[0].external_id == "4000019470001");
  CHECK(page->failures[0].reason == "orderedAt is not a date-time: \"yesterday\"");
  CHECK(nlohmann::json::parse(page->failures[0].raw)["shipmentBoxId"] == 606920400);
  CHECK(page->notes.empty());
}

TEST_CASE("CoupangConnector status mapping")
{
  Harness h("ACCEPT");
  auto connector = h.make();
  auto one = [&](std::string status, std::string item_extra = "") {
    h.http.reply(200, R"({"code":200,"message":"OK","nextToken":"","data":[{"shipmentBoxId":1,"orderId":2,)"
                          R"("orderedAt":"2025-08-01T10:00:00","status":")"
                          + status + R"(","orderItems":[{"vendorItemId":3,"shippingCount":2,"salesPrice":100)" + item_extra
                          + "}]}]}");
    auto page = connector->fetch_orders(k_window, "");
    REQUIRE(page);
    return *page;
  };
  CHECK(one("ACCEPT").orders.at(0).status == OrderStatus::paid);
  CHECK(one("INSTRUCT").orders.at(0).status == OrderStatus::preparing);
  CHECK(one("DEPARTURE").orders.at(0).status == OrderStatus::shipped);
  CHECK(one("DELIVERING").orders.at(0).status == OrderStatus::shipped);
  CHECK(one("FINAL_DELIVERY").orders.at(0).status == OrderStatus::delivered);
  CHECK(one("NONE_TRACKING").orders.at(0).status == OrderStatus::shipped);
  CHECK(one("INSTRUCT", R"(,"holdCountForCancel":1)").orders.at(0).items.at(0).status == OrderStatus::cancel_requested);
  CHECK(one("INSTRUCT", R"(,"cancelCount":2,"canceled":true)").orders.at(0).status == OrderStatus::cancelled);

  const Page unknown = one("PARTIAL_DELIVERY");
  REQUIRE(unknown.orders.size() == 1);
  CHECK(unknown.orders[0].status == OrderStatus::unknown);
  CHECK(unknown.orders[0].raw_status == "PARTIAL_DELIVERY");
  CHECK(unknown.orders[0].items.at(0).raw_status == "PARTIAL_DELIVERY");
  REQUIRE(unknown.notes.size() == 1);
  CHECK(unknown.notes[0].external_id == "2");
  CHECK(unknown.notes[0].message == "unknown Coupang status \"PARTIAL_DELIVERY\" (shipmentBoxId 1)");
  CHECK(unknown.failures.empty());
}

TEST_CASE("CoupangConnector turns bad records into MappingFailures")
{
  Harness h("ACCEPT");
  auto connector = h.make();
  h.http.reply(200, R"({"code":200,"message":"OK","nextToken":"","data":[
      {"shipmentBoxId":1,"orderedAt":"2025-08-01T10:00:00","status":"ACCEPT","orderItems":[{"vendorItemId":3}]},
      {"shipmentBoxId":2,"orderId":20,"orderedAt":"2025-08-01T10:00:00","status":"ACCEPT","orderItems":[{"vendorItemId":3,"shippingCount":"two"}]},
      {"shipmentBoxId":3,"orderId":30,"orderedAt":"2025-08-01T10:00:00","status":"ACCEPT","orderItems":[{"vendorItemId":3,"salesPrice":"cheap"}]},
      {"shipmentBoxId":4,"orderId":40,"orderedAt":"2025-08-01T10:00:00","status":"ACCEPT","orderItems":[]},
      "not an object",
      {"shipmentBoxId":5,"orderId":50,"orderedAt":"2025-08-01T10:00:00","status":"ACCEPT","orderItems":[{"vendorItemId":7,"shippingCount":1,"salesPrice":{"currencyCode":"KRW","units":1500,"nanos":0}}]}
    ]})");
  const auto page = connector->fetch_orders(k_window, "");
  REQUIRE(page);
  REQUIRE(page->orders.size() == 1);
  CHECK(page->orders[0].external_id == "50");
  CHECK(page->orders[0].items.at(0).unit_price_minor == 1500);
  REQUIRE(page->failures.size() == 5);
  CHECK(page->failures[0].external_id == "");
  CHECK(page->failures[0].reason == "missing orderId");
  CHECK(page->failures[1].external_id == "20");
  CHECK(page->failures[1].reason == "shippingCount is not a number: \"two\"");
  CHECK(page->failures[2].reason == "salesPrice is not an amount: \"cheap\"");
  CHECK(page->failures[3].reason == "shipmentBoxId 4: no orderItems");
  CHECK(page->failures[4].reason == "order sheet is not an object");
  CHECK(page->failures[4].raw == "\"not an object\"");
}

TEST_CASE("CoupangConnector maps HTTP errors")
{
  Harness h("ACCEPT");
  auto connector = h.make();

  SUBCASE("401")
  {
    h.http.reply(401, R"({"code":401,"message":"Invalid signature"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().http_status == 401);
    CHECK(page.error().message
          == "GET ordersheets (status ACCEPT): HTTP 401 unauthorized (check access_key, secret_key and the clock): 401 Invalid signature");
  }
  SUBCASE("403 HTML page")
  {
    h.http.reply(403, "<html><body>Access Denied</body></html>");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().message == "GET ordersheets (status ACCEPT): HTTP 403 forbidden (IP not registered or temporarily blocked)");
  }
  SUBCASE("429")
  {
    h.http.reply(429, R"({"code":"ERROR","message":"Too Many Requests"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::rate_limited);
    CHECK(page.error().http_status == 429);
    CHECK(page.error().message == "GET ordersheets (status ACCEPT): HTTP 429 rate limited: ERROR Too Many Requests");
  }
  SUBCASE("400 with the marketplace's code and message")
  {
    h.http.reply(400, R"({"code":400,"message":"createdAtFrom must be yyyy-MM-ddTHH:mm\nwith offset"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "GET ordersheets (status ACCEPT): HTTP 400 rejected: 400 createdAtFrom must be yyyy-MM-ddTHH:mm with offset");
  }
  SUBCASE("a message echoing the secret key is scrubbed")
  {
    h.http.reply(400, std::string(R"({"code":400,"message":"bad key )") + k_secret + "\"}");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().message == "GET ordersheets (status ACCEPT): HTTP 400 rejected: 400 bad key ********");
  }
  SUBCASE("500")
  {
    h.http.reply(500, R"({"code":"ERROR","message":"Internal Server Error"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::transient);
    CHECK(page.error().message == "GET ordersheets (status ACCEPT): HTTP 500 server error: ERROR Internal Server Error");
  }
  SUBCASE("HTTP 200 with an error code in the body")
  {
    h.http.reply(200, R"({"code":"ERROR","message":"Request timed out"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "GET ordersheets (status ACCEPT): HTTP 200 error in body: ERROR Request timed out");
  }
  SUBCASE("unparsable body")
  {
    h.http.reply(200, "{not json");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "GET ordersheets (status ACCEPT): HTTP 200 with a body that is not a JSON object");
  }
  SUBCASE("transport")
  {
    h.http.responses.push_back(std::unexpected(
        net::TransportError{net::TransportErrorKind::timeout, "GET ordersheets (status ACCEPT): 127.0.0.1: timed out", 4}));
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::transient);
    CHECK(page.error().message == "GET ordersheets (status ACCEPT): 127.0.0.1: timed out");
  }
}

TEST_CASE("CoupangConnector::check")
{
  Harness h("INSTRUCT,ACCEPT");
  h.clock.set(utc(2025, 8, 1, 3, 30, 15));
  h.http.reply(200, R"({"code":200,"message":"OK","data":[{},{}],"nextToken":""})");
  auto connector = h.make();
  const auto result = connector->check();
  REQUIRE(result);
  CHECK(*result == "vendor A00012345: signature accepted; 2 INSTRUCT order sheet(s) created in the last hour");
  REQUIRE(h.http.requests.size() == 1);
  CHECK(h.http.requests[0].url
        == std::string("http://127.0.0.1:8080") + k_path
               + "?createdAtFrom=2025-08-01T11:30%2B09:00&createdAtTo=2025-08-01T12:30%2B09:00&searchType=timeFrame&status=INSTRUCT");
}

TEST_CASE("CoupangConnector configuration")
{
  SUBCASE("capabilities")
  {
    Harness h;
    h.context.settings["rescan_days"] = "5";
    auto connector = h.make();
    const auto& caps = connector->capabilities();
    CHECK(caps.max_window == Millis{24h});
    CHECK(caps.rescan_window == Millis{std::chrono::days(5)});
    CHECK(caps.utc_offset == k_kst_offset);
    CHECK(coupang::spec().default_rate_limit == 5);
    CHECK(Harness{}.make()->capabilities().rescan_window == Millis{std::chrono::days(3)});
  }
  SUBCASE("missing vendor_id")
  {
    Harness h;
    h.context.settings.erase("vendor_id");
    auto connector = h.make();
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::config);
    CHECK(page.error().message == "setting vendor_id is required (the WING seller code, e.g. A00012345)");
    CHECK(h.http.requests.empty());
  }
  SUBCASE("missing secret")
  {
    Harness h;
    h.context.secrets.erase("secret_key");
    const auto result = h.make()->check();
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::config);
    CHECK(result.error().message == "secret secret_key is required");
  }
  SUBCASE("timezone override")
  {
    Harness h("ACCEPT");
    h.context.settings["timezone"] = "+08:00";
    h.http.reply(200, R"({"code":200,"message":"OK","data":[]})");
    auto connector = h.make();
    REQUIRE(connector->fetch_orders(k_window, ""));
    CHECK(h.http.requests[0].url.find("createdAtFrom=2025-07-28T23:01%2B08:00&") != std::string::npos);
    h.context.settings["timezone"] = "Mars/Olympus";
    const auto bad = h.make()->check();
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "setting timezone: \"Mars/Olympus\" is not an offset like +09:00 or a known zone");
  }
  SUBCASE("bad rescan_days")
  {
    Harness h;
    h.context.settings["rescan_days"] = "three";
    const auto bad = h.make()->check();
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "setting rescan_days: \"three\" is not a whole number of days from 0 to 31");
  }
  SUBCASE("spec")
  {
    const KindSpec& kind = coupang::spec();
    CHECK(kind.kind == "coupang");
    std::vector<std::string> names;
    for (const auto& field : kind.settings) {
      names.push_back(field.name);
      CHECK_FALSE(field.help.empty());
    }
    CHECK(names == std::vector<std::string>{"base_url", "vendor_id", "rate_limit", "timezone", "statuses", "rescan_days"});
    CHECK(kind.settings[0].default_value == "https://api-gateway.coupang.com");
    CHECK(kind.settings[1].required);
    REQUIRE(kind.secrets.size() == 2);
    CHECK(kind.secrets[0].name == "access_key");
    CHECK(kind.secrets[1].name == "secret_key");
  }
}
