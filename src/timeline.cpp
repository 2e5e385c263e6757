// The statutory timeline: a child's process events replayed in date order through the nation's
// process (process.hpp) into steps with due dates, then each step's status as of a date. See
// timeline.hpp for the order of the replay.
#include "safeguard/timeline.hpp"

#include <algorithm>
#include <array>

#include "timeline_build.hpp"

namespace safeguard {
namespace {

constexpr std::array<std::string_view, 6> kStepStatusNames = {
    "on_time", "late", "due", "overdue", "not_required", "not_recorded"};

bool any_match(const std::vector<EventMatch>& matches, EventKind kind, EventDecision decision) {
  for (const EventMatch& m : matches) {
    if (m.matches(kind, decision)) return true;
  }
  return false;
}

Day adjust_for_non_working_day(Day due, NonWorkingDayRule rule, const WorkingCalendar& calendar) {
  if (rule == NonWorkingDayRule::keep) return due;
  while (!calendar.is_working_day(due)) due += rule == NonWorkingDayRule::previous ? -1 : 1;
  return due;
}

Day months_after(Day start, int months, MonthEndRule rule) {
  const Day clamped = add_months(start, months);
  if (rule == MonthEndRule::clamp) return clamped;
  // next_day: a month without the start's day of the month runs to the day after its end.
  const int wanted = to_date(start).day();
  return to_date(clamped).day() < wanted ? clamped + 1 : clamped;
}

Day due_by(const DueRule& rule, const ProcessStep& step, Day start, Day expected,
           const WorkingCalendar& calendar) {
  const Day anchor = rule.from_expected ? expected : start;
  if (anchor == kNoDay) return kNoDay;
  switch (rule.unit) {
    case DueUnit::working_days:
      return calendar.add_working_days(anchor, rule.count);
    case DueUnit::calendar_days:
      return anchor + rule.count;
    case DueUnit::weeks:
      return anchor + 7 * rule.count;
    case DueUnit::hours:
      return anchor + (rule.count + 23) / 24;
    case DueUnit::months:
      return months_after(anchor, rule.count, step.month_end);
  }
  return kNoDay;
}

// The earliest of the step's rules, moved off a non-working day as the step says. A rule
// counted from the expected date that had already passed when the clock started (a pregnancy
// notified after 28 weeks' gestation, for Scotland's "within 28 days of the concern and within
// 28 weeks of gestation") can no longer be met: the step's other rules set the date, and only
// a step with no other rule keeps it.
Day due_date(const ProcessStep& step, Day start, Day expected, const WorkingCalendar& calendar) {
  Day due = kNoDay, passed = kNoDay;
  for (const DueRule& rule : step.due) {
    const Day one = due_by(rule, step, start, expected, calendar);
    if (one == kNoDay) continue;
    Day& earliest = rule.from_expected && one < start ? passed : due;
    if (earliest == kNoDay || one < earliest) earliest = one;
  }
  if (due == kNoDay) due = passed;
  return due == kNoDay ? kNoDay
                       : adjust_for_non_working_day(due, step.on_non_working_day, calendar);
}

}  // namespace

std::string_view to_string(StepStatus status) noexcept {
  return detail::enum_name(kStepStatusNames, status);
}

namespace {

// The calendar of a process's steps: the case's own (with its local closures) for the
// assessment's process (nullptr), else the nation's bank holidays, built once and shared.
const WorkingCalendar& calendar_of(const Process* process, const WorkingCalendar& own) {
  if (!process) return own;
  static const WorkingCalendar england(Nation::england), wales(Nation::wales),
      scotland(Nation::scotland), northern_ireland(Nation::northern_ireland);
  switch (process->nation()) {
    case Nation::wales:
      return wales;
    case Nation::scotland:
      return scotland;
    case Nation::northern_ireland:
      return northern_ireland;
    default:
      return england;
  }
}

// The nation a transfer in says the child came from; `fallback` (the receiving side's) when it
// names none, which is a move between authorities of one nation.
Nation transfer_origin(EventDecision decision, Nation fallback) {
  switch (decision) {
    case EventDecision::from_england:
      return Nation::england;
    case EventDecision::from_wales:
      return Nation::wales;
    case EventDecision::from_scotland:
      return Nation::scotland;
    case EventDecision::from_northern_ireland:
      return Nation::northern_ireland;
    default:
      return fallback;
  }
}

// Why a transfer in closes the steps still open: where the child went.
std::string_view moved_reason(Nation from, Nation to) {
  if (from == to) return "the child moved to another local authority (transfer in)";
  switch (to) {
    case Nation::wales:
      return "the child moved to Wales (transfer in)";
    case Nation::scotland:
      return "the child moved to Scotland (transfer in)";
    case Nation::northern_ireland:
      return "the child moved to Northern Ireland (transfer in)";
    default:
      return "the child moved to England (transfer in)";
  }
}

// Why the originating authority's steps closed at the transfer-in conference.
constexpr std::string_view kTakenOver =
    "the transfer-in conference was held (the receiving authority took the plan over)";

bool is_open(const Step& step) {
  return step.done == kNoEvent && step.status != StepStatus::not_required &&
         step.status != StepStatus::not_recorded;
}

// A source a child's record comes from: its name (a record_source event's category) and the
// date of its first declaration, where what it holds starts.
struct DeclaredSource {
  std::string_view name;
  Day from = kNoDay;
};

// Why `step` of `process` is not recorded for a child whose record comes from `sources`: when
// no source records it (each is declared by the process and leaves the step out, or the step's
// clock started before the source's period), the reason of the first; empty when one records
// it, or when none is declared.
std::string_view unrecorded_reason(const Process& process, const Step& step,
                                   const std::vector<DeclaredSource>& sources) {
  std::string_view reason;
  for (const DeclaredSource& declared : sources) {
    const int s = process.find_source(declared.name);
    if (s < 0) return {};
    const ProcessSource& source = process.sources()[static_cast<std::size_t>(s)];
    const bool left_out = std::find(source.not_recorded.begin(), source.not_recorded.end(),
                                    step.kind) != source.not_recorded.end();
    const bool before = step.start < declared.from;
    if (!left_out && !before) return {};
    if (reason.empty()) reason = left_out ? source.reason : source.before_reason;
  }
  return reason;
}

}  // namespace

const WorkingCalendar& step_calendar(const WorkingCalendar& calendar, const Step& step) {
  return calendar_of(step.process, calendar);
}

TimelineSummary build_timeline(const Snapshot& snap, std::uint32_t child, const Process& own,
                               const WorkingCalendar& own_calendar, Day as_of,
                               std::vector<Step>& steps, std::vector<TimelineIssue>& issues) {
  steps.clear();
  issues.clear();
  TimelineSummary summary;
  const std::uint32_t* const first = snap.person_events.begin(child);
  const std::uint32_t* const last = snap.person_events.end(child);

  // The segments a transfer in from another nation splits the record into: the events before
  // each transfer ran through the nation the child came from. `origins` holds, for each
  // transfer in order, that nation; the events after the last one are the case's own. Worked
  // backwards, since a transfer naming no nation came from the nation of the segment after it.
  // Most children have no transfer, and then nothing is allocated.
  std::vector<Nation> origins;
  for (const std::uint32_t* it = first; it != last && snap.event_date[*it] <= as_of; ++it) {
    if (snap.event_kind[*it] == EventKind::transfer_in) origins.push_back(Nation::england);
  }
  if (!origins.empty()) {
    Nation next = own.nation();
    std::size_t k = origins.size();
    for (const std::uint32_t* it = last; it != first;) {
      --it;
      if (snap.event_date[*it] > as_of || snap.event_kind[*it] != EventKind::transfer_in) continue;
      next = origins[--k] = transfer_origin(snap.event_decision[*it], next);
    }
  }
  // The sources the child's record comes from (record_source events, whatever their date: one
  // dated after the as-of date still says the record up to then is not the source's); usually
  // none, and then nothing is allocated.
  std::vector<DeclaredSource> sources;
  for (const std::uint32_t* it = first; it != last; ++it) {
    if (snap.event_kind[*it] != EventKind::record_source) continue;
    const std::string_view name = snap.event_category[*it];
    auto same = [name](const DeclaredSource& d) { return d.name == name; };
    if (std::find_if(sources.begin(), sources.end(), same) == sources.end())
      sources.push_back({name, snap.event_date[*it]});  // in date order: the first is earliest
  }
  auto unrecorded = [&](const Step& step) -> std::string_view {
    if (sources.empty()) return {};
    return unrecorded_reason(step.process ? *step.process : own, step, sources);
  };
  // The process (nullptr: the case's own) and calendar of a segment's nation.
  auto process_of = [&](Nation nation) -> const Process* {
    return nation == own.nation() ? nullptr : Process::bundled(nation).get();
  };
  std::size_t transfers_seen = 0;
  const Process* current = origins.empty() ? nullptr : process_of(origins[0]);
  const Process* process = current ? current : &own;
  const WorkingCalendar* calendar = &calendar_of(current, own_calendar);

  const std::vector<ProcessStep>* defs = &process->steps();
  const std::vector<ProcessState>* states = &process->states();
  int plan_state = process->find_state("plan");
  int looked_after_state = process->find_state("looked_after");
  std::array<bool, kMaxProcessStates> active{};
  Day last_referral = kNoDay;

  auto definition = [&](const Step& step) -> const ProcessStep& {
    return step_definition(own, step);
  };
  // The oldest open step of a kind of the current process, or nullptr. Steps of an earlier
  // segment are all closed by the transfer that ended it.
  auto oldest_open = [&](std::size_t kind) -> Step* {
    for (Step& step : steps) {
      if (step.kind == kind && step.process == current && is_open(step)) return &step;
    }
    return nullptr;
  };
  // A step of the child protection plan (it runs while its own process's "plan" state holds),
  // other than the transfer-in conference a move opened: what the originating authority still
  // owes after it is notified of a move, until the receiving authority's conference.
  auto carried_by_originator = [&](const Step& step) {
    const Process& of = step.process ? *step.process : own;
    const int plan = of.find_state("plan");
    return plan >= 0 && definition(step).while_state == plan &&
           snap.event_kind[step.trigger] != EventKind::transfer_in;
  };
  // Since when the originating authority has been carrying the plan's steps: the notification
  // of a move whose transfer-in conference has not been held yet; kNoDay otherwise.
  Day carrying_since = kNoDay;
  // Closes a step that stopped being required; one already overdue keeps by how much, unless
  // the child's sources never record it (then nothing says whether it was missed).
  auto close_not_required = [&](Step& step, std::uint32_t event, Day date, std::string_view why) {
    if (step.due != kNoDay && step.due < date) {
      if (const std::string_view not_recorded = unrecorded(step); !not_recorded.empty()) {
        step.status = StepStatus::not_recorded;
        step.reason = not_recorded;
        return;
      }
      const WorkingCalendar& on = step_calendar(own_calendar, step);
      step.missed = true;
      step.working_days = on.working_days_between(step.due, date);
      step.calendar_days = date - step.due;
    }
    step.status = StepStatus::not_required;
    step.done = event;
    step.completed = date;
    step.reason = why;
  };

  // The steps the current event completed; a process has at most kMaxProcessSteps, so a fixed
  // array keeps the replay free of allocation.
  std::array<std::uint16_t, kMaxProcessSteps> completed_now{};
  std::size_t completed_count = 0;
  for (const std::uint32_t* it = first; it != last; ++it) {
    const std::uint32_t event = *it;
    const Day date = snap.event_date[event];
    if (date > as_of) break;  // sorted by date: the rest has not happened yet
    const EventKind kind = snap.event_kind[event];
    const EventDecision decision = snap.event_decision[event];
    std::string_view gap;

    // 0. A transfer in: the receiving process takes over, with the states in force carried
    //    over by id. The plan's steps stay with the originating authority until the transfer-in
    //    conference (London Safeguarding Children Procedures, "Children moving across local
    //    authority boundaries": the originating authority keeps the plan, its core group and
    //    visits, until the receiving authority's conference); every other open step closes. A
    //    second move before that conference closes them too: the child moved on.
    if (kind == EventKind::transfer_in) {
      const Nation from = origins[transfers_seen];
      ++transfers_seen;
      const Nation to = transfers_seen < origins.size() ? origins[transfers_seen] : own.nation();
      const std::string_view why = moved_reason(from, to);
      const bool moved_on = carrying_since != kNoDay;
      for (Step& step : steps) {
        if (is_open(step) && (moved_on || !carried_by_originator(step)))
          close_not_required(step, event, date, why);
      }
      carrying_since = date;
      const Process* next = process_of(to);
      if (next != current) {
        const Process& receiving = next ? *next : own;
        std::array<bool, kMaxProcessStates> carried{};
        for (std::size_t s = 0; s < states->size(); ++s) {
          const int there = receiving.find_state((*states)[s].id);
          if (active[s] && there >= 0) carried[static_cast<std::size_t>(there)] = true;
        }
        active = carried;
        current = next;
        process = &receiving;
        calendar = &calendar_of(current, own_calendar);
        defs = &process->steps();
        states = &process->states();
        plan_state = process->find_state("plan");
        looked_after_state = process->find_state("looked_after");
      }
    }
    if (kind == EventKind::referral) {
      summary.re_referral_12_months =
          last_referral != kNoDay && date <= add_months(last_referral, 12);
      last_referral = date;
    }
    // 1. States that start.
    for (std::size_t s = 0; s < states->size(); ++s) {
      if (!any_match((*states)[s].starts_on, kind, decision)) continue;
      if (!active[s] && static_cast<int>(s) == plan_state) ++summary.plans;
      active[s] = true;
    }
    // 2. Completions.
    // An event that completes steps but finds none of them open is a gap in the record, even
    // if it does something else too (a conference with nothing before it still starts a plan).
    completed_count = 0;
    bool completes_something = false;
    for (std::size_t k = 0; k < defs->size(); ++k) {
      const ProcessStep& def = (*defs)[k];
      if (!def.enabled || !any_match(def.completed_by, kind, decision)) continue;
      if (Step* step = oldest_open(k)) {
        step->done = event;
        step->completed = date;
        completed_now[completed_count++] = static_cast<std::uint16_t>(k);
        completes_something = true;
      } else if (gap.empty()) {
        gap = def.gap;
      }
    }
    // The originating authority's steps carried from another nation's process complete by
    // their own process's events (a core group it held after the notification).
    if (carrying_since != kNoDay) {
      for (Step& step : steps) {
        if (step.process == current || !is_open(step) || !carried_by_originator(step)) continue;
        if (!any_match(definition(step).completed_by, kind, decision)) continue;
        step.done = event;
        step.completed = date;
        completes_something = true;
      }
    }
    if (completes_something) gap = {};
    // 2b. The transfer-in conference: the receiving authority takes the plan over (or ends
    //     it), so what the originating authority was still carrying is no longer its to do.
    if (kind == EventKind::transfer_conference && carrying_since != kNoDay) {
      for (Step& step : steps) {
        if (is_open(step) && carried_by_originator(step))
          close_not_required(step, event, date, kTakenOver);
      }
      carrying_since = kNoDay;
    }
    // 3. States that end, and the steps that needed them.
    for (std::size_t s = 0; s < states->size(); ++s) {
      if (!any_match((*states)[s].ends_on, kind, decision)) continue;
      if (!active[s]) {
        if (gap.empty()) gap = (*states)[s].gap;
        continue;
      }
      active[s] = false;
      for (Step& step : steps) {
        if (step.process == current && is_open(step) && definition(step).while_state == s)
          close_not_required(step, event, date, (*states)[s].end_reason);
        // The plan ending also ends what an originating authority of another nation carried.
        else if (static_cast<int>(s) == plan_state && step.process != current && is_open(step) &&
                 carried_by_originator(step))
          close_not_required(step, event, date, (*states)[s].end_reason);
      }
    }
    // 4. Clocks that start.
    const std::size_t opened_from = steps.size();
    for (std::size_t k = 0; k < defs->size(); ++k) {
      const ProcessStep& def = (*defs)[k];
      if (!def.enabled) continue;
      const bool by_event = any_match(def.opens_on, kind, decision);
      bool after = false;
      for (std::size_t n = 0; n < completed_count; ++n) {
        after = after || std::find(def.opens_after.begin(), def.opens_after.end(),
                                   completed_now[n]) != def.opens_after.end();
      }
      if (!by_event && !after) continue;
      if (def.while_state != kNoState && !active[def.while_state]) continue;
      if (def.unless_state != kNoState && active[def.unless_state]) continue;
      Step* open = def.on_repeat == RepeatRule::again ? nullptr : oldest_open(k);
      if (open && def.on_repeat == RepeatRule::keep) continue;
      Step fresh;
      Step& step = open ? *open : fresh;
      step.kind = static_cast<std::uint16_t>(k);
      step.process = current;
      step.trigger = event;
      step.start = date;
      step.due = due_date(def, date, snap.event_expected[event], *calendar);
      if (!open) steps.push_back(step);
    }
    // 5. Steps decided against.
    for (std::size_t k = 0; k < defs->size(); ++k) {
      for (const NotRequiredRule& rule : (*defs)[k].not_required_by) {
        if (!rule.event.matches(kind, decision)) continue;
        for (std::size_t n = 0; n < steps.size(); ++n) {
          Step& step = steps[n];
          if (step.kind != k || step.process != current || !is_open(step)) continue;
          close_not_required(step, event, date, rule.reason);
          // Opened and decided against by the same event: there was never anything due.
          if (n >= opened_from) {
            step.due = kNoDay;
            step.missed = false;
            step.working_days = step.calendar_days = 0;
          }
        }
      }
    }
    if (!gap.empty()) issues.push_back({event, gap});
  }

  if (plan_state >= 0) summary.on_plan = active[static_cast<std::size_t>(plan_state)];
  if (looked_after_state >= 0)
    summary.looked_after = active[static_cast<std::size_t>(looked_after_state)];
  Day last_review = kNoDay;
  for (Step& step : steps) {
    const ProcessStep& def = definition(step);
    const WorkingCalendar& on = step_calendar(own_calendar, step);
    if (def.review && step.done != kNoEvent && step.status != StepStatus::not_required)
      last_review = std::max(last_review, step.completed);
    if (step.status == StepStatus::not_recorded) {
      step.working_days = step.calendar_days = 0;
      ++summary.not_recorded;
      continue;
    }
    if (step.done == kNoEvent && step.status != StepStatus::not_required) {
      if (const std::string_view not_recorded = unrecorded(step); !not_recorded.empty()) {
        step.status = StepStatus::not_recorded;
        step.reason = not_recorded;
        step.working_days = step.calendar_days = 0;
        ++summary.not_recorded;
        continue;
      }
    }
    if (step.status == StepStatus::not_required) {
      if (!step.missed) step.working_days = step.calendar_days = 0;
      ++summary.not_required;
      summary.missed += step.missed ? 1 : 0;
    } else if (step.due == kNoDay) {
      // No rule gave a date (pre-birth work with no expected date): due, with no count.
      step.status = step.done != kNoEvent ? StepStatus::on_time : StepStatus::due;
      step.working_days = step.calendar_days = 0;
      ++(step.status == StepStatus::due ? summary.due : summary.on_time);
    } else if (step.done != kNoEvent) {
      if (step.completed <= step.due) {
        step.status = StepStatus::on_time;
        step.working_days = step.calendar_days = 0;
        ++summary.on_time;
      } else {
        step.status = StepStatus::late;
        step.working_days = on.working_days_between(step.due, step.completed);
        step.calendar_days = step.completed - step.due;
        ++summary.late;
      }
    } else if (as_of <= step.due) {
      step.status = StepStatus::due;
      step.working_days = on.working_days_between(as_of, step.due);
      step.calendar_days = step.due - as_of;
      ++summary.due;
    } else {
      step.status = StepStatus::overdue;
      step.working_days = on.working_days_between(step.due, as_of);
      step.calendar_days = as_of - step.due;
      ++summary.overdue;
      summary.max_overdue_days = std::max(summary.max_overdue_days, step.working_days);
      if (def.review) summary.review_overdue = true;
    }
  }
  if (last_review != kNoDay) summary.days_since_last_review = as_of - last_review;
  return summary;
}

std::shared_ptr<const Process> process_for(Nation nation, const Timescales& timescales,
                                           std::shared_ptr<const Process> chosen) {
  const Nation wanted = process_nation(nation);
  if (chosen && chosen->nation() != wanted) {
    throw Error(Status::invalid_argument, "the process " + chosen->origin() + " is " +
                                              std::string(to_string(chosen->nation())) +
                                              "'s, but the case is in " +
                                              std::string(to_string(nation)));
  }
  std::shared_ptr<const Process> process = chosen ? std::move(chosen) : Process::bundled(wanted);
  if (wanted != Nation::england || timescales.set == 0) return process;
  struct Key {
    unsigned bit;
    const char* step;
    int count;
    DueUnit unit;
  };
  const Key keys[] = {
      {Timescales::referral_decision, "referral_decision",
       timescales.referral_decision_working_days, DueUnit::working_days},
      {Timescales::assessment, "assessment", timescales.assessment_working_days,
       DueUnit::working_days},
      {Timescales::initial_conference, "initial_conference",
       timescales.initial_conference_working_days, DueUnit::working_days},
      {Timescales::first_review, "first_review", timescales.first_review_months, DueUnit::months},
      {Timescales::review_interval, "review", timescales.review_interval_months, DueUnit::months},
  };
  for (const Key& key : keys) {
    if ((timescales.set & key.bit) != 0 && process->find_step(key.step) >= 0)
      process = process->with_due(key.step, DueRule{key.count, key.unit, false});
  }
  return process;
}

}  // namespace safeguard
