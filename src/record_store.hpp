// The durable store behind Record::open: one SQLite database in WAL mode, one transaction per
// applied batch. The record (record.cpp) decides what a batch changes; this file only writes
// it and reads it back. docs/record.md ("The store") describes the schema and the guarantees.
//
// Layout, and why:
// - `batches`: one row per revision (record time, provenance, and the batch's audit changes as
//   one compact blob). `versions`: the versions the batch recorded, in fact order, encoded in
//   binary and packed kStoreChunk to a row, so reopening reads a few thousand blobs rather than
//   millions of rows, while an erasure rewrites only the chunks that held the erased data.
//   `tombstones`: who was erased, in which batch, on whose authority.
// - A version names its fact by the fact's index in the record (its order of first
//   appearance); a fact's first version also carries its key and kind. Reading the batches in
//   order rebuilds the same indices, so reopening needs no lookup for facts it has seen.
// - Dates are written as 4-byte little-endian day numbers, integers as varints, text as a
//   length and its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/progress.hpp"
#include "safeguard/record.hpp"

struct sqlite3;

namespace safeguard::detail {

struct VersionMarks;  // record_codec.hpp

// Versions per row of `versions`.
inline constexpr std::size_t kStoreChunk = 1024;

// The stores RecordStore::load reads ahead on a second thread: those of at least this many
// chunks (about 150,000 versions, some 15,000 children). Below it a thread would save little.
inline constexpr std::size_t kReadAheadChunks = 150;

struct LoadPiece;  // record_store.cpp: a part of the store read, on its way to the loader
class PieceSink;

// One version to write: the fact's index in the record and, for the fact's first version,
// its key and kind.
struct StoredVersion {
  std::size_t fact = 0;
  bool first = false;
  std::string_view key;              // when first
  FactKind kind = FactKind::person;  // when first
  std::string_view body;             // the version as record_codec.hpp encodes it
};

// One line of a batch's audit trail; the fact's name and the provenance come from elsewhere.
struct StoredChange {
  std::size_t item = 0;
  std::size_t fact = 0;
  ChangeKind change = ChangeKind::added;
};

// A chunk of an earlier batch rewritten whole (erasure scrubs data out of old versions).
struct StoredChunk {
  std::uint64_t revision = 0;
  std::size_t chunk = 0;
  std::vector<StoredVersion> versions;
};

struct StoredTombstone {
  std::string person;
  std::string authority;
};

// Everything one apply() writes, in one transaction.
struct BatchWrite {
  std::uint64_t revision = 0;
  RecordTime recorded_at = 0;
  const Provenance* provenance = nullptr;
  std::vector<StoredVersion> versions;  // ascending fact index
  std::vector<StoredChange> changes;
  std::vector<StoredTombstone> tombstones;
  std::vector<StoredChunk> rewritten;
};

// What reopening hands back, batch by batch, in revision order.
class StoreLoader {
 public:
  virtual ~StoreLoader() = default;
  // Called first when the store knows how many facts and batches it holds.
  virtual void reserve(std::size_t facts, std::size_t batches) = 0;
  virtual void batch(RecordTime recorded_at, Provenance provenance) = 0;
  // `key` is non-null for the fact's first version (then `fact` is the next new index).
  // The version was recorded by batch `revision`; its body was checked (check_version_body)
  // and `marks` is what that says of it; `key` and `body` (its encoding, record_codec.hpp)
  // are valid for the call only.
  virtual void version(std::size_t fact, const std::string_view* key, FactKind kind,
                       std::uint64_t revision, const VersionMarks& marks,
                       std::string_view body) = 0;
  // `count` changes of the current batch follow.
  virtual void changes(std::size_t count) = 0;
  virtual void change(std::size_t item, std::size_t fact, ChangeKind change) = 0;
  virtual void tombstone(std::uint64_t revision, std::string person, std::string authority) = 0;
};

class RecordStore {
 public:
  // Opens (or creates) the store and takes it for this process and connection alone, until
  // destroyed. Throws Error naming the path: not a store, newer schema, in use, unreadable.
  RecordStore(const std::string& path, StoreOpen mode);
  ~RecordStore();
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

  // Feeds every stored batch to `loader`, checking the structure as it goes (a damaged store
  // is an Error naming the path, never a crash), and reports the chunks of versions read to
  // `progress` (null or empty: no reports), which may stop the load: Error(Status::cancelled).
  //
  // A store of at least `read_ahead_from` chunks is read on a second thread, which fetches and
  // checks the rows while the calling thread feeds `loader` (on the calling thread alone, in the
  // store's order, as a single thread does: the same calls, the same record, the same first
  // error); the thread is joined before load returns or throws. Smaller stores, and any when
  // the thread cannot be started, are read on the calling thread alone.
  void load(StoreLoader& loader, const Progress* progress = nullptr,
            std::size_t read_ahead_from = kReadAheadChunks);

  // Writes the batch as one transaction, durable when this returns. On failure nothing of it
  // is stored and an Error names the path, the revision and SQLite's reason. `written` (null:
  // none) hears of the batch's versions written, a chunk at a time, before the commit; an
  // exception it throws rolls the transaction back and is rethrown.
  void commit(const BatchWrite& batch, const Progress* written = nullptr);

  const std::string& path() const noexcept { return path_; }

 private:
  class Statement;
  [[noreturn]] void fail(const std::string& what, int code) const;
  void exec(const char* sql, const char* what);
  void create_schema();
  void check_schema();
  void write(const BatchWrite& batch, const Progress* written);
  void checkpoint_after_erasure();
  // Reads the store's batches in order, each as pieces (its provenance, its chunks of versions,
  // its changes), checked and handed to `sink`; throws Damaged or Error (load's reading half).
  void read_pieces(PieceSink& sink);
  // Hands one piece to `loader` (load's feeding half), counting the batches fed in `revision`;
  // throws Damaged, or what the loader throws.
  static void feed(LoadPiece& piece, StoreLoader& loader, std::uint64_t& revision);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::uint64_t revision_ = 0;       // the last stored batch
  std::size_t facts_ = 0;            // facts stored so far (the next new fact's index)
  bool checkpoint_pending_ = false;  // an erasure's WAL is still to be truncated
};

}  // namespace safeguard::detail
