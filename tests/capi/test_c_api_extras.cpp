// The C API's bundled packs, rule-pack introspection, graph copies, generated caseloads, partial
// concern amendments and error details (issue 20).
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "capi_support.hpp"
#include "safeguard.h"
#include "safeguard/day.hpp"

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

const char* kExample = SAFEGUARD_SOURCE_DIR "/examples/data/families.json";

using capi_test::saved;

double total_of(const sg_graph* graph, const sg_rules* rules, const char* child) {
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  options.as_of = "2026-11-01";
  sg_result* result = nullptr;
  REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
  size_t row = 0;
  REQUIRE(sg_result_find_child(&row, result, child) == SG_OK);
  sg_child_result record = SG_CHILD_RESULT_INIT;
  REQUIRE(sg_result_child(&record, result, row) == SG_OK);
  const double total = record.total;
  sg_result_free(result);
  return total;
}

// A progress callback that records every report and stops at the call numbered `stop_at`
// (0: never).
struct Reports {
  std::vector<unsigned long long> done;
  unsigned long long total = 0;
  std::size_t stop_at = 0;

  static int record(void* user, unsigned long long done, unsigned long long total) {
    auto* self = static_cast<Reports*>(user);
    self->done.push_back(done);
    self->total = total;
    return self->stop_at != 0 && self->done.size() >= self->stop_at ? 1 : 0;
  }
  bool rising() const {
    for (std::size_t i = 1; i < done.size(); ++i)
      if (done[i] < done[i - 1]) return false;
    return true;
  }
};

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A case file from examples/data assessed with the bundled default pack as of `as_of`; freed
// with the object.
struct Assessed {
  sg_graph* graph = nullptr;
  sg_rules* rules = nullptr;
  sg_result* result = nullptr;
  size_t children = 0;
  Assessed(const std::string& example, const char* as_of) {
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    const std::string path = SAFEGUARD_SOURCE_DIR "/examples/data/" + example;
    REQUIRE(sg_graph_load_file(graph, path.c_str()) == SG_OK);
    REQUIRE(sg_rules_load_bundled(&rules, "default", nullptr) == SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = as_of;
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    REQUIRE(sg_result_child_count(&children, result) == SG_OK);
  }
  ~Assessed() {
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }
  Assessed(const Assessed&) = delete;
  Assessed& operator=(const Assessed&) = delete;
};

// A graph that already holds something (a household with no id the generated caseload uses),
// so a load that is stopped can be seen to leave it as it was.
sg_graph* graph_holding_a_household() {
  sg_graph* graph = nullptr;
  REQUIRE(sg_graph_new(&graph) == SG_OK);
  sg_batch* batch = nullptr;
  REQUIRE(sg_batch_new(&batch) == SG_OK);
  REQUIRE(sg_batch_add_household(batch, "HH-PROGRESS-TEST") == SG_OK);
  REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
  sg_batch_free(batch);
  return graph;
}

// A generated caseload written to a scratch file, several megabytes: several reports.
struct BigCase {
  // Per process: CTest runs the test cases side by side.
  std::string directory = (std::filesystem::temp_directory_path() /
                           ("safeguard-progress-test-" + std::to_string(::getpid())))
                              .string();
  std::string path = directory + "/caseload.json";
  sg_graph* graph = nullptr;
  BigCase() {
    std::filesystem::create_directories(directory);
    sg_caseload_options options = SG_CASELOAD_OPTIONS_INIT;
    options.children = 6000;
    REQUIRE(sg_graph_generate(&graph, &options) == SG_OK);
    REQUIRE(sg_graph_save_file(graph, path.c_str()) == SG_OK);
  }
  ~BigCase() {
    sg_graph_free(graph);
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }
};

// The record's graph as of a date, as a case file: what a stopped call must leave alone.
std::string exported(const sg_record* record) {
  char* buffer = nullptr;
  size_t size = 0;
  REQUIRE(sg_record_export(&buffer, &size, record, "2026-11-01", SG_KNOWN_ALL) == SG_OK);
  std::string out(buffer, size);
  sg_buffer_free(buffer);
  return out;
}

unsigned long long revision_of(const sg_record* record) {
  unsigned long long revision = 0;
  REQUIRE(sg_record_revision(&revision, record) == SG_OK);
  return revision;
}

// A stored record holding one batch (a household), at `path`.
sg_record* stored_record_with_a_batch(const std::string& path, long long recorded_at) {
  sg_record* record = nullptr;
  REQUIRE(sg_record_open(&record, path.c_str(), SG_OPEN_CREATE) == SG_OK);
  sg_batch* batch = nullptr;
  REQUIRE(sg_batch_new(&batch) == SG_OK);
  REQUIRE(sg_batch_add_household(batch, "HH-PROGRESS-TEST") == SG_OK);
  sg_provenance who = SG_PROVENANCE_INIT;
  who.recorded_at = recorded_at;
  who.author = "worker-7";
  REQUIRE(sg_record_apply(nullptr, record, batch, &who) == SG_OK);
  sg_batch_free(batch);
  return record;
}

}  // namespace

