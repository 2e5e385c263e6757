// Children in Need census returns: reading every element, the census rules reported (or refused
// in strict mode), malformed returns refused with their place, the graph built from a return,
// the measures against values worked by hand, and import -> export -> import.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "safeguard.h"
#include "safeguard/assess.hpp"
#include "safeguard/cin.hpp"
#include "safeguard/io.hpp"
#include "safeguard/record.hpp"
#include "safeguard/rules.hpp"

using namespace safeguard;

#ifndef SAFEGUARD_TEST_DATA_DIR
#define SAFEGUARD_TEST_DATA_DIR "tests/data"
#endif

namespace {

const std::string kDir = SAFEGUARD_TEST_DATA_DIR "/cin/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

const cin::Child& child(const cin::Return& r, const std::string& id) {
  for (const cin::Child& c : r.children) {
    if (c.la_child_id == id) return c;
  }
  FAIL("no child " << id);
  throw 0;
}

bool has_finding(const cin::Return& r, const std::string& rule, const std::string& child_id) {
  for (const cin::Finding& f : r.findings) {
    if (f.rule == rule && f.child == child_id) return true;
  }
  return false;
}

Error read_error(const std::string& file, const cin::ReadOptions& options = {}) {
  try {
    cin::read_file(kDir + file, options);
  } catch (const Error& error) {
    return error;
  }
  FAIL("reading " << file << " did not fail");
  throw 0;
}

// The process's resident set now, in KiB (Linux /proc).
std::size_t resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

int count(cin::MeasureId id, const std::array<cin::Count, cin::kMeasureCount>& counts) {
  return static_cast<int>(counts[static_cast<int>(id)].count);
}
int denominator(cin::MeasureId id, const std::array<cin::Count, cin::kMeasureCount>& counts) {
  return static_cast<int>(counts[static_cast<int>(id)].denominator);
}

}  // namespace

