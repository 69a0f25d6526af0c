#include "connectors/qoo10jp/tests/qoo10jp_test.hpp"

TEST_CASE("qoo10jp helpers")
{
  // The JST day boundary: 15:00 UTC is midnight of the next day in Tokyo.
  CHECK(qoo10jp::query_time(utc(2026, 3, 31, 15), std::chrono::minutes{540}) == "20260401000000");
  CHECK(qoo10jp::query_time(utc(2026, 3, 31, 14, 59, 59) + 999ms, std::chrono::minutes{540}) == "20260331235959");
  CHECK(qoo10jp::service_url("https://api.qoo10.jp") == "https://api.qoo10.jp/GMKT.INC.Front.QAPIService/ebayjapan.qapi");
  CHECK(qoo10jp::service_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/GMKT.INC.Front.QAPIService/ebayjapan.qapi");
  CHECK(qoo10jp::service_url("https://api.qoo10.jp/GMKT.INC.Front.QAPIService/Giosis.qapi")
        == "https://api.qoo10.jp/GMKT.INC.Front.QAPIService/Giosis.qapi");
  CHECK(qoo10jp::encode_cursor(3) == "3");
  CHECK(qoo10jp::decode_cursor("3") == std::optional<std::size_t>(3));
  CHECK_FALSE(qoo10jp::decode_cursor(""));
  CHECK_FALSE(qoo10jp::decode_cursor("1|x"));
  CHECK(qoo10jp::map_status(1) == OrderStatus::paid);
  CHECK(qoo10jp::map_status(2) == OrderStatus::paid);
  CHECK(qoo10jp::map_status(3) == OrderStatus::preparing);
  CHECK(qoo10jp::map_status(4) == OrderStatus::shipped);
  CHECK(qoo10jp::map_status(5) == OrderStatus::delivered);
  CHECK_FALSE(qoo10jp::map_status(6));
}

TEST_CASE("Qoo10Connector certification key")
{
  Harness h;

  SUBCASE("issued once with the API key, then cached in the TokenStore")
  {
    h.http.reply(200, key_reply("SAK-1111"));
    h.http.reply(200, k_empty);
    h.http.reply(200, k_empty);
    auto connector = h.make();
    const auto first = connector->fetch_orders(k_window, "");
    REQUIRE(first);
    CHECK(first->requests == 2);
    REQUIRE(h.http.requests.size() == 2);
    const auto& issue = h.http.requests[0];
    CHECK(issue.method == "POST");
    CHECK(issue.url == k_key_url);
    CHECK(header(issue, "Content-Type") == "application/x-www-form-urlencoded");
    CHECK(header(issue, "GiosisCertificationKey") == k_api_key);
    CHECK(header(issue, "QAPIVersion") == "1.0");
    CHECK(issue.body == k_key_body);
    const auto& list = h.http.requests[1];
    CHECK(list.method == "POST");
    CHECK(list.url == k_orders_url);
    CHECK(list.label == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2)");
    CHECK(header(list, "GiosisCertificationKey") == "SAK-1111");
    CHECK(header(list, "QAPIVersion") == "1.0");
    CHECK(header(list, "Content-Type") == "application/x-www-form-urlencoded");
    CHECK(list.body == k_orders_body_stat2);
    REQUIRE(h.tokens.tokens.contains("certification_key"));
    CHECK(h.tokens.tokens["certification_key"].value == "SAK-1111");
    CHECK(h.tokens.tokens["certification_key"].expires_at == h.clock.now() + 24h);

    // A second page and a second connector of the same channel reuse the stored key.
    const auto second = h.make()->fetch_orders(k_window, "");
    REQUIRE(second);
    CHECK(second->requests == 1);
    REQUIRE(h.http.requests.size() == 3);
    CHECK(h.http.requests[2].url == k_orders_url);
    CHECK(header(h.http.requests[2], "GiosisCertificationKey") == "SAK-1111");
    CHECK(h.tokens.saves == 1);
  }

  SUBCASE("key_ttl_hours sets the kept lifetime")
  {
    h.context.settings["key_ttl_hours"] = "2";
    h.http.reply(200, key_reply("SAK-2h"));
    h.http.reply(200, k_empty);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    CHECK(h.tokens.tokens["certification_key"].expires_at == h.clock.now() + 2h);
  }

  SUBCASE("a key expiring within the margin is replaced before use")
  {
    h.cache_key("SAK-old", 4min);
    h.http.reply(200, key_reply("SAK-new"));
    h.http.reply(200, k_empty);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].url == k_key_url);
    CHECK(header(h.http.requests[1], "GiosisCertificationKey") == "SAK-new");
    CHECK(h.tokens.tokens["certification_key"].value == "SAK-new");
  }

  SUBCASE("a key with more than the margin left is used as is")
  {
    h.cache_key("SAK-ok", 6min);
    h.http.reply(200, k_empty);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 1);
    CHECK(header(h.http.requests[0], "GiosisCertificationKey") == "SAK-ok");
    CHECK(h.tokens.saves == 0);
  }

  SUBCASE("ResultCode -90005 (expired) with HTTP 200 re-issues the key once and retries")
  {
    h.cache_key("SAK-expired", 10h);
    h.http.reply(200, R"({"ResultCode":-90005,"ResultMsg":"Seller authorization key expired","ResultObject":null})");
    h.http.reply(200, key_reply("SAK-fresh"));
    h.http.reply(200, k_empty);
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE(page);
    CHECK(page->requests == 3);
    REQUIRE(h.http.requests.size() == 3);
    CHECK(header(h.http.requests[0], "GiosisCertificationKey") == "SAK-expired");
    CHECK(h.http.requests[1].url == k_key_url);
    CHECK(header(h.http.requests[2], "GiosisCertificationKey") == "SAK-fresh");
    CHECK(h.http.requests[2].body == k_orders_body_stat2);
    CHECK(h.tokens.tokens["certification_key"].value == "SAK-fresh");
  }

  SUBCASE("rejected again after a new key: an auth error")
  {
    h.cache_key("SAK-bad", 10h);
    h.http.reply(200, R"({"ResultCode":-10000,"ResultMsg":"Please check the Seller Authorization Key"})");
    h.http.reply(200, key_reply("SAK-bad-too"));
    h.http.reply(200, R"({"ResultCode":-10000,"ResultMsg":"Please check the Seller Authorization Key SAK-bad-too"})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(h.http.requests.size() == 3);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().http_status == 200);
    CHECK(page.error().message
          == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): ResultCode -10000 Please check the Seller "
             "Authorization Key ******** after issuing a new certification key (check the api_key secret, user_id "
             "and password; re-issue the API key in QSM if it no longer works)");
  }

  SUBCASE("the ErrorCode shape for an expired key also renews")
  {
    h.cache_key("SAK-x", 10h);
    h.http.reply(200, R"({"ErrorCode":-90004,"ErrorMsg":"expired"})");
    h.http.reply(200, key_reply("SAK-y"));
    h.http.reply(200, k_empty);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    CHECK(header(h.http.requests[2], "GiosisCertificationKey") == "SAK-y");
  }

  SUBCASE("a refused key request is an auth error without secrets")
  {
    h.http.reply(200, std::string(R"({"ResultCode":-10001,"ResultMsg":"invalid user or password )") + k_password
                          + R"(","ResultObject":""})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(h.http.requests.size() == 1);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().message
          == "POST CertificationAPI.CreateCertificationKey: ResultCode -10001 invalid user or password ******** (check "
             "the api_key secret, user_id and password; re-issue the API key in QSM if it no longer works)");
    CHECK(page.error().message.find(k_password) == std::string::npos);
    CHECK(h.tokens.tokens.empty());
  }

  SUBCASE("a key reply without a key is a contract error")
  {
    h.http.reply(200, R"({"ResultCode":0,"ResultMsg":"SUCCESS","ResultObject":""})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "POST CertificationAPI.CreateCertificationKey: ResultCode 0 without a key in ResultObject");
  }

  SUBCASE("check() gets the key and reads one status for the last day")
  {
    h.http.reply(200, key_reply("SAK-check"));
    h.http.reply(200, fixture("shipping_info_stat2.json"));
    const auto result = h.make()->check();
    REQUIRE(result);
    CHECK(*result == "user seller01: certification key accepted (kept 24 h more); 5 order line(s) in ShippingStat 2 over the last 24 h");
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[1].body
          == "ShippingStat=2&search_Sdate=20260401100000&search_Edate=20260402095959&search_condition=2&returnType=application%2Fjson");
  }
}

