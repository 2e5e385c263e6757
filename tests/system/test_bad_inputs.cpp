// The bad-input corpus (tests/data/bad/, made by generate.py there): every malformed case file,
// rule pack and expression fails with its expected status, a message holding the expected
// fragment and naming a place (file:line:column, and the entity id where one is concerned),
// and leaves the graph or pack that already held data exactly as it was.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <vector>

#include "interpreter.hpp"  // private (src/)
#include "safeguard.h"
#include "safeguard/expr.hpp"
#include "safeguard/rules.hpp"
#include "snapshot_columns.hpp"  // private (src/)
#include "util/sha256.hpp"

#ifndef SAFEGUARD_TEST_DATA_DIR
#define SAFEGUARD_TEST_DATA_DIR "tests/data"
#endif
#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

const std::string kBad = SAFEGUARD_TEST_DATA_DIR "/bad/";

struct Entry {
  std::string path, status, place, fragment, scope, type;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Entry> manifest(const std::string& kind) {
  std::vector<Entry> out;
  std::istringstream lines(read_all(kBad + "manifest.tsv"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      cells.push_back(line.substr(start, tab - start));
    cells.push_back(line.substr(start));
    REQUIRE(cells.size() >= 4);
    cells.resize(6);
    Entry e{cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]};
    if (e.path.compare(0, kind.size() + 1, kind + "/") == 0) out.push_back(e);
  }
  return out;
}

int status_code(const std::string& name) {
  static const std::map<std::string, int> codes = {{"SG_E_INVALID_ARGUMENT", SG_E_INVALID_ARGUMENT},
                                                   {"SG_E_PARSE", SG_E_PARSE},
                                                   {"SG_E_INVALID_DATA", SG_E_INVALID_DATA},
                                                   {"SG_E_NOT_FOUND", SG_E_NOT_FOUND},
                                                   {"SG_E_DUPLICATE", SG_E_DUPLICATE},
                                                   {"SG_E_TYPE", SG_E_TYPE},
                                                   {"SG_E_IO", SG_E_IO},
                                                   {"SG_E_LIMIT", SG_E_LIMIT},
                                                   {"SG_E_VERSION", SG_E_VERSION},
                                                   {"SG_E_ENCODING", SG_E_ENCODING}};
  auto found = codes.find(name);
  REQUIRE_MESSAGE(found != codes.end(), "unknown status " << name);
  return found->second;
}

std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

// The message names the place the manifest asks for.
void check_place(const std::string& message, const std::string& name, const std::string& place) {
  const std::string file = regex_escape(name);
  if (place == "file") {
    CHECK_MESSAGE(message.rfind(name + ": ", 0) == 0, "no file name in: " << message);
    return;
  }
  CHECK_MESSAGE(std::regex_search(message, std::regex("^" + file + ":[0-9]+:[0-9]+: ")),
                "no file:line:column in: " << message);
  if (place == "entity") {
    CHECK_MESSAGE(std::regex_search(message, std::regex("entity '[^']+': ")),
                  "no entity id in: " << message);
  }
}

std::string graph_hash(const sg_graph* graph) {
  char* buffer = nullptr;
  std::size_t size = 0;
  REQUIRE(sg_graph_save_buffer(&buffer, &size, graph) == SG_OK);
  const std::string hash = safeguard::sha256_hex(std::string_view(buffer, size));
  sg_buffer_free(buffer);
  return hash;
}

std::string pack_hash(const sg_rules* rules) {
  sg_rules_info info = SG_RULES_INFO_INIT;
  REQUIRE(sg_rules_info_get(&info, rules) == SG_OK);
  return info.hash;
}

// The expression as a TOML basic string, for the one-rule pack around it.
std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

TEST_SUITE("system/bad_inputs") {
  TEST_CASE("the corpus holds at least 200 malformed inputs of every kind") {
    const std::size_t cases = manifest("case").size(), packs = manifest("pack").size(),
                      exprs = manifest("expr").size();
    CHECK(cases + packs + exprs >= 200);
    CHECK(cases >= 50);
    CHECK(packs >= 50);
    CHECK(exprs >= 30);
  }

  TEST_CASE("malformed case files fail with their status, message and place, graph unchanged") {
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json") ==
            SG_OK);
    const std::string before = graph_hash(graph);
    for (const Entry& e : manifest("case")) {
      CAPTURE(e.path);
      const std::string text = read_all(kBad + e.path);
      const int status = sg_graph_load_buffer(graph, text.data(), text.size(), e.path.c_str());
      const std::string message = sg_error_last();
      CAPTURE(message);
      CHECK(status == status_code(e.status));
      CHECK_MESSAGE(message.find(e.fragment) != std::string::npos, "expected: " << e.fragment);
      check_place(message, e.path, e.place);
      CHECK(graph_hash(graph) == before);
    }
    // Through the file loader too, for one of each status: the same outcome, named by path.
    for (const Entry& e : manifest("case")) {
      if (e.path.find("/001-") == std::string::npos && e.path.find("-feb-30") == std::string::npos)
        continue;
      const std::string path = kBad + e.path;
      CHECK(sg_graph_load_file(graph, path.c_str()) == status_code(e.status));
      CHECK(std::string(sg_error_last()).rfind(path, 0) == 0);
    }
    CHECK(graph_hash(graph) == before);
    sg_graph_free(graph);
  }

