// What the benchmark programs share: sandbox accounts and the uoms channels that read them,
// the sandbox child process, its control API, and the rate-limit lower bound they divide by.
#pragma once

#include "uoms/config.hpp"
#include "uoms/http.hpp"
#include "uoms/time.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <map>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/types.h>

namespace uoms::bench {

namespace fs = std::filesystem;
using nlohmann::json;

// Every benchmark's sandbox answers after this latency and admits this many requests per
// second per account (token bucket, burst = rate); each uoms channel is limited the same.
inline constexpr int k_latency_ms = 20;
inline constexpr double k_rate_limit = 10.0;

struct Account
{
  std::string channel; // uoms channel name
  std::string kind;
  std::string id;      // the sandbox's account id (vendor_id, client_id, shop_id, user_id, email)
  json config;         // its entry in the sandbox config
  std::map<std::string, std::string> settings; // the uoms channel's, besides base_url and rate_limit
  std::map<std::string, std::string> secrets;
};

// Sandbox account number `i` of `kind` with `orders` orders over the last 72 hours and a
// catalogue of `catalogue` entries, and the uoms channel that reads it.
Account make_account(const std::string& kind, int i, int orders, int catalogue = 12);

// The lower bound of one channel's `requests` sent one after another: each waits for the
// latency, and the sandbox's bucket admits at most burst + rate·t in t seconds.
double rate_limit_bound(double requests);

// The uoms-sandbox child process; stopped (SIGTERM, then waited for) on destruction.
class SandboxProcess
{
public:
  SandboxProcess(const fs::path& binary, const fs::path& dir, const json& config);
  ~SandboxProcess();
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;

  std::string base_url() const;

private:
  pid_t m_pid = 0;
  int m_port = 0;
};

// The sandbox config for `accounts` with the benchmarks' latency and rate limit.
json sandbox_config(const std::vector<Account>& accounts);

json control_get(net::HttpClient& http, const std::string& url);
json control_post(net::HttpClient& http, const std::string& url, const json& body);

double cpu_seconds(const rusage& usage);

// The configuration every benchmark runs uoms with: a database and key in `dir`, `concurrency`
// channels at once, hosts limited to loopback, orders of the last four days and none held back.
config::Config bench_config(const fs::path& dir, int concurrency);

// Writes the key file and adds a channel per account reading the sandbox at `base_url`, rate
// limited like the sandbox; returns the channels' row ids by name.
std::map<std::string, std::int64_t> add_channels(const config::Config& config, const std::vector<Account>& accounts,
                                                 const std::string& base_url, Clock& clock);

// A client for the sandbox's control API (loopback only).
std::unique_ptr<net::HttpClient> control_client(Clock& clock);

// What one pass cost: its wall and CPU time, and from the sandbox's request counts per account
// the requests, 429s and the rate-limit bound (channels run in parallel: the largest channel's).
struct PassFigures
{
  double wall = 0, cpu = 0, bound = 0;
  std::int64_t requests = 0, throttled = 0;
  std::int64_t records = 0; // what `work` returned: orders, listings or shipments handled
  std::string slowest;      // the channel whose bound is the pass's
};

// Resets the sandbox's counts, runs `work` and measures it.
PassFigures measure_pass(net::HttpClient& control, const std::string& base_url, const std::vector<Account>& accounts,
                         const std::function<std::int64_t()>& work);

// uoms-sandbox beside the running program.
fs::path default_sandbox_path();

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir
{
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return m_path; }

private:
  fs::path m_path;
};

} // namespace uoms::bench
