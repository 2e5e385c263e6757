// Assessment: every child of a snapshot scored against a rule pack as of a date, with the
// contributions that make up each score. Results are columnar (one row per child) and keep the
// pack and snapshot alive, so they outlive the graph they came from.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/progress.hpp"
#include "safeguard/rules.hpp"
#include "safeguard/snapshot.hpp"

namespace safeguard {

enum class ContributionKind : std::uint8_t {
  rule,        // a rule's points for one piece of evidence, or for the child itself
  propagated,  // risk that travelled from a neighbour in the network (propagate.hpp)
};
inline constexpr std::uint32_t kNoRule = UINT32_MAX;

// One line of an explanation: `value` = raw * decay * reach * cap_factor, and a child's index
// score is exactly the sum of its contributions' values, added in the order they are listed.
//
// A propagated line has rule = kNoRule, via = the neighbour (person, place or group) and
// relation = how they are linked; raw is the neighbour's network score (already decayed, so
// decay = 1), reach is alpha x the link's weight in W, and cap_factor < 1 when the pack's
// association cap bit. Propagated lines follow the rule lines of the same child. When the cap
// lets a child count nothing on an index (no evidence of its own there), one line with
// via = kNoVertex, raw = the points offered, reach 1 and cap_factor 0 stands for all links.
struct Contribution {
  std::uint32_t rule = 0;            // index into RuleSet::rules(), or kNoRule if propagated
  std::uint32_t index = 0;           // the index it counts towards
  VertexIndex evidence = kNoVertex;  // the concern or factor, or kNoVertex for a child rule
  VertexIndex via = kNoVertex;       // who or what the evidence is about (the path's far end)
  Role path = Role::self;            // how the evidence reached the child (rule lines)
  ContributionKind kind = ContributionKind::rule;
  RelationKind relation = RelationKind::associate;  // the link to `via` (propagated lines)
  double raw = 0;                                   // the rule's points for this evidence
  double decay = 1;       // 0.5 ^ (age in days / half-life); 1 without a half-life
  double reach = 1;       // the rule's factor for `path`
  double cap_factor = 1;  // < 1 when the rule's cap (or the association cap) bit
  double value = 0;
  // A rule about the child (no evidence of its own) that would not have fired, or not with
  // these points, without restricted evidence: its title and rule say something of that
  // evidence, so a reader not cleared for every restricted concern gets it withheld.
  bool restricted_basis = false;
  // A rule with `latest` (Rule::latest_family): the evidence is not on the latest group of its
  // family for the person it is about (an earlier checklist), so it is listed with
  // cap_factor 0 and value 0. restricted_basis is set too when the later group holds
  // restricted evidence: saying "superseded" would tell a reader it exists.
  bool superseded = false;

