// Batch assessment. Children are scored independently, each into its own rows, so threads
// split the children into contiguous ranges and the results are stitched together in child
// order: the output does not depend on the thread count.
#include "safeguard/assess.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <thread>
#include <type_traits>
#include <variant>

#include "huge_pages.hpp"
#include "points.hpp"
#include "safeguard/propagate.hpp"

namespace safeguard {
namespace {

// What one thread produces for its range of children.
struct Partial {
  std::vector<Contribution> contributions;
  std::vector<std::size_t> contribution_counts;
  std::vector<std::uint32_t> fired;
  std::vector<std::size_t> fired_counts;
  std::vector<NotAssessable> missing;
  std::vector<std::size_t> missing_counts;
  std::vector<Step> steps;
  std::vector<std::size_t> step_counts;
  std::vector<TimelineIssue> issues;
  std::vector<std::size_t> issue_counts;
};

struct Reached {
  std::uint32_t slot;  // concern or factor slot
  RoleMask roles;
};

// Year, month and day of a day number (Hinnant's civil_from_days). Each child's age is needed
// once per assessment, and Boost's date conversion costs more than scoring a typical child;
// tests/test_differential.cpp checks the ages against calendar.hpp's through the results.
struct Civil {
  int year;
  int month;
  int day;
};

Civil civil_from_days(Day days) {
  const long z = static_cast<long>(days) + 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (month <= 2)), month, day};
}

int days_in_month(int year, int month) {
  static constexpr int kLengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kLengths[month - 1];
}

// The convention of calendar.hpp's age_in_months (a missing anniversary falls on the 1st of
// the next month), for birth <= at.
int age_in_months_fast(Day birth, Day at) {
  const Civil born = civil_from_days(birth);
  const Civil now = civil_from_days(at);
  const int months = (now.year - born.year) * 12 + (now.month - born.month);
  const bool anniversary_reached =
      born.day <= days_in_month(now.year, now.month) && now.day >= born.day;
  return anniversary_reached ? months : months - 1;
}

// What assess() works out once per call and every scorer shares: the pack's view of the
// snapshot's symbols, and for each category (or factor kind) the rules that may score it, in
// rule order: the rules whose guard admits it, and every rule without a guard.
// A program's result with the attribute it found unknown (-1 if none), as ChildScorer needs it.
struct Outcome {
  expr::Value value;
  int missing = -1;
};

Outcome run(const expr::Compiled& program, expr::EvalContext& ctx) {
  ctx.missing = -1;
  const expr::Value value = expr::evaluate(program, ctx);
  return {value, ctx.missing};
}

// A rule's `when` and `points` worked out in advance for every value of the attributes they
// read, when those are few: the default pack's concern conditions read only the category and
// status, and its points only the severity or strength. The tables are filled by running the
// same programs with the same interpreter, so a lookup gives exactly what running would.
struct RuleTables {
  bool when_tabled = false;
  std::vector<Outcome> when;  // [symbol * kStatuses + status]
  bool points_tabled = false;
  std::vector<Outcome> points;  // [severity or strength, 0..255]
};
constexpr std::size_t kStatuses = 4;

struct Prepared {
  std::vector<std::uint32_t> symbol_map;
  Csr<std::uint32_t> concern_rules;  // by snapshot symbol of concern.category
  Csr<std::uint32_t> factor_rules;   // by snapshot symbol of factor.kind
  std::vector<RuleTables> tables;    // per rule
};

// Sorts items by rule, keeping their order within a rule (a counting sort, so that scoring a
// child allocates nothing once the buffers have grown). offsets[r] is where rule r starts.
template <typename Item>
void bucket_by_rule(const std::vector<Item>& items, std::vector<Item>& sorted,
                    std::vector<std::uint32_t>& offsets, std::size_t rule_count) {
  offsets.assign(rule_count + 1, 0);
  for (const Item& item : items) ++offsets[item.rule + 1];
  for (std::size_t r = 0; r < rule_count; ++r) offsets[r + 1] += offsets[r];
  sorted.resize(items.size());
  for (const Item& item : items) sorted[offsets[item.rule]++] = item;
  // Each offset now points at its rule's end, which is the next rule's start; shift back.
  for (std::size_t r = rule_count; r > 0; --r) offsets[r] = offsets[r - 1];
  offsets[0] = 0;
}

class ChildScorer {
 public:
  ChildScorer(const RuleSet& rules, const Snapshot& snap, const Prepared& prepared, Day as_of)
      : rules_(rules), snap_(snap), prepared_(prepared), as_of_(as_of) {}

