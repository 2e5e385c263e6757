// Contextual risk kept apart (issue 17, item 7; docs/rules.md, "Contextual risk"): propagated
// points are reported as their own figure and, under the default `[propagation] contextual =
// "apart"`, do not move a child's own score or level; under "included" they do. The issue's
// example is examples/data/peer_network.json: P-PNW-C2 has one school exclusion, a friend with
// a county lines arrest and a takeaway the police hold intelligence about.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
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

Day r_as_of() {
  Day as_of = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date("2026-11-01", as_of, error));
  return as_of;
}

Results peer_network(std::shared_ptr<const RuleSet> rules, unsigned threads = 1) {
  CaseGraph graph;
  load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/peer_network.json");
  return assess(std::move(rules), take_snapshot(graph), {r_as_of(), threads});
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
    for (std::size_t i = 0; i < r.index_count(); ++i)
      CHECK(scores.index_scores[i] == r.score(row, i));
    // The network as the reader may attribute it, the takeaway's intelligence apart. For P-PNW-C2
    // the association cap bites with it or without it, so nothing of the network is withheld.
    CHECK(scores.contextual_withheld == 0);
    CHECK(scores.contextual_total + scores.contextual_withheld ==
          doctest::Approx(r.contextual_total(row)).epsilon(1e-12));
    CHECK(r.rules().levels()[scores.context_level].id == "emerging");  // the host's, as a level
    for (ExplainFormat format : {ExplainFormat::text, ExplainFormat::json}) {
      const std::string text = explain(r, row, format, uncleared);
      CHECK(text.find("C-PNW-3") == std::string::npos);
      CHECK(text.find("cce_indicator") == std::string::npos);
      CHECK(text.find("Intelligence") == std::string::npos);
      CHECK(text.find("ontextual") != std::string::npos);
    }
    const std::string text = explain(r, row, ExplainFormat::text, uncleared);
    CHECK(text.find("Contextual risk (kept apart from the level") != std::string::npos);
    CHECK(text.find("with it the scores reach Emerging risk") != std::string::npos);
    // P-PNW-C1 frequents the takeaway and its cap does not bite: part of its contextual points
    // come from the intelligence, and are withheld in one figure.
    const std::size_t c1 = row_of(r, "P-PNW-C1");
    const ScoresView first = view_scores(r, c1, view_contributions(r, c1, uncleared));
    CHECK(first.contextual_withheld > 0);
    CHECK(first.contextual_total + first.contextual_withheld ==
          doctest::Approx(r.contextual_total(c1)).epsilon(1e-12));
    CHECK(explain(r, c1, ExplainFormat::text, uncleared).find("from restricted sources") !=
          std::string::npos);
  }
}

namespace {

// The peer network with the restricted intelligence about the takeaway (C-PNW-3) edited: its
// severity set to `severity`, or retracted (severity 0), as a world without it.
Results peer_network_edited(std::shared_ptr<const RuleSet> rules, int severity) {
  std::string text = read(SAFEGUARD_SOURCE_DIR "/examples/data/peer_network.json");
  const std::string from = "\"id\": \"C-PNW-3\", \"category\": \"cce_indicator\", \"severity\": 4";
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(),
               "\"id\": \"C-PNW-3\", \"category\": \"cce_indicator\", \"severity\": " +
                   std::to_string(std::max(severity, 1)));
  if (severity == 0) {
    const std::string open =
        "\"status\": \"open\", \"source\": \"AG-PNW-POL\", \"restricted\": true";
    const std::size_t status = text.find(open);
    REQUIRE(status != std::string::npos);
    text.replace(status, open.size(),
                 "\"status\": \"retracted\", \"source\": \"AG-PNW-POL\", \"restricted\": true");
  }
  CaseGraph graph;
  load_case(graph, text, "peer_network.json");
  return assess(std::move(rules), take_snapshot(graph), {r_as_of(), 1});
}

}  // namespace

