#pragma once

// What the Smartstore connector's unit tests share: the published signing vector, the
// URLs, a harness around a recording FakeHttp with a manual clock and an in-memory token
// store, and the canned answers.

#include "connectors/smartstore/smartstore.hpp"

#include "tests/support/connector_test.hpp"
#include "tests/support/fake_http.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace uoms::testing::smartstore_tests {

using namespace uoms::connectors;
using namespace std::chrono_literals;
using json = nlohmann::json;

// The published vector of smartstore.md §1.1.
inline constexpr const char* k_client_id = "aaaabbbbcccc";
inline constexpr const char* k_client_secret = "$2a$10$abcdefghijklmnopqrstuv";
inline constexpr const char* k_sign_1643961623299 =
    "JDJhJDEwJGFiY2RlZmdoaWprbG1ub3BxcnN0dXVCVldZSk42T0VPdEx1OFY0cDQxa2IuTnpVaUEzbmsy";
inline constexpr const char* k_base = "http://127.0.0.1:9090";
inline constexpr const char* k_list_url = "http://127.0.0.1:9090/external/v1/pay-order/seller/product-orders/last-changed-statuses";
inline constexpr const char* k_query_url = "http://127.0.0.1:9090/external/v1/pay-order/seller/product-orders/query";
inline constexpr const char* k_token_url = "http://127.0.0.1:9090/external/v1/oauth2/token";

inline std::string fixture(const std::string& name)
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
inline const Window k_window{utc(2022, 4, 11, 15), utc(2022, 4, 12, 1) + 1ms}; // lastChangedTo is its last millisecond
inline const std::string k_first_query =
    "?lastChangedFrom=2022-04-12T00:00:00.000%2B09:00&lastChangedTo=2022-04-12T10:00:00.000%2B09:00&limitCount=300";

inline std::string token_reply(const std::string& token, int expires_in = 10800)
{
  return json{{"access_token", token}, {"expires_in", expires_in}, {"token_type", "Bearer"}}.dump();
}

inline constexpr const char* k_empty_list = R"({"timestamp":"2022-04-12T10:00:00.000+09:00","traceId":"t-empty"})";

} // namespace uoms::testing::smartstore_tests
