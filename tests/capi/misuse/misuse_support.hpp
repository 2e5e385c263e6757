// Argument factories for the generated C API misuse test (gen_misuse.py writes one doctest case
// per SG_API function; this header says how to misuse each parameter type). Variant 0 of every
// argument is a valid value; the others are the bad ones, each with what the call must return.
//
// For every call the harness checks: the status is SG_OK or a known SG_E_* code; a failure
// leaves a message and its status in sg_error_last()/sg_error_last_status(); a failure leaves
// the graph (its saved bytes) and the batch (its size) as they were; handles and buffers
// returned through `out` are NULL on failure and real on success.
#pragma once

#include <doctest/doctest.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <unistd.h>

#include "safeguard.h"

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace misuse {

constexpr int kNoStatus = 1;  // the call returns no status (void or a value)
extern const int kGeneratedFunctionCount;

inline std::string read_text(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline const std::string& example_case() {
  static const std::string text = read_text(SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
  return text;
}
inline const std::string& default_rules() {
  static const std::string text = read_text(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  return text;
}

// What a call must return when an argument holds a given variant.
struct Expect {
  enum Kind { any, fail, exact } kind = any;
  int status = SG_OK;
  static Expect anything() { return {}; }
  static Expect failure() { return {fail, 0}; }
  static Expect code(int status) { return {exact, status}; }
};

inline Expect null_expect(bool optional) {
  return optional ? Expect::anything() : Expect::code(SG_E_INVALID_ARGUMENT);
}

// Fresh handles for every call, so one call's side effects never reach the next.
struct Fixture {
  std::string function;
  sg_graph* graph = nullptr;
  sg_batch* batch = nullptr;
  sg_rules* rules = nullptr;
  sg_result* result = nullptr;
  sg_calendar* calendar = nullptr;
  sg_record* record = nullptr;
  sg_process* process = nullptr;
  sg_audit* audit = nullptr;
  sg_tables* tables = nullptr;

  explicit Fixture(std::string name) : function(std::move(name)) {
    REQUIRE(sg_process_load_file(&process, SAFEGUARD_SOURCE_DIR "/process/england.toml",
                                 "england-and-wales") == SG_OK);
    REQUIRE(sg_calendar_new(&calendar, "england-and-wales") == SG_OK);
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    const std::string& text = example_case();
    REQUIRE(sg_graph_load_buffer(graph, text.data(), text.size(), "families.json") == SG_OK);
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_add_household(batch, "HH-MISUSE") == SG_OK);
    REQUIRE(sg_rules_load_buffer(&rules, default_rules().data(), default_rules().size(),
                                 "default.toml") == SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-01";
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    REQUIRE(sg_record_new(&record) == SG_OK);
    sg_provenance provenance = SG_PROVENANCE_INIT;
    provenance.recorded_at = kRecordedAt;
    provenance.author = "misuse-loader";
    REQUIRE(sg_record_import_buffer(nullptr, record, text.data(), text.size(), "families.json",
                                    &provenance) == SG_OK);
    const std::string& outcomes = audit_outcomes();
    REQUIRE(sg_audit_new(&audit, outcomes.data(), outcomes.size(), "outcomes.csv") == SG_OK);
    const std::string& groups = audit_groups();
    REQUIRE(sg_audit_set_groups(audit, groups.data(), groups.size(), "groups.csv") == SG_OK);
    REQUIRE(sg_graph_tables(&tables, graph) == SG_OK);
  }
  // When the fixture's record was loaded; later batches must not be recorded earlier.
  static constexpr long long kRecordedAt = 1'790'000'000;
  ~Fixture() {
    sg_tables_free(tables);
    sg_audit_free(audit);
    sg_process_free(process);
    sg_record_free(record);
    sg_calendar_free(calendar);
    sg_result_free(result);
    sg_rules_free(rules);
    sg_batch_free(batch);
    sg_graph_free(graph);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  std::string graph_bytes() const {
    char* buffer = nullptr;
    std::size_t size = 0;
    if (sg_graph_save_buffer(&buffer, &size, graph) != SG_OK) return "<save failed>";
    std::string out(buffer, size);
    sg_buffer_free(buffer);
    return out;
  }
  std::size_t batch_size() const {
    std::size_t n = 0;
    sg_batch_size(&n, batch);
    return n;
  }
  bool is_rules_call() const { return function.find("sg_rules") == 0; }
  bool is_process_call() const { return function.find("sg_process") == 0; }
  // Calls whose data is TOML (rule packs, process files) rather than a JSON case file.
  bool is_toml_call() const { return is_rules_call() || is_process_call(); }
  // Calls whose data is an audit's CSV (outcomes or group attributes).
  bool is_audit_call() const { return function.find("sg_audit") == 0; }
  static const std::string& audit_outcomes() {
    static const std::string text = "child_id,outcome\n";
    return text;
  }
  static const std::string& audit_groups() {
    static const std::string text = "child_id,area\n";
    return text;
  }
};

// Every argument kind: Kind(fixture, param, optional, variant); variants(); get(); expect();
// after(status) for checks that need the call's result.
struct ArgBase {
  Expect expected;
  Expect expect() const { return expected; }
  void after(int) {}
};

template <typename Handle>
struct HandleArg : ArgBase {
  Handle* value;
  static std::size_t variants() { return 2; }
  HandleArg(Handle* valid, bool optional, std::size_t variant)
      : value(variant == 0 ? valid : nullptr) {
    if (variant == 1) expected = null_expect(optional);
  }
  Handle* get() const { return value; }
};
struct GraphArg : HandleArg<sg_graph> {
  GraphArg(Fixture& f, const char*, bool optional, std::size_t v)
      : HandleArg(f.graph, optional, v) {}
  using HandleArg::variants;
};
struct BatchArg : HandleArg<sg_batch> {
  BatchArg(Fixture& f, const char*, bool optional, std::size_t v)
      : HandleArg(f.batch, optional, v) {}
};
struct RulesArg : HandleArg<sg_rules> {
  RulesArg(Fixture& f, const char*, bool optional, std::size_t v)
      : HandleArg(f.rules, optional, v) {}
};
struct CalendarArg : HandleArg<sg_calendar> {
  CalendarArg(Fixture& f, const char*, bool optional, std::size_t v)
      : HandleArg(f.calendar, optional, v) {}
};
struct ProcessArg : HandleArg<sg_process> {
  ProcessArg(Fixture& f, const char*, bool optional, std::size_t v)
      : HandleArg(f.process, optional, v) {}
};
struct RecordArg : HandleArg<sg_record> {
  RecordArg(Fixture& f, const char*, bool optional, std::size_t v)
      : HandleArg(f.record, optional, v) {}
};
struct AuditArg : HandleArg<sg_audit> {
  AuditArg(Fixture& f, const char*, bool optional, std::size_t v)
      : HandleArg(f.audit, optional, v) {}
};
struct TablesHandleArg : HandleArg<sg_tables> {
  TablesHandleArg(Fixture& f, const char*, bool optional, std::size_t v)
      : HandleArg(f.tables, optional, v) {}
};
struct ResultArg : HandleArg<sg_result> {
  ResultArg(Fixture& f, const char*, bool optional, std::size_t v)
      : HandleArg(f.result, optional, v) {}
};

inline void release(sg_graph* h) { sg_graph_free(h); }
inline void release(sg_batch* h) { sg_batch_free(h); }
inline void release(sg_rules* h) { sg_rules_free(h); }
inline void release(sg_result* h) { sg_result_free(h); }
inline void release(char* h) { sg_buffer_free(h); }
inline void release(sg_calendar* h) { sg_calendar_free(h); }
inline void release(sg_record* h) { sg_record_free(h); }
inline void release(sg_process* h) { sg_process_free(h); }
inline void release(sg_audit* h) { sg_audit_free(h); }
inline void release(sg_tables* h) { sg_tables_free(h); }

// Where a call returns a new handle or buffer. Starts as a non-NULL sentinel so a failing call
// that forgets to clear it is caught.
template <typename Handle>
struct OutHandle : ArgBase {
  Handle* slot = reinterpret_cast<Handle*>(std::uintptr_t{0x10});
  bool null;
  static std::size_t variants() { return 2; }
  OutHandle(Fixture&, const char*, bool optional, std::size_t variant) : null(variant == 1) {
    if (null) expected = null_expect(optional);
  }
  Handle** get() { return null ? nullptr : &slot; }
  void after(int status) {
    if (null) return;
    const bool sentinel = slot == reinterpret_cast<Handle*>(std::uintptr_t{0x10});
    if (status < 0) {
      CHECK_MESSAGE(slot == nullptr, "a failed call must set *out to NULL");
      if (!sentinel) release(slot);
    } else {
      CHECK_MESSAGE((slot != nullptr && !sentinel), "a successful call must set *out");
      if (!sentinel) release(slot);
    }
  }
};
using OutBuffer = OutHandle<char>;

template <typename T>
struct OutValue : ArgBase {
  T slot{};
  bool null;
  static std::size_t variants() { return 2; }
  OutValue(Fixture&, const char*, bool optional, std::size_t variant) : null(variant == 1) {
    if (null) expected = null_expect(optional);
  }
  T* get() { return null ? nullptr : &slot; }
};

// A caller's array for many values (rows x indices): big enough for any row count the
// fixture's result can give, or NULL.
template <typename T>
struct OutArray : ArgBase {
  std::vector<T> slots = std::vector<T>(4096);
  bool null;
  static std::size_t variants() { return 2; }
  OutArray(Fixture&, const char*, bool optional, std::size_t variant) : null(variant == 1) {
    if (null) expected = null_expect(optional);
  }
  T* get() { return null ? nullptr : slots.data(); }
};

// A caller's buffer of SG_DATE_SIZE bytes for a date.
struct DateOut : ArgBase {
  char slot[SG_DATE_SIZE] = "unchanged!";
  bool null;
  static std::size_t variants() { return 2; }
  DateOut(Fixture&, const char*, bool optional, std::size_t variant) : null(variant == 1) {
    if (null) expected = null_expect(optional);
  }
  char* get() { return null ? nullptr : slot; }
  void after(int status) {
    if (!null && status == SG_OK) CHECK(std::strlen(slot) == SG_DATE_SIZE - 1);
  }
};

template <typename T>
T init_struct();
template <>
inline sg_rules_info init_struct<sg_rules_info>() {
  return SG_RULES_INFO_INIT;
}
template <>
inline sg_child_result init_struct<sg_child_result>() {
  return SG_CHILD_RESULT_INIT;
}
template <>
inline sg_contribution init_struct<sg_contribution>() {
  return SG_CONTRIBUTION_INIT;
}
template <>
inline sg_contribution_columns init_struct<sg_contribution_columns>() {
  return SG_CONTRIBUTION_COLUMNS_INIT;
}
template <>
inline sg_step_columns init_struct<sg_step_columns>() {
  return SG_STEP_COLUMNS_INIT;
}
template <>
inline sg_child_columns init_struct<sg_child_columns>() {
  return SG_CHILD_COLUMNS_INIT;
}

template <>
inline sg_timescales init_struct<sg_timescales>() {
  return SG_TIMESCALES_INIT;
}
template <>
inline sg_lint_warning init_struct<sg_lint_warning>() {
  return SG_LINT_WARNING_INIT;
}
template <>
inline sg_vocabulary_finding init_struct<sg_vocabulary_finding>() {
  return SG_VOCABULARY_FINDING_INIT;
}
template <>
inline sg_adult_result init_struct<sg_adult_result>() {
  return SG_ADULT_RESULT_INIT;
}
template <>
inline sg_place_result init_struct<sg_place_result>() {
  return SG_PLACE_RESULT_INIT;
}
template <>
inline sg_safety_finding init_struct<sg_safety_finding>() {
  return SG_SAFETY_FINDING_INIT;
}
template <>
inline sg_step init_struct<sg_step>() {
  return SG_STEP_INIT;
}
template <>
inline sg_discretionary init_struct<sg_discretionary>() {
  return SG_DISCRETIONARY_INIT;
}
template <>
inline sg_index_def init_struct<sg_index_def>() {
  return SG_INDEX_DEF_INIT;
}
template <>
inline sg_level_def init_struct<sg_level_def>() {
  return SG_LEVEL_DEF_INIT;
}
template <>
inline sg_rule_def init_struct<sg_rule_def>() {
  return SG_RULE_DEF_INIT;
}
template <>
inline sg_policy_override_def init_struct<sg_policy_override_def>() {
  return SG_POLICY_OVERRIDE_DEF_INIT;
}

// Output structs carry a version the caller sets with the _INIT macro.
template <typename T>
struct OutStruct : ArgBase {
  T slot = init_struct<T>();
  bool null;
  static std::size_t variants() { return 4; }
  OutStruct(Fixture&, const char*, bool optional, std::size_t variant) : null(variant == 1) {
    if (variant == 1) expected = null_expect(optional);
    if (variant == 2) slot.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
    if (variant == 3) slot.version = 999, expected = Expect::code(SG_E_VERSION);
  }
  T* get() { return null ? nullptr : &slot; }
};

// Where calls that write files write them: a directory of this process's own.
struct ScratchDir {
  std::string path =
      (std::filesystem::temp_directory_path() / ("safeguard-misuse-" + std::to_string(::getpid())))
          .string();
  ScratchDir() { std::filesystem::create_directories(path); }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};
inline const std::string& scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

inline const std::string& huge_text() {
  static const std::string text(2u << 20, 'a');  // over the 1 MiB argument limit
  return text;
}

// A NUL-terminated string argument. The valid value depends on what the parameter names.
struct TextArg : ArgBase {
  std::string text;
  bool null = false;
  static std::size_t variants() { return 8; }
  TextArg(Fixture& f, const char* param, bool optional, std::size_t variant) {
    const std::string name = param;
    switch (variant) {
      case 0:
        text = valid(f, name);
        break;
      case 1:
        null = true;
        expected = null_expect(optional);
        break;
      case 2:
        text = "";
        break;
      case 3:
        text = "P-\xc3\x28";  // a lead byte without its continuation
        expected = Expect::failure();
        break;
      case 4:
        text = huge_text();
        expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 5:
        text = "P-1\n\x01";
        // As a path it would be created; keep it out of the working directory.
        if (name == "path") text = scratch_dir() + "/" + text;
        break;
      case 6:
        text = "\xc0\xaf";  // overlong encoding of '/'
        expected = Expect::failure();
        break;
      case 7:
        text = "\xed\xa0\x80";  // a UTF-16 surrogate
        expected = Expect::failure();
        break;
    }
  }
  static std::string valid(Fixture& f, const std::string& name) {
    if (name == "path") {
      if (f.function.rfind("sg_graph_load_file", 0) == 0)
        return SAFEGUARD_SOURCE_DIR "/examples/data/families.json";
      if (f.function.rfind("sg_rules_load_file", 0) == 0)
        return SAFEGUARD_SOURCE_DIR "/rules/default.toml";
      if (f.function.rfind("sg_cin_", 0) == 0)
        return SAFEGUARD_SOURCE_DIR "/tests/data/cin/full.xml";
      return scratch_dir() + "/misuse-saved.json";
    }
    if (name == "kind")
      return f.function == "sg_batch_add_relation" ? "parent_of"
             : f.function == "sg_graph_count"      ? "person"
                                                   : "park";
    const bool calendar = f.function.rfind("sg_calendar", 0) == 0;
    if (name == "from") return calendar ? "2026-01-05" : "P-ASH-M";
    if (name == "to") return calendar ? "2026-02-05" : "P-ASH-C1";
    if (name == "child_id" || name == "person") return "P-ASH-C1";
    if (f.function == "sg_batch_amend" || f.function == "sg_batch_amend_list") {
      if (name == "kind") return "person";
      if (name == "field") return f.function == "sg_batch_amend" ? "dob" : "flags";
      if (name == "value") return "2018-03-09";
    }
    if (f.function == "sg_batch_upsert_entity" && name == "kind") return "place";
    if (f.function == "sg_rules_load_bundled" && name == "name") return "default";
    if (f.function == "sg_batch_end_relation" && name == "kind") return "parent_of";
    if (name == "authority") return "dpo";
    if (name == "reason") return "misuse";
    if (name == "as_of") return "2026-11-02";
    if (name == "nation") return "england-and-wales";
    if (name == "date" || name == "at") return "2026-11-02";
    if (name == "birth") return "2018-03-09";
    if (name == "type") return "school";
    if (name == "name") return "misuse";
    return "X-MISUSE-1";
  }
  const char* get() const { return null ? nullptr : text.c_str(); }
};

// A (data, size) pair: a case file or rule pack in memory.
struct DataArg : ArgBase {
  std::string text;
  bool null = false;
  std::size_t length = 0;
  static std::size_t variants() { return 7; }
  DataArg(Fixture& f, const char*, bool, std::size_t variant) {
    const bool rules = f.is_toml_call();
    switch (variant) {
      case 0:
        text = rules ? default_rules() : example_case();
        if (f.is_audit_call()) {
          text = f.function == "sg_audit_new" ? Fixture::audit_outcomes() : Fixture::audit_groups();
        } else if (f.is_process_call()) {
          static const std::string process =
              read_text(SAFEGUARD_SOURCE_DIR "/process/england.toml");
          text = process;
        } else if (!rules) {
          // The example is already in the graph; a new entity loads cleanly.
          text = R"({"schema_version": 1, "households": [{"id": "HH-MISUSE-DATA"}]})";
        }
        break;
      case 1:
        null = true, length = 16;
        expected = Expect::code(SG_E_INVALID_ARGUMENT);
        return;
      case 2:
        null = true, length = SIZE_MAX;
        expected = Expect::code(SG_E_INVALID_ARGUMENT);
        return;
      case 3:
        text = "";
        expected = Expect::failure();
        break;
      case 4:
        text = rules ? "[pack]\nid = \"\xff\"\n"
                     : "{\"schema_version\": 1, \"description\": \"\xff\"}";
        expected = Expect::code(SG_E_ENCODING);
        break;
      case 5:
        null = true, length = 0;
        expected = Expect::failure();
        return;
      case 6:
        // Nesting far deeper than any limit allows.
        text = rules ? "a = " + std::string(100000, '[') : std::string(100000, '[');
        expected = rules || f.is_audit_call() ? Expect::failure() : Expect::code(SG_E_LIMIT);
        break;
    }
    length = text.size();
  }
  // Pointers are taken at call time: arguments are moved into place after construction.
  const char* data() const { return null ? nullptr : text.data(); }
  std::size_t size() const { return length; }
};

// Texts with their count (sg_texts_join): two texts, then a NULL array (with a count, with none)
// and a NULL entry. Pointers are taken at call time.
struct TextsArg : ArgBase {
  const char* entries[2] = {"P-MISUSE-1", ""};
  std::size_t text_count = 2;
  bool null = false;
  static std::size_t variants() { return 5; }
  TextsArg(Fixture&, const char*, bool, std::size_t variant) {
    switch (variant) {
      case 1:
        null = true, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 2:
        null = true, text_count = SIZE_MAX, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        null = true, text_count = 0;  // nothing to read: an empty buffer
        break;
      case 4:
        entries[1] = nullptr, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
    }
  }
  const char* const* texts() const { return null ? nullptr : entries; }
  std::size_t count() const { return text_count; }
};

// Tables of column buffers with their count (sg_graph_add_tables): one households table of one
// row, then each way its buffers can be malformed. Pointers are taken at call time.
struct TablesArg : ArgBase {
  sg_table table[2] = {SG_TABLE_INIT, SG_TABLE_INIT};
  sg_column column = {};
  std::int64_t offsets[2] = {0, 15};
  std::string data = "HH-MISUSE-TABLE";
  double number = 3.0;
  std::size_t table_count = 1;
  bool null = false, no_columns = false;
  static std::size_t variants() { return 17; }
  TablesArg(Fixture&, const char*, bool, std::size_t variant) {
    table[0].name = table[1].name = "households";
    table[0].row_count = table[1].row_count = 1;
    table[0].column_count = table[1].column_count = 1;
    column.name = "id";
    column.type = SG_COLUMN_TEXT;
    column.data_size = data.size();
    expected = Expect::code(SG_E_INVALID_ARGUMENT);
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true;
        break;
      case 2:
        null = true, table_count = SIZE_MAX;
        break;
      case 3:
        null = true, table_count = 0, expected = Expect::anything();
        break;
      case 4:
        table[0].version = 0;
        break;
      case 5:
        table[0].version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 6:
        table[0].name = nullptr;
        break;
      case 7:
        table[0].name = "cases";
        break;
      case 8:
        no_columns = true;
        break;
      case 9:
        offsets[1] = 99;  // past the data
        break;
      case 10:
        offsets[0] = 4, offsets[1] = 2;  // decreasing
        break;
      case 11:
        column.type = 42;
        break;
      case 12:
        column.name = "colour";
        break;
      case 13:
        data = "HH-\xc3\x28-TABLE-X", expected = Expect::code(SG_E_ENCODING);
        break;
      case 14:
        column.type = SG_COLUMN_NUMBER, expected = Expect::code(SG_E_TYPE);
        break;
      case 15:
        column.type = SG_COLUMN_DAY;  // days NULL
        break;
      case 16:
        table_count = 2;  // the same table twice
        break;
    }
  }
  const sg_table* tables() {
    column.data = data.data();
    column.offsets = offsets;
    column.numbers = &number;
    if (column.type == SG_COLUMN_NUMBER) column.offsets = nullptr;
    table[0].columns = table[1].columns = no_columns ? nullptr : &column;
    return null ? nullptr : table;
  }
  std::size_t count() const { return table_count; }
};

// Sizes: indices past the end and absurd values.
struct SizeArg : ArgBase {
  std::size_t value = 0;
  static std::size_t variants() { return 4; }
  SizeArg(Fixture&, const char* param, bool, std::size_t variant) {
    const std::string name = param;
    const bool index =
        name == "row" || name == "k" || name == "index" || name == "level" || name == "rank";
    const std::size_t values[] = {0, SIZE_MAX, std::size_t{1} << 40, 1};
    value = values[variant];
    if (index && (variant == 1 || variant == 2)) expected = Expect::code(SG_E_RANGE);
  }
  std::size_t get() const { return value; }
};

struct IntArg : ArgBase {
  int value = 0;
  static std::size_t variants() { return 5; }
  IntArg(Fixture&, const char* param, bool, std::size_t variant) {
    const std::string name = param;
    const int valid = name == "year"     ? 2026
                      : name == "status" ? SG_E_PARSE
                      : name == "format" ? SG_FORMAT_JSON
                      : name == "flags"  ? SG_OPEN_CREATE
                      : name == "strict" ? 0
                                         : 3;
    const int values[] = {valid, INT_MIN, -1, 7, INT_MAX};
    value = values[variant];
  }
  int get() const { return value; }
};

// Record times (known_at): any value is valid; before the first batch nothing is known.
struct RecordTimeArg : ArgBase {
  long long value = SG_KNOWN_ALL;
  static std::size_t variants() { return 4; }
  RecordTimeArg(Fixture&, const char*, bool, std::size_t variant) {
    const long long values[] = {SG_KNOWN_ALL, LLONG_MIN, 0, -1};
    value = values[variant];
  }
  long long get() const { return value; }
};

// Revisions: a batch number (1 is the fixture's import) or a feed position.
struct RevisionArg : ArgBase {
  unsigned long long value = 1;
  static std::size_t variants() { return 3; }
  RevisionArg(Fixture&, const char*, bool, std::size_t variant) {
    const unsigned long long values[] = {1, ULLONG_MAX, 0};
    value = values[variant];
  }
  unsigned long long get() const { return value; }
};

// A list of strings; its count is a separate SizeArg.
struct TextListArg : ArgBase {
  const char* valid[2] = {"disability", "young_carer"};
  const char* broken[2] = {"\xc3\x28", nullptr};
  std::size_t variant;
  static std::size_t variants() { return 3; }
  TextListArg(Fixture&, const char*, bool optional, std::size_t v) : variant(v) {
    if (variant == 1) expected = null_expect(optional);
  }
  const char* const* get() const { return variant == 0 ? valid : variant == 1 ? nullptr : broken; }
};

struct ProvenanceArg : ArgBase {
  sg_provenance provenance = SG_PROVENANCE_INIT;
  bool null = false;
  static std::size_t variants() { return 7; }
  ProvenanceArg(Fixture&, const char*, bool optional, std::size_t variant) {
    provenance.recorded_at = Fixture::kRecordedAt + 60;
    provenance.author = "misuse";
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        provenance.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        provenance.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        provenance.author = nullptr;
        break;
      case 5:
        provenance.author = "\xed\xa0\x80";
        break;
      case 6:
        provenance.recorded_at = Fixture::kRecordedAt - 1;  // record time only moves forward
        break;
    }
  }
  const sg_provenance* get() const { return null ? nullptr : &provenance; }
};

// Input structs: each bad variant breaks one field.
struct PersonArg : ArgBase {
  sg_person person = SG_PERSON_INIT;
  const char* flags[2] = {"disability", nullptr};
  bool null = false;
  static std::size_t variants() { return 13; }
  PersonArg(Fixture&, const char*, bool optional, std::size_t variant) {
    person.id = "P-MISUSE";
    person.dob = "2019-04-01";
    person.flags = flags;
    person.flag_count = 1;
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        person.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        person.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        person.id = nullptr;
        break;
      case 5:
        person.id = "P-\xff";
        break;
      case 6:
        person.kind = 7;
        break;
      case 7:
        person.dob = "2026-02-30";
        break;
      case 8:
        person.dob = "yesterday";
        break;
      case 9:
        person.flags = nullptr, person.flag_count = 3;
        break;
      case 10:
        person.flags = nullptr, person.flag_count = SIZE_MAX;
        break;
      case 11:
        person.flag_count = 2;
        break;  // the second flag is NULL
      case 12:
        person.id = huge_text().c_str();
        break;
    }
  }
  const sg_person* get() {
    if (person.flags) person.flags = flags;  // re-point after the move into place
    return null ? nullptr : &person;
  }
};

struct ConcernArg : ArgBase {
  sg_concern concern = SG_CONCERN_INIT;
  const char* about[2] = {"P-ASH-C1", nullptr};
  const char* involves[2] = {"P-ASH-P", "\xed\xa0\x80"};
  bool null = false;
  static std::size_t variants() { return 16; }
  ConcernArg(Fixture&, const char*, bool optional, std::size_t variant) {
    concern.id = "C-ASH-1";
    concern.category = "neglect";
    concern.severity = 3;
    concern.recorded = "2026-10-10";
    concern.source = "AG-SCH-01";
    concern.about = about;
    concern.about_count = 1;
    concern.involves = involves;
    concern.involves_count = 1;
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        concern.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        concern.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        concern.id = nullptr;
        break;
      case 5:
        concern.category = nullptr;
        break;
      case 6:
        concern.recorded = nullptr;
        break;
      case 7:
        concern.recorded = "2026-02-30";
        break;
      case 8:
        concern.status = 9;
        break;
      case 9:
        concern.status = -1;
        break;
      case 10:
        concern.source = nullptr;
        break;
      case 11:
        concern.about = nullptr, concern.about_count = 2;
        break;
      case 12:
        concern.about = nullptr, concern.about_count = SIZE_MAX;
        break;
      case 13:
        concern.about_count = 2;
        break;  // NULL entry
      case 14:
        concern.involves_count = 2;
        break;  // invalid UTF-8 entry
      case 15:
        concern.incident = "2026-1-1";
        break;  // not YYYY-MM-DD
    }
  }
  const sg_concern* get() {
    if (concern.about) concern.about = about;  // re-point after the move into place
    if (concern.involves) concern.involves = involves;
    return null ? nullptr : &concern;
  }
};

struct FactorArg : ArgBase {
  sg_factor factor = SG_FACTOR_INIT;
  const char* protects[2] = {"P-ASH-C1", nullptr};
  bool null = false;
  static std::size_t variants() { return 12; }
  FactorArg(Fixture&, const char*, bool optional, std::size_t variant) {
    factor.id = "F-MISUSE";
    factor.kind = "safety_plan";
    factor.strength = 3;
    factor.protects = protects;
    factor.protects_count = 1;
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        factor.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        factor.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        factor.id = nullptr;
        break;
      case 5:
        factor.kind = nullptr;
        break;
      case 6:
        factor.start = "2026-13-01";
        break;
      case 7:
        factor.end = "\xff";
        break;
      case 8:
        factor.protects = nullptr, factor.protects_count = 1;
        break;
      case 9:
        factor.protects_count = 2;
        break;  // NULL entry
      case 10:
        factor.provided_by = "\xc0\xaf";
        break;
      case 11:
        factor.summary = huge_text().c_str();
        break;
    }
  }
  const sg_factor* get() {
    if (factor.protects) factor.protects = protects;  // re-point after the move into place
    return null ? nullptr : &factor;
  }
};

