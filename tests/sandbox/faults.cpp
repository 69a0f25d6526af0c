#include "sandbox.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <regex>
#include <thread>

namespace uoms::sandbox {

namespace {

constexpr std::array<std::string_view, 12> k_fault_kinds{
    "429",          "429_no_retry_after", "500",           "503",           "slow",           "drop",
    "truncated_json", "invalid_json",     "expire_tokens", "mutate_between_pages", "html", "unknown_status"};

// What a proxy in front of a marketplace answers when the marketplace is down: an HTML page,
// not the marketplace's JSON, so a client must not try to read it as an answer.
constexpr std::string_view k_html_502 =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

// The word the unknown_status fault puts in place of every order status, in no contract.
constexpr std::string_view k_unknown_status = "SANDBOX_NEW_STATUS";

// The member holding an order's (or line's) status in each marketplace's order answers.
std::string_view status_member(const std::string& market)
{
  if (market == "coupang") {
    return "status";
  }
  if (market == "smartstore") {
    return "productOrderStatus";
  }
  if (market == "shopee") {
    return "order_status";
  }
  if (market == "qoo10jp") {
    return "shippingStatus";
  }
  if (market == "playauto") {
    return "ord_status";
  }
  return {};
}

// Replaces every string value of `member` anywhere in `value` with k_unknown_status.
void replace_statuses(json& value, std::string_view member)
{
  if (value.is_object()) {
    for (auto& [key, child] : value.items()) {
      if (key == member && child.is_string()) {
        child = k_unknown_status;
      } else {
        replace_statuses(child, member);
      }
    }
  } else if (value.is_array()) {
    for (auto& child : value) {
      replace_statuses(child, member);
    }
  }
}

} // namespace

// --- faults ------------------------------------------------------------------------------------

std::string Faults::add(const json& body)
{
  if (!body.is_object()) {
    return "the body must be a JSON object";
  }
  Fault fault;
  try {
    fault.account = body.value("account", "");
    fault.path_contains = body.value("path_contains", "");
    fault.kind = body.value("kind", "");
    fault.remaining = body.value("count", 1);
    fault.delay_ms = body.value("delay_ms", 0);
    fault.mutate_count = body.value("mutate_count", 2);
  } catch (const json::exception& e) {
    return fmt::format("bad field: {}", e.what());
  }
  if (std::find(k_fault_kinds.begin(), k_fault_kinds.end(), fault.kind) == k_fault_kinds.end()) {
    return fmt::format("unknown fault kind \"{}\" (known: 429, 429_no_retry_after, 500, 503, slow, drop, "
                       "truncated_json, invalid_json, expire_tokens, mutate_between_pages, html, unknown_status)",
                       fault.kind);
  }
  if (fault.remaining <= 0) {
    return "count must be at least 1";
  }
  if (fault.kind == "slow" && fault.delay_ms <= 0) {
    return "kind slow needs delay_ms > 0";
  }
  std::lock_guard lock(m_mutex);
  m_rules.push_back(std::move(fault));
  return {};
}

std::optional<Fault> Faults::take(const std::string& account, const std::string& path)
{
  std::lock_guard lock(m_mutex);
  for (auto it = m_rules.begin(); it != m_rules.end(); ++it) {
    if (!it->account.empty() && it->account != account) {
      continue;
    }
    if (!it->path_contains.empty() && path.find(it->path_contains) == std::string::npos) {
      continue;
    }
    Fault taken = *it;
    if (--it->remaining == 0) {
      m_rules.erase(it);
    }
    return taken;
  }
  return std::nullopt;
}

json Faults::list() const
{
  std::lock_guard lock(m_mutex);
  json out = json::array();
  for (const auto& f : m_rules) {
    out.push_back({{"account", f.account},
                   {"path_contains", f.path_contains},
                   {"kind", f.kind},
                   {"count", f.remaining},
                   {"delay_ms", f.delay_ms},
                   {"mutate_count", f.mutate_count}});
  }
  return out;
}

void Faults::clear()
{
  std::lock_guard lock(m_mutex);
  m_rules.clear();
}

// --- stats -------------------------------------------------------------------------------------

void Stats::begin()
{
  const int now_in_flight = ++m_in_flight;
  std::lock_guard lock(m_mutex);
  m_max_in_flight = std::max(m_max_in_flight, now_in_flight);
}

void Stats::end()
{
  --m_in_flight;
}

void Stats::record(const std::string& account, const std::string& endpoint, int status)
{
  const std::string code = status == 0 ? "dropped" : std::to_string(status);
  std::lock_guard lock(m_mutex);
  ++m_total;
  ++m_endpoints[endpoint];
  ++m_codes[code];
  if (!account.empty()) {
    PerAccount& a = m_accounts[account];
    ++a.requests;
    ++a.endpoints[endpoint];
    ++a.codes[code];
  }
}

void Stats::signature_failure(const std::string& account)
{
  std::lock_guard lock(m_mutex);
  ++m_signature_failures;
  if (!account.empty()) {
    ++m_accounts[account].signature_failures;
  }
}

json Stats::to_json() const
{
  std::lock_guard lock(m_mutex);
  json accounts = json::object();
  for (const auto& [id, a] : m_accounts) {
    accounts[id] = {{"requests", a.requests},
                    {"signature_failures", a.signature_failures},
                    {"endpoints", a.endpoints},
                    {"status_codes", a.codes}};
  }
  return {{"requests", m_total},
          {"endpoints", m_endpoints},
          {"status_codes", m_codes},
          {"signature_failures", m_signature_failures},
          {"in_flight", m_in_flight.load()},
          {"max_in_flight", m_max_in_flight},
          {"accounts", accounts}};
}

void Stats::reset()
{
  std::lock_guard lock(m_mutex);
  m_total = 0;
  m_signature_failures = 0;
  m_max_in_flight = m_in_flight.load();
  m_endpoints.clear();
  m_codes.clear();
  m_accounts.clear();
}

// --- rate limit --------------------------------------------------------------------------------

bool RateLimiter::allow(const std::string& account)
{
  if (m_rate <= 0 || account.empty()) {
    return true;
  }
  std::lock_guard lock(m_mutex);
  const auto t = std::chrono::steady_clock::now();
  auto [it, inserted] = m_buckets.try_emplace(account);
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = m_rate;
  } else {
    const double seconds = std::chrono::duration<double>(t - bucket.last).count();
    bucket.tokens = std::min(m_rate, bucket.tokens + seconds * m_rate);
  }
  bucket.last = t;
  if (bucket.tokens < 1.0) {
    return false;
  }
  bucket.tokens -= 1.0;
  return true;
}

