#include "connectors/csv/mapping.hpp"

#include "uoms/util/numbers.hpp"
#include "uoms/util/text.hpp"

#include "connectors/csv/values.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace uoms::connectors::csv {

namespace {

constexpr std::array<std::string_view, k_field_count> k_field_names{
  "order_id",      "item_id",      "ordered_at",   "paid_at",        "status",     "sku",
  "product_id",    "option_id",    "product_name", "option_name",    "quantity",   "unit_price",
  "total_price",   "shipping_fee", "currency",     "buyer_name",     "buyer_phone", "buyer_email",
  "receiver_name", "receiver_phone", "zip",        "address1",       "address2",
};

std::string header_key(std::string_view header) { return util::ascii_lower(trim_cell(header)); }

std::vector<std::string_view> split(std::string_view text, char separator)
{
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) {
      return parts;
    }
    text.remove_prefix(at + 1);
  }
}

Mapping uoms_preset()
{
  Mapping mapping{.name = "uoms"};
  for (std::size_t i = 0; i < k_field_count; ++i) {
    mapping.headers[i] = {std::string(k_field_names[i])};
  }
  return mapping;
}

// Naver Smartstore's 주문통합검색 / 발주발송관리 Excel download, saved as CSV. The address
// comes either split (기본배송지 + 상세배송지) or whole (통합배송지).
Mapping smartstore_preset()
{
  Mapping m{.name = "smartstore-excel"};
  m[Field::order_id] = {"주문번호"};
  m[Field::item_id] = {"상품주문번호"};
  m[Field::ordered_at] = {"주문일시"};
  m[Field::paid_at] = {"결제일"};
  m[Field::status] = {"주문상태"};
  m[Field::sku] = {"판매자 상품코드"};
  m[Field::product_id] = {"상품번호"};
  m[Field::product_name] = {"상품명"};
  m[Field::option_name] = {"옵션정보"};
  m[Field::quantity] = {"수량"};
  m[Field::unit_price] = {"상품가격"};
  m[Field::total_price] = {"최종 상품별 총 주문금액"};
  m[Field::shipping_fee] = {"배송비 합계"};
  m[Field::buyer_name] = {"구매자명"};
  m[Field::buyer_phone] = {"구매자연락처"};
  m[Field::receiver_name] = {"수취인명"};
  m[Field::receiver_phone] = {"수취인연락처1"};
  m[Field::zip] = {"우편번호"};
  m[Field::address1] = {"기본배송지", "통합배송지"};
  m[Field::address2] = {"상세배송지"};
  return m;
}

std::string quoted_alternatives(const std::vector<std::string>& headers)
{
  std::vector<std::string> quoted;
  for (const auto& h : headers) {
    quoted.push_back(fmt::format("\"{}\"", h));
  }
  return fmt::format("{}", fmt::join(quoted, " or "));
}

// The column of each field in one file, and the header text as the file spells it.
using Columns = FileLayout::Columns;

// Resolves `mapping` against a header row; the error is the first required field without
// a column.
std::expected<Columns, Field> resolve(const Mapping& mapping, const Record& header_row)
{
  std::unordered_map<std::string, std::size_t> by_key;
  for (std::size_t i = 0; i < header_row.fields.size(); ++i) {
    by_key.try_emplace(header_key(header_row.fields[i]), i); // the first of duplicates wins
  }
  Columns columns;
  for (std::size_t f = 0; f < k_field_count; ++f) {
    for (const auto& name : mapping.headers[f]) {
      if (const auto it = by_key.find(header_key(name)); it != by_key.end()) {
        columns.index[f] = it->second;
        columns.header[f] = std::string(trim_cell(header_row.fields[it->second]));
        break;
      }
    }
  }
  for (const auto field : k_required_fields) {
    if (!columns.index[static_cast<std::size_t>(field)]) {
      return std::unexpected(field);
    }
  }
  return columns;
}

// Everything map_records needs about the file at hand.
class FileMapper
{
public:
  explicit FileMapper(const FileLayout& layout)
    : m_layout(layout)
  {
  }

