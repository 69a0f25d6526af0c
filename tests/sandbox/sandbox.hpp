#pragma once

// The sandbox: fake Coupang, Smartstore, Shopee, Qoo10 Japan and PlayAuto servers on
// loopback that enforce each marketplace's contract (docs/marketplaces/*.md), plus a control API
// for tests (/__sandbox/...). It links only cpp-httplib, nlohmann/json, fmt, OpenSSL and
// libcrypt, never uoms_core, so a bug in uoms cannot hide behind a shared helper.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::sandbox {

using json = nlohmann::json;
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

inline constexpr std::chrono::minutes k_kst{9 * 60};
inline constexpr std::chrono::minutes k_jst{9 * 60};

enum class Kind { coupang, smartstore, shopee, qoo10jp, playauto };

// "coupang", "smartstore", "shopee", "qoo10jp", "playauto".
std::string kind_name(Kind kind);

// --- configuration -----------------------------------------------------------------------

struct AccountConfig
{
  Kind kind = Kind::coupang;
  // The account's name in the control API: vendor_id (Coupang), client_id (Smartstore),
  // shop_id as text (Shopee), user_id (Qoo10) or email (PlayAuto).
  std::string id;
  std::string access_key;   // Coupang
  std::string secret_key;   // Coupang
  std::string client_secret; // Smartstore: a bcrypt salt such as "$2a$04$" + 22 characters
  long long partner_id = 0;  // Shopee
  std::string partner_key;   // Shopee: used as its literal bytes (shopee.md §1.3)
  long long shop_id = 0;     // Shopee
  std::string refresh_token; // Shopee: the initial refresh token, good for one refresh
  std::string region = "SG"; // Shopee
  std::string api_key;       // Qoo10 (the API key that issues seller keys), PlayAuto (x-api-key)
  std::string password;      // Qoo10 (pwd), PlayAuto
  int orders = 50;
  int spread_hours = 72;
  // Catalogue entries the account sells: the 12 fixed products, then generated ones with one
  // option each ("SKU-GEN-00013", ...), for benchmarks of thousands of listings.
  int catalogue = 12;
  // Coupang minute mode has no maxPerPage (coupang.md §2.3) but still pages by nextToken;
  // this is the server-side page size used there.
  int timeframe_page_size = 50;
  // Qoo10's window is UNCONFIRMED (qoo10jp.md §2.3); the sandbox refuses longer searches.
  int max_window_days = 30;
  // Makes one order appear on two consecutive pages (see README), for duplicate handling.
  bool duplicate_across_pages = false;
  // PlayAuto: some rows carry a status string outside playauto.md §3.2's list.
  bool unknown_status = false;
};

struct Config
{
  std::uint64_t seed = 1;
  int latency_ms = 0;
  double rate_limit = 0; // requests per second per account, 0 = off
  int token_ttl_s = 10800;            // Smartstore access token
  int shopee_token_ttl_s = 14400;     // Shopee access token (4 h, shopee.md §1.4)
  int shopee_refresh_ttl_s = 2592000; // Shopee refresh token (30 days)
  int qoo10_key_ttl_s = 31536000;     // Qoo10 seller authorization key (1 year, qoo10jp.md §2.1)
  int playauto_token_ttl_s = 86400;   // PlayAuto token (UNCONFIRMED; 24 h like the clients cache)
  std::vector<AccountConfig> accounts;
};

// Throws std::runtime_error with a readable message on a malformed config.
Config parse_config(const json& document);

// --- orders -------------------------------------------------------------------------------

struct Item
{
  std::string product_order_id; // Smartstore
  long long line_no = 0;         // Qoo10 OrderNo, Shopee order_item_id
  std::string uniq;              // PlayAuto
  long long vendor_item_id = 0;  // Coupang option id
  long long product_id = 0;
  long long seller_product_id = 0;
  std::string product_name;
  std::string option_name;
  std::string sku;
  int quantity = 1;
  long long unit_price = 0;
  // Smartstore keeps status and change time per product order; Coupang per box.
  std::string status;
  std::string claim_type;
  std::string claim_status;
  std::string last_changed_type;
  TimePoint changed{};
  TimePoint shipped{};   // Qoo10: when the line reached 4 (shipped); zero before
  TimePoint delivered{}; // Qoo10: when the line reached 5 (delivered)
};

