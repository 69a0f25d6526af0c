#include "connectors/shopee/shopee.hpp"

#include "connectors/support.hpp"
#include "uoms/crypto.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

namespace uoms::connectors::shopee {

namespace {

using json = nlohmann::json;
using support::BadField;
using support::id_field;
using support::member;
using support::one_line;
using support::optional_id;
using support::setting;
using support::string_field;
using support::trim;

constexpr std::string_view k_default_base_url = "https://partner.shopeemobile.com";
constexpr std::string_view k_auth_partner_path = "/api/v2/shop/auth_partner";
constexpr std::string_view k_token_get_path = "/api/v2/auth/token/get";
constexpr std::string_view k_refresh_path = "/api/v2/auth/access_token/get";
constexpr std::string_view k_order_list_path = "/api/v2/order/get_order_list";
constexpr std::string_view k_order_detail_path = "/api/v2/order/get_order_detail";
// get_order_list page_size is 1..100 and get_order_detail takes 1..50 order_sn (shopee.md §1.7).
constexpr int k_page_size = 100;
constexpr std::size_t k_detail_batch = 50;
// `time_to - time_from` must be <= 15 days (shopee.md §1.7): the bound is inclusive.
constexpr auto k_max_window = std::chrono::days(15);
// The documented access token lifetime, used when a token response omits expire_in.
constexpr auto k_default_token_life = std::chrono::seconds(14'400);
constexpr auto k_token_lock_wait = std::chrono::seconds(30);
// item_list is not returned unless asked for; the rest feed the mapping. The two shipping
// fee fields are real v2 fields the contract does not list; they only fill shipping_fee.
constexpr std::string_view k_detail_fields =
    "buyer_username,recipient_address,item_list,pay_time,total_amount,package_list,shipping_carrier,"
    "payment_method,note,cancel_reason,buyer_cancel_reason,estimated_shipping_fee,actual_shipping_fee";
std::string lower(std::string_view text)
{
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool all_digits(std::string_view text)
{
  return !text.empty() && text.size() <= 19
         && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::int64_t to_int64(std::string_view digits)
{
  std::int64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

// --- field readers ------------------------------------------------------------------

std::optional<double> number_field(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number()) {
    return value->get<double>();
  }
  throw BadField{fmt::format("{} is not a number: {}", key, value->dump())};
}

std::int64_t count_field(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    throw BadField{fmt::format("missing {}", key)};
  }
  if (value->is_number_integer() || value->is_number_unsigned()) {
    const auto count = value->get<std::int64_t>();
    if (count >= 0) {
      return count;
    }
  }
  throw BadField{fmt::format("{} is not a count: {}", key, value->dump())};
}

// Unix seconds; 0 means "not yet" (pay_time of an unpaid order).
std::optional<TimePoint> epoch_field(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number_integer() || value->is_number_unsigned()) {
    const auto seconds = value->get<std::int64_t>();
    if (seconds < 0) {
      throw BadField{fmt::format("{} is not a Unix time: {}", key, value->dump())};
    }
    if (seconds == 0) {
      return std::nullopt;
    }
    return from_epoch_seconds(seconds);
  }
  throw BadField{fmt::format("{} is not a Unix time: {}", key, value->dump())};
}

// --- mapping --------------------------------------------------------------------------

std::optional<OrderStatus> map_status(std::string_view raw)
{
  static const std::map<std::string, OrderStatus, std::less<>> table = {
      {"UNPAID", OrderStatus::pending_payment},
      // Paid, and the seller has not arranged shipment yet.
      {"READY_TO_SHIP", OrderStatus::paid},
      // Paid, waiting for the invoice (Brazil) before shipment can be arranged.
      {"INVOICE_PENDING", OrderStatus::paid},
      // Shipment arranged (tracking number obtained), or to be arranged again.
      {"PROCESSED", OrderStatus::preparing},
      {"RETRY_SHIP", OrderStatus::preparing},
      {"SHIPPED", OrderStatus::shipped},
      // "Buyer has received the order" (shopee.md §1.7), not yet completed.
      {"TO_CONFIRM_RECEIVE", OrderStatus::delivered},
      {"COMPLETED", OrderStatus::completed},
      {"IN_CANCEL", OrderStatus::cancel_requested},
      {"CANCELLED", OrderStatus::cancelled},
      {"TO_RETURN", OrderStatus::return_requested},
  };
  const auto it = table.find(raw);
  if (it == table.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::int64_t money(double amount, const std::string& currency)
{
  return to_minor_units(amount, currency);
}

// The package an item ships in: the package whose item_list names it, else the only
// package, else none.
std::string package_of(const json& order, const std::string& item_id, const std::string& model_id,
                       const std::optional<std::string>& order_item_id)
{
  const json* packages = member(order, "package_list");
  if (packages == nullptr || !packages->is_array()) {
    return {};
  }
  for (const auto& package : *packages) {
    const json* items = member(package, "item_list");
    if (items == nullptr || !items->is_array()) {
      continue;
    }
    for (const auto& entry : *items) {
      if (optional_id(entry, "item_id") != item_id) {
        continue;
      }
      const auto entry_model = optional_id(entry, "model_id");
      if (entry_model.value_or("0") != model_id) {
        continue;
      }
      const auto entry_line = optional_id(entry, "order_item_id");
      if (entry_line && order_item_id && *entry_line != *order_item_id) {
        continue;
      }
      return string_field(package, "package_number");
    }
  }
  if (packages->size() == 1) {
    return string_field(packages->front(), "package_number");
  }
  return {};
}

std::string join_address(const json& address)
{
  std::string out;
  for (const auto* key : {"town", "district", "city", "state", "region"}) {
    const std::string part = string_field(address, key);
    if (!part.empty()) {
      out += out.empty() ? part : ", " + part;
    }
  }
  return out;
}

struct MappedOrder
{
  Order order;
  std::vector<OrderNote> notes;
};

// One element of get_order_detail's response.order_list.
MappedOrder map_order(const json& detail)
{
  if (!detail.is_object()) {
    throw BadField{"order is not an object"};
  }
  MappedOrder out;
  Order& order = out.order;
  order.external_id = id_field(detail, "order_sn");
  order.raw_status = string_field(detail, "order_status");
  if (order.raw_status.empty()) {
    throw BadField{"missing order_status"};
  }
  const auto status = map_status(order.raw_status);
  order.status = status.value_or(OrderStatus::unknown);
  if (!status) {
    out.notes.push_back({order.external_id, fmt::format("unknown Shopee order_status \"{}\"", order.raw_status)});
  }
  order.ordered_at = epoch_field(detail, "create_time");
  if (!order.ordered_at) {
    throw BadField{"missing create_time"};
  }
  order.paid_at = epoch_field(detail, "pay_time");
  order.changed_at = epoch_field(detail, "update_time");
  order.currency = string_field(detail, "currency");
  if (order.currency.empty()) {
    throw BadField{"missing currency"};
  }
  order.buyer.name = string_field(detail, "buyer_username");
  if (const json* address = member(detail, "recipient_address")) {
    order.receiver.name = string_field(*address, "name");
    order.receiver.phone = string_field(*address, "phone");
    order.receiver.zip = string_field(*address, "zipcode");
    order.receiver.address1 = string_field(*address, "full_address");
    if (order.receiver.address1.empty()) {
      order.receiver.address1 = join_address(*address);
    }
  }
  // The fee the buyer paid is not in the contract; the actual fee, once known, else the estimate.
  if (const auto actual = number_field(detail, "actual_shipping_fee"); actual && *actual > 0) {
    order.shipping_fee_minor = money(*actual, order.currency);
  } else if (const auto estimate = number_field(detail, "estimated_shipping_fee")) {
    order.shipping_fee_minor = money(*estimate, order.currency);
  }

  const json* items = member(detail, "item_list");
  if (items == nullptr) {
    throw BadField{"missing item_list"};
  }
  if (!items->is_array()) {
    throw BadField{"item_list is not an array"};
  }
  std::int64_t items_total = 0;
  std::map<std::string, int, std::less<>> seen;
  for (const auto& entry : *items) {
    if (!entry.is_object()) {
      throw BadField{"item is not an object"};
    }
    OrderItem item;
    const std::string item_id = id_field(entry, "item_id");
    const std::string model_id = optional_id(entry, "model_id").value_or("0");
    const auto order_item_id = optional_id(entry, "order_item_id");
    // order_item_id + model_id names one line; a repeat (the same model under two
    // promotions) gets "#2", "#3" in the order Shopee lists it.
    std::string key = fmt::format("{}-{}", order_item_id.value_or(item_id), model_id);
    if (const int n = ++seen[key]; n > 1) {
      key += fmt::format("#{}", n);
    }
    item.external_id = std::move(key);
    item.product_id = item_id;
    item.option_id = model_id == "0" ? std::string() : model_id;
    item.sku = string_field(entry, "model_sku");
    if (item.sku.empty()) {
      item.sku = string_field(entry, "item_sku");
    }
    item.name = string_field(entry, "item_name");
    item.option_name = string_field(entry, "model_name");
    item.quantity = static_cast<int>(count_field(entry, "model_quantity_purchased"));
    // model_discounted_price is 0 for bundle-deal items by design (shopee.md §1.7).
    const double discounted = number_field(entry, "model_discounted_price").value_or(0);
    const double original = number_field(entry, "model_original_price").value_or(0);
    item.unit_price_minor = money(discounted > 0 ? discounted : original, order.currency);
    item.total_price_minor = item.unit_price_minor * item.quantity;
    items_total += item.total_price_minor;
    item.shipment_key = package_of(detail, item_id, model_id, order_item_id);
    if (item.shipment_key.empty()) {
      item.shipment_key = order.external_id;
    }
    item.raw_status = order.raw_status;
    item.status = order.status;
    order.items.push_back(std::move(item));
  }
  if (const auto total = number_field(detail, "total_amount")) {
    order.total_minor = money(*total, order.currency);
  } else {
    order.total_minor = items_total + order.shipping_fee_minor;
  }
  order.raw = detail.dump();
  return out;
}

bool is_throttle_code(std::string_view code)
{
  return code == "error_rate_limit" || code == "error_limit" || code.starts_with("ads.rate_limit");
}

// The access token is invalid or expired: renew it once and send again (shopee.md §1.4 item 6).
bool is_token_rejection(std::string_view code, std::string_view message)
{
  if (code == "error_auth" || code == "invalid_access_token" || code == "invalid_acceess_token"
      || code == "error_invalid_access_token") {
    return true;
  }
  const std::string text = lower(message);
  return text.find("access_token") != std::string::npos
         && (text.find("invalid") != std::string::npos || text.find("expired") != std::string::npos);
}

std::string json_text(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return {};
  }
  return value->is_string() ? value->get<std::string>() : value->dump();
}

} // namespace

// --- public helpers -------------------------------------------------------------------

std::string public_base_string(std::string_view partner_id, std::string_view api_path, long long timestamp)
{
  return fmt::format("{}{}{}", partner_id, api_path, timestamp);
}

std::string shop_base_string(std::string_view partner_id, std::string_view api_path, long long timestamp,
                             std::string_view access_token, std::string_view shop_id)
{
  return fmt::format("{}{}{}{}{}", partner_id, api_path, timestamp, access_token, shop_id);
}

std::string merchant_base_string(std::string_view partner_id, std::string_view api_path, long long timestamp,
                                 std::string_view access_token, std::string_view merchant_id)
{
  return fmt::format("{}{}{}{}{}", partner_id, api_path, timestamp, access_token, merchant_id);
}

std::string signature(std::string_view partner_key, std::string_view base_string)
{
  return crypto::hmac_sha256_hex(partner_key, base_string);
}

bool is_throttled(const net::Response& response)
{
  if (response.status == 429) {
    return true;
  }
  const json body = json::parse(response.body, nullptr, false);
  const json* error = member(body, "error");
  return error != nullptr && error->is_string() && is_throttle_code(error->get_ref<const std::string&>());
}

// --- the connector --------------------------------------------------------------------

struct ShopeeConnector::Reply
{
  json body; // the whole envelope
  std::string request_id;
  int status = 0;

  // body["response"], or the body itself: some endpoints (the auth calls among them) put
  // the payload at the top level (shopee.md §1.5).
  const json& payload() const
  {
    const json* response = member(body, "response");
    return response != nullptr && response->is_object() ? *response : body;
  }
};

struct ShopeeConnector::Failure
{
  ConnectorError error;
  std::string code; // Shopee's `error`, empty when the answer had no envelope
  bool token_rejected = false;
};

ShopeeConnector::ShopeeConnector(const ChannelContext& context)
  : m_channel(context.name),
    m_http(context.http),
    m_clock(context.clock),
    m_tokens(context.tokens)
{
  m_base_url = trim(setting(context.settings, "base_url", k_default_base_url));
  while (!m_base_url.empty() && m_base_url.back() == '/') {
    m_base_url.pop_back();
  }
  m_partner_id = trim(setting(context.settings, "partner_id"));
  m_shop_id = trim(setting(context.settings, "shop_id"));
  m_region = trim(setting(context.settings, "region"));
  m_partner_key = trim(setting(context.secrets, "partner_key"));
  m_secret_refresh = trim(setting(context.secrets, "refresh_token"));

  m_caps.max_window = k_max_window;
  m_caps.rescan_window = Millis{0};
  m_caps.page_size = k_page_size;
  m_caps.detail_batch = static_cast<int>(k_detail_batch);
  m_caps.utc_offset = std::chrono::minutes{0};
  m_caps.time_step = std::chrono::seconds(1);
  m_caps.time_format = "Unix seconds (update_time)";
  m_caps.default_rate_limit = 10;
  m_caps.orders = true;
  m_caps.partial_orders = false;
  m_caps.is_throttled = is_throttled;

  auto config_error = [this](std::string message) {
    if (!m_config_error) {
      m_config_error = ConnectorError{ErrorKind::config, std::move(message)};
    }
  };
  if (m_partner_id.empty()) {
    config_error("setting partner_id is required (the app's Partner ID from the Open Platform console)");
  } else if (!all_digits(m_partner_id)) {
    config_error(fmt::format("setting partner_id: \"{}\" is not a number", m_partner_id));
  }
  if (m_shop_id.empty()) {
    config_error("setting shop_id is required");
  } else if (!all_digits(m_shop_id)) {
    config_error(fmt::format("setting shop_id: \"{}\" is not a number", m_shop_id));
  }
  if (m_partner_key.empty()) {
    config_error("secret partner_key is required");
  }
  if (m_http == nullptr || m_clock == nullptr || m_tokens == nullptr) {
    config_error("internal: shopee connector needs an HTTP client, a clock and a token store");
  } else {
    m_keeper.emplace(*m_tokens, *m_clock, std::string(k_token_name), context.token_margin);
  }
  for (const auto& secret : {m_partner_key, m_secret_refresh}) {
    if (!secret.empty()) {
      log::add_secret(secret);
      m_seen_secrets.push_back(secret);
    }
  }
}

std::string ShopeeConnector::scrub(std::string text) const
{
  return support::scrub(std::move(text), {m_seen_secrets.begin(), m_seen_secrets.end()});
}

std::string ShopeeConnector::reauthorise_hint() const
{
  return fmt::format("re-authorise the shop: run `uoms channels authorize {}`", m_channel);
}

std::string ShopeeConnector::signed_query(std::string_view api_path, long long timestamp, const std::string* access_token)
{
  const std::string base = access_token != nullptr
                               ? shop_base_string(m_partner_id, api_path, timestamp, *access_token, m_shop_id)
                               : public_base_string(m_partner_id, api_path, timestamp);
  std::string query = fmt::format("partner_id={}&timestamp={}", m_partner_id, timestamp);
  if (access_token != nullptr) {
    query += fmt::format("&access_token={}&shop_id={}", net::url_encode(*access_token), m_shop_id);
  }
  query += "&sign=" + signature(m_partner_key, base);
  return query;
}

std::expected<ShopeeConnector::Reply, ShopeeConnector::Failure> ShopeeConnector::send(const net::Request& request)
{
  ++m_requests;
  const auto result = m_http->send(request);
  if (!result) {
    return std::unexpected(Failure{support::no_answer(result.error(), scrub(result.error().message)), {}, false});
  }
  const net::Response& response = *result;
  Reply reply;
  reply.status = response.status;
  reply.body = json::parse(response.body, nullptr, false);
  if (reply.body.is_object()) {
    reply.request_id = json_text(reply.body, "request_id");
  }
  if (!reply.request_id.empty()) {
    m_request_id = reply.request_id;
  }

  // Success is decided by the envelope's `error`, whatever the HTTP status (shopee.md §1.5).
  const std::string code = reply.body.is_object() ? json_text(reply.body, "error") : std::string();
  if (!code.empty()) {
    const std::string message = json_text(reply.body, "message");
    Failure failure;
    failure.code = code;
    failure.token_rejected = is_token_rejection(code, message);
    ErrorKind kind = ErrorKind::contract;
    std::string hint;
    if (is_throttle_code(code) || response.status == 429) {
      kind = ErrorKind::rate_limited;
    } else if (code == "error_server" || code == "error_network" || code == "error_system_busy"
               || response.status >= 500) {
      kind = ErrorKind::transient;
    } else if (code == "error_sign") {
      kind = ErrorKind::auth;
      hint = " (check partner_id and partner_key)";
    } else if (failure.token_rejected || code == "error_permission") {
      kind = ErrorKind::auth;
    } else if (code == "error_shop") {
      kind = ErrorKind::config;
      hint = " (check shop_id)";
    }
    std::string text = fmt::format("{}: HTTP {} {}", request.label, response.status, code);
    if (!message.empty()) {
      text += ": " + one_line(message);
    }
    failure.error = ConnectorError{kind, scrub(text + hint), response.status, reply.request_id};
    return std::unexpected(std::move(failure));
  }
  auto fail = [&](ErrorKind kind, std::string_view what) {
    return std::unexpected(Failure{
        ConnectorError{kind, fmt::format("{}: HTTP {} {}", request.label, response.status, what), response.status,
                       reply.request_id},
        {}, false});
  };
  if (response.status == 429) {
    return fail(ErrorKind::rate_limited, "rate limited");
  }
  if (response.status >= 500) {
    return fail(ErrorKind::transient, "server error");
  }
  if (response.status == 401 || response.status == 403) {
    return fail(ErrorKind::auth, "unauthorized");
  }
  if (response.status != 200) {
    return fail(ErrorKind::contract, "rejected");
  }
  if (!reply.body.is_object()) {
    return fail(ErrorKind::contract, "with a body that is not a JSON object");
  }
  return reply;
}

std::expected<ShopeeConnector::Reply, ShopeeConnector::Failure>
ShopeeConnector::public_post(std::string_view api_path, const std::string& body, const std::string& label)
{
  net::Request request;
  request.method = "POST";
  request.url = m_base_url + std::string(api_path) + "?" + signed_query(api_path, to_epoch_seconds(m_clock->now()), nullptr);
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  request.label = label;
  return send(request);
}

Result<ShopeeConnector::Reply> ShopeeConnector::shop_get(std::string_view api_path, const std::string& query,
                                                         const std::string& label)
{
  const TokenSource source = [this](const std::optional<Token>& current) { return obtain_token(current); };
  auto attempt = [&](const std::string& token, bool& rejected) -> Result<Reply> {
    net::Request request;
    request.method = "GET";
    request.url = m_base_url + std::string(api_path) + "?" + signed_query(api_path, to_epoch_seconds(m_clock->now()), &token);
    if (!query.empty()) {
      request.url += "&" + query;
    }
    request.label = label;
    auto reply = send(request);
    if (!reply) {
      rejected = reply.error().token_rejected;
      return std::unexpected(std::move(reply.error().error));
    }
    return std::move(*reply);
  };
  return m_keeper->use<Reply>(source, attempt,
                              fmt::format(" (rejected again after a token refresh; {})", reauthorise_hint()));
}

Result<Token> ShopeeConnector::token_from(const Reply& reply, const std::string& label)
{
  const json* access = member(reply.body, "access_token");
  if (access == nullptr || !access->is_string() || access->get_ref<const std::string&>().empty()) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP {} without access_token", label, reply.status),
                                          reply.status, reply.request_id});
  }
  Token token;
  token.value = access->get<std::string>();
  if (const json* refresh = member(reply.body, "refresh_token"); refresh != nullptr && refresh->is_string()) {
    token.refresh = refresh->get<std::string>();
  }
  std::chrono::seconds life = k_default_token_life;
  if (const json* expires = member(reply.body, "expire_in"); expires != nullptr && expires->is_number()
                                                             && expires->get<double>() > 0) {
    life = std::chrono::seconds(static_cast<long long>(expires->get<double>()));
  }
  token.expires_at = m_clock->now() + life;
  for (const auto* secret : {&token.value, &token.refresh}) {
    if (!secret->empty()) {
      log::add_secret(*secret);
      m_seen_secrets.push_back(*secret);
    }
  }
  return token;
}

