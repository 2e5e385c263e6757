// Assessment of the bundled example with the default pack, against numbers worked out by hand,
// plus the contracts: contributions sum exactly, results do not depend on the thread count,
// evidence after the as-of date does not exist yet.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

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

struct Fixture {
  CaseGraph graph;
  std::shared_ptr<const RuleSet> rules =
      RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  Fixture() { load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json"); }
  Results run(const char* as_of, unsigned threads = 1) {
    return assess(rules, take_snapshot(graph), {day(as_of), threads});
  }
};

std::size_t index_of(const RuleSet& rules, const std::string& id) {
  for (std::size_t i = 0; i < rules.indices().size(); ++i) {
    if (rules.indices()[i].id == id) return i;
  }
  FAIL("no index " << id);
  return 0;
}

const Contribution* find(const Results& r, std::size_t row, const std::string& rule) {
  for (const Contribution* c = r.contributions_begin(row); c != r.contributions_end(row); ++c) {
    if (!c->propagated() && r.rules().rules()[c->rule].id == rule) return c;
  }
  return nullptr;
}

// The error loading `text` as a pack gives; checks it names `fragment` and a line at or past
// `line` (by default past the pack's head: 15 lines in the packs written here).
Error refused(const std::string& text, const char* name, const char* fragment, int line = 15) {
  CAPTURE(text);
  try {
    RuleSet::load_string(text, name);
  } catch (const Error& e) {
    CHECK(e.reason().find(fragment) != std::string::npos);
    CHECK(e.where().line >= line);
    return e;
  }
  FAIL("loaded");
  return Error(Status::internal, "loaded");
}

}  // namespace

// A pack of two levels and one index, for the tests that add their own rules.
const std::string kTwoLevelPack = R"([pack]
id = "two-levels"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 5
[[index]]
id = "risk"
)";

