// CaseGraph: the editable case graph (a Boost.Graph adjacency_list, kept private), with the
// external-id index, interned strings and atomic edit batches. Scoring reads an immutable Snapshot
// of it (snapshot.hpp), never the graph itself, so an edit never races an assessment.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "safeguard/calendar.hpp"
#include "safeguard/detail/interner.hpp"
#include "safeguard/detail/key_index.hpp"
#include "safeguard/detail/paged_vector.hpp"
#include "safeguard/error.hpp"
#include "safeguard/model.hpp"

namespace safeguard {

// ---- Edit batches -------------------------------------------------------------------------
// Items name entities by their external ids; the graph resolves them when the batch applies.

struct PersonSpec {
  std::string id;
  PersonKind kind = PersonKind::child;
  Day dob = kNoDay;
  std::vector<std::string> flags;
  std::string household;  // household id, or empty
  std::string name;       // display name, or empty (never written to logs or errors)
  // Group attributes for a disparity audit, never readable by rules (Person::attributes).
  std::vector<SourceItem> attributes;
};

struct AgencySpec {
  std::string id;
  std::string type;
  std::string name;
};

struct ConcernSpec {
  std::string id;
  std::string category;
  int severity = 1;
  Day incident = kNoDay;
  Day recorded = kNoDay;
  ConcernStatus status = ConcernStatus::open;
  std::string source;  // agency id
  bool restricted = false;
  std::vector<std::string> about;  // person, place or group ids
  std::vector<std::string> involves;
  std::string summary;
};

struct FactorSpec {
  std::string id;
  std::string kind;
  int strength = 1;
  Day start = kNoDay;
  Day end = kNoDay;
  std::string provided_by;  // person or agency id, or empty
  std::vector<std::string> protects;
  std::string summary;
};

struct PlaceSpec {
  std::string id;
  std::string kind;
  std::string name;
};

struct GroupSpec {
  std::string id;
  std::string kind;
  std::string name;
};

struct HouseholdSpec {
  std::string id;
};

struct RelationSpec {
  RelationKind kind = RelationKind::parent_of;
  std::string from;
  std::string to;
};

// A step of the child protection process for one or more children (siblings are often
// referred and conferenced together).
struct EventSpec {
  std::string id;
  EventKind kind = EventKind::referral;
  Day date = kNoDay;
  std::vector<std::string> about;  // child ids
  std::string note;
  // What the event decided, for the kinds that record one (event_decision_allowed in model.hpp):
  // a strategy discussion's "s47" or "no_s47", a referral decision's "nfa"... none when absent;
  // docs/case-files.md says how the timeline reads an absent decision.
  EventDecision decision = EventDecision::none;
  // plan_start: the category of abuse or neglect; record_source: the source ("cin_census")
  std::string category;
  Day expected = kNoDay;          // expected_birth: the expected date of birth
  std::vector<SourceItem> items;  // the source's items, kept as written (Event::items)
};

// A practitioner's judgement that a child's level should be one step higher or lower than the
// score gives, or an adult's own result (docs/rules.md, "Results for adults"). Recorded, never
// inferred: author, reason and date are required, and exactly one of child and adult.
struct DiscretionaryOverrideSpec {
  std::string id;
  std::string child;  // the child it is about, or empty when `adult` is given
  OverrideDirection direction = OverrideDirection::raise;
  Day date = kNoDay;
  std::string author;
  std::string reason;
  // Optional, together: the approver's entity id (an adult in the graph) and the approval date
  // (on or after `date`).
  std::string approved_by;
  Day approved = kNoDay;
  // The adult it is about instead of a child (an adult's own result), or empty. Last, so that
  // brace initialisers written before it keep their meaning.
  std::string adult;

