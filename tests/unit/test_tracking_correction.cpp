#include "uoms/channels.hpp"
#include "uoms/upload_tracking.hpp"

#include "tests/support/fake_http.hpp"
#include "tests/support/pass_env.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>

// Corrections of uploaded numbers (`uoms tracking correct`) through the outbox: the store's
// transitions, and whole upload-tracking passes over the real Coupang connector whose HTTP
// is a small marketplace in memory (order sheets by orderId and orders/updateInvoices).
using uoms::ExitCode;
using uoms::OrderStatus;
using json = nlohmann::json;

namespace {

constexpr const char* k_now = "2026-11-22T00:00:00.000Z";

// Coupang as the connector sees it: one box per order, shipped, holding an invoice.
struct CoupangMarket
{
  struct Box
  {
    long long order = 0;
    std::string status = "DEPARTURE";
    std::string invoice;
    std::string company = "CJ 대한통운";
    bool cancelled = false;
  };
  std::map<long long, Box> boxes;     // by shipmentBoxId
  std::vector<std::string> corrected; // "box=number" per updateInvoices DTO accepted, in arrival order

  json sheet(long long id, const Box& b) const
  {
    return {{"shipmentBoxId", id},
            {"orderId", b.order},
            {"status", b.status},
            {"orderedAt", "2025-07-29T10:00:00.000000+09:00"},
            {"orderItems",
             {{{"vendorItemId", id * 10},
               {"shippingCount", 1},
               {"cancelCount", b.cancelled ? 1 : 0},
               {"canceled", b.cancelled},
               {"holdCountForCancel", 0},
               {"salesPrice", {{"currencyCode", "KRW"}, {"units", 1000}, {"nanos", 0}}},
               {"orderPrice", {{"currencyCode", "KRW"}, {"units", 1000}, {"nanos", 0}}}}}},
            {"invoiceNumber", b.invoice},
            {"deliveryCompanyName", b.invoice.empty() ? "" : b.company}};
  }

  uoms::net::HttpResult answer(const uoms::net::Request& r)
  {
    uoms::net::Response response;
    response.status = 200;
    if (r.method == "POST" && r.url.ends_with("/orders/updateInvoices")) {
      json list = json::array();
      const json body = json::parse(r.body);
      for (const auto& dto : body["orderSheetInvoiceApplyDtos"]) {
        const long long id = dto["shipmentBoxId"];
        auto& b = boxes.at(id);
        b.invoice = dto["invoiceNumber"];
        b.company = dto["deliveryCompanyCode"] == "HANJIN" ? "한진택배" : "CJ 대한통운";
        corrected.push_back(std::to_string(id) + "=" + b.invoice);
        list.push_back({{"shipmentBoxId", id}, {"succeed", true}, {"resultCode", "OK"}, {"retryRequired", false},
                        {"resultMessage", nullptr}});
      }
      response.body = json{{"code", "200"}, {"message", "OK"},
                           {"data", {{"responseCode", 0}, {"responseMessage", "SUCCESS"}, {"responseList", list}}}}
                        .dump();
      return response;
    }
    // GET v5 …/{orderId}/ordersheets
    const auto end = r.url.rfind("/ordersheets");
    const auto start = r.url.rfind('/', end - 1) + 1;
    const long long order = std::stoll(r.url.substr(start, end - start));
    json data = json::array();
    for (const auto& [id, b] : boxes) {
      if (b.order == order) data.push_back(sheet(id, b));
    }
    response.body = json{{"code", 200}, {"message", "OK"}, {"data", data}}.dump();
    return response;
  }
};

class Fixture
{
public:
  Fixture()
  {
    uoms::channels::Changes c;
    c.set["vendor_id"] = "A00012345";
    c.set["base_url"] = "http://127.0.0.1:9";
    c.secrets["access_key"] = "coupang-unit-access";
    c.secrets["secret_key"] = "coupang-unit-secret";
    m_channel = env.add_channel("cp", "coupang", c);
    http.handler = [this](const uoms::net::Request& r) { return market.answer(r); };
  }