  std::string_view cell(const Record& record, Field field) const
  {
    const auto& index = m_layout.columns().index[static_cast<std::size_t>(field)];
    if (!index || *index >= record.fields.size()) {
      return {};
    }
    return trim_cell(record.fields[*index]);
  }

  // `quantity`, or `quantity (수량)` when the file's header is not the field's own name.
  std::string label(Field field) const
  {
    const auto& header = m_layout.columns().header[static_cast<std::size_t>(field)];
    const auto name = field_name(field);
    if (header.empty() || header_key(header) == name) {
      return std::string(name);
    }
    return fmt::format("{} ({})", name, header);
  }

  std::string where(int line) const { return fmt::format("{}:{}", m_layout.file_name(), line); }
  std::string where(const Record& record) const { return where(record.line); }

  std::string raw(const std::vector<const Record*>& rows) const
  {
    std::size_t size = m_layout.header().text.size();
    for (const auto* row : rows) {
      size += 1 + row->text.size();
    }
    std::string text;
    text.reserve(size);
    text = m_layout.header().text;
    for (const auto* row : rows) {
      text += '\n';
      text += row->text;
    }
    return text;
  }

  std::size_t header_width() const { return m_layout.header().fields.size(); }
  const MapOptions& options() const { return m_layout.options(); }

private:
  const FileLayout& m_layout;
};

struct Group
{
  std::string order_id;
  std::vector<const Record*> rows;
  std::vector<std::string> row_errors; // parallel to rows; empty when the row is well-formed
};

bool is_blank(const Record& record)
{
  return record.error.empty() && std::ranges::all_of(record.fields, [](const std::string& f) { return trim_cell(f).empty(); });
}

