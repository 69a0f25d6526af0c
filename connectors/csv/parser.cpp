#include "connectors/csv/parser.hpp"

#include <fmt/format.h>

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cctype>

namespace uoms::connectors::csv {

std::vector<Record> parse_records(std::string_view text, char delimiter)
{
  std::vector<Record> records;
  const std::size_t n = text.size();
  std::size_t i = 0;
  int line = 1;
  while (i < n) {
    Record record;
    record.line = line;
    const std::size_t start = i;
    std::size_t end = n; // end of the record's text, before its line break
    std::string field;
    bool in_quotes = false;
    bool at_field_start = true;
    while (i < n) {
      const char c = text[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field += '"';
            i += 2;
          } else {
            in_quotes = false;
            ++i;
          }
          continue;
        }
        // A line break inside quotes belongs to the field but still counts as a line,
        // so later records report the line an editor shows.
        if (c == '\n' || (c == '\r' && !(i + 1 < n && text[i + 1] == '\n'))) {
          ++line;
        }
        field += c;
        ++i;
        continue;
      }
      if (c == '"' && at_field_start) {
        in_quotes = true;
        at_field_start = false;
        ++i;
        continue;
      }
      if (c == delimiter) {
        record.fields.push_back(std::move(field));
        field.clear();
        at_field_start = true;
        ++i;
        continue;
      }
      if (c == '\r' || c == '\n') {
        end = i;
        i += (c == '\r' && i + 1 < n && text[i + 1] == '\n') ? 2 : 1;
        ++line;
        break;
      }
      field += c;
      at_field_start = false;
      ++i;
    }
    record.fields.push_back(std::move(field));
    if (in_quotes) {
      record.error = "unterminated quoted field";
    }
    record.text = std::string(text.substr(start, end - start));
    if (record.text.empty()) {
      continue; // a blank line, including the usual one at the end of the file
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::optional<Encoding> parse_encoding(std::string_view text)
{
  std::string lower(text);
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "auto") {
    return Encoding::automatic;
  }
  if (lower == "utf-8" || lower == "utf8") {
    return Encoding::utf8;
  }
  if (lower == "cp949" || lower == "euc-kr" || lower == "euckr" || lower == "uhc") {
    return Encoding::cp949;
  }
  return std::nullopt;
}

namespace {

constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";

// Converts `bytes` from `from` to UTF-8 with glibc's iconv. On failure returns the byte
// offset of the first sequence that is invalid (or incomplete at the end) in `from`.
std::expected<std::string, std::size_t> to_utf8(std::string_view bytes, const char* from)
{
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return std::unexpected(std::size_t{0});
  }
  std::string out(bytes.size() * 3 / 2 + 16, '\0');
  char* in_ptr = const_cast<char*>(bytes.data()); // iconv's signature; it does not write
  std::size_t in_left = bytes.size();
  std::size_t used = 0;
  std::expected<std::string, std::size_t> result;
  while (in_left > 0) {
    char* out_ptr = out.data() + used;
    std::size_t out_left = out.size() - used;
    const std::size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
    used = out.size() - out_left;
    if (rc != static_cast<std::size_t>(-1)) {
      break;
    }
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    result = std::unexpected(static_cast<std::size_t>(in_ptr - bytes.data()));
    break;
  }
  iconv_close(cd);
  if (result) {
    out.resize(used);
    result = std::move(out);
  }
  return result;
}

} // namespace

bool is_valid_utf8(std::string_view bytes)
{
  return to_utf8(bytes, "UTF-8").has_value();
}

std::expected<std::string, std::string> decode(std::string_view bytes, Encoding encoding)
{
  if (encoding != Encoding::cp949 && bytes.starts_with(k_utf8_bom)) {
    bytes.remove_prefix(k_utf8_bom.size());
  }
  if (encoding != Encoding::cp949) {
    auto utf8 = to_utf8(bytes, "UTF-8");
    if (utf8) {
      return std::move(*utf8);
    }
    if (encoding == Encoding::utf8) {
      return std::unexpected(fmt::format("not valid UTF-8 (byte offset {})", utf8.error()));
    }
  }
  auto converted = to_utf8(bytes, "CP949");
  if (!converted) {
    return std::unexpected(encoding == Encoding::cp949
                             ? fmt::format("not valid CP949 (byte offset {})", converted.error())
                             : fmt::format("neither UTF-8 nor CP949 (byte offset {})", converted.error()));
  }
  return std::move(*converted);
}

} // namespace uoms::connectors::csv
