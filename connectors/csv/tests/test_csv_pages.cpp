// Large csv files read in bounded pieces: the streaming record reader and decoder, pages of
// rows that never split an order, and files skipped by their on-disk identity.

#include "connectors/csv/tests/csv_test.hpp"

#include <sys/stat.h>

namespace {

// parse_records over the text given `step` bytes at a time.
std::vector<Record> read_in_pieces(std::string_view text, std::size_t step)
{
  std::size_t at = 0;
  RecordReader reader(
    [&](std::string& out) -> std::expected<void, std::string> {
      const auto piece = text.substr(std::min(at, text.size()), step);
      at += piece.size();
      out += piece;
      return {};
    },
    ',');
  std::vector<Record> records;
  for (;;) {
    auto next = reader.next();
    REQUIRE(next.has_value());
    if (!*next) {
      return records;
    }
    records.push_back(std::move(**next));
  }
}

void check_same(const std::vector<Record>& a, const std::vector<Record>& b)
{
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].fields == b[i].fields);
    CHECK(a[i].line == b[i].line);
    CHECK(a[i].text == b[i].text);
    CHECK(a[i].error == b[i].error);
  }
}

// Decoder::feed over `bytes` one byte at a time.
std::expected<std::string, std::size_t> decode_bytewise(std::string_view bytes, Encoding encoding)
{
  Decoder decoder(encoding);
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (auto fed = decoder.feed(bytes.substr(i, 1), i + 1 == bytes.size(), out); !fed) {
      return std::unexpected(fed.error());
    }
  }
  if (bytes.empty()) {
    if (auto fed = decoder.feed({}, true, out); !fed) {
      return std::unexpected(fed.error());
    }
  }
  return out;
}

std::vector<std::string> item_ids(const Order& order)
{
  std::vector<std::string> ids;
  for (const auto& item : order.items) {
    ids.push_back(item.external_id);
  }
  return ids;
}

std::string identity_key(const fs::path& path)
{
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return fmt::format("stat:{}:{}:{}:{}", st.st_dev, st.st_ino, st.st_size,
                     static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec);
}

} // namespace

TEST_CASE("csv::RecordReader")
{
  const std::string text = "a,\"b\r\nc\",d\r\n\r\n\"x\"\"y\",z\rlone,\"q\"\"\"\n,,\n\"open,never\nclosed";
  const auto whole = parse_records(text, ',');
  REQUIRE(whole.size() == 5);
  CHECK(whole.back().error == "unterminated quoted field");
  for (const std::size_t step : {1, 2, 3, 7, 64}) {
    CAPTURE(step);
    check_same(read_in_pieces(text, step), whole);
  }
  check_same(read_in_pieces("", 1), {});
  check_same(read_in_pieces("a,b\r", 1), parse_records("a,b\r", ','));
}

TEST_CASE("csv::Decoder")
{
  SUBCASE("CP949 in single bytes equals the whole")
  {
    const std::string bytes = "order_id,name\n1,\xC8\xAB\xC2\xF7\n"; // 홍차
    CHECK(decode_bytewise(bytes, Encoding::cp949).value() == decode(bytes, Encoding::cp949).value());
    CHECK(decode_bytewise(bytes, Encoding::cp949).value() == "order_id,name\n1,홍차\n");
  }
  SUBCASE("a BOM cut in two is still stripped")
  {
    CHECK(decode_bytewise("\xEF\xBB\xBFid\n", Encoding::utf8).value() == "id\n");
    CHECK(decode_bytewise("\xEF\xBB", Encoding::utf8).error() == 0);
  }
  SUBCASE("offsets of bad bytes are decode()'s")
  {
    const std::string bad = "\xEF\xBB\xBForder_id\n\xC1\xD6,1\n";
    CHECK(decode(bad, Encoding::utf8).error() == "not valid UTF-8 (byte offset 9)");
    CHECK(decode_bytewise(bad, Encoding::utf8).error() == 9);
    const std::string cut = "a,\xED\x95";
    CHECK(decode_bytewise(cut, Encoding::utf8).error() == 2);
  }
}