// --- dropping a connection ---------------------------------------------------------------------

void drop_connection(const httplib::Request& req)
{
  // httplib does not hand the socket to handlers, so find it: the open socket whose local
  // and peer ports are this request's. Shutting it down makes the client see the
  // connection close with no response at all; httplib's own write then fails quietly.
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return;
  }
  while (const dirent* entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2) {
      continue;
    }
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t local_len = sizeof local;
    socklen_t peer_len = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 || local.ss_family != AF_INET ||
        peer.ss_family != AF_INET) {
      continue;
    }
    const auto* l = reinterpret_cast<const sockaddr_in*>(&local);
    const auto* p = reinterpret_cast<const sockaddr_in*>(&peer);
    if (ntohs(l->sin_port) == req.local_port && ntohs(p->sin_port) == req.remote_port) {
      linger hard{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      shutdown(fd, SHUT_RDWR);
      break;
    }
  }
  closedir(dir);
}

// --- gateway errors ----------------------------------------------------------------------------

void gateway_error(const Marketplace& market, httplib::Response& res, int status, const std::string& code,
                   const std::string& message)
{
  res.status = status;
  json body;
  if (market.name == "smartstore") {
    const std::string trace = new_trace_id();
    body = {{"code", code},
            {"message", message},
            {"timestamp", format_time(now(), k_kst, "%Y-%m-%dT%H:%M:%S.%L%z")},
            {"traceId", trace}};
    res.set_header("GNCP-GW-Trace-ID", trace);
  } else if (market.name == "coupang") {
    // Coupang's gateway answers {"code":"ERROR","message":...} (coupang.md §2.6).
    body = {{"code", "ERROR"}, {"message", message}};
  } else if (market.name == "shopee") {
    // shopee.md §1.5: {error, message, request_id}.
    body = {{"error", code.empty() ? "error_server" : code}, {"message", message}, {"request_id", new_trace_id()}};
  } else if (market.name == "qoo10jp") {
    // qoo10jp.md §2.1: the ResultCode envelope; negative = failure.
    int result_code = -10101;
    try {
      result_code = code.empty() ? -10101 : std::stoi(code);
    } catch (const std::exception&) {
    }
    body = {{"ResultCode", result_code}, {"ResultMsg", message}};
  } else if (market.name == "playauto") {
    // playauto.md §3.7: {error_code: "eNNNN", messages: [...]}.
    body = {{"error_code", code.empty() ? "e9999" : code}, {"messages", json::array({message})}};
  } else {
    body = {{"error", message}};
  }
  res.set_content(body.dump(), "application/json;charset=UTF-8");
}

