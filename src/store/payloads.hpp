#pragma once

// Private to src/store: the marketplace payloads kept with each order (orders.raw), stored as
// zstd frames. Payloads of one kind repeat the same keys and shapes, so once enough orders of
// a kind are stored a dictionary is trained from them (table payload_dictionaries, migration
// 0008) and every later payload of that kind is compressed with it: about 200 bytes instead of
// 3 KB of JSON, where zstd alone reaches about 1.1 KB. The frame names its dictionary
// (zstd's dictionary id = k_dictionary_id_base + the row id), so a reader needs nothing else.
// Rows written before 0008 hold the payload as text and are read as they are.
#include "uoms/store/orders.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace SQLite {
class Column;
class Database;
} // namespace SQLite

namespace uoms::store {

// zstd leaves dictionary ids below 32768 to a public registry.
inline constexpr std::uint32_t k_dictionary_id_base = 32768;

// One per connection (it keeps compression contexts and dictionaries across orders); used
// inside the transaction that writes the orders.
class PayloadCodec
{
public:
  explicit PayloadCodec(SQLite::Database& db);
  ~PayloadCodec();
  PayloadCodec(const PayloadCodec&) = delete;
  PayloadCodec& operator=(const PayloadCodec&) = delete;

  // The bytes to store for `raw`, the payload of an order of channel `channel_id`. May train
  // and record the channel kind's dictionary first (and recompress the orders it was trained
  // from).
  std::string compress(std::int64_t channel_id, std::string_view raw);
  // The payload as received, from an orders.raw column (a zstd frame or pre-0008 text).
  std::string decompress(const SQLite::Column& column);

  // How many orders of a kind are stored before its dictionary is trained, at most how many
  // of them it is trained from, and how many before it is trained once more from a wider sample.
  static constexpr int k_train_after = k_payload_dictionary_after;
  static constexpr int k_train_samples = 1024;
  static constexpr int k_retrain_after = 2048;
  static constexpr std::size_t k_dictionary_bytes = 32 * 1024;

private:
  struct Dictionary;
  struct Kind;
  Dictionary* dictionary_for(std::string_view kind);
  Dictionary* train(std::string_view kind, bool recompress);
  Dictionary* load(std::int64_t id);
  std::string compress_with(Dictionary* dictionary, std::string_view raw);

  SQLite::Database& m_db;
  struct Contexts;
  std::unique_ptr<Contexts> m_zstd;
  std::map<std::int64_t, std::unique_ptr<Dictionary>> m_dictionaries; // by row id
  std::map<std::string, Kind, std::less<>> m_kinds;
  std::map<std::int64_t, std::string> m_channel_kinds;
};

} // namespace uoms::store
