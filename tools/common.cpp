// Shared plumbing of the safeguard subcommands; see common.hpp.
#include "common.hpp"

#include <unistd.h>

#include <sys/stat.h>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "embedded_packs.hpp"
#include "safeguard/snapshot.hpp"

namespace safeguard::cli {

std::string exit_code_help() {
  return "Exit codes:\n"
         "  0  success\n"
         "  1  internal error (a bug in safeguard; please report it)\n"
         "  2  bad command line (unknown option, malformed date, missing argument)\n"
         "  3  a file could not be read or written\n"
         "  4  the case file is invalid (the message names file:line:column and entity)\n"
         "  5  the rule pack is invalid (the message names file:line:column)\n"
         "  6  lint: the rule pack loaded but has findings\n"
         "  7  --child names no child in the case file\n"
         "  8  SVG or PNG asked for but Graphviz `dot` is missing or failed\n";
}

std::string& program_name() {
  static std::string name = "safeguard";
  return name;
}

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

// ---- Inputs ---------------------------------------------------------------------------------

namespace {

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

std::uintmax_t file_size(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<std::uintmax_t>(info.st_size) : 0;
}

const EmbeddedPack* find_bundled(const std::string& name) {
  for (std::size_t i = 0; i < kEmbeddedPackCount; ++i) {
    if (name == kEmbeddedPacks[i].name) return &kEmbeddedPacks[i];
  }
  return nullptr;
}

int exit_code_for(const Error& error, int invalid_input_code) {
  return error.status() == Status::io ? kExitIo : invalid_input_code;
}

}  // namespace

std::string bundled_pack_names() {
  std::string names;
  for (std::size_t i = 0; i < kEmbeddedPackCount; ++i) {
    if (i != 0) names += ", ";
    names += kEmbeddedPacks[i].name;
  }
  return names;
}

LoadedPack load_pack(const std::string& spec) {
  LoadedPack pack;
  try {
    if (const EmbeddedPack* bundled = find_bundled(spec); bundled && !file_exists(spec)) {
      pack.origin = std::string("bundled ") + bundled->origin;
      pack.rules = RuleSet::load_string(bundled->text(), bundled->origin);
    } else {
      pack.origin = spec;
      pack.rules = RuleSet::load_file(spec);
    }
  } catch (const Error& error) {
    if (error.status() == Status::io && !file_exists(spec)) {
      throw Failure(kExitIo, "rule pack '" + spec + "' is neither a readable file nor a bundled " +
                                 "pack (bundled: " + bundled_pack_names() + ")");
    }
    throw Failure(exit_code_for(error, kExitRulePack), error.what());
  }
  return pack;
}

void load_case(CaseGraph& graph, const std::string& path) {
  try {
    load_case_file(graph, path);
  } catch (const Error& error) {
    throw Failure(exit_code_for(error, kExitCaseFile), error.what());
  }
}

std::string AsOf::describe() const {
  std::string text = "as of " + iso();
  if (from_evidence) text += " (the latest evidence date in the case file; choose with --as-of)";
  return text;
}

Day latest_evidence_date(const Snapshot& snapshot) {
  Day latest = kNoDay;
  for (std::size_t c = 0; c < snapshot.concern_vertex.size(); ++c) {
    if (!snapshot.concern_live[c]) continue;
    latest = std::max({latest, snapshot.concern_recorded[c], snapshot.concern_incident[c]});
  }
  for (std::size_t f = 0; f < snapshot.factor_vertex.size(); ++f) {
    if (snapshot.factor_live[f]) latest = std::max(latest, snapshot.factor_start[f]);
  }
  for (const Day day : snapshot.event_date) latest = std::max(latest, day);
  for (const Day day : snapshot.override_date) latest = std::max(latest, day);
  return latest;
}

AsOf resolve_as_of(const std::string& text, const Snapshot& snapshot) {
  AsOf as_of;
  if (!text.empty()) {
    std::string error;
    if (!parse_iso_date(text, as_of.day, error)) throw Failure(kExitUsage, "--as-of: " + error);
    return as_of;
  }
  as_of.day = latest_evidence_date(snapshot);
  as_of.from_evidence = true;
  if (as_of.day == kNoDay) {
    throw Failure(kExitUsage,
                  "the case file has no dated evidence to take the as-of date from; "
                  "pass --as-of YYYY-MM-DD");
  }
  return as_of;
}

Viewer make_viewer(const std::vector<std::string>& cleared) {
  Viewer viewer;
  viewer.cleared = cleared;
  viewer.cleared_all = std::find(cleared.begin(), cleared.end(), "*") != cleared.end();
  return viewer;
}

std::string describe_viewer(const Viewer& viewer) {
  if (viewer.cleared_all) return "cleared for everything";
  if (viewer.cleared.empty())
    return "uncleared (restricted evidence shows as \"restricted source\")";
  std::string text = "cleared for ";
  for (std::size_t i = 0; i < viewer.cleared.size(); ++i) {
    if (i != 0) text += ", ";
    text += viewer.cleared[i];
  }
  return text;
}

// ---- Options --------------------------------------------------------------------------------

void add_case_option(CLI::App& command, ScoringOptions& options) {
  command.add_option("case", options.case_path, "Case file (JSON; see docs/case-files.md)")
      ->required()
      ->type_name("CASE");
}

void add_rules_option(CLI::App& command, ScoringOptions& options) {
  command
      .add_option("-r,--rules", options.rules,
                  "Rule pack: a TOML file, or the name of a pack bundled in the program (" +
                      bundled_pack_names() + ")")
      ->type_name("PACK")
      ->capture_default_str();
}

void add_as_of_option(CLI::App& command, ScoringOptions& options) {
  command
      .add_option("--as-of", options.as_of,
                  "Assess as of this date. Default: the latest evidence date in the case file "
                  "(never the clock); the output says which date was used")
      ->type_name("YYYY-MM-DD");
}

void add_viewer_option(CLI::App& command, ScoringOptions& options) {
  command
      .add_option("--viewer", options.viewer,
                  "Agency id or agency type the reader is cleared for (repeat for several; '*' "
                  "for everything). Restricted evidence from other agencies still counts but "
                  "shows only as \"restricted source\". Default: cleared for none")
      ->type_name("AGENCY")
      ->allow_extra_args(false);
}

void add_threads_option(CLI::App& command, ScoringOptions& options) {
  command
      .add_option("--threads", options.threads,
                  "Assessment threads (0: one per core). Results are identical for any value")
      ->type_name("N")
      ->capture_default_str();
}

namespace {

// Stage messages for large cases, on a terminal only: loading a big file takes seconds and a
// silent terminal looks hung.
class Stages {
 public:
  Stages(bool enabled, int count) : enabled_(enabled && stderr_is_terminal()), count_(count) {}
  ~Stages() {
    if (enabled_) std::cerr << "\r\033[K" << std::flush;
  }
  void next(const std::string& what) {
    if (enabled_)
      std::cerr << "\r\033[K[" << ++done_ << "/" << count_ << "] " << what << std::flush;
  }

