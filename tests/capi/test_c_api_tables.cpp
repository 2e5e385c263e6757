// sg_graph_add_tables: whole tables as column buffers build what the same case file builds,
// refusals name the table, row and column, and a refused call leaves the graph as it was.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "capi_support.hpp"
#include "safeguard.h"

namespace {

using capi_test::saved;

// One column's buffers, owned here; missing cells are std::nullopt.
struct Column {
  std::string name;
  int type = SG_COLUMN_TEXT;
  std::vector<uint8_t> validity;
  std::vector<int64_t> offsets{0};
  std::string data;
  std::vector<int64_t> list_offsets{0};
  std::vector<double> numbers;
  std::vector<int32_t> days;
  std::vector<uint8_t> flags;
  std::size_t rows = 0;

  void mark(bool present) {
    if (rows % 8 == 0) validity.push_back(0);
    if (present) validity.back() |= static_cast<uint8_t>(1u << (rows % 8));
    ++rows;
  }
  sg_column view() const {
    sg_column c{};
    c.name = name.c_str();
    c.type = type;
    c.validity = validity.data();
    c.offsets = offsets.data();
    c.data = data.data();
    c.data_size = data.size();
    c.list_offsets = list_offsets.data();
    c.numbers = numbers.data();
    c.days = days.data();
    c.flags = flags.data();
    return c;
  }
};

Column texts(std::string name, const std::vector<std::optional<std::string>>& cells) {
  Column c{std::move(name)};
  for (const auto& cell : cells) {
    c.mark(cell.has_value());
    if (cell) c.data += *cell;
    c.offsets.push_back(static_cast<int64_t>(c.data.size()));
  }
  return c;
}

Column lists(std::string name, const std::vector<std::vector<std::string>>& cells) {
  Column c{std::move(name), SG_COLUMN_TEXT_LIST};
  for (const auto& items : cells) {
    c.mark(true);
    for (const auto& item : items) {
      c.data += item;
      c.offsets.push_back(static_cast<int64_t>(c.data.size()));
    }
    c.list_offsets.push_back(static_cast<int64_t>(c.offsets.size() - 1));
  }
  return c;
}

Column numbers(std::string name, const std::vector<std::optional<double>>& cells) {
  Column c{std::move(name), SG_COLUMN_NUMBER};
  for (const auto& cell : cells) {
    c.mark(cell.has_value());
    c.numbers.push_back(cell.value_or(0));
  }
  return c;
}

Column days(std::string name, const std::vector<std::optional<int32_t>>& cells) {
  Column c{std::move(name), SG_COLUMN_DAY};
  for (const auto& cell : cells) {
    c.mark(cell.has_value());
    c.days.push_back(cell.value_or(0));
  }
  return c;
}

Column flags(std::string name, const std::vector<uint8_t>& cells) {
  Column c{std::move(name), SG_COLUMN_FLAG};
  for (uint8_t cell : cells) {
    c.mark(true);
    c.flags.push_back(cell);
  }
  return c;
}

// Tables of owned columns, viewed as the C API takes them.
struct Tables {
  struct Table {
    std::string name;
    std::size_t rows;
    std::vector<Column> columns;
    std::vector<sg_column> views;
  };
  std::vector<Table> tables;
  std::vector<sg_table> views;

  Tables& add(std::string name, std::size_t rows, std::vector<Column> columns) {
    tables.push_back(Table{std::move(name), rows, std::move(columns), {}});
    return *this;
  }
  int apply(sg_graph* graph) {
    views.clear();
    for (Table& t : tables) {
      t.views.clear();
      for (const Column& c : t.columns) t.views.push_back(c.view());
      sg_table table = SG_TABLE_INIT;
      table.name = t.name.c_str();
      table.row_count = t.rows;
      table.columns = t.views.data();
      table.column_count = t.views.size();
      views.push_back(table);
    }
    return sg_graph_add_tables(graph, views.data(), views.size());
  }
};

// 2015-04-05 and 2026-09-12 as days since 1970-01-01.
constexpr int32_t k2015_04_05 = 16530;
constexpr int32_t k2026_09_12 = 20708;

const char* kCase = R"({"schema_version": 1,
  "agencies": [{"id": "AG-SCH-9", "type": "school", "name": "Fictional School"},
               {"id": "AG-POL-9", "type": "police"}],
  "households": [{"id": "HH-ROWAN"}],
  "persons": [{"id": "P-ROWAN-M", "kind": "adult", "household": "HH-ROWAN"},
              {"id": "P-ROWAN-C1", "kind": "child", "dob": "2015-04-05", "household": "HH-ROWAN",
               "flags": ["young_carer", "disability"]}],
  "concerns": [{"id": "C-ROWAN-1", "category": "domestic_abuse", "severity": 3,
                "recorded": "2026-09-12", "source": "AG-POL-9", "restricted": true,
                "about": ["P-ROWAN-C1"], "involves": ["P-ROWAN-M"]},
               {"id": "C-ROWAN-2", "category": "school_attendance", "severity": 2,
                "recorded": "2026-09-12", "status": "closed", "source": "AG-SCH-9",
                "about": ["P-ROWAN-C1"], "summary": "Attendance 84%."}],
  "relations": [{"kind": "parent_of", "from": "P-ROWAN-M", "to": "P-ROWAN-C1"}],
  "calendar": {"nation": "wales", "closures": ["2026-12-24"]}
})";

