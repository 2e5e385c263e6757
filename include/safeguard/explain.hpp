// Viewer-scoped views of results: the one place that decides what a reader may see of a line
// of an explanation, a piece of evidence, a timeline step or a discretionary override. Every
// rendering (text and JSON explanations, the CLI's CSV, report and ecomap, the C API's
// contribution accessors and through them Python) renders from these views and reads nothing
// else about the evidence, so restriction is enforced here and nowhere else.
//
// Views point into the Results they came from (strings are views of NUL-terminated text the
// results keep alive), so they stay valid for as long as those results do.
#pragma once

#include "safeguard/detail/export.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/assess.hpp"

namespace safeguard {

namespace detail {
struct ViewerNetwork;
}

// Who is reading. Restricted evidence always counts in the score; its details are shown only
// to a viewer cleared for its source agency (by agency id or agency type) or cleared for
// everything. A default Viewer is cleared for nothing.
struct Viewer {
  std::vector<std::string> cleared;  // agency ids or agency types; "*" clears for everything
  bool cleared_all = false;

  // The host system itself, which holds every record it passed in (the C API's unscoped
  // contribution accessors read results through this viewer).
  static Viewer everyone() { return Viewer{{}, true}; }
};

// True if `viewer` may see the details of `evidence` (a vertex of the snapshot): everything
// except a restricted concern whose source agency the viewer is not cleared for.
SAFEGUARD_EXPORT bool can_see(const Viewer& viewer, const Snapshot& snapshot, VertexIndex evidence);

// What a line (or a piece of evidence) shows: everything, or only that a restricted source
// added these points.
enum class Visibility : std::uint8_t { shown, withheld };

// The title, and the text that stands for the evidence, of a withheld line. Neutral on purpose:
// a rule's title usually names the category it scores ("Domestic abuse incident").
inline constexpr std::string_view kRestrictedSource = "restricted source";
inline constexpr std::string_view kRestrictedTitle = "Restricted evidence";

// One piece of evidence as the viewer may see it. Withheld: every field but `visibility`,
// `kind` and `restricted` is empty (kNoDay for dates, -1 for severity and strength).
struct EvidenceView {
  Visibility visibility = Visibility::shown;
  VertexKind kind = VertexKind::erased;  // concern or factor; erased when there is none
  bool restricted = false;               // a restricted concern (shown or not)
  VertexIndex vertex = kNoVertex;        // in the results' snapshot
  std::string_view id;
  std::string_view category;  // a concern's category or a factor's kind (a symbol)
  int severity = -1;          // a concern's severity, a factor's strength
  ConcernStatus status = ConcernStatus::open;
  Day date = kNoDay;  // a concern's incident (or, unknown, recorded) date; a factor's start
  Day incident = kNoDay, recorded = kNoDay;
  Day end = kNoDay;                                      // a factor's end
  std::string_view agency_id, agency_type, agency_name;  // the concern's source
  std::string_view provided_by;                          // a factor's provider, if recorded
  std::string_view summary;
  // A concern's persons (vertices), filled by view_evidence only: the per-line views skip it.
  std::vector<VertexIndex> about, involves;

