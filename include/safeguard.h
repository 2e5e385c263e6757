/*
 * safeguard.h — the stable C API of safeguard, a library for multi-agency child-safeguarding
 * risk assessment.
 *
 * A short guide
 * -------------
 * 1. Build a case graph: sg_graph_new(), then sg_graph_load_file() / sg_graph_load_buffer() for
 *    a JSON case file, or add entities one batch at a time with sg_batch_new(),
 *    sg_batch_add_*() and sg_graph_apply(). A batch applies atomically: if any item is invalid,
 *    nothing changes and sg_error_last() names the item and the reason.
 * 2. Load a rule pack: sg_rules_load_file() / sg_rules_load_buffer() (TOML; see docs/rules.md),
 *    or one bundled in the library by name: sg_rules_load_bundled(&rules, "default", NULL).
 * 3. Assess: sg_assess() scores every child as of a date given in the options — never the
 *    clock — and returns an sg_result holding per-child scores, levels and contributions.
 * 4. Read results: sg_result_child_count(), sg_result_child(), sg_result_contribution(),
 *    sg_result_scores() for the whole score matrix (sg_result_scores_for() as a reader may
 *    attribute it), sg_result_explain() for text or JSON.
 *    When the pack propagates risk through the network, sg_result_place_count() and
 *    sg_result_place() rank the places and groups where it concentrates.
 * 5. Free what you created: every _new/_load/assess has a matching _free; every buffer the
 *    library returns is freed with sg_buffer_free(). _free(NULL) is always a no-op.
 *
 * Errors: fallible calls return int — SG_OK (0) or a negative SG_E_* code. Codes are stable and
 * never reused. sg_error_last() gives this thread's message for the last failure, with its
 * place (file:line:column, entity id), and sg_error_last_detail() the same place as fields;
 * sg_status_str() gives static text for a code. Long calls (load, save, assess, and a record's
 * open, apply and import) have _progress variants whose callback can stop them, leaving
 * everything unchanged. No C++
 * exception ever crosses this boundary. Passing NULL or an invalid value returns
 * SG_E_INVALID_ARGUMENT. A call that returns a new handle or buffer through `out` sets *out
 * to NULL when it fails. Using a handle after freeing it is the caller's bug and is not
 * detected.
 *
 * Threads: a loaded rule pack (sg_rules) and a result (sg_result) are immutable and may be
 * used from any number of threads at once. A graph may be read (assessed, saved) by several
 * threads at once but edited by one thread at a time, with no reads during an edit. A call
 * that breaks this rule is refused, never blocks and changes nothing: it returns SG_E_MISUSE
 * (a read while another thread edits the graph, an edit while another thread reads or edits
 * it). Error state is per thread.
 *
 * Strings are UTF-8 and NUL-terminated unless a length is given. Dates are "YYYY-MM-DD".
 * Pointers returned inside result structs stay valid until the sg_result is freed.
 */
#ifndef SAFEGUARD_H
#define SAFEGUARD_H

#include <stddef.h>
#include <stdint.h> /* sg_column: int64_t offsets, int32_t days, uint8_t masks */

#include "safeguard/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(SG_SHARED)
#ifdef SG_BUILDING_LIBRARY
#define SG_API __declspec(dllexport)
#else
#define SG_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define SG_API __attribute__((visibility("default")))
#else
#define SG_API
#endif

/* ---- Status codes (stable; never renumbered or reused) ---------------------------------- */

#define SG_OK 0
#define SG_E_INVALID_ARGUMENT -1 /* NULL pointer, bad enum value, malformed string argument */
#define SG_E_PARSE -2            /* syntax error in a case file, rule pack or expression */
#define SG_E_INVALID_DATA -3     /* well-formed but wrong: impossible date, value out of range */
#define SG_E_NOT_FOUND -4        /* an id that names nothing */
#define SG_E_DUPLICATE -5        /* an id (or key, or relation) given twice */
#define SG_E_TYPE -6             /* wrong type in a file, or an expression type error */
#define SG_E_IO -7               /* a file could not be read or written */
#define SG_E_LIMIT -8            /* a size, depth or count limit was exceeded */
#define SG_E_NOMEM -9            /* out of memory */
#define SG_E_RANGE -10           /* an index past the end */
#define SG_E_VERSION -11         /* unsupported schema or option-struct version */
#define SG_E_DIVERGENT -12       /* propagation settings that would diverge */
#define SG_E_INTERNAL -13        /* a bug in safeguard; please report it */
#define SG_E_ENCODING -14        /* text that is not valid UTF-8 */
#define SG_E_MISUSE -15          /* a graph read during an edit, or edited during a read */
#define SG_E_CANCELLED -16       /* a progress callback stopped the call; nothing changed */

/* ---- Version ---------------------------------------------------------------------------- */

/* SG_VERSION_NUMBER of the library actually linked (compare with the header's). */
SG_API int sg_version_number(void);
/* "MAJOR.MINOR.PATCH" of the library actually linked. Static storage. */
SG_API const char* sg_version_string(void);

/* ---- Errors ----------------------------------------------------------------------------- */

/* Static English text for a status code ("unknown status" for codes this version lacks). */
SG_API const char* sg_status_str(int status);
/* This thread's message for its last failed call, or "" if none. Valid until this thread's
 * next call into the library. */
SG_API const char* sg_error_last(void);
/* The code of this thread's last failed call, or SG_OK. */
SG_API int sg_error_last_status(void);

/* ---- Buffers ---------------------------------------------------------------------------- */

/* Frees a buffer the library returned (saved case files, explanations). NULL is a no-op. */
SG_API void sg_buffer_free(char* buffer);
/* Copies `text_count` NUL-terminated texts, each followed by its NUL, one after another into a
 * new buffer: *out receives it (free it with sg_buffer_free()), *out_size (if not NULL) its
 * length, the NULs included. For bindings that read many texts the library handed out (the
 * column calls' `const char*` cells, sg_result_contribution_columns): one call, and one decode
 * and split in the binding, instead of a call per text. Every entry of `texts` must be a text
 * the caller may read; a NULL entry is SG_E_INVALID_ARGUMENT (naming its index). `texts` may be
 * NULL when text_count is 0 (an empty buffer). Thread-safe. */
SG_API int sg_texts_join(char** out, size_t* out_size, const char* const* texts, size_t text_count);

/* ---- Graph ------------------------------------------------------------------------------ */

typedef struct sg_graph sg_graph;
typedef struct sg_batch sg_batch;

SG_API int sg_graph_new(sg_graph** out);
SG_API void sg_graph_free(sg_graph* graph);

/* ---- Limits -----------------------------------------------------------------------------
 * Bounds on what a graph or a rule pack accepts, so that hostile or broken input cannot
 * exhaust the host. A field left 0 keeps the library default (in brackets; docs/limits.md
 * explains each). Input past a limit fails with SG_E_LIMIT and a message naming the limit. */
