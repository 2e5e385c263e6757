// Contextual safeguarding with the C++ API: a fictional peer network around a park and a
// takeaway, assessed with the exploitation pack, whose [propagation] section spreads risk
// through peers, the peer group and the places. Prints the children ranked with what their own
// record gives (their level: the pack keeps contextual risk apart) against what the network
// adds (the contextual score, and the level the scores would reach with it), the places and
// groups ranked, and every explanation.
//
//   peer_network [CASE_FILE [RULE_PACK [AS_OF]]]
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <vector>

#include "safeguard/io.hpp"

#ifndef SG_EXAMPLE_DATA
#define SG_EXAMPLE_DATA "examples/data/peer_network.json"
#endif
#ifndef SG_EXPLOITATION_RULES
#define SG_EXPLOITATION_RULES "rules/exploitation.toml"
#endif

namespace {

using safeguard::Results;

std::string fixed(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%6.2f", value);
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string case_path = argc > 1 ? argv[1] : SG_EXAMPLE_DATA;
  const std::string rules_path = argc > 2 ? argv[2] : SG_EXPLOITATION_RULES;
  const std::string as_of_text = argc > 3 ? argv[3] : "2026-11-01";
  try {
    safeguard::Day as_of = safeguard::kNoDay;
    std::string error;
    if (!safeguard::parse_iso_date(as_of_text, as_of, error)) {
      std::cerr << "as-of date: " << error << "\n";
      return 2;
    }
    safeguard::CaseGraph graph;
    safeguard::load_case_file(graph, case_path);
    const auto rules = safeguard::RuleSet::load_file(rules_path);
    const Results results = safeguard::assess(rules, safeguard::take_snapshot(graph), {as_of, 0});
    const auto& spread = rules->propagation();
    if (!spread.enabled) {
      std::cerr << rules_path << ": this pack does not propagate risk ([propagation])\n";
      return 1;
    }

    std::cout << "Peer network as of " << as_of_text << ", rule pack " << rules->id() << " "
              << rules->version() << "\n"
              << "Solved in " << results.propagation().iterations
              << " iterations; alpha x spectral radius of W <= "
              << fixed(results.propagation().radius_bound) << "\n\n";

    // Children, highest own and contextual points over the propagating indices first.
    std::vector<std::size_t> rows(results.child_count());
    std::iota(rows.begin(), rows.end(), 0);
    auto spread_total = [&](std::size_t row) {
      double total = 0;
      for (std::uint32_t index : spread.indices)
        total += results.score(row, index) +
                 (results.contextual_included() ? 0 : results.contextual_score(row, index));
      return total;
    };
    std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
      return spread_total(a) > spread_total(b);
    });
    std::cout << "Children ranked (own = the child's own record and family, which sets the level; "
                 "context = through peers, groups and places, "
              << (results.contextual_included() ? "included in the level" : "kept apart") << "):\n";
    for (std::size_t row : rows) {
      std::cout << "  " << results.child_id(row) << "  " << rules->levels()[results.level(row)].id;
      if (results.context_level(row) != results.score_level(row))
        std::cout << " (with context: " << rules->levels()[results.context_level(row)].id << ")";
      std::cout << "\n";
      for (std::uint32_t index : spread.indices) {
        const double context = results.contextual_score(row, index);
        const double own =
            results.score(row, index) - (results.contextual_included() ? context : 0);
        std::cout << "      " << rules->indices()[index].id << ": own" << fixed(own) << "  context"
                  << fixed(context) << "\n";
      }
    }

    std::cout << "\nPlaces and groups ranked (where to target a location plan):\n";
    for (std::size_t rank = 0; rank < results.place_count(); ++rank) {
      const std::uint32_t node = results.place_node(rank);
      double own = 0;
      for (std::size_t k = 0; k < results.propagating_count(); ++k)
        own += results.node_own_score(node, k);
      std::cout << "  " << rank + 1 << ". " << results.place_id(rank) << " ("
                << safeguard::view_node(results, results.place_vertex(rank)).label << ")  score"
                << fixed(results.place_score(rank)) << "  own evidence" << fixed(own) << "\n";
    }

    std::cout << "\n---- Explanations: children ----\n\n";
    for (std::size_t row : rows)
      std::cout << safeguard::explain(results, row, safeguard::ExplainFormat::text) << "\n";
    std::cout << "---- Explanations: places and groups ----\n\n";
    for (std::size_t rank = 0; rank < results.place_count(); ++rank)
      std::cout << safeguard::explain_place(results, rank, safeguard::ExplainFormat::text) << "\n";
  } catch (const safeguard::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
