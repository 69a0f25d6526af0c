#include "connectors/coupang/tests/coupang_harness.hpp"

#include "uoms/carriers.hpp"

#include <nlohmann/json.hpp>

using namespace uoms;
using namespace uoms::connectors;
using namespace uoms::testing::coupang_tests;
using json = nlohmann::json;
using testing::header;

namespace {

constexpr const char* k_base = "http://127.0.0.1:8080";
const std::string k_v4 = "/v2/providers/openapi/apis/api/v4/vendors/A00012345";
const std::string k_v5 = "/v2/providers/openapi/apis/api/v5/vendors/A00012345";

// A v5 order sheet with the fields the mapping needs.
json box(long long box_id, long long order_id, const std::string& status, const std::vector<long long>& items,
         const std::string& invoice = "", const std::string& company = "")
{
  json order_items = json::array();
  for (const long long item : items) {
    order_items.push_back({{"vendorItemId", item},
                           {"shippingCount", 1},
                           {"cancelCount", 0},
                           {"holdCountForCancel", 0},
                           {"salesPrice", {{"currencyCode", "KRW"}, {"units", 1000}, {"nanos", 0}}},
                           {"orderPrice", {{"currencyCode", "KRW"}, {"units", 1000}, {"nanos", 0}}}});
  }
  return {{"shipmentBoxId", box_id},   {"orderId", order_id},         {"status", status},
          {"orderedAt", "2025-07-29T10:00:00.000000+09:00"}, {"orderItems", order_items},
          {"invoiceNumber", invoice},  {"deliveryCompanyName", company}};
}

std::string sheets(const json& boxes)
{
  return json{{"code", 200}, {"message", "OK"}, {"data", boxes}}.dump();
}

json entry(long long box_id, const std::string& code, bool retry, const std::string& message = "")
{
  return {{"shipmentBoxId", box_id}, {"succeed", code == "OK"}, {"resultCode", code},
          {"retryRequired", retry},  {"resultMessage", message.empty() ? json(nullptr) : json(message)}};
}

std::string results(const json& list, int code = 0)
{
  return json{{"code", "200"}, {"message", "OK"},
              {"data", {{"responseCode", code}, {"responseMessage", code == 0 ? "SUCCESS" : "PARTIAL_ERROR"}, {"responseList", list}}}}
      .dump();
}

TrackingUpload upload(const std::string& order, const std::string& box_id, std::vector<std::string> items,
                      const std::string& number, const std::string& carrier = "CJ")
{
  return {order, box_id, std::move(items), carrier, number};
}

json dto(long long box_id, long long order, long long item, const std::string& code, const std::string& number)
{
  return {{"shipmentBoxId", box_id}, {"orderId", order}, {"vendorItemId", item}, {"deliveryCompanyCode", code},
          {"invoiceNumber", number}, {"splitShipping", false}, {"preSplitShipped", false}, {"estimatedShippingDate", ""}};
}

} // namespace

TEST_CASE("coupang carrier row follows coupang.md 2.7")
{
  const auto& row = coupang::spec().carriers;
  CHECK(row.at("CJ") == "CJGLS");
  CHECK(row.at("LOTTE") == "HYUNDAI");
  CHECK(row.at("LOGEN") == "KGB");
  CHECK(row.at("CVSNET") == "CVS");
  CHECK(row.at("DIRECT") == "DIRECT");
  CHECK_FALSE(row.contains("CUPARCEL")); // not in Coupang's list
  CHECK_FALSE(row.contains("YAMATO"));
  for (const auto& [ours, theirs] : row) {
    CHECK_MESSAGE(carriers::find(ours) != nullptr, ours);
  }
  CHECK(coupang::spec().make);
}

