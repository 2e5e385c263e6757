// safeguard audit: a case assessed as of a date, joined to the host's outcomes and protected
// group attributes: validation (AUC, calibration) and the disparity audit (docs/audit.md), as
// JSON, CSV or an HTML page of tables. The HTML with plots comes from Python
// (safeguard.audit_html); this page is tables only.
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "safeguard/audit.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/record.hpp"
#include "session.hpp"
#include "store_access.hpp"

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
  std::size_t suppress_below = 5;
  double band_low = 0.8;
  double band_high = 1.25;
  std::vector<std::string> references;  // ATTRIBUTE=GROUP
  std::string store;                    // audit a store's record instead of a case file
  std::string known_at;                 // as known at this record time (default: everything)
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

// The store's record assessed as of --as-of as known at --known-at, and (when `recorded` is
// given) the group attributes its graph of that time holds: what auditing the case file
// `safeguard store export` writes for that time would read.
Results assess_store(const AuditCommandOptions& options, const LoadedPack& pack,
                     GroupAttributes* recorded) {
  if (options.scoring.as_of.empty()) throw Failure(kExitUsage, "--store needs --as-of");
  RecordAssessOptions assess_options;
  std::string error;
  if (!parse_iso_date(options.scoring.as_of, assess_options.as_of, error))
    throw Failure(kExitUsage, "--as-of: " + error);
  if (!options.known_at.empty())
    assess_options.known_at = parse_record_time(options.known_at, "--known-at");
  assess_options.threads = options.scoring.threads;
  const Record record = open_store(options.store, StoreOpen::must_exist);
  try {
    if (recorded)
      *recorded = record_groups(*record.graph(assess_options.as_of, assess_options.known_at));
    return record.assess(pack.rules, assess_options);
  } catch (const Error& e) {
    throw Failure(e.status() == Status::io ? kExitIo : kExitCaseFile,
                  options.store + ": " + e.what());
  }
}

}  // namespace

Command add_audit(CLI::App& parent) {
  auto options = std::make_shared<AuditCommandOptions>();
  CLI::App* command = parent.add_subcommand(
      "audit", "Validate a pack against host outcomes and audit it for disparity between groups");
  add_case_option(*command, options->scoring);
  // A case file, or a store's record as known at a time (--store): one of the two.
  CLI::Option* case_option = command->get_option("case");
  case_option->required(false);
  CLI::Option* store_option =
      command
          ->add_option("--store", options->store,
                       "Audit the record a store keeps, as of --as-of and as known at "
                       "--known-at, instead of a case file (the same report as the case file "
                       "`safeguard store export` writes for that time)")
          ->type_name("STORE")
          ->excludes(case_option);
  command
      ->add_option("--known-at", options->known_at,
                   "With --store: the record time (default: everything recorded), seconds since "
                   "1970-01-01T00:00:00Z or YYYY-MM-DDTHH:MM:SSZ")
      ->type_name("TIME")
      ->needs(store_option);
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
  command->add_option("--seed", options->seed, "Seed of the bootstrap")
      ->check(whole_number<std::uint64_t>())
      ->capture_default_str();
  command
      ->add_option("--bootstrap", options->bootstrap, "Bootstrap resamples (0: no AUC intervals)")
      ->check(whole_number<std::size_t>())
      ->check(CLI::Range(std::size_t{0}, std::size_t{100000}))
      ->capture_default_str();
  command
      ->add_option("--min-events", options->min_events,
                   "An AUC needs at least this many children with each outcome")
      ->check(whole_number<std::size_t>())
      ->capture_default_str();
  command
      ->add_option("--min-count", options->min_count,
                   "Rates over fewer children are noted as small and their ratios never flagged")
      ->check(whole_number<std::size_t>())
      ->capture_default_str();
  command
      ->add_option("--suppress-below", options->suppress_below,
                   "Show a figure resting on fewer children than this as 'c' (null in JSON), "
                   "and any figure that would reveal one (0: off, for your own work only)")
      ->check(whole_number<std::size_t>())
      ->capture_default_str();
  command->add_option("--band-low", options->band_low, "Lower edge of the ratio band")
      ->check(decimal_number())
      ->capture_default_str();
  command->add_option("--band-high", options->band_high, "Upper edge of the ratio band")
      ->check(decimal_number())
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
      "case.json; safeguard audit case.json --outcomes outcomes.csv --as-of 2026-03-31\n"
      "Example (a store as known then): safeguard audit --store case.store --as-of 2026-11-01 "
      "--known-at 2026-11-02T09:00:00Z --outcomes outcomes.csv");
  return {command, [options] {
            AuditOptions audit_options;
            audit_options.seed = options->seed;
            audit_options.bootstrap = options->bootstrap;
            audit_options.min_events = options->min_events;
            audit_options.min_count = options->min_count;
            audit_options.suppress_below = options->suppress_below;
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
            if (options->store.empty() && options->scoring.case_path.empty())
              throw Failure(kExitUsage, "give a case file or --store STORE");
            GroupAttributes recorded;
            ScoringOptions scoring = options->scoring;
            if (from_record)
              scoring.read_graph = [&recorded](const CaseGraph& graph) {
                recorded = record_groups(graph);
              };
            std::unique_ptr<Session> session;
            std::optional<Results> stored;
            if (options->store.empty()) {
              session = open_session(scoring, !options->no_progress);
            } else {
              stored = assess_store(*options, pack, from_record ? &recorded : nullptr);
            }
            const Results& results = session ? session->results : *stored;
            if (from_record) {
              groups = from_file ? merge_groups(groups, recorded) : std::move(recorded);
              if (groups.attributes.empty())
                groups.warnings.push_back(
                    {"no-groups",
                     "the case records no group attributes and no --groups file was given: the "
                     "audit has no disparity tables"});
              try {
                check_protected(results.rules(), groups);
              } catch (const Error& e) {
                throw Failure(kExitRulePack, e.what());
              }
            }
            AuditReport report;
            try {
              report = audit(results, outcomes, groups, audit_options);
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
