// A deliberately simple assessment, kept apart from the library's fast path so the two can be
// compared: it evaluates every rule on every piece of evidence with the generic interpreter,
// walks the snapshot afresh for every aggregate, and computes ages with Boost.Date_Time via
// calendar.hpp. No prefilters, caches or shortcuts. tests/oracle/test_differential.cpp checks that
// safeguard::assess gives bit-identical results.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "interpreter.hpp"  // private (src/)
#include "safeguard/assess.hpp"
#include "safeguard/calendar.hpp"
#include "safeguard/timeline.hpp"
#include "timeline_build.hpp"  // private (src/)

namespace reference {

using namespace safeguard;

struct ChildResult {
  std::vector<double> scores;
  std::vector<int> index_levels;
  int score_level = 0;
  int level = 0;
  bool immediate_safety = false;
  std::vector<Contribution> contributions;
  std::vector<std::uint32_t> fired;
  std::vector<NotAssessable> missing;
  DiscretionaryOutcome discretionary = DiscretionaryOutcome::none;
  SafetyDecision safety = SafetyDecision::not_assessed;
  std::vector<SafetyFinding> safety_findings;  // restricted_basis not worked out
};

inline std::pair<Role, double> best_reach(const Rule& rule, RoleMask roles) {
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

inline double decay(const Rule& rule, double age_days) {
  return rule.half_life_days > 0 ? std::exp2(-age_days / rule.half_life_days) : 1.0;
}

// The first person on the path by which the evidence reaches the child, in circle order.
inline VertexIndex via_concern(const Snapshot& snap, std::uint32_t child, std::uint32_t c,
                               Role role) {
  const bool involvement = role == Role::involved;
  const auto& list = involvement ? snap.concern_involves : snap.concern_about;
  for (const std::uint32_t* p = list.begin(c); p != list.end(c); ++p) {
    const int at = circle_position(snap, child, *p);
    if (at < 0) continue;
    const RoleMask roles = snap.person_circle.begin(child)[at].roles;
    if (involvement ? (roles & kInvolvingRoles) != 0 : (roles & role_bit(role)) != 0)
      return snap.person_vertex[*p];
  }
  return snap.person_vertex[child];
}

inline VertexIndex via_factor(const Snapshot& snap, std::uint32_t child, std::uint32_t f,
                              Role role) {
  for (const CircleMember* m = snap.person_circle.begin(child); m != snap.person_circle.end(child);
       ++m) {
    if (!(m->roles & role_bit(role))) continue;
    for (const std::uint32_t* g = snap.person_factors.begin(m->person);
         g != snap.person_factors.end(m->person); ++g) {
      if (*g == f) return snap.person_vertex[m->person];
    }
  }
  return snap.person_vertex[child];
}

inline std::vector<std::uint32_t> map_symbols(const RuleSet& rules, const Snapshot& snap) {
  std::vector<std::uint32_t> map(snap.symbols.size());
  for (std::size_t s = 0; s < snap.symbols.size(); ++s) {
    const std::uint32_t found = rules.symbols().find(snap.symbols[s]);
    map[s] = found != expr::SymbolTable::kNone
                 ? found
                 : static_cast<std::uint32_t>(rules.symbols().size() + s);
  }
  return map;
}

inline ChildResult assess_child(const RuleSet& rules, const Snapshot& snap,
                                const std::vector<std::uint32_t>& symbol_map, Day as_of,
                                std::uint32_t child) {
  ChildResult out;
  expr::EvalContext ctx;
  ctx.interpret_only = true;  // never the straight-line tests the fast path compiles
  ctx.snapshot = &snap;
  ctx.symbol_map = symbol_map.data();
  ctx.as_of = as_of;
  ctx.child = child;
  const Day dob = snap.person_dob[child];
  if (dob != kNoDay && dob <= as_of) {
    ctx.child_age_months = age_in_months(dob, as_of);
    ctx.child_age_years = age_in_years(dob, as_of);
  }

  std::vector<Step> steps;
  std::vector<TimelineIssue> issues;
  // Held for as long as the steps are: their reasons point into it.
  const std::shared_ptr<const Process> process =
      process_for(snap.calendar->nation(), rules.timescales(), nullptr);
  const TimelineSummary timeline =
      build_timeline(snap, child, *process, *snap.calendar, as_of, steps, issues);
  ctx.timeline = &timeline;

  struct Item {
    std::uint32_t slot;
    RoleMask roles;
  };
  std::vector<Item> concerns, factors;
  for_each_circle_concern(snap, child, [&](std::uint32_t c, RoleMask roles) {
    if (expr::concern_visible(snap, c, as_of)) concerns.push_back({c, roles});
  });
  std::sort(concerns.begin(), concerns.end(),
            [](const Item& a, const Item& b) { return a.slot < b.slot; });
  for (const CircleMember* m = snap.person_circle.begin(child); m != snap.person_circle.end(child);
       ++m) {
    for (const std::uint32_t* f = snap.person_factors.begin(m->person);
         f != snap.person_factors.end(m->person); ++f) {
      if (!expr::factor_visible(snap, *f, as_of)) continue;
      auto found = std::find_if(factors.begin(), factors.end(),
                                [&](const Item& item) { return item.slot == *f; });
      if (found == factors.end()) {
        factors.push_back({*f, m->roles});
      } else {
        found->roles |= m->roles;
      }
    }
  }
  std::sort(factors.begin(), factors.end(),
            [](const Item& a, const Item& b) { return a.slot < b.slot; });

  auto evaluate = [&](std::uint32_t r, const Rule& rule, VertexIndex evidence, VertexIndex via,
                      Role path, double decay_factor, double reach_factor) {
    ctx.missing = -1;
    const expr::Value fires = expr::evaluate(rule.when, ctx);
    if (!fires.known) {
      out.missing.push_back(
          {r, false, evidence, static_cast<expr::Attr>(std::max(ctx.missing, 0))});
      return;
    }
    if (fires.number == 0) return;
    const expr::Value points = expr::evaluate(rule.points, ctx);
    if (!points.known) {
      out.missing.push_back(
          {r, false, evidence, static_cast<expr::Attr>(std::max(ctx.missing, 0))});
      return;
    }
    if (points.number == 0) return;
    Contribution c;
    c.rule = r;
    c.evidence = evidence;
    c.via = via;
    c.path = path;
    c.raw = points.number;
    c.decay = decay_factor;
    c.reach = reach_factor;
    c.value = c.raw * c.decay * c.reach;
    out.contributions.push_back(c);
  };

  for (std::uint32_t r = 0; r < rules.rules().size(); ++r) {
    const Rule& rule = rules.rules()[r];
    const std::size_t first = out.contributions.size();
    if (rule.scope == expr::Scope::child) {
      evaluate(r, rule, kNoVertex, kNoVertex, Role::self, 1.0, 1.0);
    } else if (rule.scope == expr::Scope::concern) {
      for (const Item& item : concerns) {
        // Unsubstantiated concerns count only for a rule that reads concern.status.
        if (!rule.when.reads_status() && !rule.points.reads_status() &&
            snap.concern_status[item.slot] == ConcernStatus::unsubstantiated)
          continue;
        const auto [role, factor] = best_reach(rule, item.roles);
        if (factor <= 0) continue;
        ctx.concern = item.slot;
        ctx.path = role;
        const double age = std::max(0, as_of - snap.concern_date(item.slot));
        evaluate(r, rule, snap.concern_vertex[item.slot], via_concern(snap, child, item.slot, role),
                 role, decay(rule, age), factor);
      }
    } else {
      for (const Item& item : factors) {
        const auto [role, factor] = best_reach(rule, item.roles);
        if (factor <= 0) continue;
        ctx.factor = item.slot;
        ctx.path = role;
        const Day start = snap.factor_start[item.slot];
        const double age = start == kNoDay ? 0.0 : std::max(0, as_of - start);
        evaluate(r, rule, snap.factor_vertex[item.slot], via_factor(snap, child, item.slot, role),
                 role, decay(rule, age), factor);
      }
    }
    if (rule.cap > 0) {
      double total = 0;
      for (std::size_t k = first; k < out.contributions.size(); ++k)
        total += out.contributions[k].value;
      if (rules.indices()[rule.index].whole) {
        // Whole counting: the latest evidence takes its whole points first (ties: listed order).
        double size = 0;
        for (std::size_t k = first; k < out.contributions.size(); ++k)
          size += std::fabs(out.contributions[k].value);
        if (size > rule.cap) {
          std::vector<std::size_t> order;
          for (std::size_t k = first; k < out.contributions.size(); ++k) order.push_back(k);
          auto date = [&](std::size_t k) {
            const std::uint32_t slot = snap.vertex_slot[out.contributions[k].evidence];
            return rule.scope == expr::Scope::factor ? snap.factor_start[slot]
                                                     : snap.concern_date(slot);
          };
          std::stable_sort(order.begin(), order.end(),
                           [&](std::size_t a, std::size_t b) { return date(a) > date(b); });
          double left = rule.cap;
          for (std::size_t k : order) {
            Contribution& c = out.contributions[k];
            const double take = std::min(std::fabs(c.value), left);
            left -= take;
            c.cap_factor = take / std::fabs(c.value);
            c.value = c.value < 0 ? -take : take;
          }
        }
      } else if (std::fabs(total) > rule.cap) {
        const double cap_factor = rule.cap / std::fabs(total);
        for (std::size_t k = first; k < out.contributions.size(); ++k) {
          Contribution& c = out.contributions[k];
          c.cap_factor = cap_factor;
          c.value = c.raw * c.decay * c.reach * c.cap_factor;
        }
      }
    }
  }

  out.scores.assign(rules.indices().size(), 0.0);
  for (const Contribution& c : out.contributions)
    out.scores[rules.rules()[c.rule].index] += c.value;
  for (std::size_t i = 0; i < out.scores.size(); ++i) {
    out.index_levels.push_back(rules.level_for(static_cast<std::uint32_t>(i), out.scores[i]));
    out.score_level = std::max(out.score_level, out.index_levels.back());
  }
  out.level = out.score_level;
  int policy_minimum = -1;
  for (std::uint32_t o = 0; o < rules.overrides().size(); ++o) {
    const PolicyOverride& rule = rules.overrides()[o];
    ctx.missing = -1;
    const expr::Value fires = expr::evaluate(rule.when, ctx);
    if (!fires.known) {
      out.missing.push_back(
          {o, true, kNoVertex, static_cast<expr::Attr>(std::max(ctx.missing, 0))});
      continue;
    }
    if (fires.number == 0) continue;
    out.fired.push_back(o);
    out.level = std::max(out.level, rule.min_level);
    policy_minimum = std::max(policy_minimum, rule.min_level);
    if (rule.immediate_safety) out.immediate_safety = true;
  }
  // The present-danger decision: each danger in pack order over the child, or over every
  // concern (factor) by the first of its paths the condition takes; then, if one holds, the
  // plans. An unknown condition does not hold and is noted.
  auto check_safety = [&](const std::vector<SafetyCondition>& conditions, bool plans) {
    for (std::uint32_t i = 0; i < conditions.size(); ++i) {
      const SafetyCondition& condition = conditions[i];
      auto check = [&](VertexIndex evidence) {
        ctx.missing = -1;
        const expr::Value holds = expr::evaluate(condition.when, ctx);
        if (!holds.known) {
          NotAssessable note;
          note.rule = i;
          note.evidence = evidence;
          note.missing = static_cast<expr::Attr>(std::max(ctx.missing, 0));
          note.safety = plans ? SafetyPart::plan : SafetyPart::danger;
          out.missing.push_back(note);
        } else if (holds.number != 0) {
          out.safety_findings.push_back({plans, i, evidence, false});
        }
      };
      if (condition.scope == expr::Scope::child) {
        check(kNoVertex);
        continue;
      }
      const bool concern = condition.scope == expr::Scope::concern;
      for (const Item& item : concern ? concerns : factors) {
        const RoleMask roles = item.roles & condition.paths;
        if (roles == 0) continue;
        ctx.path = first_role(roles);
        if (concern) {
          if (!condition.when.reads_status() &&
              snap.concern_status[item.slot] == ConcernStatus::unsubstantiated)
            continue;
          ctx.concern = item.slot;
          check(snap.concern_vertex[item.slot]);
        } else {
          ctx.factor = item.slot;
          check(snap.factor_vertex[item.slot]);
        }
      }
    }
  };
  if (rules.safety().defined) {
    check_safety(rules.safety().dangers, false);
    const bool danger = !out.safety_findings.empty();
    if (danger) check_safety(rules.safety().plans, true);
    const bool plan = danger && out.safety_findings.back().plan;
    out.safety = !danger ? SafetyDecision::safe
                 : plan  ? SafetyDecision::safe_with_plan
                         : SafetyDecision::unsafe;
  }
  // The latest discretionary override on or before the date moves the level one step, if the
  // pack allows that direction, the level is not at the end, and no policy minimum forbids it.
  int latest = -1;
  for (const std::uint32_t* o = snap.person_overrides.begin(child);
       o != snap.person_overrides.end(child); ++o) {
    if (snap.override_date[*o] <= as_of) latest = static_cast<int>(*o);
  }
  if (latest >= 0) {
    const bool raise = snap.override_direction[latest] == OverrideDirection::raise;
    const DiscretionaryPolicy policy = rules.discretionary();
    const int top = static_cast<int>(rules.levels().size()) - 1;
    if (policy == DiscretionaryPolicy::none ||
        (raise && policy == DiscretionaryPolicy::lower_only) ||
        (!raise && policy == DiscretionaryPolicy::raise_only)) {
      out.discretionary = DiscretionaryOutcome::not_allowed;
    } else if ((raise && out.level >= top) || (!raise && out.level <= 0)) {
      out.discretionary = DiscretionaryOutcome::at_limit;
    } else if (!raise && out.level - 1 < policy_minimum) {
      out.discretionary = DiscretionaryOutcome::held_by_policy;
    } else {
      out.level += raise ? 1 : -1;
      out.discretionary = DiscretionaryOutcome::applied;
    }
  }
  return out;
}

}  // namespace reference
