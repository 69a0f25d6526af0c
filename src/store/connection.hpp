#pragma once

// Private to src/store: the connection behind store::Database and the few rules every
// repository follows (errors converted at this module's edge, NULL for empty text,
// statements of hot paths prepared once per connection).
#include "src/store/payloads.hpp"
#include "uoms/error.hpp"
#include "uoms/store/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <optional>
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
  // Compresses and restores orders.raw; made on first use.
  std::unique_ptr<PayloadCodec> codec;

  PayloadCodec& payloads()
  {
    if (!codec) codec = std::make_unique<PayloadCodec>(db);
    return *codec;
  }

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
void bind_text_or_null(SQLite::Statement& stmt, int index, const std::string& value);
// Binds text; a std::string goes to SQLite without a temporary copy.
void bind_text(SQLite::Statement& stmt, int index, std::string_view value);
void bind_text(SQLite::Statement& stmt, int index, const std::string& value);

} // namespace uoms::store

namespace uoms::store {

// Text bound as NULL when empty, so optional columns stay NULL.
struct OrNull
{
  std::string_view text;
};

inline void bind_value(SQLite::Statement& s, int i, const std::string& v) { s.bind(i, v); }
inline void bind_value(SQLite::Statement& s, int i, std::string_view v) { bind_text(s, i, v); }
inline void bind_value(SQLite::Statement& s, int i, const char* v) { s.bind(i, v); }
inline void bind_value(SQLite::Statement& s, int i, std::int64_t v) { s.bind(i, v); }
inline void bind_value(SQLite::Statement& s, int i, int v) { s.bind(i, v); }
inline void bind_value(SQLite::Statement& s, int i, OrNull v) { bind_text_or_null(s, i, v.text); }
inline void bind_value(SQLite::Statement& s, int i, std::nullopt_t) { s.bind(i); }
inline void bind_value(SQLite::Statement& s, int i, std::optional<std::int64_t> v)
{
  if (v) {
    s.bind(i, *v);
  } else {
    s.bind(i);
  }
}

// Binds `values` to the parameters 1..N in order.
template <typename... Values>
void bind_all(SQLite::Statement& s, const Values&... values)
{
  int i = 0;
  (bind_value(s, ++i, values), ...);
}

inline void read_column(const SQLite::Column& c, std::string& out) { out = text(c); }
inline void read_column(const SQLite::Column& c, std::int64_t& out) { out = c.getInt64(); }
inline void read_column(const SQLite::Column& c, int& out) { out = c.getInt(); }
inline void read_column(const SQLite::Column& c, bool& out) { out = c.getInt() != 0; }
inline void read_column(const SQLite::Column& c, std::optional<std::int64_t>& out)
{
  out = c.isNull() ? std::nullopt : std::optional<std::int64_t>(c.getInt64());
}

// Reads the current row's columns 0..N-1 into `fields`, in order (NULL text reads "").
template <typename... Fields>
void read_columns(SQLite::Statement& s, Fields&... fields)
{
  int i = 0;
  (read_column(s.getColumn(i++), fields), ...);
}

} // namespace uoms::store

namespace uoms::store {

// One statement with `values` bound, run once; returns the rows it changed. `what` names
// the operation in errors.
template <typename... Values>
int execute(Database& db, std::string_view what, const char* sql, const Values&... values)
{
  return guarded(db.impl(), what, [&] {
    SQLite::Statement s(db.impl().db, sql);
    bind_all(s, values...);
    return s.exec();
  });
}

// As execute, with the statement prepared once per connection (`sql` must be a literal):
// for the statements a pass runs on every page or order (lease renewal, job heartbeat).
template <typename... Values>
int execute_cached(Database& db, std::string_view what, const char* sql, const Values&... values)
{
  return guarded(db.impl(), what, [&] {
    Cached s(db.impl(), sql);
    bind_all(*s, values...);
    return s->exec();
  });
}

} // namespace uoms::store
