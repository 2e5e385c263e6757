// Joining up (joining.hpp): the Ash household worked through; each agency's fragment scored
// alone equals a full assessment of a graph holding only that agency's evidence (differential,
// over generated caseloads); the smallest sets reach the joined level and none of their proper
// subsets does (checked against filtered graphs too); the same output for any thread count;
// and nothing about restricted evidence reaches an uncleared viewer.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <regex>
#include <set>

#include "safeguard.h"
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"
#include "safeguard/joining.hpp"
#include "safeguard/training.hpp"
#include "snapshot_columns.hpp"  // private (src/)

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif
#ifndef SAFEGUARD_TEST_DATA_DIR
#define SAFEGUARD_TEST_DATA_DIR "data"
#endif

namespace {

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

std::string bits(double value) {
  std::uint64_t raw;
  std::memcpy(&raw, &value, sizeof raw);
  char buffer[20];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(raw));
  return buffer;
}

std::string vertex_id(const Snapshot& snap, VertexIndex v) {
  return v == kNoVertex ? std::string("-") : std::string(snap.id(v));
}

// Scores, level, lines and fired overrides in terms that do not depend on the snapshot's
// numbering (ids, not vertices), every number to the bit.
std::string describe(const Snapshot& snap, const RuleSet& pack, const double* scores,
                     std::int32_t level, const Contribution* first, const Contribution* last,
                     const std::uint32_t* fired_first, const std::uint32_t* fired_last) {
  std::string out = "level " + std::to_string(level);
  for (std::size_t i = 0; i < pack.indices().size(); ++i) out += " " + bits(scores[i]);
  for (const Contribution* c = first; c != last; ++c) {
    // Risk through the network is kept apart from the scores (contextual = "apart"): it is in
    // no fragment, and a full assessment's propagated lines are the network's, not an agency's.
    if (c->propagated()) continue;
    out += "\n  " + pack.rules()[c->rule].id + " " + vertex_id(snap, c->evidence) + " via " +
           vertex_id(snap, c->via) + " " + std::string(to_string(c->path));
    for (double v : {c->raw, c->decay, c->reach, c->cap_factor, c->value}) out += " " + bits(v);
  }
  for (const std::uint32_t* o = fired_first; o != fired_last; ++o)
    out += "\n  override " + pack.overrides()[*o].id;
  return out;
}

std::string describe_fragment(const Joining& j, const Fragment& f) {
  const Results& r = j.results();
  return describe(r.snapshot(), r.rules(), f.scores.data(), f.level, f.contributions.data(),
                  f.contributions.data() + f.contributions.size(), f.overrides.data(),
                  f.overrides.data() + f.overrides.size());
}

std::string describe_row(const Results& r, std::size_t row) {
  std::vector<double> scores(r.index_count());
  for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = r.score(row, i);
  return describe(r.snapshot(), r.rules(), scores.data(), r.level(row), r.contributions_begin(row),
                  r.contributions_end(row), r.overrides_begin(row), r.overrides_end(row));
}

// A graph holding only the evidence of `agencies`: every other agency's concerns, every factor
// not provided by one of them, and every discretionary override left out; all else kept.
CaseGraph filtered(const std::vector<Batch>& batches, const std::set<std::string>& agencies) {
  CaseGraph graph;
  for (const Batch& batch : batches) {
    Batch kept;
    for (const Edit& edit : batch.items) {
      if (const auto* c = std::get_if<ConcernSpec>(&edit)) {
        if (!agencies.count(c->source)) continue;
      } else if (const auto* f = std::get_if<FactorSpec>(&edit)) {
        if (!agencies.count(f->provided_by)) continue;
      } else if (std::holds_alternative<DiscretionaryOverrideSpec>(edit)) {
        continue;
      }
      kept.items.push_back(edit);
    }
    graph.apply(kept);
  }
  return graph;
}

std::vector<Batch> generated(std::size_t children, std::uint64_t seed) {
  CaseloadOptions options;
  options.children = children;
  options.seed = seed;
  options.children_per_batch = 100;
  std::vector<Batch> out;
  generate_caseload(options, [&](Batch&& b) { out.push_back(std::move(b)); });
  return out;
}

CaseGraph whole(const std::vector<Batch>& batches) {
  CaseGraph graph;
  for (const Batch& b : batches) graph.apply(b);
  return graph;
}

