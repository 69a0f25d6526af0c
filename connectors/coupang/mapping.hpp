#pragma once

#include "connectors/support.hpp"
#include "connectors/support/page_orders.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

// Order sheets (coupang.md §2.3) onto uoms Orders, and the envelope of Coupang's answers.
// Internal to the coupang connector; its tests include it too.
namespace uoms::connectors::coupang {

// Maps the `data` array; boxes of the same orderId merge into one Order whose raw is
// the box object, or an array of the box objects when there are several.
support::MappedPage map_boxes(const nlohmann::json& data, std::chrono::minutes offset);

// Coupang's carrier code for a carrier name of coupang.md §2.7 ("CJ 대한통운" -> CJGLS), or
// "" for a name the table does not list.
std::string carrier_for_name(std::string_view name);

// The invoice a box holds: `invoiceNumber`, and the carrier as Coupang's code
// (`deliveryCompanyCode` when sent, else read from `deliveryCompanyName`). Empty when none.
struct BoxInvoice
{
  std::string carrier;
  std::string number;
};
BoxInvoice box_invoice(const nlohmann::json& box);

// `code` comes as 200 or "200" on success (coupang.md §2.6).
bool is_ok_code(const nlohmann::json& body);

// "code: message" from an error body, or "" when it is not the JSON envelope (the 403
// HTML page, a proxy's text).
std::string describe_body(const nlohmann::json& parsed);

} // namespace uoms::connectors::coupang
