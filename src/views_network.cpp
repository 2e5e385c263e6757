// The network as a reader may attribute it (views_network.hpp).
#include "views_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "safeguard/propagate.hpp"
#include "views_restriction.hpp"

namespace safeguard::detail {
namespace {

// Readers' networks kept with one set of results. A case management system shows results to a
// handful of roles; more distinct readers than this are solved again when they come back.
constexpr std::size_t kKeptReaders = 4;

// Two viewers with the same clearances see the same network.
std::string reader_key(const Viewer& viewer) {
  std::vector<std::string> names = viewer.cleared;
  std::sort(names.begin(), names.end());
  std::string key;  // each name with its length first, so no two lists give one key
  for (const std::string& name : names) {
    key += std::to_string(name.size());
    key += ':';
    key += name;
  }
  return key;
}

std::shared_ptr<const ViewerNetwork> solve_for(const Results& results, const NetworkViews& host,
                                               const Viewer& viewer) {
  const Snapshot& snap = results.snapshot();
  if (sees_every_restricted_concern(snap, viewer)) return nullptr;
  const RuleSet& pack = results.rules();
  const PropagationSettings& settings = pack.propagation();
  const std::size_t count = settings.indices.size();
  const std::size_t nodes = snap.node_vertex.size();
  const auto sees_all = [] { return false; };  // known: some restricted concern is hidden

  std::vector<std::int32_t> k_of(results.index_count(), -1);
  for (std::size_t k = 0; k < count; ++k) k_of[settings.indices[k]] = static_cast<std::int32_t>(k);

  // The own scores the reader may attribute: the host's, but for the nodes with a withheld line
  // on a propagating index, summed again (in line order, as the host summed them) from the lines
  // shown.
  std::vector<double> own(nodes * count);
  for (std::size_t node = 0; node < nodes; ++node)
    for (std::size_t k = 0; k < count; ++k) own[node * count + k] = results.node_own_score(node, k);
  std::vector<std::uint8_t> is_child(nodes, 0);
  bool differs = false;
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    const std::size_t node = snap.vertex_node[results.child_vertex(row)];
    is_child[node] = 1;
    if (!results.lines_restricted(row)) continue;  // no line of the child can be withheld
    const Contribution* begin = results.contributions_begin(row);
    const Contribution* end = results.contributions_end(row);
    const bool hides = std::any_of(begin, end, [&](const Contribution& c) {
      return !c.propagated() && k_of[c.index] >= 0 && withheld_line(snap, c, viewer, sees_all);
    });
    if (!hides) continue;
    for (std::size_t k = 0; k < count; ++k) {
      double sum = 0;
      for (const Contribution* c = begin; c != end; ++c) {
        if (!c->propagated() && c->index == settings.indices[k] &&
            !withheld_line(snap, *c, viewer, sees_all))
          sum += c->value;
      }
      differs = differs || sum != own[node * count + k];
      own[node * count + k] = sum;
    }
  }
  for (const NetworkViews::OwnLines& node : host.restricted_nodes) {
    double sum = 0;
    for (const auto& [evidence, value] : node.lines) {
      if (can_see(viewer, snap, evidence)) sum += value;
    }
    double& kept = own[std::size_t(node.node) * count + node.k];
    differs = differs || sum != kept;
    kept = sum;
  }
  if (!differs) return nullptr;

