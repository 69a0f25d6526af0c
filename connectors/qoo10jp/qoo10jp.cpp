#include "connectors/qoo10jp/qoo10jp.hpp"

#include "connectors/support.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace uoms::connectors::qoo10jp {

namespace {

using json = nlohmann::json;
using support::BadField;
using support::one_line;
using support::parse_int;
using support::setting;
using support::trim;

constexpr std::string_view k_default_base_url = "https://api.qoo10.jp";
constexpr std::string_view k_key_method = "CertificationAPI.CreateCertificationKey";
constexpr std::string_view k_orders_method = "ShippingBasic.GetShippingInfo_v2";
constexpr std::string_view k_api_version = "1.0";
constexpr std::string_view k_return_type = "application/json";
// Every ShippingStat the vendor documents (qoo10jp.md §2.3): waiting, shipping requested,
// preparing, shipped, delivered.
constexpr std::string_view k_default_statuses = "1,2,3,4,5";
// 2 = payment date: every line in a shipping status is paid, and a late payment (konbini)
// of an older order still falls into the window. 1 = order date would miss it.
constexpr std::string_view k_default_search_condition = "2";
constexpr int k_default_rescan_days = 3;
// The date window limit is UNCONFIRMED (qoo10jp.md §2.3: public code uses 89 days, 30-day
// chunks, 360 minutes). A week keeps each unpaged answer small.
constexpr int k_default_max_window_days = 7;
// The key's lifetime is given as a year (MED) but changing the QSM password voids it; a
// day is short enough to notice that quickly and issuing keys is not limited (§2.1).
constexpr int k_default_key_ttl_hours = 24;
// Rate limits are UNCONFIRMED (§2.6): throttle conservatively.
constexpr double k_default_rate_limit = 1;
constexpr std::string_view k_default_rate_limit_text = "1";
constexpr std::chrono::minutes k_jst_offset{9 * 60};
// `+09:00`, `+0900`, `+9`, `UTC`, and the zone names a Qoo10 seller uses.
std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text)
{
  if (text.empty() || text == "JST" || text == "Asia/Tokyo" || text == "KST" || text == "Asia/Seoul") {
    return k_jst_offset;
  }
  return support::parse_utc_offset(text);
}

// --- field readers ------------------------------------------------------------------

