#include "connectors/playauto/playauto.hpp"

#include "connectors/playauto/mapping.hpp"
#include "connectors/support.hpp"
#include "uoms/log.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace uoms::connectors::playauto {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;
using namespace support; // the shared field readers and helpers of connectors/support.hpp

constexpr std::string_view k_default_base_url = "https://openapi.playauto.io/api";
constexpr std::string_view k_documented_path = "/api";
constexpr std::string_view k_auth_path = "/auth";
constexpr std::string_view k_orders_path = "/orders";
// "use a modification date (mdate) where it exists" (marketplaces/README.md).
constexpr std::string_view k_default_date_type = "mdate";
// Sort key for offset paging: the collection time never changes, and new rows land at the
// front, so a row inserted while paging repeats one row instead of skipping one (§3.2's example).
constexpr std::string_view k_orderby = "wdate desc";
// Token lifetime is UNCONFIRMED (§3.1: clients cache 23-24 h); half that, and a 401 renews anyway.
constexpr int k_default_token_ttl_hours = 12;
// No window limit is documented; a week of days per query keeps the paging short.
constexpr int k_default_max_window_days = 7;
// With a date_type that is not a modification date, later changes are only seen by re-scanning.
constexpr int k_rescan_days_without_mdate = 3;
// Rate limits are UNCONFIRMED (§3.7): throttle conservatively.
constexpr double k_default_rate_limit = 1;

// The body of POST /orders: `length` rows from `start`, the window's days in `offset`.
std::string orders_body(long long start, int length, const std::string& date_type, const std::string& sdate,
                        const std::string& edate)
{
  return ordered_json{
      {"start", start},   {"length", length}, {"orderby", k_orderby}, {"date_type", date_type},
      {"sdate", sdate},   {"edate", edate},   {"status", ordered_json::array({"ALL"})},
  }
      .dump();
}

} // namespace

// --- public helpers -------------------------------------------------------------------

std::string api_url(std::string_view base_url)
{
  return support::documented_base(base_url, k_documented_path);
}

std::string query_date(TimePoint t, std::chrono::minutes utc_offset)
{
  return format_time(t, utc_offset, "%Y-%m-%d");
}

const std::vector<std::string>& date_types()
{
  static const std::vector<std::string> types = {
      "wdate",         "mdate",    "ord_time",          "pay_time",      "ord_status_mdate", "ship_plan_date",
      "ord_confirm_time", "out_order_time", "out_time", "invoice_send_time", "api_read_time",  "claim_com_time",
  };
  return types;
}

std::string encode_cursor(long long start)
{
  return std::to_string(start);
}

std::optional<long long> decode_cursor(std::string_view text)
{
  const auto start = support::parse_whole<long long>(text);
  if (!start || *start < 0) {
    return std::nullopt;
  }
  return start;
}

// --- the connector --------------------------------------------------------------------

