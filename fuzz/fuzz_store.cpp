// Fuzzes reading a record's store (Record::open): a small valid store is made once (the bundled
// families and timeline cases imported, amended, a person erased), and each input damages a
// copy of it the way a bad disk, a bad tool or a hostile file could, through SQLite: one
// stored blob (a chunk of versions, a batch's changes) replaced by fuzz bytes, or one number
// (revision, record time, chunk, fact count, a tombstone's revision) replaced by a fuzz value,
// or a row deleted. Invariants: no crash, hang, leak or sanitizer report; a damaged store is an
// Error naming the store's path, never a partly loaded record; a store that opens can be read
// back (export as of a date) and assessed.
#include <sqlite3.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fuzz_common.hpp"
#include "safeguard/assess.hpp"
#include "safeguard/error.hpp"
#include "safeguard/io.hpp"
#include "safeguard/record.hpp"
#include "safeguard/rules.hpp"

namespace {

using namespace safeguard;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Day day(const char* iso) {
  Day out = kNoDay;
  std::string error;
  fuzz::check(parse_iso_date(iso, out, error), "a bad date in the fuzzer", iso);
  return out;
}

// A directory of this process's own for the template and the damaged copies.
const std::string& scratch() {
  static const std::string path = [] {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sg-fuzz-store-XXXXXX").string();
    fuzz::check(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    return pattern;
  }();
  return path;
}

// The bytes of a valid store with several batches, chunks of versions and a tombstone.
const std::string& template_store() {
  static const std::string bytes = [] {
    const std::string path = scratch() + "/template.store";
    {
      Record record = Record::open(path);
      RecordTime now = 1790000000;
      for (const char* name : {"families.json", "timeline.json"}) {
        const std::string file = std::string(SAFEGUARD_SOURCE_DIR "/examples/data/") + name;
        record.apply(to_record_batch(parse_case(read_file(file), name), now,
                                     Provenance{"loader", "import", "", ""}));
        now += 60;
      }
      RecordBatch amend;
      amend.recorded_at = now;
      amend.provenance = Provenance{"sw-1", "severity", "cms", "ref-1"};
      ConcernAmend a;
      a.id = "C-ASH-1";
      a.severity = 3;
      amend.add(a);
      amend.add(EndFactor{"F-BIR-1", day("2026-10-01")});
      record.apply(amend);
      RecordBatch erase;
      erase.recorded_at = now + 60;
      erase.provenance = Provenance{"dpo-1", "erasure request", "", ""};
      erase.add(Erase{"P-ELM-A1", "DPO"});
      record.apply(erase);
    }
    return read_file(path);
  }();
  return bytes;
}

const std::shared_ptr<const RuleSet>& rules() {
  static const std::shared_ptr<const RuleSet> pack =
      RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  return pack;
}

// Runs one statement on the copy; a statement SQLite refuses (a constraint) is simply not made.
void damage(const std::string& path, fuzz::Reader& in) {
  sqlite3* db = nullptr;
  fuzz::check(sqlite3_open(path.c_str(), &db) == SQLITE_OK, "sqlite3_open on the copy");
  static const char* const kStatements[] = {
      "UPDATE versions SET data = ?1 WHERE rowid = (SELECT rowid FROM versions LIMIT 1 OFFSET ?2)",
      "UPDATE batches SET changes = ?1 WHERE rowid = (SELECT rowid FROM batches LIMIT 1 OFFSET ?2)",
      "UPDATE batches SET recorded_at = ?3 WHERE rowid = (SELECT rowid FROM batches LIMIT 1 "
      "OFFSET ?2)",
      "UPDATE batches SET facts = ?3 WHERE rowid = (SELECT rowid FROM batches LIMIT 1 OFFSET ?2)",
      "UPDATE batches SET revision = ?3 WHERE rowid = (SELECT rowid FROM batches LIMIT 1 OFFSET "
      "?2)",
      "UPDATE versions SET chunk = ?3 WHERE rowid = (SELECT rowid FROM versions LIMIT 1 OFFSET ?2)",
      "UPDATE versions SET revision = ?3 WHERE rowid = (SELECT rowid FROM versions LIMIT 1 OFFSET "
      "?2)",
      "UPDATE tombstones SET revision = ?3",
      "UPDATE batches SET author = ?1 WHERE rowid = (SELECT rowid FROM batches LIMIT 1 OFFSET ?2)",
      "DELETE FROM versions WHERE rowid = (SELECT rowid FROM versions LIMIT 1 OFFSET ?2)",
      "DELETE FROM batches WHERE rowid = (SELECT rowid FROM batches LIMIT 1 OFFSET ?2)",
      "INSERT INTO tombstones VALUES (?3, ?1, 'x')",
  };
  const std::size_t rounds = 1 + in.byte() % 3;
  for (std::size_t round = 0; round < rounds && !in.empty(); ++round) {
    const char* sql = kStatements[in.byte() % (sizeof kStatements / sizeof *kStatements)];
    const int row = in.byte() % 8;
    const auto value = static_cast<sqlite3_int64>(static_cast<std::int32_t>(in.u32()));
    const std::string blob = in.bytes(4096);
    sqlite3_stmt* statement = nullptr;
    fuzz::check(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK,
                "a fuzzer statement does not prepare", sqlite3_errmsg(db));
    sqlite3_bind_blob(statement, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int(statement, 2, row);
    sqlite3_bind_int64(statement, 3, value);
    sqlite3_step(statement);
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& bytes = template_store();
  const std::string path = scratch() + "/damaged.store";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  std::ofstream(path, std::ios::binary) << bytes;
  fuzz::Reader in(data, size);
  damage(path, in);
  try {
    Record record = Record::open(path, {}, StoreOpen::must_exist);
    // Opened: it must read back and assess as any record does.
    const Day as_of = day("2026-11-01");
    (void)save_case(*record.graph(as_of));
    RecordAssessOptions options;
    options.as_of = as_of;
    (void)record.assess(rules(), options);
  } catch (const Error& e) {
    fuzz::check(std::strlen(e.what()) > 0, "an error without a message");
    // A damaged store is refused naming it; a store whose rows are well formed but whose
    // content breaks the graph's rules (an edited id, a revision moved) may also be refused when
    // the graph is built, naming the entity.
    fuzz::check(e.where().file.find("damaged.store") != std::string::npos ||
                    std::string(e.what()).find("damaged.store") != std::string::npos ||
                    !e.where().entity.empty() || e.status() == Status::invalid_data,
                "a store error that names neither the store nor an entity", e.what());
  }
  return 0;
}
