#include "src/store/connection.hpp"
#include "uoms/store/channels.hpp"

namespace uoms::store {

// --- channels ---------------------------------------------------------------

namespace {

ChannelRow read_channel(SQLite::Statement& s)
{
  ChannelRow r;
  read_columns(s, r.id, r.name, r.kind, r.enabled, r.settings_json, r.secrets_token, r.created_at, r.updated_at);
  return r;
}

constexpr const char* k_channel_columns = "id, name, kind, enabled, settings, secrets, created_at, updated_at";

} // namespace

std::vector<ChannelRow> Channels::list()
{
  return guarded(m_db.impl(), "list channels", [&] {
    SQLite::Statement s(m_db.impl().db, fmt::format("SELECT {} FROM channels ORDER BY name", k_channel_columns));
    std::vector<ChannelRow> rows;
    while (s.executeStep()) {
      rows.push_back(read_channel(s));
    }
    return rows;
  });
}

std::optional<ChannelRow> Channels::find(std::string_view name)
{
  return guarded(m_db.impl(), "read channel", [&]() -> std::optional<ChannelRow> {
    SQLite::Statement s(m_db.impl().db, fmt::format("SELECT {} FROM channels WHERE name = ?", k_channel_columns));
    s.bind(1, std::string(name));
    if (s.executeStep()) {
      return read_channel(s);
    }
    return std::nullopt;
  });
}

std::int64_t Channels::insert(const ChannelRow& row)
{
  return guarded(m_db.impl(), "add channel", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "INSERT INTO channels (name, kind, enabled, settings, secrets, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING");
    bind_all(s, row.name, row.kind, row.enabled ? 1 : 0, row.settings_json, OrNull{row.secrets_token},
             row.created_at, row.updated_at);
    return s.exec() == 0 ? std::int64_t{0} : m_db.impl().db.getLastInsertRowid();
  });
}

void Channels::update(const ChannelRow& row)
{
  execute(m_db, "update channel",
          "UPDATE channels SET enabled = ?, settings = ?, secrets = ?, updated_at = ? WHERE id = ?",
          row.enabled ? 1 : 0, row.settings_json, OrNull{row.secrets_token}, row.updated_at, row.id);
}

void Channels::remove(std::int64_t id, bool delete_orders)
{
  guarded(m_db.impl(), "remove channel", [&] {
    SQLite::Transaction tx(m_db.impl().db, SQLite::TransactionBehavior::IMMEDIATE);
    if (delete_orders) {
      SQLite::Statement s(m_db.impl().db, "DELETE FROM orders WHERE channel_id = ?");
      s.bind(1, id);
      s.exec();
    }
    SQLite::Statement s(m_db.impl().db, "DELETE FROM channels WHERE id = ?");
    s.bind(1, id);
    s.exec();
    tx.commit();
  });
}

std::int64_t Channels::count_orders(std::int64_t channel_id)
{
  return guarded(m_db.impl(), "count orders", [&] {
    SQLite::Statement s(m_db.impl().db, "SELECT count(*) FROM orders WHERE channel_id = ?");
    s.bind(1, channel_id);
    s.executeStep();
    return s.getColumn(0).getInt64();
  });
}

// --- tokens -----------------------------------------------------------------

std::optional<TokenRow> Tokens::find(std::int64_t channel_id, std::string_view name)
{
  return guarded(m_db.impl(), "read token", [&]() -> std::optional<TokenRow> {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT value, expires_at FROM channel_tokens WHERE channel_id = ? AND name = ?");
    bind_all(s, channel_id, name);
    if (s.executeStep()) {
      return TokenRow{text(s.getColumn(0)), text(s.getColumn(1))};
    }
    return std::nullopt;
  });
}

void Tokens::save(std::int64_t channel_id, std::string_view name, const TokenRow& token, std::string_view now)
{
  execute(m_db, "save token",
          "INSERT INTO channel_tokens (channel_id, name, value, expires_at, updated_at) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT (channel_id, name) DO UPDATE SET value = excluded.value, "
          "expires_at = excluded.expires_at, updated_at = excluded.updated_at",
          channel_id, name, token.value, OrNull{token.expires_at}, now);
}

} // namespace uoms::store
