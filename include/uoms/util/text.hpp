#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Text helpers that know nothing of uoms: every module uses these instead of its own
// copy, so "did you mean" and offsets read the same everywhere.
namespace uoms::util {

// Spaces, tabs, carriage returns and line feeds (and \v, \f) removed at both ends.
std::string_view trim(std::string_view text);

// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
// transpositions each cost one, so "timout" and "tiemout" are both one edit from "timeout".
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` within `max_distance` edits (the first on a tie).
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates,
                                   std::size_t max_distance = 2);

// ` (did you mean "x"?)` for the closest candidate within two edits, or empty.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// A UTC offset as sellers and marketplaces write it: `Z`, `UTC`, `GMT` (any case),
// `+9`, `+09`, `+0900`, `+09:00`, `-05:30` (hours up to 14, minutes up to 59), or one of
// the zone names of the marketplaces uoms speaks to (`KST`, `JST`, `Asia/Seoul`,
// `Asia/Tokyo`, `Asia/Singapore`, ...). Surrounding white space is ignored.
std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text);

// ASCII letters lowered; other bytes (UTF-8 included) unchanged.
std::string ascii_lower(std::string_view text);

// Which column a file's header cell names: the index of the first list in `names` holding it,
// compared without ASCII case or surrounding spaces (CSV imports accept English and Korean).
std::optional<std::size_t> column_named(std::string_view header,
                                        const std::vector<std::vector<std::string_view>>& names);

// At most `max_bytes` of UTF-8 `text`, cut at a character boundary (never half a character).
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// One CSV field as RFC 4180 writes it: quoted when it holds a comma, a double quote, CR or
// LF, with each double quote doubled; otherwise as is.
std::string csv_field(std::string_view text);

// The items (anything appendable to a std::string) with `separator` between them:
// join(std::vector{"a", "b"}) is "a, b".
template <typename Range>
std::string join(const Range& items, std::string_view separator = ", ")
{
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) {
      out += separator;
    }
    first = false;
    out += item;
  }
  return out;
}

} // namespace uoms::util
