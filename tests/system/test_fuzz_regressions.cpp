// Inputs the fuzzers in fuzz/ found that broke the library, kept as regression tests. Each
// names the target that found it. Undefined behaviour shows only under the sanitizer build
// (scripts/sanitize.sh), so each test also pins down the defined result.
#include <doctest/doctest.h>

#include "safeguard.h"
#include "safeguard/io.hpp"
#include "safeguard/process.hpp"

using namespace safeguard;

namespace {

const char* kPackHead = R"([pack]
id = "regression"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 3
[[index]]
id = "risk"
)";

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

}  // namespace

TEST_SUITE("system/fuzz_regressions") {
  // fuzz_rule_pack: toml++ 3.3 asserts (and, with NDEBUG, assumes) that a table header's key
  // starts with a key character. "[%index]]" aborted the process in debug builds and was
  // undefined behaviour in release builds.
  TEST_CASE("a table header whose key cannot start a key is a parse error, not an abort") {
    for (const char* header : {"[%index]]", "[[[a]]]", "[&", "[[=", "  [ %x ]"}) {
      CAPTURE(header);
      const std::string text = std::string(kPackHead) + header + "\nid = \"x\"\n";
      try {
        RuleSet::load_string(text, "bad.toml");
        FAIL("loaded a malformed pack");
      } catch (const Error& e) {
        CHECK(e.status() == Status::parse);
        CHECK(e.where().file == "bad.toml");
        CHECK(e.where().line == 12);
        CHECK(e.where().column >= 2);
      }
    }
    // And through the C API, which must return a status.
    const std::string text = std::string(kPackHead) + "[%index]]\n";
    sg_rules* rules = nullptr;
    CHECK(sg_rules_load_buffer(&rules, text.data(), text.size(), "bad.toml") == SG_E_PARSE);
    CHECK(rules == nullptr);
    CHECK(std::string(sg_error_last()).find("bad.toml:12:") == 0);
  }

  // fuzz_rule_pack: toml++ 3.3 reaches a __builtin_unreachable() when it asks whether a code
  // point in U+00A1-U+0499 is whitespace, as after "1." in "self = 1.Й".
  TEST_CASE("a non-ASCII character where toml++ looks for whitespace is a parse error") {
    for (const char* value : {"1.\xd0\x99", "1\xc3\xa9", "true\xce\xa9"}) {
      CAPTURE(value);
      const std::string text = std::string(kPackHead) + "x = " + value + "\n";
      try {
        RuleSet::load_string(text, "odd.toml");
        FAIL("loaded a malformed pack");
      } catch (const Error& e) {
        CHECK(e.status() == Status::parse);
        CHECK(e.where().line == 12);
        CHECK(e.where().column >= 5);
      }
    }
  }

  // fuzz_process: the process reader called toml::parse without the rule-pack reader's scans,
  // so a local process file of two Greek letters ("\xcf\x94\xdf\x94") ended the host in
  // std::terminate (the same toml++ unreachable point as above), and deep nesting could
  // overflow the stack. Both readers now share detail::parse_toml_guarded.
  TEST_CASE("process files: stray non-ASCII and deep nesting are errors, not a crash") {
    const auto england = Process::bundled(Nation::england);
    const std::string deep = "x = " + std::string(40, '[') + std::string(40, ']') + "\n";
    const std::string long_key = "[" + std::string(200, 'a').replace(1, 198, 198, '.') + "]\n";
    for (const std::string& text :
         {std::string("\xcf\x94\xdf\x94"), std::string("[process]\nx = 1.\xd0\x99\n"), deep,
          std::string("[process]\n") + long_key}) {
      CAPTURE(text);
      for (const int how : {0, 1, 2}) {
        try {
          if (how == 1)
            Process::load_local_string(text, "local.toml", *england);
          else if (how == 2)  // the reader the CLI's --process and the C API use
            Process::load_string_for(text, "any.toml", Nation::england_and_wales);
          else
            Process::load_string(text, "national.toml");
          FAIL("loaded a malformed process file");
        } catch (const Error& e) {
          CHECK((e.status() == Status::parse || e.status() == Status::limit));
          CHECK(e.where().line >= 1);
          CHECK(e.where().column >= 1);
        }
      }
    }
  }

  // fuzz_process: a value toml++ lexes as a bare token while the guard's scan sees a string
  // (`x = +"..."`) carried a code point in one of toml++'s "unreachable" ranges (U+00A1-U+0499,
  // U+2C6E-U+3067, U+FB26-U+FEFE) into its noexcept whitespace test: std::terminate. The tables'
  // unreachable points now answer false (toml_setup.hpp), for every reader of TOML.
  TEST_CASE("a code point toml++ thought unreachable, inside a bare value, is a parse error") {
    for (const char* point : {"\xef\xb3\xbf", "\xd0\x99", "\xe3\x80\x81", "\xc2\xa1"}) {
      CAPTURE(point);
      const std::string value = std::string("+\"a") + point + "\"";
      const std::string pack = std::string(kPackHead) + "x = " + value + "\n";
      CHECK_THROWS_AS(RuleSet::load_string(pack, "odd.toml"), Error);
      const std::string local =
          "[process]\nextends = \"england\"\nsource = \"x\"\nx = " + value + "\n";
      CHECK_THROWS_AS(Process::load_string_for(local, "local.toml", Nation::england_and_wales),
                      Error);
    }
    // The fuzzer's input, whole.
    const std::string found =
        "[process]\nexsteptends = +\"eBxxxxx'[\xef\xb3\xbf\"xxxxxxxxxxxxxBxxxxxxx|xxxxxBxx"
        "xxxxxxxxxxxxxxxxBxUUUUUUUUUUUUxxxxxxxo\", s}ya\n";
    CHECK_THROWS_AS(
        Process::load_local_string(found, "found.toml", *Process::bundled(Nation::england)), Error);
  }

  // fuzz_expr: an aggregate over factors subtracted kNoDay (INT_MIN) from the as-of date for a
  // factor without a start date: signed overflow.
  TEST_CASE("aggregates over factors without a start date do not overflow") {
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1,
      "persons": [{"id": "P-RG-C1", "kind": "child", "dob": "2019-01-01"}],
      "factors": [{"id": "F-RG-1", "kind": "safety_plan", "strength": 4,
                   "protects": ["P-RG-C1"]}]})",
              "case.json");
    const std::string pack = std::string(kPackHead) + R"PACK([[rule]]
