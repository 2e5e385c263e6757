// The measures the census is published for, per child and per authority, over the return's
// census period. docs/cin-census.md gives each definition and where it differs from the
// statutory timeline (timeline.hpp).
#include <algorithm>

#include "safeguard/cin.hpp"

namespace safeguard::cin {
namespace {

constexpr std::string_view kNames[kMeasureCount] = {
    "assessments_within_45_days",   "conferences_within_15_days", "reviews_within_timescale",
    "rereferrals_within_12_months", "second_or_subsequent_plans", "plans_two_years_or_more",
};

constexpr std::string_view kTitles[kMeasureCount] = {
    "assessments completed within 45 working days of their start",
    "initial conferences within 15 working days of the section 47 start",
    "plans of 3 months or more open at the reference date with every review on time",
    "referrals within 12 months of a previous referral",
    "plans starting in the year that are a second or subsequent plan",
    "plans ending in the year that lasted two years or more",
};

struct Period {
  Day first;
  Day last;
  bool holds(Day day) const { return day != kNoDay && day >= first && day <= last; }
};

void tally(Count& count, bool met) {
  ++count.denominator;
  if (met) ++count.count;
}

// Every review on time: the first within 3 months of the start, each next within 6 months of
// the one before, and none overdue at the end of the period.
bool reviews_on_time(const ProtectionPlan& plan, Day period_end) {
  std::vector<Day> reviews;
  for (Day review : plan.reviews) {
    if (review <= period_end) reviews.push_back(review);
  }
  std::sort(reviews.begin(), reviews.end());
  Day due = add_months(plan.start, 3);
  for (Day review : reviews) {
    if (review > due) return false;
    due = add_months(review, 6);
  }
  return due >= period_end;
}

void child_measures(const Child& child, const Period& period, const WorkingCalendar& calendar,
                    std::array<Count, kMeasureCount>& counts) {
  auto& assessments = counts[static_cast<int>(MeasureId::assessments_within_45_days)];
  auto& conferences = counts[static_cast<int>(MeasureId::conferences_within_15_days)];
  auto& reviews = counts[static_cast<int>(MeasureId::reviews_within_timescale)];
  auto& rereferrals = counts[static_cast<int>(MeasureId::rereferrals_within_12_months)];
  auto& repeat_plans = counts[static_cast<int>(MeasureId::second_or_subsequent_plans)];
  auto& long_plans = counts[static_cast<int>(MeasureId::plans_two_years_or_more)];

  std::vector<Day> referrals;
  std::vector<Day> plan_starts;
  for (const Episode& e : child.episodes) {
    if (e.referral != kNoDay) referrals.push_back(e.referral);
    for (const ProtectionPlan& p : e.protection_plans) {
      if (p.start != kNoDay) plan_starts.push_back(p.start);
    }
  }
  for (const Episode& e : child.episodes) {
    if (period.holds(e.referral)) {
      const Day window = add_months(e.referral, -12);
      bool previous = false;
      for (Day other : referrals) previous = previous || (other < e.referral && other >= window);
      tally(rereferrals, previous);
    }
    for (const Assessment& a : e.assessments) {
      if (a.start == kNoDay || !period.holds(a.authorised) || a.authorised < a.start) continue;
      tally(assessments, calendar.working_days_between(a.start, a.authorised) <= 45);
    }
    for (const Section47& s : e.section47s) {
      if (s.start == kNoDay || !period.holds(s.conference) || s.conference < s.start) continue;
      tally(conferences, calendar.working_days_between(s.start, s.conference) <= 15);
    }
    for (const ProtectionPlan& p : e.protection_plans) {
      if (p.start == kNoDay) continue;
      if (period.holds(p.start)) {
        bool earlier = false;
        for (Day other : plan_starts) earlier = earlier || other < p.start;
        tally(repeat_plans, p.previous_plans.value_or(0) > 0 || earlier);
      }
      if (period.holds(p.end) && p.end >= p.start) {
        tally(long_plans, p.end >= add_months(p.start, 24));
      }
      const bool open_at_end = p.start <= period.last && (p.end == kNoDay || p.end > period.last);
      if (open_at_end && add_months(p.start, 3) <= period.last) {
        tally(reviews, reviews_on_time(p, period.last));
      }
    }
  }
}

}  // namespace

std::string_view to_string(MeasureId id) noexcept { return kNames[static_cast<int>(id)]; }
std::string_view measure_title(MeasureId id) noexcept { return kTitles[static_cast<int>(id)]; }

Measures measures(const Return& cin_return, const WorkingCalendar& calendar) {
  if (cin_return.header.reference_date == kNoDay) {
    throw Error(Status::invalid_data,
                "the return has no ReferenceDate, so it has no census period to measure");
  }
  Measures out;
  out.period_start = cin_return.period_start();
  out.period_end = cin_return.period_end();
  const Period period{out.period_start, out.period_end};
  out.children.reserve(cin_return.children.size());
  for (const Child& child : cin_return.children) {
    ChildMeasures row;
    row.child = child.la_child_id;
    child_measures(child, period, calendar, row.counts);
    for (int m = 0; m < kMeasureCount; ++m) {
      out.authority[m].count += row.counts[m].count;
      out.authority[m].denominator += row.counts[m].denominator;
    }
    out.children.push_back(std::move(row));
  }
  return out;
}

Measures measures(const Return& cin_return) {
  static const WorkingCalendar england(Nation::england);
  return measures(cin_return, england);
}

}  // namespace safeguard::cin