struct Person
{
  std::string name;
  std::string phone;
  std::string email;
  std::string kana; // Qoo10 (buyer_gata, receiver_gata)
};

struct Order
{
  Kind kind = Kind::coupang;
  std::string account;
  long long shipment_box_id = 0;  // Coupang
  long long order_id = 0;         // Coupang
  std::string naver_order_id;     // Smartstore (16 digits, a string on the wire)
  std::string order_sn;           // Shopee
  long long pack_no = 0;          // Qoo10 cart
  std::string bundle_no;          // PlayAuto
  std::string shop_ord_no;        // PlayAuto: the source marketplace's order number
  std::string shop_cd;            // PlayAuto: source marketplace code
  long long buyer_user_id = 0;    // Shopee
  TimePoint collected{};          // PlayAuto wdate
  TimePoint created{};
  TimePoint paid{};
  TimePoint changed{};
  std::string status; // Coupang box status, Shopee order status
  Person orderer;
  Person receiver;
  std::string post_code;
  std::string address1;
  std::string address2;
  std::string memo;
  long long shipping_price = 0;
  std::vector<Item> items;
};

// All generated orders, behind one mutex: the server answers 40+ connections at once.
class Store
{
public:
  Store(const Config& config, TimePoint start);

  // Copies, so callers never hold the lock while they serialise.
  std::vector<Order> orders(const std::string& account) const;
  // The account's orders by external id (Shopee order_sn), in request order; unknown ids left out.
  std::vector<Order> shopee_by_order_sn(const std::string& account, const std::vector<std::string>& ids) const;
  std::optional<Order> find_coupang_box(const std::string& account, long long shipment_box_id) const;
  // One (order, line index) per requested product order id this account knows, in request order.
  std::vector<std::pair<Order, std::size_t>> smartstore_by_product_order_ids(const std::string& account,
                                                                             const std::vector<std::string>& ids) const;

  // Moves the chosen orders (or product orders) to `status` (or the next one in their
  // lifecycle) and sets their change time to now. Returns the canonical rows touched.
  json mutate(const std::string& account, std::optional<int> count, const std::vector<std::string>& ids,
              const std::string& status);
  // Creates `count` orders with creation and change time now.
  json add(const std::string& account, int count);

  // Every catalogue entry as this account sells it (ids as its orders carry them),
  // quantity 1: the seed of the account's listings (stock.hpp).
  std::vector<Item> catalogue(const std::string& account) const;

  json canonical(const std::string& account) const;
  bool has_account(const std::string& account) const;

private:
  struct AccountData
  {
    AccountConfig config;
    std::mt19937_64 rng;
    long long lane = 0; // the account's index: keeps ids of different accounts apart
    long long next_box = 0;
    long long next_order = 0;
    long long next_product_order = 0;
    long long next_naver_order = 0;
    long long next_line = 0;
    std::vector<Order> orders;
  };
  Order generate(AccountData& data, TimePoint created, TimePoint changed_max);
  static void advance(Order& order, Item* only, const std::string& status, TimePoint now);

  mutable std::mutex m_mutex;
  std::map<std::string, AccountData> m_accounts;
};

json canonical_row(const Order& order);

// --- time, crypto, text ----------------------------------------------------------------------

TimePoint now();
// strftime-like formatting of t shifted by offset; `%L` = milliseconds, `%f` = microseconds
// (milliseconds followed by three digits of `micro`), `%z` = `+09:00`.
std::string format_time(TimePoint t, std::chrono::minutes offset, std::string_view pattern, int micro = 0);
// `yyyy-MM-ddTHH:mm:ss.SSS+09:00` exactly (Smartstore).
std::optional<TimePoint> parse_smartstore_time(std::string_view text);
// `yyyyMMdd`, `yyyyMMddHHmmss` or `yyyy-MM-dd` (set dashes) in the given zone; nullopt when
// malformed. `whole_day` tells whether the text named a day rather than a second.
struct LocalTime
{
  TimePoint at;
  bool whole_day = false;
};
std::optional<LocalTime> parse_compact_time(std::string_view text, std::chrono::minutes offset);
std::optional<LocalTime> parse_dashed_date(std::string_view text, std::chrono::minutes offset);
long long epoch_seconds(TimePoint t);

std::string hmac_sha256_hex(std::string_view key, std::string_view message);
std::string base64(std::string_view bytes);
// bcrypt via libcrypt; empty on a malformed salt.
std::string bcrypt(const std::string& password, const std::string& salt);
std::string random_hex(std::size_t bytes);

