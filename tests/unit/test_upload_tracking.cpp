#include "uoms/channels.hpp"
#include "uoms/upload_tracking.hpp"

#include "tests/support/fake_http.hpp"
#include "tests/support/pass_env.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>

// A whole upload-tracking pass over a real connector (Qoo10: one SetSendingInfo per line)
// whose HTTP is a small marketplace in memory, to check the outbox: exactly once, settled
// by reading back, re-checked before sending, nothing sent in a dry run.
using namespace std::chrono_literals;
using uoms::ExitCode;
using uoms::OrderStatus;
using json = nlohmann::json;

namespace {

// Qoo10 as the connector sees it: packs with one line each, shippable (ShippingStat 2)
// until a tracking number arrives (then 4, with the number).
struct Qoo10Market
{
  struct Pack
  {
    std::string line;
    std::string tracking;
    bool cancelled = false;
  };
  std::map<std::string, Pack> packs;
  std::vector<std::string> received; // OrderNo=TrackingNo, in arrival order

  static std::string param(const std::string& body, const std::string& key)
  {
    const auto at = body.find(key + "=");
    if (at == std::string::npos) return {};
    const auto from = at + key.size() + 1;
    return body.substr(from, body.find('&', from) - from);
  }

  uoms::net::HttpResult answer(const uoms::net::Request& r)
  {
    uoms::net::Response response;
    response.status = 200;
    if (r.url.ends_with("ShippingBasic.SetSendingInfo")) {
      const auto line = param(r.body, "OrderNo");
      const auto number = param(r.body, "TrackingNo");
      received.push_back(line + "=" + number);
      for (auto& [pack, p] : packs) {
        if (p.line == line) p.tracking = number;
      }
      response.body = json{{"ResultCode", 0}, {"ResultMsg", "SUCCESS"}}.dump();
      return response;
    }
    const auto stat = param(r.body, "ShippingStat");
    json rows = json::array();
    for (const auto& [pack, p] : packs) {
      const bool shipped = !p.tracking.empty();
      if (p.cancelled || (stat == "2") == shipped) continue;
      rows.push_back({{"packNo", pack}, {"orderNo", p.line}, {"orderDate", "2026-11-21 10:00:00"},
                      {"orderQty", 1}, {"orderPrice", 1000},
                      {"shippingStatus", shipped ? "配送中(4)" : "配送要請(2)"}, {"TrackingNo", p.tracking},
                      {"DeliveryCompany", shipped ? "ヤマト宅急便" : ""}});
    }
    response.body = json{{"ResultCode", 0}, {"ResultMsg", "SUCCESS"}, {"ResultObject", rows}}.dump();
    return response;
  }
};

class Fixture
{
public:
  Fixture()
  {
    uoms::channels::Changes c;
    c.set["user_id"] = "seller01";
    c.set["base_url"] = "http://127.0.0.1:9";
    c.set["statuses"] = "2";
    c.secrets["api_key"] = "qoo10-unit-api-key";
    c.secrets["password"] = "qoo10-unit-password";
    m_channel = env.add_channel("qoo10", "qoo10jp", c);
    // A certification key as an earlier pass would have stored it: no key call needed.
    uoms::channels::token_store(env.db(), *env.key, m_channel, env.clock)
      ->save("certification_key", {"seller-key", env.clock.now() + 10h, ""});
    http.handler = [this](const uoms::net::Request& r) { return market.answer(r); };
  }

  // A collected pack with one line, and its tracking number imported.
  void pack(const std::string& pack, const std::string& line, const std::string& carrier, const std::string& number,
            OrderStatus status = OrderStatus::paid)
  {
    uoms::Order o;
    o.external_id = pack;
    o.status = status;
    o.raw_status = "stored";
    o.currency = "JPY";
    o.raw = "{}";
    uoms::OrderItem item;
    item.external_id = line;
    item.shipment_key = pack;
    item.quantity = 1;
    item.status = status;
    item.raw_status = "stored";
    o.items.push_back(item);
    const auto row = uoms::store::Orders(env.db()).upsert(m_channel, o, {.job_id = 1, .now = "2026-11-21T00:00:00.000Z"});
    uoms::store::Shipments(env.db()).add({row.order_row_id, pack}, carrier, number, "import", "2026-11-21T00:00:00.000Z");
    market.packs[pack] = {line, "", false};
  }

  uoms::upload::Report run(uoms::upload::Options options = {})
  {
    options.retries = 0;
    return uoms::upload::run(env.config, options, env.clock, [this](const uoms::net::HttpOptions&) {
      struct Forward : uoms::net::HttpClient
      {
        uoms::testing::FakeHttp* fake = nullptr;
        uoms::net::HttpResult send(const uoms::net::Request& r) override { return fake->send(r); }
      };
      auto client = std::make_unique<Forward>();
      client->fake = &http;
      return std::unique_ptr<uoms::net::HttpClient>(std::move(client));
    });
  }

  std::string state(const std::string& pack)
  {
    for (const auto& s : uoms::store::Shipments(env.db()).list({})) {
      if (s.order_id == pack) return s.state;
    }
    return "(none)";
  }

  PassEnv env{"upload"};
  uoms::testing::FakeHttp http;
  Qoo10Market market;

private:
  std::int64_t m_channel = 0;
};

} // namespace

