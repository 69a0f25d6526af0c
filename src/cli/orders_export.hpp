#pragma once

#include "uoms/store/orders.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// How `uoms orders export` and `orders show` render stored orders: the CSV and JSON Lines
// shapes, local times and money. Pure functions of an order, so they are unit-tested
// without a database and the command can stream one order at a time.
namespace uoms::cli::orders_out {

// The CSV columns, in order; README "Orders" documents each.
const std::vector<std::string_view>& csv_columns();

// The first bytes of a CSV export: the UTF-8 byte order mark (so Excel reads Korean and
// Japanese text as UTF-8) and the header line.
std::string csv_header();

// One CRLF-terminated line per item of `order`, or one line with empty item fields for an
// order without items. Times are shown at `offset`. Text cells that a spreadsheet would
// run as a formula (starting with = + - @, a tab or CR) get a leading apostrophe.
std::string csv_lines(const store::OrderRecord& order, std::chrono::minutes offset);

// One JSON object (no newline): the order with its items nested; times in UTC as stored
// plus `ordered_at_local` at `offset`; money in minor units and as a decimal string.
std::string jsonl_line(const store::OrderRecord& order, std::chrono::minutes offset);

// `1234.50` for 123450 SGD, `15000` for 15000 KRW (the currency's ISO 4217 exponent).
std::string money(std::int64_t minor, std::string_view currency);

// A stored UTC time (`2026-11-22T10:00:05.000Z`) as `2026-11-22 19:00:05` at `offset`;
// empty for empty or unparsable text.
std::string local_time(std::string_view utc_text, std::chrono::minutes offset);

// `+09:00`, `-03:00`, `+00:00`.
std::string offset_text(std::chrono::minutes offset);

// The time zone a channel's marketplace works in, as a fixed offset (libstdc++ 12 has no
// time zone database; none of these zones observes daylight saving except Chile's): the
// channel's `timezone` setting when set, else KST/JST +09:00 for Coupang, Smartstore,
// PlayAuto, Qoo10 Japan and CSV, and for Shopee its `region`'s (SG/MY/PH/TW +08:00,
// TH/VN/ID +07:00, BR -03:00, MX -06:00, CO -05:00, CL -04:00; UTC when unknown).
std::chrono::minutes channel_offset(std::string_view kind, std::string_view settings_json);

// A --since/--until value: a date (`2026-11-22`), an ISO time (`2026-11-22T10:00`, with or
// without an offset) or, for since only, an age (`7d`, `24h`) before `now`. Text without an
// offset is read at `offset`. A date alone as `until` means the end of that day (so
// `--since 2026-11-22 --until 2026-11-22` is that whole day). Returns UTC text, or nullopt.
std::optional<std::string> filter_time(std::string_view text, bool until, std::chrono::minutes offset,
                                       std::chrono::sys_time<std::chrono::milliseconds> now);

} // namespace uoms::cli::orders_out
