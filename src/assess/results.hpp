// Building Results: scoring every child of a snapshot (in threads, stitched in child order)
// and the propagation pass. Private to src/assess/.
#pragma once

#include <memory>

#include "prepare.hpp"
#include "safeguard/assess.hpp"

namespace safeguard::detail {

struct ResultsBuilder {
  static Results build(std::shared_ptr<const RuleSet> rules,
                       std::shared_ptr<const Snapshot> snapshot, const Prepared& prepared,
                       const AssessOptions& options);
  static void score_adults(Results& out, const Prepared& prepared, const AssessOptions& options);
};

// Throws Error(Status::invalid_argument) unless there is a pack, a snapshot and an as-of date
// in range.
void check_arguments(const std::shared_ptr<const RuleSet>& rules,
                     const std::shared_ptr<const Snapshot>& snapshot, const AssessOptions& options);

}  // namespace safeguard::detail
