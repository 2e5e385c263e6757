// The ecomap; see render.hpp.
//
// The picture is built as a small boost::adjacency_list of its own (ecomap nodes are not case
// vertices one to one: hidden evidence is anonymised, people outside the circle who provide
// support are added) and written with boost::write_graphviz and property writers. Node names
// in the DOT are the ecomap's own vertex numbers, never case ids, because Graphviz copies node
// names into the SVG (<title>), and a restricted concern's id must not reach it.
#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "render/page.hpp"
#include "render/render_common.hpp"
#include "render/text.hpp"
#include "safeguard/render.hpp"

namespace safeguard {
namespace {

using render_detail::check_layout;
using render_detail::check_row;
using render_detail::fixed;
using render_detail::html_escape;
using render_detail::words;

enum class NodeKind { child, person, agency, concern, restricted, factor, place, group };

struct EcoNode {
  NodeKind kind = NodeKind::person;
  std::vector<std::string> lines;  // label, one entry per line
  double points = 0;               // signed contribution to the child's total
  bool inactive = false;           // evidence that counts for nothing as of the date
  std::string tooltip;
};

struct EcoEdge {
  std::string label;
  double points = 0;
  bool dashed = false;
  bool arrow = true;
  bool ranks = true;  // false: the dot layout does not rank along it (partners sit side by side)
};

using EcoGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, EcoNode, EcoEdge>;
using EcoVertex = boost::graph_traits<EcoGraph>::vertex_descriptor;

// DOT double-quoted string. Backslashes are doubled so that Graphviz's label escapes (\N, \G,
// \l...) in data are shown as written instead of being interpreted.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// A label's lines, each at most kLabelWidth bytes where words allow: a long line is split at
// its " · " separators first, then between words (never inside one, so an id, a date or a
// UTF-8 sequence stays whole). Narrow nodes keep the picture narrow enough to print on A4 at
// its own size (docs/cli.md, "Ecomaps on paper").
constexpr std::size_t kLabelWidth = 18;
// The smallest type in the picture, in points at its own size: the dot layout is at most about
// 620 points wide, so on A4 (186 mm, 527 points, between the margins) nothing prints below 9.
constexpr int kFontSize = 11;

std::vector<std::string> wrapped(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  auto wrap_words = [&out](const std::string& part) {
    std::string current;
    std::size_t start = 0;
    while (start <= part.size()) {
      std::size_t end = part.find(' ', start);
      if (end == std::string::npos) end = part.size();
      const std::string word = part.substr(start, end - start);
      if (!current.empty() && current.size() + 1 + word.size() > kLabelWidth) {
        out.push_back(current);
        current.clear();
      }
      current += (current.empty() ? "" : " ") + word;
      start = end + 1;
    }
    if (!current.empty()) out.push_back(current);
  };
  static const std::string kSeparator = " · ";
  for (const std::string& line : lines) {
    if (line.size() <= kLabelWidth) {
      out.push_back(line);
      continue;
    }
    std::size_t start = 0;
    while (true) {
      const std::size_t found = line.find(kSeparator, start);
      const std::string part =
          line.substr(start, found == std::string::npos ? std::string::npos : found - start);
      if (part.size() <= kLabelWidth)
        out.push_back(part);
      else
        wrap_words(part);
      if (found == std::string::npos) break;
      start = found + kSeparator.size();
    }
  }
  return out;
}

std::string label_of(const std::vector<std::string>& lines) {
  std::string text;
  const std::vector<std::string> shown = wrapped(lines);
  for (std::size_t i = 0; i < shown.size(); ++i) {
    std::string escaped = quoted(shown[i]);
    text += (i ? "\\n" : "") + escaped.substr(1, escaped.size() - 2);
  }
  return "\"" + text + "\"";
}

std::string signed_points(double value) {
  const std::string text = fixed(value, 2);
  return (value > 0 && text != "0.00" ? "+" : "") + text + " pts";
}

// Colour ramps: risk runs from pale orange to deep red, strengths from pale to deep blue.
std::string blend(const int from[3], const int to[3], double t) {
  t = std::clamp(t, 0.0, 1.0);
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x",
                static_cast<int>(std::lround(from[0] + (to[0] - from[0]) * t)),
                static_cast<int>(std::lround(from[1] + (to[1] - from[1]) * t)),
                static_cast<int>(std::lround(from[2] + (to[2] - from[2]) * t)));
  return buffer;
}

constexpr int kRiskLow[3] = {0xfe, 0xe8, 0xc8};
constexpr int kRiskHigh[3] = {0xc6, 0x2a, 0x0f};
// Strengths in blue, not green: red against blue reads apart for every common colour-vision
// deficiency, red against green does not (docs/cli.md, "Colours").
constexpr int kStrengthLow[3] = {0xde, 0xeb, 0xf7};
constexpr int kStrengthHigh[3] = {0x21, 0x66, 0xac};
constexpr const char* kNeutralFill = "#f2f2f2";
constexpr const char* kNeutralLine = "#9a9a9a";

struct Scale {
  double largest = 1;  // |points| that gets the strongest colour and width

