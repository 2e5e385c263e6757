// sg_graph_add_tables: whole tables as column buffers build what the same case file builds,
// refusals name the table, row and column, and a refused call leaves the graph as it was.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
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

namespace {

std::string read_text(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  REQUIRE_MESSAGE(file != nullptr, path);
  std::string text;
  char chunk[65536];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, file)) > 0;) text.append(chunk, n);
  std::fclose(file);
  return text;
}

// The graph's tables (sg_graph_tables), freed with the holder.
struct Out {
  sg_tables* tables = nullptr;
  const sg_table* list = nullptr;
  std::size_t count = 0;
  explicit Out(const sg_graph* graph) {
    REQUIRE(sg_graph_tables(&tables, graph) == SG_OK);
    REQUIRE(sg_tables_get(&list, &count, tables) == SG_OK);
  }
  ~Out() { sg_tables_free(tables); }
  const sg_table& table(const std::string& name) const {
    for (std::size_t i = 0; i < count; ++i) {
      if (name == list[i].name) return list[i];
    }
    FAIL("no table " << name);
    throw;
  }
  const sg_column& column(const std::string& table_name, const std::string& name) const {
    const sg_table& t = table(table_name);
    for (std::size_t i = 0; i < t.column_count; ++i) {
      if (name == t.columns[i].name) return t.columns[i];
    }
    FAIL("no column " << name << " in " << table_name);
    throw;
  }
};

bool valid(const sg_column& c, std::size_t row) {
  return !c.validity || (c.validity[row / 8] >> (row % 8)) & 1u;
}

std::string text_at(const sg_column& c, std::size_t row) {
  return std::string(c.data + c.offsets[row], c.data + c.offsets[row + 1]);
}

std::vector<std::string> list_at(const sg_column& c, std::size_t row) {
  std::vector<std::string> items;
  for (auto k = c.list_offsets[row]; k < c.list_offsets[row + 1]; ++k)
    items.emplace_back(c.data + c.offsets[k], c.data + c.offsets[k + 1]);
  return items;
}

}  // namespace