  bool withheld() const noexcept { return visibility == Visibility::withheld; }
};

// One contribution as the viewer may see it. A withheld line (evidence the viewer is not cleared
// for) keeps only what the score needs: its value, the index it counts towards (so each index
// still sums exactly, and index scores are results everyone sees) and the Signs of Safety
// heading it sits under. The rule's id and title, the path, the person it is about and the
// working (raw points, decay, reach, cap) are withheld: a title names a category, a path says
// who it is about, raw points reveal severity and decay the date. docs/rules.md, "Who sees what".
struct LineView {
  Visibility visibility = Visibility::shown;
  ContributionKind kind = ContributionKind::rule;
  std::uint32_t rule = kNoRule;  // into RuleSet::rules(); kNoRule when propagated or withheld
  std::string_view rule_id;      // "propagation" for propagated lines; empty when withheld
  std::string_view title;        // kRestrictedTitle when withheld
  Heading heading = Heading::harm;
  std::uint32_t index = 0;
  std::string_view index_id, index_title;
  EvidenceView evidence;        // kind erased for a rule about the child or a propagated line
  VertexIndex via = kNoVertex;  // who or what the evidence is about, or the network neighbour
  std::string_view via_id;
  VertexKind via_kind = VertexKind::erased;  // erased when there is no via (or it is withheld)
  std::string_view path;         // "self", "carer"...; the relation, or "network", when propagated
  std::string_view relation;     // propagated lines with a neighbour: the link to it
  bool network_summary = false;  // propagated: the one line standing for every capped link
  // Propagated: the figures are the network as the reader may attribute it, worked out again
  // without the evidence withheld from them (docs/rules.md, "Who sees what"); the rest of the
  // host's points are in the withheld figures of view_scores and view_place_scores.
  bool network_scoped = false;
  // Not part of what this reader sees at all: a line the network as the reader may attribute it
  // would not have (a neighbour whose whole score rests on evidence withheld from them), or a
  // place's own line on such evidence (a place has no level to explain, so nothing of it is
  // shown, not even that it exists). view_contributions and view_place_contributions leave
  // hidden lines out; view_line, which answers for one contribution of the results, marks them
  // (and the C API's per-line accessors say `hidden`) so a host skips them.
  bool hidden = false;
  double raw = 0, decay = 1, reach = 1, cap_factor = 1;  // meaningful only when shown
  double value = 0;
  // Shown rule lines: not on the latest group of the rule's family for the person (an
  // earlier checklist; Contribution::superseded), so it counts 0.
  bool superseded = false;
  // Withheld lines: the rule's neutral title, or the pack's (Rule::neutral_title); what a
  // rendering calls the one line the withheld points fold into (view_scores). Empty otherwise.
  std::string_view neutral_title;
  // Withheld lines of one child (or place), numbered 1, 2... by the evidence behind them in
  // the order it first appears, for a host that must tell withheld items apart (the audit trail
  // of who saw what). No rendering shows it: how many restricted items there are is itself
  // something the reader may not learn, so the ecomap draws one "restricted source" for all.
  // Set by view_contributions and view_place_contributions; 0 otherwise, and for a withheld
  // propagated line (which stands for no piece of evidence).
  std::uint32_t withheld_item = 0;

  bool withheld() const noexcept { return visibility == Visibility::withheld; }
  bool propagated() const noexcept { return kind == ContributionKind::propagated; }
};

// What `viewer` may see of `evidence` (a vertex of the results' snapshot, or kNoVertex).
SAFEGUARD_EXPORT EvidenceView view_evidence(const Results& results, VertexIndex evidence,
                                            const Viewer& viewer);
SAFEGUARD_EXPORT LineView view_line(const Results& results, const Contribution& contribution,
                                    const Viewer& viewer);
// A child's contributions (by row) and a place's or group's (by rank), in order.
SAFEGUARD_EXPORT std::vector<LineView> view_contributions(const Results& results, std::size_t row,
                                                          const Viewer& viewer);
SAFEGUARD_EXPORT std::vector<LineView> view_place_contributions(const Results& results,
                                                                std::size_t rank,
                                                                const Viewer& viewer);
// An adult's own lines (by adult row: Results::adult_contributions_begin) as a viewer may see
// them: a tick on restricted evidence, or superseded by a later restricted one, is withheld.
SAFEGUARD_EXPORT std::vector<LineView> view_adult_contributions(const Results& results,
                                                                std::size_t row,
                                                                const Viewer& viewer);

// A child's scores as a viewer may attribute them. Withheld lines fold into ONE total under a
// neutral title, with no index, heading or category: each index shows only the points of the
// lines the viewer sees, so an index fed only by restricted evidence reads 0 and names
// nothing. With nothing withheld, every field is the result itself. Every rendering that
// shows index scores or says which index set the level reads them from here.
struct ScoresView {
  std::vector<double> index_scores;        // per index: the points of the lines shown
  std::vector<std::int32_t> index_levels;  // the level each of those scores reaches
  std::size_t withheld_lines = 0;
  double withheld = 0;  // the withheld lines' points, every index together
  // The withheld lines' neutral title when they share one, else the pack's.
  std::string_view withheld_title;
  // The index whose shown score reaches the child's score level (the highest score among
  // those that do), or -1: the lowest level, or one that needs the withheld points.
  std::int32_t setter = -1;
  // Contextual risk (docs/rules.md, "Contextual risk"): per index the child's propagated
  // points as the reader may attribute them (the network solved again without the evidence
  // withheld from them, when some is), summed from the propagated lines shown; the rest of the
  // host's contextual points in one figure, contextual_withheld, named to no index; the level
  // the host's scores reach with all of them added (as the child's level counts withheld
  // points); and whether they are in index_scores (`contextual = "included"`, when
  // contextual_withheld is also in `withheld`). Empty without propagation.
  std::vector<double> contextual_scores;
  double contextual_total = 0;
  double contextual_withheld = 0;
  std::int32_t context_level = 0;
  bool contextual_included = false;

