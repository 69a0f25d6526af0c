// Shopee catalogue and stock routes (docs/marketplaces/shopee.md §1.9): get_item_list,
// get_model_list and update_stock, signed and token-checked by shopee.cpp's dispatch like every
// other shop call. Errors are {error, message, request_id}; update_stock's partial failure is
// `error_busi_update_stock_failed` with the per-model success_list / failure_list.

#include "stock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace uoms::sandbox {

namespace {

constexpr int k_max_item_page = 100;       // get_item_list page_size (§1.9)
constexpr std::size_t k_max_stock_list = 50; // update_stock stock_list entries (§1.9)
constexpr std::array<std::string_view, 6> k_item_statuses{"NORMAL", "BANNED", "UNLIST", "REVIEWING", "SELLER_DELETE",
                                                          "SHOPEE_DELETE"};
const std::string k_reserved_refusal = "Total stock must be more than reserved stock.";

// The same shapes as shopee.cpp's answers (shopee.md §1.5); 400 for refusals, as there.
void error(httplib::Response& res, int status, const std::string& code, const std::string& message,
           json response = nullptr)
{
  json body{{"error", code}, {"message", message}, {"request_id", new_trace_id()}};
  if (!response.is_null()) {
    body["response"] = std::move(response);
  }
  res.status = status;
  res.set_content(body.dump(), "application/json;charset=UTF-8");
}

void param_error(httplib::Response& res, const std::string& message)
{
  error(res, 400, "error_param", "Wrong parameters, detail: " + message);
}

void reply(httplib::Response& res, json response)
{
  res.status = 200;
  res.set_content(json{{"error", ""}, {"message", ""}, {"request_id", new_trace_id()}, {"response", std::move(response)}}
                      .dump(),
                  "application/json;charset=UTF-8");
}

bool is_digits(const std::string& text)
{
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The shop's listings of one item, in seeding order (models by catalogue position).
std::vector<StockListing> item_listings(const std::string& shop, const std::string& item)
{
  std::vector<StockListing> out;
  for (auto& l : stock_book().listings(Kind::shopee, shop)) {
    if (l.item == item) {
      out.push_back(std::move(l));
    }
  }
  return out;
}

// The shop's item ids, ascending (get_item_list's order).
std::vector<std::string> item_ids(const std::string& shop)
{
  std::set<long long> ids;
  for (const auto& l : stock_book().listings(Kind::shopee, shop)) {
    ids.insert(std::stoll(l.item));
  }
  std::vector<std::string> out;
  for (long long id : ids) {
    out.push_back(std::to_string(id));
  }
  return out;
}

// Whether another Shopee shop of the sandbox lists `item` (error_item_not_belong_shop).
bool other_shop_item(const Sandbox& sandbox, const std::string& shop, const std::string& item)
{
  for (const auto& account : sandbox.config.accounts) {
    if (account.kind != Kind::shopee || account.id == shop) {
      continue;
    }
    ensure_listings(sandbox, Kind::shopee, account.id);
    if (!item_listings(account.id, item).empty()) {
      return true;
    }
  }
  return false;
}

// An item without variations has one listing with model_id 0.
bool has_models(const std::vector<StockListing>& models)
{
  return !(models.size() == 1 && models.front().option == "0");
}

// GET get_item_list?offset&page_size&item_status(repeated)[&update_time_from&update_time_to].
void handle_item_list(const httplib::Request& req, httplib::Response& res, const AccountConfig& shop)
{
  const std::string offset_text = req.get_param_value("offset");
  if (!req.has_param("offset") || !is_digits(offset_text)) {
    param_error(res, offset_text.empty() ? "offset is required." : "offset must be an integer.");
    return;
  }
  const std::string size_text = req.get_param_value("page_size");
  if (size_text.empty()) {
    param_error(res, "page_size is required.");
    return;
  }
  if (!is_digits(size_text) || std::stoll(size_text) < 1 || std::stoll(size_text) > k_max_item_page) {
    param_error(res, "page_size should be between 1 and 100.");
    return;
  }
  const std::size_t count = req.get_param_value_count("item_status");
  if (count == 0) {
    param_error(res, "item_status is required.");
    return;
  }
  std::set<std::string> statuses;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string status = req.get_param_value("item_status", i);
    if (std::find(k_item_statuses.begin(), k_item_statuses.end(), status) == k_item_statuses.end()) {
      // A comma-joined list lands here too: item_status is a repeated key (§1.1).
      param_error(res, fmt::format("item_status {} is invalid.", status));
      return;
    }
    statuses.insert(status);
  }
  for (const char* name : {"update_time_from", "update_time_to"}) {
    if (req.has_param(name) && !is_digits(req.get_param_value(name))) {
      param_error(res, fmt::format("{} must be Unix seconds.", name));
      return;
    }
  }

  std::vector<std::string> matching;
  for (const auto& id : item_ids(shop.id)) {
    if (statuses.contains(item_listings(shop.id, id).front().status)) {
      matching.push_back(id);
    }
  }
  const std::size_t offset = std::size_t(std::stoll(offset_text));
  const std::size_t size = std::size_t(std::stoll(size_text));
  json items = json::array();
  const long long updated = epoch_seconds(now());
  for (std::size_t i = offset; i < matching.size() && i < offset + size; ++i) {
    items.push_back({{"item_id", std::stoll(matching[i])},
                     {"item_status", item_listings(shop.id, matching[i]).front().status},
                     {"update_time", updated}});
  }
  const bool more = offset + size < matching.size();
  json response{{"item", std::move(items)}, {"total_count", matching.size()}, {"has_next_page", more}};
  if (more) {
    response["next_offset"] = offset + size;
  }
  reply(res, std::move(response));
}

json model_json(const StockListing& l, int tier)
{
  const double price = double(l.price) / 100.0;
  json seller_stock = json::array({{{"stock", l.stock}, {"if_saleable", l.status == "NORMAL"}}});
  return {{"model_id", std::stoll(l.option)},
          {"model_sku", l.seller_code},
          {"model_status", "MODEL_NORMAL"},
          {"tier_index", tier < 0 ? json::array() : json::array({tier})},
          {"price_info", json::array({{{"current_price", price}, {"original_price", price}}})},
          {"stock_info_v2",
           {{"summary_info",
             {{"total_reserved_stock", l.reserved}, {"total_available_stock", std::max(0LL, l.stock - l.reserved)}}},
            {"seller_stock", std::move(seller_stock)},
            {"shopee_stock", json::array()}}}};
}

// GET get_model_list?item_id. An item without variations answers one model with model_id 0
// carrying the item's SKU and stock: the contract documents no other call for them (see README).
void handle_model_list(const httplib::Request& req, httplib::Response& res, const Sandbox& sandbox,
                       const AccountConfig& shop)
{
  const std::string item = req.get_param_value("item_id");
  if (item.empty()) {
    param_error(res, "item_id is required.");
    return;
  }
  if (!is_digits(item)) {
    param_error(res, "item_id must be an integer.");
    return;
  }
  const auto models = item_listings(shop.id, std::to_string(std::stoll(item)));
  if (models.empty()) {
    if (other_shop_item(sandbox, shop.id, std::to_string(std::stoll(item)))) {
      error(res, 400, "error_item_not_belong_shop", fmt::format("Item {} does not belong to shop {}.", item, shop.id));
    } else {
      error(res, 400, "error_item_not_found", fmt::format("Item {} is not found.", item));
    }
    return;
  }
  json tiers = json::array();
  json list = json::array();
  if (has_models(models)) {
    json options = json::array();
    for (const auto& m : models) {
      options.push_back({{"option", m.option_name}});
    }
    tiers.push_back({{"name", "Option"}, {"option_list", std::move(options)}});
  }
  for (std::size_t i = 0; i < models.size(); ++i) {
    list.push_back(model_json(models[i], has_models(models) ? int(i) : -1));
  }
  reply(res, {{"tier_variation", std::move(tiers)}, {"model", std::move(list)}});
}

// One checked entry of stock_list.
struct StockEntry
{
  long long model_id = 0;
  long long stock = 0;
};

// The stock_list entries, checked for shape; nullopt after answering (nothing applied).
std::optional<std::vector<StockEntry>> stock_entries(const json& list, httplib::Response& res)
{
  if (!list.is_array()) {
    param_error(res, "stock_list is required and must be an array.");
    return std::nullopt;
  }
  if (list.empty() || list.size() > k_max_stock_list) {
    param_error(res, fmt::format("stock_list should have 1 to 50 entries; got {}.", list.size()));
    return std::nullopt;
  }
  std::vector<StockEntry> entries;
  std::set<long long> models;
  for (const auto& entry : list) {
    if (!entry.is_object()) {
      param_error(res, "every stock_list entry must be an object.");
      return std::nullopt;
    }
    StockEntry checked;
    if (entry.contains("model_id")) {
      if (!entry["model_id"].is_number_integer()) {
        param_error(res, "model_id must be an integer.");
        return std::nullopt;
      }
      checked.model_id = entry["model_id"].get<long long>();
    }
    if (entry.contains("normal_stock")) {
      // The legacy field (§1.9 "Legacy shape"); current docs take seller_stock only.
      param_error(res, "normal_stock is no longer supported; send seller_stock.");
      return std::nullopt;
    }
    const json& seller = entry.value("seller_stock", json());
    if (!seller.is_array() || seller.size() != 1 || !seller[0].is_object()) {
      param_error(res, fmt::format("seller_stock of model_id {} must hold one entry (the shop has one warehouse).",
                                   checked.model_id));
      return std::nullopt;
    }
    if (seller[0].contains("location_id")) {
      // §1.9: location_id is for multi-warehouse sellers only; the sandbox's shops have one.
      error(res, 400, "error_busi", "You do not have right to use seller location_id, please only fill seller_stock filed.");
      return std::nullopt;
    }
    const json& stock = seller[0].value("stock", json());
    if (!stock.is_number_integer() || stock.get<long long>() < 0) {
      param_error(res, fmt::format("stock of model_id {} must be an integer of 0 or more.", checked.model_id));
      return std::nullopt;
    }
    checked.stock = stock.get<long long>();
    if (!models.insert(checked.model_id).second) {
      param_error(res, fmt::format("model_id {} is repeated in stock_list.", checked.model_id));
      return std::nullopt;
    }
    entries.push_back(checked);
  }
  return entries;
}

// POST update_stock {"item_id", "stock_list":[{"model_id"?, "seller_stock":[{"stock"}]}]}.
void handle_update_stock(const httplib::Request& req, httplib::Response& res, const Sandbox& sandbox,
                         const AccountConfig& shop)
{
  if (!req.get_header_value("Content-Type").starts_with("application/json")) {
    param_error(res, "the body must be JSON with Content-Type: application/json.");
    return;
  }
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    param_error(res, "the body is not a JSON object.");
    return;
  }
  if (!body.contains("item_id") || !body["item_id"].is_number_integer()) {
    param_error(res, "item_id is required and must be an integer.");
    return;
  }
  const std::string item = std::to_string(body["item_id"].get<long long>());
  const auto entries = stock_entries(body.value("stock_list", json()), res);
  if (!entries) {
    return;
  }

