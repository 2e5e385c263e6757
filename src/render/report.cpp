// The conference report for a sibling group; see render.hpp. Written by hand rather than
// through a template engine: the page is one fixed layout, and building it in code keeps every
// value passing through html_escape on its way in. The family version is family.cpp.
#include <algorithm>
#include <sstream>

#include "render/case_facts.hpp"
#include "render/page.hpp"
#include "render/render_common.hpp"
#include "render/text.hpp"
#include "safeguard/joining.hpp"
#include "safeguard/render.hpp"
#include "safeguard/timeline.hpp"
#include "safeguard/version.h"

namespace safeguard {
namespace {

using render_detail::fixed;
using render_detail::words;

std::string e(std::string_view text) { return render_detail::html_escape(text); }

constexpr const char* kHeadingTitles[] = {"Harm", "Danger", "Complicating factors",
                                          "Existing safety", "Strengths"};
constexpr const char* kHeadingQuestions[] = {
    "What has already happened to the child?",
    "What are we worried may happen if nothing changes?",
    "What makes the situation harder to understand or change?",
    "What is already keeping the child safe?",
    "What is working well around the child?",
};

std::string signed_points(double value) {
  const std::string text = fixed(value, 2);
  return (value > 0 && text != "0.00" ? "+" : "") + text;
}

class Report {
 public:
  Report(const Results& results, const std::vector<std::size_t>& rows, const RenderOptions& options)
      : results_(results), pack_(results.rules()), rows_(rows), options_(options) {}

  std::string render() {
    std::string ids;
    for (const std::size_t row : rows_)
      ids += (ids.empty() ? "" : ", ") + std::string(results_.child_id(row));
    out_ << render_detail::page_head("Conference report: " + ids, Audience::professional);
    out_ << "<header>\n<h1>Conference report</h1>\n<p class=\"subtitle\">"
         << (rows_.size() == 1 ? "Child " : "Children ") << e(ids) << ", assessed as of <strong>"
         << e(render_detail::as_of_text(results_, options_)) << "</strong></p>\n"
         << "<p class=\"notice\">Viewer: " << e(describe_viewer(options_.viewer))
         << ". Restricted evidence always counts in the score; its details appear only to "
            "viewers cleared for its source.</p>\n</header>\n<main>\n";
    family();
    for (std::size_t i = 0; i < rows_.size(); ++i) child(i);
    appendix();
    provenance();
    out_ << "</main>\n<footer>Produced by safeguard " << SG_VERSION_STRING
         << ". The level is an aid to professional judgement, not a decision: every point "
            "names the rule and the evidence behind it.</footer>\n</body>\n</html>\n";
    return out_.str();
  }

 private:
  std::string points_cell(double value) const {
    const std::string text = signed_points(value);
    const char* css = text == "0.00" ? "zero" : (value > 0 ? "plus" : "minus");
    return "<td class=\"points " + std::string(css) + "\">" + text + "</td>";
  }

  // The people of the children's households and circles, once each.
  void family() {
    out_ << "<section class=\"family\" id=\"family\" aria-labelledby=\"family-title\">\n"
            "<h2 id=\"family-title\">Family composition</h2>\n";
    out_ << render_detail::composition_table(results_, rows_, options_.viewer);
    // Graphviz's SVG opens with an XML declaration and a DOCTYPE: the page takes the <svg>.
    const std::size_t start = options_.family_svg.find("<svg");
    if (start != std::string::npos) {
      out_ << "<div class=\"family-diagram\" role=\"img\" aria-label=\"The family's "
              "composition: who lives together and how they are related\">\n"
           << options_.family_svg.substr(start) << "</div>\n";
    }
    out_ << "</section>\n";
  }

  void child(std::size_t i) {
    const std::size_t row = rows_[i];
    const std::string id(results_.child_id(row));
    const PersonView person = view_person(results_, results_.child_vertex(row));
    const std::string name = render_detail::display_name(person);
    out_ << "<section class=\"child\" id=\"child-" << e(id) << "\" aria-labelledby=\"title-"
         << e(id) << "\">\n<h2 id=\"title-" << e(id) << "\">";
    if (name.empty()) {
      out_ << "<span class=\"child-id\">" << e(id) << "</span>"
           << render_detail::aged(person.age_years);
    } else {
      out_ << e(name) << " <span class=\"child-id summary\">" << e(id) << "</span>";
    }
    out_ << "</h2>\n";
    level(row);
    const std::vector<EntryView> entries = view_entries(results_, row, options_.viewer);
    signs_of_safety(row, entries);
    scaling(row, entries);
    voices(row, entries);
    scores(row);
    overrides(row);
    evidence(row);
    joining(row);
    not_assessable(row);
    timeline(row);
    ecomap(i);
    out_ << "</section>\n";
  }

