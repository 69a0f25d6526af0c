#include "cli.hpp"

#include "uoms/util/text.hpp"

#include "uoms/carriers.hpp"
#include "uoms/channels.hpp"
#include "uoms/connector.hpp"
#include "uoms/error.hpp"
#include "uoms/tracking.hpp"
#include "uoms/upload_tracking.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace uoms::cli {

namespace {

struct TrackingOptions
{
  std::string file, encoding = "auto";
  bool strict = false;
  std::string channel, order, item, carrier, number;
  bool replace = false;
  bool attention = false;
  bool mark_uploaded = false;
};

std::string read_file(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw UsageError(fmt::format("cannot read {}", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int run_import(Context& ctx, const TrackingOptions& o)
{
  const auto bytes = read_file(o.file);
  tracking::ImportOptions options{o.encoding, o.strict, format_utc(ctx.clock->now())};
  tracking::ImportResult result;
  try {
    result = tracking::import_csv(ctx.db(), bytes, options);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: {}", o.file, e.what()));
  }
  const bool refused = !result.problems.empty();
  const bool rolled_back = refused && o.strict;
  if (rolled_back && !ctx.json) {
    for (const auto& p : result.problems) fmt::print(stderr, "uoms: {}:{}: {}\n", o.file, p.line, p.message);
    throw Failure(fmt::format("{}: {} of {} rows refused (--strict): nothing was changed", o.file,
                              result.problems.size(), result.rows));
  }
  if (ctx.json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : result.problems) problems.push_back({{"line", p.line}, {"error", p.message}});
    print_json({{"file", o.file}, {"rows", result.rows}, {"added", result.added}, {"unchanged", result.unchanged},
                {"refused", problems}, {"changed_nothing", rolled_back}});
  } else {
    for (const auto& p : result.problems) fmt::print(stderr, "uoms: {}:{}: {}\n", o.file, p.line, p.message);
    if (!ctx.quiet || refused) {
      fmt::print("{}: {} rows, {} tracking numbers added, {} already there, {} refused{}\n", o.file, result.rows,
                 result.added, result.unchanged, result.problems.size(),
                 rolled_back ? " (--strict: nothing was changed)" : "");
    }
  }
  if (!refused) return 0;
  return static_cast<int>(o.strict ? ExitCode::failed : ExitCode::partial);
}

// The tracking number as stored, or a UsageError naming what is wrong with it.
std::string checked_number(const std::string& given)
{
  auto number = tracking::clean_number(given);
  if (number.empty()) {
    throw UsageError(fmt::format("tracking number \"{}\" is not 1 to 50 letters, digits or '-'", given));
  }
  return number;
}

// The shipments `--order` (and `--item`) name in the channel; a UsageError when none.
std::vector<store::ShipmentTarget> named_targets(store::Shipments& shipments, std::int64_t channel_id,
                                                 const TrackingOptions& o)
{
  auto targets = shipments.targets(channel_id, o.order, o.item);
  if (targets.empty()) {
    throw UsageError(o.item.empty() ? fmt::format("channel {} has no collected order or shipment \"{}\"", o.channel, o.order)
                                    : fmt::format("channel {} has no item \"{}\" in order \"{}\"", o.channel, o.item, o.order));
  }
  return targets;
}

int run_set(Context& ctx, const TrackingOptions& o)
{
  auto& db = ctx.db();
  const auto channel = channels::load(db, o.channel, nullptr);
  const auto carrier = tracking::carrier_code(o.carrier);
  const auto number = checked_number(o.number);
  store::Shipments shipments(db);
  const auto targets = named_targets(shipments, channel.row.id, o);
  const auto now = format_utc(ctx.clock->now());
  int changed = 0;
  store::Database::Transaction tx(db);
  for (const auto& target : targets) {
    const auto existing = shipments.find(target.order_row_id, target.shipment_key);
    if (!existing) {
      changed += shipments.add(target, carrier, number, "manual", now) ? 1 : 0;
      continue;
    }
    if (existing->tracking_number == number && existing->carrier == carrier) continue;
    if (existing->state == "uploaded" || existing->state == "sending" || !existing->correction_number.empty()) {
      throw UsageError(fmt::format("shipment {} of order {} was uploaded with {} {}; an uploaded number is changed "
                                   "only with `uoms tracking correct`",
                                   target.shipment_key, o.order, existing->carrier, existing->tracking_number));
    }
    if (!o.replace) {
      throw UsageError(fmt::format("shipment {} of order {} already has {} {}; use --replace to change it",
                                   target.shipment_key, o.order, existing->carrier, existing->tracking_number));
    }
    changed += shipments.replace(existing->id, carrier, number, now) ? 1 : 0;
  }
  tx.commit();
  if (ctx.json) {
    print_json({{"channel", o.channel}, {"order", o.order}, {"shipments", targets.size()}, {"changed", changed}});
  } else if (!ctx.quiet) {
    fmt::print("{} {}: {} {} on {} shipment(s), {} changed\n", o.channel, o.order, carrier, number, targets.size(),
               changed);
  }
  return 0;
}

// Queues the correction of uploaded numbers for the next upload-tracking pass, which sends
// it through the kind's correction call with the outbox's exactly-once (the channel's one
// writer holds its lease there). Refuses, changing nothing, a kind without such a call, a
// shipment not uploaded yet, one being sent, and an order that is cancelled, returned or
// exchanged.
int run_correct(Context& ctx, const TrackingOptions& o)
{
  auto& db = ctx.db();
  const auto channel = channels::load(db, o.channel, nullptr);
  if (!channel.spec->corrects_tracking) {
    throw UsageError(fmt::format("kind {} has no tracking correction call in its contract: correct it in the seller "
                                 "center (channel {} is unchanged)",
                                 channel.row.kind, o.channel));
  }
  const auto carrier = tracking::carrier_code(o.carrier);
  if (!channel.spec->carriers_from_marketplace && !carriers::code_for(*channel.spec, carrier)) {
    throw UsageError(fmt::format("carrier {} is not accepted by {} (see `uoms carriers list --kind {}`)", carrier,
                                 channel.row.kind, channel.row.kind));
  }
  const auto number = checked_number(o.number);
  store::Shipments shipments(db);
  const auto targets = named_targets(shipments, channel.row.id, o);
  const auto now = format_utc(ctx.clock->now());
  int queued = 0, dropped = 0;
  store::Database::Transaction tx(db);
  for (const auto& target : targets) {
    const auto s = shipments.find(target.order_row_id, target.shipment_key);
    const auto name = fmt::format("shipment {} of order {}", target.shipment_key, o.order);
    if (!s || s->uploaded_at.empty() || s->state == "pending" || s->state == "failed" || s->state == "skipped") {
      throw UsageError(fmt::format("{} has no uploaded number to correct: use `uoms tracking set{}`", name,
                                   s ? " --replace" : ""));
    }
    if (s->state == "sending" || s->state == "correcting") {
      throw UsageError(fmt::format("{} is being sent by an upload-tracking pass; run this again after it", name));
    }
    if (s->state == "attention" && s->correction_number.empty()) {
      throw UsageError(fmt::format("{} needs attention ({}); uoms does not know which number the marketplace holds",
                                   name, s->last_error));
    }
    if (s->tracking_number == number && s->carrier == carrier) {
      // The marketplace already holds it: a queued or refused correction is forgotten.
      dropped += shipments.drop_correction(s->id, now) ? 1 : 0;
      continue;
    }
    for (const auto& status : s->item_statuses.empty() ? std::vector<std::string>{s->order_status} : s->item_statuses) {
      if (upload::blocks_upload(parse_order_status(status).value_or(OrderStatus::unknown))) {
        throw UsageError(fmt::format("order {} is {}: a tracking number is not corrected", o.order, status));
      }
    }
    if (s->correction_number == number && s->correction_carrier == carrier && s->state == "correct") continue;
    queued += shipments.queue_correction(s->id, carrier, number, now) ? 1 : 0;
  }
  tx.commit();
  if (ctx.json) {
    print_json({{"channel", o.channel}, {"order", o.order}, {"shipments", targets.size()}, {"queued", queued},
                {"dropped", dropped}});
  } else if (!ctx.quiet) {
    fmt::print("{} {}: correction to {} {} queued on {} of {} shipment(s){}; `uoms upload-tracking --channel {}` "
               "sends it\n",
               o.channel, o.order, carrier, number, queued, targets.size(),
               dropped > 0 ? fmt::format(" ({} pending correction(s) dropped)", dropped) : std::string(), o.channel);
  }
  return 0;
}

int run_pending(Context& ctx, const TrackingOptions& o)
{
  store::ShipmentFilter filter;
  filter.channel = o.channel;
  filter.states = o.attention ? std::vector<std::string>{"attention"}
                              : std::vector<std::string>{"pending", "sending", "attention", "correct", "correcting"};
  auto rows = store::Shipments(ctx.read_db()).list(filter);
  if (ctx.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : rows) {
      out.push_back({{"channel", s.channel}, {"order", s.order_id}, {"shipment", s.shipment_key},
                     {"carrier", s.carrier}, {"number", s.tracking_number}, {"state", s.state},
                     {"attempts", s.attempts},
                     {"correction", s.correction_number.empty()
                                      ? nlohmann::json()
                                      : nlohmann::json({{"carrier", s.correction_carrier}, {"number", s.correction_number}})},
                     {"next_attempt_at", s.next_attempt_at.empty() ? nlohmann::json() : nlohmann::json(s.next_attempt_at)},
                     {"error", s.last_error.empty() ? nlohmann::json() : nlohmann::json(s.last_error)}});
    }
    print_json({{"shipments", out}});
    return 0;
  }
  if (rows.empty()) {
    if (!ctx.quiet) fmt::print("{}\n", o.attention ? "nothing needs attention" : "nothing to upload");
    return 0;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& s : rows) {
    const auto number = s.correction_number.empty()
                          ? s.tracking_number
                          : fmt::format("{} -> {} {}", s.tracking_number, s.correction_carrier, s.correction_number);
    table.push_back({s.channel, s.order_id, s.shipment_key, s.carrier, number, s.state,
                     std::to_string(s.attempts), s.next_attempt_at.empty() ? "-" : s.next_attempt_at, s.last_error});
  }
  print_table({"CHANNEL", "ORDER", "SHIPMENT", "CARRIER", "NUMBER", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "ERROR"}, table);
  return 0;
}

std::string csv_field(const std::string& text)
{
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// The upload file for a channel without an upload call (csv): UTF-8 with a BOM so Excel
// opens Korean and Japanese text intact, written atomically.
int run_export(Context& ctx, const TrackingOptions& o)
{
  auto& db = ctx.db();
  channels::load(db, o.channel, nullptr);
  store::Shipments shipments(db);
  auto rows = shipments.list({o.channel, {"pending"}});
  std::erase_if(rows, [](const auto& s) {
    return upload::blocks_upload(parse_order_status(s.order_status).value_or(OrderStatus::unknown));
  });
  std::string text = "\xEF\xBB\xBForder,item,carrier,carrier_name,number\r\n";
  int lines = 0;
  for (const auto& s : rows) {
    const auto* carrier = carriers::find(s.carrier);
    const std::string name = carrier ? std::string(carrier->name) : s.carrier;
    const auto items = s.item_ids.empty() ? std::vector<std::string>{""} : s.item_ids;
    for (const auto& item : items) {
      text += fmt::format("{},{},{},{},{}\r\n", csv_field(s.order_id), csv_field(item), csv_field(s.carrier),
                          csv_field(name), csv_field(s.tracking_number));
      ++lines;
    }
  }
  const std::string tmp = o.file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      throw Failure(fmt::format("cannot write {}", tmp));
    }
  }
  if (std::rename(tmp.c_str(), o.file.c_str()) != 0) {
    throw Failure(fmt::format("cannot write {}", o.file));
  }
  if (o.mark_uploaded && !rows.empty()) {
    const auto now = format_utc(ctx.clock->now());
    store::Database::Transaction tx(db);
    for (const auto& s : rows) shipments.mark(s.id, "uploaded", "exported to " + o.file, 0, now);
    tx.commit();
  }
  if (ctx.json) {
    print_json({{"channel", o.channel}, {"file", o.file}, {"shipments", rows.size()}, {"rows", lines},
                {"marked_uploaded", o.mark_uploaded}});
  } else if (!ctx.quiet) {
    fmt::print("wrote {} rows ({} shipments) to {}{}\n", lines, rows.size(), o.file,
               o.mark_uploaded ? "; marked uploaded" : "; run again with --mark-uploaded once the marketplace has them");
  }
  return 0;
}

} // namespace