TEST_SUITE("unit/assess") {
  TEST_CASE("four agencies' low-level worries add up only when joined (worked by hand)") {
    Fixture f;
    const Results r = f.run("2026-11-01");
    const long row = r.find_child("P-ASH-C1");
    REQUIRE(row >= 0);
    // school-attendance: incident 2026-10-02 is 30 days old; 2 points, half-life 180 days.
    const double attendance = 2 * std::exp2(-30.0 / 180);  // 1.7818
    // housing-instability about the mother (a carer, reach 1.0): recorded 2026-08-15, 78 days.
    const double housing = 2 * std::exp2(-78.0 / 180);  // 1.4822
    // multi-agency-corroboration: school, GP (sibling's concern), police, housing within 180
    // days, all open: 4 distinct agencies >= 3, so 5 points.
    const double corroboration = 5;
    // domestic-abuse-incident: severity 2 x 2, about the mother (carer, reach 1.0), 3 days old.
    const double domestic = 4 * std::exp2(-3.0 / 365);  // 3.9773
    const std::size_t neglect = index_of(r.rules(), "neglect");
    const std::size_t da = index_of(r.rules(), "domestic_abuse");
    CHECK(r.score(row, neglect) ==
          doctest::Approx(attendance + housing + corroboration).epsilon(1e-12));
    CHECK(r.score(row, da) == doctest::Approx(domestic).epsilon(1e-12));
    CHECK(r.rules().levels()[r.index_level(row, neglect)].id == "child_in_need");  // 8.26 >= 8
    CHECK(r.rules().levels()[r.index_level(row, da)].id == "universal");           // 3.98 < 4
    CHECK(r.rules().levels()[r.level(row)].id == "child_in_need");
    // The sibling's missed appointments do not reach this child (that rule reaches self only).
    CHECK(find(r, row, "missed-health") == nullptr);
    const Contribution* d = find(r, row, "domestic-abuse-incident");
    REQUIRE(d);
    CHECK(d->path == Role::carer);
    CHECK(r.vertex_id(d->via) == "P-ASH-M");
    CHECK(d->reach == 1.0);
    CHECK(d->decay == doctest::Approx(std::exp2(-3.0 / 365)).epsilon(1e-15));
  }

  TEST_CASE("no single agency's worry reaches early help on its own") {
    Fixture f;
    const Results r = f.run("2026-11-01");
    const long row = r.find_child("P-ASH-C1");
    for (const Contribution* c = r.contributions_begin(row); c != r.contributions_end(row); ++c) {
      if (c->evidence != kNoVertex) CHECK(c->value < r.rules().levels()[1].min);
    }
  }

  TEST_CASE("a protective adult's strengths lower the level") {
    Fixture f;
    const Results r = f.run("2026-11-01");
    const long row = r.find_child("P-BIR-C1");
    REQUIRE(row >= 0);
    const std::size_t neglect = index_of(r.rules(), "neglect");
    // carer-mental-health: severity 3 about the mother, recorded 2026-07-01 (123 days).
    const double mental_health = 3 * std::exp2(-123.0 / 365);
    // school-attendance: incident 2026-09-25, 37 days old.
    const double attendance = 2 * std::exp2(-37.0 / 180);
    // Strengths: protective adult -4 (cap 5 does not bind), early help engagement -2.
    CHECK(r.score(row, neglect) ==
          doctest::Approx(mental_health + attendance - 4 - 2).epsilon(1e-12));
    CHECK(r.level(row) == 0);
    // Without the strengths the worries alone would reach early help.
    CHECK(mental_health + attendance >= r.rules().levels()[1].min);
    // The unsubstantiated concern never scores.
    CHECK(find(r, row, "poor-presentation") == nullptr);
  }

  TEST_CASE("an explanation writes every digit of large points, and no negative zero") {
    // Points may be as large as 1e100 (docs/rules.md); the text once cut them at 63 characters.
    CaseGraph graph;
    load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
    const std::string pack = kTwoLevelPack + R"([[rule]]
id = "large-points"
index = "risk"
heading = "harm"
for = "concern"
when = 'concern.category == "school_attendance"'
points = 1e99
[[rule]]
id = "tiny-strength"
index = "risk"
heading = "strength"
for = "factor"
when = "true"
points = -0.001
)";
    const Results r = assess(RuleSet::load_string(pack, "large.toml"), take_snapshot(graph),
                             {day("2026-11-01"), 1});
    char expected[200];
    std::snprintf(expected, sizeof expected, "%.2f", 1e99);
    REQUIRE(std::strlen(expected) > 100);  // 99 digits (the double is a shade under 1e99) and more
    bool large = false, tiny = false;
    for (std::size_t row = 0; row < r.child_count(); ++row) {
      const std::string text = explain(r, row, ExplainFormat::text, Viewer::everyone());
      large = large || text.find(expected) != std::string::npos;
      tiny = tiny || text.find("tiny-strength") != std::string::npos;
      CHECK(text.find("-0.00") == std::string::npos);
    }
    CHECK(large);
    CHECK(tiny);
  }

  TEST_CASE("overflow and not-a-number in points or conditions: not assessable, scores finite") {
    CaseGraph graph;
    load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
    const std::string head = kTwoLevelPack;
    auto rule = [](const std::string& id, const std::string& scope, const std::string& when,
                   const std::string& points) {
      return "[[rule]]\nid = \"" + id + "\"\nindex = \"risk\"\nheading = \"harm\"\nfor = \"" +
             scope + "\"\nwhen = \"" + when + "\"\npoints = \"" + points + "\"\n";
    };
    const auto rules = RuleSet::load_string(
        head + rule("inf-points", "concern", "true", "concern.severity * 1e308") +
            rule("huge-points", "concern", "true", "concern.severity * 1e300") +
            rule("nan-when", "concern",
                 "concern.severity * 1e308 * 10 - concern.severity * 1e308 * 10 > 0", "1") +
            // Counting every status but retracted: an aggregate that does not read the status
            // leaves unsubstantiated concerns out (docs/rules.md, "Which concerns count"),
            // and the child with two concerns has one unsubstantiated.
            rule("sum-overflow", "child", "true",
                 "min(sum(concerns, 1e308 where concern.status != 'retracted'), 5)") +
            rule("fine", "concern", "true", "concern.severity"),
        "overflow.toml");
    const Results r = assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
    std::size_t concerns_seen = 0, overflowed_sums = 0;
    for (std::size_t row = 0; row < r.child_count(); ++row) {
      double sum = 0;
      std::size_t fine = 0;
      for (const Contribution* c = r.contributions_begin(row); c != r.contributions_end(row); ++c) {
        const std::string& id = r.rules().rules()[c->rule].id;
        CHECK(id != "inf-points");
        CHECK(id != "huge-points");
        CHECK(id != "nan-when");
        CHECK(std::isfinite(c->value));
        fine += id == "fine";
        sum += c->value;
      }
      CHECK(std::isfinite(r.score(row, 0)));
      CHECK(sum == r.score(row, 0));
      // Each concern that reached the child through "fine" is not assessable under the three
      // broken rules: the note says so instead of a silent infinity or a silent false.
      std::size_t inf = 0, huge = 0, nan = 0, overflow = 0;
      for (const NotAssessable* n = r.not_assessable_begin(row); n != r.not_assessable_end(row);
           ++n) {
        const std::string& id = r.rules().rules()[n->rule].id;
        inf += id == "inf-points";
        huge += id == "huge-points";
        nan += id == "nan-when";
        overflow += id == "sum-overflow";
      }
      CHECK(inf == fine);
      CHECK(huge == fine);
      CHECK(nan == fine);
      concerns_seen += fine;
      overflowed_sums += overflow;
    }
    CHECK(concerns_seen > 0);
    CHECK(overflowed_sums > 0);  // some child has two or more concerns: 2e308 overflows
  }

  TEST_CASE("constant points or conditions without a finite value are refused at load") {
    const std::string head = R"([pack]
id = "constant"
version = "1"
[[level]]
id = "low"
min = 0
[[index]]
id = "risk"
[[rule]]
id = "r"
index = "risk"
heading = "harm"
for = "concern"
)";
    const std::pair<const char*, const char*> bad[] = {
        {"points = \"1 / 0\"", "points of rule 'r' has no value"},
        {"points = \"1e308 * 10\"", "points of rule 'r' has no value"},
        {"points = \"1e308 * 10 - 1e308 * 10\"", "points of rule 'r' has no value"},
        {"points = 2e100", "points of rule 'r' is beyond +/-1e100"},
        {"points = \"-1e101\"", "points of rule 'r' is beyond +/-1e100"},
        {"when = \"1 / 0 > 1\"\npoints = 1", "when of rule 'r' has no value"},
    };
    for (const auto& item : bad) {
      const char* text = item.first;
      const char* fragment = item.second;
      CAPTURE(text);
      try {
        RuleSet::load_string(head + text + "\n", "constant.toml");
        FAIL("loaded");
      } catch (const Error& e) {
        CHECK(e.status() == Status::invalid_data);
        CHECK(e.reason().find(fragment) != std::string::npos);
        CHECK(e.where().line == 14);
      }
    }
    CHECK_NOTHROW(RuleSet::load_string(head + "points = \"1e100\"\n", "constant.toml"));
  }

  TEST_CASE("a whole-counting index refuses rules that could give fractions") {
    const std::string head = R"([pack]
id = "whole"
version = "1"
[[level]]
id = "low"
min = 0
[[index]]
id = "ticks"
counting = "whole"
[[rule]]
id = "r"
index = "ticks"
heading = "harm"
for = "concern"
)";
    const std::pair<const char*, const char*> bad[] = {
        {"points = 0.5", "points of rule 'r' must be a constant whole number"},
        {"points = \"concern.severity\"", "points of rule 'r' must be a constant whole number"},
        {"points = 1\nhalf_life_days = 30", "rule 'r' cannot decay"},
        {"points = 1\ncap = 1.5", "cap of rule 'r' must be a whole number"},
        {"points = 1\nreach = { self = 1.0, carer = 0.5 }",
         "reach factors of rule 'r' must be 0 or 1"},
    };
    for (const auto& item : bad) {
      const Error e = refused(head + item.first + "\n", "whole.toml", item.second);
      CHECK(e.status() == Status::invalid_data);
      CHECK(e.reason().find("counts whole ticks") != std::string::npos);
    }
    CHECK_NOTHROW(RuleSet::load_string(
        head + "points = 2\ncap = 3\nreach = { self = 1, carer = 1 }\n", "whole.toml"));
    try {
      RuleSet::load_string(head +
                               "points = 1\n[propagation]\nindices = [\"ticks\"]\nalpha = 0.5\n"
                               "weights = { associate = 0.5 }\n",
                           "whole.toml");
      FAIL("loaded");
    } catch (const Error& e) {
      CHECK(e.reason().find("counts whole ticks") != std::string::npos);
    }
    try {
      RuleSet::load_string(std::string(head).replace(head.find("\"whole\"\n[[rule"), 7, "\"hole\""),
                           "whole.toml");
      FAIL("loaded");
    } catch (const Error& e) {
      CHECK(e.reason().find("must be \"weighted\" or \"whole\"") != std::string::npos);
    }
  }

  TEST_CASE("latest: misuse is refused at load with its place, and linted") {
    const std::string head = R"([pack]
id = "latest"
version = "1"
[[level]]
id = "low"
min = 0
[[index]]
id = "ticks"
[[rule]]
id = "r"
index = "ticks"
heading = "harm"
points = 1
)";
    const std::pair<const char*, const char*> bad[] = {
        {"for = \"child\"\nlatest = { of = \"screen.*\", within_days = 30 }",
         "latest applies to concern rules"},
        {"for = \"concern\"\nlatest = \"screen.*\"", "must be a table"},
        {"for = \"concern\"\nlatest = { of = \"screen\", within_days = 30 }",
         "names a family of categories as \"prefix.*\""},
        {"for = \"concern\"\nlatest = { of = \"scr*en.*\", within_days = 30 }",
         "names a family of categories as \"prefix.*\""},
        {"for = \"concern\"\nlatest = { of = \"screen.*\" }", "missing 'within_days'"},
        {"for = \"concern\"\nlatest = { of = \"screen.*\", within_days = 0 }",
         "must be a whole number of days"},
        {"for = \"concern\"\nlatest = { of = \"screen.*\", within_days = 2.5 }",
         "must be a whole number of days"},
        {"for = \"concern\"\nlatest = { of = \"screen.*\", within_days = 30, by = \"x\" }",
         "unknown key 'by' in latest of rule 'r'"},
    };
    for (const auto& item : bad) {
      const Error e = refused(head + item.first + "\n", "latest.toml", item.second);
      CHECK(e.where().file == "latest.toml");
      CHECK(e.where().column >= 1);
    }
    // A rule scoring a category outside its family, and a family the vocabulary has nothing in.
    const auto outside = RuleSet::load_string(
        head +
            "for = \"concern\"\nwhen = 'concern.category == \"other\" and concern.status in "
            "[\"open\", \"closed\"]'\nlatest = { of = \"screen.*\", within_days = 30 }\n"
            "[vocabulary.categories]\nother = \"Something else\"\n",
        "latest.toml");
    int findings = 0;
    for (const LintWarning& w : outside->lint_warnings()) {
      if (w.code != "latest-family") continue;
      ++findings;
      CHECK(w.where.entity == "r");
      CHECK(w.where.line == 16);
    }
    CHECK(findings == 2);
  }

  TEST_CASE("latest: only each person's latest group of the family counts, listed with reasons") {
    // A generic use, not the DASH: a weighted index scoring a screening questionnaire
    // ("screen.*") completed twice about the mother and once about the father. Each person's
    // latest questionnaire in 100 days is read; "other" is outside the family and unaffected.
    const auto rules = RuleSet::load_string(R"([pack]
id = "screening"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 5
[[index]]
id = "screen"
[[rule]]
id = "a"
index = "screen"
heading = "harm"
for = "concern"
when = 'concern.category in ["screen.a", "screen.b"]'
points = 2
reach = { self = 1, carer = 0.5 }
latest = { of = "screen.*", within_days = 100 }
[[rule]]
id = "other"
index = "screen"
heading = "harm"
for = "concern"
when = 'concern.category == "other"'
points = 1
reach = { carer = 1 }
)",
                                            "screening.toml");
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1,
  "agencies": [{"id": "AG-1", "type": "health"}],
  "households": [{"id": "HH-1"}],
  "persons": [
    {"id": "P-M", "kind": "adult", "household": "HH-1"},
    {"id": "P-F", "kind": "adult", "household": "HH-1"},
    {"id": "P-C", "kind": "child", "dob": "2020-01-01", "household": "HH-1"}],
  "relations": [{"kind": "parent_of", "from": "P-M", "to": "P-C"},
                {"kind": "parent_of", "from": "P-F", "to": "P-C"}],
  "concerns": [
    {"id": "C-M1-A", "category": "screen.a", "severity": 1, "recorded": "2026-08-01", "source": "AG-1", "about": ["P-M"]},
    {"id": "C-M1-B", "category": "screen.b", "severity": 1, "recorded": "2026-08-01", "source": "AG-1", "about": ["P-M"]},
    {"id": "C-M2-A", "category": "screen.a", "severity": 1, "recorded": "2026-10-01", "source": "AG-1", "about": ["P-M"]},
    {"id": "C-M0-B", "category": "screen.b", "severity": 1, "recorded": "2026-01-01", "source": "AG-1", "about": ["P-F"]},
    {"id": "C-F1-B", "category": "screen.b", "severity": 1, "recorded": "2026-09-01", "source": "AG-1", "about": ["P-F"]},
    {"id": "C-M-OTHER", "category": "other", "severity": 1, "recorded": "2026-08-01", "source": "AG-1", "about": ["P-M"]}]})",
              "screening.json");
    const Results r = assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
    const long row = r.find_child("P-C");
    REQUIRE(row >= 0);
    // Mother: latest group 2026-10-01 (C-M2-A): 2 x 0.5 = 1; her August answers are superseded.
    // Father: latest in 100 days is 2026-09-01 (C-F1-B): 1; C-M0-B is 304 days old, outside
    // the window, and superseded. "other": 1. Total 3.
    CHECK(r.score(static_cast<std::size_t>(row), 0) == 3.0);
    std::vector<std::string> counted, superseded;
    double sum = 0;
    for (const Contribution* c = r.contributions_begin(static_cast<std::size_t>(row));
         c != r.contributions_end(static_cast<std::size_t>(row)); ++c) {
      sum += c->value;
      CHECK(c->value == c->raw * c->decay * c->reach * c->cap_factor);
      (c->superseded ? superseded : counted).push_back(std::string(r.vertex_id(c->evidence)));
    }
    CHECK(sum == 3.0);
    CHECK(counted == std::vector<std::string>{"C-M2-A", "C-F1-B", "C-M-OTHER"});
    CHECK(superseded == std::vector<std::string>{"C-M1-A", "C-M1-B", "C-M0-B"});
    // The explanation lists the superseded lines with 0 and says why.
    const std::string text =
        explain(r, static_cast<std::size_t>(row), ExplainFormat::text, Viewer::everyone());
    CHECK(text.find("superseded by a later group") != std::string::npos);
  }

  TEST_CASE("adult indices and adult_score: misuse is refused at load with its place") {
    const std::string head = R"([pack]
id = "adults"
version = "1"
[[level]]
id = "low"
min = 0
[[index]]
id = "victim"
subject = "adult"
[[index]]
id = "child"
[[rule]]
id = "r"
index = "victim"
heading = "harm"
)";
    const std::pair<const char*, const char*> bad[] = {
        {"for = \"child\"\npoints = 1", "must be for = \"concern\""},
        {"for = \"concern\"\npoints = 1\nreach = { self = 1, carer = 1 }", "can only reach self"},
        {"for = \"concern\"\nwhen = 'child.age < 5'\npoints = 1", "reads the child"},
        {"for = \"concern\"\nwhen = 'count(concerns) > 1'\npoints = 1", "reads the child"},
        {"for = \"concern\"\npoints = 1\n[[override]]\nid = \"o\"\nreason = \"x\"\n"
         "when = 'adult_score(\"child\", \"carer\") > 1'\nmin_level = \"low\"",
         "no index with that id and subject = \"adult\""},
        {"for = \"concern\"\npoints = 1\n[[override]]\nid = \"o\"\nreason = \"x\"\n"
         "when = 'adult_score(\"victim\", \"self\") > 1'\nmin_level = \"low\"",
         "adult_score's path must be"},
        {"for = \"concern\"\npoints = 1\n[[override]]\nid = \"o\"\nreason = \"x\"\n"
         "when = 'adult_score(\"victim\") > 1'\nmin_level = \"low\"",
         "adult_score takes an adult index id and a path"},
        {"for = \"concern\"\npoints = 1\n[[override]]\nid = \"o\"\nreason = \"x\"\n"
         "when = 'count(concerns where adult_score(\"victim\", \"carer\") > 1) > 0'\n"
         "min_level = \"low\"",
         "cannot be used inside an aggregate"},
        {"for = \"concern\"\npoints = 1\n[propagation]\nindices = [\"victim\"]\nalpha = 0.5\n"
         "weights = { associate = 0.5 }",
         "only a child's indices propagate"},
    };
    for (const auto& item : bad) refused(head + item.first + "\n", "adults.toml", item.second);
    refused(std::string(head).replace(head.find("subject = \"adult\""), 17, "subject = \"victim\""),
            "adults.toml", "must be \"child\" or \"adult\"", 9);
    CHECK_NOTHROW(RuleSet::load_string(head + "for = \"concern\"\npoints = 1\n", "adults.toml"));
  }

  TEST_CASE("adult overrides and adult_level_at_least: misuse is refused at load with its place") {
    const std::string head = R"([pack]
id = "adults"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 5
[[index]]
id = "victim"
subject = "adult"
[[rule]]
id = "r"
index = "victim"
heading = "harm"
for = "concern"
points = 1
[[override]]
id = "o"
reason = "x"
)";
    const std::pair<const char*, const char*> bad[] = {
        {"subject = \"adult\"\nwhen = 'child.age < 5'\nmin_level = \"high\"",
         "reads something other than the concerns about the adult"},
        {"subject = \"adult\"\nwhen = 'count(family_concerns) >= 3'\nmin_level = \"high\"",
         "reads something other than the concerns about the adult"},
        {"subject = \"adult\"\nwhen = 'timeline.on_plan'\nmin_level = \"high\"",
         "reads something other than the concerns about the adult"},
        {"subject = \"adult\"\nwhen = 'adult_score(\"victim\", \"carer\") > 1'\n"
         "min_level = \"high\"",
         "reads something other than the concerns about the adult"},
        {"subject = \"adult\"\nwhen = 'count(concerns) >= 3'\nimmediate_safety = true",
         "cannot flag immediate safety"},
        {"subject = \"grown-up\"\nwhen = 'count(concerns) >= 3'\nmin_level = \"high\"",
         "must be \"child\" or \"adult\""},
        {"when = 'adult_level_at_least(\"carer\", \"severe\")'\nmin_level = \"high\"",
         "no level with that id"},
        {"when = 'adult_level_at_least(\"self\", \"high\")'\nmin_level = \"high\"",
         "adult_level_at_least's path must be"},
        {"when = 'adult_level_at_least(\"high\")'\nmin_level = \"high\"",
         "adult_level_at_least takes a path and a level id"},
    };
    for (const auto& item : bad) refused(head + item.first + "\n", "adults.toml", item.second, 20);
    // An adult index's rule may not read an adult's level either.
    refused(
        std::string(head).replace(head.find("points = 1"), 10,
                                  "points = 1\nwhen = 'adult_level_at_least(\"carer\", \"high\")'"),
        "adults.toml", "reads the child", 15);
    CHECK_NOTHROW(RuleSet::load_string(
        head + "subject = \"adult\"\nwhen = 'count(concerns where within(365)) >= 3'\n"
               "min_level = \"high\"\n",
        "adults.toml"));
  }

  TEST_CASE("adult overrides: they raise the adult's own level, and a child reads it by rule") {
    const auto rules = RuleSet::load_string(R"([pack]
id = "adults"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 5
[[index]]
id = "victim"
subject = "adult"
counting = "whole"
[[rule]]
id = "tick"
index = "victim"
heading = "harm"
for = "concern"
when = 'concern.category == "tick"'
points = 1
[[override]]
id = "three-incidents"
subject = "adult"
reason = "three incidents about this adult"
when = 'count(concerns where concern.category == "incident" and within(365)) >= 3'
min_level = "high"
[[override]]
id = "carer-high"
reason = "a carer's result is high"
when = 'adult_level_at_least("carer", "high")'
min_level = "high"
)",
                                            "adults.toml");
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1,
  "agencies": [{"id": "AG-1", "type": "police"}],
  "households": [{"id": "HH-1"}],
  "persons": [
    {"id": "P-M", "kind": "adult", "household": "HH-1"},
    {"id": "P-G", "kind": "adult", "household": "HH-1"},
    {"id": "P-C", "kind": "child", "dob": "2020-01-01", "household": "HH-1"}],
  "relations": [{"kind": "parent_of", "from": "P-M", "to": "P-C"}],
  "concerns": [
    {"id": "C-T", "category": "tick", "severity": 1, "recorded": "2026-10-01", "source": "AG-1", "about": ["P-M"]},
    {"id": "C-1", "category": "incident", "severity": 1, "recorded": "2026-01-01", "source": "AG-1", "about": ["P-M"]},
    {"id": "C-2", "category": "incident", "severity": 1, "recorded": "2026-05-01", "source": "AG-1", "about": ["P-M"]},
    {"id": "C-3", "category": "incident", "severity": 1, "recorded": "2026-09-01", "source": "AG-1", "about": ["P-G"]},
    {"id": "C-4", "category": "incident", "severity": 1, "recorded": "2026-10-01", "source": "AG-1", "about": ["P-M"]}]})",
              "adults.json");
    const Results r = assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
    // The mother: 1 tick (low on the score), three incidents about her: high by her override.
    const long mother = r.find_adult("P-M");
    REQUIRE(mother >= 0);
    const auto m = static_cast<std::size_t>(mother);
    CHECK(r.adult_score(m, 0) == 1.0);
    CHECK(r.adult_level(m) == 1);
    REQUIRE(r.adult_overrides_end(m) - r.adult_overrides_begin(m) == 1);
    CHECK(rules->overrides()[*r.adult_overrides_begin(m)].id == "three-incidents");
    // The grandmother: one incident, no tick, no override: no result.
    CHECK(r.find_adult("P-G") < 0);
    // The child: its level is high only through carer-high; the adult override is not its own.
    const auto c = static_cast<std::size_t>(r.find_child("P-C"));
    CHECK(r.level(c) == 1);
    REQUIRE(r.overrides_end(c) - r.overrides_begin(c) == 1);
    CHECK(rules->overrides()[*r.overrides_begin(c)].id == "carer-high");
    const std::string text = explain_adult(r, m, ExplainFormat::text, Viewer::everyone());
    CHECK(text.find("policy override three-incidents") != std::string::npos);
    CHECK(text.find("three incidents about this adult") != std::string::npos);
  }

  TEST_CASE("adult results: an adult index scores each adult, a child reads it only by rule") {
    // A generic use: a screening score about each adult; the child's index reads the carers'
    // highest through a rule about the child, with points equal to it.
    const std::string pack = R"([pack]
id = "screening-adults"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 2
[[index]]
id = "adult_screen"
subject = "adult"
[[index]]
id = "child_reads"
[[rule]]
id = "screen"
index = "adult_screen"
heading = "harm"
for = "concern"
when = 'concern.category == "screen.a"'
points = 1
latest = { of = "screen.*", within_days = 100 }
)";
    const std::string reads = R"(
