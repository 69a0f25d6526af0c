// The Shopee connector: order mapping, statuses, error envelopes, authorisation, check and configuration.

#include "connectors/shopee/tests/shopee_test.hpp"

TEST_CASE("ShopeeConnector maps order details")
{
  Harness h;
  h.store_token(k_access_token, 2h, "rt");
  const std::string details = fixture("order_detail.json");
  h.http.handler = [&](const net::Request& request) -> net::HttpResult {
    if (request.url.starts_with(k_list_url)) {
      return respond(200, list_reply({"220620KJ3MQ1AB", "220620KJ3MQ2CD", "220620KJ3MQ3EF", "220620KJ3MQ4GH",
                                      "220620KJ3MQ5IJ"}));
    }
    return respond(200, details);
  };
  const auto page = h.make()->fetch_orders(k_window, "");
  REQUIRE(page);
  CHECK(page->request_id == "b6f2e5c1d0a94f3e8c7b");
  CHECK(query_value(h.http.requests[1].url, "order_sn_list")
        == "220620KJ3MQ1AB,220620KJ3MQ2CD,220620KJ3MQ3EF,220620KJ3MQ4GH,220620KJ3MQ5IJ");
  REQUIRE(page->orders.size() == 2);

  const Order& a = page->orders[0];
  CHECK(a.external_id == "220620KJ3MQ1AB");
  CHECK(a.raw_status == "READY_TO_SHIP");
  CHECK(a.status == OrderStatus::paid);
  REQUIRE(a.ordered_at);
  CHECK(format_utc(*a.ordered_at) == "2022-06-20T04:40:00.000Z");
  REQUIRE(a.paid_at);
  CHECK(format_utc(*a.paid_at) == "2022-06-20T04:42:03.000Z");
  REQUIRE(a.changed_at);
  CHECK(format_utc(*a.changed_at) == "2022-06-20T07:26:40.000Z");
  CHECK(a.currency == "SGD");
  CHECK(a.total_minor == 3670);
  CHECK(a.shipping_fee_minor == 350); // actual_shipping_fee 0: the estimate
  CHECK(a.buyer.name == "tan.buyer");
  CHECK(a.receiver.name == "Tan Wei Ming");
  CHECK(a.receiver.phone == "6591234567");
  CHECK(a.receiver.zip == "238859");
  CHECK(a.receiver.address1 == "1 Orchard Road, #05-01, Singapore 238859");
  CHECK(a.receiver.address2 == "");
  REQUIRE(a.items.size() == 2);
  const OrderItem& mug = a.items[0];
  CHECK(mug.external_id == "100001-200001");
  CHECK(mug.shipment_key == "OFG1001");
  CHECK(mug.sku == "MUG-BLU-350");
  CHECK(mug.product_id == "100001");
  CHECK(mug.option_id == "200001");
  CHECK(mug.name == "Ceramic Mug");
  CHECK(mug.option_name == "Blue,350ml");
  CHECK(mug.quantity == 2);
  CHECK(mug.unit_price_minor == 1290);
  CHECK(mug.total_price_minor == 2580);
  CHECK(mug.raw_status == "READY_TO_SHIP");
  CHECK(mug.status == OrderStatus::paid);
  const OrderItem& towel = a.items[1];
  CHECK(towel.external_id == "100002-0");
  CHECK(towel.shipment_key == "OFG1002");
  CHECK(towel.sku == "TOWEL-1"); // no model_sku: the item's
  CHECK(towel.option_id == "");
  CHECK(towel.unit_price_minor == 990); // bundle deal: discounted price 0, the original
  CHECK(towel.total_price_minor == 990);
  const json raw_a = json::parse(a.raw);
  CHECK(raw_a["order_sn"] == "220620KJ3MQ1AB");
  CHECK(raw_a["message_to_seller"] == "Please pack well");

  const Order& b = page->orders[1];
  CHECK(b.external_id == "220620KJ3MQ2CD");
  CHECK(b.status == OrderStatus::unknown);
  CHECK(b.raw_status == "SELLER_HOLD");
  CHECK_FALSE(b.paid_at); // pay_time 0
  CHECK(b.currency == "MYR");
  CHECK(b.shipping_fee_minor == 460);
  CHECK(b.total_minor == 2050 + 5000 + 460); // no total_amount: items and shipping
  CHECK(b.receiver.address1 == "Bangsar, Kuala Lumpur, Wilayah Persekutuan Kuala Lumpur, MY");
  REQUIRE(b.items.size() == 2);
  CHECK(b.items[0].external_id == "300001-400002");
  CHECK(b.items[1].external_id == "300001-400002#2");
  CHECK(b.items[0].shipment_key == "220620KJ3MQ2CD"); // no package_list
  CHECK(b.items[1].quantity == 2);
  CHECK(b.items[1].unit_price_minor == 2500);
  CHECK(b.items[0].status == OrderStatus::unknown);
  REQUIRE(page->notes.size() == 1);
  CHECK(page->notes[0].external_id == "220620KJ3MQ2CD");
  CHECK(page->notes[0].message == "unknown Shopee order_status \"SELLER_HOLD\"");

  REQUIRE(page->failures.size() == 3);
  CHECK(page->failures[0].external_id == "220620KJ3MQ3EF");
  CHECK(page->failures[0].reason == "missing create_time");
  CHECK(json::parse(page->failures[0].raw)["order_status"] == "COMPLETED");
  CHECK(page->failures[1].external_id == "220620KJ3MQ4GH");
  CHECK(page->failures[1].reason == "model_quantity_purchased is not a count: \"two\"");
  CHECK(page->failures[2].external_id == "220620KJ3MQ5IJ");
  CHECK(page->failures[2].reason == "order 220620KJ3MQ5IJ not returned by get_order_detail");
  CHECK(json::parse(page->failures[2].raw)["order_sn"] == "220620KJ3MQ5IJ");
}

