#include "connectors/csv/values.hpp"

#include "uoms/util/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>
#include <utility>

namespace uoms::connectors::csv {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool strip_prefix(std::string_view& text, std::string_view prefix)
{
  if (text.starts_with(prefix)) {
    text.remove_prefix(prefix.size());
    return true;
  }
  return false;
}

bool strip_suffix(std::string_view& text, std::string_view suffix)
{
  if (text.ends_with(suffix)) {
    text.remove_suffix(suffix.size());
    return true;
  }
  return false;
}

// Currency marks spreadsheets put around amounts: symbols before, words after.
constexpr std::array<std::string_view, 9> k_money_prefixes{"₩", "￦", "¥", "￥", "$", "€", "£", "KRW", "JPY"};
constexpr std::array<std::string_view, 4> k_money_suffixes{"원", "円", "KRW", "JPY"};

// `1,234,567` or `1234567`, optionally `.5`: digits with thousands commas and a fraction.
// Returns the text without commas, or nullopt.
std::optional<std::string> plain_decimal(std::string_view text)
{
  std::string out;
  bool seen_digit = false;
  bool seen_dot = false;
  for (const char c : text) {
    if (is_digit(c)) {
      out += c;
      seen_digit = true;
    } else if (c == ',' && seen_digit && !seen_dot) {
      continue;
    } else if (c == '.' && !seen_dot) {
      out += c;
      seen_dot = true;
    } else {
      return std::nullopt;
    }
  }
  if (!seen_digit || out.back() == '.' || text.back() == ',') {
    return std::nullopt;
  }
  return out;
}

} // namespace

std::string_view trim_cell(std::string_view text)
{
  constexpr std::string_view k_nbsp = "\xC2\xA0";
  while (true) {
    const auto before = text.size();
    text = util::trim(text);
    strip_prefix(text, k_nbsp);
    strip_suffix(text, k_nbsp);
    if (text.size() == before) {
      return text;
    }
  }
}

std::optional<std::int64_t> parse_money(std::string_view text, std::string_view currency)
{
  text = trim_cell(text);
  bool negative = strip_prefix(text, "-");
  for (const auto prefix : k_money_prefixes) {
    if (strip_prefix(text, prefix)) {
      break;
    }
  }
  for (const auto suffix : k_money_suffixes) {
    if (strip_suffix(text, suffix)) {
      break;
    }
  }
  text = trim_cell(text);
  if (!negative) {
    negative = strip_prefix(text, "-"); // `₩-3,000`
  }
  if (text.empty()) {
    return std::nullopt;
  }
  const auto digits = plain_decimal(text);
  if (!digits) {
    return std::nullopt;
  }
  double amount = 0;
  const auto [end, ec] = std::from_chars(digits->data(), digits->data() + digits->size(), amount);
  if (ec != std::errc{} || end != digits->data() + digits->size() || amount > 1e15) {
    return std::nullopt;
  }
  return to_minor_units(negative ? -amount : amount, currency);
}