struct AssessOptionsArg : ArgBase {
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  bool null = false;
  static std::size_t variants() { return 9; }
  AssessOptionsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    options.as_of = "2026-11-01";
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        options.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        options.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        options.as_of = nullptr;
        break;
      case 5:
        options.as_of = "2026-02-30";
        break;
      case 6:
        options.as_of = "2026-\xff";
        break;
      case 7:
        options.threads = UINT_MAX, expected = Expect::anything();
        break;
      case 8:
        options.as_of = "0001-01-01";
        break;
    }
  }
  const sg_assess_options* get() const { return null ? nullptr : &options; }
};

struct CaseloadOptionsArg : ArgBase {
  sg_caseload_options options = SG_CASELOAD_OPTIONS_INIT;
  bool null = false;
  static std::size_t variants() { return 7; }
  CaseloadOptionsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    options.children = 3;  // small: the case runs every variant of every argument
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        options.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        options.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        options.children = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 5:
        options.as_of = "2026-02-30";
        break;
      case 6:
        options.as_of = "2026-\xff";
        break;
    }
  }
  const sg_caseload_options* get() const { return null ? nullptr : &options; }
};

struct AuditOptionsArg : ArgBase {
  sg_audit_options options = SG_AUDIT_OPTIONS_INIT;
  const char* references[2] = {"area=north", nullptr};
  bool null = false;
  static std::size_t variants() { return 10; }
  AuditOptionsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    options.bootstrap = 20;  // small: the case runs every variant of every argument
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        options.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        options.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        options.format = 7, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 5:
        options.bootstrap = SIZE_MAX, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 6:
        options.band_low = 2;
        break;
      case 7:
        options.references = nullptr, options.reference_count = 3;
        expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 8:
        references[0] = "no-equals-sign";
        options.references = references, options.reference_count = 1;
        expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 9:
        references[0] = "area=\xff";
        options.references = references, options.reference_count = 1;
        break;
    }
  }
  const sg_audit_options* get() {
    if (options.references) options.references = references;  // re-point after the move
    return null ? nullptr : &options;
  }
};

