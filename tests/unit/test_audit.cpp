// The audit (issue 18, docs/audit.md): hand-worked AUC with ties, Wilson intervals and error
// rates; refusals naming file, line and id; a pack reading a protected attribute refused; and
// the planted truth of the generator recovered: the AUC of the planted model, the planted
// disparity flagged and the no-disparity control not.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "audit/suppress.hpp"  // private (src/)
#include "safeguard/audit.hpp"
#include "safeguard/cin.hpp"
#include "safeguard/day.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/graph.hpp"

using namespace safeguard;

namespace {

Results generated(std::size_t children, std::uint64_t seed, unsigned threads = 1) {
  CaseloadOptions options;
  options.children = children;
  options.seed = seed;
  CaseGraph graph;
  generate_caseload(graph, options);
  return assess(load_bundled_pack("default"), take_snapshot(graph),
                AssessOptions(options.as_of, threads));
}

// The AUC the planted model implies for these scores: each (i, j) pair counts with the
// probability that i is a positive and j a negative, p_i (1 - p_j), ties one half. What an
// infinitely repeated draw of outcomes would give on average (to first order).
double expected_auc(const std::vector<double>& scores, const std::vector<double>& p) {
  double ordered = 0, pairs = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    for (std::size_t j = 0; j < scores.size(); ++j) {
      if (i == j) continue;
      const double w = p[i] * (1 - p[j]);
      pairs += w;
      if (scores[i] > scores[j])
        ordered += w;
      else if (scores[i] == scores[j])
        ordered += 0.5 * w;
    }
  }
  return ordered / pairs;
}

const AuditRow& find_row(const AuditReport& report, const std::string& table,
                         const std::string& measure, const std::string& group = {},
                         int level = -1) {
  for (const AuditRow& row : report.rows) {
    if (row.table == table && row.measure == measure && row.group == group && row.level == level)
      return row;
  }
  FAIL("no row " << table << " " << measure << " " << group << " " << level);
  throw 0;
}

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

Day day_of(const std::string& text) {
  Day day = 0;
  std::string error;
  REQUIRE_MESSAGE(parse_iso_date(text, day, error), error);
  return day;
}

// tests/data/cin/mixed-layouts.xml imported as a census import stores it: Sex (or the older
// layout's GenderCurrent) and Ethnicity are each child's group attributes (Person::attributes).
struct Census {
  CaseGraph graph;
  Results results;
  Census() {
    cin::load(
        graph,
        cin::read_file(std::string(SAFEGUARD_SOURCE_DIR) + "/tests/data/cin/mixed-layouts.xml"),
        "mixed-layouts.xml");
    results = assess(load_bundled_pack("default"), take_snapshot(graph),
                     AssessOptions(day_of("2025-03-31"), 1));
  }
};

// The same attributes written by hand as a groups file, from the return's elements: P-CIN-C2
// and P-CIN-C4 use the older GenderCurrent, P-CIN-C6 has no Ethnicity.
constexpr const char* kCensusGroups =
    "child_id,Ethnicity,GenderCurrent,Sex\n"
    "P-CIN-C1,WBRI,,F\n"
    "P-CIN-C2,NOBT,0,\n"
    "P-CIN-C3,MWBC,,M\n"
    "P-CIN-C4,BAFR,1,\n"
    "P-CIN-C5,APKN,,F\n"
    "P-CIN-C6,,,U\n";

constexpr const char* kCensusOutcomes =
    "# horizon: re-referral within 12 months\nchild_id,outcome\n"
    "P-CIN-C1,1\nP-CIN-C2,0\nP-CIN-C3,1\nP-CIN-C4,0\nP-CIN-C5,0\nP-CIN-C6,1\n";

std::string warning_of(const AuditReport& report, const std::string& code) {
  std::string out;
  for (const AuditWarning& w : report.warnings)
    if (w.code == code) out += w.message + "\n";
  return out;
}

// The planted groups with a third attribute, `tiny`: three children in group T, two in U, the
// rest R (every child has a value, so nothing is not recorded).
GroupAttributes with_tiny_groups(const PlantedTruth& truth) {
  GroupAttributes groups = truth.groups;
  groups.attributes.push_back("tiny");
  for (std::size_t r = 0; r < groups.rows.size(); ++r)
    groups.rows[r].values.push_back(r < 3 ? "T" : r < 5 ? "U" : "R");
  return groups;
}

