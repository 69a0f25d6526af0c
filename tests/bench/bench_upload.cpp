// Benchmark of one `upload-tracking` pass: 10 channels (2 each of Coupang, Smartstore, Shopee,
// Qoo10 Japan and PlayAuto) of 2,000 orders each, served by uoms-sandbox on loopback with
// 20 ms latency per response and 10 requests/s per account. The orders are collected, every
// shippable one is given a tracking number from a CSV file as a seller's courier system would
// export it, and the upload pass is measured with concurrency 10.
//
//   uoms-bench-upload [--orders N] [path/to/uoms-sandbox]
//
// A program that prints figures, not a timed test: it exits 1 when a number did not reach
// the sandbox exactly once (2 when it cannot run at all). See tests/bench/README.md.

#include "uoms/channels.hpp"
#include "uoms/collect.hpp"
#include "uoms/config.hpp"
#include "uoms/connect.hpp"
#include "uoms/log.hpp"
#include "uoms/store.hpp"
#include "uoms/tracking.hpp"
#include "uoms/upload_tracking.hpp"

#include "support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace uoms::bench;

constexpr int k_concurrency = 10;

// The carrier each marketplace's sandbox takes, and the raw statuses it accepts an invoice
// in (as scripts/demo_tracking_csv.py).
const std::map<std::string, std::pair<std::string, std::set<std::string>>>& shippable()
{
  static const std::map<std::string, std::pair<std::string, std::set<std::string>>> table = {
      {"coupang", {"CJ", {"ACCEPT", "INSTRUCT"}}},
      {"smartstore", {"HANJIN", {"PAYED"}}},
      {"shopee", {"QXPRESS", {"READY_TO_SHIP"}}},
      {"qoo10jp", {"YAMATO", {"配送要請(2)", "配送準備(3)"}}},
      {"playauto", {"CJ", {"신규주문", "출고대기"}}},
  };
  return table;
}

// A tracking CSV for every order of the database whose items are all shippable: one row per
// order, a number unique per channel and order.
std::string tracking_file(const fs::path& database, std::int64_t& rows)
{
  SQLite::Database db(database.string(), SQLite::OPEN_READONLY);
  SQLite::Statement query(db, "SELECT c.name, c.kind, o.external_id, group_concat(i.raw_status, char(31)) "
                              "FROM orders o JOIN channels c ON c.id = o.channel_id "
                              "JOIN order_items i ON i.order_id = o.id GROUP BY o.id ORDER BY c.name, o.external_id");
  std::string out = "channel,order,item,carrier,number\n";
  rows = 0;
  while (query.executeStep()) {
    const std::string channel = query.getColumn(0).getString(), kind = query.getColumn(1).getString();
    const std::string order = query.getColumn(2).getString(), statuses = query.getColumn(3).getString();
    const auto& [carrier, accepted] = shippable().at(kind);
    bool all = true;
    for (std::size_t start = 0; start <= statuses.size();) {
      const std::size_t end = std::min(statuses.find('\x1f', start), statuses.size());
      all = all && accepted.contains(statuses.substr(start, end - start));
      start = end + 1;
    }
    if (!all) continue;
    const std::size_t digest = std::hash<std::string>{}(channel + "/" + order);
    out += fmt::format("{},{},,{},6{:011}\n", channel, order, carrier, digest % 100000000000ULL);
    ++rows;
  }
  return out;
}

