/* A program outside the project that uses the installed safeguard package: it must build
 * with find_package(safeguard) and with pkg-config, and run. */
#include <stdio.h>
#include <string.h>

#include <safeguard.h>

static const char kCase[] =
    "{\"schema_version\": 1,"
    " \"agencies\": [{\"id\": \"AG-1\", \"type\": \"school\"}],"
    " \"persons\": [{\"id\": \"P-1\", \"kind\": \"child\", \"dob\": \"2016-04-01\"}],"
    " \"concerns\": [{\"id\": \"C-1\", \"category\": \"school_attendance\", \"severity\": 2,"
    "   \"recorded\": \"2026-10-01\", \"source\": \"AG-1\", \"about\": [\"P-1\"]}]}";

static const char kRules[] =
    "[pack]\nid = \"consumer\"\nversion = \"1\"\n"
    "[[level]]\nid = \"low\"\nmin = 0\n[[level]]\nid = \"high\"\nmin = 2\n"
    "[[index]]\nid = \"neglect\"\n"
    "[[rule]]\nid = \"attendance\"\nindex = \"neglect\"\nheading = \"harm\"\nfor = \"concern\"\n"
    "when = 'concern.category == \"school_attendance\"'\npoints = 2\n";

int main(void) {
  sg_graph* graph = NULL;
  sg_rules* rules = NULL;
  sg_result* result = NULL;
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  sg_child_result child = SG_CHILD_RESULT_INIT;
  int ok;
  if (sg_version_number() != SG_VERSION_NUMBER) return 10;
  if (sg_graph_new(&graph) != SG_OK) return 11;
  if (sg_graph_load_buffer(graph, kCase, strlen(kCase), "consumer.json") != SG_OK) {
    fprintf(stderr, "%s\n", sg_error_last());
    return 12;
  }
  if (sg_rules_load_buffer(&rules, kRules, strlen(kRules), "consumer.toml") != SG_OK) {
    fprintf(stderr, "%s\n", sg_error_last());
    return 13;
  }
  options.as_of = "2026-11-01";
  if (sg_assess(&result, graph, rules, &options) != SG_OK) return 14;
  if (sg_result_child(&child, result, 0) != SG_OK) return 15;
  ok = strcmp(child.id, "P-1") == 0 && strcmp(child.level_id, "high") == 0 && child.total == 2.0;
  printf("consumer: %s %s %.2f\n", child.id, child.level_id, child.total);
  sg_result_free(result);
  sg_rules_free(rules);
  sg_graph_free(graph);
  return ok ? 0 : 16;
}
