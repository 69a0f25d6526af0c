#include "connectors/playauto/playauto.hpp"

#include "connectors/support.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace uoms::connectors::playauto {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;
using support::BadField;
using support::member;
using support::one_line;
using support::parse_int;
using support::setting;
using support::string_field;
using support::trim;

constexpr std::string_view k_default_base_url = "https://openapi.playauto.io/api";
constexpr std::string_view k_auth_path = "/auth";
constexpr std::string_view k_orders_path = "/orders";
// "use a modification date (mdate) where it exists" (marketplaces/README.md).
constexpr std::string_view k_default_date_type = "mdate";
// The documented maximum of `length` (playauto.md §3.2; o2044 above it).
constexpr int k_max_length = 3000;
// Sort key for offset paging: the collection time never changes, and new rows land at the
// front, so a row inserted while paging repeats one row instead of skipping one (§3.2's example).
constexpr std::string_view k_orderby = "wdate desc";
// Token lifetime is UNCONFIRMED (§3.1: clients cache 23-24 h); half that, and a 401 renews anyway.
constexpr int k_default_token_ttl_hours = 12;
// No window limit is documented; a week of days per query keeps the paging short.
constexpr int k_default_max_window_days = 7;
// With a date_type that is not a modification date, later changes are only seen by re-scanning.
constexpr int k_rescan_days_without_mdate = 3;
// Rate limits are UNCONFIRMED (§3.7): throttle conservatively.
constexpr double k_default_rate_limit = 1;
constexpr std::string_view k_default_rate_limit_text = "1";
// `+09:00`, `+0900`, `+9`, `UTC`, and the zone names a Korean seller uses.
std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text)
{
  if (text.empty() || text == "KST" || text == "Asia/Seoul") {
    return k_kst_offset;
  }
  return support::parse_utc_offset(text);
}

// --- field readers ------------------------------------------------------------------

// uniq and bundle_no are long digit strings; a JSON number is kept as its digits.
std::string id_field(const json& object, std::string_view key)
{
  return support::text_id_value(member(object, key), key);
}

// Amounts and counts come as numbers or numeric strings.
std::optional<double> number_field(const json& object, std::string_view key)
{
  return support::number_value(member(object, key), key);
}

std::int64_t won_field(const json& object, std::string_view key)
{
  const auto value = number_field(object, key);
  return value ? to_minor_units(*value, "KRW") : 0;
}

// "YYYY-MM-DD HH:mm:ss" in KST.
std::optional<TimePoint> time_field(const json& object, std::string_view key, std::chrono::minutes offset)
{
  const std::string text = trim(string_field(object, key));
  if (text.empty() || text.starts_with("0000-00-00")) {
    return std::nullopt;
  }
  auto t = parse_time(text, offset);
  if (!t) {
    throw BadField{fmt::format("{} is not a date-time: \"{}\"", key, text)};
  }
  return t;
}

// --- errors ---------------------------------------------------------------------------

struct ErrorBody
{
  std::string code; // e1001, o2044, ...
  std::string text; // "code message" for the error line
};

// `{error_code, messages[]}` or `{"error": {error_code, message}}` (playauto.md §3.7).
ErrorBody describe_body(const json& body)
{
  ErrorBody out;
  const json* source = &body;
  if (const json* error = member(body, "error"); error != nullptr && error->is_object()) {
    source = error;
  } else if (error != nullptr && error->is_string()) {
    out.text = one_line(error->get<std::string>());
  }
  if (const json* code = member(*source, "error_code")) {
    out.code = code->is_string() ? code->get<std::string>() : code->dump();
  }
  std::string message;
  if (const json* messages = member(*source, "messages"); messages != nullptr && messages->is_array()) {
    for (const auto& m : *messages) {
      if (m.is_string()) {
        message += (message.empty() ? "" : "; ") + m.get<std::string>();
      }
    }
  }
  if (const json* m = member(*source, "message"); m != nullptr && m->is_string() && message.empty()) {
    message = m->get<std::string>();
  }
  if (!out.code.empty() || !message.empty()) {
    out.text = one_line(out.code.empty() ? message : message.empty() ? out.code : out.code + " " + message);
  }
  return out;
}