Result<Token> ShopeeConnector::refresh_with(const std::string& refresh_token)
{
  const std::string label = "POST auth/access_token/get";
  const std::string body = json{{"refresh_token", refresh_token},
                                {"partner_id", to_int64(m_partner_id)},
                                {"shop_id", to_int64(m_shop_id)}}
                               .dump();
  auto reply = public_post(k_refresh_path, body, label);
  if (!reply) {
    ConnectorError error = std::move(reply.error().error);
    // A refresh token that is used, expired (30 days) or revoked cannot be recovered here.
    if ((error.kind == ErrorKind::contract || error.kind == ErrorKind::auth) && reply.error().code != "error_sign") {
      error.kind = ErrorKind::auth;
      error.message += fmt::format(" (refresh token rejected; {})", reauthorise_hint());
    }
    return std::unexpected(std::move(error));
  }
  return token_from(*reply, label);
}

Result<Token> ShopeeConnector::obtain_token(const std::optional<Token>& current)
{
  const std::string stored = current ? current->refresh : std::string();
  if (stored.empty()) {
    if (m_secret_refresh.empty()) {
      return std::unexpected(ConnectorError{
          ErrorKind::auth, fmt::format("shop not authorised: run `uoms channels authorize {}`", m_channel)});
    }
    // First use: the refresh token the operator gave as a secret.
    return refresh_with(m_secret_refresh);
  }
  auto token = refresh_with(stored);
  if (token || token.error().kind != ErrorKind::auth || m_secret_refresh.empty() || m_secret_refresh == stored) {
    return token;
  }
  // The operator may have authorised elsewhere and set the new refresh token as the secret.
  auto fallback = refresh_with(m_secret_refresh);
  if (fallback) {
    return fallback;
  }
  return token;
}

