// Responsible scoring (issue 18, docs/audit.md): does a pack's level predict a host-defined
// outcome here, and does it treat groups of children differently? Joins assessment results to
// host-supplied outcomes (child id -> 0/1 at a horizon the host defines) and protected group
// attributes (child id -> attribute -> value), which no rule may read.
//
// Every figure is deterministic: the bootstrap draws from the audit's own splitmix64 stream,
// never from a standard-library distribution, and runs on one thread, so the same inputs and
// seed give the same bytes on every platform and for any assessment thread count.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <memory>

#include "safeguard/assess.hpp"
#include "safeguard/error.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/rules.hpp"

namespace safeguard {

class CaseGraph;

// ---- Inputs ---------------------------------------------------------------------------------

struct OutcomeRow {
  std::string child_id;
  int outcome = 0;  // 0 or 1
  int line = 0;     // in the source, for messages
};

// A host's outcomes file: CSV with the header `child_id,outcome`, one child a line, outcome 0
// or 1. Lines starting with '#' are comments; `# horizon: TEXT` states what the outcome means.
struct Outcomes {
  std::string source;   // file name (or the name given to a buffer) for messages
  std::string horizon;  // what the outcome is and when it is observed, as the host states it
  std::vector<OutcomeRow> rows;
};

// A note the audit carries into its report (AuditReport::warnings and the like).
struct AuditWarning {
  std::string code;  // "small-sample", "no-outcome", "not-recorded", "group-clash", ...
  std::string message;
};

struct GroupRow {
  std::string child_id;
  std::vector<std::string> values;  // one per attribute; empty: not recorded
  int line = 0;
};

// A host's group-attributes file: CSV with the header `child_id,ATTRIBUTE,...` (one column per
// protected attribute), one child a line; an empty cell means not recorded.
struct GroupAttributes {
  std::string source;
  std::vector<std::string> attributes;
  std::vector<GroupRow> rows;
  // Said when the attributes were put together (merge_groups: a file and the record
  // disagreeing about a child); every report made from them repeats these.
  std::vector<AuditWarning> warnings;
};

// Parse the files' text. Error(Status::parse or invalid_data) naming source, line, column and
// the child id for a malformed line, a bad header, a duplicate id or an outcome other than 0/1.
SAFEGUARD_EXPORT Outcomes parse_outcomes_csv(std::string_view text, const std::string& source);
SAFEGUARD_EXPORT GroupAttributes parse_groups_csv(std::string_view text, const std::string& source);
// The same files written back (what the generator emits).
SAFEGUARD_EXPORT std::string outcomes_csv(const Outcomes& outcomes);
SAFEGUARD_EXPORT std::string groups_csv(const GroupAttributes& groups);

// The group attributes the record holds (Person::attributes, as a census import stores Sex or
// GenderCurrent and Ethnicity): source "record", one attribute per name any child has (byte
// order), one row per child of the graph (id order, line 0) with an empty value (not recorded)
// where the child has no attribute of that name. Adults' attributes are not read.
SAFEGUARD_EXPORT GroupAttributes record_groups(const CaseGraph& graph);

// A groups file and the record's attributes together (docs/audit.md, "Group attributes from the
// record"): the file's attributes, then those only the record has (byte order); per child and
// attribute the file's value where it has one, else the record's. Where both have a value and
// they differ, the file's is used and a "group-clash" warning per attribute names the children
// (ids only, never the values). Rows: the file's in its order, then children only the record has.
SAFEGUARD_EXPORT GroupAttributes merge_groups(const GroupAttributes& file,
                                              const GroupAttributes& record);

// Refuses a pack whose expressions compare a concern category, factor kind, child flag or
// agency type against a protected attribute's name or one of its values (case-insensitive):
// Error(Status::invalid_data) naming the rule or override and where it is in the pack.
SAFEGUARD_EXPORT void check_protected(const RuleSet& rules, const GroupAttributes& groups);

// ---- The audit --------------------------------------------------------------------------------

struct AuditOptions {
  std::uint64_t seed = 1;        // of the bootstrap
  std::size_t bootstrap = 1000;  // resamples for the AUC and ratio intervals; 0: none
  // An AUC needs at least this many children with outcome 1 and with outcome 0; fewer, and it
  // is not reported (a warning says why) because it would mean nothing.
  std::size_t min_events = 10;
  // A rate over fewer children than this carries a "small sample" note, and a ratio with such
  // a rate on either side is never flagged.
  std::size_t min_count = 30;
  // A ratio against the reference group is flagged when its estimate leaves [band_low,
  // band_high] and |log ratio| exceeds z times its bootstrap standard deviation (households
  // resampled whole), z Bonferroni-adjusted for the number of ratios assessed; with
  // bootstrap = 0 there are no intervals and so no flags (docs/audit.md).
  double band_low = 0.8;
  double band_high = 1.25;
  // Reference group per attribute; an attribute not named here uses its largest group (ties:
  // the first value in byte order).
  std::map<std::string, std::string> reference;
  // Disclosure control (docs/audit.md, "Small counts"): a figure resting on 1 to
  // suppress_below - 1 children (a group, a count, or those left when it is taken from its
  // total) is suppressed, and so are further figures until none can be worked out from the
  // totals and the other figures shown. 0 turns it off, for the analyst's own work.
  std::size_t suppress_below = 5;
};

// One figure. Every table of the audit is a list of these (docs/audit.md says what each
// table's columns mean); unknown values are NaN, and `level` is -1 where no level applies.
struct AuditRow {
  // "discrimination", "calibration", "level_distribution", "outcome_by_level", "error_rates"
  std::string table;
  // discrimination: "index:ID", "total" or "level"; error_rates: "fpr" or "fnr"; calibration
  // and outcome_by_level: "outcome_rate"; level_distribution: "share".
  std::string measure;
  std::string attribute, group;  // empty outside the disparity tables
  int level = -1;                // the level (calibration, ...) or threshold (error_rates)
  std::string level_id;
  // discrimination: count = children with outcome 1, denominator = children with an outcome;
  // otherwise the rate is count / denominator.
  std::size_t count = 0, denominator = 0;
  double value, low, high;              // the AUC or rate and its 95% interval
  double ratio, ratio_low, ratio_high;  // against the reference group's rate
  bool flag = false;                    // the ratio leaves the band beyond chance
  std::string note;                     // why a figure is missing or weak
  // Suppressed for disclosure control (AuditOptions::suppress_below): the count or the
  // denominator is not to be shown ("c"), and then value, interval and ratio are NaN.
  bool count_suppressed = false, denominator_suppressed = false;
  bool suppressed() const { return count_suppressed || denominator_suppressed; }
  AuditRow();
};

struct AuditReport {
  std::string pack_id, pack_version, pack_hash;
  Day as_of = 0;
  std::string horizon;
  std::size_t children = 0;      // assessed
  std::size_t with_outcome = 0;  // of them, with an outcome
  std::size_t positives = 0;     // outcome 1
  // Suppressed for disclosure control: positives (and so the children with outcome 0) not shown.
  bool positives_suppressed = false;
  std::vector<std::string> levels;  // the pack's level ids
  std::vector<std::string> attributes;
  std::vector<std::string> references;    // per attribute
  std::vector<std::size_t> not_recorded;  // per attribute: assessed children without a value
  AuditOptions options;
  std::vector<AuditRow> rows;  // in table order: discrimination, calibration, then per attribute
  std::vector<AuditWarning> warnings;
  std::vector<std::string> flags;  // one sentence per flagged ratio
};

// What the audit needs of an assessment: per child its id, level, total and index scores.
// Results give them (audit_rows); so does the rows file (audit_rows_csv) that partitions of a
// caseload assessed apart write, to be audited together (docs/audit.md, "Many authorities").
struct AuditChild {
  std::string id;
  // The child's household id (empty: none). The bootstrap resamples households whole, since
  // siblings share evidence and are not independent.
  std::string cluster;
  int level = 0;
  double total = 0;
  std::vector<double> scores;  // one per index of the pack
  int line = 0;                // in a rows file
};
struct AuditRows {
  std::string source;
  Day as_of = 0;
  std::string pack_hash;
  std::vector<AuditChild> children;
};
SAFEGUARD_EXPORT AuditRows audit_rows(const Results& results);
// `# as_of: D` and `# pack: HASH` lines, the header `child_id,household,level,total,INDEX...` (the
// pack's index ids) and one line per child, numbers written so they read back as the same doubles.
SAFEGUARD_EXPORT std::string audit_rows_csv(const AuditRows& rows, const RuleSet& rules);
// Reads one or more rows files run together (their repeated comment and header lines are
// skipped). Refuses, naming source, line and id: another pack's hash or another as-of date
// than the first file's, a header that is not this pack's indices, a level out of range, a
// number that does not parse, a child listed twice.
SAFEGUARD_EXPORT AuditRows parse_audit_rows_csv(std::string_view text, const std::string& source,
                                                const RuleSet& rules);

// The audit of `rows` (assessed with `rules`) against the outcomes and group attributes. Rows
// are taken in child-id order, so the figures do not depend on the order children come in.
SAFEGUARD_EXPORT AuditReport audit(const AuditRows& rows, const RuleSet& rules,
                                   const Outcomes& outcomes, const GroupAttributes& groups,
                                   const AuditOptions& options = {});

// The audit of `results` against the outcomes and group attributes. Refuses (Error, naming the
// file, line and id; nothing is computed) an id that is not a child of the results, and a
// pack that reads a protected attribute (check_protected). Children without an outcome are
// left out of every outcome-based figure and counted in a warning.
SAFEGUARD_EXPORT AuditReport audit(const Results& results, const Outcomes& outcomes,
                                   const GroupAttributes& groups, const AuditOptions& options = {});

// ROC AUC of `scores` against `outcomes` (0/1), by the Mann-Whitney statistic with ties
// counted one half. NaN without both outcomes.
SAFEGUARD_EXPORT double roc_auc(const std::vector<double>& scores,
                                const std::vector<int>& outcomes);
// The Wilson score interval for `events` of `n` at 95%.
struct Interval {
  double low, high;
};
SAFEGUARD_EXPORT Interval wilson_interval(std::size_t events, std::size_t n);

// Renderings: JSON (one object, docs/audit.md), CSV (one row per AuditRow, header first) and a
// self-contained HTML page of tables.
SAFEGUARD_EXPORT std::string audit_json(const AuditReport& report);
SAFEGUARD_EXPORT std::string audit_csv(const AuditReport& report);
SAFEGUARD_EXPORT std::string audit_html(const AuditReport& report);

// ---- What-if: the same caseload with a changed pack (docs/audit.md, "What-if") ------------------

// A change to a pack, stated as data. `where` places it in the spec it came from (file, line,
// column; entity = the rule or index id) for messages.
struct RuleWeight {
  std::string rule;
  double multiplier = 1;  // the rule's points x this (>= 0; 1: unchanged)
  Location where;
};
struct LevelThreshold {
  std::string index, level;
  double min = 0;  // the score at or above which the index reaches the level
  Location where;
};
struct PackChanges {
  std::string source = "what-if";      // names the spec in messages
  std::vector<std::string> remove;     // rule ids taken out
  std::vector<Location> remove_where;  // parallel to remove (may be empty)
  std::vector<RuleWeight> weights;
  std::vector<LevelThreshold> thresholds;
};

// A what-if spec (TOML):
//   remove = ["disabled-child"]
//   [weights]
//   multi-agency-corroboration = 0.5
//   [thresholds.INDEX]
//   LEVEL = 12
// Error(Status::parse or invalid_data) with file, line and column for anything else.
SAFEGUARD_EXPORT PackChanges parse_what_if_toml(std::string_view text, const std::string& source);

// A copy of `pack` with the changes made through the rule-pack types (never by editing its
// TOML): a removed rule is dropped; a weighted rule's points become the constant times the
// multiplier, or `(<points>) * m` for a formula, compiled like any pack expression; an index's
// thresholds are set and must still rise with the levels; on a whole-counting index the new
// points must be whole. The copy is validated and linted like a loaded pack (lint_warnings()).
// Its hash is SHA-256 over the original's hash and the changes in canonical order, so it
// differs from the original's unless nothing changes (a multiplier of 1, a threshold set to
// what it was: no change). Error(Status::not_found) naming the id and the spec's place for an
// unknown rule, index or level; Error(Status::invalid_data) for a rule named twice, a
// negative or non-finite multiplier, thresholds that no longer rise.
SAFEGUARD_EXPORT std::shared_ptr<const RuleSet> change_pack(const RuleSet& pack,
                                                            const PackChanges& changes);

struct WhatIfOptions {
  unsigned threads = 1;  // of the reassessment; the report is the same for any value
  // Who reads the report. A rule whose lines for a child are all withheld from this viewer
  // (restricted evidence) is never named for that child, and unless the viewer sees every
  // restricted concern, a child whose result (before or after the change) has a withheld line
  // or override, or reads the network as the viewer may attribute it (ScoreReader::withholds),
  // is left out of every count and the list (WhatIfReport::withheld_children):
  // whether it moves would tell what the withheld evidence is worth. Default: cleared for none.
  Viewer viewer;
  // Disclosure control of the tables by group, as AuditOptions::suppress_below (0: off). The
  // overall table and the list of children are not by group and are never suppressed.
  std::size_t suppress_below = 5;
};

// A child whose level changes.
struct WhatIfChild {
  std::string id;
  int before = 0, after = 0;  // levels (after overrides)
  // Rules (ids, "propagation" for propagated points) whose points for the child, as the viewer
  // sees them, differ between the two packs, in id order.
  std::vector<std::string> rules;
};

// The transitions of one group of one attribute (attribute and group empty: every child).
struct WhatIfGroup {
  std::string attribute, group;
  std::size_t children = 0, up = 0, down = 0;
  double share_moved = 0;  // (up + down) / children; 0 for no children
  // levels x levels counts, row = level before, column = level after (row-major).
  std::vector<std::size_t> transitions;
  // Disclosure control (WhatIfOptions::suppress_below): which of the figures above are not to
  // be shown ("c"); share_moved is hidden with any of children, up and down.
  bool children_suppressed = false, up_suppressed = false, down_suppressed = false;
  std::vector<bool> transitions_suppressed;  // parallel to transitions; empty: none
  bool share_suppressed() const { return children_suppressed || up_suppressed || down_suppressed; }
};

struct WhatIfReport {
  std::string pack_id, pack_version;
  std::string hash_before, hash_after;
  std::vector<std::string> changes;  // one sentence per change made
  Day as_of = 0;
  std::vector<std::string> levels;
  std::string viewer;  // "uncleared", "cleared for everything" or "cleared for ..."
  WhatIfGroup overall;
  // Children left out of `overall`, `groups` and `changed` because their results draw on
  // evidence withheld from the viewer (WhatIfOptions::viewer); 0 for a viewer who sees it all.
  std::size_t withheld_children = 0;
  std::vector<std::string> attributes;
  std::vector<WhatIfGroup> groups;     // per attribute in file order, groups in byte order
  std::vector<WhatIfChild> changed;    // in child-id order
  std::vector<LintWarning> lint;       // the changed pack's lint findings
  std::vector<AuditWarning> warnings;  // e.g. children with no group recorded
};

// Reassesses `before`'s snapshot as of its date with change_pack(before.rules(), changes) and
// compares levels child by child, overall and per group of `groups` (may have no attributes).
// Refuses a pack reading a protected attribute (check_protected) and a group row whose id is
// not a child of the results (naming file, line and id). Bit-identical for any thread count.
SAFEGUARD_EXPORT WhatIfReport what_if(const Results& before, const PackChanges& changes,
                                      const GroupAttributes& groups,
                                      const WhatIfOptions& options = {});
// JSON (one object, docs/audit.md) and CSV: the transition rows (`table` = "transitions":
// attribute, group, from, to, count) then the changed children (`table` = "changed": id, from,
// to, rules separated by ';').
SAFEGUARD_EXPORT std::string what_if_json(const WhatIfReport& report);
SAFEGUARD_EXPORT std::string what_if_csv(const WhatIfReport& report);

// ---- Refitting: proposed weights (docs/audit.md, "Refitting") ----------------------------------

struct RefitOptions {
  std::uint64_t seed = 1;  // of the fold assignment (the audit's splitmix64 stream)
  std::size_t folds = 5;   // k of the k-fold cross-validation (households kept whole), >= 2
  // L2 penalties tried; the one with the best cross-validated AUC is used (ties: the larger).
  std::vector<double> penalties = {0.1, 1, 10, 100, 1000};
  // A rule is estimable when at least this many children with outcome 1 and this many with
  // outcome 0 get points from it; otherwise it keeps its weight and is reported as not
  // estimable.
  std::size_t min_firing = 20;
  int max_iterations = 100;  // of Newton's method per fit
  // Who reads the report. Unless the viewer sees every restricted concern in the case, a child
  // whose result has a line or override withheld from the viewer, or reads the network as the
  // viewer may attribute it (ScoreReader::withholds), is left out of the fit and only counted
  // (RefitReport::withheld_children): a weight fitted on its points and outcome would say what
  // the withheld evidence is and is worth. Default: cleared for none.
  Viewer viewer;
};

struct RefitRule {
  std::string id;
  std::size_t fired_positive = 0, fired_negative = 0;  // children with its points, by outcome
  bool estimable = false;
  double coefficient = 0;  // fitted log-odds per point of the rule (0 when not estimable)
  double multiplier = 1;   // proposed: coefficient / the common log-odds per point of the total
  bool written = false;    // the new pack carries the multiplier (false: the old weight is kept)
  std::string note;        // why not estimable or not written
};

struct RefitPenalty {
  double penalty = 0;
  double auc = 0;  // cross-validated AUC of the refit at this penalty
};

struct RefitReport {
  std::string pack_id, pack_version, pack_hash;
  std::string new_version;  // e.g. "0.4.0-refit.1"
  Day as_of = 0;
  std::string horizon;
  std::string viewer;  // "uncleared", "cleared for everything" or "cleared for ..."
  // with_outcome and positives count the children fitted on; withheld_children the children
  // with an outcome left out because their results draw on evidence withheld from the viewer.
  std::size_t children = 0, with_outcome = 0, positives = 0, withheld_children = 0;
  std::size_t folds = 0;
  std::uint64_t seed = 0;
  double scale = 0;    // log-odds per point of the total score (the original pack's one weight)
  double penalty = 0;  // chosen
  std::vector<RefitPenalty> grid;
  double auc_original = 0;       // cross-validated AUC of the original pack's total score
  double auc_refit = 0;          // cross-validated AUC of the refit at the chosen penalty
  std::vector<RefitRule> rules;  // in pack order
  std::vector<AuditWarning> warnings;
};

// Proposes new rule weights from the outcomes: an L2-regularised logistic regression of the
// outcome on each rule's points for the child (one feature per estimable rule), with the
// original pack's total score as an offset, so the penalty pulls every weight towards the
// pack's own and a weak signal leaves it alone. The penalty is chosen by k-fold
// cross-validation with households kept whole, folds drawn from the seed: deterministic, and
// the same for any assessment thread count. Negative weights are reported and not written (the
// rule keeps its weight); every figure is finite. Only children whose results draw on nothing
// withheld from options.viewer are fitted on (RefitOptions::viewer), so no figure moves with
// what restricted evidence says or with the outcome of a child resting on it. Refuses (Error
// naming file, line and id) an outcome id that is not a child of the results; fewer than
// min_firing fitted children with each outcome: Error(Status::invalid_data).
SAFEGUARD_EXPORT RefitReport refit(const Results& results, const Outcomes& outcomes,
                                   const RefitOptions& options = {});
SAFEGUARD_EXPORT std::string refit_json(const RefitReport& report);
// "rule: 5 -> 7.5" lines for each rule written, and a line for each kept with why.
SAFEGUARD_EXPORT std::string refit_diff(const RefitReport& report, const RuleSet& pack);

// The text of the new pack version: `text` (the pack the refit ran on, named `source`; its hash
// must be the report's) with each written rule's points replaced (a constant by the new
// constant, a formula by `(<formula>) * m`) and [pack] version set to new_version. Every other
// byte, comments included, is kept. The text loads and lints like any pack; nothing installs it.
SAFEGUARD_EXPORT std::string refit_pack_toml(const RefitReport& report, std::string_view text,
                                             const std::string& source);
// The TOML text of a bundled pack (rules/NAME.toml); Error(Status::not_found) when none.
SAFEGUARD_EXPORT std::string bundled_pack_text(std::string_view name);

}  // namespace safeguard
