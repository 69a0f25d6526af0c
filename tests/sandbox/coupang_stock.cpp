// coupang catalogue and stock routes (docs/marketplaces/coupang.md stock section).

#include "stock.hpp"

namespace uoms::sandbox {

std::vector<StockListing> coupang_listings(const Sandbox& sandbox, const std::string& account)
{
  return default_listings(sandbox, Kind::coupang, account);
}

} // namespace uoms::sandbox
