// The record's durable store (Record::open): reopening restores the same record; bad stores
// are refused with the path named; erasure leaves no trace in the files; a process killed at
// any moment loses no committed batch and leaves no half of one.
#include <doctest/doctest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "record_codec.hpp"
#include "record_store.hpp"
#include "safeguard/generate.hpp"
#include "store_support.hpp"

using namespace safeguard;
using namespace store_test;

namespace {

void remove_store(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
}

// Runs SQL on a store behind the library's back (to damage it, or to make other databases).
void sql(const std::string& path, const char* statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const int code = sqlite3_exec(db, statement, nullptr, nullptr, nullptr);
  const std::string message = sqlite3_errmsg(db);
  sqlite3_close(db);
  INFO(message);
  REQUIRE(code == SQLITE_OK);
}

// The Error opening `path` throws; fails the test if it opens.
Error open_error(const std::string& path, StoreOpen mode = StoreOpen::create_if_missing) {
  try {
    Record::open(path, {}, mode);
  } catch (const Error& e) {
    return e;
  }
  FAIL("opened " << path);
  return Error(Status::ok, "");
}

// Everything a loader is told while a store is read (the store's private loading interface),
// in order, as text: bodies and keys byte for byte.
class LoggingLoader final : public detail::StoreLoader {
 public:
  std::string log;
  std::size_t refuse_version = SIZE_MAX;  // throws at this version, counting from 0
  std::size_t versions = 0;

  void reserve(std::size_t facts, std::size_t batches) override {
    log += "reserve " + std::to_string(facts) + " " + std::to_string(batches) + "\n";
  }
  void batch(RecordTime recorded_at, Provenance p) override {
    log += "batch " + std::to_string(recorded_at) + " " + p.author + "|" + p.reason + "|" +
           p.source_system + "|" + p.source_reference + "\n";
  }
  void version(std::size_t fact, const std::string_view* key, FactKind kind, std::uint64_t revision,
               const detail::VersionMarks& marks, std::string_view body) override {
    if (versions++ == refuse_version)
      throw Error(Status::invalid_data, "the loader refuses version " + std::to_string(versions));
    log += "version " + std::to_string(fact) + " " + std::to_string(revision);
    if (key) log += " key " + std::string(*key) + " kind " + std::to_string(static_cast<int>(kind));
    log += " marks " + std::to_string(static_cast<int>(marks.change)) + " " +
           std::to_string(marks.ended) + " " + std::to_string(marks.membership_ended) + " " +
           std::to_string(marks.retracted) + " " + std::to_string(static_cast<int>(marks.kind)) +
           " body " + std::string(body) + "\n";
  }
  void changes(std::size_t count) override { log += "changes " + std::to_string(count) + "\n"; }
  void change(std::size_t item, std::size_t fact, ChangeKind change) override {
    log += "change " + std::to_string(item) + " " + std::to_string(fact) + " " +
           std::to_string(static_cast<int>(change)) + "\n";
  }
  void tombstone(std::uint64_t revision, std::string person, std::string authority) override {
    log += "tombstone " + std::to_string(revision) + " " + person + " " + authority + "\n";
  }
};

// What loading the store at `path` tells a loader, and the message of the Error it ends with
// (empty when it loads): read ahead on a second thread (`read_ahead` true, whatever the
// store's size) or on this one alone.
struct LoadLog {
  std::string log;
  std::string error;
  std::size_t reports = 0;
  std::size_t versions = 0;
};
LoadLog load_log(const std::string& path, bool read_ahead, std::size_t refuse_version = SIZE_MAX,
                 std::size_t stop_at_report = SIZE_MAX) {
  LoadLog out;
  LoggingLoader loader;
  loader.refuse_version = refuse_version;
  const Progress progress = [&](std::uint64_t, std::uint64_t) {
    return out.reports++ < stop_at_report;
  };
  try {
    detail::RecordStore store(path, StoreOpen::must_exist);
    store.load(loader, &progress, read_ahead ? 0 : SIZE_MAX);
  } catch (const Error& e) {
    out.error = e.what();
  }
  out.log = std::move(loader.log);
  out.versions = loader.versions;
  return out;
}

// A store of `batches` varied batches (every kind of edit, erasures included) at `path`.
void make_history_store(const std::string& path, int batches) {
  remove_store(path);
  History history(11);
  Record stored = Record::open(path);
  for (int i = 0; i < batches; ++i) stored.apply(history.next());
}

}  // namespace