Result<Page> ShopeeConnector::fetch_orders(const Window& window, const std::string& cursor)
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  const long long time_from = to_epoch_seconds(window.from);
  // Both bounds inclusive; Shopee rejects time_from == time_to, so a window inside one
  // second reads that second and the next.
  const long long time_to = std::max(time_from + 1, to_epoch_seconds(last_step(window, m_caps.time_step, m_caps.utc_offset)));
  if (std::chrono::seconds(time_to - time_from) > k_max_window) {
    return std::unexpected(ConnectorError{
        ErrorKind::contract, fmt::format("window {} .. {} is longer than Shopee's 15 days", format_utc(window.from),
                                         format_utc(window.to))});
  }
  Page page;
  const int start = m_requests;

  // 1. The order_sn updated in the window, one page.
  std::string query = fmt::format("time_range_field=update_time&time_from={}&time_to={}&page_size={}", time_from,
                                  time_to, k_page_size);
  if (!cursor.empty()) {
    query += "&cursor=" + net::url_encode(cursor);
  }
  const std::string label = cursor.empty() ? std::string("GET get_order_list") : fmt::format("GET get_order_list (cursor {})", cursor);
  auto list = shop_get(k_order_list_path, query, label);
  if (!list) {
    return std::unexpected(list.error());
  }
  page.request_id = list->request_id;
  auto contract_error = [&](std::string what) {
    return std::unexpected(ConnectorError{ErrorKind::contract, std::move(what), list->status, list->request_id});
  };
  const json& response = list->payload();
  const json* entries = member(response, "order_list");
  if (entries != nullptr && !entries->is_array()) {
    return contract_error(fmt::format("{}: \"order_list\" is not an array", label));
  }
  std::vector<std::string> order_sns;
  std::map<std::string, json, std::less<>> listed;
  if (entries != nullptr) {
    for (const auto& entry : *entries) {
      try {
        std::string sn = id_field(entry, "order_sn");
        if (listed.emplace(sn, entry).second) {
          order_sns.push_back(std::move(sn));
        }
      } catch (const BadField& error) {
        page.failures.push_back({{}, error.reason, entry.dump()});
      }
    }
  }
  const json* more = member(response, "more");
  if (more != nullptr && more->is_boolean() && more->get<bool>()) {
    const std::string next = json_text(response, "next_cursor");
    if (next.empty()) {
      return contract_error(fmt::format("{}: \"more\" without next_cursor", label));
    }
    if (next == cursor) {
      return contract_error(fmt::format("{}: next_cursor {} did not advance", label, next));
    }
    page.next_cursor = next;
  }

  // 2. Their details, at most 50 order_sn per call.
  std::vector<json> details;
  for (std::size_t first = 0; first < order_sns.size(); first += k_detail_batch) {
    const auto last = std::min(order_sns.size(), first + k_detail_batch);
    std::string sn_list;
    for (auto i = first; i < last; ++i) {
      sn_list += (i == first ? "" : ",") + net::url_encode(order_sns[i]);
    }
    const std::string detail_label = fmt::format("GET get_order_detail ({} orders)", last - first);
    auto reply = shop_get(k_order_detail_path,
                          fmt::format("order_sn_list={}&response_optional_fields={}", sn_list, k_detail_fields),
                          detail_label);
    if (!reply) {
      return std::unexpected(reply.error());
    }
    page.request_id = reply->request_id;
    const json* orders = member(reply->payload(), "order_list");
    if (orders == nullptr) {
      continue;
    }
    if (!orders->is_array()) {
      return std::unexpected(ConnectorError{ErrorKind::contract,
                                            fmt::format("{}: \"order_list\" is not an array", detail_label),
                                            reply->status, reply->request_id});
    }
    details.insert(details.end(), orders->begin(), orders->end());
  }

  // 3. Mapping: one bad order becomes a MappingFailure and the rest still map.
  std::set<std::string, std::less<>> returned;
  for (const auto& detail : details) {
    std::string sn;
    if (const json* value = member(detail, "order_sn"); value != nullptr && value->is_string()) {
      sn = value->get<std::string>();
      returned.insert(sn);
    }
    try {
      MappedOrder mapped = map_order(detail);
      page.notes.insert(page.notes.end(), mapped.notes.begin(), mapped.notes.end());
      page.orders.push_back(std::move(mapped.order));
    } catch (const BadField& error) {
      page.failures.push_back({sn, error.reason, detail.dump()});
    } catch (const json::exception& error) {
      page.failures.push_back({sn, fmt::format("unexpected JSON: {}", error.what()), detail.dump()});
    }
  }
  for (const auto& sn : order_sns) {
    if (!returned.contains(sn)) {
      page.failures.push_back({sn, fmt::format("order {} not returned by get_order_detail", sn), listed.at(sn).dump()});
    }
  }
  page.requests = m_requests - start;
  return page;
}

