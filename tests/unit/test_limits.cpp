// Limits (docs/limits.md): every size, depth and count limit has a default and an override,
// and input past it fails with SG_E_LIMIT and a message that names the limit and the place,
// leaving existing state as it was. Limits are lowered here so the inputs stay small.
#include <doctest/doctest.h>

#include <pthread.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "interpreter.hpp"  // private (src/)
#include "safeguard.h"
#include "safeguard/io.hpp"
#include "safeguard/rules.hpp"

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

const char* kHead = R"([pack]
id = "limits"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 5
[[index]]
id = "risk"
)";

std::string rule(int n, const std::string& when = "true") {
  return "[[rule]]\nid = \"r" + std::to_string(n) +
         "\"\nindex = \"risk\"\nheading = \"harm\"\nfor = \"concern\"\nwhen = \"" + when +
         "\"\npoints = 1\n";
}

std::string saved(const sg_graph* graph) {
  char* buffer = nullptr;
  std::size_t size = 0;
  REQUIRE(sg_graph_save_buffer(&buffer, &size, graph) == SG_OK);
  std::string out(buffer, size);
  sg_buffer_free(buffer);
  return out;
}

// Loads `text` into a graph made with `limits` that already holds a household; expects
// SG_E_LIMIT with `fragment`, and the graph unchanged.
void expect_case_limit(const sg_limits& limits, const std::string& text,
                       const std::string& fragment) {
  sg_graph* graph = nullptr;
  REQUIRE(sg_graph_new_with_limits(&graph, &limits) == SG_OK);
  const std::string seed = R"({"schema_version": 1, "households": [{"id": "HH-LIM"}]})";
  REQUIRE(sg_graph_load_buffer(graph, seed.data(), seed.size(), "seed.json") == SG_OK);
  const std::string before = saved(graph);
  CHECK(sg_graph_load_buffer(graph, text.data(), text.size(), "big.json") == SG_E_LIMIT);
  const std::string message = sg_error_last();
  CAPTURE(message);
  CHECK(message.find(fragment) != std::string::npos);
  CHECK(message.rfind("big.json", 0) == 0);
  CHECK(saved(graph) == before);
  sg_graph_free(graph);
}

void expect_pack_limit(const sg_limits& limits, const std::string& text,
                       const std::string& fragment) {
  sg_rules* rules = nullptr;
  CHECK(sg_rules_load_buffer_with_limits(&rules, text.data(), text.size(), "big.toml", &limits) ==
        SG_E_LIMIT);
  CHECK(rules == nullptr);
  const std::string message = sg_error_last();
  CAPTURE(message);
  CHECK(message.find(fragment) != std::string::npos);
  CHECK(message.rfind("big.toml", 0) == 0);
}

// Runs `work` on a thread with a 1 MiB stack, the size many hosts give worker threads (and
// Windows gives every thread). A parser that recursed once per input element overflowed it,
// killing the host; returning here means the input was refused, or accepted, within it.
void on_small_stack(const std::function<void()>& work) {
  pthread_attr_t attributes;
  REQUIRE(pthread_attr_init(&attributes) == 0);
  REQUIRE(pthread_attr_setstacksize(&attributes, 1u << 20) == 0);
  pthread_t thread;
  auto run = [](void* argument) -> void* {
    (*static_cast<const std::function<void()>*>(argument))();
    return nullptr;
  };
  REQUIRE(pthread_create(&thread, &attributes, run, const_cast<std::function<void()>*>(&work)) ==
          0);
  REQUIRE(pthread_join(thread, nullptr) == 0);
  pthread_attr_destroy(&attributes);
}

// Loads `text` as a pack on a 1 MiB stack; returns the error (status ok when it loaded).
Error pack_error_on_small_stack(const std::string& text) {
  Error caught(Status::ok, "loaded", Location{});
  on_small_stack([&] {
    try {
      RuleSet::load_string(text, "deep.toml");
    } catch (const Error& e) {
      caught = e;
    }
  });
  return caught;
}

