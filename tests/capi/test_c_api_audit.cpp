// The C API's audit (issue 18, docs/audit.md): a generated caseload with planted outcomes
// audited through sg_audit_*, errors naming file, line and id, and a pack that reads a
// protected attribute refused.
#include <doctest/doctest.h>

#include <string>

#include "safeguard.h"
#include "safeguard/audit.hpp"
#include "safeguard/generate.hpp"

namespace {

struct Generated {
  sg_graph* graph = nullptr;
  sg_rules* rules = nullptr;
  sg_result* result = nullptr;
  Generated(std::size_t children, unsigned long long seed) {
    sg_caseload_options options = SG_CASELOAD_OPTIONS_INIT;
    options.children = children;
    options.seed = seed;
    REQUIRE(sg_graph_generate(&graph, &options) == SG_OK);
    REQUIRE(sg_rules_load_bundled(&rules, "default", nullptr) == SG_OK);
    sg_assess_options assess = SG_ASSESS_OPTIONS_INIT;
    assess.as_of = "2026-11-01";
    REQUIRE(sg_assess(&result, graph, rules, &assess) == SG_OK);
  }
  ~Generated() {
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }
};

// The planted files for the same caseload, from the C++ generator (the C API has no planting:
// a host brings real outcomes).
safeguard::PlantedTruth planted(std::size_t children, unsigned long long seed) {
  safeguard::CaseloadOptions options;
  options.children = children;
  options.seed = seed;
  safeguard::CaseGraph graph;
  safeguard::generate_caseload(graph, options);
  const safeguard::Results results =
      safeguard::assess(safeguard::load_bundled_pack("default"), safeguard::take_snapshot(graph),
                        safeguard::AssessOptions(options.as_of, 1));
  safeguard::PlantedOptions plant;
  plant.seed = seed;
  return safeguard::plant_outcomes(results, plant);
}

std::string run(const sg_audit* audit, const sg_result* result, int format) {
  sg_audit_options options = SG_AUDIT_OPTIONS_INIT;
  options.format = format;
  options.bootstrap = 1000;
  char* out = nullptr;
  size_t size = 0;
  const int status = sg_audit_run(&out, &size, audit, result, &options);
  REQUIRE_MESSAGE(status == SG_OK, sg_error_last());
  std::string text(out, size);
  sg_buffer_free(out);
  return text;
}

std::string refit_json(const sg_audit* audit, const sg_result* result, bool cleared) {
  const char* everything[] = {"*"};
  sg_refit_options options = SG_REFIT_OPTIONS_INIT;
  if (cleared) {
    options.viewer_cleared = everything;
    options.viewer_cleared_count = 1;
  }
  char* out = nullptr;
  size_t size = 0;
  const int status = sg_audit_refit(&out, &size, audit, result, &options);
  REQUIRE_MESSAGE(status == SG_OK, sg_error_last());
  std::string text(out, size);
  sg_buffer_free(out);
  return text;
}

// A census return imported through C: Sex (or GenderCurrent) and Ethnicity are each child's
// group attributes.
struct Census {
  sg_graph* graph = nullptr;
  sg_rules* rules = nullptr;
  sg_result* result = nullptr;
  Census() {
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE_MESSAGE(
        sg_cin_load_file(graph, SAFEGUARD_SOURCE_DIR "/tests/data/cin/mixed-layouts.xml", 0) ==
            SG_OK,
        sg_error_last());
    REQUIRE(sg_rules_load_bundled(&rules, "default", nullptr) == SG_OK);
    sg_assess_options assess = SG_ASSESS_OPTIONS_INIT;
    assess.as_of = "2025-03-31";
    REQUIRE(sg_assess(&result, graph, rules, &assess) == SG_OK);
  }
  ~Census() {
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }
};

constexpr const char* kCensusOutcomes =
    "child_id,outcome\nP-CIN-C1,1\nP-CIN-C2,0\nP-CIN-C3,1\nP-CIN-C4,0\nP-CIN-C5,0\n"
    "P-CIN-C6,1\n";

sg_audit* census_audit(const std::string& outcomes) {
  sg_audit* audit = nullptr;
  REQUIRE(sg_audit_new(&audit, outcomes.data(), outcomes.size(), "outcomes.csv") == SG_OK);
  return audit;
}

std::string taken(char* out, size_t size) {
  std::string text(out, size);
  sg_buffer_free(out);
  return text;
}

// The audit of a result with `options` (JSON), failing the test on an error.
std::string run_with(const sg_audit* audit, const sg_result* result,
                     const sg_audit_options& options) {
  char* out = nullptr;
  size_t size = 0;
  const int status = sg_audit_run(&out, &size, audit, result, &options);
  REQUIRE_MESSAGE(status == SG_OK, sg_error_last());
  return taken(out, size);
}

}  // namespace

