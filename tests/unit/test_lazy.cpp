// Lazy explanations (Explanations::lazy, docs/performance.md): a batch that keeps only the lines
// of children with restricted lines gives, on first read, exactly the lines an eager batch keeps,
// and every figure and rendering made from them is the same, on generated caseloads and the bundled
// cases, with every bundled pack and their scenarios (propagation and adult results included), for
// every kind of reader.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "safeguard/audit.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/io.hpp"
#include "safeguard/joining.hpp"
#include "safeguard/render.hpp"

using namespace safeguard;

#ifndef SAFEGUARD_SOURCE_DIR
#define SAFEGUARD_SOURCE_DIR "."
#endif

namespace {

constexpr Day kAsOf = 20758;  // 2026-11-01, the generator's default

std::uint64_t bits(double value) {
  std::uint64_t out;
  std::memcpy(&out, &value, sizeof out);
  return out;
}

bool same_line(const Contribution& a, const Contribution& b) {
  return a.rule == b.rule && a.index == b.index && a.evidence == b.evidence && a.via == b.via &&
         a.path == b.path && a.kind == b.kind && a.relation == b.relation &&
         bits(a.raw) == bits(b.raw) && bits(a.decay) == bits(b.decay) &&
         bits(a.reach) == bits(b.reach) && bits(a.cap_factor) == bits(b.cap_factor) &&
         bits(a.value) == bits(b.value) && a.restricted_basis == b.restricted_basis &&
         a.superseded == b.superseded;
}

bool same_lines(const Contribution* a, const Contribution* a_end, const Contribution* b,
                const Contribution* b_end) {
  if (a_end - a != b_end - b) return false;
  for (; a != a_end; ++a, ++b)
    if (!same_line(*a, *b)) return false;
  return true;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

std::shared_ptr<const RuleSet> pack(const std::string& name) {
  return RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/" + name + ".toml");
}

AssessOptions options(Explanations explanations, unsigned threads = 1) {
  AssessOptions out(kAsOf, threads);
  out.explanations = explanations;
  return out;
}

// The readers every rendering is checked for: the host (everything), a reader cleared for
// nothing and one cleared for the police only.
std::vector<Viewer> readers() { return {Viewer::everyone(), Viewer{}, Viewer{{"police"}, false}}; }

// The lines, scores and everything rendered from them, eager against lazy. `step` thins the
// rows rendered in full on a large caseload.
void check_same(const Results& eager, const Results& lazy, std::size_t step) {
  REQUIRE_FALSE(eager.explanations_lazy());
  REQUIRE(lazy.explanations_lazy());
  REQUIRE(eager.child_count() == lazy.child_count());
  CHECK(same_bits(eager.scores(), lazy.scores()));
  CHECK(same_bits(eager.totals(), lazy.totals()));
  CHECK(eager.levels() == lazy.levels());
  const std::size_t k = eager.index_count();
  const bool included = lazy.contextual_included();
  for (std::size_t row = 0; row < eager.child_count(); ++row) {
    CAPTURE(eager.child_id(row));
    CHECK(eager.lines_restricted(row) == lazy.lines_restricted(row));
    CHECK(same_lines(eager.contributions_begin(row), eager.contributions_end(row),
                     lazy.contributions_begin(row), lazy.contributions_end(row)));
    CHECK(eager.contribution_count(row) == lazy.contribution_count(row));
    // The scores are the sums of the lazy lines, exactly, in line order.
    std::vector<double> own(k, 0.0), context(k, 0.0);
    for (const Contribution* c = lazy.contributions_begin(row); c != lazy.contributions_end(row);
         ++c) {
      if (!c->propagated() || included) own[c->index] += c->value;
      if (c->propagated()) context[c->index] += c->value;
    }
    for (std::size_t i = 0; i < k; ++i) {
      CHECK(bits(own[i]) == bits(lazy.score(row, i)));
      CHECK(bits(context[i]) == bits(lazy.contextual_score(row, i)));
      CHECK(bits(eager.contextual_score(row, i)) == bits(lazy.contextual_score(row, i)));
    }
    CHECK(eager.context_level(row) == lazy.context_level(row));
  }
  REQUIRE(eager.adult_count() == lazy.adult_count());
  for (std::size_t row = 0; row < eager.adult_count(); ++row) {
    CHECK(same_lines(eager.adult_contributions_begin(row), eager.adult_contributions_end(row),
                     lazy.adult_contributions_begin(row), lazy.adult_contributions_end(row)));
    for (std::size_t i = 0; i < k; ++i)
      CHECK(bits(eager.adult_score(row, i)) == bits(lazy.adult_score(row, i)));
  }
  REQUIRE(eager.place_count() == lazy.place_count());
  for (const Viewer& viewer : readers()) {
    CAPTURE(describe_viewer(viewer));
    const ScoreReader eager_reader(eager, viewer), lazy_reader(lazy, viewer);
    for (std::size_t row = 0; row < eager.child_count(); ++row) {
      const ScoresView a = eager_reader.scores(row), b = lazy_reader.scores(row);
      CHECK(same_bits(a.index_scores, b.index_scores));
      CHECK(a.withheld_lines == b.withheld_lines);
      CHECK(eager_reader.withholds(row) == lazy_reader.withholds(row));
      if (row % step != 0) continue;
      CHECK(explain(eager, row, ExplainFormat::json, viewer) ==
            explain(lazy, row, ExplainFormat::json, viewer));
      CHECK(explain(eager, row, ExplainFormat::text, viewer) ==
            explain(lazy, row, ExplainFormat::text, viewer));
      // One line at a time, as the C API reads them: the line's owner is found from its address.
      for (std::size_t j = 0; j < lazy.contribution_count(row); ++j) {
        const LineView a_line = view_line(eager, eager.contributions_begin(row)[j], viewer);
        const LineView b_line = view_line(lazy, lazy.contributions_begin(row)[j], viewer);
        CHECK(a_line.visibility == b_line.visibility);
        CHECK(a_line.hidden == b_line.hidden);
        CHECK(a_line.network_scoped == b_line.network_scoped);
        CHECK(a_line.title == b_line.title);
        CHECK(bits(a_line.value) == bits(b_line.value));
      }
    }
    for (std::size_t row = 0; row < eager.adult_count(); ++row) {
      const auto a = view_adult_contributions(eager, row, viewer);
      const auto b = view_adult_contributions(lazy, row, viewer);
      REQUIRE(a.size() == b.size());
      for (std::size_t j = 0; j < a.size(); ++j) {
        CHECK(a[j].title == b[j].title);
        CHECK(bits(a[j].value) == bits(b[j].value));
      }
    }
    for (std::size_t rank = 0; rank < eager.place_count(); ++rank)
      CHECK(explain_place(eager, rank, ExplainFormat::json, viewer) ==
            explain_place(lazy, rank, ExplainFormat::json, viewer));
    if (!included) {
      CHECK(render_joining(join(eager, viewer), JoinFormat::json) ==
            render_joining(join(lazy, viewer), JoinFormat::json));
    }
  }
  CHECK(audit_rows_csv(audit_rows(eager), eager.rules()) ==
        audit_rows_csv(audit_rows(lazy), lazy.rules()));
  for (std::size_t row = 0; row < eager.child_count(); row += step * 5) {
    RenderOptions render;
    CHECK(render_report(eager, {row}, render) == render_report(lazy, {row}, render));
    CHECK(render_ecomap_dot(eager, row, render) == render_ecomap_dot(lazy, row, render));
  }
}

// Returns the lazy result's adult count.
std::size_t check_case(const CaseGraph& graph, const std::string& pack_name, std::size_t step) {
  CAPTURE(pack_name);
  const auto rules = pack(pack_name);
  const auto snapshot = take_snapshot(graph);
  const Results eager = assess(rules, snapshot, options(Explanations::eager));
  // Two threads for the lazy batch: its lines do not depend on how the batch was split.
  const Results lazy = assess(rules, snapshot, options(Explanations::lazy, 2));
  check_same(eager, lazy, step);
  return lazy.adult_count();
}

const char* const kPacks[] = {"default", "dash", "exploitation", "neglect"};

}  // namespace

TEST_SUITE("unit/lazy") {
  TEST_CASE("lazy lines equal eager lines on the bundled cases, with every bundled pack") {
    for (const char* file : {"families", "oak-household", "peer_network", "timeline"}) {
      CAPTURE(file);
      CaseGraph graph;
      load_case_file(graph, std::string(SAFEGUARD_SOURCE_DIR "/examples/data/") + file + ".json");
      for (const char* name : kPacks) check_case(graph, name, 1);
    }
  }

  TEST_CASE("lazy lines equal eager lines on every bundled pack's scenarios, adults included") {
    std::size_t adults = 0, files = 0;
    for (const char* name : kPacks) {
      const std::filesystem::path folder =
          std::filesystem::path(SAFEGUARD_SOURCE_DIR "/tests/data/scenarios") / name;
      for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (entry.path().extension() != ".json") continue;
        CAPTURE(entry.path().string());
        CaseGraph graph;
        load_case_file(graph, entry.path().string());
        adults += check_case(graph, name, 1);
        ++files;
      }
    }
    CHECK(files > 20);
    CHECK(adults > 0);  // the DASH scenarios' victims have results of their own
  }

