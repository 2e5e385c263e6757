// The compact adjacency behind CaseGraph (src/graph_topology.hpp): Boost.Graph's concepts over
// it, the base a bulk build makes, the delta later edits add, tombstones, marks and their undo,
// compaction; and the same through CaseGraph, whose saves must not depend on which of these
// holds an edge.
#include <doctest/doctest.h>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/graph_concepts.hpp>
#include <boost/property_map/property_map.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "graph_topology.hpp"  // private (src/)
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"

using namespace safeguard;
using detail::Adjacency;
using detail::EdgeDescriptor;

BOOST_CONCEPT_ASSERT((boost::IncidenceGraphConcept<Adjacency>));
BOOST_CONCEPT_ASSERT((boost::BidirectionalGraphConcept<Adjacency>));
BOOST_CONCEPT_ASSERT((boost::VertexListGraphConcept<Adjacency>));

namespace {

Adjacency with_vertices(std::size_t n) {
  Adjacency adj;
  for (std::size_t v = 0; v < n; ++v) {
    detail::VertexData data;
    data.kind = VertexKind::person;
    data.slot = static_cast<std::uint32_t>(v);
    adj.add_vertex(data);
  }
  return adj;
}

// A vertex's out- and in-lists as "target:kind" and "source:kind".
std::string lists(const Adjacency& adj, VertexIndex v) {
  std::string out = "out";
  for (auto e : boost::make_iterator_range(out_edges(v, adj)))
    out += " " + std::to_string(target(e, adj)) + ":" + std::string(to_string(adj[e].kind));
  out += " in";
  for (auto e : boost::make_iterator_range(in_edges(v, adj)))
    out += " " + std::to_string(source(e, adj)) + ":" + std::string(to_string(adj[e].kind));
  return out;
}

std::string all_lists(const Adjacency& adj) {
  std::string out;
  for (VertexIndex v = 0; v < num_vertices(adj); ++v)
    out += std::to_string(v) + ": " + lists(adj, v) + "\n";
  return out;
}

// The edge `adj` walks first from `v` of `kind` (out or in) towards `other`.
EdgeDescriptor find_edge(const Adjacency& adj, VertexIndex v, VertexIndex other, bool in,
                         std::size_t skip = 0) {
  for (auto e : boost::make_iterator_range(in ? in_edges(v, adj) : out_edges(v, adj))) {
    if ((in ? source(e, adj) : target(e, adj)) == other && skip-- == 0) return e;
  }
  FAIL("no such edge");
  return {};
}

void add(Adjacency& adj, VertexIndex from, VertexIndex to, RelationKind kind) {
  adj.reserve_edge(from, to);
  adj.add_edge(from, to, kind);
}

void remove(Adjacency& adj, const EdgeDescriptor& e) {
  const detail::EdgeRef ref = adj.locate(e);
  adj.mark(ref);
  adj.kill(ref);
}

const RelationKind kParent = RelationKind::parent_of;
const RelationKind kSibling = RelationKind::sibling_of;

}  // namespace

