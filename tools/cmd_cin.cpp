// safeguard import-cin, export-cin and cin-measures: a Children in Need census return (the
// Department for Education's XML) into a case file and back out of one, and the measures the
// census is published for. Findings of the census rules go to standard error, each with
// file:line:column and LAchildID.
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "safeguard/cin.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/io.hpp"
#include "session.hpp"
#include "table.hpp"

namespace safeguard::cli {
namespace {

struct CinOptions {
  std::string input;
  std::string output = "-";
  std::string format = "table";
  bool strict = false;
  bool per_child = false;
};

struct ExportCinOptions {
  std::string case_path;
  std::string details;
  std::string from;
  std::string to;
  std::vector<std::string> viewer;
  std::string output = "-";
};

// Who the return was written for, and what that left out.
std::string export_reader(const Viewer& viewer) {
  if (viewer.cleared_all) return "cleared for everything";
  if (viewer.cleared.empty()) return "cleared for none (restricted factors left out)";
  std::string names;
  for (const std::string& name : viewer.cleared) names += (names.empty() ? "" : ", ") + name;
  return "cleared for " + names + " (other agencies' restricted factors left out)";
}

Day parse_day_option(const std::string& text, const char* option) {
  if (text.empty()) return kNoDay;
  Day day = kNoDay;
  std::string error;
  if (!parse_iso_date(text, day, error))
    throw Failure(kExitUsage, std::string(option) + ": " + error);
  return day;
}

cin::Return read_return(const CinOptions& options) {
  cin::ReadOptions read;
  read.strict = options.strict;
  try {
    return cin::read_file(options.input, read);
  } catch (const Error& error) {
    throw Failure(error.status() == Status::io ? kExitIo : kExitCaseFile, error.what());
  }
}

std::string finding_text(const std::string& file, const cin::Finding& finding) {
  std::string text = file;
  if (finding.at.line > 0) {
    text += ":" + std::to_string(finding.at.line) + ":" + std::to_string(finding.at.column);
  }
  text += ": ";
  if (!finding.child.empty()) text += "child '" + finding.child + "': ";
  return text + finding.rule + ": " + finding.message;
}

void report_findings(const std::string& file, const std::vector<cin::Finding>& findings) {
  for (const cin::Finding& finding : findings) {
    std::cerr << "safeguard: warning: " << finding_text(file, finding) << "\n";
  }
}

std::string rate_text(const cin::Count& count) {
  const auto rate = count.rate();
  return rate ? fixed(*rate * 100.0, 1) + "%" : std::string("-");
}

std::string measures_table(const cin::Measures& m, bool per_child) {
  std::ostringstream out;
  out << "census period " << format_iso_date(m.period_start) << " to "
      << format_iso_date(m.period_end) << "\n";
  Table table;
  if (!per_child) {
    table.add_column("measure", Table::Align::left);
    table.add_column("count", Table::Align::right);
    table.add_column("of", Table::Align::right);
    table.add_column("rate", Table::Align::right);
    for (int i = 0; i < cin::kMeasureCount; ++i) {
      const cin::Count& c = m.authority[i];
      table.add_row({std::string(cin::measure_title(static_cast<cin::MeasureId>(i))),
                     std::to_string(c.count), std::to_string(c.denominator), rate_text(c)});
    }
  } else {
    table.add_column("child", Table::Align::left);
    const char* headers[cin::kMeasureCount] = {"assess 45d",  "ICPC 15d",    "reviews",
                                               "re-referral", "repeat plan", "plan 2y+"};
    for (const char* header : headers) table.add_column(header, Table::Align::right);
    for (const cin::ChildMeasures& row : m.children) {
      std::vector<std::string> cells = {row.child};
      for (const cin::Count& c : row.counts) {
        cells.push_back(c.denominator == 0
                            ? std::string("-")
                            : std::to_string(c.count) + "/" + std::to_string(c.denominator));
      }
      table.add_row(std::move(cells));
    }
  }
  table.print(out, false);
  return out.str();
}

}  // namespace

Command add_import_cin(CLI::App& parent) {
  auto options = std::make_shared<CinOptions>();
  CLI::App* command = parent.add_subcommand(
      "import-cin", "Turn a Children in Need census return (XML) into a case file");
  command->add_option("return", options->input, "The census return (XML)")
      ->required()
      ->type_name("FILE");
  command->add_option("-o,--output", options->output, "Where to write the case file (- : stdout)")
      ->type_name("FILE")
      ->capture_default_str();
  command->add_flag("--strict", options->strict,
                    "Refuse a return with any item that breaks a census rule");
  command->footer(
      "Each child becomes a person (disabilities as flags; sex and ethnicity are not put in "
      "the case file), each assessment factor a concern, and referrals, assessments, section "
      "47 enquiries, conferences, plans and reviews process events (docs/cin-census.md). "
      "Items that break census rules are reported on standard error with file:line:column and "
      "LAchildID; --strict refuses them.\n"
      "Exit code: 0 when the case file is written; 4 when the return is invalid (malformed, or "
      "with --strict a rule broken); 3 when a file cannot be read or written.\n"
      "Example: safeguard import-cin return.xml -o case.json");
  return {command, [options] {
            const cin::Return cin_return = read_return(*options);
            report_findings(options->input, cin_return.findings);
            CaseGraph graph;
            try {
              const cin::Conversion conversion = cin::to_batch(cin_return);
              report_findings(options->input, conversion.findings);
              cin::load(graph, cin_return, options->input);
            } catch (const Error& error) {
              throw Failure(kExitCaseFile, error.what());
            }
            write_output(options->output, [&](std::ostream& out) { save_case(graph, out); });
            std::cerr << "safeguard: " << cin_return.children.size() << " children, "
                      << cin_return.findings.size() << " census-rule findings\n";
            return static_cast<int>(kExitOk);
          }};
}

Command add_export_cin(CLI::App& parent) {
  auto options = std::make_shared<ExportCinOptions>();
  CLI::App* command = parent.add_subcommand(
      "export-cin", "Write a case file as a Children in Need census return (XML)");
  command
      ->add_option("case", options->case_path,
                   "Case file (JSON; see docs/case-files.md), or - for standard input")
      ->required()
      ->type_name("FILE");
  command
      ->add_option("--details", options->details,
                   "A census return to take the return's own items from (sex, ethnicity, UPNs, "
                   "referral source, primary need, closure, CIN plans, codes as written, the "
                   "header) instead of those the case file kept from its import. Not needed for "
                   "a case file made by import-cin")
      ->type_name("RETURN");
  command
      ->add_option("--from", options->from,
                   "First day of the period: episodes closed before it are left out")
      ->check(iso_date())
      ->type_name("YYYY-MM-DD");
  command
      ->add_option("--to", options->to,
                   "Last day of the period and the return's ReferenceDate: what happened after "
                   "it is left out")
      ->check(iso_date())
      ->type_name("YYYY-MM-DD");
  command
      ->add_option("--viewer", options->viewer,
                   "Agency id or agency type the return's reader is cleared for (repeat for "
                   "several; '*' for everything). Restricted assessment factors from other "
                   "agencies are not written. Default: cleared for none")
      ->type_name("AGENCY")
      ->allow_extra_args(false);
  command->add_option("-o,--output", options->output, "Where to write the return (- : stdout)")
      ->type_name("FILE")
      ->capture_default_str();
  command->footer(
      "Each child with a referral becomes a Child, its referrals, assessments and factors, "
      "section 47 enquiries, conferences, plans and reviews the census's items "
      "(docs/cin-census.md, \"Writing a return\"); steps the census does not record are left "
      "out. The import keeps the return's own items in the record (sex and ethnicity as group "
      "attributes no rule reads), so import-cin then export-cin gives the same return back, "
      "byte for byte as written out by the program. The result reads back with the census "
      "rules: check it with `safeguard import-cin --strict`. For a store, export the graph "
      "first: safeguard store export STORE --as-of DATE -o case.json.\n"
      "Exit code: 0 when the return is written; 4 when the case file or the details return is "
      "invalid; 3 when a file cannot be read or written; 2 for a malformed date.\n"
      "Example: safeguard export-cin case.json --to 2025-03-31 -o out.xml");
  return {
      command, [options] {
        cin::ExportOptions exporting;
        exporting.from = parse_day_option(options->from, "--from");
        exporting.to = parse_day_option(options->to, "--to");
        if (exporting.from != kNoDay && exporting.to != kNoDay && exporting.to < exporting.from) {
          throw Failure(kExitUsage, "--to is before --from");
        }
        const Viewer viewer = make_viewer(options->viewer);
        exporting.viewer = &viewer;
        cin::Return details;
        if (!options->details.empty()) {
          CinOptions reading;
          reading.input = options->details;
          details = read_return(reading);
          exporting.details = &details;
        }
        CaseGraph graph;
        load_case(graph, options->case_path);
        cin::Return written;
        std::string text;
        try {
          written = cin::to_return(graph, exporting);
          text = cin::write(written);
        } catch (const Error& error) {
          throw Failure(kExitCaseFile, options->case_path + ": " + error.what());
        }
        write_output(options->output, text);
        std::cerr << "safeguard: " << written.children.size() << " children written for a reader "
                  << export_reader(viewer) << "\n";
        return static_cast<int>(kExitOk);
      }};
}

Command add_cin_measures(CLI::App& parent) {
  auto options = std::make_shared<CinOptions>();
  CLI::App* command = parent.add_subcommand(
      "cin-measures", "The census measures of a Children in Need return, per authority or child");
  command->add_option("return", options->input, "The census return (XML)")
      ->required()
      ->type_name("FILE");
  command->add_option("-f,--format", options->format, "table (for people), json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  command->add_flag("--per-child", options->per_child,
                    "One row per child (table and csv; json always has both)");
  command->add_option("-o,--output", options->output, "Where to write (- : stdout)")
      ->type_name("FILE")
      ->capture_default_str();
  command->add_flag("--strict", options->strict,
                    "Refuse a return with any item that breaks a census rule");
  command->footer(
      "Measures over the census year ending on the return's ReferenceDate, as the Department "
      "for Education defines them (docs/cin-census.md): assessments within 45 working days, "
      "initial conferences within 15 working days of the section 47 start, plan reviews "
      "within timescales, re-referrals within 12 months, second or subsequent plans, plans "
      "lasting two years or more. Working days are England's.\n"
      "Exit code: 0; 4 when the return is invalid; 3 when a file cannot be read or written.\n"
      "Example: safeguard cin-measures return.xml --format csv");
  return {command, [options] {
            const cin::Return cin_return = read_return(*options);
            report_findings(options->input, cin_return.findings);
            cin::Measures measures;
            try {
              measures = cin::measures(cin_return);
            } catch (const Error& error) {
              throw Failure(kExitCaseFile, error.what());
            }
            std::string text;
            if (options->format == "json") {
              text = cin::to_json(measures);
            } else if (options->format == "csv") {
              text = cin::to_csv(measures, options->per_child);
            } else {
              text = measures_table(measures, options->per_child);
            }
            write_output(options->output, text);
            return static_cast<int>(kExitOk);
          }};
}

}  // namespace safeguard::cli
