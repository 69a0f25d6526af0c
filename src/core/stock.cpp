#include "uoms/stock.hpp"

#include "connectors/csv/parser.hpp"
#include "uoms/error.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>

namespace uoms::stock {

namespace {

enum Column { k_sku, k_name, k_on_hand, k_buffer, k_columns };

const std::vector<std::vector<std::string_view>> k_headers = {
  {"sku", "상품코드", "자체상품코드", "판매자상품코드"},
  {"name", "상품명"},
  {"on_hand", "stock", "재고", "재고수량"},
  {"safety_buffer", "buffer", "안전재고"},
};

std::optional<Column> column_of(std::string_view header)
{
  const auto c = util::column_named(header, k_headers);
  return c ? std::optional(static_cast<Column>(*c)) : std::nullopt;
}

// A whole number in [low, high], or nullopt (commas as thousands separators accepted).
std::optional<std::int64_t> whole_number(std::string_view text, std::int64_t low, std::int64_t high)
{
  std::string digits;
  for (char c : util::trim(text)) {
    if (c != ',') digits += c;
  }
  if (!digits.empty() && digits.front() == '+') digits.erase(0, 1);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value < low || value > high) {
    return std::nullopt;
  }
  return value;
}

// A SKU is the seller's code: 1 to 100 printable characters, no surrounding space.
std::string check_sku(std::string_view text)
{
  const auto sku = util::trim(text);
  if (sku.empty() || sku.size() > 100) return {};
  for (unsigned char c : sku) {
    if (c < 0x20 || c == 0x7f) return {};
  }
  return std::string(sku);
}

// Maps the listings waiting for this SKU and applies their collected items.
void map_waiting(store::Database& db, const store::ProductRow& product, std::string_view now, int& mapped,
                 std::vector<store::Oversold>& oversold)
{
  store::Listings listings(db);
  store::Ledger ledger(db);
  for (const auto id : listings.automap(product.id, product.sku, now)) {
    ++mapped;
    for (auto& o : ledger.apply_listing(id, 0, now)) oversold.push_back(std::move(o));
  }
}

void check_input(const store::ProductInput& input)
{
  if (check_sku(input.sku).empty()) {
    throw UsageError(fmt::format("SKU \"{}\" must be 1 to 100 printable characters", input.sku));
  }
  if (input.on_hand && (*input.on_hand < 0 || *input.on_hand > k_max_on_hand)) {
    throw UsageError(fmt::format("on hand {} is outside 0 to {}", *input.on_hand, k_max_on_hand));
  }
  if (input.safety_buffer && (*input.safety_buffer < 0 || *input.safety_buffer > k_max_buffer)) {
    throw UsageError(fmt::format("safety buffer {} is outside 0 to {}", *input.safety_buffer, k_max_buffer));
  }
}

std::int64_t channel_id(store::Database& db, std::string_view channel)
{
  auto row = store::Channels(db).find(channel);
  if (!row) throw UsageError(fmt::format("no channel named \"{}\" (see `uoms channels list`)", channel));
  return row->id;
}

} // namespace

ImportResult import_products(store::Database& db, std::string_view bytes, const ImportOptions& options)
{
  using connectors::csv::decode;
  using connectors::csv::parse_encoding;
  const auto encoding = parse_encoding(options.encoding);
  if (!encoding) throw UsageError(fmt::format("unknown encoding \"{}\" (auto, utf-8 or cp949)", options.encoding));
  const auto text = decode(bytes, *encoding);
  if (!text) throw UsageError("the file is " + text.error());
  const auto records = connectors::csv::parse_records(*text, ',');
  if (records.empty()) throw UsageError("the file is empty: it needs a header row sku,name,on_hand");
  std::vector<std::optional<std::size_t>> at(k_columns);
  for (std::size_t i = 0; i < records[0].fields.size(); ++i) {
    if (auto c = column_of(records[0].fields[i]); c && !at[*c]) at[*c] = i;
  }
  if (!at[k_sku]) throw UsageError("line 1: no \"sku\" column (the header needs sku,name,on_hand; safety_buffer is optional)");

  ImportResult result;
  store::Products products(db);
  std::map<std::string, int> seen; // sku -> line
  store::Database::Transaction tx(db);
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& record = records[r];
    auto field = [&](Column c) -> std::string {
      if (!at[c] || *at[c] >= record.fields.size()) return {};
      return std::string(util::trim(record.fields[*at[c]]));
    };
    if (record.fields.size() == 1 && util::trim(record.fields[0]).empty()) continue; // a blank line
    ++result.rows;
    auto refuse = [&](std::string message) { result.problems.push_back({record.line, std::move(message)}); };
    if (!record.error.empty()) {
      refuse(record.error);
      continue;
    }
    store::ProductInput input;
    input.sku = check_sku(field(k_sku));
    if (input.sku.empty()) {
      refuse(fmt::format("SKU \"{}\" must be 1 to 100 printable characters", field(k_sku)));
      continue;
    }
    if (auto [it, first] = seen.emplace(input.sku, record.line); !first) {
      refuse(fmt::format("SKU {} is already on line {}", input.sku, it->second));
      continue;
    }
    if (!field(k_name).empty()) input.name = field(k_name);
    if (!field(k_on_hand).empty()) {
      input.on_hand = whole_number(field(k_on_hand), 0, k_max_on_hand);
      if (!input.on_hand) {
        refuse(fmt::format("on_hand \"{}\" is not a whole number from 0 to {}", field(k_on_hand), k_max_on_hand));
        continue;
      }
    }
    if (!field(k_buffer).empty()) {
      const auto buffer = whole_number(field(k_buffer), 0, k_max_buffer);
      if (!buffer) {
        refuse(fmt::format("safety_buffer \"{}\" is not a whole number from 0 to {}", field(k_buffer), k_max_buffer));
        continue;
      }
      input.safety_buffer = static_cast<int>(*buffer);
    }
    if (products.upsert(input, 0, options.now)) {
      ++result.created;
    } else {
      ++result.updated;
    }
    map_waiting(db, *products.find(input.sku), options.now, result.mapped, result.oversold);
  }
  if (options.strict && !result.problems.empty()) {
    result.created = result.updated = result.mapped = 0;
    result.oversold.clear();
    return result; // the transaction rolls back
  }
  tx.commit();
  return result;
}

