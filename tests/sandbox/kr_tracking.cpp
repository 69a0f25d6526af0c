// Tracking write-backs of Coupang (coupang.md §2.3 acknowledgement, §2.4 invoices, §2.7
// codes) and Smartstore (smartstore.md §1.4 confirmation, §1.5 dispatch, §1.8 codes), the
// ledger they keep, and the control calls that read it (/__sandbox/tracking) and cancel
// orders between a collect and an upload (/__sandbox/cancel).

#include "sandbox.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

namespace uoms::sandbox {

namespace {

constexpr std::size_t k_max_acknowledge = 50; // coupang.md §2.3
// coupang.md §2.4 leaves the DTO limit UNCONFIRMED; the sandbox takes the acknowledgement's 50.
constexpr std::size_t k_max_invoice_dtos = 50;

// coupang.md §2.7 codes with the names order sheets show.
const std::map<std::string, std::string>& coupang_carriers()
{
  static const std::map<std::string, std::string> codes = {
      {"CJGLS", "CJ 대한통운"}, {"HANJIN", "한진택배"},   {"EPOST", "우체국"},      {"HYUNDAI", "롯데택배"},
      {"KGB", "로젠택배"},      {"KDEXP", "경동택배"},    {"DIRECT", "업체직송"},   {"ILYANG", "일양택배"},
      {"CHUNIL", "천일택배"},   {"DAESIN", "대신택배"},   {"HDEXP", "합동택배"},    {"CVS", "CVS택배"},
      {"AJOU", "아주택배"},     {"CSLOGIS", "SC로지스"},  {"DHL", "DHL"},           {"UPS", "UPS"},
      {"FEDEX", "FEDEX"},       {"TNT", "TNT"},           {"USPS", "USPS"},         {"EMS", "우체국 EMS"},
      {"REGISTPOST", "우편등기"}};
  return codes;
}

} // namespace

bool kr_plausible_number(const std::string& number, bool any_digits)
{
  const bool all_digits = !number.empty() && std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
  return all_digits && (any_digits || (number.size() >= 8 && number.size() <= 20));
}

namespace {

std::string receiver_of(const Order& order)
{
  return order.receiver.name + "|" + order.address1 + "|" + order.address2;
}

} // namespace

bool kr_used_elsewhere(Sandbox& sandbox, KrTracking& ledger, const std::string& account, const std::string& self,
                    const std::string& number, const Order& mine)
{
  const std::string prefix = account + "/";
  for (const auto& [key, invoice] : ledger.invoices) {
    if (!key.starts_with(prefix) || key == KrTracking::key(account, self) || invoice.number != number) {
      continue;
    }
    const std::string other = key.substr(prefix.size());
    for (const auto& order : sandbox.store.orders(account)) {
      const bool same = order.kind == Kind::coupang ? std::to_string(order.shipment_box_id) == other
                                                    : std::any_of(order.items.begin(), order.items.end(),
                                                                  [&](const Item& i) { return i.product_order_id == other; });
      if (same && receiver_of(order) != receiver_of(mine)) {
        return true;
      }
    }
  }
  return false;
}

namespace {

void coupang_error(httplib::Response& res, int status, const std::string& message)
{
  res.status = status;
  res.set_content(json{{"code", status}, {"message", message}, {"data", nullptr}}.dump(), "application/json;charset=UTF-8");
}

// {"code":"200","message":"OK","data":{responseCode, responseMessage, responseList}} (§2.4).
void coupang_results(httplib::Response& res, const json& list)
{
  const auto failed = std::count_if(list.begin(), list.end(), [](const json& e) { return e["resultCode"] != "OK"; });
  const int code = failed == 0 ? 0 : failed == static_cast<long>(list.size()) ? 99 : 1;
  const char* message = code == 0 ? "SUCCESS" : code == 1 ? "PARTIAL_ERROR" : "FAILED";
  res.status = 200;
  res.set_content(json{{"code", "200"},
                       {"message", "OK"},
                       {"data", {{"responseCode", code}, {"responseMessage", message}, {"responseList", list}}}}
                      .dump(),
                  "application/json;charset=UTF-8");
}

json result(long long box, const std::string& code, bool retry, const std::string& message)
{
  return {{"shipmentBoxId", box},
          {"succeed", code == "OK"},
          {"resultCode", code},
          {"retryRequired", retry},
          {"resultMessage", code == "OK" ? json(nullptr) : json(message)}};
}

void acknowledge(Sandbox& sandbox, const json& body, httplib::Response& res, const AccountConfig& account)
{
  const json ids = body.value("shipmentBoxIds", json());
  if (!ids.is_array() || ids.empty() || ids.size() > k_max_acknowledge ||
      !std::all_of(ids.begin(), ids.end(), [](const json& id) { return id.is_number_integer(); })) {
    coupang_error(res, 400, "shipmentBoxIds must hold 1 to 50 shipmentBoxIds (numbers).");
    return;
  }
  KrTracking& ledger = kr_tracking();
  std::lock_guard lock(ledger.mutex);
  json list = json::array();
  for (const auto& id : ids) {
    const long long box = id.get<long long>();
    const auto order = sandbox.store.find_coupang_box(account.id, box);
    if (!order) {
      list.push_back(result(box, "NOT_FOUND_SHIPMENT_BOX", false, "발주서를 찾을 수 없습니다."));
    } else if (ledger.cancelled.contains(KrTracking::key(account.id, std::to_string(box)))) {
      list.push_back(result(box, "ORDER_DELIVERY_CANCELED", false, "취소된 주문입니다."));
    } else if (order->status != "ACCEPT") {
      list.push_back(result(box, "INVALID_STATUS", false, fmt::format("발주서 상태가 ACCEPT가 아닙니다 ({}).", order->status)));
    } else {
      sandbox.store.mutate(account.id, std::nullopt, {std::to_string(box)}, "INSTRUCT");
      list.push_back(result(box, "OK", false, ""));
    }
  }
  coupang_results(res, list);
}

// One DTO's fields with the types §2.4 gives; the first problem, or "".
std::string dto_problem(const json& dto)
{
  for (const char* key : {"shipmentBoxId", "orderId", "vendorItemId"}) {
    if (!dto.contains(key) || !dto[key].is_number_integer()) {
      return fmt::format("{} is required (a number).", key);
    }
  }
  for (const char* key : {"deliveryCompanyCode", "invoiceNumber", "estimatedShippingDate"}) {
    if (!dto.contains(key) || !dto[key].is_string()) {
      return fmt::format("{} is required (a string).", key);
    }
  }
  for (const char* key : {"splitShipping", "preSplitShipped"}) {
    if (!dto.contains(key) || !dto[key].is_boolean()) {
      return fmt::format("{} is required (a boolean).", key);
    }
  }
  if (!coupang_carriers().contains(dto["deliveryCompanyCode"].get<std::string>())) {
    return fmt::format("Invalid deliveryCompanyCode '{}'.", dto["deliveryCompanyCode"].get<std::string>());
  }
  return {};
}

void invoices(Sandbox& sandbox, const json& body, httplib::Response& res, const AccountConfig& account)
{
  const json dtos = body.value("orderSheetInvoiceApplyDtos", json());
  if (!dtos.is_array() || dtos.empty() || dtos.size() > k_max_invoice_dtos) {
    coupang_error(res, 400, "orderSheetInvoiceApplyDtos must hold 1 to 50 DTOs.");
    return;
  }
  std::vector<long long> boxes; // in order of first appearance
  for (const auto& dto : dtos) {
    if (const std::string problem = dto.is_object() ? dto_problem(dto) : "a DTO must be an object."; !problem.empty()) {
      coupang_error(res, 400, problem);
      return;
    }
    if (std::find(boxes.begin(), boxes.end(), dto["shipmentBoxId"].get<long long>()) == boxes.end()) {
      boxes.push_back(dto["shipmentBoxId"].get<long long>());
    }
  }
  KrTracking& ledger = kr_tracking();
  std::lock_guard lock(ledger.mutex);
  json list = json::array();
  for (const long long box : boxes) {
    std::vector<json> mine;
    for (const auto& dto : dtos) {
      if (dto["shipmentBoxId"].get<long long>() == box) {
        mine.push_back(dto);
      }
    }
    const std::string number = mine.front()["invoiceNumber"].get<std::string>();
    const std::string carrier = mine.front()["deliveryCompanyCode"].get<std::string>();
    const std::string key = KrTracking::key(account.id, std::to_string(box));
    const auto order = sandbox.store.find_coupang_box(account.id, box);
    std::set<long long> wanted;
    bool consistent = true;
    for (const auto& dto : mine) {
      wanted.insert(dto["vendorItemId"].get<long long>());
      consistent = consistent && dto["invoiceNumber"] == number && dto["deliveryCompanyCode"] == carrier;
    }
    std::set<long long> has;
    if (order) {
      for (const auto& item : order->items) {
        has.insert(item.vendor_item_id);
      }
    }
    std::string code = "OK";
    bool retry = false;
    std::string message;
    if (!order || order->order_id != mine.front()["orderId"].get<long long>()) {
      code = "NOT_FOUND_SHIPMENT_BOX", message = "발주서를 찾을 수 없습니다.";
    } else if (ledger.cancelled.contains(key)) {
      code = "ORDER_DELIVERY_CANCELED", message = "취소 또는 출고중지 요청된 주문입니다.";
    } else if (ledger.invoices.contains(key)) {
      code = "NOT_ALLOW_INVOICE_NUMBER_RE_UPLOAD", message = "이미 송장이 등록된 발주서입니다. 송장 수정을 이용하세요.";
    } else if (order->status != "INSTRUCT") {
      code = "INVALID_STATUS", message = fmt::format("상품준비중(INSTRUCT) 상태가 아닙니다 ({}).", order->status);
    } else if (wanted != has) {
      code = "NOT_FOUND_VENDOR_ITEM", message = "묶음배송 상품 중 누락된 상품이 있습니다.";
    } else if (!consistent || !kr_plausible_number(number, carrier == "DIRECT")) {
      code = "INVALID_INVOICE_NUMBER", retry = true, message = fmt::format("유효하지 않은 송장번호입니다 ({}).", number);
    } else if (kr_used_elsewhere(sandbox, ledger, account.id, std::to_string(box), number, *order)) {
      code = "DUPLICATE_INVOICE_NUMBER", retry = true, message = fmt::format("6개월 내 사용된 송장번호입니다 ({}).", number);
    }
    if (code == "OK") {
      ledger.invoices[key] = {carrier, number, now()};
      sandbox.store.mutate(account.id, std::nullopt, {std::to_string(box)}, "DEPARTURE");
    }
    for (const auto& dto : mine) {
      ledger.received.push_back({"coupang", account.id, std::to_string(dto["orderId"].get<long long>()), std::to_string(box),
                                 std::to_string(dto["vendorItemId"].get<long long>()), dto["deliveryCompanyCode"],
                                 dto["invoiceNumber"], code, now()});
    }
    list.push_back(result(box, code, retry, message));
  }
  coupang_results(res, list);
}

// POST orders/updateInvoices (coupang.md §2.4, end): corrects a registered invoice, with the
// DTO shape and per-box answers of orders/invoices, only in DEPARTURE, DELIVERING,
// FINAL_DELIVERY or NONE_TRACKING. The box's invoice becomes the new one; its status stays.
void update_invoices(Sandbox& sandbox, const json& body, httplib::Response& res, const AccountConfig& account)
{
  static const std::set<std::string> k_correctable{"DEPARTURE", "DELIVERING", "FINAL_DELIVERY", "NONE_TRACKING"};
  const json dtos = body.value("orderSheetInvoiceApplyDtos", json());
  if (!dtos.is_array() || dtos.empty() || dtos.size() > k_max_invoice_dtos) {
    coupang_error(res, 400, "orderSheetInvoiceApplyDtos must hold 1 to 50 DTOs.");
    return;
  }
  std::vector<long long> boxes; // in order of first appearance
  for (const auto& dto : dtos) {
    if (const std::string problem = dto.is_object() ? dto_problem(dto) : "a DTO must be an object."; !problem.empty()) {
      coupang_error(res, 400, problem);
      return;
    }
    if (std::find(boxes.begin(), boxes.end(), dto["shipmentBoxId"].get<long long>()) == boxes.end()) {
      boxes.push_back(dto["shipmentBoxId"].get<long long>());
    }
  }
  KrTracking& ledger = kr_tracking();
  std::lock_guard lock(ledger.mutex);
  json list = json::array();
  for (const long long box : boxes) {
    std::vector<json> mine;
    for (const auto& dto : dtos) {
      if (dto["shipmentBoxId"].get<long long>() == box) {
        mine.push_back(dto);
      }
    }
    const std::string number = mine.front()["invoiceNumber"].get<std::string>();
    const std::string carrier = mine.front()["deliveryCompanyCode"].get<std::string>();
    const std::string key = KrTracking::key(account.id, std::to_string(box));
    const auto order = sandbox.store.find_coupang_box(account.id, box);
    std::set<long long> wanted;
    bool consistent = true;
    for (const auto& dto : mine) {
      wanted.insert(dto["vendorItemId"].get<long long>());
      consistent = consistent && dto["invoiceNumber"] == number && dto["deliveryCompanyCode"] == carrier;
    }
    std::set<long long> has;
    if (order) {
      for (const auto& item : order->items) {
        has.insert(item.vendor_item_id);
      }
    }
    std::string code = "OK";
    bool retry = false;
    std::string message;
    if (!order || order->order_id != mine.front()["orderId"].get<long long>()) {
      code = "NOT_FOUND_SHIPMENT_BOX", message = "발주서를 찾을 수 없습니다.";
    } else if (ledger.cancelled.contains(key)) {
      code = "ORDER_DELIVERY_CANCELED", message = "취소 또는 출고중지 요청된 주문입니다.";
    } else if (!ledger.invoices.contains(key)) {
      code = "NOT_FOUND_INVOICE_NUMBER", message = "등록된 송장이 없습니다. 송장 업로드를 이용하세요.";
    } else if (!k_correctable.contains(order->status)) {
      code = "INVALID_STATUS",
      message = fmt::format("송장 수정은 배송지시/배송중/배송완료/업체직송 상태에서만 가능합니다 ({}).", order->status);
    } else if (wanted != has) {
      code = "NOT_FOUND_VENDOR_ITEM", message = "묶음배송 상품 중 누락된 상품이 있습니다.";
    } else if (!consistent || !kr_plausible_number(number, carrier == "DIRECT")) {
      code = "INVALID_INVOICE_NUMBER", retry = true, message = fmt::format("유효하지 않은 송장번호입니다 ({}).", number);
    } else if (kr_used_elsewhere(sandbox, ledger, account.id, std::to_string(box), number, *order)) {
      code = "DUPLICATE_INVOICE_NUMBER", retry = true, message = fmt::format("6개월 내 사용된 송장번호입니다 ({}).", number);
    }
    if (code == "OK") {
      ledger.invoices[key] = {carrier, number, now()};
      // The change time moves so a later collect sees the new invoice; the status stays.
      sandbox.store.mutate(account.id, std::nullopt, {std::to_string(box)}, order->status);
    }
    for (const auto& dto : mine) {
      ledger.received.push_back({"coupang", account.id, std::to_string(dto["orderId"].get<long long>()), std::to_string(box),
                                 std::to_string(dto["vendorItemId"].get<long long>()), dto["deliveryCompanyCode"],
                                 dto["invoiceNumber"], code, now(), "updateInvoices"});
    }
    list.push_back(result(box, code, retry, message));
  }
  coupang_results(res, list);
}

} // namespace

KrTracking& kr_tracking()
{
  static KrTracking ledger;
  return ledger;
}

bool coupang_refused(const Marketplace& market, httplib::Response& res, bool method_ok, const std::string& vendor,
                     const AccountConfig& account)
{
  if (!method_ok) {
    gateway_error(market, res, 405, "ERROR", "Method Not Allowed");
    return true;
  }
  if (vendor != account.id) {
    gateway_error(market, res, 403, "ERROR", fmt::format("[FORBIDDEN] vendorId {} is not allowed for this access key.", vendor));
    return true;
  }
  return false;
}

bool handle_coupang_writes(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market,
                           const AccountConfig& account)
{
  static const std::regex acknowledgement(R"(^/v2/providers/openapi/apis/api/v4/vendors/([^/]+)/ordersheets/acknowledgement$)");
  static const std::regex invoice(R"(^/v2/providers/openapi/apis/api/v4/vendors/([^/]+)/orders/(invoices|updateInvoices)$)");
  std::smatch m;
  const bool is_ack = std::regex_match(req.path, m, acknowledgement);
  if (!is_ack && !std::regex_match(req.path, m, invoice)) {
    return false;
  }
  const bool is_update = !is_ack && m[2].str() == "updateInvoices";
  market.endpoint = is_ack ? "coupang.acknowledgement" : is_update ? "coupang.updateInvoices" : "coupang.invoices";
  // The acknowledgement is PUT or PATCH (coupang.md §2.3 lists both); invoices are POST.
  const bool method_ok = is_ack ? (req.method == "PUT" || req.method == "PATCH") : req.method == "POST";
  if (coupang_refused(market, res, method_ok, m[1].str(), account)) {
    return true;
  }
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || body.value("vendorId", json()) != account.id) {
    coupang_error(res, 400, "The body must be a JSON object whose vendorId is the path's vendorId.");
    return true;
  }
  if (is_ack) {
    acknowledge(sandbox, body, res, account);
  } else if (is_update) {
    update_invoices(sandbox, body, res, account);
  } else {
    invoices(sandbox, body, res, account);
  }
  return true;
}

