// safeguard assess: every child of a case file scored against a rule pack as of a date, as a
// table for people or JSON/CSV for programs. Index scores are as the reader (--viewer) may
// attribute them (ScoreReader): points from restricted evidence the reader is not cleared for
// count in the total and the level but sit in one WITHHELD figure, named to no index, since an
// index's score would say what kind of worry that evidence holds (docs/rules.md, "Who sees what").
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "csv.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "session.hpp"
#include "table.hpp"

namespace safeguard::cli {
namespace {

struct AssessOptions {
  ScoringOptions scoring;
  std::string format = "table";
  std::string output = "-";
  bool no_progress = false;
};

// The ids of the policy overrides that fired, as the viewer may see them: one that fired only
// on restricted evidence the viewer may not see is "restricted" (its id would say what it is).
std::vector<std::string> fired_overrides(const Results& results, std::size_t row,
                                         const Viewer& viewer) {
  std::vector<std::string> ids;
  for (const OverrideView& o : view_overrides(results, row, viewer))
    ids.push_back(o.withheld() ? std::string("restricted") : std::string(o.id));
  return ids;
}

// The safety decision's findings as the viewer may see them: "danger:ID" / "plan:ID", with the
// evidence as "@ID"; a withheld finding is "danger:restricted" (its id would say what it is).
std::vector<std::string> safety_findings(const SafetyView& view) {
  std::vector<std::string> items;
  for (const SafetyLineView& line : view.lines) {
    std::string item = line.plan ? "plan:" : "danger:";
    item += line.withheld() ? std::string("restricted") : std::string(line.id);
    if (!line.evidence_id.empty()) item += "@" + std::string(line.evidence_id);
    items.push_back(std::move(item));
  }
  return items;
}

// The discretionary override that moved the child's level, as "J-1 (raise)", or "".
// A judgement that applied, as "ID (direction)"; empty for none or one that did not apply.
std::string applied_judgement(const std::optional<DiscretionaryView>& judgement) {
  if (!judgement || judgement->outcome != DiscretionaryOutcome::applied) return {};
  return std::string(judgement->id) + " (" + std::string(to_string(judgement->direction)) + ")";
}

// The OVERRIDES column's words for a judgement: applied (with its direction) or awaiting
// approval; nothing for one that did not move the level for another reason.
void add_judgement(std::vector<std::string>& flags,
                   const std::optional<DiscretionaryView>& judgement) {
  if (!judgement) return;
  if (judgement->outcome == DiscretionaryOutcome::applied)
    flags.push_back("judgement " + applied_judgement(judgement));
  else if (judgement->outcome == DiscretionaryOutcome::awaiting_approval)
    flags.push_back("judgement " + std::string(judgement->id) + " awaiting approval");
}

nlohmann::ordered_json judgement_json(const RuleSet& pack,
                                      const std::optional<DiscretionaryView>& judgement) {
  using json = nlohmann::ordered_json;
  if (!judgement || judgement->outcome == DiscretionaryOutcome::none) return nullptr;
  return {{"id", std::string(judgement->id)},
          {"direction", to_string(judgement->direction)},
          {"outcome", to_string(judgement->outcome)},
          {"approved_by",
           judgement->approved_by.empty() ? json() : json(std::string(judgement->approved_by))},
          {"level_before", pack.levels()[judgement->level_before].id}};
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) text += (i ? separator : "") + items[i];
  return text;
}

// An adult's result (docs/rules.md, "Results for adults") as the reader may attribute it: per
// adult index the points of the lines shown, the withheld ones apart. An adult every line and
// adult override of whose result is withheld from the reader is left out: that the adult has a
// result at all (a checklist or call-outs on restricted evidence) is itself what the reader may
// not learn.
struct AdultRow {
  std::string id;
  std::string level;
  std::vector<double> scores;  // per pack index; adult indices only are shown
  double withheld = 0;
  bool any_withheld = false;
  std::vector<std::string> overrides;  // the adult overrides fired, as the children's column
  std::optional<DiscretionaryView> judgement;  // a worker's judgement about the adult, if any
};

std::vector<AdultRow> adult_rows(const Results& results, const Viewer& viewer) {
  std::vector<AdultRow> rows;
  for (std::size_t row = 0; row < results.adult_count(); ++row) {
    AdultRow adult;
    adult.id = std::string(results.adult_id(row));
    adult.level = results.rules().levels()[results.adult_level(row)].id;
    adult.scores.assign(results.index_count(), 0.0);
    for (const LineView& line : view_adult_contributions(results, row, viewer)) {
      if (line.withheld()) {
        adult.any_withheld = true;
        adult.withheld += line.value;
      } else {
        adult.scores[line.index] += line.value;
      }
    }
    if (!adult_shown(results, row, viewer)) continue;
    for (const OverrideView& o : view_adult_overrides(results, row, viewer))
      adult.overrides.push_back(o.withheld() ? std::string("restricted") : std::string(o.id));
    adult.judgement = view_adult_discretionary(results, row, viewer);
    rows.push_back(std::move(adult));
  }
  return rows;
}

std::string pack_line(const Session& session) {
  const RuleSet& pack = *session.pack.rules;
  return "rule pack " + pack.id() + " " + pack.version() + " (sha256 " + pack.hash().substr(0, 12) +
         ", " + session.pack.origin + ")";
}

std::string render_table(const Session& session, bool progress) {
  const Results& results = session.results;
  const RuleSet& pack = results.rules();
  std::ostringstream out;
  out << results.child_count() << (results.child_count() == 1 ? " child" : " children") << " in "
      << session.case_path << ", " << session.as_of.describe() << "\n"
      << pack_line(session) << "\n\n";
  Table table;
  table.add_column("CHILD", Table::Align::left);
  table.add_column("LEVEL", Table::Align::left);
  // The present-danger decision beside the level, for packs with [safety] (it never moves it).
  const bool safety = pack.safety().defined;
  if (safety) table.add_column("SAFETY", Table::Align::left);
  table.add_column("TOTAL", Table::Align::right);
  // An adult index is never a child's score (it is in the adults' table below).
  for (const IndexDef& index : pack.indices()) {
    if (!index.adult) table.add_column(index.id, Table::Align::right);
  }
  table.add_column("WITHHELD", Table::Align::right);
  // Contextual risk beside the own scores (docs/rules.md, "Contextual risk"), for packs that
  // propagate: the network's points and the level the scores reach with them.
  const bool contextual = results.propagation().ran;
  if (contextual) {
    table.add_column(results.contextual_included() ? "CONTEXT(IN)" : "CONTEXT",
                     Table::Align::right);
    table.add_column("WITH-CONTEXT", Table::Align::left);
  }
  table.add_column("OVERRIDES", Table::Align::left);
  std::map<int, std::size_t> per_level;
  const ScoreReader reader(results, session.viewer);
  Progress bar("assess", results.child_count(), progress);
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    std::vector<std::string> cells = {std::string(results.child_id(row)),
                                      pack.levels()[results.level(row)].id};
    if (safety) cells.push_back(std::string(to_string(results.safety(row))));
    cells.push_back(fixed(results.total(row), 2));
    const ScoresView scores = reader.scores(row);
    for (std::size_t i = 0; i < results.index_count(); ++i) {
      if (!pack.indices()[i].adult) cells.push_back(fixed(scores.index_scores[i], 2));
    }
    cells.push_back(scores.any_withheld() ? fixed(scores.withheld, 2) : "-");
    if (contextual) {
      // The network as the reader may attribute it; what it holds from restricted sources in
      // one figure (the context level counts it, as the level counts WITHHELD).
      std::string context = fixed(scores.contextual_total, 2);
      if (scores.contextual_withheld != 0)
        context += (scores.contextual_withheld > 0 ? " +" : " ") +
                   fixed(scores.contextual_withheld, 2) + " withheld";
      cells.push_back(std::move(context));
      cells.push_back(pack.levels()[results.context_level(row)].id);
    }
    std::vector<std::string> flags = fired_overrides(results, row, session.viewer);
    if (results.immediate_safety(row)) flags.insert(flags.begin(), "IMMEDIATE-SAFETY");
    add_judgement(flags, view_discretionary(results, row));
    cells.push_back(flags.empty() ? "-" : join(flags, ", "));
    table.add_row(std::move(cells));
    ++per_level[results.level(row)];
    bar.update(row + 1);
  }
  bar.finish();
  table.print(out);
  if (const std::vector<AdultRow> adults = adult_rows(results, session.viewer); !adults.empty()) {
    Table adult_table;
    adult_table.add_column("ADULT", Table::Align::left);
    adult_table.add_column("LEVEL", Table::Align::left);
    for (const IndexDef& index : pack.indices()) {
      if (index.adult) adult_table.add_column(index.id, Table::Align::right);
    }
    adult_table.add_column("WITHHELD", Table::Align::right);
    adult_table.add_column("OVERRIDES", Table::Align::left);
    for (const AdultRow& adult : adults) {
      std::vector<std::string> cells = {adult.id, adult.level};
      for (std::size_t i = 0; i < pack.indices().size(); ++i) {
        if (pack.indices()[i].adult) cells.push_back(fixed(adult.scores[i], 2));
      }
      cells.push_back(adult.any_withheld ? fixed(adult.withheld, 2) : "-");
      std::vector<std::string> flags = adult.overrides;
      add_judgement(flags, adult.judgement);
      cells.push_back(flags.empty() ? "-" : join(flags, ", "));
      adult_table.add_row(std::move(cells));
    }
    out << "\nadults' own results (indices with subject = \"adult\"; a child reads them only "
           "through the pack's rules):\n";
    adult_table.print(out);
  }
  out << "\nlevels:";
  for (auto it = per_level.rbegin(); it != per_level.rend(); ++it)
    out << "  " << pack.levels()[it->first].id << " " << it->second;
  out << "\nwhy: " << program_name() << " explain " << session.case_path << " --child ID\n";
  return out.str();
}

