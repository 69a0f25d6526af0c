#include "uoms/error.hpp"
#include "uoms/store.hpp"

#include "tests/support/temp_db.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <stdlib.h>

namespace fs = std::filesystem;
using uoms::store::Database;
using uoms::store::DetailFilter;
using uoms::store::JobDetail;
using uoms::store::JobFilter;
using uoms::store::JobRow;
using uoms::store::LockHolder;

namespace {


JobRow job_row(const std::string& kind, const std::string& started_at)
{
  JobRow r;
  r.kind = kind;
  r.trigger = "cron";
  r.started_at = started_at;
  r.arguments = R"(["--quiet"])";
  r.version = "0.1.0";
  r.host = "host-a";
  r.pid = 4242;
  return r;
}

JobDetail detail(std::int64_t job, const std::string& channel, const std::string& id, const std::string& action)
{
  JobDetail d;
  d.job_id = job;
  d.channel = channel;
  d.subject_type = "order";
  d.external_id = id;
  d.action = action;
  d.created_at = "2026-11-22T00:00:01.000Z";
  return d;
}

std::vector<std::int64_t> ids(const std::vector<JobRow>& rows)
{
  std::vector<std::int64_t> out;
  for (const auto& r : rows) out.push_back(r.id);
  return out;
}

} // namespace

TEST_CASE("store::Database jobs")
{
  TempDb t("jobs-store");
  auto& db = t.db();

  SUBCASE("insert_job and job read back every field")
  {
    const auto id = uoms::store::Jobs(db).insert(job_row("collect", "2026-11-22T00:00:00.000Z"));
    CHECK(id > 0);
    auto j = uoms::store::Jobs(db).find(id);
    REQUIRE(j);
    CHECK(j->id == id);
    CHECK(j->kind == "collect");
    CHECK(j->trigger == "cron");
    CHECK(j->status == "running");
    CHECK(j->started_at == "2026-11-22T00:00:00.000Z");
    CHECK(j->finished_at == "");
    CHECK(j->duration_ms == 0);
    CHECK(j->total == 0);
    CHECK(j->progress_percent == 0);
    CHECK(j->error == "");
    CHECK(j->arguments == R"(["--quiet"])");
    CHECK(j->version == "0.1.0");
    CHECK(j->host == "host-a");
    CHECK(j->pid == 4242);
    CHECK_FALSE(uoms::store::Jobs(db).find(id + 100));
  }

  SUBCASE("update_job stores status, counters, finish fields and error")
  {
    auto row = job_row("collect", "2026-11-22T00:00:00.000Z");
    row.id = uoms::store::Jobs(db).insert(row);
    row.progress_percent = 40;
    row.total = 5;
    row.succeeded = 4;
    row.failed = 1;
    uoms::store::Jobs(db).update(row);
    auto j = uoms::store::Jobs(db).find(row.id);
    REQUIRE(j);
    CHECK(j->status == "running");
    CHECK(j->progress_percent == 40);
    CHECK(j->finished_at == "");
    CHECK(j->duration_ms == 0); // NULL while unfinished

    row.status = "partial";
    row.finished_at = "2026-11-22T00:00:02.500Z";
    row.duration_ms = 2500;
    row.skipped = 2;
    row.progress_percent = 100;
    row.error = "shop: 1 order failed";
    uoms::store::Jobs(db).update(row);
    j = uoms::store::Jobs(db).find(row.id);
    REQUIRE(j);
    CHECK(j->status == "partial");
    CHECK(j->finished_at == "2026-11-22T00:00:02.500Z");
    CHECK(j->duration_ms == 2500);
    CHECK(j->total == 5);
    CHECK(j->succeeded == 4);
    CHECK(j->failed == 1);
    CHECK(j->skipped == 2);
    CHECK(j->progress_percent == 100);
    CHECK(j->error == "shop: 1 order failed");
  }

  SUBCASE("a status outside the vocabulary is refused as a Failure")
  {
    auto row = job_row("collect", "2026-11-22T00:00:00.000Z");
    row.status = "done";
    CHECK_THROWS_AS(uoms::store::Jobs(db).insert(row), uoms::Failure);
    CHECK(db.count("jobs") == 0);
  }

  SUBCASE("jobs() filters by kind, status, since, channel and limit, newest first")
  {
    const auto a = uoms::store::Jobs(db).insert(job_row("collect", "2026-11-20T00:00:00.000Z"));
    const auto b = uoms::store::Jobs(db).insert(job_row("upload-tracking", "2026-11-21T00:00:00.000Z"));
    auto crow = job_row("collect", "2026-11-22T00:00:00.000Z");
    const auto c = uoms::store::Jobs(db).insert(crow);
    crow.id = c;
    crow.status = "failed";
    crow.finished_at = "2026-11-22T00:00:01.000Z";
    uoms::store::Jobs(db).update(crow);
    uoms::store::Jobs(db).add_detail(detail(a, "shop", "A-1", "created"));
    uoms::store::Jobs(db).add_detail(detail(c, "other", "B-1", "failed"));

    CHECK(ids(uoms::store::Jobs(db).list({})) == std::vector<std::int64_t>{c, b, a});
    CHECK(ids(uoms::store::Jobs(db).list({.kind = "collect"})) == std::vector<std::int64_t>{c, a});
    CHECK(ids(uoms::store::Jobs(db).list({.status = "running"})) == std::vector<std::int64_t>{b, a});
    CHECK(ids(uoms::store::Jobs(db).list({.status = "failed"})) == std::vector<std::int64_t>{c});
    CHECK(ids(uoms::store::Jobs(db).list({.since = "2026-11-21T00:00:00.000Z"})) == std::vector<std::int64_t>{c, b});
    CHECK(ids(uoms::store::Jobs(db).list({.channel = "shop"})) == std::vector<std::int64_t>{a});
    CHECK(ids(uoms::store::Jobs(db).list({.kind = "collect", .status = "running"})) == std::vector<std::int64_t>{a});
    CHECK(ids(uoms::store::Jobs(db).list({.limit = 2})) == std::vector<std::int64_t>{c, b});
    CHECK(ids(uoms::store::Jobs(db).list({.limit = 0})) == std::vector<std::int64_t>{c, b, a});
    CHECK(ids(uoms::store::Jobs(db).list({.kind = "sync-stock"})).empty());

    CHECK(ids(uoms::store::Jobs(db).running("collect")) == std::vector<std::int64_t>{a});
    CHECK(ids(uoms::store::Jobs(db).running("upload-tracking")) == std::vector<std::int64_t>{b});
    CHECK(uoms::store::Jobs(db).running("sync-stock").empty());
  }
}

