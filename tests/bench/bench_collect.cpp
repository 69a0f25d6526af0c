// Benchmark of one `collect` pass: 10 channels (5 Coupang + 5 Smartstore accounts) of 2,000
// orders each, served by uoms-sandbox on loopback with 20 ms latency per response and a
// limit of 10 requests/s per account, collected with concurrency 10.
//
//   uoms-bench [--mixed] [path/to/uoms-sandbox]    (default: uoms-sandbox next to this program)
//   uoms-bench --orders N --kind K                 one channel of kind K with N orders (memory)
//   uoms-bench --channels N [--orders M]           N channels of M orders (default 500), at the
//                                                  default concurrency (scaling)
//
// Besides wall time against the rate-limit bound it prints what storing cost: the CPU of
// inserting the same orders and items rows with raw prepared SQLite statements in one
// transaction (measured in this run, in a fresh database), the pass's CPU per order and its
// ratio to that, peak RSS and database bytes per order.
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

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
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
constexpr int k_orders_per_scaling_channel = 500;
constexpr int k_concurrency = 10;

const std::vector<std::string> k_kinds = {"coupang", "smartstore", "shopee", "qoo10jp", "playauto"};

struct Workload
{
  std::vector<std::string> kinds; // channels take these kinds in turn
  int channels = k_channels;
  int orders = k_orders_per_account;
  int concurrency = k_concurrency; // 0 = uoms's default
};

std::vector<Account> make_accounts(const Workload& w)
{
  std::map<std::string, int> numbers;
  std::vector<Account> accounts;
  // Grouped by kind (coupang-1..5, then smartstore-1..5), as the default run always was.
  const int per_kind = (w.channels + static_cast<int>(w.kinds.size()) - 1) / static_cast<int>(w.kinds.size());
  for (const auto& kind : w.kinds) {
    for (int i = 0; i < per_kind && static_cast<int>(accounts.size()) < w.channels; ++i) {
      accounts.push_back(make_account(kind, ++numbers[kind], w.orders));
    }
  }
  return accounts;
}