TEST_SUITE("capi/c_api_extras") {
  TEST_CASE("importing into a stored record reports bytes, a stop at any report changes nothing") {
    BigCase big;
    const std::string text = file_text(big.path);
    const std::string store = big.directory + "/import.store";
    sg_record* record = stored_record_with_a_batch(store, 1000);
    const std::string before = exported(record);
    sg_provenance who = SG_PROVENANCE_INIT;
    who.recorded_at = 2000;
    who.author = "worker-7";

    // Every report, from the same import into a second store like it.
    Reports all;
    {
      const std::string other = big.directory + "/other.store";
      sg_record* twin = stored_record_with_a_batch(other, 1000);
      REQUIRE(sg_record_import_buffer_progress(nullptr, twin, text.data(), text.size(),
                                               "caseload.json", &who, Reports::record,
                                               &all) == SG_OK);
      CHECK(revision_of(twin) == 2);
      sg_record_free(twin);
    }
    REQUIRE(all.done.size() >= 6);
    CHECK(all.rising());
    CHECK(all.total == 2 * text.size());
    CHECK(all.done.back() == all.total);
    // Parsing reports the bytes, then checking and storing the batch the same bytes again:
    // reports past the first half exist, and some fall strictly inside the second half (the
    // chunks written).
    std::size_t parsing = 0, storing = 0;
    for (const unsigned long long done : all.done) {
      if (done <= text.size()) ++parsing;
      if (done > text.size() && done < all.total) ++storing;
    }
    CHECK(parsing >= 3);
    CHECK(storing >= 2);

    // A stop at the first report, in the parse, where the check ends, while writing, and at
    // the last report (just before the commit): each leaves the record and its store as they
    // were.
    std::vector<std::size_t> stops = {1, 2, parsing + 1, parsing + 2, all.done.size()};
    for (const std::size_t stop : stops) {
      CAPTURE(stop);
      Reports stopping;
      stopping.stop_at = stop;
      CHECK(sg_record_import_buffer_progress(nullptr, record, text.data(), text.size(),
                                             "caseload.json", &who, Reports::record,
                                             &stopping) == SG_E_CANCELLED);
      CHECK(sg_error_last_status() == SG_E_CANCELLED);
      CHECK(stopping.done.size() == stop);
      CHECK(revision_of(record) == 1);
      CHECK(exported(record) == before);
    }
    sg_record_free(record);
    // Reopened, the store holds the one batch it held.
    REQUIRE(sg_record_open(&record, store.c_str(), 0) == SG_OK);
    CHECK(revision_of(record) == 1);
    CHECK(exported(record) == before);
    // And the import, let run, goes in.
    unsigned long long revision = 0;
    REQUIRE(sg_record_import_buffer_progress(&revision, record, text.data(), text.size(),
                                             "caseload.json", &who, nullptr, nullptr) == SG_OK);
    CHECK(revision == 2);
    sg_record_free(record);
    REQUIRE(sg_record_open(&record, store.c_str(), 0) == SG_OK);
    CHECK(revision_of(record) == 2);
    sg_record_free(record);
  }

  TEST_CASE("the adult victim's own result through the C API") {
    // tests/data/scenarios/dash/restricted-latest.json with the bundled DASH pack: the mother's
    // latest checklist (restricted, police) has 3 ticks; her older one (6 ticks) is superseded.
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, SAFEGUARD_SOURCE_DIR
                               "/tests/data/scenarios/dash/restricted-latest.json") == SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_bundled(&rules, "dash", nullptr) == SG_OK);
    sg_index_def index = SG_INDEX_DEF_INIT;
    REQUIRE(sg_rules_index(&index, rules, 0) == SG_OK);
    CHECK(std::string(index.id) == "checklist");
    CHECK(std::string(index.subject) == "adult");
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-01";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    size_t adults = 0;
    REQUIRE(sg_result_adult_count(&adults, result) == SG_OK);
    CHECK(adults == 1);
    size_t row = 99;
    REQUIRE(sg_result_find_adult(&row, result, "P-DRS-M") == SG_OK);
    CHECK(sg_result_find_adult(&row, result, "P-DRS-C1") == SG_E_NOT_FOUND);
    sg_adult_result adult = SG_ADULT_RESULT_INIT;
    REQUIRE(sg_result_adult(&adult, result, row) == SG_OK);
    CHECK(std::string(adult.id) == "P-DRS-M");
    CHECK(adult.total == 3.0);
    CHECK(std::string(adult.level_id) == "standard");
    CHECK(adult.contribution_count == 9);
    double score = 0;
    int level = -1;
    REQUIRE(sg_result_adult_index_score(&score, &level, result, row, 0) == SG_OK);
    CHECK(score == 3.0);
    CHECK(level == 0);
    CHECK(sg_result_adult_index_score(&score, nullptr, result, 5, 0) == SG_E_RANGE);
    // Every line withheld from a reader cleared for the domestic abuse service only.
    const char* service[] = {"voluntary_sector"};
    sg_explain_options reader = SG_EXPLAIN_OPTIONS_INIT;
    reader.viewer_cleared = service;
    reader.viewer_cleared_count = 1;
    double withheld = 0;
    for (size_t k = 0; k < adult.contribution_count; ++k) {
      sg_contribution line = SG_CONTRIBUTION_INIT;
      REQUIRE(sg_result_adult_contribution_for(&line, result, row, k, &reader) == SG_OK);
      CHECK(line.restricted == 1);
      CHECK(line.evidence_id == nullptr);
      CHECK(line.rule_id == nullptr);
      withheld += line.value;
    }
    CHECK(withheld == 3.0);
    // ... so the reader's explanation is refused, as for an adult without a result: that
    // the adult has one (a restricted checklist) is what the reader may not learn.
    char* text = nullptr;
    CHECK(sg_result_adult_explain(&text, nullptr, result, row, &reader) == SG_E_NOT_FOUND);
    CHECK(text == nullptr);
    const char* police[] = {"police"};
    reader.viewer_cleared = police;
    REQUIRE(sg_result_adult_explain(&text, nullptr, result, row, &reader) == SG_OK);
    CHECK(std::string(text).find("C-DRS-OCT-INJURY") != std::string::npos);
    sg_buffer_free(text);
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("judgement about an adult through the C API: sg_override version 3") {
    // tests/data/scenarios/dash/adult-judgement.json: the mother's 11 ticks are medium; the
    // practitioner's judgement about her (an "adult" override) makes her result high. A bad
    // sg_override is refused naming it.
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, SAFEGUARD_SOURCE_DIR
                               "/tests/data/scenarios/dash/adult-judgement.json") == SG_OK);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    sg_override both = SG_OVERRIDE_INIT;
    both.id = "J-C-1";
    both.child = "P-DAK-C1";
    both.adult = "P-DAK-M";
    both.direction = "raise";
    both.date = "2026-10-30";
    both.author = "IDVA-0007";
    both.reason = "Fictional reason";
    CHECK(sg_batch_add_override(batch, &both) == SG_E_INVALID_ARGUMENT);
    sg_override not_adult = both;
    not_adult.child = nullptr;
    not_adult.adult = "P-DAK-C1";
    REQUIRE(sg_batch_add_override(batch, &not_adult) == SG_OK);
    CHECK(sg_graph_apply(graph, batch) == SG_E_INVALID_DATA);
    CHECK(std::string(sg_error_last()).find("J-C-1") != std::string::npos);
    sg_batch_free(batch);

    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_bundled(&rules, "dash", nullptr) == SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-01";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    size_t row = 99;
    REQUIRE(sg_result_find_adult(&row, result, "P-DAJ-M") == SG_OK);
    sg_adult_result adult = SG_ADULT_RESULT_INIT;
    REQUIRE(sg_result_adult(&adult, result, row) == SG_OK);
    CHECK(std::string(adult.level_id) == "high");
    CHECK(adult.total == 11.0);
    sg_explain_options reader = SG_EXPLAIN_OPTIONS_INIT;
    sg_discretionary judgement = SG_DISCRETIONARY_INIT;
    REQUIRE(sg_result_adult_discretionary(&judgement, result, row, &reader) == SG_OK);
    REQUIRE(judgement.id != nullptr);
    CHECK(std::string(judgement.id) == "O-DAJ-1");
    CHECK(std::string(judgement.outcome) == "applied");
    CHECK(judgement.level_before == 1);
    CHECK(std::string(judgement.approved_by) == "P-DAJ-TM");
    CHECK(std::string(judgement.approved) == "2026-10-28");
    CHECK(sg_result_adult_discretionary(&judgement, result, 99, &reader) == SG_E_RANGE);
    sg_result_free(result);

    // Adding one through the batch (version 3, child NULL) moves the adult's result too.
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    sg_override raise = SG_OVERRIDE_INIT;
    raise.id = "J-C-2";
    raise.adult = "P-DAJ-F";
    raise.direction = "raise";
    raise.date = "2026-10-30";
    raise.author = "IDVA-0007";
    raise.reason = "Fictional reason";
    REQUIRE(sg_batch_add_override(batch, &raise) == SG_OK);
    REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
    sg_batch_free(batch);
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    REQUIRE(sg_result_find_adult(&row, result, "P-DAJ-F") == SG_OK);
    REQUIRE(sg_result_adult(&adult, result, row) == SG_OK);
    CHECK(std::string(adult.level_id) == "medium");
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("an sg_override of version 2 (before `adult`) is a child's, whatever follows it") {
    // A caller built against version 2 has no `adult` field: what lies there is not theirs, so
    // the library must not read it. Filled here with an adult's id, it changes nothing.
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, SAFEGUARD_SOURCE_DIR
                               "/tests/data/scenarios/dash/adult-judgement.json") == SG_OK);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    sg_override old = SG_OVERRIDE_INIT;
    old.version = 2;
    old.id = "J-V2-1";
    old.child = "P-DAK-C1";
    old.adult = "P-DAK-M";  // past the end of a version 2 struct
    old.direction = "raise";
    old.date = "2026-10-30";
    old.author = "SW-0001";
    old.reason = "Fictional reason";
    REQUIRE(sg_batch_add_override(batch, &old) == SG_OK);
    REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
    sg_batch_free(batch);
    char* json = nullptr;
    REQUIRE(sg_graph_save_buffer(&json, nullptr, graph) == SG_OK);
    const std::string saved = json;
    sg_buffer_free(json);
    const std::size_t at = saved.find("\"J-V2-1\"");
    REQUIRE(at != std::string::npos);
    const std::string item = saved.substr(at, saved.find('}', at) - at);
    CHECK(item.find("\"child\": \"P-DAK-C1\"") != std::string::npos);
    CHECK(item.find("\"adult\"") == std::string::npos);
    sg_graph_free(graph);
  }

  TEST_CASE("a reader is shown one withheld line however many restricted items there are") {
    // The Ash household: a restricted police call-out about the mother reaches both children.
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample) == SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_bundled(&rules, "default", nullptr) == SG_OK);
    sg_explain_options uncleared = SG_EXPLAIN_OPTIONS_INIT;
    const char* everything[] = {"*"};
    sg_explain_options cleared = SG_EXPLAIN_OPTIONS_INIT;
    cleared.viewer_cleared = everything;
    cleared.viewer_cleared_count = 1;

    // What an uncleared reader is shown of P-ASH-C1, and what the line-by-line view says.
    struct Seen {
      size_t lines = 0;  // sg_result_contribution_count
      size_t shown = 0;  // sg_result_shown_count, uncleared
      std::vector<std::string> kinds;
      double total = 0, summed = 0, withheld_by_line = 0, withheld_shown = 0;
    };
    auto seen = [&]() {
      Seen out;
      sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
      options.as_of = "2026-11-01";
      sg_result* result = nullptr;
      REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
      size_t row = 0;
      REQUIRE(sg_result_find_child(&row, result, "P-ASH-C1") == SG_OK);
      sg_child_result child = SG_CHILD_RESULT_INIT;
      REQUIRE(sg_result_child(&child, result, row) == SG_OK);
      out.total = child.total;
      out.lines = child.contribution_count;
      for (size_t k = 0; k < out.lines; ++k) {
        sg_contribution line = SG_CONTRIBUTION_INIT;
        REQUIRE(sg_result_contribution_for(&line, result, row, k, &uncleared) == SG_OK);
        if (line.restricted && line.rule_id == nullptr) out.withheld_by_line += line.value;
      }
      REQUIRE(sg_result_shown_count(&out.shown, result, row, &uncleared) == SG_OK);
      for (size_t k = 0; k < out.shown; ++k) {
        sg_contribution line = SG_CONTRIBUTION_INIT;
        REQUIRE(sg_result_shown_contribution(&line, result, row, k, &uncleared) == SG_OK);
        out.kinds.push_back(line.kind);
        out.summed += line.value;
        if (std::string(line.kind) == "withheld") {
          CHECK(k == out.shown - 1);  // after the lines shown
          CHECK(std::string(line.heading) == "withheld");
          CHECK(line.rule_id == nullptr);
          CHECK(line.index_id == nullptr);
          CHECK(line.evidence_id == nullptr);
          CHECK(line.path == nullptr);
          CHECK(line.source_agency_id == nullptr);
          CHECK(line.restricted == 1);
          CHECK(std::isnan(line.raw));
          CHECK(std::string(line.rule_title).find("domestic") == std::string::npos);
          out.withheld_shown = line.value;
        } else {
          CHECK(line.restricted == 0);
        }
      }
      sg_contribution past = SG_CONTRIBUTION_INIT;
      CHECK(sg_result_shown_contribution(&past, result, row, out.shown, &uncleared) == SG_E_RANGE);
      // A reader cleared for everything is shown every line as it is.
      size_t all = 0;
      REQUIRE(sg_result_shown_count(&all, result, row, &cleared) == SG_OK);
      CHECK(all == out.lines);
      // The columns, folded, are the shown lines; unfolded, the lines one by one.
      sg_contribution_columns columns = SG_CONTRIBUTION_COLUMNS_INIT;
      columns.fold_withheld = 1;
      size_t count = 0;
      REQUIRE(sg_result_contribution_columns(&count, &columns, result, row, 1, &uncleared) ==
              SG_OK);
      CHECK(count == out.shown);
      std::vector<const char*> kinds(count);
      std::vector<double> values(count);
      columns.capacity = count;
      columns.kind = kinds.data();
      columns.value = values.data();
      REQUIRE(sg_result_contribution_columns(&count, &columns, result, row, 1, &uncleared) ==
              SG_OK);
      for (size_t k = 0; k < count; ++k) CHECK(std::string(kinds[k]) == out.kinds[k]);
      CHECK(values.back() == out.withheld_shown);
      sg_contribution_columns by_line = SG_CONTRIBUTION_COLUMNS_INIT;
      REQUIRE(sg_result_contribution_columns(&count, &by_line, result, row, 1, &uncleared) ==
              SG_OK);
      CHECK(count == out.lines);
      sg_result_free(result);
      return out;
    };

    const Seen before = seen();
    CHECK(before.withheld_shown > 0);
    CHECK(before.withheld_shown == doctest::Approx(before.withheld_by_line));
    CHECK(before.kinds.back() == "withheld");
    CHECK(before.summed == doctest::Approx(before.total));

    // A second restricted call-out about the mother: one more line, one by one; the same one
    // withheld line for the reader, with more points in it.
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    sg_concern second = SG_CONCERN_INIT;
    second.id = "C-ASH-3B";
    second.category = "domestic_abuse";
    second.severity = 3;
    second.recorded = "2026-10-31";
    second.source = "AG-POL-01";
    second.restricted = 1;
    const char* about[] = {"P-ASH-M"};
    second.about = about;
    second.about_count = 1;
    REQUIRE(sg_batch_add_concern(batch, &second) == SG_OK);
    REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
    sg_batch_free(batch);
    const Seen after = seen();
    CHECK(after.lines > before.lines);
    CHECK(after.shown == before.shown);
    CHECK(after.kinds == before.kinds);
    CHECK(after.summed == doctest::Approx(after.total));
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("applying a batch to a record reports versions checked and written") {
    const std::string directory = (std::filesystem::temp_directory_path() /
                                   ("safeguard-apply-progress-" + std::to_string(::getpid())))
                                      .string();
    std::filesystem::create_directories(directory);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    const unsigned long long households = 2500;  // three chunks of 1,024 versions
    for (unsigned long long i = 0; i < households; ++i)
      REQUIRE(sg_batch_add_household(batch, ("HH-APPLY-" + std::to_string(i)).c_str()) == SG_OK);
    sg_provenance who = SG_PROVENANCE_INIT;
    who.recorded_at = 2000;
    who.author = "worker-7";

    // In memory: the versions, once checked.
    sg_record* memory = nullptr;
    REQUIRE(sg_record_new(&memory) == SG_OK);
    Reports checked;
    REQUIRE(sg_record_apply_progress(nullptr, memory, batch, &who, Reports::record, &checked) ==
            SG_OK);
    CHECK(checked.done == std::vector<unsigned long long>{0, households});
    CHECK(checked.total == households);
    sg_record_free(memory);

    // In a store: checked, then written 1,024 at a time; a stop at any report (the last
    // comes before the commit) leaves the record and the store as they were.
    const std::string store = directory + "/apply.store";
    sg_record* record = stored_record_with_a_batch(store, 1000);
    const std::string before = exported(record);
    for (std::size_t stop = 1; stop <= 5; ++stop) {
      CAPTURE(stop);
      Reports stopping;
      stopping.stop_at = stop;
      CHECK(sg_record_apply_progress(nullptr, record, batch, &who, Reports::record, &stopping) ==
            SG_E_CANCELLED);
      CHECK(revision_of(record) == 1);
      CHECK(exported(record) == before);
    }
    Reports all;
    unsigned long long revision = 0;
    REQUIRE(sg_record_apply_progress(&revision, record, batch, &who, Reports::record, &all) ==
            SG_OK);
    CHECK(revision == 2);
    CHECK(all.done == std::vector<unsigned long long>{0, households, households + 1024,
                                                      households + 2048, 2 * households});
    CHECK(all.total == 2 * households);
    sg_record_free(record);
    REQUIRE(sg_record_open(&record, store.c_str(), 0) == SG_OK);
    CHECK(revision_of(record) == 2);
    CHECK(exported(record) != before);
    sg_record_free(record);
    sg_batch_free(batch);
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }

  TEST_CASE("loading reports bytes read and a cancelled load changes nothing") {
    BigCase big;
    const auto size = std::filesystem::file_size(big.path);
    REQUIRE(size > (3u << 20));
    sg_graph* graph = graph_holding_a_household();
    const std::string before = saved(graph);

    Reports stopping;
    stopping.stop_at = 2;
    CHECK(sg_graph_load_file_progress(graph, big.path.c_str(), Reports::record, &stopping) ==
          SG_E_CANCELLED);
    CHECK(sg_error_last_status() == SG_E_CANCELLED);
    CHECK(stopping.done.size() == 2);
    CHECK(saved(graph) == before);

    Reports all;
    REQUIRE(sg_graph_load_file_progress(graph, big.path.c_str(), Reports::record, &all) == SG_OK);
    CHECK(all.done.size() >= 3);
    CHECK(all.rising());
    CHECK(all.total <= size);
    CHECK(all.done.back() == all.total);
    size_t persons = 0;
    REQUIRE(sg_graph_count(&persons, graph, "person") == SG_OK);
    CHECK(persons > 6000);
    // No callback: as sg_graph_load_file.
    sg_graph* plain = nullptr;
    REQUIRE(sg_graph_new(&plain) == SG_OK);
    REQUIRE(sg_graph_load_file_progress(plain, big.path.c_str(), nullptr, nullptr) == SG_OK);
    sg_graph_free(plain);
    sg_graph_free(graph);
  }

  TEST_CASE("loading a buffer reports bytes parsed and a cancelled load changes nothing") {
    BigCase big;
    const std::string text = file_text(big.path);
    sg_graph* graph = graph_holding_a_household();
    const std::string before = saved(graph);

    Reports stopping;
    stopping.stop_at = 2;
    CHECK(sg_graph_load_buffer_progress(graph, text.data(), text.size(), "caseload.json",
                                        Reports::record, &stopping) == SG_E_CANCELLED);
    CHECK(sg_error_last_status() == SG_E_CANCELLED);
    CHECK(stopping.done.size() == 2);
    CHECK(saved(graph) == before);

    Reports all;
    REQUIRE(sg_graph_load_buffer_progress(graph, text.data(), text.size(), "caseload.json",
                                          Reports::record, &all) == SG_OK);
    CHECK(all.done.size() >= 3);  // a megabyte at a time
    CHECK(all.rising());
    CHECK(all.total <= text.size());
    CHECK(all.done.back() == all.total);
    // The same graph as a load with no callback (one piece) gives.
    sg_graph* plain = graph_holding_a_household();
    REQUIRE(sg_graph_load_buffer_progress(plain, text.data(), text.size(), "caseload.json", nullptr,
                                          nullptr) == SG_OK);
    CHECK(saved(plain) == saved(graph));
    // An error found in a later chunk still names its line and column.
    std::string broken = text;
    const std::string severity = "\"severity\": ";
    const std::size_t at = broken.rfind(severity);
    REQUIRE(at != std::string::npos);
    broken.insert(at + severity.size(), "-");
    sg_graph* fresh = nullptr;
    REQUIRE(sg_graph_new(&fresh) == SG_OK);
    Reports watching;
    CHECK(sg_graph_load_buffer_progress(fresh, broken.data(), broken.size(), "caseload.json",
                                        Reports::record, &watching) != SG_OK);
    CHECK(std::string(sg_error_last_detail()->file) == "caseload.json");
    CHECK(sg_error_last_detail()->line > 1000);
    sg_graph_free(fresh);
    sg_graph_free(plain);
    sg_graph_free(graph);
  }

  TEST_CASE("assessing reports children scored, from any thread count, and can be stopped") {
    BigCase big;
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_bundled(&rules, "default", nullptr) == SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-01";
    for (unsigned threads : {1u, 3u}) {
      CAPTURE(threads);
      options.threads = threads;
      Reports all;
      sg_result* result = nullptr;
      REQUIRE(sg_assess_progress(&result, big.graph, rules, &options, Reports::record, &all) ==
              SG_OK);
      CHECK(all.total == 6000);
      CHECK(all.done.size() >= 6000 / 256);
      CHECK(all.rising());
      CHECK(all.done.back() == 6000);
      sg_result_free(result);

      Reports stopping;
      stopping.stop_at = 3;
      result = reinterpret_cast<sg_result*>(1);
      CHECK(sg_assess_progress(&result, big.graph, rules, &options, Reports::record, &stopping) ==
            SG_E_CANCELLED);
      CHECK(result == nullptr);
      CHECK(stopping.done.size() == 3);  // never called again once it said stop
    }
    sg_rules_free(rules);
  }

  TEST_CASE("saving reports bytes written and a cancelled save leaves the file as it was") {
    BigCase big;
    const std::string target = big.directory + "/target.json";
    {
      std::ofstream out(target, std::ios::binary);
      out << "the previous contents";
    }
    Reports stopping;
    stopping.stop_at = 1;
    CHECK(sg_graph_save_file_progress(big.graph, target.c_str(), Reports::record, &stopping) ==
          SG_E_CANCELLED);
    CHECK(file_text(target) == "the previous contents");
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(big.directory)) {
      (void)entry;
      ++files;
    }
    CHECK(files == 2);  // the caseload and the target: no temporary file left behind

    Reports all;
    REQUIRE(sg_graph_save_file_progress(big.graph, target.c_str(), Reports::record, &all) == SG_OK);
    CHECK(all.done.size() >= 3);
    CHECK(all.rising());
    CHECK(all.done.back() == std::filesystem::file_size(target));
    CHECK(file_text(target) == file_text(big.path));
  }

  TEST_CASE("bundled packs load by name, an unknown name lists them") {
    size_t count = 0;
    REQUIRE(sg_rules_bundled_count(&count) == SG_OK);
    CHECK(count == 4);
    const char* name = nullptr;
    REQUIRE(sg_rules_bundled_name(&name, 1) == SG_OK);
    CHECK(std::string(name) == "default");
    CHECK(sg_rules_bundled_name(&name, count) == SG_E_RANGE);
    CHECK(name == nullptr);

    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_bundled(&rules, "default", nullptr) == SG_OK);
    sg_rules_info info = SG_RULES_INFO_INIT;
    REQUIRE(sg_rules_info_get(&info, rules) == SG_OK);
    CHECK(std::string(info.id) == "safeguard-default");
    sg_rules_free(rules);

    rules = reinterpret_cast<sg_rules*>(1);
    CHECK(sg_rules_load_bundled(&rules, "defualt", nullptr) == SG_E_NOT_FOUND);
    CHECK(rules == nullptr);
    const std::string message = sg_error_last();
    CHECK(message.find("'defualt'") != std::string::npos);
    CHECK(message.find("dash, default, exploitation, neglect") != std::string::npos);

    sg_limits tight = SG_LIMITS_INIT;
    tight.max_rules = 2;
    CHECK(sg_rules_load_bundled(&rules, "default", &tight) == SG_E_LIMIT);
    CHECK(rules == nullptr);
  }

  TEST_CASE("a pack's indices, levels, rules, reach, caps and overrides are readable") {
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_bundled(&rules, "default", nullptr) == SG_OK);
    sg_rules_info info = SG_RULES_INFO_INIT;
    REQUIRE(sg_rules_info_get(&info, rules) == SG_OK);

    sg_index_def index = SG_INDEX_DEF_INIT;
    REQUIRE(sg_rules_index(&index, rules, 0) == SG_OK);
    CHECK(std::string(index.id) == "abuse");
    CHECK(sg_rules_index(&index, rules, info.index_count) == SG_E_RANGE);

    sg_level_def level = SG_LEVEL_DEF_INIT;
    REQUIRE(sg_rules_level(&level, rules, 3) == SG_OK);
    CHECK(std::string(level.id) == "child_protection");
    CHECK(level.min > 0);
    double threshold = -1;
    REQUIRE(sg_rules_index_threshold(&threshold, rules, 0, 3) == SG_OK);
    CHECK(threshold > 0);
    CHECK(sg_rules_index_threshold(&threshold, rules, 0, info.level_count) == SG_E_RANGE);

    sg_rule_def rule = SG_RULE_DEF_INIT;
    REQUIRE(sg_rules_rule(&rule, rules, 0) == SG_OK);
    CHECK(std::string(rule.id) == "physical-injury");
    CHECK(std::string(rule.over) == "concern");
    CHECK(std::string(rule.heading) == "harm");
    CHECK(std::string(rule.index_id) == "abuse");
    CHECK(std::string(rule.condition).find("physical_injury") != std::string::npos);
    CHECK(std::string(rule.points) == "concern.severity * 2");
    CHECK(rule.half_life_days == 365);
    CHECK(rule.line == 75);  // below the header's purpose and limits (pack 0.3.0)
    REQUIRE(rule.reach_count == 2);
    const char* path = nullptr;
    double factor = 0;
    REQUIRE(sg_rules_rule_reach(&path, &factor, rules, 0, 1) == SG_OK);
    CHECK(std::string(path) == "sibling");
    CHECK(factor == 0.5);
    CHECK(sg_rules_rule_reach(&path, &factor, rules, 0, 2) == SG_E_RANGE);
    CHECK(sg_rules_rule(&rule, rules, info.rule_count) == SG_E_RANGE);

    sg_policy_override_def override_def = SG_POLICY_OVERRIDE_DEF_INIT;
    REQUIRE(sg_rules_override(&override_def, rules, 1) == SG_OK);
    CHECK(std::string(override_def.id) == "baby-serious-injury");
    CHECK(override_def.immediate_safety == 1);
    CHECK(override_def.min_level == 3);
    CHECK(std::string(override_def.min_level_id) == "child_protection");
    CHECK(std::string(override_def.condition).find("child.age < 1") != std::string::npos);
    sg_rules_free(rules);

    REQUIRE(sg_rules_load_bundled(&rules, "dash", nullptr) == SG_OK);
    bool capped = false;
    REQUIRE(sg_rules_info_get(&info, rules) == SG_OK);
    for (size_t k = 0; k < info.rule_count; ++k) {
      REQUIRE(sg_rules_rule(&rule, rules, k) == SG_OK);
      if (rule.cap == 1) capped = true;
    }
    CHECK(capped);
    sg_rules_free(rules);
  }

  TEST_CASE("a copied graph is independent of its original") {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample) == SG_OK);
    sg_graph* copy = nullptr;
    REQUIRE(sg_graph_copy(&copy, graph) == SG_OK);
    CHECK(saved(copy) == saved(graph));
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_add_household(batch, "HH-COPY") == SG_OK);
    REQUIRE(sg_graph_apply(copy, batch) == SG_OK);
    CHECK(saved(copy) != saved(graph));
    sg_batch_free(batch);
    sg_graph_free(graph);
    sg_graph_free(copy);
  }

  TEST_CASE("a generated caseload is deterministic by seed") {
    sg_caseload_options options = SG_CASELOAD_OPTIONS_INIT;
    options.children = 25;
    options.seed = 7;
    sg_graph* first = nullptr;
    sg_graph* second = nullptr;
    REQUIRE(sg_graph_generate(&first, &options) == SG_OK);
    REQUIRE(sg_graph_generate(&second, &options) == SG_OK);
    size_t children = 0;
    REQUIRE(sg_graph_count(&children, first, "person") == SG_OK);
    CHECK(children > 25);  // children and the adults around them
    CHECK(saved(first) == saved(second));
    sg_graph_free(second);
    options.seed = 8;
    REQUIRE(sg_graph_generate(&second, &options) == SG_OK);
    CHECK(saved(first) != saved(second));
    sg_graph_free(first);
    sg_graph_free(second);
    options.children = 0;
    CHECK(sg_graph_generate(&first, &options) == SG_E_INVALID_ARGUMENT);
    CHECK(first == nullptr);
  }

  TEST_CASE("a graph takes partial concern amendments: only the fields given change") {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample) == SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_bundled(&rules, "default", nullptr) == SG_OK);
    const double before = total_of(graph, rules, "P-ASH-C1");
    const std::string original = saved(graph);

    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_amend(batch, "concern", "C-ASH-1", "status", "retracted") == SG_OK);
    REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
    CHECK(total_of(graph, rules, "P-ASH-C1") < before);
    const std::string amended = saved(graph);
    CHECK(amended.find("Attendance 81% this half term.") != std::string::npos);  // kept
    sg_batch_free(batch);

    // An amendment of a concern that does not exist fails as a batch item and changes nothing.
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_add_household(batch, "HH-NEW") == SG_OK);
    REQUIRE(sg_batch_amend(batch, "concern", "C-NOPE", "severity", "3") == SG_OK);
    CHECK(sg_graph_apply(graph, batch) == SG_E_NOT_FOUND);
    const sg_error_detail* detail = sg_error_last_detail();
    CHECK(detail->status == SG_E_NOT_FOUND);
    CHECK(detail->item == 1);
    REQUIRE(detail->entity != nullptr);
    CHECK(std::string(detail->entity) == "C-NOPE");
    CHECK(saved(graph) == amended);
    sg_batch_free(batch);

    // Other record edits still need a record.
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_amend(batch, "person", "P-ASH-C1", "dob", "2018-03-09") == SG_OK);
    CHECK(sg_graph_apply(graph, batch) == SG_E_INVALID_ARGUMENT);
    sg_batch_free(batch);
    CHECK(original != amended);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("sg_batch_amend reads numbers and flags as a case file writes them") {
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    for (const char* ok : {"3", "-1", "0", "5"})
      CHECK(sg_batch_amend(batch, "concern", "C-ASH-1", "severity", ok) == SG_OK);
    for (const char* bad : {" 3", "3 ", "+3", "03", "3.0", "", "-", "0x3", "99999999999"}) {
      CHECK(sg_batch_amend(batch, "concern", "C-ASH-1", "severity", bad) == SG_E_INVALID_DATA);
      const std::string message = sg_error_last();
      CHECK(message.find("severity must be a whole number") != std::string::npos);
      CHECK(message.find("entity 'C-ASH-1'") != std::string::npos);
      REQUIRE(sg_error_last_detail()->entity != nullptr);
      CHECK(std::string(sg_error_last_detail()->entity) == "C-ASH-1");
    }
    CHECK(sg_batch_amend(batch, "factor", "F-ASH-1", "strength", "+2") == SG_E_INVALID_DATA);
    CHECK(sg_batch_amend(batch, "concern", "C-ASH-1", "restricted", "true") == SG_OK);
    for (const char* bad : {"1", "0", "True", "yes", ""}) {
      CHECK(sg_batch_amend(batch, "concern", "C-ASH-1", "restricted", bad) == SG_E_INVALID_DATA);
      CHECK(std::string(sg_error_last()).find("restricted must be true or false") !=
            std::string::npos);
    }
    // A required field cannot be cleared, and the message says which field of which entity.
    CHECK(sg_batch_amend(batch, "concern", "C-ASH-1", "recorded", nullptr) ==
          SG_E_INVALID_ARGUMENT);
    CHECK(std::string(sg_error_last()).find("entity 'C-ASH-1'") != std::string::npos);
    CHECK(sg_batch_amend(batch, "agency", "AG-SCH-01", "type", nullptr) == SG_E_INVALID_ARGUMENT);
    const std::string cleared = sg_error_last();
    CHECK(cleared.find("'type' is required") != std::string::npos);
    CHECK(cleared.find("entity 'AG-SCH-01'") != std::string::npos);
    sg_batch_free(batch);
  }

  TEST_CASE("a C API message writes what the caller passed printable") {
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    sg_event event{};
    event.version = SG_EVENT_VERSION;
    event.id = "E-X";
    event.kind = "ref\x1b[2J";
    event.date = "2026-10-01";
    const char* about[] = {"P-ASH-C1"};
    event.about = about;
    event.about_count = 1;
    CHECK(sg_batch_add_event(batch, &event) == SG_E_INVALID_ARGUMENT);
    const std::string message = sg_error_last();
    CHECK(message.find('\x1b') == std::string::npos);
    CHECK(message.find("ref\\x1B[2J") != std::string::npos);
    sg_batch_free(batch);
  }

  TEST_CASE("error details give file, line, column and entity as fields") {
    sg_rules* rules = nullptr;
    const char* pack = "id = \"p\"\nversion = \"1\"\n[[level]\nid = \"x\"\n";
    CHECK(sg_rules_load_buffer(&rules, pack, std::strlen(pack), "broken.toml") == SG_E_PARSE);
    const sg_error_detail* detail = sg_error_last_detail();
    CHECK(detail->version == SG_ERROR_DETAIL_VERSION);
    CHECK(detail->status == SG_E_PARSE);
    REQUIRE(detail->file != nullptr);
    CHECK(std::string(detail->file) == "broken.toml");
    CHECK(detail->line == 3);
    CHECK(detail->column > 0);
    CHECK(detail->item == -1);
    CHECK(std::string(detail->message).find(detail->reason) != std::string::npos);
    CHECK(std::string(detail->message) == sg_error_last());

    // A failure without a place clears the previous one's.
    sg_graph* graph = nullptr;
    CHECK(sg_graph_count(nullptr, graph, nullptr) == SG_E_INVALID_ARGUMENT);
    detail = sg_error_last_detail();
    CHECK(detail->status == SG_E_INVALID_ARGUMENT);
    CHECK(detail->file == nullptr);
    CHECK(detail->line == 0);
    CHECK(detail->entity == nullptr);
  }

  TEST_CASE("a local process file sets the local steps of timelines assessed through the C API") {
    // Fictional Borough sees children on a plan every 15 working days (a local step, off in
    // the bundled English process). Conference Mon 2 Nov 2026: the first visit is due 15
    // working days later, Mon 23 Nov.
    const std::string local = R"([process]
extends = "england"
source = "Fictional Borough child protection procedures, 2026"

[[step]]
id = "cp_visit"
source = "Fictional Borough: children on a plan are seen at least every 15 working days"
enabled = true
due = { count = 15, unit = "working_days" }
)";
    const std::string case_text = R"({"schema_version": 1,
      "households": [{"id": "HH-1"}],
      "persons": [{"id": "P-1", "kind": "child", "dob": "2018-01-01", "household": "HH-1"}],
      "events": [
        {"id": "E-1", "kind": "strategy_discussion", "date": "2026-10-20", "about": ["P-1"]},
        {"id": "E-2", "kind": "initial_conference", "date": "2026-11-02", "about": ["P-1"],
         "decision": "plan"}]})";
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_buffer(graph, case_text.data(), case_text.size(), "case.json") == SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_bundled(&rules, "default", nullptr) == SG_OK);
    sg_process* process = nullptr;
    REQUIRE(sg_process_load_buffer(&process, local.data(), local.size(), "local.toml",
                                   "england-and-wales") == SG_OK);
    const char* nation = nullptr;
    REQUIRE(sg_process_nation(&nation, process) == SG_OK);
    CHECK(std::string(nation) == "england");

    // The steps of P-1's timeline, as "step due" lines.
    const auto steps = [&](const sg_process* chosen) {
      sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
      options.as_of = "2026-11-20";
      options.process = chosen;
      sg_result* result = nullptr;
      REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
      size_t count = 0;
      REQUIRE(sg_result_step_count(&count, result, 0) == SG_OK);
      std::string out;
      for (size_t k = 0; k < count; ++k) {
        sg_step step = SG_STEP_INIT;
        REQUIRE(sg_result_step(&step, result, 0, k) == SG_OK);
        out += std::string(step.step) + " " + step.due + "\n";
      }
      sg_result_free(result);
      return out;
    };
    const std::string bundled = steps(nullptr);
    const std::string with_local = steps(process);
    CHECK(bundled.find("cp_visit") == std::string::npos);
    CHECK(with_local.find("cp_visit 2026-11-23") != std::string::npos);
    // A version 1 options struct (a host built against the older header) never reads the field.
    sg_assess_options old = SG_ASSESS_OPTIONS_INIT;
    old.version = 1;
    old.as_of = "2026-11-20";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &old) == SG_OK);
    sg_result_free(result);

    // Another nation's file, a statutory step changed, a malformed file: refused by name.
    sg_process* refused = nullptr;
    CHECK(sg_process_load_file(&refused, SAFEGUARD_SOURCE_DIR "/process/scotland.toml",
                               "england-and-wales") == SG_E_INVALID_ARGUMENT);
    CHECK(refused == nullptr);
    CHECK(std::strstr(sg_error_last(), "scotland") != nullptr);
    const std::string statutory = R"([process]
