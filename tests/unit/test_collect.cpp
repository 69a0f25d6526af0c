#include "uoms/channels.hpp"
#include "uoms/collect.hpp"
#include "uoms/config.hpp"
#include "uoms/error.hpp"
#include "uoms/store.hpp"

#include "tests/support/pass_env.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <stdlib.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using uoms::ExitCode;
using uoms::Order;
using uoms::OrderItem;
using uoms::TimePoint;
using uoms::collect::find_gaps;
using uoms::store::header_hash;
using uoms::store::item_hash;
using uoms::collect::plan_windows;
using uoms::connectors::Window;
using uoms::store::WindowRow;

namespace {

TimePoint at(const char* text)
{
  return *uoms::parse_time(text);
}

const TimePoint k_t0 = at("2026-11-20T00:00:00Z");

WindowRow window_row(TimePoint from, TimePoint to, const std::string& status)
{
  WindowRow w;
  w.from_at = uoms::format_utc(from);
  w.to_at = uoms::format_utc(to);
  w.status = status;
  return w;
}

bool same(const std::vector<Window>& a, const std::vector<Window>& b)
{
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].from != b[i].from || a[i].to != b[i].to) return false;
  }
  return true;
}

std::string show(const std::vector<Window>& ws)
{
  std::string out;
  for (const auto& w : ws) out += "[" + uoms::format_utc(w.from) + ", " + uoms::format_utc(w.to) + "] ";
  return out;
}

Order sample_order()
{
  Order o;
  o.external_id = "A-1";
  o.raw_status = "결제완료";
  o.status = uoms::OrderStatus::paid;
  o.ordered_at = at("2026-11-22T00:02:11Z");
  o.paid_at = at("2026-11-22T00:03:00Z");
  o.changed_at = at("2026-11-22T00:04:00Z");
  o.currency = "KRW";
  o.total_minor = 43800;
  o.shipping_fee_minor = 3000;
  o.buyer = {"김민준", "010-2841-0001", "kim@example.com", "", "", ""};
  o.receiver = {"김민준", "010-2841-0001", "", "06236", "서울특별시 강남구 테헤란로 152", "12층"};
  OrderItem it;
  it.external_id = "1";
  it.shipment_key = "box-1";
  it.sku = "TEA-EG-100";
  it.name = "얼그레이 홍차 100g";
  it.quantity = 2;
  it.unit_price_minor = 12900;
  it.total_price_minor = 25800;
  it.raw_status = "결제완료";
  it.status = uoms::OrderStatus::paid;
  o.items.push_back(it);
  o.raw = "order_id,...";
  return o;
}

} // namespace

TEST_CASE("collect::plan_windows")
{
  SUBCASE("a range of exactly two max windows")
  {
    auto ws = plan_windows(k_t0, k_t0 + 48h, 24h);
    CHECK(same(ws, {{k_t0, k_t0 + 24h}, {k_t0 + 24h, k_t0 + 48h}}));
  }

  SUBCASE("50 h with a 24 h maximum -> 24 h, 24 h, 2 h, contiguous")
  {
    auto ws = plan_windows(k_t0, k_t0 + 50h, 24h);
    CAPTURE(show(ws));
    REQUIRE(ws.size() == 3);
    CHECK(same(ws, {{k_t0, k_t0 + 24h}, {k_t0 + 24h, k_t0 + 48h}, {k_t0 + 48h, k_t0 + 50h}}));
    CHECK(ws[2].to - ws[2].from == 2h);
  }

  SUBCASE("a range shorter than the maximum is one window")
  {
    auto ws = plan_windows(k_t0, k_t0 + 90min, 15 * 24h);
    CHECK(same(ws, {{k_t0, k_t0 + 90min}}));
  }

  SUBCASE("millisecond boundaries are kept exactly")
  {
    const auto from = at("2026-11-22T10:00:00.123Z");
    auto ws = plan_windows(from, from + 24h + 1ms, 24h);
    CHECK(same(ws, {{from, from + 24h}, {from + 24h, from + 24h + 1ms}}));
  }

  SUBCASE("empty when from >= to")
  {
    CHECK(plan_windows(k_t0, k_t0, 24h).empty());
    CHECK(plan_windows(k_t0 + 1h, k_t0, 24h).empty());
  }

  SUBCASE("a non-positive maximum falls back to 24 h")
  {
    CHECK(same(plan_windows(k_t0, k_t0 + 30h, 0ms), {{k_t0, k_t0 + 24h}, {k_t0 + 24h, k_t0 + 30h}}));
  }
}

