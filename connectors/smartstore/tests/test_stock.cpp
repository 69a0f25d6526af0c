#include "connectors/smartstore/tests/smartstore_harness.hpp"

using namespace uoms;
using namespace uoms::connectors;
using namespace uoms::testing::smartstore_tests;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::header;

namespace {

constexpr const char* k_multi_url = "http://127.0.0.1:9090/external/v1/products/origin-products/multi-update";

std::string origin_url(const std::string& no)
{
  return "http://127.0.0.1:9090/external/v2/products/origin-products/" + no;
}

std::string option_stock_url(const std::string& no)
{
  return "http://127.0.0.1:9090/external/v1/products/origin-products/" + no + "/option-stock";
}

json combination(long long id, const std::string& name, int stock, long long price, bool usable, const std::string& code)
{
  return {{"id", id}, {"optionName1", name}, {"stockQuantity", stock}, {"price", price}, {"usable", usable}, {"sellerManagerCode", code}};
}

// GET origin-products/{no} of a product with these combination options.
std::string with_options(const json& combinations)
{
  return json{{"originProduct",
               {{"statusType", "SALE"},
                {"name", "무선 블루투스 이어폰"},
                {"salePrice", 39000},
                {"stockQuantity", 30},
                {"detailAttribute",
                 {{"sellerCodeInfo", json::object()},
                  {"optionInfo", {{"optionCombinations", combinations}, {"useStockManagement", true}}}}}}},
              {"traceId", "t-get"}}
      .dump();
}

std::string without_options(int stock, const std::string& code)
{
  return json{{"originProduct",
               {{"statusType", "SALE"},
                {"name", "유기농 현미 5kg"},
                {"salePrice", 28900},
                {"stockQuantity", stock},
                {"detailAttribute", {{"sellerCodeInfo", {{"sellerManagementCode", code}}}}}}},
              {"traceId", "t-get"}}
      .dump();
}

const json k_two_options = json::array({combination(111, "화이트", 10, 0, true, "SKU-EAR-WH"),
                                        combination(222, "블랙", 20, 1000, false, "SKU-EAR-BK")});

std::string success()
{
  return R"({"code":"SUCCESS","message":"ok","data":null,"traceId":"t-ok"})";
}

StockUpdate update(const std::string& item, const std::string& option, int quantity)
{
  return {item, option, "SKU", quantity, {}};
}

} // namespace

TEST_CASE("SmartstoreConnector stock capabilities and describe_stock_push")
{
  Harness h;
  auto connector = h.make();
  CHECK(connector->capabilities().stock_batch == 30);
  CHECK(connector->describe_stock_push(update("1200300000", "", 7))
        == R"(PATCH /external/v1/products/origin-products/multi-update {"multiProductUpdateRequestVos":[{"multiUpdateTypes":["STOCK"],"originProductNo":1200300000,"stockQuantity":7}]})");
  CHECK(connector->describe_stock_push(update("1200300013", "3823800014", 4))
        == "GET /external/v2/products/origin-products/1200300013, then PUT "
           "/external/v1/products/origin-products/1200300013/option-stock "
           R"({"optionInfo":{"optionCombinations":[{"id":3823800014,"stockQuantity":4,"price":(as read),"usable":(as read)}, ...every other option as read]}})");
  CHECK(h.http.requests.empty());
}

