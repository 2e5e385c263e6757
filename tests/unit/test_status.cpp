// Which concerns count (issue 17): open and closed concerns count, unsubstantiated ones only
// where a rule reads concern.status; the bundled packs' escalation and supervision override no
// longer fire on unsubstantiated reports; lint asks declared packs to say which statuses count.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "safeguard/assess.hpp"
#include "safeguard/io.hpp"

using namespace safeguard;

namespace {

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

// One child with the given concerns (JSON objects, about P-ST-C1 unless they say otherwise).
Results assess_case(const std::shared_ptr<const RuleSet>& rules, const std::string& concerns,
                    const char* dob = "2023-03-03") {
  const std::string text = std::string(R"({"schema_version": 1,
  "agencies": [{"id": "AG-POL-01", "type": "police"}, {"id": "AG-HV-01", "type": "health"},
               {"id": "AG-YJ-01", "type": "youth_justice"}, {"id": "AG-SCH-01", "type": "school"}],
  "households": [{"id": "HH-ST"}],
  "persons": [{"id": "P-ST-M", "kind": "adult", "dob": "1990-01-01", "household": "HH-ST"},
              {"id": "P-ST-C1", "kind": "child", "dob": ")") +
                           dob + R"(", "household": "HH-ST"}],
  "relations": [{"kind": "parent_of", "from": "P-ST-M", "to": "P-ST-C1"}],
  "concerns": [)" + concerns +
                           "]}";
  CaseGraph graph;
  load_case(graph, text, "status.json");
  return assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
}

std::string concern(const std::string& id, const std::string& category, const char* status,
                    const char* date, int severity = 3, const char* about = "P-ST-M",
                    const char* source = "AG-POL-01") {
  return std::string("{\"id\": \"") + id + "\", \"category\": \"" + category +
         "\", \"severity\": " + std::to_string(severity) + ", \"recorded\": \"" + date +
         "\", \"incident\": \"" + date + "\", \"status\": \"" + status + "\", \"source\": \"" +
         source + "\", \"about\": [\"" + about + "\"]}";
}

bool fired_rule(const Results& r, std::size_t row, const std::string& id) {
  for (const Contribution* c = r.contributions_begin(row); c != r.contributions_end(row); ++c) {
    if (!c->propagated() && r.rules().rules()[c->rule].id == id) return true;
  }
  return false;
}

bool fired_override(const Results& r, std::size_t row, const std::string& id) {
  for (const auto* o = r.overrides_begin(row); o != r.overrides_end(row); ++o) {
    if (r.rules().overrides()[*o].id == id) return true;
  }
  return false;
}

}  // namespace