// --- faults, stats, rate limits --------------------------------------------------------------

struct Fault
{
  std::string account;
  std::string path_contains;
  std::string kind;
  int remaining = 1;
  int delay_ms = 0;
  int mutate_count = 2;
};

class Faults
{
public:
  // Validates and stores a rule; returns an error message or empty.
  std::string add(const json& body);
  // Takes one use of the first rule that matches, if any.
  std::optional<Fault> take(const std::string& account, const std::string& path);
  json list() const;
  void clear();

private:
  mutable std::mutex m_mutex;
  std::vector<Fault> m_rules;
};

class Stats
{
public:
  void begin();
  void end();
  void record(const std::string& account, const std::string& endpoint, int status);
  void signature_failure(const std::string& account);
  json to_json() const;
  void reset();

private:
  mutable std::mutex m_mutex;
  std::atomic<int> m_in_flight{0};
  int m_max_in_flight = 0;
  long long m_total = 0;
  long long m_signature_failures = 0;
  std::map<std::string, long long> m_endpoints;
  std::map<std::string, long long> m_codes;
  struct PerAccount
  {
    long long requests = 0;
    long long signature_failures = 0;
    std::map<std::string, long long> endpoints;
    std::map<std::string, long long> codes;
  };
  std::map<std::string, PerAccount> m_accounts;
};

// A token bucket per account: capacity = rate, refilled at rate per second.
class RateLimiter
{
public:
  explicit RateLimiter(double rate) : m_rate(rate) {}
  bool allow(const std::string& account);

private:
  double m_rate;
  std::mutex m_mutex;
  struct Bucket
  {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  std::map<std::string, Bucket> m_buckets;
};

// Closes the connection a request arrived on without writing a response.
void drop_connection(const httplib::Request& req);

// --- the server ------------------------------------------------------------------------------

// What a marketplace handler needs; one instance for the process.
struct Sandbox
{
  Config config;
  TimePoint started;
  Store store;
  Faults faults;
  Stats stats;
  RateLimiter limiter;
  std::mutex hooks_mutex;
  std::vector<json> hooks;
  // Every marketplace request as received (GET /__sandbox/requests): method, path, query
  // and body byte for byte, so tests compare what a dry run printed with what a real pass
  // sent, and assert that a dry run sent no write. The oldest are dropped past the cap.
  std::mutex requests_mutex;
  std::deque<json> requests;

  // Smartstore bearer tokens: token -> (client_id, expiry). Every other kind's credentials
  // live in maps of the same shape under the same mutex; client_id is the account id.
  struct Token
  {
    std::string client_id;
    TimePoint expires;
    bool used = false; // Shopee refresh tokens and authorization codes are single-use
  };
  std::mutex tokens_mutex;
  std::map<std::string, Token> tokens;
  std::map<std::string, Token> shopee_access;  // access_token -> shop
  std::map<std::string, Token> shopee_refresh; // refresh_token -> shop
  std::map<std::string, Token> shopee_codes;   // authorization code -> shop
  std::map<std::string, Token> qoo10_keys;     // seller authorization key -> user_id
  std::map<std::string, Token> playauto_tokens; // token -> email

  explicit Sandbox(Config c);