void overlay_coupang_box(const Order& order, json& box)
{
  KrTracking& ledger = kr_tracking();
  std::lock_guard lock(ledger.mutex);
  const std::string key = KrTracking::key(order.account, std::to_string(order.shipment_box_id));
  if (const auto it = ledger.invoices.find(key); it != ledger.invoices.end()) {
    box["invoiceNumber"] = it->second.number;
    box["deliveryCompanyName"] = coupang_carriers().at(it->second.carrier);
  }
  if (ledger.cancelled.contains(key)) {
    for (auto& item : box["orderItems"]) {
      item["canceled"] = true;
      item["cancelCount"] = item["shippingCount"];
    }
  }
}

namespace {

json received_json(const KrReceived& r)
{
  return {{"kind", r.kind},       {"account", r.account},   {"order_id", r.order_id},
          {"shipment", r.shipment}, {"item", r.item},       {"carrier", r.carrier},
          {"tracking_number", r.number}, {"result", r.result}, {"call", r.call},
          {"received_at", format_time(r.at, std::chrono::minutes{0}, "%Y-%m-%dT%H:%M:%S.%LZ")}};
}

// Cancels (or, for Smartstore with "request": true, asks to cancel) what `id` names: a
// Coupang shipmentBoxId or orderId, a Smartstore orderId or productOrderId. The change
// time moves, so a later collect sees it.
json cancel(Sandbox& sandbox, const std::string& account, const std::string& id, bool request)
{
  KrTracking& ledger = kr_tracking();
  json touched = json::array();
  for (const auto& order : sandbox.store.orders(account)) {
    if (order.kind == Kind::coupang) {
      if (std::to_string(order.shipment_box_id) != id && std::to_string(order.order_id) != id) {
        continue;
      }
      {
        std::lock_guard lock(ledger.mutex);
        ledger.cancelled[KrTracking::key(account, std::to_string(order.shipment_box_id))] = true;
      }
      const json rows = sandbox.store.mutate(account, std::nullopt, {std::to_string(order.shipment_box_id)}, order.status);
      touched.insert(touched.end(), rows.begin(), rows.end());
      continue;
    }
    for (const auto& item : order.items) {
      if (order.naver_order_id != id && item.product_order_id != id) {
        continue;
      }
      {
        std::lock_guard lock(ledger.mutex);
        ledger.cancelled[KrTracking::key(account, item.product_order_id)] = !request;
      }
      const json rows = sandbox.store.mutate(account, std::nullopt, {item.product_order_id}, request ? item.status : "CANCELED");
      touched.insert(touched.end(), rows.begin(), rows.end());
    }
  }
  if (touched.empty()) {
    throw std::invalid_argument("unknown id " + id);
  }
  return touched;
}

} // namespace

