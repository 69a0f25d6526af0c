#pragma once

#include "uoms/model.hpp"
#include "uoms/time.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

// Cell values of an export file -> uoms values. Each returns nullopt for text it does not
// accept; the caller turns that into a MappingFailure naming the file, line and cell.
namespace uoms::connectors::csv {

// An amount as spreadsheets print it: `12900`, `12,900`, `₩12,900`, `12900원`, `$1,234.50`,
// `-3,000`; to minor units of `currency` (KRW 12900 -> 12900, USD 1234.50 -> 123450).
std::optional<std::int64_t> parse_money(std::string_view text, std::string_view currency);

// A non-negative count: `3`, `1,000`, and `2.0` (Excel's way of writing 2).
std::optional<int> parse_quantity(std::string_view text);

// uoms status names (`paid`, `cancel_requested`, any case) and the labels Korean seller
// centres print (결제완료, 배송준비중, 발주확인, 배송중, 배송완료, 구매확정, 취소요청, 취소완료,
// 반품요청, 반품완료, 교환요청, 교환완료, ...); spaces inside a label are ignored.
std::optional<OrderStatus> parse_status(std::string_view text);

// A local time as exports write it, read in `offset` unless the text carries its own:
// `2026-11-22 10:00[:00]`, `2026.11.22 10:00`, `2026/11/22 10:00`, `2026. 11. 22. 오후 3:05:00`
// (Korean Excel), `2026-11-22` (midnight), plus every shape uoms::parse_time accepts
// (`2026-11-22T10:00:00+09:00`, `...Z`, `20261122100000`).
std::optional<TimePoint> parse_local_time(std::string_view text, std::chrono::minutes offset);

// A cell trimmed like util::trim, and of the no-break spaces (U+00A0) spreadsheets leave
// around values too.
std::string_view trim_cell(std::string_view text);

} // namespace uoms::connectors::csv
