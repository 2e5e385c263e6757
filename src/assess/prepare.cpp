// Preparing a pack for a snapshot: symbol mapping, rules by category and the rule tables filled
// by running the interpreter over a scratch snapshot.
#include "prepare.hpp"

#include <algorithm>
#include <initializer_list>

namespace safeguard::detail {
namespace {

// For each snapshot symbol, the rules of `scope` whose guard admits it (all of them when the
// rule has no guard), in rule order.
Csr<std::uint32_t> rules_by_symbol(const RuleSet& rules, expr::Scope scope,
                                   const std::vector<std::uint32_t>& symbol_map) {
  Csr<std::uint32_t> csr;
  csr.offsets.assign(1, 0);
  for (std::size_t s = 0; s < symbol_map.size(); ++s) {
    for (std::uint32_t r = 0; r < rules.rules().size(); ++r) {
      const Rule& rule = rules.rules()[r];
      if (rule.scope != scope) continue;
      const expr::Guard& guard = rule.when.compiled().guard;
      if (guard.active && std::find(guard.symbols.begin(), guard.symbols.end(), symbol_map[s]) ==
                              guard.symbols.end()) {
        continue;
      }
      csr.items.push_back(r);
    }
    csr.offsets.push_back(static_cast<std::uint32_t>(csr.items.size()));
  }
  return csr;
}

bool reads_only(const expr::Compiled& program, std::initializer_list<expr::Attr> allowed) {
  if (!program.aggregates.empty()) return false;
  if (program.reads_adults()) return false;  // adult_score() reads the scorer
  for (expr::Attr attr : program.attributes) {
    if (std::find(allowed.begin(), allowed.end(), attr) == allowed.end()) return false;
  }
  return true;
}

// Fills a rule's tables by running its programs over a scratch snapshot whose evidence takes
// every value of the attributes the programs read.
RuleTables tabulate(const Rule& rule, const std::vector<std::uint32_t>& symbol_map, Day as_of) {
  RuleTables tables;
  tables.reads_status = rule.when.reads_status() || rule.points.reads_status();
  Snapshot scratch;
  expr::EvalContext ctx;
  ctx.snapshot = &scratch;
  ctx.symbol_map = symbol_map.data();
  ctx.as_of = as_of;
  const bool concern = rule.scope == expr::Scope::concern;
  if (concern && reads_only(rule.when.compiled(),
                            {expr::Attr::concern_category, expr::Attr::concern_status})) {
    for (std::size_t s = 0; s < symbol_map.size(); ++s) {
      for (std::size_t status = 0; status < kStatuses; ++status) {
        scratch.concern_category.push_back(static_cast<Symbol>(s));
        scratch.concern_status.push_back(static_cast<ConcernStatus>(status));
      }
    }
    for (std::uint32_t c = 0; c < scratch.concern_category.size(); ++c) {
      ctx.concern = c;
      tables.when.push_back(run(rule.when, ctx));
    }
    tables.when_tabled = true;
  }
  const expr::Attr level = concern ? expr::Attr::concern_severity : expr::Attr::factor_strength;
  if (rule.scope != expr::Scope::child && reads_only(rule.points.compiled(), {level})) {
    scratch.concern_severity.resize(256);
    scratch.factor_strength.resize(256);
    for (std::uint32_t v = 0; v < 256; ++v) {
      scratch.concern_severity[v] = scratch.factor_strength[v] = static_cast<std::uint8_t>(v);
      ctx.concern = ctx.factor = v;
      tables.points.push_back(run(rule.points, ctx));
    }
    tables.points_tabled = true;
  }
  return tables;
}

}  // namespace

std::vector<std::uint32_t> map_symbols(const RuleSet& rules, const Snapshot& snap) {
  std::vector<std::uint32_t> map(snap.symbols.size());
  const auto unmatched_base = static_cast<std::uint32_t>(rules.symbols().size());
  for (std::size_t s = 0; s < snap.symbols.size(); ++s) {
    const std::uint32_t found = rules.symbols().find(snap.symbols[s]);
    map[s] =
        found != expr::SymbolTable::kNone ? found : unmatched_base + static_cast<std::uint32_t>(s);
  }
  return map;
}

Prepared prepare(const RuleSet& rules, const Snapshot& snap, Day as_of) {
  Prepared prepared;
  prepared.symbol_map = map_symbols(rules, snap);
  for (const Rule& rule : rules.rules())
    prepared.tables.push_back(tabulate(rule, prepared.symbol_map, as_of));
  prepared.concern_rules = rules_by_symbol(rules, expr::Scope::concern, prepared.symbol_map);
  prepared.factor_rules = rules_by_symbol(rules, expr::Scope::factor, prepared.symbol_map);
  return prepared;
}

}  // namespace safeguard::detail
