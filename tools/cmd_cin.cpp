// safeguard import-cin and cin-measures: a Children in Need census return (the Department for
// Education's XML) into a case file, and the measures the census is published for. Findings of
// the census rules go to standard error, each with file:line:column and LAchildID.
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "safeguard/cin.hpp"
#include "safeguard/io.hpp"
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
            write_output(options->output, save_case(graph));
            std::cerr << "safeguard: " << cin_return.children.size() << " children, "
                      << cin_return.findings.size() << " census-rule findings\n";
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
