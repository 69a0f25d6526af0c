#include "connectors/shopee/tests/shopee_test.hpp"

TEST_CASE("shopee::signature reproduces every shopee.md 1.11 vector")
{
  SUBCASE("(a) published shop, merchant and public vectors, through the base-string builders")
  {
    const std::string shop = shopee::shop_base_string(k_partner_id, "/api/v2/shop/get_shop_info", k_timestamp,
                                                      k_access_token, k_shop_id);
    CHECK(shop == "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711");
    CHECK(shopee::signature(k_partner_key, shop) == "b914bea03c13799deb036bb9d10e689f5a6bade160c44af568646f1ef7d796c1");

    const std::string merchant = shopee::merchant_base_string(k_partner_id, "/api/v2/global_product/get_category",
                                                              k_timestamp, "09777174636962737266615546704c6d", "1000000");
    CHECK(merchant == "2001887/api/v2/global_product/get_category165571443109777174636962737266615546704c6d1000000");
    CHECK(shopee::signature(k_partner_key, merchant)
          == "a50a2229b148e76048e21ad69a9d619885a21bd4aa7738bc524e1207df73a151");

    const std::string pub = shopee::public_base_string(k_partner_id, "/api/v2/public/get_shops_by_partner", k_timestamp);
    CHECK(pub == "2001887/api/v2/public/get_shops_by_partner1655714431");
    CHECK(shopee::signature(k_partner_key, pub) == "60ab8c4a535009ab33b8a0029ee18a667ef6eaeb16481ed3d573a5059122d4df");
  }

  SUBCASE("(b) the SDK's plain concatenation vector")
  {
    CHECK(shopee::signature("test_partner_key", "/api/v2/auth/token/get123456test_partner_idtest_shop_idtest_main_account_id")
          == "37c864bd9821ff5f2c2f46b2faca14eb1811a718d1fdc6dcf383cba7c74bf9e9");
  }

  SUBCASE("(c) locally computed shop and public vectors")
  {
    auto shop = [](const char* path) {
      return shopee::signature(k_partner_key, shopee::shop_base_string(k_partner_id, path, k_timestamp, k_access_token, k_shop_id));
    };
    auto pub = [](const char* path) {
      return shopee::signature(k_partner_key, shopee::public_base_string(k_partner_id, path, k_timestamp));
    };
    CHECK(shop("/api/v2/order/get_order_list") == k_sign_order_list);
    CHECK(shop("/api/v2/order/get_order_detail") == k_sign_order_detail);
    CHECK(shop("/api/v2/logistics/ship_order") == "2538e26a60775309acafa858523aaedc1438ae507f85022537fd45fb12829bbd");
    CHECK(shop("/api/v2/logistics/get_tracking_number")
          == "890c07c4969a9915cf6fc54ee0b9ffc48247ed903a88cf69d335a272f62c7a7d");
    CHECK(shop("/api/v2/product/update_stock") == "e6d457ecdff593a6b22b51291698ab01318bd32a4a00401e9f05fef895671fb6");
    CHECK(pub("/api/v2/auth/token/get") == k_sign_token_get);
    CHECK(pub("/api/v2/auth/access_token/get") == k_sign_refresh);
    CHECK(pub("/api/v2/shop/auth_partner") == k_sign_auth_partner);
  }

  SUBCASE("(d) RFC 4231 sanity checks")
  {
    CHECK(shopee::signature(std::string(20, '\x0b'), "Hi There")
          == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(shopee::signature("Jefe", "what do ya want for nothing?")
          == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
}

TEST_CASE("ShopeeConnector request URLs")
{
  Harness h;
  h.store_token(k_access_token, 2h, "shp-rt-stored");
  h.http.handler = [&](const net::Request& request) -> net::HttpResult {
    if (request.url.starts_with(k_list_url)) {
      return respond(200, list_reply({"220620KJ3MQ1AB", "220620KJ3MQ2CD"}));
    }
    return detail_for(request);
  };
  const auto page = h.make()->fetch_orders(k_window, "");
  REQUIRE(page);
  REQUIRE(h.http.requests.size() == 2);
  const auto& list = h.http.requests[0];
  CHECK(list.method == "GET");
  CHECK(list.body.empty());
  CHECK(list.label == "GET get_order_list");
  CHECK(list.url == k_list_url + k_shop_query + "&sign=" + k_sign_order_list + k_window_query);
  const auto& detail = h.http.requests[1];
  CHECK(detail.method == "GET");
  CHECK(detail.label == "GET get_order_detail (2 orders)");
  CHECK(detail.url
        == k_detail_url + k_shop_query + "&sign=" + k_sign_order_detail
               + "&order_sn_list=220620KJ3MQ1AB,220620KJ3MQ2CD&response_optional_fields=" + k_detail_fields);
  CHECK(page->orders.size() == 2);
  CHECK(page->requests == 2);
  CHECK(page->request_id == "r-detail-2");
  CHECK(page->next_cursor.empty());
  CHECK(h.tokens.saves == 0);
}

TEST_CASE("ShopeeConnector base_url and page_size")
{
  Harness h;
  h.store_token(k_access_token, 2h, "shp-rt-stored");
  h.http.handler = [&](const net::Request&) -> net::HttpResult { return respond(200, list_reply({})); };
  SUBCASE("given with /api/v2: the same URL, the same signature")
  {
    h.context.settings["base_url"] = std::string(k_base) + "/api/v2/";
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 1);
    CHECK(h.http.requests[0].url == k_list_url + k_shop_query + "&sign=" + k_sign_order_list + k_window_query);
  }
  SUBCASE("[kinds.shopee] page_size is sent, at most 100")
  {
    h.context.page_size = 40;
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 1);
    CHECK(h.http.requests[0].url.ends_with("&time_to=1655683200&page_size=40"));
    h.context.page_size = 500;
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    CHECK(h.http.requests[1].url.ends_with("&time_to=1655683200&page_size=100"));
  }
}

TEST_CASE("ShopeeConnector tokens")
{
  Harness h;

  SUBCASE("first use: the secret refresh token, and the rotated pair is saved before it is used")
  {
    h.context.secrets["refresh_token"] = "shp-secret-rt";
    std::optional<Token> stored_at_list;
    h.http.handler = [&](const net::Request& request) -> net::HttpResult {
      if (request.url.starts_with(k_refresh_url)) {
        return respond(200, token_reply("shp-at-1", "shp-rt-2"));
      }
      stored_at_list = h.tokens.load("access_token");
      return respond(200, k_empty_list);
    };
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE(page);
    REQUIRE(h.http.requests.size() == 2);
    const auto& refresh = h.http.requests[0];
    CHECK(refresh.method == "POST");
    CHECK(refresh.label == "POST auth/access_token/get");
    CHECK(refresh.url == k_refresh_url + "?partner_id=2001887&timestamp=1655714431&sign=" + k_sign_refresh);
    CHECK(header(refresh, "Content-Type") == "application/json");
    CHECK(refresh.body == R"({"partner_id":2001887,"refresh_token":"shp-secret-rt","shop_id":14701711})");
    // The store held the new pair when the list request went out.
    REQUIRE(stored_at_list);
    CHECK(stored_at_list->value == "shp-at-1");
    CHECK(stored_at_list->refresh == "shp-rt-2");
    CHECK(stored_at_list->expires_at == h.clock.now() + 14400s);
    const auto& list = h.http.requests[1];
    CHECK(query_value(list.url, "access_token") == "shp-at-1");
    CHECK(query_value(list.url, "sign")
          == shopee::signature(k_partner_key, shopee::shop_base_string(k_partner_id, "/api/v2/order/get_order_list",
                                                                      k_timestamp, "shp-at-1", k_shop_id)));
    CHECK(page->requests == 2);
    CHECK(page->request_id == "r-list");
    CHECK(h.tokens.saves == 1);
    CHECK(h.tokens.locks == 1);
    CHECK(h.tokens.unlocks == 1);
  }

  SUBCASE("the stored refresh token is preferred to the secret, and rotates")
  {
    h.context.secrets["refresh_token"] = "shp-secret-rt";
    h.store_token("shp-old-at", 4min, "shp-rt-old"); // inside the 5-minute margin
    std::optional<Token> stored_at_list;
    h.http.handler = [&](const net::Request& request) -> net::HttpResult {
      if (request.url.starts_with(k_refresh_url)) {
        return respond(200, token_reply("shp-at-new", "shp-rt-new", 13859));
      }
      stored_at_list = h.tokens.load("access_token");
      return respond(200, k_empty_list);
    };
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].body == R"({"partner_id":2001887,"refresh_token":"shp-rt-old","shop_id":14701711})");
    REQUIRE(stored_at_list);
    CHECK(stored_at_list->refresh == "shp-rt-new");
    CHECK(stored_at_list->expires_at == h.clock.now() + 13859s);
    CHECK(query_value(h.http.requests[1].url, "access_token") == "shp-at-new");
  }

  SUBCASE("a token with more than the margin left is used as it is")
  {
    h.store_token(k_access_token, 6min, "shp-rt-old");
    h.http.reply(200, k_empty_list);
    h.http.reply(200, k_empty_list);
    auto connector = h.make();
    REQUIRE(connector->fetch_orders(k_window, ""));
    REQUIRE(connector->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].url == k_list_url + k_shop_query + "&sign=" + k_sign_order_list + k_window_query);
    CHECK(h.tokens.saves == 0);

    SUBCASE("until time moves into the margin")
    {
      h.clock.sleep_for(2min);
      h.http.reply(200, token_reply("shp-at-2", "shp-rt-2"));
      h.http.reply(200, k_empty_list);
      REQUIRE(connector->fetch_orders(k_window, ""));
      REQUIRE(h.http.requests.size() == 4);
      CHECK(h.http.requests[2].url.starts_with(k_refresh_url + "?partner_id=2001887&timestamp=1655714551&sign="));
      CHECK(h.http.requests[2].body == R"({"partner_id":2001887,"refresh_token":"shp-rt-old","shop_id":14701711})");
      CHECK(query_value(h.http.requests[3].url, "access_token") == "shp-at-2");
      CHECK(query_value(h.http.requests[3].url, "timestamp") == "1655714551");
    }
  }

  SUBCASE("the configured token margin applies")
  {
    h.context.token_margin = 10min;
    h.store_token(k_access_token, 6min, "shp-rt-old");
    h.http.reply(200, token_reply("shp-at-2", "shp-rt-2"));
    h.http.reply(200, k_empty_list);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].url.starts_with(k_refresh_url));
    CHECK(h.stored().value == "shp-at-2");
  }

  SUBCASE("an invalid access token is renewed once and the call sent again")
  {
    h.store_token("shp-revoked", 2h, "shp-rt-1");
    h.http.reply(403, R"({"error":"error_auth","message":"Invalid access_token.","request_id":"r-403"})");
    h.http.reply(200, token_reply("shp-at-fresh", "shp-rt-2"));
    h.http.reply(200, k_empty_list);
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE(page);
    REQUIRE(h.http.requests.size() == 3);
    CHECK(query_value(h.http.requests[0].url, "access_token") == "shp-revoked");
    CHECK(h.http.requests[1].body == R"({"partner_id":2001887,"refresh_token":"shp-rt-1","shop_id":14701711})");
    CHECK(query_value(h.http.requests[2].url, "access_token") == "shp-at-fresh");
    CHECK(path_of(h.http.requests[2].url) == "/api/v2/order/get_order_list");
    CHECK(page->requests == 3);
    CHECK(h.stored().value == "shp-at-fresh");
    CHECK(h.stored().refresh == "shp-rt-2");
  }

  SUBCASE("the misspelled invalid_acceess_token counts too")
  {
    h.store_token("shp-revoked", 2h, "shp-rt-1");
    h.http.reply(200, R"({"error":"invalid_acceess_token","message":"Invalid access_token","request_id":"r-x"})");
    h.http.reply(200, token_reply("shp-at-fresh", "shp-rt-2"));
    h.http.reply(200, k_empty_list);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    CHECK(h.http.requests.size() == 3);
  }

  SUBCASE("rejected again after the renewal: auth")
  {
    h.store_token("shp-revoked", 2h, "shp-rt-1");
    h.http.reply(403, R"({"error":"error_auth","message":"Invalid access_token.","request_id":"r-a"})");
    h.http.reply(200, token_reply("shp-at-fresh", "shp-rt-2"));
    h.http.reply(403, R"({"error":"error_auth","message":"Invalid access_token.","request_id":"r-b"})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(h.http.requests.size() == 3);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().http_status == 403);
    CHECK(page.error().request_id == "r-b");
    CHECK(page.error().message
          == "GET get_order_list: HTTP 403 error_auth: Invalid access_token. (rejected again after a token refresh; "
             "re-authorise the shop: run `uoms channels authorize shopee-sg`)");
  }

  SUBCASE("a rejected refresh token is an auth error that says to re-authorise")
  {
    h.store_token("shp-old-at", 1min, "shp-rt-dead");
    h.http.reply(403, R"({"error":"error_auth","message":"Invalid refresh_token.","request_id":"r-rt"})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(h.http.requests.size() == 1);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().request_id == "r-rt");
    CHECK(page.error().message
          == "POST auth/access_token/get: HTTP 403 error_auth: Invalid refresh_token. (refresh token rejected; "
             "re-authorise the shop: run `uoms channels authorize shopee-sg`)");
    CHECK(h.stored().value == "shp-old-at"); // nothing saved
    CHECK(h.tokens.saves == 0);
  }

  SUBCASE("a refresh token rejected as error_param is an auth error too, without its value")
  {
    h.context.secrets["refresh_token"] = "shp-secret-rt-1234";
    h.http.reply(200, R"({"error":"error_param","message":"Invalid refresh_token shp-secret-rt-1234","request_id":"r-rt"})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().message
          == "POST auth/access_token/get: HTTP 200 error_param: Invalid refresh_token ******** (refresh token rejected; "
             "re-authorise the shop: run `uoms channels authorize shopee-sg`)");
  }

  SUBCASE("a rejected stored refresh token falls back to a newer secret one")
  {
    h.context.secrets["refresh_token"] = "shp-secret-new";
    h.store_token("shp-old-at", 1min, "shp-rt-dead");
    h.http.reply(403, R"({"error":"error_auth","message":"Invalid refresh_token.","request_id":"r-rt"})");
    h.http.reply(200, token_reply("shp-at-3", "shp-rt-3"));
    h.http.reply(200, k_empty_list);
    REQUIRE(h.make()->fetch_orders(k_window, ""));
    REQUIRE(h.http.requests.size() == 3);
    CHECK(h.http.requests[1].body == R"({"partner_id":2001887,"refresh_token":"shp-secret-new","shop_id":14701711})");
    CHECK(h.stored().refresh == "shp-rt-3");
  }

  SUBCASE("not authorised: no stored token and no secret refresh token")
  {
    auto connector = h.make();
    const auto page = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::auth);
    CHECK(page.error().message == "shop not authorised: run `uoms channels authorize shopee-sg`");
    const auto checked = connector->check();
    REQUIRE_FALSE(checked);
    CHECK(checked.error().kind == ErrorKind::auth);
    CHECK(checked.error().message == "shop not authorised: run `uoms channels authorize shopee-sg`");
    CHECK(h.http.requests.empty());
  }

  SUBCASE("a token answer without access_token is a contract error")
  {
    h.context.secrets["refresh_token"] = "shp-secret-rt";
    h.http.reply(200, R"({"error":"","message":"","request_id":"r-t"})");
    const auto page = h.make()->fetch_orders(k_window, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "POST auth/access_token/get: HTTP 200 without access_token");
  }
}

