// Working days for statutory timescales: the bank holidays of England and Wales, Scotland and
// Northern Ireland generated from rules with Boost.Date_Time, local closures, and month and age
// arithmetic on Day numbers. The rules and the working-day cache are in src/ (holidays.hpp,
// calendar.cpp).
//
// Thread safety: every function here is pure or const. A WorkingCalendar builds its cache in the
// constructor and has no lazily filled state, so any number of threads may query one calendar
// at once; add_closure() must not run at the same time as anything else on that calendar.
#pragma once

#include "safeguard/detail/export.hpp"

#include <array>
#include <memory>
#include <string_view>
#include <vector>

#include "safeguard/day.hpp"
#include "safeguard/detail/enum_names.hpp"

namespace safeguard {

// The UK nations a case can be in. England and Wales share one list of bank holidays but not
// their child protection process, so each can be named: `england` and `wales` have the
// holidays of `england_and_wales`, which remains the default and reads as England for the
// statutory process (it was the only spelling before Wales had its own process file).
// Appended, never reordered.
enum class Nation { england_and_wales, scotland, northern_ireland, england, wales };

namespace detail {
inline constexpr std::array<std::string_view, 5> kNationNames = {
    "england-and-wales", "scotland", "northern-ireland", "england", "wales"};
}  // namespace detail

// The bank-holiday jurisdiction of a nation: england and wales share england_and_wales's.
inline constexpr Nation holiday_jurisdiction(Nation nation) noexcept {
  return nation == Nation::england || nation == Nation::wales ? Nation::england_and_wales : nation;
}

// Accepts exactly "england-and-wales", "scotland", "northern-ireland", "england" or "wales". On
// failure leaves out unchanged and returns false.
inline bool parse_nation(std::string_view text, Nation& out) noexcept {
  return detail::parse_enum(detail::kNationNames, text, out);
}

// The spelling parse_nation accepts.
inline std::string_view to_string(Nation nation) noexcept {
  return detail::enum_name(detail::kNationNames, nation);
}

// The nation as a reader names it: "England and Wales", "Scotland", "Northern Ireland",
// "England", "Wales".
inline std::string_view nation_title(Nation nation) noexcept {
  constexpr std::array<std::string_view, 5> kTitles = {"England and Wales", "Scotland",
                                                       "Northern Ireland", "England", "Wales"};
  return detail::enum_name(kTitles, nation);
}

// The bank holidays of a nation in a year, sorted, as GOV.UK publishes them: standing rules,
// substitute days, and the one-off changes proclaimed since 1990. Years before 1990 use the
// standing rules only. Throws Error(Status::out_of_range) for years outside 1400..9999.
SAFEGUARD_EXPORT std::vector<Day> bank_holidays(Nation nation, int year);

// Calendar months after day, keeping the day of the month and clamping it to the end of a
// shorter month: 31 Jan + 1 month is 28 Feb (29 in a leap year), 31 Mar - 1 month likewise.
// Clamping keeps a deadline "within 3 months" inside the third month instead of spilling
// into the fourth. months may be negative.
SAFEGUARD_EXPORT Day add_months(Day day, int months);

// Whole months of age at a date. A monthly anniversary that the month lacks (the 31st, or 29 Feb
// in a common year) falls on the 1st of the next month: this is the usual reading in UK law of
// when a child born on 29 February attains an age in a common year (1 March), applied to every
// month so that age_in_years(b, at) == age_in_months(b, at) / 12 always holds.
// Before birth the result is negative (-1 in the month before birth), which keeps pre-birth
// assessments below every "age under N" threshold.
SAFEGUARD_EXPORT int age_in_months(Day birth, Day at);

// Whole years of age at a date, with the same convention: born 29 Feb 2016, a child is 0 on
// 28 Feb 2017 and 1 on 1 Mar 2017. Negative before birth.
SAFEGUARD_EXPORT int age_in_years(Day birth, Day at);

// Calendar days from one date to another: positive when to is later.
SAFEGUARD_EXPORT int days_between(Day from, Day to);

// Working days for one nation: not a weekend, not a bank holiday, not a local closure (a day a
// local authority or agency shuts, such as a Christmas shutdown or a local polling day).
//
// Days in kFirstCachedYear..kLastCachedYear are answered from a bitset with a running count per
// 64 days, built in the constructor, so is_working_day is a bit test and working_days_between
// and add_working_days are a binary search and a popcount. Days outside it are computed from the
// rules as the query walks, with no state kept between calls.
class SAFEGUARD_EXPORT WorkingCalendar {
 public:
  static constexpr int kFirstCachedYear = 1990;
  static constexpr int kLastCachedYear = 2100;

  explicit WorkingCalendar(Nation nation);
  ~WorkingCalendar();
  WorkingCalendar(const WorkingCalendar& other);
  WorkingCalendar& operator=(const WorkingCalendar& other);
  WorkingCalendar(WorkingCalendar&& other) noexcept;
  WorkingCalendar& operator=(WorkingCalendar&& other) noexcept;

  Nation nation() const noexcept;

  // Marks a day as closed locally. Closing a day that is already a weekend, a bank holiday or
  // a closure changes nothing. Not safe to call while other threads use the calendar.
  void add_closure(Day day);

  // The local closures added so far, sorted and unique.
  const std::vector<Day>& closures() const noexcept;

  bool is_working_day(Day day) const;

  // The count-th working day after start. count == 0 returns start itself, even when start is
  // not a working day: "0 working days after" a date is that date, and a timescale of n working
  // days is then add_working_days(start, n) for every n without special cases.
  // Throws Error(Status::invalid_argument) for a negative count.
  Day add_working_days(Day start, int count) const;

  // Working days after from, up to and including to: Fri -> next Mon is 1, a day to itself 0.
  // Antisymmetric, so negative when to is before from. The inverse of add_working_days:
  // working_days_between(start, add_working_days(start, n)) == n for every n >= 0.
  int working_days_between(Day from, Day to) const;

 private:
  struct Days;  // the working-day bitset and the closures (src/calendar.cpp)
  std::unique_ptr<Days> days_;
};

}  // namespace safeguard
