// Smartstore catalogue and stock routes (smartstore.md §1.6, errors §1.7): the origin product
// read, the multi-update stock route for products without options and the option-stock route,
// whose body replaces the option list (a careless client visibly damages the listing).

#include "stock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

namespace uoms::sandbox {

namespace {

const std::string k_multi_update_path = "/external/v1/products/origin-products/multi-update";
const std::regex k_origin_path(R"(^/external/v2/products/origin-products/([^/]+)$)");
const std::regex k_option_stock_path(R"(^/external/v1/products/origin-products/([^/]+)/option-stock$)");
// The contract states no limit for multi-update; the sandbox's guess (UNCONFIRMED).
constexpr std::size_t k_max_multi_update = 50;
constexpr std::string_view k_types[] = {"SALE_PRICE", "IMMEDIATE_DISCOUNT", "STOCK", "PRODUCT_STATUS_SALE",
                                        "PRODUCT_STATUS_SUSPENSION"};
// An option a careless option-stock PUT left out: gone from the product, like a deleted option.
const std::string k_removed = "DELETED";

bool is_digits(const std::string& text)
{
  return !text.empty() && text.size() <= 18 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The product APIs' error body (smartstore.md §1.7): {code, message, invalidInputs, timestamp}.
void product_error(httplib::Response& res, int status, const std::string& code, const std::string& message,
                   json invalid = json::array())
{
  json body{{"code", code}, {"message", message}};
  if (!invalid.empty()) {
    body["invalidInputs"] = std::move(invalid);
  }
  smartstore_reply(res, status, std::move(body));
}

json invalid_input(const std::string& name, const std::string& type, const std::string& message)
{
  return {{"name", name}, {"type", type}, {"message", message}};
}

void bad_request(httplib::Response& res, json invalid)
{
  const std::string first = invalid.front().value("name", "") + ": " + invalid.front().value("message", "");
  product_error(res, 400, "BAD_REQUEST", "잘못된 요청입니다. " + first, std::move(invalid));
}

void not_found(httplib::Response& res, const std::string& no)
{
  product_error(res, 404, "NOT_FOUND", fmt::format("상품이 존재하지 않습니다. (originProductNo {})", no));
}

// The origin product's listings (its options, or the one listing of a product without
// options), removed options left out; empty when the account has no such product.
std::vector<StockListing> product(const std::string& client, const std::string& no)
{
  std::vector<StockListing> out;
  for (auto& l : stock_book().listings(Kind::smartstore, client)) {
    if (l.item == no && l.status != k_removed) {
      out.push_back(std::move(l));
    }
  }
  return out;
}

bool has_options(const std::vector<StockListing>& listings)
{
  return !listings.empty() && !listings.front().option.empty();
}

// GET /v2/products/origin-products/{no}: the fields smartstore.md §1.6 names
// (originProduct.detailAttribute.optionInfo.optionCombinations[].id) and, inferred from
// public code, the rest of the option and seller-code shape.
json origin_product_json(const Sandbox& sandbox, const std::string& client, const std::vector<StockListing>& listings)
{
  long long sale_price = listings.front().option.empty() ? listings.front().price : 0;
  std::string channel_no;
  for (const Item& item : sandbox.store.catalogue(client)) {
    if (std::to_string(item.seller_product_id) == listings.front().item) {
      if (sale_price == 0) {
        sale_price = item.unit_price;
      }
      channel_no = std::to_string(item.product_id);
      break;
    }
  }
  long long stock = 0;
  json combinations = json::array();
  for (const auto& l : listings) {
    if (l.option.empty()) {
      stock = l.stock;
      continue;
    }
    if (l.usable) {
      stock += l.stock;
    }
    combinations.push_back({{"id", std::stoll(l.option)},
                            {"optionName1", l.option_name},
                            {"stockQuantity", l.stock},
                            {"price", l.price},
                            {"sellerManagerCode", l.seller_code},
                            {"usable", l.usable}});
  }
  json detail{{"sellerCodeInfo", json::object()}};
  if (has_options(listings)) {
    detail["optionInfo"] = {{"optionCombinationSortType", "CREATE"},
                            {"optionCombinationGroupNames", {{"optionGroupName1", "옵션"}}},
                            {"optionCombinations", std::move(combinations)},
                            {"useStockManagement", true}};
  } else {
    detail["sellerCodeInfo"]["sellerManagementCode"] = listings.front().seller_code;
  }
  json origin{{"statusType", stock > 0 ? "SALE" : "OUTOFSTOCK"},
              {"saleType", "NEW"},
              {"name", listings.front().name},
              {"salePrice", sale_price},
              {"stockQuantity", stock},
              {"detailAttribute", std::move(detail)}};
  json body{{"originProduct", std::move(origin)}};
  if (!channel_no.empty()) {
    body["smartstoreChannelProduct"] = {{"channelProductNo", std::stoll(channel_no)}, {"channelProductDisplayStatusType", "ON"}};
  }
  return body;
}

void log_write(const std::string& client, const StockListing& l, long long before, const std::string& call)
{
  stock_book().written({Kind::smartstore, client, l.item, l.option, before, l.stock, call, now()});
}

// PATCH multi-update: every entry checked first; one bad entry refuses the whole request
// with every bad entry named in invalidInputs (multiProductUpdateRequestVos[i].field).
void multi_update(const json& body, httplib::Response& res, const std::string& client)
{
  const json* list = body.contains("multiProductUpdateRequestVos") ? &body["multiProductUpdateRequestVos"] : nullptr;
  if (list == nullptr || !list->is_array() || list->empty() || list->size() > k_max_multi_update) {
    bad_request(res, json::array({invalid_input("multiProductUpdateRequestVos", "Size",
                                                fmt::format("1 to {} products per request", k_max_multi_update))}));
    return;
  }
  json invalid = json::array();
  std::vector<std::pair<std::string, long long>> wanted;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    const std::string at = fmt::format("multiProductUpdateRequestVos[{}]", i);
    if (!entry.is_object()) {
      invalid.push_back(invalid_input(at, "TypeMismatch", "an object is required"));
      continue;
    }
    const json no = entry.value("originProductNo", json());
    if (!no.is_number_integer() || no.get<long long>() <= 0) {
      invalid.push_back(invalid_input(at + ".originProductNo", "NotNull", "originProductNo (a number) is required"));
      continue;
    }
    const std::string id = std::to_string(no.get<long long>());
    const json types = entry.value("multiUpdateTypes", json());
    bool stock = false;
    bool types_ok = types.is_array() && !types.empty();
    for (const auto& type : types_ok ? types : json::array()) {
      if (!type.is_string() || std::ranges::find(k_types, type.get<std::string>()) == std::end(k_types)) {
        types_ok = false;
      } else if (type == "STOCK") {
        stock = true;
      } else {
        invalid.push_back(invalid_input(at + ".multiUpdateTypes", "Unsupported",
                                        "the sandbox models only STOCK (" + type.get<std::string>() + ")"));
      }
    }
    if (!types_ok || !stock) {
      invalid.push_back(invalid_input(at + ".multiUpdateTypes", "NotEmpty", "multiUpdateTypes must hold STOCK"));
      continue;
    }
    const json quantity = entry.value("stockQuantity", json());
    if (!quantity.is_number_integer()) {
      invalid.push_back(invalid_input(at + ".stockQuantity", "NotNull", "stockQuantity is required with STOCK"));
      continue;
    }
    if (quantity.get<long long>() < 0 || quantity.get<long long>() > 99'999'999) {
      invalid.push_back(invalid_input(at + ".stockQuantity", "Range", "stockQuantity must be 0 to 99999999"));
      continue;
    }
    if (!seen.insert(id).second) {
      invalid.push_back(invalid_input(at + ".originProductNo", "Duplicate", "originProductNo " + id + " appears twice"));
      continue;
    }
    const auto listings = product(client, id);
    if (listings.empty()) {
      invalid.push_back(invalid_input(at + ".originProductNo", "NotFound", "상품이 존재하지 않습니다. (" + id + ")"));
      continue;
    }
    if (has_options(listings)) {
      invalid.push_back(invalid_input(at + ".stockQuantity", "OptionProduct",
                                      "옵션 상품의 재고는 옵션별로 수정해 주세요 (option-stock)"));
      continue;
    }
    wanted.emplace_back(id, quantity.get<long long>());
  }
  if (!invalid.empty()) {
    bad_request(res, std::move(invalid));
    return;
  }
  for (const auto& [id, quantity] : wanted) {
    auto listing = product(client, id).front();
    const long long before = listing.stock;
    listing.stock = quantity;
    stock_book().update(listing);
    log_write(client, listing, before, "multi-update");
  }
  smartstore_reply(res, 200, {{"code", "SUCCESS"}, {"message", "요청이 성공하였습니다."}, {"data", nullptr}});
}

// PUT option-stock: the body's optionCombinations replace the product's options. What an
// entry leaves out is reset (stockQuantity 0, price 0, usable false) and an option left out
// of the list is removed; unknown ids, negative stock and a product without options are refused.
void option_stock(const std::string& no, const json& body, httplib::Response& res, const std::string& client)
{
  const auto listings = product(client, no);
  if (listings.empty()) {
    not_found(res, no);
    return;
  }
  const json info = body.value("optionInfo", json());
  if (!info.is_object()) {
    bad_request(res, json::array({invalid_input("optionInfo", "NotNull", "optionInfo is required")}));
    return;
  }
  if (!has_options(listings)) {
    bad_request(res, json::array({invalid_input("optionInfo", "NoOption",
                                                "옵션이 없는 상품입니다; 재고는 multi-update로 수정해 주세요")}));
    return;
  }
  const json list = info.value("optionCombinations", json());
  if (!list.is_array() || list.empty()) {
    bad_request(res, json::array({invalid_input("optionInfo.optionCombinations", "NotEmpty",
                                                "optionCombinations is required (this product has combination options)")}));
    return;
  }
  json invalid = json::array();
  std::map<std::string, const json*> sent;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& entry = list[i];
    const std::string at = fmt::format("optionInfo.optionCombinations[{}]", i);
    const json id = entry.is_object() ? entry.value("id", json()) : json();
    if (!id.is_number_integer()) {
      invalid.push_back(invalid_input(at + ".id", "NotNull", "id (a number) is required"));
      continue;
    }
    const std::string text = std::to_string(id.get<long long>());
    if (std::ranges::none_of(listings, [&](const StockListing& l) { return l.option == text; })) {
      invalid.push_back(invalid_input(at + ".id", "NotFound", "존재하지 않는 옵션입니다. (" + text + ")"));
      continue;
    }
    if (!sent.emplace(text, &entry).second) {
      invalid.push_back(invalid_input(at + ".id", "Duplicate", "option " + text + " appears twice"));
      continue;
    }
    if (entry.contains("stockQuantity") &&
        (!entry["stockQuantity"].is_number_integer() || entry["stockQuantity"].get<long long>() < 0 ||
         entry["stockQuantity"].get<long long>() > 99'999'999)) {
      invalid.push_back(invalid_input(at + ".stockQuantity", "Range", "stockQuantity must be 0 to 99999999"));
    }
    if (entry.contains("price") && !entry["price"].is_number_integer()) {
      invalid.push_back(invalid_input(at + ".price", "TypeMismatch", "price must be a whole number"));
    }
    if (entry.contains("usable") && !entry["usable"].is_boolean()) {
      invalid.push_back(invalid_input(at + ".usable", "TypeMismatch", "usable must be true or false"));
    }
  }
  if (!invalid.empty()) {
    bad_request(res, std::move(invalid));
    return;
  }
  for (auto listing : listings) {
    const long long before = listing.stock;
    const auto it = sent.find(listing.option);
    if (it == sent.end()) {
      listing.stock = 0;
      listing.usable = false;
      listing.status = k_removed;
      stock_book().update(listing);
      log_write(client, listing, before, "option-stock (left out: removed)");
      continue;
    }
    const json& entry = *it->second;
    listing.stock = entry.value("stockQuantity", 0LL);
    listing.price = entry.value("price", 0LL);
    listing.usable = entry.value("usable", false);
    stock_book().update(listing);
    log_write(client, listing, before, "option-stock");
  }
  smartstore_reply(res, 200, {{"code", "SUCCESS"}, {"message", "요청이 성공하였습니다."}, {"data", nullptr}});
}

} // namespace