TEST_SUITE("unit/status") {
  TEST_CASE("default pack: three unsubstantiated domestic abuse reports do not escalate") {
    const auto rules = load_bundled_pack("default");
    const std::string unsubstantiated =
        concern("C-ST-1", "domestic_abuse", "unsubstantiated", "2026-03-01") + "," +
        concern("C-ST-2", "domestic_abuse", "unsubstantiated", "2026-06-01") + "," +
        concern("C-ST-3", "domestic_abuse", "unsubstantiated", "2026-09-01");
    const Results none = assess_case(rules, unsubstantiated);
    CHECK_FALSE(fired_rule(none, 0, "domestic-abuse-escalation"));
    CHECK(none.total(0) == 0.0);
    // The same three reports open: the escalation adds its 6 points.
    std::string open = unsubstantiated;
    for (std::size_t at; (at = open.find("unsubstantiated")) != std::string::npos;)
      open.replace(at, 15, "open");
    const Results three = assess_case(rules, open);
    CHECK(fired_rule(three, 0, "domestic-abuse-escalation"));
  }

  TEST_CASE("neglect pack: an unsubstantiated supervision report raises no safety flag") {
    const auto rules = load_bundled_pack("neglect");
    const std::string report =
        concern("C-ST-9", "inadequate_supervision", "unsubstantiated", "2026-10-30", 4, "P-ST-C1");
    const Results r = assess_case(rules, report);
    CHECK_FALSE(fired_override(r, 0, "young-child-left-alone"));
    CHECK_FALSE(r.immediate_safety(0));
    std::string open = report;
    open.replace(open.find("unsubstantiated"), 15, "open");
    const Results o = assess_case(rules, open);
    CHECK(fired_override(o, 0, "young-child-left-alone"));
    CHECK(o.immediate_safety(0));
  }

  TEST_CASE("a rule that reads concern.status decides, one that does not skips unsubstantiated") {
    const auto rules = RuleSet::load_string(R"([pack]
id = "status"
version = "1"
[[level]]
id = "low"
min = 0
[[index]]
id = "i"
[[rule]]
id = "silent"
index = "i"
heading = "harm"
for = "concern"
when = 'concern.category == "x"'
points = 1
[[rule]]
id = "says-unsubstantiated"
index = "i"
heading = "harm"
for = "concern"
when = 'concern.category == "x" and concern.status == "unsubstantiated"'
points = 10
[[rule]]
id = "silent-count"
index = "i"
heading = "harm"
for = "child"
when = 'count(concerns where concern.category == "x") >= 1'
points = 100
[[rule]]
id = "counting-all"
index = "i"
heading = "harm"
for = "child"
points = 'count(concerns where concern.status != "retracted") * 1000'
)",
                                            "status.toml");
    const Results r =
        assess_case(rules, concern("C-ST-U", "x", "unsubstantiated", "2026-10-01", 3, "P-ST-C1"));
    CHECK_FALSE(fired_rule(r, 0, "silent"));
    CHECK(fired_rule(r, 0, "says-unsubstantiated"));
    CHECK_FALSE(fired_rule(r, 0, "silent-count"));
    CHECK(fired_rule(r, 0, "counting-all"));
    CHECK(r.total(0) == 1010.0);
    const Results closed =
        assess_case(rules, concern("C-ST-C", "x", "closed", "2026-10-01", 3, "P-ST-C1"));
    CHECK(closed.total(0) == 1101.0);
    // The pack declares no vocabulary, so lint does not ask it to say which statuses count.
    CHECK(rules->lint_warnings().empty());
  }

  TEST_CASE("lint: a declared pack must say which statuses count") {
    const auto rules = RuleSet::load_string(R"([pack]
id = "status"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 5
[[index]]
id = "i"
[[rule]]
id = "silent"
index = "i"
heading = "harm"
for = "concern"
when = 'concern.category == "x"'
points = 1
[[rule]]
id = "said"
index = "i"
heading = "harm"
for = "concern"
when = 'concern.category == "x" and concern.status in ["open", "closed"]'
points = 1
[[override]]
id = "silent-override"
reason = "r"
when = 'count(family_concerns where concern.category == "x") >= 3'
min_level = "high"
[vocabulary.categories]
x = "An example"
)",
                                            "status.toml");
    std::vector<std::string> found;
    for (const auto& w : rules->lint_warnings()) found.push_back(w.code + " " + w.where.entity);
    CHECK(found == std::vector<std::string>{"status-unspecified silent",
                                            "status-unspecified silent-override"});
  }
}

TEST_SUITE("unit/status: default pack categories") {
  TEST_CASE("default pack: bruising in a non-mobile baby is child protection and immediate") {
    const auto rules = load_bundled_pack("default");
    const Results r = assess_case(
        rules, concern("C-ST-B", "bruising_non_mobile_baby", "open", "2026-10-25", 3, "P-ST-C1"),
        "2026-07-01");
    CHECK(fired_rule(r, 0, "bruising-non-mobile-baby"));
    CHECK(fired_override(r, 0, "non-mobile-baby-bruising-referral"));
    CHECK(r.rules().levels()[r.level(0)].id == "child_protection");
    CHECK(r.immediate_safety(0));
    CHECK(r.vocabulary().empty());
  }

  TEST_CASE("default pack: FGM about the child is child protection, the new categories score") {
    const auto rules = load_bundled_pack("default");
    const Results r = assess_case(
        rules, concern("C-ST-F", "female_genital_mutilation", "open", "2026-10-01", 4, "P-ST-C1"),
        "2015-05-05");
    CHECK(fired_override(r, 0, "fgm-strategy-discussion"));
    CHECK(r.rules().levels()[r.level(0)].id == "child_protection");
    // FGM about the mother alone (path carer) is not the override's: it scores nothing there.
    const Results mother = assess_case(
        rules, concern("C-ST-G", "female_genital_mutilation", "open", "2026-10-01", 4, "P-ST-M"),
        "2015-05-05");
    CHECK_FALSE(fired_override(mother, 0, "fgm-strategy-discussion"));
    for (const char* category :
         {"honour_based_abuse", "fabricated_or_induced_illness", "online_abuse",
          "child_on_child_abuse", "harmful_sexual_behaviour", "radicalisation"}) {
      CAPTURE(category);
      const Results one = assess_case(
          rules, concern("C-ST-N", category, "open", "2026-11-01", 3, "P-ST-C1"), "2015-05-05");
      CHECK(one.total(0) > 0);
      CHECK(one.vocabulary().empty());
    }
    const Results carer = assess_case(
        rules, concern("C-ST-L", "parental_learning_disability", "open", "2026-11-01", 2),
        "2015-05-05");
    CHECK(carer.total(0) == 2.0);  // severity 2 x reach carer 1 x decay 1 (recorded today)
  }
}