struct WhatIfOptionsArg : ArgBase {
  sg_what_if_options options = SG_WHAT_IF_OPTIONS_INIT;
  std::string spec = "remove = [\"disabled-child\"]\n";
  const char* cleared[2] = {"police", nullptr};
  bool null = false;
  static std::size_t variants() { return 11; }
  WhatIfOptionsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        options.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        options.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        options.format = SG_FORMAT_HTML, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 5:
        spec.clear(), options.spec_size = 16;  // NULL spec with a size
        expected = Expect::code(SG_E_INVALID_ARGUMENT);
        return;
      case 6:
        spec = "remove = [\"no-such-rule\"]\n", expected = Expect::code(SG_E_NOT_FOUND);
        break;
      case 7:
        spec = "remove = [\"\xff\"]\n", expected = Expect::code(SG_E_ENCODING);
        break;
      case 8:
        spec = "remove = [", expected = Expect::code(SG_E_PARSE);
        break;
      case 9:
        options.viewer_cleared = nullptr, options.viewer_cleared_count = 2;
        expected = Expect::code(SG_E_INVALID_ARGUMENT);
        return;
      case 10:
        spec = "[weights]\ndisabled-child = -1\n", expected = Expect::code(SG_E_INVALID_DATA);
        break;
    }
    options.viewer_cleared = cleared, options.viewer_cleared_count = 1;
    options.spec_size = spec.size();
  }
  const sg_what_if_options* get() {
    // Re-point after the move into place.
    if (options.viewer_cleared) options.viewer_cleared = cleared;
    options.spec = options.spec_size > 0 && !spec.empty() ? spec.data() : nullptr;
    return null ? nullptr : &options;
  }
};