TEST_CASE("Qoo10Connector walks the configured statuses")
{
  Harness h;
  h.context.settings["statuses"] = "2, 4,2";
  h.context.settings["search_condition"] = "1";
  h.cache_key("SAK", 10h);
  h.http.reply(200, k_empty);
  h.http.reply(200, k_empty);
  auto connector = h.make();
  const auto first = connector->fetch_orders(k_window, "");
  REQUIRE(first);
  CHECK(first->next_cursor == "1");
  const auto second = connector->fetch_orders(k_window, first->next_cursor);
  REQUIRE(second);
  CHECK(second->next_cursor.empty());
  REQUIRE(h.http.requests.size() == 2);
  CHECK(h.http.requests[0].body
        == "ShippingStat=2&search_Sdate=20260401000000&search_Edate=20260401235959&search_condition=1&returnType=application%2Fjson");
  CHECK(h.http.requests[1].body
        == "ShippingStat=4&search_Sdate=20260401000000&search_Edate=20260401235959&search_condition=1&returnType=application%2Fjson");
  CHECK(h.http.requests[1].label == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 4)");

  const auto bad = connector->fetch_orders(k_window, "2");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::contract);
  CHECK(bad.error().message == "invalid qoo10jp cursor \"2\"");
  CHECK(h.http.requests.size() == 2);
}

