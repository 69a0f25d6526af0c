#include "connectors/shopee/internal.hpp"

#include "uoms/time.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <charconv>
#include <map>

namespace uoms::connectors::shopee {

using namespace support; // support::json and the shared field readers and helpers

namespace {

// --- field readers ------------------------------------------------------------------

std::optional<double> number_field(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number()) {
    return value->get<double>();
  }
  throw BadField{fmt::format("{} is not a number: {}", key, value->dump())};
}

// A count, checked (support::figure_value); required.
std::int64_t count_field(const json& object, std::string_view key)
{
  if (member(object, key) != nullptr && !member(object, key)->is_number()) {
    throw BadField{fmt::format("{} is not a count: {}", key, member(object, key)->dump())};
  }
  const auto count = figure_field(object, key, util::Figure::quantity);
  if (!count) {
    throw BadField{fmt::format("missing {}", key)};
  }
  return *count;
}

// Unix seconds, checked (support::figure_value); 0 means "not yet" (pay_time of an unpaid order).
std::optional<TimePoint> epoch_field(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_number_integer() && !value->is_number_unsigned()) {
    throw BadField{fmt::format("{} is not a Unix time: {}", key, value->dump())};
  }
  if (value->is_number_unsigned() && value->get<std::uint64_t>() == 0) {
    return std::nullopt;
  }
  if (value->is_number_integer() && value->get<std::int64_t>() == 0) {
    return std::nullopt;
  }
  return from_epoch_seconds(*figure_value(value, key, util::Figure::epoch));
}

// --- mapping --------------------------------------------------------------------------

std::optional<OrderStatus> map_status(std::string_view raw)
{
  static const support::StatusTable table = {
      {"UNPAID", OrderStatus::pending_payment},
      // Paid, and the seller has not arranged shipment yet.
      {"READY_TO_SHIP", OrderStatus::paid},
      // Paid, waiting for the invoice (Brazil) before shipment can be arranged.
      {"INVOICE_PENDING", OrderStatus::paid},
      // Shipment arranged (tracking number obtained), or to be arranged again.
      {"PROCESSED", OrderStatus::preparing},
      {"RETRY_SHIP", OrderStatus::preparing},
      {"SHIPPED", OrderStatus::shipped},
      // "Buyer has received the order" (shopee.md §1.7), not yet completed.
      {"TO_CONFIRM_RECEIVE", OrderStatus::delivered},
      {"COMPLETED", OrderStatus::completed},
      {"IN_CANCEL", OrderStatus::cancel_requested},
      {"CANCELLED", OrderStatus::cancelled},
      {"TO_RETURN", OrderStatus::return_requested},
  };
  return support::lookup(table, raw);
}

// An amount read with number_field, as minor units within the money range.
std::int64_t money(std::string_view key, double amount, const std::string& currency)
{
  if (const auto minor = util::checked(util::Figure::money, to_minor_units(amount, currency))) {
    return *minor;
  }
  throw BadField{util::out_of_range(util::Figure::money, key, json(amount).dump())};
}

// The package an item ships in: the package whose item_list names it, else the only
// package, else none.
std::string package_of(const json& order, const std::string& item_id, const std::string& model_id,
                       const std::optional<std::string>& order_item_id)
{
  const json* packages = member(order, "package_list");
  if (packages == nullptr || !packages->is_array()) {
    return {};
  }
  for (const auto& package : *packages) {
    const json* items = member(package, "item_list");
    if (items == nullptr || !items->is_array()) {
      continue;
    }
    for (const auto& entry : *items) {
      if (optional_id(entry, "item_id") != item_id) {
        continue;
      }
      const auto entry_model = optional_id(entry, "model_id");
      if (entry_model.value_or("0") != model_id) {
        continue;
      }
      const auto entry_line = optional_id(entry, "order_item_id");
      if (entry_line && order_item_id && *entry_line != *order_item_id) {
        continue;
      }
      return string_field(package, "package_number");
    }
  }
  if (packages->size() == 1) {
    return string_field(packages->front(), "package_number");
  }
  return {};
}

// The package's tracking number, when the package carries one. package_list entries are
// documented without it (shopee.md §1.7), so only a payload that has `tracking_number` on
// the package sets it, with the package's shipping_carrier as Shopee names it.
void set_tracking(const json& order, OrderItem& item)
{
  const json* packages = member(order, "package_list");
  if (packages == nullptr || !packages->is_array() || item.shipment_key.empty()) {
    return;
  }
  for (const auto& package : *packages) {
    if (package.is_object() && string_field(package, "package_number") == item.shipment_key) {
      item.tracking_number = string_field(package, "tracking_number");
      if (!item.tracking_number.empty()) {
        item.tracking_carrier = string_field(package, "shipping_carrier");
      }
      return;
    }
  }
}

std::string join_address(const json& address)
{
  std::string out;
  for (const auto* key : {"town", "district", "city", "state", "region"}) {
    const std::string part = string_field(address, key);
    if (!part.empty()) {
      out += out.empty() ? part : ", " + part;
    }
  }
  return out;
}

} // namespace

