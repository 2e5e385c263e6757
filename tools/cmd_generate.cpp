// safeguard generate: a synthetic, fictional caseload written as a case file, deterministic by
// seed. The caseload comes from the library's generator (safeguard/generate.hpp), the same one
// the benchmarks in bench/ use.
#include <iostream>
#include <memory>
#include <variant>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"

namespace safeguard::cli {
namespace {

struct GenerateOptions {
  std::size_t children = 1000;
  std::uint64_t seed = 1;
  std::string as_of = "2026-11-01";
  std::string output = "-";
  bool no_progress = false;
};

std::size_t children_in(const Batch& batch) {
  std::size_t children = 0;
  for (const Edit& item : batch.items) {
    if (const auto* person = std::get_if<PersonSpec>(&item))
      children += person->kind == PersonKind::child ? 1 : 0;
  }
  return children;
}

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
                   "Evidence is dated in the three years up to this date (a fixed default, never "
                   "the clock); assess the caseload as of it")
      ->type_name("YYYY-MM-DD")
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_flag("--no-progress", options->no_progress,
                    "Never draw a progress bar (drawn on standard error only when it is a "
                    "terminal and the caseload is large)");
  command->footer(
      "Households of 1-6 children and 1-3 adults; about 30 agencies of nine types; about 3 "
      "concerns per child (skewed: most households have few, a small share many), some "
      "restricted; about one protective factor per child; parent, carer, partner, sibling and "
      "peer relations; places older children frequent; child protection process events for "
      "some households and a discretionary override for about one child in a hundred. The "
      "library's generator (safeguard/generate.hpp), shared with bench/. Every id, date and "
      "detail is invented.\n"
      "Example: safeguard generate --children 10000 --seed 7 -o caseload.json");
  return {command, [options] {
            CaseloadOptions caseload;
            caseload.children = options->children;
            caseload.seed = options->seed;
            // Small batches give the progress bar something to show; the caseload is the same
            // for any batch size.
            caseload.children_per_batch = 1000;
            std::string error;
            if (!parse_iso_date(options->as_of, caseload.as_of, error))
              throw Failure(kExitUsage, "--as-of: " + error);
            CaseGraph graph;
            {
              Progress bar("generate", options->children, !options->no_progress);
              std::size_t done = 0;
              generate_caseload(caseload, [&](Batch&& batch) {
                done += children_in(batch);
                graph.apply(batch);
                bar.update(done);
              });
            }
            write_output(options->output, save_case(graph));
            if (options->output != "-")
              std::cerr << "safeguard: wrote " << options->children << " children to "
                        << options->output << "\n";
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
