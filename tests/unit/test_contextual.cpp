// Contextual risk kept apart (issue 17, item 7; docs/rules.md, "Contextual risk"): propagated
// points are reported as their own figure and, under the default `[propagation] contextual =
// "apart"`, do not move a child's own score or level; under "included" they do. The issue's
// example is examples/data/peer_network.json: P-PNW-C2 has one school exclusion, a friend with
// a county lines arrest and a takeaway the police hold intelligence about.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "safeguard/explain.hpp"
#include "safeguard/io.hpp"

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string exploitation_text() { return read(SAFEGUARD_SOURCE_DIR "/rules/exploitation.toml"); }

// The bundled exploitation pack with its contextual policy replaced by `policy` (or the line
// left out when `policy` is empty).
std::shared_ptr<const RuleSet> exploitation_with(const std::string& policy) {
  std::string text = exploitation_text();
  const std::string line = "contextual = \"apart\"\n";
  const std::size_t at = text.find(line);
  REQUIRE(at != std::string::npos);
  text.replace(at, line.size(), policy.empty() ? "" : "contextual = \"" + policy + "\"\n");
  return RuleSet::load_string(text, "exploitation.toml");
}

Results peer_network(std::shared_ptr<const RuleSet> rules, unsigned threads = 1) {
  CaseGraph graph;
  load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/peer_network.json");
  Day as_of = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date("2026-11-01", as_of, error));
  return assess(std::move(rules), take_snapshot(graph), {as_of, threads});
}

std::size_t row_of(const Results& r, const char* id) {
  const long row = r.find_child(id);
  REQUIRE(row >= 0);
  return static_cast<std::size_t>(row);
}

std::string level_id(const Results& r, int level) { return r.rules().levels()[level].id; }

// Per child and index: the rule lines, added in order, give the index score exactly; the
// propagated lines give the contextual score exactly; under "included" both together give the
// index score.
void check_sums(const Results& r) {
  const bool included = r.contextual_included();
  for (std::size_t row = 0; row < r.child_count(); ++row) {
    std::vector<double> own(r.index_count(), 0.0), context(r.index_count(), 0.0),
        all(r.index_count(), 0.0);
    for (const Contribution* c = r.contributions_begin(row); c != r.contributions_end(row); ++c) {
      (c->propagated() ? context : own)[c->index] += c->value;
      all[c->index] += c->value;
    }
    double context_total = 0, total = 0;
    for (std::size_t i = 0; i < r.index_count(); ++i) {
      CHECK(context[i] == r.contextual_score(row, i));
      CHECK((included ? all[i] : own[i]) == r.score(row, i));
      context_total += r.contextual_score(row, i);
      total += r.score(row, i);
    }
    CHECK(context_total == r.contextual_total(row));
    CHECK(total == r.total(row));
  }
}

}  // namespace

