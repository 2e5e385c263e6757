// The network as a reader may attribute it (docs/rules.md, "Who sees what" and "Contextual
// risk"). Private to src/.
//
// A propagated line carries a neighbour's network score. The host's scores include every piece
// of evidence, restricted or not, so a line from a place whose score comes from restricted
// police intelligence would tell an uncleared reader that the place has intelligence against it,
// on which index and how much. For such a reader the propagation is solved again from the own
// scores the reader may attribute (the withheld lines taken out), with the same number of
// Jacobi iterations as the host's solve: every node whose score does not depend on withheld
// evidence comes out bit-identical to the host's (the same arithmetic on the same inputs), and
// every other one is no higher (each step of the iteration is monotone in the own scores and
// the caps). Propagated lines then show the reader's figures; the rest of their points fold
// into the withheld figure, named to no index and no neighbour.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "safeguard/explain.hpp"

namespace safeguard::detail {

// One reader's network: per node and propagating index k (node * count + k). Nodes whose lines
// read the same as the host's have altered == 0.
struct ViewerNetwork {
  std::size_t count = 0;        // propagating indices
  std::vector<double> scores;   // the network scores r the reader may attribute
  std::vector<double> cap;      // children: the association cap's factor on their lines (1: none)
  std::vector<double> offered;  // the points the neighbours offer (sum of reach x r)
  std::vector<std::uint8_t> nothing;  // children the cap lets count nothing (no own score)
  std::vector<std::uint8_t> altered;  // per node: some propagated line differs from the host's
};

// What the propagation pass keeps for the readers' solves, and the solves themselves (a few
// readers' worth, most recent last).
struct NetworkViews {
  // An adult's, place's or group's own lines on one propagating index, kept when one of them is
  // a restricted concern: (evidence, value) in order. Children's are in their results.
  struct OwnLines {
    std::uint32_t node = 0;
    std::uint32_t k = 0;
    std::vector<std::pair<VertexIndex, double>> lines;
  };
  std::vector<int> iterations;  // the host solve's iterations, per propagating index
  std::vector<double> scores;   // the host solve's network scores r (node * count + k)
  std::vector<OwnLines> restricted_nodes;

  mutable std::mutex mutex;
  mutable std::vector<std::pair<std::string, std::shared_ptr<const ViewerNetwork>>> cache;
};

// The reader's network, or null when every propagated line reads as the host's (a reader
// cleared for every restricted concern, a pack that does not propagate, or restricted evidence
// that feeds no propagating index). Solved once per reader and kept with the results; safe to
// call from several threads.
std::shared_ptr<const ViewerNetwork> viewer_network(const Results& results, const Viewer& viewer);

// The propagated line `c` of network node `node` (its owner: a child's or a place's node) as
// `net` lets the reader see it; `first` says whether it is the owner's first propagated line on
// its index. With net null, or the node not altered, the host's line. Otherwise the line takes
// the form the host would have written for the reader's network: the reader's figures; hidden
// where the host would have written no line; and where the cap lets the child count nothing,
// the one summary line (the first) with the others hidden, as the host writes it.
void scope_propagated_line(const Results& results, const ViewerNetwork* net, std::uint32_t node,
                           const Contribution& c, bool first, LineView& line);

// view_contributions(results, row, viewer) into `out`, for a caller reading many children
// (sg_result_contribution_columns): `net` is viewer_network(results, viewer), found once, and
// `out` and `scratch` keep their memory from one child to the next.
void view_contributions_into(const Results& results, std::size_t row, const Viewer& viewer,
                             const ViewerNetwork* net, std::vector<LineView>& out,
                             std::vector<const Contribution*>& scratch);

}  // namespace safeguard::detail
