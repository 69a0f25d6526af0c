#include "cli.hpp"

#include "uoms/channels.hpp"
#include "uoms/connect.hpp"
#include "uoms/error.hpp"
#include "uoms/log.hpp"
#include "uoms/http.hpp"
#include "uoms/status.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/stat.h>

// `uoms status` (where every channel stands, from the database alone) and `uoms doctor`
// (is this installation sound: config, key, database, file modes, allow-list, clock, and
// with --network one call per channel).
namespace uoms::cli {

namespace {

// Exit code of a status or doctor that found something for an operator (README).
constexpr int k_needs_attention = static_cast<int>(ExitCode::partial);

struct StatusOptions
{
  std::vector<std::string> channels;
};

std::string pass_notes(const status::Channel& c, const status::Pass& p, TimePoint now)
{
  std::vector<std::string> notes;
  if (p.kind == "collect") {
    if (p.lag) notes.push_back("lag " + status::short_age(*p.lag));
    for (const auto& t : c.tokens) {
      if (auto at = parse_time(t.expires_at)) {
        notes.push_back(*at > now ? fmt::format("{} expires in {}", t.name, status::short_age(*at - now))
                                  : fmt::format("{} expired {} ago", t.name, status::short_age(now - *at)));
      }
    }
  } else if (p.kind == "upload-tracking") {
    notes.push_back(fmt::format("pending {}, parked {}, failed {}", c.shipments_in("pending") + c.shipments_in("sending"),
                                c.shipments_in("attention"), c.shipments_in("failed")));
  } else if (p.kind == "sync-stock") {
    notes.push_back(fmt::format("unmapped {} listings/{} items, oversold {}", c.unmapped_listings, c.unmapped_items,
                                c.oversold_listings));
  }
  if (p.last && (p.last->http_requests > 0 || p.last->http_throttled > 0)) {
    notes.push_back(fmt::format("{} request{}, {} throttled", p.last->http_requests,
                                p.last->http_requests == 1 ? "" : "s", p.last->http_throttled));
  }
  std::string out;
  for (const auto& n : notes) out += (out.empty() ? "" : "; ") + n;
  return out.empty() ? "-" : out;
}

std::string lock_text(const status::Pass& p, TimePoint now)
{
  if (!p.lock) return "-";
  const auto& l = *p.lock;
  std::string age;
  if (auto at = parse_time(l.acquired_at)) age = " " + status::short_age(now - *at);
  return fmt::format("job {} pid {}@{}{}{}", l.job_id, l.pid, l.host, age, p.lock_expired ? " (expired)" : "");
}

int run_status(Context& ctx, const StatusOptions& o)
{
  auto& db = ctx.read_db();
  const auto now = ctx.clock->now();
  auto report = status::build(db, status::Thresholds::from(ctx.config()), now);
  if (!o.channels.empty()) {
    std::vector<std::string> known;
    for (const auto& c : report.channels) known.push_back(c.name);
    for (const auto& name : o.channels) {
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        throw UsageError(fmt::format("no channel named \"{}\"{}", name, util::did_you_mean(name, known)));
      }
    }
    std::erase_if(report.channels, [&](const auto& c) {
      return std::find(o.channels.begin(), o.channels.end(), c.name) == o.channels.end();
    });
    report.channels_needing_attention = static_cast<int>(
      std::count_if(report.channels.begin(), report.channels.end(), [](const auto& c) { return !c.attention.empty(); }));
  }
  const int code = report.needs_attention() ? k_needs_attention : 0;
  if (ctx.json) {
    auto doc = status::to_json(report);
    doc["exit_code"] = code;
    print_json(doc);
    return code;
  }
  if (ctx.quiet && code == 0) return code;
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : report.channels) {
    for (const auto& p : c.passes) {
      std::string last = "-", success = "-", fails = "-", problem;
      if (p.last) {
        last = fmt::format("{} #{}", p.last->last_status, p.last->last_job_id);
        success = p.success_age ? status::short_age(*p.success_age) + " ago" : "never";
        fails = std::to_string(p.last->consecutive_failures);
        if (p.last->last_status != "completed") problem = p.last->last_error;
      } else if (p.kind != "collect") {
        last = "never ran";
      }
      if (!c.enabled) problem = "disabled";
      if (!p.attention.empty()) {
        problem.clear();
        for (const auto& a : p.attention) problem += (problem.empty() ? "ATTENTION: " : "; ") + a;
      }
      rows.push_back({c.name, p.kind, last, success, fails, lock_text(p, now), pass_notes(c, p, now),
                      problem.empty() ? "-" : problem.substr(0, 160)});
    }
  }
  if (!rows.empty()) {
    print_table({"CHANNEL", "PASS", "LAST", "SUCCESS", "FAILS", "LOCK", "NOTES", "PROBLEM"}, rows);
  } else {
    fmt::print("no channels (add one with `uoms channels add`)\n");
  }
  for (const auto& p : report.oversold) {
    fmt::print("OVERSOLD {}: on hand {}, reserved {}\n", p.sku, p.on_hand, p.reserved);
  }
  if (report.channels_needing_attention > 0) {
    fmt::print("{} channel{} need{} attention\n", report.channels_needing_attention,
               report.channels_needing_attention == 1 ? "" : "s", report.channels_needing_attention == 1 ? "s" : "");
  } else if (!report.oversold.empty()) {
    fmt::print("{} SKUs oversold\n", report.oversold.size());
  } else {
    fmt::print("all good\n");
  }
  return code;
}

