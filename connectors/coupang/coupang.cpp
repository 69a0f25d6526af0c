#include "connectors/coupang/coupang.hpp"

#include "connectors/coupang/mapping.hpp"
#include "connectors/support.hpp"
#include "uoms/crypto.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace uoms::connectors::coupang {

namespace {

using namespace support; // support::json and the shared field readers and helpers

constexpr std::string_view k_default_base_url = "https://api-gateway.coupang.com";
constexpr std::string_view k_default_statuses = "ACCEPT,INSTRUCT,DEPARTURE,DELIVERING,FINAL_DELIVERY,NONE_TRACKING";
constexpr int k_default_rescan_days = 3;
constexpr double k_default_rate_limit = 5;
// Lengthens the gateway's 3-second default (coupang.md §2.1): a 24-hour minute-mode
// query can take longer than that.
constexpr std::string_view k_extended_timeout_ms = "90000";
// Zone names Coupang sellers used before util::parse_utc_offset knew them.
constexpr std::array<support::Zone, 1> k_extra_zones{{{"CST", std::chrono::minutes{8 * 60}}}};

std::vector<std::string> split_statuses(std::string_view text)
{
  std::vector<std::string> out;
  for (auto item : support::split_list(text)) {
    std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (std::find(out.begin(), out.end(), item) == out.end()) {
      out.push_back(std::move(item));
    }
  }
  return out;
}

} // namespace

// --- public helpers -------------------------------------------------------------------

const std::vector<std::string>& all_statuses()
{
  static const std::vector<std::string> statuses = split_statuses(k_default_statuses);
  return statuses;
}

std::string signed_date(TimePoint now)
{
  return format_time(now, std::chrono::minutes{0}, "%y%m%dT%H%M%SZ");
}

std::string signature(std::string_view secret_key, std::string_view signed_date, std::string_view method,
                      std::string_view path, std::string_view query)
{
  std::string message;
  message.reserve(signed_date.size() + method.size() + path.size() + query.size());
  message.append(signed_date).append(method).append(path).append(query);
  return crypto::hmac_sha256_hex(secret_key, message);
}

std::string authorization(std::string_view access_key, std::string_view secret_key, std::string_view signed_date,
                          std::string_view method, std::string_view path, std::string_view query)
{
  return fmt::format("CEA algorithm=HmacSHA256, access-key={}, signed-date={}, signature={}", access_key,
                     signed_date, signature(secret_key, signed_date, method, path, query));
}

std::string query_time(TimePoint t, std::chrono::minutes utc_offset)
{
  return encode_value(format_time(t, utc_offset, "%Y-%m-%dT%H:%M%z"));
}

std::string encode_cursor(const Cursor& cursor)
{
  return fmt::format("{}|{}", cursor.status_index, cursor.next_token);
}

std::optional<Cursor> decode_cursor(std::string_view text)
{
  const auto bar = text.find('|');
  if (bar == std::string_view::npos || bar == 0) {
    return std::nullopt;
  }
  Cursor cursor;
  const auto digits = text.substr(0, bar);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cursor.status_index);
  if (ec != std::errc{} || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  cursor.next_token = std::string(text.substr(bar + 1));
  return cursor;
}

// --- the connector --------------------------------------------------------------------

CoupangConnector::CoupangConnector(const ChannelContext& context)
  : ConnectorBase(context, "coupang")
{
  // Coupang documents the bare host; a path is a proxy prefix, and signed with the path.
  m_base_url = support::base_url(context.settings, k_default_base_url);
  m_vendor_id = support::trimmed(context.settings, "vendor_id");
  m_access_key = setting(context.secrets, "access_key");
  m_secret_key = setting(context.secrets, "secret_key");
  m_statuses = split_statuses(setting(context.settings, "statuses", k_default_statuses));

  m_caps.max_window = std::chrono::hours(24);
  m_caps.time_step = std::chrono::minutes(1); // createdAtTo names a minute and includes all of it
  m_caps.partial_orders = true;
  m_caps.tracking_batch = k_tracking_batch;
  m_caps.stock_batch = k_stock_batch;

  if (const auto offset = support::timezone_setting(context.settings, k_kst_offset, k_extra_zones)) {
    m_caps.utc_offset = *offset;
  } else {
    config_error(offset.error());
  }
  if (const auto days = support::whole_setting(context.settings, "rescan_days", k_default_rescan_days, {0, 31, "days"})) {
    m_caps.rescan_window = std::chrono::days(*days);
  } else {
    config_error(days.error());
  }

  if (m_vendor_id.empty()) {
    config_error("setting vendor_id is required (the WING seller code, e.g. A00012345)");
  }
  if (m_access_key.empty()) {
    config_error("secret access_key is required");
  }
  if (m_secret_key.empty()) {
    config_error("secret secret_key is required");
  }
  if (m_statuses.empty()) {
    config_error("setting statuses: no status given");
  }
  for (const auto& status : m_statuses) {
    const bool word = std::all_of(status.begin(), status.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; });
    if (!word) {
      config_error(fmt::format("setting statuses: \"{}\" is not a status (known: {})", status, k_default_statuses));
    }
  }
  require_services();
  add_secret(m_secret_key);
  add_secret(m_access_key);
}

