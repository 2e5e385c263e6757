// The statutory timeline and discretionary overrides: due dates worked out by hand on the
// calendar, statuses as of a date, gaps in the record, rules that read the timeline, case-file
// round trips and errors, and the C API over all of it.
#include <doctest/doctest.h>

#include <cstring>
#include <set>
#include <string>

#include "safeguard.h"
#include "safeguard/io.hpp"

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

const char* kTimelineCase = SAFEGUARD_SOURCE_DIR "/examples/data/timeline.json";

struct Fixture {
  CaseGraph graph;
  std::shared_ptr<const RuleSet> rules =
      RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  Fixture() { load_case_file(graph, kTimelineCase); }
  Results run(const char* as_of, unsigned threads = 1) {
    return assess(rules, take_snapshot(graph), {day(as_of), threads});
  }
};

std::size_t row_of(const Results& r, const char* id) {
  const long row = r.find_child(id);
  REQUIRE(row >= 0);
  return static_cast<std::size_t>(row);
}

// The child's first step with the process's id `kind`.
const Step& step(const Results& r, std::size_t row, const char* kind) {
  for (const Step* s = r.steps_begin(row); s != r.steps_end(row); ++s) {
    if (r.process().steps()[s->kind].id == kind) return *s;
  }
  FAIL("no step " << kind);
  return *r.steps_begin(row);
}

std::string step_id(const Results& r, const Step& s) { return r.process().steps()[s.kind].id; }

// Working days counted the plain way — every weekday that is not in `closed` — to check the
// calendar's fast path against by hand, independently of it.
int weekdays_after(const char* from, const char* to, const std::set<std::string>& closed) {
  int count = 0;
  for (Day d = day(from) + 1; d <= day(to); ++d) {
    const int weekday = ((d % 7) + 7 + 4) % 7;  // 0 = Sunday; 1970-01-01 was a Thursday
    if (weekday == 0 || weekday == 6) continue;
    if (closed.count(format_iso_date(d))) continue;
    ++count;
  }
  return count;
}

std::string text_of(const Results& r, std::size_t row) {
  return explain(r, row, ExplainFormat::text);
}

}  // namespace

