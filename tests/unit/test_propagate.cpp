// Network propagation (propagate.hpp, the [propagation] section of rule packs): load-time
// checks that name the weights, scores on small graphs worked out by hand, the association cap,
// decay, places and groups ranked, the assess-time check of unnormalised packs, exact
// explanations and thread-count independence. tests/oracle/katz_networkx.py checks the solver
// against networkx on random graphs.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "safeguard/io.hpp"
#include "safeguard/propagate.hpp"
#include "snapshot_columns.hpp"  // private (src/)

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

constexpr Day kAsOf = 20'000;  // a day number; evidence below is dated relative to it

// Two indices; `cce` rules score exploitation, `absence` neglect; `young` reads the child's age
// and so never scores evidence about a place. `propagation` is the [propagation] table body;
// the pack includes contextual risk in the scores.
std::string pack(const std::string& propagation, const std::string& cce_extra = "") {
  return R"([pack]
id = "net-test"
version = "1"

[[level]]
id = "low"
min = 0

[[level]]
id = "mid"
min = 4

[[level]]
id = "high"
min = 8

[[index]]
id = "neglect"

[[index]]
id = "exploitation"

[[rule]]
id = "absence"
index = "neglect"
heading = "harm"
for = "concern"
when = 'concern.category == "absence"'
points = 2

[[rule]]
id = "cce"
index = "exploitation"
heading = "danger"
for = "concern"
when = 'concern.category == "cce"'
points = "concern.severity"
)" + cce_extra +
         R"(

[[rule]]
id = "young"
index = "exploitation"
heading = "complicating"
for = "concern"
when = 'concern.category == "cce" and child.age < 16'
points = 0.5

[propagation]
)" + propagation +
         // These tests work out scores with the network's points in them (tests/unit/
         // test_contextual.cpp covers the default, "apart").
         "contextual = \"included\"\n";
}

const std::string kUncapped =
    "indices = [\"exploitation\"]\nalpha = 0.5\nweights = { associate = 0.4, frequents = 0.6 "
    "}\n";
const std::string kPlain = kUncapped + "association_cap = 1\n";

std::shared_ptr<const RuleSet> load(const std::string& text) {
  return RuleSet::load_string(text, "net.toml");
}

Status load_status(const std::string& text, std::string* message = nullptr) {
  try {
    load(text);
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.status();
  }
  return Status::ok;
}

ConcernSpec concern(const std::string& id, const std::string& category, int severity, Day when,
                    std::vector<std::string> about) {
  ConcernSpec c;
  c.id = id;
  c.category = category;
  c.severity = severity;
  c.recorded = when;
  c.source = "AG-POL";
  c.about = std::move(about);
  return c;
}

PersonSpec child(const std::string& id) {
  return PersonSpec{id, PersonKind::child, kAsOf - 14 * 366, {}, ""};
}

// Children A, B and C; A and B are associates; A and C frequent the park PL; police hold a
// concern about A (severity 4) and one about the park itself (severity 2).
Batch park() {
  Batch b;
  b.add(AgencySpec{"AG-POL", "police", ""});
  b.add(child("A")).add(child("B")).add(child("C"));
  b.add(PlaceSpec{"PL", "park", ""});
  b.add(RelationSpec{RelationKind::associate, "A", "B"});
  b.add(RelationSpec{RelationKind::frequents, "A", "PL"});
  b.add(RelationSpec{RelationKind::frequents, "C", "PL"});
  b.add(concern("C-A", "cce", 4, kAsOf - 10, {"A"}));
  b.add(concern("C-PL", "cce", 2, kAsOf - 10, {"PL"}));
  return b;
}

Results run(const std::string& pack_text, const Batch& batch, unsigned threads = 1) {
  CaseGraph graph;
  graph.apply(batch);
  return assess(load(pack_text), take_snapshot(graph), {kAsOf, threads});
}

std::size_t row(const Results& r, const char* id) {
  const long found = r.find_child(id);
  REQUIRE(found >= 0);
  return static_cast<std::size_t>(found);
}

std::uint32_t node(const Results& r, const char* id) {
  const Snapshot& snap = r.snapshot();
  for (std::uint32_t n = 0; n < snap.node_vertex.size(); ++n) {
    if (snap.id(snap.node_vertex[n]) == id) return n;
  }
  FAIL("no node " << id);
  return 0;
}

