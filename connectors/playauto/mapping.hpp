#pragma once

#include "connectors/support.hpp"
#include "connectors/support/page_orders.hpp"
#include "connectors/support/spooled_json.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

// POST /orders rows (playauto.md §3.2) onto uoms Orders, and PlayAuto's error bodies.
// Internal to the playauto connector.
namespace uoms::connectors::playauto {

struct ErrorBody
{
  std::string code; // e1001, o2044, ...
  std::string text; // "code message" for the error line
};

// `{error_code, messages[]}` or `{"error": {error_code, message}}` (playauto.md §3.7).
ErrorBody describe_body(const nlohmann::json& body);

// e1001-e1005: authentication or user look-up failed (§3.7) - a token to renew.
bool is_token_code(std::string_view code);

// Rows of one bundle merge into one Order whose raw is {"results":[rows], "results_prod":[...]}.
support::MappedPage map_rows(const nlohmann::json& rows, const nlohmann::json& products, std::chrono::minutes offset);
// The same over an answer kept in a file: each row is read and parsed on its own, and its
// raw holds the rows and products as received.
support::MappedPage map_rows(const support::SpooledJson& body, const support::SpooledJson::Member& rows,
                             const support::SpooledJson::Member* products, std::chrono::minutes offset);

// recordsFiltered / recordsTotal, as a number or a string of one.
std::optional<long long> count_field(const nlohmann::json& body, std::string_view key);

} // namespace uoms::connectors::playauto
