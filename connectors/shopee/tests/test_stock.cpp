// The Shopee connector's stock side (shopee.md §1.9): update_stock per item with per-model
// outcomes, get_model_list read-back and the catalogue from get_item_list + get_model_list.
#include "connectors/shopee/tests/shopee_test.hpp"

namespace {

const std::string k_update_path = "/api/v2/product/update_stock";
const std::string k_item_list_path = "/api/v2/product/get_item_list";
const std::string k_model_list_path = "/api/v2/product/get_model_list";
// shopee.md §1.11 (c): the update_stock shop base string with the guide's inputs.
constexpr const char* k_sign_update_stock = "e6d457ecdff593a6b22b51291698ab01318bd32a4a00401e9f05fef895671fb6";

std::string ok(json response = json::object())
{
  return json{{"error", ""}, {"message", ""}, {"request_id", "r-ok"}, {"response", response}}.dump();
}

std::string refused(const std::string& code, const std::string& message, json response = nullptr)
{
  json body{{"error", code}, {"message", message}, {"request_id", "r-err"}};
  if (!response.is_null()) {
    body["response"] = std::move(response);
  }
  return body.dump();
}

StockUpdate update(std::string item, std::string model, int quantity, Settings attributes = {})
{
  return StockUpdate{std::move(item), std::move(model), "SKU", quantity, std::move(attributes)};
}

json model(long long id, const std::string& sku, std::vector<int> stocks, std::vector<int> tier = {},
           std::vector<std::string> locations = {})
{
  json seller = json::array();
  for (std::size_t i = 0; i < stocks.size(); ++i) {
    json entry{{"stock", stocks[i]}, {"if_saleable", true}};
    if (i < locations.size()) {
      entry["location_id"] = locations[i];
    }
    seller.push_back(entry);
  }
  return {{"model_id", id},
          {"model_sku", sku},
          {"model_status", "MODEL_NORMAL"},
          {"tier_index", tier},
          {"price_info", {{{"current_price", 3.9}, {"original_price", 3.9}}}},
          {"stock_info_v2",
           {{"summary_info", {{"total_reserved_stock", 0}, {"total_available_stock", 0}}},
            {"seller_stock", seller},
            {"shopee_stock", json::array()}}}};
}

const json k_tiers = {{{"name", "Colour"}, {"option_list", {{{"option", "White"}}, {{"option", "Black"}}}}}};

std::string models_reply(json models, json tiers = json::array())
{
  return ok({{"tier_variation", tiers}, {"model", models}});
}

} // namespace

