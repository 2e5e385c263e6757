// Tests for the rule expression language (expr.hpp): compile-time errors with exact positions,
// limits, and evaluation over a small hand-built case graph, including Kleene logic for
// unknowns and the aggregates over a child's evidence.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "interpreter.hpp"  // private (src/)
#include "safeguard/error.hpp"
#include "safeguard/expr.hpp"
#include "safeguard/graph.hpp"
#include "snapshot_columns.hpp"  // private (src/)

namespace {

using safeguard::Error;
using safeguard::Location;
using safeguard::Status;
using safeguard::expr::Attr;
using safeguard::expr::CompileLimits;
using safeguard::expr::Scope;
using safeguard::expr::SymbolTable;
using safeguard::expr::Type;

const Location kOrigin{"pack.toml", 10, 8};

// Compiles `text` and returns the error it throws, or nothing if it compiles.
std::optional<Error> compile_error(const std::string& text, Scope scope = Scope::concern,
                                   Type type = Type::boolean, const Location& origin = kOrigin,
                                   const CompileLimits& limits = {}) {
  SymbolTable symbols;
  try {
    safeguard::expr::compile(text, scope, type, symbols, origin, limits);
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

bool compiles(const std::string& text, Scope scope = Scope::concern, Type type = Type::boolean) {
  return !compile_error(text, scope, type).has_value();
}

}  // namespace

TEST_SUITE("unit/expr") {
  // ---- Parse errors and their positions ------------------------------------------------------

  TEST_CASE("incomplete comparison reports parse error at end of text, shifted by the origin") {
    const auto e = compile_error("concern.severity >= ");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().file == "pack.toml");
    CHECK(e->where().line == 10);
    // The text is 20 characters; the end is at offset 20, i.e. column 8 + 20.
    CHECK(e->where().column == 28);
  }

  TEST_CASE("error message is prefixed with file:line:column") {
    const auto e = compile_error("concern.severity >= ");
    REQUIRE(e);
    CHECK(std::string(e->what()).rfind("pack.toml:10:28: ", 0) == 0);
    CHECK(e->reason().find("pack.toml") == std::string::npos);
  }

  TEST_CASE("multi-line expression: error on the second line gets line + 1 and column from 1") {
    const auto e = compile_error("concern.severity >= 1 and\n  concern.category == ");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().line == 11);
    // "  concern.category == " is 22 characters, so the end is column 23.
    CHECK(e->where().column == 23);
  }

