// Declared vocabulary (issue 17): a pack declares the concern categories, factor kinds, flags
// and agency types it knows; lint reports a rule reading an undeclared name; a case that uses
// a name the pack does not know is reported (C++, C API) and refused in strict mode, and a
// restricted concern's category is never named in the report.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "safeguard.h"
#include "safeguard/assess.hpp"
#include "safeguard/cin.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"

using namespace safeguard;

namespace {

const char* kPack = R"([pack]
id = "vocabulary-test"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 4
[[index]]
id = "harm"
[[rule]]
id = "injury"
index = "harm"
heading = "harm"
for = "concern"
when = 'concern.category == "physical_injruy" and concern.status in ["open", "closed"]'
points = 5
[[rule]]
id = "attendance"
index = "harm"
heading = "harm"
for = "concern"
when = 'concern.category in ["school_attendance"] and concern.status in ["open", "closed"]'
points = 1
[vocabulary.categories]
physical_injury = "A physical injury"
school_attendance = "Persistent absence"
[vocabulary.agency_types]
school = "A school"
police = "A police force"
)";

const char* kCase = R"({"schema_version": 1,
  "agencies": [{"id": "AG-SCH-01", "type": "school"}, {"id": "AG-POL-01", "type": "police"},
               {"id": "AG-VOL-01", "type": "voluntary"}],
  "households": [{"id": "HH-VOC"}],
  "persons": [{"id": "P-VOC-C1", "kind": "child", "dob": "2016-02-02", "household": "HH-VOC"}],
  "concerns": [
    {"id": "C-VOC-1", "category": "school_attendence", "severity": 3, "recorded": "2026-10-01",
     "status": "open", "source": "AG-SCH-01", "about": ["P-VOC-C1"]},
    {"id": "C-VOC-2", "category": "school_attendence", "severity": 3, "recorded": "2026-10-02",
     "status": "open", "source": "AG-SCH-01", "about": ["P-VOC-C1"]},
    {"id": "C-VOC-3", "category": "sexual_abuse_disclosur", "severity": 4,
     "recorded": "2026-10-03", "status": "open", "source": "AG-POL-01", "about": ["P-VOC-C1"],
     "restricted": true},
    {"id": "C-VOC-4", "category": "school_attendance", "severity": 3, "recorded": "2026-10-04",
     "status": "open", "source": "AG-SCH-01", "about": ["P-VOC-C1"]}]})";

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

}  // namespace