  // Solved as the propagation pass solved it (src/assess/propagation.cpp): the same W, the same
  // own scores and caps where the reader sees everything, and exactly the host's number of
  // iterations, so what does not depend on withheld evidence comes out to the bit.
  auto net = std::make_shared<ViewerNetwork>();
  net->count = count;
  net->scores.assign(nodes * count, 0.0);
  net->cap.assign(nodes * count, 1.0);
  net->offered.assign(nodes * count, 0.0);
  net->nothing.assign(nodes * count, 0);
  net->altered.assign(nodes, 0);
  const Network network(snap, settings);
  const bool capped = settings.association_cap < 1;
  const double cap_ratio = settings.association_cap / (1 - settings.association_cap);
  Eigen::VectorXd s(static_cast<Eigen::Index>(nodes));
  Eigen::VectorXd limit(capped ? static_cast<Eigen::Index>(nodes) : 0);
  Eigen::VectorXd host_limit(capped ? static_cast<Eigen::Index>(nodes) : 0);
  Eigen::VectorXd r, work;
  const Csr<NetworkLink>& links = snap.node_links;
  const std::vector<double>& link_weights = network.link_weights();
  for (std::size_t k = 0; k < count; ++k) {
    for (std::size_t node = 0; node < nodes; ++node) {
      s[node] = std::max(0.0, own[node * count + k]);
      if (capped) {
        limit[node] =
            is_child[node] ? cap_ratio * s[node] : std::numeric_limits<double>::infinity();
        host_limit[node] = is_child[node]
                               ? cap_ratio * std::max(0.0, results.node_own_score(node, k))
                               : std::numeric_limits<double>::infinity();
      }
    }
    // A negative tolerance never stops early (except on all zeros, a fixed point already).
    solve_propagation(network.weights(), s, capped ? &limit : nullptr,
                      {settings.alpha, -1.0, host.iterations[k]}, r, work);
    for (std::size_t node = 0; node < nodes; ++node) net->scores[node * count + k] = r[node];
    // Each node's lines as the pass writes them (append_lines): the points offered, the cap.
    for (std::size_t node = 0; node < nodes; ++node) {
      const std::size_t at = node * count + k;
      double spread = 0;
      bool altered = capped && limit[node] != host_limit[node];
      for (std::uint32_t l = links.offsets[node]; l < links.offsets[node + 1]; ++l) {
        const std::uint32_t neighbour = links.items[l].node;
        const double reach = settings.alpha * link_weights[l];
        const double raw = r[neighbour];
        const double host_raw = host.scores[neighbour * count + k];
        altered = altered || (reach * host_raw != 0 && raw != host_raw);
        if (reach * raw == 0) continue;
        spread += raw * reach;
      }
      net->offered[at] = spread;
      if (capped && is_child[node]) {
        net->nothing[at] = limit[node] == 0;
        if (limit[node] != 0 && spread > limit[node]) net->cap[at] = limit[node] / spread;
      }
      if (altered) net->altered[node] = 1;
    }
  }
  return net;
}

std::size_t propagating_k(const RuleSet& pack, std::uint32_t index) {
  const std::vector<std::uint32_t>& indices = pack.propagation().indices;
  return static_cast<std::size_t>(std::find(indices.begin(), indices.end(), index) -
                                  indices.begin());
}

}  // namespace

std::shared_ptr<const ViewerNetwork> viewer_network(const Results& results, const Viewer& viewer) {
  const NetworkViews* host = results.network_views();
  if (host == nullptr || viewer.cleared_all) return nullptr;
  std::string key = reader_key(viewer);
  {
    const std::lock_guard<std::mutex> lock(host->mutex);
    for (const auto& [kept, net] : host->cache)
      if (kept == key) return net;
  }
  // Two threads may both solve for a new reader; they get the same figures.
  std::shared_ptr<const ViewerNetwork> net = solve_for(results, *host, viewer);
  const std::lock_guard<std::mutex> lock(host->mutex);
  for (const auto& [kept, known] : host->cache)
    if (kept == key) return known;
  if (host->cache.size() == kKeptReaders) host->cache.erase(host->cache.begin());
  host->cache.emplace_back(std::move(key), net);
  return net;
}

void scope_propagated_line(const Results& results, const ViewerNetwork* net, std::uint32_t node,
                           const Contribution& c, bool first, LineView& line) {
  if (net == nullptr || node >= net->altered.size() || !net->altered[node]) return;
  const RuleSet& pack = results.rules();
  const std::size_t k = propagating_k(pack, c.index);
  const std::size_t at = node * net->count + k;
  line.network_scoped = true;
  const auto hide = [&] {
    line.hidden = true;
    line.value = 0;
    line.raw = 0;
  };
  if (net->nothing[at]) {
    // The host writes one line for all the links of a child that counts nothing: so does the
    // reader's network, whatever form the host's lines took (per link, when the child's own
    // score on the index rests on evidence withheld from the reader).
    const double offered = net->offered[at];
    if (!first || offered == 0) return hide();
    line.network_summary = true;
    line.via = kNoVertex;
    line.via_id = {};
    line.via_kind = VertexKind::erased;
    line.relation = {};
    line.path = "network";
    line.raw = offered;
    line.reach = 1;
    line.cap_factor = 0;
    line.value = 0;
    return;
  }
  if (c.via == kNoVertex) return hide();  // (the host's summary; the reader's child counts)
  const double raw = net->scores[results.snapshot().vertex_node[c.via] * net->count + k];
  if (raw * c.reach == 0) return hide();  // the host would have written no line for it
  line.raw = raw;
  line.cap_factor = net->cap[at];
  line.value = line.cap_factor != 1 ? raw * c.reach * line.cap_factor : raw * c.reach;
}

}  // namespace safeguard::detail
