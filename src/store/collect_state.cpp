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
    bind_all(s, channel_id, job_id, from, to, now);
    s.exec();
    return m_db.impl().db.getLastInsertRowid();
  });
}

void CollectState::finish_window(std::int64_t id, std::string_view status, int pages, std::int64_t records,
                             std::string_view error, std::string_view now)
{
  execute(m_db, "finish window",
          "UPDATE fetch_windows SET status = ?, pages = ?, records = ?, error = ?, finished_at = ? "
          "WHERE id = ?",
          status, pages, records, OrNull{error}, now, id);
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
      read_columns(s, w.id, w.channel_id, w.job_id, w.from_at, w.to_at, w.pages, w.records, w.status, w.error,
                   w.started_at, w.finished_at);
      rows.push_back(std::move(w));
    }
    return rows;
  });
}

std::optional<std::string> CollectState::state(std::int64_t channel_id, std::string_view key)
{
  return guarded(m_db.impl(), "read state", [&]() -> std::optional<std::string> {
    SQLite::Statement s(m_db.impl().db, "SELECT value FROM sync_state WHERE channel_id = ? AND key = ?");
    bind_all(s, channel_id, key);
    if (s.executeStep()) {
      return text(s.getColumn(0));
    }
    return std::nullopt;
  });
}

void CollectState::set_state(std::int64_t channel_id, std::string_view key, std::string_view value, std::string_view now)
{
  execute(m_db, "save state",
          "INSERT INTO sync_state (channel_id, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT "
          "(channel_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
          channel_id, key, value, now);
}

bool CollectState::processed(std::int64_t channel_id, std::string_view key)
{
  return guarded(m_db.impl(), "read processed files", [&] {
    SQLite::Statement s(m_db.impl().db, "SELECT 1 FROM processed_files WHERE channel_id = ? AND key = ?");
    bind_all(s, channel_id, key);
    return s.executeStep();
  });
}

void CollectState::mark_processed(std::int64_t channel_id, std::string_view key, std::int64_t job_id, std::string_view now)
{
  execute(m_db, "record processed file",
          "INSERT OR IGNORE INTO processed_files (channel_id, key, job_id, processed_at) "
          "VALUES (?, ?, ?, ?)",
          channel_id, key, job_id, now);
}

} // namespace uoms::store
