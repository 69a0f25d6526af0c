#pragma once

#include "uoms/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::store {

struct ChannelRow
{
  std::int64_t id = 0;
  std::string name;
  std::string kind;
  bool enabled = true;
  std::string settings_json = "{}"; // non-secret settings
  std::string secrets_token;        // Fernet token of a JSON object; empty when none
  std::string created_at;
  std::string updated_at;
};

// The channels table.
class Channels
{
public:
  explicit Channels(Database& db) : m_db(db) {}

  std::vector<ChannelRow> list();
  std::optional<ChannelRow> find(std::string_view name);
  // The new row's id, or 0 when the name is taken (another `channels add` won a race).
  std::int64_t insert(const ChannelRow& row);
  void update(const ChannelRow& row);
  void remove(std::int64_t id, bool delete_orders);
  std::int64_t count_orders(std::int64_t channel_id);

private:
  Database& m_db;
};

// A stored token: the encrypted value and its expiry.
struct TokenRow
{
  std::string value; // Fernet token, encrypted by the caller
  std::string expires_at;
};

// channel_tokens: access tokens and rotated refresh tokens, per channel and name.
class Tokens
{
public:
  explicit Tokens(Database& db) : m_db(db) {}

  std::optional<TokenRow> find(std::int64_t channel_id, std::string_view name);
  void save(std::int64_t channel_id, std::string_view name, const TokenRow& token, std::string_view now);

private:
  Database& m_db;
};

} // namespace uoms::store
