#include "connectors/csv/csv.hpp"

#include "connectors/csv/values.hpp"
#include "connectors/support.hpp"
#include "uoms/util/text.hpp"
#include "uoms/crypto.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace uoms::connectors::csv {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_default_mapping = "auto";
constexpr std::string_view k_default_encoding = "auto";
constexpr std::string_view k_default_timezone = "+09:00";
constexpr std::string_view k_default_currency = "KRW";
constexpr std::string_view k_default_delimiter = ",";

std::string setting(const ChannelContext& context, std::string_view name, std::string_view fallback)
{
  const auto it = context.settings.find(name);
  return it == context.settings.end() || it->second.empty() ? std::string(fallback) : it->second;
}

ConnectorError settings_error(std::string message) { return ConnectorError{ErrorKind::config, std::move(message)}; }
ConnectorError data_error(std::string message) { return ConnectorError{ErrorKind::contract, std::move(message)}; }

std::optional<char> parse_delimiter(std::string_view text)
{
  if (text == "tab" || text == "\\t" || text == "\t") {
    return '\t';
  }
  if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r") {
    return std::nullopt;
  }
  return text.front();
}

bool is_export_file(const fs::directory_entry& entry)
{
  const auto name = entry.path().filename().string();
  // Hidden files and Excel's `~$name.csv` lock files are not exports.
  if (name.starts_with('.') || name.starts_with("~$") || name.size() <= 4) {
    return false;
  }
  std::string extension = entry.path().extension().string();
  std::ranges::transform(extension, extension.begin(), [](unsigned char c) { return std::tolower(c); });
  std::error_code ec;
  return extension == ".csv" && entry.is_regular_file(ec);
}

// The whole file. A file that vanished meanwhile is transient (it may be being moved);
// one that cannot be opened otherwise needs the operator (permissions).
Result<std::string> read_bytes(const fs::path& path)
{
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    const int error = errno;
    const auto kind = (error == ENOENT) ? ErrorKind::transient : ErrorKind::config;
    return std::unexpected(ConnectorError{kind, fmt::format("cannot read \"{}\": {}", path.string(), std::strerror(error))});
  }
  std::string bytes;
  char buffer[65536];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    bytes.append(buffer, count);
  }
  if (std::ferror(file.get())) {
    return std::unexpected(ConnectorError{ErrorKind::transient, fmt::format("cannot read \"{}\": I/O error", path.string())});
  }
  return bytes;
}

std::string processed_key(std::string_view bytes) { return "sha256:" + crypto::sha256_hex(bytes); }

} // namespace

CsvConnector::CsvConnector(const ChannelContext& context)
  : ConnectorBase(context, "csv"),
    m_already_processed(context.already_processed)
{
  m_caps.max_window = std::chrono::days(3650); // one window: files are not time-filtered

  // Settings are checked here once; an error is answered by every call, since a factory
  // cannot fail.
  const auto fail = [this](std::string message) { config_error(std::move(message)); };
  const auto path = setting(context, "path", "");
  if (path.empty()) {
    fail("setting \"path\" is required: the folder of csv export files");
  }
  m_folder = path;

  if (auto mapping = parse_mapping(setting(context, "mapping", k_default_mapping))) {
    m_mapping = std::move(*mapping);
  } else {
    fail(mapping.error());
  }
  const auto encoding_text = setting(context, "encoding", k_default_encoding);
  if (const auto encoding = parse_encoding(encoding_text)) {
    m_encoding = *encoding;
  } else {
    fail(fmt::format("encoding: \"{}\" is not auto, utf-8, cp949 or euc-kr", encoding_text));
  }
  const auto timezone = setting(context, "timezone", k_default_timezone);
  if (const auto offset = util::parse_utc_offset(timezone)) {
    m_options.utc_offset = *offset;
  } else {
    fail(fmt::format("timezone: \"{}\" is not a UTC offset like +09:00", timezone));
  }
  m_options.currency = setting(context, "currency", k_default_currency);
  std::ranges::transform(m_options.currency, m_options.currency.begin(), [](unsigned char c) { return std::toupper(c); });
  if (m_options.currency.size() != 3 || !std::ranges::all_of(m_options.currency, [](unsigned char c) { return std::isalpha(c); })) {
    fail(fmt::format("currency: \"{}\" is not an ISO 4217 code like KRW", m_options.currency));
  }
  const auto delimiter_text = setting(context, "delimiter", k_default_delimiter);
  if (const auto delimiter = parse_delimiter(delimiter_text)) {
    m_delimiter = *delimiter;
  } else {
    fail(fmt::format("delimiter: \"{}\" is not one character (or tab)", delimiter_text));
  }

  m_caps.utc_offset = m_options.utc_offset;
}

