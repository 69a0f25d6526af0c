#include "connectors/qoo10jp/qoo10jp.hpp"

#include "connectors/qoo10jp/mapping.hpp"
#include "connectors/support.hpp"
#include "connectors/support/page_orders.hpp"
#include "uoms/log.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace uoms::connectors::qoo10jp {

namespace {

using namespace support; // support::json and the shared field readers and helpers

constexpr std::string_view k_default_base_url = "https://api.qoo10.jp";
constexpr std::string_view k_key_method = "CertificationAPI.CreateCertificationKey";
constexpr std::string_view k_orders_method = "ShippingBasic.GetShippingInfo_v2";
constexpr std::string_view k_api_version = "1.0";
constexpr std::string_view k_return_type = "application/json";
// Every ShippingStat the vendor documents (qoo10jp.md §2.3): waiting, shipping requested,
// preparing, shipped, delivered.
constexpr std::string_view k_default_statuses = "1,2,3,4,5";
// 2 = payment date: every line in a shipping status is paid, and a late payment (konbini)
// of an older order still falls into the window. 1 = order date would miss it.
constexpr std::string_view k_default_search_condition = "2";
constexpr int k_default_rescan_days = 3;
// The date window limit is UNCONFIRMED (qoo10jp.md §2.3: public code uses 89 days, 30-day
// chunks, 360 minutes). A week keeps each unpaged answer small.
constexpr int k_default_max_window_days = 7;
// The key's lifetime is given as a year (MED) but changing the QSM password voids it; a
// day is short enough to notice that quickly and issuing keys is not limited (§2.1).
constexpr int k_default_key_ttl_hours = 24;
// Rate limits are UNCONFIRMED (§2.6): throttle conservatively.
constexpr double k_default_rate_limit = 1;
constexpr std::chrono::minutes k_jst_offset{9 * 60};

std::vector<int> split_statuses(std::string_view text, std::string& bad)
{
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    const std::string_view item = util::trim(text.substr(start, end - start));
    if (!item.empty()) {
      const auto code = parse_int(item);
      if (!code || !map_status(*code)) {
        bad = std::string(item);
        return {};
      }
      if (std::find(out.begin(), out.end(), *code) == out.end()) {
        out.push_back(*code);
      }
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

} // namespace

// --- public helpers -------------------------------------------------------------------

std::string service_url(std::string_view base_url)
{
  return support::documented_base(base_url, k_service_path);
}

std::string query_time(TimePoint t, std::chrono::minutes utc_offset)
{
  return format_time(std::chrono::floor<std::chrono::seconds>(t), utc_offset, "%Y%m%d%H%M%S");
}

std::optional<OrderStatus> map_status(int shipping_stat)
{
  switch (shipping_stat) {
  case 1: return OrderStatus::paid;      // 配送待ち: waiting, before the shipping request
  case 2: return OrderStatus::paid;      // 配送要請: paid, to ship
  case 3: return OrderStatus::preparing; // 配送準備: the seller checked the order
  case 4: return OrderStatus::shipped;   // 配送中
  case 5: return OrderStatus::delivered; // 配送完了
  default: return std::nullopt;
  }
}

std::string encode_cursor(std::size_t status_index)
{
  return std::to_string(status_index);
}

std::optional<std::size_t> decode_cursor(std::string_view text)
{
  return support::parse_whole<std::size_t>(text);
}

// --- the connector --------------------------------------------------------------------

// The status being read, between pages (defined before the constructor, which destroys one
// on an exception).
struct Qoo10Connector::StatusAnswer
{
  std::size_t status_index = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{nullptr, &std::fclose};
  std::optional<support::SpooledJson> body;
  const support::SpooledJson::Member* rows = nullptr; // ResultObject; null: no rows
  std::size_t count = 0;                              // rows in the answer
  std::size_t next = 0;                               // rows handed out
  std::string label;
};

Qoo10Connector::Qoo10Connector(const ChannelContext& context)
  : ConnectorBase(context, "qoo10jp")
{
  m_url = support::base_url(context.settings, k_default_base_url, k_service_path);
  m_user_id = support::trimmed(context.settings, "user_id");
  m_api_key = support::trimmed(context.secrets, "api_key");
  m_password = setting(context.secrets, "password");

  m_caps.time_step = std::chrono::seconds(1);
  m_caps.partial_orders = true;
  m_caps.tracking_batch = k_tracking_batch;
  m_caps.stock_batch = k_stock_batch;

  if (m_user_id.empty()) {
    config_error("setting user_id is required (the QSM login ID)");
  }
  if (m_api_key.empty()) {
    config_error("secret api_key is required (the QAPI key issued through QSM)");
  }
  if (m_password.empty()) {
    config_error("secret password is required (the QSM password)");
  }
  if (const auto offset = support::timezone_setting(context.settings, k_jst_offset)) {
    m_caps.utc_offset = *offset;
  } else {
    config_error(offset.error());
  }
  std::string bad;
  m_statuses = split_statuses(setting(context.settings, "statuses", k_default_statuses), bad);
  if (!bad.empty()) {
    config_error(fmt::format("setting statuses: \"{}\" is not a ShippingStat (1 to 5)", bad));
  } else if (m_statuses.empty()) {
    config_error("setting statuses: no status given");
  }
  m_search_condition = support::trimmed(context.settings, "search_condition", k_default_search_condition);
  if (m_search_condition != "1" && m_search_condition != "2" && m_search_condition != "3" && m_search_condition != "4") {
    config_error(fmt::format("setting search_condition: \"{}\" is not 1 (order date), 2 (payment date), 3 (shipped "
                             "date) or 4 (delivered date)",
                             m_search_condition));
  }
  if (const auto days = support::whole_setting(context.settings, "rescan_days", k_default_rescan_days, {0, 90, "days"})) {
    m_caps.rescan_window = std::chrono::days(*days);
  } else {
    config_error(days.error());
  }
  if (const auto days = support::whole_setting(context.settings, "max_window_days", k_default_max_window_days, {1, 89, "days"})) {
    m_caps.max_window = std::chrono::days(*days);
  } else {
    config_error(days.error());
  }
  if (const auto hours = support::whole_setting(context.settings, "key_ttl_hours", k_default_key_ttl_hours, {1, 8760, "hours"})) {
    m_key_ttl = std::chrono::hours(*hours);
  } else {
    config_error(hours.error());
  }
  require_services();
  add_secret(m_api_key);
  add_secret(m_password);
  m_keeper = TokenKeeper::for_channel(context, std::string(k_key_name));
}

Qoo10Connector::~Qoo10Connector() = default;

Result<json> Qoo10Connector::post(std::string_view method, const Params& params, const std::string& key,
                                  const std::string& label, bool& key_rejected)
{
  std::optional<support::SpooledJson> unused;
  return post(method, params, key, label, key_rejected, nullptr, unused);
}

Result<json> Qoo10Connector::post(std::string_view method, const Params& params, const std::string& key,
                                  const std::string& label, bool& key_rejected, std::FILE* file,
                                  std::optional<support::SpooledJson>& spooled)
{
  key_rejected = false;
  spooled.reset();
  Params form = params;
  form.emplace_back("returnType", std::string(k_return_type));
  net::Request request;
  request.method = "POST";
  request.url = m_url + "/" + std::string(method);
  request.headers = {
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"GiosisCertificationKey", key},
      {"QAPIVersion", std::string(k_api_version)},
  };
  request.body = net::build_query(form);
  request.label = label;
  request.body_file = file;

  auto response = exchange(request);
  if (!response) {
    return std::unexpected(response.error());
  }
  json body;
  if (response->body_file != nullptr) {
    // Only the envelope becomes a tree; the rows stay in the file, indexed.
    if (auto indexed = support::SpooledJson::index(response->body_file)) {
      body = indexed->envelope();
      spooled = std::move(*indexed);
    } else {
      body = json(json::value_t::discarded);
    }
  } else {
    body = support::body_json(*response);
  }
  const Verdict verdict = body.is_object() ? judge(body) : Verdict{};
  // The HTTP status is reported to be always 200 (LOW); anything else is still an error.
  if (const auto refused = support::refusal(response->status)) {
    const std::string detail = verdict.has_code ? fmt::format("ResultCode {} {}", verdict.code, verdict.message) : "";
    ConnectorError error = support::call_error(refused->kind, label, response->status, refused->what, detail);
    error.message = scrub(std::string(util::trim(error.message)));
    return std::unexpected(std::move(error));
  }
  if (!body.is_object()) {
    return std::unexpected(support::not_an_object(label));
  }
  if (!verdict.has_code) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 without ResultCode", label), 200});
  }
  if (verdict.ok) {
    return body;
  }
  std::string message = scrub(std::string(util::trim(fmt::format("{}: ResultCode {} {}", label, verdict.code, verdict.message))));
  if (is_key_code(verdict.code)) {
    key_rejected = true;
    return std::unexpected(ConnectorError{ErrorKind::auth, std::move(message), 200});
  }
  if (verdict.code == -90001) {
    return std::unexpected(ConnectorError{ErrorKind::contract, message + " (API does not exist)", 200});
  }
  return std::unexpected(ConnectorError{ErrorKind::contract, std::move(message), 200});
}