TEST_CASE("store::Database job details")
{
  TempDb t("jobs-store");
  auto& db = t.db();
  const auto job = uoms::store::Jobs(db).insert(job_row("collect", "2026-11-22T00:00:00.000Z"));
  const auto other_job = uoms::store::Jobs(db).insert(job_row("collect", "2026-11-22T00:00:00.000Z"));

  auto full = detail(job, "shop", "A-1", "failed");
  full.attempt = 3;
  full.error = "quantity \"abc\" is not a number";
  full.http_status = 429;
  full.request_id = "req-77";
  full.payload = "order_id,item_id,quantity\nA-1,1,abc";
  uoms::store::Jobs(db).add_detail(full);
  uoms::store::Jobs(db).add_detail(detail(job, "shop", "A-2", "created"));
  uoms::store::Jobs(db).add_detail(detail(job, "other", "B-1", "created"));
  uoms::store::Jobs(db).add_detail(detail(job, "other", "B-2", "unchanged"));
  uoms::store::Jobs(db).add_detail(detail(other_job, "shop", "Z-9", "created"));
  JobDetail bare;
  bare.job_id = job;
  bare.subject_type = "notify";
  bare.action = "sent";
  bare.created_at = "2026-11-22T00:00:02.000Z";
  uoms::store::Jobs(db).add_detail(bare);

  SUBCASE("all of one job's rows in insertion order, every field read back")
  {
    auto rows = uoms::store::Jobs(db).details(job, {});
    REQUIRE(rows.size() == 5);
    CHECK(rows[0].job_id == job);
    CHECK(rows[0].channel == "shop");
    CHECK(rows[0].subject_type == "order");
    CHECK(rows[0].external_id == "A-1");
    CHECK(rows[0].action == "failed");
    CHECK(rows[0].attempt == 3);
    CHECK(rows[0].error == "quantity \"abc\" is not a number");
    CHECK(rows[0].http_status == 429);
    CHECK(rows[0].request_id == "req-77");
    CHECK(rows[0].payload == "order_id,item_id,quantity\nA-1,1,abc");
    CHECK(rows[0].created_at == "2026-11-22T00:00:01.000Z");
    CHECK(rows[1].external_id == "A-2");
    CHECK(rows[1].attempt == 1);
    CHECK(rows[1].http_status == 0);
    CHECK(rows[1].error == "");
    CHECK(rows[4].subject_type == "notify");
    CHECK(rows[4].channel == "");
    CHECK(rows[4].external_id == "");
  }

  SUBCASE("filters by action, channel and limit")
  {
    auto created = uoms::store::Jobs(db).details(job, {.action = "created"});
    REQUIRE(created.size() == 2);
    CHECK(created[0].external_id == "A-2");
    CHECK(created[1].external_id == "B-1");
    auto other = uoms::store::Jobs(db).details(job, {.channel = "other"});
    REQUIRE(other.size() == 2);
    CHECK(other[1].external_id == "B-2");
    auto both = uoms::store::Jobs(db).details(job, {.action = "created", .channel = "shop"});
    REQUIRE(both.size() == 1);
    CHECK(both[0].external_id == "A-2");
    auto first_two = uoms::store::Jobs(db).details(job, {.limit = 2});
    REQUIRE(first_two.size() == 2);
    CHECK(first_two[1].external_id == "A-2");
    CHECK(uoms::store::Jobs(db).details(job, {.action = "updated"}).empty());
  }

  SUBCASE("status ok leaves out failures, notes and writes still open")
  {
    for (const char* open : {"retry", "attention", "unknown", "would_fail", "would_retry", "note", "skipped"}) {
      uoms::store::Jobs(db).add_detail(detail(job, "shop", std::string("W-") + open, open));
    }
    uoms::store::Jobs(db).add_detail(detail(job, "shop", "W-uploaded", "uploaded"));
    std::vector<std::string> ok;
    for (const auto& d : uoms::store::Jobs(db).details(job, {.status = "ok"})) ok.push_back(d.external_id);
    CHECK(ok == std::vector<std::string>{"A-2", "B-1", "B-2", "", "W-uploaded"});
  }

  SUBCASE("detail_counts groups by action, sorted")
  {
    using Counts = std::vector<std::pair<std::string, std::int64_t>>;
    CHECK(uoms::store::Jobs(db).detail_counts(job) == Counts{{"created", 2}, {"failed", 1}, {"sent", 1}, {"unchanged", 1}});
    CHECK(uoms::store::Jobs(db).detail_counts(other_job) == Counts{{"created", 1}});
    CHECK(uoms::store::Jobs(db).detail_counts(other_job + 10).empty());
  }
}

