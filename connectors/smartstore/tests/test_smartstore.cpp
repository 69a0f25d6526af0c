#include "connectors/smartstore/smartstore.hpp"

#include "tests/support/connector_test.hpp"
#include "tests/support/fake_http.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace uoms;
using namespace uoms::connectors;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::header;
using testing::MemoryTokens;
using testing::utc;

namespace {

// The published vector of smartstore.md §1.1.
constexpr const char* k_client_id = "aaaabbbbcccc";
constexpr const char* k_client_secret = "$2a$10$abcdefghijklmnopqrstuv";
constexpr const char* k_sign_1643961623299 =
    "JDJhJDEwJGFiY2RlZmdoaWprbG1ub3BxcnN0dXVCVldZSk42T0VPdEx1OFY0cDQxa2IuTnpVaUEzbmsy";
constexpr const char* k_base = "http://127.0.0.1:9090";
constexpr const char* k_list_url = "http://127.0.0.1:9090/external/v1/pay-order/seller/product-orders/last-changed-statuses";
constexpr const char* k_query_url = "http://127.0.0.1:9090/external/v1/pay-order/seller/product-orders/query";
constexpr const char* k_token_url = "http://127.0.0.1:9090/external/v1/oauth2/token";

std::string fixture(const std::string& name)
{
  return testing::read_fixture("smartstore", name);
}

struct Harness
{
  testing::FakeHttp http;
  ManualClock clock{TimePoint{Millis{1643961623299}}}; // the vector's timestamp
  MemoryTokens tokens;
  ChannelContext context;

  Harness()
  {
    context.name = "naver-main";
    context.settings = {{"base_url", k_base}, {"client_id", k_client_id}};
    context.secrets = {{"client_secret", k_client_secret}};
    context.http = &http;
    context.clock = &clock;
    context.tokens = &tokens;
  }

  void cache_token(std::string value, Millis left)
  {
    tokens.tokens["access_token"] = Token{std::move(value), clock.now() + left, ""};
  }

  std::unique_ptr<Connector> make() { return smartstore::spec().make(context); }
};

// 2022-04-12T00:00:00.000+09:00 .. 10:00:00.000+09:00.
const Window k_window{utc(2022, 4, 11, 15), utc(2022, 4, 12, 1) + 1ms}; // lastChangedTo is its last millisecond
const std::string k_first_query =
    "?lastChangedFrom=2022-04-12T00:00:00.000%2B09:00&lastChangedTo=2022-04-12T10:00:00.000%2B09:00&limitCount=300";

std::string token_reply(const std::string& token, int expires_in = 10800)
{
  return json{{"access_token", token}, {"expires_in", expires_in}, {"token_type", "Bearer"}}.dump();
}

constexpr const char* k_empty_list = R"({"timestamp":"2022-04-12T10:00:00.000+09:00","traceId":"t-empty"})";

} // namespace

TEST_CASE("smartstore::client_secret_sign reproduces the smartstore.md 1.1 vectors")
{
  CHECK(smartstore::client_secret_sign(k_client_id, k_client_secret, 1643961623299LL) == std::string(k_sign_1643961623299));
  CHECK(smartstore::client_secret_sign(k_client_id, k_client_secret, 1643956077762LL)
        == std::string("JDJhJDEwJGFiY2RlZmdoaWprbG1ub3BxcnN0dXVLOTA1cGVVSGZCaUhFaE5aMWJ6WHhCS25VbHhDYjlt"));
  CHECK_FALSE(smartstore::client_secret_sign(k_client_id, "not-a-salt", 1643961623299LL));
}

TEST_CASE("smartstore::query_time and cursor")
{
  CHECK(smartstore::query_time(utc(2022, 4, 11, 6, 21, 44)) == "2022-04-11T15:21:44.000%2B09:00");
  CHECK(smartstore::query_time(utc(2022, 4, 11, 15, 0, 0) + 7ms) == "2022-04-12T00:00:00.007%2B09:00");
  CHECK(smartstore::encode_cursor({"2022-04-12T03:00:00.000+09:00", "0000000042"}) == "2022-04-12T03:00:00.000+09:00|0000000042");
  const auto cursor = smartstore::decode_cursor("2022-04-12T03:00:00.000+09:00|0000000042");
  REQUIRE(cursor);
  CHECK(cursor->more_from == "2022-04-12T03:00:00.000+09:00");
  CHECK(cursor->more_sequence == "0000000042");
  CHECK_FALSE(smartstore::decode_cursor("no-bar"));
  CHECK_FALSE(smartstore::decode_cursor("from|"));
}

