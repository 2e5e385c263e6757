// Mode "network": the propagation system of a generated caseload, for the networkx peer (see
// run_network).
#include "support.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/propagate.hpp"
#include "snapshot_columns.hpp"

namespace sgbench {

// Mode "network": the propagation step on its own, for the networkx peer. The caseload is
// assessed with the propagating pack to get every network node's own score s on its first
// propagating index (exploitation, with bench/propagation.toml); then W is built and r = s + alpha
// W r solved without the association cap, which is exactly Katz centrality with beta = s (best of
// `repeat`). The system and our solution go to `options.network` as text: a header, s, the edges of
// W and r.
int run_network(const Options& options) {
  Figures figures;
  const auto rules = propagating_pack(options);
  const PropagationSettings& settings = rules->propagation();
  CaseloadOptions caseload;
  caseload.children = options.children;
  caseload.seed = options.seed;
  CaseGraph graph;
  generate_caseload(graph, caseload);
  const auto snap = take_snapshot(graph);
  const Results results = assess(rules, snap, {caseload.as_of, 1});
  if (results.propagating_count() == 0)
    throw std::runtime_error("the pack with " + options.propagation + " does not propagate");
  const std::size_t nodes = snap->node_vertex.size();
  Eigen::VectorXd s(static_cast<Eigen::Index>(nodes));
  for (std::size_t node = 0; node < nodes; ++node)
    s[static_cast<Eigen::Index>(node)] = std::max(0.0, results.node_own_score(node, 0));
  // networkx's katz_centrality stops on a sum of absolute changes; ours on the largest change
  // relative to the largest score. Both are run far past the 1e-9 the comparison needs.
  const SolveOptions solve{settings.alpha, 1e-14, 100000};
  Eigen::VectorXd r, work;
  SolveReport report;
  std::size_t links = 0;
  const Timing step = best_of(options.repeat, [&] {
    const Network network(*snap, settings);
    links = static_cast<std::size_t>(network.weights().nonZeros());
    report = solve_propagation(network.weights(), s, nullptr, solve, r, work);
  });
  if (!report.converged) throw std::runtime_error("the propagation solve did not converge");
  figures.add("network_children", static_cast<double>(results.child_count()),
              fmt("%.0f", results.child_count()));
  figures.add("network_nodes", static_cast<double>(nodes), fmt("%.0f", nodes));
  figures.add("network_links", static_cast<double>(links), fmt("%.0f", links));
  figures.add("network_iterations", report.iterations, fmt("%.0f", report.iterations));
  figures.add("network_cpu_s", step.cpu, fmt("%.4f s", step.cpu));
  figures.add("network_wall_s", step.wall, fmt("%.4f s", step.wall));

  std::FILE* out = std::fopen(options.network.c_str(), "w");
  if (!out) throw std::runtime_error("cannot write " + options.network);
  const Network network(*snap, settings);
  const SparseRowMatrix& w = network.weights();
  std::fprintf(out, "nodes %zu edges %lld alpha %.17g\n", nodes,
               static_cast<long long>(w.nonZeros()), settings.alpha);
  for (std::size_t node = 0; node < nodes; ++node)
    std::fprintf(out, "%.17g\n", s[static_cast<Eigen::Index>(node)]);
  // Row i of W is what node i takes from each neighbour j: the edge j -> i for networkx.
  for (Eigen::Index i = 0; i < w.outerSize(); ++i) {
    for (SparseRowMatrix::InnerIterator it(w, i); it; ++it)
      std::fprintf(out, "%lld %lld %.17g\n", static_cast<long long>(it.col()),
                   static_cast<long long>(i), it.value());
  }
  for (std::size_t node = 0; node < nodes; ++node)
    std::fprintf(out, "%.17g\n", r[static_cast<Eigen::Index>(node)]);
  std::fclose(out);
  std::printf("wrote the propagation system (%zu nodes) to %s\n", nodes, options.network.c_str());
  figures.write(options.json);
  return 0;
}

}  // namespace sgbench
