// The statutory process of each nation (process/*.toml), checked against due dates worked by
// hand from the guidance each step cites: several strategy discussions, "no further action" at
// each stage, month ends, bank holidays particular to a nation, local closures, looked-after
// reviews and visits, return interviews, pre-birth work, local files and bad process files.
// Day-of-week anchors used below: 1 Jan 2026 and 1 Jan 2027 are a Thursday and a Friday.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "safeguard.h"
#include "safeguard/explain.hpp"
#include "safeguard/io.hpp"
#include "safeguard/process.hpp"
#include "safeguard/render.hpp"
#include "timeline_build.hpp"  // private (src/)

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

// A case with one child, P-1, the given events and calendar, assessed as of a date.
struct Case {
  CaseGraph graph;
  std::shared_ptr<const RuleSet> rules =
      RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  Results results;

  Case(const std::string& events, const std::string& calendar, const char* as_of,
       std::shared_ptr<const Process> process = nullptr) {
    load_case(graph,
              R"({"schema_version": 1, "persons": [{"id": "P-1", "kind": "child"}], "events": [)" +
                  events + "], \"calendar\": " + calendar + "}",
              "inline");
    AssessOptions options;
    options.as_of = day(as_of);
    options.process = std::move(process);
    results = assess(rules, take_snapshot(graph), options);
    as_of_day = options.as_of;
  }
  Day as_of_day = kNoDay;

  // What rules read about the child's timeline (timeline.* attributes).
  TimelineSummary summary() const {
    const Snapshot& snap = results.snapshot();
    std::vector<Step> steps;
    std::vector<TimelineIssue> issues;
    return build_timeline(snap, snap.children[0], results.process(), *snap.calendar, as_of_day,
                          steps, issues);
  }

  std::string id(const Step& s) const { return step_definition(results.process(), s).id; }
  // The nation whose process a step came from.
  Nation nation(const Step& s) const {
    return (s.process ? *s.process : results.process()).nation();
  }
  std::size_t count(const char* kind) const {
    std::size_t n = 0;
    for (const Step* s = results.steps_begin(0); s != results.steps_end(0); ++s)
      n += id(*s) == kind ? 1 : 0;
    return n;
  }
  // The n-th step (from 0) with the process's id `kind`.
  const Step& step(const char* kind, std::size_t n = 0) const {
    for (const Step* s = results.steps_begin(0); s != results.steps_end(0); ++s) {
      if (id(*s) == kind && n-- == 0) return *s;
    }
    FAIL("no step " << kind);
    return *results.steps_begin(0);
  }
  std::string gaps() const {
    std::string out;
    for (const TimelineIssue* i = results.timeline_issues_begin(0);
         i != results.timeline_issues_end(0); ++i)
      out += std::string(results.event_id(i->event)) + ": " + std::string(i->text) + "\n";
    return out;
  }
};

std::string event(const char* id, const char* kind, const char* date, const char* extra = "") {
  return std::string(R"({"id": ")") + id + R"(", "kind": ")" + kind + R"(", "date": ")" + date +
         R"(", "about": ["P-1"])" + extra + "}";
}

const char* kEngland = R"({"nation": "england"})";
const char* kWales = R"({"nation": "wales"})";
const char* kScotland = R"({"nation": "scotland"})";
const char* kNorthernIreland = R"({"nation": "northern-ireland"})";

}  // namespace