TEST_SUITE("unit/graph_topology") {
  TEST_CASE("a bulk build keeps each vertex's edges in the order they came, on both sides") {
    Adjacency adj = with_vertices(4);
    adj.build({{2, 1, kParent}, {0, 1, kParent}, {0, 3, kSibling}, {3, 0, kSibling}});
    CHECK(num_edges(adj) == 4);
    CHECK(lists(adj, 0) == "out 1:parent_of 3:sibling_of in 3:sibling_of");
    CHECK(lists(adj, 1) == "out in 2:parent_of 0:parent_of");
    CHECK(out_degree(0, adj) == 2);
    CHECK(in_degree(1, adj) == 2);
    CHECK(degree(3, adj) == 2);
  }

  TEST_CASE("Boost.Graph's algorithms walk it") {
    Adjacency adj = with_vertices(5);
    adj.build({{0, 1, kParent}, {1, 2, kParent}});
    add(adj, 2, 3, kParent);  // in the delta
    std::vector<boost::default_color_type> colour(num_vertices(adj));
    std::vector<VertexIndex> reached;
    struct Visitor : boost::default_bfs_visitor {
      std::vector<VertexIndex>* reached;
      void discover_vertex(VertexIndex v, const Adjacency&) const { reached->push_back(v); }
    } visitor;
    visitor.reached = &reached;
    boost::breadth_first_search(
        adj, 0,
        boost::visitor(visitor).color_map(boost::make_iterator_property_map(
            colour.begin(), boost::typed_identity_property_map<VertexIndex>())));
    CHECK(reached == std::vector<VertexIndex>{0, 1, 2, 3});
  }

  TEST_CASE(
      "edits after a bulk build come after the built edges, and a tombstone keeps its place") {
    Adjacency adj = with_vertices(4);
    adj.build({{0, 1, kParent}, {0, 2, kParent}});
    add(adj, 0, 3, kSibling);
    add(adj, 3, 0, kSibling);
    CHECK(lists(adj, 0) == "out 1:parent_of 2:parent_of 3:sibling_of in 3:sibling_of");
    remove(adj, find_edge(adj, 0, 1, false));
    CHECK(lists(adj, 0) == "out 2:parent_of 3:sibling_of in 3:sibling_of");
    CHECK(lists(adj, 1) == "out in");
    add(adj, 0, 1, kParent);  // re-added: now last, as adjacency_list put it
    CHECK(lists(adj, 0) == "out 2:parent_of 3:sibling_of 1:parent_of in 3:sibling_of");
    CHECK(lists(adj, 1) == "out in 0:parent_of");
    remove(adj, find_edge(adj, 0, 3, true));  // from the in-side: 3 -> 0
    CHECK(lists(adj, 3) == "out in 0:sibling_of");
    CHECK(num_edges(adj) == 3);
  }

  TEST_CASE("an undone mark and a popped edge leave the lists as they were") {
    Adjacency adj = with_vertices(3);
    adj.build({{0, 1, kParent}, {0, 2, kParent}});
    const std::string before = all_lists(adj);
    const EdgeDescriptor e = find_edge(adj, 1, 0, true);
    const detail::EdgeRef ref = adj.locate(e);
    adj.mark(ref);
    CHECK(adj.marked(e));
    CHECK(adj.marked(find_edge(adj, 0, 1, false)));  // both ends are marked
    CHECK(all_lists(adj) == before);                 // a mark hides nothing: the walk skips it
    adj.reserve_edge(2, 1);
    adj.add_edge(2, 1, kSibling);
    adj.pop_edge(2, 1);
    adj.unmark(ref);
    CHECK_FALSE(adj.marked(e));
    CHECK(all_lists(adj) == before);
    CHECK(num_edges(adj) == 2);
  }

  TEST_CASE("parallel edges pair the n-th entry on one side with the n-th on the other") {
    // A batch that removes an edge and adds it again holds both until it commits.
    Adjacency adj = with_vertices(3);
    adj.build({{0, 1, kParent}, {2, 1, kParent}});
    const detail::EdgeRef old_edge = adj.locate(find_edge(adj, 0, 1, false));
    adj.mark(old_edge);
    add(adj, 0, 1, kParent);
    const EdgeDescriptor new_from_in = find_edge(adj, 1, 0, true, 1);
    CHECK_FALSE(adj.marked(new_from_in));
    CHECK(adj.marked(find_edge(adj, 1, 0, true, 0)));
    const detail::EdgeRef located = adj.locate(new_from_in);
    CHECK(located.out_in_delta);
    CHECK(located.in_in_delta);
    adj.kill(old_edge);
    CHECK(lists(adj, 0) == "out 1:parent_of in");
    CHECK(lists(adj, 1) == "out in 2:parent_of 0:parent_of");
    CHECK(adj.locate(find_edge(adj, 0, 1, false)).in_in_delta);
  }

  TEST_CASE("compaction keeps every list as it was and drops the tombstones") {
    Adjacency adj = with_vertices(50);
    std::vector<Adjacency::StagedEdge> built;
    for (VertexIndex v = 0; v + 1 < 50; ++v) built.push_back({v, v + 1, kParent});
    adj.build(built);
    for (int round = 0; round < 200; ++round) {
      for (VertexIndex v = 0; v + 2 < 50; v += 3) {
        add(adj, v, v + 2, kSibling);
        remove(adj, find_edge(adj, v, v + 2, false));
      }
    }
    add(adj, 7, 9, kSibling);
    remove(adj, find_edge(adj, 4, 5, false));
    REQUIRE(adj.wants_compaction());
    const std::string before = all_lists(adj);
    const std::size_t edges = num_edges(adj);
    adj.compact();
    CHECK_FALSE(adj.wants_compaction());
    CHECK(all_lists(adj) == before);
    CHECK(num_edges(adj) == edges);
    add(adj, 1, 3, kSibling);  // and it takes edits again
    CHECK(lists(adj, 1) == "out 2:parent_of 3:sibling_of in 0:parent_of");
  }
}