TEST_CASE("store::Database::prune_jobs")
{
  TempDb t("jobs-store");
  auto& db = t.db();
  auto finished = [&](const std::string& started, const std::string& status) {
    auto row = job_row("collect", started);
    row.id = uoms::store::Jobs(db).insert(row);
    row.status = status;
    row.finished_at = started;
    uoms::store::Jobs(db).update(row);
    uoms::store::Jobs(db).add_detail(detail(row.id, "shop", "A", "created"));
    return row.id;
  };
  const auto old_done = finished("2026-10-01T00:00:00.000Z", "completed");
  const auto old_failed = finished("2026-10-02T00:00:00.000Z", "failed");
  const auto recent = finished("2026-11-21T00:00:00.000Z", "completed");
  const auto old_running = uoms::store::Jobs(db).insert(job_row("collect", "2026-10-01T00:00:00.000Z"));

  CHECK(uoms::store::Jobs(db).prune("2026-11-01T00:00:00.000Z") == 2);
  CHECK_FALSE(uoms::store::Jobs(db).find(old_done));
  CHECK_FALSE(uoms::store::Jobs(db).find(old_failed));
  CHECK(uoms::store::Jobs(db).find(recent));
  CHECK(uoms::store::Jobs(db).find(old_running)); // a running job is never pruned
  // Details go with their job.
  CHECK(uoms::store::Jobs(db).details(old_done, {}).empty());
  CHECK(uoms::store::Jobs(db).details(recent, {}).size() == 1);
  CHECK(db.count("job_details") == 1);
  CHECK(uoms::store::Jobs(db).prune("2026-11-01T00:00:00.000Z") == 0);
}

