// The child protection timeline: process events replayed in date order into steps with due
// dates, then each step's status as of a date. See timeline.hpp for the rules of the replay.
#include "safeguard/timeline.hpp"

#include <algorithm>
#include <array>

#include "safeguard/snapshot.hpp"

namespace safeguard {
namespace {

constexpr std::array<std::string_view, kStepKindCount> kStepKindNames = {
    "referral_decision", "assessment", "initial_conference", "first_review", "review"};
constexpr std::array<std::string_view, 4> kStepStatusNames = {"on_time", "late", "due", "overdue"};

bool is_review(StepKind kind) { return kind == StepKind::first_review || kind == StepKind::review; }

// The oldest step of a kind still waiting for its completing event, or nullptr.
Step* oldest_open(std::vector<Step>& steps, bool (*matches)(StepKind)) {
  for (Step& step : steps) {
    if (step.done == kNoEvent && matches(step.kind)) return &step;
  }
  return nullptr;
}

}  // namespace

std::string_view to_string(StepKind kind) noexcept {
  return detail::enum_name(kStepKindNames, kind);
}

std::string_view to_string(StepStatus status) noexcept {
  return detail::enum_name(kStepStatusNames, status);
}

std::string_view describe(TimelineIssueKind kind) noexcept {
  switch (kind) {
    case TimelineIssueKind::decision_without_referral:
      return "referral decision with no open referral before it";
    case TimelineIssueKind::assessment_start_without_referral:
      return "assessment started with no open referral before it";
    case TimelineIssueKind::assessment_without_referral:
      return "assessment completed with no open referral before it";
    case TimelineIssueKind::conference_without_strategy_discussion:
      return "initial conference with no strategy discussion before it";
    case TimelineIssueKind::review_without_plan:
      return "review conference with no child protection plan in place";
    case TimelineIssueKind::plan_end_without_plan:
      return "plan ended with no child protection plan in place";
  }
  return "";
}

TimelineSummary build_timeline(const Snapshot& snap, std::uint32_t child,
                               const Timescales& timescales, const WorkingCalendar& calendar,
                               Day as_of, std::vector<Step>& steps,
                               std::vector<TimelineIssue>& issues) {
  steps.clear();
  issues.clear();
  TimelineSummary summary;
  auto open_step = [&](StepKind kind, std::uint32_t trigger, Day start, Day due) {
    Step step;
    step.kind = kind;
    step.trigger = trigger;
    step.start = start;
    step.due = due;
    steps.push_back(step);
  };
  auto complete = [](Step& step, std::uint32_t event, Day date) {
    step.done = event;
    step.completed = date;
  };

  bool on_plan = false;
  for (const std::uint32_t* it = snap.person_events.begin(child);
       it != snap.person_events.end(child); ++it) {
    const std::uint32_t event = *it;
    const Day date = snap.event_date[event];
    if (date > as_of) break;  // sorted by date: the rest has not happened yet
    switch (snap.event_kind[event]) {
      case EventKind::referral:
        open_step(StepKind::referral_decision, event, date,
                  calendar.add_working_days(date, timescales.referral_decision_working_days));
        open_step(StepKind::assessment, event, date,
                  calendar.add_working_days(date, timescales.assessment_working_days));
        break;
      case EventKind::referral_decision:
        if (Step* step =
                oldest_open(steps, [](StepKind k) { return k == StepKind::referral_decision; })) {
          complete(*step, event, date);
        } else {
          issues.push_back({TimelineIssueKind::decision_without_referral, event});
        }
        break;
      case EventKind::assessment_start:
        if (!oldest_open(steps, [](StepKind k) { return k == StepKind::assessment; }))
          issues.push_back({TimelineIssueKind::assessment_start_without_referral, event});
        break;
      case EventKind::assessment_complete:
        if (Step* step = oldest_open(steps, [](StepKind k) { return k == StepKind::assessment; })) {
          complete(*step, event, date);
        } else {
          issues.push_back({TimelineIssueKind::assessment_without_referral, event});
        }
        break;
      case EventKind::strategy_discussion: {
        if (on_plan) break;
        const Day due = calendar.add_working_days(date, timescales.initial_conference_working_days);
        if (Step* step =
                oldest_open(steps, [](StepKind k) { return k == StepKind::initial_conference; })) {
          step->trigger = event;  // the clock runs from the last strategy discussion
          step->start = date;
          step->due = due;
        } else {
          open_step(StepKind::initial_conference, event, date, due);
        }
        break;
      }
      case EventKind::initial_conference:
        if (Step* step =
                oldest_open(steps, [](StepKind k) { return k == StepKind::initial_conference; })) {
          complete(*step, event, date);
        } else {
          issues.push_back({TimelineIssueKind::conference_without_strategy_discussion, event});
        }
        // A new plan replaces any review still open from an earlier one.
        steps.erase(
            std::remove_if(steps.begin(), steps.end(),
                           [](const Step& s) { return s.done == kNoEvent && is_review(s.kind); }),
            steps.end());
        on_plan = true;
        open_step(StepKind::first_review, event, date,
                  add_months(date, timescales.first_review_months));
        break;
      case EventKind::review_conference:
        if (Step* step = oldest_open(steps, is_review)) {
          complete(*step, event, date);
        } else {
          issues.push_back({TimelineIssueKind::review_without_plan, event});
        }
        if (on_plan) {
          open_step(StepKind::review, event, date,
                    add_months(date, timescales.review_interval_months));
        }
        break;
      case EventKind::plan_end:
        if (!on_plan) {
          issues.push_back({TimelineIssueKind::plan_end_without_plan, event});
          break;
        }
        on_plan = false;
        steps.erase(
            std::remove_if(steps.begin(), steps.end(),
                           [](const Step& s) { return s.done == kNoEvent && is_review(s.kind); }),
            steps.end());
        break;
    }
  }

  summary.on_plan = on_plan;
  for (Step& step : steps) {
    if (step.done != kNoEvent) {
      if (step.completed <= step.due) {
        step.status = StepStatus::on_time;
        step.working_days = 0;
        ++summary.on_time;
      } else {
        step.status = StepStatus::late;
        step.working_days = calendar.working_days_between(step.due, step.completed);
        ++summary.late;
      }
    } else if (as_of <= step.due) {
      step.status = StepStatus::due;
      step.working_days = calendar.working_days_between(as_of, step.due);
      ++summary.due;
    } else {
      step.status = StepStatus::overdue;
      step.working_days = calendar.working_days_between(step.due, as_of);
      ++summary.overdue;
      summary.max_overdue_days = std::max(summary.max_overdue_days, step.working_days);
      if (is_review(step.kind)) summary.review_overdue = true;
    }
  }
  return summary;
}

}  // namespace safeguard