constexpr std::size_t kNeglect = 0, kExploitation = 1;

// Every child's and every place's contributions add up, in order, to exactly its scores.
void check_exact(const Results& r) {
  for (std::size_t child = 0; child < r.child_count(); ++child) {
    std::vector<double> sums(r.index_count(), 0.0);
    for (const Contribution* c = r.contributions_begin(child); c != r.contributions_end(child);
         ++c) {
      sums[c->index] += c->value;
      CHECK(c->value == c->raw * c->decay * c->reach * c->cap_factor);
    }
    for (std::size_t i = 0; i < r.index_count(); ++i) CHECK(sums[i] == r.score(child, i));
  }
  for (std::size_t rank = 0; rank < r.place_count(); ++rank) {
    std::vector<double> sums(r.index_count(), 0.0);
    for (const Contribution* c = r.place_contributions_begin(rank);
         c != r.place_contributions_end(rank); ++c) {
      sums[c->index] += c->value;
    }
    for (std::size_t i = 0; i < r.index_count(); ++i)
      CHECK(sums[i] == r.place_index_score(rank, i));
    if (rank > 0) CHECK(r.place_score(rank - 1) >= r.place_score(rank));
  }
}

}  // namespace

TEST_SUITE("unit/propagate") {
  TEST_CASE("a [propagation] section loads with its defaults") {
    const auto rules =
        load(pack("indices = [\"exploitation\"]\nalpha = 0.3\nweights = { "
                  "associate = 0.5, member_of = 0.25 }\n"));
    const PropagationSettings& p = rules->propagation();
    CHECK(p.enabled);
    REQUIRE(p.indices.size() == 1);
    CHECK(p.indices[0] == kExploitation);
    CHECK(p.alpha == 0.3);
    CHECK(p.weights[static_cast<int>(RelationKind::associate)] == 0.5);
    CHECK(p.weights[static_cast<int>(RelationKind::member_of)] == 0.25);
    CHECK(p.weights[static_cast<int>(RelationKind::frequents)] == 0);
    CHECK(p.normalise == Normalise::per_type);
    CHECK(p.association_cap == 0.5);
    CHECK(p.heading == Heading::danger);
    CHECK(p.where.line > 0);
    CHECK_FALSE(load(pack(kPlain + "enabled = false\n"))->propagation().enabled);
    // The settings are part of the pack's identity.
    CHECK(load(pack(kPlain))->hash() != load(pack(kPlain + "tolerance = 1e-12\n"))->hash());
  }

  TEST_CASE("a pack whose spread could diverge is refused, naming the weights") {
    std::string message;
    CHECK(load_status(pack("indices = [\"exploitation\"]\nalpha = 0.95\nweights = { associate = "
                           "0.6, frequents = 0.5 }\n"),
                      &message) == Status::divergent);
    CHECK(message.find("net.toml:") == 0);
    CHECK(message.find("0.95 x (associate 0.6 + frequents 0.5) = 1.045") != std::string::npos);
    CHECK(load_status(pack("indices = [\"exploitation\"]\nalpha = 0.9\nweights = { associate = "
                           "0.6, frequents = 0.5 }\n")) == Status::ok);
    // Without normalisation a single link of weight w already gives radius alpha * w.
    CHECK(load_status(pack("indices = [\"exploitation\"]\nalpha = 0.5\nnormalise = \"none\"\n"
                           "weights = { associate = 0.3, member_of = 2.5 }\n"),
                      &message) == Status::divergent);
    CHECK(message.find("member_of") != std::string::npos);
    CHECK(message.find("0.5 x 2.5 = 1.25") != std::string::npos);
    CHECK(load_status(pack("indices = [\"exploitation\"]\nalpha = 0.5\nnormalise = \"none\"\n"
                           "weights = { associate = 1.5 }\n")) == Status::ok);
  }

  TEST_CASE("bad [propagation] settings are load errors with their place") {
    std::string message;
    CHECK(load_status(pack("indices = [\"exploitation\"]\nalpha = 1\nweights = { associate = "
                           "0.1 }\n"),
                      &message) == Status::invalid_data);
    CHECK(message.find("alpha") != std::string::npos);
    CHECK(load_status(pack("indices = [\"exploitaton\"]\nalpha = 0.5\nweights = { associate = "
                           "0.1 }\n"),
                      &message) == Status::not_found);
    CHECK(message.find("net.toml:") == 0);
    CHECK(load_status(pack("indices = [\"exploitation\"]\nalpha = 0.5\nweights = { friend = "
                           "0.1 }\n"),
                      &message) == Status::invalid_data);
    CHECK(message.find("unknown relation 'friend'") != std::string::npos);
    CHECK(load_status(pack("indices = [\"exploitation\"]\nalpha = 0.5\nweights = { about = "
                           "0.1 }\n")) == Status::invalid_data);
    CHECK(load_status(pack("indices = [\"exploitation\"]\nalpha = 0.5\nweights = { associate = "
                           "-0.1, frequents = 0.2 }\n")) == Status::invalid_data);
    CHECK(load_status(pack("indices = [\"exploitation\"]\nalpha = 0.5\nweights = { associate = "
                           "0 }\n")) == Status::invalid_data);
    CHECK(load_status(pack(kUncapped + "association_cap = 0\n")) == Status::invalid_data);
    CHECK(load_status(pack(kUncapped + "association_cap = 1.5\n")) == Status::invalid_data);
    CHECK(load_status(pack(kPlain + "tolerance = 0\n")) == Status::invalid_data);
    CHECK(load_status(pack(kPlain + "max_iterations = 0\n")) == Status::invalid_data);
    CHECK(load_status(pack(kPlain + "normalise = \"mean\"\n")) == Status::invalid_data);
    CHECK(load_status(pack(kPlain + "heading = \"worry\"\n")) == Status::invalid_data);
    CHECK(load_status(pack(kPlain + "damping = 0.5\n")) == Status::invalid_data);
    CHECK(load_status(pack("alpha = 0.5\nweights = { associate = 0.1 }\n")) ==
          Status::invalid_data);
    CHECK(load_status(pack("indices = [\"exploitation\", \"exploitation\"]\nalpha = 0.5\n"
                           "weights = { associate = 0.1 }\n")) == Status::duplicate);
    // The rule id of propagated contributions is reserved.
    CHECK(load_status(pack(kPlain) + "\n[[rule]]\nid = \"propagation\"\nindex = \"neglect\"\n"
                                     "heading = \"harm\"\nfor = \"child\"\npoints = 1\n") ==
          Status::invalid_data);
  }

  TEST_CASE("scores travel through peers and places as worked out by hand") {
    const Results r = run(pack(kPlain), park());
    check_exact(r);
    // s = (A 4, B 0, C 0, PL 2); per-type weights: A takes 0.4 from B and 0.6 from PL, B 0.4
    // from A, C 0.6 from PL, PL 0.3 from each of its two visitors. A's own 0.5 from `young`
    // counts too: s_A = 4.5. Eliminating B and C:
    //   r_A = 4.5 + 0.5 (0.4 * 0.2 r_A + 0.6 r_PL)      (r_B = 0.2 r_A)
    //   r_PL = 2 + 0.5 (0.3 r_A + 0.3 * 0.3 r_PL)      (r_C = 0.3 r_PL)
    const double a11 = 1 - 0.04, a12 = -0.3, a21 = -0.15, a22 = 1 - 0.045;
    const double det = a11 * a22 - a12 * a21;
    const double r_a = (4.5 * a22 - a12 * 2) / det;
    const double r_pl = (a11 * 2 - a21 * 4.5) / det;
    CHECK(r.score(row(r, "A"), kExploitation) == doctest::Approx(r_a).epsilon(1e-9));
    CHECK(r.score(row(r, "B"), kExploitation) == doctest::Approx(0.2 * r_a).epsilon(1e-9));
    CHECK(r.score(row(r, "C"), kExploitation) == doctest::Approx(0.3 * r_pl).epsilon(1e-9));
    CHECK(r.node_own_score(node(r, "PL"), 0) == 2);  // `young` reads the child: not for places
    CHECK(r.node_score(node(r, "PL"), 0) == doctest::Approx(r_pl).epsilon(1e-9));
    CHECK(r.score(row(r, "A"), kNeglect) == 0);  // neglect does not propagate
    CHECK(r.propagation().ran);
    CHECK(r.propagation().radius_bound == doctest::Approx(0.5));
    CHECK(r.propagation().iterations > 1);
    // B had nothing of its own: all of its score came through its associate A.
    const std::size_t b = row(r, "B");
    REQUIRE(r.contribution_count(b) == 1);
    const Contribution& line = *r.contributions_begin(b);
    CHECK(line.propagated());
    CHECK(line.rule == kNoRule);
    CHECK(line.index == kExploitation);
    CHECK(r.vertex_id(line.via) == "A");
    CHECK(line.relation == RelationKind::associate);
    CHECK(line.reach == doctest::Approx(0.2));
    CHECK(line.raw == doctest::Approx(r_a).epsilon(1e-9));
    CHECK(r.level(b) == r.rules().level_for(kExploitation, r.score(b, kExploitation)));
    // The park is ranked with its own evidence and its visitors.
    REQUIRE(r.place_count() == 1);
    CHECK(r.place_id(0) == "PL");
    CHECK(r.find_place("PL") == 0);
    CHECK(r.find_place("A") == -1);
    CHECK(r.place_contribution_count(0) == 3);  // C-PL, then A and C
    CHECK_FALSE(r.place_contributions_begin(0)->propagated());
  }

  TEST_CASE("the association cap limits a child's share from association, visibly") {
    const std::string capped =
        "indices = [\"exploitation\"]\nalpha = 0.5\nweights = { associate "
        "= 0.4, frequents = 0.6 }\nassociation_cap = 0.2\n";
    Batch b = park();
    b.add(concern("C-C", "cce", 1, kAsOf - 10, {"C"}));
    const Results r = run(pack(capped), b);
    check_exact(r);
    // B has no evidence of its own: association alone never scores it (and it passes nothing
    // on). C's own 1.5 allows 0.2 / 0.8 * 1.5 = 0.375 from association.
    CHECK(r.score(row(r, "B"), kExploitation) == 0);
    // One line stands for everything B was offered: 0.5 x 0.4 x A's score, none counted.
    REQUIRE(r.contribution_count(row(r, "B")) == 1);
    const Contribution& held = *r.contributions_begin(row(r, "B"));
    CHECK(held.propagated());
    CHECK(held.via == kNoVertex);
    CHECK(held.cap_factor == 0);
    CHECK(held.value == 0);
    CHECK(held.raw == doctest::Approx(0.2 * r.score(row(r, "A"), kExploitation)));
    const std::string b_text = explain(r, row(r, "B"), ExplainFormat::text);
    CHECK(b_text.find("points offered through the network, none counted") != std::string::npos);
    CHECK(b_text.find("association cap bit on exploitation: 0.00 of") != std::string::npos);
    CHECK(explain(r, row(r, "B"), ExplainFormat::json).find("\"path\": \"network\"") !=
          std::string::npos);
    const double c = r.score(row(r, "C"), kExploitation);
    CHECK(c == doctest::Approx(1.5 + 0.375));
    bool bit = false;
    for (const Contribution* line = r.contributions_begin(row(r, "C"));
         line != r.contributions_end(row(r, "C")); ++line) {
      if (line->propagated()) bit = bit || line->cap_factor < 1;
    }
    CHECK(bit);
    // A takes from the park only (B passes nothing on); at most 0.25 x 4.5 may: no bite.
    CHECK(r.score(row(r, "A"), kExploitation) > 4.5);
    const std::string text = explain(r, row(r, "C"), ExplainFormat::text);
    CHECK(text.find("association cap bit on exploitation") != std::string::npos);
    CHECK(text.find("at most 20% of a score may come from association") != std::string::npos);
    const std::string json = explain(r, row(r, "C"), ExplainFormat::json);
    CHECK(json.find("\"association_cap\": [") != std::string::npos);
    CHECK(json.find("\"kind\": \"propagated\"") != std::string::npos);
  }

  TEST_CASE("propagated risk decays with the evidence it came from") {
    const std::string half_life = "half_life_days = 100\n";
    Batch fresh = park(), old = park();
    old.items.pop_back();
    old.items.pop_back();
    old.add(concern("C-A", "cce", 4, kAsOf - 200, {"A"}));
    old.add(concern("C-PL", "cce", 2, kAsOf - 200, {"PL"}));
    const Results now = run(pack(kPlain, half_life), fresh);
    const Results later = run(pack(kPlain, half_life), old);
    // Every own score of the places decays by 2^-(190/100) more; B takes only from A, whose own
    // score mixes decayed (cce) and undecayed (young) points, so B falls but by less.
    const double factor = std::exp2(-190.0 / 100);
    CHECK(later.node_own_score(node(later, "PL"), 0) ==
          doctest::Approx(now.node_own_score(node(now, "PL"), 0) * factor));
    CHECK(later.score(row(later, "B"), kExploitation) < now.score(row(now, "B"), kExploitation));
    check_exact(later);
  }

  TEST_CASE("switched off, a pack scores as if it had no [propagation]") {
    const Results r = run(pack(kPlain + "enabled = false\n"), park());
    CHECK_FALSE(r.propagation().ran);
    CHECK(r.place_count() == 0);
    CHECK(r.score(row(r, "B"), kExploitation) == 0);
    CHECK(r.score(row(r, "A"), kExploitation) == 4.5);
    CHECK(r.propagating_count() == 0);
  }

  TEST_CASE("groups concentrate risk, an unnormalised pack is checked on the graph itself") {
    auto group_of = [](int members) {
      Batch b;
      b.add(AgencySpec{"AG-POL", "police", ""});
      b.add(GroupSpec{"G-1", "peer_group", ""});
      b.add(GroupSpec{"G-2", "peer_group", ""});
      for (int i = 0; i < members; ++i) {
        const std::string id = "K-" + std::to_string(i);
        b.add(child(id));
        b.add(RelationSpec{RelationKind::member_of, id, i < 2 ? "G-2" : "G-1"});
      }
      b.add(concern("C-K", "cce", 3, kAsOf - 1, {"K-5"}));
      return b;
    };
    const std::string none =
        "indices = [\"exploitation\"]\nalpha = 0.5\nnormalise = \"none\"\nweights = { member_of "
        "= 0.3 }\nassociation_cap = 1\n";
    // A star of 30 around G-1: its row sums to 8.4 (alpha x 4.2 > 1) but the radius is
    // 0.3 * sqrt(28) = 1.59, so alpha * rho = 0.79 and the power iterations certify it.
    const Results r = run(pack(none), group_of(30));
    check_exact(r);
    CHECK(r.propagation().radius_bound < 1);
    CHECK(r.propagation().radius_bound >= 0.5 * 0.3 * std::sqrt(28.0) - 1e-12);
    REQUIRE(r.place_count() == 2);
    CHECK(r.place_id(0) == "G-1");
    CHECK(r.place_score(1) == 0);
    CHECK(r.snapshot().symbol(r.snapshot().node_label[r.place_node(0)]) == "peer_group");
    // Sixty members: radius 0.3 * sqrt(58) = 2.28, alpha * rho = 1.14.
    CaseGraph graph;
    graph.apply(group_of(60));
    try {
      assess(load(pack(none)), take_snapshot(graph), {kAsOf, 1});
      FAIL("a divergent spread was accepted");
    } catch (const Error& e) {
      CHECK(e.status() == Status::divergent);
      CHECK(e.where().entity == "G-1");
      const std::string message = e.what();
      CHECK(message.find("58 member_of links x 0.3") != std::string::npos);
      CHECK(message.find("estimated at 1.14") != std::string::npos);
      CHECK(message.find("net.toml:") == 0);
    }
    // The same graph with per-type weights: every member takes 0.3 of the group's score.
    const Results mean = run(pack("indices = [\"exploitation\"]\nalpha = 0.5\nweights = { "
                                  "member_of = 0.3 }\nassociation_cap = 1\n"),
                             group_of(60));
    check_exact(mean);
    CHECK(mean.place_id(0) == "G-1");
  }

  TEST_CASE("an iteration limit that is too small is reported, not silently used") {
    CaseGraph graph;
    graph.apply(park());
    try {
      assess(load(pack(kPlain + "max_iterations = 2\n")), take_snapshot(graph), {kAsOf, 1});
      FAIL("an unconverged solve was accepted");
    } catch (const Error& e) {
      CHECK(e.status() == Status::divergent);
      CHECK(std::string(e.what()).find("did not converge within 2 iterations") !=
            std::string::npos);
    }
  }

  TEST_CASE("explanations name the neighbour and the relation, places explain themselves") {
    Batch b = park();
    ConcernSpec secret = concern("C-PL-2", "cce", 1, kAsOf - 3, {"PL"});
    secret.restricted = true;
    b.add(secret);
    const Results r = run(pack(kPlain), b);
    const std::string text = explain(r, row(r, "C"), ExplainFormat::text);
    CHECK(text.find("Risk through peers, groups and places [propagation, exploitation]") !=
          std::string::npos);
    CHECK(text.find("from PL (place) through frequents") != std::string::npos);
    const std::string place = explain_place(r, 0, ExplainFormat::text);
    CHECK(place.find("Place PL (park)") == 0);
    CHECK(place.find("Own evidence") != std::string::npos);
    CHECK(place.find("evidence: C-PL from AG-POL (police)") != std::string::npos);
    CHECK(place.find("C-PL-2") == std::string::npos);
    // A place has no level to explain, so its own restricted evidence is not shown to an
    // uncleared reader at all, not even as a restricted source (docs/rules.md, "Who sees what").
    CHECK(place.find("restricted source") == std::string::npos);
    CHECK(place.find("from A (person) through frequents") != std::string::npos);
    Viewer police;
    police.cleared = {"police"};
    CHECK(explain_place(r, 0, ExplainFormat::text, police).find("C-PL-2") != std::string::npos);
    const std::string json = explain_place(r, 0, ExplainFormat::json);
    CHECK(json.find("\"label\": \"park\"") != std::string::npos);
    CHECK(json.find("\"relation\": \"frequents\"") != std::string::npos);
    CHECK_THROWS_AS(explain_place(r, 1, ExplainFormat::text), Error);
  }

  TEST_CASE("results with propagation are bit-identical whatever the thread count") {
    // 1200 children in a ring of associates, every tenth at a youth club, some with concerns.
    Batch b;
    b.add(AgencySpec{"AG-POL", "police", ""});
    b.add(PlaceSpec{"PL-CLUB", "youth_club", ""});
    const int n = 1200;
    for (int i = 0; i < n; ++i) b.add(child("K-" + std::to_string(i)));
    for (int i = 0; i < n; ++i) {
      b.add(RelationSpec{RelationKind::associate, "K-" + std::to_string(i),
                         "K-" + std::to_string((i + 1) % n)});
      if (i % 10 == 0)
        b.add(RelationSpec{RelationKind::frequents, "K-" + std::to_string(i), "PL-CLUB"});
      if (i % 7 == 0)
        b.add(concern("C-" + std::to_string(i), "cce", 1 + i % 5, kAsOf - i,
                      {"K-" + std::to_string(i)}));
    }
    const std::string settings =
        "indices = [\"exploitation\"]\nalpha = 0.6\nweights = { "
        "associate = 0.5, frequents = 0.4 }\nassociation_cap = 0.6\n";
    const Results one = run(pack(settings), b, 1);
    const Results four = run(pack(settings), b, 4);
    check_exact(one);
    CHECK(one.scores() == four.scores());
    CHECK(one.levels() == four.levels());
    REQUIRE(one.place_count() == four.place_count());
    CHECK(one.place_score(0) == four.place_score(0));
    for (std::size_t r = 0; r < one.child_count(); ++r) {
      REQUIRE(one.contribution_count(r) == four.contribution_count(r));
      for (std::size_t k = 0; k < one.contribution_count(r); ++k)
        CHECK(one.contributions_begin(r)[k].value == four.contributions_begin(r)[k].value);
    }
  }

  TEST_CASE("the solver alone: Katz centrality of a path, and the cap as a per-row limit") {
    // A path 0 - 1 - 2 with unit weights (normalise none): r = s + alpha W r.
    SparseRowMatrix w(3, 3);
    w.insert(0, 1) = 1;
    w.insert(1, 0) = 1;
    w.insert(1, 2) = 1;
    w.insert(2, 1) = 1;
    w.makeCompressed();
    Eigen::VectorXd s(3), r, work;
    s << 1, 0, 0;
    const double alpha = 0.25;
    SolveReport report = solve_propagation(w, s, nullptr, {alpha, 1e-14, 1000}, r, work);
    CHECK(report.converged);
    // (I - alpha W) r = s for the path: r1 = alpha (r0 + r2), r2 = alpha r1, r0 = 1 + alpha r1.
    const double r1 = alpha / (1 - 2 * alpha * alpha);
    CHECK(r[1] == doctest::Approx(r1).epsilon(1e-12));
    CHECK(r[0] == doctest::Approx(1 + alpha * r1).epsilon(1e-12));
    CHECK(r[2] == doctest::Approx(alpha * r1).epsilon(1e-12));
    Eigen::VectorXd limit(3);
    limit << 1e300, 0.1, 1e300;
    report = solve_propagation(w, s, &limit, {alpha, 1e-14, 1000}, r, work);
    CHECK(report.converged);
    CHECK(r[1] == doctest::Approx(0.1));
    CHECK(r[2] == doctest::Approx(0.025));
    CHECK(estimate_spectral_radius(w, 200).upper == doctest::Approx(std::sqrt(2.0)).epsilon(1e-6));
    report = solve_propagation(w, s, nullptr, {alpha, 1e-14, 3}, r, work);
    CHECK_FALSE(report.converged);
    CHECK(report.iterations == 3);
  }
}

