// The case graph's topology: compact bidirectional adjacency that Boost.Graph sees through a
// graph_traits specialisation (below), private to the library so that the public graph.hpp
// (and everything that includes it) never compiles Boost.Graph. graph.cpp and graph_bulk.cpp
// edit it, snapshot.cpp and assess/incremental.cpp walk it.
//
// Why this shape and not boost::adjacency_list<vecS, vecS, bidirectionalS> (what it replaced)
// or compressed_sparse_row_graph: the adjacency_list kept a heap-allocated std::list node per
// edge for its property plus a 16-byte entry in an out-edge and an in-edge vector per vertex,
// each vector grown by doubling: about 90 bytes an edge and 60 a vertex, and every walk chased
// the list nodes (docs/performance.md, "End to end"). compressed_sparse_row_graph is immutable
// in the middle (add_edge only in order, no remove_edge, no in-edges of an edited graph), and
// the graph must take edits, erasure and an undo of a refused batch. So:
//
//  - the base: what the bulk builder (src/graph_bulk.cpp) builds, as two CSR arrays (out and
//    in), built from counts at their exact size; an entry is its other end and a tag (kind and
//    state), 5 bytes, kept in two arrays (Entries);
//  - the delta: edges added later go to entries of the vertex's own, found through a
//    per-vertex index in pages of 1,024 vertices, a page made when one of its vertices is
//    edited (a hash map keyed by vertex made every walk after a generator's many batches look a
//    vertex up);
//  - removal leaves a tombstone (`dead`) in place, so nothing moves and positions stay valid;
//    while a batch applies, a removal only marks both entries (`marked`), which its undo clears;
//  - compact() rebuilds the base from the live entries when the delta and the tombstones have
//    grown to an eighth of the base (CaseGraph::apply_in_steps calls it after a commit): the
//    delta's entries cost several times a base entry (a vector each, and the index), and at half
//    the base a graph built in batches held some 220 bytes a child in them; at an eighth, each
//    edge is copied about nine times over the graph's growth, and the generator's 100,000
//    children took 2.2-2.6 s against 2.4-2.9 s before (docs/performance.md, "The record in
//    pages").
//
// An edge's entries come in insertion order on both sides (base, then the delta; a tombstone
// keeps its place), which is the order adjacency_list gave: every walk, and so every save and
// every snapshot, sees the edges as before. Parallel edges (the same source, target and kind)
// exist only while a batch replaces an edge it has marked; the n-th such entry on one side is
// the n-th on the other, which is how locate() pairs an entry with its partner.
#pragma once

#include <boost/graph/graph_traits.hpp>
#include <boost/iterator/counting_iterator.hpp>
#include <boost/iterator/iterator_facade.hpp>
#include <boost/range/iterator_range.hpp>  // the callers walk ranges with make_iterator_range
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "safeguard/graph.hpp"

namespace safeguard {
namespace detail {

struct VertexData {
  VertexKind kind = VertexKind::erased;
  std::uint32_t slot = 0;  // index into the record vector for `kind`
};

// A VertexData as the vertex table keeps it, in 4 bytes rather than 8: the kind in the top three
// bits, the slot below. A kind's vector may hold 2^29 records (a graph's default limit is 50
// million vertices in all); Adjacency::add_vertex refuses more.
using PackedVertex = std::uint32_t;
inline constexpr unsigned kKindShift = 29;
inline constexpr std::uint32_t kMaxSlot = (std::uint32_t{1} << kKindShift) - 1;
static_assert(static_cast<unsigned>(VertexKind::erased) < 8, "a vertex kind must fit three bits");
constexpr PackedVertex pack(VertexData data) noexcept {
  return static_cast<std::uint32_t>(data.kind) << kKindShift | data.slot;
}
constexpr VertexData unpack(PackedVertex packed) noexcept {
  return VertexData{static_cast<VertexKind>(packed >> kKindShift), packed & kMaxSlot};
}

struct EdgeData {
  RelationKind kind = RelationKind::parent_of;
};

enum class EntryState : std::uint8_t {
  live,
  marked,  // removed by the batch being applied; its commit kills it, its undo revives it
  dead,    // a tombstone: skipped by every walk
};

// One end of an edge as a vertex stores it: the other end (the target in an out-list, the
// source in an in-list), and a tag holding the edge's kind and the entry's state. The two are
// kept in separate arrays (Entries), 5 bytes an entry rather than the 8 of a struct padded to
// its alignment: at 14 edges a child, two entries each, that is 84 bytes a child.
using Tag = std::uint8_t;
static_assert(kRelationKindCount <= 16, "a relation kind must fit the tag's low four bits");
constexpr Tag make_tag(RelationKind kind, EntryState state) noexcept {
  return static_cast<Tag>(static_cast<unsigned>(kind) | static_cast<unsigned>(state) << 4);
}
constexpr RelationKind kind_of(Tag tag) noexcept { return static_cast<RelationKind>(tag & 15u); }
constexpr EntryState state_of(Tag tag) noexcept { return static_cast<EntryState>(tag >> 4); }
constexpr Tag with_state(Tag tag, EntryState state) noexcept {
  return make_tag(kind_of(tag), state);
}

// A run of entries: the other ends and the tags, position for position.
struct Entries {
  std::vector<std::uint32_t> other;
  std::vector<Tag> tag;

