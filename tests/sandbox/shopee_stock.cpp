// shopee catalogue and stock routes (docs/marketplaces/shopee.md stock section).

#include "stock.hpp"

namespace uoms::sandbox {

std::vector<StockListing> shopee_listings(const Sandbox& sandbox, const std::string& account)
{
  return default_listings(sandbox, Kind::shopee, account);
}

} // namespace uoms::sandbox