TEST_CASE("SmartstoreConnector::push_stock without options: one multi-update")
{
  Harness h;
  h.cache_token("tok", 2h);
  auto connector = h.make();

  SUBCASE("accepted: every product done, absolute quantities, one entry per product")
  {
    h.http.reply(200, success());
    const std::vector<StockUpdate> updates = {update("1001", "", 7), update("1002", "", 0), update("1001", "", 9)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    REQUIRE(outcomes->size() == 3);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason == "superseded by a later update of the same product in this call");
    CHECK((*outcomes)[1].status == WriteStatus::done);
    CHECK((*outcomes)[2].status == WriteStatus::done);
    CHECK((*outcomes)[2].request_id == "t-ok");
    REQUIRE(h.http.requests.size() == 1);
    const auto& sent = h.http.requests[0];
    CHECK(sent.method == "PATCH");
    CHECK(sent.url == k_multi_url);
    CHECK(sent.label == "PATCH origin-products/multi-update (2 products)");
    CHECK(header(sent, "Authorization") == "Bearer tok");
    CHECK(json::parse(sent.body)
          == json{{"multiProductUpdateRequestVos",
                   {{{"originProductNo", 1001}, {"multiUpdateTypes", {"STOCK"}}, {"stockQuantity", 9}},
                    {{"originProductNo", 1002}, {"multiUpdateTypes", {"STOCK"}}, {"stockQuantity", 0}}}}});
  }

  SUBCASE("refused entries are rejected; the rest go again without them")
  {
    h.http.reply(400, json{{"code", "BAD_REQUEST"},
                           {"message", "잘못된 요청입니다."},
                           {"invalidInputs",
                            {{{"name", "multiProductUpdateRequestVos[1].originProductNo"}, {"type", "NotFound"}, {"message", "상품이 존재하지 않습니다."}}}},
                           {"traceId", "t-400"}}
                          .dump());
    h.http.reply(200, success());
    const std::vector<StockUpdate> updates = {update("1001", "", 7), update("9999", "", 1), update("1003", "", 2)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    CHECK((*outcomes)[1].status == WriteStatus::rejected);
    CHECK((*outcomes)[1].reason == "BAD_REQUEST: multiProductUpdateRequestVos[1].originProductNo 상품이 존재하지 않습니다.");
    CHECK((*outcomes)[1].http_status == 400);
    CHECK((*outcomes)[1].request_id == "t-400");
    CHECK((*outcomes)[2].status == WriteStatus::done);
    REQUIRE(h.http.requests.size() == 2);
    CHECK(json::parse(h.http.requests[1].body)["multiProductUpdateRequestVos"].size() == 2);
    CHECK(json::parse(h.http.requests[1].body)["multiProductUpdateRequestVos"][1]["originProductNo"] == 1003);
  }

  SUBCASE("a refusal naming no entry rejects them all with Naver's words")
  {
    h.http.reply(400, R"({"code":"BAD_REQUEST","message":"요청 형식 오류","traceId":"t-400"})");
    const std::vector<StockUpdate> updates = {update("1001", "", 7)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason == "PATCH origin-products/multi-update (1 products): HTTP 400 BAD_REQUEST 요청 형식 오류");
  }

  SUBCASE("refused before any call: negative quantity, ids that are not numbers")
  {
    const std::vector<StockUpdate> updates = {update("1001", "", -1), update("abc", "", 1), update("1001", "x", 1)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].reason == "negative quantity -1");
    CHECK((*outcomes)[1].reason == "\"abc\" is not an originProductNo");
    CHECK((*outcomes)[2].reason == "\"x\" is not an option id");
    for (const auto& o : *outcomes) {
      CHECK(o.status == WriteStatus::rejected);
    }
    CHECK(h.http.requests.empty());
  }

  SUBCASE("no answer at all is the call's error; 401 twice is auth")
  {
    h.http.reply(503, R"({"code":"GW.BLOCK.02","message":"maintenance","traceId":"t-503"})");
    const std::vector<StockUpdate> updates = {update("1001", "", 7)};
    auto outcomes = connector->push_stock(updates);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::transient);
    CHECK(outcomes.error().message == "PATCH origin-products/multi-update (1 products): HTTP 503 server error: GW.BLOCK.02 maintenance");

    h.http.reply(401, R"({"code":"GW.AUTHN","message":"expired"})");
    h.http.reply(200, token_reply("tok2"));
    h.http.reply(401, R"({"code":"GW.AUTHN","message":"expired"})");
    outcomes = connector->push_stock(updates);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::auth);
  }
}