typedef struct sg_limits {
  int version;                  /* SG_LIMITS_VERSION */
  size_t max_file_bytes;        /* one case file [8 GiB] */
  size_t max_depth;             /* JSON nesting in a case file [32] */
  size_t max_string_bytes;      /* one JSON string [64 KiB] */
  size_t max_id_bytes;          /* one entity id [256] */
  size_t max_text_bytes;        /* one name or summary [64 KiB] */
  size_t max_entities;          /* entities in one graph [50,000,000] */
  size_t max_list_items;        /* about, involves, protects or flags of one entity [10,000] */
  size_t max_pack_bytes;        /* one rule pack [4 MiB] */
  size_t max_rules;             /* rules in one pack [10,000] */
  size_t max_overrides;         /* policy overrides in one pack [10,000] */
  size_t max_levels;            /* levels in one pack [32] */
  size_t max_indices;           /* indices in one pack [256] */
  size_t max_expression_length; /* bytes in one rule expression [4096] */
  size_t max_expression_depth;  /* nesting in one rule expression [48] */
} sg_limits;
#define SG_LIMITS_VERSION 1
#define SG_LIMITS_INIT \
  { SG_LIMITS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/* As sg_graph_new, with the graph and case-file limits of `limits` (the pack fields are not
 * used here). The graph keeps them for every later load and apply. */
SG_API int sg_graph_new_with_limits(sg_graph** out, const sg_limits* limits);

/* Loads a JSON case file into the graph as one atomic batch (the graph may already hold
 * entities; ids must not clash). On failure the graph is unchanged. */
SG_API int sg_graph_load_file(sg_graph* graph, const char* path);
/* As sg_graph_load_file, from memory. `name` labels error messages and may be NULL. */
SG_API int sg_graph_load_buffer(sg_graph* graph, const char* data, size_t size, const char* name);
/* Writes the graph as a case file. *out receives a NUL-terminated buffer to free with
 * sg_buffer_free(); *out_size (if not NULL) its length without the NUL. */
SG_API int sg_graph_save_buffer(char** out, size_t* out_size, const sg_graph* graph);
SG_API int sg_graph_save_file(const sg_graph* graph, const char* path);

/* Number of live entities of each kind, and the total. `kind` is "person", "agency",
 * "concern", "factor", "place", "group", "household" or NULL for all. */
SG_API int sg_graph_count(size_t* out, const sg_graph* graph, const char* kind);

/* ---- Batches of edits ------------------------------------------------------------------- */

#define SG_PERSON_CHILD 0
#define SG_PERSON_ADULT 1

#define SG_STATUS_OPEN 0
#define SG_STATUS_CLOSED 1
#define SG_STATUS_UNSUBSTANTIATED 2
#define SG_STATUS_RETRACTED 3

typedef struct sg_person {
  int version; /* SG_PERSON_VERSION */
  const char* id;
  int kind;                 /* SG_PERSON_CHILD or SG_PERSON_ADULT */
  const char* dob;          /* "YYYY-MM-DD" or NULL when unknown */
  const char* household;    /* household id or NULL */
  const char* const* flags; /* vulnerability flags, e.g. "disability" */
  size_t flag_count;
  /* Version 2: a display name ("Amy Ash") or NULL. Personal data: shown only in the conference
   * report and the family version (sg_render_report), never in errors, logs or results. */
  const char* name;
} sg_person;
#define SG_PERSON_VERSION 2
#define SG_PERSON_INIT \
  { SG_PERSON_VERSION, NULL, SG_PERSON_CHILD, NULL, NULL, NULL, 0, NULL }

typedef struct sg_concern {
  int version; /* SG_CONCERN_VERSION */
  const char* id;
  const char* category;
  int severity;         /* 1 (low) to 5 (high) */
  const char* incident; /* "YYYY-MM-DD" or NULL */
  const char* recorded; /* "YYYY-MM-DD", required */
  int status;           /* SG_STATUS_* */
  const char* source;   /* agency id */
  int restricted;       /* non-zero: details shown only to cleared viewers */
  const char* const* about;
  size_t about_count;
  const char* const* involves; /* adults alleged to cause the harm */
  size_t involves_count;
  const char* summary; /* may be NULL */
} sg_concern;
#define SG_CONCERN_VERSION 1
#define SG_CONCERN_INIT \
  { SG_CONCERN_VERSION, NULL, NULL, 1, NULL, NULL, SG_STATUS_OPEN, NULL, 0, NULL, 0, NULL, 0, NULL }

typedef struct sg_factor {
  int version; /* SG_FACTOR_VERSION */
  const char* id;
  const char* kind;
  int strength;            /* 1 (weak) to 5 (strong) */
  const char* start;       /* "YYYY-MM-DD" or NULL */
  const char* end;         /* "YYYY-MM-DD" or NULL */
  const char* provided_by; /* person or agency id, or NULL */
  const char* const* protects;
  size_t protects_count;
  const char* summary;
} sg_factor;
#define SG_FACTOR_VERSION 1
#define SG_FACTOR_INIT \
  { SG_FACTOR_VERSION, NULL, NULL, 1, NULL, NULL, NULL, NULL, 0, NULL }

SG_API int sg_batch_new(sg_batch** out);
SG_API void sg_batch_free(sg_batch* batch);
/* Number of items queued. */
SG_API int sg_batch_size(size_t* out, const sg_batch* batch);

/* Each adder copies its arguments into the batch; nothing is checked against the graph until
 * sg_graph_apply(). Arguments are checked for form here (NULL, UTF-8, dates). */
SG_API int sg_batch_add_person(sg_batch* batch, const sg_person* person);
SG_API int sg_batch_add_agency(sg_batch* batch, const char* id, const char* type, const char* name);
SG_API int sg_batch_add_household(sg_batch* batch, const char* id);
SG_API int sg_batch_add_place(sg_batch* batch, const char* id, const char* kind, const char* name);
SG_API int sg_batch_add_group(sg_batch* batch, const char* id, const char* kind, const char* name);
SG_API int sg_batch_add_concern(sg_batch* batch, const sg_concern* concern);
SG_API int sg_batch_add_factor(sg_batch* batch, const sg_factor* factor);
/* kind: "parent_of", "carer_of", "sibling_of", "partner_of", "associate", "member_of",
 * "frequents". */
SG_API int sg_batch_add_relation(sg_batch* batch, const char* kind, const char* from,
                                 const char* to);
/* Replaces every field of an existing concern with the same id (to change only some, use
 * sg_batch_amend with kind "concern"). */
SG_API int sg_batch_amend_concern(sg_batch* batch, const sg_concern* concern);
/* The concern stops scoring but stays recorded, as retracted. */
SG_API int sg_batch_retract_concern(sg_batch* batch, const char* id);
/* Removes a person, their relations, and every concern or factor only about them. */
SG_API int sg_batch_erase_person(sg_batch* batch, const char* id);

/* A step of the child protection process for one or more children. kind: "referral",
 * "referral_decision", "strategy_discussion", "assessment_start", "assessment_complete",
 * "initial_conference", "review_conference", "plan_end", and since version 2 of the struct's
 * library (0.x with SG_EVENT_VERSION 2) "section47_start", "section47_outcome", "core_group",
 * "outline_plan", "detailed_plan", "cp_visit", "plan_start", "looked_after_start",
 * "looked_after_review", "looked_after_end", "statutory_visit", "missing_episode",
 * "missing_return", "return_interview", "expected_birth", "ird", "transfer_in",
 * "transfer_conference", "record_source" (the child's record comes from the source its
 * `category` names, such as "cin_census": steps that source never records show "not_recorded"
 * in the timeline; docs/timescales.md, "Sources") (docs/case-files.md). */
typedef struct sg_event {
  int version; /* SG_EVENT_VERSION */
  const char* id;
  const char* kind;
  const char* date;         /* "YYYY-MM-DD", required */
  const char* const* about; /* child ids, at least one */
  size_t about_count;
  const char* note; /* may be NULL */
  /* Version 2. What the event decided, for kinds that record one ("s47", "no_s47", "nfa",
   * "no_conference", "plan", "no_plan", "end_plan"...; docs/case-files.md); NULL for none. */
  const char* decision;
  const char* category; /* plan_start: the category of abuse or neglect; record_source: the
                           source ("cin_census"), required; may be NULL otherwise */
  const char* expected; /* expected_birth: the expected date of birth "YYYY-MM-DD"; else NULL */
} sg_event;
#define SG_EVENT_VERSION 2
#define SG_EVENT_INIT \
  { SG_EVENT_VERSION, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL }

/* A discretionary override: recorded professional judgement that moves one child's level one
 * step ("raise" or "lower"), or (version 3) an adult's own result (sg_result_adult(); a DASH
 * victim's: docs/rules.md, "Results for adults"). The latest one about the person on or before
 * the as-of date applies, if the rule pack accepts its direction ([discretionary] allow); it
 * never takes a level below a policy override's minimum. */
typedef struct sg_override {
  int version; /* SG_OVERRIDE_VERSION */
  const char* id;
  const char* child;     /* the child it is about; NULL when `adult` is given (version 3) */
  const char* direction; /* "raise" or "lower" */
  const char* date;      /* "YYYY-MM-DD", required */
  const char* author;    /* practitioner's id or role (not a name), required */
  const char* reason;    /* required */
  /* Version 2: the approval, both or neither (NULL). approved_by is the entity id of an adult
   * in the graph (never a name); approved, "YYYY-MM-DD", is on or after date. A pack may need
   * an approval before judgement applies ([discretionary] approval). */
  const char* approved_by;
  const char* approved;
  /* Version 3: the adult it is about, instead of a child (exactly one of child and adult). */
  const char* adult;
} sg_override;
#define SG_OVERRIDE_VERSION 3
#define SG_OVERRIDE_INIT \
  { SG_OVERRIDE_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

SG_API int sg_batch_add_event(sg_batch* batch, const sg_event* event);
SG_API int sg_batch_add_override(sg_batch* batch, const sg_override* judgement);

/* A recorded entry (Signs of Safety), dated and about one or more children. kind:
 * "child_voice", "parent_view", "danger_statement", "existing_safety", "strength",
 * "safety_goal", "next_step" or "scaling" (a judgement 0-10: value, and optionally the question
 * asked). author is a role or practitioner id, never a name. A restricted entry (source
 * required) is shown only to readers cleared for its source agency; others never learn it
 * exists. Entries are shown in the conference report and family version; they never score. The
 * graph checks the rest when the batch is applied (docs/case-files.md, "Entries"). */
typedef struct sg_entry {
  int version; /* SG_ENTRY_VERSION */
  const char* id;
  const char* kind;
  const char* date;         /* "YYYY-MM-DD", required */
  const char* const* about; /* child ids, at least one */
  size_t about_count;
  const char* author;   /* required */
  const char* text;     /* required */
  int value;            /* scaling: 0-10; other kinds: SG_ENTRY_NO_VALUE */
  const char* question; /* scaling only; may be NULL */
  const char* source;   /* the agency that recorded it; may be NULL unless restricted */
  int restricted;       /* 0 or 1 */
} sg_entry;
#define SG_ENTRY_NO_VALUE (-1)
#define SG_ENTRY_VERSION 1
#define SG_ENTRY_INIT \
  { SG_ENTRY_VERSION, NULL, NULL, NULL, NULL, 0, NULL, NULL, SG_ENTRY_NO_VALUE, NULL, NULL, 0 }

SG_API int sg_batch_add_entry(sg_batch* batch, const sg_entry* entry);
/* The nation whose bank holidays and statutory process the graph's timelines use:
 * "england-and-wales" (the default; England's process), "england", "wales", "scotland" or
 * "northern-ireland". Local closures are kept. */
SG_API int sg_batch_set_nation(sg_batch* batch, const char* nation);
/* A local closure day (not a working day for the graph's timescales). */
SG_API int sg_batch_add_closure(sg_batch* batch, const char* date);

/* Applies every item of the batch or none. The batch is left as it was and may be reused. */
SG_API int sg_graph_apply(sg_graph* graph, const sg_batch* batch);

/* ---- Tables as column buffers ------------------------------------------------------------
 * A whole table at a time, as columns (the layout of Arrow's C data interface, in spirit): what
 * a host with columnar data (pandas, Arrow, a database cursor) hands over without making an
 * object, or a call, per row. A table is a case-file section ("agencies", "households",
 * "persons", "places", "groups", "concerns", "factors", "relations", "events", "overrides",
 * "entries", or "calendar" with one row); a column is one of its fields, with the case file's
 * names and meaning (docs/case-files.md). A column left out is a field left out. The library
 * only reads the buffers, during the call.
 *
 * A row whose validity bit is clear holds no value there: the field is left out of that entity,
 * as a case file leaves it out (a missing list is empty, a missing flag false); validity NULL
 * means every row holds one. Bit i is bit (i % 8) of byte i / 8, least significant first, as
 * Arrow's.
 *
 *   SG_COLUMN_TEXT       UTF-8 text. Row i is data[offsets[i] .. offsets[i + 1]) (no NUL
 *                        needed); offsets has row_count + 1 entries, never decreasing, the
 *                        last at most data_size.
 *   SG_COLUMN_NUMBER     doubles in numbers[row_count]: severity, strength, value. A whole
 *                        number is read as the case file's integer; anything else is refused.
 *   SG_COLUMN_DAY        int32_t days since 1970-01-01 in days[row_count], for a date field
 *                        (dob, incident, recorded, start, end, date, ...).
 *   SG_COLUMN_FLAG       uint8_t 0 or 1 in flags[row_count]: restricted.
 *   SG_COLUMN_TEXT_LIST  lists of text: flags, about, involves, protects, closures. Row i's
 *                        items are items list_offsets[i] .. list_offsets[i + 1] (row_count + 1
 *                        entries); item k is data[offsets[k] .. offsets[k + 1]) (offsets has
 *                        list_offsets[row_count] + 1 entries). */
#define SG_COLUMN_TEXT 1
#define SG_COLUMN_NUMBER 2
#define SG_COLUMN_DAY 3
#define SG_COLUMN_FLAG 4
#define SG_COLUMN_TEXT_LIST 5

typedef struct sg_column {
  const char* name;            /* the field: "id", "dob", "about", ... */
  int type;                    /* SG_COLUMN_* */
  const uint8_t* validity;     /* one bit a row, or NULL: every row holds a value */
  const int64_t* offsets;      /* TEXT: row_count + 1; TEXT_LIST: item count + 1 */
  const char* data;            /* TEXT, TEXT_LIST: the bytes the offsets index */
  size_t data_size;            /* bytes in data */
  const int64_t* list_offsets; /* TEXT_LIST: row_count + 1 */
  const double* numbers;       /* NUMBER */
  const int32_t* days;         /* DAY */
  const uint8_t* flags;        /* FLAG */
} sg_column;

typedef struct sg_table {
  int version;      /* SG_TABLE_VERSION */
  const char* name; /* the case-file section */
  size_t row_count;
  const sg_column* columns; /* column_count of them, each field at most once */
  size_t column_count;
} sg_table;
#define SG_TABLE_VERSION 1
#define SG_TABLE_INIT \
  { SG_TABLE_VERSION, NULL, 0, NULL, 0 }

/* Adds the rows of `tables` to the graph as one atomic batch, checked exactly as the same
 * entities in a case file (sg_graph_load_buffer) are: every row is added, or none. Tables go in
 * in the order a case file's sections do, whatever their order here; each table at most once.
 * Malformed buffers (offsets that decrease or run past data_size, a missing buffer, an unknown
 * table, column or type) are SG_E_INVALID_ARGUMENT; a refused row is the status the case file
 * would give (SG_E_TYPE, SG_E_INVALID_DATA, SG_E_NOT_FOUND, SG_E_DUPLICATE, SG_E_ENCODING,
 * SG_E_LIMIT). Either way the message names the table, the row (0-based) and the column, and
 * sg_error_last_detail() gives them as fields: file is the table's name, line the row + 1,
 * column the column's position in `columns` + 1 (0 when the row as a whole is refused), entity
 * the row's id. Into an empty graph the rows are built as they are read, holding no batch. */
SG_API int sg_graph_add_tables(sg_graph* graph, const sg_table* tables, size_t table_count);

/* The graph as tables: the reverse of sg_graph_add_tables, and what sg_graph_save_buffer writes
 * (the whole record, restricted evidence included), as columns rather than text. Every section
 * is there, in the order a case file's go into a batch ("agencies" .. "entries", then
 * "calendar" with one row), each with every column the section has, in docs/case-files.md's
 * order, typed as sg_graph_add_tables reads them: dates as SG_COLUMN_DAY, severity, strength
 * and value as SG_COLUMN_NUMBER, restricted as SG_COLUMN_FLAG, lists (about, flags, attributes,
 * items, closures, ...) as SG_COLUMN_TEXT_LIST, the rest SG_COLUMN_TEXT. Rows are the entities
 * in the order the saved file lists them. A field the saved file leaves out of an entity is a
 * clear validity bit (its cell an empty text or list, or 0); validity is NULL when every row
 * holds a value. Handed back to sg_graph_add_tables, the tables make the same graph.
 *
 * *out owns every buffer; sg_tables_get gives its tables, valid until sg_tables_free. */
typedef struct sg_tables sg_tables;
SG_API int sg_graph_tables(sg_tables** out, const sg_graph* graph);
SG_API int sg_tables_get(const sg_table** out, size_t* out_count, const sg_tables* tables);
SG_API void sg_tables_free(sg_tables* tables);

/* ---- Rule packs ------------------------------------------------------------------------- */

typedef struct sg_rules sg_rules;

SG_API int sg_rules_load_file(sg_rules** out, const char* path);
/* `name` labels error messages and may be NULL. */
SG_API int sg_rules_load_buffer(sg_rules** out, const char* data, size_t size, const char* name);
/* As sg_rules_load_file / sg_rules_load_buffer, with the pack limits of `limits`. */
SG_API int sg_rules_load_file_with_limits(sg_rules** out, const char* path,
                                          const sg_limits* limits);
SG_API int sg_rules_load_buffer_with_limits(sg_rules** out, const char* data, size_t size,
                                            const char* name, const sg_limits* limits);
SG_API void sg_rules_free(sg_rules* rules);

typedef struct sg_rules_info {
  int version; /* SG_RULES_INFO_VERSION */
  const char* id;
  const char* pack_version;
  const char* title;
  const char* hash; /* SHA-256 of the canonical content, lower-case hex */
  size_t index_count;
  size_t level_count;
  size_t rule_count;
  size_t override_count;
} sg_rules_info;
#define SG_RULES_INFO_VERSION 1
#define SG_RULES_INFO_INIT \
  { SG_RULES_INFO_VERSION, NULL, NULL, NULL, NULL, 0, 0, 0, 0 }

/* Strings point into the pack and live as long as it does. */
SG_API int sg_rules_info_get(sg_rules_info* out, const sg_rules* rules);
SG_API int sg_rules_index_id(const char** out, const sg_rules* rules, size_t index);
SG_API int sg_rules_level_id(const char** out, const sg_rules* rules, size_t level);

/* Statutory timescales the pack's timeline uses (Working Together defaults unless it says). */
typedef struct sg_timescales {
  int version; /* SG_TIMESCALES_VERSION */
  int referral_decision_working_days;
  int assessment_working_days;
  int initial_conference_working_days;
  int first_review_months;
  int review_interval_months;
  const char* discretionary; /* "raise_and_lower", "raise_only", "lower_only" or "none" */
} sg_timescales;
#define SG_TIMESCALES_VERSION 1
#define SG_TIMESCALES_INIT \
  { SG_TIMESCALES_VERSION, 0, 0, 0, 0, 0, NULL }
SG_API int sg_rules_timescales(sg_timescales* out, const sg_rules* rules);

/* Lint: findings about a pack that loads but probably does not say what its author meant
 * (unreachable levels, rules or overrides that can never fire or always fire, unused indices,
 * shared ids, overlapping or contradictory overrides, points whose sign contradicts their
 * heading). Computed when the pack loads; a clean pack has none. */
typedef struct sg_lint_warning {
  int version;         /* SG_LINT_WARNING_VERSION */
  const char* code;    /* stable: "unused-index", "rule-never-fires", "unreachable-level"... */
  const char* message; /* names the ids involved */
  const char* file;    /* the pack's name as loaded */
  int line;            /* 1-based; 0 when unknown */
  int column;
  const char* entity; /* id of the rule, override, index or level */
} sg_lint_warning;
#define SG_LINT_WARNING_VERSION 1
#define SG_LINT_WARNING_INIT \
  { SG_LINT_WARNING_VERSION, NULL, NULL, NULL, 0, 0, NULL }
SG_API int sg_rules_lint_count(size_t* out, const sg_rules* rules);
/* Strings live as long as the pack. */
SG_API int sg_rules_lint(sg_lint_warning* out, const sg_rules* rules, size_t k);

/* ---- Calendars and dates ---------------------------------------------------------------- */

/* Room for a "YYYY-MM-DD" date and its NUL. */
#define SG_DATE_SIZE 11

typedef struct sg_calendar sg_calendar;

/* A working-day calendar for a nation ("england-and-wales", "scotland", "northern-ireland";
 * "england" and "wales" have the holidays of "england-and-wales"):
 * weekends, that nation's bank holidays (rules plus the one-off changes since 1990) and any
 * closures added. Immutable once built except through sg_calendar_add_closure(), which must
 * not run at the same time as any other use of that calendar. */
SG_API int sg_calendar_new(sg_calendar** out, const char* nation);
/* A copy of the calendar a graph's timelines use (its nation and closures). */
SG_API int sg_graph_calendar(sg_calendar** out, const sg_graph* graph);
SG_API void sg_calendar_free(sg_calendar* calendar);
SG_API int sg_calendar_add_closure(sg_calendar* calendar, const char* date);
/* *out = 1 for a working day, 0 otherwise. */
SG_API int sg_calendar_is_working_day(int* out, const sg_calendar* calendar, const char* date);
/* The count-th working day after date (count >= 0; 0 gives date itself). */
SG_API int sg_calendar_add_working_days(char out[SG_DATE_SIZE], const sg_calendar* calendar,
                                        const char* date, int count);
/* Working days after from, up to and including to; negative when to is before from. */
SG_API int sg_calendar_working_days_between(int* out, const sg_calendar* calendar, const char* from,
                                            const char* to);
/* The bank holidays of a nation in a year (1400-9999), in date order. */
SG_API int sg_bank_holiday_count(size_t* out, const char* nation, int year);
SG_API int sg_bank_holiday(char out[SG_DATE_SIZE], const char* nation, int year, size_t k);
/* Calendar months after a date, clamped to the end of a shorter month (31 Jan + 1 = 28/29 Feb).
 * months may be negative. */
SG_API int sg_date_add_months(char out[SG_DATE_SIZE], const char* date, int months);
/* Age at a date: completed years in *out_years and completed months in total in *out_months
 * (not the months since the last birthday: 2 years 3 months gives 2 and 27). A 29 February
 * birthday falls on 1 March in common years. Either output may be NULL. Negative before birth. */
SG_API int sg_age(int* out_years, int* out_months, const char* birth, const char* at);

/* ---- Assessment ------------------------------------------------------------------------- */

typedef struct sg_result sg_result;
typedef struct sg_process sg_process;

typedef struct sg_assess_options {
  int version;       /* SG_ASSESS_OPTIONS_VERSION */
  const char* as_of; /* "YYYY-MM-DD", required: results never depend on the clock */
  unsigned threads;  /* 0: one per hardware thread; results are identical for any value */
  /* Version 2. */
  const sg_process* process; /* the statutory process timelines follow (sg_process_load_file);
                                NULL: the bundled process of the case's nation */
  /* Version 3. */
  int explanations; /* SG_EXPLANATIONS_EAGER or SG_EXPLANATIONS_LAZY */
} sg_assess_options;
#define SG_ASSESS_OPTIONS_VERSION 3
#define SG_ASSESS_OPTIONS_INIT \
  { SG_ASSESS_OPTIONS_VERSION, NULL, 1, NULL, SG_EXPLANATIONS_EAGER }
/* Whether sg_assess keeps every child's explanation lines (EAGER, the default) or only those of
 * children with restricted lines, writing another child's when first read (LAZY: by scoring that
 * child again). Every call on the result returns the same either way, bit for bit, and a result
 * stays safe to read from many threads. LAZY suits hosts that read levels and scores and few
 * explanations (up to about 400 bytes a child saved); EAGER suits hosts that read every line. */
#define SG_EXPLANATIONS_EAGER 0
#define SG_EXPLANATIONS_LAZY 1

/* A statutory process for timelines (docs/timescales.md): a nation's process file, or a local
 * file (`[process] extends = "england"`) that sets the local steps (visit frequency...) over
 * the bundled process of its nation. nation is the case's ("england-and-wales", "england",
 * "wales", "scotland", "northern-ireland"): a file for another nation is SG_E_INVALID_ARGUMENT.
 * A malformed file is SG_E_PARSE (or SG_E_TYPE, SG_E_INVALID_DATA) naming file, line and
 * column; a statutory step a local file tries to change is refused by name. Immutable once
 * loaded: share it between threads and assessments freely. */
SG_API int sg_process_load_file(sg_process** out, const char* path, const char* nation);
SG_API int sg_process_load_buffer(sg_process** out, const char* data, size_t size, const char* name,
                                  const char* nation);
SG_API void sg_process_free(sg_process* process);
/* The nation the process is for: "england", "wales", "scotland" or "northern-ireland". */
SG_API int sg_process_nation(const char** out, const sg_process* process);

/* Scores every child in the graph. The result keeps what it needs alive: the graph and rules
 * may be freed or edited afterwards. */
SG_API int sg_assess(sg_result** out, const sg_graph* graph, const sg_rules* rules,
                     const sg_assess_options* options);
SG_API void sg_result_free(sg_result* result);

SG_API int sg_result_child_count(size_t* out, const sg_result* result);
SG_API int sg_result_index_count(size_t* out, const sg_result* result);
/* Row of a child by id; SG_E_NOT_FOUND if the result has no such child. */
SG_API int sg_result_find_child(size_t* out, const sg_result* result, const char* child_id);

typedef struct sg_child_result {
  int version; /* SG_CHILD_RESULT_VERSION */
  const char* id;
  double total; /* sum of the index scores */
  int level;    /* after policy overrides; index into the pack's levels */
  const char* level_id;
  int score_level;      /* from the scores alone */
  int immediate_safety; /* non-zero if an override flagged an immediate safety threat */
  size_t contribution_count;
  size_t override_count; /* policy overrides that fired */
  size_t not_assessable_count;
} sg_child_result;
#define SG_CHILD_RESULT_VERSION 1
#define SG_CHILD_RESULT_INIT \
  { SG_CHILD_RESULT_VERSION, NULL, 0, 0, NULL, 0, 0, 0, 0, 0 }

SG_API int sg_result_child(sg_child_result* out, const sg_result* result, size_t row);
/* Many children's sg_result_child() fields at once, column by column (for a table of one row per
 * child without a call per child): the children at rows first_row .. first_row + row_count - 1,
 * in row order. Each non-NULL array receives row_count entries; NULL arrays are skipped.
 * capacity must be at least row_count (SG_E_RANGE otherwise, nothing written). The text
 * pointers stay valid until the result is freed. None of these depends on the viewer: the
 * policy overrides' ids do (sg_result_override_for), so only their count is here. */
typedef struct sg_child_columns {
  int version; /* SG_CHILD_COLUMNS_VERSION */
  size_t capacity;
  const char** id;
  double* total;
  int* level;
  int* score_level;
  unsigned char* immediate_safety;
  size_t* override_count;     /* policy overrides that fired */
  const char** discretionary; /* sg_discretionary's outcome: "none", "applied", ... */
  const char** safety;        /* the safety decision: "safe", "safe_with_plan", "unsafe" or
                                 "not_assessed" (sg_result_safety) */
  double* contextual_total;   /* sg_result_contextual(): 0 without propagation */
  int* context_level;         /* sg_result_contextual()'s level */
} sg_child_columns;
#define SG_CHILD_COLUMNS_VERSION 1
#define SG_CHILD_COLUMNS_INIT \
  { SG_CHILD_COLUMNS_VERSION, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
SG_API int sg_result_child_columns(sg_child_columns* columns, const sg_result* result,
                                   size_t first_row, size_t row_count);
/* Score and level of one index for one child. */
SG_API int sg_result_index_score(double* out_score, int* out_level, const sg_result* result,
                                 size_t row, size_t index);
/* The whole score matrix, row-major: *out_rows children by *out_cols indices. The pointer is
 * owned by the result (no copy). */
SG_API int sg_result_scores(const double** out, size_t* out_rows, size_t* out_cols,
                            const sg_result* result);
/* The final level of every child, one int per row, owned by the result. */
SG_API int sg_result_levels(const int** out, size_t* out_rows, const sg_result* result);

/* Contextual risk (docs/rules.md, "Contextual risk"): the points a child's propagated
 * contributions add on one index (0 when the pack does not propagate or the index does not
 * spread). Under the pack's default `[propagation] contextual = "apart"` they are not in the
 * index score, the total or the levels: the child's rule contributions add up to
 * sg_result_index_score and its propagated ones to this. Under "included" the index score
 * holds both. */
SG_API int sg_result_contextual_score(double* out_score, const sg_result* result, size_t row,
                                      size_t index);
/* A child's contextual points over every index, and the score level (index into the pack's
 * levels) its indices reach with them added to its own scores, before policy overrides and
 * judgement (without propagation, the score level); out_level may be NULL. */
SG_API int sg_result_contextual(double* out_total, int* out_level, const sg_result* result,
                                size_t row);
/* The pack's contextual policy: "apart" (the points are reported beside the scores) or
 * "included" (they are in the scores); NULL when the pack does not propagate. Static text. */
SG_API int sg_result_contextual_policy(const char** out, const sg_result* result);

typedef struct sg_contribution {
  int version; /* SG_CONTRIBUTION_VERSION */
  const char* rule_id;
  const char* rule_title;
  const char* index_id;
  const char* heading;          /* "harm", "danger", "complicating", "safety", "strength" */
  const char* evidence_id;      /* concern or factor id, or NULL for a rule about the child */
  const char* via_id;           /* the person the evidence is about */
  const char* path;             /* "self", "sibling", "carer", "household", ... */
  const char* source_agency_id; /* NULL unless the evidence is a concern */
  int restricted;
  double raw;
  double decay;
  double reach;
  double cap_factor;
  double value; /* raw * decay * reach * cap_factor */
  /* Since version 2. */
  const char* kind;     /* "rule", or "propagated" for risk that travelled through the network */
  const char* relation; /* propagated: how via_id is linked ("associate", "frequents"...) */
  const char* via_kind; /* "person", "place" or "group"; NULL when via_id is NULL */
  /* Since version 3. 1: not part of what this reader sees at all (a _for accessor's answer for
   * a line the network as the reader may attribute it would not have, or a place's own
   * restricted evidence); a host listing lines for the reader skips it. 0 otherwise. */
  int hidden;
} sg_contribution;
#define SG_CONTRIBUTION_VERSION 3
#define SG_CONTRIBUTION_INIT                                                                   \
  {                                                                                            \
    SG_CONTRIBUTION_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, \
        NULL, NULL, NULL, 0                                                                    \
  }

/* The k-th contribution of a child, with every detail (the host's own view: for a reader who
 * may not be cleared for restricted evidence, use sg_result_contribution_for()). Contributions
 * of an index, added in order, give exactly the index score.
 *
 * A propagated contribution (kind "propagated", rule_id "propagation") is risk that reached the
 * child from a neighbour in the network (docs/rules.md, "Propagation"): via_id is the
 * neighbour, relation (and path) the link to it, raw the neighbour's network score, reach
 * alpha x the link's weight, and cap_factor < 1 when the pack's association cap bit. They
 * follow the child's rule contributions. When the cap lets the child count nothing on an index,
 * one line stands for all links: via_id and relation NULL, path "network", raw the points
 * offered, reach 1, cap_factor 0. A struct of version 1 is filled without the
 * version 2 fields. */
SG_API int sg_result_contribution(sg_contribution* out, const sg_result* result, size_t row,
                                  size_t k);

/* The k-th policy override that fired for a child: its id and reason (the host's own view: for a
 * reader who may not be cleared for restricted evidence, use sg_result_override_for()). */
SG_API int sg_result_override(const char** out_id, const char** out_reason, const sg_result* result,
                              size_t row, size_t k);

/* The k-th "not assessable" note of a child: the id of the rule, override or [safety] danger or
 * plan, and the missing attribute (e.g. "child.age"). */
SG_API int sg_result_not_assessable(const char** out_rule_id, const char** out_missing,
                                    const sg_result* result, size_t row, size_t k);

/* ---- Results for adults ---------------------------------------------------------------- */

/* A pack's indices with subject = "adult" (docs/rules.md, "Results for adults") score adults,
 * not children: a DASH checklist is the adult victim's. Each live adult with at least one
 * contribution on such an index has a result, in the order the adults were added; the count is
 * 0 when the pack has no adult index. A pack's policy overrides with subject = "adult" set a
 * minimum level on an adult's result (an adult on whom one fires has a result even without a
 * contribution). A child reads an adult's score or level only through an explicit rule in the
 * pack (adult_score() or adult_level_at_least() in a condition), never as its own. */
typedef struct sg_adult_result {
  int version; /* SG_ADULT_RESULT_VERSION */
  const char* id;
  double total; /* sum of the adult's scores on the adult indices */
  int level;    /* the highest level any adult index reaches; index into the pack's levels */
  const char* level_id;
  size_t contribution_count;
  /* Since version 2: how many adult policy overrides (subject = "adult") fired for the adult;
   * `level` counts their minimum levels. Read them with sg_result_adult_override_for(). */
  size_t override_count;
} sg_adult_result;
#define SG_ADULT_RESULT_VERSION 2
#define SG_ADULT_RESULT_INIT \
  { SG_ADULT_RESULT_VERSION, NULL, 0, 0, NULL, 0, 0 }

SG_API int sg_result_adult_count(size_t* out, const sg_result* result);
/* The adult result at `row` (0 .. sg_result_adult_count() - 1): the host's own figures, which
 * count restricted evidence as a child's total and level do. */
SG_API int sg_result_adult(sg_adult_result* out, const sg_result* result, size_t row);
/* Row of an adult's result by the adult's id; SG_E_NOT_FOUND if the adult has none. */
SG_API int sg_result_find_adult(size_t* out, const sg_result* result, const char* adult_id);
/* An adult's score and level on one of the pack's indices (0 and the lowest level on an index
 * that is not an adult one); out_level may be NULL. */
SG_API int sg_result_adult_index_score(double* out_score, int* out_level, const sg_result* result,
                                       size_t row, size_t index);
/* ---- Places and groups (contextual safeguarding) --------------------------------------- */

/* When the rule pack propagates risk through the network, every place and group gets a network
 * score: its own evidence (concerns about it) plus what it takes from the people linked to it.
 * Places and groups are ranked by that score, highest first (rank 0); without propagation the
 * count is 0. */
typedef struct sg_place_result {
  int version; /* SG_PLACE_RESULT_VERSION */
  const char* id;
  const char* kind;  /* "place" or "group" */
  const char* label; /* its own kind from the case file, e.g. "park", "peer_group" */
  double score;      /* network score summed over the propagating indices */
  double own_score;  /* the part from evidence about the place itself, summed likewise */
  size_t contribution_count;
} sg_place_result;
#define SG_PLACE_RESULT_VERSION 1
#define SG_PLACE_RESULT_INIT \
  { SG_PLACE_RESULT_VERSION, NULL, NULL, NULL, 0, 0, 0 }

SG_API int sg_result_place_count(size_t* out, const sg_result* result);
/* The place or group at `rank` (0: the highest score). */
SG_API int sg_result_place(sg_place_result* out, const sg_result* result, size_t rank);
/* Rank of a place or group by id; SG_E_NOT_FOUND if the result has none with that id. */
SG_API int sg_result_find_place(size_t* out, const sg_result* result, const char* place_id);
/* Network score on one of the pack's indices (0 for an index that does not propagate). */
SG_API int sg_result_place_index_score(double* out, const sg_result* result, size_t rank,
                                       size_t index);
/* The k-th contribution of a place: its own evidence, then one per linked neighbour. Those of
 * an index, added in order, give exactly sg_result_place_index_score(). */
SG_API int sg_result_place_contribution(sg_contribution* out, const sg_result* result, size_t rank,
                                        size_t k);
/* ---- Timeline and discretionary overrides in results ---------------------------------- */

/* One step of a child's statutory timeline as of the assessment date. The steps are those of
 * the nation's process file (docs/timescales.md). */
typedef struct sg_step {
  int version;            /* SG_STEP_VERSION */
  const char* step;       /* the process's step id: "referral_decision", "assessment",
                             "initial_conference", "core_group", "first_review", "review",
                             "la_first_review", "return_interview"... (open set) */
  const char* status;     /* "on_time", "late", "due", "overdue", "not_required", or
                             "not_recorded": the child's record comes only from sources that
                             never record this step (record_source events; the CIN census holds
                             no core group), so it is none of the others (reason says which) */
  int working_days;       /* late by / due in / overdue by; 0 when on time or not required,
                             except a step that was overdue when it stopped being required: by
                             how much it was overdue then */
  const char* trigger_id; /* the event that started the clock */
  const char* done_id;    /* the event that completed the step or made it not required, or NULL */
  char start[SG_DATE_SIZE];
  char due[SG_DATE_SIZE];       /* "" when decided against at once */
  char completed[SG_DATE_SIZE]; /* "" when not done */
  /* Version 2. */
  const char* title;       /* for people: "initial child protection conference" */
  const char* reason;      /* why not required or not recorded, or NULL */
  int calendar_days;       /* as working_days, in calendar days */
  int counts_working_days; /* 1: the timescale is in working days; 0: days, hours, weeks, months */
  const char* source;      /* the guidance the step comes from */
  /* Version 3. */
  const char* nation; /* whose process the step is: "england", "wales", "scotland",
                         "northern-ireland"; another nation's for a step from before the child
                         moved in from it (docs/timescales.md, "Transfers") */
} sg_step;
#define SG_STEP_VERSION 3
#define SG_STEP_INIT \
  { SG_STEP_VERSION, NULL, NULL, 0, NULL, NULL, "", "", "", NULL, NULL, 0, 0, NULL, NULL }

SG_API int sg_result_step_count(size_t* out, const sg_result* result, size_t row);
SG_API int sg_result_step(sg_step* out, const sg_result* result, size_t row, size_t k);
/* Many children's timeline steps at once, column by column, as sg_contribution_columns does for
 * contributions: sg_result_step()'s fields for every step of the children at rows first_row ..
 * first_row + row_count - 1, in row order. Dates are days since 1970-01-01 (SG_NO_DAY when
 * there is none) rather than text. *out_count receives the number of steps; capacity 0 only
 * counts; a capacity below the count fails with SG_E_RANGE and writes nothing. */
#define SG_NO_DAY (-2147483647 - 1)
typedef struct sg_step_columns {
  int version; /* SG_STEP_COLUMNS_VERSION */
  size_t capacity;
  size_t* row;
  const char** step;
  const char** status;
  int* working_days;
  const char** trigger_id;
  const char** done_id;
  int* start; /* days since 1970-01-01 */
  int* due;
  int* completed;
  const char** title;
  const char** reason;
  int* calendar_days;
  unsigned char* counts_working_days;
  const char** source;
  /* Version 2. */
  const char** nation;
} sg_step_columns;
#define SG_STEP_COLUMNS_VERSION 2
#define SG_STEP_COLUMNS_INIT                                                                      \
  {                                                                                               \
    SG_STEP_COLUMNS_VERSION, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
        NULL, NULL, NULL, NULL                                                                    \
  }
SG_API int sg_result_step_columns(size_t* out_count, sg_step_columns* columns,
                                  const sg_result* result, size_t first_row, size_t row_count);

/* Gaps in a child's process record (an event with nothing before it to complete, such as a
 * conference with no strategy discussion): the event id and a sentence. */
SG_API int sg_result_timeline_issue_count(size_t* out, const sg_result* result, size_t row);
SG_API int sg_result_timeline_issue(const char** out_event_id, const char** out_issue,
                                    const sg_result* result, size_t row, size_t k);

/* The discretionary override that applied to a child (or, sg_result_adult_discretionary(), an
 * adult), if any (id NULL when none). */
typedef struct sg_discretionary {
  int version; /* SG_DISCRETIONARY_VERSION */
  const char* id;
  const char* direction; /* "raise" or "lower" */
  const char* author;
  const char* reason;
  char date[SG_DATE_SIZE];
  const char* outcome; /* "none", "applied", "not_allowed", "at_limit", "held_by_policy",
                          "awaiting_approval" (the pack needs an approver: not applied) */
  int level_before;    /* after policy overrides, before judgement */
  /* Version 2: the approval as of the result's date (NULL and "" when none had been given),
   * and whether the pack needs one for this direction. */
  const char* approved_by;
  char approved[SG_DATE_SIZE];
  int needs_approval;
} sg_discretionary;
#define SG_DISCRETIONARY_VERSION 2
#define SG_DISCRETIONARY_INIT \
  { SG_DISCRETIONARY_VERSION, NULL, NULL, NULL, NULL, "", NULL, 0, NULL, "", 0 }
SG_API int sg_result_discretionary(sg_discretionary* out, const sg_result* result, size_t row);

#define SG_FORMAT_TEXT 0
#define SG_FORMAT_JSON 1

typedef struct sg_explain_options {
  int version; /* SG_EXPLAIN_OPTIONS_VERSION */
  int format;  /* SG_FORMAT_TEXT or SG_FORMAT_JSON */
  /* Agency ids or types whose restricted evidence this viewer may see in detail; "*" clears
   * for all. NULL/0: cleared for none (restricted items show as "restricted source"). */
  const char* const* viewer_cleared;
  size_t viewer_cleared_count;
} sg_explain_options;
#define SG_EXPLAIN_OPTIONS_VERSION 1
#define SG_EXPLAIN_OPTIONS_INIT \
  { SG_EXPLAIN_OPTIONS_VERSION, SG_FORMAT_TEXT, NULL, 0 }

/* A child's explanation, grouped under the Signs of Safety headings. Free *out with
 * sg_buffer_free(). */
SG_API int sg_result_explain(char** out, size_t* out_size, const sg_result* result, size_t row,
                             const sg_explain_options* options);
/* A place's or group's explanation (by rank). Free *out with sg_buffer_free(); *out_size
 * (if not NULL) receives its length. */
SG_API int sg_result_place_explain(char** out, size_t* out_size, const sg_result* result,
                                   size_t rank, const sg_explain_options* options);

/* A child's (or a place's) k-th contribution as a viewer may see it: `viewer` gives the
 * clearances in viewer_cleared (its format is not read). sg_result_contribution() and
 * sg_result_place_contribution() are the host system's own view, with every detail; hand these
 * to anyone reading on someone else's behalf. A line whose evidence the viewer is not cleared for
 * is withheld (docs/rules.md, "Who sees what"): restricted is 1, rule_title is
 * "Restricted evidence", heading, kind and value are kept (so the total stays exact), and
 * rule_id, index_id, evidence_id, via_id, path, source_agency_id, relation and via_kind are NULL
 * (an index fed only by restricted evidence would name its category); raw,
 * decay, reach and cap_factor are NaN. */
SG_API int sg_result_contribution_for(sg_contribution* out, const sg_result* result, size_t row,
                                      size_t k, const sg_explain_options* viewer);

/* A child's contributions as a reader is shown them, the way every rendering shows them
 * (docs/rules.md, "Who sees what"): the lines `viewer` sees, in order (hidden ones left out),
 * then, when anything is withheld from the viewer, ONE line for all of it: kind and heading
 * "withheld", rule_title the withheld rules' neutral title when they share one (else the
 * pack's), value the withheld points of every index together, restricted 1, raw, decay, reach
 * and cap_factor NaN, and rule_id, index_id, evidence_id, via_id, path, source_agency_id,
 * relation and via_kind NULL. So a reader learns neither how many restricted items there are
 * nor their indices, headings or sizes. The values of the "rule" and "withheld" lines add up to
 * the child's total. sg_result_contribution_for, with one line per withheld item, is for a host
 * that must tell withheld items apart (an audit of who saw what); hand these to readers.
 * sg_result_shown_count gives the number of lines (k runs from 0 to it). */
SG_API int sg_result_shown_count(size_t* out, const sg_result* result, size_t row,
                                 const sg_explain_options* viewer);
SG_API int sg_result_shown_contribution(sg_contribution* out, const sg_result* result, size_t row,
                                        size_t k, const sg_explain_options* viewer);
SG_API int sg_result_place_contribution_for(sg_contribution* out, const sg_result* result,
                                            size_t rank, size_t k,
                                            const sg_explain_options* viewer);
/* The k-th contribution of an adult's result (k < contribution_count) as `viewer` may see it,
 * withheld as sg_result_contribution_for() withholds a child's. */
SG_API int sg_result_adult_contribution_for(sg_contribution* out, const sg_result* result,
                                            size_t row, size_t k, const sg_explain_options* viewer);
/* An adult's explanation (text or JSON, as options->format says) for the viewer in options;
 * SG_E_NOT_FOUND when every line of the adult's result is withheld from that viewer (that the
 * adult has a result at all is what the viewer may not learn). Free *out with sg_buffer_free();
 * *out_size (if not NULL) receives its length. */
SG_API int sg_result_adult_explain(char** out, size_t* out_size, const sg_result* result,
                                   size_t row, const sg_explain_options* options);
/* The k-th adult policy override (k < override_count of sg_adult_result version 2) that fired
 * for an adult's result, as `viewer` may see it: withheld as sg_result_override_for() withholds
 * a child's (*out_id NULL, the neutral reason, *out_restricted 1 when not NULL). */
SG_API int sg_result_adult_override_for(const char** out_id, const char** out_reason,
                                        int* out_restricted, const sg_result* result, size_t row,
                                        size_t k, const sg_explain_options* viewer);
/* The discretionary override about the adult at `row` (sg_result_adult()), as for a child's,
 * if `viewer` may know of the adult's result at all: when every line and policy override of it
 * is withheld from the viewer, the judgement is too (id NULL, outcome "none"). */
SG_API int sg_result_adult_discretionary(sg_discretionary* out, const sg_result* result, size_t row,
                                         const sg_explain_options* viewer);

/* One text column of a column call as codes into a table of its distinct texts. The caller
 * sets `codes` (capacity entries, or NULL to skip the column); the call writes codes[i], the
 * index in the table of line i's text, or -1 where the text is NULL, and hands out the table:
 * *texts a new buffer (free it with sg_buffer_free()) holding text_count texts, each followed by
 * its NUL, in code order (code 0 first), texts_size its length with the NULs. Each text the
 * column holds is in the table once, in the order of its first line. A call that fills (its
 * capacity not 0) sets texts to NULL and the counts to 0 first, and on failure hands out no
 * table (nothing to free); a call that only counts does not touch the entries. More than
 * 2,147,483,647 lines: SG_E_RANGE. */
typedef struct sg_text_codes {
  int32_t* codes;
  char* texts;
  size_t texts_size;
  size_t text_count;
} sg_text_codes;
#define SG_TEXT_CODES_INIT \
  { NULL, NULL, 0, 0 }
#define SG_CONTRIBUTION_TEXT_COLUMNS 11
#define SG_CONTRIBUTION_TEXT_RULE_ID 0
#define SG_CONTRIBUTION_TEXT_RULE_TITLE 1
#define SG_CONTRIBUTION_TEXT_INDEX_ID 2
#define SG_CONTRIBUTION_TEXT_HEADING 3
#define SG_CONTRIBUTION_TEXT_EVIDENCE_ID 4
#define SG_CONTRIBUTION_TEXT_VIA_ID 5
#define SG_CONTRIBUTION_TEXT_PATH 6
#define SG_CONTRIBUTION_TEXT_SOURCE_AGENCY_ID 7
#define SG_CONTRIBUTION_TEXT_KIND 8
#define SG_CONTRIBUTION_TEXT_RELATION 9
#define SG_CONTRIBUTION_TEXT_VIA_KIND 10

/* Many children's contributions at once, column by column (a struct of arrays the caller
 * owns), as `viewer` may see them: exactly sg_result_contribution_for()'s fields for every line
 * of the children at rows first_row .. first_row + row_count - 1 that the viewer sees (lines
 * sg_result_contribution_for() marks hidden are left out), in row order, then line order.
 * Each array (any may be NULL: not filled) holds `capacity` entries. *out_count receives the
 * number of lines; with capacity 0 that is all the call does (so a caller sizes its arrays, then
 * calls again); with a capacity below it the call fails with SG_E_RANGE and writes nothing.
 * Strings point into the result and live as long as it does. For analysts' tables of a whole
 * caseload: one call, no per-line round trip. SG_E_RANGE when the rows run past the last child. */
typedef struct sg_contribution_columns {
  int version; /* SG_CONTRIBUTION_COLUMNS_VERSION */
  size_t capacity;
  size_t* row; /* the child's row */
  const char** rule_id;
  const char** rule_title;
  const char** index_id;
  const char** heading;
  const char** evidence_id;
  const char** via_id;
  const char** path;
  const char** source_agency_id;
  unsigned char* restricted;
  double* raw;
  double* decay;
  double* reach;
  double* cap_factor;
  double* value;
  const char** kind;
  const char** relation;
  const char** via_kind;
  /* Since version 2, an input: 1 gives each child's lines as sg_result_shown_contribution()
   * does (everything withheld in one "withheld" row after the child's other lines, which is how
   * a reader is shown them); 0, line by line as sg_result_contribution_for(). */
  int fold_withheld;
  /* Version 3: the text columns as codes, for a binding that makes one object per distinct
   * text rather than one per line. NULL, or an array of SG_CONTRIBUTION_TEXT_COLUMNS entries,
   * one per text column in this order: rule_id, rule_title, index_id, heading, evidence_id,
   * via_id, path, source_agency_id, kind, relation, via_kind (the SG_CONTRIBUTION_TEXT_*
   * indices). An entry whose `codes` is not NULL receives its column that way; the pointer
   * columns above are filled or not as before, independently. */
  sg_text_codes* text_codes;
} sg_contribution_columns;
#define SG_CONTRIBUTION_COLUMNS_VERSION 3
#define SG_CONTRIBUTION_COLUMNS_INIT                                                          \
  {                                                                                           \
    SG_CONTRIBUTION_COLUMNS_VERSION, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL                         \
  }
SG_API int sg_result_contribution_columns(size_t* out_count, sg_contribution_columns* columns,
                                          const sg_result* result, size_t first_row,
                                          size_t row_count, const sg_explain_options* viewer);

/* The k-th policy override as `viewer` may see it (only its viewer fields are read). One that
 * fired only because of restricted evidence is withheld from a reader who does not see every
 * restricted concern: *out_id is NULL and *out_reason the neutral "a policy override applies on
 * restricted information"; *out_restricted (when not NULL) is 1 then, else 0. Its effect on the
 * level stays, as withheld contributions keep their points. */
SG_API int sg_result_override_for(const char** out_id, const char** out_reason, int* out_restricted,
                                  const sg_result* result, size_t row, size_t k,
                                  const sg_explain_options* viewer);

/* ---- Safety apart from risk (docs/rules.md, "Safety") ---------------------------------------
 * A pack's [safety] section gives each child a present-danger decision beside the risk levels
 * (it never moves them): no danger holds: "safe"; a danger holds and a safety plan does:
 * "safe_with_plan"; a danger holds and no plan: "unsafe"; "not_assessed" when the pack has no
 * [safety] section.
 *
 * The child's decision (static text) and, in *out_count (when not NULL), how many findings
 * `viewer` may read with sg_result_safety_finding_for() (only its viewer fields are read). The
 * decision is the same for every viewer, as the level is. */
SG_API int sg_result_safety(const char** out_decision, size_t* out_count, const sg_result* result,
                            size_t row, const sg_explain_options* viewer);

typedef struct sg_safety_finding {
  int version;             /* SG_SAFETY_FINDING_VERSION */
  const char* kind;        /* "danger" or "plan" */
  const char* id;          /* the [[safety.danger]] or [[safety.plan]] id; NULL when withheld */
  const char* title;       /* its title, or a neutral text when withheld */
  const char* evidence_id; /* the concern (danger) or factor (plan) it held for; NULL for a
                              condition on the child, and when withheld */
  int restricted;          /* 1 when withheld */
} sg_safety_finding;
#define SG_SAFETY_FINDING_VERSION 1
#define SG_SAFETY_FINDING_INIT \
  { SG_SAFETY_FINDING_VERSION, NULL, NULL, NULL, NULL, 0 }

/* The k-th safety finding of a child as `viewer` may see it: the dangers that held (one finding
 * per piece of evidence), then the plans that held (plans are looked for only when a danger
 * holds). A finding on restricted evidence the viewer is not cleared for, or a condition on the
 * child that held only because of restricted evidence, for a viewer who does not see every
 * restricted concern, is withheld: every such danger is folded into one finding (restricted 1,
 * id and evidence_id NULL, title "a present danger on restricted information") after the shown
 * dangers, and likewise the plans ("a safety plan on restricted information"). The decision
 * stays. SG_E_RANGE when k is past the count sg_result_safety() gave for this viewer. */
SG_API int sg_result_safety_finding_for(sg_safety_finding* out, const sg_result* result, size_t row,
                                        size_t k, const sg_explain_options* viewer);

/* Index scores as a reader may attribute them (docs/rules.md, "Who sees what"), for the
 * children at rows first_row .. first_row + row_count - 1. sg_result_index_score() and
 * sg_result_scores() are the host system's own figures; hand these to anyone reading on someone
 * else's behalf. A point from restricted evidence the viewer is not cleared for (viewer_cleared
 * of `viewer`; its format is not read) counts in the child's total and level but in no index:
 * an index's score would say what kind of worry that evidence holds.
 *   out_scores:   row_count x index_count doubles, row-major (sg_result_scores()'s layout);
 *   out_levels:   NULL, or as many ints: the level each of those scores reaches;
 *   out_withheld: NULL, or row_count doubles: the points withheld from the viewer, every index
 *                 together (0 when none). A child's index scores and withheld points add up to
 *                 its total (up to rounding).
 * A child with nothing withheld from the viewer (every child, for "*") gets the host's figures
 * to the bit. SG_E_RANGE when the rows run past the last child; nothing is written then. */
SG_API int sg_result_scores_for(double* out_scores, int* out_levels, double* out_withheld,
                                const sg_result* result, size_t first_row, size_t row_count,
                                const sg_explain_options* viewer);
/* Contextual risk (sg_result_contextual_score()'s figures) as a reader may attribute it, for the
 * same rows. A propagated line carries a neighbour's network score, and the host's includes
 * restricted evidence about that neighbour (intelligence about a place, say); for a viewer not
 * cleared for it the network is solved again from the evidence they may see, once per set of
 * clearances, and the rest of the host's contextual points are withheld, in no index.
 *   out_contextual: row_count x index_count doubles, row-major (0 where nothing propagates);
 *   out_withheld:   NULL, or row_count doubles: the contextual points withheld from the viewer.
 * The contextual scores and the withheld points add up to sg_result_contextual()'s total (up to
 * rounding); the context level counts both, as the level counts withheld points. Without
 * propagation every figure is 0. SG_E_RANGE when the rows run past the last child. */
SG_API int sg_result_contextual_for(double* out_contextual, double* out_withheld,
                                    const sg_result* result, size_t first_row, size_t row_count,
                                    const sg_explain_options* viewer);
/* A place's or group's network scores (by rank) as `viewer` may attribute them, the same way:
 * out_scores receives index_count doubles (sg_result_place_index_score()'s figures for a reader
 * who sees everything), out_withheld (optional) the points withheld from the viewer, in no
 * index: restricted evidence about the place and what its neighbours hold from such evidence
 * (the network solved again as for sg_result_contextual_for()). Places are ranked by the host's
 * scores; a listing for such a reader orders them by these figures. */
SG_API int sg_result_place_scores_for(double* out_scores, double* out_withheld,
                                      const sg_result* result, size_t rank,
                                      const sg_explain_options* viewer);

/* ---- Joining up (docs/joining-up.md) ------------------------------------------------------ */
/* What each agency's records give every child alone beside the joined result: children ranked by
 * what joining adds, each agency's score and level alone (the concerns it raised and the factors
 * it provides, rescored by the same pack as of the result's date), the smallest sets of agencies
 * whose records together reach the joined level, and the rules joining fired. Scoped to the
 * viewer: restricted evidence it is not cleared for is pooled as "restricted source" whatever
 * agency holds it. */
#define SG_FORMAT_CSV 2

typedef struct sg_joined_options {
  int version; /* SG_JOINED_OPTIONS_VERSION */
  int format;  /* SG_FORMAT_TEXT, SG_FORMAT_JSON or SG_FORMAT_CSV (one row per child and agency) */
  /* As in sg_explain_options: agency ids or types; "*" clears for all; NULL/0: none. */
  const char* const* viewer_cleared;
  size_t viewer_cleared_count;
  size_t threads;     /* 0: one per core; the output is identical for any value */
  size_t exact_up_to; /* children with at most this many agencies get every smallest set; above
                         it one minimal set found greedily (stated in the output). At most 20 */
  size_t limit;       /* the first this many children of the list; 0: all */
} sg_joined_options;
#define SG_JOINED_OPTIONS_VERSION 1
#define SG_JOINED_OPTIONS_INIT \
  { SG_JOINED_OPTIONS_VERSION, SG_FORMAT_TEXT, NULL, 0, 1, 12, 0 }

/* The triage list for `result` rendered as options->format says. A pack that propagates must
 * keep its contextual risk apart from the level (contextual = "apart", the default;
 * SG_E_INVALID_ARGUMENT for "included"). Free *out with sg_buffer_free();
 * *out_size (if not NULL) receives its length. Thread-safe on a shared result. */
SG_API int sg_result_joined(char** out, size_t* out_size, const sg_result* result,
                            const sg_joined_options* options);

/* Multi-agency training packs (docs/joining-up.md, "Training packs"): fictional scenarios from
 * the caseload generator in which `difficulty` agencies must be joined to see the child's level;
 * for each, one HTML packet per agency (only its fragment and what it would conclude alone) and a
 * reveal page. Deterministic by seed; every detail invented. */
typedef struct sg_training_options {
  int version;             /* SG_TRAINING_OPTIONS_VERSION */
  unsigned long long seed; /* the same seed gives the same pack */
  size_t difficulty;       /* agencies that must be joined: 2 to 6 */
  size_t scenarios;        /* 1 to 20 */
  const char* as_of;       /* the scenarios' date; NULL: 2026-11-01 */
  /* Version 2. Each scenario's ecomap drawn (SVG, as Graphviz writes it from the "ecomaps" DOT
   * of an earlier call with the same options), in scenario order, for its reveal page; NULL or
   * "" entries, or fewer entries than scenarios: that reveal page has no ecomap. */
  const char* const* figures;
  size_t figure_count;
} sg_training_options;
#define SG_TRAINING_OPTIONS_VERSION 2
#define SG_TRAINING_OPTIONS_INIT \
  { SG_TRAINING_OPTIONS_VERSION, 1, 3, 3, NULL, NULL, 0 }
/* The pack's pages as one JSON document, {"pages": [{"path": "index.html", "html": "..."}, ...],
 * "ecomaps": ["digraph G {...}", ...]} (paths relative, "/"-separated), for the caller to write
 * where it likes. "ecomaps" holds each scenario's ecomap as Graphviz DOT (the library never
 * starts a process): a host that can draw them passes the SVGs back as options->figures, with
 * the same options otherwise, and gets the reveal pages with their ecomaps, byte for byte as
 * `safeguard training` writes them. SG_E_NOT_FOUND when no such scenarios are found (try a
 * lower difficulty or another seed); SG_E_INVALID_ARGUMENT for a pack whose propagated risk
 * moves the level (contextual = "included"). Free *out with sg_buffer_free(); *out_size (if not
 * NULL) receives its length. */
SG_API int sg_training_pack(char** out, size_t* out_size, const sg_rules* rules,
                            const sg_training_options* options);

/* ---- Responsible scoring: the audit (docs/audit.md) ---------------------------------------- */
/* Joins a result to the host's outcomes (CSV `child_id,outcome`, 0 or 1 at a horizon the host
 * defines; a `# horizon: TEXT` line says what it is) and protected group attributes (CSV
 * `child_id,ATTRIBUTE,...`), and computes validation (ROC AUC with bootstrap intervals,
 * calibration per level with Wilson intervals) and the disparity audit by group (level
 * distribution, outcome rate per level, false positive and negative rates at each level
 * threshold, ratios to a reference group with intervals, flags outside a band). A malformed
 * file, a duplicate id, an outcome other than 0/1 or an id that is not a child of the result is
 * refused naming file, line, column and id (sg_error_last_detail). A pack whose rules compare
 * against a protected attribute's name or values is refused (SG_E_INVALID_DATA) naming the rule.
 * Deterministic: the same inputs and seed give the same bytes on every platform.
 * Threading: sg_audit_set_groups changes the audit (one thread at a time, no other call
 * running); sg_audit_check_rules and sg_audit_run only read it and may share it. */
typedef struct sg_audit sg_audit;
#define SG_FORMAT_HTML 3

/* A new audit holding the outcomes file in (data, size); name (NULL: "outcomes") names it in
 * messages. Free with sg_audit_free(). */
SG_API int sg_audit_new(sg_audit** out, const char* data, size_t size, const char* name);
SG_API void sg_audit_free(sg_audit* audit);
/* Sets the group-attributes file (replacing any earlier one); name (NULL: "groups"). On error
 * the audit keeps the groups it had. */
SG_API int sg_audit_set_groups(sg_audit* audit, const char* data, size_t size, const char* name);
/* Takes the group attributes `graph` records for its children (a census import's Sex or
 * GenderCurrent and Ethnicity, "attributes" in a case file; docs/audit.md, "Group attributes
 * from the record"): each name any child has becomes an attribute, and a child without it is not
 * recorded (counted in the report). Replaces any earlier record attributes; the graph may be
 * freed afterwards. With a groups file set too (either order), the file's value wins per child
 * and attribute, and where both have a value and they differ the report warns ("group-clash"),
 * naming the child ids. Threading as sg_audit_set_groups; the graph is only read. */
SG_API int sg_audit_set_record_groups(sg_audit* audit, const sg_graph* graph);
/* SG_OK when no rule or override of `rules` reads a protected attribute; else SG_E_INVALID_DATA
 * naming the rule and where it is in the pack. */
SG_API int sg_audit_check_rules(const sg_audit* audit, const sg_rules* rules);

typedef struct sg_audit_options {
  int version;             /* SG_AUDIT_OPTIONS_VERSION */
  int format;              /* SG_FORMAT_JSON, SG_FORMAT_CSV or SG_FORMAT_HTML (tables only) */
  unsigned long long seed; /* of the bootstrap */
  size_t bootstrap;        /* resamples for the AUC intervals (at most 100000); 0: none */
  size_t min_events;       /* an AUC needs this many children with each outcome */
  size_t min_count;        /* rates over fewer children are noted and their ratios not flagged */
  double band_low;         /* a ratio is flagged outside [band_low, band_high] ... */
  double band_high;        /* ... beyond chance over all ratios (docs/audit.md) */
  const char* const* references; /* "ATTRIBUTE=GROUP": reference groups (default: largest) */
  size_t reference_count;
  /* Version 2: disclosure control (docs/audit.md, "Small counts"). A figure resting on 1 to
   * suppress_below - 1 children is suppressed ("c" in CSV and HTML, null with "suppressed":
   * true in JSON), and so is any figure from which one could be worked out. 0: off, for the
   * analyst's own work. A version 1 struct reads as 5. */
  size_t suppress_below;
} sg_audit_options;
#define SG_AUDIT_OPTIONS_VERSION 2
#define SG_AUDIT_OPTIONS_INIT \
  { SG_AUDIT_OPTIONS_VERSION, SG_FORMAT_JSON, 1, 1000, 10, 30, 0.8, 1.25, NULL, 0, 5 }
/* Many authorities (docs/audit.md): each partition's result as a rows file (CSV: `# as_of:` and
 * `# pack:` lines, `child_id,level,total,INDEX...`, numbers that read back exactly), to be run
 * together and audited with sg_audit_run_rows. Free *out with sg_buffer_free(). */
SG_API int sg_result_audit_rows(char** out, size_t* out_size, const sg_result* result);
/* As sg_audit_run, over rows files run together in (data, size) instead of one result: `rules`
 * must be the pack they were assessed with, and every file the same as-of date. Children are
 * taken in id order, so the report equals sg_audit_run's on one result holding them all. */
SG_API int sg_audit_run_rows(char** out, size_t* out_size, const sg_audit* audit,
                             const sg_rules* rules, const char* data, size_t size,
                             const sg_audit_options* options);
/* The audit of `result` rendered as options->format says (docs/audit.md describes the JSON and
 * CSV). Free *out with sg_buffer_free(); *out_size (if not NULL) receives its length. */
SG_API int sg_audit_run(char** out, size_t* out_size, const sg_audit* audit,
                        const sg_result* result, const sg_audit_options* options);
/* What-if (docs/audit.md, "What-if"): `result`'s case reassessed as of its date with its pack
 * changed as a what-if spec says (TOML: `remove = ["RULE"]`, `[weights] RULE = X`,
 * `[thresholds.INDEX] LEVEL = SCORE`), and which children change level: the transition counts
 * overall and per group of the audit's group attributes (its outcomes are not read), and the
 * children who change with the rules whose points changed for them, as the viewer (cleared for
 * viewer_cleared; NULL/0: none) may see them. The output names both packs' hashes. The pack is
 * never changed. An unknown rule, index or level: SG_E_NOT_FOUND naming the id and its place in
 * the spec (sg_error_last_detail); a bad multiplier or thresholds that no longer rise:
 * SG_E_INVALID_DATA. Identical output for any thread count. Free *out with sg_buffer_free(). */
typedef struct sg_what_if_options {
  int version;      /* SG_WHAT_IF_OPTIONS_VERSION */
  int format;       /* SG_FORMAT_JSON or SG_FORMAT_CSV */
  unsigned threads; /* of the reassessment (0: one per hardware thread) */
  const char* spec; /* the what-if spec, spec_size bytes of UTF-8 TOML */
  size_t spec_size;
  const char* const* viewer_cleared; /* agency ids or types; "*" for all */
  size_t viewer_cleared_count;
  /* Version 2: disclosure control of the tables by group, as sg_audit_options' (0: off; a
   * version 1 struct reads as 5). The overall table and the list of children are not by group. */
  size_t suppress_below;
} sg_what_if_options;
#define SG_WHAT_IF_OPTIONS_VERSION 2
#define SG_WHAT_IF_OPTIONS_INIT \
  { SG_WHAT_IF_OPTIONS_VERSION, SG_FORMAT_JSON, 1, NULL, 0, NULL, 0, 5 }
SG_API int sg_audit_what_if(char** out, size_t* out_size, const sg_audit* audit,
                            const sg_result* result, const sg_what_if_options* options);
/* Refitting (docs/audit.md, "Refitting"): proposed rule weights fitted to the audit's outcomes
 * for `result` (L2-regularised logistic regression on each rule's points, the pack's total as
 * an offset, the penalty chosen by k-fold cross-validation with households kept whole).
 * options->format: SG_FORMAT_JSON, the report (per rule: coefficient, multiplier, whether
 * estimable and written; cross-validated AUC of the pack and of the refit); SG_FORMAT_TEXT, the
 * diff (rule: old points -> new points); SG_FORMAT_TOML, the new pack version (the pack's TOML
 * with the weights changed and the version bumped, comments kept) from pack_text, the TOML the
 * result's pack was loaded from (NULL: the bundled pack with the same hash). A proposal: nothing
 * is applied. The reader (viewer_cleared, version 2; NULL/0 and version 1: cleared for none):
 * unless cleared for every restricted concern of the case, children whose results draw on
 * evidence withheld from the reader are left out of the fit and only counted
 * ("withheld_children"). Too few outcomes: SG_E_INVALID_DATA; pack_text of another pack:
 * SG_E_INVALID_ARGUMENT. Free *out with sg_buffer_free(). */
#define SG_FORMAT_TOML 4
typedef struct sg_refit_options {
  int version;             /* SG_REFIT_OPTIONS_VERSION */
  int format;              /* SG_FORMAT_JSON, SG_FORMAT_TEXT or SG_FORMAT_TOML */
  unsigned long long seed; /* of the folds */
  size_t folds;            /* k of the k-fold cross-validation, 2 to 50 */
  size_t min_firing;       /* a rule needs this many children with each outcome to be fitted */
  const char* pack_text;   /* for SG_FORMAT_TOML: the pack's TOML, pack_text_size bytes */
  size_t pack_text_size;
  /* Version 2: */
  const char* const* viewer_cleared; /* agency ids or types; "*" for all */
  size_t viewer_cleared_count;
} sg_refit_options;
#define SG_REFIT_OPTIONS_VERSION 2
#define SG_REFIT_OPTIONS_INIT \
  { SG_REFIT_OPTIONS_VERSION, SG_FORMAT_JSON, 1, 5, 20, NULL, 0, NULL, 0 }
SG_API int sg_audit_refit(char** out, size_t* out_size, const sg_audit* audit,
                          const sg_result* result, const sg_refit_options* options);
/* ---- Rendering (docs/cli.md, "report"; docs/python.md) ------------------------------------ */
/* The conference report for a sibling group (HTML), its family version (HTML), a child's ecomap
 * (Graphviz DOT) and the statutory timeline (text), rendered by the library: the safeguard
 * program and Python call the same code, so the same inputs give the same bytes. Every
 * rendering is scoped to the viewer in the options: restricted evidence it is not cleared for
 * shows only as "restricted source" with its points (the family version never mentions it).
 * SVG: the library writes DOT and never starts a process; draw it with Graphviz (`dot -Tsvg`)
 * and hand the SVG back in ecomap_svg to put it in a report. Thread-safe on a shared result. */
#define SG_AUDIENCE_PROFESSIONAL 0 /* the conference report */
#define SG_AUDIENCE_FAMILY 1       /* plain words for parents and children over ten */

typedef struct sg_render_options {
  int version; /* SG_RENDER_OPTIONS_VERSION */
  /* As in sg_explain_options: agency ids or types; "*" clears for all; NULL/0: none. */
  const char* const* viewer_cleared;
  size_t viewer_cleared_count;
  const char* case_label;  /* the case's name for the provenance and timeline; NULL: not said */
  const char* pack_source; /* where the pack came from, for the provenance; NULL: not said */
  int as_of_from_evidence; /* 1: the as-of date was the case's latest evidence date */
  int audience;            /* reports: SG_AUDIENCE_PROFESSIONAL or SG_AUDIENCE_FAMILY */
  const char* household;   /* reports: a household id whose children the report covers (they
                              come after any children given); NULL: none */
  /* Reports: each child's drawn ecomap (SVG), in the order of the report's children; NULL or
   * "" entries, or fewer entries than children: left out, with ecomap_note said instead. */
  const char* const* ecomap_svg;
  size_t ecomap_svg_count;
  const char* ecomap_note; /* NULL: "Ecomap not included." */
  const char* layout;      /* ecomaps: dot, twopi, fdp, neato or circo; NULL: dot */
  int all_evidence;        /* ecomaps: 1 also draws concerns that add nothing for the child */
  int overdue_only;        /* timelines: 1 lists only overdue steps */
  int terminal_colour;     /* timelines: 1 puts overdue rows in bold red (ANSI escapes) */
  /* Version 2. Reports: the family's composition drawn (the SVG of sg_render_family's DOT),
   * shown under the composition table (in the family version too, for the family to check);
   * NULL or "": left out. */
  const char* family_svg;
} sg_render_options;
#define SG_RENDER_OPTIONS_VERSION 2
#define SG_RENDER_OPTIONS_INIT                                                                  \
  {                                                                                             \
    SG_RENDER_OPTIONS_VERSION, NULL, 0, NULL, NULL, 0, SG_AUDIENCE_PROFESSIONAL, NULL, NULL, 0, \
        NULL, NULL, 0, 0, 0, NULL                                                               \
  }

/* The report on `children` (ids; NULL/0 with options->household set) and the household's
 * children, one section each: a self-contained HTML page that fetches nothing and prints on A4.
 * SG_E_NOT_FOUND for an unknown child or household id, SG_E_INVALID_ARGUMENT for no child or a
 * child given twice. Free *out with sg_buffer_free(); *out_size (if not NULL) its length. */
SG_API int sg_render_report(char** out, size_t* out_size, const sg_result* result,
                            const char* const* children, size_t child_count,
                            const sg_render_options* options);
/* The family's composition for the report on `children` (and options->household's, as
 * sg_render_report takes them) as Graphviz DOT: the people of the report's composition table,
 * households boxed, labelled with display names and ages where the case gives names, joined by
 * who looks after whom, brothers and sisters and partners; no one known only through evidence.
 * Draw it with `dot -Tsvg` and hand the SVG back in family_svg. Free *out with
 * sg_buffer_free(). */
SG_API int sg_render_family(char** out, size_t* out_size, const sg_result* result,
                            const char* const* children, size_t child_count,
                            const sg_render_options* options);
/* The ecomap of the child at `row` as Graphviz DOT. Free *out with sg_buffer_free(). */
SG_API int sg_render_ecomap(char** out, size_t* out_size, const sg_result* result, size_t row,
                            const sg_render_options* options);
/* The statutory timeline of `children` (ids; NULL/0: every child with process events) as a
 * text table. Free *out with sg_buffer_free(). */
SG_API int sg_render_timeline(char** out, size_t* out_size, const sg_result* result,
                              const char* const* children, size_t child_count,
                              const sg_render_options* options);

/* ---- The living record (docs/record.md) ------------------------------------------------- */
/* A record keeps every version of every fact with two times — valid time (dates in the data)
 * and record time (each batch's recorded_at, given by the caller) — the provenance of every
 * batch, and tombstones for erasures. Assessments take as_of (valid time) and known_at (record
 * time): an assessment as of D known at K gives the same result whatever is recorded later.
 * A record is used by one thread at a time: a call made while another thread is in a call on
 * the same record fails with SG_E_MISUSE. */

typedef struct sg_record sg_record;

/* Record time: seconds since 1970-01-01T00:00:00Z. SG_KNOWN_ALL: everything applied. */
#define SG_KNOWN_ALL 9223372036854775807LL

SG_API int sg_record_new(sg_record** out);
SG_API void sg_record_free(sg_record* record);

/* Who recorded a batch, when and why. author (an id or role, never a name) is required;
 * recorded_at never goes back: a batch recorded earlier than the last one is refused. */
typedef struct sg_provenance {
  int version; /* SG_PROVENANCE_VERSION */
  long long recorded_at;
  const char* author;
  const char* reason;           /* may be NULL */
  const char* source_system;    /* may be NULL */
  const char* source_reference; /* may be NULL */
} sg_provenance;
#define SG_PROVENANCE_VERSION 1
#define SG_PROVENANCE_INIT \
  { SG_PROVENANCE_VERSION, 0, NULL, NULL, NULL, NULL }

/* Record edits. A batch holding any of these can be applied only to a record
 * (sg_graph_apply refuses it), except amendments of concerns (sg_batch_amend and
 * sg_batch_amend_list with kind "concern"), which a graph takes too: each changes only the
 * fields given, the others keeping the values the concern has when the batch is applied. The
 * sg_batch_add_*() items add entities as before. */

/* Add, or replace every field of the entity with the same id (same kind). */
SG_API int sg_batch_upsert_person(sg_batch* batch, const sg_person* person);
SG_API int sg_batch_upsert_concern(sg_batch* batch, const sg_concern* concern);
SG_API int sg_batch_upsert_factor(sg_batch* batch, const sg_factor* factor);
SG_API int sg_batch_upsert_event(sg_batch* batch, const sg_event* event);
SG_API int sg_batch_upsert_override(sg_batch* batch, const sg_override* judgement);
/* An entry restated replaces the old one (removed, then added). */
SG_API int sg_batch_upsert_entry(sg_batch* batch, const sg_entry* entry);
/* kind: "agency" (type, name), "place" or "group" (kind, name), "household" (id only; type and
 * name may be NULL). */
SG_API int sg_batch_upsert_entity(sg_batch* batch, const char* kind, const char* id,
                                  const char* type, const char* name);

/* Amends one field of an entity, leaving the others as they are. kind: "person", "agency",
 * "place", "group", "concern", "factor", "event" or "override". value is the field in the
 * case-file spelling ("2015-05-01", "3", "true", "retracted"); NULL clears an optional field
 * (household, dob, incident, summary, note, provided_by, start, end, the name of an agency,
 * place or group, and an event's decision, category and expected; a person's name and
 * attributes are restated with sg_batch_upsert_person). Several fields of
 * one entity amended in a row make one amendment. List fields (flags, about, involves,
 * protects) are set with sg_batch_amend_list. */
SG_API int sg_batch_amend(sg_batch* batch, const char* kind, const char* id, const char* field,
                          const char* value);
SG_API int sg_batch_amend_list(sg_batch* batch, const char* kind, const char* id, const char* field,
                               const char* const* values, size_t count);

/* A declared relation (parent_of, sibling_of, member_of, frequents...) is absent from `date`
 * on; a person leaves their household on `date`; a protective factor ends on `date`. */
SG_API int sg_batch_end_relation(sg_batch* batch, const char* kind, const char* from,
                                 const char* to, const char* date);
SG_API int sg_batch_end_membership(sg_batch* batch, const char* person, const char* date);
SG_API int sg_batch_end_factor(sg_batch* batch, const char* id, const char* date);
/* A concern, factor, event or discretionary override is withdrawn from `date` on, for
 * `reason`; assessments as of earlier dates still see it. */
SG_API int sg_batch_retract(sg_batch* batch, const char* id, const char* date, const char* reason);
/* Data-protection erasure: the person's date of birth and flags, and the summaries, notes and
 * reasons of what is about them, are removed from every version; a tombstone records when and
 * on whose authority (an id or role). */
SG_API int sg_batch_erase(sg_batch* batch, const char* person, const char* authority);

/* Applies every item of the batch or none; *out_revision (if not NULL) receives the record's
 * new revision (the number of batches applied). */
SG_API int sg_record_apply(unsigned long long* out_revision, sg_record* record,
                           const sg_batch* batch, const sg_provenance* provenance);
/* Imports a JSON case file (see docs/case-files.md) as one batch. */
SG_API int sg_record_import_buffer(unsigned long long* out_revision, sg_record* record,
                                   const char* data, size_t size, const char* name,
                                   const sg_provenance* provenance);
SG_API int sg_record_revision(unsigned long long* out, const sg_record* record);

/* Scores every child as of options->as_of from what was known at known_at (SG_KNOWN_ALL:
 * everything). The result is read with the sg_result_*() calls. */
SG_API int sg_record_assess(sg_result** out, const sg_record* record, const sg_rules* rules,
                            const sg_assess_options* options, long long known_at);
/* The graph as of `as_of` known at `known_at`, as a JSON case file. Free with
 * sg_buffer_free(). */
SG_API int sg_record_export(char** out, size_t* out_size, const sg_record* record,
                            const char* as_of, long long known_at);
/* An audit of a record as it was known (docs/audit.md, "From a store"): as
 * sg_audit_set_record_groups, with the group attributes the record held for its children as of
 * `as_of` known at `known_at` (SG_KNOWN_ALL: everything), the graph sg_record_export would write.
 * With sg_record_assess(..., known_at) for the result, sg_audit_run gives the same bytes as the
 * audit of that exported case file. On error the audit keeps the groups it had. The record is
 * only read (one thread at a time, as every record call). */
SG_API int sg_audit_set_record_groups_at(sg_audit* audit, const sg_record* record,
                                         const char* as_of, long long known_at);

/* Incremental results: after each batch, the children whose results it may have changed and
 * their new results, without a full assessment.
 *
 * sg_record_watch watches the record for one rule pack and as-of date (options->as_of): the
 * record keeps a live graph as of that date, edited in place by every batch applied from then
 * on. *out receives every child's results now (as sg_record_assess gives them with
 * SG_KNOWN_ALL). Watching again replaces the watch.
 *
 * sg_record_apply_changes applies the batch as sg_record_apply does (all or nothing; a refused
 * batch leaves the record and its watch as they were, *out NULL) and *out receives the results
 * of the children the batch may have changed: a result with a row for each of them, read with
 * the sg_result_*() calls, each row equal to that child's row in a full assessment. Children
 * the batch erased, or who are no longer children, have no row. A batch with an erasure (or
 * one that brings back an entity that had gone) rescores every child. *out_revision (if not
 * NULL) receives the new revision. SG_E_INVALID_ARGUMENT if the record is not watched. Should
 * memory run out after the batch applied (SG_E_NOMEM), sg_record_revision tells whether it did
 * and sg_record_watch gives every child's results afresh. */
SG_API int sg_record_watch(sg_result** out, sg_record* record, const sg_rules* rules,
                           const sg_assess_options* options);
SG_API int sg_record_apply_changes(sg_result** out, unsigned long long* out_revision,
                                   sg_record* record, const sg_batch* batch,
                                   const sg_provenance* provenance);

/* Read-back, as JSON (free with sg_buffer_free()). sg_record_get: the entity (or relation,
 * "kind:from:to") as known at known_at, an array of at most one version; sg_record_history:
 * every version; sg_record_changes: the change feed, every change recorded after revision
 * `since` (0: all); sg_record_trail: the audit trail of one entity (who changed it, when and
 * why); sg_record_batch_trail: what one batch changed. format: SG_FORMAT_JSON or
 * SG_FORMAT_CSV (trails and changes only). */
#define SG_FORMAT_CSV 2
SG_API int sg_record_get(char** out, size_t* out_size, const sg_record* record, const char* id,
                         long long known_at);
SG_API int sg_record_history(char** out, size_t* out_size, const sg_record* record, const char* id);
SG_API int sg_record_changes(char** out, size_t* out_size, const sg_record* record,
                             unsigned long long since, int format);
SG_API int sg_record_trail(char** out, size_t* out_size, const sg_record* record, const char* id,
                           int format);
SG_API int sg_record_batch_trail(char** out, size_t* out_size, const sg_record* record,
                                 unsigned long long revision, int format);

/* ---- Bundled rule packs ----------------------------------------------------------------- */
/* The packs of the repository's rules/ directory are compiled into the library, so a host can
 * load one by name ("default" is rules/default.toml) with no file at run time. */

/* Number of bundled packs. */
SG_API int sg_rules_bundled_count(size_t* out);
/* Name of the k-th bundled pack, in sorted order. Static storage. */
SG_API int sg_rules_bundled_name(const char** out, size_t k);
/* Loads a bundled pack by name; SG_E_NOT_FOUND (naming the bundled packs) when there is none.
 * Its name in messages is "rules/NAME.toml". `limits` may be NULL (the library defaults). */
SG_API int sg_rules_load_bundled(sg_rules** out, const char* name, const sg_limits* limits);

/* ---- Rule pack introspection ------------------------------------------------------------ */
/* Everything a pack says, for hosts that show or test it without reading its TOML. Strings
 * point into the pack and live as long as it does. */

typedef struct sg_index_def {
  int version; /* SG_INDEX_DEF_VERSION */
  const char* id;
  const char* title;
  /* Since version 2: "child", or "adult" for an index of results for adults (docs/rules.md,
   * "Results for adults"; sg_result_adult()). */
  const char* subject;
} sg_index_def;
#define SG_INDEX_DEF_VERSION 2
#define SG_INDEX_DEF_INIT \
  { SG_INDEX_DEF_VERSION, NULL, NULL, NULL }
SG_API int sg_rules_index(sg_index_def* out, const sg_rules* rules, size_t index);
/* The score at or above which `index` reaches `level` (the level's own minimum unless the
 * index sets its own thresholds). */
SG_API int sg_rules_index_threshold(double* out, const sg_rules* rules, size_t index, size_t level);

typedef struct sg_level_def {
  int version; /* SG_LEVEL_DEF_VERSION */
  const char* id;
  const char* title;
  double min; /* a score at or above this reaches the level */
} sg_level_def;
#define SG_LEVEL_DEF_VERSION 1
#define SG_LEVEL_DEF_INIT \
  { SG_LEVEL_DEF_VERSION, NULL, NULL, 0 }
SG_API int sg_rules_level(sg_level_def* out, const sg_rules* rules, size_t level);

typedef struct sg_rule_def {
  int version; /* SG_RULE_DEF_VERSION */
  const char* id;
  const char* title;
  size_t index; /* into the pack's indices */
  const char* index_id;
  const char* heading;   /* "harm", "danger", "complicating", "safety", "strength" */
  const char* over;      /* what it ranges over: "concern", "factor" or "child" */
  const char* condition; /* the `when` expression as written ("" when it has none) */
  const char* points;    /* the points expression as written (a number is one too) */
  double half_life_days; /* 0: no decay */
  double cap;            /* 0: no cap; else |the rule's total for a child| <= cap */
  size_t reach_count;    /* relations through which evidence counts (sg_rules_rule_reach) */
  int line;              /* where the rule starts in the pack; 0 when unknown */
} sg_rule_def;
#define SG_RULE_DEF_VERSION 1
#define SG_RULE_DEF_INIT \
  { SG_RULE_DEF_VERSION, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0 }
SG_API int sg_rules_rule(sg_rule_def* out, const sg_rules* rules, size_t k);
/* The k-th relation through which a rule's evidence counts for a child ("self", "sibling",
 * "carer", "household", ...) and the factor it counts at. */
SG_API int sg_rules_rule_reach(const char** out_path, double* out_factor, const sg_rules* rules,
                               size_t rule, size_t k);

typedef struct sg_policy_override_def {
  int version; /* SG_POLICY_OVERRIDE_DEF_VERSION */
  const char* id;
  const char* reason;
  const char* condition;    /* the `when` expression as written */
  int min_level;            /* the level it forces at least (the floor), or -1 for none */
  const char* min_level_id; /* NULL when min_level is -1 */
  int immediate_safety;     /* non-zero: it flags an immediate safety threat */
  int line;
} sg_policy_override_def;
#define SG_POLICY_OVERRIDE_DEF_VERSION 1
#define SG_POLICY_OVERRIDE_DEF_INIT \
  { SG_POLICY_OVERRIDE_DEF_VERSION, NULL, NULL, NULL, -1, NULL, 0, 0 }
SG_API int sg_rules_override(sg_policy_override_def* out, const sg_rules* rules, size_t k);

/* ---- Copies and synthetic caseloads ----------------------------------------------------- */

/* A new graph holding everything `graph` holds (entities, relations, process records,
 * calendar, limits); the two are independent afterwards. */
SG_API int sg_graph_copy(sg_graph** out, const sg_graph* graph);

/* A fictional caseload for benchmarks, load tests and demonstrations: households, agencies,
 * concerns, factors, relations, places and process events, deterministic by seed on every
 * platform. Every id and date is invented. */
typedef struct sg_caseload_options {
  int version;             /* SG_CASELOAD_OPTIONS_VERSION */
  size_t children;         /* exactly this many children (at least 1) */
  unsigned long long seed; /* the same seed gives the same caseload */
  const char* as_of;       /* evidence is dated in the three years up to this day; NULL:
                              2026-11-01 */
} sg_caseload_options;
#define SG_CASELOAD_OPTIONS_VERSION 1
#define SG_CASELOAD_OPTIONS_INIT \
  { SG_CASELOAD_OPTIONS_VERSION, 1000, 1, NULL }
/* A new graph holding the generated caseload. */
SG_API int sg_graph_generate(sg_graph** out, const sg_caseload_options* options);

/* ---- Progress and cancellation --------------------------------------------------------- */

/* Progress of a long call: `done` of `total` units (bytes of a case file read or written,
 * children assessed), reported now and then (as sqlite3_progress_handler). Return 0 to go on,
 * non-zero to stop: the call then fails with SG_E_CANCELLED and changes nothing (the graph, or
 * the file being replaced, is as it was). A multi-threaded assessment calls it from its worker
 * threads, one at a time. `user` is passed through untouched. */
typedef int (*sg_progress_fn)(void* user, unsigned long long done, unsigned long long total);

/* As sg_graph_load_file, sg_graph_load_buffer, sg_graph_save_file and sg_assess, reporting to
 * `progress` (NULL: no reports). A load reports the bytes parsed, a megabyte at a time. */
SG_API int sg_graph_load_file_progress(sg_graph* graph, const char* path, sg_progress_fn progress,
                                       void* user);
SG_API int sg_graph_load_buffer_progress(sg_graph* graph, const char* data, size_t size,
                                         const char* name, sg_progress_fn progress, void* user);
SG_API int sg_graph_save_file_progress(const sg_graph* graph, const char* path,
                                       sg_progress_fn progress, void* user);
SG_API int sg_assess_progress(sg_result** out, const sg_graph* graph, const sg_rules* rules,
                              const sg_assess_options* options, sg_progress_fn progress,
                              void* user);

/* ---- Error details ---------------------------------------------------------------------- */

/* This thread's last failure, field by field, so a host need not parse the message (as
 * libgit2's git_error_last()). Fields are only ever appended; `version` says which this
 * library fills. */
typedef struct sg_error_detail {
  int version;         /* SG_ERROR_DETAIL_VERSION of the library that filled it */
  int status;          /* as sg_error_last_status(): SG_OK when the thread has no failure */
  const char* message; /* as sg_error_last() */
  const char* reason;  /* the message without its place */
  const char* file;    /* case file or rule pack name; NULL when none */
  int line;            /* 1-based; 0 when unknown */
  int column;          /* 1-based; 0 when unknown */
  const char* entity;  /* the entity id concerned; NULL when none */
  long long item;      /* the failing batch item (0-based); -1 when not a batch item */
} sg_error_detail;
#define SG_ERROR_DETAIL_VERSION 1
/* This thread's last failure. Never NULL; the struct and its strings are valid until this
 * thread's next call into the library. Reading it changes nothing. */
SG_API const sg_error_detail* sg_error_last_detail(void);

/* ---- The record's durable store (docs/record.md, "The store") ---------------------------- */
/* A record kept in an SQLite database at `path` (UTF-8), restored as it was left: every
 * version, batch, change and tombstone, and the revision. Every sg_record_*() call works on it;
 * each successful sg_record_apply() and sg_record_import_buffer() is also committed to the
 * store, as one transaction, before it returns. When the commit fails (a full disk, an I/O
 * error) the call returns SG_E_IO, naming the path and the reason, and the record and the
 * store are both as they were. A process killed at any moment loses no applied batch and
 * leaves no half of one. Erasure removes the erased data from the store's files too.
 *
 * flags: SG_OPEN_CREATE creates an empty store when none exists at the path; without it a
 * missing store is SG_E_IO. A file that is not a store is SG_E_INVALID_DATA; a store written
 * by a newer schema, SG_E_VERSION; a store already open (in this process or another),
 * SG_E_MISUSE: a store belongs to one sg_record at a time, until sg_record_free(). */
#define SG_OPEN_CREATE 1
SG_API int sg_record_open(sg_record** out, const char* path, int flags);
/* As sg_record_open, reporting the chunks of stored versions read (1,024 versions each) to
 * `progress` (sg_progress_fn; NULL: no reports), first with 0 before anything is read. Stopped,
 * it fails with SG_E_CANCELLED, *out is NULL, and the store is closed again, as it was. */
SG_API int sg_record_open_progress(sg_record** out, const char* path, int flags,
                                   sg_progress_fn progress, void* user);
/* As sg_record_apply, reporting the batch's versions to `progress` (sg_progress_fn; NULL: no
 * reports): all of them once the record has checked them, then, for a record kept in a store,
 * those written to it, 1,024 at a time (total: the versions, twice over with a store).
 * Every report comes before the commit: stopped at any of them, it fails with SG_E_CANCELLED
 * and the record and its store are as they were. */
SG_API int sg_record_apply_progress(unsigned long long* out_revision, sg_record* record,
                                    const sg_batch* batch, const sg_provenance* provenance,
                                    sg_progress_fn progress, void* user);
/* As sg_record_import_buffer, reporting bytes to `progress`: the case file's bytes as they are
 * parsed, a megabyte at a time, then the same bytes again in proportion as the batch made from
 * them is checked and stored (total: twice the size). Into an empty record a file that must be
 * read again as a batch (one the record refuses, say) is reported again from its start. Stopped,
 * it fails with SG_E_CANCELLED and the record and its store are as they were. */
SG_API int sg_record_import_buffer_progress(unsigned long long* out_revision, sg_record* record,
                                            const char* data, size_t size, const char* name,
                                            const sg_provenance* provenance,
                                            sg_progress_fn progress, void* user);

/* ---- Children in Need census returns (docs/cin-census.md) --------------------------------- */
/* Reads a census return (the Department for Education's XML, streamed) and adds it to the
 * graph as one atomic batch: each child a person (disabilities as flags; sex and ethnicity as
 * the person's group attributes, which no rule can read and sg_audit_set_record_groups audits
 * by), each assessment factor a concern, and referrals, assessments,
 * section 47 enquiries, conferences, plans and reviews as process events. strict: 1 refuses a
 * return with any census-rule finding (SG_E_INVALID_DATA naming the first), 0 imports it and
 * leaves the findings to sg_cin_read_file; any other value is SG_E_INVALID_ARGUMENT.
 * Malformed XML or values fail with the line, column and LAchildID (sg_error_last_detail).
 * On failure the graph is unchanged. */
SG_API int sg_cin_load_file(sg_graph* graph, const char* path, int strict);
/* The return as JSON tables (children, disabilities, episodes, assessments, factors,
 * cin_plans, section47, protection_plans, reviews, findings; docs/cin-census.md), the findings
 * including factor codes with no category in the default pack. *out receives a NUL-terminated
 * buffer to free with sg_buffer_free(); *out_size (if not NULL) its length. */
SG_API int sg_cin_read_file(char** out, size_t* out_size, const char* path, int strict);
/* The census measures of the return over its census period, as JSON: one row per measure for
 * the authority (count, denominator, rate) and one row per child. Working days are England's.
 * A return without a ReferenceDate is SG_E_INVALID_DATA. Free *out with sg_buffer_free(). */
SG_API int sg_cin_measures_file(char** out, size_t* out_size, const char* path);

typedef struct sg_cin_write_options {
  int version; /* SG_CIN_WRITE_OPTIONS_VERSION */
  /* A census return to take the return's own items from (sex, ethnicity, UPNs, referral
   * source, primary need, closure, CIN plans, codes as written, the header), matched by the ids
   * the import gave; or NULL: those the graph kept from its import (docs/cin-census.md, "What
   * the record keeps"), so a graph loaded with sg_cin_load_file needs none. */
  const char* details_path;
  /* The period, "YYYY-MM-DD" or NULL (open): episodes open on a day of it, with what happened
   * up to `to`, which is also the ReferenceDate. */
  const char* from;
  const char* to;
  /* Agency ids or types the return's reader is cleared for; "*" for all. NULL/0: cleared for
   * none, so no restricted assessment factor is written. */
  const char* const* viewer_cleared;
  size_t viewer_cleared_count;
} sg_cin_write_options;
#define SG_CIN_WRITE_OPTIONS_VERSION 1
#define SG_CIN_WRITE_OPTIONS_INIT \
  { SG_CIN_WRITE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0 }
/* The graph as a census return (XML; docs/cin-census.md, "Writing a return"): each child with a
 * referral event, its episodes' items from the graph's events and factor concerns. Reading it
 * back (sg_cin_load_file) gives the same graph. A malformed details return fails as
 * sg_cin_read_file does; a date that is not one, or `to` before `from`, is
 * SG_E_INVALID_ARGUMENT. Free *out with sg_buffer_free(); *out_size (if not NULL) its length. */
SG_API int sg_cin_write(char** out, size_t* out_size, const sg_graph* graph,
                        const sg_cin_write_options* options);

/* ---- Vocabulary (docs/rules.md, "Vocabulary") ------------------------------------------- */

/* A name the case uses that the result's rule pack does not know: a misspelt concern category
 * matches no rule and scores nothing. One finding per unknown name, with the entities using
 * it; concerns marked restricted are pooled into one finding per code whose name is "" (their
 * categories are never named). */
typedef struct sg_vocabulary_finding {
  int version;         /* SG_VOCABULARY_FINDING_VERSION */
  const char* code;    /* "unknown-category", "unknown-factor-kind", "unknown-flag",
                          "unknown-agency-type" */
  const char* name;    /* the unknown name; "" for restricted concerns */
  size_t count;        /* entities using it: sg_result_vocabulary_id gives their ids */
  const char* message; /* names the name (unless withheld), the count and the first ids */
} sg_vocabulary_finding;
#define SG_VOCABULARY_FINDING_VERSION 1
#define SG_VOCABULARY_FINDING_INIT \
  { SG_VOCABULARY_FINDING_VERSION, NULL, NULL, 0, NULL }
SG_API int sg_result_vocabulary_count(size_t* out, const sg_result* result);
/* Strings live as long as the result. */
SG_API int sg_result_vocabulary(sg_vocabulary_finding* out, const sg_result* result, size_t k);
SG_API int sg_result_vocabulary_id(const char** out, const sg_result* result, size_t k, size_t i);
/* Strict mode: SG_OK when the graph uses only names the pack knows, else SG_E_INVALID_DATA with
 * the first finding's message (sg_error_last_detail names its first entity id). Call it before
 * sg_assess to refuse such a case. */
SG_API int sg_check_vocabulary(const sg_graph* graph, const sg_rules* rules);

#ifdef __cplusplus
}
#endif

#endif /* SAFEGUARD_H */