// e1001-e1005: authentication or user look-up failed (§3.7) - a token to renew.
bool is_token_code(std::string_view code)
{
  return code == "e1001" || code == "e1002" || code == "e1003" || code == "e1004" || code == "e1005";
}

// --- mapping --------------------------------------------------------------------------

struct MappedPage
{
  std::vector<Order> orders;
  std::vector<MappingFailure> failures;
  std::vector<OrderNote> notes;
};

// One row of results[] as an Order with one item; `products` are its results_prod rows.
Order map_row(const json& row, const std::vector<const json*>& products, std::chrono::minutes offset,
              std::vector<OrderNote>& notes)
{
  if (!row.is_object()) {
    throw BadField{"row is not an object"};
  }
  Order order;
  OrderItem item;
  item.external_id = id_field(row, "uniq");
  order.external_id = id_field(row, "bundle_no");
  item.shipment_key = order.external_id;
  item.raw_status = trim(string_field(row, "ord_status"));
  if (item.raw_status.empty()) {
    throw BadField{"missing ord_status"};
  }
  order.ordered_at = time_field(row, "ord_time", offset);
  if (!order.ordered_at) {
    order.ordered_at = time_field(row, "wdate", offset);
  }
  order.paid_at = time_field(row, "pay_time", offset);
  order.changed_at = time_field(row, "mdate", offset);
  order.currency = "KRW";
  order.buyer.name = string_field(row, "order_name");
  order.buyer.phone = string_field(row, "order_htel");
  if (order.buyer.phone.empty()) {
    order.buyer.phone = string_field(row, "order_tel");
  }
  order.buyer.email = string_field(row, "order_email");
  order.receiver.name = string_field(row, "to_name");
  order.receiver.phone = string_field(row, "to_htel");
  if (order.receiver.phone.empty()) {
    order.receiver.phone = string_field(row, "to_tel");
  }
  order.receiver.zip = string_field(row, "to_zipcd");
  order.receiver.address1 = string_field(row, "to_addr1");
  order.receiver.address2 = string_field(row, "to_addr2");
  order.shipping_fee_minor = won_field(row, "ship_cost");

  // The PlayAuto SKU (results_prod.sku_cd) when the row is one SKU; a set of several SKUs
  // falls back to the seller's listing code.
  if (products.size() == 1) {
    item.sku = string_field(*products.front(), "sku_cd");
  }
  if (item.sku.empty()) {
    item.sku = string_field(row, "c_sale_cd");
  }
  item.product_id = string_field(row, "shop_sale_no");
  item.name = string_field(row, "shop_sale_name");
  if (item.name.empty() && products.size() == 1) {
    item.name = string_field(*products.front(), "prod_name");
  }
  item.option_name = string_field(row, "shop_opt_name");
  const auto count = number_field(row, "sale_cnt");
  if (!count || *count < 0 || std::floor(*count) != *count || *count > 1e9) {
    throw BadField{count ? fmt::format("sale_cnt is not a count: {}", *count) : std::string("missing sale_cnt")};
  }
  item.quantity = static_cast<int>(*count);
  item.total_price_minor = won_field(row, "pay_amt");
  item.unit_price_minor = item.quantity > 0 ? std::llround(static_cast<double>(item.total_price_minor) / item.quantity)
                                            : item.total_price_minor;
  const auto status = map_status(item.raw_status);
  if (!status) {
    notes.push_back({order.external_id,
                     fmt::format("unknown PlayAuto ord_status \"{}\" (uniq {})", item.raw_status, item.external_id)});
  }
  item.status = status.value_or(OrderStatus::unknown);
  order.raw_status = item.raw_status;
  order.status = item.status;
  order.items.push_back(std::move(item));
  return order;
}

