// safeguard ecomap: one child's ecomap as Graphviz DOT, or as SVG or PNG through Graphviz.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "ecomap.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct EcomapOptions {
  ScoringOptions scoring;
  std::string child;
  std::string format;
  std::string output = "-";
  RenderOptions settings;
};

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// --format when given, else the output file's extension, else DOT.
std::string choose_format(const EcomapOptions& options) {
  if (!options.format.empty()) return options.format;
  if (ends_with(options.output, ".svg")) return "svg";
  if (ends_with(options.output, ".png")) return "png";
  return "dot";
}

}  // namespace

Command add_ecomap(CLI::App& parent) {
  auto options = std::make_shared<EcomapOptions>();
  CLI::App* command = parent.add_subcommand(
      "ecomap",
      "Draw one child's ecomap (DOT, SVG or PNG), coloured and sized by each item's points");
  add_case_option(*command, options->scoring);
  command
      ->add_option("-c,--child", options->child,
                   "Child id. May be left out when the case file has one child")
      ->type_name("ID");
  add_rules_option(*command, options->scoring);
  add_as_of_option(*command, options->scoring);
  add_viewer_option(*command, options->scoring);
  command
      ->add_option("-f,--format", options->format,
                   "dot (Graphviz source, written through Boost.Graph), svg or png (both need "
                   "Graphviz's `dot`). Default: from the --output extension, else dot")
      ->check(CLI::IsMember({"dot", "svg", "png"}));
  command
      ->add_option("-o,--output", options->output,
                   "Write here instead of standard output (.dot, .svg or .png)")
      ->type_name("FILE");
  command
      ->add_option("--layout", options->settings.layout,
                   "Graphviz layout engine written into the DOT: dot lays the picture out in "
                   "columns (agencies, their concerns, the people, the child) and prints on A4 "
                   "at 9 pt or more; twopi puts the child at the centre with rings around them; "
                   "fdp boxes the household")
      ->check(CLI::IsMember({"fdp", "neato", "dot", "twopi", "circo"}))
      ->capture_default_str();
  command->add_flag("--all-evidence", options->settings.all_evidence,
                    "Also draw concerns in the child's circle that add no points for this child "
                    "(concerns about the child always appear)");
  command->footer(
      "The child, the people around them, the agencies involved, the concerns and protective "
      "factors are drawn with arrows from each agency to the concern it raised and on to the "
      "person it is about, each node and edge coloured (red: adds "
      "risk, blue: reduces it, grey: no points) and sized by its points, with a legend giving "
      "the date, the pack and the viewer.\n"
      "Example: safeguard ecomap examples/data/families.json --child P-ASH-C1 -o ecomap.svg\n"
      "Restricted evidence the viewer is not cleared for appears only as \"restricted source\" "
      "with its points, linked to the child alone.");
  return {command, [options] {
            const std::string format = choose_format(*options);
            if (format == "png" && options->output == "-" && stdout_is_terminal())
              throw Failure(kExitUsage, "refusing to write PNG to a terminal; use --output FILE");
            const auto session = open_session(options->scoring, false);
            const std::size_t row = pick_child(session->results, options->child);
            RenderOptions render = render_options(*session);
            render.layout = options->settings.layout;
            render.all_evidence = options->settings.all_evidence;
            const std::string dot = render_ecomap_dot(session->results, row, render);
            write_output(options->output, format == "dot" ? dot : render_dot(dot, format));
            if (options->output != "-")
              std::cerr << "safeguard: ecomap of " << session->results.child_id(row) << " "
                        << session->as_of.describe() << " written to " << options->output << "\n";
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