TEST_SUITE("unit/timeline_nations: England") {
  TEST_CASE("the conference runs from the discussion at which s47 enquiries were initiated") {
    // Issue 21's case. Working Together 2023, ch. 3: within 15 working days of the strategy
    // discussion at which section 47 enquiries were initiated. Thu 10 Sep 2026 initiated them;
    // the discussion of Tue 15 Sep does not move the clock. Sep 11 (1), Sep 14-18 (6), Sep
    // 21-25 (11), Sep 28-Oct 1 (15): due Thu 1 Oct. Held Fri 2 Oct: late by 1 working day.
    const Case c(event("E-1", "strategy_discussion", "2026-09-10", R"(, "decision": "s47")") + "," +
                     event("E-2", "strategy_discussion", "2026-09-15", R"(, "decision": "s47")") +
                     "," + event("E-3", "initial_conference", "2026-10-02"),
                 kEngland, "2026-11-23");
    REQUIRE(c.count("initial_conference") == 1);
    const Step& icpc = c.step("initial_conference");
    CHECK(c.results.event_id(icpc.trigger) == "E-1");
    CHECK(icpc.due == day("2026-10-01"));
    CHECK(icpc.status == StepStatus::late);
    CHECK(icpc.working_days == 1);
  }

  TEST_CASE("a discussion deciding no s47 makes the conference not required, with the reason") {
    // Thu 10 Sep decides no section 47 enquiry: that conference is decided against at once (no
    // due date). Tue 15 Sep initiates enquiries: 15 working days, Sep 16-18 (3), Sep 21-25 (8),
    // Sep 28-Oct 2 (13), Mon 5 (14), Tue 6 Oct (15). Held Tue 6 Oct: on time.
    const Case c(event("E-1", "strategy_discussion", "2026-09-10", R"(, "decision": "no_s47")") +
                     "," +
                     event("E-2", "strategy_discussion", "2026-09-15", R"(, "decision": "s47")") +
                     "," + event("E-3", "initial_conference", "2026-10-06"),
                 kEngland, "2026-11-23");
    REQUIRE(c.count("initial_conference") == 2);
    const Step& first = c.step("initial_conference", 0);
    CHECK(first.status == StepStatus::not_required);
    CHECK(first.due == kNoDay);
    CHECK(first.reason == "the strategy discussion decided no section 47 enquiry was needed");
    const Step& second = c.step("initial_conference", 1);
    CHECK(second.due == day("2026-10-06"));
    CHECK(second.status == StepStatus::on_time);
    CHECK(c.gaps().empty());
  }

  TEST_CASE("a section 47 enquiry concluding no conference is needed closes the conference") {
    // Opened Thu 10 Sep (due Thu 1 Oct); the enquiry concludes on Mon 21 Sep that no
    // conference is needed. As of 23 Nov it is not overdue: not required, with the reason.
    const Case c(
        event("E-1", "strategy_discussion", "2026-09-10", R"(, "decision": "s47")") + "," +
            event("E-2", "section47_outcome", "2026-09-21", R"(, "decision": "no_conference")"),
        kEngland, "2026-11-23");
    const Step& icpc = c.step("initial_conference");
    CHECK(icpc.due == day("2026-10-01"));
    CHECK(icpc.status == StepStatus::not_required);
    CHECK(icpc.completed == day("2026-09-21"));
    CHECK(icpc.reason == "the section 47 enquiry concluded no conference was needed");
    CHECK(c.results.event_id(icpc.done) == "E-2");
  }

  TEST_CASE("a section 47 start without a recorded discussion starts the clock") {
    // Mon 2 Nov 2026 + 15 working days: Nov 3-6 (4), Nov 9-13 (9), Nov 16-20 (14), Mon 23
    // (15). As of Mon 23 Nov: due today.
    const Case c(event("E-1", "section47_start", "2026-11-02"), kEngland, "2026-11-23");
    CHECK(c.step("initial_conference").due == day("2026-11-23"));
    CHECK(c.step("initial_conference").status == StepStatus::due);
    CHECK(c.step("initial_conference").working_days == 0);
  }

  TEST_CASE("no further action at the referral decision closes the assessment") {
    // Issue 21: "assessment OVERDUE by 165 working days". Referral Mon 2 Mar 2026, decision of
    // no further action Tue 3 Mar (due Tue 3 Mar: on time); the assessment is not required.
    const Case c(event("E-1", "referral", "2026-03-02") + "," +
                     event("E-2", "referral_decision", "2026-03-03", R"(, "decision": "nfa")"),
                 kEngland, "2026-11-23");
    CHECK(c.step("referral_decision").status == StepStatus::on_time);
    const Step& assessment = c.step("assessment");
    CHECK(assessment.status == StepStatus::not_required);
    CHECK(assessment.reason == "no further action at the referral decision");
    CHECK(assessment.working_days == 0);
  }

  TEST_CASE("a conference deciding no plan starts no plan, core group or review") {
    const Case c(event("E-1", "strategy_discussion", "2026-09-10") + "," +
                     event("E-2", "initial_conference", "2026-10-01", R"(, "decision": "no_plan")"),
                 kEngland, "2027-06-01");
    CHECK(c.step("initial_conference").status == StepStatus::on_time);
    CHECK(c.count("core_group") == 0);
    CHECK(c.count("first_review") == 0);
    CHECK(c.results.steps_end(0) - c.results.steps_begin(0) == 1);
  }

  TEST_CASE("core group within 10 working days of the conference, over a local closure") {
    // Conference Wed 16 Dec 2026; the calendar closes Dec 29-31 locally. Dec 17, 18 (2), Dec
    // 21-24 (6), Christmas (Fri 25), Boxing Day's substitute (Mon 28), the closures and New
    // Year's Day are off: Jan 4-7 (10): due Thu 7 Jan 2027.
    const Case c(event("E-1", "strategy_discussion", "2026-12-01") + "," +
                     event("E-2", "initial_conference", "2026-12-16"),
                 R"({"nation": "england", "closures": ["2026-12-29", "2026-12-30", "2026-12-31"]})",
                 "2027-01-08");
    CHECK(c.step("core_group").due == day("2027-01-07"));
    CHECK(c.step("core_group").status == StepStatus::overdue);
    CHECK(c.step("core_group").working_days == 1);
  }

  TEST_CASE("reviews: 3 months then 6, month ends clamped, non-working days moved back") {
    // Conference Mon 30 Nov 2026. 3 months: 30 Feb does not exist, so the last day of
    // February (Dodds v Walker), Sun 28 Feb 2027; not a working day, so Fri 26 Feb. Review
    // held Wed 31 Mar 2027, late by Mar 1-5 (5), 8-12 (10), 15-19 (15), 22-25 (19; Good Friday
    // is 26 Mar 2027), Mar 30-31 (21; Easter Monday is 29 Mar) working days. The
    // next within 6 months of 31 Mar: 31 Sep does not exist, so Thu 30 Sep 2027.
    const Case c(event("E-1", "strategy_discussion", "2026-11-09") + "," +
                     event("E-2", "initial_conference", "2026-11-30") + "," +
                     event("E-3", "review_conference", "2027-03-31"),
                 kEngland, "2027-06-01");
    const Step& first = c.step("first_review");
    CHECK(first.due == day("2027-02-26"));
    CHECK(first.status == StepStatus::late);
    CHECK(first.working_days == 21);
    CHECK(c.step("review").due == day("2027-09-30"));
    CHECK(c.step("review").status == StepStatus::due);
    CHECK(c.results.event_id(c.step("review").trigger) == "E-3");
  }

  TEST_CASE("a review deciding to end the plan stops the reviews") {
    const Case c(event("E-1", "strategy_discussion", "2026-01-05") + "," +
                     event("E-2", "initial_conference", "2026-01-20") + "," +
                     event("E-3", "core_group", "2026-01-27") + "," +
                     event("E-4", "review_conference", "2026-04-15", R"(, "decision": "end_plan")"),
                 kEngland, "2027-06-01");
    CHECK(c.step("first_review").status == StepStatus::on_time);
    CHECK(c.count("review") == 0);
    CHECK(c.gaps().empty());
  }

  TEST_CASE("looked-after reviews (reg. 33) and statutory visits (reg. 28)") {
    // Looked after from Wed 7 Jan 2026. First review within 20 working days: Jan 8-9 (2), four
    // full weeks to Fri 30 Jan (22)... counting: Jan 12-16 (7), 19-23 (12), 26-30 (17), Feb 2-4
    // (20): due Wed 4 Feb; held Fri 30 Jan, on time. Second within 3 months of 30 Jan: Thu 30
    // Apr; held that day, on time. Then 6 months: Fri 30 Oct 2026, not held; as of Mon 23 Nov
    // overdue by Nov 2-6, 9-13, 16-20 (15) and 23 (16) working days.
    // Visits: within one week of 7 Jan, Wed 14 Jan; visited Tue 13 Jan. Then within 6 weeks of
    // 13 Jan, Tue 24 Feb; visited Mon 2 Mar, late by 6 days. Then Mon 13 Apr (42 days), not
    // visited: overdue by 224 days on 23 Nov (17 in April, 184 May-Oct, 23 in November).
    const Case c(event("E-1", "looked_after_start", "2026-01-07") + "," +
                     event("E-2", "statutory_visit", "2026-01-13") + "," +
                     event("E-3", "looked_after_review", "2026-01-30") + "," +
                     event("E-4", "statutory_visit", "2026-03-02") + "," +
                     event("E-5", "looked_after_review", "2026-04-30"),
                 kEngland, "2026-11-23");
    CHECK(c.step("la_first_review").due == day("2026-02-04"));
    CHECK(c.step("la_first_review").status == StepStatus::on_time);
    CHECK(c.step("la_second_review").due == day("2026-04-30"));
    CHECK(c.step("la_second_review").status == StepStatus::on_time);
    const Step& third = c.step("la_review");
    CHECK(third.due == day("2026-10-30"));
    CHECK(third.status == StepStatus::overdue);
    CHECK(third.working_days == 16);
    CHECK(c.step("statutory_visit_first").due == day("2026-01-14"));
    CHECK(c.step("statutory_visit_first").status == StepStatus::on_time);
    const Step& second_visit = c.step("statutory_visit", 0);
    CHECK(second_visit.due == day("2026-02-24"));
    CHECK(second_visit.status == StepStatus::late);
    CHECK(second_visit.calendar_days == 6);
    const Step& third_visit = c.step("statutory_visit", 1);
    CHECK(third_visit.due == day("2026-04-13"));
    CHECK(third_visit.status == StepStatus::overdue);
    CHECK(third_visit.calendar_days == 224);
  }

  TEST_CASE("the end of being looked after makes open reviews and visits not required") {
    const Case c(event("E-1", "looked_after_start", "2026-01-07") + "," +
                     event("E-2", "looked_after_end", "2026-01-12"),
                 kEngland, "2026-11-23");
    CHECK(c.step("la_first_review").status == StepStatus::not_required);
    CHECK(c.step("la_first_review").reason == "the child stopped being looked after");
    CHECK(c.step("statutory_visit_first").status == StepStatus::not_required);
  }

  TEST_CASE("return interviews within 72 hours of each return") {
    // Returned Fri 6 Nov 2026: 72 hours, Mon 9 Nov; interviewed Tue 10 Nov, late by 1 day.
    // Returned Sat 14 Nov: due Tue 17 Nov; none as of Mon 23 Nov: overdue by 6 days.
    const Case c(event("E-1", "missing_episode", "2026-11-05") + "," +
                     event("E-2", "missing_return", "2026-11-06") + "," +
                     event("E-3", "return_interview", "2026-11-10") + "," +
                     event("E-4", "missing_episode", "2026-11-13") + "," +
                     event("E-5", "missing_return", "2026-11-14"),
                 kEngland, "2026-11-23");
    REQUIRE(c.count("return_interview") == 2);
    CHECK(c.step("return_interview", 0).due == day("2026-11-09"));
    CHECK(c.step("return_interview", 0).status == StepStatus::late);
    CHECK(c.step("return_interview", 0).calendar_days == 1);
    CHECK(c.step("return_interview", 1).due == day("2026-11-17"));
    CHECK(c.step("return_interview", 1).status == StepStatus::overdue);
    CHECK(c.step("return_interview", 1).calendar_days == 6);
  }

  TEST_CASE("local steps are off until a local file sets them, statutory steps cannot change") {
    const auto england = Process::bundled(Nation::england);
    CHECK_FALSE(england->steps()[england->find_step("cp_visit")].enabled);
    const auto local = Process::load_local_string(R"(
[process]
extends = "england"
source = "Fictional Borough child protection procedures, 2026"

[[step]]
id = "cp_visit"
source = "Fictional Borough: children on a plan are seen at least every 15 working days"
enabled = true
due = { count = 15, unit = "working_days" }
)",
                                                  "local.toml", *england);
    // Conference Mon 2 Nov 2026: first visit due 15 working days later, Mon 23 Nov; visited Fri
    // 20 Nov; the next is due 15 working days after it: Nov 23-27 (5), Nov 30-Dec 4 (10), Dec
    // 7-11 (15): Fri 11 Dec.
    const Case c(event("E-1", "strategy_discussion", "2026-10-20") + "," +
                     event("E-2", "initial_conference", "2026-11-02") + "," +
                     event("E-3", "cp_visit", "2026-11-20"),
                 kEngland, "2026-11-23", local);
    CHECK(c.step("cp_visit", 0).due == day("2026-11-23"));
    CHECK(c.step("cp_visit", 0).status == StepStatus::on_time);
    CHECK(c.step("cp_visit", 1).due == day("2026-12-11"));
    const Case bundled(event("E-1", "strategy_discussion", "2026-10-20") + "," +
                           event("E-2", "initial_conference", "2026-11-02"),
                       kEngland, "2026-11-23");
    CHECK(bundled.count("cp_visit") == 0);

    try {
      Process::load_local_string(R"([process]
extends = "england"
source = "x"
[[step]]
id = "initial_conference"
source = "x"
due = { count = 20, unit = "working_days" }
)",
                                 "local.toml", *england);
      FAIL("a local file changed a statutory step");
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_data);
      CHECK(e.where().line == 5);
      CHECK(std::string(e.what()).find("statutory") != std::string::npos);
    }
    CHECK_THROWS_AS(Process::load_local_string("[process]\nextends = \"wales\"\nsource = \"x\"\n",
                                               "w.toml", *england),
                    Error);
  }

  TEST_CASE("a local file that sets one step twice is refused, as a national file is") {
    const auto england = Process::bundled(Nation::england);
    const std::string text = R"([process]
extends = "england"
source = "x"

[[step]]
id = "cp_visit"
source = "first"
enabled = true
due = { count = 15, unit = "working_days" }

[[step]]
id = "cp_visit"
source = "second"
enabled = false
)";
    try {
      Process::load_local_string(text, "local.toml", *england);
      FAIL("a local file set cp_visit twice");
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_data);
      CHECK(e.where().file == "local.toml");
      CHECK(e.where().line == 12);
      CHECK(e.where().column == 6);
      CHECK(std::string(e.what()).find("step 'cp_visit' is defined twice") != std::string::npos);
    }
    // An unknown id is quoted back only in part.
    try {
      Process::load_local_string(
          "[process]\nextends = \"england\"\nsource = \"x\"\n[[step]]\nid = \"" +
              std::string(5000, 'q') + "\"\nsource = \"s\"\n",
          "local.toml", *england);
      FAIL("an unknown step id was accepted");
    } catch (const Error& e) {
      CHECK(e.where().line == 5);
      CHECK(std::string(e.what()).size() < 200);
    }
  }

  TEST_CASE("a rule pack's [timescales] changes only the steps it names") {
    const auto pack = RuleSet::load_string(R"(
[pack]
id = "t"
version = "1"
title = "timescales"
[[level]]
id = "low"
title = "Low"
min = 0
[[index]]
id = "i"
title = "I"
[timescales]
assessment_working_days = 10
)",
                                           "inline");
    const auto process = process_for(Nation::england_and_wales, pack->timescales(), nullptr);
    CHECK(process->steps()[process->find_step("assessment")].due[0].count == 10);
    CHECK(process->steps()[process->find_step("referral_decision")].due[0].count == 1);
    // Not England's: left alone.
    const auto wales = process_for(Nation::wales, pack->timescales(), nullptr);
    CHECK(wales->steps()[wales->find_step("assessment")].due[0].count == 42);
  }
}

