// Qoo10 Japan stock (qoo10jp.md §2.5): ItemsOrder.SetGoodsPriceQty for items without options,
// ItemsOptions.UpdateInventoryQtyUnit for options, and the item look-ups uoms reads its
// catalogue with, ItemsLookup.GetItemDetailInfo and ItemsLookup.GetGoodsInventoryInfo (not in
// the contract: UNCONFIRMED shapes, see README). Authenticated like every other QAPI call
// (qoo10jp.cpp); answers are HTTP 200 with a ResultCode.

#include "stock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

namespace uoms::sandbox {

namespace {

// qoo10jp.md §2.2.
constexpr int k_not_found = -10001;
constexpr int k_processing = -10101;

// The option axis name the sandbox's items use: orders show `option` as "オプション:<value>".
const std::string k_axis = "オプション";

void result(httplib::Response& res, int code, const std::string& message, json object = json())
{
  json body{{"ResultCode", code}, {"ResultMsg", message}};
  if (!object.is_null()) {
    body["ResultObject"] = std::move(object);
  }
  res.status = 200;
  res.set_content(body.dump(), "application/json;charset=UTF-8");
}

bool digits(const std::string& text)
{
  return !text.empty() && text.size() <= 10 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A quantity: 0 to 2^31-1 (Int32, the ItemQty range of the published guide).
std::optional<long long> quantity(const std::string& text)
{
  if (!digits(text) || std::stoll(text) > INT_MAX) {
    return std::nullopt;
  }
  return std::stoll(text);
}

// `yyyy-mm-dd` naming a real day.
std::optional<LocalTime> expire_date(const std::string& text)
{
  if (text.size() != 10) {
    return std::nullopt;
  }
  return parse_dashed_date(text, k_jst);
}

std::string today_plus(std::chrono::days days)
{
  return format_time(now() + days, k_jst, "%Y-%m-%d");
}

// The item-level SellerCode: the listing's own code for an item without options, else the
// options' codes up to their last common dash ("SKU-EAR-WH", "SKU-EAR-BK" -> "SKU-EAR";
// "SKU-TAN-3" alone -> "SKU-TAN").
std::string item_seller_code(const std::vector<StockListing>& item)
{
  if (item.size() == 1 && item.front().option.empty()) {
    return item.front().seller_code;
  }
  std::string stem = item.front().seller_code;
  stem = stem.substr(0, stem.rfind('-') == std::string::npos ? stem.size() : stem.rfind('-'));
  for (const auto& l : item) {
    while (!stem.empty() && !l.seller_code.starts_with(stem + "-")) {
      const auto dash = stem.rfind('-');
      stem = dash == std::string::npos ? std::string() : stem.substr(0, dash);
    }
  }
  return stem.empty() ? item.front().seller_code : stem;
}

std::vector<StockListing> item_listings(const std::string& seller, const std::string& item_code)
{
  std::vector<StockListing> out;
  for (auto& l : stock_book().listings(Kind::qoo10jp, seller)) {
    if (l.item == item_code) {
      out.push_back(std::move(l));
    }
  }
  return out;
}

bool has_options(const std::vector<StockListing>& item)
{
  return !item.empty() && !item.front().option.empty();
}

void item_detail(const httplib::Request& req, httplib::Response& res, const std::string& seller)
{
  const std::string code = req.get_param_value("ItemCode");
  if (code.empty()) {
    result(res, k_processing, "ItemCode is required.");
    return;
  }
  const auto item = item_listings(seller, code);
  if (item.empty()) {
    result(res, k_not_found, fmt::format("Item not found: ItemCode {}.", code));
    return;
  }
  long long qty = 0;
  for (const auto& l : item) {
    qty += l.stock;
  }
  // Prices come as fixed-point text, as public clients of this call report.
  result(res, 0, "SUCCESS",
         json::array({{{"ItemCode", code},
                       {"SellerCode", item_seller_code(item)},
                       {"ItemTitle", item.front().name},
                       {"ItemStatus", "S2"},
                       {"ItemPrice", fmt::format("{}.0000", item.front().price)},
                       {"RetailPrice", "0.0000"},
                       {"ItemQty", qty},
                       {"TaxRate", "S"},
                       {"ExpireDate", item.front().expire_date}}}));
}

void inventory_info(const httplib::Request& req, httplib::Response& res, const std::string& seller)
{
  const std::string code = req.get_param_value("ItemCode");
  if (code.empty()) {
    result(res, k_processing, "ItemCode is required.");
    return;
  }
  const auto item = item_listings(seller, code);
  if (item.empty()) {
    result(res, k_not_found, fmt::format("Item not found: ItemCode {}.", code));
    return;
  }
  json rows = json::array();
  if (has_options(item)) {
    for (const auto& l : item) {
      json row{{"Name1", k_axis}, {"Value1", l.option_name}, {"Price", 0}, {"Qty", l.stock}, {"ItemTypeCode", l.option}};
      for (int axis = 2; axis <= 5; ++axis) {
        row[fmt::format("Name{}", axis)] = "";
        row[fmt::format("Value{}", axis)] = "";
      }
      rows.push_back(std::move(row));
    }
  }
  result(res, 0, "SUCCESS", std::move(rows));
}

// ItemsOrder.SetGoodsPriceQty (§2.5). Omitted Price, Qty and TaxRate keep their values (the
// contract leaves this UNCONFIRMED); an omitted or empty ExpireDate moves the sale end to a
// year from today, as §2.5's gotcha says Qoo10 does.
void set_price_qty(const httplib::Request& req, httplib::Response& res, const std::string& seller)
{
  const std::string code = req.get_param_value("ItemCode");
  if (code.empty()) {
    result(res, k_processing, "ItemCode is required.");
    return;
  }
  auto guard = stock_book().serialise();
  const auto item = item_listings(seller, code);
  if (item.empty()) {
    result(res, k_not_found, fmt::format("Item not found: ItemCode {}.", code));
    return;
  }
  if (has_options(item)) {
    // The sandbox's choice: the quantity of an option item lives in its options.
    result(res, k_processing,
           fmt::format("ItemCode {} has options; change their quantities with ItemsOptions.UpdateInventoryQtyUnit.", code));
    return;
  }
  StockListing listing = item.front();
  const std::string seller_code = req.get_param_value("SellerCode");
  if (!seller_code.empty() && seller_code != listing.seller_code) {
    result(res, k_not_found, fmt::format("Item not found: ItemCode {} with SellerCode {}.", code, seller_code));
    return;
  }
  const long long before = listing.stock;
  if (req.has_param("Qty")) {
    const auto qty = quantity(req.get_param_value("Qty"));
    if (!qty) {
      result(res, k_processing, fmt::format("Qty must be 0 to {} (got '{}').", INT_MAX, req.get_param_value("Qty")));
      return;
    }
    listing.stock = *qty;
  }
  if (req.has_param("Price")) {
    const std::string price = req.get_param_value("Price");
    if (!digits(price) || std::stoll(price) < 1 || std::stoll(price) > 999999999) {
      result(res, k_processing, fmt::format("Price must be 1 to 999999999 yen (got '{}').", price));
      return;
    }
    listing.price = std::stoll(price);
  }
  const std::string tax = req.get_param_value("TaxRate");
  if (!tax.empty() && tax != "S" && tax != "10" && tax != "8" && tax != "0") {
    result(res, k_processing, fmt::format("TaxRate must be S, 10, 8 or 0 (got '{}').", tax));
    return;
  }
  const std::string expire = req.get_param_value("ExpireDate");
  std::string call = "SetGoodsPriceQty";
  if (expire.empty()) {
    listing.expire_date = today_plus(std::chrono::days{365});
    call += " without ExpireDate";
  } else {
    const auto day = expire_date(expire);
    if (!day) {
      result(res, k_processing, fmt::format("ExpireDate must be yyyy-mm-dd (got '{}').", expire));
      return;
    }
    if (day->at + std::chrono::days{1} <= now()) {
      result(res, k_processing, fmt::format("ExpireDate {} is in the past.", expire));
      return;
    }
    listing.expire_date = expire;
  }
  stock_book().update(listing);
  stock_book().written({Kind::qoo10jp, seller, listing.item, listing.option, before, listing.stock, call, now()});
  result(res, 0, "SUCCESS");
}

// ItemsOptions.UpdateInventoryQtyUnit (§2.5): one option, found by OptionName + OptionValue;
// OptionCode and SellerCode, when sent, must be that option's and the item's.
void update_option_qty(const httplib::Request& req, httplib::Response& res, const std::string& seller)
{
  const std::string code = req.get_param_value("ItemCode");
  const std::string name = req.get_param_value("OptionName");
  const std::string value = req.get_param_value("OptionValue");
  if (code.empty() || name.empty() || value.empty() || !req.has_param("Qty")) {
    result(res, k_processing, "ItemCode, OptionName, OptionValue and Qty are required.");
    return;
  }
  const auto qty = quantity(req.get_param_value("Qty"));
  if (!qty) {
    result(res, k_processing, fmt::format("Qty must be 0 to {} (got '{}').", INT_MAX, req.get_param_value("Qty")));
    return;
  }
  auto guard = stock_book().serialise();
  const auto item = item_listings(seller, code);
  if (item.empty()) {
    result(res, k_not_found, fmt::format("Item not found: ItemCode {}.", code));
    return;
  }
  if (!has_options(item)) {
    result(res, k_processing, fmt::format("ItemCode {} has no options; change its quantity with ItemsOrder.SetGoodsPriceQty.", code));
    return;
  }
  const std::string seller_code = req.get_param_value("SellerCode");
  if (!seller_code.empty() && seller_code != item_seller_code(item)) {
    result(res, k_not_found, fmt::format("Item not found: ItemCode {} with SellerCode {}.", code, seller_code));
    return;
  }
  const auto option = std::find_if(item.begin(), item.end(), [&](const StockListing& l) {
    return name == k_axis && value == l.option_name;
  });
  const std::string option_code = req.get_param_value("OptionCode");
  if (option == item.end() || (!option_code.empty() && option_code != option->option)) {
    result(res, k_not_found,
           fmt::format("Option not found: ItemCode {}, OptionName '{}', OptionValue '{}', OptionCode '{}'.", code, name,
                       value, option_code));
    return;
  }
  StockListing listing = *option;
  const long long before = listing.stock;
  listing.stock = *qty;
  stock_book().update(listing);
  stock_book().written({Kind::qoo10jp, seller, listing.item, listing.option, before, listing.stock, "UpdateInventoryQtyUnit", now()});
  result(res, 0, "SUCCESS");
}

} // namespace

std::vector<StockListing> qoo10_listings(const Sandbox& sandbox, const std::string& account)
{
  // Ids as GetShippingInfo_v2 lines carry them (line_json in qoo10jp.cpp): itemCode = the
  // catalogue product id, optionCode = the SKU for an option ("" without options). Each item's
  // sale ends 180 days from the seed, so a push that drops ExpireDate visibly moves it.
  std::vector<StockListing> out = default_listings(sandbox, Kind::qoo10jp, account);
  const std::string expire = today_plus(std::chrono::days{180});
  for (auto& l : out) {
    l.option = l.option_name.empty() ? std::string() : l.seller_code;
    l.expire_date = expire;
    l.status = "S2";
  }
  return out;
}

std::string qoo10_stock_endpoint(const std::string& method)
{
  if (method == "itemsorder.setgoodspriceqty") {
    return "qoo10jp.set_goods_price_qty";
  }
  if (method == "itemsoptions.updateinventoryqtyunit") {
    return "qoo10jp.update_inventory_qty_unit";
  }
  if (method == "itemslookup.getitemdetailinfo") {
    return "qoo10jp.get_item_detail_info";
  }
  if (method == "itemslookup.getgoodsinventoryinfo") {
    return "qoo10jp.get_goods_inventory_info";
  }
  return {};
}

void handle_qoo10_stock(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, const std::string& seller,
                        const std::string& method)
{
  ensure_listings(sandbox, Kind::qoo10jp, seller);
  if (method == "itemsorder.setgoodspriceqty") {
    set_price_qty(req, res, seller);
  } else if (method == "itemsoptions.updateinventoryqtyunit") {
    update_option_qty(req, res, seller);
  } else if (method == "itemslookup.getitemdetailinfo") {
    item_detail(req, res, seller);
  } else {
    inventory_info(req, res, seller);
  }
}

} // namespace uoms::sandbox