  TEST_CASE("multi-line expression: error on the third line") {
    const auto e = compile_error("true and\ntrue and\n  = 1");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().line == 12);
    CHECK(e->where().column == 3);
  }

  TEST_CASE("origin without line or column counts from line 1 column 1") {
    const auto e = compile_error("1 +", Scope::concern, Type::number, Location{});
    REQUIRE(e);
    CHECK(e->where().line == 1);
    CHECK(e->where().column == 4);
  }

  TEST_CASE("columns count code points, not bytes") {
    // "é" is two bytes but one column.
    const auto e = compile_error("concern.category == \"\xC3\xA9\" = 1");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    // offset of '=': 20 chars + 3 code points ("é") + space = code point 24 -> column 8 + 24.
    CHECK(e->where().column == 32);
  }

  TEST_CASE("single '=' is a parse error pointing at the '='") {
    const auto e = compile_error("concern.severity = 3");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().line == 10);
    CHECK(e->where().column == 8 + 17);
    CHECK(e->reason().find("==") != std::string::npos);
  }

  TEST_CASE("'!' alone is a parse error suggesting 'not'") {
    const auto e = compile_error("!concern.restricted");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().column == 8);
  }

  TEST_CASE("'!=' is accepted") { CHECK(compiles("concern.severity != 3")); }

  TEST_CASE("unclosed string literal points at the opening quote") {
    const auto e = compile_error("concern.category == \"abc");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().column == 8 + 20);
  }

  TEST_CASE("unclosed single-quoted string is a parse error") {
    const auto e = compile_error("concern.category == 'abc");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
  }

  // BUG: src/expr.cpp lexer, string literal loop: on a backslash that is the last character
  // (`if (j + 1 >= text_.size()) break;`) the loop breaks with j < size, so the "not closed"
  // check is skipped and the literal is accepted as "abc".
  TEST_CASE("unclosed string ending in a backslash is a parse error") {
    const auto e = compile_error("concern.category == \"abc\\");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
  }

  TEST_CASE("string literal may not span lines") {
    const auto e = compile_error("concern.category == \"ab\ncd\"");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().line == 10);
  }

  TEST_CASE("unknown escape in a string literal is a parse error") {
    const auto e = compile_error("concern.category == \"a\\nb\"");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().column == 8 + 22);
  }

  TEST_CASE("escaped quotes inside a string literal are accepted") {
    CHECK(compiles("concern.category == \"a\\\"b\""));
    CHECK(compiles("concern.category == 'it\\'s'"));
  }

  TEST_CASE("trailing tokens after a complete expression are a parse error") {
    const auto e = compile_error("concern.severity > 1 2");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().column == 8 + 21);
  }

  TEST_CASE("unexpected character is a parse error") {
    const auto e = compile_error("concern.severity > 1 & true");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().column == 8 + 21);
  }

  TEST_CASE("a number running into a name is a parse error") {
    const auto e = compile_error("concern.severity > 3abc");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
  }

  TEST_CASE("a decimal point needs a digit after it") {
    const auto e = compile_error("concern.severity > 1.");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
  }

  TEST_CASE("unbalanced parentheses are a parse error") {
    CHECK(compile_error("(concern.severity > 1")->status() == Status::parse);
    CHECK(compile_error("concern.severity > 1)")->status() == Status::parse);
  }

  TEST_CASE("a bare name without entity prefix is a parse error") {
    const auto e = compile_error("severity > 1");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().column == 8);
  }

  TEST_CASE("a keyword where a value is expected is a parse error") {
    const auto e = compile_error("concern.severity > 1 and or true");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().column == 8 + 25);
  }

  TEST_CASE("'not' must be followed by 'in' after a value") {
    const auto e = compile_error("concern.category not [\"a\"]");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
  }

  TEST_CASE("lists hold literals only") {
    const auto e = compile_error("concern.severity in [concern.severity]");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().column == 8 + 21);
  }

  TEST_CASE("a list with more than 1024 items hits the limit") {
    std::string text = "concern.severity in [";
    for (int i = 0; i < 1025; ++i) text += (i ? "," : "") + std::to_string(i % 10);
    text += "]";
    const auto e = compile_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::limit);
  }

  TEST_CASE("chained comparisons are rejected at the second operator") {
    const auto e = compile_error("1 < concern.severity < 5");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().column == 8 + 21);
    CHECK(e->reason().find("chain") != std::string::npos);
  }

  TEST_CASE("chained equality is rejected") {
    const auto e = compile_error("concern.severity == 1 == true");
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
  }

  // ---- Names and scopes ----------------------------------------------------------------------

  TEST_CASE("unknown attribute is a type error at the attribute") {
    const auto e = compile_error("concern.sevrity > 1");
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().column == 8);
    CHECK(e->reason().find("concern.sevrity") != std::string::npos);
  }

  TEST_CASE("unknown attribute in the middle of an expression points at it") {
    const auto e = compile_error("concern.severity > 1 and child.shoe_size > 3");
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().column == 8 + 25);
  }

  TEST_CASE("factor attribute in a concern rule is rejected") {
    const auto e = compile_error("factor.kind == \"mentor\"", Scope::concern);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().column == 8);
    CHECK(e->reason().find("factor.kind") != std::string::npos);
  }

  TEST_CASE("concern attribute in a factor rule is rejected") {
    const auto e = compile_error("concern.severity > 2", Scope::factor);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
  }

  TEST_CASE("concern attribute in a child rule is rejected") {
    const auto e = compile_error("concern.severity > 2", Scope::child);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
  }

  TEST_CASE("child attributes are available in every scope") {
    CHECK(compiles("child.age < 5", Scope::child));
    CHECK(compiles("child.age < 5", Scope::concern));
    CHECK(compiles("child.age_months < 5", Scope::factor));
    CHECK(compiles("\"disability\" in child.flags", Scope::factor));
  }

  TEST_CASE("inside a factor aggregate, factor attributes are visible from a child rule") {
    CHECK(compiles("count(factors where factor.strength >= 3) > 0", Scope::child));
    const auto e = compile_error("count(factors where concern.severity >= 3) > 0", Scope::child);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
  }

  TEST_CASE("unknown function is a type error") {
    const auto e = compile_error("floor(concern.severity) > 1");
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().column == 8);
  }

  TEST_CASE("functions check their arity") {
    CHECK(compile_error("min(1) > 0")->status() == Status::type);
    CHECK(compile_error("abs(1, 2) > 0")->status() == Status::type);
    CHECK(compile_error("within() ")->status() == Status::type);
  }

  TEST_CASE("function arguments must be numbers") {
    const auto e = compile_error("abs(\"x\") > 0");
    REQUIRE(e);
    CHECK(e->status() == Status::type);
  }

  TEST_CASE("within() in a child rule is rejected") {
    const auto e = compile_error("within(30)", Scope::child);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().column == 8);
  }

  TEST_CASE("within() is fine in concern and factor rules and inside child aggregates") {
    CHECK(compiles("within(30)", Scope::concern));
    CHECK(compiles("within(30)", Scope::factor));
    CHECK(compiles("count(concerns where within(30)) > 0", Scope::child));
  }

  TEST_CASE("nested aggregates are rejected") {
    const auto e =
        compile_error("count(concerns where count(factors) > 0) > 0", Scope::child, Type::boolean);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().column == 8 + 21);
    CHECK(e->reason().find("nested") != std::string::npos);
  }

  TEST_CASE("aggregate needs a collection") {
    const auto e = compile_error("count(children) > 0", Scope::child);
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
  }

  TEST_CASE("sum and max need a value argument") {
    CHECK(compile_error("sum(concerns) > 0", Scope::child)->status() == Status::parse);
    CHECK(compiles("sum(concerns, concern.severity) > 0", Scope::child));
    CHECK(compiles("max(concerns, concern.severity) > 0", Scope::child));
  }

  TEST_CASE("max with two numbers is the function, not the aggregate") {
    CHECK(compiles("max(1, 2) > 0", Scope::child));
  }

  TEST_CASE("distinct_agencies over factors is rejected") {
    const auto e = compile_error("distinct_agencies(factors) > 0", Scope::child);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
  }

  TEST_CASE("the where filter must be boolean") {
    const auto e = compile_error("count(concerns where concern.severity) > 0", Scope::child);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
  }

  // ---- Type errors ---------------------------------------------------------------------------

  TEST_CASE("comparing a string with a number is a type error at the operator") {
    const auto e = compile_error("concern.category == 3");
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().column == 8 + 17);
  }

  TEST_CASE("ordering strings is a type error") {
    const auto e = compile_error("concern.category < \"b\"");
    REQUIRE(e);
    CHECK(e->status() == Status::type);
  }

  TEST_CASE("arithmetic on a boolean is a type error") {
    const auto e = compile_error("concern.restricted + 1 > 0");
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().line == 10);
  }

  TEST_CASE("negating a boolean is a type error") {
    CHECK(compile_error("-concern.restricted")->status() == Status::type);
  }

  TEST_CASE("'not' on a number is a type error") {
    CHECK(compile_error("not concern.severity")->status() == Status::type);
  }

  TEST_CASE("'and' with a number operand is a type error") {
    CHECK(compile_error("concern.severity and true")->status() == Status::type);
  }

  TEST_CASE("'in' with a number on the right is a type error at the right operand") {
    const auto e = compile_error("\"x\" in 3");
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().column == 8 + 7);
  }

  TEST_CASE("a number tested against a set is a type error") {
    CHECK(compile_error("3 in child.flags")->status() == Status::type);
  }

  TEST_CASE("list items must match the tested value's type") {
    const auto e = compile_error("concern.category in [\"a\", 2]");
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().column == 8 + 26);
  }

  TEST_CASE("booleans cannot be looked up in a list") {
    CHECK(compile_error("concern.restricted in [1]")->status() == Status::type);
  }

  TEST_CASE("a set cannot be compared with ==") {
    CHECK(compile_error("child.flags == child.flags")->status() == Status::type);
  }

  TEST_CASE("result type must match what the rule expects") {
    const auto e = compile_error("concern.severity * 2", Scope::concern, Type::boolean);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(compiles("concern.severity * 2", Scope::concern, Type::number));
    CHECK(compile_error("concern.severity > 2", Scope::concern, Type::number)->status() ==
          Status::type);
  }

  // ---- Limits and encoding -------------------------------------------------------------------

  TEST_CASE("10,000-deep parenthesis nest gives Status::limit (length limit by default)") {
    const std::string text = std::string(10000, '(') + "1" + std::string(10000, ')') + " > 0";
    const auto e = compile_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::limit);
  }

  TEST_CASE("10,000-deep parenthesis nest gives Status::limit from the depth guard") {
    const std::string text = std::string(10000, '(') + "1" + std::string(10000, ')') + " > 0";
    CompileLimits limits;
    limits.max_length = 1'000'000;
    const auto e = compile_error(text, Scope::concern, Type::boolean, kOrigin, limits);
    REQUIRE(e);
    CHECK(e->status() == Status::limit);
    CHECK(e->reason().find("nests") != std::string::npos);
  }

  TEST_CASE("10,000 nested 'not' and unary minus give Status::limit, not a crash") {
    CompileLimits limits;
    limits.max_length = 1'000'000;
    std::string nots;
    for (int i = 0; i < 10000; ++i) nots += "not ";
    nots += "true";
    CHECK(compile_error(nots, Scope::child, Type::boolean, kOrigin, limits)->status() ==
          Status::limit);
    const std::string minus = std::string(10000, '-') + "1";
    CHECK(compile_error(minus, Scope::child, Type::number, kOrigin, limits)->status() ==
          Status::limit);
  }

  TEST_CASE("moderate nesting compiles") {
    const std::string text = std::string(5, '(') + "1" + std::string(5, ')') + " > 0";
    CHECK(compiles(text));
  }

  TEST_CASE("expression longer than max_length gives Status::limit at column of origin") {
    CompileLimits limits;
    limits.max_length = 10;
    const auto e =
        compile_error("concern.severity > 1", Scope::concern, Type::boolean, kOrigin, limits);
    REQUIRE(e);
    CHECK(e->status() == Status::limit);
    CHECK(e->where().line == 10);
    CHECK(e->where().column == 8);
  }

  TEST_CASE("expression exactly at max_length compiles") {
    CompileLimits limits;
    limits.max_length = 20;
    CHECK_FALSE(
        compile_error("concern.severity > 1", Scope::concern, Type::boolean, kOrigin, limits));
  }

  TEST_CASE("stack limit gives Status::limit") {
    CompileLimits limits;
    limits.max_stack = 3;
    // Right-nested additions need one slot per level.
    const auto e = compile_error("1 + (1 + (1 + (1 + 1))) > 0", Scope::concern, Type::boolean,
                                 kOrigin, limits);
    REQUIRE(e);
    CHECK(e->status() == Status::limit);
  }

  TEST_CASE("invalid UTF-8 gives Status::encoding") {
    const auto e = compile_error("concern.category == \"\xFF\"");
    REQUIRE(e);
    CHECK(e->status() == Status::encoding);
  }

  TEST_CASE("overlong UTF-8 and surrogates give Status::encoding") {
    CHECK(compile_error("concern.category == \"\xC0\xAF\"")->status() == Status::encoding);
    CHECK(compile_error("concern.category == \"\xED\xA0\x80\"")->status() == Status::encoding);
    CHECK(compile_error("concern.category == \"\xE2\x82\"")->status() == Status::encoding);
  }

  // ---- Compiled metadata ---------------------------------------------------------------------

  TEST_CASE("compiled expression records type, source, attributes and constness") {
    SymbolTable symbols;
    const auto c = safeguard::expr::compile("concern.severity * 2 + concern.severity",
                                            Scope::concern, Type::number, symbols, kOrigin);
    CHECK(c.type == Type::number);
    CHECK(c.source == "concern.severity * 2 + concern.severity");
    REQUIRE(c.attributes.size() == 1);
    CHECK(c.attributes[0] == Attr::concern_severity);
    CHECK_FALSE(c.constant);
    const auto k =
        safeguard::expr::compile("1 + 2 > 2", Scope::concern, Type::boolean, symbols, kOrigin);
    CHECK(k.constant);
    CHECK(k.attributes.empty());
  }

  TEST_CASE("within() notes the element's age attribute") {
    SymbolTable symbols;
    const auto c =
        safeguard::expr::compile("within(30)", Scope::factor, Type::boolean, symbols, kOrigin);
    REQUIRE(c.attributes.size() == 1);
    CHECK(c.attributes[0] == Attr::factor_age_days);
  }

  TEST_CASE("aggregates are recorded with their sub-programs") {
    SymbolTable symbols;
    const auto c =
        safeguard::expr::compile("sum(concerns, concern.severity where concern.severity > 2) > 1",
                                 Scope::child, Type::boolean, symbols, kOrigin);
    REQUIRE(c.aggregates.size() == 1);
    CHECK(c.aggregates[0].kind == safeguard::expr::AggregateKind::sum);
    CHECK(c.aggregates[0].collection == safeguard::expr::Collection::concerns);
    CHECK(c.aggregates[0].filter >= 0);
    CHECK(c.aggregates[0].value >= 0);
    CHECK(c.subprograms.size() == 2);
    CHECK_FALSE(c.constant);
  }

  TEST_CASE("symbol table: fixed vocabulary first, interning is idempotent") {
    SymbolTable symbols;
    CHECK(symbols.str(0).empty());
    CHECK(symbols.find("open") == SymbolTable::kFirstStatus);
    CHECK(symbols.find("retracted") == SymbolTable::kFirstStatus + 3);
    CHECK(symbols.find("self") == SymbolTable::kFirstRole);
    CHECK(symbols.find("involved") == SymbolTable::kFirstRole + 6);
    CHECK(symbols.find("neglect") == SymbolTable::kNone);
    const auto a = symbols.intern("neglect");
    CHECK(symbols.intern("neglect") == a);
    CHECK(symbols.str(a) == "neglect");
    CHECK(symbols.size() == 1 + 4 + 7 + 1);
  }

  TEST_CASE("attribute info names and scopes") {
    CHECK(safeguard::expr::attr_info(Attr::child_age).name == "child.age");
    CHECK(safeguard::expr::attr_info(Attr::factor_strength).scope == Scope::factor);
    CHECK(safeguard::expr::attr_info(Attr::child_flags).type == Type::string_set);
    CHECK(safeguard::expr::to_string(Type::string_set) == "set of strings");
  }
}

