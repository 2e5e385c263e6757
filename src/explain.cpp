// Explanations of one child's result, as text for people and JSON for programs, grouped under
// the Signs of Safety headings. Rendered only from the viewer-scoped views of explain.hpp: a
// line the viewer is not cleared for arrives withheld, and this file has nothing else to show.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "safeguard/io.hpp"
#include "util/number_text.hpp"
#include "views_restriction.hpp"

namespace safeguard {
namespace {

std::string fixed(double value, int decimals) { return detail::fixed_text(value, decimals); }

std::string str(std::string_view text) { return std::string(text); }

// The safety decision, apart from the level: the dangers that held, then the plans, each with
// the concern or factor it held for, as view_safety lets the viewer see them.
std::string safety_text(const Results& results, std::size_t row, const Viewer& viewer) {
  const SafetyView view = view_safety(results, row, viewer);
  std::string out = "  Safety: " + str(safety_summary(view.decision)) + "\n";
  for (const SafetyLineView& line : view.lines) {
    out += line.plan ? "    plan " : "    danger ";
    if (line.withheld()) {
      out += str(line.title) + "\n";
      continue;
    }
    out += str(line.id) + ": " + str(line.title);
    if (!line.evidence_id.empty()) out += " (" + str(line.evidence_id) + ")";
    out += "\n";
  }
  return out;
}

std::string discretionary_text(const Results& results, const std::optional<DiscretionaryView>& d) {
  if (!d) return {};
  const RuleSet& pack = results.rules();
  const bool raise = d->direction == OverrideDirection::raise;
  std::string out = "  discretionary override " + str(d->id) + " (" + (raise ? "raise" : "lower") +
                    ", " + str(d->author) + ", " + format_iso_date(d->date) + "): ";
  switch (d->outcome) {
    case DiscretionaryOutcome::applied:
      out += std::string(raise ? "raised" : "lowered") + " from " +
             pack.levels()[d->level_before].title;
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
    case DiscretionaryOutcome::awaiting_approval:
      out += "not applied: awaiting approval (this rule pack needs an approver to " +
             std::string(raise ? "raise" : "lower") + " a level)";
      break;
    case DiscretionaryOutcome::none:
      break;
  }
  out += "\n    reason: " + str(d->reason) + "\n";
  if (!d->approved_by.empty())
    out += "    approved by " + str(d->approved_by) + " on " + format_iso_date(d->approved) + "\n";
  return out;
}

std::string timeline_text(const Results& results, std::size_t row) {
  std::string out;
  for (const StepView& s : view_steps(results, row)) {
    std::string line = "    " + step_title_with_nation(s);
    line.resize(std::max<std::size_t>(line.size() + 1, 24), ' ');
    line += "from " + format_iso_date(s.start) + " (" + str(s.trigger_id) + ")";
    if (s.due != kNoDay) line += "  due " + format_iso_date(s.due);
    if (!s.done_id.empty())
      line += "  done " + format_iso_date(s.completed) + " (" + str(s.done_id) + ")";
    out += line + "  " + s.status_text + "\n";
  }
  for (const TimelineIssueView& i : view_timeline_issues(results, row))
    out += "    gap in the record: " + str(i.event_id) + " " + str(i.issue) + "\n";
  if (out.empty()) return out;
  return "  Timeline (" + str(timeline_process_title(results)) + "; working days on the " +
         str(to_string(timeline_nation(results))) + " calendar)\n" + out;
}

constexpr const char* kHeadingTitles[] = {"Harm", "Danger", "Complicating factors",
                                          "Existing safety", "Strengths"};

// "+1.20  Title [rule-id, index]" and the lines below it that say where the points came from.
// Only for lines the reader sees: withheld lines are folded into one (view_scores) first.
std::string text_line(const LineView& line, const char* own_record) {
  std::string out = "    " + std::string(line.value >= 0 ? "+" : "") + fixed(line.value, 2) + "  ";
  out += str(line.title) + " [" + str(line.rule_id) + ", " + str(line.index_id) + "]\n";
  if (line.propagated()) {
    if (line.network_summary) {
      return out + "           " + fixed(line.raw, 2) +
             " points offered through the network, none counted: no evidence of the child's "
             "own on this index\n";
    }
    out += "           from " + str(line.via_id) + " (" + str(to_string(line.via_kind)) +
           ") through " + str(line.relation) + "\n";
    out += "           " + fixed(line.raw, 2) + " network score x " + fixed(line.reach, 3) +
           " alpha x weight";
    if (line.cap_factor != 1) out += " x association cap " + fixed(line.cap_factor, 3);
    return out + "\n";
  }
  const EvidenceView& evidence = line.evidence;
  if (!evidence.id.empty()) {
    out += "           evidence: " + str(evidence.id);
    if (!evidence.agency_id.empty())
      out += " from " + str(evidence.agency_id) + " (" + str(evidence.agency_type) + ")";
  } else {
    out += "           evidence: " + std::string(own_record);
  }
  if (line.path != to_string(Role::self)) {
    out += "; through " + str(line.path);
    if (!line.via_id.empty()) out += " " + str(line.via_id);
  }
  out += "\n           " + fixed(line.raw, 2) + " points";
  if (line.decay != 1) out += " x decay " + fixed(line.decay, 3);
  if (line.reach != 1) out += " x reach " + fixed(line.reach, 2);
  if (line.superseded) {
    return out +
           " x 0: superseded by a later group of the rule's latest family about the same "
           "person\n";
  }
  if (line.cap_factor != 1) out += " x cap " + fixed(line.cap_factor, 3);
  return out + "\n";
}

// Per index: the propagated points before and after the association cap, when it bit, from the
// lines the reader sees (their figures are the network as the reader may attribute it).
struct CapNote {
  std::uint32_t index;
  double offered = 0;
  double counted = 0;
};

std::vector<CapNote> cap_bites(const std::vector<LineView>& lines) {
  std::vector<CapNote> notes;
  for (const LineView& line : lines) {
    if (!line.propagated() || line.withheld() || line.cap_factor == 1) continue;
    if (notes.empty() || notes.back().index != line.index) notes.push_back({line.index});
    notes.back().offered += line.raw * line.reach;
    notes.back().counted += line.value;
  }
  return notes;
}

std::string cap_notes(const RuleSet& pack, const std::vector<LineView>& lines) {
  std::string out;
  for (const CapNote& note : cap_bites(lines)) {
    out += "  association cap bit on " + pack.indices()[note.index].id + ": " +
           fixed(note.counted, 2) + " of " + fixed(note.offered, 2) +
           " propagated points counted (at most " +
           fixed(pack.propagation().association_cap * 100, 0) +
           "% of a score may come from association)\n";
  }
  return out;
}

// The contextual scores beside the own ones (docs/rules.md, "Contextual risk"): the points
// the network adds and the level the scores would reach with them.
std::string contextual_summary(const RuleSet& pack, const ScoresView& scores) {
  if (!scores.has_contextual()) return "";
  std::string out = "  contextual risk (" +
                    std::string(scores.contextual_included ? "included in the scores above"
                                                           : "kept apart from the level") +
                    "): " + fixed(scores.contextual_total, 2);
  std::string parts;
  for (std::uint32_t index : pack.propagation().indices) {
    parts += (parts.empty() ? "" : ", ") + pack.indices()[index].id + " " +
             fixed(scores.contextual_scores[index], 2);
  }
  out += " (" + parts + ")";
  // The network's points from evidence withheld from the reader, in one figure (as the
  // withheld lines are): the context level counts them.
  if (scores.contextual_withheld != 0)
    out += ", and " + fixed(scores.contextual_withheld, 2) + " from restricted sources";
  out += "; with it the scores reach " + pack.levels()[scores.context_level].title + "\n";
  return out;
}

// The policy overrides that fired, as the reader may see them (a child's or an adult's).
std::string overrides_text(const RuleSet& pack, const std::vector<OverrideView>& views) {
  std::string out;
  for (const OverrideView& o : views) {
    out +=
        o.withheld() ? std::string("  ") + std::string(o.reason) : "  policy override " + str(o.id);
    if (o.min_level >= 0) out += " (at least " + pack.levels()[o.min_level].title + ")";
    out += o.withheld() ? "\n" : ": " + str(o.reason) + "\n";
  }
  return out;
}

std::string text(const Results& results, std::size_t row, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const std::vector<LineView> lines = view_contributions(results, row, viewer);
  std::string out;
  out += "Child " + std::string(results.child_id(row)) + " as of " +
         format_iso_date(results.as_of()) + "\n";
  out += "  level: " + pack.levels()[results.level(row)].title;
  if (results.level(row) != results.score_level(row)) {
    out += " (the scores alone give " + pack.levels()[results.score_level(row)].title + ")";
  }
  out += "\n  total: " + fixed(results.total(row), 2) + "\n";
  // Index scores as the viewer may attribute them: withheld points fold into one line that
  // names no index (view_scores).
  const ScoresView scores = view_scores(results, row, lines);
  for (std::size_t i = 0; i < results.index_count(); ++i) {
    out += "  " + pack.indices()[i].title + ": " + fixed(scores.index_scores[i], 2) + " (" +
           pack.levels()[scores.index_levels[i]].title + ")\n";
  }
  if (scores.any_withheld())
    out += "  " + str(scores.withheld_title) + ": " + fixed(scores.withheld, 2) + "\n";
  out += contextual_summary(pack, scores);
  if (results.immediate_safety(row))
    out += "  IMMEDIATE SAFETY: a policy override flags a threat now\n";
  out += overrides_text(pack, view_overrides(results, row, viewer));
  out += discretionary_text(results, view_discretionary(results, row));
  out += safety_text(results, row, viewer);
  for (int h = 0; h < 5; ++h) {
    std::string section;
    for (const LineView& line : lines) {
      if (line.withheld() || static_cast<int>(line.heading) != h) continue;
      if (line.propagated() && !scores.contextual_included) continue;
      section += text_line(line, "the child's own record");
    }
    if (!section.empty()) out += "  " + std::string(kHeadingTitles[h]) + "\n" + section;
  }
  if (scores.has_contextual() && !scores.contextual_included) {
    std::string section;
    for (const LineView& line : lines) {
      if (line.propagated() && !line.withheld()) section += text_line(line, "");
    }
    if (!section.empty())
      out += "  Contextual risk (kept apart from the level: " + fixed(scores.contextual_total, 2) +
             ")\n" + section;
  }
  if (scores.any_withheld()) {
    // One line for every withheld point: no rule, heading, index or path.
    out += "  " + str(scores.withheld_title) + "\n    " +
           std::string(scores.withheld >= 0 ? "+" : "") + fixed(scores.withheld, 2) + "  " +
           str(scores.withheld_title) + "\n           evidence: " + str(kRestrictedSource) + "\n";
  }
  out += cap_notes(pack, lines);
  for (const NotAssessable* n = results.not_assessable_begin(row);
       n != results.not_assessable_end(row); ++n) {
    const std::string& id = not_assessable_id(pack, *n);
    out += "  not assessable: " + id + " (" + std::string(expr::attr_info(n->missing).name) +
           " unknown)\n";
  }
  out += timeline_text(results, row);
  out += "  rule pack: " + pack.id() + " " + pack.version() + " sha256:" + pack.hash() + "\n";
  return out;
}

using ordered = nlohmann::ordered_json;

ordered overrides_json(const RuleSet& pack, const std::vector<OverrideView>& views) {
  ordered overrides = ordered::array();
  for (const OverrideView& o : views) {
    // A withheld override keeps its keys: id null, the neutral reason, "restricted": true.
    overrides.push_back(
        {{"id", o.withheld() ? ordered() : ordered(str(o.id))},
         {"reason", str(o.reason)},
         {"min_level", o.min_level >= 0 ? ordered(pack.levels()[o.min_level].id) : ordered()},
         {"immediate_safety", o.immediate_safety},
         {"restricted", o.withheld()}});
  }
  return overrides;
}

// {"decision", "dangers": [...], "plans": [...]}; a withheld finding keeps its keys: id and
// evidence null, the neutral title, "restricted": true.
ordered safety_json(const Results& results, std::size_t row, const Viewer& viewer) {
  const SafetyView view = view_safety(results, row, viewer);
  ordered dangers = ordered::array(), plans = ordered::array();
  for (const SafetyLineView& line : view.lines) {
    (line.plan ? plans : dangers)
        .push_back(
            {{"id", line.withheld() ? ordered() : ordered(str(line.id))},
             {"title", str(line.title)},
             {"evidence", line.evidence_id.empty() ? ordered() : ordered(str(line.evidence_id))},
             {"restricted", line.withheld()}});
  }
  return {{"decision", str(to_string(view.decision))},
          {"dangers", std::move(dangers)},
          {"plans", std::move(plans)}};
}

ordered or_null(std::string_view text) {
  return text.empty() ? ordered() : ordered(std::string(text));
}

// A discretionary override as JSON (null when none), for a child's or an adult's explanation.
ordered discretionary_json(const RuleSet& pack, const std::optional<DiscretionaryView>& d) {
  if (!d) return nullptr;
  return {{"id", str(d->id)},
          {"direction", to_string(d->direction)},
          {"author", str(d->author)},
          {"date", format_iso_date(d->date)},
          {"reason", str(d->reason)},
          {"outcome", to_string(d->outcome)},
          {"needs_approval", d->needs_approval},
          {"approved_by", or_null(d->approved_by)},
          {"approved", d->approved == kNoDay ? ordered() : ordered(format_iso_date(d->approved))},
          {"level_before", pack.levels()[d->level_before].id}};
}

ordered json_line(const LineView& line) {
  ordered item;
  item["kind"] = line.propagated() ? "propagated" : "rule";
  item["rule"] = str(line.rule_id);
  item["title"] = str(line.title);
  item["index"] = str(line.index_id);
  if (line.propagated()) {
    item["evidence"] = nullptr;
    item["source_agency"] = nullptr;
    item["restricted"] = false;
    item["via"] = or_null(line.via_id);
    item["via_kind"] = line.network_summary ? ordered() : ordered(to_string(line.via_kind));
    item["relation"] = or_null(line.relation);
  } else {
    item["evidence"] = or_null(line.evidence.id);
    item["source_agency"] = or_null(line.evidence.agency_id);
    item["restricted"] = line.evidence.restricted;
    item["via"] = or_null(line.via_id);
  }
  item["path"] = str(line.path);
  item["raw"] = line.raw;
  item["decay"] = line.decay;
  item["reach"] = line.reach;
  item["cap_factor"] = line.cap_factor;
  if (line.superseded) item["superseded"] = true;
  item["value"] = line.value;
  return item;
}

ordered json_cap_notes(const RuleSet& pack, const std::vector<LineView>& lines) {
  ordered notes = ordered::array();
  for (const CapNote& note : cap_bites(lines)) {
    notes.push_back({{"index", pack.indices()[note.index].id},
                     {"cap", pack.propagation().association_cap},
                     {"offered", note.offered},
                     {"counted", note.counted}});
  }
  return notes;
}

// Contextual risk: the policy, the propagated points per propagating index, the level the
// scores reach with them, and the propagated lines, which add up to "total" (under "included"
// they are also listed under their heading, since they count in the index scores). Null when
// the pack does not propagate.
ordered json_contextual(const RuleSet& pack, const ScoresView& scores,
                        const std::vector<LineView>& lines) {
  if (!scores.has_contextual()) return ordered();
  ordered indices = ordered::array();
  for (std::uint32_t index : pack.propagation().indices)
    indices.push_back(
        {{"id", pack.indices()[index].id}, {"score", scores.contextual_scores[index]}});
  ordered items = ordered::array();
  for (const LineView& line : lines) {
    if (line.propagated() && !line.withheld()) items.push_back(json_line(line));
  }
  return ordered{{"policy", to_string(pack.propagation().contextual)},
                 {"total", scores.contextual_total},
                 {"withheld", scores.contextual_withheld},
                 {"level", pack.levels()[scores.context_level].id},
                 {"indices", std::move(indices)},
                 {"contributions", std::move(items)}};
}

std::string json_text(const Results& results, std::size_t row, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const std::vector<LineView> lines = view_contributions(results, row, viewer);
  ordered out;
  out["child"] = std::string(results.child_id(row));
  out["as_of"] = format_iso_date(results.as_of());
  out["pack"] = {{"id", pack.id()}, {"version", pack.version()}, {"hash", pack.hash()}};
  out["level"] = pack.levels()[results.level(row)].id;
  out["score_level"] = pack.levels()[results.score_level(row)].id;
  out["total"] = results.total(row);
  out["immediate_safety"] = results.immediate_safety(row);
  const ScoresView scores = view_scores(results, row, lines);
  ordered indices = ordered::array();
  for (std::size_t i = 0; i < results.index_count(); ++i) {
    indices.push_back({{"id", pack.indices()[i].id},
                       {"score", scores.index_scores[i]},
                       {"level", pack.levels()[scores.index_levels[i]].id}});
  }
  out["indices"] = std::move(indices);
  // Every withheld point in one item that names no rule, index, heading or path
  // (docs/rules.md, "Who sees what"); null when nothing is withheld.
  out["withheld"] = scores.any_withheld() ? ordered{{"title", str(scores.withheld_title)},
                                                    {"evidence", str(kRestrictedSource)},
                                                    {"restricted", true},
                                                    {"value", scores.withheld}}
                                          : ordered();
  out["policy_overrides"] = overrides_json(pack, view_overrides(results, row, viewer));
  out["safety"] = safety_json(results, row, viewer);
  ordered headings = ordered::object();
  for (int h = 0; h < 5; ++h)
    headings[std::string(to_string(static_cast<Heading>(h)))] = ordered::array();
  for (const LineView& line : lines) {
    if (line.withheld() || (line.propagated() && !scores.contextual_included)) continue;
    headings[std::string(to_string(line.heading))].push_back(json_line(line));
  }
  out["contributions"] = std::move(headings);
  out["association_cap"] = json_cap_notes(pack, lines);
  out["contextual"] = json_contextual(pack, scores, lines);
  ordered missing = ordered::array();
  for (const NotAssessable* n = results.not_assessable_begin(row);
       n != results.not_assessable_end(row); ++n) {
    missing.push_back({{"rule", not_assessable_id(pack, *n)},
                       {"missing", std::string(expr::attr_info(n->missing).name)}});
  }
  out["not_assessable"] = std::move(missing);

  out["discretionary_override"] = discretionary_json(pack, view_discretionary(results, row));
  ordered steps = ordered::array();
  for (const StepView& s : view_steps(results, row)) {
    const bool done = !s.done_id.empty();
    steps.push_back({{"step", str(s.step)},
                     {"title", str(s.title)},
                     {"status", to_string(s.status)},
                     {"working_days", s.working_days},
                     {"calendar_days", s.calendar_days},
                     {"reason", s.reason.empty() ? ordered() : ordered(str(s.reason))},
                     {"start", format_iso_date(s.start)},
                     {"trigger", str(s.trigger_id)},
                     {"due", s.due == kNoDay ? ordered() : ordered(format_iso_date(s.due))},
                     {"completed", done ? ordered(format_iso_date(s.completed)) : ordered()},
                     {"done_by", done ? ordered(str(s.done_id)) : ordered()},
                     {"nation", to_string(s.nation)}});
  }
  out["timeline"] = std::move(steps);
  ordered issues = ordered::array();
  for (const TimelineIssueView& i : view_timeline_issues(results, row))
    issues.push_back({{"event", str(i.event_id)}, {"issue", str(i.issue)}});
  out["timeline_issues"] = std::move(issues);
  out["calendar"] = to_string(timeline_nation(results));
  return out.dump(2) + "\n";
}

// A place's network score on each propagating index and the part from its own evidence, as the
// viewer may attribute them (view_place_scores): with lines withheld, each index holds only the
// points of the lines shown, and the withheld points stand apart (restricted intelligence about
// a place would otherwise say, through its index, what it holds).
struct PlaceFigures {
  ScoresView scores;
  std::vector<double> own;  // per propagating index k
  double total = 0;         // the network score: the propagating indices' scores, in order
};

// The rank orders places by the host's scores, restricted evidence included: shown only to a
// reader who sees every restricted concern, since a place ranked above (or below) what its
// figures justify would say that restricted intelligence is held about it or another place.
bool shows_rank(const Results& results, const Viewer& viewer) {
  return detail::sees_every_restricted_concern(results.snapshot(), viewer);
}

PlaceFigures place_figures(const Results& results, std::size_t rank,
                           const std::vector<LineView>& lines) {
  const RuleSet& pack = results.rules();
  const auto& indices = pack.propagation().indices;
  const std::uint32_t node = results.place_node(rank);
  PlaceFigures out;
  out.scores = view_place_scores(results, rank, lines);
  out.own.resize(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (!out.scores.any_withheld()) {
      out.own[k] = results.node_own_score(node, k);
      continue;
    }
    double own = 0;
    for (const LineView& line : lines)
      if (!line.withheld() && !line.propagated() && line.index == indices[k]) own += line.value;
    out.own[k] = own;
  }
  // Summed as the results sum place_score(), so with nothing withheld it is that figure.
  for (std::size_t k = 0; k < indices.size(); ++k) out.total += out.scores.index_scores[indices[k]];
  return out;
}

std::string place_text(const Results& results, std::size_t rank, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const PlaceView place = view_place(results, rank);
  const std::vector<LineView> lines = view_place_contributions(results, rank, viewer);
  const PlaceFigures figures = place_figures(results, rank, lines);
  std::string out = (place.kind == VertexKind::group ? "Group " : "Place ") + str(place.id) + " (" +
                    str(place.label) + ") as of " + format_iso_date(results.as_of());
  if (shows_rank(results, viewer))
    out += ": rank " + std::to_string(rank + 1) + " of " + std::to_string(results.place_count());
  out += "\n  network score: " + fixed(figures.total, 2) + "\n";
  const auto& indices = pack.propagation().indices;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const double score = figures.scores.index_scores[indices[k]];
    out += "  " + pack.indices()[indices[k]].title + ": " + fixed(score, 2) + " (own evidence " +
           fixed(figures.own[k], 2) + ", through the network " + fixed(score - figures.own[k], 2) +
           ")\n";
  }
  if (figures.scores.any_withheld())
    out +=
        "  " + str(figures.scores.withheld_title) + ": " + fixed(figures.scores.withheld, 2) + "\n";
  std::string own, network;
  for (const LineView& line : lines) {
    if (line.withheld()) continue;  // folded into one line below
    (line.propagated() ? network : own) += text_line(line, "");
  }
  if (figures.scores.any_withheld()) {
    const double value = figures.scores.withheld;
    own += "    " + std::string(value >= 0 ? "+" : "") + fixed(value, 2) + "  " +
           str(figures.scores.withheld_title) + "\n           evidence: " + str(kRestrictedSource) +
           "\n";
  }
  if (!own.empty()) out += "  Own evidence\n" + own;
  if (!network.empty()) out += "  Through the network\n" + network;
  out += "  rule pack: " + pack.id() + " " + pack.version() + " sha256:" + pack.hash() + "\n";
  return out;
}

// A place's or an adult's lines in JSON: "withheld", every withheld point in one item naming no
// rule, index or path (null if none), then "contributions", the lines shown.
void add_lines_json(const std::vector<LineView>& lines, bool any_withheld,
                    std::string_view withheld_title, double withheld, ordered& out) {
  out["withheld"] = any_withheld ? ordered{{"title", str(withheld_title)},
                                           {"evidence", str(kRestrictedSource)},
                                           {"restricted", true},
                                           {"value", withheld}}
                                 : ordered();
  ordered json_lines = ordered::array();
  for (const LineView& line : lines)
    if (!line.withheld()) json_lines.push_back(json_line(line));
  out["contributions"] = std::move(json_lines);
}

std::string place_json(const Results& results, std::size_t rank, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const PlaceView place = view_place(results, rank);
  const std::vector<LineView> lines = view_place_contributions(results, rank, viewer);
  const PlaceFigures figures = place_figures(results, rank, lines);
  ordered out;
  out["id"] = str(place.id);
  out["kind"] = to_string(place.kind);
  out["label"] = str(place.label);
  out["as_of"] = format_iso_date(results.as_of());
  out["pack"] = {{"id", pack.id()}, {"version", pack.version()}, {"hash", pack.hash()}};
  out["rank"] = shows_rank(results, viewer) ? ordered(rank) : ordered();  // as in place_text
  out["score"] = figures.total;
  ordered indices = ordered::array();
  const auto& propagating = pack.propagation().indices;
  for (std::size_t k = 0; k < propagating.size(); ++k) {
    indices.push_back({{"id", pack.indices()[propagating[k]].id},
                       {"score", figures.scores.index_scores[propagating[k]]},
                       {"own", figures.own[k]}});
  }
  out["indices"] = std::move(indices);
  // As a child's: every withheld point in one item naming no rule, index or path; null if none.
  add_lines_json(lines, figures.scores.any_withheld(), figures.scores.withheld_title,
                 figures.scores.withheld, out);
  return out.dump(2) + "\n";
}

// An adult's figures as the viewer may attribute them: per adult index the points of the lines
// shown, and every withheld point in one figure named to no index.
struct AdultFigures {
  std::vector<double> shown;
  double withheld = 0;
  bool any_withheld = false;
};

AdultFigures adult_figures(const Results& results, const std::vector<LineView>& lines) {
  AdultFigures out;
  out.shown.assign(results.index_count(), 0.0);
  for (const LineView& line : lines) {
    if (line.withheld()) {
      out.any_withheld = true;
      out.withheld += line.value;
    } else {
      out.shown[line.index] += line.value;
    }
  }
  return out;
}

std::string adult_text(const Results& results, std::size_t row, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const std::vector<LineView> lines = view_adult_contributions(results, row, viewer);
  const AdultFigures figures = adult_figures(results, lines);
  std::string out = "Adult " + str(results.adult_id(row)) + " as of " +
                    format_iso_date(results.as_of()) + ": " +
                    pack.levels()[results.adult_level(row)].title + "\n";
  for (std::size_t i = 0; i < pack.indices().size(); ++i) {
    if (!pack.indices()[i].adult) continue;
    out += "  " + pack.indices()[i].title + ": " + fixed(figures.shown[i], 2) + "\n";
  }
  if (figures.any_withheld)
    out += "  " + pack.neutral_title() + ": " + fixed(figures.withheld, 2) + "\n";
  out += overrides_text(pack, view_adult_overrides(results, row, viewer));
  out += discretionary_text(results, view_adult_discretionary(results, row, viewer));
  for (int h = 0; h < 5; ++h) {
    std::string section;
    for (const LineView& line : lines) {
      if (!line.withheld() && static_cast<int>(line.heading) == h) section += text_line(line, "");
    }
    if (!section.empty()) out += "  " + std::string(kHeadingTitles[h]) + "\n" + section;
  }
  if (figures.any_withheld) {
    out += "    " + std::string(figures.withheld >= 0 ? "+" : "") + fixed(figures.withheld, 2) +
           "  " + pack.neutral_title() + "\n           evidence: " + str(kRestrictedSource) + "\n";
  }
  out += "  rule pack: " + pack.id() + " " + pack.version() + " sha256:" + pack.hash() + "\n";
  return out;
}

std::string adult_json(const Results& results, std::size_t row, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const std::vector<LineView> lines = view_adult_contributions(results, row, viewer);
  const AdultFigures figures = adult_figures(results, lines);
  ordered out;
  out["id"] = str(results.adult_id(row));
  out["kind"] = "adult";
  out["as_of"] = format_iso_date(results.as_of());
  out["pack"] = {{"id", pack.id()}, {"version", pack.version()}, {"hash", pack.hash()}};
  out["level"] = pack.levels()[results.adult_level(row)].id;
  ordered scores = ordered::object();
  for (std::size_t i = 0; i < pack.indices().size(); ++i) {
    if (pack.indices()[i].adult) scores[pack.indices()[i].id] = figures.shown[i];
  }
  out["scores"] = std::move(scores);
  out["policy_overrides"] = overrides_json(pack, view_adult_overrides(results, row, viewer));
  out["discretionary_override"] =
      discretionary_json(pack, view_adult_discretionary(results, row, viewer));
  add_lines_json(lines, figures.any_withheld, pack.neutral_title(), figures.withheld, out);
  return out.dump(2) + "\n";
}

}  // namespace

