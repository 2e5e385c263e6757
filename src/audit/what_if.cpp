// What-if (issue 18 item 4, docs/audit.md "What-if"): the same caseload reassessed with a pack
// changed as data (change_pack, rules_toml.cpp), and which children change level, overall and
// by group. The changed rules a child's line lists come from the view layer (explain.hpp), so a
// rule seen only through restricted evidence is never named to a viewer not cleared for it, and
// a child whose result draws on evidence withheld from the viewer is left out of every count:
// whether such a child moves would say what the withheld evidence is worth.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "audit/suppress.hpp"
#include "audit/withheld.hpp"
#include "safeguard/audit.hpp"
#include "safeguard/day.hpp"
#include "safeguard/render.hpp"
#include "toml_guard.hpp"
#include "toml_setup.hpp"
#include "util/number_text.hpp"
#include "views_restriction.hpp"

namespace safeguard {
namespace {

constexpr std::size_t kMaxSpecBytes = 1 << 20;

Location at(const toml::node& node, const std::string& source, const std::string& entity = {}) {
  const auto& begin = node.source().begin;
  return Location(source, static_cast<int>(begin.line), static_cast<int>(begin.column), entity);
}

double number_of(const toml::node& node, const std::string& source, const std::string& what,
                 const std::string& entity) {
  if (auto i = node.as_integer()) return static_cast<double>(i->get());
  if (auto f = node.as_floating_point()) {
    if (!std::isfinite(f->get()))
      throw Error(Status::invalid_data, what + " must be a finite number",
                  at(node, source, entity));
    return f->get();
  }
  throw Error(Status::type, what + " must be a number", at(node, source, entity));
}

using detail::round_trip;

// Per rule id, the points the viewer sees the rule give the child (withheld lines carry no
// rule id, so a rule seen only through them never appears).
std::map<std::string, double> visible_points(const Results& results, std::size_t row,
                                             const Viewer& viewer) {
  std::map<std::string, double> out;
  for (const LineView& line : view_contributions(results, row, viewer)) {
    if (line.withheld() || line.rule_id.empty()) continue;
    out[std::string(line.rule_id)] += line.value;
  }
  return out;
}

}  // namespace

bool audit_detail::draws_on_withheld(const Results& results, const ScoreReader& reader,
                                     std::size_t row, const Viewer& viewer) {
  if (reader.withholds(row)) return true;
  for (const LineView& line : view_contributions(results, row, viewer))
    if (line.withheld()) return true;
  for (const OverrideView& o : view_overrides(results, row, viewer))
    if (o.visibility == Visibility::withheld) return true;
  return false;
}

namespace {

using audit_detail::draws_on_withheld;

void count(WhatIfGroup& group, std::size_t levels, int before, int after) {
  if (group.transitions.empty()) group.transitions.assign(levels * levels, 0);
  ++group.children;
  ++group.transitions[static_cast<std::size_t>(before) * levels + static_cast<std::size_t>(after)];
  if (after > before) ++group.up;
  if (after < before) ++group.down;
}

void finish(WhatIfGroup& group, std::size_t levels) {
  if (group.transitions.empty()) group.transitions.assign(levels * levels, 0);
  group.share_moved = group.children == 0 ? 0.0
                                          : static_cast<double>(group.up + group.down) /
                                                static_cast<double>(group.children);
}

// Disclosure control of one attribute's groups (docs/audit.md, "Small counts"): a table with a
// row per group (its transitions, then its children) and one for the children without the
// attribute (their transitions never published, their number shown); the column totals are
// the overall table's, which is published.
void suppress_small(std::vector<WhatIfGroup>& groups, bool has_not_recorded, std::size_t levels,
                    std::size_t below) {
  using audit_detail::Cell;
  using audit_detail::small_count;
  if (below <= 1 || groups.empty()) return;
  const std::size_t cells = levels * levels;
  audit_detail::Table table;
  table.rows = groups.size() + (has_not_recorded ? 1 : 0);
  table.columns = cells + 1;
  table.cells.assign(table.rows * table.columns, Cell::shown);
  table.cost.assign(table.cells.size(), 0);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const bool small_group = small_count(groups[g].children, below);
    for (std::size_t i = 0; i < cells; ++i) {
      table.cost[g * table.columns + i] = groups[g].transitions[i];
      if (small_group || small_count(groups[g].transitions[i], below))
        table.at(g, i) = Cell::suppressed;
    }
    table.cost[g * table.columns + cells] = groups[g].children;
    if (small_group) table.at(g, cells) = Cell::suppressed;
  }
  if (has_not_recorded) {
    for (std::size_t i = 0; i < cells; ++i) table.at(groups.size(), i) = Cell::unpublished;
    table.at(groups.size(), cells) = Cell::fixed;
  }
  audit_detail::protect(table);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    WhatIfGroup& group = groups[g];
    group.transitions_suppressed.assign(cells, false);
    bool any = false;
    for (std::size_t i = 0; i < cells; ++i) {
      if (table.at(g, i) == Cell::shown) continue;
      any = true;
      group.transitions_suppressed[i] = true;
      // Up and down are sums of the cells above and below the diagonal.
      if (i % levels > i / levels) group.up_suppressed = true;
      if (i % levels < i / levels) group.down_suppressed = true;
    }
    group.children_suppressed = table.at(g, cells) != Cell::shown;
    if (!any) group.transitions_suppressed.clear();
  }
}

}  // namespace

