// Benchmark of stock sync: 10 channels (3 Smartstore, 3 Shopee, 2 Qoo10 Japan, 2 Coupang) of
// 2,000 listings each, served by uoms-sandbox on loopback with 20 ms latency per response and
// 10 requests/s per account, synced with concurrency 10. Three passes are measured: the
// catalogue read (`listings fetch`), the first `sync-stock --full` (every listing pushed) and
// a `sync-stock` after a tenth of the SKUs changed.
//
//   uoms-bench-stock [--listings N] [path/to/uoms-sandbox]
//
// A program that prints figures, not a timed test: it exits 1 only when a marketplace ends up
// showing something other than the SKU's available quantity (2 when it cannot run at all).
// See tests/bench/README.md.

#include "uoms/channels.hpp"
#include "uoms/config.hpp"
#include "uoms/connect.hpp"
#include "uoms/log.hpp"
#include "uoms/stock.hpp"
#include "uoms/store.hpp"
#include "uoms/store/stock.hpp"

#include "support.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
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
constexpr std::int64_t k_on_hand = 50;

std::vector<Account> make_accounts(int listings)
{
  std::vector<Account> accounts;
  for (const auto& [kind, count] : std::vector<std::pair<std::string, int>>{
           {"smartstore", 3}, {"shopee", 3}, {"qoo10jp", 2}, {"coupang", 2}}) {
    for (int i = 1; i <= count; ++i) accounts.push_back(make_account(kind, i, 0, listings));
  }
  return accounts;
}

class Bench
{
public:
  Bench(const fs::path& sandbox_binary, int listings)
    : m_listings(listings), m_accounts(make_accounts(listings)),
      m_sandbox(sandbox_binary, m_dir.path(), sandbox_config(m_accounts)),
      m_config(bench_config(m_dir.path(), k_concurrency))
  {
    m_control = control_client(m_clock);
  }