TEST_CASE("collect::plan_windows on a coarse API grid")
{
  SUBCASE("minutes (Coupang): the first window starts on a minute, later ones follow without overlap")
  {
    const auto from = at("2026-11-20T10:00:30.500Z");
    auto ws = plan_windows(from, from + 48h, 24h, 1min, 9h);
    CAPTURE(show(ws));
    const auto start = at("2026-11-20T10:00:00.000Z");
    CHECK(same(ws, {{start, start + 24h}, {start + 24h, start + 48h}, {start + 48h, from + 48h}}));
    // The inclusive minute each query ends on is one before the next window's first.
    CHECK(uoms::connectors::last_step(ws[0], 1min, 9h) == start + 24h - 1min);
    CHECK(uoms::connectors::last_step(ws[2], 1min, 9h) == start + 48h);
  }

  SUBCASE("whole days (PlayAuto) start at midnight in the marketplace's time zone")
  {
    const auto from = at("2026-11-20T10:00:00.000Z"); // 19:00 KST
    auto ws = plan_windows(from, from + 30h, 7 * 24h, 24h, 9h);
    REQUIRE(ws.size() == 1);
    CHECK(ws[0].from == at("2026-11-19T15:00:00.000Z")); // 2026-11-20 00:00 KST
    CHECK(uoms::connectors::last_step(ws[0], 24h, 9h) == at("2026-11-21T15:00:00.000Z")); // 2026-11-22 KST
  }

  SUBCASE("a maximum that is not a whole number of steps is cut down to one")
  {
    auto ws = plan_windows(k_t0, k_t0 + 1h, 90s, 1min, 0min);
    REQUIRE(!ws.empty());
    CHECK(ws[0].to - ws[0].from == 1min);
  }

  SUBCASE("milliseconds: a window's query ends one millisecond before the next begins")
  {
    const auto from = at("2026-11-22T10:00:00.123Z");
    auto ws = plan_windows(from, from + 24h + 1ms, 24h);
    CHECK(uoms::connectors::last_step(ws[0], 1ms, 9h) == ws[1].from - 1ms);
    CHECK(uoms::connectors::last_step(ws[1], 1ms, 9h) == ws[1].from);
  }
}

TEST_CASE("connectors::floor_step")
{
  using uoms::connectors::floor_step;
  CHECK(floor_step(at("2026-11-22T10:00:59.999Z"), 1min, 9h) == at("2026-11-22T10:00:00.000Z"));
  CHECK(floor_step(at("2026-11-22T14:59:59.999Z"), 24h, 9h) == at("2026-11-21T15:00:00.000Z"));
  CHECK(floor_step(at("2026-11-22T15:00:00.000Z"), 24h, 9h) == at("2026-11-22T15:00:00.000Z"));
  CHECK(floor_step(at("1969-12-31T23:59:59.500Z"), 1s, 0min) == at("1969-12-31T23:59:59.000Z"));
  CHECK(floor_step(at("2026-11-22T10:00:00.123Z"), 1ms, 9h) == at("2026-11-22T10:00:00.123Z"));
}

