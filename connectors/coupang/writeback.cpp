// Tracking write-back for Coupang (coupang.md §2.3 acknowledgement and single sheets, §2.4
// invoices): what upload_tracking, read_tracking and refresh_orders send and how each
// box's answer becomes one WriteOutcome.

#include "connectors/coupang/coupang.hpp"

#include "connectors/coupang/mapping.hpp"
#include "connectors/support.hpp"
#include "uoms/carriers.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace uoms::connectors::coupang {

namespace {

using namespace support; // support::json and the shared field readers and helpers

constexpr std::string_view k_api = "/v2/providers/openapi/apis/api";

WriteOutcome rejected(std::string reason)
{
  return {WriteStatus::rejected, std::move(reason)};
}

WriteOutcome retry_later(std::string reason)
{
  return {WriteStatus::retry_later, std::move(reason)};
}

bool digits(std::string_view text)
{
  return parse_whole<unsigned long long>(text).has_value();
}

// The vendorItemIds of an upload, from its item ids: the collect mapping names an item
// "<shipmentBoxId>-<vendorItemId>"; a bare vendorItemId is taken too. nullopt when an id
// is neither, or names another box.
std::optional<std::vector<std::string>> vendor_items(const TrackingUpload& upload)
{
  std::vector<std::string> out;
  for (const auto& id : upload.item_ids) {
    const auto dash = id.rfind('-');
    const std::string vendor = dash == std::string::npos ? id : id.substr(dash + 1);
    if (!digits(vendor) || (dash != std::string::npos && id.substr(0, dash) != upload.shipment_key)) {
      return std::nullopt;
    }
    if (std::find(out.begin(), out.end(), vendor) == out.end()) {
      out.push_back(vendor);
    }
  }
  if (out.empty()) {
    return std::nullopt;
  }
  return out;
}

// "RESULT_CODE: resultMessage" of one responseList entry.
std::string entry_reason(const json& entry)
{
  const std::string code = string_field(entry, "resultCode");
  const std::string message = string_field(entry, "resultMessage");
  return one_line(message.empty() ? code : code + ": " + message);
}

// What a responseList entry other than OK means (coupang.md §2.4's table). A number that
// is malformed or already used elsewhere can never succeed as sent, whatever retryRequired
// says (the flag invites a corrected resend); every other code follows retryRequired.
WriteOutcome entry_outcome(const json& entry)
{
  const std::string code = string_field(entry, "resultCode");
  const std::string reason = entry_reason(entry);
  if (code == "ORDER_DELIVERY_CANCELED") {
    return rejected("cancelled: " + reason);
  }
  if (code == "INVALID_INVOICE_NUMBER" || code == "DUPLICATE_INVOICE_NUMBER") {
    return rejected(reason);
  }
  const json* retry = member(entry, "retryRequired");
  const bool retry_required = retry != nullptr && (retry->is_boolean() ? retry->get<bool>() : string_field(entry, "retryRequired") == "true");
  return retry_required ? retry_later(reason) : rejected(reason);
}

// Checks one request before any call: nullopt and its Coupang carrier code and vendorItemIds,
// or the refusal.
std::optional<WriteOutcome> prepare(const TrackingUpload& upload, std::string& code, std::vector<std::string>& items)
{
  const auto coupang_code = carriers::code_for(spec(), upload.carrier);
  const auto vendor = vendor_items(upload);
  if (!coupang_code) {
    return rejected(fmt::format("carrier {} has no Coupang deliveryCompanyCode (coupang.md §2.7)", upload.carrier));
  }
  if (!digits(upload.shipment_key) || !digits(upload.order_id)) {
    return rejected(fmt::format("order {} box {}: not Coupang numbers", upload.order_id, upload.shipment_key));
  }
  if (!vendor) {
    return rejected(fmt::format("box {}: item ids are not <shipmentBoxId>-<vendorItemId>", upload.shipment_key));
  }
  if (upload.tracking_number.empty()) {
    return rejected("no tracking number");
  }
  code = *coupang_code;
  items = *vendor;
  return std::nullopt;
}

// The statuses in which updateInvoices corrects a registered invoice (coupang.md §2.4).
bool correctable(std::string_view status)
{
  return status == "DEPARTURE" || status == "DELIVERING" || status == "FINAL_DELIVERY" || status == "NONE_TRACKING";
}

bool succeeded(const json& entry)
{
  return string_field(entry, "resultCode") == "OK";
}

// Codes a box answers when it may already hold an invoice: the box is read back, and
// holding exactly this number is already_there.
bool maybe_held(const json& entry)
{
  const std::string code = string_field(entry, "resultCode");
  return code == "NOT_ALLOW_INVOICE_NUMBER_RE_UPLOAD" || code == "INVALID_STATUS" || code == "DUPLICATE_INVOICE_NUMBER";
}

// data.responseList entries by shipmentBoxId.
std::map<std::string, json> entries_by_box(const json* data)
{
  std::map<std::string, json> out;
  if (data == nullptr || !data->is_object()) {
    return out;
  }
  if (const json* list = member(*data, "responseList"); list != nullptr && list->is_array()) {
    for (const auto& entry : *list) {
      if (entry.is_object()) {
        out[id_text(member(entry, "shipmentBoxId"))] = entry;
      }
    }
  }
  return out;
}

bool item_cancelled(const json& item)
{
  if (const json* flag = member(item, "canceled"); flag != nullptr && flag->is_boolean() && flag->get<bool>()) {
    return true;
  }
  const auto ordered = integer_value(member(item, "shippingCount")).value_or(0);
  return ordered > 0 && integer_value(member(item, "cancelCount")).value_or(0) >= ordered;
}

} // namespace

