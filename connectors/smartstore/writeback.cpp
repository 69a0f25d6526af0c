// Tracking write-back for Smartstore (smartstore.md §1.3 read-back, §1.4 place-order
// confirmation, §1.5 dispatch): what upload_tracking, read_tracking and refresh_orders send
// and how each product order's answer becomes one WriteOutcome.

#include "connectors/smartstore/smartstore.hpp"

#include "connectors/smartstore/mapping.hpp"
#include "connectors/support.hpp"
#include "uoms/carriers.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace uoms::connectors::smartstore {

namespace {

using namespace support; // support::json and the shared field readers and helpers

constexpr std::string_view k_confirm_path = "/v1/pay-order/seller/product-orders/confirm";
constexpr std::string_view k_dispatch_path = "/v1/pay-order/seller/product-orders/dispatch";

WriteOutcome rejected(std::string reason)
{
  return {WriteStatus::rejected, std::move(reason)};
}

WriteOutcome retry_later(std::string reason)
{
  return {WriteStatus::retry_later, std::move(reason)};
}

// The product orders of an upload: its item ids, or its shipment key (the collect mapping
// makes each product order its own shipment).
std::vector<std::string> product_orders(const TrackingUpload& upload)
{
  return upload.item_ids.empty() ? std::vector<std::string>{upload.shipment_key} : upload.item_ids;
}

std::string fail_reason(const json& entry)
{
  const std::string code = string_field(entry, "code");
  const std::string message = string_field(entry, "message");
  return one_line(message.empty() ? code : code + ": " + message);
}

// What a failProductOrderInfos code means (smartstore.md §1.5's table): 9999 (other) and
// 104443 (place-order status, just confirmed by this call) may pass later; every other
// documented code names something resending the same request cannot fix.
WriteOutcome fail_outcome(const json& entry)
{
  const std::string code = string_field(entry, "code");
  if (code == "9999" || code == "104443") {
    return retry_later(fail_reason(entry));
  }
  return rejected(fail_reason(entry));
}

// 104121 (tracking number already used) and 105306 (status same as current) may be this
// very dispatch, sent by an earlier pass whose answer was lost: read back.
bool maybe_held(const json& entry)
{
  const std::string code = string_field(entry, "code");
  return code == "104121" || code == "105306";
}

// One product order as product-orders/query shows it.
struct Held
{
  std::string status;
  std::string place_order_status;
  std::string carrier;
  std::string tracking_number;
};

std::map<std::string, Held> held_by_id(const std::vector<json>& elements)
{
  std::map<std::string, Held> out;
  for (const auto& element : elements) {
    const json* po = member(element, "productOrder");
    if (po == nullptr || !po->is_object()) {
      continue;
    }
    Held held;
    held.status = string_field(*po, "productOrderStatus");
    held.place_order_status = string_field(*po, "placeOrderStatus");
    if (const json* delivery = member(element, "delivery"); delivery != nullptr && delivery->is_object()) {
      held.carrier = string_field(*delivery, "deliveryCompany");
      held.tracking_number = string_field(*delivery, "trackingNumber");
    }
    out[string_field(*po, "productOrderId")] = std::move(held);
  }
  return out;
}

// One upload's outcome from its product orders': rejected or retry_later if any is,
// already_there if all are, done otherwise.
WriteOutcome combine(const std::vector<WriteOutcome>& parts)
{
  for (const WriteStatus worst : {WriteStatus::rejected, WriteStatus::retry_later}) {
    for (const auto& part : parts) {
      if (part.status == worst) {
        return part;
      }
    }
  }
  const bool all_there = std::all_of(parts.begin(), parts.end(), [](const WriteOutcome& o) { return o.status == WriteStatus::already_there; });
  return WriteOutcome{all_there ? WriteStatus::already_there : WriteStatus::done};
}

bool final_status(std::string_view status)
{
  return status == "CANCELED" || status == "CANCELED_BY_NOPAYMENT" || status == "RETURNED" || status == "EXCHANGED";
}

} // namespace

