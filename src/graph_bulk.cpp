// CaseGraph's bulk path: a batch that only adds, applied to an empty graph (a case file loaded,
// a record materialised, frames from Python). An empty graph's rollback is "clear everything",
// so there is no undo log; each item is checked and built in one pass, every id is looked up
// once (in a flat index of views of the batch's ids), and every vector is reserved from the
// batch's counts. It builds exactly the record the steps of src/graph.cpp build (the same
// helpers make each record, items in the same order), which tests/oracle/test_bulk_apply.cpp
// checks on generated and bundled files.
//
// It checks everything the Validator does, but only to decide: on any failure it clears the
// graph and declines, and CaseGraph::apply runs the steps, whose Validator finds the first bad
// item and says what is wrong with it, as before. So errors are the Validator's, word for word.
#include <algorithm>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "graph_bulk.hpp"
#include "graph_records.hpp"
#include "graph_topology.hpp"
#include "safeguard/detail/key_index.hpp"
#include "safeguard/graph.hpp"
#include "util/utf8.hpp"

namespace safeguard {
namespace {

// The items the bulk path builds: additions. Anything that amends, replaces or removes goes
// through the steps.
bool is_addition(const Edit& item) {
  return std::visit(
      [](const auto& edit) {
        using T = std::decay_t<decltype(edit)>;
        return std::is_same_v<T, PersonSpec> || std::is_same_v<T, AgencySpec> ||
               std::is_same_v<T, ConcernSpec> || std::is_same_v<T, FactorSpec> ||
               std::is_same_v<T, PlaceSpec> || std::is_same_v<T, GroupSpec> ||
               std::is_same_v<T, HouseholdSpec> || std::is_same_v<T, RelationSpec> ||
               std::is_same_v<T, EventSpec> || std::is_same_v<T, DiscretionaryOverrideSpec> ||
               std::is_same_v<T, CalendarSpec> || std::is_same_v<T, EntrySpec>;
      },
      item);
}

bool is_entity(const Edit& item) {
  return std::holds_alternative<PersonSpec>(item) || std::holds_alternative<AgencySpec>(item) ||
         std::holds_alternative<ConcernSpec>(item) || std::holds_alternative<FactorSpec>(item) ||
         std::holds_alternative<PlaceSpec>(item) || std::holds_alternative<GroupSpec>(item) ||
         std::holds_alternative<HouseholdSpec>(item);
}

// A declared relation as a key for finding repeats: symmetric kinds with their ends in order.
struct RelationKey {
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  RelationKind kind = RelationKind::parent_of;
  bool operator<(const RelationKey& other) const {
    if (kind != other.kind) return kind < other.kind;
    if (a != other.a) return a < other.a;
    return b < other.b;
  }
  bool operator==(const RelationKey& other) const {
    return kind == other.kind && a == other.a && b == other.b;
  }
};

// The number of items of kind T in `counts`.
template <typename T>
std::size_t count_of(const detail::ItemCounts& counts) {
  return counts[Edit(std::in_place_type<T>).index()];
}

}  // namespace

class CaseGraph::BulkBuilder {
 public:
  explicit BulkBuilder(CaseGraph& graph) : graph_(graph) {}

  // Builds the whole batch into the (empty) graph; false as soon as an item fails a check.
  bool build(const Batch& batch) {
    count_and_reserve(batch);
    for (const Edit& item : batch.items) {
      if (!add(item)) return false;
    }
    return finish();
  }

  // Builds one more item; false if it fails a check (or is not an addition). Items may come
  // one at a time (detail::StreamedBuild) with nothing reserved: each vector then grows.
  bool add(const Edit& item) {
    vertices_ += is_entity(item);
    records_ += std::holds_alternative<EventSpec>(item) ||
                std::holds_alternative<DiscretionaryOverrideSpec>(item) ||
                std::holds_alternative<EntrySpec>(item);
    if (vertices_ > graph_.limits_.max_vertices || records_ > graph_.limits_.max_records)
      return false;
    return std::visit([this](const auto& edit) { return add(edit); }, item);
  }

  void prefetch(std::string_view id) const noexcept { names_index_.prefetch(id); }

