// Text tables for people.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace safeguard::cli {

// A text table for people: columns padded to their widest cell (counted in code points).
class Table {
 public:
  enum class Align { left, right };
  void add_column(std::string header, Align align);
  // A highlighted row (an overdue step) is printed in bold red when `colour` is true.
  void add_row(std::vector<std::string> cells, bool highlight = false);
  void print(std::ostream& out, bool colour = false) const;
  std::size_t rows() const noexcept { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> highlights_;
};

}  // namespace safeguard::cli
