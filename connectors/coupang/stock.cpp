// Stock push for Coupang (coupang.md §2.5): one signed PUT per vendorItemId with the absolute
// quantity in the path and no body, judged from the product API's {"code":"SUCCESS"|"ERROR"}.

#include "connectors/coupang/coupang.hpp"

#include "connectors/coupang/mapping.hpp"
#include "connectors/support.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace uoms::connectors::coupang {

namespace {

using namespace support; // support::json and the shared field readers and helpers

constexpr std::string_view k_quantities = "/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items";

// Why an update cannot be sent as it is, or "" when it can: the vendorItemId is a number in
// the path, and a negative quantity is what §2.5's 400 "유효하지 않은 재고수량입니다." refuses.
std::string unsendable(const StockUpdate& update)
{
  if (update.option_id.empty()) {
    return fmt::format("listing {} has no vendorItemId (option_id): Coupang changes stock per vendor item",
                       update.listing_id);
  }
  if (!parse_whole<unsigned long long>(update.option_id)) {
    return fmt::format("vendorItemId \"{}\" is not a Coupang number", update.option_id);
  }
  if (update.quantity < 0) {
    return fmt::format("quantity {} is below zero", update.quantity);
  }
  return {};
}

} // namespace

std::string stock_path(std::string_view vendor_item_id, int quantity)
{
  return fmt::format("{}/{}/quantities/{}", k_quantities, vendor_item_id, quantity);
}

std::string CoupangConnector::describe_stock_push(const StockUpdate& update) const
{
  if (const std::string why = unsendable(update); !why.empty()) {
    return "not sent: " + why;
  }
  return "PUT " + std::string(support::url_path(m_base_url)) + stock_path(update.option_id, update.quantity);
}

Result<WriteOutcome> CoupangConnector::put_quantity(const StockUpdate& update)
{
  const net::Request request = signed_request(
      "PUT", stock_path(update.option_id, update.quantity), "",
      fmt::format("PUT vendor-items/{}/quantities/{}", update.option_id, update.quantity));
  auto response = exchange(request);
  if (!response) {
    return std::unexpected(response.error()); // no answer at all: the change is unknown
  }
  const json body = support::body_json(*response);
  const std::string detail = scrub(describe_body(body));
  const int status = response->status;
  auto outcome = [&](WriteStatus kind, std::string reason) { return WriteOutcome{kind, std::move(reason), status, {}}; };

  if (status == 200) {
    if (!body.is_object()) {
      return std::unexpected(support::not_an_object(request.label));
    }
    const json* code_field = member(body, "code");
    const std::string code = code_field != nullptr && code_field->is_string() ? code_field->get<std::string>() : "";
    if (code == "SUCCESS") {
      return outcome(WriteStatus::done, {});
    }
    if (code == "ERROR") {
      return outcome(WriteStatus::rejected, detail);
    }
    return std::unexpected(support::call_error(ErrorKind::contract, request.label, status,
                                               "answer code is neither SUCCESS nor ERROR", detail));
  }
  if (status == 302) {
    // A vendorId blocked after bursts (coupang.md §2.6): nothing changed, try again later.
    return outcome(WriteStatus::retry_later, support::call_error(ErrorKind::rate_limited, request.label, status,
                                                                 "blocked after too many calls", detail).message);
  }
  if (status == 400) {
    // A bad parameter whose message explains (§2.6): an invalid quantity, an unknown or
    // unapproved vendorItemId. Sending the same again cannot help.
    return outcome(WriteStatus::rejected, detail.empty() ? fmt::format("HTTP 400 for vendorItemId {}", update.option_id) : detail);
  }
  const auto refused = support::refusal(status, "unauthorized (check access_key, secret_key and the clock)",
                                        "forbidden (IP not registered or temporarily blocked)");
  ConnectorError error = support::call_error(refused->kind, request.label, status, refused->what, detail);
  // Throttled or a server error after the client's retries: an absolute quantity is safe to
  // send again. Credentials and a wrong path (404, 405, 410...) fail every update alike.
  if (refused->kind == ErrorKind::rate_limited || refused->kind == ErrorKind::transient) {
    return outcome(WriteStatus::retry_later, std::move(error.message));
  }
  return std::unexpected(std::move(error));
}

Result<std::vector<WriteOutcome>> CoupangConnector::push_stock(std::span<const StockUpdate> updates)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    std::vector<WriteOutcome> outcomes;
    for (const auto& update : updates) {
      if (const std::string why = unsendable(update); !why.empty()) {
        outcomes.push_back({WriteStatus::rejected, why});
        continue;
      }
      auto outcome = put_quantity(update);
      if (!outcome) {
        return std::unexpected(outcome.error());
      }
      outcomes.push_back(std::move(*outcome));
    }
    return outcomes;
  });
}

} // namespace uoms::connectors::coupang
