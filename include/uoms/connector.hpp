#pragma once

#include "uoms/http.hpp"
#include "uoms/model.hpp"
#include "uoms/time.hpp"

#include <chrono>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::connectors {

// What the collect engine must know of one channel's marketplace to plan its windows;
// only what the engine reads is here (a connector keeps its other limits as its own
// constants). Static facts about a kind live in its KindSpec row instead.
struct Capabilities
{
  Millis max_window{std::chrono::hours(24)}; // longest window one fetch may cover
  Millis rescan_window{0};                   // trailing window always re-fetched (filters by creation date, not change)
  Millis time_step{1};                       // resolution of the API's time filter, on the utc_offset grid
  std::chrono::minutes utc_offset{0};
  int tracking_batch = 0; // tracking uploads per call; 0 = the kind cannot upload (the write-back runner reads it)
  int stock_batch = 0;    // stock updates per call; 0 = the kind cannot push stock
  // Pages carry only the items that changed (Coupang per status and shipment box,
  // Smartstore per product order): order totals and status are derived from all stored
  // items instead of taken from the page.
  bool partial_orders = false;
};

// Page::orders may carry only some of an order's items (those that changed); the store
// merges items by id and keeps the others, and derives the order's status from all of
// its items. Order-level fields (buyer, receiver, totals) must be the whole order's.

enum class ErrorKind {
  auth,        // credentials rejected or expired beyond refresh: operator must act
  rate_limited,
  transient,   // network, 5xx, timeouts after retries
  contract,    // the marketplace rejected the request or sent something unparsable
  config,      // a required setting or secret is missing/invalid
  unsupported, // the connector does not do this operation (yet)
};

std::string_view to_string(ErrorKind kind);

struct ConnectorError
{
  ErrorKind kind = ErrorKind::transient;
  std::string message; // one line, no secrets; names the call, e.g. "GET ordersheets: HTTP 401 ..."
  int http_status = 0;
  std::string request_id; // marketplace trace/request id when it gave one
};

template <typename T>
using Result = std::expected<T, ConnectorError>;

// Windows are half-open, [from, to), and start on the connector's time_step grid, so
// consecutive windows neither overlap nor leave a hole at the API's resolution.
struct Window
{
  TimePoint from; // inclusive
  TimePoint to;   // exclusive
};

// The start of the step (time_step in local time at utc_offset) that holds `t`.
TimePoint floor_step(TimePoint t, Millis step, std::chrono::minutes utc_offset);

// The inclusive end to send to an API whose filter names whole steps: the step that
// holds the window's last instant.
TimePoint last_step(const Window& window, Millis step, std::chrono::minutes utc_offset);

// A record the connector fetched but could not map. Kept with its payload; the pass goes on.
struct MappingFailure
{
  std::string external_id; // best effort, may be empty
  std::string reason;
  std::string raw;
};

// A note about an order worth recording in the job details (e.g. an unknown raw status).
struct OrderNote
{
  std::string external_id;
  std::string message;
};

struct Page
{
  std::vector<Order> orders;
  std::vector<MappingFailure> failures;
  std::vector<OrderNote> notes;
  std::string next_cursor; // empty: this window is exhausted
  std::string request_id;  // last marketplace request/trace id
  int requests = 0;        // HTTP calls this page took
  // Set by connectors whose source is consumed once (csv files): the engine records the
  // key as processed in the same transaction as the page's orders.
  std::string processed_key;
  // More keys recorded as processed with the page, without a job detail of their own (csv:
  // the on-disk identity of a file, so an unchanged file is skipped without reading it).
  std::vector<std::string> processed_aliases;
};

// A cached credential (access token, certification key) for a channel.
struct Token
{
  std::string value;
  TimePoint expires_at;
  std::string refresh; // refresh token where the marketplace rotates one
  TimePoint obtained_at; // when uoms got it (epoch when unknown): bounds the refresh margin
};

