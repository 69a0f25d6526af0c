#include "connectors/csv/tests/csv_test.hpp"

TEST_CASE("csv::parse_records")
{
  SUBCASE("plain fields, LF, no final line break")
  {
    const auto r = records("a,b,c\n1,2,3");
    REQUIRE(r.size() == 2);
    CHECK(r[0].fields == std::vector<std::string>{"a", "b", "c"});
    CHECK(r[1].fields == std::vector<std::string>{"1", "2", "3"});
    CHECK(r[1].line == 2);
    CHECK(r[1].text == "1,2,3");
  }
  SUBCASE("quoted fields with doubled quotes and delimiters")
  {
    const auto r = records("\"a,b\",\"say \"\"hi\"\"\",\"\"\n");
    REQUIRE(r.size() == 1);
    CHECK(r[0].fields == std::vector<std::string>{"a,b", "say \"hi\"", ""});
    CHECK(r[0].text == "\"a,b\",\"say \"\"hi\"\"\",\"\"");
    CHECK(r[0].error.empty());
  }
  SUBCASE("embedded newline keeps the field and counts the line")
  {
    const auto r = records("h1,h2\r\n1,\"two\r\nlines\"\r\n3,4\r\n");
    REQUIRE(r.size() == 3);
    CHECK(r[1].fields == std::vector<std::string>{"1", "two\r\nlines"});
    CHECK(r[1].line == 2);
    CHECK(r[1].text == "1,\"two\r\nlines\"");
    CHECK(r[2].line == 4);
    CHECK(r[2].fields == std::vector<std::string>{"3", "4"});
  }
  SUBCASE("CRLF, lone CR, blank lines and trailing empty line")
  {
    const auto r = records("a,b\r\n\r\n1,2\r3,4\n\n");
    REQUIRE(r.size() == 3);
    CHECK(r[1].fields == std::vector<std::string>{"1", "2"});
    CHECK(r[1].line == 3);
    CHECK(r[2].fields == std::vector<std::string>{"3", "4"});
    CHECK(r[2].line == 4);
  }
  SUBCASE("empty trailing fields")
  {
    const auto r = records("a,,\n");
    REQUIRE(r.size() == 1);
    CHECK(r[0].fields == std::vector<std::string>{"a", "", ""});
  }
  SUBCASE("stray quotes are kept literally")
  {
    const auto r = records("5\" screen,\"x\"y\n");
    REQUIRE(r.size() == 1);
    CHECK(r[0].fields == std::vector<std::string>{"5\" screen", "xy"});
  }
  SUBCASE("unterminated quote")
  {
    const auto r = records("a,b\n1,\"open\n2,3\n");
    REQUIRE(r.size() == 2);
    CHECK(r[1].error == "unterminated quoted field");
    CHECK(r[1].line == 2);
  }
  SUBCASE("other delimiters")
  {
    const auto r = parse_records("a;b\t\"c;d\";e", ';');
    REQUIRE(r.size() == 1);
    CHECK(r[0].fields == std::vector<std::string>{"a", "b\t\"c", "d\"", "e"});
    CHECK(parse_records("a\tb", '\t')[0].fields == std::vector<std::string>{"a", "b"});
  }
  SUBCASE("empty input")
  {
    CHECK(records("").empty());
    CHECK(records("\r\n").empty());
  }
}

