#include "connectors/playauto/tests/playauto_test.hpp"

TEST_CASE("playauto helpers")
{
  // The KST day boundary: 15:00 UTC is midnight of the next day in Seoul.
  CHECK(playauto::query_date(utc(2026, 3, 31, 15), k_kst_offset) == "2026-04-01");
  CHECK(playauto::query_date(utc(2026, 3, 31, 14, 59, 59), k_kst_offset) == "2026-03-31");
  CHECK(playauto::api_url("https://openapi.playauto.io/api") == "https://openapi.playauto.io/api");
  CHECK(playauto::api_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/api");
  CHECK(playauto::api_url("http://127.0.0.1:8080/api/") == "http://127.0.0.1:8080/api");
  CHECK(playauto::encode_cursor(3000) == "3000");
  CHECK(playauto::decode_cursor("6000") == std::optional<long long>(6000));
  CHECK_FALSE(playauto::decode_cursor("-1"));
  CHECK_FALSE(playauto::decode_cursor("x"));
  CHECK(playauto::date_types().size() == 12);

  // Every status string of playauto.md 3.2 is known.
  CHECK(playauto::known_statuses().size() == 25);
  for (const auto& status : playauto::known_statuses()) {
    CHECK_MESSAGE(playauto::map_status(status).has_value(), status);
  }
  const std::map<std::string, OrderStatus> expected = {
      {"결제완료", OrderStatus::paid},
      {"신규주문", OrderStatus::paid},
      {"주문보류", OrderStatus::paid},
      {"출고대기", OrderStatus::preparing},
      {"출고보류", OrderStatus::preparing},
      {"운송장출력", OrderStatus::preparing},
      {"주문재확인", OrderStatus::preparing},
      {"출고완료", OrderStatus::shipped},
      {"배송중", OrderStatus::shipped},
      {"배송완료", OrderStatus::delivered},
      {"구매결정", OrderStatus::completed},
      {"판매완료", OrderStatus::completed},
      {"취소요청", OrderStatus::cancel_requested},
      {"취소완료", OrderStatus::cancelled},
      {"반품요청", OrderStatus::return_requested},
      {"반품접수", OrderStatus::return_requested},
      {"반품회수완료", OrderStatus::return_requested},
      {"반품완료", OrderStatus::returned},
      {"반품교환요청", OrderStatus::exchange_requested},
      {"교환요청", OrderStatus::exchange_requested},
      {"교환접수", OrderStatus::exchange_requested},
      {"교환회수완료", OrderStatus::exchange_requested},
      {"맞교환요청", OrderStatus::exchange_requested},
      {"교환완료", OrderStatus::exchanged},
      {"맞교환완료", OrderStatus::exchanged},
  };
  CHECK(expected.size() == 25);
  for (const auto& [text, status] : expected) {
    CHECK_MESSAGE(playauto::map_status(text) == status, text);
  }
  CHECK_FALSE(playauto::map_status("ALL"));
  CHECK_FALSE(playauto::map_status(""));
}

TEST_CASE("PlayautoConnector token")
{
  Harness h;

  SUBCASE("obtained once with x-api-key and the login, then cached")
  {
    h.http.reply(200, token_reply("tok-A1b2c3"));
    h.http.reply(200, k_empty);
    h.http.reply(200, k_empty);
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE(page);
    CHECK(page->requests == 2);
    CHECK(page->next_cursor.empty());
    REQUIRE(h.http.requests.size() == 2);
    const auto& auth = h.http.requests[0];
    CHECK(auth.method == "POST");
    CHECK(auth.url == k_auth_url);
    CHECK(auth.label == "POST /auth");
    CHECK(header(auth, "x-api-key") == k_api_key);
    CHECK(header(auth, "Content-Type") == "application/json");
    CHECK(header(auth, "Authorization").empty());
    CHECK(auth.body == k_auth_body);
    const auto& list = h.http.requests[1];
    CHECK(list.method == "POST");
    CHECK(list.url == k_orders_url);
    CHECK(list.label == "POST /orders (start 0)");
    CHECK(header(list, "x-api-key") == k_api_key);
    CHECK(header(list, "Authorization") == "Token tok-A1b2c3");
    CHECK(header(list, "Content-Type") == "application/json");
    CHECK(list.body == orders_body(0, 3000));
    REQUIRE(h.tokens.tokens.contains("token"));
    CHECK(h.tokens.tokens["token"].value == "tok-A1b2c3");
    CHECK(h.tokens.tokens["token"].expires_at == h.clock.now() + 12h);

    // Another connector of the channel (the next pass) reuses it.
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 3);
    CHECK(h.http.requests[2].url == k_orders_url);
    CHECK(header(h.http.requests[2], "Authorization") == "Token tok-A1b2c3");
    CHECK(h.tokens.saves == 1);
  }

  SUBCASE("token_ttl_hours sets the kept lifetime; an object reply is accepted")
  {
    h.context.settings["token_ttl_hours"] = "23";
    h.http.reply(200, R"({"token":"tok-obj-form","sol_no":1})");
    h.http.reply(200, k_empty);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    CHECK(h.tokens.tokens["token"].value == "tok-obj-form");
    CHECK(h.tokens.tokens["token"].expires_at == h.clock.now() + 23h);
  }

  SUBCASE("a token expiring within the margin is renewed before use")
  {
    h.cache_token("tok-old-q1", 4min);
    h.http.reply(200, token_reply("tok-new-q2"));
    h.http.reply(200, k_empty);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].url == k_auth_url);
    CHECK(header(h.http.requests[1], "Authorization") == "Token tok-new-q2");

    // Twelve hours later it is stale again.
    h.clock.sleep_for(12h - 4min);
    h.http.reply(200, token_reply("tok-new-q3"));
    h.http.reply(200, k_empty);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 4);
    CHECK(h.http.requests[2].url == k_auth_url);
    CHECK(header(h.http.requests[3], "Authorization") == "Token tok-new-q3");
  }

  SUBCASE("401 renews once and retries")
  {
    h.cache_token("tok-expired-k", 6h);
    h.http.reply(401, R"({"error_code":"e1003","messages":["토큰이 만료되었습니다."]})");
    h.http.reply(200, token_reply("tok-renewed-k"));
    h.http.reply(200, k_empty);
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE(page);
    CHECK(page->requests == 3);
    REQUIRE(h.http.requests.size() == 3);
    CHECK(header(h.http.requests[0], "Authorization") == "Token tok-expired-k");
    CHECK(h.http.requests[1].url == k_auth_url);
    CHECK(header(h.http.requests[2], "Authorization") == "Token tok-renewed-k");
    CHECK(h.http.requests[2].body == orders_body(0, 3000));
    CHECK(h.tokens.tokens["token"].value == "tok-renewed-k");
  }

  SUBCASE("an auth error object with HTTP 200 renews too")
  {
    h.cache_token("tok-expired-m", 6h);
    h.http.reply(200, R"({"error":{"error_code":"e1001","message":"인증 실패"}})");
    h.http.reply(200, token_reply("tok-renewed-m"));
    h.http.reply(200, k_empty);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    CHECK(header(h.http.requests[2], "Authorization") == "Token tok-renewed-m");
  }

  SUBCASE("401 again after renewing is an auth error")
  {
    h.cache_token("tok-expired-n", 6h);
    h.http.reply(401, R"({"error_code":"e1003","messages":["토큰이 만료되었습니다."]})");
    h.http.reply(200, token_reply("tok-renewed-n"));
    h.http.reply(401, R"({"error_code":"e1003","messages":["유효하지 않은 토큰 tok-renewed-n"]})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(h.http.requests.size() == 3);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().http_status == 401);
    CHECK(page.error().message
          == "POST /orders (start 0): HTTP 401 unauthorized: e1003 유효하지 않은 토큰 ******** after a new token (check "
             "email, password and the api_key secret)");
  }

  SUBCASE("a refused login is an auth error without secrets")
  {
    h.http.reply(401, std::string(R"({"error_code":"e1002","messages":["비밀번호가 일치하지 않습니다: )") + k_password + R"("]})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(h.http.requests.size() == 1);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().message
          == "POST /auth: HTTP 401 token request rejected (check email, password and the api_key secret): e1002 "
             "비밀번호가 일치하지 않습니다: ********");
    CHECK(page.error().message.find(k_password) == std::string::npos);
    CHECK(h.tokens.tokens.empty());
  }

  SUBCASE("a login reply without a token is a contract error")
  {
    h.http.reply(200, R"([{"sol_no":1}])");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "POST /auth: HTTP 200 without a token");
  }

  SUBCASE("check() gets a token and reads one row of today")
  {
    h.http.reply(200, token_reply("tok-check-z"));
    h.http.reply(200, R"({"results":[],"recordsTotal":42,"recordsFiltered":17})");
    const auto result = h.make()->check();
    REQUIRE(result);
    CHECK(*result == "seller@example.com: token accepted (kept 12 h more); 17 order row(s) by mdate on 2026-04-02");
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[1].body == orders_body(0, 1, "mdate", "2026-04-02", "2026-04-02"));
  }
}

