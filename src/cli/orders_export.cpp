#include "src/cli/orders_export.hpp"

#include "uoms/model.hpp"
#include "uoms/time.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdlib>

namespace uoms::cli::orders_out {

namespace {

// A cell a spreadsheet would evaluate as a formula is kept as text: marketplace data
// (buyer names, product names) is not trusted to be harmless in Excel.
std::string text_cell(std::string_view text)
{
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                        text[0] == '\r')) {
    return util::csv_field("'" + std::string(text));
  }
  return util::csv_field(text);
}

std::string address(const store::OrderRecord& o)
{
  if (o.receiver_address2.empty()) return o.receiver_address1;
  if (o.receiver_address1.empty()) return o.receiver_address2;
  return o.receiver_address1 + " " + o.receiver_address2;
}

nlohmann::json opt(const std::string& s)
{
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

struct ShopeeRegion
{
  std::string_view code;
  int minutes;
};

constexpr std::array<ShopeeRegion, 11> k_shopee_regions = {{
  {"sg", 8 * 60}, {"my", 8 * 60}, {"ph", 8 * 60}, {"tw", 8 * 60}, {"th", 7 * 60}, {"vn", 7 * 60},
  {"id", 7 * 60}, {"br", -3 * 60}, {"mx", -6 * 60}, {"co", -5 * 60}, {"cl", -4 * 60},
}};

bool is_date_only(std::string_view text)
{
  text = util::trim(text);
  auto digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    return digits(text.substr(0, 4)) && digits(text.substr(5, 2)) && digits(text.substr(8, 2));
  }
  return text.size() == 8 && digits(text);
}

} // namespace

const std::vector<std::string_view>& csv_columns()
{
  static const std::vector<std::string_view> columns = {
    "channel",      "kind",          "order_id",        "item_id",        "ordered_at",     "time_zone",
    "paid_at",      "order_status",  "item_status",     "marketplace_status", "product_name", "option",
    "sku",          "product_id",    "option_id",       "quantity",       "unit_price",     "item_total",
    "currency",     "order_total",   "shipping_fee",    "buyer_name",     "buyer_phone",    "buyer_email",
    "receiver_name", "receiver_phone", "receiver_zip",  "receiver_address", "carrier",      "tracking_number",
    "shipment_state",
  };
  return columns;
}

std::string csv_header()
{
  return "\xEF\xBB\xBF" + util::join(csv_columns(), ",") + "\r\n";
}

std::string csv_lines(const store::OrderRecord& o, std::chrono::minutes offset)
{
  static const store::ItemRecord k_no_item;
  std::string out;
  const auto write = [&](const store::ItemRecord& it, bool real) {
    const std::array<std::string, 31> cells = {
      text_cell(o.channel),
      text_cell(o.channel_kind),
      text_cell(o.external_id),
      text_cell(it.external_id),
      local_time(o.ordered_at, offset),
      offset_text(offset),
      local_time(o.paid_at, offset),
      o.status,
      it.status,
      text_cell(real ? it.raw_status : o.raw_status),
      text_cell(it.name),
      text_cell(it.option_name),
      text_cell(it.sku),
      text_cell(it.product_id),
      text_cell(it.option_id),
      real ? std::to_string(it.quantity) : std::string(),
      real ? money(it.unit_price_minor, o.currency) : std::string(),
      real ? money(it.total_price_minor, o.currency) : std::string(),
      text_cell(o.currency),
      money(o.total_minor, o.currency),
      money(o.shipping_fee_minor, o.currency),
      text_cell(o.buyer_name),
      text_cell(o.buyer_phone),
      text_cell(o.buyer_email),
      text_cell(o.receiver_name),
      text_cell(o.receiver_phone),
      text_cell(o.receiver_zip),
      text_cell(address(o)),
      text_cell(it.carrier),
      text_cell(it.tracking_number),
      it.shipment_state,
    };
    out += util::join(cells, ",");
    out += "\r\n";
  };
  if (o.items.empty()) {
    write(k_no_item, false);
  }
  for (const auto& it : o.items) {
    write(it, true);
  }
  return out;
}