TEST_CASE("collect::find_gaps")
{
  SUBCASE("a hole between complete windows")
  {
    std::vector<WindowRow> rows = {window_row(k_t0, k_t0 + 1h, "complete"),
                                   window_row(k_t0 + 2h, k_t0 + 3h, "complete")};
    auto gaps = find_gaps(rows, k_t0 + 3h);
    CAPTURE(show(gaps));
    CHECK(same(gaps, {{k_t0 + 1h, k_t0 + 2h}}));
  }

  SUBCASE("failed and running windows are not coverage")
  {
    std::vector<WindowRow> rows = {window_row(k_t0 + 2h, k_t0 + 3h, "complete"),
                                   window_row(k_t0 + 1h, k_t0 + 2h, "failed"),
                                   window_row(k_t0, k_t0 + 1h, "complete"),
                                   window_row(k_t0 + 3h, k_t0 + 4h, "running")};
    auto gaps = find_gaps(rows, k_t0 + 4h);
    CAPTURE(show(gaps));
    CHECK(same(gaps, {{k_t0 + 1h, k_t0 + 2h}, {k_t0 + 3h, k_t0 + 4h}}));
  }

  SUBCASE("a trailing gap up to the watermark")
  {
    auto gaps = find_gaps({window_row(k_t0, k_t0 + 1h, "complete")}, k_t0 + 5h);
    CHECK(same(gaps, {{k_t0 + 1h, k_t0 + 5h}}));
  }

  SUBCASE("gaps stop at the watermark")
  {
    std::vector<WindowRow> rows = {window_row(k_t0, k_t0 + 1h, "complete"),
                                   window_row(k_t0 + 5h, k_t0 + 6h, "complete")};
    auto gaps = find_gaps(rows, k_t0 + 3h);
    CAPTURE(show(gaps));
    CHECK(same(gaps, {{k_t0 + 1h, k_t0 + 3h}}));
  }

  SUBCASE("overlapping and touching windows leave no gap")
  {
    std::vector<WindowRow> rows = {window_row(k_t0, k_t0 + 2h, "complete"),
                                   window_row(k_t0 + 1h, k_t0 + 3h, "complete"),
                                   window_row(k_t0 + 3h, k_t0 + 4h, "complete")};
    CHECK(find_gaps(rows, k_t0 + 4h).empty());
    CHECK(find_gaps(rows, k_t0 + 2h).empty());
  }

  SUBCASE("nothing without complete windows or without a watermark")
  {
    CHECK(find_gaps({}, k_t0 + 1h).empty());
    CHECK(find_gaps({window_row(k_t0, k_t0 + 1h, "failed")}, k_t0 + 2h).empty());
    CHECK(find_gaps({window_row(k_t0, k_t0 + 1h, "complete")}, std::nullopt).empty());
  }
}

TEST_CASE("store::header_hash and item_hash")
{
  const auto o = sample_order();
  const auto h = header_hash(o);

  SUBCASE("stable and hex")
  {
    CHECK(h.size() == 16);
    CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(header_hash(sample_order()) == h);
    CHECK(item_hash(o.items[0]) == item_hash(sample_order().items[0]));
    CHECK(item_hash(o.items[0]).size() == 16);
  }

  SUBCASE("sensitive to each order-level field")
  {
    auto changed = [&](auto edit) {
      auto x = sample_order();
      edit(x);
      return header_hash(x) != h;
    };
    CHECK(changed([](Order& x) { x.external_id = "A-2"; }));
    CHECK(changed([](Order& x) { x.raw_status = "배송중"; }));
    CHECK(changed([](Order& x) { x.ordered_at = at("2026-11-22T00:02:12Z"); }));
    CHECK(changed([](Order& x) { x.paid_at.reset(); }));
    CHECK(changed([](Order& x) { x.changed_at = at("2026-11-22T00:05:00Z"); }));
    CHECK(changed([](Order& x) { x.currency = "JPY"; }));
    CHECK(changed([](Order& x) { x.total_minor += 1; }));
    CHECK(changed([](Order& x) { x.shipping_fee_minor = 0; }));
    CHECK(changed([](Order& x) { x.buyer.phone = "010-0000-0000"; }));
    CHECK(changed([](Order& x) { x.receiver.address2 = "13층"; }));
    CHECK(changed([](Order& x) { x.receiver.zip = "06237"; }));
    // Items have their own hashes.
    CHECK_FALSE(changed([](Order& x) { x.items[0].quantity = 9; }));
  }

  SUBCASE("item_hash is sensitive to each item field")
  {
    const auto ih = item_hash(o.items[0]);
    auto changed = [&](auto edit) {
      auto x = sample_order().items[0];
      edit(x);
      return item_hash(x) != ih;
    };
    CHECK(changed([](OrderItem& x) { x.external_id = "2"; }));
    CHECK(changed([](OrderItem& x) { x.shipment_key = "box-2"; }));
    CHECK(changed([](OrderItem& x) { x.sku = "TEA-EG-250"; }));
    CHECK(changed([](OrderItem& x) { x.option_name = "색상: 블랙"; }));
    CHECK(changed([](OrderItem& x) { x.quantity = 3; }));
    CHECK(changed([](OrderItem& x) { x.unit_price_minor = 1; }));
    CHECK(changed([](OrderItem& x) { x.total_price_minor = 1; }));
    CHECK(changed([](OrderItem& x) { x.raw_status = "배송중"; }));
    CHECK(changed([](OrderItem& x) { x.status = uoms::OrderStatus::shipped; }));
  }

  SUBCASE("partial=true ignores totals, status and change time, but not the rest")
  {
    const auto p = header_hash(o, true);
    auto x = sample_order();
    x.total_minor = 1;
    x.shipping_fee_minor = 2;
    x.raw_status = "배송중";
    x.status = uoms::OrderStatus::shipped;
    x.changed_at = at("2026-11-23T00:00:00Z");
    CHECK(header_hash(x, true) == p);
    CHECK(header_hash(x) != h);
    x.receiver.name = "이서연";
    CHECK(header_hash(x, true) != p);
  }
}

