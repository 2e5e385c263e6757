// Date basics shared by the whole library: a date is a Day, the number of days since
// 1970-01-01 in the proleptic Gregorian calendar, with conversions to Boost dates and ISO text.
#pragma once

#include <boost/date_time/gregorian/gregorian_types.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "safeguard/error.hpp"

// Other headers may repeat this alias; an identical alias declaration is legal, so whichever
// header a user includes first, they all agree on what a Day is.
// clang-format off
namespace safeguard { using Day = std::int32_t; }
// clang-format on

namespace safeguard {

// "No date" (unknown date of birth, open-ended factor). Never a real date: it lies far outside
// the range Boost.Date_Time can represent.
inline constexpr Day kNoDay = std::numeric_limits<Day>::min();

namespace detail {

// Boost.Date_Time's gregorian range, 1400-01-01..9999-12-31, as Day numbers. Checking against it
// up front turns Boost's bad_year into our own error with a message that names the day.
inline constexpr Day kFirstSupportedDay = -208188;
inline constexpr Day kLastSupportedDay = 2932896;

// The years parse_iso_date accepts: wide enough for any date of birth or case event, narrow
// enough that a typo such as 0202 or 20266 is caught at the boundary.
inline constexpr int kFirstIsoYear = 1900;
inline constexpr int kLastIsoYear = 2200;

inline const boost::gregorian::date& epoch() {
  static const boost::gregorian::date kEpoch(1970, 1, 1);
  return kEpoch;
}

// At most this much of a rejected input is quoted back, so a huge buffer cannot make a huge
// error message; bytes outside printable ASCII are written as \xNN, so a message never carries
// control characters or broken UTF-8 into a log or a terminal.
inline std::string quote_for_error(std::string_view text) {
  constexpr std::size_t kMaxQuoted = 40;
  static const char* kHex = "0123456789ABCDEF";
  std::string quoted = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxQuoted; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte > 0x7E || byte == '"' || byte == '\\') {
      quoted += "\\x";
      quoted += kHex[byte >> 4];
      quoted += kHex[byte & 0xF];
    } else {
      quoted += static_cast<char>(byte);
    }
  }
  if (text.size() > kMaxQuoted) quoted += "...";
  return quoted + "\"";
}

// Reads a fixed-width run of ASCII digits; false if any character is not a digit.
inline bool read_digits(std::string_view text, std::size_t first, std::size_t count, int& out) {
  int value = 0;
  for (std::size_t i = first; i < first + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

// Zero-padded decimal of a non-negative value; wider values keep all their digits.
inline std::string zero_padded(int value, std::size_t width) {
  std::string digits = std::to_string(value);
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

inline std::string two_digits(int value) { return zero_padded(value, 2); }

}  // namespace detail

// Converts a Boost date to a Day. Special values (not_a_date_time, +/-infinity) become kNoDay.
inline Day to_day(const boost::gregorian::date& date) {
  if (date.is_special()) return kNoDay;
  return static_cast<Day>((date - detail::epoch()).days());
}

// Converts a Day to a Boost date; kNoDay becomes not_a_date_time.
// Throws Error(Status::out_of_range) for days outside 1400-01-01..9999-12-31, which Boost
// cannot represent.
inline boost::gregorian::date to_date(Day day) {
  if (day == kNoDay) return boost::gregorian::date(boost::gregorian::not_a_date_time);
  if (day < detail::kFirstSupportedDay || day > detail::kLastSupportedDay) {
    throw Error(Status::out_of_range, "day number " + std::to_string(day) +
                                          " is outside the supported dates 1400-01-01..9999-12-31");
  }
  return detail::epoch() + boost::gregorian::days(day);
}

// Parses exactly "YYYY-MM-DD" (no sign, no spaces, no time part) with a year in 1900..2200 and
// a day that exists in that month. On success stores the day in out and returns true; on
// failure leaves out unchanged, puts a one-line reason in error and returns false.
inline bool parse_iso_date(std::string_view text, Day& out, std::string& error) {
  int year = 0;
  int month = 0;
  int day = 0;
  const bool well_formed = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                           detail::read_digits(text, 0, 4, year) &&
                           detail::read_digits(text, 5, 2, month) &&
                           detail::read_digits(text, 8, 2, day);
  if (!well_formed) {
    error = "expected a date as YYYY-MM-DD, got " + detail::quote_for_error(text);
    return false;
  }
  if (year < detail::kFirstIsoYear || year > detail::kLastIsoYear) {
    error = "year " + std::to_string(year) + " in " + detail::quote_for_error(text) +
            " is outside " + std::to_string(detail::kFirstIsoYear) + ".." +
            std::to_string(detail::kLastIsoYear);
    return false;
  }
  if (month < 1 || month > 12) {
    error = "month " + detail::two_digits(month) + " in " + detail::quote_for_error(text) +
            " is not 01..12";
    return false;
  }
  const int month_length = boost::gregorian::gregorian_calendar::end_of_month_day(
      static_cast<unsigned short>(year), static_cast<unsigned short>(month));
  if (day < 1 || day > month_length) {
    error = "day " + detail::two_digits(day) + " in " + detail::quote_for_error(text) +
            " does not exist: " + std::to_string(year) + "-" + detail::two_digits(month) + " has " +
            std::to_string(month_length) + " days";
    return false;
  }
  out = to_day(boost::gregorian::date(static_cast<unsigned short>(year),
                                      static_cast<unsigned short>(month),
                                      static_cast<unsigned short>(day)));
  return true;
}

// Formats a day as "YYYY-MM-DD"; kNoDay formats as the empty string so that "no date" never
// reads as a plausible one. Throws like to_date for days Boost cannot represent.
inline std::string format_iso_date(Day day) {
  if (day == kNoDay) return std::string();
  const boost::gregorian::date::ymd_type ymd = to_date(day).year_month_day();
  return detail::zero_padded(ymd.year, 4) + "-" + detail::two_digits(ymd.month) + "-" +
         detail::two_digits(ymd.day);
}

}  // namespace safeguard
