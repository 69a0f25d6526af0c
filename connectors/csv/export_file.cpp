#include "connectors/csv/export_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include <sys/stat.h>

namespace uoms::connectors::csv {

namespace {

namespace fs = std::filesystem;

// A file that vanished meanwhile is transient (it may be being moved); one that cannot be
// opened otherwise needs the operator (permissions).
ConnectorError open_error(const fs::path& path, int error)
{
  const auto kind = (error == ENOENT) ? ErrorKind::transient : ErrorKind::config;
  return ConnectorError{kind, fmt::format("cannot read \"{}\": {}", path.string(), std::strerror(error))};
}

constexpr std::size_t k_block = 65536;

} // namespace

ConnectorError io_error(const fs::path& path)
{
  return ConnectorError{ErrorKind::transient, fmt::format("cannot read \"{}\": I/O error", path.string())};
}

Result<File> open_file(const fs::path& path)
{
  File file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    return std::unexpected(open_error(path, errno));
  }
  return file;
}

std::optional<Identity> identity(std::FILE* file)
{
  struct stat st{};
  if (::fstat(::fileno(file), &st) != 0) {
    return std::nullopt;
  }
  return Identity{st.st_dev, st.st_ino, st.st_size,
                  static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

std::optional<Identity> identity(const fs::path& path)
{
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return Identity{st.st_dev, st.st_ino, st.st_size,
                  static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

std::string identity_key(const Identity& id)
{
  return fmt::format("stat:{}:{}:{}:{}", id.device, id.inode, id.size, id.mtime_ns);
}

std::string content_key(crypto::Sha256& sha) { return "sha256:" + sha.hex(); }

Result<std::string> hash_file(const fs::path& path)
{
  auto file = open_file(path);
  if (!file) {
    return std::unexpected(file.error());
  }
  crypto::Sha256 sha;
  std::string block(k_block, '\0');
  std::size_t count = 0;
  while ((count = std::fread(block.data(), 1, block.size(), file->get())) > 0) {
    sha.update(std::string_view(block.data(), count));
  }
  if (std::ferror(file->get())) {
    return std::unexpected(io_error(path));
  }
  return content_key(sha);
}

FileText::FileText(std::FILE* file, Encoding encoding, crypto::Sha256* sha)
  : m_file(file),
    m_decoder(encoding),
    m_sha(sha),
    m_block(k_block, '\0')
{
}

std::expected<void, std::string> FileText::read(std::string& out)
{
  while (!m_eof) {
    const std::size_t count = std::fread(m_block.data(), 1, m_block.size(), m_file);
    if (count < m_block.size()) {
      if (std::ferror(m_file)) {
        m_io_error = true;
        return std::unexpected("I/O error");
      }
      m_eof = true;
    }
    const std::string_view bytes(m_block.data(), count);
    if (m_sha != nullptr) {
      m_sha->update(bytes);
    }
    const std::size_t before = out.size();
    if (auto fed = m_decoder.feed(bytes, m_eof, out); !fed) {
      m_bad_offset = fed.error();
      return std::unexpected("undecodable");
    }
    if (out.size() > before) {
      return {};
    }
  }
  return {};
}

bool FileText::hash_rest()
{
  while (!m_eof) {
    const std::size_t count = std::fread(m_block.data(), 1, m_block.size(), m_file);
    if (count < m_block.size()) {
      if (std::ferror(m_file)) {
        m_io_error = true;
        return false;
      }
      m_eof = true;
    }
    if (m_sha != nullptr) {
      m_sha->update(std::string_view(m_block.data(), count));
    }
  }
  return true;
}

Result<Scan> scan_file(std::FILE* file, const fs::path& path, Encoding encoding, crypto::Sha256* sha, char delimiter,
                       const std::optional<Mapping>& mapping, const MapOptions& options)
{
  std::rewind(file);
  FileText text(file, encoding, sha);
  RecordReader reader([&](std::string& out) { return text.read(out); }, delimiter);
  Scan scan;
  if (auto header = reader.next(); header && *header) {
    auto layout = read_layout(path.filename().string(), **header, mapping, options);
    if (!layout) {
      scan.layout_error = std::move(layout.error());
    } else {
      for (std::size_t row = 0;; ++row) {
        auto record = reader.next();
        if (!record || !*record) {
          break;
        }
        if (const auto id = layout->order_id(**record); !id.empty()) {
          scan.last_row[order_hash(id)] = row;
        }
      }
      scan.layout = std::move(*layout);
    }
  }
  // Read to the end even after a header error: an undecodable byte later on is reported
  // first, as when the whole file was decoded before its records were read.
  std::string sink;
  while (!text.io_failed() && !text.bad_offset()) {
    sink.clear();
    if (!text.read(sink) || sink.empty()) {
      break;
    }
  }
  if (text.bad_offset()) {
    scan.bad_offset = text.bad_offset();
    text.hash_rest();
  }
  if (text.io_failed()) {
    return std::unexpected(io_error(path));
  }
  return scan;
}

} // namespace uoms::connectors::csv