TEST_CASE("Qoo10Connector default statuses are 1 to 5")
{
  Harness h;
  h.context.settings.erase("statuses");
  h.cache_key("SAK", 10h);
  h.http.handler = [](const net::Request&) -> net::HttpResult {
    net::Response response;
    response.status = 200;
    response.body = k_empty;
    return response;
  };
  auto connector = h.make();
  std::string cursor;
  std::vector<std::string> stats;
  do {
    const auto page = connector->fetch_orders(k_window, cursor);
    REQUIRE(page);
    cursor = page->next_cursor;
  } while (!cursor.empty() && h.http.requests.size() < 10);
  for (const auto& request : h.http.requests) {
    stats.push_back(request.body.substr(0, request.body.find('&')));
  }
  CHECK(stats == std::vector<std::string>{"ShippingStat=1", "ShippingStat=2", "ShippingStat=3", "ShippingStat=4", "ShippingStat=5"});
}

TEST_CASE("Qoo10Connector maps order lines into packs")
{
  Harness h;
  h.cache_key("SAK", 10h);
  h.http.reply(200, fixture("shipping_info_stat2.json"));
  const auto page = h.make()->fetch_orders(k_window, "");
  REQUIRE(page);
  REQUIRE(page->orders.size() == 2);

  const Order& a = page->orders[0];
  CHECK(a.external_id == "5001234");
  REQUIRE(a.ordered_at);
  // 00:30 JST on the 1st is 15:30 UTC on the 31st.
  CHECK(format_utc(*a.ordered_at) == "2026-03-31T15:30:00.000Z");
  REQUIRE(a.paid_at);
  CHECK(format_utc(*a.paid_at) == "2026-03-31T15:31:15.000Z");
  CHECK(a.currency == "JPY");
  CHECK(a.status == OrderStatus::paid);
  CHECK(a.raw_status == "配送要請(2)");
  CHECK(a.shipping_fee_minor == 550);
  CHECK(a.total_minor == 5510); // 3760 + 1200 + 550
  CHECK(a.buyer.name == "山田 太郎");
  CHECK(a.buyer.phone == "090-1111-2222");
  CHECK(a.buyer.email == "taro@example.jp");
  CHECK(a.receiver.name == "山田 花子");
  CHECK(a.receiver.phone == "03-9999-0000");
  CHECK(a.receiver.zip == "150-0002");
  CHECK(a.receiver.address1 == "東京都渋谷区渋谷2-21-1");
  CHECK(a.receiver.address2 == "渋谷ヒカリエ 10F");
  REQUIRE(a.items.size() == 2);
  const OrderItem& tea = a.items[0];
  CHECK(tea.external_id == "700000001");
  CHECK(tea.shipment_key == "5001234");
  CHECK(tea.sku == "TEA-GREEN-100");
  CHECK(tea.product_id == "1100000001");
  CHECK(tea.option_id == "OPT-L");
  CHECK(tea.name == "抹茶 100g");
  CHECK(tea.option_name == "サイズ:大");
  CHECK(tea.quantity == 2);
  CHECK(tea.unit_price_minor == 1980);
  CHECK(tea.total_price_minor == 3760);
  CHECK(tea.status == OrderStatus::paid);
  const OrderItem& cup = a.items[1];
  CHECK(cup.external_id == "700000002");
  CHECK(cup.quantity == 1);
  CHECK(cup.unit_price_minor == 1200);
  CHECK(cup.total_price_minor == 1200);
  const json raw_a = json::parse(a.raw);
  REQUIRE(raw_a.is_array());
  CHECK(raw_a.size() == 2);
  CHECK(raw_a[1]["orderNo"] == "700000002");

  // PascalCase keys (as v3 spells them) and numeric ids are read too.
  const Order& b = page->orders[1];
  CHECK(b.external_id == "5001240");
  CHECK(format_utc(*b.ordered_at) == "2026-03-31T14:59:59.000Z");
  CHECK(b.raw_status == "2");
  CHECK(b.total_minor == 4000); // 4500 - 500, no `total`
  CHECK(b.receiver.phone == "080-3333-4444");
  CHECK(b.receiver.address1 == "大阪府大阪市北区梅田1-1-1");
  REQUIRE(b.items.size() == 1);
  CHECK(b.items[0].external_id == "700000010");
  CHECK(b.items[0].shipment_key == "5001240");
  CHECK(b.items[0].total_price_minor == 4000);
  CHECK(json::parse(b.raw)["ItemTitle"] == "急須");

  REQUIRE(page->failures.size() == 2);
  CHECK(page->failures[0].external_id == "5001250");
  CHECK(page->failures[0].reason == "missing orderNo");
  CHECK(json::parse(page->failures[0].raw)["orderPrice"] == 800);
  CHECK(page->failures[1].external_id == "5001260");
  CHECK(page->failures[1].reason == "orderQty is not a number: \"two\"");
  CHECK(page->notes.empty());
  CHECK(page->next_cursor.empty());
}