  double weight(double points) const { return std::min(1.0, std::fabs(points) / largest); }
  std::string fill(double points) const {
    if (std::fabs(points) < 0.005) return kNeutralFill;
    return points > 0 ? blend(kRiskLow, kRiskHigh, weight(points))
                      : blend(kStrengthLow, kStrengthHigh, weight(points));
  }
  std::string line(double points) const {
    if (std::fabs(points) < 0.005) return kNeutralLine;
    const double t = 0.35 + 0.65 * weight(points);
    return points > 0 ? blend(kRiskLow, kRiskHigh, t) : blend(kStrengthLow, kStrengthHigh, t);
  }
  // Dark fills need light text to stay readable.
  std::string font(double points) const {
    return std::fabs(points) >= 0.005 && weight(points) > 0.6 ? "white" : "black";
  }
};

// The fill of the child's node: the level's colour, as the report's level panel paints it
// (page.hpp), so a colour means one thing on both.
std::string level_fill(int level, std::size_t level_count) {
  return render_detail::level_colour(level, level_count);
}

std::string role_words(RoleMask roles) {
  static constexpr std::pair<Role, const char*> kNames[] = {
      {Role::carer, "parent/carer"},  {Role::sibling, "sibling"}, {Role::partner, "partner"},
      {Role::household, "household"}, {Role::associate, "peer"},
  };
  std::string text;
  for (const auto& [role, name] : kNames) {
    if (roles & role_bit(role)) text += (text.empty() ? "" : ", ") + std::string(name);
  }
  return text;
}

class Builder {
 public:
  Builder(const Results& results, std::size_t row, const RenderOptions& options)
      : options_(options),
        results_(results),
        row_(row),
        circle_(view_circle(results_, row, options.viewer)),
        child_vertex_(circle_.child) {}

  EcoGraph build() {
    sum_contributions();
    add_child();
    add_circle();
    add_concerns();
    add_hidden_evidence();
    add_factors();
    add_network();
    add_partnerships();
    return std::move(graph_);
  }

  EcoVertex child_node() const { return child_node_; }
  double largest_points() const { return largest_; }
  std::vector<EcoVertex> household_nodes() const { return household_; }

 private:
  // The points each node adds, from the viewer-scoped lines (explain.hpp): a withheld line
  // gives its points to a "restricted source" node only, never to its evidence, the person it
  // is about or the agency that raised it (the view does not say which they are).
  void sum_contributions() {
    for (const LineView& line : view_contributions(results_, row_, options_.viewer)) {
      if (line.withheld()) {
        hidden_points_ += line.value;
        any_hidden_ = true;
      } else if (line.propagated()) {
        // Risk that travelled from a neighbour (a peer, a group, a place). The one summary
        // line the association cap leaves when nothing counts has no neighbour and no value.
        if (!line.network_summary) {
          network_points_[line.via] += line.value;
          network_relation_[line.via] = line.relation;
        }
      } else if (line.evidence.vertex == kNoVertex) {
        own_record_points_ += line.value;
      } else {
        evidence_points_[line.evidence.vertex] += line.value;
        if (line.via != kNoVertex && line.via != child_vertex_) via_points_[line.via] += line.value;
      }
    }
  }

  EcoVertex add_node(NodeKind kind, std::vector<std::string> lines, double points,
                     std::string tooltip = {}) {
    EcoNode node;
    node.kind = kind;
    node.lines = std::move(lines);
    node.points = points;
    node.tooltip = std::move(tooltip);
    if (kind != NodeKind::child) largest_ = std::max(largest_, std::fabs(points));
    return boost::add_vertex(std::move(node), graph_);
  }

