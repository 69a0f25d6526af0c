#pragma once

#include "uoms/config.hpp"
#include "uoms/error.hpp"
#include "uoms/store.hpp"
#include "uoms/time.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The command-line layer: parse first into plain option structs, then run. Nothing
// runs inside CLI11 callbacks.
namespace uoms::cli {

// What every command can reach: the global flags, the environment read once at
// start-up, and lazily the configuration and database.
class Context
{
public:
  config::Overrides overrides;
  config::Environment env;
  bool json = false;
  bool quiet = false;
  int verbose = 0;
  std::vector<std::string> arguments; // argv[1..], recorded in job rows
  Clock* clock = nullptr;

  const config::Config& config();
  store::Database& db(bool create = false);
  // For commands that only read: works on a database this process may not write.
  store::Database& read_db();

private:
  std::optional<config::Config> m_config;
  std::optional<store::Database> m_db;
};

using Handler = std::function<int()>;

// One row of the command table: name, help, an example, and a setup function that
// declares the subcommand's flags and returns the handler to run after parsing.
struct Command
{
  std::string name;
  std::string summary;
  std::string example;
  std::function<Handler(CLI::App& app, Context& ctx)> setup;
};

const std::vector<Command>& commands();

// Per-command setups, one file each.
Handler setup_init(CLI::App& app, Context& ctx);
Handler setup_channels(CLI::App& app, Context& ctx);
Handler setup_jobs(CLI::App& app, Context& ctx);
Handler setup_collect(CLI::App& app, Context& ctx);
Handler setup_upload_tracking(CLI::App& app, Context& ctx);
Handler setup_tracking(CLI::App& app, Context& ctx);
Handler setup_carriers(CLI::App& app, Context& ctx);
Handler setup_sync_stock(CLI::App& app, Context& ctx);
Handler setup_products(CLI::App& app, Context& ctx);
Handler setup_listings(CLI::App& app, Context& ctx);
Handler setup_stock(CLI::App& app, Context& ctx);
Handler setup_config(CLI::App& app, Context& ctx);
Handler setup_migrate(CLI::App& app, Context& ctx);
Handler setup_orders(CLI::App& app, Context& ctx);
Handler setup_status(CLI::App& app, Context& ctx);
Handler setup_doctor(CLI::App& app, Context& ctx);

// Output helpers: aligned tables for people, one JSON document with --json.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
void print_json(const nlohmann::json& doc);
// Prints {"<key>":[...]} exactly as print_json would, one element at a time: `each` calls its
// argument once per element, so a list of any length is never held in memory whole.
using JsonSink = std::function<void(const nlohmann::json&)>;
void print_json_list(std::string_view key, const std::function<void(const JsonSink&)>& each);
// A long cell (an error message) cut at a character boundary with "…" to `max` bytes, on a
// terminal only and not with `wide` (--wide): piped output keeps the whole text.
std::string clip(std::string_view text, bool wide, std::size_t max = 100);
// Under --quiet (and not --json), a pass that did not succeed prints no summary: nothing at
// all when skipped (exit 5: another pass holds the lock), else only the one error line
// `uoms: error: KIND job N STATUS: ERRORS`. Returns true when it printed all there is.
bool quiet_pass(const Context& ctx, ExitCode code, std::string_view kind, std::int64_t job_id,
                std::string_view status, std::string_view errors);
// "name: error; name: error" of the channels that did not complete.
template <typename Channels>
std::string channel_errors(const Channels& channels)
{
  std::string out;
  for (const auto& c : channels) {
    if (c.status == "completed" || c.status == "skipped" || c.error.empty()) continue;
    out += (out.empty() ? "" : "; ") + c.name + ": " + c.error;
  }
  return out;
}
bool stdout_is_terminal();
bool stderr_is_terminal();
// Makes a subcommand require one of its own subcommands, with help on a bare call.
void require_subcommand(CLI::App& app);

int run(int argc, char** argv);

// `uoms --generate man|bash|zsh` (hidden; run by the build): the man page or a shell's
// completions for `app` as set up from commands(), on stdout (manpage.cpp).
int generate(const CLI::App& app, std::string_view what, std::string_view exit_codes);

} // namespace uoms::cli