// Rows of one bundle merge into one Order whose raw is {"results":[rows], "results_prod":[...]}.
MappedPage map_rows(const json& rows, const json& products, std::chrono::minutes offset)
{
  std::map<std::string, std::vector<const json*>> products_of; // uniq -> results_prod rows
  for (const auto& product : products) {
    if (const json* uniq = member(product, "uniq"); uniq != nullptr && (uniq->is_string() || uniq->is_number())) {
      products_of[uniq->is_string() ? uniq->get<std::string>() : uniq->dump()].push_back(&product);
    }
  }
  MappedPage page;
  std::map<std::string, std::size_t> index; // bundle_no -> position in page.orders
  std::map<std::string, std::pair<json, json>> raws;
  for (const auto& row : rows) {
    std::string best_id;
    try {
      std::string uniq;
      if (const json* bundle = member(row, "bundle_no"); bundle != nullptr && (bundle->is_string() || bundle->is_number())) {
        best_id = bundle->is_string() ? bundle->get<std::string>() : bundle->dump();
      }
      if (const json* u = member(row, "uniq"); u != nullptr && (u->is_string() || u->is_number())) {
        uniq = u->is_string() ? u->get<std::string>() : u->dump();
      }
      static const std::vector<const json*> k_none;
      const auto found_products = products_of.find(uniq);
      const auto& row_products = found_products == products_of.end() ? k_none : found_products->second;
      std::vector<OrderNote> notes;
      Order part = map_row(row, row_products, offset, notes);
      page.notes.insert(page.notes.end(), notes.begin(), notes.end());
      auto& raw = raws[part.external_id];
      raw.first.push_back(row);
      for (const json* product : row_products) {
        raw.second.push_back(*product);
      }
      const auto found = index.find(part.external_id);
      if (found == index.end()) {
        index.emplace(part.external_id, page.orders.size());
        page.orders.push_back(std::move(part));
        continue;
      }
      Order& order = page.orders[found->second];
      if (part.ordered_at && (!order.ordered_at || *part.ordered_at < *order.ordered_at)) {
        order.ordered_at = part.ordered_at;
      }
      if (part.paid_at && (!order.paid_at || *part.paid_at < *order.paid_at)) {
        order.paid_at = part.paid_at;
      }
      if (part.changed_at && (!order.changed_at || *part.changed_at > *order.changed_at)) {
        order.changed_at = part.changed_at;
      }
      // ship_cost is the bundle's fee, repeated on its rows or carried by one of them.
      order.shipping_fee_minor = std::max(order.shipping_fee_minor, part.shipping_fee_minor);
      OrderItem& item = part.items.front();
      const auto same = std::find_if(order.items.begin(), order.items.end(),
                                     [&](const OrderItem& i) { return i.external_id == item.external_id; });
      if (same != order.items.end()) {
        *same = std::move(item);
      } else {
        order.items.push_back(std::move(item));
      }
    } catch (const BadField& error) {
      page.failures.push_back({best_id, error.reason, row.dump()});
    } catch (const json::exception& error) {
      page.failures.push_back({best_id, fmt::format("unexpected JSON: {}", error.what()), row.dump()});
    }
  }
  for (auto& order : page.orders) {
    auto& raw = raws[order.external_id];
    json document = {{"results", raw.first}};
    if (!raw.second.is_null()) {
      document["results_prod"] = raw.second;
    }
    order.raw = document.dump();
    std::int64_t total = order.shipping_fee_minor;
    for (const auto& item : order.items) {
      total += item.total_price_minor;
    }
    order.total_minor = total;
    support::summarise_status(order, support::is_final);
  }
  return page;
}

std::optional<long long> count_field(const json& body, std::string_view key)
{
  const json* value = member(body, key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number_integer() || value->is_number_unsigned()) {
    return value->get<long long>();
  }
  if (value->is_string()) {
    long long n = 0;
    const auto& text = value->get_ref<const std::string&>();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc{} && end == text.data() + text.size()) {
      return n;
    }
  }
  return std::nullopt;
}

} // namespace

// --- public helpers -------------------------------------------------------------------

std::string api_url(std::string_view base_url)
{
  std::string base = trim(base_url);
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  const auto scheme = base.find("://");
  const auto path = scheme == std::string::npos ? base.find('/') : base.find('/', scheme + 3);
  if (path == std::string::npos) {
    return base + "/api";
  }
  return base;
}

std::string query_date(TimePoint t, std::chrono::minutes utc_offset)
{
  return format_time(t, utc_offset, "%Y-%m-%d");
}

