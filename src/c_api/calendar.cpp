// The C API: working calendars, dates and statutory processes.
#include "safeguard/process.hpp"

#include "c_api/shim.hpp"

using namespace safeguard;
using namespace safeguard::capi;

extern "C" {

// ---- Calendars and dates ----

int sg_calendar_new(sg_calendar** out, const char* nation) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    *out = new sg_calendar{WorkingCalendar(nation_arg(nation))};
  });
}

int sg_graph_calendar(sg_calendar** out, const sg_graph* graph) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(graph, "graph");
    ReadAccess access(graph);
    *out = new sg_calendar{*graph->graph.calendar()};
  });
}

void sg_calendar_free(sg_calendar* calendar) { delete calendar; }

int sg_calendar_add_closure(sg_calendar* calendar, const char* day) {
  return guard([&] {
    require(calendar, "calendar");
    calendar->calendar.add_closure(date(day, "date", true));
  });
}

int sg_calendar_is_working_day(int* out, const sg_calendar* calendar, const char* day) {
  return guard([&] {
    require(out, "out");
    require(calendar, "calendar");
    *out = calendar->calendar.is_working_day(date(day, "date", true)) ? 1 : 0;
  });
}

int sg_calendar_add_working_days(char out[SG_DATE_SIZE], const sg_calendar* calendar,
                                 const char* day, int count) {
  return guard([&] {
    require(out, "out");
    require(calendar, "calendar");
    if (count < 0) bad_argument("count must be >= 0");
    write_date(out, calendar->calendar.add_working_days(date(day, "date", true), count));
  });
}

int sg_calendar_working_days_between(int* out, const sg_calendar* calendar, const char* from,
                                     const char* to) {
  return guard([&] {
    require(out, "out");
    require(calendar, "calendar");
    *out = calendar->calendar.working_days_between(date(from, "from", true), date(to, "to", true));
  });
}

int sg_bank_holiday_count(size_t* out, const char* nation, int year) {
  return guard([&] {
    require(out, "out");
    *out = bank_holidays(nation_arg(nation), year).size();
  });
}

int sg_bank_holiday(char out[SG_DATE_SIZE], const char* nation, int year, size_t k) {
  return guard([&] {
    require(out, "out");
    const std::vector<Day> days = bank_holidays(nation_arg(nation), year);
    if (k >= days.size())
      throw Error(Status::out_of_range, "bank holiday " + std::to_string(k) + " is past the end");
    write_date(out, days[k]);
  });
}

int sg_date_add_months(char out[SG_DATE_SIZE], const char* day, int months) {
  return guard([&] {
    require(out, "out");
    write_date(out, add_months(date(day, "date", true), months));
  });
}

int sg_age(int* out_years, int* out_months, const char* birth, const char* at) {
  return guard([&] {
    const int months = age_in_months(date(birth, "birth", true), date(at, "at", true));
    if (out_months) *out_months = months;
    if (out_years) *out_years = age_in_years(date(birth, "birth", true), date(at, "at", true));
  });
}

// ---- Statutory processes ----

int sg_process_load_file(sg_process** out, const char* path, const char* nation) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    const Nation case_nation = nation_arg(nation);
    auto process = Process::load_file_for(text(path, "path"), case_nation);
    *out = new sg_process{std::move(process)};
  });
}

int sg_process_load_buffer(sg_process** out, const char* data, size_t size, const char* name,
                           const char* nation) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    if (!data && size > 0) bad_argument("data is NULL");
    const Nation case_nation = nation_arg(nation);
    auto process = Process::load_string_for(std::string_view(data ? data : "", size),
                                            optional_text(name, "name"), case_nation);
    *out = new sg_process{std::move(process)};
  });
}

void sg_process_free(sg_process* process) { delete process; }

int sg_process_nation(const char** out, const sg_process* process) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(process, "process");
    *out = to_string(process->process->nation()).data();
  });
}

}  // extern "C"