struct CoupangConnector::InvoiceAnswer
{
  std::map<std::string, json> entries;
  std::string summary; // "responseCode 99: message" for a whole-request failure, else ""
};

std::optional<net::Response> CoupangConnector::dry_run_answer(const net::Request& request) const
{
  if (request.method == "GET") {
    return std::nullopt;
  }
  // The boxes a write names: shipmentBoxIds (acknowledgement) or its invoice DTOs.
  const json body = json::parse(request.body, nullptr, false);
  std::set<long long> boxes;
  if (const json* ids = body.is_object() ? member(body, "shipmentBoxIds") : nullptr; ids != nullptr && ids->is_array()) {
    for (const auto& id : *ids) {
      boxes.insert(id.get<long long>());
    }
  }
  if (const json* dtos = body.is_object() ? member(body, "orderSheetInvoiceApplyDtos") : nullptr; dtos != nullptr && dtos->is_array()) {
    for (const auto& dto : *dtos) {
      boxes.insert(dto["shipmentBoxId"].get<long long>());
    }
  }
  net::Response response;
  response.status = 200;
  if (request.body.empty()) {
    response.body = json{{"code", "SUCCESS"}, {"message", "dry run"}}.dump(); // a quantity change (§2.5)
    return response;
  }
  json list = json::array();
  for (const auto box : boxes) {
    list.push_back({{"shipmentBoxId", box}, {"succeed", true}, {"resultCode", "OK"}, {"retryRequired", false}, {"resultMessage", ""}});
  }
  response.body = json{{"code", 200},
                       {"message", "OK"},
                       {"data", {{"responseCode", 0}, {"responseMessage", "SUCCESS"}, {"responseList", std::move(list)}}}}
                      .dump();
  return response;
}

