#include "connectors/csv/csv.hpp"

#include "connectors/csv/values.hpp"
#include "connectors/support.hpp"
#include "uoms/util/text.hpp"
#include "uoms/crypto.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
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
  if (context.page_size > 0) {
    m_rows_per_page = static_cast<std::size_t>(context.page_size);
  }
}

CsvConnector::~CsvConnector() = default;

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

Result<std::unique_ptr<ExportFile>> CsvConnector::open(const fs::path& path, std::vector<std::string>& aliases)
{
  auto open = std::make_unique<ExportFile>();
  open->path = path;
  open->name = path.filename().string();
  auto file = open_file(path);
  if (!file) {
    return std::unexpected(file.error());
  }
  open->file = std::move(*file);
  const auto before = identity(open->file.get());
  if (!before) {
    return std::unexpected(io_error(path));
  }
  open->identity = *before;
  if (is_processed(identity_key(open->identity))) {
    return nullptr;
  }
  crypto::Sha256 sha;
  open->encoding = m_encoding == Encoding::cp949 ? Encoding::cp949 : Encoding::utf8;
  auto scan = scan_file(open->file.get(), path, open->encoding, &sha, m_delimiter, m_mapping, m_options);
  if (!scan) {
    return std::unexpected(scan.error());
  }
  open->key = content_key(sha);
  if (is_processed(open->key)) {
    // Read before under another identity (copied, touched): remember this one too.
    if (identity(open->file.get()) == before) {
      aliases.push_back(identity_key(open->identity));
    }
    return nullptr;
  }
  // A file that cannot be decoded or lacks a column is bad data, like a mangled
  // marketplace response (the pass fails, exit 1, or 3 beside other channels); it stays
  // unprocessed so the next pass reads it again once it is replaced.
  if (scan->bad_offset) {
    if (m_encoding == Encoding::utf8) {
      return std::unexpected(data_error(fmt::format("{}: not valid UTF-8 (byte offset {})", open->name, *scan->bad_offset)));
    }
    if (m_encoding == Encoding::cp949) {
      return std::unexpected(data_error(fmt::format("{}: not valid CP949 (byte offset {})", open->name, *scan->bad_offset)));
    }
    open->encoding = Encoding::cp949;
    scan = scan_file(open->file.get(), path, open->encoding, nullptr, m_delimiter, m_mapping, m_options);
    if (!scan) {
      return std::unexpected(scan.error());
    }
    if (scan->bad_offset) {
      return std::unexpected(
        data_error(fmt::format("{}: neither UTF-8 nor CP949 (byte offset {})", open->name, *scan->bad_offset)));
    }
  }
  if (!scan->layout_error.empty()) {
    return std::unexpected(data_error(std::move(scan->layout_error)));
  }
  open->layout = std::move(scan->layout);
  open->last_row = std::move(scan->last_row);
  std::rewind(open->file.get());
  open->text = std::make_unique<FileText>(open->file.get(), open->encoding, nullptr);
  open->reader = std::make_unique<RecordReader>([text = open->text.get()](std::string& out) { return text->read(out); },
                                                m_delimiter);
  if (open->layout) {
    if (auto header = open->reader->next(); !header || !*header) {
      return std::unexpected(ConnectorError{ErrorKind::transient, fmt::format("{}: changed while being read", open->name)});
    }
  }
  return open;
}

