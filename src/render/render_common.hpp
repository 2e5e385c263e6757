// Argument checks and the RenderOptions sentences the renderers share.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/render.hpp"

namespace safeguard::render_detail {

// Error(out_of_range) naming the row and the number of children.
void check_row(const Results& results, std::size_t row);
// Error(invalid_argument) unless rows is non-empty, in range and has no row twice.
void check_rows(const Results& results, const std::vector<std::size_t>& rows);
// Error(invalid_argument) unless layout is a Graphviz engine the ecomap supports.
void check_layout(const std::string& layout);

// "1 November 2026": easier to read aloud than an ISO date.
std::string long_date(Day day);

// "2026-11-01" or "2026-11-01 (the latest evidence date in the case file)".
std::string as_of_text(const Results& results, const RenderOptions& options);

}  // namespace safeguard::render_detail
