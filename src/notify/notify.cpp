#include "uoms/notify.hpp"

#include "uoms/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

namespace uoms::notify {

namespace {

constexpr Millis k_total_timeout{10'000};
constexpr int k_attempts = 3;

const std::vector<std::string> k_default_events{"completed", "partial", "failed", "skipped"};

// Everything after scheme://host of a webhook URL: the part that carries its token.
std::string secret_part(std::string_view url)
{
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::string(url);
  }
  const auto start = url.find_first_of("/?#", scheme_end + 3);
  return start == std::string_view::npos ? std::string{} : std::string(url.substr(start));
}

// Removes the token-bearing part of the target's URL from a transport error message,
// since the HTTP client only knows about secrets registered with the logger.
std::string scrub(std::string message, const std::string& url)
{
  const std::string secret = secret_part(url);
  if (secret.size() < 2) {
    return message;
  }
  for (auto pos = message.find(secret); pos != std::string::npos; pos = message.find(secret, pos)) {
    message.replace(pos, secret.size(), "/********");
    pos += 9;
  }
  return message;
}

std::string label(const config::NotifyTarget& target)
{
  return fmt::format("notify {}", target.name);
}

// Error text starts with "notify <name>: "; the HTTP client's messages already begin
// with the request label, which is that same text.
std::string prefixed(const config::NotifyTarget& target, const std::string& message)
{
  const std::string prefix = label(target);
  if (message.starts_with(prefix + ": ")) {
    return message;
  }
  return fmt::format("{}: {}", prefix, message);
}

std::string json_text(const nlohmann::ordered_json& body)
{
  // Invalid UTF-8 in a summary is replaced rather than thrown: a notification must not fail.
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Delivery deliver(const config::NotifyTarget& target, const Event& event, net::HttpClient& http)
{
  Delivery delivery;
  delivery.target = target.name;
  const net::HttpResult result = http.send(build_request(target, event));
  if (!result) {
    delivery.attempts = result.error().attempts;
    delivery.error = prefixed(target, scrub(result.error().message, target.url));
    return delivery;
  }
  delivery.attempts = result->attempts;
  delivery.http_status = result->status;
  delivery.ok = result->status >= 200 && result->status < 300;
  if (!delivery.ok) {
    delivery.error = fmt::format("{}: HTTP {} after {} attempt{}", label(target), result->status,
                                 result->attempts, result->attempts == 1 ? "" : "s");
  }
  return delivery;
}

} // namespace

std::vector<std::string> effective_events(const config::NotifyTarget& target)
{
  return target.events.empty() ? k_default_events : target.events;
}

net::Request build_request(const config::NotifyTarget& target, const Event& event)
{
  net::Request request;
  request.label = label(target);
  if (target.type == "generic" && target.method == "GET") {
    request.method = "GET";
    const char separator = target.url.find('?') == std::string::npos ? '?' : '&';
    request.url = fmt::format("{}{}message={}", target.url, separator, net::url_encode(event.summary));
    return request;
  }

  nlohmann::ordered_json body;
  if (target.type == "discord") {
    body["content"] = event.summary;
  } else if (target.type == "slack") {
    body["text"] = event.summary;
  } else {
    body["event"] = event.type;
    body["job_kind"] = event.job_kind;
    body["job_id"] = event.job_id;
    body["message"] = event.summary;
    body["details"] = nlohmann::ordered_json::parse(event.details.dump(-1, ' ', false,
                                                                       nlohmann::json::error_handler_t::replace));
  }
  request.method = "POST";
  request.url = target.url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json_text(body);
  return request;
}

std::vector<Delivery> send(const std::vector<config::NotifyTarget>& targets, const Event& event,
                           net::HttpClient& http)
{
  std::vector<Delivery> deliveries;
  for (const auto& target : targets) {
    const auto events = effective_events(target);
    if (std::find(events.begin(), events.end(), event.type) == events.end()) {
      continue;
    }
    Delivery delivery;
    try {
      delivery = deliver(target, event, http);
    } catch (const std::exception& e) {
      delivery.target = target.name;
      delivery.error = prefixed(target, scrub(e.what(), target.url));
    }
    if (!delivery.ok) {
      try {
        log::warn("{}", delivery.error);
      } catch (...) {
        // Logging must not turn a failed notification into a failed job.
      }
    }
    deliveries.push_back(std::move(delivery));
  }
  return deliveries;
}

std::unique_ptr<net::HttpClient> make_client(const net::HttpOptions& base, Clock& clock)
{
  net::HttpOptions options;
  options.allowed_hosts = base.allowed_hosts;
  options.user_agent = base.user_agent;
  options.retry = base.retry;
  options.retry.max_attempts = k_attempts;
  options.total_timeout = k_total_timeout;
  options.connect_timeout = std::min(base.connect_timeout, k_total_timeout);
  options.rate_limit = 0;
  return net::make_curl_client(std::move(options), clock);
}

} // namespace uoms::notify
