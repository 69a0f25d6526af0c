// Qoo10 Japan stock: ItemsOrder.SetGoodsPriceQty for items without options and
// ItemsOptions.UpdateInventoryQtyUnit for options (qoo10jp.md §2.5), and the catalogue read
// through ItemsLookup.GetItemDetailInfo and ItemsLookup.GetGoodsInventoryInfo, which the
// contract does not confirm (README "Stock").

#include "connectors/qoo10jp/mapping.hpp"
#include "connectors/qoo10jp/qoo10jp.hpp"
#include "connectors/support.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace uoms::connectors::qoo10jp {

namespace {

using json = nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view k_price_qty_method = "ItemsOrder.SetGoodsPriceQty";
constexpr std::string_view k_option_qty_method = "ItemsOptions.UpdateInventoryQtyUnit";
constexpr std::string_view k_item_method = "ItemsLookup.GetItemDetailInfo";
constexpr std::string_view k_options_method = "ItemsLookup.GetGoodsInventoryInfo";
constexpr std::string_view k_axis_separator = "||*"; // multi-axis options (§2.5)
constexpr int k_max_axes = 5;

// One stock write: the method and its form fields (returnType is added when sent).
struct StockCall
{
  std::string_view method;
  Params params;
};

std::string attribute(const StockUpdate& update, std::string_view key)
{
  const auto it = update.attributes.find(key);
  return it == update.attributes.end() ? std::string() : std::string(util::trim(it->second));
}

bool is_date(std::string_view text)
{
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return false;
  }
  const auto month = support::parse_int(text.substr(5, 2));
  const auto day = support::parse_int(text.substr(8, 2));
  return support::parse_int(text.substr(0, 4)) && month && day && *month >= 1 && *month <= 12 && *day >= 1 && *day <= 31;
}

// The call one update makes, or why it cannot be made: an item needs its current ExpireDate
// and Price (an empty ExpireDate would silently move the sale end a year ahead, §2.5), an
// option its name and value as Qoo10 holds them.
std::expected<StockCall, std::string> stock_call(const StockUpdate& update)
{
  if (update.listing_id.empty()) {
    return std::unexpected("no ItemCode (listing_id)");
  }
  if (update.quantity < 0) {
    return std::unexpected(fmt::format("quantity {} is below zero", update.quantity));
  }
  const std::string qty = std::to_string(update.quantity);
  if (update.option_id.empty()) {
    const std::string expire = attribute(update, k_attr_expire_date);
    const std::string price = attribute(update, k_attr_price);
    if (!is_date(expire)) {
      return std::unexpected(fmt::format(
          "ItemCode {}: the item's current ExpireDate is {} (attribute expire_date); SetGoodsPriceQty without it "
          "would move the sale end to a year from now, so nothing was sent (run listings fetch first)",
          update.listing_id, expire.empty() ? "unknown" : "not yyyy-mm-dd (\"" + expire + "\")"));
    }
    const auto yen = support::parse_whole<long long>(price);
    if (!yen || *yen <= 0) {
      return std::unexpected(fmt::format(
          "ItemCode {}: the item's current Price is {} (attribute price); SetGoodsPriceQty sends it with the "
          "quantity, so nothing was sent (run listings fetch first)",
          update.listing_id, price.empty() ? "unknown" : "not whole yen (\"" + price + "\")"));
    }
    StockCall call{k_price_qty_method, {{"ItemCode", update.listing_id}}};
    if (!update.sku.empty()) {
      call.params.emplace_back("SellerCode", update.sku);
    }
    call.params.emplace_back("Price", price);
    call.params.emplace_back("Qty", qty);
    if (const std::string tax = attribute(update, k_attr_tax_rate); !tax.empty()) {
      call.params.emplace_back("TaxRate", tax);
    }
    call.params.emplace_back("ExpireDate", expire);
    return call;
  }
  const std::string name = attribute(update, k_attr_option_name);
  const std::string value = attribute(update, k_attr_option_value);
  if (name.empty() || value.empty()) {
    return std::unexpected(fmt::format(
        "ItemCode {} option {}: the option's name and value are unknown (attributes option_name, option_value); "
        "UpdateInventoryQtyUnit needs them, so nothing was sent (run listings fetch first)",
        update.listing_id, update.option_id));
  }
  StockCall call{k_option_qty_method, {{"ItemCode", update.listing_id}}};
  if (const std::string seller = attribute(update, k_attr_item_seller_code); !seller.empty()) {
    call.params.emplace_back("SellerCode", seller);
  }
  call.params.emplace_back("OptionName", name);
  call.params.emplace_back("OptionValue", value);
  call.params.emplace_back("OptionCode", update.option_id);
  call.params.emplace_back("Qty", qty);
  return call;
}