  auto guard = stock_book().serialise();
  const auto models = item_listings(shop.id, item);
  if (models.empty()) {
    if (other_shop_item(sandbox, shop.id, item)) {
      error(res, 400, "error_item_not_belong_shop", fmt::format("Item {} does not belong to shop {}.", item, shop.id));
    } else {
      error(res, 400, "error_item_not_found", fmt::format("Item {} is not found.", item));
    }
    return;
  }
  json successes = json::array();
  json failures = json::array();
  for (const auto& entry : *entries) {
    auto listing = stock_book().find(Kind::shopee, shop.id, item, std::to_string(entry.model_id));
    if (!listing) {
      // The contract names no reason for an unknown model; the sandbox's words.
      failures.push_back({{"model_id", entry.model_id},
                          {"failed_reason", fmt::format("model_id {} is not a model of item {}.", entry.model_id, item)}});
      continue;
    }
    if (entry.stock < listing->reserved) {
      failures.push_back({{"model_id", entry.model_id}, {"failed_reason", k_reserved_refusal}});
      continue;
    }
    const long long before = listing->stock;
    listing->stock = entry.stock;
    stock_book().update(*listing);
    stock_book().written({Kind::shopee, shop.id, item, listing->option, before, entry.stock, "update_stock", now()});
    successes.push_back({{"model_id", entry.model_id}, {"location_id", ""}, {"stock", entry.stock}});
  }
  json response{{"success_list", std::move(successes)}, {"failure_list", failures}};
  if (!failures.empty()) {
    // A partial (or whole) failure keeps HTTP 200 and the lists (§1.9); the HTTP status is the
    // sandbox's choice, as everywhere in shopee.md.
    error(res, 200, "error_busi_update_stock_failed", "Update stock failed, please check failure_list for detailed reason",
          std::move(response));
    return;
  }
  reply(res, std::move(response));
}

} // namespace

