#pragma once

#include "connectors/csv/export_file.hpp"
#include "connectors/csv/mapping.hpp"
#include "connectors/csv/parser.hpp"
#include "connectors/connector_base.hpp"
#include "uoms/connector.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// The `csv` kind: orders from a folder of export files, for marketplaces without API
// access. Settings and the column mapping are documented in connectors/csv/README.md.
namespace uoms::connectors::csv {

const KindSpec& spec();

// Reads `path/*.csv` (not recursive) in file-name order. A file is consumed once: its last
// page carries `sha256:<hex of the bytes>` as Page::processed_key, and a file whose key is
// already_processed is skipped, so a re-exported or edited file (new bytes) is read again
// while an unchanged one never is. Its identity on disk (device, inode, size, mtime) is
// recorded beside it (Page::processed_aliases) and looked up first, so an unchanged file is
// skipped without reading it; a file changed in place has a new size or mtime and is hashed
// again. The fetch window is ignored: files are not filtered by time.
//
// A file is read twice, each time in bounded memory: once to hash it, decide its encoding
// and check its header (a whole-file problem commits nothing), then in pages of at most
// `rows_per_page` rows (more only where an order's rows are spread further apart: an
// order's rows are always in one page). The cursor is the name of the last file returned,
// or `name/rows` inside a file; the next page starts at the first file whose name sorts
// after the name, or at that row.
class CsvConnector : public support::ConnectorBase
{
public:
  explicit CsvConnector(const ChannelContext& context);
  ~CsvConnector() override;

  // Rows per page when neither [kinds.csv] page_size nor the channel says.
  static constexpr int k_default_rows_per_page = 2000;

private:
  Result<Page> fetch(const Window& window, const std::string& cursor) override;
  // Checks the settings and that the folder is readable; reports how many csv files it
  // holds and how many are not yet processed.
  Result<std::string> probe() override;
  // Nothing is expected to throw; an exception (allocation) is worth a later pass.
  ConnectorError unexpected_failure(const std::exception& error) const override;

  // The folder's export files, sorted by name.
  Result<std::vector<std::filesystem::path>> list_files() const;
  bool is_processed(const std::string& key) const;
  // Hashes and checks the file; nullopt with `skipped` set when its key was processed.
  Result<std::unique_ptr<ExportFile>> open(const std::filesystem::path& path, std::vector<std::string>& aliases);
  // The next page of the open file.
  Result<Page> next_page(bool last_file);

  std::function<bool(std::string_view key)> m_already_processed;
  std::filesystem::path m_folder;
  std::optional<Mapping> m_mapping; // nullopt: auto
  Encoding m_encoding = Encoding::automatic;
  char m_delimiter = ',';
  MapOptions m_options;
  std::size_t m_rows_per_page = k_default_rows_per_page;
  std::unique_ptr<ExportFile> m_open; // the file being read, between pages
};

} // namespace uoms::connectors::csv
