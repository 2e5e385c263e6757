// The columns of a Snapshot (include/safeguard/snapshot.hpp), private to the library: the
// scorer, the interpreter, the view layer and the C shim read them; hosts never do. Attributes
// are struct-of-arrays indexed by the graph's per-kind slot, adjacency is CSR, strings are
// interned symbols and dates are day numbers.
//
// Both builders (take_snapshot for the whole graph, and for the families of some children) are
// one routine in src/snapshot.cpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "safeguard/graph.hpp"
#include "safeguard/snapshot.hpp"

namespace safeguard {

// Compressed sparse rows: the items of row r are items[offsets[r] .. offsets[r + 1]).
template <typename T>
struct Csr {
  std::vector<std::uint32_t> offsets{0};
  std::vector<T> items;

  std::size_t rows() const noexcept { return offsets.size() - 1; }
  const T* begin(std::size_t row) const noexcept { return items.data() + offsets[row]; }
  const T* end(std::size_t row) const noexcept { return items.data() + offsets[row + 1]; }
  std::size_t size(std::size_t row) const noexcept { return offsets[row + 1] - offsets[row]; }
  // No rows, keeping the buffers.
  void clear() {
    offsets.resize(1);
    offsets[0] = 0;
    items.clear();
  }
};

struct CircleMember {
  std::uint32_t person;  // person slot
  RoleMask roles;
};

// One end of a declared relation as the propagation network sees it (propagate.hpp): the node
// at the other end and the relation's kind. Every relation is listed at both of its ends.
struct NetworkLink {
  std::uint32_t node;
  RelationKind kind;
};
inline constexpr std::uint32_t kNoNode = UINT32_MAX;
// Ids as one byte blob of NUL-terminated strings plus offsets, so the C API can hand them out as
// C strings without copying.
struct IdTable {
  std::vector<char> bytes;
  std::vector<std::uint64_t> offsets{0};

  void push(std::string_view id) {
    bytes.insert(bytes.end(), id.begin(), id.end());
    bytes.push_back('\0');
    offsets.push_back(bytes.size());
  }
  std::size_t size() const noexcept { return offsets.size() - 1; }
  std::string_view operator[](std::size_t i) const noexcept {
    return {bytes.data() + offsets[i], static_cast<std::size_t>(offsets[i + 1] - offsets[i] - 1)};
  }
  const char* c_str(std::size_t i) const noexcept { return bytes.data() + offsets[i]; }
  // No ids, keeping the buffers.
  void clear() {
    bytes.clear();
    offsets.resize(1);
    offsets[0] = 0;
  }
};

struct Snapshot {
  std::uint64_t graph_revision = 0;
  std::vector<std::string> symbols;

  // Per vertex: kind, per-kind slot, external id (one byte blob of NUL-terminated ids plus
  // offsets, so the C API can hand out the ids as C strings without copying).
  std::vector<VertexKind> vertex_kind;
  std::vector<std::uint32_t> vertex_slot;
  std::vector<char> id_bytes;
  std::vector<std::uint64_t> id_offsets{0};

  // Persons, by slot. Erased persons have vertex_kind == erased at their vertex.
  std::vector<VertexIndex> person_vertex;
  std::vector<PersonKind> person_kind;
  std::vector<Day> person_dob;
  std::vector<std::uint32_t> person_household;  // household slot or UINT32_MAX
  Csr<Symbol> person_flags;
  Csr<CircleMember> person_circle;        // everyone whose evidence can reach the person
  Csr<std::uint32_t> person_concerns;     // concern slots the person is about
  Csr<std::uint32_t> person_involved_in;  // concern slots that involve the person
  Csr<std::uint32_t> person_factors;      // factor slots protecting the person
  std::vector<std::uint32_t> children;    // person slots of live children, in vertex order
  IdTable person_name;  // display names, or empty; for the report and family version only