namespace {

const std::string k_header = "order_id,item_id,ordered_at,status,sku,product_name,quantity,unit_price,shipping_fee,receiver_name";

// A pass environment (tests/support/pass_env.hpp) with a folder of csv exports.
class Engine : public PassEnv
{
public:
  Engine() : PassEnv("collect") { fs::create_directory(folder()); }

  fs::path folder() const { return dir() / "orders"; }

  std::int64_t add_csv_channel(const std::string& name, const fs::path& path)
  {
    uoms::channels::Changes c;
    c.set["path"] = path.string();
    return add_channel(name, "csv", c);
  }

  void write(const std::string& name, const std::vector<std::string>& rows) const
  {
    std::string text = k_header + "\n";
    for (const auto& r : rows) text += r + "\n";
    std::ofstream(folder() / name, std::ios::binary) << text;
  }

  uoms::collect::Report run(uoms::collect::Options options = {})
  {
    return uoms::collect::run(config, options, clock);
  }
};

const std::vector<std::string> k_first_file = {
  "A-1,1,2026-11-22 09:02:11,paid,TEA-EG-100,Earl Grey,2,12900,3000,Kim",
  "A-1,2,2026-11-22 09:02:11,paid,MUG-WH-350,Mug,1,15000,3000,Kim",
  "A-2,1,2026-11-22 09:17:45,paid,TEA-CH-050,Chamomile,1,9800,3000,Lee",
  "A-3,1,2026-11-22 09:40:03,배송준비중,TEA-GR-100,Green tea,2,11500,0,Park",
};

std::vector<std::string> actions(uoms::store::Database& db, std::int64_t job, const std::string& action)
{
  std::vector<std::string> ids;
  for (const auto& d : uoms::store::Jobs(db).details(job, {.action = action})) ids.push_back(d.external_id);
  return ids;
}

} // namespace

