// Coupang WING order sheets (coupang.md §2.2, §2.3, §2.6): the CEA HMAC header, v4 and v5
// paths, daily and minute (searchType=timeFrame) modes, one status per query, nextToken.

#include "sandbox.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <regex>

namespace uoms::sandbox {

// The stock change of coupang.md §2.5 (coupang_stock.cpp), after the signature check; false
// when the path is not its.
bool handle_coupang_stock(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market,
                          const AccountConfig& account);

namespace {

constexpr auto k_max_skew = std::chrono::minutes{5};
const std::vector<std::string> k_statuses{"ACCEPT",     "INSTRUCT",       "DEPARTURE",
                                          "DELIVERING", "FINAL_DELIVERY", "NONE_TRACKING"};

void api_error(httplib::Response& res, int status, const std::string& message)
{
  // Order APIs answer parameter errors in their own envelope, code = the HTTP status.
  res.status = status;
  res.set_content(json{{"code", status}, {"message", message}, {"data", nullptr}}.dump(),
                  "application/json;charset=UTF-8");
}

void unauthorized(Sandbox& sandbox, const Marketplace& market, httplib::Response& res, const std::string& account,
                  const std::string& message)
{
  sandbox.stats.signature_failure(account);
  gateway_error(market, res, 401, "ERROR", message);
}

bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

std::string trim(std::string_view text)
{
  const auto first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) {
    return {};
  }
  return std::string(text.substr(first, text.find_last_not_of(' ') - first + 1));
}

// `yyMMddTHHmmssZ`, UTC.
std::optional<TimePoint> parse_signed_date(const std::string& text)
{
  static const std::regex shape(R"((\d\d)(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z)");
  std::smatch m;
  if (!std::regex_match(text, m, shape)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{2000 + std::stoi(m[1])},
                                        std::chrono::month(unsigned(std::stoi(m[2]))),
                                        std::chrono::day(unsigned(std::stoi(m[3])))};
  const int h = std::stoi(m[4]), mi = std::stoi(m[5]), s = std::stoi(m[6]);
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) {
    return std::nullopt;
  }
  return TimePoint{std::chrono::sys_days{ymd}} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{s};
}

struct QueryTime
{
  TimePoint start;
  bool has_offset = false;
};

// Dates as the given version and mode expect them:
//   v5 daily  2025-07-15+09:00         v5 timeFrame 2025-07-29T00:01+09:00
//   v4 daily  2025-07-15 (KST)         v4 timeFrame 2025-07-29T00:01 (KST)
std::optional<TimePoint> parse_query_time(const std::string& text, bool v5, bool minutes)
{
  static const std::regex v5_day(R"((\d{4})-(\d\d)-(\d\d)([+-])(\d\d):(\d\d))");
  static const std::regex v5_minute(R"((\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)([+-])(\d\d):(\d\d))");
  static const std::regex v4_day(R"((\d{4})-(\d\d)-(\d\d))");
  static const std::regex v4_minute(R"((\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d))");
  std::smatch m;
  const std::regex& shape = v5 ? (minutes ? v5_minute : v5_day) : (minutes ? v4_minute : v4_day);
  if (!std::regex_match(text, m, shape)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{std::stoi(m[1])}, std::chrono::month(unsigned(std::stoi(m[2]))),
                                        std::chrono::day(unsigned(std::stoi(m[3])))};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  int hour = 0, minute = 0;
  std::size_t next = 4;
  if (minutes) {
    hour = std::stoi(m[4]);
    minute = std::stoi(m[5]);
    next = 6;
    if (hour > 23 || minute > 59) {
      return std::nullopt;
    }
  }
  std::chrono::minutes offset = k_kst;
  if (v5) {
    const int sign = m[next].str() == "-" ? -1 : 1;
    offset = std::chrono::minutes{sign * (std::stoi(m[next + 1]) * 60 + std::stoi(m[next + 2]))};
  }
  return TimePoint{std::chrono::sys_days{ymd}} + std::chrono::hours{hour} + std::chrono::minutes{minute} - offset;
}

json money(long long units)
{
  return {{"currencyCode", "KRW"}, {"units", units}, {"nanos", 0}};
}

std::string e164(const std::string& domestic)
{
  // 010-1234-5678 -> +821012345678
  std::string digits;
  for (const char c : domestic) {
    if (c >= '0' && c <= '9') {
      digits += c;
    }
  }
  return "+82" + digits.substr(1);
}

std::string safe_number(long long box_id)
{
  return fmt::format("0502-{:04}-{:04}", box_id % 10000, (box_id / 7) % 10000);
}

