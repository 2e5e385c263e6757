// What the renderers need to know about a case beyond the view layer (explain.hpp): ids of
// vertices, ages, households, the calendar's closures and the name of a missing attribute.
// The one place under src/render that reads the snapshot's columns or the interpreter's
// tables (the private src/snapshot_columns.hpp and src/interpreter.hpp).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "safeguard/assess.hpp"

namespace safeguard::render_detail {

std::string_view vertex_id(const Results& results, VertexIndex vertex);

// A person's age in whole years on the results' date; -1 when the date of birth is unknown.
int age_years(const Results& results, VertexIndex person);

// The household vertex the person is a member of, or kNoVertex.
VertexIndex household_of(const Results& results, VertexIndex person);

// The rows of the children who are members of the household `id`, in row order. Throws
// Error(not_found) naming the id when no household has it, Error(invalid_argument) when it has
// no assessed child.
std::vector<std::size_t> household_rows(const Results& results, std::string_view id);

// The persons who are members of a household, in vertex order (children and adults).
std::vector<VertexIndex> household_members(const Results& results, VertexIndex household);

// The concerns and factors (vertices, ascending) that the aggregates of rule `rule` (its
// condition and its points) counted for the child at `row`: what a rule over the child, such
// as "three or more agencies hold recent worries", rests on. Every piece, restricted or not:
// the caller shows only what view_evidence lets its viewer see.
std::vector<VertexIndex> aggregate_evidence(const Results& results, std::size_t row,
                                            std::uint32_t rule);

// Local closure days on the calendar the timeline counts.
std::size_t closure_count(const Results& results);

// The name of the attribute whose value was unknown ("child_age").
std::string_view missing_attribute(const NotAssessable& missing);

}  // namespace safeguard::render_detail