  // The level, the index that set it and why: a child's level is the highest any one index
  // reaches (then policy overrides and judgement), so no total is shown beside it.
  void level(std::size_t row) {
    const int level = results_.level(row);
    const int score_level = results_.score_level(row);
    const std::string colour = render_detail::level_colour(level, pack_.levels().size());
    out_ << "<div class=\"level\" id=\"level\" style=\"background:" << colour
         << ";color:" << (render_detail::is_dark(colour) ? "#ffffff" : "#1d1d1f")
         << "\">\n<div><div class=\"detail\">Level of need</div><div class=\"name\" "
            "id=\"level-name\">"
         << e(pack_.levels()[level].title) << "</div></div>\n<div class=\"detail\">"
         << e(render_detail::level_reason(results_, row, options_.viewer));
    const DiscretionaryResult& judgement = results_.discretionary(row);
    const int policy_level =
        judgement.outcome == DiscretionaryOutcome::none ? level : judgement.level_before;
    if (level != score_level) {
      out_ << "<br>Scores alone reach <strong>" << e(pack_.levels()[score_level].title)
           << "</strong>";
      if (policy_level != score_level) {
        out_ << "; a policy override raises it to <strong>" << e(pack_.levels()[policy_level].title)
             << "</strong>";
      }
      if (judgement.outcome == DiscretionaryOutcome::applied) {
        out_ << "; professional judgement " << (level > policy_level ? "raises" : "lowers")
             << " it to <strong>" << e(pack_.levels()[level].title) << "</strong>";
      }
      out_ << ".";
    }
    out_ << "</div>\n</div>\n";
    if (results_.immediate_safety(row)) {
      out_ << "<div class=\"alert\" id=\"immediate-safety\">Immediate safety: a policy override "
              "flags a threat to the child now. This is separate from the future-risk level."
              "</div>\n";
    }
    safety(row);
  }

  // The present-danger decision beside the level (docs/rules.md, "Safety"), as view_safety lets
  // the reader see it; for packs with a [safety] section.
  void safety(std::size_t row) {
    if (!pack_.safety().defined) return;
    const SafetyView view = view_safety(results_, row, options_.viewer);
    out_ << "<h3 id=\"safety\">Safety</h3>\n<p class=\"safety-decision\">Safety decision: "
            "<strong>"
         << e(safety_summary(view.decision))
         << "</strong>. It is about danger now, and is kept apart from the level of need, which "
            "estimates future risk.</p>\n";
    if (view.lines.empty()) return;
    out_ << "<ul class=\"safety\">\n";
    for (const SafetyLineView& line : view.lines) {
      out_ << "<li" << (line.withheld() ? " class=\"restricted-item\"" : "") << ">"
           << (line.plan ? "Safety plan: " : "Danger: ") << e(line.title);
      if (!line.evidence_id.empty()) out_ << " (" << e(line.evidence_id) << ")";
      out_ << "</li>\n";
    }
    out_ << "</ul>\n";
  }

  // The Signs of Safety columns a conference works through: the worries (the child's evidence of
  // harm, danger and complicating factors the reader may see, and the danger statements), what
  // is working well (existing safety, strengths, the protective factors) and what needs to
  // happen (safety goals, next steps). Withheld lines stay in their one folded line under the
  // evidence: placing it in a column would say its heading.
  void signs_of_safety(std::size_t row, const std::vector<EntryView>& entries) {
    const std::string id(results_.child_id(row));
    const std::vector<LineView> lines = view_contributions(results_, row, options_.viewer);
    auto evidence_items = [&](bool worries) {
      std::string items;
      for (const LineView& line : lines) {
        if (line.withheld() || line.propagated()) continue;
        const bool worry = line.heading == Heading::harm || line.heading == Heading::danger ||
                           line.heading == Heading::complicating;
        if (worry != worries) continue;
        items += "<li>" + e(line.title);
        if (!line.evidence.id.empty())
          items += " <span class=\"summary nobreak\">" + e(line.evidence.id) + "</span>";
        items += "</li>\n";
      }
      return items;
    };
    auto entry_items = [&](std::initializer_list<EntryKind> kinds) {
      std::string items;
      for (const EntryView& entry : entries) {
        if (std::find(kinds.begin(), kinds.end(), entry.kind) == kinds.end()) continue;
        items += "<li>" + e(entry.text) + " <span class=\"summary\">(" +
                 e(words(to_string(entry.kind))) + ": " +
                 render_detail::attribution(entry, format_iso_date(entry.date)) + ")</span></li>\n";
      }
      return items;
    };
    auto column = [&](const char* key, const char* title, const std::string& items,
                      const char* none) {
      out_ << "<section class=\"sos-column\" aria-labelledby=\"" << key << "-" << e(id)
           << "\">\n<h4 id=\"" << key << "-" << e(id) << "\">" << title << "</h4>\n";
      if (items.empty()) {
        out_ << "<p class=\"empty\">" << none << "</p>\n";
      } else {
        out_ << "<ul>\n" << items << "</ul>\n";
      }
      out_ << "</section>\n";
    };
    out_ << "<h3 id=\"sos-" << e(id) << "\">Signs of Safety</h3>\n<div class=\"sos\">\n";
    column("worried", "What are we worried about?",
           evidence_items(true) + entry_items({EntryKind::danger_statement}),
           "No worry is recorded.");
    column("working", "What's working well?",
           entry_items({EntryKind::existing_safety, EntryKind::strength}) + evidence_items(false),
           "Nothing is recorded yet.");
    column("needs", "What needs to happen?",
           entry_items({EntryKind::safety_goal, EntryKind::next_step}),
           "No safety goal or next step is recorded.");
    out_ << "</div>\n";
  }

