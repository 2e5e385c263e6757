// The view layer (explain.hpp): the only code that turns results and snapshot columns into what
// a reader sees of a contribution, a piece of evidence or a timeline step. Restriction is
// decided here once; the renderers get a withheld view and cannot show what it does not hold.
#include "safeguard/explain.hpp"

#include <algorithm>
#include <set>

#include "assess/prepare.hpp"
#include "expr_evidence.hpp"
#include "interpreter.hpp"
#include "safeguard/calendar.hpp"
#include "snapshot_columns.hpp"
#include "timeline_build.hpp"
#include "views_network.hpp"
#include "views_restriction.hpp"

namespace safeguard {
namespace {

using detail::is_concern;
using detail::sees_every_restricted_concern;
using detail::withheld_line;

// `with_people`: also list the persons a concern is about and involves (the ecomap draws them;
// the per-line views skip the allocation).
EvidenceView evidence_of(const Snapshot& snap, VertexIndex v, const Viewer& viewer,
                         bool with_people) {
  EvidenceView out;
  if (v == kNoVertex) return out;
  const VertexKind kind = snap.vertex_kind[v];
  out.kind = kind;
  if (kind != VertexKind::concern && kind != VertexKind::factor) {
    out.vertex = v;
    out.id = snap.id(v);
    return out;
  }
  const std::uint32_t slot = snap.vertex_slot[v];
  if (kind == VertexKind::concern) {
    out.restricted = snap.concern_restricted[slot] != 0;
    if (!can_see(viewer, snap, v)) {
      out.visibility = Visibility::withheld;
      return out;
    }
    out.vertex = v;
    out.id = snap.id(v);
    out.category = snap.symbol(snap.concern_category[slot]);
    out.severity = snap.concern_severity[slot];
    out.status = snap.concern_status[slot];
    out.date = snap.concern_date(slot);
    out.incident = snap.concern_incident[slot];
    out.recorded = snap.concern_recorded[slot];
    const std::uint32_t agency = snap.concern_source[slot];
    out.agency_id = snap.id(snap.agency_vertex[agency]);
    out.agency_type = snap.symbol(snap.agency_type[agency]);
    out.agency_name = snap.agency_name[agency];
    out.summary = snap.concern_summary[slot];
    if (with_people) {
      for (const std::uint32_t* p = snap.concern_about.begin(slot);
           p != snap.concern_about.end(slot); ++p)
        out.about.push_back(snap.person_vertex[*p]);
      for (const std::uint32_t* p = snap.concern_involves.begin(slot);
           p != snap.concern_involves.end(slot); ++p)
        out.involves.push_back(snap.person_vertex[*p]);
    }
    return out;
  }
  out.vertex = v;
  out.id = snap.id(v);
  out.category = snap.symbol(snap.factor_kind[slot]);
  out.severity = snap.factor_strength[slot];
  out.date = snap.factor_start[slot];
  out.end = snap.factor_end[slot];
  out.provided_by = snap.factor_provided_by[slot];
  out.summary = snap.factor_summary[slot];
  return out;
}

std::string_view index_id(const RuleSet& pack, std::uint32_t index) {
  return pack.indices()[index].id;
}

}  // namespace

namespace {

// Views of fired overrides, `restricted_basis(k)` saying whether the k-th fired only because of
// restricted evidence: then only a reader who sees every restricted concern reads its id and
// reason.
template <typename RestrictedBasis>
std::vector<OverrideView> view_fired(const Results& results, const std::uint32_t* begin,
                                     const std::uint32_t* end, const Viewer& viewer,
                                     RestrictedBasis restricted_basis) {
  std::vector<OverrideView> out;
  out.reserve(static_cast<std::size_t>(end - begin));
  int sees_all = -1;  // scanned once, and only when an override needs it
  for (const std::uint32_t* o = begin; o != end; ++o) {
    const PolicyOverride& rule = results.rules().overrides()[*o];
    OverrideView view;
    view.min_level = rule.min_level;
    view.immediate_safety = rule.immediate_safety;
    if (restricted_basis(static_cast<std::size_t>(o - begin))) {
      if (sees_all < 0)
        sees_all = sees_every_restricted_concern(results.snapshot(), viewer) ? 1 : 0;
      if (sees_all == 0) {
        view.visibility = Visibility::withheld;
        view.reason = kRestrictedOverride;
        out.push_back(view);
        continue;
      }
    }
    view.override_index = *o;
    view.id = rule.id;
    view.reason = rule.reason;
    out.push_back(view);
  }
  return out;
}

}  // namespace

std::vector<OverrideView> view_overrides(const Results& results, std::size_t row,
                                         const Viewer& viewer) {
  return view_fired(results, results.overrides_begin(row), results.overrides_end(row), viewer,
                    [&](std::size_t k) { return results.override_restricted_basis(row, k); });
}

std::vector<OverrideView> view_adult_overrides(const Results& results, std::size_t row,
                                               const Viewer& viewer) {
  return view_fired(results, results.adult_overrides_begin(row), results.adult_overrides_end(row),
                    viewer,
                    [&](std::size_t k) { return results.adult_override_restricted_basis(row, k); });
}

bool adult_shown(const Results& results, std::size_t row, const Viewer& viewer) {
  const std::vector<LineView> lines = view_adult_contributions(results, row, viewer);
  const std::vector<OverrideView> fired = view_adult_overrides(results, row, viewer);
  for (const LineView& line : lines) {
    if (!line.withheld()) return true;
  }
  for (const OverrideView& o : fired) {
    if (!o.withheld()) return true;
  }
  // A result that is only a worker's judgement (no line, no policy override) hides nothing;
  // one whose lines and overrides are all withheld stays unknown, judgement and all.
  return lines.empty() && fired.empty() &&
         results.adult_discretionary(row).outcome != DiscretionaryOutcome::none;
}

SafetyView view_safety(const Results& results, std::size_t row, const Viewer& viewer) {
  SafetyView out;
  out.decision = results.safety(row);
  const SafetySettings& safety = results.rules().safety();
  int sees_all = -1;  // scanned once, and only when a finding needs it
  for (const bool plans : {false, true}) {
    bool withheld = false;
    for (const SafetyFinding* f = results.safety_begin(row); f != results.safety_end(row); ++f) {
      if (f->plan != plans) continue;
      bool hidden = false;
      if (f->evidence != kNoVertex) {
        hidden = !can_see(viewer, results.snapshot(), f->evidence);
      } else if (f->restricted_basis) {
        if (sees_all < 0)
          sees_all = sees_every_restricted_concern(results.snapshot(), viewer) ? 1 : 0;
        hidden = sees_all == 0;
      }
      if (hidden) {
        withheld = true;
        continue;
      }
      const SafetyCondition& c = (plans ? safety.plans : safety.dangers)[f->item];
      SafetyLineView line;
      line.plan = plans;
      line.item = f->item;
      line.id = c.id;
      line.title = c.title;
      line.evidence = f->evidence;
      if (f->evidence != kNoVertex) line.evidence_id = results.vertex_id(f->evidence);
      out.lines.push_back(line);
    }
    if (withheld) {
      SafetyLineView line;
      line.visibility = Visibility::withheld;
      line.plan = plans;
      line.title = plans ? kRestrictedPlan : kRestrictedDanger;
      out.lines.push_back(line);
    }
  }
  return out;
}

namespace {

// Numbers the withheld lines by their evidence (see LineView::withheld_item); `from[i]` is the
// contribution lines[i] shows.
void number_withheld(const std::vector<const Contribution*>& from, std::vector<LineView>& lines) {
  std::vector<VertexIndex> items;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].withheld() || lines[i].propagated()) continue;
    const VertexIndex evidence = from[i]->evidence;
    auto found = std::find(items.begin(), items.end(), evidence);
    if (found == items.end()) found = items.insert(items.end(), evidence);
    lines[i].withheld_item = static_cast<std::uint32_t>(found - items.begin()) + 1;
  }
}

