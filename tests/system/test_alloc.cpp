// Scoring a child allocates nothing on the heap: assessing ten times as many children costs no
// more allocations than the amortised growth of the result buffers. Its own binary, because it
// replaces the global operator new to count.
#include "../doctest_main.hpp"  // doctest, and a main that fails on a filter matching nothing

#include <atomic>
#include <cstdlib>
#include <new>

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