// The fixture's audit has no outcomes, so a valid call fails (too few outcomes to refit): the
// cases check that each bad option is refused for what it is, before the fit.
struct RefitOptionsArg : ArgBase {
  sg_refit_options options = SG_REFIT_OPTIONS_INIT;
  std::string pack;
  bool null = false;
  static std::size_t variants() { return 11; }
  RefitOptionsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        options.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        options.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        options.format = SG_FORMAT_CSV, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 5:
        options.folds = 1, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 6:
        options.pack_text_size = 16, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 7:
        pack = "[pack]\nid = \"\xff\"\n";
        options.format = SG_FORMAT_TOML, expected = Expect::code(SG_E_ENCODING);
        break;
      case 8:
        options.folds = SIZE_MAX, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 9:  // a viewer list that is NULL with a count (version 2)
        options.viewer_cleared = nullptr, options.viewer_cleared_count = 2;
        expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 10:  // version 1 never reads the viewer fields, whatever they hold
        options.version = 1, options.viewer_cleared_count = 2, expected = Expect::anything();
        break;
    }
  }
  const sg_refit_options* get() {
    if (!pack.empty()) options.pack_text = pack.data(), options.pack_text_size = pack.size();
    return null ? nullptr : &options;
  }
};

struct TrainingOptionsArg : ArgBase {
  sg_training_options options = SG_TRAINING_OPTIONS_INIT;
  const char* figures[2] = {"<svg>one</svg>", nullptr};  // a NULL entry: that page has none
  bool null = false;
  static std::size_t variants() { return 12; }
  TrainingOptionsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    options.difficulty = 2;  // small: the case runs every variant of every argument
    options.scenarios = 1;
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        options.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        options.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        options.difficulty = SIZE_MAX, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 5:
        options.scenarios = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 6:
        options.as_of = "2026-02-30";
        break;
      case 7:
        options.as_of = "2026-\xff";
        break;
      case 8:
        options.figures = nullptr, options.figure_count = 3;
        expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 9:
        options.figures = figures, options.figure_count = SIZE_MAX;
        expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 10:
        figures[0] = "\xc3\x28";
        options.figures = figures, options.figure_count = 1;
        break;
      case 11:
        options.figures = figures, options.figure_count = 2;
        expected = Expect::anything();
        break;
    }
  }
  const sg_training_options* get() {
    if (options.figures) options.figures = figures;  // re-point after the move
    return null ? nullptr : &options;
  }
};

