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

#include "safeguard/assess.hpp"
#include "safeguard/error.hpp"
#include "safeguard/rules.hpp"

namespace safeguard {

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
};

// Parse the files' text. Error(Status::parse or invalid_data) naming source, line, column and
// the child id for a malformed line, a bad header, a duplicate id or an outcome other than 0/1.
SAFEGUARD_EXPORT Outcomes parse_outcomes_csv(std::string_view text, const std::string& source);
SAFEGUARD_EXPORT GroupAttributes parse_groups_csv(std::string_view text, const std::string& source);
// The same files written back (what the generator emits).
SAFEGUARD_EXPORT std::string outcomes_csv(const Outcomes& outcomes);
SAFEGUARD_EXPORT std::string groups_csv(const GroupAttributes& groups);

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
  AuditRow();
};

struct AuditWarning {
  std::string code;  // "small-sample", "no-outcome", "unmatched-group", ...
  std::string message;
};

struct AuditReport {
  std::string pack_id, pack_version, pack_hash;
  Day as_of = 0;
  std::string horizon;
  std::size_t children = 0;         // assessed
  std::size_t with_outcome = 0;     // of them, with an outcome
  std::size_t positives = 0;        // outcome 1
  std::vector<std::string> levels;  // the pack's level ids
  std::vector<std::string> attributes;
  std::vector<std::string> references;  // per attribute
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

}  // namespace safeguard
