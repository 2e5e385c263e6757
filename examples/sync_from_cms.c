/* Keeps a safeguard record in step with a (fictional) case management system: each change the
 * CMS exports becomes one batch with its record time and provenance; after each batch the
 * program prints the children whose level changed and why (the batch's reason and what it
 * changed). The record is watched (sg_record_watch), so each batch gives back the results of
 * just the children it may have changed (sg_record_apply_changes), not a full assessment. It
 * then answers the review question "what did the tool say on 3 March, and on what?" from the
 * record as it was known then, and shows the audit trail of one concern.
 *
 * Every name, id and date here is invented. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safeguard.h"

#define CHECK(call)                                               \
  do {                                                            \
    if ((call) != SG_OK) {                                        \
      fprintf(stderr, "%s failed: %s\n", #call, sg_error_last()); \
      exit(1);                                                    \
    }                                                             \
  } while (0)

#define MAX_CHILDREN 64
#define AS_OF "2026-11-01"

/* Record times: seconds since 1970-01-01T00:00:00Z. */
#define MARCH_3 1772524800LL /* 2026-03-03T08:00:00Z */
#define DAY (24 * 3600LL)

typedef struct {
  char id[64];
  int level;
} child_level;

typedef struct {
  child_level children[MAX_CHILDREN];
  size_t count;
} levels;

/* Every child's level in a result (known at `known_at`, or the watched record's own). */
static void read_result(levels* out, const sg_result* result) {
  size_t count = 0;
  size_t row;
  CHECK(sg_result_child_count(&count, result));
  out->count = 0;
  for (row = 0; row < count && row < MAX_CHILDREN; ++row) {
    sg_child_result child = SG_CHILD_RESULT_INIT;
    CHECK(sg_result_child(&child, result, row));
    snprintf(out->children[row].id, sizeof out->children[row].id, "%s", child.id);
    out->children[row].level = child.level;
    ++out->count;
  }
}

static void read_levels(levels* out, const sg_record* record, const sg_rules* rules,
                        long long known_at) {
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  sg_result* result = NULL;
  options.as_of = AS_OF;
  CHECK(sg_record_assess(&result, record, rules, &options, known_at));
  read_result(out, result);
  sg_result_free(result);
}

/* Sets a child's level in the table, adding the child if new. */
static void set_level(levels* l, const char* id, int level) {
  size_t i;
  for (i = 0; i < l->count; ++i) {
    if (strcmp(l->children[i].id, id) == 0) {
      l->children[i].level = level;
      return;
    }
  }
  if (l->count == MAX_CHILDREN) return;
  snprintf(l->children[l->count].id, sizeof l->children[l->count].id, "%s", id);
  l->children[l->count].level = level;
  ++l->count;
}

static int level_of(const levels* l, const char* id) {
  size_t i;
  for (i = 0; i < l->count; ++i) {
    if (strcmp(l->children[i].id, id) == 0) return l->children[i].level;
  }
  return -1;
}

static const char* level_name(const sg_rules* rules, int level) {
  const char* id = NULL;
  if (level < 0) return "(not in the record)";
  if (sg_rules_level_id(&id, rules, (size_t)level) != SG_OK) return "?";
  return id;
}

/* Applies one CMS change as a batch and prints the children whose level moved. `current` holds
 * every child's level as last reported; only the children the batch may have changed come
 * back, so only they are compared. */
static void sync(sg_record* record, const sg_rules* rules, levels* current, sg_batch* batch,
                 long long recorded_at, const char* author, const char* reason,
                 const char* reference) {
  levels changed;
  sg_provenance provenance = SG_PROVENANCE_INIT;
  sg_result* result = NULL;
  unsigned long long revision = 0;
  char* changes = NULL;
  size_t i;
  provenance.recorded_at = recorded_at;
  provenance.author = author;
  provenance.reason = reason;
  provenance.source_system = "fictional-cms";
  provenance.source_reference = reference;
  CHECK(sg_record_apply_changes(&result, &revision, record, batch, &provenance));
  sg_batch_free(batch);
  read_result(&changed, result);
  sg_result_free(result);
  printf("revision %llu (%s, %s): %s; %zu child(ren) rescored\n", revision, reference, author,
         reason, changed.count);
  for (i = 0; i < changed.count; ++i) {
    const int was = level_of(current, changed.children[i].id);
    if (was != changed.children[i].level) {
      printf("  %s: %s -> %s\n", changed.children[i].id, level_name(rules, was),
             level_name(rules, changed.children[i].level));
    }
    set_level(current, changed.children[i].id, changed.children[i].level);
  }
  CHECK(sg_record_batch_trail(&changes, NULL, record, revision, SG_FORMAT_CSV));
  printf("  changed (CSV trail):\n%s", strchr(changes, '\n') + 1);
  sg_buffer_free(changes);
}