extends = "england"
source = "Fictional Borough"
[[step]]
id = "initial_conference"
due = { count = 30, unit = "working_days" }
)";
    CHECK(sg_process_load_buffer(&refused, statutory.data(), statutory.size(), "bad.toml",
                                 "england") != SG_OK);
    CHECK(refused == nullptr);
    CHECK(std::strstr(sg_error_last(), "initial_conference") != nullptr);
    const std::string malformed = "[process]\nextends = \"england\"\nx = \xcf\x94\n";
    CHECK(sg_process_load_buffer(&refused, malformed.data(), malformed.size(), "odd.toml",
                                 "england") == SG_E_PARSE);
    const sg_error_detail* detail = sg_error_last_detail();
    REQUIRE(detail->file != nullptr);
    CHECK(std::string(detail->file) == "odd.toml");
    CHECK(detail->line == 3);
    CHECK(sg_process_load_file(&refused, "/nonexistent/local.toml", "england") == SG_E_IO);
    CHECK(sg_process_load_file(&refused, SAFEGUARD_SOURCE_DIR "/process/england.toml", "mars") ==
          SG_E_INVALID_ARGUMENT);
    sg_process_free(process);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("an override's approval goes in and comes out through C, a bad approver is refused") {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample) == SG_OK);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    sg_person manager = SG_PERSON_INIT;
    manager.id = "P-ASH-TM";
    manager.kind = SG_PERSON_ADULT;
    manager.dob = "1980-01-01";
    REQUIRE(sg_batch_add_person(batch, &manager) == SG_OK);
    sg_override judgement = SG_OVERRIDE_INIT;
    judgement.id = "J-ASH-9";
    judgement.child = "P-ASH-C1";
    judgement.direction = "lower";
    judgement.date = "2026-10-20";
    judgement.author = "SW-TEAM-1";
    judgement.reason = "Relatives now protect the children";
    REQUIRE(sg_batch_add_override(batch, &judgement) == SG_OK);
    REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
    sg_batch_free(batch);

    // The default pack with lowering needing an approver.
    std::ifstream in(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string pack = text.str();
    const std::string section = "[discretionary]\n";
    REQUIRE(pack.find(section) != std::string::npos);
    pack.replace(pack.find(section), section.size(), section + "approval = \"lower\"\n");
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_buffer(&rules, pack.data(), pack.size(), "approval.toml") == SG_OK);

    auto judged = [&](sg_discretionary& out) {
      sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
      options.as_of = "2026-11-01";
      sg_result* result = nullptr;
      REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
      size_t row = 0;
      REQUIRE(sg_result_find_child(&row, result, "P-ASH-C1") == SG_OK);
      REQUIRE(sg_result_discretionary(&out, result, row) == SG_OK);
      const std::string outcome = out.outcome;
      const std::string approved_by = out.approved_by ? out.approved_by : "";
      sg_result_free(result);
      return outcome + " " + approved_by + " " + out.approved;
    };
    sg_discretionary waiting = SG_DISCRETIONARY_INIT;
    CHECK(judged(waiting) == "awaiting_approval  ");
    CHECK(waiting.needs_approval == 1);

    // Approved: the same judgement recorded with its approval. A graph takes no upserts (a
    // record does), so the case is loaded afresh, as a host reloading it would.
    sg_graph_free(graph);
    graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample) == SG_OK);
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_add_person(batch, &manager) == SG_OK);
    judgement.approved_by = "P-ASH-TM";
    judgement.approved = "2026-10-25";
    REQUIRE(sg_batch_add_override(batch, &judgement) == SG_OK);
    REQUIRE(sg_graph_apply(graph, batch) == SG_OK);
    sg_batch_free(batch);
    // And on a graph, an upsert is refused, naming what to use instead.
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_upsert_override(batch, &judgement) == SG_OK);
    CHECK(sg_graph_apply(graph, batch) == SG_E_INVALID_ARGUMENT);
    CHECK(std::string(sg_error_last()).find("sg_record") != std::string::npos);
    sg_batch_free(batch);
    sg_discretionary applied = SG_DISCRETIONARY_INIT;
    CHECK(judged(applied) == "applied P-ASH-TM 2026-10-25");

    REQUIRE(sg_batch_new(&batch) == SG_OK);
    judgement.id = "J-ASH-10";
    judgement.approved_by = "P-NOBODY";
    REQUIRE(sg_batch_add_override(batch, &judgement) == SG_OK);
    CHECK(sg_graph_apply(graph, batch) == SG_E_NOT_FOUND);
    CHECK(std::string(sg_error_last()).find("J-ASH-10") != std::string::npos);
    judgement.approved_by = "P-ASH-C2";  // a child
    sg_batch_free(batch);
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_add_override(batch, &judgement) == SG_OK);
    CHECK(sg_graph_apply(graph, batch) == SG_E_INVALID_DATA);
    sg_batch_free(batch);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }
}

