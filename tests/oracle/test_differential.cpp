// Correctness at speed: the library's fast assessment path against the simple reference path in
// reference_assess.hpp, bit for bit, on generated caseloads and on several as-of dates; and one
// thread against two.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "reference_assess.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

// Bitwise equality, so that -0.0 against 0.0 or a last-bit difference fails.
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same(const Contribution& a, const Contribution& b) {
  return a.rule == b.rule && a.evidence == b.evidence && a.via == b.via && a.path == b.path &&
         same_bits(a.raw, b.raw) && same_bits(a.decay, b.decay) && same_bits(a.reach, b.reach) &&
         same_bits(a.cap_factor, b.cap_factor) && same_bits(a.value, b.value);
}

void check_against_reference(const Results& fast, const RuleSet& rules, const Snapshot& snap,
                             Day as_of) {
  const auto symbol_map = reference::map_symbols(rules, snap);
  REQUIRE(fast.child_count() == snap.children.size());
  std::size_t mismatches = 0, contributions = 0;
  for (std::size_t row = 0; row < fast.child_count(); ++row) {
    const reference::ChildResult slow =
        reference::assess_child(rules, snap, symbol_map, as_of, snap.children[row]);
    bool ok = fast.level(row) == slow.level && fast.score_level(row) == slow.score_level &&
              fast.discretionary(row).outcome == slow.discretionary &&
              fast.immediate_safety(row) == slow.immediate_safety &&
              fast.contribution_count(row) == slow.contributions.size() &&
              static_cast<std::size_t>(fast.overrides_end(row) - fast.overrides_begin(row)) ==
                  slow.fired.size() &&
              static_cast<std::size_t>(fast.not_assessable_end(row) -
                                       fast.not_assessable_begin(row)) == slow.missing.size();
    for (std::size_t i = 0; ok && i < fast.index_count(); ++i) {
      ok = same_bits(fast.score(row, i), slow.scores[i]) &&
           fast.index_level(row, i) == slow.index_levels[i];
    }
    for (std::size_t k = 0; ok && k < slow.contributions.size(); ++k)
      ok = same(fast.contributions_begin(row)[k], slow.contributions[k]);
    for (std::size_t k = 0; ok && k < slow.fired.size(); ++k)
      ok = fast.overrides_begin(row)[k] == slow.fired[k];
    ok = ok && fast.safety(row) == slow.safety &&
         static_cast<std::size_t>(fast.safety_end(row) - fast.safety_begin(row)) ==
             slow.safety_findings.size();
    for (std::size_t k = 0; ok && k < slow.safety_findings.size(); ++k) {
      const SafetyFinding& a = fast.safety_begin(row)[k];
      const SafetyFinding& b = slow.safety_findings[k];
      ok = a.plan == b.plan && a.item == b.item && a.evidence == b.evidence;
    }
    for (std::size_t k = 0; ok && k < slow.missing.size(); ++k) {
      const NotAssessable& a = fast.not_assessable_begin(row)[k];
      const NotAssessable& b = slow.missing[k];
      ok = a.rule == b.rule && a.is_override == b.is_override && a.evidence == b.evidence &&
           a.missing == b.missing && a.safety == b.safety;
    }
    if (!ok && ++mismatches <= 3) FAIL_CHECK("child " << fast.child_id(row) << " differs");
    contributions += slow.contributions.size();
  }
  CHECK(mismatches == 0);
  CHECK(contributions > 0);  // the caseload exercised the rules
}

void check_identical(const Results& a, const Results& b) {
  REQUIRE(a.child_count() == b.child_count());
  CHECK(std::memcmp(a.scores().data(), b.scores().data(), a.scores().size() * sizeof(double)) == 0);
  CHECK(a.levels() == b.levels());
  bool contributions_equal = true;
  for (std::size_t row = 0; row < a.child_count() && contributions_equal; ++row) {
    contributions_equal = a.contribution_count(row) == b.contribution_count(row);
    for (std::size_t k = 0; contributions_equal && k < a.contribution_count(row); ++k)
      contributions_equal = same(a.contributions_begin(row)[k], b.contributions_begin(row)[k]);
  }
  CHECK(contributions_equal);
}

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

// ---- Straight-line tests (expr::Conjunction) against the interpreter ----