TEST_CASE("csv::CsvConnector pages")
{
  TempDir dir;
  // C's rows are apart (lines 4 and 7), so no page may end between them.
  const std::string file = std::string(k_header) +
                           "A,1,1,100,paid\n"
                           "A,2,1,100,paid\n"
                           "C,1,1,100,paid\n"
                           "B,1,1,100,paid\n"
                           "D,1,1,100,paid\n"
                           "C,2,1,100,paid\n"
                           "E,1,1,100,paid\n"
                           "E,2,1,100,paid\n"
                           "F,1,x,100,paid\n";
  dir.write("a.csv", file);
  dir.write("b.csv", std::string(k_header) + "G,1,1,100,paid\n");
  const auto key = "sha256:" + crypto::sha256_hex(file);

  SUBCASE("pages of two rows end only where every order begun has ended")
  {
    std::set<std::string> processed;
    const auto connector = make({{"path", dir.path().string()}}, &processed, 2);
    auto page = connector->fetch_orders({}, "");
    REQUIRE(page.has_value());
    // A's two rows fill the page and A ends there.
    REQUIRE(page->orders.size() == 1);
    CHECK(page->orders[0].external_id == "A");
    CHECK(item_ids(page->orders[0]) == std::vector<std::string>{"1", "2"});
    CHECK(page->next_cursor == "a.csv/2");
    CHECK(page->processed_key.empty());
    CHECK(page->processed_aliases.empty());

    // C begins on row 3 and ends on row 6: the page runs on to it, and B and D come along.
    page = connector->fetch_orders({}, page->next_cursor);
    REQUIRE(page.has_value());
    REQUIRE(page->orders.size() == 3);
    CHECK(page->orders[0].external_id == "C");
    CHECK(item_ids(page->orders[0]) == std::vector<std::string>{"1", "2"});
    CHECK(page->orders[0].raw == "order_id,item_id,quantity,unit_price,status\nC,1,1,100,paid\nC,2,1,100,paid");
    CHECK(page->orders[1].external_id == "B");
    CHECK(page->orders[2].external_id == "D");
    CHECK(page->next_cursor == "a.csv/6");

    page = connector->fetch_orders({}, page->next_cursor);
    REQUIRE(page.has_value());
    REQUIRE(page->orders.size() == 1);
    CHECK(page->orders[0].external_id == "E");
    CHECK(page->next_cursor == "a.csv/8");

    // The last page of the file holds F's failure (line 10) and the file's keys.
    page = connector->fetch_orders({}, page->next_cursor);
    REQUIRE(page.has_value());
    CHECK(page->orders.empty());
    REQUIRE(page->failures.size() == 1);
    CHECK(page->failures[0].reason == "a.csv:10: quantity \"x\" is not a number");
    CHECK(page->processed_key == key);
    CHECK(page->processed_aliases == std::vector<std::string>{identity_key(dir.path() / "a.csv")});
    CHECK(page->next_cursor == "a.csv");

    page = connector->fetch_orders({}, page->next_cursor);
    REQUIRE(page.has_value());
    REQUIRE(page->orders.size() == 1);
    CHECK(page->orders[0].external_id == "G");
    CHECK(page->next_cursor == "");
  }
  SUBCASE("a page size larger than the file gives one page, as before")
  {
    const auto page = make({{"path", dir.path().string()}})->fetch_orders({}, "");
    REQUIRE(page.has_value());
    CHECK(page->orders.size() == 5);
    CHECK(page->processed_key == key);
    CHECK(page->next_cursor == "a.csv");
  }
  SUBCASE("another connector resumes inside a file from the cursor")
  {
    const auto page = make({{"path", dir.path().string()}}, nullptr, 2)->fetch_orders({}, "a.csv/6");
    REQUIRE(page.has_value());
    REQUIRE(page->orders.size() == 1);
    CHECK(page->orders[0].external_id == "E");
    CHECK(page->next_cursor == "a.csv/8");
    CHECK(make({{"path", dir.path().string()}})->fetch_orders({}, "a.csv/x").error().message ==
          "invalid csv cursor \"a.csv/x\"");
  }
  SUBCASE("an undecodable byte after the first page commits nothing")
  {
    std::string bad = std::string(k_header);
    for (int i = 0; i < 50; ++i) {
      bad += fmt::format("O{},1,1,100,paid\n", i);
    }
    bad += "Z,1,1,\xC1\xD6,paid\n";
    dir.write("a.csv", bad);
    const auto page = make({{"path", dir.path().string()}, {"encoding", "utf-8"}}, nullptr, 2)->fetch_orders({}, "");
    REQUIRE_FALSE(page.has_value());
    CHECK(page.error().message == fmt::format("a.csv: not valid UTF-8 (byte offset {})", bad.find('\xC1')));
  }
  SUBCASE("a file is skipped by its identity without reading it")
  {
    // Only the identity is recorded: were the file read, its key would not be found.
    std::set<std::string> processed{identity_key(dir.path() / "a.csv")};
    const auto connector = make({{"path", dir.path().string()}}, &processed);
    const auto page = connector->fetch_orders({}, "");
    REQUIRE(page.has_value());
    REQUIRE(page->orders.size() == 1);
    CHECK(page->orders[0].external_id == "G");
    CHECK(connector->check().value() == fmt::format("folder {}: 2 csv files, 1 not yet processed", dir.path().string()));
  }
  SUBCASE("a file touched or changed in place is hashed again")
  {
    std::set<std::string> processed{key, identity_key(dir.path() / "a.csv")};
    const auto connector = make({{"path", dir.path().string()}}, &processed);

    // Touched: a new mtime, the same bytes. Read, found processed by its key, and its new
    // identity is recorded with the next page.
    const auto a = dir.path() / "a.csv";
    fs::last_write_time(a, fs::last_write_time(a) + 5s);
    auto page = connector->fetch_orders({}, "");
    REQUIRE(page.has_value());
    CHECK(page->orders.at(0).external_id == "G");
    REQUIRE(page->processed_aliases.size() == 2);
    CHECK(page->processed_aliases[0] == identity_key(a));

    // Changed in place (the same inode): new bytes, read again.
    processed.insert(page->processed_aliases.begin(), page->processed_aliases.end());
    const auto touched = identity_key(a);
    const auto inode = [&] {
      struct stat st{};
      REQUIRE(::stat(a.c_str(), &st) == 0);
      return st.st_ino;
    };
    const auto before = inode();
    std::ofstream(a, std::ios::binary | std::ios::trunc) << k_header << "H,1,1,100,paid\n";
    CHECK(inode() == before);
    CHECK(identity_key(a) != touched);
    page = connector->fetch_orders({}, "");
    REQUIRE(page.has_value());
    REQUIRE(page->orders.size() == 1);
    CHECK(page->orders[0].external_id == "H");
  }
}
