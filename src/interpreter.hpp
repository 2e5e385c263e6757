// The rule expression interpreter: the flat stack programs expressions compile to, and their
// evaluation over a snapshot's columns (src/snapshot_columns.hpp) without touching the heap.
// Private to the library: hosts see expressions through include/safeguard/expr.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/error.hpp"
#include "safeguard/expr.hpp"
#include "safeguard/model.hpp"
#include "safeguard/timeline.hpp"

namespace safeguard {
// Only pointed to here, so that code compiling expressions needs no graph.
struct Snapshot;
}  // namespace safeguard

namespace safeguard::expr {

// Evidence sets the aggregates range over, seen from the assessed child.
enum class Collection : std::uint8_t {
  concerns,         // concerns about the child
  family_concerns,  // concerns about anyone in the child's circle, or involving their carers
  factors,          // protective factors for the child
};

enum class Op : std::uint8_t {
  push_number,
  push_string,
  push_bool,
  load,
  negate,
  add,
  subtract,
  multiply,
  divide,
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  logical_and,
  logical_or,
  logical_not,
  in_list,
  in_set,
  within,
  minimum,
  maximum,
  absolute,
  aggregate,
  // adult_score(INDEX, PATH): the highest score on an adult index (symbol `a`) of the adults
  // reaching the child by the path (Role in `flag`), read through EvalContext::adults.
  adult_score,
  // adult_level_at_least(PATH, LEVEL): true when an adult reaching the child by the path (Role
  // in `flag`) has a result at the level (pack symbol of its id in `a`) or above, overrides
  // included; read through EvalContext::adults.
  adult_level_at_least,
  // Kleene short circuit for `and` (flag 0) and `or` (flag 1): if the value on top of the stack
  // is known and decides the result (false for `and`, true for `or`), it becomes that boolean
  // and execution jumps to instruction `a`, past the right operand and the `and`/`or` itself.
  // The result is the one full evaluation would give; the right operand is simply not run.
  short_circuit,
};

enum class AggregateKind : std::uint8_t {
  count,
  sum,
  max,
  distinct_agencies,
  days_since_last,
  distinct_categories,
};

struct Instr {
  Op op;
  std::uint8_t flag = 0;  // Type of operands for comparisons; AggregateKind for aggregates
  std::uint32_t a = 0;    // symbol, attribute, list offset, or aggregate index
  std::uint32_t b = 0;    // list length
  double number = 0;
};

// A necessary condition found at compile time: when `active`, the expression is false unless
// `attr` (concern.category or factor.kind, never unknown) takes one of `symbols` (pack
// symbols), because a conjunct at the top of the expression says so (`attr in [...]` or
// `attr == "..."`, joined to the rest by `and`). A scorer may skip evidence that fails the
// guard without running the program: the program would return a known false.
struct Guard {
  bool active = false;
  Attr attr = Attr::concern_category;
  std::vector<std::uint32_t> symbols;
};

// One conjunct of a Conjunction: a test on an attribute of the piece of evidence (or of the
// element an aggregate counts) that is never unknown, against literals.
struct EvidenceTest {
  enum class Kind : std::uint8_t {
    symbol_in,  // attr in [strings], or attr == "string" (count 1); negated: not in, !=
    number_in,  // attr in [numbers]; negated: not in
    compare,    // attr <op> number, the attribute on the left
    within,     // within(number): the element's age in days is in [0, number]
    flag,       // a boolean attribute; negated: not attr
    in_flags,   // "string" in child.flags (first: the string's symbol); negated: not in
    aggregate,  // count or distinct_*(...) <op> number (first: the aggregate's index)
  };
  Kind kind = Kind::flag;
  Attr attr = Attr::concern_category;
  Op op = Op::equal;                   // compare, aggregate
  bool negated = false;                // symbol_in, number_in, flag
  std::uint32_t first = 0, count = 0;  // symbol_in, number_in: the literals in the pools
  double number = 0;                   // compare, aggregate: the literal; within: the days
};

// A boolean program compiled to straight-line tests when it has the common shape of an
// evidence filter or a threshold: one or more tests joined by `and` (concern.category in [...]
// and concern.status in [...] and within(365) and concern.severity >= 3; "disability" in
// child.flags and count(concerns where ...) >= 1), each of which reads a value that is never
// unknown and compares it with literals. Every test is then a known true or false, so the
// Kleene `and` is the plain one and the value is the interpreter's: true exactly when every
// test passes. Each value is read by the interpreter's own load (or run_aggregate), and
// compared as its instructions compare. Programs of any other shape stay with the
// interpreter (`active` false).
struct Conjunction {
  bool active = false;
  std::vector<EvidenceTest> tests;
  std::vector<std::uint32_t> symbols;  // pack symbols of the string literals
  std::vector<double> numbers;         // number literals of `in [...]` lists
};

struct Aggregate {
  AggregateKind kind;
  Collection collection;
  std::int32_t filter = -1;  // sub-program index, or -1 for "every element"
  std::int32_t value = -1;   // sub-program index for sum/max
  Guard filter_guard;        // of the filter, so elements it rejects are skipped unrun
  // Over concerns: whether the filter reads concern.status, and so decides which statuses
  // count. When it does not, only open and closed concerns count (docs/rules.md, "Which
  // concerns count").
  bool reads_status = false;
  Conjunction filter_tests;  // of the filter, when it has that shape
};

struct Program {
  std::vector<Instr> code;
  int max_stack = 0;
};

// A compiled expression: its program, sub-programs for aggregates and constant pools.
struct Compiled {
  Type type = Type::boolean;
  std::string source;
  Program main;
  std::vector<Program> subprograms;
  std::vector<Aggregate> aggregates;
  std::vector<std::uint32_t> string_pool;
  std::vector<double> number_pool;
  std::vector<Attr> attributes;  // every attribute read, for lint and missing-data notes
  bool constant = false;         // no attribute or aggregate: same value for every child
  Guard guard;                   // of the whole expression (see Guard)
  Conjunction tests;             // the main program as straight-line tests, when it can be
  // A constant program's value, worked out once by the interpreter when it is compiled.
  bool folded = false;
  double folded_number = 0;
  std::uint32_t folded_symbol = 0;
  bool folded_known = true;
  // The main program (outside aggregates) reads concern.status: a concern rule whose
  // condition does not only sees open and closed concerns.
  bool reads_status = false;
  // Pack symbols of the indices adult_score() reads (the loader checks each is an adult index).
  std::vector<std::uint32_t> adult_indices;
  // Pack symbols of the levels adult_level_at_least() compares with (the loader checks each).
  std::vector<std::uint32_t> adult_levels;