TEST_CASE("PlayautoConnector pages with start/length")
{
  Harness h;
  h.cache_token("tok-page-r", 6h);
  h.context.settings["page_size"] = "2";

  SUBCASE("full pages ask for more; a short page ends the window")
  {
    h.http.reply(200, R"({"results":[{"uniq":"1","bundle_no":"B1","ord_status":"신규주문","sale_cnt":1,"pay_amt":100},
                                     {"uniq":"2","bundle_no":"B2","ord_status":"신규주문","sale_cnt":1,"pay_amt":100}],
                          "recordsTotal":3,"recordsFiltered":3})");
    h.http.reply(200, R"({"results":[{"uniq":"3","bundle_no":"B1","ord_status":"출고대기","sale_cnt":1,"pay_amt":200}],
                          "recordsTotal":3,"recordsFiltered":3})");
    auto connector = h.make();
    const auto first = connector->fetch_orders(k_window, "");
    REQUIRE(first);
    CHECK(first->next_cursor == "2");
    CHECK(first->orders.size() == 2);
    const auto second = connector->fetch_orders(k_window, first->next_cursor);
    REQUIRE(second);
    CHECK(second->next_cursor.empty());
    // The bundle spans pages: the second page carries only its row.
    REQUIRE(second->orders.size() == 1);
    CHECK(second->orders[0].external_id == "B1");
    REQUIRE(second->orders[0].items.size() == 1);
    CHECK(second->orders[0].items[0].external_id == "3");
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].body == orders_body(0, 2));
    CHECK(h.http.requests[1].body == orders_body(2, 2));
    CHECK(h.http.requests[1].label == "POST /orders (start 2)");
  }

  SUBCASE("a short page with more records filtered still continues")
  {
    h.http.reply(200, R"({"results":[{"uniq":"1","bundle_no":"B1","ord_status":"신규주문","sale_cnt":1,"pay_amt":100}],
                          "recordsTotal":900,"recordsFiltered":5})");
    const auto page = h.make()->fetch_orders(k_window, "2");
    REQUIRE(page);
    CHECK(page->next_cursor == "3");
    CHECK(h.http.requests[0].body == orders_body(2, 2));
  }

  SUBCASE("an empty page ends the window whatever the totals say")
  {
    h.http.reply(200, R"({"results":[],"recordsTotal":900})");
    const auto page = h.make()->fetch_orders(k_window, "4");
    REQUIRE(page);
    CHECK(page->next_cursor.empty());
  }

  SUBCASE("an invalid cursor")
  {
    const auto page = h.make()->fetch_orders(k_window, "2|x");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "invalid playauto cursor \"2|x\"");
    CHECK(h.http.requests.empty());
  }

  SUBCASE("a window over two KST days sends both days")
  {
    h.http.reply(200, k_empty);
    REQUIRE(h.make()->fetch_orders({utc(2026, 3, 31, 14, 59, 59), utc(2026, 3, 31, 15, 0, 1)}, ""));
    CHECK(h.http.requests[0].body == orders_body(0, 2, "mdate", "2026-03-31", "2026-04-01"));
  }
}