// A string or a number as text, trimmed; "" for anything else (these readers never throw:
// a field of an unexpected type is simply unknown).
std::string text(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr || !(value->is_string() || value->is_number())) {
    return {};
  }
  return std::string(util::trim(support::string_value(value, key)));
}

// A price as whole yen ("1980", 1980, "1980.0000"); "" when absent or not a whole amount.
std::string whole_yen(const json& object, std::string_view key)
{
  std::optional<double> value;
  try {
    value = support::number_value(member(object, key), key);
  } catch (const support::BadField&) {
    return {};
  }
  if (!value || *value <= 0 || std::floor(*value) != *value) {
    return {};
  }
  return std::to_string(static_cast<long long>(*value));
}

// `yyyy-mm-dd` from "2030-12-31", "2030/12/31" or "2030-12-31 00:00:00"; "" otherwise.
std::string date_only(std::string value)
{
  std::replace(value.begin(), value.end(), '/', '-');
  value = value.substr(0, 10);
  return is_date(value) ? value : std::string();
}

std::optional<int> quantity(const json& object, std::string_view key)
{
  const auto value = support::integer_value(member(object, key));
  if (!value || *value < 0 || *value > std::numeric_limits<int>::max()) {
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

// ResultObject as a list of records (a single record comes as an object).
std::vector<json> records(const json& body)
{
  std::vector<json> out;
  if (const json* object = member(body, "ResultObject")) {
    if (object->is_array()) {
      for (const auto& row : *object) {
        if (row.is_object()) {
          out.push_back(row);
        }
      }
    } else if (object->is_object()) {
      out.push_back(*object);
    }
  }
  return out;
}

// The outcome of a write whose call failed: a negative ResultCode on HTTP 200 is Qoo10
// refusing it; throttling or a server error after retries leaves it to send again (the
// quantity is absolute, so a resend cannot double it). Anything else stays an error.
std::optional<WriteOutcome> outcome_of(const ConnectorError& error)
{
  if (error.kind == ErrorKind::rate_limited || (error.kind == ErrorKind::transient && error.http_status != 0)) {
    return WriteOutcome{WriteStatus::retry_later, error.message, error.http_status, {}};
  }
  if (error.kind == ErrorKind::contract && error.http_status == 200) {
    return WriteOutcome{WriteStatus::rejected, error.message, 200, {}};
  }
  return std::nullopt;
}

// Qoo10 refused a look-up with a negative ResultCode (an unknown item).
bool refused(const ConnectorError& error)
{
  return error.kind == ErrorKind::contract && error.http_status == 200;
}

} // namespace

struct Qoo10Connector::ItemRead
{
  bool found = false;
  std::string reason; // why not found, Qoo10's words
  std::vector<Listing> listings;
  std::vector<MappingFailure> failures;
};

std::string Qoo10Connector::describe_stock_push(const StockUpdate& update) const
{
  auto call = stock_call(update);
  if (!call) {
    return "not sent: " + call.error();
  }
  call->params.emplace_back("returnType", "application/json");
  return fmt::format("POST {}/{} {}", support::url_path(m_url), call->method, net::build_query(call->params));
}

Result<std::vector<WriteOutcome>> Qoo10Connector::push_stock(std::span<const StockUpdate> updates)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    std::vector<WriteOutcome> outcomes;
    for (const auto& update : updates) {
      const auto stock = stock_call(update);
      if (!stock) {
        outcomes.push_back({WriteStatus::rejected, stock.error()});
        continue;
      }
      const std::string label =
          update.option_id.empty() ? fmt::format("POST {} (ItemCode {})", stock->method, update.listing_id)
                                   : fmt::format("POST {} (ItemCode {}, OptionCode {})", stock->method, update.listing_id,
                                                 update.option_id);
      auto answer = call(stock->method, stock->params, label);
      if (answer) {
        outcomes.push_back({WriteStatus::done, {}, 200, {}});
        continue;
      }
      auto outcome = outcome_of(answer.error());
      if (!outcome) {
        return std::unexpected(answer.error());
      }
      outcomes.push_back(std::move(*outcome));
    }
    return outcomes;
  });
}

