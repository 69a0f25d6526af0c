#include "cli.hpp"

#include "uoms/collect.hpp"
#include "uoms/error.hpp"
#include "uoms/log.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include <unistd.h>

namespace uoms::cli {

namespace {

constexpr const char* k_exit_codes =
  "Exit codes: 0 done, 1 the pass failed, 2 usage error, 3 partial (some channels or orders failed,\n"
  "the rest were saved), 4 configuration or credential error, 5 skipped (another pass holds the lock),\n"
  "130 interrupted.";

void on_signal(int)
{
  collect::g_interrupted = true;
}

std::optional<log::Level> level_from(std::string_view name)
{
  if (name == "error") return log::Level::error;
  if (name == "warn") return log::Level::warn;
  if (name == "info") return log::Level::info;
  if (name == "debug") return log::Level::debug;
  return std::nullopt;
}

// Names the first word on the command line that is neither a flag, a flag's value nor a
// command of the level it appears at, with a suggestion: `unknown command "collet"
// (did you mean "collect"?)`.
std::optional<std::string> unknown_command(CLI::App& app, int argc, char** argv)
{
  CLI::App* level = &app;
  std::string path = "uoms";
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.empty() || word[0] == '-') {
      // Options that take a value consume the next word.
      auto* option = level->get_option_no_throw(word.substr(0, word.find('=')));
      if (!option) option = app.get_option_no_throw(word.substr(0, word.find('=')));
      if (option && option->get_type_size() != 0 && word.find('=') == std::string::npos) ++i;
      continue;
    }
    auto subs = level->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) {
      return std::nullopt; // a positional argument of a leaf command
    }
    std::vector<std::string> names;
    CLI::App* next = nullptr;
    for (auto* sub : subs) {
      names.push_back(sub->get_name());
      if (sub->get_name() == word) next = sub;
    }
    if (!next) {
      return fmt::format("unknown command \"{}\"{}; see {} --help", word, util::did_you_mean(word, names),
                         path);
    }
    level = next;
    path += " " + word;
  }
  return std::nullopt;
}

} // namespace

const config::Config& Context::config()
{
  if (!m_config) {
    m_config = config::load(overrides, env);
  }
  return *m_config;
}

store::Database& Context::db(bool create)
{
  if (!m_db) {
    m_db.emplace(store::Database::open(config().database, create));
  }
  return *m_db;
}

store::Database& Context::read_db()
{
  if (!m_db) {
    m_db.emplace(store::Database::open_for_reading(config().database));
  }
  return *m_db;
}

const std::vector<Command>& commands()
{
  static const std::vector<Command> table = {
    {"init", "write a starter uoms.toml, a secret key file and an empty database", "uoms init --dir /etc/uoms",
     setup_init},
    {"collect", "fetch new and changed orders from every enabled channel",
     "uoms --config /etc/uoms/uoms.toml collect --quiet", setup_collect},
    {"upload-tracking", "push tracking numbers to the marketplaces", "uoms upload-tracking --dry-run",
     setup_upload_tracking},
    {"tracking", "import, set, correct and list the tracking numbers upload-tracking sends",
     "uoms tracking import invoices.csv", setup_tracking},
    {"carriers", "the carrier codes and each marketplace's code for them", "uoms carriers list --kind smartstore",
     setup_carriers},
    {"sync-stock", "push available stock to every mapped channel listing", "uoms sync-stock --dry-run",
     setup_sync_stock},
    {"products", "import, set and list the SKU master (a stock count)", "uoms products import products.csv",
     setup_products},
    {"listings", "fetch, map, unmap and list what each channel sells", "uoms listings list --unmapped",
     setup_listings},
    {"stock", "adjust on hand and show the ledger", "uoms stock show SKU-EAR-WH", setup_stock},
    {"channels", "add, list, show, update, enable, disable, remove and test channels",
     "uoms channels add coupang-main --kind coupang --set vendor_id=A00012345 --secret-env access_key=CP_AK "
     "--secret-env secret_key=CP_SK",
     setup_channels},
    {"jobs", "list, show, detail and prune recorded jobs", "uoms jobs list --kind collect --status partial",
     setup_jobs},
    {"orders", "list collected orders", "uoms orders list --channel coupang-main --limit 20", setup_orders},
    {"config", "show the effective configuration and where each value comes from", "uoms config show",
     setup_config},
    {"migrate", "apply pending database migrations", "uoms migrate", setup_migrate},
  };
  return table;
}

void require_subcommand(CLI::App& app)
{
  app.require_subcommand(1);
}

namespace {

bool g_json_printed = false; // a command printed its JSON document

bool has_flag(int argc, char** argv, std::string_view flag)
{
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == flag) return true;
    if (std::string_view(argv[i]) == "--") break;
  }
  return false;
}

int run_command(int argc, char** argv, Context& ctx, bool& exit_zero);

} // namespace

int run(int argc, char** argv)
{
  Context ctx;
  SystemClock clock;
  ctx.clock = &clock;
  ctx.env = config::read_environment();
  for (int i = 1; i < argc; ++i) ctx.arguments.emplace_back(argv[i]);
  auto env_zero = ctx.env.find("UOMS_EXIT_ZERO");
  bool exit_zero = env_zero != ctx.env.end() && env_zero->second == "1";
  const int code = run_command(argc, argv, ctx, exit_zero);
  std::fflush(stdout);
  // Hosts that throw stdout away on a failed command (n8n 1.x) get the real code in the JSON.
  return exit_zero ? 0 : code;
}