Result<std::string> ShopeeConnector::check()
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  const long long now = to_epoch_seconds(m_clock->now());
  auto reply = shop_get(k_order_list_path,
                        fmt::format("time_range_field=update_time&time_from={}&time_to={}&page_size=1", now - 3600, now),
                        "GET get_order_list (check)");
  if (!reply) {
    return std::unexpected(reply.error());
  }
  const auto token = m_keeper->stored();
  const long long minutes =
      token ? std::chrono::duration_cast<std::chrono::minutes>(token->expires_at - m_clock->now()).count() : 0;
  const json* orders = member(reply->payload(), "order_list");
  const json* more = member(reply->payload(), "more");
  const bool any = (orders != nullptr && orders->is_array() && !orders->empty());
  const bool several = more != nullptr && more->is_boolean() && more->get<bool>();
  const std::string region = m_region.empty() ? std::string() : fmt::format(" ({})", m_region);
  return fmt::format("shop {}{}: signature and access token accepted (valid for {} more min); {} updated in the last hour",
                     m_shop_id, region, minutes, several ? "several orders" : any ? "1 order" : "no order");
}

Result<std::string> ShopeeConnector::authorization_url(std::string_view redirect)
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  if (trim(redirect).empty()) {
    return std::unexpected(ConnectorError{ErrorKind::config, "a redirect URL is required for the shop authorisation link"});
  }
  // Public-type signature over /api/v2/shop/auth_partner; the link expires with its timestamp (5 min).
  return fmt::format("{}{}?{}&redirect={}", m_base_url, k_auth_partner_path,
                     signed_query(k_auth_partner_path, to_epoch_seconds(m_clock->now()), nullptr),
                     net::url_encode(trim(redirect)));
}

