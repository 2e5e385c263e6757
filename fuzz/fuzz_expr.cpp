// Fuzzes the rule expression language twice over: the C++ compiler (safeguard::expr::compile)
// for every scope and result type, and — when the text compiles — a one-rule pack built around
// it, assessed against a small case so the compiled program is evaluated over real evidence.
// The first input byte picks the scope and where the expression goes (condition or points);
// the rest is the expression. Invariants: no crash or sanitizer report; compile errors are
// safeguard::Error with a line and column; an expression that compiles also loads in a pack,
// unless it is a constant without a finite value (or points past the bound), or it names a
// level or an adult index the pack does not have (adult_level_at_least, adult_score): both
// are pack-level checks the loader makes, and the compiler cannot.
#include <safeguard/expr.hpp>
#include <safeguard/io.hpp>
#include <safeguard/rules.hpp>

#include "fuzz_common.hpp"
#include "interpreter.hpp"  // private (src/): the compiler itself

namespace {

using safeguard::expr::Scope;
using safeguard::expr::Type;

const safeguard::CaseGraph& case_graph() {
  static const safeguard::CaseGraph graph = [] {
    safeguard::CaseGraph g;
    safeguard::load_case(g, fuzz::base_case(), "base");
    return g;
  }();
  return graph;
}

// The expression as a TOML basic string.
std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04X", c);
      out += escape;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string one_rule_pack(const std::string& expression, Scope scope, bool as_points) {
  const char* scope_name = scope == Scope::child     ? "child"
                           : scope == Scope::concern ? "concern"
                                                     : "factor";
  std::string pack =
      "[pack]\nid = \"fuzz\"\nversion = \"1\"\n"
      "[[level]]\nid = \"low\"\nmin = 0\n[[level]]\nid = \"high\"\nmin = 5\n"
      "[[index]]\nid = \"risk\"\n"
      "[[index]]\nid = \"checklist\"\nsubject = \"adult\"\n"
      "[[rule]]\nid = \"r\"\nindex = \"risk\"\nheading = \"harm\"\nfor = \"" +
      std::string(scope_name) + "\"\n";
  if (as_points) {
    pack += "points = " + toml_string(expression) + "\n";
  } else {
    pack += "when = " + toml_string(expression) + "\npoints = 1\n";
  }
  if (scope == Scope::child && !as_points) {
    pack += "[[override]]\nid = \"o\"\nreason = \"fuzz\"\nmin_level = \"high\"\nwhen = " +
            toml_string(expression) + "\n";
  }
  return pack;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t choice = data[0];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const Scope scope = static_cast<Scope>(choice % 3);
  const bool as_points = (choice / 3) % 2 == 1;

  bool compiled = false, constant = false, names_missing = false;
  for (Type type : {Type::boolean, Type::number}) {
    safeguard::expr::SymbolTable symbols;
    try {
      const safeguard::expr::Compiled program =
          safeguard::expr::compile(text, scope, type, symbols, safeguard::Location{"fuzz", 1, 1});
      fuzz::check(program.type == type, "compiled to the wrong type");
      if (type == (as_points ? Type::number : Type::boolean)) {
        compiled = true;
        constant = program.constant;
        // The one-rule pack has levels low and high and one adult index, checklist.
        for (std::uint32_t level : program.adult_levels) {
          const std::string_view id = symbols.str(level);
          if (id != "low" && id != "high") names_missing = true;
        }
        for (std::uint32_t index : program.adult_indices)
          if (symbols.str(index) != "checklist") names_missing = true;
      }
    } catch (const safeguard::Error& e) {
      fuzz::check(e.status() != safeguard::Status::ok && e.status() != safeguard::Status::internal,
                  "compile failed with an unexpected status", e.what());
      fuzz::check(e.where().line >= 1 && e.where().column >= 1, "compile error without a place",
                  e.what());
    }
  }
  if (!compiled) return 0;

  std::shared_ptr<const safeguard::RuleSet> pack;
  try {
    pack = safeguard::RuleSet::load_string(one_rule_pack(text, scope, as_points), "fuzz.toml");
  } catch (const safeguard::Error& e) {
    // The refusals a compiled expression may meet: a constant with no finite value, or
    // constant points past the bound (docs/rules.md, "Missing data"); a level or adult index
    // the pack does not declare.
    if ((constant || names_missing) && e.status() == safeguard::Status::invalid_data) return 0;
    fuzz::die("an expression that compiles does not load in a rule pack", e.what());
  }
  safeguard::AssessOptions options;
  std::string date_error;
  safeguard::parse_iso_date("2026-11-01", options.as_of, date_error);
  const safeguard::Results results =
      safeguard::assess(pack, safeguard::take_snapshot(case_graph()), options);
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    safeguard::explain(results, row, safeguard::ExplainFormat::json);
  }
  return 0;
}
