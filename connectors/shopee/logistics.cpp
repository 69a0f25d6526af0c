// Shopee write-back: the seller's own tracking number through the non-integrated logistics
// channel (shopee.md §1.8), read back with get_tracking_number, and orders re-read with
// get_order_detail before an upload.

#include "connectors/shopee/shopee.hpp"

#include "connectors/shopee/internal.hpp"
#include "connectors/support.hpp"
#include "connectors/support/page_orders.hpp"
#include "uoms/carriers.hpp"

#include <fmt/format.h>

namespace uoms::connectors::shopee {

namespace {

using namespace support; // support::json and the shared field readers and helpers

// `order_sn=…` plus `&package_number=…` when the shipment is a package of the order. An
// order without package_list is keyed by its order_sn, and package_number is then left out
// (never sent empty, §1.8).
std::string package_query(const TrackingUpload& upload)
{
  std::string query = "order_sn=" + net::url_encode(upload.order_id);
  if (!upload.shipment_key.empty() && upload.shipment_key != upload.order_id) {
    query += "&package_number=" + net::url_encode(upload.shipment_key);
  }
  return query;
}

std::string package_name(const TrackingUpload& upload)
{
  return upload.shipment_key.empty() || upload.shipment_key == upload.order_id
             ? upload.order_id
             : fmt::format("{} package {}", upload.order_id, upload.shipment_key);
}

// What a refused logistics call means for its package. Throttling and Shopee's own
// server errors leave nothing applied (retry_later); a module or parameter error
// (`logistics.*`, `error_param` such as "Please input a unique tracking number.",
// `error_not_found`) is the marketplace refusing this package (rejected). Anything else
// (the token refused twice, no answer, an unreadable body) is the caller's: nullopt.
std::optional<WriteOutcome> package_outcome(const ConnectorError& error, const std::string& code)
{
  if (error.kind == ErrorKind::rate_limited || (error.kind == ErrorKind::transient && error.http_status != 0)) {
    return WriteOutcome{WriteStatus::retry_later, error.message, error.http_status, error.request_id};
  }
  if (error.kind == ErrorKind::contract && !code.empty()) {
    return WriteOutcome{WriteStatus::rejected, error.message, error.http_status, error.request_id};
  }
  return std::nullopt;
}

// info_needed's keys (shopee.md §1.8): pickup, dropoff, non_integrated.
std::string needed_kinds(const json& info)
{
  std::string out;
  if (info.is_object()) {
    for (const auto& [key, value] : info.items()) {
      out += (out.empty() ? "" : ", ") + key;
    }
  }
  return out.empty() ? std::string("nothing") : out;
}

} // namespace

std::optional<net::Response> ShopeeConnector::dry_run_answer(const net::Request& request) const
{
  std::string_view path = url_path(request.url);
  path = path.substr(0, path.find('?'));
  if (request.method == "GET" || path.ends_with(k_token_get_path) || path.ends_with(k_refresh_path)) {
    return std::nullopt;
  }
  net::Response response;
  response.status = 200;
  response.body = json{{"error", ""}, {"message", ""}, {"request_id", "dry-run"}, {"response", json::object()}}.dump();
  return response;
}

Result<WriteOutcome> ShopeeConnector::ship_package(const TrackingUpload& upload)
{
  if (!carriers::code_for(spec(), upload.carrier)) {
    return WriteOutcome{WriteStatus::rejected, fmt::format("carrier \"{}\" is not a uoms carrier code", upload.carrier)};
  }
  const std::string name = package_name(upload);

  // 1. Which object ship_order needs for this package (§1.8 step 2).
  std::string code;
  auto parameters = shop_call("GET", k_shipping_parameter_path, package_query(upload), {},
                              fmt::format("GET get_shipping_parameter ({})", name), &code);
  if (!parameters) {
    if (auto outcome = package_outcome(parameters.error(), code)) {
      return *outcome;
    }
    // Nothing was sent yet, so even an unanswered read is safe to retry.
    if (parameters.error().kind == ErrorKind::transient) {
      return WriteOutcome{WriteStatus::retry_later, parameters.error().message, 0, {}};
    }
    return std::unexpected(parameters.error());
  }
  const json* info = member(parameters->payload(), "info_needed");
  if (info == nullptr || !info->is_object() || member(*info, "non_integrated") == nullptr) {
    return WriteOutcome{WriteStatus::rejected,
                        fmt::format("{}: the logistics channel does not take a seller's tracking number (info_needed: "
                                    "{}); arrange shipment in Seller Centre",
                                    name, info == nullptr ? std::string("nothing") : needed_kinds(*info)),
                        parameters->status, parameters->request_id};
  }

  // 2. ship_order with exactly one object, non_integrated (§1.8 step 3).
  json body = {{"order_sn", upload.order_id}};
  if (!upload.shipment_key.empty() && upload.shipment_key != upload.order_id) {
    body["package_number"] = upload.shipment_key;
  }
  body["non_integrated"] = {{"tracking_number", upload.tracking_number}};
  code.clear();
  auto shipped = shop_call("POST", k_ship_order_path, {}, body.dump(), fmt::format("POST ship_order ({})", name), &code);
  if (!shipped) {
    if (auto outcome = package_outcome(shipped.error(), code)) {
      return *outcome;
    }
    return std::unexpected(shipped.error());
  }
  return WriteOutcome{WriteStatus::done, {}, shipped->status, shipped->request_id};
}

Result<std::vector<WriteOutcome>> ShopeeConnector::upload_tracking(std::span<const TrackingUpload> uploads)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    std::vector<WriteOutcome> outcomes;
    for (const auto& upload : uploads) {
      auto outcome = ship_package(upload);
      if (!outcome) {
        return std::unexpected(outcome.error());
      }
      outcomes.push_back(std::move(*outcome));
    }
    return outcomes;
  });
}

Result<std::vector<TrackingOnMarketplace>> ShopeeConnector::read_tracking(std::span<const TrackingUpload> uploads)
{
  return guarded<std::vector<TrackingOnMarketplace>>([&]() -> Result<std::vector<TrackingOnMarketplace>> {
    std::vector<TrackingOnMarketplace> held;
    for (const auto& upload : uploads) {
      std::string code;
      auto reply = shop_call("GET", k_tracking_number_path, package_query(upload), {},
                             fmt::format("GET get_tracking_number ({})", package_name(upload)), &code);
      if (!reply) {
        // Shopee refusing the package (unknown, not shipped) means it holds no number.
        if (reply.error().kind == ErrorKind::contract && !code.empty()) {
          held.emplace_back();
          continue;
        }
        return std::unexpected(reply.error());
      }
      TrackingOnMarketplace found;
      found.tracking_number = string_field(reply->payload(), "tracking_number");
      found.found = !found.tracking_number.empty();
      held.push_back(std::move(found));
    }
    return held;
  });
}

Result<std::vector<Order>> ShopeeConnector::refresh_orders(std::span<const std::string> order_ids)
{
  return guarded<std::vector<Order>>([&]() -> Result<std::vector<Order>> {
    std::string request_id;
    auto details = order_details({order_ids.begin(), order_ids.end()}, request_id);
    if (!details) {
      return std::unexpected(details.error());
    }
    // An order that no longer maps is left out, as one the marketplace does not know.
    support::PageOrders orders(support::PageOrders::Fee::sum);
    for (const auto& detail : *details) {
      orders.add(detail, support::id_text(member(detail, "order_sn")), map_order);
    }
    return orders.finish().orders;
  });
}

} // namespace uoms::connectors::shopee
