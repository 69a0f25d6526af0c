#pragma once

#include "uoms/store/database.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace uoms::store {

struct LockHolder
{
  std::int64_t job_id = 0;
  std::int64_t pid = 0;
  std::string host;
  std::string heartbeat_at;
  std::string expires_at;
};

struct LockRequest
{
  std::string name;
  std::int64_t job_id = 0;
  std::int64_t pid = 0;
  std::string host;
  std::string now;
  std::string expires_at;
};

// The locks table: a lease per name. core/lease.hpp is the one user.
class Locks
{
public:
  explicit Locks(Database& db) : m_db(db) {}

  // Takes the lease when it is free, expired, or held by a dead holder (the caller says
  // which are dead). Returns the current holder when it is busy.
  std::optional<LockHolder> try_lock(const LockRequest& request,
                                     const std::function<bool(const LockHolder&)>& holder_is_dead);
  void renew(std::string_view name, std::int64_t pid, std::string_view now, std::string_view expires_at);
  void unlock(std::string_view name, std::int64_t pid);

private:
  Database& m_db;
};

} // namespace uoms::store