// A progress callback: one that goes on, none, and one that stops the call at once (which must
// then fail and change nothing, as the harness checks).
struct ProgressArg : ArgBase {
  sg_progress_fn callback = nullptr;
  static std::size_t variants() { return 3; }
  static int go_on(void*, unsigned long long, unsigned long long) { return 0; }
  static int stop(void*, unsigned long long, unsigned long long) { return 1; }
  ProgressArg(Fixture&, const char*, bool, std::size_t variant) {
    if (variant == 0) callback = go_on;
    if (variant == 2) callback = stop, expected = Expect::code(SG_E_CANCELLED);
  }
  sg_progress_fn get() const { return callback; }
};

// The callback's own pointer, passed through untouched: anything goes.
struct UserArg : ArgBase {
  int token = 0;
  bool null;
  static std::size_t variants() { return 2; }
  UserArg(Fixture&, const char*, bool, std::size_t variant) : null(variant == 1) {}
  void* get() { return null ? nullptr : &token; }
};

struct ExplainOptionsArg : ArgBase {
  sg_explain_options options = SG_EXPLAIN_OPTIONS_INIT;
  const char* cleared[2] = {"police", nullptr};
  bool null = false;
  static std::size_t variants() { return 10; }
  ExplainOptionsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    options.viewer_cleared = cleared;
    options.viewer_cleared_count = 1;
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        options.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        options.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        options.format = 7;
        break;
      case 5:
        options.format = -1;
        break;
      case 6:
        options.viewer_cleared = nullptr, options.viewer_cleared_count = 3;
        break;
      case 7:
        options.viewer_cleared = nullptr, options.viewer_cleared_count = SIZE_MAX;
        break;
      case 8:
        options.viewer_cleared_count = 2;
        break;  // NULL entry
      case 9:
        cleared[0] = "\xff\xfe";
        break;
    }
  }
  const sg_explain_options* get() {
    if (options.viewer_cleared) options.viewer_cleared = cleared;  // re-point after the move
    return null ? nullptr : &options;
  }
};

