// The family's composition drawn for the conference report: the people of the composition
// table (render/page.hpp, family_people: households and declared relations, so no one the
// reader could know of only through evidence) as Graphviz DOT, households boxed, with who
// looks after whom, brothers and sisters, and partners. Drawn to SVG as the ecomap is (the
// library writes DOT; the program and Python run `dot`), and put in the report through
// RenderOptions::family_svg.
#include <map>
#include <set>
#include <sstream>

#include "render/case_facts.hpp"
#include "render/page.hpp"
#include "render/render_common.hpp"
#include "render/text.hpp"
#include "safeguard/render.hpp"

namespace safeguard {
namespace {

using render_detail::html_escape;

// How a person is labelled: "Amy Ash (8)" where the case gives a name, else as the composition
// table says them ("child P-ASH-C1, aged 8", "an adult, aged 35": adults go unnamed by id).
std::string label_of(const Results& results, VertexIndex vertex) {
  const PersonView person = view_person(results, vertex);
  const std::string name = render_detail::display_name(person);
  if (!name.empty()) return html_escape(name);
  return render_detail::person_label(view_node(results, vertex)) +
         render_detail::aged(person.age_years);
}

}  // namespace

std::string render_family_dot(const Results& results, const std::vector<std::size_t>& rows,
                              const RenderOptions& options) {
  render_detail::check_rows(results, rows);
  const render_detail::FamilyPeople people =
      render_detail::family_people(results, rows, options.viewer);
  std::map<VertexIndex, std::size_t> number;  // node names are numbers, never case ids
  std::map<std::string, VertexIndex> child_by_id;
  std::map<VertexIndex, std::vector<VertexIndex>> households;
  std::vector<VertexIndex> outside;
  for (const auto& entry : people) {
    const VertexIndex person = entry.first;
    number.emplace(person, number.size());
    const VertexIndex household = render_detail::household_of(results, person);
    (household == kNoVertex ? outside : households[household]).push_back(person);
  }
  for (const std::size_t row : rows)
    child_by_id.emplace(std::string(results.child_id(row)), results.child_vertex(row));

  std::ostringstream out;
  out << "graph family {\n"
         "  graph [fontname=\"Helvetica\", fontsize=14, nodesep=0.5, ranksep=0.7];\n"
         "  node [fontname=\"Helvetica\", fontsize=14, shape=box, style=\"rounded,filled\", "
         "fillcolor=\"#ffffff\", color=\"#555a60\"];\n"
         "  edge [fontname=\"Helvetica\", fontsize=12, color=\"#555a60\", "
         "fontcolor=\"#1d1d1f\"];\n";
  auto node = [&](VertexIndex person, const char* indent) {
    const bool child = view_person(results, person).kind == PersonKind::child;
    out << indent << "p" << number.at(person) << " [label=<" << label_of(results, person) << ">"
        << (child ? ", shape=ellipse, fillcolor=\"#f2f2f2\"" : "") << "];\n";
  };
  std::size_t cluster = 0;
  for (const auto& [household, members] : households) {
    out << "  subgraph cluster_" << cluster++ << " {\n    label=<household "
        << html_escape(render_detail::vertex_id(results, household))
        << ">; style=\"rounded,dashed\"; color=\"#999999\"; fontcolor=\"#555a60\";\n";
    for (const VertexIndex member : members) node(member, "    ");
    out << "  }\n";
  }
  for (const VertexIndex person : outside) node(person, "  ");

  // Each pair joined once: a carer above the child, brothers and sisters, partners.
  std::set<std::pair<VertexIndex, VertexIndex>> joined;
  auto edge = [&](VertexIndex a, VertexIndex b, const char* words, const char* more = "") {
    if (!number.count(a) || !number.count(b) || a == b) return;
    if (!joined.insert({std::min(a, b), std::max(a, b)}).second) return;
    out << "  p" << number.at(a) << " -- p" << number.at(b) << " [label=\"" << words << "\"" << more
        << "];\n";
  };
  for (const auto& [person, roles] : people) {
    for (const auto& [words, children] : roles) {
      const bool carer = words == render_detail::kLooksAfter;
      if (!carer && words != render_detail::kSiblingOf) continue;
      for (const std::string& id : children) {
        const auto child = child_by_id.find(id);
        if (child != child_by_id.end())
          edge(person, child->second, carer ? "parent or carer" : "brother or sister");
      }
    }
  }
  for (const std::size_t row : rows) {
    for (const auto& [a, b] : view_circle(results, row, options.viewer).partnerships)
      edge(a, b, "partners", ", constraint=false");  // side by side, not one above the other
  }
  out << "}\n";
  return out.str();
}

}  // namespace safeguard
