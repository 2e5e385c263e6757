// The leak test of the view layer (explain.hpp): every output an uncleared viewer can get from
// the library over a case with restricted evidence — the views themselves, the text and JSON
// explanations of the child and of the place, and the C API's explanations and viewer-scoped
// contribution fields — holds none of the restricted concern's details. The case
// (tests/data/views/) gives every detail a marker string found nowhere else; the CLI's CSV,
// report and ecomap and Python's frames are checked for the same markers in
// tools/tests/test_cli.py and bindings/python/tests/test_views.py. The renderings (report,
// family version, ecomap, timeline; C++ and C) are checked here too.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "safeguard.h"
#include "safeguard/explain.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"
#include "safeguard/render.hpp"
#include "safeguard/snapshot.hpp"

using namespace safeguard;

namespace {

const std::string kDir = std::string(SAFEGUARD_TEST_DATA_DIR) + "/views/";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Everything about the restricted concern an uncleared viewer must not learn: its id, category,
// source (id, type, name), dates, summary, the person it is about and the path by which it
// reaches the child (through that person, a carer), the id and title of the rule that fired
// only on it, and its raw points (severity 4 x 1.3, which would reveal the severity).
const std::vector<std::string> kMarkers = {
    "C-MRK-ID-9XW", "mrkcat-k2f9", "AG-MRK-7QX", "mrktype-intel-3zv", "MRKNAME", "2026-03-17",
    "2026-03-19", "MRKSUMMARY", "P-MRK-ADULT-8JD", "carer", "mrkrule-only", "MRKRULETITLE",
    "mrkoverride-vw", "MRKOVERRIDEREASON", "5.20", "5.2,",
    // Its restricted entries (a scaling judgement, the child's words): never shown, not even
    // that they exist.
    "N-MRK-ENTRY-4QP", "N-MRK-VOICE-8ZD", "MRKAUTHOR", "MRKQUESTION", "MRKENTRYTEXT", "2026-03-18",
    "2/10", "2 out of 10"};

// Viewers cleared for nothing, for other agencies, or by a prefix of the right name.
const std::vector<Viewer> kUncleared = {Viewer{}, Viewer{{"AG-VW-SCH", "school", "police"}, false},
                                        Viewer{{"mrktype"}, false}, Viewer{{"AG-MRK"}, false}};

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

struct Fixture {
  CaseGraph graph;
  std::shared_ptr<const RuleSet> rules = RuleSet::load_file(kDir + "pack.toml");
  Results results;
  std::size_t row = 0;
  Fixture() : results(make()) {
    const long found = results.find_child("P-VW-C1");
    REQUIRE(found >= 0);
    row = static_cast<std::size_t>(found);
    REQUIRE(results.place_count() == 1);
  }
  Results make() {
    load_case_file(graph, kDir + "case.json");
    return assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
  }
};

// Every output of the library for `viewer`, each named for the failure message.
std::vector<std::pair<std::string, std::string>> outputs(const Fixture& f, const Viewer& viewer) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("explain text", explain(f.results, f.row, ExplainFormat::text, viewer));
  out.emplace_back("explain json", explain(f.results, f.row, ExplainFormat::json, viewer));
  out.emplace_back("place text", explain_place(f.results, 0, ExplainFormat::text, viewer));
  out.emplace_back("place json", explain_place(f.results, 0, ExplainFormat::json, viewer));
  auto lines_text = [](const std::vector<LineView>& lines) {
    std::string text;
    for (const LineView& l : lines) {
      for (std::string_view field :
           {l.rule_id, l.title, l.index_id, l.index_title, l.evidence.id, l.evidence.category,
            l.evidence.agency_id, l.evidence.agency_type, l.evidence.agency_name,
            l.evidence.provided_by, l.evidence.summary, l.via_id, l.path, l.relation}) {
        text += std::string(field) + "|";
      }
      text += format_iso_date(l.evidence.date) + format_iso_date(l.evidence.incident) +
              format_iso_date(l.evidence.recorded) + "|";
      char raw[32];
      std::snprintf(raw, sizeof raw, "%.2f|", l.raw);
      text += raw;
    }
    return text;
  };
  out.emplace_back("child views", lines_text(view_contributions(f.results, f.row, viewer)));
  // The circle the ecomap draws: its concerns and factors carry evidence details. (Its members
  // are not restricted: the carer is in the picture whatever the viewer's clearance.)
  const CircleView circle = view_circle(f.results, f.row, viewer);
  std::string circle_text;
  auto evidence_text = [&](const EvidenceView& e) {
    for (std::string_view field :
         {e.id, e.category, e.agency_id, e.agency_type, e.agency_name, e.provided_by, e.summary})
      circle_text += std::string(field) + "|";
    circle_text += format_iso_date(e.incident) + format_iso_date(e.recorded) + "|";
  };
  for (const EvidenceView& e : circle.concerns) evidence_text(e);
  for (const FactorCircleView& factor : circle.factors) evidence_text(factor.evidence);
  out.emplace_back("circle view", circle_text);
  out.emplace_back("place views", lines_text(view_place_contributions(f.results, 0, viewer)));
  std::string overrides;
  for (const OverrideView& o : view_overrides(f.results, f.row, viewer))
    overrides += std::string(o.id) + "|" + std::string(o.reason) + "|";
  out.emplace_back("override views", overrides);
  return out;
}

