// PlayAuto write-back: ship instruction and invoice upload by bundle (playauto.md §3.3,
// §3.4), carrier numbers from the KindSpec row or GET /carriers (§3.5), and bundles
// re-read with POST /orders.

#include "connectors/playauto/mapping.hpp"
#include "connectors/playauto/playauto.hpp"
#include "connectors/support.hpp"
#include "uoms/carriers.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace uoms::connectors::playauto {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;
using namespace support; // the shared field readers and helpers of connectors/support.hpp

constexpr std::string_view k_orders_path = "/orders";
constexpr std::string_view k_instruction_path = "/order/instruction";
constexpr std::string_view k_invoice_path = "/order/setInvoice";
constexpr std::string_view k_carriers_path = "/carriers";
// How far back a bundle is searched by its collection date (wdate, which never changes).
// No window limit is documented (§3.2); a bundle collected earlier is not found.
constexpr int k_lookup_days = 90;
// Rows of one bundle; a bundle has a handful.
constexpr int k_lookup_length = 100;

// Statuses setInvoice accepts (§3.4); 출고보류 and 배송중 keep their status.
const std::set<std::string, std::less<>> k_invoiceable = {"출고대기", "출고보류", "운송장출력", "주문재확인", "배송중"};
// Before the ship instruction: it moves 신규주문 to 출고대기 (§3.3).
constexpr std::string_view k_new_order = "신규주문";
// Paid or held but not yet a new order: it may become one, so the upload waits.
const std::set<std::string, std::less<>> k_not_yet = {"결제완료", "주문보류"};

enum class Step { invoice, instruct, wait, refuse };

// What the bundle's rows allow: every row must be invoiceable, or a new order that the
// ship instruction makes invoiceable. One row in any other status (a claim, or already
// shipped) refuses the bundle; a row still paid or held waits.
std::pair<Step, std::string> next_step(const Order& bundle)
{
  Step step = Step::invoice;
  for (const auto& item : bundle.items) {
    if (k_invoiceable.contains(item.raw_status)) {
      continue;
    }
    if (item.raw_status == k_new_order) {
      step = step == Step::invoice ? Step::instruct : step;
    } else if (k_not_yet.contains(item.raw_status)) {
      step = Step::wait;
    } else {
      return {Step::refuse, item.raw_status};
    }
  }
  return {step, {}};
}

// A carrier name without spaces or the "(English)" part: "CJ대한통운 (CJ Logistics)" -> "CJ대한통운".
std::string name_key(std::string_view name)
{
  if (const auto paren = name.find(" ("); paren != std::string_view::npos) {
    name = name.substr(0, paren);
  }
  std::string out;
  for (const char c : name) {
    if (c != ' ') {
      out += c;
    }
  }
  return out;
}

WriteOutcome outcome_of(WriteStatus status, std::string reason)
{
  WriteOutcome outcome;
  outcome.status = status;
  outcome.reason = std::move(reason);
  return outcome;
}

// An upload or correction whose carrier PlayAuto has no number for: refused before any call.
WriteOutcome without_carr_no(const std::string& carrier)
{
  return outcome_of(WriteStatus::rejected,
                    fmt::format("carrier \"{}\" has no PlayAuto carr_no (neither in the kind's row nor in GET /carriers)",
                                carrier));
}

} // namespace

std::optional<net::Response> PlayautoConnector::dry_run_answer(const net::Request& request) const
{
  if (request.method == "GET" || request.method == "POST") {
    return std::nullopt;
  }
  net::Response response;
  response.status = 200;
  const json body = json::parse(request.body, nullptr, false);
  const json* orders = body.is_object() ? member(body, "orders") : nullptr;
  if (orders == nullptr || !orders->is_array()) {
    response.body = json{{"results", "성공"}}.dump(); // the ship instruction (§3.3)
    return response;
  }
  json answers = json::array();
  for (const auto& order : *orders) {
    answers.push_back({{"bundle_no", order["bundle_no"]}, {"result", "성공"}, {"message", ""}});
  }
  response.body = answers.dump();
  return response;
}