// Whether unknown `target` is determined by the equations (rows of coefficients over the
// unknowns): e_target lies in their row space when adding it leaves the rank unchanged.
std::size_t rank_of(std::vector<std::vector<double>> rows) {
  std::size_t rank = 0;
  const std::size_t columns = rows.empty() ? 0 : rows[0].size();
  for (std::size_t c = 0; c < columns && rank < rows.size(); ++c) {
    std::size_t pivot = rank;
    for (std::size_t r = rank; r < rows.size(); ++r)
      if (std::abs(rows[r][c]) > std::abs(rows[pivot][c])) pivot = r;
    if (std::abs(rows[pivot][c]) < 1e-9) continue;
    std::swap(rows[pivot], rows[rank]);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (r == rank) continue;
      const double factor = rows[r][c] / rows[rank][c];
      for (std::size_t k = 0; k < columns; ++k) rows[r][k] -= factor * rows[rank][k];
    }
    ++rank;
  }
  return rank;
}
bool determined(const std::vector<std::vector<double>>& equations, std::size_t unknowns,
                std::size_t target) {
  std::vector<double> unit(unknowns, 0.0);
  unit[target] = 1;
  std::vector<std::vector<double>> with = equations;
  with.push_back(unit);
  return rank_of(with) == rank_of(equations);
}

// What a reader of one layer of an attribute's published figures can write down: each cell a
// known number or an unknown. Every group's row sums to its total, every level's column to the
// column total (taken as known unless `column_totals` says it is hidden, which makes it an
// unknown too), and the totals to the grand total. Returns the suppressed cells a reader can
// still work out exactly.
struct Layer {
  std::vector<std::vector<bool>> hidden;  // [group][level]
  std::vector<bool> total_hidden;         // [group]
  std::vector<bool> column_hidden;        // [level] (the calibration row; empty: all known)
  bool corner_hidden = false;             // the grand total
};
std::vector<std::string> derivable(const Layer& layer, const std::vector<std::string>& groups) {
  std::map<std::string, std::size_t> unknown;
  const auto id = [&](const std::string& name) {
    return unknown.emplace(name, unknown.size()).first->second;
  };
  const std::size_t levels = layer.hidden.empty() ? 0 : layer.hidden[0].size();
  for (std::size_t g = 0; g < layer.hidden.size(); ++g) {
    for (std::size_t l = 0; l < levels; ++l)
      if (layer.hidden[g][l]) id(groups[g] + "@" + std::to_string(l));
    if (layer.total_hidden[g]) id(groups[g] + "@total");
  }
  for (std::size_t l = 0; l < layer.column_hidden.size(); ++l)
    if (layer.column_hidden[l]) id("all@" + std::to_string(l));
  if (layer.corner_hidden) id("all@total");
  std::vector<std::vector<double>> equations;
  const auto equation = [&](const std::vector<std::pair<std::string, double>>& terms) {
    std::vector<double> row(unknown.size(), 0.0);
    bool any = false;
    for (const auto& [name, sign] : terms) {
      const auto at = unknown.find(name);
      if (at == unknown.end()) continue;
      row[at->second] = sign;
      any = true;
    }
    if (any) equations.push_back(row);
  };
  for (std::size_t g = 0; g < layer.hidden.size(); ++g) {
    std::vector<std::pair<std::string, double>> terms{{groups[g] + "@total", -1}};
    for (std::size_t l = 0; l < levels; ++l)
      terms.push_back({groups[g] + "@" + std::to_string(l), 1});
    equation(terms);
  }
  for (std::size_t l = 0; l < levels; ++l) {
    std::vector<std::pair<std::string, double>> terms{{"all@" + std::to_string(l), -1}};
    for (std::size_t g = 0; g < layer.hidden.size(); ++g)
      terms.push_back({groups[g] + "@" + std::to_string(l), 1});
    equation(terms);
  }
  {
    std::vector<std::pair<std::string, double>> terms{{"all@total", -1}};
    for (std::size_t g = 0; g < layer.hidden.size(); ++g)
      terms.push_back({groups[g] + "@total", 1});
    equation(terms);
    std::vector<std::pair<std::string, double>> margin{{"all@total", -1}};
    for (std::size_t l = 0; l < levels; ++l) margin.push_back({"all@" + std::to_string(l), 1});
    equation(margin);
  }
  std::vector<std::string> out;
  for (const auto& [name, index] : unknown)
    if (determined(equations, unknown.size(), index)) out.push_back(name);
  return out;
}
}  // namespace