  // adult_score() or adult_level_at_least(): the value depends on adults' results.
  bool reads_adults() const noexcept { return !adult_indices.empty() || !adult_levels.empty(); }
};

// Compiles `text` for a rule over `scope`, requiring a result of type `expected`. `origin` is
// where the text starts in its file, so errors point at the right line and column there.
SAFEGUARD_EXPORT Compiled compile(std::string_view text, Scope scope, Type expected,
                                  SymbolTable& symbols, const Location& origin,
                                  const CompileLimits& limits = {});

// Compiles `text` and wraps it as a pack holds it.
inline Expression compile_expression(std::string_view text, Scope scope, Type expected,
                                     SymbolTable& symbols, const Location& origin,
                                     const CompileLimits& limits = {}) {
  return Expression(compile(text, scope, expected, symbols, origin, limits));
}

// ---- Evaluation ----------------------------------------------------------------------------

struct Value {
  double number = 0;
  std::uint32_t symbol = 0;
  bool known = true;
};

// A concern that reaches the child, with every path it arrives by (see for_each_circle_concern).
struct ReachedConcern {
  std::uint32_t concern;  // slot
  RoleMask roles;
};

// Part of a child's record, for scoring it on some agencies' evidence alone (joining.hpp): a
// concern or factor counts only when its group (numbered by the caller per slot; kNoGroup for
// none) is allowed. Without `allowed`, everything counts.
inline constexpr std::uint32_t kNoGroup = UINT32_MAX;
struct EvidenceMask {
  const std::uint32_t* concern_group = nullptr;  // per concern slot
  const std::uint32_t* factor_group = nullptr;   // per factor slot
  const std::uint8_t* allowed = nullptr;         // per group: nonzero counts

  bool concern_counts(std::uint32_t slot) const noexcept {
    return allowed == nullptr || counts(concern_group[slot]);
  }
  bool factor_counts(std::uint32_t slot) const noexcept {
    return allowed == nullptr || counts(factor_group[slot]);
  }

 private:
  bool counts(std::uint32_t group) const noexcept {
    return group != kNoGroup && allowed[group] != 0;
  }
};

// What adult_score() reads: the scorer answers with the highest score, on the adult index
// named by a pack symbol, of the adults who reach the child by `path`, worked out over the
// evidence `mask` allows (null: all of it), so a rule about the child is re-evaluated without
// restricted evidence as it is with aggregates (docs/rules.md, "Results for adults").
class AdultReader {
 public:
  virtual double adult_score(std::uint32_t child, std::uint32_t index_symbol, Role path,
                             const EvidenceMask* mask) = 0;
  // Whether an adult who reaches the child by `path` has a result at the level named by a pack
  // symbol or above: the adult's level from the scores and the adult policy overrides that
  // fire, over the evidence `mask` allows.
  virtual bool adult_level_at_least(std::uint32_t child, std::uint32_t level_symbol, Role path,
                                    const EvidenceMask* mask) = 0;

 protected:
  ~AdultReader() = default;
};

// Everything a program reads while scoring one piece of evidence for one child.
struct EvalContext {
  const Snapshot* snapshot = nullptr;
  const std::uint32_t* symbol_map = nullptr;  // snapshot symbol -> pack symbol space
  Day as_of = 0;
  std::uint32_t child = 0;
  std::uint32_t concern = 0;
  std::uint32_t factor = 0;
  Role path = Role::self;    // how the evidence reached the child
  int child_age_years = -1;  // precomputed per child; -1 when the date of birth is unknown
  int child_age_months = -1;
  int missing = -1;                           // first attribute found unknown (an Attr), or -1
  const TimelineSummary* timeline = nullptr;  // the child's timeline as of as_of
  // Optional: the concerns for_each_circle_concern visits for the child that are visible as of
  // `as_of`, in its visiting order. A scorer that has gathered them already passes them so that
  // family_concerns aggregates need not walk the snapshot again; null means walk it.
  const ReachedConcern* circle_concerns = nullptr;
  std::size_t circle_concern_count = 0;
  // Optional: the part of the record aggregates read (the scorer's own evidence is filtered by
  // the same mask before it gets here); null reads all of it.
  const EvidenceMask* mask = nullptr;
  // Optional: what adult_score() reads; null: it is 0 (no adult results are known).
  AdultReader* adults = nullptr;
  // Run every program in the interpreter, never as straight-line tests (Conjunction): what
  // the reference path (tests/oracle) and the tests that check the tests against it ask for.
  bool interpret_only = false;
};

SAFEGUARD_EXPORT Value evaluate(const Compiled& compiled, EvalContext& context);

inline Value evaluate(const Expression& expression, EvalContext& context) {
  return evaluate(expression.compiled(), context);
}

}  // namespace safeguard::expr
