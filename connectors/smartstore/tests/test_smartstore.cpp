#include "connectors/smartstore/tests/smartstore_harness.hpp"

using namespace uoms;
using namespace uoms::connectors;
using namespace uoms::testing::smartstore_tests;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::header;
using testing::MemoryTokens;
using testing::utc;
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
