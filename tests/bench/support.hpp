// What the benchmark programs share: sandbox accounts and the uoms channels that read them,
// the sandbox child process, its control API, and the rate-limit lower bound they divide by.
#pragma once

#include "uoms/http.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
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
