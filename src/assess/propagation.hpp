// The propagation pass of an assessment (docs/rules.md, "Propagation"). Private to src/assess/.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "prepare.hpp"
#include "safeguard/assess.hpp"

namespace safeguard::detail {

// What a node's propagated lines are made from once the network is solved: the network scores
// r, the association cap's limits and the links' weights. The pass writes every child's lines
// from it; lazy results (Explanations::lazy) keep it to write a child's lines again on demand.
struct PropagatedLines {
  const Snapshot* snapshot = nullptr;
  const PropagationSettings* settings = nullptr;
  std::vector<Eigen::VectorXd> solutions;  // r, per propagating index
  std::vector<Eigen::VectorXd> limits;     // the association cap, per index (empty: no cap)
  std::vector<double> link_weights;        // W's entry for each of Snapshot::node_links

  // How many lines append() gives the node on the k-th propagating index.
  std::size_t count(std::size_t node, std::size_t k, bool is_child) const;
  // The propagated lines of `node` on the k-th propagating index, appended to `lines`; returns
  // the points counted (after the cap, for children).
  double append(std::size_t node, std::size_t k, bool is_child,
                std::vector<Contribution>& lines) const;

 private:
  // True when the association cap lets the child count nothing on the k-th propagating index
  // (it has no score of its own there).
  bool withheld(std::size_t node, std::size_t k, bool is_child) const {
    return is_child && limits[k].size() > 0 && limits[k][static_cast<Eigen::Index>(node)] == 0;
  }
};

// Spreads the propagating indices of `out`'s pack through the network once the children have
// their direct scores, appending the children's propagated lines (`lazy`: only to the lines
// kept, of children with restricted lines; the others' only added up) and ranking places and
// groups. Returns what the lines are made from. Throws Error(Status::divergent) when the spread
// cannot converge on this graph.
std::shared_ptr<const PropagatedLines> propagate(Results& out, const Prepared& prepared, bool lazy);

}  // namespace safeguard::detail
