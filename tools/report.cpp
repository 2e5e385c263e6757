// The HTML conference report; see report.hpp. Written by hand rather than through a template
// engine: the page is one fixed layout, and building it in code keeps every value passing
// through html_escape on its way in.
#include "report.hpp"
#include "output.hpp"
#include "session.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "safeguard/explain.hpp"
#include "safeguard/joining.hpp"
#include "safeguard/timeline.hpp"
#include "safeguard/version.h"

namespace safeguard::cli {

namespace {

constexpr const char* kHeadingTitles[] = {"Harm", "Danger", "Complicating factors",
                                          "Existing safety", "Strengths"};
constexpr const char* kHeadingQuestions[] = {
    "What has already happened to the child?",
    "What are we worried may happen if nothing changes?",
    "What makes the situation harder to understand or change?",
    "What is already keeping the child safe?",
    "What is working well around the child?",
};

std::string words(std::string_view symbol) {
  std::string text(symbol);
  std::replace(text.begin(), text.end(), '_', ' ');
  return text;
}

std::string signed_points(double value) {
  const std::string text = fixed(value, 2);
  return (value > 0 && text != "0.00" ? "+" : "") + text;
}

// The level's colour: pale green for the lowest, deepening to red for the highest.
std::string level_colour(int level, std::size_t level_count) {
  static constexpr const char* kRamp[] = {"#d9efd3", "#fde3b0", "#f9b27a", "#e9603f", "#c62a0f"};
  if (level_count <= 1) return kRamp[0];
  const double t = static_cast<double>(level) / static_cast<double>(level_count - 1);
  return kRamp[static_cast<int>(std::lround(t * 4))];
}

// Whether white text reads better than black on this "#rrggbb" colour (relative luminance).
bool is_dark(const std::string& colour) {
  const auto channel = [&](int at) { return std::stoi(colour.substr(at, 2), nullptr, 16) / 255.0; };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5) < 0.5;
}

const char* kStyle = R"css(
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d9d9de; --risk: #c62a0f; --strength: #2b8c3e; }
* { box-sizing: border-box; }
body { font-family: "Helvetica Neue", Helvetica, Arial, "DejaVu Sans", sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 190mm; padding: 12mm 8mm; line-height: 1.4; font-size: 11pt; }
header { border-bottom: 3px solid var(--ink); padding-bottom: 4mm; margin-bottom: 5mm; }
h1 { font-size: 20pt; margin: 0 0 1mm; }
h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid var(--rule); padding-bottom: 1mm; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; }
.subtitle { color: var(--muted); margin: 0; }
.notice { font-size: 9pt; color: var(--muted); margin-top: 2mm; }
.level { display: flex; gap: 5mm; align-items: center; padding: 4mm 5mm; border-radius: 3mm;
         border: 1px solid rgba(0,0,0,.15); }
