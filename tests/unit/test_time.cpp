#include "uoms/time.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace std::chrono_literals;
using uoms::format_time;
using uoms::format_utc;
using uoms::k_kst_offset;
using uoms::parse_duration;
using uoms::parse_time;
using uoms::TimePoint;

namespace {

// 2026-11-21T15:30:00Z, which is 2026-11-22T00:30:00 in Korea: the KST day boundary.
const TimePoint k_kst_boundary = uoms::from_epoch_seconds(1'795'275'000);

std::string utc(std::string_view text, std::chrono::minutes offset = 0min)
{
  const auto t = parse_time(text, offset);
  REQUIRE_MESSAGE(t.has_value(), text);
  return format_utc(*t);
}

} // namespace

TEST_CASE("time::format_utc")
{
  CHECK(format_utc(k_kst_boundary) == "2026-11-21T15:30:00.000Z");
  CHECK(format_utc(k_kst_boundary + 123ms) == "2026-11-21T15:30:00.123Z");
  CHECK(format_utc(uoms::from_epoch_seconds(0)) == "1970-01-01T00:00:00.000Z");
  CHECK(format_utc(uoms::from_epoch_seconds(1'709'164'800)) == "2024-02-29T00:00:00.000Z");
  // Before the epoch the breakdown must still be calendar-correct.
  CHECK(format_utc(TimePoint{-1ms}) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("time::format_time")
{
  SUBCASE("KST day boundary with milliseconds and offset")
  {
    CHECK(format_time(k_kst_boundary, k_kst_offset, "%Y-%m-%dT%H:%M:%S.%L%z") ==
          "2026-11-22T00:30:00.000+09:00");
    CHECK(format_time(k_kst_boundary, 0min, "%Y-%m-%dT%H:%M:%S.%L%z") ==
          "2026-11-21T15:30:00.000+00:00");
  }
  SUBCASE("compact marketplace shapes")
  {
    CHECK(format_time(k_kst_boundary, k_kst_offset, "%Y%m%d%H%M%S") == "20261122003000");
    CHECK(format_time(k_kst_boundary, k_kst_offset, "%y%m%d") == "261122");
    CHECK(format_time(k_kst_boundary, 0min, "%y%m%dT%H%M%SZ") == "261121T153000Z");
  }
  SUBCASE("negative and half-hour offsets")
  {
    CHECK(format_time(k_kst_boundary, -5h, "%F %T%z") == "2026-11-21 10:30:00-05:00");
    CHECK(format_time(k_kst_boundary, 5h + 30min, "%H:%M%z") == "21:00+05:30");
  }
  SUBCASE("names, day of year, literal percent")
  {
    CHECK(format_time(k_kst_boundary, k_kst_offset, "%a %A %b %B %j 100%%") ==
          "Sun Sunday Nov November 326 100%");
    CHECK(format_time(k_kst_boundary + 250ms, 0min, "%I:%M %p .%L") == "03:30 PM .250");
    CHECK(format_time(k_kst_boundary, 0min, "%s") == "1795275000");
  }
}

TEST_CASE("time::parse_time")
{
  SUBCASE("offsets")
  {
    CHECK(utc("2026-11-22T00:30:00+09:00") == "2026-11-21T15:30:00.000Z");
    CHECK(utc("2026-11-22T00:30:00+0900") == "2026-11-21T15:30:00.000Z");
    CHECK(utc("2026-11-22T00:30:00Z") == "2026-11-22T00:30:00.000Z");
    CHECK(utc("2026-11-21T10:30:00-05:00") == "2026-11-21T15:30:00.000Z");
    // An explicit offset wins over the default.
    CHECK(utc("2026-11-22T00:30:00Z", k_kst_offset) == "2026-11-22T00:30:00.000Z");
    CHECK(parse_time("2026-11-22T00:30:00+09:00") == k_kst_boundary);
  }
  SUBCASE("default offset applies to text without one")
  {
    CHECK(utc("2026-11-22T00:30:00", k_kst_offset) == "2026-11-21T15:30:00.000Z");
    CHECK(utc("2026-11-22 00:30:00", k_kst_offset) == "2026-11-21T15:30:00.000Z");
    CHECK(utc("2026-11-22T00:30", k_kst_offset) == "2026-11-21T15:30:00.000Z");
    CHECK(utc("2026-11-22", k_kst_offset) == "2026-11-21T15:00:00.000Z");
    CHECK(utc("2026-11-22") == "2026-11-22T00:00:00.000Z");
  }
  SUBCASE("fractions of any length are truncated to milliseconds")
  {
    CHECK(utc("2026-11-22T00:30:00.1Z") == "2026-11-22T00:30:00.100Z");
    CHECK(utc("2026-11-22T00:30:00.12Z") == "2026-11-22T00:30:00.120Z");
    CHECK(utc("2026-11-22T00:30:00.123Z") == "2026-11-22T00:30:00.123Z");
    CHECK(utc("2026-11-22T00:30:00.123456789+09:00") == "2026-11-21T15:30:00.123Z");
    CHECK(utc("2026-11-22T00:30:00.9999Z") == "2026-11-22T00:30:00.999Z");
  }
  SUBCASE("compact yyyyMMdd and yyyyMMddHHmmss")
  {
    CHECK(utc("20261122003000", k_kst_offset) == "2026-11-21T15:30:00.000Z");
    CHECK(utc("20261122", k_kst_offset) == "2026-11-21T15:00:00.000Z");
    CHECK(utc("20240229") == "2024-02-29T00:00:00.000Z");
  }
  SUBCASE("the offset is read as util::parse_utc_offset reads every offset")
  {
    CHECK(utc("2026-11-22T00:30:00+9") == "2026-11-21T15:30:00.000Z");
    CHECK(utc("2026-11-22T00:30:00+09") == "2026-11-21T15:30:00.000Z");
    CHECK(utc("2026-11-22T00:30:00 KST") == "2026-11-21T15:30:00.000Z");
    CHECK(utc("2026-11-22T00:30:00UTC", k_kst_offset) == "2026-11-22T00:30:00.000Z");
    CHECK_FALSE(parse_time("2026-11-22T00:30:00+15:00").has_value()); // beyond UTC+14
  }
    SUBCASE("garbage and out-of-range fields are rejected")
  {
    for (const char* text : {"", "garbage", "2026-13-01", "2026-00-10", "2026-02-30", "2025-02-29",
                             "2026-11-32", "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z",
                             "2026-11-22T10:00:60Z", "2026-11-22T10:00:00+25:00",
                             "2026-11-22T10:00:00+09:60", "2026-11-22T10", "2026-11-22T10:00:00.",
                             "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00Zjunk", "2026-11-22x",
                             "2026/11/22", "26-11-22", "20261322", "20261122250000", "2026112",
                             "202611221030", " 2026-11-22"}) {
      CHECK_MESSAGE(!parse_time(text).has_value(), text);
    }
  }
}

TEST_CASE("time::parse_duration")
{
  CHECK(parse_duration("90d") == std::chrono::milliseconds{90LL * 24 * 3600 * 1000});
  CHECK(parse_duration("24h") == 24h);
  CHECK(parse_duration("30m") == 30min);
  CHECK(parse_duration("45s") == 45s);
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("0s") == 0ms);
  for (const char* text : {"", "d", "90", "90x", "-5s", "1.5h", "5 s", "5S", "99999999999999999999d",
                           "999999999999999999d"}) {
    CHECK_MESSAGE(!parse_duration(text).has_value(), text);
  }
}

TEST_CASE("time::epoch")
{
  CHECK(uoms::to_epoch_seconds(k_kst_boundary) == 1'795'275'000);
  CHECK(uoms::to_epoch_millis(k_kst_boundary + 7ms) == 1'795'275'000'007);
  CHECK(uoms::to_epoch_seconds(TimePoint{-1ms}) == -1);
  CHECK(uoms::from_epoch_seconds(1) == TimePoint{1000ms});
}

TEST_CASE("time::ManualClock")
{
  uoms::ManualClock clock(k_kst_boundary);
  clock.sleep_for(1500ms);
  CHECK(clock.now() == k_kst_boundary + 1500ms);
  clock.set(uoms::from_epoch_seconds(0));
  CHECK(format_utc(clock.now()) == "1970-01-01T00:00:00.000Z");
}