TEST_CASE("Qoo10Connector flags a shippingStatus it does not know, like the other kinds")
{
  Harness h;
  h.cache_key("SAK", 10h);
  auto body = json::parse(fixture("shipping_info_stat2.json"));
  body["ResultObject"][0]["shippingStatus"] = "配送遅延(2)";
  h.http.reply(200, body.dump());
  const auto page = h.make()->fetch_orders(k_window, "");
  REQUIRE(page);
  REQUIRE_FALSE(page->orders.empty());
  CHECK(page->orders[0].status == OrderStatus::paid); // the query's ShippingStat still decides
  REQUIRE(page->notes.size() == 1);
  CHECK(page->notes[0].external_id == "5001234");
  CHECK(page->notes[0].message
        == "unknown Qoo10 shippingStatus \"配送遅延(2)\" (OrderNo 700000001) in ShippingStat 2; kept as paid");
}

TEST_CASE("Qoo10Connector maps failures")
{
  Harness h;
  h.cache_key("SAK-secret", 10h);
  auto connector = h.make();

  SUBCASE("HTTP 200 with a non-zero ResultCode")
  {
    h.http.reply(200, R"({"ResultCode":-10101,"ResultMsg":"Processing error: search period"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().http_status == 200);
    CHECK(page.error().message == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): ResultCode -10101 Processing error: search period");
    CHECK(h.http.requests.size() == 1);
  }
  SUBCASE("ResultCode as a string")
  {
    h.http.reply(200, R"({"ResultCode":"-10001","ResultMsg":"Not found seller"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().message == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): ResultCode -10001 Not found seller");
  }
  SUBCASE("the ErrorCode shape for an unknown API")
  {
    h.http.reply(200, R"({"ErrorCode":-90001,"ErrorMsg":"API does not exist"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message
          == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): ResultCode -90001 API does not exist (API does not exist)");
  }
  SUBCASE("HTTP 200 without ResultCode")
  {
    h.http.reply(200, R"({"ResultObject":[]})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): HTTP 200 without ResultCode");
  }
  SUBCASE("HTTP 200 with HTML")
  {
    h.http.reply(200, "<html>maintenance</html>");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().message == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): HTTP 200 with a body that is not a JSON object");
  }
  SUBCASE("a ResultObject that is not a list")
  {
    h.http.reply(200, R"({"ResultCode":0,"ResultMsg":"SUCCESS","ResultObject":"none"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().message == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): ResultObject is not a list of orders");
  }
  SUBCASE("a missing ResultObject is an empty status")
  {
    h.http.reply(200, R"({"ResultCode":0,"ResultMsg":"SUCCESS"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE(page);
    CHECK(page->orders.empty());
    CHECK(page->failures.empty());
  }
  SUBCASE("HTTP 429")
  {
    h.http.reply(429, "Too Many Requests");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::rate_limited);
    CHECK(page.error().http_status == 429);
    CHECK(page.error().message == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): HTTP 429 rate limited");
  }
  SUBCASE("HTTP 503 with an envelope")
  {
    h.http.reply(503, R"({"ResultCode":-99999,"ResultMsg":"Service Unavailable"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::transient);
    CHECK(page.error().message
          == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): HTTP 503 server error: ResultCode -99999 Service Unavailable");
  }
  SUBCASE("HTTP 404")
  {
    h.http.reply(404, "not found");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): HTTP 404 rejected");
  }
  SUBCASE("transport")
  {
    h.http.responses.push_back(std::unexpected(net::TransportError{
        net::TransportErrorKind::timeout, "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): 127.0.0.1: timed out", 4}));
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::transient);
    CHECK(page.error().message == "POST ShippingBasic.GetShippingInfo_v2 (ShippingStat 2): 127.0.0.1: timed out");
  }
  SUBCASE("host not allowed is a configuration error")
  {
    h.http.responses.push_back(std::unexpected(net::TransportError{
        net::TransportErrorKind::host_not_allowed, "api.qoo10.jp is not in the allowed hosts", 1}));
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::config);
  }
}

