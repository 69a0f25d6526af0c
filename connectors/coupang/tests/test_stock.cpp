// The Coupang connector's stock push (coupang.md §2.5): the signed PUT per vendorItemId with no
// body, outcomes from the product API's code, and what stays unsupported.
#include "connectors/coupang/tests/coupang_harness.hpp"

#include <nlohmann/json.hpp>

using namespace uoms;
using namespace uoms::connectors;
using namespace uoms::testing::coupang_tests;
using json = nlohmann::json;
using testing::header;

namespace {

constexpr const char* k_base = "http://127.0.0.1:8080";
const std::string k_stock_path = "/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items/3242596358/quantities/10";

StockUpdate update(std::string vendor_item, int quantity)
{
  return {"1200300000", std::move(vendor_item), "SKU-EAR-WH", quantity, {}};
}

std::string product(const std::string& code, const std::string& message)
{
  return json{{"code", code}, {"message", message}}.dump();
}

} // namespace

TEST_CASE("CoupangConnector::push_stock sends the signed quantity PUT of coupang.md 2.5")
{
  Harness h;
  auto connector = h.make();
  CHECK(connector->capabilities().stock_batch == 1);
  h.http.reply(200, product("SUCCESS", "재고 변경을 완료했습니다."));
  const std::vector<StockUpdate> updates{update("3242596358", 10)};
  const auto outcomes = connector->push_stock(updates);
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 1);
  CHECK((*outcomes)[0].status == WriteStatus::done);
  CHECK((*outcomes)[0].http_status == 200);

  REQUIRE(h.http.requests.size() == 1);
  const auto& put = h.http.requests[0];
  CHECK(put.method == "PUT");
  CHECK(put.url == k_base + k_stock_path);
  CHECK(put.body.empty());
  CHECK(put.label == "PUT vendor-items/3242596358/quantities/10");
  // The §2.8 vector for exactly this path.
  CHECK(header(put, "Authorization")
        == "CEA algorithm=HmacSHA256, access-key=0a3a0f34-7852-4ad8-9368-766290b8b1ab, signed-date=250801T000000Z, "
           "signature=d7e4635c4793af7d6c398531c7cb4c385809613118da15efbb4b8cebd24e9165");
  CHECK(header(put, "X-Requested-By") == "A00012345");
}