  std::size_t size() const noexcept { return other.size(); }
  void reserve(std::size_t n) {
    other.reserve(n);
    tag.reserve(n);
  }
  // Room for one more entry, growing geometrically as push_back would.
  void make_room() {
    if (other.size() == other.capacity()) other.reserve(other.empty() ? 4 : 2 * other.capacity());
    if (tag.size() == tag.capacity()) tag.reserve(tag.empty() ? 4 : 2 * tag.capacity());
  }
  // After make_room(): cannot fail.
  void push_back(std::uint32_t o, Tag t) noexcept {
    other.push_back(o);
    tag.push_back(t);
  }
  void pop_back() noexcept {
    other.pop_back();
    tag.pop_back();
  }
};

// An edge as a walk found it: its ends and kind, and where its entry is (on the side walked:
// the out-list of source or the in-list of target; in the base or in that vertex's delta).
// Two descriptors are equal when they name the same entry, so the out- and in-descriptors of
// one edge differ; Adjacency::locate pairs them.
struct EdgeDescriptor {
  std::uint32_t source = 0;
  std::uint32_t target = 0;
  RelationKind kind = RelationKind::parent_of;
  bool in_side = false;
  bool in_delta = false;
  std::uint32_t at = 0;
  friend bool operator==(const EdgeDescriptor& a, const EdgeDescriptor& b) {
    return a.source == b.source && a.target == b.target && a.in_side == b.in_side &&
           a.in_delta == b.in_delta && a.at == b.at;
  }
  friend bool operator!=(const EdgeDescriptor& a, const EdgeDescriptor& b) { return !(a == b); }
};

// Both entries of one edge: enough to mark, revive or kill it without searching again.
struct EdgeRef {
  std::uint32_t source = 0;
  std::uint32_t target = 0;
  std::uint32_t out_at = 0;
  std::uint32_t in_at = 0;
  bool out_in_delta = false;
  bool in_in_delta = false;
};

// Walks one vertex's entries on one side: its base range, then its delta, skipping tombstones.
class IncidenceIterator
    : public boost::iterator_facade<IncidenceIterator, EdgeDescriptor, boost::forward_traversal_tag,
                                    EdgeDescriptor> {
 public:
  // Where a vertex's entries are on one side: its range of the base (positions count from the
  // base's start) and its delta (positions count from the delta's start).
  struct Runs {
    const std::uint32_t* base_other = nullptr;
    const Tag* base_tag = nullptr;
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    const std::uint32_t* delta_other = nullptr;
    const Tag* delta_tag = nullptr;
    std::uint32_t delta_size = 0;
  };

  IncidenceIterator() = default;
  IncidenceIterator(std::uint32_t owner, bool in_side, const Runs& runs, bool at_end)
      : owner_(owner),
        in_side_(in_side),
        other_(at_end ? runs.delta_other : runs.base_other),
        tag_(at_end ? runs.delta_tag : runs.base_tag),
        delta_other_(runs.delta_other),
        delta_tag_(runs.delta_tag),
        at_(at_end ? runs.delta_size : runs.first),
        end_(at_end ? runs.delta_size : runs.last),
        delta_size_(runs.delta_size),
        in_delta_(at_end) {
    settle();
  }

 private:
  friend class boost::iterator_core_access;

  EdgeDescriptor dereference() const {
    EdgeDescriptor e;
    e.source = in_side_ ? other_[at_] : owner_;
    e.target = in_side_ ? owner_ : other_[at_];
    e.kind = kind_of(tag_[at_]);
    e.in_side = in_side_;
    e.in_delta = in_delta_;
    e.at = at_;
    return e;
  }
  bool equal(const IncidenceIterator& other) const {
    return at_ == other.at_ && in_delta_ == other.in_delta_;
  }
  void increment() {
    ++at_;
    settle();
  }
  // Skips tombstones, and moves from the base range to the delta when the base is done.
  void settle() {
    for (;;) {
      while (at_ != end_ && state_of(tag_[at_]) == EntryState::dead) ++at_;
      if (at_ != end_ || in_delta_) return;
      in_delta_ = true;
      other_ = delta_other_;
      tag_ = delta_tag_;
      at_ = 0;
      end_ = delta_size_;
    }
  }

  std::uint32_t owner_ = 0;
  bool in_side_ = false;
  const std::uint32_t* other_ = nullptr;  // the run being walked (base or delta)
  const Tag* tag_ = nullptr;
  const std::uint32_t* delta_other_ = nullptr;
  const Tag* delta_tag_ = nullptr;
  std::uint32_t at_ = 0;
  std::uint32_t end_ = 0;
  std::uint32_t delta_size_ = 0;
  bool in_delta_ = false;
};

class SAFEGUARD_EXPORT Adjacency {
 public:
  using Range = std::pair<IncidenceIterator, IncidenceIterator>;

