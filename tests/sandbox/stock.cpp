#include "stock.hpp"

#include "tracking.hpp"

#include <algorithm>

namespace uoms::sandbox {

namespace {

bool same(const StockListing& l, Kind kind, const std::string& account, const std::string& item,
          const std::string& option)
{
  return l.kind == kind && l.account == account && l.item == item && l.option == option;
}

json listing_json(const StockListing& l)
{
  return {{"kind", kind_name(l.kind)}, {"account", l.account},   {"item", l.item},
          {"option", l.option},        {"seller_code", l.seller_code}, {"name", l.name},
          {"option_name", l.option_name}, {"stock", l.stock},     {"reserved", l.reserved},
          {"price", l.price},          {"expire_date", l.expire_date}, {"usable", l.usable},
          {"status", l.status}};
}

void send(httplib::Response& res, int status, const json& body)
{
  res.status = status;
  res.set_content(body.dump(2), "application/json;charset=UTF-8");
}

} // namespace

void StockBook::seed(Kind kind, const std::string& account, const std::function<std::vector<StockListing>()>& make)
{
  {
    std::lock_guard lock(m_mutex);
    if (std::ranges::find(m_seeded, std::pair(kind, account)) != m_seeded.end()) {
      return;
    }
  }
  std::vector<StockListing> made = make(); // outside the lock: make may read the Store
  std::lock_guard lock(m_mutex);
  if (std::ranges::find(m_seeded, std::pair(kind, account)) != m_seeded.end()) {
    return;
  }
  m_seeded.emplace_back(kind, account);
  for (auto& l : made) {
    m_listings.push_back(std::move(l));
  }
}

std::optional<StockListing> StockBook::find(Kind kind, const std::string& account, const std::string& item,
                                            const std::string& option) const
{
  std::lock_guard lock(m_mutex);
  for (const auto& l : m_listings) {
    if (same(l, kind, account, item, option)) {
      return l;
    }
  }
  return std::nullopt;
}

std::vector<StockListing> StockBook::listings(Kind kind, const std::string& account) const
{
  std::lock_guard lock(m_mutex);
  std::vector<StockListing> out;
  for (const auto& l : m_listings) {
    if (l.kind == kind && l.account == account) {
      out.push_back(l);
    }
  }
  return out;
}

bool StockBook::update(const StockListing& listing)
{
  std::lock_guard lock(m_mutex);
  for (auto& l : m_listings) {
    if (same(l, listing.kind, listing.account, listing.item, listing.option)) {
      l = listing;
      return true;
    }
  }
  return false;
}

void StockBook::written(StockWrite write)
{
  std::lock_guard lock(m_mutex);
  m_writes.push_back(std::move(write));
}

bool StockBook::sell(Kind kind, const std::string& account, const std::string& item, const std::string& option,
                     long long n)
{
  std::lock_guard lock(m_mutex);
  for (auto& l : m_listings) {
    if (same(l, kind, account, item, option)) {
      l.stock = std::max(0LL, l.stock - n);
      return true;
    }
  }
  return false;
}

json StockBook::to_json(std::optional<Kind> kind, const std::string& account) const
{
  std::lock_guard lock(m_mutex);
  json listings = json::array();
  for (const auto& l : m_listings) {
    if ((!kind || l.kind == *kind) && (account.empty() || l.account == account)) {
      listings.push_back(listing_json(l));
    }
  }
  json writes = json::array();
  for (const auto& w : m_writes) {
    if ((!kind || w.kind == *kind) && (account.empty() || w.account == account)) {
      writes.push_back({{"kind", kind_name(w.kind)},
                        {"account", w.account},
                        {"item", w.item},
                        {"option", w.option},
                        {"before", w.before},
                        {"after", w.after},
                        {"call", w.call},
                        {"at", format_time(w.at, std::chrono::minutes{0}, "%Y-%m-%dT%H:%M:%S.%LZ")}});
    }
  }
  return {{"listings", listings}, {"writes", writes}};
}

StockBook& stock_book()
{
  static StockBook book;
  return book;
}

std::vector<StockListing> default_listings(const Sandbox& sandbox, Kind kind, const std::string& account)
{
  std::vector<StockListing> out;
  for (const Item& item : sandbox.store.catalogue(account)) {
    StockListing l;
    l.kind = kind;
    l.account = account;
    switch (kind) {
    case Kind::coupang:
      l.item = std::to_string(item.seller_product_id);
      l.option = std::to_string(item.vendor_item_id);
      break;
    case Kind::shopee:
      l.item = std::to_string(item.product_id);
      l.option = std::to_string(item.vendor_item_id);
      break;
    default:
      l.item = std::to_string(item.product_id);
      l.option = item.option_name.empty() ? std::string() : std::to_string(item.vendor_item_id);
      break;
    }
    l.seller_code = item.sku;
    l.name = item.product_name;
    l.option_name = item.option_name;
    l.stock = 100;
    l.price = item.unit_price;
    out.push_back(std::move(l));
  }
  return out;
}

void ensure_listings(const Sandbox& sandbox, Kind kind, const std::string& account)
{
  stock_book().seed(kind, account, [&] {
    switch (kind) {
    case Kind::coupang: return coupang_listings(sandbox, account);
    case Kind::smartstore: return smartstore_listings(sandbox, account);
    case Kind::shopee: return shopee_listings(sandbox, account);
    case Kind::qoo10jp: return qoo10_listings(sandbox, account);
    case Kind::playauto: return std::vector<StockListing>{};
    }
    return std::vector<StockListing>{};
  });
}

bool handle_stock_control(Sandbox& sandbox, const std::string& what, const httplib::Request& req,
                          httplib::Response& res)
{
  if (what != "stock") {
    return false;
  }
  // GET ?kind=&account=: the listings and every accepted write. POST {"kind","account",
  // "item","option"?, "sell": n | "set": n}: the marketplace changing stock on its own.
  if (req.method == "GET") {
    const std::string kind_text = req.get_param_value("kind");
    const auto kind = kind_from_name(kind_text);
    if (!kind_text.empty() && !kind) {
      send(res, 400, {{"error", "unknown kind " + kind_text}});
      return true;
    }
    for (const auto& a : sandbox.config.accounts) {
      if ((!kind || a.kind == *kind) && (req.get_param_value("account").empty() || a.id == req.get_param_value("account"))) {
        ensure_listings(sandbox, a.kind, a.id);
      }
    }
    send(res, 200, stock_book().to_json(kind, req.get_param_value("account")));
    return true;
  }
  if (req.method != "POST") {
    send(res, 405, {{"error", "GET or POST"}});
    return true;
  }
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    send(res, 400, {{"error", "the body must be a JSON object"}});
    return true;
  }
  const auto kind = kind_from_name(body.value("kind", ""));
  const std::string account = body.value("account", "");
  if (!kind || sandbox.account(*kind, account) == nullptr) {
    send(res, 404, {{"error", "unknown kind/account"}});
    return true;
  }
  ensure_listings(sandbox, *kind, account);
  const std::string item = body.value("item", "");
  const std::string option = body.value("option", "");
  auto guard = stock_book().serialise();
  auto listing = stock_book().find(*kind, account, item, option);
  if (!listing) {
    send(res, 404, {{"error", "unknown listing " + item + "/" + option}});
    return true;
  }
  if (body.contains("sell")) {
    stock_book().sell(*kind, account, item, option, body["sell"].get<long long>());
  } else if (body.contains("set")) {
    listing->stock = body["set"].get<long long>();
    stock_book().update(*listing);
  } else {
    send(res, 400, {{"error", "stock needs \"sell\" or \"set\""}});
    return true;
  }
  send(res, 200, listing_json(*stock_book().find(*kind, account, item, option)));
  return true;
}

} // namespace uoms::sandbox
