// Coupang order sheets: a GET ordersheets response body -> map_boxes, as
// CoupangConnector::fetch_orders reads it (coupang.md §2.3).
#include "connectors/coupang/mapping.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace uoms::connectors;
  const auto body = uoms::fuzz::parse_body(data, size);
  if (!body) {
    return 0;
  }
  static const nlohmann::json k_empty = nlohmann::json::array();
  const nlohmann::json* boxes = support::member(*body, "data");
  const auto page = coupang::map_boxes(boxes != nullptr ? *boxes : k_empty, std::chrono::minutes(9 * 60));
  for (const auto& box : boxes != nullptr && boxes->is_array() ? *boxes : k_empty) {
    (void)coupang::box_invoice(box);
  }
  (void)coupang::is_ok_code(*body);
  (void)coupang::describe_body(*body);
  (void)page;
  return 0;
}