TEST_SUITE("capi/c_api_audit") {
  TEST_CASE("sg_audit_set_record_groups: a census return's attributes audit as the same file") {
    Census census;
    const std::string outcomes = kCensusOutcomes;
    const std::string file =
        "child_id,Ethnicity,GenderCurrent,Sex\nP-CIN-C1,WBRI,,F\nP-CIN-C2,NOBT,0,\n"
        "P-CIN-C3,MWBC,,M\nP-CIN-C4,BAFR,1,\nP-CIN-C5,APKN,,F\nP-CIN-C6,,,U\n";
    sg_audit* from_record = census_audit(outcomes);
    REQUIRE(sg_audit_set_record_groups(from_record, census.graph) == SG_OK);
    sg_audit* from_file = census_audit(outcomes);
    REQUIRE(sg_audit_set_groups(from_file, file.data(), file.size(), "groups.csv") == SG_OK);
    const std::string json = run(from_record, census.result, SG_FORMAT_JSON);
    CHECK(json == run(from_file, census.result, SG_FORMAT_JSON));
    CHECK(run(from_record, census.result, SG_FORMAT_CSV) ==
          run(from_file, census.result, SG_FORMAT_CSV));
    // Missing attributes counted: Sex for the two children of the older layout.
    CHECK(json.find("\"attribute\": \"Sex\",\n      \"not_recorded\": 2") != std::string::npos);
    CHECK(json.find("'Sex' is not recorded for 2 assessed children") != std::string::npos);
    CHECK(sg_audit_set_record_groups(from_record, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_audit_set_record_groups(nullptr, census.graph) == SG_E_INVALID_ARGUMENT);
    // A file and the record together, in either order: the file wins, the clash names the child.
    const std::string clash = "child_id,Ethnicity\nP-CIN-C3,WOTH\n";
    sg_audit* file_first = census_audit(outcomes);
    REQUIRE(sg_audit_set_groups(file_first, clash.data(), clash.size(), "groups.csv") == SG_OK);
    REQUIRE(sg_audit_set_record_groups(file_first, census.graph) == SG_OK);
    sg_audit* record_first = census_audit(outcomes);
    REQUIRE(sg_audit_set_record_groups(record_first, census.graph) == SG_OK);
    REQUIRE(sg_audit_set_groups(record_first, clash.data(), clash.size(), "groups.csv") == SG_OK);
    const std::string merged = run(file_first, census.result, SG_FORMAT_JSON);
    CHECK(merged == run(record_first, census.result, SG_FORMAT_JSON));
    CHECK(merged.find("\"group-clash\"") != std::string::npos);
    CHECK(merged.find("'Ethnicity' differs between groups.csv and the record for 1 child "
                      "(P-CIN-C3); the file's value is used") != std::string::npos);
    CHECK(merged.find("MWBC") == std::string::npos);
    CHECK(merged.find("\"group\": \"WOTH\"") != std::string::npos);
    sg_audit_free(record_first);
    sg_audit_free(file_first);
    sg_audit_free(from_file);
    sg_audit_free(from_record);
  }

  TEST_CASE(
      "sg_audit_refit: a marker in restricted evidence moves nothing an uncleared reader sees") {
    // A generated caseload with planted outcomes (C++ plants them; a host brings its own), then
    // a marker: one restricted concern's severity amended through C, and the outcome of the
    // child it is about flipped.
    Generated generated(3000, 21);
    safeguard::CaseloadOptions generate;
    generate.children = 3000;
    generate.seed = 21;
    safeguard::CaseGraph graph;
    safeguard::generate_caseload(graph, generate);
    const safeguard::Results results =
        safeguard::assess(safeguard::load_bundled_pack("default"), safeguard::take_snapshot(graph),
                          safeguard::AssessOptions(generate.as_of, 1));
    safeguard::PlantedOptions plant;
    plant.seed = 21;
    plant.intercept = -2.5;
    plant.slope = 0.1;
    plant.disparity = 0;
    safeguard::Outcomes outcomes = safeguard::plant_outcomes(results, plant).outcomes;
    std::string concern, child, severity;
    for (safeguard::VertexIndex v = 0; v < graph.vertex_count() && concern.empty(); ++v) {
      if (graph.kind(v) != safeguard::VertexKind::concern) continue;
      const safeguard::Concern& c = graph.concern(v);
      if (!c.restricted || graph.symbol(c.category) != "physical_injury" || c.about.size() != 1 ||
          graph.kind(c.about[0]) != safeguard::VertexKind::person)
        continue;
      concern = c.id;
      child = graph.id(c.about[0]);
      severity = c.severity == 5 ? "4" : "5";
    }
    REQUIRE_FALSE(concern.empty());
    const std::string text = safeguard::outcomes_csv(outcomes);
    for (safeguard::OutcomeRow& row : outcomes.rows)
      if (row.child_id == child) row.outcome = 1 - row.outcome;
    const std::string flipped = safeguard::outcomes_csv(outcomes);
    sg_audit* audit = census_audit(text);
    sg_audit* audit_flipped = census_audit(flipped);

    const std::string shown = refit_json(audit, generated.result, false);
    CHECK(shown.find("\"viewer\": \"uncleared") != std::string::npos);
    CHECK(shown.find("\"withheld_children\": 0") == std::string::npos);
    const std::string all = refit_json(audit, generated.result, true);
    CHECK(all.find("\"withheld_children\": 0") != std::string::npos);

    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_amend(batch, "concern", concern.c_str(), "severity", severity.c_str()) ==
            SG_OK);
    REQUIRE_MESSAGE(sg_graph_apply(generated.graph, batch) == SG_OK, sg_error_last());
    sg_batch_free(batch);
    sg_result* marked = nullptr;
    sg_assess_options assess = SG_ASSESS_OPTIONS_INIT;
    assess.as_of = "2026-11-01";
    REQUIRE(sg_assess(&marked, generated.graph, generated.rules, &assess) == SG_OK);
    CHECK(refit_json(audit, marked, false) == shown);
    CHECK(refit_json(audit_flipped, generated.result, false) == shown);
    CHECK(refit_json(audit_flipped, marked, false) == shown);
    // Cleared for everything, the reader's fit takes every child, and the marker moves it.
    CHECK(refit_json(audit, marked, true) != all);
    CHECK(refit_json(audit_flipped, generated.result, true) != all);
    // A version 1 struct (before the viewer) reads as a reader cleared for nothing.
    sg_refit_options old = SG_REFIT_OPTIONS_INIT;
    old.version = 1;
    char* out = nullptr;
    size_t size = 0;
    REQUIRE(sg_audit_refit(&out, &size, audit, generated.result, &old) == SG_OK);
    CHECK(std::string(out, size) == shown);
    sg_buffer_free(out);
    sg_result_free(marked);
    sg_audit_free(audit_flipped);
    sg_audit_free(audit);
  }

  TEST_CASE("sg_audit_run gives the C++ audit's JSON and CSV, and flags the planted disparity") {
    Generated generated(3000, 5);
    const safeguard::PlantedTruth truth = planted(3000, 5);
    const std::string outcomes = safeguard::outcomes_csv(truth.outcomes);
    const std::string groups = safeguard::groups_csv(truth.groups);
    sg_audit* audit = nullptr;
    REQUIRE(sg_audit_new(&audit, outcomes.data(), outcomes.size(), "outcomes.csv") == SG_OK);
    REQUIRE(sg_audit_set_groups(audit, groups.data(), groups.size(), "groups.csv") == SG_OK);
    CHECK(sg_audit_check_rules(audit, generated.rules) == SG_OK);
    const std::string json = run(audit, generated.result, SG_FORMAT_JSON);
    CHECK(json.find("\"table\": \"discrimination\"") != std::string::npos);
    CHECK(json.find("planted_group = B: outcome rate at level 'universal'") != std::string::npos);
    CHECK(json.find("control_group = ") == std::string::npos);
    const std::string csv = run(audit, generated.result, SG_FORMAT_CSV);
    CHECK(csv.rfind("table,measure,attribute,group,level,level_id,count,denominator,", 0) == 0);
    const std::string html = run(audit, generated.result, SG_FORMAT_HTML);
    CHECK(html.find("<html lang=\"en\">") != std::string::npos);
    CHECK(json == run(audit, generated.result, SG_FORMAT_JSON));
    sg_audit_free(audit);
  }

  TEST_CASE("a pack reading a protected attribute is refused through C, naming the rule") {
    Generated generated(50, 2);
    const std::string outcomes = "child_id,outcome\n";
    const std::string groups = "child_id,disability\n";
    sg_audit* audit = nullptr;
    REQUIRE(sg_audit_new(&audit, outcomes.data(), outcomes.size(), nullptr) == SG_OK);
    REQUIRE(sg_audit_set_groups(audit, groups.data(), groups.size(), "groups.csv") == SG_OK);
    CHECK(sg_audit_check_rules(audit, generated.rules) == SG_E_INVALID_DATA);
    const std::string message = sg_error_last();
    CHECK(message.find("rule 'disabled-child' compares child.flags against \"disability\"") !=
          std::string::npos);
    const sg_error_detail* detail = sg_error_last_detail();
    REQUIRE(detail != nullptr);
    CHECK(std::string(detail->entity) == "disabled-child");
    CHECK(detail->line > 0);
    char* out = nullptr;
    sg_audit_options options = SG_AUDIT_OPTIONS_INIT;
    CHECK(sg_audit_run(&out, nullptr, audit, generated.result, &options) == SG_E_INVALID_DATA);
    CHECK(out == nullptr);
    sg_audit_free(audit);
  }

  TEST_CASE("bad files are refused naming file, line and id, a failed set keeps the groups") {
    const std::string bad = "child_id,outcome\nP-A-C1,1\nP-A-C2,yes\n";
    sg_audit* audit = nullptr;
    CHECK(sg_audit_new(&audit, bad.data(), bad.size(), "outcomes.csv") == SG_E_INVALID_DATA);
    CHECK(audit == nullptr);
    CHECK(std::string(sg_error_last()) ==
          "outcomes.csv:3:8: entity 'P-A-C2': outcome must be 0 or 1, not 'yes'");
    Generated generated(20, 3);
    const std::string stranger = "child_id,outcome\nP-NOBODY-C1,1\n";
    REQUIRE(sg_audit_new(&audit, stranger.data(), stranger.size(), "outcomes.csv") == SG_OK);
    const std::string dup = "child_id,area\nP-X,north\nP-X,south\n";
    CHECK(sg_audit_set_groups(audit, dup.data(), dup.size(), "groups.csv") == SG_E_DUPLICATE);
    char* out = nullptr;
    sg_audit_options options = SG_AUDIT_OPTIONS_INIT;
    CHECK(sg_audit_run(&out, nullptr, audit, generated.result, &options) == SG_E_NOT_FOUND);
    CHECK(std::string(sg_error_last()) ==
          "outcomes.csv:2:1: entity 'P-NOBODY-C1': no child with this id in the assessment");
    sg_audit_free(audit);
  }

  TEST_CASE("sg_audit_what_if gives the C++ what-if's JSON and CSV at any thread count") {
    Generated generated(800, 7);
    const safeguard::PlantedTruth truth = planted(800, 7);
    const std::string outcomes = safeguard::outcomes_csv(truth.outcomes);
    const std::string groups = safeguard::groups_csv(truth.groups);
    sg_audit* audit = nullptr;
    REQUIRE(sg_audit_new(&audit, outcomes.data(), outcomes.size(), "outcomes.csv") == SG_OK);
    REQUIRE(sg_audit_set_groups(audit, groups.data(), groups.size(), "groups.csv") == SG_OK);
    const std::string spec = "remove = [\"multi-agency-corroboration\"]\n";
    const char* everything[] = {"*"};
    const auto what_if = [&](int format, unsigned threads, bool cleared = false) {
      sg_what_if_options options = SG_WHAT_IF_OPTIONS_INIT;
      options.format = format;
      options.threads = threads;
      if (cleared) {
        options.viewer_cleared = everything;
        options.viewer_cleared_count = 1;
      }
      options.spec = spec.data();
      options.spec_size = spec.size();
      char* out = nullptr;
      size_t size = 0;
      const int status = sg_audit_what_if(&out, &size, audit, generated.result, &options);
      REQUIRE_MESSAGE(status == SG_OK, sg_error_last());
      std::string text(out, size);
      sg_buffer_free(out);
      return text;
    };
    // The C++ report on the same caseload.
    safeguard::CaseloadOptions options;
    options.children = 800;
    options.seed = 7;
    safeguard::CaseGraph graph;
    safeguard::generate_caseload(graph, options);
    const safeguard::Results results =
        safeguard::assess(safeguard::load_bundled_pack("default"), safeguard::take_snapshot(graph),
                          safeguard::AssessOptions(options.as_of, 1));
    const safeguard::WhatIfReport report = safeguard::what_if(
        results, safeguard::parse_what_if_toml(spec, "what-if spec"), truth.groups);
    CHECK(what_if(SG_FORMAT_JSON, 1) == safeguard::what_if_json(report));
    CHECK(what_if(SG_FORMAT_JSON, 4) == safeguard::what_if_json(report));
    CHECK(what_if(SG_FORMAT_CSV, 2) == safeguard::what_if_csv(report));
    // The default reader is cleared for nothing: children whose results draw on restricted
    // evidence are only counted. A reader cleared for everything sees them move.
    CHECK(report.withheld_children > 0);
    safeguard::WhatIfOptions everyone;
    everyone.viewer = safeguard::Viewer::everyone();
    const safeguard::WhatIfReport all = safeguard::what_if(
        results, safeguard::parse_what_if_toml(spec, "what-if spec"), truth.groups, everyone);
    CHECK(all.withheld_children == 0);
    CHECK_FALSE(all.changed.empty());
    CHECK(what_if(SG_FORMAT_JSON, 2, true) == safeguard::what_if_json(all));

    // An unknown rule: SG_E_NOT_FOUND naming it and its place in the spec.
    const std::string bad = "remove = [\"multi-agency-corroboration\", \"no-such-rule\"]\n";
    sg_what_if_options options_bad = SG_WHAT_IF_OPTIONS_INIT;
    options_bad.spec = bad.data();
    options_bad.spec_size = bad.size();
    char* out = nullptr;
    CHECK(sg_audit_what_if(&out, nullptr, audit, generated.result, &options_bad) == SG_E_NOT_FOUND);
    CHECK(out == nullptr);
    CHECK(std::string(sg_error_last())
              .find("what-if spec:1:41: entity 'no-such-rule': unknown rule 'no-such-rule'") !=
          std::string::npos);
    sg_audit_free(audit);
  }

  TEST_CASE("sg_audit_set_record_groups_at: a store's record as known then audits as its export") {
    // The census return (Sex, Ethnicity as group attributes) in a record, then a later batch
    // adding a child: as known at the first batch, the audit from the record must equal the audit
    // of the case file sg_record_export writes for that time; as known now, of today's.
    Census census;
    char* saved = nullptr;
    size_t saved_size = 0;
    REQUIRE(sg_graph_save_buffer(&saved, &saved_size, census.graph) == SG_OK);
    const std::string case_text = taken(saved, saved_size);
    sg_record* record = nullptr;
    REQUIRE(sg_record_new(&record) == SG_OK);
    sg_provenance who = SG_PROVENANCE_INIT;
    who.recorded_at = 1'790'000'000;
    who.author = "loader";
    REQUIRE(sg_record_import_buffer(nullptr, record, case_text.data(), case_text.size(),
                                    "return.json", &who) == SG_OK);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    sg_person child = SG_PERSON_INIT;
    child.id = "P-LATE-C1";
    child.dob = "2019-04-01";
    REQUIRE(sg_batch_add_person(batch, &child) == SG_OK);
    who.recorded_at = 1'790'086'400;
    REQUIRE(sg_record_apply(nullptr, record, batch, &who) == SG_OK);
    sg_batch_free(batch);

    const std::string outcomes = kCensusOutcomes;
    sg_audit_options options = SG_AUDIT_OPTIONS_INIT;
    options.bootstrap = 100;
    sg_assess_options assess = SG_ASSESS_OPTIONS_INIT;
    assess.as_of = "2025-03-31";
    std::string reports[2];
    const long long times[] = {1'790'000'000, SG_KNOWN_ALL};
    for (int t = 0; t < 2; ++t) {
      CAPTURE(t);
      sg_result* stored = nullptr;
      REQUIRE(sg_record_assess(&stored, record, census.rules, &assess, times[t]) == SG_OK);
      sg_audit* from_store = census_audit(outcomes);
      REQUIRE_MESSAGE(
          sg_audit_set_record_groups_at(from_store, record, "2025-03-31", times[t]) == SG_OK,
          sg_error_last());
      // The case file of that time, loaded, assessed and audited with its own attributes.
      char* exported = nullptr;
      size_t exported_size = 0;
      REQUIRE(sg_record_export(&exported, &exported_size, record, "2025-03-31", times[t]) == SG_OK);
      const std::string then = taken(exported, exported_size);
      sg_graph* graph = nullptr;
      REQUIRE(sg_graph_new(&graph) == SG_OK);
      REQUIRE(sg_graph_load_buffer(graph, then.data(), then.size(), "then.json") == SG_OK);
      sg_result* from_file = nullptr;
      REQUIRE(sg_assess(&from_file, graph, census.rules, &assess) == SG_OK);
      sg_audit* exported_audit = census_audit(outcomes);
      REQUIRE(sg_audit_set_record_groups(exported_audit, graph) == SG_OK);
      for (const size_t below : {size_t{5}, size_t{0}}) {
        options.suppress_below = below;
        for (const int format : {SG_FORMAT_JSON, SG_FORMAT_CSV}) {
          options.format = format;
          CHECK(run_with(from_store, stored, options) ==
                run_with(exported_audit, from_file, options));
        }
      }
      options.format = SG_FORMAT_JSON;
      reports[t] = run_with(from_store, stored, options);
      sg_audit_free(exported_audit);
      sg_result_free(from_file);
      sg_graph_free(graph);
      sg_audit_free(from_store);
      sg_result_free(stored);
    }
    CHECK(reports[0].find("\"children\": 6,") != std::string::npos);
    CHECK(reports[1].find("\"children\": 7,") != std::string::npos);
    // Misuse: refused, and the audit keeps what it had.
    sg_audit* audit = census_audit(outcomes);
    CHECK(sg_audit_set_record_groups_at(audit, nullptr, "2025-03-31", SG_KNOWN_ALL) ==
          SG_E_INVALID_ARGUMENT);
    CHECK(sg_audit_set_record_groups_at(nullptr, record, "2025-03-31", SG_KNOWN_ALL) ==
          SG_E_INVALID_ARGUMENT);
    CHECK(sg_audit_set_record_groups_at(audit, record, nullptr, SG_KNOWN_ALL) ==
          SG_E_INVALID_ARGUMENT);
    CHECK(sg_audit_set_record_groups_at(audit, record, "2025-02-30", SG_KNOWN_ALL) != SG_OK);
    options.suppress_below = 0;
    CHECK(run_with(audit, census.result, options).find("\"attributes\": []") != std::string::npos);
    sg_audit_free(audit);
    sg_record_free(record);
  }

  TEST_CASE("suppress_below: the census's six children are never counted in a shared report") {
    Census census;
    sg_audit* audit = census_audit(kCensusOutcomes);
    REQUIRE(sg_audit_set_record_groups(audit, census.graph) == SG_OK);
    sg_audit_options options = SG_AUDIT_OPTIONS_INIT;
    CHECK(options.suppress_below == 5);
    options.bootstrap = 0;
    options.format = SG_FORMAT_CSV;
    const std::string shared = run_with(audit, census.result, options);
    // Every group has one or two children: no line by group shows a count.
    std::size_t group_lines = 0;
    for (std::size_t at = shared.find("\nlevel_distribution,"); at != std::string::npos;
         at = shared.find("\nlevel_distribution,", at + 1)) {
      const std::string line = shared.substr(at + 1, shared.find('\n', at + 1) - at - 1);
      CHECK_MESSAGE(line.find(",c,c,c,c,c,c,c,c,") != std::string::npos, line);
      ++group_lines;
    }
    CHECK(group_lines > 0);
    // A version 1 struct (before disclosure control) gets the safe default.
    options.version = 1;
    CHECK(run_with(audit, census.result, options) == shared);
    options.version = SG_AUDIT_OPTIONS_VERSION;
    options.suppress_below = 0;
    const std::string own = run_with(audit, census.result, options);
    CHECK(own.find(",c,") == std::string::npos);
    CHECK(own.find("level_distribution,share,Sex,M,0,universal,") != std::string::npos);

    sg_what_if_options what = SG_WHAT_IF_OPTIONS_INIT;
    CHECK(what.suppress_below == 5);
    const std::string spec = "remove = [\"disabled-child\"]\n";
    what.spec = spec.data();
    what.spec_size = spec.size();
    what.format = SG_FORMAT_CSV;
    char* out = nullptr;
    size_t size = 0;
    REQUIRE(sg_audit_what_if(&out, &size, audit, census.result, &what) == SG_OK);
    const std::string moved = taken(out, size);
    CHECK(moved.find("transitions,Sex,F,,universal,universal,c,") != std::string::npos);
    what.suppress_below = 0;
    REQUIRE(sg_audit_what_if(&out, &size, audit, census.result, &what) == SG_OK);
    CHECK(taken(out, size).find(",c,") == std::string::npos);
    sg_audit_free(audit);
  }
}