// Whether the viewer is cleared for what the agency at `agency` (a slot) holds: by its id, its
// type or everything. UINT32_MAX (no agency known): only a viewer cleared for everything.
bool cleared_for_agency(const Viewer& viewer, const Snapshot& snap, std::uint32_t agency) {
  if (agency == UINT32_MAX || snap.agency_vertex[agency] == kNoVertex)
    return detail::cleared_for(viewer, false, {}, {});
  return detail::cleared_for(viewer, true, snap.id(snap.agency_vertex[agency]),
                             snap.symbol(snap.agency_type[agency]));
}
}  // namespace

bool can_see(const Viewer& viewer, const Snapshot& snap, VertexIndex evidence) {
  if (viewer.cleared_all || !is_concern(snap, evidence)) return true;
  const std::uint32_t slot = snap.vertex_slot[evidence];
  if (!snap.concern_restricted[slot]) return true;
  return cleared_for_agency(viewer, snap, snap.concern_source[slot]);
}

std::vector<EntryView> view_entries(const Results& results, std::size_t row, const Viewer& viewer) {
  if (row >= results.child_count())
    throw Error(Status::out_of_range, "child row " + std::to_string(row) + " is past the end");
  const Snapshot& snap = results.snapshot();
  const std::uint32_t child = snap.vertex_slot[results.child_vertex(row)];
  std::vector<EntryView> out;
  for (const std::uint32_t* at = snap.person_entries.begin(child);
       at != snap.person_entries.end(child); ++at) {
    const Snapshot::EntryRecord& e = snap.entries[*at];
    if (e.date > results.as_of()) continue;  // not yet recorded
    if (e.restricted && !cleared_for_agency(viewer, snap, e.source)) continue;
    EntryView view;
    view.id = e.id;
    view.kind = e.kind;
    view.date = e.date;
    view.author = e.author;
    view.text = e.text;
    view.question = e.question;
    view.value = e.value;
    if (e.source != UINT32_MAX && snap.agency_vertex[e.source] != kNoVertex) {
      view.agency_id = snap.id(snap.agency_vertex[e.source]);
      view.agency_name = snap.agency_name[e.source];
    }
    out.push_back(view);
  }
  return out;
}

EvidenceView view_evidence(const Results& results, VertexIndex evidence, const Viewer& viewer) {
  return evidence_of(results.snapshot(), evidence, viewer, true);
}

