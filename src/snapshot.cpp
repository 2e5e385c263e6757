// Building the columnar snapshot from the editable graph: one builder, for the whole graph and
// for the families of some children (build() and its two selections, below).
#include "snapshot_columns.hpp"

#include "graph_topology.hpp"
#include "huge_pages.hpp"

#include <algorithm>
#include <array>

namespace safeguard {
namespace {

// Fills `csr` (emptied first, its buffers kept) from (row, item) pairs in two passes: count,
// then place. Items keep the order in which `emit` produced them within a row. `cursor` is
// scratch.
template <typename T, typename Emit>
void fill_csr(Csr<T>& csr, std::size_t rows, std::vector<std::uint32_t>& cursor, Emit emit) {
  detail::assign_refill(csr.offsets, rows + 1, 0);
  emit([&](std::size_t row, const T&) { ++csr.offsets[row + 1]; });
  for (std::size_t r = 0; r < rows; ++r) csr.offsets[r + 1] += csr.offsets[r];
  csr.items.clear();
  detail::reserve_refill(csr.items, csr.offsets[rows]);
  csr.items.resize(csr.offsets[rows]);
  detail::reserve_refill(cursor, rows);
  cursor.assign(csr.offsets.begin(), csr.offsets.end() - 1);
  emit([&](std::size_t row, const T& item) { csr.items[cursor[row]++] = item; });
}

// detail::reserve_refill for std::vector<bool>, which has no data() to mark.
void reserve_bits(std::vector<bool>& bits, std::size_t n) {
  if (n > bits.capacity()) bits.reserve(n > 2 * bits.capacity() ? n : 2 * bits.capacity());
}

// Calls emit(vertex, role) for everyone whose evidence can reach the child at `v`, once per
// relation (unmerged), the child itself first. This is the definition of a child's circle;
// for_each_person_reached below is its inverse and must change with it.
template <typename Emit>
void walk_circle(const detail::Adjacency& adj, VertexIndex v, Emit&& emit) {
  emit(v, Role::self);
  for (auto edge : boost::make_iterator_range(out_edges(v, adj))) {
    const VertexIndex other = target(edge, adj);
    switch (adj[edge].kind) {
      case RelationKind::sibling_of:
        emit(other, Role::sibling);
        break;
      case RelationKind::associate:
        emit(other, Role::associate);
        break;
      case RelationKind::partner_of:
        emit(other, Role::partner);
        break;
      case RelationKind::household:
        for (auto member : boost::make_iterator_range(in_edges(other, adj))) {
          const VertexIndex m = source(member, adj);
          if (m != v && adj[member].kind == RelationKind::household) emit(m, Role::household);
        }
        break;
      default:
        break;
    }
  }
  for (auto edge : boost::make_iterator_range(in_edges(v, adj))) {
    const VertexIndex other = source(edge, adj);
    switch (adj[edge].kind) {
      case RelationKind::sibling_of:
        emit(other, Role::sibling);
        break;
      case RelationKind::associate:
        emit(other, Role::associate);
        break;
      case RelationKind::partner_of:
        emit(other, Role::partner);
        break;
      case RelationKind::parent_of:
      case RelationKind::carer_of:
        emit(other, Role::carer);
        break;
      default:
        break;
    }
  }
}

// The child's circle as person slots (`slot_of` maps a person vertex to its slot), sorted by
// slot and merged per person.
template <typename SlotOf>
void circle_of(const detail::Adjacency& adj, VertexIndex v, SlotOf&& slot_of,
               std::vector<CircleMember>& circle) {
  walk_circle(adj, v, [&](VertexIndex other, Role role) {
    circle.push_back({slot_of(other), role_bit(role)});
  });
  std::sort(circle.begin(), circle.end(),
            [](const CircleMember& a, const CircleMember& b) { return a.person < b.person; });
  std::size_t out = 0;
  for (std::size_t i = 0; i < circle.size(); ++i) {
    if (out > 0 && circle[out - 1].person == circle[i].person) {
      circle[out - 1].roles |= circle[i].roles;
    } else {
      circle[out++] = circle[i];
    }
  }
  circle.resize(out);
}

// Calls visit(child vertex) for every child whose circle holds the person at `p` (the inverse
// of walk_circle), possibly more than once.
template <typename Visit>
void for_each_child_reached(const CaseGraph& graph, VertexIndex p, Visit&& visit) {
  const detail::Adjacency& adj = graph.topology().adjacency;
  auto is_child = [&](VertexIndex v) {
    return adj[v].kind == VertexKind::person && graph.person(v).kind == PersonKind::child;
  };
  if (is_child(p)) visit(p);
  for (auto edge : boost::make_iterator_range(out_edges(p, adj))) {
    const VertexIndex other = target(edge, adj);
    switch (adj[edge].kind) {
      case RelationKind::sibling_of:
      case RelationKind::associate:
      case RelationKind::partner_of:
      case RelationKind::parent_of:
      case RelationKind::carer_of:
        if (is_child(other)) visit(other);
        break;
      case RelationKind::household:
        for (auto member : boost::make_iterator_range(in_edges(other, adj))) {
          const VertexIndex m = source(member, adj);
          if (m != p && adj[member].kind == RelationKind::household && is_child(m)) visit(m);
        }
        break;
      default:
        break;
    }
  }
  for (auto edge : boost::make_iterator_range(in_edges(p, adj))) {
    const VertexIndex other = source(edge, adj);
    switch (adj[edge].kind) {
      case RelationKind::sibling_of:
      case RelationKind::associate:
      case RelationKind::partner_of:
        if (is_child(other)) visit(other);
        break;
      default:
        break;
    }
  }
}

// The contextual network: nodes for live persons, places and groups; a link at both ends of
// every declared relation; the concerns about each node.
void build_network(const CaseGraph& graph, Snapshot& snap) {
  const detail::Adjacency& adj = graph.topology().adjacency;
  const std::size_t n = graph.vertex_count();
  detail::assign_refill(snap.vertex_node, n, kNoNode);
  for (VertexIndex v = 0; v < n; ++v) {
    const VertexKind kind = adj[v].kind;
    if (kind != VertexKind::person && kind != VertexKind::place && kind != VertexKind::group)
      continue;
    snap.vertex_node[v] = static_cast<std::uint32_t>(snap.node_vertex.size());
    snap.node_vertex.push_back(v);
    Symbol label = 0;
    if (kind == VertexKind::place) label = graph.place(v).kind;
    if (kind == VertexKind::group) label = graph.group(v).kind;
    snap.node_label.push_back(label);
    snap.node_name.push(kind == VertexKind::place   ? std::string_view(graph.place(v).name)
                        : kind == VertexKind::group ? std::string_view(graph.group(v).name)
                                                    : std::string_view());
  }
  const std::size_t nodes = snap.node_vertex.size();
  std::vector<std::uint32_t> cursor;
  fill_csr(snap.node_links, nodes, cursor, [&](auto&& put) {
    for (std::uint32_t from = 0; from < nodes; ++from) {
      for (auto edge : boost::make_iterator_range(out_edges(snap.node_vertex[from], adj))) {
        const RelationKind kind = adj[edge].kind;
        if (!is_declarable_relation(kind)) continue;
        const std::uint32_t to = snap.vertex_node[target(edge, adj)];
        put(from, NetworkLink{to, kind});
        put(to, NetworkLink{from, kind});
      }
    }
  });
  for (std::uint32_t node = 0; node < nodes; ++node) {
    std::sort(snap.node_links.items.begin() + snap.node_links.offsets[node],
              snap.node_links.items.begin() + snap.node_links.offsets[node + 1],
              [](const NetworkLink& a, const NetworkLink& b) {
                return a.kind != b.kind ? a.kind < b.kind : a.node < b.node;
              });
  }
  fill_csr(snap.node_concerns, nodes, cursor, [&](auto&& put) {
    for (std::uint32_t c = 0; c < snap.concern_vertex.size(); ++c) {
      if (!snap.concern_live[c]) continue;
      for (VertexIndex v : graph.concern(snap.concern_vertex[c]).about) put(snap.vertex_node[v], c);
    }
  });
}

}  // namespace

void Snapshot::clear() {
  graph_revision = 0;
  // The symbols are left: build() assigns them, into the strings' own buffers.
  vertex_kind.clear();
  vertex_slot.clear();
  id_bytes.clear();
  id_offsets.resize(1);
  id_offsets[0] = 0;
  person_vertex.clear();
  person_kind.clear();
  person_dob.clear();
  person_household.clear();
  person_flags.clear();
  person_circle.clear();
  person_concerns.clear();
  person_involved_in.clear();
  person_factors.clear();
  children.clear();
  person_name.clear();
  concern_vertex.clear();
  concern_about.clear();
  concern_involves.clear();
  concern_category.clear();
  concern_severity.clear();
  concern_incident.clear();
  concern_recorded.clear();
  concern_status.clear();
  concern_source.clear();
  concern_restricted.clear();
  concern_live.clear();
  concern_summary.clear();
  factor_vertex.clear();
  factor_kind.clear();
  factor_strength.clear();
  factor_start.clear();
  factor_end.clear();
  factor_live.clear();
  factor_summary.clear();
  factor_provided_by.clear();
  factor_provider.clear();
  factor_protects.clear();
  agency_vertex.clear();
  agency_type.clear();
  agency_name.clear();
  node_vertex.clear();
  vertex_node.clear();
  node_links.clear();
  node_concerns.clear();
  node_label.clear();
  node_name.clear();
  event_ids.clear();
  event_kind.clear();
  event_date.clear();
  event_note.clear();
  event_decision.clear();
  event_category.clear();
  event_expected.clear();
  person_events.clear();
  override_ids.clear();
  override_direction.clear();
  override_date.clear();
  override_author.clear();
  override_reason.clear();
  override_approved_by.clear();
  override_approved.clear();
  person_overrides.clear();
  entries.clear();
  person_entries.clear();
  calendar.reset();
}

std::size_t Snapshot::byte_size() const noexcept {
  auto bytes = [](const auto& column) { return column.size() * sizeof(column[0]); };
  auto csr_bytes = [&](const auto& csr) { return bytes(csr.offsets) + bytes(csr.items); };
  return bytes(person_kind) + bytes(person_dob) + bytes(person_household) +
         csr_bytes(person_flags) + csr_bytes(person_circle) + csr_bytes(person_concerns) +
         csr_bytes(person_involved_in) + csr_bytes(person_factors) + bytes(children) +
         bytes(factor_provider) + csr_bytes(factor_protects) + csr_bytes(concern_about) +
         csr_bytes(concern_involves) + bytes(concern_category) + bytes(concern_severity) +
         bytes(concern_incident) + bytes(concern_recorded) + bytes(concern_status) +
         bytes(concern_source) + bytes(concern_restricted) + bytes(factor_kind) +
         bytes(factor_strength) + bytes(factor_start) + bytes(factor_end) + bytes(agency_type) +
         bytes(event_kind) + bytes(event_date) + bytes(event_decision) + bytes(event_expected) +
         csr_bytes(person_events) + bytes(override_direction) + bytes(override_date) +
         csr_bytes(person_overrides) + bytes(entries) + csr_bytes(person_entries) +
         bytes(node_vertex) + bytes(vertex_node) + csr_bytes(node_links) +
         csr_bytes(node_concerns) + bytes(node_label);
}

std::uint64_t snapshot_revision(const Snapshot& snapshot) noexcept {
  return snapshot.graph_revision;
}
std::size_t snapshot_vertex_count(const Snapshot& snapshot) noexcept {
  return snapshot.vertex_kind.size();
}
std::size_t snapshot_child_count(const Snapshot& snapshot) noexcept {
  return snapshot.children.size();
}
std::string_view snapshot_id(const Snapshot& snapshot, VertexIndex vertex) noexcept {
  return snapshot.id(vertex);
}
VertexKind snapshot_kind(const Snapshot& snapshot, VertexIndex vertex) noexcept {
  return snapshot.vertex_kind[vertex];
}
const WorkingCalendar& snapshot_calendar(const Snapshot& snapshot) noexcept {
  return *snapshot.calendar;
}
std::size_t snapshot_byte_size(const Snapshot& snapshot) noexcept { return snapshot.byte_size(); }

Day latest_unrestricted_date(const Snapshot& snapshot) noexcept {
  Day latest = kNoDay;
  for (std::size_t c = 0; c < snapshot.concern_vertex.size(); ++c) {
    // A restricted concern's dates never count: a reader not cleared for it could otherwise
    // learn when the restricted report was made from a default as-of date. Skipped for every
    // reader, so the answer does not depend on who asks.
    if (!snapshot.concern_live[c] || snapshot.concern_restricted[c]) continue;
    latest = std::max({latest, snapshot.concern_recorded[c], snapshot.concern_incident[c]});
  }
  for (std::size_t f = 0; f < snapshot.factor_vertex.size(); ++f) {
    if (snapshot.factor_live[f]) latest = std::max(latest, snapshot.factor_start[f]);
  }
  for (const Day day : snapshot.event_date) latest = std::max(latest, day);
  for (const Day day : snapshot.override_date) latest = std::max(latest, day);
  return latest;
}

void detail::children_reached_into(const CaseGraph& graph, const std::vector<VertexIndex>& persons,
                                   std::vector<VertexIndex>& children) {
  children.clear();
  for (VertexIndex p : persons) {
    if (p >= graph.vertex_count() || graph.kind(p) != VertexKind::person) continue;
    for_each_child_reached(graph, p, [&](VertexIndex child) { children.push_back(child); });
  }
  std::sort(children.begin(), children.end());
  children.erase(std::unique(children.begin(), children.end()), children.end());
}

std::vector<VertexIndex> children_reached_by(const CaseGraph& graph,
                                             const std::vector<VertexIndex>& persons) {
  std::vector<VertexIndex> children;
  detail::children_reached_into(graph, persons, children);
  return children;
}

namespace {

// ---- One builder, two selections --------------------------------------------------------------
//
// A snapshot is built by one routine, build() below, from a selection: which graph vertices it
// holds and the local slot each takes. The whole graph (WholeGraph) keeps every slot, tombstones
// included, so its slots and vertex numbers are the graph's; the families of some children
// (Families) keep only what scoring those children reads, renumbered in the graph's order. A
// selection answers:
//   vertex_count(), graph_vertex(i)   the graph vertex of each local vertex, in graph order
//   local_slot(v)                      the slot a held vertex has within its kind
//   slots(kind)                        per local slot of a kind, its graph vertex (kNoVertex: a
//                                      tombstone kept so slots stay aligned)
//   local_vertex(v)                    the local vertex of a graph vertex, or kNoVertex
//   person(v), agency(v), household(v) the local slot of a held vertex of that kind, or UINT32_MAX
//   circle_child(v)                    whether the child at v is scored (gets a circle)
//   record_row(v)                      the person row an event or judgement about v is listed in,
//                                      or UINT32_MAX
//   for_each_event(f), for_each_judgement(f)   the graph's record numbers worth looking at
//   keep_unlisted_records              whether a record listed in no row is kept

// Fetches into the cache, without waiting, what a record read a few steps later lies in: the
// record itself `kRecordAhead` steps ahead, and the heap blocks its vectors and strings own
// `kHeapAhead` steps ahead (by then the record fetched before is there to say where they are).
// A family's records lie scattered through the graph, so reading them one after another waited
// on a cache miss each (an incremental update's partial snapshot: 7 to 30% less CPU with this,
// docs/performance.md). Only a hint: nothing read changes. (GCC and Clang's builtin; no library
// wraps it.)
constexpr std::size_t kRecordAhead = 8;
constexpr std::size_t kHeapAhead = 4;
inline void prefetch_read(const void* address) noexcept { __builtin_prefetch(address, 0, 3); }
template <typename T>
inline void prefetch_block(const std::vector<T>& v) noexcept {
  if (!v.empty()) prefetch_read(v.data());
}
template <typename T>
inline void prefetch_block(const detail::CompactList<T>& v) noexcept {
  if (v.capacity() > v.kInPlace) prefetch_read(v.data());  // two or fewer are in the record
}
inline void prefetch_block(const RecordString& s) noexcept {
  if (s.on_heap()) prefetch_read(s.data());  // up to 15 bytes are in the record
}
// Prefetches record `i + kRecordAhead` of `vertices` (found with `record_of`) and the heap
// blocks of record `i + kHeapAhead` (named by `blocks`).
template <typename RecordOf, typename Blocks>
inline void prefetch_records(const std::vector<VertexIndex>& vertices, std::size_t i,
                             const RecordOf& record_of, const Blocks& blocks) {
  if (i + kRecordAhead < vertices.size() && vertices[i + kRecordAhead] != kNoVertex)
    prefetch_read(&record_of(vertices[i + kRecordAhead]));
  if (i + kHeapAhead < vertices.size() && vertices[i + kHeapAhead] != kNoVertex)
    blocks(record_of(vertices[i + kHeapAhead]));
}

// Writes the columns of an empty snapshot, entity by entity in local slot order. Every column is
// written here and nowhere else.
template <typename Selection>
void build(const CaseGraph& graph, const Selection& sel, Snapshot& snap,
           detail::SnapshotBuffers& scratch) {
  const detail::Adjacency& adj = graph.topology().adjacency;
  snap.graph_revision = graph.revision();
  snap.symbols = graph.symbols().strings();
  snap.calendar = graph.calendar();

  // Vertices.
  const std::size_t n = sel.vertex_count();
  detail::reserve_refill(snap.vertex_kind, n);
  detail::reserve_refill(snap.vertex_slot, n);
  detail::reserve_refill(snap.id_offsets, n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    // The vertex table's entry twice as far ahead as the record: finding the record's id reads
    // the entry (its kind and slot), which is then in the cache.
    if (i + 2 * kRecordAhead < n)
      prefetch_read(adj.address_of(sel.graph_vertex(i + 2 * kRecordAhead)));
    if (i + kRecordAhead < n) prefetch_read(&graph.id(sel.graph_vertex(i + kRecordAhead)));
    const VertexIndex v = sel.graph_vertex(i);
    snap.vertex_kind.push_back(adj[v].kind);
    snap.vertex_slot.push_back(sel.local_slot(v));
    const auto& id = graph.id(v);
    snap.id_bytes.insert(snap.id_bytes.end(), id.begin(), id.end());
    snap.id_bytes.push_back('\0');
    snap.id_offsets.push_back(snap.id_bytes.size());
  }
  auto local_vertices = [&](VertexKind kind, std::vector<VertexIndex>& out) {
    const std::vector<VertexIndex>& of_slot = sel.slots(kind);
    detail::reserve_refill(out, of_slot.size());
    for (VertexIndex v : of_slot) out.push_back(v == kNoVertex ? kNoVertex : sel.local_vertex(v));
  };
  local_vertices(VertexKind::person, snap.person_vertex);
  local_vertices(VertexKind::concern, snap.concern_vertex);
  local_vertices(VertexKind::factor, snap.factor_vertex);
  local_vertices(VertexKind::agency, snap.agency_vertex);
  const std::vector<VertexIndex>& persons = sel.slots(VertexKind::person);
  const std::vector<VertexIndex>& concerns = sel.slots(VertexKind::concern);
  const std::vector<VertexIndex>& factors = sel.slots(VertexKind::factor);
  const std::vector<VertexIndex>& agencies = sel.slots(VertexKind::agency);
  auto end_row = [](auto& csr) {
    csr.offsets.push_back(static_cast<std::uint32_t>(csr.items.size()));
  };

  // Persons: their own columns, and a circle for each child scored.
  detail::reserve_refill(snap.person_kind, persons.size());
  detail::reserve_refill(snap.person_dob, persons.size());
  detail::reserve_refill(snap.person_household, persons.size());
  detail::reserve_refill(snap.person_flags.offsets, persons.size() + 1);
  detail::reserve_refill(snap.person_circle.offsets, persons.size() + 1);
  std::vector<CircleMember>& circle = scratch.circle;
  auto person_of = [&](VertexIndex v) -> const Person& { return graph.person(v); };
  for (std::uint32_t p = 0; p < persons.size(); ++p) {
    prefetch_records(persons, p, person_of, [](const Person& ahead) {
      prefetch_block(ahead.name);
      prefetch_block(ahead.flags);
    });
    const VertexIndex v = persons[p];
    if (v == kNoVertex) {
      snap.person_kind.push_back(PersonKind::adult);
      snap.person_dob.push_back(kNoDay);
      snap.person_household.push_back(UINT32_MAX);
      snap.person_name.push(std::string_view());
    } else {
      const Person& person = graph.person(v);
      snap.person_name.push(person.name);
      snap.person_kind.push_back(person.kind);
      snap.person_dob.push_back(person.dob);
      const VertexIndex h = graph.household_of(v);
      snap.person_household.push_back(h == kNoVertex ? UINT32_MAX : sel.household(h));
      snap.person_flags.items.insert(snap.person_flags.items.end(), person.flags.begin(),
                                     person.flags.end());
      if (person.kind == PersonKind::child && sel.circle_child(v)) {
        snap.children.push_back(p);
        circle.clear();
        circle_of(
            adj, v, [&](VertexIndex other) { return sel.person(other); }, circle);
        snap.person_circle.items.insert(snap.person_circle.items.end(), circle.begin(),
                                        circle.end());
      }
    }
    end_row(snap.person_flags);
    end_row(snap.person_circle);
  }
  std::sort(snap.children.begin(), snap.children.end(), [&](std::uint32_t a, std::uint32_t b) {
    return snap.person_vertex[a] < snap.person_vertex[b];
  });

  // Concerns, with about and involves cut down to the persons held (places and groups a concern
  // is about are the network's: node_concerns).
  detail::reserve_refill(snap.concern_category, concerns.size());
  detail::reserve_refill(snap.concern_severity, concerns.size());
  detail::reserve_refill(snap.concern_incident, concerns.size());
  detail::reserve_refill(snap.concern_recorded, concerns.size());
  detail::reserve_refill(snap.concern_status, concerns.size());
  detail::reserve_refill(snap.concern_source, concerns.size());
  detail::reserve_refill(snap.concern_restricted, concerns.size());
  detail::reserve_refill(snap.concern_about.offsets, concerns.size() + 1);
  detail::reserve_refill(snap.concern_involves.offsets, concerns.size() + 1);
  reserve_bits(snap.concern_live, concerns.size());
  auto concern_of = [&](VertexIndex v) -> const Concern& { return graph.concern(v); };
  for (std::size_t i = 0; i < concerns.size(); ++i) {
    prefetch_records(concerns, i, concern_of, [](const Concern& ahead) {
      prefetch_block(ahead.summary);
      prefetch_block(ahead.about);
      prefetch_block(ahead.involves);
    });
    const VertexIndex v = concerns[i];
    const Concern* concern = v == kNoVertex ? nullptr : &graph.concern(v);
    snap.concern_live.push_back(concern != nullptr);
    snap.concern_summary.push(concern ? std::string_view(concern->summary) : std::string_view());
    snap.concern_category.push_back(concern ? concern->category : 0);
    snap.concern_severity.push_back(concern ? static_cast<std::uint8_t>(concern->severity) : 0);
    snap.concern_incident.push_back(concern ? concern->incident : kNoDay);
    snap.concern_recorded.push_back(concern ? concern->recorded : kNoDay);
    snap.concern_status.push_back(concern ? concern->status : ConcernStatus::retracted);
    snap.concern_source.push_back(concern ? sel.agency(concern->source) : UINT32_MAX);
    snap.concern_restricted.push_back(concern ? concern->restricted : 0);
    if (concern) {
      for (VertexIndex p : concern->about) {
        const std::uint32_t local = sel.person(p);
        if (local != UINT32_MAX) snap.concern_about.items.push_back(local);
      }
      for (VertexIndex p : concern->involves) {
        const std::uint32_t local = sel.person(p);
        if (local != UINT32_MAX) snap.concern_involves.items.push_back(local);
      }
    }
    end_row(snap.concern_about);
    end_row(snap.concern_involves);
  }

  // Factors.
  detail::reserve_refill(snap.factor_kind, factors.size());
  detail::reserve_refill(snap.factor_strength, factors.size());
  detail::reserve_refill(snap.factor_start, factors.size());
  detail::reserve_refill(snap.factor_end, factors.size());
  detail::reserve_refill(snap.factor_provider, factors.size());
  detail::reserve_refill(snap.factor_protects.offsets, factors.size() + 1);
  reserve_bits(snap.factor_live, factors.size());
  auto factor_of = [&](VertexIndex v) -> const Factor& { return graph.factor(v); };
  for (std::size_t i = 0; i < factors.size(); ++i) {
    prefetch_records(factors, i, factor_of, [](const Factor& ahead) {
      prefetch_block(ahead.summary);
      prefetch_block(ahead.protects);
    });
    const VertexIndex v = factors[i];
    const Factor* factor = v == kNoVertex ? nullptr : &graph.factor(v);
    const VertexIndex provider = factor ? factor->provided_by : kNoVertex;
    snap.factor_live.push_back(factor != nullptr);
    snap.factor_summary.push(factor ? std::string_view(factor->summary) : std::string_view());
    snap.factor_provided_by.push(provider == kNoVertex ? std::string_view()
                                                       : std::string_view(graph.id(provider)));
    snap.factor_provider.push_back(provider == kNoVertex ? kNoVertex : sel.local_vertex(provider));
    snap.factor_kind.push_back(factor ? factor->kind : 0);
    snap.factor_strength.push_back(factor ? static_cast<std::uint8_t>(factor->strength) : 0);
    snap.factor_start.push_back(factor ? factor->start : kNoDay);
    snap.factor_end.push_back(factor ? factor->end : kNoDay);
    if (factor) {
      for (VertexIndex p : factor->protects) {
        const std::uint32_t local = sel.person(p);
        if (local != UINT32_MAX) snap.factor_protects.items.push_back(local);
      }
    }
    end_row(snap.factor_protects);
  }

  // Each person's concerns and factors: the rows above, inverted (so in slot order).
  auto invert = [&](const Csr<std::uint32_t>& rows, Csr<std::uint32_t>& inverse) {
    fill_csr(inverse, persons.size(), scratch.cursor, [&](auto&& put) {
      for (std::uint32_t r = 0; r < rows.rows(); ++r) {
        for (const std::uint32_t* p = rows.begin(r); p != rows.end(r); ++p) put(*p, r);
      }
    });
  };
  invert(snap.concern_about, snap.person_concerns);
  invert(snap.concern_involves, snap.person_involved_in);
  invert(snap.factor_protects, snap.person_factors);

  // Agencies.
  detail::reserve_refill(snap.agency_type, agencies.size());
  for (const VertexIndex v : agencies) {
    snap.agency_name.push(v == kNoVertex ? std::string_view()
                                         : std::string_view(graph.agency(v).name));
    snap.agency_type.push_back(v == kNoVertex ? 0 : graph.agency(v).type);
  }

  // Process events and discretionary overrides (live ones, numbered in graph order), each
  // listed under the persons it is about, sorted by date, then process order, then id.
  std::vector<std::pair<std::uint32_t, std::uint32_t>>& listed = scratch.listed;
  listed.clear();
  sel.for_each_event([&](std::uint32_t number) {
    const Event& e = graph.events()[number];
    if (e.id.empty()) return;
    const auto local = static_cast<std::uint32_t>(snap.event_kind.size());
    const std::size_t before = listed.size();
    for (VertexIndex p : e.about) {
      const std::uint32_t row = sel.record_row(p);
      if (row != UINT32_MAX) listed.push_back({row, local});
    }
    if (listed.size() == before && !sel.keep_unlisted_records) return;
    snap.event_ids.push(e.id);
    snap.event_kind.push_back(e.kind);
    snap.event_date.push_back(e.date);
    snap.event_note.push(e.note);
    snap.event_decision.push_back(e.decision);
    snap.event_category.push(e.category);
    snap.event_expected.push_back(e.expected);
  });
  auto rows_of = [&](Csr<std::uint32_t>& csr, auto&& before) {
    fill_csr(csr, persons.size(), scratch.cursor, [&](auto&& put) {
      for (const auto& entry : listed) put(entry.first, entry.second);
    });
    for (std::uint32_t p = 0; p < persons.size(); ++p) {
      std::sort(csr.items.begin() + csr.offsets[p], csr.items.begin() + csr.offsets[p + 1], before);
    }
    listed.clear();
  };
  rows_of(snap.person_events, [&](std::uint32_t a, std::uint32_t b) {
    if (snap.event_date[a] != snap.event_date[b]) return snap.event_date[a] < snap.event_date[b];
    if (snap.event_kind[a] != snap.event_kind[b])
      return event_order_rank(snap.event_kind[a]) < event_order_rank(snap.event_kind[b]);
    return snap.event_ids[a] < snap.event_ids[b];
  });
  sel.for_each_judgement([&](std::uint32_t number) {
    const DiscretionaryOverride& o = graph.discretionary_overrides()[number];
    if (o.id.empty()) return;
    const std::uint32_t row = sel.record_row(o.person);
    if (row == UINT32_MAX && !sel.keep_unlisted_records) return;
    if (row != UINT32_MAX)
      listed.push_back({row, static_cast<std::uint32_t>(snap.override_direction.size())});
    snap.override_ids.push(o.id);
    snap.override_direction.push_back(o.direction);
    snap.override_date.push_back(o.date);
    snap.override_author.push(o.author);
    snap.override_reason.push(o.reason);
    snap.override_approved_by.push(o.approved_by);
    snap.override_approved.push_back(o.approved);
  });
  rows_of(snap.person_overrides, [&](std::uint32_t a, std::uint32_t b) {
    if (snap.override_date[a] != snap.override_date[b])
      return snap.override_date[a] < snap.override_date[b];
    return snap.override_ids[a] < snap.override_ids[b];
  });
  sel.for_each_entry([&](std::uint32_t number) {
    const RecordedEntry& e = graph.entries()[number];
    if (e.id.empty()) return;
    const auto local = static_cast<std::uint32_t>(snap.entries.size());
    const std::size_t before = listed.size();
    for (VertexIndex p : e.about) {
      const std::uint32_t row = sel.record_row(p);
      if (row != UINT32_MAX) listed.push_back({row, local});
    }
    if (listed.size() == before) return;
    snap.entries.push_back(Snapshot::EntryRecord{
        e.id, e.kind, e.date, e.author, e.text, e.question, e.value,
        e.source == kNoVertex ? UINT32_MAX : sel.agency(e.source), e.restricted});
  });
  rows_of(snap.person_entries, [&](std::uint32_t a, std::uint32_t b) {
    if (snap.entries[a].date != snap.entries[b].date)
      return snap.entries[a].date < snap.entries[b].date;
    return snap.entries[a].id < snap.entries[b].id;
  });
}

// The whole graph: every vertex, every slot (tombstones kept), every record.
class WholeGraph {
 public:
  explicit WholeGraph(const CaseGraph& graph)
      : graph_(graph), adj_(graph.topology().adjacency), n_(graph.vertex_count()) {
    for (VertexIndex v = 0; v < n_; ++v) {
      const int k = kind_index(adj_[v].kind);
      if (k < 0) continue;
      std::vector<VertexIndex>& of_slot = slots_[k];
      if (of_slot.size() <= adj_[v].slot) of_slot.resize(adj_[v].slot + 1, kNoVertex);
      of_slot[adj_[v].slot] = v;
    }
  }
  std::size_t vertex_count() const { return n_; }
  VertexIndex graph_vertex(std::size_t i) const { return static_cast<VertexIndex>(i); }
  std::uint32_t local_slot(VertexIndex v) const { return adj_[v].slot; }
  const std::vector<VertexIndex>& slots(VertexKind kind) const { return slots_[kind_index(kind)]; }
  VertexIndex local_vertex(VertexIndex v) const { return v; }
  std::uint32_t person(VertexIndex v) const { return of_kind(v, VertexKind::person); }
  std::uint32_t agency(VertexIndex v) const { return of_kind(v, VertexKind::agency); }
  std::uint32_t household(VertexIndex v) const { return adj_[v].slot; }
  bool circle_child(VertexIndex) const { return true; }
  std::uint32_t record_row(VertexIndex v) const { return person(v); }
  template <typename F>
  void for_each_event(F&& f) const {
    for (std::uint32_t e = 0; e < graph_.events().size(); ++e) f(e);
  }
  template <typename F>
  void for_each_judgement(F&& f) const {
    for (std::uint32_t o = 0; o < graph_.discretionary_overrides().size(); ++o) f(o);
  }
  template <typename F>
  void for_each_entry(F&& f) const {
    for (std::uint32_t e = 0; e < graph_.entries().size(); ++e) f(e);
  }
  static constexpr bool keep_unlisted_records = true;