  bool any_withheld() const noexcept { return withheld_lines > 0; }
  bool has_contextual() const noexcept { return !contextual_scores.empty(); }
};
// From a child's lines as view_contributions gave them to the viewer.
SAFEGUARD_EXPORT ScoresView view_scores(const Results& results, std::size_t row,
                                        const std::vector<LineView>& lines);

// A place's or group's network scores (by rank) as a viewer may attribute them, from its lines
// as view_place_contributions gave them: the same fold as a child's. index_scores holds every
// index's network score (0 where nothing propagates), summed from the lines the viewer sees
// when some are withheld; index_levels is empty and setter -1 (places have no level). The
// withheld points are the place's own withheld evidence and what its neighbours hold from
// evidence withheld from the viewer (the network as the viewer may attribute it).
SAFEGUARD_EXPORT ScoresView view_place_scores(const Results& results, std::size_t rank,
                                              const std::vector<LineView>& lines);

// Every child's scores as one viewer may attribute them, for listings of a whole caseload
// (`safeguard assess`, the C API's sg_result_scores_for and through it Python): scores(row)
// equals view_scores(results, row, view_contributions(results, row, viewer)) to the bit, but
// builds no line views, and a child none of whose lines is withheld from the viewer (every
// child, for a viewer cleared for everything) costs one pass over its contributions. Whether the
// viewer sees every restricted concern (what a rule that fired only on restricted evidence
// needs) is worked out once per reader, and only when such a rule fired, not per line; so a
// reader made for one row costs that row. On a pack that propagates, a viewer not cleared for
// every restricted concern first costs one solve of the network as they may attribute it (kept
// with the results for the next reader with the same clearances). Keeps references to both
// arguments; one reader may be used from several threads.
class SAFEGUARD_EXPORT ScoreReader {
 public:
  ScoreReader(const Results& results, const Viewer& viewer);
  // It keeps references: a temporary would dangle.
  ScoreReader(const Results&&, const Viewer&) = delete;
  ScoreReader(const Results&, const Viewer&&) = delete;
  ScoreReader(const Results&&, const Viewer&&) = delete;
  ~ScoreReader();
  // True when some line of the child's explanation is withheld from the viewer, or reads the
  // network as the viewer may attribute it rather than as the host's.
  bool withholds(std::size_t row) const;
  ScoresView scores(std::size_t row) const;

 private:
  bool withheld(const Contribution& contribution) const;
  bool sees_all_restricted() const;
  bool network_altered(std::size_t row) const;

  const Results& results_;
  const Viewer& viewer_;
  mutable std::atomic<int> sees_all_restricted_{-1};      // -1 until asked; then 0 or 1
  std::shared_ptr<const detail::ViewerNetwork> network_;  // null: the host's network
};

// A policy override that fired for a child. One that fired only because of restricted evidence
// (Results::override_restricted_basis) is withheld from a reader who does not see every
// restricted concern: its id and reason would say what that evidence holds. Its effect (the
// minimum level, the immediate-safety flag) stays, as withheld lines keep their points.
struct OverrideView {
  Visibility visibility = Visibility::shown;
  std::uint32_t override_index = 0;  // into RuleSet::overrides(); meaningful only when shown
  std::string_view id;               // empty when withheld
  std::string_view reason;           // kRestrictedOverride when withheld
  std::int32_t min_level = -1;       // the level it sets at least, or -1
  bool immediate_safety = false;