  bool propagated() const noexcept { return kind == ContributionKind::propagated; }
};

// How the propagation solve went (all zero when the pack does not propagate).
struct PropagationReport {
  bool ran = false;
  int iterations = 0;       // the most any propagating index needed
  double change = 0;        // the largest change in the last iteration, over the indices
  double radius_bound = 0;  // an upper bound on the spectral radius of alpha * W (below 1)
};

// Which [safety] list a "not assessable" note's condition is in.
enum class SafetyPart : std::uint8_t { none, danger, plan };

// A rule, override or [safety] condition that could not be evaluated because data it needs is
// unknown.
struct NotAssessable {
  // Rule index; override index when `is_override`; index into RuleSet::safety().dangers or
  // .plans when `safety` says which.
  std::uint32_t rule = 0;
  bool is_override = false;
  VertexIndex evidence = kNoVertex;
  expr::Attr missing = expr::Attr::child_age;
  SafetyPart safety = SafetyPart::none;
};

// The id, and the title, of what a note could not evaluate (a rule, an override's id as its
// title, a safety danger or plan).
inline const std::string& not_assessable_id(const RuleSet& rules, const NotAssessable& note) {
  if (note.safety == SafetyPart::danger) return rules.safety().dangers[note.rule].id;
  if (note.safety == SafetyPart::plan) return rules.safety().plans[note.rule].id;
  return note.is_override ? rules.overrides()[note.rule].id : rules.rules()[note.rule].id;
}
inline const std::string& not_assessable_title(const RuleSet& rules, const NotAssessable& note) {
  if (note.safety == SafetyPart::danger) return rules.safety().dangers[note.rule].title;
  if (note.safety == SafetyPart::plan) return rules.safety().plans[note.rule].title;
  return note.is_override ? rules.overrides()[note.rule].id : rules.rules()[note.rule].title;
}

// What became of the discretionary override that applied to a child, if any: the latest one
// for the child dated on or before the as-of date.
enum class DiscretionaryOutcome : std::uint8_t {
  none,            // no discretionary override recorded for the child as of the date
  applied,         // the level moved one step
  not_allowed,     // the pack does not accept judgement in this direction ([discretionary] allow)
  at_limit,        // already at the lowest or highest level
  held_by_policy,  // lowering would go below the minimum a policy override set
  // The pack needs an approver for this direction ([discretionary] approval) and the override
  // has none dated on or before the as-of date: reported, not applied.
  awaiting_approval,
};
SAFEGUARD_EXPORT std::string_view to_string(DiscretionaryOutcome outcome) noexcept;

// A child's present-danger safety decision (docs/rules.md, "Safety"), kept apart from the
// risk levels: it never moves them.
enum class SafetyDecision : std::uint8_t {
  not_assessed,    // the pack has no [safety] section
  safe,            // no danger holds
  safe_with_plan,  // a danger holds and so does a safety plan
  unsafe,          // a danger holds and no plan does
};
SAFEGUARD_EXPORT std::string_view to_string(SafetyDecision decision) noexcept;

// One danger or plan that held for a child, for one piece of evidence: a concern (danger) or
// a factor (plan) for a condition over evidence, kNoVertex for a condition over the child.
struct SafetyFinding {
  bool plan = false;                 // a [[safety.plan]]; else a [[safety.danger]]
  std::uint32_t item = 0;            // into RuleSet::safety().dangers or .plans
  VertexIndex evidence = kNoVertex;  // the concern or factor; kNoVertex for a child condition
  // A condition over the child that would not hold on the record without restricted concerns
  // (as Contribution::restricted_basis): only a reader who sees them all may read its title.
  bool restricted_basis = false;
};

struct DiscretionaryResult {
  std::uint32_t override_number = kNoEvent;  // into the snapshot's override columns
  DiscretionaryOutcome outcome = DiscretionaryOutcome::none;
  std::int32_t level_before = 0;  // after policy overrides, before judgement
};

// Whether a batch keeps every child's explanation lines (eager) or only those of children with
// restricted lines (which every reader not cleared for everything reads), writing the others'
// when first read (lazy). Every figure and line a Results gives is the same either way, bit for
// bit; lazy saves most lines' memory (72 bytes a line, 5.5 lines a child: docs/performance.md)
// and costs a rescoring of the child on the first read of its lines.
enum class Explanations : std::uint8_t { eager, lazy };

struct AssessOptions {
  // A constructor rather than an aggregate, so that the brace form callers use,
  // {as_of, threads}, keeps compiling without warnings as fields are added.
  AssessOptions(Day as_of_date = 0, unsigned thread_count = 1,
                std::shared_ptr<const Process> chosen_process = nullptr)
      : as_of(as_of_date), threads(thread_count), process(std::move(chosen_process)) {}

