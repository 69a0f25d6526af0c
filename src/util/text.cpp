#include "uoms/util/text.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace uoms::util {

namespace {

bool is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

// Fixed offsets only: these zones keep no daylight saving time.
constexpr std::array<std::pair<std::string_view, int>, 14> k_zones = {{
  {"kst", 9 * 60}, {"asia/seoul", 9 * 60}, {"jst", 9 * 60}, {"asia/tokyo", 9 * 60},
  {"sgt", 8 * 60}, {"asia/singapore", 8 * 60}, {"asia/taipei", 8 * 60}, {"asia/kuala_lumpur", 8 * 60},
  {"asia/manila", 8 * 60}, {"asia/shanghai", 8 * 60}, {"asia/bangkok", 7 * 60},
  {"asia/ho_chi_minh", 7 * 60}, {"asia/jakarta", 7 * 60}, {"america/sao_paulo", -3 * 60},
}};

} // namespace

std::string_view trim(std::string_view text)
{
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

std::size_t edit_distance(std::string_view a, std::string_view b)
{
  // Three rows suffice: a transposition looks two rows back.
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], before[j - 2] + 1);
      }
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates,
                                   std::size_t max_distance)
{
  std::optional<std::string> best;
  std::size_t best_distance = max_distance + 1;
  for (const auto& candidate : candidates) {
    const auto distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates)
{
  const auto best = closest(word, candidates);
  return best ? " (did you mean \"" + *best + "\"?)" : std::string();
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes)
{
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Back off continuation bytes (10xxxxxx) so the cut falls before a lead byte.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string ascii_lower(std::string_view text)
{
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::optional<std::size_t> column_named(std::string_view header,
                                        const std::vector<std::vector<std::string_view>>& names)
{
  const auto name = ascii_lower(trim(header));
  for (std::size_t c = 0; c < names.size(); ++c) {
    for (auto candidate : names[c]) {
      if (name == candidate) return c;
    }
  }
  return std::nullopt;
}

std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text)
{
  text = trim(text);
  const std::string lower = ascii_lower(text);
  if (lower == "z" || lower == "utc" || lower == "gmt") {
    return std::chrono::minutes{0};
  }
  for (const auto& [name, minutes] : k_zones) {
    if (lower == name) {
      return std::chrono::minutes{minutes};
    }
  }
  if (text.size() < 2 || (text.front() != '+' && text.front() != '-')) {
    return std::nullopt;
  }
  const int sign = text.front() == '-' ? -1 : 1;
  std::string_view rest = text.substr(1);
  std::string_view hours_text, minutes_text;
  if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    hours_text = rest.substr(0, colon);
    minutes_text = rest.substr(colon + 1);
    if (minutes_text.size() != 2) {
      return std::nullopt;
    }
  } else if (rest.size() <= 2) {
    hours_text = rest;
  } else if (rest.size() == 4) {
    hours_text = rest.substr(0, 2);
    minutes_text = rest.substr(2);
  } else {
    return std::nullopt;
  }
  if (hours_text.empty() || hours_text.size() > 2 || !std::all_of(hours_text.begin(), hours_text.end(), is_digit) ||
      !std::all_of(minutes_text.begin(), minutes_text.end(), is_digit)) {
    return std::nullopt;
  }
  int hours = 0, minutes = 0;
  for (char c : hours_text) hours = hours * 10 + (c - '0');
  for (char c : minutes_text) minutes = minutes * 10 + (c - '0');
  if (hours > 14 || minutes > 59) {
    return std::nullopt;
  }
  return std::chrono::minutes{sign * (hours * 60 + minutes)};
}

std::string csv_field(std::string_view text)
{
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(text);
  }
  std::string out = "\"";
  for (char c : text) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  out += '"';
  return out;
}

} // namespace uoms::util