TEST_SUITE("unit/contextual") {
  // The leak the reader's network closes (issue 16): a propagated line carries a neighbour's
  // network score, and the takeaway's comes from restricted police intelligence. An uncleared
  // reader must see the network as it would be without that intelligence, and nothing they see
  // may change when it changes: not a line's raw points, value or cap, not a contextual score,
  // not a place's scores. Only the withheld figures (and the levels, which count them) move.
  TEST_CASE("the network an uncleared reader sees is the one without the evidence withheld") {
    for (const char* policy : {"apart", "included"}) {
      CAPTURE(policy);
      const auto rules = exploitation_with(policy);
      const Results host = peer_network_edited(rules, 4);
      const Results heavier = peer_network_edited(rules, 5);
      const Results without = peer_network_edited(rules, 0);
      const Viewer uncleared;
      const Viewer police{{"police"}, false};
      REQUIRE(host.child_count() == without.child_count());
      std::size_t scoped = 0;
      for (std::size_t row = 0; row < host.child_count(); ++row) {
        CAPTURE(host.child_id(row));
        const std::vector<LineView> lines = view_contributions(host, row, uncleared);
        const std::vector<LineView> other = view_contributions(heavier, row, uncleared);
        const ScoresView scores = view_scores(host, row, lines);
        const ScoresView other_scores = view_scores(heavier, row, other);
        const ScoresView world =
            view_scores(without, row, view_contributions(without, row, police));
        // What the reader may attribute is the world without the intelligence (up to the
        // solver's tolerance: the reader's network is solved on its own)...
        for (std::size_t i = 0; i < host.index_count(); ++i) {
          CHECK(scores.contextual_scores[i] ==
                doctest::Approx(world.contextual_scores[i]).epsilon(1e-8));
          CHECK(scores.index_scores[i] == doctest::Approx(world.index_scores[i]).epsilon(1e-8));
        }
        // ...and does not move when the intelligence does.
        REQUIRE(lines.size() == other.size());
        for (std::size_t k = 0; k < lines.size(); ++k) {
          CHECK(lines[k].visibility == other[k].visibility);
          if (lines[k].withheld()) continue;
          CHECK(lines[k].raw == doctest::Approx(other[k].raw).epsilon(1e-8));
          CHECK(lines[k].value == doctest::Approx(other[k].value).epsilon(1e-8));
          CHECK(lines[k].cap_factor == doctest::Approx(other[k].cap_factor).epsilon(1e-8));
          CHECK(lines[k].via_id == other[k].via_id);
          scoped += lines[k].network_scoped;
        }
        // The host's figures add up: shown and withheld together.
        CHECK(scores.contextual_total + scores.contextual_withheld ==
              doctest::Approx(host.contextual_total(row)).epsilon(1e-12));
        CHECK(scores.contextual_withheld >= 0);
        CHECK(other_scores.contextual_withheld >= scores.contextual_withheld);
        if (std::string(policy) == "included") {
          double shown = 0;
          for (double score : scores.index_scores) shown += score;
          CHECK(shown + scores.withheld == doctest::Approx(host.total(row)).epsilon(1e-12));
        }
        // Cleared for the police, the host's figures to the bit.
        const ScoresView cleared = view_scores(host, row, view_contributions(host, row, police));
        for (std::size_t i = 0; i < host.index_count(); ++i)
          CHECK(cleared.contextual_scores[i] == host.contextual_score(row, i));
        CHECK(cleared.contextual_withheld == 0);
      }
      CHECK(scoped > 0);  // some lines were worked out again
      // The takeaway itself: its scores as the reader may attribute them, its rank withheld.
      const long found = host.find_place("PL-PNW-TAKEAWAY");
      REQUIRE(found >= 0);
      const auto rank = static_cast<std::size_t>(found);
      const ScoresView place =
          view_place_scores(host, rank, view_place_contributions(host, rank, uncleared));
      const long other_found = heavier.find_place("PL-PNW-TAKEAWAY");
      REQUIRE(other_found >= 0);
      const auto other_rank = static_cast<std::size_t>(other_found);
      const ScoresView other_place = view_place_scores(
          heavier, other_rank, view_place_contributions(heavier, other_rank, uncleared));
      // A place has no level to explain: its own restricted intelligence is not shown at all,
      // not even as a withheld figure (which would say which place it is about, and how much).
      CHECK_FALSE(place.any_withheld());
      const long bare = without.find_place("PL-PNW-TAKEAWAY");
      REQUIRE(bare >= 0);
      for (std::size_t i = 0; i < host.index_count(); ++i) {
        CHECK(place.index_scores[i] == doctest::Approx(other_place.index_scores[i]).epsilon(1e-8));
        CHECK(place.index_scores[i] ==
              doctest::Approx(without.place_index_score(static_cast<std::size_t>(bare), i))
                  .epsilon(1e-8));
      }
      CHECK(place.index_scores[1] < host.place_index_score(rank, 1));
      for (ExplainFormat format : {ExplainFormat::text, ExplainFormat::json}) {
        const std::string text = explain_place(host, rank, format, uncleared);
        // The host's order is not shown.
        if (format == ExplainFormat::text)
          CHECK(text.find("rank") == std::string::npos);
        else
          CHECK(text.find("\"rank\": null") != std::string::npos);
        CHECK(text.find("cce_indicator") == std::string::npos);
        char figure[32];
        std::snprintf(figure, sizeof figure, "%.2f", host.place_score(rank));
        CHECK(text.find(figure) == std::string::npos);  // nor the host's network score
      }
    }
  }
}