  void add_edge(EcoVertex from, EcoVertex to, std::string label, double points, bool dashed = false,
                bool arrow = true, bool ranks = true) {
    EcoEdge edge;
    edge.ranks = ranks;
    edge.label = std::move(label);
    edge.points = points;
    edge.dashed = dashed;
    edge.arrow = arrow;
    boost::add_edge(from, to, std::move(edge), graph_);
  }

  void add_child() {
    const RuleSet& pack = results_.rules();
    const int level = results_.level(row_);
    std::vector<std::string> lines = {std::string(circle_.child_id), words(pack.levels()[level].id),
                                      "total " + fixed(results_.total(row_), 2)};
    if (results_.immediate_safety(row_)) lines.push_back("IMMEDIATE SAFETY");
    child_node_ = add_node(NodeKind::child, std::move(lines), results_.total(row_),
                           pack.levels()[level].title);
    person_nodes_[child_vertex_] = child_node_;
    // Rules about the whole picture (three agencies worried, repeat incidents, a baby with a
    // recent concern) belong to no single piece of evidence: one node carries them.
    if (std::fabs(own_record_points_) >= 0.005) {
      const EcoVertex whole = add_node(NodeKind::concern,
                                       {"the joined-up picture", "(rules over all the evidence)",
                                        signed_points(own_record_points_)},
                                       own_record_points_);
      add_edge(whole, child_node_, "", own_record_points_);
    }
  }

  EcoVertex person_node(VertexIndex person, std::string_view id, std::string_view kind,
                        const std::string& role) {
    if (const auto found = person_nodes_.find(person); found != person_nodes_.end())
      return found->second;
    const double points = via_points_.count(person) ? via_points_[person] : 0.0;
    std::vector<std::string> lines = {std::string(id),
                                      std::string(kind) + (role.empty() ? "" : " · " + role)};
    if (std::fabs(points) >= 0.005) {
      lines.push_back(signed_points(points));
      lines.push_back("through them");
    }
    const EcoVertex node = add_node(NodeKind::person, std::move(lines), points);
    person_nodes_[person] = node;
    return node;
  }

  void add_circle() {
    for (const CircleMemberView& m : circle_.members) {
      const std::string role = role_words(m.roles);
      const EcoVertex node = person_node(m.vertex, m.id, to_string(m.kind), role);
      members_.insert(m.vertex);
      const double points = graph_[node].points;
      // The role is on the person's node; the edge only joins them to the child.
      add_edge(node, child_node_, "", points, (m.roles & role_bit(Role::associate)) != 0, false);
      if (m.roles & (role_bit(Role::household) | role_bit(Role::carer)) && m.shares_household)
        household_.push_back(node);
    }
    if (circle_.child_in_household) household_.push_back(child_node_);
  }

  EcoVertex agency_node(std::string_view id, std::string_view name, std::string_view type) {
    if (const auto found = agency_nodes_.find(id); found != agency_nodes_.end())
      return found->second;
    std::vector<std::string> lines = {std::string(id)};
    if (!name.empty()) lines.push_back(std::string(name));
    lines.push_back(words(type));
    const EcoVertex node = add_node(NodeKind::agency, std::move(lines), 0);
    agency_nodes_[id] = node;
    return node;
  }

  // Concerns in the child's circle that exist as of the date and that the viewer may see.
  void add_concerns() {
    std::map<EcoVertex, double> agency_points;
    // The circle view leaves out what the viewer is not cleared for (its points are on a
    // "restricted source" node).
    for (const EvidenceView& concern : circle_.concerns) {
      const auto counted = evidence_points_.find(concern.vertex);
      const bool about_child = std::find(concern.about.begin(), concern.about.end(),
                                         child_vertex_) != concern.about.end();
      if (counted == evidence_points_.end() && !about_child && !options_.all_evidence) continue;
      const double points = counted == evidence_points_.end() ? 0.0 : counted->second;
      std::vector<std::string> lines = {
          std::string(concern.id),
          words(concern.category) + " · severity " + std::to_string(concern.severity),
          std::string(to_string(concern.status)) + " · " + format_iso_date(concern.date),
          counted == evidence_points_.end() ? "no points" : signed_points(points)};
      const EcoVertex node = add_node(NodeKind::concern, std::move(lines), points);
      graph_[node].inactive = counted == evidence_points_.end();
      const EcoVertex agency =
          agency_node(concern.agency_id, concern.agency_name, concern.agency_type);
      add_edge(agency, node, "", points);  // arrows: agency -> concern -> person (legend)
      agency_points[agency] += points;
      for (const VertexIndex about : concern.about) {
        const auto person = person_nodes_.find(about);
        if (person != person_nodes_.end()) add_edge(node, person->second, "", points);
      }
      for (const VertexIndex involved : concern.involves) {
        const auto person = person_nodes_.find(involved);
        if (person != person_nodes_.end())
          add_edge(node, person->second, "alleged to cause harm", points, true);
      }
    }
    for (const auto& [agency, points] : agency_points) {
      graph_[agency].points = points;
      graph_[agency].lines.push_back(signed_points(points));
      largest_ = std::max(largest_, std::fabs(points));
    }
  }