  const AccountConfig* coupang_by_access_key(const std::string& key) const;
  const AccountConfig* coupang_by_vendor(const std::string& vendor) const;
  const AccountConfig* smartstore_by_client(const std::string& client_id) const;
  const AccountConfig* account(Kind kind, const std::string& id) const;
  // The first Shopee account of this partner (all of a partner's shops share its key).
  const AccountConfig* shopee_partner(long long partner_id) const;
  // Expires every access token, seller key and session of the account (all when empty).
  // Shopee refresh tokens survive: a client recovers by refreshing.
  void expire_tokens(const std::string& account);
  // A one-time Shopee authorization code for the shop, valid 10 minutes.
  std::string shopee_auth_code(const std::string& shop_id);
};

// How a marketplace shapes its gateway errors; used by faults and rate limits.
struct Marketplace
{
  std::string name;     // "coupang", "smartstore", "shopee", "qoo10jp", "playauto", "hooks"
  std::string endpoint; // stats key, e.g. "coupang.ordersheets"
  std::string account;  // known before authentication (path vendor id, token owner)
};

// Sets an error response in the marketplace's own body shape.
void gateway_error(const Marketplace& market, httplib::Response& res, int status, const std::string& code,
                   const std::string& message);
std::string new_trace_id();

// The marketplace handlers. Each returns after filling res.
void handle_coupang(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market);
void handle_smartstore(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market);
void handle_shopee(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market);
void handle_qoo10(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market);
void handle_playauto(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market);
// Control API under /__sandbox/.
void handle_control(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res);
// Applies faults, rate limits and latency around a marketplace or hook handler.
void serve(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res);

// For the mutate_between_pages fault: the ids served by the last list response of this
// request, set by the handlers.
struct ServedIds
{
  std::vector<std::string> ids;
};
ServedIds& served_ids();

// --- tracking write-backs of Coupang and Smartstore (kr_tracking.cpp) ----------------------

// What the sandbox holds beyond the generated orders once tracking numbers arrive: each
// shipment's invoice, cancellations and place-order confirmations, and a log of every
// tracking number received (GET /__sandbox/tracking), so tests can see what arrived and how
// often. Keys are "account/shipmentBoxId" (Coupang) or "account/productOrderId" (Smartstore).
struct KrInvoice
{
  std::string carrier; // the marketplace's code
  std::string number;
  TimePoint at{};
};
struct KrReceived
{
  std::string kind;
  std::string account;
  std::string order_id;
  std::string shipment; // shipmentBoxId or productOrderId
  std::string item;     // vendorItemId or productOrderId
  std::string carrier;
  std::string number;
  std::string result; // "OK" or the marketplace's code
  TimePoint at{};
  std::string call = "invoices"; // Coupang: "invoices" or "updateInvoices" (a correction)
};
struct KrTracking
{
  std::mutex mutex; // held across the check and the change of one write request
  std::map<std::string, KrInvoice> invoices;
  std::map<std::string, bool> cancelled;       // true: done, false: requested (Smartstore)
  std::map<std::string, bool> confirmed;       // Smartstore place-order confirmation
  std::vector<KrReceived> received;

  static std::string key(const std::string& account, const std::string& id) { return account + "/" + id; }
};
KrTracking& kr_tracking();
// A waybill the sandbox takes: digits only, 8 to 20 of them (every length of coupang.md
// §2.7 falls in between), or any digits (`any_digits`, Coupang DIRECT).
bool kr_plausible_number(const std::string& number, bool any_digits);
// Whether another shipment (not `self`) of the account holds `number` for another receiver:
// one number may be shared only by one recipient's orders (coupang.md §2.4). Caller holds
// the ledger's mutex.
bool kr_used_elsewhere(Sandbox& sandbox, KrTracking& ledger, const std::string& account, const std::string& self,
                       const std::string& number, const Order& mine);

// Answers 405 when `method_ok` is false, or 403 when the path's vendorId is not the key's
// account (coupang.md §2.2); true when it answered.
bool coupang_refused(const Marketplace& market, httplib::Response& res, bool method_ok, const std::string& vendor,
                     const AccountConfig& account);
// Coupang acknowledgement, invoices and updateInvoices (coupang.md §2.3, §2.4), after the signature check;
// false when the path is not one of them.
bool handle_coupang_writes(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market,
                           const AccountConfig& account);
// The ledger's invoice and cancellation on a box about to be served.
void overlay_coupang_box(const Order& order, json& box);
// Smartstore confirm, dispatch and orders/{orderId}/product-order-ids: the stats endpoint
// name for such a request, or "" when it is none of them.
std::string smartstore_write_endpoint(const httplib::Request& req);
void handle_smartstore_write(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res,
                             const std::string& client);
// The ledger's confirmation, delivery and cancel request on a product order about to be served.
void overlay_smartstore(const Order& order, const Item& item, json& detail);
// GET /__sandbox/tracking and POST /__sandbox/cancel; false for any other control path.
bool handle_kr_control(Sandbox& sandbox, const std::string& what, const httplib::Request& req, httplib::Response& res);
// Smartstore's answer envelope (timestamp, traceId, GNCP-GW-Trace-ID) and its 4000 error.
void smartstore_reply(httplib::Response& res, int status, json body);
void smartstore_bad_request(httplib::Response& res, const std::string& name, const std::string& message);

} // namespace uoms::sandbox