Result<json> CoupangConnector::order_boxes(const std::string& order_id)
{
  const std::string path = fmt::format("{}/v5/vendors/{}/{}/ordersheets", k_api, encode_value(m_vendor_id), encode_value(order_id));
  auto body = call(signed_request("GET", path, "", fmt::format("GET ordersheets (orderId {})", order_id)), true);
  if (!body) {
    return body;
  }
  // The list by orderId; a single sheet comes as an object. An unknown order is no boxes.
  json boxes = json::array();
  if (const json* data = member(*body, "data")) {
    if (data->is_array()) {
      boxes = *data;
    } else if (data->is_object()) {
      boxes.push_back(*data);
    }
  }
  for (const auto& box : boxes) {
    if (!box.is_object()) {
      continue;
    }
    BoxState state;
    state.order_id = order_id;
    state.status = string_field(box, "status");
    const BoxInvoice invoice = box_invoice(box);
    state.invoice_number = invoice.number;
    state.carrier = invoice.carrier;
    const json* items = member(box, "orderItems");
    state.cancelled = items != nullptr && items->is_array() && !items->empty()
                      && std::all_of(items->begin(), items->end(), item_cancelled);
    if (items != nullptr && items->is_array()) {
      for (const auto& item : *items) {
        state.vendor_items.push_back(id_text(member(item, "vendorItemId")));
      }
    }
    m_boxes[id_text(member(box, "shipmentBoxId"))] = std::move(state);
  }
  return boxes;
}

Result<void> CoupangConnector::learn_orders(const std::vector<std::string>& order_ids)
{
  std::set<std::string> seen;
  for (const auto& id : order_ids) {
    if (seen.insert(id).second) {
      if (auto boxes = order_boxes(id); !boxes) {
        return std::unexpected(boxes.error());
      }
    }
  }
  return {};
}

Result<std::map<std::string, json>> CoupangConnector::acknowledge(const std::vector<std::string>& box_ids)
{
  json ids = json::array();
  for (const auto& id : box_ids) {
    ids.push_back(std::stoll(id));
  }
  const std::string path = fmt::format("{}/v4/vendors/{}/ordersheets/acknowledgement", k_api, encode_value(m_vendor_id));
  const std::string body = json{{"vendorId", m_vendor_id}, {"shipmentBoxIds", ids}}.dump();
  // coupang.md §2.3 lists PUT and PATCH and leaves the choice UNCONFIRMED: PUT, then PATCH
  // where PUT is refused as a method.
  auto answer = call(signed_request("PUT", path, "", fmt::format("PUT ordersheets/acknowledgement ({} boxes)", box_ids.size()), body));
  if (!answer && (answer.error().http_status == 405 || answer.error().http_status == 404)) {
    answer = call(signed_request("PATCH", path, "", fmt::format("PATCH ordersheets/acknowledgement ({} boxes)", box_ids.size()), body));
  }
  if (!answer) {
    return std::unexpected(answer.error());
  }
  return entries_by_box(member(*answer, "data"));
}

Result<CoupangConnector::InvoiceAnswer> CoupangConnector::post_invoices(std::string_view endpoint, const json& dtos)
{
  std::set<std::string> boxes;
  for (const auto& dto : dtos) {
    boxes.insert(dto["shipmentBoxId"].dump());
  }
  const std::string path = fmt::format("{}/v4/vendors/{}/orders/{}", k_api, encode_value(m_vendor_id), endpoint);
  const std::string body = json{{"vendorId", m_vendor_id}, {"orderSheetInvoiceApplyDtos", dtos}}.dump();
  auto answer = call(signed_request("POST", path, "", fmt::format("POST orders/{} ({} boxes)", endpoint, boxes.size()), body));
  if (!answer) {
    return std::unexpected(answer.error());
  }
  const json* data = member(*answer, "data");
  InvoiceAnswer out;
  out.entries = entries_by_box(data);
  // responseCode: -1 NONE, 0 SUCCESS, 1 PARTIAL_ERROR, 99 FAILED (a whole-request failure
  // inside HTTP 200); a box without its own entry gets the request's words.
  const auto code = data != nullptr ? integer_value(member(*data, "responseCode")) : std::nullopt;
  if (code.value_or(0) != 0 && code.value_or(0) != 1) {
    out.summary = one_line(fmt::format("responseCode {}: {}", code.value_or(-1),
                                       data != nullptr ? string_field(*data, "responseMessage") : std::string()));
  }
  return out;
}

