#pragma once

#include "uoms/connector.hpp"
#include "uoms/http.hpp"
#include "uoms/time.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Helpers the HTTP connectors share: settings, text, offsets and JSON field readers. Only
// what behaves the same for every connector that uses it lives here.
namespace uoms::connectors::support {

using json = nlohmann::json;

// Thrown by the field readers and caught per record by each connector's mapping; a record
// that throws becomes a MappingFailure. It never leaves a connector.
struct BadField
{
  std::string reason;
};

// The setting's value, or `fallback` when it is missing or empty.
std::string setting(const Settings& settings, std::string_view name, std::string_view fallback = {});

// `text` with every secret of four characters or more masked as `********`, then passed
// through log::redact: an error line or payload fit to log and store.
std::string scrub(std::string text, const std::vector<std::string_view>& secrets);

// Bounds and unit ("days", "hours", or "" for a plain count) of a whole-number setting.
struct WholeRange
{
  int low;
  int high;
  std::string_view unit;
};

// The whole-number setting `name` (`fallback` when missing or empty) if it lies within
// `range`; otherwise the error line for the channel's configuration.
std::expected<int, std::string> whole_setting(const Settings& settings, std::string_view name, int fallback,
                                              WholeRange range);

// A request that got no HTTP answer, as the channel's error: a host outside the
// allow-list is the channel's configuration; anything else (refused, timed out, dropped)
// is worth a later pass. `message` is the transport's message, already scrubbed.
ConnectorError no_answer(const net::TransportError& error, std::string message);

// Spaces, tabs and line breaks trimmed at both ends.
std::string trim(std::string_view text);

// Whitespace folded onto one line and trimmed, cut after 200 characters: a marketplace
// message fit for an error line.
std::string one_line(std::string_view text);

// A whole number and nothing else.
std::optional<int> parse_int(std::string_view text);

// The comma-separated items of a list setting, trimmed, empty ones dropped.
std::vector<std::string> split_list(std::string_view text);

// `UTC`, `Z`, `GMT`, `+09:00`, `+0900`, `+9`, `-08:00`; zone names are each connector's own.
std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text);

// Percent-encodes a query value like the marketplaces' examples: everything outside the
// unreserved set except `:` (`+09:00` -> `%2B09:00`). net::url_encode encodes `:` too.
std::string encode_value(std::string_view text);

// What summarise_status may leave aside: cancelled items, or every finished claim
// (cancelled, returned, exchanged).
bool is_cancelled(OrderStatus status);
bool is_final(OrderStatus status);

// Sets the order's status to its least advanced item's, leaving aside the items
// `set_aside` names unless all of them are (then the first item's).
void summarise_status(Order& order, bool (*set_aside)(OrderStatus));

// --- field readers: null counts as absent ---------------------------------------------

// The member `key` of an object, or nullptr when it is missing or null.
const json* member(const json& object, std::string_view key);

// Readers of a value already looked up under `key` (nullptr when absent), for a connector
// with its own member lookup; `key` names the value in errors.
std::string string_value(const json* value, std::string_view key);
// A JSON number or a numeric string ("1980", "1980.00"); a blank string is absent.
std::optional<double> number_value(const json* value, std::string_view key);
// A string or number that is not blank once trimmed.
std::string text_id_value(const json* value, std::string_view key);

// A string, or a number as its digits; "" when absent.
std::string string_field(const json& object, std::string_view key);
// An id sent as a JSON integer or a non-empty string; nullopt when absent.
std::optional<std::string> optional_id(const json& object, std::string_view key);
// As optional_id, but required.
std::string id_field(const json& object, std::string_view key);
// A date-time string read in `offset` unless it carries its own; nullopt when absent or empty.
std::optional<TimePoint> time_field(const json& object, std::string_view key, std::chrono::minutes offset);

} // namespace uoms::connectors::support
