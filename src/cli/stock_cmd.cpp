#include "cli.hpp"

#include "uoms/util/text.hpp"

#include "uoms/channels.hpp"
#include "uoms/error.hpp"
#include "uoms/stock.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace uoms::cli {

namespace {

std::string read_whole(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json optional_json(const std::optional<std::int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }
std::string optional_text(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "-"; }
nlohmann::json text_or_null(const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); }

void print_oversold(Context& ctx, const std::vector<store::Oversold>& oversold)
{
  if (ctx.json) return;
  for (const auto& o : oversold) {
    fmt::print(stderr, "uoms: OVERSOLD {}: {} order {} item {} leaves on hand {} below reserved {}\n", o.sku,
               o.channel, o.order_id, o.item_id, o.on_hand, o.reserved);
  }
}

nlohmann::json oversold_json(const std::vector<store::Oversold>& oversold)
{
  nlohmann::json out = nlohmann::json::array();
  for (const auto& o : oversold) {
    out.push_back({{"sku", o.sku}, {"channel", o.channel}, {"order", o.order_id}, {"item", o.item_id},
                   {"on_hand", o.on_hand}, {"reserved", o.reserved}});
  }
  return out;
}

std::int64_t available_of(const store::ProductRow& p)
{
  return store::available(p.on_hand, p.reserved, p.safety_buffer);
}

} // namespace