namespace {

constexpr std::uint32_t kNoOwner = UINT32_MAX;

// Whose explanation a line is part of: a child's or a place's network node, and where its lines
// begin (to tell the first propagated line of an index from the others).
struct Owner {
  std::uint32_t node = kNoOwner;
  const Contribution* begin = nullptr;
  bool place = false;
};

// The owner of `c`, found by where it lies in the results (a child's lines, then a place's);
// node kNoOwner for a copy.
Owner owner_of(const Results& results, const Contribution& c) {
  const std::less<const Contribution*> before;
  const Contribution* p = &c;
  const Snapshot& snap = results.snapshot();
  if (!snap.vertex_node.empty()) {
    if (const long row = results.contribution_row(p); row >= 0) {
      const auto r = static_cast<std::size_t>(row);
      return {snap.vertex_node[results.child_vertex(r)], results.contributions_begin(r), false};
    }
  }
  if (const std::size_t n = results.place_count(); n > 0) {
    if (!before(p, results.place_contributions_begin(0)) &&
        before(p, results.place_contributions_end(n - 1))) {
      std::size_t low = 0, high = n;
      while (high - low > 1) {
        const std::size_t mid = low + (high - low) / 2;
        (before(p, results.place_contributions_begin(mid)) ? high : low) = mid;
      }
      return {results.place_node(low), results.place_contributions_begin(low), true};
    }
  }
  return {};
}

// view_line with the reader's network and the line's owner known (view_contributions knows
// both for every line of a row).
LineView line_of(const Results& results, const Contribution& c, const Viewer& viewer,
                 const detail::ViewerNetwork* net, const Owner& owner);

}  // namespace

LineView view_line(const Results& results, const Contribution& c, const Viewer& viewer) {
  const std::shared_ptr<const detail::ViewerNetwork> net =
      c.propagated() ? detail::viewer_network(results, viewer) : nullptr;
  // Whose line it is matters for a propagated line the reader's network changes, and for a
  // line on restricted evidence (a place's is hidden); found only then.
  const Snapshot& snap = results.snapshot();
  const bool restricted =
      is_concern(snap, c.evidence) && snap.concern_restricted[snap.vertex_slot[c.evidence]] != 0;
  const Owner owner = net || restricted ? owner_of(results, c) : Owner{};
  if (net && owner.node == kNoOwner) {
    // A copy of a line: which explanation it belongs to, and so what the reader may see of it,
    // cannot be told; it is hidden.
    LineView out;
    out.kind = c.kind;
    out.index = c.index;
    out.title = kRestrictedTitle;
    out.network_scoped = true;
    out.hidden = true;
    return out;
  }
  return line_of(results, c, viewer, net.get(), owner);
}

namespace {

LineView line_of(const Results& results, const Contribution& c, const Viewer& viewer,
                 const detail::ViewerNetwork* net, const Owner& owner) {
  const RuleSet& pack = results.rules();
  const Snapshot& snap = results.snapshot();
  LineView out;
  out.kind = c.kind;
  out.index = c.index;
  out.index_id = index_id(pack, c.index);
  out.index_title = pack.indices()[c.index].title;
  out.value = c.value;
  if (c.propagated()) {
    // Risk held by a neighbour: its network score, never any one piece of its evidence.
    out.rule_id = kPropagationRuleId;
    out.title = pack.propagation().title;
    out.heading = pack.propagation().heading;
    out.network_summary = c.via == kNoVertex;
    if (!out.network_summary) {
      out.via = c.via;
      out.via_id = snap.id(c.via);
      out.via_kind = snap.vertex_kind[c.via];
      out.relation = to_string(c.relation);
    }
    out.path = out.network_summary ? std::string_view("network") : out.relation;
  } else {
    const Rule& rule = pack.rules()[c.rule];
    out.heading = rule.heading;
    out.evidence = evidence_of(snap, c.evidence, viewer, false);
    if (withheld_line(snap, c, viewer,
                      [&] { return sees_every_restricted_concern(snap, viewer); })) {
      // Evidence the reader may not see, or a rule about the child that fired (with these
      // points) only because of such evidence: its title and id would say what it holds.
      out.visibility = Visibility::withheld;
      out.title = kRestrictedTitle;
      // A shown concern on a line withheld for what supersedes it (Contribution::superseded)
      // is not named either: the line says nothing of which evidence it stands for.
      if (!out.evidence.withheld() && out.evidence.kind == VertexKind::concern) {
        out.evidence = EvidenceView{};
        out.evidence.visibility = Visibility::withheld;
        out.evidence.kind = VertexKind::concern;
      }
      out.neutral_title = rule.neutral_title.empty() ? std::string_view(pack.neutral_title())
                                                     : std::string_view(rule.neutral_title);
      // A place has no level to explain: its restricted evidence is not shown even as a
      // withheld figure, which would say which place the intelligence is about, and how much.
      if (owner.place) {
        out.hidden = true;
        out.value = 0;
      }
      return out;
    }
    out.rule = c.rule;
    out.rule_id = rule.id;
    out.title = rule.title;
    out.path = to_string(c.path);
    if (c.via != kNoVertex) {
      out.via = c.via;
      out.via_id = snap.id(c.via);
      out.via_kind = snap.vertex_kind[c.via];
    }
  }
  out.raw = c.raw;
  out.decay = c.decay;
  out.reach = c.reach;
  out.cap_factor = c.cap_factor;
  out.superseded = c.superseded;
  if (c.propagated()) {
    const Contribution* before = &c - 1;
    const bool first = owner.begin == nullptr || &c == owner.begin || !before->propagated() ||
                       before->index != c.index;
    detail::scope_propagated_line(results, net, owner.node, c, first, out);
  }
  return out;
}

// The lines of [begin, end) the reader sees (hidden ones left out), withheld ones numbered,
// into `out` (`from`: the contribution of each, scratch).
void lines_into(const Results& results, const Contribution* begin, const Contribution* end,
                const Viewer& viewer, const detail::ViewerNetwork* net, const Owner& owner,
                std::vector<LineView>& out, std::vector<const Contribution*>& from) {
  out.clear();
  from.clear();
  out.reserve(static_cast<std::size_t>(end - begin));
  from.reserve(out.capacity());
  for (const Contribution* c = begin; c != end; ++c) {
    LineView line = line_of(results, *c, viewer, net, owner);
    if (line.hidden) continue;
    out.push_back(std::move(line));
    from.push_back(c);
  }
  number_withheld(from, out);
}

std::vector<LineView> lines_of(const Results& results, const Contribution* begin,
                               const Contribution* end, const Viewer& viewer,
                               const detail::ViewerNetwork* net, const Owner& owner) {
  std::vector<LineView> out;
  std::vector<const Contribution*> from;
  lines_into(results, begin, end, viewer, net, owner, out, from);
  return out;
}

// A child's owner: its first line and its network node.
Owner child_owner(const Results& results, std::size_t row) {
  if (row >= results.child_count())
    throw Error(Status::out_of_range, "child row " + std::to_string(row) + " is past the end");
  Owner owner;
  owner.begin = results.contributions_begin(row);
  if (!results.snapshot().vertex_node.empty())
    owner.node = results.snapshot().vertex_node[results.child_vertex(row)];
  return owner;
}

}  // namespace

