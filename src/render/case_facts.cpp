// See case_facts.hpp: the snapshot and interpreter reads of the renderers, kept in one file.
#include "render/case_facts.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "expr_evidence.hpp"
#include "interpreter.hpp"
#include "safeguard/calendar.hpp"
#include "safeguard/error.hpp"
#include "safeguard/rules.hpp"
#include "safeguard/timeline.hpp"
#include "snapshot_columns.hpp"
#include "timeline_build.hpp"

namespace safeguard::render_detail {

namespace {

std::uint32_t person_slot(const Snapshot& snap, VertexIndex person) {
  if (person >= snap.vertex_kind.size() || snap.vertex_kind[person] != VertexKind::person)
    throw Error(Status::invalid_argument, "vertex " + std::to_string(person) + " is not a person");
  return snap.vertex_slot[person];
}

}  // namespace

std::string_view vertex_id(const Results& results, VertexIndex vertex) {
  return results.snapshot().id(vertex);
}

int age_years(const Results& results, VertexIndex person) {
  const Snapshot& snap = results.snapshot();
  const Day dob = snap.person_dob[person_slot(snap, person)];
  if (dob == kNoDay || dob > results.as_of()) return -1;
  return age_in_years(dob, results.as_of());
}

VertexIndex household_of(const Results& results, VertexIndex person) {
  const Snapshot& snap = results.snapshot();
  const std::uint32_t household = snap.person_household[person_slot(snap, person)];
  if (household == UINT32_MAX) return kNoVertex;
  for (VertexIndex v = 0; v < snap.vertex_kind.size(); ++v) {
    if (snap.vertex_kind[v] == VertexKind::household && snap.vertex_slot[v] == household) return v;
  }
  return kNoVertex;
}

std::vector<VertexIndex> household_members(const Results& results, VertexIndex household) {
  const Snapshot& snap = results.snapshot();
  std::vector<VertexIndex> members;
  if (household == kNoVertex) return members;
  const std::uint32_t slot = snap.vertex_slot[household];
  for (std::size_t p = 0; p < snap.person_vertex.size(); ++p) {
    const VertexIndex v = snap.person_vertex[p];
    if (v != kNoVertex && snap.vertex_kind[v] == VertexKind::person &&
        snap.person_household[p] == slot)
      members.push_back(v);
  }
  std::sort(members.begin(), members.end());
  return members;
}

std::vector<std::size_t> household_rows(const Results& results, std::string_view id) {
  const Snapshot& snap = results.snapshot();
  VertexIndex household = kNoVertex;
  for (VertexIndex v = 0; v < snap.vertex_kind.size(); ++v) {
    if (snap.vertex_kind[v] == VertexKind::household && snap.id(v) == id) household = v;
  }
  if (household == kNoVertex) {
    throw Error(Status::not_found, "no household has the id " + detail::quote_for_error(id),
                Location({}, 0, 0, std::string(id)));
  }
  std::vector<std::size_t> rows;
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    if (household_of(results, results.child_vertex(row)) == household) rows.push_back(row);
  }
  if (rows.empty()) {
    throw Error(Status::invalid_argument,
                "household " + detail::quote_for_error(id) + " has no child in the results",
                Location({}, 0, 0, std::string(id)));
  }
  return rows;
}

std::vector<VertexIndex> aggregate_evidence(const Results& results, std::size_t row,
                                            std::uint32_t rule) {
  const RuleSet& pack = results.rules();
  if (rule >= pack.rules().size()) return {};
  const Rule& r = pack.rules()[rule];
  if (r.when.compiled().aggregates.empty() && r.points.compiled().aggregates.empty()) return {};
  const Snapshot& snap = results.snapshot();
  // The snapshot's symbols in the pack's symbol space, as the scorer maps them
  // (src/assess/prepare.cpp): a string the pack never mentions gets a number no literal equals.
  std::vector<std::uint32_t> symbol_map(snap.symbols.size());
  const auto unmatched = static_cast<std::uint32_t>(pack.symbols().size());
  for (std::size_t s = 0; s < snap.symbols.size(); ++s) {
    const std::uint32_t found = pack.symbols().find(snap.symbols[s]);
    symbol_map[s] =
        found != expr::SymbolTable::kNone ? found : unmatched + static_cast<std::uint32_t>(s);
  }
  const std::uint32_t child = person_slot(snap, results.child_vertex(row));
  expr::EvalContext context;
  context.snapshot = &snap;
  context.symbol_map = symbol_map.data();
  context.as_of = results.as_of();
  context.child = child;
  const Day dob = snap.person_dob[child];
  if (dob != kNoDay && dob <= results.as_of()) {
    context.child_age_months = age_in_months(dob, results.as_of());
    context.child_age_years = context.child_age_months / 12;
  }
  std::vector<Step> steps;
  std::vector<TimelineIssue> issues;
  const TimelineSummary timeline = build_timeline(snap, child, results.process(), *snap.calendar,
                                                  results.as_of(), steps, issues);
  context.timeline = &timeline;
  std::set<VertexIndex> counted;
  for (const expr::Compiled* compiled : {&r.when.compiled(), &r.points.compiled()}) {
    expr::for_each_counted_element(
        *compiled, context, [&](expr::Collection collection, std::uint32_t slot) {
          counted.insert(collection == expr::Collection::factors ? snap.factor_vertex[slot]
                                                                 : snap.concern_vertex[slot]);
        });
  }
  return {counted.begin(), counted.end()};
}

std::size_t closure_count(const Results& results) {
  return results.snapshot().calendar->closures().size();
}

std::string_view missing_attribute(const NotAssessable& missing) {
  return expr::attr_info(missing.missing).name;
}

}  // namespace safeguard::render_detail