std::string repeated(const std::string& part, const std::string& separator, int count) {
  std::string out = part;
  for (int i = 1; i < count; ++i) out += separator + part;
  return out;
}

}  // namespace

TEST_SUITE("unit/limits") {
  TEST_CASE("the defaults are the documented ones") {
    const CaseFileLimits files;
    CHECK(files.max_bytes == 8ull * 1024 * 1024 * 1024);
    CHECK(files.max_depth == 32);
    CHECK(files.max_string_bytes == 64u * 1024);
    const GraphLimits graph_limits;
    CHECK(graph_limits.max_id_bytes == 256);
    CHECK(graph_limits.max_text_bytes == 64u * 1024);
    CHECK(graph_limits.max_vertices == 50'000'000u);
    CHECK(graph_limits.max_list_items == 10'000);
    const PackLimits pack;
    CHECK(pack.max_bytes == 4u * 1024 * 1024);
    CHECK(pack.max_rules == 10'000);
    CHECK(pack.max_overrides == 10'000);
    CHECK(pack.max_levels == 32);
    CHECK(pack.max_indices == 256);
    CHECK(pack.expressions.max_length == 4096);
    CHECK(pack.expressions.max_depth == 48);
    CHECK(pack.expressions.max_stack == 64);
    // A graph made with SG_LIMITS_INIT (all zero: defaults) accepts what sg_graph_new does.
    sg_limits defaults = SG_LIMITS_INIT;
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new_with_limits(&graph, &defaults) == SG_OK);
    CHECK(sg_graph_load_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json") == SG_OK);
    sg_graph_free(graph);
    sg_rules* rules = nullptr;
    CHECK(sg_rules_load_file_with_limits(&rules, SAFEGUARD_SOURCE_DIR "/rules/default.toml",
                                         &defaults) == SG_OK);
    // A pack loaded with limits is the same pack, lint findings included.
    sg_rules* plain = nullptr;
    REQUIRE(sg_rules_load_file(&plain, SAFEGUARD_SOURCE_DIR "/rules/default.toml") == SG_OK);
    sg_rules_info a = SG_RULES_INFO_INIT, b = SG_RULES_INFO_INIT;
    REQUIRE(sg_rules_info_get(&a, rules) == SG_OK);
    REQUIRE(sg_rules_info_get(&b, plain) == SG_OK);
    CHECK(std::string(a.hash) == b.hash);
    std::size_t lint_a = 0, lint_b = 1;
    REQUIRE(sg_rules_lint_count(&lint_a, rules) == SG_OK);
    REQUIRE(sg_rules_lint_count(&lint_b, plain) == SG_OK);
    CHECK(lint_a == lint_b);
    sg_rules_free(plain);
    sg_rules_free(rules);
  }

  TEST_CASE("case files: size, nesting and string length") {
    sg_limits limits = SG_LIMITS_INIT;
    limits.max_file_bytes = 200;
    expect_case_limit(limits,
                      R"({"schema_version": 1, "description": ")" + std::string(300, 'x') + "\"}",
                      "case file is larger than 200 bytes");
    limits = SG_LIMITS_INIT;
    limits.max_depth = 4;
    expect_case_limit(limits, R"({"schema_version": 1, "x": [[[[[1]]]]]})",
                      "nested deeper than 4 levels");
    limits = SG_LIMITS_INIT;
    limits.max_string_bytes = 16;
    expect_case_limit(limits, R"({"schema_version": 1, "description": "seventeen bytes!!"})",
                      "string longer than 16 bytes");
  }

  TEST_CASE("a case file on disk larger than the limit is refused before it is read") {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("safeguard-limits-" + std::to_string(::getpid()) + ".json"))
                                 .string();
    {
      std::ofstream out(path);
      out << R"({"schema_version": 1, "description": ")" << std::string(5000, 'x') << "\"}";
    }
    sg_limits limits = SG_LIMITS_INIT;
    limits.max_file_bytes = 1000;
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new_with_limits(&graph, &limits) == SG_OK);
    CHECK(sg_graph_load_file(graph, path.c_str()) == SG_E_LIMIT);
    CHECK(std::string(sg_error_last()) == path + ": file is larger than 1000 bytes");
    sg_graph_free(graph);
    std::remove(path.c_str());
  }

  TEST_CASE("graphs: id and text length, list items and entity count") {
    sg_limits limits = SG_LIMITS_INIT;
    limits.max_id_bytes = 8;
    expect_case_limit(limits, R"({"schema_version": 1, "households": [{"id": "HH-TOO-LONG"}]})",
                      "entity 'HH-TOO-LONG': id is longer than 8 bytes");
    limits = SG_LIMITS_INIT;
    limits.max_text_bytes = 10;
    expect_case_limit(limits,
                      R"({"schema_version": 1, "places": [{"id": "PL-1", "kind": "park",
                          "name": "A very long fictional name"}]})",
                      "place name is longer than 10 bytes");
    limits = SG_LIMITS_INIT;
    limits.max_list_items = 2;
    expect_case_limit(limits,
                      R"({"schema_version": 1, "persons": [{"id": "P-L1", "kind": "child",
                          "flags": ["a", "b", "c"]}]})",
                      "too many flags");
    limits = SG_LIMITS_INIT;
    limits.max_entities = 3;  // the seed household is one
    expect_case_limit(limits,
                      R"({"schema_version": 1, "households": [{"id": "HH-A"}, {"id": "HH-B"},
                          {"id": "HH-C"}]})",
                      "entity 'HH-C': the graph would exceed its limit of 3 entities");
    // The same limit holds for batches through the C API.
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new_with_limits(&graph, &limits) == SG_OK);
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    for (const char* id : {"HH-1", "HH-2", "HH-3", "HH-4"})
      REQUIRE(sg_batch_add_household(batch, id) == SG_OK);
    CHECK(sg_graph_apply(graph, batch) == SG_E_LIMIT);
    CHECK(std::string(sg_error_last()).find("batch item 3: ") != std::string::npos);
    std::size_t count = 1;
    REQUIRE(sg_graph_count(&count, graph, nullptr) == SG_OK);
    CHECK(count == 0);
    sg_batch_free(batch);
    sg_graph_free(graph);
  }

  TEST_CASE("rule packs: size and counts of rules, overrides, levels and indices") {
    sg_limits limits = SG_LIMITS_INIT;
    limits.max_pack_bytes = 100;
    expect_pack_limit(limits, std::string(kHead) + rule(1), "rule pack is larger than 100 bytes");
    limits = SG_LIMITS_INIT;
    limits.max_rules = 2;
    expect_pack_limit(limits, std::string(kHead) + rule(1) + rule(2) + rule(3),
                      "more than 2 rules");
    limits = SG_LIMITS_INIT;
    limits.max_overrides = 1;
    const std::string over =
        "[[override]]\nid = \"o{}\"\nreason = \"r\"\nwhen = \"true\"\n"
        "min_level = \"high\"\n";
    std::string two = over + over;
    two.replace(two.find("{}"), 2, "1");
    two.replace(two.find("{}"), 2, "2");
    expect_pack_limit(limits, std::string(kHead) + two, "more than 1 overrides");
    limits = SG_LIMITS_INIT;
    limits.max_levels = 1;
    expect_pack_limit(limits, kHead, "more than 1 levels");
    limits = SG_LIMITS_INIT;
    limits.max_indices = 1;
    expect_pack_limit(limits, std::string(kHead) + "[[index]]\nid = \"second\"\n",
                      "more than 1 indices");
    // Big packs on disk are refused before they are read.
    limits = SG_LIMITS_INIT;
    limits.max_pack_bytes = 1000;
    sg_rules* rules = nullptr;
    CHECK(sg_rules_load_file_with_limits(&rules, SAFEGUARD_SOURCE_DIR "/rules/default.toml",
                                         &limits) == SG_E_LIMIT);
    CHECK(std::string(sg_error_last()).find("rule pack is larger than 1000 bytes") !=
          std::string::npos);
  }

  TEST_CASE("expressions: length and nesting, with the place in the pack") {
    sg_limits limits = SG_LIMITS_INIT;
    limits.max_expression_length = 20;
    expect_pack_limit(limits, std::string(kHead) + rule(1, "true and true and true and true"),
                      "big.toml:17:9: ");
    expect_pack_limit(limits, std::string(kHead) + rule(1, "true and true and true and true"),
                      "expression is longer than 20 characters");
    limits = SG_LIMITS_INIT;
    limits.max_expression_depth = 3;
    expect_pack_limit(limits, std::string(kHead) + rule(1, "((((true))))"),
                      "expression nests deeper than 3 levels");
    // The stack limit (C++ only: it follows from depth in practice).
    expr::SymbolTable symbols;
    expr::CompileLimits tight;
    tight.max_stack = 2;
    try {
      expr::compile("1 + (2 + (3 + 4)) > 0", expr::Scope::child, expr::Type::boolean, symbols,
                    Location{"stack.toml", 7, 9}, tight);
      FAIL("compiled past the stack limit");
    } catch (const Error& e) {
      CHECK(e.status() == Status::limit);
      CHECK(std::string(e.what()).rfind("stack.toml:7:9: ", 0) == 0);
      CHECK(e.reason().find("more than 2 stack slots") != std::string::npos);
    }
  }

  TEST_CASE("TOML key paths: dotted keys and headers nest at most 64 tables, on a 1 MiB stack") {
    // 200,000 parts (400 KB): toml++ recursed once per part and overflowed the stack.
    Error e =
        pack_error_on_small_stack(std::string(kHead) + repeated("a", ".", 200'000) + " = 1\n");
    CHECK(e.status() == Status::limit);
    CHECK(e.reason().find("more than 64 tables deep") != std::string::npos);
    CHECK(e.where().file == "deep.toml");
    CHECK(e.where().line == 12);
    // Under [[index]] (two levels), the 62nd dot makes the 65th level.
    CHECK(e.where().column == 124);
    e = pack_error_on_small_stack(std::string(kHead) + "[" + repeated("t", " . ", 200'000) + "]\n");
    CHECK(e.status() == Status::limit);
    CHECK(e.where().line == 12);
    CHECK(e.where().column == 64 * 4);  // the 64th dot
    // Table headers and dotted keys add up, through inline tables too; quoted parts may hold dots.
    e = pack_error_on_small_stack(std::string(kHead) + "[" + repeated("t", ".", 30) + "]\n" +
                                  "x = { " + repeated("\"a.b\"", ".", 20) + " = { " +
                                  repeated("c", ".", 20) + " = 1 } }\n");
    CHECK(e.status() == Status::limit);
    CHECK(e.where().line == 13);
    e = pack_error_on_small_stack(std::string(kHead) + "x = " + repeated("{ a.a = ", "", 40) + "1" +
                                  std::string(40, '}') + "\n");
    CHECK(e.status() == Status::limit);
    // Arrays and inline tables: toml++ allowed 256 levels, at over a kilobyte of stack each.
    e = pack_error_on_small_stack(std::string(kHead) + "x = " + std::string(255, '[') +
                                  std::string(255, ']') + "\n");
    CHECK(e.status() == Status::parse);
    CHECK(e.reason().find("nest deeper than 32 levels") != std::string::npos);
    CHECK(e.where().line == 12);
    CHECK(e.where().column == 5 + 32);
    e = pack_error_on_small_stack(std::string(kHead) + "x = " + std::string(32, '[') + "{ a = 1 }" +
                                  std::string(32, ']') + "\n");
    CHECK(e.status() == Status::parse);
    e = pack_error_on_small_stack(std::string(kHead) + "x = " + std::string(32, '[') +
                                  std::string(32, ']') + "\n");
    CHECK(e.status() == Status::invalid_data);  // parsed; then 'x' is an unknown key
    // At the limit the pack parses (and is refused for its unknown key, as any pack would be).
    e = pack_error_on_small_stack(std::string(kHead) + "[" + repeated("t", ".", 32) + "]\n" +
                                  repeated("a", ".", 32) + " = '#[a.b.c]'  # x.y.z\n");
    CHECK(e.status() == Status::invalid_data);
    CHECK(e.reason().find("unknown key 't'") != std::string::npos);
    // Dots in values and strings are not key parts.
    e = pack_error_on_small_stack(std::string(kHead) + "title = \"" + repeated("a", ".", 200) +
                                  "\"\nx = [" + repeated("1.5", ", ", 200) + "]\n");
    CHECK(e.status() == Status::invalid_data);
    CHECK(e.reason().find("unknown key 'x'") != std::string::npos);
  }

  TEST_CASE("expressions: chains of operators are at most 256 tall, on a 1 MiB stack") {
    // A chain the length limit allows (2,045 terms, no parentheses, so the depth limit does not
    // see it) built a tree as tall as the chain is long, and overflowed the stack compiling it.
    const std::string chain = repeated("1", "+", 2045);
    REQUIRE(chain.size() + 4 <= 4096);
    Error e = pack_error_on_small_stack(std::string(kHead) + rule(1, chain + " > 0"));
    CHECK(e.status() == Status::limit);
    CHECK(e.reason().find("more than 256 operators applied one after another") !=
          std::string::npos);
    CHECK(e.where().file == "deep.toml");
    CHECK(e.where().line == 17);
    // 256 terms make a tree 256 tall (a comparison after 255 terms, too): accepted, in every kind
    // of chain, also inside an aggregate.
    e = pack_error_on_small_stack(
        std::string(kHead) + rule(1, repeated("1", "+", 255) + " > 0") +
        rule(2, repeated("true", " or ", 256)) +
        rule(3, "count(concerns where " + repeated("1", " * ", 250) + " > 1) > 0"));
    CHECK(e.status() == Status::ok);
    e = pack_error_on_small_stack(std::string(kHead) + rule(1, repeated("true", " and ", 257)));
    CHECK(e.status() == Status::limit);
    // Parenthesised chains add up: each group is one operand of the chain around it.
    e = pack_error_on_small_stack(
        std::string(kHead) +
        rule(1, "(" + repeated("1", "+", 200) + ") * " + "(" + repeated("2", "-", 200) + ") > 0"));
    CHECK(e.status() == Status::ok);
  }

  TEST_CASE("C API arguments: strings over 1 MiB and absurd list lengths are refused") {
    sg_batch* batch = nullptr;
    REQUIRE(sg_batch_new(&batch) == SG_OK);
    const std::string huge((1u << 20) + 1, 'a');
    CHECK(sg_batch_add_household(batch, huge.c_str()) == SG_E_INVALID_ARGUMENT);
    CHECK(std::string(sg_error_last()) == "id is longer than 1 MiB");
    sg_person person = SG_PERSON_INIT;
    person.id = "P-1";
    const char* flag = "x";
    person.flags = &flag;
    person.flag_count = 2'000'000;
    CHECK(sg_batch_add_person(batch, &person) == SG_E_INVALID_ARGUMENT);
    CHECK(std::string(sg_error_last()) == "person.flags has too many items");
    std::size_t size = 1;
    REQUIRE(sg_batch_size(&size, batch) == SG_OK);
    CHECK(size == 0);
    sg_batch_free(batch);
  }
}
