// Explanations of one child's result, as text for people and JSON for programs, grouped under
// the Signs of Safety headings and filtered for the viewer: restricted evidence keeps its
// points but loses its details for anyone not cleared for its source agency.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "safeguard/io.hpp"

namespace safeguard {
namespace {

constexpr const char* kRestricted = "restricted source";

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

bool is_concern(const Snapshot& snap, VertexIndex v) {
  return v != kNoVertex && snap.vertex_kind[v] == VertexKind::concern;
}

struct Evidence {
  bool hidden = false;
  std::string id;
  std::string agency;
  std::string agency_type;
};

Evidence describe(const Results& results, const Contribution& c, const Viewer& viewer) {
  const Snapshot& snap = results.snapshot();
  Evidence out;
  if (c.evidence == kNoVertex) return out;
  out.id = std::string(snap.id(c.evidence));
  if (!is_concern(snap, c.evidence)) return out;
  const std::uint32_t slot = snap.vertex_slot[c.evidence];
  const std::uint32_t agency = snap.concern_source[slot];
  out.agency = std::string(snap.id(snap.agency_vertex[agency]));
  out.agency_type = std::string(snap.symbol(snap.agency_type[agency]));
  if (snap.concern_restricted[slot] && !viewer.cleared_all) {
    bool cleared = false;
    for (const auto& name : viewer.cleared)
      cleared = cleared || name == out.agency || name == out.agency_type || name == "*";
    if (!cleared) {
      out.hidden = true;
      out.id.clear();
      out.agency.clear();
      out.agency_type.clear();
    }
  }
  return out;
}

// "overdue by 3 working days", "due in 0 working days (today)", "done on time"...
std::string step_status_text(const Step& step) {
  const std::string days = std::to_string(step.working_days) +
                           (step.working_days == 1 ? " working day" : " working days");
  switch (step.status) {
    case StepStatus::on_time:
      return "done on time";
    case StepStatus::late:
      return "done late by " + days;
    case StepStatus::due:
      return step.working_days == 0 ? "due today" : "due in " + days;
    case StepStatus::overdue:
      return "OVERDUE by " + days;
  }
  return "";
}

std::string step_title(StepKind kind) {
  switch (kind) {
    case StepKind::referral_decision:
      return "referral decision";
    case StepKind::assessment:
      return "assessment";
    case StepKind::initial_conference:
      return "initial conference";
    case StepKind::first_review:
      return "first review";
    case StepKind::review:
      return "review";
  }
  return "";
}

std::string discretionary_text(const Results& results, std::size_t row) {
  const DiscretionaryResult& d = results.discretionary(row);
  if (d.outcome == DiscretionaryOutcome::none) return {};
  const Snapshot& snap = results.snapshot();
  const RuleSet& pack = results.rules();
  const std::uint32_t o = d.override_number;
  const bool raise = snap.override_direction[o] == OverrideDirection::raise;
  std::string out = "  discretionary override " + std::string(snap.override_ids[o]) + " (" +
                    (raise ? "raise" : "lower") + ", " + snap.override_author[o] + ", " +
                    format_iso_date(snap.override_date[o]) + "): ";
  switch (d.outcome) {
    case DiscretionaryOutcome::applied:
      out += std::string(raise ? "raised" : "lowered") + " from " +
             pack.levels()[d.level_before].title;
      break;
    case DiscretionaryOutcome::not_allowed:
      out += "not applied: this rule pack does not let judgement " +
             std::string(raise ? "raise" : "lower") + " a level";
      break;
    case DiscretionaryOutcome::at_limit:
      out +=
          std::string("not applied: already at the ") + (raise ? "highest" : "lowest") + " level";
      break;
    case DiscretionaryOutcome::held_by_policy:
      out += "not applied: a policy override holds the level";
      break;
    case DiscretionaryOutcome::none:
      break;
  }
  return out + "\n    reason: " + snap.override_reason[o] + "\n";
}

std::string timeline_text(const Results& results, std::size_t row) {
  const Snapshot& snap = results.snapshot();
  std::string out;
  for (const Step* s = results.steps_begin(row); s != results.steps_end(row); ++s) {
    std::string line = "    " + step_title(s->kind);
    line.resize(std::max<std::size_t>(line.size() + 1, 24), ' ');
    line += "from " + format_iso_date(s->start) + " (" + std::string(snap.event_ids[s->trigger]) +
            ")  due " + format_iso_date(s->due);
    if (s->done != kNoEvent) {
      line += "  done " + format_iso_date(s->completed) + " (" +
              std::string(snap.event_ids[s->done]) + ")";
    }
    out += line + "  " + step_status_text(*s) + "\n";
  }
  for (const TimelineIssue* i = results.timeline_issues_begin(row);
       i != results.timeline_issues_end(row); ++i) {
    out += "    gap in the record: " + std::string(snap.event_ids[i->event]) + " " +
           std::string(describe(i->kind)) + "\n";
  }
  if (out.empty()) return out;
  return "  Timeline (working days on the " + std::string(to_string(snap.calendar->nation())) +
         " calendar)\n" + out;
}

std::string text(const Results& results, std::size_t row, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const Snapshot& snap = results.snapshot();
  std::string out;
  out += "Child " + std::string(results.child_id(row)) + " as of " +
         format_iso_date(results.as_of()) + "\n";
  out += "  level: " + pack.levels()[results.level(row)].title;
  if (results.level(row) != results.score_level(row)) {
    out += " (the scores alone give " + pack.levels()[results.score_level(row)].title + ")";
  }
  out += "\n  total: " + fixed(results.total(row), 2) + "\n";
  for (std::size_t i = 0; i < results.index_count(); ++i) {
    out += "  " + pack.indices()[i].title + ": " + fixed(results.score(row, i), 2) + " (" +
           pack.levels()[results.index_level(row, i)].title + ")\n";
  }
  if (results.immediate_safety(row))
    out += "  IMMEDIATE SAFETY: a policy override flags a threat now\n";
  for (const std::uint32_t* o = results.overrides_begin(row); o != results.overrides_end(row);
       ++o) {
    const PolicyOverride& rule = pack.overrides()[*o];
    out += "  policy override " + rule.id;
    if (rule.min_level >= 0) out += " (at least " + pack.levels()[rule.min_level].title + ")";
    out += ": " + rule.reason + "\n";
  }
  out += discretionary_text(results, row);
  static constexpr const char* kHeadingTitles[] = {"Harm", "Danger", "Complicating factors",
                                                   "Existing safety", "Strengths"};
  for (int h = 0; h < 5; ++h) {
    std::string section;
    for (const Contribution* c = results.contributions_begin(row);
         c != results.contributions_end(row); ++c) {
      const Rule& rule = pack.rules()[c->rule];
      if (static_cast<int>(rule.heading) != h) continue;
      const Evidence evidence = describe(results, *c, viewer);
      section += "    " + std::string(c->value >= 0 ? "+" : "") + fixed(c->value, 2) + "  " +
                 rule.title + " [" + rule.id + ", " + pack.indices()[rule.index].id + "]\n";
      if (evidence.hidden) {
        section += "           evidence: " + std::string(kRestricted);
      } else if (!evidence.id.empty()) {
        section += "           evidence: " + evidence.id;
        if (!evidence.agency.empty())
          section += " from " + evidence.agency + " (" + evidence.agency_type + ")";
      } else {
        section += "           evidence: the child's own record";
      }
      if (c->path != Role::self) {
        section += "; through " + std::string(to_string(c->path));
        if (!evidence.hidden && c->via != kNoVertex) section += " " + std::string(snap.id(c->via));
      }
      section += "\n           " + fixed(c->raw, 2) + " points";
      if (c->decay != 1) section += " x decay " + fixed(c->decay, 3);
      if (c->reach != 1) section += " x reach " + fixed(c->reach, 2);
      if (c->cap_factor != 1) section += " x cap " + fixed(c->cap_factor, 3);
      section += "\n";
    }
    if (!section.empty()) out += "  " + std::string(kHeadingTitles[h]) + "\n" + section;
  }
  for (const NotAssessable* n = results.not_assessable_begin(row);
       n != results.not_assessable_end(row); ++n) {
    const std::string& id =
        n->is_override ? pack.overrides()[n->rule].id : pack.rules()[n->rule].id;
    out += "  not assessable: " + id + " (" + std::string(expr::attr_info(n->missing).name) +
           " unknown)\n";
  }
  out += timeline_text(results, row);
  out += "  rule pack: " + pack.id() + " " + pack.version() + " sha256:" + pack.hash() + "\n";
  return out;
}

std::string json_text(const Results& results, std::size_t row, const Viewer& viewer) {
  using ordered = nlohmann::ordered_json;
  const RuleSet& pack = results.rules();
  const Snapshot& snap = results.snapshot();
  ordered out;
  out["child"] = std::string(results.child_id(row));
  out["as_of"] = format_iso_date(results.as_of());
  out["pack"] = {{"id", pack.id()}, {"version", pack.version()}, {"hash", pack.hash()}};
  out["level"] = pack.levels()[results.level(row)].id;
  out["score_level"] = pack.levels()[results.score_level(row)].id;
  out["total"] = results.total(row);
  out["immediate_safety"] = results.immediate_safety(row);
  ordered indices = ordered::array();
  for (std::size_t i = 0; i < results.index_count(); ++i) {
    indices.push_back({{"id", pack.indices()[i].id},
                       {"score", results.score(row, i)},
                       {"level", pack.levels()[results.index_level(row, i)].id}});
  }
  out["indices"] = std::move(indices);
  ordered overrides = ordered::array();
  for (const std::uint32_t* o = results.overrides_begin(row); o != results.overrides_end(row);
       ++o) {
    const PolicyOverride& rule = pack.overrides()[*o];
    overrides.push_back(
        {{"id", rule.id},
         {"reason", rule.reason},
         {"min_level", rule.min_level >= 0 ? ordered(pack.levels()[rule.min_level].id) : ordered()},
         {"immediate_safety", rule.immediate_safety}});
  }
  out["policy_overrides"] = std::move(overrides);
  ordered headings = ordered::object();
  for (int h = 0; h < 5; ++h)
    headings[std::string(to_string(static_cast<Heading>(h)))] = ordered::array();
  for (const Contribution* c = results.contributions_begin(row);
       c != results.contributions_end(row); ++c) {
    const Rule& rule = pack.rules()[c->rule];
    const Evidence evidence = describe(results, *c, viewer);
    ordered item;
    item["rule"] = rule.id;
    item["title"] = rule.title;
    item["index"] = pack.indices()[rule.index].id;
    if (evidence.hidden) {
      item["evidence"] = kRestricted;
      item["restricted"] = true;
    } else {
      item["evidence"] = evidence.id.empty() ? ordered() : ordered(evidence.id);
      item["source_agency"] = evidence.agency.empty() ? ordered() : ordered(evidence.agency);
      item["restricted"] =
          is_concern(snap, c->evidence) && snap.concern_restricted[snap.vertex_slot[c->evidence]];
      item["via"] = c->via == kNoVertex ? ordered() : ordered(std::string(snap.id(c->via)));
    }
    item["path"] = to_string(c->path);
    item["raw"] = c->raw;
    item["decay"] = c->decay;
    item["reach"] = c->reach;
    item["cap_factor"] = c->cap_factor;
    item["value"] = c->value;
    headings[std::string(to_string(rule.heading))].push_back(std::move(item));
  }
  out["contributions"] = std::move(headings);
  ordered missing = ordered::array();
  for (const NotAssessable* n = results.not_assessable_begin(row);
       n != results.not_assessable_end(row); ++n) {
    missing.push_back(
        {{"rule", n->is_override ? pack.overrides()[n->rule].id : pack.rules()[n->rule].id},
         {"missing", std::string(expr::attr_info(n->missing).name)}});
  }
  out["not_assessable"] = std::move(missing);

  const DiscretionaryResult& d = results.discretionary(row);
  if (d.outcome == DiscretionaryOutcome::none) {
    out["discretionary_override"] = nullptr;
  } else {
    const std::uint32_t o = d.override_number;
    out["discretionary_override"] = {{"id", std::string(snap.override_ids[o])},
                                     {"direction", to_string(snap.override_direction[o])},
                                     {"author", snap.override_author[o]},
                                     {"date", format_iso_date(snap.override_date[o])},
                                     {"reason", snap.override_reason[o]},
                                     {"outcome", to_string(d.outcome)},
                                     {"level_before", pack.levels()[d.level_before].id}};
  }
  ordered steps = ordered::array();
  for (const Step* s = results.steps_begin(row); s != results.steps_end(row); ++s) {
    steps.push_back(
        {{"step", to_string(s->kind)},
         {"status", to_string(s->status)},
         {"working_days", s->working_days},
         {"start", format_iso_date(s->start)},
         {"trigger", std::string(snap.event_ids[s->trigger])},
         {"due", format_iso_date(s->due)},
         {"completed", s->done == kNoEvent ? ordered() : ordered(format_iso_date(s->completed))},
         {"done_by",
          s->done == kNoEvent ? ordered() : ordered(std::string(snap.event_ids[s->done]))}});
  }
  out["timeline"] = std::move(steps);
  ordered issues = ordered::array();
  for (const TimelineIssue* i = results.timeline_issues_begin(row);
       i != results.timeline_issues_end(row); ++i) {
    issues.push_back({{"event", std::string(snap.event_ids[i->event])},
                      {"issue", std::string(describe(i->kind))}});
  }
  out["timeline_issues"] = std::move(issues);
  out["calendar"] = to_string(snap.calendar->nation());
  return out.dump(2) + "\n";
}

}  // namespace

std::string explain(const Results& results, std::size_t row, ExplainFormat format,
                    const Viewer& viewer) {
  if (row >= results.child_count())
    throw Error(Status::out_of_range, "child row " + std::to_string(row) + " is past the end");
  return format == ExplainFormat::json ? json_text(results, row, viewer)
                                       : text(results, row, viewer);
}

}  // namespace safeguard