bool iequals(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Keys come in mixed case (`packNo`, `PackNo`, `PaymentDate`; qoo10jp.md §2.3), so a
// member is matched case-insensitively. Null counts as absent.
const json* member(const json& object, std::string_view key)
{
  if (!object.is_object()) {
    return nullptr;
  }
  auto it = object.find(key);
  if (it == object.end()) {
    for (auto candidate = object.begin(); candidate != object.end(); ++candidate) {
      if (iequals(candidate.key(), key)) {
        it = candidate;
        break;
      }
    }
  }
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

std::string string_field(const json& object, std::string_view key)
{
  return support::string_value(member(object, key), key);
}

std::string id_field(const json& object, std::string_view key)
{
  return support::text_id_value(member(object, key), key);
}

// Amounts and counts come as numbers or numeric strings ("1980", "1980.00").
std::optional<double> number_field(const json& object, std::string_view key)
{
  return support::number_value(member(object, key), key);
}

std::int64_t money_field(const json& object, std::string_view key, std::string_view currency)
{
  const auto value = number_field(object, key);
  return value ? to_minor_units(*value, currency) : 0;
}

// "yyyy-MM-dd HH:mm:ss" in JST (qoo10jp.md §2.3); slashes are accepted too.
std::optional<TimePoint> time_field(const json& object, std::string_view key, std::chrono::minutes offset)
{
  std::string text = trim(string_field(object, key));
  if (text.empty()) {
    return std::nullopt;
  }
  std::replace(text.begin(), text.end(), '/', '-');
  auto t = parse_time(text, offset);
  if (!t) {
    throw BadField{fmt::format("{} is not a date-time: \"{}\"", key, text)};
  }
  return t;
}

// --- envelope ---------------------------------------------------------------------------

std::optional<long long> code_value(const json* value)
{
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number_integer() || value->is_number_unsigned()) {
    return value->get<long long>();
  }
  if (value->is_string()) {
    long long code = 0;
    const std::string text = trim(value->get_ref<const std::string&>());
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
    if (ec == std::errc{} && end == text.data() + text.size()) {
      return code;
    }
  }
  return std::nullopt;
}

// ResultCodes that mean "issue a new seller authorization key" (qoo10jp.md §2.2): -10000
// check the key, -90002/-90003 not authorized, -90004/-90005 expired.
bool is_key_code(long long code)
{
  return code == -10000 || (code <= -90002 && code >= -90005);
}

struct Verdict
{
  bool ok = false;
  long long code = 0;
  std::string message; // ResultMsg / ErrorMsg
  bool has_code = false;
};

// `{ResultCode, ResultMsg, ResultObject}`, or `{ErrorCode, ErrorMsg}` for unknown APIs and
// auth failures (qoo10jp.md §2.1). Success is ResultCode 0 with no non-zero ErrorCode.
Verdict judge(const json& body)
{
  Verdict verdict;
  if (const auto error = code_value(member(body, "ErrorCode")); error && *error != 0) {
    verdict.has_code = true;
    verdict.code = *error;
    if (const json* m = member(body, "ErrorMsg"); m != nullptr && m->is_string()) {
      verdict.message = one_line(m->get<std::string>());
    }
    return verdict;
  }
  if (const json* m = member(body, "ResultMsg"); m != nullptr && m->is_string()) {
    verdict.message = one_line(m->get<std::string>());
  }
  if (const auto result = code_value(member(body, "ResultCode"))) {
    verdict.has_code = true;
    verdict.code = *result;
    verdict.ok = *result == 0;
  }
  return verdict;
}

// --- mapping --------------------------------------------------------------------------

struct MappedPage
{
  std::vector<Order> orders;
  std::vector<MappingFailure> failures;
};

// One order line of ResultObject as an Order with one item.
Order map_row(const json& row, int shipping_stat, OrderStatus status, std::chrono::minutes offset)
{
  if (!row.is_object()) {
    throw BadField{"row is not an object"};
  }
  Order order;
  order.external_id = id_field(row, "packNo");
  order.ordered_at = time_field(row, "orderDate", offset);
  if (!order.ordered_at) {
    throw BadField{"missing orderDate"};
  }
  order.paid_at = time_field(row, "PaymentDate", offset);
  order.currency = trim(string_field(row, "Currency"));
  if (order.currency.empty()) {
    order.currency = "JPY";
  }
  order.buyer.name = string_field(row, "buyer");
  order.buyer.phone = string_field(row, "buyerMobile");
  if (order.buyer.phone.empty()) {
    order.buyer.phone = string_field(row, "buyerTel");
  }
  order.buyer.email = string_field(row, "buyerEmail");
  order.receiver.name = string_field(row, "receiver");
  order.receiver.phone = string_field(row, "receiverMobile");
  if (order.receiver.phone.empty()) {
    order.receiver.phone = string_field(row, "receiverTel");
  }
  order.receiver.zip = string_field(row, "zipCode");
  order.receiver.address1 = string_field(row, "Addr1");
  order.receiver.address2 = string_field(row, "Addr2");
  if (order.receiver.address1.empty()) {
    order.receiver.address1 = string_field(row, "shippingAddr");
  }
  order.shipping_fee_minor = money_field(row, "ShippingRate", order.currency);

  OrderItem item;
  item.external_id = id_field(row, "orderNo");
  item.shipment_key = order.external_id;
  item.sku = string_field(row, "sellerItemCode");
  item.product_id = string_field(row, "itemCode");
  item.option_id = string_field(row, "optionCode");
  item.name = string_field(row, "itemTitle");
  item.option_name = string_field(row, "option");
  const auto quantity = number_field(row, "orderQty");
  if (!quantity || *quantity < 0 || std::floor(*quantity) != *quantity || *quantity > 1e9) {
    throw BadField{quantity ? fmt::format("orderQty is not a count: {}", *quantity) : std::string("missing orderQty")};
  }
  item.quantity = static_cast<int>(*quantity);
  item.unit_price_minor = money_field(row, "orderPrice", order.currency);
  // `total` is the line after its discount (price + option − discount, §2.3).
  if (number_field(row, "total")) {
    item.total_price_minor = money_field(row, "total", order.currency);
  } else {
    item.total_price_minor = item.unit_price_minor * item.quantity - money_field(row, "discount", order.currency);
  }
  const std::string text = trim(string_field(row, "shippingStatus"));
  item.raw_status = text.empty() ? std::to_string(shipping_stat) : text;
  item.status = status;
  order.raw_status = item.raw_status;
  order.status = status;
  order.total_minor = item.total_price_minor + order.shipping_fee_minor;
  order.items.push_back(std::move(item));
  return order;
}

// Lines of one pack merge into one Order whose raw is the row, or an array of its rows.
MappedPage map_rows(const json& rows, int shipping_stat, OrderStatus status, std::chrono::minutes offset)
{
  MappedPage page;
  std::map<std::string, std::size_t> index; // PackNo -> position in page.orders
  std::map<std::string, json> raws;
  for (const auto& row : rows) {
    std::string best_id;
    try {
      if (const json* pack = member(row, "packNo"); pack != nullptr && (pack->is_string() || pack->is_number())) {
        best_id = pack->is_string() ? pack->get<std::string>() : pack->dump();
      } else if (const json* line = member(row, "orderNo"); line != nullptr && (line->is_string() || line->is_number())) {
        best_id = line->is_string() ? line->get<std::string>() : line->dump();
      }
      Order part = map_row(row, shipping_stat, status, offset);
      const auto found = index.find(part.external_id);
      if (found == index.end()) {
        index.emplace(part.external_id, page.orders.size());
        raws[part.external_id] = json::array({row});
        page.orders.push_back(std::move(part));
        continue;
      }
      Order& order = page.orders[found->second];
      raws[part.external_id].push_back(row);
      if (part.ordered_at && (!order.ordered_at || *part.ordered_at < *order.ordered_at)) {
        order.ordered_at = part.ordered_at;
      }
      if (part.paid_at && (!order.paid_at || *part.paid_at < *order.paid_at)) {
        order.paid_at = part.paid_at;
      }
      // ShippingRate is the cart's fee, repeated on its lines or carried by one of them.
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
    const json& rows_of_pack = raws[order.external_id];
    order.raw = rows_of_pack.size() == 1 ? rows_of_pack.front().dump() : rows_of_pack.dump();
    std::int64_t total = order.shipping_fee_minor;
    for (const auto& item : order.items) {
      total += item.total_price_minor;
    }
    order.total_minor = total;
  }
  return page;
}

std::vector<int> split_statuses(std::string_view text, std::string& bad)
{
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    const std::string item = trim(text.substr(start, end - start));
    if (!item.empty()) {
      const auto code = parse_int(item);
      if (!code || !map_status(*code)) {
        bad = item;
        return {};
      }
      if (std::find(out.begin(), out.end(), *code) == out.end()) {
        out.push_back(*code);
      }
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

} // namespace

// --- public helpers -------------------------------------------------------------------

std::string service_url(std::string_view base_url)
{
  std::string base = trim(base_url);
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  const auto scheme = base.find("://");
  const auto path = scheme == std::string::npos ? base.find('/') : base.find('/', scheme + 3);
  if (path == std::string::npos) {
    return base + std::string(k_service_path);
  }
  return base;
}

std::string query_time(TimePoint t, std::chrono::minutes utc_offset)
{
  return format_time(std::chrono::floor<std::chrono::seconds>(t), utc_offset, "%Y%m%d%H%M%S");
}

std::optional<OrderStatus> map_status(int shipping_stat)
{
  switch (shipping_stat) {
  case 1: return OrderStatus::paid;      // 配送待ち: waiting, before the shipping request
  case 2: return OrderStatus::paid;      // 配送要請: paid, to ship
  case 3: return OrderStatus::preparing; // 配送準備: the seller checked the order
  case 4: return OrderStatus::shipped;   // 配送中
  case 5: return OrderStatus::delivered; // 配送完了
  default: return std::nullopt;
  }
}

std::string encode_cursor(std::size_t status_index)
{
  return std::to_string(status_index);
}

std::optional<std::size_t> decode_cursor(std::string_view text)
{
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return index;
}

// --- the connector --------------------------------------------------------------------

Qoo10Connector::Qoo10Connector(const ChannelContext& context)
  : m_channel(context.name),
    m_http(context.http),
    m_clock(context.clock)
{
  m_url = service_url(setting(context.settings, "base_url", k_default_base_url));
  m_user_id = trim(setting(context.settings, "user_id"));
  m_api_key = trim(setting(context.secrets, "api_key"));
  m_password = setting(context.secrets, "password");

  m_caps.max_window = std::chrono::days(k_default_max_window_days);
  m_caps.rescan_window = std::chrono::days(k_default_rescan_days);
  m_caps.page_size = 0; // unpaged: a status's whole window comes in one answer
  m_caps.detail_batch = 0;
  m_caps.utc_offset = k_jst_offset;
  m_caps.time_step = std::chrono::seconds(1);
  m_caps.time_format = "JST yyyyMMddHHmmss";
  m_caps.default_rate_limit = k_default_rate_limit;
  m_caps.orders = true;
  m_caps.partial_orders = true;

  auto config_error = [this](std::string message) {
    if (!m_config_error) {
      m_config_error = ConnectorError{ErrorKind::config, std::move(message)};
    }
  };
  if (m_user_id.empty()) {
    config_error("setting user_id is required (the QSM login ID)");
  }
  if (m_api_key.empty()) {
    config_error("secret api_key is required (the QAPI key issued through QSM)");
  }
  if (m_password.empty()) {
    config_error("secret password is required (the QSM password)");
  }
  const std::string timezone = trim(setting(context.settings, "timezone"));
  if (const auto offset = parse_utc_offset(timezone)) {
    m_caps.utc_offset = *offset;
    if (!timezone.empty()) {
      m_caps.time_format = fmt::format("yyyyMMddHHmmss at UTC{}", format_time(TimePoint{}, *offset, "%z"));
    }
  } else {
    config_error(fmt::format("setting timezone: \"{}\" is not an offset like +09:00 or a known zone", timezone));
  }
  std::string bad;
  m_statuses = split_statuses(setting(context.settings, "statuses", k_default_statuses), bad);
  if (!bad.empty()) {
    config_error(fmt::format("setting statuses: \"{}\" is not a ShippingStat (1 to 5)", bad));
  } else if (m_statuses.empty()) {
    config_error("setting statuses: no status given");
  }
  m_search_condition = trim(setting(context.settings, "search_condition", k_default_search_condition));
  if (m_search_condition != "1" && m_search_condition != "2" && m_search_condition != "3" && m_search_condition != "4") {
    config_error(fmt::format("setting search_condition: \"{}\" is not 1 (order date), 2 (payment date), 3 (shipped "
                             "date) or 4 (delivered date)",
                             m_search_condition));
  }
  if (const auto days = support::whole_setting(context.settings, "rescan_days", k_default_rescan_days, {0, 90, "days"})) {
    m_caps.rescan_window = std::chrono::days(*days);
  } else {
    config_error(days.error());
  }
  if (const auto days = support::whole_setting(context.settings, "max_window_days", k_default_max_window_days, {1, 89, "days"})) {
    m_caps.max_window = std::chrono::days(*days);
  } else {
    config_error(days.error());
  }
  if (const auto hours = support::whole_setting(context.settings, "key_ttl_hours", k_default_key_ttl_hours, {1, 8760, "hours"})) {
    m_key_ttl = std::chrono::hours(*hours);
  } else {
    config_error(hours.error());
  }
  if (m_http == nullptr || m_clock == nullptr) {
    config_error("internal: qoo10jp connector needs an HTTP client and a clock");
  }
  for (const std::string* secret : {&m_api_key, &m_password}) {
    if (!secret->empty()) {
      log::add_secret(*secret);
    }
  }
  m_keeper = TokenKeeper::for_channel(context, std::string(k_key_name));
}

std::string Qoo10Connector::scrub(std::string text) const
{
  std::optional<Token> stored = m_keeper ? m_keeper->stored() : std::nullopt;
  std::vector<std::string_view> secrets{m_api_key, m_password};
  if (stored) {
    secrets.push_back(stored->value);
  }
  return support::scrub(std::move(text), secrets);
}

Result<json> Qoo10Connector::post(std::string_view method, const Params& params, const std::string& key,
                                  const std::string& label, bool& key_rejected)
{
  key_rejected = false;
  Params form = params;
  form.emplace_back("returnType", std::string(k_return_type));
  net::Request request;
  request.method = "POST";
  request.url = m_url + "/" + std::string(method);
  request.headers = {
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"GiosisCertificationKey", key},
      {"QAPIVersion", std::string(k_api_version)},
  };
  request.body = net::build_query(form);
  request.label = label;

  ++m_requests;
  const auto result = m_http->send(request);
  if (!result) {
    return std::unexpected(support::no_answer(result.error(), scrub(result.error().message)));
  }
  const net::Response& response = *result;
  json body = json::parse(response.body, nullptr, false);
  const Verdict verdict = body.is_object() ? judge(body) : Verdict{};
  auto fail = [&](ErrorKind kind, std::string what) {
    std::string message = fmt::format("{}: HTTP {} {}", label, response.status, what);
    if (verdict.has_code) {
      message += fmt::format(": ResultCode {} {}", verdict.code, verdict.message);
    }
    return std::unexpected(ConnectorError{kind, scrub(trim(message)), response.status});
  };
  // The HTTP status is reported to be always 200 (LOW); anything else is still an error.
  if (response.status == 401 || response.status == 403) {
    return fail(ErrorKind::auth, "unauthorized");
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
    return std::unexpected(
        ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 with a body that is not a JSON object", label), 200});
  }
  if (!verdict.has_code) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 without ResultCode", label), 200});
  }
  if (verdict.ok) {
    return body;
  }
  std::string message = scrub(trim(fmt::format("{}: ResultCode {} {}", label, verdict.code, verdict.message)));
  if (is_key_code(verdict.code)) {
    key_rejected = true;
    return std::unexpected(ConnectorError{ErrorKind::auth, std::move(message), 200});
  }
  if (verdict.code == -90001) {
    return std::unexpected(ConnectorError{ErrorKind::contract, message + " (API does not exist)", 200});
  }
  return std::unexpected(ConnectorError{ErrorKind::contract, std::move(message), 200});
}

Result<Token> Qoo10Connector::issue_key()
{
  const std::string label = "POST " + std::string(k_key_method);
  bool ignored = false;
  auto body = post(k_key_method, {{"user_id", m_user_id}, {"pwd", m_password}}, m_api_key, label, ignored);
  if (!body) {
    ConnectorError error = body.error();
    // A refused key request is the credentials: the operator must act.
    if (error.kind == ErrorKind::contract && error.http_status == 200) {
      error.kind = ErrorKind::auth;
    }
    if (error.kind == ErrorKind::auth) {
      error.message += " (check the api_key secret, user_id and password; re-issue the API key in QSM if it no longer works)";
    }
    return std::unexpected(std::move(error));
  }
  const json* object = member(*body, "ResultObject");
  std::string key;
  if (object != nullptr && object->is_string()) {
    key = trim(object->get<std::string>());
  }
  if (key.empty()) {
    return std::unexpected(ConnectorError{
        ErrorKind::contract, fmt::format("{}: ResultCode 0 without a key in ResultObject", label), 200});
  }
  log::add_secret(key);
  return Token{key, m_clock->now() + m_key_ttl, ""};
}

Result<json> Qoo10Connector::call(std::string_view method, const Params& params, const std::string& label)
{
  // A rejected key expired or was voided (a changed QSM password): issue a new one once.
  const TokenSource source = [this](const std::optional<Token>&) { return issue_key(); };
  return m_keeper->use<json>(
      source, [&](const std::string& key, bool& rejected) { return post(method, params, key, label, rejected); },
      " after issuing a new certification key (check the api_key secret, user_id and password; re-issue the API key "
      "in QSM if it no longer works)");
}

Result<Page> Qoo10Connector::fetch_status(const Window& window, std::size_t status_index)
{
  const int status = m_statuses[status_index];
  const std::string label = fmt::format("POST {} (ShippingStat {})", k_orders_method, status);
  m_requests = 0;
  auto body = call(k_orders_method,
                   {{"ShippingStat", std::to_string(status)},
                    {"search_Sdate", query_time(window.from, m_caps.utc_offset)},
                    {"search_Edate", query_time(last_step(window, m_caps.time_step, m_caps.utc_offset), m_caps.utc_offset)},
                    {"search_condition", m_search_condition}},
                   label);
  if (!body) {
    return std::unexpected(body.error());
  }
  Page page;
  page.requests = m_requests;
  json rows = json::array();
  if (const json* object = member(*body, "ResultObject")) {
    if (object->is_array()) {
      rows = *object;
    } else if (object->is_object()) { // a single line, as XML-to-JSON gateways send it
      rows.push_back(*object);
    } else {
      return std::unexpected(
          ConnectorError{ErrorKind::contract, fmt::format("{}: ResultObject is not a list of orders", label), 200});
    }
  }
  MappedPage mapped = map_rows(rows, status, *map_status(status), m_caps.utc_offset);
  page.orders = std::move(mapped.orders);
  page.failures = std::move(mapped.failures);
  if (status_index + 1 < m_statuses.size()) {
    page.next_cursor = encode_cursor(status_index + 1);
  }
  return page;
}

Result<Page> Qoo10Connector::fetch_orders(const Window& window, const std::string& cursor)
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  std::size_t index = 0;
  if (!cursor.empty()) {
    const auto decoded = decode_cursor(cursor);
    if (!decoded || *decoded >= m_statuses.size()) {
      return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("invalid qoo10jp cursor \"{}\"", cursor)});
    }
    index = *decoded;
  }
  try {
    return fetch_status(window, index);
  } catch (const std::exception& error) {
    return std::unexpected(ConnectorError{ErrorKind::contract, scrub(fmt::format("qoo10jp: {}", error.what()))});
  }
}

