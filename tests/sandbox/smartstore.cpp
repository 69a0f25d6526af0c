// Naver Commerce API (smartstore.md §1.1-1.3, §1.7): the bcrypt-signed token, the
// last-changed-statuses change feed with data.more paging, and product-orders/query.

#include "sandbox.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <functional>
#include <tuple>

namespace uoms::sandbox {

namespace {

constexpr auto k_timestamp_validity = std::chrono::minutes{5};
// Asking for a token while the current one has this much left returns the same token.
constexpr auto k_token_reuse = std::chrono::minutes{30};
constexpr std::size_t k_max_page = 300;
constexpr std::size_t k_max_query_ids = 300;
constexpr std::array<std::string_view, 13> k_changed_types{
    "PAY_WAITING",      "PAYED",         "EXCHANGE_OPTION",           "DELIVERY_ADDRESS_CHANGED",
    "GIFT_RECEIVED",    "CLAIM_REJECTED", "DISPATCHED",              "CLAIM_REQUESTED",
    "COLLECT_DONE",     "CLAIM_COMPLETED", "PURCHASE_DECIDED",       "HOPE_DELIVERY_INFO_CHANGED",
    "CLAIM_REDELIVERING"};

const std::string k_token_path = "/external/v1/oauth2/token";
const std::string k_changes_path = "/external/v1/pay-order/seller/product-orders/last-changed-statuses";
const std::string k_query_path = "/external/v1/pay-order/seller/product-orders/query";

std::string kst(TimePoint t)
{
  return format_time(t, k_kst, "%Y-%m-%dT%H:%M:%S.%L%z");
}

bool is_digits(const std::string& text)
{
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void reply(httplib::Response& res, int status, json body)
{
  smartstore_reply(res, status, std::move(body));
}

void bad_request(httplib::Response& res, const std::string& name, const std::string& message)
{
  smartstore_bad_request(res, name, message);
}

void authn_failed(const Marketplace& market, httplib::Response& res, const std::string& message)
{
  gateway_error(market, res, 401, "GW.AUTHN", message);
}

} // namespace

// Every answer carries a traceId, in the body and in GNCP-GW-Trace-ID.
void smartstore_reply(httplib::Response& res, int status, json body)
{
  const std::string trace = new_trace_id();
  body["timestamp"] = kst(now());
  body["traceId"] = trace;
  res.status = status;
  res.set_header("GNCP-GW-Trace-ID", trace);
  res.set_content(body.dump(), "application/json;charset=UTF-8");
}

// pay-order API errors: {timestamp, traceId, code, message} with code 4000 for a bad
// parameter and the offending input named (smartstore.md §1.7).
void smartstore_bad_request(httplib::Response& res, const std::string& name, const std::string& message)
{
  smartstore_reply(res, 400,
                   {{"code", "4000"},
                    {"message", message},
                    {"invalidInputs", json::array({{{"name", name}, {"type", "InvalidValue"}, {"message", message}}})}});
}

namespace {

void handle_token(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  if (req.method != "POST") {
    gateway_error(market, res, 404, "GW.NOT_FOUND", "No API found for " + req.method + " " + req.path);
    return;
  }
  // Form body fields (application/x-www-form-urlencoded); httplib merges them with the
  // query, which some public clients use instead and which the gateway also accepts.
  for (const char* name : {"client_id", "timestamp", "client_secret_sign", "grant_type", "type"}) {
    if (req.get_param_value(name).empty()) {
      bad_request(res, name, fmt::format("{} is required", name));
      return;
    }
  }
  if (req.get_param_value("grant_type") != "client_credentials") {
    bad_request(res, "grant_type", "grant_type must be client_credentials");
    return;
  }
  const std::string type = req.get_param_value("type");
  if (type != "SELF" && type != "SELLER") {
    bad_request(res, "type", "type must be SELF or SELLER");
    return;
  }
  if (type == "SELLER" && req.get_param_value("account_id").empty()) {
    bad_request(res, "account_id", "account_id is required with type=SELLER");
    return;
  }
  const std::string client_id = req.get_param_value("client_id");
  const std::string timestamp = req.get_param_value("timestamp");
  const AccountConfig* account = sandbox.smartstore_by_client(client_id);
  if (account == nullptr) {
    sandbox.stats.signature_failure({});
    authn_failed(market, res, "client_id is not registered");
    return;
  }
  market.account = account->id;
  if (!is_digits(timestamp) || timestamp.size() > 15) {
    sandbox.stats.signature_failure(account->id);
    bad_request(res, "timestamp", "timestamp must be Unix time in milliseconds");
    return;
  }
  const TimePoint stamp{std::chrono::milliseconds{std::stoll(timestamp)}};
  const TimePoint t = now();
  if (stamp < t - k_timestamp_validity || stamp > t + k_timestamp_validity) {
    sandbox.stats.signature_failure(account->id);
    authn_failed(market, res, "timestamp is expired or not yet valid (valid for 5 minutes)");
    return;
  }
  const std::string expected = base64(bcrypt(client_id + "_" + timestamp, account->client_secret));
  const std::string given = req.get_param_value("client_secret_sign");
  if (expected.empty() || given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    sandbox.stats.signature_failure(account->id);
    authn_failed(market, res, "client_secret_sign is invalid");
    return;
  }

  std::string token;
  TimePoint expires{};
  {
    std::lock_guard lock(sandbox.tokens_mutex);
    for (const auto& [value, info] : sandbox.tokens) {
      if (info.client_id == client_id && info.expires - t >= k_token_reuse && info.expires > expires) {
        token = value;
        expires = info.expires;
      }
    }
    if (token.empty()) {
      // A new token; older ones stay usable until they expire.
      token = random_hex(16);
      expires = t + std::chrono::seconds{sandbox.config.token_ttl_s};
      sandbox.tokens[token] = {client_id, expires};
    }
  }
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(expires - t).count();
  reply(res, 200, {{"access_token", token}, {"expires_in", left}, {"token_type", "Bearer"}});
}

// The client id a bearer token belongs to, or empty after answering 401 GW.AUTHN.
std::string authenticate(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                         const Marketplace& market)
{
  const std::string header = req.get_header_value("Authorization");
  if (!header.starts_with("Bearer ") || header.size() == 7) {
    authn_failed(market, res, "Authentication failed: a Bearer access token is required");
    return {};
  }
  std::lock_guard lock(sandbox.tokens_mutex);
  const auto it = sandbox.tokens.find(header.substr(7));
  if (it == sandbox.tokens.end()) {
    authn_failed(market, res, "Authentication failed: unknown or expired access token");
    return {};
  }
  if (it->second.expires <= now()) {
    sandbox.tokens.erase(it);
    authn_failed(market, res, "Authentication failed: the access token has expired");
    return {};
  }
  return it->second.client_id;
}

std::optional<TimePoint> time_param(const httplib::Request& req, httplib::Response& res, const std::string& name)
{
  const std::string value = req.get_param_value(name);
  const auto parsed = parse_smartstore_time(value);
  if (!parsed) {
    bad_request(res, name,
                fmt::format("{} '{}' must be yyyy-MM-dd'T'HH:mm:ss.SSSXXX, e.g. 2022-04-11T15:21:44.000+09:00{}", name,
                            value, value.find(' ') != std::string::npos ? " (send '+' as %2B)" : ""));
  }
  return parsed;
}

struct Change
{
  TimePoint changed;
  std::string product_order_id;
  const Order* order;
  const Item* item;
};

void handle_changes(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, const std::string& client)
{
  if (!req.has_param("lastChangedFrom")) {
    bad_request(res, "lastChangedFrom", "lastChangedFrom is required");
    return;
  }
  const auto from = time_param(req, res, "lastChangedFrom");
  if (!from) {
    return;
  }
  TimePoint to = *from + std::chrono::hours{24};
  if (req.has_param("lastChangedTo")) {
    const auto parsed = time_param(req, res, "lastChangedTo");
    if (!parsed) {
      return;
    }
    to = *parsed;
  }
  if (to < *from) {
    bad_request(res, "lastChangedTo", "lastChangedTo must not be before lastChangedFrom");
    return;
  }
  if (to - *from > std::chrono::hours{24}) {
    bad_request(res, "lastChangedTo", "lastChangedFrom ~ lastChangedTo must be within 24 hours");
    return;
  }
  std::size_t limit = k_max_page;
  if (req.has_param("limitCount")) {
    const std::string text = req.get_param_value("limitCount");
    if (!is_digits(text) || text.size() > 9 || std::stoll(text) < 1) {
      bad_request(res, "limitCount", fmt::format("limitCount '{}' must be a positive integer", text));
      return;
    }
    limit = std::min<std::size_t>(k_max_page, std::size_t(std::stoll(text))); // above 300 means 300
  }
  const std::string changed_type = req.get_param_value("lastChangedType");
  if (!changed_type.empty() &&
      std::find(k_changed_types.begin(), k_changed_types.end(), changed_type) == k_changed_types.end()) {
    bad_request(res, "lastChangedType", fmt::format("lastChangedType '{}' is not a known type", changed_type));
    return;
  }
  std::string sequence;
  if (req.has_param("moreSequence")) {
    sequence = req.get_param_value("moreSequence");
    if (!is_digits(sequence)) {
      bad_request(res, "moreSequence", fmt::format("moreSequence '{}' is not a value this API returned", sequence));
      return;
    }
  }

  // Sorted by change time, then product order id; both bounds inclusive. With moreSequence
  // the page starts at (lastChangedFrom, moreSequence), the position data.more gave.
  const std::vector<Order> orders = sandbox.store.orders(client);
  std::vector<Change> changes;
  for (const auto& order : orders) {
    for (const auto& item : order.items) {
      if (item.changed < *from || item.changed > to) {
        continue;
      }
      if (!changed_type.empty() && item.last_changed_type != changed_type) {
        continue;
      }
      if (!sequence.empty() && item.changed == *from &&
          std::make_tuple(item.product_order_id.size(), std::cref(item.product_order_id)) < std::make_tuple(sequence.size(), std::cref(sequence))) {
        continue;
      }
      changes.push_back({item.changed, item.product_order_id, &order, &item});
    }
  }
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    return std::tie(a.changed, a.product_order_id) < std::tie(b.changed, b.product_order_id);
  });

