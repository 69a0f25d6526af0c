#pragma once

#include "uoms/http.hpp"
#include "uoms/time.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

// The effective configuration: built-in defaults, then the TOML file, then `UOMS_*`
// environment variables, then command-line flags. Every value remembers where it came
// from so `uoms config show` can say so.
namespace uoms::config {

// Where an effective value came from: "default", "uoms.toml:12", "env UOMS_DB", "flag --db".
using Origin = std::string;

// Channels one pass works on at once. A channel spends almost all its time waiting on its
// marketplace's rate limit, so the default runs 64 at once; each holds a thread, an SQLite
// connection and an HTTP connection.
inline constexpr int k_max_concurrency = 512;

// Per-kind collect tuning ([kinds.<kind>] in the file). Unset values fall back to
// [collect] or to the connector's capabilities.
struct KindDefaults
{
  std::optional<Millis> overlap;
  std::optional<Millis> settle_delay;
  std::optional<int> page_size;
  std::optional<double> rate_limit;
};

struct NotifyTarget
{
  std::string name;                 // defaults to "notify[N]"
  std::string type = "generic";     // generic | discord | slack
  std::string url;                  // secret-ish: shown redacted by config show
  std::string method = "POST";      // generic only: GET | POST
  std::vector<std::string> events;  // started, completed, partial, failed, skipped; empty = all but started
};

struct Config
{
  std::filesystem::path file;       // the file that was read; empty if none
  std::filesystem::path database;   // default: ./uoms.db next to the config file, or $PWD
  std::filesystem::path key_file;   // default: uoms.key next to the database
  std::string secret_key;           // from UOMS_SECRET_KEY only; never from the file

  int concurrency = 64;
  Millis initial_lookback{std::chrono::hours(24 * 7)};
  Millis overlap{std::chrono::minutes(10)};
  Millis settle_delay{std::chrono::minutes(1)};
  Millis lock_lease{std::chrono::minutes(10)};
  Millis token_margin{std::chrono::minutes(5)}; // refresh tokens expiring within this
  int tracking_max_attempts = 10;               // a tracking upload retried this often needs attention

  // `uoms status` thresholds: a channel needs attention when a pass kind's last success is
  // older than max_age (max_age_listings for listings-fetch, usually run daily), when
  // max_failures passes in a row failed, or when collect's watermark lags max_lag behind now.
  Millis status_max_age{std::chrono::hours(2)};
  Millis status_max_age_listings{std::chrono::hours(24 * 8)};
  int status_max_failures = 3;
  Millis status_max_lag{std::chrono::hours(1)};
  // `uoms doctor`: the newest time uoms wrote may be this far ahead of the system clock.
  Millis status_max_clock_skew{std::chrono::minutes(5)};

  // Prometheus text exposition written after every pass (node_exporter textfile collector);
  // empty = none.
  std::filesystem::path metrics_textfile;

  net::HttpOptions http;            // timeouts, retry, allowed_hosts, user_agent (rate_limit is per channel)

  std::string log_level = "warn";   // error | warn | info | debug
  std::string log_format = "text";  // text | json
  std::string trigger = "manual";   // manual | cron | n8n

  std::map<std::string, KindDefaults, std::less<>> kinds;
  std::vector<NotifyTarget> notify;

  // One line per effective value: key, printable value (secrets as ********), origin.
  struct Entry
  {
    std::string key;
    std::string value;
    Origin origin;
  };
  std::vector<Entry> entries;
};

// Command-line flags that override the file and environment; unset = not given.
struct Overrides
{
  std::optional<std::filesystem::path> config_file;
  std::optional<std::filesystem::path> database;
  std::optional<std::string> log_format;
  std::optional<std::string> log_level;
  std::optional<int> concurrency;
  std::optional<std::string> trigger;
  std::optional<std::filesystem::path> metrics_textfile;
};

using Environment = std::map<std::string, std::string, std::less<>>;

// Reads the process environment once (only UOMS_* variables are kept).
Environment read_environment();

// Loads the configuration. The file is `overrides.config_file`, else `UOMS_CONFIG`,
// else `./uoms.toml` if it exists (else none). Throws ConfigError (exit 4) for a
// missing explicit file, a TOML syntax error, an unknown key or a bad value, with
// the message naming file and line: `uoms.toml:12: unknown key "http.timout"`.
Config load(const Overrides& overrides, const Environment& env);

// The commented starter file `uoms init` writes.
std::string starter_file();

} // namespace uoms::config