TEST_SUITE("unit/timeline") {
  TEST_CASE("the Elm children's timeline, worked by hand (as of 2026-11-23)") {
    Fixture f;
    const Results r = f.run("2026-11-23");
    for (const char* child : {"P-ELM-C1", "P-ELM-C2"}) {
      CAPTURE(child);
      const std::size_t row = row_of(r, child);
      REQUIRE(r.step_count(row) == 5);
      CHECK(r.timeline_issues_begin(row) == r.timeline_issues_end(row));

      // Referral Tue 1 Sep 2026: decision due 1 working day later, Wed 2 Sep; made Thu 3 Sep.
      const Step& decision = step(r, row, "referral_decision");
      CHECK(decision.due == day("2026-09-02"));
      CHECK(decision.status == StepStatus::late);
      CHECK(decision.working_days == 1);

      // Assessment: 45 working days from 1 Sep (no bank holidays in Sep-Oct): Sep 2-4 is 3,
      // four full weeks to Fri 2 Oct make 23, four more to Fri 30 Oct make 43, then Mon 2 and
      // Tue 3 Nov: due 3 Nov. Not completed; as of Mon 23 Nov it is overdue by Nov 4-6 (3),
      // two full weeks (10) and Mon 23 (1) = 14 working days.
      const Step& assessment = step(r, row, "assessment");
      CHECK(assessment.due == day("2026-11-03"));
      CHECK(assessment.status == StepStatus::overdue);
      CHECK(assessment.working_days == 14);
      CHECK(assessment.done == kNoEvent);

      // Two strategy discussions, neither recording its decision, so both read as initiating
      // section 47 enquiries. Working Together 2023, ch. 3: the conference is due within 15
      // working days of the one at which s47 enquiries were initiated, the first, Thu 10 Sep
      // (not the last, Tue 15 Sep, as this test used to assert): Sep 11 (1), Sep 14-18 (6),
      // Sep 21-25 (11), Sep 28-Oct 1 (15): due Thu 1 Oct. Held Fri 2 Oct: late by 1.
      const Step& conference = step(r, row, "initial_conference");
      CHECK(conference.start == day("2026-09-10"));
      CHECK(conference.due == day("2026-10-01"));
      CHECK(conference.status == StepStatus::late);
      CHECK(conference.working_days == 1);

      // Core group within 10 working days of Fri 2 Oct: Oct 5-9 (5), Oct 12-16 (10): due Fri
      // 16 Oct; met Wed 14 Oct, on time.
      const Step& core = step(r, row, "core_group");
      CHECK(core.due == day("2026-10-16"));
      CHECK(core.status == StepStatus::on_time);

      // First review within 3 months of 2 Oct: Sat 2 Jan 2027, not a working day. A review
      // must be held within the period, so the due date moves back to the last working day
      // before it (process/england.toml): Fri 1 Jan is New Year's Day, Dec 29-31 are local
      // closures, Mon 28 Dec is Boxing Day's substitute and Fri 25 Dec Christmas: Thu 24 Dec.
      // Working days after Mon 23 Nov up to 24 Dec: Nov 24-27 (4), three full weeks (19),
      // Dec 21-24 (23): due in 23.
      const Step& review = step(r, row, "first_review");
      CHECK(review.due == day("2026-12-24"));
      CHECK(review.status == StepStatus::due);
      CHECK(review.working_days == 23);
      CHECK(review.working_days == weekdays_after("2026-11-23", "2026-12-24", {}));
    }
  }

  TEST_CASE("the Rowan child's timeline: a gap in the record and a late review") {
    Fixture f;
    const Results r = f.run("2026-11-23");
    const std::size_t row = row_of(r, "P-ROW-C1");
    // Referral Mon 12 Jan, decided Tue 13 Jan: on time. Assessment due 45 working days later,
    // Mon 16 Mar (nine full weeks from Jan 13 make 45), completed 20 Feb: on time.
    CHECK(step(r, row, "referral_decision").status == StepStatus::on_time);
    CHECK(step(r, row, "assessment").due == day("2026-03-16"));
    CHECK(step(r, row, "assessment").status == StepStatus::on_time);
    // The initial conference had no strategy discussion before it: no step, one gap reported.
    const TimelineIssue* issue = r.timeline_issues_begin(row);
    REQUIRE(r.timeline_issues_end(row) - issue == 1);
    CHECK(std::string(issue->text).find("initial conference with no strategy discussion") == 0);
    CHECK(r.event_id(issue->event) == "E-ROW-4");
    // First review due 3 months after Fri 20 Mar: Sat 20 Jun, so the working day before, Fri
    // 19 Jun (it was Sat 20 Jun before due dates moved off non-working days). Held Wed 24 Jun:
    // late by Mon 22, Tue 23 and Wed 24 = 3 working days.
    const Step& first = step(r, row, "first_review");
    CHECK(first.due == day("2026-06-19"));
    CHECK(first.status == StepStatus::late);
    CHECK(first.working_days == 3);
    // Next review 6 months after 24 Jun: Thu 24 Dec. As of 23 Nov: due in 23 working days.
    const Step& next = step(r, row, "review");
    CHECK(next.due == day("2026-12-24"));
    CHECK(next.status == StepStatus::due);
    CHECK(next.working_days == 23);
  }

  TEST_CASE("events after the as-of date have not happened, steps not yet started do not exist") {
    Fixture f;
    const Results r = f.run("2026-09-02");
    const std::size_t row = row_of(r, "P-ELM-C1");
    REQUIRE(r.step_count(row) == 2);  // the referral's two clocks only
    const Step& decision = step(r, row, "referral_decision");
    CHECK(decision.status == StepStatus::due);
    CHECK(decision.working_days == 0);  // due today
    const Results before = f.run("2026-08-31");
    CHECK(before.step_count(row_of(before, "P-ELM-C1")) == 0);
  }

  TEST_CASE("rules read the timeline: an overdue review adds points, a plan sets a minimum") {
    Fixture f;
    // As of Sun 10 Jan 2027 both plans' reviews are overdue: Elm's first review was due Thu 24
    // Dec (Sat 2 Jan moved back), Rowan's review Thu 24 Dec. Working days since: Jan 4-8 = 5
    // (Dec 25, 28 are bank holidays, Dec 29-31 closures, Jan 1 a bank holiday).
    const Results r = f.run("2027-01-10");
    for (const char* child : {"P-ELM-C1", "P-ROW-C1"}) {
      CAPTURE(child);
      const std::size_t row = row_of(r, child);
      bool found = false;
      for (const Step* s = r.steps_begin(row); s != r.steps_end(row); ++s) {
        if (step_id(r, *s) == "first_review" || step_id(r, *s) == "review") {
          if (s->status == StepStatus::overdue) {
            found = true;
            CHECK(s->working_days == 5);
          }
        }
      }
      CHECK(found);
      bool rule = false;
      for (const Contribution* c = r.contributions_begin(row); c != r.contributions_end(row); ++c)
        rule = rule || r.rules().rules()[c->rule].id == "statutory-review-overdue";
      CHECK(rule);
      // On a plan: at least child protection, whatever the scores say.
      CHECK(r.rules().levels()[r.level(row)].id == "child_protection");
      CHECK(text_of(r, row).find("OVERDUE by 5 working days") != std::string::npos);
    }
  }

  TEST_CASE("a plan end makes the open review not required, a plan end without a plan is a gap") {
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1,
      "persons": [{"id": "P-1", "kind": "child"}],
      "events": [
        {"id": "E-1", "kind": "plan_end", "date": "2025-01-05", "about": ["P-1"]},
        {"id": "E-2", "kind": "strategy_discussion", "date": "2025-01-06", "about": ["P-1"]},
        {"id": "E-3", "kind": "initial_conference", "date": "2025-01-20", "about": ["P-1"]},
        {"id": "E-4", "kind": "review_conference", "date": "2025-04-22", "about": ["P-1"]},
        {"id": "E-5", "kind": "plan_end", "date": "2025-06-30", "about": ["P-1"]},
        {"id": "E-6", "kind": "review_conference", "date": "2025-07-01", "about": ["P-1"]}]})",
              "inline");
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    const Results r = assess(rules, take_snapshot(graph), {day("2026-11-23"), 1});
    // Strategy discussion Mon 6 Jan 2025; conference due 15 working days later, Mon 27 Jan;
    // held Mon 20 Jan: on time. First review due 3 months later, Sun 20 Apr 2025, moved back
    // to the working day before: Sat 19, Good Friday 18 Apr, so Thu 17 Apr. Held Tue 22 Apr:
    // Good Friday and Easter Monday (21 Apr) are bank holidays, so late by 1 working day (it
    // was due Sun 20 Apr before due dates moved off non-working days; still late by 1). The
    // review opened on 22 Apr, and the core group that never met, stopped being required when
    // the plan ended on 30 Jun (they were withdrawn from the list before).
    REQUIRE(r.step_count(0) == 4);
    CHECK(step_id(r, r.steps_begin(0)[0]) == "initial_conference");
    CHECK(r.steps_begin(0)[0].due == day("2025-01-27"));
    CHECK(r.steps_begin(0)[0].status == StepStatus::on_time);
    const Step& core = step(r, 0, "core_group");
    CHECK(core.status == StepStatus::not_required);
    CHECK(core.reason == "the child protection plan ended");
    CHECK(r.event_id(core.done) == "E-5");
    const Step& first = step(r, 0, "first_review");
    CHECK(first.due == day("2025-04-17"));
    CHECK(first.status == StepStatus::late);
    CHECK(first.working_days == 1);
    const Step& next = step(r, 0, "review");
    CHECK(next.status == StepStatus::not_required);
    CHECK(next.completed == day("2025-06-30"));
    std::vector<std::string> gaps;
    for (const TimelineIssue* i = r.timeline_issues_begin(0); i != r.timeline_issues_end(0); ++i)
      gaps.push_back(std::string(r.event_id(i->event)) + ": " + std::string(i->text));
    REQUIRE(gaps.size() == 2);
    CHECK(gaps[0] == "E-1: plan ended with no child protection plan in place");
    CHECK(gaps[1] == "E-6: review conference with no child protection plan in place");
    // Not on a plan any more: the plan override does not fire.
    CHECK(r.overrides_begin(0) == r.overrides_end(0));
  }

  TEST_CASE("events listed out of order are replayed in date order") {
    auto load = [](bool reversed) {
      CaseGraph graph;
      std::string events[] = {
          R"({"id": "E-1", "kind": "referral", "date": "2026-03-02", "about": ["P-1"]})",
          R"({"id": "E-2", "kind": "referral_decision", "date": "2026-03-03", "about": ["P-1"]})",
          R"({"id": "E-3", "kind": "assessment_complete", "date": "2026-06-01", "about": ["P-1"]})"};
      std::string list = reversed ? events[2] + "," + events[1] + "," + events[0]
                                  : events[0] + "," + events[1] + "," + events[2];
      load_case(
          graph,
          R"({"schema_version": 1, "persons": [{"id": "P-1", "kind": "child"}], "events": [)" +
              list + "]}",
          "inline");
      return graph;
    };
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    const CaseGraph forward = load(false);
    const CaseGraph backward = load(true);
    const Results a = assess(rules, take_snapshot(forward), {day("2026-11-23"), 1});
    const Results b = assess(rules, take_snapshot(backward), {day("2026-11-23"), 1});
    REQUIRE(a.step_count(0) == 2);
    REQUIRE(b.step_count(0) == 2);
    for (std::size_t k = 0; k < 2; ++k) {
      CHECK(a.steps_begin(0)[k].due == b.steps_begin(0)[k].due);
      CHECK(a.steps_begin(0)[k].status == b.steps_begin(0)[k].status);
      CHECK(a.steps_begin(0)[k].working_days == b.steps_begin(0)[k].working_days);
    }
    // Referral Mon 2 Mar 2026; 45 working days: Mar 3-6 (4), three full weeks to Fri 27 Mar
    // (19), Mar 30-Apr 2 (23; Good Friday 3 Apr and Easter Monday 6 Apr are off), Apr 7-10
    // (27), three full weeks to Fri 1 May (42), Mon 4 May is the early May holiday, May 5-7
    // (45): due Thu 7 May. Completed Mon 1 Jun: late by May 8 (1), 11-15 (6), 18-22 (11),
    // 26-29 (15; Mon 25 is the spring holiday) and Jun 1 (16) = 16 working days.
    CHECK(a.steps_begin(0)[1].due == day("2026-05-07"));
    CHECK(a.steps_begin(0)[1].status == StepStatus::late);
    CHECK(a.steps_begin(0)[1].working_days == 16);
  }

  TEST_CASE("a pack's timescales replace Working Together's") {
    const auto base = std::string(R"(
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
referral_decision_working_days = 2
assessment_working_days = 10
)");
    const auto pack = RuleSet::load_string(base, "inline");
    CHECK(pack->timescales().referral_decision_working_days == 2);
    CHECK(pack->timescales().assessment_working_days == 10);
    CHECK(pack->timescales().first_review_months == 3);
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1, "persons": [{"id": "P-1", "kind": "child"}],
      "events": [{"id": "E-1", "kind": "referral", "date": "2026-11-20", "about": ["P-1"]}]})",
              "inline");
    const Results r = assess(pack, take_snapshot(graph), {day("2026-11-23"), 1});
    // Fri 20 Nov + 2 working days = Tue 24 Nov; + 10 = Fri 4 Dec.
    CHECK(r.steps_begin(0)[0].due == day("2026-11-24"));
    CHECK(r.steps_begin(0)[1].due == day("2026-12-04"));

    try {
      RuleSet::load_string(base + "first_review_months = -1\n", "bad.toml");
      FAIL("accepted a negative timescale");
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_data);
      CHECK(std::string(e.what()).find("bad.toml:") != std::string::npos);
      CHECK(std::string(e.what()).find("first_review_months") != std::string::npos);
    }
    CHECK_THROWS_AS(RuleSet::load_string(base + "reviews = 3\n", "bad.toml"), Error);
  }

  TEST_CASE("a nation's calendar and local closures move due dates") {
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1, "persons": [{"id": "P-1", "kind": "child"}],
      "events": [
        {"id": "E-1", "kind": "ird", "date": "2026-12-21", "about": ["P-1"]},
        {"id": "E-2", "kind": "initial_conference", "date": "2026-12-31", "about": ["P-1"]}],
      "calendar": {"nation": "scotland"}})",
              "inline");
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    Results r = assess(rules, take_snapshot(graph), {day("2026-12-31"), 1});
    // Scotland: the core group within 15 working days of the CPPM, Thu 31 Dec 2026. Fri 1 Jan
    // and Sat 2 Jan (substitute Mon 4 Jan) are Scottish bank holidays: Jan 5-8 (4), Jan 11-15
    // (9), Jan 18-22 (14), Mon 25 Jan (15). England and Wales would give Fri 22 Jan.
    CHECK(step(r, 0, "core_group").due == day("2027-01-25"));
    Batch back;
    back.add(CalendarSpec{Nation::england_and_wales, {day("2027-01-04")}});
    graph.apply(back);
    r = assess(rules, take_snapshot(graph), {day("2026-12-31"), 1});
    // England: 10 working days, Mon 4 Jan being a local closure: Jan 5-8 (4), Jan 11-15 (9),
    // Mon 18 Jan (10); without the closure it would be Fri 15 Jan.
    CHECK(step(r, 0, "core_group").due == day("2027-01-18"));
    CHECK(graph.nation() == Nation::england_and_wales);
    CHECK(graph.closures() == std::vector<Day>{day("2027-01-04")});
  }
}