PlayautoConnector::PlayautoConnector(const ChannelContext& context)
  : ConnectorBase(context, "playauto")
{
  m_url = support::base_url(context.settings, k_default_base_url, k_documented_path);
  m_email = support::trimmed(context.settings, "email");
  m_api_key = support::trimmed(context.secrets, "api_key");
  m_password = setting(context.secrets, "password");
  m_date_type = support::trimmed(context.settings, "date_type", k_default_date_type);

  m_caps.max_window = std::chrono::days(k_default_max_window_days);
  m_caps.rescan_window = Millis{0};
  m_caps.time_step = std::chrono::days(1); // sdate and edate name whole days
  m_caps.partial_orders = true;
  m_caps.tracking_batch = k_tracking_batch;

  if (m_email.empty()) {
    config_error("setting email is required (the PlayAuto login e-mail)");
  }
  if (m_api_key.empty()) {
    config_error("secret api_key is required (the x-api-key from the PlayAuto developer centre)");
  }
  if (m_password.empty()) {
    config_error("secret password is required (the PlayAuto login password)");
  }
  const auto& types = date_types();
  if (std::find(types.begin(), types.end(), m_date_type) == types.end()) {
    config_error(fmt::format("setting date_type: \"{}\" is not one of {}", m_date_type, fmt::join(types, ", ")));
  } else if (m_date_type != "mdate" && m_date_type != "ord_status_mdate") {
    m_caps.rescan_window = std::chrono::days(k_rescan_days_without_mdate);
  }
  if (const auto offset = support::timezone_setting(context.settings, k_kst_offset)) {
    m_caps.utc_offset = *offset;
  } else {
    config_error(offset.error());
  }
  if (const auto hours = support::whole_setting(context.settings, "token_ttl_hours", k_default_token_ttl_hours, {1, 720, "hours"})) {
    m_token_ttl = std::chrono::hours(*hours);
  } else {
    config_error(hours.error());
  }
  if (const auto days = support::whole_setting(context.settings, "max_window_days", k_default_max_window_days, {1, 90, "days"})) {
    m_caps.max_window = std::chrono::days(*days);
  } else {
    config_error(days.error());
  }
  // The channel's page_size wins over [kinds.playauto] page_size; both at most `length`'s 3000.
  const int configured = support::page_size(context.page_size, k_max_length, k_max_length);
  if (const auto rows = support::whole_setting(context.settings, "page_size", configured, {1, k_max_length, ""})) {
    m_page_size = *rows;
  } else {
    config_error(rows.error());
  }
  require_services();
  add_secret(m_api_key);
  add_secret(m_password);
  m_keeper = TokenKeeper::for_channel(context, std::string(k_token_name));
}