TEST_CASE("collect::run over a csv channel")
{
  Engine e;
  const auto ch = e.add_csv_channel("shop", e.folder());
  e.write("orders-1.csv", k_first_file);
  using Ids = std::vector<std::string>;

  auto first = e.run();
  REQUIRE(first.channels.size() == 1);
  const auto& c1 = first.channels[0];
  CHECK(first.status == "completed");
  CHECK(first.exit_code == ExitCode::ok);
  CHECK_FALSE(first.dry_run);
  CHECK(first.job_id > 0);
  CHECK(c1.name == "shop");
  CHECK(c1.kind == "csv");
  CHECK(c1.status == "completed");
  CHECK(c1.error == "");
  CHECK(c1.created == 3);
  CHECK(c1.updated == 0);
  CHECK(c1.unchanged == 0);
  CHECK(c1.failed == 0);
  CHECK(c1.windows == 1);
  CHECK(c1.pages == 1);

  auto& db = e.db();
  CHECK(uoms::store::Channels(db).count_orders(ch) == 3);
  CHECK(db.count("order_items") == 4);
  auto orders = uoms::store::Orders(db).list("shop", 0);
  REQUIRE(orders.size() == 3);
  CHECK(orders[0].external_id == "A-3");
  CHECK(orders[0].status == "preparing");
  CHECK(orders[0].raw_status == "배송준비중");
  CHECK(orders[0].ordered_at == "2026-11-22T00:40:03.000Z"); // KST by default
  CHECK(orders[0].total_minor == 23000);
  CHECK(orders[2].external_id == "A-1");
  CHECK(orders[2].total_minor == 25800 + 15000 + 3000);
  CHECK(orders[2].items == 2);
  CHECK(orders[2].currency == "KRW");

  auto windows = uoms::store::CollectState(db).windows(ch);
  REQUIRE(windows.size() == 1);
  CHECK(windows[0].status == "complete");
  CHECK(windows[0].job_id == first.job_id);
  CHECK(windows[0].pages == 1);
  CHECK(windows[0].records == 3);
  auto watermark = uoms::store::CollectState(db).state(ch, uoms::collect::k_watermark_key);
  REQUIRE(watermark);
  CHECK(*watermark == windows[0].to_at);
  CHECK(c1.watermark == *watermark);
  // The window ends settle_delay (1 min by default) before the pass started.
  auto to = uoms::parse_time(windows[0].to_at);
  REQUIRE(to);
  CHECK(*to <= e.clock.now() - 1min);
  CHECK(*to > e.clock.now() - 5min);

  auto job = uoms::store::Jobs(db).find(first.job_id);
  REQUIRE(job);
  CHECK(job->kind == "collect");
  CHECK(job->status == "completed");
  CHECK(job->total == 3);
  CHECK(job->succeeded == 3);
  CHECK(job->failed == 0);
  CHECK(job->error == "");
  CHECK(job->finished_at != "");
  CHECK(actions(db, first.job_id, "created") == Ids{"A-1", "A-2", "A-3"});
  auto files = uoms::store::Jobs(db).details(first.job_id, {.action = "processed"});
  REQUIRE(files.size() == 1);
  CHECK(files[0].subject_type == "file");
  CHECK(files[0].external_id.starts_with("sha256:"));
  CHECK(uoms::store::CollectState(db).processed(ch, files[0].external_id));
  CHECK(db.count("locks") == 0);

  SUBCASE("a second pass with no new files changes nothing")
  {
    auto second = e.run();
    REQUIRE(second.channels.size() == 1);
    const auto& c2 = second.channels[0];
    CHECK(second.status == "completed");
    CHECK(second.exit_code == ExitCode::ok);
    CHECK(second.job_id != first.job_id);
    CHECK(c2.created == 0);
    CHECK(c2.updated == 0);
    CHECK(c2.unchanged == 0);
    CHECK(c2.failed == 0);
    CHECK(uoms::store::Channels(db).count_orders(ch) == 3);
    CHECK(db.count("order_items") == 4);
    CHECK(uoms::store::Jobs(db).details(second.job_id, {}).empty());
    windows = uoms::store::CollectState(db).windows(ch);
    REQUIRE(windows.size() == 2);
    CHECK(windows[1].status == "complete");
    CHECK(windows[1].records == 0);
    CHECK(windows[1].job_id == second.job_id);
    CHECK(uoms::store::CollectState(db).state(ch, uoms::collect::k_watermark_key) >= watermark);
    auto job2 = uoms::store::Jobs(db).find(second.job_id);
    REQUIRE(job2);
    CHECK(job2->status == "completed");
    CHECK(job2->total == 0);
  }

  SUBCASE("a new file with one changed and one unchanged order")
  {
    e.write("orders-2.csv", {
                              k_first_file[2],                                                // A-2 as before
                              "A-3,1,2026-11-22 09:40:03,배송중,TEA-GR-100,Green tea,2,11500,0,Park", // shipped
                              "A-4,1,2026-11-22 11:00:00,paid,TEA-EG-100,Earl Grey,1,12900,3000,Choi",
                            });
    uoms::collect::Options keep;
    keep.unchanged_details = true; // --unchanged-details: unchanged orders get a row too
    auto third = e.run(keep);
    REQUIRE(third.channels.size() == 1);
    const auto& c3 = third.channels[0];
    CHECK(third.status == "completed");
    CHECK(c3.created == 1);
    CHECK(c3.updated == 1);
    CHECK(c3.unchanged == 1);
    CHECK(actions(db, third.job_id, "updated") == Ids{"A-3"});
    CHECK(actions(db, third.job_id, "unchanged") == Ids{"A-2"});
    CHECK(actions(db, third.job_id, "created") == Ids{"A-4"});
    CHECK(uoms::store::Channels(db).count_orders(ch) == 4);
    CHECK(db.count("order_items") == 5);
    auto rows = uoms::store::Orders(db).list("shop", 0);
    auto a3 = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.external_id == "A-3"; });
    REQUIRE(a3 != rows.end());
    CHECK(a3->status == "shipped");
    auto job3 = uoms::store::Jobs(db).find(third.job_id);
    REQUIRE(job3);
    CHECK(job3->total == 3);
    CHECK(job3->succeeded == 3);
  }

  SUBCASE("a file with one bad row: the pass is partial and the failure is kept")
  {
    e.write("orders-3.csv", {
                              "B-1,1,2026-11-22 12:00:00,paid,TEA-EG-100,Earl Grey,1,12900,3000,Han",
                              "B-2,1,2026-11-22 12:30:00,paid,TEA-EG-100,Earl Grey,abc,12900,3000,Oh",
                            });
    auto bad = e.run();
    REQUIRE(bad.channels.size() == 1);
    const auto& c = bad.channels[0];
    CHECK(bad.status == "partial");
    CHECK(bad.exit_code == ExitCode::partial);
    CHECK(c.status == "partial");
    CHECK(c.created == 1);
    CHECK(c.failed == 1);
    CHECK(uoms::store::Channels(db).count_orders(ch) == 4);
    auto failed = uoms::store::Jobs(db).details(bad.job_id, {.action = "failed"});
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].channel == "shop");
    CHECK(failed[0].subject_type == "order");
    CHECK(failed[0].external_id == "B-2");
    CHECK(failed[0].error == "orders-3.csv:3: quantity \"abc\" is not a number");
    CHECK(failed[0].payload ==
          k_header + "\nB-2,1,2026-11-22 12:30:00,paid,TEA-EG-100,Earl Grey,abc,12900,3000,Oh");
    auto job = uoms::store::Jobs(db).find(bad.job_id);
    REQUIRE(job);
    CHECK(job->status == "partial");
    CHECK(job->total == 2);
    CHECK(job->succeeded == 1);
    CHECK(job->failed == 1);
    // The window itself was fetched completely, so the watermark moves.
    auto ws = uoms::store::CollectState(db).windows(ch);
    REQUIRE(ws.size() == 2);
    CHECK(ws[1].status == "complete");
    CHECK(ws[1].records == 2);
    CHECK(uoms::store::CollectState(db).state(ch, uoms::collect::k_watermark_key) == ws[1].to_at);
  }

  SUBCASE("dry run reports without writing")
  {
    e.write("orders-2.csv", {"C-1,1,2026-11-22 12:00:00,paid,TEA-EG-100,Earl Grey,1,12900,3000,Han"});
    const auto jobs_before = db.count("jobs");
    auto dry = e.run({.dry_run = true});
    REQUIRE(dry.channels.size() == 1);
    CHECK(dry.dry_run);
    CHECK(dry.channels[0].created == 1);
    CHECK(uoms::store::Channels(db).count_orders(ch) == 3);
    CHECK(uoms::store::CollectState(db).windows(ch).size() == 1);
    CHECK(uoms::store::CollectState(db).state(ch, uoms::collect::k_watermark_key) == watermark);
    CHECK(db.count("jobs") == jobs_before + 1); // the pass itself is recorded
    CHECK(uoms::store::Jobs(db).details(dry.job_id, {}).empty());
    // The file was not consumed: a real pass reads it.
    auto real = e.run();
    CHECK(real.channels[0].created == 1);
  }
}

