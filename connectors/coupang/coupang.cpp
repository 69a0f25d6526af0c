#include "connectors/coupang/coupang.hpp"

#include "connectors/support.hpp"
#include "uoms/crypto.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

namespace uoms::connectors::coupang {

namespace {

using json = nlohmann::json;
using support::BadField;
using support::encode_value;
using support::id_field;
using support::member;
using support::one_line;
using support::parse_int;
using support::setting;
using support::string_field;
using support::time_field;
using support::trim;

constexpr std::string_view k_default_base_url = "https://api-gateway.coupang.com";
constexpr std::string_view k_default_statuses = "ACCEPT,INSTRUCT,DEPARTURE,DELIVERING,FINAL_DELIVERY,NONE_TRACKING";
constexpr int k_default_rescan_days = 3;
// Lengthens the gateway's 3-second default (coupang.md §2.1): a 24-hour minute-mode
// query can take longer than that.
constexpr std::string_view k_extended_timeout_ms = "90000";

// `+09:00`, `+0900`, `+9`, `-08:00`, `UTC`, `Z` and the zone names a Coupang seller uses.
std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text)
{
  if (text.empty() || text == "KST" || text == "Asia/Seoul") {
    return k_kst_offset;
  }
  if (text == "Asia/Taipei" || text == "CST") {
    return std::chrono::minutes{8 * 60};
  }
  if (text == "JST" || text == "Asia/Tokyo") {
    return std::chrono::minutes{9 * 60};
  }
  // Only digits and `:` after the sign.
  if ((text.starts_with('+') || text.starts_with('-')) && text.find_first_not_of("0123456789:", 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return support::parse_utc_offset(text);
}

std::vector<std::string> split_statuses(std::string_view text)
{
  std::vector<std::string> out;
  for (auto item : support::split_list(text)) {
    std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (std::find(out.begin(), out.end(), item) == out.end()) {
      out.push_back(std::move(item));
    }
  }
  return out;
}

// --- field readers ------------------------------------------------------------------

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
    const double d = value->get<double>();
    if (std::floor(d) == d) {
      return static_cast<std::int64_t>(d);
    }
  }
  throw BadField{fmt::format("{} is not an integer: {}", key, value->dump())};
}

bool bool_field(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return false;
  }
  if (value->is_boolean()) {
    return value->get<bool>();
  }
  if (value->is_string()) { // the 2019 doc typed some flags as String
    return value->get_ref<const std::string&>() == "true";
  }
  throw BadField{fmt::format("{} is not a boolean: {}", key, value->dump())};
}

struct Money
{
  std::int64_t minor = 0;
  std::string currency;
};

// v4 sends plain numbers; v5 sends {"currencyCode":"KRW","units":14000,"nanos":0}
// (coupang.md §2.3 "Changes in v5"). Both are accepted.
Money money_field(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return {0, {}};
  }
  if (value->is_number()) {
    return {to_minor_units(value->get<double>(), "KRW"), {}};
  }
  if (value->is_object()) {
    std::string currency = string_field(*value, "currencyCode");
    if (currency.empty()) {
      currency = "KRW";
    }
    const std::int64_t units = int_field(*value, "units");
    const std::int64_t nanos = int_field(*value, "nanos");
    const int exponent = currency_exponent(currency);
    std::int64_t scale = 1;
    for (int i = 0; i < exponent; ++i) {
      scale *= 10;
    }
    // Whole units scale exactly; only the fraction goes through floating point.
    const std::int64_t fraction = static_cast<std::int64_t>(std::llround(static_cast<double>(nanos) * static_cast<double>(scale) / 1e9));
    return {units * scale + fraction, currency};
  }
  throw BadField{fmt::format("{} is not an amount: {}", key, value->dump())};
}

// --- mapping --------------------------------------------------------------------------

std::optional<OrderStatus> map_status(std::string_view raw)
{
  static const std::map<std::string, OrderStatus, std::less<>> table = {
      {"ACCEPT", OrderStatus::paid},
      {"INSTRUCT", OrderStatus::preparing},
      {"DEPARTURE", OrderStatus::shipped},
      {"DELIVERING", OrderStatus::shipped},
      {"FINAL_DELIVERY", OrderStatus::delivered},
      {"NONE_TRACKING", OrderStatus::shipped},
  };
  const auto it = table.find(raw);
  if (it == table.end()) {
    return std::nullopt;
  }
  return it->second;
}