// ---- Evaluation ------------------------------------------------------------------------------

namespace {

using safeguard::Batch;
using safeguard::CaseGraph;
using safeguard::ConcernSpec;
using safeguard::ConcernStatus;
using safeguard::Day;
using safeguard::PersonKind;
using safeguard::RelationKind;
using safeguard::Role;
using safeguard::Snapshot;
using safeguard::expr::EvalContext;
using safeguard::expr::Value;

constexpr Day kAsOf = 20000;

ConcernSpec concern(const std::string& id, const std::string& category, int severity, Day recorded,
                    const std::string& source, std::vector<std::string> about,
                    ConcernStatus status = ConcernStatus::open, Day incident = safeguard::kNoDay) {
  ConcernSpec c;
  c.id = id;
  c.category = category;
  c.severity = severity;
  c.recorded = recorded;
  c.incident = incident;
  c.source = source;
  c.about = std::move(about);
  c.status = status;
  return c;
}

// A small family as of day 20000:
//   mum (adult, household h1) is parent of c1 and c2; c1 and c2 are siblings; c1 is in h1 and
//   has the flag "disability"; c9 is an unrelated child with no date of birth.
// Concerns about c1 visible as of 20000: k1 (neglect, 3, age 100, police), k2 (physical_injury,
//   5, incident age 20, school), k5 (domestic_abuse, 2, age 5, police; also about c2), k8
//   (neglect, 1, closed, age 1000, school). Invisible: k3 (recorded after as_of), k4 (retracted).
// Others: k6 about c2 (missing_episode, 4, age 30, health), k7 about mum (substance_misuse, 3,
//   age 40, health), k9 about c9 (neglect, 2, age 10, police).
// Factors for c1: f1 (protective_adult, 3, start 19500), f2 (mentor, 2, no start date),
//   f3 (mentor, 4, starts after as_of: invisible).
struct Family {
  CaseGraph graph;
  std::shared_ptr<const Snapshot> snap;
  SymbolTable symbols;