// Encrypted, per-channel persistence for tokens, implemented over the store.
class TokenStore
{
public:
  virtual ~TokenStore() = default;
  virtual std::optional<Token> load(std::string_view name) = 0;
  // Commits immediately (its own transaction): a rotated refresh token is durable
  // before it is used.
  virtual void save(std::string_view name, const Token& token) = 0;
  // The channel's token lock, held across processes while a token is refreshed so it is
  // never refreshed twice at once. lock() waits up to `wait`; false when still held.
  virtual bool lock(std::string_view /*name*/, Millis /*wait*/) { return true; }
  virtual void unlock(std::string_view /*name*/) {}
};

using Settings = std::map<std::string, std::string, std::less<>>;

struct ChannelContext
{
  std::string name;  // channel name, for messages
  Settings settings; // non-secret settings, defaults from the kind's spec applied
  Settings secrets;  // decrypted secrets
  net::HttpClient* http = nullptr;
  Clock* clock = nullptr;
  TokenStore* tokens = nullptr;
  // True when a Page::processed_key was committed by an earlier pass (csv files).
  std::function<bool(std::string_view key)> already_processed;
  // Tokens are refreshed when they expire within this margin (config tokens.refresh_margin).
  Millis token_margin{std::chrono::minutes(5)};
  int page_size = 0; // [kinds.X] page_size from the config; 0 = the connector's default
};

// --- write-back ------------------------------------------------------------------------

// What became of one write (a tracking number, a stock quantity) a connector was asked
// to make. Real marketplaces answer per item inside one call (Smartstore
// failProductOrderInfos, Coupang resultCode/retryRequired, Shopee per-item failures,
// PlayAuto per-bundle result), so every write-back call returns one of these per request.
enum class WriteStatus {
  done,          // the marketplace took it in this call
  already_there, // the marketplace already held exactly this value
  rejected,      // refused for a reason resending cannot fix (cancelled order, unknown item, carrier)
  retry_later,   // not applied, and safe to send again later (throttled, transient, retryRequired)
};

std::string_view to_string(WriteStatus status);

struct WriteOutcome
{
  WriteStatus status = WriteStatus::retry_later;
  std::string reason; // the marketplace's words, one line (rejected, retry_later)
  int http_status = 0;
  std::string request_id;
};

// One shipment's tracking number, as the upload-tracking pass hands it to a connector.
struct TrackingUpload
{
  std::string order_id;              // external order id
  std::string shipment_key;          // OrderItem::shipment_key
  std::vector<std::string> item_ids; // external item ids in the shipment
  std::string carrier;               // uoms carrier code; the connector maps it
  std::string tracking_number;
};

// A correction of a tracking number the marketplace already holds (`uoms tracking correct`):
// `upload` carries the new carrier and number; `held_*` what uoms uploaded before, which the
// marketplace should hold now. A connector does not overwrite a number that is neither
// (corrected elsewhere, e.g. in the seller center).
struct TrackingCorrection
{
  TrackingUpload upload;
  std::string held_carrier; // uoms carrier code
  std::string held_number;
};

// What the marketplace holds for one shipment, read back to settle an upload whose
// outcome was never recorded (a crash between sending and recording) without sending it
// twice.
struct TrackingOnMarketplace
{
  bool found = false; // the marketplace holds a tracking number for the shipment
  std::string carrier;
  std::string tracking_number;
};

// A write call as the marketplace would receive it, for `upload-tracking --dry-run`: the
// request a write-back built, recorded instead of sent. `path` is the URL below the host
// with its query; `body` is byte for byte what would go on the wire. Secrets (keys,
// tokens, passwords) and signatures are masked as `********`; headers are left out.
struct PlannedRequest
{
  std::string method;
  std::string path;
  std::string body;
  std::string label; // the connector's short description, e.g. "PUT /order/setInvoice (2 bundles)"
};