json box_json(const Order& order, bool v5)
{
  const auto when = [&](TimePoint t) {
    return v5 ? format_time(t, k_kst, "%Y-%m-%dT%H:%M:%S.%f%z", int(order.shipment_box_id % 1000))
              : format_time(t, k_kst, "%Y-%m-%dT%H:%M:%S");
  };
  const auto price = [&](long long value) { return v5 ? money(value) : json(value); };
  const auto phone = [&](const std::string& p) { return v5 ? e164(p) : p; };
  const bool shipped = order.status == "DEPARTURE" || order.status == "DELIVERING" ||
                       order.status == "FINAL_DELIVERY" || order.status == "NONE_TRACKING";
  const std::string invoice = shipped && order.status != "NONE_TRACKING"
                                  ? fmt::format("{:012}", (order.shipment_box_id * 7919) % 1000000000000LL)
                                  : "";

  json items = json::array();
  for (const auto& item : order.items) {
    const long long order_price = item.unit_price * item.quantity;
    json row{{"vendorItemPackageId", 0},
             {"vendorItemPackageName", item.product_name},
             {"productId", item.product_id},
             {"vendorItemId", item.vendor_item_id},
             {"vendorItemName", item.option_name.empty() ? item.product_name
                                                         : item.product_name + ", " + item.option_name},
             {"shippingCount", item.quantity},
             {"salesPrice", price(item.unit_price)},
             {"orderPrice", price(order_price)},
             {"discountPrice", price(0)},
             {"externalVendorSkuCode", item.sku},
             {"etcInfoHeader", nullptr},
             {"etcInfoValue", nullptr},
             {"etcInfoValues", nullptr},
             {"sellerProductId", item.seller_product_id},
             {"sellerProductName", item.product_name},
             {"sellerProductItemName", item.option_name.empty() ? "단일상품" : item.option_name},
             {"firstSellerProductItemName", item.option_name.empty() ? "단일상품" : item.option_name},
             {"cancelCount", 0},
             {"holdCountForCancel", 0},
             {"estimatedShippingDate", format_time(order.paid + std::chrono::days{2}, k_kst, "%Y-%m-%d")},
             {"plannedShippingDate", ""},
             {"invoiceNumberUploadDate", shipped ? json(when(order.changed)) : json(nullptr)},
             {"extraProperties", json::object()},
             {"pricingBadge", false},
             {"usedProduct", false},
             {"confirmDate", order.status == "FINAL_DELIVERY" ? json(when(order.changed)) : json(nullptr)},
             {"deliveryChargeTypeName", order.shipping_price == 0 ? "무료" : "유료"},
             {"canceled", false}};
    if (v5) {
      row["instantCouponDiscount"] = money(0);
      row["downloadableCouponDiscount"] = money(0);
      row["coupangDiscount"] = money(0);
      row["upBundleVendorItemId"] = nullptr;
      row["upBundleVendorItemName"] = nullptr;
      row["upBundleSize"] = nullptr;
      row["upBundleItem"] = false;
    }
    items.push_back(std::move(row));
  }

  json box{{"shipmentBoxId", order.shipment_box_id},
           {"orderId", order.order_id},
           {"orderedAt", when(order.created)},
           {"orderer",
            {{"name", order.orderer.name},
             {"email", ""},
             {"safeNumber", phone(safe_number(order.shipment_box_id))},
             {"ordererNumber", nullptr}}},
           {"paidAt", when(order.paid)},
           {"status", order.status},
           {"shippingPrice", price(order.shipping_price)},
           {"remotePrice", price(0)},
           {"remoteArea", false},
           {"parcelPrintMessage", order.memo},
           {"splitShipping", false},
           {"ableSplitShipping", false},
           {"receiver",
            {{"name", order.receiver.name},
             {"safeNumber", phone(safe_number(order.shipment_box_id + 1))},
             {"receiverNumber", nullptr},
             {"addr1", order.address1},
             {"addr2", order.address2},
             {"postCode", order.post_code}}},
           {"orderItems", std::move(items)},
           {"overseaShippingInfoDto",
            {{"personalCustomsClearanceCode", nullptr}, {"ordererSsn", nullptr}, {"ordererPhoneNumber", nullptr}}},
           {"deliveryCompanyName", invoice.empty() ? "" : "CJ 대한통운"},
           {"invoiceNumber", invoice},
           {"inTrasitDateTime", shipped ? json(when(order.changed)) : json("")},
           {"deliveredDate", order.status == "FINAL_DELIVERY" ? json(when(order.changed)) : json("")},
           {"refer", "안드로이드앱"},
           {"shipmentType", "THIRD_PARTY"}};
  if (v5) {
    box["isCod"] = false;
    box["extraProperties"] = json::object();
  }
  overlay_coupang_box(order, box);
  return box;
}

