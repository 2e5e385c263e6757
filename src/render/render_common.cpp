// See render_common.hpp.
#include "render/render_common.hpp"

#include <set>

#include "safeguard/day.hpp"
#include "safeguard/error.hpp"

namespace safeguard {

std::string describe_viewer(const Viewer& viewer) {
  if (viewer.cleared_all) return "cleared for everything";
  if (viewer.cleared.empty())
    return "uncleared (restricted evidence shows as \"restricted source\")";
  std::string text = "cleared for ";
  for (std::size_t i = 0; i < viewer.cleared.size(); ++i) {
    if (i != 0) text += ", ";
    text += viewer.cleared[i];
  }
  return text;
}

namespace render_detail {

std::string long_date(Day day) {
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  const boost::gregorian::date date = to_date(day);
  return std::to_string(date.day().as_number()) + " " + kMonths[date.month().as_number() - 1] +
         " " + std::to_string(static_cast<int>(date.year()));
}

void check_row(const Results& results, std::size_t row) {
  if (row >= results.child_count()) {
    throw Error(Status::out_of_range, "row " + std::to_string(row) + " is past the last child (" +
                                          std::to_string(results.child_count()) + " children)");
  }
}

void check_rows(const Results& results, const std::vector<std::size_t>& rows) {
  if (rows.empty()) throw Error(Status::invalid_argument, "no child to render");
  std::set<std::size_t> seen;
  for (const std::size_t row : rows) {
    check_row(results, row);
    if (!seen.insert(row).second) {
      throw Error(Status::invalid_argument,
                  "child " + std::string(results.child_id(row)) + " is given twice",
                  Location({}, 0, 0, std::string(results.child_id(row))));
    }
  }
}

void check_layout(const std::string& layout) {
  for (const char* known : {"fdp", "neato", "dot", "twopi", "circo"}) {
    if (layout == known) return;
  }
  throw Error(Status::invalid_argument, "layout " + detail::quote_for_error(layout) +
                                            " is not one of fdp, neato, dot, twopi or circo");
}

std::string as_of_text(const Results& results, const RenderOptions& options) {
  return format_iso_date(results.as_of()) +
         (options.as_of_from_evidence ? " (the latest evidence date in the case file)" : "");
}

}  // namespace render_detail
}  // namespace safeguard