// One listing as a marketplace's catalogue reports it: a product, or one option of it.
// (item_id, option_id) is the same pair the kind's order mapping puts into
// OrderItem::product_id / option_id, so collected items find their listing.
struct Listing
{
  std::string item_id;     // Coupang sellerProductId, Smartstore originProductNo, Shopee item_id, Qoo10 ItemCode
  std::string option_id;   // Coupang vendorItemId, Smartstore option id, Shopee model_id, Qoo10 OptionCode; empty: none
  std::string seller_code; // the seller's own code (matched exactly against SKUs)
  std::string name;
  std::optional<int> quantity; // the marketplace's current quantity, where it reports one
  // What a later stock push must send back unchanged (Qoo10 expire_date and price):
  // stored with the listing and handed back in StockUpdate::attributes.
  Settings attributes;
};

struct ListingPage
{
  std::vector<Listing> listings;
  std::vector<MappingFailure> failures;
  std::string next_cursor; // empty: the catalogue is exhausted
  int requests = 0;
};

// One listing's available quantity, as the sync-stock pass hands it to a connector.
struct StockUpdate
{
  std::string listing_id; // Listing::item_id
  std::string option_id;  // Listing::option_id, empty for a listing without options
  std::string sku;
  int quantity = 0;
  Settings attributes; // Listing::attributes as last fetched
};

// What the marketplace holds for one listing.
struct StockOnMarketplace
{
  bool found = false;
  int quantity = 0;
};

// One marketplace account. Created per pass; not shared across threads.
class Connector
{
public:
  virtual ~Connector() = default;

  virtual const Capabilities& capabilities() const = 0;

  // One page of orders created or changed in `window`. `cursor` is empty for the first
  // page and otherwise a value this connector returned in Page::next_cursor; its content
  // is the connector's business (e.g. "status index + nextToken").
  virtual Result<Page> fetch_orders(const Window& window, const std::string& cursor) = 0;

  // One cheap authenticated call for `uoms channels test`; returns a short description.
  virtual Result<std::string> check() = 0;

  // Write-backs, at most Capabilities::tracking_batch / stock_batch requests per call.
  // The result holds one outcome per request, in order. An error means the outcome of
  // every request in the call is unknown (auth, transport after retries): the caller
  // settles them by reading back, never by sending again blindly. A kind that cannot do
  // one answers ErrorKind::unsupported (and declares a batch size of 0).
  virtual Result<std::vector<WriteOutcome>> upload_tracking(std::span<const TrackingUpload>)
  {
    return unsupported<std::vector<WriteOutcome>>("tracking upload");
  }
  // Replaces numbers the marketplace already holds, through its correction call (Coupang
  // updateInvoices), at most tracking_batch per call; one outcome per request, in order.
  // The new number already held is already_there. Only kinds whose KindSpec sets
  // corrects_tracking implement it. Settled like uploads: an error leaves every request of
  // the call unknown until read back with read_tracking.
  virtual Result<std::vector<WriteOutcome>> correct_tracking(std::span<const TrackingCorrection>)
  {
    return unsupported<std::vector<WriteOutcome>>("tracking correction");
  }
  virtual Result<std::vector<TrackingOnMarketplace>> read_tracking(std::span<const TrackingUpload>)
  {
    return unsupported<std::vector<TrackingOnMarketplace>>("tracking read-back");
  }
  // The current state of these orders (external ids), read from the marketplace right
  // before a write-back: a cancel request may have arrived since the last collect. At most
  // tracking_batch ids per call; an order the marketplace does not know is left out.
  virtual Result<std::vector<Order>> refresh_orders(std::span<const std::string>)
  {
    return unsupported<std::vector<Order>>("order refresh");
  }
  virtual Result<std::vector<WriteOutcome>> push_stock(std::span<const StockUpdate>)
  {
    return unsupported<std::vector<WriteOutcome>>("stock push");
  }
  // The marketplace's current quantity per listing (quantity in the request is ignored),
  // one answer per request in order; found=false for a listing the marketplace does not
  // know. At most stock_batch per call.
  virtual Result<std::vector<StockOnMarketplace>> read_stock(std::span<const StockUpdate>)
  {
    return unsupported<std::vector<StockOnMarketplace>>("stock read-back");
  }
  // One page of the seller's catalogue. `known_items` are item ids uoms already has for
  // the channel (from collected orders and earlier fetches): a kind whose contract has no
  // catalogue list call reads those items one by one instead.
  virtual Result<ListingPage> fetch_listings(std::span<const std::string> /*known_items*/, const std::string& /*cursor*/)
  {
    return unsupported<ListingPage>("catalogue fetch");
  }
  // Dry run of a write-back: while `sink` is set, every call that would change something
  // on the marketplace is appended to it (secrets masked) instead of sent, and answered
  // as the marketplace answers a success, so upload_tracking and correct_tracking take
  // their real steps and build their real requests once; reads (status re-checks, the
  // look-ups a write depends on, tokens) still go out. nullptr sends again. False when
  // the kind cannot record: the caller must then not call a write-back at all.
  virtual bool record_writes(std::vector<PlannedRequest>* /*sink*/) { return false; }
  // The request one push of `update` makes, for `sync-stock --dry-run`: method, path and
  // body, secrets left out (e.g. "PUT /v2/.../vendor-items/3242596358/quantities/10").
  virtual std::string describe_stock_push(const StockUpdate& /*update*/) const { return {}; }