std::vector<LineView> view_contributions(const Results& results, std::size_t row,
                                         const Viewer& viewer) {
  const Owner owner = child_owner(results, row);
  const std::shared_ptr<const detail::ViewerNetwork> net = detail::viewer_network(results, viewer);
  return lines_of(results, owner.begin, results.contributions_end(row), viewer, net.get(), owner);
}

void detail::view_contributions_into(const Results& results, std::size_t row, const Viewer& viewer,
                                     const ViewerNetwork* net, std::vector<LineView>& out,
                                     std::vector<const Contribution*>& scratch) {
  const Owner owner = child_owner(results, row);
  lines_into(results, owner.begin, results.contributions_end(row), viewer, net, owner, out,
             scratch);
}

std::vector<LineView> view_place_contributions(const Results& results, std::size_t rank,
                                               const Viewer& viewer) {
  if (rank >= results.place_count())
    throw Error(Status::out_of_range, "place rank " + std::to_string(rank) + " is past the end");
  const std::shared_ptr<const detail::ViewerNetwork> net = detail::viewer_network(results, viewer);
  const Owner owner{results.place_node(rank), results.place_contributions_begin(rank), true};
  return lines_of(results, owner.begin, results.place_contributions_end(rank), viewer, net.get(),
                  owner);
}

std::vector<LineView> view_adult_contributions(const Results& results, std::size_t row,
                                               const Viewer& viewer) {
  if (row >= results.adult_count())
    throw Error(Status::out_of_range, "adult row " + std::to_string(row) + " is past the end");
  const Owner owner{kNoOwner, results.adult_contributions_begin(row), false};
  return lines_of(results, owner.begin, results.adult_contributions_end(row), viewer, nullptr,
                  owner);
}

namespace {

// What the fold of a child's or a place's lines gives besides out.withheld: per index the
// points of the lines shown (propagated ones too when they count in the index), per index the
// propagated points shown, and whether the network is the reader's (views_network.hpp).
struct Fold {
  std::vector<double> shown;
  std::vector<double> network;
  bool network_scoped = false;
};

void add_withheld(const RuleSet& pack, std::string_view title, double value, ScoresView& out) {
  ++out.withheld_lines;
  out.withheld += value;
  out.withheld_title = out.withheld_lines == 1 || out.withheld_title == title
                           ? title
                           : std::string_view(pack.neutral_title());
}

// The fold a child's and a place's scores share: every withheld line's points into
// out.withheld under one neutral title, and the lines shown summed per index in order.
// `propagated_in_index`: propagated lines count in their index (false: contextual risk apart).
Fold fold_lines(const RuleSet& pack, const std::vector<LineView>& lines, bool propagated_in_index,
                ScoresView& out) {
  const std::size_t count = out.index_scores.size();
  Fold fold;
  fold.shown.assign(count, 0.0);
  fold.network.assign(count, 0.0);
  for (const LineView& line : lines) {
    if (line.propagated()) {
      // A hidden propagated line holds no points: its host's points are in the remainder.
      fold.network_scoped = fold.network_scoped || line.network_scoped;
      if (line.withheld() || line.hidden || line.index >= count) continue;
      fold.network[line.index] += line.value;
      if (propagated_in_index) fold.shown[line.index] += line.value;
    } else if (line.hidden) {
      continue;
    } else if (line.withheld()) {
      add_withheld(pack, line.neutral_title, line.value, out);
    } else if (line.index < count) {
      fold.shown[line.index] += line.value;
    }
  }
  return fold;
}

double sum(const std::vector<double>& values) {
  double total = 0;
  for (const double value : values) total += value;
  return total;
}

// The host's propagated points less the reader's: what the network holds from evidence withheld
// from the reader. Rounding apart (the reader's figures come from a solve of their own), it is
// never negative; differences at the last bits read as none.
double network_remainder(double host, double shown) {
  const double remainder = host - shown;
  return std::fabs(remainder) <= 1e-12 * std::max(1.0, std::fabs(host)) ? 0.0 : remainder;
}

}  // namespace