TEST_CASE("collect::run with a missing csv folder")
{
  Engine e;
  const auto missing = e.folder() / "not-there";
  const auto ch = e.add_csv_channel("gone", missing);

  SUBCASE("the only channel fails: the pass fails with a configuration exit code")
  {
    auto r = e.run();
    REQUIRE(r.channels.size() == 1);
    const auto& c = r.channels[0];
    const std::string message = "csv folder \"" + missing.string() + "\" does not exist";
    CHECK(c.status == "failed");
    CHECK(c.error == message);
    CHECK(c.auth_error);
    CHECK(r.status == "failed");
    CHECK(r.exit_code == ExitCode::config);
    auto& db = e.db();
    auto failed = uoms::store::Jobs(db).details(r.job_id, {.action = "failed"});
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].subject_type == "channel");
    CHECK(failed[0].external_id == "gone");
    CHECK(failed[0].error == message);
    auto ws = uoms::store::CollectState(db).windows(ch);
    REQUIRE(ws.size() == 1);
    CHECK(ws[0].status == "failed");
    CHECK(ws[0].error == message);
    CHECK_FALSE(uoms::store::CollectState(db).state(ch, uoms::collect::k_watermark_key));
    auto job = uoms::store::Jobs(db).find(r.job_id);
    REQUIRE(job);
    CHECK(job->status == "failed");
    CHECK(job->error == "gone: " + message);
    CHECK(db.count("locks") == 0);
  }

  SUBCASE("next to a working channel the pass is partial")
  {
    e.add_csv_channel("shop", e.folder());
    e.write("orders-1.csv", k_first_file);
    auto r = e.run();
    REQUIRE(r.channels.size() == 2);
    CHECK(r.channels[0].name == "gone");
    CHECK(r.channels[0].status == "failed");
    CHECK(r.channels[1].name == "shop");
    CHECK(r.channels[1].status == "completed");
    CHECK(r.channels[1].created == 3);
    CHECK(r.status == "partial");
    CHECK(r.exit_code == ExitCode::partial);
  }
}