TEST_CASE("SmartstoreConnector token")
{
  Harness h;

  SUBCASE("no cached token: the signed form request, then the call with the bearer")
  {
    h.http.reply(200, token_reply("tok-1"));
    h.http.reply(200, k_empty_list);
    auto connector = h.make();
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE(page);
    REQUIRE(h.http.requests.size() == 2);
    const auto& token = h.http.requests[0];
    CHECK(token.method == "POST");
    CHECK(token.url == k_token_url);
    CHECK(header(token, "Content-Type") == "application/x-www-form-urlencoded");
    CHECK(token.body
          == std::string("client_id=aaaabbbbcccc&timestamp=1643961623299&grant_type=client_credentials&client_secret_sign=")
                 + k_sign_1643961623299 + "&type=SELF");
    const auto& list = h.http.requests[1];
    CHECK(list.method == "GET");
    CHECK(list.url == k_list_url + k_first_query);
    CHECK(header(list, "Authorization") == "Bearer tok-1");
    CHECK(page->requests == 2);
    CHECK(page->request_id == "t-empty");
    CHECK(page->orders.empty());
    CHECK(page->next_cursor.empty());
    REQUIRE(h.tokens.tokens.contains("access_token"));
    CHECK(h.tokens.tokens["access_token"].value == "tok-1");
    CHECK(h.tokens.tokens["access_token"].expires_at == h.clock.now() + 10800s);
  }

  SUBCASE("SELLER sends type and account_id")
  {
    h.context.settings["account_type"] = "SELLER";
    h.context.settings["account_id"] = "seller-77";
    h.http.reply(200, token_reply("tok-s"));
    h.http.reply(200, k_empty_list);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    CHECK(h.http.requests[0].body
          == std::string("client_id=aaaabbbbcccc&timestamp=1643961623299&grant_type=client_credentials&client_secret_sign=")
                 + k_sign_1643961623299 + "&type=SELLER&account_id=seller-77");
  }

  SUBCASE("a cached token is used while it has more than 5 minutes left")
  {
    h.cache_token("cached", 6min);
    h.http.reply(200, k_empty_list);
    h.http.reply(200, k_empty_list);
    auto connector = h.make();
    REQUIRE(connector->fetch_orders(k_window, ""));
    REQUIRE(connector->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].url == k_list_url + k_first_query);
    CHECK(header(h.http.requests[0], "Authorization") == "Bearer cached");
    CHECK(header(h.http.requests[1], "Authorization") == "Bearer cached");
    CHECK(h.tokens.saves == 0);
  }

  SUBCASE("a token expiring within 5 minutes is replaced first")
  {
    h.cache_token("old", 4min);
    h.http.reply(200, token_reply("new", 10800));
    h.http.reply(200, k_empty_list);
    auto connector = h.make();
    REQUIRE(connector->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].url == k_token_url);
    CHECK(header(h.http.requests[1], "Authorization") == "Bearer new");
    CHECK(h.tokens.tokens["access_token"].value == "new");
    CHECK(h.tokens.saves == 1);

    // Three hours later the in-memory token is stale too.
    h.clock.sleep_for(10800s - 4min);
    h.http.reply(200, token_reply("newer"));
    h.http.reply(200, k_empty_list);
    REQUIRE(connector->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 4);
    CHECK(h.http.requests[2].url == k_token_url);
    CHECK(h.http.requests[2].body.find("timestamp=1643972183299&") != std::string::npos);
    CHECK(header(h.http.requests[3], "Authorization") == "Bearer newer");
  }

  SUBCASE("401 refreshes once and retries")
  {
    h.cache_token("revoked", 2h);
    h.http.reply(401, R"({"code":"GW.AUTHN","message":"인증에 실패했습니다.","timestamp":"2022-02-07T07:57:11.369+09:00","traceId":"t-401"})");
    h.http.reply(200, token_reply("fresh"));
    h.http.reply(200, k_empty_list);
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE(page);
    REQUIRE(h.http.requests.size() == 3);
    CHECK(header(h.http.requests[0], "Authorization") == "Bearer revoked");
    CHECK(h.http.requests[1].url == k_token_url);
    CHECK(header(h.http.requests[2], "Authorization") == "Bearer fresh");
    CHECK(h.http.requests[2].url == k_list_url + k_first_query);
    CHECK(page->requests == 3);
    CHECK(h.tokens.tokens["access_token"].value == "fresh");
  }

  SUBCASE("401 again after the refresh is an auth error")
  {
    h.cache_token("revoked", 2h);
    h.http.reply(401, R"({"code":"GW.AUTHN","message":"인증에 실패했습니다.","traceId":"t-401a"})");
    h.http.reply(200, token_reply("fresh"));
    h.http.reply(401, R"({"code":"GW.AUTHN","message":"인증에 실패했습니다.","traceId":"t-401b"})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(h.http.requests.size() == 3);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().http_status == 401);
    CHECK(page.error().request_id == "t-401b");
    CHECK(page.error().message
          == "GET last-changed-statuses: HTTP 401 unauthorized: GW.AUTHN 인증에 실패했습니다. after a new token (check "
             "client_id, client_secret and the application's API groups)");
    CHECK(h.tokens.locks == 1); // the one renewal ran under the channel's token lock
    CHECK(h.tokens.unlocks == 1);
  }

  SUBCASE("a rejected token request is an auth error without secrets")
  {
    h.http.reply(400, std::string(R"({"code":"BAD_REQUEST","message":"invalid client_secret_sign )") + k_sign_1643961623299
                          + R"(","traceId":"t-tok"})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(h.http.requests.size() == 1);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().request_id == "t-tok");
    CHECK(page.error().message
          == "POST oauth2/token: HTTP 400 token request rejected (check client_id, client_secret, account_type and the "
             "clock): BAD_REQUEST invalid client_secret_sign ********");
    CHECK(page.error().message.find(k_client_secret) == std::string::npos);
  }

  SUBCASE("check() makes one read call with the stored token")
  {
    h.cache_token("cached", 2h);
    h.http.reply(200, R"({"data":{"lastChangeStatuses":[{"productOrderId":"1","orderId":"2"}]}})");
    const auto result = h.make()->check();
    REQUIRE(result);
    CHECK(*result == "client aaaabbbbcccc: token for SELF accepted (valid 120 min more); 1 product order change(s) in "
                     "the last hour");
    REQUIRE(h.http.requests.size() == 1);
    CHECK(header(h.http.requests[0], "Authorization") == "Bearer cached");
    CHECK(h.http.requests[0].url
          == k_list_url
                 + std::string("?lastChangedFrom=2022-02-04T16:00:23.299%2B09:00&lastChangedTo=2022-02-04T17:00:23.299"
                               "%2B09:00&limitCount=300"));
  }

  SUBCASE("check() without a stored token obtains one first and keeps it")
  {
    h.http.reply(200, token_reply("checked", 10800));
    h.http.reply(200, k_empty_list);
    const auto result = h.make()->check();
    REQUIRE(result);
    CHECK(*result == "client aaaabbbbcccc: token for SELF accepted (valid 180 min more); 0 product order change(s) in "
                     "the last hour");
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].url == k_token_url);
    CHECK(header(h.http.requests[1], "Authorization") == "Bearer checked");
    CHECK(h.tokens.tokens["access_token"].value == "checked");
    CHECK(h.tokens.saves == 1);
  }
}