  // Concerns, by slot.
  std::vector<VertexIndex> concern_vertex;
  Csr<std::uint32_t> concern_about;     // person slots (places and groups: node_concerns)
  Csr<std::uint32_t> concern_involves;  // person slots
  std::vector<Symbol> concern_category;
  std::vector<std::uint8_t> concern_severity;
  std::vector<Day> concern_incident;
  std::vector<Day> concern_recorded;
  std::vector<ConcernStatus> concern_status;
  std::vector<std::uint32_t> concern_source;  // agency slot
  std::vector<std::uint8_t> concern_restricted;
  std::vector<bool> concern_live;
  IdTable concern_summary;  // free text, for renderings only (the view layer, explain.hpp)

  // Factors, by slot.
  std::vector<VertexIndex> factor_vertex;
  std::vector<Symbol> factor_kind;
  std::vector<std::uint8_t> factor_strength;
  std::vector<Day> factor_start;
  std::vector<Day> factor_end;
  std::vector<bool> factor_live;
  IdTable factor_summary;      // free text, for renderings only
  IdTable factor_provided_by;  // the provider's id (a person or agency), or empty
  // The provider's vertex, or kNoVertex when none is recorded (or, in a partial snapshot, the
  // provider is not among its vertices); for renderings only.
  std::vector<VertexIndex> factor_provider;
  Csr<std::uint32_t> factor_protects;  // person slots the factor protects (those in the snapshot)

  // Agencies, by slot.
  std::vector<VertexIndex> agency_vertex;
  std::vector<Symbol> agency_type;
  IdTable agency_name;  // for renderings only

  // The contextual network: live persons, places and groups as nodes, in vertex order, joined
  // by their declared relations (parent_of, carer_of, sibling_of, partner_of, associate,
  // member_of, frequents). Each node's links are sorted by kind, then node.
  std::vector<VertexIndex> node_vertex;
  std::vector<std::uint32_t> vertex_node;  // per vertex: its node, or kNoNode
  Csr<NetworkLink> node_links;
  Csr<std::uint32_t> node_concerns;  // concern slots about the node, in slot order
  std::vector<Symbol> node_label;    // a place's or group's own kind ("park"); 0 for persons
  IdTable node_name;                 // a place's or group's name, or empty; for renderings only
  // Process events (live ones only, numbered in graph order) and each child's, sorted by date,
  // then process order (event_order_rank), then id.
  IdTable event_ids;
  std::vector<EventKind> event_kind;
  std::vector<Day> event_date;
  IdTable event_note;  // text in one arena, so a rebuilt snapshot keeps its memory
  std::vector<EventDecision> event_decision;
  IdTable event_category;
  std::vector<Day> event_expected;
  Csr<std::uint32_t> person_events;

  // Discretionary overrides (live ones, numbered in graph order) and each child's, sorted by
  // date then id.
  IdTable override_ids;
  std::vector<OverrideDirection> override_direction;
  std::vector<Day> override_date;
  IdTable override_author;
  IdTable override_reason;
  IdTable override_approved_by;        // empty when not approved
  std::vector<Day> override_approved;  // kNoDay when not approved
  Csr<std::uint32_t> person_overrides;

  // Recorded entries (live ones about a person of the snapshot, numbered in graph order) and
  // each child's, sorted by date then id. For renderings only: no rule reads them.
  struct EntryRecord {
    std::string id;
    EntryKind kind = EntryKind::child_voice;
    Day date = kNoDay;
    std::string author, text, question;
    int value = kNoScalingValue;
    std::uint32_t source = UINT32_MAX;  // agency slot, or UINT32_MAX
    bool restricted = false;
  };
  std::vector<EntryRecord> entries;
  Csr<std::uint32_t> person_entries;

  // The working-day calendar statutory timescales run on (shared with the graph).
  std::shared_ptr<const WorkingCalendar> calendar;

