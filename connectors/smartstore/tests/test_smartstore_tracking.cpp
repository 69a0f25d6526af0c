#include "connectors/smartstore/tests/smartstore_harness.hpp"

#include "uoms/carriers.hpp"

using namespace uoms;
using namespace uoms::connectors;
using namespace uoms::testing::smartstore_tests;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::header;

namespace {

constexpr const char* k_confirm_url = "http://127.0.0.1:9090/external/v1/pay-order/seller/product-orders/confirm";
constexpr const char* k_dispatch_url = "http://127.0.0.1:9090/external/v1/pay-order/seller/product-orders/dispatch";
// The harness clock, 2022-02-04T08:00:23.299Z, in KST.
constexpr const char* k_dispatch_date = "2022-02-04T17:00:23.299+09:00";

// One product-orders/query element with the fields the mapping needs.
json element(const std::string& id, const std::string& order_id, const std::string& status,
             const std::string& place = "NOT_YET", const std::string& company = "", const std::string& number = "")
{
  json e{{"order", {{"orderId", order_id}, {"orderDate", "2022-02-04T10:00:00.000+09:00"}}},
         {"productOrder",
          {{"productOrderId", id}, {"productOrderStatus", status}, {"placeOrderStatus", place}, {"quantity", 1},
           {"unitPrice", 1000}}}};
  if (!number.empty()) {
    e["delivery"] = {{"deliveryCompany", company}, {"deliveryMethod", "DELIVERY"}, {"trackingNumber", number}};
  }
  return e;
}

std::string details(const json& elements)
{
  return json{{"timestamp", "2022-02-04T17:00:23.299+09:00"}, {"traceId", "t-q"}, {"data", elements}}.dump();
}

std::string outcome_reply(const json& success, const json& failed)
{
  return json{{"traceId", "t-d"}, {"data", {{"successProductOrderIds", success}, {"failProductOrderInfos", failed}}}}.dump();
}

json fail(const std::string& id, const std::string& code, const std::string& message)
{
  return {{"productOrderId", id}, {"code", code}, {"message", message}};
}

TrackingUpload upload(const std::string& id, const std::string& number, const std::string& carrier = "CJ")
{
  return {"O-" + id, id, {id}, carrier, number};
}

json dispatch_entry(const std::string& id, const std::string& code, const std::string& number)
{
  return {{"productOrderId", id}, {"deliveryMethod", "DELIVERY"}, {"deliveryCompanyCode", code},
          {"trackingNumber", number}, {"dispatchDate", k_dispatch_date}};
}

} // namespace

TEST_CASE("smartstore carrier row follows smartstore.md 1.8")
{
  const auto& row = smartstore::spec().carriers;
  CHECK(row.at("CJ") == "CJGLS");
  CHECK(row.at("LOTTE") == "HYUNDAI");
  CHECK(row.at("LOGEN") == "KGB");
  CHECK(row.at("CVSNET") == "CVSNET");
  CHECK(row.at("CUPARCEL") == "CUPARCEL");
  CHECK_FALSE(row.contains("DIRECT")); // a delivery method there, not a carrier
  for (const auto& [ours, theirs] : row) {
    CHECK_MESSAGE(carriers::find(ours) != nullptr, ours);
  }
  CHECK(smartstore::dispatch_time(testing::utc(2022, 4, 5, 3, 17, 35)) == "2022-04-05T12:17:35.000+09:00");
}

