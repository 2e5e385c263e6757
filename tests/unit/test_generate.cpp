// The synthetic caseload generator: deterministic by seed whatever the batch size, the shape
// the benchmarks rely on, and always a valid graph.
#include <doctest/doctest.h>

#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"
#include "snapshot_columns.hpp"  // private (src/)

using namespace safeguard;

namespace {

CaseloadOptions small(std::size_t children, std::uint64_t seed, std::size_t per_batch = 20000) {
  CaseloadOptions options;
  options.children = children;
  options.seed = seed;
  options.children_per_batch = per_batch;
  return options;
}

std::string caseload_text(const CaseloadOptions& options) {
  CaseGraph graph;
  generate_caseload(graph, options);
  return save_case(graph);
}

}  // namespace

TEST_SUITE("unit/generate") {
  TEST_CASE("the default as-of day is 2026-11-01") {
    Day day = kNoDay;
    std::string error;
    REQUIRE(parse_iso_date("2026-11-01", day, error));
    CHECK(CaseloadOptions{}.as_of == day);
  }

  TEST_CASE("the same seed gives the same caseload, whatever the batch size") {
    const std::string one = caseload_text(small(600, 7));
    CHECK(one == caseload_text(small(600, 7)));
    CHECK(one == caseload_text(small(600, 7, 13)));
    CHECK(one != caseload_text(small(600, 8)));
  }

  TEST_CASE("a caseload has the requested children and the documented shape") {
    CaseGraph graph;
    const CaseloadSummary s = generate_caseload(graph, small(20000, 3, 5000));
    CHECK(s.children == 20000);
    CHECK(s.agencies == 30);
    const double per_household = static_cast<double>(s.children) / s.households;
    CHECK(per_household > 1.5);
    CHECK(per_household < 3.0);
    const double adults = static_cast<double>(s.adults) / s.households;
    CHECK(adults >= 1.0);
    CHECK(adults <= 3.0);
    const double concerns = static_cast<double>(s.concerns) / s.children;
    CHECK(concerns == doctest::Approx(3.0).epsilon(0.1));
    CHECK(s.events > 0);
    CHECK(s.discretionary_overrides > 0);
    const double factors = static_cast<double>(s.factors) / s.children;
    CHECK(factors == doctest::Approx(1.0).epsilon(0.1));

    // Every kind of relation the generator promises is there, and children are the ones counted.
    const auto snapshot = take_snapshot(graph);
    CHECK(snapshot->children.size() == 20000);
    int kinds[kRelationKindCount] = {};
    for (const Relation& r : graph.declared_relations()) ++kinds[static_cast<int>(r.kind)];
    for (RelationKind kind :
         {RelationKind::parent_of, RelationKind::carer_of, RelationKind::sibling_of,
          RelationKind::partner_of, RelationKind::associate, RelationKind::frequents}) {
      CHECK_MESSAGE(kinds[static_cast<int>(kind)] > 0, to_string(kind));
    }

    // Skewed: the busiest children carry many times the mean.
    std::size_t most = 0;
    for (std::uint32_t child : snapshot->children)
      most = std::max<std::size_t>(most, snapshot->person_concerns.size(child));
    CHECK(most >= 15);
  }

  TEST_CASE("a generated caseload round-trips through a case file") {
    CaseGraph graph;
    generate_caseload(graph, small(300, 11));
    const std::string text = save_case(graph);
    CaseGraph loaded;
    load_case(loaded, text, "generated.json");
    CHECK(save_case(loaded) == text);
  }
}
