// The real HttpClient, over libcurl. This folder is the only place that includes curl.
#include "src/net/rate_limiter.hpp"
#include "uoms/http.hpp"
#include "uoms/log.hpp"
#include "uoms/util/text.hpp"
#include "uoms/write_once.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>

#include <sys/stat.h>
#include <unistd.h>

namespace uoms::net {

namespace {

using util::ascii_lower;
using util::join;
using util::trim;

void global_init()
{
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

bool has_header(const Headers& headers, std::string_view name)
{
  const std::string wanted = ascii_lower(name);
  return std::ranges::any_of(headers, [&](const auto& header) { return ascii_lower(header.first) == wanted; });
}

// One allow-list entry against a host (already lower-case, without IPv6 brackets).
bool host_matches(std::string_view host, std::string_view entry)
{
  const std::string pattern = ascii_lower(trim(entry));
  if (pattern == "loopback") {
    return is_loopback_host(host);
  }
  if (pattern.starts_with("*.")) {
    const std::string_view suffix = std::string_view(pattern).substr(1); // ".example.com"
    return host.size() > suffix.size() && host.ends_with(suffix);
  }
  std::string_view exact = pattern;
  if (exact.size() >= 2 && exact.front() == '[' && exact.back() == ']') {
    exact = exact.substr(1, exact.size() - 2);
  }
  return host == exact;
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allowed)
{
  if (allowed.empty()) {
    return true;
  }
  if (host.empty()) {
    return false;
  }
  return std::ranges::any_of(allowed, [&](const std::string& entry) { return host_matches(host, entry); });
}

// What the request is called in logs and errors: its label, or method and URL without
// the query (the query may carry signatures or tokens).
std::string describe(const Request& request)
{
  if (!request.label.empty()) {
    return request.label;
  }
  const std::string_view url = request.url;
  return fmt::format("{} {}", request.method, url.substr(0, url.find_first_of("?#")));
}

bool is_retryable_status(int status)
{
  return status == 429 || (status >= 500 && status <= 599);
}

// Transport failures worth another try: the server or the network may do better next time.
bool is_retryable_code(CURLcode code)
{
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_HTTP3:
    return true;
  default:
    return false;
  }
}

// Failures before the request left: the server cannot have seen it, so even a write may go again.
bool is_unsent_code(CURLcode code)
{
  return code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_CONNECT || code == CURLE_SSL_CONNECT_ERROR;
}

bool& write_once_flag()
{
  thread_local bool active = false;
  return active;
}

TransportErrorKind kind_of(CURLcode code)
{
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT:
    return TransportErrorKind::connect;
  case CURLE_OPERATION_TIMEDOUT:
    return TransportErrorKind::timeout;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_USE_SSL_FAILED:
    return TransportErrorKind::tls;
  default:
    return TransportErrorKind::other;
  }
}

std::string_view kind_phrase(TransportErrorKind kind)
{
  switch (kind) {
  case TransportErrorKind::connect:
    return "could not connect to";
  case TransportErrorKind::timeout:
    return "timed out talking to";
  case TransportErrorKind::tls:
    return "TLS failure with";
  case TransportErrorKind::host_not_allowed:
    return "refused to contact";
  case TransportErrorKind::other:
    break;
  }
  return "transport error with";
}

size_t write_body(char* data, size_t size, size_t count, void* user)
{
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t write_file(char* data, size_t size, size_t count, void* user)
{
  return std::fwrite(data, 1, size * count, static_cast<std::FILE*>(user));
}

// Bytes of the answer, wherever it went.
std::size_t body_size(const Response& response)
{
  if (response.body_file == nullptr) {
    return response.body.size();
  }
  struct stat st{};
  return ::fstat(::fileno(response.body_file), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

size_t write_header(char* data, size_t size, size_t count, void* user)
{
  auto& headers = *static_cast<Headers*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue or a proxy's CONNECT): only the final
    // response's headers count.
    headers.clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    headers.emplace_back(ascii_lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

struct CurlDeleter
{
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};

struct SlistDeleter
{
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// One easy handle per client, reset and reused across requests so connections stay
// alive between calls to the same marketplace. Not thread-safe: a client is used by one
// thread at a time (a connector's pass is sequential). Only the rate limiter may be
// shared between threads.
class CurlClient : public HttpClient
{
public:
  CurlClient(HttpOptions options, Clock& clock)
    : m_options(std::move(options)),
      m_clock(clock),
      m_random(std::random_device{}())
  {
    global_init();
    m_handle.reset(curl_easy_init());
    if (!m_handle) {
      throw std::runtime_error("curl_easy_init failed");
    }
    if (m_options.rate_limit > 0) {
      m_limiter.emplace(m_options.rate_limit, m_clock);
    }
  }

  HttpResult send(const Request& request) override
  {
    const std::string what = describe(request);
    const std::string host = url_host(request.url);
    if (!host_allowed(host, m_options.allowed_hosts)) {
      TransportError error;
      error.kind = TransportErrorKind::host_not_allowed;
      const std::string allowed = join(m_options.allowed_hosts, ", ");
      error.message = log::redact(
        host.empty()
          ? fmt::format("{}: no host in the URL, so it is not allowed (allowed hosts: {})", what, allowed)
          : fmt::format("host {} is not allowed (allowed hosts: {}); set http.allowed_hosts or UOMS_ALLOWED_HOSTS",
                        host, allowed));
      return std::unexpected(std::move(error));
    }

    const int max_attempts = std::max(1, m_options.retry.max_attempts);
    // A write that may have arrived is never sent again (WriteOnce): only what certainly did not is.
    const bool write_once = WriteOnce::active();
    for (int attempt = 1;; ++attempt) {
      if (m_limiter) {
        m_limiter->acquire();
      }
      Attempt result = perform(request, host);
      const bool last = attempt >= max_attempts;
      auto& counts = thread_request_counts();
      ++counts.requests;

      if (result.response) {
        Response& response = *result.response;
        response.attempts = attempt;
        const bool incomplete = m_options.is_incomplete && m_options.is_incomplete(response);
        if (incomplete && (last || write_once)) {
          TransportError error;
          error.attempts = attempt;
          error.message = log::redact(fmt::format("{}: transport error with {}: HTTP {} with a body cut short or "
                                                  "not JSON ({} bytes){}",
                                                  what, host, response.status, body_size(response),
                                                  attempt > 1 ? fmt::format(" (after {} attempts)", attempt) : ""));
          log::debug("{}", error.message);
          return std::unexpected(std::move(error));
        }
        const bool throttled = m_options.is_throttled && m_options.is_throttled(response);
        if (throttled || response.status == 429) {
          ++counts.throttled;
        }
        const bool unsure = incomplete || (is_retryable_status(response.status) && response.status != 429);
        const bool retry = !last && (throttled || response.status == 429 || (unsure && !write_once));
        if (!retry) {
          log::debug("{}: HTTP {} after {} ms (attempt {}/{})", what, response.status, result.elapsed.count(),
                     attempt, max_attempts);
          return std::move(response);
        }
        const Millis delay = retry_delay(attempt, response.header("retry-after"));
        log::debug("{}: HTTP {} after {} ms, retrying in {} ms (attempt {}/{})", what, response.status,
                   result.elapsed.count(), delay.count(), attempt + 1, max_attempts);
        m_clock.sleep_for(delay);
        continue;
      }

      TransportError& error = *result.error;
      error.attempts = attempt;
      if (last || !result.retryable || (write_once && !result.unsent)) {
        log::debug("{} after {} ms, giving up (attempt {}/{})", error.message, result.elapsed.count(), attempt,
                   max_attempts);
        if (attempt > 1) {
          error.message += fmt::format(" (after {} attempts)", attempt);
        }
        error.message = log::redact(error.message);
        return std::unexpected(std::move(error));
      }
      const Millis delay = retry_delay(attempt, std::nullopt);
      log::debug("{} after {} ms, retrying in {} ms (attempt {}/{})", error.message, result.elapsed.count(),
                 delay.count(), attempt + 1, max_attempts);
      m_clock.sleep_for(delay);
    }
  }

private:
  struct Attempt
  {
    std::optional<Response> response;
    std::optional<TransportError> error;
    bool retryable = false;
    bool unsent = false; // failed before the request left (no connection)
    Millis elapsed{0};
  };

  // Exponential backoff with up to 50% jitter, or the server's Retry-After when given.
  Millis retry_delay(int attempt, const std::optional<std::string>& retry_after)
  {
    const RetryPolicy& policy = m_options.retry;
    if (retry_after) {
      if (const auto wait = parse_retry_after(*retry_after, m_clock.now())) {
        return std::min(*wait, policy.max_retry_after);
      }
    }
    Millis delay = policy.base_delay;
    for (int i = 1; i < attempt && delay < policy.max_delay; ++i) {
      delay *= 2;
    }
    delay = std::min(delay, policy.max_delay);
    std::uniform_int_distribution<long long> jitter(0, delay.count() / 2);
    return delay + Millis{jitter(m_random)};
  }

  Attempt perform(const Request& request, const std::string& host)
  {
    CURL* curl = m_handle.get();
    // Reset drops every option of the previous request but keeps the connection cache.
    curl_easy_reset(curl);

    Attempt attempt;
    Response response;
    char error_buffer[CURL_ERROR_SIZE] = {};
    const bool loopback = is_loopback_host(host);

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    // Redirects are not followed: the allow-list was checked for this host only.
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(m_options.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(m_options.total_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, loopback ? 0L : 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, loopback ? 0L : 2L);
    if (loopback) {
      // A proxy from the environment must not see (or break) traffic to the sandbox.
      curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    }
    curl_easy_setopt(curl, CURLOPT_USERAGENT, m_options.user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    if (request.body_file != nullptr) {
      std::rewind(request.body_file);
      if (::ftruncate(::fileno(request.body_file), 0) != 0) {
        TransportError error;
        error.message = fmt::format("{}: cannot empty the file for the answer: {}", describe(request), std::strerror(errno));
        attempt.error = std::move(error);
        return attempt;
      }
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_file);
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, request.body_file);
    } else {
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    }
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

    // Method and body exactly as given.
    const bool send_body =
      !request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
    if (request.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (send_body) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      if (request.method != "POST") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
    } else if (request.method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    } else {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }

    // Headers exactly as given: curl would otherwise add `Content-Type:
    // application/x-www-form-urlencoded` to a body and `Expect: 100-continue` to a large one.
    curl_slist* raw_list = nullptr;
    auto append = [&](const std::string& line) {
      if (curl_slist* next = curl_slist_append(raw_list, line.c_str())) {
        raw_list = next;
      }
    };
    for (const auto& [name, value] : request.headers) {
      // "Name;" is curl's spelling for a header with an empty value.
      append(value.empty() ? name + ";" : name + ": " + value);
    }
    if (send_body && !has_header(request.headers, "content-type")) {
      append("Content-Type:");
    }
    if (!has_header(request.headers, "expect")) {
      append("Expect:");
    }
    std::unique_ptr<curl_slist, SlistDeleter> header_list(raw_list);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());

    const CURLcode code = curl_easy_perform(curl);

    curl_off_t total_us = 0;
    curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &total_us);
    attempt.elapsed = Millis{total_us / 1000};
    // The buffer points into this frame; make sure curl no longer holds it.
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);

    if (code != CURLE_OK) {
      TransportError error;
      error.kind = kind_of(code);
      const std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer) : curl_easy_strerror(code);
      error.message = fmt::format("{}: {} {}: {}", describe(request), kind_phrase(error.kind), host, detail);
      attempt.error = std::move(error);
      attempt.retryable = is_retryable_code(code);
      attempt.unsent = is_unsent_code(code);
      return attempt;
    }
    if (request.body_file != nullptr) {
      if (std::fflush(request.body_file) != 0) {
        TransportError error;
        error.message = fmt::format("{}: cannot write the answer to a file: {}", describe(request), std::strerror(errno));
        attempt.error = std::move(error);
        return attempt;
      }
      std::rewind(request.body_file);
      response.body_file = request.body_file;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    attempt.response = std::move(response);
    return attempt;
  }

  HttpOptions m_options;
  Clock& m_clock;
  std::unique_ptr<CURL, CurlDeleter> m_handle;
  std::optional<RateLimiter> m_limiter;
  std::mt19937_64 m_random;
};

} // namespace

bool is_host_allowed(std::string_view host, const std::vector<std::string>& allowed)
{
  return host_allowed(host, allowed);
}

WriteOnce::WriteOnce() : m_outer(write_once_flag())
{
  write_once_flag() = true;
}

WriteOnce::~WriteOnce()
{
  write_once_flag() = m_outer;
}

bool WriteOnce::active()
{
  return write_once_flag();
}

RequestCounts& thread_request_counts()
{
  thread_local RequestCounts counts;
  return counts;
}

std::unique_ptr<HttpClient> make_curl_client(HttpOptions options, Clock& clock)
{
  return std::make_unique<CurlClient>(std::move(options), clock);
}

} // namespace uoms::net