TEST_SUITE("unit/timeline_nations: Wales") {
  TEST_CASE("assessment within 42 working days, the process follows the case's nation") {
    // Referral Mon 2 Mar 2026: Mar 3-6 (4), three weeks to Fri 27 Mar (19), Mar 30-Apr 2 (23;
    // Good Friday and Easter Monday off), Apr 7-10 (27), three weeks to Fri 1 May (42): due
    // Fri 1 May (England's 45 would be Thu 7 May).
    const Case c(event("E-1", "referral", "2026-03-02"), kWales, "2026-04-01");
    CHECK(c.results.process().nation() == Nation::wales);
    CHECK(c.step("assessment").due == day("2026-05-01"));
    const Case e(event("E-1", "referral", "2026-03-02"), kEngland, "2026-04-01");
    CHECK(e.step("assessment").due == day("2026-05-07"));
  }

  TEST_CASE("conference 15 and core group 10 working days, reviews 3 then 6 months") {
    // Discussion Thu 10 Sep 2026: conference due Thu 1 Oct (as in England); held Thu 1 Oct.
    // Core group: Oct 2 (1), Oct 5-9 (6), Oct 12-15 (10): Thu 15 Oct. First review: Fri 1 Jan
    // 2027 is New Year's Day, so Thu 31 Dec 2026.
    const Case c(event("E-1", "strategy_discussion", "2026-09-10") + "," +
                     event("E-2", "initial_conference", "2026-10-01"),
                 kWales, "2026-11-23");
    CHECK(c.step("initial_conference").status == StepStatus::on_time);
    CHECK(c.step("core_group").due == day("2026-10-15"));
    CHECK(c.step("first_review").due == day("2026-12-31"));
  }

  TEST_CASE("the first looked-after review within 28 days, not England's 20 working days") {
    // Looked after from Mon 14 Dec 2026: 28 days is Mon 11 Jan 2027 (England's 20 working days
    // over Christmas would be Thu 14 Jan). Not held by 12 Jan: overdue.
    const Case c(event("E-1", "looked_after_start", "2026-12-14"), kWales, "2027-01-12");
    CHECK(c.step("la_first_review").due == day("2027-01-11"));
    CHECK(c.step("la_first_review").status == StepStatus::overdue);
    const Case england(event("E-1", "looked_after_start", "2026-12-14"), kEngland, "2027-01-12");
    CHECK(england.step("la_first_review").due == day("2027-01-14"));
    // From Sun 3 Jan 2027 the 28th day is Sun 31 Jan: the review is due by Fri 29 Jan.
    const Case weekend(event("E-1", "looked_after_start", "2027-01-03"), kWales, "2027-01-04");
    CHECK(weekend.step("la_first_review").due == day("2027-01-29"));
  }
}

TEST_SUITE("unit/timeline_nations: Scotland") {
  TEST_CASE("CPPM within 28 calendar days of the IRD, St Andrew's Day moves it back") {
    // IRD progresses an investigation on Mon 2 Nov 2026; 28 calendar days is Mon 30 Nov, St
    // Andrew's Day (a Scottish bank holiday), so the working day before: Fri 27 Nov. CPPM held
    // Mon 16 Nov: on time. Core group within 15 working days of 16 Nov: Nov 17-20 (4), Nov
    // 23-27 (9), St Andrew's Day off, Dec 1-4 (13), Dec 7-8 (15): Tue 8 Dec (Mon 7 Dec in
    // England). Review CPPM within 6 months: Sun 16 May 2027, so Fri 14 May.
    const Case c(event("E-1", "ird", "2026-11-02", R"(, "decision": "investigation")") + "," +
                     event("E-2", "initial_conference", "2026-11-16"),
                 kScotland, "2026-11-23");
    CHECK(c.results.process().nation() == Nation::scotland);
    const Step& cppm = c.step("initial_conference");
    CHECK(cppm.due == day("2026-11-27"));
    CHECK(cppm.status == StepStatus::on_time);
    CHECK(c.step("core_group").due == day("2026-12-08"));
    CHECK(c.step("first_review").due == day("2027-05-14"));
    // No England steps in Scotland: no referral decision, no 45-day assessment.
    CHECK(c.results.process().find_step("referral_decision") < 0);
  }

  TEST_CASE("an IRD deciding no investigation makes the CPPM not required") {
    const Case c(event("E-1", "ird", "2026-11-02", R"(, "decision": "no_investigation")"),
                 kScotland, "2027-01-04");
    CHECK(c.step("initial_conference").status == StepStatus::not_required);
    CHECK(c.step("initial_conference").reason ==
          "the IRD decided no child protection investigation or CPPM was required");
  }

  TEST_CASE("unborn child CPPM: the earlier of 28 days and 28 weeks of gestation") {
    // Concern raised Mon 2 Nov 2026, expected birth Mon 8 Feb 2027. 28 calendar days: Mon 30
    // Nov; 28 weeks of gestation is 12 weeks (84 days) before birth: Mon 16 Nov 2026. Due the
    // earlier, 16 Nov.
    const Case c(event("E-1", "expected_birth", "2026-11-02", R"(, "expected": "2027-02-08")"),
                 kScotland, "2026-11-10");
    CHECK(c.step("prebirth_conference").due == day("2026-11-16"));
    CHECK(c.step("prebirth_conference").status == StepStatus::due);
  }
}

TEST_SUITE("unit/timeline_nations: Northern Ireland") {
  TEST_CASE("initial assessment within 10 working days, St Patrick's Day counts") {
    // Referral Mon 9 Mar 2026: Mar 10-13 (4), Mon 16 (5), Tue 17 St Patrick's Day off, Mar
    // 18-20 (8), Mar 23-24 (10): Tue 24 Mar.
    const Case c(event("E-1", "referral", "2026-03-09"), kNorthernIreland, "2026-03-10");
    CHECK(c.results.process().nation() == Nation::northern_ireland);
    CHECK(c.step("assessment").due == day("2026-03-24"));
  }

  TEST_CASE("case conference within 15 working days, the Boyne holiday counts") {
    // Discussion Mon 29 Jun 2026: Jun 30-Jul 3 (4), Jul 6-10 (9), Mon 13 Jul off (12 July is
    // a Sunday), Jul 14-17 (13), Jul 20-21 (15): Tue 21 Jul (England: Mon 20 Jul).
    const Case c(event("E-1", "strategy_discussion", "2026-06-29"), kNorthernIreland, "2026-07-01");
    CHECK(c.step("initial_conference").due == day("2026-07-21"));
    const Case e(event("E-1", "strategy_discussion", "2026-06-29"), kEngland, "2026-07-01");
    CHECK(e.step("initial_conference").due == day("2026-07-20"));
  }
}