  // The checks over the whole batch, once every item is in.
  bool finish() {
    build_topology();
    return relations_unique() && parentage_acyclic() && index_ids();
  }

  // The counts that decide whether the batch fits the graph's limits at all.
  static bool fits(const CaseGraph& graph, const Batch& batch) {
    std::size_t vertices = 0, records = 0;
    for (const Edit& item : batch.items) {
      vertices += is_entity(item);
      records += std::holds_alternative<EventSpec>(item) ||
                 std::holds_alternative<DiscretionaryOverrideSpec>(item) ||
                 std::holds_alternative<EntrySpec>(item);
    }
    return vertices <= graph.limits_.max_vertices && records <= graph.limits_.max_records;
  }

 private:
  // ---- Checks (the Validator's, as predicates) ----

  bool valid_text(std::string_view text) const {
    return text.size() <= graph_.limits_.max_text_bytes && detail::is_valid_utf8(text) &&
           !detail::first_control(text);
  }
  bool valid_symbol(std::string_view text) const {
    return !text.empty() && valid_text(text) && !detail::first_unprintable(text);
  }
  bool valid_id(std::string_view id) const {
    return !id.empty() && id.size() <= graph_.limits_.max_id_bytes && detail::is_valid_utf8(id) &&
           !detail::first_unprintable(id);
  }
  bool list_fits(std::size_t size) const { return size <= graph_.limits_.max_list_items; }
  bool items_fit(const std::vector<SourceItem>& items) const {
    return detail::source_items_fit(items, graph_.limits_.max_list_items,
                                    [this](std::string_view text) { return valid_text(text); });
  }

  VertexKind kind(VertexIndex v) const { return graph_.topology_->adjacency[v].kind; }
  bool is_person_of_kind(VertexIndex v, PersonKind person_kind) const {
    return v != kNoVertex && kind(v) == VertexKind::person &&
           graph_.persons_[graph_.topology_->adjacency[v].slot].kind == person_kind;
  }
  bool is(VertexIndex v, VertexKind expected) const {
    return v != kNoVertex && kind(v) == expected;
  }

  // Every vertex is known, and none is listed twice.
  template <typename Accept>
  bool distinct_and(const VertexList& list, const Accept& accept) {
    if (!list_fits(list.size())) return false;
    for (VertexIndex v : list) {
      if (v == kNoVertex || !accept(v)) return false;
    }
    if (list.size() <= 16) {
      for (std::size_t i = 0; i < list.size(); ++i) {
        for (std::size_t j = i + 1; j < list.size(); ++j) {
          if (list[i] == list[j]) return false;
        }
      }
      return true;
    }
    scratch_.assign(list.begin(), list.end());
    std::sort(scratch_.begin(), scratch_.end());
    return std::adjacent_find(scratch_.begin(), scratch_.end()) == scratch_.end();
  }

  // ---- Ids: one flat index of every id declared, vertices and records alike ----
  // An entry names where the id is kept: the vertex's record (CaseGraph::id), the event's or
  // override's own record otherwise. The index reads keys from there, so it holds no copy of
  // them and stays valid when the items it was built from are gone (streamed) or the vectors
  // holding the ids grow.

  enum class NameKind : std::uint8_t { vertex, event, override, entry };
  struct Name {
    std::uint32_t number;  // the vertex, or the record's number
    NameKind kind;
  };
  std::string_view name_at(std::size_t at) const {
    const Name& name = names_[at];
    switch (name.kind) {
      case NameKind::vertex:
        // The vertex being added has no record yet (it comes once the item is checked): its id
        // is the one add_vertex kept.
        return name.number == pending_ ? std::string_view(pending_id_)
                                       : graph_.id(name.number).view();
      case NameKind::event:
        return graph_.events_[name.number].id;
      case NameKind::override:
        return graph_.discretionary_[name.number].id;
      case NameKind::entry:
        return graph_.entries_[name.number].id;
    }
    return {};
  }
  struct KeyOf {
    const BulkBuilder* builder;
    std::string_view operator()(std::size_t at) const { return builder->name_at(at); }
  };
  KeyOf key_of() const { return KeyOf{this}; }

