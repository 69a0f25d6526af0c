#include "uoms/util/text.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using namespace uoms::util;

TEST_CASE("util::trim")
{
  CHECK(trim("  a b \t\r\n") == "a b");
  CHECK(trim("") == "");
  CHECK(trim(" \n ") == "");
  CHECK(trim("x") == "x");
}

TEST_CASE("util::edit_distance and did_you_mean")
{
  CHECK(edit_distance("timeout", "timeout") == 0);
  CHECK(edit_distance("timout", "timeout") == 1);
  CHECK(edit_distance("tiemout", "timeout") == 1); // adjacent transposition is one edit
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(did_you_mean("colect", {"collect", "channels"}) == " (did you mean \"collect\"?)");
  CHECK(did_you_mean("zzzzzz", {"collect", "channels"}).empty());
  CHECK(did_you_mean("pth", {"path", "mapping"}) == " (did you mean \"path\"?)");
  CHECK(did_you_mean("mapin", {"path", "mapping"}) == " (did you mean \"mapping\"?)");
  CHECK(did_you_mean("x", {}).empty());
  CHECK(closest("jbos", {"jobs", "init"}) == std::optional<std::string>("jobs"));
}

TEST_CASE("util::parse_utc_offset")
{
  SUBCASE("numeric forms")
  {
    CHECK(parse_utc_offset("+09:00") == 540min);
    CHECK(parse_utc_offset("+0900") == 540min);
    CHECK(parse_utc_offset("+09") == 540min);
    CHECK(parse_utc_offset("+9") == 540min);
    CHECK(parse_utc_offset("-05:30") == -330min);
    CHECK(parse_utc_offset(" +09:00 ") == 540min);
  }
  SUBCASE("names")
  {
    CHECK(parse_utc_offset("Z") == 0min);
    CHECK(parse_utc_offset("utc") == 0min);
    CHECK(parse_utc_offset("GMT") == 0min);
    CHECK(parse_utc_offset("KST") == 540min);
    CHECK(parse_utc_offset("Asia/Tokyo") == 540min);
    CHECK(parse_utc_offset("Asia/Singapore") == 480min);
  }
  SUBCASE("refused")
  {
    CHECK_FALSE(parse_utc_offset(""));
    CHECK_FALSE(parse_utc_offset("+"));
    CHECK_FALSE(parse_utc_offset("+15"));
    CHECK_FALSE(parse_utc_offset("+09:60"));
    CHECK_FALSE(parse_utc_offset("+9:0"));
    CHECK_FALSE(parse_utc_offset("+090"));
    CHECK_FALSE(parse_utc_offset("+09h"));
    CHECK_FALSE(parse_utc_offset("Europe/Paris"));
  }
}

TEST_CASE("util::join")
{
  CHECK(join(std::vector<std::string>{"a", "b", "c"}) == "a, b, c");
  CHECK(join(std::vector<std::string_view>{"x", "y"}, "|") == "x|y");
  CHECK(join(std::vector<std::string>{}).empty());
  CHECK(join(std::vector<std::string>{"", "b"}) == ", b"); // an empty item keeps its separator
}

TEST_CASE("utf8_prefix never cuts a character in half")
{
  using uoms::util::utf8_prefix;
  CHECK(utf8_prefix("abc", 10) == "abc");
  CHECK(utf8_prefix("abc", 2) == "ab");
  CHECK(utf8_prefix("무선 이어폰", 4) == "무");   // 무 is 3 bytes; 4 would split 선
  CHECK(utf8_prefix("무선 이어폰", 2) == "");
  CHECK(utf8_prefix("무선 이어폰", 6) == "무선");
}