TEST_SUITE("unit/timeline: discretionary overrides") {
  const char* kPack = R"(
[pack]
id = "d"
version = "1"
title = "discretionary"
[[level]]
id = "l0"
title = "L0"
min = 0
[[level]]
id = "l1"
title = "L1"
min = 5
[[level]]
id = "l2"
title = "L2"
min = 10
[[index]]
id = "i"
title = "I"
[[rule]]
id = "r"
title = "R"
index = "i"
heading = "harm"
for = "concern"
when = "true"
points = "concern.severity"
[[override]]
id = "floor"
reason = "Severity 5 means at least L1."
when = "max(concerns, concern.severity) >= 5"
min_level = "l1"
)";

  std::string case_with(const std::string& severity, const std::string& overrides) {
    return R"({"schema_version": 1,
      "agencies": [{"id": "A-1", "type": "school"}],
      "persons": [{"id": "P-1", "kind": "child"}],
      "concerns": [{"id": "C-1", "category": "x", "severity": )" +
           severity + R"(, "recorded": "2026-01-01", "source": "A-1", "about": ["P-1"]}],
      "overrides": [)" +
           overrides + "]}";
  }

  DiscretionaryResult judge(const std::string& pack_extra, const std::string& severity,
                            const std::string& overrides, int& level, const char* as_of) {
    CaseGraph graph;
    load_case(graph, case_with(severity, overrides), "inline");
    const auto pack = RuleSet::load_string(std::string(kPack) + pack_extra, "inline");
    const Results r = assess(pack, take_snapshot(graph), {day(as_of), 1});
    level = r.level(0);
    return r.discretionary(0);
  }

  const std::string kRaise =
      R"({"id": "J-1", "child": "P-1", "direction": "raise", "date": "2026-02-01", "author": "SW-1", "reason": "r1"})";
  const std::string kLower =
      R"({"id": "J-2", "child": "P-1", "direction": "lower", "date": "2026-03-01", "author": "SW-2", "reason": "r2"})";

  TEST_CASE("judgement moves the level one step, and the latest judgement wins") {
    int level = -1;
    // Severity 3: score 3, level l0. Raised: l1.
    auto d = judge("", "3", kRaise, level, "2026-06-01");
    CHECK(d.outcome == DiscretionaryOutcome::applied);
    CHECK(d.level_before == 0);
    CHECK(level == 1);
    // Both recorded; the lowering of 1 March is the latest: from l0 it is at the limit.
    d = judge("", "3", kRaise + "," + kLower, level, "2026-06-01");
    CHECK(d.outcome == DiscretionaryOutcome::at_limit);
    CHECK(level == 0);
    // As of 15 Feb the lowering has not been made yet: the raise applies.
    d = judge("", "3", kRaise + "," + kLower, level, "2026-02-15");
    CHECK(d.outcome == DiscretionaryOutcome::applied);
    CHECK(level == 1);
    // Before either: nothing.
    d = judge("", "3", kRaise + "," + kLower, level, "2026-01-15");
    CHECK(d.outcome == DiscretionaryOutcome::none);
    CHECK(level == 0);
  }

  TEST_CASE("judgement never lowers below a policy override's minimum") {
    int level = -1;
    // Severity 5: score 5 reaches l1 anyway, and the policy floor is l1: lowering is held.
    auto d = judge("", "5", kLower, level, "2026-06-01");
    CHECK(d.outcome == DiscretionaryOutcome::held_by_policy);
    CHECK(level == 1);
    // Raising from l1 to l2 is allowed.
    d = judge("", "5", kRaise, level, "2026-06-01");
    CHECK(d.outcome == DiscretionaryOutcome::applied);
    CHECK(level == 2);
  }

  TEST_CASE("a raise-only pack (DASH style) ignores a lowering and says so") {
    int level = -1;
    auto d = judge("[discretionary]\nallow = \"raise_only\"\n", "5", kLower, level, "2026-06-01");
    CHECK(d.outcome == DiscretionaryOutcome::not_allowed);
    CHECK(level == 1);
    d = judge("[discretionary]\nallow = \"none\"\n", "3", kRaise, level, "2026-06-01");
    CHECK(d.outcome == DiscretionaryOutcome::not_allowed);
    CHECK(level == 0);
    CHECK_THROWS_AS(
        RuleSet::load_string(std::string(kPack) + "[discretionary]\nallow = \"up\"\n", "bad.toml"),
        Error);
  }

  TEST_CASE("explanations show who judged, when, why and what came of it") {
    CaseGraph graph;
    load_case(graph, case_with("3", kRaise), "inline");
    const auto pack = RuleSet::load_string(kPack, "inline");
    const Results r = assess(pack, take_snapshot(graph), {day("2026-06-01"), 1});
    const std::string text = explain(r, 0, ExplainFormat::text);
    CHECK(text.find("discretionary override J-1 (raise, SW-1, 2026-02-01): raised from L0") !=
          std::string::npos);
    CHECK(text.find("reason: r1") != std::string::npos);
    const std::string json = explain(r, 0, ExplainFormat::json);
    CHECK(json.find("\"outcome\": \"applied\"") != std::string::npos);
    CHECK(json.find("\"author\": \"SW-1\"") != std::string::npos);
  }
}