TEST_CASE("ShopeeConnector status mapping")
{
  Harness h;
  h.store_token(k_access_token, 2h, "rt");
  std::string status;
  h.http.handler = [&](const net::Request& request) -> net::HttpResult {
    if (request.url.starts_with(k_list_url)) {
      return respond(200, list_reply({"S1"}));
    }
    return respond(200, json{{"error", ""}, {"response", {{"order_list", {detail_of("S1", status)}}}}}.dump());
  };
  auto connector = h.make();
  auto status_of = [&](std::string raw) {
    status = std::move(raw);
    auto page = connector->fetch_orders(k_window, "");
    REQUIRE(page);
    REQUIRE(page->orders.size() == 1);
    CHECK(page->notes.empty());
    return page->orders[0].status;
  };
  CHECK(status_of("UNPAID") == OrderStatus::pending_payment);
  CHECK(status_of("READY_TO_SHIP") == OrderStatus::paid);
  CHECK(status_of("INVOICE_PENDING") == OrderStatus::paid);
  CHECK(status_of("PROCESSED") == OrderStatus::preparing);
  CHECK(status_of("RETRY_SHIP") == OrderStatus::preparing);
  CHECK(status_of("SHIPPED") == OrderStatus::shipped);
  CHECK(status_of("TO_CONFIRM_RECEIVE") == OrderStatus::delivered);
  CHECK(status_of("COMPLETED") == OrderStatus::completed);
  CHECK(status_of("IN_CANCEL") == OrderStatus::cancel_requested);
  CHECK(status_of("CANCELLED") == OrderStatus::cancelled);
  CHECK(status_of("TO_RETURN") == OrderStatus::return_requested);
}

