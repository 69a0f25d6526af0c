#include "uoms/error.hpp"
#include "uoms/tracking.hpp"
#include "uoms/upload_tracking.hpp"

#include "tests/support/temp_db.hpp"

#include <doctest/doctest.h>

using uoms::Order;
using uoms::OrderItem;
using uoms::OrderStatus;

namespace {

constexpr const char* k_now = "2026-11-22T00:00:00.000Z";

// A collected order with one item per shipment key given.
std::int64_t collect(uoms::store::Database& db, std::int64_t channel, const std::string& id,
                     const std::vector<std::pair<std::string, std::string>>& items, OrderStatus status = OrderStatus::paid)
{
  Order o;
  o.external_id = id;
  o.status = status;
  o.raw_status = std::string(uoms::to_string(status));
  o.currency = "KRW";
  o.raw = "{}";
  for (const auto& [item, box] : items) {
    OrderItem it;
    it.external_id = item;
    it.shipment_key = box;
    it.quantity = 1;
    it.status = status;
    it.raw_status = o.raw_status;
    o.items.push_back(it);
  }
  return uoms::store::Orders(db).upsert(channel, o, {.job_id = 1, .now = k_now}).order_row_id;
}

std::vector<std::string> states(uoms::store::Database& db)
{
  std::vector<std::string> out;
  for (const auto& s : uoms::store::Shipments(db).list({})) {
    out.push_back(s.order_id + "/" + s.shipment_key + " " + s.carrier + " " + s.tracking_number + " " + s.state);
  }
  return out;
}

uoms::tracking::ImportResult import(uoms::store::Database& db, const std::string& csv, bool strict = false)
{
  return uoms::tracking::import_csv(db, csv, {"auto", strict, k_now});
}

} // namespace

TEST_CASE("tracking::import_csv")
{
  TempDb t("tracking");
  auto& db = t.db();
  const auto cp = t.add_channel("cp", "coupang");
  t.add_channel("ss", "smartstore");
  collect(db, cp, "O-1", {{"i1", "B-1"}, {"i2", "B-2"}});
  collect(db, cp, "O-2", {{"i1", "B-3"}});

  SUBCASE("by order (every shipment), by item, by shipment key; a re-import changes nothing")
  {
    const std::string csv = "\xEF\xBB\xBF" "channel,order,item,carrier,number\n"
                            "cp,O-1,,cj,611111111111\n"
                            "cp,B-3,,HANJIN,522222222222\n";
    auto r = import(db, csv);
    CHECK(r.rows == 2);
    CHECK(r.added == 3);
    CHECK(r.problems.empty());
    CHECK(states(db) == std::vector<std::string>{"O-1/B-1 CJ 611111111111 pending", "O-1/B-2 CJ 611111111111 pending",
                                                 "O-2/B-3 HANJIN 522222222222 pending"});
    auto again = import(db, csv);
    CHECK(again.added == 0);
    CHECK(again.unchanged == 3);
    CHECK(db.count("shipments") == 3);
  }

  SUBCASE("Korean headers in CP949, as Excel writes them")
  {
    // 판매처,주문번호,상품주문번호,택배사,송장번호 in CP949.
    const std::string header = "\xC6\xC7\xB8\xC5\xC3\xB3,\xC1\xD6\xB9\xAE\xB9\xF8\xC8\xA3,"
                               "\xBB\xF3\xC7\xB0\xC1\xD6\xB9\xAE\xB9\xF8\xC8\xA3,\xC5\xC3\xB9\xE8\xBB\xE7,"
                               "\xBC\xDB\xC0\xE5\xB9\xF8\xC8\xA3\r\n";
    auto r = import(db, header + "cp,O-1,i2,LOTTE,733333333333\r\n");
    CHECK(r.problems.empty());
    CHECK(r.added == 1);
    CHECK(states(db) == std::vector<std::string>{"O-1/B-2 LOTTE 733333333333 pending"});
  }

  SUBCASE("bad rows are named by line; the good ones are kept")
  {
    auto r = import(db, "channel,order,item,carrier,number\n"
                        "cp,O-1,i1,CJ,611111111111\n"
                        "nobody,O-1,,CJ,1\n"
                        "cp,O-9,,CJ,1\n"
                        "cp,O-2,,PIGEON,1\n"
                        "cp,O-2,,CJ,12 34\n"
                        "cp,O-1,i1,CJ,699999999999\n");
    CHECK(r.added == 1);
    REQUIRE(r.problems.size() == 5);
    CHECK(r.problems[0].line == 3);
    CHECK(r.problems[0].message == "no channel named \"nobody\"");
    CHECK(r.problems[1].message == "channel cp has no collected order or shipment \"O-9\"");
    CHECK(r.problems[2].message.starts_with("unknown carrier \"PIGEON\""));
    CHECK(r.problems[3].message == "tracking number \"12 34\" is not 1 to 50 letters, digits or '-'");
    CHECK(r.problems[4].line == 7);
    CHECK(r.problems[4].message == "repeats line 2 for the same shipment with another number (611111111111 then 699999999999)");
    CHECK(db.count("shipments") == 1);
  }

  SUBCASE("--strict: one bad row and nothing changes")
  {
    auto r = import(db, "channel,order,carrier,number\ncp,O-1,CJ,611111111111\ncp,O-9,CJ,1\n", true);
    CHECK(r.problems.size() == 1);
    CHECK(r.added == 0);
    CHECK(db.count("shipments") == 0);
  }

  SUBCASE("a header without a required column is a usage error")
  {
    CHECK_THROWS_WITH_AS(import(db, "channel,order,carrier\ncp,O-1,CJ\n"),
                         "line 1: no \"number\" column (the header needs channel,order,carrier,number; item is optional)",
                         uoms::UsageError);
  }
}