 private:
  static int kind_index(VertexKind kind) {
    switch (kind) {
      case VertexKind::person:
        return 0;
      case VertexKind::concern:
        return 1;
      case VertexKind::factor:
        return 2;
      case VertexKind::agency:
        return 3;
      default:
        return -1;
    }
  }
  std::uint32_t of_kind(VertexIndex v, VertexKind kind) const {
    return v < n_ && adj_[v].kind == kind ? adj_[v].slot : UINT32_MAX;
  }
  const CaseGraph& graph_;
  const detail::Adjacency& adj_;
  std::size_t n_;
  std::array<std::vector<VertexIndex>, 4> slots_;
};

// The families of some children: those children, everyone in their circles, the concerns about
// or involving those people, their factors, the agencies that raised the concerns and the
// households; and the records about those children.
class Families {
 public:
  // Chooses in `buffers` (emptied first), which the selection then reads.
  Families(const CaseGraph& graph, const std::vector<VertexIndex>& children,
           const RecordIndex* records, detail::SnapshotBuffers& buffers)
      : graph_(graph),
        adj_(graph.topology().adjacency),
        children_(buffers.children),
        persons_(buffers.persons),
        concerns_(buffers.concerns),
        factors_(buffers.factors),
        agencies_(buffers.agencies),
        households_(buffers.households),
        vertices_(buffers.vertices),
        events_(buffers.events),
        judgements_(buffers.judgements),
        entries_(buffers.entries),
        index_(buffers.index) {
    for (detail::Chosen* kind :
         {&children_, &persons_, &concerns_, &factors_, &agencies_, &households_})
      kind->clear();
    vertices_.clear();
    events_.clear();
    judgements_.clear();
    entries_.clear();
    for (VertexIndex v : children) {
      if (v >= graph.vertex_count() || graph.kind(v) != VertexKind::person) continue;
      if (graph.person(v).kind == PersonKind::child) {
        children_.add(adj_[v].slot, v);
      } else {
        persons_.add(adj_[v].slot, v);  // an adult whose own result is wanted, in no chosen circle
      }
    }
    children_.seal();
    for (VertexIndex v : children_.vertices) {
      walk_circle(adj_, v, [&](VertexIndex other, Role) { persons_.add(adj_[other].slot, other); });
    }
    persons_.seal();
    for (VertexIndex p : persons_.vertices) {
      for (auto edge : boost::make_iterator_range(in_edges(p, adj_))) {
        const RelationKind kind = adj_[edge].kind;
        const VertexIndex from = source(edge, adj_);
        if (kind == RelationKind::about || kind == RelationKind::involves) {
          concerns_.add(adj_[from].slot, from);
        } else if (kind == RelationKind::protects) {
          factors_.add(adj_[from].slot, from);
        }
      }
      const VertexIndex h = graph.household_of(p);
      if (h != kNoVertex) households_.add(adj_[h].slot, h);
    }
    concerns_.seal();
    factors_.seal();
    const std::vector<VertexIndex>& chosen_concerns = concerns_.vertices;
    for (std::size_t i = 0; i < chosen_concerns.size(); ++i) {
      if (i + kRecordAhead < chosen_concerns.size())
        prefetch_read(&graph.concern(chosen_concerns[i + kRecordAhead]));
      const VertexIndex c = chosen_concerns[i];
      const VertexIndex agency = graph.concern(c).source;
      agencies_.add(adj_[agency].slot, agency);
    }
    agencies_.seal();
    households_.seal();
    // Local vertices in graph vertex order, so children come out in the order a full
    // snapshot lists them.
    for (const detail::Chosen* kind :
         {&persons_, &concerns_, &factors_, &agencies_, &households_}) {
      vertices_.insert(vertices_.end(), kind->vertices.begin(), kind->vertices.end());
    }
    std::sort(vertices_.begin(), vertices_.end());
    index_.reset(vertices_.size());
    for (std::size_t i = 0; i < vertices_.size(); ++i)
      index_.insert(vertices_[i]).local_vertex = static_cast<VertexIndex>(i);
    for (const auto& [kind, chosen] :
         {std::pair{VertexKind::person, &persons_}, std::pair{VertexKind::concern, &concerns_},
          std::pair{VertexKind::factor, &factors_}, std::pair{VertexKind::agency, &agencies_},
          std::pair{VertexKind::household, &households_}}) {
      for (std::size_t slot = 0; slot < chosen->vertices.size(); ++slot) {
        detail::ChosenIndex::Entry& entry = index_.insert(chosen->vertices[slot]);
        entry.kind = kind;
        entry.local_slot = static_cast<std::uint32_t>(slot);
        if (kind == VertexKind::person &&
            graph.person(chosen->vertices[slot]).kind == PersonKind::adult)
          entry.flags |= detail::ChosenIndex::kAdult;
      }
    }
    for (VertexIndex v : children_.vertices)
      index_.insert(v).flags |= detail::ChosenIndex::kCircleChild;
    // The records about the chosen children: those the index points at, or every one.
    if (records != nullptr) {
      for (VertexIndex child : children_.vertices) {
        if (auto found = records->events.find(child); found != records->events.end())
          events_.insert(events_.end(), found->second.begin(), found->second.end());
      }
      // Judgements and entries about the chosen children and about the adults of their circles
      // (an adult's own result, which a child's rule may read): whoever record_row lists
      // records under.
      for (VertexIndex person : persons_.vertices) {
        if (record_row(person) == UINT32_MAX) continue;
        if (auto found = records->overrides.find(person); found != records->overrides.end())
          judgements_.insert(judgements_.end(), found->second.begin(), found->second.end());
        if (auto found = records->entries.find(person); found != records->entries.end())
          entries_.insert(entries_.end(), found->second.begin(), found->second.end());
      }
      // In graph order, each once: as a whole snapshot lists them.
      for (auto* numbers : {&events_, &judgements_, &entries_}) {
        std::sort(numbers->begin(), numbers->end());
        numbers->erase(std::unique(numbers->begin(), numbers->end()), numbers->end());
      }
    } else {
      for (std::uint32_t e = 0; e < graph.events().size(); ++e) events_.push_back(e);
      for (std::uint32_t o = 0; o < graph.discretionary_overrides().size(); ++o)
        judgements_.push_back(o);
      for (std::uint32_t e = 0; e < graph.entries().size(); ++e) entries_.push_back(e);
    }
  }
  std::size_t vertex_count() const { return vertices_.size(); }
  VertexIndex graph_vertex(std::size_t i) const { return vertices_[i]; }
  // Every vertex asked about below is one of the graph's (or kNoVertex, which is never chosen).
  std::uint32_t local_slot(VertexIndex v) const { return index_.find(v)->local_slot; }
  const std::vector<VertexIndex>& slots(VertexKind kind) const { return chosen(kind).vertices; }
  VertexIndex local_vertex(VertexIndex v) const {
    const detail::ChosenIndex::Entry* entry = index_.find(v);
    return entry ? entry->local_vertex : kNoVertex;
  }
  std::uint32_t person(VertexIndex v) const { return of_kind(v, VertexKind::person); }
  std::uint32_t agency(VertexIndex v) const { return of_kind(v, VertexKind::agency); }
  std::uint32_t household(VertexIndex v) const { return of_kind(v, VertexKind::household); }
  bool circle_child(VertexIndex v) const {
    const detail::ChosenIndex::Entry* entry = index_.find(v);
    return entry && (entry->flags & detail::ChosenIndex::kCircleChild);
  }
  // Records are listed only under the chosen children and the adults of their circles: no one
  // else is scored (a judgement about an adult moves the adult's own result).
  std::uint32_t record_row(VertexIndex v) const {
    const detail::ChosenIndex::Entry* entry = index_.find(v);
    return entry && entry->kind == VertexKind::person &&
                   (entry->flags &
                    (detail::ChosenIndex::kCircleChild | detail::ChosenIndex::kAdult))
               ? entry->local_slot
               : UINT32_MAX;
  }
  template <typename F>
  void for_each_event(F&& f) const {
    for (std::uint32_t e : events_) {
      if (e < graph_.events().size()) f(e);
    }
  }
  template <typename F>
  void for_each_judgement(F&& f) const {
    for (std::uint32_t o : judgements_) {
      if (o < graph_.discretionary_overrides().size()) f(o);
    }
  }
  template <typename F>
  void for_each_entry(F&& f) const {
    for (std::uint32_t e : entries_) {
      if (e < graph_.entries().size()) f(e);
    }
  }
  static constexpr bool keep_unlisted_records = false;

