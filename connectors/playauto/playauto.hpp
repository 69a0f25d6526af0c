#pragma once

#include "connectors/connector_base.hpp"
#include "uoms/connector.hpp"
#include "uoms/tokens.hpp"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
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

private:
  Result<Page> fetch(const Window& window, const std::string& cursor) override;
  Result<std::string> probe() override;
  // The TokenSource: POST /auth with the API key and the login.
  Result<Token> issue_token();
  // One call with `token`; `token_rejected` tells a 401 (or an e1001-e1005 auth error)
  // from every other failure.
  Result<nlohmann::json> send(const std::string& path, const std::string& body, const std::string& token,
                              const std::string& label, bool& token_rejected);
  // send() with the kept token; a rejected token is renewed once and the call sent again.
  Result<nlohmann::json> call(const std::string& path, const std::string& body, const std::string& label);
  Result<Page> fetch_page(const Window& window, long long start, int length);

  std::string m_url; // base URL with /api
  std::string m_email;
  std::string m_api_key;
  std::string m_password;
  std::string m_date_type;
  int m_page_size = k_max_length;
  std::chrono::hours m_token_ttl{12};
};

} // namespace uoms::connectors::playauto
