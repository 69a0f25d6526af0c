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
std::atomic<bool> g_timestamps{false};
bool g_progress_shown = false; // under g_mutex

thread_local std::string t_channel;
thread_local long long t_job = 0;

// Guards the secret list and serialises writes to stderr so lines never interleave.
std::mutex g_mutex;
// Every form that must be masked, longest first so a secret containing another is
// masked whole.
std::vector<std::string> g_secrets;

std::string_view level_name(Level level)
{
  switch (level) {
  case Level::off: return "off";
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

void configure(Level level, Format format, bool timestamps)
{
  g_level = level;
  g_format = format;
  g_timestamps = timestamps;
}

Level level()
{
  return g_level;
}

Format format()
{
  return g_format;
}

Scope::Scope(std::string channel, long long job) : m_saved_channel(std::move(t_channel)), m_saved_job(t_job)
{
  t_channel = std::move(channel);
  t_job = job;
}

Scope::~Scope()
{
  t_channel = std::move(m_saved_channel);
  t_job = m_saved_job;
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

namespace {

void clear_progress_locked()
{
  if (g_progress_shown) {
    std::fputs("\r\033[K", stderr);
    g_progress_shown = false;
  }
}

void emit_locked(Level level, std::string_view message, bool stamped)
{
  clear_progress_locked();
  const std::string clean = redact_locked(message);
  std::string line;
  if (g_format == Format::json) {
    nlohmann::json object{
      {"time", format_utc(SystemClock{}.now())},
      {"level", level_name(level)},
      {"message", clean},
    };
    if (!t_channel.empty()) object["channel"] = t_channel;
    if (t_job != 0) object["job"] = t_job;
    // Invalid UTF-8 in a message (a raw marketplace body) is replaced, never thrown.
    line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    const std::string named = "channel " + t_channel;
    const bool names_it = t_channel.empty() || clean.starts_with(named + ":") || clean.starts_with(named + " ");
    line = fmt::format("{}uoms: {}: {}{}", stamped && g_timestamps ? format_utc(SystemClock{}.now()) + " " : "",
                       level_name(level), names_it ? "" : named + ": ", clean);
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace

void write(Level level, std::string_view message)
{
  if (level > g_level.load()) {
    return;
  }
  std::lock_guard lock(g_mutex);
  emit_locked(level, message, true);
}

void report_error(std::string_view message)
{
  std::lock_guard lock(g_mutex);
  emit_locked(Level::error, message, false);
}

void progress(std::string_view text)
{
  std::lock_guard lock(g_mutex);
  std::string line = "\r" + std::string(text) + "\033[K";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  g_progress_shown = true;
}

void clear_progress()
{
  std::lock_guard lock(g_mutex);
  clear_progress_locked();
  std::fflush(stderr);
}

} // namespace uoms::log
