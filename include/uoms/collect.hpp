#pragma once

#include "uoms/config.hpp"
#include "uoms/connect.hpp"
#include "uoms/connector.hpp"
#include "uoms/error.hpp"
#include "uoms/jobs.hpp"
#include "uoms/pass.hpp"
#include "uoms/time.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

// The collect pass: one pass over every selected channel that never misses and never
// duplicates an order.
namespace uoms::collect {

struct Options
{
  std::vector<std::string> channels; // empty = every enabled channel
  std::optional<TimePoint> since;    // explicit backfill start
  std::optional<TimePoint> until;    // explicit backfill end
  int concurrency = 0;               // 0 = config
  bool dry_run = false;
  bool refetch_gaps = false;         // fetch the holes in each channel's history instead
  bool unchanged_details = false;    // a detail row per re-read unchanged order (debugging); counted either way
  std::string arguments_json = "[]";
};

struct ChannelReport : pass::ChannelHeader
{
  std::int64_t created = 0, updated = 0, unchanged = 0, failed = 0, notes = 0;
  std::int64_t oversold = 0; // items whose reservation took their product below zero
  int windows = 0, pages = 0, requests = 0;
  std::string watermark;
};

using Report = pass::Report<ChannelReport>;

// What a terminal progress line shows (items are orders); called under a mutex.
using Progress = pass::Progress;

// One collect pass over libcurl.
Report run(const config::Config& config, const Options& options, Clock& clock,
           const std::function<void(const Progress&)>& on_progress = {});
// The same with the channels' HTTP clients made by `make_http` (tests pass a fake).
Report run(const config::Config& config, const Options& options, Clock& clock, const channels::HttpFactory& make_http,
           const std::function<void(const Progress&)>& on_progress = {});

// [from, to) split into windows of at most max_window, the first starting on the time_step
// grid (so a coarse API filter is never asked for a step twice in one pass).
std::vector<connectors::Window> plan_windows(TimePoint from, TimePoint to, Millis max_window,
                                             Millis time_step = Millis{1},
                                             std::chrono::minutes utc_offset = std::chrono::minutes{0});

// The stretches of [first fetched, watermark] no complete window covers.
std::vector<connectors::Window> find_gaps(const std::vector<store::WindowRow>& windows, std::optional<TimePoint> watermark);

// Set by the SIGINT/SIGTERM handler; passes stop between pages and exit 130.
using pass::g_interrupted;

inline constexpr std::string_view k_watermark_key = "collect.watermark";

} // namespace uoms::collect