TEST_SUITE("unit/propagate: graph") {
  TEST_CASE("concerns may be about places and groups, and round-trip through case files") {
    CaseGraph graph;
    Batch b = park();
    b.add(GroupSpec{"G", "peer_group", "Fictional crew"});
    b.add(RelationSpec{RelationKind::member_of, "B", "G"});
    b.add(concern("C-G", "cce", 3, kAsOf - 5, {"G", "B"}));
    graph.apply(b);
    auto status_of = [&](const ConcernSpec& c) {
      try {
        graph.apply(Batch().add(c));
      } catch (const Error& e) {
        return e.status();
      }
      return Status::ok;
    };
    CHECK(status_of(concern("C-X", "cce", 3, kAsOf, {"AG-POL"})) == Status::invalid_data);
    CHECK(status_of(concern("C-X", "cce", 3, kAsOf, {"PL", "PL"})) == Status::duplicate);
    CHECK(status_of(concern("C-X", "cce", 3, kAsOf, {"NOPE"})) == Status::not_found);
    const std::string saved = save_case(graph);
    CaseGraph again;
    load_case(again, saved, "saved.json");
    CHECK(save_case(again) == saved);
    CHECK(saved.find("\"PL\"") != std::string::npos);
    // Erasing B leaves the concern about the group (and the group's member_of link goes).
    again.apply(Batch().add(ErasePerson{"B"}));
    CHECK(again.find("C-G").has_value());
    const auto snap = take_snapshot(again);
    const std::uint32_t g = snap->vertex_node[*again.find("G")];
    CHECK(snap->node_links.size(g) == 0);
    CHECK(snap->node_concerns.size(g) == 1);
    const std::uint32_t pl = snap->vertex_node[*again.find("PL")];
    CHECK(snap->node_links.size(pl) == 2);
    CHECK(snap->node_concerns.size(pl) == 1);
  }
}

