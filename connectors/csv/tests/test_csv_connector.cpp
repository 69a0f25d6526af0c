// The csv connector over folders of exports, and the example exports.

#include "connectors/csv/tests/csv_test.hpp"

TEST_CASE("csv::CsvConnector")
{
  TempDir dir;
  const std::string first = std::string(k_header) + "A,1,2,\"1,000\",paid\nA,2,1,500,paid\nB,1,1,700,배송중\n";
  const std::string second = "\xEF\xBB\xBF" + std::string(k_header) + "C,1,1,100,paid\nD,1,x,100,paid\n";
  const std::string third = std::string(k_header) + "E,1,1,100,취소완료\n";
  dir.write("orders-2026-11-22.csv", first);
  dir.write("orders-2026-11-23.CSV", second);
  dir.write("orders-2026-11-24.csv", third);
  dir.write("notes.txt", "not an export");
  dir.write(".hidden.csv", "x");
  dir.write("~$orders-2026-11-22.csv", "x");
  fs::create_directory(dir.path() / "sub.csv");
  const Window window{};
  const auto key_of = [](std::string_view bytes) { return "sha256:" + crypto::sha256_hex(bytes); };

  SUBCASE("spec")
  {
    CHECK(spec().kind == "csv");
    CHECK(spec().secrets.empty());
    REQUIRE(spec().settings.size() == 6);
    CHECK(spec().settings[0].name == "path");
    CHECK(spec().settings[0].required);
    CHECK(spec().settings[3].name == "timezone");
    CHECK(spec().settings[3].default_value == "+09:00");
  }
  SUBCASE("capabilities")
  {
    const auto connector = make({{"path", dir.path().string()}, {"timezone", "+07:00"}});
    CHECK(connector->capabilities().max_window == std::chrono::days(3650));
    CHECK(connector->capabilities().utc_offset == 420min);
    // Collects orders; tracking upload is not something a folder of exports can do.
    CHECK(connector->fetch_orders({}, ""));
    CHECK(connector->upload_tracking({}).error().kind == ErrorKind::unsupported);
    CHECK(spec().default_rate_limit == 1000);
    CHECK(connector->capabilities().tracking_batch == 0);
  }
  SUBCASE("one page per file, in name order, until the last")
  {
    std::set<std::string> processed;
    const auto connector = make({{"path", dir.path().string()}}, &processed);
    auto page = connector->fetch_orders(window, "");
    REQUIRE(page.has_value());
    CHECK(page->processed_key == key_of(first));
    CHECK(page->next_cursor == "orders-2026-11-22.csv");
    REQUIRE(page->orders.size() == 2);
    CHECK(page->orders[0].items.size() == 2);
    CHECK(page->orders[1].status == OrderStatus::shipped);

    page = connector->fetch_orders(window, page->next_cursor);
    REQUIRE(page.has_value());
    CHECK(page->processed_key == key_of(second));
    CHECK(page->next_cursor == "orders-2026-11-23.CSV");
    REQUIRE(page->orders.size() == 1);
    CHECK(page->orders[0].external_id == "C");
    REQUIRE(page->failures.size() == 1);
    CHECK(page->failures[0].external_id == "D");
    CHECK(page->failures[0].reason == "orders-2026-11-23.CSV:3: quantity \"x\" is not a number");
    CHECK(page->failures[0].raw == "order_id,item_id,quantity,unit_price,status\nD,1,x,100,paid");

    page = connector->fetch_orders(window, page->next_cursor);
    REQUIRE(page.has_value());
    CHECK(page->processed_key == key_of(third));
    CHECK(page->next_cursor == "");
    REQUIRE(page->orders.size() == 1);
    CHECK(page->orders[0].status == OrderStatus::cancelled);
  }
  SUBCASE("already processed files are skipped")
  {
    std::set<std::string> processed{key_of(first), key_of(third)};
    const auto connector = make({{"path", dir.path().string()}}, &processed);
    auto page = connector->fetch_orders(window, "");
    REQUIRE(page.has_value());
    CHECK(page->processed_key == key_of(second));
    CHECK(page->next_cursor == "orders-2026-11-23.CSV");
    page = connector->fetch_orders(window, page->next_cursor);
    REQUIRE(page.has_value());
    CHECK(page->processed_key == "");
    CHECK(page->orders.empty());
    CHECK(page->next_cursor == "");

    processed.insert(key_of(second));
    page = connector->fetch_orders(window, "");
    REQUIRE(page.has_value());
    CHECK(page->processed_key == "");
    CHECK(page->orders.empty());
    CHECK(page->next_cursor == "");
  }
  SUBCASE("check counts files and unprocessed ones")
  {
    std::set<std::string> processed{key_of(second)};
    const auto connector = make({{"path", dir.path().string()}}, &processed);
    CHECK(connector->check().value() == fmt::format("folder {}: 3 csv files, 2 not yet processed", dir.path().string()));
    processed.insert(key_of(first));
    processed.insert(key_of(third));
    CHECK(connector->check().value() == fmt::format("folder {}: 3 csv files, 0 not yet processed", dir.path().string()));
    TempDir empty;
    CHECK(make({{"path", empty.path().string()}})->check().value() ==
          fmt::format("folder {}: 0 csv files, 0 not yet processed", empty.path().string()));
  }
  SUBCASE("a missing column stops the pass with a data error naming file and column")
  {
    dir.write("orders-2026-11-23.CSV", "order_id,item_id,qty\nC,1,1\n");
    const auto connector = make({{"path", dir.path().string()}, {"mapping", "uoms"}});
    const auto page = connector->fetch_orders(window, "orders-2026-11-22.csv");
    REQUIRE_FALSE(page.has_value());
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message ==
          "orders-2026-11-23.CSV: required column \"quantity\" (quantity) not found in the header row");
  }
  SUBCASE("an undecodable file is a data error")
  {
    dir.write("orders-2026-11-22.csv", "order_id,item_id,quantity\n\xC1\xD6,1,1\n");
    const auto connector = make({{"path", dir.path().string()}, {"encoding", "utf-8"}});
    const auto page = connector->fetch_orders(window, "");
    REQUIRE_FALSE(page.has_value());
    CHECK(page.error().kind == ErrorKind::contract);
    CHECK(page.error().message == "orders-2026-11-22.csv: not valid UTF-8 (byte offset 26)");
  }
  SUBCASE("settings: delimiter, currency, timezone")
  {
    TempDir other;
    other.write("a.csv", "order_id;item_id;quantity;unit_price;ordered_at\nX;1;1;1.5;2026-11-22 10:00\n");
    const auto connector = make({{"path", other.path().string()},
                                 {"delimiter", ";"},
                                 {"currency", "usd"},
                                 {"timezone", "UTC"}});
    const auto page = connector->fetch_orders(window, "");
    REQUIRE(page.has_value());
    REQUIRE(page->orders.size() == 1);
    CHECK(page->orders[0].currency == "USD");
    CHECK(page->orders[0].items[0].unit_price_minor == 150);
    CHECK(page->orders[0].ordered_at == kst(2026y / std::chrono::November / 22, 19h, 0min));
    other.write("a.csv", "order_id\titem_id\tquantity\nX\t1\t4\n");
    const auto tabbed = make({{"path", other.path().string()}, {"delimiter", "tab"}})->fetch_orders(window, "");
    REQUIRE(tabbed.has_value());
    CHECK(tabbed->orders.at(0).items.at(0).quantity == 4);
  }
  SUBCASE("folder and settings errors")
  {
    const auto error = [](Settings settings) {
      const auto connector = make(std::move(settings));
      const auto fetched = connector->fetch_orders(Window{}, "");
      const auto checked = connector->check();
      REQUIRE_FALSE(fetched.has_value());
      REQUIRE_FALSE(checked.has_value());
      CHECK(fetched.error().kind == checked.error().kind);
      CHECK(fetched.error().message == checked.error().message);
      return fetched.error();
    };
    const auto missing = (dir.path() / "nope").string();
    CHECK(error({{"path", missing}}).message == fmt::format("csv folder \"{}\" does not exist", missing));
    CHECK(error({{"path", missing}}).kind == ErrorKind::config);
    const auto file = (dir.path() / "notes.txt").string();
    CHECK(error({{"path", file}}).message == fmt::format("csv folder \"{}\" is not a folder", file));
    CHECK(error({}).message == "setting \"path\" is required: the folder of csv export files");
    const auto path = dir.path().string();
    CHECK(error({{"path", path}, {"mapping", "ordr_id=X"}}).message.starts_with("mapping: unknown uoms field \"ordr_id\""));
    CHECK(error({{"path", path}, {"encoding", "latin1"}}).message ==
          "encoding: \"latin1\" is not auto, utf-8, cp949 or euc-kr");
    CHECK(error({{"path", path}, {"timezone", "Mars/Olympus"}}).message ==
          "timezone: \"Mars/Olympus\" is not a UTC offset like +09:00");
    CHECK(error({{"path", path}, {"currency", "won!"}}).message == "currency: \"WON!\" is not an ISO 4217 code like KRW");
    CHECK(error({{"path", path}, {"delimiter", "::"}}).message == "delimiter: \"::\" is not one character (or tab)");
    CHECK(error({{"path", path}, {"delimiter", ";"}, {"encoding", "x"}}).kind == ErrorKind::config);
  }
}