  Day as_of = 0;
  unsigned threads = 1;  // 0: one per hardware thread. Results are identical for any value.
  // Children scored of the total, now and then, from one thread at a time; returning false
  // stops the assessment (Error(Status::cancelled)). Empty: no reports.
  Progress progress;
  // The statutory process the timelines follow: null for the bundled process of the case's
  // nation; otherwise that nation's, usually a local file over it (Process::load_local_file).
  std::shared_ptr<const Process> process;
  // Refuse a case that uses a concern category, factor kind, child flag or agency type the
  // pack does not know (check_vocabulary): Error(Status::invalid_data) naming the first
  // entity id, before anything is scored. Off: the names are reported (Results::vocabulary()).
  bool strict_vocabulary = false;
  // Eager by default: a host that reads every child's lines (frames, audits, refits) pays the
  // scoring once. Lazy for hosts that read levels and scores and now and then an explanation.
  Explanations explanations = Explanations::eager;
};

// A name a case uses that no loaded pack knows (docs/rules.md, "Vocabulary"): a misspelt
// category matches no rule, so its concerns silently score nothing.
struct VocabularyFinding {
  // "unknown-category", "unknown-factor-kind", "unknown-flag" or "unknown-agency-type".
  std::string code;
  // The unknown name. Empty for the finding that pools restricted concerns: their categories
  // are never named (a count by category would say what restricted evidence is about).
  std::string name;
  std::size_t count = 0;         // entities that use it
  std::vector<std::string> ids;  // their ids (concerns, factors, persons or agencies), sorted
  std::string message;           // names the name (unless withheld), the count, the first ids
};

// The names `snapshot` uses that none of `packs` knows (RuleSet::knows_category...): one
// finding per unknown name, by code then name, and for concerns marked restricted one finding
// per code with no name. Deterministic.
SAFEGUARD_EXPORT std::vector<VocabularyFinding> check_vocabulary(
    const Snapshot& snapshot, const std::vector<const RuleSet*>& packs);

namespace detail {
struct ResultsBuilder;
struct NetworkViews;
class LazyLines;
}  // namespace detail

class SAFEGUARD_EXPORT Results {
 public:
  const RuleSet& rules() const noexcept { return *rules_; }
  const Snapshot& snapshot() const noexcept { return *snapshot_; }
  Day as_of() const noexcept { return as_of_; }
  // The statutory process the timelines followed (steps' kinds index its steps()).
  const Process& process() const noexcept { return *process_; }

  std::size_t child_count() const noexcept { return children_.size(); }
  std::size_t index_count() const noexcept { return rules_->indices().size(); }
  VertexIndex child_vertex(std::size_t row) const;
  std::string_view child_id(std::size_t row) const;
  // The external id of any vertex of the results' snapshot (a child, an adult, an agency, a
  // place or group, a concern or factor): what renderings print beside a view's vertex.
  std::string_view vertex_id(VertexIndex vertex) const;
  // The working-day calendar the timelines ran on.
  const WorkingCalendar& calendar() const noexcept;
  // The external id of a process event (a timeline step's trigger or done, a gap's event).
  std::string_view event_id(std::uint32_t event) const;
  // Row of a child by external id, or -1. The first call on a large result builds an index
  // (rows sorted by id) that later calls, and copies of the result, share; thread-safe.
  long find_child(std::string_view id) const;

  // Scores, row-major: child_count() rows of index_count() doubles.
  const std::vector<double>& scores() const noexcept { return scores_; }
  double score(std::size_t row, std::size_t index) const {
    return scores_[row * index_count() + index];
  }
  double total(std::size_t row) const { return totals_[row]; }
  const std::vector<double>& totals() const noexcept { return totals_; }
  int index_level(std::size_t row, std::size_t index) const {
    return index_levels_[row * index_count() + index];
  }
  int score_level(std::size_t row) const { return score_levels_[row]; }  // before overrides
  int level(std::size_t row) const { return levels_[row]; }              // after overrides
  const std::vector<std::int32_t>& levels() const noexcept { return levels_; }
  bool immediate_safety(std::size_t row) const { return immediate_safety_[row] != 0; }
  // The present-danger safety decision (the pack's [safety]); not_assessed without one.
  SafetyDecision safety(std::size_t row) const {
    return safety_.empty() ? SafetyDecision::not_assessed
                           : static_cast<SafetyDecision>(safety_[row]);
  }
  // The dangers that held, in pack order (each piece of evidence in slot order), then, when one
  // did, the plans that held. No plan is looked for when no danger holds.
  const SafetyFinding* safety_begin(std::size_t row) const {
    return safety_findings_.data() + safety_offsets_[row];
  }
  const SafetyFinding* safety_end(std::size_t row) const {
    return safety_findings_.data() + safety_offsets_[row + 1];
  }

