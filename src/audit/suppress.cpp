// Secondary suppression (suppress.hpp): a hidden cell of a table whose line totals are known is
// determined exactly when it lies on no cycle of hidden cells (the null space of the line sums
// is the cycle space of that bipartite graph), so each bridge is closed into a rectangle.
#include "audit/suppress.hpp"

#include <algorithm>
#include <functional>
#include <limits>

namespace safeguard::audit_detail {
namespace {

// The hidden cells (suppressed or unpublished) that are bridges of the graph whose vertices are
// the rows (0..rows-1) and columns (rows..rows+columns-1), by Tarjan's low-link.
std::vector<std::size_t> bridges(const Table& table) {
  const std::size_t vertices = table.rows + table.columns;
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> edges(vertices);  // (to, cell)
  for (std::size_t r = 0; r < table.rows; ++r)
    for (std::size_t c = 0; c < table.columns; ++c) {
      const std::size_t cell = r * table.columns + c;
      if (table.cells[cell] == Cell::shown || table.cells[cell] == Cell::fixed) continue;
      edges[r].emplace_back(table.rows + c, cell);
      edges[table.rows + c].emplace_back(r, cell);
    }
  constexpr std::size_t kUnseen = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> order(vertices, kUnseen), low(vertices, 0), out;
  std::size_t clock = 0;
  const std::function<void(std::size_t, std::size_t)> visit = [&](std::size_t v, std::size_t via) {
    order[v] = low[v] = clock++;
    for (const auto& [to, cell] : edges[v]) {
      if (cell == via) continue;
      if (order[to] == kUnseen) {
        visit(to, cell);
        low[v] = std::min(low[v], low[to]);
        if (low[to] > order[v]) out.push_back(cell);
      } else {
        low[v] = std::min(low[v], order[to]);
      }
    }
  };
  for (std::size_t v = 0; v < vertices; ++v)
    if (order[v] == kUnseen) visit(v, kUnseen);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool protect(Table& table) {
  bool changed = false;
  std::vector<bool> hopeless(table.cells.size(), false);
  for (;;) {
    std::size_t target = table.cells.size();
    for (std::size_t cell : bridges(table))
      if (table.cells[cell] == Cell::suppressed && !hopeless[cell]) {
        target = cell;
        break;
      }
    if (target == table.cells.size()) return changed;
    const std::size_t r = target / table.columns, c = target % table.columns;
    // The rectangle (r, c), (r, c2), (r2, c), (r2, c2) hiding the least.
    std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
    std::size_t best_r = 0, best_c = 0;
    constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max() / 4;
    const auto price = [&](std::size_t row, std::size_t column) -> std::uint64_t {
      const std::size_t cell = row * table.columns + column;
      if (table.cells[cell] == Cell::fixed) return kNever;
      return table.cells[cell] == Cell::shown ? std::min(table.cost[cell], kNever / 8) + 1 : 0;
    };
    for (std::size_t r2 = 0; r2 < table.rows; ++r2) {
      if (r2 == r) continue;
      for (std::size_t c2 = 0; c2 < table.columns; ++c2) {
        if (c2 == c) continue;
        const std::uint64_t total = price(r, c2) + price(r2, c) + price(r2, c2);
        if (total < kNever && total < best) {
          best = total;
          best_r = r2;
          best_c = c2;
        }
      }
    }
    if (best == std::numeric_limits<std::uint64_t>::max()) {
      // One row or one column: the line total gives the cell whatever else is hidden.
      hopeless[target] = true;
      continue;
    }
    for (const auto& [row, column] : {std::pair{r, best_c}, {best_r, c}, {best_r, best_c}}) {
      Cell& cell = table.at(row, column);
      if (cell == Cell::shown) {
        cell = Cell::suppressed;
        changed = true;
      }
    }
  }
}

}  // namespace safeguard::audit_detail
