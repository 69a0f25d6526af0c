// Benchmark of one `collect` pass: 10 channels (5 Coupang + 5 Smartstore accounts) of 2,000
// orders each, served by uoms-sandbox on loopback with 20 ms latency per response and a
// limit of 10 requests/s per account, collected with concurrency 10.
//
//   uoms-bench [path/to/uoms-sandbox]    (default: uoms-sandbox next to this program)
//
// A program that prints figures, not a timed test: it exits non-zero only when orders are
// missing from the database (or the sandbox cannot be started). See tests/bench/README.md.

#include "uoms/channels.hpp"
#include "uoms/collect.hpp"
#include "uoms/config.hpp"
#include "uoms/error.hpp"
#include "uoms/http.hpp"
#include "uoms/log.hpp"
#include "uoms/store.hpp"

#include "support.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/resource.h>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace uoms::bench;

constexpr int k_channels = 10;
constexpr int k_orders_per_account = 2000;
constexpr int k_concurrency = 10;

// The workload: 5 Coupang + 5 Smartstore channels; --mixed: 2 of each of the five
// marketplaces (10 channels either way).
std::vector<Account> make_accounts(bool mixed)
{
  const std::vector<std::string> kinds = mixed ? std::vector<std::string>{"coupang", "smartstore", "shopee", "qoo10jp", "playauto"}
                                               : std::vector<std::string>{"coupang", "smartstore"};
  const int per_kind = k_channels / static_cast<int>(kinds.size());
  std::vector<Account> accounts;
  for (const auto& kind : kinds) {
    for (int i = 1; i <= per_kind; ++i) {
      accounts.push_back(make_account(kind, i, k_orders_per_account));
    }
  }
  return accounts;
}