// The same through the C API, for a viewer given by its clearances.
std::vector<std::pair<std::string, std::string>> c_outputs(const std::vector<const char*>& cleared,
                                                           bool* working_withheld) {
  std::vector<std::pair<std::string, std::string>> out;
  sg_graph* graph = nullptr;
  REQUIRE(sg_graph_new(&graph) == SG_OK);
  REQUIRE(sg_graph_load_file(graph, (kDir + "case.json").c_str()) == SG_OK);
  sg_rules* rules = nullptr;
  REQUIRE(sg_rules_load_file(&rules, (kDir + "pack.toml").c_str()) == SG_OK);
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  options.as_of = "2026-11-01";
  sg_result* result = nullptr;
  REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
  std::size_t row = 0;
  REQUIRE(sg_result_find_child(&row, result, "P-VW-C1") == SG_OK);
  sg_explain_options viewer = SG_EXPLAIN_OPTIONS_INIT;
  viewer.viewer_cleared = cleared.empty() ? nullptr : cleared.data();
  viewer.viewer_cleared_count = cleared.size();
  for (int format : {SG_FORMAT_TEXT, SG_FORMAT_JSON}) {
    viewer.format = format;
    char* text = nullptr;
    REQUIRE(sg_result_explain(&text, nullptr, result, row, &viewer) == SG_OK);
    out.emplace_back("sg_result_explain", text);
    sg_buffer_free(text);
    REQUIRE(sg_result_place_explain(&text, nullptr, result, 0, &viewer) == SG_OK);
    out.emplace_back("sg_result_place_explain", text);
    sg_buffer_free(text);
  }
  viewer.format = SG_FORMAT_TEXT;
  auto fields = [&](const sg_contribution& c) {
    std::string text;
    for (const char* field :
         {c.rule_id, c.rule_title, c.index_id, c.heading, c.evidence_id, c.via_id, c.path,
          c.source_agency_id, c.kind, c.relation, c.via_kind}) {
      text += std::string(field ? field : "") + "|";
    }
    char raw[32];
    std::snprintf(raw, sizeof raw, "%.2f|", c.raw);
    if (c.restricted && working_withheld)
      *working_withheld = *working_withheld && std::isnan(c.raw) && std::isnan(c.decay) &&
                          std::isnan(c.reach) && std::isnan(c.cap_factor);
    return text + raw;
  };
  sg_child_result child = SG_CHILD_RESULT_INIT;
  REQUIRE(sg_result_child(&child, result, row) == SG_OK);
  std::string lines;
  double total = 0, contextual = 0;
  for (std::size_t k = 0; k < child.contribution_count; ++k) {
    sg_contribution c = SG_CONTRIBUTION_INIT;
    REQUIRE(sg_result_contribution_for(&c, result, row, k, &viewer) == SG_OK);
    lines += fields(c);
    (std::string(c.kind) == "propagated" ? contextual : total) += c.value;
  }
  // The pack keeps contextual risk apart (its default): the own lines give the total, the
  // propagated lines the contextual points as the viewer may attribute them (the yard's
  // restricted intelligence apart), and those with the withheld ones the host's.
  double host_contextual = 0;
  REQUIRE(sg_result_contextual(&host_contextual, nullptr, result, row) == SG_OK);
  std::size_t indices = 0;
  REQUIRE(sg_result_index_count(&indices, result) == SG_OK);
  std::vector<double> scoped(indices);
  double network_withheld = -1;
  REQUIRE(sg_result_contextual_for(scoped.data(), &network_withheld, result, row, 1, &viewer) ==
          SG_OK);
  double expected_contextual = 0;
  for (double score : scoped) expected_contextual += score;
  CHECK(total == doctest::Approx(child.total).epsilon(1e-12));
  CHECK(contextual == doctest::Approx(expected_contextual).epsilon(1e-12));
  CHECK(expected_contextual + network_withheld == doctest::Approx(host_contextual).epsilon(1e-12));
  out.emplace_back("sg_result_contribution_for", lines);
  sg_place_result place = SG_PLACE_RESULT_INIT;
  REQUIRE(sg_result_place(&place, result, 0) == SG_OK);
  lines.clear();
  for (std::size_t k = 0; k < place.contribution_count; ++k) {
    sg_contribution c = SG_CONTRIBUTION_INIT;
    REQUIRE(sg_result_place_contribution_for(&c, result, 0, k, &viewer) == SG_OK);
    lines += fields(c);
  }
  out.emplace_back("sg_result_place_contribution_for", lines);
  lines.clear();
  for (std::size_t k = 0; k < child.override_count; ++k) {
    const char* id = nullptr;
    const char* reason = nullptr;
    int restricted = -1;
    REQUIRE(sg_result_override_for(&id, &reason, &restricted, result, row, k, &viewer) == SG_OK);
    CHECK((restricted == 1) == (id == nullptr));
    lines += std::string(id ? id : "") + "|" + reason + "|";
  }
  out.emplace_back("sg_result_override_for", lines);
  sg_result_free(result);
  sg_rules_free(rules);
  sg_graph_free(graph);
  return out;
}

// The markers found in `text`.
std::vector<std::string> leaks(const std::string& text) {
  std::vector<std::string> found;
  for (const std::string& marker : kMarkers) {
    if (text.find(marker) != std::string::npos) found.push_back(marker);
  }
  return found;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += item + " ";
  return out;
}

}  // namespace

