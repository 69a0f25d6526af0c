#include "uoms/log.hpp"
#include "uoms/time.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace ulog = uoms::log;

namespace {

// Redirects file descriptor 2 into a temporary file for the capture's lifetime, and
// restores the default logging configuration afterwards.
class StderrCapture
{
public:
  StderrCapture()
  {
    std::fflush(stderr);
    m_file = std::tmpfile();
    REQUIRE(m_file != nullptr);
    m_saved = ::dup(STDERR_FILENO);
    ::dup2(::fileno(m_file), STDERR_FILENO);
  }
  ~StderrCapture()
  {
    restore();
    std::fclose(m_file);
    ulog::configure(ulog::Level::warn, ulog::Format::text);
  }

  std::string text()
  {
    restore();
    std::string out;
    std::rewind(m_file);
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, m_file)) > 0) {
      out.append(buffer, n);
    }
    return out;
  }

  std::vector<std::string> lines()
  {
    std::vector<std::string> out;
    std::istringstream stream(text());
    for (std::string line; std::getline(stream, line);) {
      out.push_back(line);
    }
    return out;
  }

private:
  void restore()
  {
    if (m_saved >= 0) {
      std::fflush(stderr);
      ::dup2(m_saved, STDERR_FILENO);
      ::close(m_saved);
      m_saved = -1;
    }
  }

  std::FILE* m_file = nullptr;
  int m_saved = -1;
};

} // namespace

TEST_CASE("ulog::levels")
{
  SUBCASE("default is warn, text")
  {
    StderrCapture capture;
    ulog::configure(ulog::Level::warn, ulog::Format::text);
    CHECK(ulog::level() == ulog::Level::warn);
    ulog::error("disk {} full", "/var");
    ulog::warn("rate limited, retry in {} s", 3);
    ulog::info("not shown");
    ulog::debug("not shown");
    CHECK(capture.text() == "uoms: error: disk /var full\nuoms: warn: rate limited, retry in 3 s\n");
  }
  SUBCASE("debug shows everything")
  {
    StderrCapture capture;
    ulog::configure(ulog::Level::debug, ulog::Format::text);
    ulog::info("a");
    ulog::debug("b");
    CHECK(capture.text() == "uoms: info: a\nuoms: debug: b\n");
  }
  SUBCASE("error hides warnings, also through write()")
  {
    StderrCapture capture;
    ulog::configure(ulog::Level::error, ulog::Format::text);
    ulog::warn("hidden");
    ulog::write(ulog::Level::info, "hidden");
    ulog::write(ulog::Level::error, "shown");
    CHECK(capture.text() == "uoms: error: shown\n");
  }
}

TEST_CASE("ulog::json")
{
  StderrCapture capture;
  ulog::configure(ulog::Level::info, ulog::Format::json);
  ulog::info("quote \" and\nnewline");
  ulog::warn("second");
  const auto lines = capture.lines();
  REQUIRE(lines.size() == 2);
  const auto first = nlohmann::json::parse(lines[0]);
  CHECK(first.size() == 3);
  CHECK(first.at("level") == "info");
  CHECK(first.at("message") == "quote \" and\nnewline");
  const std::string time = first.at("time");
  CHECK(time.size() == 24);
  CHECK(uoms::parse_time(time).has_value());
  CHECK(nlohmann::json::parse(lines[1]).at("level") == "warn");
}

TEST_CASE("ulog::redact")
{
  SUBCASE("every occurrence, raw and URL-encoded")
  {
    ulog::add_secret("tok/en+Secret=1");
    CHECK(ulog::redact("a tok/en+Secret=1 b tok/en+Secret=1") == "a ******** b ********");
    CHECK(ulog::redact("GET /x?access_token=tok%2Fen%2BSecret%3D1&y=2") == "GET /x?access_token=********&y=2");
    CHECK(ulog::redact("tok%2fen%2bSecret%3d1") == "********");
    CHECK(ulog::redact("nothing here") == "nothing here");
  }
  SUBCASE("short values are ignored")
  {
    ulog::add_secret("abc");
    ulog::add_secret("");
    CHECK(ulog::redact("abc is not a secret") == "abc is not a secret");
  }
  SUBCASE("a secret containing another is masked whole")
  {
    ulog::add_secret("inner-9f3k");
    ulog::add_secret("outer-inner-9f3k-outer");
    CHECK(ulog::redact("x outer-inner-9f3k-outer y inner-9f3k") == "x ******** y ********");
  }
  SUBCASE("log lines pass the redactor in both formats")
  {
    ulog::add_secret("hunter2-password");
    {
      StderrCapture capture;
      ulog::configure(ulog::Level::warn, ulog::Format::text);
      ulog::error("login with hunter2-password failed");
      CHECK(capture.text() == "uoms: error: login with ******** failed\n");
    }
    {
      StderrCapture capture;
      ulog::configure(ulog::Level::warn, ulog::Format::json);
      ulog::warn("body {{\"pw\":\"hunter2-password\"}}");
      const auto line = capture.text();
      CHECK(line.find("hunter2") == std::string::npos);
      CHECK(nlohmann::json::parse(line).at("message") == "body {\"pw\":\"********\"}");
    }
  }
}

