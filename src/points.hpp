// The bound on one rule's points for one piece of evidence, shared by the loader (constant
// points past it are refused) and the scorer (points worked out past it are not assessable).
#pragma once

namespace safeguard::detail {

// Far beyond what any pack means, yet small enough that no sum of contributions can overflow a
// double, so every score is finite and its contributions add up exactly to it (docs/rules.md,
// "Missing data").
inline constexpr double kMaxPoints = 1e100;

}  // namespace safeguard::detail