double thread_cpu_seconds()
{
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// The floor the goal is measured against: the CPU of inserting the rows uoms stored (every
// orders and order_items row, as stored) into a fresh database with the same schema, with
// prepared statements in one transaction. Rows are read 1,000 orders at a time and only the
// inserts are timed.
struct Baseline
{
  double cpu = 0;
  std::int64_t orders = 0, items = 0;
};

Baseline raw_insert_cost(const fs::path& source_path, const fs::path& target_path)
{
  // uoms creates the schema (and the same pragmas: WAL, synchronous NORMAL, foreign keys).
  uoms::store::Database::open(target_path, true);
  SQLite::Database source(source_path.string(), SQLite::OPEN_READONLY);
  SQLite::Database target(target_path.string(), SQLite::OPEN_READWRITE);
  target.exec("PRAGMA journal_mode=WAL");
  target.exec("PRAGMA synchronous=NORMAL");
  target.exec("PRAGMA foreign_keys=ON");
  {
    SQLite::Statement channels(source, "SELECT id, name, kind, created_at FROM channels");
    SQLite::Statement insert(target, "INSERT INTO channels (id, name, kind, created_at, updated_at) VALUES (?, ?, ?, ?, ?)");
    while (channels.executeStep()) {
      insert.bind(1, channels.getColumn(0).getInt64());
      insert.bind(2, channels.getColumn(1).getString());
      insert.bind(3, channels.getColumn(2).getString());
      insert.bind(4, channels.getColumn(3).getString());
      insert.bind(5, channels.getColumn(3).getString());
      insert.exec();
      insert.reset();
    }
  }
  const std::string order_columns =
    "channel_id, external_id, status, raw_status, ordered_at, paid_at, changed_at, currency, total_minor, "
    "shipping_fee_minor, buyer_name, buyer_phone, buyer_email, receiver_name, receiver_phone, receiver_zip, "
    "receiver_address1, receiver_address2, raw, content_hash, first_seen_at, updated_at, first_job_id, last_job_id";
  const std::string item_columns =
    "external_id, shipment_key, sku, product_id, option_id, name, option_name, quantity, unit_price_minor, "
    "total_price_minor, status, raw_status, content_hash";
  constexpr int k_order_values = 24, k_item_values = 13;
  auto marks = [](int n) {
    std::string q = "?";
    for (int i = 1; i < n; ++i) q += ",?";
    return q;
  };
  SQLite::Statement insert_order(target, fmt::format("INSERT INTO orders ({}) VALUES ({})", order_columns,
                                                     marks(k_order_values)));
  SQLite::Statement insert_item(target, fmt::format("INSERT INTO order_items (order_id, {}) VALUES ({})", item_columns,
                                                    marks(k_item_values + 1)));

  struct Value
  {
    int type = SQLITE_NULL;
    std::int64_t integer = 0;
    std::string bytes;
  };
  auto read = [](SQLite::Statement& s, int from, int count) {
    std::vector<Value> row(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      const auto c = s.getColumn(from + i);
      auto& v = row[static_cast<std::size_t>(i)];
      v.type = c.getType();
      if (v.type == SQLITE_INTEGER) v.integer = c.getInt64();
      else if (v.type != SQLITE_NULL) v.bytes.assign(static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes()));
    }
    return row;
  };
  auto bind = [](SQLite::Statement& s, int first, const std::vector<Value>& row) {
    int i = first;
    for (const auto& v : row) {
      if (v.type == SQLITE_INTEGER) s.bind(i, v.integer);
      else if (v.type == SQLITE_BLOB) s.bindNoCopy(i, v.bytes.data(), static_cast<int>(v.bytes.size()));
      else if (v.type == SQLITE_NULL) s.bind(i);
      else s.bindNoCopy(i, v.bytes);
      ++i;
    }
  };

  Baseline b;
  SQLite::Statement orders(source, fmt::format("SELECT id, {} FROM orders ORDER BY id", order_columns));
  SQLite::Statement items(source, fmt::format("SELECT {} FROM order_items WHERE order_id = ? ORDER BY id", item_columns));
  double started = thread_cpu_seconds();
  target.exec("BEGIN IMMEDIATE");
  b.cpu += thread_cpu_seconds() - started;
  bool more = true;
  while (more) {
    struct Order
    {
      std::vector<Value> row;
      std::vector<std::vector<Value>> items;
    };
    std::vector<Order> chunk;
    while (chunk.size() < 1000 && (more = orders.executeStep())) {
      Order o{read(orders, 1, k_order_values), {}};
      items.reset();
      items.bind(1, orders.getColumn(0).getInt64());
      while (items.executeStep()) o.items.push_back(read(items, 0, k_item_values));
      chunk.push_back(std::move(o));
    }
    started = thread_cpu_seconds();
    for (const auto& o : chunk) {
      bind(insert_order, 1, o.row);
      insert_order.exec();
      insert_order.reset();
      const auto order_id = target.getLastInsertRowid();
      for (const auto& item : o.items) {
        insert_item.bind(1, order_id);
        bind(insert_item, 2, item);
        insert_item.exec();
        insert_item.reset();
        ++b.items;
      }
      ++b.orders;
    }
    b.cpu += thread_cpu_seconds() - started;
  }
  started = thread_cpu_seconds();
  target.exec("COMMIT");
  b.cpu += thread_cpu_seconds() - started;
  return b;
}

