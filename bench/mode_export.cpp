// Mode "export": the generated caseload as per-child fact documents for the peers in
// bench/peers/ (see run_export).
#include "support.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/timeline.hpp"
#include "snapshot_columns.hpp"
#include "timeline_build.hpp"

namespace sgbench {

namespace {

// JSON string escaping for the ids and names the generator makes (ASCII, no quotes), kept
// strict anyway.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

// Mode "export": the caseload as per-child fact documents for the peers in bench/peers/, with
// this library's level and total for each child to check them against. A fact document holds
// what a rule engine is given about one child: age, flags, the statutory timeline's two flags
// the pack reads, the latest discretionary override, and every visible concern and factor that
// reaches the child with the paths (roles) it arrives by, listed in the order of Role (self,
// sibling, carer, household, associate, partner, involved): the pack's `concern.path` for a
// family concern is its first role other than associate (in `concerns` and `factors`, self).
// A concern carries its status, severity, agency and age in days; a factor its kind, strength
// and whether it is active. The peers then evaluate the pack.
int run_export(const Options& options) {
  const auto rules = RuleSet::load_file(options.pack);
  CaseloadOptions caseload;
  caseload.children = options.children;
  caseload.seed = options.seed;
  CaseGraph graph;
  generate_caseload(graph, caseload);
  const auto snap = take_snapshot(graph);
  const Day as_of = caseload.as_of;
  const Results results = assess(rules, snap, {as_of, 1});
  std::FILE* out = std::fopen(options.facts.c_str(), "w");
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", options.facts.c_str());
    return 1;
  }
  auto roles_json = [](RoleMask roles) {
    std::string text = "[";
    for (int r = 0; r < kRoleCount; ++r) {
      if (!(roles & (1u << r))) continue;
      if (text.size() > 1) text += ",";
      text += quoted(to_string(static_cast<Role>(r)));
    }
    return text + "]";
  };
  std::fprintf(out, "{\"as_of\": %s, \"children\": [\n", quoted(format_iso_date(as_of)).c_str());
  std::vector<Step> steps;
  std::vector<TimelineIssue> issues;
  const std::shared_ptr<const Process> process =
      process_for(snap->calendar->nation(), rules->timescales(), nullptr);
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    const std::uint32_t child = snap->children[row];
    std::string doc = "{\"id\": " + quoted(results.child_id(row));
    doc += ", \"level\": " + std::to_string(results.level(row));
    doc += ", \"total\": " + fmt("%.17g", results.total(row));
    const Day dob = snap->person_dob[child];
    doc +=
        ", \"age\": " + (dob == kNoDay || dob > as_of ? std::string("null")
                                                      : std::to_string(age_in_years(dob, as_of)));
    doc += ", \"flags\": [";
    for (const Symbol* f = snap->person_flags.begin(child); f != snap->person_flags.end(child);
         ++f) {
      doc += (f == snap->person_flags.begin(child) ? "" : ",") + quoted(snap->symbol(*f));
    }
    const TimelineSummary timeline =
        build_timeline(*snap, child, *process, *snap->calendar, as_of, steps, issues);
    doc += std::string("], \"on_plan\": ") + (timeline.on_plan ? "true" : "false");
    doc += std::string(", \"review_overdue\": ") + (timeline.review_overdue ? "true" : "false");
    std::string judgement = "null";
    for (const std::uint32_t* o = snap->person_overrides.begin(child);
         o != snap->person_overrides.end(child); ++o) {
      if (snap->override_date[*o] <= as_of)
        judgement = quoted(to_string(snap->override_direction[*o]));
    }
    doc += ", \"discretionary\": " + judgement + ", \"concerns\": [";
    bool first = true;
    for_each_circle_concern(*snap, child, [&](std::uint32_t c, RoleMask roles) {
      if (!expr::concern_visible(*snap, c, as_of)) return;
      doc += first ? "" : ",";
      first = false;
      doc += "{\"category\": " + quoted(snap->symbol(snap->concern_category[c]));
      doc += ", \"severity\": " + std::to_string(snap->concern_severity[c]);
      doc += ", \"status\": " + quoted(to_string(snap->concern_status[c]));
      doc += ", \"agency\": " + quoted(snap->id(snap->agency_vertex[snap->concern_source[c]]));
      doc += ", \"age_days\": " + std::to_string(as_of - snap->concern_date(c));
      doc += ", \"roles\": " + roles_json(roles) + "}";
    });
    doc += "], \"factors\": [";
    std::map<std::uint32_t, RoleMask> factors;
    for (const CircleMember* m = snap->person_circle.begin(child);
         m != snap->person_circle.end(child); ++m) {
      for (const std::uint32_t* f = snap->person_factors.begin(m->person);
           f != snap->person_factors.end(m->person); ++f) {
        if (expr::factor_visible(*snap, *f, as_of)) factors[*f] |= m->roles;
      }
    }
    first = true;
    for (const auto& [f, roles] : factors) {
      const Day end = snap->factor_end[f];
      doc += first ? "" : ",";
      first = false;
      doc += "{\"kind\": " + quoted(snap->symbol(snap->factor_kind[f]));
      doc += ", \"strength\": " + std::to_string(snap->factor_strength[f]);
      doc += std::string(", \"active\": ") + (end == kNoDay || end >= as_of ? "true" : "false");
      doc += ", \"roles\": " + roles_json(roles) + "}";
    }
    doc += "]}";
    std::fprintf(out, "%s%s\n", doc.c_str(), row + 1 < results.child_count() ? "," : "");
  }
  std::fprintf(out, "]}\n");
  std::fclose(out);
  std::printf("wrote facts for %zu children to %s\n", results.child_count(), options.facts.c_str());
  return 0;
}

}  // namespace sgbench
