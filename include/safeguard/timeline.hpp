// Statutory timescales: a child's process events (referral, strategy discussions, section 47
// enquiries, conferences, plans, looked-after reviews, visits, missing episodes...) replayed
// through the nation's process (process.hpp, one reviewed file per nation) into the steps the
// process must take, each with its due date and its status as of a date.
//
// The replay, event by event in date order (events of one day in process order,
// event_order_rank; events dated after the as-of date have not happened yet):
//   1. states the event starts come into force (a plan, being looked after);
//   2. it completes the oldest open step of each kind it completes, and records a gap in the
//      record when a step says so and none is open (a conference with nothing before it);
//   3. states it ends stop, and their open steps become not required, with the state's reason;
//   4. steps it opens (or that follow a step it completed) start their clock, unless one is
//      open and the step keeps its first clock (the ICPC runs from the discussion at which
//      section 47 enquiries were initiated: Working Together to Safeguard Children 2023, ch. 3);
//   5. it makes open steps not required, with the reason the process gives ("no further
//      action" at the referral decision closes the assessment). A step it opened at 4 and
//      closes at 5 is shown as decided against, with no due date.
// A step that was already overdue when it stopped being required keeps how overdue it was then
// (Step::missed): a plan that ends does not wipe out a review that was never held.
// A transfer in (EventKind::transfer_in) starts the receiving authority's record: every step
// still open closes ("the child moved to Wales"), the states in force (a plan) carry over by id,
// and the transfer itself is replayed through the receiving process. When the child came from
// another nation (the event's decision, from_scotland...), the events before the transfer ran
// through that nation's bundled process, on its calendar: each step says whose it is
// (Step::process).
// Sources: a child whose record_source events (dated on or before the as-of date) all name
// sources the process declares ([sources.<id>] in its file) has the steps every one of those
// sources leaves out shown as not recorded, when no event completed them: neither open, overdue
// nor missed (nothing says whether they were held). Their clocks and what follows them are still
// worked out from the events the sources do record.
// Statuses: done on time, done late by N, due in N, overdue by N (working days, and calendar
// days for steps counted in days, hours, weeks or months), not required with the reason, or not
// recorded in the source.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "safeguard/calendar.hpp"
#include "safeguard/day.hpp"
#include "safeguard/model.hpp"
#include "safeguard/process.hpp"

namespace safeguard {

struct Snapshot;

// A rule pack's [timescales] (docs/rules.md): the England steps it names replace the
// process file's due rules. Only keys the pack sets apply (the bit of each in `set`), so a local
// process file is not undone by a pack that leaves them at their defaults.
struct Timescales {
  int referral_decision_working_days = 1;
  int assessment_working_days = 45;
  int initial_conference_working_days = 15;
  int first_review_months = 3;
  int review_interval_months = 6;
  enum Key : unsigned {
    referral_decision = 1,
    assessment = 2,
    initial_conference = 4,
    first_review = 8,
    review_interval = 16,
  };
  unsigned set = 0;
};

enum class StepStatus : std::uint8_t {
  on_time,       // done by its due date
  late,          // done after its due date
  due,           // not done; the due date is today or later
  overdue,       // not done; the due date has passed
  not_required,  // decided against, or its reason ended (see Step::reason)
  // Not done, and the child's record comes only from sources that never record this step (the
  // Children in Need census holds no core group): whether it was done is unknown, so it is
  // neither open nor overdue. Step::reason says which source.
  not_recorded,
};

inline constexpr std::uint32_t kNoEvent = UINT32_MAX;

struct Step {
  std::uint16_t kind = 0;  // the step: an index into the process's steps()
  StepStatus status = StepStatus::due;
  std::uint32_t trigger = kNoEvent;  // the event that started the clock (snapshot event number)
  // The event that completed the step, or that made it not required; kNoEvent when neither.
  std::uint32_t done = kNoEvent;
  Day start = kNoDay;      // the trigger's date
  Day due = kNoDay;        // kNoDay when decided against at once, or when no rule could give one
  Day completed = kNoDay;  // when done, or when it stopped being required
  // Late by (late), due in (due), overdue by (overdue); 0 when on time or not required.
  int working_days = 0;
  int calendar_days = 0;
  // Why it is not required (text owned by the process); empty otherwise.
  std::string_view reason;
  // Not required, but overdue when it stopped being required: working_days and calendar_days
  // then say by how much it was overdue on that day.
  bool missed = false;
  // Whose step: nullptr for the assessment's own process; another nation's bundled process
  // (Process::bundled, which lives as long as the program) for a step from before a transfer in
  // from that nation. `kind` indexes that process's steps().
  const Process* process = nullptr;
};

// A gap in the record: an event with nothing before it to act on.
struct TimelineIssue {
  std::uint32_t event;    // snapshot event number
  std::string_view text;  // a sentence, owned by the process
};

// What rules read about a child's timeline (timeline.* attributes in docs/rules.md).
struct TimelineSummary {
  int on_time = 0;
  int late = 0;
  int due = 0;
  int overdue = 0;
  int not_required = 0;
  int not_recorded = 0;  // steps the child's sources never record (StepStatus::not_recorded)
  int missed = 0;  // of the not required, those that were overdue when they stopped (Step::missed)
  int max_overdue_days = 0;  // working days; 0 when nothing is overdue
  bool review_overdue = false;
  bool on_plan = false;
  bool looked_after = false;
  // Children in Need census: the latest referral came within 12 months of the one before it.
  bool re_referral_12_months = false;
  int plans = 0;  // child protection plans started so far
  // Calendar days since the last review of the plan was held; -1 if none has been.
  int days_since_last_review = -1;
};

SAFEGUARD_EXPORT std::string_view to_string(StepStatus status) noexcept;

// The definition of a step of a timeline built with `process` (the assessment's own): the step's
// own process when it came from before a transfer in from another nation.
inline const ProcessStep& step_definition(const Process& process, const Step& step) noexcept {
  return (step.process ? *step.process : process).steps()[step.kind];
}
// The calendar a step's working days are counted on: `calendar` (the case's, with its local
// closures) for the assessment's own process, else the step's nation's bank holidays.
SAFEGUARD_EXPORT const WorkingCalendar& step_calendar(const WorkingCalendar& calendar,
                                                      const Step& step);

// The process a pack's assessment uses for a nation: `chosen` if given (it must be that
// nation's; Error(invalid_argument) otherwise), else the bundled one; then the pack's
// [timescales], for England.
SAFEGUARD_EXPORT std::shared_ptr<const Process> process_for(Nation nation,
                                                            const Timescales& timescales,
                                                            std::shared_ptr<const Process> chosen);

}  // namespace safeguard
