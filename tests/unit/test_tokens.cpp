#include "uoms/tokens.hpp"

#include "tests/support/connector_test.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using uoms::ManualClock;
using uoms::connectors::Token;
using uoms::connectors::TokenKeeper;

TEST_CASE("TokenKeeper margin is capped to a quarter of the token's lifetime")
{
  uoms::testing::MemoryTokens store;
  ManualClock clock(uoms::testing::utc(2026, 11, 22));
  TokenKeeper keeper(store, clock, "access", 5min);
  int issued = 0;
  // A marketplace that hands out one-minute tokens, shorter than the 5-minute margin.
  auto source = [&](const std::optional<Token>&) -> uoms::connectors::Result<Token> {
    ++issued;
    return Token{"tok-" + std::to_string(issued), clock.now() + 60s, "", {}};
  };
  REQUIRE(keeper.get(source));
  CHECK(issued == 1);
  CHECK(store.tokens.at("access").obtained_at == clock.now());
  clock.sleep_for(10s);
  CHECK(keeper.get(source)->value == "tok-1"); // 50 s left, margin 15 s: still good
  clock.sleep_for(30s);
  CHECK(keeper.get(source)->value == "tok-1"); // 20 s left
  CHECK(issued == 1);
  clock.sleep_for(10s);
  CHECK(keeper.get(source)->value == "tok-2"); // 10 s left: refreshed
  CHECK(issued == 2);

  SUBCASE("a token of unknown age keeps the configured margin")
  {
    store.tokens["access"] = Token{"old", clock.now() + 4min, "", {}};
    CHECK(keeper.get(source)->value == "tok-3");
  }
}