PackChanges parse_what_if_toml(std::string_view text, const std::string& source) {
  if (text.size() > kMaxSpecBytes)
    throw Error(Status::limit, "what-if spec is larger than 1 MiB", Location(source));
  const toml::table root = detail::parse_toml_guarded(text, source, "what-if spec");
  PackChanges changes;
  changes.source = source;
  for (auto&& [key, node] : root) {
    const std::string name(key.str());
    if (name != "remove" && name != "weights" && name != "thresholds")
      throw Error(Status::invalid_data,
                  "unknown key '" + name + "' in a what-if spec (remove, [weights], [thresholds])",
                  at(node, source));
  }
  if (const toml::node* node = root.get("remove")) {
    const toml::array* ids = node->as_array();
    if (!ids) throw Error(Status::type, "remove must be an array of rule ids", at(*node, source));
    for (const auto& item : *ids) {
      if (!item.is_string())
        throw Error(Status::type, "remove must list rule ids as strings", at(item, source));
      changes.remove.push_back(item.as_string()->get());
      changes.remove_where.push_back(at(item, source, changes.remove.back()));
    }
  }
  if (const toml::node* node = root.get("weights")) {
    const toml::table* weights = node->as_table();
    if (!weights)
      throw Error(Status::type, "[weights] must be a table of rule = multiplier",
                  at(*node, source));
    for (auto&& [key, value] : *weights) {
      const std::string rule(key.str());
      changes.weights.push_back(
          {rule, number_of(value, source, "the weight of rule '" + rule + "'", rule),
           at(value, source, rule)});
    }
  }
  if (const toml::node* node = root.get("thresholds")) {
    const toml::table* indices = node->as_table();
    if (!indices)
      throw Error(Status::type, "[thresholds] must hold one table per index: [thresholds.INDEX]",
                  at(*node, source));
    for (auto&& [index_key, levels_node] : *indices) {
      const std::string index(index_key.str());
      const toml::table* levels = levels_node.as_table();
      if (!levels)
        throw Error(Status::type,
                    "[thresholds." + index + "] must be a table of level = minimum score",
                    at(levels_node, source, index));
      for (auto&& [level_key, value] : *levels) {
        const std::string level(level_key.str());
        changes.thresholds.push_back({index, level, number_of(value, source, "a threshold", index),
                                      at(value, source, index)});
      }
    }
  }
  return changes;
}

