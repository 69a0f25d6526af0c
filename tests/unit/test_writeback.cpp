#include "uoms/writeback.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace uoms::connectors;
using uoms::writeback::Answer;

namespace {

// A marketplace in memory: takes tracking numbers per shipment, refuses cancelled
// orders, and can be told to fail a call whole or to answer short.
class FakeMarketplace : public Connector
{
public:
  Capabilities caps;
  std::map<std::string, std::string> held; // shipment -> tracking number
  std::map<std::string, int> stock;        // listing -> quantity
  std::vector<std::size_t> calls;          // batch sizes seen
  bool fail_calls = false;
  bool short_answer = false;

  const Capabilities& capabilities() const override { return caps; }
  uoms::connectors::Result<Page> fetch_orders(const Window&, const std::string&) override { return Page{}; }
  uoms::connectors::Result<std::string> check() override { return std::string("ok"); }

  uoms::connectors::Result<std::vector<WriteOutcome>> upload_tracking(std::span<const TrackingUpload> uploads) override
  {
    calls.push_back(uploads.size());
    if (fail_calls) return std::unexpected(ConnectorError{ErrorKind::transient, "timed out", 0, "req-9"});
    std::vector<WriteOutcome> out;
    for (const auto& u : uploads) {
      if (u.order_id == "cancelled") {
        out.push_back({WriteStatus::rejected, "order is cancelled"});
      } else if (held.count(u.shipment_key)) {
        out.push_back({WriteStatus::already_there});
      } else {
        held[u.shipment_key] = u.tracking_number;
        out.push_back({WriteStatus::done});
      }
    }
    if (short_answer) out.pop_back();
    return out;
  }

  uoms::connectors::Result<std::vector<TrackingOnMarketplace>> read_tracking(std::span<const TrackingUpload> uploads) override
  {
    calls.push_back(uploads.size());
    std::vector<TrackingOnMarketplace> out;
    for (const auto& u : uploads) {
      auto it = held.find(u.shipment_key);
      out.push_back(it == held.end() ? TrackingOnMarketplace{} : TrackingOnMarketplace{true, "CJ", it->second});
    }
    return out;
  }

  uoms::connectors::Result<std::vector<StockOnMarketplace>> read_stock(std::span<const StockUpdate> updates) override
  {
    std::vector<StockOnMarketplace> out;
    for (const auto& u : updates) {
      auto it = stock.find(u.listing_id);
      out.push_back(it == stock.end() ? StockOnMarketplace{} : StockOnMarketplace{true, it->second});
    }
    return out;
  }
};

std::vector<TrackingUpload> uploads(int n)
{
  std::vector<TrackingUpload> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({"O-" + std::to_string(i), "box-" + std::to_string(i), {"1"}, "CJ", "6000" + std::to_string(i)});
  }
  return out;
}

WriteStatus status(const Answer& r)
{
  REQUIRE(r.outcome);
  return r.outcome->status;
}

} // namespace

TEST_CASE("writeback::upload_tracking")
{
  FakeMarketplace m;
  m.caps.tracking_batch = 3;

  SUBCASE("batches of the connector's size, one outcome per request in order")
  {
    auto all = uploads(7);
    all[4].order_id = "cancelled";
    m.held["box-5"] = "60005";
    auto results = uoms::writeback::upload_tracking(m, all);
    CHECK(m.calls == std::vector<std::size_t>{3, 3, 1});
    REQUIRE(results.size() == 7);
    CHECK(status(results[0]) == WriteStatus::done);
    CHECK(status(results[4]) == WriteStatus::rejected);
    CHECK(results[4].outcome->reason == "order is cancelled");
    CHECK(status(results[5]) == WriteStatus::already_there);
    CHECK(m.held.size() == 6);
  }

  SUBCASE("a kind that cannot upload rejects everything before any call")
  {
    m.caps.tracking_batch = 0;
    auto results = uoms::writeback::upload_tracking(m, uploads(2));
    CHECK(m.calls.empty());
    REQUIRE(results.size() == 2);
    CHECK(status(results[1]) == WriteStatus::rejected);
    CHECK(results[1].outcome->reason == "tracking upload is not supported by this kind");
  }

  SUBCASE("a failed call leaves its whole batch unknown, with the error")
  {
    m.fail_calls = true;
    auto results = uoms::writeback::upload_tracking(m, uploads(4));
    REQUIRE(results.size() == 4);
    for (const auto& r : results) {
      CHECK_FALSE(r.outcome);
      REQUIRE(r.error);
      CHECK(r.error->message == "timed out");
      CHECK(r.error->request_id == "req-9");
    }
  }

  SUBCASE("an answer of the wrong length is a broken contract: the batch is unknown")
  {
    m.short_answer = true;
    auto results = uoms::writeback::upload_tracking(m, uploads(2));
    REQUIRE(results.size() == 2);
    CHECK_FALSE(results[0].outcome);
    CHECK(results[0].error->kind == ErrorKind::contract);
    CHECK(results[0].error->message == "tracking upload: 1 answers for 2 requests");
  }
}

TEST_CASE("writeback::settle_tracking reads back instead of sending again")
{
  FakeMarketplace m;
  m.caps.tracking_batch = 50;
  auto all = uploads(3);
  m.held["box-0"] = "60000";   // our number arrived before the crash
  m.held["box-1"] = "99999";   // someone else's number
  auto results = uoms::writeback::settle_tracking(m, all);
  REQUIRE(results.size() == 3);
  CHECK(status(results[0]) == WriteStatus::already_there);
  CHECK(status(results[1]) == WriteStatus::rejected);
  CHECK(results[1].outcome->reason == "the marketplace holds another tracking number (CJ 99999)");
  CHECK(status(results[2]) == WriteStatus::retry_later);
  CHECK(m.held.size() == 2); // nothing was sent
}

TEST_CASE("writeback::push_stock and settle_stock")
{
  FakeMarketplace m;
  m.caps.stock_batch = 2;
  std::vector<StockUpdate> updates = {{"L-1", "", "TEA", 5}, {"L-2", "", "MUG", 0}, {"L-3", "", "CUP", 7}};

  SUBCASE("a connector without a stock push says so per request")
  {
    auto results = uoms::writeback::push_stock(m, updates);
    REQUIRE(results.size() == 3);
    CHECK_FALSE(results[0].outcome);
    CHECK(results[0].error->kind == ErrorKind::unsupported);
  }

  SUBCASE("settled by the quantity the marketplace shows")
  {
    m.stock = {{"L-1", 5}, {"L-2", 3}};
    auto results = uoms::writeback::settle_stock(m, updates);
    REQUIRE(results.size() == 3);
    CHECK(status(results[0]) == WriteStatus::already_there);
    CHECK(status(results[1]) == WriteStatus::retry_later);
    CHECK(results[1].outcome->reason == "the marketplace shows 3");
    CHECK(status(results[2]) == WriteStatus::retry_later);
    CHECK(results[2].outcome->reason == "the marketplace does not show this listing");
  }
}

TEST_CASE("connectors::to_string(WriteStatus)")
{
  CHECK(to_string(WriteStatus::done) == "done");
  CHECK(to_string(WriteStatus::already_there) == "already_there");
  CHECK(to_string(WriteStatus::rejected) == "rejected");
  CHECK(to_string(WriteStatus::retry_later) == "retry_later");
}