Result<std::vector<fs::path>> CsvConnector::list_files() const
{
  std::error_code ec;
  const auto status = fs::status(m_folder, ec);
  if (!fs::exists(status)) {
    return std::unexpected(settings_error(fmt::format("csv folder \"{}\" does not exist", m_folder.string())));
  }
  if (!fs::is_directory(status)) {
    return std::unexpected(settings_error(fmt::format("csv folder \"{}\" is not a folder", m_folder.string())));
  }
  std::vector<fs::path> files;
  fs::directory_iterator it(m_folder, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (is_export_file(*it)) {
      files.push_back(it->path());
    }
  }
  if (ec) {
    return std::unexpected(settings_error(fmt::format("csv folder \"{}\" cannot be read: {}", m_folder.string(), ec.message())));
  }
  std::ranges::sort(files, {}, [](const fs::path& p) { return p.filename().string(); });
  return files;
}

bool CsvConnector::is_processed(const std::string& key) const
{
  return m_already_processed && m_already_processed(key);
}

ConnectorError CsvConnector::unexpected_failure(const std::exception& error) const
{
  return ConnectorError{ErrorKind::transient, fmt::format("csv folder \"{}\": {}", m_folder.string(), error.what())};
}

// The window is ignored: files are not time-filtered.
Result<Page> CsvConnector::fetch(const Window& /*window*/, const std::string& cursor)
{
  const auto files = list_files();
  if (!files) {
    return std::unexpected(files.error());
  }
  auto it = std::ranges::upper_bound(*files, cursor, {}, [](const fs::path& p) { return p.filename().string(); });
  for (; it != files->end(); ++it) {
    const auto name = it->filename().string();
    const auto bytes = read_bytes(*it);
    if (!bytes) {
      return std::unexpected(bytes.error());
    }
    auto key = processed_key(*bytes);
    if (is_processed(key)) {
      continue;
    }
    // A file that cannot be decoded or lacks a column is bad data, like a mangled
    // marketplace response (the pass fails, exit 1, or 3 beside other channels); it stays
    // unprocessed so the next pass reads it again once it is replaced.
    const auto text = decode(*bytes, m_encoding);
    if (!text) {
      return std::unexpected(data_error(fmt::format("{}: {}", name, text.error())));
    }
    auto mapped = map_records(name, parse_records(*text, m_delimiter), m_mapping, m_options);
    if (!mapped) {
      return std::unexpected(data_error(std::move(mapped.error())));
    }
    Page page;
    page.orders = std::move(mapped->orders);
    page.failures = std::move(mapped->failures);
    page.notes = std::move(mapped->notes);
    page.processed_key = std::move(key);
    page.next_cursor = (std::next(it) == files->end()) ? std::string() : name;
    return page;
  }
  return Page{}; // every remaining file was processed before
}

Result<std::string> CsvConnector::probe()
{
  const auto files = list_files();
  if (!files) {
    return std::unexpected(files.error());
  }
  std::size_t pending = 0;
  for (const auto& file : *files) {
    const auto bytes = read_bytes(file);
    if (!bytes) {
      return std::unexpected(bytes.error());
    }
    pending += is_processed(processed_key(*bytes)) ? 0 : 1;
  }
  return fmt::format("folder {}: {} csv file{}, {} not yet processed", m_folder.string(), files->size(),
                     files->size() == 1 ? "" : "s", pending);
}

const KindSpec& spec()
{
  static const KindSpec k_spec{
    .kind = "csv",
    .description = "orders from a folder of CSV export files (marketplaces without API access)",
    .settings =
      {
        {"path", true, "", "folder of *.csv export files; read in file-name order, not recursive", true},
        {"mapping", false, std::string(k_default_mapping),
         "auto (pick a preset per file), a preset (uoms, smartstore-excel), or field=Header;field=Header|Alt"},
        {"encoding", false, std::string(k_default_encoding), "auto (UTF-8 if valid, else CP949), utf-8, cp949, euc-kr"},
        {"timezone", false, std::string(k_default_timezone), "UTC offset for file times without one, e.g. +09:00"},
        {"currency", false, std::string(k_default_currency), "ISO 4217 code for rows without a currency column"},
        {"delimiter", false, std::string(k_default_delimiter), "field separator: one character, or tab"},
      },
    .secrets = {},
    .make = support::factory<CsvConnector>(),
    .default_rate_limit = 1000, // no remote side to spare
  };
  return k_spec;
}

} // namespace uoms::connectors::csv
