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

} // namespace uoms::cli