Result<void> CoupangConnector::send_invoices(std::string_view endpoint, std::span<const TrackingUpload> uploads,
                                             const std::vector<std::vector<std::string>>& items,
                                             const std::vector<std::string>& codes,
                                             std::vector<std::optional<WriteOutcome>>& out)
{
  // One DTO per vendorItemId (coupang.md §2.4), a box's DTOs in one call.
  std::vector<std::vector<std::size_t>> calls;
  std::size_t dtos_in_call = 0;
  for (std::size_t i = 0; i < uploads.size(); ++i) {
    if (out[i]) {
      continue;
    }
    if (calls.empty() || (dtos_in_call + items[i].size() > k_max_invoice_dtos && dtos_in_call > 0)) {
      calls.emplace_back();
      dtos_in_call = 0;
    }
    calls.back().push_back(i);
    dtos_in_call += items[i].size();
  }
  std::vector<std::size_t> recheck;
  for (const auto& indexes : calls) {
    json dtos = json::array();
    for (const std::size_t i : indexes) {
      for (const auto& vendor_item : items[i]) {
        dtos.push_back({{"shipmentBoxId", std::stoll(uploads[i].shipment_key)},
                        {"orderId", std::stoll(uploads[i].order_id)},
                        {"vendorItemId", std::stoll(vendor_item)},
                        {"deliveryCompanyCode", codes[i]},
                        {"invoiceNumber", uploads[i].tracking_number},
                        {"splitShipping", false},
                        {"preSplitShipped", false},
                        {"estimatedShippingDate", ""}});
      }
    }
    auto answer = post_invoices(endpoint, dtos);
    if (!answer) {
      return std::unexpected(answer.error());
    }
    for (const std::size_t i : indexes) {
      const auto entry = answer->entries.find(uploads[i].shipment_key);
      if (entry == answer->entries.end()) {
        out[i] = retry_later(!answer->summary.empty() ? answer->summary
                                                      : fmt::format("no result for shipmentBoxId {}", uploads[i].shipment_key));
      } else if (succeeded(entry->second)) {
        out[i] = WriteOutcome{WriteStatus::done};
        BoxState& box = m_boxes[uploads[i].shipment_key];
        box.invoice_number = uploads[i].tracking_number;
        box.carrier = codes[i];
        if (endpoint == "invoices") {
          box.status = "DEPARTURE";
        }
      } else {
        out[i] = entry_outcome(entry->second);
        if (maybe_held(entry->second)) {
          recheck.push_back(i);
        }
      }
    }
  }

  // A refused write may be this very number, sent by an earlier pass whose answer was
  // lost: read the box back. A failed read leaves the refusal as it is.
  std::vector<std::string> recheck_orders;
  for (const std::size_t i : recheck) {
    recheck_orders.push_back(uploads[i].order_id);
  }
  if (!recheck.empty() && learn_orders(recheck_orders)) {
    for (const std::size_t i : recheck) {
      if (m_boxes[uploads[i].shipment_key].invoice_number == uploads[i].tracking_number) {
        out[i] = WriteOutcome{WriteStatus::already_there};
      }
    }
  }
  return {};
}

