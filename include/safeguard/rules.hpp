// RuleSet: a loaded, compiled, immutable rule pack — indices, levels, rules, policy overrides —
// identified by its id, version and a canonical content hash. Loaded from TOML (see
// docs/rules.md); shared read-only by any number of threads.
#pragma once

#include "safeguard/detail/export.hpp"

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/detail/enum_names.hpp"
#include "safeguard/expr.hpp"
#include "safeguard/model.hpp"
#include "safeguard/timeline.hpp"

namespace safeguard {

struct LevelDef {
  std::string id;
  std::string title;
  double min = 0;  // a score at or above this reaches the level
  Location where;
};

struct IndexDef {
  std::string id;
  std::string title;
  std::vector<double> thresholds;  // one per level: the pack's levels' `min` unless overridden
  // counting = "whole": a checklist-style index that counts whole ticks. Its rules have
  // constant whole points, no decay, reach factors of 0 or 1 and whole caps, and a cap is
  // filled by the most recent evidence first instead of scaling every line, so every
  // contribution and every score is a whole number and a threshold is never missed by
  // rounding (docs/rules.md, "Whole counting").
  bool whole = false;
  // subject = "adult": an index of results for adults (docs/rules.md, "Results for adults").
  // Its rules score each adult on the concerns about that adult (a DASH checklist is the adult
  // victim's); they never score a child, so a child's score on it is 0. A child reads it only
  // through an explicit rule: adult_score("index", "path") in a condition or points.
  bool adult = false;
  Location where;
};

struct Rule {
  std::string id;
  std::string title;  // what a practitioner reads in an explanation
  // What a family reads in the family version (`plain` in the pack): plain words, no score or
  // jargon. Empty: the family version uses a neutral sentence for the rule's heading.
  std::string plain;
  // What a reader not cleared for restricted evidence reads when the rule's points come from
  // such evidence (`neutral_title` in the pack): words that name no category, index or agency.
  // Empty: the pack's neutral title (RuleSet::neutral_title).
  std::string neutral_title;
  std::uint32_t index = 0;
  Heading heading = Heading::harm;
  expr::Scope scope = expr::Scope::concern;
  expr::Expression when;
  expr::Expression points;
  double half_life_days = 0;               // 0: no decay
  double cap = 0;                          // 0: no cap; else |rule total per child| <= cap
  std::array<double, kRoleCount> reach{};  // factor per Role; self = 1 unless the pack says
  // `latest = { of = "dash.*", within_days = 365 }` (docs/rules.md, "Latest group per
  // person"): a concern counts only when it is dated on the latest date, within the last
  // `latest_within_days`, of the concerns of the family about the same person (a point-in-time
  // checklist: only the one completed last is read). Other lines stay listed with 0
  // (Contribution::superseded). `latest_family` is the categories' shared prefix ("dash." for
  // "dash.*"); empty: the rule has no such option.
  std::string latest_family;
  int latest_within_days = 0;
  Location latest_where;
  Location where;