TEST_CASE("SmartstoreConnector::push_stock with options: GET, then one PUT re-sending every option")
{
  Harness h;
  h.cache_token("tok", 2h);
  auto connector = h.make();

  SUBCASE("only the pushed option's stock changes; price and usable go back as read")
  {
    h.http.reply(200, with_options(k_two_options));
    h.http.reply(200, success());
    // Attributes from an earlier fetch are not trusted: the GET is.
    StockUpdate pushed = update("1200300000", "111", 4);
    pushed.attributes = {{"price", "999"}, {"usable", "false"}};
    const std::vector<StockUpdate> updates = {pushed};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    REQUIRE(h.http.requests.size() == 2);
    CHECK(h.http.requests[0].method == "GET");
    CHECK(h.http.requests[0].url == origin_url("1200300000"));
    CHECK(h.http.requests[1].method == "PUT");
    CHECK(h.http.requests[1].url == option_stock_url("1200300000"));
    CHECK(h.http.requests[1].label == "PUT origin-products/1200300000/option-stock (2 options)");
    CHECK(json::parse(h.http.requests[1].body)
          == json{{"optionInfo",
                   {{"optionCombinations",
                     {{{"id", 111}, {"stockQuantity", 4}, {"price", 0}, {"usable", true}},
                      {{"id", 222}, {"stockQuantity", 20}, {"price", 1000}, {"usable", false}}}}}}});
  }

  SUBCASE("updates of one product go in one PUT; an unknown option is rejected without a call")
  {
    h.http.reply(200, with_options(k_two_options));
    h.http.reply(200, success());
    const std::vector<StockUpdate> updates = {update("1200300000", "222", 5), update("1200300000", "333", 1),
                                              update("1200300000", "111", 10)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    CHECK((*outcomes)[1].status == WriteStatus::rejected);
    CHECK((*outcomes)[1].reason == "option 333 is not an option of origin product 1200300000");
    CHECK((*outcomes)[2].status == WriteStatus::already_there); // 10 already
    REQUIRE(h.http.requests.size() == 2);
    const json sent = json::parse(h.http.requests[1].body)["optionInfo"]["optionCombinations"];
    CHECK(sent[0]["stockQuantity"] == 10);
    CHECK(sent[1]["stockQuantity"] == 5);
  }

  SUBCASE("nothing to change: already_there, no PUT")
  {
    h.http.reply(200, with_options(k_two_options));
    const std::vector<StockUpdate> updates = {update("1200300000", "222", 20)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::already_there);
    CHECK(h.http.requests.size() == 1);
  }

  SUBCASE("a GET that does not show an option's price is never written back")
  {
    json options = k_two_options;
    options[1].erase("price");
    h.http.reply(200, with_options(options));
    const std::vector<StockUpdate> updates = {update("1200300000", "111", 3)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason
          == "GET origin-products/1200300000 does not show the stockQuantity, price and usable of option 222: "
             "sending option-stock without them would reset them");
    CHECK(h.http.requests.size() == 1);
  }

  SUBCASE("unknown product (404), a product without options, a refused PUT")
  {
    h.http.reply(404, R"({"code":"NOT_FOUND","message":"상품이 존재하지 않습니다.","traceId":"t-404"})");
    h.http.reply(200, without_options(5, "SKU-RICE-5"));
    h.http.reply(200, with_options(k_two_options));
    h.http.reply(400, json{{"code", "BAD_REQUEST"},
                           {"message", "잘못된 요청입니다."},
                           {"invalidInputs", {{{"name", "optionInfo.optionCombinations[0].stockQuantity"}, {"type", "Range"}, {"message", "too many"}}}}}
                          .dump());
    const std::vector<StockUpdate> updates = {update("9", "1", 1), update("1200300013", "5", 1), update("1200300000", "111", 99999)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason == "GET origin-products/9: HTTP 404 NOT_FOUND 상품이 존재하지 않습니다.");
    CHECK((*outcomes)[0].request_id == "t-404");
    CHECK((*outcomes)[1].reason == "origin product 1200300013 has no options (push it without option id)");
    CHECK((*outcomes)[2].status == WriteStatus::rejected);
    CHECK((*outcomes)[2].reason
          == "PUT origin-products/1200300000/option-stock (2 options): HTTP 400 BAD_REQUEST 잘못된 요청입니다.; "
             "optionInfo.optionCombinations[0].stockQuantity: too many");
    CHECK(h.http.requests.size() == 4);
  }

  SUBCASE("a throttled product is retry_later while the others are answered")
  {
    h.http.reply(200, success());
    h.http.reply(429, R"({"code":"GW.RATE_LIMIT","message":"limit","traceId":"t-429"})");
    const std::vector<StockUpdate> updates = {update("1001", "", 7), update("1200300000", "111", 3)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    CHECK((*outcomes)[1].status == WriteStatus::retry_later);
    CHECK((*outcomes)[1].http_status == 429);
    CHECK((*outcomes)[1].reason == "GET origin-products/1200300000: HTTP 429 rate limited: GW.RATE_LIMIT limit");
  }
}

TEST_CASE("SmartstoreConnector::read_stock reads each product once")
{
  Harness h;
  h.cache_token("tok", 2h);
  auto connector = h.make();
  h.http.reply(200, with_options(k_two_options));
  h.http.reply(200, without_options(5, "SKU-RICE-5"));
  h.http.reply(404, R"({"code":"NOT_FOUND","message":"없음"})");
  const std::vector<StockUpdate> updates = {update("1200300000", "222", 0), update("1200300000", "111", 0),
                                            update("1200300000", "999", 0), update("1200300013", "", 0),
                                            update("77", "", 0)};
  const auto states = connector->read_stock(updates);
  REQUIRE(states);
  REQUIRE(states->size() == 5);
  CHECK(((*states)[0].found && (*states)[0].quantity == 20));
  CHECK(((*states)[1].found && (*states)[1].quantity == 10));
  CHECK_FALSE((*states)[2].found);
  CHECK(((*states)[3].found && (*states)[3].quantity == 5));
  CHECK_FALSE((*states)[4].found);
  CHECK(h.http.requests.size() == 3);

  h.http.reply(500, R"({"code":"GW.INTERNAL_SERVER_ERROR","message":"boom"})");
  const auto failed = connector->read_stock(std::span(updates).first(1));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind == ErrorKind::transient);
}

TEST_CASE("SmartstoreConnector::fetch_listings reads one known origin product per page")
{
  Harness h;
  h.cache_token("tok", 2h);
  auto connector = h.make();
  const std::vector<std::string> known = {"1200300000", "1200300013", "404"};
  h.http.reply(200, with_options(k_two_options));
  h.http.reply(200, without_options(5, "SKU-RICE-5"));
  h.http.reply(404, R"({"code":"NOT_FOUND","message":"상품이 존재하지 않습니다."})");

  auto page = connector->fetch_listings(known, "");
  REQUIRE(page);
  CHECK(page->requests == 1);
  CHECK(page->next_cursor == "1");
  REQUIRE(page->listings.size() == 2);
  CHECK(page->listings[0].item_id == "1200300000");
  CHECK(page->listings[0].option_id == "111");
  CHECK(page->listings[0].seller_code == "SKU-EAR-WH");
  CHECK(page->listings[0].name == "무선 블루투스 이어폰 / 화이트");
  CHECK(page->listings[0].quantity == 10);
  CHECK(page->listings[1].option_id == "222");
  CHECK(page->listings[1].quantity == 20);
  CHECK(h.http.requests[0].url == origin_url("1200300000"));

  page = connector->fetch_listings(known, page->next_cursor);
  REQUIRE(page);
  CHECK(page->next_cursor == "2");
  REQUIRE(page->listings.size() == 1);
  CHECK(page->listings[0].item_id == "1200300013");
  CHECK(page->listings[0].option_id.empty());
  CHECK(page->listings[0].seller_code == "SKU-RICE-5");
  CHECK(page->listings[0].quantity == 5);

  page = connector->fetch_listings(known, page->next_cursor);
  REQUIRE(page);
  CHECK(page->next_cursor.empty());
  CHECK(page->listings.empty());
  REQUIRE(page->failures.size() == 1);
  CHECK(page->failures[0].external_id == "404");
  CHECK(page->failures[0].reason == "GET origin-products/404: HTTP 404 NOT_FOUND 상품이 존재하지 않습니다.");

  const auto bad = connector->fetch_listings(known, "x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "invalid smartstore listings cursor \"x\"");
  const auto none = connector->fetch_listings({}, "");
  REQUIRE(none);
  CHECK((none->listings.empty() && none->next_cursor.empty()));
}
