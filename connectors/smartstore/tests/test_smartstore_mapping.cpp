#include "connectors/smartstore/tests/smartstore_harness.hpp"

using namespace uoms;
using namespace uoms::connectors;
using namespace uoms::testing::smartstore_tests;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::header;
using testing::MemoryTokens;
using testing::utc;

TEST_CASE("SmartstoreConnector maps product orders")
{
  Harness h;
  h.cache_token("cached", 2h);
  const std::string list = fixture("last_changed.json");
  const std::string details = fixture("product_orders.json");
  h.http.handler = [&](const net::Request& request) -> net::HttpResult {
    net::Response response;
    response.status = 200;
    response.body = request.method == "GET" ? list : details;
    return response;
  };
  const auto page = h.make()->fetch_orders(k_window, "");
  REQUIRE(page);
  REQUIRE(h.http.requests.size() == 2);
  CHECK(h.http.requests[1].body
        == R"({"productOrderIds":["2022041198765431","2022041198765432","2022041066666661","2022041077777771","2022041088888881"],"quantityClaimCompatibility":true})");
  CHECK(page->request_id == "trace-detail-1");

  REQUIRE(page->orders.size() == 2);
  const Order& a = page->orders[0];
  CHECK(a.external_id == "2022041112345678");
  // 00:10 KST on the 12th is 15:10 UTC on the 11th.
  REQUIRE(a.ordered_at);
  CHECK(format_utc(*a.ordered_at) == "2022-04-11T15:10:00.000Z");
  REQUIRE(a.paid_at);
  CHECK(format_utc(*a.paid_at) == "2022-04-11T15:10:05.000Z");
  REQUIRE(a.changed_at);
  CHECK(format_utc(*a.changed_at) == "2022-04-12T00:00:00.000Z");
  CHECK(a.currency == "KRW");
  CHECK(a.status == OrderStatus::preparing);
  CHECK(a.raw_status == "PAYED");
  CHECK(a.shipping_fee_minor == 3000);
  CHECK(a.total_minor == 38500); // 27000 - 1500 + 3000, plus 10000
  CHECK(a.buyer.name == "홍길동");
  CHECK(a.buyer.phone == "010-1234-5678");
  CHECK(a.receiver.name == "홍길동");
  CHECK(a.receiver.phone == "010-1234-5678");
  CHECK(a.receiver.zip == "06236");
  CHECK(a.receiver.address1 == "서울특별시 강남구 테헤란로 152");
  CHECK(a.receiver.address2 == "12층");
  REQUIRE(a.items.size() == 2);
  const OrderItem& keyboard = a.items[0];
  CHECK(keyboard.external_id == "2022041198765431");
  CHECK(keyboard.shipment_key == "2022041198765431");
  CHECK(keyboard.sku == "KB-WHT");
  CHECK(keyboard.product_id == "5400000001");
  CHECK(keyboard.option_id == "22334455");
  CHECK(keyboard.name == "무선 키보드");
  CHECK(keyboard.option_name == "색상: 화이트");
  CHECK(keyboard.quantity == 1);
  CHECK(keyboard.unit_price_minor == 27000);
  CHECK(keyboard.total_price_minor == 27000);
  CHECK(keyboard.raw_status == "PAYED");
  CHECK(keyboard.status == OrderStatus::preparing); // PAYED + placeOrderStatus OK
  const OrderItem& pad = a.items[1];
  CHECK(pad.external_id == "2022041198765432");
  CHECK(pad.sku == "PAD-01");
  CHECK(pad.option_id == "");
  CHECK(pad.quantity == 2);
  CHECK(pad.unit_price_minor == 5000);
  CHECK(pad.total_price_minor == 10000);
  CHECK(pad.raw_status == "PAYED/CANCEL_REQUEST");
  CHECK(pad.status == OrderStatus::cancel_requested);
  const json raw_a = json::parse(a.raw);
  REQUIRE(raw_a.is_array());
  CHECK(raw_a.size() == 2);
  CHECK(raw_a[1]["cancel"]["claimId"] == "C2022041200001");

  const Order& b = page->orders[1];
  CHECK(b.external_id == "2022041055555555");
  CHECK(b.status == OrderStatus::delivered);
  CHECK(format_utc(*b.ordered_at) == "2022-04-10T12:00:00.000Z");
  CHECK(b.receiver.phone == "010-5555-6666");
  CHECK(b.items.at(0).sku == "MUG-01");
  CHECK(json::parse(b.raw)["delivery"]["trackingNumber"] == "123456789012");

  REQUIRE(page->failures.size() == 3);
  CHECK(page->failures[0].external_id == "2022041099999999");
  CHECK(page->failures[0].reason == "missing productOrderId");
  CHECK(page->failures[1].external_id == "2022041077777777");
  CHECK(page->failures[1].reason == "missing orderDate");
  CHECK(json::parse(page->failures[1].raw)["productOrder"]["productOrderId"] == "2022041077777771");
  CHECK(page->failures[2].external_id == "2022041088888888");
  CHECK(page->failures[2].reason == "product order 2022041088888881 not returned by product-orders/query");
  CHECK(page->notes.empty());
}

