// Correctness at speed: the library's fast assessment path against the simple reference path in
// reference_assess.hpp, bit for bit, on generated caseloads and on several as-of dates; and one
// thread against two.
#include <doctest/doctest.h>

#include <cstring>

#include "reference_assess.hpp"
#include "safeguard/generate.hpp"

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

// Bitwise equality, so that -0.0 against 0.0 or a last-bit difference fails.
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same(const Contribution& a, const Contribution& b) {
  return a.rule == b.rule && a.evidence == b.evidence && a.via == b.via && a.path == b.path &&
         same_bits(a.raw, b.raw) && same_bits(a.decay, b.decay) && same_bits(a.reach, b.reach) &&
         same_bits(a.cap_factor, b.cap_factor) && same_bits(a.value, b.value);
}

void check_against_reference(const Results& fast, const RuleSet& rules, const Snapshot& snap,
                             Day as_of) {
  const auto symbol_map = reference::map_symbols(rules, snap);
  REQUIRE(fast.child_count() == snap.children.size());
  std::size_t mismatches = 0, contributions = 0;
  for (std::size_t row = 0; row < fast.child_count(); ++row) {
    const reference::ChildResult slow =
        reference::assess_child(rules, snap, symbol_map, as_of, snap.children[row]);
    bool ok = fast.level(row) == slow.level && fast.score_level(row) == slow.score_level &&
              fast.discretionary(row).outcome == slow.discretionary &&
              fast.immediate_safety(row) == slow.immediate_safety &&
              fast.contribution_count(row) == slow.contributions.size() &&
              static_cast<std::size_t>(fast.overrides_end(row) - fast.overrides_begin(row)) ==
                  slow.fired.size() &&
              static_cast<std::size_t>(fast.not_assessable_end(row) -
                                       fast.not_assessable_begin(row)) == slow.missing.size();
    for (std::size_t i = 0; ok && i < fast.index_count(); ++i) {
      ok = same_bits(fast.score(row, i), slow.scores[i]) &&
           fast.index_level(row, i) == slow.index_levels[i];
    }
    for (std::size_t k = 0; ok && k < slow.contributions.size(); ++k)
      ok = same(fast.contributions_begin(row)[k], slow.contributions[k]);
    for (std::size_t k = 0; ok && k < slow.fired.size(); ++k)
      ok = fast.overrides_begin(row)[k] == slow.fired[k];
    for (std::size_t k = 0; ok && k < slow.missing.size(); ++k) {
      const NotAssessable& a = fast.not_assessable_begin(row)[k];
      const NotAssessable& b = slow.missing[k];
      ok = a.rule == b.rule && a.is_override == b.is_override && a.evidence == b.evidence &&
           a.missing == b.missing;
    }
    if (!ok && ++mismatches <= 3) FAIL_CHECK("child " << fast.child_id(row) << " differs");
    contributions += slow.contributions.size();
  }
  CHECK(mismatches == 0);
  CHECK(contributions > 0);  // the caseload exercised the rules
}

void check_identical(const Results& a, const Results& b) {
  REQUIRE(a.child_count() == b.child_count());
  CHECK(std::memcmp(a.scores().data(), b.scores().data(), a.scores().size() * sizeof(double)) == 0);
  CHECK(a.levels() == b.levels());
  bool contributions_equal = true;
  for (std::size_t row = 0; row < a.child_count() && contributions_equal; ++row) {
    contributions_equal = a.contribution_count(row) == b.contribution_count(row);
    for (std::size_t k = 0; contributions_equal && k < a.contribution_count(row); ++k)
      contributions_equal = same(a.contributions_begin(row)[k], b.contributions_begin(row)[k]);
  }
  CHECK(contributions_equal);
}

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

}  // namespace

TEST_SUITE("oracle/differential") {
  TEST_CASE("the fast path matches the reference path bit for bit on generated caseloads") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      CaseloadOptions options;
      options.children = 2500;
      options.seed = seed;
      CaseGraph graph;
      generate_caseload(graph, options);
      const auto snap = take_snapshot(graph);
      // The generation day, month ends, a leap day and a day before most evidence existed.
      for (std::string as_of :
           {"2026-11-01", "2026-02-28", "2024-02-29", "2025-03-31", "2024-06-30"}) {
        CAPTURE(seed);
        CAPTURE(as_of);
        const Results fast = assess(rules, snap, {day(as_of.c_str()), 1});
        check_against_reference(fast, *rules, *snap, day(as_of.c_str()));
      }
    }
  }

  TEST_CASE("one and two threads give bit-identical results on a generated caseload") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    CaseloadOptions options;
    options.children = 6000;
    options.seed = 5;
    CaseGraph graph;
    generate_caseload(graph, options);
    const auto snap = take_snapshot(graph);
    const Results one = assess(rules, snap, {options.as_of, 1});
    const Results two = assess(rules, snap, {options.as_of, 2});
    check_identical(one, two);
  }
}