 private:
  bool enabled_;
  int count_;
  int done_ = 0;
};

}  // namespace

std::unique_ptr<Session> open_session(const ScoringOptions& options, bool show_progress) {
  constexpr std::uintmax_t kLargeCaseBytes = 4u << 20;
  Stages stages(show_progress && file_size(options.case_path) >= kLargeCaseBytes, 3);
  auto session = std::make_unique<Session>();
  session->case_path = options.case_path;
  session->viewer = make_viewer(options.viewer);
  session->pack = load_pack(options.rules);
  stages.next("loading " + options.case_path);
  load_case(session->graph, options.case_path);
  stages.next("taking a snapshot");
  session->snapshot = take_snapshot(session->graph);
  session->as_of = resolve_as_of(options.as_of, *session->snapshot);
  stages.next("assessing " + std::to_string(session->snapshot->children.size()) + " children");
  AssessOptions assess_options;
  assess_options.as_of = session->as_of.day;
  assess_options.threads = options.threads;
  session->results = assess(session->pack.rules, session->snapshot, assess_options);
  return session;
}

std::size_t require_child(const Results& results, const std::string& id) {
  const long row = results.find_child(id);
  if (row < 0) throw Failure(kExitChildNotFound, "no child with id '" + id + "' in the case file");
  return static_cast<std::size_t>(row);
}

std::size_t pick_child(const Results& results, const std::string& id) {
  if (!id.empty()) return require_child(results, id);
  if (results.child_count() == 1) return 0;
  if (results.child_count() == 0) throw Failure(kExitUsage, "the case file has no children");
  throw Failure(kExitUsage, "the case file has " + std::to_string(results.child_count()) +
                                " children; name one with --child (for example " +
                                std::string(results.child_id(0)) + ")");
}

// ---- Output ---------------------------------------------------------------------------------

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string text = buffer;
  // "-0.00" reads as a negative score that is not there.
  if (text.find_first_not_of("-0.") == std::string::npos && text[0] == '-') text.erase(0, 1);
  return text;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string row;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) row += ',';
    row += csv_field(fields[i]);
  }
  return row + "\n";
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (const char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

}  // namespace

void Table::add_column(std::string header, Align align) {
  headers_.push_back(std::move(header));
  aligns_.push_back(align);
}

void Table::add_row(std::vector<std::string> cells, bool highlight) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
  highlights_.push_back(highlight);
}

void Table::print(std::ostream& out, bool colour) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = display_width(headers_[c]);
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  auto print_row = [&](const std::vector<std::string>& cells, bool highlight) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string padding(widths[c] - display_width(cells[c]), ' ');
      if (c != 0) line += "  ";
      line += aligns_[c] == Align::right ? padding + cells[c] : cells[c] + padding;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    // Bold red, and only on a terminal: escape codes in a file or a pipe are noise.
    if (highlight && colour) line = "\033[1;31m" + line + "\033[0m";
    out << line << '\n';
  };
  print_row(headers_, false);
  for (std::size_t r = 0; r < rows_.size(); ++r) print_row(rows_[r], highlights_[r]);
}

void write_output(const std::string& path, std::string_view text) {
  if (path == "-") {
    std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
    std::cout.flush();
    if (!std::cout) throw Failure(kExitIo, "could not write to standard output");
    return;
  }
  std::ofstream file(path, std::ios::binary);
  if (file) file.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (file) file.close();
  if (!file) throw Failure(kExitIo, "could not write '" + path + "'");
}

// ---- Progress -------------------------------------------------------------------------------

Progress::Progress(std::string label, std::size_t total, bool allowed)
    : label_(std::move(label)),
      total_(total),
      enabled_(allowed && total >= kMinimumWork && stderr_is_terminal()) {}

Progress::~Progress() { finish(); }

void Progress::update(std::size_t done) {
  if (!enabled_) return;
  const int percent = static_cast<int>(std::min<std::size_t>(done, total_) * 100 / total_);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  constexpr int kWidth = 30;
  const int filled = percent * kWidth / 100;
  std::cerr << "\r" << label_ << " [" << std::string(filled, '#')
            << std::string(kWidth - filled, '.') << "] " << percent << "% (" << done << "/"
            << total_ << ")" << std::flush;
}

void Progress::finish() {
  if (!enabled_) return;
  std::cerr << "\r\033[K" << std::flush;
  enabled_ = false;
}

}  // namespace safeguard::cli
