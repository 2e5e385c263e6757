// safeguard joined: what each agency's records give every child on their own beside the joined
// picture, ranked by what joining adds (docs/joining-up.md), as a table for people or JSON/CSV
// for programs; scoped to the viewer like every other output.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "safeguard/joining.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct JoinedOptions {
  ScoringOptions scoring;
  std::string format = "table";
  std::string output = "-";
  std::size_t top = 0;
  std::size_t exact = 12;
  bool no_progress = false;
};

}  // namespace

Command add_joined(CLI::App& parent) {
  auto options = std::make_shared<JoinedOptions>();
  CLI::App* command = parent.add_subcommand(
      "joined",
      "What each agency sees alone against the joined picture: children ranked by what joining "
      "adds, the smallest sets of agencies that reach the joined level, the rules joining fired");
  add_case_option(*command, options->scoring);
  add_rules_option(*command, options->scoring);
  add_as_of_option(*command, options->scoring);
  add_viewer_option(*command, options->scoring);
  add_threads_option(*command, options->scoring);
  command
      ->add_option("-f,--format", options->format,
                   "table (for people), json (every child on the list with each agency's lines) "
                   "or csv (one row per child and agency; numbers to 6 decimals)")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  command->add_option("--top", options->top, "Show only the first N children (0: all)")
      ->check(whole_number<std::size_t>())
      ->type_name("N")
      ->capture_default_str();
  command
      ->add_option("--exact-up-to", options->exact,
                   "Search every subset for children with at most this many agencies; above it a "
                   "greedy search finds one minimal set, not proven smallest (at most 20)")
      ->check(whole_number<std::size_t>())
      ->type_name("N")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_flag("--no-progress", options->no_progress,
                    "Never draw a progress bar (drawn on standard error only when it is a terminal "
                    "and the caseload is large)");
  command->footer(
      "Each agency's score is what the pack gives the child on that agency's records alone (the "
      "concerns it raised, the factors it provides); restricted evidence the viewer is not "
      "cleared for is pooled as \"restricted source\", whatever agency holds it.\n"
      "Example: safeguard joined examples/data/families.json --as-of 2026-11-01 --viewer '*'");
  return {command, [options] {
            const bool progress = !options->no_progress;
            const auto session = open_session(options->scoring, progress);
            if (session->results.contextual_included()) {
              throw Failure(kExitRulePack,
                            session->pack.origin +
                                ": joined needs a pack whose propagated risk is kept apart from "
                                "the level (contextual = \"apart\"): under \"included\" a "
                                "propagated point belongs to the network, not to one agency");
            }
            const Joining joining = join(session->results, session->viewer,
                                         JoinOptions{options->scoring.threads, options->exact});
            std::string text;
            if (options->format == "json") {
              text = render_joining(joining, JoinFormat::json, options->top);
            } else if (options->format == "csv") {
              if (session->as_of.from_evidence)
                std::cerr << "safeguard: " << session->as_of.describe() << "\n";
              text = render_joining(joining, JoinFormat::csv, options->top);
            } else {
              const RuleSet& pack = *session->pack.rules;
              text = session->case_path + ", " + session->as_of.describe() + "\nrule pack " +
                     pack.id() + " " + pack.version() + ", viewer " +
                     describe_viewer(session->viewer) + "\n" +
                     render_joining(joining, JoinFormat::text, options->top);
            }
            write_output(options->output, text);
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