TEST_CASE("CoupangConnector::push_stock maps each answer to one outcome")
{
  Harness h;
  auto connector = h.make();

  SUBCASE("zero is a quantity like any other")
  {
    h.http.reply(200, product("SUCCESS", "재고 변경을 완료했습니다."));
    const std::vector<StockUpdate> updates{update("3242596358", 0)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    CHECK(h.http.requests[0].url.ends_with("/vendor-items/3242596358/quantities/0"));
  }
  SUBCASE("400 invalid quantity or unknown item is rejected with Coupang's words")
  {
    h.http.reply(400, product("ERROR", "유효하지 않은 재고수량입니다."));
    const std::vector<StockUpdate> updates{update("3242596358", 10)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason == "ERROR 유효하지 않은 재고수량입니다.");
    CHECK((*outcomes)[0].http_status == 400);
  }
  SUBCASE("code ERROR inside HTTP 200 is a refusal")
  {
    h.http.reply(200, product("ERROR", "승인되지 않은 상품입니다."));
    const std::vector<StockUpdate> updates{update("3242596358", 10)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason == "ERROR 승인되지 않은 상품입니다.");
  }
  SUBCASE("429, 302 and 5xx are sent again later: the quantity is absolute")
  {
    h.http.reply(429, product("ERROR", "Too Many Requests"));
    h.http.reply(302, "");
    h.http.reply(503, product("ERROR", "Service Unavailable"));
    const std::vector<StockUpdate> a{update("1", 1)};
    const std::vector<StockUpdate> b{update("2", 2)};
    const std::vector<StockUpdate> c{update("3", 3)};
    const auto first = connector->push_stock(a);
    const auto second = connector->push_stock(b);
    const auto third = connector->push_stock(c);
    REQUIRE(first);
    REQUIRE(second);
    REQUIRE(third);
    CHECK((*first)[0].status == WriteStatus::retry_later);
    CHECK((*first)[0].reason == "PUT vendor-items/1/quantities/1: HTTP 429 rate limited: ERROR Too Many Requests");
    CHECK((*second)[0].status == WriteStatus::retry_later);
    CHECK((*second)[0].reason == "PUT vendor-items/2/quantities/2: HTTP 302 blocked after too many calls");
    CHECK((*third)[0].status == WriteStatus::retry_later);
    CHECK((*third)[0].http_status == 503);
  }
  SUBCASE("bad credentials fail the call")
  {
    h.http.reply(401, product("ERROR", "Invalid signature."));
    const std::vector<StockUpdate> updates{update("3242596358", 10)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::auth);
    CHECK(outcomes.error().message
          == "PUT vendor-items/3242596358/quantities/10: HTTP 401 unauthorized (check access_key, secret_key and the "
             "clock): ERROR Invalid signature.");
  }
  SUBCASE("a wrong path (404) fails the call rather than one listing")
  {
    h.http.reply(404, product("ERROR", "Not Found"));
    const std::vector<StockUpdate> updates{update("3242596358", 10)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::contract);
  }
  SUBCASE("no answer at all leaves the push unknown")
  {
    h.http.responses.push_back(std::unexpected(
        net::TransportError{net::TransportErrorKind::timeout, "PUT vendor-items: 127.0.0.1: timed out", 4}));
    const std::vector<StockUpdate> updates{update("3242596358", 10)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::transient);
  }
  SUBCASE("an unparsable 200 or an unknown code is an error, not a guess")
  {
    h.http.reply(200, "<html>ok</html>");
    h.http.reply(200, product("PENDING", "?"));
    const std::vector<StockUpdate> updates{update("3242596358", 10)};
    const auto first = connector->push_stock(updates);
    const auto second = connector->push_stock(updates);
    REQUIRE_FALSE(first);
    CHECK(first.error().kind == ErrorKind::contract);
    REQUIRE_FALSE(second);
    CHECK(second.error().kind == ErrorKind::contract);
  }
}

TEST_CASE("CoupangConnector::push_stock refuses what Coupang could not take, without a call")
{
  Harness h;
  auto connector = h.make();
  const std::vector<StockUpdate> updates{update("", 5), update("A-17", 5), update("3242596358", -1)};
  const auto outcomes = connector->push_stock(updates);
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 3);
  for (const auto& outcome : *outcomes) {
    CHECK(outcome.status == WriteStatus::rejected);
  }
  CHECK((*outcomes)[0].reason == "listing 1200300000 has no vendorItemId (option_id): Coupang changes stock per vendor item");
  CHECK((*outcomes)[1].reason == "vendorItemId \"A-17\" is not a Coupang number");
  CHECK((*outcomes)[2].reason == "quantity -1 is below zero");
  CHECK(h.http.requests.empty());
}

TEST_CASE("CoupangConnector stock: describe, and what stays unsupported")
{
  Harness h;
  auto connector = h.make();
  CHECK(connector->describe_stock_push(update("3242596358", 10)) == "PUT " + k_stock_path);
  CHECK(connector->describe_stock_push(update("", 10)).starts_with("not sent: "));

  const std::vector<StockUpdate> updates{update("3242596358", 10)};
  const auto read = connector->read_stock(updates);
  REQUIRE_FALSE(read);
  CHECK(read.error().kind == ErrorKind::unsupported);
  const std::vector<std::string> known{"1200300000"};
  const auto listings = connector->fetch_listings(known, "");
  REQUIRE_FALSE(listings);
  CHECK(listings.error().kind == ErrorKind::unsupported);
  CHECK(h.http.requests.empty());

  SUBCASE("a proxy prefix in base_url is part of the path and of the signature")
  {
    h.context.settings["base_url"] = "http://127.0.0.1:8080/proxy";
    auto proxied = h.make();
    CHECK(proxied->describe_stock_push(update("3242596358", 10)) == "PUT /proxy" + k_stock_path);
    h.http.reply(200, product("SUCCESS", "ok"));
    REQUIRE(proxied->push_stock(updates));
    CHECK(h.http.requests.back().url == "http://127.0.0.1:8080/proxy" + k_stock_path);
    CHECK(header(h.http.requests.back(), "Authorization")
          == coupang::authorization(k_access, k_secret, "250801T000000Z", "PUT", "/proxy" + k_stock_path, ""));
  }
}