SetResult set_product(store::Database& db, const store::ProductInput& input, std::string_view now)
{
  check_input(input);
  SetResult result;
  store::Products products(db);
  store::Database::Transaction tx(db);
  result.created = products.upsert(input, 0, now);
  map_waiting(db, *products.find(input.sku), now, result.mapped, result.oversold);
  tx.commit();
  return result;
}

void adjust(store::Database& db, std::string_view sku, std::int64_t delta, std::string_view reason,
            std::string_view now)
{
  if (delta == 0 || delta < -k_max_on_hand || delta > k_max_on_hand) {
    throw UsageError(fmt::format("an adjustment is +N or -N, N from 1 to {}", k_max_on_hand));
  }
  if (util::trim(reason).empty()) throw UsageError("--reason is required: say why stock changes");
  store::Products products(db);
  store::Database::Transaction tx(db);
  const auto product = products.find(sku);
  if (!product) throw UsageError(fmt::format("no product with SKU \"{}\" (see `uoms products list`)", sku));
  products.adjust(product->id, delta, util::trim(reason), now);
  tx.commit();
}

std::vector<store::Oversold> map_listing(store::Database& db, std::string_view channel, std::string_view item,
                                         std::string_view option, std::string_view sku, std::string_view now)
{
  store::Database::Transaction tx(db);
  const auto id = channel_id(db, channel);
  const auto product = store::Products(db).find(sku);
  if (!product) throw UsageError(fmt::format("no product with SKU \"{}\" (see `uoms products list`)", sku));
  store::Listings listings(db);
  auto listing = listings.find(id, item, option);
  if (!listing) {
    connectors::Listing named;
    named.item_id = std::string(item);
    named.option_id = std::string(option);
    listings.record(id, named, "operator", now);
    listing = listings.find(id, item, option);
  }
  listings.map(listing->id, product->id, "operator", now);
  auto oversold = store::Ledger(db).apply_listing(listing->id, 0, now);
  tx.commit();
  return oversold;
}

void unmap_listing(store::Database& db, std::string_view channel, std::string_view item, std::string_view option,
                   std::string_view now)
{
  store::Database::Transaction tx(db);
  store::Listings listings(db);
  const auto listing = listings.find(channel_id(db, channel), item, option);
  if (!listing) {
    throw UsageError(fmt::format("channel {} has no listing {}{}{} (see `uoms listings list --channel {}`)", channel,
                                 item, option.empty() ? "" : "/", option, channel));
  }
  listings.unmap(listing->id, now);
  tx.commit();
}

std::vector<store::Oversold> apply_order(store::Database& db, std::int64_t channel_id,
                                         const store::UpsertResult& result, std::int64_t job_id,
                                         std::string_view now)
{
  std::vector<std::int64_t> changed;
  for (const auto& item : result.items) {
    if (item.action != store::UpsertAction::unchanged && item.item_row_id != 0) changed.push_back(item.item_row_id);
  }
  if (changed.empty()) return {};
  return store::Ledger(db).apply_items(channel_id, changed, job_id, now);
}

} // namespace uoms::stock
