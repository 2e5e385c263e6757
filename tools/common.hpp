// What every safeguard subcommand shares: exit codes, loading a case file and a rule pack with
// errors mapped to exit codes, resolving the as-of date, viewers, tables, CSV and a progress
// bar that only a terminal sees.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"
#include "safeguard/rules.hpp"

namespace safeguard::cli {

// Exit codes. Stable: scripts depend on them; docs/cli.md and `safeguard --help` list them.
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,       // a bug in safeguard
  kExitUsage = 2,          // bad command line: unknown option, malformed date, missing argument
  kExitIo = 3,             // a file could not be read or written
  kExitCaseFile = 4,       // the case file is invalid
  kExitRulePack = 5,       // the rule pack is invalid
  kExitLintFindings = 6,   // lint: the pack loaded but has findings
  kExitChildNotFound = 7,  // --child names no child in the case file
  kExitGraphviz = 8,       // SVG/PNG asked for but Graphviz `dot` is missing or failed
};

// The text `safeguard --help` shows for the exit codes.
std::string exit_code_help();

// A failure to report to the user: the message (which names the file, place or id, never
// personal details) and the exit code.
class Failure : public std::runtime_error {
 public:
  Failure(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

// How the user ran the program (argv[0]), for the commands that messages suggest.
std::string& program_name();

bool stdout_is_terminal();
bool stderr_is_terminal();

// ---- Inputs ---------------------------------------------------------------------------------

struct LoadedPack {
  std::shared_ptr<const RuleSet> rules;
  std::string origin;  // the file path, or "bundled rules/default.toml"
};

// `spec` is a path to a TOML file, or the name of a bundled pack ("default"). A path that
// exists wins over a bundled name. Failures: kExitIo, kExitRulePack.
LoadedPack load_pack(const std::string& spec);
// Names of the bundled packs, for help texts.
std::string bundled_pack_names();

// Loads a case file into `graph`. Failures: kExitIo, kExitCaseFile.
void load_case(CaseGraph& graph, const std::string& path);

struct AsOf {
  Day day = kNoDay;
  bool from_evidence = false;  // true: not given; the latest evidence date was used

  std::string iso() const { return format_iso_date(day); }
  // "as of 2026-10-30 (the latest evidence date in the case file; choose with --as-of)"
  std::string describe() const;
  // "option" or "latest_evidence", for JSON output.
  const char* source() const { return from_evidence ? "latest_evidence" : "option"; }
};

// The latest date in the case's evidence: concerns' recorded and incident dates, factors' start
// dates, process events and discretionary overrides. kNoDay when there is none.
Day latest_evidence_date(const Snapshot& snapshot);

// The --as-of text if given (kExitUsage when malformed), else the latest evidence date
// (kExitUsage when the case has no dated evidence). Never the clock.
AsOf resolve_as_of(const std::string& text, const Snapshot& snapshot);

Viewer make_viewer(const std::vector<std::string>& cleared);
// "uncleared", "cleared for everything" or "cleared for AG-POL-01, police".
std::string describe_viewer(const Viewer& viewer);

// ---- Options shared by the scoring subcommands -----------------------------------------------

struct ScoringOptions {
  std::string case_path;
  std::string rules = "default";
  std::string as_of;
  std::vector<std::string> viewer;
  unsigned threads = 1;
};

void add_case_option(CLI::App& command, ScoringOptions& options);
void add_rules_option(CLI::App& command, ScoringOptions& options);
void add_as_of_option(CLI::App& command, ScoringOptions& options);
void add_viewer_option(CLI::App& command, ScoringOptions& options);
void add_threads_option(CLI::App& command, ScoringOptions& options);

// A case assessed with a pack as of a date: what assess, explain, ecomap and report work from.
struct Session {
  std::string case_path;
  CaseGraph graph;
  LoadedPack pack;
  std::shared_ptr<const Snapshot> snapshot;
  AsOf as_of;
  Viewer viewer;
  Results results;
};

// Loads, snapshots and assesses; shows progress on a terminal for large cases.
std::unique_ptr<Session> open_session(const ScoringOptions& options, bool show_progress);

// Row of the child with this id (kExitChildNotFound when there is none).
std::size_t require_child(const Results& results, const std::string& id);
// The child `id` names; when id is empty, the case's only child (kExitUsage when there are
// several or none).
std::size_t pick_child(const Results& results, const std::string& id);

// ---- Output ---------------------------------------------------------------------------------

std::string fixed(double value, int decimals);
// RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
std::string csv_field(std::string_view text);
std::string csv_row(const std::vector<std::string>& fields);
// Text with &, <, >, " and ' replaced by entities (for HTML, SVG and Graphviz HTML labels).
std::string html_escape(std::string_view text);

// A text table for people: columns padded to their widest cell (counted in code points).
class Table {
 public:
  enum class Align { left, right };
  void add_column(std::string header, Align align);
  // A highlighted row (an overdue step) is printed in bold red when `colour` is true.
  void add_row(std::vector<std::string> cells, bool highlight = false);
  void print(std::ostream& out, bool colour = false) const;
  std::size_t rows() const noexcept { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> highlights_;
};

// Writes `text` to `path`, or to standard output when path is "-". Failures: kExitIo.
void write_output(const std::string& path, std::string_view text);

// A progress bar on standard error, drawn only when standard error is a terminal and the work
// is large enough to be worth watching; otherwise every call is a no-op. What it draws never
// changes what the command computes or prints on standard output.
class Progress {
 public:
  Progress(std::string label, std::size_t total, bool allowed = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::size_t done);
  void finish();

  static constexpr std::size_t kMinimumWork = 2000;  // smaller jobs finish before a bar helps

 private:
  std::string label_;
  std::size_t total_;
  bool enabled_;
  int last_percent_ = -1;
};

}  // namespace safeguard::cli
