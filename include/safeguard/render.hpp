// Renderings of results for people: the conference report for a sibling group (HTML), its
// plain-language family version (HTML), a child's ecomap (Graphviz DOT) and the statutory
// timeline (text). The C API (sg_render_*), Python (Result.report, Result.ecomap,
// Result.timeline_text) and the safeguard program all call these, so the same inputs give the
// same bytes whichever way they are asked for.
//
// Every renderer reads the results through the view layer (explain.hpp) for the viewer in the
// options, and nothing else about the evidence: restricted evidence the viewer is not cleared
// for appears only as "restricted source" with its points (the family version never mentions
// it). Results outlive the graph they came from, and so do renderings: none reads the live
// graph.
//
// SVG: the library writes DOT and does not run Graphviz itself. Drawing needs the `dot` program,
// and a library embedded in a host (a case management system, a web service) must not start
// processes behind its host's back (fork in a threaded server, PATH, sandboxes). The safeguard
// program and Python's Result.ecomap(format="svg") run `dot`; a report takes the drawn SVG of
// each child's ecomap in RenderOptions::ecomap_svg.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/detail/export.hpp"
#include "safeguard/explain.hpp"

namespace safeguard {

// Who a report is written for: the professionals at the conference, or the family (parents and
// children over ten: plain language, no scores, rule ids or hashes, restricted evidence never
// mentioned).
enum class Audience : std::uint8_t { professional, family };

struct RenderOptions {
  Viewer viewer;  // default: cleared for nothing
  // Where the results came from, for the provenance (and the timeline's heading); empty: not
  // said. Never read from the clock or the file system.
  std::string case_label;   // "examples/data/families.json"
  std::string pack_source;  // "bundled rules/default.toml"
  // True when the as-of date is the case's latest evidence date rather than one chosen; said
  // beside the date.
  bool as_of_from_evidence = false;

  // Reports.
  Audience audience = Audience::professional;
  // The drawn ecomap (SVG, as Graphviz writes it) of each child of the report, in the order the
  // children are given; an empty string or a missing entry: that child's ecomap is left out
  // with `ecomap_note` said instead.
  std::vector<std::string> ecomap_svg;
  std::string ecomap_note = "Ecomap not included.";
  // The drawn family composition (SVG of render_family_dot, as Graphviz writes it), shown under
  // the composition table (the family version: under "Who is in the family", for the family to
  // check); empty: left out.
  std::string family_svg;

  // Ecomaps.
  // Graphviz engine written into the DOT: dot (columns from the agencies on the left to the child
  // on the right; prints on A4 at its own size, type 9 pt or more), twopi (the child at the
  // centre, rings around them), fdp, neato, circo.
  std::string layout = "dot";
  // Also draw concerns in the child's circle that add nothing for this child (concerns about
  // the child always appear).
  bool all_evidence = false;

  // Timelines.
  bool overdue_only = false;
  bool terminal_colour = false;  // overdue rows in bold red (ANSI escapes), for a terminal
};

// The conference report (or, for Audience::family, the family version) of the children at
// `rows`, one section each, as a self-contained HTML page that fetches nothing and prints on
// A4. Throws Error(out_of_range) for a row past the end, Error(invalid_argument) for no rows,
// a row given twice or an unknown layout.
SAFEGUARD_EXPORT std::string render_report(const Results& results,
                                           const std::vector<std::size_t>& rows,
                                           const RenderOptions& options = {});

// The rows of the children of household `id`, in row order (Error(not_found) when no household
// has that id).
SAFEGUARD_EXPORT std::vector<std::size_t> household_rows(const Results& results,
                                                         std::string_view id);

// The ecomap of the child at `row` as a Graphviz DOT document (written with Boost.Graph's
// write_graphviz): the child, the people, agencies, concerns and factors around them, coloured
// and sized by their points, laid out by `options.layout`. Node names are the ecomap's own numbers,
// never case ids, since Graphviz copies them into SVG.
SAFEGUARD_EXPORT std::string render_ecomap_dot(const Results& results, std::size_t row,
                                               const RenderOptions& options = {});

// The family's composition for the report on the children at `rows` as Graphviz DOT: the
// people of the composition table (households boxed; only declared relations and households
// put someone in it, so no one known only through evidence) labelled with display names and
// ages where the case gives names, joined by who looks after whom, brothers and sisters and
// partners. Node names are numbers, never case ids. Throws as render_report does for bad rows.
SAFEGUARD_EXPORT std::string render_family_dot(const Results& results,
                                               const std::vector<std::size_t>& rows,
                                               const RenderOptions& options = {});

// The statutory timeline of the children at `rows` as a text table (empty `rows`: every child
// with process events), with the process, the calendar, the overdue count and the gaps in the
// record. Process events carry no restriction, so it reads the same for every viewer.
SAFEGUARD_EXPORT std::string render_timeline_text(const Results& results,
                                                  const std::vector<std::size_t>& rows,
                                                  const RenderOptions& options = {});

// "uncleared (restricted evidence shows as "restricted source")", "cleared for everything" or
// "cleared for AG-POL-01, police".
SAFEGUARD_EXPORT std::string describe_viewer(const Viewer& viewer);

}  // namespace safeguard
