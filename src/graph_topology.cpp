// The compact adjacency behind a CaseGraph (src/graph_topology.hpp says why this shape): the
// CSR base's build and compaction, the delta's edits, and pairing an edge's two entries.
#include "graph_topology.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace safeguard::detail {
namespace {

std::uint32_t checked_offset(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("graph has more than 2^32 edge entries");
  return static_cast<std::uint32_t>(n);
}

}  // namespace

void Adjacency::build_side(Side& side, std::size_t vertices, const std::vector<StagedEdge>& edges,
                           bool in_side) {
  checked_offset(edges.size());
  side.offsets.assign(vertices + 1, 0);
  for (const StagedEdge& e : edges) ++side.offsets[(in_side ? e.target : e.source) + 1];
  for (std::size_t v = 0; v < vertices; ++v) side.offsets[v + 1] += side.offsets[v];
  side.base.other.resize(edges.size());
  side.base.tag.resize(edges.size());
  std::vector<std::uint32_t> next(side.offsets.begin(), side.offsets.end() - 1);
  for (const StagedEdge& e : edges) {
    const std::uint32_t at = next[in_side ? e.target : e.source]++;
    side.base.other[at] = in_side ? e.source : e.target;
    side.base.tag[at] = make_tag(e.kind, EntryState::live);
  }
}

void Adjacency::build(const std::vector<StagedEdge>& edges) {
  Side out, in;
  build_side(out, vertices_.size(), edges, false);
  build_side(in, vertices_.size(), edges, true);
  out_ = std::move(out);
  in_ = std::move(in);
  edges_ = edges.size();
  delta_edges_ = 0;
  dead_edges_ = 0;
}

Entries& Adjacency::Side::delta_for(VertexIndex v, std::size_t vertices) {
  const std::size_t page = v >> kDeltaPageShift;
  if (delta_of.size() <= page) delta_of.resize(((vertices - 1) >> kDeltaPageShift) + 1);
  if (delta_of[page].empty()) delta_of[page].assign(kDeltaPageMask + 1, 0);
  std::uint32_t& number = delta_of[page][v & kDeltaPageMask];
  if (number == 0) {
    if (deltas.size() == deltas.capacity())
      deltas.reserve(std::max<std::size_t>(16, deltas.capacity() * 2));
    const std::uint32_t next = checked_offset(deltas.size() + 1);
    deltas.emplace_back();
    number = next;
  }
  return deltas[number - 1];
}

void Adjacency::reserve_edge(VertexIndex from, VertexIndex to) {
  out_.delta_for(from, vertices_.size()).make_room();
  in_.delta_for(to, vertices_.size()).make_room();
}

void Adjacency::add_edge(VertexIndex from, VertexIndex to, RelationKind kind) noexcept {
  out_.delta_of_edited(from).push_back(to, make_tag(kind, EntryState::live));
  in_.delta_of_edited(to).push_back(from, make_tag(kind, EntryState::live));
  ++edges_;
  ++delta_edges_;
}

void Adjacency::pop_edge(VertexIndex from, VertexIndex to) noexcept {
  out_.delta_of_edited(from).pop_back();
  in_.delta_of_edited(to).pop_back();
  --edges_;
  --delta_edges_;
}

namespace {

// Calls visit(in_delta, at, other, tag) for each entry of one vertex on one side that is not a
// tombstone, in order, until visit returns true.
template <typename Side, typename Visit>
void visit_entries(const Side& side, VertexIndex v, Visit&& visit) {
  if (v + std::size_t{1} < side.offsets.size()) {
    const Entries& base = side.base;
    for (std::uint32_t at = side.offsets[v]; at < side.offsets[v + 1]; ++at) {
      if (state_of(base.tag[at]) != EntryState::dead &&
          visit(false, at, base.other[at], base.tag[at]))
        return;
    }
  }
  const Entries* delta = side.delta(v);
  if (!delta) return;
  for (std::uint32_t at = 0; at < delta->size(); ++at) {
    if (state_of(delta->tag[at]) != EntryState::dead &&
        visit(true, at, delta->other[at], delta->tag[at]))
      return;
  }
}

}  // namespace

