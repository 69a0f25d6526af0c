// CSV exports: the bytes of one file -> decode -> parse_records -> map_records, as the csv
// connector reads a file with the default `auto` mapping and with the `uoms` preset.
#include "connectors/csv/mapping.hpp"
#include "connectors/csv/parser.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace uoms::connectors::csv;
  const auto text = decode(uoms::fuzz::text(data, size), Encoding::automatic);
  if (!text) {
    return 0;
  }
  static const auto k_uoms = parse_mapping("uoms");
  const char delimiter = size % 3 == 0 ? '\t' : ','; // both delimiters the connector accepts
  const auto records = parse_records(*text, delimiter);
  (void)map_records("orders.csv", records, std::nullopt, MapOptions{});
  if (k_uoms) {
    (void)map_records("orders.csv", records, *k_uoms, MapOptions{});
  }
  return 0;
}