Handler setup_tracking(CLI::App& app, Context& ctx)
{
  require_subcommand(app);
  auto o = std::make_shared<TrackingOptions>();
  auto* import = app.add_subcommand("import", "read tracking numbers from a CSV file");
  import->add_option("file", o->file, "CSV with channel,order,item,carrier,number (or 판매처,주문번호,상품주문번호,택배사,송장번호)")
    ->required();
  import->add_option("--encoding", o->encoding, "auto (default), utf-8 or cp949");
  import->add_flag("--strict", o->strict, "any bad row: change nothing and exit 1");
  import->footer("Example:\n  uoms tracking import invoices.csv\n\nExit: 0 all rows taken, 3 some rows refused "
                 "(the rest kept), 1 with --strict and a refused row (nothing changed).");
  auto* set = app.add_subcommand("set", "give one order (or item) a tracking number");
  set->add_option("--channel", o->channel, "channel name")->required();
  set->add_option("--order", o->order, "order id (or shipment key)")->required();
  set->add_option("--item", o->item, "item id: only that item's shipment");
  set->add_option("--carrier", o->carrier, "carrier code (uoms carriers list)")->required();
  set->add_option("--number", o->number, "tracking number")->required();
  set->add_flag("--replace", o->replace, "change a number that has not been uploaded yet");
  set->footer("Example:\n  uoms tracking set --channel coupang-main --order 4000019469460 --carrier CJ --number 612345678901");
  auto* correct = app.add_subcommand("correct", "correct a number the marketplace already holds (Coupang, PlayAuto)");
  correct->add_option("--channel", o->channel, "channel name")->required();
  correct->add_option("--order", o->order, "order id (or shipment key)")->required();
  correct->add_option("--item", o->item, "item id: only that item's shipment");
  correct->add_option("--carrier", o->carrier, "carrier code of the new number (uoms carriers list)")->required();
  correct->add_option("--number", o->number, "the new tracking number")->required();
  correct->footer("Example:\n  uoms tracking correct --channel coupang-main --order 4000019469460 --carrier CJ "
                  "--number 612345678902\n  uoms upload-tracking --channel coupang-main\n\n"
                  "Queues the correction; the next upload-tracking pass sends it through the marketplace's "
                  "correction call (Coupang orders/updateInvoices, PlayAuto order/setInvoice with overwrite), "
                  "exactly once. Kinds without such a call (smartstore, shopee, qoo10jp, csv) are refused with "
                  "exit 2 and nothing changes.");
  auto* pending = app.add_subcommand("pending", "what the next upload-tracking pass would send");
  pending->add_option("--channel", o->channel, "only this channel");
  pending->add_flag("--attention", o->attention, "only numbers parked for an operator");
  pending->footer("Example:\n  uoms tracking pending --attention");
  auto* exporting = app.add_subcommand("export", "write the upload file of a channel without an upload call (csv)");
  exporting->add_option("--channel", o->channel, "channel name")->required();
  exporting->add_option("file", o->file, "CSV to write (UTF-8 with BOM)")->required();
  exporting->add_flag("--mark-uploaded", o->mark_uploaded, "record the exported numbers as uploaded");
  exporting->footer("Example:\n  uoms tracking export --channel shop-csv invoices-out.csv --mark-uploaded");
  return [=, &ctx]() -> int {
    if (exporting->parsed()) return run_export(ctx, *o);
    if (import->parsed()) return run_import(ctx, *o);
    if (set->parsed()) return run_set(ctx, *o);
    if (correct->parsed()) return run_correct(ctx, *o);
    if (pending->parsed()) return run_pending(ctx, *o);
    return static_cast<int>(ExitCode::usage);
  };
}

