// Working days for statutory timescales: the bank holidays of England and Wales, Scotland and
// Northern Ireland generated from rules with Boost.Date_Time, local closures, and month and age
// arithmetic on Day numbers.
//
// Thread safety: every function here is pure or const. A WorkingCalendar builds its cache in the
// constructor and has no lazily filled state, so any number of threads may query one calendar
// at once; add_closure() must not run at the same time as anything else on that calendar.
#pragma once

#include <algorithm>
#include <bitset>
#include <boost/date_time/gregorian/gregorian_types.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/day.hpp"
#include "safeguard/error.hpp"

namespace safeguard {

// The three bank-holiday jurisdictions of the UK (Wales shares England's list).
enum class Nation { england_and_wales, scotland, northern_ireland };

// Accepts exactly "england-and-wales", "scotland" or "northern-ireland". On failure leaves out
// unchanged and returns false.
inline bool parse_nation(std::string_view text, Nation& out) noexcept {
  if (text == "england-and-wales") {
    out = Nation::england_and_wales;
  } else if (text == "scotland") {
    out = Nation::scotland;
  } else if (text == "northern-ireland") {
    out = Nation::northern_ireland;
  } else {
    return false;
  }
  return true;
}

// The spelling parse_nation accepts.
inline std::string_view to_string(Nation nation) noexcept {
  switch (nation) {
    case Nation::england_and_wales:
      return "england-and-wales";
    case Nation::scotland:
      return "scotland";
    case Nation::northern_ireland:
      return "northern-ireland";
  }
  return "";
}

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

// The bank holidays of a nation in a year, sorted, as GOV.UK publishes them: standing rules,
// substitute days, and the one-off changes proclaimed since 1990. Years before 1990 use the
// standing rules only. Throws Error(Status::out_of_range) for years outside 1400..9999.
inline std::vector<Day> bank_holidays(Nation nation, int year) {
  if (year < detail::kFirstSupportedYear || year > detail::kLastSupportedYear) {
    throw Error(Status::out_of_range,
                "bank_holidays: year " + std::to_string(year) + " is outside 1400..9999");
  }
  return detail::apply_one_off_changes(nation, year, detail::rule_holidays(nation, year));
}

// Calendar months after day, keeping the day of the month and clamping it to the end of a
// shorter month: 31 Jan + 1 month is 28 Feb (29 in a leap year), 31 Mar - 1 month likewise.
// Clamping keeps a deadline "within 3 months" inside the third month instead of spilling
// into the fourth. months may be negative.
inline Day add_months(Day day, int months) {
  detail::require_day(day, "add_months");
  const auto ymd = to_date(day).year_month_day();
  const std::int64_t month_index = std::int64_t{ymd.year} * 12 + (ymd.month - 1) + months;
  if (month_index < std::int64_t{detail::kFirstSupportedYear} * 12 ||
      month_index > std::int64_t{detail::kLastSupportedYear} * 12 + 11) {
    throw Error(Status::out_of_range, "add_months: " + format_iso_date(day) + " + " +
                                          std::to_string(months) + " months is outside 1400..9999");
  }
  const int year = static_cast<int>(month_index / 12);
  const int month = static_cast<int>(month_index % 12) + 1;
  return detail::ymd_day(year, month, std::min<int>(ymd.day, detail::month_length(year, month)));
}

// Whole months of age at a date. A monthly anniversary that the month lacks (the 31st, or 29 Feb
// in a common year) falls on the 1st of the next month: this is the usual reading in UK law of
// when a child born on 29 February attains an age in a common year (1 March), applied to every
// month so that age_in_years(b, at) == age_in_months(b, at) / 12 always holds.
// Before birth the result is negative (-1 in the month before birth), which keeps pre-birth
// assessments below every "age under N" threshold.
inline int age_in_months(Day birth, Day at) {
  detail::require_day(birth, "age_in_months (birth)");
  detail::require_day(at, "age_in_months (at)");
  const auto born = to_date(birth).year_month_day();
  const auto now = to_date(at).year_month_day();
  const int months = (now.year - born.year) * 12 + (now.month - born.month);
  const bool anniversary_reached =
      born.day <= detail::month_length(now.year, now.month) && now.day >= born.day;
  return anniversary_reached ? months : months - 1;
}

// Whole years of age at a date, with the same convention: born 29 Feb 2016, a child is 0 on
// 28 Feb 2017 and 1 on 1 Mar 2017. Negative before birth.
inline int age_in_years(Day birth, Day at) {
  return detail::floor_div(age_in_months(birth, at), 12);
}

// Calendar days from one date to another: positive when to is later.
inline int days_between(Day from, Day to) {
  detail::require_day(from, "days_between (from)");
  detail::require_day(to, "days_between (to)");
  return to - from;
}

// Working days for one nation: not a weekend, not a bank holiday, not a local closure (a day a
// local authority or agency shuts, such as a Christmas shutdown or a local polling day).
//
// Days in kFirstCachedYear..kLastCachedYear are answered from a bitset with a running count per
// 64 days, built in the constructor, so is_working_day is a bit test and working_days_between
// and add_working_days are a binary search and a popcount. Days outside it are computed from the
// rules as the query walks, with no state kept between calls.
class WorkingCalendar {
 public:
  static constexpr int kFirstCachedYear = 1990;
  static constexpr int kLastCachedYear = 2100;