TEST_CASE("Qoo10Connector configuration")
{
  Harness h;
  SUBCASE("user_id is required")
  {
    h.context.settings.erase("user_id");
    const auto result = h.make()->check();
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::config);
    CHECK(result.error().message == "setting user_id is required (the QSM login ID)");
    CHECK(h.http.requests.empty());
  }
  SUBCASE("password is required")
  {
    h.context.secrets.erase("password");
    const auto result = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "secret password is required (the QSM password)");
  }
  SUBCASE("an unknown status")
  {
    h.context.settings["statuses"] = "2,9";
    const auto result = h.make()->check();
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "setting statuses: \"9\" is not a ShippingStat (1 to 5)");
  }
  SUBCASE("a bad search_condition")
  {
    h.context.settings["search_condition"] = "5";
    const auto result = h.make()->check();
    REQUIRE_FALSE(result);
    CHECK(result.error().message
          == "setting search_condition: \"5\" is not 1 (order date), 2 (payment date), 3 (shipped date) or 4 (delivered date)");
  }
  SUBCASE("windows, rescan and time zone")
  {
    h.context.settings["max_window_days"] = "30";
    h.context.settings["rescan_days"] = "5";
    h.context.settings["timezone"] = "+08:00";
    const auto connector = h.make();
    CHECK(connector->capabilities().max_window == Millis{std::chrono::days(30)});
    CHECK(connector->capabilities().rescan_window == Millis{std::chrono::days(5)});
    CHECK(connector->capabilities().utc_offset == std::chrono::minutes{480});
  }
  SUBCASE("capabilities and spec")
  {
    const auto connector = h.make();
    CHECK(connector->capabilities().max_window == Millis{std::chrono::days(7)});
    CHECK(connector->capabilities().rescan_window == Millis{std::chrono::days(3)});
    CHECK(connector->capabilities().utc_offset == std::chrono::minutes{540});
    CHECK(connector->capabilities().partial_orders);
    CHECK(qoo10jp::spec().default_rate_limit == 1);
    const KindSpec& kind = qoo10jp::spec();
    CHECK(kind.kind == "qoo10jp");
    std::vector<std::string> names;
    for (const auto& field : kind.settings) {
      names.push_back(field.name + "=" + field.default_value);
      CHECK_FALSE(field.help.empty());
    }
    CHECK(names
          == std::vector<std::string>{"base_url=https://api.qoo10.jp", "user_id=", "rate_limit=1", "timezone=",
                                      "statuses=1,2,3,4,5", "search_condition=2", "rescan_days=3",
                                      "max_window_days=7", "key_ttl_hours=24"});
    REQUIRE(kind.secrets.size() == 2);
    CHECK(kind.secrets[0].name == "api_key");
    CHECK(kind.secrets[1].name == "password");
    CHECK(kind.secrets[0].required);
    CHECK(kind.secrets[1].required);
  }
  SUBCASE("without a TokenStore the key is kept in memory")
  {
    h.context.tokens = nullptr;
    h.http.reply(200, key_reply("SAK-mem"));
    h.http.reply(200, k_empty);
    h.http.reply(200, k_empty);
    auto connector = h.make();
    REQUIRE(connector->fetch_orders(k_window, ""));
    REQUIRE(connector->fetch_orders(k_window, ""));
    CHECK(h.http.requests.size() == 3);
    CHECK(header(h.http.requests[2], "GiosisCertificationKey") == "SAK-mem");
  }
}

