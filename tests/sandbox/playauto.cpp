// PlayAuto Open API (playauto.md §3.1, §3.2, §3.7), base `/api`: POST /auth (x-api-key +
// email/password -> [{token, sol_no}]), and POST /orders with `x-api-key` and
// `Authorization: Token …`, date_type + sdate/edate (KST days), start/length paging with
// length <= 3000, one row per order line (uniq) with its bundle_no. Errors are
// {error_code, messages}.

#include "sandbox.hpp"
#include "tracking.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <tuple>

namespace uoms::sandbox {

namespace {

const std::string k_auth_path = "/api/auth";
const std::string k_orders_path = "/api/orders";
const std::string k_carriers_path = "/api/carriers";
const std::string k_instruction_path = "/api/order/instruction";
const std::string k_invoice_path = "/api/order/setInvoice";
constexpr long long k_max_length = 3000;
constexpr long long k_default_length = 500;

constexpr std::array<std::string_view, 12> k_date_types{"wdate",           "mdate",           "ord_time",
                                                        "pay_time",        "ord_status_mdate", "ship_plan_date",
                                                        "ord_confirm_time", "out_order_time",  "out_time",
                                                        "invoice_send_time", "api_read_time",  "claim_com_time"};

const std::map<std::string, std::string> k_shop_names{
    {"A001", "옥션"}, {"A006", "G마켓"}, {"A077", "스마트스토어"}, {"A112", "11번가"}, {"B378", "쿠팡"}};

void error(httplib::Response& res, int status, const std::string& code, const std::string& message)
{
  res.status = status;
  res.set_content(json{{"error_code", code}, {"messages", json::array({message})}}.dump(),
                  "application/json;charset=UTF-8");
}

bool equal_secret(const std::string& given, const std::string& expected)
{
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

const AccountConfig* by_api_key(const Sandbox& sandbox, const std::string& key)
{
  for (const auto& a : sandbox.config.accounts) {
    if (a.kind == Kind::playauto && !key.empty() && equal_secret(key, a.api_key)) {
      return &a;
    }
  }
  return nullptr;
}

std::optional<json> json_body(const httplib::Request& req, httplib::Response& res)
{
  if (!req.get_header_value("Content-Type").starts_with("application/json")) {
    error(res, 400, "o2001", "The body must be JSON (Content-Type: application/json).");
    return std::nullopt;
  }
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    error(res, 400, "o2001", "The body is not a JSON object.");
    return std::nullopt;
  }
  return body;
}

void handle_auth(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  const AccountConfig* account = by_api_key(sandbox, req.get_header_value("x-api-key"));
  if (account == nullptr) {
    sandbox.stats.signature_failure(market.account);
    error(res, 401, "e1001", "x-api-key is missing or not valid.");
    return;
  }
  const auto body = json_body(req, res);
  if (!body) {
    return;
  }
  const std::string email = body->value("email", "");
  const std::string password = body->value("password", "");
  if (email != account->id || !equal_secret(password, account->password)) {
    sandbox.stats.signature_failure(account->id);
    error(res, 401, "e1002", "The email or password is not correct.");
    return;
  }
  market.account = account->id;
  const std::string token = random_hex(24);
  {
    std::lock_guard lock(sandbox.tokens_mutex);
    sandbox.playauto_tokens[token] = {account->id, now() + std::chrono::seconds{sandbox.config.playauto_token_ttl_s}};
  }
  const long long sol_no = 100000 + static_cast<long long>(std::hash<std::string>{}(account->id) % 900000);
  res.status = 200;
  res.set_content(json::array({{{"token", token}, {"sol_no", sol_no}, {"email", account->id}}}).dump(),
                  "application/json;charset=UTF-8");
}

// The account a request's x-api-key and Token belong to, or nullptr after answering 401.
const AccountConfig* authenticate(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                                  Marketplace& market)
{
  const AccountConfig* account = by_api_key(sandbox, req.get_header_value("x-api-key"));
  if (account == nullptr) {
    sandbox.stats.signature_failure(market.account);
    error(res, 401, "e1001", "x-api-key is missing or not valid.");
    return nullptr;
  }
  const std::string header = req.get_header_value("Authorization");
  if (!header.starts_with("Token ") || header.size() == 6) {
    sandbox.stats.signature_failure(account->id);
    error(res, 401, "e1003", "Authorization: Token <token> is required.");
    return nullptr;
  }
  std::lock_guard lock(sandbox.tokens_mutex);
  const auto it = sandbox.playauto_tokens.find(header.substr(6));
  if (it == sandbox.playauto_tokens.end() || it->second.client_id != account->id) {
    sandbox.stats.signature_failure(account->id);
    error(res, 401, "e1003", "The token is not valid.");
    return nullptr;
  }
  if (it->second.expires <= now()) {
    sandbox.stats.signature_failure(account->id);
    error(res, 401, "e1003", "The token has expired; request a new one with POST /auth.");
    return nullptr;
  }
  return account;
}

// GET /carriers (§3.5). 4, 5 and 6 are the observed values; 25 and 68 come from one client
// (LOW); the other numbers are the sandbox's (the real list has about 165 entries).
const std::vector<std::pair<int, std::string>> k_carriers{
    {4, "CJ대한통운"},  {5, "한진택배"},  {6, "로젠택배"},   {8, "롯데택배"},   {9, "우체국택배"}, {10, "경동택배"},
    {11, "대신택배"},   {12, "일양로지스"}, {13, "천일택배"}, {14, "합동택배"}, {25, "기타"},        {68, "직접배송"}};

std::optional<std::string> carrier_name(const std::string& carr_no)
{
  for (const auto& [code, name] : k_carriers) {
    if (std::to_string(code) == carr_no) {
      return name;
    }
  }
  return std::nullopt;
}

std::string carrier_label(const std::string& carr_no)
{
  return carrier_name(carr_no).value_or("");
}

std::string kst(TimePoint t)
{
  return format_time(t, k_kst, "%Y-%m-%d %H:%M:%S");
}

struct Row
{
  const Order* order;
  const Item* item;
  std::size_t index;
};

// The time a date_type names for one line; zero when the line has none.
TimePoint row_time(const Row& row, const std::string& type)
{
  const Order& o = *row.order;
  if (type == "wdate") {
    return o.collected;
  }
  if (type == "ord_time") {
    return o.created;
  }
  if (type == "pay_time") {
    return o.paid;
  }
  if (type == "ship_plan_date") {
    return o.paid + std::chrono::days{2};
  }
  if (type == "api_read_time") {
    return {};
  }
  // mdate, ord_status_mdate and the status-change times: the line's last change.
  return row.item->changed;
}

json row_json(const Row& row)
{
  const Order& o = *row.order;
  const Item& item = *row.item;
  const bool shipped = item.status == "출고완료" || item.status == "배송중" || item.status == "배송완료" ||
                       item.status == "구매결정" || item.status == "운송장출력";
  const auto shop = k_shop_names.find(o.shop_cd);
  // An invoice setInvoice accepted for the bundle replaces the generated one.
  const auto sent = tracking_ledger().latest(Kind::playauto, o.account, o.bundle_no);
  json carr_no = shipped ? json(4) : json(nullptr);
  std::string carr_name = shipped ? "CJ대한통운" : "";
  std::string invoice_no = shipped ? fmt::format("6{:011}", std::stoll(item.uniq.substr(8)) % 100000000000LL) : "";
  if (sent) {
    carr_no = std::stoi(sent->carrier);
    carr_name = carrier_label(sent->carrier);
    invoice_no = sent->number;
  }
  return {{"uniq", item.uniq},
          {"bundle_no", o.bundle_no},
          {"ord_status", item.status},
          {"shop_cd", o.shop_cd},
          {"shop_name", shop == k_shop_names.end() ? "" : shop->second},
          {"shop_id", fmt::format("seller_{}", o.shop_cd)},
          {"shop_ord_no", o.shop_ord_no},
          {"shop_sale_no", std::to_string(item.product_id)},
          {"shop_sale_name", item.product_name},
          {"shop_opt_name", item.option_name},
          {"sale_cnt", item.quantity},
          {"c_sale_cd", item.sku},
          {"pay_amt", item.unit_price * item.quantity},
          // The bundle's shipping cost, on its first line only.
          {"ship_cost", row.index == 0 ? o.shipping_price : 0},
          {"carr_no", carr_no},
          {"carr_name", carr_name},
          {"invoice_no", invoice_no},
          {"to_name", o.receiver.name},
          {"to_tel", ""},
          {"to_htel", o.receiver.phone},
          {"to_zipcd", o.post_code},
          {"to_addr1", o.address1},
          {"to_addr2", o.address2},
          {"ship_msg", o.memo},
          {"order_name", o.orderer.name},
          {"order_htel", o.orderer.phone},
          {"wdate", kst(o.collected)},
          {"mdate", kst(item.changed)},
          {"ord_time", kst(o.created)},
          {"pay_time", kst(o.paid)}};
}

json prod_json(const Row& row)
{
  const Item& item = *row.item;
  return {{"uniq", item.uniq},
          {"sku_cd", item.sku},
          {"prod_name", item.option_name.empty() ? item.product_name : item.product_name + " " + item.option_name},
          {"opt_sale_cnt", item.quantity},
          {"pack_unit", 1},
          {"stock_cd", item.sku},
          {"barcode", fmt::format("880{:010}", item.vendor_item_id % 10000000000LL)}};
}

std::optional<long long> non_negative(const json& body, const char* name, long long fallback, httplib::Response& res)
{
  if (!body.contains(name)) {
    return fallback;
  }
  const json& v = body[name];
  long long value = -1;
  if (v.is_number_integer()) {
    value = v.get<long long>();
  } else if (v.is_string() && !v.get<std::string>().empty() && v.get<std::string>().size() < 10 &&
             v.get<std::string>().find_first_not_of("0123456789") == std::string::npos) {
    value = std::stoll(v.get<std::string>());
  }
  if (value < 0) {
    error(res, 400, "o2001", fmt::format("{} must be a non-negative integer.", name));
    return std::nullopt;
  }
  return value;
}

void handle_orders(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  const AccountConfig* account = authenticate(sandbox, req, res, market);
  if (account == nullptr) {
    return;
  }
  market.account = account->id;
  const auto body = json_body(req, res);
  if (!body) {
    return;
  }
  const auto start = non_negative(*body, "start", 0, res);
  if (!start) {
    return;
  }
  const auto length = non_negative(*body, "length", k_default_length, res);
  if (!length) {
    return;
  }
  if (*length > k_max_length) {
    error(res, 400, "o2044", fmt::format("length {} is more than 3000 rows.", *length));
    return;
  }
  if (*length == 0) {
    error(res, 400, "o2001", "length must be 1 to 3000.");
    return;
  }
  const std::string date_type = body->value("date_type", "");
  if (date_type.empty()) {
    error(res, 400, "o2001", "date_type is required.");
    return;
  }
  if (std::find(k_date_types.begin(), k_date_types.end(), date_type) == k_date_types.end()) {
    error(res, 400, "o2001", fmt::format("date_type '{}' is not supported.", date_type));
    return;
  }
  std::optional<LocalTime> days[2];
  const char* names[2] = {"sdate", "edate"};
  for (int i = 0; i < 2; ++i) {
    const json value = body->value(names[i], json());
    days[i] = value.is_string() ? parse_dashed_date(value.get<std::string>(), k_kst) : std::nullopt;
    if (!days[i]) {
      error(res, 400, "o2001", fmt::format("{} is required as YYYY-MM-DD (got {}).", names[i], value.dump()));
      return;
    }
  }
  if (days[0]->at > days[1]->at) {
    error(res, 400, "o2001", "sdate must not be after edate.");
    return;
  }
  std::vector<std::string> statuses;
  if (body->contains("status")) {
    const json& status = (*body)["status"];
    if (!status.is_array()) {
      error(res, 400, "o2001", "status must be an array of status strings or [\"ALL\"].");
      return;
    }
    for (const auto& s : status) {
      if (!s.is_string()) {
        error(res, 400, "o2001", "status must be an array of status strings or [\"ALL\"].");
        return;
      }
      if (s.get<std::string>() != "ALL") {
        statuses.push_back(s.get<std::string>());
      }
    }
  }
  // orderby: "<column> asc|desc", default "wdate desc".
  std::string order_column = "wdate";
  bool descending = true;
  if (body->contains("orderby")) {
    const std::string orderby = body->value("orderby", "");
    const auto space = orderby.find(' ');
    order_column = orderby.substr(0, space);
    const std::string direction = space == std::string::npos ? "asc" : orderby.substr(space + 1);
    if ((order_column != "wdate" && order_column != "mdate" && order_column != "ord_time" &&
         order_column != "pay_time") ||
        (direction != "asc" && direction != "desc")) {
      error(res, 400, "o2001",
            fmt::format("orderby '{}' must be one of wdate, mdate, ord_time, pay_time followed by asc or desc.", orderby));
      return;
    }
    descending = direction == "desc";
  }

  // search_key / search_word / search_type (§3.2 lists them without values): the sandbox
  // serves bundle_no, uniq and shop_ord_no, matched exactly or as a substring (partial).
  std::string search_key;
  std::string search_word;
  bool exact = true;
  if (body->contains("search_key") || body->contains("search_word")) {
    search_key = body->value("search_key", "");
    const json word = body->value("search_word", json());
    const std::string type = body->value("search_type", "exact");
    if (search_key != "bundle_no" && search_key != "uniq" && search_key != "shop_ord_no") {
      error(res, 400, "o2001", fmt::format("search_key '{}' is not supported (bundle_no, uniq, shop_ord_no).", search_key));
      return;
    }
    if (!word.is_string() || word.get<std::string>().empty()) {
      error(res, 400, "o2001", "search_word must be a non-empty string.");
      return;
    }
    if (type != "exact" && type != "partial") {
      error(res, 400, "o2001", fmt::format("search_type '{}' must be exact or partial.", type));
      return;
    }
    search_word = word.get<std::string>();
    exact = type == "exact";
  }
  const auto searched = [&](const Row& row) {
    if (search_key.empty()) {
      return true;
    }
    const std::string& value = search_key == "bundle_no" ? row.order->bundle_no
                               : search_key == "uniq"    ? row.item->uniq
                                                         : row.order->shop_ord_no;
    return exact ? value == search_word : value.find(search_word) != std::string::npos;
  };

  // Days are KST and both inclusive.
  const TimePoint from = days[0]->at;
  const TimePoint end = days[1]->at + std::chrono::days{1};
  const std::vector<Order> orders = sandbox.store.orders(account->id);
  std::vector<Row> rows;
  json status_count = json::object();
  for (const auto& order : orders) {
    for (std::size_t i = 0; i < order.items.size(); ++i) {
      const Row row{&order, &order.items[i], i};
      const TimePoint t = row_time(row, date_type);
      if (t == TimePoint{} || t < from || t >= end) {
        continue;
      }
      if (!statuses.empty() && std::find(statuses.begin(), statuses.end(), row.item->status) == statuses.end()) {
        continue;
      }
      if (!searched(row)) {
        continue;
      }
      rows.push_back(row);
      status_count[row.item->status] = status_count.value(row.item->status, 0) + 1;
    }
  }
  // Sorted on the order column, then bundle and uniq, so a bundle's lines sit together
  // (unless mdate splits them).
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    const TimePoint ta = row_time(a, order_column), tb = row_time(b, order_column);
    if (ta != tb) {
      return descending ? ta > tb : ta < tb;
    }
    return std::tie(a.order->bundle_no, a.item->uniq) < std::tie(b.order->bundle_no, b.item->uniq);
  });
  // duplicate_across_pages: the last row of the first page is listed again as the first row
  // of the second (as if a row were inserted ahead of it between the calls); the totals count it.
  const std::size_t page = std::size_t(*length);
  if (account->duplicate_across_pages && rows.size() > page) {
    const Row repeated = rows[page - 1];
    rows.insert(rows.begin() + std::ptrdiff_t(page), repeated);
  }
  json results = json::array();
  json results_prod = json::array();
  for (std::size_t i = std::size_t(*start); i < rows.size() && i < std::size_t(*start) + page; ++i) {
    results.push_back(row_json(rows[i]));
    results_prod.push_back(prod_json(rows[i]));
    served_ids().ids.push_back(rows[i].item->uniq);
  }
  res.status = 200;
  res.set_content(json{{"results", std::move(results)},
                       {"results_prod", std::move(results_prod)},
                       {"recordsTotal", rows.size()},
                       {"recordsFiltered", rows.size()},
                       {"recordsTotalCount", rows.size()},
                       {"statusCount", std::move(status_count)}}
                      .dump(),
                  "application/json;charset=UTF-8");
}

