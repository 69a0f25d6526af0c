#pragma once

// What the csv connector tests share: fixtures, a temporary folder and mapping shortcuts.
#include "connectors/csv/csv.hpp"
#include "connectors/csv/mapping.hpp"
#include "connectors/csv/parser.hpp"
#include "connectors/csv/values.hpp"
#include "uoms/crypto.hpp"
#include "uoms/util/text.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace uoms;
using namespace uoms::connectors;
using namespace uoms::connectors::csv;

namespace csv_test {

const fs::path k_fixtures = fs::path(UOMS_SOURCE_DIR) / "connectors/csv/tests/fixtures";
const fs::path k_examples = fs::path(UOMS_SOURCE_DIR) / "examples/orders";

// A KST wall-clock time as the UTC instant uoms stores.
inline TimePoint kst(std::chrono::year_month_day date, std::chrono::hours h, std::chrono::minutes m,
              std::chrono::seconds s = 0s)
{
  return TimePoint(std::chrono::sys_days(date) + h + m + s - 9h);
}

inline std::string read_file(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh folder under the temp directory, removed with the object.
class TempDir
{
public:
  TempDir()
  {
    std::string pattern = (fs::temp_directory_path() / "uoms-csv-XXXXXX").string();
    m_path = ::mkdtemp(pattern.data());
  }
  ~TempDir()
  {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  const fs::path& path() const { return m_path; }
  void write(const std::string& name, std::string_view bytes) const
  {
    std::ofstream(m_path / name, std::ios::binary) << bytes;
  }

private:
  fs::path m_path;
};

inline std::vector<Record> records(std::string_view text) { return parse_records(text, ','); }

inline FileOrders map_ok(std::string_view text, const std::optional<Mapping>& mapping = std::nullopt)
{
  auto result = map_records("orders.csv", records(text), mapping, MapOptions{});
  REQUIRE_MESSAGE(result.has_value(), result.error());
  return std::move(*result);
}

inline std::string map_error(std::string_view text, const std::optional<Mapping>& mapping = std::nullopt)
{
  auto result = map_records("orders.csv", records(text), mapping, MapOptions{});
  REQUIRE_FALSE(result.has_value());
  return result.error();
}

inline std::optional<Mapping> mapping(std::string_view text)
{
  auto parsed = parse_mapping(text);
  REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
  return *parsed;
}

inline std::string mapping_error(std::string_view text)
{
  auto parsed = parse_mapping(text);
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}

inline std::unique_ptr<Connector> make(Settings settings, std::set<std::string>* processed = nullptr, int page_size = 0)
{
  ChannelContext context;
  context.name = "csv-test";
  context.settings = std::move(settings);
  context.page_size = page_size;
  if (processed != nullptr) {
    context.already_processed = [processed](std::string_view key) { return processed->contains(std::string(key)); };
  }
  return spec().make(context);
}

constexpr std::string_view k_header = "order_id,item_id,quantity,unit_price,status\n";

} // namespace csv_test

using namespace csv_test;