  // The child's explanation lines (rule lines in rule order, then propagated lines). With
  // Explanations::lazy the first read of a row the batch did not keep (lines_restricted() false)
  // writes its lines, by scoring that child again against the results' own snapshot and pack:
  // the same lines, bit for bit, as an eager batch keeps. Either way the pointers stay valid
  // while the results or a copy of them live, and any number of threads may read at once. Lines
  // of different rows are contiguous only in eager results.
  const Contribution* contributions_begin(std::size_t row) const;
  const Contribution* contributions_end(std::size_t row) const;
  std::size_t contribution_count(std::size_t row) const;
  // Whether the batch kept every line (Explanations::eager) or writes some on first read.
  bool explanations_lazy() const noexcept { return lazy_ != nullptr; }
  // Whether any of the child's rule lines counts a restricted concern or has a restricted basis
  // (Contribution::restricted_basis): when none does, no reader has a line of the child
  // withheld, and the view layer need not read its lines to say so.
  bool lines_restricted(std::size_t row) const { return restricted_lines_[row] != 0; }
  // The child row whose lines hold `line` (a pointer from contributions_begin), or -1 for a
  // line that is not one of them (a copy, a place's or an adult's line).
  long contribution_row(const Contribution* line) const;
  // Policy overrides that fired for the child (indices into RuleSet::overrides()).
  const std::uint32_t* overrides_begin(std::size_t row) const {
    return fired_.data() + fired_offsets_[row];
  }
  const std::uint32_t* overrides_end(std::size_t row) const {
    return fired_.data() + fired_offsets_[row + 1];
  }
  // Whether the child's k-th fired policy override fired only because of restricted evidence
  // (it would not fire on the record without restricted concerns). Like
  // Contribution::restricted_basis, its id and reason are then shown only to a reader who
  // sees every restricted concern (view_overrides in explain.hpp).
  bool override_restricted_basis(std::size_t row, std::size_t k) const {
    return fired_restricted_[fired_offsets_[row] + k] != 0;
  }
  const NotAssessable* not_assessable_begin(std::size_t row) const {
    return missing_.data() + missing_offsets_[row];
  }
  const NotAssessable* not_assessable_end(std::size_t row) const {
    return missing_.data() + missing_offsets_[row + 1];
  }
  // The child's statutory timeline as of the date, and the gaps found in its record.
  const Step* steps_begin(std::size_t row) const { return steps_.data() + step_offsets_[row]; }
  const Step* steps_end(std::size_t row) const { return steps_.data() + step_offsets_[row + 1]; }
  std::size_t step_count(std::size_t row) const {
    return step_offsets_[row + 1] - step_offsets_[row];
  }
  const TimelineIssue* timeline_issues_begin(std::size_t row) const {
    return issues_.data() + issue_offsets_[row];
  }
  const TimelineIssue* timeline_issues_end(std::size_t row) const {
    return issues_.data() + issue_offsets_[row + 1];
  }
  const DiscretionaryResult& discretionary(std::size_t row) const { return discretionary_[row]; }
  // The case's names the pack does not know (check_vocabulary), worked out on first use.
  const std::vector<VocabularyFinding>& vocabulary() const;

  // ---- Contextual risk (docs/rules.md, "Contextual risk"): a child's propagated points, the
  // sum of its propagated lines per index (after the association cap). Under the pack's default
  // `contextual = "apart"` they are not in score() or total() and do not move the levels: the
  // child's rule lines sum to score(), its propagated lines to contextual_score(). Under
  // "included", score() is the sum of both. 0 when the pack does not propagate.
  double contextual_score(std::size_t row, std::size_t index) const {
    return contextual_.empty() ? 0 : contextual_[row * index_count() + index];
  }
  double contextual_total(std::size_t row) const {
    return contextual_totals_.empty() ? 0 : contextual_totals_[row];
  }
  // The score level the child's indices reach with the contextual points added to its own
  // scores (before policy overrides and judgement): beside score_level(), it says whether the
  // network would lift the child. Equal to score_level() under "included" and without
  // propagation.
  int context_level(std::size_t row) const {
    return context_levels_.empty() ? score_levels_[row] : context_levels_[row];
  }
  // Whether the propagated points are in score() (the pack's `contextual = "included"`).
  bool contextual_included() const noexcept {
    return rules_->propagation().enabled &&
           rules_->propagation().contextual == ContextualPolicy::included;
  }

