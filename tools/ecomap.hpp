// Drawing the library's ecomaps (safeguard/render.hpp writes them as DOT) with Graphviz: the
// program runs `dot`, which the library leaves to its host.
#pragma once

#include <string>

#include "safeguard/render.hpp"
#include "session.hpp"

namespace safeguard::cli {

// The render options a session implies: its viewer, case file, pack source and as-of source.
RenderOptions render_options(const Session& session);

// True if Graphviz's `dot` program is on the PATH.
bool graphviz_available();

// Runs `dot -T<format>` (svg or png) on a DOT document and returns what it writes.
// Failures: kExitGraphviz.
std::string render_dot(const std::string& dot_text, const std::string& format);

}  // namespace safeguard::cli
