// The PlayAuto connector's write-back: bundles looked up, new orders instructed, one
// setInvoice per call, carr_no from the row or GET /carriers, read-back and refresh.
#include "connectors/playauto/tests/playauto_test.hpp"

namespace {

constexpr const char* k_instruction_url = "http://127.0.0.1:9090/api/order/instruction";
constexpr const char* k_invoice_url = "http://127.0.0.1:9090/api/order/setInvoice";
constexpr const char* k_carriers_url = "http://127.0.0.1:9090/api/carriers";

// One row of bundle `bundle` in `status`, with an invoice when given.
std::string bundle_reply(const std::string& bundle, const std::string& status, const std::string& invoice = "")
{
  json row = {{"uniq", bundle + "001"}, {"bundle_no", bundle},     {"ord_status", status},
              {"sale_cnt", 1},         {"pay_amt", 10000},        {"ord_time", "2026-04-01 10:00:00"},
              {"invoice_no", invoice}, {"carr_no", invoice.empty() ? json(nullptr) : json(4)}};
  return json{{"results", {row}}, {"results_prod", json::array()}, {"recordsTotal", 1}}.dump();
}

TrackingUpload upload(std::string bundle, std::string number, std::string carrier = "CJ")
{
  return TrackingUpload{bundle, bundle, {bundle + "001"}, std::move(carrier), std::move(number)};
}

} // namespace