Party map_party(const json& object, std::string_view phone_key, std::string_view fallback_phone_key)
{
  Party party;
  party.name = string_field(object, "name");
  party.email = string_field(object, "email");
  party.phone = string_field(object, "safeNumber");
  if (party.phone.empty()) {
    party.phone = string_field(object, phone_key);
  }
  if (party.phone.empty() && !fallback_phone_key.empty()) {
    party.phone = string_field(object, fallback_phone_key);
  }
  party.zip = string_field(object, "postCode");
  party.address1 = string_field(object, "addr1");
  party.address2 = string_field(object, "addr2");
  return party;
}

struct MappedBox
{
  Order order; // this box's share: its items, its shipping fee
  std::vector<OrderNote> notes;
};

// One element of `data`: a shipment box with its order fields and orderItems.
MappedBox map_box(const json& box, std::chrono::minutes offset)
{
  if (!box.is_object()) {
    throw BadField{"order sheet is not an object"};
  }
  MappedBox out;
  Order& order = out.order;
  order.external_id = id_field(box, "orderId");
  const std::string box_id = id_field(box, "shipmentBoxId");
  const std::string raw_status = string_field(box, "status");
  if (raw_status.empty()) {
    throw BadField{"missing status"};
  }
  const auto status = map_status(raw_status);
  if (!status) {
    out.notes.push_back({order.external_id,
                         fmt::format("unknown Coupang status \"{}\" (shipmentBoxId {})", raw_status, box_id)});
  }
  order.ordered_at = time_field(box, "orderedAt", offset);
  if (!order.ordered_at) {
    throw BadField{"missing orderedAt"};
  }
  order.paid_at = time_field(box, "paidAt", offset);
  if (const json* orderer = member(box, "orderer")) {
    order.buyer = map_party(*orderer, "ordererNumber", {});
  }
  if (const json* receiver = member(box, "receiver")) {
    order.receiver = map_party(*receiver, "receiverNumber", {});
  }
  const Money shipping = money_field(box, "shippingPrice");
  const Money remote = money_field(box, "remotePrice");
  order.shipping_fee_minor = shipping.minor + remote.minor;
  order.currency = !shipping.currency.empty() ? shipping.currency : "KRW";

  const json* items = member(box, "orderItems");
  if (items == nullptr || !items->is_array() || items->empty()) {
    throw BadField{fmt::format("shipmentBoxId {}: no orderItems", box_id)};
  }
  std::int64_t net_total = 0;
  for (const auto& source : *items) {
    if (!source.is_object()) {
      throw BadField{fmt::format("shipmentBoxId {}: an orderItem is not an object", box_id)};
    }
    OrderItem item;
    const std::string vendor_item_id = id_field(source, "vendorItemId");
    item.external_id = box_id + "-" + vendor_item_id;
    item.shipment_key = box_id;
    // externalVendorSkuCode is the seller's own code (coupang.md §2.3); without it the
    // item has no SKU and stock matching goes through option_id (vendorItemId).
    item.sku = string_field(source, "externalVendorSkuCode");
    item.product_id = string_field(source, "sellerProductId");
    if (item.product_id.empty()) {
      item.product_id = string_field(source, "productId");
    }
    item.option_id = vendor_item_id;
    item.name = string_field(source, "sellerProductName");
    if (item.name.empty()) {
      item.name = string_field(source, "vendorItemName");
    }
    item.option_name = string_field(source, "sellerProductItemName");
    const std::int64_t ordered = int_field(source, "shippingCount");
    const std::int64_t cancelled = int_field(source, "cancelCount");
    const std::int64_t held = int_field(source, "holdCountForCancel");
    if (ordered < 0 || cancelled < 0 || held < 0) {
      throw BadField{fmt::format("shipmentBoxId {}: negative count", box_id)};
    }
    // The shippable quantity (coupang.md §2.3): ordered minus cancelled and held for cancel.
    item.quantity = static_cast<int>(std::max<std::int64_t>(0, ordered - cancelled - held));
    const Money unit = money_field(source, "salesPrice");
    const Money line = money_field(source, "orderPrice");
    const Money discount = money_field(source, "discountPrice");
    item.unit_price_minor = unit.minor;
    item.total_price_minor = member(source, "orderPrice") != nullptr ? line.minor : unit.minor * ordered;
    net_total += item.total_price_minor - discount.minor;
    if (order.currency == "KRW" && !unit.currency.empty()) {
      order.currency = unit.currency;
    }
    item.raw_status = raw_status;
    item.status = status.value_or(OrderStatus::unknown);
    if (bool_field(source, "canceled") || (ordered > 0 && cancelled >= ordered)) {
      item.status = OrderStatus::cancelled;
    } else if (held > 0) {
      item.status = OrderStatus::cancel_requested;
    }
    order.items.push_back(std::move(item));
  }
  order.total_minor = net_total + order.shipping_fee_minor;
  return out;
}

