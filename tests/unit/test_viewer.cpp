// Viewer-scoped explanations: restricted evidence counts in every score, but no rendering (text
// or JSON, through C++ or the C API) shows an uncleared viewer anything that identifies it —
// its id, category, source agency (id, type, name), dates, summary, the person it is about, or
// the raw points and decay from which severity and date could be worked out. Every such detail
// is a unique marker string here, searched for in every rendering.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "safeguard.h"
#include "safeguard/io.hpp"

using namespace safeguard;

namespace {

// A case whose restricted concern carries a marker in every field that can hold one. Dates
// and numbers are chosen so that their renderings appear nowhere else.
const char* kCase = R"({
  "schema_version": 1,
  "agencies": [
    {"id": "AG-MRK-7QX", "type": "mrktype-intel-3zv", "name": "MRKNAME Fictional Unit 5kd"},
    {"id": "AG-VW-SCH", "type": "school"}
  ],
  "households": [{"id": "HH-VW"}],
  "persons": [
    {"id": "P-VW-C1", "kind": "child", "dob": "2017-06-01", "household": "HH-VW"},
    {"id": "P-MRK-ADULT-8JD", "kind": "adult", "dob": "1988-02-02", "household": "HH-VW"}
  ],
  "concerns": [
    {"id": "C-MRK-ID-9XW", "category": "mrkcat-k2f9", "severity": 4, "incident": "2026-03-17",
     "recorded": "2026-03-19", "source": "AG-MRK-7QX", "restricted": true,
     "about": ["P-MRK-ADULT-8JD"], "summary": "MRKSUMMARY-77 fictional detail"},
    {"id": "C-VW-OPEN", "category": "school_attendance", "severity": 2, "incident": "2026-10-01",
     "recorded": "2026-10-02", "source": "AG-VW-SCH", "about": ["P-VW-C1"]}
  ],
  "relations": [{"kind": "parent_of", "from": "P-MRK-ADULT-8JD", "to": "P-VW-C1"}]
})";

// Scores every concern by its severity, with a half-life (so decay reveals the date) and a
// reach factor for carers; the rule names say nothing about the evidence.
const char* kPack = R"([pack]
id = "viewer"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 2.5
[[index]]
id = "risk"
[[rule]]
id = "any-concern"
title = "A concern"
index = "risk"
heading = "harm"
for = "concern"
points = "concern.severity * 1.3"
half_life_days = 97
reach = { self = 1.0, carer = 0.7 }
)";

// Everything about the restricted concern an uncleared viewer must not see.
const std::vector<std::string> kMarkers = {
    "C-MRK-ID-9XW", "mrkcat-k2f9", "AG-MRK-7QX", "mrktype-intel-3zv", "MRKNAME",
    "2026-03-17",   "2026-03-19",  "MRKSUMMARY", "P-MRK-ADULT-8JD",
    "5.20",  // raw points: severity 4 x 1.3 (reveals the severity)
    "5.2,",  // the same in JSON
};

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

struct Fixture {
  CaseGraph graph;
  std::shared_ptr<const RuleSet> rules = RuleSet::load_string(kPack, "viewer.toml");
  Results results;
  std::size_t row = 0;
  Fixture() : results(make()) {
    const long found = results.find_child("P-VW-C1");
    REQUIRE(found >= 0);
    row = static_cast<std::size_t>(found);
  }
  Results make() {
    load_case(graph, kCase, "viewer.json");
    return assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
  }
  const Contribution* restricted_contribution() const {
    for (const Contribution* c = results.contributions_begin(row);
         c != results.contributions_end(row); ++c) {
      if (results.vertex_id(c->evidence) == "C-MRK-ID-9XW") return c;
    }
    return nullptr;
  }
};

void check_no_markers(const std::string& rendering) {
  for (const std::string& marker : kMarkers) {
    CAPTURE(marker);
    CHECK_MESSAGE(rendering.find(marker) == std::string::npos, rendering);
  }
}

void check_all_markers(const std::string& rendering) {
  for (const char* marker : {"C-MRK-ID-9XW", "AG-MRK-7QX", "P-MRK-ADULT-8JD"}) {
    CAPTURE(marker);
    CHECK(rendering.find(marker) != std::string::npos);
  }
}

}  // namespace