TEST_CASE("csv::decode")
{
  SUBCASE("UTF-8 BOM is stripped")
  {
    CHECK(decode("\xEF\xBB\xBForder_id", Encoding::automatic).value() == "order_id");
    CHECK(decode("\xEF\xBB\xBF주문", Encoding::utf8).value() == "주문");
  }
  SUBCASE("auto falls back to CP949, including its non-EUC-KR syllables")
  {
    CHECK(decode("\xC1\xD6\xB9\xAE", Encoding::automatic).value() == "주문");
    CHECK(decode("\x8C\x63\xB9\xE6", Encoding::automatic).value() == "똠방");
    CHECK(decode("\x8C\x63", Encoding::cp949).value() == "똠");
  }
  SUBCASE("errors name the byte offset")
  {
    CHECK(decode("ok\xC1\xD6\xB9\xAE", Encoding::utf8).error() == "not valid UTF-8 (byte offset 2)");
    CHECK(decode("ab\xFF\xFF", Encoding::cp949).error() == "not valid CP949 (byte offset 2)");
    CHECK(decode("ab\xFF\xFF", Encoding::automatic).error() == "neither UTF-8 nor CP949 (byte offset 2)");
  }
  SUBCASE("a CP949 fixture made with iconv")
  {
    const auto text = decode(read_file(k_fixtures / "cp949-shop.csv"), Encoding::automatic);
    REQUIRE(text.has_value());
    CHECK(text->starts_with("주문번호,품목번호,주문일자,처리상태,상품명,옵션,수량,판매가,배송비,주문자,연락처,주소\r\n"));
    CHECK(text->find("\"똠양꿍 밀키트, 2인분\"") != std::string::npos);
    CHECK(text->find("\"￦8,900\"") != std::string::npos);
  }
  SUBCASE("encoding names")
  {
    CHECK(parse_encoding("AUTO") == Encoding::automatic);
    CHECK(parse_encoding("UTF-8") == Encoding::utf8);
    CHECK(parse_encoding("utf8") == Encoding::utf8);
    CHECK(parse_encoding("cp949") == Encoding::cp949);
    CHECK(parse_encoding("EUC-KR") == Encoding::cp949);
    CHECK_FALSE(parse_encoding("latin1").has_value());
    CHECK(is_valid_utf8("주문"));
    CHECK_FALSE(is_valid_utf8("\xC1\xD6"));
  }
}

