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

#include "safeguard/expr.hpp"
#include "safeguard/model.hpp"

namespace safeguard {

struct LevelDef {
  std::string id;
  std::string title;
  double min = 0;  // a score at or above this reaches the level
};

struct IndexDef {
  std::string id;
  std::string title;
  std::vector<double> thresholds;  // one per level: the pack's levels' `min` unless overridden
};

struct Rule {
  std::string id;
  std::string title;  // what a practitioner reads in an explanation
  std::uint32_t index = 0;
  Heading heading = Heading::harm;
  expr::Scope scope = expr::Scope::concern;
  expr::Compiled when;
  expr::Compiled points;
  double half_life_days = 0;               // 0: no decay
  double cap = 0;                          // 0: no cap; else |rule total per child| <= cap
  std::array<double, kRoleCount> reach{};  // factor per Role; self = 1 unless the pack says
  Location where;
};

struct PolicyOverride {
  std::string id;
  std::string reason;
  expr::Compiled when;
  int min_level = -1;  // level the override forces at least, or -1
  bool immediate_safety = false;
  Location where;
};

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
  // Lower-case hex SHA-256 of the pack's canonical form: insensitive to comments, whitespace
  // and key order, sensitive to every value.
  const std::string& hash() const noexcept { return hash_; }

  const std::vector<IndexDef>& indices() const noexcept { return indices_; }
  const std::vector<LevelDef>& levels() const noexcept { return levels_; }
  const std::vector<Rule>& rules() const noexcept { return rules_; }
  const std::vector<PolicyOverride>& overrides() const noexcept { return overrides_; }
  const expr::SymbolTable& symbols() const noexcept { return symbols_; }

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
  std::vector<IndexDef> indices_;
  std::vector<LevelDef> levels_;
  std::vector<Rule> rules_;
  std::vector<PolicyOverride> overrides_;
  expr::SymbolTable symbols_;
};

// SHA-256 of `data` as lower-case hex.
SAFEGUARD_EXPORT std::string sha256_hex(std::string_view data);

}  // namespace safeguard