TEST_CASE("Qoo10Connector hands out a large answer in pages from one call")
{
  Harness h;
  h.cache_key("SAK-PAGES", 10h);
  // 2,500 lines, one cart each, except lines 999 and 1000 which share cart 999: a page ends
  // after 1,000 lines unless that splits a cart.
  const auto row = [](int line) {
    const int pack = line == 1000 ? 999 : line;
    return json{{"PackNo", 6000000 + pack}, {"OrderNo", 800000000 + line}, {"OrderDate", "2026-04-01 10:00:00"},
                {"ItemCode", "1100000003"}, {"ItemTitle", "急須"}, {"OrderQty", 1}, {"OrderPrice", 4500},
                {"ShippingRate", 0}, {"shippingStatus", "配送要請(2)"}};
  };
  std::string body = R"({"ResultCode":0,"ResultMsg":"SUCCESS","ResultObject":[)";
  for (int line = 0; line < 2500; ++line) {
    body += (line ? ",\n  " : "") + row(line).dump();
  }
  body += "]}";
  h.http.reply(200, body);
  auto connector = h.make();

  auto page = connector->fetch_orders(k_window, "");
  REQUIRE(page);
  CHECK(page->orders.size() == 1000); // 1,001 lines: the shared cart stays whole
  CHECK(page->orders.back().external_id == "6000999");
  CHECK(page->orders.back().items.size() == 2);
  CHECK(page->next_cursor == "0:1001");
  CHECK(page->requests == 1);
  // The raw payload is the line as received, not dumped again.
  CHECK(page->orders.front().raw == row(0).dump());

  page = connector->fetch_orders(k_window, page->next_cursor);
  REQUIRE(page);
  CHECK(page->orders.size() == 1000);
  CHECK(page->orders.front().external_id == "6001001");
  CHECK(page->next_cursor == "0:2001");
  CHECK(page->requests == 0);

  page = connector->fetch_orders(k_window, page->next_cursor);
  REQUIRE(page);
  CHECK(page->orders.size() == 499);
  CHECK(page->next_cursor == "");
  CHECK(h.http.requests.size() == 1); // one GetShippingInfo_v2 for the whole status

  // A cursor another connector made asks again and goes on after the rows handed out.
  h.http.reply(200, body);
  page = h.make()->fetch_orders(k_window, "0:2001");
  REQUIRE(page);
  CHECK(page->orders.size() == 499);
  CHECK(page->orders.front().external_id == "6002001");
  CHECK(h.make()->fetch_orders(k_window, "0:x").error().message == "invalid qoo10jp cursor \"0:x\"");
}
