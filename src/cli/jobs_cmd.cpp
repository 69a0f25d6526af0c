#include "cli.hpp"

#include "uoms/error.hpp"

#include <fmt/format.h>

namespace uoms::cli {

namespace {

struct JobsOptions
{
  store::JobFilter filter;
  std::int64_t id = 0;
  std::string detail_action, detail_status, detail_channel;
  int detail_limit = 0;
  std::string older_than;
  bool wide = false; // whole error messages, even on a terminal
};

nlohmann::json job_json(const store::JobRow& j)
{
  nlohmann::json args = nlohmann::json::parse(j.arguments, nullptr, false);
  return {{"id", j.id},
          {"kind", j.kind},
          {"trigger", j.trigger},
          {"status", j.status},
          {"started_at", j.started_at},
          {"finished_at", j.finished_at.empty() ? nlohmann::json() : nlohmann::json(j.finished_at)},
          {"duration_ms", j.duration_ms},
          {"total", j.total},
          {"succeeded", j.succeeded},
          {"failed", j.failed},
          {"skipped", j.skipped},
          {"progress_percent", j.progress_percent},
          {"error", j.error.empty() ? nlohmann::json() : nlohmann::json(j.error)},
          {"arguments", args.is_discarded() ? nlohmann::json::array() : args},
          {"version", j.version},
          {"host", j.host},
          {"pid", j.pid}};
}

nlohmann::json detail_json(const store::JobDetail& d)
{
  auto opt = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); };
  return {{"id", d.id},
          {"channel", opt(d.channel)},
          {"subject_type", d.subject_type},
          {"external_id", opt(d.external_id)},
          {"action", d.action},
          {"attempt", d.attempt},
          {"error", opt(d.error)},
          {"http_status", d.http_status ? nlohmann::json(d.http_status) : nlohmann::json()},
          {"request_id", opt(d.request_id)},
          {"payload", opt(d.payload)},
          {"created_at", d.created_at}};
}

std::string duration_text(std::int64_t ms)
{
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000);
  return fmt::format("{}m{:02}s", ms / 60'000, (ms / 1000) % 60);
}

store::JobRow require_job(Context& ctx, std::int64_t id)
{
  auto job = store::Jobs(ctx.read_db()).find(id);
  if (!job) {
    throw UsageError(fmt::format("no job {}", id));
  }
  return *job;
}

int run_list(Context& ctx, JobsOptions& o)
{
  if (!o.filter.since.empty()) {
    if (auto d = parse_duration(o.filter.since)) {
      o.filter.since = format_utc(ctx.clock->now() - *d);
    } else if (auto t = parse_time(o.filter.since)) {
      o.filter.since = format_utc(*t);
    } else {
      throw UsageError(fmt::format("--since: expected a time like 2026-11-22T10:00 or a duration like 24h, got \"{}\"",
                                   o.filter.since));
    }
  }
  if (ctx.json) {
    // Streamed: `--limit 0` over years of jobs stays one job in memory.
    auto& db = ctx.read_db();
    print_json_list("jobs", [&](const JsonSink& sink) {
      store::Jobs(db).each(o.filter, [&](const store::JobRow& j) { sink(job_json(j)); });
    });
    return 0;
  }
  auto rows = store::Jobs(ctx.read_db()).list(o.filter);
  if (rows.empty()) {
    if (!ctx.quiet) fmt::print("no jobs\n");
    return 0;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& j : rows) {
    table.push_back({std::to_string(j.id), j.kind, j.status, j.trigger, j.started_at,
                     j.finished_at.empty() ? "-" : duration_text(j.duration_ms), std::to_string(j.total),
                     std::to_string(j.succeeded), std::to_string(j.failed), std::to_string(j.skipped),
                     clip(j.error, o.wide, 60)});
  }
  print_table({"ID", "KIND", "STATUS", "TRIGGER", "STARTED", "TOOK", "TOTAL", "OK", "FAILED", "SKIPPED", "ERROR"},
              table);
  return 0;
}

int run_show(Context& ctx, std::int64_t id)
{
  auto job = require_job(ctx, id);
  auto counts = store::Jobs(ctx.read_db()).detail_counts(id);
  if (ctx.json) {
    nlohmann::json actions = nlohmann::json::object();
    for (const auto& [action, n] : counts) actions[action] = n;
    auto doc = job_json(job);
    doc["details"] = actions;
    print_json(doc);
    return 0;
  }
  fmt::print("job        {}\nkind       {}\nstatus     {}\ntrigger    {}\nstarted    {}\nfinished   {}\n"
             "duration   {}\ntotal      {} ({} ok, {} failed, {} skipped)\nprogress   {}%\narguments  {}\n"
             "process    pid {} on {}, uoms {}\n",
             job.id, job.kind, job.status, job.trigger, job.started_at,
             job.finished_at.empty() ? "-" : job.finished_at,
             job.finished_at.empty() ? "-" : duration_text(job.duration_ms), job.total, job.succeeded, job.failed,
             job.skipped, job.progress_percent, job.arguments, job.pid, job.host, job.version);
  if (!job.error.empty()) fmt::print("error      {}\n", job.error);
  for (const auto& [action, n] : counts) fmt::print("details    {} {}\n", n, action);
  return 0;
}

