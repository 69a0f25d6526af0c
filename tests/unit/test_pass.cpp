#include "uoms/error.hpp"
#include "uoms/lease.hpp"
#include "uoms/pass.hpp"

#include "tests/support/pass_env.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <unistd.h>

using namespace std::chrono_literals;
using uoms::ExitCode;
using uoms::pass::ChannelOutcome;

namespace {

ChannelOutcome outcome(const std::string& status, bool auth = false)
{
  ChannelOutcome c;
  c.name = "c";
  c.status = status;
  c.auth_error = auth;
  return c;
}

std::vector<std::string> names(const std::vector<uoms::store::ChannelRow>& rows)
{
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.name);
  return out;
}

// A spec whose work runs `work` for every channel.
uoms::pass::Spec spec(const std::string& kind, std::function<void(uoms::pass::ChannelRun&)> work)
{
  uoms::pass::Spec s;
  s.kind = kind;
  s.work = std::move(work);
  return s;
}

} // namespace

TEST_CASE("pass::aggregate")
{
  using uoms::pass::aggregate;
  CHECK(aggregate({outcome("completed"), outcome("completed")}, false) ==
        std::pair<std::string, ExitCode>{"completed", ExitCode::ok});
  CHECK(aggregate({outcome("completed"), outcome("partial")}, false).second == ExitCode::partial);
  CHECK(aggregate({outcome("completed"), outcome("failed")}, false) ==
        std::pair<std::string, ExitCode>{"partial", ExitCode::partial});
  CHECK(aggregate({outcome("completed"), outcome("skipped")}, false).second == ExitCode::ok);
  CHECK(aggregate({outcome("skipped"), outcome("skipped")}, false) ==
        std::pair<std::string, ExitCode>{"skipped", ExitCode::skipped});
  // Every channel failed: credentials the operator must fix → 4, anything else → 1.
  CHECK(aggregate({outcome("failed", true), outcome("skipped")}, false) ==
        std::pair<std::string, ExitCode>{"failed", ExitCode::config});
  CHECK(aggregate({outcome("failed", true), outcome("failed")}, false).second == ExitCode::failed);
  CHECK(aggregate({outcome("completed")}, true) == std::pair<std::string, ExitCode>{"interrupted", ExitCode::interrupted});
}

TEST_CASE("pass::select_channels")
{
  PassEnv env("pass-select");
  env.add_csv_channel("shop-a");
  env.add_csv_channel("shop-b");
  env.add_csv_channel("old");
  auto row = *uoms::store::Channels(env.db()).find("old");
  row.enabled = false;
  uoms::store::Channels(env.db()).update(row);

  SUBCASE("every enabled channel, by name")
  {
    CHECK(names(uoms::pass::select_channels(env.db(), {})) == std::vector<std::string>{"shop-a", "shop-b"});
  }
  SUBCASE("named channels, disabled ones too, in the order named")
  {
    CHECK(names(uoms::pass::select_channels(env.db(), {"old", "shop-a"})) ==
          std::vector<std::string>{"old", "shop-a"});
  }
  SUBCASE("an unknown name is a usage error with a suggestion")
  {
    try {
      uoms::pass::select_channels(env.db(), {"shop-c"});
      FAIL("no error");
    } catch (const uoms::UsageError& e) {
      CHECK(std::string(e.what()) == "no channel named \"shop-c\" (did you mean \"shop-a\"?)");
    }
  }
}