// Builds one order from its rows, or returns the errors (`file:line: message`).
std::expected<Order, std::vector<std::string>> build_order(const FileMapper& m, const Group& group,
                                                           std::vector<OrderNote>& notes)
{
  std::vector<std::string> errors;
  Order order;
  order.external_id = group.order_id;

  // The order's currency: the first currency cell, else the channel's.
  order.currency = m.options().currency;
  for (const auto* row : group.rows) {
    if (const auto text = m.cell(*row, Field::currency); !text.empty()) {
      std::string code;
      for (const char c : text) {
        code += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      order.currency = code;
      break;
    }
  }

  auto first_text = [&](Field field) -> std::string {
    for (std::size_t i = 0; i < group.rows.size(); ++i) {
      if (group.row_errors[i].empty()) {
        if (const auto text = m.cell(*group.rows[i], field); !text.empty()) {
          return std::string(text);
        }
      }
    }
    return {};
  };

  std::unordered_map<std::string, int> item_lines;
  std::optional<int> status_line;
  for (std::size_t i = 0; i < group.rows.size(); ++i) {
    const Record& row = *group.rows[i];
    const auto fail = [&](const std::string& message) { errors.push_back(fmt::format("{}: {}", m.where(row), message)); };
    if (!group.row_errors[i].empty()) {
      fail(group.row_errors[i]);
      continue;
    }
    const std::size_t errors_before = errors.size();
    const auto amount = [&](Field field) -> std::optional<std::int64_t> {
      const auto text = m.cell(row, field);
      if (text.empty()) {
        return std::nullopt;
      }
      auto value = parse_money(text, order.currency);
      if (!value) {
        fail(fmt::format("{} \"{}\" is not an amount", m.label(field), text));
      } else if (!util::checked(util::Figure::money, *value)) {
        fail(util::out_of_range(util::Figure::money, m.label(field), fmt::format("\"{}\"", text)));
        value.reset();
      }
      return value;
    };
    const auto time = [&](Field field, std::optional<TimePoint>& target) {
      const auto text = m.cell(row, field);
      if (text.empty()) {
        return;
      }
      const auto value = parse_local_time(text, m.options().utc_offset);
      if (!value) {
        fail(fmt::format("{} \"{}\" is not a time", m.label(field), text));
      } else if (!target) {
        target = value;
      }
    };

    OrderItem item;
    item.external_id = std::string(m.cell(row, Field::item_id));
    if (item.external_id.empty()) {
      fail(fmt::format("{} is empty", m.label(Field::item_id)));
    } else if (const auto [it, added] = item_lines.try_emplace(item.external_id, row.line); !added) {
      fail(fmt::format("{} \"{}\" repeats line {}", m.label(Field::item_id), item.external_id, it->second));
    }
    const auto quantity_text = m.cell(row, Field::quantity);
    const auto quantity = parse_quantity(quantity_text);
    if (quantity_text.empty()) {
      fail(fmt::format("{} is empty", m.label(Field::quantity)));
    } else if (!quantity) {
      fail(fmt::format("{} \"{}\" is not a number", m.label(Field::quantity), quantity_text));
    } else if (!util::checked(util::Figure::quantity, std::int64_t{*quantity})) {
      fail(util::out_of_range(util::Figure::quantity, m.label(Field::quantity), fmt::format("\"{}\"", quantity_text)));
    }
    if (const auto code = m.cell(row, Field::currency); !code.empty()) {
      const bool letters = code.size() == 3 && std::ranges::all_of(code, [](unsigned char c) { return std::isalpha(c); });
      if (!letters) {
        fail(fmt::format("{} \"{}\" is not an ISO 4217 code", m.label(Field::currency), code));
      } else if (util::ascii_lower(code) != util::ascii_lower(order.currency)) {
        fail(fmt::format("{} \"{}\" differs from the order's {}", m.label(Field::currency), code, order.currency));
      }
    }
    const auto unit = amount(Field::unit_price);
    const auto total = amount(Field::total_price);
    if (const auto fee = amount(Field::shipping_fee)) {
      // Exports repeat an order's fee on each row or put it on one row only: take the largest.
      order.shipping_fee_minor = std::max(order.shipping_fee_minor, *fee);
    }
    time(Field::ordered_at, order.ordered_at);
    time(Field::paid_at, order.paid_at);
    if (errors.size() != errors_before) {
      continue;
    }

    item.quantity = *quantity;
    item.sku = std::string(m.cell(row, Field::sku));
    item.product_id = std::string(m.cell(row, Field::product_id));
    item.option_id = std::string(m.cell(row, Field::option_id));
    item.name = std::string(m.cell(row, Field::product_name));
    item.option_name = std::string(m.cell(row, Field::option_name));
    item.unit_price_minor = unit ? *unit : (total && item.quantity > 0 ? *total / item.quantity : 0);
    item.total_price_minor = total ? *total : item.unit_price_minor * item.quantity;
    if (!util::checked(util::Figure::money, item.total_price_minor)) {
      // Both factors are in range, so the product cannot overflow; it can still be absurd.
      fail(util::out_of_range(util::Figure::money, m.label(Field::unit_price) + " * " + m.label(Field::quantity),
                              std::to_string(item.total_price_minor)));
      continue;
    }
    item.raw_status = std::string(m.cell(row, Field::status));
    if (!item.raw_status.empty() && !status_line) {
      status_line = row.line;
    }
    order.items.push_back(std::move(item));
  }
  if (!errors.empty()) {
    return std::unexpected(std::move(errors));
  }

  // An order's status is its first row's; a row without one takes the order's. A file with
  // no status at all lists orders to fulfil: they are `paid`.
  order.raw_status = first_text(Field::status);
  const auto note_unknown = [&](const std::string& raw, int line) {
    notes.push_back({order.external_id, fmt::format("{}: unknown status \"{}\" kept as unknown",
                                                    m.where(line), raw)});
  };
  if (order.raw_status.empty()) {
    order.status = OrderStatus::paid;
  } else if (const auto status = parse_status(order.raw_status)) {
    order.status = *status;
  } else {
    order.status = OrderStatus::unknown;
    note_unknown(order.raw_status, status_line.value_or(group.rows.front()->line));
  }
  for (std::size_t i = 0; i < order.items.size(); ++i) {
    auto& item = order.items[i];
    if (item.raw_status.empty() || item.raw_status == order.raw_status) {
      item.raw_status = order.raw_status;
      item.status = order.status;
    } else if (const auto status = parse_status(item.raw_status)) {
      item.status = *status;
    } else {
      item.status = OrderStatus::unknown;
      note_unknown(item.raw_status, group.rows[i]->line);
    }
  }

  order.buyer.name = first_text(Field::buyer_name);
  order.buyer.phone = first_text(Field::buyer_phone);
  order.buyer.email = first_text(Field::buyer_email);
  order.receiver.name = first_text(Field::receiver_name);
  order.receiver.phone = first_text(Field::receiver_phone);
  order.receiver.zip = first_text(Field::zip);
  order.receiver.address1 = first_text(Field::address1);
  order.receiver.address2 = first_text(Field::address2);
  order.total_minor = order.shipping_fee_minor;
  for (const auto& item : order.items) {
    order.total_minor += item.total_price_minor;
  }
  order.raw = m.raw(group.rows);
  return order;
}

} // namespace

