// Qoo10 Japan: a GetShippingInfo_v2 response body -> judge and map_rows, as
// Qoo10JpConnector reads ResultObject (qoo10jp.md §2.3), for every ShippingStat it asks for.
#include "connectors/qoo10jp/mapping.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace uoms::connectors;
  using uoms::OrderStatus;
  const auto body = uoms::fuzz::parse_body(data, size);
  if (!body) {
    return 0;
  }
  (void)qoo10jp::judge(*body);
  nlohmann::json rows = nlohmann::json::array();
  if (const nlohmann::json* object = qoo10jp::member(*body, "ResultObject")) {
    if (object->is_array()) {
      rows = *object;
    } else if (object->is_object()) { // a single line, as XML-to-JSON gateways send it
      rows.push_back(*object);
    } else {
      return 0;
    }
  }
  static const std::pair<int, OrderStatus> k_stats[] = {
      {1, OrderStatus::paid}, {2, OrderStatus::paid}, {3, OrderStatus::preparing},
      {4, OrderStatus::shipped}, {5, OrderStatus::delivered}};
  const auto& [stat, status] = k_stats[size % std::size(k_stats)];
  (void)qoo10jp::map_rows(rows, stat, status, std::chrono::minutes(9 * 60));
  return 0;
}