  // Marketplaces where the seller grants access in a browser (Shopee): the signed URL to
  // open, and the exchange of the code it returns for the first tokens (stored through
  // the TokenStore). Both return a short description for the operator.
  virtual Result<std::string> authorization_url(std::string_view /*redirect*/)
  {
    return std::unexpected(ConnectorError{ErrorKind::unsupported, "this kind needs no browser authorisation"});
  }
  virtual Result<std::string> authorize(std::string_view /*code*/)
  {
    return std::unexpected(ConnectorError{ErrorKind::unsupported, "this kind needs no browser authorisation"});
  }

protected:
  template <typename T>
  static Result<T> unsupported(std::string_view what)
  {
    return std::unexpected(ConnectorError{ErrorKind::unsupported, std::string(what) + " is not supported by this kind"});
  }
};

// One field of a kind's settings or secrets.
struct FieldSpec
{
  std::string name;
  bool required = false;
  std::string default_value;
  std::string help;
  // A file or folder: a relative value is made absolute when set, so a pass started
  // by cron from another directory reads the same place.
  bool is_path = false;
};

using Factory = std::function<std::unique_ptr<Connector>(const ChannelContext&)>;

// Everything uoms knows about a channel kind, in one row of one table.
struct KindSpec
{
  std::string kind;
  std::string description;
  std::vector<FieldSpec> settings;
  std::vector<FieldSpec> secrets;
  Factory make;
  // Requests per second when neither the channel nor [kinds.X] sets rate_limit.
  double default_rate_limit = 5;
  // Responses that mean "throttled, retry later" besides 429/5xx (Shopee's HTTP 200
  // error_rate_limit); the channel's HTTP client retries them. Empty: none.
  std::function<bool(const net::Response&)> is_throttled;
  // The kind's own code for each uoms carrier code it accepts (core/carriers.hpp), e.g.
  // Smartstore "HYUNDAI" for LOTTE. A carrier not listed fails that item before any call.
  std::map<std::string, std::string, std::less<>> carriers;
  // The marketplace lists the carriers it takes at run time (PlayAuto's GET /carriers):
  // `carriers` holds only the known ones and the connector resolves the rest itself.
  bool carriers_from_marketplace = false;
  // The marketplace's contract has a call that corrects a tracking number it already holds
  // (Coupang updateInvoices) and the connector implements correct_tracking. Without it
  // `uoms tracking correct` refuses and changes nothing.
  bool corrects_tracking = false;
};

// The registry: connectors/registry.cpp lists every kind.
const std::vector<KindSpec>& kinds();
const KindSpec* find_kind(std::string_view kind);

} // namespace uoms::connectors
