#include "connectors/shopee/shopee.hpp"

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

// The inputs of shopee.md §1.11 (a) and (c): with the clock at their timestamp and these
// settings, every request the connector signs must carry the published sign.
constexpr const char* k_partner_key = "57615053704d6470644f554a78656d50484143644964436a5568777544524579";
constexpr const char* k_partner_id = "2001887";
constexpr const char* k_shop_id = "14701711";
constexpr const char* k_access_token = "59777174636562737266615546704c6d";
constexpr long long k_timestamp = 1655714431;
constexpr const char* k_sign_order_list = "0d4c4ad50011993da2000f0aa298092b6b5717d79660bff5104cddf8eead3d78";
constexpr const char* k_sign_order_detail = "b018a24c8a6e019131314d46e7f9a9270caded459246cf5b25ebc594a736c353";
constexpr const char* k_sign_token_get = "a04e209270a2b5ad27d10a237a3f4ba9715aa3f109de7c4d52973a17ddd932ee";
constexpr const char* k_sign_refresh = "ec228461f4fda091fec25c8ff7102fe6865f07aa0159c7ff690a241d968b4f5e";
constexpr const char* k_sign_auth_partner = "0073b5b6e36428d5f469ae927416d50b34ed92480534178c39c7347be0535402";

constexpr const char* k_base = "http://127.0.0.1:9090";
const std::string k_list_url = std::string(k_base) + "/api/v2/order/get_order_list";
const std::string k_detail_url = std::string(k_base) + "/api/v2/order/get_order_detail";
const std::string k_refresh_url = std::string(k_base) + "/api/v2/auth/access_token/get";
const std::string k_token_get_url = std::string(k_base) + "/api/v2/auth/token/get";
const std::string k_shop_query = fmt::format("?partner_id=2001887&timestamp=1655714431&access_token={}&shop_id=14701711",
                                             k_access_token);
const std::string k_detail_fields =
    "buyer_username,recipient_address,item_list,pay_time,total_amount,package_list,shipping_carrier,"
    "payment_method,note,cancel_reason,buyer_cancel_reason,estimated_shipping_fee,actual_shipping_fee";

// 2022-06-10T00:00:00Z .. 2022-06-20T00:00:00Z.
const Window k_window{utc(2022, 6, 10), utc(2022, 6, 20, 0, 0, 1)}; // time_to names its last second
const std::string k_window_query = "&time_range_field=update_time&time_from=1654819200&time_to=1655683200&page_size=100";

std::string fixture(const std::string& name)
{
  return testing::read_fixture("shopee", name);
}

// The value of one query parameter of a URL, verbatim (still encoded).
std::string query_value(const std::string& url, const std::string& name)
{
  const auto question = url.find('?');
  if (question == std::string::npos) {
    return {};
  }
  std::string query = url.substr(question + 1);
  std::size_t start = 0;
  while (start <= query.size()) {
    const auto amp = query.find('&', start);
    const std::string part = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (part.starts_with(name + "=")) {
      return part.substr(name.size() + 1);
    }
    if (amp == std::string::npos) {
      break;
    }
    start = amp + 1;
  }
  return {};
}

std::string path_of(const std::string& url)
{
  const auto start = url.find("/api/");
  return url.substr(start, url.find('?') == std::string::npos ? std::string::npos : url.find('?') - start);
}

struct Harness
{
  testing::FakeHttp http;
  ManualClock clock{TimePoint{std::chrono::seconds{k_timestamp}}};
  MemoryTokens tokens;
  ChannelContext context;

  Harness()
  {
    context.name = "shopee-sg";
    context.settings = {{"base_url", k_base}, {"partner_id", k_partner_id}, {"shop_id", k_shop_id}, {"region", "SG"}};
    context.secrets = {{"partner_key", k_partner_key}};
    context.http = &http;
    context.clock = &clock;
    context.tokens = &tokens;
  }

  void store_token(std::string value, Millis left, std::string refresh)
  {
    tokens.tokens["access_token"] = Token{std::move(value), clock.now() + left, std::move(refresh)};
  }

  Token stored() { return tokens.tokens.at("access_token"); }

  std::unique_ptr<Connector> make() { return shopee::spec().make(context); }
};

net::HttpResult respond(int status, std::string body)
{
  net::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string token_reply(const std::string& access, const std::string& refresh, int expire_in = 14400)
{
  return json{{"access_token", access}, {"refresh_token", refresh}, {"expire_in", expire_in}, {"partner_id", 2001887},
              {"shop_id", 14701711},    {"request_id", "r-token"},  {"error", ""},           {"message", ""}}
      .dump();
}

std::string list_reply(const std::vector<std::string>& order_sns, bool more = false, const std::string& next = "",
                       const std::string& request_id = "r-list")
{
  json list = json::array();
  for (const auto& sn : order_sns) {
    list.push_back({{"order_sn", sn}, {"booking_sn", ""}});
  }
  return json{{"error", ""},
              {"message", ""},
              {"request_id", request_id},
              {"response", {{"more", more}, {"next_cursor", next}, {"order_list", list}}}}
      .dump();
}

const std::string k_empty_list = list_reply({});

// A minimal detail element for order `sn`.
json detail_of(const std::string& sn, const std::string& status = "READY_TO_SHIP")
{
  return {{"order_sn", sn},
          {"currency", "SGD"},
          {"order_status", status},
          {"create_time", 1655700000},
          {"update_time", 1655710000},
          {"item_list",
           {{{"item_id", 1}, {"model_id", 0}, {"order_item_id", 1}, {"model_quantity_purchased", 1},
             {"model_original_price", 1.5}, {"model_discounted_price", 1.5}}}}};
}

// Answers get_order_detail from the order_sn_list it is asked for.
net::HttpResult detail_for(const net::Request& request)
{
  std::string list = query_value(request.url, "order_sn_list");
  json orders = json::array();
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = list.find(',', start);
    orders.push_back(detail_of(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return respond(200, json{{"error", ""}, {"request_id", fmt::format("r-detail-{}", orders.size())},
                           {"response", {{"order_list", orders}}}}
                          .dump());
}

} // namespace

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
