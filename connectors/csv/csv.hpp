#pragma once

#include "connectors/csv/mapping.hpp"
#include "connectors/csv/parser.hpp"
#include "connectors/connector_base.hpp"
#include "uoms/connector.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// The `csv` kind: orders from a folder of export files, for marketplaces without API
// access. Settings and the column mapping are documented in connectors/csv/README.md.
namespace uoms::connectors::csv {

const KindSpec& spec();

// Reads `path/*.csv` (not recursive) in file-name order, one file per page. A file is
// consumed once: its page carries `sha256:<hex of the bytes>` as Page::processed_key and
// a file whose key is already_processed is skipped, so a re-exported or edited file (new
// bytes) is read again while an unchanged one never is. The fetch window is ignored: files
// are not filtered by time. The cursor is the name of the last file returned; the next
// page starts at the first file whose name sorts after it.
class CsvConnector : public support::ConnectorBase
{
public:
  explicit CsvConnector(const ChannelContext& context);

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

  std::function<bool(std::string_view key)> m_already_processed;
  std::filesystem::path m_folder;
  std::optional<Mapping> m_mapping; // nullopt: auto
  Encoding m_encoding = Encoding::automatic;
  char m_delimiter = ',';
  MapOptions m_options;
};

} // namespace uoms::connectors::csv
