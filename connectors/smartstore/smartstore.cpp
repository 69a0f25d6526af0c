#include "connectors/smartstore/smartstore.hpp"

#include "connectors/support.hpp"
#include "uoms/crypto.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

namespace uoms::connectors::smartstore {

namespace {

using json = nlohmann::json;
using support::BadField;
using support::encode_value;
using support::id_field;
using support::is_final;
using support::member;
using support::one_line;
using support::setting;
using support::string_field;
using support::trim;

constexpr std::string_view k_default_base_url = "https://api.commerce.naver.com";
constexpr std::string_view k_token_path = "/external/v1/oauth2/token";
constexpr std::string_view k_changes_path = "/external/v1/pay-order/seller/product-orders/last-changed-statuses";
constexpr std::string_view k_details_path = "/external/v1/pay-order/seller/product-orders/query";
// Page size of last-changed-statuses and ids per product-orders/query (smartstore.md §1.2, §1.3).
constexpr int k_limit_count = 300;
constexpr std::size_t k_detail_batch = 300;
// Lifetime the docs give when a token response omits expires_in (smartstore.md §1.1).
constexpr auto k_default_token_life = std::chrono::seconds(10'800);
// --- field readers ------------------------------------------------------------------

bool has_number(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  return value != nullptr && value->is_number();
}

// Whole won amounts and counts.
std::int64_t int_field(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return 0;
  }
  if (value->is_number_integer() || value->is_number_unsigned()) {
    return value->get<std::int64_t>();
  }
  if (value->is_number_float()) {
    return to_minor_units(value->get<double>(), "KRW");
  }
  throw BadField{fmt::format("{} is not a number: {}", key, value->dump())};
}

std::optional<TimePoint> time_field(const json& object, std::string_view key)
{
  return support::time_field(object, key, k_kst_offset);
}

// --- status mapping -------------------------------------------------------------------

std::optional<OrderStatus> map_product_order_status(std::string_view raw)
{
  static const std::map<std::string, OrderStatus, std::less<>> table = {
      {"PAYMENT_WAITING", OrderStatus::pending_payment},
      {"PAYED", OrderStatus::paid},
      {"DELIVERING", OrderStatus::shipped},
      {"DELIVERED", OrderStatus::delivered},
      {"PURCHASE_DECIDED", OrderStatus::completed},
      {"EXCHANGED", OrderStatus::exchanged},
      {"CANCELED", OrderStatus::cancelled},
      {"RETURNED", OrderStatus::returned},
      {"CANCELED_BY_NOPAYMENT", OrderStatus::cancelled},
  };
  const auto it = table.find(raw);
  if (it == table.end()) {
    return std::nullopt;
  }
  return it->second;
}

const std::set<std::string, std::less<>>& known_claim_statuses()
{
  static const std::set<std::string, std::less<>> statuses = {
      "CANCEL_REQUEST", "CANCELING", "CANCEL_DONE", "CANCEL_REJECT", "RETURN_REQUEST", "EXCHANGE_REQUEST",
      "COLLECTING", "COLLECT_DONE", "EXCHANGE_REDELIVERING", "RETURN_DONE", "EXCHANGE_DONE", "RETURN_REJECT",
      "EXCHANGE_REJECT", "PURCHASE_DECISION_HOLDBACK", "PURCHASE_DECISION_HOLDBACK_REQUEST",
      "PURCHASE_DECISION_HOLDBACK_RELEASE", "PURCHASE_DECISION_HOLDBACK_REDELIVERING", "ADMIN_CANCELING",
      "ADMIN_CANCEL_DONE", "ADMIN_CANCEL_REJECT",
  };
  return statuses;
}

// An open claim (requested, in progress) shows as *_requested. Finished or rejected claims
// leave the product order status as it is: productOrderStatus already says CANCELED,
// RETURNED or EXCHANGED once a claim is done.
std::optional<OrderStatus> open_claim_status(std::string_view claim_status, std::string_view claim_type)
{
  if (claim_status == "CANCEL_REQUEST" || claim_status == "CANCELING" || claim_status == "ADMIN_CANCELING") {
    return OrderStatus::cancel_requested;
  }
  if (claim_status == "RETURN_REQUEST") {
    return OrderStatus::return_requested;
  }
  if (claim_status == "EXCHANGE_REQUEST" || claim_status == "EXCHANGE_REDELIVERING") {
    return OrderStatus::exchange_requested;
  }
  if (claim_status == "COLLECTING" || claim_status == "COLLECT_DONE") {
    if (claim_type == "RETURN") {
      return OrderStatus::return_requested;
    }
    if (claim_type == "EXCHANGE") {
      return OrderStatus::exchange_requested;
    }
  }
  return std::nullopt;
}

// --- mapping --------------------------------------------------------------------------

struct MappedDetail
{
  Order order; // this product order's share of the order: one item
  std::vector<OrderNote> notes;
};

// One element of product-orders/query `data`: {order, productOrder, delivery, ...}.
MappedDetail map_detail(const json& element)
{
  const json* source_order = member(element, "order");
  const json* product_order = member(element, "productOrder");
  if (source_order == nullptr || !source_order->is_object()) {
    throw BadField{"missing order"};
  }
  if (product_order == nullptr || !product_order->is_object()) {
    throw BadField{"missing productOrder"};
  }
  MappedDetail out;
  Order& order = out.order;
  order.external_id = id_field(*source_order, "orderId");
  order.ordered_at = time_field(*source_order, "orderDate");
  if (!order.ordered_at) {
    throw BadField{"missing orderDate"};
  }
  order.paid_at = time_field(*source_order, "paymentDate");
  order.currency = "KRW";
  order.buyer.name = string_field(*source_order, "ordererName");
  order.buyer.phone = string_field(*source_order, "ordererTel");

  const json& po = *product_order;
  OrderItem item;
  item.external_id = id_field(po, "productOrderId");
  item.shipment_key = item.external_id;
  // optionManageCode is the seller's code for the option, sellerProductCode for the product.
  item.sku = string_field(po, "optionManageCode");
  if (item.sku.empty()) {
    item.sku = string_field(po, "sellerProductCode");
  }
  // originalProductId (origin product no.) is what the stock APIs take.
  item.product_id = string_field(po, "originalProductId");
  if (item.product_id.empty()) {
    item.product_id = string_field(po, "productId");
  }
  item.option_id = string_field(po, "optionCode");
  item.name = string_field(po, "productName");
  item.option_name = string_field(po, "productOption");
  // With quantityClaimCompatibility=true, remainQuantity is what is left after partial claims.
  const std::int64_t quantity = has_number(po, "remainQuantity") ? int_field(po, "remainQuantity") : int_field(po, "quantity");
  if (quantity < 0) {
    throw BadField{"negative quantity"};
  }
  item.quantity = static_cast<int>(quantity);
  item.unit_price_minor = int_field(po, "unitPrice") + int_field(po, "optionPrice");
  item.total_price_minor = has_number(po, "totalProductAmount") ? int_field(po, "totalProductAmount")
                                                                : item.unit_price_minor * int_field(po, "quantity");
  order.shipping_fee_minor = int_field(po, "deliveryFeeAmount");
  order.total_minor = item.total_price_minor - int_field(po, "productDiscountAmount") + order.shipping_fee_minor;

  if (const json* address = member(po, "shippingAddress")) {
    order.receiver.name = string_field(*address, "name");
    order.receiver.phone = string_field(*address, "tel1");
    if (order.receiver.phone.empty()) {
      order.receiver.phone = string_field(*address, "tel2");
    }
    order.receiver.zip = string_field(*address, "zipCode");
    order.receiver.address1 = string_field(*address, "baseAddress");
    order.receiver.address2 = string_field(*address, "detailedAddress");
  }

  const std::string raw_status = string_field(po, "productOrderStatus");
  if (raw_status.empty()) {
    throw BadField{"missing productOrderStatus"};
  }
  const std::string claim_status = string_field(po, "claimStatus");
  const std::string claim_type = string_field(po, "claimType");
  const std::string place_order_status = string_field(po, "placeOrderStatus");
  item.raw_status = claim_status.empty() ? raw_status : raw_status + "/" + claim_status;
  const auto base = map_product_order_status(raw_status);
  if (!base) {
    out.notes.push_back({order.external_id, fmt::format("unknown Smartstore productOrderStatus \"{}\" (productOrderId {})",
                                                        raw_status, item.external_id)});
  }
  if (!claim_status.empty() && !known_claim_statuses().contains(claim_status)) {
    out.notes.push_back({order.external_id, fmt::format("unknown Smartstore claimStatus \"{}\" (productOrderId {})",
                                                        claim_status, item.external_id)});
  }
  item.status = base.value_or(OrderStatus::unknown);
  // Place-order confirmation (발주확인, smartstore.md §1.4) is the seller's acknowledgement.
  if (item.status == OrderStatus::paid && place_order_status == "OK") {
    item.status = OrderStatus::preparing;
  }
  if (base && !is_final(*base)) {
    if (const auto claim = open_claim_status(claim_status, claim_type)) {
      item.status = *claim;
    }
  }
  order.items.push_back(std::move(item));
  return out;
}

struct Change
{
  std::string product_order_id;
  std::optional<TimePoint> changed_at;
  json raw;
};

struct MappedPage
{
  std::vector<Order> orders;
  std::vector<MappingFailure> failures;
  std::vector<OrderNote> notes;
};

std::string best_order_id(const json& element)
{
  if (const json* order = member(element, "order")) {
    if (const json* id = member(*order, "orderId")) {
      return id->is_string() ? id->get<std::string>() : id->dump();
    }
  }
  return {};
}

// Maps the detail elements, merging product orders of one orderId into one Order whose raw
// is the element, or an array of the elements when there are several.
MappedPage map_details(const std::vector<json>& elements, const std::map<std::string, Change>& changes)
{
  MappedPage page;
  std::map<std::string, std::size_t> index;
  std::map<std::string, json> raws;
  for (const auto& element : elements) {
    try {
      MappedDetail mapped = map_detail(element);
      for (auto& note : mapped.notes) {
        page.notes.push_back(std::move(note));
      }
      Order& part = mapped.order;
      if (const auto change = changes.find(part.items.front().external_id); change != changes.end()) {
        part.changed_at = change->second.changed_at;
      }
      const auto found = index.find(part.external_id);
      if (found == index.end()) {
        index.emplace(part.external_id, page.orders.size());
        raws[part.external_id] = json::array({element});
        page.orders.push_back(std::move(part));
        continue;
      }
      Order& order = page.orders[found->second];
      raws[part.external_id].push_back(element);
      if (part.changed_at && (!order.changed_at || *order.changed_at < *part.changed_at)) {
        order.changed_at = part.changed_at;
      }
      order.shipping_fee_minor += part.shipping_fee_minor;
      order.total_minor += part.total_minor;
      if (order.receiver.name.empty()) {
        order.receiver = part.receiver;
      }
      order.items.push_back(std::move(part.items.front()));
    } catch (const BadField& error) {
      page.failures.push_back({best_order_id(element), error.reason, element.dump()});
    } catch (const json::exception& error) {
      page.failures.push_back({best_order_id(element), fmt::format("unexpected JSON: {}", error.what()), element.dump()});
    }
  }
  for (auto& order : page.orders) {
    const json& list = raws[order.external_id];
    order.raw = list.size() == 1 ? list.front().dump() : list.dump();
    support::summarise_status(order, support::is_cancelled);
  }
  return page;
}

// "code message" from a gateway or API error body, or "" when the body is not JSON.
struct ErrorBody
{
  std::string text;
  std::string trace_id;
};

ErrorBody describe_body(const json& parsed)
{
  ErrorBody out;
  if (!parsed.is_object()) {
    return out;
  }
  std::string code;
  if (const json* c = member(parsed, "code")) {
    code = c->is_string() ? c->get<std::string>() : c->dump();
  }
  std::string message;
  if (const json* m = member(parsed, "message"); m != nullptr && m->is_string()) {
    message = m->get<std::string>();
  }
  if (const json* t = member(parsed, "traceId"); t != nullptr && t->is_string()) {
    out.trace_id = t->get<std::string>();
  }
  out.text = one_line(code.empty() ? message : message.empty() ? code : code + " " + message);
  return out;
}

} // namespace

// --- public helpers -------------------------------------------------------------------

std::optional<std::string> client_secret_sign(std::string_view client_id, std::string_view client_secret,
                                              long long timestamp_ms)
{
  // The secret must itself be a bcrypt salt: `$2a$NN$` + 22 characters. libcrypt would
  // read anything else as another hash scheme (a two-letter DES salt, say) and succeed.
  const auto is_salt_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '/'; };
  if (client_secret.size() < 29 || client_secret[0] != '$' || client_secret[1] != '2' || client_secret[3] != '$'
      || client_secret[6] != '$' || std::string_view("abxy").find(client_secret[2]) == std::string_view::npos
      || !std::isdigit(static_cast<unsigned char>(client_secret[4])) || !std::isdigit(static_cast<unsigned char>(client_secret[5]))
      || !std::all_of(client_secret.begin() + 7, client_secret.begin() + 29, is_salt_char)) {
    return std::nullopt;
  }
  const std::string password = fmt::format("{}_{}", client_id, timestamp_ms);
  const auto hashed = crypto::bcrypt(password, client_secret);
  if (!hashed || hashed->size() != 60 || !hashed->starts_with(client_secret.substr(0, 7))) {
    return std::nullopt;
  }
  return crypto::base64_encode(*hashed);
}