int run(int argc, char** argv)
{
  int orders = 2000;
  std::optional<fs::path> named;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--orders" && i + 1 < argc) {
      const std::string value = argv[++i];
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), orders);
      if (ec != std::errc() || end != value.data() + value.size() || orders < 1 || orders > 100000) {
        fmt::print(stderr, "uoms-bench-upload: --orders must be a number from 1 to 100000\n");
        return 2;
      }
    } else if (arg == "--help" || arg == "-h") {
      fmt::print("usage: uoms-bench-upload [--orders N (default 2000)] [PATH/TO/uoms-sandbox]\n"
                 "  collect, import tracking numbers and one upload-tracking pass over 10 channels x N orders\n");
      return 0;
    } else if (!named && !arg.starts_with("-")) {
      named = fs::path(arg);
    } else {
      fmt::print(stderr, "uoms-bench-upload: unexpected argument \"{}\" (see --help)\n", arg);
      return 2;
    }
  }
  const fs::path sandbox_binary = named.value_or(default_sandbox_path());
  if (!fs::exists(sandbox_binary)) {
    fmt::print(stderr, "uoms-bench-upload: {} not found (pass the uoms-sandbox path)\n", sandbox_binary.string());
    return 2;
  }
  uoms::log::configure(uoms::log::Level::warn, uoms::log::Format::text);

  TempDir temp;
  std::vector<Account> accounts;
  for (const std::string kind : {"coupang", "smartstore", "shopee", "qoo10jp", "playauto"}) {
    for (int i = 1; i <= 2; ++i) accounts.push_back(make_account(kind, i, orders));
  }
  SandboxProcess sandbox(sandbox_binary, temp.path(), sandbox_config(accounts));

  uoms::SystemClock clock;
  const uoms::config::Config config = bench_config(temp.path(), k_concurrency);
  add_channels(config, accounts, sandbox.base_url(), clock);
  auto control = control_client(clock);

  uoms::collect::Options collect_options;
  collect_options.concurrency = k_concurrency;
  const auto collected = uoms::collect::run(config, collect_options, clock);

  std::int64_t rows = 0;
  const std::string file = tracking_file(config.database, rows);
  uoms::tracking::ImportResult imported;
  {
    auto db = uoms::store::Database::open(config.database, false);
    uoms::tracking::ImportOptions import;
    import.now = uoms::format_utc(clock.now());
    imported = uoms::tracking::import_csv(db, file, import);
  }

  uoms::upload::Report report;
  auto pass = [&]() -> std::int64_t {
    uoms::upload::Options options;
    options.concurrency = k_concurrency;
    report = uoms::upload::run(config, options, clock, uoms::channels::curl_factory(clock));
    std::int64_t sent = 0;
    for (const auto& c : report.channels) sent += c.uploaded;
    return sent;
  };
  const PassFigures first = measure_pass(*control, sandbox.base_url(), accounts, pass);
  std::int64_t uploaded = 0, failed = 0, skipped = 0, other = 0;
  fmt::print("{:<14} {:>9} {:>7} {:>8} {:>6}\n", "channel", "uploaded", "failed", "skipped", "other");
  for (const auto& c : report.channels) {
    fmt::print("{:<14} {:>9} {:>7} {:>8} {:>6}{}\n", c.name, c.uploaded, c.failed, c.skipped,
               c.retrying + c.attention + c.unknown, c.error.empty() ? "" : "  " + c.error);
    uploaded += c.uploaded;
    failed += c.failed;
    skipped += c.skipped;
    other += c.retrying + c.attention + c.unknown;
  }
  const std::int64_t first_uploaded = uploaded;
  const PassFigures second = measure_pass(*control, sandbox.base_url(), accounts, pass);
  std::int64_t resent = 0;
  for (const auto& c : report.channels) resent += c.uploaded;

  // What the marketplaces accepted: each shipment (Coupang: each item of a box) once.
  std::map<std::string, int> accepted;
  const json kr = control_get(*control, sandbox.base_url() + "/__sandbox/tracking");
  for (const auto& r : kr["received"]) {
    if (r["result"] == "OK") {
      ++accepted[fmt::format("{}/{}/{}/{}", r["kind"].get<std::string>(), r["account"].get<std::string>(),
                             r["shipment"].get<std::string>(), r["item"].get<std::string>())];
    }
  }
  for (const std::string kind : {"shopee", "qoo10jp", "playauto"}) {
    for (const auto& r : control_get(*control, sandbox.base_url() + "/__sandbox/tracking?kind=" + kind)) {
      ++accepted[fmt::format("{}/{}/{}", kind, r["account"].get<std::string>(), r["shipment"].get<std::string>())];
    }
  }
  std::int64_t twice = 0;
  for (const auto& [key, times] : accepted) twice += times > 1 ? 1 : 0;

  fmt::print("\nworkload            {} channels (2 each of coupang, smartstore, shopee, qoo10jp, playauto) x {} orders, "
             "latency {} ms, {} req/s per channel, concurrency {}\n",
             accounts.size(), orders, k_latency_ms, k_rate_limit, k_concurrency);
  fmt::print("collect             job #{} {}\n", collected.job_id, collected.status);
  fmt::print("tracking file       {} rows, {} shipments given a number, {} refused\n", rows, imported.added,
             imported.problems.size());
  fmt::print("first pass          {} uploaded, {} failed, {} skipped, {} retrying/attention/unknown\n", first_uploaded,
             failed, skipped, other);
  for (const auto& [name, f, count] : {std::tuple{"first pass", first, first_uploaded}, std::tuple{"second pass", second, resent}}) {
    fmt::print("{:<19} wall {:7.2f} s  bound {:7.2f} s ({})  wall/bound {:4.2f}  requests {:6}  429s {:3}  "
               "CPU per shipment {:6.1f} us\n",
               name, f.wall, f.bound, f.slowest, f.bound > 0 ? f.wall / f.bound : 0.0, f.requests, f.throttled,
               first_uploaded > 0 ? f.cpu * 1e6 / static_cast<double>(first_uploaded) : 0.0);
  }
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  fmt::print("peak RSS            {:.1f} MiB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  fmt::print("numbers the sandbox holds twice: {}; sent again by the second pass: {}\n", twice, resent);
  return twice > 0 || resent > 0 ? 1 : 0;
}

} // namespace

int main(int argc, char** argv)
{
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "uoms-bench-upload: error: {}\n", e.what());
    return 2;
  }
}