  // Scores one child into the row at `scores`, `index_levels`; appends to `out`.
  void score(std::uint32_t child, double* scores, std::int32_t* index_levels,
             std::int32_t& score_level, std::int32_t& level, std::uint8_t& immediate,
             DiscretionaryResult& judgement, Partial& out) {
    expr::EvalContext ctx;
    ctx.snapshot = &snap_;
    ctx.symbol_map = prepared_.symbol_map.data();
    ctx.as_of = as_of_;
    ctx.child = child;
    const Day dob = snap_.person_dob[child];
    if (dob != kNoDay && dob <= as_of_) {
      ctx.child_age_months = age_in_months_fast(dob, as_of_);
      ctx.child_age_years = ctx.child_age_months / 12;
    }
    gather(child);
    const TimelineSummary timeline =
        build_timeline(snap_, child, rules_.timescales(), *snap_.calendar, as_of_, steps_, issues_);
    ctx.timeline = &timeline;
    out.steps.insert(out.steps.end(), steps_.begin(), steps_.end());
    out.step_counts.push_back(steps_.size());
    out.issues.insert(out.issues.end(), issues_.begin(), issues_.end());
    out.issue_counts.push_back(issues_.size());
    ctx.circle_concerns = visit_order_.data();
    ctx.circle_concern_count = visit_order_.size();

    // Evidence first, in slot order, each piece against the rules its category admits; then
    // the results are put in rule order, which is the order the explanation lists them in.
    hits_.clear();
    misses_.clear();
    for (const Reached& item : concerns_) {
      const Symbol category = snap_.concern_category[item.slot];
      for (const std::uint32_t* r = prepared_.concern_rules.begin(category);
           r != prepared_.concern_rules.end(category); ++r) {
        const Rule& rule = rules_.rules()[*r];
        const auto [role, factor] = best_reach(rule, item.roles);
        if (factor <= 0) continue;
        ctx.concern = item.slot;
        ctx.path = role;
        const RuleTables& tables = prepared_.tables[*r];
        evaluate(
            *r, rule.index, snap_.concern_vertex[item.slot], hits_, misses_,
            [&] {
              return tables.when_tabled
                         ? tables.when[category * kStatuses +
                                       static_cast<std::size_t>(snap_.concern_status[item.slot])]
                         : run(rule.when, ctx);
            },
            [&] {
              return tables.points_tabled ? tables.points[snap_.concern_severity[item.slot]]
                                          : run(rule.points, ctx);
            },
            [&, role = role, factor = factor](Contribution& c) {
              const double age = std::max(0, as_of_ - snap_.concern_date(item.slot));
              c.via = via_concern(child, item.slot, role);
              c.path = role;
              c.decay = decay(rule, age);
              c.reach = factor;
            });
      }
    }
    for (const Reached& item : factors_) {
      const Symbol kind = snap_.factor_kind[item.slot];
      for (const std::uint32_t* r = prepared_.factor_rules.begin(kind);
           r != prepared_.factor_rules.end(kind); ++r) {
        const Rule& rule = rules_.rules()[*r];
        const auto [role, factor] = best_reach(rule, item.roles);
        if (factor <= 0) continue;
        ctx.factor = item.slot;
        ctx.path = role;
        const RuleTables& tables = prepared_.tables[*r];
        evaluate(
            *r, rule.index, snap_.factor_vertex[item.slot], hits_, misses_,
            [&] { return run(rule.when, ctx); },
            [&] {
              return tables.points_tabled ? tables.points[snap_.factor_strength[item.slot]]
                                          : run(rule.points, ctx);
            },
            [&, role = role, factor = factor](Contribution& c) {
              const Day start = snap_.factor_start[item.slot];
              const double age = start == kNoDay ? 0.0 : std::max(0, as_of_ - start);
              c.via = via_factor(child, item.slot, role);
              c.path = role;
              c.decay = decay(rule, age);
              c.reach = factor;
            });
      }
    }
    const std::size_t rule_count = rules_.rules().size();
    bucket_by_rule(hits_, sorted_hits_, hit_offsets_, rule_count);
    bucket_by_rule(misses_, sorted_misses_, miss_offsets_, rule_count);

    const std::size_t first_contribution = out.contributions.size();
    const std::size_t first_missing = out.missing.size();
    for (std::uint32_t r = 0; r < rule_count; ++r) {
      const Rule& rule = rules_.rules()[r];
      const std::size_t rule_first = out.contributions.size();
      if (rule.scope == expr::Scope::child) {
        evaluate(
            r, rule.index, kNoVertex, out.contributions, out.missing,
            [&] { return run(rule.when, ctx); }, [&] { return run(rule.points, ctx); },
            [](Contribution&) {});
      } else {
        out.contributions.insert(out.contributions.end(), sorted_hits_.begin() + hit_offsets_[r],
                                 sorted_hits_.begin() + hit_offsets_[r + 1]);
        out.missing.insert(out.missing.end(), sorted_misses_.begin() + miss_offsets_[r],
                           sorted_misses_.begin() + miss_offsets_[r + 1]);
      }
      apply_cap(rule, out.contributions, rule_first);
    }

    const std::size_t index_count = rules_.indices().size();
    std::fill(scores, scores + index_count, 0.0);
    for (std::size_t k = first_contribution; k < out.contributions.size(); ++k) {
      const Contribution& c = out.contributions[k];
      scores[c.index] += c.value;
    }
    immediate = 0;
    const std::size_t first_fired = out.fired.size();
    for (std::uint32_t o = 0; o < rules_.overrides().size(); ++o) {
      const PolicyOverride& rule = rules_.overrides()[o];
      ctx.missing = -1;
      const expr::Value fires = expr::evaluate(rule.when, ctx);
      if (!fires.known) {
        out.missing.push_back(
            {o, true, kNoVertex, static_cast<expr::Attr>(std::max(ctx.missing, 0))});
        continue;
      }
      if (fires.number == 0) continue;
      out.fired.push_back(o);
      if (rule.immediate_safety) immediate = 1;
    }
    settle_levels(child, scores, out.fired.data() + first_fired,
                  out.fired.data() + out.fired.size(), index_levels, score_level, level, judgement);
    out.contribution_counts.push_back(out.contributions.size() - first_contribution);
    out.fired_counts.push_back(out.fired.size() - first_fired);
    out.missing_counts.push_back(out.missing.size() - first_missing);
  }

  // A child's levels from its index scores: each index's level, the highest of them, raised to
  // the min_level of every policy override that fired, then moved by professional judgement.
  // Propagation calls it again once the network has added its points.
  void settle_levels(std::uint32_t child, const double* scores, const std::uint32_t* fired_begin,
                     const std::uint32_t* fired_end, std::int32_t* index_levels,
                     std::int32_t& score_level, std::int32_t& level,
                     DiscretionaryResult& judgement) const {
    score_level = 0;
    for (std::size_t i = 0; i < rules_.indices().size(); ++i) {
      index_levels[i] = rules_.level_for(static_cast<std::uint32_t>(i), scores[i]);
      score_level = std::max(score_level, index_levels[i]);
    }
    level = score_level;
    int policy_minimum = -1;
    for (const std::uint32_t* o = fired_begin; o != fired_end; ++o) {
      const int min_level = rules_.overrides()[*o].min_level;
      level = std::max(level, min_level);
      policy_minimum = std::max(policy_minimum, min_level);
    }
    apply_discretionary(child, policy_minimum, level, judgement);
  }