TEST_SUITE("capi/c_api_extras") {
  // sg_result_contribution_columns: every line of a range of children in one call, the same
  // fields sg_result_contribution_for gives line by line, for the same viewer.
  TEST_CASE("contribution columns are the lines a viewer gets one by one, in one call") {
    const Assessed families("families.json", "2026-11-01");
    sg_result* result = families.result;
    const size_t children = families.children;
    REQUIRE(children >= 2);
    sg_explain_options viewer = SG_EXPLAIN_OPTIONS_INIT;  // cleared for nothing
    const size_t first = 1, rows = children - 1;

    size_t count = 0;
    sg_contribution_columns columns = SG_CONTRIBUTION_COLUMNS_INIT;
    REQUIRE(sg_result_contribution_columns(&count, &columns, result, first, rows, &viewer) ==
            SG_OK);
    size_t expected = 0;
    for (size_t row = first; row < children; ++row) {
      sg_child_result child = SG_CHILD_RESULT_INIT;
      REQUIRE(sg_result_child(&child, result, row) == SG_OK);
      expected += child.contribution_count;
    }
    REQUIRE(count == expected);
    REQUIRE(count > 3);

    std::vector<size_t> row_of(count, 99);
    std::vector<const char*> rule_id(count), title(count), index_id(count), evidence(count),
        agency(count), kind(count);
    std::vector<unsigned char> restricted(count, 7);
    std::vector<double> raw(count), value(count);
    columns.row = row_of.data();
    columns.rule_id = rule_id.data();
    columns.rule_title = title.data();
    columns.index_id = index_id.data();
    columns.evidence_id = evidence.data();
    columns.source_agency_id = agency.data();
    columns.kind = kind.data();
    columns.restricted = restricted.data();
    columns.raw = raw.data();
    columns.value = value.data();
    // Too small: refused, nothing written.
    columns.capacity = count - 1;
    CHECK(sg_result_contribution_columns(&count, &columns, result, first, rows, &viewer) ==
          SG_E_RANGE);
    CHECK(row_of[0] == 99);
    columns.capacity = count;
    REQUIRE(sg_result_contribution_columns(&count, &columns, result, first, rows, &viewer) ==
            SG_OK);
    std::size_t at = 0, withheld = 0;
    auto same = [](const char* a, const char* b) {
      return (a == nullptr) == (b == nullptr) && (a == nullptr || std::string(a) == b);
    };
    for (size_t row = first; row < children; ++row) {
      sg_child_result child = SG_CHILD_RESULT_INIT;
      REQUIRE(sg_result_child(&child, result, row) == SG_OK);
      for (size_t k = 0; k < child.contribution_count; ++k, ++at) {
        sg_contribution line = SG_CONTRIBUTION_INIT;
        REQUIRE(sg_result_contribution_for(&line, result, row, k, &viewer) == SG_OK);
        CAPTURE(at);
        CHECK(row_of[at] == row);
        CHECK(same(rule_id[at], line.rule_id));
        CHECK(same(title[at], line.rule_title));
        CHECK(same(index_id[at], line.index_id));
        CHECK(same(evidence[at], line.evidence_id));
        CHECK(same(agency[at], line.source_agency_id));
        CHECK(same(kind[at], line.kind));
        CHECK(restricted[at] == line.restricted);
        CHECK(value[at] == line.value);
        CHECK((std::isnan(raw[at]) ? std::isnan(line.raw) : raw[at] == line.raw));
        withheld += line.restricted && line.rule_id == nullptr;
      }
    }
    CHECK(at == count);
    CHECK(withheld > 0);  // the Ash household's police report, withheld from this reader
    // Rows past the end: SG_E_RANGE.
    CHECK(sg_result_contribution_columns(&count, &columns, result, children, 1, &viewer) ==
          SG_E_RANGE);
  }

  // sg_contribution_columns version 3: each text column as codes into a table of its distinct
  // texts, the same texts the pointer columns give, line for line, for a reader cleared for
  // nothing (withheld lines folded: NULL texts) and for one cleared for everything.
  TEST_CASE("contribution columns give text columns as codes into tables of distinct texts") {
    const Assessed families("families.json", "2026-11-01");
    const char* everything[] = {"*"};
    sg_explain_options nothing = SG_EXPLAIN_OPTIONS_INIT, all = SG_EXPLAIN_OPTIONS_INIT;
    all.viewer_cleared = everything;
    all.viewer_cleared_count = 1;
    for (const sg_explain_options* viewer : {&nothing, &all}) {
      CAPTURE(viewer->viewer_cleared_count);
      size_t count = 0;
      sg_text_codes tables[SG_CONTRIBUTION_TEXT_COLUMNS];
      for (sg_text_codes& table : tables) table = SG_TEXT_CODES_INIT;
      sg_contribution_columns columns = SG_CONTRIBUTION_COLUMNS_INIT;
      columns.fold_withheld = 1;
      columns.text_codes = tables;
      std::vector<std::vector<int32_t>> codes(SG_CONTRIBUTION_TEXT_COLUMNS);
      for (size_t c = 0; c < SG_CONTRIBUTION_TEXT_COLUMNS; ++c) tables[c].codes = nullptr;
      // Counting touches no entry.
      tables[0].texts = reinterpret_cast<char*>(0x10);
      REQUIRE(sg_result_contribution_columns(&count, &columns, families.result, 0,
                                             families.children, viewer) == SG_OK);
      CHECK(tables[0].texts == reinterpret_cast<char*>(0x10));
      REQUIRE(count > 3);
      std::vector<std::vector<const char*>> pointers(SG_CONTRIBUTION_TEXT_COLUMNS,
                                                     std::vector<const char*>(count));
      // In the order of the SG_CONTRIBUTION_TEXT_* indices.
      const char*** fields[SG_CONTRIBUTION_TEXT_COLUMNS] = {
          &columns.rule_id,     &columns.rule_title, &columns.index_id, &columns.heading,
          &columns.evidence_id, &columns.via_id,     &columns.path,     &columns.source_agency_id,
          &columns.kind,        &columns.relation,   &columns.via_kind};
      for (size_t c = 0; c < SG_CONTRIBUTION_TEXT_COLUMNS; ++c) {
        *fields[c] = pointers[c].data();
        codes[c].assign(count, 77);
        // One column left out: its entry gets no table and its codes stay as they were.
        if (c != SG_CONTRIBUTION_TEXT_PATH) tables[c].codes = codes[c].data();
      }
      // Too small: refused, nothing handed out, no code written.
      columns.capacity = count - 1;
      CHECK(sg_result_contribution_columns(&count, &columns, families.result, 0, families.children,
                                           viewer) == SG_E_RANGE);
      CHECK(tables[0].texts == nullptr);
      CHECK(codes[0][0] == 77);
      columns.capacity = count;
      REQUIRE(sg_result_contribution_columns(&count, &columns, families.result, 0,
                                             families.children, viewer) == SG_OK);
      size_t nulls = 0;
      for (size_t c = 0; c < SG_CONTRIBUTION_TEXT_COLUMNS; ++c) {
        CAPTURE(c);
        if (c == SG_CONTRIBUTION_TEXT_PATH) {
          CHECK(tables[c].texts == nullptr);
          CHECK(tables[c].text_count == 0);
          CHECK(codes[c][0] == 77);
          continue;
        }
        REQUIRE(tables[c].texts != nullptr);
        // The table: text_count texts, each ending with its NUL, all different.
        std::vector<std::string> texts;
        for (size_t at = 0; at < tables[c].texts_size;) {
          texts.emplace_back(tables[c].texts + at);
          at += texts.back().size() + 1;
        }
        REQUIRE(texts.size() == tables[c].text_count);
        CHECK(std::set<std::string>(texts.begin(), texts.end()).size() == texts.size());
        // Line by line, the code stands for the pointer column's text; codes first appear in
        // order 0, 1, 2...
        int32_t next = 0;
        for (size_t i = 0; i < count; ++i) {
          CAPTURE(i);
          const char* text = pointers[c][i];
          const int32_t code = codes[c][i];
          if (!text) {
            CHECK(code == -1);
            ++nulls;
            continue;
          }
          REQUIRE(code >= 0);
          REQUIRE(code <= next);
          if (code == next) ++next;
          CHECK(texts[code] == text);
        }
        CHECK(static_cast<size_t>(next) == texts.size());
        sg_buffer_free(tables[c].texts);
      }
      CHECK(nulls > 0);
    }
  }

  // sg_texts_join: the texts a column call handed out, copied out in one call, each followed by
  // its NUL; a NULL entry is refused by its index and nothing is returned.
  TEST_CASE("texts join into one buffer, each ending with its NUL") {
    const Assessed families("families.json", "2026-11-01");
    const sg_explain_options viewer = SG_EXPLAIN_OPTIONS_INIT;
    size_t count = 0;
    sg_contribution_columns columns = SG_CONTRIBUTION_COLUMNS_INIT;
    REQUIRE(sg_result_contribution_columns(&count, &columns, families.result, 0, families.children,
                                           &viewer) == SG_OK);
    std::vector<const char*> evidence(count), titles(count);
    columns.evidence_id = evidence.data();
    columns.rule_title = titles.data();
    columns.capacity = count;
    REQUIRE(sg_result_contribution_columns(&count, &columns, families.result, 0, families.children,
                                           &viewer) == SG_OK);
    std::vector<const char*> texts;
    std::string expected;
    for (size_t i = 0; i < count; ++i) {
      for (const char* text : {evidence[i], titles[i]}) {
        if (!text) continue;
        texts.push_back(text);
        expected += text;
        expected += '\0';
      }
    }
    const char* accented = "Gåsø — fictional";
    texts.push_back(accented);
    expected += accented;
    expected += '\0';
    texts.push_back("");
    expected += '\0';
    REQUIRE(texts.size() > 4);

    char* joined = nullptr;
    size_t size = 0;
    REQUIRE(sg_texts_join(&joined, &size, texts.data(), texts.size()) == SG_OK);
    REQUIRE(joined != nullptr);
    CHECK(std::string(joined, size) == expected);
    sg_buffer_free(joined);

    REQUIRE(sg_texts_join(&joined, &size, nullptr, 0) == SG_OK);  // no texts: an empty buffer
    CHECK(size == 0);
    CHECK(joined[0] == '\0');
    sg_buffer_free(joined);

    texts[2] = nullptr;
    joined = reinterpret_cast<char*>(0x10);
    CHECK(sg_texts_join(&joined, &size, texts.data(), texts.size()) == SG_E_INVALID_ARGUMENT);
    CHECK(joined == nullptr);
    CHECK(std::string(sg_error_last()).find("texts[2]") != std::string::npos);
  }
}