std::optional<OrderStatus> map_status(std::string_view ord_status)
{
  static const std::map<std::string, OrderStatus, std::less<>> table = {
      {"결제완료", OrderStatus::paid},               // payment complete
      {"신규주문", OrderStatus::paid},               // new order, not yet instructed
      {"주문보류", OrderStatus::paid},               // order on hold before instruction
      {"출고대기", OrderStatus::preparing},          // instructed, awaiting shipment
      {"출고보류", OrderStatus::preparing},          // shipment on hold
      {"운송장출력", OrderStatus::preparing},        // waybill printed
      {"주문재확인", OrderStatus::preparing},        // to re-confirm; still invoiceable (§3.4)
      {"출고완료", OrderStatus::shipped},            // shipped out
      {"배송중", OrderStatus::shipped},              // in transit
      {"배송완료", OrderStatus::delivered},          // delivered
      {"구매결정", OrderStatus::completed},          // purchase decided
      {"판매완료", OrderStatus::completed},          // sale complete
      {"취소요청", OrderStatus::cancel_requested},   // cancel requested
      {"취소완료", OrderStatus::cancelled},          // cancelled
      {"반품요청", OrderStatus::return_requested},   // return requested
      {"반품접수", OrderStatus::return_requested},   // return accepted
      {"반품회수완료", OrderStatus::return_requested}, // return collected, not yet completed
      {"반품완료", OrderStatus::returned},           // returned
      {"반품교환요청", OrderStatus::exchange_requested}, // return for exchange requested
      {"교환요청", OrderStatus::exchange_requested}, // exchange requested
      {"교환접수", OrderStatus::exchange_requested}, // exchange accepted
      {"교환회수완료", OrderStatus::exchange_requested}, // exchange collected, not yet completed
      {"맞교환요청", OrderStatus::exchange_requested}, // swap requested
      {"교환완료", OrderStatus::exchanged},          // exchanged
      {"맞교환완료", OrderStatus::exchanged},        // swapped
  };
  const auto it = table.find(ord_status);
  if (it == table.end()) {
    return std::nullopt;
  }
  return it->second;
}

const std::vector<std::string>& known_statuses()
{
  static const std::vector<std::string> statuses = {
      "결제완료", "신규주문", "출고대기", "출고보류", "운송장출력", "출고완료", "배송중",
      "배송완료", "구매결정", "취소요청", "취소완료", "반품요청", "반품접수", "반품회수완료",
      "반품교환요청", "반품완료", "교환요청", "교환접수", "교환완료", "교환회수완료", "맞교환요청",
      "맞교환완료", "주문재확인", "주문보류", "판매완료",
  };
  return statuses;
}

const std::vector<std::string>& date_types()
{
  static const std::vector<std::string> types = {
      "wdate",         "mdate",    "ord_time",          "pay_time",      "ord_status_mdate", "ship_plan_date",
      "ord_confirm_time", "out_order_time", "out_time", "invoice_send_time", "api_read_time",  "claim_com_time",
  };
  return types;
}

std::string encode_cursor(long long start)
{
  return std::to_string(start);
}

std::optional<long long> decode_cursor(std::string_view text)
{
  long long start = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), start);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || start < 0) {
    return std::nullopt;
  }
  return start;
}

// --- the connector --------------------------------------------------------------------