Result<std::string> ShopeeConnector::authorize(std::string_view code)
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  const std::string trimmed = trim(code);
  if (trimmed.empty()) {
    return std::unexpected(ConnectorError{ErrorKind::config, "the authorisation code is empty"});
  }
  // Under the channel's token lock, so no pass refreshes with the old refresh token meanwhile.
  if (!m_tokens->lock(k_token_name, k_token_lock_wait)) {
    return std::unexpected(ConnectorError{
        ErrorKind::transient, fmt::format("another pass is refreshing the {} of this channel; try again", k_token_name)});
  }
  struct Unlock
  {
    TokenStore& store;
    ~Unlock() { store.unlock(k_token_name); }
  } unlock{*m_tokens};

  const std::string label = "POST auth/token/get";
  const std::string body =
      json{{"code", trimmed}, {"partner_id", to_int64(m_partner_id)}, {"shop_id", to_int64(m_shop_id)}}.dump();
  auto reply = public_post(k_token_get_path, body, label);
  if (!reply) {
    ConnectorError error = std::move(reply.error().error);
    if ((error.kind == ErrorKind::contract || error.kind == ErrorKind::auth) && reply.error().code != "error_sign") {
      error.kind = ErrorKind::auth;
      error.message += " (a code works once and for 10 minutes: open a new authorisation link)";
    }
    return std::unexpected(std::move(error));
  }
  auto token = token_from(*reply, label);
  if (!token) {
    return std::unexpected(token.error());
  }
  m_tokens->save(k_token_name, *token);
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(token->expires_at - m_clock->now()).count();
  return fmt::format("shop {} authorised: access token valid for {} min, refresh token stored", m_shop_id, minutes);
}