  bool withheld() const noexcept { return visibility == Visibility::withheld; }
};
inline constexpr std::string_view kRestrictedOverride =
    "a policy override applies on restricted information";
// The policy overrides that fired for the child at `row`, in pack order.
SAFEGUARD_EXPORT std::vector<OverrideView> view_overrides(const Results& results, std::size_t row,
                                                          const Viewer& viewer);
// The same for the adult policy overrides (subject = "adult") that fired for an adult's result
// (`row` as in Results::adult_id).
SAFEGUARD_EXPORT std::vector<OverrideView> view_adult_overrides(const Results& results,
                                                                std::size_t row,
                                                                const Viewer& viewer);
// Whether the adult at `row` has a result `viewer` may know of: a line or an adult override
// the viewer sees, or only a discretionary override about the adult (a worker's judgement and
// nothing else). One whose every line and override is withheld has none for that reader
// (that there is one at all, a restricted checklist, is what it may not learn); the CLI, the C
// API and Python leave such an adult out.
SAFEGUARD_EXPORT bool adult_shown(const Results& results, std::size_t row, const Viewer& viewer);

// One danger or safety plan that held for a child (Results::safety_begin), as a reader may see
// it: the item and the concern or factor it held for. A finding on evidence the reader is not
// cleared for, or a condition over the child that held only because of restricted evidence
// (SafetyFinding::restricted_basis) for a reader who does not see every restricted concern, is
// withheld: its id, title and evidence would say what that evidence holds.
struct SafetyLineView {
  Visibility visibility = Visibility::shown;
  bool plan = false;                 // a [[safety.plan]]; else a [[safety.danger]]
  std::uint32_t item = 0;            // into RuleSet::safety(); meaningful only when shown
  std::string_view id;               // empty when withheld
  std::string_view title;            // kRestrictedDanger / kRestrictedPlan when withheld
  VertexIndex evidence = kNoVertex;  // the concern or factor; kNoVertex for a child condition
  std::string_view evidence_id;      // its id; empty for a child condition or when withheld