Result<Token> Qoo10Connector::issue_key()
{
  const std::string label = "POST " + std::string(k_key_method);
  bool ignored = false;
  auto body = post(k_key_method, {{"user_id", m_user_id}, {"pwd", m_password}}, m_api_key, label, ignored);
  if (!body) {
    ConnectorError error = body.error();
    // A refused key request is the credentials: the operator must act.
    if (error.kind == ErrorKind::contract && error.http_status == 200) {
      error.kind = ErrorKind::auth;
    }
    if (error.kind == ErrorKind::auth) {
      error.message += " (check the api_key secret, user_id and password; re-issue the API key in QSM if it no longer works)";
    }
    return std::unexpected(std::move(error));
  }
  const json* object = member(*body, "ResultObject");
  std::string key;
  if (object != nullptr && object->is_string()) {
    key = util::trim(object->get_ref<const std::string&>());
  }
  if (key.empty()) {
    return std::unexpected(ConnectorError{
        ErrorKind::contract, fmt::format("{}: ResultCode 0 without a key in ResultObject", label), 200});
  }
  log::add_secret(key);
  return Token{key, m_clock->now() + m_key_ttl, ""};
}

Result<json> Qoo10Connector::call(std::string_view method, const Params& params, const std::string& label)
{
  // A rejected key expired or was voided (a changed QSM password): issue a new one once.
  const TokenSource source = [this](const std::optional<Token>&) { return issue_key(); };
  return m_keeper->use<json>(
      source, [&](const std::string& key, bool& rejected) { return post(method, params, key, label, rejected); },
      " after issuing a new certification key (check the api_key secret, user_id and password; re-issue the API key "
      "in QSM if it no longer works)");
}

