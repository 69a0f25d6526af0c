#pragma once

#include "uoms/store/locks.hpp"
#include "uoms/time.hpp"

#include <expected>
#include <optional>
#include <string>

namespace uoms {

// A named lease in the locks table, held by this process (pid and host) until released,
// destroyed or expired. The one lease loop: per-channel pass locks ("collect:NAME",
// "upload-tracking:NAME") and token refresh locks use it alike. A lease whose holder is
// a dead process on this host, or whose expiry has passed, is taken over.
class Lease
{
public:
  // Takes the lease at once, or returns who holds it.
  static std::expected<Lease, store::LockHolder> take(store::Database& db, std::string name, std::int64_t job_id,
                                                      Clock& clock, Millis length);
  // Tries every 100 ms until `wait` has passed; nullopt when it is still held then.
  static std::optional<Lease> take_waiting(store::Database& db, std::string name, std::int64_t job_id, Clock& clock,
                                           Millis length, Millis wait);

  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&& other) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  // Releases the lease; a failure is logged, never thrown.
  ~Lease();

  // Pushes the expiry `length` past now.
  void renew();
  void release();
  const std::string& name() const { return m_name; }

private:
  Lease(store::Database& db, std::string name, Clock& clock, Millis length);

  store::Database* m_db = nullptr;
  std::string m_name;
  Clock* m_clock = nullptr;
  Millis m_length{0};
};

} // namespace uoms
