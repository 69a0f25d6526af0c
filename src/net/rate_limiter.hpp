#pragma once

#include "uoms/time.hpp"

#include <mutex>

namespace uoms::net {

// A token bucket that keeps one client under a marketplace's requests-per-second limit.
// It refills at `rate` tokens per second and starts full, so a short burst goes out at once
// and a long run settles at `rate`. It holds one token fewer than a bucket of that rate on
// the marketplace's side (max(1, rate - 1)): a long run then arrives with a token to spare
// there, and a request that network jitter brings in a little early is not answered 429
// (which costs a Retry-After of a second or more).
//
// All waiting goes through the injected Clock, so tests with a fake clock observe the
// exact delays without sleeping. acquire() is thread-safe: a caller reserves its token
// under the mutex (the balance may go negative) and then sleeps outside it, so callers
// sharing a bucket are served in order without holding the lock while asleep.
class RateLimiter
{
public:
  // rate: tokens per second, > 0.
  RateLimiter(double rate, Clock& clock);

  // Blocks (via clock.sleep_for) until a token is available and takes it.
  void acquire();

private:
  double m_rate;
  double m_capacity;
  Clock& m_clock;
  std::mutex m_mutex;
  double m_tokens;
  TimePoint m_last_refill;
};

} // namespace uoms::net