TEST_CASE("ShopeeConnector maps error envelopes")
{
  Harness h;
  h.store_token(k_access_token, 2h, "rt");
  auto connector = h.make();

  SUBCASE("a module error with HTTP 400")
  {
    h.http.reply(400, R"({"error":"order.order_list_invalid_time","message":"Start time must be earlier than end time and diff in 15days.","request_id":"2ca3ed"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().http_status == 400);
    CHECK(page.error().request_id == "2ca3ed");
    CHECK(page.error().message
          == "GET get_order_list: HTTP 400 order.order_list_invalid_time: Start time must be earlier than end time and diff in 15days.");
  }
  SUBCASE("an error with HTTP 200 is still an error")
  {
    h.http.reply(200, R"({"error":"error_param","message":"Wrong parameters, detail: page_size.","request_id":"r-p"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().http_status == 200);
    CHECK(page.error().message == "GET get_order_list: HTTP 200 error_param: Wrong parameters, detail: page_size.");
  }
  SUBCASE("error_rate_limit with HTTP 200")
  {
    h.http.reply(200, R"({"error":"error_rate_limit","message":"Too many requests.","request_id":"r-rl"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::rate_limited);
    CHECK(page.error().request_id == "r-rl");
    CHECK(page.error().message == "GET get_order_list: HTTP 200 error_rate_limit: Too many requests.");
  }
  SUBCASE("HTTP 429 without an envelope")
  {
    h.http.reply(429, "Too Many Requests");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::rate_limited);
    CHECK(page.error().message == "GET get_order_list: HTTP 429 rate limited");
  }
  SUBCASE("error_server")
  {
    h.http.reply(500, R"({"error":"error_server","message":"System error. Please try again later.","request_id":"r-5"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::transient);
    CHECK(page.error().message == "GET get_order_list: HTTP 500 error_server: System error. Please try again later.");
  }
  SUBCASE("error_sign")
  {
    h.http.reply(403, R"({"error":"error_sign","message":"Wrong sign.","request_id":"r-s"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(h.http.requests.size() == 1); // no token renewal for a wrong key
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().message == "GET get_order_list: HTTP 403 error_sign: Wrong sign. (check partner_id and partner_key)");
  }
  SUBCASE("an error on the detail call")
  {
    h.http.reply(200, list_reply({"S1"}));
    h.http.reply(200, R"({"error":"error_not_found","message":"Wrong parameters, detail: the order is not found.","request_id":"r-nf"})");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().request_id == "r-nf");
    CHECK(page.error().message
          == "GET get_order_detail (1 orders): HTTP 200 error_not_found: Wrong parameters, detail: the order is not found.");
  }
  SUBCASE("a body that is not JSON")
  {
    h.http.reply(200, "<html>gateway</html>");
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "GET get_order_list: HTTP 200 with a body that is not a JSON object");
  }
  SUBCASE("transport")
  {
    h.http.responses.push_back(std::unexpected(
        net::TransportError{net::TransportErrorKind::timeout, "GET get_order_list: 127.0.0.1: timed out", 4}));
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::transient);
    CHECK(page.error().message == "GET get_order_list: 127.0.0.1: timed out");
  }
  SUBCASE("is_throttled for the HTTP client")
  {
    net::Response r;
    r.status = 200;
    r.body = R"({"error":"error_rate_limit","message":"Too many requests."})";
    CHECK(shopee::is_throttled(r));
    r.body = R"({"error":"ads.rate_limit.exceed_api"})";
    CHECK(shopee::is_throttled(r));
    r.body = R"({"error":"error_limit"})";
    CHECK(shopee::is_throttled(r));
    r.body = R"({"error":"","response":{}})";
    CHECK_FALSE(shopee::is_throttled(r));
    r.body = "not json";
    CHECK_FALSE(shopee::is_throttled(r));
    r.status = 429;
    CHECK(shopee::is_throttled(r));
  }
}