  // Scaling judgements, latest first: the value, the question asked, who judged and when.
  void scaling(std::size_t row, const std::vector<EntryView>& entries) {
    std::vector<EntryView> judgements = render_detail::entries_of(entries, EntryKind::scaling);
    out_ << "<h3 id=\"scaling-" << e(results_.child_id(row)) << "\">Scaling</h3>\n";
    if (judgements.empty()) {
      out_ << "<p class=\"empty\">No scaling judgement is recorded.</p>\n";
      return;
    }
    std::reverse(judgements.begin(), judgements.end());
    out_ << "<table class=\"scaling\">\n<thead><tr><th scope=\"col\" class=\"points\">Judgement"
            "</th><th scope=\"col\">Question</th><th scope=\"col\">Who</th><th scope=\"col\">"
            "When</th></tr></thead>\n<tbody>\n";
    for (const EntryView& j : judgements) {
      out_ << "<tr><td class=\"points\">" << j.value << "/10</td><td>"
           << e(j.question.empty() ? std::string_view("—") : j.question);
      if (!j.text.empty()) out_ << "<br><span class=\"summary\">" << e(j.text) << "</span>";
      out_ << "</td><td><span class=\"nobreak\">" << e(j.author) << "</span>"
           << (j.agency_id.empty() ? std::string()
                                   : ", " + e(j.agency_name.empty() ? j.agency_id : j.agency_name))
           << "</td><td class=\"nobreak\">" << e(format_iso_date(j.date)) << "</td></tr>\n";
    }
    out_ << "</tbody>\n</table>\n";
  }

  // What the child said and what the parents think, as recorded, with who recorded it and when.
  void voices(std::size_t row, const std::vector<EntryView>& entries) {
    const std::string id(results_.child_id(row));
    auto said = [&](const char* key, const char* title, EntryKind kind, const char* none) {
      out_ << "<h3 id=\"" << key << "-" << e(id) << "\">" << title << "</h3>\n";
      const std::vector<EntryView> chosen = render_detail::entries_of(entries, kind);
      if (chosen.empty()) {
        out_ << "<p class=\"empty\">" << none << "</p>\n";
        return;
      }
      out_ << "<ul class=\"voices\">\n";
      for (const EntryView& entry : chosen) {
        out_ << "<li>" << e(entry.text) << " <span class=\"summary\">(recorded by "
             << render_detail::attribution(entry, format_iso_date(entry.date)) << ")</span></li>\n";
      }
      out_ << "</ul>\n";
    };
    said("voice", "The child's voice", EntryKind::child_voice,
         "Nothing the child said is recorded.");
    said("parents", "Parents' views", EntryKind::parent_view, "No parent's view is recorded.");
  }

  // Index scores as the viewer may attribute them (view_scores): withheld points make one row
  // of their own that names no index.
  void scores(std::size_t row) {
    const ScoresView view =
        view_scores(results_, row, view_contributions(results_, row, options_.viewer));
    out_ << "<h3>Scores by index</h3>\n<table class=\"scores\">\n<thead><tr><th scope=\"col\">"
            "Index</th><th scope=\"col\" class=\"points\">Score</th><th scope=\"col\">Level "
            "it reaches</th><th scope=\"col\">Next threshold</th></tr></thead>\n<tbody>\n";
    for (std::size_t i = 0; i < results_.index_count(); ++i) {
      const IndexDef& index = pack_.indices()[i];
      const int level = view.index_levels[i];
      const std::size_t next = static_cast<std::size_t>(level) + 1;
      out_ << "<tr><th scope=\"row\">" << e(index.title) << "</th><td class=\"points\">"
           << fixed(view.index_scores[i], 2) << "</td><td>" << e(pack_.levels()[level].title)
           << "</td><td>"
           << (next < index.thresholds.size()
                   ? e(pack_.levels()[next].title) + " from " + fixed(index.thresholds[next], 0)
                   : std::string("—"))
           << "</td></tr>\n";
    }
    if (view.any_withheld()) {
      out_ << "<tr class=\"restricted-item\"><th scope=\"row\">" << e(view.withheld_title)
           << "</th><td class=\"points\">" << fixed(view.withheld, 2)
           << "</td><td colspan=\"2\"><span class=\"restricted\">counts towards the level; "
              "its index is withheld</span></td></tr>\n";
    }
    out_ << "</tbody>\n</table>\n<p class=\"question\">A child's level is the highest any one "
            "index reaches; scores on different indices are never added together.</p>\n";
    contextual(view);
  }

