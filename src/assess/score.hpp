// Scoring one child: its evidence against the rules, its timeline, its policy and
// discretionary overrides. Private to src/assess/; results.cpp runs one scorer per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "prepare.hpp"
#include "safeguard/assess.hpp"

namespace safeguard::detail {

// What one thread produces for its range of children.
struct Partial {
  std::vector<Contribution> contributions;
  std::vector<std::size_t> contribution_counts;
  std::vector<std::uint32_t> fired;
  // Per fired override: 1 when it fired only because of restricted evidence (see
  // Results::override_restricted_basis).
  std::vector<std::uint8_t> fired_restricted;
  std::vector<std::size_t> fired_counts;
  std::vector<NotAssessable> missing;
  std::vector<std::size_t> missing_counts;
  std::vector<std::uint8_t> safety;  // SafetyDecision per child, when the pack has [safety]
  std::vector<SafetyFinding> safety_findings;
  std::vector<std::size_t> safety_counts;
  std::vector<Step> steps;
  std::vector<std::size_t> step_counts;
  std::vector<TimelineIssue> issues;
  std::vector<std::size_t> issue_counts;

  // Empties every column, keeping the buffers.
  void clear() noexcept {
    contributions.clear();
    contribution_counts.clear();
    fired.clear();
    fired_restricted.clear();
    fired_counts.clear();
    missing.clear();
    missing_counts.clear();
    safety.clear();
    safety_findings.clear();
    safety_counts.clear();
    steps.clear();
    step_counts.clear();
    issues.clear();
    issue_counts.clear();
  }
};

// The adult policy overrides (subject = "adult") that fired for one adult, and per override 1
// when it fired only because of restricted evidence; and what became of the judgement about them.
struct AdultFired {
  std::vector<std::uint32_t> overrides;
  std::vector<std::uint8_t> restricted;
  DiscretionaryResult judgement;
};

// Which evidence a scorer counts, for scoring a child on part of its record (joining.cpp): its
// own gathering and every aggregate read only what the mask allows. The process record (events,
// and so the timeline) is kept; a discretionary override, a judgement on the whole record, is
// not applied.
using EvidenceFilter = expr::EvidenceMask;
using expr::kNoGroup;

// Scores children one at a time, reusing its buffers, so that scoring allocates nothing once
// they have grown. One per thread.
class ChildScorer {
 public:
  ChildScorer(const RuleSet& rules, const Snapshot& snap, const Prepared& prepared,
              const Process& process, Day as_of);
  ~ChildScorer();
  ChildScorer(const ChildScorer&) = delete;
  ChildScorer& operator=(const ChildScorer&) = delete;

  // From now on count only the evidence `filter` allows (it must outlive the calls), or, with
  // nullptr, the whole record.
  void set_filter(const EvidenceFilter* filter) noexcept;

  // Rereads what the scorer keeps about its snapshot (which concerns are restricted, which
  // symbols a `latest` family holds) after that snapshot object was rebuilt in place.
  void refresh();

  // Scores one child into the row at `scores`, `index_levels`; appends to `out`.
  void score(std::uint32_t child, double* scores, std::int32_t* index_levels,
             std::int32_t& score_level, std::int32_t& level, std::uint8_t& immediate,
             DiscretionaryResult& judgement, Partial& out);

  // A child's levels from its index scores: each index's level, the highest of them, raised to
  // the min_level of every policy override that fired, then moved by professional judgement.
  // Propagation calls it again once the network has added its points.
  void settle_levels(std::uint32_t child, const double* scores, const std::uint32_t* fired_begin,
                     const std::uint32_t* fired_end, std::int32_t* index_levels,
                     std::int32_t& score_level, std::int32_t& level,
                     DiscretionaryResult& judgement) const;

  // The own score of a network node that is not a child (an adult, a place, a group): the
  // given concern rules over the visible concerns about the node, each as evidence about the
  // node itself (path self), decayed and capped as for a child. Appends the rule lines to
  // out.contributions (notes of missing data go to out.missing) and returns their sum.
  double score_node(std::uint32_t node, const std::vector<std::uint32_t>& node_rules, Partial& out);

  // An adult's own result (docs/rules.md, "Results for adults"): the rules of the pack's adult
  // indices over the concerns about the adult, as evidence about the adult itself (path self),
  // with `latest` and caps as for a child. Writes every index's score to `scores` (0 on the
  // indices that are not adult ones) and appends the lines to `lines`.
  // Returns the adult's level: the highest any adult index reaches, raised by the adult policy
  // overrides (subject = "adult") that fire, which are appended to `fired`.
  int score_adult(std::uint32_t person, double* scores, std::vector<Contribution>& lines,
                  AdultFired& fired);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace safeguard::detail
