#pragma once

#include "uoms/config.hpp"
#include "uoms/http.hpp"
#include "uoms/time.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

// Job notifications to webhooks ([[notify]] in the config). A notification is a side
// channel: it must never fail or slow down a pass for long, so send() never throws and
// its client has a short timeout and few retries.
namespace uoms::notify {

struct Event
{
  std::string type;      // started | completed | partial | failed | skipped
  std::string job_kind;  // collect, upload-tracking, sync-stock
  long long job_id = 0;
  // One line for humans, e.g. "collect #42 partial: 3 channels, 120 orders (5 failed)".
  std::string summary;
  // Sent only by generic POST targets, as "details" (null when not set).
  nlohmann::json details;
};

// The outcome for one target. `error` names the target, never its URL (URLs carry tokens).
struct Delivery
{
  std::string target;
  bool ok = false;
  int attempts = 0;
  int http_status = 0;  // final HTTP status, 0 when no response was obtained
  std::string error;
};

// The events a target receives: its configured list, or by default every event but
// "started" (a start message every five minutes from cron is noise).
std::vector<std::string> effective_events(const config::NotifyTarget& target);

// The HTTP request send() makes for a target: generic GET appends `message=<UTF-8,
// percent-encoded>`; generic POST sends {"event","job_kind","job_id","message","details"};
// discord {"content"}; slack {"text"}. POST bodies are JSON (Content-Type application/json).
net::Request build_request(const config::NotifyTarget& target, const Event& event);

// Sends to every target whose events include event.type, one after another. Never
// throws; failures (a transport error, or a final status outside 2xx) are logged with
// uoms::log::warn and returned as deliveries with ok = false.
std::vector<Delivery> send(const std::vector<config::NotifyTarget>& targets, const Event& event,
                           net::HttpClient& http);

// The client for notifications: `base` (allowed_hosts, user agent, backoff) with a
// 10 s total timeout and 3 attempts (two retries), no rate limit.
std::unique_ptr<net::HttpClient> make_client(const net::HttpOptions& base, Clock& clock);

} // namespace uoms::notify
