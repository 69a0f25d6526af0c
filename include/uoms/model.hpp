#pragma once

#include "uoms/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The common order model every connector maps its marketplace's payload into.
namespace uoms {

// One shared status vocabulary; each connector maps its raw status onto it. A raw
// status the connector does not know maps to `unknown` and is kept verbatim.
enum class OrderStatus {
  pending_payment,
  paid,        // paid, not yet acknowledged by the seller
  preparing,   // acknowledged / being prepared for shipment
  shipped,     // handed to the carrier / in transit
  delivered,
  completed,   // purchase confirmed / settled
  cancel_requested,
  cancelled,
  return_requested,
  returned,
  exchange_requested,
  exchanged,
  unknown,
};

std::string_view to_string(OrderStatus status);
std::optional<OrderStatus> parse_order_status(std::string_view text);

// Digits after the decimal point for an ISO 4217 code (KRW 0, JPY 0, SGD 2, ...).
int currency_exponent(std::string_view currency);
// Converts a decimal amount to integer minor units, rounding half away from zero.
std::int64_t to_minor_units(double amount, std::string_view currency);

struct Party
{
  std::string name;
  std::string phone;
  std::string email;
  std::string zip;
  std::string address1;
  std::string address2;
};

struct OrderItem
{
  std::string external_id;  // unique within the order
  std::string shipment_key; // grouping for tracking upload (Coupang shipmentBoxId, ...)
  std::string sku;          // seller's own code where the marketplace has one
  std::string product_id;
  std::string option_id;
  std::string name;
  std::string option_name;
  int quantity = 0;
  std::int64_t unit_price_minor = 0;
  std::int64_t total_price_minor = 0;
  std::string raw_status;
  OrderStatus status = OrderStatus::unknown;
  // A tracking number the marketplace already holds for this item's shipment, with the
  // marketplace's own carrier code: recorded with source `marketplace`, never uploaded.
  std::string tracking_carrier;
  std::string tracking_number;
};

struct Order
{
  std::string external_id; // unique within the channel
  std::string raw_status;
  OrderStatus status = OrderStatus::unknown;
  std::optional<TimePoint> ordered_at;
  std::optional<TimePoint> paid_at;
  std::optional<TimePoint> changed_at; // marketplace's last-change time if it reports one
  std::string currency;                // ISO 4217
  std::int64_t total_minor = 0;
  std::int64_t shipping_fee_minor = 0;
  Party buyer;
  Party receiver;
  std::vector<OrderItem> items;
  std::string raw; // the marketplace's JSON (or CSV row) for audit, verbatim
};

} // namespace uoms
