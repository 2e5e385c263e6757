// The records safeguard keeps about a case: persons, agencies, concerns, protective factors,
// places, groups and households, and the typed relations between them.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/day.hpp"
#include "safeguard/detail/compact_list.hpp"
#include "safeguard/detail/compact_string.hpp"

namespace safeguard {

// Dense per-graph index of a vertex. Stable for the life of the graph: erasure leaves a
// tombstone rather than renumbering, so indices held by snapshots and results stay meaningful.
using VertexIndex = std::uint32_t;
inline constexpr VertexIndex kNoVertex = std::numeric_limits<VertexIndex>::max();

// An interned string (category, agency type, flag, factor kind...). Zero is the empty string.
using Symbol = std::uint32_t;

// A record's list of vertices (a concern's about and involves, a factor's protects, an event's
// children) or of symbols (a person's flags): a std::vector-like list of 16 bytes that holds two
// items in place (detail/compact_list.hpp), since a national record holds millions of them.
using VertexList = detail::CompactList<VertexIndex>;
using SymbolList = detail::CompactList<Symbol>;

// A record's id or text (a person's id and name, a concern's id and summary): a std::string-like
// value of 16 bytes that holds up to 15 bytes in place (detail/compact_string.hpp). It converts
// to std::string_view and std::string, compares with either, and is assigned from either.
using RecordString = detail::CompactString;

enum class VertexKind : std::uint8_t {
  person,
  agency,
  concern,
  factor,
  place,
  group,
  household,
  erased,  // a tombstone left by erasure; carries no data and no edges
};

enum class PersonKind : std::uint8_t { child, adult };

enum class ConcernStatus : std::uint8_t { open, closed, unsubstantiated, retracted };

// Signs of Safety / Strengthening Families headings under which evidence is sorted.
enum class Heading : std::uint8_t { harm, danger, complicating, safety, strength };

enum class RelationKind : std::uint8_t {
  parent_of,   // person -> child
  carer_of,    // person -> child (not a parent: kinship carer, foster carer, step-parent)
  sibling_of,  // symmetric
  partner_of,  // symmetric
  household,   // person -> household (member of)
  associate,   // symmetric peer relation
  member_of,   // person -> group
  frequents,   // person -> place
  raised,      // agency -> concern
  about,       // concern -> person, place or group
  involves,    // concern -> adult alleged to cause harm
  protects,    // factor -> person
};

inline constexpr int kRelationKindCount = 12;

// Steps of the child protection process a case records (Working Together to Safeguard Children
// and its counterparts in Wales, Scotland and Northern Ireland). The timeline (timeline.hpp) turns
// them into due dates and statuses, by the nation's process file (process/*.toml). New kinds are
// appended, never inserted: stores and tests may hold the numbers. Events of one day are replayed
// in process order (event_order_rank below), not in the order of this enum.
enum class EventKind : std::uint8_t {
  referral,             // contact accepted as a referral to children's social care
  referral_decision,    // decision on what happens next (decision: nfa, assessment, ...)
  strategy_discussion,  // strategy discussion or meeting (decision: s47, no_s47)
  assessment_start,
  assessment_complete,
  initial_conference,   // initial child protection conference (Scotland: CPPM); decision: plan...
  review_conference,    // review child protection conference (decision: continue_plan, end_plan)
  plan_end,             // the child protection plan ended
  section47_start,      // section 47 enquiries started (when not recorded on the discussion)
  section47_outcome,    // the enquiry's outcome (decision: conference, no_conference)
  core_group,           // a core group meeting
  outline_plan,         // the outline child protection plan agreed
  detailed_plan,        // the detailed child protection plan agreed by the core group
  cp_visit,             // a child protection visit (the child seen)
  plan_start,           // a child protection plan started (category: the category of abuse)
  looked_after_start,   // the child became looked after
  looked_after_review,  // a looked-after child's review
  looked_after_end,     // the child stopped being looked after
  statutory_visit,      // a looked-after child's statutory visit
  missing_episode,      // the child went missing
  missing_return,       // the child returned or was found
  return_interview,     // the return (home) interview offered (decision: declined, or none)
  expected_birth,       // an unborn child's expected date of birth recorded (see Event::expected)
  ird,                  // Scotland: inter-agency referral discussion (decision: investigation...)
  // A child on a child protection plan elsewhere moved into this authority: the date it was
  // notified. The decision names the nation the child came from (from_scotland...); none means
  // another authority of the same nation. Events before it ran through that nation's process.
  transfer_in,
  transfer_conference,  // the receiving authority's transfer-in conference (decision: plan...)
  // The child's record comes from a source that records only some steps (Event::category names
  // it: "cin_census"). The process file says which steps that source leaves out; the timeline
  // shows them "not recorded in the source" instead of open or overdue (timeline.hpp).
  record_source,
};
inline constexpr int kEventKindCount = 27;

// What an event decided, where its kind records a decision. One vocabulary for every kind; each
// kind accepts the few that make sense for it (event_decision_allowed). 0 means none recorded.
enum class EventDecision : std::uint8_t {
  none,
  nfa,                    // no further action
  assessment,             // referral: go on to an assessment
  early_help,             // referral: early help instead
  s47,                    // strategy discussion: section 47 enquiries initiated
  no_s47,                 // strategy discussion: no section 47 enquiry
  conference,             // section 47 outcome: an initial conference is needed
  no_conference,          // section 47 outcome: no conference
  plan,                   // initial conference: a child protection plan
  no_plan,                // initial conference: no plan
  continue_plan,          // review conference: the plan continues
  end_plan,               // review conference: the plan ends
  services,               // assessment: services as a child in need
  investigation,          // Scotland IRD: a child protection investigation is progressed
  no_investigation,       // Scotland IRD: no investigation (and so no CPPM)
  declined,               // return interview offered and declined
  from_england,           // transfer in: the child came from England
  from_wales,             // transfer in: from Wales
  from_scotland,          // transfer in: from Scotland
  from_northern_ireland,  // transfer in: from Northern Ireland
};
inline constexpr int kEventDecisionCount = 20;

// What a recorded entry is (Signs of Safety): the child's words, a parent's view, a danger
// statement, existing safety, a strength, a safety goal, a next step, or a scaling judgement
// (0-10). Entries are what people said and judged; they never score (no rule can read them).
// New kinds are appended, never inserted: stores may hold the numbers.
enum class EntryKind : std::uint8_t {
  child_voice,
  parent_view,
  danger_statement,
  existing_safety,
  strength,
  safety_goal,
  next_step,
  scaling,
};
inline constexpr int kEntryKindCount = 8;

// Which way a practitioner's discretionary override moves a child's (or an adult's) level.
enum class OverrideDirection : std::int8_t { lower = -1, raise = 1 };

// How a person stands to a child, as a bit set: one person may be both a carer and a member of
// the child's household. Reach tables in rule packs are keyed by these names. Shared by the
// rule language, snapshots and results, so it lives here rather than with the graph.
enum class Role : std::uint8_t {
  self = 0,
  sibling = 1,
  carer = 2,      // parent_of or carer_of the child
  household = 3,  // another member of the child's household
  associate = 4,  // a peer
  partner = 5,    // the child's own partner (older children)
  involved = 6,   // a concern that names a carer, household member or partner as causing harm
};
inline constexpr int kRoleCount = 7;
using RoleMask = std::uint8_t;
inline constexpr RoleMask role_bit(Role role) {
  return RoleMask(1u << static_cast<unsigned>(role));
}

// An item of a source the record came from, kept as written: a name (the source's own, such as
// the census's "UPN" or "Ethnicity") and its value. What a host or an import keeps so it can
// give the source back (a census return written from the record alone, docs/cin-census.md); no
// rule, view or result reads it.
struct SourceItem {
  std::string name;
  std::string value;
  bool operator==(const SourceItem& o) const { return name == o.name && value == o.value; }
  bool operator!=(const SourceItem& o) const { return !(*this == o); }
};

struct Person {
  RecordString id;
  PersonKind kind = PersonKind::child;
  Day dob = kNoDay;
  SymbolList flags;  // vulnerability flags, each once, in the order given
  // A display name ("Amy Ash"), or empty. Personal data: shown only in the conference report and
  // the family version, never written to logs, errors, lint output or CSV/JSON results.
  RecordString name;
  // Group attributes for a disparity audit (the census's sex and ethnicity: {"Sex", "F"},
  // {"Ethnicity", "WBRI"}). Personal data: kept in the record and its case file, never readable
  // by a rule (the rule language has no access to them), never in results, logs or errors.
  std::vector<SourceItem> attributes;
};

struct Agency {
  RecordString id;
  Symbol type = 0;
  RecordString name;
};

struct Concern {
  RecordString id;
  Symbol category = 0;
  int severity = 1;  // 1 (low) to 5 (high)
  Day incident = kNoDay;
  Day recorded = kNoDay;
  ConcernStatus status = ConcernStatus::open;
  bool restricted = false;         // beside status: the two bytes share one word (88 bytes, not 96)
  VertexIndex source = kNoVertex;  // the agency that raised it
  VertexList about;                // persons, places or groups the concern is about
  VertexList involves;             // adults alleged to cause the harm
  RecordString summary;            // free text; shown only to cleared viewers when restricted
};

struct Factor {
  RecordString id;
  Symbol kind = 0;
  int strength = 1;  // 1 (weak) to 5 (strong)
  Day start = kNoDay;
  Day end = kNoDay;
  VertexIndex provided_by = kNoVertex;  // person or agency, optional
  VertexList protects;
  RecordString summary;
};

struct Place {
  RecordString id;
  Symbol kind = 0;
  RecordString name;
};

struct Group {
  RecordString id;
  Symbol kind = 0;
  RecordString name;
};

struct Household {
  RecordString id;
};

// A process event. Not a vertex: nothing relates to it; it belongs to the children it is about.
struct Event {
  std::string id;
  EventKind kind = EventKind::referral;
  Day date = kNoDay;
  VertexList about;  // children
  std::string note;
  EventDecision decision = EventDecision::none;
  // plan_start: the category of abuse or neglect; record_source: the source ("cin_census");
  // otherwise empty.
  std::string category;
  Day expected = kNoDay;  // expected_birth: the expected date of birth
  // Items of the source the event came from, kept as written (record_source: the census
  // return's header and the child's own items, docs/cin-census.md). No rule reads them.
  std::vector<SourceItem> items;
};

// A discretionary override: professional judgement, recorded with its author, reason and date,
// that moves one person's level by one step (never below a policy override's minimum): a
// child's level, or an adult's own result (a DASH victim's, docs/rules.md, "Results for adults").
struct DiscretionaryOverride {
  std::string id;
  VertexIndex person = kNoVertex;  // the child or adult it is about
  OverrideDirection direction = OverrideDirection::raise;
  Day date = kNoDay;
  std::string author;  // an id or role of the practitioner, not a name
  std::string reason;
  // Who approved it (the entity id of a person in the graph, never a name) and when; empty and
  // kNoDay when it is not approved. A pack may refuse to apply an unapproved judgement
  // ([discretionary] approval; docs/rules.md, "Discretionary overrides").
  std::string approved_by;
  Day approved = kNoDay;
};

// A recorded entry (see EntryKind). Not a vertex, like an event: it belongs to the children it
// is about. A restricted entry is shown only to readers cleared for its source agency, and to
// others not at all (not even that it exists).
inline constexpr int kNoScalingValue = -1;
struct RecordedEntry {
  std::string id;
  EntryKind kind = EntryKind::child_voice;
  Day date = kNoDay;
  VertexList about;    // children
  std::string author;  // a role or practitioner id, never a name
  std::string text;
  int value = kNoScalingValue;     // scaling: 0-10; otherwise kNoScalingValue
  std::string question;            // scaling: what was asked ("how safe is ... at home"), or empty
  VertexIndex source = kNoVertex;  // the agency that recorded it, optional
  bool restricted = false;
};

struct Relation {
  RelationKind kind;
  VertexIndex from;
  VertexIndex to;
};

// Name tables: the spelling used in case files, rule packs and the C API.
std::string_view to_string(VertexKind kind) noexcept;
std::string_view to_string(PersonKind kind) noexcept;
std::string_view to_string(ConcernStatus status) noexcept;
std::string_view to_string(Heading heading) noexcept;
std::string_view to_string(RelationKind kind) noexcept;
std::string_view to_string(EventKind kind) noexcept;
std::string_view to_string(EventDecision decision) noexcept;
std::string_view to_string(OverrideDirection direction) noexcept;
std::string_view to_string(EntryKind kind) noexcept;
std::string_view to_string(Role role) noexcept;

bool parse_person_kind(std::string_view text, PersonKind& out) noexcept;
bool parse_concern_status(std::string_view text, ConcernStatus& out) noexcept;
bool parse_heading(std::string_view text, Heading& out) noexcept;
bool parse_relation_kind(std::string_view text, RelationKind& out) noexcept;
bool parse_event_kind(std::string_view text, EventKind& out) noexcept;
bool parse_event_decision(std::string_view text, EventDecision& out) noexcept;
// Whether an event of `kind` may record `decision` (none is always allowed).
bool event_decision_allowed(EventKind kind, EventDecision decision) noexcept;
// The order events of one day are replayed in: the process order (a referral before its
// decision, a strategy discussion before the enquiry it starts, a conference before the plan and
// core group it leads to), so the timeline does not depend on the order of EventKind.
int event_order_rank(EventKind kind) noexcept;
bool parse_override_direction(std::string_view text, OverrideDirection& out) noexcept;
bool parse_entry_kind(std::string_view text, EntryKind& out) noexcept;
bool parse_role(std::string_view text, Role& out) noexcept;

// Relations a case file may state between two persons or a person and a place or group.
// The others (raised, about, involves, protects, household) come from entity fields.
bool is_declarable_relation(RelationKind kind) noexcept;
bool is_symmetric(RelationKind kind) noexcept;

}  // namespace safeguard

#include "safeguard/detail/model_inl.hpp"
