// Building one child's statutory timeline from a snapshot's columns: what the scorer runs per
// child. Private to the library (hosts read timelines from Results, timeline.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "safeguard/process.hpp"
#include "safeguard/timeline.hpp"
#include "snapshot_columns.hpp"

namespace safeguard {

// Computes the child's (person slot) steps as of `as_of` into `steps` and the gaps in the
// record into `issues` (both cleared first; their capacity is reused, so a caller that keeps
// them allocates nothing once they have grown). Steps are in the order their clocks started.
// Throws Error(out_of_range) only for dates within months of year 9999.
SAFEGUARD_EXPORT TimelineSummary build_timeline(const Snapshot& snap, std::uint32_t child,
                                                const Process& process,
                                                const WorkingCalendar& calendar, Day as_of,
                                                std::vector<Step>& steps,
                                                std::vector<TimelineIssue>& issues);

}  // namespace safeguard