TEST_SUITE("capi/c_api_extras") {
  TEST_CASE("step columns are the steps sg_result_step gives one by one, in one call") {
    const Assessed timeline("timeline.json", "2026-11-23");
    sg_result* result = timeline.result;
    const size_t children = timeline.children;
    size_t count = 0;
    sg_step_columns columns = SG_STEP_COLUMNS_INIT;
    REQUIRE(sg_result_step_columns(&count, &columns, result, 0, children) == SG_OK);
    REQUIRE(count > 5);
    std::vector<size_t> row_of(count);
    std::vector<const char*> step(count), status(count), done(count);
    std::vector<int> start(count), completed(count), working(count);
    columns.row = row_of.data();
    columns.step = step.data();
    columns.status = status.data();
    columns.done_id = done.data();
    columns.start = start.data();
    columns.completed = completed.data();
    columns.working_days = working.data();
    columns.capacity = count;
    REQUIRE(sg_result_step_columns(&count, &columns, result, 0, children) == SG_OK);
    std::size_t at = 0, undone = 0;
    for (size_t row = 0; row < children; ++row) {
      size_t steps = 0;
      REQUIRE(sg_result_step_count(&steps, result, row) == SG_OK);
      for (size_t k = 0; k < steps; ++k, ++at) {
        sg_step one = SG_STEP_INIT;
        REQUIRE(sg_result_step(&one, result, row, k) == SG_OK);
        CAPTURE(at);
        CHECK(row_of[at] == row);
        CHECK(std::string(step[at]) == one.step);
        CHECK(std::string(status[at]) == one.status);
        CHECK((done[at] == nullptr) == (one.done_id == nullptr));
        CHECK(working[at] == one.working_days);
        CHECK(safeguard::format_iso_date(start[at]) == one.start);
        if (completed[at] == SG_NO_DAY) {
          CHECK(std::string(one.completed).empty());
          ++undone;
        } else {
          CHECK(safeguard::format_iso_date(completed[at]) == one.completed);
        }
      }
    }
    CHECK(at == count);
    CHECK(undone > 0);
  }
}

