#include "src/store/connection.hpp"
#include "uoms/store/locks.hpp"

namespace uoms::store {

// --- locks ------------------------------------------------------------------

std::optional<LockHolder> Locks::try_lock(const LockRequest& r,
                                             const std::function<bool(const LockHolder&)>& holder_is_dead)
{
  return guarded(m_db.impl(), "take lock " + r.name, [&]() -> std::optional<LockHolder> {
    SQLite::Transaction tx(m_db.impl().db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(m_db.impl().db, "SELECT job_id, pid, host, heartbeat_at, expires_at FROM locks WHERE name = ?");
    q.bind(1, r.name);
    if (q.executeStep()) {
      LockHolder holder{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), text(q.getColumn(2)),
                        text(q.getColumn(3)), text(q.getColumn(4))};
      bool expired = holder.expires_at < r.now;
      if (!expired && !holder_is_dead(holder)) {
        return holder;
      }
    }
    SQLite::Statement s(m_db.impl().db,
                        "INSERT INTO locks (name, job_id, pid, host, acquired_at, heartbeat_at, expires_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET job_id = excluded.job_id, "
                        "pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at, "
                        "heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at");
    bind_all(s, r.name, r.job_id, r.pid, r.host, r.now, r.now, r.expires_at);
    s.exec();
    tx.commit();
    return std::nullopt;
  });
}

void Locks::renew(std::string_view name, std::int64_t pid, std::string_view now, std::string_view expires_at)
{
  execute_cached(m_db, "renew lock",
          "UPDATE locks SET heartbeat_at = ?, expires_at = ? WHERE name = ? AND pid = ?",
          now, expires_at, name, pid);
}

void Locks::unlock(std::string_view name, std::int64_t pid)
{
  execute(m_db, "release lock", "DELETE FROM locks WHERE name = ? AND pid = ?", name, pid);
}

} // namespace uoms::store