 private:
  // Professional judgement: the child's latest discretionary override on or before the as-of
  // date moves the level one step, within what the pack allows, never below a policy minimum.
  void apply_discretionary(std::uint32_t child, int policy_minimum, std::int32_t& level,
                           DiscretionaryResult& judgement) const {
    judgement = DiscretionaryResult{};
    judgement.level_before = level;
    std::uint32_t latest = kNoEvent;
    for (const std::uint32_t* o = snap_.person_overrides.begin(child);
         o != snap_.person_overrides.end(child); ++o) {
      if (snap_.override_date[*o] <= as_of_) latest = *o;  // sorted by date, then id
    }
    if (latest == kNoEvent) return;
    judgement.override_number = latest;
    const bool raise = snap_.override_direction[latest] == OverrideDirection::raise;
    const DiscretionaryPolicy policy = rules_.discretionary();
    if (policy == DiscretionaryPolicy::none ||
        (raise && policy == DiscretionaryPolicy::lower_only) ||
        (!raise && policy == DiscretionaryPolicy::raise_only)) {
      judgement.outcome = DiscretionaryOutcome::not_allowed;
      return;
    }
    const int top = static_cast<int>(rules_.levels().size()) - 1;
    if ((raise && level >= top) || (!raise && level <= 0)) {
      judgement.outcome = DiscretionaryOutcome::at_limit;
      return;
    }
    if (!raise && level - 1 < policy_minimum) {
      judgement.outcome = DiscretionaryOutcome::held_by_policy;
      return;
    }
    level += raise ? 1 : -1;
    judgement.outcome = DiscretionaryOutcome::applied;
  }

  // The evidence that can reach the child, each item once with every path it arrives by:
  // concerns_ and factors_ by slot (the order contributions are listed in), visit_order_ as
  // for_each_circle_concern visits (the order aggregates add in).
  void gather(std::uint32_t child) {
    visit_order_.clear();
    factors_.clear();
    for_each_circle_concern(snap_, child, [&](std::uint32_t c, RoleMask roles) {
      if (expr::concern_visible(snap_, c, as_of_)) visit_order_.push_back({c, roles});
    });
    concerns_.resize(visit_order_.size());
    for (std::size_t i = 0; i < visit_order_.size(); ++i)
      concerns_[i] = {visit_order_[i].concern, visit_order_[i].roles};
    for (const CircleMember* m = snap_.person_circle.begin(child);
         m != snap_.person_circle.end(child); ++m) {
      for (const std::uint32_t* f = snap_.person_factors.begin(m->person);
           f != snap_.person_factors.end(m->person); ++f) {
        if (expr::factor_visible(snap_, *f, as_of_)) factors_.push_back({*f, m->roles});
      }
    }
    auto by_slot = [](const Reached& a, const Reached& b) { return a.slot < b.slot; };
    std::sort(factors_.begin(), factors_.end(), by_slot);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < factors_.size(); ++i) {
      if (kept > 0 && factors_[kept - 1].slot == factors_[i].slot) {
        factors_[kept - 1].roles |= factors_[i].roles;
      } else {
        factors_[kept++] = factors_[i];
      }
    }
    factors_.resize(kept);
    std::sort(concerns_.begin(), concerns_.end(), by_slot);
  }

  // The largest reach factor among the roles the evidence arrived by (ties: earlier role).
  static std::pair<Role, double> best_reach(const Rule& rule, RoleMask roles) {
    Role best = Role::self;
    double factor = 0;
    for (int r = 0; r < kRoleCount; ++r) {
      if ((roles & (1u << r)) && rule.reach[r] > factor) {
        factor = rule.reach[r];
        best = static_cast<Role>(r);
      }
    }
    return {best, factor};
  }

  static double decay(const Rule& rule, double age_days) {
    return rule.half_life_days > 0 ? std::exp2(-age_days / rule.half_life_days) : 1.0;
  }

  // The person at the far end of the path: who the evidence is about (or involves).
  VertexIndex via_concern(std::uint32_t child, std::uint32_t c, Role role) const {
    const RoleMask want = role_bit(role);
    const bool involvement = role == Role::involved;
    const auto& list = involvement ? snap_.concern_involves : snap_.concern_about;
    for (const std::uint32_t* p = list.begin(c); p != list.end(c); ++p) {
      const int at = circle_position(snap_, child, *p);
      if (at < 0) continue;
      const RoleMask roles = snap_.person_circle.begin(child)[at].roles;
      if (involvement ? (roles & kInvolvingRoles) != 0 : (roles & want) != 0)
        return snap_.person_vertex[*p];
    }
    return snap_.person_vertex[child];
  }

  VertexIndex via_factor(std::uint32_t child, std::uint32_t f, Role role) const {
    const RoleMask want = role_bit(role);
    for (const CircleMember* m = snap_.person_circle.begin(child);
         m != snap_.person_circle.end(child); ++m) {
      if (!(m->roles & want)) continue;
      for (const std::uint32_t* g = snap_.person_factors.begin(m->person);
           g != snap_.person_factors.end(m->person); ++g) {
        if (*g == f) return snap_.person_vertex[m->person];
      }
    }
    return snap_.person_vertex[child];
  }

  // Runs the rule for one piece of evidence; when it scores, `describe` fills in the path,
  // decay and reach (worked out only then: most evidence does not score for most rules).
  template <typename When, typename Points, typename Describe>
  static void evaluate(std::uint32_t r, std::uint32_t index, VertexIndex evidence,
                       std::vector<Contribution>& contributions,
                       std::vector<NotAssessable>& missing, When&& when, Points&& points,
                       Describe&& describe) {
    const Outcome fires = when();
    if (!fires.value.known) {
      missing.push_back({r, false, evidence, static_cast<expr::Attr>(std::max(fires.missing, 0))});
      return;
    }
    if (fires.value.number == 0) return;
    const Outcome raw = points();
    if (!raw.value.known || std::fabs(raw.value.number) > detail::kMaxPoints) {
      missing.push_back({r, false, evidence, static_cast<expr::Attr>(std::max(raw.missing, 0))});
      return;
    }
    if (raw.value.number == 0) return;
    Contribution c;
    c.rule = r;
    c.index = index;
    c.evidence = evidence;
    c.raw = raw.value.number;
    describe(c);
    c.value = c.raw * c.decay * c.reach;
    contributions.push_back(c);
  }

  // Scales the rule's contributions so their total stays within the cap; each line records it.
  static void apply_cap(const Rule& rule, std::vector<Contribution>& contributions,
                        std::size_t first) {
    if (rule.cap <= 0) return;
    double total = 0;
    for (std::size_t k = first; k < contributions.size(); ++k) total += contributions[k].value;
    if (std::fabs(total) <= rule.cap) return;
    const double factor = rule.cap / std::fabs(total);
    for (std::size_t k = first; k < contributions.size(); ++k) {
      Contribution& c = contributions[k];
      c.cap_factor = factor;
      c.value = c.raw * c.decay * c.reach * c.cap_factor;
    }
  }

  const RuleSet& rules_;
  const Snapshot& snap_;
  const Prepared& prepared_;
  Day as_of_;
  std::vector<expr::ReachedConcern> visit_order_;
  std::vector<Reached> concerns_;
  std::vector<Reached> factors_;
  std::vector<Contribution> hits_, sorted_hits_;
  std::vector<NotAssessable> misses_, sorted_misses_;
  std::vector<std::uint32_t> hit_offsets_, miss_offsets_;

 public:
  // The own score of a network node that is not a child (an adult, a place, a group): the
  // given concern rules over the visible concerns about the node, each as evidence about the
  // node itself (path self), decayed and capped as for a child. Appends the rule lines to
  // out.contributions (notes of missing data go to out.missing) and returns their sum.
  double score_node(std::uint32_t node, const std::vector<std::uint32_t>& node_rules,
                    Partial& out) {
    expr::EvalContext ctx;
    ctx.snapshot = &snap_;
    ctx.symbol_map = prepared_.symbol_map.data();
    ctx.as_of = as_of_;
    ctx.path = Role::self;  // node rules read no child attribute, so ctx.child is never used
    const std::size_t first = out.contributions.size();
    for (std::uint32_t r : node_rules) {
      const Rule& rule = rules_.rules()[r];
      const double reach = rule.reach[static_cast<std::size_t>(Role::self)];
      if (reach <= 0) continue;
      const std::size_t rule_first = out.contributions.size();
      for (const std::uint32_t* c = snap_.node_concerns.begin(node);
           c != snap_.node_concerns.end(node); ++c) {
        if (!expr::concern_visible(snap_, *c, as_of_)) continue;
        ctx.concern = *c;
        const VertexIndex via = snap_.node_vertex[node];
        evaluate(
            r, rule.index, snap_.concern_vertex[*c], out.contributions, out.missing,
            [&] { return run(rule.when, ctx); }, [&] { return run(rule.points, ctx); },
            [&, reach = reach](Contribution& line) {
              const double age = std::max(0, as_of_ - snap_.concern_date(*c));
              line.via = via;
              line.path = Role::self;
              line.decay = decay(rule, age);
              line.reach = reach;
            });
      }
      apply_cap(rule, out.contributions, rule_first);
    }
    double sum = 0;
    for (std::size_t k = first; k < out.contributions.size(); ++k)
      sum += out.contributions[k].value;
    return sum;
  }
  std::vector<Step> steps_;
  std::vector<TimelineIssue> issues_;
};

