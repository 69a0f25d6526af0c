#pragma once

#include "connectors/connector_base.hpp"
#include "uoms/connector.hpp"
#include "uoms/tokens.hpp"

#include <nlohmann/json.hpp>

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Shopee Open Platform API v2 (docs/marketplaces/shopee.md): HMAC-SHA256 signed query
// parameters, a 4-hour access token rotated with a single-use refresh token, and
// get_order_list + get_order_detail for orders.
namespace uoms::connectors::shopee {

// The registry row for kind "shopee": settings, secrets and the factory.
const KindSpec& spec();

// Base strings of shopee.md §1.3: plain concatenations, numbers as decimal text, the
// path in full (`/api/v2/...`) without host or query.
std::string public_base_string(std::string_view partner_id, std::string_view api_path, long long timestamp);
std::string shop_base_string(std::string_view partner_id, std::string_view api_path, long long timestamp,
                             std::string_view access_token, std::string_view shop_id);
std::string merchant_base_string(std::string_view partner_id, std::string_view api_path, long long timestamp,
                                 std::string_view access_token, std::string_view merchant_id);

// HMAC-SHA256 of `base_string` keyed with the partner key's literal bytes (not hex-decoded),
// as 64 lowercase hex characters (shopee.md §1.3).
std::string signature(std::string_view partner_key, std::string_view base_string);

// True for a response Shopee means as "slow down": HTTP 429, or an envelope whose `error`
// is error_rate_limit, error_limit or ads.rate_limit.* (these arrive with HTTP 200,
// shopee.md §1.6). Meant for net::HttpOptions::is_throttled of a Shopee channel's client.
bool is_throttled(const net::Response& response);

// get_order_list takes page_size 1..100 (shopee.md §1.7): the default, and the bound of
// [kinds.shopee] page_size. get_order_detail takes at most 50 order_sn.
inline constexpr int k_max_page_size = 100;
inline constexpr std::size_t k_detail_batch = 50;

// Tracking uploads per upload_tracking call. ship_order takes one package per call
// (shopee.md §1.8), so this only bounds one call's work: 50 matches get_order_detail's limit
// (refresh_orders reads a whole batch in one call) and the mass-ship calls' "batch request
// reach limit 50".
inline constexpr int k_tracking_batch = 50;

// Stock updates per push_stock / read_stock call. update_stock takes one item_id and 1..50
// models per call (shopee.md §1.9); a batch is grouped by item, so 50 updates are at most 50
// calls and, for one item's models, one.
inline constexpr int k_stock_batch = 50;

// The key under which the access token (and, in Token::refresh, the current single-use
// refresh token) is kept in the channel's TokenStore.
inline constexpr std::string_view k_token_name = "access_token";

// One shop (shop_id) of one Open Platform app (partner_id).
//
// A Page is one get_order_list call (up to page_size order_sn changed in the window, by
// update_time: 100 unless [kinds.shopee] page_size says fewer) plus the get_order_detail calls for them, at most 50 order_sn each.
// Shopee returns whole orders, so every Order in a Page carries all of its items.
// Page cursor: Shopee's `next_cursor`, verbatim.
class ShopeeConnector : public support::ConnectorBase
{
public:
  explicit ShopeeConnector(const ChannelContext& context);

  Result<std::string> authorization_url(std::string_view redirect) override;
  Result<std::string> authorize(std::string_view code) override;

  // Each upload is one package (TrackingUpload::shipment_key is its package_number, or the
  // order_sn for an order without packages): get_shipping_parameter, then ship_order with
  // the seller's own number under `non_integrated` (shopee.md §1.8). Outcomes come from each
  // package's envelope; a failure that leaves a ship_order's outcome unknown (token refused
  // twice, no answer) fails the whole call so the runner reads back.
  Result<std::vector<WriteOutcome>> upload_tracking(std::span<const TrackingUpload> uploads) override;
  // get_tracking_number per package.
  Result<std::vector<TrackingOnMarketplace>> read_tracking(std::span<const TrackingUpload> uploads) override;
  // get_order_detail (at most 50 order_sn per call), mapped as collect maps it.
  Result<std::vector<Order>> refresh_orders(std::span<const std::string> order_ids) override;

