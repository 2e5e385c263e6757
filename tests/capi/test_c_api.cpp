// The C API: misuse returns a status and never crashes; failures leave state untouched; the
// happy path agrees with the C++ API.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "capi_support.hpp"
#include "safeguard.h"

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

const char* kExample = SAFEGUARD_SOURCE_DIR "/examples/data/families.json";
const char* kRules = SAFEGUARD_SOURCE_DIR "/rules/default.toml";

using capi_test::saved;

}  // namespace

TEST_SUITE("capi/c_api") {
  TEST_CASE("versions and status strings") {
    CHECK(sg_version_number() == SG_VERSION_NUMBER);
    CHECK(std::string(sg_version_string()) == SG_VERSION_STRING);
    CHECK(std::string(sg_status_str(SG_OK)) == "ok");
    CHECK(std::string(sg_status_str(SG_E_NOT_FOUND)) == "not found");
    CHECK(std::string(sg_status_str(12345)) == "unknown status");
  }

  TEST_CASE("NULL handles and pointers give SG_E_INVALID_ARGUMENT, never a crash") {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    size_t n = 0;
    char* buffer = nullptr;
    CHECK(sg_graph_new(nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_graph_load_file(nullptr, kExample) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_graph_load_file(graph, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_graph_load_buffer(graph, nullptr, 10, "x") == SG_E_INVALID_ARGUMENT);
    CHECK(sg_graph_save_buffer(nullptr, &n, graph) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_graph_save_buffer(&buffer, &n, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_graph_save_file(graph, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_graph_count(nullptr, graph, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_graph_count(&n, graph, "spaceship") == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_new(nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_size(nullptr, batch) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_add_person(batch, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_add_person(nullptr, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_add_agency(batch, nullptr, "school", nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_add_household(batch, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_add_place(batch, "PL", nullptr, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_add_group(batch, nullptr, "peer", nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_add_concern(batch, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_add_factor(batch, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_add_relation(batch, "parent_of", nullptr, "b") == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_add_relation(batch, "befriends", "a", "b") == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_amend_concern(batch, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_retract_concern(batch, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_erase_person(batch, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_graph_apply(nullptr, batch) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_graph_apply(graph, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_rules_load_file(nullptr, kRules) == SG_E_INVALID_ARGUMENT);
    sg_rules* rules = nullptr;
    CHECK(sg_rules_load_file(&rules, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_rules_load_buffer(&rules, nullptr, 5, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_rules_info_get(nullptr, rules) == SG_E_INVALID_ARGUMENT);
    sg_rules_info info = SG_RULES_INFO_INIT;
    CHECK(sg_rules_info_get(&info, nullptr) == SG_E_INVALID_ARGUMENT);
    const char* text = nullptr;
    CHECK(sg_rules_index_id(&text, nullptr, 0) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_rules_level_id(nullptr, nullptr, 0) == SG_E_INVALID_ARGUMENT);
    sg_result* result = nullptr;
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    CHECK(sg_assess(nullptr, graph, rules, &options) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_assess(&result, nullptr, rules, &options) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_result_child_count(&n, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_result_index_count(nullptr, nullptr) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_result_find_child(&n, nullptr, "x") == SG_E_INVALID_ARGUMENT);
    sg_child_result child = SG_CHILD_RESULT_INIT;
    CHECK(sg_result_child(&child, nullptr, 0) == SG_E_INVALID_ARGUMENT);
    double score = 0;
    CHECK(sg_result_index_score(&score, nullptr, nullptr, 0, 0) == SG_E_INVALID_ARGUMENT);
    const double* scores = nullptr;
    CHECK(sg_result_scores(&scores, &n, &n, nullptr) == SG_E_INVALID_ARGUMENT);
    const int* levels = nullptr;
    CHECK(sg_result_levels(&levels, &n, nullptr) == SG_E_INVALID_ARGUMENT);
    sg_contribution contribution = SG_CONTRIBUTION_INIT;
    CHECK(sg_result_contribution(&contribution, nullptr, 0, 0) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_result_override(&text, nullptr, nullptr, 0, 0) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_result_not_assessable(&text, nullptr, nullptr, 0, 0) == SG_E_INVALID_ARGUMENT);
    sg_explain_options explain = SG_EXPLAIN_OPTIONS_INIT;
    CHECK(sg_result_explain(&buffer, &n, nullptr, 0, &explain) == SG_E_INVALID_ARGUMENT);
    CHECK(std::strlen(sg_error_last()) > 0);
    CHECK(sg_error_last_status() == SG_E_INVALID_ARGUMENT);
    // Frees accept NULL.
    sg_graph_free(nullptr);
    sg_batch_free(nullptr);
    sg_rules_free(nullptr);
    sg_result_free(nullptr);
    sg_buffer_free(nullptr);
    CHECK(sg_batch_size(&n, batch) == SG_OK);
    CHECK(n == 0);  // nothing malformed was queued
    sg_batch_free(batch);
    sg_graph_free(graph);
  }

  TEST_CASE("bad strings, bad enums and bad struct versions are refused at the boundary") {
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    sg_person person = SG_PERSON_INIT;
    person.id = "P-\xc3\x28";
    CHECK(sg_batch_add_person(batch, &person) == SG_E_ENCODING);
    person.id = "P-1";
    person.kind = 7;
    CHECK(sg_batch_add_person(batch, &person) == SG_E_INVALID_ARGUMENT);
    person.kind = SG_PERSON_CHILD;
    person.dob = "2026-02-30";
    CHECK(sg_batch_add_person(batch, &person) == SG_E_INVALID_DATA);
    CHECK(std::string(sg_error_last()).find("2026-02-30") != std::string::npos);
    person.dob = "2016-02-29";
    person.version = 0;
    CHECK(sg_batch_add_person(batch, &person) == SG_E_INVALID_ARGUMENT);
    person.version = SG_PERSON_VERSION + 1;
    CHECK(sg_batch_add_person(batch, &person) == SG_E_VERSION);
    person.version = SG_PERSON_VERSION;
    CHECK(sg_batch_add_person(batch, &person) == SG_OK);
    sg_concern concern = SG_CONCERN_INIT;
    concern.id = "C-1";
    concern.category = "school_attendance";
    concern.recorded = "2026-10-01";
    concern.source = "AG-1";
    concern.status = 99;
    CHECK(sg_batch_add_concern(batch, &concern) == SG_E_INVALID_ARGUMENT);
    concern.status = SG_STATUS_OPEN;
    concern.about_count = 3;  // with a NULL array
    CHECK(sg_batch_add_concern(batch, &concern) == SG_E_INVALID_ARGUMENT);
    size_t n = 0;
    CHECK(sg_batch_size(&n, batch) == SG_OK);
    CHECK(n == 1);
    sg_batch_free(batch);
  }

  TEST_CASE("a failing batch or file leaves the graph unchanged") {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample) == SG_OK);
    const std::string before = saved(graph);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_add_household(batch, "HH-NEW") == SG_OK);
    REQUIRE(sg_batch_add_relation(batch, "sibling_of", "P-ASH-C1", "P-NOBODY") == SG_OK);
    CHECK(sg_graph_apply(graph, batch) == SG_E_NOT_FOUND);
    CHECK(std::string(sg_error_last()).find("P-NOBODY") != std::string::npos);
    CHECK(saved(graph) == before);
    const char bad[] =
        "{\"schema_version\": 1, \"persons\": [{\"id\": \"P-ASH-M\", \"kind\": \"adult\"}]}";
    CHECK(sg_graph_load_buffer(graph, bad, sizeof bad - 1, "dup.json") == SG_E_DUPLICATE);
    CHECK(std::string(sg_error_last()).find("dup.json:1:") != std::string::npos);
    CHECK(saved(graph) == before);
    CHECK(sg_graph_load_file(graph, "/no/such/file.json") == SG_E_IO);
    CHECK(saved(graph) == before);
    sg_batch_free(batch);
    sg_graph_free(graph);
  }

  TEST_CASE("assess through C: levels, contributions and explanations") {
    sg_graph* graph = nullptr;
    sg_rules* rules = nullptr;
    sg_result* result = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, kExample) == SG_OK);
    REQUIRE(sg_rules_load_file(&rules, kRules) == SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    CHECK(sg_assess(&result, graph, rules, &options) == SG_E_INVALID_ARGUMENT);  // no as-of date
    options.as_of = "2026-13-01";
    CHECK(sg_assess(&result, graph, rules, &options) == SG_E_INVALID_DATA);
    options.as_of = "2026-11-01";
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);
    sg_graph_free(graph);  // the result keeps what it needs
    sg_rules_free(rules);
    size_t children = 0, row = 0;
    REQUIRE(sg_result_child_count(&children, result) == SG_OK);
    CHECK(children == 3);
    REQUIRE(sg_result_find_child(&row, result, "P-ASH-C1") == SG_OK);
    CHECK(sg_result_find_child(&row, result, "P-NOBODY") == SG_E_NOT_FOUND);
    REQUIRE(sg_result_find_child(&row, result, "P-ASH-C1") == SG_OK);
    sg_child_result child = SG_CHILD_RESULT_INIT;
    REQUIRE(sg_result_child(&child, result, row) == SG_OK);
    CHECK(std::string(child.id) == "P-ASH-C1");
    CHECK(std::string(child.level_id) == "child_in_need");
    CHECK(sg_result_child(&child, result, 99) == SG_E_RANGE);
    double total = 0;
    for (size_t k = 0; k < child.contribution_count; ++k) {
      sg_contribution c = SG_CONTRIBUTION_INIT;
      REQUIRE(sg_result_contribution(&c, result, row, k) == SG_OK);
      CHECK(c.rule_id != nullptr);
      CHECK(c.value == c.raw * c.decay * c.reach * c.cap_factor);
      total += c.value;
    }
    CHECK(total == doctest::Approx(child.total).epsilon(1e-12));
    const double* scores = nullptr;
    size_t rows = 0, cols = 0;
    REQUIRE(sg_result_scores(&scores, &rows, &cols, result) == SG_OK);
    CHECK(rows == 3);
    CHECK(cols == 4);
    char* text = nullptr;
    size_t size = 0;
    sg_explain_options explain = SG_EXPLAIN_OPTIONS_INIT;
    REQUIRE(sg_result_explain(&text, &size, result, row, &explain) == SG_OK);
    CHECK(std::string(text, size).find("restricted source") != std::string::npos);
    sg_buffer_free(text);
    const char* cleared[] = {"AG-POL-01"};
    explain.format = SG_FORMAT_JSON;
    explain.viewer_cleared = cleared;
    explain.viewer_cleared_count = 1;
    REQUIRE(sg_result_explain(&text, &size, result, row, &explain) == SG_OK);
    CHECK(std::string(text, size).find("\"C-ASH-3\"") != std::string::npos);
    sg_buffer_free(text);
    explain.format = 5;
    CHECK(sg_result_explain(&text, &size, result, row, &explain) == SG_E_INVALID_ARGUMENT);
    sg_result_free(result);
  }

  TEST_CASE("rule pack errors carry file, line and column through C") {
    sg_rules* rules = nullptr;
    const char pack[] =
        "[pack]\nid = \"x\"\nversion = \"1\"\n[[level]]\nid = \"l\"\nmin = 0\n"
        "[[index]]\nid = \"i\"\n[[rule]]\nid = \"r\"\nindex = \"i\"\nheading = \"harm\"\n"
        "for = \"concern\"\nwhen = 'concern.severity >= \"high\"'\npoints = 1\n";
    CHECK(sg_rules_load_buffer(&rules, pack, sizeof pack - 1, "pack.toml") == SG_E_TYPE);
    CHECK(rules == nullptr);
    CHECK(std::string(sg_error_last()).rfind("pack.toml:14:", 0) == 0);
  }
}

TEST_SUITE("capi/c_api") {
  TEST_CASE("places and groups ranked, and propagated contributions, through C") {
    sg_graph* graph = nullptr;
    sg_rules* rules = nullptr;
    sg_result* result = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/peer_network.json") ==
            SG_OK);
    size_t places = 0;
    REQUIRE(sg_graph_count(&places, graph, "place") == SG_OK);
    CHECK(places == 2);
    REQUIRE(sg_rules_load_file(&rules, SAFEGUARD_SOURCE_DIR "/rules/exploitation.toml") == SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-01";
    REQUIRE(sg_assess(&result, graph, rules, &options) == SG_OK);

    size_t count = 0, rank = 0;
    REQUIRE(sg_result_place_count(&count, result) == SG_OK);
    CHECK(count == 3);
    sg_place_result place = SG_PLACE_RESULT_INIT;
    REQUIRE(sg_result_place(&place, result, 0) == SG_OK);
    CHECK(std::string(place.id) == "PL-PNW-TAKEAWAY");
    CHECK(std::string(place.kind) == "place");
    CHECK(std::string(place.label) == "takeaway");
    CHECK(place.own_score > 0);
    CHECK(place.score > place.own_score);
    REQUIRE(sg_result_find_place(&rank, result, "G-PNW-MILL") == SG_OK);
    sg_place_result group = SG_PLACE_RESULT_INIT;
    REQUIRE(sg_result_place(&group, result, rank) == SG_OK);
    CHECK(std::string(group.kind) == "group");
    CHECK(group.own_score == 0);
    CHECK(sg_result_find_place(&rank, result, "P-PNW-C1") == SG_E_NOT_FOUND);
    CHECK(sg_result_place(&place, result, 3) == SG_E_RANGE);
    sg_place_result unset = SG_PLACE_RESULT_INIT;
    unset.version = 0;
    CHECK(sg_result_place(&unset, result, 0) == SG_E_INVALID_ARGUMENT);

    // A place's contributions of an index add up to its score on that index, in order.
    size_t indices = 0;
    REQUIRE(sg_result_index_count(&indices, result) == SG_OK);
    REQUIRE(sg_result_place(&place, result, 0) == SG_OK);
    double sum_over_indices = 0;
    for (size_t i = 0; i < indices; ++i) {
      const char* index_id = nullptr;
      REQUIRE(sg_rules_index_id(&index_id, rules, i) == SG_OK);
      double expected = 0, sum = 0;
      REQUIRE(sg_result_place_index_score(&expected, result, 0, i) == SG_OK);
      for (size_t k = 0; k < place.contribution_count; ++k) {
        sg_contribution c = SG_CONTRIBUTION_INIT;
        REQUIRE(sg_result_place_contribution(&c, result, 0, k) == SG_OK);
        if (std::string(c.index_id) == index_id) sum += c.value;
      }
      CHECK(sum == expected);
      sum_over_indices += expected;
    }
    CHECK(sum_over_indices == doctest::Approx(place.score).epsilon(1e-12));
    sg_contribution first = SG_CONTRIBUTION_INIT;
    REQUIRE(sg_result_place_contribution(&first, result, 0, 0) == SG_OK);
    CHECK(std::string(first.kind) == "rule");
    CHECK(first.restricted == 1);  // the police intelligence about the takeaway
    CHECK(sg_result_place_contribution(&first, result, 0, 99) == SG_E_RANGE);

    // A child's propagated lines name the neighbour, its kind and the relation.
    size_t row = 0;
    REQUIRE(sg_result_find_child(&row, result, "P-PNW-C2") == SG_OK);
    sg_child_result child = SG_CHILD_RESULT_INIT;
    REQUIRE(sg_result_child(&child, result, row) == SG_OK);
    bool via_takeaway = false, capped = false;
    double total = 0;
    for (size_t k = 0; k < child.contribution_count; ++k) {
      sg_contribution c = SG_CONTRIBUTION_INIT;
      REQUIRE(sg_result_contribution(&c, result, row, k) == SG_OK);
      total += c.value;
      if (std::string(c.kind) != "propagated") continue;
      CHECK(std::string(c.rule_id) == "propagation");
      CHECK(c.evidence_id == nullptr);
      CHECK(std::string(c.path) == c.relation);
      if (std::string(c.via_id) == "PL-PNW-TAKEAWAY") {
        via_takeaway = true;
        CHECK(std::string(c.via_kind) == "place");
        CHECK(std::string(c.relation) == "frequents");
      }
      capped = capped || c.cap_factor < 1;
    }
    CHECK(via_takeaway);
    CHECK(capped);
    // The pack keeps contextual risk apart (docs/rules.md, "Contextual risk"): the child's total
    // is its own; every line together gives its own total and its contextual points.
    double contextual = 0;
    int context_level = -1;
    REQUIRE(sg_result_contextual(&contextual, &context_level, result, row) == SG_OK);
    const char* policy = nullptr;
    REQUIRE(sg_result_contextual_policy(&policy, result) == SG_OK);
    CHECK(std::string(policy) == "apart");
    CHECK(contextual > 0);
    CHECK(context_level > child.level);
    CHECK(total == doctest::Approx(child.total + contextual).epsilon(1e-12));
    // A version 1 struct is filled without the version 2 fields (which it does not have).
    struct {
      sg_contribution v1;
      char guard[3 * sizeof(const char*)];
    } old;
    std::memset(&old, 0x5a, sizeof old);
    old.v1.version = 1;
    REQUIRE(sg_result_contribution(&old.v1, result, row, 0) == SG_OK);
    CHECK(old.v1.rule_id != nullptr);
    CHECK(static_cast<unsigned char>(reinterpret_cast<const char*>(&old.v1.kind)[0]) == 0x5a);

    char* text = nullptr;
    size_t size = 0;
    sg_explain_options explain = SG_EXPLAIN_OPTIONS_INIT;
    REQUIRE(sg_result_place_explain(&text, &size, result, 0, &explain) == SG_OK);
    const std::string rendered(text, size);
    sg_buffer_free(text);
    CHECK(rendered.find("Place PL-PNW-TAKEAWAY (takeaway)") == 0);
    // The place's own restricted intelligence is not shown to this reader at all: not as a
    // withheld figure, nor through its rank.
    CHECK(rendered.find("restricted source") == std::string::npos);
    CHECK(rendered.find("rank") == std::string::npos);
    CHECK(rendered.find("C-PNW-3") == std::string::npos);
    CHECK(sg_result_place_explain(&text, &size, result, 7, &explain) == SG_E_RANGE);
    CHECK(text == nullptr);
    CHECK(sg_result_place_count(nullptr, result) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_result_place_count(&count, nullptr) == SG_E_INVALID_ARGUMENT);
    sg_result_free(result);

    // Without propagation there are no places in the result.
    sg_rules* plain = nullptr;
    REQUIRE(sg_rules_load_file(&plain, kRules) == SG_OK);
    REQUIRE(sg_assess(&result, graph, plain, &options) == SG_OK);
    REQUIRE(sg_result_place_count(&count, result) == SG_OK);
    CHECK(count == 0);
    sg_result_free(result);
    sg_rules_free(plain);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }

  TEST_CASE("a concern about a place through a C batch, about an agency is refused") {
    sg_graph* graph = nullptr;
    sg_batch* batch = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_add_agency(batch, "AG-X-POL", "police", nullptr) == SG_OK);
    REQUIRE(sg_batch_add_place(batch, "PL-X-1", "stairwell", nullptr) == SG_OK);
    REQUIRE(sg_batch_add_group(batch, "G-X-1", "peer_group", nullptr) == SG_OK);
    const char* about[] = {"PL-X-1", "G-X-1"};
    sg_concern concern = SG_CONCERN_INIT;
    concern.id = "C-X-1";
    concern.category = "cce_indicator";
    concern.recorded = "2026-10-01";
    concern.source = "AG-X-POL";
    concern.about = about;
    concern.about_count = 2;
    REQUIRE(sg_batch_add_concern(batch, &concern) == SG_OK);
    CHECK(sg_graph_apply(graph, batch) == SG_OK);
    sg_batch_free(batch);
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    const char* agency[] = {"AG-X-POL"};
    concern.id = "C-X-2";
    concern.about = agency;
    concern.about_count = 1;
    REQUIRE(sg_batch_add_concern(batch, &concern) == SG_OK);
    CHECK(sg_graph_apply(graph, batch) == SG_E_INVALID_DATA);
    CHECK(std::string(sg_error_last()).find("not a person, place or group") != std::string::npos);
    sg_batch_free(batch);
    sg_graph_free(graph);
  }

  TEST_CASE("a watched record gives back the changed children's results, a refused batch none") {
    sg_record* record = nullptr;
    sg_rules* rules = nullptr;
    REQUIRE(sg_record_new(&record) == SG_OK);
    REQUIRE(sg_rules_load_file(&rules, kRules) == SG_OK);
    sg_provenance who = SG_PROVENANCE_INIT;
    who.recorded_at = 1'790'000'000;
    who.author = "loader";
    sg_graph* loaded = nullptr;
    REQUIRE(sg_graph_new(&loaded) == SG_OK);
    REQUIRE(sg_graph_load_file(loaded, kExample) == SG_OK);
    const std::string text = saved(loaded);
    sg_graph_free(loaded);
    REQUIRE(sg_record_import_buffer(nullptr, record, text.data(), text.size(), "families.json",
                                    &who) == SG_OK);

    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-01";
    sg_batch* batch = nullptr;
    sg_result* changed = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_amend(batch, "person", "P-ASH-C1", "dob", "2012-03-09") == SG_OK);
    who.recorded_at += 60;
    // Not watched yet: refused, and the batch is not applied.
    CHECK(sg_record_apply_changes(&changed, nullptr, record, batch, &who) == SG_E_INVALID_ARGUMENT);
    CHECK(changed == nullptr);

    sg_result* everyone = nullptr;
    REQUIRE(sg_record_watch(&everyone, record, rules, &options) == SG_OK);
    size_t all = 0;
    REQUIRE(sg_result_child_count(&all, everyone) == SG_OK);
    CHECK(all > 2);
    sg_result_free(everyone);

    unsigned long long revision = 0;
    REQUIRE(sg_record_apply_changes(&changed, &revision, record, batch, &who) == SG_OK);
    CHECK(revision == 2);
    size_t rows = 0;
    REQUIRE(sg_result_child_count(&rows, changed) == SG_OK);
    CHECK(rows >= 1);
    CHECK(rows < all);
    size_t row = 0;
    REQUIRE(sg_result_find_child(&row, changed, "P-ASH-C1") == SG_OK);
    sg_child_result child = SG_CHILD_RESULT_INIT;
    REQUIRE(sg_result_child(&child, changed, row) == SG_OK);

    // The same child in a full assessment of the record.
    sg_result* full = nullptr;
    REQUIRE(sg_record_assess(&full, record, rules, &options, SG_KNOWN_ALL) == SG_OK);
    size_t full_row = 0;
    REQUIRE(sg_result_find_child(&full_row, full, "P-ASH-C1") == SG_OK);
    sg_child_result expected = SG_CHILD_RESULT_INIT;
    REQUIRE(sg_result_child(&expected, full, full_row) == SG_OK);
    CHECK(child.level == expected.level);
    CHECK(std::memcmp(&child.total, &expected.total, sizeof child.total) == 0);
    REQUIRE(child.contribution_count == expected.contribution_count);
    for (size_t k = 0; k < child.contribution_count; ++k) {
      sg_contribution line = SG_CONTRIBUTION_INIT, expected_line = SG_CONTRIBUTION_INIT;
      REQUIRE(sg_result_contribution(&line, changed, row, k) == SG_OK);
      REQUIRE(sg_result_contribution(&expected_line, full, full_row, k) == SG_OK);
      CHECK(std::string(line.rule_id) == expected_line.rule_id);
      CHECK(std::memcmp(&line.value, &expected_line.value, sizeof line.value) == 0);
    }
    sg_result_free(full);
    sg_result_free(changed);
    sg_batch_free(batch);

    // A refused batch (unknown source agency) leaves the record and the watch as they were.
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_add_household(batch, "HH-NEW") == SG_OK);
    REQUIRE(sg_batch_amend(batch, "concern", "C-ASH-1", "source", "AG-UNKNOWN") == SG_OK);
    who.recorded_at += 60;
    changed = nullptr;
    CHECK(sg_record_apply_changes(&changed, &revision, record, batch, &who) == SG_E_NOT_FOUND);
    CHECK(changed == nullptr);
    CHECK(std::strstr(sg_error_last(), "AG-UNKNOWN") != nullptr);
    unsigned long long now = 0;
    REQUIRE(sg_record_revision(&now, record) == SG_OK);
    CHECK(now == 2);
    sg_batch_free(batch);

    // The watch still follows the record: an empty change set for a household alone.
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    REQUIRE(sg_batch_add_household(batch, "HH-NEW") == SG_OK);
    REQUIRE(sg_record_apply_changes(&changed, &revision, record, batch, &who) == SG_OK);
    REQUIRE(sg_result_child_count(&rows, changed) == SG_OK);
    CHECK(rows == 0);
    CHECK(revision == 3);
    sg_result_free(changed);
    sg_batch_free(batch);
    sg_rules_free(rules);
    sg_record_free(record);
  }

  TEST_CASE("amending an event's decision, category and expected date moves the watched timeline") {
    sg_record* record = nullptr;
    sg_rules* rules = nullptr;
    REQUIRE(sg_record_new(&record) == SG_OK);
    REQUIRE(sg_rules_load_file(&rules, kRules) == SG_OK);
    sg_provenance who = SG_PROVENANCE_INIT;
    who.recorded_at = 1'790'000'000;
    who.author = "loader";
    sg_graph* loaded = nullptr;
    REQUIRE(sg_graph_new(&loaded) == SG_OK);
    REQUIRE(sg_graph_load_file(loaded, SAFEGUARD_SOURCE_DIR "/examples/data/timeline.json") ==
            SG_OK);
    const std::string text = saved(loaded);
    sg_graph_free(loaded);
    REQUIRE(sg_record_import_buffer(nullptr, record, text.data(), text.size(), "timeline.json",
                                    &who) == SG_OK);
    sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
    options.as_of = "2026-11-20";
    sg_result* everyone = nullptr;
    REQUIRE(sg_record_watch(&everyone, record, rules, &options) == SG_OK);

    // Every step of a child, as "step status due done" lines, from a result.
    const auto steps = [](const sg_result* result, const char* child) {
      size_t row = 0;
      REQUIRE(sg_result_find_child(&row, result, child) == SG_OK);
      size_t count = 0;
      REQUIRE(sg_result_step_count(&count, result, row) == SG_OK);
      std::string out;
      for (size_t k = 0; k < count; ++k) {
        sg_step step = SG_STEP_INIT;
        REQUIRE(sg_result_step(&step, result, row, k) == SG_OK);
        out += std::string(step.step) + " " + step.status + " " + step.due + " " +
               (step.done_id ? step.done_id : "-") + "\n";
      }
      return out;
    };
    const std::string before = steps(everyone, "P-ELM-C1");
    sg_result_free(everyone);
    // Applies one amendment of E-ELM-6 (the initial conference) and returns the child's steps
    // from the watch, checked against a full assessment of the record; "" when refused.
    const auto amend = [&](const char* field, const char* value) {
      sg_batch* batch = nullptr;
      REQUIRE(sg_batch_new(&batch) == SG_OK);
      REQUIRE(sg_batch_amend(batch, "event", "E-ELM-6", field, value) == SG_OK);
      who.recorded_at += 60;
      sg_result* changed = nullptr;
      const int status = sg_record_apply_changes(&changed, nullptr, record, batch, &who);
      sg_batch_free(batch);
      if (status != SG_OK) return std::string();
      sg_result* full = nullptr;
      REQUIRE(sg_record_assess(&full, record, rules, &options, SG_KNOWN_ALL) == SG_OK);
      const std::string watched = steps(changed, "P-ELM-C1");
      CHECK(watched == steps(full, "P-ELM-C1"));
      sg_result_free(full);
      sg_result_free(changed);
      return watched;
    };
    const auto exported = [&] {
      char* buffer = nullptr;
      size_t size = 0;
      REQUIRE(sg_record_export(&buffer, &size, record, "2026-11-20", SG_KNOWN_ALL) == SG_OK);
      std::string out(buffer, size);
      sg_buffer_free(buffer);
      return out;
    };

    // The conference decided against a plan: no core group, no reviews.
    CHECK(before.find("core_group") != std::string::npos);
    const std::string no_plan = amend("decision", "no_plan");
    CHECK(no_plan.find("initial_conference") != std::string::npos);
    CHECK(no_plan.find("core_group") == std::string::npos);
    CHECK(no_plan.find("review") == std::string::npos);
    CHECK(exported().find("\"decision\": \"no_plan\"") != std::string::npos);
    // A decision the kind does not take is refused and changes nothing.
    unsigned long long revision = 0;
    REQUIRE(sg_record_revision(&revision, record) == SG_OK);
    CHECK(amend("decision", "s47").empty());
    CHECK(std::strstr(sg_error_last(), "E-ELM-6") != nullptr);
    unsigned long long now = 0;
    REQUIRE(sg_record_revision(&now, record) == SG_OK);
    CHECK(now == revision);
    CHECK(sg_batch_amend(nullptr, "event", "E-ELM-6", "decision", "plan") == SG_E_INVALID_ARGUMENT);
    sg_batch* bad = nullptr;
    REQUIRE(sg_batch_new(&bad) == SG_OK);
    CHECK(sg_batch_amend(bad, "event", "E-ELM-6", "decision", "maybe") == SG_E_INVALID_ARGUMENT);
    CHECK(sg_batch_amend(bad, "event", "E-ELM-6", "expected", "2026-02-30") == SG_E_INVALID_DATA);
    sg_batch_free(bad);
    // Category and expected date are kept and exported; clearing the decision restores the
    // timeline the case began with.
    CHECK_FALSE(amend("category", "neglect").empty());
    CHECK(exported().find("\"category\": \"neglect\"") != std::string::npos);
    CHECK(amend("decision", nullptr) == before);
    CHECK(exported().find("no_plan") == std::string::npos);
    sg_rules_free(rules);
    sg_record_free(record);
  }
}
