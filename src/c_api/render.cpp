// The C API: rendering (sg_render_*), a thin layer over safeguard/render.hpp.
#include "safeguard/render.hpp"

#include "c_api/shim.hpp"

using namespace safeguard;
using namespace safeguard::capi;

namespace {

RenderOptions options_of(const sg_render_options* options) {
  require(options, "options");
  check_version(options->version, SG_RENDER_OPTIONS_VERSION, "sg_render_options");
  RenderOptions out;
  out.viewer =
      cleared_viewer(options->viewer_cleared, options->viewer_cleared_count, "viewer_cleared");
  out.case_label = optional_text(options->case_label, "case_label");
  out.pack_source = optional_text(options->pack_source, "pack_source");
  out.as_of_from_evidence = options->as_of_from_evidence != 0;
  optional_text(options->household, "household");  // read by sg_render_report; checked by all
  if (options->audience == SG_AUDIENCE_PROFESSIONAL) {
    out.audience = Audience::professional;
  } else if (options->audience == SG_AUDIENCE_FAMILY) {
    out.audience = Audience::family;
  } else {
    bad_argument("audience is not SG_AUDIENCE_PROFESSIONAL or SG_AUDIENCE_FAMILY");
  }
  if (options->ecomap_svg_count > 0) require(options->ecomap_svg, "ecomap_svg");
  if (options->ecomap_svg_count > 1'000'000) bad_argument("ecomap_svg has too many items");
  for (std::size_t i = 0; i < options->ecomap_svg_count; ++i)
    out.ecomap_svg.push_back(optional_text(options->ecomap_svg[i], "ecomap_svg"));
  if (options->ecomap_note) out.ecomap_note = text(options->ecomap_note, "ecomap_note");
  if (options->layout) out.layout = text(options->layout, "layout");
  out.all_evidence = options->all_evidence != 0;
  out.overdue_only = options->overdue_only != 0;
  out.terminal_colour = options->terminal_colour != 0;
  if (options->version >= 2) out.family_svg = optional_text(options->family_svg, "family_svg");
  return out;
}

std::vector<std::size_t> rows_of(const Results& results, const char* const* children,
                                 std::size_t count) {
  std::vector<std::size_t> rows;
  for (const std::string& id : text_list(children, count, "children")) {
    const long row = results.find_child(id);
    if (row < 0)
      throw Error(Status::not_found, "no child has the id '" + id + "'", Location({}, 0, 0, id));
    rows.push_back(static_cast<std::size_t>(row));
  }
  return rows;
}

void hand_out(char** out, size_t* out_size, const std::string& rendered) {
  *out = copy_out(rendered);
  if (out_size) *out_size = rendered.size();
}

// The children a report is on: those given, then the household's not already given.
std::vector<std::size_t> report_rows(const Results& results, const char* const* children,
                                     std::size_t child_count, const sg_render_options* options) {
  std::vector<std::size_t> rows = rows_of(results, children, child_count);
  if (options->household) {
    for (const std::size_t row : household_rows(results, text(options->household, "household"))) {
      if (std::find(rows.begin(), rows.end(), row) == rows.end()) rows.push_back(row);
    }
  }
  return rows;
}

}  // namespace

int sg_render_report(char** out, size_t* out_size, const sg_result* result,
                     const char* const* children, size_t child_count,
                     const sg_render_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Results& results = results_of(result);
    const RenderOptions render = options_of(options);
    hand_out(out, out_size,
             render_report(results, report_rows(results, children, child_count, options), render));
  });
}

int sg_render_family(char** out, size_t* out_size, const sg_result* result,
                     const char* const* children, size_t child_count,
                     const sg_render_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Results& results = results_of(result);
    const RenderOptions render = options_of(options);
    hand_out(
        out, out_size,
        render_family_dot(results, report_rows(results, children, child_count, options), render));
  });
}

int sg_render_ecomap(char** out, size_t* out_size, const sg_result* result, size_t row,
                     const sg_render_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Results& results = results_of(result);
    const RenderOptions render = options_of(options);
    check_row(results, row);
    hand_out(out, out_size, render_ecomap_dot(results, row, render));
  });
}

int sg_render_timeline(char** out, size_t* out_size, const sg_result* result,
                       const char* const* children, size_t child_count,
                       const sg_render_options* options) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Results& results = results_of(result);
    const RenderOptions render = options_of(options);
    hand_out(out, out_size,
             render_timeline_text(results, rows_of(results, children, child_count), render));
  });
}