TEST_CASE("SmartstoreConnector::upload_tracking confirms, then dispatches")
{
  Harness h;
  h.cache_token("tok", 2h);
  auto connector = h.make();
  CHECK(connector->capabilities().tracking_batch == 30);
  h.http.reply(200, details(json::array({element("P1", "O1", "PAYED"), element("P2", "O2", "PAYED", "OK"),
                                         element("P3", "O3", "DELIVERING", "OK", "CJGLS", "630000000003")})));
  h.http.reply(200, outcome_reply(json::array({"P1"}), json::array()));
  h.http.reply(200, outcome_reply(json::array({"P1"}), json::array({fail("P2", "104122", "송장번호 오류")})));
  const std::vector<TrackingUpload> uploads = {upload("P1", "610000000001", "LOTTE"), upload("P2", "620000000002"),
                                               upload("P3", "630000000003")};
  const auto outcomes = connector->upload_tracking(uploads);
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 3);
  CHECK((*outcomes)[0].status == WriteStatus::done);
  CHECK((*outcomes)[1].status == WriteStatus::rejected);
  CHECK((*outcomes)[1].reason == "104122: 송장번호 오류");
  CHECK((*outcomes)[2].status == WriteStatus::already_there);

  REQUIRE(h.http.requests.size() == 3);
  CHECK(h.http.requests[0].url == k_query_url);
  CHECK(json::parse(h.http.requests[0].body)
        == json{{"productOrderIds", {"P1", "P2", "P3"}}, {"quantityClaimCompatibility", true}});
  CHECK(h.http.requests[1].url == k_confirm_url);
  CHECK(h.http.requests[1].method == "POST");
  CHECK(json::parse(h.http.requests[1].body) == json{{"productOrderIds", {"P1"}}});
  CHECK(header(h.http.requests[1], "Authorization") == "Bearer tok");
  CHECK(h.http.requests[2].url == k_dispatch_url);
  CHECK(h.http.requests[2].label == "POST product-orders/dispatch (2 ids)");
  CHECK(json::parse(h.http.requests[2].body)
        == json{{"dispatchProductOrders",
                 {dispatch_entry("P1", "HYUNDAI", "610000000001"), dispatch_entry("P2", "CJGLS", "620000000002")}}});
}

TEST_CASE("SmartstoreConnector::upload_tracking maps failProductOrderInfos codes")
{
  Harness h;
  h.cache_token("tok", 2h);
  auto connector = h.make();
  json elements = json::array();
  std::vector<TrackingUpload> uploads;
  for (int i = 1; i <= 7; ++i) {
    const std::string id = "P" + std::to_string(i);
    elements.push_back(element(id, "O" + std::to_string(i), "PAYED", "OK"));
    uploads.push_back(upload(id, "60000000000" + std::to_string(i)));
  }
  h.http.reply(200, details(elements));
  h.http.reply(200, outcome_reply(json::array(), json::array({fail("P1", "9999", "기타"), fail("P2", "104443", "발주 상태 확인 필요"),
                                                              fail("P3", "104442", "상품주문 상태 확인"),
                                                              fail("P4", "104121", "이미 사용된 송장"),
                                                              fail("P5", "105306", "현재 상태와 같음"),
                                                              fail("P6", "100001", "없음")})));
  // P4 and P5 are read back: P4 holds this very number, P5 another one.
  h.http.reply(200, details(json::array({element("P4", "O4", "DELIVERING", "OK", "CJGLS", "600000000004"),
                                         element("P5", "O5", "DELIVERING", "OK", "CJGLS", "999999999999")})));
  const auto outcomes = connector->upload_tracking(uploads);
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 7);
  CHECK((*outcomes)[0].status == WriteStatus::retry_later);
  CHECK((*outcomes)[0].reason == "9999: 기타");
  CHECK((*outcomes)[1].status == WriteStatus::retry_later);
  CHECK((*outcomes)[2].status == WriteStatus::rejected);
  CHECK((*outcomes)[2].reason == "104442: 상품주문 상태 확인");
  CHECK((*outcomes)[3].status == WriteStatus::already_there);
  CHECK((*outcomes)[4].status == WriteStatus::rejected);
  CHECK((*outcomes)[5].status == WriteStatus::rejected);
  // P7 is in neither list: its outcome is unknown, so it is tried again.
  CHECK((*outcomes)[6].status == WriteStatus::retry_later);
  CHECK((*outcomes)[6].reason == "9999: not in the answer");
  CHECK(h.http.requests.size() == 3);
}

