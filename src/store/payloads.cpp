#include "src/store/payloads.hpp"

#include "uoms/error.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#define ZDICT_STATIC_LINKING_ONLY // ZDICT_optimizeTrainFromBuffer_fastCover, to choose the dictionary id
#include <zdict.h>
#include <zstd.h>

#include <algorithm>

namespace uoms::store {

namespace {

// Level 3: with a dictionary, about 3 us for a 3 KB payload; level 1 is no faster there and 7 % larger.
constexpr int k_level = 3;
// While a kind has no dictionary, the database is asked again after this many payloads.
constexpr int k_check_every = 64;

[[noreturn]] void zstd_failed(std::string_view what, std::size_t code)
{
  throw Failure(fmt::format("{}: {}", what, ZSTD_getErrorName(code)));
}

} // namespace

struct PayloadCodec::Contexts
{
  ZSTD_CCtx* compress = ZSTD_createCCtx();
  ZSTD_DCtx* decompress = ZSTD_createDCtx();
  ~Contexts()
  {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
};

struct PayloadCodec::Dictionary
{
  std::int64_t id = 0;
  std::int64_t samples = 0; // how many payloads it was trained from
  std::string bytes;
  ZSTD_CDict* compress = nullptr;   // made on first use: a reader only needs the other
  ZSTD_DDict* decompress = nullptr;
  ~Dictionary()
  {
    ZSTD_freeCDict(compress);
    ZSTD_freeDDict(decompress);
  }
};

struct PayloadCodec::Kind
{
  Dictionary* dictionary = nullptr;
  int unchecked = 0;         // payloads compressed without a dictionary since the last look
  bool checked_once = false;
  bool training_failed = false;
};

PayloadCodec::PayloadCodec(SQLite::Database& db) : m_db(db), m_zstd(std::make_unique<Contexts>())
{
  if (m_zstd->compress == nullptr || m_zstd->decompress == nullptr) {
    throw Failure("zstd: cannot allocate a context");
  }
}

PayloadCodec::~PayloadCodec() = default;

std::string PayloadCodec::compress(std::int64_t channel_id, std::string_view raw)
{
  auto kind = m_channel_kinds.find(channel_id);
  if (kind == m_channel_kinds.end()) {
    SQLite::Statement s(m_db, "SELECT kind FROM channels WHERE id = ?");
    s.bind(1, channel_id);
    kind = m_channel_kinds.emplace(channel_id, s.executeStep() ? s.getColumn(0).getString() : std::string()).first;
  }
  return compress_with(dictionary_for(kind->second), raw);
}

std::string PayloadCodec::compress_with(Dictionary* dictionary, std::string_view raw)
{
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  std::size_t n = 0;
  if (dictionary) {
    auto& d = *dictionary;
    if (d.compress == nullptr) {
      d.compress = ZSTD_createCDict(d.bytes.data(), d.bytes.size(), k_level);
      if (d.compress == nullptr) throw Failure(fmt::format("zstd: payload dictionary {} is not valid", d.id));
    }
    n = ZSTD_compress_usingCDict(m_zstd->compress, out.data(), out.size(), raw.data(), raw.size(), d.compress);
  } else {
    n = ZSTD_compressCCtx(m_zstd->compress, out.data(), out.size(), raw.data(), raw.size(), k_level);
  }
  if (ZSTD_isError(n)) zstd_failed("compress payload", n);
  out.resize(n);
  return out;
}

PayloadCodec::Dictionary* PayloadCodec::dictionary_for(std::string_view kind)
{
  auto it = m_kinds.find(kind);
  if (it == m_kinds.end()) it = m_kinds.emplace(std::string(kind), Kind{}).first;
  Kind& k = it->second;
  // A kind's first dictionary comes from its first orders, which may all share a status or
  // a day; once it has k_retrain_after orders, a second one is trained from a random sample
  // of them. Nothing changes after that.
  const bool settled = k.dictionary && (k.dictionary->samples >= k_train_samples || k.training_failed);
  if (settled) return k.dictionary;
  if (k.checked_once && ((!k.dictionary && k.training_failed) || ++k.unchecked < k_check_every)) return k.dictionary;
  k.checked_once = true;
  k.unchecked = 0;
  // Another connection (another channel of the kind) may have trained one.
  SQLite::Statement latest(m_db, "SELECT id FROM payload_dictionaries WHERE kind = ? ORDER BY id DESC LIMIT 1");
  latest.bind(1, std::string(kind));
  if (latest.executeStep() && (!k.dictionary || latest.getColumn(0).getInt64() != k.dictionary->id)) {
    k.dictionary = load(latest.getColumn(0).getInt64());
    return k.dictionary;
  }
  const int needed = k.dictionary ? k_retrain_after : k_train_after;
  SQLite::Statement stored(m_db, "SELECT count(*) FROM (SELECT 1 FROM orders WHERE channel_id IN "
                                 "(SELECT id FROM channels WHERE kind = ?) LIMIT ?)");
  stored.bind(1, std::string(kind));
  stored.bind(2, needed);
  if (stored.executeStep() && stored.getColumn(0).getInt() >= needed) {
    // Only the first training stores its samples again: they were compressed without one.
    auto* trained = train(kind, !k.dictionary);
    k.training_failed = trained == nullptr;
    if (trained) k.dictionary = trained;
  }
  return k.dictionary;
}

// Trains a dictionary for the kind from a random sample of its orders and records it; with
// `recompress`, stores the sampled payloads again with it. Runs inside the caller's write
// transaction, so two connections never both train one kind: the second finds the first's row.
PayloadCodec::Dictionary* PayloadCodec::train(std::string_view kind, bool recompress)
{
  std::vector<std::int64_t> ids;
  std::string samples;
  std::vector<std::size_t> sizes;
  {
    // Ids first (from the index), then only the sampled payloads are read.
    SQLite::Statement pick(m_db, "SELECT id FROM orders WHERE channel_id IN (SELECT id FROM channels WHERE kind = ?) "
                                 "ORDER BY random() LIMIT ?");
    pick.bind(1, std::string(kind));
    pick.bind(2, k_train_samples);
    while (pick.executeStep()) ids.push_back(pick.getColumn(0).getInt64());
    SQLite::Statement s(m_db, "SELECT raw FROM orders WHERE id = ?");
    for (const auto id : ids) {
      s.bind(1, id);
      if (s.executeStep()) {
        const auto raw = decompress(s.getColumn(0));
        samples += raw;
        sizes.push_back(raw.size());
      }
      s.reset();
    }
  }
  if (sizes.size() != ids.size()) return nullptr;
  const std::int64_t id = m_db.execAndGet("SELECT coalesce(max(id), 0) + 1 FROM payload_dictionaries").getInt64();
  ZDICT_fastCover_params_t params{};
  params.d = 8;
  params.steps = 4;
  // 2^18 frequency counters (1 MiB) instead of the default 2^20: training runs inside a pass,
  // whose peak memory it would otherwise raise by about 20 MiB.
  params.f = 18;
  params.zParams.compressionLevel = k_level;
  params.zParams.dictID = static_cast<unsigned>(k_dictionary_id_base + id);
  // zstd's advice: samples about 100 times the dictionary; a sixteenth still pays off.
  std::string bytes(std::clamp<std::size_t>(samples.size() / 16, 4096, k_dictionary_bytes), '\0');
  const std::size_t n = ZDICT_optimizeTrainFromBuffer_fastCover(bytes.data(), bytes.size(), samples.data(), sizes.data(),
                                                                static_cast<unsigned>(sizes.size()), &params);
  if (ZDICT_isError(n)) {
    return nullptr; // too few or too unlike samples: payloads stay compressed on their own
  }
  bytes.resize(n);
  SQLite::Statement insert(m_db, "INSERT INTO payload_dictionaries (id, kind, dictionary, samples, created_at) "
                                 "VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
  insert.bind(1, id);
  insert.bind(2, std::string(kind));
  insert.bind(3, bytes.data(), static_cast<int>(bytes.size()));
  insert.bind(4, static_cast<std::int64_t>(sizes.size()));
  insert.exec();
  auto dictionary = std::make_unique<Dictionary>();
  dictionary->id = id;
  dictionary->samples = static_cast<std::int64_t>(sizes.size());
  dictionary->bytes = std::move(bytes);
  Dictionary* trained = m_dictionaries.emplace(id, std::move(dictionary)).first->second.get();

  if (!recompress) return trained;
  SQLite::Statement update(m_db, "UPDATE orders SET raw = ? WHERE id = ?");
  std::size_t offset = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto packed = compress_with(trained, std::string_view(samples).substr(offset, sizes[i]));
    offset += sizes[i];
    update.bind(1, packed.data(), static_cast<int>(packed.size()));
    update.bind(2, ids[i]);
    update.exec();
    update.reset();
  }
  return trained;
}

PayloadCodec::Dictionary* PayloadCodec::load(std::int64_t id)
{
  if (auto it = m_dictionaries.find(id); it != m_dictionaries.end()) return it->second.get();
  SQLite::Statement s(m_db, "SELECT dictionary, samples FROM payload_dictionaries WHERE id = ?");
  s.bind(1, id);
  if (!s.executeStep()) return nullptr;
  const auto column = s.getColumn(0);
  auto dictionary = std::make_unique<Dictionary>();
  dictionary->id = id;
  dictionary->samples = s.getColumn(1).getInt64();
  dictionary->bytes.assign(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes()));
  return m_dictionaries.emplace(id, std::move(dictionary)).first->second.get();
}

std::string PayloadCodec::decompress(const SQLite::Column& column)
{
  if (column.getType() != SQLITE_BLOB) {
    return column.isNull() ? std::string() : column.getString(); // stored before migration 0008
  }
  const auto* data = column.getBlob();
  const auto size = static_cast<std::size_t>(column.getBytes());
  const auto length = ZSTD_getFrameContentSize(data, size);
  if (length == ZSTD_CONTENTSIZE_ERROR || length == ZSTD_CONTENTSIZE_UNKNOWN) {
    throw Failure("stored payload is not a zstd frame");
  }
  std::string out(static_cast<std::size_t>(length), '\0');
  std::size_t n = 0;
  if (const unsigned dict_id = ZSTD_getDictID_fromFrame(data, size); dict_id != 0) {
    Dictionary* d = dict_id >= k_dictionary_id_base ? load(dict_id - k_dictionary_id_base) : nullptr;
    if (d == nullptr) throw Failure(fmt::format("stored payload needs dictionary {}, which is missing", dict_id));
    auto& dictionary = *d;
    if (dictionary.decompress == nullptr) {
      dictionary.decompress = ZSTD_createDDict(dictionary.bytes.data(), dictionary.bytes.size());
      if (dictionary.decompress == nullptr) throw Failure(fmt::format("zstd: payload dictionary {} is not valid", d->id));
    }
    n = ZSTD_decompress_usingDDict(m_zstd->decompress, out.data(), out.size(), data, size, dictionary.decompress);
  } else {
    n = ZSTD_decompressDCtx(m_zstd->decompress, out.data(), out.size(), data, size);
  }
  if (ZSTD_isError(n)) zstd_failed("decompress payload", n);
  out.resize(n);
  return out;
}

} // namespace uoms::store
