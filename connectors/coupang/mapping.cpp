#include "connectors/coupang/mapping.hpp"

#include "uoms/time.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace uoms::connectors::coupang {

using namespace support; // support::json and the shared field readers and helpers

namespace {

// --- field readers ------------------------------------------------------------------

// A count (shippingCount, cancelCount, ...): 0 when absent, a quantity otherwise.
std::int64_t count_field(const json& object, std::string_view key)
{
  return figure_field(object, key, util::Figure::quantity).value_or(0);
}

bool bool_field(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return false;
  }
  if (value->is_boolean()) {
    return value->get<bool>();
  }
  if (value->is_string()) { // the 2019 doc typed some flags as String
    return value->get_ref<const std::string&>() == "true";
  }
  throw BadField{fmt::format("{} is not a boolean: {}", key, value->dump())};
}

struct Money
{
  std::int64_t minor = 0;
  std::string currency;
};

// v4 sends plain numbers; v5 sends {"currencyCode":"KRW","units":14000,"nanos":0}
// (coupang.md §2.3 "Changes in v5"). Both are accepted.
Money money_field(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  if (value == nullptr) {
    return {0, {}};
  }
  if (value->is_number()) {
    return {money_value(value, key, "KRW").value_or(0), {}};
  }
  if (value->is_object()) {
    std::string currency = string_field(*value, "currencyCode");
    if (currency.empty()) {
      currency = "KRW";
    }
    const std::string units_key = fmt::format("{}.units", key);
    const std::int64_t units = figure_value(member(*value, "units"), units_key, util::Figure::money).value_or(0);
    // nanos is the fraction of one unit, 0 to 999,999,999, with the sign of units; a
    // price is never negative.
    const json* nanos_value = member(*value, "nanos");
    double nanos = 0;
    if (nanos_value != nullptr) {
      nanos = nanos_value->is_number() ? nanos_value->get<double>() : -1;
      if (!(nanos >= 0 && nanos < 1e9) || std::floor(nanos) != nanos) {
        throw BadField{fmt::format("{}.nanos {} is not a fraction from 0 to 999999999", key, nanos_value->dump())};
      }
    }
    if (units < 0) {
      throw BadField{fmt::format("{} {} is negative", units_key, units)};
    }
    const int exponent = currency_exponent(currency);
    std::int64_t scale = 1;
    for (int i = 0; i < exponent; ++i) {
      scale *= 10;
    }
    // Whole units scale exactly; only the fraction goes through floating point.
    const auto fraction = static_cast<std::int64_t>(std::llround(nanos * static_cast<double>(scale) / 1e9));
    return {money_sum(key, money_product(key, units, scale), fraction), currency};
  }
  throw BadField{fmt::format("{} is not an amount: {}", key, value->dump())};
}

// --- mapping --------------------------------------------------------------------------

std::optional<OrderStatus> map_status(std::string_view raw)
{
  static const support::StatusTable table = {
      {"ACCEPT", OrderStatus::paid},
      {"INSTRUCT", OrderStatus::preparing},
      {"DEPARTURE", OrderStatus::shipped},
      {"DELIVERING", OrderStatus::shipped},
      {"FINAL_DELIVERY", OrderStatus::delivered},
      {"NONE_TRACKING", OrderStatus::shipped},
  };
  return support::lookup(table, raw);
}

Party map_party(const json& object, std::string_view phone_key, std::string_view fallback_phone_key)
{
  Party party;
  party.name = string_field(object, "name");
  party.email = string_field(object, "email");
  party.phone = string_field(object, "safeNumber");
  if (party.phone.empty()) {
    party.phone = string_field(object, phone_key);
  }
  if (party.phone.empty() && !fallback_phone_key.empty()) {
    party.phone = string_field(object, fallback_phone_key);
  }
  party.zip = string_field(object, "postCode");
  party.address1 = string_field(object, "addr1");
  party.address2 = string_field(object, "addr2");
  return party;
}