  // Contextual risk beside the scores (docs/rules.md, "Contextual risk"): what the network of
  // peers, groups and places adds, and the level the scores would reach with it.
  void contextual(const ScoresView& view) {
    if (!view.has_contextual()) return;
    out_ << "<p class=\"question\">Contextual risk (peers, groups and places): "
         << fixed(view.contextual_total, 2) << " points";
    std::string parts;
    for (std::uint32_t index : pack_.propagation().indices) {
      parts += (parts.empty() ? "" : ", ") + e(pack_.indices()[index].title) + " " +
               fixed(view.contextual_scores[index], 2);
    }
    out_ << " (" << parts << ")";
    if (view.contextual_withheld != 0)
      out_ << ", and " << fixed(view.contextual_withheld, 2)
           << " from sources this reader is not cleared to see";
    out_ << ". "
         << (view.contextual_included
                 ? "They are included in the scores above."
                 : "They are kept apart: they do not count towards this child's level.")
         << " With them the scores reach " << e(pack_.levels()[view.context_level].title)
         << ".</p>\n";
  }

  void overrides(std::size_t row) {
    out_ << "<h3 id=\"overrides\">Overrides</h3>\n";
    const std::vector<OverrideView> fired = view_overrides(results_, row, options_.viewer);
    if (fired.empty()) {
      out_ << "<p class=\"empty\">No policy override applies.</p>\n";
    } else {
      out_ << "<table>\n<thead><tr><th scope=\"col\">Policy override</th><th scope=\"col\">"
              "Reason</th><th scope=\"col\">Sets at least</th></tr></thead>\n<tbody>\n";
      for (const OverrideView& o : fired) {
        out_ << "<tr class=\"override\"><td>"
             << (o.withheld() ? std::string("restricted source") : e(o.id)) << "</td><td>"
             << e(o.reason) << "</td><td>"
             << (o.min_level >= 0 ? e(pack_.levels()[o.min_level].title) : std::string("—"))
             << (o.immediate_safety ? "; flags immediate safety" : "") << "</td></tr>\n";
      }
      out_ << "</tbody>\n</table>\n";
    }
    judgement(row);
  }

  void judgement(std::size_t row) {
    const std::optional<DiscretionaryView> d = view_discretionary(results_, row);
    if (!d) {
      out_ << "<p class=\"empty\">No discretionary override is recorded for this child as of "
              "this date.</p>\n";
      return;
    }
    const bool raise = d->direction == OverrideDirection::raise;
    std::string outcome;
    switch (d->outcome) {
      case DiscretionaryOutcome::applied:
        outcome = std::string(raise ? "Raised" : "Lowered") + " the level from " +
                  pack_.levels()[d->level_before].title + ".";
        if (!d->approved_by.empty())
          outcome += " Approved by " + std::string(d->approved_by) + " on " +
                     format_iso_date(d->approved) + ".";
        break;
      case DiscretionaryOutcome::not_allowed:
        outcome = std::string("Not applied: this rule pack does not let judgement ") +
                  (raise ? "raise" : "lower") + " a level.";
        break;
      case DiscretionaryOutcome::at_limit:
        outcome = std::string("Not applied: already at the ") + (raise ? "highest" : "lowest") +
                  " level.";
        break;
      case DiscretionaryOutcome::held_by_policy:
        outcome = "Not applied: a policy override holds the level.";
        break;
      case DiscretionaryOutcome::awaiting_approval:
        outcome = std::string(
                      "Not applied: awaiting approval (this rule pack needs an approver "
                      "to ") +
                  (raise ? "raise" : "lower") + " a level).";
        break;
      case DiscretionaryOutcome::none:
        break;
    }
    out_ << "<table>\n<thead><tr><th scope=\"col\">Discretionary override</th><th scope=\"col\">"
            "Reason</th><th scope=\"col\">Outcome</th></tr></thead>\n<tbody>\n"
         << "<tr class=\"judgement\"><td>" << e(d->id) << "<br><span class=\"summary\">"
         << (raise ? "raise" : "lower") << ", by " << e(d->author) << ", "
         << "<span class=\"nobreak\">" << e(format_iso_date(d->date)) << "</span></span></td><td>"
         << e(d->reason) << "</td><td>" << e(outcome) << "</td></tr>\n</tbody>\n</table>\n";
  }

