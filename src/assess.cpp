// Batch assessment. Children are scored independently, each into its own rows, so threads
// split the children into contiguous ranges and the results are stitched together in child
// order: the output does not depend on the thread count.
#include "safeguard/assess.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <thread>

#include "safeguard/calendar.hpp"
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
    c.index = rule.index;
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

 public:
  // The own score of a network node that is not a child (an adult, a place, a group): the
  // given concern rules over the visible concerns about the node, each as evidence about the
  // node itself (path self), decayed and capped as for a child. Appends the rule lines to
  // out.contributions (notes of missing data go to out.missing) and returns their sum.
  double score_node(std::uint32_t node, const std::vector<std::uint32_t>& node_rules,
                    Partial& out) {
    expr::EvalContext ctx;
    ctx.snapshot = &snap_;
    ctx.symbol_map = symbol_map_.data();
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
        const double age = std::max(0, as_of_ - snap_.concern_date(*c));
        evaluate(r, rule, ctx, snap_.concern_vertex[*c], snap_.node_vertex[node], Role::self,
                 decay(rule, age), reach, out);
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
  PropagationPass(Results& out, const std::vector<std::uint32_t>& symbol_map)
      : out_(out),
        rules_(*out.rules_),
        snap_(*out.snapshot_),
        settings_(rules_.propagation()),
        symbol_map_(symbol_map) {}

  void run() {
    const std::size_t nodes = snap_.node_vertex.size();
    const std::size_t count = settings_.indices.size();
    out_.propagating_ = count;
    out_.node_own_.assign(nodes * count, 0.0);
    out_.node_scores_.assign(nodes * count, 0.0);
    out_.propagation_.ran = true;
    const Network network(snap_, settings_);
    check_convergence(network);

    row_of_node_.assign(nodes, kNoRow);
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

    ChildScorer scorer(rules_, snap_, symbol_map_, out_.as_of_);
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
    merged.reserve(lines);
    std::vector<std::size_t> offsets;
    offsets.reserve(n + 1);
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
  const std::vector<std::uint32_t>& symbol_map_;
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
  for (std::size_t row = 0; row < children_.size(); ++row) {
    if (child_id(row) == id) return static_cast<long>(row);
  }
  return -1;
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
  if (rules->propagation().enabled) PropagationPass(out, symbol_map).run();
  for (std::size_t row = 0; row < n; ++row) {
    double total = 0;
    for (std::size_t i = 0; i < k; ++i) total += out.scores_[row * k + i];
    out.totals_[row] = total;
  }
  return out;
}

}  // namespace safeguard