TEST_SUITE("unit/timeline: case files") {
  Error load_error(const std::string& text) {
    CaseGraph graph;
    try {
      load_case(graph, text, "case.json");
    } catch (const Error& e) {
      CHECK(graph.vertex_count() == 0);
      CHECK(graph.events().empty());
      return e;
    }
    FAIL("loaded: " << text);
    return Error(Status::ok, "");
  }

  TEST_CASE("save and load round-trip events, overrides and the calendar byte for byte") {
    CaseGraph a;
    load_case_file(a, kTimelineCase);
    const std::string saved = save_case(a);
    CaseGraph b;
    load_case(b, saved, "saved.json");
    CHECK(save_case(b) == saved);
    CHECK(b.events().size() == 13);
    CHECK(b.discretionary_overrides().size() == 1);
    CHECK(b.closures().size() == 3);
  }

  TEST_CASE("bad events, overrides and calendars are rejected with their place") {
    const std::string persons =
        R"({"schema_version": 1, "persons": [{"id": "P-1", "kind": "child"}, {"id": "P-2", "kind": "adult"}],)";
    struct Case {
      std::string text;
      Status status;
      const char* fragment;
    };
    const Case cases[] = {
        {persons +
             R"("events": [{"id": "E-1", "kind": "referal", "date": "2026-01-01", "about": ["P-1"]}]})",
         Status::invalid_data, "unknown event kind"},
        {persons +
             R"("events": [{"id": "E-1", "kind": "referral", "date": "2026-02-30", "about": ["P-1"]}]})",
         Status::invalid_data, "case.json:1:"},
        {persons +
             R"("events": [{"id": "E-1", "kind": "referral", "date": "2026-01-01", "about": ["P-9"]}]})",
         Status::not_found, "P-9"},
        {persons +
             R"("events": [{"id": "E-1", "kind": "referral", "date": "2026-01-01", "about": ["P-2"]}]})",
         Status::invalid_data, "not a child"},
        {persons +
             R"("events": [{"id": "P-1", "kind": "referral", "date": "2026-01-01", "about": ["P-1"]}]})",
         Status::duplicate, "duplicate id"},
        {persons +
             R"("events": [{"id": "E-1", "kind": "referral", "date": "2026-01-01", "about": []}]})",
         Status::invalid_data, "at least one child"},
        {persons +
             R"("overrides": [{"id": "J-1", "child": "P-1", "direction": "up", "date": "2026-01-01", "author": "a", "reason": "r"}]})",
         Status::invalid_data, "direction"},
        {persons +
             R"("overrides": [{"id": "J-1", "child": "P-1", "direction": "raise", "date": "2026-01-01", "author": "a", "reason": ""}]})",
         Status::invalid_data, "reason"},
        {persons +
             R"("overrides": [{"id": "J-1", "child": "P-1", "direction": "raise", "date": "2026-01-01", "reason": "r"}]})",
         Status::invalid_data, "author"},
        {persons + R"("calendar": {"nation": "Wales"}})", Status::invalid_data, "nation"},
        {persons + R"("calendar": {"closures": ["2026-13-01"]}})", Status::invalid_data, "closure"},
        {persons + R"("calendar": {"holidays": []}})", Status::invalid_data, "unknown field"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.text);
      const Error e = load_error(c.text);
      CHECK(e.status() == c.status);
      CHECK(std::string(e.what()).find(c.fragment) != std::string::npos);
      CHECK(std::string(e.what()).find("case.json:") != std::string::npos);
    }
  }

  TEST_CASE("erasing a child takes their events and overrides with them") {
    CaseGraph graph;
    load_case_file(graph, kTimelineCase);
    Batch erase;
    erase.add(ErasePerson{"P-ROW-C1"});
    erase.add(ErasePerson{"P-ELM-C2"});
    graph.apply(erase);
    std::size_t live = 0;
    for (const Event& e : graph.events()) live += e.id.empty() ? 0 : 1;
    CHECK(live == 7);  // the Elm events remain for P-ELM-C1; the Rowan ones are gone
    CHECK(!graph.has_record("E-ROW-1"));
    CHECK(graph.has_record("E-ELM-1"));
    CHECK(!graph.has_record("J-ELM-1"));
    const std::string saved = save_case(graph);
    CHECK(saved.find("P-ELM-C2") == std::string::npos);
    CHECK(saved.find("E-ROW") == std::string::npos);
  }
}

