// Building the columnar snapshot from the editable graph.
#include "safeguard/snapshot.hpp"

#include <algorithm>
#include <array>

namespace safeguard {
namespace {

constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "self", "sibling", "carer", "household", "associate", "partner", "involved"};

// Fills a CSR from (row, item) pairs in two passes: count, then place. Items keep the order
// in which `emit` produced them within a row.
template <typename T, typename Emit>
Csr<T> build_csr(std::size_t rows, Emit emit) {
  Csr<T> csr;
  csr.offsets.assign(rows + 1, 0);
  emit([&](std::size_t row, const T&) { ++csr.offsets[row + 1]; });
  for (std::size_t r = 0; r < rows; ++r) csr.offsets[r + 1] += csr.offsets[r];
  csr.items.resize(csr.offsets[rows]);
  std::vector<std::uint32_t> cursor(csr.offsets.begin(), csr.offsets.end() - 1);
  emit([&](std::size_t row, const T& item) { csr.items[cursor[row]++] = item; });
  return csr;
}

// The contextual network: nodes for live persons, places and groups; a link at both ends of
// every declared relation; the concerns about each node.
void build_network(const CaseGraph& graph, Snapshot& snap) {
  const Adjacency& adj = graph.adjacency();
  const std::size_t n = graph.vertex_count();
  snap.vertex_node.assign(n, kNoNode);
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

std::string_view to_string(Role role) noexcept {
  return kRoleNames[static_cast<std::size_t>(role)];
}

bool parse_role(std::string_view text, Role& out) noexcept {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == text) {
      out = static_cast<Role>(i);
      return true;
    }
  }
  return false;
}

std::size_t Snapshot::byte_size() const noexcept {
  auto bytes = [](const auto& column) { return column.size() * sizeof(column[0]); };
  auto csr_bytes = [&](const auto& csr) { return bytes(csr.offsets) + bytes(csr.items); };
  return bytes(person_kind) + bytes(person_dob) + bytes(person_household) +
         csr_bytes(person_flags) + csr_bytes(person_circle) + csr_bytes(person_concerns) +
         csr_bytes(person_involved_in) + csr_bytes(person_factors) + bytes(children) +
         csr_bytes(concern_about) + csr_bytes(concern_involves) + bytes(concern_category) +
         bytes(concern_severity) + bytes(concern_incident) + bytes(concern_recorded) +
         bytes(concern_status) + bytes(concern_source) + bytes(concern_restricted) +
         bytes(factor_kind) + bytes(factor_strength) + bytes(factor_start) + bytes(factor_end) +
         bytes(agency_type) + bytes(event_kind) + bytes(event_date) + csr_bytes(person_events) +
         bytes(override_direction) + bytes(override_date) + csr_bytes(person_overrides) +
         bytes(node_vertex) + bytes(vertex_node) + csr_bytes(node_links) +
         csr_bytes(node_concerns) + bytes(node_label);
}

std::shared_ptr<const Snapshot> take_snapshot(const CaseGraph& graph) {
  auto snap = std::make_shared<Snapshot>();
  const Adjacency& adj = graph.adjacency();
  const std::size_t n = graph.vertex_count();
  snap->graph_revision = graph.revision();
  snap->symbols = graph.symbols().strings();

  snap->vertex_kind.resize(n);
  snap->vertex_slot.resize(n);
  snap->id_offsets.reserve(n + 1);
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
  snap->person_kind.assign(persons, PersonKind::adult);
  snap->person_dob.assign(persons, kNoDay);
  snap->person_household.assign(persons, UINT32_MAX);
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
    const VertexIndex v = snap->person_vertex[child];
    auto& circle = circles[child];
    circle.push_back({child, role_bit(Role::self)});
    for (auto edge : boost::make_iterator_range(boost::out_edges(v, adj))) {
      const VertexIndex other = boost::target(edge, adj);
      switch (adj[edge].kind) {
        case RelationKind::sibling_of:
          circle.push_back({slot_of(other), role_bit(Role::sibling)});
          break;
        case RelationKind::associate:
          circle.push_back({slot_of(other), role_bit(Role::associate)});
          break;
        case RelationKind::partner_of:
          circle.push_back({slot_of(other), role_bit(Role::partner)});
          break;
        case RelationKind::household:
          for (auto member : boost::make_iterator_range(boost::in_edges(other, adj))) {
            const VertexIndex m = boost::source(member, adj);
            if (m != v && adj[member].kind == RelationKind::household) {
              circle.push_back({slot_of(m), role_bit(Role::household)});
            }
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
          circle.push_back({slot_of(other), role_bit(Role::sibling)});
          break;
        case RelationKind::associate:
          circle.push_back({slot_of(other), role_bit(Role::associate)});
          break;
        case RelationKind::partner_of:
          circle.push_back({slot_of(other), role_bit(Role::partner)});
          break;
        case RelationKind::parent_of:
        case RelationKind::carer_of:
          circle.push_back({slot_of(other), role_bit(Role::carer)});
          break;
        default:
          break;
      }
    }
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
  snap->person_circle = build_csr<CircleMember>(persons, [&](auto&& put) {
    for (std::uint32_t p = 0; p < persons; ++p) {
      for (const auto& member : circles[p]) put(p, member);
    }
  });
  circles = {};

  // Concerns.
  snap->concern_category.assign(concerns, 0);
  snap->concern_severity.assign(concerns, 0);
  snap->concern_incident.assign(concerns, kNoDay);
  snap->concern_recorded.assign(concerns, kNoDay);
  snap->concern_status.assign(concerns, ConcernStatus::retracted);
  snap->concern_source.assign(concerns, UINT32_MAX);
  snap->concern_restricted.assign(concerns, 0);
  snap->concern_live.assign(concerns, false);
  for (std::uint32_t c = 0; c < concerns; ++c) {
    const VertexIndex v = snap->concern_vertex[c];
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
  snap->factor_kind.assign(factors, 0);
  snap->factor_strength.assign(factors, 0);
  snap->factor_start.assign(factors, kNoDay);
  snap->factor_end.assign(factors, kNoDay);
  snap->factor_live.assign(factors, false);
  for (std::uint32_t f = 0; f < factors; ++f) {
    const VertexIndex v = snap->factor_vertex[f];
    if (v == kNoVertex) continue;
    const Factor& factor = graph.factor(v);
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

  // Agencies.
  snap->agency_type.assign(agencies, 0);
  for (std::uint32_t a = 0; a < agencies; ++a) {
    if (snap->agency_vertex[a] != kNoVertex)
      snap->agency_type[a] = graph.agency(snap->agency_vertex[a]).type;
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
  }
  snap->person_events = build_csr<std::uint32_t>(persons, [&](auto&& put) {
    for (std::uint32_t e = 0; e < events.size(); ++e) {
      for (VertexIndex p : events[e]->about) put(slot_of(p), e);
    }
  });
  auto event_order = [&](std::uint32_t a, std::uint32_t b) {
    const Snapshot& s = *snap;
    if (s.event_date[a] != s.event_date[b]) return s.event_date[a] < s.event_date[b];
    if (s.event_kind[a] != s.event_kind[b]) return s.event_kind[a] < s.event_kind[b];
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

}  // namespace safeguard
