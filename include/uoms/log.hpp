#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

// Logging to stderr, as text or one JSON object a line. Every line passes through the
// redactor, so a secret registered with add_secret() never reaches the log even when a
// URL, header or body containing it is logged.
namespace uoms::log {

enum class Level { error = 0, warn = 1, info = 2, debug = 3 };
enum class Format { text, json };

void configure(Level level, Format format);
Level level();

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