TEST_CASE("upload::run")
{
  Fixture f;
  f.pack("P1", "L1", "YAMATO", "1111-2222");
  f.pack("P2", "L2", "SAGAWA", "3333-4444");

  SUBCASE("every number once; a second pass sends nothing")
  {
    auto first = f.run();
    CHECK(first.exit_code == ExitCode::ok);
    REQUIRE(first.channels.size() == 1);
    CHECK(first.channels[0].uploaded == 2);
    CHECK(f.market.received == std::vector<std::string>{"L1=1111-2222", "L2=3333-4444"});
    CHECK(f.state("P1") == "uploaded");
    auto details = uoms::store::Jobs(f.env.db()).details(first.job_id, {.action = "uploaded"});
    CHECK(details.size() == 2);
    auto job = uoms::store::Jobs(f.env.db()).find(first.job_id);
    CHECK(job->kind == "upload-tracking");
    CHECK(job->succeeded == 2);

    auto second = f.run();
    CHECK(second.exit_code == ExitCode::ok);
    CHECK(second.channels[0].uploaded == 0);
    CHECK(f.market.received.size() == 2);
  }

  SUBCASE("a shipment left `sending` by a crash is settled by reading back, never sent twice")
  {
    // P1's call went out and arrived before the process died; P2's never left.
    auto p1 = uoms::store::Shipments(f.env.db()).list({})[0];
    uoms::store::Shipments(f.env.db()).mark(p1.id, "sending", {}, 1, "2026-11-21T00:00:00.000Z");
    f.market.packs["P1"].tracking = "1111-2222";
    auto p2 = uoms::store::Shipments(f.env.db()).list({})[1];
    uoms::store::Shipments(f.env.db()).mark(p2.id, "sending", {}, 1, "2026-11-21T00:00:00.000Z");
    auto report = f.run();
    CHECK(report.exit_code == ExitCode::ok);
    CHECK(report.channels[0].settled == 2);
    CHECK(f.market.received == std::vector<std::string>{"L2=3333-4444"});
    CHECK(f.state("P1") == "uploaded");
    CHECK(f.state("P2") == "uploaded");
  }

  SUBCASE("a number the marketplace holds under another value needs attention")
  {
    auto p1 = uoms::store::Shipments(f.env.db()).list({})[0];
    uoms::store::Shipments(f.env.db()).mark(p1.id, "sending", {}, 1, "2026-11-21T00:00:00.000Z");
    f.market.packs["P1"].tracking = "9999-0000";
    auto report = f.run();
    CHECK(report.exit_code == ExitCode::partial);
    CHECK(f.state("P1") == "attention");
    CHECK(f.market.received == std::vector<std::string>{"L2=3333-4444"});
  }

  SUBCASE("cancelled orders, carriers the kind cannot take and dry runs send nothing")
  {
    f.pack("P3", "L3", "YAMATO", "5555", OrderStatus::cancelled);
    f.pack("P4", "L4", "CJ", "6666");
    auto dry = f.run({.dry_run = true});
    CHECK(f.market.received.empty());
    CHECK(f.state("P1") == "pending");
    CHECK(f.state("P3") == "pending");
    REQUIRE(dry.channels.size() == 1);
    CHECK(dry.channels[0].planned.size() == 4);
    // The requests the real pass below sends, recorded by the connector instead of sent:
    // one SetSendingInfo per line, the form body as sent, no certification key.
    const auto& requests = dry.channels[0].requests;
    REQUIRE(requests.size() == 2);
    for (const auto& r : requests) {
      CHECK(r.method == "POST");
      CHECK(r.path == "/GMKT.INC.Front.QAPIService/ebayjapan.qapi/ShippingBasic.SetSendingInfo");
      CHECK(r.body.find("seller-key") == std::string::npos);
    }
    CHECK(requests[0].body == "OrderNo=L1&ShippingCorp=%E3%83%A4%E3%83%9E%E3%83%88%E5%AE%85%E6%80%A5%E4%BE%BF&TrackingNo=1111-2222&returnType=application%2Fjson");
    CHECK(requests[1].body.starts_with("OrderNo=L2&"));
    std::map<std::string, std::string> actions;
    for (const auto& p : dry.channels[0].planned) actions[p.order_id] = p.action;
    CHECK(actions == std::map<std::string, std::string>{{"P1", "would_send"}, {"P2", "would_send"}, {"P3", "skipped"},
                                                        {"P4", "failed"}});

    auto report = f.run();
    CHECK(f.market.received == std::vector<std::string>{"L1=1111-2222", "L2=3333-4444"});
    std::vector<std::string> sent;
    for (const auto& r : f.http.requests) {
      if (r.url.ends_with("ShippingBasic.SetSendingInfo")) sent.push_back(r.body);
    }
    CHECK(sent == std::vector<std::string>{requests[0].body, requests[1].body});
    CHECK(f.state("P3") == "skipped");
    CHECK(f.state("P4") == "failed");
    CHECK(report.channels[0].skipped == 1);
    CHECK(report.channels[0].failed == 1);
    CHECK(report.exit_code == ExitCode::partial);
    auto failed = uoms::store::Jobs(f.env.db()).details(report.job_id, {.action = "failed"});
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].error == "carrier CJ is not accepted by qoo10jp (see `uoms carriers list --kind qoo10jp`)");
  }
}
