// Fuzzes rule-pack loading (sg_rules_load_buffer) and, when a pack loads, assesses a small case
// with it and renders every explanation. Invariants: no crash or sanitizer report; failures
// explain themselves; a loaded pack reports a 64-hex-digit hash; contributions of each index
// add up exactly to its score; results do not depend on the thread count.
#include <cstring>
#include <vector>

#include "fuzz_common.hpp"

namespace {

sg_graph* case_graph() {
  static sg_graph* graph = [] {
    sg_graph* g = nullptr;
    fuzz::check(sg_graph_new(&g) == SG_OK, "sg_graph_new");
    const std::string base = fuzz::base_case();
    fuzz::check(sg_graph_load_buffer(g, base.data(), base.size(), "base") == SG_OK,
                "the base case does not load", sg_error_last());
    return g;
  }();
  return graph;
}

std::vector<double> scores(const sg_result* result) {
  const double* matrix = nullptr;
  std::size_t rows = 0, cols = 0;
  fuzz::check(sg_result_scores(&matrix, &rows, &cols, result) == SG_OK, "sg_result_scores");
  return std::vector<double>(matrix, matrix + rows * cols);
}

void check_result(const sg_result* result, const sg_rules* rules) {
  std::size_t children = 0, indices = 0;
  fuzz::check(sg_result_child_count(&children, result) == SG_OK, "child count");
  fuzz::check(sg_result_index_count(&indices, result) == SG_OK, "index count");
  for (std::size_t row = 0; row < children; ++row) {
    sg_child_result child = SG_CHILD_RESULT_INIT;
    fuzz::check(sg_result_child(&child, result, row) == SG_OK, "sg_result_child");
    std::vector<double> sums(indices, 0.0);
    std::vector<std::string> index_ids(indices);
    for (std::size_t i = 0; i < indices; ++i) {
      const char* id = nullptr;
      fuzz::check(sg_rules_index_id(&id, rules, i) == SG_OK, "sg_rules_index_id");
      index_ids[i] = id;
    }
    for (std::size_t k = 0; k < child.contribution_count; ++k) {
      sg_contribution c = SG_CONTRIBUTION_INIT;
      fuzz::check(sg_result_contribution(&c, result, row, k) == SG_OK, "contribution");
      fuzz::check(c.rule_id && c.index_id && c.heading && c.path, "contribution without names");
      std::size_t i = 0;
      while (i < indices && index_ids[i] != c.index_id) ++i;
      fuzz::check(i < indices, "contribution names an unknown index", c.index_id);
      sums[i] += c.value;
    }
    for (std::size_t i = 0; i < indices; ++i) {
      double score = 0;
      fuzz::check(sg_result_index_score(&score, nullptr, result, row, i) == SG_OK, "score");
      fuzz::check(std::memcmp(&score, &sums[i], sizeof score) == 0 || (score == 0 && sums[i] == 0),
                  "contributions do not add up exactly to the index score", index_ids[i]);
    }
    for (int format : {SG_FORMAT_TEXT, SG_FORMAT_JSON}) {
      sg_explain_options options = SG_EXPLAIN_OPTIONS_INIT;
      options.format = format;
      char* text = nullptr;
      fuzz::check(sg_result_explain(&text, nullptr, result, row, &options) == SG_OK, "explain",
                  sg_error_last());
      sg_buffer_free(text);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sg_rules* rules = nullptr;
  const int status =
      sg_rules_load_buffer(&rules, reinterpret_cast<const char*>(data), size, "fuzz.toml");
  if (status != SG_OK) {
    fuzz::check(rules == nullptr, "a failed load returned a pack");
    fuzz::check_error_message(status);
    return 0;
  }
  sg_rules_info info = SG_RULES_INFO_INIT;
  fuzz::check(sg_rules_info_get(&info, rules) == SG_OK, "sg_rules_info_get");
  fuzz::check(std::strlen(info.hash) == 64, "pack hash is not SHA-256 hex", info.hash);

  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  options.as_of = "2026-11-01";
  sg_result* one = nullptr;
  const int assessed = sg_assess(&one, case_graph(), rules, &options);
  if (assessed == SG_OK) {
    check_result(one, rules);
    options.threads = 3;
    sg_result* three = nullptr;
    fuzz::check(sg_assess(&three, case_graph(), rules, &options) == SG_OK,
                "assessment succeeded with 1 thread but not with 3", sg_error_last());
    const std::vector<double> a = scores(one), b = scores(three);
    fuzz::check(a.size() == b.size() &&
                    (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0),
                "scores differ between 1 and 3 threads");
    sg_result_free(three);
  } else {
    fuzz::check_error_message(assessed);
  }
  sg_result_free(one);
  sg_rules_free(rules);
  return 0;
}
