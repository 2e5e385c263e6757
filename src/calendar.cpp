// Working-day arithmetic and the bank-holiday calendar behind calendar.hpp. The rules that
// generate each nation's holidays are in holidays.hpp.
#include "safeguard/calendar.hpp"

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>

#include "holidays.hpp"

namespace safeguard {
namespace {

// Year, month and day of a day number (Hinnant's civil_from_days, proleptic Gregorian as
// Boost's is). Assessment needs every child's age, and Boost's date conversion costs more than
// scoring a typical child; tests/unit/test_calendar.cpp checks ages against Boost's dates.
struct Civil {
  int year;
  int month;
  int day;
};

Civil civil_from_days(Day days) {
  const long z = static_cast<long>(days) + 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (month <= 2)), month, day};
}

int days_in_month(int year, int month) {
  static constexpr int kLengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kLengths[month - 1];
}

}  // namespace

std::vector<Day> bank_holidays(Nation nation, int year) {
  if (year < detail::kFirstSupportedYear || year > detail::kLastSupportedYear) {
    throw Error(Status::out_of_range,
                "bank_holidays: year " + std::to_string(year) + " is outside 1400..9999");
  }
  const Nation jurisdiction = holiday_jurisdiction(nation);
  return detail::apply_one_off_changes(jurisdiction, year,
                                       detail::rule_holidays(jurisdiction, year));
}

Day add_months(Day day, int months) {
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

int age_in_months(Day birth, Day at) {
  detail::require_day(birth, "age_in_months (birth)");
  detail::require_day(at, "age_in_months (at)");
  const Civil born = civil_from_days(birth);
  const Civil now = civil_from_days(at);
  const int months = (now.year - born.year) * 12 + (now.month - born.month);
  const bool anniversary_reached =
      born.day <= days_in_month(now.year, now.month) && now.day >= born.day;
  return anniversary_reached ? months : months - 1;
}

int age_in_years(Day birth, Day at) { return detail::floor_div(age_in_months(birth, at), 12); }

int days_between(Day from, Day to) {
  detail::require_day(from, "days_between (from)");
  detail::require_day(to, "days_between (to)");
  return to - from;
}

// The calendar itself: a bitset of working days over the cached years with a running count
// per word, and the closures. WorkingCalendar forwards to it.
struct WorkingCalendar::Days {
  static constexpr int kFirstCachedYear = WorkingCalendar::kFirstCachedYear;
  static constexpr int kLastCachedYear = WorkingCalendar::kLastCachedYear;

  explicit Days(Nation nation)
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

WorkingCalendar::WorkingCalendar(Nation nation) : days_(std::make_unique<Days>(nation)) {}
WorkingCalendar::~WorkingCalendar() = default;
WorkingCalendar::WorkingCalendar(const WorkingCalendar& other)
    : days_(std::make_unique<Days>(*other.days_)) {}
WorkingCalendar& WorkingCalendar::operator=(const WorkingCalendar& other) {
  if (this != &other) days_ = std::make_unique<Days>(*other.days_);
  return *this;
}
WorkingCalendar::WorkingCalendar(WorkingCalendar&& other) noexcept = default;
WorkingCalendar& WorkingCalendar::operator=(WorkingCalendar&& other) noexcept = default;

Nation WorkingCalendar::nation() const noexcept { return days_->nation(); }
void WorkingCalendar::add_closure(Day day) { days_->add_closure(day); }
const std::vector<Day>& WorkingCalendar::closures() const noexcept { return days_->closures(); }
bool WorkingCalendar::is_working_day(Day day) const { return days_->is_working_day(day); }
Day WorkingCalendar::add_working_days(Day start, int count) const {
  return days_->add_working_days(start, count);
}
int WorkingCalendar::working_days_between(Day from, Day to) const {
  return days_->working_days_between(from, to);
}

}  // namespace safeguard