namespace {

int run_command(int argc, char** argv, Context& ctx, bool& exit_zero)
{
  // Every outcome is one line on stderr and, with --json, one JSON document on stdout,
  // usage and configuration errors included, so a scheduler can always parse stdout.
  const bool json_wanted = has_flag(argc, argv, "--json");
  auto fail = [&](int code, const std::string& message) {
    std::fflush(stdout);
    std::fprintf(stderr, "uoms: error: %s\n", message.c_str());
    if (json_wanted && !g_json_printed) {
      print_json({{"status", "failed"}, {"exit_code", code}, {"error", message}});
    }
    return code;
  };

  CLI::App app{"uoms: one pass over every marketplace channel: collect orders, upload tracking, sync stock."};
  app.name("uoms");
  std::string footer = "Examples:\n";
  for (const auto& c : commands()) footer += fmt::format("  {}\n", c.example);
  footer += std::string("\n") + k_exit_codes;
  app.footer(footer);
  app.set_version_flag("--version", std::string("uoms ") + UOMS_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  std::string config_file, db_file, log_format, trigger;
  app.add_option("--config", config_file, "configuration file (default: $UOMS_CONFIG or ./uoms.toml)");
  app.add_option("--db", db_file, "database file (overrides the configuration)");
  app.add_flag("--json", ctx.json, "print one JSON document on stdout, whatever the outcome");
  app.add_flag("--exit-zero", exit_zero,
               "exit 0 whatever happened; the real code is in the --json document (also UOMS_EXIT_ZERO=1)");
  app.add_flag("-q,--quiet", ctx.quiet, "print nothing on success");
  app.add_flag("-v,--verbose", ctx.verbose, "more log output on stderr (-vv for debug)");
  app.add_option("--log-format", log_format, "log format on stderr")->check(CLI::IsMember({"text", "json"}));
  app.add_option("--trigger", trigger, "what started this run, recorded in jobs (default $UOMS_TRIGGER or manual)")
    ->check(CLI::IsMember({"manual", "cron", "n8n"}));

  std::vector<std::pair<CLI::App*, Handler>> handlers;
  for (const auto& c : commands()) {
    auto* sub = app.add_subcommand(c.name, c.summary);
    sub->footer("Example:\n  " + c.example + "\n\n" + k_exit_codes);
    handlers.emplace_back(sub, c.setup(*sub, ctx));
  }
  if (argc == 3 && std::string_view(argv[1]) == "--generate") return generate(app, argv[2], k_exit_codes);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    const int usage = static_cast<int>(ExitCode::usage);
    if (auto message = unknown_command(app, argc, argv)) return fail(usage, *message);
    return fail(usage, fmt::format("{}; see uoms --help", e.what()));
  } catch (const CLI::RequiredError& e) {
    const int usage = static_cast<int>(ExitCode::usage);
    if (auto message = unknown_command(app, argc, argv)) return fail(usage, *message);
    if (app.get_subcommands().empty()) return fail(usage, "a command is required; see uoms --help");
    return fail(usage, fmt::format("{}; see uoms {} --help", e.what(), app.get_subcommands().front()->get_name()));
  } catch (const CLI::ParseError& e) {
    return fail(static_cast<int>(ExitCode::usage), e.what());
  }

  if (!config_file.empty()) ctx.overrides.config_file = config_file;
  if (!db_file.empty()) ctx.overrides.database = db_file;
  if (!log_format.empty()) ctx.overrides.log_format = log_format;
  if (!trigger.empty()) ctx.overrides.trigger = trigger;
  if (ctx.verbose == 1) ctx.overrides.log_level = "info";
  if (ctx.verbose >= 2) ctx.overrides.log_level = "debug";
  if (ctx.quiet && !ctx.verbose) ctx.overrides.log_level = "error";

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    // Logging follows the flags and environment before any config file is read, so
    // errors while loading it are formatted as asked.
    auto env_format = ctx.env.find("UOMS_LOG_FORMAT");
    std::string format = log_format.empty() && env_format != ctx.env.end() ? env_format->second : log_format;
    log::configure(level_from(ctx.overrides.log_level.value_or("warn")).value_or(log::Level::warn),
                   format == "json" ? log::Format::json : log::Format::text);
    for (auto& [sub, handler] : handlers) {
      if (sub->parsed()) {
        int code = handler();
        std::fflush(stdout);
        return code;
      }
    }
    return static_cast<int>(ExitCode::usage);
  } catch (const Error& e) {
    return fail(static_cast<int>(e.code()), log::redact(e.what()));
  } catch (const std::exception& e) {
    return fail(static_cast<int>(ExitCode::failed), log::redact(e.what()));
  }
}

} // namespace

// --- output -----------------------------------------------------------------

namespace {

// Display width of UTF-8 text: East Asian wide characters count two columns.
std::size_t display_width(std::string_view s)
{
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = 0;
    if (len == 1) cp = c;
    else if (len == 3 && i + 2 < s.size()) cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFF60) || len == 4;
    width += wide ? 2 : 1;
    i += len;
  }
  return width;
}

} // namespace

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows)
{
  std::vector<std::size_t> widths(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) widths[c] = display_width(header[c]);
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(r[c]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      out += cells[c];
      if (c + 1 < cells.size()) out += std::string(widths[c] - display_width(cells[c]) + 2, ' ');
    }
    std::puts(out.c_str());
  };
  line(header);
  for (const auto& r : rows) line(r);
}

void print_json(const nlohmann::json& doc)
{
  g_json_printed = true;
  std::puts(doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

bool stdout_is_terminal()
{
  return ::isatty(STDOUT_FILENO) == 1;
}

bool stderr_is_terminal()
{
  return ::isatty(STDERR_FILENO) == 1;
}

} // namespace uoms::cli
