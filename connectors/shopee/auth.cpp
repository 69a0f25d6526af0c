#include "connectors/shopee/internal.hpp"
#include "connectors/shopee/shopee.hpp"

#include "uoms/crypto.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

// Shopee's signatures (shopee.md §1.3) and the token lifecycle of a shop (§1.4): the
// browser grant, the single-use refresh token, and the access token it yields.
namespace uoms::connectors::shopee {

namespace {

using json = nlohmann::json;
using support::member;

// The documented access token lifetime, used when a token response omits expire_in.
constexpr auto k_default_token_life = std::chrono::seconds(14'400);
constexpr auto k_token_lock_wait = std::chrono::seconds(30);

} // namespace

// --- public helpers -------------------------------------------------------------------

std::string public_base_string(std::string_view partner_id, std::string_view api_path, long long timestamp)
{
  return fmt::format("{}{}{}", partner_id, api_path, timestamp);
}

std::string shop_base_string(std::string_view partner_id, std::string_view api_path, long long timestamp,
                             std::string_view access_token, std::string_view shop_id)
{
  return fmt::format("{}{}{}{}{}", partner_id, api_path, timestamp, access_token, shop_id);
}

std::string merchant_base_string(std::string_view partner_id, std::string_view api_path, long long timestamp,
                                 std::string_view access_token, std::string_view merchant_id)
{
  return fmt::format("{}{}{}{}{}", partner_id, api_path, timestamp, access_token, merchant_id);
}

std::string signature(std::string_view partner_key, std::string_view base_string)
{
  return crypto::hmac_sha256_hex(partner_key, base_string);
}

bool is_throttled(const net::Response& response)
{
  if (response.status == 429) {
    return true;
  }
  // The completeness check has usually parsed the body already.
  const json parsed = response.json ? json() : json::parse(response.body, nullptr, false);
  const json& body = response.json ? *response.json : parsed;
  const json* error = member(body, "error");
  return error != nullptr && error->is_string() && is_throttle_code(error->get_ref<const std::string&>());
}


std::string ShopeeConnector::reauthorise_hint() const
{
  return fmt::format("re-authorise the shop: run `uoms channels authorize {}`", m_channel);
}

std::string ShopeeConnector::signed_query(std::string_view api_path, long long timestamp, const std::string* access_token)
{
  const std::string base = access_token != nullptr
                               ? shop_base_string(m_partner_id, api_path, timestamp, *access_token, m_shop_id)
                               : public_base_string(m_partner_id, api_path, timestamp);
  std::string query = fmt::format("partner_id={}&timestamp={}", m_partner_id, timestamp);
  if (access_token != nullptr) {
    query += fmt::format("&access_token={}&shop_id={}", net::url_encode(*access_token), m_shop_id);
  }
  query += "&sign=" + signature(m_partner_key, base);
  return query;
}

std::expected<ShopeeConnector::Reply, ShopeeConnector::Failure>
ShopeeConnector::public_post(std::string_view api_path, const std::string& body, const std::string& label)
{
  net::Request request;
  request.method = "POST";
  request.url = url(api_path) + "?" + signed_query(api_path, to_epoch_seconds(m_clock->now()), nullptr);
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  request.label = label;
  return send(request);
}

Result<Token> ShopeeConnector::token_from(const Reply& reply, const std::string& label)
{
  const json* access = member(reply.body, "access_token");
  if (access == nullptr || !access->is_string() || access->get_ref<const std::string&>().empty()) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP {} without access_token", label, reply.status),
                                          reply.status, reply.request_id});
  }
  Token token;
  token.value = access->get<std::string>();
  if (const json* refresh = member(reply.body, "refresh_token"); refresh != nullptr && refresh->is_string()) {
    token.refresh = refresh->get<std::string>();
  }
  // A lifetime out of range (1e308) is the documented 4 hours.
  token.expires_at = m_clock->now() + support::token_lifetime(member(reply.body, "expire_in"), k_default_token_life);
  add_secret(token.value);
  add_secret(token.refresh);
  return token;
}