  // Everything below renders a LineView (explain.hpp) the viewer sees; withheld lines reach the
  // page only folded into one (withheld()), which names no index, heading or category.
  std::string evidence_cell(const LineView& line, std::size_t row) const {
    if (line.propagated()) return "risk held by a neighbour in the network";
    const EvidenceView& evidence = line.evidence;
    if (evidence.id.empty()) return counted_evidence(line, row);
    std::string cell = "<strong class=\"nobreak\">" + e(evidence.id) + "</strong>";
    if (evidence.kind == VertexKind::concern) {
      cell += " · " + e(words(evidence.category)) + ", severity " +
              std::to_string(evidence.severity) + ", " + e(to_string(evidence.status)) +
              ", <span class=\"nobreak\">" + e(format_iso_date(evidence.date)) +
              "</span><br>from " +
              e(evidence.agency_name.empty() ? evidence.agency_id : evidence.agency_name) + " (" +
              e(evidence.agency_type) + ")";
    } else if (evidence.kind == VertexKind::factor) {
      cell +=
          " · " + e(words(evidence.category)) + ", strength " + std::to_string(evidence.severity);
      if (!evidence.provided_by.empty()) cell += "<br>provided by " + e(evidence.provided_by);
    }
    if (!evidence.summary.empty())
      cell += "<br><span class=\"summary\">" + e(evidence.summary) + "</span>";
    return cell;
  }

  // A rule over the child's whole record ("three or more agencies hold recent worries"): the
  // concerns and factors it counted and their agencies, those the viewer may see (a withheld
  // piece is left out, not named).
  std::string counted_evidence(const LineView& line, std::size_t row) const {
    std::string pieces, agencies;
    std::vector<std::string_view> agency_ids;
    for (const EvidenceView& piece :
         view_counted_evidence(results_, row, line.rule, options_.viewer)) {
      pieces +=
          (pieces.empty() ? "" : ", ") + ("<span class=\"nobreak\">" + e(piece.id) + "</span>");
      const std::string_view agency =
          piece.kind == VertexKind::concern ? piece.agency_id : std::string_view();
      if (!agency.empty() &&
          std::find(agency_ids.begin(), agency_ids.end(), agency) == agency_ids.end())
        agency_ids.push_back(agency);
    }
    if (pieces.empty()) return "the child's own record";
    std::sort(agency_ids.begin(), agency_ids.end());
    for (const std::string_view agency : agency_ids)
      agencies +=
          (agencies.empty() ? "" : ", ") + ("<span class=\"nobreak\">" + e(agency) + "</span>");
    return "counted: " + pieces + (agencies.empty() ? "" : "<br>from " + agencies);
  }

  static std::string path_cell(const LineView& line) {
    if (line.propagated()) {
      if (line.network_summary) return "the network";
      return e(line.relation) + " " + e(line.via_id) + " <span class=\"summary\">(" +
             e(to_string(line.via_kind)) + ")</span>";
    }
    if (line.path == to_string(Role::self)) return "the child";
    std::string cell = e(line.path);
    if (!line.via_id.empty()) cell += " <span class=\"nobreak\">" + e(line.via_id) + "</span>";
    return cell;
  }

  void evidence(std::size_t row) {
    out_ << "<h3 id=\"evidence\">Evidence under the Signs of Safety headings</h3>\n";
    const std::vector<LineView> lines = view_contributions(results_, row, options_.viewer);
    // Under `contextual = "apart"` the propagated lines have a table of their own below.
    const bool apart = !results_.contextual_included();
    for (int h = 0; h < 5; ++h) {
      std::ostringstream rows;
      double subtotal = 0;
      for (const LineView& line : lines) {
        if (line.withheld() || static_cast<int>(line.heading) != h) continue;
        if (line.propagated() && apart) continue;
        subtotal += line.value;
        rows << "<tr class=\"item" << (line.withheld() ? " restricted-item" : "") << "\">"
             << points_cell(line.value) << "<td>" << e(line.title) << "<br><span class=\"summary\">"
             << e(line.index_title) << "</span></td><td>" << evidence_cell(line, row) << "</td><td>"
             << path_cell(line) << "</td></tr>\n";
      }
      out_ << "<h4 id=\"heading-" << to_string(static_cast<Heading>(h)) << "-"
           << e(results_.child_id(row)) << "\">" << kHeadingTitles[h]
           << "</h4>\n<p class=\"question\">" << kHeadingQuestions[h] << "</p>\n";
      const std::string body = rows.str();
      if (body.empty()) {
        out_ << "<p class=\"empty\">Nothing scored under this heading.</p>\n";
        continue;
      }
      out_ << "<table>\n<thead><tr><th scope=\"col\" class=\"points\">Points</th><th "
              "scope=\"col\">What</th><th scope=\"col\">Evidence</th><th scope=\"col\">Reaches "
              "the child through</th></tr></thead>\n<tbody>\n"
           << body << "<tr class=\"subtotal\">" << points_cell(subtotal)
           << "<td colspan=\"3\">total under " << kHeadingTitles[h] << "</td></tr>\n"
           << "</tbody>\n</table>\n";
    }
    withheld(row, lines);
    if (apart) contextual_evidence(row, lines);
  }

