#include "uoms/log.hpp"

#include "uoms/time.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <vector>

namespace uoms::log {

namespace {

constexpr std::string_view k_mask = "********";
constexpr std::size_t k_min_secret_length = 4;

std::atomic<Level> g_level{Level::warn};
std::atomic<Format> g_format{Format::text};

// Guards the secret list and serialises writes to stderr so lines never interleave.
std::mutex g_mutex;
// Every form that must be masked, longest first so a secret containing another is
// masked whole.
std::vector<std::string> g_secrets;

std::string_view level_name(Level level)
{
  switch (level) {
  case Level::error: return "error";
  case Level::warn: return "warn";
  case Level::info: return "info";
  case Level::debug: return "debug";
  }
  return "unknown";
}

// Percent-encodes everything outside RFC 3986's unreserved set, as curl_easy_escape and
// most query builders do; `upper` chooses the hex case.
std::string url_encode(std::string_view text, bool upper)
{
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0x0f];
    }
  }
  return out;
}

void add_form(std::string form)
{
  if (std::find(g_secrets.begin(), g_secrets.end(), form) == g_secrets.end()) {
    g_secrets.push_back(std::move(form));
  }
}

std::string redact_locked(std::string_view text)
{
  std::string out(text);
  for (const std::string& secret : g_secrets) {
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), k_mask);
      pos += k_mask.size();
    }
  }
  return out;
}

} // namespace

void configure(Level level, Format format)
{
  g_level = level;
  g_format = format;
}

Level level()
{
  return g_level;
}

void add_secret(std::string_view secret)
{
  if (secret.size() < k_min_secret_length) {
    return;
  }
  std::lock_guard lock(g_mutex);
  add_form(std::string(secret));
  add_form(url_encode(secret, true));
  add_form(url_encode(secret, false));
  std::stable_sort(g_secrets.begin(), g_secrets.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text)
{
  std::lock_guard lock(g_mutex);
  return redact_locked(text);
}

void write(Level level, std::string_view message)
{
  if (level > g_level.load()) {
    return;
  }
  std::lock_guard lock(g_mutex);
  const std::string clean = redact_locked(message);
  std::string line;
  if (g_format == Format::json) {
    const nlohmann::json object{
      {"time", format_utc(SystemClock{}.now())},
      {"level", level_name(level)},
      {"message", clean},
    };
    // Invalid UTF-8 in a message (a raw marketplace body) is replaced, never thrown.
    line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = fmt::format("uoms: {}: {}", level_name(level), clean);
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace uoms::log
