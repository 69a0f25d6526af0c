#pragma once

#include "uoms/connector.hpp"
#include "uoms/http.hpp"
#include "uoms/time.hpp"
#include "uoms/util/numbers.hpp"

#include <functional>

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <span>
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

// The response's body as JSON (discarded when it is not JSON): the tree the HTTP client's
// completeness check already built, taken out of the response, or the body parsed now.
json body_json(net::Response& response);

// The setting's value, or `fallback` when it is missing or empty.
std::string setting(const Settings& settings, std::string_view name, std::string_view fallback = {});

// As setting(), trimmed (util::trim): what an operator typed, without the spaces around it.
std::string trimmed(const Settings& settings, std::string_view name, std::string_view fallback = {});

// Where a connector sends its requests: the `base_url` setting (`default_base` when unset),
// trimmed, without trailing slashes, in the form the marketplace documents it. Where the
// documented base ends in a path (`documented_path`: Smartstore's `/external`, Shopee's
// `/api/v2`, Qoo10's QAPI service path, PlayAuto's `/api`), a base_url given as the bare
// host gets that path appended, so both forms send to the same place. A base_url with any
// other path (a proxy prefix, Qoo10's Giosis.qapi) is used as given.
std::string base_url(const Settings& settings, std::string_view default_base, std::string_view documented_path = {});
// The same for a URL already read.
std::string documented_base(std::string_view url, std::string_view documented_path);

// The path of `url` after its host ("" for `https://host` or `https://host/`).
std::string_view url_path(std::string_view url);

// Rows per call: the [kinds.X] page_size (`configured`, 0 when unset) clamped to
// [1, `maximum`] (the API's own limit), or `fallback` when unset.
int page_size(int configured, int fallback, int maximum);

// A zone name a connector accepted before util::parse_utc_offset knew it.
struct Zone
{
  std::string_view name;
  std::chrono::minutes offset;
};

// The `timezone` setting: empty means `fallback` (the marketplace's own zone); otherwise
// an offset or zone name util::parse_utc_offset reads, or one of `extra`. The error is the
// line for the channel's configuration.
std::expected<std::chrono::minutes, std::string> timezone_setting(const Settings& settings, std::chrono::minutes fallback,
                                                                  std::span<const Zone> extra = {});

// `text` with every secret of four characters or more masked as `********`, then passed
// through log::redact: an error line or payload fit to log and store.
std::string scrub(std::string text, const std::vector<std::string_view>& secrets);

// `params` (`a=1&sign=ab12`, a query or a form body) with the value of every parameter
// that carries a credential or a signature (sign, access_token, key, password, ...) masked
// as `********`; names, order and every other byte kept.
std::string mask_params(std::string_view params);

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

// Whitespace folded onto one line and trimmed, cut after 200 characters: a marketplace
// message fit for an error line.
std::string one_line(std::string_view text);

// A whole number of type T and nothing else (no sign for unsigned T).
template <typename T>
std::optional<T> parse_whole(std::string_view text)
{
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

inline std::optional<int> parse_int(std::string_view text)
{
  return parse_whole<int>(text);
}

// The comma-separated items of a list setting, trimmed, empty ones dropped.
std::vector<std::string> split_list(std::string_view text);

// --- HTTP answers -------------------------------------------------------------------

// What an HTTP status other than 200 says about a marketplace call: 401 and 403 the
// credentials (auth; `unauthorized` and `forbidden` say what to check), 429 rate limited,
// 5xx worth a later pass (transient), any other a rejected request (contract).
// nullopt for 200, whose body the connector still has to judge.
struct Refusal
{
  ErrorKind kind;
  std::string_view what;
};
std::optional<Refusal> refusal(int status, std::string_view unauthorized = "unauthorized",
                               std::string_view forbidden = "unauthorized");

// The one error line of a marketplace call: `label: HTTP status what[: detail]`, where
// `detail` is the marketplace's own message, already scrubbed.
ConnectorError call_error(ErrorKind kind, std::string_view label, int status, std::string_view what,
                          std::string_view detail = {}, std::string request_id = {});

// `label: HTTP 200 with a body that is not a JSON object`, a contract error.
ConnectorError not_an_object(std::string_view label, std::string request_id = {});

// Percent-encodes a query value like the marketplaces' examples: everything outside the
// unreserved set except `:` (`+09:00` -> `%2B09:00`). net::url_encode encodes `:` too.
std::string encode_value(std::string_view text);

// A marketplace's raw status strings onto the shared vocabulary.
using StatusTable = std::map<std::string, OrderStatus, std::less<>>;
// The status `raw` maps to; nullopt for a string the table does not know (kept raw as
// `unknown` with an OrderNote).
inline std::optional<OrderStatus> lookup(const StatusTable& table, std::string_view raw)
{
  const auto it = table.find(raw);
  return it == table.end() ? std::nullopt : std::optional<OrderStatus>(it->second);
}

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

// A string as it is, a number as its digits, anything else (or nullptr) "": an id for a
// failure's record before the record is known to map.
std::string id_text(const json* value);

// A JSON integer or a string of one (`"42"`, ` 42 `); nullopt for anything else.
std::optional<long long> integer_value(const json* value);

// --- numbers: every number read from a marketplace goes through util::checked ---------

// A whole number (a JSON integer, a JSON float that is whole, or a numeric string) within
// `figure`'s range; nullopt when absent or blank. Anything else is a BadField naming `key`,
// so the record becomes a failed detail and the pass goes on.
std::optional<std::int64_t> figure_value(const json* value, std::string_view key, util::Figure figure);
inline std::optional<std::int64_t> figure_field(const json& object, std::string_view key, util::Figure figure)
{
  return figure_value(member(object, key), key, figure);
}

// An amount (a JSON number or a numeric string, in major units of `currency`) as minor
// units within the money range; nullopt when absent or blank; BadField otherwise.
std::optional<std::int64_t> money_value(const json* value, std::string_view key, std::string_view currency);

// A figure computed from checked ones, checked again: `value` or a BadField naming `key`.
std::int64_t checked_figure(util::Figure figure, std::string_view key, std::int64_t value);
// `a * b` and `a + b` as money, without overflow: a BadField naming `key` when out of range.
std::int64_t money_product(std::string_view key, std::int64_t a, std::int64_t b);
std::int64_t money_sum(std::string_view key, std::int64_t a, std::int64_t b);

// The lifetime a token response gives (seconds) when it is a number from 1 second up to
// `documented`; otherwise (absent, not a number, 1e308, a negative) the documented
// lifetime, so a hostile value can never keep a token "valid" for centuries.
std::chrono::seconds token_lifetime(const json* value, std::chrono::seconds documented);

// --- registry rows ------------------------------------------------------------------

// The `base_url` row: `host_help` says what the base is; the sandbox hint is added.
FieldSpec base_url_field(std::string_view default_base, std::string_view host_help);
// The `rate_limit` row with the kind's default and why it is that.
FieldSpec rate_limit_field(double default_rate, std::string_view why);
// The `timezone` row: `zone` names the default, e.g. "KST +09:00", `example` an override.
FieldSpec timezone_field(std::string_view zone, std::string_view example);

// The factory of a connector class built from the channel's context.
template <typename T>
Factory factory()
{
  return [](const ChannelContext& context) -> std::unique_ptr<Connector> { return std::make_unique<T>(context); };
}

} // namespace uoms::connectors::support
