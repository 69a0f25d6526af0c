// Naver Smartstore: a product-orders/query response body -> map_details, as
// SmartstoreConnector reads it (smartstore.md §1.3), with the last-changed entries made
// from the same elements so both the changed and the unchanged paths run.
#include "connectors/smartstore/mapping.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace uoms::connectors;
  const auto body = uoms::fuzz::parse_body(data, size);
  if (!body) {
    return 0;
  }
  const nlohmann::json* list = support::member(*body, "data");
  // The official schema has an array; one public mock wrapped it as data.productOrders.
  if (list != nullptr && list->is_object()) {
    list = support::member(*list, "productOrders");
  }
  if (list == nullptr || !list->is_array()) {
    (void)smartstore::describe_body(*body);
    return 0;
  }
  std::vector<nlohmann::json> elements(list->begin(), list->end());
  std::map<std::string, smartstore::Change> changes;
  for (const auto& element : elements) {
    const nlohmann::json* product_order = support::member(element, "productOrder");
    const nlohmann::json* id = product_order != nullptr ? support::member(*product_order, "productOrderId") : nullptr;
    if (id != nullptr && id->is_string() && changes.size() % 2 == 0) {
      smartstore::Change change;
      change.product_order_id = id->get<std::string>();
      try {
        change.changed_at = smartstore::time_field(*product_order, "placeOrderDate");
      } catch (const support::BadField&) {
      }
      changes[change.product_order_id] = change;
    }
  }
  (void)smartstore::map_details(elements, {});
  (void)smartstore::map_details(elements, changes);
  return 0;
}