// Maps every snapshot symbol into the pack's symbol space: the pack's own number when the pack
// mentions the string, otherwise a number no pack literal can equal.
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
      const expr::Guard& guard = rule.when.guard;
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
  for (expr::Attr attr : program.attributes) {
    if (std::find(allowed.begin(), allowed.end(), attr) == allowed.end()) return false;
  }
  return true;
}

// Fills a rule's tables by running its programs over a scratch snapshot whose evidence takes
// every value of the attributes the programs read.
RuleTables tabulate(const Rule& rule, const std::vector<std::uint32_t>& symbol_map, Day as_of) {
  RuleTables tables;
  Snapshot scratch;
  expr::EvalContext ctx;
  ctx.snapshot = &scratch;
  ctx.symbol_map = symbol_map.data();
  ctx.as_of = as_of;
  const bool concern = rule.scope == expr::Scope::concern;
  if (concern &&
      reads_only(rule.when, {expr::Attr::concern_category, expr::Attr::concern_status})) {
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
  if (rule.scope != expr::Scope::child && reads_only(rule.points, {level})) {
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

Prepared prepare(const RuleSet& rules, const Snapshot& snap, Day as_of) {
  Prepared prepared;
  prepared.symbol_map = map_symbols(rules, snap);
  for (const Rule& rule : rules.rules())
    prepared.tables.push_back(tabulate(rule, prepared.symbol_map, as_of));
  prepared.concern_rules = rules_by_symbol(rules, expr::Scope::concern, prepared.symbol_map);
  prepared.factor_rules = rules_by_symbol(rules, expr::Scope::factor, prepared.symbol_map);
  return prepared;
}

// Rules that can score evidence about an adult, a place or a group: concern rules that read
// nothing about a child (no child attribute, no aggregate over a child's evidence).
bool reads_child(const expr::Compiled& compiled) {
  if (!compiled.aggregates.empty()) return true;
  for (expr::Attr attr : compiled.attributes) {
    if (expr::attr_info(attr).scope == expr::Scope::child) return true;
  }
  return false;
}

std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", value);
  return buffer;
}

}  // namespace

// Spreads the propagating indices through the network once the children have their direct
// scores: s from the direct scores (children) and from evidence about adults, places and
// groups; r = s + min(alpha W r, cap) solved per index; each child's and each place's
// propagated points appended as contributions, one per link, so explanations add up.
class PropagationPass {
 public:
  PropagationPass(Results& out, const Prepared& prepared)
      : out_(out),
        rules_(*out.rules_),
        snap_(*out.snapshot_),
        settings_(rules_.propagation()),
        prepared_(prepared) {}

  void run() {
    const std::size_t nodes = snap_.node_vertex.size();
    const std::size_t count = settings_.indices.size();
    out_.propagating_ = count;
    detail::assign_huge(out_.node_own_, nodes * count, 0.0);
    detail::assign_huge(out_.node_scores_, nodes * count, 0.0);
    out_.propagation_.ran = true;
    const Network network(snap_, settings_);
    check_convergence(network);

    detail::assign_huge(row_of_node_, nodes, kNoRow);
    for (std::size_t row = 0; row < out_.child_count(); ++row)
      row_of_node_[snap_.vertex_node[out_.child_vertex(row)]] = row;
    node_rules_.resize(count);
    for (std::uint32_t r = 0; r < rules_.rules().size(); ++r) {
      const Rule& rule = rules_.rules()[r];
      if (rule.scope != expr::Scope::concern || reads_child(rule.when) || reads_child(rule.points))
        continue;
      for (std::size_t k = 0; k < count; ++k) {
        if (settings_.indices[k] == rule.index) node_rules_[k].push_back(r);
      }
    }

    ChildScorer scorer(rules_, snap_, prepared_, out_.as_of_);
    Partial scratch;
    const bool capped = settings_.association_cap < 1;
    const double cap_ratio = settings_.association_cap / (1 - settings_.association_cap);
    Eigen::VectorXd s(nodes), limit(capped ? nodes : 0), work;
    solutions_.resize(count);
    limits_.resize(count);
    for (std::size_t k = 0; k < count; ++k) {
      const std::uint32_t index = settings_.indices[k];
      for (std::size_t node = 0; node < nodes; ++node) {
        double own = 0;
        if (row_of_node_[node] != kNoRow) {
          own = out_.scores_[row_of_node_[node] * out_.index_count() + index];
        } else if (!node_rules_[k].empty()) {
          scratch.contributions.clear();
          scratch.missing.clear();
          own = scorer.score_node(static_cast<std::uint32_t>(node), node_rules_[k], scratch);
        }
        out_.node_own_[node * count + k] = own;
        s[node] = std::max(0.0, own);  // only risk travels; strengths stay with their child
        if (capped) {
          limit[node] = row_of_node_[node] != kNoRow ? cap_ratio * s[node]
                                                     : std::numeric_limits<double>::infinity();
        }
      }
      const SolveReport report = solve_propagation(
          network.weights(), s, capped ? &limit : nullptr,
          {settings_.alpha, settings_.tolerance, settings_.max_iterations}, solutions_[k], work);
      if (!report.converged) {
        throw Error(Status::divergent,
                    "propagation of index '" + rules_.indices()[index].id +
                        "' did not converge within " + std::to_string(report.iterations) +
                        " iterations (last change " + format_number(report.change) +
                        ", tolerance " + format_number(settings_.tolerance) +
                        "); raise max_iterations or lower alpha",
                    settings_.where);
      }
      out_.propagation_.iterations = std::max(out_.propagation_.iterations, report.iterations);
      out_.propagation_.change = std::max(out_.propagation_.change, report.change);
      if (capped) limits_[k] = limit;
    }
    link_weights_ = &network.link_weights();
    write_children(scorer);
    write_nodes();
    write_places(scorer, scratch);
    link_weights_ = nullptr;
  }

 private:
  static constexpr std::size_t kNoRow = SIZE_MAX;

  // Rejects a graph on which alpha * W has spectral radius 1 or more. Per-type packs are
  // bounded when they load (every row of W sums to at most the sum of the weights); packs
  // without normalisation are checked here, first by the largest row sum, then by power
  // iterations when that bound is not enough.
  void check_convergence(const Network& network) {
    const double alpha = settings_.alpha;
    double bound = alpha * network.max_row_sum();
    if (bound >= 1) {
      const RadiusEstimate estimate = estimate_spectral_radius(network.weights(), 1000, 1 / alpha);
      bound = alpha * estimate.upper;
    }
    out_.propagation_.radius_bound = bound;
    if (bound < 1) return;
    const std::uint32_t hub = network.max_row();
    std::string links;
    const Csr<NetworkLink>& all = snap_.node_links;
    for (std::uint32_t l = all.offsets[hub]; l < all.offsets[hub + 1];) {
      const RelationKind kind = all.items[l].kind;
      std::uint32_t end = l;
      while (end < all.offsets[hub + 1] && all.items[end].kind == kind) ++end;
      const double weight = settings_.weights[static_cast<std::size_t>(kind)];
      if (weight > 0) {
        links += (links.empty() ? "" : ", ") + std::to_string(end - l) + " " +
                 std::string(to_string(kind)) + " links x " + format_number(weight);
      }
      l = end;
    }
    const VertexIndex v = snap_.node_vertex[hub];
    Location where = settings_.where;
    where.entity = std::string(snap_.id(v));
    throw Error(Status::divergent,
                "propagation would diverge on this graph: alpha x spectral radius of W is "
                "estimated at " +
                    format_number(bound) + ", which must be below 1; the heaviest node is a " +
                    std::string(to_string(snap_.vertex_kind[v])) + " with " + links +
                    "; lower alpha or these weights, or use normalise = \"per_type\"",
                where);
  }

  // True when the association cap lets the child count nothing on the k-th propagating index
  // (it has no score of its own there).
  bool withheld(std::size_t node, std::size_t k) const {
    return row_of_node_[node] != kNoRow && limits_[k].size() > 0 && limits_[k][node] == 0;
  }

  // How many propagated lines append_lines() gives the node on the k-th propagating index.
  std::size_t line_count(std::size_t node, std::size_t k) const {
    const Eigen::VectorXd& r = solutions_[k];
    const Csr<NetworkLink>& links = snap_.node_links;
    std::size_t lines = 0;
    for (std::uint32_t l = links.offsets[node]; l < links.offsets[node + 1]; ++l)
      lines += settings_.alpha * (*link_weights_)[l] * r[links.items[l].node] != 0;
    return withheld(node, k) ? std::min<std::size_t>(lines, 1) : lines;
  }

  // The propagated lines of node `node` on the k-th propagating index, appended to `lines`;
  // returns the points counted (after the cap, for children).
  double append_lines(std::size_t node, std::size_t k, std::vector<Contribution>& lines) const {
    const Eigen::VectorXd& r = solutions_[k];
    const Csr<NetworkLink>& links = snap_.node_links;
    const std::size_t first = lines.size();
    double spread = 0;
    for (std::uint32_t l = links.offsets[node]; l < links.offsets[node + 1]; ++l) {
      const NetworkLink& link = links.items[l];
      const double reach = settings_.alpha * (*link_weights_)[l];
      const double raw = r[link.node];
      if (reach * raw == 0) continue;
      Contribution c;
      c.rule = kNoRule;
      c.index = settings_.indices[k];
      c.kind = ContributionKind::propagated;
      c.via = snap_.node_vertex[link.node];
      c.relation = link.kind;
      c.raw = raw;
      c.reach = reach;
      c.value = raw * reach;
      spread += c.value;
      lines.push_back(c);
    }
    if (withheld(node, k) && lines.size() > first) {
      // Nothing counts, so one line says what was offered (keeping the cap visible) instead of
      // a zero line per neighbour: most children in a large caseload have no evidence of their
      // own on an index, and their explanations (and memory) stay small.
      Contribution summary = lines[first];
      summary.via = kNoVertex;
      summary.raw = spread;
      summary.reach = 1;
      summary.cap_factor = 0;
      summary.value = 0;
      lines.resize(first);
      lines.push_back(summary);
      return 0;
    }
    const bool is_child = row_of_node_[node] != kNoRow;
    if (is_child && limits_[k].size() > 0 && spread > limits_[k][node]) {
      const double cap_factor = limits_[k][node] / spread;
      for (std::size_t i = first; i < lines.size(); ++i) {
        lines[i].cap_factor = cap_factor;
        lines[i].value = lines[i].raw * lines[i].reach * cap_factor;
      }
    }
    double counted = 0;
    for (std::size_t i = first; i < lines.size(); ++i) counted += lines[i].value;
    return counted;
  }

  // Children: propagated lines after each child's rule lines; scores, totals and levels again.
  void write_children(const ChildScorer& scorer) {
    const std::size_t n = out_.child_count();
    const std::size_t index_count = out_.index_count();
    const std::size_t count = settings_.indices.size();
    std::size_t lines = out_.contributions_.size();
    for (std::size_t row = 0; row < n; ++row) {
      for (std::size_t k = 0; k < count; ++k)
        lines += line_count(snap_.vertex_node[out_.child_vertex(row)], k);
    }
    std::vector<Contribution> merged;
    detail::reserve_huge(merged, lines);
    std::vector<std::size_t> offsets;
    detail::reserve_huge(offsets, n + 1);
    offsets.push_back(0);
    for (std::size_t row = 0; row < n; ++row) {
      merged.insert(merged.end(), out_.contributions_begin(row), out_.contributions_end(row));
      const std::size_t node = snap_.vertex_node[out_.child_vertex(row)];
      for (std::size_t k = 0; k < count; ++k) {
        const std::size_t first = merged.size();
        append_lines(node, k, merged);
        double& score = out_.scores_[row * index_count + settings_.indices[k]];
        for (std::size_t i = first; i < merged.size(); ++i) score += merged[i].value;
        out_.node_scores_[node * count + k] = score;
      }
      offsets.push_back(merged.size());
      scorer.settle_levels(out_.children_[row], &out_.scores_[row * index_count],
                           out_.overrides_begin(row), out_.overrides_end(row),
                           &out_.index_levels_[row * index_count], out_.score_levels_[row],
                           out_.levels_[row], out_.discretionary_[row]);
    }
    out_.contributions_ = std::move(merged);
    out_.contribution_offsets_ = std::move(offsets);
  }

  // The network score of every node that is not a child (write_children did the children):
  // its own score plus the propagated points it counts.
  void write_nodes() {
    const std::size_t count = settings_.indices.size();
    std::vector<Contribution> lines;
    for (std::size_t node = 0; node < snap_.node_vertex.size(); ++node) {
      if (row_of_node_[node] != kNoRow) continue;
      for (std::size_t k = 0; k < count; ++k) {
        lines.clear();
        double score = out_.node_own_[node * count + k];
        append_lines(node, k, lines);
        for (const Contribution& c : lines) score += c.value;
        out_.node_scores_[node * count + k] = score;
      }
    }
  }

  // Places and groups ranked, each with its own evidence and its propagated lines.
  void write_places(ChildScorer& scorer, Partial& scratch) {
    const std::size_t count = settings_.indices.size();
    std::vector<std::uint32_t> places;
    std::vector<double> totals(snap_.node_vertex.size(), 0.0);
    for (std::uint32_t node = 0; node < snap_.node_vertex.size(); ++node) {
      const VertexKind kind = snap_.vertex_kind[snap_.node_vertex[node]];
      if (kind != VertexKind::place && kind != VertexKind::group) continue;
      places.push_back(node);
      for (std::size_t k = 0; k < count; ++k) totals[node] += out_.node_scores_[node * count + k];
    }
    std::stable_sort(places.begin(), places.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return totals[a] > totals[b]; });
    out_.places_ = places;
    out_.place_totals_.clear();
    out_.place_contributions_.clear();
    out_.place_contribution_offsets_.assign(1, 0);
    for (std::uint32_t node : places) {
      out_.place_totals_.push_back(totals[node]);
      for (std::size_t k = 0; k < count; ++k) {
        if (!node_rules_[k].empty()) {
          scratch.contributions.clear();
          scratch.missing.clear();
          scorer.score_node(node, node_rules_[k], scratch);
          out_.place_contributions_.insert(out_.place_contributions_.end(),
                                           scratch.contributions.begin(),
                                           scratch.contributions.end());
        }
        append_lines(node, k, out_.place_contributions_);
      }
      out_.place_contribution_offsets_.push_back(out_.place_contributions_.size());
    }
  }

  Results& out_;
  const RuleSet& rules_;
  const Snapshot& snap_;
  const PropagationSettings& settings_;
  const Prepared& prepared_;
  std::vector<std::size_t> row_of_node_;
  std::vector<std::vector<std::uint32_t>> node_rules_;  // per propagating index
  std::vector<Eigen::VectorXd> solutions_;              // r, per propagating index
  std::vector<Eigen::VectorXd> limits_;                 // the association cap, per index
  const std::vector<double>* link_weights_ = nullptr;
};

