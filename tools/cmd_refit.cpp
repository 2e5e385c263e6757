// safeguard refit: proposed rule weights fitted to the host's outcomes (docs/audit.md,
// "Refitting"), written as a new pack version beside a diff and a lint run. A proposal for
// review: the command writes a new file and never replaces the pack it read.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "safeguard/audit.hpp"
#include "safeguard/day.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct RefitCommandOptions {
  ScoringOptions scoring;
  std::string outcomes;
  std::string pack_output;  // --write: the new pack version
  std::string format = "text";
  std::string output = "-";
  std::uint64_t seed = 1;
  std::size_t folds = 5;
  std::size_t min_firing = 20;
  bool no_progress = false;
};

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure(kExitIo, path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Failure(kExitIo, path + ": read failed");
  return text.str();
}

std::string shown(double value) { return std::isfinite(value) ? fixed(value, 3) : "-"; }

std::string text_report(const RefitReport& report) {
  std::ostringstream out;
  out << "refit: pack " << report.pack_id << " " << report.pack_version << " -> "
      << report.new_version << ", as of " << format_iso_date(report.as_of) << ", viewer "
      << report.viewer << "\n";
  out << "  " << report.with_outcome << " children with an outcome, " << report.positives
      << " with outcome 1; " << report.folds << "-fold cross-validation by household, seed "
      << report.seed << "\n";
  if (report.withheld_children > 0)
    out << "  " << report.withheld_children
        << " children with an outcome left out: their results draw on evidence withheld from "
           "this reader\n";
  out << "  log-odds per point of the total score: " << shown(report.scale) << "\n";
  out << "  cross-validated AUC: original " << shown(report.auc_original) << ", refit "
      << shown(report.auc_refit) << " (penalty " << report.penalty << ")\n";
  out << "  penalties tried:";
  for (const RefitPenalty& p : report.grid)
    out << " " << p.penalty << " (AUC " << shown(p.auc) << ")";
  out << "\n\nrule                                      fired 1/0    coef   multiplier\n";
  for (const RefitRule& rule : report.rules) {
    std::string id = rule.id;
    if (id.size() < 40) id += std::string(40 - id.size(), ' ');
    out << id << "  " << rule.fired_positive << "/" << rule.fired_negative << "  "
        << (rule.estimable ? shown(rule.coefficient) : std::string("-")) << "  "
        << (rule.estimable ? shown(rule.multiplier) : std::string("-"));
    if (!rule.note.empty()) out << "  " << rule.note;
    out << "\n";
  }
  for (const AuditWarning& w : report.warnings) out << "warning: " << w.message << "\n";
  return out.str();
}

}  // namespace

Command add_refit(CLI::App& parent) {
  auto options = std::make_shared<RefitCommandOptions>();
  CLI::App* command = parent.add_subcommand(
      "refit",
      "Propose rule weights fitted to host outcomes, written as a new pack version for review");
  add_case_option(*command, options->scoring);
  add_rules_option(*command, options->scoring);
  add_as_of_option(*command, options->scoring);
  add_threads_option(*command, options->scoring);
  add_viewer_option(*command, options->scoring);
  command->add_option("--outcomes", options->outcomes, "CSV 'child_id,outcome' (0/1)")
      ->type_name("FILE")
      ->required();
  command
      ->add_option("--write", options->pack_output,
                   "Write the new pack version (TOML) here; never the pack that was read")
      ->type_name("FILE");
  command->add_option("--format", options->format, "text or json (the report)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write the report here")->type_name("FILE");
  command->add_option("--seed", options->seed, "Seed of the folds")
      ->check(whole_number<std::uint64_t>())
      ->capture_default_str();
  command->add_option("--folds", options->folds, "k of the k-fold cross-validation")
      ->check(whole_number<std::size_t>())
      ->check(CLI::Range(std::size_t{2}, std::size_t{50}))
      ->capture_default_str();
  command
      ->add_option("--min-firing", options->min_firing,
                   "A rule is estimable when this many children with each outcome get its points")
      ->check(whole_number<std::size_t>())
      ->capture_default_str();
  command->add_flag("--no-progress", options->no_progress, "Never draw a progress bar");
  command->footer(
      "The refit fits past outcomes, with whatever bias they hold; it is a proposal for review, "
      "never applied (docs/audit.md, \"Refitting\"). Unless --viewer clears the reader for "
      "every restricted concern, children whose results draw on withheld evidence are left out "
      "of the fit and counted.\n"
      "Example: safeguard refit case.json --outcomes outcomes.csv --as-of 2026-11-01 "
      "--write default-refit.toml");
  return {command, [options] {
            Outcomes outcomes;
            try {
              outcomes = parse_outcomes_csv(read_whole(options->outcomes), options->outcomes);
            } catch (const Error& e) {
              throw Failure(kExitAuditData, e.what());
            }
            const LoadedPack pack = load_pack(options->scoring.rules);
            // The pack's own text, to write the new version from.
            std::string pack_text;
            const bool is_file = std::filesystem::exists(options->scoring.rules);
            pack_text = is_file ? read_whole(options->scoring.rules)
                                : bundled_pack_text(options->scoring.rules);
            if (!options->pack_output.empty() && is_file) {
              std::error_code error;
              if (std::filesystem::equivalent(options->pack_output, options->scoring.rules, error))
                throw Failure(kExitUsage, "--write " + options->pack_output +
                                              ": that is the pack being refitted; a refit is "
                                              "written beside it, never over it");
            }
            const auto session = open_session(options->scoring, !options->no_progress);
            RefitOptions refit_options;
            refit_options.seed = options->seed;
            refit_options.folds = options->folds;
            refit_options.min_firing = options->min_firing;
            refit_options.viewer = session->viewer;
            RefitReport report;
            try {
              report = refit(session->results, outcomes, refit_options);
            } catch (const Error& e) {
              throw Failure(e.status() == Status::invalid_argument ? kExitUsage : kExitAuditData,
                            e.what());
            }
            std::string text = options->format == "json" ? refit_json(report) : text_report(report);
            const std::string new_pack = refit_pack_toml(report, pack_text, pack.origin);
            const auto written =
                RuleSet::load_string(new_pack, options->pack_output.empty() ? std::string("refit")
                                                                            : options->pack_output);
            if (options->format == "text") {
              text += "\n" + refit_diff(report, *session->pack.rules);
              text += "\nlint of " + report.pack_id + " " + report.new_version + ": ";
              if (written->lint_warnings().empty())
                text += "no findings\n";
              else
                text += std::to_string(written->lint_warnings().size()) + " finding(s)\n";
              for (const LintWarning& w : written->lint_warnings())
                text += "  " + w.code + ": " + w.message + "\n";
              text += options->pack_output.empty()
                          ? "\nnot written (give --write FILE); nothing is applied\n"
                          : "\nwritten to " + options->pack_output + " (not applied)\n";
            }
            if (!options->pack_output.empty()) write_output(options->pack_output, new_pack);
            write_output(options->output, text);
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