  bool latest() const noexcept { return !latest_family.empty(); }
};

struct PolicyOverride {
  std::string id;
  std::string reason;
  expr::Expression when;
  int min_level = -1;  // level the override forces at least, or -1
  bool immediate_safety = false;
  // subject = "adult": evaluated for each adult over the concerns about that adult, it sets a
  // minimum level on the adult's result, never a child's (docs/rules.md, "Policy overrides for
  // adults"). A child reads it only through adult_level_at_least().
  bool adult = false;
  Location where;
};

// One present-danger item or one safety-plan condition of a pack's [safety] section
// (docs/rules.md, "Safety"). A danger (`[[safety.danger]]`) ranges over the child
// (`for = "child"`) or over each concern that reaches the child by one of `paths`
// (`for = "concern"`); a plan (`[[safety.plan]]`) over the child or over each factor that
// protects the child by one of `paths` (`for = "factor"`). It holds for that evidence when
// `when` is true.
struct SafetyCondition {
  std::string id;
  std::string title;  // what a practitioner reads beside the decision
  expr::Scope scope = expr::Scope::child;
  expr::Expression when;
  RoleMask paths = role_bit(Role::self);  // concern and factor conditions only
  Location where;
};

// A pack's [safety] section: Structured Decision Making's present-danger decision, kept
// apart from the estimate of future risk (it never moves a level). No danger holds: safe; a
// danger holds and a plan holds: safe with a plan; a danger holds and no plan: unsafe.
struct SafetySettings {
  bool defined = false;  // false: the pack has no [safety]; every child is "not assessed"
  std::vector<SafetyCondition> dangers;
  std::vector<SafetyCondition> plans;
  Location where;
};

// How W is built from the relation weights (docs/rules.md, "Propagation").
enum class Normalise : std::uint8_t {
  // W[i][j] = weight(kind) / (number of i's links of that kind): each relation kind passes on
  // its weight times the mean of the neighbours of that kind. Rows of W sum to at most the sum
  // of the weights, so alpha * that sum < 1 is checked when the pack loads.
  per_type,
  // W[i][j] = weight(kind): classic Katz, where risk adds up over every neighbour. Whether it
  // converges depends on the graph, so assess() checks the spectral radius of alpha * W.
  none,
};

// Whether a child's propagated (contextual) points count towards its own score and level
// (`[propagation] contextual = "apart" | "included"`; docs/rules.md, "Contextual risk").
enum class ContextualPolicy : std::uint8_t {
  // The default: the child's score and level come from its own evidence only; the propagated
  // points are reported beside them as the contextual score (Results::contextual_score).
  apart,
  // The propagated points are added to the child's index scores and can move its level.
  included,
};

namespace detail {
inline constexpr std::array<std::string_view, 2> kContextualPolicyNames = {"apart", "included"};
}  // namespace detail

inline std::string_view to_string(ContextualPolicy policy) noexcept {
  return detail::enum_name(detail::kContextualPolicyNames, policy);
}

inline bool parse_contextual_policy(std::string_view text, ContextualPolicy& out) noexcept {
  return detail::parse_enum(detail::kContextualPolicyNames, text, out);
}

// A pack's [propagation] section: risk that travels through peers, groups and places as
// r = s + alpha * W r (propagate.hpp), solved per propagating index.
struct PropagationSettings {
  bool enabled = false;
  std::vector<std::uint32_t> indices;                // propagating indices, in pack order
  double alpha = 0;                                  // damping, 0 < alpha < 1
  std::array<double, kRelationKindCount> weights{};  // per RelationKind; declarable kinds only
  Normalise normalise = Normalise::per_type;
  double association_cap = 1;  // max share of a child's index score from propagation; 1: none
  double tolerance = 1e-10;    // stop when no score moves by more than this x the largest
  int max_iterations = 1000;
  Heading heading = Heading::danger;  // where propagated points sit in explanations
  ContextualPolicy contextual = ContextualPolicy::apart;
  std::string title = "Risk through peers, groups and places";
  Location where;

