#pragma once

#include <stdexcept>
#include <string>

namespace uoms {

// The process exit codes, documented in README.md and `uoms --help`. A scheduler
// (cron, n8n) decides what to do next from these alone.
enum class ExitCode : int {
  ok = 0,
  failed = 1,      // the pass failed
  usage = 2,       // bad command line
  partial = 3,     // some channels or orders failed, the rest were saved
  config = 4,      // configuration or credential error
  skipped = 5,     // another pass of the same kind holds the lock
  interrupted = 130,
};

// The one exception family of uoms. Thrown for conditions that abort the command;
// caught once in `uoms::run` which prints `uoms: error: <what()>` and exits with code().
class Error : public std::runtime_error
{
public:
  Error(ExitCode code, const std::string& message)
    : std::runtime_error(message),
      m_code(code)
  {
  }

  ExitCode code() const { return m_code; }

private:
  ExitCode m_code;
};

struct ConfigError : Error
{
  explicit ConfigError(const std::string& message) : Error(ExitCode::config, message) {}
};

struct UsageError : Error
{
  explicit UsageError(const std::string& message) : Error(ExitCode::usage, message) {}
};

struct Failure : Error
{
  explicit Failure(const std::string& message) : Error(ExitCode::failed, message) {}
};

} // namespace uoms