struct MappedPage
{
  std::vector<Order> orders;
  std::vector<MappingFailure> failures;
  std::vector<OrderNote> notes;
};

// Maps the `data` array; boxes of the same orderId merge into one Order whose raw is
// the box object, or an array of the box objects when there are several.
MappedPage map_boxes(const json& data, std::chrono::minutes offset)
{
  MappedPage page;
  std::map<std::string, std::size_t> index; // orderId -> position in page.orders
  std::map<std::string, json> raws;
  for (const auto& box : data) {
    std::string best_id;
    try {
      if (box.is_object()) {
        if (const json* id = member(box, "orderId")) {
          best_id = id->is_string() ? id->get<std::string>() : id->dump();
        }
      }
      MappedBox mapped = map_box(box, offset);
      for (auto& note : mapped.notes) {
        page.notes.push_back(std::move(note));
      }
      Order& part = mapped.order;
      const auto found = index.find(part.external_id);
      if (found == index.end()) {
        index.emplace(part.external_id, page.orders.size());
        raws[part.external_id] = json::array({box});
        page.orders.push_back(std::move(part));
        continue;
      }
      Order& order = page.orders[found->second];
      raws[part.external_id].push_back(box);
      if (part.ordered_at && (!order.ordered_at || *part.ordered_at < *order.ordered_at)) {
        order.ordered_at = part.ordered_at;
      }
      if (part.paid_at && (!order.paid_at || *part.paid_at < *order.paid_at)) {
        order.paid_at = part.paid_at;
      }
      order.shipping_fee_minor += part.shipping_fee_minor;
      order.total_minor += part.total_minor;
      for (auto& item : part.items) {
        order.items.push_back(std::move(item));
      }
    } catch (const BadField& error) {
      page.failures.push_back({best_id, error.reason, box.dump()});
    } catch (const json::exception& error) {
      page.failures.push_back({best_id, fmt::format("unexpected JSON: {}", error.what()), box.dump()});
    }
  }
  for (auto& order : page.orders) {
    const json& boxes = raws[order.external_id];
    order.raw = boxes.size() == 1 ? boxes.front().dump() : boxes.dump();
    // One box still in INSTRUCT keeps the order "preparing" though another has shipped.
    support::summarise_status(order, support::is_cancelled);
  }
  return page;
}

// `code` comes as 200 or "200" on success (coupang.md §2.6).
bool is_ok_code(const json& body)
{
  const json* code = member(body, "code");
  if (code == nullptr) {
    return true;
  }
  if (code->is_number_integer() || code->is_number_unsigned()) {
    return code->get<std::int64_t>() == 200;
  }
  if (code->is_string()) {
    const auto& text = code->get_ref<const std::string&>();
    return text == "200" || text == "OK" || text == "SUCCESS";
  }
  return false;
}

// "code: message" from an error body, or "" when it is not the JSON envelope (the 403
// HTML page, a proxy's text).
std::string describe_body(const json& parsed)
{
  if (!parsed.is_object()) {
    return {};
  }
  std::string code;
  if (const json* c = member(parsed, "code")) {
    code = c->is_string() ? c->get<std::string>() : c->dump();
  }
  std::string message;
  if (const json* m = member(parsed, "message"); m != nullptr && m->is_string()) {
    message = m->get<std::string>();
  }
  if (code.empty()) {
    return one_line(message);
  }
  if (message.empty()) {
    return one_line(code);
  }
  return one_line(code + " " + message);
}

} // namespace

