#pragma once

#include "uoms/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::store {

struct WindowRow
{
  std::int64_t id = 0;
  std::int64_t channel_id = 0;
  std::int64_t job_id = 0;
  std::string from_at, to_at;
  int pages = 0;
  std::int64_t records = 0;
  std::string status, error, started_at, finished_at;
};

// What collect remembers per channel: fetched windows, the watermark and other state
// values, and source files consumed once.
class CollectState
{
public:
  explicit CollectState(Database& db) : m_db(db) {}

  std::int64_t start_window(std::int64_t channel_id, std::int64_t job_id, std::string_view from, std::string_view to,
                            std::string_view now);
  void finish_window(std::int64_t id, std::string_view status, int pages, std::int64_t records,
                     std::string_view error, std::string_view now);
  std::vector<WindowRow> windows(std::int64_t channel_id);

  std::optional<std::string> state(std::int64_t channel_id, std::string_view key);
  void set_state(std::int64_t channel_id, std::string_view key, std::string_view value, std::string_view now);

  bool processed(std::int64_t channel_id, std::string_view key);
  void mark_processed(std::int64_t channel_id, std::string_view key, std::int64_t job_id, std::string_view now);

private:
  Database& m_db;
};

} // namespace uoms::store
