// Explanations of one child's result, as text for people and JSON for programs, grouped under
// the Signs of Safety headings and filtered for the viewer: restricted evidence keeps its
// points but loses its details (id, agency, the person it is about, and the raw points and
// decay that could reveal its severity and date) for anyone not cleared for its source agency.
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
  if (!can_see(viewer, snap, c.evidence)) {
    out.hidden = true;
    out.id.clear();
    out.agency.clear();
    out.agency_type.clear();
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

constexpr const char* kHeadingTitles[] = {"Harm", "Danger", "Complicating factors",
                                          "Existing safety", "Strengths"};

Heading heading_of(const RuleSet& pack, const Contribution& c) {
  return c.propagated() ? pack.propagation().heading : pack.rules()[c.rule].heading;
}

// "+1.20  Title [rule-id, index]" and the lines below it that say where the points came from.
std::string text_line(const Results& results, const Contribution& c, const Viewer& viewer,
                      const char* own_record) {
  const RuleSet& pack = results.rules();
  const Snapshot& snap = results.snapshot();
  std::string out = "    " + std::string(c.value >= 0 ? "+" : "") + fixed(c.value, 2) + "  ";
  if (c.propagated()) {
    out += pack.propagation().title + " [" + std::string(kPropagationRuleId) + ", " +
           pack.indices()[c.index].id + "]\n";
    if (c.via == kNoVertex) {
      return out + "           " + fixed(c.raw, 2) +
             " points offered through the network, none counted: no evidence of the child's "
             "own on this index\n";
    }
    out += "           from " + std::string(snap.id(c.via)) + " (" +
           std::string(to_string(snap.vertex_kind[c.via])) + ") through " +
           std::string(to_string(c.relation)) + "\n";
    out += "           " + fixed(c.raw, 2) + " network score x " + fixed(c.reach, 3) +
           " alpha x weight";
    if (c.cap_factor != 1) out += " x association cap " + fixed(c.cap_factor, 3);
    return out + "\n";
  }
  const Rule& rule = pack.rules()[c.rule];
  const Evidence evidence = describe(results, c, viewer);
  out += rule.title + " [" + rule.id + ", " + pack.indices()[rule.index].id + "]\n";
  if (evidence.hidden) {
    out += "           evidence: " + std::string(kRestricted);
  } else if (!evidence.id.empty()) {
    out += "           evidence: " + evidence.id;
    if (!evidence.agency.empty())
      out += " from " + evidence.agency + " (" + evidence.agency_type + ")";
  } else {
    out += "           evidence: " + std::string(own_record);
  }
  if (c.path != Role::self) {
    out += "; through " + std::string(to_string(c.path));
    if (!evidence.hidden && c.via != kNoVertex) out += " " + std::string(snap.id(c.via));
  }
  // The factors of a hidden item stay hidden too: raw points can reveal its severity and the
  // decay its date. The viewer sees what it adds to the score, nothing more.
  if (!evidence.hidden) {
    out += "\n           " + fixed(c.raw, 2) + " points";
    if (c.decay != 1) out += " x decay " + fixed(c.decay, 3);
    if (c.reach != 1) out += " x reach " + fixed(c.reach, 2);
    if (c.cap_factor != 1) out += " x cap " + fixed(c.cap_factor, 3);
  }
  return out + "\n";
}

// Per index: the propagated points before and after the association cap, when it bit.
struct CapNote {
  std::uint32_t index;
  double offered = 0;
  double counted = 0;
};

std::vector<CapNote> cap_bites(const Contribution* begin, const Contribution* end) {
  std::vector<CapNote> notes;
  for (const Contribution* c = begin; c != end; ++c) {
    if (!c->propagated() || c->cap_factor == 1) continue;
    if (notes.empty() || notes.back().index != c->index) notes.push_back({c->index});
    notes.back().offered += c->raw * c->reach;
    notes.back().counted += c->value;
  }
  return notes;
}

std::string cap_notes(const Results& results, const Contribution* begin, const Contribution* end) {
  const RuleSet& pack = results.rules();
  std::string out;
  for (const CapNote& note : cap_bites(begin, end)) {
    out += "  association cap bit on " + pack.indices()[note.index].id + ": " +
           fixed(note.counted, 2) + " of " + fixed(note.offered, 2) +
           " propagated points counted (at most " +
           fixed(pack.propagation().association_cap * 100, 0) +
           "% of a score may come from association)\n";
  }
  return out;
}

std::string text(const Results& results, std::size_t row, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
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
  for (int h = 0; h < 5; ++h) {
    std::string section;
    for (const Contribution* c = results.contributions_begin(row);
         c != results.contributions_end(row); ++c) {
      if (static_cast<int>(heading_of(pack, *c)) != h) continue;
      section += text_line(results, *c, viewer, "the child's own record");
    }
    if (!section.empty()) out += "  " + std::string(kHeadingTitles[h]) + "\n" + section;
  }
  out += cap_notes(results, results.contributions_begin(row), results.contributions_end(row));
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

using ordered = nlohmann::ordered_json;

ordered json_line(const Results& results, const Contribution& c, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const Snapshot& snap = results.snapshot();
  ordered item;
  item["kind"] = c.propagated() ? "propagated" : "rule";
  if (c.propagated()) {
    item["rule"] = kPropagationRuleId;
    item["title"] = pack.propagation().title;
    item["index"] = pack.indices()[c.index].id;
    item["evidence"] = nullptr;
    item["source_agency"] = nullptr;
    item["restricted"] = false;
    const bool summary = c.via == kNoVertex;  // everything withheld by the association cap
    item["via"] = summary ? ordered() : ordered(std::string(snap.id(c.via)));
    item["via_kind"] = summary ? ordered() : ordered(to_string(snap.vertex_kind[c.via]));
    item["relation"] = summary ? ordered() : ordered(to_string(c.relation));
    item["path"] = summary ? "network" : to_string(c.relation);
  } else {
    const Rule& rule = pack.rules()[c.rule];
    const Evidence evidence = describe(results, c, viewer);
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
          is_concern(snap, c.evidence) && snap.concern_restricted[snap.vertex_slot[c.evidence]];
      item["via"] = c.via == kNoVertex ? ordered() : ordered(std::string(snap.id(c.via)));
    }
    item["path"] = to_string(c.path);
    if (evidence.hidden) {  // as in text: the factors could reveal severity and date
      item["value"] = c.value;
      return item;
    }
  }
  item["raw"] = c.raw;
  item["decay"] = c.decay;
  item["reach"] = c.reach;
  item["cap_factor"] = c.cap_factor;
  item["value"] = c.value;
  return item;
}

ordered json_cap_notes(const Results& results, const Contribution* begin, const Contribution* end) {
  ordered notes = ordered::array();
  for (const CapNote& note : cap_bites(begin, end)) {
    notes.push_back({{"index", results.rules().indices()[note.index].id},
                     {"cap", results.rules().propagation().association_cap},
                     {"offered", note.offered},
                     {"counted", note.counted}});
  }
  return notes;
}

std::string json_text(const Results& results, std::size_t row, const Viewer& viewer) {
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
    headings[std::string(to_string(heading_of(pack, *c)))].push_back(
        json_line(results, *c, viewer));
  }
  out["contributions"] = std::move(headings);
  out["association_cap"] =
      json_cap_notes(results, results.contributions_begin(row), results.contributions_end(row));
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

std::string place_label(const Results& results, std::size_t rank) {
  const Snapshot& snap = results.snapshot();
  const Symbol label = snap.node_label[results.place_node(rank)];
  return label == 0 ? std::string() : std::string(snap.symbol(label));
}

std::string place_text(const Results& results, std::size_t rank, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const Snapshot& snap = results.snapshot();
  const VertexIndex v = results.place_vertex(rank);
  std::string out = (snap.vertex_kind[v] == VertexKind::group ? "Group " : "Place ") +
                    std::string(results.place_id(rank)) + " (" + place_label(results, rank) +
                    ") as of " + format_iso_date(results.as_of()) + ": rank " +
                    std::to_string(rank + 1) + " of " + std::to_string(results.place_count()) +
                    "\n";
  out += "  network score: " + fixed(results.place_score(rank), 2) + "\n";
  const auto& indices = pack.propagation().indices;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const std::uint32_t node = results.place_node(rank);
    const double own = results.node_own_score(node, k);
    const double score = results.node_score(node, k);
    out += "  " + pack.indices()[indices[k]].title + ": " + fixed(score, 2) + " (own evidence " +
           fixed(own, 2) + ", through the network " + fixed(score - own, 2) + ")\n";
  }
  std::string own, network;
  for (const Contribution* c = results.place_contributions_begin(rank);
       c != results.place_contributions_end(rank); ++c) {
    (c->propagated() ? network : own) += text_line(results, *c, viewer, "");
  }
  if (!own.empty()) out += "  Own evidence\n" + own;
  if (!network.empty()) out += "  Through the network\n" + network;
  out += "  rule pack: " + pack.id() + " " + pack.version() + " sha256:" + pack.hash() + "\n";
  return out;
}

