#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

// Logging to stderr, as text or one JSON object a line. Every line passes through the
// redactor, so a secret registered with add_secret() never reaches the log even when a
// URL, header or body containing it is logged.
namespace uoms::log {

// `off` (under --quiet) leaves only the top-level error line, which report_error writes.
enum class Level { off = -1, error = 0, warn = 1, info = 2, debug = 3 };
enum class Format { text, json };

// `timestamps` prefixes text lines with the UTC time; the CLI turns it off when stderr
// is the systemd journal (JOURNAL_STREAM), which stamps lines itself. JSON lines always
// carry `time`.
void configure(Level level, Format format, bool timestamps = false);
Level level();
Format format();

// What the current thread works on, for every line it logs until the scope ends: JSON
// lines carry `channel` and `job` fields, and a text line about a channel that does not
// already name it starts with `channel NAME: `. Scopes nest; the inner one wins.
class Scope
{
public:
  Scope(std::string channel, long long job);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

private:
  std::string m_saved_channel;
  long long m_saved_job = 0;
};

// The one error line the CLI ends a failed command with, whatever the level:
// `uoms: error: MESSAGE` as text (no timestamp: it is the command's answer, not a log
// line), or a JSON log line with --log-format json. Clears a progress line first.
void report_error(std::string_view message);

// A transient progress line on a terminal's stderr, redrawn in place. Any log line or
// error line clears it first, so none is printed after half a progress line.
void progress(std::string_view text);
void clear_progress();

// Registers a value that must never be printed; every log line and every error
// message passed through redact() replaces it with `********`. Values shorter than
// 4 characters are ignored (they would mangle ordinary text).
void add_secret(std::string_view secret);
std::string redact(std::string_view text);

void write(Level level, std::string_view message);

template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args)
{
  write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args)
{
  write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args)
{
  if (level() >= Level::info) {
    write(Level::info, fmt::format(f, std::forward<Args>(args)...));
  }
}

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args)
{
  if (level() >= Level::debug) {
    write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
  }
}

} // namespace uoms::log
