// Shopee Open Platform v2 (shopee.md §1.1-1.7): the HMAC-SHA256 `sign` over the public and
// shop base strings, the 5-minute timestamp window, the authorization code, single-use
// refresh tokens, 4-hour access tokens, get_order_list (update_time/create_time windows of at
// most 15 days, page_size 1-100, cursor) and get_order_detail (1-50 order_sn,
// response_optional_fields). Errors are {error, message, request_id}.

#include "sandbox.hpp"
#include "tracking.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <set>
#include <tuple>

namespace uoms::sandbox {

namespace {

constexpr long long k_max_skew_s = 5 * 60;
constexpr long long k_max_window_s = 15LL * 24 * 3600;
constexpr int k_max_page = 100;
constexpr std::size_t k_max_detail = 50;
// After a refresh the previous access token keeps working this long (shopee.md §1.4).
constexpr auto k_old_token_grace = std::chrono::minutes{5};

const std::string k_auth_partner_path = "/api/v2/shop/auth_partner";
const std::string k_token_path = "/api/v2/auth/token/get";
const std::string k_refresh_path = "/api/v2/auth/access_token/get";
const std::string k_list_path = "/api/v2/order/get_order_list";
const std::string k_detail_path = "/api/v2/order/get_order_detail";
const std::string k_shipping_parameter_path = "/api/v2/logistics/get_shipping_parameter";
const std::string k_ship_order_path = "/api/v2/logistics/ship_order";
const std::string k_tracking_number_path = "/api/v2/logistics/get_tracking_number";
// Statuses in which ship_order is accepted (shopee.md §1.7: the seller can arrange shipment).
constexpr std::array<std::string_view, 2> k_shippable{"READY_TO_SHIP", "RETRY_SHIP"};
constexpr std::size_t k_max_tracking_number = 50;

// Values get_order_list accepts as order_status (shopee.md §1.7).
constexpr std::array<std::string_view, 8> k_list_statuses{"UNPAID",    "READY_TO_SHIP", "PROCESSED",
                                                          "SHIPPED",   "COMPLETED",     "IN_CANCEL",
                                                          "CANCELLED", "INVOICE_PENDING"};

// HTTP statuses for the error codes. shopee.md §1.5 leaves them UNCONFIRMED and tells clients
// to decide on the JSON `error`; the sandbox answers parameter errors with 400, signature and
// token errors with 403, unknown paths with 404 (see README).
void error(httplib::Response& res, int status, const std::string& code, const std::string& message)
{
  res.status = status;
  res.set_content(json{{"error", code}, {"message", message}, {"request_id", new_trace_id()}}.dump(),
                  "application/json;charset=UTF-8");
}

void param_error(httplib::Response& res, const std::string& message)
{
  error(res, 400, "error_param", message);
}

// Success with the payload under `response` (order calls).
void reply(httplib::Response& res, json response, json warning = nullptr)
{
  json body{{"error", ""}, {"message", ""}, {"request_id", new_trace_id()}, {"response", std::move(response)}};
  if (!warning.is_null()) {
    body["warning"] = std::move(warning);
  }
  res.status = 200;
  res.set_content(body.dump(), "application/json;charset=UTF-8");
}

// Success with the payload at the top level (the auth calls, shopee.md §1.5).
void reply_top(httplib::Response& res, json fields)
{
  fields["error"] = "";
  fields["message"] = "";
  fields["request_id"] = new_trace_id();
  res.status = 200;
  res.set_content(fields.dump(), "application/json;charset=UTF-8");
}

bool is_digits(const std::string& text)
{
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct Common
{
  const AccountConfig* partner = nullptr;
  long long partner_id = 0;
  long long timestamp = 0;
  // Shop APIs only.
  const AccountConfig* shop = nullptr;
  std::string access_token;
};

// Checks the common parameters and the signature. Public:
// partner_id + path + timestamp; shop: ... + access_token + shop_id (shopee.md §1.3).
std::optional<Common> check_common(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                                   Marketplace& market, bool shop_api)
{
  for (const char* name : {"partner_id", "timestamp", "sign"}) {
    if (!req.has_param(name) || req.get_param_value(name).empty()) {
      param_error(res, std::string_view(name) == "timestamp" ? "There is no timestamp in query."
                                                             : fmt::format("There is no {} in query.", name));
      return std::nullopt;
    }
  }
  if (shop_api) {
    for (const char* name : {"access_token", "shop_id"}) {
      if (!req.has_param(name) || req.get_param_value(name).empty()) {
        param_error(res, fmt::format("There is no {} in query.", name));
        return std::nullopt;
      }
    }
  }
  Common common;
  const std::string partner_text = req.get_param_value("partner_id");
  if (!is_digits(partner_text) || (common.partner = sandbox.shopee_partner(std::stoll(partner_text))) == nullptr) {
    param_error(res, "Invalid partner_id.");
    return std::nullopt;
  }
  common.partner_id = common.partner->partner_id;
  const std::string timestamp_text = req.get_param_value("timestamp");
  if (!is_digits(timestamp_text)) {
    param_error(res, "Invalid timestamp.");
    return std::nullopt;
  }
  common.timestamp = std::stoll(timestamp_text);
  const long long server = epoch_seconds(now());
  if (common.timestamp < server - k_max_skew_s || common.timestamp > server + k_max_skew_s) {
    sandbox.stats.signature_failure(market.account);
    param_error(res, "Invalid timestamp.");
    return std::nullopt;
  }
  std::string base = fmt::format("{}{}{}", common.partner_id, req.path, common.timestamp);
  std::string shop_text;
  if (shop_api) {
    common.access_token = req.get_param_value("access_token");
    shop_text = req.get_param_value("shop_id");
    if (!is_digits(shop_text)) {
      param_error(res, "Wrong parameters, detail: shop_id must be an integer.");
      return std::nullopt;
    }
    base += common.access_token + std::to_string(std::stoll(shop_text));
  }
  // Lowercase hex exactly; the key is the partner_key's own bytes.
  const std::string expected = hmac_sha256_hex(common.partner->partner_key, base);
  const std::string given = req.get_param_value("sign");
  if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    sandbox.stats.signature_failure(market.account);
    error(res, 403, "error_sign", "Wrong sign.");
    return std::nullopt;
  }
  if (!shop_api) {
    return common;
  }
  common.shop = sandbox.account(Kind::shopee, std::to_string(std::stoll(shop_text)));
  if (common.shop == nullptr || common.shop->partner_id != common.partner_id) {
    error(res, 403, "error_shop", "shopid is invalid");
    return std::nullopt;
  }
  market.account = common.shop->id;
  {
    std::lock_guard lock(sandbox.tokens_mutex);
    const auto it = sandbox.shopee_access.find(common.access_token);
    if (it != sandbox.shopee_access.end() && it->second.client_id == common.shop->id && it->second.expires > now()) {
      return common;
    }
  }
  sandbox.stats.signature_failure(market.account);
  error(res, 403, "error_auth", "Invalid access_token.");
  return std::nullopt;
}

// The JSON body of a POST auth call, or nullopt after answering.
std::optional<json> json_body(const httplib::Request& req, httplib::Response& res)
{
  if (!req.get_header_value("Content-Type").starts_with("application/json")) {
    param_error(res, "Wrong parameters, detail: the body must be JSON with Content-Type: application/json.");
    return std::nullopt;
  }
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    param_error(res, "Wrong parameters, detail: the body is not a JSON object.");
    return std::nullopt;
  }
  return body;
}

// `name` in the body as an integer, or nullopt after answering.
std::optional<long long> body_integer(const json& body, const char* name, httplib::Response& res)
{
  if (!body.contains(name)) {
    param_error(res, fmt::format("Wrong parameters, detail: {} is required.", name));
    return std::nullopt;
  }
  if (!body[name].is_number_integer()) {
    param_error(res, fmt::format("Wrong parameters, detail: {} must be an integer.", name));
    return std::nullopt;
  }
  return body[name].get<long long>();
}

json issue_tokens(Sandbox& sandbox, const std::string& shop_id)
{
  const TimePoint t = now();
  const std::string access = random_hex(16);
  const std::string refresh = random_hex(16);
  sandbox.shopee_access[access] = {shop_id, t + std::chrono::seconds{sandbox.config.shopee_token_ttl_s}};
  sandbox.shopee_refresh[refresh] = {shop_id, t + std::chrono::seconds{sandbox.config.shopee_refresh_ttl_s}};
  return {{"access_token", access}, {"refresh_token", refresh}, {"expire_in", sandbox.config.shopee_token_ttl_s}};
}

void handle_auth_partner(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  const auto common = check_common(sandbox, req, res, market, false);
  if (!common) {
    return;
  }
  const std::string redirect = req.get_param_value("redirect");
  if (redirect.empty()) {
    param_error(res, "There is no redirect in query.");
    return;
  }
  // The seller "logs in and authorizes" the partner's first shop; the browser goes back to the
  // redirect with the one-time code (shopee.md §1.4 steps 1-2).
  const std::string shop_id = common->partner->id;
  const std::string code = sandbox.shopee_auth_code(shop_id);
  res.status = 302;
  res.set_header("Location", fmt::format("{}{}code={}&shop_id={}", redirect,
                                         redirect.find('?') == std::string::npos ? '?' : '&', code, shop_id));
}

// The checked body of an auth call for one shop: the shop, the partner and the one-time
// `grant` (the code or the refresh_token). nullopt once `res` holds Shopee's error.
struct ShopGrant
{
  long long partner_id = 0;
  long long shop_id = 0;
  std::string shop;
  std::string grant;
};

std::optional<ShopGrant> shop_grant(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                                    Marketplace& market, std::string_view unserved, const std::string& grant_key)
{
  const auto common = check_common(sandbox, req, res, market, false);
  if (!common) {
    return std::nullopt;
  }
  const auto body = json_body(req, res);
  if (!body) {
    return std::nullopt;
  }
  if (body->contains(unserved)) {
    param_error(res, fmt::format("Wrong parameters, detail: {} is not served by the sandbox; send shop_id.", unserved));
    return std::nullopt;
  }
  const auto partner_id = body_integer(*body, "partner_id", res);
  if (!partner_id) {
    return std::nullopt;
  }
  const auto shop_id = body_integer(*body, "shop_id", res);
  if (!shop_id) {
    return std::nullopt;
  }
  const auto grant = body->find(grant_key);
  if (grant == body->end() || !grant->is_string() || grant->get_ref<const std::string&>().empty()) {
    param_error(res, fmt::format("Wrong parameters, detail: {} is required.", grant_key));
    return std::nullopt;
  }
  if (*partner_id != common->partner_id) {
    param_error(res, "Wrong parameters, detail: partner_id in the body differs from the query.");
    return std::nullopt;
  }
  const std::string shop = std::to_string(*shop_id);
  const AccountConfig* account = sandbox.account(Kind::shopee, shop);
  if (account == nullptr || account->partner_id != common->partner_id) {
    error(res, 403, "error_shop", "shopid is invalid");
    return std::nullopt;
  }
  market.account = shop;
  return ShopGrant{*partner_id, *shop_id, shop, grant->get<std::string>()};
}

void handle_token_get(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  const auto request = shop_grant(sandbox, req, res, market, "main_account_id", "code");
  if (!request) {
    return;
  }
  const std::string& shop = request->shop;
  std::lock_guard lock(sandbox.tokens_mutex);
  const auto it = sandbox.shopee_codes.find(request->grant);
  if (it == sandbox.shopee_codes.end() || it->second.used || it->second.client_id != shop ||
      it->second.expires <= now()) {
    error(res, 403, "error_auth", "Invalid code.");
    return;
  }
  it->second.used = true;
  // Re-authorizing replaces both tokens of the shop (shopee.md §1.4).
  for (auto& [value, token] : sandbox.shopee_refresh) {
    if (token.client_id == shop) {
      token.used = true;
    }
  }
  for (auto& [value, token] : sandbox.shopee_access) {
    if (token.client_id == shop) {
      token.expires = std::min(token.expires, now());
    }
  }
  reply_top(res, issue_tokens(sandbox, shop));
}

void handle_refresh(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  const auto request = shop_grant(sandbox, req, res, market, "merchant_id", "refresh_token");
  if (!request) {
    return;
  }
  const std::string& shop = request->shop;
  std::lock_guard lock(sandbox.tokens_mutex);
  const auto it = sandbox.shopee_refresh.find(request->grant);
  // Single use: a refresh token that was used once, or belongs to another shop, is refused.
  if (it == sandbox.shopee_refresh.end() || it->second.used || it->second.client_id != shop ||
      it->second.expires <= now()) {
    sandbox.stats.signature_failure(shop);
    error(res, 403, "error_auth", "Invalid refresh_token.");
    return;
  }
  it->second.used = true;
  const TimePoint grace = now() + k_old_token_grace;
  for (auto& [value, token] : sandbox.shopee_access) {
    if (token.client_id == shop) {
      token.expires = std::min(token.expires, grace);
    }
  }
  json fields = issue_tokens(sandbox, shop);
  fields["partner_id"] = request->partner_id;
  fields["shop_id"] = request->shop_id;
  reply_top(res, std::move(fields));
}

long long field_time(const Order& order, bool by_update)
{
  return epoch_seconds(by_update ? order.changed : order.created);
}

std::string cursor_of(const Order& order, bool by_update)
{
  return fmt::format("{}_{}", field_time(order, by_update), order.order_sn);
}

void handle_list(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, const Common& common)
{
  const std::string field = req.get_param_value("time_range_field");
  if (field.empty()) {
    param_error(res, "Wrong parameters, detail: time_range_field is required.");
    return;
  }
  if (field != "create_time" && field != "update_time") {
    param_error(res, "Wrong parameters, detail: time_range_field must be create_time or update_time.");
    return;
  }
  long long bounds[2] = {0, 0};
  const char* names[2] = {"time_from", "time_to"};
  for (int i = 0; i < 2; ++i) {
    const std::string text = req.get_param_value(names[i]);
    if (text.empty()) {
      param_error(res, fmt::format("Wrong parameters, detail: {} is required.", names[i]));
      return;
    }
    if (!is_digits(text)) {
      param_error(res, fmt::format("Wrong parameters, detail: {} must be Unix seconds.", names[i]));
      return;
    }
    bounds[i] = std::stoll(text);
  }
  if (bounds[0] >= bounds[1] || bounds[1] - bounds[0] > k_max_window_s) {
    error(res, 400, "order.order_list_invalid_time", "Start time must be earlier than end time and diff in 15days.");
    return;
  }
  const std::string size_text = req.get_param_value("page_size");
  if (size_text.empty()) {
    param_error(res, "Wrong parameters, detail: page_size is required.");
    return;
  }
  if (!is_digits(size_text) || std::stoll(size_text) < 1 || std::stoll(size_text) > k_max_page) {
    param_error(res, "Wrong parameters, detail: page_size should be between 1 and 100.");
    return;
  }
  const std::size_t page_size = std::size_t(std::stoll(size_text));
  const std::string status = req.get_param_value("order_status");
  if (req.has_param("order_status") &&
      std::find(k_list_statuses.begin(), k_list_statuses.end(), status) == k_list_statuses.end()) {
    param_error(res, fmt::format("Wrong parameters, detail: order_status {} is invalid.", status));
    return;
  }
  // The cursor is "<time>_<order_sn>" of the first order of the next page; clients treat it as opaque.
  const std::string cursor = req.get_param_value("cursor");
  std::optional<std::pair<long long, std::string>> start;
  if (!cursor.empty()) {
    const auto underscore = cursor.find('_');
    if (underscore == std::string::npos || !is_digits(cursor.substr(0, underscore)) ||
        underscore + 1 == cursor.size()) {
      param_error(res, "Wrong parameters, detail: cursor is invalid.");
      return;
    }
    start.emplace(std::stoll(cursor.substr(0, underscore)), cursor.substr(underscore + 1));
  }
  bool with_status = false;
  {
    const std::string fields = req.get_param_value("response_optional_fields");
    std::size_t from = 0;
    while (from <= fields.size()) {
      const auto comma = std::min(fields.find(',', from), fields.size());
      with_status = with_status || fields.substr(from, comma - from) == "order_status";
      from = comma + 1;
    }
  }

  const bool by_update = field == "update_time";
  std::vector<Order> matches;
  for (auto& order : sandbox.store.orders(common.shop->id)) {
    const long long t = field_time(order, by_update);
    if (t < bounds[0] || t > bounds[1] || (!status.empty() && order.status != status)) {
      continue;
    }
    if (start && std::make_tuple(t, std::cref(order.order_sn)) < std::make_tuple(start->first, std::cref(start->second))) {
      continue;
    }
    matches.push_back(std::move(order));
  }
  std::sort(matches.begin(), matches.end(), [by_update](const Order& a, const Order& b) {
    return std::make_tuple(field_time(a, by_update), std::cref(a.order_sn)) <
           std::make_tuple(field_time(b, by_update), std::cref(b.order_sn));
  });
  json list = json::array();
  for (std::size_t i = 0; i < matches.size() && i < page_size; ++i) {
    json entry{{"order_sn", matches[i].order_sn}};
    if (with_status) {
      entry["order_status"] = matches[i].status;
    }
    list.push_back(std::move(entry));
    served_ids().ids.push_back(matches[i].order_sn);
  }
  const bool more = matches.size() > page_size;
  std::string next;
  if (more) {
    // duplicate_across_pages: the first page's cursor points at its own last order, so that
    // order opens the second page too.
    const bool duplicate = common.shop->duplicate_across_pages && cursor.empty();
    next = cursor_of(matches[duplicate ? page_size - 1 : page_size], by_update);
  }
  reply(res, {{"more", more}, {"next_cursor", next}, {"order_list", std::move(list)}});
}

std::string currency_of(const std::string& region)
{
  static const std::map<std::string, std::string> k_currencies{
      {"SG", "SGD"}, {"MY", "MYR"}, {"TH", "THB"}, {"TW", "TWD"}, {"PH", "PHP"}, {"VN", "VND"},
      {"ID", "IDR"}, {"BR", "BRL"}, {"MX", "MXN"}, {"CO", "COP"}, {"CL", "CLP"}};
  const auto it = k_currencies.find(region);
  return it == k_currencies.end() ? "SGD" : it->second;
}

std::string logistics_status(const std::string& status)
{
  if (status == "UNPAID") {
    return "LOGISTICS_NOT_START";
  }
  if (status == "READY_TO_SHIP" || status == "RETRY_SHIP") {
    return "LOGISTICS_READY";
  }
  if (status == "PROCESSED") {
    return "LOGISTICS_REQUEST_CREATED";
  }
  if (status == "SHIPPED") {
    return "LOGISTICS_PICKUP_DONE";
  }
  if (status == "IN_CANCEL" || status == "CANCELLED") {
    return "LOGISTICS_REQUEST_CANCELED";
  }
  return "LOGISTICS_DELIVERY_DONE";
}

double amount(long long cents)
{
  return double(cents) / 100.0;
}

// The parent SKU of "SKU-TS-NV-L" is "SKU-TS": the text before the second dash.
std::string parent_sku(const std::string& sku)
{
  const auto first = sku.find('-');
  const auto second = first == std::string::npos ? std::string::npos : sku.find('-', first + 1);
  return second == std::string::npos ? sku : sku.substr(0, second);
}

std::string package_number_of(const Order& order)
{
  return "OFG" + order.order_sn.substr(6);
}

json detail_json(const Order& order, const std::set<std::string>& fields, const AccountConfig& shop)
{
  const auto wants = [&](const char* name) { return fields.contains(name); };
  json out{{"order_sn", order.order_sn},
           {"region", shop.region},
           {"currency", currency_of(shop.region)},
           {"cod", false},
           {"order_status", order.status},
           {"message_to_seller", order.memo},
           {"create_time", epoch_seconds(order.created)},
           {"update_time", epoch_seconds(order.changed)},
           {"days_to_ship", 3},
           {"ship_by_date", epoch_seconds(order.paid + std::chrono::days{3})}};
  long long total = order.shipping_price;
  for (const auto& item : order.items) {
    total += item.unit_price * item.quantity;
  }
  if (wants("buyer_user_id")) {
    out["buyer_user_id"] = order.buyer_user_id;
  }
  if (wants("buyer_username")) {
    out["buyer_username"] = fmt::format("buyer_{}", order.buyer_user_id % 1000000);
  }
  if (wants("pay_time") && order.status != "UNPAID") {
    out["pay_time"] = epoch_seconds(order.paid);
  }
  if (wants("recipient_address")) {
    out["recipient_address"] = {{"name", order.receiver.name},
                                {"phone", order.receiver.phone},
                                {"town", ""},
                                {"district", ""},
                                {"city", ""},
                                {"state", ""},
                                {"region", shop.region},
                                {"zipcode", order.post_code},
                                {"full_address", order.address1 + " " + order.address2}};
  }
  if (wants("total_amount")) {
    out["total_amount"] = amount(total);
  }
  if (wants("payment_method")) {
    out["payment_method"] = "Credit Card/Debit Card";
  }
  if (wants("shipping_carrier")) {
    out["shipping_carrier"] = "Standard Delivery";
  }
  if (wants("estimated_shipping_fee")) {
    out["estimated_shipping_fee"] = amount(order.shipping_price);
  }
  if (wants("actual_shipping_fee")) {
    out["actual_shipping_fee"] = amount(order.shipping_price);
  }
  if (wants("note")) {
    out["note"] = "";
    out["note_update_time"] = 0;
  }
  if (wants("invoice_data")) {
    out["invoice_data"] = nullptr;
  }
  const bool cancelled = order.status == "CANCELLED" || order.status == "IN_CANCEL";
  if (wants("cancel_by")) {
    out["cancel_by"] = cancelled ? "buyer" : "";
  }
  if (wants("cancel_reason")) {
    out["cancel_reason"] = cancelled ? "Change of mind" : "";
  }
  if (wants("buyer_cancel_reason")) {
    out["buyer_cancel_reason"] = cancelled ? "Need to change delivery address" : "";
  }
  json items = json::array();
  json package_items = json::array();
  for (const auto& item : order.items) {
    const bool has_model = item.vendor_item_id != 0;
    const double price = amount(item.unit_price);
    items.push_back({{"item_id", item.product_id},
                     {"item_name", item.product_name},
                     // Without variations the SKU is the item's; with them, the model's.
                     {"item_sku", has_model ? parent_sku(item.sku) : item.sku},
                     {"model_id", item.vendor_item_id},
                     {"model_name", item.option_name},
                     {"model_sku", has_model ? item.sku : ""},
                     {"model_quantity_purchased", item.quantity},
                     {"model_original_price", price},
                     {"model_discounted_price", price},
                     {"wholesale", false},
                     {"weight", 0.5},
                     {"add_on_deal", false},
                     {"main_item", false},
                     {"add_on_deal_id", 0},
                     {"promotion_type", ""},
                     {"promotion_id", 0},
                     {"promotion_group_id", 0},
                     {"order_item_id", item.line_no},
                     {"image_info", {{"image_url", fmt::format("https://cf.shopee.sg/file/sandbox-{}", item.product_id)}}},
                     {"product_location_id", shop.region + "Z"}});
    package_items.push_back(
        {{"item_id", item.product_id}, {"model_id", item.vendor_item_id}, {"model_quantity", item.quantity}});
  }
  if (wants("item_list")) {
    out["item_list"] = std::move(items);
  }
  if (wants("package_list")) {
    json package{{"package_number", package_number_of(order)},
                 {"logistics_status", logistics_status(order.status)},
                 {"shipping_carrier", "Standard Delivery"},
                 {"logistics_channel_id", 18025},
                 {"item_list", std::move(package_items)}};
    // A number the seller shipped with (ship_order) shows on its package, so a later collect sees it.
    if (const auto shipped = tracking_ledger().latest(Kind::shopee, shop.id, package_number_of(order))) {
      package["tracking_number"] = shipped->number;
    }
    out["package_list"] = json::array({std::move(package)});
  }
  return out;
}

void handle_detail(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, const Common& common)
{
  const std::string list = req.get_param_value("order_sn_list");
  if (list.empty()) {
    param_error(res, "Wrong parameters, detail: order_sn_list is required.");
    return;
  }
  std::vector<std::string> wanted;
  std::size_t from = 0;
  while (from <= list.size()) {
    const auto comma = std::min(list.find(',', from), list.size());
    const std::string sn = list.substr(from, comma - from);
    if (sn.empty()) {
      param_error(res, "Wrong parameters, detail: order_sn_list has an empty order_sn.");
      return;
    }
    if (std::find(wanted.begin(), wanted.end(), sn) == wanted.end()) {
      wanted.push_back(sn);
    }
    from = comma + 1;
  }
  if (wanted.size() > k_max_detail) {
    param_error(res, "Wrong parameters, detail: order_sn_list should contain 1 to 50 order_sn.");
    return;
  }
  std::set<std::string> fields;
  const std::string optional = req.get_param_value("response_optional_fields");
  from = 0;
  while (from < optional.size()) {
    const auto comma = std::min(optional.find(',', from), optional.size());
    fields.insert(optional.substr(from, comma - from));
    from = comma + 1;
  }
  const std::vector<Order> found = sandbox.store.shopee_by_order_sn(common.shop->id, wanted);
  if (found.empty()) {
    error(res, 400, "error_not_found", "Wrong parameters, detail: the order is not found.");
    return;
  }
  json orders = json::array();
  std::set<std::string> seen;
  for (const auto& order : found) {
    orders.push_back(detail_json(order, fields, *common.shop));
    seen.insert(order.order_sn);
  }
  json warning = nullptr;
  for (const auto& sn : wanted) {
    if (!seen.contains(sn)) {
      if (warning.is_null()) {
        warning = json::array();
      }
      warning.push_back(fmt::format("order_sn {} is not found.", sn));
    }
  }
  reply(res, {{"order_list", std::move(orders)}}, std::move(warning));
}

// --- logistics (shopee.md §1.8) ------------------------------------------------------------------

// Success with no payload: ship_order's answer is an empty `error` and nothing else (§1.8).
void reply_empty(httplib::Response& res)
{
  res.status = 200;
  res.set_content(json{{"error", ""}, {"message", ""}, {"request_id", new_trace_id()}}.dump(),
                  "application/json;charset=UTF-8");
}

// Refusals of the logistics module. §1.8 documents `logistics.error_param` for tracking-number
// errors and names no code for an order in the wrong status or a missing
// get_shipping_parameter; the sandbox uses `logistics.error_param` for those too (see README).
void logistics_error(httplib::Response& res, const std::string& message)
{
  error(res, 400, "logistics.error_param", message);
}

// The order and package a logistics call names: `order_sn` and the optional `package_number`
// (never empty, §1.8), from the query or the JSON body. nullopt after answering.
std::optional<Order> logistics_order(Sandbox& sandbox, httplib::Response& res, const Common& common,
                                     const std::string& order_sn, const std::optional<std::string>& package)
{
  if (order_sn.empty()) {
    param_error(res, "Wrong parameters, detail: order_sn is required.");
    return std::nullopt;
  }
  const auto found = sandbox.store.shopee_by_order_sn(common.shop->id, {order_sn});
  if (found.empty()) {
    error(res, 400, "error_not_found", "Wrong parameters, detail: the order is not found.");
    return std::nullopt;
  }
  if (package && package->empty()) {
    param_error(res, "Wrong parameters, detail: package_number must not be empty; leave it out instead.");
    return std::nullopt;
  }
  if (package && *package != package_number_of(found.front())) {
    param_error(res, fmt::format("Wrong parameters, detail: package_number {} is not a package of order {}.", *package,
                                 order_sn));
    return std::nullopt;
  }
  return found.front();
}

std::optional<std::string> query_package(const httplib::Request& req)
{
  return req.has_param("package_number") ? std::optional(req.get_param_value("package_number")) : std::nullopt;
}

// GET get_shipping_parameter: the sandbox's shops ship through a non-integrated channel only, so
// info_needed lists `non_integrated` (with tracking_no) and no pickup or dropoff.
void handle_shipping_parameter(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                               const Common& common)
{
  const auto order = logistics_order(sandbox, res, common, req.get_param_value("order_sn"), query_package(req));
  if (!order) {
    return;
  }
  tracking_ledger().parameters_read(common.shop->id, order->order_sn);
  reply(res, {{"info_needed", {{"non_integrated", json::array({"tracking_no"})}}}});
}

// POST ship_order with exactly one of pickup, dropoff, non_integrated (§1.8 step 3).
void handle_ship_order(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, const Common& common)
{
  const auto body = json_body(req, res);
  if (!body) {
    return;
  }
  const json& sn = body->value("order_sn", json());
  if (!sn.is_string() && !sn.is_null()) {
    param_error(res, "Wrong parameters, detail: order_sn must be a string.");
    return;
  }
  std::optional<std::string> package;
  if (body->contains("package_number")) {
    if (!(*body)["package_number"].is_string()) {
      param_error(res, "Wrong parameters, detail: package_number must be a string.");
      return;
    }
    package = (*body)["package_number"].get<std::string>();
  }
  int objects = 0;
  for (const char* name : {"pickup", "dropoff", "non_integrated"}) {
    objects += body->contains(name) ? 1 : 0;
  }
  if (objects > 1) {
    error(res, 400, "logistics.ship_order_only_support_one_type",
          "Only one of pickup, dropoff and non_integrated can be sent.");
    return;
  }
  auto lock = tracking_ledger().serialise();
  const auto order = logistics_order(sandbox, res, common, sn.is_string() ? sn.get<std::string>() : "", package);
  if (!order) {
    return;
  }
  if (objects == 0) {
    param_error(res, "Wrong parameters, detail: one of pickup, dropoff or non_integrated is required.");
    return;
  }
  if (!body->contains("non_integrated")) {
    logistics_error(res, "This order does not support ship with pickup or dropoff; get_shipping_parameter's "
                         "info_needed lists non_integrated only.");
    return;
  }
  const json& non_integrated = (*body)["non_integrated"];
  const json& number_field = non_integrated.is_object() ? non_integrated.value("tracking_number", json()) : json();
  if (!number_field.is_string() || number_field.get<std::string>().empty()) {
    logistics_error(res, "Please input tracking number.");
    return;
  }
  const std::string number = number_field.get<std::string>();
  if (number.size() > k_max_tracking_number) {
    logistics_error(res, "Tracking number is too long; at most 50 characters.");
    return;
  }
  if (!tracking_ledger().parameters_were_read(common.shop->id, order->order_sn)) {
    logistics_error(res, fmt::format("Please call get_shipping_parameter for order {} before ship_order.", order->order_sn));
    return;
  }
  if (std::find(k_shippable.begin(), k_shippable.end(), order->status) == k_shippable.end()) {
    logistics_error(res, fmt::format("Wrong parameters, detail: order {} is {}; only READY_TO_SHIP orders can be shipped.",
                                     order->order_sn, order->status));
    return;
  }
  if (tracking_ledger().number_used(Kind::shopee, common.shop->id, number)) {
    logistics_error(res, "Please input a unique tracking number.");
    return;
  }
  sandbox.store.mutate(common.shop->id, std::nullopt, {order->order_sn}, "SHIPPED");
  tracking_ledger().add({Kind::shopee, common.shop->id, order->order_sn, package_number_of(*order), "", number, now()});
  reply_empty(res);
}

// GET get_tracking_number: the number ship_order recorded; "" until there is one (§1.8 step 4).
void handle_tracking_number(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                            const Common& common)
{
  const auto order = logistics_order(sandbox, res, common, req.get_param_value("order_sn"), query_package(req));
  if (!order) {
    return;
  }
  const auto shipped = tracking_ledger().latest(Kind::shopee, common.shop->id, package_number_of(*order));
  json response{{"tracking_number", shipped ? shipped->number : ""}};
  const std::string optional = req.get_param_value("response_optional_fields");
  for (const char* name : {"plp_number", "first_mile_tracking_number", "last_mile_tracking_number"}) {
    if (optional.find(name) != std::string::npos) {
      response[name] = std::string_view(name) == "last_mile_tracking_number" && shipped ? shipped->number : "";
    }
  }
  reply(res, std::move(response));
}


} // namespace