struct CinWriteOptionsArg : ArgBase {
  sg_cin_write_options options = SG_CIN_WRITE_OPTIONS_INIT;
  const char* cleared[2] = {"police", nullptr};
  bool null = false;
  static std::size_t variants() { return 11; }
  CinWriteOptionsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    options.viewer_cleared = cleared;
    options.viewer_cleared_count = 1;
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        options.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        options.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        options.from = "2025-02-30";
        break;
      case 5:
        options.from = "2025-03-31", options.to = "2024-04-01";
        break;
      case 6:
        options.viewer_cleared = nullptr, options.viewer_cleared_count = 3;
        break;
      case 7:
        options.viewer_cleared = nullptr, options.viewer_cleared_count = SIZE_MAX;
        break;
      case 8:
        options.viewer_cleared_count = 2;
        break;  // NULL entry
      case 9:
        cleared[0] = "\xff\xfe";
        break;
      case 10:
        options.details_path = "/nonexistent/return.xml";
        break;
    }
  }
  const sg_cin_write_options* get() {
    if (options.viewer_cleared) options.viewer_cleared = cleared;  // re-point after the move
    return null ? nullptr : &options;
  }
};

struct JoinedOptionsArg : ArgBase {
  sg_joined_options options = SG_JOINED_OPTIONS_INIT;
  const char* cleared[2] = {"police", nullptr};
  bool null = false;
  static std::size_t variants() { return 11; }
  JoinedOptionsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    options.viewer_cleared = cleared;
    options.viewer_cleared_count = 1;
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        options.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        options.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        options.format = 7;
        break;
      case 5:
        options.format = -1;
        break;
      case 6:
        options.viewer_cleared = nullptr, options.viewer_cleared_count = 3;
        break;
      case 7:
        options.viewer_cleared = nullptr, options.viewer_cleared_count = SIZE_MAX;
        break;
      case 8:
        options.viewer_cleared_count = 2;
        break;  // NULL entry
      case 9:
        cleared[0] = "\xff\xfe";
        break;
      case 10:
        options.exact_up_to = SIZE_MAX;
        break;
    }
  }
  const sg_joined_options* get() {
    if (options.viewer_cleared) options.viewer_cleared = cleared;  // re-point after the move
    return null ? nullptr : &options;
  }
};