TEST_CASE("csv examples/orders")
{
  std::set<std::string> processed;
  const auto connector = make({{"path", k_examples.string()}}, &processed);
  CHECK(connector->check().value() == fmt::format("folder {}: 3 csv files, 3 not yet processed", k_examples.string()));

  std::vector<Page> pages;
  std::string cursor;
  do {
    auto page = connector->fetch_orders(Window{}, cursor);
    REQUIRE_MESSAGE(page.has_value(), page.error().message);
    CHECK_MESSAGE(page->failures.empty(), page->failures.front().reason);
    CHECK(page->notes.empty());
    processed.insert(page->processed_key);
    cursor = page->next_cursor;
    pages.push_back(std::move(*page));
  } while (!cursor.empty());
  REQUIRE(pages.size() == 3);
  CHECK(connector->check().value() == fmt::format("folder {}: 3 csv files, 0 not yet processed", k_examples.string()));

  // orders-2026-11-22.csv: UTF-8 with BOM, the uoms layout, 12 orders in 19 rows.
  const auto& day1 = pages[0].orders;
  REQUIRE(day1.size() == 12);
  std::size_t rows = 0;
  for (const auto& order : day1) {
    rows += order.items.size();
    CHECK(order.currency == "KRW");
    CHECK(order.ordered_at.has_value());
  }
  CHECK(rows == 19);
  CHECK(day1[0].external_id == "WEB-20261122-0001");
  CHECK(day1[0].total_minor == 25800 + 15000 + 3000);
  CHECK(day1[4].receiver.address2 == "101동 1203호\n(부재 시 경비실에 맡겨 주세요)");
  CHECK(day1[6].status == OrderStatus::cancelled);
  CHECK(day1[7].receiver.address2 == "경북대학교병원, 본관 4층 간호사실");
  CHECK(day1[8].items[0].option_name == "각인 문구: \"Happy Birthday\"");

  // orders-2026-11-23.csv: later states of two orders and one new order.
  REQUIRE(pages[1].orders.size() == 3);
  CHECK(pages[1].orders[1].external_id == "WEB-20261122-0004");
  CHECK(pages[1].orders[1].status == OrderStatus::delivered);

  // smartstore-2026-11-22.csv: CP949, the smartstore-excel preset.
  const auto& smartstore = pages[2].orders;
  REQUIRE(smartstore.size() == 5);
  CHECK(smartstore[0].external_id == "2026112211110001");
  CHECK(smartstore[0].items.size() == 2);
  CHECK(smartstore[0].items[0].name == "[티하우스] 얼그레이 홍차 100g 틴케이스");
  CHECK(smartstore[0].receiver.address1 == "서울특별시 마포구 월드컵북로 396");
  CHECK(smartstore[0].receiver.address2 == "누리꿈스퀘어 비즈니스타워 8층");
  CHECK(smartstore[0].shipping_fee_minor == 3000);
  CHECK(smartstore[0].total_minor == 25800 + 15000 + 3000);
  CHECK(smartstore[0].ordered_at == kst(2026y / std::chrono::November / 22, 10h, 5min));
  CHECK(smartstore[2].status == OrderStatus::shipped);
  CHECK(smartstore[3].status == OrderStatus::cancelled);
  CHECK(smartstore[4].status == OrderStatus::completed);
}