const ChildJoining& child_named(const Joining& j, const char* id) {
  const long row = j.results().find_child(id);
  REQUIRE(row >= 0);
  return j.child(static_cast<std::size_t>(row));
}

std::vector<std::string> names(const Joining& j, const ChildJoining& c) {
  std::vector<std::string> out;
  for (const Fragment& f : c.fragments) out.emplace_back(fragment_name(j, f));
  return out;
}

std::vector<std::vector<std::string>> set_names(const Joining& j, const ChildJoining& c) {
  std::vector<std::vector<std::string>> out;
  for (const auto& set : c.minimal_sets) {
    std::vector<std::string> one;
    for (std::uint32_t i : set) one.emplace_back(fragment_name(j, c.fragments[i]));
    out.push_back(one);
  }
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string lower(std::string text) {
  for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return text;
}

}  // namespace

TEST_SUITE("unit/joining") {
  TEST_CASE("the Ash household: every agency below early help alone, child in need joined") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    CaseGraph graph;
    load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
    const Results results = assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
    const Joining j = join(results, Viewer::everyone());
    const std::int32_t early_help = 1, child_in_need = 2;
    REQUIRE(rules->levels()[early_help].id == "early_help");
    REQUIRE(rules->levels()[child_in_need].id == "child_in_need");
    for (const char* id : {"P-ASH-C1", "P-ASH-C2"}) {
      CAPTURE(id);
      const ChildJoining& c = child_named(j, id);
      CHECK(names(j, c) ==
            std::vector<std::string>{"AG-GP-01", "AG-HSG-01", "AG-POL-01", "AG-SCH-01"});
      for (const Fragment& f : c.fragments) CHECK(f.level < early_help);
      CHECK(c.joined_level == child_in_need);
      CHECK(c.only_when_joined);
      CHECK(c.exact);
      // Contributions add up to each fragment's scores exactly, in the order listed.
      for (const Fragment& f : c.fragments) {
        std::vector<double> sums(f.scores.size(), 0.0);
        for (const Contribution& line : f.contributions) sums[line.index] += line.value;
        for (std::size_t i = 0; i < sums.size(); ++i) CHECK(bits(sums[i]) == bits(f.scores[i]));
      }
      CHECK(c.joining_rules.size() == 1);
      CHECK(rules->rules()[c.joining_rules.at(0)].id == "multi-agency-corroboration");
    }
    // C1 needs its school's and housing's worries (neglect) plus a third agency for the
    // corroboration rule, which since pack 0.3.0 counts only worries about the child's care
    // (issue 17): the GP's missed appointments, not the police's domestic abuse call-out.
    CHECK(set_names(j, child_named(j, "P-ASH-C1")) ==
          std::vector<std::vector<std::string>>{{"AG-GP-01", "AG-HSG-01", "AG-SCH-01"}});
    CHECK(set_names(j, child_named(j, "P-ASH-C2")) ==
          std::vector<std::vector<std::string>>{{"AG-GP-01", "AG-HSG-01", "AG-SCH-01"}});
    // Both children top the triage list (level gap 2).
    REQUIRE(j.triage().size() >= 2);
    std::set<std::string> top = {std::string(results.child_id(j.triage()[0])),
                                 std::string(results.child_id(j.triage()[1]))};
    CHECK(top == std::set<std::string>{"P-ASH-C1", "P-ASH-C2"});

    // An uncleared viewer sees the police's restricted worry only as the withheld pool.
    const Joining hidden = join(results, Viewer{});
    const ChildJoining& c1 = child_named(hidden, "P-ASH-C1");
    CHECK(names(hidden, c1) ==
          std::vector<std::string>{"AG-GP-01", "AG-HSG-01", "AG-SCH-01", "restricted source"});
    CHECK(c1.fragments.back().evidence.empty());
    // The pool (the police call-out) is not about care, so it no longer makes a third agency
    // for corroboration (pack 0.3.0).
    CHECK(set_names(hidden, c1) ==
          std::vector<std::vector<std::string>>{{"AG-GP-01", "AG-HSG-01", "AG-SCH-01"}});
  }

  TEST_CASE("an agency alone gets exactly a full assessment of a graph of its evidence alone") {
    // The default pack, and the exploitation pack, which propagates risk through peers, groups
    // and places and keeps it apart from the level (contextual = "apart").
    for (const char* pack : {"default", "exploitation"}) {
      CAPTURE(pack);
      const auto rules =
          RuleSet::load_file(std::string(SAFEGUARD_SOURCE_DIR "/rules/") + pack + ".toml");
      std::size_t compared = 0;
      std::size_t scored = 0;
      for (std::uint64_t seed : {3u, 11u}) {
        CAPTURE(seed);
        const std::vector<Batch> batches = generated(400, seed);
        const CaseGraph graph = whole(batches);
        const Day as_of = CaseloadOptions{}.as_of;
        const Results results = assess(rules, take_snapshot(graph), {as_of, 1});
        const Joining j = join(results, Viewer::everyone());
        // Every agency with a fragment somewhere: its graph, assessed in full.
        std::map<std::string, std::vector<std::pair<std::size_t, std::size_t>>> by_agency;
        for (std::size_t row = 0; row < j.child_count(); ++row) {
          const ChildJoining& c = j.child(row);
          for (std::size_t k = 0; k < c.fragments.size(); ++k) {
            REQUIRE_FALSE(c.fragments[k].withheld);
            by_agency[std::string(fragment_name(j, c.fragments[k]))].push_back({row, k});
          }
        }
        REQUIRE(by_agency.size() > 5);
        for (const auto& entry : by_agency) {
          const CaseGraph alone = filtered(batches, {entry.first});
          const Results full = assess(rules, take_snapshot(alone), {as_of, 1});
          for (const auto& at : entry.second) {
            const std::string id(results.child_id(at.first));
            const long row = full.find_child(id);
            REQUIRE(row >= 0);
            CAPTURE(id);
            CAPTURE(entry.first);
            CHECK(describe_fragment(j, j.child(at.first).fragments[at.second]) ==
                  describe_row(full, static_cast<std::size_t>(row)));
            ++compared;
            if (full.total(static_cast<std::size_t>(row)) != 0) ++scored;
          }
        }
      }
      CHECK(compared > 500);
      CHECK(scored > 100);  // fragments that score, not only empty ones
    }
  }

  TEST_CASE("every smallest set reaches the joined level and none of its proper subsets does") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    const std::vector<Batch> batches = generated(150, 5);
    const CaseGraph graph = whole(batches);
    const Day as_of = CaseloadOptions{}.as_of;
    const Results results = assess(rules, take_snapshot(graph), {as_of, 1});
    const Joining j = join(results, Viewer::everyone());
    // The level a child reaches on a set of agencies' evidence, from a filtered graph.
    std::map<std::set<std::string>, Results> assessed;
    auto level_on = [&](const std::string& child, const std::set<std::string>& agencies) {
      auto found = assessed.find(agencies);
      if (found == assessed.end()) {
        const CaseGraph part = filtered(batches, agencies);
        found = assessed.emplace(agencies, assess(rules, take_snapshot(part), {as_of, 1})).first;
      }
      const long row = found->second.find_child(child);
      REQUIRE(row >= 0);
      return found->second.level(static_cast<std::size_t>(row));
    };
    std::size_t checked = 0, multi = 0, none_needed = 0;
    for (std::size_t row = 0; row < j.child_count() && checked < 60; ++row) {
      const ChildJoining& c = j.child(row);
      if (c.minimal_sets.empty()) continue;
      if (c.minimal_sets.front().empty()) ++none_needed;
      const std::string id(results.child_id(row));
      CAPTURE(id);
      const std::size_t size = c.minimal_sets.front().size();
      for (const auto& set : c.minimal_sets) {
        CHECK(set.size() == size);
        CHECK(std::is_sorted(set.begin(), set.end()));
        std::vector<std::string> agencies;
        for (std::uint32_t i : set) agencies.emplace_back(fragment_name(j, c.fragments[i]));
        CHECK(level_on(id, {agencies.begin(), agencies.end()}) >= c.joined_level);
        // Every proper subset (the empty set included) stays below.
        for (std::uint32_t mask = 0; mask + 1 < (1u << set.size()); ++mask) {
          std::set<std::string> subset;
          for (std::size_t b = 0; b < set.size(); ++b) {
            if (mask & (1u << b)) subset.insert(agencies[b]);
          }
          CHECK(level_on(id, subset) < c.joined_level);
        }
      }
      if (size > 1) ++multi;
      ++checked;
    }
    CHECK(checked >= 10);
    CHECK(multi >= 1);
    MESSAGE("children reaching their level with no agency's evidence: " << none_needed);
  }

  TEST_CASE("the greedy search above the exact limit finds a set that reaches and is minimal") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    CaseGraph graph;
    load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
    const Results results = assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
    const Joining exact = join(results, Viewer::everyone());
    const Joining greedy = join(results, Viewer::everyone(), JoinOptions{1, 2});
    const ChildJoining& c = child_named(greedy, "P-ASH-C1");
    CHECK_FALSE(c.exact);
    REQUIRE(c.minimal_sets.size() == 1);
    // Here the greedy set is one of the exact smallest sets.
    const auto& sets = child_named(exact, "P-ASH-C1").minimal_sets;
    CHECK(std::find(sets.begin(), sets.end(), c.minimal_sets.front()) != sets.end());
    CHECK(render_joining(greedy, JoinFormat::text).find("greedy") != std::string::npos);
    CHECK_THROWS_AS(join(results, Viewer::everyone(), JoinOptions{1, 21}), Error);
  }

  TEST_CASE("joining is bit-identical whatever the thread count") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    const CaseGraph graph = whole(generated(3000, 17));
    const Results results = assess(rules, take_snapshot(graph), {CaseloadOptions{}.as_of, 2});
    Viewer police;
    police.cleared = {"police"};
    for (const Viewer& viewer : {Viewer::everyone(), Viewer{}, police}) {
      const Joining one = join(results, viewer, JoinOptions{1});
      const Joining three = join(results, viewer, JoinOptions{3});
      const Joining all = join(results, viewer, JoinOptions{0});
      REQUIRE(one.child_count() == three.child_count());
      for (std::size_t row = 0; row < one.child_count(); ++row) {
        const ChildJoining& a = one.child(row);
        const ChildJoining& b = three.child(row);
        REQUIRE(a.fragments.size() == b.fragments.size());
        for (std::size_t k = 0; k < a.fragments.size(); ++k) {
          REQUIRE(describe_fragment(one, a.fragments[k]) ==
                  describe_fragment(three, b.fragments[k]));
        }
        REQUIRE(a.minimal_sets == b.minimal_sets);
        REQUIRE(a.joining_rules == b.joining_rules);
      }
      CHECK(one.triage() == three.triage());
      // One child alone gets what the whole caseload's joining gives it.
      for (std::size_t row = 0; row < one.child_count(); row += 97) {
        const ChildJoining alone = join_child(results, row, viewer);
        REQUIRE(alone.fragments.size() == one.child(row).fragments.size());
        for (std::size_t k = 0; k < alone.fragments.size(); ++k) {
          REQUIRE(describe_fragment(one, alone.fragments[k]) ==
                  describe_fragment(one, one.child(row).fragments[k]));
        }
        REQUIRE(alone.minimal_sets == one.child(row).minimal_sets);
      }
      const std::string json = render_joining(one, JoinFormat::json);
      CHECK(json == render_joining(three, JoinFormat::json));
      CHECK(json == render_joining(all, JoinFormat::json));
      CHECK(one.only_when_joined_count() > 0);
    }
  }

  TEST_CASE("an uncleared viewer learns nothing of restricted evidence from joining") {
    const std::string dir = SAFEGUARD_TEST_DATA_DIR "/joining/";
    const auto rules = RuleSet::load_file(dir + "pack.toml");
    CaseGraph graph;
    load_case_file(graph, dir + "case.json");
    const Results results = assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
    Viewer school;
    school.cleared = {"school", "AG-JN-GP"};
    Viewer cleared;
    cleared.cleared = {"mrktype-intel-3zv"};
    for (const Viewer& viewer : {Viewer{}, school}) {
      const Joining j = join(results, viewer);
      const ChildJoining& c = child_named(j, "P-JN-C1");
      CHECK(names(j, c) == std::vector<std::string>{"AG-JN-GP", "AG-JN-SCH", "restricted source"});
      CHECK(c.only_when_joined);
      for (JoinFormat format : {JoinFormat::text, JoinFormat::json, JoinFormat::csv}) {
        const std::string out = render_joining(j, format);
        CAPTURE(out);
        CHECK(lower(out).find("mrk") == std::string::npos);
        CHECK(out.find("restricted source") != std::string::npos);
        // "Three agencies hold worries" fired only because the restricted concern is the
        // third: naming it would tell this reader a third agency holds one (views.cpp,
        // Contribution::restricted_basis), so joining leaves it out as the explanation does.
        CHECK(out.find("three-agencies") == std::string::npos);
      }
    }
    // The control: a viewer cleared for the unit sees every marker the pool hid.
    const Joining j = join(results, cleared);
    const ChildJoining& c = child_named(j, "P-JN-C1");
    CHECK(names(j, c) == std::vector<std::string>{"AG-JN-GP", "AG-JN-SCH", "AG-MRK-7QX"});
    CHECK(set_names(j, c) == std::vector<std::vector<std::string>>{{"AG-JN-GP", "AG-MRK-7QX"},
                                                                   {"AG-JN-SCH", "AG-MRK-7QX"}});
    const std::string json = render_joining(j, JoinFormat::json);
    CHECK(json.find("three-agencies") != std::string::npos);
    for (const char* marker :
         {"C-MRK-ID-9XW", "AG-MRK-7QX", "MRKRULETITLE", "MRKCHILDTITLE", "mrkoverride-only"}) {
      CAPTURE(marker);
      CHECK(json.find(marker) != std::string::npos);
    }
  }

  TEST_CASE("the withheld pool's points fold into one line in no index, as explain shows them") {
    // Found by the outside check of issue 16: the JSON (and so C's sg_result_joined and
    // Python's Result.joined) gave the pool's points per index ("domestic_abuse": 6.38) and one
    // line per restricted item, each with its index, telling an uncleared reader the category
    // and the number of the police's restricted reports. `explain` folds them into one line of
    // the pack's neutral title in no index; joining now does the same.
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1,
      "agencies": [{"id": "AG-VF-SCH", "type": "school"}, {"id": "AG-VF-POL", "type": "police"}],
      "households": [{"id": "HH-VF"}],
      "persons": [{"id": "P-VF-M", "kind": "adult", "household": "HH-VF"},
                  {"id": "P-VF-C", "kind": "child", "dob": "2015-05-05", "household": "HH-VF"}],
      "concerns": [
        {"id": "C-VF-1", "category": "school_attendance", "severity": 1, "recorded": "2026-09-01",
         "status": "open", "source": "AG-VF-SCH", "about": ["P-VF-C"]},
        {"id": "C-VF-R1", "category": "domestic_abuse", "severity": 2, "recorded": "2026-07-04",
         "status": "closed", "source": "AG-VF-POL", "restricted": true, "about": ["P-VF-M"]},
        {"id": "C-VF-R2", "category": "domestic_abuse", "severity": 2, "recorded": "2026-03-03",
         "status": "closed", "source": "AG-VF-POL", "restricted": true, "about": ["P-VF-M"]}]})",
              "pool.json");
    const Results results = assess(rules, take_snapshot(graph), {day("2026-09-02"), 1});
    const Joining j = join(results, Viewer{});
    const ChildJoining& c = child_named(j, "P-VF-C");
    REQUIRE(names(j, c) == std::vector<std::string>{"AG-VF-SCH", "restricted source"});
    const Fragment& pool = c.fragments[1];
    REQUIRE(pool.contributions.size() == 2);
    const std::string json = render_joining(j, JoinFormat::json);
    CAPTURE(json);
    CHECK(json.find("\"index\": \"domestic_abuse\"") == std::string::npos);
    CHECK(json.find("Restricted evidence") == std::string::npos);
    const std::size_t at = json.find("\"agency\": \"restricted source\"");
    REQUIRE(at != std::string::npos);
    const std::string pool_json = json.substr(at);
    CHECK(pool_json.find("\"domestic_abuse\": 0.0,") != std::string::npos);
    CHECK(pool_json.find("\"withheld_points\": ") != std::string::npos);
    std::size_t withheld_lines = 0;
    for (std::size_t p = pool_json.find("\"withheld\": true"); p != std::string::npos;
         p = pool_json.find("\"withheld\": true", p + 1))
      ++withheld_lines;
    CHECK(withheld_lines == 2);  // the fragment's flag and its one folded line
    CHECK(pool_json.find("\"title\": \"" + rules->neutral_title() + "\"") != std::string::npos);
    // A cleared reader still sees each line with its rule and index.
    const std::string cleared = render_joining(join(results, Viewer::everyone()), JoinFormat::json);
    CHECK(cleared.find("\"index\": \"domestic_abuse\"") != std::string::npos);
    CHECK(cleared.find("\"rule\": \"domestic-abuse-incident\"") != std::string::npos);
  }

  TEST_CASE("propagated risk kept apart is joined, and risk that moves the level is refused") {
    const std::string dir = SAFEGUARD_TEST_DATA_DIR "/views/";
    CaseGraph graph;
    load_case_file(graph, dir + "case.json");
    // pack.toml propagates, keeping the contextual risk apart (the default): joined, and the
    // joined level is the child's own level, not one the network moved.
    const Results apart =
        assess(RuleSet::load_file(dir + "pack.toml"), take_snapshot(graph), {day("2026-11-01"), 1});
    REQUIRE_FALSE(apart.contextual_included());
    const Joining j = join(apart, Viewer::everyone());
    REQUIRE(j.child_count() == apart.child_count());
    for (std::size_t row = 0; row < apart.child_count(); ++row)
      CHECK(j.child(row).joined_level == apart.level(row));
    // The same pack with contextual = "included": refused, with the reason.
    const Results included = assess(RuleSet::load_file(dir + "pack_included.toml"),
                                    take_snapshot(graph), {day("2026-11-01"), 1});
    REQUIRE(included.contextual_included());
    CHECK_THROWS_WITH_AS(join(included, Viewer::everyone()), doctest::Contains("included"), Error);
  }
}

