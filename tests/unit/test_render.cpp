// The renderers (safeguard/render.hpp): the sibling-group conference report, the family
// version (and its reading ease), the ecomap and the timeline text, and that the C API gives
// the same bytes as the C++ calls. The leak test of every rendering is in test_views.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <string>
#include <vector>

#include "safeguard.h"
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"
#include "safeguard/render.hpp"

using namespace safeguard;

namespace {

Day day(const char* text) {
  Day out = kNoDay;
  std::string error;
  REQUIRE(parse_iso_date(text, out, error));
  return out;
}

struct Families {
  std::shared_ptr<const RuleSet> rules =
      RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  CaseGraph graph;
  Results results;
  explicit Families(const char* file = SAFEGUARD_SOURCE_DIR "/examples/data/families.json",
                    const char* as_of = "2026-11-01")
      : results(make(file, as_of)) {}
  Results make(const char* file, const char* as_of) {
    load_case_file(graph, file);
    return assess(rules, take_snapshot(graph), {day(as_of), 1});
  }
  std::size_t row(const char* id) const {
    const long found = results.find_child(id);
    REQUIRE(found >= 0);
    return static_cast<std::size_t>(found);
  }
};

// What a reader reads of a page: the text outside tags, with the style sheet and the head
// left out, entities for &, <, >, " and ' decoded, and every block element (heading,
// paragraph, list item, table cell) ending a sentence.
std::string visible_text(const std::string& html) {
  const std::size_t body = html.find("<body>");
  std::string text;
  bool in_tag = false;
  std::string tag;
  for (std::size_t i = body == std::string::npos ? 0 : body; i < html.size(); ++i) {
    const char c = html[i];
    if (c == '<') {
      in_tag = true;
      tag.clear();
    } else if (c == '>' && in_tag) {
      in_tag = false;
      static const std::regex block("^/(h[1-6]|p|li|td|th|div|header|footer)$");
      if (std::regex_match(tag, block)) text += ". ";
      text += ' ';
    } else if (in_tag) {
      tag += c;
    } else {
      text += c;
    }
  }
  for (const auto& [entity, plain] : std::vector<std::pair<std::string, std::string>>{
           {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}}) {
    for (std::size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at))
      text.replace(at, entity.size(), plain);
  }
  return text;
}

// Syllables of a word, by the usual heuristic: each run of vowels (a, e, i, o, u, y) is one
// syllable, less a silent final "e" (but not "-le" after a consonant: "ta-ble"), at least one.
int syllables(const std::string& word) {
  auto vowel = [](char c) { return std::string("aeiouy").find(c) != std::string::npos; };
  int count = 0;
  bool previous = false;
  for (const char c : word) {
    const bool v = vowel(c);
    if (v && !previous) ++count;
    previous = v;
  }
  const std::size_t n = word.size();
  if (n > 2 && word[n - 1] == 'e' && !vowel(word[n - 2]) &&
      !(word[n - 2] == 'l' && n > 3 && !vowel(word[n - 3])))
    --count;
  return count < 1 ? 1 : count;
}

// Flesch reading ease: 206.835 - 1.015 (words / sentences) - 84.6 (syllables / words). Words
// are runs of letters (an apostrophe inside one kept: "child's"); sentences end at ".", "!",
// "?" or a block element, and empty ones are not counted.
double flesch_reading_ease(const std::string& text) {
  int words = 0, sentences = 0, syllable_count = 0;
  bool sentence_has_words = false;
  std::string word;
  auto end_word = [&] {
    if (word.empty()) return;
    ++words;
    syllable_count += syllables(word);
    sentence_has_words = true;
    word.clear();
  };
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : '.';
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (c == '\'' && !word.empty()) {
      continue;
    } else {
      end_word();
      if ((c == '.' || c == '!' || c == '?') && sentence_has_words) {
        ++sentences;
        sentence_has_words = false;
      }
    }
  }
  REQUIRE(words > 0);
  return 206.835 - 1.015 * words / sentences - 84.6 * syllable_count / words;
}