WhatIfReport what_if(const Results& before, const PackChanges& changes,
                     const GroupAttributes& groups, const WhatIfOptions& options) {
  const RuleSet& original = before.rules();
  check_protected(original, groups);
  const std::shared_ptr<const RuleSet> changed = change_pack(original, changes);

  // Group rows by result row, refusing an id that is not a child of the results.
  const std::size_t child_count = before.child_count();
  std::vector<const GroupRow*> group_of(child_count, nullptr);
  for (const GroupRow& row : groups.rows) {
    const long found = before.find_child(row.child_id);
    if (found < 0)
      throw Error(Status::not_found, "no child with this id in the assessment",
                  Location(groups.source, row.line, 1, row.child_id));
    group_of[static_cast<std::size_t>(found)] = &row;
  }

  // The same snapshot, process and date. The results keep their snapshot and process alive for
  // this call, and the reassessment is dropped before it returns, so non-owning pointers do.
  AssessOptions assess_options(
      before.as_of(), options.threads,
      std::shared_ptr<const Process>(std::shared_ptr<void>(), &before.process()));
  const Results after =
      assess(changed, std::shared_ptr<const Snapshot>(std::shared_ptr<void>(), &before.snapshot()),
             assess_options);

  WhatIfReport report;
  report.pack_id = original.id();
  report.pack_version = original.version();
  report.hash_before = original.hash();
  report.hash_after = changed->hash();
  report.as_of = before.as_of();
  report.viewer = describe_viewer(options.viewer);
  report.attributes = groups.attributes;
  report.warnings = groups.warnings;
  report.lint = changed->lint_warnings();
  for (const LevelDef& level : original.levels()) report.levels.push_back(level.id);
  const std::size_t levels = report.levels.size();
  for (const RuleWeight& weight : changes.weights)
    if (weight.multiplier != 1)
      report.changes.push_back("rule '" + weight.rule + "': points x " +
                               round_trip(weight.multiplier));
  for (const std::string& id : changes.remove)
    report.changes.push_back("rule '" + id + "' removed");
  for (const LevelThreshold& t : changes.thresholds)
    report.changes.push_back("index '" + t.index + "': level '" + t.level + "' from " +
                             round_trip(t.min));

  // Rows in child-id order, so nothing depends on the order children came in.
  std::vector<std::size_t> rows(child_count);
  for (std::size_t r = 0; r < child_count; ++r) rows[r] = r;
  std::sort(rows.begin(), rows.end(),
            [&](std::size_t a, std::size_t b) { return before.child_id(a) < before.child_id(b); });

  // Per attribute, per group value (byte order).
  const std::size_t attribute_count = groups.attributes.size();
  std::vector<std::map<std::string, WhatIfGroup>> by_group(attribute_count);
  std::vector<std::size_t> not_recorded(attribute_count, 0);
  // A reader who sees every restricted concern is shown every child; for any other, a child is
  // left out when either result draws on evidence withheld from them. Before the change the
  // reader already knows which children those are (assess shows a withheld figure); a count of
  // them is all the report says.
  const bool sees_all = detail::sees_every_restricted_concern(before.snapshot(), options.viewer);
  const ScoreReader before_reader(before, options.viewer), after_reader(after, options.viewer);

  for (std::size_t r : rows) {
    const long a = after.find_child(before.child_id(r));  // the same snapshot: always found
    if (a < 0) throw Error(Status::internal, "a child is missing from the reassessment");
    if (!sees_all &&
        (draws_on_withheld(before, before_reader, r, options.viewer) ||
         draws_on_withheld(after, after_reader, static_cast<std::size_t>(a), options.viewer))) {
      ++report.withheld_children;
      continue;
    }
    const int from = before.level(r);
    const int to = after.level(static_cast<std::size_t>(a));
    count(report.overall, levels, from, to);
    for (std::size_t k = 0; k < attribute_count; ++k) {
      const GroupRow* row = group_of[r];
      if (!row || k >= row->values.size() || row->values[k].empty()) {
        ++not_recorded[k];
        continue;
      }
      WhatIfGroup& group = by_group[k][row->values[k]];
      group.attribute = groups.attributes[k];
      group.group = row->values[k];
      count(group, levels, from, to);
    }
    if (from == to) continue;
    WhatIfChild child;
    child.id = std::string(before.child_id(r));
    child.before = from;
    child.after = to;
    const auto was = visible_points(before, r, options.viewer);
    const auto now = visible_points(after, static_cast<std::size_t>(a), options.viewer);
    std::set<std::string> ids;
    for (const auto& entry : was) ids.insert(entry.first);
    for (const auto& entry : now) ids.insert(entry.first);
    for (const std::string& id : ids) {
      const auto p = was.find(id);
      const auto q = now.find(id);
      const double x = p == was.end() ? 0.0 : p->second;
      const double y = q == now.end() ? 0.0 : q->second;
      if (x != y) child.rules.push_back(id);
    }
    report.changed.push_back(std::move(child));
  }
  finish(report.overall, levels);
  if (report.withheld_children > 0)
    report.warnings.push_back(
        {"withheld-children",
         std::to_string(report.withheld_children) + " of " + std::to_string(child_count) +
             " children are left out of every table and the list: their results draw on "
             "information held by another agency that this reader is not cleared for"});
  for (std::size_t k = 0; k < attribute_count; ++k) {
    std::vector<WhatIfGroup> attribute_groups;
    for (auto& entry : by_group[k]) {
      finish(entry.second, levels);
      attribute_groups.push_back(std::move(entry.second));
    }
    suppress_small(attribute_groups, not_recorded[k] > 0, levels, options.suppress_below);
    for (WhatIfGroup& group : attribute_groups) report.groups.push_back(std::move(group));
    if (not_recorded[k] > 0)
      report.warnings.push_back({"unmatched-group", std::to_string(not_recorded[k]) + " of " +
                                                        std::to_string(child_count) +
                                                        " children have no '" +
                                                        groups.attributes[k] +
                                                        "' recorded and are left out of its "
                                                        "tables"});
  }
  return report;
}

