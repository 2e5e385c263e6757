// Prints every network node's own and network score after an assessment, one line per node,
// for tests/oracle/katz_networkx.py to compare against networkx's Katz centrality.
//
//   propagation_driver CASE_FILE RULE_PACK AS_OF
//
// Output: "iterations N" then "id<TAB>kind<TAB>own<TAB>score" per node and propagating index
// (%.17g, so the comparison sees every bit).
#include <cstdio>
#include <string>

#include "safeguard/io.hpp"
#include "snapshot_columns.hpp"  // private (src/)

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: propagation_driver CASE_FILE RULE_PACK AS_OF\n");
    return 2;
  }
  try {
    safeguard::Day as_of = safeguard::kNoDay;
    std::string error;
    if (!safeguard::parse_iso_date(argv[3], as_of, error)) {
      std::fprintf(stderr, "as-of date: %s\n", error.c_str());
      return 2;
    }
    safeguard::CaseGraph graph;
    safeguard::load_case_file(graph, argv[1]);
    const auto snapshot = safeguard::take_snapshot(graph);
    const safeguard::Results results =
        safeguard::assess(safeguard::RuleSet::load_file(argv[2]), snapshot, {as_of, 1});
    std::printf("iterations %d\n", results.propagation().iterations);
    for (std::size_t node = 0; node < snapshot->node_vertex.size(); ++node) {
      const safeguard::VertexIndex v = snapshot->node_vertex[node];
      for (std::size_t k = 0; k < results.propagating_count(); ++k) {
        std::printf("%s\t%s\t%.17g\t%.17g\n", snapshot->id_c_str(v),
                    std::string(safeguard::to_string(snapshot->vertex_kind[v])).c_str(),
                    results.node_own_score(node, k), results.node_score(node, k));
      }
    }
  } catch (const safeguard::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
