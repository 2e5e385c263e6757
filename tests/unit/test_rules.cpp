// Tests for rule packs (rules.hpp): SHA-256 against the FIPS 180-4 vectors, the bundled default
// pack, the canonical content hash, load errors with file:line:column, and end-to-end scoring
// with small inline packs whose expected scores are worked out by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "interpreter.hpp"  // private (src/)
#include "safeguard/assess.hpp"
#include "safeguard/error.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/rules.hpp"
#include "snapshot_columns.hpp"  // private (src/)
#include "util/sha256.hpp"

#ifndef SAFEGUARD_SOURCE_DIR
// Without a build-provided path, the repository root is the parent of this file's directory.
#define SAFEGUARD_SOURCE_DIR safeguard_test_source_dir()
namespace {
std::string safeguard_test_source_dir() {
  const std::string source = __FILE__;
  const auto slash = source.find_last_of("/\\");
  const std::string tests = slash == std::string::npos ? std::string(".") : source.substr(0, slash);
  const auto parent = tests.find_last_of("/\\");
  return parent == std::string::npos ? std::string("..") : tests.substr(0, parent);
}
}  // namespace
#endif

namespace {

using safeguard::Error;
using safeguard::PackLimits;
using safeguard::RuleSet;
using safeguard::Status;

std::string default_pack_path() {
  return std::string(SAFEGUARD_SOURCE_DIR) + "/rules/default.toml";
}

// Three levels (low 0, mid 5, high 10) and two indices (abuse, neglect); `rest` is appended.
std::string pack_text(const std::string& rest) {
  return "[pack]\n"
         "id = \"test-pack\"\n"
         "version = \"1.0\"\n"
         "\n"
         "[[level]]\n"
         "id = \"low\"\n"
         "min = 0\n"
         "\n"
         "[[level]]\n"
         "id = \"mid\"\n"
         "min = 5\n"
         "\n"
         "[[level]]\n"
         "id = \"high\"\n"
         "min = 10\n"
         "\n"
         "[[index]]\n"
         "id = \"abuse\"\n"
         "\n"
         "[[index]]\n"
         "id = \"neglect\"\n"
         "\n" +
         rest;
}

// A minimal valid concern rule, with `extra` lines added to its table.
std::string concern_rule(const std::string& id, const std::string& extra = "") {
  return "[[rule]]\n"
         "id = \"" +
         id +
         "\"\n"
         "index = \"abuse\"\n"
         "heading = \"harm\"\n"
         "for = \"concern\"\n"
         "points = 1\n" +
         extra + "\n";
}

std::optional<Error> load_error(const std::string& text, const PackLimits& limits = {}) {
  try {
    RuleSet::load_string(text, "pack.toml", limits);
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

// 1-based line of the first occurrence of `needle` in `text` (0 if absent).
int line_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return 0;
  int line = 1;
  for (std::size_t i = 0; i < at; ++i) line += text[i] == '\n';
  return line;
}

// 1-based column of the first occurrence of `needle` in `text` (0 if absent).
int column_of(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return 0;
  const auto line_start = text.rfind('\n', at);
  return static_cast<int>(at - (line_start == std::string::npos ? 0 : line_start + 1)) + 1;
}

}  // namespace

TEST_SUITE("unit/rules") {
  // ---- SHA-256 -------------------------------------------------------------------------------

  TEST_CASE("sha256: FIPS 180-4 empty string") {
    CHECK(safeguard::sha256_hex("") ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  TEST_CASE("sha256: FIPS 180-4 \"abc\"") {
    CHECK(safeguard::sha256_hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  TEST_CASE("sha256: FIPS 180-4 448-bit message (padding spills into a second block)") {
    CHECK(safeguard::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }

  TEST_CASE("sha256: FIPS 180-4 896-bit message") {
    CHECK(safeguard::sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                                "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  }

  TEST_CASE("sha256: FIPS 180-4 one million 'a'") {
    CHECK(safeguard::sha256_hex(std::string(1'000'000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }

  TEST_CASE("sha256: block-boundary lengths (values from coreutils sha256sum)") {
    CHECK(safeguard::sha256_hex(std::string(55, 'a')) ==
          "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK(safeguard::sha256_hex(std::string(56, 'a')) ==
          "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    CHECK(safeguard::sha256_hex(std::string(63, 'a')) ==
          "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
    CHECK(safeguard::sha256_hex(std::string(64, 'a')) ==
          "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    CHECK(safeguard::sha256_hex(std::string(65, 'a')) ==
          "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
    CHECK(safeguard::sha256_hex(std::string(119, 'a')) ==
          "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb");
    CHECK(safeguard::sha256_hex(std::string(120, 'a')) ==
          "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c");
  }

  TEST_CASE("sha256: bytes above 0x7F and embedded NULs are hashed as bytes") {
    const std::string with_nul("a\0b", 3);
    CHECK(safeguard::sha256_hex(with_nul) != safeguard::sha256_hex("ab"));
    CHECK(safeguard::sha256_hex("\xFF").size() == 64);
  }

  // ---- The bundled default pack --------------------------------------------------------------

  TEST_CASE("default pack loads with 4 indices and 4 levels") {
    const auto pack = RuleSet::load_file(default_pack_path());
    REQUIRE(pack);
    CHECK(pack->id() == "safeguard-default");
    CHECK(pack->version() == "0.6.0");  // 0.6.0: a present-danger safety decision
    REQUIRE(pack->indices().size() == 4);
    REQUIRE(pack->levels().size() == 4);
    CHECK(pack->indices()[0].id == "abuse");
    CHECK(pack->indices()[3].id == "exploitation");
    CHECK(pack->levels()[0].id == "universal");
    CHECK(pack->levels()[3].id == "child_protection");
    CHECK(pack->levels()[3].min == 16);
    // 0.3.0 added the FGM and non-mobile-baby bruising overrides (issue 17).
    CHECK(pack->overrides().size() == 5);
    CHECK(pack->rules().size() >= 10);
  }

  TEST_CASE("default pack: levels ascend and every index inherits the level thresholds") {
    const auto pack = RuleSet::load_file(default_pack_path());
    for (std::size_t l = 1; l < pack->levels().size(); ++l) {
      CHECK(pack->levels()[l].min > pack->levels()[l - 1].min);
    }
    for (const auto& index : pack->indices()) {
      REQUIRE(index.thresholds.size() == 4);
      CHECK(index.thresholds[1] == 4);
      CHECK(index.thresholds[2] == 8);
    }
    CHECK(pack->level_for(0, 3.99) == 0);
    CHECK(pack->level_for(0, 4) == 1);
    CHECK(pack->level_for(0, 16) == 3);
    CHECK(pack->level_for(0, -5) == 0);
  }

  TEST_CASE("default pack: hash is 64 lower-case hex digits and matches load_string") {
    const auto pack = RuleSet::load_file(default_pack_path());
    REQUIRE(pack->hash().size() == 64);
    for (char c : pack->hash()) CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
    std::string text;
    {
      std::FILE* f = std::fopen(default_pack_path().c_str(), "rb");
      REQUIRE(f);
      char buffer[4096];
      std::size_t n;
      while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
      std::fclose(f);
    }
    CHECK(RuleSet::load_string(text, "other-name.toml")->hash() == pack->hash());
  }

  TEST_CASE("default pack: rules carry their file location") {
    const auto pack = RuleSet::load_file(default_pack_path());
    REQUIRE_FALSE(pack->rules().empty());
    CHECK(pack->rules()[0].where.file == default_pack_path());
    CHECK(pack->rules()[0].where.line > 0);
    CHECK(pack->rules()[0].id == "physical-injury");
    CHECK(pack->rules()[0].reach[static_cast<int>(safeguard::Role::sibling)] == 0.5);
    CHECK(pack->rules()[0].half_life_days == 365);
  }

  TEST_CASE("load_file on a missing file gives Status::io") {
    try {
      RuleSet::load_file(std::string(SAFEGUARD_SOURCE_DIR) + "/rules/no-such-pack.toml");
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.status() == Status::io);
    }
  }

  TEST_CASE("load_file honours the size limit") {
    PackLimits limits;
    limits.max_bytes = 100;
    try {
      RuleSet::load_file(default_pack_path(), limits);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.status() == Status::limit);
    }
  }

  // ---- The canonical hash --------------------------------------------------------------------

  TEST_CASE("hash ignores comments, whitespace and key order") {
    const std::string a = pack_text(concern_rule("r1",
                                                 "half_life_days = 30\ncap = 4\n"
                                                 "reach = { self = 1.0, sibling = 0.5 }\n"));
    const std::string b =
        "# A comment at the top\n"
        "[pack]\n"
        "version = '1.0'   # literal string, same value\n"
        "id=\"test-pack\"\n"
        "\n\n"
        "[[level]]\n"
        "min = 0\n"
        "id = \"low\"\n"
        "[[level]]\n"
        "   min   =   5\n"
        "id = \"mid\"\n"
        "[[level]]\n"
        "id = \"high\"  # top\n"
        "min = 10\n"
        "[[index]]\n"
        "id = \"abuse\"\n"
        "[[index]]\n"
        "id = \"neglect\"\n"
        "# the rule, keys shuffled\n"
        "[[rule]]\n"
        "reach = {sibling=0.5,self=1.0}\n"
        "points = 1\n"
        "cap = 4\n"
        "for = \"concern\"\n"
        "half_life_days = 30\n"
        "heading = \"harm\"\n"
        "index = \"abuse\"\n"
        "id = \"r1\"\n";
    const auto pa = RuleSet::load_string(a, "a.toml");
    const auto pb = RuleSet::load_string(b, "b.toml");
    CHECK(pa->hash() == pb->hash());
  }

  TEST_CASE("hash changes when a number changes") {
    const auto a = RuleSet::load_string(pack_text(concern_rule("r1", "cap = 4")), "p.toml");
    const auto b = RuleSet::load_string(pack_text(concern_rule("r1", "cap = 5")), "p.toml");
    CHECK(a->hash() != b->hash());
    const auto c = RuleSet::load_string(pack_text(concern_rule("r1", "cap = 4.5")), "p.toml");
    CHECK(a->hash() != c->hash());
  }

  TEST_CASE("hash changes when a string or an expression changes") {
    const auto a = RuleSet::load_string(pack_text(concern_rule("r1")), "p.toml");
    const auto b = RuleSet::load_string(pack_text(concern_rule("r2")), "p.toml");
    const auto c = RuleSet::load_string(
        pack_text(concern_rule("r1", "when = \"concern.severity > 1\"")), "p.toml");
    const auto d = RuleSet::load_string(
        pack_text(concern_rule("r1", "when = \"concern.severity > 2\"")), "p.toml");
    CHECK(a->hash() != b->hash());
    CHECK(c->hash() != d->hash());
    CHECK(a->hash() != c->hash());
  }

  TEST_CASE("hash changes when a title or rationale changes (every value counts)") {
    const auto a = RuleSet::load_string(pack_text(concern_rule("r1", "title = \"A\"")), "p.toml");
    const auto b = RuleSet::load_string(pack_text(concern_rule("r1", "title = \"B\"")), "p.toml");
    CHECK(a->hash() != b->hash());
  }

  TEST_CASE("hash does not depend on the file name") {
    const std::string text = pack_text(concern_rule("r1"));
    CHECK(RuleSet::load_string(text, "x.toml")->hash() ==
          RuleSet::load_string(text, "y.toml")->hash());
  }

  TEST_CASE("hash changes when the order of array items changes") {
    const auto a = RuleSet::load_string(pack_text(concern_rule("r1") + concern_rule("r2")), "p");
    const auto b = RuleSet::load_string(pack_text(concern_rule("r2") + concern_rule("r1")), "p");
    CHECK(a->hash() != b->hash());
  }

  // ---- A small valid pack --------------------------------------------------------------------

  TEST_CASE("inline pack: header, levels, indices and defaults") {
    const auto pack = RuleSet::load_string(pack_text(concern_rule("r1")), "p.toml");
    CHECK(pack->id() == "test-pack");
    CHECK(pack->version() == "1.0");
    CHECK(pack->title() == "test-pack");  // title falls back to the id
    REQUIRE(pack->levels().size() == 3);
    REQUIRE(pack->indices().size() == 2);
    REQUIRE(pack->rules().size() == 1);
    const auto& rule = pack->rules()[0];
    CHECK(rule.title == "r1");
    CHECK(rule.index == 0);
    CHECK(rule.heading == safeguard::Heading::harm);
    CHECK(rule.scope == safeguard::expr::Scope::concern);
    CHECK(rule.half_life_days == 0);
    CHECK(rule.cap == 0);
    CHECK(rule.reach[static_cast<int>(safeguard::Role::self)] == 1.0);
    CHECK(rule.reach[static_cast<int>(safeguard::Role::sibling)] == 0.0);
    CHECK(rule.where.line == line_of(pack_text(concern_rule("r1")), "[[rule]]"));
  }

  TEST_CASE("reach replaces the default: self is 0 unless listed") {
    const auto pack = RuleSet::load_string(
        pack_text(concern_rule("r1", "reach = { carer = 1.0, household = 0.25 }")), "p.toml");
    const auto& reach = pack->rules()[0].reach;
    CHECK(reach[static_cast<int>(safeguard::Role::self)] == 0.0);
    CHECK(reach[static_cast<int>(safeguard::Role::carer)] == 1.0);
    CHECK(reach[static_cast<int>(safeguard::Role::household)] == 0.25);
  }

  TEST_CASE("numeric points and when may be TOML numbers and booleans") {
    const auto pack = RuleSet::load_string(
        pack_text(concern_rule("r1", "when = true") + "[[rule]]\nid = \"r2\"\nindex = \"neglect\"\n"
                                                      "heading = \"strength\"\nfor = \"child\"\n"
                                                      "points = -2.5\n"),
        "p.toml");
    REQUIRE(pack->rules().size() == 2);
    CHECK(pack->rules()[0].when.constant());
    CHECK(pack->rules()[1].points.constant());
    CHECK(pack->rules()[1].scope == safeguard::expr::Scope::child);
  }

  // BUG: src/rules_toml.cpp PackLoader::compile prints a TOML float into expression text with
  // `ostringstream << value` at precision 17, which uses scientific notation for small and large
  // values ("1.0000000000000001e-05"); the expression lexer rejects exponents ("a number must
  // not run into a name"), so `points = 0.00001` fails to load with Status::parse.
  TEST_CASE("small and large float points load") {
    std::string small = concern_rule("r1");
    small.replace(small.find("points = 1"), 10, "points = 0.00001");
    CHECK_FALSE(load_error(pack_text(small)));
    std::string large = concern_rule("r1");
    large.replace(large.find("points = 1"), 10, "points = 1e20");
    CHECK_FALSE(load_error(pack_text(large)));
  }

  // ---- Errors with locations -----------------------------------------------------------------

  TEST_CASE("unknown key in a rule (half_life typo) is invalid_data at that key's line") {
    const std::string text = pack_text(concern_rule("r1", "half_life = 100"));
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->where().file == "pack.toml");
    CHECK(e->where().line == line_of(text, "half_life = 100"));
    CHECK(e->reason().find("half_life") != std::string::npos);
  }

  TEST_CASE("unknown top-level key is invalid_data") {
    const std::string text = pack_text(concern_rule("r1")) + "[extras]\nx = 1\n";
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->reason().find("extras") != std::string::npos);
  }

  TEST_CASE("unknown key in [pack] is invalid_data at its line") {
    std::string text = pack_text(concern_rule("r1"));
    text.replace(text.find("version"), 0, "autor = \"me\"\n");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->where().line == line_of(text, "autor"));
  }

  TEST_CASE("missing [pack] is invalid_data") {
    const auto e = load_error("[[level]]\nid = \"low\"\nmin = 0\n");
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
  }

  TEST_CASE("missing version in [pack] is invalid_data") {
    std::string text = pack_text("");
    text.replace(text.find("version = \"1.0\"\n"), 16, "");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
  }

  TEST_CASE("[pack] version: empty, NUL, unprintable or too long is refused at its place") {
    for (const std::string version :
         {std::string(""), std::string("1\\u0000"), std::string("1\\u001b[31m"),
          std::string("1\\u200e"), std::string(65, '9'), std::string(100000, '9')}) {
      CAPTURE(version.size());
      std::string text = pack_text(concern_rule("r1"));
      text.replace(text.find("\"1.0\""), 5, "\"" + version + "\"");
      const auto e = load_error(text);
      REQUIRE(e);
      CHECK(e->status() == Status::invalid_data);
      CHECK(e->where().line == line_of(text, "version"));
      CHECK(e->where().column == column_of(text, "version = ") + 10);  // the string's quote
      CHECK(e->reason().find("version") != std::string::npos);
      CHECK(std::string(e->what()).size() < 200);
    }
    std::string longest = pack_text(concern_rule("r1"));
    longest.replace(longest.find("\"1.0\""), 5, "\"" + std::string(64, '9') + "\"");
    CHECK_FALSE(load_error(longest));
  }

  TEST_CASE("pack texts refuse NUL and control characters, keep tab and line breaks") {
    // Each text field, in each table that has one, with an escape sequence in it.
    struct Field {
      std::string text;
      const char* needle;  // where the error must point
    };
    const std::string rule_with = concern_rule("r1");
    const Field fields[] = {
        {pack_text(concern_rule("r1", "rationale = \"\\u0000\"")), "rationale"},
        {pack_text(concern_rule("r1", "title = \"R\\u001b[31mone\"")), "title = "},
        {pack_text(concern_rule("r1", "neutral_title = \"a\\u0007\"")), "neutral_title"},
        {pack_text(concern_rule("r1", "plain = \"a\\u0000b\"")), "plain"},
        {pack_text(concern_rule("r1", "title = \"a\\u009bb\"")), "title = "},
        {pack_text(concern_rule("r1", "title = \"a\\u007f\"")), "title = "},
        {pack_text(concern_rule("r1", "title = \"a\\rb\"")), "title = "},
        {pack_text(rule_with) + "[[override]]\nid = \"o1\"\nreason = \"x\\u001b]0;pwned\\u0007\"\n"
                                "when = \"true\"\nmin_level = \"high\"\n",
         "reason"},
    };
    for (const Field& field : fields) {
      CAPTURE(field.text);
      const auto e = load_error(field.text);
      REQUIRE(e);
      CHECK(e->status() == Status::invalid_data);
      CHECK(e->where().line == line_of(field.text, field.needle));
      CHECK(e->where().column > 0);
      CHECK(e->reason().find("control character (U+") != std::string::npos);
    }
    // Level and index titles and the pack's own title and neutral title too.
    for (const std::string& title_of :
         {std::string("id = \"low\"\n"), std::string("id = \"abuse\"\n"),
          std::string("id = \"test-pack\"\n")}) {
      std::string text = pack_text(concern_rule("r1"));
      text.replace(text.find(title_of) + title_of.size(), 0, "title = \"L\\u001bow\"\n");
      const auto e = load_error(text);
      REQUIRE(e);
      CHECK(e->where().line == line_of(text, "title = \"L"));
    }
    // Tab, line feed and CR LF in a multi-line title are free text, not controls.
    CHECK_FALSE(load_error(pack_text(concern_rule("r1", "title = \"a\\tb\\nc\\r\\nd\""))));
    CHECK_FALSE(load_error(pack_text(concern_rule("r1", "title = \"caf\u00e9 \u200d\""))));
    // An unknown key is quoted escaped and in part.
    const auto key =
        load_error(pack_text(concern_rule("r1", "\"k\\u001b" + std::string(500, 'k') + "\" = 1")));
    REQUIRE(key);
    CHECK(key->reason().find('\x1b') == std::string::npos);
    CHECK(key->reason().size() < 120);
  }

  TEST_CASE("a pack without indices or levels is invalid_data") {
    const auto no_index =
        load_error("[pack]\nid = \"p\"\nversion = \"1\"\n[[level]]\nid = \"l\"\nmin = 0\n");
    REQUIRE(no_index);
    CHECK(no_index->status() == Status::invalid_data);
    const auto no_level =
        load_error("[pack]\nid = \"p\"\nversion = \"1\"\n[[index]]\nid = \"i\"\n");
    REQUIRE(no_level);
    CHECK(no_level->status() == Status::invalid_data);
  }

  TEST_CASE("unknown index in a rule is not_found at the index line") {
    std::string rule = concern_rule("r1");
    rule.replace(rule.find("\"abuse\""), 7, "\"abose\"");
    const std::string text = pack_text(rule);
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::not_found);
    CHECK(e->where().line == line_of(text, "\"abose\""));
    CHECK(e->where().column == column_of(text, "\"abose\""));
  }

  TEST_CASE("duplicate rule id is Status::duplicate at the second rule") {
    const std::string text = pack_text(concern_rule("r1") + concern_rule("r1"));
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::duplicate);
    // The second [[rule]] header follows the first rule's 6 lines and a blank line.
    const int first = line_of(text, "[[rule]]");
    CHECK(e->where().line == first + 7);
    CHECK(e->where().column == 1);
    CHECK(e->reason().find("r1") != std::string::npos);
  }

  TEST_CASE("duplicate level and index ids are Status::duplicate") {
    std::string levels = pack_text("");
    levels.replace(levels.find("\"mid\""), 5, "\"low\"");
    CHECK(load_error(levels)->status() == Status::duplicate);
    std::string indices = pack_text("");
    indices.replace(indices.find("\"neglect\""), 9, "\"abuse\"");
    CHECK(load_error(indices)->status() == Status::duplicate);
  }

  TEST_CASE("levels not ascending is invalid_data at the offending min") {
    std::string text = pack_text("");
    text.replace(text.find("min = 10"), 8, "min = 3");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->where().line == line_of(text, "min = 3"));
  }

  TEST_CASE("equal level mins are rejected") {
    std::string text = pack_text("");
    text.replace(text.find("min = 10"), 8, "min = 5");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
  }

  TEST_CASE("a level without min is invalid_data") {
    std::string text = pack_text("");
    text.replace(text.find("min = 10\n"), 9, "");
    CHECK(load_error(text)->status() == Status::invalid_data);
  }

  TEST_CASE("a non-numeric min is a type error") {
    std::string text = pack_text("");
    text.replace(text.find("min = 10"), 8, "min = \"10\"");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().line == line_of(text, "min = \"10\""));
  }

  TEST_CASE("index thresholds naming an unknown level are not_found") {
    std::string text = pack_text("");
    text.replace(text.find("id = \"neglect\"\n"), 15,
                 "id = \"neglect\"\nthresholds = { medium = 3 }\n");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::not_found);
    CHECK(e->where().line == line_of(text, "thresholds"));
  }

  TEST_CASE("index thresholds that do not rise are invalid_data") {
    std::string text = pack_text("");
    text.replace(text.find("id = \"neglect\"\n"), 15,
                 "id = \"neglect\"\nthresholds = { mid = 12 }\n");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->where().line == line_of(text, "thresholds"));
  }

  TEST_CASE("bad heading is invalid_data at the heading line") {
    std::string rule = concern_rule("r1");
    rule.replace(rule.find("\"harm\""), 6, "\"hurt\"");
    const std::string text = pack_text(rule);
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->where().line == line_of(text, "\"hurt\""));
  }

  TEST_CASE("bad 'for' is invalid_data at the for line") {
    std::string rule = concern_rule("r1");
    rule.replace(rule.find("\"concern\""), 9, "\"person\"");
    const std::string text = pack_text(rule);
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->where().line == line_of(text, "for = \"person\""));
  }

