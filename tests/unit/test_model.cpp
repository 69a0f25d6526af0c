#include "uoms/model.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>

using uoms::currency_exponent;
using uoms::OrderStatus;
using uoms::to_minor_units;

TEST_CASE("model::OrderStatus")
{
  SUBCASE("names are the enum identifiers and round-trip")
  {
    const std::pair<OrderStatus, const char*> names[] = {
      {OrderStatus::pending_payment, "pending_payment"},
      {OrderStatus::paid, "paid"},
      {OrderStatus::preparing, "preparing"},
      {OrderStatus::shipped, "shipped"},
      {OrderStatus::delivered, "delivered"},
      {OrderStatus::completed, "completed"},
      {OrderStatus::cancel_requested, "cancel_requested"},
      {OrderStatus::cancelled, "cancelled"},
      {OrderStatus::return_requested, "return_requested"},
      {OrderStatus::returned, "returned"},
      {OrderStatus::exchange_requested, "exchange_requested"},
      {OrderStatus::exchanged, "exchanged"},
      {OrderStatus::unknown, "unknown"},
    };
    for (const auto& [status, name] : names) {
      CHECK(uoms::to_string(status) == name);
      CHECK(uoms::parse_order_status(name) == status);
    }
  }
  SUBCASE("unknown text")
  {
    CHECK_FALSE(uoms::parse_order_status("").has_value());
    CHECK_FALSE(uoms::parse_order_status("PAID").has_value());
    CHECK_FALSE(uoms::parse_order_status("canceled").has_value());
    CHECK_FALSE(uoms::parse_order_status("paid ").has_value());
  }
}

TEST_CASE("model::currency_exponent")
{
  for (const char* code : {"KRW", "JPY", "VND", "CLP"}) {
    CHECK_MESSAGE(currency_exponent(code) == 0, code);
  }
  for (const char* code : {"IDR", "TWD", "SGD", "MYR", "PHP", "THB", "USD", "BRL", "MXN", "COP", "EUR"}) {
    CHECK_MESSAGE(currency_exponent(code) == 2, code);
  }
  CHECK(currency_exponent("KWD") == 3);
  CHECK(currency_exponent("krw") == 0);
  CHECK(currency_exponent("XYZ") == 2);
  CHECK(currency_exponent("") == 2);
}

TEST_CASE("model::to_minor_units")
{
  SUBCASE("zero-decimal currencies")
  {
    CHECK(to_minor_units(15000, "KRW") == 15000);
    CHECK(to_minor_units(1234.5, "JPY") == 1235);
    CHECK(to_minor_units(1234.4, "JPY") == 1234);
    CHECK(to_minor_units(-1234.5, "KRW") == -1235);
  }
  SUBCASE("two-decimal currencies without float drift")
  {
    CHECK(to_minor_units(19.99, "SGD") == 1999);
    CHECK(to_minor_units(0.1 + 0.2, "USD") == 30);
    CHECK(to_minor_units(1.005, "USD") == 101);  // binary 1.00499999...
    CHECK(to_minor_units(2.675, "MYR") == 268);  // binary 2.67499999...
    CHECK(to_minor_units(1.015, "USD") == 102);
    CHECK(to_minor_units(-1.005, "USD") == -101);
    CHECK(to_minor_units(1.004, "USD") == 100);
    CHECK(to_minor_units(0.0, "USD") == 0);
    CHECK(to_minor_units(-0.0, "USD") == 0);
    CHECK(to_minor_units(100, "IDR") == 10000);
    CHECK(to_minor_units(0.001, "USD") == 0);
    CHECK(to_minor_units(0.005, "USD") == 1);
    CHECK(to_minor_units(12345678.9, "THB") == 1234567890);
  }
  SUBCASE("three-decimal currencies")
  {
    CHECK(to_minor_units(1.2345, "KWD") == 1235);
  }
  SUBCASE("large and non-finite values saturate")
  {
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    constexpr auto min = std::numeric_limits<std::int64_t>::min();
    CHECK(to_minor_units(1e300, "USD") == max);
    CHECK(to_minor_units(-1e300, "USD") == min);
    CHECK(to_minor_units(std::numeric_limits<double>::infinity(), "USD") == max);
    CHECK(to_minor_units(std::numeric_limits<double>::quiet_NaN(), "USD") == 0);
    CHECK(to_minor_units(9e15, "KRW") == 9'000'000'000'000'000);
  }
}
