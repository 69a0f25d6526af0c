// smartstore catalogue and stock routes (docs/marketplaces/smartstore.md stock section).

#include "stock.hpp"

namespace uoms::sandbox {

std::vector<StockListing> smartstore_listings(const Sandbox& sandbox, const std::string& account)
{
  return default_listings(sandbox, Kind::smartstore, account);
}

} // namespace uoms::sandbox
