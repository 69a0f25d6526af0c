#pragma once

#include "connectors/support.hpp"
#include "connectors/support/page_orders.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

// Product orders (smartstore.md §1.3) onto uoms Orders, and Naver's error bodies. Internal
// to the smartstore connector.
namespace uoms::connectors::smartstore {

// A KST date-time field (smartstore.md §1.2); nullopt when absent.
std::optional<TimePoint> time_field(const nlohmann::json& object, std::string_view key);

// One entry of last-changed-statuses.
struct Change
{
  std::string product_order_id;
  std::optional<TimePoint> changed_at;
  const nlohmann::json* raw = nullptr; // the entry, in the list answer it came in
};

// Maps the product-orders/query elements, merging product orders of one orderId into one
// Order whose raw is the element, or an array of the elements when there are several.
support::MappedPage map_details(const std::vector<nlohmann::json>& elements, const std::map<std::string, Change>& changes);

// "code message" from a gateway or API error body ("" when the body is not JSON), and
// its traceId.
struct ErrorBody
{
  std::string text;
  std::string trace_id;
};
ErrorBody describe_body(const nlohmann::json& parsed);

} // namespace uoms::connectors::smartstore