std::optional<net::Response> SmartstoreConnector::dry_run_answer(const net::Request& request) const
{
  std::string_view path = url_path(request.url);
  path = path.substr(0, path.find('?'));
  net::Response response;
  response.status = 200;
  if (request.method == "PATCH" || request.method == "PUT") {
    return response; // a stock change: 200 with no body (smartstore.md §1.6, §1.7)
  }
  if (request.method != "POST" || !(path.ends_with(k_confirm_path) || path.ends_with(k_dispatch_path))) {
    return std::nullopt;
  }
  const json body = json::parse(request.body, nullptr, false);
  json ids = json::array();
  if (const json* confirm = body.is_object() ? member(body, "productOrderIds") : nullptr; confirm != nullptr) {
    ids = *confirm;
  }
  if (const json* dispatch = body.is_object() ? member(body, "dispatchProductOrders") : nullptr; dispatch != nullptr && dispatch->is_array()) {
    for (const auto& entry : *dispatch) {
      ids.push_back(entry["productOrderId"]);
    }
  }
  response.body = json{{"timestamp", ""},
                       {"traceId", "dry-run"},
                       {"data", {{"successProductOrderIds", ids}, {"failProductOrderInfos", json::array()}}}}
                      .dump();
  return response;
}

std::string dispatch_time(TimePoint t)
{
  return format_time(t, k_kst_offset, "%Y-%m-%dT%H:%M:%S.%L%z");
}

Result<SmartstoreConnector::Reply> SmartstoreConnector::post(std::string_view path, const json& body, std::string label)
{
  net::Request request;
  request.method = "POST";
  request.url = m_base_url + std::string(path);
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  request.body = body.dump();
  request.label = std::move(label);
  return call(request);
}

Result<std::map<std::string, json>> SmartstoreConnector::per_product_order(std::string_view path, const json& body,
                                                                           const std::vector<std::string>& ids,
                                                                           std::string label)
{
  auto reply = post(path, body, label);
  if (!reply) {
    return std::unexpected(reply.error());
  }
  std::map<std::string, json> out;
  const json* data = member(reply->body, "data");
  if (data == nullptr || !data->is_object()) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: no \"data\" object", label), 200, reply->trace_id});
  }
  if (const json* ok = member(*data, "successProductOrderIds"); ok != nullptr && ok->is_array()) {
    for (const auto& id : *ok) {
      out[id_text(&id)] = nullptr;
    }
  }
  if (const json* failed = member(*data, "failProductOrderInfos"); failed != nullptr && failed->is_array()) {
    for (const auto& entry : *failed) {
      if (entry.is_object()) {
        out[id_text(member(entry, "productOrderId"))] = entry;
      }
    }
  }
  // A product order in neither list has no known outcome: worth sending again later.
  for (const auto& id : ids) {
    if (!out.contains(id)) {
      out[id] = json{{"productOrderId", id}, {"code", "9999"}, {"message", "not in the answer"}};
    }
  }
  return out;
}