  // The id of the person it is about (the child or the adult).
  const std::string& person() const noexcept { return child.empty() ? adult : child; }
};

// A recorded entry (model.hpp, RecordedEntry): what a child or parent said, a danger statement,
// existing safety, a strength, a safety goal, a next step or a scaling judgement, dated and about
// one or more children. Entries never score.
struct EntrySpec {
  std::string id;
  EntryKind kind = EntryKind::child_voice;
  Day date = kNoDay;
  std::vector<std::string> about;  // child ids
  std::string author;              // a role or practitioner id, never a name
  std::string text;
  int value = kNoScalingValue;  // scaling: a whole number 0-10; other kinds: kNoScalingValue
  std::string question;         // scaling only, optional
  std::string source;           // agency id, or empty
  bool restricted = false;      // needs a source
};

// The working-day calendar statutory timescales run on: the nation whose bank holidays apply
// (when given) and local closure days to add (a council's Christmas shutdown, say).
struct CalendarSpec {
  std::optional<Nation> nation;
  std::vector<Day> closures;
};

// Replace every field of an existing concern (same id). Correcting wrong data is first-class.
struct AmendConcern {
  ConcernSpec concern;
};

// The concern stops scoring but stays in the graph (and the audit trail) as retracted.
struct RetractConcern {
  std::string id;
};

// Remove a person, their relations, and every concern or factor that is only about them.
struct ErasePerson {
  std::string id;
};

// Replace every field of an existing entity in place (same id, same kind; concerns use
// AmendConcern, households have no fields). A person may change kind (child or adult) when
// nothing the graph holds forbids it afterwards: no concern involves a child, events are about
// children, a discretionary override about the person keeps the kind it was recorded for (child
// or adult), and no child is the parent of an adult.
struct Replace {
  std::variant<PersonSpec, AgencySpec, PlaceSpec, GroupSpec, FactorSpec, EventSpec,
               DiscretionaryOverrideSpec>
      spec;
};

// Remove a concern, factor, process event, discretionary override or entry (not a person: persons
// are erased). Its vertex becomes a tombstone, as erasure leaves; an event or override leaves an
// empty record in place, so numbering stays stable.
struct Remove {
  std::string id;
};

// Remove a declared relation (for symmetric kinds, in either direction).
struct RemoveRelation {
  RelationSpec relation;
};

using Edit = std::variant<PersonSpec, AgencySpec, ConcernSpec, FactorSpec, PlaceSpec, GroupSpec,
                          HouseholdSpec, RelationSpec, AmendConcern, RetractConcern, ErasePerson,
                          EventSpec, DiscretionaryOverrideSpec, CalendarSpec, Replace, Remove,
                          RemoveRelation, EntrySpec>;

struct Batch {
  std::vector<Edit> items;

  template <typename Item>
  Batch& add(Item item) {
    items.emplace_back(std::move(item));
    return *this;
  }
};

// Limits that keep hostile or broken input from exhausting the host. Defaults are generous
// for real caseloads; hosts may tighten or loosen them.
struct GraphLimits {
  std::size_t max_id_bytes = 256;
  std::size_t max_text_bytes = 64 * 1024;  // summaries and names
  std::size_t max_vertices = 50'000'000;
  std::size_t max_list_items = 10'000;   // about/involves/protects/flags per entity
  std::size_t max_records = 50'000'000;  // process events, discretionary overrides, entries
};

// The error CaseGraph::apply throws: an Error that also says which batch item failed, so a
// loader can point at the place in its own input (a case file's line and column).
class SAFEGUARD_EXPORT BatchError : public Error {
 public:
  BatchError(Status status, const std::string& message, std::size_t item, std::string entity)
      : Error(status, "batch item " + std::to_string(item) + ": " + message,
              Location{{}, 0, 0, std::move(entity)}),
        item_(item),
        detail_(message) {}
  std::size_t item() const noexcept { return item_; }
  // The reason without the "batch item N" prefix.
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::size_t item_;
  std::string detail_;
};

// ---- The graph ----------------------------------------------------------------------------

namespace detail {
// The adjacency_list behind a CaseGraph; defined in src/graph_topology.hpp.
struct Topology;

// Holds a Topology with value semantics (a copy is deep) while its type stays private, so
// CaseGraph keeps its implicit copy and move.
class SAFEGUARD_EXPORT TopologyHolder {
 public:
  TopologyHolder();
  ~TopologyHolder();
  TopologyHolder(const TopologyHolder& other);
  TopologyHolder& operator=(const TopologyHolder& other);
  TopologyHolder(TopologyHolder&& other) noexcept;
  TopologyHolder& operator=(TopologyHolder&& other) noexcept;

  Topology& operator*() const noexcept { return *topology_; }
  Topology* operator->() const noexcept { return topology_.get(); }

