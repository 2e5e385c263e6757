// Case files: exact round trips, and errors that name the file, line, column and entity.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "safeguard/cin.hpp"
#include "safeguard/io.hpp"
#include "safeguard/process.hpp"
#include "safeguard/rules.hpp"

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kExample = SAFEGUARD_SOURCE_DIR "/examples/data/families.json";

// Loads `text` into a graph that already holds the example, expecting failure; returns the
// error and checks the graph was left exactly as it was.
Error load_failure(const std::string& text) {
  CaseGraph graph;
  load_case_file(graph, kExample);
  const std::string before = save_case(graph);
  try {
    load_case(graph, text, "bad.json");
  } catch (const Error& e) {
    CHECK(save_case(graph) == before);
    return e;
  }
  FAIL("the case file was accepted");
  return Error(Status::ok, "");
}

std::string minimal(const std::string& concerns) {
  return "{\n"
         "  \"schema_version\": 1,\n"
         "  \"agencies\": [{\"id\": \"AG-X\", \"type\": \"school\"}],\n"
         "  \"persons\": [{\"id\": \"P-X\", \"kind\": \"child\"}],\n"
         "  \"concerns\": [\n" +
         concerns + "\n  ]\n}\n";
}

}  // namespace

TEST_SUITE("unit/io") {
  TEST_CASE("load then save then load gives the same bytes") {
    CaseGraph first;
    load_case_file(first, kExample);
    const std::string saved = save_case(first);
    CaseGraph second;
    load_case(second, saved, "saved.json");
    CHECK(save_case(second) == saved);
    CHECK(second.vertex_count() == first.vertex_count());
    CHECK(second.edge_count() == first.edge_count());
    // Every field survives: spot-check the restricted concern and the leap-day birthday.
    const Concern& c = second.concern(*second.find("C-ASH-3"));
    CHECK(c.restricted);
    CHECK(second.id(c.involves.at(0)) == "P-ASH-P");
    CHECK(format_iso_date(second.person(*second.find("P-BIR-C1")).dob) == "2020-02-29");
  }

  TEST_CASE("an impossible date names the file, line, column and entity") {
    const std::string text = minimal(
        "    {\"id\": \"C-X\", \"category\": \"a\", \"severity\": 1, \"recorded\": "
        "\"2026-02-30\",\n"
        "     \"source\": \"AG-X\", \"about\": [\"P-X\"]}");
    const Error e = load_failure(text);
    CHECK(e.status() == Status::invalid_data);
    CHECK(e.where().file == "bad.json");
    CHECK(e.where().line == 6);
    CHECK(e.where().column == 51);  // the "recorded" key
    CHECK(e.where().entity == "C-X");
    CHECK(std::string(e.what()).find("2026-02-30") != std::string::npos);
  }

  TEST_CASE("an unknown id is reported at the entity that uses it") {
    const std::string text = minimal(
        "    {\"id\": \"C-X\", \"category\": \"a\", \"severity\": 1, \"recorded\": "
        "\"2026-02-01\",\n"
        "     \"source\": \"AG-NOPE\", \"about\": [\"P-X\"]}");
    const Error e = load_failure(text);
    CHECK(e.status() == Status::not_found);
    CHECK(e.where().line == 6);
    CHECK(e.where().column == 5);
    CHECK(e.where().entity == "C-X");
    CHECK(std::string(e.what()).find("AG-NOPE") != std::string::npos);
  }

  TEST_CASE("ids that clash with the graph are duplicates and change nothing") {
    const std::string text = minimal(
        "    {\"id\": \"C-ASH-1\", \"category\": \"a\", \"severity\": 1, \"recorded\": "
        "\"2026-02-01\",\n"
        "     \"source\": \"AG-X\", \"about\": [\"P-X\"]}");
    CHECK(load_failure(text).status() == Status::duplicate);
  }

  TEST_CASE("severity out of range, wrong types and unknown fields") {
    auto concern_with = [](const std::string& fields) {
      return minimal(
          "    {\"id\": \"C-X\", \"category\": \"a\", \"recorded\": \"2026-02-01\", \"source\": "
          "\"AG-X\", "
          "\"about\": [\"P-X\"], " +
          fields + "}");
    };
    CHECK(load_failure(concern_with("\"severity\": 9")).status() == Status::invalid_data);
    CHECK(load_failure(concern_with("\"severity\": -1")).status() == Status::invalid_data);
    CHECK(load_failure(concern_with("\"severity\": \"high\"")).status() == Status::type);
    CHECK(load_failure(concern_with("\"severity\": 2.5")).status() == Status::type);
    CHECK(load_failure(concern_with("\"severity\": 2, \"restricted\": \"yes\"")).status() ==
          Status::type);
    CHECK(load_failure(concern_with("\"severity\": 2, \"sevrity\": 2")).status() ==
          Status::invalid_data);
    CHECK(load_failure(concern_with("\"severity\": 2, \"status\": \"pending\"")).status() ==
          Status::invalid_data);
    CHECK(load_failure(concern_with("\"severity\": 2, \"severity\": 3")).status() ==
          Status::duplicate);
    // Past the range of a signed 64-bit number: said to be out of range, not wrapped to -1.
    for (const char* huge : {"18446744073709551615", "9223372036854775808", "1000001"}) {
      const Error e = load_failure(concern_with("\"severity\": " + std::string(huge)));
      CAPTURE(e.what());
      CHECK(e.status() == Status::invalid_data);
      CHECK(std::string(e.what()).find("\"severity\" is out of range") != std::string::npos);
      CHECK(std::string(e.what()).find("-1") == std::string::npos);
    }
  }

  TEST_CASE("syntax errors give line and column") {
    const Error e = load_failure("{\n  \"schema_version\": 1,\n  \"persons\": [,]\n}");
    CHECK(e.status() == Status::parse);
    CHECK(e.where().line == 3);
    CHECK(e.where().column == 15);  // the stray ','
  }

  TEST_CASE("schema version is required and checked") {
    CHECK(load_failure("{\"persons\": []}").status() == Status::version);
    CHECK(load_failure("{\"schema_version\": 99}").status() == Status::version);
    CHECK(load_failure("[1, 2]").status() == Status::type);
    CHECK(load_failure("").status() == Status::parse);
  }

  TEST_CASE("invalid UTF-8, deep nesting and size limits are refused") {
    CHECK(load_failure("{\"schema_version\": 1, \"description\": \"\xc3\x28\"}").status() ==
          Status::encoding);
    std::string deep = "{\"schema_version\": 1, \"description\": ";
    for (int i = 0; i < 100000; ++i) deep += '[';
    CHECK(load_failure(deep).status() == Status::limit);
    CaseGraph graph;
    CaseFileLimits small;
    small.max_bytes = 10;
    CHECK_THROWS_AS(load_case(graph, "{\"schema_version\": 1}", "x.json", small), Error);
  }

  TEST_CASE("a missing file is an I/O error naming the path") {
    CaseGraph graph;
    try {
      load_case_file(graph, "/nonexistent/case.json");
      FAIL("loaded a missing file");
    } catch (const Error& e) {
      CHECK(e.status() == Status::io);
      CHECK(e.where().file == "/nonexistent/case.json");
    }
  }

  TEST_CASE("a directory given as any input file is refused as not a regular file") {
    // Every reader, through the shared file helpers: a directory opens and (seeked to its end)
    // reports a huge size, which was once reported as "larger than 4194304 bytes".
    const std::string directory = SAFEGUARD_SOURCE_DIR "/examples";
    const auto refused = [&](const char* what, const auto& load) {
      CAPTURE(what);
      try {
        load();
        FAIL("read a directory");
      } catch (const Error& e) {
        CHECK(e.status() == Status::io);
        CHECK(e.where().file == directory);
        CHECK(std::string(e.what()).find("is a directory") != std::string::npos);
        CHECK(std::string(e.what()).find("larger than") == std::string::npos);
      }
    };
    refused("rule pack", [&] { RuleSet::load_file(directory); });
    refused("process file", [&] { Process::load_file(directory); });
    refused("local process file",
            [&] { Process::load_local_file(directory, *Process::bundled(Nation::england)); });
    refused("census return", [&] { cin::read_file(directory); });
    refused("case file", [&] {
      CaseGraph graph;
      load_case_file(graph, directory);
    });
  }

  TEST_CASE("the bundled example file is itself in canonical form") {
    CaseGraph graph;
    load_case_file(graph, kExample);
    CaseGraph again;
    load_case(again, save_case(graph), "x");
    CHECK(save_case(again) == save_case(graph));
    CHECK(read(kExample).find("\"schema_version\": 1") != std::string::npos);
  }
}
