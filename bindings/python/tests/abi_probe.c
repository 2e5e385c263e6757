/* Prints the size and field offsets of every struct of safeguard.h as JSON, so the Python
 * tests can check that the package's ctypes mirrors have exactly the C layout. */
#include <stddef.h>
#include <stdio.h>

#include "safeguard.h"

static int first_struct = 1;
static int first_field = 1;

static void begin(const char* name, size_t size) {
  printf("%s\n  \"%s\": {\"size\": %zu, \"fields\": {", first_struct ? "" : ",", name, size);
  first_struct = 0;
  first_field = 1;
}

static void field(const char* name, size_t offset) {
  printf("%s\"%s\": %zu", first_field ? "" : ", ", name, offset);
  first_field = 0;
}

static void end(void) { printf("}}"); }

static void constant(const char* name, long value) {
  printf("%s\"%s\": %ld", first_field ? "" : ", ", name, value);
  first_field = 0;
}

#define BEGIN(type) begin(#type, sizeof(type))
#define FIELD(type, member) field(#member, offsetof(type, member))
#define CONSTANT(name) constant(#name, (long)(name))

int main(void) {
  printf("{");
  BEGIN(sg_limits);
  FIELD(sg_limits, version);
  FIELD(sg_limits, max_file_bytes);
  FIELD(sg_limits, max_depth);
  FIELD(sg_limits, max_string_bytes);
  FIELD(sg_limits, max_id_bytes);
  FIELD(sg_limits, max_text_bytes);
  FIELD(sg_limits, max_entities);
  FIELD(sg_limits, max_list_items);
  FIELD(sg_limits, max_pack_bytes);
  FIELD(sg_limits, max_rules);
  FIELD(sg_limits, max_overrides);
  FIELD(sg_limits, max_levels);
  FIELD(sg_limits, max_indices);
  FIELD(sg_limits, max_expression_length);
  FIELD(sg_limits, max_expression_depth);
  end();
  BEGIN(sg_person);
  FIELD(sg_person, version);
  FIELD(sg_person, id);
  FIELD(sg_person, kind);
  FIELD(sg_person, dob);
  FIELD(sg_person, household);
  FIELD(sg_person, flags);
  FIELD(sg_person, flag_count);
  end();
  BEGIN(sg_concern);
  FIELD(sg_concern, version);
  FIELD(sg_concern, id);
  FIELD(sg_concern, category);
  FIELD(sg_concern, severity);
  FIELD(sg_concern, incident);
  FIELD(sg_concern, recorded);
  FIELD(sg_concern, status);
  FIELD(sg_concern, source);
  FIELD(sg_concern, restricted);
  FIELD(sg_concern, about);
  FIELD(sg_concern, about_count);
  FIELD(sg_concern, involves);
  FIELD(sg_concern, involves_count);
  FIELD(sg_concern, summary);
  end();
  BEGIN(sg_factor);
  FIELD(sg_factor, version);
  FIELD(sg_factor, id);
  FIELD(sg_factor, kind);
  FIELD(sg_factor, strength);
  FIELD(sg_factor, start);
  FIELD(sg_factor, end);
  FIELD(sg_factor, provided_by);
  FIELD(sg_factor, protects);
  FIELD(sg_factor, protects_count);
  FIELD(sg_factor, summary);
  end();
  BEGIN(sg_event);
  FIELD(sg_event, version);
  FIELD(sg_event, id);
  FIELD(sg_event, kind);
  FIELD(sg_event, date);
  FIELD(sg_event, about);
  FIELD(sg_event, about_count);
  FIELD(sg_event, note);
  FIELD(sg_event, decision);
  FIELD(sg_event, category);
  FIELD(sg_event, expected);
  end();
  BEGIN(sg_override);
  FIELD(sg_override, version);
  FIELD(sg_override, id);
  FIELD(sg_override, child);
  FIELD(sg_override, direction);
  FIELD(sg_override, date);
  FIELD(sg_override, author);
  FIELD(sg_override, reason);
  end();
  BEGIN(sg_provenance);
  FIELD(sg_provenance, version);
  FIELD(sg_provenance, recorded_at);
  FIELD(sg_provenance, author);
  FIELD(sg_provenance, reason);
  FIELD(sg_provenance, source_system);
  FIELD(sg_provenance, source_reference);
  end();
  BEGIN(sg_lint_warning);
  FIELD(sg_lint_warning, version);
  FIELD(sg_lint_warning, code);
  FIELD(sg_lint_warning, message);
  FIELD(sg_lint_warning, file);
  FIELD(sg_lint_warning, line);
  FIELD(sg_lint_warning, column);
  FIELD(sg_lint_warning, entity);
  end();
  BEGIN(sg_timescales);
  FIELD(sg_timescales, version);
  FIELD(sg_timescales, referral_decision_working_days);
  FIELD(sg_timescales, assessment_working_days);
  FIELD(sg_timescales, initial_conference_working_days);
  FIELD(sg_timescales, first_review_months);
  FIELD(sg_timescales, review_interval_months);
  FIELD(sg_timescales, discretionary);
  end();
  BEGIN(sg_step);
  FIELD(sg_step, version);
  FIELD(sg_step, step);
  FIELD(sg_step, status);
  FIELD(sg_step, working_days);
  FIELD(sg_step, trigger_id);
  FIELD(sg_step, done_id);
  FIELD(sg_step, start);
  FIELD(sg_step, due);
  FIELD(sg_step, completed);
  FIELD(sg_step, title);
  FIELD(sg_step, reason);
  FIELD(sg_step, calendar_days);
  FIELD(sg_step, counts_working_days);
  FIELD(sg_step, source);
  end();
  BEGIN(sg_discretionary);
  FIELD(sg_discretionary, version);
  FIELD(sg_discretionary, id);
  FIELD(sg_discretionary, direction);
  FIELD(sg_discretionary, author);
  FIELD(sg_discretionary, reason);
  FIELD(sg_discretionary, date);
  FIELD(sg_discretionary, outcome);
  FIELD(sg_discretionary, level_before);
  end();
  BEGIN(sg_rules_info);
  FIELD(sg_rules_info, version);
  FIELD(sg_rules_info, id);
  FIELD(sg_rules_info, pack_version);
  FIELD(sg_rules_info, title);
  FIELD(sg_rules_info, hash);
  FIELD(sg_rules_info, index_count);
  FIELD(sg_rules_info, level_count);
  FIELD(sg_rules_info, rule_count);
  FIELD(sg_rules_info, override_count);
  end();
  BEGIN(sg_assess_options);
  FIELD(sg_assess_options, version);
  FIELD(sg_assess_options, as_of);
  FIELD(sg_assess_options, threads);
  end();
  BEGIN(sg_child_result);
  FIELD(sg_child_result, version);
  FIELD(sg_child_result, id);
  FIELD(sg_child_result, total);
  FIELD(sg_child_result, level);
  FIELD(sg_child_result, level_id);
  FIELD(sg_child_result, score_level);
  FIELD(sg_child_result, immediate_safety);
  FIELD(sg_child_result, contribution_count);
  FIELD(sg_child_result, override_count);
  FIELD(sg_child_result, not_assessable_count);
  end();
  BEGIN(sg_contribution);
  FIELD(sg_contribution, version);
  FIELD(sg_contribution, rule_id);
  FIELD(sg_contribution, rule_title);
  FIELD(sg_contribution, index_id);
  FIELD(sg_contribution, heading);
  FIELD(sg_contribution, evidence_id);
  FIELD(sg_contribution, via_id);
  FIELD(sg_contribution, path);
  FIELD(sg_contribution, source_agency_id);
  FIELD(sg_contribution, restricted);
  FIELD(sg_contribution, raw);
  FIELD(sg_contribution, decay);
  FIELD(sg_contribution, reach);
  FIELD(sg_contribution, cap_factor);
  FIELD(sg_contribution, value);
  FIELD(sg_contribution, kind);
  FIELD(sg_contribution, relation);
  FIELD(sg_contribution, via_kind);
  end();
  BEGIN(sg_place_result);
  FIELD(sg_place_result, version);
  FIELD(sg_place_result, id);
  FIELD(sg_place_result, kind);
  FIELD(sg_place_result, label);
  FIELD(sg_place_result, score);
  FIELD(sg_place_result, own_score);
  FIELD(sg_place_result, contribution_count);
  end();
  BEGIN(sg_explain_options);
  FIELD(sg_explain_options, version);
  FIELD(sg_explain_options, format);
  FIELD(sg_explain_options, viewer_cleared);
  FIELD(sg_explain_options, viewer_cleared_count);
  end();
  printf(",\n  \"constants\": {");
  first_field = 1;
  CONSTANT(SG_VERSION_NUMBER);
  CONSTANT(SG_PERSON_VERSION);
  CONSTANT(SG_CONCERN_VERSION);
  CONSTANT(SG_FACTOR_VERSION);
  CONSTANT(SG_RULES_INFO_VERSION);
  CONSTANT(SG_ASSESS_OPTIONS_VERSION);
  CONSTANT(SG_CHILD_RESULT_VERSION);
  CONSTANT(SG_CONTRIBUTION_VERSION);
  CONSTANT(SG_EXPLAIN_OPTIONS_VERSION);
  CONSTANT(SG_EVENT_VERSION);
  CONSTANT(SG_OVERRIDE_VERSION);
  CONSTANT(SG_TIMESCALES_VERSION);
  CONSTANT(SG_STEP_VERSION);
  CONSTANT(SG_DISCRETIONARY_VERSION);
  CONSTANT(SG_LINT_WARNING_VERSION);
  CONSTANT(SG_PLACE_RESULT_VERSION);
  CONSTANT(SG_LIMITS_VERSION);
  CONSTANT(SG_DATE_SIZE);
  CONSTANT(SG_PERSON_CHILD);
  CONSTANT(SG_PERSON_ADULT);
  CONSTANT(SG_STATUS_OPEN);
  CONSTANT(SG_STATUS_CLOSED);
  CONSTANT(SG_STATUS_UNSUBSTANTIATED);
  CONSTANT(SG_STATUS_RETRACTED);
  CONSTANT(SG_FORMAT_TEXT);
  CONSTANT(SG_FORMAT_JSON);
  CONSTANT(SG_FORMAT_CSV);
  CONSTANT(SG_PROVENANCE_VERSION);
  printf("}\n}\n");
  return 0;
}
