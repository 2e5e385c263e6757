// Statistical disclosure control for the audit's and the what-if's tables by group
// (docs/audit.md, "Small counts"): primary suppression of small cells and secondary suppression,
// so that no suppressed cell can be worked out from the totals and the other cells published.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace safeguard::audit_detail {

// Whether a count is small enough to identify children: 1 to below - 1 (0 is never small:
// below = 0 or 1 turns suppression off).
inline bool small_count(std::uint64_t count, std::size_t below) {
  return count > 0 && count < below;
}

enum class Cell : std::uint8_t {
  shown,
  fixed,        // shown, and never suppressed (a total published elsewhere)
  suppressed,   // published as "c"
  unpublished,  // never published (the not-recorded children's cells): unknown to a reader
};

// A two-way table every line of which has a total the reader knows (the published totals, or
// zero where a line's own total is one of its cells with its sign turned). A reader who knows
// every line total can work out a hidden cell exactly when, in the graph of lines joined by the
// hidden cells, that cell is a bridge: on no cycle. `protect` suppresses further cells, the
// cheapest rectangle first, until no suppressed cell is a bridge (or no rectangle is left).
struct Table {
  std::size_t rows = 0, columns = 0;
  std::vector<Cell> cells;          // row-major
  std::vector<std::uint64_t> cost;  // what suppressing the cell hides (its count)
  Cell& at(std::size_t row, std::size_t column) { return cells[row * columns + column]; }
};

// Returns whether any cell changed.
bool protect(Table& table);

}  // namespace safeguard::audit_detail
