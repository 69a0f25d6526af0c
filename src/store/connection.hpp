#pragma once

// Private to src/store: the connection behind store::Database and the few rules every
// repository follows (errors converted at this module's edge, NULL for empty text,
// statements of hot paths prepared once per connection).
#include "uoms/error.hpp"
#include "uoms/store/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace uoms::store {

struct Database::Impl
{
  std::filesystem::path path;
  SQLite::Database db;

  // Statements of the per-order path, prepared once per connection; keyed by the
  // address of their SQL literal. Declared after db: finalized before it closes.
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements;

  Impl(std::filesystem::path p, int flags);
};

// Every SQLite exception is turned into a uoms::Failure naming the database and what
// was being done.
template <typename F>
auto guarded(const Database::Impl& impl, std::string_view what, F&& f) -> decltype(f())
{
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    throw Failure(fmt::format("database {}: {}: {}", impl.path.string(), what, e.what()));
  }
}

// One use of a cached statement (`sql` must be a literal). The use ends with the statement
// reset and its bindings cleared, so no read stays open between uses.
class Cached
{
public:
  Cached(Database::Impl& impl, const char* sql);
  ~Cached();
  Cached(const Cached&) = delete;
  Cached& operator=(const Cached&) = delete;

  SQLite::Statement& operator*() { return *m_statement; }
  SQLite::Statement* operator->() { return m_statement; }

private:
  SQLite::Statement* m_statement = nullptr;
};

// A column's text, empty for NULL.
std::string text(const SQLite::Column& column);

// Binds an empty string as NULL so optional columns stay NULL.
void bind_text_or_null(SQLite::Statement& stmt, int index, std::string_view value);

} // namespace uoms::store
