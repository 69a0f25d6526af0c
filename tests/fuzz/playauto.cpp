// PlayAuto: a POST /orders response body -> map_rows over results and results_prod, as
// PlayAutoConnector reads it (playauto.md §3.2), and the error-body readers.
#include "connectors/playauto/mapping.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace uoms::connectors;
  const auto body = uoms::fuzz::parse_body(data, size);
  if (!body) {
    return 0;
  }
  (void)playauto::describe_body(*body);
  (void)playauto::count_field(*body, "recordsFiltered");
  const nlohmann::json* rows = support::member(*body, "results");
  if (rows == nullptr || !rows->is_array()) {
    return 0;
  }
  static const nlohmann::json k_empty = nlohmann::json::array();
  const nlohmann::json* products = support::member(*body, "results_prod");
  (void)playauto::map_rows(*rows, products != nullptr && products->is_array() ? *products : k_empty,
                           std::chrono::minutes(9 * 60));
  return 0;
}