Handler setup_carriers(CLI::App& app, Context& ctx)
{
  require_subcommand(app);
  auto kind = std::make_shared<std::string>();
  auto* list = app.add_subcommand("list", "the carrier codes and each kind's own code for them");
  list->add_option("--kind", *kind, "only this kind's codes");
  list->footer("Example:\n  uoms carriers list --kind smartstore");
  return [kind, list, &ctx]() -> int {
    (void)list;
    std::vector<const connectors::KindSpec*> kinds;
    for (const auto& k : connectors::kinds()) {
      if (kind->empty() || k.kind == *kind) kinds.push_back(&k);
    }
    if (kinds.empty()) {
      std::vector<std::string> names;
      for (const auto& k : connectors::kinds()) names.push_back(k.kind);
      throw UsageError(fmt::format("unknown kind \"{}\"; kinds: {}", *kind, fmt::join(names, ", ")));
    }
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& c : carriers::all()) {
        nlohmann::json codes = nlohmann::json::object();
        for (const auto* k : kinds) {
          auto code = carriers::code_for(*k, c.code);
          codes[k->kind] = code ? nlohmann::json(*code) : nlohmann::json();
        }
        out.push_back({{"code", c.code}, {"name", c.name}, {"country", c.country}, {"kinds", codes}});
      }
      print_json({{"carriers", out}});
      return 0;
    }
    std::vector<std::string> header = {"CODE", "NAME"};
    for (const auto* k : kinds) header.push_back(k->kind);
    std::vector<std::vector<std::string>> table;
    for (const auto& c : carriers::all()) {
      std::vector<std::string> row = {std::string(c.code), std::string(c.name)};
      for (const auto* k : kinds) row.push_back(carriers::code_for(*k, c.code).value_or("-"));
      table.push_back(std::move(row));
    }
    print_table(header, table);
    return 0;
  };
}