 private:
  std::unique_ptr<Topology> topology_;
};
}  // namespace detail

class CaseGraph;

namespace detail {
// Applies `batch` item by item with the undo log, even to an empty graph: the reference the
// bulk path of CaseGraph::apply is tested against (tests/oracle/test_bulk_apply.cpp). Hosts
// call CaseGraph::apply.
SAFEGUARD_EXPORT void apply_stepwise(CaseGraph& graph, const Batch& batch);
// Builds an empty graph from additions handed over one at a time, as a case file is read
// (src/graph_bulk.hpp); private to the library.
class StreamedBuild;
}  // namespace detail

class SAFEGUARD_EXPORT CaseGraph {
 public:
  CaseGraph() = default;
  explicit CaseGraph(GraphLimits limits) : limits_(limits) {}

  // Apply every item of `batch`, or none: on the first invalid item this throws Error naming
  // the item (entity id) and the reason, and the graph is exactly as it was. The same holds
  // when memory runs out part way (std::bad_alloc): the strong exception guarantee.
  void apply(const Batch& batch);

  std::size_t vertex_count() const noexcept;
  std::size_t edge_count() const noexcept;
  VertexKind kind(VertexIndex v) const;
  // Live entities of one kind, or of every kind (erased persons' tombstones never count).
  std::size_t count(VertexKind kind) const noexcept;
  std::size_t count() const noexcept;
  std::optional<VertexIndex> find(std::string_view id) const;
  // The id of `v` (kept once, in its record), or the empty string for an erased vertex.
  const RecordString& id(VertexIndex v) const;

  const Person& person(VertexIndex v) const { return persons_[slot(v, VertexKind::person)]; }
  const Agency& agency(VertexIndex v) const { return agencies_[slot(v, VertexKind::agency)]; }
  const Concern& concern(VertexIndex v) const { return concerns_[slot(v, VertexKind::concern)]; }
  const Factor& factor(VertexIndex v) const { return factors_[slot(v, VertexKind::factor)]; }
  const Place& place(VertexIndex v) const { return places_[slot(v, VertexKind::place)]; }
  const Group& group(VertexIndex v) const { return groups_[slot(v, VertexKind::group)]; }
  const Household& household(VertexIndex v) const {
    return households_[slot(v, VertexKind::household)];
  }
  // The household a person is a member of, or kNoVertex.
  VertexIndex household_of(VertexIndex person) const;

  // The library's own view of the edges (src/graph_topology.hpp); opaque to users.
  const detail::Topology& topology() const noexcept { return *topology_; }
  const detail::Interner& symbols() const noexcept { return symbols_; }
  std::string_view symbol(Symbol s) const { return symbols_.str(s); }
  const GraphLimits& limits() const noexcept { return limits_; }

  // Process events and discretionary overrides, in insertion order. Records whose children were
  // all erased stay in place with an empty id (so numbering is stable) and are skipped.
  const std::vector<Event>& events() const noexcept { return events_; }
  const std::vector<DiscretionaryOverride>& discretionary_overrides() const noexcept {
    return discretionary_;
  }
  // Recorded entries, in insertion order; removed ones, and those whose children were all
  // erased, stay in place with an empty id.
  const std::vector<RecordedEntry>& entries() const noexcept { return entries_; }
  // True if `id` names a live event, discretionary override or entry.
  bool has_record(std::string_view id) const;
  // The live event or discretionary override with this id, or null.
  const Event* find_event(std::string_view id) const;
  const DiscretionaryOverride* find_override(std::string_view id) const;
  const RecordedEntry* find_entry(std::string_view id) const;

  // The working-day calendar: the nation's bank holidays plus local closures. Shared and
  // immutable; a batch with a CalendarSpec publishes a new one.
  Nation nation() const noexcept { return calendar_->nation(); }
  const std::vector<Day>& closures() const noexcept { return calendar_->closures(); }
  std::shared_ptr<const WorkingCalendar> calendar() const noexcept { return calendar_; }

  // Incremented by every applied batch; lets callers notice that a graph changed.
  std::uint64_t revision() const noexcept { return revision_; }

  // Declared relations (parent_of, sibling_of, frequents...) in insertion order.
  std::vector<Relation> declared_relations() const;
  // True if the relation exists (in either direction for symmetric kinds).
  bool has_relation(RelationKind kind, VertexIndex from, VertexIndex to) const;

