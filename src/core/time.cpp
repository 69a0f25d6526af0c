#include "uoms/time.hpp"

#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <thread>

namespace uoms {

namespace {

using namespace std::chrono;

// A calendar breakdown of an instant already shifted into local time.
struct Fields
{
  int year;
  unsigned month;
  unsigned day;
  long long hour;
  long long minute;
  long long second;
  long long millis;
  unsigned weekday; // 0 = Sunday
  unsigned yearday; // 1-based
};

Fields split(TimePoint local)
{
  const auto day_point = floor<days>(local);
  const year_month_day ymd{day_point};
  const auto in_day = local - day_point;
  const long long ms = in_day.count();
  const auto jan1 = sys_days{ymd.year() / January / 1};
  return Fields{
    .year = int(ymd.year()),
    .month = unsigned(ymd.month()),
    .day = unsigned(ymd.day()),
    .hour = ms / 3'600'000,
    .minute = ms / 60'000 % 60,
    .second = ms / 1000 % 60,
    .millis = ms % 1000,
    .weekday = weekday{day_point}.c_encoding(),
    .yearday = unsigned((day_point - jan1).count() + 1),
  };
}

constexpr std::array<std::string_view, 7> k_weekday_names{"Sunday",   "Monday", "Tuesday",
                                                          "Wednesday", "Thursday", "Friday",
                                                          "Saturday"};
constexpr std::array<std::string_view, 12> k_month_names{
  "January", "February", "March",     "April",   "May",      "June",
  "July",    "August",   "September", "October", "November", "December"};

// `+09:00`, `-05:30`, `+00:00`.
std::string format_offset(minutes offset)
{
  const long long total = offset.count();
  const long long magnitude = total < 0 ? -total : total;
  return fmt::format("{}{:02}:{:02}", total < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
}

// A small cursor over the text being parsed; every reader returns false on a mismatch
// so the caller can reject the whole text.
class Cursor
{
public:
  explicit Cursor(std::string_view text) : m_text(text) {}

  bool done() const { return m_pos == m_text.size(); }
  char peek() const { return done() ? '\0' : m_text[m_pos]; }
  std::size_t remaining() const { return m_text.size() - m_pos; }
  std::string_view rest() const { return m_text.substr(m_pos); }

  bool accept(char c)
  {
    if (peek() == c && !done()) {
      ++m_pos;
      return true;
    }
    return false;
  }

  // Exactly `count` ASCII digits.
  bool digits(std::size_t count, long long& out)
  {
    if (remaining() < count) {
      return false;
    }
    long long value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = m_text[m_pos + i];
      if (c < '0' || c > '9') {
        return false;
      }
      value = value * 10 + (c - '0');
    }
    m_pos += count;
    out = value;
    return true;
  }

  // One or more digits; the first three are the milliseconds, the rest are truncated.
  bool fraction_millis(long long& out)
  {
    std::size_t count = 0;
    long long value = 0;
    while (!done() && peek() >= '0' && peek() <= '9') {
      if (count < 3) {
        value = value * 10 + (peek() - '0');
      }
      ++count;
      ++m_pos;
    }
    if (count == 0) {
      return false;
    }
    for (std::size_t i = count; i < 3; ++i) {
      value *= 10;
    }
    out = value;
    return true;
  }

private:
  std::string_view m_text;
  std::size_t m_pos = 0;
};

bool is_digits(std::string_view text)
{
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !text.empty();
}

std::optional<TimePoint> assemble(long long y, long long mo, long long d, long long h,
                                  long long mi, long long s, long long ms, minutes offset)
{
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) {
    return std::nullopt;
  }
  const year_month_day ymd{year{int(y)}, month{unsigned(mo)}, day{unsigned(d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  const TimePoint local = time_point_cast<milliseconds>(sys_days{ymd}) + hours{h} + minutes{mi} +
                          seconds{s} + milliseconds{ms};
  return local - offset;
}

} // namespace

TimePoint SystemClock::now() const
{
  return time_point_cast<milliseconds>(system_clock::now());
}

void SystemClock::sleep_for(Millis duration)
{
  std::this_thread::sleep_for(duration);
}

std::string format_utc(TimePoint t)
{
  const Fields f = split(t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", f.year, f.month, f.day, f.hour,
                     f.minute, f.second, f.millis);
}

std::string format_time(TimePoint t, minutes utc_offset, std::string_view pattern)
{
  const Fields f = split(t + utc_offset);
  std::string out;
  out.reserve(pattern.size() + 16);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c != '%' || i + 1 == pattern.size()) {
      out += c;
      continue;
    }
    const char spec = pattern[++i];
    switch (spec) {
    case 'Y': out += fmt::format("{:04}", f.year); break;
    case 'y': out += fmt::format("{:02}", ((f.year % 100) + 100) % 100); break;
    case 'm': out += fmt::format("{:02}", f.month); break;
    case 'd': out += fmt::format("{:02}", f.day); break;
    case 'e': out += fmt::format("{:2}", f.day); break;
    case 'H': out += fmt::format("{:02}", f.hour); break;
    case 'I': out += fmt::format("{:02}", f.hour % 12 == 0 ? 12 : f.hour % 12); break;
    case 'p': out += f.hour < 12 ? "AM" : "PM"; break;
    case 'M': out += fmt::format("{:02}", f.minute); break;
    case 'S': out += fmt::format("{:02}", f.second); break;
    case 'L': out += fmt::format("{:03}", f.millis); break;
    case 'j': out += fmt::format("{:03}", f.yearday); break;
    case 'z': out += format_offset(utc_offset); break;
    case 'F': out += fmt::format("{:04}-{:02}-{:02}", f.year, f.month, f.day); break;
    case 'T': out += fmt::format("{:02}:{:02}:{:02}", f.hour, f.minute, f.second); break;
    case 'a': out += k_weekday_names[f.weekday].substr(0, 3); break;
    case 'A': out += k_weekday_names[f.weekday]; break;
    case 'b': out += k_month_names[f.month - 1].substr(0, 3); break;
    case 'B': out += k_month_names[f.month - 1]; break;
    case 's': out += fmt::format("{}", to_epoch_seconds(t)); break;
    case '%': out += '%'; break;
    default:
      // Unknown conversions are kept verbatim rather than silently dropped.
      out += '%';
      out += spec;
      break;
    }
  }
  return out;
}

std::optional<TimePoint> parse_time(std::string_view text, minutes default_offset)
{
  long long y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  minutes offset = default_offset;

  // Compact shapes: yyyyMMdd and yyyyMMddHHmmss, always in the default offset.
  if (is_digits(text) && (text.size() == 8 || text.size() == 14)) {
    Cursor c(text);
    c.digits(4, y);
    c.digits(2, mo);
    c.digits(2, d);
    if (text.size() == 14) {
      c.digits(2, h);
      c.digits(2, mi);
      c.digits(2, s);
    }
    return assemble(y, mo, d, h, mi, s, ms, offset);
  }

  Cursor c(text);
  if (!c.digits(4, y) || !c.accept('-') || !c.digits(2, mo) || !c.accept('-') ||
      !c.digits(2, d)) {
    return std::nullopt;
  }
  if (c.done()) {
    return assemble(y, mo, d, h, mi, s, ms, offset);
  }
  if (!c.accept('T') && !c.accept('t') && !c.accept(' ')) {
    return std::nullopt;
  }
  if (!c.digits(2, h) || !c.accept(':') || !c.digits(2, mi)) {
    return std::nullopt;
  }
  if (c.accept(':')) {
    if (!c.digits(2, s)) {
      return std::nullopt;
    }
    if ((c.accept('.') || c.accept(',')) && !c.fraction_millis(ms)) {
      return std::nullopt;
    }
  }
  // Whatever follows the time is its UTC offset, read the way util reads every offset.
  if (!c.done()) {
    const auto parsed = util::parse_utc_offset(c.rest());
    if (!parsed) {
      return std::nullopt;
    }
    offset = *parsed;
  }
  return assemble(y, mo, d, h, mi, s, ms, offset);
}

std::optional<Millis> parse_duration(std::string_view text)
{
  std::size_t digits_end = 0;
  while (digits_end < text.size() && text[digits_end] >= '0' && text[digits_end] <= '9') {
    ++digits_end;
  }
  if (digits_end == 0) {
    return std::nullopt;
  }
  long long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits_end, value);
  if (ec != std::errc{} || ptr != text.data() + digits_end) {
    return std::nullopt;
  }
  const std::string_view unit = text.substr(digits_end);
  long long scale = 0;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else if (unit == "d") {
    scale = 86'400'000;
  } else {
    return std::nullopt;
  }
  if (value > std::numeric_limits<long long>::max() / scale) {
    return std::nullopt;
  }
  return Millis{value * scale};
}

TimePoint from_epoch_seconds(long long seconds)
{
  return TimePoint{std::chrono::seconds{seconds}};
}

long long to_epoch_seconds(TimePoint t)
{
  return floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

long long to_epoch_millis(TimePoint t)
{
  return t.time_since_epoch().count();
}

} // namespace uoms