std::string jsonl_line(const store::OrderRecord& o, std::chrono::minutes offset)
{
  nlohmann::json items = nlohmann::json::array();
  for (const auto& it : o.items) {
    items.push_back({{"item_id", it.external_id},
                     {"status", it.status},
                     {"marketplace_status", it.raw_status},
                     {"product_name", opt(it.name)},
                     {"option", opt(it.option_name)},
                     {"sku", opt(it.sku)},
                     {"product_id", opt(it.product_id)},
                     {"option_id", opt(it.option_id)},
                     {"quantity", it.quantity},
                     {"unit_price_minor", it.unit_price_minor},
                     {"unit_price", money(it.unit_price_minor, o.currency)},
                     {"total_minor", it.total_price_minor},
                     {"total", money(it.total_price_minor, o.currency)},
                     {"shipment_key", it.shipment_key},
                     {"carrier", opt(it.carrier)},
                     {"tracking_number", opt(it.tracking_number)},
                     {"shipment_state", opt(it.shipment_state)}});
  }
  const nlohmann::json doc = {
    {"channel", o.channel},
    {"kind", o.channel_kind},
    {"order_id", o.external_id},
    {"status", o.status},
    {"marketplace_status", o.raw_status},
    {"ordered_at", opt(o.ordered_at)},
    {"ordered_at_local", o.ordered_at.empty() ? nlohmann::json() : nlohmann::json(local_time(o.ordered_at, offset) + " " + offset_text(offset))},
    {"paid_at", opt(o.paid_at)},
    {"currency", o.currency},
    {"total_minor", o.total_minor},
    {"total", money(o.total_minor, o.currency)},
    {"shipping_fee_minor", o.shipping_fee_minor},
    {"buyer", {{"name", opt(o.buyer_name)}, {"phone", opt(o.buyer_phone)}, {"email", opt(o.buyer_email)}}},
    {"receiver",
     {{"name", opt(o.receiver_name)},
      {"phone", opt(o.receiver_phone)},
      {"zip", opt(o.receiver_zip)},
      {"address1", opt(o.receiver_address1)},
      {"address2", opt(o.receiver_address2)}}},
    {"items", std::move(items)},
  };
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string money(std::int64_t minor, std::string_view currency)
{
  const int exponent = currency_exponent(currency);
  if (exponent <= 0) return std::to_string(minor);
  std::int64_t scale = 1;
  for (int i = 0; i < exponent; ++i) scale *= 10;
  const char* sign = minor < 0 ? "-" : "";
  const std::uint64_t magnitude = minor < 0 ? std::uint64_t(0) - std::uint64_t(minor) : std::uint64_t(minor);
  return fmt::format("{}{}.{:0{}}", sign, magnitude / std::uint64_t(scale), magnitude % std::uint64_t(scale),
                     exponent);
}

std::string local_time(std::string_view utc_text, std::chrono::minutes offset)
{
  if (utc_text.empty()) return {};
  const auto t = parse_time(utc_text);
  if (!t) return {};
  return format_time(*t, offset, "%Y-%m-%d %H:%M:%S");
}

std::string offset_text(std::chrono::minutes offset)
{
  const auto m = offset.count();
  const auto a = m < 0 ? -m : m;
  return fmt::format("{}{:02}:{:02}", m < 0 ? '-' : '+', a / 60, a % 60);
}

std::chrono::minutes channel_offset(std::string_view kind, std::string_view settings_json)
{
  const auto settings = nlohmann::json::parse(settings_json, nullptr, false);
  auto setting = [&](const char* name) -> std::string {
    if (!settings.is_object()) return {};
    const auto it = settings.find(name);
    return it != settings.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (const auto zone = setting("timezone"); !zone.empty()) {
    if (const auto offset = util::parse_utc_offset(zone)) return *offset;
  }
  if (kind == "shopee") {
    const auto region = util::ascii_lower(util::trim(setting("region")));
    for (const auto& r : k_shopee_regions) {
      if (r.code == region) return std::chrono::minutes{r.minutes};
    }
    return std::chrono::minutes{0};
  }
  return k_kst_offset; // Coupang, Smartstore, PlayAuto (KST), Qoo10 Japan (JST), CSV's default
}

std::optional<std::string> filter_time(std::string_view text, bool until, std::chrono::minutes offset,
                                       std::chrono::sys_time<std::chrono::milliseconds> now)
{
  if (!until) {
    if (const auto age = parse_duration(text)) return format_utc(now - *age);
  }
  const auto t = parse_time(text, offset);
  if (!t) return std::nullopt;
  if (until && is_date_only(text)) return format_utc(*t + std::chrono::days{1});
  return format_utc(*t);
}

} // namespace uoms::cli::orders_out