bool same_value(const expr::Value& a, const expr::Value& b) {
  return same_bits(a.number, b.number) && a.symbol == b.symbol && a.known == b.known;
}

// Whether the fast path runs some of the program other than in the interpreter: as
// straight-line tests, or as a value folded when it was compiled.
bool uses_tests(const expr::Compiled& compiled) {
  if (compiled.tests.active || compiled.folded) return true;
  for (const expr::Aggregate& aggregate : compiled.aggregates) {
    if (aggregate.filter_tests.active) return true;
  }
  return false;
}

// A program and what it ranges over.
struct Program {
  const expr::Compiled* compiled;
  expr::Scope scope;
};

// Every program of the pack: rules, overrides, safety conditions.
std::vector<Program> programs_of(const RuleSet& rules) {
  std::vector<Program> out;
  for (const Rule& rule : rules.rules()) {
    out.push_back({&rule.when.compiled(), rule.scope});
    out.push_back({&rule.points.compiled(), rule.scope});
  }
  for (const PolicyOverride& rule : rules.overrides())
    out.push_back({&rule.when.compiled(), expr::Scope::child});
  for (const auto* list : {&rules.safety().dangers, &rules.safety().plans}) {
    for (const SafetyCondition& c : *list) out.push_back({&c.when.compiled(), c.scope});
  }
  return out;
}

// The snapshot's symbols in the space of `symbols`, as map_symbols does for a pack.
std::vector<std::uint32_t> symbol_map_for(const expr::SymbolTable& symbols, const Snapshot& snap) {
  std::vector<std::uint32_t> map(snap.symbols.size());
  const auto unmatched = static_cast<std::uint32_t>(symbols.size());
  for (std::size_t s = 0; s < snap.symbols.size(); ++s) {
    const std::uint32_t found = symbols.find(snap.symbols[s]);
    map[s] = found != expr::SymbolTable::kNone ? found : unmatched + static_cast<std::uint32_t>(s);
  }
  return map;
}

// Evaluates every program that does not run wholly in the interpreter both ways, for every
// child: a program over the child once, one over concerns (factors) for each concern (factor)
// about the child by every path; returns how many evaluations were compared. Values and the
// attribute noted missing must be the same bit for bit.
std::size_t compare_with_interpreter(const std::vector<Program>& programs, const Snapshot& snap,
                                     const std::vector<std::uint32_t>& symbol_map, Day as_of) {
  std::size_t compared = 0, mismatches = 0;
  expr::EvalContext ctx;
  ctx.snapshot = &snap;
  ctx.symbol_map = symbol_map.data();
  ctx.as_of = as_of;
  auto both = [&](const expr::Compiled& compiled) {
    ctx.interpret_only = true;
    ctx.missing = -1;
    const expr::Value slow = expr::evaluate(compiled, ctx);
    const int slow_missing = ctx.missing;
    ctx.interpret_only = false;
    ctx.missing = -1;
    const expr::Value fast = expr::evaluate(compiled, ctx);
    if ((!same_value(slow, fast) || slow_missing != ctx.missing) && ++mismatches <= 3)
      FAIL_CHECK("'" << compiled.source << "' differs from the interpreter");
    ++compared;
  };
  for (const Program& program : programs) {
    if (!uses_tests(*program.compiled)) continue;
    for (std::uint32_t child : snap.children) {
      ctx.child = child;
      const Day dob = snap.person_dob[child];
      ctx.child_age_months = dob != kNoDay && dob <= as_of ? age_in_months(dob, as_of) : -1;
      ctx.child_age_years = ctx.child_age_months < 0 ? -1 : ctx.child_age_months / 12;
      if (program.scope == expr::Scope::child) {
        both(*program.compiled);
        continue;
      }
      for (int path = 0; path < kRoleCount; ++path) {
        ctx.path = static_cast<Role>(path);
        if (program.scope == expr::Scope::factor) {
          for (const std::uint32_t* f = snap.person_factors.begin(child);
               f != snap.person_factors.end(child); ++f) {
            ctx.factor = *f;
            both(*program.compiled);
          }
        } else {
          for (const std::uint32_t* c = snap.person_concerns.begin(child);
               c != snap.person_concerns.end(child); ++c) {
            ctx.concern = *c;
            both(*program.compiled);
          }
        }
      }
    }
  }
  CHECK(mismatches == 0);
  return compared;
}

