// Qoo10 Japan QAPI (qoo10jp.md §2.1-2.3): the seller authorization key from
// CertificationAPI.CreateCertificationKey, and ShippingBasic.GetShippingInfo_v2 (one
// ShippingStat per call, JST yyyyMMdd / yyyyMMddHHmmss, no paging). Both calling styles:
// REST-like `{base}/{Class}.{Method}` with the key in the GiosisCertificationKey header, and
// legacy `{base}?v=1.0&method=...&key=...`. Every answer is HTTP 200; success is ResultCode 0.

#include "sandbox.hpp"
#include "tracking.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>

namespace uoms::sandbox {

// The stock and item look-up methods (qoo10jp_stock.cpp): the stats endpoint of a lowercase
// method name, "" when it is none of them; and the call itself, once the seller key passed.
std::string qoo10_stock_endpoint(const std::string& method);
void handle_qoo10_stock(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, const std::string& seller,
                        const std::string& method);

namespace {

const std::string k_base = "/GMKT.INC.Front.QAPIService/ebayjapan.qapi";

// qoo10jp.md §2.2.
constexpr int k_check_key = -10000;
constexpr int k_not_found = -10001;
constexpr int k_processing = -10101;
constexpr int k_no_api = -90001;
constexpr int k_not_authorized = -90002;
constexpr int k_key_expired = -90004;

constexpr std::array<const char*, 5> k_status_names{"配送待ち", "配送要請", "配送準備", "配送中", "配送完了"};

void result(httplib::Response& res, int code, const std::string& message, json object = json())
{
  json body{{"ResultCode", code}, {"ResultMsg", message}};
  if (!object.is_null()) {
    body["ResultObject"] = std::move(object);
  }
  res.status = 200;
  res.set_content(body.dump(), "application/json;charset=UTF-8");
}

// The second envelope (qoo10jp.md §2.1) for methods that do not exist.
void error_code(httplib::Response& res, int status, int code, const std::string& message)
{
  res.status = status;
  res.set_content(json{{"ErrorCode", code}, {"ErrorMsg", message}}.dump(), "application/json;charset=UTF-8");
}

std::string lower(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

bool equal_secret(const std::string& given, const std::string& expected)
{
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

// A new seller authorization key: Base64 of random bytes, so '+', '/' and '=' show up and a
// client that puts it in a query must encode it.
std::string new_key()
{
  unsigned char bytes[33];
  RAND_bytes(bytes, sizeof bytes);
  return base64(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

void create_key(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market,
                const std::string& key)
{
  market.endpoint = "qoo10jp.create_certification_key";
  const AccountConfig* account = nullptr;
  for (const auto& a : sandbox.config.accounts) {
    if (a.kind == Kind::qoo10jp && !key.empty() && equal_secret(key, a.api_key)) {
      account = &a;
    }
  }
  if (account == nullptr) {
    sandbox.stats.signature_failure(market.account);
    result(res, k_not_authorized, "Not authorized: the API key (GiosisCertificationKey) is not valid.");
    return;
  }
  const std::string user = req.get_param_value("user_id");
  const std::string pwd = req.get_param_value("pwd");
  if (user.empty() || pwd.empty()) {
    result(res, k_processing, "user_id and pwd are required.");
    return;
  }
  if (user != account->id || !equal_secret(pwd, account->password)) {
    sandbox.stats.signature_failure(market.account);
    result(res, k_not_found, "Seller not found, or the password does not match.");
    return;
  }
  market.account = account->id;
  const std::string sak = new_key();
  {
    std::lock_guard lock(sandbox.tokens_mutex);
    sandbox.qoo10_keys[sak] = {account->id, now() + std::chrono::seconds{sandbox.config.qoo10_key_ttl_s}};
  }
  result(res, 0, "SUCCESS", sak);
}

// The seller a key belongs to, or empty after answering -10000 / -90004.
std::string authenticate(Sandbox& sandbox, httplib::Response& res, Marketplace& market, const std::string& key)
{
  std::lock_guard lock(sandbox.tokens_mutex);
  const auto it = key.empty() ? sandbox.qoo10_keys.end() : sandbox.qoo10_keys.find(key);
  if (it == sandbox.qoo10_keys.end()) {
    sandbox.stats.signature_failure(market.account);
    result(res, k_check_key, "Please check the Seller Authorization Key.");
    return {};
  }
  if (it->second.expires <= now()) {
    sandbox.stats.signature_failure(it->second.client_id);
    result(res, k_key_expired, "The Seller Authorization Key has expired. Please issue a new key.");
    return {};
  }
  return it->second.client_id;
}

std::string jst(TimePoint t)
{
  return format_time(t, k_jst, "%Y-%m-%d %H:%M:%S");
}

// Addr1 is prefecture + city, Addr2 the rest (as the JP clients split it).
std::pair<std::string, std::string> split_address(const std::string& address)
{
  for (const char* marker : {"区", "市", "町", "村"}) {
    const auto at = address.find(marker);
    if (at != std::string::npos) {
      const auto end = at + std::string_view(marker).size();
      return {address.substr(0, end), address.substr(end)};
    }
  }
  return {address, ""};
}

json line_json(const Order& order, const Item& item)
{
  // A number SetSendingInfo accepted replaces the generated one.
  const auto sent = tracking_ledger().latest(Kind::qoo10jp, order.account, std::to_string(item.line_no));
  std::string related;
  for (const auto& other : order.items) {
    related += (related.empty() ? "" : ",") + std::to_string(other.line_no);
  }
  const bool first_line = &item == &order.items.front();
  const int stat = std::stoi(item.status);
  const bool shipped = stat >= 4;
  const long long total = item.unit_price * item.quantity;
  const auto [addr1, addr1_rest] = split_address(order.address1);
  return {{"packNo", order.pack_no},
          {"orderNo", item.line_no},
          {"orderDate", jst(order.created)},
          {"PaymentDate", jst(order.paid)},
          {"shippingStatus", fmt::format("{}({})", k_status_names[std::size_t(stat - 1)], stat)},
          {"sellerID", order.account},
          {"itemCode", std::to_string(item.product_id)},
          {"sellerItemCode", item.sku},
          {"itemTitle", item.product_name},
          {"option", item.option_name.empty() ? "" : "オプション:" + item.option_name},
          {"optionCode", item.option_name.empty() ? "" : item.sku},
          {"orderQty", item.quantity},
          {"orderPrice", item.unit_price},
          {"discount", 0},
          {"total", total},
          // The cart's shipping fee, on its first line only.
          {"ShippingRate", first_line ? order.shipping_price : 0},
          {"Currency", "JPY"},
          {"buyer", order.orderer.name},
          {"buyer_gata", order.orderer.kana},
          {"buyerTel", ""},
          {"buyerMobile", order.orderer.phone},
          {"buyerEmail", order.orderer.email},
          {"receiver", order.receiver.name},
          {"receiver_gata", order.receiver.kana},
          {"receiverTel", ""},
          {"receiverMobile", order.receiver.phone},
          {"shippingCountry", "JP"},
          {"zipCode", order.post_code},
          {"shippingAddr", order.address1 + " " + order.address2},
          {"Addr1", addr1},
          {"Addr2", addr1_rest + " " + order.address2},
          {"hopeDate", ""},
          {"ShippingMsg", order.memo},
          {"DeliveryCompany", sent ? sent->carrier : "ヤマト宅急便"},
          {"EstShippingDate", format_time(order.paid + std::chrono::days{3}, k_jst, "%Y-%m-%d")},
          {"PackingNo", fmt::format("P{}", order.pack_no)},
          {"SellerDeliveryNo", ""},
          {"RelatedOrder", related},
          {"PaymentMethod", "クレジットカード"},
          {"TrackingNo", sent      ? sent->number
                         : shipped ? fmt::format("4{:011}", item.line_no * 13 % 100000000000LL)
                                   : ""},
          {"Cart_Discount_Seller", 0},
          {"Cart_Discount_Qoo10", 0}};
}

std::optional<int> small_number(const std::string& text, int low, int high)
{
  if (text.size() != 1 || text[0] < '0' + low || text[0] > '0' + high) {
    return std::nullopt;
  }
  return text[0] - '0';
}

void shipping_info(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market,
                   const std::string& key)
{
  market.endpoint = "qoo10jp.get_shipping_info_v2";
  const std::string seller = authenticate(sandbox, res, market, key);
  if (seller.empty()) {
    return;
  }
  market.account = seller;
  const AccountConfig* account = sandbox.account(Kind::qoo10jp, seller);
  const auto stat = small_number(req.get_param_value("ShippingStat"), 1, 5);
  if (!stat) {
    result(res, k_processing,
           fmt::format("ShippingStat must be 1 to 5 (got '{}').", req.get_param_value("ShippingStat")));
    return;
  }
  const auto condition = small_number(req.get_param_value("search_condition"), 1, 4);
  if (!condition) {
    result(res, k_processing,
           fmt::format("search_condition must be 1 (order date), 2 (payment date), 3 (shipped date) or 4 "
                       "(delivered date) (got '{}').",
                       req.get_param_value("search_condition")));
    return;
  }
  std::optional<LocalTime> bounds[2];
  const char* names[2] = {"search_Sdate", "search_Edate"};
  for (int i = 0; i < 2; ++i) {
    const std::string text = req.get_param_value(names[i]);
    bounds[i] = parse_compact_time(text, k_jst);
    if (!bounds[i]) {
      result(res, k_processing, fmt::format("{} must be yyyyMMdd or yyyyMMddHHmmss (JST) (got '{}').", names[i], text));
      return;
    }
  }
  if (bounds[0]->at > bounds[1]->at) {
    result(res, k_processing, "search_Sdate must not be after search_Edate.");
    return;
  }
  // The limit is UNCONFIRMED (qoo10jp.md §2.3); measured between the instants the two values
  // name, so 20260101..20260131 is 30 days.
  if (bounds[1]->at - bounds[0]->at > std::chrono::days{account->max_window_days}) {
    result(res, k_processing, fmt::format("The search period cannot exceed {} days.", account->max_window_days));
    return;
  }
  // A day includes all of it, a second all of that second.
  const TimePoint from = bounds[0]->at;
  const TimePoint end = bounds[1]->at + (bounds[1]->whole_day ? std::chrono::milliseconds{std::chrono::days{1}}
                                                               : std::chrono::milliseconds{std::chrono::seconds{1}});
  std::vector<std::pair<Order, std::size_t>> lines;
  for (auto& order : sandbox.store.orders(seller)) {
    for (std::size_t i = 0; i < order.items.size(); ++i) {
      const Item& item = order.items[i];
      if (item.status != std::to_string(*stat)) {
        continue;
      }
      const TimePoint when = *condition == 1 ? order.created
                             : *condition == 2 ? order.paid
                             : *condition == 3 ? item.shipped
                                               : item.delivered;
      if (when == TimePoint{} || when < from || when >= end) {
        continue;
      }
      lines.emplace_back(order, i);
    }
  }
  std::sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(a.first.pack_no, a.first.items[a.second].line_no) <
           std::make_tuple(b.first.pack_no, b.first.items[b.second].line_no);
  });
  json rows = json::array();
  for (const auto& [order, index] : lines) {
    rows.push_back(line_json(order, order.items[index]));
    served_ids().ids.push_back(std::to_string(order.items[index].line_no));
    // duplicate_across_pages: with no pages to straddle, the first line comes twice.
    if (account->duplicate_across_pages && rows.size() == 1) {
      rows.push_back(rows.back());
    }
  }
  result(res, 0, "SUCCESS", std::move(rows));
}

// Carrier names SetSendingInfo accepts as ShippingCorp: the QSM names qoo10jp.md §2.4 lists
// (MED; the authoritative list is behind the QSM login). Anything else is refused.
constexpr std::array<std::string_view, 10> k_shipping_corps{"ヤマト宅急便", "佐川急便",   "ゆうパック",   "ゆうパケット",
                                                            "クリックポスト", "ネコポス", "クロネコDM便", "西濃運輸",
                                                            "福山通運",     "Qxpress"};
constexpr std::size_t k_max_corp = 200;
constexpr std::size_t k_max_tracking = 50;

// ShippingBasic.SetSendingInfo (§2.4): one OrderNo line, ShippingCorp (a carrier name) and
// TrackingNo; the line moves to 4 (配送中, shipped). Only lines waiting to ship (2 配送要請 or
// 3 配送準備) are accepted; refusals are a negative ResultCode on HTTP 200 (§2.2).
void set_sending_info(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market,
                      const std::string& key)
{
  market.endpoint = "qoo10jp.set_sending_info";
  const std::string seller = authenticate(sandbox, res, market, key);
  if (seller.empty()) {
    return;
  }
  market.account = seller;
  const std::string order_no = req.get_param_value("OrderNo");
  const std::string corp = req.get_param_value("ShippingCorp");
  const std::string tracking = req.get_param_value("TrackingNo");
  if (order_no.empty() || corp.empty() || tracking.empty()) {
    result(res, k_processing, "OrderNo, ShippingCorp and TrackingNo are required.");
    return;
  }
  if (corp.size() > k_max_corp || tracking.size() > k_max_tracking) {
    result(res, k_processing, "ShippingCorp is at most 200 characters and TrackingNo at most 50.");
    return;
  }
  if (std::find(k_shipping_corps.begin(), k_shipping_corps.end(), corp) == k_shipping_corps.end()) {
    result(res, k_processing, fmt::format("ShippingCorp '{}' is not a registered carrier name.", corp));
    return;
  }
  auto lock = tracking_ledger().serialise();
  std::optional<std::pair<Order, std::size_t>> line;
  for (auto& order : sandbox.store.orders(seller)) {
    for (std::size_t i = 0; i < order.items.size(); ++i) {
      if (std::to_string(order.items[i].line_no) == order_no) {
        line.emplace(order, i);
      }
    }
  }
  if (!line) {
    result(res, k_not_found, fmt::format("Order not found: OrderNo {}.", order_no));
    return;
  }
  const std::string& status = line->first.items[line->second].status;
  if (status == "cancelled") {
    result(res, k_processing, fmt::format("OrderNo {} has been cancelled; it cannot be shipped.", order_no));
    return;
  }
  if (status != "2" && status != "3") {
    result(res, k_processing,
           fmt::format("OrderNo {} is {}({}); only 配送要請(2) and 配送準備(3) can be shipped.", order_no,
                       k_status_names[std::size_t(std::stoi(status) - 1)], status));
    return;
  }
  sandbox.store.mutate(seller, std::nullopt, {order_no}, "4");
  tracking_ledger().add(
      {Kind::qoo10jp, seller, std::to_string(line->first.pack_no), order_no, corp, tracking, now()});
  result(res, 0, "SUCCESS");
}


} // namespace

void handle_qoo10(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  std::string method;
  std::string key;
  std::string version;
  if (req.path == k_base) {
    // Legacy: everything in the parameters.
    method = req.get_param_value("method");
    key = req.get_param_value("key");
    version = req.get_param_value("v");
  } else if (req.path.starts_with(k_base + "/")) {
    method = req.path.substr(k_base.size() + 1);
    key = req.get_header_value("GiosisCertificationKey");
    version = req.get_header_value("QAPIVersion");
  } else {
    error_code(res, 404, k_no_api, "No service at " + req.path);
    return;
  }
  if (req.method != "GET" && req.method != "POST") {
    error_code(res, 405, k_no_api, req.method + " is not supported; use GET or POST.");
    return;
  }
  if (version != "1.0" && version != "1.1") {
    error_code(res, 200, k_no_api,
               req.path == k_base ? "Parameter v (1.0 or 1.1) is required."
                                  : "Header QAPIVersion (1.0 or 1.1) is required.");
    return;
  }
  const std::string return_type = req.get_param_value("returnType");
  if (return_type != "application/json" && return_type != "json") {
    result(res, k_processing,
           fmt::format("returnType must be application/json (got '{}'); the sandbox answers JSON only.", return_type));
    return;
  }
  const std::string name = lower(method);
  if (name == "certificationapi.createcertificationkey") {
    create_key(sandbox, req, res, market, key);
  } else if (name == "shippingbasic.getshippinginfo_v2") {
    shipping_info(sandbox, req, res, market, key);
  } else if (name == "shippingbasic.setsendinginfo") {
    set_sending_info(sandbox, req, res, market, key);
  } else if (const std::string endpoint = qoo10_stock_endpoint(name); !endpoint.empty()) {
    market.endpoint = endpoint;
    const std::string seller = authenticate(sandbox, res, market, key);
    if (!seller.empty()) {
      market.account = seller;
      handle_qoo10_stock(sandbox, req, res, seller, name);
    }
  } else {
    error_code(res, 200, k_no_api, fmt::format("API does not exist: {}", method));
  }
}

} // namespace uoms::sandbox