TEST_SUITE("unit/views") {
  // A rule about the child (no evidence of its own) that fires only because of a restricted
  // concern: its title and id tell what that concern is about. The joining work's marker case
  // holds one (mrkchild-only, "MRKCHILDTITLE"); it was shown to every reader.
  TEST_CASE("a rule about the child that fired only on restricted evidence is withheld") {
    const std::string dir = SAFEGUARD_SOURCE_DIR "/tests/data/joining/";
    CaseGraph graph;
    load_case_file(graph, dir + "case.json");
    const auto rules = RuleSet::load_file(dir + "pack.toml");
    const Results results = assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
    const long found = results.find_child("P-JN-C1");
    REQUIRE(found >= 0);
    const auto row = static_cast<std::size_t>(found);
    int flagged = 0;
    for (const Contribution* c = results.contributions_begin(row);
         c != results.contributions_end(row); ++c)
      flagged += c->restricted_basis ? 1 : 0;
    // mrkchild-only, and "three agencies" too: without the restricted concern only two
    // agencies hold worries, so its title would tell a reader that a third one does.
    CHECK(flagged == 2);
    const std::string uncleared = explain(results, row, ExplainFormat::text, Viewer{});
    CHECK(uncleared.find("MRKCHILDTITLE") == std::string::npos);
    CHECK(uncleared.find("mrkchild-only") == std::string::npos);
    CHECK(uncleared.find("Three agencies hold worries") == std::string::npos);
    const std::string json = explain(results, row, ExplainFormat::json, Viewer{{"school"}, false});
    CHECK(json.find("MRKCHILDTITLE") == std::string::npos);
    // A reader cleared for the restricted concern's agency sees it; the points are the same.
    const Viewer cleared{{"AG-MRK-7QX"}, false};
    CHECK(explain(results, row, ExplainFormat::text, cleared).find("MRKCHILDTITLE") !=
          std::string::npos);
    double shown = 0, withheld = 0;
    for (const LineView& line : view_contributions(results, row, cleared)) shown += line.value;
    for (const LineView& line : view_contributions(results, row, Viewer{})) withheld += line.value;
    CHECK(shown == withheld);
  }

  // A policy override whose condition holds only because of a restricted concern: its id and
  // reason tell what that concern is about. The marker case holds one (mrkoverride-only,
  // "MRKOVERRIDEREASON"); its id and reason were shown to every reader.
  TEST_CASE("a policy override that fired only on restricted evidence is withheld") {
    const std::string dir = SAFEGUARD_SOURCE_DIR "/tests/data/joining/";
    CaseGraph graph;
    load_case_file(graph, dir + "case.json");
    const auto rules = RuleSet::load_file(dir + "pack.toml");
    for (unsigned threads : {1u, 3u}) {
      CAPTURE(threads);
      const Results results = assess(rules, take_snapshot(graph), {day("2026-11-01"), threads});
      const long found = results.find_child("P-JN-C1");
      REQUIRE(found >= 0);
      const auto row = static_cast<std::size_t>(found);
      REQUIRE(results.overrides_end(row) - results.overrides_begin(row) == 1);
      CHECK(results.override_restricted_basis(row, 0));
      int mid = -1;
      for (std::size_t l = 0; l < rules->levels().size(); ++l)
        if (rules->levels()[l].id == "mid") mid = static_cast<int>(l);
      REQUIRE(mid >= 0);
      CHECK(results.level(row) >= mid);  // the override's effect stays for every reader

      const Viewer cleared{{"AG-MRK-7QX"}, false};
      for (const Viewer& viewer : {Viewer{}, Viewer{{"school", "AG-JN-GP"}, false}}) {
        const std::vector<OverrideView> seen = view_overrides(results, row, viewer);
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].withheld());
        CHECK(seen[0].id.empty());
        CHECK(seen[0].reason == kRestrictedOverride);
        CHECK(seen[0].min_level == mid);
        for (ExplainFormat format : {ExplainFormat::text, ExplainFormat::json}) {
          const std::string out = explain(results, row, format, viewer);
          CAPTURE(out);
          CHECK(out.find("mrkoverride-only") == std::string::npos);
          CHECK(out.find("MRKOVERRIDEREASON") == std::string::npos);
          CHECK(out.find(std::string(kRestrictedOverride)) != std::string::npos);
        }
      }
      // Cleared for the restricted concern's agency (or for everything): shown.
      for (const Viewer& viewer : {cleared, Viewer::everyone()}) {
        const std::vector<OverrideView> seen = view_overrides(results, row, viewer);
        REQUIRE(seen.size() == 1);
        CHECK_FALSE(seen[0].withheld());
        CHECK(seen[0].id == "mrkoverride-only");
        CHECK(explain(results, row, ExplainFormat::text, viewer).find("MRKOVERRIDEREASON") !=
              std::string::npos);
      }
    }
    // The same case with the concern not restricted: the override fires and is not flagged.
    std::string text = read_text(dir + "case.json");
    const std::string flag = "\"restricted\": true";
    REQUIRE(text.find(flag) != std::string::npos);
    text.replace(text.find(flag), flag.size(), "\"restricted\": false");
    CaseGraph open;
    load_case(open, text, "case.json");
    const Results plain = assess(rules, take_snapshot(open), {day("2026-11-01"), 1});
    const auto row = static_cast<std::size_t>(plain.find_child("P-JN-C1"));
    REQUIRE(plain.overrides_end(row) - plain.overrides_begin(row) == 1);
    CHECK_FALSE(plain.override_restricted_basis(row, 0));
    CHECK(view_overrides(plain, row, Viewer{})[0].id == "mrkoverride-only");
  }

  TEST_CASE("no output for an uncleared viewer holds any detail of restricted evidence") {
    Fixture f;
    for (const Viewer& viewer : kUncleared) {
      for (const auto& output : outputs(f, viewer)) {
        const std::string found = joined(leaks(output.second));
        const std::string message = output.first + " shows " + found + "in:\n" + output.second;
        CHECK_MESSAGE(found.empty(), message);
      }
    }
    for (const std::vector<const char*>& cleared :
         {std::vector<const char*>{}, std::vector<const char*>{"school", "AG-VW-SCH"},
          std::vector<const char*>{"AG-MRK"}}) {
      bool working_withheld = true;
      for (const auto& output : c_outputs(cleared, &working_withheld)) {
        const std::string found = joined(leaks(output.second));
        const std::string message = output.first + " shows " + found + "in:\n" + output.second;
        CHECK_MESSAGE(found.empty(), message);
      }
      CHECK(working_withheld);
    }
  }

  TEST_CASE("no rendering for an uncleared viewer holds any detail of restricted evidence") {
    Fixture f;
    // The ecomap draws the child's circle, the carer among them, whatever the evidence says
    // (as the CLI's test of it does); every other rendering names neither.
    const std::vector<std::string> personal = {"P-MRK-ADULT-8JD", "carer"};
    for (const Viewer& viewer : kUncleared) {
      RenderOptions options;
      options.viewer = viewer;
      options.all_evidence = true;
      std::vector<std::pair<std::string, std::string>> all;
      all.emplace_back("report", render_report(f.results, {f.row}, options));
      all.emplace_back("timeline", render_timeline_text(f.results, {f.row}, options));
      options.audience = Audience::family;
      const std::string family = render_report(f.results, {f.row}, options);
      all.emplace_back("family version", family);
      // Not even that restricted evidence exists.
      CHECK(family.find("estricted") == std::string::npos);
      CHECK(family.find("another agency") == std::string::npos);
      for (const auto& output : all) {
        const std::string found = joined(leaks(output.second));
        const std::string message = output.first + " shows " + found + "in:\n" + output.second;
        CHECK_MESSAGE(found.empty(), message);
      }
      CHECK(all[0].second.find("restricted source") != std::string::npos);
      const std::string dot = render_ecomap_dot(f.results, f.row, options);
      std::string found;
      for (const std::string& marker : leaks(dot)) {
        if (std::find(personal.begin(), personal.end(), marker) == personal.end())
          found += marker + " ";
      }
      const std::string message = "ecomap shows " + found + "in:\n" + dot;
      CHECK_MESSAGE(found.empty(), message);
      CHECK(dot.find("restricted source") != std::string::npos);
    }
    // The restricted entries are there for a reader cleared for their agency.
    RenderOptions for_its_agency;
    for_its_agency.viewer = Viewer{{"AG-MRK-7QX"}, false};
    const std::string shown = render_report(f.results, {f.row}, for_its_agency);
    CHECK(shown.find("MRKENTRYTEXT the child") != std::string::npos);
    CHECK(shown.find("2/10") != std::string::npos);
    // Through the C API, for a viewer cleared for another agency.
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, (kDir + "case.json").c_str()) == SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, (kDir + "pack.toml").c_str()) == SG_OK);
    sg_assess_options assess_options = SG_ASSESS_OPTIONS_INIT;
    assess_options.as_of = "2026-11-01";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &assess_options) == SG_OK);
    const char* cleared[] = {"school"};
    const char* child[] = {"P-VW-C1"};
    sg_render_options options = SG_RENDER_OPTIONS_INIT;
    options.viewer_cleared = cleared;
    options.viewer_cleared_count = 1;
    for (int audience : {SG_AUDIENCE_PROFESSIONAL, SG_AUDIENCE_FAMILY}) {
      options.audience = audience;
      char* out = nullptr;
      REQUIRE(sg_render_report(&out, nullptr, result, child, 1, &options) == SG_OK);
      const std::string html = out;
      sg_buffer_free(out);
      const std::string message = "sg_render_report shows " + joined(leaks(html));
      CHECK_MESSAGE(leaks(html).empty(), message);
    }
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("a cleared viewer gets every detail, so the leak test can see a leak") {
    Fixture f;
    for (const Viewer& viewer : {Viewer{{"AG-MRK-7QX"}, false},
                                 Viewer{{"mrktype-intel-3zv"}, false}, Viewer::everyone()}) {
      const auto all = outputs(f, viewer);
      // The text explanation names the rule, the evidence, its source and the person.
      for (const char* marker :
           {"C-MRK-ID-9XW", "AG-MRK-7QX", "P-MRK-ADULT-8JD", "carer", "mrkrule-only",
            "MRKRULETITLE", "5.20", "mrkoverride-vw", "MRKOVERRIDEREASON"}) {
        CAPTURE(marker);
        CHECK(all[0].second.find(marker) != std::string::npos);
      }
      // The views carry the rest (category, name, summary, dates).
      for (const char* marker : {"mrkcat-k2f9", "MRKNAME", "MRKSUMMARY", "2026-03-17"}) {
        CAPTURE(marker);
        CHECK(all[4].second.find(marker) != std::string::npos);
      }
    }
    RenderOptions cleared;
    cleared.viewer = Viewer::everyone();
    const std::string report = render_report(f.results, {f.row}, cleared);
    for (const char* marker : {"C-MRK-ID-9XW", "MRKRULETITLE", "MRKSUMMARY", "mrkoverride-vw"}) {
      CAPTURE(marker);
      CHECK(report.find(marker) != std::string::npos);
    }
    const auto c_all = c_outputs({"*"}, nullptr);
    CHECK(c_all[0].second.find("C-MRK-ID-9XW") != std::string::npos);
    CHECK(c_all[4].second.find("MRKRULETITLE") != std::string::npos);
    CHECK(c_all.back().first == "sg_result_override_for");
    CHECK(c_all.back().second.find("MRKOVERRIDEREASON") != std::string::npos);
  }

  // An index fed only by restricted evidence names its category ("Domestic abuse"): with
  // pack_index.toml the restricted concern alone feeds index "mrkindex-4hd" (MRKINDEXTITLE)
  // and sets the child's level. Every rendering an uncleared viewer gets folds the withheld
  // points into one line under the pack's neutral title and names neither the rule, the index,
  // the category, the agency nor the path; a cleared viewer gets every one of them.
  TEST_CASE("withheld points fold into one neutral line that names no index in any rendering") {
    const auto rules = RuleSet::load_file(kDir + "pack_index.toml");
    CHECK(rules->neutral_title() == "Information held by another agency");
    CHECK(rules->lint_warnings().empty());
    CaseGraph graph;
    load_case_file(graph, kDir + "case.json");
    const Results results = assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
    const auto row = static_cast<std::size_t>(results.find_child("P-VW-C1"));
    REQUIRE(results.level(row) == 1);
    REQUIRE(results.score(row, 1) == doctest::Approx(3.6));  // mrkindex-4hd sets the level
    // The pack's indices are listed for every reader (the pack is no secret); what must not
    // show is that restricted evidence scored on one: its score (3.60), a level it reaches or
    // that it set the child's level.
    std::vector<std::string> markers = kMarkers;
    markers.insert(markers.end(), {"3.60", "3.6,", "Set by the MRKINDEXTITLE"});
    auto renderings = [&](const Viewer& viewer) {
      std::vector<std::pair<std::string, std::string>> all;
      RenderOptions options;
      options.viewer = viewer;
      options.all_evidence = true;
      all.emplace_back("report", render_report(results, {row}, options));
      all.emplace_back("timeline", render_timeline_text(results, {row}, options));
      all.emplace_back("explain text", explain(results, row, ExplainFormat::text, viewer));
      all.emplace_back("explain json", explain(results, row, ExplainFormat::json, viewer));
      all.emplace_back("ecomap", render_ecomap_dot(results, row, options));
      options.audience = Audience::family;
      all.emplace_back("family version", render_report(results, {row}, options));
      return all;
    };
    for (const Viewer& viewer : kUncleared) {
      const std::vector<LineView> lines = view_contributions(results, row, viewer);
      const ScoresView scores = view_scores(results, row, lines);
      CHECK(scores.withheld_lines == 2);
      // any-concern's neutral title (the pack's) and mrkrule-only's differ: the pack's wins.
      CHECK(scores.withheld_title == "Information held by another agency");
      CHECK(scores.index_scores[1] == 0.0);
      CHECK(scores.index_levels[1] == 0);
      CHECK(scores.setter == -1);  // the level needs the withheld points
      CHECK(scores.index_scores[0] + scores.withheld ==
            doctest::Approx(results.total(row)).epsilon(1e-12));
      for (const auto& output : renderings(viewer)) {
        std::string found;
        for (const std::string& marker : markers) {
          // The ecomap draws the child's circle, the carer among them, whatever the evidence.
          if (output.first == "ecomap" && (marker == "P-MRK-ADULT-8JD" || marker == "carer"))
            continue;
          if (output.second.find(marker) != std::string::npos) found += marker + " ";
        }
        const std::string message = output.first + " shows " + found + "in:\n" + output.second;
        CHECK_MESSAGE(found.empty(), message);
      }
      const auto all = renderings(viewer);
      for (const auto& output : {all[0], all[2], all[3]}) {
        CAPTURE(output.first);
        CHECK(output.second.find("Information held by another agency") != std::string::npos);
      }
      CHECK(all[5].second.find("another agency") == std::string::npos);  // family: never said
      CHECK(all[5].second.find("MRKINDEXTITLE") == std::string::npos);
      // The index is listed with only what the reader sees on it: nothing.
      CHECK(all[0].second.find("<th scope=\"row\">MRKINDEXTITLE</th><td class=\"points\">0.00"
                               "</td><td>low</td>") != std::string::npos);
      CHECK(all[0].second.find("Set by points that include information held by another "
                               "agency") != std::string::npos);
      CHECK(all[2].second.find("MRKINDEXTITLE: 0.00 (low)") != std::string::npos);
      CHECK(all[3].second.find("\"id\": \"mrkindex-4hd\",\n      \"score\": 0.0,\n      "
                               "\"level\": \"low\"") != std::string::npos);
      CHECK(all[3].second.find("\"index\": \"mrkindex-4hd\"") == std::string::npos);
    }
    // The fold's title is a rule's own when every withheld line shares it.
    std::string text = read_text(kDir + "pack_index.toml");
    const std::string any = "reach = { self = 1.0, carer = 0.7 }";
    REQUIRE(text.find(any) != std::string::npos);
    text.replace(text.find(any), any.size(),
                 any +
                     "\nneutral_title = \"Information held by another agency about the "
                     "household\"");
    const auto shared = RuleSet::load_string(text, "shared.toml");
    const Results again = assess(shared, take_snapshot(graph), {day("2026-11-01"), 1});
    CHECK(view_scores(again, row, view_contributions(again, row, Viewer{})).withheld_title ==
          "Information held by another agency about the household");
    // Cleared: every marker of the rule, the index and the evidence is there, and the scores are
    // the results' own.
    for (const Viewer& viewer : {Viewer{{"AG-MRK-7QX"}, false}, Viewer::everyone()}) {
      const ScoresView scores = view_scores(results, row, view_contributions(results, row, viewer));
      CHECK_FALSE(scores.any_withheld());
      CHECK(scores.setter == 1);
      CHECK(scores.index_scores[1] == results.score(row, 1));
      const auto all = renderings(viewer);
      for (const char* marker : {"MRKINDEXTITLE", "MRKRULETITLE", "C-MRK-ID-9XW", "carer"}) {
        CAPTURE(marker);
        CHECK(all[0].second.find(marker) != std::string::npos);  // report
        CHECK(all[2].second.find(marker) != std::string::npos);  // explain text
      }
      CHECK(all[0].second.find("Set by the MRKINDEXTITLE index: its score 3.60") !=
            std::string::npos);
      CHECK(all[3].second.find("\"index\": \"mrkindex-4hd\"") != std::string::npos);
      CHECK(all[4].second.find("\"restricted source\\n") == std::string::npos);  // no node
    }
  }

  // ScoreReader is what listings of a whole caseload read (safeguard assess, sg_result_scores_for
  // and Python's scores): it must give view_scores' figures to the bit without building line
  // views. On a generated caseload (restricted police and other concerns, rules about the
  // child that fire on them, propagation in the exploitation pack) and every kind of viewer.
  TEST_CASE("ScoreReader gives view_scores' figures to the bit for every child and viewer") {
    CaseloadOptions options;
    options.children = 1200;
    options.seed = 31;
    CaseGraph graph;
    generate_caseload(graph, options);
    const auto snapshot = take_snapshot(graph);
    const std::vector<Viewer> viewers = {Viewer{}, Viewer{{"police"}, false},
                                         Viewer{{"school", "health"}, false}, Viewer::everyone()};
    for (const char* name : {"default", "exploitation"}) {
      CAPTURE(name);
      const Results results = assess(load_bundled_pack(name), snapshot, {options.as_of, 1});
      std::size_t withheld_children = 0, network_children = 0;
      for (const Viewer& viewer : viewers) {
        const ScoreReader reader(results, viewer);
        for (std::size_t row = 0; row < results.child_count(); ++row) {
          const ScoresView fast = reader.scores(row);
          const std::vector<LineView> lines = view_contributions(results, row, viewer);
          const ScoresView full = view_scores(results, row, lines);
          CAPTURE(row);
          // Withholds: a line withheld, or the network read as this viewer may attribute it.
          const bool scoped =
              lines.size() != results.contribution_count(row) ||  // hidden lines left out
              std::any_of(lines.begin(), lines.end(), [](const LineView& line) {
                return line.withheld() || line.network_scoped;
              });
          CHECK(reader.withholds(row) == scoped);
          if (!scoped) CHECK_FALSE(full.any_withheld());
          CHECK(fast.contextual_scores == full.contextual_scores);
          CHECK(fast.contextual_total == full.contextual_total);
          CHECK(fast.contextual_withheld == full.contextual_withheld);
          if (full.contextual_withheld != 0) ++network_children;
          CHECK(fast.index_scores == full.index_scores);  // bit for bit
          CHECK(fast.index_levels == full.index_levels);
          CHECK(fast.withheld == full.withheld);
          CHECK(fast.withheld_lines == full.withheld_lines);
          CHECK(fast.withheld_title == full.withheld_title);
          CHECK(fast.setter == full.setter);
          if (full.any_withheld()) ++withheld_children;
          if (viewer.cleared_all) {
            CHECK_FALSE(fast.any_withheld());
            for (std::size_t i = 0; i < results.index_count(); ++i)
              CHECK(fast.index_scores[i] == results.score(row, i));
          }
        }
      }
      // The caseload has children with points withheld from some readers, so the fold ran, and
      // (on the propagating pack) children whose network holds restricted evidence.
      CHECK(withheld_children > 10);
      if (std::string(name) == "exploitation") CHECK(network_children > 10);
    }
  }

  // How many restricted items there are is itself something an uncleared reader may not learn:
  // the ecomap draws one "restricted source" whatever their number, with all their points.
  TEST_CASE("the ecomap draws one restricted source however many items are withheld") {
    CaseloadOptions options;
    options.children = 600;
    options.seed = 5;
    CaseGraph graph;
    generate_caseload(graph, options);
    const Results results =
        assess(load_bundled_pack("default"), take_snapshot(graph), {options.as_of, 1});
    std::size_t tried = 0;
    for (std::size_t row = 0; row < results.child_count() && tried < 5; ++row) {
      const std::vector<LineView> lines = view_contributions(results, row, Viewer{});
      std::uint32_t items = 0;
      for (const LineView& line : lines) items = std::max(items, line.withheld_item);
      if (items < 2) continue;
      ++tried;
      CAPTURE(results.child_id(row));
      RenderOptions render;
      const std::string dot = render_ecomap_dot(results, row, render);
      const std::string node = "[label=\"restricted source";  // the legend names it too
      std::size_t nodes = 0;
      for (std::size_t at = dot.find(node); at != std::string::npos; at = dot.find(node, at + 1))
        ++nodes;
      CHECK(nodes == 1);
      const ScoresView scores = view_scores(results, row, lines);
      char points[32];
      std::snprintf(points, sizeof points, "+%.2f", scores.withheld);
      CHECK(dot.find(points) != std::string::npos);
      // Cleared, no restricted source at all.
      render.viewer = Viewer::everyone();
      CHECK(render_ecomap_dot(results, row, render).find(node) == std::string::npos);
    }
    CHECK(tried == 5);  // the caseload has children with several restricted items
  }

  // A place's explanation folds its withheld lines as a child's does: restricted intelligence
  // about the yard counts in its network score but in no index, on one line, whatever its number.
  // A place has no level to explain, so restricted intelligence about the yard is not shown to an
  // uncleared reader at all: not as a withheld figure (which would say which place it is about,
  // and how much), not as a line, not through the place's rank. Its scores are what the reader
  // may attribute.
  TEST_CASE("a place's restricted evidence is not shown to an uncleared reader at all") {
    const auto rules = RuleSet::load_file(kDir + "pack.toml");
    CaseGraph graph;
    load_case_file(graph, kDir + "case.json");
    const Results results = assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
    const long found = results.find_place("PL-VW-YARD");
    REQUIRE(found >= 0);
    const auto rank = static_cast<std::size_t>(found);
    const std::size_t risk = 0;
    for (const Viewer& viewer : kUncleared) {
      const std::vector<LineView> lines = view_place_contributions(results, rank, viewer);
      const ScoresView scores = view_place_scores(results, rank, lines);
      CHECK_FALSE(scores.any_withheld());
      CHECK(scores.withheld == 0);
      CHECK(lines.size() < results.place_contribution_count(rank));  // the restricted line
      double shown = 0;
      for (const LineView& line : lines) {
        CHECK_FALSE(line.withheld());
        if (line.index == risk) shown += line.value;
      }
      CHECK(scores.index_scores[risk] == shown);
      CHECK(scores.index_scores[risk] < results.place_index_score(rank, risk));
      const std::string text = explain_place(results, rank, ExplainFormat::text, viewer);
      const std::string json = explain_place(results, rank, ExplainFormat::json, viewer);
      for (const std::string& hidden :
           {std::string("restricted source"), std::string("Restricted evidence"),
            std::string("rank"), std::string("\"restricted\": true")}) {
        CAPTURE(hidden);
        CHECK(text.find(hidden) == std::string::npos);
        if (hidden != "rank") CHECK(json.find(hidden) == std::string::npos);
      }
      CHECK(json.find("\"rank\": null") != std::string::npos);
      CHECK(json.find("\"withheld\": null") != std::string::npos);
      for (const std::string& marker : kMarkers) {
        CAPTURE(marker);
        CHECK(text.find(marker) == std::string::npos);
        CHECK(json.find(marker) == std::string::npos);
      }
      // The C API's per-line answer marks the line hidden.
      bool marked = false;
      for (const Contribution* c = results.place_contributions_begin(rank);
           c != results.place_contributions_end(rank); ++c)
        marked = marked || view_line(results, *c, viewer).hidden;
      CHECK(marked);
    }
    const ScoresView all = view_place_scores(
        results, rank, view_place_contributions(results, rank, Viewer::everyone()));
    CHECK_FALSE(all.any_withheld());
    CHECK(all.index_scores[risk] == results.place_index_score(rank, risk));
    CHECK(explain_place(results, rank, ExplainFormat::text, Viewer::everyone()).find("rank 1") !=
          std::string::npos);
  }

  TEST_CASE("a neutral title that names an index or a category is linted, an empty one refused") {
    const std::string pack = R"([pack]
id = "neutral"
version = "1"
[[level]]
id = "low"
min = 0
[[index]]
id = "domestic_abuse"
title = "Domestic abuse"
[[rule]]
id = "incident"
index = "domestic_abuse"
heading = "harm"
for = "concern"
when = 'concern.category == "police_callout"'
points = 1
neutral_title = "NEUTRAL"
)";
    auto codes = [](const std::shared_ptr<const RuleSet>& rules) {
      std::string out;
      for (const LintWarning& w : rules->lint_warnings()) out += w.code + " ";
      return out;
    };
    auto with = [&](const std::string& title) {
      std::string text = pack;
      text.replace(text.find("NEUTRAL"), 7, title);
      return RuleSet::load_string(text, "neutral.toml");
    };
    CHECK(codes(with("Information held by another agency")).find("neutral-title-names") ==
          std::string::npos);
    for (const char* bad : {"Domestic abuse information", "Held about a domestic abuse matter",
                            "A police callout", "Something about domestic_abuse"}) {
      CAPTURE(bad);
      const auto rules = with(bad);
      CHECK(codes(rules).find("neutral-title-names") != std::string::npos);
      for (const LintWarning& w : rules->lint_warnings()) {
        if (w.code == "neutral-title-names") CHECK(w.where.entity == "incident");
      }
    }
    // A name inside a longer word is not a name.
    CHECK(codes(with("Domestic abusers' information")).find("neutral-title-names") ==
          std::string::npos);
    CHECK_THROWS_AS(with(""), Error);
    try {
      (void)with("");
    } catch (const Error& error) {
      CHECK(error.where().line == 17);
      CHECK(std::string(error.what()).find("neutral_title of rule 'incident' is empty") !=
            std::string::npos);
    }
  }

  TEST_CASE("a withheld line keeps its points, index and heading and nothing else") {
    Fixture f;
    const std::vector<LineView> lines = view_contributions(f.results, f.row, Viewer{});
    double sum = 0, contextual = 0;
    std::size_t withheld = 0;
    for (const LineView& line : lines) {
      // The pack keeps contextual risk apart: propagated lines add up to the contextual score.
      (line.propagated() ? contextual : sum) += line.value;
      if (!line.withheld()) continue;
      ++withheld;
      CHECK(line.title == kRestrictedTitle);
      CHECK(line.rule_id.empty());
      CHECK(line.rule == kNoRule);
      CHECK(line.index_id == "risk");
      CHECK(line.path.empty());
      CHECK(line.via == kNoVertex);
      CHECK(line.evidence.id.empty());
      CHECK(line.evidence.restricted);
      CHECK(line.withheld_item == 1);  // both rules fired on the one restricted concern
    }
    CHECK(withheld == 2);
    CHECK(sum == f.results.score(f.row, 0));
    // The propagated lines are the network as the reader may attribute it (the yard's score
    // without its restricted intelligence); with the withheld points, the host's.
    const ScoresView scores = view_scores(f.results, f.row, lines);
    CHECK(contextual == scores.contextual_scores[0]);
    CHECK(contextual + scores.contextual_withheld ==
          doctest::Approx(f.results.contextual_score(f.row, 0)).epsilon(1e-12));
    CHECK(scores.contextual_withheld > 0);
    // The host's own view (the C API's sg_result_contribution) withholds nothing.
    for (const LineView& line : view_contributions(f.results, f.row, Viewer::everyone()))
      CHECK_FALSE(line.withheld());
  }

  TEST_CASE("a timeline step and a discretionary override read the same for every viewer") {
    CaseGraph graph;
    load_case_file(graph, std::string(SAFEGUARD_SOURCE_DIR) + "/examples/data/timeline.json");
    auto rules = RuleSet::load_file(std::string(SAFEGUARD_SOURCE_DIR) + "/rules/default.toml");
    const Results results = assess(rules, take_snapshot(graph), {day("2026-11-23"), 1});
    const long row = results.find_child("P-ELM-C1");
    REQUIRE(row >= 0);
    const std::vector<StepView> steps = view_steps(results, static_cast<std::size_t>(row));
    REQUIRE(steps.size() == results.step_count(static_cast<std::size_t>(row)));
    bool overdue = false;
    for (const StepView& step : steps) {
      CHECK_FALSE(step.trigger_id.empty());
      if (step.status == StepStatus::overdue) {
        overdue = true;
        CHECK(step.status_text.rfind("OVERDUE by ", 0) == 0);
      }
    }
    CHECK(overdue);
  }

  TEST_CASE("the circle view draws what the viewer may see, and the child's places") {
    const Fixture f;
    for (const bool cleared : {false, true}) {
      CAPTURE(cleared);
      const CircleView circle =
          view_circle(f.results, f.row, cleared ? Viewer{{"AG-MRK-7QX"}, false} : Viewer{});
      CHECK(circle.child_id == "P-VW-C1");
      CHECK(circle.child_in_household);
      REQUIRE(circle.members.size() == 1);
      CHECK(circle.members[0].id == "P-MRK-ADULT-8JD");
      CHECK(circle.members[0].kind == PersonKind::adult);
      CHECK((circle.members[0].roles & role_bit(Role::carer)) != 0);
      CHECK(circle.members[0].shares_household);
      std::vector<std::string> concerns;
      for (const EvidenceView& e : circle.concerns) {
        CHECK_FALSE(e.withheld());
        concerns.emplace_back(e.id);
      }
      if (cleared) {
        CHECK(concerns == std::vector<std::string>{"C-MRK-ID-9XW", "C-VW-OPEN"});
      } else {
        CHECK(concerns == std::vector<std::string>{"C-VW-OPEN"});
      }
      REQUIRE(circle.links.size() == 1);
      CHECK(circle.links[0].relation == RelationKind::frequents);
      CHECK(circle.links[0].node.id == "PL-VW-YARD");
      CHECK(circle.links[0].node.kind == VertexKind::place);
      CHECK(circle.links[0].node.name == "A fictional yard");
      CHECK(circle.links[0].node.label == "yard");
      CHECK(circle.factors.empty());
      CHECK(circle.partnerships.empty());
    }
    CHECK_THROWS_AS(view_circle(f.results, f.results.child_count(), Viewer{}), Error);
    CHECK_THROWS_AS(view_node(f.results, f.results.child_vertex(f.row) + 100000), Error);
  }
}