TEST_CASE("csv values")
{
  SUBCASE("money")
  {
    CHECK(parse_money("12900", "KRW") == 12900);
    CHECK(parse_money("12,900", "KRW") == 12900);
    CHECK(parse_money(" ₩12,900 ", "KRW") == 12900);
    CHECK(parse_money("￦8,900", "KRW") == 8900);
    CHECK(parse_money("12900원", "KRW") == 12900);
    CHECK(parse_money("1,234,567 원", "KRW") == 1234567);
    CHECK(parse_money("-3,000", "KRW") == -3000);
    CHECK(parse_money("$1,234.50", "USD") == 123450);
    CHECK(parse_money("19.99", "SGD") == 1999);
    CHECK(parse_money("1500円", "JPY") == 1500);
    CHECK(parse_money("0", "KRW") == 0);
    CHECK_FALSE(parse_money("abc", "KRW").has_value());
    CHECK_FALSE(parse_money("", "KRW").has_value());
    CHECK_FALSE(parse_money("12.900.5", "KRW").has_value());
    CHECK_FALSE(parse_money("12,", "KRW").has_value());
    CHECK_FALSE(parse_money("원", "KRW").has_value());
  }
  SUBCASE("quantity")
  {
    CHECK(parse_quantity("3") == 3);
    CHECK(parse_quantity(" 1,000 ") == 1000);
    CHECK(parse_quantity("2.0") == 2);
    CHECK(parse_quantity("0") == 0);
    CHECK_FALSE(parse_quantity("abc").has_value());
    CHECK_FALSE(parse_quantity("1.5").has_value());
    CHECK_FALSE(parse_quantity("-1").has_value());
    CHECK_FALSE(parse_quantity("99999999999").has_value());
  }
  SUBCASE("status")
  {
    CHECK(parse_status("paid") == OrderStatus::paid);
    CHECK(parse_status("CANCEL_REQUESTED") == OrderStatus::cancel_requested);
    CHECK(parse_status("cancel-requested") == OrderStatus::cancel_requested);
    CHECK(parse_status("결제완료") == OrderStatus::paid);
    CHECK(parse_status("배송준비중") == OrderStatus::preparing);
    CHECK(parse_status("발주확인") == OrderStatus::preparing);
    CHECK(parse_status("배송중") == OrderStatus::shipped);
    CHECK(parse_status("배송완료") == OrderStatus::delivered);
    CHECK(parse_status("구매확정") == OrderStatus::completed);
    CHECK(parse_status("취소 완료") == OrderStatus::cancelled);
    CHECK(parse_status("취소요청") == OrderStatus::cancel_requested);
    CHECK(parse_status("반품요청") == OrderStatus::return_requested);
    CHECK(parse_status("반품완료") == OrderStatus::returned);
    CHECK(parse_status("교환요청") == OrderStatus::exchange_requested);
    CHECK(parse_status("교환완료") == OrderStatus::exchanged);
    CHECK(parse_status("Canceled") == OrderStatus::cancelled);
    CHECK_FALSE(parse_status("보류중").has_value());
    CHECK_FALSE(parse_status("unknown").has_value());
    CHECK_FALSE(parse_status("").has_value());
  }
  SUBCASE("time")
  {
    using std::chrono::November;
    const auto at = kst(2026y / November / 22, 10h, 0min);
    CHECK(parse_local_time("2026-11-22 10:00:00", 9h) == at);
    CHECK(parse_local_time("2026-11-22 10:00", 9h) == at);
    CHECK(parse_local_time("2026.11.22 10:00", 9h) == at);
    CHECK(parse_local_time("2026/11/22 10:00", 9h) == at);
    CHECK(parse_local_time("2026. 11. 22. 오전 10:00:00", 9h) == at);
    CHECK(parse_local_time("2026. 11. 22. 오후 3:05:00", 9h) == kst(2026y / November / 22, 15h, 5min));
    CHECK(parse_local_time("2026-11-22 12:30 AM", 9h) == kst(2026y / November / 22, 0h, 30min));
    CHECK(parse_local_time("2026-11-22 10:00:00.25", 9h) == at + 250ms);
    CHECK(parse_local_time("2026-11-22", 9h) == kst(2026y / November / 22, 0h, 0min));
    CHECK(parse_local_time("2026-11-22 10:00:00", 0h) == at + 9h);
    CHECK(parse_local_time("2026-11-22T10:00:00+09:00", 0h) == at);
    CHECK(parse_local_time("2026-11-22T01:00:00Z", 9h) == at);
    CHECK_FALSE(parse_local_time("2026-13-22 10:00", 9h).has_value());
    CHECK_FALSE(parse_local_time("2026.11.22 25:00", 9h).has_value());
    CHECK_FALSE(parse_local_time("yesterday", 9h).has_value());
    CHECK_FALSE(parse_local_time("", 9h).has_value());
  }
  SUBCASE("utc offset")
  {
    // The timezone setting is read by util::parse_utc_offset, like every other kind's:
    // zone names and one-digit hours are offsets there too.
    CHECK(util::parse_utc_offset("+09:00") == 540min);
    CHECK(util::parse_utc_offset("+0900") == 540min);
    CHECK(util::parse_utc_offset("+09") == 540min);
    CHECK(util::parse_utc_offset("-05:30") == -330min);
    CHECK(util::parse_utc_offset("UTC") == 0min);
    CHECK(util::parse_utc_offset("Z") == 0min);
    CHECK(util::parse_utc_offset("KST") == 540min);
    CHECK(util::parse_utc_offset("+9") == 540min);
    CHECK_FALSE(util::parse_utc_offset("+09:00x").has_value());
  }
}