// The same case as tables, in an order of their own (persons before agencies).
Tables rowan() {
  Tables t;
  t.add("persons", 2,
        {texts("id", {"P-ROWAN-M", "P-ROWAN-C1"}), texts("kind", {"adult", "child"}),
         days("dob", {std::nullopt, k2015_04_05}), texts("household", {"HH-ROWAN", "HH-ROWAN"}),
         lists("flags", {{}, {"young_carer", "disability"}})});
  t.add("agencies", 2,
        {texts("id", {"AG-SCH-9", "AG-POL-9"}), texts("type", {"school", "police"}),
         texts("name", {"Fictional School", std::nullopt})});
  t.add("households", 1, {texts("id", {"HH-ROWAN"})});
  t.add("concerns", 2,
        {texts("id", {"C-ROWAN-1", "C-ROWAN-2"}),
         texts("category", {"domestic_abuse", "school_attendance"}), numbers("severity", {3, 2}),
         days("recorded", {k2026_09_12, k2026_09_12}), texts("status", {std::nullopt, "closed"}),
         texts("source", {"AG-POL-9", "AG-SCH-9"}), flags("restricted", {1, 0}),
         lists("about", {{"P-ROWAN-C1"}, {"P-ROWAN-C1"}}), lists("involves", {{"P-ROWAN-M"}, {}}),
         texts("summary", {std::nullopt, "Attendance 84%."})});
  t.add("relations", 1,
        {texts("kind", {"parent_of"}), texts("from", {"P-ROWAN-M"}), texts("to", {"P-ROWAN-C1"})});
  t.add("calendar", 1, {texts("nation", {"wales"}), lists("closures", {{"2026-12-24"}})});
  return t;
}

struct Graph {
  sg_graph* graph = nullptr;
  Graph() { REQUIRE(sg_graph_new(&graph) == SG_OK); }
  ~Graph() { sg_graph_free(graph); }
};

Column& column_of(Tables& t, const std::string& table, const std::string& column) {
  for (auto& each : t.tables) {
    if (each.name != table) continue;
    for (Column& c : each.columns) {
      if (c.name == column) return c;
    }
  }
  FAIL("no such column");
  throw;
}

}  // namespace

