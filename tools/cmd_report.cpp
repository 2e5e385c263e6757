// safeguard report: one child's conference summary as a self-contained HTML page.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "ecomap.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "report.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct ReportOptions {
  ScoringOptions scoring;
  std::string child;
  std::string output = "-";
  bool no_ecomap = false;
};

}  // namespace

Command add_report(CLI::App& parent) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* command = parent.add_subcommand(
      "report",
      "Write one child's conference report: a self-contained HTML page that prints on A4");
  add_case_option(*command, options->scoring);
  command
      ->add_option("-c,--child", options->child,
                   "Child id. May be left out when the case file has one child")
      ->type_name("ID");
  add_rules_option(*command, options->scoring);
  add_as_of_option(*command, options->scoring);
  add_viewer_option(*command, options->scoring);
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_flag("--no-ecomap", options->no_ecomap,
                    "Leave the ecomap out (it is drawn with Graphviz `dot` when installed, and "
                    "left out with a note when not)");
  command->footer(
      "The page holds the level and the per-index scores as bars; the evidence under the Signs "
      "of Safety headings (harm, danger, complicating factors, existing safety, strengths) with "
      "each item's points; policy and discretionary overrides with their reasons; the statutory "
      "timeline with overdue steps highlighted (when the case records process events); the "
      "ecomap inline; and the provenance (pack id, version and SHA-256, as-of date, viewer). "
      "It fetches nothing from the network.\n"
      "Example: safeguard report examples/data/families.json --child P-ASH-C1 -o report.html\n"
      "Restricted evidence the viewer is not cleared for appears only as \"restricted source\" "
      "with its points, in the tables and in the ecomap.");
  return {command, [options] {
            const auto session = open_session(options->scoring, false);
            const std::size_t row = pick_child(session->results, options->child);
            std::string svg;
            std::string note;
            if (options->no_ecomap) {
              note = "Ecomap left out (--no-ecomap).";
            } else if (!graphviz_available()) {
              note = "Ecomap left out: Graphviz `dot` is not installed.";
            } else {
              svg = render_dot(ecomap_dot(*session, row), "svg");
            }
            write_output(options->output, report_html(*session, row, svg, note));
            if (options->output != "-")
              std::cerr << "safeguard: conference report for " << session->results.child_id(row)
                        << " " << session->as_of.describe() << " written to " << options->output
                        << " (open it in a browser; it prints on A4)\n";
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
