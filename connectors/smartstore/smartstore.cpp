#include "connectors/smartstore/smartstore.hpp"

#include "connectors/smartstore/mapping.hpp"
#include "connectors/support.hpp"
#include "uoms/crypto.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace uoms::connectors::smartstore {

namespace {

using namespace support; // support::json and the shared field readers and helpers

// Naver documents `https://api.commerce.naver.com/external` as the base every path is
// relative to (smartstore.md); the bare host gets `/external`, so both forms work.
constexpr std::string_view k_default_base_url = "https://api.commerce.naver.com";
constexpr std::string_view k_documented_path = "/external";
constexpr std::string_view k_token_path = "/v1/oauth2/token";
constexpr std::string_view k_changes_path = "/v1/pay-order/seller/product-orders/last-changed-statuses";
constexpr std::string_view k_details_path = "/v1/pay-order/seller/product-orders/query";
constexpr double k_default_rate_limit = 2;
// Lifetime the docs give when a token response omits expires_in (smartstore.md §1.1).
constexpr auto k_default_token_life = std::chrono::seconds(10'800);

} // namespace

// --- public helpers -------------------------------------------------------------------

std::optional<std::string> client_secret_sign(std::string_view client_id, std::string_view client_secret,
                                              long long timestamp_ms)
{
  // The secret must itself be a bcrypt salt: `$2a$NN$` + 22 characters. libcrypt would
  // read anything else as another hash scheme (a two-letter DES salt, say) and succeed.
  const auto is_salt_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '/'; };
  if (client_secret.size() < 29 || client_secret[0] != '$' || client_secret[1] != '2' || client_secret[3] != '$'
      || client_secret[6] != '$' || std::string_view("abxy").find(client_secret[2]) == std::string_view::npos
      || !std::isdigit(static_cast<unsigned char>(client_secret[4])) || !std::isdigit(static_cast<unsigned char>(client_secret[5]))
      || !std::all_of(client_secret.begin() + 7, client_secret.begin() + 29, is_salt_char)) {
    return std::nullopt;
  }
  const std::string password = fmt::format("{}_{}", client_id, timestamp_ms);
  const auto hashed = crypto::bcrypt(password, client_secret);
  if (!hashed || hashed->size() != 60 || !hashed->starts_with(client_secret.substr(0, 7))) {
    return std::nullopt;
  }
  return crypto::base64_encode(*hashed);
}

std::string query_time(TimePoint t)
{
  return encode_value(format_time(t, k_kst_offset, "%Y-%m-%dT%H:%M:%S.%L%z"));
}

std::string encode_cursor(const Cursor& cursor)
{
  return cursor.more_from + "|" + cursor.more_sequence;
}

std::optional<Cursor> decode_cursor(std::string_view text)
{
  const auto bar = text.rfind('|');
  if (bar == std::string_view::npos || bar == 0 || bar + 1 == text.size()) {
    return std::nullopt;
  }
  return Cursor{std::string(text.substr(0, bar)), std::string(text.substr(bar + 1))};
}

// --- the connector --------------------------------------------------------------------

