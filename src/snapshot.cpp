// Building the columnar snapshot from the editable graph.
#include "snapshot_columns.hpp"

#include "graph_topology.hpp"
#include "huge_pages.hpp"

#include <algorithm>
#include <array>

namespace safeguard {
namespace {

// Fills a CSR from (row, item) pairs in two passes: count, then place. Items keep the order
// in which `emit` produced them within a row.
template <typename T, typename Emit>
Csr<T> build_csr(std::size_t rows, Emit emit) {
  Csr<T> csr;
  detail::assign_huge(csr.offsets, rows + 1, 0);
  emit([&](std::size_t row, const T&) { ++csr.offsets[row + 1]; });
  for (std::size_t r = 0; r < rows; ++r) csr.offsets[r + 1] += csr.offsets[r];
  detail::resize_huge(csr.items, csr.offsets[rows]);
  std::vector<std::uint32_t> cursor(csr.offsets.begin(), csr.offsets.end() - 1);
  emit([&](std::size_t row, const T& item) { csr.items[cursor[row]++] = item; });
  return csr;
}

// Calls emit(vertex, role) for everyone whose evidence can reach the child at `v`, once per
// relation (unmerged), the child itself first. This is the definition of a child's circle;
// for_each_person_reached below is its inverse and must change with it.
template <typename Emit>
void walk_circle(const detail::Adjacency& adj, VertexIndex v, Emit&& emit) {
  emit(v, Role::self);
  for (auto edge : boost::make_iterator_range(boost::out_edges(v, adj))) {
    const VertexIndex other = boost::target(edge, adj);
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
        for (auto member : boost::make_iterator_range(boost::in_edges(other, adj))) {
          const VertexIndex m = boost::source(member, adj);
          if (m != v && adj[member].kind == RelationKind::household) emit(m, Role::household);
        }
        break;
      default:
        break;
    }
  }
  for (auto edge : boost::make_iterator_range(boost::in_edges(v, adj))) {
    const VertexIndex other = boost::source(edge, adj);
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
  for (auto edge : boost::make_iterator_range(boost::out_edges(p, adj))) {
    const VertexIndex other = boost::target(edge, adj);
    switch (adj[edge].kind) {
      case RelationKind::sibling_of:
      case RelationKind::associate:
      case RelationKind::partner_of:
      case RelationKind::parent_of:
      case RelationKind::carer_of:
        if (is_child(other)) visit(other);
        break;
      case RelationKind::household:
        for (auto member : boost::make_iterator_range(boost::in_edges(other, adj))) {
          const VertexIndex m = boost::source(member, adj);
          if (m != p && adj[member].kind == RelationKind::household && is_child(m)) visit(m);
        }
        break;
      default:
        break;
    }
  }
  for (auto edge : boost::make_iterator_range(boost::in_edges(p, adj))) {
    const VertexIndex other = boost::source(edge, adj);
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
  detail::assign_huge(snap.vertex_node, n, kNoNode);
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
  snap.node_links = build_csr<NetworkLink>(nodes, [&](auto&& put) {
    for (std::uint32_t from = 0; from < nodes; ++from) {
      for (auto edge : boost::make_iterator_range(boost::out_edges(snap.node_vertex[from], adj))) {
        const RelationKind kind = adj[edge].kind;
        if (!is_declarable_relation(kind)) continue;
        const std::uint32_t to = snap.vertex_node[boost::target(edge, adj)];
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
  snap.node_concerns = build_csr<std::uint32_t>(nodes, [&](auto&& put) {
    for (std::uint32_t c = 0; c < snap.concern_vertex.size(); ++c) {
      if (!snap.concern_live[c]) continue;
      for (VertexIndex v : graph.concern(snap.concern_vertex[c]).about) put(snap.vertex_node[v], c);
    }
  });
}

}  // namespace

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
         csr_bytes(person_overrides) + bytes(node_vertex) + bytes(vertex_node) +
         csr_bytes(node_links) + csr_bytes(node_concerns) + bytes(node_label);
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

std::shared_ptr<const Snapshot> take_snapshot(const CaseGraph& graph) {
  auto snap = std::make_shared<Snapshot>();
  const detail::Adjacency& adj = graph.topology().adjacency;
  const std::size_t n = graph.vertex_count();
  snap->graph_revision = graph.revision();
  snap->symbols = graph.symbols().strings();

  detail::resize_huge(snap->vertex_kind, n);
  detail::resize_huge(snap->vertex_slot, n);
  detail::reserve_huge(snap->id_offsets, n + 1);
  std::size_t persons = 0, concerns = 0, factors = 0, agencies = 0;
  for (VertexIndex v = 0; v < n; ++v) {
    snap->vertex_kind[v] = adj[v].kind;
    snap->vertex_slot[v] = adj[v].slot;
    const std::string& id = graph.id(v);
    snap->id_bytes.insert(snap->id_bytes.end(), id.begin(), id.end());
    snap->id_bytes.push_back('\0');
    snap->id_offsets.push_back(snap->id_bytes.size());
    switch (adj[v].kind) {
      case VertexKind::person:
        persons = std::max<std::size_t>(persons, adj[v].slot + 1);
        break;
      case VertexKind::concern:
        concerns = std::max<std::size_t>(concerns, adj[v].slot + 1);
        break;
      case VertexKind::factor:
        factors = std::max<std::size_t>(factors, adj[v].slot + 1);
        break;
      case VertexKind::agency:
        agencies = std::max<std::size_t>(agencies, adj[v].slot + 1);
        break;
      default:
        break;
    }
  }
  // Tombstoned slots keep their place so slots stay aligned with the graph.
  auto live_of = [&](VertexKind kind) {
    std::vector<VertexIndex> vertex_of_slot;
    for (VertexIndex v = 0; v < n; ++v) {
      if (adj[v].kind != kind) continue;
      if (vertex_of_slot.size() <= adj[v].slot) vertex_of_slot.resize(adj[v].slot + 1, kNoVertex);
      vertex_of_slot[adj[v].slot] = v;
    }
    return vertex_of_slot;
  };
  snap->person_vertex = live_of(VertexKind::person);
  snap->concern_vertex = live_of(VertexKind::concern);
  snap->factor_vertex = live_of(VertexKind::factor);
  snap->agency_vertex = live_of(VertexKind::agency);
  snap->person_vertex.resize(persons, kNoVertex);
  snap->concern_vertex.resize(concerns, kNoVertex);
  snap->factor_vertex.resize(factors, kNoVertex);
  snap->agency_vertex.resize(agencies, kNoVertex);

  // Persons.
  detail::assign_huge(snap->person_kind, persons, PersonKind::adult);
  detail::assign_huge(snap->person_dob, persons, kNoDay);
  detail::assign_huge(snap->person_household, persons, UINT32_MAX);
  for (std::uint32_t p = 0; p < persons; ++p) {
    const VertexIndex v = snap->person_vertex[p];
    if (v == kNoVertex) continue;
    const Person& person = graph.person(v);
    snap->person_kind[p] = person.kind;
    snap->person_dob[p] = person.dob;
    const VertexIndex h = graph.household_of(v);
    if (h != kNoVertex) snap->person_household[p] = adj[h].slot;
    if (person.kind == PersonKind::child) snap->children.push_back(p);
  }
  std::sort(snap->children.begin(), snap->children.end(), [&](std::uint32_t a, std::uint32_t b) {
    return snap->person_vertex[a] < snap->person_vertex[b];
  });
  snap->person_flags = build_csr<Symbol>(persons, [&](auto&& put) {
    for (std::uint32_t p = 0; p < persons; ++p) {
      if (snap->person_vertex[p] == kNoVertex) continue;
      for (Symbol flag : graph.person(snap->person_vertex[p]).flags) put(p, flag);
    }
  });

  // The circle of each child: who they are related to and how, merged per person.
  std::vector<std::vector<CircleMember>> circles(persons);
  auto slot_of = [&](VertexIndex v) { return adj[v].slot; };
  for (std::uint32_t child : snap->children) {
    circle_of(adj, snap->person_vertex[child], slot_of, circles[child]);
  }
  snap->person_circle = build_csr<CircleMember>(persons, [&](auto&& put) {
    for (std::uint32_t p = 0; p < persons; ++p) {
      for (const auto& member : circles[p]) put(p, member);
    }
  });
  circles = {};

  // Concerns.
  detail::assign_huge(snap->concern_category, concerns, 0);
  detail::assign_huge(snap->concern_severity, concerns, 0);
  detail::assign_huge(snap->concern_incident, concerns, kNoDay);
  detail::assign_huge(snap->concern_recorded, concerns, kNoDay);
  detail::assign_huge(snap->concern_status, concerns, ConcernStatus::retracted);
  detail::assign_huge(snap->concern_source, concerns, UINT32_MAX);
  detail::assign_huge(snap->concern_restricted, concerns, 0);
  snap->concern_live.assign(concerns, false);
  for (std::uint32_t c = 0; c < concerns; ++c) {
    const VertexIndex v = snap->concern_vertex[c];
    snap->concern_summary.push(v == kNoVertex ? std::string_view() : graph.concern(v).summary);
    if (v == kNoVertex) continue;
    const Concern& concern = graph.concern(v);
    snap->concern_category[c] = concern.category;
    snap->concern_severity[c] = static_cast<std::uint8_t>(concern.severity);
    snap->concern_incident[c] = concern.incident;
    snap->concern_recorded[c] = concern.recorded;
    snap->concern_status[c] = concern.status;
    snap->concern_source[c] = slot_of(concern.source);
    snap->concern_restricted[c] = concern.restricted;
    snap->concern_live[c] = true;
  }
  // A concern may also be about places and groups; the person columns keep only persons.
  auto is_person = [&](VertexIndex v) { return adj[v].kind == VertexKind::person; };
  snap->concern_about = build_csr<std::uint32_t>(concerns, [&](auto&& put) {
    for (std::uint32_t c = 0; c < concerns; ++c) {
      if (!snap->concern_live[c]) continue;
      for (VertexIndex p : graph.concern(snap->concern_vertex[c]).about) {
        if (is_person(p)) put(c, slot_of(p));
      }
    }
  });
  snap->concern_involves = build_csr<std::uint32_t>(concerns, [&](auto&& put) {
    for (std::uint32_t c = 0; c < concerns; ++c) {
      if (!snap->concern_live[c]) continue;
      for (VertexIndex p : graph.concern(snap->concern_vertex[c]).involves) put(c, slot_of(p));
    }
  });
  snap->person_concerns = build_csr<std::uint32_t>(persons, [&](auto&& put) {
    for (std::uint32_t c = 0; c < concerns; ++c) {
      if (!snap->concern_live[c]) continue;
      for (VertexIndex p : graph.concern(snap->concern_vertex[c]).about) {
        if (is_person(p)) put(slot_of(p), c);
      }
    }
  });
  snap->person_involved_in = build_csr<std::uint32_t>(persons, [&](auto&& put) {
    for (std::uint32_t c = 0; c < concerns; ++c) {
      if (!snap->concern_live[c]) continue;
      for (VertexIndex p : graph.concern(snap->concern_vertex[c]).involves) put(slot_of(p), c);
    }
  });

  // Factors.
  detail::assign_huge(snap->factor_kind, factors, 0);
  detail::assign_huge(snap->factor_strength, factors, 0);
  detail::assign_huge(snap->factor_start, factors, kNoDay);
  detail::assign_huge(snap->factor_end, factors, kNoDay);
  snap->factor_live.assign(factors, false);
  detail::assign_huge(snap->factor_provider, factors, kNoVertex);
  for (std::uint32_t f = 0; f < factors; ++f) {
    const VertexIndex v = snap->factor_vertex[f];
    if (v == kNoVertex) {
      snap->factor_summary.push({});
      snap->factor_provided_by.push({});
      continue;
    }
    const Factor& factor = graph.factor(v);
    snap->factor_provider[f] = factor.provided_by;
    snap->factor_summary.push(factor.summary);
    snap->factor_provided_by.push(factor.provided_by == kNoVertex ? std::string_view()
                                                                  : graph.id(factor.provided_by));
    snap->factor_kind[f] = factor.kind;
    snap->factor_strength[f] = static_cast<std::uint8_t>(factor.strength);
    snap->factor_start[f] = factor.start;
    snap->factor_end[f] = factor.end;
    snap->factor_live[f] = true;
  }
  snap->person_factors = build_csr<std::uint32_t>(persons, [&](auto&& put) {
    for (std::uint32_t f = 0; f < factors; ++f) {
      if (!snap->factor_live[f]) continue;
      for (VertexIndex p : graph.factor(snap->factor_vertex[f]).protects) put(slot_of(p), f);
    }
  });
  snap->factor_protects = build_csr<std::uint32_t>(factors, [&](auto&& put) {
    for (std::uint32_t f = 0; f < factors; ++f) {
      if (!snap->factor_live[f]) continue;
      for (VertexIndex p : graph.factor(snap->factor_vertex[f]).protects) put(f, slot_of(p));
    }
  });

  // Agencies.
  detail::assign_huge(snap->agency_type, agencies, 0);
  for (std::uint32_t a = 0; a < agencies; ++a) {
    const VertexIndex v = snap->agency_vertex[a];
    snap->agency_name.push(v == kNoVertex ? std::string_view() : graph.agency(v).name);
    if (v != kNoVertex) snap->agency_type[a] = graph.agency(v).type;
  }

  // Process events.
  std::vector<const Event*> events;
  for (const Event& e : graph.events()) {
    if (e.id.empty()) continue;
    events.push_back(&e);
    snap->event_ids.push(e.id);
    snap->event_kind.push_back(e.kind);
    snap->event_date.push_back(e.date);
    snap->event_note.push_back(e.note);
    snap->event_decision.push_back(e.decision);
    snap->event_category.push_back(e.category);
    snap->event_expected.push_back(e.expected);
  }
  snap->person_events = build_csr<std::uint32_t>(persons, [&](auto&& put) {
    for (std::uint32_t e = 0; e < events.size(); ++e) {
      for (VertexIndex p : events[e]->about) put(slot_of(p), e);
    }
  });
  auto event_order = [&](std::uint32_t a, std::uint32_t b) {
    const Snapshot& s = *snap;
    if (s.event_date[a] != s.event_date[b]) return s.event_date[a] < s.event_date[b];
    if (s.event_kind[a] != s.event_kind[b])
      return event_order_rank(s.event_kind[a]) < event_order_rank(s.event_kind[b]);
    return s.event_ids[a] < s.event_ids[b];
  };
  for (std::uint32_t p = 0; p < persons; ++p) {
    std::sort(snap->person_events.items.begin() + snap->person_events.offsets[p],
              snap->person_events.items.begin() + snap->person_events.offsets[p + 1], event_order);
  }

  // Discretionary overrides.
  std::vector<const DiscretionaryOverride*> judgements;
  for (const DiscretionaryOverride& o : graph.discretionary_overrides()) {
    if (o.id.empty()) continue;
    judgements.push_back(&o);
    snap->override_ids.push(o.id);
    snap->override_direction.push_back(o.direction);
    snap->override_date.push_back(o.date);
    snap->override_author.push_back(o.author);
    snap->override_reason.push_back(o.reason);
  }
  snap->person_overrides = build_csr<std::uint32_t>(persons, [&](auto&& put) {
    for (std::uint32_t o = 0; o < judgements.size(); ++o) put(slot_of(judgements[o]->child), o);
  });
  for (std::uint32_t p = 0; p < persons; ++p) {
    std::sort(snap->person_overrides.items.begin() + snap->person_overrides.offsets[p],
              snap->person_overrides.items.begin() + snap->person_overrides.offsets[p + 1],
              [&](std::uint32_t a, std::uint32_t b) {
                if (snap->override_date[a] != snap->override_date[b])
                  return snap->override_date[a] < snap->override_date[b];
                return snap->override_ids[a] < snap->override_ids[b];
              });
  }
  snap->calendar = graph.calendar();

  build_network(graph, *snap);
  return snap;
}

std::vector<VertexIndex> children_reached_by(const CaseGraph& graph,
                                             const std::vector<VertexIndex>& persons) {
  std::vector<VertexIndex> children;
  for (VertexIndex p : persons) {
    if (p >= graph.vertex_count() || graph.kind(p) != VertexKind::person) continue;
    for_each_child_reached(graph, p, [&](VertexIndex child) { children.push_back(child); });
  }
  std::sort(children.begin(), children.end());
  children.erase(std::unique(children.begin(), children.end()), children.end());
  return children;
}

namespace {

// Vertices of one kind chosen for a partial snapshot, ordered by their graph slot; a vertex's
// local slot is its position, so local slots keep the graph's order.
struct Chosen {
  std::vector<std::pair<std::uint32_t, VertexIndex>> by_slot;  // (graph slot, vertex)

  void add(const detail::Adjacency& adj, VertexIndex v) { by_slot.push_back({adj[v].slot, v}); }
  void seal() {
    std::sort(by_slot.begin(), by_slot.end());
    by_slot.erase(std::unique(by_slot.begin(), by_slot.end()), by_slot.end());
  }
  // Local slot of a chosen vertex's graph slot, or UINT32_MAX.
  std::uint32_t local(std::uint32_t graph_slot) const {
    auto found = std::lower_bound(by_slot.begin(), by_slot.end(),
                                  std::make_pair(graph_slot, VertexIndex{0}));
    return found != by_slot.end() && found->first == graph_slot
               ? static_cast<std::uint32_t>(found - by_slot.begin())
               : UINT32_MAX;
  }
  std::uint32_t size() const { return static_cast<std::uint32_t>(by_slot.size()); }
};

template <typename T>
void push_row(Csr<T>& csr) {
  csr.offsets.push_back(static_cast<std::uint32_t>(csr.items.size()));
}

}  // namespace

std::shared_ptr<const Snapshot> take_snapshot(const CaseGraph& graph,
                                              const std::vector<VertexIndex>& children,
                                              const RecordIndex* records) {
  const detail::Adjacency& adj = graph.topology().adjacency;
  auto snap = std::make_shared<Snapshot>();
  snap->graph_revision = graph.revision();
  snap->symbols = graph.symbols().strings();

  // Choose: the live children asked for, everyone in their circles, the concerns and factors
  // about those people, the agencies that raised the concerns, and their households.
  Chosen chosen_children, persons, concerns, factors, agencies, households;
  for (VertexIndex v : children) {
    if (v < graph.vertex_count() && graph.kind(v) == VertexKind::person &&
        graph.person(v).kind == PersonKind::child) {
      chosen_children.add(adj, v);
    }
  }
  chosen_children.seal();
  for (const auto& [slot, v] : chosen_children.by_slot) {
    walk_circle(adj, v, [&](VertexIndex other, Role) { persons.add(adj, other); });
  }
  persons.seal();
  for (const auto& [slot, p] : persons.by_slot) {
    for (auto edge : boost::make_iterator_range(boost::in_edges(p, adj))) {
      const RelationKind kind = adj[edge].kind;
      if (kind == RelationKind::about || kind == RelationKind::involves) {
        concerns.add(adj, boost::source(edge, adj));
      } else if (kind == RelationKind::protects) {
        factors.add(adj, boost::source(edge, adj));
      }
    }
    const VertexIndex h = graph.household_of(p);
    if (h != kNoVertex) households.add(adj, h);
  }
  concerns.seal();
  factors.seal();
  for (const auto& [slot, c] : concerns.by_slot) agencies.add(adj, graph.concern(c).source);
  agencies.seal();
  households.seal();

  // Local vertices in graph vertex order, so children come out in the order a full snapshot
  // lists them.
  std::vector<VertexIndex> vertices;
  for (const Chosen* kind : {&persons, &concerns, &factors, &agencies, &households}) {
    for (const auto& [slot, v] : kind->by_slot) vertices.push_back(v);
  }
  std::sort(vertices.begin(), vertices.end());
  auto local_vertex = [&](VertexIndex v) {
    return static_cast<VertexIndex>(std::lower_bound(vertices.begin(), vertices.end(), v) -
                                    vertices.begin());
  };
  snap->vertex_kind.reserve(vertices.size());
  snap->vertex_slot.reserve(vertices.size());
  snap->id_offsets.reserve(vertices.size() + 1);
  for (VertexIndex v : vertices) {
    const VertexKind kind = adj[v].kind;
    const Chosen& of_kind = kind == VertexKind::person    ? persons
                            : kind == VertexKind::concern ? concerns
                            : kind == VertexKind::factor  ? factors
                            : kind == VertexKind::agency  ? agencies
                                                          : households;
    snap->vertex_kind.push_back(kind);
    snap->vertex_slot.push_back(of_kind.local(adj[v].slot));
    const std::string& id = graph.id(v);
    snap->id_bytes.insert(snap->id_bytes.end(), id.begin(), id.end());
    snap->id_bytes.push_back('\0');
    snap->id_offsets.push_back(snap->id_bytes.size());
  }
  auto vertices_of = [&](const Chosen& kind) {
    std::vector<VertexIndex> out;
    out.reserve(kind.size());
    for (const auto& [slot, v] : kind.by_slot) out.push_back(local_vertex(v));
    return out;
  };
  snap->person_vertex = vertices_of(persons);
  snap->concern_vertex = vertices_of(concerns);
  snap->factor_vertex = vertices_of(factors);
  snap->agency_vertex = vertices_of(agencies);

  // Persons: columns for all, circles only for the children asked for.
  const std::uint32_t person_count = persons.size();
  snap->person_kind.reserve(person_count);
  snap->person_dob.reserve(person_count);
  snap->person_household.reserve(person_count);
  std::vector<CircleMember> circle;
  for (std::uint32_t p = 0; p < person_count; ++p) {
    const VertexIndex v = persons.by_slot[p].second;
    const Person& person = graph.person(v);
    snap->person_kind.push_back(person.kind);
    snap->person_dob.push_back(person.dob);
    const VertexIndex h = graph.household_of(v);
    snap->person_household.push_back(h == kNoVertex ? UINT32_MAX : households.local(adj[h].slot));
    for (Symbol flag : person.flags) snap->person_flags.items.push_back(flag);
    push_row(snap->person_flags);
    if (chosen_children.local(adj[v].slot) != UINT32_MAX) {
      snap->children.push_back(p);
      circle.clear();
      circle_of(
          adj, v, [&](VertexIndex other) { return persons.local(adj[other].slot); }, circle);
      snap->person_circle.items.insert(snap->person_circle.items.end(), circle.begin(),
                                       circle.end());
    }
    push_row(snap->person_circle);
    // Concerns and factors about the person in slot order, as a full snapshot lists them.
    const std::size_t about_first = snap->person_concerns.items.size();
    const std::size_t involved_first = snap->person_involved_in.items.size();
    const std::size_t factors_first = snap->person_factors.items.size();
    for (auto edge : boost::make_iterator_range(boost::in_edges(v, adj))) {
      const VertexIndex source = boost::source(edge, adj);
      switch (adj[edge].kind) {
        case RelationKind::about:
          snap->person_concerns.items.push_back(concerns.local(adj[source].slot));
          break;
        case RelationKind::involves:
          snap->person_involved_in.items.push_back(concerns.local(adj[source].slot));
          break;
        case RelationKind::protects:
          snap->person_factors.items.push_back(factors.local(adj[source].slot));
          break;
        default:
          break;
      }
    }
    std::sort(snap->person_concerns.items.begin() + about_first, snap->person_concerns.items.end());
    std::sort(snap->person_involved_in.items.begin() + involved_first,
              snap->person_involved_in.items.end());
    std::sort(snap->person_factors.items.begin() + factors_first, snap->person_factors.items.end());
    push_row(snap->person_concerns);
    push_row(snap->person_involved_in);
    push_row(snap->person_factors);
  }
  std::sort(snap->children.begin(), snap->children.end(), [&](std::uint32_t a, std::uint32_t b) {
    return snap->person_vertex[a] < snap->person_vertex[b];
  });

  // Concerns, with about and involves lists cut down to the chosen persons: the others are in
  // no chosen child's circle, so scoring never looks at them.
  const std::uint32_t concern_count = concerns.size();
  snap->concern_live.assign(concern_count, true);
  for (std::uint32_t c = 0; c < concern_count; ++c) {
    const Concern& concern = graph.concern(concerns.by_slot[c].second);
    snap->concern_category.push_back(concern.category);
    snap->concern_severity.push_back(static_cast<std::uint8_t>(concern.severity));
    snap->concern_incident.push_back(concern.incident);
    snap->concern_recorded.push_back(concern.recorded);
    snap->concern_status.push_back(concern.status);
    snap->concern_source.push_back(agencies.local(adj[concern.source].slot));
    snap->concern_restricted.push_back(concern.restricted);
    snap->concern_summary.push(concern.summary);
    for (VertexIndex p : concern.about) {  // places and groups too, which scoring ignores
      if (adj[p].kind != VertexKind::person) continue;
      const std::uint32_t local = persons.local(adj[p].slot);
      if (local != UINT32_MAX) snap->concern_about.items.push_back(local);
    }
    push_row(snap->concern_about);
    for (VertexIndex p : concern.involves) {
      const std::uint32_t local = persons.local(adj[p].slot);
      if (local != UINT32_MAX) snap->concern_involves.items.push_back(local);
    }
    push_row(snap->concern_involves);
  }

  const std::uint32_t factor_count = factors.size();
  snap->factor_live.assign(factor_count, true);
  for (std::uint32_t f = 0; f < factor_count; ++f) {
    const Factor& factor = graph.factor(factors.by_slot[f].second);
    snap->factor_kind.push_back(factor.kind);
    snap->factor_strength.push_back(static_cast<std::uint8_t>(factor.strength));
    snap->factor_start.push_back(factor.start);
    snap->factor_end.push_back(factor.end);
    snap->factor_summary.push(factor.summary);
    snap->factor_provided_by.push(factor.provided_by == kNoVertex ? std::string_view()
                                                                  : graph.id(factor.provided_by));
    const bool provider_chosen =
        factor.provided_by != kNoVertex &&
        std::binary_search(vertices.begin(), vertices.end(), factor.provided_by);
    snap->factor_provider.push_back(provider_chosen ? local_vertex(factor.provided_by) : kNoVertex);
    for (VertexIndex p : factor.protects) {
      const std::uint32_t local = persons.local(adj[p].slot);
      if (local != UINT32_MAX) snap->factor_protects.items.push_back(local);
    }
    push_row(snap->factor_protects);
  }
  for (const auto& [slot, a] : agencies.by_slot) {
    snap->agency_type.push_back(graph.agency(a).type);
    snap->agency_name.push(graph.agency(a).name);
  }

  // Process events and discretionary overrides about the chosen children, numbered in graph
  // order and listed per person as a full snapshot lists them: those the index points at, or
  // (without one) every record in the graph.
  auto chosen_child = [&](VertexIndex v) {
    return v != kNoVertex && v < graph.vertex_count() && adj[v].kind == VertexKind::person &&
           chosen_children.local(adj[v].slot) != UINT32_MAX;
  };
  std::vector<std::uint32_t> event_numbers, override_numbers;
  if (records != nullptr) {
    for (const auto& [slot, child] : chosen_children.by_slot) {
      if (auto found = records->events.find(child); found != records->events.end())
        event_numbers.insert(event_numbers.end(), found->second.begin(), found->second.end());
      if (auto found = records->overrides.find(child); found != records->overrides.end())
        override_numbers.insert(override_numbers.end(), found->second.begin(), found->second.end());
    }
    std::sort(event_numbers.begin(), event_numbers.end());
    event_numbers.erase(std::unique(event_numbers.begin(), event_numbers.end()),
                        event_numbers.end());
    std::sort(override_numbers.begin(), override_numbers.end());
    override_numbers.erase(std::unique(override_numbers.begin(), override_numbers.end()),
                           override_numbers.end());
  } else {
    for (std::uint32_t e = 0; e < graph.events().size(); ++e) event_numbers.push_back(e);
    for (std::uint32_t o = 0; o < graph.discretionary_overrides().size(); ++o)
      override_numbers.push_back(o);
  }
  std::vector<std::vector<std::uint32_t>> events_of(person_count), overrides_of(person_count);
  for (std::uint32_t number : event_numbers) {
    if (number >= graph.events().size()) continue;
    const Event& e = graph.events()[number];
    if (e.id.empty()) continue;
    bool wanted = false;
    for (VertexIndex p : e.about) wanted = wanted || chosen_child(p);
    if (!wanted) continue;
    const auto local = static_cast<std::uint32_t>(snap->event_kind.size());
    snap->event_ids.push(e.id);
    snap->event_kind.push_back(e.kind);
    snap->event_date.push_back(e.date);
    snap->event_note.push_back(e.note);
    snap->event_decision.push_back(e.decision);
    snap->event_category.push_back(e.category);
    snap->event_expected.push_back(e.expected);
    for (VertexIndex p : e.about) {
      if (chosen_child(p)) events_of[persons.local(adj[p].slot)].push_back(local);
    }
  }
  for (std::uint32_t number : override_numbers) {
    if (number >= graph.discretionary_overrides().size()) continue;
    const DiscretionaryOverride& o = graph.discretionary_overrides()[number];
    if (o.id.empty() || !chosen_child(o.child)) continue;
    overrides_of[persons.local(adj[o.child].slot)].push_back(
        static_cast<std::uint32_t>(snap->override_direction.size()));
    snap->override_ids.push(o.id);
    snap->override_direction.push_back(o.direction);
    snap->override_date.push_back(o.date);
    snap->override_author.push_back(o.author);
    snap->override_reason.push_back(o.reason);
  }
  for (std::uint32_t p = 0; p < person_count; ++p) {
    std::sort(events_of[p].begin(), events_of[p].end(), [&](std::uint32_t a, std::uint32_t b) {
      if (snap->event_date[a] != snap->event_date[b])
        return snap->event_date[a] < snap->event_date[b];
      if (snap->event_kind[a] != snap->event_kind[b])
        return event_order_rank(snap->event_kind[a]) < event_order_rank(snap->event_kind[b]);
      return snap->event_ids[a] < snap->event_ids[b];
    });
    snap->person_events.items.insert(snap->person_events.items.end(), events_of[p].begin(),
                                     events_of[p].end());
    push_row(snap->person_events);
    std::sort(overrides_of[p].begin(), overrides_of[p].end(),
              [&](std::uint32_t a, std::uint32_t b) {
                if (snap->override_date[a] != snap->override_date[b])
                  return snap->override_date[a] < snap->override_date[b];
                return snap->override_ids[a] < snap->override_ids[b];
              });
    snap->person_overrides.items.insert(snap->person_overrides.items.end(), overrides_of[p].begin(),
                                        overrides_of[p].end());
    push_row(snap->person_overrides);
  }
  snap->calendar = graph.calendar();
  return snap;
}

}  // namespace safeguard