ScoresView view_scores(const Results& results, std::size_t row,
                       const std::vector<LineView>& lines) {
  if (row >= results.child_count())
    throw Error(Status::out_of_range, "child row " + std::to_string(row) + " is past the end");
  const RuleSet& pack = results.rules();
  ScoresView out;
  const std::size_t count = results.index_count();
  out.index_scores.resize(count);
  for (std::size_t i = 0; i < count; ++i) out.index_scores[i] = results.score(row, i);
  const bool included = results.contextual_included();
  // Under "apart" a propagated line adds to the contextual score, not to the index's.
  Fold fold = fold_lines(pack, lines, included, out);
  bool resummed = out.any_withheld();
  out.context_level = results.context_level(row);
  out.contextual_included = included;
  if (results.propagation().ran) {
    if (!fold.network_scoped) {
      out.contextual_scores.resize(count);
      for (std::size_t i = 0; i < count; ++i)
        out.contextual_scores[i] = results.contextual_score(row, i);
      out.contextual_total = results.contextual_total(row);
    } else {
      out.contextual_total = sum(fold.network);
      out.contextual_scores = std::move(fold.network);
      out.contextual_withheld =
          network_remainder(results.contextual_total(row), out.contextual_total);
      if (included) {
        resummed = true;
        if (out.contextual_withheld != 0)
          add_withheld(pack, pack.neutral_title(), out.contextual_withheld, out);
      }
    }
  }
  if (resummed) out.index_scores = std::move(fold.shown);
  out.index_levels.resize(count);
  for (std::size_t i = 0; i < count; ++i)
    out.index_levels[i] = resummed
                              ? pack.level_for(static_cast<std::uint32_t>(i), out.index_scores[i])
                              : results.index_level(row, i);
  const int score_level = results.score_level(row);
  if (score_level > 0) {
    for (std::size_t i = 0; i < count; ++i) {
      if (out.index_levels[i] == score_level &&
          (out.setter < 0 || out.index_scores[i] > out.index_scores[out.setter]))
        out.setter = static_cast<std::int32_t>(i);
    }
  }
  return out;
}

ScoresView view_place_scores(const Results& results, std::size_t rank,
                             const std::vector<LineView>& lines) {
  if (rank >= results.place_count())
    throw Error(Status::out_of_range, "place rank " + std::to_string(rank) + " is past the end");
  const RuleSet& pack = results.rules();
  ScoresView out;
  const std::size_t count = results.index_count();
  out.index_scores.resize(count);
  for (std::size_t i = 0; i < count; ++i) out.index_scores[i] = results.place_index_score(rank, i);
  Fold fold = fold_lines(pack, lines, true, out);
  // A place has no level: what the reader may not attribute is not shown at all (its own
  // restricted lines are hidden), so its scores are the lines shown and nothing is withheld.
  if (fold.network_scoped || lines.size() != results.place_contribution_count(rank) ||
      out.any_withheld())
    out.index_scores = std::move(fold.shown);
  return out;
}

ScoreReader::ScoreReader(const Results& results, const Viewer& viewer)
    : results_(results), viewer_(viewer), network_(detail::viewer_network(results, viewer)) {}

ScoreReader::~ScoreReader() = default;

bool ScoreReader::network_altered(std::size_t row) const {
  return network_ && network_->altered[results_.snapshot().vertex_node[results_.child_vertex(row)]];
}

bool ScoreReader::sees_all_restricted() const {
  int known = sees_all_restricted_.load(std::memory_order_relaxed);
  if (known < 0) {  // two threads may both work it out; they agree
    known = sees_every_restricted_concern(results_.snapshot(), viewer_) ? 1 : 0;
    sees_all_restricted_.store(known, std::memory_order_relaxed);
  }
  return known == 1;
}

bool ScoreReader::withheld(const Contribution& c) const {
  return withheld_line(results_.snapshot(), c, viewer_, [this] { return sees_all_restricted(); });
}

bool ScoreReader::withholds(std::size_t row) const {
  if (row >= results_.child_count())
    throw Error(Status::out_of_range, "child row " + std::to_string(row) + " is past the end");
  if (viewer_.cleared_all) return false;
  // Most children have no line a reader could be denied, and a lazy result need not write
  // their lines to say so.
  if (!results_.lines_restricted(row)) return network_altered(row);
  for (const Contribution* c = results_.contributions_begin(row);
       c != results_.contributions_end(row); ++c)
    if (withheld(*c)) return true;
  return network_altered(row);
}

ScoresView ScoreReader::scores(std::size_t row) const {
  if (!withholds(row)) return view_scores(results_, row, {});
  // Propagated lines the reader sees as their network gives them (rare: a child near evidence
  // withheld from the reader): the lines themselves, as view_scores folds them.
  if (network_altered(row))
    return view_scores(results_, row, view_contributions(results_, row, viewer_));
  // The same sums, in the same order, as view_scores over view_contributions: lines in
  // contribution order, each withheld one folded, the rest added to their index.
  const RuleSet& pack = results_.rules();
  std::vector<LineView> lines;
  lines.reserve(results_.contribution_count(row));
  for (const Contribution* c = results_.contributions_begin(row);
       c != results_.contributions_end(row); ++c) {
    LineView line;
    line.kind = c->kind;  // under contextual "apart" a propagated line is in no index score
    line.index = c->index;
    line.value = c->value;
    if (withheld(*c)) {
      const Rule& rule = pack.rules()[c->rule];
      line.visibility = Visibility::withheld;
      line.neutral_title = rule.neutral_title.empty() ? std::string_view(pack.neutral_title())
                                                      : std::string_view(rule.neutral_title);
    }
    lines.push_back(line);
  }
  return view_scores(results_, row, lines);
}

