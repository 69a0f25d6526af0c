#pragma once

#include "uoms/config.hpp"
#include "uoms/connect.hpp"
#include "uoms/pass.hpp"
#include "uoms/store.hpp"
#include "uoms/store/stock.hpp"
#include "uoms/time.hpp"
#include "uoms/tracking.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

// Stock: the SKU master, the listings each channel sells, the ledger that order items move
// (store/stock.hpp), and the two passes that talk to marketplaces about it — `listings
// fetch` reads catalogues, `sync-stock` pushes available quantities.
namespace uoms::stock {

// Plausible ranges for quantities from a file or the command line.
inline constexpr std::int64_t k_max_on_hand = 10'000'000;
inline constexpr int k_max_buffer = 1'000'000;

struct ImportResult
{
  int rows = 0, created = 0, updated = 0, mapped = 0;
  std::vector<tracking::Problem> problems;
  std::vector<store::Oversold> oversold;
};

struct ImportOptions
{
  std::string encoding = "auto";
  bool strict = false;
  std::string now;
};

// `sku,name,on_hand[,safety_buffer]` (or 상품코드,상품명,재고,안전재고), UTF-8 with or without
// BOM or CP949. Each row creates or updates a product; an on_hand is a stock count. New
// products map the unmapped listings whose seller code equals their SKU, and those
// listings' collected items move the ledger. One transaction; `strict` rolls back on any
// bad row. A header without sku is a UsageError.
ImportResult import_products(store::Database& db, std::string_view bytes, const ImportOptions& options);

struct SetResult
{
  bool created = false;
  int mapped = 0; // listings mapped automatically
  std::vector<store::Oversold> oversold;
};

// One product by hand (`products set`); validates ranges (UsageError).
SetResult set_product(store::Database& db, const store::ProductInput& input, std::string_view now);

// `stock adjust SKU +N|-N --reason TEXT`. UsageError for an unknown SKU or a zero/out-of-range delta.
void adjust(store::Database& db, std::string_view sku, std::int64_t delta, std::string_view reason,
            std::string_view now);

// `listings map`: the operator maps a listing (recorded if uoms has not seen it yet) to a
// SKU; its collected items move the ledger once. UsageError for an unknown channel or SKU.
std::vector<store::Oversold> map_listing(store::Database& db, std::string_view channel, std::string_view item,
                                         std::string_view option, std::string_view sku, std::string_view now);
// `listings unmap`: the listing stays unmapped (automatic mapping leaves it alone); items
// already applied keep their movements.
void unmap_listing(store::Database& db, std::string_view channel, std::string_view item, std::string_view option,
                   std::string_view now);

// The ledger's side of storing an order: the changed items of `result` move stock in the
// caller's transaction. Returns the items that took their product below zero.
std::vector<store::Oversold> apply_order(store::Database& db, std::int64_t channel_id,
                                         const store::UpsertResult& result, std::int64_t job_id,
                                         std::string_view now);

// --- listings fetch ------------------------------------------------------------------------

struct FetchOptions
{
  std::vector<std::string> channels;
  int concurrency = 0;
  std::string arguments_json = "[]";
};

struct FetchChannelReport : pass::ChannelHeader
{
  std::int64_t listings = 0, created = 0, mapped = 0, failed = 0, pages = 0, oversold = 0;
};
using FetchReport = pass::Report<FetchChannelReport>;

FetchReport fetch_listings(const config::Config& config, const FetchOptions& options, Clock& clock,
                           const channels::HttpFactory& make_http);

// --- sync-stock ----------------------------------------------------------------------------

struct SyncOptions
{
  std::vector<std::string> channels;
  std::vector<std::string> skus; // only listings mapped to these
  bool full = false;             // push every mapped listing, changed or not
  bool dry_run = false;
  int retries = 3;
  int concurrency = 0;
  std::string arguments_json = "[]";
};

// One listing acted on, or planned in a dry run.
struct ListingPush
{
  std::string item_id, option_id, sku;
  std::optional<std::int64_t> remote;  // read from the marketplace before pushing
  std::optional<std::int64_t> last_pushed;
  std::int64_t planned = 0;
  std::int64_t held = 0;               // units held back for drift no collected order explains yet
  std::string action; // pushed, unchanged, failed, would_push, drift
  std::string error;
  std::string request; // dry run: the request the connector would send
};

struct SyncChannelReport : pass::ChannelHeader
{
  std::int64_t listings = 0, pushed = 0, unchanged = 0, failed = 0, drift = 0, settled = 0;
  std::vector<ListingPush> plan; // dry run: every listing that would be pushed
};
using SyncReport = pass::Report<SyncChannelReport>;

SyncReport sync(const config::Config& config, const SyncOptions& options, Clock& clock,
                const channels::HttpFactory& make_http,
                const std::function<void(const pass::Progress&)>& on_progress = {});

} // namespace uoms::stock