 private:
  const detail::Chosen& chosen(VertexKind kind) const {
    switch (kind) {
      case VertexKind::person:
        return persons_;
      case VertexKind::concern:
        return concerns_;
      case VertexKind::factor:
        return factors_;
      case VertexKind::agency:
        return agencies_;
      default:
        return households_;
    }
  }
  std::uint32_t of_kind(VertexIndex v, VertexKind kind) const {
    const detail::ChosenIndex::Entry* entry = index_.find(v);
    return entry && entry->kind == kind ? entry->local_slot : UINT32_MAX;
  }
  const CaseGraph& graph_;
  const detail::Adjacency& adj_;
  detail::Chosen &children_, &persons_, &concerns_, &factors_, &agencies_, &households_;
  std::vector<VertexIndex>& vertices_;
  std::vector<std::uint32_t>&events_, &judgements_, &entries_;
  detail::ChosenIndex& index_;
};

}  // namespace

std::shared_ptr<const Snapshot> take_snapshot(const CaseGraph& graph) {
  auto snap = std::make_shared<Snapshot>();
  detail::SnapshotBuffers scratch;
  build(graph, WholeGraph(graph), *snap, scratch);
  build_network(graph, *snap);
  return snap;
}

std::shared_ptr<const Snapshot> take_snapshot(const CaseGraph& graph,
                                              const std::vector<VertexIndex>& children,
                                              const RecordIndex* records) {
  auto snap = std::make_shared<Snapshot>();
  detail::SnapshotBuffers buffers;
  build(graph, Families(graph, children, records, buffers), *snap, buffers);
  return snap;
}

void detail::retake_snapshot(Snapshot& snap, const CaseGraph& graph,
                             const std::vector<VertexIndex>& children, const RecordIndex* records,
                             SnapshotBuffers& buffers) {
  snap.clear();
  build(graph, Families(graph, children, records, buffers), snap, buffers);
}

}  // namespace safeguard