Result<Token> PlayautoConnector::issue_token()
{
  net::Request request;
  request.method = "POST";
  request.url = m_url + std::string(k_auth_path);
  request.headers = {{"Content-Type", "application/json"}, {"x-api-key", m_api_key}};
  request.body = ordered_json{{"email", m_email}, {"password", m_password}}.dump();
  request.label = "POST /auth";

  auto response = exchange(request);
  if (!response) {
    return std::unexpected(response.error());
  }
  const json body = support::body_json(*response);
  const ErrorBody detail = describe_body(body);
  auto fail = [&](ErrorKind kind, std::string_view what) {
    return std::unexpected(support::call_error(kind, request.label, response->status, what, scrub(detail.text)));
  };
  const auto refused = support::refusal(response->status);
  if (refused && (refused->kind == ErrorKind::rate_limited || refused->kind == ErrorKind::transient)) {
    return fail(refused->kind, refused->what);
  }
  if (refused || !detail.code.empty() || member(body, "error") != nullptr) {
    return fail(ErrorKind::auth, "token request rejected (check email, password and the api_key secret)");
  }
  // `[ { "token": "...", "sol_no": 123456 } ]`; a bare object is accepted too.
  const json* first = body.is_array() && !body.empty() ? &body.front() : &body;
  std::string token;
  if (const json* value = member(*first, "token"); value != nullptr && value->is_string()) {
    token = util::trim(value->get_ref<const std::string&>());
  }
  if (token.empty()) {
    return std::unexpected(
        ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 without a token", request.label), 200});
  }
  log::add_secret(token);
  return Token{token, m_clock->now() + m_token_ttl, ""};
}

Result<json> PlayautoConnector::send(const std::string& method, const std::string& path, const std::string& body,
                                     const std::string& token, const std::string& label, bool array_answer,
                                     bool& token_rejected, std::FILE* file, std::optional<support::SpooledJson>* spooled)
{
  token_rejected = false;
  if (spooled != nullptr) {
    spooled->reset();
  }
  net::Request request;
  request.method = method;
  request.url = m_url + path;
  request.headers = {
      {"Content-Type", "application/json"},
      {"x-api-key", m_api_key},
      {"Authorization", "Token " + token},
  };
  request.body = body;
  request.label = label;
  request.body_file = file;

  auto response = exchange(request);
  if (!response) {
    return std::unexpected(response.error());
  }
  json parsed;
  if (response->body_file != nullptr && spooled != nullptr) {
    if (auto indexed = support::SpooledJson::index(response->body_file)) {
      parsed = indexed->envelope();
      // The error members describe_body reads are small: read them in.
      for (const std::string_view key : {"error", "messages"}) {
        if (const auto* small = indexed->member(key)) {
          parsed[std::string(key)] = json::parse(indexed->text(*small), nullptr, false);
        }
      }
      *spooled = std::move(*indexed);
    } else {
      parsed = json(json::value_t::discarded);
    }
  } else {
    parsed = support::body_json(*response);
  }
  const ErrorBody detail = describe_body(parsed);
  auto fail = [&](ErrorKind kind, std::string_view what) {
    return std::unexpected(support::call_error(kind, label, response->status, what, scrub(detail.text)));
  };
  // An expired token shows up as a 401 or an auth error object (§3.1).
  if (response->status == 401 || is_token_code(detail.code)) {
    token_rejected = true;
    return fail(ErrorKind::auth, "unauthorized");
  }
  const std::string_view forbidden = "forbidden (is the OPEN-API use approved for this account?)";
  if (detail.code == "e1006") {
    return fail(ErrorKind::auth, forbidden);
  }
  if (const auto refused = support::refusal(response->status, "unauthorized", forbidden)) {
    return fail(refused->kind, refused->what);
  }
  if (array_answer && parsed.is_array()) {
    return parsed;
  }
  if (!parsed.is_object()) {
    return std::unexpected(support::not_an_object(label));
  }
  if (!detail.code.empty() || member(parsed, "error") != nullptr) {
    return fail(ErrorKind::contract, "error in body");
  }
  return parsed;
}

Result<json> PlayautoConnector::call_spooled(const std::string& path, const std::string& body, const std::string& label,
                                             std::FILE* file, std::optional<support::SpooledJson>& spooled)
{
  const TokenSource source = [this](const std::optional<Token>&) { return issue_token(); };
  return m_keeper->use<json>(
      source,
      [&](const std::string& token, bool& rejected) {
        return send("POST", path, body, token, label, false, rejected, file, &spooled);
      },
      " after a new token (check email, password and the api_key secret)");
}

Result<json> PlayautoConnector::call(const std::string& path, const std::string& body, const std::string& label,
                                     const std::string& method, bool array_answer)
{
  const TokenSource source = [this](const std::optional<Token>&) { return issue_token(); };
  return m_keeper->use<json>(
      source,
      [&](const std::string& token, bool& rejected) {
        return send(method, path, body, token, label, array_answer, rejected);
      },
      " after a new token (check email, password and the api_key secret)");
}

Result<Page> PlayautoConnector::fetch_page(const Window& window, long long start, int length)
{
  const std::string label = fmt::format("POST /orders (start {})", start);
  // A page of up to 3,000 rows with their products is kept in a file and read a row at a
  // time: memory holds the page's orders, not its whole tree.
  auto file = support::SpooledJson::temporary_file();
  if (!file) {
    return std::unexpected(ConnectorError{ErrorKind::transient, fmt::format("{}: cannot make a temporary file for the answer", label)});
  }
  std::optional<support::SpooledJson> spooled;
  auto body = call_spooled(std::string(k_orders_path),
                           orders_body(start, length, m_date_type, query_date(window.from, m_caps.utc_offset),
                                       query_date(last_step(window, m_caps.time_step, m_caps.utc_offset), m_caps.utc_offset)),
                           label, file.get(), spooled);
  if (!body) {
    return std::unexpected(body.error());
  }
  Page page;
  const support::SpooledJson::Member* rows = spooled ? spooled->member("results") : nullptr;
  if (rows == nullptr || !rows->is_array) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 without a results array", label), 200});
  }
  support::MappedPage mapped = map_rows(*spooled, *rows, spooled->member("results_prod"), m_caps.utc_offset);
  page.orders = std::move(mapped.orders);
  page.failures = std::move(mapped.failures);
  page.notes = std::move(mapped.notes);

  // A full page asks for more; so does a total beyond this page. An empty page ends.
  const auto size = static_cast<long long>(rows->size());
  std::optional<long long> total = count_field(*body, "recordsFiltered");
  if (!total) {
    total = count_field(*body, "recordsTotal");
  }
  const long long next = start + size;
  if (size > 0 && (size >= length || (total && next < *total))) {
    page.next_cursor = encode_cursor(next);
  }
  return page;
}

