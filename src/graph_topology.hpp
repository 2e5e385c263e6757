// The case graph's topology as a Boost.Graph adjacency_list: private to the library so that
// the public graph.hpp (and everything that includes it) never compiles Boost.Graph. Boost.Graph
// stays the internal vocabulary; graph.cpp edits it and snapshot.cpp walks it.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>

#include "safeguard/graph.hpp"

namespace safeguard {
namespace detail {

struct VertexData {
  VertexKind kind = VertexKind::erased;
  std::uint32_t slot = 0;  // index into the record vector for `kind`
};

struct EdgeData {
  RelationKind kind = RelationKind::parent_of;
};

using Adjacency =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, VertexData, EdgeData>;

struct Topology {
  Adjacency adjacency;
};

}  // namespace detail
}  // namespace safeguard
