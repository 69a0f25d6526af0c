#include "connectors/playauto/mapping.hpp"

#include "connectors/playauto/playauto.hpp"
#include "uoms/time.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <deque>

#include <cmath>
#include <map>
#include <vector>

namespace uoms::connectors::playauto {

using namespace support; // support::json and the shared field readers and helpers

namespace {

// --- field readers ------------------------------------------------------------------

// uniq and bundle_no are long digit strings; a JSON number is kept as its digits.
std::string id_field(const json& object, std::string_view key)
{
  return support::text_id_value(member(object, key), key);
}

// Whole won, checked (support::money_value); 0 when absent.
std::int64_t won_field(const json& object, std::string_view key)
{
  return support::money_value(member(object, key), key, "KRW").value_or(0);
}

// "YYYY-MM-DD HH:mm:ss" in KST.
std::optional<TimePoint> time_field(const json& object, std::string_view key, std::chrono::minutes offset)
{
  const std::string text(util::trim(string_field(object, key)));
  if (text.empty() || text.starts_with("0000-00-00")) {
    return std::nullopt;
  }
  auto t = parse_time(text, offset);
  if (!t) {
    throw BadField{fmt::format("{} is not a date-time: \"{}\"", key, text)};
  }
  return t;
}


// One row of results[] as an Order with one item; `products` are its results_prod rows.
Order map_row(const json& row, const std::vector<const json*>& products, std::chrono::minutes offset,
              std::vector<OrderNote>& notes)
{
  if (!row.is_object()) {
    throw BadField{"row is not an object"};
  }
  Order order;
  OrderItem item;
  item.external_id = id_field(row, "uniq");
  order.external_id = id_field(row, "bundle_no");
  item.shipment_key = order.external_id;
  item.raw_status = util::trim(string_field(row, "ord_status"));
  if (item.raw_status.empty()) {
    throw BadField{"missing ord_status"};
  }
  order.ordered_at = time_field(row, "ord_time", offset);
  if (!order.ordered_at) {
    order.ordered_at = time_field(row, "wdate", offset);
  }
  order.paid_at = time_field(row, "pay_time", offset);
  order.changed_at = time_field(row, "mdate", offset);
  order.currency = "KRW";
  order.buyer.name = string_field(row, "order_name");
  order.buyer.phone = string_field(row, "order_htel");
  if (order.buyer.phone.empty()) {
    order.buyer.phone = string_field(row, "order_tel");
  }
  order.buyer.email = string_field(row, "order_email");
  order.receiver.name = string_field(row, "to_name");
  order.receiver.phone = string_field(row, "to_htel");
  if (order.receiver.phone.empty()) {
    order.receiver.phone = string_field(row, "to_tel");
  }
  order.receiver.zip = string_field(row, "to_zipcd");
  order.receiver.address1 = string_field(row, "to_addr1");
  order.receiver.address2 = string_field(row, "to_addr2");
  order.shipping_fee_minor = won_field(row, "ship_cost");

  // The PlayAuto SKU (results_prod.sku_cd) when the row is one SKU; a set of several SKUs
  // falls back to the seller's listing code.
  if (products.size() == 1) {
    item.sku = string_field(*products.front(), "sku_cd");
  }
  if (item.sku.empty()) {
    item.sku = string_field(row, "c_sale_cd");
  }
  item.product_id = string_field(row, "shop_sale_no");
  item.name = string_field(row, "shop_sale_name");
  if (item.name.empty() && products.size() == 1) {
    item.name = string_field(*products.front(), "prod_name");
  }
  item.option_name = string_field(row, "shop_opt_name");
  const auto count = support::figure_value(member(row, "sale_cnt"), "sale_cnt", util::Figure::quantity);
  if (!count) {
    throw BadField{"missing sale_cnt"};
  }
  item.quantity = static_cast<int>(*count);
  item.total_price_minor = won_field(row, "pay_amt");
  item.unit_price_minor = item.quantity > 0 ? std::llround(static_cast<double>(item.total_price_minor) / item.quantity)
                                            : item.total_price_minor;
  // An invoice PlayAuto already holds for the bundle (set here, in PlayAuto itself, or by
  // the source marketplace), with carr_no as PlayAuto's own carrier number.
  item.tracking_number = util::trim(string_field(row, "invoice_no"));
  if (!item.tracking_number.empty()) {
    item.tracking_carrier = util::trim(string_field(row, "carr_no"));
  }
  const auto status = map_status(item.raw_status);
  if (!status) {
    notes.push_back({order.external_id,
                     fmt::format("unknown PlayAuto ord_status \"{}\" (uniq {})", item.raw_status, item.external_id)});
  }
  item.status = status.value_or(OrderStatus::unknown);
  order.raw_status = item.raw_status;
  order.status = item.status;
  order.items.push_back(std::move(item));
  return order;
}


} // namespace

ErrorBody describe_body(const json& body)
{
  ErrorBody out;
  const json* source = &body;
  if (const json* error = member(body, "error"); error != nullptr && error->is_object()) {
    source = error;
  } else if (error != nullptr && error->is_string()) {
    out.text = one_line(error->get<std::string>());
  }
  if (const json* code = member(*source, "error_code")) {
    out.code = code->is_string() ? code->get<std::string>() : code->dump();
  }
  std::string message;
  if (const json* messages = member(*source, "messages"); messages != nullptr && messages->is_array()) {
    for (const auto& m : *messages) {
      if (m.is_string()) {
        message += (message.empty() ? "" : "; ") + m.get<std::string>();
      }
    }
  }
  if (const json* m = member(*source, "message"); m != nullptr && m->is_string() && message.empty()) {
    message = m->get<std::string>();
  }
  if (!out.code.empty() || !message.empty()) {
    out.text = one_line(out.code.empty() ? message : message.empty() ? out.code : out.code + " " + message);
  }
  return out;
}

// e1001-e1005: authentication or user look-up failed (§3.7) - a token to renew.
bool is_token_code(std::string_view code)
{
  return code == "e1001" || code == "e1002" || code == "e1003" || code == "e1004" || code == "e1005";
}

namespace {

// Maps `row_count` rows with their products. `row_at(i, text)` is row i (and, when known,
// its bytes as received in `text`); `product_at(i, keep)` points at results_prod element i
// (kept alive in `keep` when it had to be read); `product_text(i)` is its text.
template <typename RowAt, typename ProductAt, typename ProductText>
support::MappedPage map_each(std::size_t row_count, RowAt&& row_at, std::size_t product_count, ProductAt&& product_at,
                             ProductText&& product_text, std::chrono::minutes offset)
{
  std::map<std::string, std::vector<std::size_t>, std::less<>> products_of; // uniq -> results_prod elements
  for (std::size_t i = 0; i < product_count; ++i) {
    std::deque<json> keep;
    if (const std::string uniq = support::id_text(member(*product_at(i, keep), "uniq")); !uniq.empty()) {
      products_of[uniq].push_back(i);
    }
  }
  static const std::vector<std::size_t> k_none;
  // The products of each order's rows, in the order the rows merged: its raw lists them.
  std::map<std::string, std::vector<std::size_t>, std::less<>> products_of_order;
  // ship_cost is the bundle's fee, repeated on its rows or carried by one of them.
  support::PageOrders orders(support::PageOrders::Fee::max);
  for (std::size_t i = 0; i < row_count; ++i) {
    std::string text;
    const json& row = row_at(i, text);
    const auto found = products_of.find(support::id_text(member(row, "uniq")));
    const auto& indexes = found == products_of.end() ? k_none : found->second;
    std::deque<json> keep;
    std::vector<const json*> products;
    for (const auto index : indexes) {
      products.push_back(product_at(index, keep));
    }
    orders.add(row, text, support::id_text(member(row, "bundle_no")), [&](const json& record, std::vector<OrderNote>& notes) {
      Order part = map_row(record, products, offset, notes);
      auto& listed = products_of_order[part.external_id];
      listed.insert(listed.end(), indexes.begin(), indexes.end());
      return part;
    });
  }
  // {"results":[rows],"results_prod":[their products]}, as json::dump writes that document.
  return orders.finish(support::is_final, [&](const Order& order, std::vector<std::string>& texts) {
    std::string raw = "{\"results\":" + support::PageOrders::array_text(texts);
    if (const auto listed = products_of_order.find(order.external_id);
        listed != products_of_order.end() && !listed->second.empty()) {
      std::vector<std::string> product_texts;
      for (const auto index : listed->second) {
        product_texts.push_back(product_text(index));
      }
      raw += ",\"results_prod\":" + support::PageOrders::array_text(product_texts);
    }
    raw += '}';
    return raw;
  });
}

} // namespace

support::MappedPage map_rows(const json& rows, const json& products, std::chrono::minutes offset)
{
  static const json k_empty = json::array();
  const json& rows_list = rows.is_array() ? rows : k_empty;
  const json& products_list = products.is_array() ? products : k_empty;
  return map_each(
    rows_list.size(), [&](std::size_t i, std::string&) -> const json& { return rows_list[i]; }, products_list.size(),
    [&](std::size_t i, std::deque<json>&) { return &products_list[i]; },
    [&](std::size_t i) { return products_list[i].dump(); }, offset);
}

support::MappedPage map_rows(const support::SpooledJson& body, const support::SpooledJson::Member& rows,
                             const support::SpooledJson::Member* products, std::chrono::minutes offset)
{
  json row;
  const std::size_t product_count = products != nullptr && products->is_array ? products->size() : 0;
  return map_each(
    rows.is_array ? rows.size() : 0,
    [&](std::size_t i, std::string& text) -> const json& {
      text = body.text(rows, i);
      row = json::parse(text, nullptr, false);
      return row;
    },
    product_count,
    [&](std::size_t i, std::deque<json>& keep) {
      keep.push_back(body.parse(*products, i));
      return &keep.back();
    },
    [&](std::size_t i) { return body.text(*products, i); }, offset);
}

std::optional<long long> count_field(const json& body, std::string_view key)
{
  return support::integer_value(member(body, key));
}

// --- statuses -------------------------------------------------------------------------

std::optional<OrderStatus> map_status(std::string_view ord_status)
{
  static const support::StatusTable table = {
      {"결제완료", OrderStatus::paid},               // payment complete
      {"신규주문", OrderStatus::paid},               // new order, not yet instructed
      {"주문보류", OrderStatus::paid},               // order on hold before instruction
      {"출고대기", OrderStatus::preparing},          // instructed, awaiting shipment
      {"출고보류", OrderStatus::preparing},          // shipment on hold
      {"운송장출력", OrderStatus::preparing},        // waybill printed
      {"주문재확인", OrderStatus::preparing},        // to re-confirm; still invoiceable (§3.4)
      {"출고완료", OrderStatus::shipped},            // shipped out
      {"배송중", OrderStatus::shipped},              // in transit
      {"배송완료", OrderStatus::delivered},          // delivered
      {"구매결정", OrderStatus::completed},          // purchase decided
      {"판매완료", OrderStatus::completed},          // sale complete
      {"취소요청", OrderStatus::cancel_requested},   // cancel requested
      {"취소완료", OrderStatus::cancelled},          // cancelled
      {"반품요청", OrderStatus::return_requested},   // return requested
      {"반품접수", OrderStatus::return_requested},   // return accepted
      {"반품회수완료", OrderStatus::return_requested}, // return collected, not yet completed
      {"반품완료", OrderStatus::returned},           // returned
      {"반품교환요청", OrderStatus::exchange_requested}, // return for exchange requested
      {"교환요청", OrderStatus::exchange_requested}, // exchange requested
      {"교환접수", OrderStatus::exchange_requested}, // exchange accepted
      {"교환회수완료", OrderStatus::exchange_requested}, // exchange collected, not yet completed
      {"맞교환요청", OrderStatus::exchange_requested}, // swap requested
      {"교환완료", OrderStatus::exchanged},          // exchanged
      {"맞교환완료", OrderStatus::exchanged},        // swapped
  };
  return support::lookup(table, ord_status);
}

const std::vector<std::string>& known_statuses()
{
  static const std::vector<std::string> statuses = {
      "결제완료", "신규주문", "출고대기", "출고보류", "운송장출력", "출고완료", "배송중",
      "배송완료", "구매결정", "취소요청", "취소완료", "반품요청", "반품접수", "반품회수완료",
      "반품교환요청", "반품완료", "교환요청", "교환접수", "교환완료", "교환회수완료", "맞교환요청",
      "맞교환완료", "주문재확인", "주문보류", "판매완료",
  };
  return statuses;
}


} // namespace uoms::connectors::playauto