TEST_CASE("ShopeeConnector shop authorisation")
{
  Harness h;

  SUBCASE("authorization_url is the signed auth_partner link")
  {
    const auto url = h.make()->authorization_url("https://example.com/shopee/callback?x=1");
    REQUIRE(url);
    CHECK(*url
          == std::string(k_base) + "/api/v2/shop/auth_partner?partner_id=2001887&timestamp=1655714431&sign="
                 + k_sign_auth_partner + "&redirect=https%3A%2F%2Fexample.com%2Fshopee%2Fcallback%3Fx%3D1");
    CHECK(h.http.requests.empty());
    const auto missing = h.make()->authorization_url("");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::config);
  }

  SUBCASE("authorize exchanges the code and stores both tokens")
  {
    h.http.reply(200, token_reply(k_access_token, "shp-rt-first", 14400));
    h.http.reply(200, k_empty_list);
    auto connector = h.make();
    const auto done = connector->authorize(" c0de ");
    REQUIRE(done);
    CHECK(*done == "shop 14701711 authorised: access token valid for 240 min, refresh token stored");
    REQUIRE(h.http.requests.size() == 1);
    const auto& request = h.http.requests[0];
    CHECK(request.method == "POST");
    CHECK(request.label == "POST auth/token/get");
    CHECK(request.url == k_token_get_url + "?partner_id=2001887&timestamp=1655714431&sign=" + k_sign_token_get);
    CHECK(header(request, "Content-Type") == "application/json");
    CHECK(request.body == R"({"code":"c0de","partner_id":2001887,"shop_id":14701711})");
    CHECK(h.stored().value == k_access_token);
    CHECK(h.stored().refresh == "shp-rt-first");
    CHECK(h.stored().expires_at == h.clock.now() + 14400s);
    CHECK(h.tokens.locks == 1);
    CHECK(h.tokens.unlocks == 1);
    // The next fetch uses the stored token without refreshing.
    REQUIRE(connector->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[1].url == k_list_url + k_shop_query + "&sign=" + k_sign_order_list + k_window_query);
  }

  SUBCASE("a used or expired code")
  {
    h.store_token("shp-kept", 2h, "shp-rt-kept");
    h.http.reply(200, R"({"error":"error_auth","message":"Invalid code","request_id":"r-c"})");
    const auto done = h.make()->authorize("used");
    REQUIRE_FALSE(done);
    CHECK(done.error().kind == ErrorKind::auth);
    CHECK(done.error().message
          == "POST auth/token/get: HTTP 200 error_auth: Invalid code (a code works once and for 10 minutes: open a new "
             "authorisation link)");
    CHECK(h.stored().value == "shp-kept");
    CHECK(h.tokens.unlocks == 1);
  }
}

TEST_CASE("ShopeeConnector check")
{
  Harness h;
  h.store_token(k_access_token, 2h, "rt");
  h.http.reply(200, list_reply({"S1"}, true, "c2"));
  const auto result = h.make()->check();
  REQUIRE(result);
  CHECK(*result == "shop 14701711 (SG): signature and access token accepted (valid for 120 more min); several orders "
                   "updated in the last hour");
  REQUIRE(h.http.requests.size() == 1);
  CHECK(h.http.requests[0].url
        == k_list_url + k_shop_query + "&sign=" + k_sign_order_list
               + "&time_range_field=update_time&time_from=1655710831&time_to=1655714431&page_size=1");
}

TEST_CASE("ShopeeConnector configuration")
{
  Harness h;
  SUBCASE("partner_id is required")
  {
    h.context.settings.erase("partner_id");
    const auto result = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::config);
    CHECK(result.error().message == "setting partner_id is required (the app's Partner ID from the Open Platform console)");
  }
  SUBCASE("shop_id must be a number")
  {
    h.context.settings["shop_id"] = "my-shop";
    const auto result = h.make()->check();
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "setting shop_id: \"my-shop\" is not a number");
  }
  SUBCASE("partner_key is required")
  {
    h.context.secrets.clear();
    const auto result = h.make()->authorization_url("https://example.com/cb");
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "secret partner_key is required");
  }
  SUBCASE("capabilities and spec")
  {
    const auto connector = h.make();
    const Capabilities& caps = connector->capabilities();
    CHECK(caps.max_window == Millis{std::chrono::days(15)});
    CHECK(shopee::k_max_page_size == 100);
    CHECK(shopee::k_detail_batch == 50);
    CHECK(caps.utc_offset == std::chrono::minutes{0});
    CHECK(shopee::spec().default_rate_limit == 10);
    CHECK(shopee::spec().is_throttled);
    CHECK_FALSE(caps.partial_orders);
    const KindSpec& kind = shopee::spec();
    CHECK(kind.kind == "shopee");
    std::vector<std::string> names;
    for (const auto& field : kind.settings) {
      names.push_back(field.name);
      CHECK_FALSE(field.help.empty());
    }
    CHECK(names == std::vector<std::string>{"base_url", "partner_id", "shop_id", "region", "rate_limit"});
    CHECK(kind.settings[0].default_value == "https://partner.shopeemobile.com");
    REQUIRE(kind.secrets.size() == 2);
    CHECK(kind.secrets[0].name == "partner_key");
    CHECK(kind.secrets[0].required);
    CHECK(kind.secrets[1].name == "refresh_token");
    CHECK_FALSE(kind.secrets[1].required);
  }
}
