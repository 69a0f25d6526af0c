#include "cli.hpp"

#include "uoms/util/text.hpp"

#include "uoms/channels.hpp"
#include "uoms/collect.hpp"
#include "uoms/error.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace uoms::cli {

namespace {

struct CollectFlags
{
  std::vector<std::string> channels;
  std::string since, until;
  int concurrency = 0;
  bool dry_run = false;
  bool gaps = false;
  bool refetch_gaps = false;
  bool unchanged_details = false;
};

TimePoint parse_flag_time(const std::string& text, std::string_view flag, Context& ctx)
{
  if (auto d = parse_duration(text)) {
    return ctx.clock->now() - *d;
  }
  // Dates without an offset are the operator's marketplace time: KST/JST (+09:00).
  if (auto t = parse_time(text, k_kst_offset)) {
    return *t;
  }
  throw UsageError(fmt::format("{}: expected a time like 2026-11-22T10:00+09:00 or an age like 3d, got \"{}\"", flag,
                               text));
}

int run_gaps(Context& ctx, const CollectFlags& f)
{
  auto& db = ctx.db();
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::vector<std::string>> table;
  for (const auto& row : store::Channels(db).list()) {
    if (!f.channels.empty() && std::find(f.channels.begin(), f.channels.end(), row.name) == f.channels.end()) continue;
    auto wm = store::CollectState(db).state(row.id, collect::k_watermark_key);
    auto gaps = collect::find_gaps(store::CollectState(db).windows(row.id), wm ? parse_time(*wm) : std::nullopt);
    for (const auto& g : gaps) {
      out.push_back({{"channel", row.name}, {"from", format_utc(g.from)}, {"to", format_utc(g.to)}});
      table.push_back({row.name, format_utc(g.from), format_utc(g.to)});
    }
  }
  if (ctx.json) {
    print_json({{"gaps", out}});
  } else if (table.empty()) {
    if (!ctx.quiet) fmt::print("no gaps\n");
  } else {
    print_table({"CHANNEL", "FROM", "TO"}, table);
  }
  return 0;
}

void print_summary(const collect::Report& r)
{
  std::vector<std::vector<std::string>> table;
  for (const auto& c : r.channels) {
    table.push_back({c.name, c.kind, c.status, std::to_string(c.created), std::to_string(c.updated),
                     std::to_string(c.unchanged), std::to_string(c.failed), std::to_string(c.pages),
                     c.watermark.empty() ? "-" : c.watermark, clip(c.error, false)});
  }
  print_table({"CHANNEL", "KIND", "STATUS", "NEW", "UPDATED", "UNCHANGED", "FAILED", "PAGES", "COLLECTED UNTIL",
               "ERROR"},
              table);
  fmt::print("job {} {}{}\n", r.job_id, r.status, r.dry_run ? " (dry run: nothing was saved)" : "");
  std::int64_t oversold = 0;
  for (const auto& c : r.channels) oversold += c.oversold;
  if (oversold > 0) {
    fmt::print("{} order items OVERSOLD: more reserved than on hand (uoms jobs details {} --action oversold)\n",
               oversold, r.job_id);
  }
}

} // namespace

Handler setup_collect(CLI::App& app, Context& ctx)
{
  auto f = std::make_shared<CollectFlags>();
  app.add_option("--channel", f->channels, "only this channel (repeatable)");
  app.add_option("--since", f->since, "backfill from this time (2026-11-01, 2026-11-01T09:00+09:00) or age (3d)");
  app.add_option("--until", f->until, "backfill up to this time or age");
  app.add_option("--concurrency", f->concurrency, "channels collected at once (default: collect.concurrency, 64)")
    ->check(CLI::Range(1, config::k_max_concurrency));
  app.add_flag("--dry-run", f->dry_run, "fetch and report, save nothing");
  app.add_flag("--gaps", f->gaps, "list holes in each channel's collected history and exit");
  app.add_flag("--refetch-gaps", f->refetch_gaps, "fetch the holes --gaps lists");
  app.add_flag("--unchanged-details", f->unchanged_details,
               "record a job detail for every re-read order that did not change (they are only counted otherwise)");
  return [f, &ctx]() -> int {
    if (f->gaps) return run_gaps(ctx, *f);
    collect::Options options;
    options.channels = f->channels;
    if (!f->since.empty()) options.since = parse_flag_time(f->since, "--since", ctx);
    if (!f->until.empty()) options.until = parse_flag_time(f->until, "--until", ctx);
    if (f->until.size() && f->since.empty()) {
      throw UsageError("--until needs --since");
    }
    if (options.since && options.until && *options.until <= *options.since) {
      throw UsageError("--until must be after --since");
    }
    if (f->refetch_gaps && options.since) {
      throw UsageError("--refetch-gaps cannot be combined with --since/--until");
    }
    options.concurrency = f->concurrency;
    options.dry_run = f->dry_run;
    options.refetch_gaps = f->refetch_gaps;
    options.unchanged_details = f->unchanged_details;
    options.arguments_json = nlohmann::json(ctx.arguments).dump();
    const auto& config = ctx.config();
    ctx.db(); // migrates before workers open their own connections

    bool show_progress = stderr_is_terminal() && !ctx.json && !ctx.quiet;
    auto progress = [&](const collect::Progress& p) {
      if (show_progress) {
        log::progress(fmt::format("collect: {}/{} channels, {} orders", p.channels_done, p.channels_total, p.items));
      }
    };
    auto report = collect::run(config, options, *ctx.clock, progress);
    log::clear_progress();

    if (ctx.json) {
      nlohmann::json channels = nlohmann::json::array();
      for (const auto& c : report.channels) {
        channels.push_back({{"channel", c.name},
                            {"kind", c.kind},
                            {"status", c.status},
                            {"created", c.created},
                            {"updated", c.updated},
                            {"unchanged", c.unchanged},
                            {"failed", c.failed},
                            {"notes", c.notes},
                            {"oversold", c.oversold},
                            {"windows", c.windows},
                            {"pages", c.pages},
                            {"collected_until", c.watermark.empty() ? nlohmann::json() : nlohmann::json(c.watermark)},
                            {"error", c.error.empty() ? nlohmann::json() : nlohmann::json(c.error)}});
      }
      print_json({{"job_id", report.job_id},
                  {"status", report.status},
                  {"exit_code", static_cast<int>(report.exit_code)},
                  {"dry_run", report.dry_run},
                  {"channels", channels},
                  {"notify_errors", report.notify_errors}});
    } else if (quiet_pass(ctx, report.exit_code, "collect", report.job_id, report.status,
                          channel_errors(report.channels))) {
    } else if (!ctx.quiet || report.exit_code != ExitCode::ok) {
      print_summary(report);
    }
    return static_cast<int>(report.exit_code);
  };
}

} // namespace uoms::cli