  TEST_CASE("malformed rule packs fail with their status, message and place, pack unchanged") {
    sg_rules* existing = nullptr;
    REQUIRE(sg_rules_load_file(&existing, SAFEGUARD_SOURCE_DIR "/rules/default.toml") == SG_OK);
    const std::string before = pack_hash(existing);
    for (const Entry& e : manifest("pack")) {
      CAPTURE(e.path);
      const std::string text = read_all(kBad + e.path);
      sg_rules* loaded = reinterpret_cast<sg_rules*>(std::uintptr_t{0x10});  // must become NULL
      const int status = sg_rules_load_buffer(&loaded, text.data(), text.size(), e.path.c_str());
      const std::string message = sg_error_last();
      CAPTURE(message);
      CHECK(status == status_code(e.status));
      CHECK(loaded == nullptr);
      CHECK_MESSAGE(message.find(e.fragment) != std::string::npos, "expected: " << e.fragment);
      check_place(message, e.path, e.place);
      CHECK(pack_hash(existing) == before);
    }
    sg_rules_free(existing);
  }

  TEST_CASE("malformed expressions fail with their status, message and line and column") {
    using namespace safeguard;
    sg_rules* existing = nullptr;
    REQUIRE(sg_rules_load_file(&existing, SAFEGUARD_SOURCE_DIR "/rules/default.toml") == SG_OK);
    const std::string before = pack_hash(existing);
    for (const Entry& e : manifest("expr")) {
      CAPTURE(e.path);
      const std::string text = read_all(kBad + e.path);
      const expr::Scope scope = e.scope == "child"     ? expr::Scope::child
                                : e.scope == "concern" ? expr::Scope::concern
                                                       : expr::Scope::factor;
      const expr::Type type = e.type == "number" ? expr::Type::number : expr::Type::boolean;
      expr::SymbolTable symbols;
      symbols.intern("neglect");
      try {
        expr::compile(text, scope, type, symbols, Location{e.path, 1, 1});
        FAIL("compiled: " << text);
      } catch (const Error& error) {
        CAPTURE(error.what());
        CHECK(static_cast<int>(error.status()) == status_code(e.status));
        CHECK(error.reason().find(e.fragment) != std::string::npos);
        check_place(error.what(), e.path, e.place);
      }
      // The same text in a rule pack fails the same way, pointing into the pack.
      const std::string pack = std::string("[pack]\nid = \"x\"\nversion = \"1\"\n") +
                               "[[level]]\nid = \"low\"\nmin = 0\n[[index]]\nid = \"i\"\n" +
                               "[[rule]]\nid = \"r\"\nindex = \"i\"\nheading = \"harm\"\nfor = \"" +
                               e.scope + "\"\n" + (type == expr::Type::number ? "points" : "when") +
                               " = " + toml_string(text) + "\n" +
                               (type == expr::Type::number ? "" : "points = 1\n");
      sg_rules* loaded = nullptr;
      const int status = sg_rules_load_buffer(&loaded, pack.data(), pack.size(), "one-rule.toml");
      CAPTURE(sg_error_last());
      CHECK(status == status_code(e.status));
      CHECK(loaded == nullptr);
      check_place(sg_error_last(), "one-rule.toml", "line");
      CHECK(pack_hash(existing) == before);
    }
    sg_rules_free(existing);
  }
}