TEST_CASE("CoupangConnector::upload_tracking acknowledges ACCEPT boxes, then posts one DTO per item")
{
  Harness h;
  auto connector = h.make();
  CHECK(connector->capabilities().tracking_batch == 50);
  h.http.reply(200, sheets(json::array({box(100, 1, "ACCEPT", {11, 12})})));
  h.http.reply(200, sheets(json::array({box(200, 2, "INSTRUCT", {21})})));
  h.http.reply(200, results(json::array({entry(100, "OK", false)})));
  h.http.reply(200, results(json::array({entry(100, "OK", false), entry(200, "OK", false)})));
  const std::vector<TrackingUpload> uploads = {upload("1", "100", {"100-11", "100-12"}, "123456789012", "LOTTE"),
                                               upload("2", "200", {"200-21"}, "987654321098")};
  const auto outcomes = connector->upload_tracking(uploads);
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 2);
  CHECK((*outcomes)[0].status == WriteStatus::done);
  CHECK((*outcomes)[1].status == WriteStatus::done);

  REQUIRE(h.http.requests.size() == 4);
  CHECK(h.http.requests[0].method == "GET");
  CHECK(h.http.requests[0].url == k_base + k_v5 + "/1/ordersheets");
  CHECK(h.http.requests[0].label == "GET ordersheets (orderId 1)");
  CHECK(h.http.requests[1].url == k_base + k_v5 + "/2/ordersheets");

  const auto& ack = h.http.requests[2];
  CHECK(ack.method == "PUT");
  CHECK(ack.url == k_base + k_v4 + "/ordersheets/acknowledgement");
  CHECK(json::parse(ack.body) == json{{"vendorId", "A00012345"}, {"shipmentBoxIds", {100}}});
  CHECK(header(ack, "Authorization")
        == coupang::authorization(k_access, k_secret, "250801T000000Z", "PUT", k_v4 + "/ordersheets/acknowledgement", ""));

  const auto& post = h.http.requests[3];
  CHECK(post.method == "POST");
  CHECK(post.url == k_base + k_v4 + "/orders/invoices");
  CHECK(post.label == "POST orders/invoices (2 boxes)");
  CHECK(header(post, "Authorization")
        == "CEA algorithm=HmacSHA256, access-key=0a3a0f34-7852-4ad8-9368-766290b8b1ab, signed-date=250801T000000Z, "
           "signature=9d1b5447f566e37191686fff76204bf0f0ec7e98655644cdd9962be0d871c405");
  CHECK(json::parse(post.body)
        == json{{"vendorId", "A00012345"},
                {"orderSheetInvoiceApplyDtos",
                 {dto(100, 1, 11, "HYUNDAI", "123456789012"), dto(100, 1, 12, "HYUNDAI", "123456789012"),
                  dto(200, 2, 21, "CJGLS", "987654321098")}}});
}

TEST_CASE("CoupangConnector::upload_tracking maps each box's resultCode")
{
  Harness h;
  auto connector = h.make();
  json boxes = json::array();
  std::vector<TrackingUpload> uploads;
  for (long long b = 1; b <= 8; ++b) {
    h.http.reply(200, sheets(json::array({box(b, 1000 + b, "INSTRUCT", {b * 10})})));
    uploads.push_back(upload(std::to_string(1000 + b), std::to_string(b), {std::to_string(b) + "-" + std::to_string(b * 10)},
                             "55500000000" + std::to_string(b)));
  }
  h.http.reply(200, results(json::array({entry(1, "ORDER_DELIVERY_CANCELED", false, "취소된 주문"),
                                         entry(2, "UNDEFINED_ERROR_OCCUR", true, "잠시 후 다시"),
                                         entry(3, "NOT_FOUND_VENDOR_ITEM", false, "누락"),
                                         entry(4, "INVALID_INVOICE_NUMBER", true, "형식 오류"),
                                         entry(5, "PERMISSION_DENIED", true),
                                         entry(6, "NOT_ALLOW_INVOICE_NUMBER_RE_UPLOAD", false, "이미 등록"),
                                         entry(7, "DUPLICATE_INVOICE_NUMBER", true, "중복")}),
                            1));
  // Boxes 6 and 7 are read back: 6 holds this very number, 7 holds nothing.
  h.http.reply(200, sheets(json::array({box(6, 1006, "DEPARTURE", {60}, "555000000006", "CJ 대한통운")})));
  h.http.reply(200, sheets(json::array({box(7, 1007, "INSTRUCT", {70})})));
  const auto outcomes = connector->upload_tracking(uploads);
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 8);
  CHECK((*outcomes)[0].status == WriteStatus::rejected);
  CHECK((*outcomes)[0].reason == "cancelled: ORDER_DELIVERY_CANCELED: 취소된 주문");
  CHECK((*outcomes)[1].status == WriteStatus::retry_later);
  CHECK((*outcomes)[1].reason == "UNDEFINED_ERROR_OCCUR: 잠시 후 다시");
  CHECK((*outcomes)[2].status == WriteStatus::rejected);
  CHECK((*outcomes)[3].status == WriteStatus::rejected); // the same number can never pass
  CHECK((*outcomes)[4].status == WriteStatus::retry_later);
  CHECK((*outcomes)[4].reason == "PERMISSION_DENIED");
  CHECK((*outcomes)[5].status == WriteStatus::already_there);
  CHECK((*outcomes)[6].status == WriteStatus::rejected);
  CHECK((*outcomes)[6].reason == "DUPLICATE_INVOICE_NUMBER: 중복");
  // Box 8 has no entry in a partial answer: its outcome is unknown, so it is tried again.
  CHECK((*outcomes)[7].status == WriteStatus::retry_later);
  CHECK((*outcomes)[7].reason == "no result for shipmentBoxId 8");
  CHECK(h.http.requests.size() == 11);
}

