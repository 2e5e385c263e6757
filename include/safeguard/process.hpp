// A nation's statutory child protection process as reviewed data: which events start each
// step's clock, when it falls due, what completes it and what makes it not required. One file per
// nation (process/england.toml, wales.toml, scotland.toml, northern-ireland.toml, compiled into
// the library), each step citing its guidance; a local file may change the steps a national file
// marks local (visit frequency, say). The format is in docs/timescales.md; the timeline
// (timeline.hpp) replays a child's events through it.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/calendar.hpp"
#include "safeguard/error.hpp"
#include "safeguard/model.hpp"

namespace safeguard {

// The units guidance states timescales in. Events carry dates, not times, so `hours` become
// whole calendar days, rounded up (72 hours after an event on day D is due by the end of D + 3).
enum class DueUnit : std::uint8_t { working_days, calendar_days, hours, weeks, months };

// What a due date that lands on a weekend, bank holiday or local closure becomes. Working-day
// timescales never land on one (they count working days), except a count of 0.
enum class NonWorkingDayRule : std::uint8_t {
  keep,      // the date stands (a visit or interview can happen on any day)
  previous,  // the working day before: "within" a period is a limit, not an extension
  next,      // the next working day
};

// A month that lacks the start date's day: 31 January + 1 month.
enum class MonthEndRule : std::uint8_t {
  clamp,     // the last day of the shorter month, 28/29 February (Dodds v Walker [1981])
  next_day,  // the day after it, 1 March
};

// An event the process reacts to: a kind and, optionally, the decision it recorded.
// Written "kind" (any decision), "kind:decision" or "kind:" (recorded without a decision).
struct EventMatch {
  EventKind kind = EventKind::referral;
  bool any_decision = true;
  EventDecision decision = EventDecision::none;

  bool matches(EventKind event, EventDecision recorded) const noexcept {
    return event == kind && (any_decision || recorded == decision);
  }
};

// One rule for a due date: count units after the triggering event's date (or after the
// expected date of birth it records, for pre-birth work; count may then be negative).
struct DueRule {
  int count = 0;
  DueUnit unit = DueUnit::working_days;
  bool from_expected = false;
};

struct NotRequiredRule {
  EventMatch event;
  std::string reason;  // what the timeline shows: "no section 47 enquiry (strategy discussion)"
};

// A state a child is in for a while (on a child protection plan, looked after). Steps may open
// only while a state holds (or only while it does not); when it ends, their open steps become
// not required, with the state's end reason.
struct ProcessState {
  std::string id;
  std::string title;
  std::vector<EventMatch> starts_on;
  std::vector<EventMatch> ends_on;
  std::string end_reason;  // "the plan ended"
  std::string gap;         // reported when an ending event finds the state not in force
};

// A source a child's record may come from (a record_source event names it, dated where what
// it holds starts) that records only some of the process's steps: the Children in Need census
// holds no referral decision other than no further action, and no core group, and nothing from
// before its census year. Such steps show "not recorded" rather than open or overdue
// (timeline.hpp). A source the process does not declare records every step.
struct ProcessSource {
  std::string id;                           // as record_source events name it: "cin_census"
  std::string title;                        // for people: "Children in Need census"
  std::vector<std::uint16_t> not_recorded;  // steps (indices) it never records
  std::string reason;  // what the timeline shows: "not recorded in the source (<title>)"
  // For a step whose clock started before the source's first declaration: "... (<title>):
  // started before the period it covers".
  std::string before_reason;
};

inline constexpr std::uint16_t kNoState = UINT16_MAX;
// Limits a process file is held to (the bundled ones use a fraction of them).
inline constexpr std::size_t kMaxProcessSteps = 64;
inline constexpr std::size_t kMaxProcessStates = 32;

// How a step's clock reacts to another opening event while the step is still open.
enum class RepeatRule : std::uint8_t {
  keep,     // the first clock stands (the discussion at which s47 enquiries were initiated)
  restart,  // the clock moves to the later event
  again,    // a new step opens beside the open one (each referral has its own clock)
};

struct ProcessStep {
  std::string id;      // stable: "initial_conference", "core_group"...
  std::string title;   // for people: "initial child protection conference"
  std::string source;  // the guidance it comes from: title, chapter or regulation
  bool local = false;  // a local file may change its due rule and switch it on or off
  // A local step with no national timescale is off until a local file switches it on with its
  // own (a default guess would show work overdue that the local procedure does not require).
  bool enabled = true;
  bool review = false;  // a review of the plan (for timeline.review_overdue and days since)
  std::vector<EventMatch> opens_on;
  std::vector<std::uint16_t> opens_after;  // steps (indices) whose completion starts the clock
  RepeatRule on_repeat = RepeatRule::keep;
  std::vector<DueRule> due;  // the earliest of them
  NonWorkingDayRule on_non_working_day = NonWorkingDayRule::keep;
  MonthEndRule month_end = MonthEndRule::clamp;
  std::vector<EventMatch> completed_by;
  std::vector<NotRequiredRule> not_required_by;
  std::uint16_t while_state = kNoState;   // opens only while this state holds
  std::uint16_t unless_state = kNoState;  // opens only while this state does not hold
  std::string gap;  // reported when a completing event finds no step open; empty: none
  int line = 0;     // where the step is defined, for messages
};

class SAFEGUARD_EXPORT Process {
 public:
  // Reads a national process file. Throws Error with the file, line and column of the problem
  // (Status::parse for bad TOML, type or invalid_data for a bad value, naming the key).
  static std::shared_ptr<const Process> load_string(std::string_view text, std::string_view name);
  static std::shared_ptr<const Process> load_file(const std::string& path);
  // Reads a local file (`[process] extends = "england"`) over `base`, which must be the
  // nation it names: its steps change only the due rules (and titles) of steps the national
  // file marks `local = true`. Throws like load_string; a statutory step is refused by name.
  static std::shared_ptr<const Process> load_local_string(std::string_view text,
                                                          std::string_view name,
                                                          const Process& base);
  static std::shared_ptr<const Process> load_local_file(const std::string& path,
                                                        const Process& base);
  // A national or local file (a local one names `extends` in [process]) for a case in
  // `nation`: a local file is read over the bundled process of that nation, and either must be
  // that nation's. Throws like load_string, and Error(invalid_argument) for another nation's.
  static std::shared_ptr<const Process> load_file_for(const std::string& path, Nation nation);
  // As load_file_for, from text named `name` in errors.
  static std::shared_ptr<const Process> load_string_for(std::string_view text,
                                                        std::string_view name, Nation nation);
  // The bundled process of a nation (england_and_wales reads as England). Parsed once, shared.
  static std::shared_ptr<const Process> bundled(Nation nation);

