#include "uoms/tokens.hpp"

#include "uoms/log.hpp"

#include <fmt/format.h>

#include <map>

#include <csignal>
#include <pthread.h>

namespace uoms::connectors {

namespace {

// Every token handed to a connector is masked in every later log line.
Token masked(Token token)
{
  log::add_secret(token.value);
  log::add_secret(token.refresh);
  return token;
}

// Tokens of a connector built outside a pass: kept for the process only.
class MemoryTokenStore : public TokenStore
{
public:
  std::optional<Token> load(std::string_view name) override
  {
    const auto it = m_tokens.find(name);
    return it == m_tokens.end() ? std::nullopt : std::optional<Token>(it->second);
  }
  void save(std::string_view name, const Token& token) override { m_tokens[std::string(name)] = token; }

private:
  std::map<std::string, Token, std::less<>> m_tokens;
};

// SIGINT and SIGTERM held back from this thread while a token is exchanged and committed:
// a refresh token Shopee accepts once must not be spent by a request whose answer a stop
// never lets us store. Only SIGKILL (or a crash) can still fall between the two; README
// says so.
class StopSignalsHeld
{
public:
  StopSignalsHeld()
  {
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    m_held = pthread_sigmask(SIG_BLOCK, &stops, &m_previous) == 0;
  }
  ~StopSignalsHeld()
  {
    if (m_held) {
      pthread_sigmask(SIG_SETMASK, &m_previous, nullptr);
    }
  }
  StopSignalsHeld(const StopSignalsHeld&) = delete;
  StopSignalsHeld& operator=(const StopSignalsHeld&) = delete;

private:
  sigset_t m_previous{};
  bool m_held = false;
};

} // namespace

std::unique_ptr<TokenKeeper> TokenKeeper::for_channel(const ChannelContext& context, std::string name)
{
  if (context.clock == nullptr) {
    return nullptr;
  }
  std::unique_ptr<TokenStore> own;
  if (context.tokens == nullptr) {
    own = std::make_unique<MemoryTokenStore>();
  }
  TokenStore& store = own ? *own : *context.tokens;
  auto keeper = std::make_unique<TokenKeeper>(store, *context.clock, std::move(name), context.token_margin);
  keeper->m_own_store = std::move(own);
  return keeper;
}

TokenKeeper::TokenKeeper(TokenStore& store, Clock& clock, std::string name, Millis margin, Millis lock_wait)
  : m_store(store),
    m_clock(clock),
    m_name(std::move(name)),
    m_margin(margin),
    m_lock_wait(lock_wait)
{
}

bool TokenKeeper::usable(const std::optional<Token>& token) const
{
  if (!token || token->value.empty()) {
    return false;
  }
  // A margin longer than the token lives would refresh before every call: at most a
  // quarter of its lifetime.
  Millis margin = m_margin;
  if (token->obtained_at != TimePoint{} && token->expires_at > token->obtained_at) {
    margin = std::min(margin, std::chrono::duration_cast<Millis>(token->expires_at - token->obtained_at) / 4);
  }
  return token->expires_at - margin > m_clock.now();
}

std::optional<Token> TokenKeeper::stored()
{
  return m_store.load(m_name);
}

Result<Token> TokenKeeper::get(const TokenSource& source)
{
  auto current = m_store.load(m_name);
  if (usable(current)) {
    return masked(*current);
  }
  return refresh_locked(std::nullopt, source);
}

Result<Token> TokenKeeper::renew(std::string_view rejected, const TokenSource& source)
{
  return refresh_locked(std::string(rejected), source);
}

Result<Token> TokenKeeper::refresh_locked(std::optional<std::string> rejected, const TokenSource& source)
{
  if (!m_store.lock(m_name, m_lock_wait)) {
    return std::unexpected(ConnectorError{
      ErrorKind::transient, fmt::format("another pass is refreshing the {} of this channel; try again", m_name)});
  }
  struct Unlock
  {
    TokenStore& store;
    const std::string& name;
    ~Unlock() { store.unlock(name); }
  } unlock{m_store, m_name};

  // Another process may have refreshed while we waited for the lock: use its token.
  auto current = m_store.load(m_name);
  if (usable(current) && (!rejected || current->value != *rejected)) {
    return masked(*current);
  }
  const StopSignalsHeld held; // from the exchange to its commit
  auto fresh = source(current);
  if (!fresh) {
    return fresh;
  }
  if (fresh->obtained_at == TimePoint{}) {
    fresh->obtained_at = m_clock.now();
  }
  if (fresh->refresh.empty() && current) {
    fresh->refresh = current->refresh; // marketplaces that do not rotate keep the old one
  }
  // Committed before the caller uses it: a crash after this line keeps the rotated
  // refresh token.
  m_store.save(m_name, *fresh);
  return masked(std::move(*fresh));
}

} // namespace uoms::connectors
