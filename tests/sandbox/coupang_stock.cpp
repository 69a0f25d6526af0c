// Coupang's stock change (coupang.md §2.5): PUT …/vendor-items/{vendorItemId}/quantities/{quantity}
// with no body, signed like every other call, answered in the product APIs' {"code","message"}.

#include "stock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace uoms::sandbox {

namespace {

// The contract gives no upper bound; the sandbox calls anything above this absurd (§2.5's
// 400 "유효하지 않은 재고수량입니다." covers it) so a unit mix-up cannot pass unseen.
constexpr long long k_max_quantity = 999999;

void product_answer(httplib::Response& res, int status, const std::string& code, const std::string& message)
{
  // Product APIs answer {"code":"SUCCESS"|"ERROR","message"} (coupang.md §2.5, §2.6).
  res.status = status;
  res.set_content(json{{"code", code}, {"message", message}}.dump(), "application/json;charset=UTF-8");
}

bool digits(const std::string& text, std::size_t max_size)
{
  return !text.empty() && text.size() <= max_size &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

std::vector<StockListing> coupang_listings(const Sandbox& sandbox, const std::string& account)
{
  // One listing per vendor item: item = sellerProductId, option = vendorItemId, as the order
  // sheets carry them (box_json in coupang.cpp); every vendor item of the catalogue is on sale.
  return default_listings(sandbox, Kind::coupang, account);
}

bool handle_coupang_stock(Sandbox& sandbox, const httplib::Request& req, httplib::Response& res, Marketplace& market,
                          const AccountConfig& account)
{
  static const std::regex route(R"(^/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items/([^/]*)/quantities/([^/]*)$)");
  std::smatch m;
  if (!std::regex_match(req.path, m, route)) {
    return false;
  }
  market.endpoint = "coupang.stock_quantities";
  if (req.method != "PUT") {
    gateway_error(market, res, 405, "ERROR", "Method Not Allowed");
    return true;
  }
  if (!req.body.empty()) {
    product_answer(res, 400, "ERROR", "재고 변경 요청에는 본문이 없어야 합니다. (the quantity change takes no body)");
    return true;
  }
  const std::string vendor_item = m[1].str();
  const std::string quantity_text = m[2].str();
  if (!digits(vendor_item, 18)) {
    product_answer(res, 400, "ERROR", fmt::format("유효하지 않은 vendorItemId입니다. ({})", vendor_item));
    return true;
  }
  if (!digits(quantity_text, 7) || std::stoll(quantity_text) > k_max_quantity) {
    product_answer(res, 400, "ERROR", "유효하지 않은 재고수량입니다.");
    return true;
  }
  const long long quantity = std::stoll(quantity_text);

  ensure_listings(sandbox, Kind::coupang, account.id);
  auto guard = stock_book().serialise();
  const auto listings = stock_book().listings(Kind::coupang, account.id);
  const auto found = std::find_if(listings.begin(), listings.end(), [&](const StockListing& l) { return l.option == vendor_item; });
  if (found == listings.end()) {
    // Unknown to this vendor (or not yet approved, §2.5): a bad parameter, 400 (§2.6).
    product_answer(res, 400, "ERROR", fmt::format("존재하지 않는 옵션입니다. (vendorItemId {})", vendor_item));
    return true;
  }
  StockListing listing = *found;
  const long long before = listing.stock;
  listing.stock = quantity;
  stock_book().update(listing);
  stock_book().written({Kind::coupang, account.id, listing.item, listing.option, before, quantity, "PUT quantities", now()});
  product_answer(res, 200, "SUCCESS", "재고 변경을 완료했습니다.");
  return true;
}

} // namespace uoms::sandbox