SmartstoreConnector::SmartstoreConnector(const ChannelContext& context)
  : ConnectorBase(context, "smartstore")
{
  m_base_url = support::base_url(context.settings, k_default_base_url, k_documented_path);
  m_client_id = support::trimmed(context.settings, "client_id");
  m_client_secret = support::trimmed(context.secrets, "client_secret");
  m_account_type = support::trimmed(context.settings, "account_type", "SELF");
  std::transform(m_account_type.begin(), m_account_type.end(), m_account_type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  m_account_id = support::trimmed(context.settings, "account_id");
  m_limit_count = support::page_size(context.page_size, k_max_limit_count, k_max_limit_count);

  m_caps.max_window = std::chrono::hours(24);
  m_caps.utc_offset = k_kst_offset;
  m_caps.partial_orders = true;
  m_caps.tracking_batch = k_tracking_batch;
  m_caps.stock_batch = k_stock_batch;

  if (m_client_id.empty()) {
    config_error("setting client_id is required (the application ID from the Commerce API center)");
  }
  if (m_client_secret.empty()) {
    config_error("secret client_secret is required");
  }
  if (m_account_type != "SELF" && m_account_type != "SELLER") {
    config_error(fmt::format("setting account_type: \"{}\" is neither SELF nor SELLER", m_account_type));
  }
  if (m_account_type == "SELLER" && m_account_id.empty()) {
    config_error("setting account_id is required when account_type is SELLER");
  }
  require_services();
  add_secret(m_client_secret);
  m_keeper = TokenKeeper::for_channel(context, std::string(k_token_name));
}

Result<Token> SmartstoreConnector::request_token()
{
  const TimePoint now = m_clock->now();
  const long long timestamp = to_epoch_millis(now);
  const auto sign = client_secret_sign(m_client_id, m_client_secret, timestamp);
  if (!sign) {
    return std::unexpected(ConnectorError{
        ErrorKind::config, "secret client_secret is not a bcrypt salt ($2a$10$ followed by 22 characters)"});
  }
  std::vector<std::pair<std::string, std::string>> form = {
      {"client_id", m_client_id},
      {"timestamp", std::to_string(timestamp)},
      {"grant_type", "client_credentials"},
      {"client_secret_sign", *sign},
      {"type", m_account_type},
  };
  if (m_account_type == "SELLER") {
    form.emplace_back("account_id", m_account_id);
  }
  net::Request request;
  request.method = "POST";
  request.url = m_base_url + std::string(k_token_path);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  request.body = net::build_query(form);
  request.label = "POST oauth2/token";
  add_secret(*sign);

  auto response = exchange(request);
  if (!response) {
    return std::unexpected(response.error());
  }
  const json body = support::body_json(*response);
  const ErrorBody detail = describe_body(body);
  const std::string trace_id = !detail.trace_id.empty() ? detail.trace_id : response->header("GNCP-GW-Trace-ID").value_or("");
  if (const auto refused = support::refusal(response->status)) {
    // A rejected token request means the credentials, type or clock are wrong.
    ErrorKind kind = ErrorKind::auth;
    std::string_view what = "token request rejected (check client_id, client_secret, account_type and the clock)";
    if (refused->kind == ErrorKind::rate_limited || refused->kind == ErrorKind::transient) {
      kind = refused->kind;
      what = refused->what;
    }
    return std::unexpected(support::call_error(kind, request.label, response->status, what, scrub(detail.text), trace_id));
  }
  const json* value = member(body, "access_token");
  if (value == nullptr || !value->is_string() || value->get_ref<const std::string&>().empty()) {
    return std::unexpected(
        ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 without access_token", request.label), 200, trace_id});
  }
  Token token;
  token.value = value->get<std::string>();
  // A lifetime out of range ("99999999999999999") is the documented 3 hours.
  token.expires_at = now + support::token_lifetime(member(body, "expires_in"), k_default_token_life);
  add_secret(token.value);
  return token;
}

Result<SmartstoreConnector::Reply> SmartstoreConnector::call(const net::Request& request)
{
  const TokenSource source = [this](const std::optional<Token>&) { return request_token(); };
  return m_keeper->use<Reply>(
      source, [&](const std::string& bearer, bool& rejected) { return send(request, bearer, rejected); },
      " after a new token (check client_id, client_secret and the application's API groups)");
}

Result<SmartstoreConnector::Reply> SmartstoreConnector::send(net::Request request, const std::string& bearer,
                                                             bool& rejected)
{
  request.headers.emplace_back("Authorization", "Bearer " + bearer);
  auto response = exchange(request);
  if (!response) {
    return std::unexpected(response.error());
  }
  json body = support::body_json(*response);
  const ErrorBody detail = describe_body(body);
  const std::string trace_id = !detail.trace_id.empty() ? detail.trace_id : response->header("GNCP-GW-Trace-ID").value_or("");
  // An expired or revoked token answers 401 GW.AUTHN.
  rejected = response->status == 401;
  if (const auto refused = support::refusal(response->status, "unauthorized",
                                            "forbidden (server IP not registered or API group missing)")) {
    return std::unexpected(
        support::call_error(refused->kind, request.label, response->status, refused->what, scrub(detail.text), trace_id));
  }
  if (!body.is_object()) {
    return std::unexpected(support::not_an_object(request.label, trace_id));
  }
  return Reply{std::move(body), trace_id};
}

net::Request SmartstoreConnector::changes_request(const std::string& query, std::string label) const
{
  net::Request list;
  list.method = "GET";
  list.url = m_base_url + std::string(k_changes_path) + "?" + query + fmt::format("&limitCount={}", m_limit_count);
  list.headers = {{"Accept", "application/json"}};
  list.label = std::move(label);
  return list;
}

Result<Page> SmartstoreConnector::fetch(const Window& window, const std::string& cursor_text)
{
  std::optional<Cursor> cursor;
  if (!cursor_text.empty()) {
    cursor = decode_cursor(cursor_text);
    if (!cursor) {
      return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("invalid smartstore cursor \"{}\"", cursor_text)});
    }
  }

  Page page;
  // 1. Which product orders changed in the window (one page of up to limitCount).
  std::string query = "lastChangedFrom=" + (cursor ? encode_value(cursor->more_from) : query_time(window.from));
  query += "&lastChangedTo=" + query_time(last_step(window, m_caps.time_step, m_caps.utc_offset));
  if (cursor) {
    query += "&moreSequence=" + encode_value(cursor->more_sequence);
  }
  const net::Request list =
      changes_request(query, cursor ? fmt::format("GET last-changed-statuses (moreSequence {})", cursor->more_sequence)
                                    : std::string("GET last-changed-statuses"));
  auto changes_reply = call(list);
  if (!changes_reply) {
    return std::unexpected(changes_reply.error());
  }
  page.request_id = changes_reply->trace_id;

  // A window without changes may come back without `data` at all (smartstore.md §1.2).
  std::vector<std::string> ids;
  std::map<std::string, Change> changes;
  const json* data = member(changes_reply->body, "data");
  if (data != nullptr && !data->is_object()) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: \"data\" is not an object", list.label), 200,
                                          page.request_id});
  }
  if (data != nullptr) {
    const json* entries = member(*data, "lastChangeStatuses");
    if (entries != nullptr && !entries->is_array()) {
      return std::unexpected(ConnectorError{ErrorKind::contract,
                                            fmt::format("{}: \"lastChangeStatuses\" is not an array", list.label), 200,
                                            page.request_id});
    }
    if (entries != nullptr) {
      for (const auto& entry : *entries) {
        try {
          Change change;
          change.product_order_id = id_field(entry, "productOrderId");
          change.changed_at = time_field(entry, "lastChangedDate");
          change.raw = &entry; // the list answer outlives the page's mapping
          if (!changes.contains(change.product_order_id)) {
            ids.push_back(change.product_order_id);
          }
          changes[change.product_order_id] = std::move(change);
        } catch (const BadField& error) {
          std::string order_id;
          if (const json* id = member(entry, "orderId"); id != nullptr && id->is_string()) {
            order_id = id->get<std::string>();
          }
          page.failures.push_back({order_id, error.reason, entry.dump()});
        }
      }
    }
    if (const json* more = member(*data, "more")) {
      Cursor next;
      try {
        next.more_from = string_field(*more, "moreFrom");
        next.more_sequence = string_field(*more, "moreSequence");
      } catch (const BadField& error) {
        return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: bad \"more\": {}", list.label, error.reason),
                                              200, page.request_id});
      }
      if (next.more_from.empty() || next.more_sequence.empty()) {
        return std::unexpected(ConnectorError{ErrorKind::contract,
                                              fmt::format("{}: \"more\" without moreFrom/moreSequence", list.label), 200,
                                              page.request_id});
      }
      if (cursor && next.more_from == cursor->more_from && next.more_sequence == cursor->more_sequence) {
        return std::unexpected(ConnectorError{ErrorKind::contract,
                                              fmt::format("{}: moreSequence {} did not advance", list.label, next.more_sequence),
                                              200, page.request_id});
      }
      page.next_cursor = encode_cursor(next);
    }
  }

  // 2. Their details, at most 300 ids per call.
  auto elements = details(ids, page.request_id);
  if (!elements) {
    return std::unexpected(elements.error());
  }

  support::MappedPage mapped = map_details(*elements, changes);
  page.orders = std::move(mapped.orders);
  page.failures.insert(page.failures.end(), std::make_move_iterator(mapped.failures.begin()),
                       std::make_move_iterator(mapped.failures.end()));
  page.notes = std::move(mapped.notes);

  // A changed product order the detail call did not return is recorded, not dropped.
  std::set<std::string, std::less<>> returned;
  for (const auto& element : *elements) {
    if (const json* po = member(element, "productOrder")) {
      if (const json* id = member(*po, "productOrderId"); id != nullptr && id->is_string()) {
        returned.insert(id->get<std::string>());
      }
    }
  }
  for (const auto& id : ids) {
    if (!returned.contains(id)) {
      const Change& change = changes.at(id);
      std::string order_id;
      if (const json* o = member(*change.raw, "orderId"); o != nullptr && o->is_string()) {
        order_id = o->get<std::string>();
      }
      page.failures.push_back(
          {order_id, fmt::format("product order {} not returned by product-orders/query", id), change.raw->dump()});
    }
  }
  return page;
}

