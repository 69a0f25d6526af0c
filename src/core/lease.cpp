#include "uoms/lease.hpp"

#include "uoms/jobs.hpp"
#include "uoms/log.hpp"

#include <utility>

#include <unistd.h>

namespace uoms {

Lease::Lease(store::Database& db, std::string name, Clock& clock, Millis length)
  : m_db(&db),
    m_name(std::move(name)),
    m_clock(&clock),
    m_length(length)
{
}

std::expected<Lease, store::LockHolder> Lease::take(store::Database& db, std::string name, std::int64_t job_id,
                                                    Clock& clock, Millis length)
{
  const auto now = clock.now();
  const auto host = jobs::hostname();
  store::LockRequest request{name, job_id, ::getpid(), host, format_utc(now), format_utc(now + length)};
  auto holder = store::Locks(db).try_lock(request, [&](const store::LockHolder& h) {
    return h.host == host && jobs::process_is_dead(h.pid);
  });
  if (holder) {
    return std::unexpected(*holder);
  }
  return Lease(db, std::move(name), clock, length);
}

std::optional<Lease> Lease::take_waiting(store::Database& db, std::string name, std::int64_t job_id, Clock& clock,
                                         Millis length, Millis wait)
{
  const auto deadline = clock.now() + wait;
  for (;;) {
    auto lease = take(db, name, job_id, clock, length);
    if (lease) {
      return std::move(*lease);
    }
    if (clock.now() >= deadline) {
      return std::nullopt;
    }
    clock.sleep_for(std::chrono::milliseconds(100));
  }
}

Lease::Lease(Lease&& other) noexcept
  : m_db(std::exchange(other.m_db, nullptr)),
    m_name(std::move(other.m_name)),
    m_clock(other.m_clock),
    m_length(other.m_length)
{
}

Lease& Lease::operator=(Lease&& other) noexcept
{
  if (this != &other) {
    release();
    m_db = std::exchange(other.m_db, nullptr);
    m_name = std::move(other.m_name);
    m_clock = other.m_clock;
    m_length = other.m_length;
  }
  return *this;
}

Lease::~Lease()
{
  release();
}

void Lease::renew()
{
  if (m_db) {
    const auto now = m_clock->now();
    store::Locks(*m_db).renew(m_name, ::getpid(), format_utc(now), format_utc(now + m_length));
  }
}

void Lease::release()
{
  if (!m_db) {
    return;
  }
  try {
    store::Locks(*std::exchange(m_db, nullptr)).unlock(m_name, ::getpid());
  } catch (const std::exception& e) {
    log::warn("cannot release lock {}: {}", m_name, e.what());
  }
}

} // namespace uoms