  explicit WorkingCalendar(Nation nation)
      : nation_(nation),
        cache_first_(detail::ymd_day(kFirstCachedYear, 1, 1)),
        cache_end_(detail::ymd_day(kLastCachedYear + 1, 1, 1)) {
    const auto cached_days = static_cast<std::size_t>(cache_end_ - cache_first_);
    working_bits_.assign((cached_days + kBitsPerWord - 1) / kBitsPerWord, 0);
    for (std::size_t index = 0; index < cached_days; ++index) {
      if (!detail::is_weekend(cache_first_ + static_cast<Day>(index))) set_bit(index);
    }
    for (int year = kFirstCachedYear; year <= kLastCachedYear; ++year) {
      for (Day holiday : bank_holidays(nation, year)) clear_bit(cache_index(holiday));
    }
    working_rank_.assign(working_bits_.size() + 1, 0);
    recount_from(0);
  }

  Nation nation() const noexcept { return nation_; }

  // Marks a day as closed locally. Closing a day that is already a weekend, a bank holiday or
  // a closure changes nothing. Not safe to call while other threads use the calendar.
  void add_closure(Day day) {
    detail::require_day(day, "add_closure");
    const auto position = std::lower_bound(closures_.begin(), closures_.end(), day);
    if (position != closures_.end() && *position == day) return;
    closures_.insert(position, day);
    if (!in_cache(day)) return;
    const std::size_t index = cache_index(day);
    clear_bit(index);
    recount_from(index / kBitsPerWord);
  }

  // The local closures added so far, sorted and unique.
  const std::vector<Day>& closures() const noexcept { return closures_; }

  bool is_working_day(Day day) const {
    if (in_cache(day)) return test_bit(cache_index(day));
    detail::require_day(day, "is_working_day");
    YearHolidays scratch;
    return is_working_uncached(day, scratch);
  }

  // The count-th working day after start. count == 0 returns start itself, even when start is
  // not a working day: "0 working days after" a date is that date, and a timescale of n working
  // days is then add_working_days(start, n) for every n without special cases.
  // Throws Error(Status::invalid_argument) for a negative count.
  Day add_working_days(Day start, int count) const {
    detail::require_day(start, "add_working_days");
    if (count < 0) {
      throw Error(Status::invalid_argument,
                  "add_working_days: count must be >= 0, got " + std::to_string(count));
    }
    if (count == 0) return start;
    if (in_cache(start)) {
      const std::int64_t ordinal = std::int64_t{rank_before(cache_index(start) + 1)} + count;
      if (ordinal <= working_rank_.back()) return select(static_cast<std::int32_t>(ordinal));
    }
    YearHolidays scratch;
    Day day = start;
    for (int remaining = count; remaining > 0;) {
      detail::require_day(day + 1, "add_working_days (result)");
      ++day;
      if (in_cache(day) ? test_bit(cache_index(day)) : is_working_uncached(day, scratch)) {
        --remaining;
      }
    }
    return day;
  }