std::string render_json(const Session& session, bool progress) {
  using json = nlohmann::ordered_json;
  const Results& results = session.results;
  const RuleSet& pack = results.rules();
  json out;
  out["case_file"] = session.case_path;
  out["as_of"] = session.as_of.iso();
  out["as_of_source"] = session.as_of.source();
  out["pack"] = {{"id", pack.id()},
                 {"version", pack.version()},
                 {"hash", pack.hash()},
                 {"origin", session.pack.origin}};
  json levels = json::array();
  for (const LevelDef& level : pack.levels()) levels.push_back(level.id);
  out["levels"] = std::move(levels);
  json children = json::array();
  const ScoreReader reader(results, session.viewer);
  Progress bar("assess", results.child_count(), progress);
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    json child;
    child["child"] = std::string(results.child_id(row));
    child["level"] = pack.levels()[results.level(row)].id;
    child["score_level"] = pack.levels()[results.score_level(row)].id;
    child["total"] = results.total(row);
    const ScoresView viewed = reader.scores(row);
    json scores = json::object();
    json index_levels = json::object();
    for (std::size_t i = 0; i < results.index_count(); ++i) {
      scores[pack.indices()[i].id] = viewed.index_scores[i];
      index_levels[pack.indices()[i].id] = pack.levels()[viewed.index_levels[i]].id;
    }
    child["scores"] = std::move(scores);
    child["index_levels"] = std::move(index_levels);
    child["withheld"] = viewed.withheld;
    if (results.propagation().ran) {
      json contextual = json::object();
      for (std::uint32_t index : pack.propagation().indices)
        contextual[pack.indices()[index].id] = viewed.contextual_scores[index];
      child["contextual"] = {{"policy", to_string(pack.propagation().contextual)},
                             {"total", viewed.contextual_total},
                             {"withheld", viewed.contextual_withheld},
                             {"level", pack.levels()[results.context_level(row)].id},
                             {"scores", std::move(contextual)}};
    }
    child["policy_overrides"] = fired_overrides(results, row, session.viewer);
    child["immediate_safety"] = results.immediate_safety(row);
    const SafetyView safety = view_safety(results, row, session.viewer);
    json findings = json::array();
    for (const SafetyLineView& line : safety.lines) {
      findings.push_back(
          {{"kind", line.plan ? "plan" : "danger"},
           {"id", line.withheld() ? json() : json(std::string(line.id))},
           {"title", std::string(line.title)},
           {"evidence", line.evidence_id.empty() ? json() : json(std::string(line.evidence_id))},
           {"restricted", line.withheld()}});
    }
    child["safety"] = {{"decision", to_string(safety.decision)}, {"findings", std::move(findings)}};
    child["discretionary_override"] = judgement_json(pack, view_discretionary(results, row));
    children.push_back(std::move(child));
    bar.update(row + 1);
  }
  out["children"] = std::move(children);
  json adults = json::array();
  for (const AdultRow& adult : adult_rows(results, session.viewer)) {
    json scores = json::object();
    for (std::size_t i = 0; i < pack.indices().size(); ++i) {
      if (pack.indices()[i].adult) scores[pack.indices()[i].id] = adult.scores[i];
    }
    adults.push_back({{"id", adult.id},
                      {"level", adult.level},
                      {"scores", std::move(scores)},
                      {"withheld", adult.withheld},
                      {"overrides", adult.overrides},
                      {"discretionary_override", judgement_json(pack, adult.judgement)}});
  }
  out["adults"] = std::move(adults);
  return out.dump(2) + "\n";
}