// --- public helpers -------------------------------------------------------------------

const std::vector<std::string>& all_statuses()
{
  static const std::vector<std::string> statuses = split_statuses(k_default_statuses);
  return statuses;
}

std::string signed_date(TimePoint now)
{
  return format_time(now, std::chrono::minutes{0}, "%y%m%dT%H%M%SZ");
}

std::string signature(std::string_view secret_key, std::string_view signed_date, std::string_view method,
                      std::string_view path, std::string_view query)
{
  std::string message;
  message.reserve(signed_date.size() + method.size() + path.size() + query.size());
  message.append(signed_date).append(method).append(path).append(query);
  return crypto::hmac_sha256_hex(secret_key, message);
}

std::string authorization(std::string_view access_key, std::string_view secret_key, std::string_view signed_date,
                          std::string_view method, std::string_view path, std::string_view query)
{
  return fmt::format("CEA algorithm=HmacSHA256, access-key={}, signed-date={}, signature={}", access_key,
                     signed_date, signature(secret_key, signed_date, method, path, query));
}

std::string query_time(TimePoint t, std::chrono::minutes utc_offset)
{
  return encode_value(format_time(t, utc_offset, "%Y-%m-%dT%H:%M%z"));
}

std::string encode_cursor(const Cursor& cursor)
{
  return fmt::format("{}|{}", cursor.status_index, cursor.next_token);
}

std::optional<Cursor> decode_cursor(std::string_view text)
{
  const auto bar = text.find('|');
  if (bar == std::string_view::npos || bar == 0) {
    return std::nullopt;
  }
  Cursor cursor;
  const auto digits = text.substr(0, bar);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cursor.status_index);
  if (ec != std::errc{} || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  cursor.next_token = std::string(text.substr(bar + 1));
  return cursor;
}

// --- the connector --------------------------------------------------------------------

struct CoupangConnector::Response
{
  json body;
  int attempts = 1;
};

CoupangConnector::CoupangConnector(const ChannelContext& context)
  : m_channel(context.name),
    m_http(context.http),
    m_clock(context.clock)
{
  m_base_url = setting(context.settings, "base_url", k_default_base_url);
  while (!m_base_url.empty() && m_base_url.back() == '/') {
    m_base_url.pop_back();
  }
  m_vendor_id = trim(setting(context.settings, "vendor_id"));
  m_access_key = setting(context.secrets, "access_key");
  m_secret_key = setting(context.secrets, "secret_key");
  m_statuses = split_statuses(setting(context.settings, "statuses", k_default_statuses));

  m_caps.max_window = std::chrono::hours(24);
  m_caps.page_size = 50;
  m_caps.detail_batch = 0;
  m_caps.utc_offset = k_kst_offset;
  m_caps.time_step = std::chrono::minutes(1); // createdAtTo names a minute and includes all of it
  m_caps.time_format = "KST yyyy-MM-dd'T'HH:mm (+09:00)";
  m_caps.default_rate_limit = 5;
  m_caps.orders = true;
  m_caps.partial_orders = true;
  m_caps.rescan_window = std::chrono::days(k_default_rescan_days);

  auto config_error = [this](std::string message) {
    if (!m_config_error) {
      m_config_error = ConnectorError{ErrorKind::config, std::move(message)};
    }
  };
  const std::string timezone = trim(setting(context.settings, "timezone"));
  if (const auto offset = parse_utc_offset(timezone)) {
    m_caps.utc_offset = *offset;
    if (!timezone.empty()) {
      m_caps.time_format = fmt::format("yyyy-MM-dd'T'HH:mm at UTC{}", format_time(TimePoint{}, *offset, "%z"));
    }
  } else {
    config_error(fmt::format("setting timezone: \"{}\" is not an offset like +09:00 or a known zone", timezone));
  }
  if (const auto days = support::whole_setting(context.settings, "rescan_days", k_default_rescan_days, {0, 31, "days"})) {
    m_caps.rescan_window = std::chrono::days(*days);
  } else {
    config_error(days.error());
  }

  if (m_vendor_id.empty()) {
    config_error("setting vendor_id is required (the WING seller code, e.g. A00012345)");
  }
  if (m_access_key.empty()) {
    config_error("secret access_key is required");
  }
  if (m_secret_key.empty()) {
    config_error("secret secret_key is required");
  }
  if (m_statuses.empty()) {
    config_error("setting statuses: no status given");
  }
  for (const auto& status : m_statuses) {
    const bool word = std::all_of(status.begin(), status.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; });
    if (!word) {
      config_error(fmt::format("setting statuses: \"{}\" is not a status (known: {})", status, k_default_statuses));
    }
  }
  if (m_http == nullptr || m_clock == nullptr) {
    config_error("internal: coupang connector needs an HTTP client and a clock");
  }
  if (!m_secret_key.empty()) {
    log::add_secret(m_secret_key);
  }
}