  // Stock (shopee.md §1.9; connectors/shopee/stock.cpp). A listing is (item_id, model_id),
  // option_id "" for an item without models (model_id 0), as mapping.cpp names order items.
  // push_stock groups the updates by item into update_stock calls of at most 50 models and
  // reads each model's outcome from success_list / failure_list.
  Result<std::vector<WriteOutcome>> push_stock(std::span<const StockUpdate> updates) override;
  // get_model_list once per distinct item: the sum of the model's seller_stock.
  Result<std::vector<StockOnMarketplace>> read_stock(std::span<const StockUpdate> updates) override;
  // get_item_list (NORMAL items, 50 per page) and get_model_list per item. Cursor: the offset.
  Result<ListingPage> fetch_listings(std::span<const std::string> known_items, const std::string& cursor) override;
  std::string describe_stock_push(const StockUpdate& update) const override;

private:
  struct Reply
  {
    nlohmann::json body; // the whole envelope
    std::string request_id;
    int status = 0;
    // body["response"], or the body itself: some endpoints (the auth calls among them) put
    // the payload at the top level (shopee.md §1.5).
    const nlohmann::json& payload() const;
  };
  struct Failure
  {
    ConnectorError error;
    std::string code; // Shopee's `error`, empty when the answer had no envelope
    bool token_rejected = false;
    nlohmann::json body; // the envelope of a refused call (update_stock's failure_list rides on one)
  };

  Result<Page> fetch(const Window& window, const std::string& cursor) override;
  Result<std::string> probe() override;
  // Every POST but the token calls writes (ship_order, update_stock): answered with an
  // empty error; GET calls (get_shipping_parameter included) read.
  std::optional<net::Response> dry_run_answer(const net::Request& request) const override;
  // One HTTP exchange, its envelope read: the payload, or the error with Shopee's code.
  std::expected<Reply, Failure> send(const net::Request& request);
  // GET of a shop API with the current access token. An answer saying the token is
  // invalid or expired renews it once (TokenKeeper::renew) and sends again.
  // `query` holds the request parameters, already encoded for the wire.
  Result<Reply> shop_get(std::string_view api_path, const std::string& query, const std::string& label);
  // The same with another method and a JSON body (ship_order).
  // `error_code`, when given, receives Shopee's `error` of a refused call, and `error_body`
  // its envelope.
  Result<Reply> shop_call(std::string_view method, std::string_view api_path, const std::string& query,
                          const std::string& body, const std::string& label, std::string* error_code = nullptr,
                          nlohmann::json* error_body = nullptr);
  // get_order_detail for `order_sns`, 50 per call; the order_list entries in any order.
  Result<std::vector<nlohmann::json>> order_details(const std::vector<std::string>& order_sns,
                                                    std::string& request_id);
  // One package's upload: its outcome, or the error that makes the call's outcomes unknown.
  Result<WriteOutcome> ship_package(const TrackingUpload& upload);
  // One update_stock call for one item's updates (distinct models, at most 50): their
  // outcomes in order, or the error that makes them unknown.
  Result<std::vector<WriteOutcome>> update_item_stock(const std::string& item_id,
                                                      const std::vector<const StockUpdate*>& updates);
  // get_model_list of one item. `error_code` receives Shopee's `error` of a refusal.
  Result<Reply> model_list(const std::string& item_id, std::string& error_code);
  // POST of a public API (the auth calls), signed with the public base string.
  std::expected<Reply, Failure> public_post(std::string_view api_path, const std::string& body,
                                            const std::string& label);
  // The TokenSource: refreshes with the stored refresh token, else with the secret one.
  Result<Token> obtain_token(const std::optional<Token>& current);
  Result<Token> refresh_with(const std::string& refresh_token);
  Result<Token> token_from(const Reply& reply, const std::string& label);
  // The URL of `api_path` (which starts with /api/v2) under the base URL.
  std::string url(std::string_view api_path) const;
  std::string signed_query(std::string_view api_path, long long timestamp, const std::string* access_token);
  std::string reauthorise_hint() const;

  std::string m_base_url; // ends in /api/v2 unless given with another path
  std::string m_partner_id;
  std::string m_shop_id;
  std::string m_region;
  std::string m_partner_key;
  std::string m_secret_refresh;
  int m_page_size = k_max_page_size;
  std::string m_request_id; // the last request_id Shopee sent
  TokenStore* m_tokens = nullptr;
};

} // namespace uoms::connectors::shopee
