// The propagation pass: network scores solved with Eigen (propagate.hpp), then the propagated
// lines that make every child's and place's explanation add up.
#include "propagation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "huge_pages.hpp"
#include "safeguard/propagate.hpp"
#include "score.hpp"
#include "views_network.hpp"

namespace safeguard {
namespace {

using detail::ChildScorer;
using detail::Partial;
using detail::Prepared;

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
  PropagationPass(Results& out, const Prepared& prepared, bool lazy)
      : out_(out),
        rules_(*out.rules_),
        snap_(*out.snapshot_),
        settings_(rules_.propagation()),
        prepared_(prepared),
        lazy_(lazy) {}

  std::shared_ptr<const detail::PropagatedLines> run() {
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
      if (rule.scope != expr::Scope::concern || reads_child(rule.when.compiled()) ||
          reads_child(rule.points.compiled()))
        continue;
      for (std::size_t k = 0; k < count; ++k) {
        if (settings_.indices[k] == rule.index) node_rules_[k].push_back(r);
      }
    }

    ChildScorer scorer(rules_, snap_, prepared_, *out_.process_, out_.as_of_);
    Partial scratch;
    auto views = std::make_shared<detail::NetworkViews>();
    views->iterations.resize(count);
    detail::assign_huge(views->scores, nodes * count, 0.0);
    const bool capped = settings_.association_cap < 1;
    const double cap_ratio = settings_.association_cap / (1 - settings_.association_cap);
    Eigen::VectorXd s(nodes), limit(capped ? nodes : 0), work;
    auto made = std::make_shared<detail::PropagatedLines>();
    made->snapshot = &snap_;
    made->settings = &settings_;
    made->solutions.resize(count);
    made->limits.resize(count);
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
          keep_if_restricted(node, k, scratch.contributions, *views);
        }
        out_.node_own_[node * count + k] = own;
        s[node] = std::max(0.0, own);  // only risk travels; strengths stay with their child
        if (capped) {
          limit[node] = row_of_node_[node] != kNoRow ? cap_ratio * s[node]
                                                     : std::numeric_limits<double>::infinity();
        }
      }
      const SolveReport report =
          solve_propagation(network.weights(), s, capped ? &limit : nullptr,
                            {settings_.alpha, settings_.tolerance, settings_.max_iterations},
                            made->solutions[k], work);
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
      views->iterations[k] = report.iterations;
      for (std::size_t node = 0; node < nodes; ++node)
        views->scores[node * count + k] = made->solutions[k][static_cast<Eigen::Index>(node)];
      out_.propagation_.change = std::max(out_.propagation_.change, report.change);
      if (capped) made->limits[k] = limit;
    }
    made->link_weights = network.link_weights();
    lines_ = made.get();
    write_children(scorer);
    write_nodes();
    write_places(scorer, scratch);
    lines_ = nullptr;
    out_.network_views_ = std::move(views);
    return made;
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

  // An adult's, place's or group's own lines on the k-th propagating index, kept for the
  // readers' networks when one of them is a restricted concern (views_network.hpp).
  void keep_if_restricted(std::size_t node, std::size_t k, const std::vector<Contribution>& lines,
                          detail::NetworkViews& views) const {
    const auto restricted = [&](const Contribution& c) {
      return c.evidence != kNoVertex && snap_.vertex_kind[c.evidence] == VertexKind::concern &&
             snap_.concern_restricted[snap_.vertex_slot[c.evidence]] != 0;
    };
    if (std::none_of(lines.begin(), lines.end(), restricted)) return;
    detail::NetworkViews::OwnLines kept;
    kept.node = static_cast<std::uint32_t>(node);
    kept.k = static_cast<std::uint32_t>(k);
    for (const Contribution& c : lines) kept.lines.emplace_back(c.evidence, c.value);
    views.restricted_nodes.push_back(std::move(kept));
  }

  // Children: propagated lines after each child's rule lines, summed into the contextual
  // scores; under `contextual = "included"` into the index scores too, with the levels again.
  void write_children(const ChildScorer& scorer) {
    const std::size_t n = out_.child_count();
    const std::size_t index_count = out_.index_count();
    const std::size_t count = settings_.indices.size();
    const bool included = settings_.contextual == ContextualPolicy::included;
    detail::assign_huge(out_.contextual_, n * index_count, 0.0);
    detail::assign_huge(out_.contextual_totals_, n, 0.0);
    detail::assign_huge(out_.context_levels_, n, 0);
    // Lazy results keep only the lines of the children with restricted lines; the others' are
    // written to `scratch` only to be summed.
    const auto kept = [&](std::size_t row) { return !lazy_ || out_.lines_restricted(row); };
    std::vector<Contribution> scratch;
    std::size_t lines = out_.contributions_.size();
    for (std::size_t row = 0; row < n; ++row) {
      if (!kept(row)) continue;
      for (std::size_t k = 0; k < count; ++k)
        lines += lines_->count(snap_.vertex_node[out_.child_vertex(row)], k, true);
    }
    std::vector<Contribution> merged;
    detail::reserve_huge(merged, lines);
    std::vector<std::size_t> offsets;
    detail::reserve_huge(offsets, n + 1);
    offsets.push_back(0);
    for (std::size_t row = 0; row < n; ++row) {
      std::vector<Contribution>& into = kept(row) ? merged : scratch;
      scratch.clear();
      into.insert(into.end(), out_.contributions_.data() + out_.contribution_offsets_[row],
                  out_.contributions_.data() + out_.contribution_offsets_[row + 1]);
      const std::size_t node = snap_.vertex_node[out_.child_vertex(row)];
      double* scores = &out_.scores_[row * index_count];
      double* contextual = &out_.contextual_[row * index_count];
      for (std::size_t k = 0; k < count; ++k) {
        const std::size_t first = into.size();
        lines_->append(node, k, true, into);
        const std::uint32_t index = settings_.indices[k];
        // Summed in line order on their own, so the propagated lines add up exactly to the
        // contextual score, as the rule lines do to the own score.
        for (std::size_t i = first; i < into.size(); ++i) contextual[index] += into[i].value;
        if (included) {
          for (std::size_t i = first; i < into.size(); ++i) scores[index] += into[i].value;
        }
        out_.node_scores_[node * count + k] =
            included ? scores[index] : scores[index] + contextual[index];
      }
      offsets.push_back(merged.size());
      double contextual_total = 0;
      std::int32_t context_level = 0;
      for (std::size_t i = 0; i < index_count; ++i) {
        contextual_total += contextual[i];
        const double with_context = included ? scores[i] : scores[i] + contextual[i];
        context_level =
            std::max(context_level, rules_.level_for(static_cast<std::uint32_t>(i), with_context));
      }
      out_.contextual_totals_[row] = contextual_total;
      out_.context_levels_[row] = context_level;
      if (included) {
        scorer.settle_levels(out_.children_[row], scores, out_.overrides_begin(row),
                             out_.overrides_end(row), &out_.index_levels_[row * index_count],
                             out_.score_levels_[row], out_.levels_[row], out_.discretionary_[row]);
      }
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
        lines_->append(node, k, false, lines);
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
        lines_->append(node, k, false, out_.place_contributions_);
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
  const detail::PropagatedLines* lines_ = nullptr;      // while run() writes
  bool lazy_ = false;  // only children with restricted lines keep theirs (Explanations::lazy)
};

namespace detail {

std::size_t PropagatedLines::count(std::size_t node, std::size_t k, bool is_child) const {
  const Eigen::VectorXd& r = solutions[k];
  const Csr<NetworkLink>& links = snapshot->node_links;
  std::size_t lines = 0;
  for (std::uint32_t l = links.offsets[node]; l < links.offsets[node + 1]; ++l)
    lines += settings->alpha * link_weights[l] * r[links.items[l].node] != 0;
  return withheld(node, k, is_child) ? std::min<std::size_t>(lines, 1) : lines;
}

double PropagatedLines::append(std::size_t node, std::size_t k, bool is_child,
                               std::vector<Contribution>& lines) const {
  const Eigen::VectorXd& r = solutions[k];
  const Csr<NetworkLink>& links = snapshot->node_links;
  const std::size_t first = lines.size();
  double spread = 0;
  for (std::uint32_t l = links.offsets[node]; l < links.offsets[node + 1]; ++l) {
    const NetworkLink& link = links.items[l];
    const double reach = settings->alpha * link_weights[l];
    const double raw = r[link.node];
    if (reach * raw == 0) continue;
    Contribution c;
    c.rule = kNoRule;
    c.index = settings->indices[k];
    c.kind = ContributionKind::propagated;
    c.via = snapshot->node_vertex[link.node];
    c.relation = link.kind;
    c.raw = raw;
    c.reach = reach;
    c.value = raw * reach;
    spread += c.value;
    lines.push_back(c);
  }
  if (withheld(node, k, is_child) && lines.size() > first) {
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
  const auto at = static_cast<Eigen::Index>(node);
  if (is_child && limits[k].size() > 0 && spread > limits[k][at]) {
    const double cap_factor = limits[k][at] / spread;
    for (std::size_t i = first; i < lines.size(); ++i) {
      lines[i].cap_factor = cap_factor;
      lines[i].value = lines[i].raw * lines[i].reach * cap_factor;
    }
  }
  double counted = 0;
  for (std::size_t i = first; i < lines.size(); ++i) counted += lines[i].value;
  return counted;
}

std::shared_ptr<const PropagatedLines> propagate(Results& out, const Prepared& prepared,
                                                 bool lazy) {
  return PropagationPass(out, prepared, lazy).run();
}

}  // namespace detail

}  // namespace safeguard
