#pragma once

#include "uoms/connector.hpp"
#include "uoms/http.hpp"
#include "uoms/time.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

// What every connector's unit tests need besides FakeHttp: instants, fixtures, request
// headers and a token store that counts what the connector did with it.
namespace uoms::testing {

inline TimePoint utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0)
{
  using namespace std::chrono;
  return TimePoint{sys_days{year{y} / month{m} / day{d}}} + hours{hh} + minutes{mm} + seconds{ss};
}

// connectors/KIND/tests/fixtures/NAME, whole.
inline std::string read_fixture(std::string_view kind, std::string_view name)
{
  std::ifstream in(std::string(UOMS_SOURCE_DIR) + "/connectors/" + std::string(kind) + "/tests/fixtures/"
                   + std::string(name));
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first value of header `name` (exact case), or "".
inline std::string header(const net::Request& request, std::string_view name)
{
  for (const auto& [key, value] : request.headers) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

// A TokenStore in memory, counting saves and lock calls.
class MemoryTokens : public connectors::TokenStore
{
public:
  std::map<std::string, connectors::Token, std::less<>> tokens;
  int saves = 0;
  int locks = 0;
  int unlocks = 0;

  std::optional<connectors::Token> load(std::string_view name) override
  {
    const auto it = tokens.find(name);
    if (it == tokens.end()) {
      return std::nullopt;
    }
    return it->second;
  }
  void save(std::string_view name, const connectors::Token& token) override
  {
    tokens[std::string(name)] = token;
    ++saves;
  }
  bool lock(std::string_view, Millis) override
  {
    ++locks;
    return true;
  }
  void unlock(std::string_view) override { ++unlocks; }
};

} // namespace uoms::testing