PlaceView view_place(const Results& results, std::size_t rank) {
  if (rank >= results.place_count())
    throw Error(Status::out_of_range, "place rank " + std::to_string(rank) + " is past the end");
  const Snapshot& snap = results.snapshot();
  PlaceView out;
  const VertexIndex v = results.place_vertex(rank);
  out.id = snap.id(v);
  out.kind = snap.vertex_kind[v];
  const Symbol label = snap.node_label[results.place_node(rank)];
  if (label != 0) out.label = snap.symbol(label);
  return out;
}

std::string step_status_text(const Step& step, bool counts_working_days) {
  const int count = counts_working_days ? step.working_days : step.calendar_days;
  const std::string days =
      std::to_string(count) + (counts_working_days ? (count == 1 ? " working day" : " working days")
                                                   : (count == 1 ? " day" : " days"));
  switch (step.status) {
    case StepStatus::on_time:
      return "done on time";
    case StepStatus::late:
      return "done late by " + days;
    case StepStatus::due:
      if (step.due == kNoDay) return "due (no date can be worked out)";
      return count == 0 ? "due today" : "due in " + days;
    case StepStatus::overdue:
      return "OVERDUE by " + days;
    case StepStatus::not_required:
      if (step.missed)
        return "not required: " + std::string(step.reason) + " (it was OVERDUE by " + days +
               " by then)";
      return "not required: " + std::string(step.reason);
    case StepStatus::not_recorded:
      return std::string(step.reason);
  }
  return "";
}

std::vector<StepView> view_steps(const Results& results, std::size_t row) {
  const Snapshot& snap = results.snapshot();
  const Process& process = results.process();
  std::vector<StepView> out;
  for (const Step* s = results.steps_begin(row); s != results.steps_end(row); ++s) {
    const ProcessStep& def = step_definition(process, *s);
    StepView step;
    step.step = def.id;
    step.title = def.title;
    step.source = def.source;
    step.status = s->status;
    step.working_days = s->working_days;
    step.calendar_days = s->calendar_days;
    step.counts_working_days = counts_working_days(def);
    step.start = s->start;
    step.due = s->due;
    step.trigger_id = snap.event_ids[s->trigger];
    step.reason = s->reason;
    if (s->done != kNoEvent) {
      step.completed = s->completed;
      step.done_id = snap.event_ids[s->done];
    }
    step.status_text = step_status_text(*s, step.counts_working_days);
    step.nation = s->process ? s->process->nation() : process.nation();
    step.other_nation = s->process != nullptr && s->process->nation() != process.nation();
    out.push_back(std::move(step));
  }
  return out;
}

std::string step_title_with_nation(const StepView& step) {
  std::string title(step.title);
  if (step.other_nation) title += ", in " + std::string(nation_title(step.nation));
  return title;
}

std::vector<TimelineIssueView> view_timeline_issues(const Results& results, std::size_t row) {
  const Snapshot& snap = results.snapshot();
  std::vector<TimelineIssueView> out;
  for (const TimelineIssue* i = results.timeline_issues_begin(row);
       i != results.timeline_issues_end(row); ++i)
    out.push_back({snap.event_ids[i->event], i->text, snap.event_note[i->event]});
  return out;
}

Nation timeline_nation(const Results& results) { return results.snapshot().calendar->nation(); }

std::string_view timeline_process_title(const Results& results) {
  return results.process().title();
}

namespace {

std::optional<DiscretionaryView> view_judgement(const Results& results,
                                                const DiscretionaryResult& d) {
  if (d.outcome == DiscretionaryOutcome::none) return std::nullopt;
  const Snapshot& snap = results.snapshot();
  const std::uint32_t o = d.override_number;
  DiscretionaryView out;
  out.id = snap.override_ids[o];
  out.author = snap.override_author[o];
  out.reason = snap.override_reason[o];
  out.direction = snap.override_direction[o];
  out.date = snap.override_date[o];
  // An approval dated after the as-of date had not been given then (as a concern recorded
  // later does not exist for the assessment).
  if (snap.override_approved[o] != kNoDay && snap.override_approved[o] <= results.as_of()) {
    out.approved_by = snap.override_approved_by[o];
    out.approved = snap.override_approved[o];
  }
  const ApprovalPolicy approval = results.rules().approval();
  const bool raise = out.direction == OverrideDirection::raise;
  out.needs_approval = approval == ApprovalPolicy::raise_and_lower ||
                       approval == (raise ? ApprovalPolicy::raise : ApprovalPolicy::lower);
  out.outcome = d.outcome;
  out.level_before = d.level_before;
  return out;
}

}  // namespace

std::optional<DiscretionaryView> view_discretionary(const Results& results, std::size_t row) {
  return view_judgement(results, results.discretionary(row));
}

