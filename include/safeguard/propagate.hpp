// Network propagation: risk that travels through relationships, peer groups and places, solved
// as the sparse system r = s + alpha * W r with Eigen (docs/rules.md, "Propagation").
//
// assess() runs all of this when a pack has an enabled [propagation] section. The pieces are
// public so benchmarks and analysts can build W and solve without a full assessment: a
// Network from a snapshot and settings, then solve_propagation() once per index. Each solver
// iteration is one sparse matrix-vector product, O(links), with no heap allocation.
#pragma once

#include "safeguard/detail/export.hpp"

#include <Eigen/SparseCore>
#include <cstdint>
#include <vector>

#include "safeguard/rules.hpp"
#include "safeguard/snapshot.hpp"

namespace safeguard {

using SparseRowMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, std::int32_t>;

// W for one snapshot and one pack: a row and a column per network node (Snapshot::node_vertex).
// Row i holds what node i takes from each neighbour j; relations count in both directions.
class SAFEGUARD_EXPORT Network {
 public:
  Network(const Snapshot& snapshot, const PropagationSettings& settings);

  std::size_t size() const noexcept { return static_cast<std::size_t>(weights_.rows()); }
  const SparseRowMatrix& weights() const noexcept { return weights_; }
  // W's share from each link, in the order of snapshot.node_links.items: row i of W r is the
  // sum over i's links of link_weight * r[neighbour]. Explanations split it this way.
  const std::vector<double>& link_weights() const noexcept { return link_weights_; }
  // The largest row sum of W (a Gershgorin bound on its spectral radius) and its row.
  double max_row_sum() const noexcept { return max_row_sum_; }
  std::uint32_t max_row() const noexcept { return max_row_; }

 private:
  SparseRowMatrix weights_;
  std::vector<double> link_weights_;
  double max_row_sum_ = 0;
  std::uint32_t max_row_ = 0;
};

// Bounds on the spectral radius of a non-negative matrix from power iterations on W + I
// (Collatz-Wielandt): for the positive iterate x, max_i (W x)_i / x_i is an upper bound that
// tightens towards rho(W) as the iterations go on.
struct RadiusEstimate {
  double upper = 0;
  int iterations = 0;
};
SAFEGUARD_EXPORT RadiusEstimate estimate_spectral_radius(const SparseRowMatrix& weights,
                                                         int max_iterations, double stop_below = 0);

struct SolveOptions {
  double alpha = 0;
  double tolerance = 1e-10;
  int max_iterations = 1000;
};

struct SolveReport {
  bool converged = false;
  int iterations = 0;
  double change = 0;  // the largest change of any score in the last iteration
};

// Solves r = s + min(alpha * W r, limit) elementwise by Jacobi iteration from r = s, stopping
// when no score moves by more than tolerance x the largest score. `limit` (may be null: no
// limit) is the association cap of each row; min() is 1-Lipschitz, so the capped iteration
// contracts whenever the linear one does and converges to its unique fixed point. With no
// limit this is exactly Katz centrality with beta = s. `r` and `work` are resized to s.size();
// pass the same vectors again to solve without allocating. Single-threaded and deterministic.
SAFEGUARD_EXPORT SolveReport solve_propagation(const SparseRowMatrix& weights,
                                               const Eigen::VectorXd& s,
                                               const Eigen::VectorXd* limit,
                                               const SolveOptions& options, Eigen::VectorXd& r,
                                               Eigen::VectorXd& work);

}  // namespace safeguard
