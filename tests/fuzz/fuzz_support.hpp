#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

// What the fuzz targets share. Each target feeds one input surface the bytes a marketplace,
// a file or an operator could send, the way uoms reads them; anything that escapes the
// surface's documented error paths (an uncaught exception, a sanitizer report) is a crash.
namespace uoms::fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size)
{
  return {reinterpret_cast<const char*>(data), size};
}

// A response body as the HTTP client hands it to a connector: JSON, or nothing (a body
// that is not JSON is a contract error before any mapping runs).
inline std::optional<nlohmann::json> parse_body(const std::uint8_t* data, std::size_t size)
{
  auto body = nlohmann::json::parse(text(data, size), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return std::nullopt;
  }
  return body;
}

} // namespace uoms::fuzz
