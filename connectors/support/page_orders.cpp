#include "connectors/support/page_orders.hpp"

#include <algorithm>
#include <utility>

namespace uoms::connectors::support {

void PageOrders::merge(Order part, const json& record, std::string& text)
{
  if (text.empty()) {
    text = record.dump();
  }
  const auto found = m_index.find(part.external_id);
  if (found == m_index.end()) {
    m_index.emplace(part.external_id, m_page.orders.size());
    m_texts.emplace_back().push_back(std::move(text));
    m_page.orders.push_back(std::move(part));
    return;
  }
  Order& order = m_page.orders[found->second];
  // The sums are checked before anything changes, so a part that fails leaves the order as it was.
  const std::int64_t fee = m_fee == Fee::sum ? money_sum("shipping fee", order.shipping_fee_minor, part.shipping_fee_minor)
                                             : order.shipping_fee_minor;
  const std::int64_t total = m_fee == Fee::sum ? money_sum("order total", order.total_minor, part.total_minor)
                                               : order.total_minor;
  m_texts[found->second].push_back(std::move(text));
  if (part.ordered_at && (!order.ordered_at || *part.ordered_at < *order.ordered_at)) {
    order.ordered_at = part.ordered_at;
  }
  if (part.paid_at && (!order.paid_at || *part.paid_at < *order.paid_at)) {
    order.paid_at = part.paid_at;
  }
  if (part.changed_at && (!order.changed_at || *order.changed_at < *part.changed_at)) {
    order.changed_at = part.changed_at;
  }
  if (order.receiver.name.empty()) {
    order.receiver = std::move(part.receiver);
  }
  if (m_fee == Fee::sum) {
    order.shipping_fee_minor = fee;
    order.total_minor = total;
  } else {
    order.shipping_fee_minor = std::max(order.shipping_fee_minor, part.shipping_fee_minor);
  }
  for (auto& item : part.items) {
    const auto same = std::find_if(order.items.begin(), order.items.end(),
                                   [&](const OrderItem& i) { return i.external_id == item.external_id; });
    if (same != order.items.end()) {
      *same = std::move(item);
    } else {
      order.items.push_back(std::move(item));
    }
  }
}

void PageOrders::fail(std::string id, std::string reason, const json& record, std::string text)
{
  m_page.failures.push_back({std::move(id), std::move(reason), text.empty() ? record.dump() : std::move(text)});
}

std::string PageOrders::array_text(const std::vector<std::string>& texts)
{
  std::size_t size = 1 + texts.size();
  for (const auto& text : texts) {
    size += text.size();
  }
  std::string out;
  out.reserve(size);
  out += '[';
  for (std::size_t k = 0; k < texts.size(); ++k) {
    if (k > 0) {
      out += ',';
    }
    out += texts[k];
  }
  out += ']';
  return out;
}

MappedPage PageOrders::finish(bool (*set_aside)(OrderStatus),
                              const std::function<std::string(const Order&, std::vector<std::string>&)>& raw)
{
  for (std::size_t i = 0; i < m_page.orders.size(); ++i) {
    Order& order = m_page.orders[i];
    auto& texts = m_texts[i];
    if (raw) {
      order.raw = raw(order, texts);
    } else if (texts.size() == 1) {
      order.raw = std::move(texts.front());
    } else {
      order.raw = array_text(texts);
    }
    texts = {};
    if (m_fee == Fee::max) {
      order.total_minor = order.shipping_fee_minor;
      for (const auto& item : order.items) {
        order.total_minor += item.total_price_minor;
      }
    }
    if (set_aside != nullptr) {
      summarise_status(order, set_aside);
    }
  }
  return std::move(m_page);
}

} // namespace uoms::connectors::support
