#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace uoms {

// All times inside uoms are UTC instants with millisecond precision. The store keeps
// them as text in one format, `YYYY-MM-DDTHH:MM:SS.mmmZ`, which sorts like time.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

// The clock is injected so tests can move time; connectors never read the system clock.
class Clock
{
public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  virtual void sleep_for(Millis duration) = 0;
};

class SystemClock : public Clock
{
public:
  TimePoint now() const override;
  void sleep_for(Millis duration) override;
};

// A clock for tests: now() returns what was set; sleep_for advances it instantly.
class ManualClock : public Clock
{
public:
  explicit ManualClock(TimePoint start) : m_now(start) {}
  TimePoint now() const override { return m_now; }
  void sleep_for(Millis duration) override { m_now += duration; }
  void set(TimePoint t) { m_now = t; }

private:
  TimePoint m_now;
};

// `2026-11-22T15:29:39.123Z`.
std::string format_utc(TimePoint t);

// Formats t shifted by utc_offset with a strftime pattern (%Y %m %d %H %M %S %y ...);
// `%L` inserts milliseconds (3 digits) and `%z` the offset as `+09:00`.
std::string format_time(TimePoint t, std::chrono::minutes utc_offset, std::string_view pattern);

// Parses the ISO-8601 shapes marketplaces and users send: `2026-11-22`, `2026-11-22T10:00`,
// `2026-11-22 10:00:00`, optional fraction (any digits), optional `Z`, `+09:00`, `+0900`.
// Text without an offset is read in default_offset. Also `yyyyMMdd` and `yyyyMMddHHmmss`.
std::optional<TimePoint> parse_time(std::string_view text,
                                    std::chrono::minutes default_offset = std::chrono::minutes{0});

// `90d`, `24h`, `30m`, `45s`, `500ms`; nullopt when malformed.
std::optional<Millis> parse_duration(std::string_view text);

TimePoint from_epoch_seconds(long long seconds);
long long to_epoch_seconds(TimePoint t);
long long to_epoch_millis(TimePoint t);

inline constexpr std::chrono::minutes k_kst_offset{9 * 60};

} // namespace uoms