TEST_CASE("store::Shipments outbox")
{
  TempDb t("tracking");
  auto& db = t.db();
  const auto cp = t.add_channel("cp", "coupang");
  const auto order = collect(db, cp, "O-1", {{"i1", "B-1"}, {"i2", "B-1"}});
  uoms::store::Shipments shipments(db);
  REQUIRE(shipments.add({order, "B-1"}, "CJ", "611111111111", "import", k_now));
  CHECK_FALSE(shipments.add({order, "B-1"}, "CJ", "622222222222", "import", k_now));
  auto row = shipments.find(order, "B-1");
  REQUIRE(row);
  CHECK(row->item_ids == std::vector<std::string>{"i1", "i2"});
  CHECK(row->order_status == "paid");

  SUBCASE("retries count up to attention")
  {
    shipments.retry_later(row->id, "throttled", "2026-11-22T00:00:02.000Z", 2, 7, k_now);
    CHECK(shipments.find(order, "B-1")->state == "pending");
    CHECK(shipments.list({"cp", {"pending"}, "2026-11-22T00:00:01.000Z"}).empty()); // not due yet
    CHECK(shipments.list({"cp", {"pending"}, "2026-11-22T00:00:02.000Z"}).size() == 1);
    shipments.retry_later(row->id, "throttled", "2026-11-22T00:00:04.000Z", 2, 7, k_now);
    CHECK(shipments.find(order, "B-1")->state == "attention");
    CHECK(shipments.find(order, "B-1")->attempts == 2);
  }

  SUBCASE("a number the marketplace reports: same → uploaded, another → attention")
  {
    shipments.record_marketplace({order, "B-1"}, "CJ", "611111111111", 3, k_now);
    CHECK(shipments.find(order, "B-1")->state == "uploaded");
    CHECK(shipments.find(order, "B-1")->uploaded_at == k_now);
    const auto other = collect(db, cp, "O-2", {{"i1", "B-2"}});
    shipments.add({other, "B-2"}, "CJ", "633333333333", "import", k_now);
    shipments.record_marketplace({other, "B-2"}, "HANJIN", "644444444444", 3, k_now);
    auto s = shipments.find(other, "B-2");
    CHECK(s->state == "attention");
    CHECK(s->last_error == "the marketplace already holds HANJIN 644444444444");
    // A shipment we never had a number for is recorded as uploaded by the marketplace.
    const auto third = collect(db, cp, "O-3", {{"i1", "B-3"}});
    shipments.record_marketplace({third, "B-3"}, "CJ", "655555555555", 3, k_now);
    CHECK(shipments.find(third, "B-3")->source == "marketplace");
    CHECK(shipments.find(third, "B-3")->state == "uploaded");
  }

  SUBCASE("replace only before upload")
  {
    CHECK(shipments.replace(row->id, "HANJIN", "699999999999", k_now));
    shipments.mark(row->id, "uploaded", {}, 9, k_now);
    CHECK_FALSE(shipments.replace(row->id, "CJ", "600000000000", k_now));
    CHECK(shipments.find(order, "B-1")->tracking_number == "699999999999");
  }
}

TEST_CASE("upload::blocks_upload")
{
  CHECK(uoms::upload::blocks_upload(OrderStatus::cancel_requested));
  CHECK(uoms::upload::blocks_upload(OrderStatus::cancelled));
  CHECK(uoms::upload::blocks_upload(OrderStatus::returned));
  CHECK(uoms::upload::blocks_upload(OrderStatus::exchange_requested));
  CHECK_FALSE(uoms::upload::blocks_upload(OrderStatus::paid));
  CHECK_FALSE(uoms::upload::blocks_upload(OrderStatus::preparing));
  CHECK_FALSE(uoms::upload::blocks_upload(OrderStatus::shipped));
}