Result<void> Qoo10Connector::start_status(const Window& window, std::size_t status_index)
{
  m_answer.reset();
  auto answer = std::make_unique<StatusAnswer>();
  answer->status_index = status_index;
  const int status = m_statuses[status_index];
  answer->label = fmt::format("POST {} (ShippingStat {})", k_orders_method, status);
  answer->file = support::SpooledJson::temporary_file();
  if (!answer->file) {
    return std::unexpected(ConnectorError{ErrorKind::transient,
                                          fmt::format("{}: cannot make a temporary file for the answer", answer->label)});
  }
  const Params params = {{"ShippingStat", std::to_string(status)},
                         {"search_Sdate", query_time(window.from, m_caps.utc_offset)},
                         {"search_Edate", query_time(last_step(window, m_caps.time_step, m_caps.utc_offset), m_caps.utc_offset)},
                         {"search_condition", m_search_condition}};
  // GetShippingInfo_v2 takes no page size (qoo10jp.md §2.3): one status's window is one answer.
  const TokenSource source = [this](const std::optional<Token>&) { return issue_key(); };
  auto envelope = m_keeper->use<json>(
      source,
      [&](const std::string& key, bool& rejected) {
        return post(k_orders_method, params, key, answer->label, rejected, answer->file.get(), answer->body);
      },
      " after issuing a new certification key (check the api_key secret, user_id and password; re-issue the API key "
      "in QSM if it no longer works)");
  if (!envelope) {
    return std::unexpected(envelope.error());
  }
  if (!answer->body) {
    return std::unexpected(support::not_an_object(answer->label));
  }
  answer->rows = answer->body->member("ResultObject", true);
  if (answer->rows != nullptr) {
    answer->count = answer->rows->is_array ? answer->rows->size() : 1; // an object: a single line, as XML-to-JSON gateways send it
  } else if (member(*envelope, "ResultObject") != nullptr) {
    return std::unexpected(
        ConnectorError{ErrorKind::contract, fmt::format("{}: ResultObject is not a list of orders", answer->label), 200});
  }
  m_answer = std::move(answer);
  return {};
}

Result<Page> Qoo10Connector::next_rows()
{
  auto& answer = *m_answer;
  const int status = m_statuses[answer.status_index];
  // ShippingRate is the cart's fee, repeated on its lines or carried by one of them.
  support::PageOrders orders(support::PageOrders::Fee::max);
  std::string last_pack;
  for (std::size_t taken = 0; answer.next < answer.count; ++taken) {
    std::string text = answer.rows->is_array ? answer.body->text(*answer.rows, answer.next) : answer.body->text(*answer.rows);
    const json row = json::parse(text, nullptr, false);
    if (row.is_discarded()) {
      m_answer.reset();
      return std::unexpected(ConnectorError{ErrorKind::transient, "the answer's temporary file changed while it was read"});
    }
    std::string pack = pack_id(row);
    if (taken >= k_rows_per_page && pack != last_pack) {
      break;
    }
    ++answer.next;
    add_row(orders, row, text, status, *map_status(status), m_caps.utc_offset);
    last_pack = std::move(pack);
  }
  support::MappedPage mapped = orders.finish();
  Page page;
  page.orders = std::move(mapped.orders);
  page.failures = std::move(mapped.failures);
  page.notes = std::move(mapped.notes);
  if (answer.next < answer.count) {
    page.next_cursor = fmt::format("{}:{}", answer.status_index, answer.next);
  } else {
    if (answer.status_index + 1 < m_statuses.size()) {
      page.next_cursor = encode_cursor(answer.status_index + 1);
    }
    m_answer.reset();
  }
  return page;
}