PlayautoConnector::PlayautoConnector(const ChannelContext& context)
  : m_channel(context.name),
    m_http(context.http),
    m_clock(context.clock)
{
  m_url = api_url(setting(context.settings, "base_url", k_default_base_url));
  m_email = trim(setting(context.settings, "email"));
  m_api_key = trim(setting(context.secrets, "api_key"));
  m_password = setting(context.secrets, "password");
  m_date_type = trim(setting(context.settings, "date_type", k_default_date_type));

  m_caps.max_window = std::chrono::days(k_default_max_window_days);
  m_caps.rescan_window = Millis{0};
  m_caps.page_size = k_max_length;
  m_caps.detail_batch = 0;
  m_caps.utc_offset = k_kst_offset;
  m_caps.time_step = std::chrono::days(1); // sdate and edate name whole days
  m_caps.time_format = "KST YYYY-MM-DD (whole days)";
  m_caps.default_rate_limit = k_default_rate_limit;
  m_caps.orders = true;
  m_caps.partial_orders = true;

  auto config_error = [this](std::string message) {
    if (!m_config_error) {
      m_config_error = ConnectorError{ErrorKind::config, std::move(message)};
    }
  };
  if (m_email.empty()) {
    config_error("setting email is required (the PlayAuto login e-mail)");
  }
  if (m_api_key.empty()) {
    config_error("secret api_key is required (the x-api-key from the PlayAuto developer centre)");
  }
  if (m_password.empty()) {
    config_error("secret password is required (the PlayAuto login password)");
  }
  const auto& types = date_types();
  if (std::find(types.begin(), types.end(), m_date_type) == types.end()) {
    config_error(fmt::format("setting date_type: \"{}\" is not one of {}", m_date_type, fmt::join(types, ", ")));
  } else if (m_date_type != "mdate" && m_date_type != "ord_status_mdate") {
    m_caps.rescan_window = std::chrono::days(k_rescan_days_without_mdate);
  }
  const std::string timezone = trim(setting(context.settings, "timezone"));
  if (const auto offset = parse_utc_offset(timezone)) {
    m_caps.utc_offset = *offset;
    if (!timezone.empty()) {
      m_caps.time_format = fmt::format("YYYY-MM-DD at UTC{} (whole days)", format_time(TimePoint{}, *offset, "%z"));
    }
  } else {
    config_error(fmt::format("setting timezone: \"{}\" is not an offset like +09:00 or a known zone", timezone));
  }
  if (const auto hours = support::whole_setting(context.settings, "token_ttl_hours", k_default_token_ttl_hours, {1, 720, "hours"})) {
    m_token_ttl = std::chrono::hours(*hours);
  } else {
    config_error(hours.error());
  }
  if (const auto days = support::whole_setting(context.settings, "max_window_days", k_default_max_window_days, {1, 90, "days"})) {
    m_caps.max_window = std::chrono::days(*days);
  } else {
    config_error(days.error());
  }
  if (const auto rows = support::whole_setting(context.settings, "page_size", k_max_length, {1, k_max_length, ""})) {
    m_page_size = *rows;
    m_caps.page_size = *rows;
  } else {
    config_error(rows.error());
  }
  if (m_http == nullptr || m_clock == nullptr) {
    config_error("internal: playauto connector needs an HTTP client and a clock");
  }
  for (const std::string* secret : {&m_api_key, &m_password}) {
    if (!secret->empty()) {
      log::add_secret(*secret);
    }
  }
  m_keeper = TokenKeeper::for_channel(context, std::string(k_token_name));
}

std::string PlayautoConnector::scrub(std::string text) const
{
  std::optional<Token> stored = m_keeper ? m_keeper->stored() : std::nullopt;
  std::vector<std::string_view> secrets{m_api_key, m_password};
  if (stored) {
    secrets.push_back(stored->value);
  }
  return support::scrub(std::move(text), secrets);
}

