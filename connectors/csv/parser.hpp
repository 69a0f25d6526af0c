#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The text layer of the csv connector: bytes of an export file -> UTF-8 -> records.
// Nothing here knows about orders.
namespace uoms::connectors::csv {

// One CSV record (RFC 4180). A quoted field may span lines, so a record knows the
// physical line it starts on and its own source text, kept for audit and failures.
struct Record
{
  std::vector<std::string> fields;
  int line = 0;       // 1-based line of the file where the record starts
  std::string text;   // the record as it appeared in the (decoded) file, without its line break
  std::string error;  // non-empty when the record is malformed (an unterminated quote)
};

// Splits decoded text into records. Handles quoted fields, doubled quotes, delimiters and
// line breaks inside quotes, CRLF or LF (or lone CR) line ends, and a missing final line
// break. Blank lines are dropped. Tolerant where Excel is sloppy: a quote inside an unquoted
// field, or text after a closing quote, is kept literally. An opening quote that never
// closes swallows the rest of the file into one record whose `error` says so.
std::vector<Record> parse_records(std::string_view text, char delimiter);

enum class Encoding { automatic, utf8, cp949 };

// `auto`, `utf-8`/`utf8`, `cp949`, `euc-kr` (read as CP949, its superset), any case.
std::optional<Encoding> parse_encoding(std::string_view text);

bool is_valid_utf8(std::string_view bytes);

// Decodes a file to UTF-8 without a byte-order mark. `automatic` takes the bytes as UTF-8
// when they are valid UTF-8 (after stripping a BOM) and as CP949 otherwise. The error is
// a message without the file name, e.g. `not valid UTF-8 (byte offset 17)`.
std::expected<std::string, std::string> decode(std::string_view bytes, Encoding encoding);

} // namespace uoms::connectors::csv
