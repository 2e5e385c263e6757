// Who an audit figure may draw on for a reader not cleared for every restricted concern: what-if
// and refit both leave out a child whose result rests on evidence withheld from the reader.
#pragma once

#include <cstddef>

#include "safeguard/assess.hpp"
#include "safeguard/explain.hpp"

namespace safeguard::audit_detail {

// Whether anything in the child's result is withheld from the viewer: a line (restricted
// evidence, or a rule that fired only because of it), a propagated line that reads the network
// as the viewer may attribute it (risk through a neighbour or place resting on withheld
// evidence: under contextual = "included" it moves the level), or a policy override that fired
// only because of withheld evidence.
bool draws_on_withheld(const Results& results, const ScoreReader& reader, std::size_t row,
                       const Viewer& viewer);

}  // namespace safeguard::audit_detail