bool handle_kr_control(Sandbox& sandbox, const std::string& what, const httplib::Request& req, httplib::Response& res)
{
  const auto send = [&](int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(2), "application/json;charset=UTF-8");
  };
  // Coupang and Smartstore take `account` (and `ids`); a request naming a `kind` is for the
  // Shopee, PlayAuto and Qoo10 ledger (tracking.cpp).
  if (req.has_param("kind")) {
    return false;
  }
  if (what == "tracking" && (req.method == "GET" || req.method == "DELETE")) {
    KrTracking& ledger = kr_tracking();
    std::lock_guard lock(ledger.mutex);
    const std::string account = req.get_param_value("account");
    json rows = json::array();
    for (const auto& r : ledger.received) {
      if (account.empty() || r.account == account) {
        rows.push_back(received_json(r));
      }
    }
    if (req.method == "DELETE") {
      ledger.received.clear();
    }
    send(200, {{"count", rows.size()}, {"received", rows}});
    return true;
  }
  if (what != "cancel" || req.method != "POST") {
    return false;
  }
  try {
    const json body = json::parse(req.body.empty() ? "{}" : req.body);
    if (body.is_object() && body.contains("kind")) {
      return false;
    }
    const std::string account = body.value("account", "");
    const AccountConfig* config = sandbox.account(Kind::coupang, account);
    if (config == nullptr) {
      config = sandbox.account(Kind::smartstore, account);
    }
    if (config == nullptr) {
      send(404, {{"error", "no coupang or smartstore account " + account}});
      return true;
    }
    const bool request = body.value("request", false);
    if (request && config->kind == Kind::coupang) {
      send(400, {{"error", "\"request\" is for smartstore accounts"}});
      return true;
    }
    json touched = json::array();
    for (const auto& id : body.value("ids", json::array())) {
      const json rows = cancel(sandbox, account, id.is_string() ? id.get<std::string>() : id.dump(), request);
      touched.insert(touched.end(), rows.begin(), rows.end());
    }
    if (touched.empty()) {
      send(400, {{"error", "cancel needs \"ids\""}});
      return true;
    }
    send(200, {{"count", touched.size()}, {"orders", touched}});
  } catch (const std::exception& e) {
    send(400, {{"error", e.what()}});
  }
  return true;
}

} // namespace uoms::sandbox