Result<std::vector<WriteOutcome>> SmartstoreConnector::upload_tracking(std::span<const TrackingUpload> uploads)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    // Per upload, per product order, its outcome once known.
    std::vector<std::map<std::string, WriteOutcome>> parts(uploads.size());
    std::vector<std::optional<WriteOutcome>> out(uploads.size());
    std::vector<std::string> codes(uploads.size());
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < uploads.size(); ++i) {
      const auto code = carriers::code_for(spec(), uploads[i].carrier);
      if (!code) {
        out[i] = rejected(fmt::format("carrier {} has no Smartstore deliveryCompanyCode (smartstore.md §1.8)", uploads[i].carrier));
      } else if (uploads[i].tracking_number.empty()) {
        out[i] = rejected("no tracking number");
      } else {
        codes[i] = *code;
        for (const auto& id : product_orders(uploads[i])) {
          ids.push_back(id);
        }
      }
    }

    // 1. What Naver holds now: a product order already carrying this number is not sent
    // again, and one still NOT_YET is confirmed first (smartstore.md §1.4).
    std::string trace;
    auto elements = details(ids, trace);
    if (!elements) {
      return std::unexpected(elements.error());
    }
    auto held = held_by_id(*elements);
    std::vector<std::string> to_confirm;
    std::vector<std::pair<std::size_t, std::string>> to_dispatch;
    for (std::size_t i = 0; i < uploads.size(); ++i) {
      if (out[i]) {
        continue;
      }
      for (const auto& id : product_orders(uploads[i])) {
        const auto it = held.find(id);
        if (it == held.end()) {
          parts[i][id] = rejected(fmt::format("100001: product order {} not found", id));
        } else if (it->second.tracking_number == uploads[i].tracking_number) {
          parts[i][id] = WriteOutcome{WriteStatus::already_there};
        } else if (!it->second.tracking_number.empty()) {
          parts[i][id] = rejected(fmt::format("product order {} already holds {} {}", id, it->second.carrier, it->second.tracking_number));
        } else if (final_status(it->second.status)) {
          parts[i][id] = rejected(fmt::format("cancelled: product order {} is {}", id, it->second.status));
        } else {
          if (it->second.place_order_status != "OK" && it->second.status == "PAYED") {
            to_confirm.push_back(id);
          }
          to_dispatch.emplace_back(i, id);
        }
      }
    }

    // 2. Place-order confirmation (NOT_YET -> OK), 30 per call.
    for (std::size_t first = 0; first < to_confirm.size(); first += k_max_dispatch) {
      const std::vector<std::string> chunk(to_confirm.begin() + static_cast<std::ptrdiff_t>(first),
                                           to_confirm.begin() + static_cast<std::ptrdiff_t>(std::min(to_confirm.size(), first + k_max_dispatch)));
      auto answers = per_product_order(k_confirm_path, json{{"productOrderIds", chunk}}, chunk,
                                       fmt::format("POST product-orders/confirm ({} ids)", chunk.size()));
      if (!answers) {
        return std::unexpected(answers.error());
      }
      for (const auto& [i, id] : to_dispatch) {
        const auto answer = answers->find(id);
        if (answer != answers->end() && !answer->second.is_null()) {
          WriteOutcome outcome = fail_outcome(answer->second);
          outcome.reason = "place-order confirmation: " + outcome.reason;
          parts[i][id] = std::move(outcome);
        }
      }
    }

    // 3. Dispatch, 30 product orders per call (smartstore.md §1.5).
    std::vector<std::pair<std::size_t, std::string>> sending;
    for (const auto& entry : to_dispatch) {
      if (!parts[entry.first].contains(entry.second)) {
        sending.push_back(entry);
      }
    }
    std::vector<std::pair<std::size_t, std::string>> recheck;
    for (std::size_t first = 0; first < sending.size(); first += k_max_dispatch) {
      const auto last = std::min(sending.size(), first + k_max_dispatch);
      json orders = json::array();
      std::vector<std::string> chunk;
      for (std::size_t k = first; k < last; ++k) {
        const auto& [i, id] = sending[k];
        chunk.push_back(id);
        orders.push_back({{"productOrderId", id},
                          {"deliveryMethod", "DELIVERY"},
                          {"deliveryCompanyCode", codes[i]},
                          {"trackingNumber", uploads[i].tracking_number},
                          {"dispatchDate", dispatch_time(m_clock->now())}});
      }
      auto answers = per_product_order(k_dispatch_path, json{{"dispatchProductOrders", orders}}, chunk,
                                       fmt::format("POST product-orders/dispatch ({} ids)", chunk.size()));
      if (!answers) {
        return std::unexpected(answers.error());
      }
      for (std::size_t k = first; k < last; ++k) {
        const auto& [i, id] = sending[k];
        const json& answer = answers->at(id);
        if (answer.is_null()) {
          parts[i][id] = WriteOutcome{WriteStatus::done};
        } else {
          parts[i][id] = fail_outcome(answer);
          if (maybe_held(answer)) {
            recheck.emplace_back(i, id);
          }
        }
      }
    }

    // 4. A refusal that may be our own earlier dispatch: read back; a failed read leaves it.
    if (!recheck.empty()) {
      std::vector<std::string> again;
      for (const auto& entry : recheck) {
        again.push_back(entry.second);
      }
      if (auto read = details(again, trace)) {
        const auto now_held = held_by_id(*read);
        for (const auto& [i, id] : recheck) {
          const auto it = now_held.find(id);
          if (it != now_held.end() && it->second.tracking_number == uploads[i].tracking_number) {
            parts[i][id] = WriteOutcome{WriteStatus::already_there};
          }
        }
      }
    }

    std::vector<WriteOutcome> outcomes;
    for (std::size_t i = 0; i < uploads.size(); ++i) {
      if (out[i]) {
        outcomes.push_back(*out[i]);
        continue;
      }
      std::vector<WriteOutcome> pieces;
      for (auto& [id, part] : parts[i]) {
        pieces.push_back(part);
      }
      outcomes.push_back(pieces.empty() ? retry_later("not sent") : combine(pieces));
    }
    return outcomes;
  });
}

