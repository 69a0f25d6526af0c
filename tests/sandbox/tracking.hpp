#pragma once

// The upload side's memory: every tracking number a marketplace route accepted, per kind and
// account, so tests can assert that each number arrived exactly once (GET /__sandbox/tracking)
// and the collect routes can show what was uploaded. Kept apart from Store so the upload
// routes of each kind add state without changing the generated orders' shape.

#include "sandbox.hpp"

#include <set>
#include <tuple>

namespace uoms::sandbox {

struct AcceptedTracking
{
  Kind kind = Kind::shopee;
  std::string account;
  std::string order;    // Shopee order_sn, PlayAuto bundle_no, Qoo10 packNo
  std::string shipment; // Shopee package_number, PlayAuto bundle_no, Qoo10 OrderNo
  std::string carrier;  // as the marketplace was told: PlayAuto carr_no, Qoo10 ShippingCorp, Shopee ""
  std::string number;
  TimePoint at{};
};

class TrackingLedger
{
public:
  // Held by an upload route around its check-and-set (read the order, check, change it,
  // remember the number), so two concurrent uploads of one order cannot both pass the check.
  std::unique_lock<std::mutex> serialise() { return std::unique_lock(m_write); }

  void add(AcceptedTracking accepted);
  // The latest number accepted for a shipment, if any.
  std::optional<AcceptedTracking> latest(Kind kind, const std::string& account, const std::string& shipment) const;
  // Whether another shipment of the account already holds `number` (Shopee wants unique numbers).
  bool number_used(Kind kind, const std::string& account, const std::string& number) const;
  // [{kind, account, order, shipment, carrier, number, at}] in acceptance order; filters when set.
  json list(std::optional<Kind> kind, const std::string& account) const;

  // Shopee: ship_order needs a get_shipping_parameter of the same order first (shopee.md §1.8).
  void parameters_read(const std::string& account, const std::string& order_sn);
  bool parameters_were_read(const std::string& account, const std::string& order_sn) const;

private:
  std::mutex m_write;
  mutable std::mutex m_mutex;
  std::vector<AcceptedTracking> m_accepted;
  std::set<std::pair<std::string, std::string>> m_parameters;
};

// One per process, like served_ids().
TrackingLedger& tracking_ledger();

// "coupang" … "playauto" → Kind; nullopt for anything else.
std::optional<Kind> kind_from_name(const std::string& name);

// POST /__sandbox/cancel {"kind", "order", "account"?, "stage"?: "request" | "done"}: a buyer
// cancelling between collect and upload, in the kind's own statuses. Returns the touched
// canonical rows; throws std::invalid_argument on a bad body or unknown order.
json cancel_order(Sandbox& sandbox, const json& body);

} // namespace uoms::sandbox
