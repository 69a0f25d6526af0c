#include "uoms/error.hpp"
#include "uoms/metrics.hpp"
#include "uoms/status.hpp"
#include "uoms/store.hpp"

#include "tests/support/temp_db.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <sys/stat.h>

using namespace std::chrono_literals;
using uoms::store::PassRecord;

namespace {

PassRecord pass(std::int64_t channel, const std::string& status, const std::string& finished, std::int64_t job)
{
  PassRecord r;
  r.channel_id = channel;
  r.kind = "collect";
  r.job_id = job;
  r.status = status;
  r.started_at = finished;
  r.finished_at = finished;
  r.duration_ms = 1500;
  r.error = status == "completed" ? "" : "HTTP 500";
  r.counts_json = R"({"total":3,"succeeded":3,"failed":0,"skipped":0,"actions":{"created":2,"unchanged":1}})";
  r.http_requests = 4;
  r.http_throttled = 1;
  return r;
}

uoms::TimePoint at(const std::string& text)
{
  return *uoms::parse_time(text);
}

} // namespace

TEST_CASE("store::ChannelPasses::record")
{
  TempDb t("passes");
  auto id = t.add_channel("shop");
  uoms::store::ChannelPasses passes(t.db());

  SUBCASE("completed moves the last success; failures count until the next success")
  {
    passes.record(pass(id, "completed", "2026-12-01T10:00:00.000Z", 1), "now");
    passes.record(pass(id, "failed", "2026-12-01T10:05:00.000Z", 2), "now");
    passes.record(pass(id, "partial", "2026-12-01T10:10:00.000Z", 3), "now");
    auto rows = passes.list();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].last_status == "partial");
    CHECK(rows[0].last_job_id == 3);
    CHECK(rows[0].last_error == "HTTP 500");
    CHECK(rows[0].last_success_at == "2026-12-01T10:00:00.000Z");
    CHECK(rows[0].last_success_job_id == 1);
    CHECK(rows[0].consecutive_failures == 2);
    passes.record(pass(id, "completed", "2026-12-01T10:15:00.000Z", 4), "now");
    rows = passes.list();
    CHECK(rows[0].consecutive_failures == 0);
    CHECK(rows[0].last_success_job_id == 4);
    CHECK(rows[0].last_error.empty());
  }

  SUBCASE("a first pass that fails has no success")
  {
    passes.record(pass(id, "failed", "2026-12-01T10:05:00.000Z", 2), "now");
    auto rows = passes.list();
    CHECK(rows[0].last_success_at.empty());
    CHECK(rows[0].consecutive_failures == 1);
  }
}