  // Restricted evidence the viewer is not cleared for: ONE anonymous node for all of it (the
  // fold view_scores makes), joined only to the child, so neither its source, nor the person it
  // is about, nor how many items there are can be read off.
  void add_hidden_evidence() {
    if (!any_hidden_) return;
    const EcoVertex node =
        add_node(NodeKind::restricted, {"restricted source", signed_points(hidden_points_)},
                 hidden_points_, "details withheld: the viewer is not cleared");
    add_edge(node, child_node_, "", hidden_points_, true);
  }

  void add_factors() {
    const Day as_of = results_.as_of();
    for (const FactorCircleView& factor : circle_.factors) {
      const EvidenceView& view = factor.evidence;
      const VertexIndex vertex = view.vertex;
      const auto counted = evidence_points_.find(vertex);
      const double points = counted == evidence_points_.end() ? 0.0 : counted->second;
      const bool ended = view.end != kNoDay && view.end < as_of;
      std::vector<std::string> lines = {
          std::string(view.id),
          words(view.category) + " · strength " + std::to_string(view.severity),
          ended ? "ended " + format_iso_date(view.end)
                : (counted == evidence_points_.end() ? "no points" : signed_points(points))};
      const EcoVertex node = add_node(NodeKind::factor, std::move(lines), points);
      graph_[node].inactive = counted == evidence_points_.end();
      // A factor that protects the child points at the child alone, however many others it
      // protects; otherwise at the people in the picture through whom it counts.
      const bool protects_child = std::find(factor.protects.begin(), factor.protects.end(),
                                            child_vertex_) != factor.protects.end();
      for (const VertexIndex protected_person : factor.protects) {
        if (protects_child && protected_person != child_vertex_) continue;
        const auto person = person_nodes_.find(protected_person);
        if (person != person_nodes_.end()) add_edge(node, person->second, "protects", points);
      }
      if (factor.provider_kind == VertexKind::person) {
        const NodeView provider = view_node(results_, factor.provider);
        add_edge(
            person_node(provider.vertex, provider.id, to_string(provider.person_kind), "supporter"),
            node, "provides", points);
      } else if (factor.provider_kind == VertexKind::agency) {
        add_edge(agency_node(factor.provider_id, factor.provider_name, factor.provider_type), node,
                 "provides", points);
      }
    }
  }

  // Contextual safeguarding: the places the child frequents and the groups they belong to,
  // and every neighbour whose risk reached the child through the network (propagation), with
  // the points it brought.
  void add_network() {
    std::map<VertexIndex, std::string_view> linked = network_relation_;
    for (const LinkView& link : circle_.links)
      linked.emplace(link.node.vertex, to_string(link.relation));
    for (const auto& [vertex, relation] : linked) {
      const auto counted = network_points_.find(vertex);
      const double points = counted == network_points_.end() ? 0.0 : counted->second;
      const bool through = counted != network_points_.end();
      const NodeView other = view_node(results_, vertex);
      const VertexKind kind = other.kind;
      EcoVertex node;
      if (kind == VertexKind::person) {
        node = person_node(vertex, other.id, to_string(other.person_kind), "peer");
        graph_[node].points += points;
        if (through) {
          graph_[node].lines.push_back(signed_points(points));
          graph_[node].lines.push_back("through the network");
        }
        largest_ = std::max(largest_, std::fabs(graph_[node].points));
      } else if (kind == VertexKind::place || kind == VertexKind::group) {
        const bool place = kind == VertexKind::place;
        std::vector<std::string> lines = {std::string(other.id)};
        if (!other.name.empty()) lines.push_back(std::string(other.name));
        lines.push_back(words(other.label));
        if (through) {
          lines.push_back(signed_points(points));
          lines.push_back("through the network");
        }
        node = add_node(place ? NodeKind::place : NodeKind::group, std::move(lines), points);
      } else {
        continue;
      }
      graph_[node].inactive = counted == network_points_.end();
      // A person already linked to the child (a peer in the circle) keeps that one edge, which
      // now carries the network's points too.
      if (kind == VertexKind::person && in_circle(vertex)) {
        for (const auto edge : boost::make_iterator_range(boost::out_edges(node, graph_))) {
          if (boost::target(edge, graph_) == child_node_) graph_[edge].points += points;
        }
      } else {
        add_edge(node, child_node_, words(relation), points, true);
      }
    }
  }