TEST_SUITE("unit/timeline_nations: lateness kept, transfers between authorities and nations") {
  TEST_CASE("a review overdue when the plan ends stays on record as missed, by how much") {
    // Conference Mon 2 Mar 2026: first review due within 3 months, Tue 2 Jun 2026. Never held;
    // the plan ends Wed 1 Jul 2026: overdue by Jun 3-5 (3), 8-12 (8), 15-19 (13), 22-26 (18),
    // Jun 29-Jul 1 (21) working days by then.
    const Case c(event("E-1", "strategy_discussion", "2026-02-16") + "," +
                     event("E-2", "initial_conference", "2026-03-02") + "," +
                     event("E-3", "core_group", "2026-03-10") + "," +
                     event("E-4", "plan_end", "2026-07-01"),
                 kEngland, "2026-09-01");
    const Step& review = c.step("first_review");
    CHECK(review.due == day("2026-06-02"));
    CHECK(review.status == StepStatus::not_required);
    CHECK(review.missed);
    CHECK(review.working_days == 21);
    CHECK(review.calendar_days == 29);
    CHECK(review.reason == "the child protection plan ended");
    CHECK(step_status_text(review, true) ==
          "not required: the child protection plan ended (it was OVERDUE by 21 working days by "
          "then)");
    const TimelineSummary t = c.summary();
    CHECK(t.missed == 1);
    CHECK(t.overdue == 0);
    // Ended before the review fell due: nothing was missed.
    const Case early(event("E-1", "strategy_discussion", "2026-02-16") + "," +
                         event("E-2", "initial_conference", "2026-03-02") + "," +
                         event("E-4", "plan_end", "2026-05-01"),
                     kEngland, "2026-09-01");
    CHECK_FALSE(early.step("first_review").missed);
    CHECK(early.step("first_review").working_days == 0);
    // Its core group was due Mon 16 Mar (10 working days after 2 Mar) and never held: missed,
    // by Mar 17-20 (4), 23-27 (9), Mar 30-Apr 2 (13; Good Friday 3 Apr), Apr 7-10 (17; Easter
    // Monday 6 Apr), 13-17 (22), 20-24 (27), 27-May 1 (32) working days.
    CHECK(early.step("core_group").missed);
    CHECK(early.step("core_group").working_days == 32);
    CHECK(early.summary().missed == 1);
  }

  TEST_CASE("a transfer within the nation: the plan stays with the originator until conference") {
    // Plan from Mon 2 Mar 2026; the child moves to another English authority, notified Mon 11
    // May. The originating authority keeps the plan until the transfer-in conference (London
    // procedures), so its first review (due Tue 2 Jun, 3 months after the conference) stays
    // due: not held by Wed 10 Jun, overdue by Jun 3-5, 8-10 (6). Transfer-in conference within
    // 15 working days: May 12-15 (4), 18-22 (9), 26-29 (13; Spring bank holiday 25 May), Jun
    // 1-2 (15): Tue 2 Jun. Not held by Wed 10 Jun: overdue by Jun 3-5, 8-10 (6).
    const Case c(event("E-1", "strategy_discussion", "2026-02-16") + "," +
                     event("E-2", "initial_conference", "2026-03-02") + "," +
                     event("E-3", "core_group", "2026-03-10") + "," +
                     event("E-4", "transfer_in", "2026-05-11"),
                 kEngland, "2026-06-10");
    const Step& review = c.step("first_review");
    CHECK(review.due == day("2026-06-02"));
    CHECK(review.status == StepStatus::overdue);
    CHECK(review.working_days == 6);
    CHECK(review.reason.empty());
    const Step& transfer = c.step("transfer_conference");
    CHECK(transfer.due == day("2026-06-02"));
    CHECK(transfer.status == StepStatus::overdue);
    CHECK(transfer.working_days == 6);
    CHECK(transfer.process == nullptr);
    const TimelineSummary t = c.summary();
    CHECK(t.on_plan);
    CHECK(t.plans == 1);  // the same plan, carried over
    CHECK(c.gaps().empty());
  }

  TEST_CASE("the transfer-in conference keeping the plan starts core group and first review") {
    const Case c(event("E-1", "transfer_in", "2026-05-11") + "," +
                     event("E-2", "transfer_conference", "2026-05-27", R"(, "decision": "plan")"),
                 kEngland, "2026-06-01");
    CHECK(c.step("transfer_conference").status == StepStatus::on_time);
    // Core group within 10 working days of Wed 27 May: May 28-29 (2), Jun 1-5 (7), 8-10 (10).
    CHECK(c.step("core_group").due == day("2026-06-10"));
    CHECK(c.step("first_review").due == day("2026-08-27"));
    CHECK(c.summary().plans == 1);  // a plan made elsewhere, now here
    // Deciding no plan ends it: nothing more is due.
    const Case ended(
        event("E-1", "transfer_in", "2026-05-11") + "," +
            event("E-2", "transfer_conference", "2026-05-27", R"(, "decision": "no_plan")"),
        kEngland, "2026-06-01");
    CHECK(ended.count("core_group") == 0);
    CHECK_FALSE(ended.summary().on_plan);
    // A transfer-in conference with no transfer before it is a gap in the record.
    const Case orphan(event("E-1", "transfer_conference", "2026-05-27"), kEngland, "2026-06-01");
    CHECK(orphan.gaps() == "E-1: transfer-in conference with no transfer in recorded before it\n");
  }

  TEST_CASE("Scotland to England: Scottish steps on Scotland's process, English ones after") {
    // In Scotland: IRD Tue 1 Sep 2026 progresses an investigation, CPPM within 28 calendar days
    // (Tue 29 Sep), held Tue 22 Sep; Scottish core group within 15 working days (Tue 13 Oct).
    // Notified of the move to England Mon 5 Oct: the Scottish authority keeps the plan until
    // the transfer-in conference, and its core group is never held: at the conference (Wed 28
    // Oct) it closes, missed by Oct 14-16 (3), 19-23 (8), 26-28 (11) working days on Scotland's
    // calendar; the Scottish review (due in 6 months) closes there, not missed.
    // English transfer-in conference within 15 working days: Mon 26 Oct; held Wed 28 Oct, late
    // by 2. English core group within 10 working days of it: Wed 11 Nov; not held by
    // Fri 20 Nov, overdue by Nov 12-13, 16-20 (7).
    const Case c(
        event("E-1", "ird", "2026-09-01", R"(, "decision": "investigation")") + "," +
            event("E-2", "initial_conference", "2026-09-22", R"(, "decision": "plan")") + "," +
            event("E-3", "transfer_in", "2026-10-05", R"(, "decision": "from_scotland")") + "," +
            event("E-4", "transfer_conference", "2026-10-28", R"(, "decision": "plan")"),
        kEngland, "2026-11-20");
    const Step& cppm = c.step("initial_conference");
    CHECK(c.nation(cppm) == Nation::scotland);
    CHECK(step_definition(c.results.process(), cppm).title ==
          "child protection planning meeting (CPPM)");
    CHECK(cppm.due == day("2026-09-29"));
    CHECK(cppm.status == StepStatus::on_time);
    const Step& scottish_core = c.step("core_group", 0);
    CHECK(c.nation(scottish_core) == Nation::scotland);
    CHECK(scottish_core.due == day("2026-10-13"));
    CHECK(scottish_core.status == StepStatus::not_required);
    CHECK(scottish_core.reason ==
          "the transfer-in conference was held (the receiving authority took the plan over)");
    CHECK(scottish_core.completed == day("2026-10-28"));
    CHECK(scottish_core.missed);
    CHECK(scottish_core.working_days == 11);
    const Step& scottish_review = c.step("first_review");
    CHECK(c.nation(scottish_review) == Nation::scotland);
    CHECK(scottish_review.status == StepStatus::not_required);
    CHECK_FALSE(scottish_review.missed);
    const Step& transfer = c.step("transfer_conference");
    CHECK(c.nation(transfer) == Nation::england);
    CHECK(transfer.due == day("2026-10-26"));
    CHECK(transfer.status == StepStatus::late);
    CHECK(transfer.working_days == 2);
    const Step& english_core = c.step("core_group", 1);
    CHECK(c.nation(english_core) == Nation::england);
    CHECK(english_core.due == day("2026-11-11"));
    CHECK(english_core.status == StepStatus::overdue);
    CHECK(english_core.working_days == 7);
    const TimelineSummary t = c.summary();
    CHECK(t.plans == 1);
    CHECK(t.on_plan);
    CHECK(c.gaps().empty());
    // The step's views and the C API name the Scottish step with Scotland's title and source.
    const std::vector<StepView> views = view_steps(c.results, 0);
    REQUIRE(views.size() == 6);
    CHECK(views[0].title == "child protection planning meeting (CPPM)");
    // Every rendering says which steps were another nation's.
    CHECK(views[0].nation == Nation::scotland);
    CHECK(views[0].other_nation);
    CHECK(step_title_with_nation(views[0]) ==
          "child protection planning meeting (CPPM), in Scotland");
    std::size_t scottish = 0;
    for (const StepView& v : views) {
      CHECK(v.other_nation == (v.nation == Nation::scotland));
      scottish += v.other_nation ? 1 : 0;
      if (!v.other_nation) CHECK(step_title_with_nation(v) == v.title);
    }
    CHECK(scottish == 3);  // the CPPM, its core group and its review
    const std::string table = render_timeline_text(c.results, {}, RenderOptions{});
    CHECK(table.find("child protection planning meeting (CPPM), in Scotland") != std::string::npos);
    CHECK(table.find("transfer-in child protection conference, in") == std::string::npos);
    // The C API names each step's nation (sg_step version 3, sg_step_columns version 2).
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    const std::string text = save_case(c.graph);
    REQUIRE(sg_graph_load_buffer(graph, text.data(), text.size(), "inline") == SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, SAFEGUARD_SOURCE_DIR "/rules/default.toml") == SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-20";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    std::vector<const char*> nations(views.size(), nullptr);
    sg_step_columns columns = SG_STEP_COLUMNS_INIT;
    columns.capacity = nations.size();
    columns.nation = nations.data();
    size_t count = 0;
    REQUIRE(sg_result_step_columns(&count, &columns, result, 0, 1) == SG_OK);
    REQUIRE(count == views.size());
    for (size_t k = 0; k < views.size(); ++k) {
      CAPTURE(k);
      sg_step step = SG_STEP_INIT;
      REQUIRE(sg_result_step(&step, result, 0, k) == SG_OK);
      const std::string expected = views[k].other_nation ? "scotland" : "england";
      CHECK(std::string(step.nation) == expected);
      CHECK(std::string(nations[k]) == expected);
    }
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("steps before a transfer count working days on the nation they came from") {
    // CPPM in Scotland Mon 21 Dec 2026; Scottish core group within 15 working days on
    // Scotland's holidays (25, 28 Dec; 1 and 4 Jan 2027, 2 January falling on a Saturday):
    // Dec 22-24 (3), 29-31 (6), Jan 5-8 (10), 11-15 (15): Fri 15 Jan (England's calendar
    // gives Thu 14 Jan). The move to England is notified Wed 20 Jan; the Scottish authority
    // still owes the core group until the transfer-in conference, none held by Mon 25 Jan:
    // overdue by Jan 18-22 (5), 25 (6) working days.
    const Case c(event("E-1", "ird", "2026-12-07") + "," +
                     event("E-2", "initial_conference", "2026-12-21") + "," +
                     event("E-3", "transfer_in", "2027-01-20", R"(, "decision": "from_scotland")"),
                 kEngland, "2027-01-25");
    const Step& core = c.step("core_group");
    CHECK(c.nation(core) == Nation::scotland);
    CHECK(core.due == day("2027-01-15"));
    CHECK(core.status == StepStatus::overdue);
    CHECK(core.working_days == 6);
    CHECK(c.step("transfer_conference").due == day("2027-02-10"));
  }

  TEST_CASE("the originating authority's duties between the notification and the conference") {
    // In Scotland: CPPM Tue 22 Sep 2026 (plan); Scottish core group due Tue 13 Oct. The move to
    // England is notified Mon 5 Oct; the Scottish authority holds the core group Fri 9 Oct:
    // done on time, by its own process, and no gap in the record.
    const std::string before =
        event("E-1", "ird", "2026-09-01", R"(, "decision": "investigation")") + "," +
        event("E-2", "initial_conference", "2026-09-22", R"(, "decision": "plan")") + "," +
        event("E-3", "transfer_in", "2026-10-05", R"(, "decision": "from_scotland")");
    const Case held(
        before + "," + event("E-4", "core_group", "2026-10-09") + "," +
            event("E-5", "transfer_conference", "2026-10-28", R"(, "decision": "plan")"),
        kEngland, "2026-11-20");
    const Step& core = held.step("core_group", 0);
    CHECK(held.nation(core) == Nation::scotland);
    CHECK(core.status == StepStatus::on_time);
    CHECK(core.completed == day("2026-10-09"));
    CHECK(held.nation(held.step("core_group", 1)) == Nation::england);  // after the conference
    CHECK(held.gaps().empty());
    // The plan ended in the window (by the English process's plan_end): what the Scottish
    // authority carried ends with it, and no transfer-in conference is then needed.
    const Case ended(before + "," + event("E-4", "plan_end", "2026-10-12"), kEngland, "2026-11-20");
    CHECK(ended.step("core_group").status == StepStatus::not_required);
    CHECK(ended.step("core_group").reason == "the child protection plan ended");
    CHECK_FALSE(ended.step("core_group").missed);
    CHECK(ended.step("transfer_conference").status == StepStatus::not_required);
    // A second move before any conference: the child moved on, and the carried steps close.
    const Case again(before + "," + event("E-4", "transfer_in", "2026-10-08"), kEngland,
                     "2026-11-20");
    CHECK(again.step("core_group").status == StepStatus::not_required);
    CHECK(again.step("core_group").reason ==
          "the child moved to another local authority (transfer in)");
    // Only the plan's steps are carried: an assessment open at the move closes there.
    const Case open(
        event("E-1", "referral", "2026-10-12") + "," +
            event("E-2", "referral_decision", "2026-10-13", R"(, "decision": "assessment")") + "," +
            event("E-3", "transfer_in", "2026-11-02"),
        kEngland, "2026-11-20");
    CHECK(open.step("assessment").status == StepStatus::not_required);
    CHECK(open.step("assessment").reason ==
          "the child moved to another local authority (transfer in)");
  }

  TEST_CASE("a case in Wales with a child from England, a transfer naming no nation") {
    // England: referral Mon 12 Oct 2026, decision Tue 13 Oct on time. Moved to Wales, notified
    // Mon 2 Nov (from England). Then a second move within Wales, with no nation named.
    const Case c(
        event("E-1", "referral", "2026-10-12") + "," +
            event("E-2", "referral_decision", "2026-10-13", R"(, "decision": "assessment")") + "," +
            event("E-3", "transfer_in", "2026-11-02", R"(, "decision": "from_england")") + "," +
            event("E-4", "transfer_in", "2026-11-09"),
        kWales, "2026-11-10");
    CHECK(c.nation(c.step("referral_decision")) == Nation::england);
    CHECK(c.step("referral_decision").status == StepStatus::on_time);
    // England's assessment (45 working days) closed by the move.
    CHECK(c.nation(c.step("assessment")) == Nation::england);
    CHECK(c.step("assessment").reason == "the child moved to Wales (transfer in)");
    // The first Welsh transfer conference closed by the second move, within Wales.
    CHECK(c.count("transfer_conference") == 2);
    CHECK(c.step("transfer_conference", 0).reason ==
          "the child moved to another local authority (transfer in)");
    CHECK(c.nation(c.step("transfer_conference", 1)) == Nation::wales);
    CHECK(c.step("transfer_conference", 1).status == StepStatus::due);
  }

  TEST_CASE("a transfer from a nation records only those decisions") {
    CaseGraph graph;
    CHECK_THROWS_WITH_AS(
        load_case(graph,
                  R"({"schema_version": 1, "persons": [{"id": "P-1", "kind": "child"}],
                      "events": [{"id": "E-1", "kind": "transfer_in", "date": "2026-01-05",
                                  "about": ["P-1"], "decision": "plan"}]})",
                  "inline"),
        doctest::Contains("plan"), Error);
    CHECK(graph.vertex_count() == 0);
  }
}