Handler setup_products(CLI::App& app, Context& ctx)
{
  require_subcommand(app);
  struct Flags
  {
    std::string file, encoding = "auto", sku, name;
    bool strict = false;
    std::optional<std::int64_t> on_hand;
    std::optional<int> buffer;
    std::optional<bool> restock;
  };
  auto f = std::make_shared<Flags>();
  auto* import = app.add_subcommand("import", "read the SKU master from a CSV file (a stock count)");
  import->add_option("file", f->file, "CSV with sku,name,on_hand[,safety_buffer] (or 상품코드,상품명,재고,안전재고)")
    ->required();
  import->add_option("--encoding", f->encoding, "auto (default), utf-8 or cp949");
  import->add_flag("--strict", f->strict, "any bad row: change nothing and exit 1");
  import->footer("Example:\n  uoms products import products.csv\n\nExit: 0 all rows taken, 3 some rows refused "
                 "(the rest kept), 1 with --strict and a refused row (nothing changed).");
  auto* set = app.add_subcommand("set", "create or change one product");
  set->add_option("sku", f->sku, "the seller's own code")->required();
  set->add_option("--name", f->name, "product name");
  set->add_option("--on-hand", f->on_hand, "units counted in the warehouse now (a stock count)")
    ->check(CLI::Range(std::int64_t{0}, stock::k_max_on_hand));
  set->add_option("--safety-buffer", f->buffer, "units never offered on any channel")
    ->check(CLI::Range(0, stock::k_max_buffer));
  set->add_option("--restock-returns", f->restock, "whether a completed return goes back on hand (true/false)");
  set->footer("Example:\n  uoms products set SKU-EAR-WH --name \"Earphones white\" --on-hand 40 --safety-buffer 2");
  auto* list = app.add_subcommand("list", "every product with on hand, reserved and available");
  return [=, &ctx]() -> int {
    auto& db = list->parsed() ? ctx.read_db() : ctx.db();
    const auto now = format_utc(ctx.clock->now());
    if (import->parsed()) {
      stock::ImportResult r;
      try {
        r = stock::import_products(db, read_whole(f->file), {f->encoding, f->strict, now});
      } catch (const UsageError& e) {
        throw UsageError(fmt::format("{}: {}", f->file, e.what()));
      }
      const bool refused = !r.problems.empty();
      if (!ctx.json) {
        for (const auto& p : r.problems) fmt::print(stderr, "uoms: {}:{}: {}\n", f->file, p.line, p.message);
      }
      if (refused && f->strict && !ctx.json) {
        throw Failure(fmt::format("{}: {} of {} rows refused (--strict): nothing was changed", f->file,
                                  r.problems.size(), r.rows));
      }
      print_oversold(ctx, r.oversold);
      if (ctx.json) {
        nlohmann::json problems = nlohmann::json::array();
        for (const auto& p : r.problems) problems.push_back({{"line", p.line}, {"error", p.message}});
        print_json({{"file", f->file}, {"rows", r.rows}, {"created", r.created}, {"updated", r.updated},
                    {"listings_mapped", r.mapped}, {"refused", problems}, {"oversold", oversold_json(r.oversold)},
                    {"changed_nothing", refused && f->strict}});
      } else if (!ctx.quiet || refused) {
        fmt::print("{}: {} rows, {} products created, {} updated, {} listings mapped, {} refused\n", f->file, r.rows,
                   r.created, r.updated, r.mapped, r.problems.size());
      }
      if (!refused) return 0;
      return static_cast<int>(f->strict ? ExitCode::failed : ExitCode::partial);
    }
    if (set->parsed()) {
      store::ProductInput input;
      input.sku = f->sku;
      if (!f->name.empty()) input.name = f->name;
      input.on_hand = f->on_hand;
      input.safety_buffer = f->buffer;
      input.restock_returns = f->restock;
      const auto r = stock::set_product(db, input, now);
      print_oversold(ctx, r.oversold);
      const auto p = *store::Products(db).find(f->sku);
      if (ctx.json) {
        print_json({{"sku", p.sku}, {"created", r.created}, {"on_hand", p.on_hand}, {"reserved", p.reserved},
                    {"safety_buffer", p.safety_buffer}, {"available", available_of(p)}, {"listings_mapped", r.mapped},
                    {"oversold", oversold_json(r.oversold)}});
      } else if (!ctx.quiet) {
        fmt::print("{} {}: on hand {}, reserved {}, available {}{}\n", p.sku, r.created ? "created" : "updated",
                   p.on_hand, p.reserved, available_of(p),
                   r.mapped > 0 ? fmt::format(" ({} listings mapped)", r.mapped) : std::string());
      }
      return 0;
    }
    (void)list;
    const auto products = store::Products(db).list();
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& p : products) {
        out.push_back({{"sku", p.sku}, {"name", p.name}, {"on_hand", p.on_hand}, {"reserved", p.reserved},
                       {"safety_buffer", p.safety_buffer}, {"available", available_of(p)},
                       {"restock_returns", p.restock_returns}, {"counted_at", p.counted_at}});
      }
      print_json({{"products", out}});
      return 0;
    }
    if (products.empty()) {
      if (!ctx.quiet) fmt::print("no products (import them with `uoms products import FILE.csv`)\n");
      return 0;
    }
    std::vector<std::vector<std::string>> table;
    for (const auto& p : products) {
      table.push_back({p.sku, p.name, std::to_string(p.on_hand), std::to_string(p.reserved),
                       std::to_string(p.safety_buffer), std::to_string(available_of(p)), p.counted_at});
    }
    print_table({"SKU", "NAME", "ON HAND", "RESERVED", "BUFFER", "AVAILABLE", "COUNTED AT"}, table);
    return 0;
  };
}