// One element of `data`: a shipment box with its order fields and orderItems, as this
// box's share of its order (its items, its shipping fee).
Order map_box(const json& box, std::chrono::minutes offset, std::vector<OrderNote>& notes)
{
  if (!box.is_object()) {
    throw BadField{"order sheet is not an object"};
  }
  Order order;
  order.external_id = id_field(box, "orderId");
  const std::string box_id = id_field(box, "shipmentBoxId");
  const std::string raw_status = string_field(box, "status");
  if (raw_status.empty()) {
    throw BadField{"missing status"};
  }
  const auto status = map_status(raw_status);
  if (!status) {
    notes.push_back({order.external_id,
                         fmt::format("unknown Coupang status \"{}\" (shipmentBoxId {})", raw_status, box_id)});
  }
  order.ordered_at = time_field(box, "orderedAt", offset);
  if (!order.ordered_at) {
    throw BadField{"missing orderedAt"};
  }
  order.paid_at = time_field(box, "paidAt", offset);
  if (const json* orderer = member(box, "orderer")) {
    order.buyer = map_party(*orderer, "ordererNumber", {});
  }
  if (const json* receiver = member(box, "receiver")) {
    order.receiver = map_party(*receiver, "receiverNumber", {});
  }
  const Money shipping = money_field(box, "shippingPrice");
  const Money remote = money_field(box, "remotePrice");
  order.shipping_fee_minor = money_sum("shippingPrice + remotePrice", shipping.minor, remote.minor);
  order.currency = !shipping.currency.empty() ? shipping.currency : "KRW";

  // The invoice the box already holds (coupang.md §2.3: invoiceNumber and the carrier on
  // the box), recorded on each of its items with Coupang's carrier code.
  const BoxInvoice invoice = box_invoice(box);

  const json* items = member(box, "orderItems");
  if (items == nullptr || !items->is_array() || items->empty()) {
    throw BadField{fmt::format("shipmentBoxId {}: no orderItems", box_id)};
  }
  std::int64_t net_total = 0;
  for (const auto& source : *items) {
    if (!source.is_object()) {
      throw BadField{fmt::format("shipmentBoxId {}: an orderItem is not an object", box_id)};
    }
    OrderItem item;
    const std::string vendor_item_id = id_field(source, "vendorItemId");
    item.external_id = box_id + "-" + vendor_item_id;
    item.shipment_key = box_id;
    // externalVendorSkuCode is the seller's own code (coupang.md §2.3); without it the
    // item has no SKU and stock matching goes through option_id (vendorItemId).
    item.sku = string_field(source, "externalVendorSkuCode");
    item.product_id = string_field(source, "sellerProductId");
    if (item.product_id.empty()) {
      item.product_id = string_field(source, "productId");
    }
    item.option_id = vendor_item_id;
    item.name = string_field(source, "sellerProductName");
    if (item.name.empty()) {
      item.name = string_field(source, "vendorItemName");
    }
    item.option_name = string_field(source, "sellerProductItemName");
    const std::int64_t ordered = count_field(source, "shippingCount");
    const std::int64_t cancelled = count_field(source, "cancelCount");
    const std::int64_t held = count_field(source, "holdCountForCancel");
    // The shippable quantity (coupang.md §2.3): ordered minus cancelled and held for cancel;
    // 0 for a fully cancelled item, whose cancellation releases its reserved stock.
    item.quantity = static_cast<int>(std::max<std::int64_t>(0, ordered - cancelled - held));
    const Money unit = money_field(source, "salesPrice");
    const Money line = money_field(source, "orderPrice");
    const Money discount = money_field(source, "discountPrice");
    item.unit_price_minor = unit.minor;
    item.total_price_minor =
        member(source, "orderPrice") != nullptr ? line.minor : money_product("salesPrice * shippingCount", unit.minor, ordered);
    net_total = money_sum("order total", net_total, money_sum("orderPrice - discountPrice", item.total_price_minor, -discount.minor));
    if (order.currency == "KRW" && !unit.currency.empty()) {
      order.currency = unit.currency;
    }
    item.raw_status = raw_status;
    item.tracking_carrier = invoice.carrier;
    item.tracking_number = invoice.number;
    item.status = status.value_or(OrderStatus::unknown);
    if (bool_field(source, "canceled") || (ordered > 0 && cancelled >= ordered)) {
      item.status = OrderStatus::cancelled;
    } else if (held > 0) {
      item.status = OrderStatus::cancel_requested;
    }
    order.items.push_back(std::move(item));
  }
  order.total_minor = money_sum("order total", net_total, order.shipping_fee_minor);
  return order;
}

} // namespace

