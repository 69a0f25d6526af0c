#pragma once

#include <expected>
#include <functional>
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

// The records of a text read piece by piece, as parse_records splits the whole text: a
// file is parsed in bounded memory (the records not yet taken, plus one read).
class RecordReader
{
public:
  // Appends the next piece of text to its argument; appends nothing only at the end of
  // the text. The error ends the reading (a file that cannot be read or decoded).
  using Source = std::function<std::expected<void, std::string>(std::string& text)>;

  RecordReader(Source source, char delimiter);
  // The next non-blank record, nullopt at the end of the text.
  std::expected<std::optional<Record>, std::string> next();

private:
  Source m_source;
  char m_delimiter;
  std::string m_text;  // text read and not yet parsed, from m_pos
  std::size_t m_pos = 0;
  int m_line = 1;
  bool m_at_end = false;
};

enum class Encoding { automatic, utf8, cp949 };

// `auto`, `utf-8`/`utf8`, `cp949`, `euc-kr` (read as CP949, its superset), any case.
std::optional<Encoding> parse_encoding(std::string_view text);

bool is_valid_utf8(std::string_view bytes);

// Decodes a file to UTF-8 without a byte-order mark. `automatic` takes the bytes as UTF-8
// when they are valid UTF-8 (after stripping a BOM) and as CP949 otherwise. The error is
// a message without the file name, e.g. `not valid UTF-8 (byte offset 17)`.
std::expected<std::string, std::string> decode(std::string_view bytes, Encoding encoding);

// decode() for bytes given in pieces, with one concrete encoding (`automatic` is decided
// by the caller, which must see every byte first). A BOM at the start is stripped unless
// the encoding is CP949; offsets in errors count from after it, as decode()'s do.
class Decoder
{
public:
  explicit Decoder(Encoding encoding);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Appends the UTF-8 of `bytes` to `out`; a sequence cut at the end of `bytes` waits for
  // the next piece. `last`: no more bytes follow. The error is the byte offset of the
  // first invalid (or, at the end, incomplete) sequence.
  std::expected<void, std::size_t> feed(std::string_view bytes, bool last, std::string& out);

private:
  Encoding m_encoding;
  void* m_iconv;           // iconv_t
  std::string m_pending;   // bytes of a sequence cut by the end of the last piece
  std::size_t m_offset = 0; // bytes consumed before m_pending
  bool m_started = false;   // the BOM check is done
};

} // namespace uoms::connectors::csv