TEST_SUITE("unit/propagate") {
  TEST_CASE("lint: a rule reaching associates on a propagating index counts peers twice") {
    const auto double_counted = load(pack(kPlain, "reach = { self = 1.0, associate = 0.25 }\n"));
    bool found = false;
    for (const LintWarning& w : lint(*double_counted)) {
      if (w.code != "propagation-double-count") continue;
      found = true;
      CHECK(w.where.entity == "cce");
      CHECK(w.message.find("'exploitation'") != std::string::npos);
    }
    CHECK(found);
    for (const LintWarning& w : lint(*load(pack(kPlain))))
      CHECK(w.code != "propagation-double-count");
  }
}

TEST_SUITE("unit/propagate") {
  TEST_CASE("graphs with nothing to spread: empty, and children without links") {
    const Results empty = run(pack(kPlain), Batch());
    CHECK(empty.child_count() == 0);
    CHECK(empty.place_count() == 0);
    CHECK(empty.propagation().ran);
    Batch alone;
    alone.add(AgencySpec{"AG-POL", "police", ""});
    alone.add(child("A")).add(child("B"));
    alone.add(PlaceSpec{"PL", "park", ""});
    alone.add(concern("C-A", "cce", 4, kAsOf - 10, {"A"}));
    const Results with = run(pack(kPlain), alone);
    const Results without = run(pack(kPlain + "enabled = false\n"), alone);
    CHECK(with.scores() == without.scores());
    CHECK(with.contribution_count(row(with, "A")) == without.contribution_count(row(without, "A")));
    REQUIRE(with.place_count() == 1);
    CHECK(with.place_score(0) == 0);
    CHECK(with.place_contribution_count(0) == 0);
  }
}
