#include "uoms/channels.hpp"
#include "uoms/lease.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>

namespace uoms::channels {

namespace {

class StoreTokens : public connectors::TokenStore
{
public:
  StoreTokens(store::Database& db, const crypto::Fernet& key, std::int64_t channel_id, Clock& clock)
    : m_db(db),
      m_key(key),
      m_channel_id(channel_id),
      m_clock(clock)
  {
  }

  std::optional<connectors::Token> load(std::string_view name) override
  {
    auto row = store::Tokens(m_db).find(m_channel_id, name);
    if (!row) {
      return std::nullopt;
    }
    auto plain = m_key.decrypt(row->value);
    if (!plain) {
      log::warn("channel token {} cannot be decrypted with this key; obtaining a new one", name);
      return std::nullopt;
    }
    connectors::Token token;
    try {
      auto j = nlohmann::json::parse(*plain);
      token.value = j.value("value", "");
      token.refresh = j.value("refresh", "");
      token.obtained_at = parse_time(j.value("obtained", "")).value_or(TimePoint{});
    } catch (const nlohmann::json::exception&) {
      return std::nullopt;
    }
    token.expires_at = parse_time(row->expires_at).value_or(TimePoint{});
    log::add_secret(token.value);
    log::add_secret(token.refresh);
    return token;
  }

  void save(std::string_view name, const connectors::Token& token) override
  {
    log::add_secret(token.value);
    log::add_secret(token.refresh);
    nlohmann::json j = {{"value", token.value}, {"refresh", token.refresh}};
    if (token.obtained_at != TimePoint{}) j["obtained"] = format_utc(token.obtained_at);
    store::Tokens(m_db).save(m_channel_id, name, {m_key.encrypt(j.dump()), format_utc(token.expires_at)},
                             format_utc(m_clock.now()));
  }

  bool lock(std::string_view name, Millis wait) override
  {
    auto lease = Lease::take_waiting(m_db, lock_name(name), 0, m_clock, std::chrono::minutes(2), wait);
    if (!lease) {
      return false;
    }
    m_held.insert_or_assign(std::string(name), std::move(*lease));
    return true;
  }

  void unlock(std::string_view name) override
  {
    if (auto it = m_held.find(name); it != m_held.end()) {
      m_held.erase(it);
    }
  }

private:
  std::string lock_name(std::string_view name) const { return fmt::format("token:{}:{}", m_channel_id, name); }

  store::Database& m_db;
  const crypto::Fernet& m_key;
  std::int64_t m_channel_id;
  Clock& m_clock;
  std::map<std::string, Lease, std::less<>> m_held;
};

} // namespace

std::unique_ptr<connectors::TokenStore> token_store(store::Database& db, const crypto::Fernet& key,
                                                    std::int64_t channel_id, Clock& clock)
{
  return std::make_unique<StoreTokens>(db, key, channel_id, clock);
}

} // namespace uoms::channels