// The database file's bytes once its write-ahead log is folded in, and the bytes of the
// largest tables and indexes (dbstat).
std::int64_t database_bytes(const fs::path& path, std::vector<std::pair<std::string, std::int64_t>>& largest)
{
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  try {
    SQLite::Statement s(db, "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 6");
    while (s.executeStep()) largest.emplace_back(s.getColumn(0).getString(), s.getColumn(1).getInt64());
    // Pages no table holds (left by deleted rows), which the file still carries.
    const std::int64_t free_pages = db.execAndGet("PRAGMA freelist_count").getInt64();
    largest.emplace_back("(free pages)", free_pages * db.execAndGet("PRAGMA page_size").getInt64());
  } catch (const SQLite::Exception&) {
    // SQLite built without dbstat: the total still says it
  }
  return static_cast<std::int64_t>(fs::file_size(path));
}

int usage_error(const std::string& message)
{
  fmt::print(stderr, "uoms-bench: {} (see --help)\n", message);
  return 2;
}

int run(int argc, char** argv)
{
  Workload workload{{"coupang", "smartstore"}, k_channels, k_orders_per_account, k_concurrency};
  bool mixed = false;
  std::optional<int> orders, channels;
  std::string kind;
  std::optional<fs::path> named;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto number = [&](std::optional<int>& out) {
      if (i + 1 >= argc) return false;
      try {
        out = std::stoi(argv[++i]);
      } catch (const std::exception&) {
        return false;
      }
      return *out > 0;
    };
    if (arg == "--mixed") {
      mixed = true;
    } else if (arg == "--orders") {
      if (!number(orders)) return usage_error("--orders takes a positive number");
    } else if (arg == "--channels") {
      if (!number(channels)) return usage_error("--channels takes a positive number");
    } else if (arg == "--kind") {
      if (i + 1 >= argc) return usage_error("--kind takes a kind");
      kind = argv[++i];
      if (std::find(k_kinds.begin(), k_kinds.end(), kind) == k_kinds.end()) {
        return usage_error(fmt::format("--kind: the sandbox serves coupang, smartstore, shopee, qoo10jp and playauto, "
                                       "not \"{}\"",
                                       kind));
      }
    } else if (arg == "--help" || arg == "-h") {
      fmt::print("usage: uoms-bench [--mixed] [--orders N] [--kind K] [--channels N] [PATH/TO/uoms-sandbox]\n"
                 "  default: one collect pass over 10 channels x {} orders (5 coupang + 5 smartstore,\n"
                 "  concurrency 10); --mixed: 2 each of coupang, smartstore, shopee, qoo10jp, playauto\n"
                 "  --orders N --kind K: one channel of kind K with N orders (the memory curve)\n"
                 "  --channels N: N channels (coupang and smartstore, or --kind) of --orders orders each\n"
                 "  (default {}) at uoms's default concurrency (the scaling curve)\n",
                 k_orders_per_account, k_orders_per_scaling_channel);
      return 0;
    } else if (!named && !arg.starts_with("-")) {
      named = fs::path(arg);
    } else {
      return usage_error(fmt::format("unexpected argument \"{}\"", arg));
    }
  }
  if (mixed) workload.kinds = k_kinds;
  if (!kind.empty()) workload.kinds = {kind};
  if (channels) {
    workload.channels = *channels;
    workload.orders = k_orders_per_scaling_channel;
    workload.concurrency = 0;
  } else if (!kind.empty()) {
    workload.channels = 1;
  }
  if (orders) workload.orders = *orders;

  const fs::path sandbox_binary = named.value_or(default_sandbox_path());
  if (!fs::exists(sandbox_binary)) {
    fmt::print(stderr, "uoms-bench: {} not found (pass the uoms-sandbox path as the first argument)\n",
               sandbox_binary.string());
    return 2;
  }
  uoms::log::configure(uoms::log::Level::warn, uoms::log::Format::text);

  TempDir temp;
  const fs::path dir = temp.path();

  const auto accounts = make_accounts(workload);
  SandboxProcess sandbox(sandbox_binary, dir, sandbox_config(accounts));

  uoms::SystemClock clock;
  uoms::config::Config config = bench_config(dir, k_concurrency);
  if (workload.concurrency == 0) config.concurrency = uoms::config::Config{}.concurrency;
  const auto channel_ids = add_channels(config, accounts, sandbox.base_url(), clock);
  auto control = control_client(clock);

  uoms::collect::Options options;
  options.concurrency = workload.concurrency;
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

  std::int64_t collected = 0, missing = 0;
  std::int64_t total_requests = stats.value("requests", std::int64_t{0});
  double lower_bound = 0;
  std::string slowest;
  {
    auto db = uoms::store::Database::open(config.database, false);
    const bool per_channel = accounts.size() <= 20;
    if (per_channel) {
      fmt::print("{:<14} {:>7} {:>9} {:>5} {:>9} {:>9}\n", "channel", "orders", "requests", "429s", "bound_s",
                 "elapsed_s");
    }
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
      // it also needs at least (requests − burst) / rate. The channels run in parallel, so the
      // pass's bound is the maximum over channels; it ignores CPU time (the machine has fewer
      // cores than channels), connection set-up and a concurrency below the channel count.
      const double bound = rate_limit_bound(requests);
      if (bound > lower_bound) {
        lower_bound = bound;
        slowest = a.channel;
      }
      if (!per_channel) continue;
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
  }

  std::vector<std::pair<std::string, std::int64_t>> largest;
  const std::int64_t bytes = database_bytes(config.database, largest);
  const Baseline baseline = raw_insert_cost(config.database, dir / "baseline.db");

  const double cpu = cpu_seconds(after) - cpu_seconds(before);
  const double per_order = collected > 0 ? cpu * 1e6 / static_cast<double>(collected) : 0.0;
  const double floor = baseline.orders > 0 ? baseline.cpu * 1e6 / static_cast<double>(baseline.orders) : 0.0;
  std::map<std::string, int> per_kind;
  for (const auto& a : accounts) ++per_kind[a.kind];
  std::string mix;
  for (const auto& [k, n] : per_kind) mix += fmt::format("{}{} {}", mix.empty() ? "" : " + ", n, k);
  fmt::print("\nworkload            {} channels ({}) x {} orders, latency {} ms, "
             "{} req/s per channel, concurrency {}\n",
             accounts.size(), mix, workload.orders, k_latency_ms, k_rate_limit, config.concurrency);
  fmt::print("job                 #{} {} (exit code {})\n", report.job_id, report.status,
             static_cast<int>(report.exit_code));
  fmt::print("orders collected    {} of {} ({} missing)\n", collected,
             static_cast<std::int64_t>(workload.orders) * static_cast<std::int64_t>(accounts.size()), missing);
  fmt::print("HTTP requests       {} (sandbox /__sandbox/stats, 429s: {})\n", total_requests,
             stats.contains("status_codes") ? stats["status_codes"].value("429", 0) : 0);
  fmt::print("wall time           {:.2f} s\n", wall);
  fmt::print("rate-limit bound    {:.2f} s (channel {})\n", lower_bound, slowest);
  fmt::print("wall / bound        {:.2f}\n", lower_bound > 0 ? wall / lower_bound : 0.0);
  fmt::print("raw SQLite insert   {:.1f} us per order ({} orders, {} items, prepared statements, one transaction)\n",
             floor, baseline.orders, baseline.items);
  fmt::print("CPU per order       {:.1f} us (user+sys {:.2f} s), {:.1f} x the raw insert\n", per_order, cpu,
             floor > 0 ? per_order / floor : 0.0);
  fmt::print("peak RSS            {:.1f} MiB\n", static_cast<double>(after.ru_maxrss) / 1024.0);
  std::string tables;
  for (const auto& [name, size] : largest) {
    tables += fmt::format("{}{} {}", tables.empty() ? "" : ", ", name,
                          collected > 0 ? size / collected : 0);
  }
  fmt::print("database            {} B per order ({:.1f} MiB){}\n", collected > 0 ? bytes / collected : 0,
             static_cast<double>(bytes) / (1024.0 * 1024.0), tables.empty() ? "" : "; largest, B per order: " + tables);
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