TEST_SUITE("unit/timeline_nations: derived facts") {
  TEST_CASE("re-referral within 12 months, subsequent plans, days since the last review") {
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1, "persons": [{"id": "P-1", "kind": "child"}],
      "events": [
        {"id": "E-1", "kind": "referral", "date": "2025-03-01", "about": ["P-1"]},
        {"id": "E-2", "kind": "initial_conference", "date": "2025-03-20", "about": ["P-1"]},
        {"id": "E-3", "kind": "plan_end", "date": "2025-06-01", "about": ["P-1"]},
        {"id": "E-4", "kind": "referral", "date": "2026-03-01", "about": ["P-1"]},
        {"id": "E-5", "kind": "initial_conference", "date": "2026-03-20", "about": ["P-1"]},
        {"id": "E-6", "kind": "review_conference", "date": "2026-06-10", "about": ["P-1"]}]})",
              "inline");
    const auto snap = take_snapshot(graph);
    const auto process = Process::bundled(Nation::england);
    std::vector<Step> steps;
    std::vector<TimelineIssue> issues;
    // 1 Mar 2026 is exactly 12 months after 1 Mar 2025: a re-referral within 12 months.
    TimelineSummary s = build_timeline(*snap, snap->children[0], *process, *snap->calendar,
                                       day("2026-06-20"), steps, issues);
    CHECK(s.re_referral_12_months);
    CHECK(s.plans == 2);
    CHECK(s.on_plan);
    CHECK(s.days_since_last_review == 10);
    s = build_timeline(*snap, snap->children[0], *process, *snap->calendar, day("2025-04-01"),
                       steps, issues);
    CHECK_FALSE(s.re_referral_12_months);
    CHECK(s.plans == 1);
    CHECK(s.days_since_last_review == -1);
  }

  TEST_CASE("rules read the derived facts") {
    const auto pack = RuleSet::load_string(R"(
[pack]
id = "d"
version = "1"
title = "derived"
[[level]]
id = "low"
title = "Low"
min = 0
[[level]]
id = "high"
title = "High"
min = 1
[[index]]
id = "i"
title = "I"
[[rule]]
id = "subsequent"
index = "i"
heading = "complicating"
title = "Second plan"
for = "child"
when = "timeline.subsequent_plan and timeline.re_referral and timeline.days_since_review < 30 and timeline.not_required == 2"
points = 2
)",
                                           "inline");
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1, "persons": [{"id": "P-1", "kind": "child"}],
      "events": [
        {"id": "E-1", "kind": "referral", "date": "2025-03-01", "about": ["P-1"]},
        {"id": "E-2", "kind": "initial_conference", "date": "2025-03-20", "about": ["P-1"]},
        {"id": "E-3", "kind": "plan_end", "date": "2025-06-01", "about": ["P-1"]},
        {"id": "E-4", "kind": "referral", "date": "2026-03-01", "about": ["P-1"]},
        {"id": "E-5", "kind": "initial_conference", "date": "2026-03-20", "about": ["P-1"]},
        {"id": "E-6", "kind": "review_conference", "date": "2026-06-10", "about": ["P-1"]}]})",
              "inline");
    // As of 20 Jun 2026: a second plan, a re-referral, the last review 10 days ago, and the first
    // plan's core group and first review no longer required once it ended (2 steps).
    const Results r = assess(pack, take_snapshot(graph), {day("2026-06-20"), 1});
    CHECK(r.total(0) == 2);
  }

  TEST_CASE("rules read every count of the timeline, lateness kept included") {
    // England, as of Tue 1 Sep 2026. Conference Mon 2 Mar (due Mon 9 Mar: on time); core group
    // due Mon 16 Mar, held Fri 20 Mar (late by 4); first review due Tue 2 Jun, never held, the
    // plan ends Wed 1 Jul (missed by 21); a referral Mon 24 Aug, decision due Tue 25 Aug, not
    // made (overdue by Aug 26-28 and Sep 1: 4; 31 Aug is a bank holiday); its assessment is due.
    std::string pack = R"([pack]
id = "t"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 100
)";
    const char* const counts[] = {
        "late",         "due",          "overdue",          "missed",
        "not_required", "plans",        "max_overdue_days", "review_overdue",
        "on_plan",      "looked_after", "re_referral"};
    for (const char* count : counts) {
      const std::string name(count);
      const bool flag = name == "review_overdue" || name == "on_plan" || name == "looked_after" ||
                        name == "re_referral";
      pack += "[[index]]\nid = \"" + name + "\"\n[[rule]]\nid = \"r-" + name + "\"\nindex = \"" +
              name + "\"\nheading = \"complicating\"\nfor = \"child\"\n" +
              (flag ? "when = \"timeline." + name + "\"\npoints = 1\n"
                    : "when = \"timeline." + name + " > 0\"\npoints = \"timeline." + name + "\"\n");
    }
    const Case c(event("E-1", "strategy_discussion", "2026-02-16") + "," +
                     event("E-2", "initial_conference", "2026-03-02") + "," +
                     event("E-3", "core_group", "2026-03-20") + "," +
                     event("E-4", "plan_end", "2026-07-01") + "," +
                     event("E-5", "referral", "2026-08-24"),
                 kEngland, "2026-09-01");
    AssessOptions options;
    options.as_of = day("2026-09-01");
    const Results r =
        assess(RuleSet::load_string(pack, "counts.toml"), take_snapshot(c.graph), options);
    const double expected[] = {1, 1, 1, 1, 1, 1, 4, 0, 0, 0, 0};
    for (std::size_t i = 0; i < std::size(counts); ++i) {
      CAPTURE(counts[i]);
      CHECK(r.score(0, i) == expected[i]);
    }
  }
}

