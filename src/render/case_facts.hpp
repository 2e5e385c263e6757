// What the renderers ask of a case beyond a contribution's or a step's view: ids, ages,
// households, the calendar's closures and the name of a missing attribute. Each is composed
// from the public view layer (explain.hpp: view_person, view_household) and Results; nothing
// here reads the snapshot's columns, so the renderers see a case only as the view layer shows it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/error.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/expr.hpp"

namespace safeguard::render_detail {

inline std::string_view vertex_id(const Results& results, VertexIndex vertex) {
  return results.vertex_id(vertex);
}

// A person's age in whole years on the results' date; -1 when the date of birth is unknown.
inline int age_years(const Results& results, VertexIndex person) {
  return view_person(results, person).age_years;
}

// The household vertex the person is a member of, or kNoVertex.
inline VertexIndex household_of(const Results& results, VertexIndex person) {
  return view_person(results, person).household;
}

// The rows of the children who are members of the household `id`, in row order. Throws
// Error(not_found) naming the id when no household has it, Error(invalid_argument) when it has
// no assessed child.
inline std::vector<std::size_t> household_rows(const Results& results, std::string_view id) {
  std::vector<std::size_t> rows = view_household(results, id).child_rows;
  if (rows.empty()) {
    throw Error(Status::invalid_argument,
                "household " + detail::quote_for_error(id) + " has no child in the results",
                Location({}, 0, 0, std::string(id)));
  }
  return rows;
}

// The persons who are members of a household (none for kNoVertex), in vertex order.
inline std::vector<VertexIndex> household_members(const Results& results, VertexIndex household) {
  if (household == kNoVertex) return {};
  return view_household(results, household).members;
}

// Local closure days on the calendar the timeline counts.
inline std::size_t closure_count(const Results& results) {
  return results.calendar().closures().size();
}

// The name of the attribute whose value was unknown ("child_age").
inline std::string_view missing_attribute(const NotAssessable& missing) {
  return expr::attr_info(missing.missing).name;
}

}  // namespace safeguard::render_detail