Result<std::vector<TrackingOnMarketplace>> SmartstoreConnector::read_tracking(std::span<const TrackingUpload> uploads)
{
  return guarded<std::vector<TrackingOnMarketplace>>([&]() -> Result<std::vector<TrackingOnMarketplace>> {
    std::vector<std::string> ids;
    for (const auto& upload : uploads) {
      for (const auto& id : product_orders(upload)) {
        ids.push_back(id);
      }
    }
    std::string trace;
    auto elements = details(ids, trace);
    if (!elements) {
      return std::unexpected(elements.error());
    }
    const auto held = held_by_id(*elements);
    std::vector<TrackingOnMarketplace> out;
    for (const auto& upload : uploads) {
      TrackingOnMarketplace state;
      for (const auto& id : product_orders(upload)) {
        const auto it = held.find(id);
        if (it != held.end() && !it->second.tracking_number.empty()) {
          state.found = true;
          state.carrier = carriers::from_kind_code(spec(), it->second.carrier).value_or(it->second.carrier);
          state.tracking_number = it->second.tracking_number;
          break;
        }
      }
      out.push_back(std::move(state));
    }
    return out;
  });
}

Result<std::vector<Order>> SmartstoreConnector::refresh_orders(std::span<const std::string> order_ids)
{
  return guarded<std::vector<Order>>([&]() -> Result<std::vector<Order>> {
    // GET orders/{orderId}/product-order-ids is not in smartstore.md; public clients agree
    // on it (MED): data is the order's productOrderIds. An unknown order answers 400.
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (const auto& order_id : order_ids) {
      if (!seen.insert(order_id).second) {
        continue;
      }
      net::Request request;
      request.method = "GET";
      request.url = m_base_url + "/v1/pay-order/seller/orders/" + encode_value(order_id) + "/product-order-ids";
      request.headers = {{"Accept", "application/json"}};
      request.label = fmt::format("GET orders/{}/product-order-ids", order_id);
      auto reply = call(request);
      if (!reply && reply.error().http_status == 400) {
        continue;
      }
      if (!reply) {
        return std::unexpected(reply.error());
      }
      if (const json* data = member(reply->body, "data"); data != nullptr && data->is_array()) {
        for (const auto& id : *data) {
          ids.push_back(id_text(&id));
        }
      }
    }
    std::string trace;
    auto elements = details(ids, trace);
    if (!elements) {
      return std::unexpected(elements.error());
    }
    return map_details(*elements, {}).orders;
  });
}

} // namespace uoms::connectors::smartstore
