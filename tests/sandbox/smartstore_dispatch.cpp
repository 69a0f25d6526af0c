// Smartstore tracking write-backs (smartstore.md §1.4 place-order confirmation, §1.5
// dispatch, §1.8 carrier codes) and orders/{orderId}/product-order-ids, over the ledger of
// kr_tracking.cpp.

#include "sandbox.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

namespace uoms::sandbox {

namespace {

constexpr std::size_t k_max_naver_ids = 30; // smartstore.md §1.4, §1.5

// smartstore.md §1.8's rows (the first of about 200).
const std::set<std::string>& naver_carriers()
{
  static const std::set<std::string> codes = {"CJGLS", "HYUNDAI", "HANJIN", "KGB",   "EPOST", "KDEXP", "DAESIN",
                                              "ILYANG", "CHUNIL", "HDEXP", "CVSNET", "CUPARCEL", "REGISTPOST",
                                              "KOREXG", "EMS",    "DHL",   "FEDEX", "UPS",   "USPS",  "TNT", "CH1"};
  return codes;
}

// --- Smartstore ---------------------------------------------------------------------------

const std::string k_naver_base = "/external/v1/pay-order/seller";

bool final_naver(const std::string& status)
{
  return status == "CANCELED" || status == "CANCELED_BY_NOPAYMENT" || status == "RETURNED" || status == "EXCHANGED";
}

json naver_fail(const std::string& id, const std::string& code, const std::string& message)
{
  return {{"productOrderId", id}, {"code", code}, {"message", message}};
}

std::optional<std::pair<Order, Item>> product_order(Sandbox& sandbox, const std::string& client, const std::string& id)
{
  const auto found = sandbox.store.smartstore_by_product_order_ids(client, {id});
  if (found.empty()) {
    return std::nullopt;
  }
  return std::make_pair(found.front().first, found.front().first.items[found.front().second]);
}

// The product order ids of a request body's `field`, 1 to 30 strings; nullopt after a 400.
std::optional<std::vector<std::string>> naver_ids(httplib::Response& res, const json& list, const std::string& field,
                                                  bool objects)
{
  if (!list.is_array() || list.empty() || list.size() > k_max_naver_ids) {
    smartstore_bad_request(res, field, fmt::format("{} must hold 1 to 30 product orders", field));
    return std::nullopt;
  }
  std::vector<std::string> ids;
  for (const auto& entry : list) {
    const json& id = objects ? (entry.is_object() ? entry.value("productOrderId", json()) : json()) : entry;
    if (!id.is_string()) {
      smartstore_bad_request(res, field, "productOrderId must be a string");
      return std::nullopt;
    }
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

void naver_results(httplib::Response& res, const json& success, const json& failed)
{
  smartstore_reply(res, 200, {{"data", {{"successProductOrderIds", success}, {"failProductOrderInfos", failed}}}});
}

void confirm(Sandbox& sandbox, const json& body, httplib::Response& res, const std::string& client)
{
  const auto ids = naver_ids(res, body.value("productOrderIds", json()), "productOrderIds", false);
  if (!ids) {
    return;
  }
  KrTracking& ledger = kr_tracking();
  std::lock_guard lock(ledger.mutex);
  json success = json::array();
  json failed = json::array();
  for (const auto& id : *ids) {
    const auto found = product_order(sandbox, client, id);
    const std::string key = KrTracking::key(client, id);
    if (!found) {
      failed.push_back(naver_fail(id, "100001", "상품주문번호를 찾을 수 없습니다."));
    } else if (found->second.status != "PAYED" || ledger.cancelled.contains(key)) {
      failed.push_back(naver_fail(id, "104442", fmt::format("상품주문 상태를 확인해 주세요 ({}).", found->second.status)));
    } else {
      ledger.confirmed[key] = true;
      success.push_back(id);
    }
  }
  naver_results(res, success, failed);
}

bool plausible_dispatch_date(const json& value)
{
  const auto at = value.is_string() ? parse_smartstore_time(value.get<std::string>()) : std::nullopt;
  // The allowed range is UNCONFIRMED (smartstore.md §1.5): the sandbox takes the last 30
  // days up to 10 minutes ahead.
  return at && *at <= now() + std::chrono::minutes{10} && *at >= now() - std::chrono::days{30};
}

void dispatch(Sandbox& sandbox, const json& body, httplib::Response& res, const std::string& client)
{
  const json list = body.value("dispatchProductOrders", json());
  const auto ids = naver_ids(res, list, "dispatchProductOrders", true);
  if (!ids) {
    return;
  }
  static const std::set<std::string> methods = {"DELIVERY", "GDFW_ISSUE_SVC", "VISIT_RECEIPT", "DIRECT_DELIVERY",
                                                "QUICK_SVC", "NOTHING", "RETURN_DESIGNATED", "RETURN_DELIVERY",
                                                "RETURN_INDIVIDUAL", "RETURN_MERCHANT", "UNKNOWN"};
  KrTracking& ledger = kr_tracking();
  std::lock_guard lock(ledger.mutex);
  json success = json::array();
  json failed = json::array();
  std::set<std::string> seen;
  for (const auto& entry : list) {
    const std::string id = entry["productOrderId"].get<std::string>();
    const std::string method = entry.value("deliveryMethod", "");
    const std::string carrier = entry.value("deliveryCompanyCode", "");
    const std::string number = entry.value("trackingNumber", "");
    const std::string key = KrTracking::key(client, id);
    const auto found = product_order(sandbox, client, id);
    std::string code;
    std::string message;
    if (!seen.insert(id).second) {
      code = "104131", message = "중복된 상품주문번호입니다.";
    } else if (!found) {
      code = "100001", message = "상품주문번호를 찾을 수 없습니다.";
    } else if (!methods.contains(method)) {
      code = "4000", message = fmt::format("deliveryMethod '{}' is not valid", method);
    } else if (!plausible_dispatch_date(entry.value("dispatchDate", json()))) {
      code = "104105", message = "발송일 범위를 초과했습니다 (yyyy-MM-dd'T'HH:mm:ss.SSS+09:00, 최근 30일).";
    } else if (method == "DELIVERY" && carrier.empty()) {
      code = "104118", message = "택배사를 입력해 주세요.";
    } else if (method == "DELIVERY" && !naver_carriers().contains(carrier)) {
      code = "104119", message = fmt::format("택배사 코드를 확인해 주세요 ({}).", carrier);
    } else if (method == "DELIVERY" && number.empty()) {
      code = "104120", message = "송장번호를 입력해 주세요.";
    } else if (method == "DELIVERY" && !kr_plausible_number(number, false)) {
      code = "104122", message = fmt::format("유효하지 않은 송장번호입니다 ({}).", number);
    } else if (found->second.status != "PAYED" && found->second.status != "PAYMENT_WAITING" &&
               !final_naver(found->second.status)) {
      code = "105306", message = fmt::format("요청한 상태가 현재 상태와 같습니다 ({}).", found->second.status);
    } else if (found->second.status != "PAYED" || ledger.cancelled.contains(key)) {
      code = "104442", message = fmt::format("상품주문 상태를 확인해 주세요 ({}{}).", found->second.status,
                                             ledger.cancelled.contains(key) ? ", 취소요청" : "");
    } else if (!ledger.confirmed.contains(key)) {
      code = "104443", message = "발주 상태 확인이 필요합니다 (발주확인 후 발송처리).";
    } else if (kr_used_elsewhere(sandbox, ledger, client, id, number, found->first)) {
      code = "104121", message = fmt::format("이미 사용된 송장번호입니다 ({}).", number);
    }
    if (code.empty()) {
      ledger.invoices[key] = {carrier, number, now()};
      sandbox.store.mutate(client, std::nullopt, {id}, "DELIVERING");
      success.push_back(id);
    } else {
      failed.push_back(naver_fail(id, code, message));
    }
    ledger.received.push_back({"smartstore", client, found ? found->first.naver_order_id : "", id, id, carrier, number,
                               code.empty() ? "OK" : code, now()});
  }
  naver_results(res, success, failed);
}

} // namespace

std::string smartstore_write_endpoint(const httplib::Request& req)
{
  static const std::regex ids(R"(^/external/v1/pay-order/seller/orders/([^/]+)/product-order-ids$)");
  if (req.method == "POST" && req.path == k_naver_base + "/product-orders/confirm") {
    return "smartstore.confirm";
  }
  if (req.method == "POST" && req.path == k_naver_base + "/product-orders/dispatch") {
    return "smartstore.dispatch";
  }
  if (req.method == "GET" && std::regex_match(req.path, ids)) {
    return "smartstore.product_order_ids";
  }
  return {};
}

void handle_smartstore_write(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, const std::string& client)
{
  const std::string endpoint = smartstore_write_endpoint(req);
  if (endpoint == "smartstore.product_order_ids") {
    const std::string order_id = req.path.substr(k_naver_base.size() + std::string_view("/orders/").size(),
                                                 req.path.size() - k_naver_base.size() - std::string_view("/orders//product-order-ids").size());
    json ids = json::array();
    for (const auto& order : sandbox.store.orders(client)) {
      if (order.naver_order_id == order_id) {
        for (const auto& item : order.items) {
          ids.push_back(item.product_order_id);
        }
      }
    }
    if (ids.empty()) {
      smartstore_reply(res, 400, {{"code", "100003"}, {"message", "주문번호를 찾을 수 없습니다: " + order_id}});
      return;
    }
    smartstore_reply(res, 200, {{"data", ids}});
    return;
  }
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    smartstore_bad_request(res, "body", "the body must be a JSON object");
  } else if (endpoint == "smartstore.confirm") {
    confirm(sandbox, body, res, client);
  } else {
    dispatch(sandbox, body, res, client);
  }
}

void overlay_smartstore(const Order& order, const Item& item, json& detail)
{
  KrTracking& ledger = kr_tracking();
  std::lock_guard lock(ledger.mutex);
  const std::string key = KrTracking::key(order.account, item.product_order_id);
  if (ledger.confirmed.contains(key) && item.status == "PAYED") {
    detail["productOrder"]["placeOrderStatus"] = "OK";
    detail["productOrder"]["placeOrderDate"] = format_time(now(), k_kst, "%Y-%m-%dT%H:%M:%S.%L%z");
  }
  if (const auto it = ledger.invoices.find(key); it != ledger.invoices.end()) {
    detail["productOrder"]["placeOrderStatus"] = "OK";
    if (!detail.contains("delivery")) {
      detail["delivery"] = {{"deliveryMethod", "DELIVERY"}, {"deliveryStatus", "DELIVERING"}, {"isWrongTrackingNumber", false}};
    }
    detail["delivery"]["deliveryCompany"] = it->second.carrier;
    detail["delivery"]["trackingNumber"] = it->second.number;
    detail["delivery"]["sendDate"] = format_time(it->second.at, k_kst, "%Y-%m-%dT%H:%M:%S.%L%z");
  }
  if (const auto it = ledger.cancelled.find(key); it != ledger.cancelled.end() && !it->second && item.status == "PAYED") {
    detail["productOrder"]["claimType"] = "CANCEL";
    detail["productOrder"]["claimStatus"] = "CANCEL_REQUEST";
    detail["cancel"] = {{"claimId", "C" + item.product_order_id}, {"claimStatus", "CANCEL_REQUEST"}, {"requestChannel", "구매자"}};
  }
}

} // namespace uoms::sandbox
