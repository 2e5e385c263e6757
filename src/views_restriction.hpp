// The restriction decisions the view layer makes (explain.hpp), shared by src/views.cpp and the
// reader's network (src/views_network.cpp) so both decide a line the same way. Private to src/.
#pragma once

#include <string_view>

#include "safeguard/explain.hpp"
#include "snapshot_columns.hpp"

namespace safeguard::detail {

// Whether the viewer is cleared for what an agency holds: by its id, its type or everything.
// `known` false (no agency known): only a viewer cleared for everything. The one rule every
// reader-scoped output applies, over a snapshot (the view layer) or a graph (the CIN export).
inline bool cleared_for(const Viewer& viewer, bool known, std::string_view agency_id,
                        std::string_view agency_type) {
  if (viewer.cleared_all) return true;
  for (const auto& name : viewer.cleared) {
    if (name == "*" || (known && (name == agency_id || name == agency_type))) return true;
  }
  return false;
}

inline bool is_concern(const Snapshot& snap, VertexIndex v) {
  return v != kNoVertex && snap.vertex_kind[v] == VertexKind::concern;
}

// Whether the reader may see every restricted concern in the snapshot. A rule about a child
// that fired only because of restricted evidence (Contribution::restricted_basis) does not say
// which; it is shown only to a reader who could see any of them. Scanned only for such lines.
inline bool sees_every_restricted_concern(const Snapshot& snap, const Viewer& viewer) {
  if (viewer.cleared_all) return true;
  for (std::size_t c = 0; c < snap.concern_vertex.size(); ++c) {
    if (snap.concern_restricted[c] && !can_see(viewer, snap, snap.concern_vertex[c])) return false;
  }
  return true;
}

// The one decision of whether a rule line is withheld from the reader (view_line, ScoreReader
// and the reader's network all ask it): its evidence is a restricted concern the reader is not
// cleared for, or it is a rule about the child that fired (with these points) only because of
// such evidence, and the reader does not see every restricted concern (`sees_all`, asked only
// then). Propagated lines are decided by the reader's network (views_network.hpp).
template <class SeesAll>
bool withheld_line(const Snapshot& snap, const Contribution& c, const Viewer& viewer,
                   SeesAll&& sees_all) {
  if (c.propagated() || viewer.cleared_all) return false;
  if (is_concern(snap, c.evidence) && !can_see(viewer, snap, c.evidence)) return true;
  return c.restricted_basis && !sees_all();
}

}  // namespace safeguard::detail
