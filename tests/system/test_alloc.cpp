// Scoring a child allocates nothing on the heap: assessing ten times as many children costs no
// more allocations than the amortised growth of the result buffers; and an incremental update in
// the steady state allocates nothing beyond what applying its batch does. Its own binary,
// because it replaces the global operator new to count.
#include "../doctest_main.hpp"  // doctest, and a main that fails on a filter matching nothing

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/generate.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): left to the runtime,
// they allocate where this file's delete does not free, which AddressSanitizer reports.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

// Heap allocations made while assessing a generated caseload of `children` on one thread.
long allocations_assessing(std::size_t children, std::size_t& contributions) {
  const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  CaseloadOptions options;
  options.children = children;
  options.seed = 21;
  CaseGraph graph;
  generate_caseload(graph, options);
  const auto snapshot = take_snapshot(graph);
  allocations = 0;
  counting = true;
  const Results results = assess(rules, snapshot, {options.as_of, 1});
  counting = false;
  contributions = 0;
  for (std::size_t row = 0; row < results.child_count(); ++row)
    contributions += results.contribution_count(row);
  return allocations.load();
}

}  // namespace

TEST_CASE("assessing a child allocates nothing on the heap") {
  std::size_t small_contributions = 0, large_contributions = 0;
  const long small = allocations_assessing(2000, small_contributions);
  const long large = allocations_assessing(20000, large_contributions);
  MESSAGE("allocations: " << small << " for 2,000 children, " << large << " for 20,000");
  CHECK(large_contributions > 5 * small_contributions);  // the larger run did the work
  // 18,000 more children, each with several contributions: had scoring a child allocated even
  // once, this would be 18,000 or more. Doubling result buffers adds a few per buffer.
  CHECK(large - small < 100);
  // The rest is per assessment, not per child: result columns and the pack's decision tables
  // (about 15 per rule; the default pack has 30 rules and 5 overrides since 0.3.0).
  CHECK(large < 2500);
}

