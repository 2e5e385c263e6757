// Statutory timescales: a child's process events (referral, strategy discussions, assessment,
// conferences, plan end) turned into the steps the child protection process must take, each
// with its due date and its status as of a date.
//
// The default timescales are those of Working Together to Safeguard Children (England): a
// decision on a referral within 1 working day; an assessment within 45 working days of the
// referral; an initial child protection conference within 15 working days of the last strategy
// discussion; the first review within 3 months of the initial conference and later reviews at
// intervals of no more than 6 months. A rule pack may change every one of them ([timescales] in
// docs/rules.md), because local procedures differ.
//
// How events become steps (events dated after the as-of date have not happened yet):
//   referral             opens a referral_decision step and an assessment step
//   referral_decision    completes the oldest open referral_decision step
//   assessment_complete  completes the oldest open assessment step
//   strategy_discussion  opens an initial_conference step, or moves the open one's clock to
//                        this (later) discussion; ignored while the child is on a plan
//   initial_conference   completes the open initial_conference step, starts a plan and opens
//                        the first_review step
//   review_conference    completes the open review step and, on a plan, opens the next one
//   plan_end             ends the plan; its open review step is withdrawn, not overdue
// An event with nothing to complete (a conference without a strategy discussion, a decision
// without a referral, a plan end without a plan) still counts, and is reported as a
// TimelineIssue so the gap in the record is visible rather than silently absorbed.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

#include "safeguard/calendar.hpp"
#include "safeguard/day.hpp"
#include "safeguard/model.hpp"

namespace safeguard {

struct Snapshot;

struct Timescales {
  int referral_decision_working_days = 1;
  int assessment_working_days = 45;
  int initial_conference_working_days = 15;
  int first_review_months = 3;
  int review_interval_months = 6;
};

enum class StepKind : std::uint8_t {
  referral_decision,
  assessment,
  initial_conference,
  first_review,
  review,
};
inline constexpr int kStepKindCount = 5;

enum class StepStatus : std::uint8_t {
  on_time,  // done by its due date
  late,     // done after its due date
  due,      // not done; the due date is today or later
  overdue,  // not done; the due date has passed
};

inline constexpr std::uint32_t kNoEvent = UINT32_MAX;

struct Step {
  StepKind kind = StepKind::referral_decision;
  StepStatus status = StepStatus::due;
  std::uint32_t trigger = kNoEvent;  // the event that started the clock (snapshot event number)
  std::uint32_t done = kNoEvent;     // the event that completed the step, or kNoEvent
  Day start = kNoDay;                // the trigger's date
  Day due = kNoDay;
  Day completed = kNoDay;
  // Working days: late by (late), due in (due), overdue by (overdue); 0 when on time.
  int working_days = 0;
};

enum class TimelineIssueKind : std::uint8_t {
  decision_without_referral,
  assessment_start_without_referral,
  assessment_without_referral,
  conference_without_strategy_discussion,
  review_without_plan,
  plan_end_without_plan,
};

struct TimelineIssue {
  TimelineIssueKind kind;
  std::uint32_t event;  // snapshot event number
};

// What rules read about a child's timeline (timeline.* attributes in docs/rules.md).
struct TimelineSummary {
  int on_time = 0;
  int late = 0;
  int due = 0;
  int overdue = 0;
  int max_overdue_days = 0;  // working days; 0 when nothing is overdue
  bool review_overdue = false;
  bool on_plan = false;
};

SAFEGUARD_EXPORT std::string_view to_string(StepKind kind) noexcept;
SAFEGUARD_EXPORT std::string_view to_string(StepStatus status) noexcept;
// A sentence for practitioners, e.g. "initial conference with no strategy discussion before it".
SAFEGUARD_EXPORT std::string_view describe(TimelineIssueKind kind) noexcept;

// Computes the child's (person slot) steps as of `as_of` into `steps` and the gaps in the
// record into `issues` (both cleared first; their capacity is reused, so a caller that keeps
// them allocates nothing once they have grown). Steps are in the order their clocks started.
// Throws Error(out_of_range) only for dates within months of year 9999.
SAFEGUARD_EXPORT TimelineSummary build_timeline(const Snapshot& snap, std::uint32_t child,
                                                const Timescales& timescales,
                                                const WorkingCalendar& calendar, Day as_of,
                                                std::vector<Step>& steps,
                                                std::vector<TimelineIssue>& issues);

}  // namespace safeguard
