#include "uoms/collect.hpp"

#include "tests/support/connector_test.hpp"
#include "tests/support/fake_http.hpp"
#include "tests/support/pass_env.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <memory>

// A whole collect pass over an HTTP kind (Coupang), its requests answered by the
// recording fake client that the pass's HTTP factory hands out.
using namespace std::chrono_literals;
using uoms::ExitCode;
using uoms::testing::FakeHttp;

namespace {

// One signed ordersheets page: the fixture's boxes, or the ones given, and a nextToken.
std::string page(const std::string& next_token, std::optional<nlohmann::json> data = std::nullopt)
{
  auto body = nlohmann::json::parse(uoms::testing::read_fixture("coupang", "ordersheets_instruct.json"));
  if (data) body["data"] = *data;
  body["nextToken"] = next_token;
  return body.dump();
}

std::string query_value(const std::string& url, const std::string& key)
{
  const auto at = url.find(key + "=");
  if (at == std::string::npos) return {};
  const auto from = at + key.size() + 1;
  return url.substr(from, url.find('&', from) - from);
}

// The pass's factory: every channel client is `http`, and the options it was made with
// are kept for the test to read.
struct FakeFactory
{
  FakeHttp http;
  std::vector<uoms::net::HttpOptions> options;

  uoms::channels::HttpFactory make()
  {
    return [this](const uoms::net::HttpOptions& o) -> std::unique_ptr<uoms::net::HttpClient> {
      options.push_back(o);
      struct Forward : uoms::net::HttpClient
      {
        FakeHttp* fake;
        uoms::net::HttpResult send(const uoms::net::Request& r) override { return fake->send(r); }
      };
      auto client = std::make_unique<Forward>();
      client->fake = &http;
      return client;
    };
  }
};

uoms::net::Response ok(std::string body)
{
  uoms::net::Response r;
  r.status = 200;
  r.body = std::move(body);
  return r;
}

} // namespace