std::string place_json(const Results& results, std::size_t rank, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const Snapshot& snap = results.snapshot();
  const VertexIndex v = results.place_vertex(rank);
  ordered out;
  out["id"] = std::string(results.place_id(rank));
  out["kind"] = to_string(snap.vertex_kind[v]);
  out["label"] = place_label(results, rank);
  out["as_of"] = format_iso_date(results.as_of());
  out["pack"] = {{"id", pack.id()}, {"version", pack.version()}, {"hash", pack.hash()}};
  out["rank"] = rank;
  out["score"] = results.place_score(rank);
  ordered indices = ordered::array();
  const auto& propagating = pack.propagation().indices;
  for (std::size_t k = 0; k < propagating.size(); ++k) {
    const std::uint32_t node = results.place_node(rank);
    indices.push_back({{"id", pack.indices()[propagating[k]].id},
                       {"score", results.node_score(node, k)},
                       {"own", results.node_own_score(node, k)}});
  }
  out["indices"] = std::move(indices);
  ordered lines = ordered::array();
  for (const Contribution* c = results.place_contributions_begin(rank);
       c != results.place_contributions_end(rank); ++c) {
    lines.push_back(json_line(results, *c, viewer));
  }
  out["contributions"] = std::move(lines);
  return out.dump(2) + "\n";
}

}  // namespace