  // Declares a new id, kept where `name` says once the caller has stored it; false if it is
  // malformed or taken.
  bool declare(const std::string& id, Name name) {
    if (!valid_id(id) || !names_index_.insert(id, names_.size(), key_of())) return false;
    names_.push_back(name);
    return true;
  }

  // The vertex an id names among the items so far, or kNoVertex (also for a record's id).
  VertexIndex resolve(std::string_view id) const {
    const auto at = names_index_.find(id, key_of());
    return at && names_[*at].kind == NameKind::vertex ? names_[*at].number : kNoVertex;
  }

  VertexIndex add_vertex(const std::string& id, VertexKind vertex_kind, std::size_t slot) {
    const auto v = static_cast<VertexIndex>(graph_.vertex_count());
    pending_ = kNoVertex;  // the last vertex's record is in place (or the build has failed)
    if (!declare(id, Name{v, NameKind::vertex})) return kNoVertex;
    pending_id_.assign(id);
    pending_ = v;
    detail::VertexData data;
    data.kind = vertex_kind;
    data.slot = static_cast<std::uint32_t>(slot);
    graph_.topology_->adjacency.add_vertex(data);
    return v;
  }

  // Edges wait here, in the order they come, until finish() builds the topology's base from
  // them at its exact size (src/graph_topology.hpp).
  void add_edge(RelationKind relation, VertexIndex from, VertexIndex to) {
    edges_.push_back(detail::Adjacency::StagedEdge{from, to, relation});
  }

  Symbol intern(std::string_view text) { return graph_.symbols_.intern(text); }

  // A record is indexed (CaseGraph::index_record) once it is stored: the index reads its id from
  // there. Its id was declared unique among every id of the build already.
  using RecordList = CaseGraph::RecordList;

  // ---- Items ----

  bool add(const PersonSpec& spec) {
    const VertexIndex v = add_vertex(spec.id, VertexKind::person, graph_.persons_.size());
    if (v == kNoVertex || !list_fits(spec.flags.size()) || !valid_text(spec.name) ||
        !items_fit(spec.attributes) || detail::attribute_named_twice(spec.attributes))
      return false;
    for (const auto& flag : spec.flags) {
      if (!valid_symbol(flag)) return false;
    }
    VertexIndex household = kNoVertex;
    if (!spec.household.empty()) {
      household = resolve(spec.household);
      if (!is(household, VertexKind::household)) return false;
    }
    graph_.persons_.push_back(
        detail::make_person(spec, [this](std::string_view text) { return intern(text); }));
    if (household != kNoVertex) add_edge(RelationKind::household, v, household);
    return true;
  }

  bool add(const AgencySpec& spec) {
    if (add_vertex(spec.id, VertexKind::agency, graph_.agencies_.size()) == kNoVertex ||
        !valid_symbol(spec.type) || !valid_text(spec.name))
      return false;
    graph_.agencies_.push_back(Agency{spec.id, intern(spec.type), spec.name});
    return true;
  }

  bool add(const ConcernSpec& spec) {
    const VertexIndex v = add_vertex(spec.id, VertexKind::concern, graph_.concerns_.size());
    if (v == kNoVertex || !valid_symbol(spec.category) || spec.severity < 1 || spec.severity > 5 ||
        spec.recorded == kNoDay || (spec.incident != kNoDay && spec.incident > spec.recorded) ||
        spec.about.empty() || !valid_text(spec.summary))
      return false;
    Concern c = detail::make_concern(
        spec, [this](std::string_view id) { return resolve(id); },
        [this](std::string_view text) { return intern(text); });
    if (!is(c.source, VertexKind::agency)) return false;
    if (!distinct_and(c.about, [this](VertexIndex about) {
          const VertexKind k = kind(about);
          return k == VertexKind::person || k == VertexKind::place || k == VertexKind::group;
        }))
      return false;
    if (!distinct_and(c.involves, [this](VertexIndex involved) {
          return is_person_of_kind(involved, PersonKind::adult);
        }))
      return false;
    add_edge(RelationKind::raised, c.source, v);
    for (auto about : c.about) add_edge(RelationKind::about, v, about);
    for (auto involved : c.involves) add_edge(RelationKind::involves, v, involved);
    graph_.concerns_.push_back(std::move(c));
    return true;
  }

