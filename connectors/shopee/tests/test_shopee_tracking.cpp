// The Shopee connector's write-back: get_shipping_parameter then ship_order (non_integrated)
// per package, outcomes from the error envelope, read-back and refresh.
#include "connectors/shopee/tests/shopee_test.hpp"

namespace {

const std::string k_parameter_path = "/api/v2/logistics/get_shipping_parameter";
const std::string k_ship_path = "/api/v2/logistics/ship_order";
const std::string k_tracking_path = "/api/v2/logistics/get_tracking_number";

std::string ok(json response = json::object())
{
  return json{{"error", ""}, {"message", ""}, {"request_id", "r-ok"}, {"response", response}}.dump();
}

std::string refused(const std::string& code, const std::string& message)
{
  return json{{"error", code}, {"message", message}, {"request_id", "r-err"}}.dump();
}

const std::string k_non_integrated = ok({{"info_needed", {{"non_integrated", {"tracking_no"}}}}});

TrackingUpload upload(std::string sn, std::string package, std::string number, std::string carrier = "DHL")
{
  return TrackingUpload{sn, std::move(package), {"1-0"}, std::move(carrier), std::move(number)};
}

} // namespace

TEST_CASE("ShopeeConnector::upload_tracking")
{
  Harness h;
  h.store_token(k_access_token, 2h, "shp-rt-stored");
  auto connector = h.make();
  CHECK(connector->capabilities().tracking_batch == 50);

  SUBCASE("parameters, then ship_order with the package and the non-integrated number")
  {
    h.http.reply(200, k_non_integrated);
    h.http.reply(200, ok());
    const std::vector<TrackingUpload> uploads{upload("220620KJ3MQ2CD", "OFG1001", "SPX123")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    REQUIRE(outcomes->size() == 1);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    REQUIRE(h.http.requests.size() == 2);
    const auto& parameters = h.http.requests[0];
    CHECK(parameters.method == "GET");
    CHECK(path_of(parameters.url) == k_parameter_path);
    CHECK(query_value(parameters.url, "order_sn") == "220620KJ3MQ2CD");
    CHECK(query_value(parameters.url, "package_number") == "OFG1001");
    const auto& ship = h.http.requests[1];
    CHECK(ship.method == "POST");
    CHECK(path_of(ship.url) == k_ship_path);
    CHECK(query_value(ship.url, "shop_id") == k_shop_id);
    CHECK(!query_value(ship.url, "sign").empty());
    CHECK(header(ship, "Content-Type") == "application/json");
    CHECK(ship.body == R"({"non_integrated":{"tracking_number":"SPX123"},"order_sn":"220620KJ3MQ2CD","package_number":"OFG1001"})");
  }
  SUBCASE("an order without packages sends no package_number")
  {
    h.http.reply(200, k_non_integrated);
    h.http.reply(200, ok());
    const std::vector<TrackingUpload> uploads{upload("220620KJ3MQ2CD", "220620KJ3MQ2CD", "SPX123")};
    REQUIRE(connector->upload_tracking(uploads));
    CHECK(query_value(h.http.requests[0].url, "package_number").empty());
    CHECK(h.http.requests[1].body == R"({"non_integrated":{"tracking_number":"SPX123"},"order_sn":"220620KJ3MQ2CD"})");
  }
  SUBCASE("per-package outcomes: refused, throttled, channel without non_integrated, unknown carrier")
  {
    h.http.reply(200, k_non_integrated);
    h.http.reply(400, refused("logistics.error_param", "Please input a unique tracking number."));
    h.http.reply(200, refused("error_rate_limit", "Too many requests."));
    h.http.reply(200, ok({{"info_needed", {{"pickup", {"address_id"}}}}}));
    const std::vector<TrackingUpload> uploads{upload("A1", "P1", "N1"), upload("A2", "P2", "N2"),
                                              upload("A3", "P3", "N3"), upload("A4", "P4", "N4", "NOPE")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE(outcomes);
    REQUIRE(outcomes->size() == 4);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason
          == "POST ship_order (A1 package P1): HTTP 400 logistics.error_param: Please input a unique tracking number.");
    CHECK((*outcomes)[1].status == WriteStatus::retry_later);
    CHECK((*outcomes)[2].status == WriteStatus::rejected);
    CHECK((*outcomes)[2].reason.find("does not take a seller's tracking number (info_needed: pickup)") != std::string::npos);
    CHECK((*outcomes)[3].status == WriteStatus::rejected);
    CHECK((*outcomes)[3].reason == "carrier \"NOPE\" is not a uoms carrier code");
    CHECK(h.http.requests.size() == 4); // no call for the unknown carrier
  }
  SUBCASE("no answer to ship_order leaves the call's outcomes unknown")
  {
    h.http.reply(200, k_non_integrated);
    h.http.responses.push_back(std::unexpected(net::TransportError{net::TransportErrorKind::timeout, "timed out"}));
    const std::vector<TrackingUpload> uploads{upload("A1", "P1", "N1")};
    const auto outcomes = connector->upload_tracking(uploads);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::transient);
  }
}

