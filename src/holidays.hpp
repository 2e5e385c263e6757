// The rules behind calendar.hpp: the standing bank-holiday rules of each nation, the one-off
// changes proclaimed since 1990 and the day arithmetic they need. Private to the library (and
// its calendar tests) so that the public header shows the API, not the tables.
#pragma once

#include <algorithm>
#include <boost/date_time/gregorian/gregorian_types.hpp>
#include <string>
#include <vector>

#include "safeguard/calendar.hpp"
#include "safeguard/day.hpp"
#include "safeguard/error.hpp"

namespace safeguard {
namespace detail {

namespace bg = boost::gregorian;

// The years Boost.Date_Time can represent.
inline constexpr int kFirstSupportedYear = 1400;
inline constexpr int kLastSupportedYear = 9999;

// St Andrew's Day Bank Holiday (Scotland) Act 2007 made 30 November a bank holiday.
inline constexpr int kFirstStAndrewsDayYear = 2007;

// Throws unless day is a real date Boost can represent; what names the caller in the message.
inline void require_day(Day day, const char* what) {
  if (day == kNoDay) {
    throw Error(Status::invalid_argument, std::string(what) + ": no date given (kNoDay)");
  }
  if (day < kFirstSupportedDay || day > kLastSupportedDay) {
    throw Error(Status::out_of_range, std::string(what) + ": day number " + std::to_string(day) +
                                          " is outside 1400-01-01..9999-12-31");
  }
}

// 1970-01-01 was a Thursday; 0 is Sunday, as in Boost's greg_weekday.
constexpr int day_of_week(Day day) noexcept { return ((day % 7) + 7 + 4) % 7; }

constexpr bool is_weekend(Day day) noexcept {
  const int weekday = day_of_week(day);
  return weekday == 0 || weekday == 6;
}

// Rounds toward minus infinity, so months and ages before an epoch come out as whole
// periods not yet reached rather than being truncated toward zero.
constexpr int floor_div(int numerator, int denominator) noexcept {
  const int quotient = numerator / denominator;
  return (numerator % denominator != 0 && (numerator < 0) != (denominator < 0)) ? quotient - 1
                                                                                : quotient;
}

inline int year_of(Day day) { return to_date(day).year(); }

inline Day ymd_day(int year, int month, int day) {
  return to_day(bg::date(static_cast<unsigned short>(year), static_cast<unsigned short>(month),
                         static_cast<unsigned short>(day)));
}

inline int month_length(int year, int month) {
  return bg::gregorian_calendar::end_of_month_day(static_cast<unsigned short>(year),
                                                  static_cast<unsigned short>(month));
}

// Easter Sunday by the Gregorian computus, in the anonymous form published by Meeus: find the
// paschal full moon from the year's place in the 19-year lunar cycle (with the century
// corrections of the Gregorian reform), then the Sunday after it.
inline bg::date easter_sunday(int year) {
  const int lunar_cycle_year = year % 19;
  const int century = year / 100;
  const int year_in_century = year % 100;
  const int skipped_leap_days = century / 4;
  const int century_remainder = century % 4;
  const int lunar_shift = (century - (century + 8) / 25 + 1) / 3;
  const int days_to_full_moon =
      (19 * lunar_cycle_year + century - skipped_leap_days - lunar_shift + 15) % 30;
  const int leap_years = year_in_century / 4;
  const int year_remainder = year_in_century % 4;
  const int days_to_sunday =
      (32 + 2 * century_remainder + 2 * leap_years - days_to_full_moon - year_remainder) % 7;
  const int late_correction =
      (lunar_cycle_year + 11 * days_to_full_moon + 22 * days_to_sunday) / 451;
  const int month_and_day = days_to_full_moon + days_to_sunday - 7 * late_correction + 114;
  return bg::date(static_cast<unsigned short>(year),
                  static_cast<unsigned short>(month_and_day / 31),
                  static_cast<unsigned short>(month_and_day % 31 + 1));
}

constexpr unsigned nation_bit(Nation nation) noexcept {
  return 1u << static_cast<unsigned>(nation);
}

inline constexpr unsigned kAllNations = 0x7;

enum class OneOffKind { added, withdrawn };

// A change proclaimed for one year only, on top of what the rules generate.
struct OneOffChange {
  int year;
  int month;
  int day;
  OneOffKind kind;
  unsigned nations;  // nation_bit() of each nation it applies to
};

// Royal proclamations since 1990, the first year a WorkingCalendar caches. Each move is a pair:
// the rule date withdrawn, the proclaimed date added.
inline constexpr OneOffChange kOneOffChanges[] = {
    // 1995: early May holiday moved to the 50th anniversary of VE Day.
    {1995, 5, 1, OneOffKind::withdrawn, kAllNations},
    {1995, 5, 8, OneOffKind::added, kAllNations},
    // 1999: extra holiday on the eve of the millennium.
    {1999, 12, 31, OneOffKind::added, kAllNations},
    // 2002: Golden Jubilee; spring holiday moved to Tue 4 June, jubilee holiday Mon 3 June.
    {2002, 5, 27, OneOffKind::withdrawn, kAllNations},
    {2002, 6, 3, OneOffKind::added, kAllNations},
    {2002, 6, 4, OneOffKind::added, kAllNations},
    // 2011: wedding of Prince William and Catherine Middleton.
    {2011, 4, 29, OneOffKind::added, kAllNations},
    // 2012: Diamond Jubilee; spring holiday moved to Mon 4 June, jubilee holiday Tue 5 June.
    {2012, 5, 28, OneOffKind::withdrawn, kAllNations},
    {2012, 6, 4, OneOffKind::added, kAllNations},
    {2012, 6, 5, OneOffKind::added, kAllNations},
    // 2020: early May holiday moved to Fri 8 May for the 75th anniversary of VE Day.
    {2020, 5, 4, OneOffKind::withdrawn, kAllNations},
    {2020, 5, 8, OneOffKind::added, kAllNations},
    // 2022: Platinum Jubilee; spring holiday moved to Thu 2 June, jubilee holiday Fri 3 June.
    {2022, 5, 30, OneOffKind::withdrawn, kAllNations},
    {2022, 6, 2, OneOffKind::added, kAllNations},
    {2022, 6, 3, OneOffKind::added, kAllNations},
    // 2022: State Funeral of Queen Elizabeth II.
    {2022, 9, 19, OneOffKind::added, kAllNations},
    // 2023: Coronation of King Charles III (in addition to the early May holiday on 1 May).
    {2023, 5, 8, OneOffKind::added, kAllNations},
};

// The bank holidays the standing rules give for one year, before one-off changes; sorted.
inline std::vector<Day> rule_holidays(Nation nation, int year) {
  using nth_weekday = bg::nth_day_of_the_week_in_month;
  using last_weekday = bg::last_day_of_the_week_in_month;
  const auto year_value = static_cast<unsigned short>(year);
  const bool scotland = nation == Nation::scotland;
  const bool northern_ireland = nation == Nation::northern_ireland;

  // Holidays fixed to a weekday never need a substitute.
  std::vector<Day> holidays;
  const bg::date easter = easter_sunday(year);
  holidays.push_back(to_day(easter - bg::days(2)));                 // Good Friday
  if (!scotland) holidays.push_back(to_day(easter + bg::days(1)));  // Easter Monday
  // Early May, spring (last Monday of May) and summer (Scotland's is at the start of August).
  holidays.push_back(
      to_day(nth_weekday(nth_weekday::first, bg::Monday, bg::May).get_date(year_value)));
  holidays.push_back(to_day(last_weekday(bg::Monday, bg::May).get_date(year_value)));
  holidays.push_back(
      to_day(scotland ? nth_weekday(nth_weekday::first, bg::Monday, bg::Aug).get_date(year_value)
                      : last_weekday(bg::Monday, bg::Aug).get_date(year_value)));

  // Date-fixed holidays, in date order. One on a weekend is kept on the next weekday that is
  // not already a holiday, which is what makes Christmas and Boxing Day both on a weekend give
  // Monday and Tuesday, and the same for Scotland's 1 and 2 January.
  std::vector<Day> fixed = {ymd_day(year, 1, 1)};
  if (scotland) fixed.push_back(ymd_day(year, 1, 2));
  if (northern_ireland) fixed.push_back(ymd_day(year, 3, 17));  // St Patrick's Day
  if (northern_ireland) fixed.push_back(ymd_day(year, 7, 12));  // Battle of the Boyne
  if (scotland && year >= kFirstStAndrewsDayYear) fixed.push_back(ymd_day(year, 11, 30));
  fixed.push_back(ymd_day(year, 12, 25));
  fixed.push_back(ymd_day(year, 12, 26));

  for (Day day : fixed) {
    if (!is_weekend(day)) holidays.push_back(day);
  }
  for (Day day : fixed) {
    if (!is_weekend(day)) continue;
    Day substitute = day + 1;
    while (is_weekend(substitute) ||
           std::find(holidays.begin(), holidays.end(), substitute) != holidays.end()) {
      ++substitute;
    }
    holidays.push_back(substitute);
  }
  std::sort(holidays.begin(), holidays.end());
  return holidays;
}

// The rule holidays with the one-off changes for that year applied; sorted and unique.
inline std::vector<Day> apply_one_off_changes(Nation nation, int year, std::vector<Day> holidays) {
  for (const OneOffChange& change : kOneOffChanges) {
    if (change.year != year || (change.nations & nation_bit(nation)) == 0) continue;
    const Day day = ymd_day(change.year, change.month, change.day);
    if (change.kind == OneOffKind::added) {
      holidays.push_back(day);
    } else {
      holidays.erase(std::remove(holidays.begin(), holidays.end(), day), holidays.end());
    }
  }
  std::sort(holidays.begin(), holidays.end());
  holidays.erase(std::unique(holidays.begin(), holidays.end()), holidays.end());
  return holidays;
}

}  // namespace detail
}  // namespace safeguard
