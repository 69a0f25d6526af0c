#include "support.hpp"

#include "uoms/channels.hpp"
#include "uoms/store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace uoms::bench {

namespace {

constexpr const char* k_smartstore_secret = "$2a$04$abcdefghijklmnopqrstuv";
// The sandbox's token bucket holds `rate` tokens at start (burst = rate).
constexpr double k_sandbox_burst = k_rate_limit;
constexpr int k_spread_hours = 72;

json checked_json(const net::HttpResult& result, const std::string& url)
{
  if (!result) throw std::runtime_error(result.error().message);
  if (result->status != 200) throw std::runtime_error(fmt::format("{}: HTTP {}", url, result->status));
  return json::parse(result->body);
}

} // namespace

Account make_account(const std::string& kind, int i, int orders, int catalogue)
{
  Account a{fmt::format("{}-{}", kind, i), kind, {}, {}, {}, {}};
  json credentials;
  if (kind == "coupang") {
    a.id = fmt::format("A000200{:02}", i);
    credentials = {{"vendor_id", a.id}, {"access_key", fmt::format("bench-access-{}", i)},
                   {"secret_key", fmt::format("bench-secret-key-{}", i)}};
    a.settings = {{"vendor_id", a.id}};
    a.secrets = {{"access_key", credentials["access_key"].get<std::string>()}, {"secret_key", credentials["secret_key"].get<std::string>()}};
  } else if (kind == "smartstore") {
    a.id = fmt::format("benchclient{:02}", i);
    credentials = {{"client_id", a.id}, {"client_secret", k_smartstore_secret}};
    a.settings = {{"client_id", a.id}};
    a.secrets = {{"client_secret", k_smartstore_secret}};
  } else if (kind == "shopee") {
    const long long partner = 3000000 + i, shop = 40000000 + i;
    a.id = std::to_string(shop);
    credentials = {{"partner_id", partner}, {"shop_id", shop}, {"partner_key", fmt::format("bench-partner-key-{:02}", i)},
                   {"refresh_token", fmt::format("bench-refresh-{:02}", i)}};
    a.settings = {{"partner_id", std::to_string(partner)}, {"shop_id", a.id}};
    a.secrets = {{"partner_key", credentials["partner_key"].get<std::string>()}, {"refresh_token", credentials["refresh_token"].get<std::string>()}};
  } else if (kind == "qoo10jp") {
    a.id = fmt::format("benchseller{:02}", i);
    credentials = {{"user_id", a.id}, {"api_key", fmt::format("bench-qoo10-key-{}", i)},
                   {"password", fmt::format("bench-qoo10-pw-{}", i)}};
    a.settings = {{"user_id", a.id}};
    a.secrets = {{"api_key", credentials["api_key"].get<std::string>()}, {"password", credentials["password"].get<std::string>()}};
  } else if (kind == "playauto") {
    a.id = fmt::format("bench{:02}@example.com", i);
    credentials = {{"email", a.id}, {"api_key", fmt::format("bench-playauto-key-{}", i)},
                   {"password", fmt::format("bench-playauto-pw-{}", i)}};
    a.settings = {{"email", a.id}};
    a.secrets = {{"api_key", credentials["api_key"].get<std::string>()}, {"password", credentials["password"].get<std::string>()}};
  } else {
    throw std::runtime_error("no bench account for kind " + kind);
  }
  a.config = {{"kind", kind}, {"orders", orders}, {"spread_hours", k_spread_hours}, {"catalogue", catalogue}};
  a.config.update(credentials);
  return a;
}

double rate_limit_bound(double requests)
{
  return std::max((requests - k_sandbox_burst) / k_rate_limit, requests * k_latency_ms / 1000.0);
}

json sandbox_config(const std::vector<Account>& accounts)
{
  json config = {{"seed", 7}, {"latency_ms", k_latency_ms}, {"rate_limit", k_rate_limit},
                 {"token_ttl_s", 10800}, {"accounts", json::array()}};
  for (const auto& a : accounts) config["accounts"].push_back(a.config);
  return config;
}

SandboxProcess::SandboxProcess(const fs::path& binary, const fs::path& dir, const json& config)
{
  const fs::path config_path = dir / "sandbox.json";
  const fs::path port_file = dir / "port";
  std::ofstream(config_path) << config.dump();
  std::vector<std::string> args = {binary.string(), "--config", config_path.string(), "--port", "0",
                                   "--port-file", port_file.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Its "listening on" line would mix with the figures.
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  const int rc = posix_spawn(&m_pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error(fmt::format("cannot start {}: {}", binary.string(), std::strerror(rc)));
  }
  // Generating 20,000 orders takes a moment in a debug build.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = 0;
      throw std::runtime_error(fmt::format("uoms-sandbox exited early (status {})", status));
    }
    std::ifstream in(port_file);
    if (in >> m_port) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("uoms-sandbox did not write its port file within 60 s");
}

