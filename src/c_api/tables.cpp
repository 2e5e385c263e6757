// The C API: whole tables as column buffers (sg_graph_add_tables). Each row becomes its batch
// item through the case reader's own mapping (detail::CaseRow), so a table is checked as the
// same entities in a case file are; into an empty graph the items go straight into the bulk
// builder (detail::StreamedBuild), as a case file's do, and no batch of the whole table is held.
// The way back, sg_graph_tables, fills the same layout from what the case writer writes
// (detail::case_tables).
#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "c_api/shim.hpp"
#include "case_row.hpp"
#include "case_tables.hpp"
#include "graph_bulk.hpp"
#include "safeguard/day.hpp"
#include "util/utf8.hpp"

using namespace safeguard;
using namespace safeguard::capi;

namespace {

// Where in the tables: the table's name, a 0-based row (or none) and a 0-based column (or
// none), as a message names them and as sg_error_last_detail's file, line and column.
struct TablePlace {
  std::string table;
  std::optional<std::size_t> row;
  std::optional<std::size_t> column;
  std::string column_name;

  std::string text() const {
    std::string out = table;
    if (row) out += " row " + std::to_string(*row);
    if (column) out += (row ? ", column " : " column ") + column_name;
    return out;
  }
  Location location(std::string entity = {}) const {
    return Location{table, row ? static_cast<int>(std::min<std::size_t>(*row + 1, INT32_MAX)) : 0,
                    column ? static_cast<int>(*column + 1) : 0, std::move(entity)};
  }
};

[[noreturn]] void malformed(const TablePlace& place, const std::string& what) {
  throw Error(Status::invalid_argument, what + " (" + place.text() + ")", place.location());
}

bool holds_value(const uint8_t* validity, std::size_t row) {
  return !validity || (validity[row / 8] >> (row % 8)) & 1u;
}

// Offsets into `data_size` bytes: `count` + 1 of them, never decreasing, none negative, the
// last within the data. Checked once, up front, so reading a cell needs no check.
void check_offsets(const int64_t* offsets, std::size_t count, std::size_t data_size,
                   const TablePlace& place, const char* what) {
  if (!offsets) malformed(place, std::string(what) + " is NULL");
  if (offsets[0] < 0) malformed(place, std::string(what) + " start below 0");
  for (std::size_t i = 0; i < count; ++i) {
    if (offsets[i + 1] < offsets[i]) {
      TablePlace at = place;
      at.row = i;
      malformed(at, std::string(what) + " decrease");
    }
  }
  if (static_cast<uint64_t>(offsets[count]) > data_size)
    malformed(place, std::string(what) + " run past the end of the data (" +
                         std::to_string(offsets[count]) + " > " + std::to_string(data_size) + ")");
}

struct Column {
  const sg_column* buffers;
  int field;
  TablePlace place;
};

struct Table {
  std::string name;
  int order;
  std::size_t rows;
  std::vector<Column> columns;
};

Table checked_table(const sg_table& given) {
  check_version(given.version, SG_TABLE_VERSION, "sg_table");
  Table table{text(given.name, "table name"), 0, given.row_count, {}};
  table.order = detail::CaseRow::section_order(table.name);
  // A name the format does not know is the caller's text: quoted, cut short and with control
  // bytes escaped wherever a message or a location shows it, as the case-file reader does.
  if (table.order < 0) {
    const std::string quoted = detail::quote_for_error(table.name);
    malformed(TablePlace{quoted, {}, {}, {}}, "no case-file section is called " + quoted);
  }
  const TablePlace place{table.name, {}, {}, {}};
  const detail::CaseRow row(table.name);
  if (row.is_calendar() && table.rows > 1) malformed(place, "a calendar table has one row");
  if (given.column_count > 0) require(given.columns, "columns");
  for (std::size_t i = 0; i < given.column_count; ++i) {
    const sg_column& c = given.columns[i];
    TablePlace at{table.name, {}, i, "#" + std::to_string(i)};
    at.column_name = text(c.name, "column name");
    const int field = row.field(at.column_name);
    if (field < 0) {
      at.column_name = detail::quote_for_error(at.column_name);
      malformed(at, table.name + " has no column " + at.column_name);
    }
    for (const Column& other : table.columns) {
      if (other.field == field) malformed(at, "column " + at.column_name + " is given twice");
    }
    if (table.rows > 0) {
      switch (c.type) {
        case SG_COLUMN_TEXT:
          if (!c.data && c.data_size > 0) malformed(at, "data is NULL");
          check_offsets(c.offsets, table.rows, c.data_size, at, "offsets");
          break;
        case SG_COLUMN_NUMBER:
          if (!c.numbers) malformed(at, "numbers is NULL");
          break;
        case SG_COLUMN_DAY:
          if (!c.days) malformed(at, "days is NULL");
          break;
        case SG_COLUMN_FLAG:
          if (!c.flags) malformed(at, "flags is NULL");
          break;
        case SG_COLUMN_TEXT_LIST: {
          if (!c.data && c.data_size > 0) malformed(at, "data is NULL");
          check_offsets(c.list_offsets, table.rows, SIZE_MAX, at, "list_offsets");
          check_offsets(c.offsets, static_cast<std::size_t>(c.list_offsets[table.rows]),
                        c.data_size, at, "offsets");
          break;
        }
        default:
          malformed(at, "unknown column type " + std::to_string(c.type));
      }
    } else if (c.type < SG_COLUMN_TEXT || c.type > SG_COLUMN_TEXT_LIST) {
      malformed(at, "unknown column type " + std::to_string(c.type));
    }
    table.columns.push_back(Column{&c, field, std::move(at)});
  }
  return table;
}

// Reads a table's rows into batch items, one row at a time.
class RowReader {
 public:
  RowReader(const Table& table, const CaseFileLimits& limits)
      : table_(table), limits_(limits), row_(table.name) {
    for (const Column& column : table_.columns) {
      const int type = column.buffers->type;
      if (row_.holds_ids(column.field) && (type == SG_COLUMN_TEXT || type == SG_COLUMN_TEXT_LIST))
        id_columns_.push_back(column);
    }
  }