// A caseload's snapshot for the differential tests.
std::shared_ptr<const Snapshot> generated(std::uint64_t seed, std::size_t children) {
  CaseloadOptions options;
  options.children = children;
  options.seed = seed;
  CaseGraph graph;
  generate_caseload(graph, options);
  return take_snapshot(graph);
}

}  // namespace

TEST_SUITE("oracle/differential") {
  TEST_CASE("the fast path matches the reference path bit for bit on generated caseloads") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      CaseloadOptions options;
      options.children = 2500;
      options.seed = seed;
      CaseGraph graph;
      generate_caseload(graph, options);
      const auto snap = take_snapshot(graph);
      // The generation day, month ends, a leap day and a day before most evidence existed.
      for (std::string as_of :
           {"2026-11-01", "2026-02-28", "2024-02-29", "2025-03-31", "2024-06-30"}) {
        CAPTURE(seed);
        CAPTURE(as_of);
        const Results fast = assess(rules, snap, {day(as_of.c_str()), 1});
        check_against_reference(fast, *rules, *snap, day(as_of.c_str()));
      }
    }
  }

  TEST_CASE("one and two threads give bit-identical results on a generated caseload") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    CaseloadOptions options;
    options.children = 6000;
    options.seed = 5;
    CaseGraph graph;
    generate_caseload(graph, options);
    const auto snap = take_snapshot(graph);
    const Results one = assess(rules, snap, {options.as_of, 1});
    const Results two = assess(rules, snap, {options.as_of, 2});
    check_identical(one, two);
  }
}