  bool withheld() const noexcept { return visibility == Visibility::withheld; }
};
inline constexpr std::string_view kRestrictedDanger = "a present danger on restricted information";
inline constexpr std::string_view kRestrictedPlan = "a safety plan on restricted information";

// A child's safety decision and what it rests on, as a reader may see it. The decision is the
// results' own for every reader (as the level counts withheld points): the dangers shown, then
// every withheld danger folded into one line, then the plans likewise, so the number of
// withheld findings does not show.
struct SafetyView {
  SafetyDecision decision = SafetyDecision::not_assessed;
  std::vector<SafetyLineView> lines;
};
SAFEGUARD_EXPORT SafetyView view_safety(const Results& results, std::size_t row,
                                        const Viewer& viewer);
// What a decision means, in words every rendering uses ("unsafe: a present danger and no
// safety plan").
inline std::string_view safety_summary(SafetyDecision decision) noexcept {
  switch (decision) {
    case SafetyDecision::safe:
      return "safe: no present danger";
    case SafetyDecision::safe_with_plan:
      return "safe with a plan: a present danger, and a safety plan in place";
    case SafetyDecision::unsafe:
      return "unsafe: a present danger and no safety plan";
    case SafetyDecision::not_assessed:
      break;
  }
  return "not assessed: the rule pack has no safety assessment";
}

// A place or group heading its explanation.
struct PlaceView {
  std::string_view id;
  VertexKind kind = VertexKind::place;
  std::string_view label;  // its own kind from the case file ("park"), or empty
};
SAFEGUARD_EXPORT PlaceView view_place(const Results& results, std::size_t rank);

// A step of a child's statutory timeline. Process events carry no restriction (they are the
// local authority's own record), so a step reads the same for every viewer.
struct StepView {
  std::string_view step;    // the process's id: "initial_conference"
  std::string_view title;   // "initial child protection conference"
  std::string_view source;  // the guidance the step comes from
  StepStatus status = StepStatus::due;
  int working_days = 0;
  int calendar_days = 0;
  bool counts_working_days = true;  // the step's timescale is in working days
  Day start = kNoDay, due = kNoDay, completed = kNoDay;
  std::string_view trigger_id, done_id;  // done_id empty when nothing completed or closed it
  std::string_view reason;               // why not required; empty otherwise
  std::string status_text;               // "OVERDUE by 3 working days", "not required: ..."
  Nation nation = Nation::england;       // whose process the step is
  // The step came from before the child moved in from another nation, and is that nation's
  // (Step::process): renderings say so after its title ("CPPM, in Scotland").
  bool other_nation = false;
};
// "CPPM, in Scotland" for a step from another nation's process; the title alone otherwise.
SAFEGUARD_EXPORT std::string step_title_with_nation(const StepView& step);
SAFEGUARD_EXPORT std::vector<StepView> view_steps(const Results& results, std::size_t row);
// The sentence for a step's status, as every rendering words it: working days for steps timed
// in working days, days for the others.
SAFEGUARD_EXPORT std::string step_status_text(const Step& step, bool counts_working_days);

struct TimelineIssueView {
  std::string_view event_id;
  std::string_view issue;  // a sentence
  std::string_view note;   // the event's note, if any
};
SAFEGUARD_EXPORT std::vector<TimelineIssueView> view_timeline_issues(const Results& results,
                                                                     std::size_t row);
// The nation whose working days the timeline counts.
SAFEGUARD_EXPORT Nation timeline_nation(const Results& results);
// The process the timeline follows ("Working Together to Safeguard Children 2023 (England)").
SAFEGUARD_EXPORT std::string_view timeline_process_title(const Results& results);

// The discretionary override that applied to a child, if one is recorded (a worker's own
// judgement, which every viewer of the child's result sees).
struct DiscretionaryView {
  std::string_view id, author, reason;
  std::string_view approved_by;  // the approver's entity id, or empty
  Day approved = kNoDay;         // the approval date, or kNoDay
  // Whether the pack needs an approver for this direction ([discretionary] approval).
  bool needs_approval = false;
  OverrideDirection direction = OverrideDirection::raise;
  Day date = kNoDay;
  DiscretionaryOutcome outcome = DiscretionaryOutcome::none;
  std::int32_t level_before = 0;
};
SAFEGUARD_EXPORT std::optional<DiscretionaryView> view_discretionary(const Results& results,
                                                                     std::size_t row);
// The discretionary override about the adult at `row` (Results::adult_id), if one is recorded
// and `viewer` may know of the adult's result at all (adult_shown): a reader from whom every
// line and override of the result is withheld learns nothing of it, judgement included.
SAFEGUARD_EXPORT std::optional<DiscretionaryView> view_adult_discretionary(const Results& results,
                                                                           std::size_t row,
                                                                           const Viewer& viewer);

// ---- Recorded entries ------------------------------------------------------------------------

// A recorded entry (model.hpp, RecordedEntry) as the reader may see it. Entries never score.
struct EntryView {
  std::string_view id;
  EntryKind kind = EntryKind::child_voice;
  Day date = kNoDay;
  std::string_view author, text, question;
  int value = kNoScalingValue;              // scaling: 0-10
  std::string_view agency_id, agency_name;  // the source, when recorded
};
// The entries about the child at `row` dated on or before the results' date, as `viewer` may
// see them, by date then id. A restricted entry the viewer is not cleared for (by its source
// agency's id or type) is left out entirely: the reader learns nothing, not even that it exists.
SAFEGUARD_EXPORT std::vector<EntryView> view_entries(const Results& results, std::size_t row,
                                                     const Viewer& viewer);

// ---- The child's circle, as the ecomap draws it ---------------------------------------------

// Someone in a child's circle: the people whose evidence can reach the child, with the roles
// they have for the child (RoleMask bits, see role_bit) and whether they share its household.
struct CircleMemberView {
  VertexIndex vertex = kNoVertex;
  std::string_view id;
  PersonKind kind = PersonKind::adult;
  RoleMask roles = 0;
  bool shares_household = false;
};

// A protective factor around the child (see view_circle): the evidence view plus whom it
// protects and who provides it. Factors carry no restriction, so every viewer sees them.
struct FactorCircleView {
  EvidenceView evidence;
  std::vector<VertexIndex> protects;  // persons, those in the results' snapshot
  VertexIndex provider = kNoVertex;   // a person or agency vertex, or kNoVertex
  VertexKind provider_kind = VertexKind::erased;
  std::string_view provider_id, provider_name, provider_type;  // name and type: agencies
};

// A node of the contextual network (a person, place or group) as a rendering names it.
struct NodeView {
  VertexIndex vertex = kNoVertex;
  std::string_view id;
  VertexKind kind = VertexKind::person;
  std::string_view name;                       // a place's or group's name, or empty
  std::string_view label;                      // a place's or group's own kind ("park"), or empty
  PersonKind person_kind = PersonKind::adult;  // persons only
};
// What a rendering may say of `vertex` (a person, place or group of the results' snapshot;
// nothing is restricted about them). Throws Error(invalid_argument) for any other vertex.
SAFEGUARD_EXPORT NodeView view_node(const Results& results, VertexIndex vertex);

// A person as a rendering may describe them (nothing about a person is restricted): their age
// on the results' date, their household and display name. The name is personal data: only the
// conference report and the family version show it, never logs, errors or CSV/JSON results.
struct PersonView {
  VertexIndex vertex = kNoVertex;
  std::string_view id;
  PersonKind kind = PersonKind::adult;
  int age_years = -1;                 // -1 when the date of birth is unknown or later
  VertexIndex household = kNoVertex;  // the household the person is a member of, or kNoVertex
  std::string_view name;              // the display name, or empty
};
// Throws Error(invalid_argument) when `person` is not a person of the results' snapshot.
SAFEGUARD_EXPORT PersonView view_person(const Results& results, VertexIndex person);

// An agency as a rendering names it. Nothing about an agency is restricted; whether a given
// concern came from it may be, and view_evidence decides that.
struct AgencyView {
  VertexIndex vertex = kNoVertex;
  std::string_view id, name, type;
};
// Throws Error(invalid_argument) when `agency` is not an agency of the results' snapshot.
SAFEGUARD_EXPORT AgencyView view_agency(const Results& results, VertexIndex agency);

// A household: its members and the rows of its assessed children.
struct HouseholdView {
  VertexIndex vertex = kNoVertex;
  std::string_view id;
  std::vector<VertexIndex> members;     // persons, in vertex order (children and adults)
  std::vector<std::size_t> child_rows;  // in row order
};
// By vertex (Error(invalid_argument) when it is not a household) or by external id
// (Error(not_found) naming the id when no household has it). One pass over the snapshot.
SAFEGUARD_EXPORT HouseholdView view_household(const Results& results, VertexIndex household);
SAFEGUARD_EXPORT HouseholdView view_household(const Results& results, std::string_view id);

// What a rule over the child (`for = "child"`, such as "three or more agencies hold recent
// worries") rests on: the concerns and factors its aggregates counted for the child at `row`,
// by the rules evaluation counts them, as `viewer` may see them. A piece the viewer is not
// cleared for is left out, not named. In vertex order; empty for a rule without aggregates.
SAFEGUARD_EXPORT std::vector<EvidenceView> view_counted_evidence(const Results& results,
                                                                 std::size_t row,
                                                                 std::uint32_t rule,
                                                                 const Viewer& viewer);

// A place or group the child is declared to frequent or be a member of.
struct LinkView {
  NodeView node;
  RelationKind relation = RelationKind::frequents;
};

// Everything around one child that a rendering may draw, as the viewer may see it.
struct CircleView {
  VertexIndex child = kNoVertex;
  std::string_view child_id;
  bool child_in_household = false;
  std::vector<CircleMemberView> members;  // in circle order; the child is not listed
  // Concerns that reach the child through its circle and stand as of the results' date
  // (recorded by then, not retracted), in slot order. Those the viewer is not cleared for are
  // left out: their points reach the rendering only through withheld lines.
  std::vector<EvidenceView> concerns;
  // Factors that protect the child, and those that count in its score; live and started by
  // the results' date; in slot order.
  std::vector<FactorCircleView> factors;
  // The places the child frequents and the groups it belongs to, by kind, then vertex. (Who
  // else reached the child through the network is on its propagated lines.)
  std::vector<LinkView> links;
  // partner_of between two members (vertices, the smaller first).
  std::vector<std::pair<VertexIndex, VertexIndex>> partnerships;
};
SAFEGUARD_EXPORT CircleView view_circle(const Results& results, std::size_t row,
                                        const Viewer& viewer);

}  // namespace safeguard