TEST_CASE("SmartstoreConnector status mapping")
{
  Harness h;
  h.cache_token("cached", 2h);
  std::string product_order;
  h.http.handler = [&](const net::Request& request) -> net::HttpResult {
    net::Response response;
    response.status = 200;
    if (request.method == "GET") {
      response.body = R"({"traceId":"t","data":{"lastChangeStatuses":[{"orderId":"1","productOrderId":"11"}]}})";
    } else {
      response.body = R"({"traceId":"t","data":[{"order":{"orderId":"1","orderDate":"2022-04-12T00:30:00.000+09:00"},)"
                      R"("productOrder":{"productOrderId":"11","quantity":1,)"
                      + product_order + "}}]}";
    }
    return response;
  };
  auto connector = h.make();
  auto status_of = [&](std::string fields) {
    product_order = std::move(fields);
    auto page = connector->fetch_orders(k_window, "");
    REQUIRE(page);
    REQUIRE(page->orders.size() == 1);
    return page->orders[0].items.at(0).status;
  };
  CHECK(status_of(R"("productOrderStatus":"PAYMENT_WAITING")") == OrderStatus::pending_payment);
  CHECK(status_of(R"("productOrderStatus":"PAYED","placeOrderStatus":"NOT_YET")") == OrderStatus::paid);
  CHECK(status_of(R"("productOrderStatus":"PAYED","placeOrderStatus":"OK")") == OrderStatus::preparing);
  CHECK(status_of(R"("productOrderStatus":"DELIVERING")") == OrderStatus::shipped);
  CHECK(status_of(R"("productOrderStatus":"DELIVERED")") == OrderStatus::delivered);
  CHECK(status_of(R"("productOrderStatus":"PURCHASE_DECIDED")") == OrderStatus::completed);
  CHECK(status_of(R"("productOrderStatus":"EXCHANGED")") == OrderStatus::exchanged);
  CHECK(status_of(R"("productOrderStatus":"CANCELED")") == OrderStatus::cancelled);
  CHECK(status_of(R"("productOrderStatus":"RETURNED")") == OrderStatus::returned);
  CHECK(status_of(R"("productOrderStatus":"CANCELED_BY_NOPAYMENT")") == OrderStatus::cancelled);
  CHECK(status_of(R"("productOrderStatus":"DELIVERED","claimType":"RETURN","claimStatus":"RETURN_REQUEST")")
        == OrderStatus::return_requested);
  CHECK(status_of(R"("productOrderStatus":"DELIVERED","claimType":"RETURN","claimStatus":"COLLECTING")")
        == OrderStatus::return_requested);
  CHECK(status_of(R"("productOrderStatus":"DELIVERED","claimType":"EXCHANGE","claimStatus":"COLLECT_DONE")")
        == OrderStatus::exchange_requested);
  CHECK(status_of(R"("productOrderStatus":"DELIVERED","claimType":"RETURN","claimStatus":"RETURN_REJECT")")
        == OrderStatus::delivered);
  CHECK(status_of(R"("productOrderStatus":"CANCELED","claimType":"CANCEL","claimStatus":"CANCEL_DONE")")
        == OrderStatus::cancelled);

  product_order = R"("productOrderStatus":"ON_HOLD")";
  const auto page = connector->fetch_orders(k_window, "");
  REQUIRE(page);
  REQUIRE(page->orders.size() == 1);
  CHECK(page->orders[0].status == OrderStatus::unknown);
  CHECK(page->orders[0].raw_status == "ON_HOLD");
  REQUIRE(page->notes.size() == 1);
  CHECK(page->notes[0].external_id == "1");
  CHECK(page->notes[0].message == "unknown Smartstore productOrderStatus \"ON_HOLD\" (productOrderId 11)");
}