  // A collected order with one box holding `number` (uploaded by uoms).
  std::int64_t uploaded(long long order, long long box, const std::string& number,
                        OrderStatus status = OrderStatus::shipped)
  {
    uoms::Order o;
    o.external_id = std::to_string(order);
    o.status = status;
    o.raw_status = "DEPARTURE";
    o.currency = "KRW";
    o.raw = "{}";
    uoms::OrderItem item;
    item.external_id = std::to_string(box) + "-" + std::to_string(box * 10);
    item.shipment_key = std::to_string(box);
    item.quantity = 1;
    item.status = status;
    item.raw_status = "DEPARTURE";
    o.items.push_back(item);
    const auto row = uoms::store::Orders(env.db()).upsert(m_channel, o, {.job_id = 1, .now = k_now});
    uoms::store::Shipments shipments(env.db());
    shipments.add({row.order_row_id, std::to_string(box)}, "CJ", number, "import", k_now);
    const auto s = shipments.find(row.order_row_id, std::to_string(box));
    shipments.mark(s->id, "uploaded", {}, 1, k_now);
    market.boxes[box] = {order, "DEPARTURE", number};
    return s->id;
  }

  uoms::store::ShipmentRow row(std::int64_t id)
  {
    for (auto& s : uoms::store::Shipments(env.db()).list({})) {
      if (s.id == id) return s;
    }
    FAIL("no shipment " << id);
    return {};
  }