TEST_SUITE("unit/vocabulary") {
  TEST_CASE("lint reports a rule reading a category the pack does not declare") {
    const auto pack = RuleSet::load_string(kPack, "vocabulary.toml");
    REQUIRE(pack->vocabulary().declared);
    CHECK(pack->vocabulary().categories.size() == 2);
    CHECK(pack->vocabulary().categories[0].description == "A physical injury");
    const auto& findings = pack->lint_warnings();
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].code == "undeclared-name");
    CHECK(findings[0].where.entity == "injury");
    CHECK(findings[0].where.line >= 12);
    CHECK(findings[0].message.find("'physical_injruy'") != std::string::npos);
    CHECK(findings[0].message.find("[vocabulary.categories]") != std::string::npos);
  }

  TEST_CASE("a vocabulary entry needs a description") {
    const std::string text = std::string(kPack) + "[vocabulary.flags]\ndisability = \"\"\n";
    try {
      RuleSet::load_string(text, "vocabulary.toml");
      FAIL("loaded");
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_data);
      CHECK(e.reason().find("'disability' in [vocabulary.flags] needs a description") !=
            std::string::npos);
      CHECK(e.where().line > 30);
    }
  }

  TEST_CASE("a case using names the pack does not know is reported, with ids and counts") {
    const auto pack = RuleSet::load_string(kPack, "vocabulary.toml");
    CaseGraph graph;
    load_case(graph, kCase, "misspelt.json");
    const auto snapshot = take_snapshot(graph);
    const Results results = assess(pack, snapshot, {day("2026-11-01"), 1});
    const auto& findings = results.vocabulary();
    REQUIRE(findings.size() == 3);
    // unknown-agency-type first (codes sorted), then the category findings by name: the
    // restricted pool (empty name) before "school_attendence".
    CHECK(findings[0].code == "unknown-agency-type");
    CHECK(findings[0].name == "voluntary");
    CHECK(findings[0].ids == std::vector<std::string>{"AG-VOL-01"});
    CHECK(findings[0].message.find(": 1 agency (AG-VOL-01)") != std::string::npos);
    CHECK(findings[1].code == "unknown-category");
    CHECK(findings[1].name.empty());
    CHECK(findings[1].count == 1);
    CHECK(findings[1].ids == std::vector<std::string>{"C-VOC-3"});
    CHECK(findings[1].message.find("sexual") == std::string::npos);
    CHECK(findings[1].message.find("1 restricted concern (C-VOC-3) uses a concern category") !=
          std::string::npos);
    CHECK(findings[1].message.find("no rule scores it") != std::string::npos);
    CHECK(findings[2].code == "unknown-category");
    CHECK(findings[2].name == "school_attendence");
    CHECK(findings[2].count == 2);
    CHECK(findings[2].ids == std::vector<std::string>{"C-VOC-1", "C-VOC-2"});
    CHECK(findings[2].message.find("'school_attendence'") != std::string::npos);
    CHECK(findings[2].message.find("2 concerns (C-VOC-1, C-VOC-2)") != std::string::npos);
    // Nothing else in any finding names the restricted category.
    for (const auto& f : findings) CHECK(f.message.find("disclosur") == std::string::npos);
    // The misspelt concerns scored nothing; the one spelt right scored.
    CHECK(results.score(0, 0) == 1.0);

    SUBCASE("strict mode refuses the case before scoring, naming the first entity") {
      AssessOptions strict(day("2026-11-01"), 1);
      strict.strict_vocabulary = true;
      try {
        assess(pack, snapshot, strict);
        FAIL("assessed");
      } catch (const Error& e) {
        CHECK(e.status() == Status::invalid_data);
        CHECK(e.where().entity == "AG-VOL-01");
        CHECK(e.reason().find("strict vocabulary") != std::string::npos);
      }
    }
  }

  TEST_CASE("erased and retracted entities are not reported (their slots have no vertex)") {
    const auto pack = RuleSet::load_string(kPack, "vocabulary.toml");
    CaseGraph graph;
    load_case(graph, kCase, "misspelt.json");
    Batch batch;
    batch.add(RetractConcern{"C-VOC-2"});
    batch.add(ErasePerson{"P-VOC-C1"});  // erases the concerns about the child too
    graph.apply(batch);
    const auto findings = check_vocabulary(*take_snapshot(graph), {pack.get()});
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].name == "voluntary");
  }

  TEST_CASE("a pack without [vocabulary] knows the categories its rules read") {
    std::string text = kPack;
    text.erase(text.find("[vocabulary.categories]"));
    const auto pack = RuleSet::load_string(text, "plain.toml");
    CHECK_FALSE(pack->vocabulary().declared);
    CHECK(pack->lint_warnings().empty());
    CHECK(pack->knows_category("physical_injruy"));
    CHECK_FALSE(pack->knows_category("physical_injury"));
    CHECK(pack->knows_agency_type("anything"));  // agency types unchecked without a list
    CaseGraph graph;
    load_case(graph, kCase, "misspelt.json");
    const auto findings = check_vocabulary(*take_snapshot(graph), {pack.get()});
    REQUIRE(findings.size() == 2);
    CHECK(findings[0].name.empty());
    CHECK(findings[1].name == "school_attendence");
    // Two packs: a name is unknown only when neither knows it.
    const auto both =
        check_vocabulary(*take_snapshot(graph), {pack.get(), load_bundled_pack("default").get()});
    REQUIRE(both.size() == 2);
  }

  TEST_CASE("the bundled packs declare every name their rules read, with descriptions") {
    for (const auto& name : bundled_pack_names()) {
      CAPTURE(name);
      const auto pack = load_bundled_pack(name);
      REQUIRE(pack->vocabulary().declared);
      const ReferencedNames used = referenced_names(*pack);
      CHECK_FALSE(used.categories.empty());
      for (const auto& entry : used.categories) CHECK(pack->knows_category(entry.name));
      for (const auto& entry : used.factor_kinds) CHECK(pack->knows_factor_kind(entry.name));
      for (const auto& entry : used.flags) CHECK(pack->knows_flag(entry.name));
      for (const auto& entry : pack->vocabulary().categories)
        CHECK_FALSE(entry.description.empty());
    }
  }

  TEST_CASE(
      "every census assessment factor code mapped to a category is declared by the default pack") {
    // The mapping is src/cin/codes.cpp's (cin::factor_category); codes are enumerated, not
    // copied: a number 1-30, with no letter or a letter A-F.
    const auto pack = load_bundled_pack("default");
    int mapped = 0;
    for (int n = 1; n <= 30; ++n) {
      for (const char* suffix : {"", "A", "B", "C", "D", "E", "F"}) {
        const std::string code = std::to_string(n) + suffix;
        if (!cin::is_factor_code(code)) continue;
        const cin::FactorCategory category = cin::factor_category(code);
        if (!category.matched) continue;
        CAPTURE(code);
        CHECK(pack->knows_category(category.category));
        ++mapped;
      }
    }
    CHECK(mapped >= 20);
    CHECK(cin::factor_category("22A").category == "female_genital_mutilation");
    CHECK(cin::factor_category("5B").category == "parental_learning_disability");
  }

  TEST_CASE("C API: findings on the result, and strict refusal by sg_check_vocabulary") {
    sg_graph* graph = nullptr;
    sg_rules* rules = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    const std::string text = kCase;
    REQUIRE(sg_graph_load_buffer(graph, text.data(), text.size(), "misspelt.json") == SG_OK);
    REQUIRE(sg_rules_load_buffer(&rules, kPack, std::char_traits<char>::length(kPack),
                                 "vocabulary.toml") == SG_OK);
    CHECK(sg_check_vocabulary(graph, rules) == SG_E_INVALID_DATA);
    const sg_error_detail* detail = sg_error_last_detail();
    REQUIRE(detail != nullptr);
    REQUIRE(detail->entity != nullptr);
    CHECK(std::string(detail->entity) == "AG-VOL-01");
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-01";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    size_t count = 0;
    REQUIRE(sg_result_vocabulary_count(&count, result) == SG_OK);
    REQUIRE(count == 3);
    sg_vocabulary_finding finding = SG_VOCABULARY_FINDING_INIT;
    REQUIRE(sg_result_vocabulary(&finding, result, 2) == SG_OK);
    CHECK(std::string(finding.code) == "unknown-category");
    CHECK(std::string(finding.name) == "school_attendence");
    CHECK(finding.count == 2);
    const char* id = nullptr;
    REQUIRE(sg_result_vocabulary_id(&id, result, 2, 1) == SG_OK);
    CHECK(std::string(id) == "C-VOC-2");
    CHECK(sg_result_vocabulary_id(&id, result, 2, 2) == SG_E_RANGE);
    CHECK(sg_result_vocabulary(&finding, result, 3) == SG_E_RANGE);
    REQUIRE(sg_result_vocabulary(&finding, result, 1) == SG_OK);
    CHECK(std::string(finding.name).empty());
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("a finding counts its entities in words that agree with the number") {
    // Two agencies of a type the pack does not know, two restricted concerns in the pool.
    std::string text = kCase;
    const std::string one = R"({"id": "AG-VOL-01", "type": "voluntary"})";
    text.replace(text.find(one), one.size(), one + R"(, {"id": "AG-VOL-02", "type": "voluntary"})");
    const std::string last = R"("about": ["P-VOC-C1"]}]})";
    text.replace(text.rfind(last), last.size(),
                 R"("about": ["P-VOC-C1"]}, {"id": "C-VOC-5", "category": "trafficking_concer",
                  "severity": 4, "recorded": "2026-10-05", "status": "open",
                  "source": "AG-POL-01", "about": ["P-VOC-C1"], "restricted": true}]})");
    const auto pack = RuleSet::load_string(kPack, "vocabulary.toml");
    CaseGraph graph;
    load_case(graph, text, "plural.json");
    const Results results = assess(pack, take_snapshot(graph), {day("2026-11-01"), 1});
    const auto& findings = results.vocabulary();
    REQUIRE(findings.size() == 3);
    CHECK(findings[0].message.find(": 2 agencies (AG-VOL-01, AG-VOL-02)") != std::string::npos);
    CHECK(findings[1].message.find("2 restricted concerns (C-VOC-3, C-VOC-5) use a concern") !=
          std::string::npos);
    CHECK(findings[1].message.find("no rule scores them") != std::string::npos);
    CHECK(findings[1].message.find("trafficking") == std::string::npos);
  }
}