TEST_SUITE("unit/contextual") {
  TEST_CASE(
      "the issue's example: a school exclusion, a friend and a takeaway do not lift the "
      "child's own level unless the pack includes contextual risk") {
    const Results apart = peer_network(load_bundled_pack("exploitation"));
    const std::size_t row = row_of(apart, "P-PNW-C2");
    // Own evidence: the school exclusion, severity 3, 54 days old, half-life 365:
    // 3 x 2^(-54/365) = 2.708: below emerging (4).
    CHECK(apart.score(row, 1) == doctest::Approx(3 * std::exp2(-54.0 / 365)));
    CHECK(level_id(apart, apart.level(row)) == "no_known_risk");
    CHECK(level_id(apart, apart.score_level(row)) == "no_known_risk");
    // The network offers more than the association cap lets count (at most the child's own
    // 2.708): the contextual score is the cap, and with it the scores would reach emerging.
    CHECK(apart.contextual_score(row, 1) == doctest::Approx(apart.score(row, 1)));
    CHECK(apart.contextual_total(row) > 0);
    CHECK(level_id(apart, apart.context_level(row)) == "emerging");
    CHECK_FALSE(apart.contextual_included());

    const Results included = peer_network(exploitation_with("included"));
    const std::size_t same = row_of(included, "P-PNW-C2");
    CHECK(level_id(included, included.level(same)) == "emerging");
    CHECK(included.score(same, 1) ==
          doctest::Approx(apart.score(row, 1) + apart.contextual_score(row, 1)));
    CHECK(included.contextual_score(same, 1) == apart.contextual_score(row, 1));
    CHECK(included.context_level(same) == included.score_level(same));
    CHECK(included.contextual_included());
  }

  TEST_CASE("apart is the default, and the bundled packs that propagate say their policy") {
    CHECK(exploitation_with("")->propagation().contextual == ContextualPolicy::apart);
    CHECK(exploitation_with("included")->propagation().contextual == ContextualPolicy::included);
    for (const std::string& name : bundled_pack_names()) {
      const auto pack = load_bundled_pack(name);
      if (!pack->propagation().enabled) continue;
      const std::string text = read(SAFEGUARD_SOURCE_DIR "/rules/" + name + ".toml");
      CHECK_MESSAGE(text.find("\ncontextual = \"") != std::string::npos,
                    name << " propagates without saying its contextual policy");
    }
    // The policy is a value of the pack: saying it changes the hash.
    CHECK(exploitation_with("")->hash() != exploitation_with("apart")->hash());
  }

  TEST_CASE("a contextual policy that is neither apart nor included is refused where it is") {
    std::string text = exploitation_text();
    const std::string line = "\ncontextual = \"apart\"\n";
    const std::size_t at = text.find(line) + 1;
    REQUIRE(at != std::string::npos + 1);
    text.replace(at, line.size() - 2, "contextual = \"yes\"");
    try {
      RuleSet::load_string(text, "exploitation.toml");
      FAIL("loaded");
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_data);
      const std::size_t line_number =
          static_cast<std::size_t>(std::count(text.begin(), text.begin() + at, '\n')) + 1;
      CHECK(e.where().line == line_number);
      CHECK(std::string(e.what()).find("'yes'") != std::string::npos);
    }
  }

  TEST_CASE("explanations stay exact: own lines sum to the score, propagated to the context") {
    for (const char* policy : {"apart", "included"}) {
      CAPTURE(policy);
      const Results r = peer_network(exploitation_with(policy));
      check_sums(r);
      // One thread or several: bit-identical contextual figures.
      const Results threaded = peer_network(exploitation_with(policy), 4);
      for (std::size_t row = 0; row < r.child_count(); ++row) {
        CHECK(threaded.contextual_total(row) == r.contextual_total(row));
        CHECK(threaded.context_level(row) == r.context_level(row));
        CHECK(threaded.total(row) == r.total(row));
      }
    }
  }

  TEST_CASE("the viewer's scores keep contextual points apart, and nothing restricted leaks") {
    const Results r = peer_network(load_bundled_pack("exploitation"));
    const std::size_t row = row_of(r, "P-PNW-C2");
    const Viewer uncleared;
    const std::vector<LineView> lines = view_contributions(r, row, uncleared);
    const ScoresView scores = view_scores(r, row, lines);
    REQUIRE(scores.has_contextual());
    CHECK_FALSE(scores.contextual_included);
    for (std::size_t i = 0; i < r.index_count(); ++i) {
      CHECK(scores.index_scores[i] == r.score(row, i));
      CHECK(scores.contextual_scores[i] == r.contextual_score(row, i));
    }
    CHECK(r.rules().levels()[scores.context_level].id == "emerging");
    // The takeaway's score comes from restricted police intelligence (C-PNW-3): the child's
    // propagated line names the place and its network score, never the evidence.
    for (ExplainFormat format : {ExplainFormat::text, ExplainFormat::json}) {
      const std::string text = explain(r, row, format, uncleared);
      CHECK(text.find("PL-PNW-TAKEAWAY") != std::string::npos);
      CHECK(text.find("C-PNW-3") == std::string::npos);
      CHECK(text.find("cce_indicator") == std::string::npos);
      CHECK(text.find("Intelligence") == std::string::npos);
      CHECK(text.find("ontextual") != std::string::npos);
    }
    const std::string text = explain(r, row, ExplainFormat::text, uncleared);
    CHECK(text.find("Contextual risk (kept apart from the level") != std::string::npos);
    CHECK(text.find("with it the scores reach Emerging risk") != std::string::npos);
  }
}