TEST_CASE("pass::run")
{
  PassEnv env("pass-run");

  SUBCASE("no channel is a configuration error and records no job")
  {
    CHECK_THROWS_AS(uoms::pass::run(env.config, spec("collect", [](auto&) {}), env.clock), uoms::ConfigError);
    CHECK(env.db().count("jobs") == 0);
  }

  env.add_csv_channel("a");
  env.add_csv_channel("b");
  env.add_csv_channel("c");

  SUBCASE("work runs once per channel on the pool; the job records counts and status")
  {
    std::mutex m;
    std::multiset<std::string> seen;
    auto s = spec("sync-stock", [&](uoms::pass::ChannelRun& run) {
      {
        std::lock_guard lock(m);
        seen.insert(run.row().name);
      }
      run.outcome().counts.total = 2;
      run.outcome().counts.succeeded = 2;
      run.committed(2);
    });
    s.concurrency = 3;
    int progress_calls = 0;
    s.on_progress = [&](const uoms::pass::Progress&) { ++progress_calls; };
    auto summary = uoms::pass::run(env.config, s, env.clock);
    CHECK(seen == std::multiset<std::string>{"a", "b", "c"});
    CHECK(summary.status == "completed");
    CHECK(summary.exit_code == ExitCode::ok);
    CHECK(progress_calls == 6); // one per commit, one per finished channel
    auto job = uoms::store::Jobs(env.db()).find(summary.job_id);
    REQUIRE(job);
    CHECK(job->kind == "sync-stock");
    CHECK(job->status == "completed");
    CHECK(job->total == 6);
    CHECK(job->succeeded == 6);
    CHECK(job->progress_percent == 100);
    CHECK(env.db().count("locks") == 0); // every lease released
  }

  SUBCASE("a channel that throws fails alone; one that saved first is partial")
  {
    auto s = spec("collect", [](uoms::pass::ChannelRun& run) {
      if (run.row().name == "a") throw uoms::Failure("disk on fire");
      if (run.row().name == "b") {
        run.committed(1);
        throw uoms::Failure("second page broke");
      }
    });
    s.concurrency = 1; // details in channel order
    auto summary = uoms::pass::run(env.config, s, env.clock);
    REQUIRE(summary.channels.size() == 3);
    CHECK(summary.channels[0].status == "failed");
    CHECK(summary.channels[0].error == "disk on fire");
    CHECK(summary.channels[1].status == "partial");
    CHECK(summary.channels[2].status == "completed");
    CHECK(summary.status == "partial");
    CHECK(summary.exit_code == ExitCode::partial);
    auto failed = uoms::store::Jobs(env.db()).details(summary.job_id, {.action = "failed"});
    REQUIRE(failed.size() == 2);
    CHECK(failed[0].subject_type == "channel");
    CHECK(failed[0].external_id == "a");
    CHECK(failed[0].error == "disk on fire");
  }

  SUBCASE("credential failures on every channel exit 4")
  {
    auto summary = uoms::pass::run(env.config, spec("collect", [](uoms::pass::ChannelRun&) {
      throw uoms::ConfigError("rejected credentials");
    }), env.clock);
    CHECK(summary.status == "failed");
    CHECK(summary.exit_code == ExitCode::config);
  }

  SUBCASE("leases are per pass kind and channel")
  {
    // A live holder (our parent process) of collect:a.
    auto held = uoms::store::Locks(env.db()).try_lock(
      {"collect:a", 77, ::getppid(), uoms::jobs::hostname(), uoms::format_utc(env.clock.now()),
       uoms::format_utc(env.clock.now() + 10min)},
      [](const auto&) { return false; });
    REQUIRE_FALSE(held);
    std::atomic<int> ran{0};
    auto collect = uoms::pass::run(env.config, spec("collect", [&](auto&) { ++ran; }), env.clock);
    CHECK(ran == 2);
    CHECK(collect.channels[0].status == "skipped");
    CHECK(collect.channels[0].error.starts_with("locked by job 77"));
    CHECK(collect.exit_code == ExitCode::ok);
    auto job = uoms::store::Jobs(env.db()).find(collect.job_id);
    CHECK(job->skipped == 1);
    // Another pass kind on the same channel is not held back.
    ran = 0;
    auto upload = uoms::pass::run(env.config, spec("upload-tracking", [&](auto&) { ++ran; }), env.clock);
    CHECK(ran == 3);
    CHECK(upload.status == "completed");
  }

  SUBCASE("every channel held by a live pass: skipped, exit 5")
  {
    auto s = spec("collect", [](auto&) {});
    s.channels = {"b"};
    auto held = uoms::Lease::take(env.db(), "collect:b", 1, env.clock, 10min);
    REQUIRE(held);
    // Our own pid is alive, so our lease holds against a second pass.
    auto summary = uoms::pass::run(env.config, s, env.clock);
    CHECK(summary.status == "skipped");
    CHECK(summary.exit_code == ExitCode::skipped);
  }

  SUBCASE("an interrupt stops the pass between units of work: exit 130")
  {
    std::atomic<int> after{0};
    auto s = spec("collect", [&](uoms::pass::ChannelRun& run) {
      uoms::pass::g_interrupted = true;
      run.check_interrupted();
      ++after;
    });
    s.concurrency = 1;
    auto summary = uoms::pass::run(env.config, s, env.clock);
    uoms::pass::g_interrupted = false;
    CHECK(after == 0);
    CHECK(summary.exit_code == ExitCode::interrupted);
    CHECK(summary.status == "interrupted");
    auto job = uoms::store::Jobs(env.db()).find(summary.job_id);
    CHECK(job->status == "interrupted");
    CHECK(job->error.starts_with("interrupted"));
  }

  SUBCASE("a wrong key fails before any job is recorded")
  {
    uoms::channels::Changes c;
    c.set["vendor_id"] = "A1";
    c.secrets["access_key"] = "AK-pass-test-1234";
    c.secrets["secret_key"] = "SK-pass-test-5678";
    env.add_channel("cp", "coupang", c);
    uoms::channels::write_key_file(env.config.key_file, true);
    CHECK_THROWS_AS(uoms::pass::run(env.config, spec("collect", [](auto&) {}), env.clock), uoms::ConfigError);
    CHECK(env.db().count("jobs") == 0);
  }
}

TEST_CASE("Lease")
{
  PassEnv env("lease");
  auto first = uoms::Lease::take(env.db(), "token:1:access", 0, env.clock, 2min);
  REQUIRE(first);

  SUBCASE("a held lease is refused with its holder, and free again once released")
  {
    auto second = uoms::Lease::take(env.db(), "token:1:access", 0, env.clock, 2min);
    REQUIRE_FALSE(second);
    CHECK(second.error().pid == ::getpid());
    CHECK_FALSE(uoms::Lease::take_waiting(env.db(), "token:1:access", 0, env.clock, 2min, 250ms));
    first->release();
    CHECK(uoms::Lease::take(env.db(), "token:1:access", 0, env.clock, 2min));
  }

  SUBCASE("an expired lease is taken over")
  {
    uoms::ManualClock later(env.clock.now() + 3min);
    auto taken = uoms::Lease::take(env.db(), "token:1:access", 5, later, 2min);
    CHECK(taken);
  }

  SUBCASE("a moved lease is released once, by its new owner")
  {
    uoms::Lease moved = std::move(*first);
    CHECK(env.db().count("locks") == 1);
    moved.release();
    CHECK(env.db().count("locks") == 0);
  }
}
