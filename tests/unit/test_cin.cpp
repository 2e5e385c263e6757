// Children in Need census returns: reading every element, the census rules reported (or refused
// in strict mode), malformed returns refused with their place, the graph built from a return,
// the measures against values worked by hand, and import -> export -> import.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "memory_support.hpp"
#include "safeguard.h"
#include "safeguard/assess.hpp"
#include "safeguard/cin.hpp"
#include "safeguard/explain.hpp"
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

using test::resident_kib;

int count(cin::MeasureId id, const std::array<cin::Count, cin::kMeasureCount>& counts) {
  return static_cast<int>(counts[static_cast<int>(id)].count);
}
int denominator(cin::MeasureId id, const std::array<cin::Count, cin::kMeasureCount>& counts) {
  return static_cast<int>(counts[static_cast<int>(id)].denominator);
}

// The graph a return imports as (the record the import makes), as a case file, to compare.
std::string imported(const cin::Return& r) {
  CaseGraph graph;
  cin::load(graph, r, "return");
  return save_case(graph);
}

// The children of a return by id, the first of each id (as the import keeps).
std::map<std::string, cin::Child> children_by_id(const cin::Return& r) {
  std::map<std::string, cin::Child> out;
  for (const cin::Child& c : r.children) out.emplace(c.la_child_id, c);
  return out;
}

// A fictional return made up from a seed: children with one to three episodes, each with any
// of the items, codes from the code sets, reviews and assessments sometimes on one day, unborn
// children, closures, NFA referrals. Deterministic (its own generator, not <random>'s
// distributions, which differ between standard libraries).
class ReturnMaker {
 public:
  explicit ReturnMaker(std::uint64_t seed) : state_(seed) {}

  cin::Return make(int children) {
    cin::Return r;
    r.header.collection = "CIN";
    r.header.year = "2025";
    r.header.reference_date = base_ + 364;
    r.header.source_level = "L";
    r.header.authority = "998";
    r.header.software_code = "made & <escaped> \"here\"";
    for (int i = 0; i < children; ++i) r.children.push_back(child(i));
    return r;
  }

 private:
  std::uint64_t next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return state_ >> 33;
  }
  int pick(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }
  template <typename T, std::size_t N>
  const T& one_of(const T (&items)[N]) {
    return items[pick(static_cast<int>(N))];
  }

  cin::Child child(int i) {
    static const char* kSex[] = {"M", "F", "U"};
    static const char* kGender[] = {"0", "1", "2", "9"};
    static const char* kEthnicity[] = {"WBRI", "MWBC", "BAFR", "APKN", "NOBT"};
    static const char* kDisability[] = {"MOB", "HAND", "HEAR", "VIS", "NONE"};
    cin::Child c;
    c.la_child_id = "P-GEN-C" + std::to_string(i) + (chance(10) ? "-\xc3\xa9&<>" : "");
    if (chance(50)) c.upn = "A99800000" + std::to_string(1000 + i);
    if (chance(10)) c.upn_unknown = "UN1";
    if (chance(8)) {
      c.expected_birth = base_ + 200 + pick(100);
    } else {
      c.birth = base_ - 365 * (1 + pick(15));
    }
    if (chance(50)) {
      c.sex_element = cin::SexElement::sex;
      c.sex = one_of(kSex);
    } else if (chance(50)) {
      c.sex_element = cin::SexElement::gender_current;
      c.sex = one_of(kGender);
    }
    if (chance(70)) c.ethnicity = one_of(kEthnicity);
    if (chance(30)) {
      c.disabilities.push_back(one_of(kDisability));
      if (c.disabilities[0] != "NONE" && chance(50)) c.disabilities.push_back("LD");
    }
    const int episodes = 1 + pick(3);
    Day referral = base_ - pick(200);
    for (int n = 0; n < episodes; ++n) {
      c.episodes.push_back(episode(referral, n + 1 == episodes));
      referral = c.episodes.back().closure != kNoDay ? c.episodes.back().closure + 1 + pick(60)
                                                     : referral + pick(3);
    }
    return c;
  }

  cin::Episode episode(Day referral, bool last) {
    static const char* kFactors[] = {"1B",  "2A",  "3B",  "4B",  "5B", "6A", "7A",  "10A", "11A",
                                     "16A", "17A", "18B", "19B", "20", "21", "22A", "23A", "24A"};
    static const char* kCategories[] = {"NEG", "PHY", "SAB", "EMO", "MUL"};
    cin::Episode e;
    e.referral = referral;
    e.referral_source = chance(90) ? "1B" : "";
    e.primary_need = chance(90) ? "N" + std::to_string(pick(10)) : "";
    if (chance(20)) {
      e.referral_nfa = true;
    } else if (chance(50)) {
      e.referral_nfa = false;
    }
    if (!last || chance(30)) {
      e.closure = referral + 30 + pick(200);
      e.closure_reason = "RC" + std::to_string(1 + pick(8));
    }
    if (e.referral_nfa.value_or(false)) return e;
    const int assessments = pick(3);
    Day start = referral + pick(5);
    for (int k = 0; k < assessments; ++k) {
      cin::Assessment a;
      a.start = start;
      if (chance(30)) a.internal_review = start + 10;
      if (chance(80)) {
        a.authorised = start + 5 + pick(60);
        for (int j = pick(4); j > 0; --j) a.factors.push_back(one_of(kFactors));
      }
      e.assessments.push_back(a);
      if (chance(60)) start += pick(40);  // else the next starts the same day
    }
    if (chance(30)) {
      cin::CinPlan plan;
      plan.start = referral + 20;
      if (chance(50)) plan.end = plan.start + 60;
      e.cin_plans.push_back(plan);
    }
    if (chance(40)) {
      cin::Section47 s;
      s.start = referral + 3 + pick(20);
      s.conference_target = s.start + 21;
      if (chance(20)) {
        s.conference_not_required = true;
      } else if (chance(80)) {
        s.conference = s.start + 10 + pick(15);
        if (chance(30)) s.conference_not_required = false;
        if (chance(70)) {
          cin::ProtectionPlan p;
          p.start = s.conference;
          p.initial_category = one_of(kCategories);
          if (chance(50)) p.latest_category = one_of(kCategories);
          if (chance(40)) p.previous_plans = pick(3);
          Day review = p.start + 90;
          for (int j = pick(4); j > 0; --j) {
            p.reviews.push_back(review);
            if (chance(80)) review += 150;  // else two reviews on one day
          }
          if (chance(40)) p.end = review + 10;
          e.protection_plans.push_back(p);
        }
        if (chance(20)) e.initial_conference = s.conference;
      }
      e.section47s.push_back(s);
    }
    return e;
  }

  std::uint64_t state_;
  Day base_ = to_day(boost::gregorian::date(2024, 4, 1));
};

// `text` with the first `from` replaced by `to` (which must be there).
void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
}

