// What-if (issue 18 item 4, docs/audit.md "What-if"): a hand-made caseload where removing a
// rule moves exactly the children worked out by hand and only them, overall and by group; a
// weight of 1 changes nothing (not even the hash); unknown ids are refused naming them and the
// spec's place; the changed pack is validated and linted like a loaded one; a rule seen only
// through restricted evidence is never named to an uncleared viewer; and the report is the same
// bytes at 1 and 4 threads.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "safeguard/audit.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"

using namespace safeguard;

namespace {

// low below 3, medium from 3, high from 6. No households or relations: each child's points are
// its own evidence only, so the sums below are the whole story.
const char* kPack = R"([pack]
id = "whatif-hand"
version = "1.0.0"
[[level]]
id = "low"
min = 0
[[level]]
id = "medium"
min = 3
[[level]]
id = "high"
min = 6
[[index]]
id = "risk"
[[rule]]
id = "school"
index = "risk"
heading = "harm"
for = "concern"
when = 'concern.category == "school_attendance"'
points = 2
[[rule]]
id = "police"
index = "risk"
heading = "harm"
for = "concern"
when = 'concern.category == "domestic_abuse"'
points = 3
[[rule]]
id = "disabled"
index = "risk"
heading = "complicating"
for = "child"
when = '"disability" in child.flags'
points = "1 + 1"
[[rule]]
id = "secret"
index = "risk"
heading = "harm"
for = "concern"
when = 'concern.category == "intelligence"'
points = "concern.severity * 2"
)";

// Points per child (school 2, police 3, disabled 2, secret 2 x severity 2 on restricted evidence):
//   C1 school + police = 5 medium       C4 school + school + police = 7 high
//   C2 police + disabled + school = 7   C5 police = 3 medium
//      high                             C6 secret (restricted) + school = 6 high
//   C3 school = 2 low
// Without `police`: C1 2 low, C2 4 medium, C4 4 medium, C5 0 low; C3 and C6 stay.
const char* kCase = R"({
  "schema_version": 1,
  "agencies": [{"id": "AG-WI-SCH", "type": "school"}, {"id": "AG-WI-POL", "type": "police"},
               {"id": "AG-WI-INT", "type": "intelligence_unit"}],
  "persons": [
    {"id": "P-WI-C1", "kind": "child", "dob": "2015-01-01"},
    {"id": "P-WI-C2", "kind": "child", "dob": "2015-01-01", "flags": ["disability"]},
    {"id": "P-WI-C3", "kind": "child", "dob": "2015-01-01"},
    {"id": "P-WI-C4", "kind": "child", "dob": "2015-01-01"},
    {"id": "P-WI-C5", "kind": "child", "dob": "2015-01-01"},
    {"id": "P-WI-C6", "kind": "child", "dob": "2015-01-01"}
  ],
  "concerns": [
    {"id": "C-WI-1S", "category": "school_attendance", "severity": 2,
     "incident": "2026-10-01", "recorded": "2026-10-01",
     "source": "AG-WI-SCH", "about": ["P-WI-C1"]},
    {"id": "C-WI-1P", "category": "domestic_abuse", "severity": 2,
     "incident": "2026-10-01", "recorded": "2026-10-01",
     "source": "AG-WI-POL", "about": ["P-WI-C1"]},
    {"id": "C-WI-2P", "category": "domestic_abuse", "severity": 2,
     "incident": "2026-10-01", "recorded": "2026-10-01",
     "source": "AG-WI-POL", "about": ["P-WI-C2"]},
    {"id": "C-WI-2S", "category": "school_attendance", "severity": 2,
     "incident": "2026-10-01", "recorded": "2026-10-01",
     "source": "AG-WI-SCH", "about": ["P-WI-C2"]},
    {"id": "C-WI-3S", "category": "school_attendance", "severity": 2,
     "incident": "2026-10-01", "recorded": "2026-10-01",
     "source": "AG-WI-SCH", "about": ["P-WI-C3"]},
    {"id": "C-WI-4S", "category": "school_attendance", "severity": 2,
     "incident": "2026-10-01", "recorded": "2026-10-01",
     "source": "AG-WI-SCH", "about": ["P-WI-C4"]},
    {"id": "C-WI-4T", "category": "school_attendance", "severity": 2,
     "incident": "2026-10-02", "recorded": "2026-10-02",
     "source": "AG-WI-SCH", "about": ["P-WI-C4"]},
    {"id": "C-WI-4P", "category": "domestic_abuse", "severity": 2,
     "incident": "2026-10-01", "recorded": "2026-10-01",
     "source": "AG-WI-POL", "about": ["P-WI-C4"]},
    {"id": "C-WI-5P", "category": "domestic_abuse", "severity": 2,
     "incident": "2026-10-01", "recorded": "2026-10-01",
     "source": "AG-WI-POL", "about": ["P-WI-C5"]},
    {"id": "C-WI-6X", "category": "intelligence", "severity": 2,
     "incident": "2026-10-01", "recorded": "2026-10-01",
     "source": "AG-WI-INT", "restricted": true, "about": ["P-WI-C6"]},
    {"id": "C-WI-6S", "category": "school_attendance", "severity": 2,
     "incident": "2026-10-01", "recorded": "2026-10-01",
     "source": "AG-WI-SCH", "about": ["P-WI-C6"]}
  ]
})";