int run_details(Context& ctx, const JobsOptions& o)
{
  require_job(ctx, o.id);
  if (!o.detail_status.empty() && o.detail_status != "ok" && o.detail_status != "failed" &&
      o.detail_status != "skipped" && o.detail_status != "note") {
    throw UsageError(fmt::format("--status takes ok, failed, skipped or note; to see \"{}\" rows use --action {}",
                                 o.detail_status, o.detail_status));
  }
  auto rows = store::Jobs(ctx.read_db()).details(o.id, {o.detail_action, o.detail_channel, o.detail_status, o.detail_limit});
  if (ctx.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : rows) out.push_back(detail_json(d));
    print_json({{"job", o.id}, {"details", out}});
    return 0;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& d : rows) {
    table.push_back({d.channel.empty() ? "-" : d.channel, d.subject_type, d.external_id.empty() ? "-" : d.external_id,
                     d.action, std::to_string(d.attempt), d.http_status ? std::to_string(d.http_status) : "-",
                     d.request_id.empty() ? "-" : d.request_id, clip(d.error, o.wide, 80)});
  }
  if (table.empty()) {
    if (!ctx.quiet) fmt::print("no details\n");
    return 0;
  }
  print_table({"CHANNEL", "SUBJECT", "ID", "ACTION", "ATTEMPT", "HTTP", "REQUEST", "ERROR"}, table);
  return 0;
}

int run_prune(Context& ctx, const JobsOptions& o)
{
  auto age = parse_duration(o.older_than);
  if (!age) {
    throw UsageError(fmt::format("--older-than: expected a duration like 90d, got \"{}\"", o.older_than));
  }
  auto removed = store::Jobs(ctx.db()).prune(format_utc(ctx.clock->now() - *age));
  if (ctx.json) print_json({{"pruned", removed}});
  else if (!ctx.quiet) fmt::print("pruned {} jobs older than {}\n", removed, o.older_than);
  return 0;
}

} // namespace

Handler setup_jobs(CLI::App& app, Context& ctx)
{
  require_subcommand(app);
  auto o = std::make_shared<JobsOptions>();
  auto* list = app.add_subcommand("list", "list recent jobs, newest first");
  list->add_option("--kind", o->filter.kind, "collect, upload-tracking or sync-stock");
  list->add_option("--status", o->filter.status, "job status")
    ->check(CLI::IsMember({"running", "completed", "partial", "failed", "skipped", "interrupted"}));
  list->add_option("--channel", o->filter.channel, "only jobs that touched this channel");
  list->add_option("--since", o->filter.since, "a time (2026-11-22T10:00) or an age (24h)");
  list->add_option("--limit", o->filter.limit, "at most this many (default 20, 0 = all)")->check(CLI::NonNegativeNumber);
  list->add_flag("--wide", o->wide, "whole error messages (a terminal otherwise shows their start)");
  auto* show = app.add_subcommand("show", "show one job with its counts");
  show->add_option("id", o->id, "job id")->required();
  auto* details = app.add_subcommand("details", "the per-order rows of a job");
  details->add_option("id", o->id, "job id")->required();
  details->add_option("--action", o->detail_action, "only this action (created, updated, unchanged, failed, note, ...)");
  details->add_option("--status", o->detail_status, "only this outcome: ok, failed, skipped or note");
  details->add_option("--channel", o->detail_channel, "only this channel");
  details->add_option("--limit", o->detail_limit, "at most this many rows")->check(CLI::NonNegativeNumber);
  details->add_flag("--wide", o->wide, "whole error messages (a terminal otherwise shows their start)");
  auto* prune = app.add_subcommand("prune", "delete finished jobs (and their details) older than an age");
  prune->add_option("--older-than", o->older_than, "an age like 90d")->required();
  return [=, &ctx]() -> int {
    if (list->parsed()) return run_list(ctx, *o);
    if (show->parsed()) return run_show(ctx, o->id);
    if (details->parsed()) return run_details(ctx, *o);
    if (prune->parsed()) return run_prune(ctx, *o);
    return static_cast<int>(ExitCode::usage);
  };
}

} // namespace uoms::cli
