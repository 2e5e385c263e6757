// Assesses a case file with the C++ API and prints each child's full explanation, grouped under
// the Signs of Safety headings.
//
//   assess_cpp [CASE_FILE [RULE_PACK [AS_OF]]]
#include <iostream>

#include "safeguard/io.hpp"

#ifndef SG_EXAMPLE_DATA
#define SG_EXAMPLE_DATA "examples/data/families.json"
#endif
#ifndef SG_DEFAULT_RULES
#define SG_DEFAULT_RULES "rules/default.toml"
#endif

int main(int argc, char** argv) {
  const std::string case_path = argc > 1 ? argv[1] : SG_EXAMPLE_DATA;
  const std::string rules_path = argc > 2 ? argv[2] : SG_DEFAULT_RULES;
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
    auto rules = safeguard::RuleSet::load_file(rules_path);
    const safeguard::Results results =
        safeguard::assess(rules, safeguard::take_snapshot(graph), {as_of, 0});
    for (std::size_t row = 0; row < results.child_count(); ++row) {
      std::cout << safeguard::explain(results, row, safeguard::ExplainFormat::text) << "\n";
    }
  } catch (const safeguard::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