.level .name { font-size: 17pt; font-weight: bold; }
.level .detail { font-size: 10pt; }
.alert { margin-top: 3mm; padding: 3mm 4mm; border: 2px solid var(--risk); color: var(--risk);
         font-weight: bold; border-radius: 2mm; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
th, td { text-align: left; vertical-align: top; padding: 1.2mm 2mm; border-bottom: 1px solid var(--rule); }
th { font-size: 8.5pt; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.points, th.points { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.plus { color: var(--risk); font-weight: bold; }
.minus { color: var(--strength); font-weight: bold; }
.zero { color: var(--muted); }
.restricted { font-style: italic; color: var(--muted); }
.summary { color: var(--muted); font-size: 8.5pt; }
.working { color: var(--muted); font-size: 8.5pt; white-space: nowrap; }
.question { color: var(--muted); font-size: 9pt; margin: 0 0 1mm; }
.empty { color: var(--muted); font-style: italic; font-size: 9.5pt; }
.bars { display: grid; grid-template-columns: 42mm 1fr 16mm 30mm; gap: 5mm 3mm; align-items: center; }
.bar { position: relative; height: 5mm; background: #f1f1f3; border-radius: 1mm; overflow: visible; }
.bar .fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 1mm; }
.bar .tick { position: absolute; top: -1mm; bottom: -1mm; border-left: 1px dashed #8a8a8f; }
.bar .tick span { position: absolute; top: -3.6mm; left: .5mm; font-size: 6.5pt; color: var(--muted); white-space: nowrap; }
.bars .value { text-align: right; font-variant-numeric: tabular-nums; }
.bars .ilevel { font-size: 9pt; color: var(--muted); }
.bars .label { font-size: 10pt; }
.bars-wrap { padding-top: 4mm; margin-bottom: 3mm; }
.ecomap { text-align: center; }
.ecomap svg { max-width: 100%; height: auto; max-height: 230mm; }
dl.provenance { display: grid; grid-template-columns: 38mm 1fr; gap: 1mm 3mm; font-size: 9.5pt; }
dl.provenance dt { color: var(--muted); }
dl.provenance dd { margin: 0; word-break: break-all; }
tr.overdue td { background: #fde0d9; color: var(--risk); font-weight: bold; }
tr.late td.status { color: #9a5b00; }
footer { margin-top: 8mm; font-size: 8.5pt; color: var(--muted); border-top: 1px solid var(--rule); padding-top: 2mm; }
@page { size: A4; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section { break-inside: avoid; }
  section.evidence, section.ecomap-section { break-inside: auto; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .ecomap-section { break-before: page; }
}
)css";

class Page {
 public:
  Page(const Session& session, std::size_t row)
      : session_(session),
        results_(session.results),
        pack_(session.results.rules()),
        row_(row),
        child_id_(results_.child_id(row)) {}

  std::string render(const std::string& ecomap_svg, const std::string& ecomap_note) {
    out_ << "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
         << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         << "<title>Conference summary: " << e(child_id_) << "</title>\n<style>" << kStyle
         << "</style>\n</head>\n<body>\n";
    header();
    level();
    scores();
    overrides();
    evidence();
    joining();
    not_assessable();
    timeline();
    ecomap(ecomap_svg, ecomap_note);
    provenance();
    out_ << "<footer>Produced by safeguard " << SG_VERSION_STRING
         << ". The score is an aid to professional judgement, not a decision: every point above "
            "names the rule and the evidence behind it.</footer>\n</body>\n</html>\n";
    return out_.str();
  }

 private:
  static std::string e(std::string_view text) { return html_escape(text); }

  std::string points_cell(double value) const {
    const std::string text = signed_points(value);
    const char* css = text == "0.00" ? "zero" : (value > 0 ? "plus" : "minus");
    return "<td class=\"points " + std::string(css) + "\">" + text + "</td>";
  }

  void header() {
    out_ << "<header>\n<h1>Conference summary: <span class=\"child-id\">" << e(child_id_)
         << "</span></h1>\n<p class=\"subtitle\">Assessed as of <strong>"
         << e(format_iso_date(results_.as_of())) << "</strong>"
         << (session_.as_of.from_evidence ? " (the latest evidence date in the case file)" : "")
         << " with rule pack <strong>" << e(pack_.id()) << " " << e(pack_.version())
         << "</strong></p>\n<p class=\"notice\">Viewer: " << e(describe_viewer(session_.viewer))
         << ". Restricted evidence always counts in the score; its details appear only to "
            "viewers cleared for its source.</p>\n</header>\n";
  }

  void level() {
    const int level = results_.level(row_);
    const int score_level = results_.score_level(row_);
    const std::string colour = level_colour(level, pack_.levels().size());
    out_ << "<section class=\"level-section\">\n<div class=\"level\" id=\"level\" "
            "style=\"background:"
         << colour << ";color:" << (is_dark(colour) ? "#ffffff" : "#1d1d1f")
         << "\">\n<div><div class=\"detail\">Level "
         << "of need</div><div class=\"name\" id=\"level-name\">" << e(pack_.levels()[level].title)
         << "</div></div>\n<div class=\"detail\">Total score "
         << "<strong>" << fixed(results_.total(row_), 2) << "</strong>";
    // The level after policy overrides and before judgement: the discretionary result keeps it.
    const DiscretionaryResult& judgement = results_.discretionary(row_);
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
    }
    out_ << "</div>\n</div>\n";
    if (results_.immediate_safety(row_)) {
      out_ << "<div class=\"alert\" id=\"immediate-safety\">Immediate safety: a policy override "
              "flags a threat to the child now. This is separate from the future-risk score."
              "</div>\n";
    }
    out_ << "</section>\n";
  }

  void scores() {
    out_ << "<section class=\"scores\">\n<h2>Scores by index</h2>\n<div class=\"bars-wrap\">"
            "<div class=\"bars\">\n";
    for (std::size_t i = 0; i < results_.index_count(); ++i) {
      const IndexDef& index = pack_.indices()[i];
      const double score = results_.score(row_, i);
      const double top = index.thresholds.empty() ? 1.0 : index.thresholds.back();
      const double scale = std::max({score, top * 1.2, 1.0});
      const double width = std::clamp(score / scale, 0.0, 1.0) * 100;
      const int level = results_.index_level(row_, i);
      out_ << "<div class=\"label\">" << e(index.title)
           << "</div>\n<div class=\"bar\" role=\"img\" "
           << "aria-label=\"" << e(index.id) << " " << fixed(score, 2) << "\">"
           << "<div class=\"fill\" style=\"width:" << fixed(width, 1)
           << "%;background:" << level_colour(level, pack_.levels().size()) << "\"></div>";
      for (std::size_t l = 1; l < index.thresholds.size(); ++l) {
        out_ << "<div class=\"tick\" style=\"left:" << fixed(index.thresholds[l] / scale * 100, 1)
             << "%\" title=\"" << e(pack_.levels()[l].title) << "\"><span>"
             << fixed(index.thresholds[l], 0) << "</span></div>";
      }
      out_ << "</div>\n<div class=\"value\">" << fixed(score, 2) << "</div>\n<div class=\"ilevel\">"
           << e(pack_.levels()[level].title) << "</div>\n";
    }
    out_ << "</div></div>\n<p class=\"question\">Dashed marks are the level thresholds (";
    for (std::size_t l = 1; l < pack_.levels().size(); ++l) {
      out_ << (l > 1 ? "; " : "") << e(pack_.levels()[l].title) << " from "
           << fixed(pack_.levels()[l].min, 0);
    }
    out_ << "). A child's level is the highest any index reaches.</p>\n</section>\n";
  }

  void overrides() {
    out_ << "<section class=\"overrides\" id=\"overrides\">\n<h2>Overrides</h2>\n";
    const std::vector<OverrideView> fired = view_overrides(results_, row_, session_.viewer);
    if (fired.empty()) {
      out_ << "<p class=\"empty\">No policy override applies.</p>\n";
    } else {
      out_ << "<table>\n<tr><th>Policy override</th><th>Reason</th><th>Sets at least</th></tr>\n";
      for (const OverrideView& o : fired) {
        out_ << "<tr class=\"override\"><td>"
             << (o.withheld() ? std::string("restricted source") : e(std::string(o.id)))
             << "</td><td>" << e(std::string(o.reason)) << "</td><td>"
             << (o.min_level >= 0 ? e(pack_.levels()[o.min_level].title) : std::string("—"))
             << (o.immediate_safety ? "; flags immediate safety" : "") << "</td></tr>\n";
      }
      out_ << "</table>\n";
    }
    judgement();
    out_ << "</section>\n";
  }

  // The discretionary override (recorded professional judgement) that applied, if any, and
  // what became of it.
  void judgement() {
    const std::optional<DiscretionaryView> d = view_discretionary(results_, row_);
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
      case DiscretionaryOutcome::none:
        break;
    }
    out_ << "<table>\n<tr><th>Discretionary override</th><th>Reason</th><th>Outcome</th></tr>\n"
         << "<tr class=\"judgement\"><td>" << e(d->id) << "<br><span "
         << "class=\"summary\">" << (raise ? "raise" : "lower") << ", by " << e(d->author) << ", "
         << e(format_iso_date(d->date)) << "</span></td><td>" << e(d->reason) << "</td><td>"
         << e(outcome) << "</td></tr>\n</table>\n";
  }

  // Everything below renders a LineView (explain.hpp): a withheld line holds nothing but its
  // points, index and heading, so no cell can show more.
  static std::string evidence_cell(const LineView& line) {
    if (line.withheld()) return "<span class=\"restricted\">restricted source</span>";
    if (line.propagated()) return "risk held by a neighbour in the network";
    const EvidenceView& evidence = line.evidence;
    if (evidence.id.empty()) return "the child's own record";
    std::string cell = "<strong>" + e(evidence.id) + "</strong>";
    if (evidence.kind == VertexKind::concern) {
      cell += " · " + e(words(evidence.category)) + ", severity " +
              std::to_string(evidence.severity) + ", " + e(to_string(evidence.status)) + ", " +
              e(format_iso_date(evidence.date)) + "<br>from " +
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

  static std::string path_cell(const LineView& line) {
    if (line.withheld()) return "<span class=\"restricted\">withheld</span>";
    if (line.propagated()) {
      if (line.network_summary) return "the network";
      return e(line.relation) + " " + e(line.via_id) + " <span class=\"summary\">(" +
             e(to_string(line.via_kind)) + ")</span>";
    }
    if (line.path == to_string(Role::self)) return "the child";
    std::string cell = e(line.path);
    if (!line.via_id.empty()) cell += " " + e(line.via_id);
    return cell;
  }

  static std::string working_cell(const LineView& line) {
    // A hidden item's raw points and decay could reveal its severity and date: only what it
    // adds is shown.
    if (line.withheld()) return "<td class=\"working\">withheld</td>";
    if (line.propagated()) {
      if (line.network_summary) {
        return "<td class=\"working\">" + fixed(line.raw, 2) +
               " offered, none counted: no evidence of the child's own on this index</td>";
      }
      std::string text = fixed(line.raw, 2) + " network score × " + fixed(line.reach, 3) +
                         " (alpha × link weight)";
      if (line.cap_factor != 1) text += " × association cap " + fixed(line.cap_factor, 3);
      return "<td class=\"working\">" + text + "</td>";
    }
    std::string text = fixed(line.raw, 2);
    if (line.decay != 1) text += " × decay " + fixed(line.decay, 3);
    if (line.reach != 1) text += " × reach " + fixed(line.reach, 2);
    if (line.cap_factor != 1) text += " × cap " + fixed(line.cap_factor, 3);
    return "<td class=\"working\">" + text + "</td>";
  }

  static std::string rule_cell(const LineView& line) {
    if (line.withheld())  // no rule id: with the title it would name the category
      return e(line.title) + "<br><span class=\"summary\">" + e(line.index_title) + "</span>";
    return e(line.title) + "<br><span class=\"summary\">" + e(line.rule_id) + " · " +
           e(line.index_title) + "</span>";
  }

  void evidence() {
    out_ << "<section class=\"evidence\" id=\"evidence\">\n<h2>Evidence under the Signs of Safety "
            "headings</h2>\n";
    const std::vector<LineView> lines = view_contributions(results_, row_, session_.viewer);
    for (int h = 0; h < 5; ++h) {
      std::ostringstream rows;
      double subtotal = 0;
      for (const LineView& line : lines) {
        if (static_cast<int>(line.heading) != h) continue;
        subtotal += line.value;
        rows << "<tr class=\"item" << (line.withheld() ? " restricted-item" : "") << "\">"
             << points_cell(line.value) << "<td>" << rule_cell(line) << "</td><td>"
             << evidence_cell(line) << "</td><td>" << path_cell(line) << "</td>"
             << working_cell(line) << "</tr>\n";
      }
      out_ << "<h3 id=\"heading-" << to_string(static_cast<Heading>(h)) << "\">"
           << kHeadingTitles[h] << "</h3>\n<p class=\"question\">" << kHeadingQuestions[h]
           << "</p>\n";
      const std::string body = rows.str();
      if (body.empty()) {
        out_ << "<p class=\"empty\">Nothing scored under this heading.</p>\n";
        continue;
      }
      out_ << "<table>\n<tr><th class=\"points\">Points</th><th>Rule</th><th>Evidence</th>"
              "<th>Reaches the child through</th><th>Working</th></tr>\n"
           << body << "<tr class=\"subtotal\">" << points_cell(subtotal)
           << "<td colspan=\"4\">total under " << kHeadingTitles[h] << "</td></tr>\n</table>\n";
    }
    out_ << "</section>\n";
  }

  // What each agency's records give the child alone beside the joined level
  // (docs/joining-up.md), scoped to the viewer like the rest of the page. Left out for a pack
  // that propagates (joining refuses it) and for a child no agency's evidence reaches.
  void joining() {
    if (pack_.propagation().enabled) return;
    const ChildJoining c = join_child(results_, row_, session_.viewer);
    if (c.fragments.empty()) return;
    auto name = [&](const Fragment& f) {
      return f.withheld ? std::string(kRestrictedSource)
                        : std::string(results_.vertex_id(f.agency));
    };
    out_ << "<section class=\"joining\" id=\"joining\">\n<h2>What each agency sees alone</h2>\n"
         << "<p class=\"question\">The level each agency's own records (the concerns it raised, "
            "the factors it provides) give the child on their own, beside the joined level: "
         << e(pack_.levels()[c.joined_level].title) << ".";
    if (c.only_when_joined) out_ << " <strong>This level is visible only when joined.</strong>";
    out_ << "</p>\n<table>\n<tr><th>Agency</th><th>Level alone</th><th>Score alone</th>"
            "<th>Evidence</th></tr>\n";
    for (const Fragment& f : c.fragments) {
      std::string evidence;
      for (VertexIndex v : f.evidence)
        evidence += (evidence.empty() ? "" : ", ") + e(results_.vertex_id(v));
      out_ << "<tr><td>" << e(name(f)) << "</td><td>" << e(pack_.levels()[f.level].title) << "</td>"
           << points_cell(f.total) << "<td>" << (evidence.empty() ? std::string("—") : evidence)
           << "</td></tr>\n";
    }
    out_ << "</table>\n";
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
        out_ << "<li>" << e(pack_.rules()[r].title) << " (" << e(pack_.rules()[r].id) << ")</li>\n";
      for (std::uint32_t o : c.joining_overrides)
        out_ << "<li>policy override " << e(pack_.overrides()[o].id) << "</li>\n";
      out_ << "</ul>\n";
    }
    out_ << "</section>\n";
  }

  void not_assessable() {
    const NotAssessable* first = results_.not_assessable_begin(row_);
    const NotAssessable* last = results_.not_assessable_end(row_);
    if (first == last) return;
    out_ << "<section class=\"missing\">\n<h2>Not assessable</h2>\n<p class=\"question\">These "
            "rules could not be applied because data they need is unknown; they add nothing.</p>"
            "\n<ul>\n";
    for (const NotAssessable* n = first; n != last; ++n) {
      const std::string& id =
          n->is_override ? pack_.overrides()[n->rule].id : pack_.rules()[n->rule].id;
      out_ << "<li>" << (n->is_override ? "override " : "rule ") << e(id) << ": "
           << e(expr::attr_info(n->missing).name) << " unknown</li>\n";
    }
    out_ << "</ul>\n</section>\n";
  }

  // The statutory timeline, overdue steps highlighted. Left out when the child has no process
  // events: a page of empty tables helps no one.
  void timeline() {
    const std::vector<StepView> steps = view_steps(results_, row_);
    const std::vector<TimelineIssueView> issues = view_timeline_issues(results_, row_);
    if (steps.empty() && issues.empty()) return;
    out_ << "<section class=\"timeline\" id=\"timeline\">\n<h2>Statutory timeline</h2>\n"
         << "<p class=\"question\">" << e(timeline_process_title(results_))
         << ": working days on the " << e(to_string(timeline_nation(results_)))
         << " calendar (weekends, bank holidays and local closures excluded).</p>\n";
    if (!steps.empty()) {
      out_ << "<table>\n<tr><th>Step</th><th>Clock started</th><th>Due</th><th>Done</th>"
              "<th>Status</th></tr>\n";
      for (const StepView& s : steps) {
        const char* css =
            s.status == StepStatus::overdue
                ? "overdue"
                : (s.status == StepStatus::late
                       ? "late"
                       : (s.status == StepStatus::not_required ? "not-required" : ""));
        out_ << "<tr class=\"step " << css << "\"><td>" << e(s.title) << "</td><td>"
             << e(format_iso_date(s.start)) << " <span class=\"summary\">" << e(s.trigger_id)
             << "</span></td><td>"
             << (s.due == kNoDay ? std::string("—") : e(format_iso_date(s.due))) << "</td><td>";
        if (!s.done_id.empty()) {
          out_ << e(format_iso_date(s.completed)) << " <span class=\"summary\">" << e(s.done_id)
               << "</span>";
        } else {
          out_ << "—";
        }
        out_ << "</td><td class=\"status\">" << e(s.status_text) << "</td></tr>\n";
      }
      out_ << "</table>\n";
    }
    if (!issues.empty()) {
      out_ << "<h3>Gaps in the record</h3>\n<ul>\n";
      for (const TimelineIssueView& i : issues) {
        out_ << "<li>" << e(i.event_id) << ": " << e(i.issue);
        if (!i.note.empty()) out_ << " <span class=\"summary\">(" << e(i.note) << ")</span>";
        out_ << "</li>\n";
      }
      out_ << "</ul>\n";
    }
    out_ << "</section>\n";
  }

  void ecomap(const std::string& svg, const std::string& note) {
    out_ << "<section class=\"ecomap-section\" id=\"ecomap\">\n<h2>Ecomap</h2>\n";
    if (svg.empty()) {
      out_ << "<p class=\"empty\">" << e(note) << "</p>\n</section>\n";
      return;
    }
    // Graphviz's SVG starts with an XML declaration and a DOCTYPE, neither of which belongs
    // inside an HTML document (and the DOCTYPE names a DTD on the web).
    const std::size_t start = svg.find("<svg");
    out_ << "<div class=\"ecomap\">\n"
         << (start == std::string::npos ? std::string() : svg.substr(start)) << "</div>\n"
         << "</section>\n";
  }

  void provenance() {
    out_ << "<section class=\"provenance\" id=\"provenance\">\n<h2>Provenance</h2>\n"
            "<dl class=\"provenance\">\n"
         << "<dt>Case file</dt><dd>" << e(session_.case_path) << "</dd>\n"
         << "<dt>As of</dt><dd>" << e(format_iso_date(results_.as_of()))
         << (session_.as_of.from_evidence ? " (latest evidence date; no --as-of given)"
                                          : " (given with --as-of)")
         << "</dd>\n<dt>Rule pack</dt><dd>" << e(pack_.id()) << " " << e(pack_.version()) << " — "
         << e(pack_.title()) << "</dd>\n<dt>Pack SHA-256</dt><dd><code>" << e(pack_.hash())
         << "</code></dd>\n<dt>Pack source</dt><dd>" << e(session_.pack.origin) << "</dd>\n"
         << "<dt>Viewer</dt><dd>" << e(describe_viewer(session_.viewer)) << "</dd>\n"
         << "<dt>Program</dt><dd>safeguard " << SG_VERSION_STRING << "</dd>\n</dl>\n</section>\n";
  }

  const Session& session_;
  const Results& results_;
  const RuleSet& pack_;
  std::size_t row_;
  std::string child_id_;
  std::ostringstream out_;
};

}  // namespace

std::string report_html(const Session& session, std::size_t row, const std::string& ecomap_svg,
                        const std::string& ecomap_note) {
  return Page(session, row).render(ecomap_svg, ecomap_note);
}

}  // namespace safeguard::cli
