// A graph as the case file's sections, each a table of columns (the reverse of the column
// buffers sg_graph_add_tables reads): what sg_graph_tables hands a host with columnar data, so
// that no document, and no object per row, is made on the way out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "safeguard/graph.hpp"

namespace safeguard::detail {

// The values are those of SG_COLUMN_* in safeguard.h (checked where the two meet).
enum class ColumnType : int { text = 1, number = 2, day = 3, flag = 4, text_list = 5 };

// One field of a section, one cell per row. A cell without a value (the field left out of that
// entity, as the case file leaves it out) has its validity bit clear and holds an empty text or
// list, or 0. Bit i of `validity` is bit (i % 8) of byte i / 8, as Arrow's.
struct TableColumn {
  std::string name;
  ColumnType type = ColumnType::text;
  std::vector<std::uint8_t> validity;
  bool all_valid = true;
  std::vector<std::int64_t> offsets{0};       // text: rows + 1; text list: items + 1
  std::string data;                           // text, text list: the bytes offsets index
  std::vector<std::int64_t> list_offsets{0};  // text list: rows + 1
  std::vector<double> numbers;                // number: severity, strength, value
  std::vector<std::int32_t> days;             // day: days since 1970-01-01
  std::vector<std::uint8_t> flags;            // flag: restricted
};

struct CaseTable {
  std::string name;
  std::size_t rows = 0;
  std::vector<TableColumn> columns;  // every field of the section, in the case file's order
};

// Every section of the case file ("agencies" .. "entries", then "calendar" with one row), in
// the order its items go into a batch, each with every field the section has, holding exactly
// what save_case writes: the same entities in the same order, the same values (dates as day
// numbers, severities and strengths as numbers), and a field left out where save_case leaves it
// out. Fed back to sg_graph_add_tables, the tables rebuild the same graph.
std::vector<CaseTable> case_tables(const CaseGraph& graph);

}  // namespace safeguard::detail
