#pragma once

#include "uoms/store/database.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace uoms::store {

// The meta table: one value per key about the database itself.
class Meta
{
public:
  explicit Meta(Database& db) : m_db(db) {}

  std::optional<std::string> get(std::string_view key);
  // Writes `value` unless the key has one already (the first writer wins a race).
  void insert_if_absent(std::string_view key, std::string_view value);

private:
  Database& m_db;
};

} // namespace uoms::store
