// Allocation-failure injection, as SQLite's OOM tests and libgit2's failalloc do: this binary
// replaces the global operator new and delete with versions that can fail the k-th allocation,
// and each test sweeps k over every allocation one operation makes (load a case file into a
// graph that already holds one, apply an edit batch, assess, explain, save; through the C API
// and the C++ API). After each failure the call must report it (SG_E_NOMEM, or std::bad_alloc
// from C++), everything it was given must be exactly as before (compared as the saved case file,
// byte for byte, and the counts behind it), and the next call must succeed. Each k is run twice:
// failing only the k-th allocation, and failing it and every one after (so cleaning up after a
// failure must not need memory either). A binary of its own because it replaces operator new.
#include "../doctest_main.hpp"  // doctest, and a main that fails on a filter matching nothing

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "safeguard.h"
#include "safeguard/cin.hpp"
#include "safeguard/io.hpp"

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

// ---- The failing allocator ----------------------------------------------------------------

namespace {

std::atomic<bool> armed{false};
std::atomic<bool> sticky{false};     // once the k-th has failed, fail every later one too
std::atomic<long> until_failure{0};  // allocations left before the one that fails
std::atomic<long> failures{0};       // allocations failed since arming

bool should_fail() noexcept {
  if (!armed.load(std::memory_order_relaxed)) return false;
  if (failures.load(std::memory_order_relaxed) > 0) {
    if (!sticky.load(std::memory_order_relaxed)) return false;
    failures.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  if (until_failure.fetch_sub(1, std::memory_order_relaxed) > 1) return false;
  failures.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void* allocate(std::size_t size) noexcept {
  if (should_fail()) return nullptr;
  return std::malloc(size == 0 ? 1 : size);
}

void* allocate_aligned(std::size_t size, std::size_t alignment) noexcept {
  if (should_fail()) return nullptr;
  void* p = nullptr;
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  return posix_memalign(&p, alignment, size == 0 ? 1 : size) == 0 ? p : nullptr;
}

}  // namespace

void* operator new(std::size_t size) {
  if (void* p = allocate(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = allocate(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void* operator new(std::size_t size, std::align_val_t alignment) {
  if (void* p = allocate_aligned(size, static_cast<std::size_t>(alignment))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  if (void* p = allocate_aligned(size, static_cast<std::size_t>(alignment))) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace safeguard;

namespace {

// Runs `attempt` with its k-th allocation failing (and, when `every_later`, all after it).
// Returns false if the attempt made fewer than k allocations, so nothing failed.
template <typename Attempt>
bool with_failure(long k, bool every_later, Attempt&& attempt) {
  failures = 0;
  until_failure = k;
  sticky = every_later;
  armed = true;
  attempt();
  armed = false;
  return failures.load() > 0;
}

// Calls `attempt(k, every_later)` for k = 1, 2, ... in both modes until an attempt completes
// without reaching its k-th allocation; `attempt` runs the operation under with_failure and
// checks what must hold after a failure. Returns the number of allocations the operation makes.
template <typename Attempt>
long sweep(Attempt&& attempt) {
  long k = 1;
  for (;; ++k) {
    bool failed = false;
    for (bool every_later : {false, true}) failed = attempt(k, every_later) || failed;
    if (!failed) break;
  }
  return k - 1;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const std::string kFamilies = read_text(SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
const std::string kTimeline = read_text(SAFEGUARD_SOURCE_DIR "/examples/data/timeline.json");
const char* const kRules = SAFEGUARD_SOURCE_DIR "/rules/default.toml";

// ---- C API helpers ----

std::string c_dump(const sg_graph* graph) {
  char* buffer = nullptr;
  size_t size = 0;
  REQUIRE(sg_graph_save_buffer(&buffer, &size, graph) == SG_OK);
  std::string out(buffer, size);
  sg_buffer_free(buffer);
  for (const char* kind : {"person", "agency", "concern", "factor", "place", "group"}) {
    size_t count = 0;
    REQUIRE(sg_graph_count(&count, graph, kind) == SG_OK);
    out += std::string("\n") + kind + " " + std::to_string(count);
  }
  return out;
}

sg_graph* c_graph_with(const std::string& text, const char* name) {
  sg_graph* graph = nullptr;
  REQUIRE(sg_graph_new(&graph) == SG_OK);
  REQUIRE(sg_graph_load_buffer(graph, text.data(), text.size(), name) == SG_OK);
  return graph;
}

// A C batch touching every kind of change a batch can make to the example families: new
// entities of each kind with new strings to intern, a relation, process records, the calendar,
// an amendment, a retraction, and erasures that cascade (including a person added, erased and
// added again in the same batch).
sg_batch* c_edit_batch() {
  sg_batch* batch = nullptr;
  REQUIRE(sg_batch_new(&batch) == SG_OK);
  const char* flags[] = {"young_carer", "inject_flag"};
  sg_person person = SG_PERSON_INIT;
  person.id = "P-NEW-C1";
  person.dob = "2018-04-01";
  person.household = "HH-ASH";
  person.flags = flags;
  person.flag_count = 2;
  REQUIRE(sg_batch_add_person(batch, &person) == SG_OK);
  REQUIRE(sg_batch_add_agency(batch, "AG-NEW", "inject_agency_type", "New agency") == SG_OK);
  REQUIRE(sg_batch_add_place(batch, "PL-NEW", "inject_place", "Somewhere") == SG_OK);
  REQUIRE(sg_batch_add_group(batch, "GR-NEW", "inject_group", "Some group") == SG_OK);
  const char* about[] = {"P-NEW-C1", "P-ASH-C1"};
  const char* involves[] = {"P-ASH-P"};
  sg_concern concern = SG_CONCERN_INIT;
  concern.id = "C-NEW-1";
  concern.category = "inject_category";
  concern.severity = 3;
  concern.recorded = "2026-10-20";
  concern.source = "AG-NEW";
  concern.about = about;
  concern.about_count = 2;
  concern.involves = involves;
  concern.involves_count = 1;
  concern.summary = "Fictional.";
  REQUIRE(sg_batch_add_concern(batch, &concern) == SG_OK);
  const char* protects[] = {"P-NEW-C1"};
  sg_factor factor = SG_FACTOR_INIT;
  factor.id = "F-NEW-1";
  factor.kind = "inject_factor";
  factor.strength = 2;
  factor.start = "2026-09-01";
  factor.provided_by = "P-BIR-G";
  factor.protects = protects;
  factor.protects_count = 1;
  REQUIRE(sg_batch_add_factor(batch, &factor) == SG_OK);
  REQUIRE(sg_batch_add_relation(batch, "sibling_of", "P-NEW-C1", "P-ASH-C1") == SG_OK);
  const char* children[] = {"P-NEW-C1", "P-ELM-C1"};
  sg_event event = SG_EVENT_INIT;
  event.id = "E-NEW-1";
  event.kind = "referral";
  event.date = "2026-10-21";
  event.about = children;
  event.about_count = 2;
  REQUIRE(sg_batch_add_event(batch, &event) == SG_OK);
  sg_override judgement = SG_OVERRIDE_INIT;
  judgement.id = "J-NEW-1";
  judgement.child = "P-ASH-C2";
  judgement.direction = "raise";
  judgement.date = "2026-10-22";
  judgement.author = "SW-0001";
  judgement.reason = "Fictional.";
  REQUIRE(sg_batch_add_override(batch, &judgement) == SG_OK);
  REQUIRE(sg_batch_set_nation(batch, "scotland") == SG_OK);
  REQUIRE(sg_batch_add_closure(batch, "2026-12-24") == SG_OK);
  const char* amended_about[] = {"P-ASH-C2"};
  sg_concern amended = SG_CONCERN_INIT;
  amended.id = "C-ASH-2";
  amended.category = "inject_amended";
  amended.severity = 4;
  amended.recorded = "2026-10-06";
  amended.source = "AG-POL-01";
  amended.about = amended_about;
  amended.about_count = 1;
  amended.involves = involves;
  amended.involves_count = 1;
  REQUIRE(sg_batch_amend_concern(batch, &amended) == SG_OK);
  REQUIRE(sg_batch_retract_concern(batch, "C-ASH-3") == SG_OK);
  REQUIRE(sg_batch_erase_person(batch, "P-BIR-C1") == SG_OK);  // its concerns and factors go
  REQUIRE(sg_batch_erase_person(batch, "P-ELM-C2") == SG_OK);  // events and an override go
  REQUIRE(sg_batch_erase_person(batch, "P-ASH-P") == SG_OK);   // involved in two concerns
  REQUIRE(sg_batch_erase_person(batch, "P-NEW-C1") == SG_OK);
  person.kind = SG_PERSON_ADULT;
  person.flag_count = 1;
  REQUIRE(sg_batch_add_person(batch, &person) == SG_OK);
  return batch;
}

// ---- C++ helpers ----

struct CppState {
  std::string saved;
  std::size_t vertices, edges, symbols;
  std::uint64_t revision;
  std::string found;  // what find() gives for every vertex's id: the id index, rolled back too
  bool operator==(const CppState& other) const {
    return saved == other.saved && vertices == other.vertices && edges == other.edges &&
           symbols == other.symbols && revision == other.revision && found == other.found;
  }
};

CppState cpp_state(const CaseGraph& graph) {
  std::string found;
  for (VertexIndex v = 0; v < graph.vertex_count(); ++v) {
    const std::optional<VertexIndex> at = graph.find(graph.id(v));
    found += graph.id(v) + "=" + (at ? std::to_string(*at) : std::string("none")) + "\n";
  }
  return {save_case(graph),       graph.vertex_count(), graph.edge_count(),
          graph.symbols().size(), graph.revision(),     found};
}

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

// The C++ twin of c_edit_batch().
Batch cpp_edit_batch() {
  Batch batch;
  PersonSpec person{
      "P-NEW-C1", PersonKind::child, day("2018-04-01"), {"young_carer", "inject_flag"}, "HH-ASH"};
  batch.add(person);
  batch.add(AgencySpec{"AG-NEW", "inject_agency_type", "New agency"});
  batch.add(PlaceSpec{"PL-NEW", "inject_place", "Somewhere"});
  batch.add(GroupSpec{"GR-NEW", "inject_group", "Some group"});
  batch.add(HouseholdSpec{"HH-NEW"});
  ConcernSpec concern;
  concern.id = "C-NEW-1";
  concern.category = "inject_category";
  concern.severity = 3;
  concern.recorded = day("2026-10-20");
  concern.source = "AG-NEW";
  concern.about = {"P-NEW-C1", "P-ASH-C1", "PL-NEW"};
  concern.involves = {"P-ASH-P"};
  batch.add(concern);
  FactorSpec factor;
  factor.id = "F-NEW-1";
  factor.kind = "inject_factor";
  factor.start = day("2026-09-01");
  factor.provided_by = "P-BIR-G";
  factor.protects = {"P-NEW-C1"};
  batch.add(factor);
  batch.add(RelationSpec{RelationKind::sibling_of, "P-NEW-C1", "P-ASH-C1"});
  batch.add(RelationSpec{RelationKind::frequents, "P-ASH-C1", "PL-NEW"});
  batch.add(
      EventSpec{"E-NEW-1", EventKind::referral, day("2026-10-21"), {"P-NEW-C1", "P-ELM-C1"}, ""});
  batch.add(DiscretionaryOverrideSpec{"J-NEW-1", "P-ASH-C2", OverrideDirection::raise,
                                      day("2026-10-22"), "SW-0001", "Fictional."});
  batch.add(CalendarSpec{Nation::scotland, {day("2026-12-24")}});
  ConcernSpec amended = concern;
  amended.id = "C-ASH-2";
  amended.category = "inject_amended";
  amended.source = "AG-POL-01";
  amended.about = {"P-ASH-C2"};
  batch.add(AmendConcern{amended});
  batch.add(RetractConcern{"C-ASH-3"});
  batch.add(ErasePerson{"P-BIR-C1"});
  batch.add(ErasePerson{"P-ELM-C2"});
  batch.add(ErasePerson{"P-ASH-P"});
  batch.add(ErasePerson{"P-NEW-C1"});
  person.kind = PersonKind::adult;
  person.flags = {"inject_flag_2"};
  batch.add(person);
  return batch;
}

}  // namespace

// ---- Load --------------------------------------------------------------------------------

TEST_CASE("C API: every failed allocation loading a case into a non-empty graph changes nothing") {
  sg_graph* graph = c_graph_with(kTimeline, "timeline.json");
  const std::string before = c_dump(graph);
  sg_graph* reference = c_graph_with(kTimeline, "timeline.json");
  REQUIRE(sg_graph_load_buffer(reference, kFamilies.data(), kFamilies.size(), "families.json") ==
          SG_OK);
  const std::string after = c_dump(reference);
  sg_graph_free(reference);

  const long allocations = sweep([&](long k, bool every_later) {
    int status = SG_OK;
    const bool failed = with_failure(k, every_later, [&] {
      status = sg_graph_load_buffer(graph, kFamilies.data(), kFamilies.size(), "families.json");
    });
    if (!failed) return false;
    CAPTURE(k);
    CAPTURE(every_later);
    CHECK(status == SG_E_NOMEM);
    CHECK(sg_error_last_status() == SG_E_NOMEM);
    REQUIRE(c_dump(graph) == before);  // and the save that dumps it succeeds
    return true;
  });
  MESSAGE("loading families.json into a graph holding timeline.json: " << allocations
                                                                       << " allocations");
  // The streaming reader allocates about 300 times here (the DOM reader about 700); far fewer
  // would mean the load stopped early and the sweep covered little of it.
  CHECK(allocations > 200);
  CHECK(c_dump(graph) == after);  // the sweep's last attempt, which nothing failed, loaded it
  sg_graph_free(graph);
}

// sg_graph_add_tables with the tables sg_graph_tables gives of families.json: into an empty
// graph (the streamed build, its vectors and indexes reserved from the rows up front) and into
// one holding timeline.json (the batch path). A failed allocation the call can do without (the
// scratch buffer of std::stable_sort, which then sorts in place) must leave it complete.
TEST_CASE("C API: every failed allocation adding tables leaves the graph as it was") {
  sg_graph* source = c_graph_with(kFamilies, "families.json");
  sg_tables* owned = nullptr;
  REQUIRE(sg_graph_tables(&owned, source) == SG_OK);
  const sg_table* tables = nullptr;
  size_t count = 0;
  REQUIRE(sg_tables_get(&tables, &count, owned) == SG_OK);
  for (const bool empty : {true, false}) {
    CAPTURE(empty);
    auto start = [&] {
      if (!empty) return c_graph_with(kTimeline, "timeline.json");
      sg_graph* graph = nullptr;
      REQUIRE(sg_graph_new(&graph) == SG_OK);
      return graph;
    };
    sg_graph* reference = start();
    const std::string before = c_dump(reference);
    REQUIRE(sg_graph_add_tables(reference, tables, count) == SG_OK);
    const std::string after = c_dump(reference);
    sg_graph_free(reference);

    long refused = 0;
    const long allocations = sweep([&](long k, bool every_later) {
      sg_graph* graph = start();
      int status = SG_OK;
      const bool failed =
          with_failure(k, every_later, [&] { status = sg_graph_add_tables(graph, tables, count); });
      if (failed) {
        CAPTURE(k);
        CAPTURE(every_later);
        if (status == SG_OK) {
          CHECK(c_dump(graph) == after);
        } else {
          ++refused;
          CHECK(status == SG_E_NOMEM);
          CHECK(sg_error_last_status() == SG_E_NOMEM);
          CHECK(c_dump(graph) == before);
        }
      } else {
        CHECK(status == SG_OK);
        CHECK(c_dump(graph) == after);
      }
      sg_graph_free(graph);
      return failed;
    });
    MESSAGE("adding the tables of families.json, empty graph "
            << empty << ": " << allocations << " allocations, " << refused << " failures reported");
    CHECK(allocations > 50);       // far fewer would mean the call stopped early
    CHECK(refused > allocations);  // nearly every failure, once or from there on, is reported
  }
  sg_tables_free(owned);
  sg_graph_free(source);
}

TEST_CASE(
    "C++: every failed allocation loading a case into a non-empty graph throws "
    "std::bad_alloc and changes nothing") {
  CaseGraph graph;
  load_case(graph, kTimeline, "timeline.json");
  const CppState before = cpp_state(graph);
  sweep([&](long k, bool every_later) {
    bool bad_alloc = false;
    const bool failed = with_failure(k, every_later, [&] {
      try {
        load_case(graph, kFamilies, "families.json");
      } catch (const std::bad_alloc&) {
        bad_alloc = true;
      } catch (...) {
      }
    });
    if (!failed) return false;
    CAPTURE(k);
    CAPTURE(every_later);
    CHECK(bad_alloc);
    REQUIRE(cpp_state(graph) == before);
    return true;
  });
  CHECK(graph.revision() == before.revision + 1);  // the last, unfailed attempt applied
}

TEST_CASE(
    "C++: every failed allocation loading a case into an empty graph (the bulk path) throws "
    "std::bad_alloc and leaves it empty, its calendar as it was") {
  CaseGraph graph;
  CalendarSpec scotland;
  scotland.nation = Nation::scotland;
  graph.apply(Batch{}.add(scotland));
  const CppState before = cpp_state(graph);
  CaseGraph reference;
  reference.apply(Batch{}.add(scotland));
  load_case(reference, kFamilies, "families.json");
  sweep([&](long k, bool every_later) {
    // An attempt that reached no k-th allocation loaded the case; the next starts empty again
    // (on the loaded graph it would take the step path, and count its allocations instead).
    if (graph.vertex_count() != 0) {
      graph = CaseGraph();
      graph.apply(Batch{}.add(scotland));
    }
    bool bad_alloc = false;
    const bool failed = with_failure(k, every_later, [&] {
      try {
        load_case(graph, kFamilies, "families.json");
      } catch (const std::bad_alloc&) {
        bad_alloc = true;
      } catch (...) {
      }
    });
    if (!failed) return false;
    CAPTURE(k);
    CAPTURE(every_later);
    CHECK(bad_alloc);
    REQUIRE(cpp_state(graph) == before);
    REQUIRE(graph.nation() == Nation::scotland);
    return true;
  });
  CHECK(cpp_state(graph) == cpp_state(reference));  // the last, unfailed attempt applied
}

TEST_CASE(
    "C++: every failed allocation loading a census return into an empty graph (streamed) throws "
    "std::bad_alloc and leaves it empty, its calendar as it was") {
  const cin::Return full =
      cin::read(read_text(SAFEGUARD_SOURCE_DIR "/tests/data/cin/full.xml"), "full.xml");
  CaseGraph graph;
  CalendarSpec scotland;
  scotland.nation = Nation::scotland;
  graph.apply(Batch{}.add(scotland));
  const CppState before = cpp_state(graph);
  CaseGraph reference;
  reference.apply(Batch{}.add(scotland));
  cin::load(reference, full, "full.xml");
  const long allocations = sweep([&](long k, bool every_later) {
    bool bad_alloc = false;
    const bool failed = with_failure(k, every_later, [&] {
      try {
        cin::load(graph, full, "full.xml");
      } catch (const std::bad_alloc&) {
        bad_alloc = true;
      } catch (...) {
      }
    });
    if (!failed) return false;
    CAPTURE(k);
    CAPTURE(every_later);
    if (bad_alloc) {
      REQUIRE(cpp_state(graph) == before);
      REQUIRE(graph.nation() == Nation::scotland);
    } else {
      // A failure the streamed build declined on is retried by the batch path, which loaded.
      REQUIRE(cpp_state(graph) == cpp_state(reference));
      graph = CaseGraph();
      graph.apply(Batch{}.add(scotland));
    }
    return true;
  });
  MESSAGE("loading full.xml into an empty graph: " << allocations << " allocations");
  CHECK(allocations > 100);
  CHECK(cpp_state(graph) == cpp_state(reference));  // the last, unfailed attempt applied
}

// ---- Edit batches --------------------------------------------------------------------------

TEST_CASE("C API: every failed allocation applying an edit batch changes nothing") {
  sg_graph* graph = c_graph_with(kTimeline, "timeline.json");
  REQUIRE(sg_graph_load_buffer(graph, kFamilies.data(), kFamilies.size(), "families.json") ==
          SG_OK);
  sg_batch* batch = c_edit_batch();
  const std::string before = c_dump(graph);
  const long allocations = sweep([&](long k, bool every_later) {
    int status = SG_OK;
    const bool failed =
        with_failure(k, every_later, [&] { status = sg_graph_apply(graph, batch); });
    if (!failed) return false;
    CAPTURE(k);
    CAPTURE(every_later);
    CHECK(status == SG_E_NOMEM);
    REQUIRE(c_dump(graph) == before);
    return true;
  });
  MESSAGE("applying the C edit batch: " << allocations << " allocations");
  const std::string after = c_dump(graph);
  CHECK(after != before);
  CHECK(after.find("P-NEW-C1") != std::string::npos);
  CHECK(after.find("P-BIR-C1") == std::string::npos);
  sg_batch_free(batch);
  sg_graph_free(graph);
}

TEST_CASE(
    "C++: every failed allocation applying an edit batch throws std::bad_alloc and "
    "changes nothing") {
  CaseGraph graph;
  load_case(graph, kTimeline, "timeline.json");
  load_case(graph, kFamilies, "families.json");
  const Batch batch = cpp_edit_batch();
  const CppState before = cpp_state(graph);
  CaseGraph reference;
  load_case(reference, kTimeline, "timeline.json");
  load_case(reference, kFamilies, "families.json");
  reference.apply(batch);
  const CppState after = cpp_state(reference);

  const long allocations = sweep([&](long k, bool every_later) {
    bool bad_alloc = false;
    const bool failed = with_failure(k, every_later, [&] {
      try {
        graph.apply(batch);
      } catch (const std::bad_alloc&) {
        bad_alloc = true;
      } catch (...) {
      }
    });
    if (!failed) return false;
    CAPTURE(k);
    CAPTURE(every_later);
    CHECK(bad_alloc);
    REQUIRE(cpp_state(graph) == before);
    return true;
  });
  MESSAGE("applying the C++ edit batch: " << allocations << " allocations");
  CHECK(cpp_state(graph).saved == after.saved);
  CHECK(graph.edge_count() == after.edges);
  // A graph that has been through every failure takes the next batch like any other.
  Batch next;
  next.add(AgencySpec{"AG-NEXT", "inject_agency_type", ""});
  graph.apply(next);
  reference.apply(next);
  CHECK(save_case(graph) == save_case(reference));
}

// ---- Assess and explain --------------------------------------------------------------------

TEST_CASE("C API: every failed allocation assessing and explaining reports SG_E_NOMEM") {
  sg_graph* graph = c_graph_with(kFamilies, "families.json");
  sg_rules* rules = nullptr;
  REQUIRE(sg_rules_load_file(&rules, kRules) == SG_OK);
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  options.as_of = "2026-11-01";
  options.threads = 1;
  sg_explain_options explain_options = SG_EXPLAIN_OPTIONS_INIT;
  explain_options.format = SG_FORMAT_JSON;
  auto explain_all = [&](const sg_result* result) {
    std::string out;
    size_t children = 0;
    REQUIRE(sg_result_child_count(&children, result) == SG_OK);
    for (size_t row = 0; row < children; ++row) {
      char* text = nullptr;
      REQUIRE(sg_result_explain(&text, nullptr, result, row, &explain_options) == SG_OK);
      out += text;
      sg_buffer_free(text);
    }
    return out;
  };
  sg_result* expected = nullptr;
  {
    sg_graph* fresh = c_graph_with(kFamilies, "families.json");
    REQUIRE(sg_assess(&expected, fresh, rules, &options) == SG_OK);
    sg_graph_free(fresh);
  }
  const std::string expected_text = explain_all(expected);
  const std::string before = c_dump(graph);

  // The graph has never been assessed, so the first attempts also take its snapshot.
  const long assess_allocations = sweep([&](long k, bool every_later) {
    int status = SG_OK;
    sg_result* result = reinterpret_cast<sg_result*>(&status);  // must be reset to NULL
    const bool failed =
        with_failure(k, every_later, [&] { status = sg_assess(&result, graph, rules, &options); });
    if (!failed) {
      sg_result_free(result);
      return false;
    }
    CAPTURE(k);
    CAPTURE(every_later);
    CHECK(status == SG_E_NOMEM);
    CHECK(result == nullptr);
    REQUIRE(c_dump(graph) == before);
    return true;
  });
  MESSAGE("assessing families.json: " << assess_allocations << " allocations");
  sg_result* result = nullptr;
  REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
  CHECK(explain_all(result) == expected_text);

  // Text only: the JSON rendering (src/explain.cpp) still builds an nlohmann document with
  // initializer lists, whose temporaries allocate when destroyed (see dismantle() in
  // src/case_json.cpp), so a failure there can end the process.
  sg_explain_options text_options = SG_EXPLAIN_OPTIONS_INIT;
  text_options.format = SG_FORMAT_TEXT;
  const long explain_allocations = sweep([&](long k, bool every_later) {
    int status = SG_OK;
    char* text = reinterpret_cast<char*>(&status);  // must be reset to NULL
    const bool failed = with_failure(k, every_later, [&] {
      status = sg_result_explain(&text, nullptr, result, 0, &text_options);
    });
    if (!failed) {
      sg_buffer_free(text);
      return false;
    }
    CAPTURE(k);
    CAPTURE(every_later);
    CHECK(status == SG_E_NOMEM);
    CHECK(text == nullptr);
    return true;
  });
  MESSAGE("explaining one child: " << explain_allocations << " allocations");
  CHECK(explain_all(result) == expected_text);
  sg_result_free(result);
  sg_result_free(expected);
  sg_rules_free(rules);
  sg_graph_free(graph);
}

TEST_CASE("C++: every failed allocation assessing and explaining throws std::bad_alloc") {
  CaseGraph graph;
  load_case(graph, kFamilies, "families.json");
  const auto rules = RuleSet::load_file(kRules);
  const AssessOptions options{day("2026-11-01"), 1};
  const auto snapshot = take_snapshot(graph);
  const Results expected = assess(rules, snapshot, options);
  const std::string expected_text = explain(expected, 0, ExplainFormat::text);

  sweep([&](long k, bool every_later) {
    bool bad_alloc = false;
    const bool failed = with_failure(k, every_later, [&] {
      try {
        take_snapshot(graph);
      } catch (const std::bad_alloc&) {
        bad_alloc = true;
      }
    });
    if (failed) CHECK(bad_alloc);
    return failed;
  });
  sweep([&](long k, bool every_later) {
    bool bad_alloc = false;
    const bool failed = with_failure(k, every_later, [&] {
      try {
        assess(rules, snapshot, options);
      } catch (const std::bad_alloc&) {
        bad_alloc = true;
      }
    });
    if (failed) CHECK(bad_alloc);
    return failed;
  });
  sweep([&](long k, bool every_later) {
    bool bad_alloc = false;
    const bool failed = with_failure(k, every_later, [&] {
      try {
        explain(expected, 0, ExplainFormat::text);
      } catch (const std::bad_alloc&) {
        bad_alloc = true;
      }
    });
    if (failed) CHECK(bad_alloc);
    return failed;
  });
  CHECK(explain(assess(rules, take_snapshot(graph), options), 0, ExplainFormat::text) ==
        expected_text);
}

// ---- Save ----------------------------------------------------------------------------------

namespace {

// Names in `directory` that start with `prefix`.
std::vector<std::string> files_starting(const std::string& directory, const std::string& prefix) {
  std::vector<std::string> out;
  if (DIR* dir = opendir(directory.c_str())) {
    while (const dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name.compare(0, prefix.size(), prefix) == 0) out.push_back(name);
    }
    closedir(dir);
  }
  return out;
}

}  // namespace

TEST_CASE("C API: every failed allocation saving leaves the old file and no temporary file") {
  sg_graph* graph = c_graph_with(kFamilies, "families.json");
  const std::string directory =
      (std::filesystem::temp_directory_path() / ("safeguard-failalloc-" + std::to_string(getpid())))
          .string();
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  const std::string path = directory + "/case.json";
  { std::ofstream(path, std::ios::binary) << "the old file"; }
  const std::string before = c_dump(graph);

  const long allocations = sweep([&](long k, bool every_later) {
    int status = SG_OK;
    const bool failed =
        with_failure(k, every_later, [&] { status = sg_graph_save_file(graph, path.c_str()); });
    if (!failed) return false;
    CAPTURE(k);
    CAPTURE(every_later);
    CHECK(status == SG_E_NOMEM);
    CHECK(read_text(path) == "the old file");
    CHECK(files_starting(directory, "case.json.tmp").empty());
    return true;
  });
  MESSAGE("saving families.json: " << allocations << " allocations");
  REQUIRE(sg_graph_save_file(graph, path.c_str()) == SG_OK);
  CHECK(c_dump(graph).compare(0, read_text(path).size(), read_text(path)) == 0);

  sweep([&](long k, bool every_later) {
    int status = SG_OK;
    char* text = reinterpret_cast<char*>(&status);
    const bool failed =
        with_failure(k, every_later, [&] { status = sg_graph_save_buffer(&text, nullptr, graph); });
    if (!failed) {
      sg_buffer_free(text);
      return false;
    }
    CHECK(status == SG_E_NOMEM);
    CHECK(text == nullptr);
    return true;
  });
  CHECK(c_dump(graph) == before);
  sg_graph_free(graph);
  std::filesystem::remove_all(directory);
}