TEST_CASE("ShopeeConnector pages with next_cursor")
{
  Harness h;
  h.store_token(k_access_token, 2h, "rt");
  h.http.reply(200, list_reply({}, true, "eyJ=2", "r-1"));
  h.http.reply(200, list_reply({}, false, "", "r-2"));
  auto connector = h.make();
  const auto first = connector->fetch_orders(k_window, "");
  REQUIRE(first);
  CHECK(first->next_cursor == "eyJ=2");
  CHECK(first->request_id == "r-1");
  const auto second = connector->fetch_orders(k_window, first->next_cursor);
  REQUIRE(second);
  CHECK(second->next_cursor.empty());
  REQUIRE(h.http.requests.size() == 2);
  CHECK(h.http.requests[1].url
        == k_list_url + k_shop_query + "&sign=" + k_sign_order_list + k_window_query + "&cursor=eyJ%3D2");
  CHECK(h.http.requests[1].label == "GET get_order_list (cursor eyJ=2)");

  SUBCASE("a cursor that does not advance is an error")
  {
    h.http.reply(200, list_reply({}, true, "eyJ=2", "r-3"));
    const auto stuck = connector->fetch_orders(k_window, "eyJ=2");
    REQUIRE_FALSE(stuck);
    CHECK(stuck.error().kind == ErrorKind::contract);
    CHECK(stuck.error().request_id == "r-3");
    CHECK(stuck.error().message == "GET get_order_list (cursor eyJ=2): next_cursor eyJ=2 did not advance");
  }
  SUBCASE("more without a cursor is an error")
  {
    h.http.reply(200, list_reply({}, true, "", "r-4"));
    const auto broken = connector->fetch_orders(k_window, "");
    REQUIRE_FALSE(broken);
    CHECK(broken.error().message == "GET get_order_list: \"more\" without next_cursor");
  }
}

