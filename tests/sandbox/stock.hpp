#pragma once

// The stock side's memory: each account's listings with their current quantity, and a log of
// every stock write a marketplace route accepted, so tests can assert what was pushed, when
// and how often (GET /__sandbox/stock), and make the marketplace sell on its own
// (POST /__sandbox/stock {"sell": n}) to cover drift. The listings are seeded lazily from the
// account's catalogue (Store::catalogue) by the kind's own stock routes, in that kind's shape.

#include "sandbox.hpp"

#include <functional>

namespace uoms::sandbox {

struct StockListing
{
  Kind kind = Kind::coupang;
  std::string account;
  // The ids the kind's order items carry: Coupang sellerProductId / vendorItemId, Smartstore
  // originProductNo / option id, Shopee item_id / model_id ("0" without variations), Qoo10
  // ItemCode / OptionCode. `option` is empty for a listing without options.
  std::string item;
  std::string option;
  std::string seller_code;
  std::string name;
  std::string option_name;
  long long stock = 0;    // what the marketplace shows as sellable (Shopee seller_stock)
  long long reserved = 0; // Shopee's promotion-reserved stock: total stock may not go below it
  long long price = 0;    // in the account's currency
  std::string expire_date; // Qoo10 yyyy-mm-dd
  bool usable = true;      // Smartstore option usable flag
  std::string status = "SALE"; // the kind's own sale status text
};

struct StockWrite
{
  Kind kind = Kind::coupang;
  std::string account;
  std::string item;
  std::string option;
  long long before = 0;
  long long after = 0;
  std::string call; // e.g. "PUT quantities", "option-stock", "update_stock", "SetGoodsPriceQty"
  TimePoint at{};
};

class StockBook
{
public:
  // Held by a stock route around its read-check-write so concurrent pushes serialise.
  std::unique_lock<std::mutex> serialise() { return std::unique_lock(m_write); }

  // Seeds the account's listings once; later calls do nothing. `make` is the kind's rule
  // for turning catalogue items into listings.
  void seed(Kind kind, const std::string& account, const std::function<std::vector<StockListing>()>& make);

  // Copies. `option` must match exactly ("" for none).
  std::optional<StockListing> find(Kind kind, const std::string& account, const std::string& item,
                                   const std::string& option) const;
  std::vector<StockListing> listings(Kind kind, const std::string& account) const;
  // Replaces the stored listing with the same key; false when unknown.
  bool update(const StockListing& listing);
  // Records an accepted stock write (the listing itself is changed with update()).
  void written(StockWrite write);

  // A sale on the marketplace: the quantity drops by n (not below 0); false when unknown.
  bool sell(Kind kind, const std::string& account, const std::string& item, const std::string& option, long long n);

  // {"listings": [...], "writes": [...]}, filtered by kind/account when set.
  json to_json(std::optional<Kind> kind, const std::string& account) const;

private:
  std::mutex m_write;
  mutable std::mutex m_mutex;
  std::vector<StockListing> m_listings;
  std::vector<std::pair<Kind, std::string>> m_seeded;
  std::vector<StockWrite> m_writes;
};

// One per process, like tracking_ledger().
StockBook& stock_book();

// The default seed: one listing per catalogue entry, stock 100, ids as the kind's orders carry
// them. Kinds refine it (Smartstore groups options under one origin product, Qoo10 sets an
// ExpireDate, Shopee reserves some stock).
std::vector<StockListing> default_listings(const Sandbox& sandbox, Kind kind, const std::string& account);

// Each kind's seed rule, in its <kind>_stock.cpp. PlayAuto has no stock contract to fake.
std::vector<StockListing> coupang_listings(const Sandbox& sandbox, const std::string& account);
std::vector<StockListing> smartstore_listings(const Sandbox& sandbox, const std::string& account);
std::vector<StockListing> shopee_listings(const Sandbox& sandbox, const std::string& account);
std::vector<StockListing> qoo10_listings(const Sandbox& sandbox, const std::string& account);

// Seeds the account's listings with its kind's rule if that has not happened yet. Every
// stock route and the control API call it first.
void ensure_listings(const Sandbox& sandbox, Kind kind, const std::string& account);

// GET/POST /__sandbox/stock; false when `what` is not "stock".
bool handle_stock_control(Sandbox& sandbox, const std::string& what, const httplib::Request& req,
                          httplib::Response& res);

} // namespace uoms::sandbox
