// The family version of the conference report: the same case for parents and children over
// ten, in plain words. No scores, rule ids, hashes or index names; restricted evidence the
// reader is not cleared for is never mentioned, not even that it exists (its lines and the
// overrides it fired are left out, not shown as "restricted"). Each worry or strength is said
// in the pack's plain wording for its rule (`plain`, docs/rules.md), or in a neutral sentence
// for its Signs of Safety heading when the pack has none.
#include <algorithm>
#include <initializer_list>
#include <set>
#include <sstream>

#include "render/case_facts.hpp"
#include "render/page.hpp"
#include "render/render_common.hpp"
#include "render/text.hpp"
#include "safeguard/day.hpp"
#include "safeguard/render.hpp"

namespace safeguard::render_detail {

namespace {

std::string e(std::string_view text) { return html_escape(text); }

// A neutral sentence per heading, for rules the pack gives no plain wording.
constexpr const char* kNeutral[] = {
    "Something has happened that worries the workers.",
    "The workers are worried that something could happen if nothing changes.",
    "Some things make life harder for the family right now.",
    "Some things are already helping to keep the child safe.",
    "There are good things in the child's life.",
};

using render_detail::long_date;

bool is_worry(const LineView& line) {
  return line.heading == Heading::harm || line.heading == Heading::danger ||
         line.heading == Heading::complicating;
}

class FamilyPage {
 public:
  FamilyPage(const Results& results, const std::vector<std::size_t>& rows,
             const RenderOptions& options)
      : results_(results), rows_(rows), options_(options) {}

  std::string render() {
    std::string ids;
    for (const std::size_t row : rows_)
      ids += (ids.empty() ? "" : " and ") + std::string(results_.child_id(row));
    out_ << page_head("Our worries and our plan: " + ids, Audience::family)
         << "<header>\n<h1>Our worries and our plan</h1>\n<p class=\"subtitle\">For the family of "
         << e(ids) << ". Written on " << e(long_date(results_.as_of())) << ".</p>\n</header>\n"
         << "<main>\n<section aria-labelledby=\"about-title\">\n<h2 id=\"about-title\">About "
            "this paper</h2>\n<p>This paper is for you to read before the meeting. It says what "
            "the workers are worried about, what is going well, and what needs to happen next. "
            "There is space at the end for your views. You can bring it to the meeting.</p>\n"
            "</section>\n";
    family();
    for (const std::size_t row : rows_) child(row);
    views();
    out_ << "</main>\n<footer>If something in this paper is wrong, please tell your social "
            "worker. They will put it right.</footer>\n</body>\n</html>\n";
    return out_.str();
  }

 private:
  void family() {
    out_ << "<section aria-labelledby=\"family-title\">\n<h2 id=\"family-title\">Who is in the "
            "family</h2>\n<table>\n<thead><tr><th scope=\"col\">Person</th><th scope=\"col\">"
            "Age</th></tr></thead>\n<tbody>\n";
    std::set<VertexIndex> people;
    for (const std::size_t row : rows_) {
      people.insert(results_.child_vertex(row));
      for (const VertexIndex member :
           household_members(results_, household_of(results_, results_.child_vertex(row))))
        people.insert(member);
    }
    for (const VertexIndex person : people) {
      const NodeView node = view_node(results_, person);
      const PersonView named = view_person(results_, person);
      const int age = named.age_years;
      out_ << "<tr><th scope=\"row\" class=\"nobreak\">"
           << (named.name.empty() ? person_label(node) : e(named.name)) << "</th><td>"
           << (age > 0    ? std::to_string(age)
               : age == 0 ? "under 1"
                          : "not known")
           << "</td></tr>\n";
    }
    out_ << "</tbody>\n</table>\n";
    // The family drawn (the same drawing as the conference report's), when the caller drew it:
    // who lives together and how people are related, for the family to check.
    const std::size_t start = options_.family_svg.find("<svg");
    if (start != std::string::npos) {
      out_ << "<p>This drawing shows who we have written down as your family, and how they are "
              "related. Tell us if it is wrong.</p>\n"
              "<div class=\"family-diagram\" role=\"img\" aria-label=\"A drawing of the "
              "family: who lives together and how they are related\">\n"
           << options_.family_svg.substr(start) << "</div>\n";
    }
    out_ << "</section>\n";
  }

  // Sentences for the lines the reader may see, each said once, in the order they come.
  std::vector<std::string> sentences(const std::vector<LineView>& lines, bool worries) const {
    std::vector<std::string> out;
    std::set<std::string> said;
    for (const LineView& line : lines) {
      if (line.withheld() || line.propagated() || line.rule == kNoRule) continue;
      if (is_worry(line) != worries) continue;
      const Rule& rule = results_.rules().rules()[line.rule];
      const std::string text =
          rule.plain.empty() ? kNeutral[static_cast<int>(line.heading)] : rule.plain;
      if (said.insert(text).second) out.push_back(text);
    }
    return out;
  }

