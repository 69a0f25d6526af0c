// SpooledJson: an answer kept in a file, indexed without building its tree.

#include "connectors/support/spooled_json.hpp"

#include <doctest/doctest.h>

#include <string>

using uoms::connectors::support::SpooledJson;
using json = nlohmann::json;

namespace {

std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_of(std::string_view text)
{
  auto file = SpooledJson::temporary_file();
  REQUIRE(file);
  std::fwrite(text.data(), 1, text.size(), file.get());
  std::fflush(file.get());
  return file;
}

} // namespace

TEST_CASE("SpooledJson::index")
{
  SUBCASE("scalars in the envelope, the elements of arrays as the bytes sent")
  {
    const std::string text = R"( {"ResultCode" : 0, "ResultMsg":"SUCCESS",
      "ResultObject": [ {"b": 2, "a": [1, {"x": "}]\""}]} ,{"n":-1.5e3}, 7, "s", [1,2],{}],
      "Other": {"k": [true, null]}, "Count": 12} )";
    const auto file = file_of(text);
    const auto spooled = SpooledJson::index(file.get());
    REQUIRE(spooled.has_value());
    CHECK(spooled->envelope() == json{{"ResultCode", 0}, {"ResultMsg", "SUCCESS"}, {"Count", 12}});
    const auto* rows = spooled->member("ResultObject");
    REQUIRE(rows != nullptr);
    CHECK(rows->is_array);
    REQUIRE(rows->size() == 6);
    CHECK(spooled->text(*rows, 0) == R"({"b": 2, "a": [1, {"x": "}]\""}]})");
    CHECK(spooled->text(*rows, 1) == R"({"n":-1.5e3})");
    CHECK(spooled->text(*rows, 2) == "7");
    CHECK(spooled->text(*rows, 3) == "\"s\"");
    CHECK(spooled->text(*rows, 4) == "[1,2]");
    CHECK(spooled->text(*rows, 5) == "{}");
    CHECK(spooled->parse(*rows, 0) == json::parse(R"({"a":[1,{"x":"}]\""}],"b":2})"));
    CHECK(spooled->parse(*rows, 2) == 7);
    const auto* other = spooled->member("Other");
    REQUIRE(other != nullptr);
    CHECK_FALSE(other->is_array);
    CHECK(spooled->text(*other) == R"({"k": [true, null]})");
    CHECK(spooled->member("resultobject") == nullptr);
    CHECK(spooled->member("resultobject", true) == rows);
    CHECK(spooled->member("Count") == nullptr);
  }
  SUBCASE("what is not a JSON object")
  {
    CHECK(SpooledJson::index(file_of("").get()).error() == "empty");
    CHECK(SpooledJson::index(file_of(R"({"a":[1,2)").get()).error() == "not JSON");
    CHECK(SpooledJson::index(file_of(R"({"a":1},)").get()).error() == "not JSON");
    CHECK(SpooledJson::index(file_of("[1]").get()).error() == "not an object");
  }
  SUBCASE("a large array is indexed element by element")
  {
    std::string text = R"({"rows":[)";
    for (int i = 0; i < 20000; ++i) {
      text += (i ? "," : "") + json{{"i", i}, {"pad", std::string(static_cast<std::size_t>(i % 50), 'x')}}.dump();
    }
    text += "]}";
    const auto file = file_of(text);
    const auto spooled = SpooledJson::index(file.get());
    REQUIRE(spooled.has_value());
    const auto* rows = spooled->member("rows");
    REQUIRE(rows->size() == 20000);
    CHECK(spooled->parse(*rows, 19999)["i"] == 19999);
    CHECK(spooled->text(*rows, 12345) == json{{"i", 12345}, {"pad", std::string(45, 'x')}}.dump());
  }
}
