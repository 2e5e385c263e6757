// "Did you mean": the known word closest to a mistyped one, as git and ripgrep suggest.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace safeguard::cli {

// Levenshtein distance: insertions, deletions and substitutions, each costing one.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a likely typo (at most a
// third of the word's length away, and at least one edit allowed), else "". Ties go to the
// earlier candidate.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace safeguard::cli