Result<Qoo10Connector::ItemRead> Qoo10Connector::read_item(const std::string& item_code)
{
  ItemRead read;
  auto item = call(k_item_method, {{"ItemCode", item_code}}, fmt::format("POST {} (ItemCode {})", k_item_method, item_code));
  if (!item) {
    if (refused(item.error())) {
      read.reason = item.error().message;
      return read;
    }
    return std::unexpected(item.error());
  }
  const auto rows = records(*item);
  const auto detail = std::find_if(rows.begin(), rows.end(), [&](const json& row) {
    const std::string code = text(row, "ItemCode");
    return code.empty() || code == item_code;
  });
  if (detail == rows.end()) {
    read.reason = fmt::format("{} (ItemCode {}): ResultCode 0 without the item", k_item_method, item_code);
    return read;
  }
  read.found = true;
  Settings attributes;
  if (const std::string expire = date_only(text(*detail, "ExpireDate")); !expire.empty()) {
    attributes[std::string(k_attr_expire_date)] = expire;
  }
  if (const std::string price = whole_yen(*detail, "ItemPrice"); !price.empty()) {
    attributes[std::string(k_attr_price)] = price;
  }
  if (const std::string tax = text(*detail, "TaxRate"); tax == "S" || tax == "10" || tax == "8" || tax == "0") {
    attributes[std::string(k_attr_tax_rate)] = tax;
  }
  const std::string seller_code = text(*detail, "SellerCode");
  const std::string title = text(*detail, "ItemTitle");

  // Options, if any. An item without options may answer an empty list or a refusal; both
  // mean "sold as one item" (UNCONFIRMED).
  std::vector<json> options;
  auto inventory = call(k_options_method, {{"ItemCode", item_code}},
                        fmt::format("POST {} (ItemCode {})", k_options_method, item_code));
  if (inventory) {
    options = records(*inventory);
  } else if (!refused(inventory.error())) {
    return std::unexpected(inventory.error());
  }

  if (options.empty()) {
    Listing listing{item_code, "", seller_code, title, quantity(*detail, "ItemQty"), attributes};
    if (!listing.quantity) {
      read.failures.push_back({item_code, fmt::format("ItemCode {}: ItemQty is missing or not a count", item_code), detail->dump()});
    } else {
      read.listings.push_back(std::move(listing));
    }
    return read;
  }
  for (const auto& row : options) {
    std::string names;
    std::string values;
    for (int axis = 1; axis <= k_max_axes; ++axis) {
      const std::string name = text(row, fmt::format("Name{}", axis));
      const std::string value = text(row, fmt::format("Value{}", axis));
      if (name.empty() && value.empty()) {
        continue;
      }
      names += (names.empty() ? "" : std::string(k_axis_separator)) + name;
      values += (values.empty() ? "" : std::string(k_axis_separator)) + value;
    }
    const std::string code = text(row, "ItemTypeCode");
    const auto qty = quantity(row, "Qty");
    if (code.empty() || !qty || names.empty()) {
      read.failures.push_back({item_code,
                               fmt::format("ItemCode {}: an option without ItemTypeCode, Qty or a name ({})", item_code,
                                           values.empty() ? "no value" : values),
                               row.dump()});
      continue;
    }
    Listing listing{item_code, code, code, fmt::format("{} ({})", title, values), qty, attributes};
    listing.attributes[std::string(k_attr_option_name)] = names;
    listing.attributes[std::string(k_attr_option_value)] = values;
    if (!seller_code.empty()) {
      listing.attributes[std::string(k_attr_item_seller_code)] = seller_code;
    }
    read.listings.push_back(std::move(listing));
  }
  return read;
}

Result<ListingPage> Qoo10Connector::fetch_listings(std::span<const std::string> known_items, const std::string& cursor)
{
  return guarded<ListingPage>([&]() -> Result<ListingPage> {
    std::size_t index = 0;
    if (!cursor.empty()) {
      const auto decoded = decode_cursor(cursor);
      if (!decoded) {
        return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("invalid qoo10jp catalogue cursor \"{}\"", cursor)});
      }
      index = *decoded;
    }
    ListingPage page;
    if (index < known_items.size()) {
      auto read = read_item(known_items[index]);
      if (!read) {
        return std::unexpected(read.error());
      }
      if (!read->found) {
        page.failures.push_back({known_items[index], read->reason, ""});
      }
      page.listings = std::move(read->listings);
      for (auto& failure : read->failures) {
        page.failures.push_back(std::move(failure));
      }
      if (index + 1 < known_items.size()) {
        page.next_cursor = encode_cursor(index + 1);
      }
    }
    page.requests = m_requests;
    return page;
  });
}

Result<std::vector<StockOnMarketplace>> Qoo10Connector::read_stock(std::span<const StockUpdate> updates)
{
  return guarded<std::vector<StockOnMarketplace>>([&]() -> Result<std::vector<StockOnMarketplace>> {
    std::vector<StockOnMarketplace> out;
    for (const auto& update : updates) {
      auto read = read_item(update.listing_id);
      if (!read) {
        return std::unexpected(read.error());
      }
      StockOnMarketplace held;
      for (const auto& listing : read->listings) {
        if (listing.option_id == update.option_id && listing.quantity) {
          held = {true, *listing.quantity};
        }
      }
      out.push_back(held);
    }
    return out;
  });
}

} // namespace uoms::connectors::qoo10jp
