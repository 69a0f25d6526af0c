#include "uoms/channels.hpp"
#include "uoms/jobs.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

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
    auto row = m_db.token(m_channel_id, name);
    if (!row) {
      return std::nullopt;
    }
    auto plain = m_key.decrypt(row->first);
    if (!plain) {
      log::warn("channel token {} cannot be decrypted with this key; obtaining a new one", name);
      return std::nullopt;
    }
    connectors::Token token;
    try {
      auto j = nlohmann::json::parse(*plain);
      token.value = j.value("value", "");
      token.refresh = j.value("refresh", "");
    } catch (const nlohmann::json::exception&) {
      return std::nullopt;
    }
    token.expires_at = parse_time(row->second).value_or(TimePoint{});
    log::add_secret(token.value);
    log::add_secret(token.refresh);
    return token;
  }

  void save(std::string_view name, const connectors::Token& token) override
  {
    log::add_secret(token.value);
    log::add_secret(token.refresh);
    nlohmann::json j = {{"value", token.value}, {"refresh", token.refresh}};
    m_db.save_token(m_channel_id, name, m_key.encrypt(j.dump()), format_utc(token.expires_at),
                    format_utc(m_clock.now()));
  }

  bool lock(std::string_view name, Millis wait) override
  {
    const auto host = jobs::hostname();
    const auto deadline = m_clock.now() + wait;
    for (;;) {
      const auto now = m_clock.now();
      store::Database::LockRequest request{lock_name(name), 0, ::getpid(), host, format_utc(now),
                                           format_utc(now + std::chrono::minutes(2))};
      auto holder = m_db.try_lock(request, [&](const store::LockHolder& h) {
        return h.host == host && jobs::process_is_dead(h.pid);
      });
      if (!holder) {
        return true;
      }
      if (now >= deadline) {
        return false;
      }
      m_clock.sleep_for(std::chrono::milliseconds(100));
    }
  }

  void unlock(std::string_view name) override { m_db.unlock(lock_name(name), ::getpid()); }

private:
  std::string lock_name(std::string_view name) const { return fmt::format("token:{}:{}", m_channel_id, name); }

  store::Database& m_db;
  const crypto::Fernet& m_key;
  std::int64_t m_channel_id;
  Clock& m_clock;
};

} // namespace

std::unique_ptr<connectors::TokenStore> token_store(store::Database& db, const crypto::Fernet& key,
                                                    std::int64_t channel_id, Clock& clock)
{
  return std::make_unique<StoreTokens>(db, key, channel_id, clock);
}

} // namespace uoms::channels