Result<Page> PlayautoConnector::fetch(const Window& window, const std::string& cursor)
{
  long long start = 0;
  if (!cursor.empty()) {
    const auto decoded = decode_cursor(cursor);
    if (!decoded) {
      return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("invalid playauto cursor \"{}\"", cursor)});
    }
    start = *decoded;
  }
  return fetch_page(window, start, m_page_size);
}

Result<std::string> PlayautoConnector::probe()
{
  const TimePoint now = m_clock->now();
  const std::string today = query_date(now, m_caps.utc_offset);
  auto body = call(std::string(k_orders_path), orders_body(0, 1, m_date_type, today, today), "POST /orders (check)");
  if (!body) {
    return std::unexpected(body.error());
  }
  std::optional<long long> total = count_field(*body, "recordsFiltered");
  if (!total) {
    total = count_field(*body, "recordsTotal");
  }
  const auto token = m_keeper->stored();
  const auto hours = token ? std::chrono::duration_cast<std::chrono::hours>(token->expires_at - now).count() : 0;
  return fmt::format("{}: token accepted (kept {} h more); {} order row(s) by {} on {}", m_email, hours,
                     total ? std::to_string(*total) : std::string("unknown"), m_date_type, today);
}

// --- registry row ---------------------------------------------------------------------

const KindSpec& spec()
{
  static const KindSpec kind{
      .kind = "playauto",
      .description = "PlayAuto Open API: POST /orders by modification date, x-api-key + Token",
      .settings =
          {
              support::base_url_field(k_default_base_url, "API base as documented; a bare host gets /api"),
              {"email", true, "", "PlayAuto login e-mail (sent to POST /auth)"},
              support::rate_limit_field(k_default_rate_limit, "PlayAuto publishes no limit, so the default is conservative"),
              support::timezone_field("KST +09:00", "Asia/Seoul"),
              {"date_type", false, std::string(k_default_date_type),
               "date the window filters on: mdate (last modified) by default; wdate, ord_time, pay_time, "
               "ord_status_mdate, ship_plan_date, ord_confirm_time, out_order_time, out_time, invoice_send_time, "
               "api_read_time or claim_com_time"},
              {"token_ttl_hours", false, std::to_string(k_default_token_ttl_hours),
               "hours a token is reused before a new one is requested (1-720); its real lifetime is unconfirmed, and "
               "a rejected token is renewed at once anyway"},
              {"max_window_days", false, std::to_string(k_default_max_window_days),
               "longest window per query in days (1-90); no limit is documented"},
              {"page_size", false, "",
               "rows per POST /orders call (length), 1 to 3000; unset: [kinds.playauto] page_size, else 3000"},
          },
      .secrets =
          {
              {"api_key", true, "", "x-api-key from the PlayAuto developer centre"},
              {"password", true, "", "PlayAuto login password (sent to POST /auth)"},
          },
      .make = support::factory<PlayautoConnector>(),
      .default_rate_limit = k_default_rate_limit,
      // Observed carr_no values (playauto.md §3.5: 4 CJ대한통운, 5 한진택배, 6 로젠택배); any
      // other carrier is matched by name in GET /carriers at upload time.
      .carriers = {{"CJ", "4"}, {"HANJIN", "5"}, {"LOGEN", "6"}},
      .carriers_from_marketplace = true,
      // PUT /order/setInvoice with overwrite true replaces a number (playauto.md §3.4).
      .corrects_tracking = true,
  };
  return kind;
}

} // namespace uoms::connectors::playauto
