#include "src/cli/orders_export.hpp"
#include "uoms/time.hpp"
#include "uoms/util/text.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace std::chrono_literals;
namespace out = uoms::cli::orders_out;

namespace {

uoms::store::OrderRecord sample()
{
  uoms::store::OrderRecord o;
  o.channel = "shop";
  o.channel_kind = "smartstore";
  o.external_id = "2026112200001";
  o.status = "paid";
  o.raw_status = "PAYED";
  o.ordered_at = "2026-11-22T15:30:05.000Z";
  o.currency = "KRW";
  o.total_minor = 33000;
  o.shipping_fee_minor = 3000;
  o.buyer_name = "김민수";
  o.receiver_name = "=HYPERLINK(\"x\")";
  uoms::store::ItemRecord it;
  it.external_id = "I-1";
  it.name = "녹차, \"프리미엄\"\n세트";
  it.option_name = "100g";
  it.sku = "TEA-100";
  it.quantity = 2;
  it.unit_price_minor = 15000;
  it.total_price_minor = 30000;
  it.status = "paid";
  it.carrier = "CJ";
  it.tracking_number = "1234-5678";
  it.shipment_state = "pending";
  o.items.push_back(it);
  return o;
}

} // namespace

TEST_CASE("util::csv_field")
{
  CHECK(uoms::util::csv_field("plain") == "plain");
  CHECK(uoms::util::csv_field("a,b") == "\"a,b\"");
  CHECK(uoms::util::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(uoms::util::csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(uoms::util::csv_field("") == "");
}

TEST_CASE("orders_out::money")
{
  CHECK(out::money(15000, "KRW") == "15000");
  CHECK(out::money(1500, "JPY") == "1500");
  CHECK(out::money(123450, "SGD") == "1234.50");
  CHECK(out::money(5, "SGD") == "0.05");
  CHECK(out::money(-250, "SGD") == "-2.50");
}

TEST_CASE("orders_out::local_time and offset_text")
{
  CHECK(out::local_time("2026-11-22T15:30:05.000Z", 9h) == "2026-11-23 00:30:05");
  CHECK(out::local_time("2026-11-22T15:30:05.000Z", -3h) == "2026-11-22 12:30:05");
  CHECK(out::local_time("", 9h) == "");
  CHECK(out::offset_text(9h) == "+09:00");
  CHECK(out::offset_text(-3h) == "-03:00");
  CHECK(out::offset_text(330min) == "+05:30");
  CHECK(out::offset_text(0min) == "+00:00");
}

TEST_CASE("orders_out::channel_offset")
{
  CHECK(out::channel_offset("coupang", "{}") == 9h);
  CHECK(out::channel_offset("qoo10jp", "{}") == 9h);
  CHECK(out::channel_offset("csv", R"({"timezone":"+08:00"})") == 8h);
  CHECK(out::channel_offset("smartstore", R"({"timezone":"Asia/Tokyo"})") == 9h);
  CHECK(out::channel_offset("shopee", R"({"region":"SG"})") == 8h);
  CHECK(out::channel_offset("shopee", R"({"region":"th"})") == 7h);
  CHECK(out::channel_offset("shopee", R"({"region":"BR"})") == -3h);
  CHECK(out::channel_offset("shopee", "{}") == 0min);
  CHECK(out::channel_offset("coupang", "not json") == 9h);
}

TEST_CASE("orders_out::filter_time")
{
  const auto now = *uoms::parse_time("2026-11-30T00:00:00Z");
  SUBCASE("a date is midnight at the offset; as until it covers the whole day")
  {
    CHECK(out::filter_time("2026-11-22", false, 9h, now) == "2026-11-21T15:00:00.000Z");
    CHECK(out::filter_time("2026-11-22", true, 9h, now) == "2026-11-22T15:00:00.000Z");
  }
  SUBCASE("ISO times, with or without an offset")
  {
    CHECK(out::filter_time("2026-11-22T10:00", false, 9h, now) == "2026-11-22T01:00:00.000Z");
    CHECK(out::filter_time("2026-11-22T10:00Z", true, 9h, now) == "2026-11-22T10:00:00.000Z");
    CHECK(out::filter_time("2026-11-22T10:00:00+08:00", false, 9h, now) == "2026-11-22T02:00:00.000Z");
  }
  SUBCASE("an age for since")
  {
    CHECK(out::filter_time("7d", false, 9h, now) == "2026-11-23T00:00:00.000Z");
    CHECK_FALSE(out::filter_time("7d", true, 9h, now));
  }
  SUBCASE("nonsense")
  {
    CHECK_FALSE(out::filter_time("yesterday", false, 9h, now));
  }
}

TEST_CASE("orders_out::csv_lines")
{
  const auto o = sample();
  SUBCASE("the header starts with the BOM and names every column")
  {
    const auto header = out::csv_header();
    CHECK(header.starts_with("\xEF\xBB\xBF" "channel,kind,order_id,item_id,ordered_at,time_zone,"));
    CHECK(header.ends_with("tracking_number,shipment_state\r\n"));
  }
  SUBCASE("one line per item, quoted as RFC 4180, times at the offset, formulas defused")
  {
    const auto text = out::csv_lines(o, 9h);
    CHECK(text == "shop,smartstore,2026112200001,I-1,2026-11-23 00:30:05,+09:00,,paid,paid,,"
                  "\"녹차, \"\"프리미엄\"\"\n세트\",100g,TEA-100,,,2,15000,30000,KRW,33000,3000,김민수,,,"
                  "\"'=HYPERLINK(\"\"x\"\")\",,,,CJ,1234-5678,pending\r\n");
  }
  SUBCASE("an order without items is one line with empty item fields")
  {
    auto bare = o;
    bare.items.clear();
    const auto text = out::csv_lines(bare, 9h);
    CHECK(text.starts_with("shop,smartstore,2026112200001,,2026-11-23 00:30:05,+09:00,,paid,,PAYED,"));
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  }
}

TEST_CASE("orders_out::jsonl_line")
{
  const auto line = out::jsonl_line(sample(), 9h);
  CHECK(line.find('\n') == std::string::npos);
  const auto doc = nlohmann::json::parse(line);
  CHECK(doc["order_id"] == "2026112200001");
  CHECK(doc["ordered_at"] == "2026-11-22T15:30:05.000Z");
  CHECK(doc["ordered_at_local"] == "2026-11-23 00:30:05 +09:00");
  CHECK(doc["buyer"]["name"] == "김민수");
  REQUIRE(doc["items"].size() == 1);
  CHECK(doc["items"][0]["product_name"] == "녹차, \"프리미엄\"\n세트");
  CHECK(doc["items"][0]["tracking_number"] == "1234-5678");
  CHECK(doc["items"][0]["unit_price_minor"] == 15000);
}