  bool propagates(std::uint32_t index) const noexcept {
    for (std::uint32_t i : indices) {
      if (i == index) return true;
    }
    return false;
  }
};

// The rule id that explanations and the C API give propagated contributions; no [[rule]] may
// use it.
inline constexpr std::string_view kPropagationRuleId = "propagation";
// A pack's neutral title when its [pack] section names none.
inline constexpr std::string_view kDefaultNeutralTitle = "Information held by another agency";
// Which discretionary overrides (recorded professional judgement) a pack accepts. A DASH-style
// pack, for instance, lets judgement raise a level and never lower it.
enum class DiscretionaryPolicy : std::uint8_t { raise_and_lower, raise_only, lower_only, none };

// Which discretionary overrides need an approver before they apply ([discretionary]
// approval): an unapproved one that needs it is reported and not applied.
enum class ApprovalPolicy : std::uint8_t { none, raise, lower, raise_and_lower };

namespace detail {
inline constexpr std::array<std::string_view, 4> kDiscretionaryPolicyNames = {
    "raise_and_lower", "raise_only", "lower_only", "none"};
inline constexpr std::array<std::string_view, 4> kApprovalPolicyNames = {"none", "raise", "lower",
                                                                         "raise_and_lower"};
}  // namespace detail

inline std::string_view to_string(ApprovalPolicy policy) noexcept {
  return detail::enum_name(detail::kApprovalPolicyNames, policy);
}

inline bool parse_approval_policy(std::string_view text, ApprovalPolicy& out) noexcept {
  return detail::parse_enum(detail::kApprovalPolicyNames, text, out);
}

inline std::string_view to_string(DiscretionaryPolicy policy) noexcept {
  return detail::enum_name(detail::kDiscretionaryPolicyNames, policy);
}

inline bool parse_discretionary_policy(std::string_view text, DiscretionaryPolicy& out) noexcept {
  return detail::parse_enum(detail::kDiscretionaryPolicyNames, text, out);
}

// Limits that keep a hostile or broken rule pack from exhausting the host. docs/limits.md
// lists them with the case-file and graph limits.
struct PackLimits {
  std::size_t max_bytes = 4 * 1024 * 1024;
  std::size_t max_rules = 10'000;
  std::size_t max_overrides = 10'000;
  std::size_t max_levels = 32;
  std::size_t max_indices = 256;  // results hold children x indices scores
  expr::CompileLimits expressions;
};

// A name a pack declares in its [vocabulary]: a concern category, factor kind, child flag or
// agency type, with what it means.
struct VocabularyEntry {
  std::string name;
  std::string description;
  Location where;
};

// What a pack says it knows (docs/rules.md, "Vocabulary"). `declared` is false when the pack
// has no [vocabulary]; then the names its expressions compare against are all it knows.
struct Vocabulary {
  bool declared = false;
  std::vector<VocabularyEntry> categories, factor_kinds, flags, agency_types;
};

// The names a pack's expressions compare concern.category, factor.kind, child.flags and
// concern.source_type against (`== "x"`, `in [...]`, `"x" in child.flags`), each with where the
// expression is. Sorted by name within each list, one entry per name (its first use).
struct ReferencedNames {
  std::vector<VocabularyEntry> categories, factor_kinds, flags, agency_types;
};
class RuleSet;
SAFEGUARD_EXPORT ReferencedNames referenced_names(const RuleSet& rules);

// A lint finding: a pack that loads but is probably not what its author meant.
struct LintWarning {
  std::string code;     // stable, e.g. "unused-index", "rule-never-fires"
  std::string message;  // names the ids involved
  Location where;       // file, line and column of the construct; entity = its id
};

class SAFEGUARD_EXPORT RuleSet {
 public:
  // Parse, validate and compile a TOML rule pack. Throws Error with file, line and column.
  static std::shared_ptr<const RuleSet> load_file(const std::string& path,
                                                  const PackLimits& limits = {});
  static std::shared_ptr<const RuleSet> load_string(std::string_view text, const std::string& name,
                                                    const PackLimits& limits = {});

  const std::string& id() const noexcept { return id_; }
  const std::string& version() const noexcept { return version_; }
  const std::string& title() const noexcept { return title_; }
  // The title of the one line that folds every withheld point of a child for a reader not
  // cleared for its evidence ([pack] neutral_title; "Information held by another agency").
  const std::string& neutral_title() const noexcept { return neutral_title_; }
  // Lower-case hex SHA-256 of the pack's canonical form: insensitive to comments, whitespace
  // and key order, sensitive to every value.
  const std::string& hash() const noexcept { return hash_; }

