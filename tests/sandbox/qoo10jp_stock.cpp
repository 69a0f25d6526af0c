// qoo10jp catalogue and stock routes (docs/marketplaces/qoo10jp.md stock section).

#include "stock.hpp"

namespace uoms::sandbox {

std::vector<StockListing> qoo10_listings(const Sandbox& sandbox, const std::string& account)
{
  return default_listings(sandbox, Kind::qoo10jp, account);
}

} // namespace uoms::sandbox