std::string explain_adult(const Results& results, std::size_t row, ExplainFormat format,
                          const Viewer& viewer) {
  if (row >= results.adult_count())
    throw Error(Status::out_of_range, "adult row " + std::to_string(row) + " is past the end");
  // An adult every line and override of whose result is withheld from the reader has none for them:
  // that there is one at all (a restricted checklist) is what the reader may not learn
  // (docs/rules.md, "Results for adults"), as `safeguard assess` leaves such an adult out.
  if (!adult_shown(results, row, viewer))
    throw Error(
        Status::not_found,
        "no adult result for '" + std::string(results.adult_id(row)) + "' that this reader may see",
        Location("", 0, 0, std::string(results.adult_id(row))));
  return format == ExplainFormat::json ? adult_json(results, row, viewer)
                                       : adult_text(results, row, viewer);
}

std::string explain_place(const Results& results, std::size_t rank, ExplainFormat format,
                          const Viewer& viewer) {
  if (rank >= results.place_count())
    throw Error(Status::out_of_range, "place rank " + std::to_string(rank) + " is past the end");
  return format == ExplainFormat::json ? place_json(results, rank, viewer)
                                       : place_text(results, rank, viewer);
}

std::string explain(const Results& results, std::size_t row, ExplainFormat format,
                    const Viewer& viewer) {
  if (row >= results.child_count())
    throw Error(Status::out_of_range, "child row " + std::to_string(row) + " is past the end");
  return format == ExplainFormat::json ? json_text(results, row, viewer)
                                       : text(results, row, viewer);
}

}  // namespace safeguard