Result<std::optional<Order>> PlayautoConnector::lookup(const std::string& bundle_no)
{
  // search_key/search_word/search_type are listed in §3.2 without their values; bundle_no
  // with an exact search is UNCONFIRMED. sdate/edate are required, so the collection dates
  // of the last k_lookup_days.
  const TimePoint now = m_clock->now();
  const std::string body = ordered_json{
      {"start", 0},
      {"length", k_lookup_length},
      {"orderby", "wdate desc"},
      {"date_type", "wdate"},
      {"sdate", query_date(now - std::chrono::days(k_lookup_days), m_caps.utc_offset)},
      {"edate", query_date(now, m_caps.utc_offset)},
      {"status", ordered_json::array({"ALL"})},
      {"search_key", "bundle_no"},
      {"search_word", bundle_no},
      {"search_type", "exact"},
  }.dump();
  auto answer = call(std::string(k_orders_path), body, fmt::format("POST /orders (bundle {})", bundle_no));
  if (!answer) {
    return std::unexpected(answer.error());
  }
  const json* rows = member(*answer, "results");
  if (rows == nullptr || !rows->is_array()) {
    return std::unexpected(ConnectorError{
        ErrorKind::contract, fmt::format("POST /orders (bundle {}): HTTP 200 without a results array", bundle_no), 200});
  }
  static const json k_empty = json::array();
  const json* products = member(*answer, "results_prod");
  MappedPage mapped = map_rows(*rows, products != nullptr && products->is_array() ? *products : k_empty, m_caps.utc_offset);
  for (auto& order : mapped.orders) {
    if (order.external_id == bundle_no) {
      m_bundles[bundle_no] = order;
      return std::optional<Order>(std::move(order));
    }
  }
  m_bundles.erase(bundle_no);
  return std::optional<Order>();
}

Result<std::optional<std::string>> PlayautoConnector::carrier_number(const std::string& carrier)
{
  if (auto code = carriers::code_for(spec(), carrier)) {
    return code;
  }
  const carriers::Carrier* known = carriers::find(carrier);
  if (known == nullptr) {
    return std::optional<std::string>();
  }
  if (!m_carrier_list) {
    auto list = call(std::string(k_carriers_path), {}, "GET /carriers", "GET", true);
    if (!list) {
      return std::unexpected(list.error());
    }
    m_carrier_list.emplace();
    const json* entries = list->is_array() ? &*list : member(*list, "results");
    if (entries != nullptr && entries->is_array()) {
      for (const auto& entry : *entries) {
        const std::string name = string_field(entry, "carrier_name");
        const std::string code = string_field(entry, "carrier_code");
        if (!name.empty() && !code.empty()) {
          m_carrier_list->emplace(name_key(name), code);
        }
      }
    }
  }
  // The same name once spaces and the English part are gone, else one name holding the other.
  const std::string wanted = name_key(known->name);
  if (const auto it = m_carrier_list->find(wanted); it != m_carrier_list->end()) {
    return std::optional<std::string>(it->second);
  }
  for (const auto& [name, code] : *m_carrier_list) {
    if (name.find(wanted) != std::string::npos || wanted.find(name) != std::string::npos) {
      return std::optional<std::string>(code);
    }
  }
  return std::optional<std::string>();
}

Result<std::map<std::string, WriteOutcome, std::less<>>> PlayautoConnector::set_invoices(const json& orders, bool overwrite)
{
  // overwrite false for uploads: an invoice already there is never replaced (no double
  // write-back); true only for a correction, checked against the bundle just before.
  // change_complete true: the bundle goes to 출고완료 (shipped), so PlayAuto passes the
  // number on to the source marketplace without a manual step; false would leave it at
  // 운송장출력 (waybill printed) waiting for the seller in PlayAuto. 출고보류 and 배송중 keep
  // their status either way.
  const json body = {{"orders", orders}, {"overwrite", overwrite}, {"change_complete", true}, {"dupl_doubt_except_yn", "N"}};
  const std::string label = fmt::format("PUT /order/setInvoice ({} bundles)", orders.size());
  auto answer = call(std::string(k_invoice_path), body.dump(), label, "PUT", true);
  std::map<std::string, WriteOutcome, std::less<>> outcomes;
  if (!answer) {
    const ConnectorError& error = answer.error();
    // Throttled or a server error: the bundles are checked again before the next send,
    // so a resend cannot write twice (overwrite false, and a held number is already_there).
    if (error.kind == ErrorKind::rate_limited || (error.kind == ErrorKind::transient && error.http_status != 0)) {
      for (const auto& order : orders) {
        outcomes[order["bundle_no"].get<std::string>()] = WriteOutcome{WriteStatus::retry_later, error.message, error.http_status, {}};
      }
      return outcomes;
    }
    // An error body for the whole request (o2003 invalid carrier number, ...) refuses it.
    if (error.kind == ErrorKind::contract && error.http_status != 0) {
      for (const auto& order : orders) {
        outcomes[order["bundle_no"].get<std::string>()] = WriteOutcome{WriteStatus::rejected, error.message, error.http_status, {}};
      }
      return outcomes;
    }
    return std::unexpected(error);
  }
  // One element per bundle: result "성공" or "실패" with error_code and messages (§3.4).
  for (const auto& entry : *answer) {
    const std::string bundle = support::id_text(member(entry, "bundle_no"));
    const std::string result = string_field(entry, "result");
    if (result == "성공") {
      outcomes[bundle] = WriteOutcome{WriteStatus::done, {}, 200, {}};
    } else {
      const ErrorBody detail = describe_body(entry);
      outcomes[bundle] = WriteOutcome{WriteStatus::rejected,
                                      fmt::format("{}: bundle {} {}", label, bundle, detail.text.empty() ? result : detail.text),
                                      200, {}};
    }
  }
  return outcomes;
}

