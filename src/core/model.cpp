#include "uoms/model.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace uoms {

namespace {

// The stored name of each OrderStatus, indexed by its value (the enum's declaration order).
constexpr std::array<std::string_view, 13> k_status_names{
  "pending_payment", "paid", "preparing", "shipped", "delivered", "completed",
  "cancel_requested", "cancelled", "return_requested", "returned",
  "exchange_requested", "exchanged", "unknown",
};
static_assert(k_status_names.size() == static_cast<std::size_t>(OrderStatus::unknown) + 1);

// ISO 4217 minor units for the currencies that do not use 2 (every other code does).
constexpr std::array<std::pair<std::string_view, int>, 24> k_currency_exponents{{
  {"BIF", 0}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"ISK", 0}, {"JPY", 0},
  {"KMF", 0}, {"KRW", 0}, {"PYG", 0}, {"RWF", 0}, {"UGX", 0}, {"UYI", 0},
  {"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0}, {"BHD", 3},
  {"IQD", 3}, {"JOD", 3}, {"KWD", 3}, {"LYD", 3}, {"OMR", 3}, {"TND", 3},
}};

constexpr int k_default_exponent = 2;

} // namespace

std::string_view to_string(OrderStatus status)
{
  const auto index = static_cast<std::size_t>(status);
  return index < k_status_names.size() ? k_status_names[index] : "unknown";
}

std::optional<OrderStatus> parse_order_status(std::string_view text)
{
  const auto it = std::ranges::find(k_status_names, text);
  if (it == k_status_names.end()) {
    return std::nullopt;
  }
  return static_cast<OrderStatus>(it - k_status_names.begin());
}

int currency_exponent(std::string_view currency)
{
  std::string upper(currency);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') {
      c = char(c - 'a' + 'A');
    }
  }
  for (const auto& [code, exponent] : k_currency_exponents) {
    if (code == upper) {
      return exponent;
    }
  }
  return k_default_exponent;
}

std::int64_t to_minor_units(double amount, std::string_view currency)
{
  if (std::isnan(amount)) {
    return 0;
  }
  constexpr auto k_max = std::numeric_limits<std::int64_t>::max();
  constexpr auto k_min = std::numeric_limits<std::int64_t>::min();
  if (std::isinf(amount)) {
    return amount > 0 ? k_max : k_min;
  }
  // Round the shortest decimal text that reads back as `amount` (what the marketplace
  // sent, e.g. "1.005"), not the binary value (1.00499999...), so no float drift can
  // move a half the wrong way.
  std::array<char, 400> buffer{};
  const auto [end, ec] =
    std::to_chars(buffer.data(), buffer.data() + buffer.size(), amount, std::chars_format::fixed);
  if (ec != std::errc{}) {
    return 0;
  }
  std::string_view text(buffer.data(), std::size_t(end - buffer.data()));
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) {
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const std::string_view integer = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);

  const int exponent = currency_exponent(currency);
  // Accumulate as unsigned magnitude, saturating rather than overflowing.
  constexpr std::uint64_t k_limit = std::uint64_t(k_max);
  std::uint64_t magnitude = 0;
  bool saturated = false;
  auto push_digit = [&](char digit) {
    const std::uint64_t d = std::uint64_t(digit - '0');
    if (magnitude > (k_limit - d) / 10) {
      saturated = true;
      return;
    }
    magnitude = magnitude * 10 + d;
  };
  for (char c : integer) {
    push_digit(c);
  }
  for (int i = 0; i < exponent; ++i) {
    push_digit(std::size_t(i) < fraction.size() ? fraction[std::size_t(i)] : '0');
  }
  if (std::size_t(exponent) < fraction.size() && fraction[std::size_t(exponent)] >= '5') {
    // Half away from zero: the magnitude goes up whatever the sign.
    if (magnitude == k_limit) {
      saturated = true;
    } else {
      ++magnitude;
    }
  }
  if (saturated) {
    return negative ? k_min : k_max;
  }
  return negative ? -std::int64_t(magnitude) : std::int64_t(magnitude);
}

} // namespace uoms
