// Tests for day.hpp and calendar.hpp: ISO dates, bank holidays against the published GOV.UK
// lists, working-day arithmetic, local closures, months and ages.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/date_time/gregorian/gregorian_types.hpp>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "holidays.hpp"  // private: the holiday rules the published lists are checked against
#include "safeguard/calendar.hpp"
#include "safeguard/day.hpp"

namespace {

using safeguard::Day;
using safeguard::Nation;
using safeguard::WorkingCalendar;

constexpr Nation kNations[] = {Nation::england_and_wales, Nation::scotland,
                               Nation::northern_ireland};

Day ymd(int year, int month, int day) {
  return safeguard::to_day(boost::gregorian::date(static_cast<unsigned short>(year),
                                                  static_cast<unsigned short>(month),
                                                  static_cast<unsigned short>(day)));
}

std::string data_dir() {
#ifdef SAFEGUARD_TEST_DATA_DIR
  return SAFEGUARD_TEST_DATA_DIR;
#else
  // Without a build-provided path, find tests/data next to this source file.
  const std::string source = __FILE__;
  const auto slash = source.find_last_of("/\\");
  return (slash == std::string::npos ? std::string(".") : source.substr(0, slash)) + "/data";
#endif
}

// The published dates of one nation, as ISO strings grouped by year.
std::map<int, std::set<std::string>> published_holidays(Nation nation) {
  const std::string path =
      data_dir() + "/bank_holidays/" + std::string(safeguard::to_string(nation)) + ".txt";
  std::ifstream file(path);
  REQUIRE_MESSAGE(file.good(), "cannot open " << path);
  std::map<int, std::set<std::string>> by_year;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    REQUIRE_MESSAGE(line.size() >= 10, "short line in " << path << ": " << line);
    by_year[std::stoi(line.substr(0, 4))].insert(line.substr(0, 10));
  }
  return by_year;
}

std::set<std::string> generated_holidays(Nation nation, int year) {
  std::set<std::string> dates;
  for (Day day : safeguard::bank_holidays(nation, year)) {
    dates.insert(safeguard::format_iso_date(day));
  }
  return dates;
}

// A walk over single days, the obvious way, to check the calendar's cached counting against.
int naive_working_days_between(const WorkingCalendar& calendar, Day from, Day to) {
  int count = 0;
  for (Day day = from + 1; day <= to; ++day) count += calendar.is_working_day(day) ? 1 : 0;
  return count;
}

bool parse_fails(const std::string& text) {
  Day out = 123;
  std::string error;
  const bool ok = safeguard::parse_iso_date(text, out, error);
  CHECK_MESSAGE(out == 123, "out was written for " << text);
  CHECK_MESSAGE(!error.empty(), "no message for " << text);
  return !ok;
}

}  // namespace

