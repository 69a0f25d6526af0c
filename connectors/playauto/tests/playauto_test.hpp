#pragma once

// What the PlayAuto connector tests share: URLs, canned replies and a harness around FakeHttp.
#include "connectors/playauto/playauto.hpp"

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

namespace playauto_test {

constexpr const char* k_base = "http://127.0.0.1:9090";
constexpr const char* k_auth_url = "http://127.0.0.1:9090/api/auth";
constexpr const char* k_orders_url = "http://127.0.0.1:9090/api/orders";
constexpr const char* k_api_key = "pa-api-key-7f3e9a";
constexpr const char* k_password = "pw-zx81-secret";
constexpr const char* k_auth_body = R"({"email":"seller@example.com","password":"pw-zx81-secret"})";

inline std::string fixture(const std::string& name)
{
  return testing::read_fixture("playauto", name);
}

// KST 2026-04-01 00:00:00 .. 23:59:59.
const Window k_window{utc(2026, 3, 31, 15), utc(2026, 4, 1, 15)}; // 2026-04-01 KST, all of it

inline std::string orders_body(long long start, int length, std::string_view date_type = "mdate",
                        std::string_view sdate = "2026-04-01", std::string_view edate = "2026-04-01")
{
  return fmt::format(R"({{"start":{},"length":{},"orderby":"wdate desc","date_type":"{}","sdate":"{}","edate":"{}","status":["ALL"]}})",
                     start, length, date_type, sdate, edate);
}

constexpr const char* k_empty = R"({"results":[],"results_prod":[],"recordsTotal":0,"recordsFiltered":0})";

inline std::string token_reply(const std::string& token)
{
  return json::array({{{"token", token}, {"sol_no", 123456}}}).dump();
}

struct Harness
{
  testing::FakeHttp http;
  ManualClock clock{utc(2026, 4, 2, 1)};
  MemoryTokens tokens;
  ChannelContext context;

  Harness()
  {
    context.name = "playauto-main";
    context.settings = {{"base_url", k_base}, {"email", "seller@example.com"}};
    context.secrets = {{"api_key", k_api_key}, {"password", k_password}};
    context.http = &http;
    context.clock = &clock;
    context.tokens = &tokens;
    context.token_margin = 5min;
  }

  void cache_token(std::string value, Millis left) { tokens.tokens["token"] = Token{std::move(value), clock.now() + left, ""}; }

  std::unique_ptr<Connector> make() { return playauto::spec().make(context); }
};

} // namespace playauto_test

using namespace playauto_test;