TEST_SUITE("unit/cin") {
  TEST_CASE("every element of the full return is read") {
    const cin::Return r = cin::read_file(kDir + "full.xml");
    CHECK(r.findings.empty());
    CHECK(r.header.collection == "CIN");
    CHECK(r.header.year == "2025");
    CHECK(r.header.reference_date == day("2025-03-31"));
    CHECK(r.period_start() == day("2024-04-01"));
    CHECK(r.header.source_level == "L");
    CHECK(r.header.authority == "999");
    CHECK(r.header.software_code == "Fictional Case System");
    CHECK(r.header.release == "ver 1.0 & patch 2");
    CHECK(r.header.serial_no == "001");
    CHECK(r.header.date_time == "2025-05-06T10:15:00");
    REQUIRE(r.children.size() == 6);

    const cin::Child& c1 = child(r, "P-CIN-C1");
    CHECK(c1.upn == "A999000000001");
    CHECK(c1.former_upn == "A999000000000");
    CHECK(c1.birth == day("2015-06-10"));
    CHECK(c1.sex_element == cin::SexElement::sex);
    CHECK(c1.sex == "F");
    CHECK(c1.ethnicity == "WBRI");
    CHECK(c1.disabilities == std::vector<std::string>{"HAND", "HEAR"});
    CHECK(c1.at.line > 0);
    REQUIRE(c1.episodes.size() == 1);
    const cin::Episode& e = c1.episodes[0];
    CHECK(e.referral == day("2024-04-02"));
    CHECK(e.referral_source == "2A");
    CHECK(e.primary_need == "N1");
    CHECK(e.closure == kNoDay);
    CHECK(e.initial_conference == day("2024-05-23"));
    CHECK(e.referral_nfa == std::optional<bool>(false));
    REQUIRE(e.assessments.size() == 1);
    CHECK(e.assessments[0].start == day("2024-04-03"));
    CHECK(e.assessments[0].internal_review == day("2024-05-20"));
    CHECK(e.assessments[0].authorised == day("2024-05-29"));
    CHECK(e.assessments[0].factors == std::vector<std::string>{"3B", "4B", "16A"});
    REQUIRE(e.cin_plans.size() == 1);
    CHECK(e.cin_plans[0].start == day("2024-04-30"));
    CHECK(e.cin_plans[0].end == day("2024-05-23"));
    REQUIRE(e.section47s.size() == 1);
    CHECK(e.section47s[0].start == day("2024-05-01"));
    CHECK(e.section47s[0].conference_target == day("2024-05-23"));
    CHECK(e.section47s[0].conference == day("2024-05-23"));
    CHECK(e.section47s[0].conference_not_required == std::optional<bool>(false));
    REQUIRE(e.protection_plans.size() == 1);
    const cin::ProtectionPlan& plan = e.protection_plans[0];
    CHECK(plan.start == day("2024-05-23"));
    CHECK(plan.end == kNoDay);
    CHECK(plan.initial_category == "NEG");
    CHECK(plan.latest_category == "NEG");
    CHECK(plan.previous_plans == std::optional<int>(0));
    CHECK(plan.reviews == std::vector<Day>{day("2024-08-20"), day("2025-02-18")});

    const cin::Child& c2 = child(r, "P-CIN-C2");
    CHECK(c2.birth == kNoDay);
    CHECK(c2.expected_birth == day("2025-05-01"));
    CHECK(c2.upn_unknown == "UN8");
    CHECK(c2.sex_element == cin::SexElement::gender_current);
    CHECK(c2.episodes[0].referral_nfa == std::optional<bool>(false));  // written 0

    const cin::Child& c3 = child(r, "P-CIN-C3");
    REQUIRE(c3.episodes.size() == 2);
    CHECK(c3.episodes[0].referral_nfa == std::optional<bool>(true));
    CHECK(c3.episodes[0].closure_reason == "RC7");

    const cin::Child& c6 = child(r, "P-CIN-C6");
    CHECK(c6.death == day("2025-02-01"));
    CHECK(c6.ethnicity.empty());
    CHECK(c6.episodes[0].referral_source.empty());
    CHECK_FALSE(c6.episodes[0].referral_nfa.has_value());
  }

  TEST_CASE("the measures equal the values worked by hand") {
    // Census year 2024-04-01..2025-03-31; England's bank holidays in it: 2024-05-06, 2024-05-27,
    // 2024-08-26, 2024-12-25, 2024-12-26, 2025-01-01 (and Easter Monday 2024-04-01).
    //
    // Assessments authorised in the year (working days after the start, up to and including
    // the authorisation):
    //   C1 2024-04-03 -> 2024-05-29: April 4..30 has 19, May 1..29 has 21 weekdays less the
    //      two bank holidays, 19: 38 <= 45, on time.
    //   C2 2025-01-07 -> 2025-03-20: January 8..31 has 18, February 20, March 1..20 has 14:
    //      52 > 45, late.
    //   C3 2024-11-05 -> 2024-12-20: November 6..29 has 18, December 2..20 has 15: 33, on time.
    //   => 2 of 3.
    // Initial conferences in the year (working days after the section 47 start):
    //   C1 2024-05-01 -> 2024-05-23: May 2, 3, 7..10, 13..17, 20..23 = 15 <= 15, on time.
    //   C5 2024-06-04 -> 2024-07-01: June 5..28 has 18, July 1: 19 > 15, late.
    //   C4's conference was in 2022 and C5's second enquiry had none. => 1 of 2.
    // Plans open at 2025-03-31 that had run 3 months (reviews: first within 3 months, then
    // every 6 months, none overdue at the reference date):
    //   C1 started 2024-05-23: first due 2024-08-23, held 2024-08-20; next due 2025-02-20,
    //      held 2025-02-18; next due 2025-08-18, after the reference date: on time.
    //   C5 started 2024-07-01: first due 2024-10-01, held 2024-10-10: late.
    //   C4's plan ended 2025-01-10, so it is not open at the reference date. => 1 of 2.
    // Referrals in the year with an earlier referral of the same child within 12 months:
    //   C1 2024-04-02, C2 2025-01-06, C5 2024-06-03, C6 2024-04-01: none earlier.
    //   C3 2024-05-10: none earlier; C3 2024-11-04: 2024-05-10 is within 12 months.
    //   C4's referral was in 2022. => 1 of 6.
    // Plans starting in the year: C1 (NumberOfPreviousCPP 0, no earlier plan): first;
    //   C5 (NumberOfPreviousCPP 1): second. => 1 of 2.
    // Plans ending in the year: C4 2022-09-26 -> 2025-01-10, two years reached 2024-09-26.
    //   => 1 of 1.
    const cin::Return r = cin::read_file(kDir + "full.xml");
    const cin::Measures m = cin::measures(r);
    CHECK(m.period_start == day("2024-04-01"));
    CHECK(m.period_end == day("2025-03-31"));
    using M = cin::MeasureId;
    CHECK(count(M::assessments_within_45_days, m.authority) == 2);
    CHECK(denominator(M::assessments_within_45_days, m.authority) == 3);
    CHECK(count(M::conferences_within_15_days, m.authority) == 1);
    CHECK(denominator(M::conferences_within_15_days, m.authority) == 2);
    CHECK(count(M::reviews_within_timescale, m.authority) == 1);
    CHECK(denominator(M::reviews_within_timescale, m.authority) == 2);
    CHECK(count(M::rereferrals_within_12_months, m.authority) == 1);
    CHECK(denominator(M::rereferrals_within_12_months, m.authority) == 6);
    CHECK(count(M::second_or_subsequent_plans, m.authority) == 1);
    CHECK(denominator(M::second_or_subsequent_plans, m.authority) == 2);
    CHECK(count(M::plans_two_years_or_more, m.authority) == 1);
    CHECK(denominator(M::plans_two_years_or_more, m.authority) == 1);
    CHECK(m.authority[0].rate() == doctest::Approx(2.0 / 3.0));

    REQUIRE(m.children.size() == 6);
    const auto& c3 = m.children[2].counts;
    CHECK(m.children[2].child == "P-CIN-C3");
    CHECK(count(M::rereferrals_within_12_months, c3) == 1);
    CHECK(denominator(M::rereferrals_within_12_months, c3) == 2);
    const auto& c5 = m.children[4].counts;
    CHECK(count(M::conferences_within_15_days, c5) == 0);
    CHECK(denominator(M::conferences_within_15_days, c5) == 1);
    CHECK(count(M::second_or_subsequent_plans, c5) == 1);
    CHECK_FALSE(m.children[3].counts[0].rate().has_value());  // C4 had no assessment
  }

  TEST_CASE("a review one day late, a conference one working day late") {
    // The boundaries: a first review on the day three months after the start is on time, the
    // day after is late; 15 working days is on time, 16 is late.
    cin::Return r;
    r.header.reference_date = day("2025-03-31");
    cin::Child c;
    c.la_child_id = "P-EDGE-C1";
    cin::Episode e;
    e.referral = day("2024-06-03");
    cin::Section47 on_time;
    on_time.start = day("2024-06-03");       // Monday
    on_time.conference = day("2024-06-24");  // 15 working days later
    cin::Section47 late = on_time;
    late.conference = day("2024-06-25");
    e.section47s = {on_time, late};
    cin::ProtectionPlan due_day;
    due_day.start = day("2024-06-24");
    due_day.reviews = {day("2024-09-24"), day("2025-03-24")};
    cin::ProtectionPlan day_after = due_day;
    day_after.start = day("2024-06-23");
    e.protection_plans = {due_day, day_after};
    c.episodes = {e};
    r.children = {c};
    const cin::Measures m = cin::measures(r);
    using M = cin::MeasureId;
    CHECK(count(M::conferences_within_15_days, m.authority) == 1);
    CHECK(denominator(M::conferences_within_15_days, m.authority) == 2);
    CHECK(count(M::reviews_within_timescale, m.authority) == 1);
    CHECK(denominator(M::reviews_within_timescale, m.authority) == 2);
  }

  TEST_CASE("import, export and import again gives the same return") {
    const std::string text = slurp(kDir + "full.xml");
    const cin::Return first = cin::read(text, "full.xml");
    const std::string written = cin::write(first);
    const cin::Return second = cin::read(written, "written");
    CHECK(second.findings.empty());
    CHECK(second.header == first.header);
    REQUIRE(second.children.size() == first.children.size());
    for (std::size_t i = 0; i < first.children.size(); ++i) {
      INFO("child " << first.children[i].la_child_id);
      CHECK(second.children[i] == first.children[i]);
    }
    CHECK(cin::write(second) == written);
    CHECK(written.find("ver 1.0 &amp; patch 2") != std::string::npos);
  }

  TEST_CASE("text that needs escaping survives the round trip") {
    cin::Return r;
    r.header.reference_date = day("2025-03-31");
    r.header.software_code = "A<B> & \"C\" 'D'";
    cin::Child c;
    c.la_child_id = "P-ESC-<&>-C1";
    c.birth = day("2015-01-01");
    cin::Episode e;
    e.referral = day("2024-05-01");
    c.episodes = {e};
    r.children = {c};
    const std::string written = cin::write(r);
    CHECK(written.find("<B>") == std::string::npos);
    const cin::Return back = cin::read(written, "escaped");
    CHECK(back.header.software_code == r.header.software_code);
    REQUIRE(back.children.size() == 1);
    CHECK(back.children[0].la_child_id == "P-ESC-<&>-C1");
  }

  TEST_CASE("census rule breaches are reported with place, child and meaning") {
    const cin::Return r = cin::read_file(kDir + "findings.xml");
    CHECK(has_finding(r, "unknown_code", "P-BAD-C1"));  // ethnicity XXXX, factor 99Z
    CHECK(has_finding(r, "nfa_with_activity", "P-BAD-C1"));
    CHECK(has_finding(r, "mandatory", "P-BAD-C1"));  // the assessment has no start date
    CHECK(has_finding(r, "unknown_element", "P-BAD-C2"));
    CHECK(has_finding(r, "closure_reason", "P-BAD-C2"));
    CHECK(has_finding(r, "date_order", "P-BAD-C2"));  // plan ends before it starts
    CHECK(has_finding(r, "duplicate_child", "P-BAD-C1"));
    // The duplicate is reported, not merged: two children are kept.
    CHECK(r.children.size() == 2);
    for (const cin::Finding& f : r.findings) {
      INFO(f.rule << ": " << f.message);
      CHECK(f.at.line > 0);
      CHECK(f.at.column > 0);
      CHECK(f.message.find("blue") == std::string::npos);  // never quotes element content
    }
    // The unknown element is named, quoted; the date order names both elements.
    bool named = false;
    for (const cin::Finding& f : r.findings) {
      if (f.rule == "date_order") {
        CHECK(f.message == "CPPendDate is before CPPstartDate");
        named = true;
      }
    }
    CHECK(named);
  }

  TEST_CASE("the header is checked: collection, year and reference date") {
    const cin::Return r = cin::read(
        "<Message><Header><CollectionDetails><Collection>SWF</Collection><Year>2024</Year>"
        "<ReferenceDate>2025-03-31</ReferenceDate></CollectionDetails></Header>"
        "<Children/></Message>",
        "header");
    std::vector<std::string> rules;
    for (const cin::Finding& f : r.findings) rules.push_back(f.rule);
    CHECK(rules == std::vector<std::string>{"unknown_code", "header_year"});
    const cin::Return none = cin::read("<Message><Children/></Message>", "none");
    REQUIRE(none.findings.size() == 1);
    CHECK(none.findings[0].rule == "mandatory");
    CHECK_THROWS_AS(cin::measures(none), Error);
  }

  TEST_CASE("strict mode refuses a return with any breach, naming the first") {
    cin::ReadOptions strict;
    strict.strict = true;
    const Error error = read_error("findings.xml", strict);
    CHECK(error.status() == Status::invalid_data);
    CHECK(error.where().entity == "P-BAD-C1");
    CHECK(error.where().line > 0);
    CHECK(std::string(error.what()).find("unknown_code") != std::string::npos);
    CHECK_NOTHROW(cin::read_file(kDir + "full.xml", strict));
  }

  TEST_CASE("malformed returns are refused with file, line, column and child") {
    const Error bad_date = read_error("bad_date.xml");
    CHECK(bad_date.status() == Status::invalid_data);
    CHECK(bad_date.where().entity == "P-CIN-C3");
    CHECK(bad_date.where().line > 0);
    CHECK(bad_date.reason().find("2026-02-30") != std::string::npos);
    CHECK(bad_date.reason().find("PersonBirthDate") != std::string::npos);

    const Error unclosed = read_error("unclosed.xml");
    CHECK(unclosed.status() == Status::parse);
    // C3's second Assessments is never closed: the parser meets </CINdetails> on line 140.
    CHECK(unclosed.where().line == 140);
    CHECK(unclosed.where().entity == "P-CIN-C3");

    const Error deep = read_error("deep.xml");
    CHECK(deep.status() == Status::limit);
    CHECK(deep.where().entity == "P-CIN-C4");

    const Error utf8 = read_error("bad_utf8.xml");
    CHECK(utf8.status() == Status::encoding);
    CHECK(utf8.where().entity == "P-CIN-C5");

    const Error doctype = read_error("doctype.xml");
    CHECK(doctype.status() == Status::parse);
    CHECK(doctype.reason().find("DOCTYPE") != std::string::npos);

    const Error number = read_error("bad_number.xml");
    CHECK(number.status() == Status::invalid_data);
    CHECK(number.where().entity == "P-CIN-C4");

    CHECK_THROWS_AS(cin::read("", "empty"), Error);
    CHECK_THROWS_AS(cin::read("<Other/>", "other"), Error);
    CHECK_THROWS_AS(cin::read_file(kDir + "no-such-file.xml"), Error);
  }

  TEST_CASE("limits are enforced") {
    const std::string text = slurp(kDir + "full.xml");
    cin::ReadOptions small;
    small.limits.max_bytes = 100;
    CHECK(read_error("full.xml", small).status() == Status::limit);
    cin::ReadOptions few;
    few.limits.max_children = 2;
    CHECK(read_error("full.xml", few).status() == Status::limit);
    cin::ReadOptions short_text;
    short_text.limits.max_text_bytes = 8;
    CHECK(read_error("full.xml", short_text).status() == Status::limit);
    cin::ReadOptions items;
    items.limits.max_items_per_child = 3;
    CHECK(read_error("full.xml", items).status() == Status::limit);
  }

  TEST_CASE("the graph built from a return") {
    const cin::Return r = cin::read_file(kDir + "full.xml");
    const cin::Conversion conversion = cin::to_batch(r);
    // Unmatched factor codes are reported: 16A (neglect) and 24A (other) have no category in
    // the default pack. 21 (no factors identified) makes no concern at all.
    std::vector<std::string> unmatched;
    for (const cin::Finding& f : conversion.findings) {
      CHECK(f.rule == "unmatched_factor");
      unmatched.push_back(f.message.substr(0, f.message.find(' ', 18)));
    }
    CHECK(unmatched == std::vector<std::string>{"assessment factor 16A", "assessment factor 24A"});

    CaseGraph graph;
    cin::load(graph, r, "full.xml");
    CHECK(graph.count(VertexKind::person) == 6);
    CHECK(graph.count(VertexKind::agency) == 1);
    // C1: 3B, 4B, 16A; C3: 1B, 10A, 24A.
    CHECK(graph.count(VertexKind::concern) == 6);
    const auto c1 = graph.find("P-CIN-C1");
    REQUIRE(c1);
    const Person& person = graph.person(*c1);
    CHECK(person.dob == day("2015-06-10"));
    std::vector<std::string> flags;
    for (Symbol s : person.flags) flags.emplace_back(graph.symbol(s));
    CHECK(flags == std::vector<std::string>{"disability", "disability_hand", "disability_hear"});
    const auto concern = graph.find("P-CIN-C1/episode_2024-04-02/assessment_2024-04-03/3B");
    REQUIRE(concern);
    CHECK(graph.symbol(graph.concern(*concern).category) == "domestic_abuse");
    CHECK(graph.concern(*concern).recorded == day("2024-05-29"));
    const auto neglect = graph.find("P-CIN-C1/episode_2024-04-02/assessment_2024-04-03/16A");
    REQUIRE(neglect);
    CHECK(graph.symbol(graph.concern(*neglect).category) == "cin_16a");
    // C3's second episode closed: its factors are closed concerns.
    const auto closed = graph.find("P-CIN-C3/episode_2024-11-04/assessment_2024-11-05/10A");
    REQUIRE(closed);
    CHECK(graph.concern(*closed).status == ConcernStatus::closed);

    const Event* icpc = graph.find_event("P-CIN-C1/episode_2024-04-02/s47_2024-05-01_icpc");
    REQUIRE(icpc);
    CHECK(icpc->kind == EventKind::initial_conference);
    CHECK(icpc->decision == EventDecision::plan);
    const Event* plan = graph.find_event("P-CIN-C1/episode_2024-04-02/cpp_2024-05-23_start");
    REQUIRE(plan);
    CHECK(plan->category == "neglect");
    CHECK(graph.find_event("P-CIN-C1/episode_2024-04-02/cpp_2024-05-23_review_2025-02-18") !=
          nullptr);
    const Event* nfa = graph.find_event("P-CIN-C3/episode_2024-05-10/referral_nfa");
    REQUIRE(nfa);
    CHECK(nfa->decision == EventDecision::nfa);
    const Event* not_required =
        graph.find_event("P-CIN-C5/episode_2024-06-03/s47_2024-09-02_outcome");
    REQUIRE(not_required);
    CHECK(not_required->decision == EventDecision::no_conference);
    const Event* unborn = graph.find_event("P-CIN-C2/expected_birth");
    REQUIRE(unborn);
    CHECK(unborn->expected == day("2025-05-01"));
    CHECK(graph.person(*graph.find("P-CIN-C2")).dob == kNoDay);
    // The episode's DateOfInitialCPC is the enquiry's conference: one event, not two.
    CHECK(graph.find_event("P-CIN-C1/episode_2024-04-02/icpc") == nullptr);
  }

  TEST_CASE("sex and ethnicity never reach the graph, so no rule can read them") {
    const cin::Return r = cin::read_file(kDir + "full.xml");
    CaseGraph graph;
    cin::load(graph, r, "full.xml");
    const std::string saved = save_case(graph);
    for (const char* code : {"WBRI", "MWBC", "BAFR", "APKN", "NOBT", "\"F\"", "\"M\""}) {
      INFO(code);
      CHECK(saved.find(code) == std::string::npos);
    }
    // The default pack scores the imported record.
    Assessor assessor(graph);
    const Results results =
        assessor.assess(load_bundled_pack("default"), AssessOptions(day("2025-03-31")));
    CHECK(results.child_count() == 6);
  }

  TEST_CASE("a second import of the same return is refused, naming the child and place") {
    const cin::Return r = cin::read_file(kDir + "full.xml");
    CaseGraph graph;
    cin::load(graph, r, "full.xml");
    const std::size_t before = graph.count();
    try {
      cin::load(graph, r, "full.xml");
      FAIL("the second import was accepted");
    } catch (const Error& error) {
      CHECK(error.status() == Status::duplicate);
      CHECK(error.where().file == "full.xml");
      CHECK(error.where().entity == "P-CIN-C1");
      CHECK(error.where().line > 0);
    }
    CHECK(graph.count() == before);
  }

  TEST_CASE("a later year's return restates the same children in a record, by the same ids") {
    // Year 2 (2025-26): P-CIN-C1's plan has a third review; P-CIN-C6 (closed) has left the
    // return; everything else is restated as it was.
    const std::string first = slurp(kDir + "full.xml");
    std::string second = first;
    auto edit = [&](const std::string& from, const std::string& to) {
      const std::size_t at = second.find(from);
      REQUIRE(at != std::string::npos);
      second.replace(at, from.size(), to);
    };
    edit("<Year>2025</Year>", "<Year>2026</Year>");
    edit("<ReferenceDate>2025-03-31</ReferenceDate>", "<ReferenceDate>2026-03-31</ReferenceDate>");
    edit("<CPPreviewDate>2025-02-18</CPPreviewDate>",
         "<CPPreviewDate>2025-02-18</CPPreviewDate>\n<CPPreviewDate>2025-08-12</CPPreviewDate>");
    const std::size_t c6 =
        second.find("<Child>\n      <ChildIdentifiers>\n        <LAchildID>P-CIN-C6");
    REQUIRE(c6 != std::string::npos);
    second.erase(c6, second.find("</Child>", c6) + 8 - c6);

    const Provenance who{"census-loader", "annual return", "", ""};
    Record record;
    record.apply(to_upsert_batch(cin::to_batch(cin::read(first, "2025.xml")).batch, 1000, who));
    const std::size_t events = record.graph(day("2026-03-31"))->events().size();
    // Applied as plain adds, the second year is refused: every child is already there.
    CHECK_THROWS_AS(record.apply(to_record_batch(cin::to_batch(cin::read(second, "2026.xml")).batch,
                                                 2000, who)),
                    BatchError);
    record.apply(to_upsert_batch(cin::to_batch(cin::read(second, "2026.xml")).batch, 2000, who));
    CHECK(record.revision() == 2);
    const auto graph = record.graph(day("2026-03-31"));
    // The same referral, assessment, enquiry, plan and reviews are the same events: one more
    // event (the new review), none doubled.
    CHECK(graph->events().size() == events + 1);
    CHECK(graph->find_event("P-CIN-C1/episode_2024-04-02/cpp_2024-05-23_review_2025-08-12"));
    // A child who left the return stays in the record.
    CHECK(graph->find("P-CIN-C6"));
    // The same return again changes nothing but the revision.
    record.apply(to_upsert_batch(cin::to_batch(cin::read(second, "2026.xml")).batch, 3000, who));
    CHECK(record.graph(day("2026-03-31"))->events().size() == events + 1);
    // Two reviews recorded on one day are two events, told apart in the order given.
    std::string twice = first;
    const std::string review = "<CPPreviewDate>2024-08-20</CPPreviewDate>";
    twice.insert(twice.find(review), review + "\n");
    CaseGraph repeated;
    cin::load(repeated, cin::read(twice, "twice.xml"), "twice.xml");
    CHECK(repeated.find_event("P-CIN-C1/episode_2024-04-02/cpp_2024-05-23_review_2024-08-20"));
    CHECK(repeated.find_event("P-CIN-C1/episode_2024-04-02/cpp_2024-05-23_review_2024-08-20#2"));
  }

  TEST_CASE("the C API reads, loads and measures a return") {
    const std::string full = kDir + "full.xml";
    const std::string findings = kDir + "findings.xml";
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    CHECK(sg_cin_load_file(graph, full.c_str(), 0) == SG_OK);
    size_t persons = 0;
    CHECK(sg_graph_count(&persons, graph, "person") == SG_OK);
    CHECK(persons == 6);

    // Strict: the findings return is refused, naming the first child; the graph is unchanged.
    size_t before = 0;
    CHECK(sg_graph_count(&before, graph, nullptr) == SG_OK);
    CHECK(sg_cin_load_file(graph, findings.c_str(), 1) == SG_E_INVALID_DATA);
    const sg_error_detail* detail = sg_error_last_detail();
    REQUIRE(detail->entity != nullptr);
    CHECK(std::string(detail->entity) == "P-BAD-C1");
    CHECK(detail->line > 0);
    size_t after = 0;
    CHECK(sg_graph_count(&after, graph, nullptr) == SG_OK);
    CHECK(after == before);
    CHECK(sg_cin_load_file(graph, full.c_str(), 2) == SG_E_INVALID_ARGUMENT);
    sg_graph_free(graph);

    char* json = nullptr;
    size_t size = 0;
    REQUIRE(sg_cin_read_file(&json, &size, findings.c_str(), 0) == SG_OK);
    const std::string read_json(json, size);
    sg_buffer_free(json);
    CHECK(read_json.find("\"rule\": \"duplicate_child\"") != std::string::npos);
    CHECK(read_json.find("\"rule\": \"nfa_with_activity\"") != std::string::npos);

    REQUIRE(sg_cin_measures_file(&json, nullptr, full.c_str()) == SG_OK);
    const std::string measures_json = json;
    sg_buffer_free(json);
    CHECK(measures_json.find("\"measure\": \"rereferrals_within_12_months\",") !=
          std::string::npos);
    // The same numbers as the C++ API gives.
    const cin::Measures m = cin::measures(cin::read_file(full));
    CHECK(measures_json == cin::to_json(m));
    CHECK(cin::to_csv(m, false).find("rereferrals_within_12_months,1,6,0.1667\n") !=
          std::string::npos);
  }

  // A return is streamed: 100 MB of unknown elements inside one child is read (each reported,
  // up to ReadLimits::max_findings, then counted) in memory that does not grow with the file.
  TEST_CASE("a return of 100 MB of unknown elements is read in bounded memory") {
    const std::string path = "cin_unknown_elements.xml";
    {
      std::ofstream out(path, std::ios::binary);
      out << "<Message><Header><CollectionDetails><ReferenceDate>2025-03-31</ReferenceDate>"
             "</CollectionDetails></Header><Children><Child><ChildIdentifiers>"
             "<LAchildID>P-BIG-C1</LAchildID><PersonBirthDate>2015-01-01</PersonBirthDate>"
             "</ChildIdentifiers><CINdetails><CINreferralDate>2024-05-01</CINreferralDate>";
      std::string chunk;
      for (int i = 0; i < 65536; ++i) chunk += "<Junk>x</Junk>";
      for (std::size_t written = 0; written < 100u * 1000 * 1000; written += chunk.size()) {
        out << chunk;
      }
      out << "</CINdetails></Child></Children></Message>\n";
    }
    const std::size_t before = resident_kib();
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      int code = 0;
      try {
        const cin::Return r = cin::read_file(path);
        const bool capped = r.findings.size() == cin::ReadLimits{}.max_findings + 1 &&
                            r.findings.back().rule == "too_many_findings";
        code = r.children.size() == 1 && capped ? 0 : 1;
      } catch (...) {
        code = 2;
      }
      ::_exit(code);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    std::remove(path.c_str());
    struct rusage usage {};
    REQUIRE(::getrusage(RUSAGE_CHILDREN, &usage) == 0);
    const auto peak = static_cast<std::size_t>(usage.ru_maxrss);  // KiB on Linux
    CAPTURE(before);
    CAPTURE(peak);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // 100,000 findings of about 150 bytes each, and the 1 MiB read buffer: well under 64 MiB.
    // Not under AddressSanitizer, whose allocator keeps freed blocks in a quarantine (256 MiB by
    // default), so the child's peak is the sanitizer's, not the reader's; the plain build
    // checks the bound.
#if defined(__SANITIZE_ADDRESS__)
    const bool under_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    const bool under_asan = true;
#else
    const bool under_asan = false;
#endif
#else
    const bool under_asan = false;
#endif
    if (!under_asan) CHECK(peak < before + 64 * 1024);
  }
}