TEST_CASE("CoupangConnector::upload_tracking decides without sending where it can")
{
  Harness h;
  auto connector = h.make();

  SUBCASE("an unknown carrier or a malformed item id is rejected before any call")
  {
    const std::vector<TrackingUpload> uploads = {upload("1", "100", {"100-11"}, "123456789012", "YAMATO"),
                                                 upload("1", "100", {"999-11"}, "123456789012")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason == "carrier YAMATO has no Coupang deliveryCompanyCode (coupang.md §2.7)");
    CHECK((*outcomes)[1].status == WriteStatus::rejected);
    CHECK(h.http.requests.empty());
  }

  SUBCASE("a box holding the number, another number, or only cancelled items")
  {
    json cancelled = box(300, 3, "INSTRUCT", {31});
    cancelled["orderItems"][0]["canceled"] = true;
    h.http.reply(200, sheets(json::array({box(100, 1, "DEPARTURE", {11}, "123456789012", "CJ 대한통운"),
                                          box(200, 1, "DEPARTURE", {21}, "111111111111", "롯데택배"), cancelled})));
    const std::vector<TrackingUpload> uploads = {upload("1", "100", {"100-11"}, "123456789012"),
                                                 upload("1", "200", {"200-21"}, "123456789012"),
                                                 upload("1", "300", {"300-31"}, "123456789012"),
                                                 upload("1", "400", {"400-41"}, "123456789012")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::already_there);
    CHECK((*outcomes)[1].status == WriteStatus::rejected);
    CHECK((*outcomes)[1].reason == "the box already holds invoice HYUNDAI 111111111111");
    CHECK((*outcomes)[2].status == WriteStatus::rejected);
    CHECK((*outcomes)[2].reason == "cancelled: every item of the box is cancelled");
    CHECK((*outcomes)[3].status == WriteStatus::rejected);
    CHECK((*outcomes)[3].reason == "NOT_FOUND_SHIPMENT_BOX: order 1 has no box 400");
    CHECK(h.http.requests.size() == 1);
  }
}