TEST_SUITE("unit/timeline_nations: sources that record only some steps") {
  // A child protection case from referral to plan, as the Children in Need census records it:
  // a referral, a section 47 start, the conference that made a plan. England, census year
  // 2024-04-01 to 2025-03-31, as of its last day.
  const std::string kCensusCase =
      event("E-1", "referral", "2024-04-02") + "," + event("E-2", "section47_start", "2024-05-01") +
      "," + event("E-3", "initial_conference", "2024-05-23", R"(, "decision": "plan")");
  const std::string kCensus =
      event("S-1", "record_source", "2024-04-01", R"(, "category": "cin_census")");

  TEST_CASE("steps the census never records are not recorded, and OVERDUE without the source") {
    const Case imported(kCensus + "," + kCensusCase, kEngland, "2025-03-31");
    // Referral Tue 2 Apr 2024: a decision due Wed 3 Apr. The census holds no referral decision
    // (other than no further action): not recorded, with its clock still worked out.
    const Step& decision = imported.step("referral_decision");
    CHECK(decision.status == StepStatus::not_recorded);
    CHECK(decision.reason == "not recorded in the source (Children in Need census)");
    CHECK(decision.due == day("2024-04-03"));
    CHECK(decision.done == kNoEvent);
    CHECK(decision.working_days == 0);
    CHECK(decision.calendar_days == 0);
    CHECK_FALSE(decision.missed);
    // The conference clock runs from the section 47 start the census does record: 15 working
    // days after Wed 1 May 2024 (bank holiday Mon 6 May) is Thu 23 May, held that day.
    const Step& conference = imported.step("initial_conference");
    CHECK(conference.status == StepStatus::on_time);
    CHECK(conference.start == day("2024-05-01"));
    CHECK(conference.due == day("2024-05-23"));
    // No core group is in the census.
    CHECK(imported.step("core_group").status == StepStatus::not_recorded);
    // The census does record assessments: none in the return, 45 working days after the
    // referral (Thu 6 Jun 2024), is OVERDUE. Reviews are recorded: the first is due.
    CHECK(imported.step("assessment").status == StepStatus::overdue);
    CHECK(imported.step("first_review").status == StepStatus::overdue);
    const TimelineSummary with_source = imported.summary();
    CHECK(with_source.not_recorded == 2);
    CHECK(with_source.overdue == 2);
    CHECK(with_source.on_time == 1);
    CHECK(with_source.not_required == 0);
    CHECK(with_source.missed == 0);

    // The same child built by hand, with no source: the same steps are OVERDUE.
    const Case by_hand(kCensusCase, kEngland, "2025-03-31");
    CHECK(by_hand.step("referral_decision").status == StepStatus::overdue);
    CHECK(by_hand.step("referral_decision").working_days > 0);
    CHECK(by_hand.step("core_group").status == StepStatus::overdue);
    const TimelineSummary without = by_hand.summary();
    CHECK(without.not_recorded == 0);
    CHECK(without.overdue == 4);
  }

  TEST_CASE("rules read timeline.not_recorded, and it is not in timeline.overdue") {
    std::string pack = "[pack]\nid = \"t\"\nversion = \"1\"\n[[level]]\nid = \"low\"\nmin = 0\n";
    for (const char* count : {"not_recorded", "overdue", "max_overdue_days"}) {
      const std::string name(count);
      pack += "[[index]]\nid = \"" + name + "\"\n[[rule]]\nid = \"r-" + name + "\"\nindex = \"" +
              name + "\"\nheading = \"complicating\"\nfor = \"child\"\nwhen = \"timeline." + name +
              " > 0\"\npoints = \"timeline." + name + "\"\n";
    }
    const auto rules = RuleSet::load_string(pack, "counts.toml");
    AssessOptions options;
    options.as_of = day("2025-03-31");
    const Case imported(kCensus + "," + kCensusCase, kEngland, "2025-03-31");
    const Results with_source = assess(rules, take_snapshot(imported.graph), options);
    CHECK(with_source.score(0, 0) == 2);  // referral decision, core group
    CHECK(with_source.score(0, 1) == 2);  // assessment, first review
    const Case by_hand(kCensusCase, kEngland, "2025-03-31");
    const Results without = assess(rules, take_snapshot(by_hand.graph), options);
    CHECK(without.score(0, 0) == 0);
    CHECK(without.score(0, 1) == 4);
    // The most overdue step by hand is the referral decision (Wed 3 Apr 2024), not counted
    // when it is not recorded.
    CHECK(without.score(0, 2) > with_source.score(0, 2));
  }

  TEST_CASE("the view says which source, and a plan that ends makes no unrecorded step missed") {
    const Case c(kCensus + "," + kCensusCase + "," + event("E-4", "plan_end", "2025-01-10"),
                 kEngland, "2025-03-31");
    const Step& core_group = c.step("core_group");
    CHECK(core_group.status == StepStatus::not_recorded);
    CHECK_FALSE(core_group.missed);
    // The first review is recorded by the census, so it was missed.
    CHECK(c.step("first_review").missed);
    CHECK(c.summary().missed == 1);
    CHECK(c.summary().not_recorded == 2);
    bool seen = false;
    for (const StepView& v : view_steps(c.results, 0)) {
      if (v.step != "core_group") continue;
      seen = true;
      CHECK(v.status_text == "not recorded in the source (Children in Need census)");
      CHECK(v.done_id.empty());
    }
    CHECK(seen);
    // By hand, the core group was OVERDUE when the plan ended, and says so.
    const Case by_hand(kCensusCase + "," + event("E-4", "plan_end", "2025-01-10"), kEngland,
                       "2025-03-31");
    CHECK(by_hand.step("core_group").status == StepStatus::not_required);
    CHECK(by_hand.step("core_group").missed);
  }

  TEST_CASE("a step whose clock started before the source's period is not recorded") {
    // Declared from 1 Apr 2024: a referral of 2022 with no assessment in the source may have
    // had one before the period; one of June 2024 with none is OVERDUE.
    const Case c(event("E-0", "referral", "2022-09-01") + "," + kCensus + "," +
                     event("E-1", "referral", "2024-06-03"),
                 kEngland, "2025-03-31");
    const Step& before = c.step("assessment", 0);
    CHECK(before.start == day("2022-09-01"));
    CHECK(before.status == StepStatus::not_recorded);
    CHECK(before.reason ==
          "not recorded in the source (Children in Need census): started before the period it "
          "covers");
    CHECK(c.step("assessment", 1).status == StepStatus::overdue);
    // Declared again for an earlier year (a record holding two years' returns): the first
    // declaration starts the period.
    const Case two_years(
        event("E-0", "referral", "2022-09-01") + "," +
            event("S-0", "record_source", "2022-04-01", R"(, "category": "cin_census")") + "," +
            kCensus,
        kEngland, "2025-03-31");
    CHECK(two_years.step("assessment").status == StepStatus::overdue);
  }

  TEST_CASE("a source the process does not declare records every step") {
    const std::string other =
        event("S-2", "record_source", "2024-04-01", R"(, "category": "case_management")");
    // Only the other source: nothing is left out.
    const Case alone(other + "," + kCensusCase, kEngland, "2025-03-31");
    CHECK(alone.step("referral_decision").status == StepStatus::overdue);
    // The census and a full record: a step is not recorded only when no source records it.
    const Case both(kCensus + "," + other + "," + kCensusCase, kEngland, "2025-03-31");
    CHECK(both.step("referral_decision").status == StepStatus::overdue);
    CHECK(both.step("core_group").status == StepStatus::overdue);
    // Wales's process declares no census: a Welsh case with it shows its steps as ever.
    const Case wales(kCensus + "," + kCensusCase, kWales, "2025-03-31");
    CHECK(wales.step("referral_decision").status == StepStatus::overdue);
  }

  TEST_CASE("a recorded step still completes, and record_source needs its source") {
    // The census holds "no further action" at the referral: the decision is done.
    const Case c(kCensus + "," + event("E-1", "referral", "2024-04-02") + "," +
                     event("E-2", "referral_decision", "2024-04-02", R"(, "decision": "nfa")"),
                 kEngland, "2025-03-31");
    CHECK(c.step("referral_decision").status == StepStatus::on_time);
    CHECK(c.step("assessment").status == StepStatus::not_required);
    CaseGraph graph;
    try {
      load_case(graph, R"({"schema_version": 1, "persons": [{"id": "P-1", "kind": "child"}],
        "events": [{"id": "S-1", "kind": "record_source", "date": "2024-04-01",
                    "about": ["P-1"]}]})",
                "inline");
      FAIL("a record_source event with no source was accepted");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("record_source event needs the source") !=
            std::string::npos);
    }
    CHECK(graph.events().empty());
  }

  TEST_CASE("[sources] in a process file: steps by id, errors with line and column") {
    const auto england = Process::bundled(Nation::england);
    const int census = england->find_source("cin_census");
    REQUIRE(census >= 0);
    const ProcessSource& source = england->sources()[static_cast<std::size_t>(census)];
    CHECK(source.title == "Children in Need census");
    std::vector<std::string> left_out;
    for (std::uint16_t k : source.not_recorded) left_out.push_back(england->steps()[k].id);
    CHECK(std::find(left_out.begin(), left_out.end(), "referral_decision") != left_out.end());
    CHECK(std::find(left_out.begin(), left_out.end(), "core_group") != left_out.end());
    CHECK(std::find(left_out.begin(), left_out.end(), "assessment") == left_out.end());
    CHECK(std::find(left_out.begin(), left_out.end(), "initial_conference") == left_out.end());
    CHECK(Process::bundled(Nation::wales)->sources().empty());

    const std::string head =
        "[process]\nnation = \"england\"\ntitle = \"t\"\nsource = \"s\"\n"
        "[[step]]\nid = \"a\"\ntitle = \"a\"\nsource = \"s\"\nopens_on = [\"referral\"]\n"
        "due = { count = 1, unit = \"working_days\" }\ncompleted_by = [\"referral_decision\"]\n";
    struct Bad {
      std::string text;
      int line;
      const char* words;
    };
    const Bad cases[] = {
        {head + "[sources.census]\ntitle = \"c\"\nnot_recorded = [\"b\"]\n", 14, "no step 'b'"},
        {head + "[sources.census]\nnot_recorded = [\"a\"]\n", 12, "missing 'title'"},
        {head + "[sources.census]\ntitle = \"c\"\n", 12, "missing 'not_recorded'"},
        {head + "[sources.census]\ntitle = \"c\"\nnot_recorded = [\"a\"]\nwhen = 1\n", 15,
         "unknown key 'when'"},
        {head + "[sources.Census]\ntitle = \"c\"\nnot_recorded = [\"a\"]\n", 12, "an id is"},
    };
    for (const Bad& bad : cases) {
      CAPTURE(bad.text);
      try {
        Process::load_string(bad.text, "bad.toml");
        FAIL("accepted a bad process file");
      } catch (const Error& e) {
        CHECK(e.where().file == "bad.toml");
        CHECK(e.where().line == bad.line);
        CHECK(std::string(e.what()).find(bad.words) != std::string::npos);
      }
    }
    const auto good = Process::load_string(
        head + "[sources.census]\ntitle = \"c\"\nnot_recorded = [\"a\"]\n", "good.toml");
    REQUIRE(good->sources().size() == 1);
    CHECK(good->sources()[0].reason == "not recorded in the source (c)");
    CHECK(good->sources()[0].not_recorded == std::vector<std::uint16_t>{0});
  }
}

