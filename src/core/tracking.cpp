#include "uoms/tracking.hpp"

#include "connectors/csv/parser.hpp"
#include "uoms/carriers.hpp"
#include "uoms/error.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

namespace uoms::tracking {

namespace {

enum Column { k_channel, k_order, k_item, k_carrier, k_number, k_columns };

// Header names per column, English first; compared without case or surrounding space.
const std::vector<std::vector<std::string_view>> k_headers = {
  {"channel", "판매처", "쇼핑몰", "채널"},
  {"order", "order_id", "주문번호"},
  {"item", "item_id", "상품주문번호"},
  {"carrier", "택배사", "배송사"},
  {"number", "tracking_number", "invoice", "송장번호", "운송장번호"},
};

std::optional<Column> column_of(std::string_view header)
{
  const auto c = util::column_named(header, k_headers);
  return c ? std::optional(static_cast<Column>(*c)) : std::nullopt;
}

std::string upper(std::string_view text)
{
  std::string out(util::trim(text));
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

} // namespace

std::string carrier_code(std::string_view text)
{
  const auto code = upper(text);
  if (carriers::find(code)) return code;
  std::vector<std::string> codes;
  for (const auto& c : carriers::all()) codes.emplace_back(c.code);
  throw UsageError(fmt::format("unknown carrier \"{}\"{} (see `uoms carriers list`)", util::trim(text),
                               util::did_you_mean(code, codes)));
}

std::string clean_number(std::string_view text)
{
  const auto number = util::trim(text);
  const bool ok = !number.empty() && number.size() <= 50 && std::all_of(number.begin(), number.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
  });
  return ok ? std::string(number) : std::string();
}

ImportResult import_csv(store::Database& db, std::string_view bytes, const ImportOptions& options)
{
  using connectors::csv::decode;
  using connectors::csv::parse_encoding;
  const auto encoding = parse_encoding(options.encoding);
  if (!encoding) {
    throw UsageError(fmt::format("unknown encoding \"{}\" (auto, utf-8 or cp949)", options.encoding));
  }
  const auto text = decode(bytes, *encoding);
  if (!text) {
    throw UsageError("the file is " + text.error());
  }
  const auto records = connectors::csv::parse_records(*text, ',');
  if (records.empty()) {
    throw UsageError("the file is empty: it needs a header row channel,order,item,carrier,number");
  }
  std::vector<std::optional<std::size_t>> at(k_columns);
  for (std::size_t i = 0; i < records[0].fields.size(); ++i) {
    if (auto c = column_of(records[0].fields[i]); c && !at[*c]) at[*c] = i;
  }
  for (Column required : {k_channel, k_order, k_carrier, k_number}) {
    if (!at[required]) {
      throw UsageError(fmt::format("line 1: no \"{}\" column (the header needs channel,order,carrier,number; item is "
                                   "optional)",
                                   k_headers[required][0]));
    }
  }

  ImportResult result;
  store::Channels channels(db);
  store::Shipments shipments(db);
  std::map<std::string, std::optional<store::ChannelRow>> known_channels;
  std::map<std::pair<std::int64_t, std::string>, std::pair<int, std::string>> seen; // shipment -> line, number
  store::Database::Transaction tx(db);
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& record = records[r];
    ++result.rows;
    auto field = [&](Column c) -> std::string {
      if (!at[c] || *at[c] >= record.fields.size()) return {};
      return std::string(util::trim(record.fields[*at[c]]));
    };
    auto refuse = [&](std::string message) { result.problems.push_back({record.line, std::move(message)}); };
    if (!record.error.empty()) {
      refuse(record.error);
      continue;
    }
    const auto channel_name = field(k_channel), order = field(k_order), item = field(k_item);
    if (channel_name.empty() || order.empty()) {
      refuse("channel and order are required");
      continue;
    }
    auto& channel = known_channels[channel_name];
    if (!channel) channel = channels.find(channel_name);
    if (!channel) {
      refuse(fmt::format("no channel named \"{}\"", channel_name));
      continue;
    }
    std::string carrier;
    try {
      carrier = carrier_code(field(k_carrier));
    } catch (const UsageError& e) {
      refuse(e.what());
      continue;
    }
    const auto number = clean_number(field(k_number));
    if (number.empty()) {
      refuse(fmt::format("tracking number \"{}\" is not 1 to 50 letters, digits or '-'", field(k_number)));
      continue;
    }
    const auto targets = shipments.targets(channel->id, order, item);
    if (targets.empty()) {
      refuse(item.empty() ? fmt::format("channel {} has no collected order or shipment \"{}\"", channel_name, order)
                          : fmt::format("channel {} has no item \"{}\" in order \"{}\"", channel_name, item, order));
      continue;
    }
    for (const auto& target : targets) {
      const auto key = std::make_pair(target.order_row_id, target.shipment_key);
      if (auto earlier = seen.find(key); earlier != seen.end()) {
        if (earlier->second.second != number) {
          refuse(fmt::format("repeats line {} for the same shipment with another number ({} then {})",
                             earlier->second.first, earlier->second.second, number));
        }
        continue;
      }
      seen[key] = {record.line, number};
      const auto existing = shipments.find(target.order_row_id, target.shipment_key);
      if (!existing) {
        shipments.add(target, carrier, number, "import", options.now);
        ++result.added;
      } else if (existing->tracking_number == number) {
        ++result.unchanged;
      } else if (!item.empty() || targets.size() == 1) {
        const bool uploaded = existing->state == "uploaded" || !existing->correction_number.empty();
        refuse(fmt::format("shipment {} of order {} already has {} {} ({}); use `uoms tracking {}`", target.shipment_key,
                           order, existing->carrier, existing->tracking_number, existing->state,
                           uploaded ? "correct" : "set --replace"));
      }
      // Without an item, shipments of the order that already have a number keep it.
    }
  }
  if (!options.strict || result.problems.empty()) {
    tx.commit();
  } else {
    result.added = 0;
  }
  return result;
}

} // namespace uoms::tracking