namespace {

// P-K's only criminal exploitation evidence is restricted police intelligence; it also has a
// visible missing episode, and a friend (P-F) with visible worries on both exploitation indices.
constexpr const char* kOwnRestricted = R"({"schema_version": 1,
 "agencies": [{"id": "AG-POL", "type": "police"}, {"id": "AG-SCH", "type": "school"}],
 "households": [{"id": "HH-1"}, {"id": "HH-2"}],
 "persons": [{"id": "P-K", "kind": "child", "dob": "2011-01-01", "household": "HH-1"},
             {"id": "P-F", "kind": "child", "dob": "2011-01-01", "household": "HH-2"}],
 "concerns": [
  {"id": "C-1", "category": "cce_indicator", "severity": 4, "incident": "2026-10-01",
   "recorded": "2026-10-01", "status": "open", "source": "AG-POL", "restricted": true,
   "about": ["P-K"]},
  {"id": "C-2", "category": "missing_episode", "severity": 2, "incident": "2026-10-01",
   "recorded": "2026-10-01", "status": "open", "source": "AG-SCH", "about": ["P-K"]},
  {"id": "C-3", "category": "school_exclusion", "severity": 3, "incident": "2026-10-01",
   "recorded": "2026-10-01", "status": "open", "source": "AG-SCH", "about": ["P-F"]},
  {"id": "C-4", "category": "cse_indicator", "severity": 3, "incident": "2026-10-01",
   "recorded": "2026-10-01", "status": "open", "source": "AG-SCH", "about": ["P-F"]}],
 "relations": [{"kind": "associate", "from": "P-K", "to": "P-F"}]})";

}  // namespace

TEST_SUITE("unit/contextual") {
  // The form of the propagated lines must not say which index the withheld evidence is on: the
  // host writes one summary line for an index where a child counts nothing, so the reader's
  // network does too, on both indices alike.
  TEST_CASE("propagated lines take the host's form for the reader's network") {
    CaseGraph graph;
    load_case(graph, kOwnRestricted, "own_restricted.json");
    const Results r =
        assess(load_bundled_pack("exploitation"), take_snapshot(graph), {r_as_of(), 1});
    const std::size_t row = row_of(r, "P-K");
    std::size_t summaries = 0, per_link = 0;
    for (const LineView& line : view_contributions(r, row, Viewer{})) {
      if (!line.propagated()) continue;
      CHECK_FALSE(line.withheld());
      (line.network_summary ? summaries : per_link) += 1;
      CHECK(line.value == 0);
    }
    CHECK(summaries == 2);  // one per exploitation index
    CHECK(per_link == 0);
    const std::string text = explain(r, row, ExplainFormat::text, Viewer{});
    CHECK(text.find("association cap 0.000") == std::string::npos);
    // The host sees per-link lines on criminal exploitation, where P-K's own score is.
    std::size_t host_links = 0;
    for (const LineView& line : view_contributions(r, row, Viewer::everyone()))
      host_links += line.propagated() && !line.network_summary;
    CHECK(host_links > 0);
  }

  // Readers' networks are kept per set of clearances: two different sets never share one, however
  // their names are spelt.
  TEST_CASE("two readers with different clearances never share a network") {
    const Results r = peer_network(load_bundled_pack("exploitation"));
    const std::size_t row = row_of(r, "P-PNW-C1");
    const Viewer police{{"AG-PNW-POL", "zzz"}, false};
    const Viewer spoof{{std::string("AG-PNW-POL\0zzz", 14)}, false};  // cleared for nothing
    const Viewer none;
    const double alone = ScoreReader(r, none).scores(row).contextual_withheld;
    REQUIRE(alone > 0);
    CHECK(ScoreReader(r, police).scores(row).contextual_withheld == 0);
    CHECK(ScoreReader(r, spoof).scores(row).contextual_withheld == alone);
  }
}