std::string_view to_string(DiscretionaryOutcome outcome) noexcept {
  switch (outcome) {
    case DiscretionaryOutcome::none:
      return "none";
    case DiscretionaryOutcome::applied:
      return "applied";
    case DiscretionaryOutcome::not_allowed:
      return "not_allowed";
    case DiscretionaryOutcome::at_limit:
      return "at_limit";
    case DiscretionaryOutcome::held_by_policy:
      return "held_by_policy";
  }
  return "";
}

long Results::find_child(std::string_view id) const {
  constexpr std::size_t kScanBelow = 64;
  if (children_.size() < kScanBelow) {
    for (std::size_t row = 0; row < children_.size(); ++row) {
      if (child_id(row) == id) return static_cast<long>(row);
    }
    return -1;
  }
  std::call_once(child_index_->built, [this] {
    auto& rows = child_index_->rows_by_id;
    rows.resize(children_.size());
    for (std::size_t row = 0; row < rows.size(); ++row) rows[row] = static_cast<std::uint32_t>(row);
    std::sort(rows.begin(), rows.end(),
              [this](std::uint32_t a, std::uint32_t b) { return child_id(a) < child_id(b); });
  });
  const auto& rows = child_index_->rows_by_id;
  auto found = std::lower_bound(
      rows.begin(), rows.end(), id,
      [this](std::uint32_t row, std::string_view key) { return child_id(row) < key; });
  return found != rows.end() && child_id(*found) == id ? static_cast<long>(*found) : -1;
}

