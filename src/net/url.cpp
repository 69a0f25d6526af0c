// URL and header helpers of the HTTP layer. They lean on libcurl's own parsers (the URL
// API, curl_easy_escape, curl_getdate) so the host we check against the allow-list is
// the host curl will contact, and HTTP dates are read the way curl reads them.
#include "uoms/http.hpp"
#include "uoms/util/text.hpp"

#include <curl/curl.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <memory>

namespace uoms::net {

namespace {

char lower(char c)
{
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool iequals(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower(x) == lower(y);
         });
}

struct CurluDeleter
{
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

struct CurlStringDeleter
{
  void operator()(char* text) const { curl_free(text); }
};

} // namespace

std::optional<std::string> Response::header(std::string_view name) const
{
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) {
      return value;
    }
  }
  return std::nullopt;
}

bool is_loopback_host(std::string_view host)
{
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.ends_with('.')) {
    host.remove_suffix(1); // "localhost." is the same name, fully qualified
  }
  if (iequals(host, "localhost")) {
    return true;
  }
  // inet_pton accepts only the canonical dotted quad, so "127.1" or "0x7f.0.0.1" (which
  // some resolvers would also map to loopback) are not treated as loopback: that only
  // errs on the safe side.
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) {
      return true;
    }
    // ::ffff:127.x.y.z is IPv4 loopback written as IPv6.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

std::string url_host(std::string_view url)
{
  std::unique_ptr<CURLU, CurluDeleter> handle(curl_url());
  if (!handle) {
    return {};
  }
  const std::string text(url);
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return {};
  }
  char* raw = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_HOST, &raw, 0) != CURLUE_OK || raw == nullptr) {
    return {};
  }
  std::unique_ptr<char, CurlStringDeleter> owned(raw);
  std::string host(raw);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return util::ascii_lower(host);
}

std::string url_encode(std::string_view text)
{
  if (text.empty()) {
    return {};
  }
  // Since libcurl 7.82 the handle argument is ignored, so no easy handle is needed. curl
  // keeps exactly the RFC 3986 unreserved set (ALPHA DIGIT - . _ ~) and encodes the rest.
  std::unique_ptr<char, CurlStringDeleter> escaped(
    curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())));
  return escaped ? std::string(escaped.get()) : std::string{};
}

std::string build_query(const std::vector<std::pair<std::string, std::string>>& params)
{
  std::string query;
  for (const auto& [key, value] : params) {
    if (!query.empty()) {
      query += '&';
    }
    query += url_encode(key);
    query += '=';
    query += url_encode(value);
  }
  return query;
}

std::optional<Millis> parse_retry_after(std::string_view value, TimePoint now)
{
  value = util::trim(value);
  if (value.empty()) {
    return std::nullopt;
  }
  if (std::ranges::all_of(value, [](char c) { return c >= '0' && c <= '9'; })) {
    // Delta seconds. Absurd values saturate; the caller caps the wait anyway.
    constexpr long long k_max_seconds = 1'000'000'000;
    long long seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc::result_out_of_range || seconds > k_max_seconds) {
      seconds = k_max_seconds;
    } else if (ec != std::errc{} || end != value.data() + value.size()) {
      return std::nullopt;
    }
    return Millis{seconds * 1000};
  }
  // An HTTP date (IMF-fixdate, RFC 850 or asctime). curl_getdate is lenient, so require
  // at least a letter (a month or weekday name) to avoid reading stray numbers as dates.
  if (!std::ranges::any_of(value, [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) {
    return std::nullopt;
  }
  const auto delay = std::chrono::sys_seconds{std::chrono::seconds{when}} - now;
  return std::max(Millis{0}, std::chrono::duration_cast<Millis>(delay));
}

} // namespace uoms::net
