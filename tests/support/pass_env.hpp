#pragma once

#include "uoms/channels.hpp"
#include "uoms/config.hpp"
#include "uoms/store.hpp"
#include "uoms/time.hpp"

#include <filesystem>
#include <optional>
#include <string>

#include <stdlib.h>

// What a pass needs on disk, in a temporary folder removed with the object: a config
// whose database and key file live there, the open database and the key. No [[notify]]
// targets; the HTTP allow-list is loopback.
class PassEnv
{
public:
  explicit PassEnv(const std::string& tag = "pass")
  {
    std::string pattern = (std::filesystem::temp_directory_path() / ("uoms-test-" + tag + "-XXXXXX")).string();
    m_dir = ::mkdtemp(pattern.data());
    config = uoms::config::load({}, {});
    config.database = m_dir / "uoms.db";
    config.key_file = m_dir / "uoms.key";
    config.http.allowed_hosts = {"loopback"};
    config.notify.clear();
    uoms::channels::write_key_file(config.key_file, false);
    m_db.emplace(uoms::store::Database::open(config.database));
    key.emplace(uoms::channels::load_key(config));
  }
  ~PassEnv()
  {
    m_db.reset();
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
  PassEnv(const PassEnv&) = delete;
  PassEnv& operator=(const PassEnv&) = delete;

  uoms::store::Database& db() { return *m_db; }
  const std::filesystem::path& dir() const { return m_dir; }

  // A channel added as `uoms channels add` would, with its secrets encrypted.
  std::int64_t add_channel(const std::string& name, const std::string& kind, const uoms::channels::Changes& changes)
  {
    return uoms::channels::add(*m_db, *key, name, kind, changes, uoms::format_utc(clock.now())).row.id;
  }

  // A csv channel over a folder of this environment (created).
  std::int64_t add_csv_channel(const std::string& name)
  {
    const auto folder = m_dir / name;
    std::filesystem::create_directories(folder);
    uoms::channels::Changes c;
    c.set["path"] = folder.string();
    return add_channel(name, "csv", c);
  }

  uoms::config::Config config;
  uoms::SystemClock clock;
  std::optional<uoms::crypto::Fernet> key;

private:
  std::filesystem::path m_dir;
  std::optional<uoms::store::Database> m_db;
};
