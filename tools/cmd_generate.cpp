// safeguard generate: a synthetic, fictional caseload written as a case file, deterministic by
// seed. The caseload comes from the library's generator (safeguard/generate.hpp), the same one
// the benchmarks in bench/ use.
#include <cstdio>
#include <iostream>
#include <memory>
#include <variant>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "safeguard/audit.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct GenerateOptions {
  std::size_t children = 1000;
  std::uint64_t seed = 1;
  std::string as_of = "2026-11-01";
  std::string output = "-";
  bool no_progress = false;
  // Planted truth for the audit (docs/audit.md): files written beside the case file.
  std::string outcomes;
  std::string groups;
  std::string rules = "default";
  PlantedOptions planted;
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
      ->check(whole_number<std::size_t>())
      ->type_name("N")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
      ->capture_default_str();
  command->add_option("-s,--seed", options->seed, "Seed: the same seed gives the same file")
      ->check(whole_number<std::uint64_t>())
      ->type_name("SEED")
      ->capture_default_str();
  command
      ->add_option("--as-of", options->as_of,
                   "Evidence is dated in the three years up to this date (a fixed default, never "
                   "the clock); assess the caseload as of it")
      ->check(iso_date())
      ->type_name("YYYY-MM-DD")
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_flag("--no-progress", options->no_progress,
                    "Never draw a progress bar (drawn on standard error only when it is a "
                    "terminal and the caseload is large)");
  command
      ->add_option("--outcomes", options->outcomes,
                   "Also write planted outcomes (CSV child_id,outcome) drawn from the model "
                   "below, for testing the audit")
      ->type_name("FILE");
  command
      ->add_option("--groups", options->groups,
                   "Also write planted group attributes (CSV child_id,planted_group,"
                   "control_group); never put in the case file")
      ->type_name("FILE");
  command
      ->add_option("--rules", options->rules,
                   "The pack whose total score the planted outcomes follow")
      ->type_name("PACK")
      ->capture_default_str();
  command->add_option("--planted-intercept", options->planted.intercept, "Model intercept a")
      ->check(decimal_number())
      ->capture_default_str();
  command->add_option("--planted-slope", options->planted.slope, "Model slope b per point")
      ->check(decimal_number())
      ->capture_default_str();
  command
      ->add_option("--planted-disparity", options->planted.disparity,
                   "Log-odds added to the outcome of planted_group B (0: none)")
      ->check(decimal_number())
      ->capture_default_str();
  command->footer(
      "Planted truth (with --outcomes or --groups): each child's planted_group is A (50%), B "
      "(30%) or C (20%) and control_group X or Y (50% each), drawn by seed and child id; its "
      "outcome ~ Bernoulli(logistic(a + b * total score + disparity * [group B])), the total "
      "as assessed with --rules as of --as-of. The outcomes file states the model on its "
      "'# horizon:' line.\n"
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
            write_output(options->output, [&](std::ostream& out) { save_case(graph, out); });
            if (!options->outcomes.empty() || !options->groups.empty()) {
              const LoadedPack pack = load_pack(options->rules);
              const Results results =
                  assess(pack.rules, take_snapshot(graph), AssessOptions(caseload.as_of, 1));
              PlantedOptions planted = options->planted;
              planted.seed = options->seed;
              char model[160];
              std::snprintf(model, sizeof model,
                            "planted: logistic(%g + %g * total score + %g * [planted_group B]), "
                            "%s as of %s",
                            planted.intercept, planted.slope, planted.disparity,
                            pack.rules->id().c_str(), options->as_of.c_str());
              planted.horizon = model;
              const PlantedTruth truth = plant_outcomes(results, planted);
              if (!options->outcomes.empty())
                write_output(options->outcomes, outcomes_csv(truth.outcomes));
              if (!options->groups.empty()) write_output(options->groups, groups_csv(truth.groups));
            }
            if (options->output != "-")
              std::cerr << "safeguard: wrote " << options->children << " children to "
                        << options->output << "\n";
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
