#pragma once

#include "connectors/csv/parser.hpp"
#include "uoms/connector.hpp"

#include <array>
#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Records of one export file -> uoms orders, through a column mapping.
namespace uoms::connectors::csv {

// The uoms fields a column can feed. The names (field_name) are the default layout's
// headers and the left-hand side of an inline mapping.
enum class Field {
  order_id,
  item_id,
  ordered_at,
  paid_at,
  status,
  sku,
  product_id,
  option_id,
  product_name,
  option_name,
  quantity,
  unit_price,
  total_price,
  shipping_fee,
  currency,
  buyer_name,
  buyer_phone,
  buyer_email,
  receiver_name,
  receiver_phone,
  zip,
  address1,
  address2,
};
inline constexpr std::size_t k_field_count = static_cast<std::size_t>(Field::address2) + 1;
inline constexpr std::array<Field, 3> k_required_fields{Field::order_id, Field::item_id, Field::quantity};

std::string_view field_name(Field field);
std::optional<Field> find_field(std::string_view name);

// Which header names feed each field. Several names are alternatives: the first one present
// in a file's header row is read. A field with none is not read. Header names match
// case-insensitively (ASCII) after trimming.
struct Mapping
{
  std::string name; // a preset name, or "inline"
  std::array<std::vector<std::string>, k_field_count> headers;

  const std::vector<std::string>& operator[](Field field) const { return headers[static_cast<std::size_t>(field)]; }
  std::vector<std::string>& operator[](Field field) { return headers[static_cast<std::size_t>(field)]; }
};

// The built-in presets, in the order `auto` tries them: `uoms` (the default layout, every
// header named like its field) and `smartstore-excel` (Naver Smartstore's order export).
const std::vector<Mapping>& presets();

// The `mapping` setting. Empty or `auto`: nullopt, the preset is chosen per file from its
// header row. Otherwise `;`-separated entries: an optional preset name first, then
// `field=Header` overrides, where `Header A|Header B` lists alternatives and an empty right
// side stops reading the field. Overrides start from the `uoms` preset unless a preset is
// named. Errors are one line starting with `mapping: `.
std::expected<std::optional<Mapping>, std::string> parse_mapping(std::string_view text);

struct MapOptions
{
  std::chrono::minutes utc_offset{9 * 60}; // for times without an offset
  std::string currency = "KRW";            // when a row has no currency cell
};

struct FileOrders
{
  std::vector<Order> orders;
  std::vector<MappingFailure> failures;
  std::vector<OrderNote> notes;
  std::string mapping_name; // the mapping used (the preset `auto` chose)
};

// Maps the records of one file (the first is the header row). Rows with the same order_id
// form one order; an order with any bad row becomes one MappingFailure naming every bad
// `file:line`. The error (a missing required column, or for `auto` no preset matching) is
// a configuration problem: the file cannot be read with this mapping at all.
std::expected<FileOrders, std::string> map_records(std::string_view file_name, const std::vector<Record>& records,
                                                   const std::optional<Mapping>& mapping, const MapOptions& options);

} // namespace uoms::connectors::csv
