// Fuzzes the audit's input files (docs/audit.md): outcomes, group attributes and rows files,
// chosen by the first byte (0: outcomes, 1: groups, 2: rows of the default pack). A file that
// parses is audited against the assessment of examples/data/families.json. Invariants: no
// crash, hang or sanitizer report; a refused file is an Error with a message; a parsed outcomes
// or groups file written back parses to the same rows; an audit is the same bytes twice.
#include <string>

#include "fuzz_common.hpp"
#include "safeguard/assess.hpp"
#include "safeguard/audit.hpp"
#include "safeguard/error.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"
#include "safeguard/rules.hpp"
#include "safeguard/snapshot.hpp"

namespace {

using namespace safeguard;

const Results& families() {
  static const Results results = [] {
    CaseGraph graph;
    load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
    std::string error;
    Day as_of = 0;
    parse_iso_date("2026-11-01", as_of, error);
    return assess(load_bundled_pack("default"), take_snapshot(graph), AssessOptions(as_of, 1));
  }();
  return results;
}

AuditOptions small_bootstrap() {
  AuditOptions options;
  options.bootstrap = 20;
  return options;
}

void audit_twice(const Outcomes& outcomes, const GroupAttributes& groups) {
  try {
    const std::string first = audit_json(audit(families(), outcomes, groups, small_bootstrap()));
    const std::string again = audit_json(audit(families(), outcomes, groups, small_bootstrap()));
    fuzz::check(first == again, "an audit differs between two runs");
  } catch (const Error& e) {
    fuzz::check(std::string(e.what()).size() > 0, "an Error without a message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int which = data[0] % 3;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    if (which == 0) {
      const Outcomes outcomes = parse_outcomes_csv(text, "fuzz.csv");
      const Outcomes again = parse_outcomes_csv(outcomes_csv(outcomes), "again.csv");
      fuzz::check(again.rows.size() == outcomes.rows.size(), "outcomes do not round-trip");
      for (std::size_t i = 0; i < again.rows.size(); ++i)
        fuzz::check(again.rows[i].child_id == outcomes.rows[i].child_id &&
                        again.rows[i].outcome == outcomes.rows[i].outcome,
                    "an outcome does not round-trip");
      audit_twice(outcomes, parse_groups_csv("child_id,area\n", "groups.csv"));
    } else if (which == 1) {
      const GroupAttributes groups = parse_groups_csv(text, "fuzz.csv");
      const GroupAttributes again = parse_groups_csv(groups_csv(groups), "again.csv");
      fuzz::check(again.rows.size() == groups.rows.size() && again.attributes == groups.attributes,
                  "groups do not round-trip");
      audit_twice(parse_outcomes_csv("child_id,outcome\n", "outcomes.csv"), groups);
    } else {
      const RuleSet& pack = families().rules();
      const AuditRows rows = parse_audit_rows_csv(text, "fuzz.csv", pack);
      try {
        audit(rows, pack, parse_outcomes_csv("child_id,outcome\n", "o.csv"),
              parse_groups_csv("child_id,area\n", "g.csv"), small_bootstrap());
      } catch (const Error& e) {
        fuzz::check(std::string(e.what()).size() > 0, "an Error without a message");
      }
    }
  } catch (const Error& e) {
    fuzz::check(std::string(e.what()).size() > 0, "an Error without a message");
  }
  return 0;
}