// The C API's entry point: the same list as the C++ renderings, every error a status.
TEST_SUITE("unit/joining") {
  TEST_CASE("sg_result_joined renders the list for a viewer and refuses what it cannot do") {
    sg_graph* graph = nullptr;
    sg_rules* rules = nullptr;
    sg_result* result = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json") ==
            SG_OK);
    REQUIRE(sg_rules_load_file(&rules, SAFEGUARD_SOURCE_DIR "/rules/default.toml") == SG_OK);
    sg_assess_options assess_options = SG_ASSESS_OPTIONS_INIT;
    assess_options.as_of = "2026-11-01";
    REQUIRE(sg_assess(&result, graph, rules, &assess_options) == SG_OK);

    sg_joined_options options = SG_JOINED_OPTIONS_INIT;
    const char* everyone[] = {"*"};
    options.viewer_cleared = everyone;
    options.viewer_cleared_count = 1;
    options.format = SG_FORMAT_JSON;
    char* out = nullptr;
    size_t size = 0;
    REQUIRE(sg_result_joined(&out, &size, result, &options) == SG_OK);
    const std::string json(out, size);
    sg_buffer_free(out);
    CHECK(json.find("\"P-ASH-C1\"") != std::string::npos);
    CHECK(json.find("multi-agency-corroboration") != std::string::npos);
    CHECK(json.find("AG-POL-01") != std::string::npos);

    // The same as the C++ rendering for the same viewer and options.
    CaseGraph cpp_graph;
    load_case_file(cpp_graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
    const Results cpp_results =
        assess(RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml"),
               take_snapshot(cpp_graph), {day("2026-11-01"), 1});
    CHECK(json == render_joining(join(cpp_results, Viewer::everyone()), JoinFormat::json));

    // Uncleared (no viewer list), CSV, first child only.
    options.viewer_cleared = nullptr;
    options.viewer_cleared_count = 0;
    options.format = SG_FORMAT_CSV;
    options.limit = 1;
    REQUIRE(sg_result_joined(&out, nullptr, result, &options) == SG_OK);
    const std::string csv = out;
    sg_buffer_free(out);
    CHECK(csv.find("AG-POL-01") == std::string::npos);
    CHECK(csv.find("C-ASH-3") == std::string::npos);
    CHECK(csv.find("restricted source") != std::string::npos);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 4);

    options.format = 7;
    out = reinterpret_cast<char*>(&size);  // set to NULL on failure
    CHECK(sg_result_joined(&out, nullptr, result, &options) == SG_E_INVALID_ARGUMENT);
    CHECK(out == nullptr);
    options.format = SG_FORMAT_TEXT;
    options.exact_up_to = 21;
    CHECK(sg_result_joined(&out, nullptr, result, &options) == SG_E_INVALID_ARGUMENT);
    CHECK(std::string(sg_error_last()).find("exact_up_to") != std::string::npos);
    sg_result_free(result);
    sg_rules_free(rules);

    // A pack whose propagated risk moves the level: a status and a reason, never an exception.
    sg_graph* views = nullptr;
    REQUIRE(sg_graph_new(&views) == SG_OK);
    REQUIRE(sg_graph_load_file(views, SAFEGUARD_TEST_DATA_DIR "/views/case.json") == SG_OK);
    REQUIRE(sg_rules_load_file(&rules, SAFEGUARD_TEST_DATA_DIR "/views/pack_included.toml") ==
            SG_OK);
    REQUIRE(sg_assess(&result, views, rules, &assess_options) == SG_OK);
    options.exact_up_to = 12;
    CHECK(sg_result_joined(&out, nullptr, result, &options) == SG_E_INVALID_ARGUMENT);
    CHECK(std::string(sg_error_last()).find("contextual") != std::string::npos);
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(views);
    sg_graph_free(graph);
  }
}