Handler setup_upload_tracking(CLI::App& app, Context& ctx)
{
  struct Flags
  {
    std::vector<std::string> channels;
    int concurrency = 0, retries = 3, limit = 0;
    bool dry_run = false;
  };
  auto f = std::make_shared<Flags>();
  app.add_option("--channel", f->channels, "only this channel (repeatable)");
  app.add_option("--concurrency", f->concurrency, "channels at once (default: collect.concurrency)")
    ->check(CLI::Range(1, config::k_max_concurrency));
  app.add_option("--retries", f->retries, "retries within the pass of a retryable failure, 0-10 (default 3)")
    ->check(CLI::Range(0, 10));
  app.add_option("--limit", f->limit, "at most this many tracking numbers per channel")->check(CLI::PositiveNumber);
  app.add_flag("--dry-run", f->dry_run, "show what would be sent; send and change nothing");
  return [f, &ctx]() -> int {
    upload::Options options;
    options.channels = f->channels;
    options.concurrency = f->concurrency;
    options.retries = f->retries;
    options.limit = f->limit;
    options.dry_run = f->dry_run;
    options.arguments_json = nlohmann::json(ctx.arguments).dump();
    const auto& config = ctx.config();
    ctx.db();
    auto report = upload::run(config, options, *ctx.clock, channels::curl_factory(*ctx.clock));
    if (ctx.json) {
      nlohmann::json channels = nlohmann::json::array();
      for (const auto& c : report.channels) {
        nlohmann::json planned = nlohmann::json::array();
        for (const auto& p : c.planned) {
          planned.push_back({{"order", p.order_id}, {"shipment", p.shipment_key}, {"carrier", p.carrier},
                             {"carrier_code", p.carrier_code}, {"number", p.tracking_number}, {"action", p.action},
                             {"error", p.error.empty() ? nlohmann::json() : nlohmann::json(p.error)}});
        }
        nlohmann::json entry = {{"channel", c.name},         {"kind", c.kind},           {"status", c.status},
                                {"uploaded", c.uploaded},    {"failed", c.failed},       {"skipped", c.skipped},
                                {"retrying", c.retrying},    {"attention", c.attention}, {"settled", c.settled},
                                {"corrected", c.corrected},
                                {"unknown", c.unknown},
                                {"error", c.error.empty() ? nlohmann::json() : nlohmann::json(c.error)}};
        if (report.dry_run) {
          entry["would_send"] = planned;
          nlohmann::json requests = nlohmann::json::array();
          for (const auto& r : c.requests) {
            requests.push_back({{"method", r.method}, {"path", r.path}, {"body", r.body}, {"label", r.label}});
          }
          entry["requests"] = requests;
        }
        channels.push_back(std::move(entry));
      }
      print_json({{"job_id", report.job_id},
                  {"status", report.status},
                  {"exit_code", static_cast<int>(report.exit_code)},
                  {"dry_run", report.dry_run},
                  {"channels", channels},
                  {"notify_errors", report.notify_errors}});
      return static_cast<int>(report.exit_code);
    }
    if (ctx.quiet && report.exit_code == ExitCode::ok) return 0;
    if (quiet_pass(ctx, report.exit_code, "upload-tracking", report.job_id, report.status,
                   channel_errors(report.channels))) {
      return static_cast<int>(report.exit_code);
    }
    std::vector<std::vector<std::string>> table;
    for (const auto& c : report.channels) {
      table.push_back({c.name, c.kind, c.status, std::to_string(c.uploaded), std::to_string(c.corrected),
                       std::to_string(c.failed), std::to_string(c.skipped), std::to_string(c.retrying),
                       std::to_string(c.attention), clip(c.error, false)});
    }
    print_table({"CHANNEL", "KIND", "STATUS", "UPLOADED", "CORRECTED", "FAILED", "SKIPPED", "RETRYING", "ATTENTION",
                 "ERROR"},
                table);
    if (report.dry_run) {
      std::vector<std::vector<std::string>> plan;
      for (const auto& c : report.channels) {
        for (const auto& p : c.planned) {
          plan.push_back({c.name, p.order_id, p.shipment_key, p.carrier, p.carrier_code, p.tracking_number, p.action,
                          p.error});
        }
      }
      if (!plan.empty()) {
        fmt::print("\n");
        print_table({"CHANNEL", "ORDER", "SHIPMENT", "CARRIER", "SENT AS", "NUMBER", "WOULD", "REASON"}, plan);
      }
      // The write calls themselves, body as the marketplace would receive it.
      for (const auto& c : report.channels) {
        if (c.requests.empty()) continue;
        fmt::print("\n{}: {} request{} would be sent\n", c.name, c.requests.size(), c.requests.size() == 1 ? "" : "s");
        for (const auto& r : c.requests) {
          fmt::print("{} {}\n", r.method, r.path);
          if (!r.body.empty()) fmt::print("  {}\n", r.body);
        }
      }
    }
    fmt::print("job {} {}{}\n", report.job_id, report.status, report.dry_run ? " (dry run: nothing was sent)" : "");
    return static_cast<int>(report.exit_code);
  };
}

} // namespace uoms::cli