 private:
  std::uint32_t slot(VertexIndex v, VertexKind expected) const;
  friend void detail::apply_stepwise(CaseGraph& graph, const Batch& batch);
  friend class detail::StreamedBuild;
  void apply_in_steps(const Batch& batch);
  // The bulk path (src/graph_bulk.cpp): true if it applied the whole batch; false, with the
  // graph as it was, if the graph is not empty or the batch is not one it builds.
  bool apply_in_bulk(const Batch& batch);
  void clear_after_bulk(std::shared_ptr<const WorkingCalendar> calendar) noexcept;
  class BulkBuilder;
  class Validator;
  // The undo log of a batch being applied (src/graph.cpp explains the commit/rollback rules
  // every change made while applying follows).
  class Transaction;
  void apply_item(Transaction& tx, const Edit& item);
  VertexIndex add_vertex(Transaction& tx, VertexKind kind, std::uint32_t slot,
                         const std::string& id);
  void add_edge(Transaction& tx, RelationKind kind, VertexIndex from, VertexIndex to);
  void remove_edges_of_kind(Transaction& tx, VertexIndex v, RelationKind kind, bool outgoing);
  void erase_vertex(Transaction& tx, VertexIndex v);
  void remove_record(Transaction& tx, const std::string& id);
  void remove_relation(Transaction& tx, const RelationSpec& relation);
  void check_kind_changes(const Transaction& tx) const;
  Symbol intern(Transaction& tx, std::string_view text);

  GraphLimits limits_;
  detail::TopologyHolder topology_;
  // Vertex by id: the keys are the records' own ids (id(v)), so each id is stored once. Erased
  // vertices are out of the index.
  detail::KeyIndex index_;
  struct IdOf {
    const CaseGraph* graph;
    std::string_view operator()(std::size_t v) const {
      return graph->id(static_cast<VertexIndex>(v));
    }
  };
  IdOf id_of() const noexcept { return IdOf{this}; }
  // The vertex of an id the batch being applied has been checked to name.
  VertexIndex indexed(std::string_view id) const;
  detail::Interner symbols_;
  // The entities, each kind in pages (detail/paged_vector.hpp: no room left unfilled past a
  // page, no element moved once the first page is whole): a vertex's record is at its slot in
  // its kind's vector.
  detail::PagedVector<Person> persons_;
  detail::PagedVector<Agency> agencies_;
  detail::PagedVector<Concern> concerns_;
  detail::PagedVector<Factor> factors_;
  detail::PagedVector<Place> places_;
  detail::PagedVector<Group> groups_;
  detail::PagedVector<Household> households_;
  std::vector<Relation> relations_;  // declared relations, insertion order; erased ones removed
  std::vector<Event> events_;
  std::vector<DiscretionaryOverride> discretionary_;
  std::vector<RecordedEntry> entries_;
  // Live event, override and entry ids, each kept once, in its record (as index_ keeps the
  // vertices'): a position holds the record's list in its top two bits and its number below.
  detail::KeyIndex record_index_;
  enum class RecordList : std::uint32_t { events = 0, overrides = 1, entries = 2 };
  static constexpr std::uint32_t kRecordNumberBits = 30;
  static constexpr std::uint32_t kRecordNumberMask = (std::uint32_t{1} << kRecordNumberBits) - 1;
  static std::uint32_t record_position(RecordList list, std::uint32_t number) noexcept {
    return static_cast<std::uint32_t>(list) << kRecordNumberBits | number;
  }
  static RecordList record_list(std::size_t position) noexcept {
    return static_cast<RecordList>(position >> kRecordNumberBits);
  }
  const std::string& record_id(std::size_t position) const noexcept;
  struct RecordIdOf {
    const CaseGraph* graph;
    std::string_view operator()(std::size_t position) const { return graph->record_id(position); }
  };
  RecordIdOf record_id_of() const noexcept { return RecordIdOf{this}; }
  // Indexes the record `number` of `list` (stored already) under its id: false if that id was
  // indexed already. Throws std::length_error past 2^30 records of one list.
  bool index_record(RecordList list, std::uint32_t number);
  // The position of the live record with this id, if any.
  std::optional<std::uint32_t> find_record(std::string_view id) const;
  std::shared_ptr<const WorkingCalendar> calendar_ = default_calendar();
  static std::shared_ptr<const WorkingCalendar> default_calendar();
  std::uint64_t revision_ = 0;
};

}  // namespace safeguard
