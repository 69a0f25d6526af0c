// Qoo10 Japan write-back: ShippingBasic.SetSendingInfo once per OrderNo line (qoo10jp.md
// §2.4), lines read back and packs re-read with GetShippingInfo_v2 (§2.3).

#include "connectors/qoo10jp/mapping.hpp"
#include "connectors/qoo10jp/qoo10jp.hpp"
#include "connectors/support.hpp"
#include "uoms/carriers.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <set>

namespace uoms::connectors::qoo10jp {

namespace {

using json = nlohmann::json;

constexpr std::string_view k_orders_method = "ShippingBasic.GetShippingInfo_v2";
// SetSendingInfo, not SetSendingInfoBulk: the single call's fields are HIGH in §2.4, the
// bulk call's per-line result_cd only MED, and one line per call gives each line its own
// ResultCode without guessing at a bulk answer's shape.
constexpr std::string_view k_sending_method = "ShippingBasic.SetSendingInfo";
// ShippingStat 4 (shipped) and 5 (delivered) hold the lines SetSendingInfo moved on, and
// search_condition 3 filters by the shipped date (§2.3).
constexpr std::array<int, 2> k_shipped_statuses{4, 5};
constexpr std::string_view k_by_shipped_date = "3";

// How much of a pack went through: every line done (or already there), some refused,
// or some to send again.
WriteOutcome pack_outcome(const std::vector<std::pair<std::string, WriteOutcome>>& lines)
{
  WriteOutcome out{WriteStatus::done};
  bool all_there = !lines.empty();
  std::string refused;
  std::string later;
  for (const auto& [order_no, line] : lines) {
    all_there = all_there && line.status == WriteStatus::already_there;
    if (line.status == WriteStatus::rejected) {
      refused += fmt::format("{}OrderNo {}: {}", refused.empty() ? "" : "; ", order_no, line.reason);
    } else if (line.status == WriteStatus::retry_later) {
      later += fmt::format("{}OrderNo {}: {}", later.empty() ? "" : "; ", order_no, line.reason);
    }
    out.http_status = line.http_status;
  }
  if (!refused.empty()) {
    out.status = WriteStatus::rejected;
    out.reason = refused;
  } else if (!later.empty()) {
    out.status = WriteStatus::retry_later;
    out.reason = later;
  } else if (all_there) {
    out.status = WriteStatus::already_there;
  }
  return out;
}

} // namespace

std::optional<net::Response> Qoo10Connector::dry_run_answer(const net::Request& request) const
{
  std::string_view path = support::url_path(request.url);
  path = path.substr(0, path.find('?'));
  const std::string_view method = path.substr(path.rfind('/') + 1);
  const std::string_view name = method.substr(method.find('.') + 1);
  if (method.starts_with("CertificationAPI.") || name.starts_with("Get")) {
    return std::nullopt;
  }
  net::Response response;
  response.status = 200;
  response.body = json{{"ResultCode", 0}, {"ResultMsg", "SUCCESS"}, {"ResultObject", nullptr}}.dump();
  return response;
}

Result<WriteOutcome> Qoo10Connector::send_line(const std::string& order_no, const std::string& corp,
                                               const std::string& tracking_no)
{
  auto answer = call(k_sending_method, {{"OrderNo", order_no}, {"ShippingCorp", corp}, {"TrackingNo", tracking_no}},
                     fmt::format("POST {} (OrderNo {})", k_sending_method, order_no));
  if (answer) {
    return WriteOutcome{WriteStatus::done, {}, 200, {}};
  }
  const ConnectorError& error = answer.error();
  // HTTP 429 or a server error: not applied, send again later.
  if (error.kind == ErrorKind::rate_limited || (error.kind == ErrorKind::transient && error.http_status != 0)) {
    return WriteOutcome{WriteStatus::retry_later, error.message, error.http_status, {}};
  }
  // A negative ResultCode on HTTP 200 (-10001 unknown order, -10101 with Qoo10's reason)
  // is Qoo10 refusing the line.
  if (error.kind == ErrorKind::contract && error.http_status == 200) {
    return WriteOutcome{WriteStatus::rejected, error.message, 200, {}};
  }
  return std::unexpected(error);
}

Result<std::vector<WriteOutcome>> Qoo10Connector::upload_tracking(std::span<const TrackingUpload> uploads)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    // A pack of several lines takes several calls, so an earlier try may have been cut off
    // after some lines took the number (its answer lost; the read-back finds the pack
    // unfinished). Those lines are not sent again: Qoo10 would refuse a shipped line, and the
    // pack would fail although every line ends up holding the number.
    std::vector<std::string> multi_line;
    for (const auto& upload : uploads) {
      if (upload.item_ids.size() > 1) {
        multi_line.push_back(upload.shipment_key);
      }
    }
    std::set<std::pair<std::string, std::string>> holding; // (OrderNo, number)
    if (!multi_line.empty()) {
      auto shipped = find_packs(multi_line, k_shipped_statuses, k_by_shipped_date);
      if (!shipped) {
        return std::unexpected(shipped.error());
      }
      for (const auto& pack : *shipped) {
        for (const auto& item : pack.items) {
          holding.emplace(item.external_id, item.tracking_number);
        }
      }
    }
    std::vector<WriteOutcome> outcomes;
    for (const auto& upload : uploads) {
      const auto corp = carriers::code_for(spec(), upload.carrier);
      if (!corp) {
        outcomes.push_back({WriteStatus::rejected, fmt::format("carrier \"{}\" has no Qoo10 ShippingCorp name", upload.carrier)});
        continue;
      }
      if (upload.item_ids.empty()) {
        outcomes.push_back({WriteStatus::rejected, fmt::format("pack {}: no OrderNo line to send", upload.shipment_key)});
        continue;
      }
      // Every line of the cart is updated on its own (§2.4: call once per OrderNo). After
      // a throttled line the rest of the pack waits too.
      std::vector<std::pair<std::string, WriteOutcome>> lines;
      bool throttled = false;
      for (const auto& order_no : upload.item_ids) {
        if (holding.contains({order_no, upload.tracking_number})) {
          lines.emplace_back(order_no, WriteOutcome{WriteStatus::already_there});
          continue;
        }
        if (throttled) {
          lines.emplace_back(order_no, WriteOutcome{WriteStatus::retry_later, "not sent after a throttled line"});
          continue;
        }
        auto line = send_line(order_no, *corp, upload.tracking_number);
        if (!line) {
          return std::unexpected(line.error());
        }
        throttled = line->status == WriteStatus::retry_later;
        lines.emplace_back(order_no, std::move(*line));
      }
      outcomes.push_back(pack_outcome(lines));
    }
    return outcomes;
  });
}