  Edit item(std::size_t row) {
    row_.begin(row);
    for (const Column& column : table_.columns) read_cell(column, row);
    try {
      return row_.build();
    } catch (detail::RowError& refused) {
      TablePlace place{table_.name, row, {}, {}};
      for (const Column& column : table_.columns) {
        if (!refused.field.empty() && column.place.column_name == refused.field)
          place.column = column.place.column, place.column_name = refused.field;
      }
      throw Error(refused.status, refused.message + " (" + place.text() + ")",
                  place.location(std::move(refused.entity)));
    }
  }

  // Fetches into the cache where `build` keeps the ids of row `row` (its own and those it
  // refers to), without reading them as values: a hint, like the case reader's, so that adding
  // the row a few rows later finds its slots there (StreamedBuild::prefetch).
  void prefetch(const detail::StreamedBuild& build, std::size_t row) const noexcept {
    for (const Column& column : id_columns_) {
      const sg_column& c = *column.buffers;
      if (!holds_value(c.validity, row)) continue;
      if (c.type == SG_COLUMN_TEXT) {
        build.prefetch(cell(c, row));
      } else {
        for (auto k = static_cast<std::size_t>(c.list_offsets[row]);
             k < static_cast<std::size_t>(c.list_offsets[row + 1]); ++k)
          build.prefetch(cell(c, k));
      }
    }
  }

  // The batch item the table's rows become, as detail::ItemCounts' index.
  std::size_t item_kind() const { return row_.item_kind(); }
  std::size_t rows() const noexcept { return table_.rows; }

  // The id in a row, when it has a well-formed one in a text column: what an error names.
  std::string id(std::size_t row) const {
    for (const Column& column : table_.columns) {
      const sg_column& c = *column.buffers;
      if (column.place.column_name != "id" || c.type != SG_COLUMN_TEXT ||
          !holds_value(c.validity, row))
        continue;
      const std::string_view text = cell(c, row);
      if (text.size() <= limits_.max_string_bytes && detail::is_valid_utf8(text) &&
          !detail::first_unprintable(text))
        return std::string(text);
    }
    return {};
  }

 private:
  static std::string_view cell(const sg_column& c, std::size_t k) {
    if (!c.data) return {};  // no bytes at all: every offset is 0
    return std::string_view(c.data + c.offsets[k],
                            static_cast<std::size_t>(c.offsets[k + 1] - c.offsets[k]));
  }