Result<std::vector<json>> SmartstoreConnector::details(const std::vector<std::string>& ids, std::string& request_id)
{
  std::vector<json> elements;
  for (std::size_t start = 0; start < ids.size(); start += k_detail_batch) {
    const auto end = std::min(ids.size(), start + k_detail_batch);
    net::Request details;
    details.method = "POST";
    details.url = m_base_url + std::string(k_details_path);
    details.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    details.body = json{{"productOrderIds", std::vector<std::string>(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                                                     ids.begin() + static_cast<std::ptrdiff_t>(end))},
                        {"quantityClaimCompatibility", true}}
                       .dump();
    details.label = fmt::format("POST product-orders/query ({} ids)", end - start);
    auto reply = call(details);
    if (!reply) {
      return std::unexpected(reply.error());
    }
    request_id = reply->trace_id;
    const json* list_data = member(reply->body, "data");
    // The official schema has an array; one public mock wrapped it as data.productOrders.
    if (list_data != nullptr && list_data->is_object()) {
      list_data = member(*list_data, "productOrders");
    }
    if (list_data == nullptr) {
      continue;
    }
    if (!list_data->is_array()) {
      return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: \"data\" is not an array", details.label),
                                            200, request_id});
    }
    // The reply is this call's own: its elements move out instead of being copied.
    auto& list = const_cast<json&>(*list_data).get_ref<json::array_t&>();
    elements.reserve(elements.size() + list.size());
    for (auto& element : list) {
      elements.push_back(std::move(element));
    }
  }
  return elements;
}