  std::string_view id(VertexIndex v) const noexcept {
    return {id_bytes.data() + id_offsets[v],
            static_cast<std::size_t>(id_offsets[v + 1] - id_offsets[v] - 1)};
  }
  const char* id_c_str(VertexIndex v) const noexcept { return id_bytes.data() + id_offsets[v]; }
  std::string_view symbol(Symbol s) const noexcept { return symbols[s]; }
  // The earliest known date of a concern: the incident if known, else when it was recorded.
  Day concern_date(std::uint32_t c) const noexcept {
    return concern_incident[c] != kNoDay ? concern_incident[c] : concern_recorded[c];
  }
  // Bytes held by the columns (the streaming floor in bench/ reads this many).
  std::size_t byte_size() const noexcept;
  // Empties every column, keeping its buffer: how a partial snapshot is rebuilt in place.
  void clear();
};

// Position of `person` in the child's circle (sorted by person slot), or -1.
inline int circle_position(const Snapshot& snap, std::uint32_t child,
                           std::uint32_t person) noexcept {
  const CircleMember* first = snap.person_circle.begin(child);
  const CircleMember* last = snap.person_circle.end(child);
  const CircleMember* found = std::lower_bound(
      first, last, person, [](const CircleMember& m, std::uint32_t p) { return m.person < p; });
  return (found != last && found->person == person) ? static_cast<int>(found - first) : -1;
}

// Roles through which someone named in a concern's `involves` makes it reach the child.
inline constexpr RoleMask kInvolvingRoles =
    role_bit(Role::carer) | role_bit(Role::household) | role_bit(Role::partner);

// Calls visit(concern_slot, RoleMask roles) exactly once for every concern about someone in the
// child's circle or involving one of the child's carers, household members or partner. `roles`
// gathers every path: the roles of each circle member the concern is about, plus
// Role::involved. Visibility as of a date is the caller's filter. Allocation-free.
template <typename Visit>
void for_each_circle_concern(const Snapshot& snap, std::uint32_t child, Visit&& visit) {
  const CircleMember* circle = snap.person_circle.begin(child);
  const int circle_size = static_cast<int>(snap.person_circle.size(child));
  auto about_roles = [&](std::uint32_t c, int position, bool& first_visit) {
    RoleMask roles = 0;
    first_visit = true;
    for (const std::uint32_t* p = snap.concern_about.begin(c); p != snap.concern_about.end(c);
         ++p) {
      // Most concerns are about one person: the member being visited, whose place is known.
      const int at = position < circle_size && circle[position].person == *p
                         ? position
                         : circle_position(snap, child, *p);
      if (at < 0) continue;
      if (at < position) first_visit = false;
      roles |= circle[at].roles;
    }
    return roles;
  };
  auto involved = [&](std::uint32_t c, int position, bool& first_visit) {
    bool any = false;
    for (const std::uint32_t* p = snap.concern_involves.begin(c); p != snap.concern_involves.end(c);
         ++p) {
      const int at = circle_position(snap, child, *p);
      if (at < 0 || !(circle[at].roles & kInvolvingRoles)) continue;
      if (position >= 0 && at < position) first_visit = false;
      any = true;
    }
    return any;
  };
  for (int i = 0; i < circle_size; ++i) {
    const std::uint32_t member = circle[i].person;
    for (const std::uint32_t* c = snap.person_concerns.begin(member);
         c != snap.person_concerns.end(member); ++c) {
      bool first_visit = true;
      RoleMask roles = about_roles(*c, i, first_visit);
      if (!first_visit) continue;
      bool ignored = true;
      if (involved(*c, -1, ignored)) roles |= role_bit(Role::involved);
      visit(*c, roles);
    }
  }
  for (int i = 0; i < circle_size; ++i) {
    if (!(circle[i].roles & kInvolvingRoles)) continue;
    const std::uint32_t member = circle[i].person;
    for (const std::uint32_t* c = snap.person_involved_in.begin(member);
         c != snap.person_involved_in.end(member); ++c) {
      bool first_visit = true;
      if (about_roles(*c, circle_size, first_visit) != 0) continue;  // visited in the first pass
      first_visit = true;
      involved(*c, i, first_visit);
      if (first_visit) visit(*c, role_bit(Role::involved));
    }
  }
}

// The first role in a mask, in the order of the Role enum (self first).
inline Role first_role(RoleMask roles) noexcept {
  for (int r = 0; r < kRoleCount; ++r) {
    if (roles & (1u << r)) return static_cast<Role>(r);
  }
  return Role::self;
}

// A partial snapshot: only what scoring `children` (vertex indices; anything that is not a
// live person is ignored) reads — those children, everyone in their circles, the concerns
// about or involving those people, their factors, the agencies that raised the concerns and
// the households. An adult among `children` is held with the concerns about them, so that their
// own result (Results::adult_*) is worked out too. Its vertex numbers and slots are its own, in
// the graph's order; ids are the graph's. Assessing it gives each of those children and adults
// exactly the result a full snapshot gives (tests/unit/test_incremental.cpp,
// test_adult_judgement.cpp), in time that grows with their families, not with the graph.
//
// Process events and discretionary overrides are not vertices, and the graph keeps no index of
// them by child, so this scans them all unless `records` says where to look.
struct RecordIndex;
SAFEGUARD_EXPORT std::shared_ptr<const Snapshot> take_snapshot(
    const CaseGraph& graph, const std::vector<VertexIndex>& children,
    const RecordIndex* records = nullptr);

namespace detail {

// Vertices of one kind chosen for a partial snapshot, ordered by their graph slot; a vertex's
// local slot is its position, so local slots keep the graph's order (ChosenIndex finds it).
struct Chosen {
  std::vector<std::pair<std::uint32_t, VertexIndex>> by_slot;  // (graph slot, vertex)
  std::vector<VertexIndex> vertices;                           // by local slot

