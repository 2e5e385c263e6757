// safeguard audit: a case assessed as of a date, joined to the host's outcomes and protected
// group attributes: validation (AUC, calibration) and the disparity audit (docs/audit.md), as
// JSON, CSV or an HTML page of tables. The HTML with plots comes from Python
// (safeguard.audit_html); this page is tables only.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "safeguard/audit.hpp"
#include "safeguard/graph.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct AuditCommandOptions {
  ScoringOptions scoring;
  std::string outcomes;
  std::string groups;
  bool groups_from_record = false;
  std::string format = "json";
  std::string output = "-";
  std::uint64_t seed = 1;
  std::size_t bootstrap = 1000;
  std::size_t min_events = 10;
  std::size_t min_count = 30;
  double band_low = 0.8;
  double band_high = 1.25;
  std::vector<std::string> references;  // ATTRIBUTE=GROUP
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

}  // namespace

Command add_audit(CLI::App& parent) {
  auto options = std::make_shared<AuditCommandOptions>();
  CLI::App* command = parent.add_subcommand(
      "audit", "Validate a pack against host outcomes and audit it for disparity between groups");
  add_case_option(*command, options->scoring);
  add_rules_option(*command, options->scoring);
  add_as_of_option(*command, options->scoring);
  add_threads_option(*command, options->scoring);
  command
      ->add_option("--outcomes", options->outcomes,
                   "CSV 'child_id,outcome' (0/1 at the host's horizon; '# horizon: TEXT' says "
                   "what it means)")
      ->type_name("FILE")
      ->required();
  command
      ->add_option("--groups", options->groups,
                   "CSV 'child_id,ATTRIBUTE,...': protected group attributes, never read by "
                   "rules (default: the case's own, --groups-from-record)")
      ->type_name("FILE");
  command->add_flag("--groups-from-record", options->groups_from_record,
                    "Take the group attributes the case records for each child (a census "
                    "return's Sex and Ethnicity); with --groups too, the file's value wins per "
                    "child and attribute and differences are warned. Implied without --groups");
  command->add_option("--format", options->format, "json, csv or html (tables only)")
      ->check(CLI::IsMember({"json", "csv", "html"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_option("--seed", options->seed, "Seed of the bootstrap")->capture_default_str();
  command
      ->add_option("--bootstrap", options->bootstrap, "Bootstrap resamples (0: no AUC intervals)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{100000}))
      ->capture_default_str();
  command
      ->add_option("--min-events", options->min_events,
                   "An AUC needs at least this many children with each outcome")
      ->capture_default_str();
  command
      ->add_option("--min-count", options->min_count,
                   "Rates over fewer children are noted as small and their ratios never flagged")
      ->capture_default_str();
  command->add_option("--band-low", options->band_low, "Lower edge of the ratio band")
      ->capture_default_str();
  command->add_option("--band-high", options->band_high, "Upper edge of the ratio band")
      ->capture_default_str();
  command
      ->add_option("--reference", options->references,
                   "ATTRIBUTE=GROUP: the reference group (default: the largest)")
      ->type_name("ATTRIBUTE=GROUP");
  command->add_flag("--no-progress", options->no_progress, "Never draw a progress bar");
  command->footer(
      "A pack whose rules compare against a protected attribute's name or values is refused. "
      "Errors in the outcomes or groups file name the file, line, column and child id.\n"
      "Example: safeguard audit case.json --outcomes outcomes.csv --groups groups.csv "
      "--as-of 2026-11-01 --format csv\n"
      "Example (a census return's Sex and Ethnicity): safeguard import-cin return.xml -o "
      "case.json; safeguard audit case.json --outcomes outcomes.csv --as-of 2026-03-31");
  return {command, [options] {
            AuditOptions audit_options;
            audit_options.seed = options->seed;
            audit_options.bootstrap = options->bootstrap;
            audit_options.min_events = options->min_events;
            audit_options.min_count = options->min_count;
            audit_options.band_low = options->band_low;
            audit_options.band_high = options->band_high;
            for (const std::string& pair : options->references) {
              const auto equals = pair.find('=');
              if (equals == std::string::npos || equals == 0)
                throw Failure(kExitUsage,
                              "--reference: expected ATTRIBUTE=GROUP, not '" + pair + "'");
              audit_options.reference[pair.substr(0, equals)] = pair.substr(equals + 1);
            }
            const bool from_file = !options->groups.empty();
            const bool from_record = options->groups_from_record || !from_file;
            Outcomes outcomes;
            GroupAttributes groups;
            try {
              outcomes = parse_outcomes_csv(read_whole(options->outcomes), options->outcomes);
              if (from_file)
                groups = parse_groups_csv(read_whole(options->groups), options->groups);
            } catch (const Error& e) {
              throw Failure(kExitAuditData, e.what());
            }
            // Refuse a pack that reads a protected attribute before the case is even loaded.
            const LoadedPack pack = load_pack(options->scoring.rules);
            try {
              check_protected(*pack.rules, groups);
            } catch (const Error& e) {
              throw Failure(kExitRulePack, e.what());
            }
            GroupAttributes recorded;
            ScoringOptions scoring = options->scoring;
            if (from_record)
              scoring.read_graph = [&recorded](const CaseGraph& graph) {
                recorded = record_groups(graph);
              };
            const auto session = open_session(scoring, !options->no_progress);
            if (from_record) {
              groups = from_file ? merge_groups(groups, recorded) : std::move(recorded);
              if (groups.attributes.empty())
                groups.warnings.push_back(
                    {"no-groups",
                     "the case records no group attributes and no --groups file was given: the "
                     "audit has no disparity tables"});
              try {
                check_protected(*session->pack.rules, groups);
              } catch (const Error& e) {
                throw Failure(kExitRulePack, e.what());
              }
            }
            AuditReport report;
            try {
              report = audit(session->results, outcomes, groups, audit_options);
            } catch (const Error& e) {
              throw Failure(e.status() == Status::invalid_argument ? kExitUsage : kExitAuditData,
                            e.what());
            }
            const std::string text = options->format == "csv"    ? audit_csv(report)
                                     : options->format == "html" ? audit_html(report)
                                                                 : audit_json(report);
            write_output(options->output, text);
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