TEST_SUITE("unit/record_store") {
  TEST_CASE("a store read ahead on a second thread feeds its loader as one thread does") {
    // RecordStore::load reads a large store on a second thread while the caller's feeds the
    // record; forced here for a small store. The loader must hear exactly the same calls in the
    // same order, and end with the same error: the loader's own, a cancellation, or damage.
    ScratchDir dir;
    const std::string path = dir.file("history.store");
    make_history_store(path, 120);  // 120 batches: the read-ahead queue (8 pieces) fills
    const LoadLog alone = load_log(path, false);
    CHECK(alone.error.empty());
    CHECK(alone.log.find("tombstone ") != std::string::npos);
    const LoadLog ahead = load_log(path, true);
    CHECK(ahead.error.empty());
    CHECK(ahead.log == alone.log);
    CHECK(ahead.reports == alone.reports);

    REQUIRE(alone.versions > 200);
    for (std::size_t refuse : {std::size_t{0}, std::size_t{1}, std::size_t{57}, alone.versions / 2,
                               alone.versions - 1}) {
      CAPTURE(refuse);
      const LoadLog a = load_log(path, false, refuse), b = load_log(path, true, refuse);
      CHECK(a.error.find("the loader refuses") != std::string::npos);
      CHECK(b.error == a.error);
      CHECK(b.log == a.log);
    }
    for (std::size_t stop : {std::size_t{0}, std::size_t{1}, std::size_t{60}}) {
      CAPTURE(stop);
      const LoadLog a = load_log(path, false, SIZE_MAX, stop),
                    b = load_log(path, true, SIZE_MAX, stop);
      CHECK(a.error.find("cancelled") != std::string::npos);
      CHECK(b.error == a.error);
      CHECK(b.log == a.log);
      CHECK(b.reports == a.reports);
    }

    // Damage anywhere: the same versions fed before it, then the same message.
    const char* damages[] = {
        // a chunk cut short in the middle of a version
        "UPDATE versions SET data = substr(data, 1, length(data) / 2) WHERE rowid = "
        "(SELECT rowid FROM versions ORDER BY revision, chunk LIMIT 1 OFFSET 40)",
        // a chunk with a byte past its versions
        "UPDATE versions SET data = data || X'00' WHERE rowid = "
        "(SELECT rowid FROM versions ORDER BY revision, chunk LIMIT 1 OFFSET 70)",
        // the first batch's versions gone, so later ones name facts that do not exist
        "DELETE FROM versions WHERE revision = 1",
        // changes cut short, a count of facts that does not match, batches misnumbered
        "UPDATE batches SET changes = substr(changes, 1, length(changes) - 1) WHERE revision = 50",
        "UPDATE batches SET facts = facts + 1 WHERE revision = 60",
        "UPDATE batches SET revision = 1000 WHERE revision = 90",
        // a provenance that is not UTF-8, a tombstone of no batch
        "UPDATE batches SET author = CAST(X'C0AF' AS TEXT) WHERE revision = 20",
        "UPDATE tombstones SET revision = 5000",
        // versions of a batch that does not exist
        "UPDATE versions SET revision = 4000 WHERE revision = 119",
    };
    for (const char* damage : damages) {
      const std::string what = damage;
      CAPTURE(what);
      make_history_store(path, 120);
      sql(path, damage);
      const LoadLog a = load_log(path, false), b = load_log(path, true);
      CHECK(a.error.find("damaged") != std::string::npos);
      CHECK(b.error == a.error);
      CHECK(b.log == a.log);
      CHECK(b.reports == a.reports);
    }

    // A chunk damaged halfway: the versions before the damage are fed, not only the chunks
    // before it, so a loader's complaint about one of them comes first (as reading and feeding
    // one by one gives).
    const char* first_chunk =
        "(SELECT rowid FROM versions ORDER BY revision, chunk LIMIT 1 OFFSET 0)";
    make_history_store(path, 120);
    sql(path, (std::string("UPDATE versions SET data = X'' WHERE rowid = ") + first_chunk).c_str());
    const LoadLog emptied = load_log(path, true);
    make_history_store(path, 120);
    sql(path, (std::string("UPDATE versions SET data = substr(data, 1, length(data) / 2) WHERE "
                           "rowid = ") +
               first_chunk)
                  .c_str());
    for (bool read_ahead : {false, true}) {
      const LoadLog halved = load_log(path, read_ahead);
      CHECK(halved.error.find("damaged") != std::string::npos);
      CHECK(emptied.versions == 0);
      CHECK(halved.versions > 1);
      CHECK(load_log(path, read_ahead, halved.versions - 1).error.find("the loader refuses") !=
            std::string::npos);
    }
  }

  TEST_CASE("reopening a store restores every version, batch, change and tombstone") {
    ScratchDir dir;
    const std::string path = dir.file("case.store");
    History history(3);
    Record memory;
    std::uint64_t erasures = 0;
    {
      Record stored = Record::open(path);
      CHECK(stored.revision() == 0);
      CHECK(stored.store_path() == path);
      CHECK(memory.store_path().empty());
      for (int i = 0; i < 40; ++i) {
        const RecordBatch batch = history.next();
        for (const auto& item : batch.items) erasures += std::holds_alternative<Erase>(item);
        CHECK(stored.apply(batch) == memory.apply(batch));
      }
      CHECK(everything(stored, default_rules()) == everything(memory, default_rules()));
    }
    for (int round = 0; round < 3; ++round) {
      Record stored = Record::open(path, {}, StoreOpen::must_exist);
      REQUIRE(stored.revision() == memory.revision());
      CHECK(everything(stored, default_rules()) == everything(memory, default_rules()));
      for (int i = 0; i < 20; ++i) {
        const RecordBatch batch = history.next();
        for (const auto& item : batch.items) erasures += std::holds_alternative<Erase>(item);
        CHECK(stored.apply(batch) == memory.apply(batch));
      }
    }
    Record stored = Record::open(path);
    CHECK(stored.revision() == 100);
    CHECK(everything(stored, default_rules()) == everything(memory, default_rules()));
    // The history used every kind of edit the store must keep, erasure included.
    CHECK(erasures > 0);
    CHECK(stored.tombstones().size() == erasures);
    std::set<ChangeKind> kinds;
    for (const auto& change : stored.changes_since(0)) kinds.insert(change.change);
    CHECK(kinds.size() == 6);
  }

  TEST_CASE(
      "a reopened record equals the replayed one, fact by fact and version by version, on a "
      "generated caseload with amendments, erasures and several versions") {
    // The record keeps versions encoded and reopening keeps the stored bytes as they are
    // (docs/record.md, "How it works"): every read-back must still answer as the record that
    // applied the batches does, for every fact and every record time.
    ScratchDir dir;
    const std::string path = dir.file("case.store");
    CaseGraph source;
    CaseloadOptions options;
    options.children = 150;
    options.seed = 19;
    generate_caseload(source, options);
    const std::string text = save_case(source);
    std::string child, concern, factor;
    RelationSpec relation;
    for (const auto& item : parse_case(text, "generated.json").items) {
      if (const auto* p = std::get_if<PersonSpec>(&item); p && child.empty())
        child = p->kind == PersonKind::child ? p->id : std::string();
      if (const auto* c = std::get_if<ConcernSpec>(&item); c && concern.empty()) concern = c->id;
      if (const auto* f = std::get_if<FactorSpec>(&item); f && factor.empty()) factor = f->id;
      if (const auto* r = std::get_if<RelationSpec>(&item); r && relation.from.empty())
        relation = *r;
    }
    REQUIRE(!child.empty());
    REQUIRE(!concern.empty());
    REQUIRE(!factor.empty());
    REQUIRE(!relation.from.empty());

    Record memory;
    {
      Record stored = Record::open(path);
      auto both = [&](const RecordBatch& batch) {
        CHECK(stored.apply(batch) == memory.apply(batch));
      };
      const Provenance import{"worker-1", "import", "cms", "ref-import"};
      both(to_record_batch(parse_case(text, "generated.json"), kStart - 7200, import));
      // Every entity restated: a second version of each.
      both(to_upsert_batch(parse_case(text, "generated.json"), kStart - 3600, import));
      RecordBatch edits;
      edits.recorded_at = kStart - 1800;
      edits.provenance = Provenance{"worker-2", "corrections", "cms", "ref-edits"};
      ConcernAmend amend;
      amend.id = concern;
      amend.severity = 5;
      amend.summary = "fictional corrected summary";
      edits.add(amend);
      edits.add(EndFactor{factor, kAsOf - 10});
      edits.add(EndRelation{relation.kind, relation.from, relation.to, kAsOf - 20});
      edits.add(Retract{concern, kAsOf - 5, "fictional retraction"});
      both(edits);
      RecordBatch erase;
      erase.recorded_at = kStart - 900;
      erase.provenance = Provenance{"dpo-1", "erasure request", "cms", "ref-erase"};
      erase.add(Erase{child, "dpo-1"});
      both(erase);
      History history(11);
      for (int i = 0; i < 25; ++i) both(history.next());
    }
    const Record reopened = Record::open(path, {}, StoreOpen::must_exist);
    REQUIRE(reopened.revision() == memory.revision());
    CHECK(reopened.change_count() == memory.changes_since(0).size());
    for (std::uint64_t r = 0; r <= memory.revision(); ++r)
      CHECK(reopened.change_count(r) == memory.changes_since(r).size());
    CHECK(audit_json(reopened.changes_since(0)) == audit_json(memory.changes_since(0)));
    const std::set<std::string> keys = fact_keys(memory);
    CHECK(fact_keys(reopened) == keys);
    std::size_t several = 0;
    for (const auto& key : keys) {
      CAPTURE(key);
      const auto history = memory.history(key);
      several += history.size() > 1;
      REQUIRE(versions_json(reopened.history(key)) == versions_json(history));
      CHECK(audit_json(reopened.trail(key)) == audit_json(memory.trail(key)));
      for (std::uint64_t r = 1; r <= memory.revision(); r += 3) {
        const RecordTime known_at = memory.recorded_at(r);
        const auto was = memory.get(key, known_at);
        const auto is = reopened.get(key, known_at);
        REQUIRE(was.has_value() == is.has_value());
        if (!was) continue;
        CHECK(is->id == was->id);
        CHECK(is->kind == was->kind);
        CHECK(is->erased == was->erased);
        CHECK(versions_json({is->version}) == versions_json({was->version}));
      }
    }
    CHECK(several > 100);  // the upsert gave every entity a second version
    CHECK(reopened.tombstones().size() >= 1);
    // The erased child's data is gone from every version, in memory and reopened.
    const auto erased = reopened.history(child);
    REQUIRE(!erased.empty());
    for (const auto& v : erased) CHECK(std::get<PersonSpec>(v.spec).dob == kNoDay);
    CHECK(everything(reopened, default_rules()) == everything(memory, default_rules()));
  }

  TEST_CASE("a store whose stored text is not valid UTF-8 is refused at reopen") {
    // Reopening keeps the stored bytes without decoding them: it must still check them, or
    // history() later fails inside the JSON writer and graphs name the store as a batch.
    for (const std::string needle : {"SUMMARY-TEXT", "P-UTF8-X"}) {
      CAPTURE(needle);
      ScratchDir dir;
      const std::string path = dir.file("case.store");
      {
        Record stored = Record::open(path);
        RecordBatch batch;
        batch.recorded_at = kStart;
        batch.provenance.author = "worker-1";
        batch.add(AgencySpec{"A-x", "school", "Fictional"});
        batch.add(PersonSpec{"P-UTF8-X", PersonKind::child, iso_day("2019-01-01"), {}, ""});
        ConcernSpec concern;
        concern.id = "C-1";
        concern.category = "neglect";
        concern.severity = 2;
        concern.recorded = iso_day("2026-10-01");
        concern.source = "A-x";
        concern.about = {"P-UTF8-X"};
        concern.summary = "SUMMARY-TEXT";
        batch.add(concern);
        stored.apply(batch);
      }
      // One byte of the text made 0xFF, behind the library's back.
      {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        sqlite3_stmt* read = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, "SELECT revision, chunk, data FROM versions", -1, &read,
                                   nullptr) == SQLITE_OK);
        int damaged = 0;
        while (sqlite3_step(read) == SQLITE_ROW) {
          std::string data(static_cast<const char*>(sqlite3_column_blob(read, 2)),
                           static_cast<std::size_t>(sqlite3_column_bytes(read, 2)));
          const std::size_t at = data.find(needle);
          if (at == std::string::npos) continue;
          data[at + 2] = '\xff';
          sqlite3_stmt* write = nullptr;
          REQUIRE(sqlite3_prepare_v2(
                      db, "UPDATE versions SET data = ? WHERE revision = ? AND chunk = ?", -1,
                      &write, nullptr) == SQLITE_OK);
          sqlite3_bind_blob(write, 1, data.data(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
          sqlite3_bind_int64(write, 2, sqlite3_column_int64(read, 0));
          sqlite3_bind_int64(write, 3, sqlite3_column_int64(read, 1));
          CHECK(sqlite3_step(write) == SQLITE_DONE);
          sqlite3_finalize(write);
          ++damaged;
        }
        sqlite3_finalize(read);
        sqlite3_close(db);
        REQUIRE(damaged == 1);
      }
      const Error e = open_error(path);
      CHECK(e.status() == Status::invalid_data);
      CHECK(std::string(e.what()).find("not valid UTF-8") != std::string::npos);
      CHECK(e.where().file == path);
    }
  }

  TEST_CASE("a store whose provenance or tombstone text is not valid UTF-8 is refused at reopen") {
    // The batches' and tombstones' own columns are handed on as they are (the audit trail, its
    // JSON): reopening checks them as it checks the versions.
    for (const char* column : {"batches.author", "batches.reason", "batches.source_system",
                               "batches.source_reference", "tombstones.authority"}) {
      CAPTURE(column);
      ScratchDir dir;
      const std::string path = dir.file("case.store");
      {
        Record stored = Record::open(path);
        RecordBatch batch;
        batch.recorded_at = kStart;
        batch.provenance = Provenance{"worker-1", "a reason", "cms", "ref-1"};
        batch.add(PersonSpec{"P-GONE", PersonKind::child, iso_day("2019-01-01"), {}, ""});
        batch.add(PersonSpec{"P-KEPT", PersonKind::child, iso_day("2019-01-01"), {}, ""});
        stored.apply(batch);
        RecordBatch erase;
        erase.recorded_at = kStart + 60;
        erase.provenance = Provenance{"worker-1", "erasure", "cms", "ref-2"};
        erase.add(Erase{"P-GONE", "DPO-ref-1"});
        stored.apply(erase);
      }
      {
        const std::string table = std::string(column).substr(0, std::string(column).find('.'));
        const std::string field = std::string(column).substr(table.size() + 1);
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        const std::string update =
            "UPDATE " + table + " SET " + field + " = CAST(x'c0af22' AS TEXT)";
        REQUIRE(sqlite3_exec(db, update.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
        CHECK(sqlite3_changes(db) >= 1);
        sqlite3_close(db);
      }
      const Error e = open_error(path);
      CHECK(e.status() == Status::invalid_data);
      CHECK(std::string(e.what()).find("damaged") != std::string::npos);
      CHECK(std::string(e.what()).find("not valid UTF-8") != std::string::npos);
      CHECK(e.where().file == path);
    }
  }

  TEST_CASE("a store holding one key as two facts is refused, naming the key, unchanged") {
    // Reopening indexes the facts once all are read; a key stored as two facts is found then.
    ScratchDir dir;
    const std::string path = dir.file("case.store");
    {
      Record stored = Record::open(path);
      for (const char* id : {"A-x", "A-y"}) {
        RecordBatch batch;
        batch.recorded_at = kStart;
        batch.provenance.author = "worker-1";
        batch.add(AgencySpec{id, "school", "Fictional"});
        stored.apply(batch);
      }
    }
    {
      // The second batch's agency renamed, in its key and its spec, to the first one's.
      sqlite3* db = nullptr;
      REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
      sqlite3_stmt* read = nullptr;
      REQUIRE(sqlite3_prepare_v2(db, "SELECT data FROM versions WHERE revision = 2", -1, &read,
                                 nullptr) == SQLITE_OK);
      REQUIRE(sqlite3_step(read) == SQLITE_ROW);
      std::string data(static_cast<const char*>(sqlite3_column_blob(read, 0)),
                       static_cast<std::size_t>(sqlite3_column_bytes(read, 0)));
      sqlite3_finalize(read);
      int renamed = 0;
      for (std::size_t at = data.find("A-y"); at != std::string::npos; at = data.find("A-y")) {
        data.replace(at, 3, "A-x");
        ++renamed;
      }
      CHECK(renamed == 2);
      sqlite3_stmt* write = nullptr;
      REQUIRE(sqlite3_prepare_v2(db, "UPDATE versions SET data = ? WHERE revision = 2", -1, &write,
                                 nullptr) == SQLITE_OK);
      sqlite3_bind_blob(write, 1, data.data(), static_cast<int>(data.size()), SQLITE_STATIC);
      REQUIRE(sqlite3_step(write) == SQLITE_DONE);
      sqlite3_finalize(write);
      sqlite3_close(db);
    }
    const std::string bytes = read_bytes(path);
    const Error e = open_error(path, StoreOpen::must_exist);
    CHECK(e.status() == Status::invalid_data);
    CHECK(std::string(e.what()).find("a fact stored twice") != std::string::npos);
    CHECK(e.where().entity == "A-x");
    CHECK(e.where().file == path);
    CHECK(read_bytes(path) == bytes);
  }

  TEST_CASE("a rejected batch changes neither the record nor its store") {
    ScratchDir dir;
    const std::string path = dir.file("case.store");
    History history(4);
    std::string before;
    {
      Record stored = Record::open(path);
      for (int i = 0; i < 5; ++i) stored.apply(history.next());
      before = everything(stored, default_rules());
      RecordBatch bad;
      bad.recorded_at = kStart + 10'000;
      bad.provenance.author = "worker-1";
      bad.add(AgencySpec{"A-new", "school", "Fictional"});
      bad.add(AgencySpec{"A-school", "school", "a duplicate id"});
      CHECK_THROWS_AS(stored.apply(bad), BatchError);
      CHECK(everything(stored, default_rules()) == before);
    }
    Record again = Record::open(path);
    CHECK(everything(again, default_rules()) == before);
  }

  TEST_CASE("a case file imports into a store as one batch and exports as known at K") {
    ScratchDir dir;
    const std::string path = dir.file("case.store");
    const std::string file = SAFEGUARD_SOURCE_DIR "/examples/data/families.json";
    CaseGraph direct;
    load_case_file(direct, file);
    {
      Record stored = Record::open(path);
      Batch batch = parse_case(read_bytes(file), file);
      stored.apply(to_record_batch(std::move(batch), kStart, Provenance{"importer", "", "", ""}));
      RecordBatch later;
      later.recorded_at = kStart + 60;
      later.provenance.author = "worker-1";
      later.add(AgencySpec{"A-extra", "housing", "Fictional Housing"});
      stored.apply(later);
    }
    Record stored = Record::open(path);
    CHECK(stored.revision() == 2);
    // As known at the import, the store gives back exactly the case file's graph.
    CHECK(save_case(*stored.graph(kAsOf, kStart)) == save_case(direct));
    CHECK(save_case(*stored.graph(kAsOf)) != save_case(direct));
  }

  TEST_CASE("bad stores and bad paths are refused with the path named, never a crash") {
    ScratchDir dir;

    SUBCASE("no store at the path, when one must exist") {
      const std::string path = dir.file("missing.store");
      const Error e = open_error(path, StoreOpen::must_exist);
      CHECK(e.status() == Status::io);
      CHECK(std::string(e.what()).find(path) != std::string::npos);
      CHECK_FALSE(std::filesystem::exists(path));
    }
    SUBCASE("an empty path") { CHECK(open_error("").status() == Status::invalid_argument); }
    SUBCASE("a directory that does not exist, or is a file") {
      const std::string file = dir.file("plain-file");
      write_bytes(file, "x");
      for (const std::string& path : {dir.file("no-such-dir/case.store"), file + "/case.store"}) {
        const Error e = open_error(path);
        CHECK(e.status() == Status::io);
        CHECK(std::string(e.what()).find(path) != std::string::npos);
      }
    }
    SUBCASE("a case file, and bytes that are no database") {
      const std::string json = dir.file("case.json");
      write_bytes(json, read_bytes(SAFEGUARD_SOURCE_DIR "/examples/data/families.json"));
      const std::string noise = dir.file("noise.store");
      write_bytes(noise, std::string(8192, '\x5a'));
      for (const std::string& path : {json, noise}) {
        const std::string before = read_bytes(path);
        const Error e = open_error(path);
        CHECK(e.status() == Status::invalid_data);
        CHECK(std::string(e.what()).find(path) != std::string::npos);
        CHECK(read_bytes(path) == before);  // never overwritten
      }
    }
    SUBCASE("an SQLite database of another kind") {
      const std::string path = dir.file("other.db");
      sql(path, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
      const Error e = open_error(path);
      CHECK(e.status() == Status::invalid_data);
      CHECK(std::string(e.what()).find("not a safeguard store") != std::string::npos);
    }
    SUBCASE("a store of a newer schema") {
      const std::string path = dir.file("newer.store");
      { Record::open(path).apply(History(1).next()); }
      sql(path, "PRAGMA user_version = 2");
      const Error e = open_error(path);
      CHECK(e.status() == Status::version);
      CHECK(std::string(e.what()).find(path) != std::string::npos);
      CHECK(std::string(e.what()).find("schema version 2") != std::string::npos);
    }
    SUBCASE("damaged content") {
      const std::string path = dir.file("damaged.store");
      {
        Record stored = Record::open(path);
        History history(2);
        for (int i = 0; i < 3; ++i) stored.apply(history.next());
      }
      const char* damage[] = {
          "UPDATE versions SET data = x'05' WHERE revision = 2",
          "UPDATE versions SET data = x'' WHERE revision = 2",
          "UPDATE batches SET changes = x'' WHERE revision = 1",
          "UPDATE versions SET data = x'01ffffffffffffffffffff01' WHERE revision = 1",
          "UPDATE versions SET data = data || x'00' WHERE revision = 3",
          "UPDATE versions SET data = x'0100000000' || substr(data, 6) WHERE revision = 1",
          "UPDATE batches SET changes = x'02090901' WHERE revision = 2",
          "DELETE FROM batches WHERE revision = 2",
          "UPDATE versions SET chunk = 5 WHERE revision = 3",
          "INSERT INTO tombstones VALUES (9, 'P-A0', 'dpo')",
          "UPDATE batches SET recorded_at = 0 WHERE revision = 3",
          "INSERT INTO tombstones VALUES (1, 'P-A0', 'dpo'), (2, 'P-A0', 'dpo')",
          // fuzz_store: a last revision (or fact count) far past what the file could hold made
          // reopening reserve hundreds of gigabytes before any check.
          "UPDATE batches SET revision = 2147483647 WHERE revision = 3",
          "UPDATE batches SET facts = 1099511627776 WHERE revision = 3",
      };
      const std::string pristine = read_bytes(path);
      for (const char* statement : damage) {
        CAPTURE(statement);
        write_bytes(path, pristine);
        sql(path, statement);
        const Error e = open_error(path);
        CHECK(e.status() == Status::invalid_data);
        CHECK(std::string(e.what()).find(path) != std::string::npos);
      }
    }
    SUBCASE("damaged pages: every 512-byte block of the file overwritten in turn") {
      const std::string path = dir.file("pages.store");
      {
        Record stored = Record::open(path);
        History history(5);
        for (int i = 0; i < 8; ++i) stored.apply(history.next());
      }
      const std::string pristine = read_bytes(path);
      int refused = 0;
      for (std::size_t at = 0; at < pristine.size(); at += 512) {
        std::string bytes = pristine;
        for (std::size_t i = at; i < at + 512 && i < bytes.size(); ++i) bytes[i] = '\x7f';
        write_bytes(path, bytes);
        try {
          Record stored = Record::open(path);
          stored.graph(kAsOf);  // a damaged store may open; it never crashes
        } catch (const Error& e) {
          ++refused;
          CHECK(std::string(e.what()).find(path) != std::string::npos);
        }
      }
      CHECK(refused > 0);
    }
    SUBCASE("a store already open elsewhere") {
      const std::string path = dir.file("busy.store");
      Record first = Record::open(path);
      first.apply(History(1).next());
      const Error e = open_error(path);
      CHECK(e.status() == Status::misuse);
      CHECK(std::string(e.what()).find(path) != std::string::npos);
      first = Record();  // closes the store
      CHECK(Record::open(path).revision() == 1);
    }
  }

  TEST_CASE("erasure leaves no trace of the erased data in the store's files") {
    ScratchDir dir;
    const std::string path = dir.file("erase.store");
    // Dates of birth outside the range the history generator draws from.
    const Day dob = iso_day("2008-11-23");
    const Day dob_amended = iso_day("2008-12-14");
    // Distinctive bytes for everything erasure must remove.
    const std::vector<std::string> secrets = {
        "flag-QZXV-7731",    "flag-QZXV-7732",     "summary-KWPJ-2208",   "summary-KWPJ-2209",
        "involves-MBHT-551", "strength-DLRW-9042", "note-GFYU-3317",      "reason-PNCE-6480",
        "2008-11-23",        "2008-12-14",         "retraction-HNZQ-4471"};
    auto le = [](Day day) {
      std::string out;
      for (int shift = 0; shift < 32; shift += 8)
        out += static_cast<char>((static_cast<std::uint32_t>(day) >> shift) & 0xFF);
      return out;
    };
    // A date is four bytes as the store writes it, too short to be distinctive alone: search
    // for it as it follows the person's id and kind.
    const std::string person("\x03P-X\x00", 5);
    std::vector<std::string> needles = secrets;
    needles.push_back(person + le(dob));
    needles.push_back(person + le(dob_amended));
    auto traces = [&](bool with_wal) {
      std::vector<std::string> found;
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        if (!with_wal && std::string(suffix) == "-wal") continue;
        const std::string bytes = read_bytes_if_present(path + suffix);
        for (const auto& needle : needles) {
          if (bytes.find(needle) != std::string::npos)
            found.push_back(std::string(suffix) + ":" + needle);
        }
      }
      return found;
    };

    History history(6);
    RecordTime now = kStart;
    auto more = [&](Record& record, int count) {
      for (int i = 0; i < count; ++i) {
        RecordBatch batch = history.next();
        batch.recorded_at = now += 60;
        record.apply(batch);
      }
    };
    Record stored = Record::open(path);
    more(stored, 30);
    RecordBatch add;
    add.recorded_at = now += 60;
    add.provenance.author = "worker-1";
    add.add(PersonSpec{"P-X", PersonKind::child, dob, {"flag-QZXV-7731"}, "H-0"});
    add.add(PersonSpec{"P-Y", PersonKind::adult, iso_day("1980-01-01"), {}, ""});
    ConcernSpec about;
    about.id = "C-X1";
    about.category = "neglect";
    about.severity = 3;
    about.incident = kAsOf - 40;
    about.recorded = kAsOf - 39;
    about.source = "A-school";
    about.about = {"P-X"};
    about.summary = "summary-KWPJ-2208";
    add.add(about);
    ConcernSpec involving = about;
    involving.id = "C-X2";
    involving.about = {"P-C0"};
    involving.involves = {"P-Y"};
    involving.summary = "involves-MBHT-551";
    add.add(involving);
    FactorSpec strength;
    strength.id = "F-X";
    strength.kind = "protective_adult";
    strength.start = kAsOf - 100;
    strength.protects = {"P-X"};
    strength.summary = "strength-DLRW-9042";
    add.add(strength);
    add.add(EventSpec{"E-X", EventKind::referral, kAsOf - 30, {"P-X"}, "note-GFYU-3317"});
    add.add(DiscretionaryOverrideSpec{"O-X", "P-X", OverrideDirection::raise, kAsOf - 20,
                                      "worker-1", "reason-PNCE-6480"});
    stored.apply(add);
    more(stored, 10);
    // Later versions of the same data, in other batches (and so other pages).
    RecordBatch amend;
    amend.recorded_at = now += 60;
    amend.provenance.author = "worker-2";
    amend.add(PersonAmend{"P-X", std::nullopt, dob_amended,
                          std::vector<std::string>{"flag-QZXV-7732"}, std::nullopt});
    ConcernAmend summary;
    summary.id = "C-X1";
    summary.summary = "summary-KWPJ-2209";
    amend.add(summary);
    stored.apply(amend);
    more(stored, 10);
    // A retraction's reason is a reason about the person too (record.hpp, "Erasure").
    RecordBatch retract;
    retract.recorded_at = now += 60;
    retract.provenance.author = "worker-2";
    retract.add(Retract{"C-X1", kAsOf - 10, "retraction-HNZQ-4471"});
    stored.apply(retract);
    more(stored, 3);

    // The search finds the data while it is there (so its silence below means something);
    // the store never writes dates as text, so only the binary dates are looked for here.
    {
      const auto before = traces(true);
      for (const auto& needle : needles) {
        if (needle.rfind("2008-", 0) == 0) continue;
        CAPTURE(needle);
        CHECK(std::any_of(before.begin(), before.end(), [&](const std::string& found) {
          return found.size() >= needle.size() &&
                 found.compare(found.size() - needle.size(), needle.size(), needle) == 0;
        }));
      }
    }

    RecordBatch erase;
    erase.recorded_at = now += 60;
    erase.provenance.author = "dpo-office";
    erase.add(Erase{"P-X", "dpo"});
    erase.add(Erase{"P-Y", "dpo"});
    stored.apply(erase);
    // Right after the erasure, while the store is open...
    CHECK(traces(true) == std::vector<std::string>{});
    for (const auto& version : stored.history("C-X1")) CHECK(version.retraction_reason.empty());
    more(stored, 3);
    const std::string expected = everything(stored, default_rules());
    stored = Record();
    // ... and after closing it.
    CHECK(traces(true) == std::vector<std::string>{});
    Record again = Record::open(path);
    CHECK(everything(again, default_rules()) == expected);
    CHECK(again.tombstones().size() >= 2);
    for (const auto& version : again.history("P-X")) {
      CHECK(std::get<PersonSpec>(version.spec).dob == kNoDay);
      CHECK(std::get<PersonSpec>(version.spec).flags.empty());
    }
  }
}

TEST_SUITE("unit/record_store") {
  TEST_CASE("kill -9 at random moments never loses a committed batch nor leaves half of one") {
    ScratchDir dir;
    const std::string path = dir.file("killed.store");
    constexpr std::uint64_t kSeed = 11;
    constexpr int kRounds = 100;
    constexpr int kBatchesPerRound = 8;
    History reference_history(kSeed);
    Record reference;
    std::uint32_t rng = 12345;
    auto below = [&rng](std::uint32_t bound) {
      rng = rng * 1103515245u + 12345u;
      return (rng >> 8) % bound;
    };
    int killed_before_first = 0, lost_reports = 0, finished = 0;
    for (int round = 0; round < kRounds; ++round) {
      CAPTURE(round);
      if (round % 25 == 0) {
        // Now and then a fresh store, so the kill also lands while one is being created.
        remove_store(path);
        reference = Record();
        reference_history = History(kSeed);
      }
      int fds[2];
      REQUIRE(pipe(fds) == 0);
      const pid_t pid = fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        // The child: no doctest, no threads; apply batches, report each committed revision.
        close(fds[0]);
        try {
          Record stored = Record::open(path);
          History history(kSeed);
          for (std::uint64_t i = 0; i < stored.revision(); ++i) history.next();
          for (int i = 0; i < kBatchesPerRound; ++i) {
            const std::uint64_t revision = stored.apply(history.next());
            if (write(fds[1], &revision, sizeof revision) != sizeof revision) _exit(4);
          }
        } catch (...) {
          _exit(3);
        }
        for (;;) pause();
      }
      close(fds[1]);
      // The moment: after a random number of commits, a random number of microseconds more
      // (a commit takes a few milliseconds, most of them in fsync).
      std::uint64_t reported = 0, value = 0;
      int reports = 0;
      const std::uint32_t wait_for = below(kBatchesPerRound + 1);
      while (static_cast<std::uint32_t>(reports) < wait_for &&
             read(fds[0], &value, sizeof value) == sizeof value) {
        reported = value;
        ++reports;
      }
      usleep(below(12'000));
      kill(pid, SIGKILL);
      while (read(fds[0], &value, sizeof value) == sizeof value) {
        reported = value;
        ++reports;
      }
      close(fds[0]);
      int status = 0;
      REQUIRE(waitpid(pid, &status, 0) == pid);
      // The child died of the kill, never of an error of its own.
      REQUIRE(WIFSIGNALED(status));
      if (reports == 0) ++killed_before_first;
      if (reports == kBatchesPerRound) ++finished;

      Record stored = Record::open(path);
      CHECK(stored.revision() >= reported);
      REQUIRE(stored.revision() >= reference.revision());
      if (stored.revision() > reported) ++lost_reports;
      while (reference.revision() < stored.revision()) reference.apply(reference_history.next());
      CHECK(everything(stored, default_rules()) == everything(reference, default_rules()));
    }
    MESSAGE("kill -9: " << kRounds << " rounds, " << killed_before_first
                        << " killed before their first commit, " << finished
                        << " after their last, " << lost_reports
                        << " between a commit and its report; final revision "
                        << reference.revision());
  }
}