Result<std::string> Qoo10Connector::check()
{
  if (m_config_error) {
    return std::unexpected(*m_config_error);
  }
  try {
    const TimePoint now = m_clock->now();
    auto page = fetch_status({now - std::chrono::hours(24), now}, 0);
    if (!page) {
      return std::unexpected(page.error());
    }
    std::size_t lines = 0;
    for (const auto& order : page->orders) {
      lines += order.items.size();
    }
    const auto key = m_keeper->stored();
    const auto hours = key ? std::chrono::duration_cast<std::chrono::hours>(key->expires_at - m_clock->now()).count() : 0;
    return fmt::format("user {}: certification key accepted (kept {} h more); {} order line(s) in ShippingStat {} over "
                       "the last 24 h",
                       m_user_id, hours, lines + page->failures.size(), m_statuses.front());
  } catch (const std::exception& error) {
    return std::unexpected(ConnectorError{ErrorKind::contract, scrub(fmt::format("qoo10jp: {}", error.what()))});
  }
}

// --- registry row ---------------------------------------------------------------------

const KindSpec& spec()
{
  static const KindSpec kind{
      "qoo10jp",
      "Qoo10 Japan QAPI: ShippingBasic.GetShippingInfo_v2 per ShippingStat, seller certification key",
      {
          {"base_url", false, std::string(k_default_base_url),
           "API host; without a path it gets /GMKT.INC.Front.QAPIService/ebayjapan.qapi; point it at the "
           "sandbox (http://127.0.0.1:PORT) in tests"},
          {"user_id", true, "", "QSM login ID (sent as user_id when issuing the certification key)"},
          {"rate_limit", false, std::string(k_default_rate_limit_text),
           "requests per second; Qoo10 publishes no limit, so the default is conservative"},
          {"timezone", false, "", "override the marketplace time zone (default JST +09:00), e.g. +09:00 or Asia/Tokyo"},
          {"statuses", false, std::string(k_default_statuses),
           "comma list of ShippingStat codes to collect (1 waiting, 2 shipping requested, 3 preparing, 4 shipped, "
           "5 delivered); each is queried separately for every window"},
          {"search_condition", false, std::string(k_default_search_condition),
           "date the window filters on: 1 order date, 2 payment date, 3 shipped date, 4 delivered date"},
          {"rescan_days", false, std::to_string(k_default_rescan_days),
           "days re-fetched on every pass: the list filters by a date, not by change, so later status changes "
           "are only seen by re-scanning (0-90)"},
          {"max_window_days", false, std::to_string(k_default_max_window_days),
           "longest window per query in days (1-89); Qoo10's limit is unconfirmed"},
          {"key_ttl_hours", false, std::to_string(k_default_key_ttl_hours),
           "hours a certification key is reused before a new one is issued (1-8760); its real lifetime is "
           "unconfirmed, and a rejected key is re-issued at once anyway"},
      },
      {
          {"api_key", true, "", "QAPI key issued through QSM (sent as GiosisCertificationKey to issue the seller key)"},
          {"password", true, "", "QSM password (sent as pwd when issuing the certification key)"},
      },
      [](const ChannelContext& context) -> std::unique_ptr<Connector> {
        return std::make_unique<Qoo10Connector>(context);
      },
  };
  return kind;
}

} // namespace uoms::connectors::qoo10jp
