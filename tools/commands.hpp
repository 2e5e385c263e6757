// The subcommands of the safeguard program. Each add_* registers its options on `parent` and
// returns the function that runs it once the command line has been parsed; that function
// returns an exit code or throws Failure.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace safeguard::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_assess(CLI::App& parent);
Command add_explain(CLI::App& parent);
Command add_timeline(CLI::App& parent);
Command add_lint(CLI::App& parent);
Command add_ecomap(CLI::App& parent);
Command add_report(CLI::App& parent);
Command add_generate(CLI::App& parent);
Command add_store(CLI::App& parent);
Command add_import_cin(CLI::App& parent);
Command add_export_cin(CLI::App& parent);
Command add_cin_measures(CLI::App& parent);
Command add_joined(CLI::App& parent);
Command add_training(CLI::App& parent);
Command add_audit(CLI::App& parent);
Command add_what_if(CLI::App& parent);
Command add_refit(CLI::App& parent);

}  // namespace safeguard::cli