// --- doctor -------------------------------------------------------------------

struct DoctorOptions
{
  bool network = false;
};

struct Check
{
  std::string status; // ok, warn, FAIL
  std::string name;
  std::string message;
};

class Doctor
{
public:
  explicit Doctor(Context& ctx) : m_ctx(ctx) {}

  int run(const DoctorOptions& o)
  {
    const config::Config* config = nullptr;
    try {
      config = &m_ctx.config();
      add("ok", "config", config->file.empty() ? "no file: built-in defaults and UOMS_* variables"
                                               : fmt::format("{} read", config->file.string()));
    } catch (const Error& e) {
      add("FAIL", "config", log::redact(e.what()));
      m_config_failed = true;
      return finish();
    }
    if (!config->file.empty()) check_mode("config", config->file);

    std::optional<crypto::Fernet> key;
    try {
      key.emplace(channels::load_key(*config));
      if (config->secret_key.empty()) {
        add("ok", "key", fmt::format("{} read", config->key_file.string()));
        check_mode("key", config->key_file);
      } else {
        add("ok", "key", "UOMS_SECRET_KEY read");
      }
    } catch (const Error& e) {
      add("FAIL", "key", log::redact(e.what()));
      m_config_failed = true;
    }

    store::Database* db = nullptr;
    try {
      db = &m_ctx.read_db();
    } catch (const Error& e) {
      add("FAIL", "database", log::redact(e.what()));
    }
    if (db) {
      check_database(*db, config->database);
      if (key) check_key_matches(*db, *key);
      check_hosts(*db, *config);
      check_clock(*db, *config);
      if (o.network && key) check_network(*db, *key, *config);
    }
    return finish();
  }

private:
  void add(std::string status, std::string name, std::string message)
  {
    m_checks.push_back({std::move(status), std::move(name), std::move(message)});
  }

