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

}  // namespace

TEST_SUITE("capi/c_api_audit") {
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
}