  json list = json::array();
  for (std::size_t i = 0; i < changes.size() && i < limit; ++i) {
    const Change& c = changes[i];
    json entry{{"orderId", c.order->naver_order_id},
               {"productOrderId", c.product_order_id},
               {"lastChangedType", c.item->last_changed_type},
               {"paymentDate", kst(c.order->paid)},
               {"lastChangedDate", kst(c.changed)},
               {"productOrderStatus", c.item->status},
               {"receiverAddressChanged", false}};
    if (!c.item->claim_type.empty()) {
      entry["claimType"] = c.item->claim_type;
      entry["claimStatus"] = c.item->claim_status;
    }
    list.push_back(std::move(entry));
    served_ids().ids.push_back(c.product_order_id);
  }
  if (list.empty()) {
    // The live API answers an empty window with no data at all (smartstore.md §1.2).
    reply(res, 200, json::object());
    return;
  }
  json data{{"count", list.size()}, {"lastChangeStatuses", std::move(list)}};
  if (changes.size() > limit) {
    // duplicate_across_pages: the first page's data.more points at its own last entry.
    const AccountConfig* account = sandbox.smartstore_by_client(client);
    const std::size_t next = account != nullptr && account->duplicate_across_pages && sequence.empty() ? limit - 1 : limit;
    data["more"] = {{"moreFrom", kst(changes[next].changed)}, {"moreSequence", changes[next].product_order_id}};
  }
  reply(res, 200, {{"data", std::move(data)}});
}

json detail_json(const Order& order, std::size_t line)
{
  const Item& item = order.items[line];
  // The delivery fee is charged once per order, on its first line.
  const bool first_line = line == 0;
  const bool shipped = item.status == "DELIVERING" || item.status == "DELIVERED" || item.status == "PURCHASE_DECIDED" ||
                       item.status == "EXCHANGED" || item.status == "RETURNED";
  const bool gone = item.status == "CANCELED" || item.status == "RETURNED" || item.status == "CANCELED_BY_NOPAYMENT";
  const long long amount = item.unit_price * item.quantity;
  const long long delivery_fee = first_line ? order.shipping_price : 0;
  json detail;
  detail["order"] = {{"orderId", order.naver_order_id},
                     {"orderDate", kst(order.created)},
                     {"paymentDate", kst(order.paid)},
                     {"ordererName", order.orderer.name},
                     {"ordererTel", order.orderer.phone},
                     {"ordererId", fmt::format("user{}****", order.naver_order_id.substr(12))},
                     {"ordererNo", order.naver_order_id.substr(8)},
                     {"paymentMeans", "신용카드"},
                     {"payLocationType", "MOBILE"},
                     {"generalPaymentAmount", amount + delivery_fee},
                     {"naverMileagePaymentAmount", 0},
                     {"chargeAmountPaymentAmount", 0},
                     {"payLaterPaymentAmount", 0},
                     {"orderDiscountAmount", 0},
                     {"isDeliveryMemoParticularInput", "false"}};
  json product{{"productOrderId", item.product_order_id},
               {"productOrderStatus", item.status},
               {"placeOrderStatus", item.status == "PAYED" || item.status == "PAYMENT_WAITING" ? "NOT_YET" : "OK"},
               {"productId", std::to_string(item.product_id)},
               {"originalProductId", std::to_string(item.seller_product_id)},
               {"productName", item.product_name},
               {"productOption", item.option_name},
               {"optionCode", std::to_string(item.vendor_item_id)},
               {"optionManageCode", item.sku},
               {"sellerProductCode", item.sku},
               {"itemNo", std::to_string(item.vendor_item_id)},
               {"quantity", item.quantity},
               {"initialQuantity", item.quantity},
               {"remainQuantity", gone ? 0 : item.quantity},
               {"unitPrice", item.unit_price},
               {"optionPrice", 0},
               {"totalPaymentAmount", amount},
               {"initialPaymentAmount", amount},
               {"remainPaymentAmount", gone ? 0 : amount},
               {"totalProductAmount", amount},
               {"productDiscountAmount", 0},
               {"deliveryFeeAmount", delivery_fee},
               {"expectedSettlementAmount", amount * 95 / 100},
               {"shippingDueDate", kst(order.paid + std::chrono::days{3})},
               {"shippingMemo", order.memo},
               {"packageNumber", order.naver_order_id.substr(4)},
               {"expectedDeliveryMethod", "DELIVERY"},
               {"expectedDeliveryCompany", "CJGLS"},
               {"deliveryAttributeType", "NORMAL"},
               {"shippingAddress",
                {{"addressType", "DOMESTIC"},
                 {"name", order.receiver.name},
                 {"tel1", order.receiver.phone},
                 {"tel2", ""},
                 {"zipCode", order.post_code},
                 {"baseAddress", order.address1},
                 {"detailedAddress", order.address2},
                 {"isRoadNameAddress", true}}}};
  if (item.status != "PAYED" && item.status != "PAYMENT_WAITING") {
    product["placeOrderDate"] = kst(order.paid + std::chrono::hours{1});
  }
  if (!item.claim_type.empty()) {
    product["claimType"] = item.claim_type;
    product["claimStatus"] = item.claim_status;
    const json claim{{"claimId", "C" + item.product_order_id},
                     {"claimStatus", item.claim_status},
                     {"claimRequestDate", kst(item.changed - std::chrono::hours{2})},
                     {"requestChannel", "구매자"}};
    if (item.claim_type == "CANCEL") {
      detail["cancel"] = claim;
      detail["cancel"]["cancelReason"] = "INTENT_CHANGED";
      detail["cancel"]["cancelCompletedDate"] = kst(item.changed);
    } else if (item.claim_type == "RETURN") {
      detail["return"] = claim;
      detail["return"]["returnReason"] = "INTENT_CHANGED";
    } else {
      detail["exchange"] = claim;
      detail["exchange"]["exchangeReason"] = "COLOR_AND_SIZE";
    }
  }
  detail["productOrder"] = std::move(product);
  if (shipped) {
    const bool delivered = item.status != "DELIVERING";
    json delivery{{"deliveryCompany", "CJGLS"},
                  {"deliveryMethod", "DELIVERY"},
                  {"trackingNumber", fmt::format("6{:011}", std::stoll(item.product_order_id.substr(8)) * 31 % 100000000000LL)},
                  {"sendDate", kst(order.paid + std::chrono::hours{20})},
                  {"pickupDate", kst(order.paid + std::chrono::hours{22})},
                  {"deliveryStatus", delivered ? "DELIVERY_COMPLETION" : "DELIVERING"},
                  {"isWrongTrackingNumber", false}};
    if (delivered) {
      delivery["deliveredDate"] = kst(item.changed);
    }
    detail["delivery"] = std::move(delivery);
  }
  overlay_smartstore(order, item, detail);
  return detail;
}

void handle_query(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, const std::string& client)
{
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    bad_request(res, "body", "the body must be a JSON object");
    return;
  }
  if (!body.contains("productOrderIds") || !body["productOrderIds"].is_array() || body["productOrderIds"].empty()) {
    bad_request(res, "productOrderIds", "productOrderIds is required (1 to 300 product order ids)");
    return;
  }
  const json& ids = body["productOrderIds"];
  if (ids.size() > k_max_query_ids) {
    bad_request(res, "productOrderIds", fmt::format("productOrderIds holds {} ids; at most 300", ids.size()));
    return;
  }
  std::vector<std::string> wanted;
  for (const auto& id : ids) {
    if (!id.is_string()) {
      bad_request(res, "productOrderIds", "productOrderIds must be strings");
      return;
    }
    wanted.push_back(id.get<std::string>());
  }
  if (body.contains("quantityClaimCompatibility") && !body["quantityClaimCompatibility"].is_boolean()) {
    bad_request(res, "quantityClaimCompatibility", "quantityClaimCompatibility must be a boolean");
    return;
  }
  json data = json::array();
  for (const auto& [order, line] : sandbox.store.smartstore_by_product_order_ids(client, wanted)) {
    data.push_back(detail_json(order, line));
  }
  reply(res, 200, {{"data", std::move(data)}});
}

} // namespace

