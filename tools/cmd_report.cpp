// safeguard report: the conference report for a sibling group (a household or a list of
// children), or its family version, as a self-contained HTML page. The library renders it
// (safeguard/render.hpp); this command picks the children and draws the ecomaps with Graphviz.
#include <algorithm>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "ecomap.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct ReportOptions {
  ScoringOptions scoring;
  std::vector<std::string> children;
  std::string household;
  std::string audience = "professional";
  std::string output = "-";
  bool no_ecomap = false;
};

}  // namespace

Command add_report(CLI::App& parent) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* command = parent.add_subcommand(
      "report",
      "Write the conference report for a sibling group (or its family version): a "
      "self-contained HTML page that prints on A4");
  add_case_option(*command, options->scoring);
  command
      ->add_option("-c,--child", options->children,
                   "Child id (repeat for a sibling group). May be left out when the case file "
                   "has one child or --household is given")
      ->type_name("ID")
      ->allow_extra_args(false);
  command
      ->add_option("--household", options->household,
                   "Household id: a section for each of its children (after any --child)")
      ->type_name("ID");
  command
      ->add_option("--for", options->audience,
                   "professional (the conference report) or family (plain words for parents "
                   "and children over ten: no scores, rule ids or hashes)")
      ->check(CLI::IsMember({"professional", "family"}))
      ->capture_default_str();
  add_rules_option(*command, options->scoring);
  add_as_of_option(*command, options->scoring);
  add_viewer_option(*command, options->scoring);
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_flag("--no-ecomap", options->no_ecomap,
                    "Leave the ecomaps out (they are drawn with Graphviz `dot` when installed, "
                    "and left out with a note when not)");
  command->footer(
      "The conference report has the family's composition, then a section per child: the level "
      "with the index that set it and why, the scores by index, policy and discretionary "
      "overrides, the evidence under the Signs of Safety headings (harm, danger, complicating "
      "factors, existing safety, strengths), what each agency sees alone, the statutory "
      "timeline and the ecomap; an appendix holds the working (rule ids, decay, reach) and the "
      "provenance (pack id, version and SHA-256, as-of date, viewer) closes it. The family "
      "version says what the workers are worried about, what is going well and what needs to "
      "happen, with space for the family's views. Neither fetches anything from the network.\n"
      "Example: safeguard report examples/data/families.json --household HH-ASH -o report.html\n"
      "Restricted evidence the viewer is not cleared for appears only as \"restricted source\" "
      "with its points (the family version never mentions it).");
  return {command, [options] {
            const auto session = open_session(options->scoring, false);
            const Results& results = session->results;
            std::vector<std::size_t> rows;
            for (const std::string& id : options->children)
              rows.push_back(require_child(results, id));
            if (!options->household.empty()) {
              std::vector<std::size_t> household;
              try {
                household = household_rows(results, options->household);
              } catch (const Error& error) {
                throw Failure(error.status() == Status::not_found ? kExitChildNotFound : kExitUsage,
                              error.what());
              }
              for (const std::size_t row : household) {
                if (std::find(rows.begin(), rows.end(), row) == rows.end()) rows.push_back(row);
              }
            }
            if (rows.empty()) rows.push_back(pick_child(results, ""));
            RenderOptions render = render_options(*session);
            render.audience =
                options->audience == "family" ? Audience::family : Audience::professional;
            if (options->no_ecomap) {
              render.ecomap_note = "Ecomap left out (--no-ecomap).";
            } else if (!graphviz_available()) {
              render.ecomap_note = "Ecomap left out: Graphviz `dot` is not installed.";
            } else {
              if (render.audience == Audience::professional) {
                for (const std::size_t row : rows)
                  render.ecomap_svg.push_back(
                      render_dot(render_ecomap_dot(results, row, render), "svg"));
              }
              // Both versions show the family drawn: the family version for them to check.
              render.family_svg = render_dot(render_family_dot(results, rows, render), "svg");
            }
            write_output(options->output, render_report(results, rows, render));
            if (options->output != "-") {
              std::string ids;
              for (const std::size_t row : rows)
                ids += (ids.empty() ? "" : ", ") + std::string(results.child_id(row));
              std::cerr << "safeguard: "
                        << (render.audience == Audience::family ? "family version"
                                                                : "conference report")
                        << " for " << ids << " " << session->as_of.describe() << " written to "
                        << options->output << " (open it in a browser; it prints on A4)\n";
            }
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