  TEST_CASE("missing points is invalid_data") {
    std::string rule = concern_rule("r1");
    rule.replace(rule.find("points = 1\n"), 11, "");
    const auto e = load_error(pack_text(rule));
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
  }

  TEST_CASE("a string id must be a string") {
    std::string rule = concern_rule("r1");
    rule.replace(rule.find("id = \"r1\""), 9, "id = 7");
    const std::string text = pack_text(rule);
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().line == line_of(text, "id = 7"));
  }

  TEST_CASE("an empty id is invalid_data") {
    std::string rule = concern_rule("r1");
    rule.replace(rule.find("id = \"r1\""), 9, "id = \"\"");
    CHECK(load_error(pack_text(rule))->status() == Status::invalid_data);
  }

  TEST_CASE("reach factor above 1 is invalid_data at that value") {
    const std::string text = pack_text(concern_rule("r1", "reach = { self = 1.0, sibling = 1.5 }"));
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->where().line == line_of(text, "sibling = 1.5"));
    CHECK(e->where().column == column_of(text, "1.5"));
  }

  TEST_CASE("negative reach factor is invalid_data") {
    const auto e = load_error(pack_text(concern_rule("r1", "reach = { self = -0.1 }")));
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
  }

  TEST_CASE("unknown reach role is invalid_data") {
    const auto e = load_error(pack_text(concern_rule("r1", "reach = { cousin = 0.5 }")));
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->reason().find("cousin") != std::string::npos);
  }

  TEST_CASE("reach that is not a table is a type error") {
    const auto e = load_error(pack_text(concern_rule("r1", "reach = 0.5")));
    REQUIRE(e);
    CHECK(e->status() == Status::type);
  }

  TEST_CASE("reach on a child rule is invalid_data") {
    std::string rule = concern_rule("r1", "reach = { self = 1.0 }");
    rule.replace(rule.find("\"concern\""), 9, "\"child\"");
    const std::string text = pack_text(rule);
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->where().line == line_of(text, "reach = "));
  }

  TEST_CASE("half_life_days on a child rule is invalid_data") {
    std::string rule = concern_rule("r1", "half_life_days = 30");
    rule.replace(rule.find("\"concern\""), 9, "\"child\"");
    const auto e = load_error(pack_text(rule));
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
  }

  TEST_CASE("half_life_days and cap must be positive") {
    CHECK(load_error(pack_text(concern_rule("r1", "half_life_days = 0")))->status() ==
          Status::invalid_data);
    CHECK(load_error(pack_text(concern_rule("r1", "cap = -1")))->status() == Status::invalid_data);
    CHECK(load_error(pack_text(concern_rule("r1", "cap = \"5\"")))->status() == Status::type);
  }

  TEST_CASE("non-finite numbers are invalid_data") {
    CHECK(load_error(pack_text(concern_rule("r1", "cap = inf")))->status() == Status::invalid_data);
    CHECK(load_error(pack_text(concern_rule("r1", "half_life_days = nan")))->status() ==
          Status::invalid_data);
  }

  TEST_CASE("expression type error in when reports the when line and a column inside the string") {
    const std::string text = pack_text(concern_rule("r1", "when = 'concern.severity == \"x\"'"));
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().file == "pack.toml");
    CHECK(e->where().line == line_of(text, "when = "));
    // The '==' is 17 characters into the expression, which starts one after the quote.
    CHECK(e->where().column == column_of(text, "== \"x\""));
  }

  TEST_CASE("expression parse error in points reports the position inside the string") {
    std::string rule = concern_rule("r1");
    rule.replace(rule.find("points = 1"), 10, "points = \"concern.severity * \"");
    const std::string text = pack_text(rule);
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().line == line_of(text, "points = "));
    // The expression starts after `points = "`; its end (offset 19) is the closing quote.
    CHECK(e->where().column == column_of(text, "points = \"") + 10 + 19);
  }

  TEST_CASE("when of the wrong type is a type error") {
    const auto e = load_error(pack_text(concern_rule("r1", "when = \"concern.severity\"")));
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    const auto n = load_error(pack_text(concern_rule("r1", "when = 3")));
    REQUIRE(n);
    CHECK(n->status() == Status::type);
  }

  TEST_CASE("attribute from the wrong scope in a pack is a type error") {
    const std::string text = pack_text(concern_rule("r1", "when = \"factor.active\""));
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().line == line_of(text, "factor.active"));
    CHECK(e->where().column == column_of(text, "factor.active"));
  }

  // A multi-line string ('''...''' or """...""") starts after three quotes, and TOML drops a
  // newline right after them: errors point at the line the expression is on.
  TEST_CASE("multi-line when string: error points at the expression's own line") {
    const std::string text =
        pack_text(concern_rule("r1", "when = '''\nconcern.severity == \"x\"'''"));
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().line == line_of(text, "concern.severity == "));
    CHECK(e->where().column == 18);
  }

  // Basic strings with escapes (\") are shorter after decoding: columns after an escape
  // still point at the source.
  TEST_CASE("columns after escaped quotes in a basic string point at the source") {
    const std::string text = pack_text(concern_rule(
        "r1", "when = \"concern.category == \\\"x\\\" and concern.severity == \\\"y\\\"\""));
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().line == line_of(text, "when = "));
    CHECK(e->where().column == column_of(text, "== \\\"y"));
  }

  TEST_CASE("TOML syntax error is Status::parse with the line") {
    const std::string text = pack_text(concern_rule("r1", "cap = = 3"));
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().file == "pack.toml");
    CHECK(e->where().line == line_of(text, "cap = = 3"));
  }

  TEST_CASE("TOML duplicate key is Status::parse") {
    const std::string text = pack_text(concern_rule("r1", "points = 2"));
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::parse);
    CHECK(e->where().line == line_of(text, "points = 2"));
  }

  TEST_CASE("[[rule]] written as [rule] is a type error") {
    std::string text = pack_text("[rule]\nid = \"r1\"\n");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
  }

  TEST_CASE("override with unknown min_level is not_found at its line") {
    const std::string text = pack_text(
        "[[override]]\nid = \"o1\"\nreason = \"r\"\nwhen = \"true\"\nmin_level = \"urgent\"\n");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::not_found);
    CHECK(e->where().line == line_of(text, "min_level"));
  }

  TEST_CASE("override that does nothing is invalid_data") {
    const std::string text =
        pack_text("[[override]]\nid = \"o1\"\nreason = \"r\"\nwhen = \"true\"\n");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->reason().find("does nothing") != std::string::npos);
    const auto f = load_error(text + "immediate_safety = false\n");
    REQUIRE(f);
    CHECK(f->status() == Status::invalid_data);
  }

  TEST_CASE("override needs when and reason") {
    CHECK(load_error(pack_text("[[override]]\nid = \"o1\"\nreason = \"r\"\nmin_level = \"mid\"\n"))
              ->status() == Status::invalid_data);
    CHECK(load_error(pack_text("[[override]]\nid = \"o1\"\nwhen = \"true\"\nmin_level = \"mid\"\n"))
              ->status() == Status::invalid_data);
  }

  TEST_CASE("override when is compiled in child scope") {
    const std::string text = pack_text(
        "[[override]]\nid = \"o1\"\nreason = \"r\"\nwhen = \"concern.severity > 3\"\n"
        "min_level = \"mid\"\n");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::type);
    CHECK(e->where().line == line_of(text, "when = "));
  }

  TEST_CASE("immediate_safety must be a boolean") {
    const auto e =
        load_error(pack_text("[[override]]\nid = \"o1\"\nreason = \"r\"\nwhen = "
                             "\"true\"\nimmediate_safety = \"yes\"\n"));
    REQUIRE(e);
    CHECK(e->status() == Status::type);
  }

  TEST_CASE("duplicate override id is Status::duplicate") {
    const std::string o =
        "[[override]]\nid = \"o1\"\nreason = \"r\"\nwhen = \"true\"\nmin_level = \"mid\"\n";
    CHECK(load_error(pack_text(o + o))->status() == Status::duplicate);
  }

  TEST_CASE("unknown key in an override is invalid_data") {
    const std::string text = pack_text(
        "[[override]]\nid = \"o1\"\nreason = \"r\"\nwhen = \"true\"\nmin_level = \"mid\"\n"
        "max_level = \"high\"\n");
    const auto e = load_error(text);
    REQUIRE(e);
    CHECK(e->status() == Status::invalid_data);
    CHECK(e->where().line == line_of(text, "max_level"));
  }

  TEST_CASE("invalid UTF-8 is Status::encoding") {
    const auto e = load_error(pack_text(concern_rule("r1", "title = \"bad \xC3\x28\"")));
    REQUIRE(e);
    CHECK(e->status() == Status::encoding);
    CHECK(e->where().file == "pack.toml");
  }

  TEST_CASE("pack over the size limit is Status::limit") {
    PackLimits limits;
    limits.max_bytes = 64;
    const std::string text = pack_text(concern_rule("r1"));
    REQUIRE(text.size() > 64);
    const auto e = load_error(text, limits);
    REQUIRE(e);
    CHECK(e->status() == Status::limit);
    limits.max_bytes = text.size();
    CHECK_FALSE(load_error(text, limits));
  }

  TEST_CASE("more rules than max_rules is Status::limit") {
    PackLimits limits;
    limits.max_rules = 2;
    const std::string text =
        pack_text(concern_rule("r1") + concern_rule("r2") + concern_rule("r3"));
    const auto e = load_error(text, limits);
    REQUIRE(e);
    CHECK(e->status() == Status::limit);
  }

  TEST_CASE("expression limits are passed to the compiler") {
    PackLimits limits;
    limits.expressions.max_length = 10;
    const auto e =
        load_error(pack_text(concern_rule("r1", "when = \"concern.severity > 1\"")), limits);
    REQUIRE(e);
    CHECK(e->status() == Status::limit);
  }
}