TEST_SUITE("unit/joining") {
  TEST_CASE(
      "a training pack: each packet holds one agency's fragment, and one seed gives one pack") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    TrainingOptions options;
    options.seed = 7;
    options.difficulty = 3;
    options.scenarios = 2;
    const std::vector<TrainingPage> pages = training_pack(rules, options);
    REQUIRE(pages.size() > 4);
    CHECK(pages.front().path == "index.html");
    std::size_t reveals = 0, packets = 0;
    std::size_t cases = 0;
    for (const TrainingPage& page : pages) {
      if (page.path.size() > 10 && page.path.substr(page.path.size() - 10) == "/case.json") {
        ++cases;
        continue;
      }
      CHECK(page.html.rfind("<!DOCTYPE html>", 0) == 0);
      CHECK(page.html.find("<html lang=\"en-GB\">") != std::string::npos);
      CHECK(page.html.find("<script") == std::string::npos);
      if (page.path.find("reveal.html") != std::string::npos) {
        ++reveals;
        CHECK(page.html.find("3 agencies had to share") != std::string::npos);
      }
      if (page.path.find("/agency-") != std::string::npos) ++packets;
    }
    CHECK(reveals == 2);
    CHECK(cases == 2);
    CHECK(packets >= 6);
    // Deterministic by seed; another seed, another pack.
    const std::vector<TrainingPage> again = training_pack(rules, options);
    REQUIRE(again.size() == pages.size());
    for (std::size_t i = 0; i < pages.size(); ++i) {
      CHECK(again[i].path == pages[i].path);
      CHECK(again[i].html == pages[i].html);
    }
    options.seed = 8;
    CHECK(training_pack(rules, options).front().html != pages.front().html);

    // Each packet names its own agency's evidence and no other agency's: rebuild the scenario
    // caseload and check every concern id a packet names against its source.
    CaseloadOptions caseload;
    caseload.seed = 7;
    caseload.children = 2000;
    CaseGraph graph;
    generate_caseload(graph, caseload);
    const auto snap = take_snapshot(graph);
    std::size_t named = 0;
    for (const TrainingPage& page : pages) {
      const std::size_t at = page.path.find("/agency-");
      if (at == std::string::npos) continue;
      const std::string agency = page.path.substr(at + 8, page.path.size() - at - 8 - 5);
      for (std::uint32_t c = 0; c < snap->concern_vertex.size(); ++c) {
        const std::string id(snap->id(snap->concern_vertex[c]));
        if (page.html.find("(" + id + ")") == std::string::npos) continue;
        CAPTURE(page.path);
        CAPTURE(id);
        CHECK(snap->id(snap->agency_vertex[snap->concern_source[c]]) == agency);
        ++named;
      }
    }
    CHECK(named >= packets);

    options.difficulty = 1;
    CHECK_THROWS_AS(training_pack(rules, options), Error);
  }
}