  void clear() noexcept {
    by_slot.clear();
    vertices.clear();
  }
  void add(std::uint32_t graph_slot, VertexIndex v) { by_slot.push_back({graph_slot, v}); }
  void seal() {
    std::sort(by_slot.begin(), by_slot.end());
    by_slot.erase(std::unique(by_slot.begin(), by_slot.end()), by_slot.end());
    if (by_slot.size() > vertices.capacity())  // grown twofold: these are refilled (buffers)
      vertices.reserve(std::max(by_slot.size(), 2 * vertices.capacity()));
    for (const auto& entry : by_slot) vertices.push_back(entry.second);
  }
};

// Where each vertex chosen for a partial snapshot sits: its kind, its local slot within that
// kind, its local vertex number, and whether it is a chosen child or an adult. A partial
// snapshot looks vertices up some hundreds of times (every circle member, a concern's subjects,
// each vertex's slot); binary searches over each kind's chosen list were a tenth of its time.
// Open addressing on the vertex number, at most half full, rebuilt for each snapshot (some 60
// vertices: the table stays in a few cache lines). std::unordered_map would allocate a node per
// vertex on every update.
struct ChosenIndex {
  static constexpr std::uint8_t kCircleChild = 1;
  static constexpr std::uint8_t kAdult = 2;
  struct Entry {
    VertexIndex vertex = kNoVertex;
    std::uint32_t local_slot = UINT32_MAX;
    VertexIndex local_vertex = kNoVertex;
    VertexKind kind = VertexKind::person;
    std::uint8_t flags = 0;
  };

  // Empties the table, with room for `n` vertices.
  void reset(std::size_t n) {
    std::size_t capacity = 16;
    unsigned bits = 4;
    while (capacity < 2 * n) {
      capacity *= 2;
      ++bits;
    }
    shift_ = 64 - bits;
    table_.assign(capacity, Entry{});
  }
  // The entry of `v`, added (with only its vertex set) if it was not there.
  Entry& insert(VertexIndex v) {
    const std::size_t mask = table_.size() - 1;
    for (std::size_t at = home(v);; at = (at + 1) & mask) {
      Entry& entry = table_[at];
      if (entry.vertex == v) return entry;
      if (entry.vertex == kNoVertex) {
        entry.vertex = v;
        return entry;
      }
    }
  }
  // The entry of `v`, or nullptr when it was not chosen (or is kNoVertex).
  const Entry* find(VertexIndex v) const {
    if (v == kNoVertex || table_.empty()) return nullptr;
    const std::size_t mask = table_.size() - 1;
    for (std::size_t at = home(v);; at = (at + 1) & mask) {
      const Entry& entry = table_[at];
      if (entry.vertex == v) return &entry;
      if (entry.vertex == kNoVertex) return nullptr;
    }
  }

