// Safety apart from risk (docs/rules.md, "Safety"): a pack's [safety] section gives each child a
// present-danger decision (safe / safe with a plan / unsafe) with the dangers and plans that
// held, beside the risk levels and never moving them; withheld from a reader not cleared for the
// restricted evidence it rests on; refused with file, line and column when malformed.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "safeguard.h"
#include "safeguard/explain.hpp"
#include "safeguard/io.hpp"
#include "safeguard/snapshot.hpp"

using namespace safeguard;

namespace {

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

// A pack with one index and a [safety] section: a serious injury to the child (a concern
// danger), a young child the police report left alone (a child danger), a safety plan (a factor
// plan) and a child protection plan (a child plan).
const char* const kHeader = R"(
[pack]
id = "safety-test"
version = "1"

[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 10

[[index]]
id = "harm"

[[rule]]
id = "injury"
index = "harm"
heading = "harm"
for = "concern"
when = 'concern.category == "injury" and concern.status in ["open", "closed"]'
points = 2
)";

const char* const kSafety = R"(
[[safety.danger]]
id = "serious-injury"
title = "A serious injury to the child"
for = "concern"
when = 'concern.category == "injury" and concern.severity >= 4 and concern.status in ["open", "closed"]'

[[safety.danger]]
id = "left-alone"
title = "A young child left alone"
for = "child"
when = 'child.age < 8 and count(concerns where concern.category == "left_alone" and concern.status in ["open", "closed"] and within(30)) >= 1'

[[safety.plan]]
id = "written-plan"
title = "A written safety plan"
for = "factor"
when = 'factor.kind == "safety_plan" and factor.active'

[[safety.plan]]
id = "on-plan"
title = "A child protection plan"
for = "child"
when = "timeline.on_plan"
)";

std::shared_ptr<const RuleSet> pack(const std::string& safety = kSafety) {
  return RuleSet::load_string(std::string(kHeader) + safety, "safety.toml");
}

// Four fictional children: C-SAFE (a minor injury), C-UNSAFE (a serious one), C-PLAN (a
// serious one and a written safety plan), C-ALONE (left alone, reported by restricted police
// intelligence only).
const char* const kCase = R"({
  "schema_version": 1,
  "agencies": [
    {"id": "AG-SF-GP", "type": "health", "name": "Fictional Surgery"},
    {"id": "AG-SF-POL", "type": "police", "name": "Fictional Police"}
  ],
  "persons": [
    {"id": "C-SAFE", "kind": "child", "dob": "2020-01-01"},
    {"id": "C-UNSAFE", "kind": "child", "dob": "2020-01-01"},
    {"id": "C-PLAN", "kind": "child", "dob": "2020-01-01"},
    {"id": "C-ALONE", "kind": "child", "dob": "2022-01-01"}
  ],
  "concerns": [
    {"id": "SF-1", "category": "injury", "severity": 2, "recorded": "2026-10-01",
     "source": "AG-SF-GP", "about": ["C-SAFE"]},
    {"id": "SF-2", "category": "injury", "severity": 5, "recorded": "2026-10-01",
     "source": "AG-SF-GP", "about": ["C-UNSAFE"]},
    {"id": "SF-3", "category": "injury", "severity": 4, "recorded": "2026-10-01",
     "source": "AG-SF-GP", "about": ["C-PLAN"]},
    {"id": "SF-SECRET-4", "category": "left_alone", "severity": 3, "recorded": "2026-10-20",
     "source": "AG-SF-POL", "restricted": true, "about": ["C-ALONE"]}
  ],
  "factors": [
    {"id": "SF-F1", "kind": "safety_plan", "strength": 3, "start": "2026-10-02",
     "protects": ["C-PLAN"]}
  ]
})";

struct Fixture {
  CaseGraph graph;
  std::shared_ptr<const RuleSet> rules = pack();
  Fixture() { load_case(graph, kCase, "case.json"); }
  Results run(unsigned threads = 1) {
    return assess(rules, take_snapshot(graph), {day("2026-11-01"), threads});
  }
};

std::size_t row_of(const Results& results, const char* id) {
  const long row = results.find_child(id);
  REQUIRE(row >= 0);
  return static_cast<std::size_t>(row);
}