std::string explain_place(const Results& results, std::size_t rank, ExplainFormat format,
                          const Viewer& viewer) {
  if (rank >= results.place_count())
    throw Error(Status::out_of_range, "place rank " + std::to_string(rank) + " is past the end");
  return format == ExplainFormat::json ? place_json(results, rank, viewer)
                                       : place_text(results, rank, viewer);
}

bool can_see(const Viewer& viewer, const Snapshot& snap, VertexIndex evidence) {
  if (viewer.cleared_all || !is_concern(snap, evidence)) return true;
  const std::uint32_t slot = snap.vertex_slot[evidence];
  if (!snap.concern_restricted[slot]) return true;
  const std::uint32_t agency = snap.concern_source[slot];
  const std::string_view agency_id = snap.id(snap.agency_vertex[agency]);
  const std::string_view agency_type = snap.symbol(snap.agency_type[agency]);
  for (const auto& name : viewer.cleared) {
    if (name == "*" || name == agency_id || name == agency_type) return true;
  }
  return false;
}

std::string explain(const Results& results, std::size_t row, ExplainFormat format,
                    const Viewer& viewer) {
  if (row >= results.child_count())
    throw Error(Status::out_of_range, "child row " + std::to_string(row) + " is past the end");
  return format == ExplainFormat::json ? json_text(results, row, viewer)
                                       : text(results, row, viewer);
}

}  // namespace safeguard
