// The audit's inputs: the host's outcomes and group-attributes files (CSV, keyed by child id),
// and the refusal of a pack whose rules read a protected attribute.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "audit/named.hpp"
#include "safeguard/audit.hpp"
#include "safeguard/day.hpp"
#include "safeguard/graph.hpp"
#include "util/utf8.hpp"

namespace safeguard {
namespace {

struct Line {
  std::string_view text;
  int number = 0;
};

// Refuses a line that is not UTF-8: every rendering of the audit (JSON above all) needs text.
void check_encoding(std::string_view line, const std::string& source, int number) {
  if (!detail::is_valid_utf8(line))
    throw Error(Status::encoding, "not valid UTF-8", Location(source, number));
}

// Non-empty lines that are not comments, with their numbers; comments go to `comments`.
std::vector<Line> data_lines(std::string_view text, std::vector<std::string_view>* comments,
                             const std::string& source) {
  std::vector<Line> lines;
  int number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number;
    check_encoding(line, source, number);
    if (!line.empty()) {
      if (line.front() == '#') {
        if (comments) comments->push_back(line.substr(1));
      } else {
        lines.push_back({line, number});
      }
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

// Fields of a line and the column each starts at. Quoting is not part of the format: ids and
// group values are plain tokens, so a quote is refused rather than half-understood.
std::vector<std::pair<std::string, int>> fields(const Line& line, const std::string& source) {
  std::vector<std::pair<std::string, int>> out;
  std::size_t start = 0;
  while (true) {
    std::size_t end = line.text.find(',', start);
    if (end == std::string_view::npos) end = line.text.size();
    std::string field(line.text.substr(start, end - start));
    const auto quote = field.find('"');
    if (quote != std::string::npos)
      throw Error(Status::parse, "quoted fields are not part of the format",
                  Location(source, line.number, static_cast<int>(start + quote + 1)));
    // Nor are control characters: a carriage return or NUL inside a token would not read back
    // as the same token (found by fuzz_audit: a trailing CR is a line ending's).
    const auto control = std::find_if(field.begin(), field.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == '\x7f';
    });
    if (control != field.end())
      throw Error(
          Status::parse, "control characters are not part of the format",
          Location(source, line.number, static_cast<int>(start + (control - field.begin()) + 1)));
    out.emplace_back(std::move(field), static_cast<int>(start + 1));
    if (end == line.text.size()) break;
    start = end + 1;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return std::string(text);
}

void check_row_shape(const std::vector<std::pair<std::string, int>>& row, std::size_t expected,
                     const Line& line, const std::string& source) {
  if (row.size() != expected)
    throw Error(
        Status::parse,
        "expected " + std::to_string(expected) + " fields, found " + std::to_string(row.size()),
        Location(source, line.number, 1, audit_detail::named_id(row.front().first)));
  if (row.front().first.empty())
    throw Error(Status::parse, "the child id is empty", Location(source, line.number, 1));
}

}  // namespace

Outcomes parse_outcomes_csv(std::string_view text, const std::string& source) {
  Outcomes out;
  out.source = source;
  std::vector<std::string_view> comments;
  const std::vector<Line> lines = data_lines(text, &comments, source);
  for (std::string_view comment : comments) {
    const std::string stated = trim(comment);
    if (stated.rfind("horizon:", 0) == 0) out.horizon = trim(stated.substr(8));
  }
  if (lines.empty())
    throw Error(Status::parse, "no header: expected 'child_id,outcome'", Location(source));
  const auto header = fields(lines.front(), source);
  if (header.size() != 2 || header[0].first != "child_id" || header[1].first != "outcome")
    throw Error(Status::parse, "the header must be 'child_id,outcome'",
                Location(source, lines.front().number, 1));
  std::map<std::string, int> seen;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const Line& line = lines[i];
    const auto row = fields(line, source);
    check_row_shape(row, 2, line, source);
    const std::string& id = row[0].first;
    const std::string& value = row[1].first;
    if (value != "0" && value != "1")
      throw Error(Status::invalid_data,
                  "outcome must be 0 or 1, not " + audit_detail::quoted_value(value),
                  Location(source, line.number, row[1].second, audit_detail::named_id(id)));
    const auto [where, fresh] = seen.emplace(id, line.number);
    if (!fresh)
      throw Error(Status::duplicate,
                  "child id listed twice (first on line " + std::to_string(where->second) + ")",
                  Location(source, line.number, 1, audit_detail::named_id(id)));
    out.rows.push_back({id, value == "1" ? 1 : 0, line.number});
  }
  return out;
}

GroupAttributes parse_groups_csv(std::string_view text, const std::string& source) {
  GroupAttributes out;
  out.source = source;
  const std::vector<Line> lines = data_lines(text, nullptr, source);
  if (lines.empty())
    throw Error(Status::parse, "no header: expected 'child_id,ATTRIBUTE,...'", Location(source));
  const auto header = fields(lines.front(), source);
  if (header.size() < 2 || header[0].first != "child_id")
    throw Error(Status::parse, "the header must be 'child_id' then one column per attribute",
                Location(source, lines.front().number, 1));
  for (std::size_t c = 1; c < header.size(); ++c) {
    const std::string& name = header[c].first;
    if (name.empty())
      throw Error(Status::parse, "an attribute has no name",
                  Location(source, lines.front().number, header[c].second));
    if (std::find(out.attributes.begin(), out.attributes.end(), name) != out.attributes.end())
      throw Error(Status::duplicate,
                  "attribute " + audit_detail::quoted_value(name) + " appears twice in the header",
                  Location(source, lines.front().number, header[c].second));
    out.attributes.push_back(name);
  }
  std::map<std::string, int> seen;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const Line& line = lines[i];
    const auto row = fields(line, source);
    check_row_shape(row, header.size(), line, source);
    const std::string& id = row[0].first;
    const auto [where, fresh] = seen.emplace(id, line.number);
    if (!fresh)
      throw Error(Status::duplicate,
                  "child id listed twice (first on line " + std::to_string(where->second) + ")",
                  Location(source, line.number, 1, audit_detail::named_id(id)));
    GroupRow group{id, {}, line.number};
    for (std::size_t c = 1; c < row.size(); ++c) group.values.push_back(row[c].first);
    out.rows.push_back(std::move(group));
  }
  return out;
}

GroupAttributes record_groups(const CaseGraph& graph) {
  GroupAttributes out;
  out.source = "record";
  std::vector<VertexIndex> children;
  std::set<std::string> names;
  for (VertexIndex v = 0; v < graph.vertex_count(); ++v) {
    if (graph.kind(v) != VertexKind::person || graph.id(v).empty()) continue;
    const Person& person = graph.person(v);
    if (person.kind != PersonKind::child) continue;
    children.push_back(v);
    for (const SourceItem& attribute : person.attributes) names.insert(attribute.name);
  }
  std::sort(children.begin(), children.end(),
            [&](VertexIndex a, VertexIndex b) { return graph.id(a) < graph.id(b); });
  out.attributes.assign(names.begin(), names.end());
  out.rows.reserve(children.size());
  for (VertexIndex v : children) {
    GroupRow row{graph.id(v), std::vector<std::string>(out.attributes.size()), 0};
    for (const SourceItem& attribute : graph.person(v).attributes) {
      const auto at =
          std::lower_bound(out.attributes.begin(), out.attributes.end(), attribute.name);
      std::string& value = row.values[static_cast<std::size_t>(at - out.attributes.begin())];
      if (value.empty()) value = attribute.value;
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

GroupAttributes merge_groups(const GroupAttributes& file, const GroupAttributes& record) {
  GroupAttributes out;
  out.source = file.source;
  out.attributes = file.attributes;
  std::vector<std::size_t> from_record;  // per record attribute: its column in out
  for (const std::string& name : record.attributes) {
    const auto at = std::find(out.attributes.begin(), out.attributes.end(), name);
    from_record.push_back(static_cast<std::size_t>(at - out.attributes.begin()));
    if (at == out.attributes.end()) out.attributes.push_back(name);
  }
  // The record's own attributes in byte order after the file's.
  std::sort(out.attributes.begin() + static_cast<long>(file.attributes.size()),
            out.attributes.end());
  for (std::size_t a = 0; a < record.attributes.size(); ++a)
    from_record[a] = static_cast<std::size_t>(
        std::find(out.attributes.begin(), out.attributes.end(), record.attributes[a]) -
        out.attributes.begin());
  std::map<std::string, const GroupRow*> in_record;
  for (const GroupRow& row : record.rows) in_record.emplace(row.child_id, &row);
  std::vector<std::vector<std::string>> clashes(out.attributes.size());  // child ids
  std::set<std::string> in_file;
  const auto fill = [&](GroupRow& row, const GroupRow* kept) {
    if (!kept) return;
    for (std::size_t a = 0; a < record.attributes.size(); ++a) {
      const std::string& value = kept->values[a];
      std::string& cell = row.values[from_record[a]];
      if (value.empty()) continue;
      if (cell.empty())
        cell = value;
      else if (cell != value)
        clashes[from_record[a]].push_back(row.child_id);
    }
  };
  for (const GroupRow& given : file.rows) {
    GroupRow row{given.child_id, given.values, given.line};
    row.values.resize(out.attributes.size());
    in_file.insert(row.child_id);
    const auto kept = in_record.find(row.child_id);
    fill(row, kept == in_record.end() ? nullptr : kept->second);
    out.rows.push_back(std::move(row));
  }
  for (const GroupRow& kept : record.rows) {
    if (in_file.count(kept.child_id)) continue;
    GroupRow row{kept.child_id, std::vector<std::string>(out.attributes.size()), 0};
    fill(row, &kept);
    out.rows.push_back(std::move(row));
  }
  out.warnings = file.warnings;
  out.warnings.insert(out.warnings.end(), record.warnings.begin(), record.warnings.end());
  constexpr std::size_t kNamed = 10;  // ids named per attribute; the rest are counted
  for (std::size_t a = 0; a < out.attributes.size(); ++a) {
    std::vector<std::string>& ids = clashes[a];
    if (ids.empty()) continue;
    std::sort(ids.begin(), ids.end());
    std::string named;
    for (std::size_t i = 0; i < ids.size() && i < kNamed; ++i)
      named += (i ? ", " : "") + audit_detail::named_id(ids[i]);
    if (ids.size() > kNamed) named += " and " + std::to_string(ids.size() - kNamed) + " more";
    out.warnings.push_back({"group-clash", "'" + out.attributes[a] + "' differs between " +
                                               file.source + " and the record for " +
                                               std::to_string(ids.size()) +
                                               (ids.size() == 1 ? " child" : " children") + " (" +
                                               named + "); the file's value is used"});
  }
  return out;
}

std::string outcomes_csv(const Outcomes& outcomes) {
  std::string out;
  if (!outcomes.horizon.empty()) out += "# horizon: " + outcomes.horizon + "\n";
  out += "child_id,outcome\n";
  for (const OutcomeRow& row : outcomes.rows) out += row.child_id + (row.outcome ? ",1\n" : ",0\n");
  return out;
}

std::string groups_csv(const GroupAttributes& groups) {
  std::string out = "child_id";
  for (const std::string& name : groups.attributes) out += "," + name;
  out += "\n";
  for (const GroupRow& row : groups.rows) {
    out += row.child_id;
    for (const std::string& value : row.values) out += "," + value;
    out += "\n";
  }
  return out;
}

namespace {

// Shortest text that reads back as the same double.
std::string exact(double value) {
  char text[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

double parse_number(const std::string& text, const std::string& source, int line, int column,
                    const std::string& id) {
  char* end = nullptr;
  const double value = text.empty() ? 0 : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value))
    throw Error(Status::parse, audit_detail::quoted_value(text) + " is not a number",
                Location(source, line, column, audit_detail::named_id(id)));
  return value;
}

}  // namespace

std::string audit_rows_csv(const AuditRows& rows, const RuleSet& rules) {
  std::string out = "# as_of: " + format_iso_date(rows.as_of) + "\n# pack: " + rules.hash() +
                    "\nchild_id,household,level,total";
  for (const IndexDef& index : rules.indices()) out += "," + index.id;
  out += "\n";
  for (const AuditChild& child : rows.children) {
    out += child.id + "," + child.cluster + "," + rules.levels()[child.level].id + "," +
           exact(child.total);
    for (double score : child.scores) out += "," + exact(score);
    out += "\n";
  }
  return out;
}

AuditRows parse_audit_rows_csv(std::string_view text, const std::string& source,
                               const RuleSet& rules) {
  AuditRows out;
  out.source = source;
  std::string header = "child_id,household,level,total";
  for (const IndexDef& index : rules.indices()) header += "," + index.id;
  const std::size_t columns = 4 + rules.indices().size();
  std::map<std::string, int> seen;
  bool have_date = false;
  int number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(start, end - start);
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    ++number;
    check_encoding(raw, source, number);
    const Line line{raw, number};
    if (raw.empty()) {
    } else if (raw.front() == '#') {
      const std::string comment = trim(raw.substr(1));
      if (comment.rfind("as_of:", 0) == 0) {
        Day day = 0;
        std::string error;
        if (!parse_iso_date(trim(comment.substr(6)), day, error))
          throw Error(Status::parse, "as_of: " + error, Location(source, number, 1));
        if (have_date && day != out.as_of)
          throw Error(Status::invalid_data,
                      "assessed as of " + format_iso_date(day) + ", not " +
                          format_iso_date(out.as_of) + " as the rows before",
                      Location(source, number, 1));
        out.as_of = day;
        have_date = true;
      } else if (comment.rfind("pack:", 0) == 0) {
        const std::string hash = trim(comment.substr(5));
        if (hash != rules.hash())
          throw Error(Status::invalid_data,
                      "assessed with another rule pack (sha256 " + hash.substr(0, 12) +
                          ") than the one given (" + rules.hash().substr(0, 12) + ")",
                      Location(source, number, 1));
        out.pack_hash = hash;
      }
    } else if (raw.rfind("child_id,", 0) == 0) {
      if (raw != header)
        throw Error(Status::parse, "the header must be '" + header + "' for this pack",
                    Location(source, number, 1));
    } else {
      const auto row = fields(line, source);
      check_row_shape(row, columns, line, source);
      AuditChild child;
      child.id = row[0].first;
      child.line = number;
      child.cluster = row[1].first;
      const auto level = std::find_if(rules.levels().begin(), rules.levels().end(),
                                      [&](const LevelDef& l) { return l.id == row[2].first; });
      if (level == rules.levels().end())
        throw Error(Status::invalid_data,
                    audit_detail::quoted_value(row[2].first) + " is not a level of the pack",
                    Location(source, number, row[2].second, audit_detail::named_id(child.id)));
      child.level = static_cast<int>(level - rules.levels().begin());
      child.total = parse_number(row[3].first, source, number, row[3].second, child.id);
      for (std::size_t c = 4; c < columns; ++c)
        child.scores.push_back(parse_number(row[c].first, source, number, row[c].second, child.id));
      const auto [where, fresh] = seen.emplace(child.id, number);
      if (!fresh)
        throw Error(Status::duplicate,
                    "child id listed twice (first on line " + std::to_string(where->second) + ")",
                    Location(source, number, 1, audit_detail::named_id(child.id)));
      out.children.push_back(std::move(child));
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  if (!have_date)
    throw Error(Status::parse,
                "no '# as_of: YYYY-MM-DD' line: the date the rows were assessed as of",
                Location(source));
  return out;
}

void check_protected(const RuleSet& rules, const GroupAttributes& groups) {
  // Every name an attribute declares or takes, lower-cased, with what it is.
  std::map<std::string, std::string> protected_names;
  for (std::size_t a = 0; a < groups.attributes.size(); ++a) {
    const std::string& attribute = groups.attributes[a];
    protected_names.emplace(lower(attribute),
                            "protected attribute " + audit_detail::quoted_value(attribute));
    for (const GroupRow& row : groups.rows) {
      const std::string& value = row.values[a];
      if (!value.empty())
        protected_names.emplace(lower(value), "a value of protected attribute " +
                                                  audit_detail::quoted_value(attribute) + " (" +
                                                  audit_detail::quoted_value(value) + ")");
    }
  }
  const ReferencedNames used = referenced_names(rules);
  const std::pair<const std::vector<VocabularyEntry>*, const char*> lists[] = {
      {&used.categories, "concern.category"},
      {&used.factor_kinds, "factor.kind"},
      {&used.flags, "child.flags"},
      {&used.agency_types, "concern.source_type"}};
  // The first use in pack order (file position), so the message is stable.
  const VocabularyEntry* first = nullptr;
  std::string what;
  for (const auto& [list, attribute] : lists) {
    for (const VocabularyEntry& entry : *list) {
      const auto found = protected_names.find(lower(entry.name));
      if (found == protected_names.end()) continue;
      const bool earlier =
          !first || entry.where.line < first->where.line ||
          (entry.where.line == first->where.line && entry.where.column < first->where.column);
      if (earlier) {
        first = &entry;
        what = std::string("compares ") + attribute + " against \"" + entry.name + "\", " +
               found->second +
               "; protected attributes are never readable by rules, so this "
               "pack cannot be audited (or used) with it";
      }
    }
  }
  if (first) {
    const std::string& id = first->where.entity;
    const bool is_rule = std::any_of(rules.rules().begin(), rules.rules().end(),
                                     [&](const Rule& rule) { return rule.id == id; });
    throw Error(Status::invalid_data, (is_rule ? "rule '" : "override '") + id + "' " + what,
                first->where);
  }
}

}  // namespace safeguard
