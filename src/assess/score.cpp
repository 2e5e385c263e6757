// Scoring one child: the evidence that reaches it, each piece against the rules its category
// admits, caps, levels, policy overrides and the discretionary override.
#include "score.hpp"

#include <algorithm>
#include <cmath>

#include "huge_pages.hpp"
#include "points.hpp"
#include "safeguard/calendar.hpp"
#include "safeguard/timeline.hpp"
#include "timeline_build.hpp"

namespace safeguard::detail {
namespace {

struct Reached {
  std::uint32_t slot;  // concern or factor slot
  RoleMask roles;
};

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

}  // namespace

class ChildScorer::Impl final : public expr::AdultReader {
 public:
  Impl(const RuleSet& rules, const Snapshot& snap, const Prepared& prepared, const Process& process,
       Day as_of)
      : rules_(rules), snap_(snap), prepared_(prepared), process_(process), as_of_(as_of) {
    // Adult indices (subject = "adult"): their rules score adults, never a child, and
    // adult_score() finds them by the pack symbol of their id.
    const auto& indices = rules_.indices();
    for (std::uint32_t i = 0; i < indices.size(); ++i) {
      if (!indices[i].adult) continue;
      const std::uint32_t symbol = rules_.symbols().find(indices[i].id);
      if (symbol == expr::SymbolTable::kNone) continue;  // no expression reads it
      if (index_of_symbol_.size() <= symbol) index_of_symbol_.resize(symbol + 1, -1);
      index_of_symbol_[symbol] = static_cast<std::int32_t>(i);
    }
    for (std::uint32_t r = 0; r < rules_.rules().size(); ++r) {
      if (indices[rules_.rules()[r].index].adult) adult_rules_.push_back(r);
    }
    for (std::uint32_t o = 0; o < rules_.overrides().size(); ++o) {
      if (rules_.overrides()[o].adult) adult_overrides_.push_back(o);
    }
    // adult_level_at_least() names a level by the pack symbol of its id.
    for (std::uint32_t l = 0; l < rules_.levels().size(); ++l) {
      const std::uint32_t symbol = rules_.symbols().find(rules_.levels()[l].id);
      if (symbol == expr::SymbolTable::kNone) continue;  // no expression reads it
      if (level_of_symbol_.size() <= symbol) level_of_symbol_.resize(symbol + 1, -1);
      level_of_symbol_[symbol] = static_cast<std::int32_t>(l);
    }
    // Rules with `latest`: each distinct family (prefix and window) once.
    rule_family_.assign(rules_.rules().size(), -1);
    for (std::size_t r = 0; r < rules_.rules().size(); ++r) {
      const Rule& rule = rules_.rules()[r];
      if (!rule.latest()) continue;
      std::size_t f = 0;
      while (f < families_.size() && !(families_[f].prefix == rule.latest_family &&
                                       families_[f].within_days == rule.latest_within_days))
        ++f;
      if (f == families_.size())
        families_.push_back(LatestFamily{rule.latest_family, rule.latest_within_days, {}});
      rule_family_[r] = static_cast<std::int32_t>(f);
    }
    refresh();
  }

  // What the scorer keeps about the snapshot's contents.
  void refresh() {
    // The record without its restricted concerns, to tell which rules about a child fired
    // only because of them (Contribution::restricted_basis). Built only when there are any.
    restricted_group_.clear();
    const std::size_t concerns = snap_.concern_vertex.size();
    for (std::size_t c = 0; c < concerns; ++c) {
      if (!snap_.concern_restricted[c]) continue;
      if (restricted_group_.empty()) detail::assign_refill(restricted_group_, concerns, 0u);
      restricted_group_[c] = 1;
    }
    if (!restricted_group_.empty()) {
      detail::assign_refill(no_factor_group_, snap_.factor_vertex.size(), 0u);
      unrestricted_.concern_group = restricted_group_.data();
      unrestricted_.factor_group = no_factor_group_.data();
      unrestricted_.allowed = kUnrestrictedAllowed;
    }
    // The snapshot symbols that belong to each `latest` family.
    for (LatestFamily& family : families_) {
      family.member.resize(snap_.symbols.size());
      for (std::size_t s = 0; s < snap_.symbols.size(); ++s)
        family.member[s] = snap_.symbols[s].compare(0, family.prefix.size(), family.prefix) == 0;
    }
  }

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
      ctx.child_age_months = age_in_months(dob, as_of_);
      ctx.child_age_years = ctx.child_age_months / 12;
    }
    gather(child);
    const TimelineSummary timeline =
        build_timeline(snap_, child, process_, *snap_.calendar, as_of_, steps_, issues_);
    ctx.timeline = &timeline;
    out.steps.insert(out.steps.end(), steps_.begin(), steps_.end());
    out.step_counts.push_back(steps_.size());
    out.issues.insert(out.issues.end(), issues_.begin(), issues_.end());
    out.issue_counts.push_back(issues_.size());
    ctx.circle_concerns = visit_order_.data();
    ctx.circle_concern_count = visit_order_.size();
    ctx.mask = filter_;
    ctx.adults = this;
    adult_memo_.clear();
    adult_memo_scores_.clear();

