// The upload side's memory (GET /__sandbox/tracking) and the buyer's cancel
// (POST /__sandbox/cancel) for Shopee, PlayAuto and Qoo10.

#include "tracking.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace uoms::sandbox {

void TrackingLedger::add(AcceptedTracking accepted)
{
  std::lock_guard lock(m_mutex);
  m_accepted.push_back(std::move(accepted));
}

std::optional<AcceptedTracking> TrackingLedger::latest(Kind kind, const std::string& account,
                                                       const std::string& shipment) const
{
  std::lock_guard lock(m_mutex);
  for (auto it = m_accepted.rbegin(); it != m_accepted.rend(); ++it) {
    if (it->kind == kind && it->account == account && it->shipment == shipment) {
      return *it;
    }
  }
  return std::nullopt;
}

bool TrackingLedger::number_used(Kind kind, const std::string& account, const std::string& number) const
{
  std::lock_guard lock(m_mutex);
  return std::any_of(m_accepted.begin(), m_accepted.end(), [&](const AcceptedTracking& a) {
    return a.kind == kind && a.account == account && a.number == number;
  });
}

json TrackingLedger::list(std::optional<Kind> kind, const std::string& account) const
{
  std::lock_guard lock(m_mutex);
  json out = json::array();
  for (const auto& a : m_accepted) {
    if ((kind && a.kind != *kind) || (!account.empty() && a.account != account)) {
      continue;
    }
    out.push_back({{"kind", kind_name(a.kind)},
                   {"account", a.account},
                   {"order", a.order},
                   {"shipment", a.shipment},
                   {"carrier", a.carrier},
                   {"number", a.number},
                   {"at", format_time(a.at, std::chrono::minutes{0}, "%Y-%m-%dT%H:%M:%S.%LZ")}});
  }
  return out;
}

void TrackingLedger::parameters_read(const std::string& account, const std::string& order_sn)
{
  std::lock_guard lock(m_mutex);
  m_parameters.emplace(account, order_sn);
}

bool TrackingLedger::parameters_were_read(const std::string& account, const std::string& order_sn) const
{
  std::lock_guard lock(m_mutex);
  return m_parameters.contains({account, order_sn});
}

TrackingLedger& tracking_ledger()
{
  static TrackingLedger ledger;
  return ledger;
}

std::optional<Kind> kind_from_name(const std::string& name)
{
  for (const Kind kind : {Kind::coupang, Kind::smartstore, Kind::shopee, Kind::qoo10jp, Kind::playauto}) {
    if (kind_name(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

namespace {

// Statuses past which a buyer can no longer cancel (the parcel left; that is a return).
bool past_cancel(Kind kind, const std::string& status)
{
  static const std::vector<std::string> k_shopee{"SHIPPED",   "TO_CONFIRM_RECEIVE", "COMPLETED",
                                                 "TO_RETURN", "CANCELLED"};
  static const std::vector<std::string> k_playauto{"출고완료", "배송중",   "배송완료", "구매결정", "취소완료",
                                                   "반품요청", "반품접수", "반품완료", "교환요청", "교환완료"};
  static const std::vector<std::string> k_qoo10{"4", "5", "cancelled"};
  const auto& list = kind == Kind::shopee ? k_shopee : kind == Kind::playauto ? k_playauto : k_qoo10;
  return std::find(list.begin(), list.end(), status) != list.end();
}

} // namespace

json cancel_order(Sandbox& sandbox, const json& body)
{
  const std::optional<Kind> kind = kind_from_name(body.value("kind", ""));
  if (!kind || (*kind != Kind::shopee && *kind != Kind::playauto && *kind != Kind::qoo10jp)) {
    throw std::invalid_argument("cancel needs \"kind\": shopee, playauto or qoo10jp");
  }
  const json& order_field = body.value("order", json());
  const std::string order = order_field.is_string()          ? order_field.get<std::string>()
                            : order_field.is_number_integer() ? std::to_string(order_field.get<long long>())
                                                              : std::string();
  if (order.empty()) {
    throw std::invalid_argument("cancel needs \"order\": order_sn, bundle_no or packNo");
  }
  const std::string stage = body.value("stage", "request");
  if (stage != "request" && stage != "done") {
    throw std::invalid_argument("stage must be \"request\" or \"done\"");
  }
  std::string account = body.value("account", "");
  if (account.empty()) {
    for (const auto& a : sandbox.config.accounts) {
      if (a.kind == *kind) {
        account = a.id;
        break;
      }
    }
  }
  if (sandbox.account(*kind, account) == nullptr) {
    throw std::invalid_argument(fmt::format("unknown {} account {}", kind_name(*kind), account));
  }
  // The upload routes check and change orders under this lock; a cancel is one more change.
  auto lock = tracking_ledger().serialise();
  std::optional<Order> found;
  for (auto& o : sandbox.store.orders(account)) {
    const bool match = *kind == Kind::shopee     ? o.order_sn == order
                       : *kind == Kind::playauto ? o.bundle_no == order
                                                 : std::to_string(o.pack_no) == order;
    if (match) {
      found = std::move(o);
      break;
    }
  }
  if (!found) {
    throw std::out_of_range(fmt::format("unknown {} order {}", kind_name(*kind), order));
  }
  const std::string current = *kind == Kind::shopee ? found->status : found->items.front().status;
  if (past_cancel(*kind, current)) {
    throw std::logic_error(fmt::format("{} order {} is {}: past the point a buyer can cancel", kind_name(*kind), order,
                                       current));
  }
  // Shopee IN_CANCEL / CANCELLED and PlayAuto 취소요청 / 취소완료 (their own vocabularies).
  // Qoo10's contract has no cancelled ShippingStat (qoo10jp.md §2.3): a cancelled line leaves
  // every status of GetShippingInfo_v2 and SetSendingInfo refuses it; both stages do that.
  const std::string status = *kind == Kind::shopee     ? (stage == "request" ? "IN_CANCEL" : "CANCELLED")
                             : *kind == Kind::playauto ? (stage == "request" ? "취소요청" : "취소완료")
                                                       : "cancelled";
  return sandbox.store.mutate(account, std::nullopt, {order}, status);
}

} // namespace uoms::sandbox
