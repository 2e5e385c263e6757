// safeguard timeline: each child's statutory timeline as of a date — the steps of the child
// protection process of the case's nation with their due dates and status (done on time, done
// late, due, overdue, not required and why), and the gaps in the record. The library computes the
// timeline with the assessment (timeline.hpp) and writes the table (render.hpp: the same text
// as sg_render_timeline and Python's Result.timeline_text); this command picks the children and
// the format.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "csv.hpp"
#include "ecomap.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/timeline.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct TimelineOptions {
  ScoringOptions scoring;
  std::vector<std::string> children;
  std::string format = "table";
  std::string output = "-";
  bool overdue_only = false;
};

bool keep(const StepView& step, bool overdue_only) {
  return !overdue_only || step.status == StepStatus::overdue;
}

std::string render_json(const Session& session, const std::vector<std::size_t>& rows,
                        bool overdue_only) {
  using json = nlohmann::ordered_json;
  const Results& results = session.results;
  const Timescales& t = results.rules().timescales();
  json out;
  out["case_file"] = session.case_path;
  out["as_of"] = session.as_of.iso();
  out["as_of_source"] = session.as_of.source();
  out["calendar"] = to_string(results.calendar().nation());
  json closures = json::array();
  for (const Day day : results.calendar().closures()) closures.push_back(format_iso_date(day));
  out["closures"] = std::move(closures);
  out["process"] = {{"nation", to_string(results.process().nation())},
                    {"title", results.process().title()},
                    {"origin", results.process().origin()}};
  out["timescales"] = {{"referral_decision_working_days", t.referral_decision_working_days},
                       {"assessment_working_days", t.assessment_working_days},
                       {"initial_conference_working_days", t.initial_conference_working_days},
                       {"first_review_months", t.first_review_months},
                       {"review_interval_months", t.review_interval_months}};
  out["pack"] = {{"id", results.rules().id()},
                 {"version", results.rules().version()},
                 {"hash", results.rules().hash()}};
  auto date_or_null = [](Day day) { return day == kNoDay ? json() : json(format_iso_date(day)); };
  json children = json::array();
  for (const std::size_t row : rows) {
    json steps = json::array();
    for (const StepView& s : view_steps(results, row)) {
      if (!keep(s, overdue_only)) continue;
      steps.push_back({{"step", std::string(s.step)},
                       {"title", std::string(s.title)},
                       {"status", to_string(s.status)},
                       {"status_text", s.status_text},
                       {"working_days", s.working_days},
                       {"calendar_days", s.calendar_days},
                       {"start", format_iso_date(s.start)},
                       {"trigger", std::string(s.trigger_id)},
                       {"due", date_or_null(s.due)},
                       {"completed", date_or_null(s.completed)},
                       {"done_by", s.done_id.empty() ? json() : json(std::string(s.done_id))},
                       {"reason", s.reason.empty() ? json() : json(std::string(s.reason))},
                       {"source", std::string(s.source)},
                       {"nation", std::string(to_string(s.nation))}});
    }
    json issues = json::array();
    for (const TimelineIssueView& i : view_timeline_issues(results, row)) {
      issues.push_back({{"event", std::string(i.event_id)}, {"issue", std::string(i.issue)}});
    }
    children.push_back({{"child", std::string(results.child_id(row))},
                        {"steps", std::move(steps)},
                        {"issues", std::move(issues)}});
  }
  out["children"] = std::move(children);
  return out.dump(2) + "\n";
}

std::string render_csv(const Session& session, const std::vector<std::size_t>& rows,
                       bool overdue_only) {
  const Results& results = session.results;
  std::string out = csv_row({"child", "step", "status", "working_days", "start", "trigger", "due",
                             "completed", "done_by", "as_of", "calendar_days", "reason", "nation"});
  for (const std::size_t row : rows) {
    for (const StepView& s : view_steps(results, row)) {
      if (!keep(s, overdue_only)) continue;
      out += csv_row({std::string(results.child_id(row)), std::string(s.step),
                      std::string(to_string(s.status)), std::to_string(s.working_days),
                      format_iso_date(s.start), std::string(s.trigger_id), format_iso_date(s.due),
                      format_iso_date(s.completed), std::string(s.done_id), session.as_of.iso(),
                      std::to_string(s.calendar_days), std::string(s.reason),
                      std::string(to_string(s.nation))});
    }
  }
  return out;
}

}  // namespace

Command add_timeline(CLI::App& parent) {
  auto options = std::make_shared<TimelineOptions>();
  CLI::App* command = parent.add_subcommand(
      "timeline",
      "Show each child's statutory timeline: due dates and status of every process step");
  add_case_option(*command, options->scoring);
  command
      ->add_option("-c,--child", options->children,
                   "Child id (repeat for several). Default: every child with process events")
      ->type_name("ID")
      ->allow_extra_args(false);
  add_rules_option(*command, options->scoring);
  add_as_of_option(*command, options->scoring);
  add_process_option(*command, options->scoring);
  command
      ->add_option("-f,--format", options->format,
                   "table (for people; overdue steps in bold red on a terminal), json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_flag("--overdue", options->overdue_only, "Show only the overdue steps");
  command->footer(
      "Steps are those of the case's nation (its calendar's nation: England, Wales, Scotland or "
      "Northern Ireland; docs/timescales.md), or of a local process file (--process). Status: "
      "done on time, done late by N, due in N, overdue by N (working days, weekends, the "
      "nation's bank holidays and the case file's closure days excluded; days for steps timed "
      "in days, hours, weeks or months), or not required with the reason. A rule pack's "
      "[timescales] changes England's steps. Gaps in the record (a conference with no strategy "
      "discussion before it...) are listed.\n"
      "Example: safeguard timeline examples/data/timeline.json --as-of 2026-11-23");
  return {command, [options] {
            const auto session = open_session(options->scoring, false);
            const Results& results = session->results;
            std::vector<std::size_t> rows;
            for (const std::string& id : options->children)
              rows.push_back(require_child(results, id));
            if (options->children.empty()) {
              for (std::size_t row = 0; row < results.child_count(); ++row) {
                const bool has_events =
                    results.step_count(row) != 0 ||
                    results.timeline_issues_begin(row) != results.timeline_issues_end(row);
                if (has_events) rows.push_back(row);
              }
            }
            std::string text;
            if (options->format == "json") {
              text = render_json(*session, rows, options->overdue_only);
            } else if (options->format == "csv") {
              if (session->as_of.from_evidence)
                std::cerr << "safeguard: " << session->as_of.describe() << "\n";
              text = render_csv(*session, rows, options->overdue_only);
            } else {
              RenderOptions render = render_options(*session);
              render.overdue_only = options->overdue_only;
              render.terminal_colour = options->output == "-" && colour_on_stdout();
              text = render_timeline_text(results, rows, render);
            }
            write_output(options->output, text);
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
