#include "connectors/qoo10jp/mapping.hpp"

#include "uoms/time.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace uoms::connectors::qoo10jp {

using namespace support; // support::json and the shared field readers and helpers

namespace {

bool iequals(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Keys come in mixed case (`packNo`, `PackNo`, `PaymentDate`; qoo10jp.md §2.3), so a

} // namespace

const json* member(const json& object, std::string_view key)
{
  if (!object.is_object()) {
    return nullptr;
  }
  auto it = object.find(key);
  if (it == object.end()) {
    for (auto candidate = object.begin(); candidate != object.end(); ++candidate) {
      if (iequals(candidate.key(), key)) {
        it = candidate;
        break;
      }
    }
  }
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

namespace {

std::string string_field(const json& object, std::string_view key)
{
  return support::string_value(member(object, key), key);
}

std::string id_field(const json& object, std::string_view key)
{
  return support::text_id_value(member(object, key), key);
}

// Amounts and counts come as numbers or numeric strings ("1980", "1980.00").
std::optional<double> number_field(const json& object, std::string_view key)
{
  return support::number_value(member(object, key), key);
}

// An amount in minor units, checked (support::money_value); 0 when absent.
std::int64_t money_field(const json& object, std::string_view key, std::string_view currency)
{
  return support::money_value(member(object, key), key, currency).value_or(0);
}

// "yyyy-MM-dd HH:mm:ss" in JST (qoo10jp.md §2.3); slashes are accepted too.
std::optional<TimePoint> time_field(const json& object, std::string_view key, std::chrono::minutes offset)
{
  std::string text(util::trim(string_field(object, key)));
  if (text.empty()) {
    return std::nullopt;
  }
  std::replace(text.begin(), text.end(), '/', '-');
  auto t = parse_time(text, offset);
  if (!t) {
    throw BadField{fmt::format("{} is not a date-time: \"{}\"", key, text)};
  }
  return t;
}

// One order line of ResultObject as an Order with one item.
Order map_row(const json& row, int shipping_stat, OrderStatus status, std::chrono::minutes offset)
{
  if (!row.is_object()) {
    throw BadField{"row is not an object"};
  }
  Order order;
  order.external_id = id_field(row, "packNo");
  order.ordered_at = time_field(row, "orderDate", offset);
  if (!order.ordered_at) {
    throw BadField{"missing orderDate"};
  }
  order.paid_at = time_field(row, "PaymentDate", offset);
  order.currency = util::trim(string_field(row, "Currency"));
  if (order.currency.empty()) {
    order.currency = "JPY";
  }
  order.buyer.name = string_field(row, "buyer");
  order.buyer.phone = string_field(row, "buyerMobile");
  if (order.buyer.phone.empty()) {
    order.buyer.phone = string_field(row, "buyerTel");
  }
  order.buyer.email = string_field(row, "buyerEmail");
  order.receiver.name = string_field(row, "receiver");
  order.receiver.phone = string_field(row, "receiverMobile");
  if (order.receiver.phone.empty()) {
    order.receiver.phone = string_field(row, "receiverTel");
  }
  order.receiver.zip = string_field(row, "zipCode");
  order.receiver.address1 = string_field(row, "Addr1");
  order.receiver.address2 = string_field(row, "Addr2");
  if (order.receiver.address1.empty()) {
    order.receiver.address1 = string_field(row, "shippingAddr");
  }
  order.shipping_fee_minor = money_field(row, "ShippingRate", order.currency);

  OrderItem item;
  item.external_id = id_field(row, "orderNo");
  item.shipment_key = order.external_id;
  item.sku = string_field(row, "sellerItemCode");
  item.product_id = string_field(row, "itemCode");
  item.option_id = string_field(row, "optionCode");
  item.name = string_field(row, "itemTitle");
  item.option_name = string_field(row, "option");
  const auto quantity = support::figure_value(member(row, "orderQty"), "orderQty", util::Figure::quantity);
  if (!quantity) {
    throw BadField{"missing orderQty"};
  }
  item.quantity = static_cast<int>(*quantity);
  item.unit_price_minor = money_field(row, "orderPrice", order.currency);
  // `total` is the line after its discount (price + option − discount, §2.3).
  if (number_field(row, "total")) {
    item.total_price_minor = money_field(row, "total", order.currency);
  } else {
    item.total_price_minor = money_sum("orderPrice * orderQty - discount",
                                       money_product("orderPrice * orderQty", item.unit_price_minor, item.quantity),
                                       -money_field(row, "discount", order.currency));
  }
  // A tracking number Qoo10 already holds for the line, with the carrier's name
  // (DeliveryCompany in v2, ShippingCorp as SetSendingInfo names it).
  item.tracking_number = util::trim(string_field(row, "TrackingNo"));
  if (!item.tracking_number.empty()) {
    item.tracking_carrier = util::trim(string_field(row, "DeliveryCompany"));
    if (item.tracking_carrier.empty()) {
      item.tracking_carrier = util::trim(string_field(row, "ShippingCorp"));
    }
  }
  const std::string text(util::trim(string_field(row, "shippingStatus")));
  item.raw_status = text.empty() ? std::to_string(shipping_stat) : text;
  item.status = status;
  order.raw_status = item.raw_status;
  order.status = status;
  order.total_minor = money_sum("total + ShippingRate", item.total_price_minor, order.shipping_fee_minor);
  order.items.push_back(std::move(item));
  return order;
}

// The shippingStatus text GetShippingInfo_v2 reports for each ShippingStat (qoo10jp.md §2.3).
std::string documented_status(int shipping_stat)
{
  static const std::array<std::string_view, 5> k_names = {"配送待ち", "配送要請", "配送準備", "配送中", "配送完了"};
  if (shipping_stat < 1 || shipping_stat > 5) return {};
  return fmt::format("{}({})", k_names[static_cast<std::size_t>(shipping_stat - 1)], shipping_stat);
}

} // namespace

bool is_key_code(long long code)
{
  return code == -10000 || (code <= -90002 && code >= -90005);
}

// auth failures (qoo10jp.md §2.1). Success is ResultCode 0 with no non-zero ErrorCode.
Verdict judge(const json& body)
{
  Verdict verdict;
  if (const auto error = support::integer_value(member(body, "ErrorCode")); error && *error != 0) {
    verdict.has_code = true;
    verdict.code = *error;
    if (const json* m = member(body, "ErrorMsg"); m != nullptr && m->is_string()) {
      verdict.message = one_line(m->get<std::string>());
    }
    return verdict;
  }
  if (const json* m = member(body, "ResultMsg"); m != nullptr && m->is_string()) {
    verdict.message = one_line(m->get<std::string>());
  }
  if (const auto result = support::integer_value(member(body, "ResultCode"))) {
    verdict.has_code = true;
    verdict.code = *result;
    verdict.ok = *result == 0;
  }
  return verdict;
}

std::string pack_id(const json& row)
{
  std::string best_id = support::id_text(member(row, "packNo"));
  if (best_id.empty()) {
    best_id = support::id_text(member(row, "orderNo"));
  }
  return best_id;
}

void add_row(support::PageOrders& orders, const json& row, std::string& text, int shipping_stat, OrderStatus status,
             std::chrono::minutes offset)
{
  orders.add(row, text, pack_id(row), [&](const json& record, std::vector<OrderNote>& notes) {
    auto order = map_row(record, shipping_stat, status, offset);
    // The query's ShippingStat decides the status; a line whose own text is not the one
    // qoo10jp.md §2.3 documents for it is kept and flagged, as the other kinds do.
    const auto& raw = order.items.back().raw_status;
    if (raw != std::to_string(shipping_stat) && raw != documented_status(shipping_stat)) {
      notes.push_back({order.external_id, fmt::format("unknown Qoo10 shippingStatus \"{}\" (OrderNo {}) in "
                                                      "ShippingStat {}; kept as {}",
                                                      raw, order.items.back().external_id, shipping_stat,
                                                      to_string(status))});
    }
    return order;
  });
}

support::MappedPage map_rows(const json& rows, int shipping_stat, OrderStatus status, std::chrono::minutes offset)
{
  // ShippingRate is the cart's fee, repeated on its lines or carried by one of them.
  support::PageOrders orders(support::PageOrders::Fee::max);
  for (const auto& row : rows) {
    std::string text;
    add_row(orders, row, text, shipping_stat, status, offset);
  }
  return orders.finish();
}

} // namespace uoms::connectors::qoo10jp