  bool in_circle(VertexIndex person) const { return members_.count(person) > 0; }

  // Partners among the adults drawn, so that the household's couples read as couples.
  void add_partnerships() {
    for (const auto& pair : circle_.partnerships) {
      const auto from = person_nodes_.find(pair.first);
      const auto to = person_nodes_.find(pair.second);
      if (from != person_nodes_.end() && to != person_nodes_.end())
        add_edge(from->second, to->second, "partners", 0, false, false, false);
    }
  }

  const RenderOptions& options_;
  const Results& results_;
  std::size_t row_;
  CircleView circle_;
  VertexIndex child_vertex_;
  std::set<VertexIndex> members_;
  EcoGraph graph_;
  EcoVertex child_node_ = 0;
  double own_record_points_ = 0;
  double largest_ = 1;
  std::map<VertexIndex, double> evidence_points_;
  std::map<VertexIndex, double> via_points_;
  double hidden_points_ = 0;  // every withheld line's points, folded
  bool any_hidden_ = false;
  std::map<VertexIndex, double> network_points_;
  std::map<VertexIndex, std::string_view> network_relation_;
  std::map<VertexIndex, EcoVertex> person_nodes_;
  std::map<std::string_view, EcoVertex> agency_nodes_;
  std::vector<EcoVertex> household_;
};

const char* shape_of(NodeKind kind) {
  switch (kind) {
    case NodeKind::child:
      return "doublecircle";
    case NodeKind::person:
      return "ellipse";
    case NodeKind::agency:
      return "box";
    case NodeKind::concern:
      return "note";
    case NodeKind::restricted:
      return "note";
    case NodeKind::factor:
      return "hexagon";
    case NodeKind::place:
      return "house";
    case NodeKind::group:
      return "tab";
  }
  return "ellipse";
}

// The legend, the graph's own label under the picture: an HTML-like table of the title, the
// shapes, the colour scale and the provenance. The graph's label stays in one piece under every
// layout engine (twopi and neato ignore clusters and would scatter a legend of many nodes) and,
// below the picture, never makes it wider than its widest line.
std::string legend(const Results& results, std::size_t row, const RenderOptions& options,
                   const Scale& scale) {
  const RuleSet& pack = results.rules();
  auto swatch = [](const std::string& fill, const std::string& text) {
    return "<tr><td bgcolor=\"" + fill +
           "\" border=\"1\" width=\"28\"> </td>"
           "<td align=\"left\">" +
           html_escape(text) + "</td></tr>";
  };
  auto line = [](const std::string& text) {
    return "<tr><td colspan=\"2\" align=\"left\">" + html_escape(text) + "</td></tr>";
  };
  std::ostringstream out;
  out << "<<table border=\"1\" cellborder=\"0\" cellspacing=\"2\" cellpadding=\"1\" "
         "color=\"#bbbbbb\" bgcolor=\"#fbfbfb\">"
      << "<tr><td colspan=\"2\"><b>"
      << html_escape("Ecomap of " + std::string(results.child_id(row))) << "</b></td></tr>"
      << swatch(level_fill(results.level(row), pack.levels().size()),
                "double circle: the child (fill: level)")
      << line("ellipse: a person") << line("rounded box: an agency")
      << line("folded page: a concern") << line("hexagon: a protective factor")
      << line("arrows: agency, the concern it raised, the person it is about")
      << line("house: a place; tab: a group (risk through the network)")
      << line("dashed outline: restricted source, or no points")
      << swatch(scale.fill(scale.largest), "adds most risk")
      << swatch(scale.fill(scale.largest * 0.3), "adds some risk")
      << swatch(kNeutralFill, "no points")
      << swatch(scale.fill(-scale.largest * 0.6), "reduces risk (strength, safety)")
      << line("wider lines and darker fills: more points")
      << line("child " + std::string(results.child_id(row)) + ", as of " +
              format_iso_date(results.as_of()) +
              (options.as_of_from_evidence ? " (latest evidence date)" : ""))
      << line("rule pack " + pack.id() + " " + pack.version() + ", sha256 " +
              pack.hash().substr(0, 12))
      << line("viewer: " + describe_viewer(options.viewer)) << "</table>>";
  return out.str();
}

}  // namespace

