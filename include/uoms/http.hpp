#pragma once

#include "uoms/time.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <cstdio>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uoms::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request
{
  std::string method = "GET";
  std::string url; // full URL, query already encoded exactly as it must go on the wire
  Headers headers;
  std::string body;
  // Short description for logs and errors, e.g. "GET ordersheets (page 3)".
  std::string label;
  // When set, the response body goes to this file (emptied before each attempt, rewound
  // after) instead of Response::body: an answer of hundreds of megabytes stays on disk.
  std::FILE* body_file = nullptr;
};

struct Response
{
  int status = 0;
  Headers headers;
  std::string body;
  std::FILE* body_file = nullptr; // the request's body_file, holding the body, when it had one
  int attempts = 1;
  // The body already parsed, when HttpOptions::is_incomplete parsed it to check it: a
  // connector takes it (connectors::support::body_json) instead of lexing the body again.
  std::shared_ptr<nlohmann::json> json;

  // Case-insensitive header look-up.
  std::optional<std::string> header(std::string_view name) const;
};

enum class TransportErrorKind { connect, timeout, tls, host_not_allowed, other };

struct TransportError
{
  TransportErrorKind kind = TransportErrorKind::other;
  std::string message; // already redacted, names the host and the label
  int attempts = 1;
};

using HttpResult = std::expected<Response, TransportError>;

// The HTTP seam. Connectors receive one per channel; unit tests pass a recording fake,
// end-to-end tests the real client against the sandbox on loopback.
class HttpClient
{
public:
  virtual ~HttpClient() = default;
  // Returns the final response after retries (which may itself be a 4xx/5xx), or a
  // transport error when no response was obtained.
  virtual HttpResult send(const Request& request) = 0;
};

struct RetryPolicy
{
  int max_attempts = 4;           // total tries, including the first
  Millis base_delay{500};         // delay = base * 2^(attempt-1), plus up to 50% jitter
  Millis max_delay{30'000};       // cap for computed backoff
  Millis max_retry_after{120'000}; // cap for a server's Retry-After
};

struct HttpOptions
{
  Millis connect_timeout{10'000};
  Millis total_timeout{60'000};
  RetryPolicy retry;
  // Requests per second for this client's token bucket; 0 = unlimited.
  double rate_limit = 0;
  // Hosts this client may contact. Empty = any. Entries are exact host names or IP
  // addresses, `*.example.com`, or `loopback` (127.0.0.0/8, ::1, localhost).
  std::vector<std::string> allowed_hosts;
  // A connector's extra notion of "throttled, retry later" for responses that are not
  // 429/5xx (e.g. Shopee's HTTP 200 with error_rate_limit).
  std::function<bool(const Response&)> is_throttled;
  // A response the network cut short or mangled (a 2xx whose body does not parse): retried
  // like a reset connection within the same budget, and a transport error (transient) when
  // the last attempt is no better. It may keep what it parsed in Response::json.
  std::function<bool(Response&)> is_incomplete;
  std::string user_agent = "uoms";
};

std::unique_ptr<HttpClient> make_curl_client(HttpOptions options, Clock& clock);

// Requests the curl clients of this thread have sent (every try counts) and how many of
// them were throttled (HTTP 429 or the options' is_throttled). Per thread because the pass
// runner works on one channel per thread: it reads the difference around a channel's work
// (status and metrics).
struct RequestCounts
{
  std::int64_t requests = 0;
  std::int64_t throttled = 0;
};
RequestCounts& thread_request_counts();

// Whether a client with allow-list `allowed` may contact `host` (empty list: any host).
bool is_host_allowed(std::string_view host, const std::vector<std::string>& allowed);
// True for loopback hosts (127.0.0.0/8, ::1, localhost): TLS verification may be off there.
bool is_loopback_host(std::string_view host);
// Host part of a URL ("http://127.0.0.1:8080/x" -> "127.0.0.1"); empty when unparsable.
std::string url_host(std::string_view url);
// RFC 3986 percent-encoding of everything but unreserved characters.
std::string url_encode(std::string_view text);
// "a=1&b=x%2By" from pairs, values url-encoded, in the given order.
std::string build_query(const std::vector<std::pair<std::string, std::string>>& params);
// Parses a Retry-After value (delta seconds or an HTTP date) relative to now.
std::optional<Millis> parse_retry_after(std::string_view value, TimePoint now);

} // namespace uoms::net