namespace {

// A throttled request. `fault` is true for the 429 faults, false for the token bucket: Shopee's
// bucket answers the way shopee.md §1.6 reports it (HTTP 200, error_rate_limit, no
// Retry-After), while a 429 fault is a real 429 for every marketplace.
void rate_limited(Sandbox& sandbox, const Marketplace& market, httplib::Response& res, bool retry_after, bool fault)
{
  if (market.name == "smartstore") {
    gateway_error(market, res, 429, "GW.RATE_LIMIT", "요청이 너무 많습니다. (Too many requests)");
    const double rate = sandbox.config.rate_limit > 0 ? sandbox.config.rate_limit : 1;
    res.set_header("GNCP-GW-RateLimit-Replenish-Rate", fmt::format("{}", rate));
    res.set_header("GNCP-GW-RateLimit-Burst-Capacity", fmt::format("{}", rate * 2));
    res.set_header("GNCP-GW-RateLimit-Remaining", "0");
  } else if (market.name == "shopee") {
    gateway_error(market, res, fault ? 429 : 200, "error_rate_limit",
                  "Too many requests. You have reached the rate limit, please try again later.");
    if (!fault) {
      return;
    }
  } else if (market.name == "qoo10jp") {
    gateway_error(market, res, 429, "-10101", "Too many requests. Please try again later.");
  } else if (market.name == "playauto") {
    gateway_error(market, res, 429, "e4290", "Too many requests");
  } else {
    gateway_error(market, res, 429, "ERROR", "Too Many Requests");
  }
  if (retry_after) {
    res.set_header("Retry-After", "1");
  }
}

void server_error(const Marketplace& market, httplib::Response& res, int status)
{
  if (market.name == "smartstore") {
    gateway_error(market, res, status, status == 503 ? "GW.BLOCK.01" : "GW.INTERNAL_SERVER_ERROR",
                  status == 503 ? "Service temporarily unavailable (circuit open)" : "Internal server error");
  } else if (market.name == "coupang") {
    gateway_error(market, res, status, "ERROR",
                  status == 503 ? "Service Unavailable" : "Internal Server Error");
  } else if (market.name == "shopee") {
    gateway_error(market, res, status, "error_server",
                  status == 503 ? "Something wrong. Please try later." : "System error. Please try again later.");
  } else if (market.name == "qoo10jp") {
    gateway_error(market, res, status, "-10101", status == 503 ? "Service Unavailable" : "Internal Server Error");
  } else if (market.name == "playauto") {
    gateway_error(market, res, status, status == 503 ? "e5030" : "e5000",
                  status == 503 ? "Service Unavailable" : "Internal Server Error");
  } else {
    gateway_error(market, res, status, "", status == 503 ? "service unavailable" : "internal server error");
  }
}

std::string token_owner(Sandbox& sandbox, const std::map<std::string, Sandbox::Token>& map, const std::string& token)
{
  std::lock_guard lock(sandbox.tokens_mutex);
  const auto it = map.find(token);
  return it == map.end() ? std::string() : it->second.client_id;
}

// Which marketplace a request is for and whose account it is, before any authentication,
// so faults and rate limits can be keyed on the account.
Marketplace classify(Sandbox& sandbox, const httplib::Request& req)
{
  Marketplace market;
  if (req.path.starts_with("/v2/")) {
    market.name = "coupang";
    market.endpoint = "coupang.other";
    static const std::regex vendor(R"(^/v2/providers/[^/]+/apis/api/v\d+/vendors/([^/]+)/.*)");
    std::smatch m;
    if (std::regex_match(req.path, m, vendor) && sandbox.coupang_by_vendor(m[1].str()) != nullptr) {
      market.account = m[1].str();
    }
  } else if (req.path.starts_with("/external/")) {
    market.name = "smartstore";
    market.endpoint = "smartstore.other";
    const std::string auth = req.get_header_value("Authorization");
    if (auth.starts_with("Bearer ")) {
      std::lock_guard lock(sandbox.tokens_mutex);
      const auto it = sandbox.tokens.find(auth.substr(7));
      if (it != sandbox.tokens.end()) {
        market.account = it->second.client_id;
      }
    } else if (req.has_param("client_id") && sandbox.smartstore_by_client(req.get_param_value("client_id")) != nullptr) {
      market.account = req.get_param_value("client_id");
    }
  } else if (req.path.starts_with("/api/v2/")) {
    market.name = "shopee";
    market.endpoint = "shopee.other";
    // Shop calls name the shop in the query; the auth calls in the JSON body.
    std::string shop = req.get_param_value("shop_id");
    if (shop.empty()) {
      const json body = json::parse(req.body, nullptr, false);
      if (body.is_object() && body.contains("shop_id") && body["shop_id"].is_number_integer()) {
        shop = std::to_string(body["shop_id"].get<long long>());
      }
    }
    if (sandbox.account(Kind::shopee, shop) != nullptr) {
      market.account = shop;
    }
  } else if (req.path.starts_with("/GMKT.INC.Front.QAPIService/")) {
    market.name = "qoo10jp";
    market.endpoint = "qoo10jp.other";
    std::string key = req.get_header_value("GiosisCertificationKey");
    if (key.empty()) {
      key = req.get_param_value("key");
    }
    market.account = token_owner(sandbox, sandbox.qoo10_keys, key);
    if (market.account.empty() && sandbox.account(Kind::qoo10jp, req.get_param_value("user_id")) != nullptr) {
      market.account = req.get_param_value("user_id");
    }
  } else if (req.path.starts_with("/api/")) {
    market.name = "playauto";
    market.endpoint = "playauto.other";
    const std::string auth = req.get_header_value("Authorization");
    if (auth.starts_with("Token ")) {
      market.account = token_owner(sandbox, sandbox.playauto_tokens, auth.substr(6));
    }
    if (market.account.empty()) {
      const json body = json::parse(req.body, nullptr, false);
      if (body.is_object() && body.contains("email") && body["email"].is_string() &&
          sandbox.account(Kind::playauto, body["email"].get<std::string>()) != nullptr) {
        market.account = body["email"].get<std::string>();
      }
    }
  } else if (req.path.starts_with("/hooks/")) {
    market.name = "hooks";
    market.endpoint = "hooks";
  } else {
    market.name = "unknown";
    market.endpoint = "unknown";
  }
  return market;
}

// Records a webhook call with the status it was answered with (faults included), so tests
// can count retries.
void record_hook(Sandbox& sandbox, const httplib::Request& req, int status)
{
  json headers = json::object();
  for (const auto& [name, value] : req.headers) {
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") {
      continue;
    }
    headers[name] = value;
  }
  json params = json::object();
  for (const auto& [name, value] : req.params) {
    params[name] = value;
  }
  const auto question = req.target.find('?');
  json entry{{"name", req.path.substr(std::string_view("/hooks/").size())},
             {"method", req.method},
             {"path", req.path},
             {"query", question == std::string::npos ? "" : req.target.substr(question + 1)},
             {"params", params},
             {"headers", headers},
             {"body", req.body},
             {"status", status},
             {"received_at", format_time(now(), std::chrono::minutes{0}, "%Y-%m-%dT%H:%M:%S.%LZ")}};
  std::lock_guard lock(sandbox.hooks_mutex);
  sandbox.hooks.push_back(std::move(entry));
}