  Family() {
    Batch b;
    b.add(safeguard::AgencySpec{"police", "police", "Police"});
    b.add(safeguard::AgencySpec{"school", "school", "School"});
    b.add(safeguard::AgencySpec{"health", "health", "GP"});
    b.add(safeguard::HouseholdSpec{"h1"});
    b.add(safeguard::PersonSpec{"mum", PersonKind::adult, 5000, {}, "h1"});
    b.add(safeguard::PersonSpec{"c1", PersonKind::child, 17000, {"disability"}, "h1"});
    b.add(safeguard::PersonSpec{"c2", PersonKind::child, 18000, {}, ""});
    b.add(safeguard::PersonSpec{"c9", PersonKind::child, safeguard::kNoDay, {}, ""});
    b.add(safeguard::RelationSpec{RelationKind::parent_of, "mum", "c1"});
    b.add(safeguard::RelationSpec{RelationKind::parent_of, "mum", "c2"});
    b.add(safeguard::RelationSpec{RelationKind::sibling_of, "c1", "c2"});
    b.add(concern("k1", "neglect", 3, kAsOf - 100, "police", {"c1"}));
    b.add(concern("k2", "physical_injury", 5, kAsOf - 10, "school", {"c1"}, ConcernStatus::open,
                  kAsOf - 20));
    b.add(concern("k3", "neglect", 2, kAsOf + 10, "health", {"c1"}));
    b.add(concern("k4", "neglect", 4, kAsOf - 50, "health", {"c1"}));
    b.add(concern("k5", "domestic_abuse", 2, kAsOf - 5, "police", {"c1", "c2"}));
    b.add(concern("k6", "missing_episode", 4, kAsOf - 30, "health", {"c2"}));
    b.add(concern("k7", "substance_misuse", 3, kAsOf - 40, "health", {"mum"}));
    b.add(concern("k8", "neglect", 1, kAsOf - 1000, "school", {"c1"}, ConcernStatus::closed));
    b.add(concern("k9", "neglect", 2, kAsOf - 10, "police", {"c9"}));
    safeguard::FactorSpec f1;
    f1.id = "f1";
    f1.kind = "protective_adult";
    f1.strength = 3;
    f1.start = 19500;
    f1.protects = {"c1"};
    safeguard::FactorSpec f2 = f1;
    f2.id = "f2";
    f2.kind = "mentor";
    f2.strength = 2;
    f2.start = safeguard::kNoDay;
    safeguard::FactorSpec f3 = f2;
    f3.id = "f3";
    f3.strength = 4;
    f3.start = kAsOf + 1;
    b.add(f1).add(f2).add(f3);
    graph.apply(b);
    Batch retract;
    retract.add(safeguard::RetractConcern{"k4"});
    graph.apply(retract);
    snap = safeguard::take_snapshot(graph);
  }

  std::uint32_t slot(const std::string& id) const {
    const auto v = graph.find(id);
    REQUIRE(v);
    return snap->vertex_slot[*v];
  }

  struct Result {
    Value value;
    int missing = -1;
  };

  // Compiles and evaluates `text` for child `child` (and concern or factor `element`).
  Result eval(const std::string& text, Type type, Scope scope = Scope::child,
              const std::string& child = "c1", const std::string& element = "", int age_years = 5,
              Role path = Role::self) {
    const auto compiled = safeguard::expr::compile(text, scope, type, symbols, kOrigin);
    // Map snapshot symbols into pack symbols after compiling (compiling interns literals).
    std::vector<std::uint32_t> map(snap->symbols.size());
    for (std::size_t s = 0; s < snap->symbols.size(); ++s) {
      const auto found = symbols.find(snap->symbols[s]);
      map[s] = found != SymbolTable::kNone ? found : static_cast<std::uint32_t>(symbols.size() + s);
    }
    EvalContext ctx;
    ctx.snapshot = snap.get();
    ctx.symbol_map = map.data();
    ctx.as_of = kAsOf;
    ctx.child = slot(child);
    if (scope == Scope::concern) ctx.concern = slot(element);
    if (scope == Scope::factor) ctx.factor = slot(element);
    ctx.path = path;
    ctx.child_age_years = age_years;
    ctx.child_age_months = age_years < 0 ? -1 : age_years * 12;
    ctx.missing = -1;
    Result r;
    r.value = safeguard::expr::evaluate(compiled, ctx);
    r.missing = ctx.missing;
    return r;
  }

