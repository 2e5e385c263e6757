// safeguard generate: a synthetic, fictional caseload written as a case file, deterministic by
// seed (tools/generate.hpp).
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "generate.hpp"

namespace safeguard::cli {
namespace {

struct GenerateOptions {
  std::size_t children = 1000;
  std::uint64_t seed = 1;
  std::string as_of = "2026-11-01";
  std::size_t agencies = 30;
  std::string output = "-";
  bool no_progress = false;
};

}  // namespace

Command add_generate(CLI::App& parent) {
  auto options = std::make_shared<GenerateOptions>();
  CLI::App* command = parent.add_subcommand(
      "generate", "Write a synthetic, fictional caseload as a case file, deterministic by seed");
  command->add_option("-n,--children", options->children, "Number of children")
      ->type_name("N")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
      ->capture_default_str();
  command->add_option("-s,--seed", options->seed, "Seed: the same seed gives the same file")
      ->type_name("SEED")
      ->capture_default_str();
  command
      ->add_option("--as-of", options->as_of,
                   "Dates fall in the two years before this date (a fixed default, never the "
                   "clock)")
      ->type_name("YYYY-MM-DD")
      ->capture_default_str();
  command->add_option("--agencies", options->agencies, "Number of agencies")
      ->type_name("N")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_flag("--no-progress", options->no_progress,
                    "Never draw a progress bar (drawn on standard error only when it is a "
                    "terminal and the caseload is large)");
  command->footer(
      "Households of 1-6 children and 1-3 adults; agencies of the usual types; about 3 concerns "
      "per child (skewed: most have few, some many), some restricted; about one protective "
      "factor per child; parent, carer, partner, sibling and peer relations; places older "
      "children frequent. Every id, date and detail is invented.\n"
      "Example: safeguard generate --children 10000 --seed 7 -o caseload.json");
  return {command, [options] {
            synth::CaseloadOptions caseload;
            caseload.children = options->children;
            caseload.seed = options->seed;
            caseload.agencies = options->agencies;
            std::string error;
            if (!parse_iso_date(options->as_of, caseload.as_of, error))
              throw Failure(kExitUsage, "--as-of: " + error);
            CaseGraph graph;
            {
              Progress bar("generate", options->children, !options->no_progress);
              synth::generate_caseload(caseload, graph,
                                       [&](std::size_t done) { bar.update(done); });
            }
            write_output(options->output, save_case(graph));
            if (options->output != "-")
              std::cerr << "safeguard: wrote " << options->children << " children to "
                        << options->output << "\n";
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
