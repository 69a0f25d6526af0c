#include "connectors/support/spooled_json.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

#include <unistd.h>

namespace uoms::connectors::support {

namespace {

using json = nlohmann::json;

// The file read in blocks, and how many bytes the parser has taken: the position SAX events
// are stamped with.
class BlockReader
{
public:
  explicit BlockReader(std::FILE* file)
    : m_file(file),
      m_block(1 << 16, '\0')
  {
  }

  // True when no byte is left; refills the block first.
  bool at_end()
  {
    if (m_pos < m_size) {
      return false;
    }
    m_offset += m_size;
    m_pos = 0;
    m_size = std::fread(m_block.data(), 1, m_block.size(), m_file);
    return m_size == 0;
  }
  char current() const { return m_block[m_pos]; }
  void advance() { ++m_pos; }
  // Bytes the parser has taken.
  std::uint64_t position() const { return m_offset + m_pos; }

private:
  std::FILE* m_file;
  std::string m_block;
  std::size_t m_pos = 0;
  std::size_t m_size = 0;
  std::uint64_t m_offset = 0; // file offset of m_block[0]
};

// An input iterator over a BlockReader, for nlohmann's iterator input adapter; the default
// one is the end.
class ReaderIterator
{
public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  ReaderIterator() = default;
  explicit ReaderIterator(BlockReader* reader) : m_reader(reader) {}

  char operator*() const { return m_reader->current(); }
  ReaderIterator& operator++()
  {
    m_reader->advance();
    return *this;
  }
  ReaderIterator operator++(int)
  {
    auto copy = *this;
    m_reader->advance();
    return copy;
  }
  bool operator==(const ReaderIterator& other) const { return done() == other.done(); }

private:
  bool done() const { return m_reader == nullptr || m_reader->at_end(); }
  BlockReader* m_reader = nullptr;
};

// Builds the index from SAX events. Depth 1 is the top-level object's members, depth 2
// the elements of a member that is an array.
class Indexer : public nlohmann::json_sax<json>
{
public:
  explicit Indexer(const BlockReader& reader) : m_reader(reader) {}

  bool null() override { return scalar(nullptr); }
  bool boolean(bool value) override { return scalar(value); }
  bool number_integer(number_integer_t value) override { return scalar(value); }
  bool number_unsigned(number_unsigned_t value) override { return scalar(value); }
  bool number_float(number_float_t value, const string_t&) override { return scalar(value); }
  bool string(string_t& value) override { return scalar(std::move(value)); }
  bool binary(binary_t&) override { return scalar(nullptr); }

  bool start_object(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return close(); }

  bool key(string_t& value) override
  {
    if (m_depth == 1) {
      m_key = std::move(value);
    }
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override
  {
    m_failed = true;
    return false;
  }

  bool failed() const { return m_failed; }
  bool top_is_object() const { return m_top_is_object; }
  json take_envelope() { return std::move(m_envelope); }
  std::vector<std::pair<std::string, SpooledJson::Member>> take_members() { return std::move(m_members); }

private:
  template <typename T>
  bool scalar(T&& value)
  {
    if (m_depth == 1) {
      m_envelope[m_key] = json(std::forward<T>(value));
    } else if (m_depth == 2 && m_member.is_array) {
      m_member.scalars.emplace(m_member.elements.size(), json(std::forward<T>(value)));
      m_member.elements.push_back({});
    }
    return true;
  }

  bool open(bool is_array)
  {
    // The parser has just taken the opening bracket.
    const std::uint64_t begin = m_reader.position() - 1;
    if (m_depth == 0) {
      m_top_is_object = !is_array;
    } else if (m_depth == 1) {
      m_member = SpooledJson::Member{};
      m_member.is_array = is_array;
      m_member.span.begin = begin;
    } else if (m_depth == 2 && m_member.is_array) {
      m_element_begin = begin;
    }
    ++m_depth;
    return true;
  }

  bool close()
  {
    --m_depth;
    const std::uint64_t end = m_reader.position(); // just after the closing bracket
    if (m_depth == 1) {
      m_member.span.end = end;
      std::erase_if(m_members, [&](const auto& m) { return m.first == m_key; });
      m_envelope.erase(m_key);
      m_members.emplace_back(m_key, std::move(m_member));
      m_member = SpooledJson::Member{};
    } else if (m_depth == 2 && m_member.is_array) {
      m_member.elements.push_back({m_element_begin, end});
    }
    return true;
  }

  const BlockReader& m_reader;
  std::size_t m_depth = 0;
  bool m_top_is_object = false;
  bool m_failed = false;
  std::string m_key;
  json m_envelope = json::object();
  SpooledJson::Member m_member;
  std::uint64_t m_element_begin = 0;
  std::vector<std::pair<std::string, SpooledJson::Member>> m_members;
};

bool iequals(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

} // namespace

std::unique_ptr<std::FILE, int (*)(std::FILE*)> SpooledJson::temporary_file()
{
  return {std::tmpfile(), &std::fclose};
}

std::expected<SpooledJson, std::string> SpooledJson::index(std::FILE* file)
{
  std::rewind(file);
  BlockReader reader(file);
  if (reader.at_end()) {
    return std::unexpected("empty");
  }
  Indexer indexer(reader);
  const bool parsed = json::sax_parse(ReaderIterator(&reader), ReaderIterator(), &indexer);
  if (!parsed || indexer.failed()) {
    return std::unexpected("not JSON");
  }
  if (!indexer.top_is_object()) {
    return std::unexpected("not an object");
  }
  SpooledJson spooled;
  spooled.m_file = file;
  spooled.m_envelope = indexer.take_envelope();
  spooled.m_members = indexer.take_members();
  return spooled;
}

const SpooledJson::Member* SpooledJson::member(std::string_view key, bool fold) const
{
  for (const auto& [name, member] : m_members) {
    if (name == key) {
      return &member;
    }
  }
  if (fold) {
    for (const auto& [name, member] : m_members) {
      if (iequals(name, key)) {
        return &member;
      }
    }
  }
  return nullptr;
}

std::string SpooledJson::read(Span span) const
{
  std::string bytes(span.end - span.begin, '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto got = ::pread(::fileno(m_file), bytes.data() + done, bytes.size() - done,
                             static_cast<off_t>(span.begin + done));
    if (got <= 0) {
      bytes.resize(done);
      break;
    }
    done += static_cast<std::size_t>(got);
  }
  return bytes;
}

std::string SpooledJson::text(const Member& member, std::size_t i) const
{
  if (const auto scalar = member.scalars.find(i); scalar != member.scalars.end()) {
    return scalar->second.dump();
  }
  return read(member.elements[i]);
}

std::string SpooledJson::text(const Member& member) const { return read(member.span); }

json SpooledJson::parse(const Member& member, std::size_t i) const
{
  if (const auto scalar = member.scalars.find(i); scalar != member.scalars.end()) {
    return scalar->second;
  }
  return json::parse(read(member.elements[i]), nullptr, false);
}

} // namespace uoms::connectors::support