// The CSV written a row at a time into a buffer handed to `out` a megabyte at a time: the table
// (some 200 MB at a million children) is never held whole, and a row allocates only for the
// rare child with overrides or safety findings.
void write_csv(const Session& session, bool progress, std::ostream& out) {
  constexpr std::size_t kFlushBytes = std::size_t{1} << 20;
  const Results& results = session.results;
  const RuleSet& pack = results.rules();
  std::vector<std::string> header = {"child", "level", "score_level", "total"};
  for (const IndexDef& index : pack.indices()) header.push_back(index.id);
  header.insert(header.end(),
                {"withheld", "immediate_safety", "policy_overrides", "discretionary_override"});
  const bool contextual = results.propagation().ran;
  if (contextual)
    header.insert(header.end(), {"contextual_total", "contextual_withheld", "context_level"});
  const bool safety = pack.safety().defined;
  if (safety) header.insert(header.end(), {"safety", "safety_findings"});
  header.insert(header.end(), {"as_of", "pack_hash"});
  // What is the same on every row, or one of a few values, quoted once.
  std::vector<std::string> levels;
  for (const LevelDef& level : pack.levels()) levels.push_back(csv_field(level.id));
  const std::string row_end =
      "," + csv_field(session.as_of.iso()) + "," + csv_field(pack.hash()) + "\n";
  std::string buffer = csv_row(header);
  buffer.reserve(kFlushBytes + 4096);
  const ScoreReader reader(results, session.viewer);
  Progress bar("assess", results.child_count(), progress);
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    append_csv_field(buffer, results.child_id(row));
    buffer += ',';
    buffer += levels[results.level(row)];
    buffer += ',';
    buffer += levels[results.score_level(row)];
    buffer += ',';
    append_fixed(buffer, results.total(row), 6);
    const ScoresView viewed = reader.scores(row);
    for (std::size_t i = 0; i < results.index_count(); ++i) {
      buffer += ',';
      append_fixed(buffer, viewed.index_scores[i], 6);
    }
    buffer += ',';
    append_fixed(buffer, viewed.withheld, 6);
    buffer += results.immediate_safety(row) ? ",true," : ",false,";
    append_csv_field(buffer, join(fired_overrides(results, row, session.viewer), ";"));
    buffer += ',';
    append_csv_field(buffer, applied_judgement(view_discretionary(results, row)));
    if (contextual) {
      buffer += ',';
      append_fixed(buffer, viewed.contextual_total, 6);
      buffer += ',';
      append_fixed(buffer, viewed.contextual_withheld, 6);
      buffer += ',';
      buffer += levels[results.context_level(row)];
    }
    if (safety) {
      const SafetyView view = view_safety(results, row, session.viewer);
      buffer += ',';
      append_csv_field(buffer, to_string(view.decision));
      buffer += ',';
      append_csv_field(buffer, join(safety_findings(view), ";"));
    }
    buffer += row_end;
    if (buffer.size() >= kFlushBytes) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      if (!out) return;  // write_output reports the failed stream
      buffer.clear();
    }
    bar.update(row + 1);
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
}

}  // namespace