TEST_CASE("CoupangConnector acknowledgement answers")
{
  Harness h;
  auto connector = h.make();
  const std::vector<TrackingUpload> uploads = {upload("1", "100", {"100-11"}, "123456789012"),
                                               upload("2", "200", {"200-21"}, "223456789012")};
  h.http.reply(200, sheets(json::array({box(100, 1, "ACCEPT", {11})})));
  h.http.reply(200, sheets(json::array({box(200, 2, "ACCEPT", {21})})));

  SUBCASE("PUT refused as a method is sent again as PATCH; a retryable failure skips the invoice")
  {
    h.http.reply(405, R"({"code":"ERROR","message":"Method Not Allowed"})");
    h.http.reply(200, results(json::array({entry(100, "OK", false), entry(200, "UNDEFINED_ERROR_OCCUR", true, "busy")}), 1));
    h.http.reply(200, results(json::array({entry(100, "OK", false)})));
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    CHECK((*outcomes)[1].status == WriteStatus::retry_later);
    CHECK((*outcomes)[1].reason == "acknowledgement: UNDEFINED_ERROR_OCCUR: busy");
    REQUIRE(h.http.requests.size() == 5);
    CHECK(h.http.requests[2].method == "PUT");
    CHECK(h.http.requests[3].method == "PATCH");
    CHECK(h.http.requests[3].label == "PATCH ordersheets/acknowledgement (2 boxes)");
    CHECK(json::parse(h.http.requests[4].body)["orderSheetInvoiceApplyDtos"].size() == 1);
  }

  SUBCASE("an invoice call without an answer is an error for the whole batch")
  {
    h.http.reply(200, results(json::array({entry(100, "OK", false), entry(200, "INVALID_STATUS", false)})));
    h.http.reply(401, R"({"code":"ERROR","message":"Invalid signature."})");
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::auth);
    CHECK(outcomes.error().message.starts_with("POST orders/invoices (2 boxes): HTTP 401"));
  }

  SUBCASE("a whole-request failure (responseCode 99) leaves every box to retry")
  {
    h.http.reply(200, results(json::array({entry(100, "OK", false), entry(200, "OK", false)})));
    h.http.reply(200, json{{"code", "200"}, {"message", "OK"},
                           {"data", {{"responseCode", 99}, {"responseMessage", "FAILED"}, {"responseList", json::array()}}}}
                          .dump());
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::retry_later);
    CHECK((*outcomes)[0].reason == "responseCode 99: FAILED");
  }
}

TEST_CASE("CoupangConnector::read_tracking and refresh_orders")
{
  Harness h;
  auto connector = h.make();

  SUBCASE("read-back maps Coupang's carrier back to the uoms code, and follows a split box")
  {
    h.http.reply(200, sheets(json::array({box(100, 1, "DEPARTURE", {11}, "123456789012", "롯데택배"),
                                          box(150, 1, "INSTRUCT", {12})})));
    h.http.reply(200, sheets(json::array({box(201, 2, "DEPARTURE", {21}, "333333333333", "CJ 대한통운")})));
    const std::vector<TrackingUpload> uploads = {upload("1", "100", {"100-11"}, "123456789012"),
                                                 upload("1", "150", {"150-12"}, "x"),
                                                 upload("2", "200", {"200-21"}, "x")};
    const auto held = connector->read_tracking(uploads);
    REQUIRE(held);
    REQUIRE(held->size() == 3);
    CHECK((*held)[0].found);
    CHECK((*held)[0].carrier == "LOTTE");
    CHECK((*held)[0].tracking_number == "123456789012");
    CHECK_FALSE((*held)[1].found);
    CHECK((*held)[2].found); // box 200 became 201 when split
    CHECK((*held)[2].carrier == "CJ");
    CHECK(h.http.requests.size() == 2);
  }

  SUBCASE("refresh reads each order once; an unknown order is left out")
  {
    json cancelled = box(200, 2, "INSTRUCT", {21});
    cancelled["orderItems"][0]["cancelCount"] = 1;
    h.http.reply(200, sheets(json::array({box(100, 1, "ACCEPT", {11})})));
    h.http.reply(200, sheets(json::array({cancelled})));
    h.http.reply(400, R"({"code":400,"message":"Invalid orderId '3': no such order sheet.","data":null})");
    const std::vector<std::string> ids = {"1", "2", "1", "3"};
    const auto orders = connector->refresh_orders(ids);
    REQUIRE(orders);
    REQUIRE(orders->size() == 2);
    CHECK((*orders)[0].external_id == "1");
    CHECK((*orders)[0].items[0].status == OrderStatus::paid);
    CHECK((*orders)[1].external_id == "2");
    CHECK((*orders)[1].status == OrderStatus::cancelled);
    REQUIRE(h.http.requests.size() == 3);
    CHECK(h.http.requests[2].url == k_base + k_v5 + "/3/ordersheets");
  }
}

