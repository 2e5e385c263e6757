// What an assessment works out once and every scorer shares: the pack's view of a snapshot's
// symbols, which rules may score each category or factor kind, and each rule's `when` and
// `points` pre-tabulated where they read few attributes. Private to src/assess/ (the view layer
// borrows map_symbols to evaluate as the scorer does).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "interpreter.hpp"
#include "safeguard/rules.hpp"
#include "snapshot_columns.hpp"

namespace safeguard::detail {

// Maps every snapshot symbol into the pack's symbol space: the pack's own number when the pack
// mentions the string, otherwise a number no pack literal can equal. The scorer and the view
// layer (what a rule counted, views.cpp) evaluate expressions through it.
std::vector<std::uint32_t> map_symbols(const RuleSet& rules, const Snapshot& snap);

// A program's result with the attribute it found unknown (-1 if none), as ChildScorer needs it.
struct Outcome {
  expr::Value value;
  int missing = -1;
};

inline Outcome run(const expr::Compiled& program, expr::EvalContext& ctx) {
  ctx.missing = -1;
  const expr::Value value = expr::evaluate(program, ctx);
  return {value, ctx.missing};
}
inline Outcome run(const expr::Expression& expression, expr::EvalContext& ctx) {
  return run(expression.compiled(), ctx);
}

// A rule's `when` and `points` worked out in advance for every value of the attributes they
// read, when those are few: the default pack's concern conditions read only the category and
// status, and its points only the severity or strength. The tables are filled by running the
// same programs with the same interpreter, so a lookup gives exactly what running would.
struct RuleTables {
  // The condition or points read concern.status, and so decide which statuses count (kept
  // here so the scorer need not ask the expressions for every concern).
  bool reads_status = false;
  bool when_tabled = false;
  std::vector<Outcome> when;  // [symbol * kStatuses + status]
  bool points_tabled = false;
  std::vector<Outcome> points;  // [severity or strength, 0..255]
};
constexpr std::size_t kStatuses = 4;

// What assess() works out once per call and every scorer shares: the pack's view of the
// snapshot's symbols, and for each category (or factor kind) the rules that may score it, in
// rule order: the rules whose guard admits it, and every rule without a guard.
struct Prepared {
  std::vector<std::uint32_t> symbol_map;
  Csr<std::uint32_t> concern_rules;  // by snapshot symbol of concern.category
  Csr<std::uint32_t> factor_rules;   // by snapshot symbol of factor.kind
  std::vector<RuleTables> tables;    // per rule
};

// The tables for `rules` over the symbols of `snap`, as of a date. A Reassessor keeps them while
// the snapshot's symbols stay the same.
Prepared prepare(const RuleSet& rules, const Snapshot& snap, Day as_of);

}  // namespace safeguard::detail
