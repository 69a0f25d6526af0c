#include "src/store/connection.hpp"
#include "uoms/store/channels.hpp"

namespace uoms::store {

// --- channels ---------------------------------------------------------------

namespace {

ChannelRow read_channel(SQLite::Statement& s)
{
  ChannelRow r;
  r.id = s.getColumn(0).getInt64();
  r.name = text(s.getColumn(1));
  r.kind = text(s.getColumn(2));
  r.enabled = s.getColumn(3).getInt() != 0;
  r.settings_json = text(s.getColumn(4));
  r.secrets_token = text(s.getColumn(5));
  r.created_at = text(s.getColumn(6));
  r.updated_at = text(s.getColumn(7));
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
    s.bind(1, row.name);
    s.bind(2, row.kind);
    s.bind(3, row.enabled ? 1 : 0);
    s.bind(4, row.settings_json);
    bind_text_or_null(s, 5, row.secrets_token);
    s.bind(6, row.created_at);
    s.bind(7, row.updated_at);
    return s.exec() == 0 ? std::int64_t{0} : m_db.impl().db.getLastInsertRowid();
  });
}

void Channels::update(const ChannelRow& row)
{
  guarded(m_db.impl(), "update channel", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "UPDATE channels SET enabled = ?, settings = ?, secrets = ?, updated_at = ? WHERE id = ?");
    s.bind(1, row.enabled ? 1 : 0);
    s.bind(2, row.settings_json);
    bind_text_or_null(s, 3, row.secrets_token);
    s.bind(4, row.updated_at);
    s.bind(5, row.id);
    s.exec();
  });
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
    s.bind(1, channel_id);
    s.bind(2, std::string(name));
    if (s.executeStep()) {
      return TokenRow{text(s.getColumn(0)), text(s.getColumn(1))};
    }
    return std::nullopt;
  });
}

void Tokens::save(std::int64_t channel_id, std::string_view name, const TokenRow& token, std::string_view now)
{
  guarded(m_db.impl(), "save token", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "INSERT INTO channel_tokens (channel_id, name, value, expires_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel_id, name) DO UPDATE SET value = excluded.value, "
                        "expires_at = excluded.expires_at, updated_at = excluded.updated_at");
    s.bind(1, channel_id);
    s.bind(2, std::string(name));
    s.bind(3, token.value);
    bind_text_or_null(s, 4, token.expires_at);
    s.bind(5, std::string(now));
    s.exec();
  });
}

} // namespace uoms::store