TEST_SUITE("unit/viewer") {
  TEST_CASE("restricted evidence counts in the score whoever is looking") {
    Fixture f;
    const Contribution* c = f.restricted_contribution();
    REQUIRE(c != nullptr);
    CHECK(c->value > 0);
    CHECK(c->raw == doctest::Approx(5.2));
    CHECK(c->reach == doctest::Approx(0.7));
    CHECK(c->decay < 1);
    double sum = 0;
    for (const Contribution* k = f.results.contributions_begin(f.row);
         k != f.results.contributions_end(f.row); ++k)
      sum += k->value;
    CHECK(f.results.score(f.row, 0) == sum);
    // The restricted concern is what lifts the child to "high".
    CHECK(f.results.score(f.row, 0) - c->value < 2.5);
    CHECK(f.results.level(f.row) == 1);
  }

  TEST_CASE("uncleared viewers see 'restricted source' and the points, nothing else") {
    Fixture f;
    const std::string value = [&] {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.2f", f.restricted_contribution()->value);
      return std::string(buffer);
    }();
    for (const Viewer& viewer : {Viewer{}, Viewer{{"AG-VW-SCH", "school", "police"}, false},
                                 Viewer{{"mrktype"}, false}, Viewer{{"AG-MRK"}, false}}) {
      const std::string text = explain(f.results, f.row, ExplainFormat::text, viewer);
      const std::string json = explain(f.results, f.row, ExplainFormat::json, viewer);
      check_no_markers(text);
      check_no_markers(json);
      // Nor the decay, from which the date could be worked out (half-life 97 days).
      char decay[32];
      std::snprintf(decay, sizeof decay, "%.3f", f.restricted_contribution()->decay);
      CHECK(text.find(decay) == std::string::npos);
      std::snprintf(decay, sizeof decay, "%.6g", f.restricted_contribution()->decay);
      CHECK(json.find(decay) == std::string::npos);
      CHECK(text.find("restricted source") != std::string::npos);
      CHECK(text.find(value) != std::string::npos);
      CHECK(json.find("\"evidence\": \"restricted source\"") != std::string::npos);
      // Unrestricted evidence stays in full view.
      CHECK(text.find("C-VW-OPEN from AG-VW-SCH (school)") != std::string::npos);
      CHECK(json.find("\"C-VW-OPEN\"") != std::string::npos);
    }
  }

  TEST_CASE("viewers cleared by agency id, agency type or for everything see the details") {
    Fixture f;
    for (const Viewer& viewer :
         {Viewer{{"AG-MRK-7QX"}, false}, Viewer{{"mrktype-intel-3zv"}, false}, Viewer{{"*"}, false},
          Viewer{{}, true}}) {
      const std::string text = explain(f.results, f.row, ExplainFormat::text, viewer);
      const std::string json = explain(f.results, f.row, ExplainFormat::json, viewer);
      check_all_markers(text);
      check_all_markers(json);
      CHECK(text.find("restricted source") == std::string::npos);
      CHECK(json.find("\"decay\"") != std::string::npos);
    }
  }

  TEST_CASE("the C API renders for the viewer it is given, defaulting to uncleared") {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_buffer(graph, kCase, std::strlen(kCase), "viewer.json") == SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_buffer(&rules, kPack, std::strlen(kPack), "viewer.toml") == SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-01";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    std::size_t row = 0;
    REQUIRE(sg_result_find_child(&row, result, "P-VW-C1") == SG_OK);
    auto render = [&](int format, std::vector<const char*> cleared) {
      sg_explain_options explain_options = SG_EXPLAIN_OPTIONS_INIT;
      explain_options.format = format;
      explain_options.viewer_cleared = cleared.empty() ? nullptr : cleared.data();
      explain_options.viewer_cleared_count = cleared.size();
      char* text = nullptr;
      REQUIRE(sg_result_explain(&text, nullptr, result, row, &explain_options) == SG_OK);
      const std::string out = text;
      sg_buffer_free(text);
      return out;
    };
    for (int format : {SG_FORMAT_TEXT, SG_FORMAT_JSON}) {
      check_no_markers(render(format, {}));
      check_no_markers(render(format, {"school", "AG-VW-SCH"}));
      check_all_markers(render(format, {"AG-MRK-7QX"}));
      check_all_markers(render(format, {"*"}));
    }
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("error messages name ids, never details") {
    // A rejected restricted concern: the message names the entity and the place, not the
    // summary or category.
    CaseGraph graph;
    load_case(graph, kCase, "viewer.json");
    try {
      load_case(graph, R"({"schema_version": 1, "concerns": [{"id": "C-MRK-2", "category":
        "mrkcat-k2f9", "severity": 9, "recorded": "2026-03-19", "source": "AG-MRK-7QX",
        "restricted": true, "about": ["P-VW-C1"], "summary": "MRKSUMMARY-77"}]})",
                "more.json");
      FAIL("loaded a concern with severity 9");
    } catch (const Error& e) {
      const std::string message = e.what();
      CHECK(message.find("entity 'C-MRK-2'") != std::string::npos);
      CHECK(message.find("MRKSUMMARY") == std::string::npos);
      CHECK(message.find("mrkcat") == std::string::npos);
    }
  }
}
