#pragma once

#include "uoms/config.hpp"
#include "uoms/store.hpp"
#include "uoms/time.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Where every channel stands, read from the database alone (no marketplace call): per
// pass kind the last pass and the last successful one, failures in a row, collect's
// watermark lag and the lock holder; per channel the upload outbox, the listings that map
// to no SKU, oversold listings and token expiries. `uoms status` prints it and the metrics
// textfile is rendered from it, so both say the same thing.
namespace uoms::status {

// The pass kinds a channel has a standing in, in the order they are shown.
inline constexpr std::array<std::string_view, 4> k_pass_kinds{"collect", "upload-tracking", "sync-stock",
                                                              "listings-fetch"};

struct Thresholds
{
  Millis max_age{std::chrono::hours(2)};
  Millis max_age_listings{std::chrono::hours(24 * 8)};
  int max_failures = 3;
  Millis max_lag{std::chrono::hours(1)};

  static Thresholds from(const config::Config& config);
};

// A channel in one pass kind.
struct Pass
{
  std::string kind;
  std::optional<store::PassState> last;          // none: never ran on this channel
  std::optional<Millis> success_age;             // now − the last success
  std::string watermark;                         // collect only; empty when none yet
  std::optional<Millis> lag;                     // collect only: now − watermark
  std::optional<store::LockRow> lock;            // the lease of this kind and channel, if held
  bool lock_expired = false;                     // its holder stopped renewing (the next pass takes it over)
  std::vector<std::string> attention;            // why this needs an operator; empty = fine
};

struct Channel
{
  std::string name, kind;
  bool enabled = true;
  std::vector<Pass> passes; // one per k_pass_kinds
  std::map<std::string, std::int64_t> shipments; // by state: pending, sending, attention (parked), failed, …
  std::int64_t unmapped_listings = 0;
  std::int64_t unmapped_items = 0, unmapped_units = 0; // collected order items whose listing maps to no SKU
  std::int64_t oversold_listings = 0;                  // mapped listings whose SKU has more reserved than on hand
  std::vector<store::TokenExpiry> tokens;
  std::vector<std::string> attention; // every pass kind's reasons, as "KIND: reason"

  std::int64_t shipments_in(std::string_view state) const;
};

struct Report
{
  TimePoint now;
  std::vector<Channel> channels;
  std::vector<store::OversoldProduct> oversold;
  int channels_needing_attention = 0;
  // A channel needs attention, or some SKU is oversold.
  bool needs_attention() const { return channels_needing_attention > 0 || !oversold.empty(); }
};

// Reads everything from `db` (read-only queries only).
Report build(store::Database& db, const Thresholds& thresholds, TimePoint now);

nlohmann::json to_json(const Report& report);

// "45s", "12m", "3h05m", "2d04h": a short age for tables.
std::string short_age(Millis age);

} // namespace uoms::status