TEST_CASE("store::Database locks")
{
  TempDb t("jobs-store");
  auto& db = t.db();
  using Request = uoms::store::LockRequest;
  const Request first{"collect:shop", 1, 1111, "host-a", "2026-11-22T00:00:00.000Z", "2026-11-22T00:10:00.000Z"};
  int calls = 0;
  std::optional<LockHolder> seen;
  auto alive = [&](const LockHolder& h) {
    ++calls;
    seen = h;
    return false;
  };
  auto dead = [&](const LockHolder& h) {
    ++calls;
    seen = h;
    return true;
  };

  REQUIRE_FALSE(uoms::store::Locks(db).try_lock(first, alive)); // free -> taken
  CHECK(calls == 0);
  CHECK(db.count("locks") == 1);

  SUBCASE("a second caller gets the holder back")
  {
    const Request second{"collect:shop", 2, 2222, "host-a", "2026-11-22T00:05:00.000Z", "2026-11-22T00:15:00.000Z"};
    auto holder = uoms::store::Locks(db).try_lock(second, alive);
    REQUIRE(holder);
    CHECK(holder->job_id == 1);
    CHECK(holder->pid == 1111);
    CHECK(holder->host == "host-a");
    CHECK(holder->heartbeat_at == "2026-11-22T00:00:00.000Z");
    CHECK(holder->expires_at == "2026-11-22T00:10:00.000Z");
    CHECK(calls == 1);
    REQUIRE(seen);
    CHECK(seen->pid == 1111);
    // Another name is independent.
    CHECK_FALSE(uoms::store::Locks(db).try_lock({"collect:other", 2, 2222, "host-a", second.now, second.expires_at}, alive));
  }

  SUBCASE("an expired lease is taken over")
  {
    const Request later{"collect:shop", 3, 3333, "host-b", "2026-11-22T00:10:00.001Z", "2026-11-22T00:20:00.000Z"};
    CHECK_FALSE(uoms::store::Locks(db).try_lock(later, alive));
    auto holder = uoms::store::Locks(db).try_lock(first, alive);
    REQUIRE(holder);
    CHECK(holder->job_id == 3);
    CHECK(holder->pid == 3333);
    CHECK(holder->host == "host-b");
    CHECK(holder->expires_at == "2026-11-22T00:20:00.000Z");
    CHECK(db.count("locks") == 1);
  }

  SUBCASE("a lease expiring exactly now is still held")
  {
    const Request at{"collect:shop", 3, 3333, "host-a", "2026-11-22T00:10:00.000Z", "2026-11-22T00:20:00.000Z"};
    CHECK(uoms::store::Locks(db).try_lock(at, alive));
  }

  SUBCASE("a dead holder is taken over")
  {
    const Request second{"collect:shop", 2, 2222, "host-a", "2026-11-22T00:01:00.000Z", "2026-11-22T00:11:00.000Z"};
    CHECK_FALSE(uoms::store::Locks(db).try_lock(second, dead));
    CHECK(calls == 1);
    REQUIRE(seen);
    CHECK(seen->pid == 1111);
    auto holder = uoms::store::Locks(db).try_lock(first, alive);
    REQUIRE(holder);
    CHECK(holder->pid == 2222);
    CHECK(holder->job_id == 2);
  }

  SUBCASE("unlock releases only for the holder's pid")
  {
    uoms::store::Locks(db).unlock("collect:shop", 9999);
    CHECK(db.count("locks") == 1);
    const Request second{"collect:shop", 2, 2222, "host-a", "2026-11-22T00:01:00.000Z", "2026-11-22T00:11:00.000Z"};
    CHECK(uoms::store::Locks(db).try_lock(second, alive));
    uoms::store::Locks(db).unlock("collect:shop", 1111);
    CHECK(db.count("locks") == 0);
    CHECK_FALSE(uoms::store::Locks(db).try_lock(second, alive));
  }

  SUBCASE("renew_lock extends the lease only for the holder's pid")
  {
    uoms::store::Locks(db).renew("collect:shop", 9999, "2026-11-22T00:09:00.000Z", "2026-11-22T01:00:00.000Z");
    const Request probe{"collect:shop", 2, 2222, "host-a", "2026-11-22T00:09:30.000Z", "2026-11-22T00:19:30.000Z"};
    auto holder = uoms::store::Locks(db).try_lock(probe, alive);
    REQUIRE(holder);
    CHECK(holder->expires_at == "2026-11-22T00:10:00.000Z");

    uoms::store::Locks(db).renew("collect:shop", 1111, "2026-11-22T00:09:00.000Z", "2026-11-22T00:19:00.000Z");
    const Request after{"collect:shop", 2, 2222, "host-a", "2026-11-22T00:15:00.000Z", "2026-11-22T00:25:00.000Z"};
    holder = uoms::store::Locks(db).try_lock(after, alive);
    REQUIRE(holder);
    CHECK(holder->pid == 1111);
    CHECK(holder->heartbeat_at == "2026-11-22T00:09:00.000Z");
    CHECK(holder->expires_at == "2026-11-22T00:19:00.000Z");
  }
}

