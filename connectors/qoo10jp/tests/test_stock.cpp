// The Qoo10 connector's stock side (qoo10jp.md §2.5): SetGoodsPriceQty always carrying the
// item's current ExpireDate and Price, UpdateInventoryQtyUnit for options, outcomes from
// ResultCode, and the catalogue read item by item (UNCONFIRMED look-ups).
#include "connectors/qoo10jp/tests/qoo10jp_test.hpp"

namespace {

const std::string k_service = std::string(k_base) + "/GMKT.INC.Front.QAPIService/ebayjapan.qapi/";

std::string result(int code, const std::string& message)
{
  return json{{"ResultCode", code}, {"ResultMsg", message}}.dump();
}

std::string rows(const json& object)
{
  return json{{"ResultCode", 0}, {"ResultMsg", "SUCCESS"}, {"ResultObject", object}}.dump();
}

json detail(const std::string& code, const std::string& seller_code, int qty, const std::string& expire = "2026-10-01")
{
  return json::array({{{"ItemCode", code},
                       {"SellerCode", seller_code},
                       {"ItemTitle", "玄米 5kg"},
                       {"ItemPrice", "2890.0000"},
                       {"ItemQty", qty},
                       {"TaxRate", "S"},
                       {"ExpireDate", expire}}});
}

json option(const std::string& code, int qty, const std::string& value, const std::string& size = "")
{
  return {{"Name1", "Color"}, {"Value1", value}, {"Name2", size.empty() ? "" : "Size"}, {"Value2", size},
          {"Price", 0},       {"Qty", qty},      {"ItemTypeCode", code}};
}

Settings item_attributes()
{
  return {{"expire_date", "2026-10-01"}, {"price", "2890"}, {"tax_rate", "S"}};
}

} // namespace

TEST_CASE("Qoo10Connector::push_stock without options: SetGoodsPriceQty with the current ExpireDate and Price")
{
  Harness h;
  h.cache_key("seller-key", 10h);
  auto connector = h.make();
  CHECK(connector->capabilities().stock_batch == 1);

  h.http.reply(200, result(0, "SUCCESS"));
  const std::vector<StockUpdate> updates{{"800000022", "", "SKU-RICE-5", 7, item_attributes()}};
  const auto outcomes = connector->push_stock(updates);
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == 1);
  CHECK((*outcomes)[0].status == WriteStatus::done);
  REQUIRE(h.http.requests.size() == 1);
  const auto& post = h.http.requests[0];
  CHECK(post.method == "POST");
  CHECK(post.url == k_service + "ItemsOrder.SetGoodsPriceQty");
  CHECK(post.label == "POST ItemsOrder.SetGoodsPriceQty (ItemCode 800000022)");
  CHECK(header(post, "GiosisCertificationKey") == "seller-key");
  CHECK(post.body
        == "ItemCode=800000022&SellerCode=SKU-RICE-5&Price=2890&Qty=7&TaxRate=S&ExpireDate=2026-10-01&returnType=application%"
           "2Fjson");
  CHECK(connector->describe_stock_push(updates[0])
        == "POST /GMKT.INC.Front.QAPIService/ebayjapan.qapi/ItemsOrder.SetGoodsPriceQty " + post.body);
}

TEST_CASE("Qoo10Connector::push_stock never sends SetGoodsPriceQty without ExpireDate and Price")
{
  Harness h;
  h.cache_key("seller-key", 10h);
  auto connector = h.make();
  Settings no_expire = item_attributes();
  no_expire.erase("expire_date");
  Settings bad_expire = item_attributes();
  bad_expire["expire_date"] = "2026/10/01";
  Settings no_price = item_attributes();
  no_price.erase("price");
  Settings zero_price = item_attributes();
  zero_price["price"] = "0";
  const std::vector<StockUpdate> updates{{"1", "", "A", 5, no_expire},
                                         {"2", "", "B", 5, bad_expire},
                                         {"3", "", "C", 5, no_price},
                                         {"4", "", "D", 5, zero_price},
                                         {"5", "RED", "E", 5, item_attributes()},
                                         {"6", "", "F", -2, item_attributes()}};
  const auto outcomes = connector->push_stock(updates);
  REQUIRE(outcomes);
  REQUIRE(outcomes->size() == updates.size());
  for (const auto& outcome : *outcomes) {
    CHECK(outcome.status == WriteStatus::rejected);
  }
  CHECK((*outcomes)[0].reason
        == "ItemCode 1: the item's current ExpireDate is unknown (attribute expire_date); SetGoodsPriceQty without it "
           "would move the sale end to a year from now, so nothing was sent (run listings fetch first)");
  CHECK((*outcomes)[1].reason.find("not yyyy-mm-dd (\"2026/10/01\")") != std::string::npos);
  CHECK((*outcomes)[2].reason
        == "ItemCode 3: the item's current Price is unknown (attribute price); SetGoodsPriceQty sends it with the "
           "quantity, so nothing was sent (run listings fetch first)");
  CHECK((*outcomes)[3].reason.find("not whole yen (\"0\")") != std::string::npos);
  CHECK((*outcomes)[4].reason.starts_with("ItemCode 5 option RED: the option's name and value are unknown"));
  CHECK((*outcomes)[5].reason == "quantity -2 is below zero");
  CHECK(h.http.requests.empty());
  CHECK(connector->describe_stock_push(updates[0]).starts_with("not sent: ItemCode 1: the item's current ExpireDate"));
}