struct RenderOptionsArg : ArgBase {
  sg_render_options options = SG_RENDER_OPTIONS_INIT;
  const char* cleared[2] = {"police", nullptr};
  const char* svg[2] = {"<svg></svg>", nullptr};
  bool null = false;
  static std::size_t variants() { return 17; }
  RenderOptionsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    options.viewer_cleared = cleared;
    options.viewer_cleared_count = 1;
    options.ecomap_svg = svg;
    options.ecomap_svg_count = 2;  // a NULL entry is allowed: that child's ecomap is left out
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        options.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        options.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        options.audience = 7;
        break;
      case 5:
        options.audience = -1;
        break;
      case 6:
        options.viewer_cleared = nullptr, options.viewer_cleared_count = 3;
        break;
      case 7:
        options.viewer_cleared = nullptr, options.viewer_cleared_count = SIZE_MAX;
        break;
      case 8:
        options.viewer_cleared_count = 2;
        break;  // NULL entry
      case 9:
        cleared[0] = "\xff\xfe";
        break;
      case 10:
        options.ecomap_svg = nullptr, options.ecomap_svg_count = SIZE_MAX;
        break;
      case 11:
        svg[0] = "\xc3\x28";
        break;
      case 12:
        options.case_label = "\xed\xa0\x80";
        break;
      case 13:
        options.household = "\xc3\x28";
        break;
      case 14:
        options.ecomap_note = "\xff";
        break;
      case 15:
        options.audience = SG_AUDIENCE_FAMILY, expected = Expect::anything();
        break;
      case 16:
        options.family_svg = "\xc3\x28";
        break;
    }
  }
  const sg_render_options* get() {
    if (options.viewer_cleared) options.viewer_cleared = cleared;  // re-point after the move
    if (options.ecomap_svg) options.ecomap_svg = svg;
    return null ? nullptr : &options;
  }
};

struct EventArg : ArgBase {
  sg_event event = SG_EVENT_INIT;
  const char* about[2] = {"P-ASH-C1", nullptr};
  bool null = false;
  static std::size_t variants() { return 12; }
  EventArg(Fixture&, const char*, bool optional, std::size_t variant) {
    event.id = "E-MISUSE";
    event.kind = "referral";
    event.date = "2026-10-01";
    event.about = about;
    event.about_count = 1;
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        event.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        event.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        event.id = nullptr;
        break;
      case 5:
        event.kind = "party";
        break;
      case 6:
        event.date = nullptr;
        break;
      case 7:
        event.date = "2026-02-30";
        break;
      case 8:
        event.about = nullptr, event.about_count = 2;
        break;
      case 9:
        event.about_count = 2;
        break;  // NULL entry
      case 10:
        event.note = "\xff";
        break;
      case 11:
        event.kind = nullptr;
        break;
    }
  }
  const sg_event* get() {
    if (event.about) event.about = about;  // re-point after the move into place
    return null ? nullptr : &event;
  }
};

struct EntryArg : ArgBase {
  sg_entry entry = SG_ENTRY_INIT;
  const char* about[2] = {"P-ASH-C1", nullptr};
  bool null = false;
  static std::size_t variants() { return 13; }
  EntryArg(Fixture&, const char*, bool optional, std::size_t variant) {
    entry.id = "N-MISUSE";
    entry.kind = "child_voice";
    entry.date = "2026-10-01";
    entry.about = about;
    entry.about_count = 1;
    entry.author = "SW-TEAM-2";
    entry.text = "Fictional words";
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        entry.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        entry.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        entry.id = nullptr;
        break;
      case 5:
        entry.kind = "gossip";
        break;
      case 6:
        entry.date = "2026-02-30";
        break;
      case 7:
        entry.about = nullptr, entry.about_count = 2;
        break;
      case 8:
        entry.about_count = 2;
        break;  // NULL entry
      case 9:
        entry.text = "\xff";
        break;
      case 10:
        entry.author = nullptr;
        break;
      case 11:
        entry.restricted = 7;
        break;
      case 12:
        entry.kind = nullptr;
        break;
    }
  }
  const sg_entry* get() {
    if (entry.about) entry.about = about;  // re-point after the move into place
    return null ? nullptr : &entry;
  }
};

struct OverrideArg : ArgBase {
  sg_override judgement = SG_OVERRIDE_INIT;
  bool null = false;
  static std::size_t variants() { return 15; }
  OverrideArg(Fixture&, const char*, bool optional, std::size_t variant) {
    judgement.id = "D-MISUSE";
    judgement.child = "P-ASH-C1";
    judgement.direction = "raise";
    judgement.date = "2026-10-20";
    judgement.author = "SW-TEAM-2";
    judgement.reason = "Fictional reason";
    expected = Expect::failure();
    switch (variant) {
      case 0:
        expected = Expect::anything();
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        judgement.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        judgement.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:
        judgement.id = nullptr;
        break;
      case 5:
        judgement.child = nullptr;
        break;
      case 6:
        judgement.direction = "sideways";
        break;
      case 7:
        judgement.date = "2026-13-40";
        break;
      case 8:
        judgement.author = nullptr;
        break;
      case 9:
        judgement.reason = nullptr;
        break;
      case 10:
        judgement.reason = "\xc0\xaf";
        break;
      case 11:
        judgement.direction = nullptr;
        break;
      case 12:  // version 3: about an adult instead
        judgement.child = nullptr, judgement.adult = "P-ASH-M", expected = Expect::anything();
        break;
      case 13:  // a child and an adult: one only
        judgement.adult = "P-ASH-M";
        break;
      case 14:  // an adult that is not valid text
        judgement.child = nullptr, judgement.adult = "\xc0\xaf";
        break;
    }
  }
  const sg_override* get() const { return null ? nullptr : &judgement; }
};

