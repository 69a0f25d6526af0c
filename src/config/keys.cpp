#include "src/config/keys.hpp"

#include <array>

namespace uoms::config::keys {

namespace {

using namespace std::string_view_literals;
using net::HttpOptions;
using net::RetryPolicy;

constexpr std::array k_kinds{"coupang"sv, "smartstore"sv, "shopee"sv, "qoo10jp"sv, "playauto"sv, "csv"sv};
constexpr std::array k_events{"started"sv, "completed"sv, "partial"sv, "failed"sv, "skipped"sv};
constexpr std::array k_default_events{"completed"sv, "partial"sv, "failed"sv, "skipped"sv};
constexpr std::array k_notify_types{"generic"sv, "discord"sv, "slack"sv};
constexpr std::array k_notify_methods{"GET"sv, "POST"sv};
constexpr std::array k_log_levels{"error"sv, "warn"sv, "info"sv, "debug"sv};
constexpr std::array k_log_formats{"text"sv, "json"sv};
constexpr std::array k_triggers{"manual"sv, "cron"sv, "n8n"sv};

constexpr Rule k_path = text("a file path");

// Each row: name, where it lives, what it accepts, its UOMS_* variable, its flag, help.
// Defaults are Config's member initialisers (and the derived paths in the loader).
const std::array k_keys{
  Key{.name = "database.path", .slot = at<&Config::database>, .rule = k_path, .env = "UOMS_DB",
      .flag = {"--db", &Overrides::database},
      .help = "SQLite file with orders, jobs and channels; relative to the config file's directory"},
  Key{.name = "database.key_file", .slot = at<&Config::key_file>, .rule = k_path, .env = "UOMS_KEY_FILE",
      .help = "key that encrypts channel secrets; default uoms.key next to the database"},
  Key{.name = "secret_key", .slot = at<&Config::secret_key>, .rule = {.secret = true}, .env = "UOMS_SECRET_KEY",
      .in_file = false, .help = "the secret key itself, used instead of the key file; never in the file"},
  Key{.name = "collect.concurrency", .slot = at<&Config::concurrency>, .rule = integer(1, k_max_concurrency),
      .env = "UOMS_CONCURRENCY", .flag = {"--concurrency", &Overrides::concurrency},
      .help = "channels passed at the same time (each mostly waits on its marketplace's rate limit)"},
  Key{.name = "collect.initial_lookback", .slot = at<&Config::initial_lookback>, .rule = positive_duration(),
      .env = "UOMS_INITIAL_LOOKBACK", .help = "how far back the first pass of a new channel looks"},
  Key{.name = "collect.overlap", .slot = at<&Config::overlap>, .rule = duration(), .env = "UOMS_OVERLAP",
      .help = "each pass re-reads this much before the channel's watermark"},
  Key{.name = "collect.settle_delay", .slot = at<&Config::settle_delay>, .rule = duration(),
      .env = "UOMS_SETTLE_DELAY", .help = "orders changed less than this long ago are left for the next pass"},
  Key{.name = "collect.lock_lease", .slot = at<&Config::lock_lease>, .rule = positive_duration(),
      .help = "a channel lock older than this (its process died) is taken over"},
  Key{.name = "collect.token_margin", .slot = at<&Config::token_margin>, .rule = duration(),
      .help = "access tokens expiring within this are refreshed first"},
  Key{.name = "tracking.max_attempts", .slot = at<&Config::tracking_max_attempts>, .rule = integer(1, 100),
      .help = "retryable upload failures of one tracking number, over all passes, before it needs attention"},
  Key{.name = "status.max_age", .slot = at<&Config::status_max_age>, .rule = positive_duration(),
      .help = "uoms status: a pass kind whose last success on a channel is older than this needs attention"},
  Key{.name = "status.max_age_listings", .slot = at<&Config::status_max_age_listings>,
      .rule = positive_duration(), .help = "status.max_age for listings-fetch, which usually runs once a day"},
  Key{.name = "status.max_failures", .slot = at<&Config::status_max_failures>, .rule = integer(1, 1000),
      .help = "uoms status: this many failed or partial passes in a row need attention"},
  Key{.name = "status.max_lag", .slot = at<&Config::status_max_lag>, .rule = positive_duration(),
      .help = "uoms status: a collect watermark further behind now than this needs attention"},
  Key{.name = "status.max_clock_skew", .slot = at<&Config::status_max_clock_skew>, .rule = positive_duration(),
      .help = "uoms doctor: times in the database may be this far ahead of the system clock"},
  Key{.name = "metrics.textfile", .slot = at<&Config::metrics_textfile>, .rule = k_path,
      .env = "UOMS_METRICS_TEXTFILE", .flag = {"--metrics-textfile", &Overrides::metrics_textfile},
      .help = "Prometheus text file rewritten after every pass (node_exporter textfile collector); empty = none"},
  Key{.name = "http.connect_timeout", .slot = at<&Config::http, &HttpOptions::connect_timeout>,
      .rule = positive_duration(), .env = "UOMS_CONNECT_TIMEOUT", .help = "time to establish a connection"},
  Key{.name = "http.timeout", .slot = at<&Config::http, &HttpOptions::total_timeout>, .rule = positive_duration(),
      .env = "UOMS_HTTP_TIMEOUT", .help = "time for a whole request, response body included"},
  Key{.name = "http.max_attempts", .slot = at<&Config::http, &HttpOptions::retry, &RetryPolicy::max_attempts>,
      .rule = integer(1, 10), .env = "UOMS_MAX_ATTEMPTS", .help = "tries per request, the first included"},
  Key{.name = "http.backoff_base", .slot = at<&Config::http, &HttpOptions::retry, &RetryPolicy::base_delay>,
      .rule = duration(), .help = "first delay between tries, doubled each try"},
  Key{.name = "http.backoff_max", .slot = at<&Config::http, &HttpOptions::retry, &RetryPolicy::max_delay>,
      .rule = duration(), .help = "longest delay between tries"},
  Key{.name = "http.max_retry_after",
      .slot = at<&Config::http, &HttpOptions::retry, &RetryPolicy::max_retry_after>, .rule = duration(),
      .help = "a server's Retry-After is honoured up to this long"},
  Key{.name = "http.allowed_hosts", .slot = at<&Config::http, &HttpOptions::allowed_hosts>, .rule = {},
      .env = "UOMS_ALLOWED_HOSTS", .help = "when not empty, every other host is refused before connecting"},
  Key{.name = "http.user_agent", .slot = at<&Config::http, &HttpOptions::user_agent>,
      .rule = text("a non-empty string"), .help = "User-Agent header of every request"},
  Key{.name = "log.level", .slot = at<&Config::log_level>, .rule = one_of(k_log_levels), .env = "UOMS_LOG_LEVEL",
      .flag = {"-v/--quiet", &Overrides::log_level}, .help = "least severe log line written to stderr"},
  Key{.name = "log.format", .slot = at<&Config::log_format>, .rule = one_of(k_log_formats),
      .env = "UOMS_LOG_FORMAT", .flag = {"--log-format", &Overrides::log_format},
      .help = "text, or json with one object a line"},
  Key{.name = "trigger", .slot = at<&Config::trigger>, .rule = one_of(k_triggers), .env = "UOMS_TRIGGER",
      .flag = {"--trigger", &Overrides::trigger}, .in_file = false,
      .help = "what started the pass, recorded on each job"},
};

const std::array k_kind_keys{
  KindKey{.name = "overlap", .slot = &KindDefaults::overlap, .rule = duration(),
          .help = "collect.overlap for the channels of this kind"},
  KindKey{.name = "settle_delay", .slot = &KindDefaults::settle_delay, .rule = duration(),
          .help = "collect.settle_delay for the channels of this kind"},
  KindKey{.name = "page_size", .slot = &KindDefaults::page_size, .rule = integer(1, 1000),
          .help = "page size asked of a marketplace whose API takes one, clamped to the API's maximum"},
  KindKey{.name = "rate_limit", .slot = &KindDefaults::rate_limit,
          .rule = {.high = 10'000, .expected = "a positive number of requests per second"},
          .help = "requests per second per channel; a channel's own rate_limit wins"},
};

} // namespace

std::span<const Key> all()
{
  return k_keys;
}

std::span<const KindKey> kind_keys()
{
  return k_kind_keys;
}

std::span<const std::string_view> kinds()
{
  return k_kinds;
}

std::span<const std::string_view> events()
{
  return k_events;
}

std::span<const std::string_view> default_events()
{
  return k_default_events;
}

std::span<const std::string_view> notify_types()
{
  return k_notify_types;
}

std::span<const std::string_view> notify_methods()
{
  return k_notify_methods;
}

} // namespace uoms::config::keys
