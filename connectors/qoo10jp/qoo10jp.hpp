#pragma once

#include "connectors/connector_base.hpp"
#include "connectors/support/spooled_json.hpp"
#include "uoms/connector.hpp"
#include "uoms/tokens.hpp"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Qoo10 Japan QAPI (docs/marketplaces/qoo10jp.md): a seller certification key from
// CertificationAPI.CreateCertificationKey, orders from ShippingBasic.GetShippingInfo_v2
// one ShippingStat at a time. Success is ResultCode 0, never the HTTP status alone.
namespace uoms::connectors::qoo10jp {

// The registry row for kind "qoo10jp": settings, secrets and the factory.
const KindSpec& spec();

// The key under which the seller certification key is kept in the channel's TokenStore.
inline constexpr std::string_view k_key_name = "certification_key";

// The path the documented base URL carries (qoo10jp.md §2.1). A `base_url` without a path
// (`https://api.qoo10.jp`, `http://127.0.0.1:8080`) gets it appended; one with a path is
// used as given (the documented base, `…/Giosis.qapi`, a proxy prefix): support::base_url.
inline constexpr std::string_view k_service_path = "/GMKT.INC.Front.QAPIService/ebayjapan.qapi";
std::string service_url(std::string_view base_url);

// `yyyyMMddHHmmss` in the marketplace's zone (JST unless overridden), seconds floored, as
// search_Sdate / search_Edate take it (qoo10jp.md §2.3).
std::string query_time(TimePoint t, std::chrono::minutes utc_offset);

// ShippingStat 1-5 (qoo10jp.md §2.3) onto the shared vocabulary; nullopt outside 1-5.
std::optional<OrderStatus> map_status(int shipping_stat);

// Cursor between pages of one window: the index of the next ShippingStat in the channel's
// `statuses` list, in decimal ("1", "2", ...), or inside one status's answer `index:rows`
// ("0:1000"), the rows of it already handed out. Empty: the window is done.
std::string encode_cursor(std::size_t status_index);
std::optional<std::size_t> decode_cursor(std::string_view text);

// Packs (carts) per upload_tracking call. SetSendingInfo takes one OrderNo line per call
// (qoo10jp.md §2.4), so this only bounds one call's work; 50 like the other kinds.
inline constexpr int k_tracking_batch = 50;

// Stock updates per push_stock / read_stock call (Capabilities::stock_batch). Both stock
// methods take one item or one option per call (qoo10jp.md §2.5), so one update is one call
// with its own ResultCode, and an error leaves only that update unknown.
inline constexpr int k_stock_batch = 1;

// Listing::attributes a stock push sends back unchanged (filled by fetch_listings):
// SetGoodsPriceQty resets the sale end to a year from now when ExpireDate is empty (§2.5's
// gotcha), so the item's current ExpireDate and Price always go with the quantity.
inline constexpr std::string_view k_attr_expire_date = "expire_date"; // yyyy-mm-dd
inline constexpr std::string_view k_attr_price = "price";             // whole yen
inline constexpr std::string_view k_attr_tax_rate = "tax_rate";       // S, 10, 8 or 0; sent when known
// An option's axes as UpdateInventoryQtyUnit names them (multi-axis joined with `||*`), and
// the item's own SellerCode.
inline constexpr std::string_view k_attr_option_name = "option_name";
inline constexpr std::string_view k_attr_option_value = "option_value";
inline constexpr std::string_view k_attr_item_seller_code = "item_seller_code";

// One Qoo10 Japan seller account (QSM user_id).
//
// A Page is (part of) one GetShippingInfo_v2 call (it takes no page size, so [kinds.qoo10jp]
// page_size does not apply): one ShippingStat of the configured list over the window, at
// most k_rows_per_page rows of it. Rows are order lines (OrderNo) grouped into Orders by cart (PackNo); the lines of
// one pack can sit in different statuses, so an Order in a Page carries only the lines seen
// in that page and the engine upserts items by (order, item id) (partial_orders).
class Qoo10Connector : public support::ConnectorBase
{
public:
  explicit Qoo10Connector(const ChannelContext& context);
  ~Qoo10Connector() override;

  // Rows per Page. One status's answer is not paged by Qoo10 (200,000 lines is one
  // answer); uoms keeps it in a file and hands it out in pages of this many rows.
  static constexpr std::size_t k_rows_per_page = 1000;