static sg_batch* new_batch(void) {
  sg_batch* batch = NULL;
  CHECK(sg_batch_new(&batch));
  return batch;
}

int main(void) {
  sg_record* record = NULL;
  sg_rules* rules = NULL;
  sg_batch* batch;
  levels then;
  char* trail = NULL;
  size_t i;
  const char* about_child[] = {"P-ELM-C1"};
  const char* involves_adult[] = {"P-ELM-M"};
  levels current;
  sg_result* watched = NULL;
  sg_assess_options options = SG_ASSESS_OPTIONS_INIT;
  CHECK(sg_record_new(&record));
  CHECK(sg_rules_load_file(&rules, SG_DEFAULT_RULES));
  /* Watch the record as of today: every child's results now (none yet), then only changes. */
  options.as_of = AS_OF;
  CHECK(sg_record_watch(&watched, record, rules, &options));
  read_result(&current, watched);
  sg_result_free(watched);

  /* 3 March: the family is referred by the school. */
  batch = new_batch();
  CHECK(sg_batch_add_agency(batch, "AG-ELM-SCH", "school", "Fictional Primary"));
  CHECK(sg_batch_add_agency(batch, "AG-ELM-POL", "police", NULL));
  CHECK(sg_batch_add_household(batch, "HH-ELM"));
  {
    sg_person mother = SG_PERSON_INIT, child = SG_PERSON_INIT;
    mother.id = "P-ELM-M";
    mother.kind = SG_PERSON_ADULT;
    mother.dob = "1991-04-02";
    mother.household = "HH-ELM";
    child.id = "P-ELM-C1";
    child.kind = SG_PERSON_CHILD;
    child.dob = "2017-06-15";
    child.household = "HH-ELM";
    CHECK(sg_batch_add_person(batch, &mother));
    CHECK(sg_batch_add_person(batch, &child));
  }
  CHECK(sg_batch_add_relation(batch, "parent_of", "P-ELM-M", "P-ELM-C1"));
  {
    sg_concern concern = SG_CONCERN_INIT;
    concern.id = "C-ELM-1";
    concern.category = "school_attendance";
    concern.severity = 2;
    concern.incident = "2026-02-20";
    concern.recorded = "2026-03-02";
    concern.source = "AG-ELM-SCH";
    concern.about = about_child;
    concern.about_count = 1;
    CHECK(sg_batch_add_concern(batch, &concern));
  }
  sync(record, rules, &current, batch, MARCH_3, "worker-14", "referral from school", "CMS-1001");

  /* 10 March: police report domestic abuse involving the mother. */
  batch = new_batch();
  {
    sg_concern concern = SG_CONCERN_INIT;
    concern.id = "C-ELM-2";
    concern.category = "domestic_abuse";
    concern.severity = 4;
    concern.incident = "2026-03-08";
    concern.recorded = "2026-03-09";
    concern.source = "AG-ELM-POL";
    concern.restricted = 1;
    concern.about = about_child;
    concern.about_count = 1;
    concern.involves = involves_adult;
    concern.involves_count = 1;
    CHECK(sg_batch_add_concern(batch, &concern));
  }
  sync(record, rules, &current, batch, MARCH_3 + 7 * DAY, "worker-14", "police notification",
       "CMS-1002");

  /* 1 April: the school corrects the attendance concern's severity. */
  batch = new_batch();
  CHECK(sg_batch_amend(batch, "concern", "C-ELM-1", "severity", "4"));
  sync(record, rules, &current, batch, MARCH_3 + 29 * DAY, "worker-20",
       "severity corrected by school", "CMS-1003");

  /* 2 May: the police notification is withdrawn from 1 May: wrong address. */
  batch = new_batch();
  CHECK(sg_batch_retract(batch, "C-ELM-2", "2026-05-01", "recorded against the wrong address"));
  sync(record, rules, &current, batch, MARCH_3 + 60 * DAY, "worker-20",
       "police notification withdrawn", "CMS-1004");

  /* The review question: what did the tool say, as of today, from what it knew on 3 March? */
  read_levels(&then, record, rules, MARCH_3);
  printf("known at the first referral (record time %lld):\n", MARCH_3);
  for (i = 0; i < then.count; ++i)
    printf("  %s: %s\n", then.children[i].id, level_name(rules, then.children[i].level));

  CHECK(sg_record_trail(&trail, NULL, record, "C-ELM-1", SG_FORMAT_CSV));
  printf("audit trail of C-ELM-1:\n%s", trail);
  sg_buffer_free(trail);

  sg_rules_free(rules);
  sg_record_free(record);
  return 0;
}