  // ---- Results for adults (docs/rules.md, "Results for adults"): each live adult with at
  // least one line on an index with subject = "adult" (a DASH checklist is the adult victim's),
  // an adult policy override that fired, or a discretionary override about them, in slot order.
  // Its scores are those indices' rules over the concerns about the adult (path self, with
  // `latest` and caps as for a child; 0 on a child's indices) and its level the highest any
  // adult index reaches, raised by adult policy overrides (subject = "adult") and then moved by
  // judgement about the adult. A child reads an adult's score or level only through an explicit
  // adult_score() or adult_level_at_least() in the pack.
  std::size_t adult_count() const noexcept { return adults_.size(); }
  VertexIndex adult_vertex(std::size_t row) const;
  std::string_view adult_id(std::size_t row) const;
  // Row of an adult result by external id, or -1.
  long find_adult(std::string_view id) const;
  double adult_score(std::size_t row, std::size_t index) const {
    return adult_scores_[row * index_count() + index];
  }
  double adult_total(std::size_t row) const;
  int adult_level(std::size_t row) const { return adult_levels_[row]; }
  // The adult's lines, rule by rule (superseded ones included); per index they add up to
  // adult_score exactly.
  // Rebuilt on first read under Explanations::lazy, as a child's lines are.
  const Contribution* adult_contributions_begin(std::size_t row) const;
  const Contribution* adult_contributions_end(std::size_t row) const;
  std::size_t adult_contribution_count(std::size_t row) const;
  // Adult policy overrides (subject = "adult") that fired for the adult, indices into
  // RuleSet::overrides(); adult_level counts their min_level. As for a child's, the k-th is
  // shown by id and reason only to a reader who sees every restricted concern when it fired
  // only because of restricted evidence (view_adult_overrides in explain.hpp).
  const std::uint32_t* adult_overrides_begin(std::size_t row) const {
    return adult_fired_.data() + adult_fired_offsets_[row];
  }
  const std::uint32_t* adult_overrides_end(std::size_t row) const {
    return adult_fired_.data() + adult_fired_offsets_[row + 1];
  }
  bool adult_override_restricted_basis(std::size_t row, std::size_t k) const {
    return adult_fired_restricted_[adult_fired_offsets_[row] + k] != 0;
  }
  // What became of the latest discretionary override about the adult (professional judgement
  // on the adult's own result; view_adult_discretionary in explain.hpp), as for a child's.
  const DiscretionaryResult& adult_discretionary(std::size_t row) const {
    return adult_discretionary_[row];
  }

  // ---- Propagation (docs/rules.md, "Propagation"); empty when the pack does not propagate.
  const PropagationReport& propagation() const noexcept { return propagation_; }
  // k counts the propagating indices: rules().propagation().indices[k].
  std::size_t propagating_count() const noexcept { return propagating_; }
  // Per network node (Snapshot::node_vertex): the own score the solve starts from (s), and
  // the network score s + the propagated points counted (after the association cap).
  double node_own_score(std::size_t node, std::size_t k) const {
    return node_own_[node * propagating_ + k];
  }
  double node_score(std::size_t node, std::size_t k) const {
    return node_scores_[node * propagating_ + k];
  }

  // Places and groups, ranked by network score summed over the propagating indices, highest
  // first (ties: in the order they were added to the graph).
  std::size_t place_count() const noexcept { return places_.size(); }
  std::uint32_t place_node(std::size_t rank) const { return places_[rank]; }
  VertexIndex place_vertex(std::size_t rank) const;
  std::string_view place_id(std::size_t rank) const;
  double place_score(std::size_t rank) const { return place_totals_[rank]; }
  // Network score on one of the pack's indices; 0 for an index that does not propagate.
  double place_index_score(std::size_t rank, std::size_t index) const;
  // Rank of a place or group by external id, or -1.
  long find_place(std::string_view id) const;
  // The place's own evidence (rule lines) then what it takes from its neighbours (propagated
  // lines); per index they add up to place_index_score exactly.
  const Contribution* place_contributions_begin(std::size_t rank) const {
    return place_contributions_.data() + place_contribution_offsets_[rank];
  }
  const Contribution* place_contributions_end(std::size_t rank) const {
    return place_contributions_.data() + place_contribution_offsets_[rank + 1];
  }
  std::size_t place_contribution_count(std::size_t rank) const {
    return place_contribution_offsets_[rank + 1] - place_contribution_offsets_[rank];
  }