  uoms::upload::Report run()
  {
    uoms::upload::Options options;
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

  PassEnv env{"correct"};
  uoms::testing::FakeHttp http;
  CoupangMarket market;

private:
  std::int64_t m_channel = 0;
};

} // namespace

TEST_CASE("Shipments corrections")
{
  Fixture f;
  uoms::store::Shipments shipments(f.env.db());
  const auto id = f.uploaded(1, 100, "111111111111");

  SUBCASE("queued only on an uploaded number; set --replace never touches it")
  {
    CHECK(shipments.queue_correction(id, "HANJIN", "222222222222", k_now));
    auto s = f.row(id);
    CHECK(s.state == "correct");
    CHECK(s.tracking_number == "111111111111");
    CHECK(s.correction_carrier == "HANJIN");
    CHECK(s.correction_number == "222222222222");
    CHECK_FALSE(shipments.replace(id, "CJ", "333333333333", k_now));
    // A queued correction may be replaced by another; in flight it may not.
    CHECK(shipments.queue_correction(id, "CJ", "333333333333", k_now));
    shipments.mark(id, "correcting", {}, 2, k_now);
    CHECK_FALSE(shipments.queue_correction(id, "CJ", "444444444444", k_now));
    CHECK_FALSE(shipments.drop_correction(id, k_now));
    CHECK(f.row(id).correction_number == "333333333333");
  }

  SUBCASE("a retryable failure goes back to correct; taken, the new number is the uploaded one")
  {
    shipments.queue_correction(id, "HANJIN", "222222222222", k_now);
    shipments.mark(id, "correcting", {}, 2, k_now);
    shipments.retry_later(id, "throttled", k_now, 10, 2, k_now);
    CHECK(f.row(id).state == "correct");
    CHECK(f.row(id).attempts == 1);
    shipments.mark(id, "correcting", {}, 2, k_now);
    shipments.corrected(id, {}, 2, k_now);
    const auto s = f.row(id);
    CHECK(s.state == "uploaded");
    CHECK(s.carrier == "HANJIN");
    CHECK(s.tracking_number == "222222222222");
    CHECK(s.correction_number.empty());
    CHECK(s.corrected_at == k_now);
  }

  SUBCASE("a pending number never takes a correction; a dropped correction leaves the uploaded number")
  {
    const auto other = f.uploaded(2, 200, "555555555555");
    shipments.mark(other, "pending", {}, 1, k_now);
    CHECK_FALSE(shipments.queue_correction(other, "CJ", "666666666666", k_now));
    shipments.queue_correction(id, "HANJIN", "222222222222", k_now);
    shipments.mark(id, "attention", "refused", 2, k_now);
    CHECK(shipments.drop_correction(id, k_now));
    const auto s = f.row(id);
    CHECK(s.state == "uploaded");
    CHECK(s.tracking_number == "111111111111");
    CHECK(s.correction_number.empty());
  }

  SUBCASE("a collect that sees the new number settles the correction; the old one changes nothing")
  {
    shipments.queue_correction(id, "HANJIN", "222222222222", k_now);
    const auto s = f.row(id);
    shipments.record_marketplace({s.order_row_id, s.shipment_key}, "CJ", "111111111111", 3, k_now);
    CHECK(f.row(id).state == "correct");
    shipments.record_marketplace({s.order_row_id, s.shipment_key}, "HANJIN", "222222222222", 3, k_now);
    CHECK(f.row(id).state == "uploaded");
    CHECK(f.row(id).tracking_number == "222222222222");
    CHECK(f.row(id).correction_number.empty());
  }
}

TEST_CASE("upload::run sends corrections")
{
  Fixture f;
  uoms::store::Shipments shipments(f.env.db());
  const auto id = f.uploaded(1, 100, "111111111111");
  const auto other = f.uploaded(2, 200, "555555555555");

  SUBCASE("once, through updateInvoices; a second pass sends nothing")
  {
    shipments.queue_correction(id, "HANJIN", "222222222222", k_now);
    auto first = f.run();
    CHECK(first.exit_code == ExitCode::ok);
    REQUIRE(first.channels.size() == 1);
    CHECK(first.channels[0].corrected == 1);
    CHECK(f.market.corrected == std::vector<std::string>{"100=222222222222"});
    CHECK(f.row(id).state == "uploaded");
    CHECK(f.row(id).tracking_number == "222222222222");
    CHECK(f.row(id).carrier == "HANJIN");
    CHECK(f.row(other).tracking_number == "555555555555");
    auto details = uoms::store::Jobs(f.env.db()).details(first.job_id, {.action = "corrected"});
    REQUIRE(details.size() == 1);
    CHECK(details[0].error == "HANJIN 222222222222 replaces CJ 111111111111");
    CHECK(uoms::store::Jobs(f.env.db()).find(first.job_id)->succeeded == 1);

    auto second = f.run();
    CHECK(second.channels[0].corrected == 0);
    CHECK(f.market.corrected.size() == 1);
  }

  SUBCASE("left `correcting` by a crash: settled by reading back, never sent blindly")
  {
    const auto third = f.uploaded(3, 300, "777777777777");
    for (const auto s : {id, other, third}) {
      shipments.queue_correction(s, "CJ", "88888888888" + std::to_string(s), k_now);
      shipments.mark(s, "correcting", {}, 2, k_now);
    }
    // 100's call arrived before the crash; 200's never left; 300 was changed in WING.
    f.market.boxes[100].invoice = "88888888888" + std::to_string(id);
    f.market.boxes[300].invoice = "999999999999";
    auto report = f.run();
    CHECK(report.channels[0].settled == 3);
    CHECK(f.market.corrected == std::vector<std::string>{"200=88888888888" + std::to_string(other)});
    CHECK(f.row(id).state == "uploaded");
    CHECK(f.row(id).tracking_number == "88888888888" + std::to_string(id));
    CHECK(f.row(other).state == "uploaded");
    CHECK(f.row(other).tracking_number == "88888888888" + std::to_string(other));
    CHECK(f.row(third).state == "attention");
    CHECK(f.row(third).tracking_number == "777777777777");
    CHECK(f.row(third).last_error
          == "settled by reading back: the marketplace holds another tracking number (CJ 999999999999) "
             "(the marketplace keeps CJ 777777777777)");
    CHECK(report.exit_code == ExitCode::partial);
  }

  SUBCASE("a cancelled order is never corrected")
  {
    shipments.queue_correction(id, "HANJIN", "222222222222", k_now);
    f.market.boxes[100].cancelled = true;
    auto report = f.run();
    CHECK(f.market.corrected.empty());
    const auto s = f.row(id);
    CHECK(s.state == "attention");
    CHECK(s.tracking_number == "111111111111");
    CHECK(s.correction_number == "222222222222");
    CHECK(s.last_error.starts_with("order 1 became cancelled since the last collect: the correction is not sent"));
    CHECK(report.exit_code == ExitCode::partial);
  }
}