  // The propagated lines of a pack that keeps contextual risk apart: they add up to the
  // contextual score, not to the child's own.
  void contextual_evidence(std::size_t row, const std::vector<LineView>& lines) {
    std::ostringstream rows;
    double subtotal = 0;
    for (const LineView& line : lines) {
      if (!line.propagated() || line.withheld()) continue;
      subtotal += line.value;
      rows << "<tr class=\"item\">" << points_cell(line.value) << "<td>" << e(line.title)
           << "<br><span class=\"summary\">" << e(line.index_title) << "</span></td><td>"
           << evidence_cell(line, row) << "</td><td>" << path_cell(line) << "</td></tr>\n";
    }
    // What the network holds from restricted sources: one row, naming no neighbour or index.
    const ScoresView view = view_scores(results_, row, lines);
    if (view.contextual_withheld != 0) {
      subtotal += view.contextual_withheld;
      rows << "<tr class=\"item restricted-item\">" << points_cell(view.contextual_withheld)
           << "<td>" << e(pack_.neutral_title()) << "</td><td><span class=\"restricted\">"
           << e(kRestrictedSource) << "</span></td><td>withheld</td></tr>\n";
    }
    const std::string body = rows.str();
    if (body.empty()) return;
    out_ << "<h4 id=\"contextual-" << e(results_.child_id(row))
         << "\">Contextual risk (kept apart from the level)</h4>\n<p class=\"question\">What "
            "peers, groups and places around the child hold. It is reported beside the child's "
            "own scores and does not count towards the child's level.</p>\n<table>\n<thead><tr>"
            "<th scope=\"col\" class=\"points\">Points</th><th scope=\"col\">What</th><th "
            "scope=\"col\">Evidence</th><th scope=\"col\">Reaches the child through</th></tr>"
            "</thead>\n<tbody>\n"
         << body << "<tr class=\"subtotal\">" << points_cell(subtotal)
         << "<td colspan=\"3\">contextual total</td></tr>\n</tbody>\n</table>\n";
  }

  // Every withheld line folded into one, under the pack's neutral title: no heading, index,
  // category or count by kind says what the evidence holds.
  void withheld(std::size_t row, const std::vector<LineView>& lines) {
    const ScoresView view = view_scores(results_, row, lines);
    if (!view.any_withheld()) return;
    out_ << "<h4 id=\"withheld-" << e(results_.child_id(row)) << "\">" << e(view.withheld_title)
         << "</h4>\n<p class=\"question\">Evidence this reader is not cleared to see. It counts "
            "in the child's level; what it is, where it came from and whom it is about are "
            "withheld.</p>\n<table>\n<thead><tr><th scope=\"col\" class=\"points\">Points</th>"
            "<th scope=\"col\">What</th><th scope=\"col\">Evidence</th><th scope=\"col\">"
            "Reaches the child through</th></tr></thead>\n<tbody>\n<tr class=\"item "
            "restricted-item\">"
         << points_cell(view.withheld) << "<td>" << e(view.withheld_title)
         << "</td><td><span class=\"restricted\">restricted source</span></td><td><span "
            "class=\"restricted\">withheld</span></td></tr>\n</tbody>\n</table>\n";
  }

  // What each agency's records give the child alone beside the joined level
  // (docs/joining-up.md), scoped to the viewer like the rest of the page. Left out for a pack
  // that propagates (joining refuses it) and for a child no agency's evidence reaches.
  void joining(std::size_t row) {
    if (pack_.propagation().enabled) return;
    const ChildJoining c = join_child(results_, row, options_.viewer);
    if (c.fragments.empty()) return;
    auto name = [&](const Fragment& f) {
      return f.withheld ? std::string(kRestrictedSource)
                        : std::string(render_detail::vertex_id(results_, f.agency));
    };
    out_ << "<section class=\"joining\" id=\"joining-" << e(results_.child_id(row))
         << "\">\n<h3>What each agency sees alone</h3>\n"
         << "<p class=\"question\">The level each agency's own records (the concerns it raised, "
            "the factors it provides) give the child on their own, beside the joined level: "
         << e(pack_.levels()[c.joined_level].title) << ".";
    if (c.only_when_joined) out_ << " <strong>This level is visible only when joined.</strong>";
    out_ << "</p>\n<table>\n<thead><tr><th scope=\"col\">Agency</th><th scope=\"col\">Level "
            "alone</th><th scope=\"col\" class=\"points\">Score alone</th><th scope=\"col\">"
            "Evidence</th></tr></thead>\n<tbody>\n";
    for (const Fragment& f : c.fragments) {
      std::string evidence;
      for (VertexIndex v : f.evidence)
        evidence += (evidence.empty() ? "" : ", ") + e(render_detail::vertex_id(results_, v));
      out_ << "<tr><td>" << e(name(f)) << "</td><td>" << e(pack_.levels()[f.level].title) << "</td>"
           << points_cell(f.total) << "<td>" << (evidence.empty() ? std::string("—") : evidence)
           << "</td></tr>\n";
    }
    out_ << "</tbody>\n</table>\n";
    if (!c.minimal_sets.empty()) {
      out_ << "<p>Smallest sets of agencies whose records together reach "
           << e(pack_.levels()[c.joined_level].title)
           << (c.exact ? "" : " (found greedily: minimal, not proven smallest)") << ":</p>\n<ul>\n";
      for (const auto& set : c.minimal_sets) {
        std::string names;
        for (std::uint32_t i : set) names += (names.empty() ? "" : ", ") + e(name(c.fragments[i]));
        out_ << "<li>" << (names.empty() ? std::string("no agency's evidence is needed") : names)
             << "</li>\n";
      }
      out_ << "</ul>\n";
    }
    if (!c.joining_rules.empty() || !c.joining_overrides.empty()) {
      out_ << "<p>Fired only when the records are joined:</p>\n<ul>\n";
      for (std::uint32_t r : c.joining_rules)
        out_ << "<li>" << e(pack_.rules()[r].title) << "</li>\n";
      for (std::uint32_t o : c.joining_overrides)
        out_ << "<li>policy override " << e(pack_.overrides()[o].id) << "</li>\n";
      out_ << "</ul>\n";
    }
    out_ << "</section>\n";
  }

