// The control API under /__sandbox/: what tests use to read the truth, inject faults and
// change orders. JSON in and out, no authentication (loopback only).

#include "sandbox.hpp"
#include "stock.hpp"
#include "tracking.hpp"

#include <fmt/format.h>

namespace uoms::sandbox {

namespace {

void send(httplib::Response& res, int status, const json& body)
{
  res.status = status;
  res.set_content(body.dump(2), "application/json;charset=UTF-8");
}

void fail(httplib::Response& res, int status, const std::string& message)
{
  send(res, status, {{"error", message}});
}

// The body as a JSON object, or nullopt after answering 400.
std::optional<json> body_object(const httplib::Request& req, httplib::Response& res)
{
  if (req.body.empty()) {
    return json::object();
  }
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    fail(res, 400, "the body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

} // namespace

void handle_control(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res)
{
  // `/_control/NAME` is an alias of `/__sandbox/NAME`.
  const std::string what = req.path.substr(
      req.path.starts_with("/_control/") ? std::string_view("/_control/").size() : std::string_view("/__sandbox/").size());
  const std::string& method = req.method;
  if (handle_kr_control(sandbox, what, req, res) || handle_stock_control(sandbox, what, req, res)) {
    return;
  }
  try {
    if (what == "health" && method == "GET") {
      json accounts = json::array();
      for (const auto& a : sandbox.config.accounts) {
        accounts.push_back({{"kind", kind_name(a.kind)}, {"id", a.id}, {"orders", a.orders}});
      }
      send(res, 200,
           {{"status", "ok"},
            {"started_at", format_time(sandbox.started, std::chrono::minutes{0}, "%Y-%m-%dT%H:%M:%S.%LZ")},
            {"accounts", accounts}});
    } else if (what == "orders" && method == "GET") {
      const std::string account = req.get_param_value("account");
      if (!account.empty() && !sandbox.store.has_account(account)) {
        fail(res, 404, "unknown account " + account);
        return;
      }
      const json orders = sandbox.store.canonical(account);
      send(res, 200, {{"count", orders.size()}, {"orders", orders}});
    } else if (what == "faults" && method == "GET") {
      send(res, 200, {{"faults", sandbox.faults.list()}});
    } else if (what == "faults" && method == "POST") {
      const auto body = body_object(req, res);
      if (!body) {
        return;
      }
      if (const std::string error = sandbox.faults.add(*body); !error.empty()) {
        fail(res, 400, error);
        return;
      }
      send(res, 200, {{"faults", sandbox.faults.list()}});
    } else if (what == "faults" && method == "DELETE") {
      sandbox.faults.clear();
      send(res, 200, {{"faults", json::array()}});
    } else if (what == "mutate" && method == "POST") {
      const auto body = body_object(req, res);
      if (!body) {
        return;
      }
      const std::string account = body->value("account", "");
      std::vector<std::string> ids;
      for (const auto& id : body->value("ids", json::array())) {
        ids.push_back(id.is_string() ? id.get<std::string>() : id.dump());
      }
      std::optional<int> count;
      if (body->contains("count")) {
        count = (*body)["count"].get<int>();
      }
      if (ids.empty() && !count) {
        fail(res, 400, "mutate needs \"count\" or \"ids\"");
        return;
      }
      const json touched = sandbox.store.mutate(account, count, ids, body->value("status", ""));
      send(res, 200, {{"count", touched.size()}, {"orders", touched}});
    } else if (what == "add" && method == "POST") {
      const auto body = body_object(req, res);
      if (!body) {
        return;
      }
      const int count = body->value("count", 1);
      if (count < 0 || count > 1000000) {
        fail(res, 400, "count must be 0 to 1000000");
        return;
      }
      const json added = sandbox.store.add(body->value("account", ""), count);
      send(res, 200, {{"count", added.size()}, {"orders", added}});
    } else if (what == "stats" && method == "GET") {
      send(res, 200, sandbox.stats.to_json());
    } else if (what == "reset_stats" && method == "POST") {
      sandbox.stats.reset();
      send(res, 200, sandbox.stats.to_json());
    } else if (what == "hooks" && (method == "GET" || method == "DELETE")) {
      std::lock_guard lock(sandbox.hooks_mutex);
      const json hooks = sandbox.hooks;
      if (method == "DELETE") {
        sandbox.hooks.clear();
      }
      send(res, 200, {{"count", hooks.size()}, {"hooks", hooks}});
    } else if (what == "requests" && (method == "GET" || method == "DELETE")) {
      // ?kind=…&account=… filter; DELETE empties the log.
      const std::string kind = req.get_param_value("kind");
      const std::string account = req.get_param_value("account");
      std::lock_guard lock(sandbox.requests_mutex);
      json rows = json::array();
      for (const auto& r : sandbox.requests) {
        if ((kind.empty() || r["kind"] == kind) && (account.empty() || r["account"] == account)) {
          rows.push_back(r);
        }
      }
      if (method == "DELETE") {
        sandbox.requests.clear();
      }
      send(res, 200, {{"count", rows.size()}, {"requests", rows}});
    } else if (what == "shopee/auth_code" && method == "POST") {
      // What the seller's browser would bring back from the authorization page (shopee.md §1.4):
      // a code that works once, for 10 minutes.
      const auto body = body_object(req, res);
      if (!body) {
        return;
      }
      const json& shop = body->value("shop_id", json());
      const std::string shop_id = shop.is_number_integer() ? std::to_string(shop.get<long long>())
                                  : shop.is_string()       ? shop.get<std::string>()
                                                           : std::string();
      if (sandbox.account(Kind::shopee, shop_id) == nullptr) {
        fail(res, 404, "unknown shopee shop_id " + (shop_id.empty() ? shop.dump() : shop_id));
        return;
      }
      send(res, 200,
           {{"code", sandbox.shopee_auth_code(shop_id)}, {"shop_id", std::stoll(shop_id)}, {"expires_in", 600}});
    } else if (what == "expire_tokens" && method == "POST") {
      const auto body = body_object(req, res);
      if (!body) {
        return;
      }
      sandbox.expire_tokens(body->value("account", ""));
      send(res, 200, {{"ok", true}});
    } else if (what == "tracking" && method == "GET") {
      // Every tracking number an upload route accepted: [{kind, account, order, shipment, carrier, number, at}].
      const std::string kind = req.get_param_value("kind");
      const auto parsed = kind_from_name(kind);
      if (!kind.empty() && !parsed) {
        fail(res, 400, "unknown kind " + kind);
        return;
      }
      send(res, 200, tracking_ledger().list(parsed, req.get_param_value("account")));
    } else if (what == "cancel" && method == "POST") {
      const auto body = body_object(req, res);
      if (!body) {
        return;
      }
      try {
        const json touched = cancel_order(sandbox, *body);
        send(res, 200, {{"count", touched.size()}, {"orders", touched}});
      } catch (const std::out_of_range& e) {
        fail(res, 404, e.what());
      } catch (const std::invalid_argument& e) {
        fail(res, 400, e.what());
      } catch (const std::logic_error& e) {
        fail(res, 409, e.what());
      }
    } else {
      fail(res, 404, fmt::format("no control endpoint {} {}", method, req.path));
    }
  } catch (const std::invalid_argument& e) {
    fail(res, 400, e.what());
  } catch (const json::exception& e) {
    fail(res, 400, fmt::format("bad field: {}", e.what()));
  }
}

} // namespace uoms::sandbox