id = "since"
index = "risk"
heading = "strength"
for = "child"
points = "days_since_last(factors)"
[[rule]]
id = "strongest"
index = "risk"
heading = "strength"
for = "child"
points = "max(factors, factor.strength where factor.active) - abs(-1.5e-3)"
)PACK";
    const auto rules = RuleSet::load_string(pack, "pack.toml");
    const Results results = assess(rules, take_snapshot(graph), {day("2026-11-01"), 1});
    REQUIRE(results.child_count() == 1);
    // No factor has a date, so "days since the last one" is unknown: not assessable.
    REQUIRE(results.not_assessable_end(0) - results.not_assessable_begin(0) == 1);
    CHECK(rules->rules()[results.not_assessable_begin(0)->rule].id == "since");
    CHECK(results.score(0, 0) == doctest::Approx(4 - 1.5e-3));
  }

  // fuzz_c_api: a person's flags were kept in the order of their symbol numbers, which depend
  // on what the graph had interned before (here "neglect", a concern's category, came first),
  // so a saved file loaded into a fresh graph saved its flags in another order. Flags now keep
  // the order they were given in, each once.
  TEST_CASE("saving, loading and saving again keeps a person's flags in the order given") {
    CaseGraph graph;
    load_case(graph, R"({"schema_version": 1,
      "agencies": [{"id": "AG-RG-1", "type": "school"}],
      "persons": [{"id": "P-RG-C0", "kind": "child"}],
      "concerns": [{"id": "C-RG-1", "category": "neglect", "severity": 2,
                    "recorded": "2026-01-05", "source": "AG-RG-1", "about": ["P-RG-C0"]}]})",
              "first.json");
    load_case(graph, R"({"schema_version": 1,
      "persons": [{"id": "P-RG-C1", "kind": "child",
                   "flags": ["cse_indicator", "neglect", "cse_indicator"]}]})",
              "second.json");
    const std::string saved = save_case(graph);
    CHECK(saved.find("\"cse_indicator\",\n        \"neglect\"\n") != std::string::npos);
    CaseGraph copy;
    load_case(copy, saved, "saved.json");
    CHECK(save_case(copy) == saved);
  }
}
