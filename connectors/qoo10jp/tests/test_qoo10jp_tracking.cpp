// The Qoo10 connector's write-back: SetSendingInfo per OrderNo line with the carrier's
// name, outcomes from ResultCode, read-back and refresh through GetShippingInfo_v2.
#include "connectors/qoo10jp/tests/qoo10jp_test.hpp"

namespace {

constexpr const char* k_sending_url =
    "http://127.0.0.1:9090/GMKT.INC.Front.QAPIService/ebayjapan.qapi/ShippingBasic.SetSendingInfo";

std::string result(int code, const std::string& message)
{
  return json{{"ResultCode", code}, {"ResultMsg", message}}.dump();
}

std::string lines_reply(const json& rows)
{
  return json{{"ResultCode", 0}, {"ResultMsg", "SUCCESS"}, {"ResultObject", rows}}.dump();
}

json line(const std::string& pack, const std::string& order_no, const std::string& tracking = "")
{
  return {{"packNo", pack},       {"orderNo", order_no},  {"orderDate", "2026-04-01 10:00:00"},
          {"orderQty", 1},        {"orderPrice", 1000},   {"shippingStatus", "配送中(4)"},
          {"TrackingNo", tracking}, {"DeliveryCompany", tracking.empty() ? "" : "ヤマト宅急便"}};
}

} // namespace

TEST_CASE("Qoo10Connector::upload_tracking")
{
  Harness h;
  h.cache_key("seller-key", 10h);
  auto connector = h.make();
  CHECK(connector->capabilities().tracking_batch == 50);

  SUBCASE("one SetSendingInfo per line, the carrier by its QSM name")
  {
    // A pack of two lines: its shipped lines are read first (ShippingStat 4, 5), none yet.
    h.http.reply(200, lines_reply(json::array()));
    h.http.reply(200, lines_reply(json::array()));
    h.http.reply(200, result(0, "SUCCESS"));
    h.http.reply(200, result(0, "SUCCESS"));
    const std::vector<TrackingUpload> uploads{{"5001234", "5001234", {"700000001", "700000002"}, "YAMATO", "1234-5678-9012"}};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    REQUIRE(h.http.requests.size() == 4);
    CHECK(h.http.requests[0].body.find("ShippingStat=4") != std::string::npos);
    CHECK(h.http.requests[1].body.find("ShippingStat=5") != std::string::npos);
    CHECK(h.http.requests[2].url == k_sending_url);
    CHECK(header(h.http.requests[2], "GiosisCertificationKey") == "seller-key");
    CHECK(h.http.requests[2].body
          == "OrderNo=700000001&ShippingCorp=%E3%83%A4%E3%83%9E%E3%83%88%E5%AE%85%E6%80%A5%E4%BE%BF&TrackingNo=1234-5678-"
             "9012&returnType=application%2Fjson");
    CHECK(h.http.requests[3].body.starts_with("OrderNo=700000002&"));
  }
  SUBCASE("a line that already holds the number (an earlier try cut off mid-pack) is not sent again")
  {
    h.http.reply(200, lines_reply(json::array({line("5001234", "700000001", "1234-5678-9012")})));
    h.http.reply(200, lines_reply(json::array()));
    h.http.reply(200, result(0, "SUCCESS"));
    const std::vector<TrackingUpload> uploads{{"5001234", "5001234", {"700000001", "700000002"}, "YAMATO", "1234-5678-9012"}};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    REQUIRE(h.http.requests.size() == 3);
    CHECK(h.http.requests[2].url == k_sending_url);
    CHECK(h.http.requests[2].body.starts_with("OrderNo=700000002&"));
  }
  SUBCASE("ResultCode, not the HTTP status, decides; a throttled line holds the rest of its pack")
  {
    h.http.reply(200, lines_reply(json::array())); // P2's shipped lines: none
    h.http.reply(200, lines_reply(json::array()));
    h.http.reply(200, result(-10001, "Order not found."));
    h.http.reply(429, result(-10101, "Too many requests"));
    h.http.reply(200, result(0, "SUCCESS"));
    const std::vector<TrackingUpload> uploads{{"P1", "P1", {"L1"}, "SAGAWA", "N1"},
                                              {"P2", "P2", {"L2", "L3"}, "SAGAWA", "N2"},
                                              {"P4", "P4", {"L4"}, "JAPANPOST", "N4"},
                                              {"P5", "P5", {"L5"}, "CJ", "N5"}};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    REQUIRE(outcomes->size() == 4);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason
          == "OrderNo L1: POST ShippingBasic.SetSendingInfo (OrderNo L1): ResultCode -10001 Order not found.");
    CHECK((*outcomes)[1].status == WriteStatus::retry_later);
    CHECK((*outcomes)[2].status == WriteStatus::done);
    CHECK((*outcomes)[3].status == WriteStatus::rejected);
    CHECK((*outcomes)[3].reason == "carrier \"CJ\" has no Qoo10 ShippingCorp name");
    CHECK(h.http.requests.size() == 5); // the read; L3 waits after L2's 429; CJ is never sent
  }
}

TEST_CASE("Qoo10Connector::read_tracking and refresh_orders")
{
  Harness h;
  h.cache_key("seller-key", 10h);
  auto connector = h.make();

  SUBCASE("lines of ShippingStat 4 and 5 by shipped date")
  {
    h.http.reply(200, lines_reply({line("P1", "L1", "N1"), line("P2", "L2")}));
    h.http.reply(200, lines_reply(json::array()));
    const std::vector<TrackingUpload> uploads{{"P1", "P1", {"L1"}, "YAMATO", "N1"}, {"P2", "P2", {"L2"}, "YAMATO", "N2"},
                                              {"P3", "P3", {"L3"}, "YAMATO", "N3"}};
    const auto held = connector->read_tracking(uploads);
    REQUIRE(held);
    REQUIRE(held->size() == 3);
    CHECK((*held)[0].found);
    CHECK((*held)[0].tracking_number == "N1");
    CHECK((*held)[0].carrier == "ヤマト宅急便");
    CHECK_FALSE((*held)[1].found);
    CHECK_FALSE((*held)[2].found);
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].url == k_orders_url);
    CHECK(h.http.requests[0].body.starts_with("ShippingStat=4&search_Sdate=20260326100000&search_Edate=20260402100000&search_condition=3&"));
    CHECK(h.http.requests[1].body.starts_with("ShippingStat=5&"));
  }
  SUBCASE("the configured statuses over max_window_days; other packs left out")
  {
    h.http.reply(200, lines_reply({line("P1", "L1"), line("P9", "L9")}));
    const std::vector<std::string> ids{"P1", "P2"};
    const auto orders = connector->refresh_orders(ids);
    REQUIRE(orders);
    REQUIRE(orders->size() == 1);
    CHECK((*orders)[0].external_id == "P1");
    CHECK(h.http.requests[0].body.starts_with("ShippingStat=2&"));
    CHECK(h.http.requests[0].body.find("search_condition=2") != std::string::npos);
  }
}
