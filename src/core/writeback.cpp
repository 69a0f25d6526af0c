#include "uoms/writeback.hpp"

#include "uoms/write_once.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace uoms::writeback {

namespace {

using connectors::ConnectorError;
using connectors::ErrorKind;
using connectors::WriteOutcome;
using connectors::WriteStatus;

// Runs `call` over consecutive batches of at most `size` requests and turns each answer
// (one value per request, or an error for the whole batch) into results by `to_result`.
template <typename Request, typename Call, typename ToResult>
std::vector<Answer> in_batches(std::span<const Request> requests, int size, std::string_view what, Call&& call,
                               ToResult&& to_result)
{
  std::vector<Answer> results;
  results.reserve(requests.size());
  if (size <= 0) {
    const ConnectorError error{ErrorKind::unsupported, fmt::format("{} is not supported by this kind", what)};
    for (std::size_t i = 0; i < requests.size(); ++i) {
      results.push_back({WriteOutcome{WriteStatus::rejected, error.message}, std::nullopt});
    }
    return results;
  }
  for (std::size_t first = 0; first < requests.size(); first += static_cast<std::size_t>(size)) {
    const auto batch = requests.subspan(first, std::min(requests.size() - first, static_cast<std::size_t>(size)));
    auto answer = call(batch);
    if (answer && answer->size() != batch.size()) {
      answer = std::unexpected(ConnectorError{
        ErrorKind::contract,
        fmt::format("{}: {} answers for {} requests", what, answer->size(), batch.size())});
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (answer) {
        results.push_back(to_result(batch[i], (*answer)[i]));
      } else {
        results.push_back({std::nullopt, answer.error()});
      }
    }
  }
  return results;
}

Answer as_is(const auto&, const WriteOutcome& outcome)
{
  return {outcome, std::nullopt};
}

} // namespace

std::vector<Answer> upload_tracking(connectors::Connector& connector,
                                    std::span<const connectors::TrackingUpload> uploads)
{
  return in_batches(
    uploads, connector.capabilities().tracking_batch, "tracking upload",
    [&](auto batch) {
      // A number that may have arrived is read back (settle_tracking), never sent again.
      const net::WriteOnce once;
      return connector.upload_tracking(batch);
    },
    [](const auto& r, const auto& o) { return as_is(r, o); });
}

std::vector<Answer> correct_tracking(connectors::Connector& connector,
                                     std::span<const connectors::TrackingCorrection> corrections)
{
  auto answers = in_batches(
    corrections, connector.capabilities().tracking_batch, "tracking correction",
    [&](auto batch) {
      const net::WriteOnce once;
      return connector.correct_tracking(batch);
    },
    [](const auto& r, const auto& o) { return as_is(r, o); });
  // A kind without the call sent nothing: a refusal, not an unknown outcome.
  for (auto& a : answers) {
    if (a.error && a.error->kind == ErrorKind::unsupported) a = {WriteOutcome{WriteStatus::rejected, a.error->message}, std::nullopt};
  }
  return answers;
}

namespace {

// Runs `call` with the connector's writes recorded; stops recording however `call` ends.
template <typename Call>
DryRun recording(connectors::Connector& connector, Call&& call)
{
  DryRun out;
  if (!connector.record_writes(&out.requests)) return out;
  struct Stop
  {
    connectors::Connector& connector;
    ~Stop() { connector.record_writes(nullptr); }
  } stop{connector};
  out.recorded = true;
  out.answers = call();
  return out;
}

} // namespace

DryRun plan_upload(connectors::Connector& connector, std::span<const connectors::TrackingUpload> uploads)
{
  return recording(connector, [&] { return upload_tracking(connector, uploads); });
}

DryRun plan_correction(connectors::Connector& connector, std::span<const connectors::TrackingCorrection> corrections)
{
  return recording(connector, [&] { return correct_tracking(connector, corrections); });
}

std::vector<Answer> push_stock(connectors::Connector& connector, std::span<const connectors::StockUpdate> updates)
{
  return in_batches(
    updates, connector.capabilities().stock_batch, "stock push",
    [&](auto batch) { return connector.push_stock(batch); }, [](const auto& r, const auto& o) { return as_is(r, o); });
}

std::vector<Answer> settle_tracking(connectors::Connector& connector,
                                    std::span<const connectors::TrackingUpload> uploads)
{
  return in_batches(
    uploads, connector.capabilities().tracking_batch, "tracking read-back",
    [&](auto batch) { return connector.read_tracking(batch); },
    [](const connectors::TrackingUpload& upload, const connectors::TrackingOnMarketplace& held) -> Answer {
      if (!held.found) {
        return {WriteOutcome{WriteStatus::retry_later, "the marketplace holds no tracking number yet"}, std::nullopt};
      }
      if (held.tracking_number == upload.tracking_number) {
        return {WriteOutcome{WriteStatus::already_there}, std::nullopt};
      }
      return {WriteOutcome{WriteStatus::rejected,
                           fmt::format("the marketplace holds another tracking number ({} {})", held.carrier,
                                       held.tracking_number)},
              std::nullopt};
    });
}

std::vector<Answer> settle_correction(connectors::Connector& connector,
                                      std::span<const connectors::TrackingCorrection> corrections)
{
  return in_batches(
    corrections, connector.capabilities().tracking_batch, "tracking read-back",
    [&](auto batch) {
      std::vector<connectors::TrackingUpload> uploads;
      for (const auto& c : batch) uploads.push_back(c.upload);
      return connector.read_tracking(uploads);
    },
    [](const connectors::TrackingCorrection& c, const connectors::TrackingOnMarketplace& held) -> Answer {
      if (held.found && held.tracking_number == c.upload.tracking_number) {
        return {WriteOutcome{WriteStatus::already_there}, std::nullopt};
      }
      if (held.found && held.tracking_number == c.held_number) {
        return {WriteOutcome{WriteStatus::retry_later, "the marketplace still holds the old number " + c.held_number},
                std::nullopt};
      }
      return {WriteOutcome{WriteStatus::rejected,
                           held.found ? fmt::format("the marketplace holds another tracking number ({} {})",
                                                    held.carrier, held.tracking_number)
                                      : std::string("the marketplace holds no tracking number")},
              std::nullopt};
    });
}

std::vector<Answer> settle_stock(connectors::Connector& connector, std::span<const connectors::StockUpdate> updates)
{
  return in_batches(
    updates, connector.capabilities().stock_batch, "stock read-back",
    [&](auto batch) { return connector.read_stock(batch); },
    [](const connectors::StockUpdate& update, const connectors::StockOnMarketplace& held) -> Answer {
      if (held.found && held.quantity == update.quantity) {
        return {WriteOutcome{WriteStatus::already_there}, std::nullopt};
      }
      return {WriteOutcome{WriteStatus::retry_later,
                           held.found ? fmt::format("the marketplace shows {}", held.quantity)
                                      : std::string("the marketplace does not show this listing")},
              std::nullopt};
    });
}

} // namespace uoms::writeback

namespace uoms::connectors {

std::string_view to_string(WriteStatus status)
{
  switch (status) {
  case WriteStatus::done: return "done";
  case WriteStatus::already_there: return "already_there";
  case WriteStatus::rejected: return "rejected";
  case WriteStatus::retry_later: return "retry_later";
  }
  return "retry_later";
}

} // namespace uoms::connectors