  int run()
  {
    set_up();
    std::vector<std::pair<std::string, PassFigures>> passes;
    passes.push_back(measure("listings fetch", [&] {
      uoms::stock::FetchOptions options;
      options.concurrency = k_concurrency;
      const auto report = uoms::stock::fetch_listings(m_config, options, m_clock, uoms::channels::curl_factory(m_clock));
      return count(report, [](const auto& c) { return c.listings; });
    }));
    passes.push_back(measure("sync-stock --full", [&] { return sync(true); }));
    const std::int64_t wrong_after_full = compare();
    adjust_a_tenth();
    passes.push_back(measure("sync-stock, 10% of SKUs changed", [&] { return sync(false); }));
    const std::int64_t wrong = compare();

    fmt::print("\nworkload            {} channels (3 smartstore + 3 shopee + 2 qoo10jp + 2 coupang) x {} catalogue "
               "entries, latency {} ms, {} req/s per channel, concurrency {}\n",
               m_accounts.size(), m_listings, k_latency_ms, k_rate_limit, k_concurrency);
    fmt::print("listings            {} mapped of {} in the sandbox\n", m_mapped, m_remote_listings);
    for (const auto& [name, p] : passes) {
      fmt::print("{:<34} wall {:7.2f} s  bound {:7.2f} s ({})  wall/bound {:4.2f}  requests {:6}  429s {:3}  "
                 "CPU per listing {:6.1f} us\n",
                 name, p.wall, p.bound, p.slowest, p.bound > 0 ? p.wall / p.bound : 0.0, p.requests, p.throttled,
                 p.records > 0 ? p.cpu * 1e6 / static_cast<double>(p.records) : 0.0);
    }
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    fmt::print("peak RSS            {:.1f} MiB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
    fmt::print("marketplace ≠ available: {} after the full push, {} after the change\n", wrong_after_full, wrong);
    return wrong_after_full + wrong > 0 ? 1 : 0;
  }

private:
  template <typename Report, typename Field>
  static std::int64_t count(const Report& report, Field field)
  {
    std::int64_t n = 0;
    for (const auto& c : report.channels) n += field(c);
    return n;
  }

  std::int64_t sync(bool full)
  {
    uoms::stock::SyncOptions options;
    options.full = full;
    options.concurrency = k_concurrency;
    const auto report = uoms::stock::sync(m_config, options, m_clock, uoms::channels::curl_factory(m_clock));
    for (const auto& c : report.channels) {
      if (c.failed > 0 || c.status != "completed") {
        fmt::print(stderr, "uoms-bench-stock: {} {}: {} failed {}\n", c.name, c.status, c.failed, c.error);
      }
    }
    return count(report, [](const auto& c) { return c.listings; });
  }

  // The channels, the SKU master (every seller code in the sandbox's catalogues, on hand 50)
  // and the listings uoms knows before it reads catalogues: Coupang has no catalogue call and
  // learns listings from orders, Smartstore and Qoo10 read the items uoms knows.
  void set_up()
  {
    m_channel_ids = add_channels(m_config, m_accounts, m_sandbox.base_url(), m_clock);
    auto db = uoms::store::Database::open(m_config.database, false);
    const auto now = uoms::format_utc(m_clock.now());
    std::string products = "sku,name,on_hand\n";
    std::set<std::string> skus;
    for (const auto& a : m_accounts) {
      const json remote = book(a);
      for (const auto& l : remote["listings"]) {
        const std::string sku = l["seller_code"];
        if (skus.insert(sku).second) products += fmt::format("{},{},{}\n", sku, sku, k_on_hand);
      }
    }
    uoms::stock::ImportOptions import;
    import.now = now;
    uoms::stock::import_products(db, products, import);

    uoms::store::Listings listings(db);
    for (const auto& a : m_accounts) {
      const json remote = book(a);
      for (const auto& l : remote["listings"]) {
        uoms::connectors::Listing listing;
        listing.item_id = l["item"];
        listing.option_id = remote_option(a, l);
        listing.seller_code = l["seller_code"];
        listing.name = l["name"];
        listings.record(m_channel_ids[a.channel], listing, "order", now);
        ++m_remote_listings;
      }
    }
    m_mapped = static_cast<std::int64_t>(listings.list({"", false, true, {}}).size());
  }

  // A tenth of the SKUs lose one unit (a stock count found one missing).
  void adjust_a_tenth()
  {
    auto db = uoms::store::Database::open(m_config.database, false);
    const auto now = uoms::format_utc(m_clock.now());
    const auto products = uoms::store::Products(db).list();
    for (std::size_t i = 0; i < products.size(); i += 10) {
      uoms::stock::adjust(db, products[i].sku, -1, "bench", now);
    }
  }

  json book(const Account& a)
  {
    return control_get(*m_control, fmt::format("{}/__sandbox/stock?kind={}&account={}", m_sandbox.base_url(), a.kind, a.id));
  }

  // Shopee's book names an item without variations model 0; uoms keeps no option for it.
  static std::string remote_option(const Account& a, const json& l)
  {
    std::string option = l["option"];
    return a.kind == "shopee" && option == "0" ? std::string() : option;
  }

  // Mapped listings whose marketplace quantity is not the SKU's available quantity.
  std::int64_t compare()
  {
    auto db = uoms::store::Database::open(m_config.database, false);
    std::map<std::string, std::int64_t> available;
    for (const auto& p : uoms::store::Products(db).list()) available[p.sku] = uoms::store::available(p.on_hand, p.reserved, p.safety_buffer);
    std::int64_t wrong = 0;
    uoms::store::Listings listings(db);
    for (const auto& a : m_accounts) {
      const json remote = book(a);
      for (const auto& l : remote["listings"]) {
        const auto row = listings.find(m_channel_ids[a.channel], l["item"].get<std::string>(), remote_option(a, l));
        if (!row || row->sku.empty()) continue;
        if (l["stock"].get<std::int64_t>() != available[row->sku]) ++wrong;
      }
    }
    return wrong;
  }

  // A pass measured, under its name.
  std::pair<std::string, PassFigures> measure(const std::string& name, const std::function<std::int64_t()>& work)
  {
    return {name, measure_pass(*m_control, m_sandbox.base_url(), m_accounts, work)};
  }

  TempDir m_dir;
  int m_listings;
  std::vector<Account> m_accounts;
  SandboxProcess m_sandbox;
  uoms::config::Config m_config;
  uoms::SystemClock m_clock;
  std::unique_ptr<uoms::net::HttpClient> m_control;
  std::map<std::string, std::int64_t> m_channel_ids;
  std::int64_t m_remote_listings = 0, m_mapped = 0;
};

int run(int argc, char** argv)
{
  int listings = 2000;
  std::optional<fs::path> named;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--listings" && i + 1 < argc) {
      const std::string value = argv[++i];
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), listings);
      if (ec != std::errc() || end != value.data() + value.size() || listings < 12 || listings > 9000) {
        fmt::print(stderr, "uoms-bench-stock: --listings must be a number from 12 to 9000\n");
        return 2;
      }
    } else if (arg == "--help" || arg == "-h") {
      fmt::print("usage: uoms-bench-stock [--listings N (default 2000)] [PATH/TO/uoms-sandbox]\n"
                 "  listings fetch and two sync-stock passes over 10 channels x N catalogue entries\n");
      return 0;
    } else if (!named && !arg.starts_with("-")) {
      named = fs::path(arg);
    } else {
      fmt::print(stderr, "uoms-bench-stock: unexpected argument \"{}\" (see --help)\n", arg);
      return 2;
    }
  }
  const fs::path sandbox_binary = named.value_or(default_sandbox_path());
  if (!fs::exists(sandbox_binary)) {
    fmt::print(stderr, "uoms-bench-stock: {} not found (pass the uoms-sandbox path)\n", sandbox_binary.string());
    return 2;
  }
  uoms::log::configure(uoms::log::Level::warn, uoms::log::Format::text);
  Bench bench(sandbox_binary, listings);
  return bench.run();
}

} // namespace

int main(int argc, char** argv)
{
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "uoms-bench-stock: error: {}\n", e.what());
    return 2;
  }
}
