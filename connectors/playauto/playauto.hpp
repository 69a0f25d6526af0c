#pragma once

#include "connectors/connector_base.hpp"
#include "connectors/support/spooled_json.hpp"
#include "uoms/connector.hpp"
#include "uoms/tokens.hpp"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// PlayAuto Open API (docs/marketplaces/playauto.md): a token from POST /auth sent as
// `Authorization: Token …` next to `x-api-key`, order rows from POST /orders paged by
// start/length and grouped by bundle_no.
namespace uoms::connectors::playauto {

// The registry row for kind "playauto": settings, secrets and the factory.
const KindSpec& spec();

// The key under which the token is kept in the channel's TokenStore.
inline constexpr std::string_view k_token_name = "token";

// The documented maximum of `length` (playauto.md §3.2; o2044 above it): the default page
// size, and the bound of the channel's and [kinds.playauto] page_size.
inline constexpr int k_max_length = 3000;

// Bundles per upload_tracking call. setInvoice takes an `orders` array with no documented
// maximum (playauto.md §3.4); 50 keeps one call's answer small and matches the other kinds.
inline constexpr int k_tracking_batch = 50;

// The documented base is `https://openapi.playauto.io/api` (playauto.md §3.1). A `base_url`
// without a path (`http://127.0.0.1:8080`) gets `/api` appended; one with a path is used
// as given (support::base_url).
std::string api_url(std::string_view base_url);

// `YYYY-MM-DD` in the marketplace's zone (KST unless overridden), as sdate / edate take it.
std::string query_date(TimePoint t, std::chrono::minutes utc_offset);

// Every ord_status string of playauto.md §3.2 onto the shared vocabulary; nullopt for any
// other string (kept raw as `unknown` with an OrderNote).
std::optional<OrderStatus> map_status(std::string_view ord_status);
const std::vector<std::string>& known_statuses();

// The date types POST /orders accepts (playauto.md §3.2).
const std::vector<std::string>& date_types();

// Cursor between pages of one window: the next `start` offset in decimal ("3000").
// Empty: the window is done.
std::string encode_cursor(long long start);
std::optional<long long> decode_cursor(std::string_view text);

// One PlayAuto account (login e-mail).
//
// A Page is one POST /orders call of up to `page_size` rows over the window's KST days.
// Rows (uniq) are grouped into Orders by bundle_no; a bundle's rows may span pages, so an
// Order in a Page carries only its rows in that page and the engine upserts items by
// (order, item id) (partial_orders).
class PlayautoConnector : public support::ConnectorBase
{
public:
  explicit PlayautoConnector(const ChannelContext& context);

  // Per bundle (TrackingUpload::shipment_key = bundle_no): the bundle's rows are looked up
  // (or taken from the refresh just before), a bundle still in 신규주문 is instructed first
  // (PUT /order/instruction), then one PUT /order/setInvoice carries every ready bundle with
  // overwrite false and change_complete true (playauto.md §3.3, §3.4).
  Result<std::vector<WriteOutcome>> upload_tracking(std::span<const TrackingUpload> uploads) override;
  // PUT /order/setInvoice with overwrite true (playauto.md §3.4), for bundles holding the
  // number uoms uploaded, every row in 출고대기, 출고보류, 운송장출력, 주문재확인 or 배송중;
  // anything else is refused before the call. One call carries every ready bundle.
  Result<std::vector<WriteOutcome>> correct_tracking(std::span<const TrackingCorrection> corrections) override;
  // The bundle's rows: invoice_no and carr_no.
  Result<std::vector<TrackingOnMarketplace>> read_tracking(std::span<const TrackingUpload> uploads) override;
  // POST /orders searched by bundle_no, one call per bundle.
  Result<std::vector<Order>> refresh_orders(std::span<const std::string> order_ids) override;

private:
  Result<Page> fetch(const Window& window, const std::string& cursor) override;
  Result<std::string> probe() override;
  // Every PUT writes (ship instruction: {"results":"성공"}; setInvoice: "성공" for each
  // bundle of the request); POST /auth, POST /orders and GET /carriers read.
  std::optional<net::Response> dry_run_answer(const net::Request& request) const override;
  // The TokenSource: POST /auth with the API key and the login.
  Result<Token> issue_token();
  // One call with `token`; `token_rejected` tells a 401 (or an e1001-e1005 auth error)
  // from every other failure.
  // A JSON array is an answer only where `array_answer` says so (setInvoice, /carriers).
  Result<nlohmann::json> send(const std::string& method, const std::string& path, const std::string& body,
                              const std::string& token, const std::string& label, bool array_answer,
                              bool& token_rejected, std::FILE* file = nullptr,
                              std::optional<support::SpooledJson>* spooled = nullptr);
  // With `file` set the answer goes there and is indexed into `spooled`; the result is
  // then its envelope with the small `error` and `messages` members read in.
  // call() for the orders call with its answer kept in `file` and indexed in `spooled`:
  // the result is the answer's envelope (counts, error fields), the rows stay in the file.
  Result<nlohmann::json> call_spooled(const std::string& path, const std::string& body, const std::string& label,
                                      std::FILE* file, std::optional<support::SpooledJson>& spooled);
  // send() with the kept token; a rejected token is renewed once and the call sent again.
  Result<nlohmann::json> call(const std::string& path, const std::string& body, const std::string& label,
                              const std::string& method = "POST", bool array_answer = false);
  // The bundle's current rows as an Order (nullopt: PlayAuto lists no such bundle); kept
  // in m_bundles for the upload that follows a refresh.
  Result<std::optional<Order>> lookup(const std::string& bundle_no);
  // The carr_no of a uoms carrier: the KindSpec row, else GET /carriers matched by name.
  Result<std::optional<std::string>> carrier_number(const std::string& carrier);
  // The outcomes of the ready bundles' one setInvoice call, by bundle_no. `overwrite` true
  // only for corrections: an upload never replaces a number already there.
  Result<std::map<std::string, WriteOutcome, std::less<>>> set_invoices(const nlohmann::json& orders, bool overwrite);
  // The bundle as the refresh just before saw it, else looked up now.
  Result<std::optional<Order>> current_bundle(const std::string& bundle_no);
  Result<Page> fetch_page(const Window& window, long long start, int length);

  std::string m_url; // base URL with /api
  std::string m_email;
  std::string m_api_key;
  std::string m_password;
  std::string m_date_type;
  int m_page_size = k_max_length;
  std::chrono::hours m_token_ttl{12};
  std::map<std::string, Order, std::less<>> m_bundles; // by bundle_no, as the last lookup saw them
  // carrier_name -> carrier_code of GET /carriers, read once for the connector's life.
  std::optional<std::map<std::string, std::string, std::less<>>> m_carrier_list;
};

} // namespace uoms::connectors::playauto