TEST_SUITE("unit/timeline_nations: process files") {
  TEST_CASE("every bundled file loads and cites its guidance on every step") {
    for (Nation nation :
         {Nation::england, Nation::wales, Nation::scotland, Nation::northern_ireland}) {
      const auto process = Process::bundled(nation);
      CAPTURE(to_string(nation));
      CHECK(process->nation() == nation);
      CHECK_FALSE(process->steps().empty());
      for (const ProcessStep& step : process->steps()) {
        CAPTURE(step.id);
        CHECK_FALSE(step.source.empty());
        CHECK_FALSE(step.due.empty());
      }
    }
    CHECK(Process::bundled(Nation::england_and_wales) == Process::bundled(Nation::england));
  }

  TEST_CASE("a bad process file is refused with its file, line and column") {
    const std::string head = "[process]\nnation = \"england\"\ntitle = \"t\"\nsource = \"s\"\n";
    struct Bad {
      std::string text;
      int line;
      const char* words;
    };
    const Bad cases[] = {
        {head + "[[step]]\nid = \"a\"\ntitle = \"a\"\nsource = \"s\"\nopens_on = [\"referal\"]\n"
                "due = { count = 1, unit = \"working_days\" }\ncompleted_by = [\"referral\"]\n",
         9, "unknown event kind \"referal\""},
        {head + "[[step]]\nid = \"a\"\ntitle = \"a\"\nsource = \"s\"\nopens_on = [\"referral\"]\n"
                "due = { count = 1, unit = \"fortnights\" }\ncompleted_by = [\"referral\"]\n",
         10, "unit must be"},
        {head + "[[step]]\nid = \"a\"\ntitle = \"a\"\nsource = \"s\"\n"
                "opens_on = [\"strategy_discussion:plan\"]\n"
                "due = { count = 1, unit = \"working_days\" }\ncompleted_by = [\"referral\"]\n",
         9, "never records the decision"},
        {head + "[[step]]\nid = \"a\"\ntitle = \"a\"\nsource = \"s\"\nopens_on = [\"referral\"]\n"
                "due = { count = 1, unit = \"working_days\" }\ncompleted_by = [\"referral\"]\n"
                "dew = 3\n",
         12, "unknown key 'dew'"},
        {head + "[[step]]\nid = \"a\"\ntitle = \"a\"\nsource = \"s\"\nopens_after = [\"b\"]\n"
                "due = { count = 1, unit = \"working_days\" }\ncompleted_by = [\"referral\"]\n",
         9, "no step 'b'"},
        {head + "[[step]]\nid = \"a\"\ntitle = \"a\"\nsource = \"s\"\nopens_on = [\"referral\"]\n"
                "due = { count = -3, unit = \"working_days\" }\ncompleted_by = [\"referral\"]\n",
         10, "count must be between 0"},
        {"[process]\nnation = \"atlantis\"\n", 2, "nation in [process]"},
        {"[process]\nnation = \"" + std::string(5000, 'a') + "\"\n", 2, "not \"aaaa"},
        {head + "\"k\\u001b" + std::string(500, 'k') + "\" = 1\n", 5, "unknown key \"k\\x1Bkk"},
        {"[process\n", 1, ""},
    };
    for (const Bad& bad : cases) {
      CAPTURE(bad.text);
      try {
        Process::load_string(bad.text, "bad.toml");
        FAIL("accepted a bad process file");
      } catch (const Error& e) {
        CHECK(e.where().file == "bad.toml");
        CHECK(e.where().line == bad.line);
        CHECK(e.where().column > 0);
        CHECK(std::string(e.what()).find(bad.words) != std::string::npos);
        CHECK(std::string(e.what()).size() < 300);
      }
    }
  }

  TEST_CASE("case files: decisions are checked against the event kind") {
    CaseGraph graph;
    CHECK_THROWS_AS(load_case(graph, R"({"schema_version": 1,
      "persons": [{"id": "P-1", "kind": "child"}],
      "events": [{"id": "E-1", "kind": "referral", "date": "2026-01-05", "about": ["P-1"],
                  "decision": "s47"}]})",
                              "inline"),
                    Error);
    CHECK_THROWS_AS(load_case(graph, R"({"schema_version": 1,
      "persons": [{"id": "P-1", "kind": "child"}],
      "events": [{"id": "E-1", "kind": "strategy_discussion", "date": "2026-01-05",
                  "about": ["P-1"], "decision": "maybe"}]})",
                              "inline"),
                    Error);
    CHECK(graph.events().empty());
    load_case(graph, R"({"schema_version": 1, "persons": [{"id": "P-1", "kind": "child"}],
      "events": [{"id": "E-1", "kind": "strategy_discussion", "date": "2026-01-05",
                  "about": ["P-1"], "decision": "no_s47"},
                 {"id": "E-2", "kind": "plan_start", "date": "2026-02-05", "about": ["P-1"],
                  "category": "neglect"}]})",
              "inline");
    REQUIRE(graph.events().size() == 2);
    CHECK(graph.events()[0].decision == EventDecision::no_s47);
    CHECK(graph.events()[1].category == "neglect");
    const std::string saved = save_case(graph);
    CHECK(saved.find("\"decision\": \"no_s47\"") != std::string::npos);
    CHECK(saved.find("\"category\": \"neglect\"") != std::string::npos);
  }
}

