#pragma once

// What the Qoo10 connector tests share: URLs, canned replies and a harness around FakeHttp.
#include "connectors/qoo10jp/qoo10jp.hpp"

#include "tests/support/connector_test.hpp"
#include "tests/support/fake_http.hpp"

#include <doctest/doctest.h>
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

namespace qoo10jp_test {

constexpr const char* k_base = "http://127.0.0.1:9090";
constexpr const char* k_key_url =
    "http://127.0.0.1:9090/GMKT.INC.Front.QAPIService/ebayjapan.qapi/CertificationAPI.CreateCertificationKey";
constexpr const char* k_orders_url =
    "http://127.0.0.1:9090/GMKT.INC.Front.QAPIService/ebayjapan.qapi/ShippingBasic.GetShippingInfo_v2";
constexpr const char* k_api_key = "QAPI-KEY-0123456789";
constexpr const char* k_password = "pa&ss word";
constexpr const char* k_key_body = "user_id=seller01&pwd=pa%26ss%20word&returnType=application%2Fjson";

inline std::string fixture(const std::string& name)
{
  return testing::read_fixture("qoo10jp", name);
}

// JST 2026-04-01 00:00:00 .. 23:59:59.
const Window k_window{utc(2026, 3, 31, 15), utc(2026, 4, 1, 15)}; // 2026-04-01 JST, all of it
const std::string k_orders_body_stat2 =
    "ShippingStat=2&search_Sdate=20260401000000&search_Edate=20260401235959&search_condition=2&returnType=application%2Fjson";

struct Harness
{
  testing::FakeHttp http;
  ManualClock clock{utc(2026, 4, 2, 1)};
  MemoryTokens tokens;
  ChannelContext context;

  Harness()
  {
    context.name = "qoo10-main";
    context.settings = {{"base_url", k_base}, {"user_id", "seller01"}, {"statuses", "2"}};
    context.secrets = {{"api_key", k_api_key}, {"password", k_password}};
    context.http = &http;
    context.clock = &clock;
    context.tokens = &tokens;
    context.token_margin = 5min;
  }

  void cache_key(std::string value, Millis left)
  {
    tokens.tokens["certification_key"] = Token{std::move(value), clock.now() + left, ""};
  }

  std::unique_ptr<Connector> make() { return qoo10jp::spec().make(context); }
};

inline std::string key_reply(const std::string& key)
{
  return json{{"ResultCode", 0}, {"ResultMsg", "SUCCESS"}, {"ResultObject", key}}.dump();
}

constexpr const char* k_empty = R"({"ResultCode":0,"ResultMsg":"SUCCESS","ResultObject":[]})";

} // namespace qoo10jp_test

using namespace qoo10jp_test;
