#include "src/store/connection.hpp"
#include "uoms/store/collect_state.hpp"

namespace uoms::store {

// --- windows and state ------------------------------------------------------

std::int64_t CollectState::start_window(std::int64_t channel_id, std::int64_t job_id, std::string_view from, std::string_view to,
                                 std::string_view now)
{
  return guarded(m_db.impl(), "record window", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "INSERT INTO fetch_windows (channel_id, job_id, from_at, to_at, status, started_at) "
                        "VALUES (?, ?, ?, ?, 'running', ?)");
    s.bind(1, channel_id);
    s.bind(2, job_id);
    s.bind(3, std::string(from));
    s.bind(4, std::string(to));
    s.bind(5, std::string(now));
    s.exec();
    return m_db.impl().db.getLastInsertRowid();
  });
}

void CollectState::finish_window(std::int64_t id, std::string_view status, int pages, std::int64_t records,
                             std::string_view error, std::string_view now)
{
  guarded(m_db.impl(), "finish window", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "UPDATE fetch_windows SET status = ?, pages = ?, records = ?, error = ?, finished_at = ? "
                        "WHERE id = ?");
    s.bind(1, std::string(status));
    s.bind(2, pages);
    s.bind(3, records);
    bind_text_or_null(s, 4, error);
    s.bind(5, std::string(now));
    s.bind(6, id);
    s.exec();
  });
}

std::vector<WindowRow> CollectState::windows(std::int64_t channel_id)
{
  return guarded(m_db.impl(), "list windows", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT id, channel_id, job_id, from_at, to_at, pages, records, status, error, started_at, "
                        "finished_at FROM fetch_windows WHERE channel_id = ? ORDER BY from_at, id");
    s.bind(1, channel_id);
    std::vector<WindowRow> rows;
    while (s.executeStep()) {
      WindowRow w;
      w.id = s.getColumn(0).getInt64();
      w.channel_id = s.getColumn(1).getInt64();
      w.job_id = s.getColumn(2).getInt64();
      w.from_at = text(s.getColumn(3));
      w.to_at = text(s.getColumn(4));
      w.pages = s.getColumn(5).getInt();
      w.records = s.getColumn(6).getInt64();
      w.status = text(s.getColumn(7));
      w.error = text(s.getColumn(8));
      w.started_at = text(s.getColumn(9));
      w.finished_at = text(s.getColumn(10));
      rows.push_back(std::move(w));
    }
    return rows;
  });
}

std::optional<std::string> CollectState::state(std::int64_t channel_id, std::string_view key)
{
  return guarded(m_db.impl(), "read state", [&]() -> std::optional<std::string> {
    SQLite::Statement s(m_db.impl().db, "SELECT value FROM sync_state WHERE channel_id = ? AND key = ?");
    s.bind(1, channel_id);
    s.bind(2, std::string(key));
    if (s.executeStep()) {
      return text(s.getColumn(0));
    }
    return std::nullopt;
  });
}

void CollectState::set_state(std::int64_t channel_id, std::string_view key, std::string_view value, std::string_view now)
{
  guarded(m_db.impl(), "save state", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "INSERT INTO sync_state (channel_id, key, value, updated_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (channel_id, key) DO UPDATE SET value = excluded.value, "
                        "updated_at = excluded.updated_at");
    s.bind(1, channel_id);
    s.bind(2, std::string(key));
    s.bind(3, std::string(value));
    s.bind(4, std::string(now));
    s.exec();
  });
}

bool CollectState::processed(std::int64_t channel_id, std::string_view key)
{
  return guarded(m_db.impl(), "read processed files", [&] {
    SQLite::Statement s(m_db.impl().db, "SELECT 1 FROM processed_files WHERE channel_id = ? AND key = ?");
    s.bind(1, channel_id);
    s.bind(2, std::string(key));
    return s.executeStep();
  });
}

void CollectState::mark_processed(std::int64_t channel_id, std::string_view key, std::int64_t job_id, std::string_view now)
{
  guarded(m_db.impl(), "record processed file", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "INSERT OR IGNORE INTO processed_files (channel_id, key, job_id, processed_at) VALUES (?, ?, ?, ?)");
    s.bind(1, channel_id);
    s.bind(2, std::string(key));
    s.bind(3, job_id);
    s.bind(4, std::string(now));
    s.exec();
  });
}

} // namespace uoms::store