TEST_CASE("csv::parse_mapping")
{
  SUBCASE("auto")
  {
    CHECK_FALSE(mapping("").has_value());
    CHECK_FALSE(mapping("auto").has_value());
  }
  SUBCASE("presets")
  {
    const auto uoms = mapping("uoms");
    REQUIRE(uoms.has_value());
    CHECK(uoms->name == "uoms");
    CHECK((*uoms)[Field::order_id] == std::vector<std::string>{"order_id"});
    const auto smartstore = mapping(" Smartstore-Excel ");
    REQUIRE(smartstore.has_value());
    CHECK(smartstore->name == "smartstore-excel");
    CHECK((*smartstore)[Field::item_id] == std::vector<std::string>{"상품주문번호"});
    CHECK((*smartstore)[Field::address1] == std::vector<std::string>{"기본배송지", "통합배송지"});
  }
  SUBCASE("inline overrides start from the uoms layout")
  {
    const auto m = mapping("order_id=Order No; quantity = Qty | Quantity ;sku=;");
    REQUIRE(m.has_value());
    CHECK(m->name == "inline");
    CHECK((*m)[Field::order_id] == std::vector<std::string>{"Order No"});
    CHECK((*m)[Field::quantity] == std::vector<std::string>{"Qty", "Quantity"});
    CHECK((*m)[Field::sku].empty());
    CHECK((*m)[Field::item_id] == std::vector<std::string>{"item_id"});
  }
  SUBCASE("inline overrides of a named preset")
  {
    const auto m = mapping("smartstore-excel;sku=옵션관리코드");
    REQUIRE(m.has_value());
    CHECK((*m)[Field::sku] == std::vector<std::string>{"옵션관리코드"});
    CHECK((*m)[Field::order_id] == std::vector<std::string>{"주문번호"});
  }
  SUBCASE("errors")
  {
    CHECK(mapping_error("ordr_id=Order") ==
          "mapping: unknown uoms field \"ordr_id\" (fields: order_id, item_id, ordered_at, paid_at, status, sku, "
          "product_id, option_id, product_name, option_name, quantity, unit_price, total_price, shipping_fee, "
          "currency, buyer_name, buyer_phone, buyer_email, receiver_name, receiver_phone, zip, address1, address2)");
    CHECK(mapping_error("coupang") == "mapping: unknown preset \"coupang\" (presets: uoms, smartstore-excel)");
    CHECK(mapping_error("sku=A;smartstore-excel") ==
          "mapping: \"smartstore-excel\" is not field=Header (only the first entry may name a preset)");
    CHECK(mapping_error("sku=A;SKU=B") == "mapping: field \"sku\" is given twice");
    CHECK(mapping_error("quantity=") == "mapping: required field \"quantity\" has no column");
  }
}