// Shopee's listings: the default seed (item_id / model_id as the orders carry them, model_id
// "0" for an item without variations; stock = seller_stock 100), every item NORMAL, and
// promotion-reserved stock of 2 on the second model of the two items with two models, so a
// push below it is refused (§1.9 "Total stock must stay ≥ the reserved stock").
std::vector<StockListing> shopee_listings(const Sandbox& sandbox, const std::string& account)
{
  auto listings = default_listings(sandbox, Kind::shopee, account);
  for (auto& l : listings) {
    l.status = "NORMAL";
    if (l.seller_code == "SKU-EAR-BK" || l.seller_code == "SKU-TS-WH-M") {
      l.reserved = 2;
    }
  }
  return listings;
}

// Named by shopee.cpp's route table too, hence external linkage.
extern const std::string k_shopee_item_list_path;
extern const std::string k_shopee_model_list_path;
extern const std::string k_shopee_update_stock_path;
const std::string k_shopee_item_list_path = "/api/v2/product/get_item_list";
const std::string k_shopee_model_list_path = "/api/v2/product/get_model_list";
const std::string k_shopee_update_stock_path = "/api/v2/product/update_stock";

void handle_shopee_stock(const Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                         const AccountConfig& shop)
{
  ensure_listings(sandbox, Kind::shopee, shop.id);
  if (req.path == k_shopee_item_list_path) {
    handle_item_list(req, res, shop);
  } else if (req.path == k_shopee_model_list_path) {
    handle_model_list(req, res, sandbox, shop);
  } else {
    handle_update_stock(req, res, sandbox, shop);
  }
}

} // namespace uoms::sandbox