  // Secrets at rest and the orders' personal data: only the owner may read them.
  void check_mode(const std::string& name, const std::filesystem::path& path)
  {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
      add("FAIL", name + " mode", fmt::format("{}: {}", path.string(), std::strerror(errno)));
      return;
    }
    const unsigned mode = st.st_mode & 07777;
    if (mode & 077) {
      add("FAIL", name + " mode",
          fmt::format("{} is mode {:04o}: group or others may read it (chmod 600 {})", path.string(), mode,
                      path.string()));
    } else {
      add("ok", name + " mode", fmt::format("{} is mode {:04o}", path.string(), mode));
    }
  }

  void check_database(store::Database& db, const std::filesystem::path& path)
  {
    check_mode("database", path);
    try {
      auto problems = store::Health(db).quick_check();
      if (problems.size() == 1 && problems.front() == "ok") {
        add("ok", "integrity", "PRAGMA quick_check: ok");
      } else {
        std::string text;
        for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
        add("FAIL", "integrity", fmt::format("PRAGMA quick_check: {} (restore a backup)", text.substr(0, 400)));
      }
    } catch (const Error& e) {
      add("FAIL", "integrity", e.what());
    }
    try {
      const int version = db.schema_version();
      const int latest = store::embedded_migrations().back().version;
      if (version == latest) add("ok", "schema", fmt::format("version {}, current", version));
      else add("FAIL", "schema", fmt::format("version {}, this uoms expects {} (run `uoms migrate`)", version, latest));
    } catch (const Error& e) {
      add("FAIL", "schema", e.what());
    }
  }

  void check_key_matches(store::Database& db, const crypto::Fernet& key)
  {
    try {
      channels::verify_key(db, key);
      add("ok", "key match", "the key decrypts this database's secrets");
    } catch (const Error& e) {
      add("FAIL", "key match", log::redact(e.what()));
      m_config_failed = e.code() == ExitCode::config;
    }
  }

  void check_hosts(store::Database& db, const config::Config& config)
  {
    const auto& allowed = config.http.allowed_hosts;
    if (allowed.empty()) {
      add("warn", "allowed hosts", "http.allowed_hosts is empty: any host may be contacted (set it or UOMS_ALLOWED_HOSTS)");
    } else {
      add("ok", "allowed hosts", util::join(allowed));
    }
    for (const auto& row : store::Channels(db).list()) {
      if (!row.enabled) continue;
      try {
        auto channel = channels::from_row(row, nullptr);
        auto it = channel.settings.find("base_url");
        if (it == channel.settings.end() || it->second.empty()) continue;
        const auto host = net::url_host(it->second);
        if (!net::is_host_allowed(host, allowed)) {
          add("FAIL", "allowed hosts",
              fmt::format("channel {}: host {} of base_url is not in http.allowed_hosts", row.name, host));
        }
      } catch (const Error& e) {
        add("FAIL", "channel " + row.name, log::redact(e.what()));
      }
    }
  }

  void check_clock(store::Database& db, const config::Config& config)
  {
    const auto now = m_ctx.clock->now();
    const auto newest_text = store::Health(db).newest_timestamp();
    auto newest = parse_time(newest_text);
    if (!newest) {
      add("ok", "clock", fmt::format("{} (nothing recorded yet to compare with)", format_utc(now)));
    } else if (*newest - now > config.status_max_clock_skew) {
      add("FAIL", "clock",
          fmt::format("the database holds {} but the system clock says {} ({} behind; status.max_clock_skew {}): "
                      "check NTP before the next pass, watermarks and leases trust the clock",
                      newest_text, format_utc(now), status::short_age(*newest - now),
                      status::short_age(config.status_max_clock_skew)));
    } else {
      add("ok", "clock", fmt::format("{}, newest recorded time {}", format_utc(now), newest_text));
    }
  }

  void check_network(store::Database& db, const crypto::Fernet& key, const config::Config& config)
  {
    auto& clock = *m_ctx.clock;
    for (const auto& row : store::Channels(db).list()) {
      if (!row.enabled) continue;
      const std::string name = "channel " + row.name;
      try {
        auto channel = channels::load(db, row.name, &key);
        auto connected = channels::connect(channel, db, key, config, clock, [&clock](net::HttpOptions options) {
          options.retry.max_attempts = 1;
          return net::make_curl_client(std::move(options), clock);
        });
        auto result = connected.connector->check();
        if (result) add("ok", name, log::redact(*result));
        else add("FAIL", name, fmt::format("{} ({})", log::redact(result.error().message), to_string(result.error().kind)));
      } catch (const Error& e) {
        add("FAIL", name, log::redact(e.what()));
      }
    }
  }

  int finish()
  {
    int failures = 0;
    for (const auto& c : m_checks) failures += c.status == "FAIL" ? 1 : 0;
    const int code = m_config_failed ? static_cast<int>(ExitCode::config) : failures ? k_needs_attention : 0;
    if (m_ctx.json) {
      nlohmann::json checks = nlohmann::json::array();
      for (const auto& c : m_checks) checks.push_back({{"check", c.name}, {"status", c.status}, {"message", c.message}});
      print_json({{"ok", failures == 0}, {"failures", failures}, {"checks", checks}, {"exit_code", code}});
      return code;
    }
    std::size_t width = 0;
    for (const auto& c : m_checks) width = std::max(width, c.name.size());
    for (const auto& c : m_checks) {
      if (m_ctx.quiet && c.status == "ok") continue;
      fmt::print("{:<4}  {:<{}}  {}\n", c.status, c.name, width, c.message);
    }
    if (!m_ctx.quiet || failures) {
      if (failures) fmt::print("{} check{} failed\n", failures, failures == 1 ? "" : "s");
      else fmt::print("all checks passed\n");
    }
    return code;
  }

  Context& m_ctx;
  std::vector<Check> m_checks;
  bool m_config_failed = false;
};

} // namespace

Handler setup_status(CLI::App& app, Context& ctx)
{
  auto o = std::make_shared<StatusOptions>();
  app.add_option("--channel", o->channels, "only this channel (repeatable)");
  return [o, &ctx]() -> int { return run_status(ctx, *o); };
}

Handler setup_doctor(CLI::App& app, Context& ctx)
{
  auto o = std::make_shared<DoctorOptions>();
  app.add_flag("--network", o->network, "also make one authenticated call per enabled channel (as channels test)");
  return [o, &ctx]() -> int { return Doctor(ctx).run(*o); };
}

} // namespace uoms::cli
