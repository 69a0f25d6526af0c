#pragma once

#include "connectors/csv/mapping.hpp"
#include "connectors/csv/parser.hpp"
#include "uoms/connector.hpp"
#include "uoms/crypto.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sys/types.h>

// One export file on disk, for CsvConnector: its identity and content keys, its decoded
// text, and a whole-file scan before its rows are handed out in pages.
namespace uoms::connectors::csv {

ConnectorError io_error(const std::filesystem::path& path);

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

Result<File> open_file(const std::filesystem::path& path);

// A file's identity on disk: the same file, unchanged since it was read, has the same.
struct Identity
{
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const Identity&) const = default;
};

std::optional<Identity> identity(std::FILE* file);
std::optional<Identity> identity(const std::filesystem::path& path);
std::string identity_key(const Identity& id);

std::string content_key(crypto::Sha256& sha);

// The key of the file's bytes, read in blocks.
Result<std::string> hash_file(const std::filesystem::path& path);

// The decoded text of a file, block by block, for a RecordReader; optionally hashing the
// bytes on the way. A decoding error is kept in `bad_offset` (the reader then stops).
class FileText
{
public:
  FileText(std::FILE* file, Encoding encoding, crypto::Sha256* sha);

  std::expected<void, std::string> read(std::string& out);

  // Reads the rest of the file only to hash it (after a decoding error).
  bool hash_rest();

  std::optional<std::size_t> bad_offset() const { return m_bad_offset; }
  bool io_failed() const { return m_io_error; }

private:
  std::FILE* m_file;
  Decoder m_decoder;
  crypto::Sha256* m_sha;
  std::string m_block;
  bool m_eof = false;
  bool m_io_error = false;
  std::optional<std::size_t> m_bad_offset;
};

inline std::uint64_t order_hash(std::string_view order_id) { return std::hash<std::string_view>{}(order_id); }

// One reading of a whole file: its layout and where each order ends, or why it cannot be read.
struct Scan
{
  std::optional<FileLayout> layout;
  std::unordered_map<std::uint64_t, std::size_t> last_row;
  std::string layout_error;
  std::optional<std::size_t> bad_offset;
};

Result<Scan> scan_file(std::FILE* file, const std::filesystem::path& path, Encoding encoding, crypto::Sha256* sha,
                       char delimiter, const std::optional<Mapping>& mapping, const MapOptions& options);

// The file CsvConnector is reading, between pages. A complete type in csv.hpp: the
// connector's constructor destroys its unique_ptr member on an exception.
struct ExportFile
{
  std::filesystem::path path;
  std::string name;
  File file{nullptr, &std::fclose};
  Identity identity;
  std::string key;
  Encoding encoding = Encoding::utf8;
  std::optional<FileLayout> layout; // nullopt: the file holds no record at all
  // For each order id (by hash) the index of its last data row: a page may end after a row
  // only when every order begun in it has ended. A collision only makes a page longer.
  std::unordered_map<std::uint64_t, std::size_t> last_row;
  std::unique_ptr<FileText> text;
  std::unique_ptr<RecordReader> reader;
  std::optional<Record> pending; // read ahead to know whether the file goes on
  std::size_t next_row = 0;      // data rows handed out so far
};

} // namespace uoms::connectors::csv
