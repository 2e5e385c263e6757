// safeguard training: a multi-agency training pack (docs/joining-up.md, "Training packs") written
// as HTML pages into a directory: per scenario one packet per agency and a reveal page.
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "ecomap.hpp"
#include "exit_codes.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "safeguard/training.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct TrainingCommandOptions {
  std::string rules = "default";
  std::string directory;
  std::string as_of = "2026-11-01";
  std::uint64_t seed = 1;
  std::size_t difficulty = 3;
  std::size_t scenarios = 3;
};

}  // namespace

Command add_training(CLI::App& parent) {
  auto options = std::make_shared<TrainingCommandOptions>();
  CLI::App* command = parent.add_subcommand(
      "training",
      "Write a multi-agency training pack: fictional scenarios with one HTML packet per agency "
      "(only its fragment and what it would conclude alone) and a reveal page");
  command->add_option("-o,--output", options->directory, "Directory to write the pages into")
      ->required()
      ->type_name("DIR");
  command->add_option("--rules", options->rules, "Rule pack: a TOML file or a bundled pack name")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "Generator seed: the same seed, the same pack")
      ->check(whole_number<std::uint64_t>())
      ->capture_default_str();
  command
      ->add_option("--difficulty", options->difficulty,
                   "How many agencies must be joined to see the child's level (2-6)")
      ->check(whole_number<std::size_t>())
      ->check(CLI::Range(2, 6))
      ->capture_default_str();
  command->add_option("--scenarios", options->scenarios, "Number of scenarios (1-20)")
      ->check(whole_number<std::size_t>())
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  command->add_option("--as-of", options->as_of, "The scenarios' date (YYYY-MM-DD)")
      ->check(iso_date())
      ->capture_default_str();
  command->footer(
      "Every person, agency and event is invented (the caseload generator). Example:\n"
      "  safeguard training -o pack --difficulty 3 --scenarios 2 --seed 7");
  return {command, [options] {
            const LoadedPack pack = load_pack(options->rules);
            TrainingOptions training;
            training.seed = options->seed;
            training.difficulty = options->difficulty;
            training.scenarios = options->scenarios;
            std::string error;
            if (!parse_iso_date(options->as_of, training.as_of, error))
              throw Failure(kExitUsage, "--as-of " + options->as_of + ": " + error);
            const TrainingScenarios scenarios = choose_training_scenarios(pack.rules, training);
            // Each reveal page gets the child's ecomap when Graphviz is installed.
            std::vector<std::string> figures;
            if (graphviz_available()) {
              RenderOptions render;
              render.viewer = Viewer::everyone();
              for (std::size_t row : scenarios.rows) {
                const std::string svg =
                    render_dot(render_ecomap_dot(scenarios.results, row, render), "svg");
                const std::size_t start = svg.find("<svg");
                figures.push_back(start == std::string::npos ? std::string() : svg.substr(start));
              }
            }
            const std::vector<TrainingPage> pages = training_pages(scenarios, figures);
            namespace fs = std::filesystem;
            for (const TrainingPage& p : pages) {
              const fs::path path = fs::path(options->directory) / p.path;
              std::error_code ec;
              fs::create_directories(path.parent_path(), ec);
              if (ec) throw Failure(kExitIo, path.parent_path().string() + ": " + ec.message());
              write_output(path.string(), p.html);
            }
            std::cout << pages.size() << " pages written to " << options->directory
                      << " (open index.html)\n";
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