// ---- End-to-end scoring ----------------------------------------------------------------------

namespace {

using safeguard::AssessOptions;
using safeguard::Batch;
using safeguard::CaseGraph;
using safeguard::ConcernSpec;
using safeguard::ConcernStatus;
using safeguard::Contribution;
using safeguard::Day;
using safeguard::PersonKind;
using safeguard::RelationKind;
using safeguard::Results;
using safeguard::Role;

constexpr Day kAsOf = 20000;

ConcernSpec make_concern(const std::string& id, const std::string& category, int severity,
                         Day recorded, std::vector<std::string> about,
                         ConcernStatus status = ConcernStatus::open) {
  ConcernSpec c;
  c.id = id;
  c.category = category;
  c.severity = severity;
  c.recorded = recorded;
  c.source = "police";
  c.about = std::move(about);
  c.status = status;
  return c;
}

// A family: mum (adult) is parent of c1 and c2, who are siblings; c3 is an unrelated child.
// Every child has a date of birth except `nodob`.
Batch family() {
  Batch b;
  b.add(safeguard::AgencySpec{"police", "police", "Police"});
  b.add(safeguard::PersonSpec{"mum", PersonKind::adult, 5000, {}, ""});
  b.add(safeguard::PersonSpec{"c1", PersonKind::child, 17000, {}, ""});
  b.add(safeguard::PersonSpec{"c2", PersonKind::child, 18000, {}, ""});
  b.add(safeguard::PersonSpec{"c3", PersonKind::child, 18500, {}, ""});
  b.add(safeguard::PersonSpec{"nodob", PersonKind::child, safeguard::kNoDay, {}, ""});
  b.add(safeguard::RelationSpec{RelationKind::parent_of, "mum", "c1"});
  b.add(safeguard::RelationSpec{RelationKind::parent_of, "mum", "c2"});
  b.add(safeguard::RelationSpec{RelationKind::sibling_of, "c1", "c2"});
  return b;
}

Results run(const std::string& rules, Batch cases, Day as_of = kAsOf) {
  CaseGraph graph;
  graph.apply(cases);
  const auto pack = RuleSet::load_string(pack_text(rules), "pack.toml");
  return safeguard::assess(pack, safeguard::take_snapshot(graph), AssessOptions{as_of, 1});
}

std::size_t row(const Results& r, const std::string& id) {
  const long found = r.find_child(id);
  REQUIRE(found >= 0);
  return static_cast<std::size_t>(found);
}

const std::string kInjuryRule =
    "[[rule]]\n"
    "id = \"injury\"\n"
    "index = \"abuse\"\n"
    "heading = \"harm\"\n"
    "for = \"concern\"\n"
    "when = 'concern.category == \"injury\"'\n"
    "points = \"concern.severity * 2\"\n"
    "half_life_days = 100\n"
    "reach = { self = 1.0, sibling = 0.5 }\n";

}  // namespace