support::MappedPage map_boxes(const json& data, std::chrono::minutes offset)
{
  // One box still in INSTRUCT keeps the order "preparing" though another has shipped.
  support::PageOrders orders(support::PageOrders::Fee::sum);
  for (const auto& box : data) {
    orders.add(box, box.is_object() ? support::id_text(member(box, "orderId")) : std::string(),
               [&](const json& record, std::vector<OrderNote>& notes) { return map_box(record, offset, notes); });
  }
  return orders.finish(support::is_cancelled);
}

std::string carrier_for_name(std::string_view name)
{
  // The carrier column of coupang.md §2.7, spaces removed ("CJ 대한통운" is CJ대한통운).
  static const std::map<std::string, std::string, std::less<>> names = {
      {"CJ대한통운", "CJGLS"}, {"한진택배", "HANJIN"},   {"우체국", "EPOST"},     {"우체국택배", "EPOST"},
      {"롯데택배", "HYUNDAI"}, {"로젠택배", "KGB"},      {"경동택배", "KDEXP"},   {"업체직송", "DIRECT"},
      {"일양택배", "ILYANG"},  {"천일택배", "CHUNIL"},   {"천일특송", "CHUNIL"},  {"대신택배", "DAESIN"},
      {"합동택배", "HDEXP"},   {"CVS택배", "CVS"},       {"우편등기", "REGISTPOST"}, {"우체국EMS", "EMS"},
  };
  std::string compact;
  for (const char c : name) {
    if (c != ' ') {
      compact += c;
    }
  }
  const auto it = names.find(compact);
  return it == names.end() ? std::string() : it->second;
}

BoxInvoice box_invoice(const json& box)
{
  BoxInvoice invoice;
  invoice.number = std::string(util::trim(string_field(box, "invoiceNumber")));
  if (invoice.number.empty()) {
    return invoice;
  }
  invoice.carrier = string_field(box, "deliveryCompanyCode");
  if (invoice.carrier.empty()) {
    const std::string name = string_field(box, "deliveryCompanyName");
    invoice.carrier = carrier_for_name(name);
    if (invoice.carrier.empty()) {
      invoice.carrier = name; // a carrier §2.7 does not name: kept as Coupang wrote it
    }
  }
  return invoice;
}

bool is_ok_code(const json& body)
{
  const json* code = member(body, "code");
  if (code == nullptr) {
    return true;
  }
  if (code->is_number_integer() || code->is_number_unsigned()) {
    return code->get<std::int64_t>() == 200;
  }
  if (code->is_string()) {
    const auto& text = code->get_ref<const std::string&>();
    return text == "200" || text == "OK" || text == "SUCCESS";
  }
  return false;
}

std::string describe_body(const json& parsed)
{
  if (!parsed.is_object()) {
    return {};
  }
  std::string code;
  if (const json* c = member(parsed, "code")) {
    code = c->is_string() ? c->get<std::string>() : c->dump();
  }
  std::string message;
  if (const json* m = member(parsed, "message"); m != nullptr && m->is_string()) {
    message = m->get<std::string>();
  }
  if (code.empty()) {
    return one_line(message);
  }
  if (message.empty()) {
    return one_line(code);
  }
  return one_line(code + " " + message);
}


} // namespace uoms::connectors::coupang
