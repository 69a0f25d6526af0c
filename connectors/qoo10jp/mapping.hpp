#pragma once

#include "connectors/support.hpp"
#include "connectors/support/page_orders.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <string_view>

// GetShippingInfo_v2 rows (qoo10jp.md §2.3) onto uoms Orders, and the QAPI envelope.
// Internal to the qoo10jp connector.
namespace uoms::connectors::qoo10jp {

// Keys come in mixed case (`packNo`, `PackNo`, `PaymentDate`; qoo10jp.md §2.3), so a
// member is matched case-insensitively. Null counts as absent.
const nlohmann::json* member(const nlohmann::json& object, std::string_view key);

// ResultCodes that mean "issue a new seller authorization key" (qoo10jp.md §2.2): -10000
// check the key, -90002/-90003 not authorized, -90004/-90005 expired.
bool is_key_code(long long code);

struct Verdict
{
  bool ok = false;
  long long code = 0;
  std::string message; // ResultMsg / ErrorMsg
  bool has_code = false;
};

// `{ResultCode, ResultMsg, ResultObject}`, or `{ErrorCode, ErrorMsg}` for unknown APIs and
// auth failures (qoo10jp.md §2.1). Success is ResultCode 0 with no non-zero ErrorCode.
Verdict judge(const nlohmann::json& body);

// The cart a row belongs to (packNo, else orderNo): rows of one cart form one Order.
std::string pack_id(const nlohmann::json& row);

// Adds one row of ShippingStat `shipping_stat` to `orders` (ShippingRate is the cart's fee:
// PageOrders::Fee::max). `text`: the row as received, kept as its raw payload (empty: the
// row dumped).
void add_row(support::PageOrders& orders, const nlohmann::json& row, std::string& text, int shipping_stat,
             OrderStatus status, std::chrono::minutes offset);

// The rows of one ShippingStat: lines of one pack merge into one Order whose raw is the
// row, or an array of its rows.
support::MappedPage map_rows(const nlohmann::json& rows, int shipping_stat, OrderStatus status,
                             std::chrono::minutes offset);

} // namespace uoms::connectors::qoo10jp