  std::size_t vertex_count() const noexcept { return vertices_.size(); }
  std::size_t edge_count() const noexcept { return edges_; }

  VertexData operator[](VertexIndex v) const noexcept { return unpack(vertices_[v]); }
  // Where the vertex table keeps `v`, to fetch it into the cache ahead of reading it.
  const void* address_of(VertexIndex v) const noexcept { return &vertices_[v]; }
  void set_kind(VertexIndex v, VertexKind kind) noexcept {
    vertices_[v] = pack(VertexData{kind, unpack(vertices_[v]).slot});
  }
  EdgeData operator[](const EdgeDescriptor& e) const noexcept { return EdgeData{e.kind}; }

  Range out_edges(VertexIndex v) const noexcept { return range(out_, v, false); }
  Range in_edges(VertexIndex v) const noexcept { return range(in_, v, true); }

  // ---- The bulk build ----

  struct StagedEdge {
    std::uint32_t source;
    std::uint32_t target;
    RelationKind kind;
  };
  void reserve_vertices(std::size_t n) { vertices_.reserve(n); }
  // Makes `edges` (in the order they were added) the base of a graph that has vertices but no
  // edges yet. All or nothing.
  void build(const std::vector<StagedEdge>& edges);

  // ---- Edits (graph.cpp's Transaction: each all or nothing, or unable to fail) ----

  VertexIndex add_vertex(VertexData data) {
    if (data.slot > kMaxSlot) throw std::length_error("more than 2^29 records of one kind");
    vertices_.push_back(pack(data));
    return static_cast<VertexIndex>(vertices_.size() - 1);
  }
  // Drops the last vertex, which has no edges left.
  void pop_vertex() noexcept { vertices_.pop_back(); }
  // Makes room for one more edge from `from` to `to`, so that add_edge cannot fail.
  void reserve_edge(VertexIndex from, VertexIndex to);
  void add_edge(VertexIndex from, VertexIndex to, RelationKind kind) noexcept;
  // Undoes the last add_edge from `from` to `to`.
  void pop_edge(VertexIndex from, VertexIndex to) noexcept;

  // Both entries of the edge `e` names (found from either side).
  EdgeRef locate(const EdgeDescriptor& e) const noexcept;
  bool marked(const EdgeDescriptor& e) const noexcept {
    return state_of(tag(e.in_side ? in_ : out_, e.in_side ? e.target : e.source, e.in_delta,
                        e.at)) == EntryState::marked;
  }
  void mark(const EdgeRef& e) noexcept { set_state(e, EntryState::marked); }
  void unmark(const EdgeRef& e) noexcept { set_state(e, EntryState::live); }
  // Removes a marked edge for good (a batch's commit).
  void kill(const EdgeRef& e) noexcept;

  // Whether the delta and the tombstones have grown enough to rebuild the base.
  bool wants_compaction() const noexcept;
  // Rebuilds the base from every live entry, in the same order; no entry may be marked. All or
  // nothing.
  void compact();

  // Back to empty, freeing everything; allocates nothing.
  void clear() noexcept;

 private:
  struct Side {
    std::vector<std::uint32_t> offsets;  // base: vertex v's entries are [offsets[v], offsets[v+1])
    Entries base;
    // Per vertex: 0, or 1 + the position of its delta in `deltas`; in pages of 1,024 vertices,
    // a page allocated once one of its vertices has a delta. A graph grown in batches adds its
    // new vertices at the end, so only the last pages exist: a table over every vertex (what
    // this was) cost 4 bytes a vertex a side from the first edit on, 80 bytes a child with its
    // unfilled room (docs/performance.md, "The record in pages").
    std::vector<std::vector<std::uint32_t>> delta_of;  // an empty page: none allocated
    std::vector<Entries> deltas;

    std::uint32_t delta_number(VertexIndex v) const noexcept {
      const std::size_t page = v >> kDeltaPageShift;
      return page < delta_of.size() && !delta_of[page].empty() ? delta_of[page][v & kDeltaPageMask]
                                                               : 0;
    }
    const Entries* delta(VertexIndex v) const noexcept {
      const std::uint32_t number = delta_number(v);
      return number ? &deltas[number - 1] : nullptr;
    }
    Entries& delta_of_edited(VertexIndex v) noexcept { return deltas[delta_number(v) - 1]; }
    // The delta of `v` (one of `vertices`), made if it has none yet.
    Entries& delta_for(VertexIndex v, std::size_t vertices);
  };

