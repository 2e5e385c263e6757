/* Assesses a case file with a rule pack using only the C API, and prints every child's level,
 * per-index scores and top contributions.
 *
 *   assess_c [CASE_FILE [RULE_PACK [AS_OF]]]
 *
 * Defaults: the bundled fictional families, the bundled default pack, as of 2026-11-01. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "safeguard.h"

#ifndef SG_EXAMPLE_DATA
#define SG_EXAMPLE_DATA "examples/data/families.json"
#endif
#ifndef SG_DEFAULT_RULES
#define SG_DEFAULT_RULES "rules/default.toml"
#endif

#define TOP_CONTRIBUTIONS 3

static int fail(const char* what, int status) {
  fprintf(stderr, "%s failed: %s (%s)\n", what, sg_error_last(), sg_status_str(status));
  return 1;
}

int main(int argc, char** argv) {
  const char* case_path = argc > 1 ? argv[1] : SG_EXAMPLE_DATA;
  const char* rules_path = argc > 2 ? argv[2] : SG_DEFAULT_RULES;
  const char* as_of = argc > 3 ? argv[3] : "2026-11-01";
  sg_graph* graph = NULL;
  sg_rules* rules = NULL;
  sg_result* result = NULL;
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  sg_rules_info info = SG_RULES_INFO_INIT;
  size_t children = 0, indices = 0, row, i, k;
  int status, exit_code = 1;

  if (sg_version_number() != SG_VERSION_NUMBER) {
    fprintf(stderr, "library version %s does not match the header's %s\n", sg_version_string(),
            SG_VERSION_STRING);
    return 1;
  }
  if ((status = sg_graph_new(&graph)) != SG_OK) return fail("sg_graph_new", status);
  if ((status = sg_graph_load_file(graph, case_path)) != SG_OK) {
    exit_code = fail("loading the case file", status);
    goto done;
  }
  if ((status = sg_rules_load_file(&rules, rules_path)) != SG_OK) {
    exit_code = fail("loading the rule pack", status);
    goto done;
  }
  options.as_of = as_of;
  if ((status = sg_assess(&result, graph, rules, &options)) != SG_OK) {
    exit_code = fail("sg_assess", status);
    goto done;
  }
  sg_rules_info_get(&info, rules);
  sg_result_child_count(&children, result);
  sg_result_index_count(&indices, result);
  printf("Rule pack %s %s (sha256 %.12s...), as of %s: %zu children\n\n", info.id,
         info.pack_version, info.hash, as_of, children);

  for (row = 0; row < children; ++row) {
    sg_child_result child = SG_CHILD_RESULT_INIT;
    size_t top[TOP_CONTRIBUTIONS];
    size_t shown = 0;
    sg_result_child(&child, result, row);
    printf("%s  level: %s  total: %.2f%s\n", child.id, child.level_id, child.total,
           child.immediate_safety ? "  IMMEDIATE SAFETY" : "");
    for (i = 0; i < indices; ++i) {
      const char* index_id = NULL;
      double score = 0;
      int level = 0;
      sg_rules_index_id(&index_id, rules, i);
      sg_result_index_score(&score, &level, result, row, i);
      printf("    %-15s %6.2f\n", index_id, score);
    }
    /* Pick the largest contributions by absolute value. */
    for (shown = 0; shown < TOP_CONTRIBUTIONS && shown < child.contribution_count; ++shown) {
      double best = -1;
      for (k = 0; k < child.contribution_count; ++k) {
        sg_contribution c = SG_CONTRIBUTION_INIT;
        size_t j;
        int taken = 0;
        for (j = 0; j < shown; ++j) taken |= top[j] == k;
        if (taken) continue;
        sg_result_contribution(&c, result, row, k);
        if (fabs(c.value) > best) {
          best = fabs(c.value);
          top[shown] = k;
        }
      }
    }
    for (k = 0; k < shown; ++k) {
      sg_contribution c = SG_CONTRIBUTION_INIT;
      sg_result_contribution(&c, result, row, top[k]);
      printf("    %+6.2f  %-28s %s (%s%s%s)\n", c.value, c.rule_id,
             c.restricted ? "restricted source" : (c.evidence_id ? c.evidence_id : "child record"),
             c.path, c.via_id && c.restricted == 0 ? " " : "",
             c.via_id && c.restricted == 0 ? c.via_id : "");
    }
    printf("\n");
  }
  exit_code = 0;
done:
  sg_result_free(result);
  sg_rules_free(rules);
  sg_graph_free(graph);
  return exit_code;
}