Result<Token> ShopeeConnector::refresh_with(const std::string& refresh_token)
{
  const std::string label = "POST auth/access_token/get";
  const std::string body = json{{"refresh_token", refresh_token},
                                {"partner_id", to_int64(m_partner_id)},
                                {"shop_id", to_int64(m_shop_id)}}
                               .dump();
  auto reply = public_post(k_refresh_path, body, label);
  if (!reply) {
    ConnectorError error = std::move(reply.error().error);
    // A refresh token that is used, expired (30 days) or revoked cannot be recovered here.
    if ((error.kind == ErrorKind::contract || error.kind == ErrorKind::auth) && reply.error().code != "error_sign") {
      error.kind = ErrorKind::auth;
      error.message += fmt::format(" (refresh token rejected; {})", reauthorise_hint());
    }
    return std::unexpected(std::move(error));
  }
  return token_from(*reply, label);
}

Result<Token> ShopeeConnector::obtain_token(const std::optional<Token>& current)
{
  const std::string stored = current ? current->refresh : std::string();
  if (stored.empty()) {
    if (m_secret_refresh.empty()) {
      return std::unexpected(ConnectorError{
          ErrorKind::auth, fmt::format("shop not authorised: run `uoms channels authorize {}`", m_channel)});
    }
    // First use: the refresh token the operator gave as a secret.
    return refresh_with(m_secret_refresh);
  }
  auto token = refresh_with(stored);
  if (token || token.error().kind != ErrorKind::auth || m_secret_refresh.empty() || m_secret_refresh == stored) {
    return token;
  }
  // The operator may have authorised elsewhere and set the new refresh token as the secret.
  auto fallback = refresh_with(m_secret_refresh);
  if (fallback) {
    return fallback;
  }
  return token;
}

Result<std::string> ShopeeConnector::authorization_url(std::string_view redirect)
{
  if (const auto failure = config_failure()) {
    return std::unexpected(*failure);
  }
  const std::string_view target = util::trim(redirect);
  if (target.empty()) {
    return std::unexpected(ConnectorError{ErrorKind::config, "a redirect URL is required for the shop authorisation link"});
  }
  // Public-type signature over /api/v2/shop/auth_partner; the link expires with its timestamp (5 min).
  return fmt::format("{}?{}&redirect={}", url(k_auth_partner_path),
                     signed_query(k_auth_partner_path, to_epoch_seconds(m_clock->now()), nullptr),
                     net::url_encode(target));
}

Result<std::string> ShopeeConnector::authorize(std::string_view code)
{
  if (const auto failure = config_failure()) {
    return std::unexpected(*failure);
  }
  const std::string trimmed(util::trim(code));
  if (trimmed.empty()) {
    return std::unexpected(ConnectorError{ErrorKind::config, "the authorisation code is empty"});
  }
  // Under the channel's token lock, so no pass refreshes with the old refresh token meanwhile.
  if (!m_tokens->lock(k_token_name, k_token_lock_wait)) {
    return std::unexpected(ConnectorError{
        ErrorKind::transient, fmt::format("another pass is refreshing the {} of this channel; try again", k_token_name)});
  }
  struct Unlock
  {
    TokenStore& store;
    ~Unlock() { store.unlock(k_token_name); }
  } unlock{*m_tokens};

  const std::string label = "POST auth/token/get";
  const std::string body =
      json{{"code", trimmed}, {"partner_id", to_int64(m_partner_id)}, {"shop_id", to_int64(m_shop_id)}}.dump();
  auto reply = public_post(k_token_get_path, body, label);
  if (!reply) {
    ConnectorError error = std::move(reply.error().error);
    if ((error.kind == ErrorKind::contract || error.kind == ErrorKind::auth) && reply.error().code != "error_sign") {
      error.kind = ErrorKind::auth;
      error.message += " (a code works once and for 10 minutes: open a new authorisation link)";
    }
    return std::unexpected(std::move(error));
  }
  auto token = token_from(*reply, label);
  if (!token) {
    return std::unexpected(token.error());
  }
  m_tokens->save(k_token_name, *token);
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(token->expires_at - m_clock->now()).count();
  return fmt::format("shop {} authorised: access token valid for {} min, refresh token stored", m_shop_id, minutes);
}

} // namespace uoms::connectors::shopee