  // One upload is one pack (TrackingUpload::shipment_key = packNo); each of its lines
  // (item_ids, the OrderNo) gets its own ShippingBasic.SetSendingInfo with the carrier's
  // QSM name (qoo10jp.md §2.4). Success is ResultCode 0, never the HTTP status (§2.2).
  Result<std::vector<WriteOutcome>> upload_tracking(std::span<const TrackingUpload> uploads) override;
  // GetShippingInfo_v2 over ShippingStat 4 and 5 by shipped date (the last max_window_days):
  // the lines' TrackingNo.
  Result<std::vector<TrackingOnMarketplace>> read_tracking(std::span<const TrackingUpload> uploads) override;
  // GetShippingInfo_v2 over the configured statuses by search_condition, the last
  // max_window_days: QAPI documents no look-up by order number, so an older pack, or one
  // whose lines left every listed status (cancelled), is left out.
  Result<std::vector<Order>> refresh_orders(std::span<const std::string> order_ids) override;

  // ItemsOrder.SetGoodsPriceQty for an item without options (ItemCode, SellerCode, Price,
  // Qty, TaxRate, ExpireDate), ItemsOptions.UpdateInventoryQtyUnit for an option (ItemCode,
  // SellerCode, OptionName, OptionValue, OptionCode, Qty), qoo10jp.md §2.5. An update whose
  // attributes lack what the call must re-send is rejected without a call.
  Result<std::vector<WriteOutcome>> push_stock(std::span<const StockUpdate> updates) override;
  // ItemQty, or the option's Qty, read like fetch_listings reads the item (UNCONFIRMED).
  Result<std::vector<StockOnMarketplace>> read_stock(std::span<const StockUpdate> updates) override;
  // One known item per page: ItemsLookup.GetItemDetailInfo, then ItemsLookup.GetGoodsInventoryInfo
  // for its options. Neither call is in the contract (UNCONFIRMED, README "Stock"). The
  // cursor is the index of the next known item, in decimal.
  Result<ListingPage> fetch_listings(std::span<const std::string> known_items, const std::string& cursor) override;
  std::string describe_stock_push(const StockUpdate& update) const override;

private:
  using Params = std::vector<std::pair<std::string, std::string>>;
  Result<Page> fetch(const Window& window, const std::string& cursor) override;
  Result<std::string> probe() override;
  // Every QAPI method but the key and the Get… look-ups writes (SetSendingInfo, the stock
  // setters): answered ResultCode 0.
  std::optional<net::Response> dry_run_answer(const net::Request& request) const override;
  // The TokenSource: CertificationAPI.CreateCertificationKey with the API key.
  Result<Token> issue_key();
  // One POST with `key` as GiosisCertificationKey; `key_rejected` tells a ResultCode that
  // means "re-issue the key" from every other failure.
  Result<nlohmann::json> post(std::string_view method, const Params& params, const std::string& key,
                              const std::string& label, bool& key_rejected);
  // post() with the answer written to `file` and indexed there (support::SpooledJson): the
  // result is the envelope (ResultCode, ResultMsg, ...), the index is left in `spooled`.
  Result<nlohmann::json> post(std::string_view method, const Params& params, const std::string& key,
                              const std::string& label, bool& key_rejected, std::FILE* file,
                              std::optional<support::SpooledJson>& spooled);
  // post() with the kept key; a rejected key is re-issued once and the call sent again.
  Result<nlohmann::json> call(std::string_view method, const Params& params, const std::string& label);
  // Asks for one status over the window; its answer stays in a file, read page by page.
  Result<void> start_status(const Window& window, std::size_t status_index);
  // The next page of the answer in hand: at most k_rows_per_page rows, more only to keep
  // a cart's adjacent rows together.
  Result<Page> next_rows();
  struct StatusAnswer;
  std::unique_ptr<StatusAnswer> m_answer;
  // The lines of `packs` in `statuses` over the last max_window_days by `condition`, as
  // Orders (one per pack found).
  Result<std::vector<Order>> find_packs(std::span<const std::string> packs, std::span<const int> statuses,
                                        std::string_view condition);
  // One line's SetSendingInfo: its outcome, or the error that leaves it unknown.
  Result<WriteOutcome> send_line(const std::string& order_no, const std::string& corp, const std::string& tracking_no);
  // What one item reads as: its listings (one per option, or the item itself), or why not.
  struct ItemRead;
  Result<ItemRead> read_item(const std::string& item_code);

  std::string m_url; // base URL with the service path
  std::string m_user_id;
  std::string m_api_key;
  std::string m_password;
  std::vector<int> m_statuses;
  std::string m_search_condition;
  std::chrono::hours m_key_ttl{24};
};

} // namespace uoms::connectors::qoo10jp