  double number(const std::string& text, const std::string& child = "c1") {
    const Result r = eval(text, Type::number, Scope::child, child);
    REQUIRE(r.value.known);
    return r.value.number;
  }

  bool truth(const std::string& text, Scope scope = Scope::child, const std::string& element = "",
             Role path = Role::self) {
    const Result r = eval(text, Type::boolean, scope, "c1", element, 5, path);
    REQUIRE(r.value.known);
    return r.value.number != 0;
  }
};

}  // namespace

TEST_SUITE("unit/expr") {
  TEST_CASE("evaluation: arithmetic precedence and associativity") {
    Family f;
    CHECK(f.number("1 + 2 * 3") == 7);
    CHECK(f.number("(1 + 2) * 3") == 9);
    CHECK(f.number("10 / 4") == 2.5);
    CHECK(f.number("7 - 2 - 1") == 4);
    CHECK(f.number("16 / 4 / 2") == 2);
    CHECK(f.number("-3 + 1") == -2);
    CHECK(f.number("- -3") == 3);
    CHECK(f.number("2 * -3") == -6);
    CHECK(f.number("0.5 + 0.25") == 0.75);
  }

  TEST_CASE("evaluation: min, max and abs") {
    Family f;
    CHECK(f.number("min(2, 7)") == 2);
    CHECK(f.number("max(2, 7)") == 7);
    CHECK(f.number("abs(-4.5)") == 4.5);
    CHECK(f.number("abs(3)") == 3);
    CHECK(f.number("min(max(1, 5), 3)") == 3);
  }

  TEST_CASE("evaluation: division by zero gives unknown") {
    Family f;
    const auto r = f.eval("1 / 0", Type::number);
    CHECK_FALSE(r.value.known);
    const auto s = f.eval("concern.severity / (concern.severity - 3)", Type::number, Scope::concern,
                          "c1", "k1");
    CHECK_FALSE(s.value.known);
    const auto t = f.eval("1 / 0 > 0 or true", Type::boolean);
    REQUIRE(t.value.known);
    CHECK(t.value.number == 1);
  }

  TEST_CASE("evaluation: unknown propagates through arithmetic and functions") {
    Family f;
    CHECK_FALSE(f.eval("1 / 0 + 1", Type::number).value.known);
    CHECK_FALSE(f.eval("abs(1 / 0)", Type::number).value.known);
    CHECK_FALSE(f.eval("min(1 / 0, 2)", Type::number).value.known);
    CHECK_FALSE(f.eval("-(1 / 0)", Type::number).value.known);
  }

  TEST_CASE("evaluation: numeric comparisons") {
    Family f;
    CHECK(f.truth("2 >= 2"));
    CHECK_FALSE(f.truth("2 > 2"));
    CHECK(f.truth("1 < 2"));
    CHECK(f.truth("2 <= 2"));
    CHECK_FALSE(f.truth("1 != 1"));
    CHECK(f.truth("1 == 1.0"));
    CHECK(f.truth("0.1 + 0.2 != 0.3"));
  }

  TEST_CASE("evaluation: concern attributes") {
    Family f;
    CHECK(f.eval("concern.severity", Type::number, Scope::concern, "c1", "k1").value.number == 3);
    CHECK(f.truth("concern.category == \"neglect\"", Scope::concern, "k1"));
    CHECK_FALSE(f.truth("concern.category == \"physical_injury\"", Scope::concern, "k1"));
    CHECK(f.truth("concern.category != 'physical_injury'", Scope::concern, "k1"));
    CHECK(f.truth("concern.source_type == \"police\"", Scope::concern, "k1"));
    CHECK(f.truth("concern.source_type == \"school\"", Scope::concern, "k2"));
    CHECK(f.truth("concern.status == \"open\"", Scope::concern, "k1"));
    CHECK(f.truth("concern.status == \"closed\"", Scope::concern, "k8"));
    CHECK_FALSE(f.truth("concern.restricted", Scope::concern, "k1"));
  }

  TEST_CASE("evaluation: concern.age_days uses the incident date when known") {
    Family f;
    CHECK(f.eval("concern.age_days", Type::number, Scope::concern, "c1", "k1").value.number == 100);
    CHECK(f.eval("concern.age_days", Type::number, Scope::concern, "c1", "k2").value.number == 20);
  }

  TEST_CASE("evaluation: within() is inclusive of both ends") {
    Family f;
    CHECK(f.truth("within(20)", Scope::concern, "k2"));
    CHECK_FALSE(f.truth("within(19)", Scope::concern, "k2"));
    CHECK(f.truth("within(100)", Scope::concern, "k1"));
  }

  TEST_CASE("evaluation: concern.path reflects the path role") {
    Family f;
    CHECK(f.truth("concern.path == \"sibling\"", Scope::concern, "k6", Role::sibling));
    CHECK(f.truth("concern.path == \"self\"", Scope::concern, "k1", Role::self));
    CHECK(f.truth("concern.path in [\"carer\", \"household\"]", Scope::concern, "k7", Role::carer));
  }

  TEST_CASE("evaluation: string literal not in the case data never equals a case string") {
    Family f;
    CHECK_FALSE(f.truth("concern.category == \"sexual_abuse\"", Scope::concern, "k1"));
    CHECK_FALSE(f.truth("concern.category in [\"sexual_abuse\", \"\"]", Scope::concern, "k1"));
  }

  TEST_CASE("evaluation: 'in' and 'not in' lists") {
    Family f;
    CHECK(f.truth("concern.severity in [1, 3, 5]", Scope::concern, "k1"));
    CHECK_FALSE(f.truth("concern.severity in [2, 4]", Scope::concern, "k1"));
    CHECK(f.truth("concern.severity not in [2, 4]", Scope::concern, "k1"));
    CHECK(f.truth("concern.category in [\"x\", \"neglect\"]", Scope::concern, "k1"));
    CHECK_FALSE(f.truth("concern.category not in [\"x\", \"neglect\"]", Scope::concern, "k1"));
    CHECK(f.truth("-1 in [-1, 2]"));
    CHECK(f.truth("2.5 in [2.5]"));
  }

  TEST_CASE("evaluation: child.flags membership") {
    Family f;
    CHECK(f.truth("\"disability\" in child.flags"));
    CHECK_FALSE(f.truth("\"looked_after\" in child.flags"));
    CHECK_FALSE(f.truth("\"disability\" not in child.flags"));
    CHECK(f.truth("\"looked_after\" not in child.flags"));
    const auto c2 = f.eval("\"disability\" in child.flags", Type::boolean, Scope::child, "c2");
    REQUIRE(c2.value.known);
    CHECK(c2.value.number == 0);
  }

  TEST_CASE("evaluation: a case string spelt like a concern status does not clash") {
    // "open" is both a fixed-vocabulary symbol and nothing in the case data; the category
    // "neglect" must not compare equal to the status literal.
    Family f;
    CHECK_FALSE(f.truth("concern.category == \"open\"", Scope::concern, "k1"));
  }

  TEST_CASE("evaluation: boolean operators on known values") {
    Family f;
    CHECK(f.truth("true and true"));
    CHECK_FALSE(f.truth("true and false"));
    CHECK(f.truth("false or true"));
    CHECK_FALSE(f.truth("false or false"));
    CHECK(f.truth("not false"));
    CHECK(f.truth("not not true"));
    // 'and' binds tighter than 'or'.
    CHECK(f.truth("true or false and false"));
    CHECK_FALSE(f.truth("(true or false) and false"));
  }

  TEST_CASE("Kleene: unknown and false is false (known)") {
    Family f;
    const auto r = f.eval("child.age < 5 and false", Type::boolean, Scope::child, "c9", "", -1);
    REQUIRE(r.value.known);
    CHECK(r.value.number == 0);
    const auto s = f.eval("false and child.age < 5", Type::boolean, Scope::child, "c9", "", -1);
    REQUIRE(s.value.known);
    CHECK(s.value.number == 0);
  }

  TEST_CASE("Kleene: unknown or true is true (known)") {
    Family f;
    const auto r = f.eval("child.age < 5 or true", Type::boolean, Scope::child, "c9", "", -1);
    REQUIRE(r.value.known);
    CHECK(r.value.number == 1);
    const auto s = f.eval("true or child.age < 5", Type::boolean, Scope::child, "c9", "", -1);
    REQUIRE(s.value.known);
    CHECK(s.value.number == 1);
  }

  TEST_CASE("Kleene: unknown and true is unknown") {
    Family f;
    const auto r = f.eval("child.age < 5 and true", Type::boolean, Scope::child, "c9", "", -1);
    CHECK_FALSE(r.value.known);
  }

  TEST_CASE("Kleene: unknown or false is unknown, and not unknown is unknown") {
    Family f;
    CHECK_FALSE(
        f.eval("child.age < 5 or false", Type::boolean, Scope::child, "c9", "", -1).value.known);
    CHECK_FALSE(
        f.eval("not (child.age < 5)", Type::boolean, Scope::child, "c9", "", -1).value.known);
    CHECK_FALSE(f.eval("child.age < 5 and child.age > 1", Type::boolean, Scope::child, "c9", "", -1)
                    .value.known);
  }

  TEST_CASE("Kleene: unknown in a list is unknown") {
    Family f;
    CHECK_FALSE(
        f.eval("child.age in [1, 2]", Type::boolean, Scope::child, "c9", "", -1).value.known);
    CHECK_FALSE(
        f.eval("child.age not in [1, 2]", Type::boolean, Scope::child, "c9", "", -1).value.known);
  }

  TEST_CASE("unknown child.age sets ctx.missing to the attribute") {
    Family f;
    const auto r = f.eval("child.age < 5", Type::boolean, Scope::child, "c9", "", -1);
    CHECK_FALSE(r.value.known);
    CHECK(r.missing == static_cast<int>(Attr::child_age));
    const auto m = f.eval("child.age_months < 5", Type::boolean, Scope::child, "c9", "", -1);
    CHECK(m.missing == static_cast<int>(Attr::child_age_months));
  }

  TEST_CASE("known child.age leaves ctx.missing at -1") {
    Family f;
    const auto r = f.eval("child.age < 5", Type::boolean, Scope::child, "c1", "", 3);
    REQUIRE(r.value.known);
    CHECK(r.value.number == 1);
    CHECK(r.missing == -1);
    const auto m = f.eval("child.age_months", Type::number, Scope::child, "c1", "", 3);
    CHECK(m.value.number == 36);
  }

  TEST_CASE("factor attributes: strength, kind, active and unknown age") {
    Family f;
    CHECK(f.eval("factor.strength", Type::number, Scope::factor, "c1", "f1").value.number == 3);
    CHECK(f.truth("factor.kind == \"protective_adult\"", Scope::factor, "f1"));
    CHECK(f.truth("factor.active", Scope::factor, "f1"));
    CHECK(f.eval("factor.age_days", Type::number, Scope::factor, "c1", "f1").value.number == 500);
    const auto r = f.eval("factor.age_days", Type::number, Scope::factor, "c1", "f2");
    CHECK_FALSE(r.value.known);
    CHECK(r.missing == static_cast<int>(Attr::factor_age_days));
    CHECK_FALSE(f.truth("factor.active", Scope::factor, "f3"));
  }

  TEST_CASE("within() on a factor with no start date is unknown") {
    Family f;
    CHECK_FALSE(f.eval("within(30)", Type::boolean, Scope::factor, "c1", "f2").value.known);
    CHECK(f.truth("within(500)", Scope::factor, "f1"));
    CHECK_FALSE(f.truth("within(499)", Scope::factor, "f1"));
  }

  // ---- Aggregates --------------------------------------------------------------------------

  TEST_CASE("count(concerns) sees only visible concerns about the child") {
    Family f;
    // k1, k2, k5, k8: k3 is recorded after as_of, k4 is retracted, k6/k7/k9 are about others.
    CHECK(f.number("count(concerns)") == 4);
  }

  TEST_CASE("a concern recorded after as_of is invisible") {
    Family f;
    CHECK(f.number("count(concerns where concern.age_days < 0)") == 0);
    // k3 is the only concern with severity 2 about c1 apart from k5 (age 5).
    CHECK(f.number("count(concerns where concern.severity == 2)") == 1);
  }

  TEST_CASE("a retracted concern is invisible") {
    Family f;
    // k4 (severity 4, retracted) is the only severity-4 concern about c1.
    CHECK(f.number("count(concerns where concern.severity == 4)") == 0);
    CHECK(f.number("count(concerns where concern.status == \"retracted\")") == 0);
  }

  TEST_CASE("count with filters") {
    Family f;
    CHECK(f.number("count(concerns where concern.category == \"neglect\")") == 2);
    CHECK(f.number("count(concerns where within(30))") == 2);
    CHECK(f.number("count(concerns where concern.status == \"open\")") == 3);
    CHECK(f.number("count(concerns where concern.category == \"nothing\")") == 0);
  }

  TEST_CASE("sum and max over concerns") {
    Family f;
    CHECK(f.number("sum(concerns, concern.severity)") == 3 + 5 + 2 + 1);
    CHECK(f.number("sum(concerns, concern.severity * 2 where concern.severity >= 3)") == 16);
    CHECK(f.number("max(concerns, concern.severity)") == 5);
    CHECK(f.number("max(concerns, concern.severity where concern.category == \"neglect\")") == 3);
    CHECK(f.number("sum(concerns, concern.severity where false)") == 0);
  }

  TEST_CASE("distinct_agencies counts each source agency once") {
    Family f;
    CHECK(f.number("distinct_agencies(concerns)") == 2);  // police, school
    CHECK(f.number("distinct_agencies(concerns where concern.category == \"neglect\")") == 2);
    CHECK(f.number("distinct_agencies(concerns where concern.severity >= 3)") == 2);
    CHECK(f.number("distinct_agencies(concerns where concern.severity == 3)") == 1);
  }

  TEST_CASE("days_since_last gives the age of the most recent matching concern") {
    Family f;
    CHECK(f.number("days_since_last(concerns)") == 5);
    CHECK(f.number("days_since_last(concerns where concern.category == \"neglect\")") == 100);
  }

  TEST_CASE("days_since_last with nothing matching is unknown") {
    Family f;
    const auto r =
        f.eval("days_since_last(concerns where concern.category == \"x\")", Type::number);
    CHECK_FALSE(r.value.known);
    const auto s = f.eval("days_since_last(concerns where concern.category == \"x\") < 30 or true",
                          Type::boolean);
    REQUIRE(s.value.known);
    CHECK(s.value.number == 1);
  }

  TEST_CASE("aggregate filter with unknowns drops elements without setting missing") {
    Family f;
    const auto r =
        f.eval("count(concerns where child.age < 5)", Type::number, Scope::child, "c9", "", -1);
    REQUIRE(r.value.known);
    CHECK(r.value.number == 0);
    CHECK(r.missing == -1);
  }

  TEST_CASE("aggregate from a concern rule keeps the rule's own concern afterwards") {
    Family f;
    // After the aggregate visits other concerns, concern.severity must again read k1.
    const auto r =
        f.eval("count(concerns) * 10 + concern.severity", Type::number, Scope::concern, "c1", "k1");
    REQUIRE(r.value.known);
    CHECK(r.value.number == 43);
  }

  TEST_CASE("family_concerns reaches a sibling's and a carer's concern once each") {
    Family f;
    // c1's own: k1, k2, k5, k8; sibling c2's: k5 (already counted), k6; mum's: k7.
    CHECK(f.number("count(family_concerns)") == 6);
    CHECK(f.number("count(family_concerns where concern.category == \"missing_episode\")") == 1);
    CHECK(f.number("count(family_concerns where concern.category == \"substance_misuse\")") == 1);
  }

  TEST_CASE("family_concerns does not double count a concern about two siblings") {
    Family f;
    CHECK(f.number("count(family_concerns where concern.category == \"domestic_abuse\")") == 1);
    CHECK(f.number("count(family_concerns where concern.category == \"domestic_abuse\")", "c2") ==
          1);
    CHECK(f.number("sum(family_concerns, concern.severity)") == 3 + 5 + 2 + 1 + 4 + 3);
  }

  TEST_CASE("family_concerns path: the child's own first, then sibling, then carer") {
    Family f;
    CHECK(f.number("count(family_concerns where concern.path == \"self\")") == 4);
    CHECK(f.number("count(family_concerns where concern.path == \"sibling\")") == 1);
    CHECK(f.number("count(family_concerns where concern.path == \"carer\")") == 1);
  }

  TEST_CASE("family_concerns from the sibling's side") {
    Family f;
    // c2's own: k5, k6; sibling c1's: k1, k2, k8 (k5 already); mum's: k7.
    CHECK(f.number("count(family_concerns)", "c2") == 6);
    CHECK(f.number("count(concerns)", "c2") == 2);
    CHECK(f.number("distinct_agencies(family_concerns)", "c2") == 3);
  }

  TEST_CASE("family_concerns respects visibility and leaves out unrelated children") {
    Family f;
    CHECK(f.number("count(family_concerns where concern.status == \"retracted\")") == 0);
    CHECK(f.number("count(family_concerns where concern.age_days < 0)") == 0);
    CHECK(f.number("count(family_concerns)", "c9") == 1);
  }

  TEST_CASE("distinct_agencies over family_concerns") {
    Family f;
    CHECK(f.number("distinct_agencies(family_concerns)") == 3);
    CHECK(f.number("distinct_agencies(family_concerns where within(30))") == 3);
    CHECK(f.number("distinct_agencies(family_concerns where within(20))") == 2);
  }

  TEST_CASE("distinct_categories counts each concern category once") {
    Family f;
    // c1's visible concerns: k1 neglect, k2 physical_injury, k5 domestic_abuse, k8 neglect
    // (closed); k3 is recorded after as_of and k4 is retracted.
    CHECK(f.number("distinct_categories(concerns)") == 3);
    CHECK(f.number("distinct_categories(concerns where concern.category == \"neglect\")") == 1);
    CHECK(f.number("distinct_categories(concerns where concern.category in [\"neglect\", "
                   "\"domestic_abuse\", \"absent\"])") == 2);
    CHECK(f.number("distinct_categories(concerns where within(30))") == 2);
    // c2's circle: own k5 domestic_abuse, k6 missing_episode; sibling's k1, k2, k8; mum's k7.
    CHECK(f.number("distinct_categories(family_concerns)", "c2") == 5);
    CHECK(f.number("distinct_categories(concerns where false)") == 0);
  }

  TEST_CASE("distinct_categories over factors is rejected") {
    const auto e = compile_error("distinct_categories(factors) > 0", Scope::child);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->reason().find("concern collection") != std::string::npos);
  }

  TEST_CASE("aggregates over factors") {
    Family f;
    // f1 and f2 are visible; f3 starts after as_of.
    CHECK(f.number("count(factors)") == 2);
    CHECK(f.number("sum(factors, factor.strength)") == 5);
    CHECK(f.number("count(factors where factor.kind == \"mentor\")") == 1);
    CHECK(f.number("days_since_last(factors)") == 500);
    CHECK(f.number("max(factors, factor.strength)") == 3);
  }

  TEST_CASE("aggregates with no elements: count and sum are 0") {
    Family f;
    CHECK(f.number("count(factors)", "c9") == 0);
    CHECK(f.number("sum(factors, factor.strength)", "c9") == 0);
    CHECK_FALSE(f.eval("days_since_last(factors)", Type::number, Scope::child, "c9").value.known);
  }
}