namespace {

const char* const kCategories[] = {"domestic_abuse", "physical_injury", "school_attendance",
                                   "missing_episode", "substance_misuse"};

// A generated caseload, twice: one graph for the Reassessor, a twin that only applies the
// same batches, so that what applying them allocates can be told from what rescoring does.
struct Twins {
  std::shared_ptr<const RuleSet> rules =
      RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  CaseloadOptions options;
  CaseGraph graph, twin;
  Twins() {
    options.children = 2000;
    options.seed = 21;
    generate_caseload(graph, options);
    generate_caseload(twin, options);
  }
};

// Batches of one new concern each, about `count` updates' worth of children taken in turn from
// the first `families` children (the ids and specs are made before anything is counted).
std::vector<Batch> new_concerns(const CaseGraph& graph, Day as_of, int families, int count) {
  std::vector<std::string> children;
  for (VertexIndex v = 0; v < graph.vertex_count() && children.size() < std::size_t(families);
       ++v) {
    if (graph.kind(v) == VertexKind::person && graph.person(v).kind == PersonKind::child)
      children.push_back(graph.id(v));
  }
  std::vector<Batch> batches;
  for (int i = 0; i < count; ++i) {
    ConcernSpec concern;
    concern.id = "C-ALLOC-" + std::to_string(i);
    concern.category = kCategories[i % 5];
    concern.severity = 1 + i % 5;
    concern.recorded = as_of - i % 30;
    concern.source = "AG-POL-01";
    concern.about = {children[static_cast<std::size_t>(i) % children.size()]};
    batches.emplace_back();
    batches.back().add(std::move(concern));
  }
  return batches;
}

// Batches of one amendment each (a new category and severity) to the first `concerns`
// concerns in turn: the families stay the same size, update after update.
std::vector<Batch> amendments(const CaseGraph& graph, int concerns, int count) {
  std::vector<VertexIndex> chosen;
  for (VertexIndex v = 0; v < graph.vertex_count() && chosen.size() < std::size_t(concerns); ++v) {
    if (graph.kind(v) == VertexKind::concern) chosen.push_back(v);
  }
  std::vector<Batch> batches;
  for (int i = 0; i < count; ++i) {
    const Concern& old = graph.concern(chosen[static_cast<std::size_t>(i) % chosen.size()]);
    ConcernSpec concern;
    concern.id = old.id;
    concern.category = kCategories[i % 5];
    concern.severity = 1 + i % 5;
    concern.incident = old.incident;
    concern.recorded = old.recorded;
    concern.status = old.status;
    concern.source = graph.id(old.source);
    concern.restricted = old.restricted;
    for (VertexIndex p : old.about) concern.about.push_back(graph.id(p));
    for (VertexIndex p : old.involves) concern.involves.push_back(graph.id(p));
    concern.summary = old.summary;
    batches.emplace_back();
    batches.back().add(AmendConcern{std::move(concern)});
  }
  return batches;
}

struct UpdateCounts {
  long applying = 0;  // CaseGraph::apply alone, on the twin
  long updating = 0;  // Reassessor::apply, passing one Results back each time
  std::size_t rescored = 0;
};

// Applies the first `warm_up` batches unseen, then counts the allocations of the rest.
UpdateCounts count_updates(Twins& twins, const std::vector<Batch>& batches, std::size_t warm_up) {
  Reassessor reassessor(twins.rules, {twins.options.as_of, 1});
  Results results;
  for (std::size_t i = 0; i < warm_up; ++i) {
    twins.twin.apply(batches[i]);
    reassessor.apply(twins.graph, batches[i], results);
  }
  UpdateCounts counts;
  allocations = 0;
  counting = true;
  for (std::size_t i = warm_up; i < batches.size(); ++i) twins.twin.apply(batches[i]);
  counting = false;
  counts.applying = allocations.load();
  allocations = 0;
  counting = true;
  for (std::size_t i = warm_up; i < batches.size(); ++i) {
    reassessor.apply(twins.graph, batches[i], results);
    counts.rescored += results.child_count();
  }
  counting = false;
  counts.updating = allocations.load();
  return counts;
}

}  // namespace

// Applying a batch allocates for what the graph keeps of it (records, edges, history). The rest
// of an update (the children reached, their families' snapshot, scoring them, their results)
// reuses the Reassessor's and the passed-back Results' buffers.
TEST_CASE("a steady-state incremental update allocates nothing beyond applying its batch") {
  Twins twins;
  const int updates = 200;
  // Forty concerns amended in turn: after one round every buffer has met its family.
  const std::vector<Batch> batches = amendments(twins.graph, 40, 40 + updates);
  const UpdateCounts counts = count_updates(twins, batches, 40);
  MESSAGE("allocations over " << updates << " updates: " << counts.updating << ", of which "
                              << counts.applying << " applying the batches");
  CHECK(counts.rescored >= static_cast<std::size_t>(updates));  // every update scored a child
  CHECK(counts.updating - counts.applying == 0);
}

TEST_CASE("new concerns about the same families allocate only as their buffers grow") {
  Twins twins;
  const int updates = 300;
  // Thirty families, each gaining a concern every thirtieth update: a buffer grows (at least
  // twofold) only when a family outgrows the largest seen, not once an update. (Before the
  // buffers were kept, an update allocated some 900 times: a fresh snapshot, fresh results and
  // five copies of the statutory process.)
  const std::vector<Batch> batches =
      new_concerns(twins.graph, twins.options.as_of, 30, 60 + updates);
  const UpdateCounts counts = count_updates(twins, batches, 60);
  MESSAGE("allocations over " << updates << " updates: " << counts.updating << ", of which "
                              << counts.applying << " applying the batches");
  CHECK(counts.rescored >= static_cast<std::size_t>(updates));
  CHECK(counts.updating - counts.applying <= updates / 5);
}
