// Which evidence an expression's aggregates counted: for a rule over the child ("three or more
// agencies hold recent worries"), the concerns and factors each aggregate's collection and
// filter admitted, so a rendering can name them (issue 16, item 4). Private: the renderers
// reach it through src/render/case_facts.hpp, and filter what they show by the viewer.
#pragma once

#include <cstdint>
#include <functional>

#include "interpreter.hpp"

namespace safeguard::expr {

// Calls `counted(collection, slot)` for every element (a concern slot, or a factor slot for
// Collection::factors) that one of the aggregates of `compiled` counts for the child in
// `context`, by the same rules evaluate() counts them: the collection, visibility as of the
// date, the mask, the filter's guard, the unsubstantiated rule and the filter itself. An
// element counted by several aggregates is reported for each.
void for_each_counted_element(const Compiled& compiled, EvalContext& context,
                              const std::function<void(Collection, std::uint32_t)>& counted);

}  // namespace safeguard::expr
