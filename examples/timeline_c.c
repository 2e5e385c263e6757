/* Prints each child's statutory timeline as of a date, using only the C API: every step's due
 * date and status (done on time, done late, due, overdue), gaps in the process record, and any
 * discretionary override with who made it and why.
 *
 *   timeline_c [CASE_FILE [RULE_PACK [AS_OF]]]
 *
 * Defaults: the bundled fictional Elm and Rowan households, the default pack, as of
 * 2026-11-23. */
#include <stdio.h>

#include "safeguard.h"

#ifndef SG_EXAMPLE_DATA
#define SG_EXAMPLE_DATA "examples/data/timeline.json"
#endif
#ifndef SG_DEFAULT_RULES
#define SG_DEFAULT_RULES "rules/default.toml"
#endif

static int fail(const char* what, int status) {
  fprintf(stderr, "%s failed: %s (%s)\n", what, sg_error_last(), sg_status_str(status));
  return 1;
}

static void print_status(const sg_step* step) {
  const char* plural = step->working_days == 1 ? "" : "s";
  if (step->status[0] == 'o' && step->status[1] == 'n') {
    printf("done on time (%s)", step->completed);
  } else if (step->status[0] == 'l') {
    printf("done %s, late by %d working day%s", step->completed, step->working_days, plural);
  } else if (step->status[0] == 'd') {
    printf("due in %d working day%s", step->working_days, plural);
  } else {
    printf("OVERDUE by %d working day%s", step->working_days, plural);
  }
}

int main(int argc, char** argv) {
  const char* case_path = argc > 1 ? argv[1] : SG_EXAMPLE_DATA;
  const char* rules_path = argc > 2 ? argv[2] : SG_DEFAULT_RULES;
  const char* as_of = argc > 3 ? argv[3] : "2026-11-23";
  sg_graph* graph = NULL;
  sg_rules* rules = NULL;
  sg_result* result = NULL;
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  sg_timescales timescales = SG_TIMESCALES_INIT;
  size_t children = 0, row, k, count;
  int status, exit_code = 1;

  if ((status = sg_graph_new(&graph)) != SG_OK) return fail("sg_graph_new", status);
  if ((status = sg_graph_load_file(graph, case_path)) != SG_OK) {
    fail("loading the case file", status);
    goto done;
  }
  if ((status = sg_rules_load_file(&rules, rules_path)) != SG_OK) {
    fail("loading the rule pack", status);
    goto done;
  }
  sg_rules_timescales(&timescales, rules);
  printf(
      "Timescales: referral decision %d working day(s), assessment %d, initial conference %d "
      "after the last strategy discussion, first review %d months, then every %d months\n",
      timescales.referral_decision_working_days, timescales.assessment_working_days,
      timescales.initial_conference_working_days, timescales.first_review_months,
      timescales.review_interval_months);
  options.as_of = as_of;
  if ((status = sg_assess(&result, graph, rules, &options)) != SG_OK) {
    fail("sg_assess", status);
    goto done;
  }
  sg_result_child_count(&children, result);
  for (row = 0; row < children; ++row) {
    sg_child_result child = SG_CHILD_RESULT_INIT;
    sg_discretionary judgement = SG_DISCRETIONARY_INIT;
    const char* level_id = NULL;
    sg_result_child(&child, result, row);
    printf("\n%s as of %s: level %s\n", child.id, as_of, child.level_id);
    sg_result_step_count(&count, result, row);
    for (k = 0; k < count; ++k) {
      sg_step step = SG_STEP_INIT;
      if ((status = sg_result_step(&step, result, row, k)) != SG_OK) {
        fail("sg_result_step", status);
        goto done;
      }
      printf("  %-20s from %s (%s)  due %s  ", step.step, step.start, step.trigger_id, step.due);
      print_status(&step);
      printf("\n");
    }
    if (count == 0) printf("  no process events recorded\n");
    sg_result_timeline_issue_count(&count, result, row);
    for (k = 0; k < count; ++k) {
      const char* event = NULL;
      const char* issue = NULL;
      sg_result_timeline_issue(&event, &issue, result, row, k);
      printf("  gap in the record: %s: %s\n", event, issue);
    }
    sg_result_discretionary(&judgement, result, row);
    if (judgement.id) {
      sg_rules_level_id(&level_id, rules, (size_t)judgement.level_before);
      printf("  judgement %s (%s by %s on %s, from %s): %s\n    \"%s\"\n", judgement.id,
             judgement.direction, judgement.author, judgement.date, level_id, judgement.outcome,
             judgement.reason);
    }
  }
  exit_code = 0;
done:
  sg_result_free(result);
  sg_rules_free(rules);
  sg_graph_free(graph);
  return exit_code;
}
