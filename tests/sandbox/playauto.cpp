// PlayAuto Open API (playauto.md §3.1, §3.2, §3.7), base `/api`: POST /auth (x-api-key +
// email/password -> [{token, sol_no}]), and POST /orders with `x-api-key` and
// `Authorization: Token …`, date_type + sdate/edate (KST days), start/length paging with
// length <= 3000, one row per order line (uniq) with its bundle_no. Errors are
// {error_code, messages}.

#include "sandbox.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <tuple>

namespace uoms::sandbox {

namespace {

const std::string k_auth_path = "/api/auth";
const std::string k_orders_path = "/api/orders";
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
          {"carr_no", shipped ? json(4) : json(nullptr)},
          {"carr_name", shipped ? "CJ대한통운" : ""},
          {"invoice_no", shipped ? fmt::format("6{:011}", std::stoll(item.uniq.substr(8)) % 100000000000LL) : ""},
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

} // namespace

void handle_playauto(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market)
{
  const bool auth = req.path == k_auth_path;
  const bool orders = req.path == k_orders_path;
  if (!auth && !orders) {
    error(res, 404, "e0404", "Not Found: " + req.method + " " + req.path);
    return;
  }
  market.endpoint = auth ? "playauto.auth" : "playauto.orders";
  if (req.method != "POST") {
    error(res, 405, "e0405", fmt::format("{} {} is not allowed; use POST.", req.method, req.path));
    return;
  }
  if (auth) {
    handle_auth(sandbox, req, res, market);
  } else {
    handle_orders(sandbox, req, res, market);
  }
}

} // namespace uoms::sandbox