TEST_SUITE("unit/rules") {
  TEST_CASE("scoring: one half-life halves the points exactly") {
    // Severity 3, 100 days old, half-life 100: 3 * 2 * 0.5 = 3.0.
    const Results r =
        run(kInjuryRule, family().add(make_concern("x1", "injury", 3, kAsOf - 100, {"c1"})));
    const auto c1 = row(r, "c1");
    CHECK(r.score(c1, 0) == 3.0);
    CHECK(r.score(c1, 1) == 0.0);
    CHECK(r.total(c1) == 3.0);
    REQUIRE(r.contribution_count(c1) == 1);
    const Contribution& c = *r.contributions_begin(c1);
    CHECK(c.rule == 0);
    CHECK(c.raw == 6.0);
    CHECK(c.decay == 0.5);
    CHECK(c.reach == 1.0);
    CHECK(c.cap_factor == 1.0);
    CHECK(c.value == 3.0);
    CHECK(c.path == Role::self);
    CHECK(r.vertex_id(c.evidence) == "x1");
    CHECK(r.vertex_id(c.via) == "c1");
  }

  TEST_CASE("scoring: evidence recorded today does not decay") {
    // Severity 2, age 0: 2 * 2 * 1 = 4.
    const Results r =
        run(kInjuryRule, family().add(make_concern("x1", "injury", 2, kAsOf, {"c1"})));
    CHECK(r.score(row(r, "c1"), 0) == 4.0);
  }

  TEST_CASE("scoring: two half-lives quarter the points") {
    // Severity 4, 200 days old: 4 * 2 * 0.25 = 2.
    const Results r =
        run(kInjuryRule, family().add(make_concern("x1", "injury", 4, kAsOf - 200, {"c1"})));
    CHECK(r.score(row(r, "c1"), 0) == 2.0);
  }

  TEST_CASE("scoring: a sibling's concern counts at the sibling reach") {
    // c1's concern seen by c2 through the sibling path: 3 * 2 * 0.5 (decay) * 0.5 (reach) = 1.5.
    const Results r =
        run(kInjuryRule, family().add(make_concern("x1", "injury", 3, kAsOf - 100, {"c1"})));
    const auto c2 = row(r, "c2");
    CHECK(r.score(c2, 0) == 1.5);
    REQUIRE(r.contribution_count(c2) == 1);
    const Contribution& c = *r.contributions_begin(c2);
    CHECK(c.path == Role::sibling);
    CHECK(c.reach == 0.5);
    CHECK(r.vertex_id(c.via) == "c1");
    // The unrelated child sees nothing.
    CHECK(r.score(row(r, "c3"), 0) == 0.0);
    CHECK(r.contribution_count(row(r, "c3")) == 0);
  }

  TEST_CASE("scoring: a carer's concern does not reach when carer is not in the reach table") {
    const Results r =
        run(kInjuryRule, family().add(make_concern("x1", "injury", 3, kAsOf, {"mum"})));
    CHECK(r.score(row(r, "c1"), 0) == 0.0);
    CHECK(r.contribution_count(row(r, "c1")) == 0);
  }

  TEST_CASE("scoring: a concern about two siblings counts once, at the self reach") {
    // About both c1 and c2, age 0, severity 1: each child 1 * 2 = 2 via self, not 2 + 1.
    const Results r =
        run(kInjuryRule, family().add(make_concern("x1", "injury", 1, kAsOf, {"c1", "c2"})));
    CHECK(r.score(row(r, "c1"), 0) == 2.0);
    CHECK(r.score(row(r, "c2"), 0) == 2.0);
    CHECK(r.contribution_count(row(r, "c1")) == 1);
  }

  TEST_CASE("scoring: concerns recorded after as_of and retracted concerns do not score") {
    Batch b = family();
    b.add(make_concern("future", "injury", 5, kAsOf + 1, {"c1"}));
    b.add(make_concern("gone", "injury", 5, kAsOf, {"c1"}, ConcernStatus::retracted));
    const Results r = run(kInjuryRule, b);
    CHECK(r.score(row(r, "c1"), 0) == 0.0);
    // The same case a day later sees the future concern: 5 * 2 = 10, decay 2^(-0) = 1.
    Batch later = family();
    later.add(make_concern("future", "injury", 5, kAsOf + 1, {"c1"}));
    const Results s = run(kInjuryRule, later, kAsOf + 1);
    CHECK(s.score(row(s, "c1"), 0) == 10.0);
  }

  TEST_CASE("scoring: a rule whose when is false contributes nothing") {
    const Results r =
        run(kInjuryRule, family().add(make_concern("x1", "neglect", 5, kAsOf, {"c1"})));
    CHECK(r.contribution_count(row(r, "c1")) == 0);
  }

  TEST_CASE("scoring: a binding cap scales contributions by cap / total") {
    // Severities 3 and 5, no decay: total 8 > cap 5, factor 5/8 = 0.625;
    // values 1.875 and 3.125, sum 5.
    const std::string rule =
        "[[rule]]\nid = \"capped\"\nindex = \"abuse\"\nheading = \"harm\"\nfor = \"concern\"\n"
        "points = \"concern.severity\"\ncap = 5\n";
    Batch b = family();
    b.add(make_concern("x1", "a", 3, kAsOf, {"c1"}));
    b.add(make_concern("x2", "b", 5, kAsOf, {"c1"}));
    const Results r = run(rule, b);
    const auto c1 = row(r, "c1");
    CHECK(r.score(c1, 0) == doctest::Approx(5.0).epsilon(1e-12));
    CHECK(std::fabs(r.score(c1, 0) - 5.0) <= 1e-12);
    REQUIRE(r.contribution_count(c1) == 2);
    double sum = 0;
    for (const Contribution* c = r.contributions_begin(c1); c != r.contributions_end(c1); ++c) {
      CHECK(c->cap_factor == 0.625);
      CHECK(c->value == c->raw * c->decay * c->reach * c->cap_factor);
      sum += c->value;
    }
    CHECK(std::fabs(sum - 5.0) <= 1e-12);
    CHECK(r.contributions_begin(c1)[0].value == 1.875);
    CHECK(r.contributions_begin(c1)[1].value == 3.125);
  }

  TEST_CASE("scoring: a cap that does not bind leaves contributions alone") {
    // Severities 1 and 3: total 4 <= cap 5.
    const std::string rule =
        "[[rule]]\nid = \"capped\"\nindex = \"abuse\"\nheading = \"harm\"\nfor = \"concern\"\n"
        "points = \"concern.severity\"\ncap = 5\n";
    Batch b = family();
    b.add(make_concern("x1", "a", 1, kAsOf, {"c1"}));
    b.add(make_concern("x2", "b", 3, kAsOf, {"c1"}));
    const Results r = run(rule, b);
    const auto c1 = row(r, "c1");
    CHECK(r.score(c1, 0) == 4.0);
    for (const Contribution* c = r.contributions_begin(c1); c != r.contributions_end(c1); ++c) {
      CHECK(c->cap_factor == 1.0);
    }
  }

  TEST_CASE("scoring: a strength factor rule with negative points lowers the score") {
    // Factor strength 2, points = -strength: -2 on neglect; a child rule adds 7 to neglect.
    const std::string rules =
        "[[rule]]\nid = \"adult\"\nindex = \"neglect\"\nheading = \"strength\"\nfor = \"factor\"\n"
        "when = 'factor.kind == \"protective_adult\" and factor.active'\n"
        "points = \"-factor.strength\"\n"
        "[[rule]]\nid = \"base\"\nindex = \"neglect\"\nheading = \"harm\"\nfor = \"child\"\n"
        "points = 7\n";
    Batch b = family();
    safeguard::FactorSpec f;
    f.id = "f1";
    f.kind = "protective_adult";
    f.strength = 2;
    f.start = kAsOf - 10;
    f.protects = {"c1"};
    b.add(f);
    const Results r = run(rules, b);
    const auto c1 = row(r, "c1");
    CHECK(r.score(c1, 1) == 5.0);
    CHECK(r.index_level(c1, 1) == 1);  // 5 reaches "mid"
    // c2 has no factor (and no reach for siblings): 7, still mid.
    CHECK(r.score(row(r, "c2"), 1) == 7.0);
    REQUIRE(r.contribution_count(c1) == 2);
    const Contribution& strength = r.contributions_begin(c1)[0];
    CHECK(strength.raw == -2.0);
    CHECK(r.vertex_id(strength.evidence) == "f1");
  }

  TEST_CASE("scoring: a negative total is capped by magnitude") {
    // Strength 3 and 4 -> -7, cap 2 -> factor 2/7, total -2.
    const std::string rules =
        "[[rule]]\nid = \"s\"\nindex = \"neglect\"\nheading = \"strength\"\nfor = \"factor\"\n"
        "points = \"-factor.strength\"\ncap = 2\n";
    Batch b = family();
    safeguard::FactorSpec f;
    f.id = "f1";
    f.kind = "k";
    f.strength = 3;
    f.protects = {"c1"};
    b.add(f);
    f.id = "f2";
    f.strength = 4;
    b.add(f);
    const Results r = run(rules, b);
    CHECK(std::fabs(r.score(row(r, "c1"), 1) + 2.0) <= 1e-12);
  }

  TEST_CASE("scoring: an ended factor is not active") {
    const std::string rules =
        "[[rule]]\nid = \"s\"\nindex = \"neglect\"\nheading = \"strength\"\nfor = \"factor\"\n"
        "when = \"factor.active\"\npoints = -1\n";
    Batch b = family();
    safeguard::FactorSpec f;
    f.id = "f1";
    f.kind = "k";
    f.start = kAsOf - 100;
    f.end = kAsOf - 1;
    f.protects = {"c1"};
    b.add(f);
    const Results r = run(rules, b);
    CHECK(r.score(row(r, "c1"), 1) == 0.0);
  }

  TEST_CASE("scoring: per-index thresholds override the level mins") {
    // neglect: mid at 2, high at 3 (instead of 5 and 10). A child rule gives 2.5 to each index:
    // abuse stays low (2.5 < 5), neglect reaches mid (2 <= 2.5 < 3).
    std::string text = pack_text(
        "[[rule]]\nid = \"a\"\nindex = \"abuse\"\nheading = \"harm\"\nfor = \"child\"\npoints = "
        "2.5\n"
        "[[rule]]\nid = \"n\"\nindex = \"neglect\"\nheading = \"harm\"\nfor = \"child\"\n"
        "points = 2.5\n");
    text.replace(text.find("id = \"neglect\"\n"), 15,
                 "id = \"neglect\"\nthresholds = { mid = 2, high = 3 }\n");
    const auto pack = RuleSet::load_string(text, "pack.toml");
    REQUIRE(pack->indices()[1].thresholds == std::vector<double>{0, 2, 3});
    CHECK(pack->indices()[0].thresholds == std::vector<double>{0, 5, 10});
    CHECK(pack->level_for(1, 2.5) == 1);
    CHECK(pack->level_for(1, 3) == 2);
    CHECK(pack->level_for(0, 2.5) == 0);
    CaseGraph graph;
    graph.apply(family());
    const Results r =
        safeguard::assess(pack, safeguard::take_snapshot(graph), AssessOptions{kAsOf, 1});
    const auto c1 = row(r, "c1");
    CHECK(r.index_level(c1, 0) == 0);
    CHECK(r.index_level(c1, 1) == 1);
    CHECK(r.score_level(c1) == 1);
    CHECK(r.level(c1) == 1);
    CHECK(r.total(c1) == 5.0);
  }

  TEST_CASE("scoring: the child's level is the highest index level") {
    // abuse 10 (high), neglect 6 (mid).
    const Results r =
        run("[[rule]]\nid = \"a\"\nindex = \"abuse\"\nheading = \"harm\"\nfor = \"child\"\npoints "
            "= 10\n"
            "[[rule]]\nid = \"n\"\nindex = \"neglect\"\nheading = \"harm\"\nfor = "
            "\"child\"\npoints = 6\n",
            family());
    const auto c1 = row(r, "c1");
    CHECK(r.index_level(c1, 0) == 2);
    CHECK(r.index_level(c1, 1) == 1);
    CHECK(r.score_level(c1) == 2);
    CHECK(r.total(c1) == 16.0);
  }

  TEST_CASE("scoring: a policy override raises the level and sets immediate_safety") {
    const std::string rules =
        "[[override]]\nid = \"sa\"\nreason = \"open sexual abuse\"\n"
        "when = 'count(concerns where concern.category == \"sexual_abuse\") >= 1'\n"
        "min_level = \"high\"\nimmediate_safety = true\n";
    Batch b = family();
    b.add(make_concern("x1", "sexual_abuse", 2, kAsOf - 3, {"c1"}));
    const Results r = run(rules, b);
    const auto c1 = row(r, "c1");
    CHECK(r.score(c1, 0) == 0.0);
    CHECK(r.score_level(c1) == 0);
    CHECK(r.level(c1) == 2);
    CHECK(r.immediate_safety(c1));
    REQUIRE(r.overrides_end(c1) - r.overrides_begin(c1) == 1);
    CHECK(*r.overrides_begin(c1) == 0);
    const auto c2 = row(r, "c2");
    CHECK(r.level(c2) == 0);
    CHECK_FALSE(r.immediate_safety(c2));
    CHECK(r.overrides_begin(c2) == r.overrides_end(c2));
  }

  TEST_CASE("scoring: an override never lowers the score level") {
    const std::string rules =
        "[[rule]]\nid = \"a\"\nindex = \"abuse\"\nheading = \"harm\"\nfor = \"child\"\npoints = 6\n"
        "[[override]]\nid = \"o\"\nreason = \"r\"\nwhen = \"true\"\nmin_level = \"low\"\n";
    const Results r = run(rules, family());
    const auto c1 = row(r, "c1");
    CHECK(r.score_level(c1) == 1);
    CHECK(r.level(c1) == 1);
    CHECK_FALSE(r.immediate_safety(c1));
    CHECK(r.overrides_end(c1) - r.overrides_begin(c1) == 1);
  }

  TEST_CASE("scoring: immediate_safety alone keeps the level") {
    const std::string rules =
        "[[override]]\nid = \"o\"\nreason = \"r\"\nwhen = \"child.age < 100\"\n"
        "immediate_safety = true\n";
    const Results r = run(rules, family());
    const auto c1 = row(r, "c1");
    CHECK(r.level(c1) == 0);
    CHECK(r.immediate_safety(c1));
  }

  TEST_CASE("scoring: an override on an unknown age is recorded as not assessable") {
    const std::string rules =
        "[[override]]\nid = \"baby\"\nreason = \"r\"\nwhen = \"child.age < 1\"\n"
        "min_level = \"high\"\n";
    const Results r = run(rules, family());
    const auto n = row(r, "nodob");
    CHECK(r.level(n) == 0);
    REQUIRE(r.not_assessable_end(n) - r.not_assessable_begin(n) == 1);
    const auto& missing = *r.not_assessable_begin(n);
    CHECK(missing.is_override);
    CHECK(missing.rule == 0);
    CHECK(missing.missing == safeguard::expr::Attr::child_age);
    CHECK(r.not_assessable_begin(row(r, "c1")) == r.not_assessable_end(row(r, "c1")));
  }

  TEST_CASE("scoring: a child rule on an unknown age is not assessable and scores nothing") {
    const std::string rules =
        "[[rule]]\nid = \"young\"\nindex = \"abuse\"\nheading = \"complicating\"\nfor = \"child\"\n"
        "when = \"child.age < 18\"\npoints = 3\n";
    const Results r = run(rules, family());
    const auto n = row(r, "nodob");
    CHECK(r.score(n, 0) == 0.0);
    REQUIRE(r.not_assessable_end(n) - r.not_assessable_begin(n) == 1);
    CHECK_FALSE(r.not_assessable_begin(n)->is_override);
    CHECK(r.not_assessable_begin(n)->missing == safeguard::expr::Attr::child_age);
    // c1 (born day 17000) is 8 years old on day 20000: the rule fires.
    CHECK(r.score(row(r, "c1"), 0) == 3.0);
  }

  TEST_CASE("scoring: contributions sum exactly to the index score in listed order") {
    // Odd half-lives and reaches so the values are not exact binary fractions.
    const std::string rules =
        "[[rule]]\nid = \"r1\"\nindex = \"abuse\"\nheading = \"harm\"\nfor = \"concern\"\n"
        "points = \"concern.severity * 1.3\"\nhalf_life_days = 7\n"
        "reach = { self = 1.0, sibling = 0.3, carer = 0.7 }\n"
        "[[rule]]\nid = \"r2\"\nindex = \"neglect\"\nheading = \"danger\"\nfor = \"concern\"\n"
        "points = \"concern.severity / 3\"\nhalf_life_days = 11\ncap = 2.2\n"
        "reach = { self = 1.0, sibling = 0.9, carer = 0.1 }\n"
        "[[rule]]\nid = \"r3\"\nindex = \"abuse\"\nheading = \"danger\"\nfor = \"child\"\n"
        "points = \"count(family_concerns) * 0.7\"\n";
    Batch b = family();
    b.add(make_concern("x1", "a", 3, kAsOf - 3, {"c1"}));
    b.add(make_concern("x2", "b", 5, kAsOf - 5, {"c2"}));
    b.add(make_concern("x3", "c", 2, kAsOf - 13, {"mum"}));
    b.add(make_concern("x4", "d", 4, kAsOf - 1, {"c1"}));
    const Results r = run(rules, b);
    for (std::size_t child = 0; child < r.child_count(); ++child) {
      std::vector<double> sums(r.index_count(), 0.0);
      for (const Contribution* c = r.contributions_begin(child); c != r.contributions_end(child);
           ++c) {
        sums[c->index] += c->value;
      }
      double total = 0;
      for (std::size_t i = 0; i < r.index_count(); ++i) {
        CHECK(sums[i] == r.score(child, i));
        total += r.score(child, i);
      }
      CHECK(total == r.total(child));
    }
    // c1: r1 gets 2 own + 1 sibling + 1 carer concerns, r2 likewise, r3 one line.
    CHECK(r.contribution_count(row(r, "c1")) == 9);
    CHECK(r.score(row(r, "c1"), 0) > 0);
  }

  TEST_CASE("scoring: results metadata") {
    const Results r = run(kInjuryRule, family());
    CHECK(r.child_count() == 4);
    CHECK(r.index_count() == 2);
    CHECK(r.as_of() == kAsOf);
    CHECK(r.find_child("mum") == -1);
    CHECK(r.find_child("nobody") == -1);
    CHECK(r.child_id(row(r, "c2")) == "c2");
    CHECK(r.scores().size() == 8);
  }

  TEST_CASE("scoring: the default pack scores a sibling group end to end") {
    // physical-injury: severity 4, 365 days old (one half-life) -> 4 * 2 * 0.5 = 4 for c1,
    // and 4 * 0.5 (sibling reach) = 2 for c2.
    CaseGraph graph;
    graph.apply(family().add(make_concern("x1", "physical_injury", 4, kAsOf - 365, {"c1"})));
    const auto pack = RuleSet::load_file(default_pack_path());
    const Results r =
        safeguard::assess(pack, safeguard::take_snapshot(graph), AssessOptions{kAsOf, 1});
    CHECK(r.score(row(r, "c1"), 0) == 4.0);
    CHECK(r.score(row(r, "c2"), 0) == 2.0);
    CHECK(r.level(row(r, "c1")) == 1);  // early_help at 4
    CHECK(r.level(row(r, "c2")) == 0);
  }
}
