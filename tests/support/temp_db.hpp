#pragma once

#include "uoms/store.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <stdlib.h>

// A fresh uoms database in its own temporary folder, removed with the object. Shared by
// every unit test that needs a real database.
class TempDb
{
public:
  explicit TempDb(const std::string& tag = "db")
  {
    std::string pattern = (std::filesystem::temp_directory_path() / ("uoms-test-" + tag + "-XXXXXX")).string();
    m_dir = ::mkdtemp(pattern.data());
    m_db.emplace(uoms::store::Database::open(path()));
  }
  ~TempDb()
  {
    m_db.reset();
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;

  uoms::store::Database& db() { return *m_db; }
  const std::filesystem::path& dir() const { return m_dir; }
  std::filesystem::path path() const { return m_dir / "uoms.db"; }

  // A channel row without settings or secrets (tests of the store alone).
  std::int64_t add_channel(const std::string& name, const std::string& kind = "csv")
  {
    uoms::store::ChannelRow row;
    row.name = name;
    row.kind = kind;
    row.created_at = row.updated_at = "2026-11-22T00:00:00.000Z";
    return uoms::store::Channels(*m_db).insert(row);
  }

private:
  std::filesystem::path m_dir;
  std::optional<uoms::store::Database> m_db;
};