  const std::vector<IndexDef>& indices() const noexcept { return indices_; }
  const std::vector<LevelDef>& levels() const noexcept { return levels_; }
  const std::vector<Rule>& rules() const noexcept { return rules_; }
  const std::vector<PolicyOverride>& overrides() const noexcept { return overrides_; }
  const expr::SymbolTable& symbols() const noexcept { return symbols_; }
  // The [propagation] section; `enabled` is false when the pack has none or switches it off.
  const PropagationSettings& propagation() const noexcept { return propagation_; }
  // The [safety] section; `defined` is false when the pack has none.
  const SafetySettings& safety() const noexcept { return safety_; }
  // Statutory timescales for the timeline (Working Together defaults unless the pack says).
  const Timescales& timescales() const noexcept { return timescales_; }
  DiscretionaryPolicy discretionary() const noexcept { return discretionary_; }
  // Which directions of judgement need an approver ([discretionary] approval; default none).
  ApprovalPolicy approval() const noexcept { return approval_; }
  // The [vocabulary] section: the categories, factor kinds, flags and agency types it declares.
  const Vocabulary& vocabulary() const noexcept { return vocabulary_; }
  // Whether the pack knows a concern category (declared, or compared against by a rule when
  // the pack declares no vocabulary); likewise factor kinds, flags and agency types. A pack
  // knows every flag and agency type unless its [vocabulary] lists them.
  bool knows_category(std::string_view name) const;
  bool knows_factor_kind(std::string_view name) const;
  bool knows_flag(std::string_view name) const;
  bool knows_agency_type(std::string_view name) const;
  // What lint() finds in the pack, worked out once when it loads (the pack never changes).
  const std::vector<LintWarning>& lint_warnings() const noexcept { return lint_warnings_; }

  // The level a score reaches on an index: the highest whose threshold it meets (at least 0).
  int level_for(std::uint32_t index, double score) const noexcept {
    const auto& thresholds = indices_[index].thresholds;
    int level = 0;
    for (std::size_t l = 1; l < thresholds.size(); ++l) {
      if (score >= thresholds[l]) level = static_cast<int>(l);
    }
    return level;
  }

 private:
  friend class PackLoader;
  std::string id_, version_, title_, hash_;
  std::string neutral_title_ = std::string(kDefaultNeutralTitle);
  std::vector<IndexDef> indices_;
  std::vector<LevelDef> levels_;
  std::vector<Rule> rules_;
  std::vector<PolicyOverride> overrides_;
  PropagationSettings propagation_;
  SafetySettings safety_;
  expr::SymbolTable symbols_;
  Timescales timescales_;
  DiscretionaryPolicy discretionary_ = DiscretionaryPolicy::raise_and_lower;
  ApprovalPolicy approval_ = ApprovalPolicy::none;
  std::vector<LintWarning> lint_warnings_;
  Vocabulary vocabulary_;
  std::vector<std::string> known_[4];  // sorted: categories, factor kinds, flags, agency types
  bool checks_[4] = {false, false, false, false};  // whether the pack says what it knows
};

// Checks a loaded pack for unreachable levels, rules and overrides that can never fire (or
// always fire), unused indices, ids shared between rules, overrides, indices and levels,
// overlapping or contradictory overrides, and points whose sign contradicts their heading.
// Deterministic: the same pack gives the same warnings in the same order. A loaded pack holds
// its findings already: RuleSet::lint_warnings().
SAFEGUARD_EXPORT std::vector<LintWarning> lint(const RuleSet& rules);

// The rule packs bundled in the library (rules/*.toml, compiled in), by name: "default" is
// rules/default.toml. Names in sorted order.
SAFEGUARD_EXPORT std::vector<std::string> bundled_pack_names();
// Loads a bundled pack; its name in messages is "rules/NAME.toml". Error(Status::not_found)
// listing the bundled names when there is none called `name`.
SAFEGUARD_EXPORT std::shared_ptr<const RuleSet> load_bundled_pack(std::string_view name,
                                                                  const PackLimits& limits = {});

}  // namespace safeguard
