// The statutory timeline as a text table; see render.hpp.
#include <algorithm>
#include <sstream>

#include "render/case_facts.hpp"
#include "render/render_common.hpp"
#include "safeguard/calendar.hpp"
#include "safeguard/render.hpp"
#include "safeguard/timeline.hpp"

namespace safeguard {
namespace {

// A column-aligned table: cells padded to the widest (counting UTF-8 characters, not bytes),
// trailing spaces trimmed, highlighted rows in bold red when colour is asked for.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> cells, bool highlight) {
    cells.resize(headers_.size());
    rows_.push_back(std::move(cells));
    highlights_.push_back(highlight);
  }
  std::size_t rows() const { return rows_.size(); }
  void print(std::ostream& out, bool colour) const {
    std::vector<std::size_t> widths(headers_.size());
    for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = width(headers_[c]);
    for (const auto& row : rows_) {
      for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], width(row[c]));
    }
    auto print_row = [&](const std::vector<std::string>& cells, bool highlight) {
      std::string line;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        if (c != 0) line += "  ";
        line += cells[c] + std::string(widths[c] - width(cells[c]), ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      if (highlight && colour) line = "\033[1;31m" + line + "\033[0m";
      out << line << '\n';
    };
    print_row(headers_, false);
    for (std::size_t r = 0; r < rows_.size(); ++r) print_row(rows_[r], highlights_[r]);
  }

 private:
  static std::size_t width(std::string_view text) {
    std::size_t n = 0;
    for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    return n;
  }
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> highlights_;
};

std::string dash_if_empty(std::string text) { return text.empty() ? "-" : text; }

}  // namespace

std::string render_timeline_text(const Results& results, const std::vector<std::size_t>& given,
                                 const RenderOptions& options) {
  std::vector<std::size_t> rows = given;
  if (rows.empty()) {
    for (std::size_t row = 0; row < results.child_count(); ++row) {
      if (results.step_count(row) != 0 ||
          results.timeline_issues_begin(row) != results.timeline_issues_end(row))
        rows.push_back(row);
    }
  } else {
    render_detail::check_rows(results, rows);
  }
  const std::size_t closures = render_detail::closure_count(results);
  std::ostringstream out;
  out << rows.size() << (rows.size() == 1 ? " child" : " children")
      << (options.case_label.empty() ? std::string() : " in " + options.case_label) << ", as of "
      << render_detail::as_of_text(results, options) << "\n"
      << "process: " << timeline_process_title(results) << " (" << results.process().origin()
      << ")\n"
      << "working days on the " << to_string(timeline_nation(results)) << " calendar"
      << (closures ? " with " + std::to_string(closures) + " local closure day" +
                         (closures == 1 ? "" : "s")
                   : std::string())
      << "\nrule pack " << results.rules().id() << " " << results.rules().version() << "\n\n";
  TextTable table({"CHILD", "STEP", "STARTED", "BY", "DUE", "DONE", "BY", "STATUS"});
  std::size_t overdue = 0;
  for (const std::size_t row : rows) {
    for (const StepView& s : view_steps(results, row)) {
      if (options.overdue_only && s.status != StepStatus::overdue) continue;
      overdue += s.status == StepStatus::overdue ? 1 : 0;
      table.add_row(
          {std::string(results.child_id(row)), step_title_with_nation(s), format_iso_date(s.start),
           std::string(s.trigger_id), dash_if_empty(format_iso_date(s.due)),
           dash_if_empty(format_iso_date(s.completed)), dash_if_empty(std::string(s.done_id)),
           s.status_text},
          s.status == StepStatus::overdue);
    }
  }
  if (table.rows() == 0) {
    out << (options.overdue_only ? "No step is overdue.\n" : "No process events recorded.\n");
  } else {
    table.print(out, options.terminal_colour);
    out << "\n" << overdue << (overdue == 1 ? " step" : " steps") << " overdue\n";
  }
  std::string gaps;
  for (const std::size_t row : rows) {
    for (const TimelineIssueView& i : view_timeline_issues(results, row)) {
      gaps += "  " + std::string(results.child_id(row)) + "  " + std::string(i.event_id) + "  " +
              std::string(i.issue) + "\n";
    }
  }
  if (!gaps.empty()) out << "\ngaps in the record:\n" << gaps;
  return out.str();
}

}  // namespace safeguard