TEST_CASE("PlayautoConnector maps rows into bundles")
{
  Harness h;
  h.cache_token("tok-map-s", 6h);
  h.http.reply(200, fixture("orders.json"));
  const auto page = h.make()->fetch_orders(k_window, "");
  REQUIRE(page);
  CHECK(page->next_cursor.empty());
  REQUIRE(page->orders.size() == 2);

  const Order& a = page->orders[0];
  CHECK(a.external_id == "3772225519903274");
  REQUIRE(a.ordered_at);
  // 00:10 KST on the 1st is 15:10 UTC on the 31st.
  CHECK(format_utc(*a.ordered_at) == "2026-03-31T15:10:00.000Z");
  REQUIRE(a.paid_at);
  CHECK(format_utc(*a.paid_at) == "2026-03-31T15:10:30.000Z");
  CHECK(a.currency == "KRW");
  CHECK(a.status == OrderStatus::paid); // the least advanced row: 신규주문 before 출고대기
  CHECK(a.raw_status == "신규주문");
  CHECK(a.shipping_fee_minor == 3000);
  CHECK(a.total_minor == 37900); // 25000 + 9900 + 3000 once
  CHECK(a.buyer.name == "이영희");
  CHECK(a.buyer.phone == "010-1111-2222");
  CHECK(a.receiver.name == "김철수");
  CHECK(a.receiver.phone == "010-9876-5432");
  CHECK(a.receiver.zip == "06236");
  CHECK(a.receiver.address1 == "서울특별시 강남구 테헤란로 152");
  CHECK(a.receiver.address2 == "12층");
  REQUIRE(a.items.size() == 2);
  const OrderItem& shirt = a.items[0];
  CHECK(shirt.external_id == "2604010000000001");
  CHECK(shirt.shipment_key == "3772225519903274");
  CHECK(shirt.sku == "TS-RED-M"); // results_prod sku_cd
  CHECK(shirt.product_id == "5400000001");
  CHECK(shirt.name == "면 티셔츠");
  CHECK(shirt.option_name == "색상=빨강, 사이즈=M");
  CHECK(shirt.quantity == 2);
  CHECK(shirt.unit_price_minor == 12500);
  CHECK(shirt.total_price_minor == 25000);
  CHECK(shirt.raw_status == "신규주문");
  CHECK(shirt.status == OrderStatus::paid);
  const OrderItem& socks = a.items[1];
  CHECK(socks.external_id == "2604010000000002");
  CHECK(socks.sku == "SOCK-SET"); // a set of two SKUs: the listing code
  CHECK(socks.quantity == 1);
  CHECK(socks.total_price_minor == 9900);
  CHECK(socks.status == OrderStatus::preparing);
  const json raw_a = json::parse(a.raw);
  CHECK(raw_a["results"].size() == 2);
  CHECK(raw_a["results_prod"].size() == 3);

  const Order& b = page->orders[1];
  CHECK(b.external_id == "3772225519903999");
  CHECK(format_utc(*b.ordered_at) == "2026-03-31T14:59:59.000Z"); // from wdate
  CHECK(b.status == OrderStatus::unknown);
  CHECK(b.raw_status == "보류해제대기");
  CHECK(b.receiver.phone == "031-555-6666");
  REQUIRE(b.items.size() == 1);
  CHECK(b.items[0].external_id == "2604010000000003");
  CHECK(b.items[0].unit_price_minor == 3333);
  CHECK(b.items[0].total_price_minor == 10000);
  CHECK_FALSE(json::parse(b.raw).contains("results_prod"));

  REQUIRE(page->notes.size() == 1);
  CHECK(page->notes[0].external_id == "3772225519903999");
  CHECK(page->notes[0].message == "unknown PlayAuto ord_status \"보류해제대기\" (uniq 2604010000000003)");

  REQUIRE(page->failures.size() == 2);
  CHECK(page->failures[0].external_id == "");
  CHECK(page->failures[0].reason == "missing bundle_no");
  CHECK(json::parse(page->failures[0].raw)["uniq"] == "2604010000000004");
  CHECK(page->failures[1].external_id == "3772225519904000");
  CHECK(page->failures[1].reason == "ord_time is not a date-time: \"2026-04-01 25:00:00\"");
}