TEST_CASE("SmartstoreConnector::upload_tracking decides without dispatching where it can")
{
  Harness h;
  h.cache_token("tok", 2h);
  auto connector = h.make();

  SUBCASE("an unknown carrier is rejected before any call")
  {
    const std::vector<TrackingUpload> uploads = {upload("P1", "610000000001", "DIRECT")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason == "carrier DIRECT has no Smartstore deliveryCompanyCode (smartstore.md §1.8)");
    CHECK(h.http.requests.empty());
  }

  SUBCASE("cancelled, unknown, holding another number, or refused confirmation")
  {
    h.http.reply(200, details(json::array({element("P1", "O1", "CANCELED"), element("P3", "O3", "DELIVERING", "OK", "KGB", "1"),
                                           element("P4", "O4", "PAYED")})));
    h.http.reply(200, outcome_reply(json::array(), json::array({fail("P4", "104442", "취소 요청")})));
    const std::vector<TrackingUpload> uploads = {upload("P1", "610000000001"), upload("P2", "620000000002"),
                                                 upload("P3", "630000000003"), upload("P4", "640000000004")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].reason == "cancelled: product order P1 is CANCELED");
    CHECK((*outcomes)[1].reason == "100001: product order P2 not found");
    CHECK((*outcomes)[2].reason == "product order P3 already holds KGB 1");
    CHECK((*outcomes)[3].status == WriteStatus::rejected);
    CHECK((*outcomes)[3].reason == "place-order confirmation: 104442: 취소 요청");
    CHECK(h.http.requests.size() == 2); // no dispatch
  }

  SUBCASE("a dispatch answered 500 is an error for the whole batch")
  {
    h.http.reply(200, details(json::array({element("P1", "O1", "PAYED", "OK")})));
    h.http.reply(500, R"({"code":"GW.INTERNAL_SERVER_ERROR","message":"error","traceId":"t-500"})");
    const std::vector<TrackingUpload> uploads = {upload("P1", "610000000001")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::transient);
    CHECK(outcomes.error().request_id == "t-500");
  }
}

TEST_CASE("SmartstoreConnector::read_tracking and refresh_orders")
{
  Harness h;
  h.cache_token("tok", 2h);
  auto connector = h.make();

  SUBCASE("read-back maps the carrier back to the uoms code")
  {
    h.http.reply(200, details(json::array({element("P1", "O1", "DELIVERING", "OK", "KGB", "611111111111"),
                                           element("P2", "O2", "PAYED")})));
    const std::vector<TrackingUpload> uploads = {upload("P1", "x"), upload("P2", "x"), upload("P3", "x")};
    const auto held = connector->read_tracking(uploads);
    REQUIRE(held);
    REQUIRE(held->size() == 3);
    CHECK((*held)[0].found);
    CHECK((*held)[0].carrier == "LOGEN");
    CHECK((*held)[0].tracking_number == "611111111111");
    CHECK_FALSE((*held)[1].found);
    CHECK_FALSE((*held)[2].found);
  }

  SUBCASE("refresh lists each order's product orders, then reads them in one query")
  {
    h.http.reply(200, R"({"traceId":"t-1","data":["P1","P2"]})");
    h.http.reply(400, R"({"code":"100003","message":"주문번호를 찾을 수 없습니다","traceId":"t-2"})");
    h.http.reply(200, details(json::array({element("P1", "O1", "PAYED", "OK"),
                                           element("P2", "O1", "DELIVERING", "OK", "HYUNDAI", "612222222222")})));
    const std::vector<std::string> ids = {"O1", "O9"};
    const auto orders = connector->refresh_orders(ids);
    REQUIRE(orders);
    REQUIRE(orders->size() == 1);
    REQUIRE((*orders)[0].items.size() == 2);
    CHECK((*orders)[0].items[0].status == OrderStatus::preparing);
    CHECK((*orders)[0].items[0].tracking_number.empty());
    CHECK((*orders)[0].items[1].tracking_carrier == "HYUNDAI");
    CHECK((*orders)[0].items[1].tracking_number == "612222222222");
    REQUIRE(h.http.requests.size() == 3);
    CHECK(h.http.requests[0].method == "GET");
    CHECK(h.http.requests[0].url == std::string(k_base) + "/external/v1/pay-order/seller/orders/O1/product-order-ids");
    CHECK(json::parse(h.http.requests[2].body)["productOrderIds"] == json{"P1", "P2"});
  }
}