  // Working days after from, up to and including to: Fri -> next Mon is 1, a day to itself 0.
  // Antisymmetric, so negative when to is before from. The inverse of add_working_days:
  // working_days_between(start, add_working_days(start, n)) == n for every n >= 0.
  int working_days_between(Day from, Day to) const {
    detail::require_day(from, "working_days_between (from)");
    detail::require_day(to, "working_days_between (to)");
    return from <= to ? count_working(from + 1, to + 1) : -count_working(to + 1, from + 1);
  }

 private:
  static constexpr std::size_t kBitsPerWord = 64;

  // The holidays of the year an uncached walk is in; lives on the caller's stack so that
  // queries share nothing.
  struct YearHolidays {
    int year = 0;
    std::vector<Day> days;
  };

  bool in_cache(Day day) const noexcept { return day >= cache_first_ && day < cache_end_; }
  std::size_t cache_index(Day day) const noexcept {
    return static_cast<std::size_t>(day - cache_first_);
  }

  bool test_bit(std::size_t index) const noexcept {
    return (working_bits_[index / kBitsPerWord] >> (index % kBitsPerWord)) & 1u;
  }
  void set_bit(std::size_t index) noexcept {
    working_bits_[index / kBitsPerWord] |= std::uint64_t{1} << (index % kBitsPerWord);
  }
  void clear_bit(std::size_t index) noexcept {
    working_bits_[index / kBitsPerWord] &= ~(std::uint64_t{1} << (index % kBitsPerWord));
  }

  static int popcount(std::uint64_t bits) noexcept {
    return static_cast<int>(std::bitset<kBitsPerWord>(bits).count());
  }

  // working_rank_[w] is the number of working days in the cache before word w.
  void recount_from(std::size_t word) {
    for (; word < working_bits_.size(); ++word) {
      working_rank_[word + 1] = working_rank_[word] + popcount(working_bits_[word]);
    }
  }

  // Working days among the first index cached days.
  std::int32_t rank_before(std::size_t index) const noexcept {
    const std::size_t word = index / kBitsPerWord;
    const std::size_t bit = index % kBitsPerWord;
    std::int32_t rank = working_rank_[word];
    if (bit != 0) rank += popcount(working_bits_[word] & ((std::uint64_t{1} << bit) - 1));
    return rank;
  }

  // The ordinal-th cached working day, counting from 1; ordinal must not exceed the total.
  Day select(std::int32_t ordinal) const noexcept {
    const auto after = std::upper_bound(working_rank_.begin(), working_rank_.end(), ordinal - 1);
    const auto word = static_cast<std::size_t>(after - working_rank_.begin()) - 1;
    std::int32_t remaining = ordinal - working_rank_[word];
    const std::uint64_t bits = working_bits_[word];
    std::size_t bit = 0;
    for (;; ++bit) {
      if (((bits >> bit) & 1u) != 0 && --remaining == 0) break;
    }
    return cache_first_ + static_cast<Day>(word * kBitsPerWord + bit);
  }

  bool is_working_uncached(Day day, YearHolidays& scratch) const {
    if (detail::is_weekend(day)) return false;
    const int year = detail::year_of(day);
    if (scratch.year != year) {
      scratch.days = bank_holidays(nation_, year);
      scratch.year = year;
    }
    return !std::binary_search(scratch.days.begin(), scratch.days.end(), day) &&
           !std::binary_search(closures_.begin(), closures_.end(), day);
  }

  // Working days in [first, end): the cached middle by rank, the ends by walking.
  int count_working(Day first, Day end) const {
    YearHolidays scratch;
    int count = 0;
    for (Day day = first; day < std::min(end, cache_first_); ++day) {
      count += is_working_uncached(day, scratch) ? 1 : 0;
    }
    const Day cached_first = std::max(first, cache_first_);
    const Day cached_end = std::min(end, cache_end_);
    if (cached_first < cached_end) {
      count += rank_before(cache_index(cached_end)) - rank_before(cache_index(cached_first));
    }
    for (Day day = std::max(first, cache_end_); day < end; ++day) {
      count += is_working_uncached(day, scratch) ? 1 : 0;
    }
    return count;
  }

  Nation nation_;
  Day cache_first_;
  Day cache_end_;
  std::vector<std::uint64_t> working_bits_;  // bit set: a working day
  std::vector<std::int32_t> working_rank_;   // one more entry than working_bits_
  std::vector<Day> closures_;                // sorted, unique; also cleared in the bitset
};

}  // namespace safeguard