TEST_CASE("store::Database fetch windows")
{
  TempDb t("jobs-store");
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  const auto other = t.add_channel("other");

  const auto w2 = uoms::store::CollectState(db).start_window(ch, 7, "2026-11-21T00:00:00.000Z", "2026-11-22T00:00:00.000Z", "2026-11-22T00:00:05.000Z");
  const auto w1 = uoms::store::CollectState(db).start_window(ch, 7, "2026-11-20T00:00:00.000Z", "2026-11-21T00:00:00.000Z", "2026-11-22T00:00:01.000Z");
  uoms::store::CollectState(db).start_window(other, 7, "2026-11-20T00:00:00.000Z", "2026-11-21T00:00:00.000Z", "2026-11-22T00:00:01.000Z");

  auto rows = uoms::store::CollectState(db).windows(ch);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == w1); // ordered by from_at
  CHECK(rows[0].status == "running");
  CHECK(rows[0].job_id == 7);
  CHECK(rows[0].channel_id == ch);
  CHECK(rows[0].finished_at == "");

  uoms::store::CollectState(db).finish_window(w1, "complete", 3, 250, "", "2026-11-22T00:00:04.000Z");
  uoms::store::CollectState(db).finish_window(w2, "failed", 1, 100, "HTTP 500", "2026-11-22T00:00:09.000Z");
  rows = uoms::store::CollectState(db).windows(ch);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].from_at == "2026-11-20T00:00:00.000Z");
  CHECK(rows[0].to_at == "2026-11-21T00:00:00.000Z");
  CHECK(rows[0].status == "complete");
  CHECK(rows[0].pages == 3);
  CHECK(rows[0].records == 250);
  CHECK(rows[0].error == "");
  CHECK(rows[0].started_at == "2026-11-22T00:00:01.000Z");
  CHECK(rows[0].finished_at == "2026-11-22T00:00:04.000Z");
  CHECK(rows[1].id == w2);
  CHECK(rows[1].status == "failed");
  CHECK(rows[1].error == "HTTP 500");
  CHECK(uoms::store::CollectState(db).windows(other).size() == 1);
  CHECK_THROWS_AS(uoms::store::CollectState(db).finish_window(w1, "done", 0, 0, "", "2026-11-22T00:00:10.000Z"), uoms::Failure);
}

TEST_CASE("store::Database sync state, tokens and processed files")
{
  TempDb t("jobs-store");
  auto& db = t.db();
  const auto ch = t.add_channel("shop");
  const auto other = t.add_channel("other");

  SUBCASE("state is per channel and key, overwritten in place")
  {
    CHECK_FALSE(uoms::store::CollectState(db).state(ch, "collect.watermark"));
    uoms::store::CollectState(db).set_state(ch, "collect.watermark", "2026-11-22T00:00:00.000Z", "2026-11-22T00:00:01.000Z");
    uoms::store::CollectState(db).set_state(ch, "collect.watermark", "2026-11-23T00:00:00.000Z", "2026-11-23T00:00:01.000Z");
    uoms::store::CollectState(db).set_state(other, "collect.watermark", "2026-01-01T00:00:00.000Z", "2026-11-23T00:00:01.000Z");
    CHECK(uoms::store::CollectState(db).state(ch, "collect.watermark") == "2026-11-23T00:00:00.000Z");
    CHECK(uoms::store::CollectState(db).state(other, "collect.watermark") == "2026-01-01T00:00:00.000Z");
    CHECK_FALSE(uoms::store::CollectState(db).state(ch, "other.key"));
    CHECK(db.count("sync_state") == 2);
  }

  SUBCASE("tokens are saved, replaced and read back with their expiry")
  {
    CHECK_FALSE(uoms::store::Tokens(db).find(ch, "access"));
    uoms::store::Tokens(db).save(ch, "access", {"gAAAAAcipher1", "2026-11-22T03:00:00.000Z"}, "2026-11-22T00:00:00.000Z");
    auto tok = uoms::store::Tokens(db).find(ch, "access");
    REQUIRE(tok);
    CHECK(tok->value == "gAAAAAcipher1");
    CHECK(tok->expires_at == "2026-11-22T03:00:00.000Z");
    uoms::store::Tokens(db).save(ch, "access", {"gAAAAAcipher2", ""}, "2026-11-22T01:00:00.000Z");
    tok = uoms::store::Tokens(db).find(ch, "access");
    REQUIRE(tok);
    CHECK(tok->value == "gAAAAAcipher2");
    CHECK(tok->expires_at == "");
    CHECK_FALSE(uoms::store::Tokens(db).find(other, "access"));
    CHECK_FALSE(uoms::store::Tokens(db).find(ch, "refresh"));
    CHECK(db.count("channel_tokens") == 1);
  }

  SUBCASE("a processed key is recorded once per channel")
  {
    CHECK_FALSE(uoms::store::CollectState(db).processed(ch, "sha256:ab"));
    uoms::store::CollectState(db).mark_processed(ch, "sha256:ab", 1, "2026-11-22T00:00:00.000Z");
    uoms::store::CollectState(db).mark_processed(ch, "sha256:ab", 2, "2026-11-22T00:00:01.000Z");
    CHECK(uoms::store::CollectState(db).processed(ch, "sha256:ab"));
    CHECK_FALSE(uoms::store::CollectState(db).processed(other, "sha256:ab"));
    CHECK(db.count("processed_files") == 1);
  }
}

