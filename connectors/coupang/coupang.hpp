#pragma once

#include "connectors/connector_base.hpp"
#include "uoms/connector.hpp"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Coupang WING Open API (docs/marketplaces/coupang.md): v5 order sheets in minute mode
// (`searchType=timeFrame`), signed with the `CEA` HMAC-SHA256 Authorization header.
namespace uoms::connectors::coupang {

// The registry row for kind "coupang": settings, secrets and the factory.
const KindSpec& spec();

// Every status the order-sheet list accepts (coupang.md §2.3), in the order the
// connector walks them when the channel sets no `statuses`.
const std::vector<std::string>& all_statuses();

// `yyMMdd'T'HHmmss'Z'` in UTC (coupang.md §2.2), e.g. `250801T000000Z`.
std::string signed_date(TimePoint now);

// Lowercase hex HMAC-SHA256 over signed-date + METHOD + path + query, where query is
// the exact wire bytes without `?` (coupang.md §2.2).
std::string signature(std::string_view secret_key, std::string_view signed_date,
                      std::string_view method, std::string_view path, std::string_view query);

// The WING form of the header value, with ", " between the pairs.
std::string authorization(std::string_view access_key, std::string_view secret_key,
                          std::string_view signed_date, std::string_view method,
                          std::string_view path, std::string_view query);

// A minute-mode time as the v5 examples send it: `2025-07-29T00:01%2B09:00`. Seconds are
// dropped (floored), so consecutive windows still meet: the next window's floored start is
// never after this window's floored end.
std::string query_time(TimePoint t, std::chrono::minutes utc_offset);

// Cursor between pages of one window: "<status index>|<nextToken>". The index points into
// the channel's status list; the token is empty for a status's first page.
struct Cursor
{
  std::size_t status_index = 0;
  std::string next_token;
};
std::string encode_cursor(const Cursor& cursor);
std::optional<Cursor> decode_cursor(std::string_view text);

// Boxes per upload_tracking call (Capabilities::tracking_batch), and invoice DTOs per
// orders/invoices call: coupang.md §2.4 leaves the DTO limit UNCONFIRMED, so both follow
// the acknowledgement's documented 50 (§2.3). A box's DTOs never straddle two calls.
inline constexpr int k_tracking_batch = 50;
inline constexpr std::size_t k_max_invoice_dtos = 50;
inline constexpr std::size_t k_max_acknowledge_ids = 50;

// Stock updates per push_stock call (Capabilities::stock_batch). The quantity call names one
// vendorItemId in its path (coupang.md §2.5), so one update is one call with its own answer,
// and an error of the call leaves only that update unknown.
inline constexpr int k_stock_batch = 1;

// The path of one stock change (coupang.md §2.5): both values are path segments, no body.
std::string stock_path(std::string_view vendor_item_id, int quantity);

// One Coupang seller account (vendorId).
//
// A Page is one HTTP call: one status of the configured list, one nextToken page. The
// same orderId can come back in several shipment boxes and under several statuses; boxes
// of one page are merged into one Order, while boxes on other pages produce another Order
// with the same external_id carrying only that page's items. An Order in a Page therefore
// holds the items seen in that page, and the engine upserts items by (order, item id).
class CoupangConnector : public support::ConnectorBase
{
public:
  explicit CoupangConnector(const ChannelContext& context);

