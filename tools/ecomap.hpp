// Ecomaps: one child's world as a Graphviz picture — the child at the centre, the people around
// them, the agencies involved, the concerns and protective factors — with every node and edge
// coloured and sized by how much it adds to (or takes from) the child's risk score.
#pragma once

#include <string>

#include "session.hpp"

namespace safeguard::cli {

struct EcomapSettings {
  std::string layout = "twopi";  // Graphviz engine, written into the DOT's `layout` attribute
  // Also draw concerns in the child's circle that add nothing for this child (a sibling's
  // school absence, an unsubstantiated worry about a carer). Concerns about the child always
  // appear, scoring or not.
  bool all_evidence = false;
};

// The ecomap of the child in `row` as a DOT document, written with Boost.Graph's
// write_graphviz. Restricted evidence the session's viewer is not cleared for appears only as
// "restricted source" with its points: no id, agency, category, date or relation to anyone
// but the child.
std::string ecomap_dot(const Session& session, std::size_t row,
                       const EcomapSettings& settings = {});

// True if Graphviz's `dot` program is on the PATH.
bool graphviz_available();

// Runs `dot -T<format>` (svg or png) on a DOT document and returns what it writes.
// Failures: kExitGraphviz.
std::string render_dot(const std::string& dot_text, const std::string& format);

}  // namespace safeguard::cli