std::string query_time(TimePoint t)
{
  return encode_value(format_time(t, k_kst_offset, "%Y-%m-%dT%H:%M:%S.%L%z"));
}

std::string encode_cursor(const Cursor& cursor)
{
  return cursor.more_from + "|" + cursor.more_sequence;
}

std::optional<Cursor> decode_cursor(std::string_view text)
{
  const auto bar = text.rfind('|');
  if (bar == std::string_view::npos || bar == 0 || bar + 1 == text.size()) {
    return std::nullopt;
  }
  return Cursor{std::string(text.substr(0, bar)), std::string(text.substr(bar + 1))};
}

// --- the connector --------------------------------------------------------------------

struct SmartstoreConnector::Reply
{
  json body;
  std::string trace_id;
};

SmartstoreConnector::SmartstoreConnector(const ChannelContext& context)
  : m_channel(context.name),
    m_http(context.http),
    m_clock(context.clock)
{
  m_base_url = setting(context.settings, "base_url", k_default_base_url);
  while (!m_base_url.empty() && m_base_url.back() == '/') {
    m_base_url.pop_back();
  }
  m_client_id = trim(setting(context.settings, "client_id"));
  m_client_secret = trim(setting(context.secrets, "client_secret"));
  m_account_type = trim(setting(context.settings, "account_type", "SELF"));
  std::transform(m_account_type.begin(), m_account_type.end(), m_account_type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  m_account_id = trim(setting(context.settings, "account_id"));

  m_caps.max_window = std::chrono::hours(24);
  m_caps.rescan_window = Millis{0};
  m_caps.page_size = k_limit_count;
  m_caps.detail_batch = static_cast<int>(k_detail_batch);
  m_caps.utc_offset = k_kst_offset;
  m_caps.time_format = "KST yyyy-MM-dd'T'HH:mm:ss.SSS+09:00";
  m_caps.default_rate_limit = 2;
  m_caps.orders = true;
  m_caps.partial_orders = true;

  auto config_error = [this](std::string message) {
    if (!m_config_error) {
      m_config_error = ConnectorError{ErrorKind::config, std::move(message)};
    }
  };
  if (m_client_id.empty()) {
    config_error("setting client_id is required (the application ID from the Commerce API center)");
  }
  if (m_client_secret.empty()) {
    config_error("secret client_secret is required");
  }
  if (m_account_type != "SELF" && m_account_type != "SELLER") {
    config_error(fmt::format("setting account_type: \"{}\" is neither SELF nor SELLER", m_account_type));
  }
  if (m_account_type == "SELLER" && m_account_id.empty()) {
    config_error("setting account_id is required when account_type is SELLER");
  }
  if (m_http == nullptr || m_clock == nullptr) {
    config_error("internal: smartstore connector needs an HTTP client and a clock");
  }
  if (!m_client_secret.empty()) {
    log::add_secret(m_client_secret);
  }
  m_keeper = TokenKeeper::for_channel(context, std::string(k_token_name));
}

std::string SmartstoreConnector::scrub(std::string text) const
{
  std::optional<Token> stored = m_keeper ? m_keeper->stored() : std::nullopt;
  std::vector<std::string_view> secrets{m_client_secret, m_last_sign};
  if (stored) {
    secrets.push_back(stored->value);
  }
  return support::scrub(std::move(text), secrets);
}

Result<Token> SmartstoreConnector::request_token(int& requests)
{
  const TimePoint now = m_clock->now();
  const long long timestamp = to_epoch_millis(now);
  const auto sign = client_secret_sign(m_client_id, m_client_secret, timestamp);
  if (!sign) {
    return std::unexpected(ConnectorError{
        ErrorKind::config, "secret client_secret is not a bcrypt salt ($2a$10$ followed by 22 characters)"});
  }
  std::vector<std::pair<std::string, std::string>> form = {
      {"client_id", m_client_id},
      {"timestamp", std::to_string(timestamp)},
      {"grant_type", "client_credentials"},
      {"client_secret_sign", *sign},
      {"type", m_account_type},
  };
  if (m_account_type == "SELLER") {
    form.emplace_back("account_id", m_account_id);
  }
  net::Request request;
  request.method = "POST";
  request.url = m_base_url + std::string(k_token_path);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  request.body = net::build_query(form);
  request.label = "POST oauth2/token";
  m_last_sign = *sign;
  log::add_secret(*sign);

  ++requests;
  const auto result = m_http->send(request);
  if (!result) {
    return std::unexpected(support::no_answer(result.error(), scrub(result.error().message)));
  }
  const net::Response& response = *result;
  const json body = json::parse(response.body, nullptr, false);
  const ErrorBody detail = describe_body(body);
  const std::string trace_id = !detail.trace_id.empty() ? detail.trace_id : response.header("GNCP-GW-Trace-ID").value_or("");
  if (response.status != 200) {
    ErrorKind kind = ErrorKind::auth; // a rejected token request means the credentials, type or clock are wrong
    std::string what = "token request rejected (check client_id, client_secret, account_type and the clock)";
    if (response.status == 429) {
      kind = ErrorKind::rate_limited;
      what = "rate limited";
    } else if (response.status >= 500) {
      kind = ErrorKind::transient;
      what = "server error";
    }
    std::string message = fmt::format("{}: HTTP {} {}", request.label, response.status, what);
    if (!detail.text.empty()) {
      message += ": " + scrub(detail.text);
    }
    return std::unexpected(ConnectorError{kind, std::move(message), response.status, trace_id});
  }
  const json* value = member(body, "access_token");
  if (value == nullptr || !value->is_string() || value->get_ref<const std::string&>().empty()) {
    return std::unexpected(
        ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 without access_token", request.label), 200, trace_id});
  }
  Token token;
  token.value = value->get<std::string>();
  std::chrono::seconds life = k_default_token_life;
  if (const json* expires = member(body, "expires_in"); expires != nullptr) {
    if (expires->is_number()) {
      life = std::chrono::seconds(static_cast<long long>(expires->get<double>()));
    } else if (expires->is_string()) {
      try {
        life = std::chrono::seconds(std::stoll(expires->get<std::string>()));
      } catch (const std::exception&) {
        // keep the documented default
      }
    }
  }
  token.expires_at = now + life;
  log::add_secret(token.value);
  return token;
}

Result<SmartstoreConnector::Reply> SmartstoreConnector::call(net::Request request, int& requests)
{
  const TokenSource source = [this, &requests](const std::optional<Token>&) { return request_token(requests); };
  return m_keeper->use<Reply>(
      source,
      [&](const std::string& bearer, bool& rejected) { return send(request, bearer, requests, rejected); },
      " after a new token (check client_id, client_secret and the application's API groups)");
}

Result<SmartstoreConnector::Reply> SmartstoreConnector::send(net::Request request, const std::string& bearer,
                                                             int& requests, bool& rejected)
{
  rejected = false;
  request.headers.emplace_back("Authorization", "Bearer " + bearer);
  ++requests;
  const net::HttpResult result = m_http->send(request);
  if (!result) {
    return std::unexpected(support::no_answer(result.error(), scrub(result.error().message)));
  }
  const net::Response& response = *result;
  json body = json::parse(response.body, nullptr, false);
  const ErrorBody detail = describe_body(body);
  const std::string trace_id = !detail.trace_id.empty() ? detail.trace_id : response.header("GNCP-GW-Trace-ID").value_or("");
  auto fail = [&](ErrorKind kind, std::string_view what) {
    std::string message = fmt::format("{}: HTTP {} {}", request.label, response.status, what);
    if (!detail.text.empty()) {
      message += ": " + scrub(detail.text);
    }
    return std::unexpected(ConnectorError{kind, std::move(message), response.status, trace_id});
  };
  // An expired or revoked token answers 401 GW.AUTHN.
  if (response.status == 401) {
    rejected = true;
    return fail(ErrorKind::auth, "unauthorized");
  }
  if (response.status == 403) {
    return fail(ErrorKind::auth, "forbidden (server IP not registered or API group missing)");
  }
  if (response.status == 429) {
    return fail(ErrorKind::rate_limited, "rate limited");
  }
  if (response.status >= 500) {
    return fail(ErrorKind::transient, "server error");
  }
  if (response.status != 200) {
    return fail(ErrorKind::contract, "rejected");
  }
  if (!body.is_object()) {
    return std::unexpected(ConnectorError{
        ErrorKind::contract, fmt::format("{}: HTTP 200 with a body that is not a JSON object", request.label), 200, trace_id});
  }
  return Reply{std::move(body), trace_id};
}

Result<Page> SmartstoreConnector::fetch_orders(const Window& window, const std::string& cursor_text)
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  std::optional<Cursor> cursor;
  if (!cursor_text.empty()) {
    cursor = decode_cursor(cursor_text);
    if (!cursor) {
      return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("invalid smartstore cursor \"{}\"", cursor_text)});
    }
  }

  Page page;
  // 1. Which product orders changed in the window (one page of up to 300).
  std::string query = "lastChangedFrom=" + (cursor ? encode_value(cursor->more_from) : query_time(window.from));
  query += "&lastChangedTo=" + query_time(last_step(window, m_caps.time_step, m_caps.utc_offset));
  if (cursor) {
    query += "&moreSequence=" + encode_value(cursor->more_sequence);
  }
  query += fmt::format("&limitCount={}", k_limit_count);
  net::Request list;
  list.method = "GET";
  list.url = m_base_url + std::string(k_changes_path) + "?" + query;
  list.headers = {{"Accept", "application/json"}};
  list.label = cursor ? fmt::format("GET last-changed-statuses (moreSequence {})", cursor->more_sequence)
                      : std::string("GET last-changed-statuses");
  auto changes_reply = call(list, page.requests);
  if (!changes_reply) {
    return std::unexpected(changes_reply.error());
  }
  page.request_id = changes_reply->trace_id;

  // A window without changes may come back without `data` at all (smartstore.md §1.2).
  std::vector<std::string> ids;
  std::map<std::string, Change> changes;
  const json* data = member(changes_reply->body, "data");
  if (data != nullptr && !data->is_object()) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: \"data\" is not an object", list.label), 200,
                                          page.request_id});
  }
  if (data != nullptr) {
    const json* entries = member(*data, "lastChangeStatuses");
    if (entries != nullptr && !entries->is_array()) {
      return std::unexpected(ConnectorError{ErrorKind::contract,
                                            fmt::format("{}: \"lastChangeStatuses\" is not an array", list.label), 200,
                                            page.request_id});
    }
    if (entries != nullptr) {
      for (const auto& entry : *entries) {
        try {
          Change change;
          change.product_order_id = id_field(entry, "productOrderId");
          change.changed_at = time_field(entry, "lastChangedDate");
          change.raw = entry;
          if (!changes.contains(change.product_order_id)) {
            ids.push_back(change.product_order_id);
          }
          changes[change.product_order_id] = std::move(change);
        } catch (const BadField& error) {
          std::string order_id;
          if (const json* id = member(entry, "orderId"); id != nullptr && id->is_string()) {
            order_id = id->get<std::string>();
          }
          page.failures.push_back({order_id, error.reason, entry.dump()});
        }
      }
    }
    if (const json* more = member(*data, "more")) {
      Cursor next;
      try {
        next.more_from = string_field(*more, "moreFrom");
        next.more_sequence = string_field(*more, "moreSequence");
      } catch (const BadField& error) {
        return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: bad \"more\": {}", list.label, error.reason),
                                              200, page.request_id});
      }
      if (next.more_from.empty() || next.more_sequence.empty()) {
        return std::unexpected(ConnectorError{ErrorKind::contract,
                                              fmt::format("{}: \"more\" without moreFrom/moreSequence", list.label), 200,
                                              page.request_id});
      }
      if (cursor && next.more_from == cursor->more_from && next.more_sequence == cursor->more_sequence) {
        return std::unexpected(ConnectorError{ErrorKind::contract,
                                              fmt::format("{}: moreSequence {} did not advance", list.label, next.more_sequence),
                                              200, page.request_id});
      }
      page.next_cursor = encode_cursor(next);
    }
  }

  // 2. Their details, at most 300 ids per call.
  std::vector<json> elements;
  for (std::size_t start = 0; start < ids.size(); start += k_detail_batch) {
    const auto end = std::min(ids.size(), start + k_detail_batch);
    net::Request details;
    details.method = "POST";
    details.url = m_base_url + std::string(k_details_path);
    details.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    details.body = json{{"productOrderIds", std::vector<std::string>(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                                                     ids.begin() + static_cast<std::ptrdiff_t>(end))},
                        {"quantityClaimCompatibility", true}}
                       .dump();
    details.label = fmt::format("POST product-orders/query ({} ids)", end - start);
    auto reply = call(details, page.requests);
    if (!reply) {
      return std::unexpected(reply.error());
    }
    page.request_id = reply->trace_id;
    const json* list_data = member(reply->body, "data");
    // The official schema has an array; one public mock wrapped it as data.productOrders.
    if (list_data != nullptr && list_data->is_object()) {
      list_data = member(*list_data, "productOrders");
    }
    if (list_data == nullptr) {
      continue;
    }
    if (!list_data->is_array()) {
      return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: \"data\" is not an array", details.label),
                                            200, page.request_id});
    }
    for (const auto& element : *list_data) {
      elements.push_back(element);
    }
  }

  MappedPage mapped = map_details(elements, changes);
  page.orders = std::move(mapped.orders);
  page.failures.insert(page.failures.end(), mapped.failures.begin(), mapped.failures.end());
  page.notes = std::move(mapped.notes);

  // A changed product order the detail call did not return is recorded, not dropped.
  std::set<std::string, std::less<>> returned;
  for (const auto& element : elements) {
    if (const json* po = member(element, "productOrder")) {
      if (const json* id = member(*po, "productOrderId"); id != nullptr && id->is_string()) {
        returned.insert(id->get<std::string>());
      }
    }
  }
  for (const auto& id : ids) {
    if (!returned.contains(id)) {
      const Change& change = changes.at(id);
      std::string order_id;
      if (const json* o = member(change.raw, "orderId"); o != nullptr && o->is_string()) {
        order_id = o->get<std::string>();
      }
      page.failures.push_back(
          {order_id, fmt::format("product order {} not returned by product-orders/query", id), change.raw.dump()});
    }
  }
  return page;
}