std::string render_ecomap_dot(const Results& results, std::size_t row,
                              const RenderOptions& options) {
  check_row(results, row);
  const std::string& layout = options.layout;
  check_layout(layout);
  Builder builder(results, row, options);
  const EcoGraph graph = builder.build();
  Scale scale;
  scale.largest = std::max(1.0, builder.largest_points());
  const RuleSet& pack = results.rules();
  const EcoVertex child = builder.child_node();
  const std::vector<EcoVertex> household = builder.household_nodes();

  auto vertex_writer = [&](std::ostream& out, EcoVertex v) {
    const EcoNode& node = graph[v];
    const double weight = scale.weight(node.points);
    out << "[label=" << label_of(node.lines) << ", shape=" << shape_of(node.kind);
    if (node.kind == NodeKind::child) {
      const std::string fill = level_fill(results.level(row), pack.levels().size());
      out << ", style=\"filled,bold\", penwidth=3, fontsize=12, fillcolor=\"" << fill
          << "\", fontcolor=\"" << (render_detail::is_dark(fill) ? "white" : "black") << "\"";
      if (layout == "fdp" || layout == "neato") out << ", pos=\"0,0!\"";
    } else {
      std::string style = "filled";
      if (node.kind == NodeKind::agency) style += ",rounded";
      if (node.kind == NodeKind::restricted || node.inactive) style += ",dashed";
      out << ", style=\"" << style << "\", fillcolor=\"" << scale.fill(node.points)
          << "\", fontcolor=\"" << scale.font(node.points) << "\", color=\""
          << scale.line(node.points) << "\", penwidth=" << fixed(1 + 2.5 * weight, 2)
          << ", fontsize=" << fixed(kFontSize + 2 * weight, 1);
    }
    if (!node.tooltip.empty()) out << ", tooltip=" << quoted(node.tooltip);
    out << "]";
  };
  auto edge_writer = [&](std::ostream& out, boost::graph_traits<EcoGraph>::edge_descriptor e) {
    const EcoEdge& edge = graph[e];
    out << "[color=\"" << scale.line(edge.points)
        << "\", penwidth=" << fixed(0.8 + 4 * scale.weight(edge.points), 2);
    // In columns an edge's label would widen the gap between two columns: there it is an
    // external label, placed after the layout, beside the edge.
    if (!edge.label.empty())
      out << (layout == "dot" ? ", xlabel=" : ", label=") << quoted(edge.label)
          << ", fontcolor=\"#555555\"";
    if (edge.dashed) out << ", style=dashed";
    if (!edge.arrow) out << ", dir=none";
    if (!edge.ranks) out << ", constraint=false";
    out << "]";
  };
  auto graph_writer = [&](std::ostream& out) {
    out << "  graph [layout=" << layout << ", overlap=false, splines=true, sep=\"+8\","
        << " outputorder=edgesfirst, fontname=\"Helvetica\", fontsize=" << kFontSize
        << ", labelloc=b, pad=0.05, label=" << legend(results, row, options, scale);
    // dot: columns from left to right (agencies, their concerns and the factors, the people,
    // the child), so the width is four columns however many items there are and the picture
    // prints on A4 at its own size; height grows with the items instead.
    if (layout == "dot") out << ", rankdir=LR, nodesep=0.12, ranksep=0.25";
    // twopi: the child is the root, so the circle, the evidence and the agencies fall on
    // rings around them.
    if (layout == "twopi") out << ", root=" << child << ", ranksep=1.3";
    out << "];\n"
        << "  node [fontname=\"Helvetica\", margin=\"0.05,0.03\"];\n"
        << "  edge [fontname=\"Helvetica\", fontsize=" << kFontSize << ", arrowsize=0.6];\n";
    if (household.size() > 1) {
      out << "  subgraph cluster_household {\n"
          << "    label=\"household\"; fontsize=" << kFontSize
          << "; fontcolor=\"#777777\"; "
             "style=\"rounded,dashed\";"
             " color=\"#bbbbbb\";\n    ";
      for (const EcoVertex v : household) out << v << "; ";
      out << "\n  }\n";
    }
  };
  std::ostringstream out;
  boost::write_graphviz(out, graph, vertex_writer, edge_writer, graph_writer);
  return out.str();
}

}  // namespace safeguard