namespace {

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

ConcernSpec concern(const std::string& id, std::vector<std::string> about) {
  ConcernSpec c;
  c.id = id;
  c.category = "school_attendance";
  c.severity = 2;
  c.recorded = day("2026-10-01");
  c.source = "AG-1";
  c.about = std::move(about);
  return c;
}

Batch family() {
  Batch b;
  b.add(AgencySpec{"AG-1", "school", "Fictional School"});
  b.add(HouseholdSpec{"HH-1"});
  b.add(PersonSpec{"P-M", PersonKind::adult, day("1990-01-01"), {}, "HH-1"});
  b.add(PersonSpec{"P-C", PersonKind::child, day("2018-06-01"), {}, "HH-1"});
  b.add(PersonSpec{"P-D", PersonKind::child, day("2019-06-01"), {}, "HH-1"});
  b.add(RelationSpec{RelationKind::parent_of, "P-M", "P-C"});
  b.add(RelationSpec{RelationKind::sibling_of, "P-C", "P-D"});
  b.add(concern("C-1", {"P-C", "P-D"}));
  return b;
}

std::string edges_of(const CaseGraph& graph) {
  std::string out;
  const Adjacency& adj = graph.topology().adjacency;
  for (VertexIndex v = 0; v < graph.vertex_count(); ++v) {
    out += graph.id(v) + ":";
    for (auto e : boost::make_iterator_range(out_edges(v, adj)))
      out += " " + graph.id(target(e, adj)) + "/" + std::string(to_string(adj[e].kind));
    out += " |";
    for (auto e : boost::make_iterator_range(in_edges(v, adj)))
      out += " " + graph.id(source(e, adj)) + "/" + std::string(to_string(adj[e].kind));
    out += "\n";
  }
  return out;
}

}  // namespace