TEST_CASE("Qoo10Connector::push_stock of an option: UpdateInventoryQtyUnit")
{
  Harness h;
  h.cache_key("seller-key", 10h);
  auto connector = h.make();
  h.http.reply(200, result(0, "SUCCESS"));
  const std::vector<StockUpdate> updates{
      {"800000011", "SKU-EAR-WH", "SKU-EAR-WH", 12,
       {{"option_name", "Color"}, {"option_value", "White"}, {"item_seller_code", "SKU-EAR"}, {"price", "3900"}}}};
  const auto outcomes = connector->push_stock(updates);
  REQUIRE(outcomes);
  CHECK((*outcomes)[0].status == WriteStatus::done);
  REQUIRE(h.http.requests.size() == 1);
  CHECK(h.http.requests[0].url == k_service + "ItemsOptions.UpdateInventoryQtyUnit");
  CHECK(h.http.requests[0].label == "POST ItemsOptions.UpdateInventoryQtyUnit (ItemCode 800000011, OptionCode SKU-EAR-WH)");
  CHECK(h.http.requests[0].body
        == "ItemCode=800000011&SellerCode=SKU-EAR&OptionName=Color&OptionValue=White&OptionCode=SKU-EAR-WH&Qty=12&"
           "returnType=application%2Fjson");
}

TEST_CASE("Qoo10Connector::push_stock maps ResultCode and HTTP answers")
{
  Harness h;
  h.cache_key("seller-key", 10h);
  auto connector = h.make();
  const std::vector<StockUpdate> updates{{"800000022", "", "SKU-RICE-5", 7, item_attributes()}};

  SUBCASE("a negative ResultCode on HTTP 200 is Qoo10 refusing the listing")
  {
    h.http.reply(200, result(-10001, "Item not found: ItemCode 800000022."));
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::rejected);
    CHECK((*outcomes)[0].reason
          == "POST ItemsOrder.SetGoodsPriceQty (ItemCode 800000022): ResultCode -10001 Item not found: ItemCode 800000022.");
  }
  SUBCASE("throttled or a server error: send again later")
  {
    h.http.reply(429, result(-10101, "Too many requests"));
    const auto outcomes = connector->push_stock(updates);
    REQUIRE(outcomes);
    CHECK((*outcomes)[0].status == WriteStatus::retry_later);
    CHECK((*outcomes)[0].http_status == 429);
  }
  SUBCASE("a key Qoo10 keeps refusing after a new one was issued is the channel's error")
  {
    h.http.reply(200, result(-10000, "Please check the Seller Authorization Key."));
    h.http.reply(200, key_reply("fresh-key"));
    h.http.reply(200, result(-90004, "expired"));
    const auto outcomes = connector->push_stock(updates);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::auth);
    REQUIRE(h.http.requests.size() == 3);
    CHECK(header(h.http.requests[2], "GiosisCertificationKey") == "fresh-key");
  }
  SUBCASE("no answer leaves the push unknown")
  {
    h.http.responses.push_back(std::unexpected(
        net::TransportError{net::TransportErrorKind::timeout, "POST ItemsOrder.SetGoodsPriceQty: timed out", 4}));
    const auto outcomes = connector->push_stock(updates);
    REQUIRE_FALSE(outcomes);
    CHECK(outcomes.error().kind == ErrorKind::transient);
  }
}

