#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <expected>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::connectors::support {

// A JSON answer too large to hold as one tree (a Qoo10 status of 200,000 order lines, a
// PlayAuto page of 3,000 rows with their products). The body stays in a temporary file
// (net::Request::body_file) and one SAX pass over it, which builds no tree, indexes the
// top-level object: its scalar members go into a small object (the envelope: result codes,
// counts), and each member that is an array or object is kept as the byte spans of its
// elements. An element is then read and parsed on its own, so memory holds one record's
// tree at a time, and a record's raw payload is the bytes the marketplace sent.
class SpooledJson
{
public:
  struct Span
  {
    std::uint64_t begin = 0;
    std::uint64_t end = 0; // exclusive
  };
  // A top-level member that is an array or an object.
  struct Member
  {
    bool is_array = false;
    Span span; // the whole value
    // An array's elements that are objects or arrays, in order; a scalar element has an
    // empty span and its value in `scalars`.
    std::vector<Span> elements;
    std::map<std::size_t, nlohmann::json> scalars;
    std::size_t size() const { return elements.size(); }
  };

  // A new temporary file for an answer (deleted when closed); null when none can be made.
  static std::unique_ptr<std::FILE, int (*)(std::FILE*)> temporary_file();

  // Indexes the JSON document in `file` (read from its start; the file stays open and
  // owned by the caller). The error says why it is not a JSON object: "empty", "not
  // JSON", "not an object".
  static std::expected<SpooledJson, std::string> index(std::FILE* file);

  const nlohmann::json& envelope() const { return m_envelope; }
  // The member named exactly `key`, or with a case-insensitive `fold`, the first whose
  // name matches ignoring ASCII case when none matches exactly; null when absent (or
  // null, or a scalar: see envelope()).
  const Member* member(std::string_view key, bool fold = false) const;

  // The bytes of element `i` of `member` (an array), or of the member itself (an object).
  std::string text(const Member& member, std::size_t i) const;
  std::string text(const Member& member) const;
  // The element parsed; a discarded value when the file no longer holds JSON there.
  nlohmann::json parse(const Member& member, std::size_t i) const;

private:
  std::string read(Span span) const;

  std::FILE* m_file = nullptr;
  nlohmann::json m_envelope = nlohmann::json::object();
  std::vector<std::pair<std::string, Member>> m_members; // in document order; a repeated key: the last
};

} // namespace uoms::connectors::support