namespace {

nlohmann::json group_json(const WhatIfGroup& group, const std::vector<std::string>& levels) {
  nlohmann::json out;
  if (!group.attribute.empty()) {
    out["attribute"] = group.attribute;
    out["group"] = group.group;
  }
  // A suppressed figure is null, and "suppressed" lists which ("c" in the text and CSV).
  const auto figure = [](bool hidden, auto value) {
    return hidden ? nlohmann::json(nullptr) : nlohmann::json(value);
  };
  out["children"] = figure(group.children_suppressed, group.children);
  out["up"] = figure(group.up_suppressed, group.up);
  out["down"] = figure(group.down_suppressed, group.down);
  out["share_moved"] = figure(group.share_suppressed(), group.share_moved);
  const std::size_t n = levels.size();
  const auto cell_hidden = [&](std::size_t i) {
    return !group.transitions_suppressed.empty() && group.transitions_suppressed[i];
  };
  nlohmann::json moves = nlohmann::json::array();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (i != j && (group.transitions[i * n + j] > 0 || cell_hidden(i * n + j)))
        moves.push_back({{"from", levels[i]},
                         {"to", levels[j]},
                         {"count", figure(cell_hidden(i * n + j), group.transitions[i * n + j])}});
  out["moves"] = moves;
  nlohmann::json matrix = nlohmann::json::array();
  for (std::size_t i = 0; i < n; ++i) {
    nlohmann::json line = nlohmann::json::array();
    for (std::size_t j = 0; j < n; ++j)
      line.push_back(figure(cell_hidden(i * n + j), group.transitions[i * n + j]));
    matrix.push_back(line);
  }
  out["transitions"] = matrix;
  out["suppressed"] = group.children_suppressed || group.share_suppressed() ||
                      !group.transitions_suppressed.empty();
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string what_if_json(const WhatIfReport& report) {
  nlohmann::json out;
  out["pack"] = {{"id", report.pack_id},
                 {"version", report.pack_version},
                 {"hash_before", report.hash_before},
                 {"hash_after", report.hash_after}};
  out["changes"] = report.changes;
  out["as_of"] = format_iso_date(report.as_of);
  out["viewer"] = report.viewer;
  out["levels"] = report.levels;
  out["overall"] = group_json(report.overall, report.levels);
  out["withheld_children"] = report.withheld_children;
  out["attributes"] = report.attributes;
  nlohmann::json groups = nlohmann::json::array();
  for (const WhatIfGroup& group : report.groups) groups.push_back(group_json(group, report.levels));
  out["groups"] = groups;
  nlohmann::json changed = nlohmann::json::array();
  for (const WhatIfChild& child : report.changed)
    changed.push_back({{"id", child.id},
                       {"before", report.levels[static_cast<std::size_t>(child.before)]},
                       {"after", report.levels[static_cast<std::size_t>(child.after)]},
                       {"rules", child.rules}});
  out["changed"] = changed;
  nlohmann::json lint = nlohmann::json::array();
  for (const LintWarning& w : report.lint)
    lint.push_back({{"code", w.code}, {"message", w.message}});
  out["lint"] = lint;
  nlohmann::json warnings = nlohmann::json::array();
  for (const AuditWarning& w : report.warnings)
    warnings.push_back({{"code", w.code}, {"message", w.message}});
  out["warnings"] = warnings;
  return out.dump(2) + "\n";
}

std::string what_if_csv(const WhatIfReport& report) {
  std::string out = "table,attribute,group,id,from,to,count,rules\n";
  const std::size_t n = report.levels.size();
  const auto transitions = [&](const WhatIfGroup& group) {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        out += "transitions," + csv_field(group.attribute) + "," + csv_field(group.group) + ",," +
               csv_field(report.levels[i]) + "," + csv_field(report.levels[j]) + "," +
               (!group.transitions_suppressed.empty() && group.transitions_suppressed[i * n + j]
                    ? std::string("c")
                    : std::to_string(group.transitions[i * n + j])) +
               ",\n";
  };
  transitions(report.overall);
  for (const WhatIfGroup& group : report.groups) transitions(group);
  for (const WhatIfChild& child : report.changed) {
    std::string rules;
    for (const std::string& id : child.rules) rules += (rules.empty() ? "" : ";") + id;
    out += "changed,,," + csv_field(child.id) + "," +
           csv_field(report.levels[static_cast<std::size_t>(child.before)]) + "," +
           csv_field(report.levels[static_cast<std::size_t>(child.after)]) + ",1," +
           csv_field(rules) + "\n";
  }
  return out;
}

}  // namespace safeguard
