// Conference reports: one child's assessment as a self-contained HTML page — level, scores as
// bars, evidence under the Signs of Safety headings, overrides, the ecomap inline and the
// provenance — that fetches nothing from the network and prints on A4.
#pragma once

#include <string>

#include "session.hpp"

namespace safeguard::cli {

// `ecomap_svg` is the child's ecomap as SVG, or empty with `ecomap_note` saying why there is
// none. Every piece of case or pack text is HTML-escaped; restricted evidence the session's
// viewer is not cleared for appears only as "restricted source" with its points.
std::string report_html(const Session& session, std::size_t row, const std::string& ecomap_svg,
                        const std::string& ecomap_note);

}  // namespace safeguard::cli