Command add_assess(CLI::App& parent) {
  auto options = std::make_shared<AssessOptions>();
  // The table, JSON and CSV read every child's scores and levels and only the lines of children
  // with restricted evidence (to fold what the reader may not attribute), which a lazy batch
  // keeps; the others' lines it never writes.
  options->scoring.explanations = Explanations::lazy;
  CLI::App* command = parent.add_subcommand(
      "assess",
      "Score every child in a case file: level, the present-danger safety decision (SAFETY, "
      "for packs with [safety]), total, per-index scores as the reader may attribute them "
      "(restricted points apart, as WITHHELD), overrides");
  add_case_option(*command, options->scoring);
  add_rules_option(*command, options->scoring);
  add_as_of_option(*command, options->scoring);
  add_threads_option(*command, options->scoring);
  add_viewer_option(*command, options->scoring);
  command
      ->add_option("-f,--format", options->format,
                   "table (for people), json or csv (for programs; numbers to 6 decimals)")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command->add_flag("--no-progress", options->no_progress,
                    "Never draw a progress bar (one is drawn on standard error only when it is a "
                    "terminal and the caseload is large)");
  command->footer(
      "Example: safeguard assess examples/data/families.json --as-of 2026-11-01\n"
      "The as-of date and the pack's id, version and hash are part of every output.");
  return {command, [options] {
            const bool progress = !options->no_progress;
            const auto session = open_session(options->scoring, progress);
            if (session->as_of.from_evidence && options->format == "csv")
              std::cerr << "safeguard: " << session->as_of.describe() << "\n";
            if (options->format == "csv") {
              write_output(options->output,
                           [&](std::ostream& out) { write_csv(*session, progress, out); });
            } else {
              write_output(options->output, options->format == "json"
                                                ? render_json(*session, progress)
                                                : render_table(*session, progress));
            }
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
