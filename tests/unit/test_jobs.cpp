#include "uoms/jobs.hpp"
#include "uoms/store.hpp"

#include "tests/support/temp_db.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <string>

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using uoms::ManualClock;
using uoms::store::Database;

namespace {


uoms::TimePoint at(const char* text)
{
  return *uoms::parse_time(text);
}

// The pid of a child that has exited and been reaped: no process has it any more.
pid_t dead_pid()
{
  pid_t child = ::fork();
  if (child == 0) {
    ::_exit(0);
  }
  REQUIRE(child > 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return child;
}

std::int64_t running_job(Database& db, const std::string& kind, const std::string& host, std::int64_t pid,
                         const std::string& started_at)
{
  uoms::store::JobRow row;
  row.kind = kind;
  row.trigger = "cron";
  row.started_at = started_at;
  row.version = "0.1.0";
  row.host = host;
  row.pid = pid;
  return uoms::store::Jobs(db).insert(row);
}

} // namespace

TEST_CASE("jobs::process_is_dead")
{
  CHECK_FALSE(uoms::jobs::process_is_dead(::getpid()));
  CHECK_FALSE(uoms::jobs::process_is_dead(::getppid()));
  CHECK(uoms::jobs::process_is_dead(dead_pid()));
  CHECK(uoms::jobs::process_is_dead(0));
  CHECK(uoms::jobs::process_is_dead(-5));
}

TEST_CASE("jobs::hostname")
{
  char buf[256] = {};
  REQUIRE(::gethostname(buf, sizeof buf - 1) == 0);
  CHECK(uoms::jobs::hostname() == buf);
}

TEST_CASE("jobs::Recorder")
{
  TempDb t("jobs");
  auto& db = t.db();
  ManualClock clock(at("2026-11-22T00:00:00Z"));
  uoms::jobs::Recorder rec(db, clock, "collect", "cron", R"(["collect","--quiet"])");

  auto row = uoms::store::Jobs(db).find(rec.id());
  REQUIRE(row);
  CHECK(rec.id() > 0);
  CHECK(rec.row().id == rec.id());
  CHECK(row->kind == "collect");
  CHECK(row->trigger == "cron");
  CHECK(row->status == "running");
  CHECK(row->arguments == R"(["collect","--quiet"])");
  CHECK(row->started_at == "2026-11-22T00:00:00.000Z");
  CHECK(row->version == UOMS_VERSION);
  CHECK(row->host == uoms::jobs::hostname());
  CHECK(row->pid == ::getpid());

  SUBCASE("detail() fills job id and time")
  {
    clock.sleep_for(250ms);
    uoms::store::JobDetail d;
    d.job_id = 999; // overwritten: a recorder writes only its own job's details
    d.channel = "shop";
    d.subject_type = "order";
    d.external_id = "A-1";
    d.action = "created";
    rec.detail(d);
    d.external_id = "A-2";
    d.created_at = "2026-01-01T00:00:00.000Z";
    rec.detail(d);
    auto rows = uoms::store::Jobs(db).details(rec.id(), {});
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].job_id == rec.id());
    CHECK(rows[0].created_at == "2026-11-22T00:00:00.250Z");
    CHECK(rows[1].created_at == "2026-01-01T00:00:00.000Z");
    CHECK(uoms::store::Jobs(db).details(999, {}).empty());
  }

  SUBCASE("progress() updates counters and keeps the job running")
  {
    rec.progress(40, {10, 8, 1, 1});
    row = uoms::store::Jobs(db).find(rec.id());
    REQUIRE(row);
    CHECK(row->status == "running");
    CHECK(row->progress_percent == 40);
    CHECK(row->total == 10);
    CHECK(row->succeeded == 8);
    CHECK(row->failed == 1);
    CHECK(row->skipped == 1);
    CHECK(row->finished_at == "");
  }

  SUBCASE("finish() records status, counters, error and duration")
  {
    clock.sleep_for(1500ms);
    rec.finish("partial", {5, 4, 1, 0}, "shop: 1 order failed");
    row = uoms::store::Jobs(db).find(rec.id());
    REQUIRE(row);
    CHECK(row->status == "partial");
    CHECK(row->progress_percent == 100);
    CHECK(row->total == 5);
    CHECK(row->succeeded == 4);
    CHECK(row->failed == 1);
    CHECK(row->skipped == 0);
    CHECK(row->error == "shop: 1 order failed");
    CHECK(row->finished_at == "2026-11-22T00:00:01.500Z");
    CHECK(row->duration_ms == 1500);
    CHECK(rec.row().status == "partial");
  }
}