 private:
  std::size_t home(VertexIndex v) const {  // Fibonacci hashing: the top bits of v times 2^64/phi
    return static_cast<std::size_t>((static_cast<std::uint64_t>(v) * 0x9E3779B97F4A7C15ull) >>
                                    shift_);
  }
  std::vector<Entry> table_;
  unsigned shift_ = 60;
};

// The working memory of building a snapshot: what is chosen for a partial one, and the
// builder's own scratch. A caller that builds one snapshot after another (the Reassessor)
// keeps it, so that once the buffers have grown to the largest families seen, building
// allocates nothing here.
struct SnapshotBuffers {
  Chosen children, persons, concerns, factors, agencies, households;
  ChosenIndex index;                                            // every vertex chosen
  std::vector<VertexIndex> vertices;                            // chosen, in graph order
  std::vector<std::uint32_t> events, judgements, entries;       // record numbers to look at
  std::vector<CircleMember> circle;                             // one child's, while built
  std::vector<std::pair<std::uint32_t, std::uint32_t>> listed;  // (person row, record)
  std::vector<std::uint32_t> cursor;                            // a CSR's fill positions
};

// Rebuilds `snap` in place as take_snapshot(graph, children, records) builds a fresh one,
// reusing its columns' memory and `buffers`. `snap` must be no one else's: a snapshot others
// hold is immutable.
SAFEGUARD_EXPORT void retake_snapshot(Snapshot& snap, const CaseGraph& graph,
                                      const std::vector<VertexIndex>& children,
                                      const RecordIndex* records, SnapshotBuffers& buffers);

// children_reached_by into a caller's vector (emptied first), so that a caller doing this for
// every update reuses its memory.
void children_reached_into(const CaseGraph& graph, const std::vector<VertexIndex>& persons,
                           std::vector<VertexIndex>& children);

}  // namespace detail

// Which process events, discretionary overrides and practitioners' entries (numbers into
// CaseGraph::events(), CaseGraph::discretionary_overrides() and CaseGraph::entries()) may concern
// each child (or, for judgements, adult). The index may name a record that no longer concerns
// the person (a partial snapshot checks every record it is pointed at) but must not miss one:
// a partial snapshot reads only the records the index names, so an update costs the same
// however long the record's history grows.
struct RecordIndex {
  std::unordered_map<VertexIndex, std::vector<std::uint32_t>> events;
  std::unordered_map<VertexIndex, std::vector<std::uint32_t>> overrides;
  std::unordered_map<VertexIndex, std::vector<std::uint32_t>> entries;
  std::size_t events_seen = 0;  // graph records already indexed
  std::size_t overrides_seen = 0;
  std::size_t entries_seen = 0;

  // Indexes the records the graph gained since the last call (records are only appended).
  void catch_up(const CaseGraph& graph) {
    for (; events_seen < graph.events().size(); ++events_seen) {
      for (VertexIndex child : graph.events()[events_seen].about)
        events[child].push_back(static_cast<std::uint32_t>(events_seen));
    }
    for (; overrides_seen < graph.discretionary_overrides().size(); ++overrides_seen) {
      overrides[graph.discretionary_overrides()[overrides_seen].person].push_back(
          static_cast<std::uint32_t>(overrides_seen));
    }
    for (; entries_seen < graph.entries().size(); ++entries_seen) {
      for (VertexIndex child : graph.entries()[entries_seen].about)
        entries[child].push_back(static_cast<std::uint32_t>(entries_seen));
    }
  }
};

// The live children (vertex indices, ascending) whose circle holds any of `persons`: the
// children whose results change when those persons' evidence or relations change.
SAFEGUARD_EXPORT std::vector<VertexIndex> children_reached_by(
    const CaseGraph& graph, const std::vector<VertexIndex>& persons);

}  // namespace safeguard

namespace safeguard::expr {

// True if `concern` (a slot) counts as of as_of: recorded by then and not retracted.
inline bool concern_visible(const Snapshot& snap, std::uint32_t concern, Day as_of) noexcept {
  return snap.concern_live[concern] && snap.concern_status[concern] != ConcernStatus::retracted &&
         snap.concern_recorded[concern] <= as_of;
}
// True if `factor` exists as of as_of (its start, if known, is not after it).
inline bool factor_visible(const Snapshot& snap, std::uint32_t factor, Day as_of) noexcept {
  return snap.factor_live[factor] &&
         (snap.factor_start[factor] == kNoDay || snap.factor_start[factor] <= as_of);
}

}  // namespace safeguard::expr
