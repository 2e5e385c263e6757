// Pieces the two HTML pages share; see page.hpp.
#include "render/page.hpp"

#include <cmath>
#include <map>
#include <set>

#include "render/case_facts.hpp"
#include "render/text.hpp"

namespace safeguard::render_detail {

namespace {

constexpr const char* kStyle = R"css(
:root { --ink: #1d1d1f; --muted: #555a60; --rule: #d9d9de; --risk: #c62a0f; --strength: #1f5f9e; }
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
.summary { color: var(--muted); font-size: 8.5pt; }
.working { color: var(--muted); font-size: 8.5pt; white-space: nowrap; }
.question { color: var(--muted); font-size: 9pt; margin: 0 0 1mm; }
.empty { color: var(--muted); font-style: italic; font-size: 9.5pt; }
.ecomap { text-align: center; }
.ecomap svg { width: 100%; height: auto; max-height: 250mm; }
.family-diagram { text-align: center; margin-top: 3mm; }
.family-diagram svg { max-width: 100%; height: auto; max-height: 120mm; }
.nobreak { white-space: nowrap; }
th[scope=row] { text-transform: none; letter-spacing: 0; font-size: 9.5pt; color: var(--ink); font-weight: normal; }
.views { border: 1px solid var(--rule); min-height: 30mm; padding: 2mm; margin-bottom: 3mm; }
.sos { display: grid; grid-template-columns: repeat(3, 1fr); gap: 3mm; }
.sos-column { border-top: 3px solid var(--rule); padding-top: 1mm; }
.sos-column ul, ul.voices { margin: 0; padding-left: 5mm; font-size: 9.5pt; }
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
  section.child, section.appendix, section.family { break-inside: auto; }
  .ecomap-section { break-inside: avoid; }
  .appendix { break-before: page; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
)css";

// The conference report's own rules: its withheld items. (The family version never mentions
// restricted evidence, not even in a class name.)
constexpr const char* kReportStyle = ".restricted { font-style: italic; color: var(--muted); }\n";

}  // namespace

std::string page_head(const std::string& title, Audience audience) {
  return "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         html_escape(title) + "</title>\n<style>" + kStyle +
         (audience == Audience::professional ? kReportStyle : "") + "</style>\n</head>\n<body>\n";
}

std::string level_colour(int level, std::size_t level_count) {
  // Grey for the lowest level (no added need: neither risk nor strength), then warm colours
  // deepening to the risk colour; blue is kept for strengths.
  static constexpr const char* kRamp[] = {"#e6e6e6", "#fde3b0", "#f9b27a", "#e9603f", "#c62a0f"};
  if (level_count <= 1) return kRamp[0];
  const double t = static_cast<double>(level) / static_cast<double>(level_count - 1);
  return kRamp[static_cast<int>(std::lround(t * 4))];
}

bool is_dark(const std::string& colour) {
  // WCAG 2.1 relative luminance; white text when it contrasts more than the ink (#1d1d1f).
  const auto linear = [&](int at) {
    const double c = std::stoi(colour.substr(at, 2), nullptr, 16) / 255.0;
    return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  };
  const double luminance = 0.2126 * linear(1) + 0.7152 * linear(3) + 0.0722 * linear(5);
  constexpr double kInk = 0.0124;  // relative luminance of #1d1d1f
  return (1.05 / (luminance + 0.05)) > ((luminance + 0.05) / (kInk + 0.05));
}

std::string person_label(const NodeView& person) {
  return person.person_kind == PersonKind::child ? "child " + html_escape(person.id)
                                                 : std::string("an adult");
}

std::string aged(int age_in_years) {
  if (age_in_years < 0) return "";
  return age_in_years == 0 ? ", aged under 1" : ", aged " + std::to_string(age_in_years);
}

std::string display_name(const PersonView& person) {
  if (person.name.empty()) return {};
  std::string out(person.name);
  if (person.age_years == 0) return out + " (under 1)";
  if (person.age_years > 0) return out + " (" + std::to_string(person.age_years) + ")";
  return out;
}

std::string child_heading(const Results& results, std::size_t row) {
  const PersonView child = view_person(results, results.child_vertex(row));
  const std::string name = display_name(child);
  if (!name.empty()) return html_escape(name);
  return html_escape(child.id) + aged(child.age_years);
}

std::string attribution(const EntryView& entry, const std::string& date) {
  std::string out = "<span class=\"nobreak\">" + html_escape(entry.author) +
                    "</span>, <span class=\"nobreak\">" + html_escape(date) + "</span>";
  if (!entry.agency_id.empty())
    out += ", " + html_escape(entry.agency_name.empty() ? entry.agency_id : entry.agency_name);
  return out;
}

std::vector<EntryView> entries_of(const std::vector<EntryView>& entries, EntryKind kind) {
  std::vector<EntryView> out;
  for (const EntryView& entry : entries) {
    if (entry.kind == kind) out.push_back(entry);
  }
  return out;
}

FamilyPeople family_people(const Results& results, const std::vector<std::size_t>& rows,
                           const Viewer& viewer) {
  static constexpr std::pair<Role, const char*> kRoleNames[] = {
      {Role::carer, kLooksAfter},
      {Role::sibling, kSiblingOf},
      {Role::partner, "partner of a parent of"},
      {Role::household, "lives with"},
  };
  FamilyPeople people;
  for (const std::size_t row : rows) {
    people[results.child_vertex(row)];
    for (const VertexIndex member :
         household_members(results, household_of(results, results.child_vertex(row))))
      people[member];
    const CircleView circle = view_circle(results, row, viewer);
    for (const CircleMemberView& m : circle.members) {
      // Peers outside the household are the child's friends, not the family.
      if (m.roles == role_bit(Role::associate)) continue;
      for (const auto& role : kRoleNames) {
        if (m.roles & role_bit(role.first))
          people[m.vertex][role.second].push_back(std::string(results.child_id(row)));
      }
    }
  }
  return people;
}

std::string composition_table(const Results& results, const std::vector<std::size_t>& rows,
                              const Viewer& viewer) {
  const FamilyPeople people = family_people(results, rows, viewer);
  std::set<VertexIndex> listed_children;
  for (const std::size_t row : rows) listed_children.insert(results.child_vertex(row));
  std::string out =
      "<table class=\"composition\">\n<thead><tr><th scope=\"col\">Person</th><th "
      "scope=\"col\">Age</th><th scope=\"col\">Household</th><th scope=\"col\">Related to "
      "the children</th></tr></thead>\n<tbody>\n";
  for (const auto& [vertex, roles] : people) {
    const NodeView node = view_node(results, vertex);
    const PersonView person = view_person(results, vertex);
    const int age = person.age_years;
    const std::string name = display_name(person);
    const VertexIndex household = household_of(results, vertex);
    std::string relation;
    for (const auto& [words_text, children] : roles) {
      std::string of;
      for (const std::string& child : children) of += (of.empty() ? "" : ", ") + child;
      relation += (relation.empty() ? "" : "; ") + words_text + " (" + of + ")";
    }
    if (listed_children.count(vertex) && relation.empty()) relation = "a child of this report";
    out += "<tr><th scope=\"row\" class=\"nobreak\">" +
           (name.empty() ? person_label(node)
                         : html_escape(name) + "<br><span class=\"summary\">" + person_label(node) +
                               "</span>") +
           "</th><td>" +
           (age > 0    ? std::to_string(age)
            : age == 0 ? "under 1"
                       : "not known") +
           "</td><td>" +
           (household == kNoVertex ? std::string("—")
                                   : "<span class=\"nobreak\">" +
                                         html_escape(vertex_id(results, household)) + "</span>") +
           "</td><td>" + html_escape(relation.empty() ? "—" : relation) + "</td></tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

// "information held by another agency" for a sentence's middle.
static std::string lower_first(std::string_view text) {
  std::string out(text);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z')
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

std::string level_reason(const Results& results, std::size_t row, const Viewer& viewer) {
  const RuleSet& pack = results.rules();
  const int score_level = results.score_level(row);
  if (score_level == 0) {
    return "No index reaches a level above " + pack.levels()[0].title + ".";
  }
  // The index that set it, as the viewer may know it: one whose shown points reach the level
  // alone. When only the withheld points take a score there, naming the index would say what
  // the restricted evidence is about.
  const ScoresView view = view_scores(results, row, view_contributions(results, row, viewer));
  if (view.setter < 0) {
    return "Set by points that include " + lower_first(view.withheld_title) +
           " (their index is withheld): together they reach " + pack.levels()[score_level].title +
           ".";
  }
  const auto setter = static_cast<std::size_t>(view.setter);
  const IndexDef& index = pack.indices()[setter];
  return "Set by the " + index.title + " index: its score " + fixed(view.index_scores[setter], 2) +
         " reaches " + pack.levels()[score_level].title + " (from " +
         fixed(index.thresholds[score_level], 0) + ").";
}

}  // namespace safeguard::render_detail