  bool add(const FactorSpec& spec) {
    const VertexIndex v = add_vertex(spec.id, VertexKind::factor, graph_.factors_.size());
    if (v == kNoVertex || !valid_symbol(spec.kind) || spec.strength < 1 || spec.strength > 5 ||
        (spec.start != kNoDay && spec.end != kNoDay && spec.end < spec.start) ||
        spec.protects.empty() || !valid_text(spec.summary))
      return false;
    Factor f = detail::make_factor(
        spec, [this](std::string_view id) { return resolve(id); },
        [this](std::string_view text) { return intern(text); });
    if (!spec.provided_by.empty() && !is(f.provided_by, VertexKind::person) &&
        !is(f.provided_by, VertexKind::agency))
      return false;
    if (!distinct_and(f.protects, [this](VertexIndex p) { return kind(p) == VertexKind::person; }))
      return false;
    for (auto p : f.protects) add_edge(RelationKind::protects, v, p);
    graph_.factors_.push_back(std::move(f));
    return true;
  }

  bool add(const PlaceSpec& spec) {
    if (add_vertex(spec.id, VertexKind::place, graph_.places_.size()) == kNoVertex ||
        !valid_symbol(spec.kind) || !valid_text(spec.name))
      return false;
    graph_.places_.push_back(Place{spec.id, intern(spec.kind), spec.name});
    return true;
  }

  bool add(const GroupSpec& spec) {
    if (add_vertex(spec.id, VertexKind::group, graph_.groups_.size()) == kNoVertex ||
        !valid_symbol(spec.kind) || !valid_text(spec.name))
      return false;
    graph_.groups_.push_back(Group{spec.id, intern(spec.kind), spec.name});
    return true;
  }

  bool add(const HouseholdSpec& spec) {
    if (add_vertex(spec.id, VertexKind::household, graph_.households_.size()) == kNoVertex)
      return false;
    graph_.households_.push_back(Household{spec.id});
    return true;
  }

  bool add(const RelationSpec& spec) {
    if (!is_declarable_relation(spec.kind)) return false;
    const VertexIndex from = resolve(spec.from);
    const VertexIndex to = resolve(spec.to);
    VertexKind target = VertexKind::person;
    if (spec.kind == RelationKind::member_of) target = VertexKind::group;
    if (spec.kind == RelationKind::frequents) target = VertexKind::place;
    if (!is(from, VertexKind::person) || !is(to, target) || from == to) return false;
    if (spec.kind == RelationKind::parent_of || spec.kind == RelationKind::carer_of) {
      // A child may be a young parent or carer, never the parent or the carer of an adult.
      if (is_person_of_kind(from, PersonKind::child) && is_person_of_kind(to, PersonKind::adult))
        return false;
      if (spec.kind == RelationKind::parent_of) has_parent_edges_ = true;
    }
    const bool swap = is_symmetric(spec.kind) && to < from;
    relation_keys_.push_back(RelationKey{swap ? to : from, swap ? from : to, spec.kind});
    graph_.relations_.push_back(Relation{spec.kind, from, to});
    add_edge(spec.kind, from, to);
    return true;
  }

  // A record's id is declared last, once the record is sure to be stored: the index reads it
  // from there. (Declaring it first would decide nothing differently: no reference may name a
  // record.)
  bool add(const EventSpec& spec) {
    if (spec.date == kNoDay || spec.about.empty() || !valid_text(spec.note) ||
        !valid_text(spec.category) || !items_fit(spec.items) ||
        !event_decision_allowed(spec.kind, spec.decision) ||
        (spec.expected != kNoDay && spec.kind != EventKind::expected_birth) ||
        (spec.kind == EventKind::expected_birth && spec.expected == kNoDay) ||
        (spec.kind == EventKind::record_source && spec.category.empty()))
      return false;
    Event e = detail::make_event(spec, [this](std::string_view id) { return resolve(id); });
    if (!distinct_and(e.about, [this](VertexIndex child) {
          return is_person_of_kind(child, PersonKind::child);
        }))
      return false;
    const auto number = static_cast<std::uint32_t>(graph_.events_.size());
    if (!declare(spec.id, Name{number, NameKind::event})) return false;
    graph_.events_.push_back(std::move(e));
    graph_.index_record(RecordList::events, number);
    return true;
  }

