#include "cli.hpp"

#include "uoms/channels.hpp"
#include "uoms/error.hpp"

#include <fmt/format.h>

namespace uoms::cli {

Handler setup_config(CLI::App& app, Context& ctx)
{
  require_subcommand(app);
  auto* show = app.add_subcommand("show", "print every effective value and where it comes from");
  return [show, &ctx]() -> int {
    (void)show;
    const auto& config = ctx.config();
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& e : config.entries) out.push_back({{"key", e.key}, {"value", e.value}, {"origin", e.origin}});
      print_json({{"file", config.file.string()}, {"values", out}});
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : config.entries) rows.push_back({e.key, e.value, e.origin});
    print_table({"KEY", "VALUE", "ORIGIN"}, rows);
    return 0;
  };
}

Handler setup_migrate(CLI::App&, Context& ctx)
{
  return [&ctx]() -> int {
    const auto& config = ctx.config();
    auto db = store::Database::open(config.database, true);
    // open() migrates; report the resulting version.
    int version = db.schema_version();
    if (ctx.json) print_json({{"database", config.database.string()}, {"schema_version", version}});
    else if (!ctx.quiet) fmt::print("database {} is at schema version {}\n", config.database.string(), version);
    return 0;
  };
}

Handler setup_orders(CLI::App& app, Context& ctx)
{
  require_subcommand(app);
  auto channel = std::make_shared<std::string>();
  auto limit = std::make_shared<int>(50);
  auto* list = app.add_subcommand("list", "list collected orders, newest first");
  list->add_option("--channel", *channel, "only this channel");
  list->add_option("--limit", *limit, "at most this many (0 = all)")->check(CLI::NonNegativeNumber);
  return [=, &ctx]() -> int {
    auto rows = store::Orders(ctx.read_db()).list(*channel, *limit);
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& r : rows) {
        out.push_back({{"channel", r.channel}, {"external_id", r.external_id}, {"status", r.status},
                       {"raw_status", r.raw_status}, {"ordered_at", r.ordered_at}, {"currency", r.currency},
                       {"total_minor", r.total_minor}, {"items", r.items}, {"updated_at", r.updated_at}});
      }
      print_json({{"orders", out}});
      return 0;
    }
    std::vector<std::vector<std::string>> table;
    for (const auto& r : rows) {
      table.push_back({r.channel, r.external_id, r.status, r.ordered_at, fmt::format("{} {}", r.total_minor, r.currency),
                       std::to_string(r.items), r.receiver_name});
    }
    if (table.empty()) {
      if (!ctx.quiet) fmt::print("no orders\n");
      return 0;
    }
    print_table({"CHANNEL", "ORDER", "STATUS", "ORDERED", "TOTAL", "ITEMS", "RECEIVER"}, table);
    return 0;
  };
}

} // namespace uoms::cli
