#include "connectors/csv/parser.hpp"

#include <fmt/format.h>

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cctype>

namespace uoms::connectors::csv {

namespace {

// One record of `text` from `i`. At the end of `text` a record is complete only when
// `at_end` (the whole input is in `text`); otherwise a record that reaches it (or a CR or
// a quote that the next byte could still change) is incomplete: nullopt, `i` and `line`
// untouched, and the caller retries with more text.
std::optional<Record> parse_one(std::string_view text, std::size_t& i_in, int& line_in, char delimiter, bool at_end)
{
  const std::size_t n = text.size();
  std::size_t i = i_in;
  int line = line_in;
  Record record;
  record.line = line;
  const std::size_t start = i;
  std::size_t end = n; // end of the record's text, before its line break
  std::string field;
  bool in_quotes = false;
  bool at_field_start = true;
  bool terminated = false;
  while (i < n) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < n && text[i + 1] == '"') {
          field += '"';
          i += 2;
        } else if (i + 1 == n && !at_end) {
          return std::nullopt; // a doubled quote or a closing one: the next byte decides
        } else {
          in_quotes = false;
          ++i;
        }
        continue;
      }
      // A line break inside quotes belongs to the field but still counts as a line,
      // so later records report the line an editor shows.
      if (c == '\n' || (c == '\r' && !(i + 1 < n && text[i + 1] == '\n'))) {
        if (c == '\r' && i + 1 == n && !at_end) {
          return std::nullopt;
        }
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
      if (c == '\r' && i + 1 == n && !at_end) {
        return std::nullopt; // CR LF split between two reads
      }
      end = i;
      i += (c == '\r' && i + 1 < n && text[i + 1] == '\n') ? 2 : 1;
      ++line;
      terminated = true;
      break;
    }
    field += c;
    at_field_start = false;
    ++i;
  }
  if (!terminated && !at_end) {
    return std::nullopt;
  }
  record.fields.push_back(std::move(field));
  if (in_quotes) {
    record.error = "unterminated quoted field";
  }
  record.text = std::string(text.substr(start, end - start));
  i_in = i;
  line_in = line;
  return record;
}

} // namespace

std::vector<Record> parse_records(std::string_view text, char delimiter)
{
  std::vector<Record> records;
  std::size_t i = 0;
  int line = 1;
  while (i < text.size()) {
    auto record = parse_one(text, i, line, delimiter, true);
    if (!record->text.empty()) { // not a blank line, including the usual one at the end of the file
      records.push_back(std::move(*record));
    }
  }
  return records;
}

RecordReader::RecordReader(Source source, char delimiter)
  : m_source(std::move(source)),
    m_delimiter(delimiter)
{
}

std::expected<std::optional<Record>, std::string> RecordReader::next()
{
  for (;;) {
    if (m_pos < m_text.size() || m_at_end) {
      if (m_pos >= m_text.size()) {
        return std::optional<Record>{};
      }
      if (auto record = parse_one(m_text, m_pos, m_line, m_delimiter, m_at_end)) {
        if (record->text.empty()) {
          continue;
        }
        return std::optional<Record>{std::move(*record)};
      }
    }
    // The rest of the buffer is an incomplete record: keep it and read on, at least
    // doubling it, so a record longer than one read is parsed again only a few times.
    m_text.erase(0, m_pos);
    m_pos = 0;
    const std::size_t target = m_text.size() * 2;
    do {
      const std::size_t before = m_text.size();
      if (auto more = m_source(m_text); !more) {
        return std::unexpected(std::move(more.error()));
      }
      m_at_end = m_text.size() == before;
    } while (!m_at_end && m_text.size() < target);
  }
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

// Appends to `out` what iconv converts of `bytes`, growing `out` as needed. Returns where
// it stopped in `bytes` and why (0: all of it; EILSEQ: an invalid sequence; EINVAL: a
// sequence cut off at the end).
struct Stop
{
  std::size_t at = 0;
  int error = 0;
};

Stop convert(iconv_t cd, std::string_view bytes, std::string& out)
{
  char* in_ptr = const_cast<char*>(bytes.data()); // iconv's signature; it does not write
  std::size_t in_left = bytes.size();
  std::size_t used = out.size();
  out.resize(used + bytes.size() * 3 / 2 + 16);
  Stop stop;
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
    stop = {static_cast<std::size_t>(in_ptr - bytes.data()), errno};
    break;
  }
  out.resize(used);
  if (stop.error == 0) stop.at = bytes.size();
  return stop;
}

// Converts `bytes` from `from` to UTF-8 with glibc's iconv. On failure returns the byte
// offset of the first sequence that is invalid (or incomplete at the end) in `from`.
std::expected<std::string, std::size_t> to_utf8(std::string_view bytes, const char* from)
{
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return std::unexpected(std::size_t{0});
  }
  std::string out;
  const Stop stop = convert(cd, bytes, out);
  iconv_close(cd);
  if (stop.error != 0) {
    return std::unexpected(stop.at);
  }
  return out;
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

Decoder::Decoder(Encoding encoding)
  : m_encoding(encoding),
    m_iconv(iconv_open("UTF-8", encoding == Encoding::cp949 ? "CP949" : "UTF-8"))
{
}

Decoder::~Decoder()
{
  if (m_iconv != reinterpret_cast<void*>(-1)) {
    iconv_close(static_cast<iconv_t>(m_iconv));
  }
}

std::expected<void, std::size_t> Decoder::feed(std::string_view bytes, bool last, std::string& out)
{
  if (m_iconv == reinterpret_cast<void*>(-1)) {
    return std::unexpected(m_offset);
  }
  std::string joined;
  if (!m_pending.empty()) {
    joined = std::move(m_pending) + std::string(bytes);
    m_pending.clear();
    bytes = joined;
  }
  if (!m_started) {
    // The BOM may arrive cut; wait for three bytes unless these are all there are.
    if (bytes.size() < k_utf8_bom.size() && !last && k_utf8_bom.starts_with(bytes)) {
      m_pending = std::string(bytes);
      return {};
    }
    m_started = true;
    if (m_encoding != Encoding::cp949 && bytes.starts_with(k_utf8_bom)) {
      bytes.remove_prefix(k_utf8_bom.size());
    }
  }
  const Stop stop = convert(static_cast<iconv_t>(m_iconv), bytes, out);
  if (stop.error == EINVAL && !last) {
    m_pending = std::string(bytes.substr(stop.at));
    m_offset += stop.at;
    return {};
  }
  if (stop.error != 0) {
    return std::unexpected(m_offset + stop.at);
  }
  m_offset += bytes.size();
  return {};
}

} // namespace uoms::connectors::csv