TEST_CASE("csv::map_records")
{
  using std::chrono::November;
  SUBCASE("rows with the same order_id form one order, in first-seen order")
  {
    const auto result = map_ok("order_id,item_id,quantity,unit_price,total_price,shipping_fee,ordered_at,status\n"
                               "A,1,2,\"1,000\",,3000,2026-11-22 10:00,paid\n"
                               "B,1,1,500,,0,2026-11-22 11:00,결제완료\n"
                               "A,2,1,,\"2,500\",3000,,\n");
    CHECK(result.mapping_name == "uoms");
    CHECK(result.failures.empty());
    CHECK(result.notes.empty());
    REQUIRE(result.orders.size() == 2);
    const auto& a = result.orders[0];
    CHECK(a.external_id == "A");
    REQUIRE(a.items.size() == 2);
    CHECK(a.items[0].external_id == "1");
    CHECK(a.items[0].quantity == 2);
    CHECK(a.items[0].unit_price_minor == 1000);
    CHECK(a.items[0].total_price_minor == 2000);
    CHECK(a.items[1].unit_price_minor == 2500);
    CHECK(a.items[1].total_price_minor == 2500);
    CHECK(a.items[1].raw_status == "paid");
    CHECK(a.items[1].status == OrderStatus::paid);
    CHECK(a.shipping_fee_minor == 3000);
    CHECK(a.total_minor == 7500);
    CHECK(a.currency == "KRW");
    CHECK(a.ordered_at == kst(2026y / November / 22, 10h, 0min));
    CHECK(a.raw == "order_id,item_id,quantity,unit_price,total_price,shipping_fee,ordered_at,status\n"
                   "A,1,2,\"1,000\",,3000,2026-11-22 10:00,paid\n"
                   "A,2,1,,\"2,500\",3000,,");
    CHECK(result.orders[1].external_id == "B");
    CHECK(result.orders[1].status == OrderStatus::paid);
    CHECK(result.orders[1].raw_status == "결제완료");
  }
  SUBCASE("every default column")
  {
    const auto result = map_ok(
      "Order_ID , ITEM_ID,ordered_at,status,sku,product_name,option_name,quantity,unit_price,total_price,"
      "shipping_fee,currency,buyer_name,buyer_phone,receiver_name,receiver_phone,zip,address1,address2,paid_at,"
      "product_id,option_id,buyer_email,extra\n"
      "W-1,9,2026-11-22T10:00:00+09:00,배송중,SKU-1,Tea,\"Size: L, Red\",3,$1.50,$4.50,$2.00,usd,Kim,010-1,Lee,010-2,"
      "06236,Seoul,\"12F\nback door\",2026.11.22 10:05,P-1,O-1,kim@example.com,ignored\n");
    REQUIRE(result.orders.size() == 1);
    const auto& o = result.orders[0];
    CHECK(o.status == OrderStatus::shipped);
    CHECK(o.raw_status == "배송중");
    CHECK(o.currency == "USD");
    CHECK(o.shipping_fee_minor == 200);
    CHECK(o.total_minor == 650);
    CHECK(o.ordered_at == kst(2026y / November / 22, 10h, 0min));
    CHECK(o.paid_at == kst(2026y / November / 22, 10h, 5min));
    CHECK(o.buyer.name == "Kim");
    CHECK(o.buyer.phone == "010-1");
    CHECK(o.buyer.email == "kim@example.com");
    CHECK(o.receiver.name == "Lee");
    CHECK(o.receiver.phone == "010-2");
    CHECK(o.receiver.zip == "06236");
    CHECK(o.receiver.address1 == "Seoul");
    CHECK(o.receiver.address2 == "12F\nback door");
    REQUIRE(o.items.size() == 1);
    const auto& item = o.items[0];
    CHECK(item.external_id == "9");
    CHECK(item.sku == "SKU-1");
    CHECK(item.product_id == "P-1");
    CHECK(item.option_id == "O-1");
    CHECK(item.name == "Tea");
    CHECK(item.option_name == "Size: L, Red");
    CHECK(item.quantity == 3);
    CHECK(item.unit_price_minor == 150);
    CHECK(item.total_price_minor == 450);
  }
  SUBCASE("the smartstore-excel preset, chosen by auto")
  {
    const auto result =
      map_ok("상품주문번호,주문번호,주문일시,주문상태,상품명,옵션정보,수량,상품가격,최종 상품별 총 주문금액,배송비 합계,구매자명,"
             "구매자연락처,수취인명,수취인연락처1,우편번호,통합배송지,판매자 상품코드\n"
             "2026112200000101,2026112211110001,2026.11.22 10:05,발주확인,얼그레이,\"색상: 화이트\",2,\"12,900\",\"24,800\","
             "\"3,000\",김민준,010-1111-2222,이서연,010-3333-4444,06236,서울 강남구 테헤란로 152 12층,TEA-EG\n");
    CHECK(result.mapping_name == "smartstore-excel");
    REQUIRE(result.orders.size() == 1);
    const auto& o = result.orders[0];
    CHECK(o.external_id == "2026112211110001");
    CHECK(o.status == OrderStatus::preparing);
    CHECK(o.ordered_at == kst(2026y / November / 22, 10h, 5min));
    CHECK(o.buyer.name == "김민준");
    CHECK(o.receiver.name == "이서연");
    CHECK(o.receiver.phone == "010-3333-4444");
    CHECK(o.receiver.address1 == "서울 강남구 테헤란로 152 12층");
    CHECK(o.receiver.address2 == "");
    CHECK(o.total_minor == 27800);
    REQUIRE(o.items.size() == 1);
    CHECK(o.items[0].external_id == "2026112200000101");
    CHECK(o.items[0].sku == "TEA-EG");
    CHECK(o.items[0].option_name == "색상: 화이트");
    CHECK(o.items[0].unit_price_minor == 12900);
    CHECK(o.items[0].total_price_minor == 24800);
  }
  SUBCASE("an inline mapping over a CP949 export")
  {
    const auto text = decode(read_file(k_fixtures / "cp949-shop.csv"), Encoding::automatic).value();
    const auto m = mapping("order_id=주문번호;item_id=품목번호;ordered_at=주문일자;status=처리상태;product_name=상품명;"
                           "option_name=옵션;quantity=수량;unit_price=판매가;shipping_fee=배송비;buyer_name=주문자;"
                           "buyer_phone=연락처;receiver_name=주문자;receiver_phone=연락처;address1=주소");
    auto result = map_records("shop.csv", records(text), m, MapOptions{});
    REQUIRE(result.has_value());
    CHECK(result->mapping_name == "inline");
    CHECK(result->failures.empty());
    REQUIRE(result->orders.size() == 2);
    const auto& o = result->orders[0];
    CHECK(o.external_id == "K-1001");
    CHECK(o.status == OrderStatus::preparing);
    CHECK(o.ordered_at == kst(2026y / November / 22, 14h, 30min));
    CHECK(o.receiver.name == "홍길동");
    CHECK(o.receiver.address1 == "서울시 중구 세종대로 110");
    CHECK(o.shipping_fee_minor == 3000);
    CHECK(o.total_minor == 8900 * 2 + 3500 + 3000);
    REQUIRE(o.items.size() == 2);
    CHECK(o.items[0].name == "똠양꿍 밀키트, 2인분");
    CHECK(o.items[0].option_name == "맵기: 보통");
    CHECK(o.items[0].unit_price_minor == 8900);
    CHECK(o.items[0].total_price_minor == 17800);
    CHECK(result->orders[1].status == OrderStatus::paid);
    CHECK(result->orders[1].shipping_fee_minor == 0);
  }
  SUBCASE("a bad row fails its whole order with file:line and the raw rows")
  {
    const auto result = map_ok("order_id,item_id,quantity\n"
                               "A,1,1\n"
                               "B,1,2\n"
                               "A,2,abc\n");
    REQUIRE(result.orders.size() == 1);
    CHECK(result.orders[0].external_id == "B");
    REQUIRE(result.failures.size() == 1);
    CHECK(result.failures[0].external_id == "A");
    CHECK(result.failures[0].reason == "orders.csv:4: quantity \"abc\" is not a number");
    CHECK(result.failures[0].raw == "order_id,item_id,quantity\nA,1,1\nA,2,abc");
  }
  SUBCASE("every bad cell of an order is named, with the file's header where it differs")
  {
    const auto m = mapping("quantity=수량");
    const auto result = map_ok("order_id,item_id,수량,unit_price,ordered_at,currency\n"
                               "A,1,,12x,2026-11-22,KRW\n"
                               "A,1,1,100,tomorrow,USD\n"
                               "A,,1,100,,\n",
                               m);
    CHECK(result.orders.empty());
    REQUIRE(result.failures.size() == 1);
    CHECK(result.failures[0].reason ==
          "orders.csv:2: quantity (수량) is empty; orders.csv:2: unit_price \"12x\" is not an amount; "
          "orders.csv:3: item_id \"1\" repeats line 2; orders.csv:3: currency \"USD\" differs from the order's KRW; "
          "orders.csv:3: ordered_at \"tomorrow\" is not a time; orders.csv:4: item_id is empty");
  }
  SUBCASE("ragged rows, empty order ids, unterminated quotes")
  {
    const auto result = map_ok(std::string(k_header) +
                               "A,1,1,100,paid\n"
                               "A,2,1,100\n"
                               "B,1,1,100,paid,extra\n"
                               ",1,1,100,paid\n"
                               "C,1,1,100,paid\n"
                               "D,1,1,\"100,paid\n");
    CHECK(result.orders.size() == 1);
    CHECK(result.orders[0].external_id == "C");
    REQUIRE(result.failures.size() == 4);
    CHECK(result.failures[0].external_id == "");
    CHECK(result.failures[0].reason == "orders.csv:5: order_id is empty");
    CHECK(result.failures[0].raw == "order_id,item_id,quantity,unit_price,status\n,1,1,100,paid");
    CHECK(result.failures[1].external_id == "A");
    CHECK(result.failures[1].reason == "orders.csv:3: 4 fields, the header row has 5");
    CHECK(result.failures[2].external_id == "B");
    CHECK(result.failures[2].reason == "orders.csv:4: 6 fields, the header row has 5");
    CHECK(result.failures[3].external_id == "D");
    CHECK(result.failures[3].reason == "orders.csv:7: unterminated quoted field");
  }
  SUBCASE("unknown status is kept raw, as unknown, with a note")
  {
    const auto result = map_ok(std::string(k_header) +
                               "A,1,1,100,보류중\n"
                               "B,1,1,100,paid\n"
                               "B,2,1,100,배송지연\n");
    REQUIRE(result.orders.size() == 2);
    CHECK(result.orders[0].status == OrderStatus::unknown);
    CHECK(result.orders[0].raw_status == "보류중");
    CHECK(result.orders[0].items[0].status == OrderStatus::unknown);
    CHECK(result.orders[1].status == OrderStatus::paid);
    CHECK(result.orders[1].items[1].status == OrderStatus::unknown);
    CHECK(result.orders[1].items[1].raw_status == "배송지연");
    REQUIRE(result.notes.size() == 2);
    CHECK(result.notes[0].external_id == "A");
    CHECK(result.notes[0].message == "orders.csv:2: unknown status \"보류중\" kept as unknown");
    CHECK(result.notes[1].external_id == "B");
    CHECK(result.notes[1].message == "orders.csv:4: unknown status \"배송지연\" kept as unknown");
  }
  SUBCASE("no status column: orders to fulfil are paid; blank rows are skipped")
  {
    const auto result = map_ok("order_id,item_id,quantity\nA,1,1\n,,\n , , \n");
    REQUIRE(result.orders.size() == 1);
    CHECK(result.orders[0].status == OrderStatus::paid);
    CHECK(result.orders[0].raw_status == "");
    CHECK(result.failures.empty());
  }
  SUBCASE("empty file and header-only file")
  {
    CHECK(map_ok("").orders.empty());
    const auto header_only = map_ok("order_id,item_id,quantity\r\n");
    CHECK(header_only.orders.empty());
    CHECK(header_only.failures.empty());
  }
  SUBCASE("missing required columns name the file and the column")
  {
    CHECK(map_error("order_id,item_id,qty\nA,1,1\n", mapping("uoms")) ==
          "orders.csv: required column \"quantity\" (quantity) not found in the header row");
    CHECK(map_error("주문번호,수량\n1,1\n", mapping("smartstore-excel")) ==
          "orders.csv: required column \"상품주문번호\" (item_id) not found in the header row");
    CHECK(map_error("order_id,item_id,qty\nA,1,1\n", mapping("quantity=Count|Pieces")) ==
          "orders.csv: required column \"Count\" or \"Pieces\" (quantity) not found in the header row");
    CHECK(map_error("order_id,item_id,qty\nA,1,1\n") ==
          "orders.csv: the header row matches no mapping preset (uoms: no column \"quantity\"; smartstore-excel: "
          "no column \"주문번호\"); set mapping");
  }
}