Result<Page> Qoo10Connector::fetch(const Window& window, const std::string& cursor)
{
  std::size_t index = 0;
  std::size_t rows = 0;
  if (!cursor.empty()) {
    const auto colon = cursor.find(':');
    const auto decoded = decode_cursor(std::string_view(cursor).substr(0, colon));
    const auto skipped = colon == std::string::npos ? std::optional<std::size_t>(0)
                                                    : support::parse_whole<std::size_t>(std::string_view(cursor).substr(colon + 1));
    if (!decoded || *decoded >= m_statuses.size() || !skipped) {
      return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("invalid qoo10jp cursor \"{}\"", cursor)});
    }
    index = *decoded;
    rows = *skipped;
  }
  if (!m_answer || m_answer->status_index != index || m_answer->next != rows || rows == 0) {
    if (auto started = start_status(window, index); !started) {
      return std::unexpected(started.error());
    }
    // A status begun by another connector: its rows up to the cursor were handed out.
    m_answer->next = std::min(rows, m_answer->count);
  }
  return next_rows();
}

Result<std::string> Qoo10Connector::probe()
{
  const TimePoint now = m_clock->now();
  if (auto started = start_status({now - std::chrono::hours(24), now}, 0); !started) {
    return std::unexpected(started.error());
  }
  std::size_t lines = 0;
  while (m_answer) {
    auto page = next_rows();
    if (!page) {
      return std::unexpected(page.error());
    }
    for (const auto& order : page->orders) {
      lines += order.items.size();
    }
    lines += page->failures.size();
  }
  const auto key = m_keeper->stored();
  const auto hours = key ? std::chrono::duration_cast<std::chrono::hours>(key->expires_at - m_clock->now()).count() : 0;
  return fmt::format("user {}: certification key accepted (kept {} h more); {} order line(s) in ShippingStat {} over "
                     "the last 24 h",
                     m_user_id, hours, lines, m_statuses.front());
}

// --- registry row ---------------------------------------------------------------------

const KindSpec& spec()
{
  static const KindSpec kind{
      .kind = "qoo10jp",
      .description = "Qoo10 Japan QAPI: ShippingBasic.GetShippingInfo_v2 per ShippingStat, seller certification key",
      .settings =
          {
              support::base_url_field(k_default_base_url,
                                      "API host; without a path it gets /GMKT.INC.Front.QAPIService/ebayjapan.qapi, "
                                      "so the documented base works too"),
              {"user_id", true, "", "QSM login ID (sent as user_id when issuing the certification key)"},
              support::rate_limit_field(k_default_rate_limit, "Qoo10 publishes no limit, so the default is conservative"),
              support::timezone_field("JST +09:00", "Asia/Tokyo"),
              {"statuses", false, std::string(k_default_statuses),
               "comma list of ShippingStat codes to collect (1 waiting, 2 shipping requested, 3 preparing, 4 shipped, "
               "5 delivered); each is queried separately for every window"},
              {"search_condition", false, std::string(k_default_search_condition),
               "date the window filters on: 1 order date, 2 payment date, 3 shipped date, 4 delivered date"},
              {"rescan_days", false, std::to_string(k_default_rescan_days),
               "days re-fetched on every pass: the list filters by a date, not by change, so later status changes "
               "are only seen by re-scanning (0-90)"},
              {"max_window_days", false, std::to_string(k_default_max_window_days),
               "longest window per query in days (1-89); Qoo10's limit is unconfirmed"},
              {"key_ttl_hours", false, std::to_string(k_default_key_ttl_hours),
               "hours a certification key is reused before a new one is issued (1-8760); its real lifetime is "
               "unconfirmed, and a rejected key is re-issued at once anyway"},
          },
      .secrets =
          {
              {"api_key", true, "",
               "QAPI key issued through QSM (sent as GiosisCertificationKey to issue the seller key)"},
              {"password", true, "", "QSM password (sent as pwd when issuing the certification key)"},
          },
      .make = support::factory<Qoo10Connector>(),
      .default_rate_limit = k_default_rate_limit,
      // ShippingCorp takes the carrier's name as registered in QSM (qoo10jp.md §2.4, MED;
      // the authoritative list is behind the QSM login).
      .carriers = {{"YAMATO", "ヤマト宅急便"},
                   {"SAGAWA", "佐川急便"},
                   {"JAPANPOST", "ゆうパック"},
                   {"SEINO", "西濃運輸"},
                   {"FUKUYAMA", "福山通運"},
                   {"QXPRESS", "Qxpress"}},
  };
  return kind;
}

} // namespace uoms::connectors::qoo10jp
