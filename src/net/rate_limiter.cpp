#include "src/net/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace uoms::net {

RateLimiter::RateLimiter(double rate, Clock& clock)
  : m_rate(rate),
    m_capacity(std::max(1.0, rate - 1.0)),
    m_clock(clock),
    m_tokens(m_capacity),
    m_last_refill(clock.now())
{
}

void RateLimiter::acquire()
{
  Millis wait{0};
  {
    std::lock_guard lock(m_mutex);
    const TimePoint now = m_clock.now();
    if (now > m_last_refill) {
      const double elapsed_seconds = std::chrono::duration<double>(now - m_last_refill).count();
      m_tokens = std::min(m_capacity, m_tokens + elapsed_seconds * m_rate);
      m_last_refill = now;
    }
    m_tokens -= 1.0;
    if (m_tokens < 0) {
      // The deficit is paid back by refill; round up so we never wake up early.
      wait = Millis{static_cast<long long>(std::ceil(-m_tokens / m_rate * 1000.0 - 1e-9))};
    }
  }
  if (wait > Millis{0}) {
    m_clock.sleep_for(wait);
  }
}

} // namespace uoms::net