struct LimitsArg : ArgBase {
  sg_limits limits = SG_LIMITS_INIT;
  bool null = false;
  static std::size_t variants() { return 6; }
  LimitsArg(Fixture&, const char*, bool optional, std::size_t variant) {
    switch (variant) {
      case 0:
        limits.max_rules = 500;  // generous for the bundled pack
        break;
      case 1:
        null = true, expected = null_expect(optional);
        break;
      case 2:
        limits.version = 0, expected = Expect::code(SG_E_INVALID_ARGUMENT);
        break;
      case 3:
        limits.version = 999, expected = Expect::code(SG_E_VERSION);
        break;
      case 4:  // everything as small as it gets: loads fail, but only with a status
        set_all(1);
        break;
      case 5:  // everything unbounded
        set_all(SIZE_MAX);
        break;
    }
  }
  void set_all(std::size_t value) {
    for (std::size_t* field :
         {&limits.max_file_bytes, &limits.max_depth, &limits.max_string_bytes, &limits.max_id_bytes,
          &limits.max_text_bytes, &limits.max_entities, &limits.max_list_items,
          &limits.max_pack_bytes, &limits.max_rules, &limits.max_overrides, &limits.max_levels,
          &limits.max_indices, &limits.max_expression_length, &limits.max_expression_depth})
      *field = value;
  }
  const sg_limits* get() const { return null ? nullptr : &limits; }
};

// Handles given to a _free function: a fresh one each call (the call takes it), or NULL.
template <typename Handle>
Handle* fresh(Fixture& f);
template <>
inline sg_graph* fresh<sg_graph>(Fixture&) {
  sg_graph* g = nullptr;
  sg_graph_new(&g);
  return g;
}
template <>
inline sg_batch* fresh<sg_batch>(Fixture&) {
  sg_batch* b = nullptr;
  sg_batch_new(&b);
  sg_batch_add_household(b, "HH-FREE");
  return b;
}
template <>
inline sg_rules* fresh<sg_rules>(Fixture&) {
  sg_rules* r = nullptr;
  sg_rules_load_buffer(&r, default_rules().data(), default_rules().size(), nullptr);
  return r;
}
template <>
inline sg_result* fresh<sg_result>(Fixture& f) {
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  options.as_of = "2026-11-01";
  sg_result* r = nullptr;
  sg_assess(&r, f.graph, f.rules, &options);
  return r;
}
template <>
inline sg_calendar* fresh<sg_calendar>(Fixture&) {
  sg_calendar* c = nullptr;
  sg_calendar_new(&c, "scotland");
  return c;
}
template <>
inline sg_process* fresh<sg_process>(Fixture&) {
  sg_process* p = nullptr;
  sg_process_load_file(&p, SAFEGUARD_SOURCE_DIR "/process/wales.toml", "wales");
  return p;
}
template <>
inline sg_record* fresh<sg_record>(Fixture&) {
  sg_record* r = nullptr;
  sg_record_new(&r);
  return r;
}
template <>
inline sg_audit* fresh<sg_audit>(Fixture&) {
  sg_audit* a = nullptr;
  sg_audit_new(&a, Fixture::audit_outcomes().data(), Fixture::audit_outcomes().size(), nullptr);
  return a;
}
template <>
inline sg_tables* fresh<sg_tables>(Fixture& f) {
  sg_tables* t = nullptr;
  sg_graph_tables(&t, f.graph);
  return t;
}
template <>
inline char* fresh<char>(Fixture& f) {
  char* buffer = nullptr;
  sg_graph_save_buffer(&buffer, nullptr, f.graph);
  return buffer;
}

template <typename Handle>
struct Owned : ArgBase {
  Handle* value;
  static std::size_t variants() { return 2; }
  Owned(Fixture& f, const char*, bool, std::size_t variant)
      : value(variant == 0 ? fresh<Handle>(f) : nullptr) {
    if (variant == 0) REQUIRE(value != nullptr);
  }
  Handle* get() const { return value; }
};
using OwnedBuffer = Owned<char>;

inline void check_returned(const char* text) { CHECK(text != nullptr); }
inline void check_returned(int) {}
inline void check_returned(const sg_error_detail* detail) {
  REQUIRE(detail != nullptr);
  CHECK(detail->version >= 1);
  CHECK(detail->message != nullptr);
}

template <typename Call>
void check_no_arguments(const char* function, Call call) {
  CAPTURE(function);
  check_returned(call());
  check_returned(call());
}

// One function's misuse: every bad variant of every argument with the others valid, then every
// argument bad at once.
template <typename... Args>
class Case {
 public:
  static constexpr std::size_t kCount = sizeof...(Args);

  Case(const char* function, std::vector<const char*> params, std::vector<bool> optional)
      : function_(function), params_(std::move(params)), optional_(std::move(optional)) {}

  template <typename Body>
  void run(Body body) {
    const std::size_t counts[] = {Args::variants()...};
    std::vector<std::size_t> choice(kCount, 0);
    call(body, choice);  // all valid
    for (std::size_t p = 0; p < kCount; ++p) {
      for (std::size_t v = 1; v < counts[p]; ++v) {
        choice.assign(kCount, 0);
        choice[p] = v;
        call(body, choice);
      }
    }
    choice.assign(kCount, 1);  // everything bad at once
    call(body, choice);
  }

 private:
  template <typename Body>
  void call(Body& body, const std::vector<std::size_t>& choice) {
    call(body, choice, std::index_sequence_for<Args...>{});
  }

  template <typename Body, std::size_t... I>
  void call(Body& body, const std::vector<std::size_t>& choice, std::index_sequence<I...>) {
    Fixture fixture(function_);
    std::tuple<Args...> args{Args(fixture, params_[I], optional_[I], choice[I])...};
    std::string where = function_ + "(";
    ((where += std::string(I ? ", " : "") + params_[I] + "#" + std::to_string(choice[I])), ...);
    where += ")";
    CAPTURE(where);

    const std::string graph_before = fixture.graph_bytes();
    const std::size_t batch_before = fixture.batch_size();
    const int status = body(args);

    std::vector<Expect> expects{std::get<I>(args).expect()...};
    std::size_t bad = 0;
    for (std::size_t i = 0; i < kCount; ++i) bad += choice[i] != 0;
    if (status != kNoStatus) {
      CHECK_MESSAGE(std::string(sg_status_str(status)) != "unknown status",
                    "returned a status that is not an SG_E_* code: " << status);
      for (const Expect& e : expects) {
        if (e.kind == Expect::exact && bad == 1) CHECK(status == e.status);
        if (e.kind != Expect::any) CHECK(status != SG_OK);
      }
      if (status != SG_OK) {
        CHECK(sg_error_last_status() == status);
        CHECK(std::strlen(sg_error_last()) > 0);
        CHECK_MESSAGE(fixture.graph_bytes() == graph_before, "a failed call changed the graph");
        CHECK_MESSAGE(fixture.batch_size() == batch_before, "a failed call changed the batch");
      }
    }
    (std::get<I>(args).after(status), ...);
  }

  std::string function_;
  std::vector<const char*> params_;
  std::vector<bool> optional_;
};

}  // namespace misuse
