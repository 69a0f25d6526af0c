#include "uoms/tokens.hpp"

#include "tests/support/connector_test.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <pthread.h>

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

TEST_CASE("TokenKeeper refreshes a token shorter than the margin only as its lifetime requires, pass after pass")
{
  uoms::testing::MemoryTokens store;
  ManualClock clock(uoms::testing::utc(2026, 11, 22));
  int issued = 0;
  auto source = [&](const std::optional<Token>&) -> uoms::connectors::Result<Token> {
    ++issued;
    return Token{"tok-" + std::to_string(issued), clock.now() + 60s, "", {}};
  };
  // A pass every 5 s for 10 minutes, each with its own keeper over the stored token (as
  // separate processes are), each making 3 calls: 360 calls, one refresh per 45 s of use.
  int calls = 0;
  for (int pass = 0; pass < 120; ++pass) {
    TokenKeeper keeper(store, clock, "access", 5min);
    for (int call = 0; call < 3; ++call) {
      REQUIRE(keeper.get(source));
      ++calls;
    }
    clock.sleep_for(5s);
  }
  CHECK(calls == 360);
  CHECK(issued >= 13);
  CHECK(issued <= 14); // 600 s / 45 s, not one refresh per call
}

TEST_CASE("TokenKeeper holds SIGINT and SIGTERM back from the exchange until it is committed")
{
  uoms::testing::MemoryTokens store;
  ManualClock clock(uoms::testing::utc(2026, 11, 22));
  TokenKeeper keeper(store, clock, "access", 5min);
  const auto blocked = [] {
    sigset_t now;
    pthread_sigmask(SIG_SETMASK, nullptr, &now);
    return sigismember(&now, SIGINT) == 1 && sigismember(&now, SIGTERM) == 1;
  };
  bool blocked_during = false;
  auto source = [&](const std::optional<Token>&) -> uoms::connectors::Result<Token> {
    blocked_during = blocked();
    return Token{"tok", clock.now() + 4h, "rotated", {}};
  };
  REQUIRE_FALSE(blocked());
  REQUIRE(keeper.get(source));
  CHECK(blocked_during);
  CHECK_FALSE(blocked()); // restored once committed
  CHECK(store.tokens.at("access").refresh == "rotated");
}