// --- write-back (playauto.md §3.3-§3.5) -----------------------------------------------------------

const std::vector<std::string> k_invoiceable{"출고대기", "출고보류", "운송장출력", "주문재확인", "배송중"};
// Statuses setInvoice leaves as they are (§3.4).
const std::vector<std::string> k_keeps_status{"출고보류", "배송중"};
// A line cancelled on its own stays cancelled while the rest of its bundle ships.
const std::string k_line_cancelled = "취소완료";

bool contains(const std::vector<std::string>& list, const std::string& value)
{
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The invoice a bundle holds: one uploaded through setInvoice, or the generated one of a bundle
// that was already printed or shipped when the sandbox started.
std::optional<std::pair<std::string, std::string>> bundle_invoice(const Order& order)
{
  if (const auto sent = tracking_ledger().latest(Kind::playauto, order.account, order.bundle_no)) {
    return std::pair(sent->carrier, sent->number);
  }
  for (const auto& item : order.items) {
    const json row = row_json({&order, &item, 0});
    if (row["invoice_no"].is_string() && !row["invoice_no"].get<std::string>().empty()) {
      return std::pair(row["carr_no"].dump(), row["invoice_no"].get<std::string>());
    }
  }
  return std::nullopt;
}

std::optional<Order> find_bundle(Sandbox& sandbox, const std::string& account, const std::string& bundle_no)
{
  for (auto& order : sandbox.store.orders(account)) {
    if (order.bundle_no == bundle_no) {
      return std::move(order);
    }
  }
  return std::nullopt;
}

void handle_carriers(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  const AccountConfig* account = authenticate(sandbox, req, res, market);
  if (account == nullptr) {
    return;
  }
  market.account = account->id;
  json list = json::array();
  for (const auto& [code, name] : k_carriers) {
    list.push_back({{"carrier_code", code}, {"carrier_name", name}});
  }
  res.status = 200;
  res.set_content(list.dump(), "application/json;charset=UTF-8");
}

// PUT /order/instruction (§3.3): bundles in 신규주문 move to 출고대기; one bundle that is not a
// new order fails the whole call with e2009.
void handle_instruction(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  const AccountConfig* account = authenticate(sandbox, req, res, market);
  if (account == nullptr) {
    return;
  }
  market.account = account->id;
  const auto body = json_body(req, res);
  if (!body) {
    return;
  }
  const json codes = body->value("bundle_codes", json());
  if (!codes.is_array() || codes.empty() ||
      !std::all_of(codes.begin(), codes.end(), [](const json& c) { return c.is_string() && !c.get<std::string>().empty(); })) {
    error(res, 400, "o2001", "bundle_codes must be a non-empty array of bundle numbers (the sdate/edate form is not served).");
    return;
  }
  auto lock = tracking_ledger().serialise();
  json offending = json::array();
  std::vector<std::string> uniqs;
  for (const auto& code : codes) {
    const auto bundle = find_bundle(sandbox, account->id, code.get<std::string>());
    bool fresh = bundle.has_value();
    bool any_new = false;
    if (bundle) {
      for (const auto& item : bundle->items) {
        if (item.status == "신규주문") {
          any_new = true;
          uniqs.push_back(item.uniq);
        } else if (item.status != k_line_cancelled) {
          fresh = false;
        }
      }
    }
    if (!fresh || !any_new) {
      offending.push_back(code);
    }
  }
  if (!offending.empty()) {
    res.status = 400;
    res.set_content(json{{"error_code", "e2009"},
                         {"messages", json::array({"신규주문 상태가 아닌 주문건이 포함되어 있습니다."})},
                         {"bundle_codes", offending}}
                        .dump(),
                    "application/json;charset=UTF-8");
    return;
  }
  sandbox.store.mutate(account->id, std::nullopt, uniqs, "출고대기");
  res.status = 200;
  res.set_content(json{{"results", "성공"}}.dump(), "application/json;charset=UTF-8");
}

json invoice_failure(const std::string& bundle_no, const std::string& code, const std::string& message)
{
  return {{"bundle_no", bundle_no}, {"result", "실패"}, {"error_code", code}, {"messages", json::array({message})}};
}

// PUT /order/setInvoice (§3.4): one answer element per bundle, "성공" or "실패".
void handle_set_invoice(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  const AccountConfig* account = authenticate(sandbox, req, res, market);
  if (account == nullptr) {
    return;
  }
  market.account = account->id;
  const auto body = json_body(req, res);
  if (!body) {
    return;
  }
  const json orders = body->value("orders", json());
  if (!orders.is_array() || orders.empty()) {
    error(res, 400, "o2001", "orders must be a non-empty array of {bundle_no, carr_no, invoice_no}.");
    return;
  }
  for (const char* flag : {"overwrite", "change_complete"}) {
    if (body->contains(flag) && !(*body)[flag].is_boolean()) {
      error(res, 400, "o2001", fmt::format("{} must be true or false.", flag));
      return;
    }
  }
  if (body->contains("dupl_doubt_except_yn") && body->value("dupl_doubt_except_yn", json()) != "Y" &&
      body->value("dupl_doubt_except_yn", json()) != "N") {
    error(res, 400, "o2001", "dupl_doubt_except_yn must be \"Y\" or \"N\".");
    return;
  }
  const bool overwrite = body->value("overwrite", false);
  const bool complete = body->value("change_complete", false);
  auto lock = tracking_ledger().serialise();
  json answers = json::array();
  for (const auto& entry : orders) {
    const auto text = [&](const char* name) -> std::string {
      const json& v = entry.is_object() ? entry.value(name, json()) : json();
      return v.is_string() ? v.get<std::string>() : std::string();
    };
    const std::string bundle_no = text("bundle_no");
    const std::string carr_no = text("carr_no");
    const std::string invoice_no = text("invoice_no");
    if (bundle_no.empty() || carr_no.empty() || invoice_no.empty()) {
      answers.push_back(invoice_failure(bundle_no, "o2001", "bundle_no, carr_no and invoice_no are required strings."));
      continue;
    }
    if (!carrier_name(carr_no)) {
      answers.push_back(invoice_failure(bundle_no, "o2003", fmt::format("유효하지 않은 택배사 코드입니다: {}", carr_no)));
      continue;
    }
    if (invoice_no.size() > 50 || invoice_no.find_first_not_of("0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != std::string::npos) {
      answers.push_back(invoice_failure(bundle_no, "o2001", "invoice_no must be 1 to 50 letters, digits or '-'."));
      continue;
    }
    const auto bundle = find_bundle(sandbox, account->id, bundle_no);
    std::vector<std::string> shipping; // uniqs that take the invoice
    bool allowed = bundle.has_value();
    std::string blocking;
    if (bundle) {
      for (const auto& item : bundle->items) {
        if (contains(k_invoiceable, item.status)) {
          shipping.push_back(item.uniq);
        } else if (item.status != k_line_cancelled) {
          allowed = false;
          blocking = item.status;
        }
      }
    }
    if (!allowed || shipping.empty()) {
      // Only bundles in the statuses of §3.4 are listed under 출고관리 (shipping management).
      answers.push_back(invoice_failure(
          bundle_no, "e2001",
          bundle ? fmt::format("[출고관리]메뉴에서 조회되지 않는 묶음고유번호입니다. (주문상태: {})",
                               blocking.empty() ? bundle->items.front().status : blocking)
                 : std::string("[출고관리]메뉴에서 조회되지 않는 묶음고유번호입니다.")));
      continue;
    }
    if (!overwrite && bundle_invoice(*bundle)) {
      answers.push_back(invoice_failure(bundle_no, "e2010", "이미 송장번호가 입력된 묶음입니다. (overwrite: false)"));
      continue;
    }
    // change_complete: 출고완료, else 운송장출력; 출고보류 and 배송중 keep their status.
    std::vector<std::string> moving;
    for (const auto& item : bundle->items) {
      if (contains(k_invoiceable, item.status) && !contains(k_keeps_status, item.status)) {
        moving.push_back(item.uniq);
      }
    }
    if (!moving.empty()) {
      sandbox.store.mutate(account->id, std::nullopt, moving, complete ? "출고완료" : "운송장출력");
    }
    tracking_ledger().add({Kind::playauto, account->id, bundle_no, bundle_no, carr_no, invoice_no, now()});
    answers.push_back({{"bundle_no", bundle_no}, {"result", "성공"}, {"message", ""}});
  }
  res.status = 200;
  res.set_content(answers.dump(), "application/json;charset=UTF-8");
}


} // namespace

void handle_playauto(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  struct Route
  {
    const std::string& path;
    const char* method;
    const char* endpoint;
    void (*handler)(Sandbox&, const httplib::Request&, httplib::Response&, Marketplace&);
  };
  static const std::array<Route, 5> k_routes{{{k_auth_path, "POST", "playauto.auth", handle_auth},
                                              {k_orders_path, "POST", "playauto.orders", handle_orders},
                                              {k_carriers_path, "GET", "playauto.carriers", handle_carriers},
                                              {k_instruction_path, "PUT", "playauto.instruction", handle_instruction},
                                              {k_invoice_path, "PUT", "playauto.set_invoice", handle_set_invoice}}};
  const auto route = std::find_if(k_routes.begin(), k_routes.end(), [&](const Route& r) { return r.path == req.path; });
  if (route == k_routes.end()) {
    error(res, 404, "e0404", "Not Found: " + req.method + " " + req.path);
    return;
  }
  market.endpoint = route->endpoint;
  if (req.method != route->method) {
    error(res, 405, "e0405", fmt::format("{} {} is not allowed; use {}.", req.method, req.path, route->method));
    return;
  }
  route->handler(sandbox, req, res, market);
}

} // namespace uoms::sandbox