  void not_assessable(std::size_t row) {
    const NotAssessable* first = results_.not_assessable_begin(row);
    const NotAssessable* last = results_.not_assessable_end(row);
    if (first == last) return;
    out_ << "<h3>Not assessable</h3>\n<p class=\"question\">These rules could not be applied "
            "because data they need is unknown; they add nothing.</p>\n<ul>\n";
    for (const NotAssessable* n = first; n != last; ++n) {
      const char* kind = n->safety == SafetyPart::danger ? "safety danger "
                         : n->safety == SafetyPart::plan ? "safety plan "
                         : n->is_override                ? "override "
                                                         : "";
      out_ << "<li>" << kind << e(not_assessable_title(pack_, *n)) << ": "
           << e(words(render_detail::missing_attribute(*n))) << " unknown</li>\n";
    }
    out_ << "</ul>\n";
  }

  // The statutory timeline, overdue steps highlighted. Left out when the child has no process
  // events: a page of empty tables helps no one.
  void timeline(std::size_t row) {
    const std::vector<StepView> steps = view_steps(results_, row);
    const std::vector<TimelineIssueView> issues = view_timeline_issues(results_, row);
    if (steps.empty() && issues.empty()) return;
    out_ << "<h3 id=\"timeline\">Statutory timeline</h3>\n"
         << "<p class=\"question\">" << e(timeline_process_title(results_))
         << ": working days on the " << e(to_string(timeline_nation(results_)))
         << " calendar (weekends, bank holidays and local closures excluded).</p>\n";
    if (!steps.empty()) {
      out_ << "<table>\n<thead><tr><th scope=\"col\">Step</th><th scope=\"col\">Clock "
              "started</th><th scope=\"col\">Due</th><th scope=\"col\">Done</th><th "
              "scope=\"col\">Status</th></tr></thead>\n<tbody>\n";
      for (const StepView& s : steps) {
        const char* css =
            s.status == StepStatus::overdue
                ? "overdue"
                : (s.status == StepStatus::late ? "late"
                                                : (s.status == StepStatus::not_required ||
                                                           s.status == StepStatus::not_recorded
                                                       ? "not-required"
                                                       : ""));
        out_ << "<tr class=\"step " << css << "\"><td>" << e(step_title_with_nation(s))
             << "</td><td><span class=\"nobreak\">" << e(format_iso_date(s.start))
             << "</span> <span class=\"summary nobreak\">" << e(s.trigger_id)
             << "</span></td><td class=\"nobreak\">"
             << (s.due == kNoDay ? std::string("—") : e(format_iso_date(s.due))) << "</td><td>";
        if (!s.done_id.empty()) {
          out_ << "<span class=\"nobreak\">" << e(format_iso_date(s.completed))
               << "</span> <span class=\"summary nobreak\">" << e(s.done_id) << "</span>";
        } else {
          out_ << "—";
        }
        out_ << "</td><td class=\"status\">" << e(s.status_text) << "</td></tr>\n";
      }
      out_ << "</tbody>\n</table>\n";
    }
    if (!issues.empty()) {
      out_ << "<h4>Gaps in the record</h4>\n<ul>\n";
      for (const TimelineIssueView& i : issues) {
        out_ << "<li>" << e(i.event_id) << ": " << e(i.issue);
        if (!i.note.empty()) out_ << " <span class=\"summary\">(" << e(i.note) << ")</span>";
        out_ << "</li>\n";
      }
      out_ << "</ul>\n";
    }
  }