TEST_SUITE("c_api_tables") {
  TEST_CASE(
      "sg_graph_tables gives every section and column, typed, with what the file leaves out") {
    Graph graph;
    REQUIRE(sg_graph_load_buffer(graph.graph, kCase, std::strlen(kCase), "rowan.json") == SG_OK);
    const Out out(graph.graph);
    const char* const sections[] = {"agencies", "households", "persons", "places",
                                    "groups",   "concerns",   "factors", "relations",
                                    "events",   "overrides",  "entries", "calendar"};
    REQUIRE(out.count == 12);
    for (std::size_t i = 0; i < out.count; ++i) {
      CHECK(std::string(out.list[i].name) == sections[i]);
      CHECK(out.list[i].version == SG_TABLE_VERSION);
    }
    CHECK(out.table("persons").row_count == 2);
    CHECK(out.table("places").row_count == 0);
    CHECK(out.table("calendar").row_count == 1);
    CHECK(out.table("persons").column_count == 7);  // attributes included

    // The agencies in the order the saved file lists them; the police's name left out.
    const sg_column& names = out.column("agencies", "name");
    REQUIRE(names.type == SG_COLUMN_TEXT);
    const sg_column& agency_ids = out.column("agencies", "id");
    CHECK(agency_ids.validity == nullptr);
    for (std::size_t row = 0; row < 2; ++row) {
      const std::string id = text_at(agency_ids, row);
      CHECK(valid(names, row) == (id == "AG-SCH-9"));
      if (id == "AG-SCH-9") CHECK(text_at(names, row) == "Fictional School");
    }
    const sg_column& dob = out.column("persons", "dob");
    REQUIRE(dob.type == SG_COLUMN_DAY);
    const sg_column& flags = out.column("persons", "flags");
    REQUIRE(flags.type == SG_COLUMN_TEXT_LIST);
    const sg_column& person_ids = out.column("persons", "id");
    for (std::size_t row = 0; row < 2; ++row) {
      if (text_at(person_ids, row) == "P-ROWAN-C1") {
        CHECK(valid(dob, row));
        CHECK(dob.days[row] == k2015_04_05);
        CHECK(list_at(flags, row) == std::vector<std::string>{"young_carer", "disability"});
      } else {
        CHECK_FALSE(valid(dob, row));
      }
    }
    const sg_column& severity = out.column("concerns", "severity");
    REQUIRE(severity.type == SG_COLUMN_NUMBER);
    const sg_column& restricted = out.column("concerns", "restricted");
    REQUIRE(restricted.type == SG_COLUMN_FLAG);
    const sg_column& concern_ids = out.column("concerns", "id");
    for (std::size_t row = 0; row < 2; ++row) {
      const bool first = text_at(concern_ids, row) == "C-ROWAN-1";
      CHECK(severity.numbers[row] == (first ? 3.0 : 2.0));
      // Only the restricted concern carries the flag, as the saved file writes it.
      CHECK(valid(restricted, row) == first);
    }
    const sg_column& nation = out.column("calendar", "nation");
    CHECK(text_at(nation, 0) == "wales");
    CHECK(list_at(out.column("calendar", "closures"), 0) == std::vector<std::string>{"2026-12-24"});
  }

  TEST_CASE("sg_graph_tables handed back to sg_graph_add_tables makes the same graph") {
    const char* const files[] = {
        "examples/data/families.json",
        "examples/data/timeline.json",
        "examples/data/peer_network.json",
        "examples/data/oak-household.json",
        "tests/data/views/case.json",
        "tests/data/joining/case.json",
        "tests/data/scenarios/dash/supplements.json",
        "tests/data/scenarios/dash/adult-judgement.json",
        "tests/data/scenarios/exploitation/overrides.json",
        "tests/data/cin/expected/full.case.json",
        "tests/data/cin/expected/generated-60.case.json",
        "tests/data/timeline/s18_scotland_prebirth_late.json",
        "tests/data/timeline/s09_england_nfa_each_stage.json",
    };
    for (const char* file : files) {
      CAPTURE(file);
      const std::string text = read_text(std::string(SAFEGUARD_SOURCE_DIR) + "/" + file);
      Graph original;
      REQUIRE(sg_graph_load_buffer(original.graph, text.data(), text.size(), file) == SG_OK);
      const Out out(original.graph);
      for (bool empty : {true, false}) {
        CAPTURE(empty);
        // Into an empty graph (streamed) and, after an unrelated household, through a batch.
        Graph rebuilt;
        const char* first = R"({"schema_version": 1, "households": [{"id": "HH-ELSEWHERE"}]})";
        if (!empty)
          REQUIRE(sg_graph_load_buffer(rebuilt.graph, first, std::strlen(first), "a") == SG_OK);
        REQUIRE(sg_graph_add_tables(rebuilt.graph, out.list, out.count) == SG_OK);
        if (empty) {
          CHECK(saved(rebuilt.graph) == saved(original.graph));
        } else {
          size_t households = 0, expected = 0;
          REQUIRE(sg_graph_count(&households, rebuilt.graph, "household") == SG_OK);
          REQUIRE(sg_graph_count(&expected, original.graph, "household") == SG_OK);
          CHECK(households == expected + 1);
        }
      }
    }
  }

  TEST_CASE("a generated caseload's tables make the same graph, for several seeds") {
    for (unsigned long long seed : {1ull, 7ull, 2026ull}) {
      CAPTURE(seed);
      sg_caseload_options options = SG_CASELOAD_OPTIONS_INIT;
      options.children = 400;
      options.seed = seed;
      sg_graph* generated = nullptr;
      REQUIRE(sg_graph_generate(&generated, &options) == SG_OK);
      {
        const Out out(generated);
        Graph rebuilt;
        REQUIRE(sg_graph_add_tables(rebuilt.graph, out.list, out.count) == SG_OK);
        CHECK(saved(rebuilt.graph) == saved(generated));
      }
      sg_graph_free(generated);
    }
  }

  TEST_CASE("sg_graph_tables of an empty graph: every table, no rows but the calendar's") {
    Graph graph;
    const Out out(graph.graph);
    REQUIRE(out.count == 12);
    for (std::size_t i = 0; i + 1 < out.count; ++i) CHECK(out.list[i].row_count == 0);
    CHECK(text_at(out.column("calendar", "nation"), 0) == "england-and-wales");
    Graph rebuilt;
    REQUIRE(sg_graph_add_tables(rebuilt.graph, out.list, out.count) == SG_OK);
    CHECK(saved(rebuilt.graph) == saved(graph.graph));
  }

  TEST_CASE("sg_graph_tables refuses a missing argument and leaves *out NULL") {
    Graph graph;
    sg_tables* tables = reinterpret_cast<sg_tables*>(std::uintptr_t{0x10});
    CHECK(sg_graph_tables(&tables, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(tables == nullptr);
    CHECK(sg_graph_tables(nullptr, graph.graph) == SG_E_INVALID_ARGUMENT);
    const sg_table* list = nullptr;
    std::size_t count = 7;
    CHECK(sg_tables_get(&list, &count, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(count == 0);
    sg_tables_free(nullptr);
  }
}