  bool add(const DiscretionaryOverrideSpec& spec) {
    if (spec.date == kNoDay || spec.author.empty() || spec.reason.empty() ||
        !valid_text(spec.author) || !valid_text(spec.reason))
      return false;
    DiscretionaryOverride o =
        detail::make_override(spec, [this](std::string_view id) { return resolve(id); });
    if (spec.child.empty() == spec.adult.empty() ||
        !is_person_of_kind(o.person, spec.child.empty() ? PersonKind::adult : PersonKind::child))
      return false;
    // An approval (the Validator's rules): an adult in the graph and a date on or after the
    // judgement's, both or neither.
    if (spec.approved_by.empty() != (spec.approved == kNoDay)) return false;
    if (!spec.approved_by.empty() &&
        (!is_person_of_kind(resolve(spec.approved_by), PersonKind::adult) ||
         spec.approved < spec.date))
      return false;
    const auto number = static_cast<std::uint32_t>(graph_.discretionary_.size());
    if (!declare(spec.id, Name{number, NameKind::override})) return false;
    graph_.discretionary_.push_back(std::move(o));
    graph_.index_record(RecordList::overrides, number);
    return true;
  }

  // Declared last, as events are: an id declared before its record is stored would be read
  // from past the end of entries_ by a reference that names it (about or source naming the
  // entry itself: a crash found by review) or whose hash collides with it.
  bool add(const EntrySpec& spec) {
    if (!detail::entry_fields_problem(spec).empty() || !valid_text(spec.author) ||
        !valid_text(spec.text) || !valid_text(spec.question))
      return false;
    const VertexIndex source = spec.source.empty() ? kNoVertex : resolve(spec.source);
    if (!spec.source.empty() && !is(source, VertexKind::agency)) return false;
    RecordedEntry e = detail::make_entry(spec, [this](std::string_view id) { return resolve(id); });
    if (!distinct_and(e.about, [this](VertexIndex child) {
          return is_person_of_kind(child, PersonKind::child);
        }))
      return false;
    const auto number = static_cast<std::uint32_t>(graph_.entries_.size());
    if (!declare(spec.id, Name{number, NameKind::entry})) return false;
    graph_.entries_.push_back(std::move(e));
    graph_.index_record(RecordList::entries, number);
    return true;
  }

  bool add(const CalendarSpec& spec) {
    if (!list_fits(spec.closures.size())) return false;
    for (Day day : spec.closures) {
      if (day == kNoDay || day < detail::kFirstSupportedDay || day > detail::kLastSupportedDay)
        return false;
    }
    graph_.calendar_ = detail::next_calendar(*graph_.calendar_, spec);
    return true;
  }

  // Items that are not additions never reach the builder (apply_in_bulk declines them).
  template <typename Other>
  bool add(const Other&) {
    return false;
  }

  // ---- Whole-batch checks ----

  bool relations_unique() {
    std::sort(relation_keys_.begin(), relation_keys_.end());
    return std::adjacent_find(relation_keys_.begin(), relation_keys_.end()) == relation_keys_.end();
  }