SandboxProcess::~SandboxProcess()
{
  if (m_pid > 0) {
    ::kill(m_pid, SIGTERM);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
  }
}

std::string SandboxProcess::base_url() const
{
  return fmt::format("http://127.0.0.1:{}", m_port);
}

json control_get(net::HttpClient& http, const std::string& url)
{
  net::Request request;
  request.url = url;
  request.label = "GET " + url;
  return checked_json(http.send(request), url);
}

json control_post(net::HttpClient& http, const std::string& url, const json& body)
{
  net::Request request;
  request.method = "POST";
  request.url = url;
  request.body = body.dump();
  request.headers.push_back({"Content-Type", "application/json"});
  request.label = "POST " + url;
  return checked_json(http.send(request), url);
}

double cpu_seconds(const rusage& usage)
{
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
         + static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

config::Config bench_config(const fs::path& dir, int concurrency)
{
  config::Config config;
  config.database = dir / "uoms.db";
  config.key_file = dir / "uoms.key";
  config.concurrency = concurrency;
  // The sandbox spreads orders over the 72 h before it starts; four days of lookback cover them.
  config.initial_lookback = std::chrono::hours(24 * 4);
  // Orders created in the sandbox's last minute must count too.
  config.settle_delay = Millis{0};
  config.http.allowed_hosts = {"loopback"};
  config.http.user_agent = "uoms-bench";
  return config;
}

std::map<std::string, std::int64_t> add_channels(const config::Config& config, const std::vector<Account>& accounts,
                                                 const std::string& base_url, Clock& clock)
{
  channels::write_key_file(config.key_file, true);
  const auto key = channels::load_key(config);
  auto db = store::Database::open(config.database, true);
  const auto now = format_utc(clock.now());
  std::map<std::string, std::int64_t> ids;
  for (const auto& a : accounts) {
    channels::Changes changes;
    changes.set["base_url"] = base_url;
    changes.set["rate_limit"] = fmt::format("{}", k_rate_limit);
    for (const auto& [name, value] : a.settings) changes.set[name] = value;
    for (const auto& [name, value] : a.secrets) changes.secrets[name] = value;
    ids[a.channel] = channels::add(db, key, a.channel, a.kind, changes, now).row.id;
  }
  return ids;
}

std::unique_ptr<net::HttpClient> control_client(Clock& clock)
{
  net::HttpOptions options;
  options.allowed_hosts = {"loopback"};
  return net::make_curl_client(options, clock);
}

PassFigures measure_pass(net::HttpClient& control, const std::string& base_url, const std::vector<Account>& accounts,
                         const std::function<std::int64_t()>& work)
{
  control_post(control, base_url + "/__sandbox/reset_stats", json::object());
  rusage before{}, after{};
  ::getrusage(RUSAGE_SELF, &before);
  const auto started = std::chrono::steady_clock::now();
  PassFigures f;
  f.records = work();
  f.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::getrusage(RUSAGE_SELF, &after);
  f.cpu = cpu_seconds(after) - cpu_seconds(before);
  const json stats = control_get(control, base_url + "/__sandbox/stats");
  for (const auto& a : accounts) {
    if (!stats["accounts"].contains(a.id)) continue;
    const json& acc = stats["accounts"][a.id];
    const double requests = acc.value("requests", 0.0);
    f.requests += static_cast<std::int64_t>(requests);
    if (acc.contains("status_codes")) f.throttled += acc["status_codes"].value("429", 0);
    if (const double bound = rate_limit_bound(requests); bound > f.bound) {
      f.bound = bound;
      f.slowest = a.channel;
    }
  }
  return f;
}

fs::path default_sandbox_path()
{
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (ec ? fs::current_path() : self.parent_path()) / "uoms-sandbox";
}

TempDir::TempDir()
{
  char name[] = "/tmp/uoms-bench-XXXXXX";
  if (::mkdtemp(name) == nullptr) {
    throw std::runtime_error("cannot create a temporary directory");
  }
  m_path = name;
}

TempDir::~TempDir()
{
  std::error_code ec;
  fs::remove_all(m_path, ec);
}

} // namespace uoms::bench