  // Acknowledges the boxes still in ACCEPT (ACCEPT -> INSTRUCT, coupang.md §2.3), then posts
  // one invoice DTO per vendorItemId of each box (§2.4); one outcome per box.
  Result<std::vector<WriteOutcome>> upload_tracking(std::span<const TrackingUpload> uploads) override;
  // POST orders/updateInvoices (coupang.md §2.4, end): the upload's DTOs with the new
  // number, for boxes holding the uploaded number in DEPARTURE, DELIVERING, FINAL_DELIVERY
  // or NONE_TRACKING; anything else is refused before the call.
  Result<std::vector<WriteOutcome>> correct_tracking(std::span<const TrackingCorrection> corrections) override;
  // The invoice each box holds, read from its order's sheets (by orderId).
  Result<std::vector<TrackingOnMarketplace>> read_tracking(std::span<const TrackingUpload> uploads) override;
  // The orders' current sheets, one call per orderId (the API has no batch read).
  Result<std::vector<Order>> refresh_orders(std::span<const std::string> order_ids) override;
  // PUT seller_api …/vendor-items/{vendorItemId}/quantities/{quantity} per update, the
  // vendorItemId being StockUpdate::option_id (coupang.md §2.5). The contract has no
  // confirmed stock read and no catalogue list, so read_stock and fetch_listings stay
  // unsupported (README "Stock").
  Result<std::vector<WriteOutcome>> push_stock(std::span<const StockUpdate> updates) override;
  std::string describe_stock_push(const StockUpdate& update) const override;

private:
  // What this connector last read of one box: its status and invoice.
  struct BoxState
  {
    std::string order_id;
    std::string status;
    std::string invoice_number;
    std::string carrier; // Coupang's code where known
    bool cancelled = false;
    std::vector<std::string> vendor_items;
  };
  struct InvoiceAnswer;

  // A signed request: `path` below the base URL, `query` the exact bytes sent and signed.
  net::Request signed_request(std::string method, const std::string& path, const std::string& query,
                              std::string label, std::string body = {}) const;
  // Sends and judges the answer: the envelope's parsed body, or the call's error. With
  // `missing_ok`, an HTTP 400 (Coupang's answer for an unknown orderId) is an empty object.
  Result<nlohmann::json> call(const net::Request& request, bool missing_ok = false);
  // GET v5 …/{orderId}/ordersheets: the order's boxes (an empty array for an unknown order),
  // remembered in m_boxes.
  Result<nlohmann::json> order_boxes(const std::string& order_id);
  // Reads the boxes of each order (order_boxes), once per distinct id.
  Result<void> learn_orders(const std::vector<std::string>& order_ids);
  // PUT (then PATCH) ordersheets/acknowledgement for `box_ids`; per box its result entry.
  Result<std::map<std::string, nlohmann::json>> acknowledge(const std::vector<std::string>& box_ids);
  // POST orders/{endpoint} (invoices or updateInvoices) with `dtos`; per box its result
  // entry, and the envelope's summary.
  Result<InvoiceAnswer> post_invoices(std::string_view endpoint, const nlohmann::json& dtos);
  // Sends the DTOs of every request `out` leaves open to orders/{endpoint}, in calls of at
  // most k_max_invoice_dtos, and fills `out` from the answers; a refusal that may mean the
  // box already holds the number is read back. An error: the calls' outcome is unknown.
  Result<void> send_invoices(std::string_view endpoint, std::span<const TrackingUpload> uploads,
                             const std::vector<std::vector<std::string>>& items, const std::vector<std::string>& codes,
                             std::vector<std::optional<WriteOutcome>>& out);
  // One quantity change: its outcome from Coupang's answer, or the error that leaves it unknown.
  Result<WriteOutcome> put_quantity(const StockUpdate& update);

  std::map<std::string, BoxState> m_boxes; // by shipmentBoxId

  Result<Page> fetch(const Window& window, const std::string& cursor) override;
  Result<std::string> probe() override;
  // Every call but GET writes (acknowledgement, invoices, updateInvoices, quantities): the
  // answer Coupang gives when it takes each box of the request (resultCode OK).
  std::optional<net::Response> dry_run_answer(const net::Request& request) const override;
  // One order-sheet call; the parsed envelope, its `data` an array or absent.
  Result<nlohmann::json> get_ordersheets(TimePoint from, TimePoint to, const std::string& status,
                                         const std::string& next_token);

  std::string m_base_url;
  std::string m_vendor_id;
  std::string m_access_key;
  std::string m_secret_key;
  std::vector<std::string> m_statuses;
};

} // namespace uoms::connectors::coupang