// Products as the sandbox's Smartstore orders name them: originProductNo = the catalogue
// entry's seller_product_id (orders' originalProductId), option id = its vendor_item_id
// (orders' optionCode, sent for every line). Entries sharing an originProductNo are one origin
// product. Its options are all of its entries as soon as one of them has an option name (an
// entry without one becomes an option named after its own product); only a product none of
// whose entries has an option name is a product without options. Option prices (added to the
// sale price) are 0 for a product's first option and 1000 for the others, so a reset shows.
std::vector<StockListing> smartstore_listings(const Sandbox& sandbox, const std::string& account)
{
  std::vector<StockListing> out;
  std::map<long long, std::vector<Item>> groups;
  std::vector<long long> order;
  for (const Item& item : sandbox.store.catalogue(account)) {
    if (!groups.contains(item.seller_product_id)) {
      order.push_back(item.seller_product_id);
    }
    groups[item.seller_product_id].push_back(item);
  }
  for (const long long no : order) {
    const auto& items = groups[no];
    const bool options = std::ranges::any_of(items, [](const Item& i) { return !i.option_name.empty(); });
    for (std::size_t k = 0; k < items.size(); ++k) {
      const Item& item = items[k];
      StockListing l;
      l.kind = Kind::smartstore;
      l.account = account;
      l.item = std::to_string(no);
      l.seller_code = item.sku;
      l.name = items.front().product_name;
      l.stock = 100;
      if (!options) {
        l.price = item.unit_price;
        out.push_back(std::move(l));
        break; // one listing: the product itself
      }
      l.option = std::to_string(item.vendor_item_id);
      if (item.product_name == items.front().product_name) {
        l.option_name = item.option_name;
      } else {
        l.option_name = item.option_name.empty() ? item.product_name : item.product_name + " " + item.option_name;
      }
      if (l.option_name.empty()) {
        l.option_name = item.product_name;
      }
      l.price = k == 0 ? 0 : 1000;
      out.push_back(std::move(l));
    }
  }
  return out;
}