TEST_CASE("ShopeeConnector::push_stock")
{
  Harness h;
  h.store_token(k_access_token, 2h, "shp-rt-stored");
  auto connector = h.make();
  CHECK(connector->capabilities().stock_batch == 50);

  SUBCASE("one signed update_stock per item, its models in one stock_list")
  {
    h.http.reply(200, ok({{"success_list", {{{"model_id", 11}, {"location_id", ""}, {"stock", 7}},
                                            {{"model_id", 12}, {"location_id", ""}, {"stock", 0}}}},
                          {"failure_list", json::array()}}));
    h.http.reply(200, ok({{"success_list", {{{"model_id", 0}, {"stock", 5}}}}, {"failure_list", json::array()}}));
    const std::vector<StockUpdate> updates{update("800", "11", 7), update("900", "", 5), update("800", "12", 0)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    REQUIRE(outcomes->size() == 3);
    for (const auto& outcome : *outcomes) {
      CHECK(outcome.status == WriteStatus::done);
      CHECK(outcome.request_id == "r-ok");
    }
    REQUIRE(h.http.requests.size() == 2);
    const auto& first = h.http.requests[0];
    CHECK(first.method == "POST");
    CHECK(first.url == std::string(k_base) + k_update_path + k_shop_query + "&sign=" + k_sign_update_stock);
    CHECK(header(first, "Content-Type") == "application/json");
    CHECK(first.body
          == R"({"item_id":800,"stock_list":[{"model_id":11,"seller_stock":[{"stock":7}]},{"model_id":12,"seller_stock":[{"stock":0}]}]})");
    // An item without models (option_id "", as mapping.cpp names it) is model_id 0.
    CHECK(h.http.requests[1].body == R"({"item_id":900,"stock_list":[{"model_id":0,"seller_stock":[{"stock":5}]}]})");
  }
  SUBCASE("partial failure: each model's outcome from success_list and failure_list")
  {
    h.http.reply(200, refused("error_busi_update_stock_failed",
                              "Update stock failed, please check failure_list for detailed reason",
                              {{"success_list", {{{"model_id", 11}, {"location_id", ""}, {"stock", 7}}}},
                               {"failure_list", {{{"model_id", 12}, {"failed_reason", "Total stock must be more than reserved stock."}}}}}));
    const std::vector<StockUpdate> updates{update("800", "11", 7), update("800", "12", 1), update("800", "13", 4)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    REQUIRE(outcomes->size() == 3);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    CHECK((*outcomes)[1].status == WriteStatus::rejected);
    CHECK((*outcomes)[1].reason == "POST update_stock (item 800 model 12): Total stock must be more than reserved stock.");
    CHECK((*outcomes)[1].request_id == "r-err");
    CHECK((*outcomes)[2].status == WriteStatus::retry_later);
    CHECK((*outcomes)[2].reason
          == "POST update_stock (item 800 model 13): error_busi_update_stock_failed without this model in success_list or failure_list");
    CHECK(h.http.requests.size() == 1);
  }
  SUBCASE("whole-call refusals: unknown item rejected, busy and throttled retried")
  {
    h.http.reply(400, refused("error_item_not_found", "Item not found."));
    h.http.reply(200, refused("error_system_busy", "System busy, please try again later."));
    h.http.reply(200, refused("error_rate_limit", "Too many requests."));
    h.http.reply(400, refused("error_param", "Total stock must be more than reserved stock."));
    const std::vector<StockUpdate> updates{update("1", "", 1), update("2", "21", 1), update("2", "22", 1),
                                           update("3", "", 1), update("4", "41", 0)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    REQUIRE(outcomes->size() == 5);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason == "POST update_stock (item 1, 1 model): HTTP 400 error_item_not_found: Item not found.");
    CHECK((*outcomes)[0].http_status == 400);
    CHECK((*outcomes)[1].status == WriteStatus::retry_later);
    CHECK((*outcomes)[2].status == WriteStatus::retry_later);
    CHECK((*outcomes)[2].reason == "POST update_stock (item 2, 2 models): HTTP 200 error_system_busy: System busy, please try again later.");
    CHECK((*outcomes)[3].status == WriteStatus::retry_later);
    CHECK((*outcomes)[4].status == WriteStatus::rejected);
    CHECK(h.http.requests.size() == 4);
  }
  SUBCASE("updates that cannot be sent are rejected without a call")
  {
    const std::vector<StockUpdate> updates{update("A-1", "", 1), update("800", "x", 1), update("800", "11", -1),
                                           update("800", "11", 3, {{"location_id", "SGZ,SGW"}})};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    REQUIRE(outcomes->size() == 4);
    for (const auto& outcome : *outcomes) {
      CHECK(outcome.status == WriteStatus::rejected);
    }
    CHECK((*outcomes)[0].reason == "\"A-1\" is not a Shopee item_id");
    CHECK((*outcomes)[1].reason == "\"x\" is not a Shopee model_id");
    CHECK((*outcomes)[2].reason == "quantity -1 is below 0");
    CHECK((*outcomes)[3].reason.find("several warehouses (SGZ,SGW)") != std::string::npos);
    CHECK(h.http.requests.empty());
  }
  SUBCASE("a repeated model goes into the item's next call; at most 50 models per call")
  {
    h.http.handler = [](const net::Request&) { return respond(200, ok({{"failure_list", json::array()}})); };
    std::vector<StockUpdate> updates{update("800", "11", 1), update("800", "11", 2)};
    for (int m = 0; m < 48; ++m) {
      updates.push_back(update("900", std::to_string(100 + m), m));
    }
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK(outcomes->size() == 50);
    REQUIRE(h.http.requests.size() == 3);
    CHECK(json::parse(h.http.requests[0].body)["stock_list"]
          == json::parse(R"([{"model_id":11,"seller_stock":[{"stock":1}]}])"));
    CHECK(json::parse(h.http.requests[1].body)["stock_list"]
          == json::parse(R"([{"model_id":11,"seller_stock":[{"stock":2}]}])"));
    CHECK(json::parse(h.http.requests[2].body)["stock_list"].size() == 48);

    h.http.requests.clear();
    std::vector<StockUpdate> many;
    for (int m = 0; m < 51; ++m) {
      many.push_back(update("900", std::to_string(100 + m), m));
    }
    const auto split = connector->push_stock(many);
    REQUIRE(split);
    CHECK(split->size() == 51);
    REQUIRE(h.http.requests.size() == 2);
    CHECK(json::parse(h.http.requests[0].body)["stock_list"].size() == 50);
    CHECK(json::parse(h.http.requests[1].body)["stock_list"].size() == 1);
  }
  SUBCASE("no answer, or the token refused twice, leaves the outcomes unknown")
  {
    h.http.responses.push_back(std::unexpected(net::TransportError{net::TransportErrorKind::timeout, "timed out"}));
    const std::vector<StockUpdate> updates{update("800", "11", 1)};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::transient);
  }
  SUBCASE("a location_id fetched with the listing is sent back")
  {
    h.http.reply(200, ok({{"success_list", {{{"model_id", 11}, {"location_id", "SGZ"}, {"stock", 4}}}}}));
    const std::vector<StockUpdate> updates{update("800", "11", 4, {{"location_id", "SGZ"}})};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    CHECK(h.http.requests[0].body
          == R"({"item_id":800,"stock_list":[{"model_id":11,"seller_stock":[{"location_id":"SGZ","stock":4}]}]})");
  }
}

TEST_CASE("ShopeeConnector::describe_stock_push")
{
  Harness h;
  auto connector = h.make();
  CHECK(connector->describe_stock_push(update("800", "11", 7))
        == R"(POST /api/v2/product/update_stock {"item_id":800,"stock_list":[{"model_id":11,"seller_stock":[{"stock":7}]}]})");
  CHECK(connector->describe_stock_push(update("900", "", 0))
        == R"(POST /api/v2/product/update_stock {"item_id":900,"stock_list":[{"model_id":0,"seller_stock":[{"stock":0}]}]})");
  CHECK(connector->describe_stock_push(update("x", "", 0))
        == "POST /api/v2/product/update_stock (not sent: \"x\" is not a Shopee item_id)");
}

TEST_CASE("ShopeeConnector::read_stock")
{
  Harness h;
  h.store_token(k_access_token, 2h, "shp-rt-stored");
  auto connector = h.make();

  SUBCASE("get_model_list once per item; seller_stock summed per model")
  {
    h.http.reply(200, models_reply({model(11, "SKU-EAR-WH", {7}, {0}), model(12, "SKU-EAR-BK", {2, 3}, {1})}, k_tiers));
    h.http.reply(200, models_reply(json::array({model(0, "SKU-RICE-5", {40})})));
    h.http.reply(400, refused("error_item_not_found", "Item not found."));
    const std::vector<StockUpdate> updates{update("800", "11", 0), update("900", "", 0), update("800", "12", 0),
                                           update("800", "99", 0), update("1", "", 0), update("x", "", 0)};
    const auto held = connector->read_stock(updates);
    REQUIRE(held);
    REQUIRE(held->size() == 6);
    CHECK(((*held)[0].found && (*held)[0].quantity == 7));
    CHECK(((*held)[1].found && (*held)[1].quantity == 40));
    CHECK(((*held)[2].found && (*held)[2].quantity == 5));
    CHECK_FALSE((*held)[3].found); // a model the item does not have
    CHECK_FALSE((*held)[4].found); // an item Shopee does not know
    CHECK_FALSE((*held)[5].found); // not an id: no call
    REQUIRE(h.http.requests.size() == 3);
    CHECK(path_of(h.http.requests[0].url) == k_model_list_path);
    CHECK(query_value(h.http.requests[0].url, "item_id") == "800");
    CHECK(h.http.requests[0].method == "GET");
  }
  SUBCASE("a throttled read fails the call")
  {
    h.http.reply(429, refused("error_rate_limit", "Too many requests."));
    const std::vector<StockUpdate> updates{update("800", "11", 0)};
    const auto held = connector->read_stock(updates);
    REQUIRE_FALSE(held);
    CHECK(held.error().kind == ErrorKind::rate_limited);
  }
}

TEST_CASE("ShopeeConnector::fetch_listings")
{
  Harness h;
  h.store_token(k_access_token, 2h, "shp-rt-stored");
  auto connector = h.make();

  SUBCASE("a page of NORMAL items, each item's models as listings; the cursor is next_offset")
  {
    h.http.reply(200, ok({{"item", {{{"item_id", 800}, {"item_status", "NORMAL"}, {"update_time", 1}},
                                    {{"item_id", 900}, {"item_status", "NORMAL"}, {"update_time", 1}},
                                    {{"item_id", 950}, {"item_status", "NORMAL"}, {"update_time", 1}}}},
                          {"total_count", 120},
                          {"has_next_page", true},
                          {"next_offset", 50}}));
    h.http.reply(200, models_reply({model(11, "SKU-EAR-WH", {7}, {0}), model(12, "SKU-EAR-BK", {3}, {1}, {"SGZ"})},
                                   k_tiers));
    h.http.reply(200, models_reply(json::array({model(0, "SKU-RICE-5", {40})})));
    h.http.reply(200, models_reply(json::array()));
    const auto page = connector->fetch_listings({}, "");
    REQUIRE(page);
    CHECK(page->next_cursor == "50");
    CHECK(page->requests == 4);
    REQUIRE(page->listings.size() == 3);
    const Listing& white = page->listings[0];
    CHECK(white.item_id == "800");
    CHECK(white.option_id == "11");
    CHECK(white.seller_code == "SKU-EAR-WH");
    CHECK(white.name == "White");
    CHECK(white.quantity == 7);
    CHECK(white.attributes.empty());
    CHECK(page->listings[1].name == "Black");
    CHECK(page->listings[1].attributes == Settings{{"location_id", "SGZ"}});
    // model_id 0 becomes the empty option_id mapping.cpp gives the item's order lines.
    const Listing& rice = page->listings[2];
    CHECK(rice.item_id == "900");
    CHECK(rice.option_id.empty());
    CHECK(rice.seller_code == "SKU-RICE-5");
    CHECK(rice.quantity == 40);
    REQUIRE(page->failures.size() == 1);
    CHECK(page->failures[0].external_id == "950");
    CHECK(page->failures[0].reason.find("get_model_list lists no model") != std::string::npos);

    const auto& list = h.http.requests[0];
    CHECK(path_of(list.url) == k_item_list_path);
    CHECK(query_value(list.url, "offset") == "0");
    CHECK(query_value(list.url, "page_size") == "50");
    CHECK(query_value(list.url, "item_status") == "NORMAL");
    CHECK(query_value(h.http.requests[1].url, "item_id") == "800");
  }
  SUBCASE("the next page starts at the cursor; the last page has no cursor")
  {
    h.http.reply(200, ok({{"item", json::array()}, {"total_count", 50}, {"has_next_page", false}}));
    const auto page = connector->fetch_listings({}, "50");
    REQUIRE(page);
    CHECK(page->next_cursor.empty());
    CHECK(page->listings.empty());
    CHECK(query_value(h.http.requests[0].url, "offset") == "50");
  }
  SUBCASE("a next_offset that does not advance is a contract error; so is a foreign cursor")
  {
    h.http.reply(200, ok({{"item", json::array()}, {"has_next_page", true}, {"next_offset", 50}}));
    const auto page = connector->fetch_listings({}, "50");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "GET get_item_list (offset 50): next_offset 50 did not advance");
    const auto bad = connector->fetch_listings({}, "abc");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "catalogue cursor \"abc\" is not a get_item_list offset");
  }
  SUBCASE("an item refused by get_model_list is a failure; a throttled one fails the page")
  {
    h.http.reply(200, ok({{"item", {{{"item_id", 800}}, {{"item_id", 900}}}}, {"has_next_page", false}}));
    h.http.reply(400, refused("error_item_not_found", "Item not found."));
    h.http.reply(200, refused("error_rate_limit", "Too many requests."));
    const auto page = connector->fetch_listings({}, "");
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == ErrorKind::rate_limited);
  }
  SUBCASE("the attributes a fetch stores come back in the push")
  {
    h.http.reply(200, ok({{"item", {{{"item_id", 800}}}}, {"has_next_page", false}}));
    h.http.reply(200, models_reply(json::array({model(12, "SKU-EAR-BK", {3}, {1}, {"SGZ"})}), k_tiers));
    const auto page = connector->fetch_listings({}, "");
    REQUIRE(page);
    REQUIRE(page->listings.size() == 1);
    const Listing& listing = page->listings[0];
    h.http.reply(200, ok({{"success_list", {{{"model_id", 12}, {"location_id", "SGZ"}, {"stock", 9}}}}}));
    const std::vector<StockUpdate> updates{
        StockUpdate{listing.item_id, listing.option_id, listing.seller_code, 9, listing.attributes}};
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::done);
    CHECK(h.http.requests.back().body
          == R"({"item_id":800,"stock_list":[{"model_id":12,"seller_stock":[{"location_id":"SGZ","stock":9}]}]})");
  }
}