Handler setup_listings(CLI::App& app, Context& ctx)
{
  require_subcommand(app);
  struct Flags
  {
    std::vector<std::string> channels;
    std::string channel, sku, item, option;
    bool unmapped = false;
  };
  auto f = std::make_shared<Flags>();
  auto* fetch = app.add_subcommand("fetch", "read each channel's catalogue into listings (a recorded job)");
  fetch->add_option("--channel", f->channels, "only this channel (repeatable)");
  fetch->footer("Example:\n  uoms listings fetch --channel shopee-sg\n\nKinds whose contract has no catalogue call "
                "(coupang, playauto, csv) are skipped: their listings come from collected orders.");
  auto* map = app.add_subcommand("map", "map a channel's listing to a SKU");
  map->add_option("--channel", f->channel, "channel name")->required();
  map->add_option("--sku", f->sku, "the product's SKU")->required();
  map->add_option("--item", f->item, "the marketplace's item/product id")->required();
  map->add_option("--option", f->option, "the option/model id, for a listing with options");
  map->footer("Example:\n  uoms listings map --channel coupang-main --sku SKU-EAR-WH --item 1200300000 --option 3823800000");
  auto* unmap = app.add_subcommand("unmap", "unmap a listing (automatic mapping leaves it alone afterwards)");
  unmap->add_option("--channel", f->channel, "channel name")->required();
  unmap->add_option("--item", f->item, "the marketplace's item/product id")->required();
  unmap->add_option("--option", f->option, "the option/model id");
  auto* list = app.add_subcommand("list", "every listing and the SKU it is mapped to");
  list->add_option("--channel", f->channel, "only this channel");
  list->add_flag("--unmapped", f->unmapped, "only listings not mapped to a SKU");
  return [=, &ctx]() -> int {
    auto& db = list->parsed() ? ctx.read_db() : ctx.db();
    const auto now = format_utc(ctx.clock->now());
    if (fetch->parsed()) {
      stock::FetchOptions options;
      options.channels = f->channels;
      options.arguments_json = nlohmann::json(ctx.arguments).dump();
      auto report = stock::fetch_listings(ctx.config(), options, *ctx.clock, channels::curl_factory(*ctx.clock));
      if (ctx.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& c : report.channels) {
          out.push_back({{"channel", c.name}, {"kind", c.kind}, {"status", c.status}, {"listings", c.listings},
                         {"created", c.created}, {"mapped", c.mapped}, {"failed", c.failed},
                         {"oversold", c.oversold}, {"error", text_or_null(c.error)}});
        }
        print_json({{"job_id", report.job_id}, {"status", report.status},
                    {"exit_code", static_cast<int>(report.exit_code)}, {"channels", out},
                    {"notify_errors", report.notify_errors}});
      } else if (quiet_pass(ctx, report.exit_code, "listings fetch", report.job_id, report.status,
                            channel_errors(report.channels))) {
      } else if (!ctx.quiet || report.exit_code != ExitCode::ok) {
        std::vector<std::vector<std::string>> table;
        for (const auto& c : report.channels) {
          table.push_back({c.name, c.kind, c.status, std::to_string(c.listings), std::to_string(c.created),
                           std::to_string(c.mapped), std::to_string(c.failed), clip(c.error, false)});
        }
        print_table({"CHANNEL", "KIND", "STATUS", "LISTINGS", "NEW", "MAPPED", "FAILED", "NOTE"}, table);
        fmt::print("job {} {}\n", report.job_id, report.status);
      }
      return static_cast<int>(report.exit_code);
    }
    if (map->parsed()) {
      const auto oversold = stock::map_listing(db, f->channel, f->item, f->option, f->sku, now);
      print_oversold(ctx, oversold);
      if (ctx.json) {
        print_json({{"channel", f->channel}, {"item", f->item}, {"option", f->option}, {"sku", f->sku},
                    {"oversold", oversold_json(oversold)}});
      } else if (!ctx.quiet) {
        fmt::print("{} {}{}{} mapped to {}\n", f->channel, f->item, f->option.empty() ? "" : "/", f->option, f->sku);
      }
      return 0;
    }
    if (unmap->parsed()) {
      stock::unmap_listing(db, f->channel, f->item, f->option, now);
      if (ctx.json) {
        print_json({{"channel", f->channel}, {"item", f->item}, {"option", f->option}, {"unmapped", true}});
      } else if (!ctx.quiet) {
        fmt::print("{} {}{}{} unmapped\n", f->channel, f->item, f->option.empty() ? "" : "/", f->option);
      }
      return 0;
    }
    (void)list;
    if (!f->channel.empty()) channels::load(db, f->channel, nullptr);
    store::ListingFilter filter;
    filter.channel = f->channel;
    filter.unmapped_only = f->unmapped;
    const auto rows = store::Listings(db).list(filter);
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& l : rows) {
        out.push_back({{"channel", l.channel}, {"item", l.item_id}, {"option", l.option_id},
                       {"seller_code", text_or_null(l.seller_code)}, {"name", text_or_null(l.name)},
                       {"source", l.source}, {"sku", text_or_null(l.sku)}, {"mapped_by", text_or_null(l.mapped_by)},
                       {"remote_quantity", optional_json(l.remote_quantity)},
                       {"pushed_quantity", optional_json(l.pushed_quantity)}, {"pushed_at", text_or_null(l.pushed_at)},
                       {"held_back", l.held_drift}, {"items", l.items}});
      }
      print_json({{"listings", out}});
      return 0;
    }
    if (rows.empty()) {
      if (!ctx.quiet) fmt::print("{}\n", f->unmapped ? "every listing is mapped" : "no listings yet (collect orders or `uoms listings fetch`)");
      return 0;
    }
    std::vector<std::vector<std::string>> table;
    for (const auto& l : rows) {
      table.push_back({l.channel, l.item_id, l.option_id.empty() ? "-" : l.option_id, l.seller_code.empty() ? "-" : l.seller_code,
                       l.sku.empty() ? "(unmapped)" : l.sku, l.mapped_by.empty() ? "-" : l.mapped_by,
                       optional_text(l.remote_quantity), optional_text(l.pushed_quantity), std::to_string(l.items),
                       std::string(util::utf8_prefix(l.name, 40))});
    }
    print_table({"CHANNEL", "ITEM", "OPTION", "SELLER CODE", "SKU", "MAPPED BY", "REMOTE", "PUSHED", "ITEMS", "NAME"},
                table);
    return 0;
  };
}