const char* kGroups =
    "child_id,area\n"
    "P-WI-C1,north\n"
    "P-WI-C2,north\n"
    "P-WI-C3,south\n"
    "P-WI-C4,south\n"
    "P-WI-C5,south\n"
    "P-WI-C6,south\n";

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

struct Hand {
  CaseGraph graph;
  std::shared_ptr<const RuleSet> rules = RuleSet::load_string(kPack, "whatif-hand.toml");
  Results results;
  GroupAttributes groups = parse_groups_csv(kGroups, "groups.csv");
  Hand() : results(make()) {}
  Results make() {
    load_case(graph, kCase, "whatif.json");
    return assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
  }
};

PackChanges without(const std::string& rule) {
  PackChanges changes;
  changes.remove.push_back(rule);
  return changes;
}

PackChanges weighted(const std::string& rule, double multiplier) {
  PackChanges changes;
  changes.weights.push_back({rule, multiplier, {}});
  return changes;
}

std::size_t moved(const WhatIfGroup& group, std::size_t levels, int from, int to) {
  return group.transitions[static_cast<std::size_t>(from) * levels + static_cast<std::size_t>(to)];
}

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_SUITE("unit/what_if") {
  TEST_CASE("the hand-made levels are what the comment above works out") {
    Hand hand;
    const char* ids[] = {"P-WI-C1", "P-WI-C2", "P-WI-C3", "P-WI-C4", "P-WI-C5", "P-WI-C6"};
    const int levels[] = {1, 2, 0, 2, 1, 2};
    for (int k = 0; k < 6; ++k) {
      CAPTURE(ids[k]);
      const long row = hand.results.find_child(ids[k]);
      REQUIRE(row >= 0);
      CHECK(hand.results.level(static_cast<std::size_t>(row)) == levels[k]);
    }
  }

  TEST_CASE("removing a rule moves exactly the children worked out by hand, overall and by group") {
    Hand hand;
    WhatIfOptions options;
    options.viewer = Viewer::everyone();
    const WhatIfReport report = what_if(hand.results, without("police"), hand.groups, options);
    CHECK(report.hash_before == hand.rules->hash());
    CHECK(report.hash_after != report.hash_before);
    CHECK(report.hash_after.size() == 64);
    REQUIRE(report.levels == std::vector<std::string>{"low", "medium", "high"});
    REQUIRE(report.changed.size() == 4);
    const char* ids[] = {"P-WI-C1", "P-WI-C2", "P-WI-C4", "P-WI-C5"};
    const int before[] = {1, 2, 2, 1};
    const int after[] = {0, 1, 1, 0};
    for (std::size_t k = 0; k < 4; ++k) {
      CAPTURE(k);
      CHECK(report.changed[k].id == ids[k]);
      CHECK(report.changed[k].before == before[k]);
      CHECK(report.changed[k].after == after[k]);
      CHECK(report.changed[k].rules == std::vector<std::string>{"police"});
    }
    const WhatIfGroup& all = report.overall;
    CHECK(all.children == 6);
    CHECK(all.up == 0);
    CHECK(all.down == 4);
    CHECK(all.share_moved == doctest::Approx(4.0 / 6.0));
    CHECK(moved(all, 3, 1, 0) == 2);  // C1, C5
    CHECK(moved(all, 2, 1, 0) == 0);
    CHECK(moved(all, 3, 2, 1) == 2);  // C2, C4
    CHECK(moved(all, 3, 0, 0) == 1);  // C3
    CHECK(moved(all, 3, 2, 2) == 1);  // C6
    REQUIRE(report.groups.size() == 2);
    CHECK(report.groups[0].attribute == "area");
    CHECK(report.groups[0].group == "north");
    CHECK(report.groups[0].children == 2);
    CHECK(report.groups[0].down == 2);
    CHECK(report.groups[0].share_moved == doctest::Approx(1.0));
    CHECK(moved(report.groups[0], 3, 1, 0) == 1);
    CHECK(moved(report.groups[0], 3, 2, 1) == 1);
    CHECK(report.groups[1].group == "south");
    CHECK(report.groups[1].children == 4);
    CHECK(report.groups[1].down == 2);
    CHECK(report.groups[1].share_moved == doctest::Approx(0.5));
    CHECK(report.changes == std::vector<std::string>{"rule 'police' removed"});
    // The JSON names both hashes.
    const std::string json = what_if_json(report);
    CHECK(json.find(report.hash_before) != std::string::npos);
    CHECK(json.find(report.hash_after) != std::string::npos);
  }

  TEST_CASE("a weight of 1 changes nothing, not even the hash, other weights scale the points") {
    Hand hand;
    const WhatIfReport same = what_if(hand.results, weighted("police", 1.0), hand.groups);
    CHECK(same.changed.empty());
    CHECK(same.hash_after == same.hash_before);
    CHECK(same.overall.up + same.overall.down == 0);
    // police x 2 = 6: C5 (3 -> 6) and C1 (5 -> 8) go up to high; C2, C4 are high already.
    const auto doubled = change_pack(*hand.rules, weighted("police", 2.0));
    CHECK(doubled->rules()[1].points.source() == "6");
    CHECK(doubled->rules()[1].points.constant());
    // A constant formula becomes the new constant; any other formula is wrapped.
    const auto constant = change_pack(*hand.rules, weighted("disabled", 1.5));
    CHECK(constant->rules()[2].points.source() == "3");
    const auto formula = change_pack(*hand.rules, weighted("secret", 1.5));
    CHECK(formula->rules()[3].points.source() == "(concern.severity * 2) * 1.5");
    const WhatIfReport up = what_if(hand.results, weighted("police", 2.0), hand.groups);
    REQUIRE(up.changed.size() == 2);
    CHECK(up.changed[0].id == "P-WI-C1");
    CHECK(up.changed[1].id == "P-WI-C5");
    CHECK(up.overall.up == 2);
    CHECK(up.changes == std::vector<std::string>{"rule 'police': points x 2"});
    // Different changes, different hashes; the same changes, the same hash.
    CHECK(change_pack(*hand.rules, weighted("police", 2.0))->hash() == doubled->hash());
    CHECK(change_pack(*hand.rules, weighted("police", 0.5))->hash() != doubled->hash());
  }

  TEST_CASE("unknown ids and bad changes are refused naming the id and the spec's place") {
    Hand hand;
    CHECK(error_of([&] { (void)what_if(hand.results, without("nope"), hand.groups); }) ==
          "what-if: entity 'nope': unknown rule 'nope': the pack 'whatif-hand' has no rule with "
          "this id");
    const PackChanges spec =
        parse_what_if_toml("remove = [\"police\"]\n[weights]\nno-such-rule = 0.5\n", "spec.toml");
    CHECK(error_of([&] { (void)change_pack(*hand.rules, spec); }) ==
          "spec.toml:3:16: entity 'no-such-rule': unknown rule 'no-such-rule': the pack "
          "'whatif-hand' has no rule with this id");
    CHECK(error_of([&] {
            (void)change_pack(*hand.rules,
                              parse_what_if_toml("[thresholds.risk]\nsevere = 9\n", "t.toml"));
          }).find("entity 'severe': unknown level 'severe' for index 'risk'") != std::string::npos);
    CHECK(error_of([&] {
            (void)change_pack(*hand.rules,
                              parse_what_if_toml("[thresholds.risk]\nhigh = 2\n", "t.toml"));
          }).find("thresholds of index 'risk' must rise with the levels") != std::string::npos);
    CHECK(error_of([&] {
            (void)change_pack(*hand.rules, weighted("police", -1));
          }).find("must be a finite number at least 0") != std::string::npos);
    PackChanges twice = without("police");
    twice.weights.push_back({"police", 2, {}});
    CHECK(error_of([&] {
            (void)change_pack(*hand.rules, twice);
          }).find("rule 'police' is changed twice") != std::string::npos);
    CHECK(error_of([&] {
            (void)parse_what_if_toml("drop = [\"x\"]\n", "s.toml");
          }).find("unknown key 'drop' in a what-if spec") != std::string::npos);
    // A group row that is not a child of the results.
    GroupAttributes stray = parse_groups_csv("child_id,area\nP-WI-NOBODY,north\n", "g.csv");
    CHECK(error_of([&] { (void)what_if(hand.results, without("police"), stray); }) ==
          "g.csv:2:1: entity 'P-WI-NOBODY': no child with this id in the assessment");
  }

  TEST_CASE("thresholds move through a spec, the changed pack lints like a loaded one") {
    Hand hand;
    const PackChanges spec = parse_what_if_toml("[thresholds.risk]\nhigh = 5\n", "t.toml");
    const WhatIfReport report = what_if(hand.results, spec, hand.groups);
    // Only C1 (5 points) reaches high at 5.
    REQUIRE(report.changed.size() == 1);
    CHECK(report.changed[0].id == "P-WI-C1");
    CHECK(report.changed[0].after == 2);
    CHECK(report.changed[0].rules.empty());  // no rule's points changed
    // Without any rule the index is unused: lint says so, as it would of a loaded pack.
    PackChanges none;
    for (const char* id : {"school", "police", "disabled", "secret"}) none.remove.push_back(id);
    const auto pack = change_pack(*hand.rules, none);
    CHECK(pack->rules().empty());
    CHECK(hand.rules->lint_warnings().empty());
    const std::vector<LintWarning> again = lint(*pack);
    REQUIRE(pack->lint_warnings().size() == again.size());
    bool unused = false;
    for (const LintWarning& w : pack->lint_warnings()) unused = unused || w.code == "unused-index";
    CHECK(unused);
  }

  TEST_CASE("a rule seen only through restricted evidence is never named to an uncleared viewer") {
    Hand hand;
    // secret x 0.5: C6 goes from 6 (high) to 4 (medium) on restricted evidence alone.
    // For a reader not cleared for it, whether C6 moves would say what the restricted evidence
    // is worth: C6 is left out of every count and of the list, and only counted as left out.
    const WhatIfReport hidden = what_if(hand.results, weighted("secret", 0.5), hand.groups);
    CHECK(hidden.changed.empty());
    CHECK(hidden.withheld_children == 1);
    CHECK(hidden.overall.children == 5);
    CHECK(hidden.overall.up + hidden.overall.down == 0);
    std::size_t grouped = 0;
    for (const WhatIfGroup& group : hidden.groups) grouped += group.children;
    CHECK(grouped == 5);
    bool warned = false;
    for (const AuditWarning& w : hidden.warnings) warned = warned || w.code == "withheld-children";
    CHECK(warned);
    CHECK(hidden.viewer.rfind("uncleared", 0) == 0);
    // Removing the rule altogether, or moving a threshold, tells the reader nothing more.
    const WhatIfReport removed = what_if(hand.results, without("secret"), hand.groups);
    CHECK(removed.changed.empty());
    CHECK(removed.withheld_children == 1);
    CHECK(removed.overall.transitions == hidden.overall.transitions);
    const std::string json = what_if_json(hidden);
    CHECK(json.find("\"secret\"") == std::string::npos);
    CHECK(what_if_csv(hidden).find("secret") == std::string::npos);
    CHECK(json.find("C-WI-6X") == std::string::npos);
    CHECK(json.find("intelligence") == std::string::npos);
    WhatIfOptions cleared;
    cleared.viewer = Viewer::everyone();
    const WhatIfReport shown = what_if(hand.results, weighted("secret", 0.5), hand.groups, cleared);
    CHECK(shown.withheld_children == 0);
    CHECK(shown.overall.children == 6);
    REQUIRE(shown.changed.size() == 1);
    CHECK(shown.changed[0].id == "P-WI-C6");
    CHECK(shown.changed[0].rules == std::vector<std::string>{"secret"});
    WhatIfOptions intel;
    intel.viewer.cleared = {"intelligence_unit"};
    CHECK(what_if(hand.results, weighted("secret", 0.5), hand.groups, intel).changed[0].rules ==
          std::vector<std::string>{"secret"});
  }

  TEST_CASE(
      "a child moved only by risk through a place resting on restricted evidence is left out") {
    // tests/data/views: the restricted concern is about a yard; a second child, with no
    // restricted line of its own, frequents the yard. Under contextual = "included" the yard's
    // risk moves that child's level, so whether it moves when the restricted-only rule is
    // reweighted says what the restricted report is worth (and that the rule fired at all).
    CaseGraph graph;
    load_case_file(graph, SAFEGUARD_TEST_DATA_DIR "/views/case.json");
    load_case(graph, R"({"schema_version": 1,
      "households": [{"id": "HH-WI-TWO"}],
      "persons": [{"id": "P-WI-NEAR", "kind": "child", "dob": "2015-01-01",
                   "household": "HH-WI-TWO"}],
      "concerns": [{"id": "C-WI-NEAR", "category": "school_attendance", "severity": 1,
                    "incident": "2026-10-30", "recorded": "2026-10-30", "source": "AG-VW-SCH",
                    "about": ["P-WI-NEAR"]}],
      "relations": [{"kind": "frequents", "from": "P-WI-NEAR", "to": "PL-VW-YARD"}]})",
              "near.json");
    const Results results =
        assess(RuleSet::load_file(SAFEGUARD_TEST_DATA_DIR "/views/pack_included.toml"),
               take_snapshot(graph), AssessOptions(day("2026-11-01"), 1));
    const long near = results.find_child("P-WI-NEAR");
    REQUIRE(near >= 0);
    const Viewer uncleared;
    CHECK(ScoreReader(results, uncleared).withholds(static_cast<std::size_t>(near)));
    GroupAttributes groups;
    groups.attributes = {"area"};
    for (std::size_t row = 0; row < results.child_count(); ++row)
      groups.rows.push_back({std::string(results.child_id(row)), {"north"}});
    PackChanges changes;
    changes.weights.push_back({"mrkrule-only", 10.0, {}});
    WhatIfOptions cleared;
    cleared.viewer = Viewer::everyone();
    const WhatIfReport host = what_if(results, changes, groups, cleared);
    REQUIRE(host.changed.size() == 1);  // the yard's risk moves the near child
    CHECK(host.changed[0].id == "P-WI-NEAR");
    const WhatIfReport report = what_if(results, changes, groups);
    CHECK(report.changed.empty());
    CHECK(report.withheld_children == 2);
    CHECK(report.overall.children == 0);
    CHECK(what_if_json(report).find("P-WI-NEAR") == std::string::npos);
  }

  TEST_CASE("the report is the same bytes at 1 and 4 threads on a generated caseload") {
    CaseloadOptions options;
    options.children = 600;
    options.seed = 11;
    CaseGraph graph;
    generate_caseload(graph, options);
    const auto snapshot = take_snapshot(graph);
    const auto pack = load_bundled_pack("default");
    PlantedOptions planted;
    const Results one = assess(pack, snapshot, AssessOptions(options.as_of, 1));
    const Results four = assess(pack, snapshot, AssessOptions(options.as_of, 4));
    const GroupAttributes groups = plant_outcomes(one, planted).groups;
    PackChanges changes = without("disabled-child");
    changes.weights.push_back({"multi-agency-corroboration", 0.5, {}});
    WhatIfOptions a, b;
    b.threads = 4;
    // Cleared for everything, so the children resting on restricted evidence are counted too.
    a.viewer = b.viewer = Viewer::everyone();
    const WhatIfReport x = what_if(one, changes, groups, a);
    const WhatIfReport y = what_if(four, changes, groups, b);
    CHECK(what_if_json(x) == what_if_json(y));
    CHECK(what_if_csv(x) == what_if_csv(y));
    CHECK_FALSE(x.changed.empty());
    std::size_t total = 0;
    for (const WhatIfGroup& g : x.groups)
      if (g.attribute == "planted_group") total += g.children;
    CHECK(total == x.overall.children);
  }
}