net::Request CoupangConnector::signed_request(std::string method, const std::string& path, const std::string& query,
                                              std::string label, std::string body) const
{
  // The base URL may carry a path prefix (a proxy); the signature covers the path as sent.
  const std::string signed_path = std::string(support::url_path(m_base_url)) + path;
  net::Request request;
  request.url = m_base_url + path + (query.empty() ? "" : "?" + query);
  request.label = std::move(label);
  request.body = std::move(body);
  const std::string date = signed_date(m_clock->now());
  request.headers = {
      {"Authorization", authorization(m_access_key, m_secret_key, date, method, signed_path, query)},
      {"Content-Type", "application/json;charset=UTF-8"},
      {"X-Requested-By", m_vendor_id},
      {"X-EXTENDED-TIMEOUT", std::string(k_extended_timeout_ms)},
  };
  request.method = std::move(method);
  return request;
}

Result<json> CoupangConnector::call(const net::Request& request, bool missing_ok)
{
  auto response = exchange(request);
  if (!response) {
    return std::unexpected(response.error());
  }
  json body = support::body_json(*response);
  auto fail = [&](ErrorKind kind, std::string_view what) {
    return std::unexpected(support::call_error(kind, request.label, response->status, what, scrub(describe_body(body))));
  };
  if (response->status == 302) {
    // Coupang answers 302 to an IP or vendorId it blocked after bursts (coupang.md §2.6).
    return fail(ErrorKind::rate_limited, "blocked after too many calls");
  }
  if (missing_ok && response->status == 400) {
    return json::object();
  }
  if (const auto refused = support::refusal(response->status, "unauthorized (check access_key, secret_key and the clock)",
                                            "forbidden (IP not registered or temporarily blocked)")) {
    return fail(refused->kind, refused->what);
  }
  if (!body.is_object()) {
    return std::unexpected(support::not_an_object(request.label));
  }
  if (!is_ok_code(body)) {
    return fail(ErrorKind::contract, "error in body");
  }
  return body;
}

Result<json> CoupangConnector::get_ordersheets(TimePoint from, TimePoint to, const std::string& status,
                                               const std::string& next_token)
{
  const std::string path = fmt::format("/v2/providers/openapi/apis/api/v5/vendors/{}/ordersheets", encode_value(m_vendor_id));
  // Alphabetical, like the doc's examples; these bytes are both signed and sent. Minute
  // mode takes no page size (coupang.md §2.3: maxPerPage does not apply), so none is sent.
  std::string query = fmt::format("createdAtFrom={}&createdAtTo={}", query_time(from, m_caps.utc_offset),
                                  query_time(to, m_caps.utc_offset));
  if (!next_token.empty()) {
    query += "&nextToken=" + encode_value(next_token);
  }
  query += "&searchType=timeFrame&status=" + encode_value(status);
  const net::Request request =
      signed_request("GET", path, query,
                     next_token.empty() ? fmt::format("GET ordersheets (status {})", status)
                                        : fmt::format("GET ordersheets (status {}, nextToken {})", status, next_token));
  auto body = call(request);
  if (!body) {
    return body;
  }
  const json* data = member(*body, "data");
  if (data != nullptr && !data->is_array()) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: \"data\" is not an array", request.label), 200, {}});
  }
  return body;
}