Result<std::vector<Order>> Qoo10Connector::find_packs(std::span<const std::string> packs, std::span<const int> statuses,
                                                      std::string_view condition)
{
  const std::set<std::string, std::less<>> wanted(packs.begin(), packs.end());
  std::vector<Order> found;
  const TimePoint now = m_clock->now();
  for (const int status : statuses) {
    const std::string label = fmt::format("POST {} (ShippingStat {}, look-up)", k_orders_method, status);
    auto body = call(k_orders_method,
                     {{"ShippingStat", std::to_string(status)},
                      {"search_Sdate", query_time(now - m_caps.max_window, m_caps.utc_offset)},
                      {"search_Edate", query_time(now, m_caps.utc_offset)},
                      {"search_condition", std::string(condition)}},
                     label);
    if (!body) {
      return std::unexpected(body.error());
    }
    json rows = json::array();
    if (const json* object = member(*body, "ResultObject"); object != nullptr && object->is_array()) {
      rows = *object;
    }
    support::MappedPage mapped = map_rows(rows, status, *map_status(status), m_caps.utc_offset);
    for (auto& order : mapped.orders) {
      if (!wanted.contains(order.external_id)) {
        continue;
      }
      // A pack's lines can sit in different statuses: one Order gathers them.
      auto same = std::find_if(found.begin(), found.end(), [&](const Order& o) { return o.external_id == order.external_id; });
      if (same == found.end()) {
        found.push_back(std::move(order));
      } else {
        same->items.insert(same->items.end(), order.items.begin(), order.items.end());
      }
    }
  }
  for (auto& order : found) {
    support::summarise_status(order, support::is_final);
  }
  return found;
}

Result<std::vector<TrackingOnMarketplace>> Qoo10Connector::read_tracking(std::span<const TrackingUpload> uploads)
{
  return guarded<std::vector<TrackingOnMarketplace>>([&]() -> Result<std::vector<TrackingOnMarketplace>> {
    std::vector<std::string> packs;
    for (const auto& upload : uploads) {
      packs.push_back(upload.shipment_key);
    }
    auto found = find_packs(packs, k_shipped_statuses, k_by_shipped_date);
    if (!found) {
      return std::unexpected(found.error());
    }
    // The pack holds a number when every line of the upload shows one (the first line's
    // is reported; a line without one means the upload did not finish).
    std::vector<TrackingOnMarketplace> held;
    for (const auto& upload : uploads) {
      TrackingOnMarketplace answer;
      const auto pack = std::find_if(found->begin(), found->end(), [&](const Order& o) { return o.external_id == upload.shipment_key; });
      if (pack != found->end()) {
        bool every = !upload.item_ids.empty();
        for (const auto& order_no : upload.item_ids) {
          const auto line = std::find_if(pack->items.begin(), pack->items.end(), [&](const OrderItem& i) { return i.external_id == order_no; });
          if (line == pack->items.end() || line->tracking_number.empty()) {
            every = false;
            break;
          }
          if (answer.tracking_number.empty()) {
            answer.tracking_number = line->tracking_number;
            answer.carrier = line->tracking_carrier;
          }
        }
        answer.found = every;
      }
      held.push_back(std::move(answer));
    }
    return held;
  });
}

Result<std::vector<Order>> Qoo10Connector::refresh_orders(std::span<const std::string> order_ids)
{
  return guarded<std::vector<Order>>([&]() -> Result<std::vector<Order>> {
    return find_packs(order_ids, m_statuses, m_search_condition);
  });
}

} // namespace uoms::connectors::qoo10jp
