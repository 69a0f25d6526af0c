// Tracking numbers: the bytes of a courier's CSV file -> tracking::import_csv, into one
// database per process that holds two channels and a few collected orders, so rows reach
// the shipment look-up and the writes. Inputs see what earlier inputs wrote, as a real
// database would. A UsageError (a header without the required columns) is the documented
// refusal; anything else escaping is a crash.
#include "uoms/error.hpp"
#include "uoms/tracking.hpp"

#include "tests/fuzz/fuzz_support.hpp"
#include "tests/support/temp_db.hpp"

namespace {

constexpr const char* k_now = "2026-11-22T00:00:00.000Z";

void collect(uoms::store::Database& db, std::int64_t channel, const std::string& id,
             const std::vector<std::pair<std::string, std::string>>& items)
{
  uoms::Order o;
  o.external_id = id;
  o.status = uoms::OrderStatus::paid;
  o.raw_status = "paid";
  o.currency = "KRW";
  o.raw = "{}";
  for (const auto& [item, box] : items) {
    uoms::OrderItem it;
    it.external_id = item;
    it.shipment_key = box;
    it.quantity = 1;
    it.status = o.status;
    it.raw_status = o.raw_status;
    o.items.push_back(it);
  }
  uoms::store::Orders(db).upsert(channel, o, {.job_id = 1, .now = k_now});
}

// The process's database, made and filled on first use.
uoms::store::Database& database()
{
  static TempDb t("fuzz-tracking");
  static const bool filled = [] {
    const auto cp = t.add_channel("cp", "coupang");
    const auto ss = t.add_channel("ss", "smartstore");
    collect(t.db(), cp, "O-1", {{"i1", "B-1"}, {"i2", "B-2"}});
    collect(t.db(), cp, "O-2", {{"i1", "B-3"}});
    collect(t.db(), ss, "2026112200000001", {{"2026112200000011", "2026112200000011"}});
    return true;
  }();
  (void)filled;
  return t.db();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const bool strict = size % 2 == 1; // both the keep-the-good-rows and the all-or-nothing paths
  try {
    (void)uoms::tracking::import_csv(database(), uoms::fuzz::text(data, size), {"auto", strict, k_now});
  } catch (const uoms::UsageError&) {
  }
  return 0;
}
