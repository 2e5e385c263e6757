// Snapshot: an immutable, columnar copy of a CaseGraph taken for scoring. A snapshot never
// changes after it is built, so any number of threads may read it while the graph goes on
// being edited. Its columns (struct-of-arrays per kind, CSR adjacency, interned symbols, day
// numbers) are the library's own, in src/snapshot_columns.hpp: a host takes a snapshot, hands
// it to assess() and asks it the few things below; renderings read results through the view
// layer (explain.hpp).
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstdint>
#include <memory>
#include <string_view>

#include "safeguard/graph.hpp"

namespace safeguard {

struct Snapshot;

// Builds a snapshot in O(vertices + edges).
SAFEGUARD_EXPORT std::shared_ptr<const Snapshot> take_snapshot(const CaseGraph& graph);

// The graph revision the snapshot was taken at.
SAFEGUARD_EXPORT std::uint64_t snapshot_revision(const Snapshot& snapshot) noexcept;
// Vertices (every kind, erased ones included: vertex numbers are the graph's) and live children.
SAFEGUARD_EXPORT std::size_t snapshot_vertex_count(const Snapshot& snapshot) noexcept;
SAFEGUARD_EXPORT std::size_t snapshot_child_count(const Snapshot& snapshot) noexcept;
// A vertex's external id and kind; `vertex` < snapshot_vertex_count().
SAFEGUARD_EXPORT std::string_view snapshot_id(const Snapshot& snapshot,
                                              VertexIndex vertex) noexcept;
SAFEGUARD_EXPORT VertexKind snapshot_kind(const Snapshot& snapshot, VertexIndex vertex) noexcept;
// The working-day calendar statutory timescales run on (the graph's).
SAFEGUARD_EXPORT const WorkingCalendar& snapshot_calendar(const Snapshot& snapshot) noexcept;
// The latest date the record carries that any reader may learn: recorded and incident dates of
// live concerns that are not restricted, start dates of live factors, process events and
// discretionary overrides; kNoDay when there is none. A tool offering a default as-of date
// uses this, so the default never gives away when restricted evidence was recorded.
SAFEGUARD_EXPORT Day latest_unrestricted_date(const Snapshot& snapshot) noexcept;
// Bytes held by the columns.
SAFEGUARD_EXPORT std::size_t snapshot_byte_size(const Snapshot& snapshot) noexcept;

}  // namespace safeguard