TEST_CASE("Coupang collect records the invoice a box already holds")
{
  Harness h("DEPARTURE");
  json with_code = box(200, 2, "DEPARTURE", {21}, "777777777777");
  with_code["deliveryCompanyCode"] = "KGB";
  h.http.reply(200, json{{"code", 200}, {"message", "OK"}, {"nextToken", ""},
                         {"data", {box(100, 1, "DEPARTURE", {11, 12}, "123456789012", "CJ 대한통운"), with_code,
                                   box(300, 3, "DEPARTURE", {31}, "888888888888", "새로운택배"), box(400, 4, "INSTRUCT", {41})}}}
                        .dump());
  const auto page = h.make()->fetch_orders({testing::utc(2025, 7, 28, 15, 1), testing::utc(2025, 7, 29, 15, 0)}, "");
  REQUIRE(page);
  REQUIRE(page->orders.size() == 4);
  CHECK(page->orders[0].items[0].tracking_carrier == "CJGLS");
  CHECK(page->orders[0].items[1].tracking_number == "123456789012");
  CHECK(page->orders[1].items[0].tracking_carrier == "KGB");
  CHECK(page->orders[2].items[0].tracking_carrier == "새로운택배"); // a name §2.7 does not list stays as written
  CHECK(page->orders[3].items[0].tracking_number.empty());
  CHECK(page->orders[3].items[0].tracking_carrier.empty());
}

namespace {

TrackingCorrection correction(const std::string& order, const std::string& box_id, std::vector<std::string> items,
                              const std::string& number, const std::string& carrier, const std::string& held)
{
  return {upload(order, box_id, std::move(items), number, carrier), "CJ", held};
}

} // namespace

TEST_CASE("CoupangConnector::correct_tracking posts orders/updateInvoices with the upload's DTOs")
{
  Harness h;
  auto connector = h.make();
  CHECK(coupang::spec().corrects_tracking);
  h.http.reply(200, sheets(json::array({box(100, 1, "DEPARTURE", {11, 12}, "111111111111", "CJ 대한통운")})));
  h.http.reply(200, results(json::array({entry(100, "OK", false)})));
  const std::vector<TrackingCorrection> corrections = {
    correction("1", "100", {"100-11", "100-12"}, "222222222222", "HANJIN", "111111111111")};
  const auto outcomes = connector->correct_tracking(corrections);
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 1);
  CHECK((*outcomes)[0].status == WriteStatus::done);
  REQUIRE(h.http.requests.size() == 2);
  const auto& post = h.http.requests[1];
  CHECK(post.method == "POST");
  CHECK(post.url == k_base + k_v4 + "/orders/updateInvoices");
  CHECK(post.label == "POST orders/updateInvoices (1 boxes)");
  CHECK(header(post, "Authorization")
        == coupang::authorization(k_access, k_secret, "250801T000000Z", "POST", k_v4 + "/orders/updateInvoices", ""));
  CHECK(json::parse(post.body)
        == json{{"vendorId", "A00012345"},
                {"orderSheetInvoiceApplyDtos",
                 {dto(100, 1, 11, "HANJIN", "222222222222"), dto(100, 1, 12, "HANJIN", "222222222222")}}});

  // The box now holds the new number: asking again sends nothing.
  h.http.reply(200, sheets(json::array({box(100, 1, "DEPARTURE", {11, 12}, "222222222222", "한진택배")})));
  const auto again = connector->correct_tracking(corrections);
  REQUIRE(again);
  CHECK((*again)[0].status == WriteStatus::already_there);
  CHECK(h.http.requests.size() == 3);
}