Result<Page> CoupangConnector::fetch(const Window& window, const std::string& cursor_text)
{
  Cursor cursor;
  if (!cursor_text.empty()) {
    const auto decoded = decode_cursor(cursor_text);
    if (!decoded || decoded->status_index >= m_statuses.size()) {
      return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("invalid coupang cursor \"{}\"", cursor_text)});
    }
    cursor = *decoded;
  }
  const std::string& status = m_statuses[cursor.status_index];
  auto body = get_ordersheets(window.from, last_step(window, m_caps.time_step, m_caps.utc_offset), status, cursor.next_token);
  if (!body) {
    return std::unexpected(body.error());
  }

  Page page;
  static const json k_empty = json::array();
  const json* data = member(*body, "data");
  support::MappedPage mapped = map_boxes(data != nullptr ? *data : k_empty, m_caps.utc_offset);
  page.orders = std::move(mapped.orders);
  page.failures = std::move(mapped.failures);
  page.notes = std::move(mapped.notes);

  const std::string token = support::id_text(member(*body, "nextToken"));
  if (!token.empty() && token == cursor.next_token) {
    return std::unexpected(ConnectorError{ErrorKind::contract,
                                          fmt::format("GET ordersheets (status {}): nextToken {} did not advance", status, token)});
  }
  if (!token.empty()) {
    page.next_cursor = encode_cursor({cursor.status_index, token});
  } else if (cursor.status_index + 1 < m_statuses.size()) {
    page.next_cursor = encode_cursor({cursor.status_index + 1, {}});
  }
  return page;
}

Result<std::string> CoupangConnector::probe()
{
  const TimePoint now = m_clock->now();
  const std::string& status = m_statuses.front();
  auto body = get_ordersheets(now - std::chrono::hours(1), now, status, {});
  if (!body) {
    return std::unexpected(body.error());
  }
  const json* data = member(*body, "data");
  const std::size_t count = data != nullptr ? data->size() : 0;
  return fmt::format("vendor {}: signature accepted; {} {} order sheet(s) created in the last hour", m_vendor_id, count,
                     status);
}

// --- registry row ---------------------------------------------------------------------

const KindSpec& spec()
{
  static const KindSpec kind{
      .kind = "coupang",
      .description = "Coupang WING Open API: v5 order sheets (minute mode), CEA HMAC-SHA256 signature",
      .settings =
          {
              support::base_url_field(k_default_base_url, "API host"),
              {"vendor_id", true, "", "WING seller code shown in WING, e.g. A00012345"},
              support::rate_limit_field(k_default_rate_limit, "Coupang throttles a vendorId at 10/s, so stay well below"),
              support::timezone_field("KST +09:00", "Asia/Seoul"),
              {"statuses", false, std::string(k_default_statuses),
               "comma list of order-sheet statuses to collect; each is queried separately for every window"},
              {"rescan_days", false, std::to_string(k_default_rescan_days),
               "days re-fetched on every pass: the list filters by creation time, so status changes of "
               "older orders are only seen by re-scanning (0-31)"},
          },
      .secrets =
          {
              {"access_key", true, "", "WING Open API access key (expires after 180 days)"},
              {"secret_key", true, "", "WING Open API secret key, used to sign each request"},
          },
      .make = support::factory<CoupangConnector>(),
      .default_rate_limit = k_default_rate_limit,
      // coupang.md §2.7: Lotte is HYUNDAI, Logen KGB, the convenience-store parcel CVS.
      .carriers =
          {
              {"CJ", "CJGLS"},       {"HANJIN", "HANJIN"}, {"LOTTE", "HYUNDAI"},         {"LOGEN", "KGB"},
              {"EPOST", "EPOST"},    {"KDEXP", "KDEXP"},   {"CVSNET", "CVS"},            {"DAESIN", "DAESIN"},
              {"ILYANG", "ILYANG"},  {"CHUNIL", "CHUNIL"}, {"HDEXP", "HDEXP"},           {"REGISTPOST", "REGISTPOST"},
              {"DIRECT", "DIRECT"},  {"EMS", "EMS"},       {"DHL", "DHL"},               {"FEDEX", "FEDEX"},
              {"UPS", "UPS"},
          },
      // coupang.md §2.4: orders/updateInvoices corrects a registered invoice.
      .corrects_tracking = true,
  };
  return kind;
}

} // namespace uoms::connectors::coupang