TEST_CASE("collect::run over an HTTP connector")
{
  PassEnv env("collect-http");
  uoms::channels::Changes c;
  c.set["vendor_id"] = "A00012345";
  c.set["base_url"] = "http://127.0.0.1:9";
  c.set["statuses"] = "INSTRUCT";
  c.secrets["access_key"] = "AK-collect-http-0001";
  c.secrets["secret_key"] = "SK-collect-http-0002";
  const auto channel = env.add_channel("coupang-main", "coupang", c);
  FakeFactory factory;

  uoms::collect::Options options;
  options.since = *uoms::parse_time("2025-07-31T15:00:00Z");
  options.until = *uoms::parse_time("2025-07-31T16:00:00Z");

  SUBCASE("pages follow the cursor; each is committed with its details; a rerun changes nothing")
  {
    auto second_box = nlohmann::json::parse(page(""))["data"][2];
    second_box["orderId"] = 4000019479999;
    second_box["shipmentBoxId"] = 606920999;
    factory.http.handler = [&](const uoms::net::Request& r) -> uoms::net::HttpResult {
      return ok(query_value(r.url, "nextToken") == "p2" ? page("", nlohmann::json::array({second_box})) : page("p2"));
    };

    auto report = uoms::collect::run(env.config, options, env.clock, factory.make());
    REQUIRE(factory.http.requests.size() == 2);
    const auto& first = factory.http.requests[0];
    CHECK(first.url.starts_with("http://127.0.0.1:9/v2/providers/openapi/apis/api/v5/vendors/A00012345/ordersheets?"));
    CHECK(query_value(first.url, "status") == "INSTRUCT");
    CHECK(query_value(first.url, "nextToken").empty());
    CHECK(uoms::testing::header(first, "Authorization").starts_with("CEA algorithm=HmacSHA256, access-key=AK-collect-http-0001"));
    CHECK(query_value(factory.http.requests[1].url, "nextToken") == "p2");
    // The client was built from the channel's kind and the config, before the connector.
    REQUIRE(factory.options.size() == 1);
    CHECK(factory.options[0].rate_limit > 0);
    CHECK(factory.options[0].allowed_hosts == std::vector<std::string>{"loopback"});

    REQUIRE(report.channels.size() == 1);
    const auto& ch = report.channels[0];
    CHECK(ch.created == 3);
    CHECK(ch.failed == 1); // the fixture's box with orderedAt "yesterday"
    CHECK(ch.pages == 2);
    CHECK(ch.requests == 2);
    CHECK(ch.status == "partial");
    CHECK(report.exit_code == ExitCode::partial);
    CHECK(uoms::store::Channels(env.db()).count_orders(channel) == 3);
    auto windows = uoms::store::CollectState(env.db()).windows(channel);
    REQUIRE(windows.size() == 1);
    CHECK(windows[0].status == "complete");
    CHECK(windows[0].pages == 2);
    CHECK(windows[0].records == 4);
    auto created = uoms::store::Jobs(env.db()).details(report.job_id, {.action = "created"});
    CHECK(created.size() == 3);
    auto failed = uoms::store::Jobs(env.db()).details(report.job_id, {.status = "failed"});
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].external_id == "4000019470001");
    CHECK_FALSE(failed[0].payload.empty());

    const auto items = env.db().count("order_items");
    auto again = uoms::collect::run(env.config, options, env.clock, factory.make());
    CHECK(again.channels[0].created == 0);
    CHECK(again.channels[0].updated == 0);
    CHECK(again.channels[0].unchanged == 3);
    CHECK(uoms::store::Channels(env.db()).count_orders(channel) == 3);
    CHECK(env.db().count("order_items") == items);
  }

  SUBCASE("the client's rate limit: the channel's own, else [kinds.X], else the kind's default")
  {
    factory.http.handler = [&](const uoms::net::Request&) -> uoms::net::HttpResult { return ok(page("")); };
    uoms::collect::run(env.config, options, env.clock, factory.make());
    env.config.kinds["coupang"].rate_limit = 2.5;
    env.config.kinds["coupang"].page_size = 20;
    uoms::collect::run(env.config, options, env.clock, factory.make());
    uoms::channels::Changes own;
    own.set["rate_limit"] = "1.5";
    uoms::channels::update(env.db(), *env.key, "coupang-main", own, "2026-11-22T00:00:00.000Z");
    uoms::collect::run(env.config, options, env.clock, factory.make());
    REQUIRE(factory.options.size() == 3);
    CHECK(factory.options[0].rate_limit == uoms::connectors::find_kind("coupang")->default_rate_limit);
    CHECK(factory.options[1].rate_limit == 2.5);
    CHECK(factory.options[2].rate_limit == 1.5);
  }

  SUBCASE("a next token that does not advance stops the window instead of looping")
  {
    factory.http.handler = [&](const uoms::net::Request&) -> uoms::net::HttpResult { return ok(page("again")); };
    auto report = uoms::collect::run(env.config, options, env.clock, factory.make());
    CHECK(factory.http.requests.size() == 2);
    REQUIRE(report.channels.size() == 1);
    CHECK(report.channels[0].status == "partial"); // the first page was saved
    CHECK(report.channels[0].error == "GET ordersheets (status INSTRUCT): nextToken again did not advance");
    auto windows = uoms::store::CollectState(env.db()).windows(channel);
    REQUIRE(windows.size() == 1);
    CHECK(windows[0].status == "failed");
    CHECK(windows[0].pages == 1);
    // The watermark did not move past a window that did not complete.
    CHECK_FALSE(uoms::store::CollectState(env.db()).state(channel, uoms::collect::k_watermark_key));
  }

  SUBCASE("a rejected signature fails the channel as the operator's to fix, with the marketplace's words")
  {
    factory.http.handler = [&](const uoms::net::Request&) -> uoms::net::HttpResult {
      uoms::net::Response r;
      r.status = 401;
      r.body = R"({"code":"ERROR","message":"Invalid signature"})";
      return r;
    };
    auto report = uoms::collect::run(env.config, options, env.clock, factory.make());
    REQUIRE(report.channels.size() == 1);
    CHECK(report.channels[0].status == "failed");
    CHECK(report.channels[0].auth_error);
    CHECK(report.channels[0].http_status == 401);
    CHECK(report.exit_code == ExitCode::config);
    CHECK(env.db().count("orders") == 0);
  }
}