Result<std::vector<WriteOutcome>> CoupangConnector::upload_tracking(std::span<const TrackingUpload> uploads)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    std::vector<std::optional<WriteOutcome>> out(uploads.size());
    std::vector<std::vector<std::string>> items(uploads.size());
    std::vector<std::string> codes(uploads.size());
    std::vector<std::string> order_ids;
    for (std::size_t i = 0; i < uploads.size(); ++i) {
      out[i] = prepare(uploads[i], codes[i], items[i]);
      if (!out[i]) {
        order_ids.push_back(uploads[i].order_id);
      }
    }

    // 1. Each box's status and invoice, read fresh: only ACCEPT boxes are acknowledged, and
    // a box already holding this number is not sent again.
    if (auto learned = learn_orders(order_ids); !learned) {
      return std::unexpected(learned.error());
    }
    std::vector<std::string> to_acknowledge;
    for (std::size_t i = 0; i < uploads.size(); ++i) {
      if (out[i]) {
        continue;
      }
      const auto box = m_boxes.find(uploads[i].shipment_key);
      if (box == m_boxes.end()) {
        out[i] = rejected(fmt::format("NOT_FOUND_SHIPMENT_BOX: order {} has no box {}", uploads[i].order_id, uploads[i].shipment_key));
      } else if (box->second.invoice_number == uploads[i].tracking_number) {
        out[i] = WriteOutcome{WriteStatus::already_there};
      } else if (!box->second.invoice_number.empty()) {
        out[i] = rejected(fmt::format("the box already holds invoice {} {}", box->second.carrier, box->second.invoice_number));
      } else if (box->second.cancelled) {
        out[i] = rejected("cancelled: every item of the box is cancelled");
      } else if (box->second.status == "ACCEPT") {
        to_acknowledge.push_back(uploads[i].shipment_key);
      }
    }

    // 2. ACCEPT -> INSTRUCT: invoices are taken only in INSTRUCT (coupang.md §2.3, §2.4).
    for (std::size_t first = 0; first < to_acknowledge.size(); first += k_max_acknowledge_ids) {
      const std::vector<std::string> chunk(to_acknowledge.begin() + static_cast<std::ptrdiff_t>(first),
                                           to_acknowledge.begin() + static_cast<std::ptrdiff_t>(std::min(to_acknowledge.size(), first + k_max_acknowledge_ids)));
      auto entries = acknowledge(chunk);
      if (!entries) {
        return std::unexpected(entries.error());
      }
      for (std::size_t i = 0; i < uploads.size(); ++i) {
        const auto entry = entries->find(uploads[i].shipment_key);
        if (out[i] || std::find(chunk.begin(), chunk.end(), uploads[i].shipment_key) == chunk.end()) {
          continue;
        }
        if (entry == entries->end() || succeeded(entry->second)) {
          m_boxes[uploads[i].shipment_key].status = "INSTRUCT";
        } else if (string_field(entry->second, "resultCode") != "INVALID_STATUS") {
          // INVALID_STATUS: no longer in ACCEPT; the invoice's answer decides.
          WriteOutcome outcome = entry_outcome(entry->second);
          outcome.reason = "acknowledgement: " + outcome.reason;
          out[i] = std::move(outcome);
        }
      }
    }

    // 3. The invoices (orders/invoices), then a read-back of refused ones.
    if (auto sent = send_invoices("invoices", uploads, items, codes, out); !sent) {
      return std::unexpected(sent.error());
    }

    std::vector<WriteOutcome> outcomes;
    for (auto& outcome : out) {
      outcomes.push_back(outcome.value_or(retry_later("not sent")));
    }
    return outcomes;
  });
}