Result<Token> PlayautoConnector::issue_token()
{
  net::Request request;
  request.method = "POST";
  request.url = m_url + std::string(k_auth_path);
  request.headers = {{"Content-Type", "application/json"}, {"x-api-key", m_api_key}};
  request.body = ordered_json{{"email", m_email}, {"password", m_password}}.dump();
  request.label = "POST /auth";

  ++m_requests;
  const auto result = m_http->send(request);
  if (!result) {
    return std::unexpected(support::no_answer(result.error(), scrub(result.error().message)));
  }
  const net::Response& response = *result;
  const json body = json::parse(response.body, nullptr, false);
  const ErrorBody detail = describe_body(body);
  auto fail = [&](ErrorKind kind, std::string what) {
    std::string message = fmt::format("{}: HTTP {} {}", request.label, response.status, what);
    if (!detail.text.empty()) {
      message += ": " + detail.text;
    }
    return std::unexpected(ConnectorError{kind, scrub(std::move(message)), response.status});
  };
  if (response.status == 429) {
    return fail(ErrorKind::rate_limited, "rate limited");
  }
  if (response.status >= 500) {
    return fail(ErrorKind::transient, "server error");
  }
  const std::string advice = "token request rejected (check email, password and the api_key secret)";
  if (response.status != 200 || !detail.code.empty() || member(body, "error") != nullptr) {
    return fail(ErrorKind::auth, advice);
  }
  // `[ { "token": "...", "sol_no": 123456 } ]`; a bare object is accepted too.
  const json* first = body.is_array() && !body.empty() ? &body.front() : &body;
  std::string token;
  if (const json* value = member(*first, "token"); value != nullptr && value->is_string()) {
    token = trim(value->get<std::string>());
  }
  if (token.empty()) {
    return std::unexpected(
        ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 without a token", request.label), 200});
  }
  log::add_secret(token);
  return Token{token, m_clock->now() + m_token_ttl, ""};
}

Result<json> PlayautoConnector::send(const std::string& path, const std::string& body, const std::string& token,
                                     const std::string& label, bool& token_rejected)
{
  token_rejected = false;
  net::Request request;
  request.method = "POST";
  request.url = m_url + path;
  request.headers = {
      {"Content-Type", "application/json"},
      {"x-api-key", m_api_key},
      {"Authorization", "Token " + token},
  };
  request.body = body;
  request.label = label;

  ++m_requests;
  const auto result = m_http->send(request);
  if (!result) {
    return std::unexpected(support::no_answer(result.error(), scrub(result.error().message)));
  }
  const net::Response& response = *result;
  json parsed = json::parse(response.body, nullptr, false);
  const ErrorBody detail = describe_body(parsed);
  auto fail = [&](ErrorKind kind, std::string what) {
    std::string message = fmt::format("{}: HTTP {} {}", label, response.status, what);
    if (!detail.text.empty()) {
      message += ": " + detail.text;
    }
    return std::unexpected(ConnectorError{kind, scrub(std::move(message)), response.status});
  };
  // An expired token shows up as a 401 or an auth error object (§3.1).
  if (response.status == 401 || is_token_code(detail.code)) {
    token_rejected = true;
    return fail(ErrorKind::auth, "unauthorized");
  }
  if (response.status == 403 || detail.code == "e1006") {
    return fail(ErrorKind::auth, "forbidden (is the OPEN-API use approved for this account?)");
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
  if (!parsed.is_object()) {
    return std::unexpected(
        ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 with a body that is not a JSON object", label), 200});
  }
  if (!detail.code.empty() || member(parsed, "error") != nullptr) {
    return fail(ErrorKind::contract, "error in body");
  }
  return parsed;
}

Result<json> PlayautoConnector::call(const std::string& path, const std::string& body, const std::string& label)
{
  const TokenSource source = [this](const std::optional<Token>&) { return issue_token(); };
  return m_keeper->use<json>(
      source, [&](const std::string& token, bool& rejected) { return send(path, body, token, label, rejected); },
      " after a new token (check email, password and the api_key secret)");
}

Result<Page> PlayautoConnector::fetch_page(const Window& window, long long start, int length)
{
  const ordered_json request{
      {"start", start},
      {"length", length},
      {"orderby", k_orderby},
      {"date_type", m_date_type},
      {"sdate", query_date(window.from, m_caps.utc_offset)},
      {"edate", query_date(last_step(window, m_caps.time_step, m_caps.utc_offset), m_caps.utc_offset)},
      {"status", ordered_json::array({"ALL"})},
  };
  const std::string label = fmt::format("POST /orders (start {})", start);
  m_requests = 0;
  auto body = call(std::string(k_orders_path), request.dump(), label);
  if (!body) {
    return std::unexpected(body.error());
  }
  Page page;
  page.requests = m_requests;
  const json* rows = member(*body, "results");
  if (rows == nullptr || !rows->is_array()) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 without a results array", label), 200});
  }
  static const json k_empty = json::array();
  const json* products = member(*body, "results_prod");
  MappedPage mapped = map_rows(*rows, products != nullptr && products->is_array() ? *products : k_empty, m_caps.utc_offset);
  page.orders = std::move(mapped.orders);
  page.failures = std::move(mapped.failures);
  page.notes = std::move(mapped.notes);

  // A full page asks for more; so does a total beyond this page. An empty page ends.
  const auto size = static_cast<long long>(rows->size());
  std::optional<long long> total = count_field(*body, "recordsFiltered");
  if (!total) {
    total = count_field(*body, "recordsTotal");
  }
  const long long next = start + size;
  if (size > 0 && (size >= length || (total && next < *total))) {
    page.next_cursor = encode_cursor(next);
  }
  return page;
}

Result<Page> PlayautoConnector::fetch_orders(const Window& window, const std::string& cursor)
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  long long start = 0;
  if (!cursor.empty()) {
    const auto decoded = decode_cursor(cursor);
    if (!decoded) {
      return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("invalid playauto cursor \"{}\"", cursor)});
    }
    start = *decoded;
  }
  try {
    return fetch_page(window, start, m_page_size);
  } catch (const std::exception& error) {
    return std::unexpected(ConnectorError{ErrorKind::contract, scrub(fmt::format("playauto: {}", error.what()))});
  }
}