std::optional<DiscretionaryView> view_adult_discretionary(const Results& results, std::size_t row,
                                                          const Viewer& viewer) {
  if (!adult_shown(results, row, viewer)) return std::nullopt;
  return view_judgement(results, results.adult_discretionary(row));
}

}  // namespace safeguard

namespace safeguard {

NodeView view_node(const Results& results, VertexIndex vertex) {
  const Snapshot& snap = results.snapshot();
  if (vertex == kNoVertex || vertex >= snap.vertex_kind.size()) {
    throw Error(Status::invalid_argument, "no such vertex in the results");
  }
  NodeView out;
  out.vertex = vertex;
  out.kind = snap.vertex_kind[vertex];
  if (out.kind != VertexKind::person && out.kind != VertexKind::place &&
      out.kind != VertexKind::group) {
    throw Error(Status::invalid_argument, "vertex is not a person, place or group");
  }
  out.id = snap.id(vertex);
  if (out.kind == VertexKind::person) out.person_kind = snap.person_kind[snap.vertex_slot[vertex]];
  // A partial snapshot has no network; its nodes then have no name or label.
  if (vertex < snap.vertex_node.size() && snap.vertex_node[vertex] != kNoNode) {
    const std::uint32_t node = snap.vertex_node[vertex];
    if (snap.node_label[node] != 0) out.label = snap.symbol(snap.node_label[node]);
    out.name = snap.node_name[node];
  }
  return out;
}

CircleView view_circle(const Results& results, std::size_t row, const Viewer& viewer) {
  if (row >= results.child_count())
    throw Error(Status::out_of_range, "child row " + std::to_string(row) + " is past the end");
  const Snapshot& snap = results.snapshot();
  const Day as_of = results.as_of();
  CircleView out;
  out.child = results.child_vertex(row);
  out.child_id = snap.id(out.child);
  const std::uint32_t child = snap.vertex_slot[out.child];
  const std::uint32_t household = snap.person_household[child];
  out.child_in_household = household != UINT32_MAX;

  std::vector<std::uint32_t> members;  // person slots
  for (const CircleMember* m = snap.person_circle.begin(child); m != snap.person_circle.end(child);
       ++m) {
    if (m->person == child) continue;
    CircleMemberView member;
    member.vertex = snap.person_vertex[m->person];
    member.id = snap.id(member.vertex);
    member.kind = snap.person_kind[m->person];
    member.roles = m->roles;
    member.shares_household =
        household != UINT32_MAX && snap.person_household[m->person] == household;
    out.members.push_back(member);
    members.push_back(m->person);
  }

  std::vector<std::uint32_t> concerns;
  for_each_circle_concern(snap, child, [&](std::uint32_t c, RoleMask) { concerns.push_back(c); });
  std::sort(concerns.begin(), concerns.end());
  for (const std::uint32_t c : concerns) {
    if (!snap.concern_live[c] || snap.concern_recorded[c] > as_of ||
        snap.concern_status[c] == ConcernStatus::retracted)
      continue;
    EvidenceView concern = evidence_of(snap, snap.concern_vertex[c], viewer, true);
    if (!concern.withheld()) out.concerns.push_back(std::move(concern));
  }

  // Factors protecting the child, and those its contributions count.
  std::vector<std::uint32_t> factors(snap.person_factors.begin(child),
                                     snap.person_factors.end(child));
  for (const Contribution* c = results.contributions_begin(row);
       c != results.contributions_end(row); ++c) {
    if (c->evidence != kNoVertex && snap.vertex_kind[c->evidence] == VertexKind::factor)
      factors.push_back(snap.vertex_slot[c->evidence]);
  }
  std::sort(factors.begin(), factors.end());
  factors.erase(std::unique(factors.begin(), factors.end()), factors.end());
  for (const std::uint32_t f : factors) {
    if (!snap.factor_live[f]) continue;
    if (snap.factor_start[f] != kNoDay && snap.factor_start[f] > as_of) continue;
    FactorCircleView factor;
    factor.evidence = evidence_of(snap, snap.factor_vertex[f], viewer, false);
    for (const std::uint32_t* p = snap.factor_protects.begin(f); p != snap.factor_protects.end(f);
         ++p)
      factor.protects.push_back(snap.person_vertex[*p]);
    factor.provider_id = snap.factor_provided_by[f];
    const VertexIndex provider = snap.factor_provider[f];
    if (provider != kNoVertex) {
      factor.provider = provider;
      factor.provider_kind = snap.vertex_kind[provider];
      if (factor.provider_kind == VertexKind::agency) {
        const std::uint32_t agency = snap.vertex_slot[provider];
        factor.provider_name = snap.agency_name[agency];
        factor.provider_type = snap.symbol(snap.agency_type[agency]);
      }
    }
    out.factors.push_back(std::move(factor));
  }

  // The network: the child's places and groups, and partners among the members.
  if (out.child < snap.vertex_node.size() && snap.vertex_node[out.child] != kNoNode) {
    const std::uint32_t node = snap.vertex_node[out.child];
    for (const NetworkLink* l = snap.node_links.begin(node); l != snap.node_links.end(node); ++l) {
      if (l->kind != RelationKind::frequents && l->kind != RelationKind::member_of) continue;
      out.links.push_back(LinkView{view_node(results, snap.node_vertex[l->node]), l->kind});
    }
    for (const std::uint32_t person : members) {
      const VertexIndex from = snap.person_vertex[person];
      const std::uint32_t from_node = snap.vertex_node[from];
      for (const NetworkLink* l = snap.node_links.begin(from_node);
           l != snap.node_links.end(from_node); ++l) {
        if (l->kind != RelationKind::partner_of) continue;
        const VertexIndex to = snap.node_vertex[l->node];
        if (to <= from || snap.vertex_kind[to] != VertexKind::person) continue;
        if (!std::binary_search(members.begin(), members.end(), snap.vertex_slot[to])) continue;
        out.partnerships.emplace_back(from, to);
      }
    }
  }
  return out;
}

namespace {

std::uint32_t person_slot(const Snapshot& snap, VertexIndex person) {
  if (person >= snap.vertex_kind.size() || snap.vertex_kind[person] != VertexKind::person)
    throw Error(Status::invalid_argument, "vertex " + std::to_string(person) + " is not a person");
  return snap.vertex_slot[person];
}

// The vertex of the household in `slot`, or kNoVertex: one pass over the vertices.
VertexIndex household_vertex(const Snapshot& snap, std::uint32_t slot) {
  if (slot == UINT32_MAX) return kNoVertex;
  for (VertexIndex v = 0; v < snap.vertex_kind.size(); ++v) {
    if (snap.vertex_kind[v] == VertexKind::household && snap.vertex_slot[v] == slot) return v;
  }
  return kNoVertex;
}

// The concerns and factors (vertices, ascending) the aggregates of `rule` counted for the child
// at `row`, restricted or not. Evaluates as the scorer does: the pack's view of the snapshot's
// symbols, the child's age and timeline, then the aggregates' own admission
// (expr::for_each_counted_element).
std::vector<VertexIndex> counted_vertices(const Results& results, std::size_t row,
                                          std::uint32_t rule) {
  const RuleSet& pack = results.rules();
  if (rule >= pack.rules().size()) return {};
  const Rule& r = pack.rules()[rule];
  if (r.when.compiled().aggregates.empty() && r.points.compiled().aggregates.empty()) return {};
  const Snapshot& snap = results.snapshot();
  const std::vector<std::uint32_t> symbol_map = detail::map_symbols(pack, snap);
  const std::uint32_t child = snap.vertex_slot[results.child_vertex(row)];
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

}  // namespace

PersonView view_person(const Results& results, VertexIndex person) {
  const Snapshot& snap = results.snapshot();
  const std::uint32_t slot = person_slot(snap, person);
  PersonView out;
  out.vertex = person;
  out.id = snap.id(person);
  out.kind = snap.person_kind[slot];
  const Day dob = snap.person_dob[slot];
  if (dob != kNoDay && dob <= results.as_of()) out.age_years = age_in_years(dob, results.as_of());
  out.household = household_vertex(snap, snap.person_household[slot]);
  out.name = snap.person_name[slot];
  return out;
}

AgencyView view_agency(const Results& results, VertexIndex agency) {
  const Snapshot& snap = results.snapshot();
  if (agency >= snap.vertex_kind.size() || snap.vertex_kind[agency] != VertexKind::agency)
    throw Error(Status::invalid_argument, "vertex " + std::to_string(agency) + " is not an agency");
  const std::uint32_t slot = snap.vertex_slot[agency];
  AgencyView out;
  out.vertex = agency;
  out.id = snap.id(agency);
  out.name = snap.agency_name[slot];
  out.type = snap.symbol(snap.agency_type[slot]);
  return out;
}

HouseholdView view_household(const Results& results, VertexIndex household) {
  const Snapshot& snap = results.snapshot();
  if (household >= snap.vertex_kind.size() || snap.vertex_kind[household] != VertexKind::household)
    throw Error(Status::invalid_argument,
                "vertex " + std::to_string(household) + " is not a household");
  HouseholdView out;
  out.vertex = household;
  out.id = snap.id(household);
  const std::uint32_t slot = snap.vertex_slot[household];
  for (std::size_t p = 0; p < snap.person_vertex.size(); ++p) {
    const VertexIndex v = snap.person_vertex[p];
    if (v != kNoVertex && snap.vertex_kind[v] == VertexKind::person &&
        snap.person_household[p] == slot)
      out.members.push_back(v);
  }
  std::sort(out.members.begin(), out.members.end());
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    if (snap.person_household[snap.vertex_slot[results.child_vertex(row)]] == slot)
      out.child_rows.push_back(row);
  }
  return out;
}

HouseholdView view_household(const Results& results, std::string_view id) {
  const Snapshot& snap = results.snapshot();
  for (VertexIndex v = 0; v < snap.vertex_kind.size(); ++v) {
    if (snap.vertex_kind[v] == VertexKind::household && snap.id(v) == id)
      return view_household(results, v);
  }
  throw Error(Status::not_found, "no household has the id " + detail::quote_for_error(id),
              Location({}, 0, 0, std::string(id)));
}

std::vector<EvidenceView> view_counted_evidence(const Results& results, std::size_t row,
                                                std::uint32_t rule, const Viewer& viewer) {
  if (row >= results.child_count())
    throw Error(Status::out_of_range, "child row " + std::to_string(row) + " is past the end");
  std::vector<EvidenceView> out;
  for (const VertexIndex v : counted_vertices(results, row, rule)) {
    EvidenceView piece = view_evidence(results, v, viewer);
    if (!piece.withheld()) out.push_back(std::move(piece));
  }
  return out;
}

}  // namespace safeguard