Result<std::vector<WriteOutcome>> PlayautoConnector::upload_tracking(std::span<const TrackingUpload> uploads)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    std::vector<std::optional<WriteOutcome>> outcomes(uploads.size());
    std::vector<std::size_t> ready;   // indexes to invoice
    std::vector<std::size_t> instruct; // indexes to instruct first
    std::vector<std::string> numbers(uploads.size());
    for (std::size_t i = 0; i < uploads.size(); ++i) {
      const TrackingUpload& upload = uploads[i];
      auto number = carrier_number(upload.carrier);
      if (!number) {
        return std::unexpected(number.error());
      }
      if (!*number) {
        outcomes[i] = without_carr_no(upload.carrier);
        continue;
      }
      numbers[i] = **number;
      auto current = current_bundle(upload.shipment_key);
      if (!current) {
        return std::unexpected(current.error());
      }
      const std::optional<Order>& bundle = *current;
      if (!bundle) {
        outcomes[i] = outcome_of(WriteStatus::rejected, fmt::format("bundle {} is not listed by PlayAuto", upload.shipment_key));
        continue;
      }
      // overwrite is false: an invoice already there is ours (already_there) or another.
      if (const auto held = std::find_if(bundle->items.begin(), bundle->items.end(),
                                         [](const OrderItem& item) { return !item.tracking_number.empty(); });
          held != bundle->items.end()) {
        outcomes[i] = held->tracking_number == upload.tracking_number
                          ? outcome_of(WriteStatus::already_there, {})
                          : outcome_of(WriteStatus::rejected,
                                       fmt::format("bundle {} already holds invoice {} (carr_no {})", upload.shipment_key,
                                                   held->tracking_number, held->tracking_carrier));
        continue;
      }
      const auto [step, status] = next_step(*bundle);
      if (step == Step::refuse) {
        outcomes[i] = outcome_of(WriteStatus::rejected, fmt::format("bundle {} is in status {}", upload.shipment_key, status));
      } else if (step == Step::wait) {
        outcomes[i] = outcome_of(WriteStatus::retry_later, fmt::format("bundle {} is not a new order yet", upload.shipment_key));
      } else {
        (step == Step::instruct ? instruct : ready).push_back(i);
      }
    }

    // New orders: one ship instruction for all of them (§3.3). It fails whole (e2009) when
    // one is no longer a new order; they then wait for the next pass's fresh look.
    if (!instruct.empty()) {
      json codes = json::array();
      for (const auto i : instruct) {
        codes.push_back(uploads[i].shipment_key);
      }
      auto answer = call(std::string(k_instruction_path), json{{"bundle_codes", codes}, {"auto_bundle", false}}.dump(),
                         fmt::format("PUT /order/instruction ({} bundles)", instruct.size()), "PUT");
      if (!answer && (answer.error().kind == ErrorKind::auth || answer.error().kind == ErrorKind::config)) {
        return std::unexpected(answer.error());
      }
      for (const auto i : instruct) {
        if (answer) {
          ready.push_back(i);
        } else {
          outcomes[i] = WriteOutcome{WriteStatus::retry_later, answer.error().message, answer.error().http_status, {}};
        }
      }
    }

    if (!ready.empty()) {
      json orders = json::array();
      for (const auto i : ready) {
        orders.push_back(
            {{"bundle_no", uploads[i].shipment_key}, {"carr_no", numbers[i]}, {"invoice_no", uploads[i].tracking_number}});
        m_bundles.erase(uploads[i].shipment_key); // changed now: look again next time
      }
      auto answers = set_invoices(orders, false);
      if (!answers) {
        return std::unexpected(answers.error());
      }
      for (const auto i : ready) {
        const auto it = answers->find(uploads[i].shipment_key);
        // No element for a bundle: not known to be applied; the look before the next send
        // tells (overwrite false keeps a resend harmless).
        outcomes[i] = it != answers->end() ? it->second
                                           : outcome_of(WriteStatus::retry_later,
                                                        fmt::format("setInvoice did not answer for bundle {}", uploads[i].shipment_key));
      }
    }

    std::vector<WriteOutcome> out;
    for (auto& outcome : outcomes) {
      out.push_back(std::move(*outcome));
    }
    return out;
  });
}

Result<std::optional<Order>> PlayautoConnector::current_bundle(const std::string& bundle_no)
{
  if (const auto cached = m_bundles.find(bundle_no); cached != m_bundles.end()) {
    return std::optional<Order>(cached->second);
  }
  return lookup(bundle_no);
}