  // Private to the library: what the view layer needs to show the network as a reader may
  // attribute it (src/views_network.hpp). Null when the pack does not propagate.
  const detail::NetworkViews* network_views() const noexcept { return network_views_.get(); }

 private:
  friend struct detail::ResultsBuilder;
  struct ChildIndex {
    std::once_flag built;
    std::vector<std::uint32_t> rows_by_id;
  };
  std::shared_ptr<ChildIndex> child_index_ = std::make_shared<ChildIndex>();
  struct VocabularyCache {
    std::once_flag built;
    std::vector<VocabularyFinding> findings;
  };
  std::shared_ptr<VocabularyCache> vocabulary_ = std::make_shared<VocabularyCache>();
  friend class PropagationPass;
  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::shared_ptr<const Process> process_;
  Day as_of_ = 0;
  std::vector<std::uint32_t> children_;  // person slots
  std::vector<double> scores_;
  std::vector<double> totals_;
  std::vector<std::int32_t> index_levels_;
  std::vector<std::int32_t> score_levels_;
  std::vector<std::int32_t> levels_;
  std::vector<std::uint8_t> immediate_safety_;
  std::vector<std::uint8_t> safety_;  // SafetyDecision per child; empty without [safety]
  std::vector<SafetyFinding> safety_findings_;
  std::vector<std::size_t> safety_offsets_;
  std::vector<Contribution> contributions_;  // lazy: only the rows with restricted lines
  std::vector<std::size_t> contribution_offsets_;
  std::vector<std::uint8_t> restricted_lines_;  // per child: lines_restricted()
  // What writes lines on first read, and the lines written; null in eager results. Shared by
  // copies, so a line read through one copy is kept for all.
  std::shared_ptr<detail::LazyLines> lazy_;
  std::vector<std::uint32_t> fired_;
  std::vector<std::uint8_t> fired_restricted_;  // parallel to fired_
  std::vector<std::size_t> fired_offsets_;
  std::vector<NotAssessable> missing_;
  std::vector<std::size_t> missing_offsets_;
  PropagationReport propagation_;
  std::size_t propagating_ = 0;
  std::vector<double> contextual_;         // children x indices; empty without propagation
  std::vector<double> contextual_totals_;  // children
  std::vector<std::int32_t> context_levels_;
  std::vector<double> node_own_;       // nodes x propagating
  std::vector<double> node_scores_;    // nodes x propagating
  std::vector<std::uint32_t> places_;  // nodes, ranked
  std::vector<double> place_totals_;
  std::vector<Contribution> place_contributions_;
  std::vector<std::size_t> place_contribution_offsets_{0};
  std::vector<Step> steps_;
  std::vector<std::size_t> step_offsets_;
  std::vector<TimelineIssue> issues_;
  std::vector<std::size_t> issue_offsets_;
  std::vector<DiscretionaryResult> discretionary_;
  std::vector<std::uint32_t> adults_;  // person slots of adults with a result
  std::vector<double> adult_scores_;   // adults x indices
  std::vector<std::int32_t> adult_levels_;
  std::vector<Contribution> adult_contributions_;
  std::vector<std::size_t> adult_contribution_offsets_{0};
  std::vector<std::uint32_t> adult_fired_;  // adult overrides that fired, per adult
  std::vector<std::uint8_t> adult_fired_restricted_;
  std::vector<std::size_t> adult_fired_offsets_{0};
  std::vector<DiscretionaryResult> adult_discretionary_;
  std::shared_ptr<const detail::NetworkViews> network_views_;
};

// Scores every child in `snapshot`, then, when the pack has an enabled [propagation] section,
// spreads the propagating indices through the network and ranks places and groups. Pure: the
// same inputs give bit-identical results for any thread count. Throws Error with
// Status::divergent when propagation cannot converge on this graph.
SAFEGUARD_EXPORT Results assess(std::shared_ptr<const RuleSet> rules,
                                std::shared_ptr<const Snapshot> snapshot,
                                const AssessOptions& options);

// ---- Incremental assessment ----------------------------------------------------------------

// The persons `batch` names that exist in `graph` as it stands: those whose evidence or
// relations it adds, amends, retracts or erases (with, for an amendment or retraction, the
// people the concern is about or involves now). Called before and after applying a batch, it
// brackets everyone whose circle the batch can change: see Reassessor::apply.
SAFEGUARD_EXPORT std::vector<VertexIndex> persons_touched(const CaseGraph& graph,
                                                          const Batch& batch);

// Keeps a caseload's results current as edits arrive: each batch is applied and only the
// children it can reach are scored again, over a partial snapshot of their families, by the
// same scorer as assess(). An update costs time in proportion to the families it touches, not
// to the caseload. The pack's compiled tables are kept between calls.
//
// A Reassessor is used by one thread at a time (it holds those tables); the graph is edited by
// one thread at a time as always.
class SAFEGUARD_EXPORT Reassessor {
 public:
  Reassessor(std::shared_ptr<const RuleSet> rules, const AssessOptions& options);
  ~Reassessor();
  Reassessor(Reassessor&&) noexcept;
  Reassessor& operator=(Reassessor&&) noexcept;