// GET …/{orderId}/ordersheets (the order's boxes) and …/ordersheets/{shipmentBoxId} (one
// box), coupang.md §2.3's related endpoints; false for any other path.
bool serve_order_sheets(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market,
                        const AccountConfig& account)
{
  static const std::regex by_order(R"(^/v2/providers/openapi/apis/api/(v4|v5)/vendors/([^/]+)/(\d+)/ordersheets$)");
  static const std::regex by_box(R"(^/v2/providers/openapi/apis/api/(v4|v5)/vendors/([^/]+)/ordersheets/(\d+)$)");
  std::smatch m;
  const bool order = std::regex_match(req.path, m, by_order);
  if (!order && !std::regex_match(req.path, m, by_box)) {
    return false;
  }
  market.endpoint = order ? "coupang.ordersheet_by_order" : "coupang.ordersheet";
  if (coupang_refused(market, res, req.method == "GET", m[2].str(), account)) {
    return true;
  }
  const bool v5 = m[1].str() == "v5";
  const std::string id = m[3].str();
  json data = json::array();
  for (const auto& o : sandbox.store.orders(account.id)) {
    if (std::to_string(order ? o.order_id : o.shipment_box_id) == id) {
      data.push_back(box_json(o, v5));
    }
  }
  if (data.empty()) {
    api_error(res, 400, fmt::format("Invalid {} '{}': no such order sheet.", order ? "orderId" : "shipmentBoxId", id));
    return true;
  }
  res.status = 200;
  res.set_content(json{{"code", 200}, {"message", "OK"}, {"data", order ? data : data[0]}}.dump(),
                  "application/json;charset=UTF-8");
  return true;
}

} // namespace

