#include "connectors/shopee/shopee.hpp"

#include "connectors/shopee/internal.hpp"
#include "connectors/support.hpp"
#include "connectors/support/page_orders.hpp"
#include "uoms/carriers.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace uoms::connectors::shopee {

namespace {

using namespace support; // support::json and the shared field readers and helpers

constexpr std::string_view k_default_base_url = "https://partner.shopeemobile.com";
// `time_to - time_from` must be <= 15 days (shopee.md §1.7): the bound is inclusive.
constexpr auto k_max_window = std::chrono::days(15);
constexpr double k_default_rate_limit = 10;
// item_list is not returned unless asked for; the rest feed the mapping. The two shipping
// fee fields are real v2 fields the contract does not list; they only fill shipping_fee.
constexpr std::string_view k_detail_fields =
    "buyer_username,recipient_address,item_list,pay_time,total_amount,package_list,shipping_carrier,"
    "payment_method,note,cancel_reason,buyer_cancel_reason,estimated_shipping_fee,actual_shipping_fee";

bool all_digits(std::string_view text)
{
  return !text.empty() && text.size() <= 19
         && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

} // namespace

// --- the connector --------------------------------------------------------------------

const json& ShopeeConnector::Reply::payload() const
{
  const json* response = member(body, "response");
  return response != nullptr && response->is_object() ? *response : body;
}

ShopeeConnector::ShopeeConnector(const ChannelContext& context)
  : ConnectorBase(context, "shopee"),
    m_tokens(context.tokens)
{
  m_base_url = support::base_url(context.settings, k_default_base_url, k_api_prefix);
  m_partner_id = support::trimmed(context.settings, "partner_id");
  m_shop_id = support::trimmed(context.settings, "shop_id");
  m_region = support::trimmed(context.settings, "region");
  m_partner_key = support::trimmed(context.secrets, "partner_key");
  m_secret_refresh = support::trimmed(context.secrets, "refresh_token");
  m_page_size = support::page_size(context.page_size, k_max_page_size, k_max_page_size);

  m_caps.max_window = k_max_window;
  m_caps.utc_offset = std::chrono::minutes{0};
  m_caps.time_step = std::chrono::seconds(1);
  m_caps.partial_orders = false;
  m_caps.tracking_batch = k_tracking_batch;
  m_caps.stock_batch = k_stock_batch;

  if (m_partner_id.empty()) {
    config_error("setting partner_id is required (the app's Partner ID from the Open Platform console)");
  } else if (!all_digits(m_partner_id)) {
    config_error(fmt::format("setting partner_id: \"{}\" is not a number", m_partner_id));
  }
  if (m_shop_id.empty()) {
    config_error("setting shop_id is required");
  } else if (!all_digits(m_shop_id)) {
    config_error(fmt::format("setting shop_id: \"{}\" is not a number", m_shop_id));
  }
  if (m_partner_key.empty()) {
    config_error("secret partner_key is required");
  }
  if (m_http == nullptr || m_clock == nullptr || m_tokens == nullptr) {
    config_error("internal: shopee connector needs an HTTP client, a clock and a token store");
  } else {
    m_keeper = std::make_unique<TokenKeeper>(*m_tokens, *m_clock, std::string(k_token_name), context.token_margin);
  }
  add_secret(m_partner_key);
  add_secret(m_secret_refresh);
}

std::string ShopeeConnector::url(std::string_view api_path) const
{
  if (api_path.starts_with(k_api_prefix) && m_base_url.ends_with(k_api_prefix)) {
    api_path.remove_prefix(k_api_prefix.size());
  }
  return m_base_url + std::string(api_path);
}

std::expected<ShopeeConnector::Reply, ShopeeConnector::Failure> ShopeeConnector::send(const net::Request& request)
{
  auto result = exchange(request);
  if (!result) {
    return std::unexpected(Failure{result.error(), {}, false});
  }
  net::Response& response = *result;
  Reply reply;
  reply.status = response.status;
  reply.body = support::body_json(response);
  if (reply.body.is_object()) {
    reply.request_id = json_text(reply.body, "request_id");
  }
  if (!reply.request_id.empty()) {
    m_request_id = reply.request_id;
  }

  // Success is decided by the envelope's `error`, whatever the HTTP status (shopee.md §1.5).
  const std::string code = reply.body.is_object() ? json_text(reply.body, "error") : std::string();
  if (!code.empty()) {
    const std::string message = json_text(reply.body, "message");
    Failure failure;
    failure.code = code;
    failure.token_rejected = is_token_rejection(code, message);
    failure.body = reply.body;
    ErrorKind kind = ErrorKind::contract;
    std::string hint;
    if (is_throttle_code(code) || response.status == 429) {
      kind = ErrorKind::rate_limited;
    } else if (code == "error_server" || code == "error_network" || code == "error_system_busy"
               || response.status >= 500) {
      kind = ErrorKind::transient;
    } else if (code == "error_sign") {
      kind = ErrorKind::auth;
      hint = " (check partner_id and partner_key)";
    } else if (failure.token_rejected || code == "error_permission") {
      kind = ErrorKind::auth;
    } else if (code == "error_shop") {
      kind = ErrorKind::config;
      hint = " (check shop_id)";
    }
    std::string text = fmt::format("{}: HTTP {} {}", request.label, response.status, code);
    if (!message.empty()) {
      text += ": " + one_line(message);
    }
    failure.error = ConnectorError{kind, scrub(text + hint), response.status, reply.request_id};
    return std::unexpected(std::move(failure));
  }
  if (const auto refused = support::refusal(response.status)) {
    return std::unexpected(Failure{
        support::call_error(refused->kind, request.label, response.status, refused->what, {}, reply.request_id), {}, false});
  }
  if (!reply.body.is_object()) {
    return std::unexpected(Failure{support::not_an_object(request.label, reply.request_id), {}, false});
  }
  return reply;
}

Result<ShopeeConnector::Reply> ShopeeConnector::shop_get(std::string_view api_path, const std::string& query,
                                                         const std::string& label)
{
  return shop_call("GET", api_path, query, {}, label);
}

Result<ShopeeConnector::Reply> ShopeeConnector::shop_call(std::string_view method, std::string_view api_path,
                                                          const std::string& query, const std::string& body,
                                                          const std::string& label, std::string* error_code,
                                                          nlohmann::json* error_body)
{
  const TokenSource source = [this](const std::optional<Token>& current) { return obtain_token(current); };
  auto attempt = [&](const std::string& token, bool& rejected) -> Result<Reply> {
    net::Request request;
    request.method = std::string(method);
    request.url = url(api_path) + "?" + signed_query(api_path, to_epoch_seconds(m_clock->now()), &token);
    if (!query.empty()) {
      request.url += "&" + query;
    }
    if (method != "GET") {
      request.headers = {{"Content-Type", "application/json"}};
      request.body = body;
    }
    request.label = label;
    auto reply = send(request);
    if (!reply) {
      rejected = reply.error().token_rejected;
      if (error_code != nullptr) {
        *error_code = reply.error().code;
      }
      if (error_body != nullptr) {
        *error_body = std::move(reply.error().body);
      }
      return std::unexpected(std::move(reply.error().error));
    }
    return std::move(*reply);
  };
  return m_keeper->use<Reply>(source, attempt,
                              fmt::format(" (rejected again after a token refresh; {})", reauthorise_hint()));
}

Result<std::vector<json>> ShopeeConnector::order_details(const std::vector<std::string>& order_sns,
                                                         std::string& request_id)
{
  std::vector<json> details;
  for (std::size_t first = 0; first < order_sns.size(); first += k_detail_batch) {
    const auto last = std::min(order_sns.size(), first + k_detail_batch);
    std::string sn_list;
    for (auto i = first; i < last; ++i) {
      sn_list += (i == first ? "" : ",") + net::url_encode(order_sns[i]);
    }
    const std::string detail_label = fmt::format("GET get_order_detail ({} orders)", last - first);
    auto reply = shop_get(k_order_detail_path,
                          fmt::format("order_sn_list={}&response_optional_fields={}", sn_list, k_detail_fields),
                          detail_label);
    if (!reply) {
      return std::unexpected(reply.error());
    }
    request_id = reply->request_id;
    const json* orders = member(reply->payload(), "order_list");
    if (orders == nullptr) {
      continue;
    }
    if (!orders->is_array()) {
      return std::unexpected(ConnectorError{ErrorKind::contract,
                                            fmt::format("{}: \"order_list\" is not an array", detail_label),
                                            reply->status, reply->request_id});
    }
    details.insert(details.end(), orders->begin(), orders->end());
  }
  return details;
}

Result<Page> ShopeeConnector::fetch(const Window& window, const std::string& cursor)
{
  const long long time_from = to_epoch_seconds(window.from);
  // Both bounds inclusive; Shopee rejects time_from == time_to, so a window inside one
  // second reads that second and the next.
  const long long time_to = std::max(time_from + 1, to_epoch_seconds(last_step(window, m_caps.time_step, m_caps.utc_offset)));
  if (std::chrono::seconds(time_to - time_from) > k_max_window) {
    return std::unexpected(ConnectorError{
        ErrorKind::contract, fmt::format("window {} .. {} is longer than Shopee's 15 days", format_utc(window.from),
                                         format_utc(window.to))});
  }
  Page page;

  // 1. The order_sn updated in the window, one page.
  std::string query = fmt::format("time_range_field=update_time&time_from={}&time_to={}&page_size={}", time_from,
                                  time_to, m_page_size);
  if (!cursor.empty()) {
    query += "&cursor=" + net::url_encode(cursor);
  }
  const std::string label = cursor.empty() ? std::string("GET get_order_list") : fmt::format("GET get_order_list (cursor {})", cursor);
  auto list = shop_get(k_order_list_path, query, label);
  if (!list) {
    return std::unexpected(list.error());
  }
  page.request_id = list->request_id;
  auto contract_error = [&](std::string what) {
    return std::unexpected(ConnectorError{ErrorKind::contract, std::move(what), list->status, list->request_id});
  };
  const json& response = list->payload();
  const json* entries = member(response, "order_list");
  if (entries != nullptr && !entries->is_array()) {
    return contract_error(fmt::format("{}: \"order_list\" is not an array", label));
  }
  std::vector<std::string> order_sns;
  std::map<std::string, json, std::less<>> listed;
  if (entries != nullptr) {
    for (const auto& entry : *entries) {
      try {
        std::string sn = id_field(entry, "order_sn");
        if (listed.emplace(sn, entry).second) {
          order_sns.push_back(std::move(sn));
        }
      } catch (const BadField& error) {
        page.failures.push_back({{}, error.reason, entry.dump()});
      }
    }
  }
  const json* more = member(response, "more");
  if (more != nullptr && more->is_boolean() && more->get<bool>()) {
    const std::string next = json_text(response, "next_cursor");
    if (next.empty()) {
      return contract_error(fmt::format("{}: \"more\" without next_cursor", label));
    }
    if (next == cursor) {
      return contract_error(fmt::format("{}: next_cursor {} did not advance", label, next));
    }
    page.next_cursor = next;
  }

  // 2. Their details, at most 50 order_sn per call.
  auto details = order_details(order_sns, page.request_id);
  if (!details) {
    return std::unexpected(details.error());
  }

  // 3. Mapping: one bad order becomes a MappingFailure and the rest still map.
  std::set<std::string, std::less<>> returned;
  support::PageOrders orders(support::PageOrders::Fee::sum);
  for (const auto& detail : *details) {
    std::string sn;
    if (const json* value = member(detail, "order_sn"); value != nullptr && value->is_string()) {
      sn = value->get<std::string>();
      returned.insert(sn);
    }
    orders.add(detail, sn, map_order);
  }
  support::MappedPage mapped = orders.finish();
  page.orders = std::move(mapped.orders);
  page.notes = std::move(mapped.notes);
  page.failures.insert(page.failures.end(), mapped.failures.begin(), mapped.failures.end());
  for (const auto& sn : order_sns) {
    if (!returned.contains(sn)) {
      page.failures.push_back({sn, fmt::format("order {} not returned by get_order_detail", sn), listed.at(sn).dump()});
    }
  }
  return page;
}

Result<std::string> ShopeeConnector::probe()
{
  const long long now = to_epoch_seconds(m_clock->now());
  auto reply = shop_get(k_order_list_path,
                        fmt::format("time_range_field=update_time&time_from={}&time_to={}&page_size=1", now - 3600, now),
                        "GET get_order_list (check)");
  if (!reply) {
    return std::unexpected(reply.error());
  }
  const auto token = m_keeper->stored();
  const long long minutes =
      token ? std::chrono::duration_cast<std::chrono::minutes>(token->expires_at - m_clock->now()).count() : 0;
  const json* orders = member(reply->payload(), "order_list");
  const json* more = member(reply->payload(), "more");
  const bool any = (orders != nullptr && orders->is_array() && !orders->empty());
  const bool several = more != nullptr && more->is_boolean() && more->get<bool>();
  const std::string region = m_region.empty() ? std::string() : fmt::format(" ({})", m_region);
  return fmt::format("shop {}{}: signature and access token accepted (valid for {} more min); {} updated in the last hour",
                     m_shop_id, region, minutes, several ? "several orders" : any ? "1 order" : "no order");
}


// --- registry row ---------------------------------------------------------------------

namespace {

// The non-integrated channel takes the seller's tracking number alone (shopee.md §1.8:
// `non_integrated: {tracking_number}`); the carrier is the shop's logistics channel, set
// up in Seller Centre. So every uoms carrier is accepted and none is sent: the row maps
// each code onto itself only to say so.
std::map<std::string, std::string, std::less<>> accepted_carriers()
{
  std::map<std::string, std::string, std::less<>> row;
  for (const auto& carrier : carriers::all()) {
    row.emplace(carrier.code, carrier.code);
  }
  return row;
}

} // namespace

const KindSpec& spec()
{
  static const KindSpec kind{
      .kind = "shopee",
      .description = "Shopee Open Platform v2: get_order_list + get_order_detail, HMAC-SHA256 signed, rotating tokens",
      .settings =
          {
              support::base_url_field(k_default_base_url,
                                      "API host (openplatform.shopee.cn for mainland China, openplatform.shopee.com.br "
                                      "for Brazil); with or without /api/v2"),
              {"partner_id", true, "", "the app's Partner ID from the Open Platform console"},
              {"shop_id", true, "", "the shop's id (returned with the authorisation code)"},
              {"region", false, "", "the shop's region, e.g. SG; shown by `channels test`"},
              support::rate_limit_field(k_default_rate_limit, "Shopee publishes no figure, so stay moderate"),
          },
      .secrets =
          {
              {"partner_key", true, "", "the app's Partner Key; signs every request"},
              {"refresh_token", false, "",
               "a refresh token from an authorisation done elsewhere; not needed after `uoms channels authorize`. "
               "uoms rotates it and keeps the current one encrypted in the database"},
          },
      .make = support::factory<ShopeeConnector>(),
      .default_rate_limit = k_default_rate_limit,
      .is_throttled = is_throttled,
      .carriers = accepted_carriers(),
  };
  return kind;
}

} // namespace uoms::connectors::shopee