TEST_SUITE("oracle/straight-line tests") {
  // Every shape expr::Conjunction compiles, each kind of test and its negation, with the
  // literal on either side; constant programs folded; and shapes left to the interpreter.
  TEST_CASE("each straight-line test equals the interpreter on generated caseloads") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    expr::SymbolTable symbols = rules->symbols();
    const Location origin("shapes");
    using expr::Scope;
    struct Shape {
      const char* text;
      Scope scope;
      bool fits;        // the program compiles to tests (or, constant, is folded)
      int filter_fits;  // its one aggregate's filter compiles to tests (1) or not (0); -1: none
    };
    const Shape shapes[] = {
        {R"(concern.category not in ["domestic_abuse", "sexual_abuse"])", Scope::concern, true, -1},
        {R"(concern.category != "domestic_abuse" and concern.status != "open")", Scope::concern,
         true, -1},
        {R"("open" == concern.status and 3 <= concern.severity)", Scope::concern, true, -1},
        {R"(concern.severity in [1, 3, 5] and concern.severity < 5 and 1 < concern.severity)",
         Scope::concern, true, -1},
        {R"(concern.severity not in [2, 4] and concern.severity != 3 and 4 >= concern.severity)",
         Scope::concern, true, -1},
        {R"(concern.severity == 3 or concern.severity > 4)", Scope::concern, false, -1},
        {R"(concern.restricted and within(400))", Scope::concern, true, -1},
        {R"(not concern.restricted and concern.path in ["self", "sibling"] and 2 > 1)",
         Scope::concern, false, -1},
        {R"(not concern.restricted and concern.path in ["self", "sibling"])", Scope::concern, true,
         -1},
        {R"(concern.source_type in ["police", "school"] and concern.path != "associate")",
         Scope::concern, true, -1},
        {R"(concern.age_days > 100 and concern.age_days <= 2000 and within(3000))", Scope::concern,
         true, -1},
        {R"(concern.severity * 2 > 5)", Scope::concern, false, -1},
        {R"(concern.severity == concern.age_days)", Scope::concern, false, -1},
        {R"(factor.kind in ["protective_adult"] and factor.active)", Scope::factor, true, -1},
        {R"(not factor.active and factor.strength >= 2 and factor.path != "self")", Scope::factor,
         true, -1},
        {R"(factor.kind == "safety_plan" and 1 < factor.strength and factor.strength in [2, 3])",
         Scope::factor, true, -1},
        {R"(factor.age_days > 30)", Scope::factor, false, -1},  // unknown without a start
        {R"(within(30))", Scope::factor, false, -1},            // likewise
        {R"(count(family_concerns where concern.severity >= 3 and within(365) and
              concern.path != "associate") >= 2)",
         Scope::child, true, 1},
        {R"(sum(concerns, concern.severity where not concern.restricted) > 4)", Scope::child, false,
         1},
        {R"(3 <= distinct_agencies(family_concerns where concern.status in ["open"]))",
         Scope::child, true, 1},
        {R"(distinct_categories(family_concerns) != 2)", Scope::child, true, -1},
        {R"(count(factors where factor.active and factor.strength > 1) < 1)", Scope::child, true,
         1},
        {R"("disability" in child.flags and count(concerns where within(365)) >= 1)", Scope::child,
         true, 1},
        {R"("disability" not in child.flags and 1 > count(concerns))", Scope::child, true, -1},
        {R"(count(family_concerns where concern.severity > 3 or within(30)) >= 1)", Scope::child,
         true, 0},
        {R"(count(factors where within(100)) == 1)", Scope::child, true, 0},
        {R"(child.age < 1 and count(concerns) >= 1)", Scope::child, false, -1},
        {R"(days_since_last(concerns) < 30)", Scope::child, false, -1},
        {R"(count(concerns) >= 1 or timeline.on_plan)", Scope::child, false, -1},
        {R"(2 > 1 and 3 == 3)", Scope::child, true, -1},  // constant: folded
        {R"(1 / 0 > 2)", Scope::child, true, -1},         // constant and unknown: folded
    };
    std::vector<expr::Compiled> compiled;
    compiled.reserve(std::size(shapes) + 3);  // programs point into it
    std::vector<Program> programs;
    for (const Shape& shape : shapes) {
      CAPTURE(shape.text);
      compiled.push_back(
          expr::compile(shape.text, shape.scope, expr::Type::boolean, symbols, origin));
      const expr::Compiled& program = compiled.back();
      CHECK((program.tests.active || program.folded) == shape.fits);
      if (shape.filter_fits >= 0) {
        REQUIRE(program.aggregates.size() == 1);
        CHECK(program.aggregates[0].filter_tests.active == (shape.filter_fits == 1));
      }
      programs.push_back({&program, shape.scope});
    }
    // Constant points, folded.
    for (const char* points : {"5", "-2 * 1.5", "1e308 * 10"}) {
      compiled.push_back(expr::compile(points, Scope::child, expr::Type::number, symbols, origin));
      CHECK(compiled.back().folded);
      programs.push_back({&compiled.back(), Scope::child});
    }
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      CAPTURE(seed);
      const auto snap = generated(seed, 1500);
      const auto map = symbol_map_for(symbols, *snap);
      for (const char* as_of : {"2026-11-01", "2024-02-29"})
        CHECK(compare_with_interpreter(programs, *snap, map, day(as_of)) > 10000);
    }
  }

  TEST_CASE("every bundled pack's programs equal the interpreter on generated and bundled cases") {
    std::size_t with_tests = 0;
    for (const char* pack : {"default", "dash", "exploitation", "neglect"}) {
      CAPTURE(pack);
      const auto rules =
          RuleSet::load_file(std::string(SAFEGUARD_SOURCE_DIR "/rules/") + pack + ".toml");
      const auto programs = programs_of(*rules);
      for (const Program& program : programs) with_tests += uses_tests(*program.compiled) ? 1 : 0;
      std::vector<std::shared_ptr<const Snapshot>> snaps;
      for (std::uint64_t seed : {1u, 2u}) snaps.push_back(generated(seed, 1000));
      for (const auto& entry :
           std::filesystem::directory_iterator(SAFEGUARD_SOURCE_DIR "/examples/data")) {
        if (entry.path().extension() != ".json") continue;
        CaseGraph graph;
        load_case_file(graph, entry.path().string());
        snaps.push_back(take_snapshot(graph));
      }
      for (const auto& snap : snaps) {
        const auto map = reference::map_symbols(*rules, *snap);
        for (const char* as_of : {"2026-11-01", "2025-03-31"})
          compare_with_interpreter(programs, *snap, map, day(as_of));
      }
    }
    CHECK(with_tests > 40);  // the bundled packs' filters and conditions take the fast path
  }
}