Result<std::vector<WriteOutcome>> CoupangConnector::correct_tracking(std::span<const TrackingCorrection> corrections)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    std::vector<TrackingUpload> uploads;
    for (const auto& c : corrections) {
      uploads.push_back(c.upload);
    }
    std::vector<std::optional<WriteOutcome>> out(uploads.size());
    std::vector<std::vector<std::string>> items(uploads.size());
    std::vector<std::string> codes(uploads.size());
    std::vector<std::string> order_ids;
    for (std::size_t i = 0; i < uploads.size(); ++i) {
      out[i] = prepare(uploads[i], codes[i], items[i]);
      if (!out[i]) {
        order_ids.push_back(uploads[i].order_id);
      }
    }

    // 1. Each box read fresh: only a box holding the number uoms uploaded, in a status
    // updateInvoices accepts, is corrected (coupang.md §2.4); one already holding the new
    // number is not sent again.
    if (auto learned = learn_orders(order_ids); !learned) {
      return std::unexpected(learned.error());
    }
    for (std::size_t i = 0; i < uploads.size(); ++i) {
      if (out[i]) {
        continue;
      }
      const auto box = m_boxes.find(uploads[i].shipment_key);
      if (box == m_boxes.end()) {
        out[i] = rejected(fmt::format("NOT_FOUND_SHIPMENT_BOX: order {} has no box {}", uploads[i].order_id, uploads[i].shipment_key));
      } else if (box->second.invoice_number == uploads[i].tracking_number) {
        out[i] = WriteOutcome{WriteStatus::already_there};
      } else if (box->second.cancelled) {
        out[i] = rejected("cancelled: every item of the box is cancelled; an invoice is not corrected");
      } else if (box->second.invoice_number.empty()) {
        out[i] = rejected("the box holds no invoice: nothing to correct");
      } else if (box->second.invoice_number != corrections[i].held_number) {
        out[i] = rejected(fmt::format("the box holds invoice {} {}, not the uploaded {}: not overwritten",
                                      box->second.carrier, box->second.invoice_number, corrections[i].held_number));
      } else if (!correctable(box->second.status)) {
        out[i] = rejected(fmt::format("INVALID_STATUS: box {} is {}; Coupang corrects an invoice only in DEPARTURE, "
                                      "DELIVERING, FINAL_DELIVERY or NONE_TRACKING",
                                      uploads[i].shipment_key, box->second.status));
      }
    }

    // 2. orders/updateInvoices with the upload's DTO shape, then a read-back of refused ones.
    if (auto sent = send_invoices("updateInvoices", uploads, items, codes, out); !sent) {
      return std::unexpected(sent.error());
    }
    std::vector<WriteOutcome> outcomes;
    for (auto& outcome : out) {
      outcomes.push_back(outcome.value_or(retry_later("not sent")));
    }
    return outcomes;
  });
}

Result<std::vector<TrackingOnMarketplace>> CoupangConnector::read_tracking(std::span<const TrackingUpload> uploads)
{
  return guarded<std::vector<TrackingOnMarketplace>>([&]() -> Result<std::vector<TrackingOnMarketplace>> {
    std::vector<std::string> order_ids;
    for (const auto& upload : uploads) {
      order_ids.push_back(upload.order_id);
    }
    if (auto learned = learn_orders(order_ids); !learned) {
      return std::unexpected(learned.error());
    }
    std::vector<TrackingOnMarketplace> out;
    for (const auto& upload : uploads) {
      const BoxState* held = nullptr;
      if (const auto box = m_boxes.find(upload.shipment_key); box != m_boxes.end() && !box->second.invoice_number.empty()) {
        held = &box->second;
      } else {
        // A split shipment gives the shipped part a new shipmentBoxId (coupang.md §2.4): a
        // box of the same order holding one of our items is the same shipment.
        const auto vendor = vendor_items(upload).value_or(std::vector<std::string>{});
        for (const auto& [id, box] : m_boxes) {
          const bool ours = std::any_of(vendor.begin(), vendor.end(), [&](const std::string& v) {
            return std::find(box.vendor_items.begin(), box.vendor_items.end(), v) != box.vendor_items.end();
          });
          if (box.order_id == upload.order_id && ours && !box.invoice_number.empty()) {
            held = &box;
            break;
          }
        }
      }
      TrackingOnMarketplace state;
      if (held != nullptr) {
        state.found = true;
        state.carrier = carriers::from_kind_code(spec(), held->carrier).value_or(held->carrier);
        state.tracking_number = held->invoice_number;
      }
      out.push_back(std::move(state));
    }
    return out;
  });
}

Result<std::vector<Order>> CoupangConnector::refresh_orders(std::span<const std::string> order_ids)
{
  return guarded<std::vector<Order>>([&]() -> Result<std::vector<Order>> {
    json boxes = json::array();
    std::set<std::string> seen;
    for (const auto& id : order_ids) {
      if (!seen.insert(id).second) {
        continue;
      }
      auto read = order_boxes(id);
      if (!read) {
        return std::unexpected(read.error());
      }
      for (auto& box : *read) {
        boxes.push_back(std::move(box));
      }
    }
    return map_boxes(boxes, m_caps.utc_offset).orders;
  });
}

} // namespace uoms::connectors::coupang