Result<std::string> SmartstoreConnector::check()
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  const TimePoint now = m_clock->now();
  net::Request list;
  list.method = "GET";
  list.url = m_base_url + std::string(k_changes_path) + "?lastChangedFrom=" + query_time(now - std::chrono::hours(1))
             + "&lastChangedTo=" + query_time(now) + fmt::format("&limitCount={}", k_limit_count);
  list.headers = {{"Accept", "application/json"}};
  list.label = "GET last-changed-statuses (check)";
  int requests = 0;
  auto reply = call(list, requests);
  if (!reply) {
    return std::unexpected(reply.error());
  }
  std::size_t changes = 0;
  bool more = false;
  if (const json* data = member(reply->body, "data"); data != nullptr && data->is_object()) {
    if (const json* entries = member(*data, "lastChangeStatuses"); entries != nullptr && entries->is_array()) {
      changes = entries->size();
    }
    more = member(*data, "more") != nullptr;
  }
  const auto token = m_keeper->stored();
  const auto minutes = token ? std::chrono::duration_cast<std::chrono::minutes>(token->expires_at - now).count() : 0;
  const std::string who = m_account_type == "SELLER" ? fmt::format("SELLER {}", m_account_id) : std::string("SELF");
  return fmt::format("client {}: token for {} accepted (valid {} min more); {}{} product order change(s) in the last hour",
                     m_client_id, who, minutes, changes, more ? "+" : "");
}

// --- registry row ---------------------------------------------------------------------

const KindSpec& spec()
{
  static const KindSpec kind{
      "smartstore",
      "Naver Smartstore Commerce API: last-changed-statuses + product-orders/query, bcrypt-signed token",
      {
          {"base_url", false, std::string(k_default_base_url),
           "API host without /external; point it at the sandbox (http://127.0.0.1:PORT) in tests"},
          {"client_id", true, "", "application ID from the Commerce API center"},
          {"account_type", false, "SELF", "SELF for your own store, SELLER to act for a seller (needs account_id)"},
          {"account_id", false, "", "the seller's ID or seller UID; required when account_type is SELLER"},
          {"rate_limit", false, "2", "requests per second; Naver throttles per API and application (429 GW.RATE_LIMIT)"},
      },
      {
          {"client_secret", true, "", "application secret: a bcrypt salt ($2a$10$ + 22 characters) used to sign the token request"},
      },
      [](const ChannelContext& context) -> std::unique_ptr<Connector> {
        return std::make_unique<SmartstoreConnector>(context);
      },
  };
  return kind;
}

} // namespace uoms::connectors::smartstore
