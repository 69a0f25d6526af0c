#include "cli.hpp"

#include "uoms/collect.hpp"
#include "uoms/error.hpp"
#include "uoms/log.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
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

bool is_known_option(CLI::App& level, CLI::App& app, const std::string& name)
{
  if (level.get_option_no_throw(name) || app.get_option_no_throw(name)) return true;
  // A cluster of short flags: -vv, -qv.
  if (name.size() > 2 && name[0] == '-' && name[1] != '-') {
    return std::all_of(name.begin() + 1, name.end(), [&](char c) {
      const std::string one = {'-', c};
      return level.get_option_no_throw(one) || app.get_option_no_throw(one);
    });
  }
  return false;
}

// The long names of the flags that `level` (and the global flags) accept, as typed.
std::vector<std::string> flag_names(CLI::App& level, CLI::App& app)
{
  std::vector<std::string> names;
  for (auto* a : {&level, &app}) {
    for (const auto* option : a->get_options()) {
      for (const auto& name : option->get_lnames()) names.push_back("--" + name);
    }
  }
  return names;
}

// Names the first word on the command line that is neither a flag, a flag's value nor a
// command of the level it appears at, with a suggestion: `unknown command "collet"
// (did you mean "collect"?)`, `unknown flag "--chanel" (did you mean "--channel"?); see
// uoms collect --help`. Global flags may stand anywhere and are skipped with their values.
std::optional<std::string> unknown_command(CLI::App& app, int argc, char** argv)
{
  CLI::App* level = &app;
  std::string path = "uoms";
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") break;
    const bool number = word.size() > 1 && word[0] == '-' && (std::isdigit(static_cast<unsigned char>(word[1])) != 0);
    if (!word.empty() && word[0] == '-' && word.size() > 1 && !number) {
      const std::string name = word.substr(0, word.find('='));
      if (!is_known_option(*level, app, name)) {
        return fmt::format("unknown flag \"{}\"{}; see {} --help", name,
                           util::did_you_mean(name, flag_names(*level, app)), path);
      }
      // Options that take a value consume the next word (flags take none).
      auto* option = level->get_option_no_throw(name);
      if (!option) option = app.get_option_no_throw(name);
      if (option && option->get_expected_min() > 0 && word.find('=') == std::string::npos) ++i;
      continue;
    }
    auto subs = level->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) {
      continue; // a positional argument of a leaf command
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

// The value of a global option given before parsing (`--log-format json` or
// `--log-format=json`), so that usage errors are already formatted as asked.
std::string early_value(int argc, char** argv, std::string_view flag)
{
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (word == "--") break;
    if (word == flag && i + 1 < argc) return argv[i + 1];
    if (word.starts_with(flag) && word.size() > flag.size() && word[flag.size()] == '=') {
      return std::string(word.substr(flag.size() + 1));
    }
  }
  return {};
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
    {"orders", "list, show and export collected orders (CSV for Excel, JSON Lines)",
     "uoms orders export --since 2026-11-01 --output orders.csv", setup_orders},
    {"status", "where every channel stands per pass kind; exit 3 when something needs attention",
     "uoms status --json", setup_status},
    {"doctor", "check the configuration, key, database, file modes, allow-list and clock",
     "uoms doctor --network", setup_doctor},
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
  // Logging is set up before parsing, so a usage error honours --log-format json; the
  // flags refine it once parsed.
  const auto env_format = ctx.env.find("UOMS_LOG_FORMAT");
  std::string early_format = early_value(argc, argv, "--log-format");
  if (early_format.empty() && env_format != ctx.env.end()) early_format = env_format->second;
  // The journal stamps each line itself; elsewhere (a terminal, cron mail, a file) the time
  // is on the line.
  const bool timestamps = std::getenv("JOURNAL_STREAM") == nullptr;
  log::configure(log::Level::warn, early_format == "json" ? log::Format::json : log::Format::text, timestamps);
  auto fail = [&](int code, const std::string& message) {
    std::fflush(stdout);
    log::report_error(message);
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

  std::string config_file, db_file, log_format, trigger, metrics_textfile;
  app.add_option("--config", config_file, "configuration file (default: $UOMS_CONFIG or ./uoms.toml)");
  app.add_option("--db", db_file, "database file (overrides the configuration)");
  app.add_flag("--json", ctx.json, "print one JSON document on stdout, whatever the outcome");
  app.add_flag("--exit-zero", exit_zero,
               "exit 0 whatever happened; the real code is in the --json document (also UOMS_EXIT_ZERO=1)");
  app.add_flag("-q,--quiet", ctx.quiet, "print nothing on success");
  app.add_flag("-v,--verbose", ctx.verbose, "more log output on stderr (-vv for debug)");
  app.add_option("--metrics-textfile", metrics_textfile,
                 "write Prometheus metrics to this file after every pass (config metrics.textfile)");
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
  if (!metrics_textfile.empty()) ctx.overrides.metrics_textfile = metrics_textfile;
  if (ctx.verbose == 1) ctx.overrides.log_level = "info";
  if (ctx.verbose >= 2) ctx.overrides.log_level = "debug";
  if (ctx.quiet && !ctx.verbose) ctx.overrides.log_level = "error";

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    // Logging follows the flags and environment before any config file is read, so
    // errors while loading it are formatted as asked.
    std::string format = log_format.empty() && env_format != ctx.env.end() ? env_format->second : log_format;
    // --quiet: nothing on stderr but the command's own error line.
    const auto level = ctx.quiet && !ctx.verbose ? log::Level::off
                                                 : level_from(ctx.overrides.log_level.value_or("warn")).value_or(log::Level::warn);
    log::configure(level,
                   format == "json" ? log::Format::json : log::Format::text, timestamps);
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

void print_json_list(std::string_view key, const std::function<void(const JsonSink&)>& each)
{
  // Nothing is written before the first 64 KiB or the end: an error before then still gets
  // the one failure document instead.
  std::string out = "{" + nlohmann::json(key).dump() + ":[";
  bool first = true;
  each([&](const nlohmann::json& element) {
    if (!first) out += ',';
    first = false;
    out += element.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (out.size() >= 64 * 1024) {
      g_json_printed = true;
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  });
  out += "]}\n";
  g_json_printed = true;
  std::fwrite(out.data(), 1, out.size(), stdout);
}

std::string clip(std::string_view text, bool wide, std::size_t max)
{
  if (wide || text.size() <= max || !stdout_is_terminal()) return std::string(text);
  return std::string(util::utf8_prefix(text, max)) + "…";
}

bool quiet_pass(const Context& ctx, ExitCode code, std::string_view kind, std::int64_t job_id,
                std::string_view status, std::string_view errors)
{
  if (!ctx.quiet || ctx.json || code == ExitCode::ok) return false;
  if (code != ExitCode::skipped) {
    std::fflush(stdout);
    log::report_error(fmt::format("{} job {} {}{}{}", kind, job_id, status, errors.empty() ? "" : ": ", errors));
  }
  return true;
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