constexpr std::size_t k_max_logged_requests = 100000;

// Logs a marketplace request with the status it was answered with (0: dropped).
void record_request(Sandbox& sandbox, const httplib::Request& req, const Marketplace& market, int status)
{
  const auto question = req.target.find('?');
  json entry{{"kind", market.name},
             {"account", market.account},
             {"endpoint", market.endpoint},
             {"method", req.method},
             {"path", req.path},
             {"query", question == std::string::npos ? "" : req.target.substr(question + 1)},
             {"body", req.body},
             {"status", status}};
  std::lock_guard lock(sandbox.requests_mutex);
  sandbox.requests.push_back(std::move(entry));
  if (sandbox.requests.size() > k_max_logged_requests) {
    sandbox.requests.pop_front();
  }
}

struct InFlight
{
  Stats& stats;
  explicit InFlight(Stats& s) : stats(s) { stats.begin(); }
  ~InFlight() { stats.end(); }
};

} // namespace

ServedIds& served_ids()
{
  thread_local ServedIds ids;
  return ids;
}

void serve(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res)
{
  InFlight in_flight(sandbox.stats);
  Marketplace market = classify(sandbox, req);
  served_ids().ids.clear();
  bool dropped = false;
  struct HookGuard
  {
    Sandbox& sandbox;
    const httplib::Request& req;
    const httplib::Response& res;
    const bool& dropped;
    bool active;
    const Marketplace& market;
    ~HookGuard()
    {
      if (active) {
        record_hook(sandbox, req, dropped ? 0 : res.status);
      } else {
        record_request(sandbox, req, market, dropped ? 0 : res.status);
      }
    }
  } hook_guard{sandbox, req, res, dropped, market.name == "hooks", market};

  if (sandbox.config.latency_ms > 0 && market.name != "hooks") {
    std::this_thread::sleep_for(std::chrono::milliseconds{sandbox.config.latency_ms});
  }

  const std::optional<Fault> fault = sandbox.faults.take(market.account, req.target);
  const std::string kind = fault ? fault->kind : "";
  if (kind == "429" || kind == "429_no_retry_after") {
    rate_limited(sandbox, market, res, kind == "429", true);
  } else if (kind == "500" || kind == "503") {
    server_error(market, res, std::stoi(kind));
  } else if (kind == "html") {
    res.status = 502;
    res.set_content(std::string(k_html_502), "text/html");
  } else if (kind == "drop") {
    drop_connection(req);
    dropped = true;
    sandbox.stats.record(market.account, market.endpoint, 0);
    res.status = 500;
    return;
  }
  if (!res.body.empty()) {
    sandbox.stats.record(market.account, market.endpoint, res.status);
    return;
  }
  if (kind == "slow") {
    std::this_thread::sleep_for(std::chrono::milliseconds{fault->delay_ms});
  } else if (kind == "expire_tokens") {
    if (!market.account.empty()) {
      sandbox.expire_tokens(market.account);
    }
  }

  if (market.name != "hooks" && !sandbox.limiter.allow(market.account)) {
    rate_limited(sandbox, market, res, true, false);
    sandbox.stats.record(market.account, market.endpoint, res.status);
    return;
  }

  if (market.name == "coupang") {
    handle_coupang(sandbox, req, res, market);
  } else if (market.name == "smartstore") {
    handle_smartstore(sandbox, req, res, market);
  } else if (market.name == "shopee") {
    handle_shopee(sandbox, req, res, market);
  } else if (market.name == "qoo10jp") {
    handle_qoo10(sandbox, req, res, market);
  } else if (market.name == "playauto") {
    handle_playauto(sandbox, req, res, market);
  } else if (market.name == "hooks") {
    res.status = 200;
    res.set_content(R"({"ok":true})", "application/json");
  } else {
    gateway_error(market, res, 404, "", "no such endpoint: " + req.method + " " + req.path);
  }

  if (kind == "truncated_json" && !res.body.empty()) {
    res.body.resize(res.body.size() / 2);
  } else if (kind == "invalid_json" && !res.body.empty()) {
    // A trailing comma before the closing brace: JSON-looking, but no parser accepts it.
    if (res.body.back() == '}' || res.body.back() == ']') {
      res.body.insert(res.body.size() - 1, ",");
    } else {
      res.body += ",}";
    }
  } else if (kind == "unknown_status" && !res.body.empty()) {
    json body = json::parse(res.body, nullptr, false);
    if (!body.is_discarded()) {
      replace_statuses(body, status_member(market.name));
      res.body = body.dump();
    }
  } else if (kind == "mutate_between_pages" && !market.account.empty()) {
    auto ids = served_ids().ids;
    if (ids.size() > std::size_t(fault->mutate_count)) {
      ids.resize(std::size_t(fault->mutate_count));
    }
    try {
      if (ids.empty()) {
        sandbox.store.mutate(market.account, fault->mutate_count, {}, "");
      } else {
        sandbox.store.mutate(market.account, std::nullopt, ids, "");
      }
    } catch (const std::exception&) {
      // Nothing to mutate; the fault is spent either way.
    }
  }
  sandbox.stats.record(market.account, market.endpoint, res.status);
}

} // namespace uoms::sandbox