std::string c_report(sg_result* result, const std::vector<const char*>& children,
                     const sg_render_options& options) {
  char* out = nullptr;
  size_t size = 0;
  REQUIRE(sg_render_report(&out, &size, result, children.empty() ? nullptr : children.data(),
                           children.size(), &options) == SG_OK);
  std::string text(out, size);
  sg_buffer_free(out);
  return text;
}

}  // namespace

TEST_SUITE("unit/render") {
  TEST_CASE("syllables and reading ease follow the standard formula") {
    CHECK(syllables("cat") == 1);
    CHECK(syllables("table") == 2);
    CHECK(syllables("make") == 1);
    CHECK(syllables("worried") == 2);        // "-ied" is one vowel run
    CHECK(syllables("professionals") == 4);  // pro-fes-sion-als
    // 2 sentences, 8 words, 8 syllables: 206.835 - 1.015 * 4 - 84.6 = 118.175.
    CHECK(flesch_reading_ease("The cat sat. The dog ran on mats.") == doctest::Approx(118.175));
    CHECK(flesch_reading_ease(visible_text("<p>One <b>bold</b> word</p><li>Two</li>")) ==
          doctest::Approx(206.835 - 1.015 * 2 - 84.6 * 4 / 4));
  }

  TEST_CASE("the sibling-group report: a section per child, the family, why each level") {
    Families f;
    const std::vector<std::size_t> rows = household_rows(f.results, "HH-ASH");
    REQUIRE(rows == std::vector<std::size_t>{f.row("P-ASH-C1"), f.row("P-ASH-C2")});
    RenderOptions options;
    options.case_label = "examples/data/families.json";
    const std::string html = render_report(f.results, rows, options);
    CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en-GB\">", 0) == 0);
    const std::size_t family = html.find("Family composition");
    const std::size_t first = html.find("id=\"child-P-ASH-C1\"");
    const std::size_t second = html.find("id=\"child-P-ASH-C2\"");
    const std::size_t appendix = html.find("id=\"appendix\"");
    const std::size_t provenance = html.find("id=\"provenance\"");
    REQUIRE(family != std::string::npos);
    REQUIRE(first != std::string::npos);
    REQUIRE(second != std::string::npos);
    REQUIRE(appendix != std::string::npos);
    REQUIRE(provenance != std::string::npos);
    CHECK(family < first);
    CHECK(first < second);
    CHECK(second < appendix);
    CHECK(appendix < provenance);
    // The level comes from the highest single index: the reason names it; no total is shown.
    CHECK(html.find("Set by the Neglect index: its score 8.26 reaches Child in need") !=
          std::string::npos);
    CHECK(html.find("Total score") == std::string::npos);
    CHECK(html.find("child P-ASH-C2") < first);  // in the family's composition
    // Analyst working (rule ids, decay) and the hash are in the appendix and provenance only.
    const std::string body = html.substr(0, appendix);
    for (const Rule& rule : f.rules->rules()) {
      CAPTURE(rule.id);
      CHECK(body.find(">" + rule.id + "<") == std::string::npos);
    }
    CHECK(body.find("decay") == std::string::npos);
    CHECK(body.find(f.rules->hash()) == std::string::npos);
    CHECK(html.find(f.rules->hash()) > provenance);
    CHECK(html.find("× decay") > appendix);
    CHECK(html.find("examples/data/families.json") > provenance);
  }

  TEST_CASE("a rule over the whole record names the evidence it counted, viewer-scoped") {
    Families f;
    // Corroboration counts worries about the children's care from three agencies: the school's,
    // the GP's and the housing association's. (The police call-out is not one of them.)
    const std::string html = render_report(f.results, {f.row("P-ASH-C1")});
    CHECK(
        html.find("counted: <span class=\"nobreak\">C-ASH-1</span>, <span "
                  "class=\"nobreak\">C-ASH-2</span>, <span class=\"nobreak\">C-ASH-4</span>"
                  "<br>from <span class=\"nobreak\">AG-GP-01</span>, <span "
                  "class=\"nobreak\">AG-HSG-01</span>, <span class=\"nobreak\">AG-SCH-01</span>") !=
        std::string::npos);
    // In the Oak household the police's restricted reports are what repeat domestic abuse
    // counts: an uncleared reader learns none of them (the line itself is withheld); a cleared
    // one sees the three it counted. (The police's visible reports still name AG-OAK-POL.)
    Families oak(SAFEGUARD_SOURCE_DIR "/examples/data/oak-household.json");
    RenderOptions cleared;
    cleared.viewer = Viewer::everyone();
    const std::string uncleared_html = render_report(oak.results, {oak.row("P-OAK-C8")});
    const std::string cleared_html = render_report(oak.results, {oak.row("P-OAK-C8")}, cleared);
    for (const char* hidden : {"C-OAK-02", "C-OAK-03", "C-OAK-04", "C-OAK-05"}) {
      CAPTURE(hidden);
      CHECK(uncleared_html.find(hidden) == std::string::npos);
    }
    CHECK(cleared_html.find("counted: <span class=\"nobreak\">C-OAK-02</span>, <span "
                            "class=\"nobreak\">C-OAK-03</span>, <span "
                            "class=\"nobreak\">C-OAK-04</span><br>") != std::string::npos);
  }

  TEST_CASE("the family version: plain words, no scores, rule ids, hashes or restriction") {
    Families f;
    RenderOptions options;
    options.audience = Audience::family;
    for (const char* household : {"HH-ASH", "HH-BIRCH"}) {
      CAPTURE(household);
      const std::string html =
          render_report(f.results, household_rows(f.results, household), options);
      const std::string text = visible_text(html);
      CHECK(text.find("What the workers are worried about") != std::string::npos);
      CHECK(text.find("What is going well") != std::string::npos);
      CHECK(text.find("What needs to happen") != std::string::npos);
      CHECK(text.find("Your views") != std::string::npos);
      CHECK(html.find(f.rules->hash()) == std::string::npos);
      CHECK(html.find(f.rules->id()) == std::string::npos);
      CHECK_FALSE(std::regex_search(text, std::regex("[0-9]+\\.[0-9]{2}")));  // no scores
      for (const Rule& rule : f.rules->rules()) {
        CAPTURE(rule.id);
        CHECK(html.find(rule.id) == std::string::npos);
      }
      CHECK(html.find("estricted") == std::string::npos);
      CHECK(flesch_reading_ease(text) >= 60);
    }
  }

  TEST_CASE("the family version reads at Flesch 60 or more on generated cases") {
    const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
    CaseGraph graph;
    CaseloadOptions generate;
    generate.children = 120;
    generate.seed = 16;
    generate_caseload(graph, generate);
    const Results results = assess(rules, take_snapshot(graph), {generate.as_of, 1});
    RenderOptions options;
    options.audience = Audience::family;
    double lowest = 1000;
    for (std::size_t row = 0; row < results.child_count(); ++row) {
      const double ease = flesch_reading_ease(visible_text(render_report(results, {row}, options)));
      lowest = std::min(lowest, ease);
    }
    MESSAGE("lowest Flesch reading ease over " << results.child_count() << " children: " << lowest);
    CHECK(lowest >= 60);
  }

  TEST_CASE("the timeline text and the ecomap DOT") {
    Families f(SAFEGUARD_SOURCE_DIR "/examples/data/timeline.json", "2026-11-23");
    const std::string text = render_timeline_text(f.results, {});
    CHECK(std::regex_search(text, std::regex("P-ELM-C1 +assessment +2026-09-01 +E-ELM-1 +"
                                             "2026-11-03 +- +- +OVERDUE by 14 working days")));
    CHECK(text.find("2 steps overdue") != std::string::npos);
    CHECK(text.find("\033[") == std::string::npos);
    RenderOptions colour;
    colour.terminal_colour = true;
    colour.overdue_only = true;
    const std::string coloured = render_timeline_text(f.results, {f.row("P-ELM-C2")}, colour);
    CHECK(coloured.find("\033[1;31mP-ELM-C2") != std::string::npos);
    CHECK(coloured.find("P-ELM-C1") == std::string::npos);
    const std::string dot = render_ecomap_dot(f.results, f.row("P-ELM-C1"));
    CHECK(dot.rfind("digraph G {", 0) == 0);
    CHECK(dot.find("layout=dot") != std::string::npos);
    RenderOptions bad;
    bad.layout = "sfdp; evil";
    CHECK_THROWS_AS(render_ecomap_dot(f.results, 0, bad), Error);
  }

  // The ecomap prints on A4 at its own size (browser.axe measures it in Chromium): four columns
  // of narrow nodes, type 11 pt or more, labels that never widen a column.
  TEST_CASE("the ecomap is laid out in columns of narrow nodes for paper") {
    Families f(SAFEGUARD_SOURCE_DIR "/examples/data/oak-household.json", "2026-11-01");
    const std::string dot = render_ecomap_dot(f.results, f.row("P-OAK-C8"));
    CHECK(dot.find("layout=dot") != std::string::npos);
    CHECK(dot.find("rankdir=LR") != std::string::npos);
    // Every font size written is 11 or more (the legend and the household take the graph's).
    const std::regex size("fontsize=\"?([0-9.]+)");
    std::size_t sizes = 0;
    for (auto it = std::sregex_iterator(dot.begin(), dot.end(), size); it != std::sregex_iterator();
         ++it, ++sizes) {
      CHECK_MESSAGE(std::stod((*it)[1]) >= 11.0, (*it)[0]);
    }
    CHECK(sizes > 20);
    // Every label line is at most 18 bytes, or one word (an id is never split).
    const std::regex label("\\[label=\"([^\"]*)\"");
    std::size_t labels = 0;
    for (auto it = std::sregex_iterator(dot.begin(), dot.end(), label);
         it != std::sregex_iterator(); ++it, ++labels) {
      const std::string text = (*it)[1];
      std::size_t start = 0;
      while (start <= text.size()) {
        std::size_t end = text.find("\\n", start);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(start, end - start);
        CHECK_MESSAGE((line.size() <= 18 || line.find(' ') == std::string::npos), line);
        start = end + 2;
      }
    }
    CHECK(labels > 20);
    CHECK(dot.find("F-OAK-2\\nkinship support\\nstrength 3") != std::string::npos);
    // Edge labels are placed beside the edge (xlabel), so no gap between columns widens.
    CHECK(dot.find("xlabel=\"provides\"") != std::string::npos);
    CHECK(dot.find(", label=\"provides\"") == std::string::npos);
    // The legend is the graph's own label under the picture, titled with the child.
    CHECK(dot.find("labelloc=b") != std::string::npos);
    CHECK(dot.find("<b>Ecomap of P-OAK-C8</b>") != std::string::npos);
    CHECK(dot.find("cluster_legend") == std::string::npos);
    // The rings are still there for the screen.
    RenderOptions rings;
    rings.layout = "twopi";
    const std::string radial = render_ecomap_dot(f.results, f.row("P-OAK-C8"), rings);
    CHECK(radial.find("layout=twopi") != std::string::npos);
    CHECK(radial.find("rankdir") == std::string::npos);
    CHECK(radial.find(", label=\"provides\"") != std::string::npos);
  }

  TEST_CASE("bad arguments are errors naming what is wrong") {
    Families f;
    CHECK_THROWS_WITH_AS(household_rows(f.results, "HH-NONE"), doctest::Contains("HH-NONE"), Error);
    CHECK_THROWS_AS(render_report(f.results, {}), Error);
    CHECK_THROWS_WITH_AS(render_report(f.results, {0, 0}), doctest::Contains("twice"), Error);
    CHECK_THROWS_AS(render_report(f.results, {99}), Error);
    CHECK_THROWS_AS(render_ecomap_dot(f.results, 99), Error);
  }

  TEST_CASE("the C API gives the same bytes as the C++ renderers") {
    Families f;
    sg_graph* graph = nullptr;
    REQUIRE(sg_graph_new(&graph) == SG_OK);
    REQUIRE(sg_graph_load_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json") ==
            SG_OK);
    sg_rules* rules = nullptr;
    REQUIRE(sg_rules_load_file(&rules, SAFEGUARD_SOURCE_DIR "/rules/default.toml") == SG_OK);
    sg_assess_options assess_options = SG_ASSESS_OPTIONS_INIT;
    assess_options.as_of = "2026-11-01";
    sg_result* result = nullptr;
    REQUIRE(sg_assess(&result, graph, rules, &assess_options) == SG_OK);

    sg_render_options options = SG_RENDER_OPTIONS_INIT;
    options.household = "HH-ASH";
    options.case_label = "families";
    const char* svg[] = {"<svg>one</svg>", nullptr};
    options.ecomap_svg = svg;
    options.ecomap_svg_count = 2;
    RenderOptions cpp;
    cpp.case_label = "families";
    cpp.ecomap_svg = {"<svg>one</svg>", ""};
    const std::vector<std::size_t> rows = household_rows(f.results, "HH-ASH");
    const std::string html = c_report(result, {}, options);
    CHECK(html == render_report(f.results, rows, cpp));
    CHECK(html.find("<svg>one</svg>") != std::string::npos);
    CHECK(html.find("Ecomap not included.") != std::string::npos);  // the second child's
    // Children given and the household's: each once, the given ones first.
    CHECK(c_report(result, {"P-ASH-C2"}, options) ==
          render_report(f.results, {rows[1], rows[0]}, cpp));
    options.household = nullptr;
    options.audience = SG_AUDIENCE_FAMILY;
    cpp.audience = Audience::family;
    CHECK(c_report(result, {"P-BIR-C1"}, options) ==
          render_report(f.results, {f.row("P-BIR-C1")}, cpp));

    char* out = nullptr;
    size_t size = 0;
    REQUIRE(sg_render_ecomap(&out, &size, result, f.row("P-ASH-C1"), &options) == SG_OK);
    CHECK(std::string(out, size) == render_ecomap_dot(f.results, f.row("P-ASH-C1"), cpp));
    sg_buffer_free(out);
    REQUIRE(sg_render_timeline(&out, &size, result, nullptr, 0, &options) == SG_OK);
    CHECK(std::string(out, size) == render_timeline_text(f.results, {}, cpp));
    sg_buffer_free(out);

    const char* unknown[] = {"P-NOBODY"};
    CHECK(sg_render_report(&out, nullptr, result, unknown, 1, &options) == SG_E_NOT_FOUND);
    CHECK(out == nullptr);
    CHECK(std::string(sg_error_last()).find("P-NOBODY") != std::string::npos);
    options.household = "HH-NONE";
    CHECK(sg_render_report(&out, nullptr, result, nullptr, 0, &options) == SG_E_NOT_FOUND);
    options.household = nullptr;
    CHECK(sg_render_report(&out, nullptr, result, nullptr, 0, &options) == SG_E_INVALID_ARGUMENT);
    options.layout = "nope";
    CHECK(sg_render_ecomap(&out, nullptr, result, 0, &options) == SG_E_INVALID_ARGUMENT);
    sg_result_free(result);
    sg_rules_free(rules);
    sg_graph_free(graph);
  }
}