TEST_SUITE("unit/joining") {
  TEST_CASE("a scenario's case file gives its child the joined picture of the pack") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    for (std::size_t difficulty : {2u, 3u}) {
      TrainingOptions options;
      options.seed = 11;
      options.difficulty = difficulty;
      options.scenarios = 3;
      const TrainingScenarios scenarios = choose_training_scenarios(rules, options);
      REQUIRE(scenarios.rows.size() == 3);
      for (std::size_t s = 0; s < scenarios.rows.size(); ++s) {
        const std::size_t row = scenarios.rows[s];
        const std::string id(scenarios.results.child_id(row));
        CAPTURE(id);
        CaseGraph graph;
        load_case(graph, scenario_case(scenarios, s), "scenario.json");
        const Results alone = assess(rules, take_snapshot(graph), {options.as_of, 1});
        CHECK(alone.child_count() < 40);
        const long at = alone.find_child(id);
        REQUIRE(at >= 0);
        CHECK(alone.level(static_cast<std::size_t>(at)) == scenarios.results.level(row));
        CHECK(alone.total(static_cast<std::size_t>(at)) ==
              doctest::Approx(scenarios.results.total(row)).epsilon(1e-12));
        // And joining it again names the same agencies and smallest sets.
        const ChildJoining before = join_child(scenarios.results, row, Viewer::everyone());
        const ChildJoining after =
            join_child(alone, static_cast<std::size_t>(at), Viewer::everyone());
        CHECK(after.minimal_sets == before.minimal_sets);
        CHECK(after.fragments.size() == before.fragments.size());
        // The story's name for the child is its display name in the case file, so the name
        // holds when the scenario is assessed on its own.
        const std::string name = training_child_name(scenarios.results, row);
        CHECK_FALSE(name.empty());
        CHECK(training_child_name(alone, static_cast<std::size_t>(at)) == name);
      }
    }
  }

  TEST_CASE("a packet tells its agency's records as a story, in date order") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    TrainingOptions options;
    options.seed = 3;
    options.difficulty = 3;
    options.scenarios = 1;
    const TrainingScenarios scenarios = choose_training_scenarios(rules, options);
    const std::string name = training_child_name(scenarios.results, scenarios.rows[0]);
    std::size_t packets = 0, records = 0;
    for (const TrainingPage& page : training_pages(scenarios)) {
      if (page.path.find("/agency-") == std::string::npos) continue;
      ++packets;
      CAPTURE(page.path);
      // The child by name, the family in words, dates written out, each record a sentence.
      CHECK(page.html.find("<p>" + name + " is ") != std::string::npos);
      CHECK(page.html.find("They live with ") != std::string::npos);
      CHECK(page.html.find("Today is <span class=\"nb\">1 November 2026</span>") !=
            std::string::npos);
      CHECK(page.html.find("What your records alone give " + name) != std::string::npos);
      // Every record: "On <date> your agency recorded a worry about ...", dates ascending.
      const std::regex told(
          "<li>On <span class=\"nb\">([0-9]+) ([A-Z][a-z]+) ([0-9]{4})</span> "
          "your agency recorded a worry about ");
      std::vector<Day> dates;
      for (auto it = std::sregex_iterator(page.html.begin(), page.html.end(), told);
           it != std::sregex_iterator(); ++it) {
        static const std::vector<std::string> months = {
            "January", "February", "March",     "April",   "May",      "June",
            "July",    "August",   "September", "October", "November", "December"};
        const auto month = std::find(months.begin(), months.end(), (*it)[2].str());
        REQUIRE(month != months.end());
        char iso[16];
        std::snprintf(iso, sizeof iso, "%s-%02d-%02d", (*it)[3].str().c_str(),
                      static_cast<int>(month - months.begin()) + 1, std::stoi((*it)[1]));
        dates.push_back(day(iso));
      }
      CHECK(std::is_sorted(dates.begin(), dates.end()));
      records += dates.size();
      CHECK(page.html.find(", severity ") == std::string::npos);  // the old list's wording
    }
    CHECK(packets >= 3);
    CHECK(records >= packets);
  }
}