TEST_CASE("SmartstoreConnector maps HTTP errors")
{
  Harness h;
  h.cache_token("cached", 2h);
  auto connector = h.make();

  SUBCASE("429 with the trace id from the header")
  {
    h.http.reply(429, R"({"code":"GW.RATE_LIMIT","message":"요청이 많아 서비스를 일시적으로 사용할 수 없습니다."})",
                 {{"GNCP-GW-Trace-ID", "t-429"}});
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::rate_limited);
    CHECK(page.error().http_status == 429);
    CHECK(page.error().request_id == "t-429");
    CHECK(page.error().message
          == "GET last-changed-statuses: HTTP 429 rate limited: GW.RATE_LIMIT 요청이 많아 서비스를 일시적으로 사용할 수 없습니다.");
  }
  SUBCASE("400 with code and message")
  {
    h.http.reply(400, R"({"timestamp":"2022-04-12T10:00:00.000+09:00","traceId":"t-400","code":"4000","message":"lastChangedFrom 형식이 올바르지 않습니다."})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().request_id == "t-400");
    CHECK(page.error().message == "GET last-changed-statuses: HTTP 400 rejected: 4000 lastChangedFrom 형식이 올바르지 않습니다.");
  }
  SUBCASE("403")
  {
    h.http.reply(403, R"({"code":"GW.IP_NOT_ALLOWED","message":"허용되지 않은 IP입니다.","traceId":"t-403"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().message
          == "GET last-changed-statuses: HTTP 403 forbidden (server IP not registered or API group missing): GW.IP_NOT_ALLOWED 허용되지 않은 IP입니다.");
  }
  SUBCASE("500")
  {
    h.http.reply(500, R"({"code":"GW.PROXY.01","message":"proxy error","traceId":"t-500"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::transient);
    CHECK(page.error().message == "GET last-changed-statuses: HTTP 500 server error: GW.PROXY.01 proxy error");
  }
  SUBCASE("an error on the detail call")
  {
    h.http.reply(200, R"({"traceId":"t","data":{"lastChangeStatuses":[{"orderId":"1","productOrderId":"11"}]}})");
    h.http.reply(400, R"({"traceId":"t-q","code":"4000","message":"productOrderIds: size must be between 1 and 300"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message
          == "POST product-orders/query (1 ids): HTTP 400 rejected: 4000 productOrderIds: size must be between 1 and 300");
  }
  SUBCASE("transport")
  {
    h.http.responses.push_back(std::unexpected(net::TransportError{
        net::TransportErrorKind::connect, "GET last-changed-statuses: 127.0.0.1: connection refused", 4}));
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::transient);
    CHECK(page.error().message == "GET last-changed-statuses: 127.0.0.1: connection refused");
  }
  SUBCASE("data of the wrong type")
  {
    h.http.reply(200, R"({"traceId":"t","data":[1,2]})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "GET last-changed-statuses: \"data\" is not an object");
  }
}

TEST_CASE("SmartstoreConnector configuration")
{
  Harness h;
  SUBCASE("SELLER needs account_id")
  {
    h.context.settings["account_type"] = "SELLER";
    const auto result = h.make()->check();
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::config);
    CHECK(result.error().message == "setting account_id is required when account_type is SELLER");
  }
  SUBCASE("a secret that is not a bcrypt salt")
  {
    h.context.secrets["client_secret"] = "plain-secret";
    const auto result = h.make()->check();
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::config);
    CHECK(result.error().message == "secret client_secret is not a bcrypt salt ($2a$10$ followed by 22 characters)");
    CHECK(h.http.requests.empty());
  }
  SUBCASE("capabilities and spec")
  {
    const auto connector = h.make();
    CHECK(connector->capabilities().max_window == Millis{24h});
    CHECK(smartstore::k_detail_batch == 300);
    CHECK(smartstore::k_max_limit_count == 300);
    CHECK(smartstore::spec().default_rate_limit == 2);
    CHECK(connector->capabilities().utc_offset == k_kst_offset);
    const KindSpec& kind = smartstore::spec();
    CHECK(kind.kind == "smartstore");
    std::vector<std::string> names;
    for (const auto& field : kind.settings) {
      names.push_back(field.name);
      CHECK_FALSE(field.help.empty());
    }
    CHECK(names == std::vector<std::string>{"base_url", "client_id", "account_type", "account_id", "rate_limit"});
    CHECK(kind.settings[0].default_value == "https://api.commerce.naver.com");
    CHECK(kind.settings[2].default_value == "SELF");
    REQUIRE(kind.secrets.size() == 1);
    CHECK(kind.secrets[0].name == "client_secret");
    CHECK(kind.secrets[0].required);
  }
}
