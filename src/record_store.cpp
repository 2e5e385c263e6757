// The durable store behind Record::open (SQLite, WAL, one transaction per batch); the layout
// and its reasons are at the top of record_store.hpp.
#include "record_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "record_codec.hpp"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

namespace safeguard::detail {

namespace {

// PRAGMA application_id: "SGRD". A SQLite database without it is not a store.
constexpr int kApplicationId = 0x53475244;
// PRAGMA user_version: the schema this library writes and reads.
constexpr int kSchemaVersion = 1;

// A version in a chunk: its fact, for the fact's first version its kind and key, then the body
// as the record keeps it (record_codec.hpp), copied as it is.
void write_version(Writer& w, const StoredVersion& v) {
  w.varint(v.fact);
  w.byte(v.first ? 1 : 0);
  if (v.first) {
    w.byte(static_cast<unsigned>(v.kind));
    w.text(v.key);
  }
  w.out.append(v.body.data(), v.body.size());
}

std::string encode_chunk(const StoredVersion* first, std::size_t count) {
  Writer w;
  w.varint(count);
  for (std::size_t i = 0; i < count; ++i) write_version(w, first[i]);
  return std::move(w.out);
}

std::string encode_changes(const std::vector<StoredChange>& changes) {
  Writer w;
  w.varint(changes.size());
  for (const auto& c : changes) {
    w.varint(c.item);
    w.varint(c.fact);
    w.byte(static_cast<unsigned>(c.change));
  }
  return std::move(w.out);
}

int blob_size(sqlite3_stmt* statement, int column) {
  return sqlite3_column_bytes(statement, column);
}

std::string column_text(sqlite3_stmt* statement, int column) {
  const auto* text = sqlite3_column_text(statement, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
}

// A text the store holds that reopening hands on (a batch's provenance, a tombstone's person
// and authority): well-formed UTF-8, as everything written was, or the store is damaged.
std::string checked_text(sqlite3_stmt* statement, int column, const char* what) {
  std::string text = column_text(statement, column);
  if (!is_valid_utf8(text)) damaged(std::string(what) + " is not valid UTF-8");
  return text;
}

}  // namespace

// A prepared statement, finalised when it goes out of scope.
class RecordStore::Statement {
 public:
  Statement(const RecordStore& store, const char* sql) : store_(store) {
    const int code = sqlite3_prepare_v2(store.db_, sql, -1, &statement_, nullptr);
    if (code != SQLITE_OK) store.fail("cannot read the store", code);
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  sqlite3_stmt* get() const { return statement_; }
  // True while there is a row; throws on error.
  bool step(const char* what) {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    store_.fail(what, code);
  }
  void bind(int index, std::int64_t value) { check(sqlite3_bind_int64(statement_, index, value)); }
  void bind(int index, const std::string& text) {
    check(sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                            SQLITE_STATIC));
  }
  void bind_blob(int index, const std::string& blob) {
    check(sqlite3_bind_blob(statement_, index, blob.data(), static_cast<int>(blob.size()),
                            SQLITE_STATIC));
  }
  void run(const char* what) {
    step(what);
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  void check(int code) {
    if (code != SQLITE_OK) store_.fail("cannot bind a value", code);
  }
  const RecordStore& store_;
  sqlite3_stmt* statement_ = nullptr;
};

void RecordStore::fail(const std::string& what, int code) const {
  // SQLite's reason names no data: "disk I/O error", "database or disk is full", "file is not
  // a database"... The message names the store and what was being done, never its content.
  std::string reason = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
  if (reason.empty() || reason == "not an error") reason = sqlite3_errstr(code);
  Status status = Status::io;
  const int primary = code & 0xFF;
  if (primary == SQLITE_NOMEM) status = Status::no_memory;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) status = Status::invalid_data;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) status = Status::misuse;
  std::string message = what + ": " + reason;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    message += " (the store is open elsewhere: a store is used by one record at a time)";
  throw Error(status, message, Location(path_));
}

void RecordStore::exec(const char* sql, const char* what) {
  const int code = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) fail(what, code);
}