std::string CoupangConnector::scrub(std::string text) const
{
  return support::scrub(std::move(text), {m_secret_key, m_access_key});
}

Result<CoupangConnector::Response> CoupangConnector::get_ordersheets(TimePoint from, TimePoint to,
                                                                     const std::string& status,
                                                                     const std::string& next_token)
{
  const std::string path = fmt::format("/v2/providers/openapi/apis/api/v5/vendors/{}/ordersheets", encode_value(m_vendor_id));
  // Alphabetical, like the doc's examples; these bytes are both signed and sent.
  std::string query = fmt::format("createdAtFrom={}&createdAtTo={}", query_time(from, m_caps.utc_offset),
                                  query_time(to, m_caps.utc_offset));
  if (!next_token.empty()) {
    query += "&nextToken=" + encode_value(next_token);
  }
  query += "&searchType=timeFrame&status=" + encode_value(status);

  // The base URL may carry a path prefix (a proxy); the signature covers the path as sent.
  std::string signed_path = path;
  if (const auto scheme = m_base_url.find("://"); scheme != std::string::npos) {
    if (const auto slash = m_base_url.find('/', scheme + 3); slash != std::string::npos) {
      signed_path = m_base_url.substr(slash) + path;
    }
  }

  net::Request request;
  request.method = "GET";
  request.url = m_base_url + path + "?" + query;
  request.label = next_token.empty() ? fmt::format("GET ordersheets (status {})", status)
                                     : fmt::format("GET ordersheets (status {}, nextToken {})", status, next_token);
  const std::string date = signed_date(m_clock->now());
  request.headers = {
      {"Authorization", authorization(m_access_key, m_secret_key, date, "GET", signed_path, query)},
      {"Content-Type", "application/json;charset=UTF-8"},
      {"X-Requested-By", m_vendor_id},
      {"X-EXTENDED-TIMEOUT", std::string(k_extended_timeout_ms)},
  };

  const auto result = m_http->send(request);
  if (!result) {
    return std::unexpected(support::no_answer(result.error(), scrub(result.error().message)));
  }
  const net::Response& response = *result;
  json body = json::parse(response.body, nullptr, false);
  auto fail = [&](ErrorKind kind, std::string what) {
    std::string message = fmt::format("{}: HTTP {} {}", request.label, response.status, what);
    if (const std::string detail = scrub(describe_body(body)); !detail.empty()) {
      message += ": " + detail;
    }
    return std::unexpected(ConnectorError{kind, std::move(message), response.status, {}});
  };
  if (response.status == 401) {
    return fail(ErrorKind::auth, "unauthorized (check access_key, secret_key and the clock)");
  }
  if (response.status == 403) {
    return fail(ErrorKind::auth, "forbidden (IP not registered or temporarily blocked)");
  }
  if (response.status == 429) {
    return fail(ErrorKind::rate_limited, "rate limited");
  }
  if (response.status == 302) {
    // Coupang answers 302 to an IP or vendorId it blocked after bursts (coupang.md §2.6).
    return fail(ErrorKind::rate_limited, "blocked after too many calls");
  }
  if (response.status >= 500) {
    return fail(ErrorKind::transient, "server error");
  }
  if (response.status != 200) {
    return fail(ErrorKind::contract, "rejected");
  }
  if (!body.is_object()) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 with a body that is not a JSON object", request.label), 200, {}});
  }
  if (!is_ok_code(body)) {
    return fail(ErrorKind::contract, "error in body");
  }
  const json* data = member(body, "data");
  if (data != nullptr && !data->is_array()) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: \"data\" is not an array", request.label), 200, {}});
  }
  return Response{std::move(body), response.attempts};
}