[[rule]]
id = "carer-screen"
index = "child_reads"
heading = "danger"
for = "child"
when = 'adult_score("adult_screen", "carer") >= 2'
points = 'adult_score("adult_screen", "carer")'
)";
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1,
  "agencies": [{"id": "AG-1", "type": "health"}, {"id": "AG-2", "type": "police"}],
  "households": [{"id": "HH-1"}],
  "persons": [
    {"id": "P-M", "kind": "adult", "household": "HH-1"},
    {"id": "P-F", "kind": "adult", "household": "HH-1"},
    {"id": "P-C", "kind": "child", "dob": "2020-01-01", "household": "HH-1"}],
  "relations": [{"kind": "parent_of", "from": "P-M", "to": "P-C"},
                {"kind": "parent_of", "from": "P-F", "to": "P-C"}],
  "concerns": [
    {"id": "C-M1", "category": "screen.a", "severity": 1, "recorded": "2026-10-01", "source": "AG-1", "about": ["P-M"]},
    {"id": "C-M2", "category": "screen.a", "severity": 1, "recorded": "2026-10-01", "source": "AG-2", "restricted": true, "about": ["P-M"]},
    {"id": "C-F1", "category": "screen.a", "severity": 1, "recorded": "2026-10-02", "source": "AG-1", "about": ["P-F"]},
    {"id": "C-C1", "category": "screen.a", "severity": 1, "recorded": "2026-10-02", "source": "AG-1", "about": ["P-C"]}]})",
              "adults.json");
    const auto snapshot = take_snapshot(graph);
    const auto with_rule = RuleSet::load_string(pack + reads, "adults.toml");
    const Results r = assess(with_rule, snapshot, {day("2026-11-01"), 1});
    // Adults: the mother 2 (one tick restricted), the father 1. The child's own tick is on an
    // adult index, so it scores nothing for the child.
    REQUIRE(r.adult_count() == 2);
    const long mother = r.find_adult("P-M"), father = r.find_adult("P-F");
    REQUIRE(mother >= 0);
    REQUIRE(father >= 0);
    CHECK(r.adult_score(static_cast<std::size_t>(mother), 0) == 2.0);
    CHECK(r.adult_level(static_cast<std::size_t>(mother)) == 1);
    CHECK(r.adult_score(static_cast<std::size_t>(father), 0) == 1.0);
    CHECK(r.find_adult("P-C") < 0);
    const std::size_t child = static_cast<std::size_t>(r.find_child("P-C"));
    CHECK(r.score(child, 0) == 0.0);
    // The child reads the higher carer's score, 2, through its rule about the child; the rule
    // fired only because of the restricted tick, so an uncleared reader gets it withheld.
    CHECK(r.score(child, 1) == 2.0);
    CHECK(r.level(child) == 1);
    REQUIRE(r.contribution_count(child) == 1);
    CHECK(r.contributions_begin(child)->restricted_basis);
    for (const LineView& line : view_contributions(r, child, Viewer{})) CHECK(line.withheld());
    // Without the rule, the child's level no longer moves.
    const Results without =
        assess(RuleSet::load_string(pack, "adults.toml"), snapshot, {day("2026-11-01"), 1});
    CHECK(without.level(static_cast<std::size_t>(without.find_child("P-C"))) == 0);
    CHECK(without.adult_score(static_cast<std::size_t>(without.find_adult("P-M")), 0) == 2.0);
    // The adult's explanation, for the host and for an uncleared reader.
    const std::size_t m = static_cast<std::size_t>(mother);
    const std::string host = explain_adult(r, m, ExplainFormat::text, Viewer::everyone());
    CHECK(host.find("C-M2") != std::string::npos);
    const std::string reader = explain_adult(r, m, ExplainFormat::json, Viewer{});
    CHECK(reader.find("C-M2") == std::string::npos);
    CHECK(reader.find("C-M1") != std::string::npos);
  }

  TEST_CASE(
      "a concern rule about a child that reads adult_score is withheld when only restricted ticks "
      "fire it") {
    // As a rule about the child: the line on the child's own (shown) concern would say that
    // the mother's restricted tick exists, and its points how many ticks she has.
    const std::string pack = R"([pack]
id = "screening-adults"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 2
[[index]]
id = "adult_screen"
subject = "adult"
[[index]]
id = "child_reads"
[[rule]]
id = "screen"
index = "adult_screen"
heading = "harm"
for = "concern"
when = 'concern.category == "screen.a"'
points = 1
[[rule]]
id = "carer-screen-on-concern"
index = "child_reads"
heading = "danger"
for = "concern"
when = 'concern.category == "worry" and adult_score("adult_screen", "carer") >= 2'
points = 1
[[rule]]
id = "carer-screen-points"
index = "child_reads"
heading = "danger"
for = "concern"
when = 'concern.category == "worry"'
points = 'adult_score("adult_screen", "carer")'
[[rule]]
id = "shown-worry"
index = "child_reads"
heading = "harm"
for = "concern"
when = 'concern.category == "worry" and adult_score("adult_screen", "carer") >= 1'
points = 1
[[rule]]
id = "carer-screen-level"
index = "child_reads"
heading = "danger"
for = "concern"
when = 'concern.category == "worry" and adult_level_at_least("carer", "high")'
points = 1
)";
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1,
  "agencies": [{"id": "AG-1", "type": "health"}, {"id": "AG-2", "type": "police"}],
  "households": [{"id": "HH-1"}],
  "persons": [
    {"id": "P-M", "kind": "adult", "household": "HH-1"},
    {"id": "P-C", "kind": "child", "dob": "2020-01-01", "household": "HH-1"}],
  "relations": [{"kind": "parent_of", "from": "P-M", "to": "P-C"}],
  "concerns": [
    {"id": "C-M1", "category": "screen.a", "severity": 1, "recorded": "2026-10-01", "source": "AG-1", "about": ["P-M"]},
    {"id": "C-M2", "category": "screen.a", "severity": 1, "recorded": "2026-10-01", "source": "AG-2", "restricted": true, "about": ["P-M"]},
    {"id": "C-C1", "category": "worry", "severity": 1, "recorded": "2026-10-02", "source": "AG-1", "about": ["P-C"]}]})",
              "adults.json");
    const Results r = assess(RuleSet::load_string(pack, "adults.toml"), take_snapshot(graph),
                             {day("2026-11-01"), 1});
    const std::size_t child = static_cast<std::size_t>(r.find_child("P-C"));
    CHECK(r.score(child, 1) == 5.0);
    std::map<std::string, bool> basis;
    for (const Contribution* c = r.contributions_begin(child); c != r.contributions_end(child); ++c)
      basis[r.rules().rules()[c->rule].id] = c->restricted_basis;
    // adult_level_at_least reads the mother's level, high only with her restricted tick.
    CHECK(basis == std::map<std::string, bool>{{"carer-screen-on-concern", true},
                                               {"carer-screen-points", true},
                                               {"carer-screen-level", true},
                                               {"shown-worry", false}});
    const std::string reader = explain(r, child, ExplainFormat::text, Viewer{});
    CHECK(reader.find("carer-screen") == std::string::npos);
    CHECK(reader.find("shown-worry") != std::string::npos);
  }

  TEST_CASE("contributions sum exactly to each index score") {
    Fixture f;
    const Results r = f.run("2026-11-01");
    for (std::size_t row = 0; row < r.child_count(); ++row) {
      std::vector<double> sums(r.index_count(), 0.0);
      for (const Contribution* c = r.contributions_begin(row); c != r.contributions_end(row); ++c) {
        sums[c->index] += c->value;
        CHECK(c->value == c->raw * c->decay * c->reach * c->cap_factor);
      }
      for (std::size_t i = 0; i < r.index_count(); ++i) CHECK(sums[i] == r.score(row, i));
    }
  }

  TEST_CASE("results are bit-identical whatever the thread count") {
    Fixture f;
    // Enough children to split across threads: copy the families many times under new ids.
    Batch batch;
    batch.add(AgencySpec{"AG-Z", "school", ""});
    for (int i = 0; i < 3000; ++i) {
      const std::string p = "PZ-" + std::to_string(i);
      batch.add(PersonSpec{p, PersonKind::child, day("2015-01-01") + i, {}, ""});
      ConcernSpec c;
      c.id = "CZ-" + std::to_string(i);
      // Every third a non-accidental injury: the recent serious ones are a present danger.
      c.category = i % 3 == 2 ? "non_accidental_injury"
                   : i % 2    ? "school_attendance"
                              : "physical_injury";
      c.severity = 1 + i % 5;
      c.recorded = day("2026-01-01") + i % 300;
      c.source = "AG-Z";
      c.about = {p};
      batch.add(c);
    }
    f.graph.apply(batch);
    const Results one = f.run("2026-11-01", 1);
    const Results two = f.run("2026-11-01", 2);
    const Results many = f.run("2026-11-01", 7);
    REQUIRE(one.child_count() == 3003);
    CHECK(std::memcmp(one.scores().data(), two.scores().data(),
                      one.scores().size() * sizeof(double)) == 0);
    CHECK(std::memcmp(one.scores().data(), many.scores().data(),
                      one.scores().size() * sizeof(double)) == 0);
    CHECK(one.levels() == many.levels());
    std::size_t unsafe = 0;
    for (std::size_t row = 0; row < one.child_count(); ++row) {
      CHECK(one.safety(row) == many.safety(row));
      CHECK(one.safety(row) == two.safety(row));
      unsafe += one.safety(row) == SafetyDecision::unsafe ? 1 : 0;
      REQUIRE(one.safety_end(row) - one.safety_begin(row) ==
              many.safety_end(row) - many.safety_begin(row));
    }
    CHECK(unsafe > 0);
    for (std::size_t row = 0; row < one.child_count(); row += 97) {
      CHECK(explain(one, row, ExplainFormat::json) == explain(many, row, ExplainFormat::json));
    }
  }

  TEST_CASE("evidence recorded after the as-of date does not count") {
    Fixture f;
    const Results before = f.run("2026-10-01");
    const long row = before.find_child("P-ASH-C1");
    // As of 2026-10-01 only the housing concern (2026-08-15) and the sibling's GP concern
    // (2026-09-20) exist: two agencies, so no corroboration.
    CHECK(find(before, row, "school-attendance") == nullptr);
    CHECK(find(before, row, "multi-agency-corroboration") == nullptr);
    CHECK(find(before, row, "housing-instability") != nullptr);
  }

  TEST_CASE("restricted evidence counts but its details show only to cleared viewers") {
    Fixture f;
    const Results r = f.run("2026-11-01");
    const long row = r.find_child("P-ASH-C1");
    const std::string hidden = explain(r, row, ExplainFormat::text);
    CHECK(hidden.find("restricted source") != std::string::npos);
    CHECK(hidden.find("C-ASH-3") == std::string::npos);
    CHECK(hidden.find("AG-POL-01") == std::string::npos);
    const std::string hidden_json = explain(r, row, ExplainFormat::json);
    CHECK(hidden_json.find("C-ASH-3") == std::string::npos);
    CHECK(hidden_json.find("AG-POL-01") == std::string::npos);
    Viewer police;
    police.cleared = {"police"};
    const std::string shown = explain(r, row, ExplainFormat::text, police);
    CHECK(shown.find("C-ASH-3") != std::string::npos);
    CHECK(shown.find("restricted source") == std::string::npos);
  }

  TEST_CASE("a retracted concern stops scoring, an amended one scores as corrected") {
    Fixture f;
    f.graph.apply(Batch().add(RetractConcern{"C-ASH-1"}));
    const Results r = f.run("2026-11-01");
    const long row = r.find_child("P-ASH-C1");
    CHECK(find(r, row, "school-attendance") == nullptr);
  }
}