// full.xml as the next year's return: the census year 2025-26, everything else as it was.
std::string next_year(std::string text) {
  replace_once(text, "<Year>2025</Year>", "<Year>2026</Year>");
  replace_once(text, "<ReferenceDate>2025-03-31</ReferenceDate>",
               "<ReferenceDate>2026-03-31</ReferenceDate>");
  return text;
}

// A census import's batch without what it keeps of the return (the persons' attributes, the
// record_source events' items): a graph as a host would build it from its own system.
Batch without_kept_items(Batch batch) {
  for (auto& item : batch.items) {
    if (auto* person = std::get_if<PersonSpec>(&item)) person->attributes.clear();
    if (auto* event = std::get_if<EventSpec>(&item)) event->items.clear();
  }
  return batch;
}

// Import -> export (from the graph, with the return as details) -> import: the same graph, and
// the same children as far as the import kept them (the first of a repeated LAchildID).
void check_round_trip(const cin::Return& first, const std::string& label) {
  INFO(label);
  CaseGraph graph;
  cin::load(graph, first, label);
  cin::ExportOptions options;
  options.details = &first;
  const std::string written = cin::write_return(graph, options);
  const cin::Return second = cin::read(written, label + " exported");
  CHECK(imported(second) == save_case(graph));
  // The record keeps the return's own items: the graph alone gives back the same bytes, and so
  // does the graph saved as a case file and read back.
  CHECK(cin::write_return(graph) == written);
  CaseGraph from_file;
  load_case(from_file, save_case(graph), label + " case file");
  CHECK(cin::write_return(from_file) == written);
  CHECK(second.header == first.header);
  const auto before = children_by_id(first);
  const auto after = children_by_id(second);
  REQUIRE(after.size() == before.size());
  for (const auto& entry : before) {
    // Not a structured binding: clang 14 cannot capture one in INFO's lambda.
    const auto& id = entry.first;
    INFO("child " << id);
    REQUIRE(after.count(id) == 1);
    CHECK(after.at(id) == entry.second);
  }
  // Writing the second import's graph again gives the same bytes.
  CaseGraph again;
  cin::load(again, second, label);
  options.details = &second;
  CHECK(cin::write_return(again, options) == written);
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
    CHECK(c1.sex_element == cin::SexElement::gender_current);
    CHECK(c1.sex == "2");
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
    CHECK(c2.upn_unknown == "UN6");
    CHECK(c2.sex_element == cin::SexElement::gender_current);
    CHECK(c2.episodes[0].referral_nfa == std::optional<bool>(false));  // written 0

    const cin::Child& c3 = child(r, "P-CIN-C3");
    REQUIRE(c3.episodes.size() == 2);
    CHECK(c3.episodes[0].referral_nfa == std::optional<bool>(true));
    CHECK(c3.episodes[0].closure_reason == "RC7");

    const cin::Child& c6 = child(r, "P-CIN-C6");
    CHECK(c6.death == day("2025-02-01"));
    // Only the schema's mandatory items: its "not obtained" and "unknown" codes.
    CHECK(c6.ethnicity == "NOBT");
    CHECK(c6.episodes[0].referral_source == "10");
    CHECK(c6.episodes[0].referral_nfa == std::optional<bool>(false));
    CHECK(c6.episodes[0].assessments.empty());
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

  TEST_CASE("a graph exported as a return imports as the same graph, for every bundled return") {
    for (const std::string path :
         {kDir + "full.xml", kDir + "findings.xml",
          std::string(SAFEGUARD_SOURCE_DIR) + "/examples/data/cin-return.xml"}) {
      check_round_trip(cin::read_file(path), path);
    }
  }

  TEST_CASE("a generated return survives import, export from the graph and import") {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      const cin::Return made = ReturnMaker(seed).make(300);
      // Through XML first, so the return is what a reader gives (positions, findings).
      check_round_trip(cin::read(cin::write(made), "generated"),
                       "generated, seed " + std::to_string(seed));
    }
  }

  TEST_CASE("an export of a clean return passes the census rules in strict mode") {
    const cin::Return first = cin::read_file(kDir + "full.xml");
    CaseGraph graph;
    cin::load(graph, first, "full.xml");
    cin::ExportOptions options;
    options.details = &first;
    cin::ReadOptions strict;
    strict.strict = true;
    CHECK_NOTHROW(cin::read(cin::write_return(graph, options), "exported", strict));
    // The graph alone keeps the return's own items: the same export, no findings.
    CHECK_NOTHROW(cin::read(cin::write_return(graph), "kept", strict));
    // A graph without them (built by a host from its own system): the same events and
    // concerns come back (the codes only the return held do not), with no structural breach.
    CaseGraph events_only;
    events_only.apply(without_kept_items(cin::to_batch(first).batch));
    const cin::Return bare = cin::read(cin::write_return(events_only), "bare");
    CaseGraph again;
    cin::load(again, bare, "bare");
    // (The declaration that the record comes from the census is dated by the return's header,
    // which the graph alone does not hold: compared apart.)
    std::vector<std::string> before, after;
    for (const Event& e : graph.events())
      if (e.kind != EventKind::record_source)
        before.push_back(e.id + " " + format_iso_date(e.date));
    for (const Event& e : again.events())
      if (e.kind != EventKind::record_source) after.push_back(e.id + " " + format_iso_date(e.date));
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    CHECK(after == before);
    CHECK(std::count_if(again.events().begin(), again.events().end(),
                        [](const Event& e) { return e.kind == EventKind::record_source; }) == 6);
    CHECK(again.count(VertexKind::concern) == graph.count(VertexKind::concern));
    for (const cin::Finding& f : bare.findings) {
      INFO(f.rule << " " << f.child << " " << f.message);
      CHECK((f.rule == "mandatory" || f.rule == "header_year"));
    }
  }

  TEST_CASE("what was added to the graph after the import is exported, placed by date") {
    const cin::Return first = cin::read_file(kDir + "full.xml");
    CaseGraph graph;
    cin::load(graph, first, "full.xml");
    Batch batch;
    EventSpec review;
    review.id = "EV-REVIEW-9";
    review.kind = EventKind::review_conference;
    review.date = day("2025-03-20");
    review.about = {"P-CIN-C1"};
    batch.add(review);
    EventSpec strategy;  // a step the census does not record: not written
    strategy.id = "EV-STRAT-9";
    strategy.kind = EventKind::strategy_discussion;
    strategy.date = day("2024-04-30");
    strategy.about = {"P-CIN-C1"};
    batch.add(strategy);
    batch.add(Remove{"P-CIN-C1/episode_2024-04-02/assessment_2024-04-03/4B"});
    graph.apply(batch);
    cin::ExportOptions options;
    options.details = &first;
    const cin::Return back = cin::read(cin::write_return(graph, options), "edited");
    const cin::Child& c1 = child(back, "P-CIN-C1");
    const cin::Child& was = child(first, "P-CIN-C1");
    REQUIRE(c1.episodes.size() == was.episodes.size());
    const cin::ProtectionPlan& plan = c1.episodes[0].protection_plans.at(0);
    CHECK(plan.reviews.size() == was.episodes[0].protection_plans.at(0).reviews.size() + 1);
    CHECK(plan.reviews.back() == day("2025-03-20"));
    CHECK(c1.episodes[0].assessments.at(0).factors == std::vector<std::string>{"3B", "16A"});
    // The codes only the return held are still there.
    CHECK(c1.upn == was.upn);
    CHECK(c1.episodes[0].referral_source == was.episodes[0].referral_source);
    CHECK(c1.episodes[0].cin_plans == was.episodes[0].cin_plans);
    CHECK(c1.ethnicity == was.ethnicity);
  }

  TEST_CASE("restricted factors leave only for a reader cleared for their source") {
    const cin::Return first = cin::read_file(kDir + "full.xml");
    CaseGraph graph;
    cin::load(graph, first, "full.xml");
    const std::string id = "P-CIN-C1/episode_2024-04-02/assessment_2024-04-03/3B";
    ConcernSpec restricted;
    const Concern& c = graph.concern(*graph.find(id));
    restricted.id = id;
    restricted.category = std::string(graph.symbol(c.category));
    restricted.severity = c.severity;
    restricted.recorded = c.recorded;
    restricted.source = "LA-999";
    restricted.restricted = true;
    restricted.about = {"P-CIN-C1"};
    restricted.summary = c.summary;
    graph.apply(Batch{}.add(AmendConcern{restricted}));
    cin::ExportOptions options;
    options.details = &first;
    auto factors = [&](const cin::ExportOptions& o) {
      const cin::Return back = cin::read(cin::write_return(graph, o), "restricted");
      return child(back, "P-CIN-C1").episodes[0].assessments.at(0).factors;
    };
    const std::string uncleared = cin::write_return(graph, options);
    CHECK(uncleared.find("<AssessmentFactors>3B<") == std::string::npos);
    CHECK(factors(options) == std::vector<std::string>{"4B", "16A"});
    Viewer police{{"police"}, false};
    options.viewer = &police;
    CHECK(factors(options) == std::vector<std::string>{"4B", "16A"});
    Viewer social_care{{"social_care"}, false};
    options.viewer = &social_care;
    CHECK(factors(options) == std::vector<std::string>{"3B", "4B", "16A"});
    const Viewer everyone = Viewer::everyone();
    options.viewer = &everyone;
    CHECK(factors(options) == std::vector<std::string>{"3B", "4B", "16A"});
  }

  TEST_CASE("a period exports the episodes open in it, as known at its last day") {
    const cin::Return first = cin::read_file(kDir + "full.xml");
    CaseGraph graph;
    cin::load(graph, first, "full.xml");
    cin::ExportOptions options;
    options.details = &first;
    options.from = day("2024-10-01");
    options.to = day("2024-12-31");
    const cin::Return back = cin::read(cin::write_return(graph, options), "period");
    CHECK(back.header.reference_date == day("2024-12-31"));
    CHECK(back.header.year == "2024");
    for (const cin::Child& c : back.children) {
      INFO(c.la_child_id);
      CHECK(!c.episodes.empty());
      for (const cin::Episode& e : c.episodes) {
        CHECK(e.referral <= options.to);
        CHECK((e.closure == kNoDay || e.closure >= options.from));
        for (const cin::ProtectionPlan& p : e.protection_plans) {
          for (Day review : p.reviews) CHECK(review <= options.to);
          CHECK((p.end == kNoDay || p.end <= options.to));
        }
        for (const cin::Assessment& a : e.assessments) {
          CHECK((a.authorised == kNoDay || a.authorised <= options.to));
        }
      }
    }
    // C1's plan had a review on 2025-02-18, after the period: left out.
    const cin::Child& c1 = child(back, "P-CIN-C1");
    for (Day review : c1.episodes[0].protection_plans.at(0).reviews) {
      CHECK(review != day("2025-02-18"));
    }
    // Nothing of the period is lost: every episode of the full return open in it is there.
    std::size_t open = 0;
    for (const cin::Child& c : first.children) {
      for (const cin::Episode& e : c.episodes) {
        if (e.referral <= options.to && (e.closure == kNoDay || e.closure >= options.from)) ++open;
      }
    }
    std::size_t written = 0;
    for (const cin::Child& c : back.children) written += c.episodes.size();
    CHECK(written == open);
  }

  TEST_CASE("a period that ends before it starts is refused, naming both days") {
    const cin::Return first = cin::read_file(kDir + "full.xml");
    CaseGraph graph;
    cin::load(graph, first, "full.xml");
    cin::ExportOptions options;
    options.from = day("2025-01-01");
    options.to = day("2024-12-31");
    try {
      (void)cin::to_return(graph, options);
      FAIL("a backwards period was exported");
    } catch (const Error& e) {
      CHECK(e.status() == Status::invalid_argument);
      CHECK(std::string(e.what()).find("2024-12-31") != std::string::npos);
      CHECK(std::string(e.what()).find("2025-01-01") != std::string::npos);
    }
    options.to = options.from;  // one day is a period
    CHECK_NOTHROW((void)cin::to_return(graph, options));
  }

  TEST_CASE("a record's graph as of a date exports, and an erased child is not written") {
    const cin::Return first = cin::read_file(kDir + "full.xml");
    const Provenance who{"census-loader", "annual return", "", ""};
    Record record;
    record.apply(to_upsert_batch(cin::to_batch(first).batch, 1000, who));
    record.apply(RecordBatch{2000, who, {Erase{"P-CIN-C3", "dpo"}}});
    cin::ExportOptions options;
    options.details = &first;
    const cin::Return back =
        cin::read(cin::write_return(*record.graph(day("2025-03-31")), options), "record");
    CHECK(back.children.size() == first.children.size() - 1);
    for (const cin::Child& c : back.children) CHECK(c.la_child_id != "P-CIN-C3");
    CHECK(child(back, "P-CIN-C1") == child(first, "P-CIN-C1"));
  }

  TEST_CASE("text a return cannot carry is refused when writing, naming the child") {
    cin::Return r;
    r.header.reference_date = day("2025-03-31");
    cin::Child c;
    c.la_child_id = "P-UTF-C1";
    c.upn = std::string("A99\xff");
    c.episodes.resize(1);
    r.children = {c};
    try {
      cin::write(r);
      FAIL("invalid UTF-8 was written");
    } catch (const Error& error) {
      CHECK(error.status() == Status::encoding);
      CHECK(error.where().entity == "P-UTF-C1");
    }
    r.children[0].upn = std::string("A99\x01");
    CHECK_THROWS_AS(cin::write(r), Error);
    // What a graph holds is printable UTF-8, escaped where XML asks.
    CaseGraph graph;
    PersonSpec p;
    p.id = "P-\xc3\x89&<>\"'-C1";
    EventSpec referral;
    referral.id = "EV-1";
    referral.kind = EventKind::referral;
    referral.date = day("2024-05-01");
    referral.about = {p.id};
    graph.apply(Batch{}.add(p).add(referral));
    cin::ExportOptions options;
    options.to = day("2025-03-31");
    const std::string written = cin::write_return(graph, options);
    CHECK(written.find("&amp;&lt;&gt;&quot;&apos;") != std::string::npos);
    const cin::Return back = cin::read(written, "escaped");
    REQUIRE(back.children.size() == 1);
    CHECK(back.children[0].la_child_id == p.id);
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
    CHECK(has_finding(r, "mandatory", "P-BAD-C1"));      // the assessment has no start date
    CHECK(has_finding(r, "later_element", "P-BAD-C2"));  // FavouriteColour: kept, not imported
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
      // A child's characteristic is a personal detail: its finding names the element and the
      // child's id, never the value written (Ethnicity XXXX here).
      CHECK(f.message.find("XXXX") == std::string::npos);
    }
    CHECK(std::any_of(r.findings.begin(), r.findings.end(), [](const cin::Finding& f) {
      return f.rule == "unknown_code" &&
             f.message == "Ethnicity is not in the census code set for ethnicity";
    }));
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

  TEST_CASE("an empty code element is an unknown code, reported and refused when strict") {
    std::string text = slurp(kDir + "full.xml");
    const std::string factor = "<AssessmentFactors>";
    const std::size_t at = text.find(factor);
    REQUIRE(at != std::string::npos);
    const std::size_t end = text.find("</AssessmentFactors>", at);
    text.erase(at + factor.size(), end - at - factor.size());  // <AssessmentFactors></...>
    const cin::Return r = cin::read(text, "empty-code.xml");
    bool found = false;
    for (const cin::Finding& f : r.findings) {
      if (f.rule == "unknown_code" && f.message.rfind("AssessmentFactors is empty", 0) == 0) {
        found = true;
        CHECK(f.at.line > 0);
        CHECK_FALSE(f.child.empty());
      }
    }
    CHECK(found);
    cin::ReadOptions strict;
    strict.strict = true;
    CHECK_THROWS_AS(cin::read(text, "empty-code.xml", strict), Error);
    CHECK_NOTHROW(cin::read(slurp(kDir + "full.xml"), "full.xml", strict));
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
    // Each is placed at the element it is about, not at the start of the return.
    REQUIRE(r.findings.size() == 2);
    CHECK(r.findings[0].at.line == 1);
    CHECK(r.findings[0].at.column > 1);                        // Collection
    CHECK(r.findings[1].at.column > r.findings[0].at.column);  // Year, after it on the line
    const cin::Return lined = cin::read(
        "<Message>\n<Header>\n<CollectionDetails>\n<Collection>CIN</Collection>\n"
        "<Year>abc</Year>\n<ReferenceDate>2025-03-31</ReferenceDate>\n</CollectionDetails>\n"
        "<Source><SourceLevel>X</SourceLevel></Source>\n</Header>\n<Children/></Message>",
        "lined");
    bool year = false, level = false;
    for (const cin::Finding& f : lined.findings) {
      if (f.rule == "schema_pattern" && f.message.rfind("Year", 0) == 0) {
        CHECK(f.at.line == 5);
        year = true;
      }
      if (f.rule == "unknown_code" && f.message.rfind("SourceLevel", 0) == 0) {
        CHECK(f.at.line == 8);
        level = true;
      }
    }
    CHECK(year);
    CHECK(level);
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
    // Unmatched factor codes are reported: 16A (neglect) and 20 (other) have no category in
    // the default pack. 21 (no factors identified) makes no concern at all.
    std::vector<std::string> unmatched;
    for (const cin::Finding& f : conversion.findings) {
      CHECK(f.rule == "unmatched_factor");
      unmatched.push_back(f.message.substr(0, f.message.find(' ', 18)));
    }
    CHECK(unmatched == std::vector<std::string>{"assessment factor 16A", "assessment factor 20"});

    CaseGraph graph;
    cin::load(graph, r, "full.xml");
    CHECK(graph.count(VertexKind::person) == 6);
    CHECK(graph.count(VertexKind::agency) == 1);
    // C1: 3B, 4B, 16A; C3: 1B, 10A, 20.
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

  TEST_CASE("the timeline of an imported return: steps the census never holds are not recorded") {
    const cin::Return r = cin::read_file(kDir + "full.xml");
    CaseGraph graph;
    cin::load(graph, r, "full.xml");
    // Each child's record says it comes from the census, from the start of the census year.
    const Event* source = graph.find_event("P-CIN-C1/source_cin_census_2024-04-01");
    REQUIRE(source);
    CHECK(source->kind == EventKind::record_source);
    CHECK(source->category == "cin_census");
    CHECK(source->date == day("2024-04-01"));

    // The same children by hand: every imported event but the source declaration.
    CaseGraph by_hand;
    {
      Batch batch;
      for (const char* id : {"P-CIN-C1", "P-CIN-C4", "P-CIN-C6"}) {
        PersonSpec person;
        person.id = id;
        batch.add(person);
      }
      for (const Event& e : graph.events()) {
        const std::string child(graph.id(e.about[0]));
        if (e.kind == EventKind::record_source ||
            (child != "P-CIN-C1" && child != "P-CIN-C4" && child != "P-CIN-C6"))
          continue;
        EventSpec spec;
        spec.id = e.id;
        spec.kind = e.kind;
        spec.date = e.date;
        spec.about = {child};
        spec.decision = e.decision;
        spec.category = e.category;
        spec.expected = e.expected;
        batch.add(spec);
      }
      by_hand.apply(batch);
    }
    const auto pack = load_bundled_pack("default");
    const Results imported = Assessor(graph).assess(pack, AssessOptions(day("2025-03-31")));
    const Results hand = Assessor(by_hand).assess(pack, AssessOptions(day("2025-03-31")));
    // The n-th step with the process's id `kind` of a child.
    auto step = [](const Results& res, const char* child, const char* kind,
                   std::size_t n = 0) -> const Step& {
      const long row = res.find_child(child);
      REQUIRE(row >= 0);
      for (const Step* s = res.steps_begin(static_cast<std::size_t>(row));
           s != res.steps_end(static_cast<std::size_t>(row)); ++s) {
        if (res.process().steps()[s->kind].id == kind && n-- == 0) return *s;
      }
      FAIL("no step " << kind << " of " << child);
      throw 0;
    };
    const std::string census = "not recorded in the source (Children in Need census)";
    // C1, referred Tue 2 Apr 2024: the referral decision (due Wed 3 Apr) and the first core
    // group (due 10 working days after the conference of Thu 23 May, Fri 7 Jun) were OVERDUE by
    // 252 and 207 working days by hand; the census holds neither.
    CHECK(step(hand, "P-CIN-C1", "referral_decision").status == StepStatus::overdue);
    CHECK(step(hand, "P-CIN-C1", "referral_decision").working_days == 252);
    CHECK(step(hand, "P-CIN-C1", "core_group").status == StepStatus::overdue);
    CHECK(step(hand, "P-CIN-C1", "core_group").working_days == 207);
    for (const char* kind : {"referral_decision", "core_group"}) {
      CAPTURE(kind);
      const Step& s = step(imported, "P-CIN-C1", kind);
      CHECK(s.status == StepStatus::not_recorded);
      CHECK(s.reason == census);
      CHECK(s.working_days == 0);
    }
    CHECK(step(imported, "P-CIN-C1", "referral_decision").due == day("2024-04-03"));
    // The conference clock runs from the section 47 start the census records (1 May 2024):
    // due and held on 23 May.
    const Step& conference = step(imported, "P-CIN-C1", "initial_conference");
    CHECK(conference.status == StepStatus::on_time);
    CHECK(conference.start == day("2024-05-01"));
    CHECK(conference.due == day("2024-05-23"));
    // C4, referred in 2022: its assessment was in an earlier year's return, so not recorded
    // here (by hand: OVERDUE by 606 working days); its core group, missed by hand when the plan
    // ended, is not recorded either.
    CHECK(step(hand, "P-CIN-C4", "assessment").status == StepStatus::overdue);
    CHECK(step(imported, "P-CIN-C4", "assessment").status == StepStatus::not_recorded);
    CHECK(step(imported, "P-CIN-C4", "assessment").reason ==
          census + ": started before the period it covers");
    CHECK(step(hand, "P-CIN-C4", "core_group").missed);
    CHECK(step(imported, "P-CIN-C4", "core_group").status == StepStatus::not_recorded);
    CHECK_FALSE(step(imported, "P-CIN-C4", "core_group").missed);
    // C6, referred on 1 Apr 2024 in the year: the census records assessments and holds none,
    // so its assessment is OVERDUE either way (45 working days: due Wed 5 Jun 2024).
    for (const Results* res : {&imported, &hand}) {
      const Step& assessment = step(*res, "P-CIN-C6", "assessment");
      CHECK(assessment.status == StepStatus::overdue);
      CHECK(assessment.due == day("2024-06-05"));
      CHECK(assessment.working_days == 209);
    }
    // Nothing the census holds is OVERDUE for C1.
    const long c1 = imported.find_child("P-CIN-C1");
    for (const Step* s = imported.steps_begin(static_cast<std::size_t>(c1));
         s != imported.steps_end(static_cast<std::size_t>(c1)); ++s)
      CHECK(s->status != StepStatus::overdue);
    // The export writes the declaration back as nothing.
    cin::ExportOptions options;
    options.details = &r;
    const std::string written = cin::write_return(graph, options);
    CHECK(written.find("cin_census") == std::string::npos);
    CHECK(written.find("source_") == std::string::npos);
  }

  TEST_CASE("sex and ethnicity are group attributes in the record, and no rule can read them") {
    const cin::Return r = cin::read_file(kDir + "full.xml");
    CaseGraph graph;
    cin::load(graph, r, "full.xml");
    // Kept as the person's group attributes (for the disparity audit and the export), and in
    // the case file with them.
    const auto c1 = graph.find("P-CIN-C1");
    REQUIRE(c1);
    const std::vector<SourceItem> expected{{"GenderCurrent", "2"}, {"Ethnicity", "WBRI"}};
    CHECK(graph.person(*c1).attributes == expected);
    CaseGraph reloaded;
    load_case(reloaded, save_case(graph), "case.json");
    CHECK(reloaded.person(*reloaded.find("P-CIN-C1")).attributes == expected);
    // No rule can name them: a pack that tries is refused when it loads.
    for (const char* attribute :
         {"child.sex", "child.ethnicity", "child.attributes", "child.Ethnicity", "child.Sex"}) {
      INFO(attribute);
      const std::string pack = std::string(R"([pack]
id = "reads-group-attributes"
version = "1"
[[level]]
id = "low"
min = 0
[[index]]
id = "harm"
[[rule]]
id = "by-group"
index = "harm"
heading = "harm"
for = "child"
when = ')") + attribute + R"( == "F"'
points = 1
)";
      try {
        RuleSet::load_string(pack, "group.toml");
        FAIL("a rule read a group attribute");
      } catch (const Error& e) {
        CHECK(e.status() == Status::type);
        CHECK(std::string(e.what()).find("unknown attribute") != std::string::npos);
      }
    }
    // And they change no score: the same results with and without them.
    CaseGraph without;
    without.apply(without_kept_items(cin::to_batch(r).batch));
    const auto pack = load_bundled_pack("default");
    const Results with_results = Assessor(graph).assess(pack, AssessOptions(day("2025-03-31")));
    const Results without_results =
        Assessor(without).assess(pack, AssessOptions(day("2025-03-31")));
    REQUIRE(with_results.child_count() == 6);
    REQUIRE(without_results.child_count() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
      CHECK(with_results.total(i) == without_results.total(i));
      CHECK(with_results.level(i) == without_results.level(i));
    }
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
    std::string second = next_year(first);
    auto edit = [&](const std::string& from, const std::string& to) {
      replace_once(second, from, to);
    };
    edit("<CPPreviewDate>2025-02-18</CPPreviewDate>",
         "<CPPreviewDate>2025-02-18</CPPreviewDate>\n<CPPreviewDate>2025-08-12</CPPreviewDate>");
    const std::size_t c6 =
        second.find("<Child>\n      <ChildIdentifiers>\n        <LAchildID>P-CIN-C6");
    REQUIRE(c6 != std::string::npos);
    second.erase(c6, second.find("</Child>", c6) + 8 - c6);

    const Provenance who{"census-loader", "annual return", "", ""};
    Record record;
    record.apply(to_upsert_batch(cin::to_batch(cin::read(first, "2025.xml")).batch, 1000, who));
    // Process events, and the declarations that each child's record comes from the census.
    auto count_events = [](const CaseGraph& g, bool sources) {
      return static_cast<std::size_t>(std::count_if(
          g.events().begin(), g.events().end(),
          [sources](const Event& e) { return (e.kind == EventKind::record_source) == sources; }));
    };
    const std::size_t events = count_events(*record.graph(day("2026-03-31")), false);
    CHECK(count_events(*record.graph(day("2026-03-31")), true) == 6);
    // Applied as plain adds, the second year is refused: every child is already there.
    CHECK_THROWS_AS(record.apply(to_record_batch(cin::to_batch(cin::read(second, "2026.xml")).batch,
                                                 2000, who)),
                    BatchError);
    record.apply(to_upsert_batch(cin::to_batch(cin::read(second, "2026.xml")).batch, 2000, who));
    CHECK(record.revision() == 2);
    const auto graph = record.graph(day("2026-03-31"));
    // The same referral, assessment, enquiry, plan and reviews are the same events: one more
    // event (the new review), none doubled. Each child of the new return says its record comes
    // from the census from the new year too (so the record covers both years).
    CHECK(count_events(*graph, false) == events + 1);
    CHECK(count_events(*graph, true) == 6 + 5);
    CHECK(graph->find_event("P-CIN-C1/source_cin_census_2024-04-01"));
    CHECK(graph->find_event("P-CIN-C1/source_cin_census_2025-04-01"));
    CHECK(graph->find_event("P-CIN-C1/episode_2024-04-02/cpp_2024-05-23_review_2025-08-12"));
    // A child who left the return stays in the record.
    CHECK(graph->find("P-CIN-C6"));
    // The same return again changes nothing but the revision.
    record.apply(to_upsert_batch(cin::to_batch(cin::read(second, "2026.xml")).batch, 3000, who));
    CHECK(count_events(*record.graph(day("2026-03-31")), false) == events + 1);
    CHECK(count_events(*record.graph(day("2026-03-31")), true) == 6 + 5);
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

  TEST_CASE("the C API writes a graph as a return, for a reader, over a period") {
    const std::string full = kDir + "full.xml";
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_cin_load_file(graph, full.c_str(), 0) == SG_OK);
    sg_cin_write_options options = SG_CIN_WRITE_OPTIONS_INIT;
    options.details_path = full.c_str();
    char* xml = nullptr;
    size_t size = 0;
    REQUIRE(sg_cin_write(&xml, &size, graph, &options) == SG_OK);
    const std::string written(xml, size);
    sg_buffer_free(xml);
    // The same as the C++ API gives, and the return's data back.
    const cin::Return first = cin::read_file(full);
    CaseGraph same;
    cin::load(same, first, "full.xml");
    cin::ExportOptions exporting;
    exporting.details = &first;
    CHECK(written == cin::write_return(same, exporting));
    CHECK(cin::read(written, "written").children == first.children);

    options.from = "2024-10-01";
    options.to = "2024-12-31";
    REQUIRE(sg_cin_write(&xml, nullptr, graph, &options) == SG_OK);
    CHECK(std::string(xml).find("<ReferenceDate>2024-12-31</ReferenceDate>") != std::string::npos);
    sg_buffer_free(xml);
    // Bad arguments fail, leaving *out NULL.
    options.to = "2024-02-30";
    xml = reinterpret_cast<char*>(1);
    CHECK(sg_cin_write(&xml, nullptr, graph, &options) == SG_E_INVALID_DATA);
    CHECK(xml == nullptr);
    options.from = "2025-01-01";
    options.to = "2024-12-31";
    CHECK(sg_cin_write(&xml, nullptr, graph, &options) == SG_E_INVALID_ARGUMENT);
    options.to = nullptr;
    const std::string bad_details = kDir + "bad_date.xml";
    options.details_path = bad_details.c_str();
    CHECK(sg_cin_write(&xml, nullptr, graph, &options) != SG_OK);
    CHECK(sg_error_last_detail()->line > 0);
    sg_graph_free(graph);
  }

  // A return is streamed: 100 MB of unknown elements between the children is read (each
  // reported, up to ReadLimits::max_findings, then counted) in memory that does not grow with
  // the file. (Inside a child they would be a later layout's elements, kept: bounded by
  // ReadLimits::max_items_per_child, as the next test shows.)
  TEST_CASE("a return of 100 MB of unknown elements is read in bounded memory") {
    const std::string path = "cin_unknown_elements.xml";
    {
      std::ofstream out(path, std::ios::binary);
      out << "<Message><Header><CollectionDetails><ReferenceDate>2025-03-31</ReferenceDate>"
             "</CollectionDetails></Header><Children><Child><ChildIdentifiers>"
             "<LAchildID>P-BIG-C1</LAchildID><PersonBirthDate>2015-01-01</PersonBirthDate>"
             "</ChildIdentifiers><CINdetails><CINreferralDate>2024-05-01</CINreferralDate>"
             "</CINdetails></Child>";
      std::string chunk;
      for (int i = 0; i < 65536; ++i) chunk += "<Junk>x</Junk>";
      for (std::size_t written = 0; written < 100u * 1000 * 1000; written += chunk.size()) {
        out << chunk;
      }
      out << "</Children></Message>\n";
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
    if (!test::kUnderAsan) CHECK(peak < before + 64 * 1024);
  }

  TEST_CASE("a later layout's elements in a child are bounded by the child's item limit") {
    std::string text =
        "<Message><Children><Child><ChildIdentifiers><LAchildID>P-LATER-C9</LAchildID>"
        "</ChildIdentifiers><CINdetails><CINreferralDate>2024-05-01</CINreferralDate>";
    for (int i = 0; i < 20; ++i) text += "<Later>x</Later>";
    text += "</CINdetails></Child></Children></Message>";
    cin::ReadOptions options;
    options.limits.max_items_per_child = 10;
    try {
      cin::read(text, "later.xml", options);
      FAIL("more later elements than the limit were kept");
    } catch (const Error& e) {
      CHECK(e.status() == Status::limit);
      CHECK(e.where().entity == "P-LATER-C9");
      CHECK(e.where().line == 1);
    }
    options.limits.max_items_per_child = 100;
    const cin::Return r = cin::read(text, "later.xml", options);
    REQUIRE(r.children.size() == 1);
    CHECK(r.children[0].episodes.at(0).later.size() == 20);
  }

  // The record keeps a return's own items (issue 22): a graph, a case file or a store's record
  // exports the return it was imported from without the return beside it.
  TEST_CASE("a record alone exports the return it was imported from, byte for byte") {
    for (const std::string path :
         {kDir + "full.xml", std::string(SAFEGUARD_SOURCE_DIR) + "/examples/data/cin-return.xml"}) {
      INFO(path);
      const cin::Return first = cin::read_file(path);
      REQUIRE(first.findings.empty());
      const std::string normalised = cin::write(first);
      CaseGraph graph;
      cin::load(graph, first, path);
      const std::string alone = cin::write_return(graph);
      CHECK(alone == normalised);
      // import -> export -> import: the same return and the same graph.
      const cin::Return second = cin::read(alone, "exported");
      CHECK(second.findings.empty());
      CHECK(second.header == first.header);
      REQUIRE(second.children.size() == first.children.size());
      for (std::size_t i = 0; i < first.children.size(); ++i) {
        CHECK(second.children[i] == first.children[i]);
      }
      CaseGraph again;
      cin::load(again, second, "exported");
      CHECK(save_case(again) == save_case(graph));
      // A durable store, closed and reopened: the record's graph as of the census's last day.
      const std::string store = "cin_kept_items.store";
      std::remove(store.c_str());
      const Provenance who{"census-loader", "annual return", "", ""};
      {
        Record record = Record::open(store);
        record.apply(to_upsert_batch(cin::to_batch(first).batch, 1000, who));
      }
      {
        Record record = Record::open(store);
        const Day to = first.header.reference_date;
        CHECK(cin::write_return(*record.graph(to)) == normalised);
        cin::ExportOptions period;
        period.to = to;
        CHECK(cin::write_return(*record.graph(to), period) == normalised);
      }
      std::remove(store.c_str());
      std::remove((store + "-wal").c_str());
      std::remove((store + "-shm").c_str());
    }
  }

  TEST_CASE("a record keeps each census year's items: an export ending on a year gives its own") {
    const std::string first = slurp(kDir + "full.xml");
    std::string second = next_year(first);
    auto edit = [&](const std::string& from, const std::string& to) {
      replace_once(second, from, to);
    };
    edit("<SerialNo>001</SerialNo>", "<SerialNo>002</SerialNo>");
    edit("<UPN>A999000000001</UPN>", "<UPN>A999000000011</UPN>");
    const cin::Return year1 = cin::read(first, "2025.xml");
    const cin::Return year2 = cin::read(second, "2026.xml");
    const Provenance who{"census-loader", "annual return", "", ""};
    Record record;
    record.apply(to_upsert_batch(cin::to_batch(year1).batch, 1000, who));
    record.apply(to_upsert_batch(cin::to_batch(year2).batch, 2000, who));
    const auto graph = record.graph(day("2026-03-31"));
    cin::ExportOptions options;
    options.to = day("2025-03-31");
    const cin::Return back1 = cin::read(cin::write_return(*graph, options), "back 2025");
    CHECK(back1.header.serial_no == "001");
    CHECK(child(back1, "P-CIN-C1").upn == "A999000000001");
    options.to = day("2026-03-31");
    const cin::Return back2 = cin::read(cin::write_return(*graph, options), "back 2026");
    CHECK(back2.header.serial_no == "002");
    CHECK(child(back2, "P-CIN-C1").upn == "A999000000011");
    CHECK(cin::write_return(*graph) == cin::write(year2));
  }

  TEST_CASE("a store written before the record kept census items opens as before") {
    // Made by safeguard 21ab783 (before this change): `safeguard store import STORE
    // tests/data/cin/full.xml --recorded-at 2025-05-06T10:00:00Z --author census-loader`.
    const std::string store = "cin_old_store_copy.store";
    {
      std::ifstream in(kDir + "full-2025-before-kept-items.store", std::ios::binary);
      REQUIRE(in);
      std::ofstream out(store, std::ios::binary | std::ios::trunc);
      out << in.rdbuf();
    }
    const cin::Return first = cin::read_file(kDir + "full.xml");
    CaseGraph fresh;
    cin::load(fresh, first, "full.xml");
    {
      Record record = Record::open(store, {}, StoreOpen::must_exist);
      CHECK(record.revision() == 1);
      const auto graph = record.graph(day("2025-03-31"));
      // The same children and events as an import today, without the kept items.
      CHECK(graph->count(VertexKind::person) == fresh.count(VertexKind::person));
      CHECK(graph->events().size() == fresh.events().size());
      for (const Event& e : graph->events()) {
        INFO(e.id);
        const Event* now = fresh.find_event(e.id);
        REQUIRE(now != nullptr);
        CHECK(now->date == e.date);
        CHECK(e.items.empty());
      }
      CHECK(graph->person(*graph->find("P-CIN-C1")).attributes.empty());
      // It exports from its events alone, as before (the codes only the return held are gone)...
      const cin::Return bare = cin::read(cin::write_return(*graph), "old store");
      CHECK(child(bare, "P-CIN-C1").upn.empty());
      // ...and the same return applied again fills in what the record now keeps.
      const Provenance who{"census-loader", "annual return again", "", ""};
      record.apply(to_upsert_batch(cin::to_batch(first).batch, 1746525600 + 86400, who));
    }
    {
      Record record = Record::open(store, {}, StoreOpen::must_exist);
      CHECK(record.revision() == 2);
      CHECK(cin::write_return(*record.graph(day("2025-03-31"))) == cin::write(first));
    }
    std::remove(store.c_str());
    std::remove((store + "-wal").c_str());
    std::remove((store + "-shm").c_str());
  }

  TEST_CASE("a later layout's elements are kept, stay where they were, and export back") {
    std::string text = slurp(kDir + "full.xml");
    auto insert_after = [&](const std::string& anchor, const std::string& what) {
      const std::size_t at = text.find(anchor);
      REQUIRE(at != std::string::npos);
      text.insert(at + anchor.size(), what);
    };
    // Elements this reader's layout does not name (a later year's): in the header's Source, a
    // child's identifiers, an episode (with nested items) and a section 47 enquiry.
    insert_after("<SerialNo>001</SerialNo>", "\n<LaterSourceItem>7</LaterSourceItem>");
    insert_after("<LAchildID>P-CIN-C1</LAchildID>", "\n<LaterIdentifier>X&amp;1</LaterIdentifier>");
    insert_after("<CINreferralDate>2024-04-02</CINreferralDate>",
                 "\n<PreProceedingsLater>\n  <LaterStartDate>2024-11-04</LaterStartDate>\n"
                 "  <LaterOutcome>B</LaterOutcome>\n</PreProceedingsLater>");
    insert_after("<S47ActualStartDate>2024-05-01</S47ActualStartDate>",
                 "\n<LaterS47Item>yes</LaterS47Item>");
    // A known element in the wrong place is still skipped (it breaks the layout).
    insert_after("<LAchildID>P-CIN-C2</LAchildID>", "\n<CPPstartDate>2024-06-01</CPPstartDate>");
    const cin::Return r = cin::read(text, "later.xml");
    std::vector<std::string> later;
    for (const cin::Finding& f : r.findings) {
      if (f.rule == "later_element") later.push_back(f.child + " " + std::to_string(f.at.line));
      if (f.rule == "unknown_element") CHECK(f.child == "P-CIN-C2");
    }
    CHECK(later.size() == 4);
    CHECK(has_finding(r, "unknown_element", "P-CIN-C2"));
    CHECK(r.header.later ==
          std::vector<cin::LaterElement>{{"Source", "<LaterSourceItem>7</LaterSourceItem>"}});
    const cin::Child& c1 = child(r, "P-CIN-C1");
    CHECK(c1.later == std::vector<cin::LaterElement>{
                          {"ChildIdentifiers", "<LaterIdentifier>X&amp;1</LaterIdentifier>"}});
    CHECK(c1.episodes.at(0).later ==
          std::vector<cin::LaterElement>{
              {"CINdetails",
               "<PreProceedingsLater><LaterStartDate>2024-11-04</LaterStartDate>"
               "<LaterOutcome>B</LaterOutcome></PreProceedingsLater>"}});
    CHECK(c1.episodes.at(0).section47s.at(0).later ==
          std::vector<cin::LaterElement>{{"Section47", "<LaterS47Item>yes</LaterS47Item>"}});
    // Written back in their containers, and read back the same.
    const std::string written = cin::write(r);
    const cin::Return again = cin::read(written, "written");
    CHECK(again.header == r.header);
    CHECK(child(again, "P-CIN-C1") == c1);
    CHECK(written.find("<Source>") < written.find("<LaterSourceItem>"));
    CHECK(written.find("<LaterSourceItem>") < written.find("</Source>"));
    // Kept in the record: a graph alone exports them back.
    CaseGraph graph;
    cin::load(graph, r, "later.xml");
    CHECK(cin::write_return(graph) == written);
    CaseGraph from_file;
    load_case(from_file, save_case(graph), "case.json");
    CHECK(cin::write_return(from_file) == written);
    // Strict mode refuses them: the reader cannot tell a later layout's element from a
    // misspelt one.
    cin::ReadOptions strict;
    strict.strict = true;
    CHECK_THROWS_AS(cin::read(text, "later.xml", strict), Error);
  }

  // The factor codes' meanings, checked against the published code set (docs/cin-census.md,
  // "Assessment factors"): each code this change corrected, by name.
  TEST_CASE("assessment factor codes carry the published meanings") {
    CHECK(cin::factor_meaning("18B").find("by another child") != std::string_view::npos);
    CHECK(cin::factor_meaning("18C").find("by an adult") != std::string_view::npos);
    CHECK(cin::factor_meaning("19B").find("by another child") != std::string_view::npos);
    CHECK(cin::factor_meaning("19C").find("by an adult") != std::string_view::npos);
    CHECK(cin::factor_meaning("20") == "other");
    CHECK(cin::factor_meaning("22A") == "female genital mutilation");
    CHECK(cin::factor_meaning("23A") == "abuse linked to faith or belief");
    CHECK(cin::factor_meaning("24A") == "child criminal exploitation");
    CHECK(cin::factor_meaning("8E").find("alternative family arrangements") !=
          std::string_view::npos);
    CHECK(cin::factor_meaning("21") == "no factors identified");
    CHECK(cin::factor_meaning("99Z").empty());
    // Their categories in the default pack follow the meanings.
    CHECK(cin::factor_category("22A").category == "female_genital_mutilation");
    CHECK(cin::factor_category("22A").matched);
    CHECK(cin::factor_category("24A").category == "cce_indicator");
    CHECK(cin::factor_category("24A").matched);
    CHECK(cin::factor_category("20").category == "cin_20");
    CHECK_FALSE(cin::factor_category("20").matched);
    CHECK(cin::factor_category("23A").category == "cin_23a");
    CHECK_FALSE(cin::factor_category("23A").matched);
    CHECK(cin::factor_category("18B").category == "physical_injury");
    CHECK(cin::factor_category("19C").category == "sexual_abuse");
  }

  // What an import makes, pinned: the graph each bundled return and a generated one import as
  // (its case file) and the return the graph alone exports, byte for byte against files written
  // by the import before it was made faster (tests/data/cin/expected), so a change to the reader
  // or the conversion that changes a result by a byte fails here.
  TEST_CASE("a return imports as the pinned case file and exports as the pinned return") {
    // generated-60.xml is safeguard_cin_bench's return of 60 children (seed 22): its export from
    // the graph alone is the return itself.
    for (const char* stem : {"full", "findings", "generated-60"}) {
      CAPTURE(stem);
      const std::string path = kDir + stem + ".xml";
      const cin::Return r = cin::read_file(path);
      CaseGraph graph;
      cin::load(graph, r, std::string(stem) + ".xml");
      CHECK(save_case(graph) == slurp(kDir + "expected/" + stem + ".case.json"));
      const std::string exported = std::string(stem) == "generated-60"
                                       ? slurp(path)
                                       : slurp(kDir + "expected/" + stem + ".export.xml");
      CHECK(cin::write_return(graph) == exported);
      // The same bytes read from a buffer, in one piece.
      CaseGraph from_buffer;
      cin::load(from_buffer, cin::read(slurp(path), path), std::string(stem) + ".xml");
      CHECK(save_case(from_buffer) == save_case(graph));
    }
  }
}

namespace {

// The error cin::load gives for `text`, and whether `graph` is as it was (its count, its case
// file and its revision).
Error load_error_keeping(CaseGraph& graph, const std::string& text) {
  const std::string before = save_case(graph);
  const std::uint64_t revision = graph.revision();
  const std::size_t count = graph.count();
  try {
    cin::load(graph, cin::read(text, "review.xml"), "review.xml");
  } catch (const Error& error) {
    CHECK(graph.count() == count);
    CHECK(graph.revision() == revision);
    CHECK(save_case(graph) == before);
    return error;
  }
  FAIL("the return was loaded");
  throw 0;
}

}  // namespace

TEST_SUITE("unit/cin") {
  // An empty graph takes the streamed build; a failure after earlier children streamed in
  // leaves the graph empty and gives the batch path's error, word for word and place for place,
  // as a graph holding something else (which takes the batch path only) gives.
  TEST_CASE("a streamed import failing at a later child leaves the graph as it was") {
    std::string text = slurp(kDir + "full.xml");
    // The last child's id is the authority's agency id (the reader does not know it; the graph
    // refuses the clash once five children have streamed in).
    replace_once(text, "<LAchildID>P-CIN-C6</LAchildID>", "<LAchildID>LA-999</LAchildID>");
    Batch other;
    other.add(PersonSpec{"P-REVIEW-OTHER", PersonKind::child, kNoDay, {}, ""});
    CaseGraph empty;
    const Error streamed = load_error_keeping(empty, text);
    CHECK(empty.count() == 0);
    CaseGraph holding;
    holding.apply(other);
    const Error batched = load_error_keeping(holding, text);
    CHECK(streamed.status() == Status::duplicate);
    CHECK(std::string(streamed.what()) == batched.what());
    CHECK(streamed.where().file == "review.xml");
    CHECK(streamed.where().line >= 228);
    CHECK(streamed.where().line == batched.where().line);
    CHECK(streamed.where().column == batched.where().column);
    CHECK(streamed.where().entity == "LA-999");
    // An id the graph already has: refused naming the child, the graph untouched.
    Batch clash;
    clash.add(PersonSpec{"P-CIN-C4", PersonKind::child, kNoDay, {}, ""});
    CaseGraph has_c4;
    has_c4.apply(clash);
    const Error clashed = load_error_keeping(has_c4, slurp(kDir + "full.xml"));
    CHECK(clashed.status() == Status::duplicate);
    CHECK(clashed.where().entity == "P-CIN-C4");
    CHECK(clashed.where().line > 0);
    // The graph's vertex limit reached part way: the same error as the batch path's.
    const cin::Return full = cin::read_file(kDir + "full.xml");
    CaseGraph whole;
    cin::load(whole, full, "full.xml");
    GraphLimits limits;
    limits.max_vertices = whole.vertex_count() / 2;
    CaseGraph small(limits);
    const Error limited = load_error_keeping(small, slurp(kDir + "full.xml"));
    limits.max_vertices += 1;
    CaseGraph small_holding(limits);
    small_holding.apply(other);
    const Error limited_batch = load_error_keeping(small_holding, slurp(kDir + "full.xml"));
    CHECK(limited.status() == Status::limit);
    CHECK(limited_batch.status() == Status::limit);
    CHECK(limited.where().entity == limited_batch.where().entity);
    CHECK(limited.where().line == limited_batch.where().line);
    CHECK(limited.where().column == limited_batch.where().column);
    CHECK(!limited.where().entity.empty());
  }
}
