// Building Results: scoring every child of a snapshot (in threads, stitched in child order)
// and the propagation pass. Private to src/assess/.
#pragma once

#include <memory>

#include "prepare.hpp"
#include "safeguard/assess.hpp"
#include "score.hpp"

namespace safeguard::detail {

// What building results works with besides the results themselves. A caller that builds one
// result after another on one thread (the Reassessor) keeps it, with the Results it recycles,
// so that once every buffer has grown to the largest update seen, building allocates nothing.
struct BuildScratch {
  Partial partial;  // one thread's output, before it is moved into the results' columns
  // The one-thread scorer, kept between builds. Whoever keeps a BuildScratch resets it unless
  // the next build has the same pack, snapshot object (rebuilt in place), prepared tables,
  // process and as-of date: the scorer refers to them all.
  std::unique_ptr<ChildScorer> scorer;
  std::vector<double> adult_scores;
  AdultFired adult_fired;
  std::vector<Contribution> adult_lines;
};

struct ResultsBuilder {
  static Results build(std::shared_ptr<const RuleSet> rules,
                       std::shared_ptr<const Snapshot> snapshot, const Prepared& prepared,
                       const AssessOptions& options);
  // build() into `out`, which is first emptied as recycle() does, reusing its columns' memory
  // and `scratch`. `process` is process_for() of the snapshot's nation, the pack's timescales
  // and options.process, which the caller may keep between builds.
  static void build_into(Results& out, std::shared_ptr<const RuleSet> rules,
                         std::shared_ptr<const Snapshot> snapshot,
                         std::shared_ptr<const Process> process, const Prepared& prepared,
                         const AssessOptions& options, BuildScratch& scratch);
  // Makes `out` what a default-constructed Results is, keeping its columns' buffers, and lets
  // go of everything it shared (pack, snapshot, process, lazy lines): the snapshot's other
  // holders can then tell that it is no longer read through `out`.
  static void recycle(Results& out);
  static void score_adults(Results& out, ChildScorer& scorer, const AssessOptions& options,
                           BuildScratch& scratch);

 private:
  static void fill(Results& out, std::shared_ptr<const RuleSet> rules,
                   std::shared_ptr<const Snapshot> snapshot, std::shared_ptr<const Process> process,
                   const Prepared& prepared, const AssessOptions& options, BuildScratch& scratch);
};

// Throws Error(Status::invalid_argument) unless there is a pack, a snapshot and an as-of date
// in range.
void check_arguments(const std::shared_ptr<const RuleSet>& rules,
                     const std::shared_ptr<const Snapshot>& snapshot, const AssessOptions& options);

}  // namespace safeguard::detail
