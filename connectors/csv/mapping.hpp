#pragma once

#include "connectors/csv/parser.hpp"
#include "uoms/connector.hpp"

#include <array>
#include <chrono>
#include <expected>
#include <optional>
#include <span>
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

// A file's header row resolved against a mapping: how its data rows are read. Owns what
// it needs, so the rows of a large file can be mapped a chunk at a time.
class FileLayout
{
public:
  struct Columns
  {
    std::array<std::optional<std::size_t>, k_field_count> index;
    std::array<std::string, k_field_count> header;
  };
  FileLayout(std::string file_name, Record header, Columns columns, MapOptions options, std::string mapping_name);

  const std::string& file_name() const { return m_file; }
  const Record& header() const { return m_header; }
  const Columns& columns() const { return m_columns; }
  const MapOptions& options() const { return m_options; }
  const std::string& mapping_name() const { return m_mapping_name; }
  // The row's order_id cell, trimmed (empty for a row without one).
  std::string_view order_id(const Record& row) const;

private:
  std::string m_file;
  Record m_header;
  Columns m_columns;
  MapOptions m_options;
  std::string m_mapping_name;
};

// The layout of a file whose first record is `header`; the error is map_records's for a
// header that cannot be read with the mapping.
std::expected<FileLayout, std::string> read_layout(std::string_view file_name, const Record& header,
                                                   const std::optional<Mapping>& mapping, const MapOptions& options);

// Maps data rows (the header row excluded) as map_records does; rows with the same
// order_id must all be among `rows` to form one order.
FileOrders map_rows(const FileLayout& layout, std::span<const Record> rows);

// Maps the records of one file (the first is the header row). Rows with the same order_id
// form one order; an order with any bad row becomes one MappingFailure naming every bad
// `file:line`. The error (a missing required column, or for `auto` no preset matching) is
// a configuration problem: the file cannot be read with this mapping at all.
std::expected<FileOrders, std::string> map_records(std::string_view file_name, const std::vector<Record>& records,
                                                   const std::optional<Mapping>& mapping, const MapOptions& options);

} // namespace uoms::connectors::csv