Handler setup_stock(CLI::App& app, Context& ctx)
{
  require_subcommand(app);
  struct Flags
  {
    std::string sku, delta, reason;
  };
  auto f = std::make_shared<Flags>();
  auto* adjust = app.add_subcommand("adjust", "correct on hand by +N or -N (recorded with its reason)");
  adjust->add_option("sku", f->sku, "the product's SKU")->required();
  adjust->add_option("delta", f->delta, "+N or -N")->required()->allow_extra_args(false);
  adjust->add_option("--reason", f->reason, "why (kept in the ledger)")->required();
  adjust->footer("Example:\n  uoms stock adjust SKU-EAR-WH -2 --reason \"damaged in the warehouse\"");
  adjust->positionals_at_end(false);
  auto* show = app.add_subcommand("show", "on hand, reserved, buffer, available, listings and recent movements");
  show->add_option("sku", f->sku, "one product (default: all)");
  return [=, &ctx]() -> int {
    auto& db = show->parsed() ? ctx.read_db() : ctx.db();
    const auto now = format_utc(ctx.clock->now());
    if (adjust->parsed()) {
      std::int64_t delta = 0;
      const std::string_view text = f->delta;
      const auto body = text.starts_with('+') ? text.substr(1) : text;
      const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), delta);
      if (body.empty() || ec != std::errc() || end != body.data() + body.size()) {
        throw UsageError(fmt::format("\"{}\" is not +N or -N", f->delta));
      }
      stock::adjust(db, f->sku, delta, f->reason, now);
      const auto p = *store::Products(db).find(f->sku);
      if (ctx.json) {
        print_json({{"sku", p.sku}, {"delta", delta}, {"on_hand", p.on_hand}, {"reserved", p.reserved},
                    {"available", available_of(p)}});
      } else if (!ctx.quiet) {
        fmt::print("{}: on hand {} ({:+}), reserved {}, available {}\n", p.sku, p.on_hand, delta, p.reserved,
                   available_of(p));
      }
      return 0;
    }
    (void)show;
    store::Products products(db);
    std::vector<store::ProductRow> rows;
    if (!f->sku.empty()) {
      auto p = products.find(f->sku);
      if (!p) throw UsageError(fmt::format("no product with SKU \"{}\" (see `uoms products list`)", f->sku));
      rows.push_back(*p);
    } else {
      rows = products.list();
    }
    store::Listings listings(db);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : rows) {
      const auto mine = listings.list({"", false, true, {p.sku}});
      const auto moves = products.movements(p.id, f->sku.empty() ? 5 : 20);
      if (ctx.json) {
        nlohmann::json ls = nlohmann::json::array(), ms = nlohmann::json::array();
        for (const auto& l : mine) {
          ls.push_back({{"channel", l.channel}, {"item", l.item_id}, {"option", l.option_id},
                        {"buffer", optional_json(l.safety_buffer)}, {"pushed_quantity", optional_json(l.pushed_quantity)},
                        {"pushed_at", text_or_null(l.pushed_at)}, {"remote_quantity", optional_json(l.remote_quantity)},
                        {"held_back", l.held_drift}});
        }
        for (const auto& m : moves) {
          ms.push_back({{"reason", m.reason}, {"on_hand", m.on_hand_delta}, {"reserved", m.reserved_delta},
                        {"channel", text_or_null(m.channel)}, {"order", text_or_null(m.order_id)},
                        {"item", text_or_null(m.item_id)}, {"note", text_or_null(m.note)}, {"at", m.created_at}});
        }
        out.push_back({{"sku", p.sku}, {"name", p.name}, {"on_hand", p.on_hand}, {"reserved", p.reserved},
                       {"safety_buffer", p.safety_buffer}, {"available", available_of(p)}, {"listings", ls},
                       {"movements", ms}});
        continue;
      }
      fmt::print("{} {}: on hand {}, reserved {}, buffer {}, available {}\n", p.sku, p.name, p.on_hand, p.reserved,
                 p.safety_buffer, available_of(p));
      std::vector<std::vector<std::string>> table;
      for (const auto& l : mine) {
        table.push_back({l.channel, l.option_id.empty() ? l.item_id : l.item_id + "/" + l.option_id,
                         optional_text(l.pushed_quantity), l.pushed_at.empty() ? "-" : l.pushed_at,
                         optional_text(l.remote_quantity), std::to_string(l.held_drift)});
      }
      if (!table.empty()) print_table({"  CHANNEL", "LISTING", "PUSHED", "PUSHED AT", "REMOTE", "HELD BACK"}, table);
      table.clear();
      for (const auto& m : moves) {
        table.push_back({m.created_at, m.reason, fmt::format("{:+}", m.on_hand_delta), fmt::format("{:+}", m.reserved_delta),
                         m.order_id.empty() ? "-" : m.channel + " " + m.order_id + "/" + m.item_id, m.note});
      }
      if (!table.empty()) print_table({"  AT", "MOVEMENT", "ON HAND", "RESERVED", "ORDER ITEM", "NOTE"}, table);
    }
    if (ctx.json) {
      nlohmann::json unmapped = nlohmann::json::array();
      for (const auto& u : store::Ledger(db).unmapped()) {
        unmapped.push_back({{"channel", u.channel}, {"items", u.items}, {"units", u.units}});
      }
      print_json({{"products", out}, {"unmapped_items", unmapped}});
    } else {
      for (const auto& u : store::Ledger(db).unmapped()) {
        fmt::print("{}: {} collected items ({} units) are not mapped to a SKU (uoms listings list --unmapped)\n",
                   u.channel, u.items, u.units);
      }
    }
    return 0;
  };
}

