#include "connectors/smartstore/mapping.hpp"

#include "uoms/time.hpp"

#include <fmt/format.h>

#include <set>

namespace uoms::connectors::smartstore {

using namespace support; // support::json and the shared field readers and helpers

std::optional<TimePoint> time_field(const json& object, std::string_view key)
{
  return support::time_field(object, key, k_kst_offset);
}

namespace {

// --- field readers ------------------------------------------------------------------

bool has_number(const json& object, std::string_view key)
{
  const json* value = member(object, key);
  return value != nullptr && value->is_number();
}

// Whole won amounts, checked (support::money_value); 0 when absent.
std::int64_t won_field(const json& object, std::string_view key)
{
  return money_value(member(object, key), key, "KRW").value_or(0);
}

// A count, checked (support::figure_value); 0 when absent.
std::int64_t count_field(const json& object, std::string_view key)
{
  return figure_field(object, key, util::Figure::quantity).value_or(0);
}

// --- status mapping -------------------------------------------------------------------

std::optional<OrderStatus> map_product_order_status(std::string_view raw)
{
  static const support::StatusTable table = {
      {"PAYMENT_WAITING", OrderStatus::pending_payment},
      {"PAYED", OrderStatus::paid},
      {"DELIVERING", OrderStatus::shipped},
      {"DELIVERED", OrderStatus::delivered},
      {"PURCHASE_DECIDED", OrderStatus::completed},
      {"EXCHANGED", OrderStatus::exchanged},
      {"CANCELED", OrderStatus::cancelled},
      {"RETURNED", OrderStatus::returned},
      {"CANCELED_BY_NOPAYMENT", OrderStatus::cancelled},
  };
  return support::lookup(table, raw);
}

const std::set<std::string, std::less<>>& known_claim_statuses()
{
  static const std::set<std::string, std::less<>> statuses = {
      "CANCEL_REQUEST", "CANCELING", "CANCEL_DONE", "CANCEL_REJECT", "RETURN_REQUEST", "EXCHANGE_REQUEST",
      "COLLECTING", "COLLECT_DONE", "EXCHANGE_REDELIVERING", "RETURN_DONE", "EXCHANGE_DONE", "RETURN_REJECT",
      "EXCHANGE_REJECT", "PURCHASE_DECISION_HOLDBACK", "PURCHASE_DECISION_HOLDBACK_REQUEST",
      "PURCHASE_DECISION_HOLDBACK_RELEASE", "PURCHASE_DECISION_HOLDBACK_REDELIVERING", "ADMIN_CANCELING",
      "ADMIN_CANCEL_DONE", "ADMIN_CANCEL_REJECT",
  };
  return statuses;
}

// An open claim (requested, in progress) shows as *_requested. Finished or rejected claims
// leave the product order status as it is: productOrderStatus already says CANCELED,
// RETURNED or EXCHANGED once a claim is done.
std::optional<OrderStatus> open_claim_status(std::string_view claim_status, std::string_view claim_type)
{
  if (claim_status == "CANCEL_REQUEST" || claim_status == "CANCELING" || claim_status == "ADMIN_CANCELING") {
    return OrderStatus::cancel_requested;
  }
  if (claim_status == "RETURN_REQUEST") {
    return OrderStatus::return_requested;
  }
  if (claim_status == "EXCHANGE_REQUEST" || claim_status == "EXCHANGE_REDELIVERING") {
    return OrderStatus::exchange_requested;
  }
  if (claim_status == "COLLECTING" || claim_status == "COLLECT_DONE") {
    if (claim_type == "RETURN") {
      return OrderStatus::return_requested;
    }
    if (claim_type == "EXCHANGE") {
      return OrderStatus::exchange_requested;
    }
  }
  return std::nullopt;
}

// --- mapping --------------------------------------------------------------------------

// One element of product-orders/query `data`: {order, productOrder, delivery, ...}, as
// this product order's share of its order: one item.
Order map_detail(const json& element, std::vector<OrderNote>& notes)
{
  const json* source_order = member(element, "order");
  const json* product_order = member(element, "productOrder");
  if (source_order == nullptr || !source_order->is_object()) {
    throw BadField{"missing order"};
  }
  if (product_order == nullptr || !product_order->is_object()) {
    throw BadField{"missing productOrder"};
  }
  Order order;
  order.external_id = id_field(*source_order, "orderId");
  order.ordered_at = time_field(*source_order, "orderDate");
  if (!order.ordered_at) {
    throw BadField{"missing orderDate"};
  }
  order.paid_at = time_field(*source_order, "paymentDate");
  order.currency = "KRW";
  order.buyer.name = string_field(*source_order, "ordererName");
  order.buyer.phone = string_field(*source_order, "ordererTel");

  const json& po = *product_order;
  OrderItem item;
  item.external_id = id_field(po, "productOrderId");
  item.shipment_key = item.external_id;
  // optionManageCode is the seller's code for the option, sellerProductCode for the product.
  item.sku = string_field(po, "optionManageCode");
  if (item.sku.empty()) {
    item.sku = string_field(po, "sellerProductCode");
  }
  // originalProductId (origin product no.) is what the stock APIs take.
  item.product_id = string_field(po, "originalProductId");
  if (item.product_id.empty()) {
    item.product_id = string_field(po, "productId");
  }
  item.option_id = string_field(po, "optionCode");
  item.name = string_field(po, "productName");
  item.option_name = string_field(po, "productOption");
  // The line's ordered quantity is at least one; with quantityClaimCompatibility=true,
  // remainQuantity is what is left of it after partial claims (0 once all of it is claimed).
  const std::int64_t ordered = count_field(po, "quantity");
  if (ordered < 1) {
    throw BadField{fmt::format("quantity {} is not a quantity from 1", ordered)};
  }
  const std::int64_t quantity = has_number(po, "remainQuantity") ? count_field(po, "remainQuantity") : ordered;
  if (quantity > ordered) {
    throw BadField{fmt::format("remainQuantity {} is more than quantity {}", quantity, ordered)};
  }
  item.quantity = static_cast<int>(quantity);
  item.unit_price_minor = money_sum("unitPrice + optionPrice", won_field(po, "unitPrice"), won_field(po, "optionPrice"));
  item.total_price_minor = has_number(po, "totalProductAmount")
                               ? won_field(po, "totalProductAmount")
                               : money_product("unitPrice * quantity", item.unit_price_minor, ordered);
  order.shipping_fee_minor = won_field(po, "deliveryFeeAmount");
  order.total_minor = money_sum("order total",
                                money_sum("totalProductAmount - productDiscountAmount", item.total_price_minor,
                                          -won_field(po, "productDiscountAmount")),
                                order.shipping_fee_minor);

  if (const json* address = member(po, "shippingAddress")) {
    order.receiver.name = string_field(*address, "name");
    order.receiver.phone = string_field(*address, "tel1");
    if (order.receiver.phone.empty()) {
      order.receiver.phone = string_field(*address, "tel2");
    }
    order.receiver.zip = string_field(*address, "zipCode");
    order.receiver.address1 = string_field(*address, "baseAddress");
    order.receiver.address2 = string_field(*address, "detailedAddress");
  }

  const std::string raw_status = string_field(po, "productOrderStatus");
  if (raw_status.empty()) {
    throw BadField{"missing productOrderStatus"};
  }
  const std::string claim_status = string_field(po, "claimStatus");
  const std::string claim_type = string_field(po, "claimType");
  const std::string place_order_status = string_field(po, "placeOrderStatus");
  item.raw_status = claim_status.empty() ? raw_status : raw_status + "/" + claim_status;
  const auto base = map_product_order_status(raw_status);
  if (!base) {
    notes.push_back({order.external_id, fmt::format("unknown Smartstore productOrderStatus \"{}\" (productOrderId {})",
                                                        raw_status, item.external_id)});
  }
  if (!claim_status.empty() && !known_claim_statuses().contains(claim_status)) {
    notes.push_back({order.external_id, fmt::format("unknown Smartstore claimStatus \"{}\" (productOrderId {})",
                                                        claim_status, item.external_id)});
  }
  item.status = base.value_or(OrderStatus::unknown);
  // Place-order confirmation (발주확인, smartstore.md §1.4) is the seller's acknowledgement.
  if (item.status == OrderStatus::paid && place_order_status == "OK") {
    item.status = OrderStatus::preparing;
  }
  if (base && !is_final(*base)) {
    if (const auto claim = open_claim_status(claim_status, claim_type)) {
      item.status = *claim;
    }
  }
  // Nothing left of a line is a finished claim (cancelled, returned, exchanged) or one under
  // way; anything else with no quantity would be stored as an order of nothing.
  if (item.quantity == 0 && claim_status.empty() && !(base && is_final(*base))) {
    throw BadField{fmt::format("remainQuantity 0 on {} product order {} without a claim", raw_status, item.external_id)};
  }
  // The delivery Naver already holds (smartstore.md §1.3 `delivery`), with its carrier code.
  if (const json* delivery = member(element, "delivery"); delivery != nullptr && delivery->is_object()) {
    item.tracking_number = string_field(*delivery, "trackingNumber");
    if (!item.tracking_number.empty()) {
      item.tracking_carrier = string_field(*delivery, "deliveryCompany");
    }
  }
  order.items.push_back(std::move(item));
  return order;
}


std::string best_order_id(const json& element)
{
  if (const json* order = member(element, "order")) {
    if (const json* id = member(*order, "orderId")) {
      return id->is_string() ? id->get<std::string>() : id->dump();
    }
  }
  return {};
}

// Maps the detail elements, merging product orders of one orderId into one Order whose raw
// is the element, or an array of the elements when there are several.

} // namespace

support::MappedPage map_details(const std::vector<json>& elements, const std::map<std::string, Change>& changes)
{
  support::PageOrders orders(support::PageOrders::Fee::sum);
  for (const auto& element : elements) {
    orders.add(element, best_order_id(element), [&](const json& record, std::vector<OrderNote>& notes) {
      Order part = map_detail(record, notes);
      if (const auto change = changes.find(part.items.front().external_id); change != changes.end()) {
        part.changed_at = change->second.changed_at;
      }
      return part;
    });
  }
  return orders.finish(support::is_cancelled);
}

ErrorBody describe_body(const json& parsed)
{
  ErrorBody out;
  if (!parsed.is_object()) {
    return out;
  }
  std::string code;
  if (const json* c = member(parsed, "code")) {
    code = c->is_string() ? c->get<std::string>() : c->dump();
  }
  std::string message;
  if (const json* m = member(parsed, "message"); m != nullptr && m->is_string()) {
    message = m->get<std::string>();
  }
  if (const json* t = member(parsed, "traceId"); t != nullptr && t->is_string()) {
    out.trace_id = t->get<std::string>();
  }
  out.text = one_line(code.empty() ? message : message.empty() ? code : code + " " + message);
  return out;
}


} // namespace uoms::connectors::smartstore