TEST_CASE("ShopeeConnector windows")
{
  Harness h;
  h.store_token(k_access_token, 2h, "rt");
  auto connector = h.make();
  SUBCASE("exactly 15 days between time_from and time_to is allowed (the bound is inclusive)")
  {
    h.http.reply(200, k_empty_list);
    REQUIRE(connector->fetch_orders({utc(2022, 6, 1), utc(2022, 6, 16, 0, 0, 1)}, ""));
    CHECK(query_value(h.http.requests[0].url, "time_from") == "1654041600");
    CHECK(query_value(h.http.requests[0].url, "time_to") == "1655337600");
    CHECK(connector->capabilities().max_window == Millis{std::chrono::days(15)});
  }
  SUBCASE("fractions of a second are floored")
  {
    h.http.reply(200, k_empty_list);
    REQUIRE(connector->fetch_orders({utc(2022, 6, 1) + 999ms, utc(2022, 6, 2) + 500ms}, ""));
    CHECK(query_value(h.http.requests[0].url, "time_from") == "1654041600");
    CHECK(query_value(h.http.requests[0].url, "time_to") == "1654128000");
  }
  SUBCASE("longer than 15 days is refused before any call")
  {
    const auto page = connector->fetch_orders({utc(2022, 6, 1), utc(2022, 6, 16, 0, 0, 2)}, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message
          == "window 2022-06-01T00:00:00.000Z .. 2022-06-16T00:00:02.000Z is longer than Shopee's 15 days");
    CHECK(h.http.requests.empty());
  }
  SUBCASE("a window inside one second reads that second and the next (time_from == time_to is refused)")
  {
    h.http.reply(200, k_empty_list);
    const auto page = connector->fetch_orders({utc(2022, 6, 1) + 100ms, utc(2022, 6, 1) + 900ms}, "");
    REQUIRE(page);
    CHECK(page->orders.empty());
    CHECK(query_value(h.http.requests[0].url, "time_from") == "1654041600");
    CHECK(query_value(h.http.requests[0].url, "time_to") == "1654041601");
  }
}