TEST_CASE("ulog::threads")
{
  // Lines written concurrently never interleave.
  StderrCapture capture;
  ulog::configure(ulog::Level::warn, ulog::Format::text);
  constexpr int k_threads = 4;
  constexpr int k_lines = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < k_lines; ++i) {
        ulog::warn("thread {} line {} {}", t, i, std::string(100, char('a' + t)));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const auto lines = capture.lines();
  CHECK(lines.size() == std::size_t(k_threads * k_lines));
  int intact = 0;
  for (const std::string& line : lines) {
    for (int t = 0; t < k_threads; ++t) {
      const std::string prefix = fmt::format("uoms: warn: thread {} line ", t);
      const std::string suffix = " " + std::string(100, char('a' + t));
      if (line.starts_with(prefix) && line.ends_with(suffix)) {
        ++intact;
      }
    }
  }
  CHECK(intact == k_threads * k_lines);
}

TEST_CASE("ulog::Scope, timestamps, report_error and progress")
{
  SUBCASE("a text line about a channel names it once; nested scopes restore")
  {
    StderrCapture capture;
    ulog::configure(ulog::Level::warn, ulog::Format::text);
    {
      const ulog::Scope job({}, 42);
      ulog::warn("job level");
      {
        const ulog::Scope channel("shop", 42);
        ulog::warn("HTTP 429, retrying");
        ulog::warn("channel shop: already named");
      }
      ulog::warn("after");
    }
    CHECK(capture.text() == "uoms: warn: job level\nuoms: warn: channel shop: HTTP 429, retrying\n"
                            "uoms: warn: channel shop: already named\nuoms: warn: after\n");
  }
  SUBCASE("JSON lines carry channel and job")
  {
    StderrCapture capture;
    ulog::configure(ulog::Level::warn, ulog::Format::json);
    {
      const ulog::Scope channel("shop", 7);
      ulog::warn("slow");
    }
    ulog::warn("outside");
    const auto lines = capture.lines();
    REQUIRE(lines.size() == 2);
    const auto first = nlohmann::json::parse(lines[0]);
    CHECK(first.at("channel") == "shop");
    CHECK(first.at("job") == 7);
    CHECK(first.at("message") == "slow");
    CHECK_FALSE(nlohmann::json::parse(lines[1]).contains("channel"));
  }
  SUBCASE("timestamps prefix log lines, not the command's error line")
  {
    StderrCapture capture;
    ulog::configure(ulog::Level::off, ulog::Format::text, true);
    ulog::error("hidden at off");
    ulog::report_error("the answer");
    ulog::configure(ulog::Level::warn, ulog::Format::text, true);
    ulog::warn("stamped");
    const auto lines = capture.lines();
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "uoms: error: the answer");
    REQUIRE(lines[1].size() > 25);
    CHECK(uoms::parse_time(lines[1].substr(0, 24)).has_value());
    CHECK(lines[1].substr(24) == " uoms: warn: stamped");
  }
  SUBCASE("a progress line is cleared before the next line")
  {
    StderrCapture capture;
    ulog::configure(ulog::Level::warn, ulog::Format::text);
    ulog::progress("collect: 1/2 channels");
    ulog::report_error("boom");
    ulog::clear_progress(); // nothing left to clear
    CHECK(capture.text() == "\rcollect: 1/2 channels\033[K\r\033[Kuoms: error: boom\n");
  }
}