TEST_SUITE("unit/timeline_nations: C API") {
  TEST_CASE("a record_source event in, not_recorded steps and their reason out") {
    for (const bool declared : {true, false}) {
      CAPTURE(declared);
      sg_graph* graph = nullptr;
      REQUIRE(sg_graph_new(&graph) == SG_OK);
      sg_batch* batch = nullptr;
      REQUIRE(sg_batch_new(&batch) == SG_OK);
      sg_person child = SG_PERSON_INIT;
      child.id = "P-1";
      REQUIRE(sg_batch_add_person(batch, &child) == SG_OK);
      const char* about[] = {"P-1"};
      sg_event source = SG_EVENT_INIT;
      source.id = "S-1";
      source.kind = "record_source";
      source.date = "2024-04-01";
      source.about = about;
      source.about_count = 1;
      CHECK(sg_batch_add_event(batch, &source) == SG_E_INVALID_ARGUMENT);  // no source named
      CHECK(std::string(sg_error_last()).find("record_source") != std::string::npos);
      source.category = "cin_census";
      if (declared) REQUIRE(sg_batch_add_event(batch, &source) == SG_OK);
      sg_event referral = SG_EVENT_INIT;
      referral.id = "E-1";
      referral.kind = "referral";
      referral.date = "2024-04-02";
      referral.about = about;
      referral.about_count = 1;
      REQUIRE(sg_batch_add_event(batch, &referral) == SG_OK);
      REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
      sg_batch_free(batch);

      sg_rules* rules = nullptr;
      REQUIRE(sg_rules_load_file(&rules, SAFEGUARD_SOURCE_DIR "/rules/default.toml") == SG_OK);
      sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
      options.as_of = "2025-03-31";
      sg_result* result = nullptr;
      REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
      sg_step s = SG_STEP_INIT;
      REQUIRE(sg_result_step(&s, result, 0, 0) == SG_OK);
      CHECK(std::string(s.step) == "referral_decision");
      if (declared) {
        CHECK(std::string(s.status) == "not_recorded");
        REQUIRE(s.reason != nullptr);
        CHECK(std::string(s.reason) == "not recorded in the source (Children in Need census)");
        CHECK(s.working_days == 0);
        CHECK(s.done_id == nullptr);
        CHECK(std::string(s.due) == "2024-04-03");
      } else {
        CHECK(std::string(s.status) == "overdue");
      }
      sg_result_free(result);
      sg_rules_free(rules);
      sg_graph_free(graph);
    }
  }

  TEST_CASE("decisions in, not-required steps and their reasons out, version 1 events still read") {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    sg_person child = SG_PERSON_INIT;
    child.id = "P-1";
    REQUIRE(sg_batch_add_person(batch, &child) == SG_OK);
    const char* about[] = {"P-1"};
    sg_event referral = SG_EVENT_INIT;
    referral.version = 1;  // an older caller: no decision field read
    referral.id = "E-1";
    referral.kind = "referral";
    referral.date = "2026-03-02";
    referral.about = about;
    referral.about_count = 1;
    REQUIRE(sg_batch_add_event(batch, &referral) == SG_OK);
    sg_event decision = SG_EVENT_INIT;
    decision.id = "E-2";
    decision.kind = "referral_decision";
    decision.date = "2026-03-03";
    decision.about = about;
    decision.about_count = 1;
    decision.decision = "nfa";
    REQUIRE(sg_batch_add_event(batch, &decision) == SG_OK);
    sg_event bad = decision;
    bad.id = "E-3";
    bad.decision = "perhaps";
    CHECK(sg_batch_add_event(batch, &bad) == SG_E_INVALID_ARGUMENT);
    REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
    sg_batch_free(batch);

    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, SAFEGUARD_SOURCE_DIR "/rules/default.toml") == SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-23";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    size_t steps = 0;
    REQUIRE(sg_result_step_count(&steps, result, 0) == SG_OK);
    REQUIRE(steps == 2);
    sg_step s = SG_STEP_INIT;
    REQUIRE(sg_result_step(&s, result, 0, 1) == SG_OK);
    CHECK(std::string(s.step) == "assessment");
    CHECK(std::string(s.status) == "not_required");
    CHECK(std::string(s.reason) == "no further action at the referral decision");
    CHECK(std::string(s.title) == "assessment");
    CHECK(std::string(s.done_id) == "E-2");
    CHECK(std::string(s.source).find("45 working days") != std::string::npos);
    CHECK(s.counts_working_days == 1);
    sg_step old = SG_STEP_INIT;
    old.version = 1;
    old.reason = "untouched";
    REQUIRE(sg_result_step(&old, result, 0, 1) == SG_OK);
    CHECK(std::string(old.reason) == "untouched");  // a version 1 struct ends before it
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }
}