TEST_CASE("Qoo10Connector::fetch_listings reads one known item per page")
{
  Harness h;
  h.cache_key("seller-key", 10h);
  auto connector = h.make();
  const std::vector<std::string> known{"800000022", "800000011", "999"};

  // Page 1: an item without options.
  h.http.reply(200, rows(detail("800000022", "SKU-RICE-5", 40)));
  h.http.reply(200, rows(json::array()));
  auto page = connector->fetch_listings(known, "");
  REQUIRE(page);
  CHECK(page->next_cursor == "1");
  CHECK(page->requests == 2);
  CHECK(page->failures.empty());
  REQUIRE(page->listings.size() == 1);
  const Listing& rice = page->listings[0];
  CHECK(rice.item_id == "800000022");
  CHECK(rice.option_id.empty());
  CHECK(rice.seller_code == "SKU-RICE-5");
  CHECK(rice.name == "玄米 5kg");
  CHECK(rice.quantity == 40);
  CHECK(rice.attributes == Settings{{"expire_date", "2026-10-01"}, {"price", "2890"}, {"tax_rate", "S"}});
  REQUIRE(h.http.requests.size() == 2);
  CHECK(h.http.requests[0].url == k_service + "ItemsLookup.GetItemDetailInfo");
  CHECK(h.http.requests[0].body == "ItemCode=800000022&returnType=application%2Fjson");
  CHECK(h.http.requests[1].url == k_service + "ItemsLookup.GetGoodsInventoryInfo");

  // The attributes round-trip: what fetch_listings stored is what the push sends back.
  h.http.reply(200, result(0, "SUCCESS"));
  const std::vector<StockUpdate> push{{rice.item_id, rice.option_id, rice.seller_code, 3, rice.attributes}};
  REQUIRE(connector->push_stock(push));
  CHECK(h.http.requests.back().body
        == "ItemCode=800000022&SellerCode=SKU-RICE-5&Price=2890&Qty=3&TaxRate=S&ExpireDate=2026-10-01&returnType=application%"
           "2Fjson");

  // Page 2: an item with options, one of them on two axes; one option row unusable.
  h.http.reply(200, rows(detail("800000011", "SKU-EAR", 15, "2027-01-31 23:59:59")));
  h.http.reply(200, rows(json::array({option("SKU-EAR-WH", 5, "White"), option("SKU-EAR-BK-L", 10, "Black", "L"),
                                      option("", 3, "Red")})));
  page = connector->fetch_listings(known, "1");
  REQUIRE(page);
  CHECK(page->next_cursor == "2");
  REQUIRE(page->listings.size() == 2);
  CHECK(page->listings[0].option_id == "SKU-EAR-WH");
  CHECK(page->listings[0].seller_code == "SKU-EAR-WH");
  CHECK(page->listings[0].quantity == 5);
  CHECK(page->listings[0].attributes
        == Settings{{"expire_date", "2027-01-31"}, {"price", "2890"}, {"tax_rate", "S"}, {"option_name", "Color"},
                    {"option_value", "White"}, {"item_seller_code", "SKU-EAR"}});
  CHECK(page->listings[1].attributes.at("option_name") == "Color||*Size");
  CHECK(page->listings[1].attributes.at("option_value") == "Black||*L");
  REQUIRE(page->failures.size() == 1);
  CHECK(page->failures[0].external_id == "800000011");

  // Page 3: an item Qoo10 does not know is a failure, and the catalogue ends.
  h.http.reply(200, result(-10001, "Item not found: ItemCode 999."));
  page = connector->fetch_listings(known, "2");
  REQUIRE(page);
  CHECK(page->next_cursor.empty());
  CHECK(page->listings.empty());
  REQUIRE(page->failures.size() == 1);
  CHECK(page->failures[0].reason == "POST ItemsLookup.GetItemDetailInfo (ItemCode 999): ResultCode -10001 Item not found: ItemCode 999.");

  // Nothing known, or a bad cursor.
  const std::vector<std::string> none;
  page = connector->fetch_listings(none, "");
  REQUIRE(page);
  CHECK(page->listings.empty());
  CHECK(page->next_cursor.empty());
  CHECK_FALSE(connector->fetch_listings(known, "x"));
}

TEST_CASE("Qoo10Connector::read_stock answers ItemQty or the option's Qty")
{
  Harness h;
  h.cache_key("seller-key", 10h);
  auto connector = h.make();
  h.http.reply(200, rows(detail("800000011", "SKU-EAR", 15)));
  h.http.reply(200, rows(json::array({option("SKU-EAR-WH", 5, "White"), option("SKU-EAR-BK", 10, "Black")})));
  h.http.reply(200, rows(detail("800000011", "SKU-EAR", 15)));
  h.http.reply(200, rows(json::array({option("SKU-EAR-WH", 5, "White")})));
  h.http.reply(200, result(-10001, "Item not found"));
  const std::vector<StockUpdate> first{{"800000011", "SKU-EAR-BK", "SKU-EAR-BK", 0, {}}};
  const std::vector<StockUpdate> second{{"800000011", "SKU-EAR-GONE", "X", 0, {}}};
  const std::vector<StockUpdate> third{{"999", "", "Y", 0, {}}};
  const auto a = connector->read_stock(first);
  const auto b = connector->read_stock(second);
  const auto c = connector->read_stock(third);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK((*a)[0].found);
  CHECK((*a)[0].quantity == 10);
  CHECK_FALSE((*b)[0].found);
  CHECK_FALSE((*c)[0].found);
}