TEST_SUITE("unit/graph_topology") {
  TEST_CASE("a graph built in bulk and one built in steps take the same edits alike") {
    CaseGraph bulk;
    bulk.apply(family());  // an empty graph: the bulk path, the edges in the base
    CaseGraph steps;
    detail::apply_stepwise(steps, family());  // every edge in the delta
    auto both = [&](const Batch& batch) {
      bulk.apply(batch);
      steps.apply(batch);
      CHECK(save_case(bulk) == save_case(steps));
      CHECK(edges_of(bulk) == edges_of(steps));
      CHECK(bulk.edge_count() == steps.edge_count());
    };
    // The same about list again: its edges removed and added back in one batch.
    both(Batch().add(AmendConcern{concern("C-1", {"P-C", "P-D"})}));
    CHECK(edges_of(bulk).find("C-1: P-C/about P-D/about |") != std::string::npos);
    // Erase a person, then add someone with the same id and edges again.
    both(Batch().add(ErasePerson{"P-D"}));
    CHECK(edges_of(bulk).find("P-D/") == std::string::npos);
    both(Batch()
             .add(PersonSpec{"P-D", PersonKind::child, day("2019-06-01"), {}, "HH-1"})
             .add(RelationSpec{RelationKind::sibling_of, "P-C", "P-D"})
             .add(AmendConcern{concern("C-1", {"P-D", "P-C"})}));
    CHECK(edges_of(bulk).find("C-1: P-D/about P-C/about |") != std::string::npos);
    both(Batch().add(RemoveRelation{{RelationKind::parent_of, "P-M", "P-C"}}));
  }

  TEST_CASE("a refused batch leaves the edges as they were, however it was built") {
    CaseGraph graph;
    graph.apply(family());
    graph.apply(Batch().add(RelationSpec{RelationKind::carer_of, "P-M", "P-D"}));
    const std::string edges = edges_of(graph);
    const std::string saved = save_case(graph);
    const std::size_t count = graph.edge_count();
    // Edges removed and added, then a kind change that only the whole batch's result refuses
    // (tx.kind_changes): the items have been applied, and are undone.
    Batch refused;
    refused.add(RemoveRelation{{RelationKind::parent_of, "P-M", "P-C"}})
        .add(AmendConcern{concern("C-1", {"P-D"})})
        .add(ErasePerson{"P-M"})
        .add(PersonSpec{"P-E", PersonKind::child, day("2020-06-01"), {}, "HH-1"})
        .add(RelationSpec{RelationKind::parent_of, "P-C", "P-D"})
        .add(Replace{PersonSpec{"P-D", PersonKind::adult, day("2019-06-01"), {}, "HH-1"}});
    std::string error;
    try {
      graph.apply(refused);
    } catch (const BatchError& e) {
      error = e.what();
    }
    CHECK(error.find("a child cannot be the parent of an adult") != std::string::npos);
    CHECK(edges_of(graph) == edges);
    CHECK(save_case(graph) == saved);
    CHECK(graph.edge_count() == count);
  }

  TEST_CASE("a graph built edit by edit is compacted and keeps its order") {
    CaseGraph graph;
    graph.apply(family());
    for (int i = 0; i < 3000; ++i) {
      const std::string id = "P-" + std::to_string(i);
      graph.apply(Batch()
                      .add(PersonSpec{id, PersonKind::child, day("2015-01-01"), {}, "HH-1"})
                      .add(RelationSpec{RelationKind::parent_of, "P-M", id}));
    }
    // Every child's household edge and parent edge, in the order they were added.
    const Adjacency& adj = graph.topology().adjacency;
    const VertexIndex mother = *graph.find("P-M");
    std::vector<std::string> children;
    for (auto e : boost::make_iterator_range(out_edges(mother, adj)))
      children.push_back(graph.id(target(e, adj)));
    REQUIRE(children.size() == 3002);
    CHECK(children[0] == "HH-1");
    CHECK(children[1] == "P-C");
    for (int i = 0; i < 3000; ++i) CHECK(children[i + 2] == "P-" + std::to_string(i));
    CaseGraph reloaded;
    load_case(reloaded, save_case(graph), "reloaded.json");
    CHECK(save_case(reloaded) == save_case(graph));
  }
  TEST_CASE("the vertex table keeps each kind and slot in 4 bytes and refuses a slot past 2^29") {
    Adjacency adj;
    const VertexKind kinds[] = {VertexKind::person,    VertexKind::agency, VertexKind::concern,
                                VertexKind::factor,    VertexKind::place,  VertexKind::group,
                                VertexKind::household, VertexKind::erased};
    for (VertexKind kind : kinds) {
      for (std::uint32_t slot : {std::uint32_t{0}, std::uint32_t{12345}, detail::kMaxSlot}) {
        const VertexIndex v = adj.add_vertex(detail::VertexData{kind, slot});
        CHECK(adj[v].kind == kind);
        CHECK(adj[v].slot == slot);
      }
    }
    CHECK(num_vertices(adj) == 24);
    adj.set_kind(2, VertexKind::erased);  // person, slot kMaxSlot
    CHECK(adj[2].kind == VertexKind::erased);
    CHECK(adj[2].slot == detail::kMaxSlot);
    CHECK(adj[3].kind == VertexKind::agency);
    CHECK_THROWS_AS(adj.add_vertex(detail::VertexData{VertexKind::person, detail::kMaxSlot + 1}),
                    std::length_error);
    CHECK(num_vertices(adj) == 24);
  }
}