TEST_SUITE("unit/timeline: C API") {
  TEST_CASE("events, overrides and closures through batches, steps and judgement out") {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    sg_person child = SG_PERSON_INIT;
    child.id = "P-1";
    child.dob = "2016-02-29";
    REQUIRE(sg_batch_add_person(batch, &child) == SG_OK);
    const char* about[] = {"P-1"};
    sg_event referral = SG_EVENT_INIT;
    referral.id = "E-1";
    referral.kind = "referral";
    referral.date = "2026-11-20";
    referral.about = about;
    referral.about_count = 1;
    REQUIRE(sg_batch_add_event(batch, &referral) == SG_OK);
    sg_event bad = referral;
    bad.kind = "referal";
    CHECK(sg_batch_add_event(batch, &bad) == SG_E_INVALID_ARGUMENT);
    bad = referral;
    bad.date = "2026-02-30";
    CHECK(sg_batch_add_event(batch, &bad) == SG_E_INVALID_DATA);
    CHECK(sg_batch_add_event(batch, nullptr) == SG_E_INVALID_ARGUMENT);
    sg_override judgement = SG_OVERRIDE_INIT;
    judgement.id = "J-1";
    judgement.child = "P-1";
    judgement.direction = "raise";
    judgement.date = "2026-11-20";
    judgement.author = "SW-9";
    judgement.reason = "fictional reason";
    REQUIRE(sg_batch_add_override(batch, &judgement) == SG_OK);
    REQUIRE(sg_batch_add_closure(batch, "2026-11-23") == SG_OK);
    CHECK(sg_batch_set_nation(batch, "Wales") == SG_E_INVALID_ARGUMENT);
    REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
    sg_batch_free(batch);

    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, SAFEGUARD_SOURCE_DIR "/rules/default.toml") == SG_OK);
    sg_timescales timescales = SG_TIMESCALES_INIT;
    REQUIRE(sg_rules_timescales(&timescales, rules) == SG_OK);
    CHECK(timescales.assessment_working_days == 45);
    CHECK(std::string(timescales.discretionary) == "raise_and_lower");

    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-24";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    size_t steps = 0;
    REQUIRE(sg_result_step_count(&steps, result, 0) == SG_OK);
    REQUIRE(steps == 2);
    sg_step s = SG_STEP_INIT;
    REQUIRE(sg_result_step(&s, result, 0, 0) == SG_OK);
    // Fri 20 Nov + 1 working day, Mon 23 Nov being closed: Tue 24 Nov, due today.
    CHECK(std::string(s.step) == "referral_decision");
    CHECK(std::string(s.due) == "2026-11-24");
    CHECK(std::string(s.status) == "due");
    CHECK(s.working_days == 0);
    CHECK(std::string(s.trigger_id) == "E-1");
    CHECK(s.done_id == nullptr);
    CHECK(std::string(s.completed).empty());
    CHECK(sg_result_step(&s, result, 0, 2) == SG_E_RANGE);
    size_t issues = 9;
    REQUIRE(sg_result_timeline_issue_count(&issues, result, 0) == SG_OK);
    CHECK(issues == 0);
    sg_discretionary d = SG_DISCRETIONARY_INIT;
    REQUIRE(sg_result_discretionary(&d, result, 0) == SG_OK);
    CHECK(std::string(d.id) == "J-1");
    CHECK(std::string(d.outcome) == "applied");
    CHECK(std::string(d.author) == "SW-9");
    CHECK(std::string(d.date) == "2026-11-20");
    sg_child_result c = SG_CHILD_RESULT_INIT;
    REQUIRE(sg_result_child(&c, result, 0) == SG_OK);
    CHECK(c.level == 1);
    CHECK(c.score_level == 0);

    sg_calendar* calendar = nullptr;
    REQUIRE(sg_graph_calendar(&calendar, graph) == SG_OK);
    int working = -1;
    REQUIRE(sg_calendar_is_working_day(&working, calendar, "2026-11-23") == SG_OK);
    CHECK(working == 0);
    sg_calendar_free(calendar);

    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("calendar and date functions at the edges") {
    sg_calendar* calendar = nullptr;
    REQUIRE(sg_calendar_new(&calendar, "england-and-wales") == SG_OK);
    char out[SG_DATE_SIZE] = "";
    // Christmas 2027 falls on a Saturday: Mon 27 and Tue 28 Dec are the substitutes.
    REQUIRE(sg_calendar_add_working_days(out, calendar, "2027-12-24", 1) == SG_OK);
    CHECK(std::string(out) == "2027-12-29");
    int between = 0;
    REQUIRE(sg_calendar_working_days_between(&between, calendar, "2027-12-29", "2027-12-24") ==
            SG_OK);
    CHECK(between == -1);
    CHECK(sg_calendar_add_working_days(out, calendar, "2027-12-24", -1) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_calendar_add_working_days(out, calendar, "2027-02-29", 1) == SG_E_INVALID_DATA);
    REQUIRE(sg_calendar_add_closure(calendar, "2027-12-29") == SG_OK);
    REQUIRE(sg_calendar_add_working_days(out, calendar, "2027-12-24", 1) == SG_OK);
    CHECK(std::string(out) == "2027-12-30");
    sg_calendar_free(calendar);
    CHECK(sg_calendar_new(&calendar, "England") == SG_E_INVALID_ARGUMENT);
    CHECK(calendar == nullptr);

    size_t count = 0;
    REQUIRE(sg_bank_holiday_count(&count, "northern-ireland", 2026) == SG_OK);
    CHECK(count == 10);
    REQUIRE(sg_bank_holiday(out, "scotland", 2022, 5) == SG_OK);
    CHECK(std::string(out) == "2022-06-03");  // Platinum Jubilee
    CHECK(sg_bank_holiday(out, "scotland", 2022, 99) == SG_E_RANGE);
    CHECK(sg_bank_holiday_count(&count, "scotland", 10000) == SG_E_RANGE);

    REQUIRE(sg_date_add_months(out, "2026-01-31", 1) == SG_OK);
    CHECK(std::string(out) == "2026-02-28");
    REQUIRE(sg_date_add_months(out, "2028-01-31", 1) == SG_OK);
    CHECK(std::string(out) == "2028-02-29");
    int years = 0, months = 0;
    REQUIRE(sg_age(&years, &months, "2016-02-29", "2026-02-28") == SG_OK);
    CHECK(years == 9);
    CHECK(months == 119);
    REQUIRE(sg_age(&years, nullptr, "2016-02-29", "2026-03-01") == SG_OK);
    CHECK(years == 10);
    CHECK(sg_age(&years, &months, nullptr, "2026-03-01") == SG_E_INVALID_ARGUMENT);
  }
}
