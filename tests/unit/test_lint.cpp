// Rule-pack lint: each finding on a pack written to provoke it, none on the bundled packs, and
// the findings through the C API.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "safeguard.h"
#include "safeguard/rules.hpp"

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

// Levels 0/5/10/1000; index "i" is scored by capped rules only (at most 3 + 4 = 7 points), so
// level "top" (1000) is out of reach; "high" (10) only through the override.
const char* kNoisyPack = R"(
[pack]
id = "noisy"
version = "1"

[[level]]
id = "low"
min = 0
[[level]]
id = "mid"
min = 5
[[level]]
id = "high"
min = 10
[[level]]
id = "top"
min = 1000

[[index]]
id = "i"
[[index]]
id = "unused"

[[rule]]
id = "capped"
index = "i"
heading = "harm"
for = "concern"
when = 'concern.category == "x"'
points = "concern.severity"
cap = 3

[[rule]]
id = "never"
index = "i"
heading = "harm"
for = "concern"
when = "1 > 2"
points = 5

[[rule]]
id = "zero"
index = "i"
heading = "harm"
for = "concern"
when = "true"
points = 0

[[rule]]
id = "everyone"
index = "i"
heading = "danger"
for = "child"
when = "true"
points = 4

[[rule]]
id = "unreached"
index = "i"
heading = "harm"
for = "concern"
when = "true"
points = 1
cap = 1
reach = { self = 0 }

[[rule]]
id = "wrong-sign"
index = "i"
heading = "harm"
for = "factor"
when = "factor.active"
points = -1
cap = 1

[[rule]]
id = "mid"
index = "i"
heading = "strength"
for = "factor"
when = "factor.active"
points = 2
cap = 0.5

[[override]]
id = "a"
reason = "r"
when = "child.age < 1"
min_level = "high"

[[override]]
id = "b"
reason = "r"
when = "child.age  <  1"
min_level = "mid"

[[override]]
id = "c"
reason = "r"
when = "child.age < 1"
min_level = "high"

[[override]]
id = "d"
reason = "r"
when = "false"
immediate_safety = true

[[override]]
id = "e"
reason = "r"
when = "child.age > 17"
min_level = "low"

[discretionary]
allow = "none"
)";

bool has(const std::vector<LintWarning>& warnings, const std::string& code,
         const std::string& entity) {
  return std::any_of(warnings.begin(), warnings.end(), [&](const LintWarning& w) {
    return w.code == code && w.where.entity == entity;
  });
}

}  // namespace

TEST_SUITE("unit/lint") {
  TEST_CASE("a loaded pack holds its findings, worked out once at load") {
    const auto pack = RuleSet::load_string(kNoisyPack, "noisy.toml");
    const auto again = lint(*pack);
    REQUIRE(!again.empty());
    REQUIRE(pack->lint_warnings().size() == again.size());
    for (std::size_t i = 0; i < again.size(); ++i) {
      CHECK(pack->lint_warnings()[i].code == again[i].code);
      CHECK(pack->lint_warnings()[i].message == again[i].message);
      CHECK(pack->lint_warnings()[i].where.entity == again[i].where.entity);
    }
  }

  TEST_CASE("every finding on a pack written to provoke it, with its place") {
    const auto pack = RuleSet::load_string(kNoisyPack, "noisy.toml");
    const auto warnings = lint(*pack);
    for (const auto& w : warnings) INFO(w.code << " " << w.where.entity << ": " << w.message);
    CHECK(has(warnings, "unused-index", "unused"));
    CHECK(has(warnings, "rule-never-fires", "never"));
    CHECK(has(warnings, "rule-never-fires", "zero"));
    CHECK(has(warnings, "rule-never-fires", "unreached"));
    CHECK(has(warnings, "rule-always-fires", "everyone"));
    CHECK(has(warnings, "heading-sign", "wrong-sign"));
    CHECK(has(warnings, "heading-sign", "mid"));
    CHECK(has(warnings, "shared-id", "mid"));  // a level and a rule
    CHECK(has(warnings, "contradictory-overrides", "b"));
    CHECK(has(warnings, "overlapping-overrides", "c"));
    CHECK(has(warnings, "override-never-fires", "d"));
    CHECK(has(warnings, "override-no-effect", "e"));
    CHECK(has(warnings, "unreachable-level", "top"));
    CHECK_FALSE(has(warnings, "unreachable-level", "high"));  // the override sets it
    CHECK_FALSE(has(warnings, "unreachable-level", "mid"));
    CHECK_FALSE(has(warnings, "rule-never-fires", "capped"));
    CHECK(warnings.size() == 14);  // "c" also contradicts "b"
    for (const auto& w : warnings) {
      CHECK(w.where.file == "noisy.toml");
      CHECK(w.where.line > 0);
      CHECK(w.message.find(w.where.entity) != std::string::npos);
    }
    // Deterministic: the same findings in the same order.
    const auto again = lint(*pack);
    REQUIRE(again.size() == warnings.size());
    for (std::size_t k = 0; k < again.size(); ++k) CHECK(again[k].message == warnings[k].message);
  }

  TEST_CASE("judgement makes a level reachable one step from a reachable one") {
    std::string pack_text = kNoisyPack;
    pack_text.replace(pack_text.find("allow = \"none\""), 14, "allow = \"raise_only\"");
    const auto warnings = lint(*RuleSet::load_string(pack_text, "noisy.toml"));
    CHECK_FALSE(has(warnings, "unreachable-level", "top"));  // raised from "high"
  }

  TEST_CASE("the bundled default pack lints clean") {
    const auto pack = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    const auto warnings = lint(*pack);
    for (const auto& w : warnings) FAIL_CHECK(w.code << ": " << w.message);
    CHECK(warnings.empty());
  }

  TEST_CASE("lint through the C API") {
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_buffer(&rules, kNoisyPack, std::char_traits<char>::length(kNoisyPack),
                                 "noisy.toml") == SG_OK);
    size_t count = 0;
    REQUIRE(sg_rules_lint_count(&count, rules) == SG_OK);
    CHECK(count == 14);
    sg_lint_warning w = SG_LINT_WARNING_INIT;
    REQUIRE(sg_rules_lint(&w, rules, 0) == SG_OK);
    CHECK(std::string(w.file) == "noisy.toml");
    CHECK(w.line > 0);
    CHECK(std::string(w.code).size() > 0);
    CHECK(std::string(w.message).find(w.entity) != std::string::npos);
    CHECK(sg_rules_lint(&w, rules, count) == SG_E_RANGE);
    CHECK(sg_rules_lint(nullptr, rules, 0) == SG_E_INVALID_ARGUMENT);
    CHECK(sg_rules_lint_count(&count, nullptr) == SG_E_INVALID_ARGUMENT);
    w.version = 99;
    CHECK(sg_rules_lint(&w, rules, 0) == SG_E_VERSION);
    sg_rules_free(rules);
  }
}
