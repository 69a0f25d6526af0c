// Products: the bytes of a products CSV file -> stock::import_products, into one database
// per process that holds a channel with unmapped listings, so new SKUs map them. Inputs
// see what earlier inputs wrote, as a real database would. A UsageError (a header without
// sku) is the documented refusal; anything else escaping is a crash.
#include "uoms/error.hpp"
#include "uoms/stock.hpp"

#include "tests/fuzz/fuzz_support.hpp"
#include "tests/support/temp_db.hpp"

namespace {

constexpr const char* k_now = "2026-11-22T00:00:00.000Z";

// The process's database, made on first use.
uoms::store::Database& database()
{
  static TempDb t("fuzz-products");
  static const bool filled = [] {
    t.add_channel("cp", "coupang");
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
    (void)uoms::stock::import_products(database(), uoms::fuzz::text(data, size), {"auto", strict, k_now});
  } catch (const uoms::UsageError&) {
  }
  return 0;
}