EdgeRef Adjacency::locate(const EdgeDescriptor& e) const noexcept {
  const Side& own = e.in_side ? in_ : out_;
  const Side& partner = e.in_side ? out_ : in_;
  const VertexIndex owner = e.in_side ? e.target : e.source;
  const VertexIndex far = e.in_side ? e.source : e.target;

  auto matches_partner = [&](std::uint32_t other, Tag tag) {
    return other == owner && kind_of(tag) == e.kind;
  };
  // Which of the parallel edges this is: almost always the only one, which needs no count.
  std::size_t parallels = 0;
  visit_entries(partner, far, [&](bool, std::uint32_t, std::uint32_t other, Tag tag) {
    parallels += matches_partner(other, tag);
    return parallels > 1;
  });
  std::size_t rank = 0;
  if (parallels > 1) {
    visit_entries(own, owner, [&](bool in_delta, std::uint32_t at, std::uint32_t other, Tag tag) {
      if (in_delta == e.in_delta && at == e.at) return true;
      rank += other == far && kind_of(tag) == e.kind;
      return false;
    });
  }
  bool partner_in_delta = false;
  std::uint32_t partner_at = 0;
  visit_entries(partner, far, [&](bool in_delta, std::uint32_t at, std::uint32_t other, Tag tag) {
    if (!matches_partner(other, tag)) return false;
    if (rank-- != 0) return false;
    partner_in_delta = in_delta;
    partner_at = at;
    return true;
  });

  EdgeRef ref;
  ref.source = e.source;
  ref.target = e.target;
  if (e.in_side) {
    ref.in_at = e.at;
    ref.in_in_delta = e.in_delta;
    ref.out_at = partner_at;
    ref.out_in_delta = partner_in_delta;
  } else {
    ref.out_at = e.at;
    ref.out_in_delta = e.in_delta;
    ref.in_at = partner_at;
    ref.in_in_delta = partner_in_delta;
  }
  return ref;
}

void Adjacency::set_state(const EdgeRef& e, EntryState state) noexcept {
  Tag& out = tag(out_, e.source, e.out_in_delta, e.out_at);
  Tag& in = tag(in_, e.target, e.in_in_delta, e.in_at);
  out = with_state(out, state);
  in = with_state(in, state);
}

void Adjacency::kill(const EdgeRef& e) noexcept {
  set_state(e, EntryState::dead);
  --edges_;
  ++dead_edges_;
}

bool Adjacency::wants_compaction() const noexcept {
  return delta_edges_ + dead_edges_ > out_.base.size() / 8 + 4096;
}

void Adjacency::compact() {
  const std::size_t n = vertices_.size();
  Side sides[2];
  for (int s = 0; s < 2; ++s) {
    const Side& old = s ? in_ : out_;
    Side& side = sides[s];
    side.offsets.assign(n + 1, 0);
    for (VertexIndex v = 0; v < n; ++v) {
      std::uint32_t live = 0;
      visit_entries(old, v, [&](bool, std::uint32_t, std::uint32_t, Tag) { return ++live, false; });
      side.offsets[v + 1] = checked_offset(std::size_t{side.offsets[v]} + live);
    }
    side.base.reserve(side.offsets[n]);
    for (VertexIndex v = 0; v < n; ++v) {
      visit_entries(old, v, [&](bool, std::uint32_t, std::uint32_t other, Tag tag) {
        side.base.push_back(other, tag);
        return false;
      });
    }
  }
  out_ = std::move(sides[0]);
  in_ = std::move(sides[1]);
  delta_edges_ = 0;
  dead_edges_ = 0;
}

void Adjacency::clear() noexcept {
  vertices_.clear();
  out_ = Side();
  in_ = Side();
  edges_ = 0;
  delta_edges_ = 0;
  dead_edges_ = 0;
}

}  // namespace safeguard::detail