std::string smartstore_stock_endpoint(const httplib::Request& req)
{
  if (req.method == "PATCH" && req.path == k_multi_update_path) {
    return "smartstore.multi_update";
  }
  if (req.method == "GET" && std::regex_match(req.path, k_origin_path)) {
    return "smartstore.origin_product";
  }
  if (req.method == "PUT" && std::regex_match(req.path, k_option_stock_path)) {
    return "smartstore.option_stock";
  }
  return {};
}

void handle_smartstore_stock(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                             const std::string& client)
{
  ensure_listings(sandbox, Kind::smartstore, client);
  auto guard = stock_book().serialise();
  std::smatch m;
  if (req.method == "GET" && std::regex_match(req.path, m, k_origin_path)) {
    const std::string no = m[1].str();
    if (!is_digits(no)) {
      bad_request(res, json::array({invalid_input("originProductNo", "TypeMismatch", "originProductNo must be a number")}));
      return;
    }
    const auto listings = product(client, no);
    if (listings.empty()) {
      not_found(res, no);
      return;
    }
    smartstore_reply(res, 200, origin_product_json(sandbox, client, listings));
    return;
  }
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    bad_request(res, json::array({invalid_input("body", "TypeMismatch", "the body must be a JSON object")}));
    return;
  }
  if (req.path == k_multi_update_path) {
    multi_update(body, res, client);
    return;
  }
  std::regex_match(req.path, m, k_option_stock_path);
  const std::string no = m[1].str();
  if (!is_digits(no)) {
    bad_request(res, json::array({invalid_input("originProductNo", "TypeMismatch", "originProductNo must be a number")}));
    return;
  }
  option_stock(no, body, res, client);
}

} // namespace uoms::sandbox