long Results::find_place(std::string_view id) const {
  for (std::size_t rank = 0; rank < places_.size(); ++rank) {
    if (place_id(rank) == id) return static_cast<long>(rank);
  }
  return -1;
}

double Results::place_index_score(std::size_t rank, std::size_t index) const {
  const auto& indices = rules_->propagation().indices;
  for (std::size_t k = 0; k < propagating_; ++k) {
    if (indices[k] == index) return node_scores_[places_[rank] * propagating_ + k];
  }
  return 0;
}

namespace detail {

struct ResultsBuilder {
  static Results build(std::shared_ptr<const RuleSet> rules,
                       std::shared_ptr<const Snapshot> snapshot, const Prepared& prepared,
                       const AssessOptions& options);
};

}  // namespace detail

namespace {

void check_arguments(const std::shared_ptr<const RuleSet>& rules,
                     const std::shared_ptr<const Snapshot>& snapshot,
                     const AssessOptions& options) {
  if (!rules || !snapshot)
    throw Error(Status::invalid_argument, "assess needs a rule pack and a snapshot");
  if (options.as_of < detail::kFirstSupportedDay || options.as_of > detail::kLastSupportedDay) {
    throw Error(Status::invalid_argument, "as-of date is out of range");
  }
}

}  // namespace