  TEST_CASE("lazy lines equal eager lines on generated caseloads, with propagation") {
    for (std::uint64_t seed : {1u, 7u}) {
      CAPTURE(seed);
      CaseGraph graph;
      CaseloadOptions generate;
      generate.children = 1500;
      generate.seed = seed;
      generate_caseload(graph, generate);
      for (const char* name : kPacks) check_case(graph, name, 13);
    }
    // The packs exercise what they are for: propagated lines and adult results exist.
    CaseGraph graph;
    CaseloadOptions generate;
    generate.children = 1500;
    generate_caseload(graph, generate);
    const auto snapshot = take_snapshot(graph);
    const Results propagated = assess(pack("exploitation"), snapshot, options(Explanations::lazy));
    CHECK(propagated.propagation().ran);
    std::size_t propagated_lines = 0;
    for (std::size_t row = 0; row < propagated.child_count(); ++row)
      for (const Contribution* c = propagated.contributions_begin(row);
           c != propagated.contributions_end(row); ++c)
        propagated_lines += c->propagated() ? 1 : 0;
    CHECK(propagated_lines > 0);
  }

  TEST_CASE("a lazy result keeps its lines for copies, and reads them again the same") {
    CaseGraph graph;
    load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
    const auto rules = pack("default");
    const auto snapshot = take_snapshot(graph);
    Results lazy = assess(rules, snapshot, options(Explanations::lazy));
    const Results eager = assess(rules, snapshot, options(Explanations::eager));
    // A row the batch did not keep (no restricted line), and one it kept.
    std::size_t written = 0, kept = 0;
    while (lazy.lines_restricted(written)) ++written;
    while (!lazy.lines_restricted(kept)) ++kept;
    REQUIRE(lazy.contribution_count(written) > 0);
    const Contribution* first = lazy.contributions_begin(written);
    const Results copy = lazy;
    CHECK(copy.contributions_begin(written) == first);  // written once, shared by the copy
    lazy = Results{};                                   // the original gone, the copy's lines stay
    for (std::size_t row : {written, kept}) {
      CHECK(same_lines(copy.contributions_begin(row), copy.contributions_end(row),
                       eager.contributions_begin(row), eager.contributions_end(row)));
      CHECK(copy.contribution_row(copy.contributions_begin(row) + 1) == static_cast<long>(row));
    }
    // A line that is not one of the result's: no owner.
    const Contribution stray = *eager.contributions_begin(written);
    CHECK(copy.contribution_row(&stray) == -1);
    CHECK(eager.contribution_row(eager.contributions_begin(kept)) == static_cast<long>(kept));
  }

  TEST_CASE("the default is eager, and the incremental path honours lazy") {
    CHECK(AssessOptions{}.explanations == Explanations::eager);
    CaseGraph graph;
    load_case_file(graph, SAFEGUARD_SOURCE_DIR "/examples/data/families.json");
    const auto rules = pack("default");
    Reassessor lazy(rules, options(Explanations::lazy));
    Reassessor eager(rules, options(Explanations::eager));
    std::vector<VertexIndex> children;
    const auto snapshot = take_snapshot(graph);
    const Results all = assess(rules, snapshot, options(Explanations::eager));
    for (std::size_t row = 0; row < all.child_count(); ++row)
      children.push_back(all.child_vertex(row));
    const Results a = eager.assess(graph, children), b = lazy.assess(graph, children);
    check_same(a, b, 1);
  }
}
