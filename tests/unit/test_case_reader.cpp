// The streaming case-file reader: what its error messages may say (never case text, never
// unbounded), and what reading a hostile file costs in memory.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "safeguard.h"
#include "safeguard/io.hpp"

#ifndef SAFEGUARD_TEST_DATA_DIR
#define SAFEGUARD_TEST_DATA_DIR "tests/data"
#endif

namespace {

using namespace safeguard;

// A case file whose one concern has `summary` as its summary (inserted raw, unescaped).
std::string with_summary(const std::string& summary) {
  return "{\"schema_version\": 1,\n"
         " \"agencies\": [{\"id\": \"AG-1\", \"type\": \"police\"}],\n"
         " \"persons\": [{\"id\": \"P-1\", \"kind\": \"child\"}],\n"
         " \"concerns\": [{\"id\": \"C-1\", \"category\": \"neglect\", \"severity\": 2,\n"
         "   \"recorded\": \"2026-01-02\", \"source\": \"AG-1\", \"about\": [\"P-1\"],\n"
         "   \"summary\": \"" +
         summary + "\"}]}\n";
}

const std::string kSecret = "Intel: J. Bloggs deals from Caf";

// True if every byte is printable ASCII (a message never carries control characters or broken
// UTF-8 into a log).
bool printable(const std::string& text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7E) return false;
  }
  return true;
}

Error load_error(const std::string& text) {
  CaseGraph graph;
  try {
    load_case(graph, text, "case.json");
  } catch (const Error& e) {
    return e;
  }
  FAIL("the case file loaded");
  return Error(Status::ok, "");
}

std::string c_api_error(const std::string& text, int& status) {
  sg_graph* graph = nullptr;
  REQUIRE(sg_graph_new(&graph) == SG_OK);
  status = sg_graph_load_buffer(graph, text.data(), text.size(), "case.json");
  const std::string message = sg_error_last();
  sg_graph_free(graph);
  return message;
}

std::size_t resident_kib() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) / 1024;
}

}  // namespace