    // Evidence first, in slot order, each piece against the rules its category admits; then
    // the results are put in rule order, which is the order the explanation lists them in.
    latest_seen_.clear();
    hits_.clear();
    misses_.clear();
    for (const Reached& item : concerns_) {
      const Symbol category = snap_.concern_category[item.slot];
      for (const std::uint32_t* r = prepared_.concern_rules.begin(category);
           r != prepared_.concern_rules.end(category); ++r) {
        const Rule& rule = rules_.rules()[*r];
        if (!counts_status(*r, item.slot) || rules_.indices()[rule.index].adult) continue;
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
              mark_adult_basis(rule, ctx, c);
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
              mark_adult_basis(rule, ctx, c);
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
        if (out.contributions.size() > rule_first && !restricted_group_.empty() && !filter_) {
          Contribution& c = out.contributions.back();
          c.restricted_basis = !same_without_restricted(rule, ctx, c);
        }
      } else {
        out.contributions.insert(out.contributions.end(), sorted_hits_.begin() + hit_offsets_[r],
                                 sorted_hits_.begin() + hit_offsets_[r + 1]);
        out.missing.insert(out.missing.end(), sorted_misses_.begin() + miss_offsets_[r],
                           sorted_misses_.begin() + miss_offsets_[r + 1]);
      }
      if (rule_family_[r] >= 0)
        apply_latest(rule_family_[r], out.contributions, rule_first, filter_);
      if (rules_.indices()[rule.index].whole) {
        apply_whole_cap(rule, out.contributions, rule_first);
      } else {
        apply_cap(rule, out.contributions, rule_first);
      }
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
      if (rule.adult) continue;  // an adult's result, never a child's (score_adult)
      ctx.missing = -1;
      const expr::Value fires = expr::evaluate(rule.when, ctx);
      if (!fires.known) {
        out.missing.push_back(
            {o, true, kNoVertex, static_cast<expr::Attr>(std::max(ctx.missing, 0))});
        continue;
      }
      if (fires.number == 0) continue;
      out.fired.push_back(o);
      // Would it fire on the record without restricted concerns? If not, its id and reason
      // say what they hold, and only a reader who sees them all may read them.
      bool restricted_basis = false;
      if (!restricted_group_.empty() && !filter_) {
        ctx.mask = &unrestricted_;
        ctx.missing = -1;
        const expr::Value alone = expr::evaluate(rule.when, ctx);
        ctx.mask = filter_;
        restricted_basis = !(alone.known && alone.number != 0);
      }
      out.fired_restricted.push_back(restricted_basis ? 1 : 0);
      if (rule.immediate_safety) immediate = 1;
    }
    if (rules_.safety().defined) {
      assess_safety(ctx, out);
    } else {
      out.safety_counts.push_back(0);
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
  static bool needs_approval(ApprovalPolicy policy, bool raise) {
    return policy == ApprovalPolicy::raise_and_lower ||
           policy == (raise ? ApprovalPolicy::raise : ApprovalPolicy::lower);
  }

  // Professional judgement: the person's (a child's, or an adult's for their own result) latest
  // discretionary override on or before the as-of date moves the level one step, within what
  // the pack allows, never below a policy minimum.
  void apply_discretionary(std::uint32_t child, int policy_minimum, std::int32_t& level,
                           DiscretionaryResult& judgement) const {
    judgement = DiscretionaryResult{};
    judgement.level_before = level;
    if (filter_) return;  // part of the record: no judgement on it was recorded
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
    // An approval counts from its date: as of an earlier date the judgement was not approved.
    if (needs_approval(rules_.approval(), raise) &&
        (snap_.override_approved_by[latest].empty() || snap_.override_approved[latest] > as_of_)) {
      judgement.outcome = DiscretionaryOutcome::awaiting_approval;
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
      if (expr::concern_visible(snap_, c, as_of_) && (!filter_ || filter_->concern_counts(c)))
        visit_order_.push_back({c, roles});
    });
    concerns_.resize(visit_order_.size());
    for (std::size_t i = 0; i < visit_order_.size(); ++i)
      concerns_[i] = {visit_order_[i].concern, visit_order_[i].roles};
    for (const CircleMember* m = snap_.person_circle.begin(child);
         m != snap_.person_circle.end(child); ++m) {
      for (const std::uint32_t* f = snap_.person_factors.begin(m->person);
           f != snap_.person_factors.end(m->person); ++f) {
        if (expr::factor_visible(snap_, *f, as_of_) && (!filter_ || filter_->factor_counts(*f)))
          factors_.push_back({*f, m->roles});
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

  // The child's present-danger decision ([safety]): every danger in pack order, each over the
  // child or over each concern that reaches it by one of its paths; then, when one holds, the
  // plans likewise. A condition whose value is unknown does not hold, as a rule does not fire,
  // and is noted as not assessable.
  void assess_safety(expr::EvalContext& ctx, Partial& out) {
    const SafetySettings& safety = rules_.safety();
    const std::size_t first = out.safety_findings.size();
    check_safety(safety.dangers, false, ctx, out);
    const bool danger = out.safety_findings.size() > first;
    if (danger) check_safety(safety.plans, true, ctx, out);
    const bool plan = out.safety_findings.size() > first && out.safety_findings.back().plan;
    const SafetyDecision decision = !danger ? SafetyDecision::safe
                                    : plan  ? SafetyDecision::safe_with_plan
                                            : SafetyDecision::unsafe;
    out.safety.push_back(static_cast<std::uint8_t>(decision));
    out.safety_counts.push_back(out.safety_findings.size() - first);
  }

  void check_safety(const std::vector<SafetyCondition>& conditions, bool plans,
                    expr::EvalContext& ctx, Partial& out) {
    for (std::uint32_t i = 0; i < conditions.size(); ++i) {
      const SafetyCondition& c = conditions[i];
      if (c.scope == expr::Scope::child) {
        const Outcome holds = run(c.when, ctx);
        if (!holds.value.known) note_unknown(plans, i, kNoVertex, holds, out);
        if (!holds.value.known || holds.value.number == 0) continue;
        SafetyFinding finding{plans, i, kNoVertex, false};
        if (!restricted_group_.empty() && !filter_) {
          // Would it hold on the record without restricted concerns? If not, its title says
          // something of them.
          ctx.mask = &unrestricted_;
          const Outcome alone = run(c.when, ctx);
          ctx.mask = filter_;
          finding.restricted_basis = !(alone.value.known && alone.value.number != 0);
        }
        out.safety_findings.push_back(finding);
        continue;
      }
      const auto& items = c.scope == expr::Scope::concern ? concerns_ : factors_;
      // Evidence the condition's guard rejects is a known false without running it.
      const expr::Guard& guard = c.when.compiled().guard;
      const bool counts_unsubstantiated = c.when.reads_status();
      for (const Reached& item : items) {
        const RoleMask roles = item.roles & c.paths;
        if (roles == 0) continue;
        int first_role = 0;
        while (!(roles & (1u << first_role))) ++first_role;
        ctx.path = static_cast<Role>(first_role);  // the first path it arrives by
        VertexIndex evidence;
        if (c.scope == expr::Scope::concern) {
          if (!counts_unsubstantiated &&
              snap_.concern_status[item.slot] == ConcernStatus::unsubstantiated)
            continue;
          if (!guard_admits(guard, expr::Attr::concern_category, snap_.concern_category[item.slot]))
            continue;
          ctx.concern = item.slot;
          evidence = snap_.concern_vertex[item.slot];
        } else {
          if (!guard_admits(guard, expr::Attr::factor_kind, snap_.factor_kind[item.slot])) continue;
          ctx.factor = item.slot;
          evidence = snap_.factor_vertex[item.slot];
        }
        const Outcome holds = run(c.when, ctx);
        if (!holds.value.known) note_unknown(plans, i, evidence, holds, out);
        if (holds.value.known && holds.value.number != 0)
          out.safety_findings.push_back({plans, i, evidence, false});
      }
    }
  }

  // Whether `guard` lets evidence of this category (or factor kind: a snapshot symbol)
  // through; when it does not, the guarded program is a known false (expr::Guard).
  bool guard_admits(const expr::Guard& guard, expr::Attr attr, Symbol symbol) const {
    if (!guard.active || guard.attr != attr) return true;
    const std::uint32_t mapped = prepared_.symbol_map[symbol];
    return std::find(guard.symbols.begin(), guard.symbols.end(), mapped) != guard.symbols.end();
  }

  // A condition whose value is unknown does not hold; the result says it could not be assessed.
  static void note_unknown(bool plan, std::uint32_t item, VertexIndex evidence,
                           const Outcome& outcome, Partial& out) {
    NotAssessable note;
    note.rule = item;
    note.evidence = evidence;
    note.missing = static_cast<expr::Attr>(std::max(outcome.missing, 0));
    note.safety = plan ? SafetyPart::plan : SafetyPart::danger;
    out.missing.push_back(note);
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

  // A concern rule that does not read concern.status counts open and closed concerns only;
  // one that reads it decides (docs/rules.md, "Which concerns count").
  bool counts_status(std::uint32_t rule, std::uint32_t concern) const {
    return prepared_.tables[rule].reads_status ||
           snap_.concern_status[concern] != ConcernStatus::unsubstantiated;
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
      if (c.superseded) continue;
      c.cap_factor = factor;
      c.value = c.raw * c.decay * c.reach * c.cap_factor;
    }
  }

  // A whole-counting index's cap: the most recent evidence takes its whole points first (ties:
  // the order listed), until the cap is used up; later lines keep cap_factor 0 and value 0, so
  // the explanation still names every tick and every value stays a whole number.
  void apply_whole_cap(const Rule& rule, std::vector<Contribution>& contributions,
                       std::size_t first) const {
    if (rule.cap <= 0) return;
    double total = 0;
    for (std::size_t k = first; k < contributions.size(); ++k)
      total += std::fabs(contributions[k].value);
    if (total <= rule.cap) return;
    whole_order_.clear();
    for (std::size_t k = first; k < contributions.size(); ++k) {
      if (!contributions[k].superseded) whole_order_.push_back(k);
    }
    auto date = [&](std::size_t k) {
      const VertexIndex v = contributions[k].evidence;
      if (v == kNoVertex) return kNoDay;
      const std::uint32_t slot = snap_.vertex_slot[v];
      return rule.scope == expr::Scope::factor ? snap_.factor_start[slot]
                                               : snap_.concern_date(slot);
    };
    std::stable_sort(whole_order_.begin(), whole_order_.end(), [&](std::size_t a, std::size_t b) {
      return date(a) > date(b);  // kNoDay is the smallest Day
    });
    double left = rule.cap;
    for (std::size_t k : whole_order_) {
      Contribution& c = contributions[k];
      const double size = std::fabs(c.value);
      const double take = std::min(size, left);
      left -= take;
      c.cap_factor = take / size;
      c.value = c.value < 0 ? -take : take;
    }
  }

  // The date of the latest group of family `f` about `person` as of the date: the latest
  // date, at most within_days back, of a concern about the person in the family that counts
  // (visible, not unsubstantiated, allowed by the filter); kNoDay when there is none. Worked
  // out once per person and family for the child (or node) being scored.
  const std::pair<Day, bool>& latest_group(std::uint32_t person, std::int32_t f,
                                           const expr::EvidenceMask* mask) {
    for (const LatestSeen& seen : latest_seen_) {
      if (seen.person == person && seen.family == f && seen.mask == mask) return seen.group;
    }
    const LatestFamily& family = families_[static_cast<std::size_t>(f)];
    Day best = kNoDay;
    bool restricted = false;
    for (const std::uint32_t* c = snap_.person_concerns.begin(person);
         c != snap_.person_concerns.end(person); ++c) {
      if (!expr::concern_visible(snap_, *c, as_of_) || (mask && !mask->concern_counts(*c)) ||
          snap_.concern_status[*c] == ConcernStatus::unsubstantiated ||
          !family.member[snap_.concern_category[*c]])
        continue;
      const Day date = snap_.concern_date(*c);
      if (date == kNoDay || date > as_of_ || as_of_ - date > family.within_days) continue;
      if (date > best) restricted = false;
      if (date >= best) {
        best = date;
        restricted = restricted || snap_.concern_restricted[*c] != 0;
      }
    }
    latest_seen_.push_back({person, f, mask, {best, restricted}});
    return latest_seen_.back().group;
  }

  // A rule with `latest`: a line counts only when its concern is dated on the latest group of
  // the family about the person the line is for (its `via`: the adult whose result it is, or
  // the person through whom it reaches a child), when the concern is about that person; else
  // on the latest group of any person it is about (a concern about no person has no group and
  // counts). A tick about two victims counts for each only on their own latest checklist. The
  // others are listed with cap_factor 0 and value 0, marked superseded; when the group that
  // supersedes one holds restricted evidence, the line says something of it, so it is shown only to
  // a reader who sees every restricted concern (restricted_basis).
  void apply_latest(std::int32_t f, std::vector<Contribution>& contributions, std::size_t first,
                    const expr::EvidenceMask* mask) {
    for (std::size_t k = first; k < contributions.size(); ++k) {
      Contribution& c = contributions[k];
      if (c.evidence == kNoVertex) continue;
      const std::uint32_t slot = snap_.vertex_slot[c.evidence];
      const Day date = snap_.concern_date(slot);
      const std::uint32_t* begin = snap_.concern_about.begin(slot);
      const std::uint32_t* end = snap_.concern_about.end(slot);
      if (c.via != kNoVertex && snap_.vertex_kind[c.via] == VertexKind::person) {
        const std::uint32_t* own = std::find(begin, end, snap_.vertex_slot[c.via]);
        if (own != end) begin = own, end = own + 1;
      }
      bool about_anyone = false, on_latest = false, later_restricted = false;
      for (const std::uint32_t* p = begin; p != end; ++p) {
        about_anyone = true;
        const auto [latest, restricted] = latest_group(*p, f, mask);
        if (latest == date) {
          on_latest = true;
        } else {
          later_restricted = later_restricted || restricted;
        }
      }
      if (!about_anyone || on_latest) continue;
      c.superseded = true;
      c.cap_factor = 0;
      c.value = 0;
      c.restricted_basis = c.restricted_basis || later_restricted;
    }
  }

  const RuleSet& rules_;
  const Snapshot& snap_;
  const Prepared& prepared_;
  const Process& process_;
  Day as_of_;

  struct LatestFamily {
    std::string prefix;  // "dash." for "dash.*"
    int within_days = 0;
    std::vector<std::uint8_t> member;  // per snapshot symbol: a category of the family
  };
  struct LatestSeen {
    std::uint32_t person;
    std::int32_t family;
    const expr::EvidenceMask* mask;
    std::pair<Day, bool> group;  // its date, and whether it holds restricted evidence
  };
  std::vector<LatestFamily> families_;
  std::vector<std::int32_t> rule_family_;  // per rule: into families_, or -1
  std::vector<LatestSeen> latest_seen_;

 public:
  const EvidenceFilter* filter_ = nullptr;
  // Group 1: restricted concerns, which the unrestricted mask leaves out.
  static constexpr std::uint8_t kUnrestrictedAllowed[2] = {1, 0};
  std::vector<std::uint32_t> restricted_group_;  // per concern slot; empty: none restricted
  std::vector<std::uint32_t> no_factor_group_;
  EvidenceFilter unrestricted_;

 private:
  std::vector<expr::ReachedConcern> visit_order_;
  std::vector<Reached> concerns_;
  std::vector<Reached> factors_;
  std::vector<Contribution> hits_, sorted_hits_;
  std::vector<NotAssessable> misses_, sorted_misses_;
  std::vector<std::uint32_t> hit_offsets_, miss_offsets_;
  mutable std::vector<std::size_t> whole_order_;

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
    latest_seen_.clear();
    for (std::uint32_t r : node_rules) {
      const Rule& rule = rules_.rules()[r];
      const double reach = rule.reach[static_cast<std::size_t>(Role::self)];
      if (reach <= 0) continue;
      const std::size_t rule_first = out.contributions.size();
      for (const std::uint32_t* c = snap_.node_concerns.begin(node);
           c != snap_.node_concerns.end(node); ++c) {
        if (!expr::concern_visible(snap_, *c, as_of_) || !counts_status(r, *c)) continue;
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
      if (rule_family_[r] >= 0)
        apply_latest(rule_family_[r], out.contributions, rule_first, filter_);
      apply_cap(rule, out.contributions, rule_first);
    }
    double sum = 0;
    for (std::size_t k = first; k < out.contributions.size(); ++k)
      sum += out.contributions[k].value;
    return sum;
  }
  std::vector<Step> steps_;
  std::vector<TimelineIssue> issues_;

  // A concern or factor rule about a child that reads adult_score(): would it fire, with these
  // points, on the record without restricted concerns? If not, its line says what an adult's
  // restricted evidence holds (that it exists; in its points, how much), so it is withheld as a
  // rule about the child is (restricted_basis; docs/rules.md, "Results for adults").
  void mark_adult_basis(const Rule& rule, expr::EvalContext& ctx, Contribution& c) {
    if (restricted_group_.empty() || filter_) return;
    // adult_score() and adult_level_at_least() alike: both read adults' results.
    if (!rule.when.compiled().reads_adults() && !rule.points.compiled().reads_adults()) return;
    c.restricted_basis = c.restricted_basis || !same_without_restricted(rule, ctx, c);
  }

  // Whether `rule` would fire, with the points of `c`, on the record without restricted
  // concerns. `ctx` is left reading through filter_ again.
  bool same_without_restricted(const Rule& rule, expr::EvalContext& ctx, const Contribution& c) {
    ctx.mask = &unrestricted_;
    const Outcome fires = run(rule.when, ctx);
    bool same = fires.value.known && fires.value.number != 0;
    if (same) {
      const Outcome raw = run(rule.points, ctx);
      same = raw.value.known && raw.value.number == c.raw;
    }
    ctx.mask = filter_;
    return same;
  }

  // An adult's own lines: each rule of an adult index over the concerns about the adult that
  // `mask` allows, as evidence about the adult itself (path self), then `latest` and the cap.
  void adult_lines(std::uint32_t person, const expr::EvidenceMask* mask,
                   std::vector<Contribution>& lines) {
    expr::EvalContext ctx;
    ctx.snapshot = &snap_;
    ctx.symbol_map = prepared_.symbol_map.data();
    ctx.as_of = as_of_;
    ctx.child = person;  // adult rules read no child attribute (the loader refuses them)
    ctx.path = Role::self;
    ctx.mask = mask;
    const VertexIndex via = snap_.person_vertex[person];
    for (std::uint32_t r : adult_rules_) {
      const Rule& rule = rules_.rules()[r];
      const double reach = rule.reach[static_cast<std::size_t>(Role::self)];
      if (reach <= 0) continue;
      const std::size_t rule_first = lines.size();
      for (const std::uint32_t* c = snap_.person_concerns.begin(person);
           c != snap_.person_concerns.end(person); ++c) {
        if (!expr::concern_visible(snap_, *c, as_of_) || (mask && !mask->concern_counts(*c)) ||
            !counts_status(r, *c))
          continue;
        ctx.concern = *c;
        evaluate(
            r, rule.index, snap_.concern_vertex[*c], lines, adult_missing_,
            [&] { return run(rule.when, ctx); }, [&] { return run(rule.points, ctx); },
            [&, reach = reach](Contribution& line) {
              line.via = via;
              line.path = Role::self;
              line.decay = decay(rule, std::max(0, as_of_ - snap_.concern_date(*c)));
              line.reach = reach;
            });
      }
      if (rule_family_[r] >= 0) apply_latest(rule_family_[r], lines, rule_first, mask);
      if (rules_.indices()[rule.index].whole) {
        apply_whole_cap(rule, lines, rule_first);
      } else {
        apply_cap(rule, lines, rule_first);
      }
    }
    adult_missing_.clear();
  }

  struct AdultMemo {
    std::uint32_t person;
    const expr::EvidenceMask* mask;
    std::size_t scores;  // into adult_memo_scores_: one score per index
    int level;           // scores, adult overrides and the judgement about the adult
    bool evidence;       // a line or an adult override: a result beyond judgement alone
  };

  // An adult's scores and level over the evidence `mask` allows, worked out once per child
  // (or adult) and mask.
  const AdultMemo& adult_memo(std::uint32_t person, const expr::EvidenceMask* mask) {
    for (const AdultMemo& memo : adult_memo_) {
      if (memo.person == person && memo.mask == mask) return memo;
    }
    // Without restricted evidence, a judgement about an adult whose whole result rests on it
    // is not counted: the reader who may not see that evidence may not learn of the result at
    // all, judgement included (adult_shown, view_adult_discretionary), and a child's rule read
    // on what remains must not say otherwise. A result that is a judgement alone is the same
    // with or without restricted evidence, and counts.
    const bool judge_bare = mask == nullptr || !adult_memo(person, nullptr).evidence;
    const std::size_t count = rules_.indices().size();
    adult_scratch_.clear();
    adult_lines(person, mask, adult_scratch_);
    AdultMemo memo{person, mask, adult_memo_scores_.size(), 0, !adult_scratch_.empty()};
    adult_memo_scores_.resize(adult_memo_scores_.size() + count, 0.0);
    for (const Contribution& line : adult_scratch_)
      adult_memo_scores_[memo.scores + line.index] += line.value;
    memo.level = adult_level(person, adult_memo_scores_.data() + memo.scores, mask, nullptr,
                             &memo.evidence, judge_bare);
    adult_memo_.push_back(memo);
    return adult_memo_.back();
  }

  // adult_score(INDEX, PATH): the highest score on the adult index of the adults who reach the
  // child by the path (0 when none does), over the evidence `mask` allows.
  double adult_score(std::uint32_t child, std::uint32_t index_symbol, Role path,
                     const expr::EvidenceMask* mask) override {
    if (index_symbol >= index_of_symbol_.size() || index_of_symbol_[index_symbol] < 0) return 0;
    const auto index = static_cast<std::size_t>(index_of_symbol_[index_symbol]);
    double best = 0;
    for (const CircleMember* m = snap_.person_circle.begin(child);
         m != snap_.person_circle.end(child); ++m) {
      if (!(m->roles & role_bit(path)) || snap_.person_kind[m->person] != PersonKind::adult)
        continue;
      best = std::max(best, adult_memo_scores_[adult_memo(m->person, mask).scores + index]);
    }
    return best;
  }

  // adult_level_at_least(PATH, LEVEL): whether an adult reaching the child by the path has a
  // result at the level or above (its scores and its adult overrides), over `mask`'s evidence.
  bool adult_level_at_least(std::uint32_t child, std::uint32_t level_symbol, Role path,
                            const expr::EvidenceMask* mask) override {
    if (level_symbol >= level_of_symbol_.size() || level_of_symbol_[level_symbol] < 0) return false;
    const int wanted = level_of_symbol_[level_symbol];
    for (const CircleMember* m = snap_.person_circle.begin(child);
         m != snap_.person_circle.end(child); ++m) {
      if (!(m->roles & role_bit(path)) || snap_.person_kind[m->person] != PersonKind::adult)
        continue;
      if (adult_memo(m->person, mask).level >= wanted) return true;
    }
    return false;
  }

  // An adult's level: the highest any adult index reaches on `scores`, raised to the min_level
  // of every adult policy override that fires over the concerns about the adult that `mask`
  // allows (one whose condition is unknown does not fire). With `fired`, appends each override
  // that fired and whether it fired only because of restricted evidence.
  // `evidence` (when given: whether the adult has a line) is also set when an adult override
  // fires; `judge_bare` false leaves the judgement out of a result with neither (adult_memo,
  // without restricted evidence).
  int adult_level(std::uint32_t person, const double* scores, const expr::EvidenceMask* mask,
                  AdultFired* fired, bool* evidence = nullptr, bool judge_bare = true) {
    std::int32_t level = 0;
    for (std::uint32_t i = 0; i < rules_.indices().size(); ++i) {
      if (rules_.indices()[i].adult) level = std::max(level, rules_.level_for(i, scores[i]));
    }
    const int policy_minimum = adult_policy_level(person, mask, fired, level);
    if (evidence) *evidence = *evidence || policy_minimum >= 0;
    if (!judge_bare && evidence && !*evidence) return level;
    // Then professional judgement about the adult, as for a child (settle_levels).
    DiscretionaryResult judgement;
    apply_discretionary(person, policy_minimum, level, judgement);
    if (fired) fired->judgement = judgement;
    return level;
  }

  // Raises `level` to the min_level of every adult policy override that fires for `person`
  // over `mask`'s evidence; returns the highest such minimum (-1 when none fires).
  int adult_policy_level(std::uint32_t person, const expr::EvidenceMask* mask, AdultFired* fired,
                         std::int32_t& level) {
    int policy_minimum = -1;
    if (adult_overrides_.empty()) return policy_minimum;
    expr::EvalContext ctx;
    ctx.snapshot = &snap_;
    ctx.symbol_map = prepared_.symbol_map.data();
    ctx.as_of = as_of_;
    ctx.child = person;  // adult overrides read only the concerns about the adult
    ctx.mask = mask;
    for (std::uint32_t o : adult_overrides_) {
      const PolicyOverride& rule = rules_.overrides()[o];
      ctx.missing = -1;
      const expr::Value fires = expr::evaluate(rule.when, ctx);
      if (!fires.known || fires.number == 0) continue;
      level = std::max(level, rule.min_level);
      policy_minimum = std::max(policy_minimum, rule.min_level);
      if (!fired) continue;
      bool restricted_basis = false;
      if (!restricted_group_.empty() && !mask) {
        ctx.mask = &unrestricted_;
        ctx.missing = -1;
        const expr::Value alone = expr::evaluate(rule.when, ctx);
        ctx.mask = mask;
        restricted_basis = !(alone.known && alone.number != 0);
      }
      fired->overrides.push_back(o);
      fired->restricted.push_back(restricted_basis ? 1 : 0);
    }
    return policy_minimum;
  }

  int score_adult(std::uint32_t person, double* scores, std::vector<Contribution>& lines,
                  AdultFired& fired) {
    const std::size_t first = lines.size();
    latest_seen_.clear();
    adult_lines(person, nullptr, lines);
    std::fill(scores, scores + rules_.indices().size(), 0.0);
    for (std::size_t k = first; k < lines.size(); ++k) scores[lines[k].index] += lines[k].value;
    return adult_level(person, scores, nullptr, &fired);
  }

  std::vector<std::int32_t> index_of_symbol_;   // pack symbol -> adult index, or -1
  std::vector<std::uint32_t> adult_rules_;      // rules on adult indices, in pack order
  std::vector<std::int32_t> level_of_symbol_;   // pack symbol -> level, or -1
  std::vector<std::uint32_t> adult_overrides_;  // overrides with subject = "adult"
  std::vector<AdultMemo> adult_memo_;           // this child's
  std::vector<double> adult_memo_scores_;
  std::vector<Contribution> adult_scratch_;
  std::vector<NotAssessable> adult_missing_;
};

ChildScorer::ChildScorer(const RuleSet& rules, const Snapshot& snap, const Prepared& prepared,
                         const Process& process, Day as_of)
    : impl_(std::make_unique<Impl>(rules, snap, prepared, process, as_of)) {}
ChildScorer::~ChildScorer() = default;

void ChildScorer::set_filter(const EvidenceFilter* filter) noexcept { impl_->filter_ = filter; }

void ChildScorer::refresh() { impl_->refresh(); }

void ChildScorer::score(std::uint32_t child, double* scores, std::int32_t* index_levels,
                        std::int32_t& score_level, std::int32_t& level, std::uint8_t& immediate,
                        DiscretionaryResult& judgement, Partial& out) {
  impl_->score(child, scores, index_levels, score_level, level, immediate, judgement, out);
}

void ChildScorer::settle_levels(std::uint32_t child, const double* scores,
                                const std::uint32_t* fired_begin, const std::uint32_t* fired_end,
                                std::int32_t* index_levels, std::int32_t& score_level,
                                std::int32_t& level, DiscretionaryResult& judgement) const {
  impl_->settle_levels(child, scores, fired_begin, fired_end, index_levels, score_level, level,
                       judgement);
}

double ChildScorer::score_node(std::uint32_t node, const std::vector<std::uint32_t>& node_rules,
                               Partial& out) {
  return impl_->score_node(node, node_rules, out);
}

int ChildScorer::score_adult(std::uint32_t person, double* scores, std::vector<Contribution>& lines,
                             AdultFired& fired) {
  return impl_->score_adult(person, scores, lines, fired);
}

}  // namespace safeguard::detail
