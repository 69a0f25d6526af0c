#include "uoms/http.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using uoms::Millis;
using uoms::TimePoint;

namespace {

// 2026-11-22T10:00:00Z, a Sunday.
TimePoint reference_now()
{
  return TimePoint{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h};
}

} // namespace

TEST_CASE("net::url_encode")
{
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"", ""},
    {"abcXYZ019-._~", "abcXYZ019-._~"},
    {"a b", "a%20b"},
    {"x+y", "x%2By"},
    {"/?&=#:@", "%2F%3F%26%3D%23%3A%40"},
    {"100%", "100%25"},
    {"한", "%ED%95%9C"},
    {"2026-11-22T10:00:00+09:00", "2026-11-22T10%3A00%3A00%2B09%3A00"},
  };
  for (const auto& [input, expected] : cases) {
    CAPTURE(input);
    CHECK(uoms::net::url_encode(input) == expected);
  }
}

TEST_CASE("net::build_query")
{
  CHECK(uoms::net::build_query({}) == "");
  CHECK(uoms::net::build_query({{"a", "1"}, {"b", "x+y"}}) == "a=1&b=x%2By");
  // Order is kept as given: signatures are often computed over the exact query.
  CHECK(uoms::net::build_query({{"z", "1"}, {"a", "2"}}) == "z=1&a=2");
  CHECK(uoms::net::build_query({{"date from", "2026-11-22T10:00:00+09:00"}, {"empty", ""}}) ==
        "date%20from=2026-11-22T10%3A00%3A00%2B09%3A00&empty=");
  CHECK(uoms::net::build_query({{"message", "주문 3건"}}) == "message=%EC%A3%BC%EB%AC%B8%203%EA%B1%B4");
}

TEST_CASE("net::parse_retry_after")
{
  const TimePoint now = reference_now();
  struct Case
  {
    std::string value;
    std::optional<Millis> expected;
  };
  const std::vector<Case> cases = {
    {"120", Millis{120'000}},
    {" 5 ", Millis{5'000}},
    {"0", Millis{0}},
    {"99999999999999999999", Millis{1'000'000'000'000}}, // saturates; callers cap it
    {"Sun, 22 Nov 2026 10:00:05 GMT", Millis{5'000}},    // IMF-fixdate
    {"Sunday, 22-Nov-26 10:01:00 GMT", Millis{60'000}},  // RFC 850
    {"Sun Nov 22 10:00:30 2026", Millis{30'000}},        // asctime
    {"Sat, 21 Nov 2026 10:00:00 GMT", Millis{0}},        // in the past: no wait
    {"", std::nullopt},
    {"soon", std::nullopt},
    {"-5", std::nullopt},
    {"1.5", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.value);
    CHECK(uoms::net::parse_retry_after(c.value, now) == c.expected);
  }
}

TEST_CASE("net::url_host")
{
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"http://127.0.0.1:8080/x", "127.0.0.1"},
    {"https://API.Example.com/v2/orders?from=1&to=2", "api.example.com"},
    {"http://[::1]:9000/", "::1"},
    {"http://user:pw@host.test/path", "host.test"},
    {"http://localhost", "localhost"},
    // The fragment ends the authority: the host is evil.com, not 127.0.0.1.
    {"http://evil.com#@127.0.0.1/", "evil.com"},
    {"not a url", ""},
    {"", ""},
  };
  for (const auto& [url, expected] : cases) {
    CAPTURE(url);
    CHECK(uoms::net::url_host(url) == expected);
  }
}

TEST_CASE("net::is_loopback_host")
{
  const std::vector<std::pair<std::string, bool>> cases = {
    {"127.0.0.1", true},
    {"127.255.1.2", true},
    {"localhost", true},
    {"LocalHost", true},
    {"localhost.", true},
    {"::1", true},
    {"[::1]", true},
    {"::ffff:127.0.0.1", true},
    {"128.0.0.1", false},
    {"10.0.0.1", false},
    {"::2", false},
    {"api.example.com", false},
    {"127.0.0.1.nip.io", false},
    {"localhost.evil.com", false},
    {"", false},
  };
  for (const auto& [host, expected] : cases) {
    CAPTURE(host);
    CHECK(uoms::net::is_loopback_host(host) == expected);
  }
}

TEST_CASE("net::Response::header")
{
  uoms::net::Response response;
  response.headers = {{"content-type", "application/json"}, {"X-Request-Id", "abc"}, {"x-request-id", "def"}};
  CHECK(response.header("Content-Type") == "application/json");
  CHECK(response.header("X-REQUEST-ID") == "abc"); // the first of repeated headers
  CHECK(response.header("retry-after") == std::nullopt);
}
