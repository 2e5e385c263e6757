// Batch assessment. Children are scored independently, each into its own rows, so threads
// split the children into contiguous ranges and the results are stitched together in child
// order: the output does not depend on the thread count.
#include "safeguard/assess.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <thread>

#include "safeguard/calendar.hpp"

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

class ChildScorer {
 public:
  ChildScorer(const RuleSet& rules, const Snapshot& snap,
              const std::vector<std::uint32_t>& symbol_map, Day as_of)
      : rules_(rules), snap_(snap), symbol_map_(symbol_map), as_of_(as_of) {}

  // Scores one child into the row at `scores`, `index_levels`; appends to `out`.
  void score(std::uint32_t child, double* scores, std::int32_t* index_levels,
             std::int32_t& score_level, std::int32_t& level, std::uint8_t& immediate,
             DiscretionaryResult& judgement, Partial& out) {
    expr::EvalContext ctx;
    ctx.snapshot = &snap_;
    ctx.symbol_map = symbol_map_.data();
    ctx.as_of = as_of_;
    ctx.child = child;
    const Day dob = snap_.person_dob[child];
    if (dob != kNoDay && dob <= as_of_) {
      ctx.child_age_months = age_in_months(dob, as_of_);
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

    const std::size_t first_contribution = out.contributions.size();
    const std::size_t first_missing = out.missing.size();
    for (std::uint32_t r = 0; r < rules_.rules().size(); ++r) {
      const Rule& rule = rules_.rules()[r];
      const std::size_t rule_first = out.contributions.size();
      switch (rule.scope) {
        case expr::Scope::child:
          evaluate(r, rule, ctx, kNoVertex, kNoVertex, Role::self, 1.0, 1.0, out);
          break;
        case expr::Scope::concern:
          for (const Reached& item : concerns_) {
            const auto [role, factor] = best_reach(rule, item.roles);
            if (factor <= 0) continue;
            ctx.concern = item.slot;
            ctx.path = role;
            const double age = std::max(0, as_of_ - snap_.concern_date(item.slot));
            evaluate(r, rule, ctx, snap_.concern_vertex[item.slot],
                     via_concern(child, item.slot, role), role, decay(rule, age), factor, out);
          }
          break;
        case expr::Scope::factor:
          for (const Reached& item : factors_) {
            const auto [role, factor] = best_reach(rule, item.roles);
            if (factor <= 0) continue;
            ctx.factor = item.slot;
            ctx.path = role;
            const Day start = snap_.factor_start[item.slot];
            const double age = start == kNoDay ? 0.0 : std::max(0, as_of_ - start);
            evaluate(r, rule, ctx, snap_.factor_vertex[item.slot],
                     via_factor(child, item.slot, role), role, decay(rule, age), factor, out);
          }
          break;
      }
      apply_cap(rule, out.contributions, rule_first);
    }

    const std::size_t index_count = rules_.indices().size();
    std::fill(scores, scores + index_count, 0.0);
    for (std::size_t k = first_contribution; k < out.contributions.size(); ++k) {
      const Contribution& c = out.contributions[k];
      scores[rules_.rules()[c.rule].index] += c.value;
    }
    score_level = 0;
    for (std::size_t i = 0; i < index_count; ++i) {
      index_levels[i] = rules_.level_for(static_cast<std::uint32_t>(i), scores[i]);
      score_level = std::max(score_level, index_levels[i]);
    }

    level = score_level;
    int policy_minimum = -1;
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
      if (rule.min_level > level) level = rule.min_level;
      policy_minimum = std::max(policy_minimum, rule.min_level);
      if (rule.immediate_safety) immediate = 1;
    }
    apply_discretionary(child, policy_minimum, level, judgement);
    out.contribution_counts.push_back(out.contributions.size() - first_contribution);
    out.fired_counts.push_back(out.fired.size() - first_fired);
    out.missing_counts.push_back(out.missing.size() - first_missing);
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

  // The evidence that can reach the child, each item once with every path it arrives by.
  void gather(std::uint32_t child) {
    concerns_.clear();
    factors_.clear();
    for_each_circle_concern(snap_, child, [&](std::uint32_t c, RoleMask roles) {
      if (expr::concern_visible(snap_, c, as_of_)) concerns_.push_back({c, roles});
    });
    for (const CircleMember* m = snap_.person_circle.begin(child);
         m != snap_.person_circle.end(child); ++m) {
      for (const std::uint32_t* f = snap_.person_factors.begin(m->person);
           f != snap_.person_factors.end(m->person); ++f) {
        if (expr::factor_visible(snap_, *f, as_of_)) factors_.push_back({*f, m->roles});
      }
    }
    std::sort(factors_.begin(), factors_.end(),
              [](const Reached& a, const Reached& b) { return a.slot < b.slot; });
    std::size_t kept = 0;
    for (std::size_t i = 0; i < factors_.size(); ++i) {
      if (kept > 0 && factors_[kept - 1].slot == factors_[i].slot) {
        factors_[kept - 1].roles |= factors_[i].roles;
      } else {
        factors_[kept++] = factors_[i];
      }
    }
    factors_.resize(kept);
    std::sort(concerns_.begin(), concerns_.end(),
              [](const Reached& a, const Reached& b) { return a.slot < b.slot; });
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

  void evaluate(std::uint32_t r, const Rule& rule, expr::EvalContext& ctx, VertexIndex evidence,
                VertexIndex via, Role path, double decay_factor, double reach_factor,
                Partial& out) {
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
  const std::vector<std::uint32_t>& symbol_map_;
  Day as_of_;
  std::vector<Reached> concerns_;
  std::vector<Reached> factors_;
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

}  // namespace

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
  for (std::size_t row = 0; row < children_.size(); ++row) {
    if (child_id(row) == id) return static_cast<long>(row);
  }
  return -1;
}

Results assess(std::shared_ptr<const RuleSet> rules, std::shared_ptr<const Snapshot> snapshot,
               const AssessOptions& options) {
  if (!rules || !snapshot)
    throw Error(Status::invalid_argument, "assess needs a rule pack and a snapshot");
  if (options.as_of < detail::kFirstSupportedDay || options.as_of > detail::kLastSupportedDay) {
    throw Error(Status::invalid_argument, "as-of date is out of range");
  }
  Results out;
  out.rules_ = rules;
  out.snapshot_ = snapshot;
  out.as_of_ = options.as_of;
  out.children_ = snapshot->children;
  const std::size_t n = out.children_.size();
  const std::size_t k = rules->indices().size();
  out.scores_.assign(n * k, 0.0);
  out.index_levels_.assign(n * k, 0);
  out.score_levels_.assign(n, 0);
  out.levels_.assign(n, 0);
  out.immediate_safety_.assign(n, 0);
  out.discretionary_.assign(n, DiscretionaryResult{});
  out.totals_.assign(n, 0.0);
  const std::vector<std::uint32_t> symbol_map = map_symbols(*rules, *snapshot);

  unsigned threads =
      options.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : options.threads;
  threads =
      static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, n / 256)));
  threads = std::max(1u, threads);
  std::vector<Partial> partials(threads);
  auto work = [&](unsigned t) {
    const std::size_t begin = n * t / threads, end = n * (t + 1) / threads;
    ChildScorer scorer(*rules, *snapshot, symbol_map, options.as_of);
    for (std::size_t row = begin; row < end; ++row) {
      scorer.score(out.children_[row], &out.scores_[row * k], &out.index_levels_[row * k],
                   out.score_levels_[row], out.levels_[row], out.immediate_safety_[row],
                   out.discretionary_[row], partials[t]);
    }
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

  // Stitch the partial results together in child order.
  out.contribution_offsets_.reserve(n + 1);
  out.contribution_offsets_.push_back(0);
  out.fired_offsets_.push_back(0);
  out.missing_offsets_.push_back(0);
  out.step_offsets_.push_back(0);
  out.issue_offsets_.push_back(0);
  for (auto& part : partials) {
    out.steps_.insert(out.steps_.end(), part.steps.begin(), part.steps.end());
    out.issues_.insert(out.issues_.end(), part.issues.begin(), part.issues.end());
    for (std::size_t count : part.step_counts)
      out.step_offsets_.push_back(out.step_offsets_.back() + count);
    for (std::size_t count : part.issue_counts)
      out.issue_offsets_.push_back(out.issue_offsets_.back() + count);
    out.contributions_.insert(out.contributions_.end(), part.contributions.begin(),
                              part.contributions.end());
    out.fired_.insert(out.fired_.end(), part.fired.begin(), part.fired.end());
    out.missing_.insert(out.missing_.end(), part.missing.begin(), part.missing.end());
    for (std::size_t count : part.contribution_counts)
      out.contribution_offsets_.push_back(out.contribution_offsets_.back() + count);
    for (std::size_t count : part.fired_counts)
      out.fired_offsets_.push_back(out.fired_offsets_.back() + count);
    for (std::size_t count : part.missing_counts)
      out.missing_offsets_.push_back(out.missing_offsets_.back() + count);
    part = Partial{};
  }
  for (std::size_t row = 0; row < n; ++row) {
    double total = 0;
    for (std::size_t i = 0; i < k; ++i) total += out.scores_[row * k + i];
    out.totals_[row] = total;
  }
  return out;
}

}  // namespace safeguard