TEST_SUITE("unit/audit") {
  TEST_CASE("a census return's Sex and Ethnicity from the record audit as the same groups file") {
    const Census census;
    REQUIRE(census.results.child_count() == 6);
    const GroupAttributes recorded = record_groups(census.graph);
    CHECK(recorded.source == "record");
    CHECK(recorded.attributes == std::vector<std::string>{"Ethnicity", "GenderCurrent", "Sex"});
    CHECK(groups_csv(recorded) == kCensusGroups);
    const Outcomes outcomes = parse_outcomes_csv(kCensusOutcomes, "outcomes.csv");
    AuditOptions options;
    options.bootstrap = 50;
    const AuditReport from_record = audit(census.results, outcomes, recorded, options);
    const AuditReport from_file =
        audit(census.results, outcomes, parse_groups_csv(kCensusGroups, "groups.csv"), options);
    CHECK(audit_json(from_record) == audit_json(from_file));
    CHECK(audit_csv(from_record) == audit_csv(from_file));
    // Children without an attribute are counted and said, never silently dropped.
    CHECK(from_record.not_recorded == std::vector<std::size_t>{1, 4, 2});
    CHECK(warning_of(from_record, "not-recorded")
              .find("'Sex' is not recorded for 2 assessed "
                    "children") != std::string::npos);
    CHECK(audit_json(from_record).find("\"not_recorded\": 2") != std::string::npos);
    std::size_t sex_children = 0;
    for (const AuditRow& row : from_record.rows)
      if (row.table == "level_distribution" && row.attribute == "Sex" && row.level == 0)
        sex_children += row.denominator;
    CHECK(sex_children == 4);
    // Small groups: in a shared report (the default) every figure by group is suppressed;
    // with suppression off, every rate over fewer than min_count children is marked and no
    // ratio is assessed or flagged, as for a file.
    for (const AuditRow& row : from_record.rows) {
      if (row.attribute.empty()) continue;
      CHECK(row.suppressed());
      CHECK_FALSE(row.flag);
    }
    options.suppress_below = 0;
    for (const AuditRow& row : audit(census.results, outcomes, recorded, options).rows) {
      if (row.attribute.empty() || row.denominator == 0) continue;
      CHECK(row.note.find("small sample") == 0);
      CHECK_FALSE(row.flag);
    }
  }

  TEST_CASE("a groups file and the record together: the file wins, a clash names the child id") {
    const Census census;
    // P-CIN-C3's Ethnicity differs from the record's; P-CIN-C6's is empty in the file, so the
    // record's (none) stands; P-CIN-C1's agrees; decile is the file's own.
    const GroupAttributes file = parse_groups_csv(
        "child_id,decile,Ethnicity\nP-CIN-C1,3,WBRI\nP-CIN-C3,7,WOTH\nP-CIN-C6,2,\n", "groups.csv");
    const GroupAttributes merged = merge_groups(file, record_groups(census.graph));
    CHECK(merged.attributes ==
          std::vector<std::string>{"decile", "Ethnicity", "GenderCurrent", "Sex"});
    CHECK(groups_csv(merged) ==
          "child_id,decile,Ethnicity,GenderCurrent,Sex\n"
          "P-CIN-C1,3,WBRI,,F\n"
          "P-CIN-C3,7,WOTH,,M\n"
          "P-CIN-C6,2,,,U\n"
          "P-CIN-C2,,NOBT,0,\n"
          "P-CIN-C4,,BAFR,1,\n"
          "P-CIN-C5,,APKN,,F\n");
    REQUIRE(merged.warnings.size() == 1);
    CHECK(merged.warnings[0].code == "group-clash");
    CHECK(merged.warnings[0].message ==
          "'Ethnicity' differs between groups.csv and the record for 1 child (P-CIN-C3); the "
          "file's value is used");
    // Never the values: personal data stays out of messages.
    CHECK(merged.warnings[0].message.find("MWBC") == std::string::npos);
    CHECK(merged.warnings[0].message.find("WOTH") == std::string::npos);
    const AuditReport report =
        audit(census.results, parse_outcomes_csv(kCensusOutcomes, "outcomes.csv"), merged);
    CHECK(warning_of(report, "group-clash").find("P-CIN-C3") != std::string::npos);
    CHECK(report.attributes == merged.attributes);
    // The same with no clash: no warning.
    const GroupAttributes agreeing =
        merge_groups(parse_groups_csv("child_id,Ethnicity\nP-CIN-C3,MWBC\n", "g.csv"),
                     record_groups(census.graph));
    CHECK(agreeing.warnings.empty());
  }

  TEST_CASE("the record's attributes are protected: a pack reading one of them is refused") {
    CaseGraph graph;
    PersonSpec child;
    child.id = "P-GRP-C1";
    child.attributes = {{"need", "disability"}};
    PersonSpec other;
    other.id = "P-GRP-C2";
    graph.apply(Batch().add(child).add(other));
    const GroupAttributes recorded = record_groups(graph);
    CHECK(groups_csv(recorded) == "child_id,need\nP-GRP-C1,disability\nP-GRP-C2,\n");
    const auto pack = load_bundled_pack("default");
    CHECK(error_of([&] { check_protected(*pack, recorded); })
              .find("rule 'disabled-child' compares child.flags against \"disability\", a value "
                    "of protected attribute 'need' ('disability')") != std::string::npos);
    const Results results =
        assess(pack, take_snapshot(graph), AssessOptions(day_of("2026-11-01"), 1));
    CHECK(error_of([&] {
            audit(results, parse_outcomes_csv("child_id,outcome\n", "o.csv"), recorded);
          }).find("disabled-child") != std::string::npos);
  }

  TEST_CASE("AUC counts ties one half (hand-worked)") {
    // Positives score 2 and 3, negatives 1 and 2: of four pairs three are in order and one
    // tied, so (3 + 0.5) / 4.
    CHECK(roc_auc({1, 2, 2, 3}, {0, 0, 1, 1}) == doctest::Approx(0.875));
    CHECK(roc_auc({5, 5, 5}, {0, 1, 0}) == doctest::Approx(0.5));
    CHECK(roc_auc({3, 2, 1}, {0, 0, 1}) == doctest::Approx(0.0));
    CHECK(std::isnan(roc_auc({1, 2}, {1, 1})));
  }

  TEST_CASE("Wilson intervals (hand-worked)") {
    // 5 of 20 at 95%: 0.1119 to 0.4687.
    const Interval five = wilson_interval(5, 20);
    CHECK(five.low == doctest::Approx(0.11186).epsilon(1e-4));
    CHECK(five.high == doctest::Approx(0.46871).epsilon(1e-4));
    // 0 of 10: from 0 to 0.2775, never a negative bound.
    const Interval none = wilson_interval(0, 10);
    CHECK(none.low == 0);
    CHECK(none.high == doctest::Approx(0.27753).epsilon(1e-4));
    CHECK(std::isnan(wilson_interval(0, 0).low));
  }

  TEST_CASE("outcomes and groups files: errors name file, line, column and child id") {
    CHECK(error_of([] { parse_outcomes_csv("child_id,outcome\nP-1,1\nP-2,2\n", "o.csv"); }) ==
          "o.csv:3:5: entity 'P-2': outcome must be 0 or 1, not '2'");
    CHECK(error_of([] { parse_outcomes_csv("child_id,outcome\nP-1,1\nP-1,0\n", "o.csv"); }) ==
          "o.csv:3:1: entity 'P-1': child id listed twice (first on line 2)");
    CHECK(error_of([] { parse_outcomes_csv("child_id,outcome\nP-1,1,9\n", "o.csv"); }) ==
          "o.csv:2:1: entity 'P-1': expected 2 fields, found 3");
    CHECK(error_of([] { parse_outcomes_csv("id,y\n", "o.csv"); }) ==
          "o.csv:1:1: the header must be 'child_id,outcome'");
    CHECK(error_of([] { parse_groups_csv("child_id,sex,sex\n", "g.csv"); }) ==
          "g.csv:1:14: attribute 'sex' appears twice in the header");
    CHECK(error_of([] { parse_groups_csv("child_id,sex\nP-1,\"F\"\n", "g.csv"); }) ==
          "g.csv:2:5: quoted fields are not part of the format");
    // Found by fuzz_audit: a horizon that is not UTF-8 once reached the JSON writer.
    CHECK(error_of([] {
            parse_outcomes_csv("# horizon: re-referral\xa5\nchild_id,outcome\n", "o.csv");
          }) == "o.csv:1: not valid UTF-8");
    CHECK(error_of([] { parse_groups_csv("child_id,area\nP-1,\xff\n", "g.csv"); }) ==
          "g.csv:2: not valid UTF-8");
    // Found by fuzz_audit: a value ending in a carriage return did not read back as itself.
    CHECK(error_of([] { parse_groups_csv("child_id,area\nP-1,north\r\r\n", "g.csv"); }) ==
          "g.csv:2:10: control characters are not part of the format");
    CHECK(error_of([] { parse_groups_csv(std::string("child_id,a\0b\n", 13), "g.csv"); }) ==
          "g.csv:1:11: control characters are not part of the format");
    const Outcomes parsed = parse_outcomes_csv(
        "# horizon: re-referral within 12 months\r\nchild_id,outcome\r\n"
        "P-1,1\r\n\r\nP-2,0\r\n",
        "o.csv");
    CHECK(parsed.horizon == "re-referral within 12 months");
    REQUIRE(parsed.rows.size() == 2);
    CHECK(parsed.rows[1].line == 5);
    CHECK(outcomes_csv(parsed) ==
          "# horizon: re-referral within 12 months\nchild_id,outcome\nP-1,1\nP-2,0\n");
  }

  TEST_CASE("an id that is not a child of the assessment is refused, naming file, line and id") {
    const Results results = generated(40, 3);
    const std::string first(results.child_id(0));
    const Outcomes outcomes =
        parse_outcomes_csv("child_id,outcome\n" + first + ",1\nP-NOBODY-C9,0\n", "outcomes.csv");
    const GroupAttributes groups =
        parse_groups_csv("child_id,area\n" + first + ",north\n", "g.csv");
    CHECK(error_of([&] { audit(results, outcomes, groups); }) ==
          "outcomes.csv:3:1: entity 'P-NOBODY-C9': no child with this id in the assessment");
    const GroupAttributes stray =
        parse_groups_csv("child_id,area\nP-NOBODY-C9,north\n", "groups.csv");
    CHECK(error_of([&] {
            audit(results, parse_outcomes_csv("child_id,outcome\n", "o.csv"), stray);
          }) == "groups.csv:2:1: entity 'P-NOBODY-C9': no child with this id in the assessment");
  }

  TEST_CASE("a huge or unprintable id or value is quoted in part, escaped, never whole") {
    const Results results = generated(40, 3);
    const std::string huge(2'000'000, 'x');
    CHECK(error_of([&] {
            audit(results, parse_outcomes_csv("child_id,outcome\n" + huge + ",1\n", "o.csv"),
                  parse_groups_csv("child_id,area\n", "g.csv"));
          }) == "o.csv:2:1: entity '\"" + std::string(40, 'x') +
                    "...\"': no child with this id in the assessment");
    CHECK(error_of([&] { parse_outcomes_csv("child_id,outcome\nP-1," + huge + "\n", "o.csv"); }) ==
          "o.csv:2:5: entity 'P-1': outcome must be 0 or 1, not \"" + std::string(40, 'x') +
              "...\"");
    CHECK(error_of([&] {
            parse_outcomes_csv("child_id,outcome\n" + huge + ",1\n" + huge + ",0\n", "o.csv");
          }).size() < 200);
    // An id with a bidirectional override is escaped, not passed on to a terminal.
    CHECK(error_of([&] {
            audit(results, parse_outcomes_csv("child_id,outcome\nP-\xe2\x80\xae,1\n", "o.csv"),
                  parse_groups_csv("child_id,area\n", "g.csv"));
          }) ==
          "o.csv:2:1: entity '\"P-\\xE2\\x80\\xAE\"': no child with this id in the "
          "assessment");
  }

  TEST_CASE("a pack whose rules read a protected attribute is refused, naming the rule") {
    const auto pack = load_bundled_pack("default");
    // The default pack's disabled-child rule reads the flag "disability".
    const GroupAttributes by_name = parse_groups_csv("child_id,Disability\nP-1,yes\n", "g.csv");
    const std::string message = error_of([&] { check_protected(*pack, by_name); });
    CHECK(message.find("rules/default.toml:") == 0);
    CHECK(message.find("entity 'disabled-child': rule 'disabled-child' compares child.flags "
                       "against \"disability\", protected attribute 'Disability'") !=
          std::string::npos);
    const GroupAttributes by_value = parse_groups_csv("child_id,need\nP-1,disability\n", "g.csv");
    CHECK(error_of([&] {
            check_protected(*pack, by_value);
          }).find("a value of protected attribute 'need' ('disability')") != std::string::npos);
    // audit() refuses it too, before computing anything.
    const Results results = generated(30, 2);
    const std::string id(results.child_id(0));
    CHECK(error_of([&] {
            audit(results, parse_outcomes_csv("child_id,outcome\n", "o.csv"),
                  parse_groups_csv("child_id,disability\n" + id + ",yes\n", "g.csv"));
          }).find("disabled-child") != std::string::npos);
    const GroupAttributes harmless = parse_groups_csv("child_id,area\nP-1,north\n", "g.csv");
    CHECK_NOTHROW(check_protected(*pack, harmless));
  }

  TEST_CASE("error rates, calibration and ratios match a direct count") {
    const Results results = generated(400, 5);
    const PlantedTruth truth = plant_outcomes(results, PlantedOptions{});
    AuditOptions options;
    options.bootstrap = 0;
    options.suppress_below = 0;  // the analyst's own work: every count shown
    const AuditReport report = audit(results, truth.outcomes, truth.groups, options);
    const int levels = static_cast<int>(results.rules().levels().size());
    for (const std::string group : {"A", "B", "C"}) {
      for (int t = 1; t < levels; ++t) {
        std::size_t fp = 0, negatives = 0, fn = 0, positives = 0;
        for (std::size_t r = 0; r < results.child_count(); ++r) {
          if (truth.groups.rows[r].values[0] != group) continue;
          const int y = truth.outcomes.rows[r].outcome;
          const bool flagged = results.level(r) >= t;
          if (y) {
            ++positives;
            fn += flagged ? 0 : 1;
          } else {
            ++negatives;
            fp += flagged ? 1 : 0;
          }
        }
        const AuditRow& fpr = find_row(report, "error_rates", "fpr", group, t);
        const AuditRow& fnr = find_row(report, "error_rates", "fnr", group, t);
        CHECK(fpr.count == fp);
        CHECK(fpr.denominator == negatives);
        CHECK(fnr.count == fn);
        CHECK(fnr.denominator == positives);
      }
    }
    // The reference (largest group, A) has ratio 1; another group's ratio is its rate over A's.
    CHECK(report.references[0] == "A");
    const AuditRow& a = find_row(report, "error_rates", "fnr", "A", 1);
    const AuditRow& b = find_row(report, "error_rates", "fnr", "B", 1);
    CHECK(a.ratio == doctest::Approx(1.0));
    CHECK(b.ratio == doctest::Approx(b.value / a.value));
    std::size_t calibrated = 0;
    for (int level = 0; level < levels; ++level)
      calibrated += find_row(report, "calibration", "outcome_rate", "", level).denominator;
    CHECK(calibrated == results.child_count());
  }

  TEST_CASE("the audit recovers the planted AUC and flags only the planted disparity") {
    const Results results = generated(6000, 11);
    PlantedOptions planted;
    planted.seed = 11;
    const PlantedTruth truth = plant_outcomes(results, planted);
    const AuditReport report = audit(results, truth.outcomes, truth.groups);

    std::vector<double> totals(results.totals().begin(), results.totals().end());
    const double expected = expected_auc(totals, truth.probabilities);
    const AuditRow& total = find_row(report, "discrimination", "total");
    MESSAGE("planted AUC " << expected << ", audit " << total.value << " [" << total.low << ", "
                           << total.high << "]");
    // Tolerance: the sampling error of an AUC on ~6000 children is about 0.01; 0.03 is three
    // of those, and the planted value must lie in the bootstrap interval.
    CHECK(std::abs(total.value - expected) < 0.03);
    CHECK(total.low <= expected);
    CHECK(expected <= total.high);
    CHECK(total.low < total.value);
    CHECK(total.value < total.high);

    bool planted_flagged = false, control_flagged = false;
    for (const AuditRow& row : report.rows) {
      if (!row.flag) continue;
      if (row.attribute == "planted_group") planted_flagged = true;
      if (row.attribute == "control_group") control_flagged = true;
    }
    CHECK(planted_flagged);
    CHECK_FALSE(control_flagged);
    // The planted shift raises group B's outcome rate at the lowest level well past 1.25.
    const AuditRow& b = find_row(report, "outcome_by_level", "outcome_rate", "B", 0);
    CHECK(b.flag);
    CHECK(b.ratio > 1.5);
    const AuditRow& c = find_row(report, "outcome_by_level", "outcome_rate", "C", 0);
    CHECK_FALSE(c.flag);

    // With no disparity planted, nothing is flagged.
    planted.disparity = 0;
    const PlantedTruth fair = plant_outcomes(results, planted);
    const AuditReport control = audit(results, fair.outcomes, fair.groups);
    CHECK(control.flags.empty());
  }

  TEST_CASE("the report is the same bytes for any assessment thread count") {
    const Results one = generated(1500, 4, 1);
    const Results four = generated(1500, 4, 4);
    const PlantedTruth truth = plant_outcomes(one, PlantedOptions{});
    const PlantedTruth again = plant_outcomes(four, PlantedOptions{});
    AuditOptions options;
    options.bootstrap = 200;
    const std::string json = audit_json(audit(one, truth.outcomes, truth.groups, options));
    CHECK(json == audit_json(audit(four, again.outcomes, again.groups, options)));
    CHECK(audit_csv(audit(one, truth.outcomes, truth.groups, options)) ==
          audit_csv(audit(four, again.outcomes, again.groups, options)));
    options.seed = 2;
    CHECK(json != audit_json(audit(one, truth.outcomes, truth.groups, options)));
  }

  TEST_CASE("too few outcomes: no AUC, a warning saying why") {
    const Results results = generated(60, 9);
    std::string text = "child_id,outcome\n";
    for (std::size_t r = 0; r < 12; ++r)
      text += std::string(results.child_id(r)) + (r < 3 ? ",1\n" : ",0\n");
    const AuditReport report = audit(results, parse_outcomes_csv(text, "o.csv"),
                                     parse_groups_csv("child_id,area\n", "g.csv"));
    const AuditRow& level = find_row(report, "discrimination", "level");
    CHECK(std::isnan(level.value));
    CHECK(level.note.find("at least 10") != std::string::npos);
    bool warned = false;
    for (const AuditWarning& w : report.warnings) warned = warned || w.code == "small-sample";
    CHECK(warned);
  }

  TEST_CASE("small counts: a group of 1 to 4 children never shows its count, rate or ratio") {
    const Results results = generated(400, 5);
    const PlantedTruth truth = plant_outcomes(results, PlantedOptions{});
    const GroupAttributes groups = with_tiny_groups(truth);
    AuditOptions options;
    options.bootstrap = 50;
    const AuditReport report = audit(results, truth.outcomes, groups, options);
    CHECK(report.options.suppress_below == 5);  // the default is for sharing
    std::size_t tiny_rows = 0;
    for (const AuditRow& row : report.rows) {
      if (row.attribute != "tiny" || row.group == "R") continue;
      ++tiny_rows;
      CHECK(row.count_suppressed);
      CHECK(row.suppressed());
      CHECK(std::isnan(row.value));
      CHECK(std::isnan(row.low));
      CHECK(std::isnan(row.high));
      CHECK(std::isnan(row.ratio));
      CHECK_FALSE(row.flag);
      if (row.table != "outcome_by_level") CHECK(row.denominator_suppressed);
    }
    CHECK(tiny_rows > 0);
    // In the renderings: "c" in the CSV, null and "suppressed" in the JSON, never the value.
    const std::string csv = audit_csv(report);
    std::size_t lines = 0;
    for (std::size_t at = csv.find(",tiny,T,"); at != std::string::npos;
         at = csv.find(",tiny,T,", at + 1)) {
      const std::string line = csv.substr(at, csv.find('\n', at) - at);
      CHECK_MESSAGE(line.find(",c,") != std::string::npos, line);
      ++lines;
    }
    CHECK(lines > 0);
    const std::string json = audit_json(report);
    CHECK(json.find("\"suppressed\": true") != std::string::npos);
    CHECK(json.find("\"suppress_below\": 5") != std::string::npos);
    const std::string html = audit_html(report);
    CHECK(html.find("<td>c</td>") != std::string::npos);

    // The what-if's tables by group, too.
    PackChanges changes;
    changes.remove.push_back("multi-agency-corroboration");
    const WhatIfReport what = what_if(results, changes, groups);
    std::size_t tiny_groups = 0;
    for (const WhatIfGroup& group : what.groups) {
      if (group.attribute != "tiny" || group.group == "R") continue;
      ++tiny_groups;
      CHECK(group.children_suppressed);
      CHECK(group.share_suppressed());
      REQUIRE(group.transitions_suppressed.size() == group.transitions.size());
      for (bool hidden : group.transitions_suppressed) CHECK(hidden);
    }
    CHECK(tiny_groups == 2);
    const std::string what_csv = what_if_csv(what);
    CHECK(what_csv.find("transitions,tiny,T,,universal,universal,c,") != std::string::npos);
    CHECK(what_if_json(what).find("\"children\": null") != std::string::npos);
  }

  TEST_CASE("small counts: no suppressed cell can be worked out from the totals") {
    const Results results = generated(400, 5);
    const PlantedTruth truth = plant_outcomes(results, PlantedOptions{});
    const GroupAttributes groups = with_tiny_groups(truth);
    AuditOptions options;
    options.bootstrap = 0;
    const AuditReport report = audit(results, truth.outcomes, groups, options);
    const std::size_t levels = report.levels.size();
    std::size_t suppressed = 0;
    for (const AuditRow& row : report.rows) suppressed += row.suppressed() ? 1 : 0;
    CHECK(suppressed > 0);
    for (std::size_t a = 0; a < report.attributes.size(); ++a) {
      const std::string& attribute = report.attributes[a];
      CAPTURE(attribute);
      REQUIRE(report.not_recorded[a] == 0);
      std::vector<std::string> names;
      for (const AuditRow& row : report.rows)
        if (row.attribute == attribute && row.table == "level_distribution" && row.level == 0)
          names.push_back(row.group);
      // Children per level (level_distribution): the column totals are taken as known.
      Layer members, events;
      members.hidden.assign(names.size(), std::vector<bool>(levels, false));
      members.total_hidden.assign(names.size(), false);
      events = members;
      events.column_hidden.assign(levels, false);
      for (std::size_t l = 0; l < levels; ++l)
        events.column_hidden[l] =
            find_row(report, "calibration", "outcome_rate", "", static_cast<int>(l))
                .count_suppressed;
      events.corner_hidden = report.positives_suppressed;
      for (std::size_t g = 0; g < names.size(); ++g) {
        for (std::size_t l = 0; l < levels; ++l) {
          const AuditRow& share =
              find_row(report, "level_distribution", "share", names[g], static_cast<int>(l));
          members.hidden[g][l] = share.count_suppressed;
          members.total_hidden[g] = share.denominator_suppressed;
          events.hidden[g][l] =
              find_row(report, "outcome_by_level", "outcome_rate", names[g], static_cast<int>(l))
                  .count_suppressed;
        }
        // Each group's outcome 1 total is the denominator of its false negative rates.
        events.total_hidden[g] =
            find_row(report, "error_rates", "fnr", names[g], 1).denominator_suppressed;
      }
      CHECK(derivable(members, names).empty());
      CHECK(derivable(events, names).empty());
    }
  }

  TEST_CASE("small counts: suppression off gives every figure, as before") {
    const Results results = generated(400, 5);
    const PlantedTruth truth = plant_outcomes(results, PlantedOptions{});
    const GroupAttributes groups = with_tiny_groups(truth);
    AuditOptions options;
    options.bootstrap = 50;
    const AuditReport shared = audit(results, truth.outcomes, groups, options);
    options.suppress_below = 0;
    const AuditReport own = audit(results, truth.outcomes, groups, options);
    REQUIRE(shared.rows.size() == own.rows.size());
    for (std::size_t i = 0; i < own.rows.size(); ++i) {
      const AuditRow& a = own.rows[i];
      const AuditRow& b = shared.rows[i];
      CHECK_FALSE(a.suppressed());
      CHECK(a.table == b.table);
      CHECK(a.count == b.count);  // kept beneath the flag, never rendered when suppressed
      if (b.suppressed()) continue;
      CHECK(a.note == b.note);
      CHECK((a.value == b.value || (std::isnan(a.value) && std::isnan(b.value))));
      const bool same_ratio = a.ratio == b.ratio || std::isnan(b.ratio);
      CHECK(same_ratio);
    }
    const AuditRow& t = find_row(own, "level_distribution", "share", "T", 0);
    CHECK(t.denominator == 3);
    CHECK(audit_csv(own).find(",c,") == std::string::npos);
    CHECK(audit_json(own).find("null,\n      \"denominator\"") == std::string::npos);
    PackChanges changes;
    changes.remove.push_back("multi-agency-corroboration");
    WhatIfOptions what_options;
    what_options.suppress_below = 0;
    const WhatIfReport what = what_if(results, changes, groups, what_options);
    for (const WhatIfGroup& group : what.groups) {
      CHECK_FALSE(group.children_suppressed);
      CHECK(group.transitions_suppressed.empty());
    }
    CHECK(what_if_csv(what).find(",c,") == std::string::npos);
  }

  TEST_CASE("small counts: a lone hidden cell is closed into the cheapest rectangle") {
    using audit_detail::Cell;
    audit_detail::Table table;
    table.rows = 3;
    table.columns = 3;
    table.cells.assign(9, Cell::shown);
    table.cost = {2, 40, 50, 30, 10, 60, 70, 80, 90};
    table.at(0, 0) = Cell::suppressed;
    CHECK(audit_detail::protect(table));
    // (0,0) with (0,1), (1,0), (1,1): 40 + 30 + 10, the cheapest of the four rectangles.
    CHECK(table.at(0, 1) == Cell::suppressed);
    CHECK(table.at(1, 0) == Cell::suppressed);
    CHECK(table.at(1, 1) == Cell::suppressed);
    CHECK(table.at(2, 2) == Cell::shown);
    CHECK_FALSE(audit_detail::protect(table));  // settled
  }
}