RecordStore::RecordStore(const std::string& path, StoreOpen mode) : path_(path) {
  if (path.empty())
    throw Error(Status::invalid_argument, "a store needs a path (an empty one names no file)");
  // A store is a regular file. SQLite would open a device or a FIFO, fail on its first read and
  // leave a "-journal" file beside it (as /dev/null-journal); a directory it refuses with a
  // message that does not say why.
  {
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (!error && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
      throw Error(Status::io,
                  std::filesystem::is_directory(status)
                      ? "cannot open the store: it is a directory"
                      : "cannot open the store: not a regular file",
                  Location(path_));
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == StoreOpen::create_if_missing) {
    flags |= SQLITE_OPEN_CREATE;
    // A new store is created owner-only (0600), as saved case files are (SECURITY.md): it holds
    // personal data. SQLite would create it with 0644 less the umask; an empty file is a new
    // database to it, and its WAL takes the database file's mode.
    const int created = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (created >= 0) ::close(created);
  }
  const int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (code != SQLITE_OK) {
    try {
      fail(mode == StoreOpen::must_exist ? "cannot open (is there a store at this path?)"
                                         : "cannot open or create",
           code);
    } catch (...) {
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw;
    }
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    // One connection owns the store: the lock is taken below and held until close, so a
    // second opener (in this process or another) is refused instead of diverging from the
    // record in memory. Exclusive locking before WAL also keeps the WAL index in memory
    // (no -shm file).
    exec("PRAGMA locking_mode=EXCLUSIVE", "cannot lock");
    // Deleted content is overwritten with zeros, so erased data leaves no trace in free pages.
    exec("PRAGMA secure_delete=ON", "cannot configure");
    check_schema();
    {
      Statement wal(*this, "PRAGMA journal_mode=WAL");
      if (!wal.step("cannot switch to WAL") || column_text(wal.get(), 0) != "wal") {
        throw Error(Status::io, "cannot switch the store to WAL journal mode", Location(path_));
      }
    }
    // The WAL is synced at every commit: a batch is durable when apply() returns.
    exec("PRAGMA synchronous=FULL", "cannot configure");
    // Take the write lock now rather than at the first batch.
    exec("BEGIN EXCLUSIVE; COMMIT", "cannot lock");
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

RecordStore::~RecordStore() { sqlite3_close_v2(db_); }

void RecordStore::check_schema() {
  int application_id = 0;
  int schema = 0;
  {
    Statement id(*this, "PRAGMA application_id");
    if (id.step("cannot read the store's header")) application_id = sqlite3_column_int(id.get(), 0);
    Statement version(*this, "PRAGMA user_version");
    if (version.step("cannot read the store's header"))
      schema = sqlite3_column_int(version.get(), 0);
  }
  bool empty = false;
  {
    Statement tables(*this, "SELECT count(*) FROM sqlite_schema");
    tables.step("cannot read the store's tables");
    empty = sqlite3_column_int64(tables.get(), 0) == 0;
  }
  if (empty && application_id == 0 && schema == 0) {
    create_schema();
    return;
  }
  if (application_id != kApplicationId) {
    throw Error(Status::invalid_data, "not a safeguard store (an SQLite database of another kind)",
                Location(path_));
  }
  if (schema != kSchemaVersion) {
    throw Error(Status::version,
                "store schema version " + std::to_string(schema) +
                    (schema > kSchemaVersion ? " is newer than" : " is not") +
                    " the version this library reads (" + std::to_string(kSchemaVersion) + ")",
                Location(path_));
  }
}

void RecordStore::create_schema() {
  const std::string sql =
      "BEGIN;"
      "CREATE TABLE batches("
      "  revision INTEGER PRIMARY KEY,"
      "  recorded_at INTEGER NOT NULL,"
      "  author TEXT NOT NULL,"
      "  reason TEXT NOT NULL,"
      "  source_system TEXT NOT NULL,"
      "  source_reference TEXT NOT NULL,"
      "  facts INTEGER NOT NULL,"
      "  changes BLOB NOT NULL);"
      "CREATE TABLE versions("
      "  revision INTEGER NOT NULL,"
      "  chunk INTEGER NOT NULL,"
      "  data BLOB NOT NULL,"
      "  PRIMARY KEY (revision, chunk));"
      "CREATE TABLE tombstones("
      "  revision INTEGER NOT NULL,"
      "  person TEXT NOT NULL,"
      "  authority TEXT NOT NULL);"
      "PRAGMA application_id=" +
      std::to_string(kApplicationId) + ";PRAGMA user_version=" + std::to_string(kSchemaVersion) +
      ";COMMIT;";
  const int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) {
    const std::string reason = sqlite3_errmsg(db_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw Error(Status::io, "cannot create the store: " + reason, Location(path_));
  }
}

// A part of the store read by RecordStore::read_pieces and fed to the loader by
// RecordStore::feed: a batch's row, one chunk of its versions, or its changes.
struct LoadPiece {
  enum class Kind : std::uint8_t { batch, versions, changes };
  // Where a version lies in `bytes`, with what checking it found.
  struct Version {
    std::size_t fact = 0;
    std::size_t key_at = 0, key_size = 0;  // the fact's first version only
    std::size_t body_at = 0, body_size = 0;
    FactKind kind = FactKind::person;  // the fact's first version only
    bool first = false;
    VersionMarks marks;
  };
  Kind kind = Kind::batch;
  RecordTime recorded_at = 0;        // batch
  Provenance provenance;             // batch
  std::vector<unsigned char> bytes;  // versions, changes: the row's blob
  std::vector<Version> versions;     // versions
  std::size_t facts = 0;             // changes: the facts known once the batch's versions are read
  std::int64_t stored_facts = 0;     // changes: the count of facts the batch's row holds
};

// Where read_pieces puts what it reads.
class PieceSink {
 public:
  virtual ~PieceSink() = default;
  // An empty piece to fill; its buffers may be a fed piece's, kept for reuse.
  virtual std::unique_ptr<LoadPiece> blank() = 0;
  virtual void deliver(std::unique_ptr<LoadPiece> piece) = 0;
};

namespace {

void copy_blob(sqlite3_stmt* statement, int column, std::vector<unsigned char>& out) {
  const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(statement, column));
  const auto size = static_cast<std::size_t>(blob_size(statement, column));
  out.assign(data, data == nullptr ? data : data + size);
}

// Feeds each piece as it is read: one thread does both halves of load.
class FeedingSink final : public PieceSink {
 public:
  explicit FeedingSink(std::function<void(LoadPiece&)> feed) : feed_(std::move(feed)) {}
  std::unique_ptr<LoadPiece> blank() override {
    return kept_ ? std::move(kept_) : std::make_unique<LoadPiece>();
  }
  void deliver(std::unique_ptr<LoadPiece> piece) override {
    feed_(*piece);
    kept_ = std::move(piece);
  }

 private:
  std::function<void(LoadPiece&)> feed_;
  std::unique_ptr<LoadPiece> kept_;
};

// The pieces read ahead on the reading thread, waiting for the loading thread: at most
// `ahead` of them (a few chunks of 1,024 versions: memory stays bounded), their buffers handed
// back for reuse once fed. Blocking waits on a condition variable; stop() ends the reading
// thread's waits (it then unwinds with Stopped), finish() the loading thread's.
class PieceQueue final : public PieceSink {
 public:
  struct Stopped {};

  explicit PieceQueue(std::size_t ahead) : ahead_(ahead) {}

  // The reading thread's side.
  std::unique_ptr<LoadPiece> blank() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopped_) throw Stopped{};
      if (!spare_.empty()) {
        std::unique_ptr<LoadPiece> piece = std::move(spare_.back());
        spare_.pop_back();
        return piece;
      }
    }
    return std::make_unique<LoadPiece>();
  }
  void deliver(std::unique_ptr<LoadPiece> piece) override {
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [&] { return stopped_ || full_.size() < ahead_; });
    if (stopped_) throw Stopped{};
    full_.push_back(std::move(piece));
    filled_.notify_one();
  }
  // The last piece was delivered, or reading failed with `failure` after the pieces delivered.
  void finish(std::exception_ptr failure) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    failure_ = std::move(failure);
    filled_.notify_one();
  }

  // The loading thread's side: the next piece, waiting for it; null after the last; the
  // reading thread's failure rethrown after the pieces delivered before it.
  std::unique_ptr<LoadPiece> take() {
    std::unique_lock<std::mutex> lock(mutex_);
    filled_.wait(lock, [&] { return finished_ || !full_.empty(); });
    if (full_.empty()) {
      if (failure_) std::rethrow_exception(failure_);
      return nullptr;
    }
    std::unique_ptr<LoadPiece> piece = std::move(full_.front());
    full_.pop_front();
    room_.notify_one();
    return piece;
  }
  void give_back(std::unique_ptr<LoadPiece> piece) {
    std::lock_guard<std::mutex> lock(mutex_);
    spare_.push_back(std::move(piece));
  }
  void stop() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    room_.notify_one();
  }

 private:
  const std::size_t ahead_;
  std::mutex mutex_;
  std::condition_variable room_, filled_;
  std::deque<std::unique_ptr<LoadPiece>> full_;
  std::vector<std::unique_ptr<LoadPiece>> spare_;
  bool stopped_ = false;
  bool finished_ = false;
  std::exception_ptr failure_;
};

