// Importing a case file into a record (CaseImport): a first import keeps the file's items as
// they are read, and must give exactly what the batch path gives (parse_case, to_record_batch
// or to_upsert_batch, Record::apply): the same store, byte for byte, the same record, the same
// errors, and for a refused file a store left as it was.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <optional>

#include "safeguard/generate.hpp"
#include "store_support.hpp"

using namespace safeguard;
using namespace store_test;

namespace {

// Every row of every table of the store at `path`, each value with its type, in table and
// rowid order: equal dumps are equal stores.
std::string dump(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::vector<std::string> tables;
  sqlite3_stmt* list = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                             -1, &list, nullptr) == SQLITE_OK);
  while (sqlite3_step(list) == SQLITE_ROW)
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list, 0)));
  sqlite3_finalize(list);
  std::string out;
  for (const std::string& table : tables) {
    out += "table " + table + "\n";
    sqlite3_stmt* rows = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, ("SELECT * FROM " + table + " ORDER BY rowid").c_str(), -1,
                               &rows, nullptr) == SQLITE_OK);
    while (sqlite3_step(rows) == SQLITE_ROW) {
      for (int column = 0; column < sqlite3_column_count(rows); ++column) {
        const int type = sqlite3_column_type(rows, column);
        const auto* bytes = static_cast<const char*>(sqlite3_column_blob(rows, column));
        out += std::to_string(type) + ":" +
               std::string(bytes ? bytes : "",
                           static_cast<std::size_t>(sqlite3_column_bytes(rows, column))) +
               "|";
      }
      out += "\n";
    }
    sqlite3_finalize(rows);
  }
  sqlite3_close(db);
  return out;
}

Provenance importer() { return Provenance{"importer-1", "first load", "cms", "ref-7"}; }

CaseImportOptions options_for(bool upsert, Provenance provenance = importer()) {
  CaseImportOptions options;
  options.recorded_at = kStart;
  options.provenance = std::move(provenance);
  options.upsert = upsert;
  return options;
}

// The batch path: what CaseImport must equal.
std::uint64_t apply_as_batch(Record& record, const std::string& text, const CaseImportOptions& o) {
  Batch batch = parse_case(text, "case.json", o.limits);
  return record.apply(o.upsert ? to_upsert_batch(std::move(batch), o.recorded_at, o.provenance)
                               : to_record_batch(std::move(batch), o.recorded_at, o.provenance));
}

std::string generated_case(std::size_t children, std::uint64_t seed) {
  CaseGraph graph;
  CaseloadOptions options;
  options.children = children;
  options.seed = seed;
  generate_caseload(graph, options);
  return save_case(graph);
}

// What either path did with a file: the error (status, message, entity) or the revision.
struct Outcome {
  std::string error;
  std::uint64_t revision = 0;
  bool operator==(const Outcome& other) const {
    return error == other.error && revision == other.revision;
  }
};

template <typename Call>
Outcome outcome_of(Call&& call) {
  Outcome out;
  try {
    out.revision = call();
  } catch (const Error& e) {
    out.error = std::to_string(static_cast<int>(e.status())) + " " + e.what() + " [" +
                e.where().entity + "]";
  }
  return out;
}

}  // namespace