// The stock routes (smartstore_stock.cpp): their stats endpoint name ("" for another route).
std::string smartstore_stock_endpoint(const httplib::Request& req);
void handle_smartstore_stock(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                             const std::string& client);

void handle_smartstore(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  if (req.path == k_token_path) {
    market.endpoint = "smartstore.token";
    handle_token(sandbox, req, res, market);
    return;
  }
  const bool changes = req.path == k_changes_path && req.method == "GET";
  const bool query = req.path == k_query_path && req.method == "POST";
  const std::string write = smartstore_write_endpoint(req);
  const std::string stock = smartstore_stock_endpoint(req);
  if (!changes && !query && write.empty() && stock.empty()) {
    gateway_error(market, res, 404, "GW.NOT_FOUND", "No API found for " + req.method + " " + req.path);
    return;
  }
  market.endpoint = changes ? "smartstore.last_changed_statuses" : query ? "smartstore.query" : !stock.empty() ? stock : write;
  const std::string client = authenticate(sandbox, req, res, market);
  if (client.empty()) {
    return;
  }
  market.account = client;
  if (changes) {
    handle_changes(sandbox, req, res, client);
  } else if (query) {
    handle_query(sandbox, req, res, client);
  } else if (!stock.empty()) {
    handle_smartstore_stock(sandbox, req, res, client);
  } else {
    handle_smartstore_write(sandbox, req, res, client);
  }
}

} // namespace uoms::sandbox
