// safeguard explain: why each child scored what they did — every contribution with its rule,
// evidence, path and arithmetic, under the Signs of Safety headings, filtered for the viewer.
// The library renders the explanations (safeguard::explain); this command picks the children
// and the format.
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "csv.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "safeguard/explain.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct ExplainOptions {
  ScoringOptions scoring;
  std::vector<std::string> children;
  std::vector<std::string> adults;
  std::string format = "text";
  std::string output = "-";
  bool no_progress = false;
};

std::string number(double value) { return fixed(value, 6); }

// One CSV row per contribution, under each heading in turn, rendered from the library's
// viewer-scoped views; the withheld lines fold into one last row (view_scores) with empty cells
// where a heading, rule, index or any detail would be.
// The columns of both (a child's rows name the child first, an adult's the adult).
const std::vector<std::string> kCsvColumns = {
    "heading", "kind", "rule", "title", "index", "evidence",   "source_agency", "restricted",
    "path",    "via",  "raw",  "decay", "reach", "cap_factor", "value"};

std::string csv_header(const char* first) {
  std::vector<std::string> columns{first};
  columns.insert(columns.end(), kCsvColumns.begin(), kCsvColumns.end());
  return csv_row(columns);
}

// The rows of the lines a reader sees, heading by heading, then the withheld ones folded into
// one row titled `withheld_title` naming no rule, index or evidence.
std::string csv_line_rows(const std::string& id, const std::vector<LineView>& lines,
                          bool any_withheld, const std::string& withheld_title, double withheld) {
  std::string out;
  for (int h = 0; h < 5; ++h) {
    for (const LineView& line : lines) {
      if (line.withheld() || static_cast<int>(line.heading) != h) continue;
      const bool restricted = !line.propagated() && line.evidence.restricted;
      out += csv_row({id, std::string(to_string(line.heading)),
                      line.propagated() ? "propagated" : "rule", std::string(line.rule_id),
                      std::string(line.title), std::string(line.index_id),
                      std::string(line.evidence.id), std::string(line.evidence.agency_id),
                      restricted ? "true" : "false", std::string(line.path),
                      std::string(line.via_id), number(line.raw), number(line.decay),
                      number(line.reach), number(line.cap_factor), number(line.value)});
    }
  }
  if (any_withheld) {
    out += csv_row({id, "", "rule", "", withheld_title, "", std::string(kRestrictedSource), "",
                    "true", "", "", "", "", "", "", number(withheld)});
  }
  return out;
}

std::string csv_rows(const Results& results, std::size_t row, const Viewer& viewer) {
  const std::vector<LineView> lines = view_contributions(results, row, viewer);
  const std::string child(results.child_id(row));
  const ScoresView scores = view_scores(results, row, lines);
  std::string out = csv_line_rows(child, lines, scores.any_withheld(),
                                  std::string(scores.withheld_title), scores.withheld);
  // Under contextual "apart", what the network holds from restricted sources: one propagated
  // row, naming no neighbour or index (under "included" it is in the row above).
  if (!scores.contextual_included && scores.contextual_withheld != 0) {
    out += csv_row({child, "", "propagated", "", results.rules().neutral_title(), "",
                    std::string(kRestrictedSource), "", "true", "", "", "", "", "", "",
                    number(scores.contextual_withheld)});
  }
  return out;
}