TEST_SUITE("unit/record_import") {
  TEST_CASE("a first import kept as read stores exactly what the batch path stores") {
    struct Input {
      const char* name;
      std::string text;
    };
    const std::vector<Input> inputs = {
        {"generated, 300 children", generated_case(300, 7)},
        {"families", read_bytes(SAFEGUARD_SOURCE_DIR "/examples/data/families.json")},
        {"timeline (events, overrides, a calendar)",
         read_bytes(SAFEGUARD_SOURCE_DIR "/examples/data/timeline.json")},
        {"peer network (places, groups)",
         read_bytes(SAFEGUARD_SOURCE_DIR "/examples/data/peer_network.json")},
        {"entries", read_bytes(SAFEGUARD_SOURCE_DIR "/tests/data/views/case.json")},
        {"census conversion (attributes, items)",
         read_bytes(SAFEGUARD_SOURCE_DIR "/tests/data/cin/expected/full.case.json")},
    };
    for (const Input& input : inputs) {
      for (const bool upsert : {false, true}) {
        CAPTURE(input.name);
        CAPTURE(upsert);
        ScratchDir dir;
        const CaseImportOptions options = options_for(upsert);
        std::string kept_everything;
        {
          Record kept = Record::open(dir.file("kept.store"));
          CaseImport import = CaseImport::read(kept, input.text, "case.json", options);
          CHECK(import.kept_as_read());
          CHECK(import.apply(kept) == 1);
          kept_everything = everything(kept, default_rules());
          // The record goes on as any other: a later batch is checked against what was kept.
          RecordBatch later;
          later.recorded_at = kStart + 60;
          later.provenance.author = "worker-1";
          later.add(AgencySpec{"A-later", "housing", "Fictional Housing"});
          CHECK(kept.apply(later) == 2);
        }
        std::string batch_everything;
        {
          Record batch = Record::open(dir.file("batch.store"));
          CHECK(apply_as_batch(batch, input.text, options) == 1);
          batch_everything = everything(batch, default_rules());
          RecordBatch later;
          later.recorded_at = kStart + 60;
          later.provenance.author = "worker-1";
          later.add(AgencySpec{"A-later", "housing", "Fictional Housing"});
          CHECK(batch.apply(later) == 2);
        }
        CHECK(kept_everything == batch_everything);
        CHECK(dump(dir.file("kept.store")) == dump(dir.file("batch.store")));
        CHECK(everything(Record::open(dir.file("kept.store")), default_rules()) ==
              everything(Record::open(dir.file("batch.store")), default_rules()));

        // A record in memory, and the file read from disk, give the same.
        Record memory;
        CaseImport in_memory = CaseImport::read(memory, input.text, "case.json", options);
        CHECK(in_memory.kept_as_read());
        CHECK(in_memory.apply(memory) == 1);
        Record from_file;
        const std::string path = dir.file("case.json");
        write_bytes(path, input.text);
        CaseImport file_import = CaseImport::read_file(from_file, path, options);
        CHECK(file_import.kept_as_read());
        CHECK(file_import.apply(from_file) == 1);
        Record memory_batch;
        apply_as_batch(memory_batch, input.text, options);
        CHECK(everything(memory, default_rules()) == everything(memory_batch, default_rules()));
        CHECK(everything(from_file, default_rules()) == everything(memory_batch, default_rules()));
      }
    }
  }

  TEST_CASE("after an unrelated first revision the file is added as the batch path adds it") {
    const std::string text = generated_case(200, 3);
    RecordBatch unrelated;
    unrelated.recorded_at = kStart - 60;
    unrelated.provenance.author = "worker-1";
    unrelated.add(AgencySpec{"A-unrelated", "housing", "Fictional Housing"});
    const CaseImportOptions options = options_for(false);

    ScratchDir dir;
    {
      Record reference = Record::open(dir.file("reference.store"));
      reference.apply(unrelated);
      apply_as_batch(reference, text, options);
    }
    Record first = Record::open(dir.file("first.store"));
    CaseImport kept = CaseImport::read(first, text, "case.json", options);
    CHECK(kept.kept_as_read());
    CHECK(kept.apply(first) == 1);

    std::optional<Record> store = Record::open(dir.file("second.store"));
    store->apply(unrelated);
    CaseImport as_batch = CaseImport::read(*store, text, "case.json", options);
    CHECK_FALSE(as_batch.kept_as_read());
    CHECK(as_batch.apply(*store) == 2);
    store.reset();  // a store is read behind the library's back only once it is closed
    CHECK(dump(dir.file("second.store")) == dump(dir.file("reference.store")));
    const Record second = Record::open(dir.file("second.store"));

    // The file's facts have the same versions and changes either way, but for the revision.
    auto normalised = [](std::vector<FactVersion> versions) {
      for (auto& v : versions) v.revision = 0;
      return versions_json(versions);
    };
    for (const std::string& key : fact_keys(first)) {
      CAPTURE(key);
      CHECK(normalised(first.history(key)) == normalised(second.history(key)));
    }
    const auto one = first.batch_trail(1);
    const auto two = second.batch_trail(2);
    REQUIRE(one.size() == two.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
      CHECK(one[i].item == two[i].item);
      CHECK(one[i].fact == two[i].fact);
      CHECK(one[i].change == two[i].change);
    }
    // Exported, the first store is the case file; the second the case file and the agency.
    CaseGraph direct;
    load_case(direct, text, "case.json");
    CHECK(save_case(*first.graph(kAsOf)) == save_case(direct));
    CaseGraph with_agency;
    with_agency.apply(Batch{}.add(AgencySpec{"A-unrelated", "housing", "Fictional Housing"}));
    load_case(with_agency, text, "case.json");
    CHECK(save_case(*second.graph(kAsOf)) == save_case(with_agency));
  }

  TEST_CASE("a file refused part way leaves the store as it was, with the batch path's error") {
    const std::string good = read_bytes(SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
    auto replaced = [&](const std::string& from, const std::string& to) {
      const std::size_t at = good.find(from);
      REQUIRE(at != std::string::npos);
      std::string text = good;
      text.replace(at, from.size(), to);
      return text;
    };
    struct Bad {
      const char* what;
      std::string text;
      bool refused;
    };
    const std::vector<Bad> files = {
        {"a duplicate id", replaced("\"id\": \"P-ASH-C2\"", "\"id\": \"P-ASH-C1\""), true},
        {"a relation naming no one", replaced("\"to\": \"P-ASH-C2\"", "\"to\": \"P-NOBODY\""),
         true},
        // Taken: the record leaves it out of its graphs (a concern about no one is never in
        // a graph), where the graph built as the file is read would refuse it.
        {"a concern about no one", replaced("\"about\": [\"P-ASH-C2\"]", "\"about\": []"), false},
        {"an entry about no one",
         replaced("\"about\": [\"P-ASH-C1\", \"P-ASH-C2\"]", "\"about\": []"), true},
        {"a syntax error late in the file", good.substr(0, good.size() - 40) + "}", true},
        {"a value the format refuses", replaced("\"severity\": 2", "\"severity\": \"high\""), true},
        {"sections out of order (taken, sorted)",
         "{\"schema_version\": 1, \"persons\": [{\"id\": \"P-1\", \"kind\": \"child\", "
         "\"household\": \"H-1\"}], \"households\": [{\"id\": \"H-1\"}]}",
         false},
        {"no items at all", "{\"schema_version\": 1}", false},
    };
    for (const Bad& file : files) {
      for (const bool upsert : {false, true}) {
        CAPTURE(file.what);
        CAPTURE(upsert);
        ScratchDir dir;
        const CaseImportOptions options = options_for(upsert);
        Record::open(dir.file("kept.store"));
        const std::string before = dump(dir.file("kept.store"));
        Outcome by_import, by_batch;
        std::string kept_everything, batch_everything;
        {
          Record kept = Record::open(dir.file("kept.store"));
          by_import = outcome_of(
              [&] { return CaseImport::read(kept, file.text, "case.json", options).apply(kept); });
          kept_everything = everything(kept, default_rules());
        }
        {
          Record batch = Record::open(dir.file("batch.store"));
          by_batch = outcome_of([&] { return apply_as_batch(batch, file.text, options); });
          batch_everything = everything(batch, default_rules());
        }
        CHECK(by_import == by_batch);
        CHECK(by_import.error.empty() == !file.refused);
        CHECK(kept_everything == batch_everything);
        CHECK(dump(dir.file("kept.store")) == dump(dir.file("batch.store")));
        if (file.refused) CHECK(dump(dir.file("kept.store")) == before);
      }
    }
  }

  TEST_CASE("an import stopped, or whose provenance is refused, changes nothing") {
    const std::string text = generated_case(2000, 11);
    ScratchDir dir;
    Record::open(dir.file("case.store"));
    const std::string before = dump(dir.file("case.store"));
    std::optional<Record> store = Record::open(dir.file("case.store"));
    Record& record = *store;

    SUBCASE("stopped while the file is read") {
      int calls = 0;
      const Progress stop = [&](std::uint64_t, std::uint64_t) { return ++calls < 2; };
      CHECK_THROWS_AS(CaseImport::read(record, text, "case.json", options_for(false), stop), Error);
    }
    SUBCASE("stopped while the batch is written") {
      CaseImport import = CaseImport::read(record, text, "case.json", options_for(false));
      REQUIRE(import.kept_as_read());
      std::uint64_t reports = 0;
      const Progress stop = [&](std::uint64_t done, std::uint64_t total) {
        ++reports;
        return done < total / 2 + 1;  // past the check, part way through the writing
      };
      try {
        import.apply(record, stop);
        FAIL("not stopped");
      } catch (const Error& e) {
        CHECK(e.status() == Status::cancelled);
      }
      CHECK(reports > 2);
    }
    SUBCASE("without an author") {
      Record batch;
      const CaseImportOptions options = options_for(false, Provenance{});
      CaseImport import = CaseImport::read(record, text, "case.json", options);
      CHECK_FALSE(import.kept_as_read());
      const Outcome outcome = outcome_of([&] { return import.apply(record); });
      CHECK(outcome.error.find("the author is missing") != std::string::npos);
      CHECK(outcome == outcome_of([&] { return apply_as_batch(batch, text, options); }));
    }
    CHECK(record.revision() == 0);
    // The record takes the file afterwards as if nothing had happened.
    CHECK(CaseImport::read(record, text, "case.json", options_for(false)).apply(record) == 1);
    store.reset();
    {
      Record batch = Record::open(dir.file("reference.store"));
      apply_as_batch(batch, text, options_for(false));
    }
    CHECK(dump(dir.file("case.store")) == dump(dir.file("reference.store")));
    CHECK(dump(dir.file("case.store")) != before);
  }

  TEST_CASE("a file read for an empty record is applied as a batch if the record changed") {
    const std::string text = generated_case(100, 5);
    Record record;
    CaseImport import = CaseImport::read(record, text, "case.json", options_for(false));
    CHECK(import.kept_as_read());
    RecordBatch first;
    first.recorded_at = kStart - 60;
    first.provenance.author = "worker-1";
    first.add(AgencySpec{"A-first", "housing", "Fictional Housing"});
    record.apply(first);
    CHECK(import.apply(record) == 2);
    CHECK_THROWS_AS(import.apply(record), Error);
    Record reference;
    reference.apply(first);
    apply_as_batch(reference, text, options_for(false));
    CHECK(everything(record, default_rules()) == everything(reference, default_rules()));
  }
}
