#include "src/store/connection.hpp"
#include "uoms/store/meta.hpp"

namespace uoms::store {

std::optional<std::string> Meta::get(std::string_view key)
{
  return guarded(m_db.impl(), "read meta", [&]() -> std::optional<std::string> {
    SQLite::Statement s(m_db.impl().db, "SELECT value FROM meta WHERE key = ?");
    s.bind(1, std::string(key));
    if (s.executeStep()) {
      return text(s.getColumn(0));
    }
    return std::nullopt;
  });
}

void Meta::insert_if_absent(std::string_view key, std::string_view value)
{
  execute(m_db, "write meta", "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value);
}

} // namespace uoms::store