TEST_CASE("PlayautoConnector::upload_tracking")
{
  Harness h;
  h.cache_token("tok-1", 10h);
  auto connector = h.make();
  CHECK(connector->capabilities().tracking_batch == 50);
  CHECK(playauto::spec().carriers.at("CJ") == "4");

  SUBCASE("a new order is instructed, then invoiced with overwrite false and change_complete true")
  {
    h.http.reply(200, bundle_reply("B1", "신규주문"));
    h.http.reply(200, R"({"results":"성공"})");
    h.http.reply(200, R"([{"bundle_no":"B1","result":"성공","message":""}])");
    const std::vector<TrackingUpload> uploads{upload("B1", "377811119999")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    REQUIRE(h.http.requests.size() == 3);
    CHECK(h.http.requests[0].url == k_orders_url);
    CHECK(json::parse(h.http.requests[0].body)["search_key"] == "bundle_no");
    CHECK(json::parse(h.http.requests[0].body)["search_word"] == "B1");
    CHECK(h.http.requests[1].method == "PUT");
    CHECK(h.http.requests[1].url == k_instruction_url);
    CHECK(h.http.requests[1].body == R"({"auto_bundle":false,"bundle_codes":["B1"]})");
    CHECK(h.http.requests[2].method == "PUT");
    CHECK(h.http.requests[2].url == k_invoice_url);
    CHECK(header(h.http.requests[2], "Authorization") == "Token tok-1");
    CHECK(h.http.requests[2].body
          == R"({"change_complete":true,"dupl_doubt_except_yn":"N","orders":[{"bundle_no":"B1","carr_no":"4","invoice_no":"377811119999"}],"overwrite":false})");
  }
  SUBCASE("per-bundle results, held invoices and statuses")
  {
    h.http.reply(200, bundle_reply("B1", "출고대기"));
    h.http.reply(200, bundle_reply("B2", "운송장출력"));
    h.http.reply(200, bundle_reply("B3", "출고완료", "555"));
    h.http.reply(200, bundle_reply("B4", "출고완료", "999"));
    h.http.reply(200, bundle_reply("B5", "취소완료"));
    h.http.reply(200, bundle_reply("B6", "결제완료"));
    h.http.reply(200, R"([{"bundle_no":"B1","result":"성공","message":""},
      {"bundle_no":"B2","result":"실패","error_code":"e2001","messages":["[출고관리]메뉴에서 조회되지 않는 묶음고유번호입니다."]}])");
    const std::vector<TrackingUpload> uploads{upload("B1", "111"), upload("B2", "222"), upload("B3", "555"),
                                              upload("B4", "444"), upload("B5", "777"), upload("B6", "888")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    REQUIRE(outcomes->size() == 6);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    CHECK((*outcomes)[1].status == WriteStatus::rejected);
    CHECK((*outcomes)[1].reason
          == "PUT /order/setInvoice (2 bundles): bundle B2 e2001 [출고관리]메뉴에서 조회되지 않는 묶음고유번호입니다.");
    CHECK((*outcomes)[2].status == WriteStatus::already_there);
    CHECK((*outcomes)[3].status == WriteStatus::rejected);
    CHECK((*outcomes)[3].reason == "bundle B4 already holds invoice 999 (carr_no 4)");
    CHECK((*outcomes)[4].status == WriteStatus::rejected);
    CHECK((*outcomes)[4].reason == "bundle B5 is in status 취소완료");
    CHECK((*outcomes)[5].status == WriteStatus::retry_later);
    CHECK(h.http.requests.size() == 7);
  }
  SUBCASE("a carrier outside the row is looked up in GET /carriers once")
  {
    h.http.reply(200, R"([{"carrier_code":8,"carrier_name":"롯데택배"},{"carrier_code":1,"carrier_name":"우체국택배"}])");
    h.http.reply(200, bundle_reply("B1", "출고대기"));
    h.http.reply(200, bundle_reply("B2", "출고대기"));
    h.http.reply(200, R"([{"bundle_no":"B1","result":"성공"},{"bundle_no":"B2","result":"성공"}])");
    const std::vector<TrackingUpload> uploads{upload("B1", "111", "LOTTE"), upload("B2", "222", "EPOST"),
                                              upload("B3", "333", "YAMATO")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK(h.http.requests[0].method == "GET");
    CHECK(h.http.requests[0].url == k_carriers_url);
    CHECK((*outcomes)[2].status == WriteStatus::rejected);
    CHECK((*outcomes)[2].reason.starts_with("carrier \"YAMATO\" has no PlayAuto carr_no"));
    const json body = json::parse(h.http.requests.back().body);
    CHECK(body["orders"][0]["carr_no"] == "8");
    CHECK(body["orders"][1]["carr_no"] == "1");
    CHECK(h.http.requests.size() == 4); // /carriers once, two look-ups, one setInvoice
  }
  SUBCASE("a failed instruction waits; the refresh's look-up is reused")
  {
    h.http.reply(200, bundle_reply("B1", "신규주문"));
    const std::vector<std::string> ids{"B1"};
    const auto orders = connector->refresh_orders(ids);
    REQUIRE(orders);
    REQUIRE(orders->size() == 1);
    CHECK((*orders)[0].items[0].raw_status == "신규주문");
    h.http.reply(400, R"({"error_code":"e2009","messages":["신규주문 상태가 아닌 주문건이 포함되어 있습니다."],"bundle_codes":["B1"]})");
    const std::vector<TrackingUpload> uploads{upload("B1", "111")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::retry_later);
    CHECK(h.http.requests.size() == 2);
  }
}

TEST_CASE("PlayautoConnector::read_tracking and the collect mapping of invoices")
{
  Harness h;
  h.cache_token("tok-1", 10h);
  auto connector = h.make();
  h.http.reply(200, bundle_reply("B1", "출고완료", "377811119999"));
  h.http.reply(200, bundle_reply("B2", "출고대기"));
  h.http.reply(200, k_empty);
  const std::vector<TrackingUpload> uploads{upload("B1", "377811119999"), upload("B2", "1"), upload("B3", "2")};
  const auto held = connector->read_tracking(uploads);
  REQUIRE(held);
  REQUIRE(held->size() == 3);
  CHECK((*held)[0].found);
  CHECK((*held)[0].carrier == "4");
  CHECK((*held)[0].tracking_number == "377811119999");
  CHECK_FALSE((*held)[1].found);
  CHECK_FALSE((*held)[2].found);
}

TEST_CASE("PlayautoConnector::correct_tracking")
{
  Harness h;
  h.cache_token("tok-1", 10h);
  auto connector = h.make();
  CHECK(playauto::spec().corrects_tracking);

  const auto correction = [](std::string bundle, std::string number, std::string held, std::string carrier = "HANJIN") {
    return TrackingCorrection{upload(std::move(bundle), std::move(number), std::move(carrier)), "CJ", std::move(held)};
  };
  SUBCASE("a bundle holding the uploaded number is overwritten; anything else is refused before the call")
  {
    h.http.reply(200, bundle_reply("B1", "배송중", "111"));
    h.http.reply(200, bundle_reply("B2", "출고완료", "222"));
    h.http.reply(200, bundle_reply("B3", "배송중", "999"));
    h.http.reply(200, bundle_reply("B4", "배송중", "NEW4"));
    h.http.reply(200, bundle_reply("B5", "출고대기"));
    h.http.reply(200, R"([{"bundle_no":"B1","result":"성공","message":""}])");
    const std::vector<TrackingCorrection> corrections{correction("B1", "NEW1", "111"), correction("B2", "NEW2", "222"),
                                                      correction("B3", "NEW3", "333"), correction("B4", "NEW4", "444"),
                                                      correction("B5", "NEW5", "555")};
    const auto outcomes = connector->correct_tracking(corrections);
    REQUIRE(outcomes);
    REQUIRE(outcomes->size() == 5);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    CHECK((*outcomes)[1].status == WriteStatus::rejected);
    CHECK((*outcomes)[1].reason
          == "bundle B2 is in status 출고완료; PlayAuto replaces an invoice only in 출고대기, 출고보류, 운송장출력, 주문재확인 or 배송중");
    CHECK((*outcomes)[2].status == WriteStatus::rejected);
    CHECK((*outcomes)[2].reason == "bundle B3 holds invoice 999 (carr_no 4), not the uploaded 333: not overwritten");
    CHECK((*outcomes)[3].status == WriteStatus::already_there);
    CHECK((*outcomes)[4].status == WriteStatus::rejected);
    CHECK((*outcomes)[4].reason == "bundle B5 holds no invoice: nothing to correct");
    REQUIRE(h.http.requests.size() == 6);
    CHECK(h.http.requests[5].method == "PUT");
    CHECK(h.http.requests[5].url == k_invoice_url);
    CHECK(h.http.requests[5].body
          == R"({"change_complete":true,"dupl_doubt_except_yn":"N","orders":[{"bundle_no":"B1","carr_no":"5","invoice_no":"NEW1"}],"overwrite":true})");
  }
  SUBCASE("a per-bundle 실패 is a refusal")
  {
    h.http.reply(200, bundle_reply("B1", "배송중", "111"));
    h.http.reply(200, R"([{"bundle_no":"B1","result":"실패","error_code":"e2001","messages":["없음"]}])");
    const std::vector<TrackingCorrection> corrections{correction("B1", "NEW1", "111")};
    const auto outcomes = connector->correct_tracking(corrections);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason == "PUT /order/setInvoice (1 bundles): bundle B1 e2001 없음");
  }
}

TEST_CASE("PlayautoConnector::record_writes")
{
  Harness h;
  h.cache_token("tok-1", 10h);
  auto connector = h.make();
  std::vector<PlannedRequest> planned;
  REQUIRE(connector->record_writes(&planned));

  // The look-up is sent; the instruction and setInvoice are recorded, answered as a success.
  h.http.reply(200, bundle_reply("B1", "신규주문"));
  const std::vector<TrackingUpload> uploads{upload("B1", "377811119999")};
  const auto outcomes = connector->upload_tracking(uploads);
  REQUIRE(outcomes);
  CHECK((*outcomes)[0].status == WriteStatus::done);
  REQUIRE(h.http.requests.size() == 1);
  CHECK(h.http.requests[0].url == k_orders_url);
  REQUIRE(planned.size() == 2);
  CHECK(planned[0].method == "PUT");
  CHECK(planned[0].path == "/api/order/instruction");
  CHECK(planned[0].body == R"({"auto_bundle":false,"bundle_codes":["B1"]})");
  CHECK(planned[1].path == "/api/order/setInvoice");
  CHECK(planned[1].body
        == R"({"change_complete":true,"dupl_doubt_except_yn":"N","orders":[{"bundle_no":"B1","carr_no":"4","invoice_no":"377811119999"}],"overwrite":false})");
  CHECK(planned[1].label == "PUT /order/setInvoice (1 bundles)");

  // Once recording stops, writes go out again.
  REQUIRE(connector->record_writes(nullptr));
  h.http.reply(200, bundle_reply("B2", "출고대기"));
  h.http.reply(200, R"([{"bundle_no":"B2","result":"성공","message":""}])");
  const std::vector<TrackingUpload> more{upload("B2", "5")};
  REQUIRE(connector->upload_tracking(more));
  CHECK(h.http.requests.size() == 3);
  CHECK(planned.size() == 2);
}
