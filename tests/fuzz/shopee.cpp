// Shopee: a get_order_detail response body -> map_order per element of
// response.order_list, through PageOrders as ShopeeConnector does (shopee.md §2).
#include "connectors/shopee/internal.hpp"
#include "connectors/support/page_orders.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace uoms::connectors;
  const auto body = uoms::fuzz::parse_body(data, size);
  if (!body) {
    return 0;
  }
  const nlohmann::json* response = support::member(*body, "response");
  const nlohmann::json* list = response != nullptr ? support::member(*response, "order_list") : nullptr;
  if (list == nullptr || !list->is_array()) {
    return 0;
  }
  support::PageOrders orders(support::PageOrders::Fee::sum);
  for (const auto& detail : *list) {
    std::string sn;
    if (const nlohmann::json* value = support::member(detail, "order_sn"); value != nullptr && value->is_string()) {
      sn = value->get<std::string>();
    }
    orders.add(detail, sn, shopee::map_order);
  }
  (void)orders.finish();
  return 0;
}