TEST_SUITE("c_api_tables") {
  TEST_CASE("tables build the graph the same case file builds, empty graph or not") {
    Graph from_file;
    REQUIRE(sg_graph_load_buffer(from_file.graph, kCase, std::strlen(kCase), "rowan.json") ==
            SG_OK);
    Graph from_tables;
    Tables tables = rowan();
    REQUIRE(tables.apply(from_tables.graph) == SG_OK);
    CHECK(saved(from_tables.graph) == saved(from_file.graph));

    // Into a graph that already holds entities (the batch path): the same additions.
    const char* first = R"({"schema_version": 1, "households": [{"id": "HH-OTHER"}]})";
    Graph file_after, tables_after;
    REQUIRE(sg_graph_load_buffer(file_after.graph, first, std::strlen(first), "a") == SG_OK);
    REQUIRE(sg_graph_load_buffer(tables_after.graph, first, std::strlen(first), "a") == SG_OK);
    REQUIRE(sg_graph_load_buffer(file_after.graph, kCase, std::strlen(kCase), "b") == SG_OK);
    REQUIRE(tables.apply(tables_after.graph) == SG_OK);
    CHECK(saved(tables_after.graph) == saved(file_after.graph));
  }

  TEST_CASE("no tables, and tables of no rows, change nothing") {
    Graph graph;
    const std::string before = saved(graph.graph);
    CHECK(sg_graph_add_tables(graph.graph, nullptr, 0) == SG_OK);
    Tables empty;
    empty.add("persons", 0, {texts("id", {}), texts("kind", {})});
    CHECK(empty.apply(graph.graph) == SG_OK);
    CHECK(saved(graph.graph) == before);
  }

  TEST_CASE("a refused cell names table, row, column and entity and leaves the graph untouched") {
    for (bool empty : {true, false}) {
      CAPTURE(empty);
      Graph graph;
      const char* first = R"({"schema_version": 1, "households": [{"id": "HH-OTHER"}]})";
      if (!empty)
        REQUIRE(sg_graph_load_buffer(graph.graph, first, std::strlen(first), "a") == SG_OK);
      const std::string before = saved(graph.graph);

      Tables tables = rowan();
      column_of(tables, "persons", "dob").days[1] = 200000;  // the year 2517
      CHECK(tables.apply(graph.graph) == SG_E_INVALID_DATA);
      const sg_error_detail* detail = sg_error_last_detail();
      CHECK(std::string(detail->message).find("(persons row 1, column dob)") != std::string::npos);
      CHECK(std::string(detail->file) == "persons");
      CHECK(detail->line == 2);
      CHECK(detail->column == 3);
      CHECK(std::string(detail->entity) == "P-ROWAN-C1");
      CHECK(saved(graph.graph) == before);

      tables = rowan();
      column_of(tables, "concerns", "severity").numbers[1] = 2.5;
      CHECK(tables.apply(graph.graph) == SG_E_TYPE);
      CHECK(std::string(sg_error_last())
                .find("must be a whole number (concerns row 1, column "
                      "severity)") != std::string::npos);
      CHECK(std::string(sg_error_last_detail()->entity) == "C-ROWAN-2");
      CHECK(saved(graph.graph) == before);

      tables = rowan();
      column_of(tables, "concerns", "restricted").flags[0] = 2;
      CHECK(tables.apply(graph.graph) == SG_E_TYPE);
      CHECK(std::string(sg_error_last()).find("concerns row 0, column restricted") !=
            std::string::npos);
      CHECK(saved(graph.graph) == before);

      tables = rowan();
      column_of(tables, "persons", "kind") = texts("kind", {"adult", "infant"});
      CHECK(tables.apply(graph.graph) == SG_E_INVALID_DATA);
      CHECK(std::string(sg_error_last()).find("persons row 1, column kind") != std::string::npos);
      CHECK(saved(graph.graph) == before);

      // A required field missing: the row, with no column.
      tables = rowan();
      column_of(tables, "agencies", "type") = texts("type", {"school", std::nullopt});
      CHECK(tables.apply(graph.graph) == SG_E_INVALID_DATA);
      CHECK(std::string(sg_error_last()).find("missing \"type\" (agencies row 1)") !=
            std::string::npos);
      CHECK(sg_error_last_detail()->column == 0);
      CHECK(std::string(sg_error_last_detail()->entity) == "AG-POL-9");
      CHECK(saved(graph.graph) == before);

      // What the graph refuses (an unknown agency): table, row and entity.
      tables = rowan();
      column_of(tables, "concerns", "source") = texts("source", {"AG-POL-9", "AG-GONE"});
      CHECK(tables.apply(graph.graph) == SG_E_NOT_FOUND);
      CHECK(std::string(sg_error_last()).find("(concerns row 1)") != std::string::npos);
      CHECK(std::string(sg_error_last_detail()->file) == "concerns");
      CHECK(sg_error_last_detail()->line == 2);
      CHECK(std::string(sg_error_last_detail()->entity) == "C-ROWAN-2");
      CHECK(saved(graph.graph) == before);

      // A duplicate id across rows.
      tables = rowan();
      tables.tables[2] =
          Tables::Table{"households", 2, {texts("id", {"HH-ROWAN", "HH-ROWAN"})}, {}};
      CHECK(tables.apply(graph.graph) == SG_E_DUPLICATE);
      CHECK(std::string(sg_error_last()).find("(households row 1)") != std::string::npos);
      CHECK(saved(graph.graph) == before);

      // Invalid UTF-8 in a list item.
      tables = rowan();
      column_of(tables, "persons", "flags") = lists("flags", {{}, {"young_carer", "\xc3\x28"}});
      CHECK(tables.apply(graph.graph) == SG_E_ENCODING);
      CHECK(std::string(sg_error_last()).find("persons row 1, column flags") != std::string::npos);
      CHECK(saved(graph.graph) == before);
    }
  }

  TEST_CASE("malformed buffers are refused naming table and column, before anything is read") {
    Graph graph;
    const std::string before = saved(graph.graph);
    auto refused = [&](Tables tables, const char* words) {
      CHECK(tables.apply(graph.graph) == SG_E_INVALID_ARGUMENT);
      const std::string message = sg_error_last();
      CAPTURE(message);
      CHECK(message.find(words) != std::string::npos);
      CHECK(saved(graph.graph) == before);
    };
    Tables t = rowan();
    column_of(t, "agencies", "type").offsets = {0, 6, 3};
    refused(t, "offsets decrease (agencies row 1, column type)");
    t = rowan();
    column_of(t, "agencies", "type").offsets = {0, 6, 400};
    refused(t, "offsets run past the end of the data (400 > 12) (agencies column type)");
    t = rowan();
    column_of(t, "agencies", "type").offsets = {-1, 6, 12};
    refused(t, "offsets start below 0 (agencies column type)");
    t = rowan();
    column_of(t, "persons", "flags").list_offsets = {0, 0, -2};
    refused(t, "list_offsets decrease (persons row 1, column flags)");
    t = rowan();
    column_of(t, "persons", "flags").type = 99;
    refused(t, "unknown column type 99 (persons column flags)");
    t = rowan();
    column_of(t, "persons", "flags").name = "colour";
    refused(t, "persons has no column \"colour\" (persons column \"colour\")");
    t = rowan();
    t.tables[0].columns.push_back(texts("id", {"X", "Y"}));
    refused(t, "column id is given twice");
    t = rowan();
    t.tables[0].name = "people";
    refused(t, "no case-file section is called \"people\"");
    t = rowan();
    t.tables.push_back(t.tables[2]);
    refused(t, "table households is given twice");
    t = rowan();
    t.tables[5].rows = 2;
    refused(t, "a calendar table has one row");
    // A buffer the column's type needs, missing.
    t = rowan();
    column_of(t, "concerns", "severity").type = SG_COLUMN_DAY;  // its days were never filled
    refused(t, "days is NULL (concerns column severity)");
  }

  TEST_CASE("a name the format does not know is quoted short, never echoed raw") {
    // The caller's text (up to 1 MiB, any printable or control character) reaches a message and
    // a log only as quote_for_error gives it: 40 bytes at most, control bytes as \xNN.
    Graph graph;
    const std::string before = saved(graph.graph);
    const std::string hostile = "\x1b[2J\r\n" + std::string(5000, 'z');
    auto refused = [&](Tables tables) {
      CHECK(tables.apply(graph.graph) == SG_E_INVALID_ARGUMENT);
      const std::string message = sg_error_last();
      CAPTURE(message);
      CHECK(message.size() < 300);
      for (char c : message) CHECK(static_cast<unsigned char>(c) >= 0x20);
      CHECK(message.find("\\x1B[2J\\x0D\\x0A") != std::string::npos);
      const sg_error_detail* detail = sg_error_last_detail();
      REQUIRE(detail->file != nullptr);
      CHECK(std::strlen(detail->file) < 100);
      for (const char* c = detail->file; *c; ++c) CHECK(static_cast<unsigned char>(*c) >= 0x20);
      CHECK(saved(graph.graph) == before);
    };
    Tables t = rowan();
    t.tables[0].name = hostile;
    refused(t);
    t = rowan();
    column_of(t, "persons", "flags").name = hostile;
    refused(t);
  }

  TEST_CASE("a value of the wrong kind for its field is the case file's type error") {
    Graph graph;
    Tables t = rowan();
    column_of(t, "persons", "household") = days("household", {1, 2});
    CHECK(t.apply(graph.graph) == SG_E_TYPE);
    CHECK(std::string(sg_error_last())
              .find("\"household\" must be a string (persons row 0, "
                    "column household)") != std::string::npos);
  }
}