  Range range(const Side& side, VertexIndex v, bool in_side) const noexcept {
    IncidenceIterator::Runs runs;
    runs.base_other = side.base.other.data();
    runs.base_tag = side.base.tag.data();
    if (v + std::size_t{1} < side.offsets.size()) {
      runs.first = side.offsets[v];
      runs.last = side.offsets[v + 1];
    }
    if (const Entries* delta = side.delta(v)) {
      runs.delta_other = delta->other.data();
      runs.delta_tag = delta->tag.data();
      runs.delta_size = static_cast<std::uint32_t>(delta->size());
    }
    return {IncidenceIterator(v, in_side, runs, false), IncidenceIterator(v, in_side, runs, true)};
  }
  static Tag& tag(Side& side, VertexIndex owner, bool in_delta, std::uint32_t at) noexcept {
    return in_delta ? side.delta_of_edited(owner).tag[at] : side.base.tag[at];
  }
  static Tag tag(const Side& side, VertexIndex owner, bool in_delta, std::uint32_t at) noexcept {
    return in_delta ? side.delta(owner)->tag[at] : side.base.tag[at];
  }
  void set_state(const EdgeRef& e, EntryState state) noexcept;
  static void build_side(Side& side, std::size_t vertices, const std::vector<StagedEdge>& edges,
                         bool in_side);

  static constexpr std::size_t kDeltaPageShift = 10;
  static constexpr std::size_t kDeltaPageMask = (std::size_t{1} << kDeltaPageShift) - 1;

  PagedVector<PackedVertex> vertices_;  // in pages: no unfilled room past one page as it grows
  Side out_;
  Side in_;
  std::size_t edges_ = 0;        // live and marked edges (num_edges)
  std::size_t delta_edges_ = 0;  // edges whose entries are in the delta, tombstones too
  std::size_t dead_edges_ = 0;   // tombstones, in the base or the delta
};

// Boost.Graph's free functions, found by argument-dependent lookup (as Boost's own algorithms
// call them): IncidenceGraph, BidirectionalGraph and VertexListGraph.
inline std::uint32_t source(const EdgeDescriptor& e, const Adjacency&) noexcept { return e.source; }
inline std::uint32_t target(const EdgeDescriptor& e, const Adjacency&) noexcept { return e.target; }
inline Adjacency::Range out_edges(VertexIndex v, const Adjacency& g) noexcept {
  return g.out_edges(v);
}
inline Adjacency::Range in_edges(VertexIndex v, const Adjacency& g) noexcept {
  return g.in_edges(v);
}
inline std::size_t out_degree(VertexIndex v, const Adjacency& g) noexcept {
  const auto [first, last] = g.out_edges(v);
  return static_cast<std::size_t>(std::distance(first, last));
}
inline std::size_t in_degree(VertexIndex v, const Adjacency& g) noexcept {
  const auto [first, last] = g.in_edges(v);
  return static_cast<std::size_t>(std::distance(first, last));
}
inline std::size_t degree(VertexIndex v, const Adjacency& g) noexcept {
  return out_degree(v, g) + in_degree(v, g);
}
inline std::pair<boost::counting_iterator<VertexIndex>, boost::counting_iterator<VertexIndex>>
vertices(const Adjacency& g) noexcept {
  return {boost::counting_iterator<VertexIndex>(0),
          boost::counting_iterator<VertexIndex>(static_cast<VertexIndex>(g.vertex_count()))};
}
inline std::size_t num_vertices(const Adjacency& g) noexcept { return g.vertex_count(); }
inline std::size_t num_edges(const Adjacency& g) noexcept { return g.edge_count(); }

struct Topology {
  Adjacency adjacency;
};

}  // namespace detail
}  // namespace safeguard

namespace boost {

template <>
struct graph_traits<safeguard::detail::Adjacency> {
  using vertex_descriptor = safeguard::VertexIndex;
  using edge_descriptor = safeguard::detail::EdgeDescriptor;
  using out_edge_iterator = safeguard::detail::IncidenceIterator;
  using in_edge_iterator = safeguard::detail::IncidenceIterator;
  using vertex_iterator = boost::counting_iterator<safeguard::VertexIndex>;
  using directed_category = bidirectional_tag;
  using edge_parallel_category = allow_parallel_edge_tag;
  struct traversal_category : bidirectional_graph_tag, vertex_list_graph_tag {};
  using vertices_size_type = std::size_t;
  using edges_size_type = std::size_t;
  using degree_size_type = std::size_t;
  static vertex_descriptor null_vertex() { return safeguard::kNoVertex; }
};

}  // namespace boost