  // england, wales, scotland or northern_ireland (never england_and_wales).
  Nation nation() const noexcept { return nation_; }
  const std::string& title() const noexcept { return title_; }
  const std::string& source() const noexcept { return source_; }
  const std::string& origin() const noexcept { return origin_; }  // the file it came from
  const std::vector<ProcessStep>& steps() const noexcept { return steps_; }
  const std::vector<ProcessState>& states() const noexcept { return states_; }
  const std::vector<ProcessSource>& sources() const noexcept { return sources_; }
  // Index of a step, state or source by id, or -1.
  int find_step(std::string_view id) const noexcept;
  int find_state(std::string_view id) const noexcept;
  int find_source(std::string_view id) const noexcept;

  // A copy with a step's due rule replaced (used to apply a rule pack's [timescales]).
  std::shared_ptr<const Process> with_due(std::string_view step, DueRule due) const;

 private:
  friend class ProcessReader;
  Nation nation_ = Nation::england;
  std::string title_;
  std::string source_;
  std::string origin_;
  std::vector<ProcessStep> steps_;
  std::vector<ProcessState> states_;
  std::vector<ProcessSource> sources_;
};

// The process nation a case's nation selects: england_and_wales is England.
inline constexpr Nation process_nation(Nation nation) noexcept {
  return nation == Nation::england_and_wales ? Nation::england : nation;
}

SAFEGUARD_EXPORT std::string_view to_string(DueUnit unit) noexcept;

// Whether a step's lateness is told in working days: steps timed in working days or months
// (meetings, held on working days); those in days, hours or weeks (visits, interviews, which may
// happen on any day) are told in calendar days.
inline bool counts_working_days(const ProcessStep& step) noexcept {
  for (const DueRule& rule : step.due) {
    if (rule.unit == DueUnit::working_days || rule.unit == DueUnit::months) return true;
  }
  return false;
}

}  // namespace safeguard