  void ecomap(std::size_t i) {
    out_ << "<div class=\"ecomap-section\">\n<h3 id=\"ecomap-" << e(results_.child_id(rows_[i]))
         << "\">Ecomap</h3>\n";
    const std::string svg = i < options_.ecomap_svg.size() ? options_.ecomap_svg[i] : "";
    // Graphviz's SVG starts with an XML declaration and a DOCTYPE, neither of which belongs
    // inside an HTML document (and the DOCTYPE names a DTD on the web).
    const std::size_t start = svg.find("<svg");
    if (start == std::string::npos) {
      out_ << "<p class=\"empty\">" << e(options_.ecomap_note) << "</p>\n</div>\n";
      return;
    }
    out_ << "<div class=\"ecomap\" role=\"img\" aria-label=\"Ecomap of "
         << e(results_.child_id(rows_[i])) << "\">\n"
         << svg.substr(start) << "</div>\n</div>\n";
  }

  // The analyst's working, out of the body: rule ids, raw points, decay, reach and caps.
  void appendix() {
    out_ << "<section class=\"appendix\" id=\"appendix\" aria-labelledby=\"appendix-title\">\n"
            "<h2 id=\"appendix-title\">Appendix: how the points were worked out</h2>\n";
    for (const std::size_t row : rows_) {
      out_ << "<h3>" << e(results_.child_id(row))
           << "</h3>\n<table>\n<thead><tr><th "
              "scope=\"col\" class=\"points\">Points</th><th scope=\"col\">Rule</th><th "
              "scope=\"col\">Index</th><th scope=\"col\">Working</th></tr></thead>\n<tbody>\n";
      const std::vector<LineView> lines = view_contributions(results_, row, options_.viewer);
      for (const LineView& line : lines) {
        if (line.withheld()) continue;
        out_ << "<tr>" << points_cell(line.value) << "<td>" << e(line.rule_id) << "</td><td>"
             << e(line.index_id) << "</td><td class=\"working\">" << working(line)
             << "</td></tr>\n";
      }
      const ScoresView view = view_scores(results_, row, lines);
      if (view.any_withheld()) {
        out_ << "<tr>" << points_cell(view.withheld) << "<td>" << e(view.withheld_title)
             << "</td><td>withheld</td><td class=\"working\">withheld</td></tr>\n";
      }
      out_ << "</tbody>\n</table>\n";
    }
    out_ << "</section>\n";
  }

  static std::string working(const LineView& line) {
    if (line.propagated()) {
      if (line.network_summary) {
        return fixed(line.raw, 2) +
               " offered, none counted: no evidence of the child's own on this index";
      }
      std::string text = fixed(line.raw, 2) + " network score × " + fixed(line.reach, 3) +
                         " (alpha × link weight)";
      if (line.cap_factor != 1) text += " × association cap " + fixed(line.cap_factor, 3);
      return text;
    }
    std::string text = fixed(line.raw, 2);
    if (line.decay != 1) text += " × decay " + fixed(line.decay, 3);
    if (line.reach != 1) text += " × reach " + fixed(line.reach, 2);
    if (line.cap_factor != 1) text += " × cap " + fixed(line.cap_factor, 3);
    return text;
  }

  void provenance() {
    out_ << "<section class=\"provenance\" id=\"provenance\" aria-labelledby=\"provenance-title\">"
            "\n<h2 id=\"provenance-title\">Provenance</h2>\n<dl class=\"provenance\">\n";
    if (!options_.case_label.empty())
      out_ << "<dt>Case file</dt><dd>" << e(options_.case_label) << "</dd>\n";
    out_ << "<dt>As of</dt><dd>" << e(render_detail::as_of_text(results_, options_)) << "</dd>\n"
         << "<dt>Rule pack</dt><dd>" << e(pack_.id()) << " " << e(pack_.version()) << " — "
         << e(pack_.title()) << "</dd>\n<dt>Pack SHA-256</dt><dd><code>" << e(pack_.hash())
         << "</code></dd>\n";
    if (!options_.pack_source.empty())
      out_ << "<dt>Pack source</dt><dd>" << e(options_.pack_source) << "</dd>\n";
    out_ << "<dt>Viewer</dt><dd>" << e(describe_viewer(options_.viewer)) << "</dd>\n"
         << "<dt>Program</dt><dd>safeguard " << SG_VERSION_STRING << "</dd>\n</dl>\n</section>\n";
  }

  const Results& results_;
  const RuleSet& pack_;
  const std::vector<std::size_t>& rows_;
  const RenderOptions& options_;
  std::ostringstream out_;
};

}  // namespace

std::vector<std::size_t> household_rows(const Results& results, std::string_view id) {
  return render_detail::household_rows(results, id);
}

std::string render_report(const Results& results, const std::vector<std::size_t>& rows,
                          const RenderOptions& options) {
  render_detail::check_rows(results, rows);
  if (options.audience == Audience::family)
    return render_detail::family_html(results, rows, options);
  return Report(results, rows, options).render();
}

}  // namespace safeguard