Handler setup_sync_stock(CLI::App& app, Context& ctx)
{
  struct Flags
  {
    std::vector<std::string> channels, skus;
    int concurrency = 0, retries = 3;
    bool full = false, dry_run = false;
  };
  auto f = std::make_shared<Flags>();
  app.add_option("--channel", f->channels, "only this channel (repeatable)");
  app.add_option("--sku", f->skus, "only listings mapped to this SKU (repeatable)");
  app.add_flag("--full", f->full, "push every mapped listing, changed or not");
  app.add_flag("--dry-run", f->dry_run, "show what would be pushed; push and change nothing");
  app.add_option("--retries", f->retries, "retries within the pass of a throttled or busy listing, 0-10 (default 3)")
    ->check(CLI::Range(0, 10));
  app.add_option("--concurrency", f->concurrency, "channels at once (default: collect.concurrency)")
    ->check(CLI::Range(1, config::k_max_concurrency));
  return [f, &ctx]() -> int {
    stock::SyncOptions options;
    options.channels = f->channels;
    options.skus = f->skus;
    options.full = f->full;
    options.dry_run = f->dry_run;
    options.retries = f->retries;
    options.concurrency = f->concurrency;
    options.arguments_json = nlohmann::json(ctx.arguments).dump();
    const auto& config = ctx.config();
    ctx.db();
    auto report = stock::sync(config, options, *ctx.clock, channels::curl_factory(*ctx.clock));
    if (ctx.json) {
      nlohmann::json channels = nlohmann::json::array();
      for (const auto& c : report.channels) {
        nlohmann::json entry = {{"channel", c.name},     {"kind", c.kind},       {"status", c.status},
                                {"listings", c.listings}, {"pushed", c.pushed},   {"unchanged", c.unchanged},
                                {"failed", c.failed},     {"drift", c.drift},     {"settled", c.settled},
                                {"error", text_or_null(c.error)}};
        if (report.dry_run) {
          nlohmann::json plan = nlohmann::json::array();
          for (const auto& p : c.plan) {
            plan.push_back({{"item", p.item_id}, {"option", p.option_id}, {"sku", p.sku}, {"remote", optional_json(p.remote)},
                            {"last_pushed", optional_json(p.last_pushed)}, {"planned", p.planned},
                            {"held_back", p.held}, {"request", p.request}});
          }
          entry["would_push"] = plan;
        }
        channels.push_back(std::move(entry));
      }
      print_json({{"job_id", report.job_id}, {"status", report.status},
                  {"exit_code", static_cast<int>(report.exit_code)}, {"dry_run", report.dry_run},
                  {"channels", channels}, {"notify_errors", report.notify_errors}});
      return static_cast<int>(report.exit_code);
    }
    if (ctx.quiet && report.exit_code == ExitCode::ok) return 0;
    if (quiet_pass(ctx, report.exit_code, "sync-stock", report.job_id, report.status,
                   channel_errors(report.channels))) {
      return static_cast<int>(report.exit_code);
    }
    std::vector<std::vector<std::string>> table;
    for (const auto& c : report.channels) {
      table.push_back({c.name, c.kind, c.status, std::to_string(c.listings), std::to_string(c.pushed),
                       std::to_string(c.unchanged), std::to_string(c.failed), std::to_string(c.drift),
                       clip(c.error, false)});
    }
    print_table({"CHANNEL", "KIND", "STATUS", "LISTINGS", "PUSHED", "UNCHANGED", "FAILED", "DRIFT", "NOTE"}, table);
    if (report.dry_run) {
      std::vector<std::vector<std::string>> plan;
      for (const auto& c : report.channels) {
        for (const auto& p : c.plan) {
          plan.push_back({c.name, p.option_id.empty() ? p.item_id : p.item_id + "/" + p.option_id, p.sku,
                          optional_text(p.remote), optional_text(p.last_pushed), std::to_string(p.planned),
                          p.request.empty() ? "-" : p.request});
        }
      }
      if (!plan.empty()) {
        fmt::print("\n");
        print_table({"CHANNEL", "LISTING", "SKU", "REMOTE", "LAST PUSHED", "WOULD PUSH", "REQUEST"}, plan);
      }
    }
    fmt::print("job {} {}{}\n", report.job_id, report.status, report.dry_run ? " (dry run: nothing was pushed)" : "");
    return static_cast<int>(report.exit_code);
  };
}

} // namespace uoms::cli