TEST_SUITE("unit/calendar") {
  TEST_CASE("to_day counts days from 1970-01-01") {
    CHECK(ymd(1970, 1, 1) == 0);
    CHECK(ymd(1970, 1, 2) == 1);
    CHECK(ymd(1969, 12, 31) == -1);
    CHECK(ymd(2000, 3, 1) == 11017);
    CHECK(ymd(2024, 1, 1) == 19723);
  }

  TEST_CASE("to_date inverts to_day") {
    for (Day day : {-208188, -1, 0, 1, 11017, 19723, 2932896}) {
      CHECK(safeguard::to_day(safeguard::to_date(day)) == day);
    }
  }

  TEST_CASE("kNoDay maps to not_a_date_time and back") {
    CHECK(safeguard::to_date(safeguard::kNoDay).is_not_a_date());
    CHECK(safeguard::to_day(boost::gregorian::date(boost::gregorian::not_a_date_time)) ==
          safeguard::kNoDay);
  }

  TEST_CASE("to_date rejects days Boost cannot represent") {
    CHECK_THROWS_AS(safeguard::to_date(-208189), safeguard::Error);
    CHECK_THROWS_AS(safeguard::to_date(2932897), safeguard::Error);
  }

  TEST_CASE("format_iso_date") {
    CHECK(safeguard::format_iso_date(0) == "1970-01-01");
    CHECK(safeguard::format_iso_date(19723) == "2024-01-01");
    CHECK(safeguard::format_iso_date(-1) == "1969-12-31");
    CHECK(safeguard::format_iso_date(-208188) == "1400-01-01");
    CHECK(safeguard::format_iso_date(safeguard::kNoDay).empty());
  }

  TEST_CASE("parse_iso_date accepts valid dates") {
    Day out = 0;
    std::string error;
    REQUIRE(safeguard::parse_iso_date("2024-01-01", out, error));
    CHECK(out == 19723);
    REQUIRE(safeguard::parse_iso_date("2024-02-29", out, error));
    CHECK(out == ymd(2024, 2, 29));
    REQUIRE(safeguard::parse_iso_date("2000-02-29", out, error));
    CHECK(out == ymd(2000, 2, 29));
    REQUIRE(safeguard::parse_iso_date("1900-01-01", out, error));
    CHECK(out == ymd(1900, 1, 1));
    REQUIRE(safeguard::parse_iso_date("2200-12-31", out, error));
    CHECK(out == ymd(2200, 12, 31));
  }

  TEST_CASE("parse_iso_date round-trips format_iso_date") {
    for (Day day = ymd(1999, 12, 1); day < ymd(2001, 3, 31); day += 7) {
      Day out = 0;
      std::string error;
      REQUIRE(safeguard::parse_iso_date(safeguard::format_iso_date(day), out, error));
      CHECK(out == day);
    }
  }

  TEST_CASE("parse_iso_date rejects days that do not exist") {
    CHECK(parse_fails("2026-02-30"));
    CHECK(parse_fails("2026-02-29"));
    CHECK(parse_fails("2100-02-29"));
    CHECK(parse_fails("1900-02-29"));
    CHECK(parse_fails("2026-04-31"));
    CHECK(parse_fails("2026-01-00"));
    CHECK(parse_fails("2026-01-32"));
  }

  TEST_CASE("parse_iso_date rejects bad months") {
    CHECK(parse_fails("2026-13-01"));
    CHECK(parse_fails("2026-00-10"));
  }

  TEST_CASE("parse_iso_date rejects other shapes") {
    CHECK(parse_fails("26-1-1"));
    CHECK(parse_fails("2026-1-01"));
    CHECK(parse_fails("2026-01-1"));
    CHECK(parse_fails("2026/01/01"));
    CHECK(parse_fails("2026-01-01x"));
    CHECK(parse_fails("2026-01-01T00:00"));
    CHECK(parse_fails(" 2026-01-01"));
    CHECK(parse_fails("+026-01-01"));
    CHECK(parse_fails("2026-0a-01"));
    CHECK(parse_fails(""));
    CHECK(parse_fails(std::string("2026-01-01\0", 11)));
  }

  TEST_CASE("parse_iso_date rejects years outside 1900..2200") {
    CHECK(parse_fails("1899-12-31"));
    CHECK(parse_fails("2201-01-01"));
    CHECK(parse_fails("0202-01-01"));
  }

  TEST_CASE("parse_iso_date explains what is wrong") {
    Day out = 0;
    std::string error;
    CHECK_FALSE(safeguard::parse_iso_date("2026-02-30", out, error));
    CHECK(error.find("2026-02 has 28 days") != std::string::npos);
    CHECK_FALSE(safeguard::parse_iso_date("2026-13-01", out, error));
    CHECK(error.find("month 13") != std::string::npos);
    CHECK_FALSE(safeguard::parse_iso_date("26-1-1", out, error));
    CHECK(error.find("YYYY-MM-DD") != std::string::npos);
    CHECK_FALSE(safeguard::parse_iso_date("1850-06-01", out, error));
    CHECK(error.find("1900..2200") != std::string::npos);
    CHECK_FALSE(safeguard::parse_iso_date(std::string(1000, '9'), out, error));
    CHECK(error.size() < 120);
  }

  TEST_CASE("parse_nation and to_string") {
    Nation nation = Nation::england_and_wales;
    CHECK(safeguard::parse_nation("scotland", nation));
    CHECK(nation == Nation::scotland);
    CHECK(safeguard::parse_nation("northern-ireland", nation));
    CHECK(nation == Nation::northern_ireland);
    CHECK(safeguard::parse_nation("england-and-wales", nation));
    CHECK(nation == Nation::england_and_wales);
    CHECK_FALSE(safeguard::parse_nation("England", nation));
    CHECK(safeguard::parse_nation("wales", nation));
    CHECK(nation == Nation::wales);
    CHECK(safeguard::parse_nation("england", nation));
    CHECK(nation == Nation::england);
    CHECK_FALSE(safeguard::parse_nation("Wales", nation));
    CHECK_FALSE(safeguard::parse_nation("", nation));
    CHECK(nation == Nation::england);
    for (Nation each : kNations) {
      Nation parsed = Nation::england_and_wales;
      CHECK(safeguard::parse_nation(safeguard::to_string(each), parsed));
      CHECK(parsed == each);
    }
  }

  TEST_CASE("Easter Sunday matches published dates") {
    const std::pair<int, Day> known[] = {
        {1818, ymd(1818, 3, 22)}, {1943, ymd(1943, 4, 25)}, {2000, ymd(2000, 4, 23)},
        {2008, ymd(2008, 3, 23)}, {2011, ymd(2011, 4, 24)}, {2019, ymd(2019, 4, 21)},
        {2024, ymd(2024, 3, 31)}, {2025, ymd(2025, 4, 20)}, {2038, ymd(2038, 4, 25)},
        {2285, ymd(2285, 3, 22)},
    };
    for (const auto& year_and_easter : known) {
      const int year = year_and_easter.first;
      CAPTURE(year);
      CHECK(safeguard::to_day(safeguard::detail::easter_sunday(year)) == year_and_easter.second);
    }
  }

  TEST_CASE("bank holidays 2018-2027 match the published lists exactly") {
    for (Nation nation : kNations) {
      const auto published = published_holidays(nation);
      for (int year = 2018; year <= 2027; ++year) {
        CAPTURE(safeguard::to_string(nation));
        CAPTURE(year);
        const auto found = published.find(year);
        REQUIRE_MESSAGE(found != published.end(), "no published dates for the year");
        const std::set<std::string> generated = generated_holidays(nation, year);
        for (const std::string& date : found->second) {
          CHECK_MESSAGE(generated.count(date) == 1, "missing " << date);
        }
        for (const std::string& date : generated) {
          CHECK_MESSAGE(found->second.count(date) == 1, "extra " << date);
        }
      }
    }
  }

  TEST_CASE("bank holidays are sorted, unique weekdays") {
    for (Nation nation : kNations) {
      for (int year = 1900; year <= 2200; ++year) {
        const std::vector<Day> holidays = safeguard::bank_holidays(nation, year);
        CAPTURE(year);
        CHECK(std::is_sorted(holidays.begin(), holidays.end()));
        CHECK(std::adjacent_find(holidays.begin(), holidays.end()) == holidays.end());
        for (Day day : holidays) CHECK_FALSE(safeguard::detail::is_weekend(day));
        for (Day day : holidays) CHECK(safeguard::detail::year_of(day) == year);
      }
    }
  }

  TEST_CASE("Christmas on a Saturday gives Monday and Tuesday") {
    for (Nation nation : kNations) {
      const auto holidays_2021 = safeguard::bank_holidays(nation, 2021);
      CHECK(holidays_2021.back() == ymd(2021, 12, 28));
      CHECK(holidays_2021[holidays_2021.size() - 2] == ymd(2021, 12, 27));
      const auto holidays_2027 = safeguard::bank_holidays(nation, 2027);
      CHECK(holidays_2027.back() == ymd(2027, 12, 28));
      CHECK(holidays_2027[holidays_2027.size() - 2] == ymd(2027, 12, 27));
    }
  }

  TEST_CASE("Christmas on a Sunday: Boxing Day stays Monday, Christmas moves to Tuesday") {
    WorkingCalendar calendar(Nation::england_and_wales);
    CHECK_FALSE(calendar.is_working_day(ymd(2022, 12, 26)));
    CHECK_FALSE(calendar.is_working_day(ymd(2022, 12, 27)));
    CHECK(calendar.is_working_day(ymd(2022, 12, 28)));
  }

  TEST_CASE("Christmas on a Friday: Boxing Day moves to Monday") {
    const auto holidays = safeguard::bank_holidays(Nation::england_and_wales, 2026);
    CHECK(holidays.back() == ymd(2026, 12, 28));
  }

  TEST_CASE("Scotland's 1 and 2 January on a weekend") {
    const auto starts_with = [](int year, Day first, Day second) {
      const auto holidays = safeguard::bank_holidays(Nation::scotland, year);
      CAPTURE(year);
      CHECK(holidays[0] == first);
      CHECK(holidays[1] == second);
    };
    starts_with(2022, ymd(2022, 1, 3), ymd(2022, 1, 4));  // Sat and Sun
    starts_with(2023, ymd(2023, 1, 2), ymd(2023, 1, 3));  // Sun and Mon
    starts_with(2021, ymd(2021, 1, 1), ymd(2021, 1, 4));  // Fri and Sat
    starts_with(2028, ymd(2028, 1, 3), ymd(2028, 1, 4));  // Sat and Sun
  }

  TEST_CASE("St Andrew's Day substitute Monday, and only from 2007") {
    const auto is_holiday = [](int year, Day day) {
      const auto holidays = safeguard::bank_holidays(Nation::scotland, year);
      return std::binary_search(holidays.begin(), holidays.end(), day);
    };
    CHECK(is_holiday(2024, ymd(2024, 12, 2)));  // Saturday
    CHECK(is_holiday(2025, ymd(2025, 12, 1)));  // Sunday
    CHECK(is_holiday(2007, ymd(2007, 11, 30)));
    CHECK_FALSE(is_holiday(2006, ymd(2006, 11, 30)));
  }

  TEST_CASE("Northern Ireland substitutes for St Patrick's Day and the Boyne") {
    const auto holidays_2024 = safeguard::bank_holidays(Nation::northern_ireland, 2024);
    CHECK(std::binary_search(holidays_2024.begin(), holidays_2024.end(), ymd(2024, 3, 18)));
    const auto holidays_2025 = safeguard::bank_holidays(Nation::northern_ireland, 2025);
    CHECK(std::binary_search(holidays_2025.begin(), holidays_2025.end(), ymd(2025, 7, 14)));
  }

  TEST_CASE("one-off changes withdraw only rule dates and add only new ones") {
    for (const auto& change : safeguard::detail::kOneOffChanges) {
      const Day day = ymd(change.year, change.month, change.day);
      for (Nation nation : kNations) {
        if ((change.nations & safeguard::detail::nation_bit(nation)) == 0) continue;
        CAPTURE(safeguard::format_iso_date(day));
        const auto rules = safeguard::detail::rule_holidays(nation, change.year);
        const bool in_rules = std::binary_search(rules.begin(), rules.end(), day);
        CHECK(in_rules == (change.kind == safeguard::detail::OneOffKind::withdrawn));
        const auto final_list = safeguard::bank_holidays(nation, change.year);
        const bool in_final = std::binary_search(final_list.begin(), final_list.end(), day);
        CHECK(in_final == (change.kind == safeguard::detail::OneOffKind::added));
      }
    }
  }

  TEST_CASE("earlier one-off holidays") {
    WorkingCalendar calendar(Nation::england_and_wales);
    CHECK_FALSE(calendar.is_working_day(ymd(1999, 12, 31)));
    CHECK_FALSE(calendar.is_working_day(ymd(2011, 4, 29)));
    CHECK_FALSE(calendar.is_working_day(ymd(2012, 6, 5)));
    CHECK(calendar.is_working_day(ymd(2012, 5, 28)));
    CHECK(calendar.is_working_day(ymd(1995, 5, 1)));
  }

  TEST_CASE("bank_holidays rejects years Boost cannot represent") {
    CHECK_THROWS_AS(safeguard::bank_holidays(Nation::scotland, 1399), safeguard::Error);
    CHECK_THROWS_AS(safeguard::bank_holidays(Nation::scotland, 10000), safeguard::Error);
  }

  TEST_CASE("weekends and bank holidays are not working days") {
    WorkingCalendar calendar(Nation::england_and_wales);
    CHECK(calendar.is_working_day(ymd(2026, 4, 2)));        // Thursday
    CHECK_FALSE(calendar.is_working_day(ymd(2026, 4, 3)));  // Good Friday
    CHECK_FALSE(calendar.is_working_day(ymd(2026, 4, 4)));  // Saturday
    CHECK_FALSE(calendar.is_working_day(ymd(2026, 4, 5)));  // Sunday
    CHECK_FALSE(calendar.is_working_day(ymd(2026, 4, 6)));  // Easter Monday
    CHECK(calendar.is_working_day(ymd(2026, 4, 7)));        // Tuesday
  }

  TEST_CASE("nations differ") {
    WorkingCalendar england(Nation::england_and_wales);
    WorkingCalendar scotland(Nation::scotland);
    WorkingCalendar northern_ireland(Nation::northern_ireland);
    CHECK_FALSE(england.is_working_day(ymd(2026, 4, 6)));
    CHECK(scotland.is_working_day(ymd(2026, 4, 6)));
    CHECK(england.is_working_day(ymd(2026, 8, 3)));
    CHECK_FALSE(scotland.is_working_day(ymd(2026, 8, 3)));
    CHECK(england.is_working_day(ymd(2026, 3, 17)));
    CHECK_FALSE(northern_ireland.is_working_day(ymd(2026, 3, 17)));
    CHECK(england.nation() == Nation::england_and_wales);
  }

  TEST_CASE("cached and uncached years agree with bank_holidays") {
    WorkingCalendar calendar(Nation::northern_ireland);
    for (int year : {1989, 1990, 2026, 2100, 2101, 2150}) {
      CAPTURE(year);
      const auto holidays = safeguard::bank_holidays(Nation::northern_ireland, year);
      for (Day day = ymd(year, 1, 1); day <= ymd(year, 12, 31); ++day) {
        const bool expected = !safeguard::detail::is_weekend(day) &&
                              !std::binary_search(holidays.begin(), holidays.end(), day);
        CHECK(calendar.is_working_day(day) == expected);
      }
    }
  }

  TEST_CASE("add_working_days with 0 returns the date itself") {
    WorkingCalendar calendar(Nation::england_and_wales);
    CHECK(calendar.add_working_days(ymd(2026, 4, 2), 0) == ymd(2026, 4, 2));
    CHECK(calendar.add_working_days(ymd(2026, 4, 4), 0) == ymd(2026, 4, 4));  // Saturday
    CHECK(calendar.add_working_days(ymd(2026, 12, 25), 0) == ymd(2026, 12, 25));
    CHECK(calendar.add_working_days(ymd(2150, 12, 25), 0) == ymd(2150, 12, 25));
  }

  TEST_CASE("add_working_days skips weekends") {
    WorkingCalendar calendar(Nation::england_and_wales);
    CHECK(calendar.add_working_days(ymd(2026, 3, 13), 1) == ymd(2026, 3, 16));  // Fri -> Mon
    CHECK(calendar.add_working_days(ymd(2026, 3, 14), 1) == ymd(2026, 3, 16));  // Sat -> Mon
    CHECK(calendar.add_working_days(ymd(2026, 3, 9), 5) == ymd(2026, 3, 16));
  }

  TEST_CASE("add_working_days across Easter") {
    WorkingCalendar england(Nation::england_and_wales);
    WorkingCalendar scotland(Nation::scotland);
    CHECK(england.add_working_days(ymd(2026, 4, 2), 1) == ymd(2026, 4, 7));
    CHECK(scotland.add_working_days(ymd(2026, 4, 2), 1) == ymd(2026, 4, 6));
  }

  TEST_CASE("add_working_days across Christmas and New Year") {
    WorkingCalendar calendar(Nation::england_and_wales);
    CHECK(calendar.add_working_days(ymd(2026, 12, 24), 1) == ymd(2026, 12, 29));
    CHECK(calendar.add_working_days(ymd(2027, 12, 24), 1) == ymd(2027, 12, 29));
    CHECK(calendar.add_working_days(ymd(2027, 12, 31), 1) == ymd(2028, 1, 4));
  }

  TEST_CASE("45 working days for an assessment, by nation") {
    WorkingCalendar england(Nation::england_and_wales);
    WorkingCalendar scotland(Nation::scotland);
    CHECK(england.add_working_days(ymd(2026, 11, 2), 45) == ymd(2027, 1, 7));
    CHECK(scotland.add_working_days(ymd(2026, 11, 2), 45) == ymd(2027, 1, 11));
  }

  TEST_CASE("add_working_days rejects a negative count and kNoDay") {
    WorkingCalendar calendar(Nation::scotland);
    CHECK_THROWS_AS(calendar.add_working_days(ymd(2026, 1, 5), -1), safeguard::Error);
    CHECK_THROWS_AS(calendar.add_working_days(safeguard::kNoDay, 1), safeguard::Error);
    CHECK_THROWS_AS(calendar.is_working_day(safeguard::kNoDay), safeguard::Error);
  }

  TEST_CASE("add_working_days across the edges of the cached years") {
    WorkingCalendar calendar(Nation::england_and_wales);
    for (Day start : {ymd(1989, 12, 1), ymd(2100, 12, 1), ymd(2150, 6, 1)}) {
      for (int count : {1, 5, 20, 45, 300}) {
        CAPTURE(safeguard::format_iso_date(start));
        CAPTURE(count);
        Day expected = start;
        for (int remaining = count; remaining > 0;) {
          ++expected;
          if (calendar.is_working_day(expected)) --remaining;
        }
        CHECK(calendar.add_working_days(start, count) == expected);
      }
    }
  }

  TEST_CASE("working_days_between counts after from, up to and including to") {
    WorkingCalendar calendar(Nation::england_and_wales);
    CHECK(calendar.working_days_between(ymd(2026, 3, 13), ymd(2026, 3, 13)) == 0);
    CHECK(calendar.working_days_between(ymd(2026, 3, 13), ymd(2026, 3, 16)) == 1);
    CHECK(calendar.working_days_between(ymd(2026, 3, 14), ymd(2026, 3, 15)) == 0);
    CHECK(calendar.working_days_between(ymd(2026, 3, 16), ymd(2026, 3, 13)) == -1);
    CHECK(calendar.working_days_between(ymd(2026, 4, 2), ymd(2026, 4, 7)) == 1);
    CHECK(calendar.working_days_between(ymd(2026, 1, 1), ymd(2027, 1, 1)) == 253);
  }

  TEST_CASE("working_days_between is antisymmetric and matches a day-by-day count") {
    WorkingCalendar calendar(Nation::scotland);
    const Day starts[] = {ymd(1988, 11, 3), ymd(1999, 12, 20), ymd(2026, 2, 27), ymd(2100, 10, 1),
                          ymd(2160, 1, 1)};
    for (Day from : starts) {
      for (int span : {0, 1, 6, 31, 400, 1200}) {
        const Day to = from + span;
        CAPTURE(safeguard::format_iso_date(from));
        CAPTURE(span);
        const int counted = calendar.working_days_between(from, to);
        CHECK(counted == naive_working_days_between(calendar, from, to));
        CHECK(calendar.working_days_between(to, from) == -counted);
      }
    }
  }

  TEST_CASE("working_days_between inverts add_working_days") {
    WorkingCalendar calendar(Nation::northern_ireland);
    for (Day start = ymd(2026, 12, 18); start <= ymd(2027, 1, 8); ++start) {
      for (int count : {0, 1, 2, 15, 45}) {
        CAPTURE(safeguard::format_iso_date(start));
        CAPTURE(count);
        CHECK(calendar.working_days_between(start, calendar.add_working_days(start, count)) ==
              count);
      }
    }
  }

  TEST_CASE("a local closure stops a working day") {
    WorkingCalendar calendar(Nation::england_and_wales);
    const Day polling_day = ymd(2026, 5, 7);  // Thursday
    REQUIRE(calendar.is_working_day(polling_day));
    calendar.add_closure(polling_day);
    CHECK_FALSE(calendar.is_working_day(polling_day));
    CHECK(calendar.add_working_days(ymd(2026, 5, 6), 1) == ymd(2026, 5, 8));
    CHECK(calendar.working_days_between(ymd(2026, 5, 1), ymd(2026, 5, 8)) ==
          3);  // 4 May is a holiday
  }

  TEST_CASE("a Christmas shutdown closure spans several days") {
    WorkingCalendar calendar(Nation::scotland);
    for (Day day = ymd(2026, 12, 29); day <= ymd(2026, 12, 31); ++day) calendar.add_closure(day);
    CHECK(calendar.add_working_days(ymd(2026, 12, 24), 1) == ymd(2027, 1, 5));
  }

  TEST_CASE("closing a weekend, a holiday or a closed day changes nothing") {
    WorkingCalendar calendar(Nation::england_and_wales);
    const Day from = ymd(2026, 12, 1);
    const Day to = ymd(2027, 2, 1);
    const int before = calendar.working_days_between(from, to);
    calendar.add_closure(ymd(2026, 12, 25));  // Christmas Day
    calendar.add_closure(ymd(2026, 12, 27));  // Sunday
    CHECK(calendar.working_days_between(from, to) == before);
    calendar.add_closure(ymd(2026, 12, 29));
    calendar.add_closure(ymd(2026, 12, 29));
    CHECK(calendar.working_days_between(from, to) == before - 1);
    CHECK(calendar.closures() ==
          std::vector<Day>{ymd(2026, 12, 25), ymd(2026, 12, 27), ymd(2026, 12, 29)});
  }

  TEST_CASE("closures outside the cached years") {
    WorkingCalendar calendar(Nation::northern_ireland);
    const Day closure = ymd(2150, 6, 3);  // Wednesday
    REQUIRE(calendar.is_working_day(closure));
    calendar.add_closure(closure);
    CHECK_FALSE(calendar.is_working_day(closure));
    CHECK(calendar.add_working_days(ymd(2150, 6, 2), 1) == ymd(2150, 6, 4));
    CHECK(calendar.working_days_between(ymd(2150, 6, 1), ymd(2150, 6, 5)) == 3);
  }

  TEST_CASE("add_months clamps to the end of a shorter month") {
    CHECK(safeguard::add_months(ymd(2026, 1, 31), 1) == ymd(2026, 2, 28));
    CHECK(safeguard::add_months(ymd(2024, 1, 31), 1) == ymd(2024, 2, 29));
    CHECK(safeguard::add_months(ymd(2026, 3, 31), -1) == ymd(2026, 2, 28));
    CHECK(safeguard::add_months(ymd(2026, 8, 31), 3) == ymd(2026, 11, 30));
    CHECK(safeguard::add_months(ymd(2026, 8, 31), 6) == ymd(2027, 2, 28));
    CHECK(safeguard::add_months(ymd(2024, 2, 29), 12) == ymd(2025, 2, 28));
  }

  TEST_CASE("add_months keeps the day when it exists") {
    CHECK(safeguard::add_months(ymd(2026, 2, 28), 1) == ymd(2026, 3, 28));
    CHECK(safeguard::add_months(ymd(2026, 5, 15), 0) == ymd(2026, 5, 15));
    CHECK(safeguard::add_months(ymd(2026, 11, 15), 3) == ymd(2027, 2, 15));
    CHECK(safeguard::add_months(ymd(2026, 1, 15), -1) == ymd(2025, 12, 15));
    CHECK(safeguard::add_months(ymd(2026, 1, 15), -25) == ymd(2023, 12, 15));
  }

  TEST_CASE("add_months in century years: 2000 is leap, 2100 is not") {
    CHECK(safeguard::add_months(ymd(2000, 1, 31), 1) == ymd(2000, 2, 29));
    CHECK(safeguard::add_months(ymd(2100, 1, 31), 1) == ymd(2100, 2, 28));
    CHECK(safeguard::add_months(ymd(2099, 12, 31), 2) == ymd(2100, 2, 28));
  }

  TEST_CASE("add_months rejects results Boost cannot represent") {
    CHECK_THROWS_AS(safeguard::add_months(ymd(9999, 12, 1), 1), safeguard::Error);
    CHECK_THROWS_AS(safeguard::add_months(ymd(1400, 1, 1), -1), safeguard::Error);
    CHECK_THROWS_AS(safeguard::add_months(safeguard::kNoDay, 1), safeguard::Error);
  }

  TEST_CASE("age in years on an ordinary birthday") {
    const Day birth = ymd(2010, 6, 15);
    CHECK(safeguard::age_in_years(birth, birth) == 0);
    CHECK(safeguard::age_in_years(birth, ymd(2026, 6, 14)) == 15);
    CHECK(safeguard::age_in_years(birth, ymd(2026, 6, 15)) == 16);
    CHECK(safeguard::age_in_years(birth, ymd(2028, 6, 14)) == 17);
    CHECK(safeguard::age_in_years(birth, ymd(2028, 6, 15)) == 18);
  }

  TEST_CASE("a child born on 29 February has birthdays on 1 March in common years") {
    const Day birth = ymd(2016, 2, 29);
    CHECK(safeguard::age_in_years(birth, ymd(2017, 2, 28)) == 0);
    CHECK(safeguard::age_in_years(birth, ymd(2017, 3, 1)) == 1);
    CHECK(safeguard::age_in_months(birth, ymd(2017, 2, 28)) == 11);
    CHECK(safeguard::age_in_months(birth, ymd(2017, 3, 1)) == 12);
    CHECK(safeguard::age_in_years(birth, ymd(2020, 2, 28)) == 3);
    CHECK(safeguard::age_in_years(birth, ymd(2020, 2, 29)) == 4);
    CHECK(safeguard::age_in_years(birth, ymd(2034, 2, 28)) == 17);
    CHECK(safeguard::age_in_years(birth, ymd(2034, 3, 1)) == 18);
  }

  TEST_CASE("age in months") {
    CHECK(safeguard::age_in_months(ymd(2026, 3, 15), ymd(2026, 4, 14)) == 0);
    CHECK(safeguard::age_in_months(ymd(2026, 3, 15), ymd(2026, 4, 15)) == 1);
    CHECK(safeguard::age_in_months(ymd(2026, 1, 31), ymd(2026, 2, 28)) == 0);
    CHECK(safeguard::age_in_months(ymd(2026, 1, 31), ymd(2026, 3, 1)) == 1);
    CHECK(safeguard::age_in_months(ymd(2026, 1, 31), ymd(2026, 3, 31)) == 2);
    CHECK(safeguard::age_in_months(ymd(2025, 12, 31), ymd(2026, 1, 1)) == 0);
  }

  TEST_CASE("years are always whole twelves of months") {
    for (Day birth : {ymd(2016, 2, 29), ymd(2015, 1, 31), ymd(2014, 12, 31), ymd(2020, 7, 1)}) {
      for (Day at = birth - 40; at < birth + 3000; at += 3) {
        CHECK(safeguard::age_in_years(birth, at) ==
              safeguard::detail::floor_div(safeguard::age_in_months(birth, at), 12));
      }
    }
  }

  TEST_CASE("ages agree with Boost's calendar across the supported range") {
    // age_in_months reads the calendar with its own day-number arithmetic (it runs once per
    // child per assessment); this holds it to Boost.Date_Time's Gregorian calendar, with the
    // 1 March convention for anniversaries a month lacks.
    auto boost_age_in_months = [](Day birth, Day at) {
      const auto born = safeguard::to_date(birth).year_month_day();
      const auto now = safeguard::to_date(at).year_month_day();
      const int months = (now.year - born.year) * 12 + (now.month - born.month);
      const int month_length =
          boost::gregorian::gregorian_calendar::end_of_month_day(now.year, now.month);
      const bool reached = born.day <= month_length && now.day >= born.day;
      return reached ? months : months - 1;
    };
    const Day first = ymd(1400, 1, 1), last = ymd(9999, 12, 31);
    // Births spread over the whole range (leap centuries included), each aged over ten years
    // in uneven steps so every day of the month and both month ends are met.
    for (Day birth = first; birth < last - 4000; birth += 7919) {
      for (Day at = birth - 400; at < birth + 3700 && at <= last; at += 13) {
        if (at < first) continue;
        REQUIRE(safeguard::age_in_months(birth, at) == boost_age_in_months(birth, at));
      }
    }
    for (Day birth : {ymd(1600, 2, 29), ymd(1700, 2, 28), ymd(2000, 2, 29), ymd(2100, 2, 28)}) {
      for (Day at = birth - 40; at < birth + 1600; ++at) {
        REQUIRE(safeguard::age_in_months(birth, at) == boost_age_in_months(birth, at));
      }
    }
  }

  TEST_CASE("ages before birth are negative") {
    const Day birth = ymd(2026, 5, 10);
    CHECK(safeguard::age_in_months(birth, ymd(2026, 5, 9)) == -1);
    CHECK(safeguard::age_in_years(birth, ymd(2026, 5, 9)) == -1);
    CHECK(safeguard::age_in_months(birth, ymd(2026, 3, 10)) == -2);
  }

  TEST_CASE("days_between") {
    CHECK(safeguard::days_between(ymd(2026, 3, 1), ymd(2026, 3, 1)) == 0);
    CHECK(safeguard::days_between(ymd(2026, 3, 1), ymd(2026, 3, 2)) == 1);
    CHECK(safeguard::days_between(ymd(2026, 3, 2), ymd(2026, 3, 1)) == -1);
    CHECK(safeguard::days_between(ymd(2024, 1, 1), ymd(2025, 1, 1)) == 366);
    CHECK(safeguard::days_between(ymd(2000, 1, 1), ymd(2001, 1, 1)) == 366);
    CHECK(safeguard::days_between(ymd(2100, 1, 1), ymd(2101, 1, 1)) == 365);
    CHECK(safeguard::days_between(ymd(2026, 2, 28), ymd(2026, 3, 1)) == 1);
    CHECK_THROWS_AS(safeguard::days_between(safeguard::kNoDay, 0), safeguard::Error);
  }

  TEST_CASE("a copied calendar keeps its closures and then goes its own way") {
    WorkingCalendar calendar(Nation::england_and_wales);
    calendar.add_closure(ymd(2026, 6, 10));
    WorkingCalendar copy = calendar;
    copy.add_closure(ymd(2026, 6, 11));
    CHECK_FALSE(copy.is_working_day(ymd(2026, 6, 10)));
    CHECK_FALSE(copy.is_working_day(ymd(2026, 6, 11)));
    CHECK(calendar.is_working_day(ymd(2026, 6, 11)));
    CHECK(calendar.working_days_between(ymd(2026, 6, 8), ymd(2026, 6, 12)) == 3);
    CHECK(copy.working_days_between(ymd(2026, 6, 8), ymd(2026, 6, 12)) == 2);
  }
}