TEST_SUITE("capi/c_api_extras") {
  // sg_assess_options version 3: explanations written on first read give the same answers.
  static std::string line_text(const sg_contribution& c) {
    auto text = [](const char* s) { return std::string(s ? s : "(null)") + "|"; };
    return text(c.rule_id) + text(c.rule_title) + text(c.index_id) + text(c.evidence_id) +
           text(c.via_id) + text(c.path) + text(c.source_agency_id) + text(c.kind) +
           std::to_string(c.restricted) + std::to_string(c.hidden) + "|" +
           std::string(reinterpret_cast<const char*>(&c.raw), 5 * sizeof(double));
  }

  // Every child's lines (for the host and for a reader cleared for nothing) and explanation.
  static std::string everything_read(const sg_result* result) {
    size_t children = 0;
    REQUIRE(sg_result_child_count(&children, result) == SG_OK);
    std::string out;
    sg_explain_options uncleared = SG_EXPLAIN_OPTIONS_INIT;
    for (size_t row = 0; row < children; ++row) {
      sg_child_result child = SG_CHILD_RESULT_INIT;
      REQUIRE(sg_result_child(&child, result, row) == SG_OK);
      out += std::string(child.id) + ":" + std::to_string(child.contribution_count) + "\n";
      for (size_t k = 0; k < child.contribution_count; ++k) {
        sg_contribution line = SG_CONTRIBUTION_INIT;
        REQUIRE(sg_result_contribution(&line, result, row, k) == SG_OK);
        out += line_text(line);
        REQUIRE(sg_result_contribution_for(&line, result, row, k, &uncleared) == SG_OK);
        out += line_text(line);
      }
      char* text = nullptr;
      REQUIRE(sg_result_explain(&text, nullptr, result, row, &uncleared) == SG_OK);
      out += text;
      sg_buffer_free(text);
    }
    return out;
  }

  TEST_CASE("lazy explanations through the C API: the same lines, a bad value refused") {
    sg_caseload_options generate = SG_CASELOAD_OPTIONS_INIT;
    generate.children = 300;
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_generate(&graph, &generate) == SG_OK);
    for (const char* name : {"default", "exploitation"}) {
      CAPTURE(name);
      sg_rules* rules = nullptr;
      REQUIRE(sg_rules_load_bundled(&rules, name, nullptr) == SG_OK);
      sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
      CHECK(options.explanations == SG_EXPLANATIONS_EAGER);
      options.as_of = "2026-11-01";
      sg_result* eager = nullptr;
      REQUIRE(sg_assess(&eager, graph, rules, &options) == SG_OK);
      options.explanations = SG_EXPLANATIONS_LAZY;
      options.threads = 2;
      sg_result* lazy = nullptr;
      REQUIRE(sg_assess(&lazy, graph, rules, &options) == SG_OK);
      CHECK(everything_read(lazy) == everything_read(eager));
      sg_result_free(lazy);
      sg_result_free(eager);

      options.explanations = 7;
      sg_result* refused = reinterpret_cast<sg_result*>(1);
      CHECK(sg_assess(&refused, graph, rules, &options) == SG_E_INVALID_ARGUMENT);
      CHECK(refused == nullptr);
      CHECK(std::string(sg_error_last()).find("explanations") != std::string::npos);
      // A version 2 struct has no such field: whatever follows it is not read.
      options.version = 2;
      REQUIRE(sg_assess(&refused, graph, rules, &options) == SG_OK);
      sg_result_free(refused);
      sg_rules_free(rules);
    }
    sg_graph_free(graph);
  }
}