  // No one is their own ancestor: a depth-first search over parent_of edges.
  bool parentage_acyclic() {
    if (!has_parent_edges_) return true;
    const detail::Adjacency& adj = graph_.topology_->adjacency;
    enum : std::uint8_t { unseen = 0, on_path = 1, done = 2 };
    std::vector<std::uint8_t> state(num_vertices(adj), unseen);
    using OutEdges = boost::graph_traits<detail::Adjacency>::out_edge_iterator;
    struct Frame {
      VertexIndex v;
      OutEdges at, end;
    };
    std::vector<Frame> path;
    for (const Relation& r : graph_.relations_) {
      if (r.kind != RelationKind::parent_of || state[r.from] != unseen) continue;
      auto [first, last] = out_edges(r.from, adj);
      path.push_back(Frame{r.from, first, last});
      state[r.from] = on_path;
      while (!path.empty()) {
        Frame& top = path.back();
        if (top.at == top.end) {
          state[top.v] = done;
          path.pop_back();
          continue;
        }
        const auto edge = *top.at++;
        if (adj[edge].kind != RelationKind::parent_of) continue;
        const auto child = static_cast<VertexIndex>(target(edge, adj));
        if (state[child] == on_path) return false;
        if (state[child] == done) continue;
        state[child] = on_path;
        auto [child_first, child_last] = out_edges(child, adj);
        path.push_back(Frame{child, child_first, child_last});
      }
    }
    return true;
  }

  void build_topology() {
    graph_.topology_->adjacency.build(edges_);
    std::vector<detail::Adjacency::StagedEdge>().swap(edges_);
  }

  // The graph's own index of ids, built once, at its final size.
  bool index_ids() {
    pending_ = kNoVertex;
    const std::size_t vertices = graph_.vertex_count();
    graph_.index_.reserve(vertices);
    // Each id's slot fetched a few ids ahead (the index outgrows the cache at a million
    // children); the ids were checked unique as they were added (names_index_).
    detail::insert_prefetched(
        vertices, graph_.id_of(), [&](std::size_t) { return &graph_.index_; }, graph_.id_of(),
        [](std::size_t) {});
    return true;
  }

  void count_and_reserve(const Batch& batch) {
    detail::ItemCounts counts = {};
    for (const Edit& item : batch.items) ++counts[item.index()];
    reserve(counts);
  }

 public:
  // Room for `counts` items of each kind (indexed as Edit's alternatives).
  void reserve(const detail::ItemCounts& counts) {
    reserve_records(counts);
    const std::size_t vertices = vertex_count(counts);
    const std::size_t records = record_count(counts);
    graph_.record_index_.reserve(records);
    names_index_.reserve(vertices + records);
  }

  // The vectors only: their room is address space until they fill it.
  void reserve_records(const detail::ItemCounts& counts) {
    const std::size_t persons = count_of<PersonSpec>(counts),
                      concerns = count_of<ConcernSpec>(counts),
                      factors = count_of<FactorSpec>(counts),
                      relations = count_of<RelationSpec>(counts);
    const std::size_t vertices = vertex_count(counts);
    graph_.topology_->adjacency.reserve_vertices(vertices);
    graph_.persons_.reserve(persons);
    graph_.agencies_.reserve(count_of<AgencySpec>(counts));
    graph_.concerns_.reserve(concerns);
    graph_.factors_.reserve(factors);
    graph_.places_.reserve(count_of<PlaceSpec>(counts));
    graph_.groups_.reserve(count_of<GroupSpec>(counts));
    graph_.households_.reserve(count_of<HouseholdSpec>(counts));
    graph_.relations_.reserve(relations);
    graph_.events_.reserve(count_of<EventSpec>(counts));
    graph_.discretionary_.reserve(count_of<DiscretionaryOverrideSpec>(counts));
    graph_.entries_.reserve(count_of<EntrySpec>(counts));
    names_.reserve(vertices + record_count(counts));
    relation_keys_.reserve(relations);
    // Edges: a relation each, a person's household, a concern's raised and about and involves
    // (a generated caseload has 2.3 a concern), a factor's protects (1.5 a factor). Room to
    // spare costs address space; too little grows the vector once, copying every edge.
    edges_.reserve(relations + persons + 3 * concerns + 2 * factors);
  }

 private:
  static std::size_t vertex_count(const detail::ItemCounts& counts) {
    return count_of<PersonSpec>(counts) + count_of<AgencySpec>(counts) +
           count_of<ConcernSpec>(counts) + count_of<FactorSpec>(counts) +
           count_of<PlaceSpec>(counts) + count_of<GroupSpec>(counts) +
           count_of<HouseholdSpec>(counts);
  }
  static std::size_t record_count(const detail::ItemCounts& counts) {
    return count_of<EventSpec>(counts) + count_of<DiscretionaryOverrideSpec>(counts) +
           count_of<EntrySpec>(counts);
  }