TEST_CASE("CoupangConnector::correct_tracking refuses before the call what updateInvoices cannot take")
{
  Harness h;
  auto connector = h.make();
  json cancelled = box(300, 1, "DEPARTURE", {31}, "111111111111", "CJ 대한통운");
  cancelled["orderItems"][0]["canceled"] = true;
  h.http.reply(200, sheets(json::array({box(100, 1, "INSTRUCT", {11}, "111111111111", "CJ 대한통운"),
                                        box(200, 1, "DELIVERING", {21}, "999999999999", "롯데택배"), cancelled,
                                        box(400, 1, "DEPARTURE", {41})})));
  const std::vector<TrackingCorrection> corrections = {
    correction("1", "100", {"100-11"}, "222222222222", "CJ", "111111111111"),
    correction("1", "200", {"200-21"}, "222222222222", "CJ", "111111111111"),
    correction("1", "300", {"300-31"}, "222222222222", "CJ", "111111111111"),
    correction("1", "400", {"400-41"}, "222222222222", "CJ", "111111111111"),
    correction("1", "500", {"500-51"}, "222222222222", "YAMATO", "111111111111")};
  const auto outcomes = connector->correct_tracking(corrections);
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 5);
  CHECK((*outcomes)[0].status == WriteStatus::rejected);
  CHECK((*outcomes)[0].reason
        == "INVALID_STATUS: box 100 is INSTRUCT; Coupang corrects an invoice only in DEPARTURE, DELIVERING, "
           "FINAL_DELIVERY or NONE_TRACKING");
  CHECK((*outcomes)[1].status == WriteStatus::rejected);
  CHECK((*outcomes)[1].reason == "the box holds invoice HYUNDAI 999999999999, not the uploaded 111111111111: not overwritten");
  CHECK((*outcomes)[2].status == WriteStatus::rejected);
  CHECK((*outcomes)[2].reason == "cancelled: every item of the box is cancelled; an invoice is not corrected");
  CHECK((*outcomes)[3].status == WriteStatus::rejected);
  CHECK((*outcomes)[3].reason == "the box holds no invoice: nothing to correct");
  CHECK((*outcomes)[4].status == WriteStatus::rejected);
  CHECK((*outcomes)[4].reason == "carrier YAMATO has no Coupang deliveryCompanyCode (coupang.md §2.7)");
  CHECK(h.http.requests.size() == 1); // the one read; no updateInvoices
}

TEST_CASE("CoupangConnector::correct_tracking maps updateInvoices answers like the upload's")
{
  Harness h;
  auto connector = h.make();
  h.http.reply(200, sheets(json::array({box(100, 1, "DELIVERING", {11}, "111111111111", "CJ 대한통운"),
                                        box(200, 1, "FINAL_DELIVERY", {21}, "111111111112", "CJ 대한통운")})));
  h.http.reply(200, results(json::array({entry(100, "INVALID_STATUS", false, "상태 오류"),
                                         entry(200, "UNDEFINED_ERROR_OCCUR", true, "잠시 후 다시")}),
                            99));
  // Box 100's refusal is read back: it still holds the old number.
  h.http.reply(200, sheets(json::array({box(100, 1, "DELIVERING", {11}, "111111111111", "CJ 대한통운"),
                                        box(200, 1, "FINAL_DELIVERY", {21}, "111111111112", "CJ 대한통운")})));
  const std::vector<TrackingCorrection> corrections = {
    correction("1", "100", {"100-11"}, "222222222222", "CJ", "111111111111"),
    correction("1", "200", {"200-21"}, "222222222223", "CJ", "111111111112")};
  const auto outcomes = connector->correct_tracking(corrections);
  REQUIRE(outcomes);
  CHECK((*outcomes)[0].status == WriteStatus::rejected);
  CHECK((*outcomes)[0].reason == "INVALID_STATUS: 상태 오류");
  CHECK((*outcomes)[1].status == WriteStatus::retry_later);
  CHECK(h.http.requests.size() == 3);

  SUBCASE("a failed call leaves the outcome unknown")
  {
    h.http.reply(200, sheets(json::array({box(100, 1, "DELIVERING", {11}, "111111111111", "CJ 대한통운")})));
    h.http.reply(401, R"({"code":401,"message":"Unauthorized"})");
    const auto failed = connector->correct_tracking(std::vector<TrackingCorrection>{corrections[0]});
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message.starts_with("POST orders/updateInvoices (1 boxes): HTTP 401"));
  }
}
