// Text tables for people; see table.hpp.
#include "table.hpp"

#include <algorithm>
#include <ostream>

namespace safeguard::cli {

namespace {

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (const char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

}  // namespace

void Table::add_column(std::string header, Align align) {
  headers_.push_back(std::move(header));
  aligns_.push_back(align);
}

void Table::add_row(std::vector<std::string> cells, bool highlight) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
  highlights_.push_back(highlight);
}

void Table::print(std::ostream& out, bool colour) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = display_width(headers_[c]);
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  auto print_row = [&](const std::vector<std::string>& cells, bool highlight) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string padding(widths[c] - display_width(cells[c]), ' ');
      if (c != 0) line += "  ";
      line += aligns_[c] == Align::right ? padding + cells[c] : cells[c] + padding;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    // Bold red, and only on a terminal: escape codes in a file or a pipe are noise.
    if (highlight && colour) line = "\033[1;31m" + line + "\033[0m";
    out << line << '\n';
  };
  print_row(headers_, false);
  for (std::size_t r = 0; r < rows_.size(); ++r) print_row(rows_[r], highlights_[r]);
}

}  // namespace safeguard::cli