  // Text as a case file's string must be: within the string limit, valid UTF-8.
  std::string_view checked_text(const Column& column, std::size_t row, std::size_t k) const {
    const std::string_view text = cell(*column.buffers, k);
    // The place is made only for an error: copying it for every cell was a tenth of the call.
    auto place = [&] {
      TablePlace at = column.place;
      at.row = row;
      return at;
    };
    if (text.size() > limits_.max_string_bytes)
      throw Error(Status::limit,
                  "string longer than " + std::to_string(limits_.max_string_bytes) + " bytes (" +
                      place().text() + ")",
                  place().location(id(row)));
    if (!detail::is_valid_utf8(text))
      throw Error(Status::encoding, "text is not valid UTF-8 (" + place().text() + ")",
                  place().location(id(row)));
    return text;
  }

  void read_cell(const Column& column, std::size_t row) {
    const sg_column& c = *column.buffers;
    if (!holds_value(c.validity, row)) {
      row_.set_absent(column.field);
      return;
    }
    switch (c.type) {
      case SG_COLUMN_TEXT:
        row_.set_text(column.field, checked_text(column, row, row));
        break;
      case SG_COLUMN_NUMBER:
        row_.set_number(column.field, c.numbers[row]);
        break;
      case SG_COLUMN_DAY:
        row_.set_day(column.field, c.days[row]);
        break;
      case SG_COLUMN_FLAG:
        if (c.flags[row] > 1) {
          TablePlace place = column.place;
          place.row = row;
          throw Error(Status::type,
                      column.place.column_name + " must be 0 or 1 (" + place.text() + ")",
                      place.location(id(row)));
        }
        row_.set_flag(column.field, c.flags[row] != 0);
        break;
      default:  // SG_COLUMN_TEXT_LIST
        row_.set_list(column.field);
        for (auto k = static_cast<std::size_t>(c.list_offsets[row]);
             k < static_cast<std::size_t>(c.list_offsets[row + 1]); ++k)
          row_.add_item(column.field, checked_text(column, row, k));
    }
  }

  const Table& table_;
  const CaseFileLimits& limits_;
  detail::CaseRow row_;
  std::vector<Column> id_columns_;  // the text and list columns that hold ids
};

// Into an empty graph: each item straight into the bulk builder. False when the builder
// declines (a check the graph makes): the graph is empty again, and the batch path says why.
// The build's vectors and indexes are sized from the tables' rows, which are exactly the items
// to come (a case file's layout only hints at them), so none is grown and moved as rows arrive.
// Each row's ids are prefetched a few rows before it is added.
bool streamed(CaseGraph& graph, const std::vector<Table>& tables, const CaseFileLimits& limits) {
  // Rows between fetching a row's ids and adding it: the id index's own prefetch distance.
  constexpr std::size_t kAhead = detail::kPrefetchAhead;
  detail::StreamedBuild build(graph);
  std::vector<std::unique_ptr<RowReader>> readers;  // a CaseRow each, which does not move
  detail::ItemCounts counts{};
  for (const Table& table : tables) {
    readers.push_back(std::make_unique<RowReader>(table, limits));
    counts[readers.back()->item_kind()] += table.rows;
  }
  build.reserve(counts);
  for (const auto& owned : readers) {
    RowReader& reader = *owned;
    const std::size_t rows = reader.rows();
    for (std::size_t row = 0; row < std::min(kAhead, rows); ++row) reader.prefetch(build, row);
    for (std::size_t row = 0; row < rows; ++row) {
      if (row + kAhead < rows) reader.prefetch(build, row + kAhead);
      if (!build.add(reader.item(row))) return false;
    }
  }
  return build.items() > 0 && build.finish();
}

// The tables as one batch, applied the ordinary way: a refused item is named by its table,
// row and entity.
void batched(CaseGraph& graph, const std::vector<Table>& tables, const CaseFileLimits& limits) {
  Batch batch;
  std::vector<std::pair<const Table*, std::size_t>> origins;
  for (const Table& table : tables) {
    RowReader reader(table, limits);
    for (std::size_t row = 0; row < table.rows; ++row) {
      batch.items.push_back(reader.item(row));
      origins.emplace_back(&table, row);
    }
  }
  try {
    graph.apply(batch);
  } catch (const BatchError& refused) {
    if (refused.item() >= origins.size()) throw;
    const auto& [table, row] = origins[refused.item()];
    const TablePlace place{table->name, row, {}, {}};
    std::string entity = refused.where().entity;
    if (entity.empty()) entity = RowReader(*table, limits).id(row);
    throw Error(refused.status(), refused.detail() + " (" + place.text() + ")",
                place.location(std::move(entity)));
  }
}

}  // namespace