 private:
  CaseGraph& graph_;
  std::vector<Name> names_;          // every id declared so far, in order
  VertexIndex pending_ = kNoVertex;  // the vertex add_vertex added last, until its record is
  std::string pending_id_;           // its id
  detail::KeyIndex names_index_;
  std::size_t vertices_ = 0;  // entities and records added, against the graph's limits
  std::size_t records_ = 0;
  std::vector<RelationKey> relation_keys_;
  bool has_parent_edges_ = false;
  std::vector<VertexIndex> scratch_;
  std::vector<detail::Adjacency::StagedEdge> edges_;
};

bool CaseGraph::apply_in_bulk(const Batch& batch) {
  if (!detail::StreamedBuild::accepts(*this) || batch.items.empty() ||
      !BulkBuilder::fits(*this, batch) ||
      !std::all_of(batch.items.begin(), batch.items.end(), is_addition))
    return false;
  std::shared_ptr<const WorkingCalendar> calendar = calendar_;  // what a failure restores
  try {
    if (BulkBuilder(*this).build(batch)) return true;
  } catch (...) {
    clear_after_bulk(std::move(calendar));
    throw;
  }
  clear_after_bulk(std::move(calendar));
  return false;
}

// Back to the empty graph the bulk path started from, freeing what it built; allocates nothing.
void CaseGraph::clear_after_bulk(std::shared_ptr<const WorkingCalendar> calendar) noexcept {
  topology_->adjacency.clear();
  index_ = detail::KeyIndex();
  while (symbols_.size() > 1) symbols_.forget_last();
  persons_.clear();
  agencies_.clear();
  concerns_.clear();
  factors_.clear();
  places_.clear();
  groups_.clear();
  households_.clear();
  std::vector<Relation>().swap(relations_);
  std::vector<Event>().swap(events_);
  std::vector<DiscretionaryOverride>().swap(discretionary_);
  std::vector<RecordedEntry>().swap(entries_);
  record_index_ = detail::KeyIndex();
  calendar_ = std::move(calendar);
}

namespace detail {

bool StreamedBuild::accepts(const CaseGraph& graph) {
  return graph.vertex_count() == 0 && graph.symbols_.size() == 1 && graph.events_.empty() &&
         graph.discretionary_.empty() && graph.entries_.empty() && graph.relations_.empty() &&
         graph.record_index_.size() == 0;
}

StreamedBuild::StreamedBuild(CaseGraph& graph)
    : graph_(graph),
      calendar_(graph.calendar_),
      builder_(std::make_unique<CaseGraph::BulkBuilder>(graph)) {}

StreamedBuild::~StreamedBuild() {
  if (!committed_ && !declined_) decline();
}

void StreamedBuild::decline() noexcept {
  declined_ = true;
  builder_.reset();
  graph_.clear_after_bulk(calendar_);
}

// Runs one step of the build; a step that fails or throws declines the whole build.
template <typename Step>
bool StreamedBuild::attempt(const Step& step) {
  if (declined_ || committed_) return false;
  bool built = false;
  try {
    built = step();
  } catch (...) {
    decline();
    throw;
  }
  if (!built) decline();
  return built;
}

bool StreamedBuild::add(const Edit& item) {
  if (!attempt([&] { return is_addition(item) && builder_->add(item); })) return false;
  ++items_;
  return true;
}

void StreamedBuild::reserve(const ItemCounts& counts) {
  if (!declined_ && !committed_) builder_->reserve(counts);
}

void StreamedBuild::prefetch(std::string_view id) const noexcept {
  if (!declined_ && !committed_) builder_->prefetch(id);
}

void StreamedBuild::reserve_records(const ItemCounts& counts) {
  if (!declined_ && !committed_) builder_->reserve_records(counts);
}

bool StreamedBuild::finish() {
  if (items_ == 0 || !attempt([&] { return builder_->finish(); })) return false;
  builder_.reset();
  committed_ = true;
  ++graph_.revision_;
  return true;
}

}  // namespace detail
}  // namespace safeguard
