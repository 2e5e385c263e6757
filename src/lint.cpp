// Rule-pack lint: findings about a pack that loads but probably does not say what its author
// meant. Everything here is static: it reads the compiled pack, never a case.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

#include "interpreter.hpp"
#include "safeguard/rules.hpp"
#include "snapshot_columns.hpp"

namespace safeguard {
namespace {

// The value of an expression that reads nothing (no attribute, no aggregate), if it is one.
bool constant_value(const expr::Compiled& compiled, expr::Value& out) {
  if (!compiled.constant) return false;
  static const Snapshot empty;
  expr::EvalContext context;
  context.snapshot = &empty;
  out = expr::evaluate(compiled, context);
  return true;
}

// The expression's text with runs of whitespace collapsed, to compare conditions as written.
std::string normalised(const std::string& source) {
  std::string out;
  bool space = false;
  for (char c : source) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string quoted(const std::string& id) { return "'" + id + "'"; }

std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

Location located(Location where, const std::string& id) {
  where.entity = id;
  return where;
}

// The most one rule can add to a child's index score, or infinity when nothing bounds it.
double rule_bound(const Rule& rule) {
  constexpr double kUnbounded = std::numeric_limits<double>::infinity();
  expr::Value points;
  const bool constant = constant_value(rule.points.compiled(), points);
  double each = kUnbounded;
  if (constant) each = points.known ? std::max(0.0, points.number) : 0.0;
  // Any number of concerns or factors may match; only a cap bounds their total.
  if (rule.scope != expr::Scope::child && each > 0) each = kUnbounded;
  if (rule.cap > 0) each = std::min(each, rule.cap);
  return each;
}

}  // namespace

// Whether `word` appears in `text` as a whole word (not inside a longer one).
bool has_word(const std::string& text, const std::string& word) {
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const std::size_t end = at + word.size();
    if ((at == 0 || !alnum(text[at - 1])) && (end == text.size() || !alnum(text[end]))) return true;
  }
  return false;
}

std::vector<LintWarning> lint(const RuleSet& pack) {
  std::vector<LintWarning> out;
  auto warn = [&](const char* code, std::string message, const Location& where) {
    out.push_back({code, std::move(message), where});
  };
  const auto& rules = pack.rules();
  const auto& overrides = pack.overrides();
  const auto& indices = pack.indices();
  const auto& levels = pack.levels();

  // Ids that name two things make explanations ambiguous.
  std::map<std::string, std::string> owners;
  auto claim = [&](const std::string& id, const std::string& what, const Location& where) {
    auto [it, inserted] = owners.emplace(id, what);
    if (!inserted) {
      warn("shared-id",
           "id " + quoted(id) + " names both " + it->second + " and " + what +
               "; explanations and results would be ambiguous",
           located(where, id));
    }
  };
  for (const auto& level : levels) claim(level.id, "a level", level.where);
  for (const auto& index : indices) claim(index.id, "an index", index.where);
  for (const auto& rule : rules) claim(rule.id, "a rule", rule.where);
  for (const auto& o : overrides) claim(o.id, "an override", o.where);
  for (const auto& d : pack.safety().dangers) claim(d.id, "a safety danger", d.where);
  for (const auto& p : pack.safety().plans) claim(p.id, "a safety plan", p.where);

  // Indices no rule scores.
  for (std::uint32_t i = 0; i < indices.size(); ++i) {
    const bool used =
        std::any_of(rules.begin(), rules.end(), [i](const Rule& rule) { return rule.index == i; });
    if (!used) {
      warn("unused-index", "index " + quoted(indices[i].id) + " has no rules; it is always 0",
           located(indices[i].where, indices[i].id));
    }
  }

  // A neutral title is what a reader not cleared for restricted evidence reads in place of a
  // rule's title: naming an index, a category or an agency type there would say what the
  // evidence holds (docs/rules.md, "Who sees what").
  const ReferencedNames referenced = referenced_names(pack);
  auto names_in = [&](const std::string& title) {
    std::vector<std::string> words;
    for (const IndexDef& index : indices) {
      words.push_back(index.id);
      words.push_back(index.title);
    }
    for (const auto* list : {&referenced.categories, &referenced.agency_types,
                             &pack.vocabulary().categories, &pack.vocabulary().agency_types}) {
      for (const VocabularyEntry& entry : *list) words.push_back(entry.name);
    }
    std::string lower = title;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::string word : words) {
      for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string spaced = word;
      std::replace(spaced.begin(), spaced.end(), '_', ' ');
      if (!word.empty() && (has_word(lower, word) || has_word(lower, spaced))) return word;
    }
    return std::string();
  };
  for (const auto& rule : rules) {
    const std::string& title =
        rule.neutral_title.empty() ? pack.neutral_title() : rule.neutral_title;
    const std::string named = names_in(title);
    if (!named.empty()) {
      warn("neutral-title-names",
           "the neutral title of rule " + quoted(rule.id) + " (\"" + title + "\") names " +
               quoted(named) +
               ", which would tell a reader not cleared for restricted evidence "
               "what it holds",
           located(rule.where, rule.id));
    }
  }