std::optional<int> parse_quantity(std::string_view text)
{
  text = trim_cell(text);
  // Excel writes a number cell as `2.0` when the column is formatted with decimals.
  if (const auto dot = text.find('.'); dot != std::string_view::npos) {
    const auto fraction = text.substr(dot + 1);
    if (fraction.empty() || !std::ranges::all_of(fraction, [](char c) { return c == '0'; })) {
      return std::nullopt;
    }
    text = text.substr(0, dot);
  }
  const auto digits = plain_decimal(text);
  if (!digits || digits->find('.') != std::string::npos) {
    return std::nullopt;
  }
  int value = 0;
  const auto [end, ec] = std::from_chars(digits->data(), digits->data() + digits->size(), value);
  if (ec != std::errc{} || end != digits->data() + digits->size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<OrderStatus> parse_status(std::string_view text)
{
  // Labels of Korean seller centres (Smartstore, Coupang Wing, 11st, Gmarket ESM) and
  // the English spellings exports use besides the uoms names.
  static constexpr auto k_labels = std::to_array<std::pair<std::string_view, OrderStatus>>({
    {"입금대기", OrderStatus::pending_payment},
    {"결제대기", OrderStatus::pending_payment},
    {"결제완료", OrderStatus::paid},
    {"신규주문", OrderStatus::paid},
    {"발주확인", OrderStatus::preparing},
    {"발송대기", OrderStatus::preparing},
    {"배송준비", OrderStatus::preparing},
    {"배송준비중", OrderStatus::preparing},
    {"상품준비중", OrderStatus::preparing},
    {"배송지시", OrderStatus::preparing},
    {"발송처리", OrderStatus::shipped},
    {"발송완료", OrderStatus::shipped},
    {"출고완료", OrderStatus::shipped},
    {"배송중", OrderStatus::shipped},
    {"배송완료", OrderStatus::delivered},
    {"구매확정", OrderStatus::completed},
    {"취소요청", OrderStatus::cancel_requested},
    {"취소접수", OrderStatus::cancel_requested},
    {"취소완료", OrderStatus::cancelled},
    {"주문취소", OrderStatus::cancelled},
    {"반품요청", OrderStatus::return_requested},
    {"반품접수", OrderStatus::return_requested},
    {"반품완료", OrderStatus::returned},
    {"교환요청", OrderStatus::exchange_requested},
    {"교환접수", OrderStatus::exchange_requested},
    {"교환완료", OrderStatus::exchanged},
    {"pending", OrderStatus::pending_payment},
    {"unpaid", OrderStatus::pending_payment},
    {"new", OrderStatus::paid},
    {"processing", OrderStatus::preparing},
    {"ready_to_ship", OrderStatus::preparing},
    {"in_transit", OrderStatus::shipped},
    {"canceled", OrderStatus::cancelled},
    {"cancellation_requested", OrderStatus::cancel_requested},
    {"refunded", OrderStatus::returned},
    {"complete", OrderStatus::completed},
    {"confirmed", OrderStatus::completed},
    {"returned", OrderStatus::returned},
  });
  // Lower-cased, spaces dropped and `-`/space-separated English written with `_`.
  std::string key;
  for (const char c : util::ascii_lower(trim_cell(text))) {
    if (c == ' ' || c == '\t') {
      continue;
    }
    key += (c == '-') ? '_' : c;
  }
  if (key.empty()) {
    return std::nullopt;
  }
  if (auto status = parse_order_status(key); status && *status != OrderStatus::unknown) {
    return status;
  }
  for (const auto& [label, status] : k_labels) {
    if (key == label) {
      return status;
    }
  }
  return std::nullopt;
}

namespace {

// A small cursor over the time text for parse_local_time.
struct Scanner
{
  std::string_view text;

  bool done() const { return text.empty(); }
  void skip_spaces()
  {
    while (!text.empty() && text.front() == ' ') {
      text.remove_prefix(1);
    }
  }
  bool accept(std::string_view token)
  {
    if (text.size() >= token.size() && util::ascii_lower(text.substr(0, token.size())) == util::ascii_lower(token)) {
      text.remove_prefix(token.size());
      return true;
    }
    return false;
  }
  std::optional<int> number(std::size_t min_digits, std::size_t max_digits)
  {
    std::size_t count = 0;
    while (count < text.size() && count < max_digits && is_digit(text[count])) {
      ++count;
    }
    if (count < min_digits) {
      return std::nullopt;
    }
    int value = 0;
    std::from_chars(text.data(), text.data() + count, value);
    text.remove_prefix(count);
    return value;
  }
};

// 0 none, 1 AM, 2 PM.
int accept_meridiem(Scanner& s)
{
  if (s.accept("오전") || s.accept("AM")) {
    return 1;
  }
  if (s.accept("오후") || s.accept("PM")) {
    return 2;
  }
  return 0;
}

std::optional<TimePoint> parse_spreadsheet_time(std::string_view text, std::chrono::minutes offset)
{
  using namespace std::chrono;
  Scanner s{text};
  const auto year = s.number(4, 4);
  if (!year || s.done()) {
    return std::nullopt;
  }
  const char separator = s.text.front();
  if (separator != '-' && separator != '.' && separator != '/') {
    return std::nullopt;
  }
  s.text.remove_prefix(1);
  s.skip_spaces();
  const auto month = s.number(1, 2);
  if (!month || !s.accept(std::string_view(&separator, 1))) {
    return std::nullopt;
  }
  s.skip_spaces();
  const auto day = s.number(1, 2);
  if (!day) {
    return std::nullopt;
  }
  if (separator == '.') {
    s.accept("."); // `2026. 11. 22.`
  }
  const year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) {
    return std::nullopt;
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
  const auto before_spaces = s.text.size();
  s.skip_spaces();
  if (!s.done()) {
    if (s.text.size() == before_spaces && !s.accept("T")) {
      return std::nullopt; // the time must be set apart: `2026-11-22 10:00` or `...T10:00`
    }
    int meridiem = accept_meridiem(s);
    s.skip_spaces();
    const auto h = s.number(1, 2);
    if (!h || !s.accept(":")) {
      return std::nullopt;
    }
    const auto m = s.number(2, 2);
    if (!m) {
      return std::nullopt;
    }
    hour = *h;
    minute = *m;
    if (s.accept(":")) {
      const auto sec = s.number(2, 2);
      if (!sec) {
        return std::nullopt;
      }
      second = *sec;
      if (s.accept(".")) {
        const auto before = s.text.size();
        const auto fraction = s.number(1, 9);
        if (!fraction) {
          return std::nullopt;
        }
        // Keep milliseconds: scale the digits read to three.
        auto digits = static_cast<int>(before - s.text.size());
        int value = *fraction;
        for (; digits > 3; --digits) {
          value /= 10;
        }
        for (; digits < 3; ++digits) {
          value *= 10;
        }
        millis = value;
      }
    }
    s.skip_spaces();
    if (meridiem == 0) {
      meridiem = accept_meridiem(s);
      s.skip_spaces();
    }
    if (!s.done()) {
      return std::nullopt; // an offset or anything else: leave it to uoms::parse_time
    }
    if (meridiem != 0) {
      if (hour < 1 || hour > 12) {
        return std::nullopt;
      }
      hour = (hour % 12) + (meridiem == 2 ? 12 : 0);
    }
  }
  if (hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  const auto local = sys_days(date) + hours(hour) + minutes(minute) + seconds(second) + milliseconds(millis);
  return TimePoint(local - offset);
}

} // namespace

std::optional<TimePoint> parse_local_time(std::string_view text, std::chrono::minutes offset)
{
  text = trim_cell(text);
  if (text.empty()) {
    return std::nullopt;
  }
  if (auto t = parse_spreadsheet_time(text, offset)) {
    return t;
  }
  return parse_time(text, offset);
}

} // namespace uoms::connectors::csv
