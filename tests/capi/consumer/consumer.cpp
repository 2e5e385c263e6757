// A C++ program outside the project that uses the installed C++ API through
// find_package(safeguard) and the safeguard::safeguard target (the static C++ library): it must
// build and run without libsafeguard.so, whose ABI is the C API only.
#include <cstdio>
#include <string>

#include "safeguard/io.hpp"

namespace {

const char kCase[] =
    R"({"schema_version": 1,
        "agencies": [{"id": "AG-1", "type": "school"}],
        "persons": [{"id": "P-1", "kind": "child", "dob": "2016-04-01"}],
        "concerns": [{"id": "C-1", "category": "school_attendance", "severity": 2,
                      "recorded": "2026-10-01", "source": "AG-1", "about": ["P-1"]}]})";

const char kRules[] = R"([pack]
id = "consumer"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 2
[[index]]
id = "neglect"
[[rule]]
id = "attendance"
index = "neglect"
heading = "harm"
for = "concern"
when = 'concern.category == "school_attendance"'
points = 2
)";

}  // namespace

int main() {
  try {
    safeguard::Day as_of = safeguard::kNoDay;
    std::string error;
    if (!safeguard::parse_iso_date("2026-11-01", as_of, error)) return 10;
    safeguard::CaseGraph graph;
    safeguard::load_case(graph, kCase, "consumer.json");
    auto rules = safeguard::RuleSet::load_string(kRules, "consumer.toml");
    const safeguard::Results results =
        safeguard::assess(rules, safeguard::take_snapshot(graph), {as_of, 0});
    if (results.child_count() != 1) return 11;
    const std::string explanation = safeguard::explain(results, 0, safeguard::ExplainFormat::text);
    std::printf("consumer (C++): %s total %.2f\n", std::string(results.child_id(0)).c_str(),
                results.total(0));
    const bool ok = results.child_id(0) == "P-1" && results.total(0) == 2.0 &&
                    explanation.find("attendance") != std::string::npos;
    return ok ? 0 : 12;
  } catch (const safeguard::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 13;
  }
}