TEST_CASE("SmartstoreConnector base_url and page_size")
{
  Harness h;
  h.cache_token("cached", 1h);
  h.http.reply(200, k_empty_list);
  SUBCASE("given as Naver documents it, with /external")
  {
    h.context.settings["base_url"] = std::string(k_base) + "/external/";
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 1);
    CHECK(h.http.requests[0].url == k_list_url + k_first_query);
  }
  SUBCASE("[kinds.smartstore] page_size is the limitCount, at most 300")
  {
    h.context.page_size = 50;
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    CHECK(h.http.requests[0].url
          == std::string(k_list_url)
                 + "?lastChangedFrom=2022-04-12T00:00:00.000%2B09:00&lastChangedTo=2022-04-12T10:00:00.000%2B09:00"
                   "&limitCount=50");
  }
  SUBCASE("a page_size above 300 is clamped")
  {
    h.context.page_size = 1000;
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    CHECK(h.http.requests[0].url == k_list_url + k_first_query);
  }
}

TEST_CASE("SmartstoreConnector pages with moreFrom/moreSequence")
{
  Harness h;
  h.cache_token("cached", 2h);
  h.http.reply(200, R"({"timestamp":"2022-04-12T10:00:00.000+09:00","traceId":"t1","data":{"count":0,"lastChangeStatuses":[],
                        "more":{"moreFrom":"2022-04-12T03:00:00.000+09:00","moreSequence":"0000000042"}}})");
  h.http.reply(200, R"({"timestamp":"2022-04-12T10:00:01.000+09:00","traceId":"t2","data":{"count":0,"lastChangeStatuses":[]}})");
  auto connector = h.make();
  const auto first = connector->fetch_orders(k_window, "");
  REQUIRE(first);
  CHECK(first->next_cursor == "2022-04-12T03:00:00.000+09:00|0000000042");
  CHECK(first->request_id == "t1");
  const auto second = connector->fetch_orders(k_window, first->next_cursor);
  REQUIRE(second);
  CHECK(second->next_cursor.empty());
  REQUIRE(h.http.requests.size() == 2);
  CHECK(h.http.requests[1].url
        == std::string(k_list_url)
               + "?lastChangedFrom=2022-04-12T03:00:00.000%2B09:00&lastChangedTo=2022-04-12T10:00:00.000%2B09:00"
                 "&moreSequence=0000000042&limitCount=300");
  CHECK(h.http.requests[1].label == "GET last-changed-statuses (moreSequence 0000000042)");

  SUBCASE("a continuation that does not advance is an error")
  {
    h.http.reply(200, R"({"traceId":"t3","data":{"lastChangeStatuses":[],
                          "more":{"moreFrom":"2022-04-12T03:00:00.000+09:00","moreSequence":"0000000042"}}})");
    const auto stuck = connector->fetch_orders(k_window, first->next_cursor);
    REQUIRE_FALSE(stuck);
    CHECK(stuck.error().kind == ErrorKind::contract);
    CHECK(stuck.error().message == "GET last-changed-statuses (moreSequence 0000000042): moreSequence 0000000042 did not advance");
  }
}

