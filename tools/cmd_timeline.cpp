// safeguard timeline: each child's statutory timeline as of a date — the steps of the child
// protection process with their due dates and status (done on time, done late, due, overdue),
// and the gaps in the record. The library computes the timeline with the assessment
// (timeline.hpp); this command picks the children and the format.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "csv.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/timeline.hpp"
#include "session.hpp"
#include "table.hpp"

namespace safeguard::cli {
namespace {

struct TimelineOptions {
  ScoringOptions scoring;
  std::vector<std::string> children;
  std::string format = "table";
  std::string output = "-";
  bool overdue_only = false;
};

std::string days(int count) {
  return std::to_string(count) + (count == 1 ? " working day" : " working days");
}

std::string step_words(StepKind kind) {
  std::string text(to_string(kind));
  for (char& c : text) c = c == '_' ? ' ' : c;
  return text;
}

std::string timescales_line(const Timescales& t) {
  return "timescales: referral decision " + days(t.referral_decision_working_days) +
         ", assessment " + days(t.assessment_working_days) + ", initial conference " +
         days(t.initial_conference_working_days) + " after the strategy discussion, first review " +
         std::to_string(t.first_review_months) + " months, then every " +
         std::to_string(t.review_interval_months) + " months";
}

std::string calendar_line(const Snapshot& snap) {
  const std::size_t closures = snap.calendar->closures().size();
  return "working days on the " + std::string(to_string(snap.calendar->nation())) + " calendar" +
         (closures ? " with " + std::to_string(closures) + " local closure day" +
                         (closures == 1 ? "" : "s")
                   : std::string());
}

bool keep(const Step& step, bool overdue_only) {
  return !overdue_only || step.status == StepStatus::overdue;
}

std::string render_table(const Session& session, const std::vector<std::size_t>& rows,
                         bool overdue_only, bool colour) {
  const Results& results = session.results;
  const Snapshot& snap = *session.snapshot;
  std::ostringstream out;
  out << rows.size() << (rows.size() == 1 ? " child" : " children") << " in " << session.case_path
      << ", " << session.as_of.describe() << "\n"
      << calendar_line(snap) << "; " << timescales_line(results.rules().timescales()) << "\n"
      << "rule pack " << results.rules().id() << " " << results.rules().version() << "\n\n";
  Table table;
  for (const char* header : {"CHILD", "STEP", "STARTED", "BY", "DUE", "DONE", "BY", "STATUS"})
    table.add_column(header, Table::Align::left);
  std::size_t overdue = 0;
  for (const std::size_t row : rows) {
    for (const Step* s = results.steps_begin(row); s != results.steps_end(row); ++s) {
      if (!keep(*s, overdue_only)) continue;
      const bool done = s->done != kNoEvent;
      overdue += s->status == StepStatus::overdue ? 1 : 0;
      table.add_row({std::string(results.child_id(row)), step_words(s->kind),
                     format_iso_date(s->start), std::string(snap.event_ids[s->trigger]),
                     format_iso_date(s->due), done ? format_iso_date(s->completed) : "-",
                     done ? std::string(snap.event_ids[s->done]) : "-", step_status_text(*s)},
                    s->status == StepStatus::overdue);
    }
  }
  if (table.rows() == 0) {
    out << (overdue_only ? "No step is overdue.\n" : "No process events recorded.\n");
  } else {
    table.print(out, colour);
    out << "\n" << overdue << (overdue == 1 ? " step" : " steps") << " overdue\n";
  }
  std::string gaps;
  for (const std::size_t row : rows) {
    for (const TimelineIssue* i = results.timeline_issues_begin(row);
         i != results.timeline_issues_end(row); ++i) {
      gaps += "  " + std::string(results.child_id(row)) + "  " +
              std::string(snap.event_ids[i->event]) + "  " + std::string(describe(i->kind)) + "\n";
    }
  }
  if (!gaps.empty()) out << "\ngaps in the record:\n" << gaps;
  return out.str();
}

std::string render_json(const Session& session, const std::vector<std::size_t>& rows,
                        bool overdue_only) {
  using json = nlohmann::ordered_json;
  const Results& results = session.results;
  const Snapshot& snap = *session.snapshot;
  const Timescales& t = results.rules().timescales();
  json out;
  out["case_file"] = session.case_path;
  out["as_of"] = session.as_of.iso();
  out["as_of_source"] = session.as_of.source();
  out["calendar"] = to_string(snap.calendar->nation());
  json closures = json::array();
  for (const Day day : snap.calendar->closures()) closures.push_back(format_iso_date(day));
  out["closures"] = std::move(closures);
  out["timescales"] = {{"referral_decision_working_days", t.referral_decision_working_days},
                       {"assessment_working_days", t.assessment_working_days},
                       {"initial_conference_working_days", t.initial_conference_working_days},
                       {"first_review_months", t.first_review_months},
                       {"review_interval_months", t.review_interval_months}};
  out["pack"] = {{"id", results.rules().id()},
                 {"version", results.rules().version()},
                 {"hash", results.rules().hash()}};
  json children = json::array();
  for (const std::size_t row : rows) {
    json steps = json::array();
    for (const Step* s = results.steps_begin(row); s != results.steps_end(row); ++s) {
      if (!keep(*s, overdue_only)) continue;
      const bool done = s->done != kNoEvent;
      steps.push_back({{"step", to_string(s->kind)},
                       {"status", to_string(s->status)},
                       {"working_days", s->working_days},
                       {"start", format_iso_date(s->start)},
                       {"trigger", std::string(snap.event_ids[s->trigger])},
                       {"due", format_iso_date(s->due)},
                       {"completed", done ? json(format_iso_date(s->completed)) : json()},
                       {"done_by", done ? json(std::string(snap.event_ids[s->done])) : json()}});
    }
    json issues = json::array();
    for (const TimelineIssue* i = results.timeline_issues_begin(row);
         i != results.timeline_issues_end(row); ++i) {
      issues.push_back({{"event", std::string(snap.event_ids[i->event])},
                        {"issue", std::string(describe(i->kind))}});
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
  const Snapshot& snap = *session.snapshot;
  std::string out = csv_row({"child", "step", "status", "working_days", "start", "trigger", "due",
                             "completed", "done_by", "as_of"});
  for (const std::size_t row : rows) {
    for (const Step* s = results.steps_begin(row); s != results.steps_end(row); ++s) {
      if (!keep(*s, overdue_only)) continue;
      const bool done = s->done != kNoEvent;
      out += csv_row({std::string(results.child_id(row)), std::string(to_string(s->kind)),
                      std::string(to_string(s->status)), std::to_string(s->working_days),
                      format_iso_date(s->start), std::string(snap.event_ids[s->trigger]),
                      format_iso_date(s->due), done ? format_iso_date(s->completed) : "",
                      done ? std::string(snap.event_ids[s->done]) : "", session.as_of.iso()});
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
  command
      ->add_option("-f,--format", options->format,
                   "table (for people; overdue steps in bold red on a terminal), json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_flag("--overdue", options->overdue_only, "Show only the overdue steps");
  command->footer(
      "Steps: referral decision, assessment, initial conference, first review, review. Status: "
      "done on time, done late by N, due in N, or overdue by N working days (weekends, the "
      "nation's bank holidays and the case file's closure days excluded). Timescales come from "
      "the rule pack ([timescales]); Working Together defaults otherwise. Gaps in the record "
      "(a conference with no strategy discussion before it...) are listed.\n"
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
              const bool colour = options->output == "-" && colour_on_stdout();
              text = render_table(*session, rows, options->overdue_only, colour);
            }
            write_output(options->output, text);
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