  // The texts of the entries of these kinds, as written.
  static std::vector<std::string> texts(const std::vector<EntryView>& entries,
                                        std::initializer_list<EntryKind> kinds) {
    std::vector<std::string> out;
    for (const EntryView& entry : entries) {
      if (std::find(kinds.begin(), kinds.end(), entry.kind) != kinds.end())
        out.emplace_back(entry.text);
    }
    return out;
  }

  static std::vector<std::string> joined(std::vector<std::string> a,
                                         const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  // Words recorded from the child or the parents, with who wrote them down and when.
  void said(const std::vector<EntryView>& entries, EntryKind kind, const std::string& title) {
    const std::vector<EntryView> chosen = entries_of(entries, kind);
    if (chosen.empty()) return;
    out_ << "<h3>" << e(title) << "</h3>\n<ul>\n";
    for (const EntryView& entry : chosen) {
      out_ << "<li>" << e(entry.text) << " <span class=\"summary\">(written down by "
           << attribution(entry, long_date(entry.date)) << ")</span></li>\n";
    }
    out_ << "</ul>\n";
  }

  // How safe the workers and the family judged things to be, on a scale of 0 to 10.
  void scaling(const std::vector<EntryView>& entries) {
    std::vector<EntryView> judgements = entries_of(entries, EntryKind::scaling);
    if (judgements.empty()) return;
    std::reverse(judgements.begin(), judgements.end());
    out_ << "<h3>How safe things are, from 0 to 10</h3>\n<ul>\n";
    for (const EntryView& j : judgements) {
      out_ << "<li>";
      if (!j.question.empty()) out_ << e(j.question) << " ";
      out_ << "The answer was " << j.value << " out of 10. <span class=\"summary\">("
           << attribution(j, long_date(j.date)) << ")</span></li>\n";
    }
    out_ << "</ul>\n";
  }

  void list(const std::vector<std::string>& items, const char* none) {
    if (items.empty()) {
      out_ << "<p>" << none << "</p>\n";
      return;
    }
    out_ << "<ul>\n";
    for (const std::string& item : items) out_ << "<li>" << e(item) << "</li>\n";
    out_ << "</ul>\n";
  }

  void child(std::size_t row) {
    const std::string id(results_.child_id(row));
    const std::vector<LineView> lines = view_contributions(results_, row, options_.viewer);
    const std::vector<EntryView> entries = view_entries(results_, row, options_.viewer);
    const PersonView child = view_person(results_, results_.child_vertex(row));
    const std::string called = child.name.empty() ? id : std::string(child.name);
    out_ << "<section aria-labelledby=\"child-" << e(id) << "\">\n<h2 id=\"child-" << e(id) << "\">"
         << child_heading(results_, row) << "</h2>\n<h3>What the workers are worried about</h3>\n";
    list(joined(sentences(lines, true), texts(entries, {EntryKind::danger_statement})),
         "The workers have not written down a worry for now.");
    out_ << "<h3>What is going well</h3>\n";
    list(joined(texts(entries, {EntryKind::existing_safety, EntryKind::strength}),
                sentences(lines, false)),
         "The workers want to hear from you about what is going well.");
    out_ << "<h3>What needs to happen</h3>\n<ul>\n";
    for (const std::string& text : texts(entries, {EntryKind::safety_goal, EntryKind::next_step}))
      out_ << "<li>" << e(text) << "</li>\n";
    out_ << "<li>The workers think the help needed is: "
         << e(results_.rules().levels()[results_.level(row)].title) << ".</li>\n";
    if (results_.immediate_safety(row))
      out_ << "<li>The workers need to make sure the child is safe now.</li>\n";
    for (const StepView& step : view_steps(results_, row)) {
      if (step.status == StepStatus::due || step.status == StepStatus::overdue) {
        out_ << "<li>The " << e(step.title) << " should "
             << (step.status == StepStatus::overdue ? "have happened by " : "happen by ")
             << e(long_date(step.due)) << ".</li>\n";
      }
    }
    out_ << "<li>At the meeting, we will agree a plan with you.</li>\n</ul>\n";
    scaling(entries);
    said(entries, EntryKind::child_voice, "What " + called + " has told us");
    said(entries, EntryKind::parent_view, "What parents have told us");
    out_ << "<h3>What " << e(called)
         << " thinks</h3>\n<p>What would you like the workers to know? "
            "You can write or draw here.</p>\n<div class=\"views\"></div>\n</section>\n";
  }

  void views() {
    out_ << "<section aria-labelledby=\"views-title\">\n<h2 id=\"views-title\">Your views</h2>\n";
    for (const char* question : {"What do you think is going well?", "What are you worried about?",
                                 "What would you like to happen next?"}) {
      out_ << "<h3>" << question << "</h3>\n<div class=\"views\"></div>\n";
    }
    out_ << "</section>\n";
  }

  const Results& results_;
  const std::vector<std::size_t>& rows_;
  const RenderOptions& options_;
  std::ostringstream out_;
};

}  // namespace

std::string family_html(const Results& results, const std::vector<std::size_t>& rows,
                        const RenderOptions& options) {
  return FamilyPage(results, rows, options).render();
}

}  // namespace safeguard::render_detail