Results assess(std::shared_ptr<const RuleSet> rules, std::shared_ptr<const Snapshot> snapshot,
               const AssessOptions& options) {
  check_arguments(rules, snapshot, options);
  const Prepared prepared = prepare(*rules, *snapshot, options.as_of);
  return detail::ResultsBuilder::build(std::move(rules), std::move(snapshot), prepared, options);
}

Results detail::ResultsBuilder::build(std::shared_ptr<const RuleSet> rules,
                                      std::shared_ptr<const Snapshot> snapshot,
                                      const Prepared& prepared, const AssessOptions& options) {
  Results out;
  out.rules_ = rules;
  out.snapshot_ = snapshot;
  out.as_of_ = options.as_of;
  out.children_ = snapshot->children;
  const std::size_t n = out.children_.size();
  const std::size_t k = rules->indices().size();
  detail::assign_huge(out.scores_, n * k, 0.0);
  detail::assign_huge(out.index_levels_, n * k, 0);
  detail::assign_huge(out.score_levels_, n, 0);
  detail::assign_huge(out.levels_, n, 0);
  detail::assign_huge(out.immediate_safety_, n, std::uint8_t{0});
  detail::assign_huge(out.discretionary_, n, DiscretionaryResult{});
  detail::assign_huge(out.totals_, n, 0.0);

  unsigned threads =
      options.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : options.threads;
  threads =
      static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, n / 256)));
  threads = std::max(1u, threads);
  std::vector<Partial> partials(threads);
  // Progress: each thread adds what it scored every kReportEvery children. The count and the
  // callback are under one lock, so reports come one at a time and never go back; once the
  // callback says stop, every thread stops at its next report.
  constexpr std::size_t kReportEvery = 256;
  std::size_t scored = 0;  // guarded by progress_mutex
  std::atomic<bool> stopped{false};
  std::mutex progress_mutex;
  auto report = [&](std::size_t newly) {
    if (!options.progress) return true;
    std::lock_guard<std::mutex> lock(progress_mutex);
    if (stopped.load()) return false;
    scored += newly;
    if (!options.progress(scored, n)) stopped.store(true);
    return !stopped.load();
  };
  auto work = [&](unsigned t) {
    const std::size_t begin = n * t / threads, end = n * (t + 1) / threads;
    ChildScorer scorer(*rules, *snapshot, prepared, options.as_of);
    // Room for more lines than a typical child has (about six), so the output is written once
    // instead of being copied at every doubling. Only the pages written become resident.
    constexpr std::size_t kLinesPerChild = 10;
    Partial& part = partials[t];
    detail::reserve_huge(part.contributions, (end - begin) * kLinesPerChild);
    detail::reserve_huge(part.contribution_counts, end - begin);
    detail::reserve_huge(part.fired_counts, end - begin);
    detail::reserve_huge(part.missing_counts, end - begin);
    detail::reserve_huge(part.step_counts, end - begin);
    detail::reserve_huge(part.issue_counts, end - begin);
    for (std::size_t row = begin; row < end; ++row) {
      scorer.score(out.children_[row], &out.scores_[row * k], &out.index_levels_[row * k],
                   out.score_levels_[row], out.levels_[row], out.immediate_safety_[row],
                   out.discretionary_[row], partials[t]);
      if ((row - begin + 1) % kReportEvery == 0 && !report(kReportEvery)) return;
    }
    report((end - begin) % kReportEvery);
  };
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    std::exception_ptr failure;
    std::mutex failure_mutex;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        try {
          work(t);
        } catch (...) {
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      });
    }
    for (auto& thread : pool) thread.join();
    if (failure) std::rethrow_exception(failure);
  }
  if (stopped.load())
    throw Error(Status::cancelled, "assessment cancelled by the progress callback");

  // Stitch the partial results together in child order: one allocation per column, and with
  // one thread no copy at all (the contribution lines are most of the output's bytes).
  auto stitch = [&](auto member, auto& column) {
    if (partials.size() == 1) {
      column = std::move(partials[0].*member);
      return;
    }
    std::size_t total = 0;
    for (const auto& part : partials) total += (part.*member).size();
    detail::reserve_huge(column, total);
    for (const auto& part : partials)
      column.insert(column.end(), (part.*member).begin(), (part.*member).end());
  };
  stitch(&Partial::contributions, out.contributions_);
  stitch(&Partial::fired, out.fired_);
  stitch(&Partial::missing, out.missing_);
  stitch(&Partial::steps, out.steps_);
  stitch(&Partial::issues, out.issues_);
  detail::reserve_huge(out.contribution_offsets_, n + 1);
  detail::reserve_huge(out.fired_offsets_, n + 1);
  detail::reserve_huge(out.missing_offsets_, n + 1);
  detail::reserve_huge(out.step_offsets_, n + 1);
  detail::reserve_huge(out.issue_offsets_, n + 1);
  out.contribution_offsets_.push_back(0);
  out.fired_offsets_.push_back(0);
  out.missing_offsets_.push_back(0);
  out.step_offsets_.push_back(0);
  out.issue_offsets_.push_back(0);
  for (auto& part : partials) {
    for (std::size_t count : part.step_counts)
      out.step_offsets_.push_back(out.step_offsets_.back() + count);
    for (std::size_t count : part.issue_counts)
      out.issue_offsets_.push_back(out.issue_offsets_.back() + count);
    for (std::size_t count : part.contribution_counts)
      out.contribution_offsets_.push_back(out.contribution_offsets_.back() + count);
    for (std::size_t count : part.fired_counts)
      out.fired_offsets_.push_back(out.fired_offsets_.back() + count);
    for (std::size_t count : part.missing_counts)
      out.missing_offsets_.push_back(out.missing_offsets_.back() + count);
    part = Partial{};
  }
  if (rules->propagation().enabled) PropagationPass(out, prepared).run();
  for (std::size_t row = 0; row < n; ++row) {
    double total = 0;
    for (std::size_t i = 0; i < k; ++i) total += out.scores_[row * k + i];
    out.totals_[row] = total;
  }
  return out;
}

}  // namespace safeguard