// `--adult ID`: each adult's own result (docs/rules.md, "Results for adults"). An adult without
// one is a usage error naming the id, as an unknown child is.
ExitCode explain_adults(const Session& session, const ExplainOptions& options) {
  const Results& results = session.results;
  std::string out;
  if (options.format == "csv") out = csv_header("adult");
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < options.adults.size(); ++i) {
    long row = results.find_adult(options.adults[i]);
    // An adult whose every line and adult override is withheld from the reader is answered as
    // one without a result: that a (restricted) checklist exists is what the reader may not
    // learn.
    if (row >= 0) {
      if (!adult_shown(results, static_cast<std::size_t>(row), session.viewer)) row = -1;
    }
    if (row < 0)
      throw Failure(
          kExitChildNotFound,
          "no adult result for '" + options.adults[i] +
              "' (an adult has one when the pack has an index with subject = \"adult\" "
              "and evidence about them scores on it, an adult override fires or judgement "
              "about them is recorded)");
    if (options.format == "csv") {
      // As a child's rows: the lines the reader sees, the withheld ones folded into one.
      const std::vector<LineView> lines =
          view_adult_contributions(results, static_cast<std::size_t>(row), session.viewer);
      bool any_withheld = false;
      double withheld = 0;
      for (const LineView& line : lines) {
        if (!line.withheld()) continue;
        any_withheld = true;
        withheld += line.value;
      }
      out += csv_line_rows(options.adults[i], lines, any_withheld, results.rules().neutral_title(),
                           withheld);
      continue;
    }
    const auto format = options.format == "json" ? ExplainFormat::json : ExplainFormat::text;
    const std::string text =
        explain_adult(results, static_cast<std::size_t>(row), format, session.viewer);
    if (options.format == "json") {
      array.push_back(nlohmann::ordered_json::parse(text));
    } else {
      out += (i ? "\n" : "") + text;
    }
  }
  if (options.format == "json") out = array.dump(2) + "\n";
  write_output(options.output, out);
  return kExitOk;
}

}  // namespace

Command add_explain(CLI::App& parent) {
  auto options = std::make_shared<ExplainOptions>();
  CLI::App* command = parent.add_subcommand(
      "explain",
      "Explain each child's score: every contribution, under the Signs of Safety headings");
  add_case_option(*command, options->scoring);
  command
      ->add_option("-c,--child", options->children,
                   "Child id to explain (repeat for several). Default: every child")
      ->type_name("ID")
      ->allow_extra_args(false);
  command
      ->add_option("--adult", options->adults,
                   "Adult id whose own result to explain (indices with subject = \"adult\", such "
                   "as a DASH checklist; repeat for several)")
      ->type_name("ID")
      ->allow_extra_args(false);
  add_rules_option(*command, options->scoring);
  add_as_of_option(*command, options->scoring);
  add_viewer_option(*command, options->scoring);
  command
      ->add_option("-f,--format", options->format,
                   "text (for people), json (an array, one object per child) or csv (one row per "
                   "contribution)")
      ->check(CLI::IsMember({"text", "json", "csv"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_flag("--no-progress", options->no_progress,
                    "Never draw a progress bar (drawn on standard error only when it is a terminal "
                    "and there are many children)");
  command->footer(
      "Each contribution names its rule, the evidence and its source agency, the path by which "
      "it reaches the child, and the arithmetic (points x decay x reach x cap); they sum exactly "
      "to each index score. Policy and discretionary overrides, the statutory timeline and "
      "rules that could not be assessed are listed too.\n"
      "Example: safeguard explain examples/data/families.json --child P-ASH-C1 --viewer police");
  return {
      command, [options] {
        const bool progress = !options->no_progress;
        const auto session = open_session(options->scoring, progress);
        const Results& results = session->results;
        if (!options->adults.empty()) return explain_adults(*session, *options);
        std::vector<std::size_t> rows;
        for (const std::string& id : options->children) rows.push_back(require_child(results, id));
        if (options->children.empty()) {
          for (std::size_t row = 0; row < results.child_count(); ++row) rows.push_back(row);
        }
        std::string out;
        using json = nlohmann::ordered_json;
        json array = json::array();
        if (options->format == "csv") {
          out = csv_header("child");
          if (session->as_of.from_evidence)
            std::cerr << "safeguard: " << session->as_of.describe() << "\n";
        } else if (options->format == "text" && session->as_of.from_evidence) {
          out = "Note: " + session->as_of.describe() + "\n\n";
        }
        Progress bar("explain", rows.size(), progress);
        for (std::size_t i = 0; i < rows.size(); ++i) {
          const std::size_t row = rows[i];
          if (options->format == "text") {
            out += (i ? "\n" : "") + explain(results, row, ExplainFormat::text, session->viewer);
          } else {
            if (options->format == "json") {
              json child = json::parse(explain(results, row, ExplainFormat::json, session->viewer));
              child["as_of_source"] = session->as_of.source();
              array.push_back(std::move(child));
            } else {
              out += csv_rows(results, row, session->viewer);
            }
          }
          bar.update(i + 1);
        }
        bar.finish();
        if (options->format == "json") out = array.dump(2) + "\n";
        write_output(options->output, out);
        return kExitOk;
      }};
}

}  // namespace safeguard::cli