// Pieces the reading thread may be ahead of the loader by.
constexpr std::size_t kPiecesAhead = 8;

}  // namespace

void RecordStore::load(StoreLoader& loader, const Progress* progress, std::size_t read_ahead_from) {
  // How many chunks of versions there are: the bulk of a store, for the reports, and whether
  // to read ahead.
  std::uint64_t chunks = 0, chunks_fed = 0;
  {
    Statement count(*this, "SELECT count(*) FROM versions");
    if (count.step("cannot read the store"))
      chunks = static_cast<std::uint64_t>(sqlite3_column_int64(count.get(), 0));
  }
  const bool reporting = progress != nullptr && *progress;
  // A first report before anything is read (the only one for an empty store), so a caller can
  // stop before the work.
  if (reporting && !(*progress)(0, chunks))
    throw Error(Status::cancelled, "cancelled by the progress callback", Location{path()});
  {
    // Room for every fact at once, so reopening never rehashes.
    Statement size(*this, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size");
    const std::int64_t bytes =
        size.step("cannot read the store") ? sqlite3_column_int64(size.get(), 0) : 0;
    Statement last(*this, "SELECT revision, facts FROM batches ORDER BY revision DESC LIMIT 1");
    if (last.step("cannot read the store")) {
      const auto revisions = sqlite3_column_int64(last.get(), 0);
      const auto facts = sqlite3_column_int64(last.get(), 1);
      // Only a plausible count is used: a damaged one must not make a huge allocation. Every
      // fact and every batch takes at least a byte of the file, so neither count can be more
      // than its size (a fuzzer's damaged revision of 2^31 reserved 240 GB here).
      if (revisions > 0 && facts > 0 && revisions <= bytes && facts <= bytes)
        loader.reserve(static_cast<std::size_t>(facts), static_cast<std::size_t>(revisions));
    }
  }
  std::uint64_t revision = 0;  // the batches fed
  auto feed_piece = [&](LoadPiece& piece) {
    feed(piece, loader, revision);
    if (piece.kind == LoadPiece::Kind::versions && reporting &&
        !(*progress)(std::min(++chunks_fed, chunks), chunks))
      throw Error(Status::cancelled, "cancelled by the progress callback", Location{path()});
  };
  try {
    bool read = false;
    if (chunks >= read_ahead_from) {
      // Reading (SQLite, and checking every version) on a second thread while this one feeds
      // the loader: reopening a large store takes about the longer of the two rather than their
      // sum (docs/performance.md, "Reopening a store, read ahead").
      PieceQueue queue(kPiecesAhead);
      std::optional<std::thread> reader;
      try {
        reader.emplace([this, &queue] {
          std::exception_ptr failure;
          try {
            read_pieces(queue);
          } catch (const PieceQueue::Stopped&) {
          } catch (...) {
            failure = std::current_exception();
          }
          queue.finish(failure);
        });
      } catch (const std::system_error&) {
        // No thread to be had: read on this one, below.
      }
      if (reader) {
        // Whatever this thread throws, the reader stops and is joined first.
        struct Joined {
          PieceQueue& queue;
          std::thread& thread;
          ~Joined() {
            queue.stop();
            thread.join();
          }
        } joined{queue, *reader};
        while (std::unique_ptr<LoadPiece> piece = queue.take()) {
          feed_piece(*piece);
          queue.give_back(std::move(piece));
        }
        read = true;
      }
    }
    if (!read) {
      FeedingSink sink(feed_piece);
      read_pieces(sink);
    }
    Statement tombstones(*this,
                         "SELECT revision, person, authority FROM tombstones ORDER BY rowid");
    while (tombstones.step("cannot read the store")) {
      sqlite3_stmt* t = tombstones.get();
      const auto at = sqlite3_column_int64(t, 0);
      if (at < 1 || static_cast<std::uint64_t>(at) > revision)
        damaged("a tombstone of a batch that does not exist");
      loader.tombstone(static_cast<std::uint64_t>(at), checked_text(t, 1, "a tombstone's person"),
                       checked_text(t, 2, "a tombstone's authority"));
    }
  } catch (const Damaged& d) {
    throw Error(
        Status::invalid_data,
        "the store is damaged: " + d.what + " (near batch " + std::to_string(revision) + ")",
        Location(path_));
  }
}

void RecordStore::read_pieces(PieceSink& sink) {
  Statement batches(*this,
                    "SELECT revision, recorded_at, author, reason, source_system, "
                    "source_reference, facts, changes FROM batches ORDER BY revision");
  Statement versions(*this, "SELECT revision, chunk, data FROM versions ORDER BY revision, chunk");
  bool more_versions = versions.step("cannot read the store");
  std::uint64_t revision = 0;
  while (batches.step("cannot read the store")) {
    sqlite3_stmt* b = batches.get();
    if (static_cast<std::uint64_t>(sqlite3_column_int64(b, 0)) != revision + 1)
      damaged("the batches are not numbered 1, 2, 3...");
    ++revision;
    std::unique_ptr<LoadPiece> piece = sink.blank();
    piece->kind = LoadPiece::Kind::batch;
    piece->recorded_at = sqlite3_column_int64(b, 1);
    piece->provenance =
        Provenance{checked_text(b, 2, "a batch's author"), checked_text(b, 3, "a batch's reason"),
                   checked_text(b, 4, "a batch's source system"),
                   checked_text(b, 5, "a batch's source reference")};
    sink.deliver(std::move(piece));
    std::int64_t chunk = 0;
    while (more_versions) {
      sqlite3_stmt* v = versions.get();
      const auto at = static_cast<std::uint64_t>(sqlite3_column_int64(v, 0));
      if (at < revision) damaged("versions of a batch that does not exist");
      if (at > revision) break;
      if (sqlite3_column_int64(v, 1) != chunk++) damaged("a chunk of versions is missing");
      piece = sink.blank();
      piece->kind = LoadPiece::Kind::versions;
      piece->versions.clear();
      copy_blob(v, 2, piece->bytes);
      const unsigned char* base = piece->bytes.data();
      try {
        Reader r(base, piece->bytes.size());
        const std::size_t count = r.count();
        for (std::size_t i = 0; i < count; ++i) {
          LoadPiece::Version version;
          version.fact = static_cast<std::size_t>(r.varint());
          version.first = r.flag();
          if (version.first) {
            if (version.fact != facts_) damaged("a new fact out of order");
            version.kind = r.enumeration<FactKind>(kFactKinds, "kind of fact");
            const std::string_view key = r.text_view();
            if (!is_valid_utf8(key)) damaged("a fact's key is not valid UTF-8");
            version.key_at =
                static_cast<std::size_t>(reinterpret_cast<const unsigned char*>(key.data()) - base);
            version.key_size = key.size();
            ++facts_;
          } else if (version.fact >= facts_) {
            damaged("a version of a fact that does not exist");
          }
          // Checked as it is read, nothing built: the record keeps the bytes.
          const unsigned char* body = r.position();
          version.marks = check_version_body(r);
          version.body_at = static_cast<std::size_t>(body - base);
          version.body_size = static_cast<std::size_t>(r.position() - body);
          piece->versions.push_back(version);
        }
        if (!r.done()) damaged("trailing bytes after the versions");
      } catch (...) {
        // The versions before the damage are fed first, as a single thread reading and
        // feeding one by one would: the loader's own complaint about one of them comes first.
        sink.deliver(std::move(piece));
        throw;
      }
      sink.deliver(std::move(piece));
      more_versions = versions.step("cannot read the store");
    }
    piece = sink.blank();
    piece->kind = LoadPiece::Kind::changes;
    copy_blob(b, 7, piece->bytes);
    piece->facts = facts_;
    piece->stored_facts = sqlite3_column_int64(b, 6);
    sink.deliver(std::move(piece));
  }
  if (more_versions) damaged("versions of a batch that does not exist");
  revision_ = revision;
}

void RecordStore::feed(LoadPiece& piece, StoreLoader& loader, std::uint64_t& revision) {
  switch (piece.kind) {
    case LoadPiece::Kind::batch:
      ++revision;
      loader.batch(piece.recorded_at, std::move(piece.provenance));
      return;
    case LoadPiece::Kind::versions: {
      const char* base = reinterpret_cast<const char*>(piece.bytes.data());
      for (const LoadPiece::Version& v : piece.versions) {
        const std::string_view key(base + v.key_at, v.key_size);
        loader.version(v.fact, v.first ? &key : nullptr, v.kind, revision, v.marks,
                       std::string_view(base + v.body_at, v.body_size));
      }
      return;
    }
    case LoadPiece::Kind::changes: {
      Reader changes(piece.bytes.data(), piece.bytes.size());
      const std::size_t count = changes.count();
      loader.changes(count);
      for (std::size_t i = 0; i < count; ++i) {
        const auto item = static_cast<std::size_t>(changes.varint());
        const auto fact = static_cast<std::size_t>(changes.varint());
        if (fact >= piece.facts) damaged("a change to a fact that does not exist");
        loader.change(item, fact, changes.enumeration<ChangeKind>(kChangeKinds, "kind of change"));
      }
      if (!changes.done()) damaged("trailing bytes after the changes");
      if (piece.stored_facts != static_cast<std::int64_t>(piece.facts))
        damaged("the count of facts does not match the versions");
      return;
    }
  }
}

void RecordStore::commit(const BatchWrite& batch, const Progress* written) {
  if (batch.revision != revision_ + 1) {
    throw Error(Status::internal,
                "batch " + std::to_string(batch.revision) + " does not follow the stored batch " +
                    std::to_string(revision_),
                Location(path_));
  }
  exec("BEGIN IMMEDIATE", "cannot start a transaction");
  try {
    write(batch, written);
    exec("COMMIT", ("batch " + std::to_string(batch.revision) + " was not saved").c_str());
  } catch (...) {
    // A failed COMMIT may already have rolled back; otherwise roll back here. Either way the
    // connection is ready for the next batch.
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    // When the WAL's sync failed, the failed transaction's frames, commit frame included, may
    // still be in the file: SQLite no longer counts them, but recovery after a crash would.
    // Checkpointing the counted frames and truncating the WAL removes them. (On a disk that
    // keeps failing this fails too; then nothing can remove them.)
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    throw;
  }
  revision_ = batch.revision;
  for (const auto& v : batch.versions) facts_ += v.first ? 1 : 0;
  if (!batch.tombstones.empty()) checkpoint_pending_ = true;
  if (checkpoint_pending_) checkpoint_after_erasure();
}

void RecordStore::write(const BatchWrite& batch, const Progress* written) {
  const std::string what = "batch " + std::to_string(batch.revision) + " was not saved";
  {
    std::size_t facts = facts_;
    for (const auto& v : batch.versions) facts += v.first ? 1 : 0;
    Statement insert(*this, "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, static_cast<std::int64_t>(batch.revision));
    insert.bind(2, batch.recorded_at);
    insert.bind(3, batch.provenance->author);
    insert.bind(4, batch.provenance->reason);
    insert.bind(5, batch.provenance->source_system);
    insert.bind(6, batch.provenance->source_reference);
    insert.bind(7, static_cast<std::int64_t>(facts));
    const std::string changes = encode_changes(batch.changes);
    insert.bind_blob(8, changes);
    insert.run(what.c_str());
  }
  {
    Statement insert(*this, "INSERT INTO versions VALUES (?, ?, ?)");
    for (std::size_t start = 0, chunk = 0; start < batch.versions.size();
         start += kStoreChunk, ++chunk) {
      const std::size_t count = std::min(kStoreChunk, batch.versions.size() - start);
      const std::string data = encode_chunk(batch.versions.data() + start, count);
      insert.bind(1, static_cast<std::int64_t>(batch.revision));
      insert.bind(2, static_cast<std::int64_t>(chunk));
      insert.bind_blob(3, data);
      insert.run(what.c_str());
      if (written && *written && !(*written)(start + count, batch.versions.size()))
        throw Error(Status::cancelled, "cancelled by the progress callback", Location{path_});
    }
  }
  if (!batch.rewritten.empty()) {
    Statement update(*this, "UPDATE versions SET data = ? WHERE revision = ? AND chunk = ?");
    for (const auto& chunk : batch.rewritten) {
      const std::string data = encode_chunk(chunk.versions.data(), chunk.versions.size());
      update.bind_blob(1, data);
      update.bind(2, static_cast<std::int64_t>(chunk.revision));
      update.bind(3, static_cast<std::int64_t>(chunk.chunk));
      update.run(what.c_str());
      if (sqlite3_changes(db_) != 1) {
        throw Error(Status::internal,
                    what + ": chunk " + std::to_string(chunk.chunk) + " of batch " +
                        std::to_string(chunk.revision) + " is missing from the store",
                    Location(path_));
      }
    }
  }
  if (!batch.tombstones.empty()) {
    Statement insert(*this, "INSERT INTO tombstones VALUES (?, ?, ?)");
    for (const auto& t : batch.tombstones) {
      insert.bind(1, static_cast<std::int64_t>(batch.revision));
      insert.bind(2, t.person);
      insert.bind(3, t.authority);
      insert.run(what.c_str());
    }
  }
}

void RecordStore::checkpoint_after_erasure() {
  // The batch is committed. Copying the WAL into the database and truncating it removes the
  // pre-erasure page images the WAL still holds (secure_delete has zeroed the database's own
  // copies). If this fails (a full disk, say), the batch stands and the checkpoint is tried
  // again after every later batch until it succeeds; closing the store checkpoints too.
  const int code =
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  checkpoint_pending_ = code != SQLITE_OK;
}

}  // namespace safeguard::detail
