// Building W from a snapshot's network and solving r = s + alpha * W r. The solver is a plain
// Jacobi iteration over Eigen's row-major sparse product: every iteration costs one pass over
// the links, the fixed point does not depend on the order rows are visited, and the
// association cap (a per-row min) keeps it a contraction, which Krylov solvers would not allow.
#include "safeguard/propagate.hpp"

#include "huge_pages.hpp"
#include "snapshot_columns.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace safeguard {

Network::Network(const Snapshot& snapshot, const PropagationSettings& settings) {
  const Csr<NetworkLink>& links = snapshot.node_links;
  const std::size_t n = snapshot.node_vertex.size();
  detail::assign_huge(link_weights_, links.items.size(), 0.0);
  // Links of one node come sorted by kind, so each kind's degree is the length of its run.
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t first = links.offsets[i];
    const std::uint32_t end = links.offsets[i + 1];
    while (first < end) {
      const RelationKind kind = links.items[first].kind;
      std::uint32_t last = first;
      while (last < end && links.items[last].kind == kind) ++last;
      const double weight = settings.weights[static_cast<std::size_t>(kind)];
      const double share =
          settings.normalise == Normalise::per_type ? weight / double(last - first) : weight;
      std::fill(link_weights_.begin() + first, link_weights_.begin() + last, share);
      first = last;
    }
  }

  // Rows of W: a node's links merged by neighbour (two relations to one person add up).
  weights_.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  weights_.reserve(static_cast<Eigen::Index>(links.items.size()));
  detail::advise_huge_pages(weights_.valuePtr(), links.items.size() * sizeof(double));
  detail::advise_huge_pages(weights_.innerIndexPtr(), links.items.size() * sizeof(std::int32_t));
  detail::advise_huge_pages(weights_.outerIndexPtr(), (n + 1) * sizeof(std::int32_t));
  std::vector<std::pair<std::uint32_t, double>> row;
  for (std::size_t i = 0; i < n; ++i) {
    row.clear();
    for (std::uint32_t l = links.offsets[i]; l < links.offsets[i + 1]; ++l) {
      if (link_weights_[l] > 0) row.emplace_back(links.items[l].node, link_weights_[l]);
    }
    std::sort(row.begin(), row.end());
    weights_.startVec(static_cast<Eigen::Index>(i));
    double sum = 0;
    for (std::size_t k = 0; k < row.size();) {
      const std::uint32_t column = row[k].first;
      double weight = 0;
      for (; k < row.size() && row[k].first == column; ++k) weight += row[k].second;
      weights_.insertBack(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(column)) = weight;
      sum += weight;
    }
    if (sum > max_row_sum_) {
      max_row_sum_ = sum;
      max_row_ = static_cast<std::uint32_t>(i);
    }
  }
  weights_.finalize();
}

RadiusEstimate estimate_spectral_radius(const SparseRowMatrix& weights, int max_iterations,
                                        double stop_below) {
  // Any positive x gives the upper bound max_i (W x)_i / x_i; iterating x <- (W + I) x keeps x
  // positive and drives the bound down towards rho(W). The floor stops nodes in quiet
  // components from underflowing to 0, which would void the bound.
  constexpr double kFloor = 1e-100;
  const Eigen::Index n = weights.rows();
  Eigen::VectorXd x = Eigen::VectorXd::Ones(n);
  Eigen::VectorXd y(n);
  RadiusEstimate estimate;
  estimate.upper = std::numeric_limits<double>::infinity();
  if (n == 0) {
    estimate.upper = 0;
    return estimate;
  }
  for (int iteration = 1; iteration <= max_iterations; ++iteration) {
    y.noalias() = weights * x;
    double upper = 0, largest = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      upper = std::max(upper, y[i] / x[i]);
      y[i] += x[i];
      largest = std::max(largest, y[i]);
    }
    estimate.upper = std::min(estimate.upper, upper);
    estimate.iterations = iteration;
    if (estimate.upper < stop_below) break;
    for (Eigen::Index i = 0; i < n; ++i) x[i] = std::max(y[i] / largest, kFloor);
  }
  return estimate;
}

SolveReport solve_propagation(const SparseRowMatrix& weights, const Eigen::VectorXd& s,
                              const Eigen::VectorXd* limit, const SolveOptions& options,
                              Eigen::VectorXd& r, Eigen::VectorXd& work) {
  const Eigen::Index n = s.size();
  r = s;
  work.resize(n);
  SolveReport report;
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    work.noalias() = weights * r;
    double change = 0, largest = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      double spread = options.alpha * work[i];
      if (limit && spread > (*limit)[i]) spread = (*limit)[i];
      const double next = s[i] + spread;
      if (!std::isfinite(next)) {
        report.iterations = iteration;
        report.change = std::numeric_limits<double>::infinity();
        return report;
      }
      change = std::max(change, std::fabs(next - r[i]));
      largest = std::max(largest, std::fabs(next));
      work[i] = next;
    }
    r.swap(work);
    report.iterations = iteration;
    report.change = change;
    if (change <= options.tolerance * largest) {
      report.converged = true;
      break;
    }
  }
  return report;
}

}  // namespace safeguard
