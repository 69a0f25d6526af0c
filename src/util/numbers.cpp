#include "uoms/util/numbers.hpp"

#include <fmt/format.h>

#include <cmath>

namespace uoms::util {

FigureRange range_of(Figure figure)
{
  switch (figure) {
  case Figure::money:
    return {-1'000'000'000'000, 1'000'000'000'000, "an amount in minor units"};
  case Figure::quantity:
    return {0, 1'000'000, "a quantity"};
  case Figure::lifetime:
    return {1, 366LL * 24 * 3600, "a lifetime in seconds"};
  case Figure::epoch:
    return {946'684'800, 4'102'444'800, "a Unix time"};
  }
  return {0, 0, "a number"};
}

std::optional<std::int64_t> checked(Figure figure, std::int64_t value)
{
  const FigureRange range = range_of(figure);
  if (value < range.low || value > range.high) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> checked(Figure figure, std::uint64_t value)
{
  // Every range ends well below 2^63, so a larger unsigned value is simply out of it.
  if (value > static_cast<std::uint64_t>(range_of(figure).high)) {
    return std::nullopt;
  }
  return checked(figure, static_cast<std::int64_t>(value));
}

std::optional<std::int64_t> checked(Figure figure, double value)
{
  const FigureRange range = range_of(figure);
  // Compared as doubles first: the ranges are exact in a double, and a cast of anything
  // outside int64 would be undefined.
  if (!std::isfinite(value) || std::floor(value) != value || value < static_cast<double>(range.low)
      || value > static_cast<double>(range.high)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(value);
}

std::string out_of_range(Figure figure, std::string_view key, std::string_view text)
{
  const FigureRange range = range_of(figure);
  return fmt::format("{} {} is not {} from {} to {}", key, text, range.what, range.low, range.high);
}

} // namespace uoms::util