// --- registry row ---------------------------------------------------------------------

const KindSpec& spec()
{
  static const KindSpec kind{
      "shopee",
      "Shopee Open Platform v2: get_order_list + get_order_detail, HMAC-SHA256 signed, rotating tokens",
      {
          {"base_url", false, std::string(k_default_base_url),
           "API host (openplatform.shopee.cn for mainland China, openplatform.shopee.com.br for Brazil); "
           "the sandbox's http://127.0.0.1:PORT in tests"},
          {"partner_id", true, "", "the app's Partner ID from the Open Platform console"},
          {"shop_id", true, "", "the shop's id (returned with the authorisation code)"},
          {"region", false, "", "the shop's region, e.g. SG; shown by `channels test`"},
          {"rate_limit", false, "10", "requests per second; Shopee publishes no figure, so stay moderate"},
      },
      {
          {"partner_key", true, "", "the app's Partner Key; signs every request"},
          {"refresh_token", false, "",
           "a refresh token from an authorisation done elsewhere; not needed after `uoms channels authorize`. "
           "uoms rotates it and keeps the current one encrypted in the database"},
      },
      [](const ChannelContext& context) -> std::unique_ptr<Connector> {
        return std::make_unique<ShopeeConnector>(context);
      },
  };
  return kind;
}

} // namespace uoms::connectors::shopee