Result<std::vector<WriteOutcome>> PlayautoConnector::correct_tracking(std::span<const TrackingCorrection> corrections)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    std::vector<std::optional<WriteOutcome>> outcomes(corrections.size());
    json orders = json::array();
    std::vector<std::size_t> ready;
    for (std::size_t i = 0; i < corrections.size(); ++i) {
      const TrackingUpload& upload = corrections[i].upload;
      auto number = carrier_number(upload.carrier);
      if (!number) {
        return std::unexpected(number.error());
      }
      if (!*number) {
        outcomes[i] = without_carr_no(upload.carrier);
        continue;
      }
      auto current = current_bundle(upload.shipment_key);
      if (!current) {
        return std::unexpected(current.error());
      }
      const std::optional<Order>& bundle = *current;
      if (!bundle) {
        outcomes[i] = outcome_of(WriteStatus::rejected, fmt::format("bundle {} is not listed by PlayAuto", upload.shipment_key));
        continue;
      }
      // Only the number uoms uploaded is replaced: one changed elsewhere (in PlayAuto or the
      // source marketplace) is the operator's to decide.
      const auto held = std::find_if(bundle->items.begin(), bundle->items.end(),
                                     [](const OrderItem& item) { return !item.tracking_number.empty(); });
      const auto blocking = std::find_if(bundle->items.begin(), bundle->items.end(),
                                         [](const OrderItem& item) { return !k_invoiceable.contains(item.raw_status); });
      if (held != bundle->items.end() && held->tracking_number == upload.tracking_number) {
        outcomes[i] = outcome_of(WriteStatus::already_there, {});
      } else if (held == bundle->items.end()) {
        outcomes[i] = outcome_of(WriteStatus::rejected, fmt::format("bundle {} holds no invoice: nothing to correct", upload.shipment_key));
      } else if (held->tracking_number != corrections[i].held_number) {
        outcomes[i] = outcome_of(WriteStatus::rejected,
                                 fmt::format("bundle {} holds invoice {} (carr_no {}), not the uploaded {}: not overwritten",
                                             upload.shipment_key, held->tracking_number, held->tracking_carrier,
                                             corrections[i].held_number));
      } else if (blocking != bundle->items.end()) {
        outcomes[i] = outcome_of(WriteStatus::rejected,
                                 fmt::format("bundle {} is in status {}; PlayAuto replaces an invoice only in 출고대기, "
                                             "출고보류, 운송장출력, 주문재확인 or 배송중",
                                             upload.shipment_key, blocking->raw_status));
      } else {
        ready.push_back(i);
        orders.push_back({{"bundle_no", upload.shipment_key}, {"carr_no", **number}, {"invoice_no", upload.tracking_number}});
        m_bundles.erase(upload.shipment_key); // changed now: look again next time
      }
    }

    if (!ready.empty()) {
      auto answers = set_invoices(orders, true);
      if (!answers) {
        return std::unexpected(answers.error());
      }
      for (const auto i : ready) {
        const auto& bundle_no = corrections[i].upload.shipment_key;
        const auto it = answers->find(bundle_no);
        // No element for a bundle: not known to be applied; the settle reads it back.
        outcomes[i] = it != answers->end() ? it->second
                                           : outcome_of(WriteStatus::retry_later,
                                                        fmt::format("setInvoice did not answer for bundle {}", bundle_no));
      }
    }

    std::vector<WriteOutcome> out;
    for (auto& outcome : outcomes) {
      out.push_back(std::move(*outcome));
    }
    return out;
  });
}

Result<std::vector<TrackingOnMarketplace>> PlayautoConnector::read_tracking(std::span<const TrackingUpload> uploads)
{
  return guarded<std::vector<TrackingOnMarketplace>>([&]() -> Result<std::vector<TrackingOnMarketplace>> {
    std::vector<TrackingOnMarketplace> held;
    for (const auto& upload : uploads) {
      auto bundle = lookup(upload.shipment_key);
      if (!bundle) {
        return std::unexpected(bundle.error());
      }
      TrackingOnMarketplace found;
      if (*bundle) {
        for (const auto& item : (*bundle)->items) {
          if (!item.tracking_number.empty()) {
            found = {true, item.tracking_carrier, item.tracking_number};
            break;
          }
        }
      }
      held.push_back(std::move(found));
    }
    return held;
  });
}

Result<std::vector<Order>> PlayautoConnector::refresh_orders(std::span<const std::string> order_ids)
{
  return guarded<std::vector<Order>>([&]() -> Result<std::vector<Order>> {
    std::vector<Order> orders;
    for (const auto& id : order_ids) {
      auto bundle = lookup(id);
      if (!bundle) {
        return std::unexpected(bundle.error());
      }
      if (*bundle) {
        orders.push_back(std::move(**bundle));
      }
    }
    return orders;
  });
}

} // namespace uoms::connectors::playauto