TEST_CASE("SmartstoreConnector queries details in batches of 300")
{
  Harness h;
  h.cache_token("cached", 2h);
  json entries = json::array();
  for (int i = 0; i < 301; ++i) {
    entries.push_back({{"orderId", fmt::format("O{:04}", i)},
                       {"productOrderId", fmt::format("P{:04}", i)},
                       {"lastChangedType", "PAYED"},
                       {"lastChangedDate", "2022-04-12T01:00:00.000+09:00"},
                       {"productOrderStatus", "PAYED"}});
  }
  // The same product order changed twice is queried once.
  const json duplicate = entries[0];
  entries.push_back(duplicate);
  h.http.handler = [&](const net::Request& request) -> net::HttpResult {
    net::Response response;
    response.status = 200;
    if (request.method == "GET") {
      response.body = json{{"traceId", "t-list"}, {"data", {{"count", 302}, {"lastChangeStatuses", entries}}}}.dump();
      return response;
    }
    const json body = json::parse(request.body);
    json data = json::array();
    for (const auto& id : body["productOrderIds"]) {
      const std::string pid = id.get<std::string>();
      data.push_back({{"order", {{"orderId", "O" + pid.substr(1)}, {"orderDate", "2022-04-12T00:30:00.000+09:00"}}},
                      {"productOrder",
                       {{"productOrderId", pid}, {"productOrderStatus", "PAYED"}, {"quantity", 1}, {"unitPrice", 100}}}});
    }
    response.body = json{{"traceId", fmt::format("t-detail-{}", body["productOrderIds"].size())}, {"data", data}}.dump();
    return response;
  };
  const auto page = h.make()->fetch_orders(k_window, "");
  REQUIRE(page);
  REQUIRE(h.http.requests.size() == 3);
  CHECK(h.http.requests[1].method == "POST");
  CHECK(h.http.requests[1].url == k_query_url);
  CHECK(header(h.http.requests[1], "Content-Type") == "application/json");
  CHECK(header(h.http.requests[1], "Authorization") == "Bearer cached");
  const json first = json::parse(h.http.requests[1].body);
  CHECK(first["productOrderIds"].size() == 300);
  CHECK(first["productOrderIds"][0] == "P0000");
  CHECK(first["productOrderIds"][299] == "P0299");
  CHECK(first["quantityClaimCompatibility"] == true);
  CHECK(h.http.requests[2].body == R"({"productOrderIds":["P0300"],"quantityClaimCompatibility":true})");
  CHECK(h.http.requests[2].label == "POST product-orders/query (1 ids)");
  CHECK(page->orders.size() == 301);
  CHECK(page->failures.empty());
  CHECK(page->requests == 3);
  CHECK(page->request_id == "t-detail-1");
  CHECK(connectors::smartstore::k_detail_batch == 300);
}

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