Result<std::string> PlayautoConnector::check()
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  try {
    const TimePoint now = m_clock->now();
    const Window today{now, now};
    m_requests = 0;
    const ordered_json request{
        {"start", 0},
        {"length", 1},
        {"orderby", k_orderby},
        {"date_type", m_date_type},
        {"sdate", query_date(today.from, m_caps.utc_offset)},
        {"edate", query_date(today.to, m_caps.utc_offset)},
        {"status", ordered_json::array({"ALL"})},
    };
    auto body = call(std::string(k_orders_path), request.dump(), "POST /orders (check)");
    if (!body) {
      return std::unexpected(body.error());
    }
    std::optional<long long> total = count_field(*body, "recordsFiltered");
    if (!total) {
      total = count_field(*body, "recordsTotal");
    }
    const auto token = m_keeper->stored();
    const auto hours = token ? std::chrono::duration_cast<std::chrono::hours>(token->expires_at - now).count() : 0;
    return fmt::format("{}: token accepted (kept {} h more); {} order row(s) by {} on {}", m_email, hours,
                       total ? std::to_string(*total) : std::string("unknown"), m_date_type,
                       query_date(now, m_caps.utc_offset));
  } catch (const std::exception& error) {
    return std::unexpected(ConnectorError{ErrorKind::contract, scrub(fmt::format("playauto: {}", error.what()))});
  }
}

// --- registry row ---------------------------------------------------------------------

const KindSpec& spec()
{
  static const KindSpec kind{
      "playauto",
      "PlayAuto Open API: POST /orders by modification date, x-api-key + Token",
      {
          {"base_url", false, std::string(k_default_base_url),
           "API base; without a path it gets /api; point it at the sandbox (http://127.0.0.1:PORT) in tests"},
          {"email", true, "", "PlayAuto login e-mail (sent to POST /auth)"},
          {"rate_limit", false, std::string(k_default_rate_limit_text),
           "requests per second; PlayAuto publishes no limit, so the default is conservative"},
          {"timezone", false, "", "override the marketplace time zone (default KST +09:00), e.g. +09:00 or Asia/Seoul"},
          {"date_type", false, std::string(k_default_date_type),
           "date the window filters on: mdate (last modified) by default; wdate, ord_time, pay_time, "
           "ord_status_mdate, ship_plan_date, ord_confirm_time, out_order_time, out_time, invoice_send_time, "
           "api_read_time or claim_com_time"},
          {"token_ttl_hours", false, std::to_string(k_default_token_ttl_hours),
           "hours a token is reused before a new one is requested (1-720); its real lifetime is unconfirmed, and "
           "a rejected token is renewed at once anyway"},
          {"max_window_days", false, std::to_string(k_default_max_window_days),
           "longest window per query in days (1-90); no limit is documented"},
          {"page_size", false, std::to_string(k_max_length), "rows per POST /orders call (length), at most 3000"},
      },
      {
          {"api_key", true, "", "x-api-key from the PlayAuto developer centre"},
          {"password", true, "", "PlayAuto login password (sent to POST /auth)"},
      },
      [](const ChannelContext& context) -> std::unique_ptr<Connector> {
        return std::make_unique<PlayautoConnector>(context);
      },
  };
  return kind;
}

} // namespace uoms::connectors::playauto