  // Applies `batch` to `graph` as CaseGraph::apply does (all or nothing; on error the Error
  // propagates and nothing changed) and returns fresh results for every live child whose
  // results it may have changed: the children whose circle held, before the batch, or holds
  // now, a person the batch touched. Each row equals that child's row in a full assessment of
  // the edited graph, bit for bit. Children the batch erased have no row.
  Results apply(CaseGraph& graph, const Batch& batch);

  // The same, into `out`, whose memory is reused: pass the Results of the previous update back
  // and a steady stream of updates allocates only what the graph keeps of each batch (the
  // Reassessor keeps the partial snapshot, the pack's tables and its working buffers, and
  // rebuilds the snapshot in place when no other Results or copy of one holds it). On error
  // the Error propagates; if the batch was refused, `out` is untouched, otherwise (scoring
  // failed for want of memory) it is left empty.
  void apply(CaseGraph& graph, const Batch& batch, Results& out);

  // Scores just `children` (vertex indices; anything not a live child is skipped) of the
  // graph as it stands. A pack with propagation enabled spreads evidence through the whole
  // network, so then every child is assessed (a full snapshot), and apply() returns them all.
  Results assess(const CaseGraph& graph, const std::vector<VertexIndex>& children);
  // The same, into `out`, whose memory is reused as apply() reuses it; on error `out` is left
  // empty.
  void assess(const CaseGraph& graph, const std::vector<VertexIndex>& children, Results& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- Assessing a graph as it is edited ------------------------------------------------------

// Assesses one graph over its life, keeping what successive assessments share: the snapshot of
// the graph's current revision (taken on first use after an edit, then shared by every
// assessment until the next), the tables prepared for the pack and date last assessed with,
// and a Reassessor for incremental updates. The C API's graph handle holds one; a C++ host can
// do the same. Results are those of safeguard::assess() on a fresh snapshot, bit for bit.
//
// The Assessor refers to `graph`, which must outlive it. snapshot() and assess() may be called
// from any number of threads at once (the caches are locked); apply() edits the graph, so it is
// used by one thread at a time, with no other call running, like CaseGraph::apply.
class SAFEGUARD_EXPORT Assessor {
 public:
  explicit Assessor(CaseGraph& graph);
  ~Assessor();
  Assessor(const Assessor&) = delete;
  Assessor& operator=(const Assessor&) = delete;

  const CaseGraph& graph() const noexcept;

  // The snapshot of the graph as it stands.
  std::shared_ptr<const Snapshot> snapshot() const;

  // Every child of the graph as it stands, as assess(rules, snapshot(), options) gives them.
  Results assess(std::shared_ptr<const RuleSet> rules, const AssessOptions& options) const;

  // Applies `batch` to the graph (all or nothing) and returns fresh results for the children it
  // may have changed, as Reassessor::apply does with this pack and date.
  Results apply(const Batch& batch, std::shared_ptr<const RuleSet> rules,
                const AssessOptions& options);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace safeguard