int run(int argc, char** argv)
{
  bool mixed = false;
  std::optional<fs::path> named;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--mixed") {
      mixed = true;
    } else if (arg == "--help" || arg == "-h") {
      fmt::print("usage: uoms-bench [--mixed] [PATH/TO/uoms-sandbox]\n"
                 "  one collect pass over 10 channels x {} orders (5 coupang + 5 smartstore;\n"
                 "  --mixed: 2 each of coupang, smartstore, shopee, qoo10jp, playauto)\n",
                 k_orders_per_account);
      return 0;
    } else if (!named && !arg.starts_with("-")) {
      named = fs::path(arg);
    } else {
      fmt::print(stderr, "uoms-bench: unexpected argument \"{}\" (see --help)\n", arg);
      return 2;
    }
  }
  const fs::path sandbox_binary = named.value_or(default_sandbox_path());
  if (!fs::exists(sandbox_binary)) {
    fmt::print(stderr, "uoms-bench: {} not found (pass the uoms-sandbox path as the first argument)\n",
               sandbox_binary.string());
    return 2;
  }
  uoms::log::configure(uoms::log::Level::warn, uoms::log::Format::text);

  TempDir temp;
  const fs::path dir = temp.path();

  const auto accounts = make_accounts(mixed);
  SandboxProcess sandbox(sandbox_binary, dir, sandbox_config(accounts));

  uoms::SystemClock clock;
  const uoms::config::Config config = bench_config(dir, k_concurrency);
  const auto channel_ids = add_channels(config, accounts, sandbox.base_url(), clock);
  auto control = control_client(clock);

  uoms::collect::Options options;
  options.concurrency = k_concurrency;
  rusage before{}, after{};
  ::getrusage(RUSAGE_SELF, &before);
  const auto started = std::chrono::steady_clock::now();
  const auto report = uoms::collect::run(config, options, clock);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::getrusage(RUSAGE_SELF, &after);

  const json stats = control_get(*control, sandbox.base_url() + "/__sandbox/stats");
  const json health = control_get(*control, sandbox.base_url() + "/__sandbox/health");

  std::map<std::string, std::int64_t> expected;
  for (const auto& a : health["accounts"]) expected[a["id"].get<std::string>()] = a["orders"].get<std::int64_t>();

  auto db = uoms::store::Database::open(config.database, false);
  std::int64_t collected = 0, missing = 0;
  std::int64_t total_requests = stats.value("requests", std::int64_t{0});
  double lower_bound = 0;
  std::string slowest;
  fmt::print("{:<14} {:>7} {:>9} {:>5} {:>9} {:>9}\n", "channel", "orders", "requests", "429s", "bound_s",
             "elapsed_s");
  for (const auto& a : accounts) {
    const std::int64_t in_db = uoms::store::Channels(db).count_orders(channel_ids.at(a.channel));
    collected += in_db;
    missing += std::max<std::int64_t>(0, expected[a.id] - in_db);
    const json& acc = stats["accounts"].contains(a.id) ? stats["accounts"][a.id] : json::object();
    const double requests = acc.value("requests", 0.0);
    const auto& codes = acc.contains("status_codes") ? acc["status_codes"] : json::object();
    const int throttled = codes.value("429", 0);
    // Lower bound for one channel. Its requests are sequential (one connector walks its
    // windows and pages in order), so it needs at least requests × latency. The sandbox's
    // token bucket (burst = rate) admits at most burst + rate·t requests in t seconds, so
    // it also needs at least (requests − burst) / rate. The channels run in parallel
    // (concurrency 10 = channels), so the pass's bound is the maximum over channels; it
    // ignores CPU time (the machine has fewer cores than channels) and connection set-up.
    const double bound = rate_limit_bound(requests);
    if (bound > lower_bound) {
      lower_bound = bound;
      slowest = a.channel;
    }
    // The channel's own time: first window started to last window finished.
    double elapsed = 0;
    const auto windows = uoms::store::CollectState(db).windows(channel_ids.at(a.channel));
    if (!windows.empty()) {
      std::optional<uoms::TimePoint> first, last;
      for (const auto& w : windows) {
        auto s = uoms::parse_time(w.started_at), f = uoms::parse_time(w.finished_at);
        if (s && (!first || *s < *first)) first = s;
        if (f && (!last || *f > *last)) last = f;
      }
      if (first && last) elapsed = std::chrono::duration<double>(*last - *first).count();
    }
    fmt::print("{:<14} {:>7} {:>9} {:>5} {:>9.2f} {:>9.2f}\n", a.channel, in_db, requests, throttled, bound,
               elapsed);
  }

  const double cpu = cpu_seconds(after) - cpu_seconds(before);
  std::map<std::string, int> per_kind;
  for (const auto& a : accounts) ++per_kind[a.kind];
  std::string mix;
  for (const auto& [kind, n] : per_kind) mix += fmt::format("{}{} {}", mix.empty() ? "" : " + ", n, kind);
  fmt::print("\nworkload            {} channels ({}) x {} orders, latency {} ms, "
             "{} req/s per channel, concurrency {}\n",
             accounts.size(), mix, k_orders_per_account, k_latency_ms, k_rate_limit, k_concurrency);
  fmt::print("job                 #{} {} (exit code {})\n", report.job_id, report.status,
             static_cast<int>(report.exit_code));
  fmt::print("orders collected    {} of {} ({} missing)\n", collected, k_orders_per_account * accounts.size(),
             missing);
  fmt::print("HTTP requests       {} (sandbox /__sandbox/stats, 429s: {})\n", total_requests,
             stats.contains("status_codes") ? stats["status_codes"].value("429", 0) : 0);
  fmt::print("wall time           {:.2f} s\n", wall);
  fmt::print("rate-limit bound    {:.2f} s (channel {})\n", lower_bound, slowest);
  fmt::print("wall / bound        {:.2f}\n", lower_bound > 0 ? wall / lower_bound : 0.0);
  fmt::print("CPU per order       {:.1f} us (user+sys {:.2f} s)\n", collected > 0 ? cpu * 1e6 / collected : 0.0, cpu);
  fmt::print("peak RSS            {:.1f} MiB\n", static_cast<double>(after.ru_maxrss) / 1024.0);
  return missing > 0 ? 1 : 0;
}

} // namespace

int main(int argc, char** argv)
{
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "uoms-bench: error: {}\n", e.what());
    return 2;
  }
}