Result<Page> CsvConnector::next_page(bool last_file)
{
  auto& f = *m_open;
  const auto changed = [&] {
    auto error = ConnectorError{ErrorKind::transient,
                                fmt::format("{}: changed while being read; it is read again on the next pass", f.name)};
    if (f.text->io_failed()) {
      error = io_error(f.path);
    }
    m_open.reset();
    return std::unexpected(std::move(error));
  };
  std::vector<Record> rows;
  if (f.layout) {
    std::size_t reach = 0;
    for (;;) {
      std::optional<Record> record = std::exchange(f.pending, std::nullopt);
      if (!record) {
        auto next = f.reader->next();
        if (!next) {
          return changed();
        }
        if (!*next) {
          break;
        }
        record = std::move(*next);
      }
      const std::size_t row = f.next_row++;
      if (const auto id = f.layout->order_id(*record); !id.empty()) {
        if (const auto it = f.last_row.find(order_hash(id)); it != f.last_row.end()) {
          reach = std::max(reach, it->second);
        }
      }
      rows.push_back(std::move(*record));
      if (rows.size() >= m_rows_per_page && reach <= row) {
        auto next = f.reader->next();
        if (!next) {
          return changed();
        }
        f.pending = std::move(*next);
        break;
      }
    }
  }
  Page page;
  if (f.layout) {
    auto mapped = map_rows(*f.layout, rows);
    page.orders = std::move(mapped.orders);
    page.failures = std::move(mapped.failures);
    page.notes = std::move(mapped.notes);
  }
  if (f.pending) {
    page.next_cursor = fmt::format("{}/{}", f.name, f.next_row);
    return page;
  }
  // The file is done. It is recorded only when it did not change while it was read: the
  // key must name the bytes the orders came from.
  if (identity(f.file.get()) == f.identity) {
    page.processed_key = f.key;
    page.processed_aliases.push_back(identity_key(f.identity));
  }
  page.next_cursor = last_file ? std::string() : f.name;
  m_open.reset();
  return page;
}

// The window is ignored: files are not time-filtered.
Result<Page> CsvConnector::fetch(const Window& /*window*/, const std::string& cursor)
{
  const auto files = list_files();
  if (!files) {
    return std::unexpected(files.error());
  }
  const auto name_of = [](const fs::path& p) { return p.filename().string(); };
  // Inside a file: `name/rows`. A file name never holds a slash.
  std::string after = cursor;
  std::optional<std::size_t> resume;
  if (const auto slash = cursor.rfind('/'); slash != std::string::npos) {
    resume = support::parse_whole<std::size_t>(std::string_view(cursor).substr(slash + 1));
    if (!resume) {
      return std::unexpected(data_error(fmt::format("invalid csv cursor \"{}\"", cursor)));
    }
    after = cursor.substr(0, slash);
  }
  std::vector<std::string> aliases;
  if (resume) {
    const auto it = std::ranges::find(*files, after, name_of);
    if (it != files->end() && !(m_open && m_open->name == after && m_open->next_row == *resume)) {
      // Another connector began the file: read it again up to the row.
      m_open.reset();
      auto opened = open(*it, aliases);
      if (!opened) {
        return std::unexpected(opened.error());
      }
      m_open = std::move(*opened);
      while (m_open && m_open->layout && m_open->next_row < *resume) {
        auto next = m_open->reader->next();
        if (!next || !*next) {
          m_open.reset();
          return std::unexpected(
            ConnectorError{ErrorKind::transient, fmt::format("{}: changed while being read", after)});
        }
        ++m_open->next_row;
      }
    }
    if (it != files->end() && m_open) {
      auto page = next_page(std::next(it) == files->end());
      if (page) {
        page->processed_aliases.insert(page->processed_aliases.begin(), aliases.begin(), aliases.end());
      }
      return page;
    }
    m_open.reset(); // the file went away or was processed meanwhile: go on after it
  }
  auto it = std::ranges::upper_bound(*files, after, {}, name_of);
  for (; it != files->end(); ++it) {
    auto opened = open(*it, aliases);
    if (!opened) {
      return std::unexpected(opened.error());
    }
    if (!*opened) {
      continue; // processed before
    }
    m_open = std::move(*opened);
    auto page = next_page(std::next(it) == files->end());
    if (page) {
      page->processed_aliases.insert(page->processed_aliases.begin(), aliases.begin(), aliases.end());
    }
    return page;
  }
  Page page; // every remaining file was processed before
  page.processed_aliases = std::move(aliases);
  return page;
}

Result<std::string> CsvConnector::probe()
{
  const auto files = list_files();
  if (!files) {
    return std::unexpected(files.error());
  }
  std::size_t pending = 0;
  for (const auto& file : *files) {
    if (const auto id = identity(file); id && is_processed(identity_key(*id))) {
      continue;
    }
    const auto key = hash_file(file);
    if (!key) {
      return std::unexpected(key.error());
    }
    pending += is_processed(*key) ? 0 : 1;
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