TEST_CASE("ShopeeConnector::read_tracking and refresh_orders")
{
  Harness h;
  h.store_token(k_access_token, 2h, "shp-rt-stored");
  auto connector = h.make();

  SUBCASE("get_tracking_number per package")
  {
    h.http.reply(200, ok({{"tracking_number", "SPX123"}}));
    h.http.reply(200, ok({{"tracking_number", ""}}));
    h.http.reply(400, refused("error_not_found", "Wrong parameters, detail: the order is not found."));
    const std::vector<TrackingUpload> uploads{upload("A1", "P1", "SPX123"), upload("A2", "P2", "X"), upload("A3", "P3", "Y")};
    const auto held = connector->read_tracking(uploads);
    REQUIRE(held);
    REQUIRE(held->size() == 3);
    CHECK((*held)[0].found);
    CHECK((*held)[0].tracking_number == "SPX123");
    CHECK_FALSE((*held)[1].found);
    CHECK_FALSE((*held)[2].found);
    CHECK(path_of(h.http.requests[0].url) == k_tracking_path);
    CHECK(query_value(h.http.requests[0].url, "package_number") == "P1");
  }
  SUBCASE("get_order_detail, mapped as collect maps it")
  {
    h.http.handler = detail_for;
    const std::vector<std::string> ids{"A1", "A2"};
    const auto orders = connector->refresh_orders(ids);
    REQUIRE(orders);
    REQUIRE(orders->size() == 2);
    CHECK((*orders)[0].external_id == "A1");
    CHECK((*orders)[0].status == OrderStatus::paid);
    CHECK(query_value(h.http.requests[0].url, "order_sn_list") == "A1,A2");
  }
}

TEST_CASE("ShopeeConnector maps a package's tracking number")
{
  std::vector<OrderNote> notes;
  json detail = detail_of("A1", "SHIPPED");
  detail["package_list"] = {{{"package_number", "OFG1"},
                             {"shipping_carrier", "Standard Delivery"},
                             {"tracking_number", "SPX777"},
                             {"item_list", {{{"item_id", 1}, {"model_id", 0}}}}}};
  Harness h;
  h.store_token(k_access_token, 2h, "shp-rt-stored");
  h.http.reply(200, json{{"error", ""}, {"response", {{"order_list", {detail}}}}}.dump());
  const std::vector<std::string> ids{"A1"};
  const auto orders = h.make()->refresh_orders(ids);
  REQUIRE(orders);
  REQUIRE(orders->size() == 1);
  const OrderItem& item = (*orders)[0].items.at(0);
  CHECK(item.shipment_key == "OFG1");
  CHECK(item.tracking_number == "SPX777");
  CHECK(item.tracking_carrier == "Standard Delivery");
}

TEST_CASE("ShopeeConnector::record_writes")
{
  Harness h;
  h.store_token(k_access_token, 2h, "shp-rt-stored");
  auto connector = h.make();
  std::vector<PlannedRequest> planned;
  REQUIRE(connector->record_writes(&planned));

  // get_shipping_parameter is a read and goes out; ship_order is recorded with its token and
  // signature masked, and answered as a success.
  h.http.reply(200, k_non_integrated);
  const std::vector<TrackingUpload> uploads{upload("220620KJ3MQ2CD", "OFG1001", "SPX123")};
  const auto outcomes = connector->upload_tracking(uploads);
  REQUIRE(outcomes);
  CHECK((*outcomes)[0].status == WriteStatus::done);
  REQUIRE(h.http.requests.size() == 1);
  CHECK(path_of(h.http.requests[0].url) == k_parameter_path);
  REQUIRE(planned.size() == 1);
  CHECK(planned[0].method == "POST");
  CHECK(planned[0].path.starts_with(k_ship_path + "?"));
  CHECK(planned[0].path.find(k_access_token) == std::string::npos);
  CHECK(query_value("http://x" + planned[0].path, "access_token") == "********");
  CHECK(query_value("http://x" + planned[0].path, "sign") == "********");
  CHECK(query_value("http://x" + planned[0].path, "shop_id") == k_shop_id);
  CHECK(planned[0].body == R"({"non_integrated":{"tracking_number":"SPX123"},"order_sn":"220620KJ3MQ2CD","package_number":"OFG1001"})");
  CHECK(planned[0].label == "POST ship_order (220620KJ3MQ2CD package OFG1001)");
}
