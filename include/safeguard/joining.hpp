// Joining up: what each agency's records give a child on their own, beside the joined picture;
// the children only joining shows, the smallest sets of agencies whose records together reach
// the joined level, and a triage list ranked by what joining adds. docs/joining-up.md.
//
// A child's record is split into fragments, one per agency: the concerns the agency raised and
// the protective factors it provides, among the evidence that reaches the child as of the
// results' date. Each fragment is scored alone by the assessment's own scorer (same pack, same
// date, same snapshot), rescoring just that child on the subset of its evidence: the result is
// exactly what a full assessment of a graph holding only that agency's evidence gives the child
// (tests/unit/test_joining.cpp). Everything else in the record (people, relations, places, the
// statutory process record) is kept in every fragment; a discretionary override, a judgement
// made on the whole record, applies only to the joined result. Factors provided by a person or
// by nobody belong to no agency: they count in the joined result only.
//
// Viewer-scoped: restricted evidence the viewer is not cleared for is taken out of its agency's
// fragment and pooled, whatever agency raised it, into one withheld fragment ("restricted
// source"), whose lines are all withheld, so no output names its agency, category, rules or
// per-agency points. The pool appears only for a child whose joined explanation already shows
// the viewer withheld lines (explain.hpp); otherwise restricted evidence the viewer may not see
// is in no fragment.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/explain.hpp"

namespace safeguard {

struct JoinOptions {
  JoinOptions(unsigned thread_count = 1, std::size_t exact_limit = 12)
      : threads(thread_count), exact_up_to(exact_limit) {}

  unsigned threads = 1;  // 0: one per hardware thread. Results are identical for any value.
  // Children with at most this many fragments get the exact smallest sets (every subset is
  // tried, smallest first); above it a greedy search gives one set that reaches the joined level
  // and is minimal (leaving out any one agency falls short), but not proven smallest. At most 20.
  std::size_t exact_up_to = 12;
};

// One agency's fragment of a child's record, scored alone.
struct Fragment {
  VertexIndex agency = kNoVertex;     // in the results' snapshot; kNoVertex for the withheld pool
  bool withheld = false;              // the pool of restricted evidence the viewer may not see
  std::vector<VertexIndex> evidence;  // its concerns and factors, in vertex order
  std::vector<double> scores;         // per index
  double total = 0;                   // the sum of the index scores
  std::int32_t level = 0;             // after policy overrides
  std::vector<Contribution> contributions;  // sum to the scores exactly, as in Results
  std::vector<std::uint32_t> overrides;     // policy overrides that fired
};

// What joining does for one child.
struct ChildJoining {
  std::size_t row = 0;  // the child's row in the results
  // Agencies' fragments in order of agency id, then the withheld pool if any.
  std::vector<Fragment> fragments;
  std::int32_t joined_level = 0;  // the results' level (with any discretionary override)
  double joined_total = 0;
  std::int32_t best_alone_level = 0;  // the highest fragment level; 0 with no fragment
  double best_alone_total = 0;        // the highest fragment total; 0 with no fragment
  // The joined level is above every fragment's level (and the child has a fragment).
  bool only_when_joined = false;
  // The smallest sets of fragments (numbers into `fragments`, ascending; sets in lexicographic
  // order) whose evidence together reaches the joined level, none of whose proper subsets
  // does. One empty set when the level is reached without any agency's evidence (the process
  // record alone: a child protection plan, say). Empty when the joined level is 0 (nothing to
  // reach) or when no set of fragments reaches it (it needs a discretionary override, or
  // evidence no agency holds).
  std::vector<std::vector<std::uint32_t>> minimal_sets;
  bool exact = true;  // false: found by the greedy search (more than exact_up_to fragments)
  // Rules and policy overrides behind the joined result that no fragment fires alone: what
  // joining fired (a rule with lines in the joined explanation, none in any fragment's).
  std::vector<std::uint32_t> joining_rules;      // into RuleSet::rules()
  std::vector<std::uint32_t> joining_overrides;  // into RuleSet::overrides()

  std::int32_t level_gap() const noexcept { return joined_level - best_alone_level; }
  double score_gap() const noexcept { return joined_total - best_alone_total; }
};

class SAFEGUARD_EXPORT Joining {
 public:
  const Results& results() const noexcept { return results_; }
  const Viewer& viewer() const noexcept { return viewer_; }
  const JoinOptions& options() const noexcept { return options_; }
  // One per child, by the results' row.
  std::size_t child_count() const noexcept { return children_.size(); }
  const ChildJoining& child(std::size_t row) const { return children_.at(row); }
  // Rows of the children joining adds to (a positive level or score gap), ranked: level gap,
  // then score gap, highest first; ties by child id.
  const std::vector<std::size_t>& triage() const noexcept { return triage_; }
  // Children whose joined level is above every single-agency level.
  std::size_t only_when_joined_count() const noexcept;

 private:
  friend SAFEGUARD_EXPORT Joining join(const Results& results, const Viewer& viewer,
                                       const JoinOptions& options);
  Results results_;
  Viewer viewer_;
  JoinOptions options_;
  std::vector<ChildJoining> children_;
  std::vector<std::size_t> triage_;
};

// Works out joining for every child of `results` as `viewer` may know it. A pack with
// propagation must keep its contextual risk apart from the level (`contextual = "apart"`, the
// default; the propagated points are then in no score, level or fragment here): under
// "included" a propagated point belongs to the network, not to an agency, and this throws
// Error(invalid_argument). Pure: bit-identical for any thread count.
SAFEGUARD_EXPORT Joining join(const Results& results, const Viewer& viewer,
                              const JoinOptions& options = {});

// One child's joining (by the results' row), exactly as join() gives it, without working out
// the others': for a report on one child of a large caseload. Same errors as join().
SAFEGUARD_EXPORT ChildJoining join_child(const Results& results, std::size_t row,
                                         const Viewer& viewer, const JoinOptions& options = {});

// The triage list rendered for the joining's viewer (docs/joining-up.md shows each form): a
// table for people, JSON (every child on the list, with fragments, lines and sets) and CSV (one
// row per child and fragment). `limit` keeps the first that many children (0: all).
enum class JoinFormat : std::uint8_t { text, json, csv };
SAFEGUARD_EXPORT std::string render_joining(const Joining& joining, JoinFormat format,
                                            std::size_t limit = 0);

// A fragment's name as the viewer may see it: the agency's id, or "restricted source".
SAFEGUARD_EXPORT std::string_view fragment_name(const Joining& joining, const Fragment& fragment);

}  // namespace safeguard
