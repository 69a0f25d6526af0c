#pragma once

#include "connectors/support.hpp"
#include "uoms/connector.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace uoms::connectors::support {

// What a page's records mapped to.
struct MappedPage
{
  std::vector<Order> orders;
  std::vector<MappingFailure> failures;
  std::vector<OrderNote> notes;
};

// Builds a page's orders from records that each map to a part of one order (a Coupang
// shipment box, a Smartstore product order, a Qoo10 order line, a PlayAuto row). Parts
// with the same external id merge into one Order: the earliest ordered_at and paid_at,
// the latest changed_at, the first receiver with a name, every item (a repeated item id
// replaces the earlier one). A record that does not map becomes a MappingFailure and the
// rest still map.
class PageOrders
{
public:
  // How a part's shipping fee counts: each part carries its own share (`sum`: per box, per
  // product order; totals add up too), or each repeats the order's one fee (`max`; the
  // total is then the fee plus the items).
  enum class Fee { sum, max };

  explicit PageOrders(Fee fee) : m_fee(fee) {}

  // Maps `record` with `map(record, notes)`; a BadField or an unexpected JSON shape becomes
  // a MappingFailure with `best_id` and the record.
  template <typename Map>
  void add(const json& record, const std::string& best_id, Map&& map)
  {
    std::string text;
    add(record, text, best_id, map);
  }
  // The same for a record whose bytes as received are `text` (empty: unknown), kept as
  // its raw payload instead of the record dumped again.
  template <typename Map>
  void add(const json& record, std::string& text, const std::string& best_id, Map&& map)
  {
    try {
      merge(map(record, m_page.notes), record, text);
    } catch (const BadField& error) {
      fail(best_id, error.reason, record, text);
    } catch (const json::exception& error) {
      fail(best_id, std::string("unexpected JSON: ") + error.what(), record, text);
    }
  }

  void merge(Order part, const json& record) { std::string text; merge(std::move(part), record, text); }
  // Takes `text` (left empty) once the part is merged.
  void merge(Order part, const json& record, std::string& text);
  void fail(std::string id, std::string reason, const json& record, std::string text = {});

  // The orders, each with its raw (`raw(order, texts)` of the texts of its records; by
  // default the record, or an array of them when there are several) and, unless
  // `set_aside` is null, the status of its least advanced item (summarise_status).
  MappedPage finish(bool (*set_aside)(OrderStatus) = nullptr,
                    const std::function<std::string(const Order& order, std::vector<std::string>& texts)>& raw = {});

  // The texts joined as a JSON array, as json::dump writes an array of those values.
  static std::string array_text(const std::vector<std::string>& texts);

private:
  Fee m_fee;
  MappedPage m_page;
  std::map<std::string, std::size_t, std::less<>> m_index; // external id -> position in m_page.orders
  std::vector<std::vector<std::string>> m_texts;            // per order, the text of each of its records
};

} // namespace uoms::connectors::support
