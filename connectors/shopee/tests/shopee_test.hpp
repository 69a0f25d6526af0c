#pragma once

// What the Shopee connector tests share: the shopee.md 1.11 vectors, canned replies and a harness around FakeHttp.
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

namespace shopee_test {

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

inline std::string fixture(const std::string& name)
{
  return testing::read_fixture("shopee", name);
}

// The value of one query parameter of a URL, verbatim (still encoded).
inline std::string query_value(const std::string& url, const std::string& name)
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

inline std::string path_of(const std::string& url)
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

inline net::HttpResult respond(int status, std::string body)
{
  net::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

inline std::string token_reply(const std::string& access, const std::string& refresh, int expire_in = 14400)
{
  return json{{"access_token", access}, {"refresh_token", refresh}, {"expire_in", expire_in}, {"partner_id", 2001887},
              {"shop_id", 14701711},    {"request_id", "r-token"},  {"error", ""},           {"message", ""}}
      .dump();
}

inline std::string list_reply(const std::vector<std::string>& order_sns, bool more = false, const std::string& next = "",
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
inline json detail_of(const std::string& sn, const std::string& status = "READY_TO_SHIP")
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
inline net::HttpResult detail_for(const net::Request& request)
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

} // namespace shopee_test

using namespace shopee_test;