Result<Page> CoupangConnector::fetch_orders(const Window& window, const std::string& cursor_text)
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  Cursor cursor;
  if (!cursor_text.empty()) {
    const auto decoded = decode_cursor(cursor_text);
    if (!decoded || decoded->status_index >= m_statuses.size()) {
      return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("invalid coupang cursor \"{}\"", cursor_text)});
    }
    cursor = *decoded;
  }
  const std::string& status = m_statuses[cursor.status_index];
  auto response = get_ordersheets(window.from, last_step(window, m_caps.time_step, m_caps.utc_offset), status, cursor.next_token);
  if (!response) {
    return std::unexpected(response.error());
  }

  Page page;
  page.requests = 1;
  static const json k_empty = json::array();
  const json* data = member(response->body, "data");
  MappedPage mapped = map_boxes(data != nullptr ? *data : k_empty, m_caps.utc_offset);
  page.orders = std::move(mapped.orders);
  page.failures = std::move(mapped.failures);
  page.notes = std::move(mapped.notes);

  std::string token;
  if (const json* next = member(response->body, "nextToken")) {
    token = next->is_string() ? next->get<std::string>() : next->dump();
  }
  if (!token.empty() && token == cursor.next_token) {
    return std::unexpected(ConnectorError{ErrorKind::contract,
                                          fmt::format("GET ordersheets (status {}): nextToken {} did not advance", status, token)});
  }
  if (!token.empty()) {
    page.next_cursor = encode_cursor({cursor.status_index, token});
  } else if (cursor.status_index + 1 < m_statuses.size()) {
    page.next_cursor = encode_cursor({cursor.status_index + 1, {}});
  }
  return page;
}

Result<std::string> CoupangConnector::check()
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  const TimePoint now = m_clock->now();
  const std::string& status = m_statuses.front();
  auto response = get_ordersheets(now - std::chrono::hours(1), now, status, {});
  if (!response) {
    return std::unexpected(response.error());
  }
  const json* data = member(response->body, "data");
  const std::size_t count = data != nullptr ? data->size() : 0;
  return fmt::format("vendor {}: signature accepted; {} {} order sheet(s) created in the last hour", m_vendor_id, count,
                     status);
}

// --- registry row ---------------------------------------------------------------------

const KindSpec& spec()
{
  static const KindSpec kind{
      "coupang",
      "Coupang WING Open API: v5 order sheets (minute mode), CEA HMAC-SHA256 signature",
      {
          {"base_url", false, std::string(k_default_base_url),
           "API host; point it at the sandbox (http://127.0.0.1:PORT) in tests"},
          {"vendor_id", true, "", "WING seller code shown in WING, e.g. A00012345"},
          {"rate_limit", false, "5", "requests per second; Coupang throttles a vendorId at 10/s, so stay well below"},
          {"timezone", false, "",
           "override the marketplace time zone (default KST +09:00); an offset like +09:00 or Asia/Seoul"},
          {"statuses", false, std::string(k_default_statuses),
           "comma list of order-sheet statuses to collect; each is queried separately for every window"},
          {"rescan_days", false, std::to_string(k_default_rescan_days),
           "days re-fetched on every pass: the list filters by creation time, so status changes of "
           "older orders are only seen by re-scanning (0-31)"},
      },
      {
          {"access_key", true, "", "WING Open API access key (expires after 180 days)"},
          {"secret_key", true, "", "WING Open API secret key, used to sign each request"},
      },
      [](const ChannelContext& context) -> std::unique_ptr<Connector> {
        return std::make_unique<CoupangConnector>(context);
      },
  };
  return kind;
}

} // namespace uoms::connectors::coupang