TEST_CASE("collect::run refusals")
{
  Engine e;

  SUBCASE("no channels is a ConfigError")
  {
    CHECK_THROWS_WITH_AS(e.run(), "no channels configured (add one with `uoms channels add`)", uoms::ConfigError);
    CHECK(e.db().count("jobs") == 0);
  }

  SUBCASE("an unknown --channel is a UsageError with a suggestion")
  {
    e.add_csv_channel("shop", e.folder());
    CHECK_THROWS_WITH_AS(e.run({.channels = {"shpo"}}), "no channel named \"shpo\" (did you mean \"shop\"?)",
                         uoms::UsageError);
    CHECK(e.db().count("jobs") == 0);
  }

  SUBCASE("a wrong key fails before any job is recorded")
  {
    uoms::channels::Changes c;
    c.set["vendor_id"] = "A1";
    c.secrets["access_key"] = "AK-collect-test-1234";
    c.secrets["secret_key"] = "SK-collect-test-5678";
    uoms::channels::add(e.db(), *e.key, "cp", "coupang", c, "2026-11-22T00:00:00.000Z");
    uoms::channels::write_key_file(e.config.key_file, true);
    CHECK_THROWS_AS(e.run(), uoms::ConfigError);
    CHECK(e.db().count("jobs") == 0);
  }

  SUBCASE("a channel locked by a live pass is skipped")
  {
    const auto ch = e.add_csv_channel("shop", e.folder());
    (void)ch;
    const auto now = e.clock.now();
    auto holder = uoms::store::Locks(e.db()).try_lock({"collect:shop", 77, ::getppid(), uoms::jobs::hostname(), uoms::format_utc(now),
                                   uoms::format_utc(now + 10min)},
                                  [](const auto&) { return false; });
    REQUIRE_FALSE(holder);
    auto r = e.run();
    REQUIRE(r.channels.size() == 1);
    CHECK(r.channels[0].status == "skipped");
    CHECK(r.channels[0].error.starts_with("locked by job 77 (pid " + std::to_string(::getppid()) + " on "));
    CHECK(r.status == "skipped");
    CHECK(r.exit_code == ExitCode::skipped);
  }
}