TEST_CASE("jobs::reap_dead")
{
  TempDb t("jobs");
  auto& db = t.db();
  ManualClock clock(at("2026-11-22T01:00:00Z"));
  const auto host = uoms::jobs::hostname();

  SUBCASE("a same-host job whose process died is failed; live ones stay running")
  {
    const auto dead = running_job(db, "collect", host, dead_pid(), "2026-11-22T00:59:58.000Z");
    const auto parent = running_job(db, "collect", host, ::getppid(), "2026-11-22T00:00:00.000Z");
    // Our own pid is always alive: reap_dead never reaps the calling process's jobs.
    uoms::jobs::Recorder own(db, clock, "collect", "manual", "[]");
    const auto other_kind = running_job(db, "upload-tracking", host, dead_pid(), "2026-11-22T00:00:00.000Z");

    clock.sleep_for(2s);
    CHECK(uoms::jobs::reap_dead(db, "collect", clock, 30min) == 1);
    auto row = uoms::store::Jobs(db).find(dead);
    REQUIRE(row);
    CHECK(row->status == "failed");
    CHECK(row->error == "process died");
    CHECK(row->finished_at == "2026-11-22T01:00:02.000Z");
    CHECK(row->duration_ms == 4000);
    CHECK(uoms::store::Jobs(db).find(parent)->status == "running");
    CHECK(uoms::store::Jobs(db).find(own.id())->status == "running");
    CHECK(uoms::store::Jobs(db).find(other_kind)->status == "running");

    // Reaping again finds nothing: the failed job is no longer running.
    CHECK(uoms::jobs::reap_dead(db, "collect", clock, 30min) == 0);
    CHECK(uoms::jobs::reap_dead(db, "upload-tracking", clock, 30min) == 1);
    CHECK(uoms::store::Jobs(db).find(other_kind)->error == "process died");
  }

  SUBCASE("a job from another host is failed once it is stale")
  {
    const auto stale = running_job(db, "collect", "some-other-host", 1, "2026-11-22T00:00:00.000Z");
    const auto fresh = running_job(db, "collect", "some-other-host", 1, "2026-11-22T00:45:00.000Z");
    CHECK(uoms::jobs::reap_dead(db, "collect", clock, 30min) == 1);
    CHECK(uoms::store::Jobs(db).find(stale)->status == "failed");
    CHECK(uoms::store::Jobs(db).find(stale)->error == "process died");
    CHECK(uoms::store::Jobs(db).find(fresh)->status == "running");
  }
}

// A long pass on another host that keeps its heartbeat fresh is not reaped.
TEST_CASE("jobs::reap_dead keeps a long-running remote job with a fresh heartbeat")
{
  TempDb t("jobs");
  auto& db = t.db();
  ManualClock clock(at("2026-11-22T01:00:00Z"));
  const auto id = running_job(db, "collect", "some-other-host", 1, "2026-11-22T00:00:00.000Z");
  uoms::store::Jobs(db).heartbeat(id, "2026-11-22T00:59:00.000Z");
  CHECK(uoms::jobs::reap_dead(db, "collect", clock, 30min) == 0);
  CHECK(uoms::store::Jobs(db).find(id)->status == "running");
}