Result<std::string> SmartstoreConnector::probe()
{
  const TimePoint now = m_clock->now();
  const std::string query = "lastChangedFrom=" + query_time(now - std::chrono::hours(1)) + "&lastChangedTo=" + query_time(now);
  auto reply = call(changes_request(query, "GET last-changed-statuses (check)"));
  if (!reply) {
    return std::unexpected(reply.error());
  }
  std::size_t changes = 0;
  bool more = false;
  if (const json* data = member(reply->body, "data"); data != nullptr && data->is_object()) {
    if (const json* entries = member(*data, "lastChangeStatuses"); entries != nullptr && entries->is_array()) {
      changes = entries->size();
    }
    more = member(*data, "more") != nullptr;
  }
  const auto token = m_keeper->stored();
  const auto minutes = token ? std::chrono::duration_cast<std::chrono::minutes>(token->expires_at - now).count() : 0;
  const std::string who = m_account_type == "SELLER" ? fmt::format("SELLER {}", m_account_id) : std::string("SELF");
  return fmt::format("client {}: token for {} accepted (valid {} min more); {}{} product order change(s) in the last hour",
                     m_client_id, who, minutes, changes, more ? "+" : "");
}

// --- registry row ---------------------------------------------------------------------

const KindSpec& spec()
{
  static const KindSpec kind{
      .kind = "smartstore",
      .description = "Naver Smartstore Commerce API: last-changed-statuses + product-orders/query, bcrypt-signed token",
      .settings =
          {
              support::base_url_field(k_default_base_url, "API host, or the base as Naver documents it (with /external)"),
              {"client_id", true, "", "application ID from the Commerce API center"},
              {"account_type", false, "SELF", "SELF for your own store, SELLER to act for a seller (needs account_id)"},
              {"account_id", false, "", "the seller's ID or seller UID; required when account_type is SELLER"},
              support::rate_limit_field(k_default_rate_limit,
                                        "Naver throttles per API and application (429 GW.RATE_LIMIT)"),
          },
      .secrets =
          {
              {"client_secret", true, "",
               "application secret: a bcrypt salt ($2a$10$ + 22 characters) used to sign the token request"},
          },
      .make = support::factory<SmartstoreConnector>(),
      .default_rate_limit = k_default_rate_limit,
      // smartstore.md §1.8: Lotte is HYUNDAI and Logen KGB, not LOTTE and LOGEN.
      .carriers =
          {
              {"CJ", "CJGLS"},         {"LOTTE", "HYUNDAI"},    {"HANJIN", "HANJIN"},         {"LOGEN", "KGB"},
              {"EPOST", "EPOST"},      {"KDEXP", "KDEXP"},      {"DAESIN", "DAESIN"},         {"ILYANG", "ILYANG"},
              {"CHUNIL", "CHUNIL"},    {"HDEXP", "HDEXP"},      {"CVSNET", "CVSNET"},         {"CUPARCEL", "CUPARCEL"},
              {"REGISTPOST", "REGISTPOST"}, {"EMS", "EMS"},     {"DHL", "DHL"},               {"FEDEX", "FEDEX"},
              {"UPS", "UPS"},
          },
  };
  return kind;
}

} // namespace uoms::connectors::smartstore