TEST_SUITE("unit/status: default pack corroboration") {
  TEST_CASE("default pack: corroboration counts worries about care, not visibility") {
    const auto rules = load_bundled_pack("default");
    // Three agencies' open worries, none about the child's care: a domestic abuse call-out,
    // violent offending and a missing episode. Before 0.3.0 any three agencies fired it.
    const std::string unrelated =
        concern("C-ST-D", "domestic_abuse", "open", "2026-10-01", 2) + "," +
        concern("C-ST-V", "violent_offending", "open", "2026-10-01", 2, "P-ST-M", "AG-YJ-01") +
        "," + concern("C-ST-X", "missing_episode", "open", "2026-10-01", 1, "P-ST-C1", "AG-HV-01");
    CHECK_FALSE(
        fired_rule(assess_case(rules, unrelated, "2015-05-05"), 0, "multi-agency-corroboration"));
    // Three agencies' worries about care: it fires.
    const std::string care =
        concern("C-ST-S", "school_attendance", "open", "2026-10-01", 2, "P-ST-C1", "AG-SCH-01") +
        "," +
        concern("C-ST-H", "missed_health_appointments", "open", "2026-10-01", 2, "P-ST-C1",
                "AG-HV-01") +
        "," + concern("C-ST-M", "mental_health", "open", "2026-10-01", 2, "P-ST-M", "AG-YJ-01");
    CHECK(fired_rule(assess_case(rules, care, "2015-05-05"), 0, "multi-agency-corroboration"));
  }
}

TEST_SUITE("unit/status: DASH escalation") {
  TEST_CASE("dash: escalation counts police call-outs, as SafeLives defines it") {
    const auto rules = load_bundled_pack("dash");
    auto incidents = [](const char* source) {
      return concern("C-ST-1", "domestic_abuse", "open", "2026-02-01", 3, "P-ST-M", source) + "," +
             concern("C-ST-2", "domestic_abuse", "open", "2026-05-01", 3, "P-ST-M", source) + "," +
             concern("C-ST-3", "domestic_abuse", "open", "2026-08-01", 3, "P-ST-M", source);
    };
    // Three domestic abuse records from a health visitor: not three police call-outs.
    const Results health = assess_case(rules, incidents("AG-HV-01"), "2015-05-05");
    CHECK(health.find_adult("P-ST-M") < 0);
    CHECK_FALSE(fired_override(health, 0, "dash-carer-checklist-high"));
    CHECK(health.rules().levels()[health.level(0)].id == "standard");
    const Results police = assess_case(rules, incidents("AG-POL-01"), "2015-05-05");
    // Since pack 0.5.0 escalation is the victim's own (an adult override on her result); the
    // child reads her level through dash-carer-checklist-high.
    const long victim = police.find_adult("P-ST-M");
    REQUIRE(victim >= 0);
    const auto row = static_cast<std::size_t>(victim);
    REQUIRE(police.adult_overrides_end(row) - police.adult_overrides_begin(row) == 1);
    CHECK(police.rules().overrides()[*police.adult_overrides_begin(row)].id ==
          "dash-potential-escalation");
    CHECK(police.rules().levels()[police.adult_level(row)].id == "high");
    CHECK(fired_override(police, 0, "dash-carer-checklist-high"));
    CHECK(police.rules().levels()[police.level(0)].id == "high");
  }
}
