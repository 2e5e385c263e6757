// The propagation pass of an assessment (docs/rules.md, "Propagation"). Private to src/assess/.
#pragma once

#include "prepare.hpp"
#include "safeguard/assess.hpp"

namespace safeguard::detail {

// Spreads the propagating indices of `out`'s pack through the network once the children have
// their direct scores, appending propagated lines and ranking places and groups. Throws
// Error(Status::divergent) when the spread cannot converge on this graph.
void propagate(Results& out, const Prepared& prepared);

}  // namespace safeguard::detail