TEST_CASE("PlayautoConnector maps failures")
{
  Harness h;
  h.cache_token("tok-err-t", 6h);
  auto connector = h.make();

  SUBCASE("HTTP 429")
  {
    h.http.reply(429, "Too Many Requests");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::rate_limited);
    CHECK(page.error().http_status == 429);
    CHECK(page.error().message == "POST /orders (start 0): HTTP 429 rate limited");
  }
  SUBCASE("HTTP 500")
  {
    h.http.reply(500, R"({"error_code":"e9999","messages":["서버 오류"]})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::transient);
    CHECK(page.error().message == "POST /orders (start 0): HTTP 500 server error: e9999 서버 오류");
  }
  SUBCASE("HTTP 400 with an error code")
  {
    h.http.reply(400, R"({"error_code":"o2044","messages":["3000건 이상 조회할 수 없습니다."]})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().http_status == 400);
    CHECK(page.error().message == "POST /orders (start 0): HTTP 400 rejected: o2044 3000건 이상 조회할 수 없습니다.");
  }
  SUBCASE("HTTP 200 with an error object")
  {
    h.http.reply(200, R"({"error":{"error_code":"e2009","message":"잘못된 요청"}})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "POST /orders (start 0): HTTP 200 error in body: e2009 잘못된 요청");
    CHECK(h.http.requests.size() == 1);
  }
  SUBCASE("OPEN-API not approved")
  {
    h.http.reply(403, R"({"error_code":"e1006","messages":["OPEN-API 사용 승인되지 않음"]})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().message
          == "POST /orders (start 0): HTTP 403 forbidden (is the OPEN-API use approved for this account?): e1006 OPEN-API 사용 승인되지 않음");
    CHECK(h.http.requests.size() == 1);
  }
  SUBCASE("HTTP 200 without results")
  {
    h.http.reply(200, R"({"recordsTotal":0})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "POST /orders (start 0): HTTP 200 without a results array");
  }
  SUBCASE("HTTP 200 with HTML")
  {
    h.http.reply(200, "<html>점검중</html>");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().message == "POST /orders (start 0): HTTP 200 with a body that is not a JSON object");
  }
  SUBCASE("transport")
  {
    h.http.responses.push_back(std::unexpected(
        net::TransportError{net::TransportErrorKind::connect, "POST /orders (start 0): 127.0.0.1: connection refused", 4}));
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::transient);
    CHECK(page.error().message == "POST /orders (start 0): 127.0.0.1: connection refused");
  }
}

TEST_CASE("PlayautoConnector configuration")
{
  Harness h;
  SUBCASE("email is required")
  {
    h.context.settings.erase("email");
    const auto result = h.make()->check();
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::config);
    CHECK(result.error().message == "setting email is required (the PlayAuto login e-mail)");
    CHECK(h.http.requests.empty());
  }
  SUBCASE("api_key is required")
  {
    h.context.secrets.erase("api_key");
    const auto result = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "secret api_key is required (the x-api-key from the PlayAuto developer centre)");
  }
  SUBCASE("an unknown date_type")
  {
    h.context.settings["date_type"] = "udate";
    const auto result = h.make()->check();
    REQUIRE_FALSE(result);
    CHECK(result.error().message
          == "setting date_type: \"udate\" is not one of wdate, mdate, ord_time, pay_time, ord_status_mdate, "
             "ship_plan_date, ord_confirm_time, out_order_time, out_time, invoice_send_time, api_read_time, claim_com_time");
  }
  SUBCASE("page_size above 3000")
  {
    h.context.settings["page_size"] = "3001";
    const auto result = h.make()->check();
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "setting page_size: \"3001\" is not a whole number from 1 to 3000");
  }
  SUBCASE("a creation-type date_type re-scans and is sent")
  {
    h.context.settings["date_type"] = "ord_time";
    h.cache_token("tok-cfg-u", 6h);
    h.http.reply(200, k_empty);
    const auto connector = h.make();
    CHECK(connector->capabilities().rescan_window == Millis{std::chrono::days(3)});
    REQUIRE(connector->fetch_orders(k_window, ""));
    CHECK(h.http.requests[0].body == orders_body(0, 3000, "ord_time"));
  }
  SUBCASE("capabilities and spec")
  {
    const auto connector = h.make();
    CHECK(connector->capabilities().rescan_window == Millis{0});
    CHECK(connector->capabilities().max_window == Millis{std::chrono::days(7)});
    CHECK(playauto::k_max_length == 3000);
    CHECK(playauto::spec().default_rate_limit == 1);
    CHECK(connector->capabilities().utc_offset == k_kst_offset);
    CHECK(connector->capabilities().partial_orders);
    const KindSpec& kind = playauto::spec();
    CHECK(kind.kind == "playauto");
    std::vector<std::string> names;
    for (const auto& field : kind.settings) {
      names.push_back(field.name + "=" + field.default_value);
      CHECK_FALSE(field.help.empty());
    }
    CHECK(names
          == std::vector<std::string>{"base_url=https://openapi.playauto.io/api", "email=", "rate_limit=1", "timezone=",
                                      "date_type=mdate", "token_ttl_hours=12", "max_window_days=7", "page_size="});
    REQUIRE(kind.secrets.size() == 2);
    CHECK(kind.secrets[0].name == "api_key");
    CHECK(kind.secrets[1].name == "password");
  }
}
