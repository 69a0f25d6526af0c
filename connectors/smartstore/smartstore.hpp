#pragma once

#include "connectors/connector_base.hpp"
#include "uoms/connector.hpp"
#include "uoms/tokens.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Naver Smartstore Commerce API (docs/marketplaces/smartstore.md): bcrypt-signed client
// credentials, last-changed-statuses polling and product-orders/query details.
namespace uoms::connectors::smartstore {

// The registry row for kind "smartstore": settings, secrets and the factory.
const KindSpec& spec();

// client_secret_sign = Base64(bcrypt(client_id + "_" + timestamp, salt = client_secret))
// (smartstore.md §1.1). nullopt when the secret is not a bcrypt salt.
std::optional<std::string> client_secret_sign(std::string_view client_id, std::string_view client_secret,
                                              long long timestamp_ms);

// `2022-04-11T15:21:44.000%2B09:00`: KST with milliseconds, the `+` percent-encoded as a
// GET query requires (smartstore.md §1.2).
std::string query_time(TimePoint t);

// Continuation inside one window: the response's data.more {moreFrom, moreSequence},
// encoded as "<moreFrom>|<moreSequence>". moreFrom is kept verbatim as the server sent it
// and goes back as lastChangedFrom; lastChangedTo stays the window's end.
struct Cursor
{
  std::string more_from;
  std::string more_sequence;
};
std::string encode_cursor(const Cursor& cursor);
std::optional<Cursor> decode_cursor(std::string_view text);

// The key under which the access token is kept in the channel's TokenStore.
inline constexpr std::string_view k_token_name = "access_token";

// limitCount of last-changed-statuses (above 300 means 300) and ids per
// product-orders/query call (smartstore.md §1.2, §1.3).
inline constexpr int k_max_limit_count = 300;
inline constexpr std::size_t k_detail_batch = 300;

// Product orders per dispatch and per place-order confirmation call (smartstore.md §1.4,
// §1.5: at most 30 each); one TrackingUpload is one product order (its shipment_key).
inline constexpr int k_tracking_batch = 30;
inline constexpr std::size_t k_max_dispatch = 30;

// Stock updates per push_stock/read_stock call (Capabilities::stock_batch): one multi-update
// for the products without options, one GET + one option-stock PUT per product with options
// (smartstore.md §1.6 states no limit; 30 keeps a call at 60 requests at most).
inline constexpr int k_stock_batch = 30;

// `2022-04-05T12:17:35.000+09:00`, the dispatchDate of smartstore.md §1.5 (KST, ms).
std::string dispatch_time(TimePoint t);

// One Smartstore application acting for its own store (SELF) or for a seller (SELLER).
//
// A Page is one last-changed-statuses call (up to limitCount changes: the [kinds.smartstore]
// page_size, at most 300) plus the product-orders/query calls for its product order ids, in
// batches of at most 300. Product orders of one orderId in the page merge into one Order; an
// Order in a Page carries only the items (product orders) seen in that page, and the engine
// upserts items by (order, item id).
class SmartstoreConnector : public support::ConnectorBase
{
public:
  explicit SmartstoreConnector(const ChannelContext& context);

  // Confirms the product orders still NOT_YET (§1.4), then dispatches (§1.5); one outcome
  // per upload from successProductOrderIds / failProductOrderInfos.
  Result<std::vector<WriteOutcome>> upload_tracking(std::span<const TrackingUpload> uploads) override;
  // The delivery each product order holds, from product-orders/query.
  Result<std::vector<TrackingOnMarketplace>> read_tracking(std::span<const TrackingUpload> uploads) override;
  // Each order's product order ids (one GET per orderId), then their details in one query.
  Result<std::vector<Order>> refresh_orders(std::span<const std::string> order_ids) override;

  // Stock (smartstore.md §1.6, stock.cpp): products without options (empty option_id) in one
  // PATCH multi-update; products with options read with GET origin-products/{no} and written
  // with one PUT option-stock each that re-sends every option's current stockQuantity, price
  // and usable, changing only the pushed options' stockQuantity.
  Result<std::vector<WriteOutcome>> push_stock(std::span<const StockUpdate> updates) override;
  // The quantities GET origin-products/{no} shows (404 or an unknown option: not found).
  Result<std::vector<StockOnMarketplace>> read_stock(std::span<const StockUpdate> updates) override;
  // No catalogue list call in the contract: one known originProductNo per page, one Listing
  // per option (or one for a product without options); the cursor is the next index.
  Result<ListingPage> fetch_listings(std::span<const std::string> known_items, const std::string& cursor) override;
  std::string describe_stock_push(const StockUpdate& update) const override;

private:
  // A product API answer: 200, or a 4xx other than 401/403/429 (a refusal of this request,
  // with its invalidInputs), kept for the caller to map per item.
  struct Answer
  {
    int status = 200;
    nlohmann::json body;
    std::string trace_id;
  };
  // As call(), but a refused request is an Answer, not an error.
  Result<Answer> product_call(const net::Request& request);
  // GET origin-products/{no}.
  Result<Answer> origin_product(const std::string& origin_product_no);

  struct Reply
  {
    nlohmann::json body;
    std::string trace_id;
  };
  Result<Page> fetch(const Window& window, const std::string& cursor) override;
  Result<std::string> probe() override;
  // The write-backs' writes (product-orders/confirm and dispatch: every id in
  // successProductOrderIds; stock PATCH and PUT: 200 without a body); every other call reads.
  std::optional<net::Response> dry_run_answer(const net::Request& request) const override;
  Result<Token> request_token();
  // Sends with a valid bearer token from the keeper; on HTTP 401 renews it once and sends again.
  Result<Reply> call(const net::Request& request);
  // One send with `bearer`; `rejected` says the gateway refused the token (401).
  Result<Reply> send(net::Request request, const std::string& bearer, bool& rejected);
  // GET last-changed-statuses with `query` (its time bounds and cursor) and the limitCount.
  net::Request changes_request(const std::string& query, std::string label) const;
  // product-orders/query for `ids`, 300 per call: the elements, in the order Naver sent them.
  Result<std::vector<nlohmann::json>> details(const std::vector<std::string>& ids, std::string& request_id);
  // A POST of a JSON body to `path` (below the base) with the bearer token.
  Result<Reply> post(std::string_view path, const nlohmann::json& body, std::string label);
  // POST confirm or dispatch for up to 30 product orders: per id, "" for success or the
  // failProductOrderInfos entry.
  Result<std::map<std::string, nlohmann::json>> per_product_order(std::string_view path, const nlohmann::json& body,
                                                                  const std::vector<std::string>& ids, std::string label);

  std::string m_base_url;
  std::string m_client_id;
  std::string m_client_secret;
  std::string m_account_type;
  std::string m_account_id;
  int m_limit_count = k_max_limit_count;
};

} // namespace uoms::connectors::smartstore