Order map_order(const json& detail, std::vector<OrderNote>& notes)
{
  if (!detail.is_object()) {
    throw BadField{"order is not an object"};
  }
  Order order;
  order.external_id = id_field(detail, "order_sn");
  order.raw_status = string_field(detail, "order_status");
  if (order.raw_status.empty()) {
    throw BadField{"missing order_status"};
  }
  const auto status = map_status(order.raw_status);
  order.status = status.value_or(OrderStatus::unknown);
  if (!status) {
    notes.push_back({order.external_id, fmt::format("unknown Shopee order_status \"{}\"", order.raw_status)});
  }
  order.ordered_at = epoch_field(detail, "create_time");
  if (!order.ordered_at) {
    throw BadField{"missing create_time"};
  }
  order.paid_at = epoch_field(detail, "pay_time");
  order.changed_at = epoch_field(detail, "update_time");
  order.currency = string_field(detail, "currency");
  if (order.currency.empty()) {
    throw BadField{"missing currency"};
  }
  order.buyer.name = string_field(detail, "buyer_username");
  if (const json* address = member(detail, "recipient_address")) {
    order.receiver.name = string_field(*address, "name");
    order.receiver.phone = string_field(*address, "phone");
    order.receiver.zip = string_field(*address, "zipcode");
    order.receiver.address1 = string_field(*address, "full_address");
    if (order.receiver.address1.empty()) {
      order.receiver.address1 = join_address(*address);
    }
  }
  // The fee the buyer paid is not in the contract; the actual fee, once known, else the estimate.
  if (const auto actual = number_field(detail, "actual_shipping_fee"); actual && *actual > 0) {
    order.shipping_fee_minor = money("actual_shipping_fee", *actual, order.currency);
  } else if (const auto estimate = number_field(detail, "estimated_shipping_fee")) {
    order.shipping_fee_minor = money("estimated_shipping_fee", *estimate, order.currency);
  }

  const json* items = member(detail, "item_list");
  if (items == nullptr) {
    throw BadField{"missing item_list"};
  }
  if (!items->is_array()) {
    throw BadField{"item_list is not an array"};
  }
  std::int64_t items_total = 0;
  std::map<std::string, int, std::less<>> seen;
  for (const auto& entry : *items) {
    if (!entry.is_object()) {
      throw BadField{"item is not an object"};
    }
    OrderItem item;
    const std::string item_id = id_field(entry, "item_id");
    const std::string model_id = optional_id(entry, "model_id").value_or("0");
    const auto order_item_id = optional_id(entry, "order_item_id");
    // order_item_id + model_id names one line; a repeat (the same model under two
    // promotions) gets "#2", "#3" in the order Shopee lists it.
    std::string key = fmt::format("{}-{}", order_item_id.value_or(item_id), model_id);
    if (const int n = ++seen[key]; n > 1) {
      key += fmt::format("#{}", n);
    }
    item.external_id = std::move(key);
    item.product_id = item_id;
    item.option_id = model_id == "0" ? std::string() : model_id;
    item.sku = string_field(entry, "model_sku");
    if (item.sku.empty()) {
      item.sku = string_field(entry, "item_sku");
    }
    item.name = string_field(entry, "item_name");
    item.option_name = string_field(entry, "model_name");
    item.quantity = static_cast<int>(count_field(entry, "model_quantity_purchased"));
    // model_discounted_price is 0 for bundle-deal items by design (shopee.md §1.7).
    const double discounted = number_field(entry, "model_discounted_price").value_or(0);
    const double original = number_field(entry, "model_original_price").value_or(0);
    item.unit_price_minor = money(discounted > 0 ? "model_discounted_price" : "model_original_price",
                                  discounted > 0 ? discounted : original, order.currency);
    item.total_price_minor = money_product("price * model_quantity_purchased", item.unit_price_minor, item.quantity);
    items_total = money_sum("items total", items_total, item.total_price_minor);
    item.shipment_key = package_of(detail, item_id, model_id, order_item_id);
    set_tracking(detail, item);
    if (item.shipment_key.empty()) {
      item.shipment_key = order.external_id;
    }
    item.raw_status = order.raw_status;
    item.status = order.status;
    order.items.push_back(std::move(item));
  }
  if (const auto total = number_field(detail, "total_amount")) {
    order.total_minor = money("total_amount", *total, order.currency);
  } else {
    order.total_minor = money_sum("order total", items_total, order.shipping_fee_minor);
  }
  order.raw = detail.dump();
  return order;
}

bool is_throttle_code(std::string_view code)
{
  return code == "error_rate_limit" || code == "error_limit" || code.starts_with("ads.rate_limit");
}

bool is_token_rejection(std::string_view code, std::string_view message)
{
  if (code == "error_auth" || code == "invalid_access_token" || code == "invalid_acceess_token"
      || code == "error_invalid_access_token") {
    return true;
  }
  const std::string text = util::ascii_lower(message);
  return text.find("access_token") != std::string::npos
         && (text.find("invalid") != std::string::npos || text.find("expired") != std::string::npos);
}

std::string json_text(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return {};
  }
  return value->is_string() ? value->get<std::string>() : value->dump();
}


std::int64_t to_int64(std::string_view digits)
{
  std::int64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

} // namespace uoms::connectors::shopee