TEST_SUITE("unit/case_reader") {
  TEST_CASE("a Latin-1 byte in a summary: the message does not quote the summary") {
    const std::string text = with_summary(kSecret + "\xE9 ");
    const Error e = load_error(text);
    CHECK(e.status() == Status::encoding);
    CHECK(e.where().line == 6);
    CHECK(std::string(e.what()).find("Bloggs") == std::string::npos);
    CHECK(printable(e.what()));
    int status = 0;
    const std::string message = c_api_error(text, status);
    CHECK(status == SG_E_ENCODING);
    CHECK(message.find("case.json:6:") != std::string::npos);
    CHECK(message.find("Bloggs") == std::string::npos);
    CHECK(printable(message));
  }

  TEST_CASE("a raw tab in a summary: the message does not quote the summary") {
    const std::string text = with_summary("Intel: J. Bloggs\tdeals");
    const Error e = load_error(text);
    CHECK(e.status() == Status::parse);
    CHECK(e.where().line == 6);
    CHECK(std::string(e.what()).find("Bloggs") == std::string::npos);
    CHECK(printable(e.what()));
    int status = 0;
    const std::string message = c_api_error(text, status);
    CHECK(status == SG_E_PARSE);
    CHECK(message.find("Bloggs") == std::string::npos);
    CHECK(printable(message));
  }

  TEST_CASE("an unknown field name is quoted bounded and escaped") {
    // Under the string limit: reported as an unknown field, quoting at most 40 bytes.
    const std::string long_key(60 * 1024, 'k');
    std::string text =
        "{\"schema_version\": 1, \"persons\": [{\"id\": \"P-1\", \"kind\": "
        "\"child\", \"" +
        long_key + "\": 1}]}";
    Error e = load_error(text);
    CHECK(e.status() == Status::invalid_data);
    CHECK(std::string(e.what()).size() < 200);
    CHECK(std::string(e.what()).find("unknown field \"kkkk") != std::string::npos);
    int status = 0;
    CHECK(c_api_error(text, status).size() < 200);
    CHECK(status == SG_E_INVALID_DATA);

    // Over it (1 MB): refused as too long, before it is kept anywhere.
    const std::string huge_key(1024 * 1024, 'k');
    text = "{\"schema_version\": 1, \"" + huge_key + "\": 1}";
    e = load_error(text);
    CHECK(e.status() == Status::limit);
    CHECK(std::string(e.what()).size() < 200);
    CHECK(c_api_error(text, status).size() < 200);
    CHECK(status == SG_E_LIMIT);

    // Not printable ASCII: escaped.
    text = "{\"schema_version\": 1, \"Caf\xC3\xA9\\u0009\": 1}";
    e = load_error(text);
    CHECK(e.status() == Status::invalid_data);
    CHECK(e.reason() == "unknown field \"Caf\\xC3\\xA9\\x09\"");
    CHECK(printable(e.what()));
  }

  TEST_CASE("values quoted back in messages are bounded and escaped") {
    const std::string text =
        "{\"schema_version\": 1, \"persons\": [{\"id\": \"P-1\", \"kind\": \"J. Bloggs\\u0009" +
        std::string(1000, 'x') + "\"}]}";
    const Error e = load_error(text);
    CHECK(e.status() == Status::invalid_data);
    CHECK(std::string(e.what()).size() < 200);
    CHECK(printable(e.what()));
  }

  TEST_CASE("an entity id with control characters is shown escaped") {
    const std::string text =
        "{\"schema_version\": 1, \"persons\": [{\"id\": \"P-\\u0007\\u0085-1\", \"kind\": 3}]}";
    const Error e = load_error(text);
    CHECK(e.status() == Status::type);
    CHECK(e.where().entity == "P-\\x07\\x85-1");
    CHECK(printable(e.what()));
  }

  TEST_CASE("a huge unsigned severity is out of range, not wrapped") {
    const std::string text = with_summary("fine");
    std::string huge = text;
    huge.replace(huge.find("\"severity\": 2"), 13, "\"severity\": 18446744073709551615");
    const Error e = load_error(huge);
    CHECK(e.status() == Status::invalid_data);
    CHECK(e.reason() == "\"severity\" is out of range");
  }

  TEST_CASE("sections in any order build the same record") {
    const std::string ordered = with_summary("fine");
    const std::string reordered =
        "{\"concerns\": [{\"id\": \"C-1\", \"category\": \"neglect\", \"severity\": 2,\n"
        "   \"recorded\": \"2026-01-02\", \"source\": \"AG-1\", \"about\": [\"P-1\"],\n"
        "   \"summary\": \"fine\"}],\n"
        " \"persons\": [{\"id\": \"P-1\", \"kind\": \"child\"}],\n"
        " \"agencies\": [{\"id\": \"AG-1\", \"type\": \"police\"}], \"schema_version\": 1}";
    CaseGraph a, b;
    load_case(a, ordered, "a");
    load_case(b, reordered, "b");
    CHECK(save_case(a) == save_case(b));
  }

  // Issue 15, finding 4: the reader before this one built the whole document first, and 200 MB
  // of `{}` reached 7.8 GB before being refused. Now memory does not grow with the file: the
  // child that reads it stays within 32 MiB of what it started with (docs/limits.md).
  TEST_CASE("refusing 200 MB of empty objects takes bounded memory") {
    const std::string path = "case_reader_empty_objects.json";
    {
      std::ofstream out(path, std::ios::binary);
      out << "{\"schema_version\": 1, \"persons\": [{}";
      const std::string chunk = [] {
        std::string c;
        for (int i = 0; i < 65536; ++i) c += ",{}";
        return c;
      }();
      for (std::size_t written = 0; written < 200u * 1000 * 1000; written += chunk.size())
        out << chunk;
      out << "]}\n";
    }
    const std::size_t before = resident_kib();
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      int code = 0;
      try {
        CaseGraph graph;
        load_case_file(graph, path);
        code = 1;
      } catch (const Error& e) {
        code = e.status() == Status::invalid_data && e.where().line == 1 ? 0 : 2;
      } catch (...) {
        code = 3;
      }
      ::_exit(code);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    std::remove(path.c_str());
    struct rusage usage {};
    REQUIRE(::getrusage(RUSAGE_CHILDREN, &usage) == 0);
    const auto peak = static_cast<std::size_t>(usage.ru_maxrss);  // KiB on Linux
    CAPTURE(before);
    CAPTURE(peak);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(peak < before + 32 * 1024);
  }

  TEST_CASE("a string, key or number over the limit: its message and place, from every entry") {
    // The place is where the reader stood when it refused the token: just past a string's or
    // key's closing quote (where the whole string has been seen), and a number's first
    // character (a number is refused before its end, which may be far off).
    const std::string head = "{\"schema_version\": 1,\n \"description\": ";
    struct Case {
      const char* name;
      std::string text;
      std::string message;
      std::size_t at;  // the byte the error points at
    };
    const std::string seventeen = "\"seventeen bytes!!\"";
    const std::string key_head = "{\"schema_version\": 1,\n ";
    std::string escapes = "\"";
    for (int i = 0; i < 9; ++i) escapes += "\\u00e9";  // 18 bytes decoded
    escapes += "\"";
    const std::vector<Case> cases = {
        {"a string", head + seventeen + "}", "string longer than 16 bytes",
         head.size() + seventeen.size()},
        {"a string of escapes", head + escapes + "}", "string longer than 16 bytes",
         head.size() + escapes.size()},
        {"a key", key_head + seventeen + ": 1}", "object key longer than 16 bytes",
         key_head.size() + seventeen.size()},
        {"a number", head + "12345678901234567}", "number longer than 16 bytes", head.size()},
        {"a number with a fraction and an exponent", head + "-1.5e+00000000000001}",
         "number longer than 16 bytes", head.size()},
    };
    CaseFileLimits limits;
    limits.max_string_bytes = 16;
    const std::string path = "case_reader_long_token.json";
    for (const Case& c : cases) {
      CAPTURE(c.name);
      int line = 1, column = 1;
      for (std::size_t i = 0; i < c.at; ++i) {
        if (c.text[i] == '\n') {
          ++line;
          column = 1;
        } else {
          ++column;
        }
      }
      auto check = [&](const Error& e) {
        CHECK(e.status() == Status::limit);
        CHECK(e.reason() == c.message);
        CHECK(e.where().line == line);
        CHECK(e.where().column == column);
      };
      {
        CaseGraph graph;
        CHECK_THROWS_AS(load_case(graph, c.text, "case.json", limits), Error);
        try {
          load_case(graph, c.text, "case.json", limits);
        } catch (const Error& e) {
          check(e);
        }
        CHECK(graph.vertex_count() == 0);
      }
      try {
        parse_case(c.text, "case.json", limits);
        FAIL("parsed");
      } catch (const Error& e) {
        check(e);
      }
      {
        std::ofstream(path, std::ios::binary) << c.text;
        CaseGraph graph;
        try {
          load_case_file(graph, path, limits);
          FAIL("loaded");
        } catch (const Error& e) {
          check(e);
        }
      }
      sg_limits c_limits = SG_LIMITS_INIT;
      c_limits.max_string_bytes = 16;
      sg_graph* graph = nullptr;
      REQUIRE(sg_graph_new_with_limits(&graph, &c_limits) == SG_OK);
      CHECK(sg_graph_load_buffer(graph, c.text.data(), c.text.size(), "case.json") == SG_E_LIMIT);
      CHECK(std::string(sg_error_last()) ==
            "case.json:" + std::to_string(line) + ":" + std::to_string(column) + ": " + c.message);
      sg_graph_free(graph);
    }
    std::remove(path.c_str());
  }
}
