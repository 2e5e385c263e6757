// The rule expression language: parse, type-check and compile once at load time into a flat
// stack program; evaluate that program over a snapshot's columns without touching the heap.
// This header is what a host sees of it: the types and attributes an expression may have, the
// pack's symbol table and an Expression as a rule pack holds it. The interpreter itself (its
// instructions, programs and evaluation context) is the library's own: src/interpreter.hpp.
//
// The language is small on purpose: literals, attributes, comparison, and/or/not, `in [...]`,
// arithmetic, and bounded aggregates over one child's evidence. No loops, no I/O, no recursion
// at run time. docs/rules.md is the reference.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/detail/interner.hpp"
#include "safeguard/error.hpp"

namespace safeguard::expr {

enum class Type : std::uint8_t { boolean, number, string, string_set };
SAFEGUARD_EXPORT std::string_view to_string(Type type) noexcept;

// What a rule ranges over; decides which attributes an expression may read.
enum class Scope : std::uint8_t { child, concern, factor };

enum class Attr : std::uint8_t {
  child_age,
  child_age_months,
  child_flags,
  concern_category,
  concern_severity,
  concern_status,
  concern_restricted,
  concern_source_type,
  concern_age_days,
  concern_path,
  factor_kind,
  factor_strength,
  factor_active,
  factor_age_days,
  factor_path,
  timeline_overdue,
  timeline_late,
  timeline_due,
  timeline_max_overdue_days,
  timeline_review_overdue,
  timeline_on_plan,
  timeline_not_required,
  timeline_looked_after,
  timeline_re_referral,
  timeline_plans,
  timeline_subsequent_plan,
  timeline_days_since_review,
  timeline_missed,
  timeline_not_recorded,
};

struct AttrInfo {
  std::string_view name;  // as written: "child.age"
  Scope scope;
  Type type;
};
SAFEGUARD_EXPORT const AttrInfo& attr_info(Attr attr) noexcept;

// Interned string literals of a rule pack. The first symbols are the fixed vocabulary
// (statuses, roles) so loads of those attributes need no lookup.
class SAFEGUARD_EXPORT SymbolTable {
 public:
  SymbolTable();
  std::uint32_t intern(std::string_view text) { return interner_.intern(text); }
  std::uint32_t find(std::string_view text) const {
    return interner_.find(text);
  }  // kNone if absent
  std::string_view str(std::uint32_t symbol) const { return interner_.str(symbol); }
  std::size_t size() const noexcept { return interner_.size(); }
  static constexpr std::uint32_t kNone = detail::Interner::kMissing;
  static constexpr std::uint32_t kFirstStatus = 1;
  static constexpr std::uint32_t kFirstRole = kFirstStatus + 4;

 private:
  detail::Interner interner_;  // the graph's interner too: one implementation
};

struct CompileLimits {
  std::size_t max_length = 4096;
  int max_depth = 48;
  int max_stack = 64;
};

// A compiled program (src/interpreter.hpp).
struct Compiled;

// An expression of a rule pack as the pack holds it: compiled once when the pack loads, shared
// by every copy, never changed after. What it says is source(); how it runs is the library's.
class SAFEGUARD_EXPORT Expression {
 public:
  Expression() = default;
  explicit Expression(Compiled compiled);

  // The text as the pack wrote it ("" for a default-constructed expression).
  const std::string& source() const noexcept;
  Type type() const noexcept;
  // No attribute or aggregate: the same value for every child.
  bool constant() const noexcept;
  // Reads concern.status outside aggregates: a concern rule whose condition does not sees
  // only open and closed concerns (docs/rules.md, "Which concerns count").
  bool reads_status() const noexcept;
  // Every attribute the expression reads, for lint and missing-data notes.
  const std::vector<Attr>& attributes() const noexcept;

  // The program, for the library's scorer, lint and loaders. Requires a compiled expression.
  const Compiled& compiled() const noexcept { return *compiled_; }
  bool empty() const noexcept { return compiled_ == nullptr; }

 private:
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace safeguard::expr