std::vector<std::string> ids(const SafetyView& view) {
  std::vector<std::string> out;
  for (const SafetyLineView& line : view.lines)
    out.push_back(std::string(line.withheld() ? line.title : line.id) +
                  (line.evidence_id.empty() ? "" : "@" + std::string(line.evidence_id)));
  return out;
}

}  // namespace

TEST_SUITE("unit/safety") {
  TEST_CASE("each decision: safe, safe with a plan, unsafe, and not assessed without [safety]") {
    Fixture f;
    for (unsigned threads : {1u, 3u}) {
      const Results results = f.run(threads);
      const Viewer all = Viewer::everyone();
      const std::size_t safe = row_of(results, "C-SAFE");
      CHECK(results.safety(safe) == SafetyDecision::safe);
      CHECK(view_safety(results, safe, all).lines.empty());

      const std::size_t unsafe = row_of(results, "C-UNSAFE");
      CHECK(results.safety(unsafe) == SafetyDecision::unsafe);
      CHECK(ids(view_safety(results, unsafe, all)) ==
            std::vector<std::string>{"serious-injury@SF-2"});

      const std::size_t plan = row_of(results, "C-PLAN");
      CHECK(results.safety(plan) == SafetyDecision::safe_with_plan);
      CHECK(ids(view_safety(results, plan, all)) ==
            std::vector<std::string>{"serious-injury@SF-3", "written-plan@SF-F1"});

      const std::size_t alone = row_of(results, "C-ALONE");
      CHECK(results.safety(alone) == SafetyDecision::unsafe);
      CHECK(ids(view_safety(results, alone, all)) == std::vector<std::string>{"left-alone"});
    }
    CHECK(to_string(SafetyDecision::safe_with_plan) == "safe_with_plan");

    // Safety never moves the risk level: the same pack without [safety] gives the same levels.
    const Results with = f.run();
    const auto without_pack = pack("");
    CHECK_FALSE(without_pack->safety().defined);
    const Results without = assess(without_pack, take_snapshot(f.graph), {day("2026-11-01"), 1});
    for (std::size_t row = 0; row < with.child_count(); ++row) {
      CHECK(with.level(row) == without.level(row));
      CHECK(with.total(row) == without.total(row));
      CHECK(without.safety(row) == SafetyDecision::not_assessed);
      CHECK(without.safety_begin(row) == without.safety_end(row));
    }
    CHECK(with.rules().hash() != without_pack->hash());
  }

  TEST_CASE("a condition that needs unknown data does not hold and is noted as not assessable") {
    // C-NODOB has no date of birth and a report of being left alone: "left-alone" reads the
    // child's age, so whether it holds is unknown.
    std::string text = kCase;
    text.insert(text.find("    {\"id\": \"C-SAFE\""),
                "    {\"id\": \"C-NODOB\", \"kind\": \"child\"},\n");
    text.insert(
        text.find("    {\"id\": \"SF-1\""),
        "    {\"id\": \"SF-5\", \"category\": \"left_alone\", \"severity\": 3, "
        "\"recorded\": \"2026-10-20\", \"source\": \"AG-SF-GP\", \"about\": [\"C-NODOB\"]},\n");
    CaseGraph graph;
    load_case(graph, text, "case.json");
    const Results results = assess(pack(), take_snapshot(graph), {day("2026-11-01"), 1});
    const std::size_t row = row_of(results, "C-NODOB");
    CHECK(results.safety(row) == SafetyDecision::safe);
    REQUIRE(results.not_assessable_end(row) - results.not_assessable_begin(row) == 1);
    const NotAssessable& note = *results.not_assessable_begin(row);
    CHECK(note.safety == SafetyPart::danger);
    CHECK(not_assessable_id(results.rules(), note) == "left-alone");
    CHECK(std::string(expr::attr_info(note.missing).name) == "child.age");
    CHECK(explain(results, row, ExplainFormat::text, Viewer{})
              .find("not assessable: left-alone (child.age unknown)") != std::string::npos);
  }

  TEST_CASE("a plan that has ended, or is recorded after the as-of date, is no plan") {
    Fixture f;
    const Results before = assess(f.rules, take_snapshot(f.graph), {day("2026-10-01"), 1});
    // As of 1 October the injury is recorded (that day) and the plan not yet started.
    CHECK(before.safety(row_of(before, "C-PLAN")) == SafetyDecision::unsafe);
  }

  TEST_CASE("a finding on restricted evidence is withheld from a reader not cleared for it") {
    Fixture f;
    const Results results = f.run();
    const std::size_t alone = row_of(results, "C-ALONE");
    const std::vector<SafetyFinding> raw(results.safety_begin(alone), results.safety_end(alone));
    REQUIRE(raw.size() == 1);
    CHECK(raw[0].restricted_basis);  // it would not hold without the police report
    for (const Viewer& viewer : {Viewer{}, Viewer{{"health", "AG-SF-GP"}, false}}) {
      const SafetyView view = view_safety(results, alone, viewer);
      CHECK(view.decision == SafetyDecision::unsafe);  // the decision stays
      REQUIRE(view.lines.size() == 1);
      CHECK(view.lines[0].withheld());
      CHECK(view.lines[0].id.empty());
      CHECK(view.lines[0].title == kRestrictedDanger);
      CHECK(view.lines[0].evidence == kNoVertex);
      for (ExplainFormat format : {ExplainFormat::text, ExplainFormat::json}) {
        const std::string out = explain(results, alone, format, viewer);
        CAPTURE(out);
        CHECK(out.find("left-alone") == std::string::npos);
        CHECK(out.find("left alone") == std::string::npos);
        CHECK(out.find(std::string(kRestrictedDanger)) != std::string::npos);
      }
    }
    for (const Viewer& viewer : {Viewer{{"police"}, false}, Viewer::everyone()}) {
      const SafetyView view = view_safety(results, alone, viewer);
      REQUIRE(view.lines.size() == 1);
      CHECK_FALSE(view.lines[0].withheld());
      CHECK(view.lines[0].id == "left-alone");
      CHECK(explain(results, alone, ExplainFormat::text, viewer).find("A young child left alone") !=
            std::string::npos);
    }
  }

  TEST_CASE("a concern danger on restricted evidence folds into one neutral line") {
    CaseGraph graph;
    std::string text = kCase;
    // Two more serious injuries to C-UNSAFE, both restricted: one line for both, after SF-2.
    const std::string extra =
        R"({"id": "SF-R1", "category": "injury", "severity": 5, "recorded": "2026-10-03",
            "source": "AG-SF-POL", "restricted": true, "about": ["C-UNSAFE"]},
           {"id": "SF-R2", "category": "injury", "severity": 5, "recorded": "2026-10-04",
            "source": "AG-SF-POL", "restricted": true, "about": ["C-UNSAFE"]},
          )";
    text.insert(text.find("{\"id\": \"SF-1\""), extra);
    load_case(graph, text, "case.json");
    const Results results = assess(pack(), take_snapshot(graph), {day("2026-11-01"), 1});
    const std::size_t row = row_of(results, "C-UNSAFE");
    CHECK(ids(view_safety(results, row, Viewer{})) ==
          std::vector<std::string>{"serious-injury@SF-2", std::string(kRestrictedDanger)});
    CHECK(ids(view_safety(results, row, Viewer{{"police"}, false})) ==
          std::vector<std::string>{"serious-injury@SF-R1", "serious-injury@SF-R2",
                                   "serious-injury@SF-2"});  // in the order the case added them
  }

  TEST_CASE("the C API gives the decision and the findings as a viewer may see them") {
    Fixture f;
    std::string text = kCase;
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_buffer(graph, text.data(), text.size(), "case.json") == SG_OK);
    const std::string pack_text = std::string(kHeader) + kSafety;
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_buffer(&rules, pack_text.data(), pack_text.size(), "safety.toml") ==
            SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-01";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);

    auto row = [&](const char* id) {
      size_t out = 0;
      REQUIRE(sg_result_find_child(&out, result, id) == SG_OK);
      return out;
    };
    sg_explain_options none = SG_EXPLAIN_OPTIONS_INIT;
    const char* everything[] = {"*"};
    sg_explain_options all = SG_EXPLAIN_OPTIONS_INIT;
    all.viewer_cleared = everything;
    all.viewer_cleared_count = 1;

    const char* decision = nullptr;
    size_t count = 99;
    REQUIRE(sg_result_safety(&decision, &count, result, row("C-PLAN"), &none) == SG_OK);
    CHECK(std::string(decision) == "safe_with_plan");
    REQUIRE(count == 2);
    sg_safety_finding finding = SG_SAFETY_FINDING_INIT;
    REQUIRE(sg_result_safety_finding_for(&finding, result, row("C-PLAN"), 0, &none) == SG_OK);
    CHECK(std::string(finding.kind) == "danger");
    CHECK(std::string(finding.id) == "serious-injury");
    CHECK(std::string(finding.evidence_id) == "SF-3");
    CHECK(finding.restricted == 0);
    REQUIRE(sg_result_safety_finding_for(&finding, result, row("C-PLAN"), 1, &none) == SG_OK);
    CHECK(std::string(finding.kind) == "plan");
    CHECK(std::string(finding.title) == "A written safety plan");
    CHECK(sg_result_safety_finding_for(&finding, result, row("C-PLAN"), 2, &none) == SG_E_RANGE);

    REQUIRE(sg_result_safety(&decision, nullptr, result, row("C-SAFE"), &none) == SG_OK);
    CHECK(std::string(decision) == "safe");

    REQUIRE(sg_result_safety(&decision, &count, result, row("C-ALONE"), &none) == SG_OK);
    CHECK(std::string(decision) == "unsafe");
    REQUIRE(count == 1);
    REQUIRE(sg_result_safety_finding_for(&finding, result, row("C-ALONE"), 0, &none) == SG_OK);
    CHECK(finding.id == nullptr);
    CHECK(finding.evidence_id == nullptr);
    CHECK(finding.restricted == 1);
    CHECK(std::string(finding.title) == std::string(kRestrictedDanger));
    REQUIRE(sg_result_safety_finding_for(&finding, result, row("C-ALONE"), 0, &all) == SG_OK);
    CHECK(std::string(finding.id) == "left-alone");

    sg_safety_finding old = SG_SAFETY_FINDING_INIT;
    old.version = 999;
    CHECK(sg_result_safety_finding_for(&old, result, row("C-PLAN"), 0, &none) == SG_E_VERSION);
    CHECK(sg_result_safety(nullptr, &count, result, 0, &none) == SG_E_INVALID_ARGUMENT);
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  // The default pack's [safety] (rules/default.toml, since 0.6.0) on a fictional family: a
  // baby with bruising is unsafe until a written safety plan protects her; an unsubstantiated
  // report is no present danger; a domestic abuse incident at the highest severity about the
  // mother puts her son in danger too (the "carer" path).
  TEST_CASE("the default pack's safety screen") {
    const char* const family = R"({
      "schema_version": 1,
      "agencies": [{"id": "AG-DP-HV", "type": "health", "name": "Fictional Health Visitors"},
                   {"id": "AG-DP-POL", "type": "police", "name": "Fictional Police"}],
      "persons": [
        {"id": "P-DP-BABY", "kind": "child", "dob": "2026-07-01"},
        {"id": "P-DP-BABY2", "kind": "child", "dob": "2026-06-01"},
        {"id": "P-DP-SON", "kind": "child", "dob": "2019-03-01"},
        {"id": "P-DP-MUM", "kind": "adult", "dob": "1994-01-01"}
      ],
      "relations": [{"kind": "parent_of", "from": "P-DP-MUM", "to": "P-DP-SON"}],
      "concerns": [
        {"id": "C-DP-1", "category": "bruising_non_mobile_baby", "severity": 4,
         "recorded": "2026-10-20", "source": "AG-DP-HV", "about": ["P-DP-BABY"]},
        {"id": "C-DP-2", "category": "bruising_non_mobile_baby", "severity": 4,
         "status": "unsubstantiated", "recorded": "2026-10-20", "source": "AG-DP-HV",
         "about": ["P-DP-BABY2"]},
        {"id": "C-DP-3", "category": "domestic_abuse", "severity": 5, "recorded": "2026-10-25",
         "source": "AG-DP-POL", "about": ["P-DP-MUM"]}
      ]
    })";
    const auto rules = load_bundled_pack("default");
    REQUIRE(rules->safety().defined);
    const Day as_of = day("2026-11-01");
    CaseGraph graph;
    load_case(graph, family, "family.json");
    const Results before = assess(rules, take_snapshot(graph), {as_of, 1});
    const Viewer all = Viewer::everyone();
    CHECK(ids(view_safety(before, row_of(before, "P-DP-BABY"), all)) ==
          std::vector<std::string>{"danger-non-mobile-baby-bruising@C-DP-1"});
    CHECK(before.safety(row_of(before, "P-DP-BABY")) == SafetyDecision::unsafe);
    CHECK(before.safety(row_of(before, "P-DP-BABY2")) == SafetyDecision::safe);
    CHECK(ids(view_safety(before, row_of(before, "P-DP-SON"), all)) ==
          std::vector<std::string>{"danger-severe-domestic-abuse@C-DP-3"});

    FactorSpec plan;
    plan.id = "F-DP-PLAN";
    plan.kind = "safety_plan";
    plan.strength = 4;
    plan.start = day("2026-10-21");
    plan.protects = {"P-DP-BABY"};
    const Results after = Assessor(graph).apply(Batch{}.add(plan), rules, {as_of, 1});
    const long baby = after.find_child("P-DP-BABY");
    REQUIRE(baby >= 0);
    CHECK(after.safety(static_cast<std::size_t>(baby)) == SafetyDecision::safe_with_plan);
    CHECK(ids(view_safety(after, static_cast<std::size_t>(baby), all)).back() ==
          "plan-written-safety-plan@F-DP-PLAN");
    // The level is the scores' and the overrides' alone.
    CHECK(after.level(static_cast<std::size_t>(baby)) == before.level(row_of(before, "P-DP-BABY")));
  }

  TEST_CASE("a malformed [safety] is refused with the file, line and column") {
    struct Bad {
      const char* text;
      int line;
      const char* says;
    };
    const std::vector<Bad> cases = {
        {"[[safety.danger]]\nid = \"a\"\ntitle = \"A\"\nfor = \"child\"\nwhen = 'child.agge < 1'\n",
         5, "agge"},
        {"[[safety.danger]]\nid = \"a\"\ntitle = \"A\"\nfor = \"factor\"\nwhen = 'true'\n", 4,
         "'for'"},
        {"[[safety.danger]]\nid = \"a\"\ntitle = \"A\"\nfor = \"child\"\nwhen = 'true'\n"
         "[[safety.plan]]\nid = \"a\"\ntitle = \"B\"\nfor = \"child\"\nwhen = 'true'\n",
         6, "duplicate id 'a'"},
        {"[[safety.danger]]\nid = \"a\"\ntitle = \"A\"\nfor = \"child\"\nwhen = 'true'\n"
         "colour = \"red\"\n",
         6, "unknown key 'colour'"},
        {"[[safety.plan]]\nid = \"p\"\ntitle = \"P\"\nfor = \"child\"\nwhen = 'true'\n", 1,
         "at least one [[safety.danger]]"},
        {"[[safety.danger]]\nid = \"a\"\ntitle = \"A\"\nfor = \"concern\"\nwhen = 'true'\n"
         "paths = [\"cousin\"]\n",
         6, "paths"},
    };
    const int header_lines = 22;  // the newlines in kHeader: its text starts on line 23
    for (const Bad& bad : cases) {
      CAPTURE(bad.text);
      try {
        pack(bad.text);
        FAIL("loaded");
      } catch (const Error& e) {
        CHECK(std::string(e.what()).find(bad.says) != std::string::npos);
        CHECK(e.where().file == "safety.toml");
        CHECK(e.where().line == header_lines + bad.line);
        CHECK(e.where().column > 0);
      }
    }
  }

  TEST_CASE("a pack with more safety items than the limit is refused") {
    PackLimits limits;
    limits.max_overrides = 1;  // kSafety has two dangers
    try {
      RuleSet::load_string(std::string(kHeader) + kSafety, "safety.toml", limits);
      FAIL("loaded");
    } catch (const Error& e) {
      CHECK(e.status() == Status::limit);
      CHECK(e.where().line > 22);
    }
  }

  TEST_CASE("lint reports a safety item that can never hold, or always holds") {
    const auto rules = pack(std::string(kSafety) +
                            "[[safety.danger]]\nid = \"never\"\ntitle = \"N\"\nfor = \"child\"\n"
                            "when = '1 > 2'\n"
                            "[[safety.plan]]\nid = \"always\"\ntitle = \"A\"\nfor = \"child\"\n"
                            "when = 'true'\n");
    std::vector<std::string> found;
    for (const LintWarning& w : rules->lint_warnings())
      found.push_back(w.code + " " + w.where.entity);
    CHECK(std::find(found.begin(), found.end(), "safety-never-fires never") != found.end());
    CHECK(std::find(found.begin(), found.end(), "safety-always-fires always") != found.end());
    const auto plain = pack();  // held: lint_warnings() is a reference into the pack
    for (const LintWarning& w : plain->lint_warnings()) CHECK(w.code.rfind("safety", 0) != 0);
  }
}