  // Rules that can never fire, or fire for every child whatever the case says.
  std::vector<bool> can_fire(rules.size(), false);
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const Rule& rule = rules[r];
    const Location where = located(rule.where, rule.id);
    expr::Value when, points;
    const bool constant_when = constant_value(rule.when.compiled(), when);
    const bool constant_points = constant_value(rule.points.compiled(), points);
    if (constant_when && (!when.known || when.number == 0)) {
      warn("rule-never-fires", "rule " + quoted(rule.id) + ": its condition is always false",
           where);
      continue;
    }
    if (constant_points && (!points.known || points.number == 0)) {
      warn("rule-never-fires", "rule " + quoted(rule.id) + ": its points are always 0", where);
      continue;
    }
    if (rule.scope != expr::Scope::child &&
        std::all_of(rule.reach.begin(), rule.reach.end(), [](double r) { return r <= 0; })) {
      warn("rule-never-fires",
           "rule " + quoted(rule.id) + ": every reach factor is 0, so no evidence reaches a child",
           where);
      continue;
    }
    can_fire[r] = true;
    if (rule.scope == expr::Scope::child && constant_when && constant_points) {
      warn("rule-always-fires",
           "rule " + quoted(rule.id) + " gives every child " + number_text(points.number) +
               " points whatever the case says",
           where);
    }
    if (constant_points && points.known) {
      const bool risk_heading = rule.heading == Heading::harm || rule.heading == Heading::danger ||
                                rule.heading == Heading::complicating;
      if (risk_heading && points.number < 0) {
        warn("heading-sign",
             "rule " + quoted(rule.id) + " lowers the score under the heading '" +
                 std::string(to_string(rule.heading)) + "'; use 'safety' or 'strength'",
             where);
      } else if (!risk_heading && points.number > 0) {
        warn("heading-sign",
             "rule " + quoted(rule.id) + " raises the score under the heading '" +
                 std::string(to_string(rule.heading)) + "'; use 'harm', 'danger' or 'complicating'",
             where);
      }
    }
  }

  // Overrides: never or always firing, doing nothing, or overlapping one another. Overrides
  // are grouped by condition (as written, whitespace aside); each group holds one entry per
  // distinct effect, its first override. A pack has at most 2 x levels distinct effects, so a
  // group stays small however many overrides repeat its condition.
  using Effect = std::pair<int, bool>;  // min_level, immediate_safety
  using ConditionGroup = std::vector<std::pair<Effect, std::size_t>>;
  std::unordered_map<std::string, ConditionGroup> groups;
  for (std::size_t a = 0; a < overrides.size(); ++a) {
    const PolicyOverride& o = overrides[a];
    const Location where = located(o.where, o.id);
    expr::Value when;
    if (constant_value(o.when.compiled(), when)) {
      if (!when.known || when.number == 0) {
        warn("override-never-fires", "override " + quoted(o.id) + ": its condition is always false",
             where);
      } else {
        warn("override-always-fires",
             "override " + quoted(o.id) + " fires for every child whatever the case says", where);
      }
    }
    if (o.min_level == 0 && !o.immediate_safety) {
      warn("override-no-effect",
           "override " + quoted(o.id) + " sets the lowest level, which every child has already",
           where);
    }
    // Same condition as an earlier override: at most one finding of each kind per override,
    // naming the first earlier one it repeats or contradicts. Comparing every pair instead made
    // n identical overrides cost n^2 / 2 findings (2,000 of them took 2.6 GB); this way the
    // findings, and the work, grow with n.
    ConditionGroup& group = groups[normalised(o.when.source())];
    const Effect effect{o.min_level, o.immediate_safety};
    std::size_t same = overrides.size(), different = overrides.size();
    for (const auto& [earlier_effect, first] : group) {
      if (earlier_effect == effect) {
        same = std::min(same, first);
      } else {
        different = std::min(different, first);
      }
    }
    if (same < overrides.size()) {
      warn("overlapping-overrides",
           "overrides " + quoted(overrides[same].id) + " and " + quoted(o.id) +
               " have the same condition and the same effect; one is redundant",
           where);
    } else {
      group.emplace_back(effect, a);
    }
    if (different < overrides.size()) {
      warn("contradictory-overrides",
           "overrides " + quoted(overrides[different].id) + " and " + quoted(o.id) +
               " fire on the same condition with different effects; combine them into one",
           where);
    }
  }

  // Safety items whose condition is constant: a danger that never holds (or holds for every
  // child, who would all be unsafe), a plan that never or always holds.
  for (const auto* list : {&pack.safety().dangers, &pack.safety().plans}) {
    const bool dangers = list == &pack.safety().dangers;
    for (const SafetyCondition& c : *list) {
      expr::Value when;
      if (!constant_value(c.when.compiled(), when)) continue;
      const std::string what =
          std::string(dangers ? "safety danger " : "safety plan ") + quoted(c.id);
      if (!when.known || when.number == 0) {
        warn("safety-never-fires", what + ": its condition is always false",
             located(c.where, c.id));
      } else if (c.scope == expr::Scope::child) {
        warn("safety-always-fires", what + " holds for every child whatever the case says",
             located(c.where, c.id));
      }
    }
  }

  // Levels: reachable by some index's score (when the pack bounds the score), by a policy
  // override, or by discretionary judgement one step from a reachable level.
  std::vector<double> bound(indices.size(), 0.0);
  for (std::size_t r = 0; r < rules.size(); ++r) {
    if (can_fire[r]) bound[rules[r].index] += rule_bound(rules[r]);
  }
  // Propagation adds at most cap / (1 - cap) of a child's own score (unbounded without a cap).
  const PropagationSettings& spread = pack.propagation();
  if (spread.enabled) {
    for (std::uint32_t i : spread.indices) {
      bound[i] = spread.association_cap < 1 ? bound[i] / (1 - spread.association_cap)
                                            : std::numeric_limits<double>::infinity();
    }
  }
  std::vector<bool> reachable(levels.size(), false);
  reachable[0] = true;
  for (std::size_t l = 1; l < levels.size(); ++l) {
    for (std::size_t i = 0; i < indices.size(); ++i) {
      if (bound[i] >= indices[i].thresholds[l]) reachable[l] = true;
    }
    for (const PolicyOverride& o : overrides) {
      if (o.min_level == static_cast<int>(l)) reachable[l] = true;
    }
  }
  const DiscretionaryPolicy policy = pack.discretionary();
  const bool can_raise =
      policy == DiscretionaryPolicy::raise_and_lower || policy == DiscretionaryPolicy::raise_only;
  const bool can_lower =
      policy == DiscretionaryPolicy::raise_and_lower || policy == DiscretionaryPolicy::lower_only;
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t l = 1; l < levels.size(); ++l) {
      if (reachable[l]) continue;
      if ((can_raise && reachable[l - 1]) ||
          (can_lower && l + 1 < levels.size() && reachable[l + 1])) {
        reachable[l] = changed = true;
      }
    }
  }
  for (std::size_t l = 1; l < levels.size(); ++l) {
    if (reachable[l]) continue;
    warn("unreachable-level",
         "level " + quoted(levels[l].id) +
             " can never be reached: no index's capped rules can score that high and no "
             "override sets it",
         located(levels[l].where, levels[l].id));
  }

  // A peer's evidence that reaches a child through a rule's `associate` reach and through the
  // network as well counts twice, and the first way escapes the association cap.
  if (spread.enabled) {
    for (const Rule& rule : rules) {
      if (!spread.propagates(rule.index) ||
          rule.reach[static_cast<std::size_t>(Role::associate)] <= 0)
        continue;
      warn("propagation-double-count",
           "rule " + quoted(rule.id) + " reaches associates on index " +
               quoted(indices[rule.index].id) +
               ", which [propagation] also spreads: a peer's evidence counts twice, once outside "
               "the association cap; drop associate from its reach",
           located(rule.where, rule.id));
    }
  }
  // Names compared against that the pack's [vocabulary] does not declare: a misspelt
  // category (`physical_injruy`) matches no concern, and the rule silently never fires.
  const Vocabulary& vocabulary = pack.vocabulary();
  // A pack that declares its vocabulary also says, in every rule that reads concerns, which
  // statuses count: unsaid, open and closed concerns count and unsubstantiated ones do not
  // (docs/rules.md, "Which concerns count"), which a reader of the rule should not have to know.
  auto silent_aggregate = [](const expr::Compiled& compiled) {
    return std::any_of(compiled.aggregates.begin(), compiled.aggregates.end(),
                       [](const expr::Aggregate& a) {
                         return a.collection != expr::Collection::factors && !a.reads_status;
                       });
  };
  if (vocabulary.declared) {
    for (const Rule& rule : rules) {
      const bool silent_rule = rule.scope == expr::Scope::concern && !rule.when.reads_status() &&
                               !rule.points.reads_status();
      if (silent_rule || silent_aggregate(rule.when.compiled()) ||
          silent_aggregate(rule.points.compiled())) {
        warn("status-unspecified",
             "rule " + quoted(rule.id) + (silent_rule ? " reads a concern" : " counts concerns") +
                 " without saying which statuses count (concern.status in [...])",
             located(rule.where, rule.id));
      }
    }
    for (const auto* list : {&pack.safety().dangers, &pack.safety().plans}) {
      for (const SafetyCondition& c : *list) {
        const bool silent_item = c.scope == expr::Scope::concern && !c.when.reads_status();
        if (silent_item || silent_aggregate(c.when.compiled())) {
          warn("status-unspecified",
               "safety item " + quoted(c.id) +
                   (silent_item ? " reads a concern" : " counts concerns") +
                   " without saying which statuses count (concern.status in [...])",
               located(c.where, c.id));
        }
      }
    }
    for (const PolicyOverride& o : overrides) {
      if (silent_aggregate(o.when.compiled())) {
        warn("status-unspecified",
             "override " + quoted(o.id) +
                 " counts concerns without saying which statuses count (concern.status in [...])",
             located(o.where, o.id));
      }
    }
  }
  // `latest` keeps each person's latest group of a family of categories: a rule that scores a
  // category outside its family, or a family the vocabulary has no category in, reads nothing
  // the author meant.
  for (const Rule& rule : rules) {
    if (!rule.latest()) continue;
    const expr::Guard& guard = rule.when.compiled().guard;
    if (guard.active && guard.attr == expr::Attr::concern_category) {
      for (std::uint32_t symbol : guard.symbols) {
        const std::string_view category = pack.symbols().str(symbol);
        if (category.compare(0, rule.latest_family.size(), rule.latest_family) == 0) continue;
        warn("latest-family",
             "rule " + quoted(rule.id) + " scores '" + std::string(category) +
                 "', which is not in its latest family '" + rule.latest_family +
                 "*': its concerns are never in the group it reads",
             located(rule.latest_where, rule.id));
        break;
      }
    }
    if (vocabulary.declared) {
      const bool any = std::any_of(
          vocabulary.categories.begin(), vocabulary.categories.end(),
          [&](const VocabularyEntry& e) { return e.name.rfind(rule.latest_family, 0) == 0; });
      if (!any)
        warn("latest-family",
             "rule " + quoted(rule.id) + " reads the latest group of '" + rule.latest_family +
                 "*', but [vocabulary.categories] declares no category in it",
             located(rule.latest_where, rule.id));
    }
  }
  if (vocabulary.declared) {
    const ReferencedNames used = referenced_names(pack);
    const std::pair<const std::vector<VocabularyEntry>*, const char*> lists[] = {
        {&used.categories, "categories"},
        {&used.factor_kinds, "factor_kinds"},
        {&used.flags, "flags"},
        {&used.agency_types, "agency_types"}};
    const std::vector<VocabularyEntry>* declared[] = {&vocabulary.categories,
                                                      &vocabulary.factor_kinds, &vocabulary.flags,
                                                      &vocabulary.agency_types};
    for (int which = 0; which < 4; ++which) {
      for (const VocabularyEntry& name : *lists[which].first) {
        const auto& known = *declared[which];
        const bool found = std::binary_search(
            known.begin(), known.end(), name,
            [](const VocabularyEntry& a, const VocabularyEntry& b) { return a.name < b.name; });
        if (found) continue;
        warn("undeclared-name",
             quoted(name.where.entity) + " reads '" + name.name + "', which [vocabulary." +
                 lists[which].second + "] does not declare: a misspelt name matches nothing",
             name.where);
      }
    }
  }
  return out;
}

}  // namespace safeguard