TEST_CASE("status::build")
{
  TempDb t("status");
  auto shop = t.add_channel("shop");
  t.add_channel("new");
  uoms::store::ChannelPasses passes(t.db());
  uoms::status::Thresholds th;
  th.max_age = 2h;
  th.max_failures = 2;
  th.max_lag = 1h;
  const auto now = at("2026-12-01T12:00:00.000Z");

  SUBCASE("a channel never collected needs attention; one fresh and clean does not")
  {
    passes.record(pass(shop, "completed", "2026-12-01T11:50:00.000Z", 1), "now");
    uoms::store::CollectState(t.db()).set_state(shop, "collect.watermark", "2026-12-01T11:49:00.000Z", "now");
    auto r = uoms::status::build(t.db(), th, now);
    REQUIRE(r.channels.size() == 2);
    const auto& s = r.channels[1].name == "shop" ? r.channels[1] : r.channels[0];
    const auto& n = r.channels[1].name == "shop" ? r.channels[0] : r.channels[1];
    CHECK(s.attention.empty());
    CHECK(s.passes.size() == 4);
    CHECK(s.passes[0].lag == std::optional<uoms::Millis>(11min));
    CHECK(s.passes[0].success_age == std::optional<uoms::Millis>(10min));
    CHECK(n.attention == std::vector<std::string>{"collect: never collected"});
    CHECK(r.channels_needing_attention == 1);
  }

  SUBCASE("failures in a row, an old success and a lagging watermark")
  {
    passes.record(pass(shop, "completed", "2026-12-01T09:00:00.000Z", 1), "now");
    passes.record(pass(shop, "failed", "2026-12-01T11:00:00.000Z", 2), "now");
    uoms::store::CollectState(t.db()).set_state(shop, "collect.watermark", "2026-12-01T08:59:00.000Z", "now");
    auto r = uoms::status::build(t.db(), th, now);
    const auto& s = r.channels[0].name == "shop" ? r.channels[0] : r.channels[1];
    CHECK(s.attention == std::vector<std::string>{"collect: last success 3h00m ago (status.max_age 2h00m)",
                                                  "collect: watermark 3h01m behind (status.max_lag 1h00m)"});
    passes.record(pass(shop, "failed", "2026-12-01T11:30:00.000Z", 3), "now");
    r = uoms::status::build(t.db(), th, now);
    const auto& s2 = r.channels[0].name == "shop" ? r.channels[0] : r.channels[1];
    CHECK(s2.attention.front() == "collect: 2 passes in a row failed");
  }

  SUBCASE("rejected credentials need attention at once")
  {
    auto p = pass(shop, "failed", "2026-12-01T11:59:00.000Z", 1);
    p.auth_error = true;
    p.error = "HTTP 401 invalid signature";
    passes.record(p, "now");
    auto r = uoms::status::build(t.db(), th, now);
    const auto& s = r.channels[0].name == "shop" ? r.channels[0] : r.channels[1];
    CHECK(s.attention ==
          std::vector<std::string>{"collect: credentials or configuration rejected: HTTP 401 invalid signature"});
  }
}

TEST_CASE("metrics::render and write_atomically")
{
  TempDb t("metrics");
  auto shop = t.add_channel("shop \"main\"");
  uoms::store::ChannelPasses(t.db()).record(pass(shop, "completed", "2026-12-01T11:50:00.000Z", 7), "now");
  auto r = uoms::status::build(t.db(), {}, at("2026-12-01T12:00:00.000Z"));
  const auto text = uoms::metrics::render(r);

  SUBCASE("one HELP and TYPE per family, escaped labels, seconds")
  {
    CHECK(text.find("# HELP uoms_pass_last_success_timestamp_seconds ") != std::string::npos);
    CHECK(text.find("# TYPE uoms_pass_last_success_timestamp_seconds gauge\n"
                    "uoms_pass_last_success_timestamp_seconds{channel=\"shop \\\"main\\\"\",kind=\"collect\"} "
                    "1796125800\n") != std::string::npos);
    CHECK(text.find("uoms_pass_last_records{channel=\"shop \\\"main\\\"\",kind=\"collect\",action=\"created\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("uoms_pass_last_duration_seconds{channel=\"shop \\\"main\\\"\",kind=\"collect\"} 1.5\n") !=
          std::string::npos);
    CHECK(text.find("uoms_pass_last_http_throttled{channel=\"shop \\\"main\\\"\",kind=\"collect\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("kind=\"upload-tracking\"") == std::string::npos); // never ran: no samples
  }

  SUBCASE("the file is replaced whole, mode 0644, no temporary left")
  {
    const auto path = t.dir() / "uoms.prom";
    uoms::metrics::write_atomically(path, "old\n");
    uoms::metrics::write_atomically(path, text);
    std::ifstream in(path);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == text);
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    for (const auto& e : std::filesystem::directory_iterator(t.dir())) {
      CHECK_FALSE(e.path().filename().string().starts_with(".uoms.prom."));
    }
  }

  SUBCASE("a folder that does not exist is an error naming the file")
  {
    const auto path = t.dir() / "missing" / "uoms.prom";
    CHECK_THROWS_WITH_AS(uoms::metrics::write_atomically(path, text),
                         doctest::Contains(("metrics file " + path.string() + ": cannot create a temporary file").c_str()),
                         uoms::Failure);
  }
}