TEST_CASE("store::Database channels and transactions")
{
  TempDb t("jobs-store");
  auto& db = t.db();

  SUBCASE("channels are inserted, read, updated and removed")
  {
    uoms::store::ChannelRow row;
    row.name = "shop";
    row.kind = "csv";
    row.settings_json = R"({"path":"/srv"})";
    row.created_at = row.updated_at = "2026-11-22T00:00:00.000Z";
    row.id = uoms::store::Channels(db).insert(row);
    t.add_channel("alpha");
    auto names = uoms::store::Channels(db).list();
    REQUIRE(names.size() == 2);
    CHECK(names[0].name == "alpha"); // by name
    CHECK(names[1].name == "shop");
    auto got = uoms::store::Channels(db).find("shop");
    REQUIRE(got);
    CHECK(got->kind == "csv");
    CHECK(got->enabled);
    CHECK(got->settings_json == R"({"path":"/srv"})");
    CHECK(got->secrets_token == "");
    CHECK_FALSE(uoms::store::Channels(db).find("nope"));

    row.enabled = false;
    row.settings_json = R"({"path":"/other"})";
    row.secrets_token = "gAAAAAx";
    row.updated_at = "2026-11-23T00:00:00.000Z";
    uoms::store::Channels(db).update(row);
    got = uoms::store::Channels(db).find("shop");
    REQUIRE(got);
    CHECK_FALSE(got->enabled);
    CHECK(got->settings_json == R"({"path":"/other"})");
    CHECK(got->secrets_token == "gAAAAAx");
    CHECK(got->created_at == "2026-11-22T00:00:00.000Z");
    CHECK(got->updated_at == "2026-11-23T00:00:00.000Z");

    uoms::Order o;
    o.external_id = "A";
    o.currency = "KRW";
    uoms::store::Orders(db).upsert(row.id, o, {.job_id = 1, .now = "2026-11-22T00:00:00.000Z"});
    uoms::store::CollectState(db).set_state(row.id, "collect.watermark", "x", "2026-11-22T00:00:00.000Z");
    CHECK(uoms::store::Channels(db).count_orders(row.id) == 1);
    uoms::store::Channels(db).remove(row.id, true);
    CHECK_FALSE(uoms::store::Channels(db).find("shop"));
    CHECK(db.count("orders") == 0);
    CHECK(db.count("sync_state") == 0);
    CHECK(uoms::store::Channels(db).list().size() == 1);
  }

  SUBCASE("a duplicate channel name adds nothing and answers 0 (channels::add makes it a usage error)")
  {
    const auto first = t.add_channel("shop");
    CHECK(first > 0);
    CHECK(t.add_channel("shop") == 0);
    CHECK(uoms::store::Channels(db).list().size() == 1);
  }

  SUBCASE("an uncommitted transaction rolls back; a committed one stays")
  {
    {
      Database::Transaction tx(db);
      t.add_channel("gone");
    }
    CHECK_FALSE(uoms::store::Channels(db).find("gone"));
    {
      Database::Transaction tx(db);
      t.add_channel("kept");
      tx.commit();
    }
    CHECK(uoms::store::Channels(db).find("kept"));
  }

  SUBCASE("count() accepts only known tables")
  {
    CHECK_THROWS_WITH_AS(db.count("sqlite_master"),
                         ("database " + t.path().string() + ": count rows: unknown table sqlite_master").c_str(),
                         uoms::Failure);
  }
}