TEST_SUITE("unit/joining") {
  TEST_CASE("a level the process record reaches alone needs no agency: one empty smallest set") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    const std::string path = SAFEGUARD_SOURCE_DIR "/examples/data/timeline.json";
    CaseGraph graph;
    load_case_file(graph, path);
    const Day as_of = day("2026-10-14");
    const Results results = assess(rules, take_snapshot(graph), {as_of, 1});
    const Joining j = join(results, Viewer::everyone());
    // The children are on child protection plans: the plan holds them at child protection.
    const CaseGraph none = filtered({parse_case(read_text(path), path)}, {});
    const Results bare = assess(rules, take_snapshot(none), {as_of, 1});
    for (const char* id : {"P-ELM-C1", "P-ROW-C1"}) {
      CAPTURE(id);
      const ChildJoining& c = child_named(j, id);
      CHECK(c.joined_level == 3);
      REQUIRE(c.minimal_sets.size() == 1);
      CHECK(c.minimal_sets.front().empty());
      CHECK_FALSE(c.only_when_joined);
      const long row = bare.find_child(id);
      REQUIRE(row >= 0);
      CHECK(bare.level(static_cast<std::size_t>(row)) == c.joined_level);
    }
    CHECK(render_joining(j, JoinFormat::text).find("no agency's evidence is needed") ==
          std::string::npos);  // nothing joining adds: not on the list
  }
}