std::string_view field_name(Field field) { return k_field_names[static_cast<std::size_t>(field)]; }

std::optional<Field> find_field(std::string_view name)
{
  for (std::size_t i = 0; i < k_field_count; ++i) {
    if (k_field_names[i] == name) {
      return static_cast<Field>(i);
    }
  }
  return std::nullopt;
}

const std::vector<Mapping>& presets()
{
  static const std::vector<Mapping> k_presets{uoms_preset(), smartstore_preset()};
  return k_presets;
}

std::expected<std::optional<Mapping>, std::string> parse_mapping(std::string_view text)
{
  text = trim_cell(text);
  if (text.empty() || util::ascii_lower(text) == "auto") {
    return std::optional<Mapping>{};
  }
  Mapping mapping = presets().front();
  bool first = true;
  bool overridden = false;
  std::array<bool, k_field_count> seen{};
  for (const auto part : split(text, ';')) {
    const auto entry = trim_cell(part);
    if (entry.empty()) {
      continue;
    }
    const bool is_first = std::exchange(first, false);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) {
      if (!is_first) {
        return std::unexpected(fmt::format("mapping: \"{}\" is not field=Header (only the first entry may name a preset)", entry));
      }
      const auto name = util::ascii_lower(entry);
      const auto preset = std::ranges::find(presets(), name, &Mapping::name);
      if (preset == presets().end()) {
        std::vector<std::string_view> names;
        for (const auto& p : presets()) {
          names.push_back(p.name);
        }
        return std::unexpected(fmt::format("mapping: unknown preset \"{}\" (presets: {})", entry, fmt::join(names, ", ")));
      }
      mapping = *preset;
      continue;
    }
    const auto name = util::ascii_lower(trim_cell(entry.substr(0, eq)));
    const auto field = find_field(name);
    if (!field) {
      return std::unexpected(fmt::format("mapping: unknown uoms field \"{}\" (fields: {})", trim_cell(entry.substr(0, eq)),
                                         fmt::join(k_field_names, ", ")));
    }
    if (std::exchange(seen[static_cast<std::size_t>(*field)], true)) {
      return std::unexpected(fmt::format("mapping: field \"{}\" is given twice", name));
    }
    std::vector<std::string> headers;
    for (const auto alternative : split(entry.substr(eq + 1), '|')) {
      if (const auto header = trim_cell(alternative); !header.empty()) {
        headers.emplace_back(header);
      }
    }
    mapping[*field] = std::move(headers);
    overridden = true;
  }
  for (const auto field : k_required_fields) {
    if (mapping[field].empty()) {
      return std::unexpected(fmt::format("mapping: required field \"{}\" has no column", field_name(field)));
    }
  }
  if (overridden) {
    mapping.name = "inline";
  }
  return std::optional<Mapping>{std::move(mapping)};
}