TEST_CASE("ShopeeConnector asks for details in batches of 50")
{
  Harness h;
  h.store_token(k_access_token, 2h, "rt");
  std::vector<std::string> sns;
  for (int i = 0; i < 101; ++i) {
    sns.push_back(fmt::format("2206200000{:04}", i));
  }
  std::vector<std::string> with_duplicate = sns;
  with_duplicate.push_back(sns[0]); // listed twice, asked once
  h.http.handler = [&](const net::Request& request) -> net::HttpResult {
    if (request.url.starts_with(k_list_url)) {
      return respond(200, list_reply(with_duplicate));
    }
    return detail_for(request);
  };
  const auto page = h.make()->fetch_orders(k_window, "");
  REQUIRE(page);
  REQUIRE(h.http.requests.size() == 4);
  std::vector<std::size_t> sizes;
  for (std::size_t i = 1; i < 4; ++i) {
    const auto& request = h.http.requests[i];
    CHECK(path_of(request.url) == "/api/v2/order/get_order_detail");
    CHECK(query_value(request.url, "sign") == k_sign_order_detail);
    const std::string list = query_value(request.url, "order_sn_list");
    sizes.push_back(static_cast<std::size_t>(std::count(list.begin(), list.end(), ',')) + 1);
  }
  CHECK(sizes == std::vector<std::size_t>{50, 50, 1});
  CHECK(query_value(h.http.requests[1].url, "order_sn_list").starts_with("22062000000000,22062000000001,"));
  CHECK(query_value(h.http.requests[3].url, "order_sn_list") == "22062000000100");
  CHECK(h.http.requests[3].label == "GET get_order_detail (1 orders)");
  CHECK(page->orders.size() == 101);
  CHECK(page->failures.empty());
  CHECK(page->requests == 4);
  CHECK(page->request_id == "r-detail-1");
}