void handle_coupang(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  static const std::regex route(R"(^/v2/providers/openapi/apis/api/(v4|v5)/vendors/([^/]+)/ordersheets$)");
  std::smatch match;
  const bool is_ordersheets = std::regex_match(req.path, match, route);
  if (is_ordersheets) {
    market.endpoint = "coupang.ordersheets";
  }

  // 1. The gateway checks the CEA signature before anything else (coupang.md §2.2).
  const std::string header = req.get_header_value("Authorization");
  if (!header.starts_with("CEA ")) {
    unauthorized(sandbox, market, res, market.account, "Unauthorized: missing CEA Authorization header.");
    return;
  }
  std::map<std::string, std::string> fields;
  std::string_view rest = std::string_view(header).substr(4);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string pair = trim(rest.substr(0, comma));
    const auto eq = pair.find('=');
    if (eq != std::string::npos) {
      fields[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  if (fields["algorithm"] != "HmacSHA256" || fields["access-key"].empty() || fields["signed-date"].empty() ||
      fields["signature"].empty()) {
    unauthorized(sandbox, market, res, market.account,
                 "Unauthorized: the Authorization header needs algorithm=HmacSHA256, access-key, signed-date and "
                 "signature.");
    return;
  }
  const AccountConfig* account = sandbox.coupang_by_access_key(fields["access-key"]);
  if (account == nullptr) {
    unauthorized(sandbox, market, res, market.account, "Invalid access-key.");
    return;
  }
  market.account = account->id;
  const auto signed_at = parse_signed_date(fields["signed-date"]);
  if (!signed_at) {
    unauthorized(sandbox, market, res, account->id, "Invalid signed-date: expected yyMMdd'T'HHmmss'Z' (UTC).");
    return;
  }
  const auto skew = *signed_at > now() ? *signed_at - now() : now() - *signed_at;
  if (skew > k_max_skew) {
    unauthorized(sandbox, market, res, account->id, "Specified signature is expired.");
    return;
  }
  // The message is built from the bytes on the wire: the raw path and the raw query.
  const auto question = req.target.find('?');
  const std::string raw_path = req.target.substr(0, question);
  const std::string raw_query = question == std::string::npos ? "" : req.target.substr(question + 1);
  const std::string expected =
      hmac_sha256_hex(account->secret_key, fields["signed-date"] + req.method + raw_path + raw_query);
  const std::string& given = fields["signature"];
  if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    unauthorized(sandbox, market, res, account->id, "Invalid signature.");
    return;
  }

  // 2. Routing and the vendor.
  if (!is_ordersheets && handle_coupang_stock(sandbox, req, res, market, *account)) {
    return;
  }
  if (!is_ordersheets && handle_coupang_writes(sandbox, req, res, market, *account)) {
    return;
  }
  if (!is_ordersheets && serve_order_sheets(sandbox, req, res, market, *account)) {
    return;
  }
  if (!is_ordersheets) {
    gateway_error(market, res, 404, "ERROR", "Not Found: " + req.path);
    return;
  }
  const bool v5 = match[1].str() == "v5";
  if (coupang_refused(market, res, req.method == "GET", match[2].str(), *account)) {
    return;
  }

  // 3. Parameters (coupang.md §2.3).
  const std::string status = req.get_param_value("status");
  if (status.empty()) {
    api_error(res, 400, "status is required.");
    return;
  }
  if (std::find(k_statuses.begin(), k_statuses.end(), status) == k_statuses.end()) {
    api_error(res, 400,
              fmt::format("Invalid status '{}': one of ACCEPT, INSTRUCT, DEPARTURE, DELIVERING, FINAL_DELIVERY, "
                          "NONE_TRACKING.",
                          status));
    return;
  }
  const std::string search_type = req.get_param_value("searchType");
  if (!search_type.empty() && search_type != "timeFrame") {
    api_error(res, 400, fmt::format("Invalid searchType '{}': only timeFrame is supported.", search_type));
    return;
  }
  const bool minutes = search_type == "timeFrame";
  const char* format = v5 ? (minutes ? "yyyy-MM-dd'T'HH:mm+09:00" : "yyyy-MM-dd+09:00")
                          : (minutes ? "yyyy-MM-dd'T'HH:mm" : "yyyy-MM-dd");
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  for (const char* name : {"createdAtFrom", "createdAtTo"}) {
    if (!req.has_param(name)) {
      api_error(res, 400, fmt::format("{} is required.", name));
      return;
    }
    const std::string value = req.get_param_value(name);
    const auto parsed = parse_query_time(value, v5, minutes);
    if (!parsed) {
      const bool plus_lost = value.find(' ') != std::string::npos;
      api_error(res, 400,
                fmt::format("Invalid {} '{}': expected {}{}.", name, value, format,
                            plus_lost ? " (a '+' in a query must be sent as %2B)" : ""));
      return;
    }
    (std::string_view(name) == "createdAtFrom" ? from : to) = parsed;
  }
  if (*from > *to) {
    api_error(res, 400, "createdAtFrom must not be after createdAtTo.");
    return;
  }
  int page_size = account->timeframe_page_size;
  TimePoint end = *to;
  if (minutes) {
    if (*to - *from > std::chrono::hours{24}) {
      api_error(res, 400, "The search period of searchType=timeFrame cannot exceed 24 hours.");
      return;
    }
    end += std::chrono::minutes{1}; // createdAtTo names a minute and includes all of it
  } else {
    if (*to - *from > std::chrono::days{31}) {
      api_error(res, 400, "The search period cannot exceed 31 days.");
      return;
    }
    end += std::chrono::days{1}; // createdAtTo names a day and includes all of it
    page_size = 50;
    if (req.has_param("maxPerPage")) {
      const std::string text = req.get_param_value("maxPerPage");
      int value = 0;
      const bool numeric = !text.empty() && text.size() < 6 && std::all_of(text.begin(), text.end(), is_digit);
      if (numeric) {
        value = std::stoi(text);
      }
      if (!numeric || value < 1 || value > 50) {
        api_error(res, 400, fmt::format("Invalid maxPerPage '{}': 1 to 50.", text));
        return;
      }
      page_size = value;
    }
  }
  long long start_box = 0;
  if (req.has_param("nextToken") && !req.get_param_value("nextToken").empty()) {
    const std::string token = req.get_param_value("nextToken");
    if (token.size() > 18 || !std::all_of(token.begin(), token.end(), is_digit)) {
      api_error(res, 400, fmt::format("Invalid nextToken '{}'.", token));
      return;
    }
    start_box = std::stoll(token);
  }

  // 4. The page: boxes created in [from, end) with this status, by shipmentBoxId; the
  // nextToken is the shipmentBoxId the next page starts at.
  std::vector<Order> matches;
  for (auto& order : sandbox.store.orders(account->id)) {
    if (order.status == status && order.created >= *from && order.created < end &&
        order.shipment_box_id >= start_box) {
      matches.push_back(std::move(order));
    }
  }
  std::sort(matches.begin(), matches.end(),
            [](const Order& a, const Order& b) { return a.shipment_box_id < b.shipment_box_id; });
  json data = json::array();
  std::string next_token;
  for (std::size_t i = 0; i < matches.size(); ++i) {
    if (int(i) == page_size) {
      // duplicate_across_pages: the first page's nextToken names its own last box.
      const bool duplicate = account->duplicate_across_pages && start_box == 0;
      next_token = std::to_string(matches[duplicate ? i - 1 : i].shipment_box_id);
      break;
    }
    data.push_back(box_json(matches[i], v5));
    served_ids().ids.push_back(std::to_string(matches[i].shipment_box_id));
  }
  res.status = 200;
  res.set_content(json{{"code", 200}, {"message", "OK"}, {"data", std::move(data)}, {"nextToken", next_token}}.dump(),
                  "application/json;charset=UTF-8");
}

} // namespace uoms::sandbox