TEST_SUITE("unit/expr") {
  // BUG: src/expr.cpp run_aggregate, distinct_agencies: agencies past the 64-slot array are
  // counted by `agency_overflow += 1` for every concern whose agency is not among the first 64
  // kept, so a 65th agency that raised two concerns is counted twice (66 instead of 65). The
  // comment there claims the count stays exact past capacity.
  TEST_CASE("distinct_agencies stays exact past 64 agencies") {
    CaseGraph graph;
    Batch b;
    b.add(safeguard::PersonSpec{"c1", PersonKind::child, 17000, {}, ""});
    for (int a = 0; a < 65; ++a) {
      const std::string agency = "a" + std::to_string(a);
      b.add(safeguard::AgencySpec{agency, "school", "School"});
      b.add(concern(agency + "-x", "neglect", 1, kAsOf - 1, agency, {"c1"}));
      b.add(concern(agency + "-y", "neglect", 1, kAsOf - 1, agency, {"c1"}));
    }
    graph.apply(b);
    const auto snap = safeguard::take_snapshot(graph);
    SymbolTable symbols;
    const auto compiled = safeguard::expr::compile("distinct_agencies(concerns)", Scope::child,
                                                   Type::number, symbols, kOrigin);
    std::vector<std::uint32_t> map(snap->symbols.size());
    for (std::size_t s = 0; s < map.size(); ++s) {
      const auto found = symbols.find(snap->symbols[s]);
      map[s] = found != SymbolTable::kNone ? found : static_cast<std::uint32_t>(symbols.size() + s);
    }
    EvalContext ctx;
    ctx.snapshot = snap.get();
    ctx.symbol_map = map.data();
    ctx.as_of = kAsOf;
    ctx.child = snap->vertex_slot[*graph.find("c1")];
    const Value v = safeguard::expr::evaluate(compiled, ctx);
    REQUIRE(v.known);
    CHECK(v.number == 65);
  }

  TEST_CASE("distinct_agencies is exact with many concerns from few agencies") {
    CaseGraph graph;
    Batch b;
    b.add(safeguard::PersonSpec{"c1", PersonKind::child, 17000, {}, ""});
    for (int a = 0; a < 3; ++a) {
      const std::string agency = "a" + std::to_string(a);
      b.add(safeguard::AgencySpec{agency, "school", "School"});
      for (int k = 0; k < 30; ++k) {
        b.add(concern(agency + "-" + std::to_string(k), "neglect", 1, kAsOf - 1, agency, {"c1"}));
      }
    }
    graph.apply(b);
    const auto snap = safeguard::take_snapshot(graph);
    SymbolTable symbols;
    const auto compiled = safeguard::expr::compile("distinct_agencies(concerns)", Scope::child,
                                                   Type::number, symbols, kOrigin);
    std::vector<std::uint32_t> map(snap->symbols.size(), 0);
    EvalContext ctx;
    ctx.snapshot = snap.get();
    ctx.symbol_map = map.data();
    ctx.as_of = kAsOf;
    ctx.child = snap->vertex_slot[*graph.find("c1")];
    const Value v = safeguard::expr::evaluate(compiled, ctx);
    REQUIRE(v.known);
    CHECK(v.number == 3);
  }

  TEST_CASE("distinct_categories stays exact past 64 categories") {
    CaseGraph graph;
    Batch b;
    b.add(safeguard::PersonSpec{"c1", PersonKind::child, 17000, {}, ""});
    b.add(safeguard::AgencySpec{"a0", "school", "School"});
    // 70 categories, each recorded twice: the ones past the 64-slot array must count once.
    for (int k = 0; k < 70; ++k) {
      const std::string category = "cat" + std::to_string(k);
      b.add(concern(category + "-x", category, 1, kAsOf - 1, "a0", {"c1"}));
      b.add(concern(category + "-y", category, 1, kAsOf - 2, "a0", {"c1"}));
    }
    graph.apply(b);
    const auto snap = safeguard::take_snapshot(graph);
    SymbolTable symbols;
    const auto compiled = safeguard::expr::compile("distinct_categories(concerns)", Scope::child,
                                                   Type::number, symbols, kOrigin);
    std::vector<std::uint32_t> map(snap->symbols.size(), 0);
    EvalContext ctx;
    ctx.snapshot = snap.get();
    ctx.symbol_map = map.data();
    ctx.as_of = kAsOf;
    ctx.child = snap->vertex_slot[*graph.find("c1")];
    const Value v = safeguard::expr::evaluate(compiled, ctx);
    REQUIRE(v.known);
    CHECK(v.number == 70);
  }
}