// shopee_stock.cpp: the catalogue and stock routes (shopee.md §1.9), shop calls like the rest.
extern const std::string k_shopee_item_list_path;
extern const std::string k_shopee_model_list_path;
extern const std::string k_shopee_update_stock_path;
void handle_shopee_stock(const Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                         const AccountConfig& shop);

void handle_shopee(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  struct Route
  {
    const std::string& path;
    const char* method;
    const char* endpoint;
  };
  static const std::array<Route, 11> k_routes{{{k_auth_partner_path, "GET", "shopee.auth_partner"},
                                              {k_token_path, "POST", "shopee.token_get"},
                                              {k_refresh_path, "POST", "shopee.access_token_get"},
                                              {k_list_path, "GET", "shopee.get_order_list"},
                                              {k_detail_path, "GET", "shopee.get_order_detail"},
                                              {k_shipping_parameter_path, "GET", "shopee.get_shipping_parameter"},
                                              {k_ship_order_path, "POST", "shopee.ship_order"},
                                              {k_tracking_number_path, "GET", "shopee.get_tracking_number"},
                                              {k_shopee_item_list_path, "GET", "shopee.get_item_list"},
                                              {k_shopee_model_list_path, "GET", "shopee.get_model_list"},
                                              {k_shopee_update_stock_path, "POST", "shopee.update_stock"}}};
  const auto route = std::find_if(k_routes.begin(), k_routes.end(), [&](const Route& r) { return r.path == req.path; });
  if (route == k_routes.end()) {
    error(res, 404, "error_not_found", "Invalid API path: " + req.path);
    return;
  }
  market.endpoint = route->endpoint;
  if (req.method != route->method) {
    error(res, 404, "error_not_found", fmt::format("{} {} does not exist; use {}.", req.method, req.path, route->method));
    return;
  }
  if (route->path == k_auth_partner_path) {
    handle_auth_partner(sandbox, req, res, market);
  } else if (route->path == k_token_path) {
    handle_token_get(sandbox, req, res, market);
  } else if (route->path == k_refresh_path) {
    handle_refresh(sandbox, req, res, market);
  } else {
    const auto common = check_common(sandbox, req, res, market, true);
    if (!common) {
      return;
    }
    if (route->path == k_list_path) {
      handle_list(sandbox, req, res, *common);
    } else if (route->path == k_detail_path) {
      handle_detail(sandbox, req, res, *common);
    } else if (route->path == k_shipping_parameter_path) {
      handle_shipping_parameter(sandbox, req, res, *common);
    } else if (route->path == k_ship_order_path) {
      handle_ship_order(sandbox, req, res, *common);
    } else if (route->path.starts_with("/api/v2/product/")) {
      handle_shopee_stock(sandbox, req, res, *common->shop);
    } else {
      handle_tracking_number(sandbox, req, res, *common);
    }
  }
}

} // namespace uoms::sandbox