int sg_graph_add_tables(sg_graph* graph, const sg_table* tables, size_t table_count) {
  return guard([&] {
    require(graph, "graph");
    if (table_count > 0) require(tables, "tables");
    std::vector<Table> checked;
    checked.reserve(table_count);
    for (std::size_t i = 0; i < table_count; ++i) {
      Table table = checked_table(tables[i]);
      for (const Table& other : checked) {
        if (other.order == table.order)
          malformed(TablePlace{table.name, {}, {}, {}}, "table " + table.name + " is given twice");
      }
      checked.push_back(std::move(table));
    }
    // The order a case file's sections go into a batch, whatever the order given.
    std::stable_sort(checked.begin(), checked.end(),
                     [](const Table& a, const Table& b) { return a.order < b.order; });
    EditAccess access(graph);
    if (detail::StreamedBuild::accepts(graph->graph) &&
        streamed(graph->graph, checked, graph->file_limits))
      return;
    batched(graph->graph, checked, graph->file_limits);
  });
}

// The tables of sg_graph_tables: the columns' buffers, and the structs that point into them.
struct sg_tables {
  std::vector<detail::CaseTable> tables;
  std::vector<std::vector<sg_column>> columns;
  std::vector<sg_table> views;
};

static_assert(static_cast<int>(detail::ColumnType::text) == SG_COLUMN_TEXT &&
                  static_cast<int>(detail::ColumnType::number) == SG_COLUMN_NUMBER &&
                  static_cast<int>(detail::ColumnType::day) == SG_COLUMN_DAY &&
                  static_cast<int>(detail::ColumnType::flag) == SG_COLUMN_FLAG &&
                  static_cast<int>(detail::ColumnType::text_list) == SG_COLUMN_TEXT_LIST,
              "detail::ColumnType and SG_COLUMN_* agree");

int sg_graph_tables(sg_tables** out, const sg_graph* graph) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(graph, "graph");
    auto made = std::make_unique<sg_tables>();
    {
      ReadAccess access(graph);
      made->tables = detail::case_tables(graph->graph);
    }
    made->columns.reserve(made->tables.size());
    made->views.reserve(made->tables.size());
    for (const detail::CaseTable& table : made->tables) {
      std::vector<sg_column> columns;
      columns.reserve(table.columns.size());
      for (const detail::TableColumn& c : table.columns) {
        sg_column column{};
        column.name = c.name.c_str();
        column.type = static_cast<int>(c.type);
        column.validity = c.all_valid ? nullptr : c.validity.data();
        switch (c.type) {
          case detail::ColumnType::text:
          case detail::ColumnType::text_list:
            column.offsets = c.offsets.data();
            column.data = c.data.data();
            column.data_size = c.data.size();
            if (c.type == detail::ColumnType::text_list)
              column.list_offsets = c.list_offsets.data();
            break;
          case detail::ColumnType::number:
            column.numbers = c.numbers.data();
            break;
          case detail::ColumnType::day:
            column.days = c.days.data();
            break;
          case detail::ColumnType::flag:
            column.flags = c.flags.data();
            break;
        }
        columns.push_back(column);
      }
      made->columns.push_back(std::move(columns));
      sg_table view = SG_TABLE_INIT;
      view.name = table.name.c_str();
      view.row_count = table.rows;
      view.columns = made->columns.back().data();
      view.column_count = made->columns.back().size();
      made->views.push_back(view);
    }
    *out = made.release();
  });
}

int sg_tables_get(const sg_table** out, size_t* out_count, const sg_tables* tables) {
  return guard([&] {
    require(out, "out");
    *out = nullptr;
    require(out_count, "out_count");
    *out_count = 0;
    require(tables, "tables");
    *out = tables->views.data();
    *out_count = tables->views.size();
  });
}

void sg_tables_free(sg_tables* tables) { delete tables; }