FileLayout::FileLayout(std::string file_name, Record header, Columns columns, MapOptions options,
                       std::string mapping_name)
  : m_file(std::move(file_name)),
    m_header(std::move(header)),
    m_columns(std::move(columns)),
    m_options(std::move(options)),
    m_mapping_name(std::move(mapping_name))
{
}

std::string_view FileLayout::order_id(const Record& row) const
{
  const auto& index = m_columns.index[static_cast<std::size_t>(Field::order_id)];
  if (!index || *index >= row.fields.size()) {
    return {};
  }
  return trim_cell(row.fields[*index]);
}

std::expected<FileLayout, std::string> read_layout(std::string_view file_name, const Record& header,
                                                   const std::optional<Mapping>& mapping, const MapOptions& options)
{
  if (!header.error.empty()) {
    return std::unexpected(fmt::format("{}:{}: header row: {}", file_name, header.line, header.error));
  }
  if (mapping) {
    auto resolved = resolve(*mapping, header);
    if (!resolved) {
      return std::unexpected(fmt::format("{}: required column {} ({}) not found in the header row", file_name,
                                         quoted_alternatives((*mapping)[resolved.error()]), field_name(resolved.error())));
    }
    return FileLayout(std::string(file_name), header, std::move(*resolved), options, mapping->name);
  }
  std::vector<std::string> misses;
  for (const auto& preset : presets()) {
    auto resolved = resolve(preset, header);
    if (resolved) {
      return FileLayout(std::string(file_name), header, std::move(*resolved), options, preset.name);
    }
    misses.push_back(fmt::format("{}: no column {}", preset.name, quoted_alternatives(preset[resolved.error()])));
  }
  return std::unexpected(
    fmt::format("{}: the header row matches no mapping preset ({}); set mapping", file_name, fmt::join(misses, "; ")));
}

FileOrders map_rows(const FileLayout& layout, std::span<const Record> rows)
{
  FileOrders result;
  result.mapping_name = layout.mapping_name();
  const FileMapper mapper(layout);
  std::vector<Group> groups;
  std::unordered_map<std::string_view, std::size_t> group_of;
  for (const Record& row : rows) {
    if (is_blank(row)) {
      continue; // Excel leaves rows of bare delimiters below the data
    }
    std::string error = row.error;
    if (error.empty() && row.fields.size() != mapper.header_width()) {
      error = fmt::format("{} fields, the header row has {}", row.fields.size(), mapper.header_width());
    }
    const std::string_view order_id = mapper.cell(row, Field::order_id);
    if (order_id.empty()) {
      const auto message = error.empty() ? fmt::format("{} is empty", mapper.label(Field::order_id)) : error;
      result.failures.push_back({"", fmt::format("{}: {}", mapper.where(row), message), mapper.raw({&row})});
      continue;
    }
    const auto [it, added] = group_of.try_emplace(order_id, groups.size());
    if (added) {
      groups.push_back({std::string(order_id), {}, {}});
    }
    groups[it->second].rows.push_back(&row);
    groups[it->second].row_errors.push_back(std::move(error));
  }

  result.orders.reserve(groups.size());
  for (const auto& group : groups) {
    auto order = build_order(mapper, group, result.notes);
    if (!order) {
      result.failures.push_back({group.order_id, fmt::format("{}", fmt::join(order.error(), "; ")), mapper.raw(group.rows)});
      continue;
    }
    result.orders.push_back(std::move(*order));
  }
  return result;
}

std::expected<FileOrders, std::string> map_records(std::string_view file_name, const std::vector<Record>& records,
                                                   const std::optional<Mapping>& mapping, const MapOptions& options)
{
  if (records.empty()) {
    FileOrders result;
    result.mapping_name = mapping ? mapping->name : "auto";
    return result; // an empty file has no orders
  }
  const auto layout = read_layout(file_name, records.front(), mapping, options);
  if (!layout) {
    return std::unexpected(layout.error());
  }
  return map_rows(*layout, std::span(records).subspan(1));
}

} // namespace uoms::connectors::csv
