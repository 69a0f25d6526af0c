#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The one checked conversion for numbers that come from outside (a marketplace response, a
// CSV file): every such number says what it counts, and that decides the values it may
// take. A number outside them is refused here, before any arithmetic can overflow on it.
namespace uoms::util {

// What a number counts.
enum class Figure {
  money,    // an amount in minor units (won, yen, cents): at most a trillion either way
  quantity, // units of one order line: 0 to a million
  lifetime, // a token lifetime in seconds: 1 s to a year
  epoch,    // a Unix time in seconds: 2000-01-01 to 2100-01-01
};

struct FigureRange
{
  std::int64_t low;
  std::int64_t high;
  std::string_view what; // "an amount", "a quantity", ...
};

FigureRange range_of(Figure figure);

// `value` when it is a whole number within `figure`'s range; nullopt otherwise (NaN,
// infinity, a fraction, too large or too small).
std::optional<std::int64_t> checked(Figure figure, double value);
std::optional<std::int64_t> checked(Figure figure, std::int64_t value);
std::optional<std::int64_t> checked(Figure figure, std::uint64_t value);

// The error line for `text` (the number as it was sent) under `key`:
// `orderQty 2000000 is not a quantity from 0 to 1000000`.
std::string out_of_range(Figure figure, std::string_view key, std::string_view text);

} // namespace uoms::util