// ---- Incremental assessment ----------------------------------------------------------------

namespace safeguard {

std::vector<VertexIndex> persons_touched(const CaseGraph& graph, const Batch& batch) {
  std::vector<VertexIndex> persons;
  auto note = [&](const std::string& id) {
    if (auto v = graph.find(id); v && graph.kind(*v) == VertexKind::person) persons.push_back(*v);
  };
  auto note_all = [&](const std::vector<std::string>& ids) {
    for (const auto& id : ids) note(id);
  };
  auto note_concern = [&](const std::string& id) {
    if (auto v = graph.find(id); v && graph.kind(*v) == VertexKind::concern) {
      const Concern& concern = graph.concern(*v);
      persons.insert(persons.end(), concern.about.begin(), concern.about.end());
      persons.insert(persons.end(), concern.involves.begin(), concern.involves.end());
    }
  };
  for (const Edit& item : batch.items) {
    std::visit(
        [&](const auto& edit) {
          using T = std::decay_t<decltype(edit)>;
          if constexpr (std::is_same_v<T, PersonSpec> || std::is_same_v<T, ErasePerson>) {
            note(edit.id);
          } else if constexpr (std::is_same_v<T, ConcernSpec>) {
            note_all(edit.about);
            note_all(edit.involves);
          } else if constexpr (std::is_same_v<T, FactorSpec>) {
            note_all(edit.protects);
          } else if constexpr (std::is_same_v<T, RelationSpec>) {
            note(edit.from);
            note(edit.to);
          } else if constexpr (std::is_same_v<T, AmendConcern>) {
            note_concern(edit.concern.id);
            note_all(edit.concern.about);
            note_all(edit.concern.involves);
          } else if constexpr (std::is_same_v<T, RetractConcern>) {
            note_concern(edit.id);
          } else if constexpr (std::is_same_v<T, EventSpec>) {
            note_all(edit.about);
          } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
            note(edit.child);
          }
          // A CalendarSpec moves every child's timescales: Reassessor::apply rescores everyone.
          // Agencies, places, groups and households reach no child until something names them.
        },
        item);
  }
  std::sort(persons.begin(), persons.end());
  persons.erase(std::unique(persons.begin(), persons.end()), persons.end());
  return persons;
}

struct Reassessor::Impl {
  std::shared_ptr<const RuleSet> rules;
  AssessOptions options;
  std::vector<std::string> symbols;  // the snapshot symbols `prepared` was made for
  Prepared prepared;
  bool ready = false;
  // Where each child's process events and judgements are, kept up to date across this
  // Reassessor's own batches; rebuilt when the graph was changed some other way.
  RecordIndex records;
  const CaseGraph* indexed_graph = nullptr;
  std::uint64_t indexed_revision = 0;

  void index(const CaseGraph& graph) {
    if (indexed_graph != &graph || indexed_revision != graph.revision()) {
      records = RecordIndex{};
      indexed_graph = &graph;
    }
    records.catch_up(graph);
    indexed_revision = graph.revision();
  }
};

Reassessor::Reassessor(std::shared_ptr<const RuleSet> rules, const AssessOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->rules = std::move(rules);
  impl_->options = options;
  impl_->options.threads = 1;  // a handful of children: threads would cost more than they save
}

Reassessor::~Reassessor() = default;
Reassessor::Reassessor(Reassessor&&) noexcept = default;
Reassessor& Reassessor::operator=(Reassessor&&) noexcept = default;

Results Reassessor::apply(CaseGraph& graph, const Batch& batch) {
  const bool new_calendar = std::any_of(batch.items.begin(), batch.items.end(), [](const Edit& e) {
    return std::holds_alternative<CalendarSpec>(e);
  });
  std::vector<VertexIndex> children = children_reached_by(graph, persons_touched(graph, batch));
  const bool indexed =
      impl_->indexed_graph == &graph && impl_->indexed_revision == graph.revision();
  graph.apply(batch);
  // The batch only appended records: the index stays valid by catching up.
  if (indexed) impl_->indexed_revision = graph.revision();
  if (new_calendar) {
    for (VertexIndex v = 0; v < graph.vertex_count(); ++v) children.push_back(v);
  }
  const std::vector<VertexIndex> now = children_reached_by(graph, persons_touched(graph, batch));
  children.insert(children.end(), now.begin(), now.end());
  return assess(graph, children);
}

Results Reassessor::assess(const CaseGraph& graph, const std::vector<VertexIndex>& children) {
  // Propagation spreads evidence through the whole network, so no partial snapshot can give
  // exact results: a pack that propagates is assessed in full.
  if (impl_->rules->propagation().enabled)
    return safeguard::assess(impl_->rules, take_snapshot(graph), impl_->options);
  impl_->index(graph);
  std::shared_ptr<const Snapshot> snapshot = take_snapshot(graph, children, &impl_->records);
  check_arguments(impl_->rules, snapshot, impl_->options);
  // The tables depend on the snapshot's symbols, which only grow as a graph is edited.
  if (!impl_->ready || impl_->symbols != snapshot->symbols) {
    impl_->prepared = prepare(*impl_->rules, *snapshot, impl_->options.as_of);
    impl_->symbols = snapshot->symbols;
    impl_->ready = true;
  }
  return detail::ResultsBuilder::build(impl_->rules, std::move(snapshot), impl_->prepared,
                                       impl_->options);
}

}  // namespace safeguard
