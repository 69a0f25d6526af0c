#pragma once

#include "uoms/connector.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

// The token lifecycle every connector with tokens shares (Smartstore, Shopee, Qoo10,
// PlayAuto): tokens live encrypted in the database per channel (TokenStore), are
// refreshed before they expire, never twice at once for one channel, and a rotated
// refresh token is committed before anything uses it.
namespace uoms::connectors {

// Obtains a new token: from scratch, or by refreshing `current` (which carries the
// refresh token where the marketplace rotates one). The result must carry its expiry
// and, when the marketplace rotated it, the new refresh token. An error message says
// what the operator must do (re-authorise, re-issue a key).
using TokenSource = std::function<Result<Token>(const std::optional<Token>& current)>;

class TokenKeeper
{
public:
  TokenKeeper(TokenStore& store, Clock& clock, std::string name, Millis margin = std::chrono::minutes(5),
              Millis lock_wait = std::chrono::seconds(30));

  // The keeper of a channel's token `name`, with the context's clock and margin, over the
  // context's store or, when it has none (a connector built outside a pass), over one in
  // memory that the keeper owns. Null without a clock.
  static std::unique_ptr<TokenKeeper> for_channel(const ChannelContext& context, std::string name);

  // A token valid for at least the margin; obtained or refreshed under the channel's
  // token lock when the stored one is missing or about to expire.
  Result<Token> get(const TokenSource& source);

  // The marketplace rejected `rejected` as expired or invalid: refresh once, unless
  // another pass already replaced it, and return the new token.
  Result<Token> renew(std::string_view rejected, const TokenSource& source);

  // The stored token, without refreshing (refresh token look-ups, display).
  std::optional<Token> stored();

  // One authenticated call. `attempt(token, rejected)` runs with a valid token; when it
  // sets `rejected` (the marketplace said the token expired or is invalid), the token is
  // renewed once and `attempt` runs again. A second rejection fails as an auth error with
  // `advice` (what the operator must do) appended to its message.
  template <class T, class Attempt>
  Result<T> use(const TokenSource& source, Attempt&& attempt, std::string_view advice);

private:
  // Present and valid for at least the margin (capped to a quarter of its lifetime).
  bool usable(const std::optional<Token>& token) const;
  Result<Token> refresh_locked(std::optional<std::string> rejected, const TokenSource& source);

  std::unique_ptr<TokenStore> m_own_store; // set by for_channel() without a context store
  TokenStore& m_store;
  Clock& m_clock;
  std::string m_name;
  Millis m_margin;
  Millis m_lock_wait;
};

template <class T, class Attempt>
Result<T> TokenKeeper::use(const TokenSource& source, Attempt&& attempt, std::string_view advice)
{
  auto token = get(source);
  if (!token) {
    return std::unexpected(token.error());
  }
  bool rejected = false;
  Result<T> reply = attempt(token->value, rejected);
  if (reply || !rejected) {
    return reply;
  }
  token = renew(token->value, source);
  if (!token) {
    return std::unexpected(token.error());
  }
  reply = attempt(token->value, rejected);
  if (!reply && rejected) {
    reply.error().kind = ErrorKind::auth;
    reply.error().message += advice;
  }
  return reply;
}

} // namespace uoms::connectors
