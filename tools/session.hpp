// Loading and the options the scoring subcommands share: a rule pack (a file or a bundled
// pack), a case file, the as-of date and the viewer, assessed into a Session. Failures carry the
// exit code (exit_codes.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/graph.hpp"
#include "safeguard/io.hpp"
#include "safeguard/rules.hpp"

namespace safeguard::cli {

struct LoadedPack {
  std::shared_ptr<const RuleSet> rules;
  std::string origin;  // the file path, or "bundled rules/default.toml"
};

// `spec` is a path to a TOML file, or the name of a bundled pack ("default"). A path that
// exists wins over a bundled name. Failures: kExitIo, kExitRulePack.
LoadedPack load_pack(const std::string& spec);
// Names of the bundled packs, for help texts.
std::string bundled_pack_names();

// Loads a case file into `graph` within `limits` (a file, or standard input for "-": read no
// further than the size limit). Failures: kExitIo, kExitCaseFile.
void load_case(CaseGraph& graph, const std::string& path, const CaseFileLimits& limits = {});

struct AsOf {
  Day day = kNoDay;
  bool from_evidence = false;  // true: not given; the latest evidence date was used

  std::string iso() const { return format_iso_date(day); }
  // "as of 2026-10-30 (the latest evidence date in the case file; choose with --as-of)"
  std::string describe() const;
  // "option" or "latest_evidence", for JSON output.
  const char* source() const { return from_evidence ? "latest_evidence" : "option"; }
};

// The --as-of text if given (kExitUsage when malformed), else the latest evidence date, never
// a restricted concern's (latest_unrestricted_date, snapshot.hpp; kExitUsage when the case has
// no dated evidence). Never the clock.
AsOf resolve_as_of(const std::string& text, const Snapshot& snapshot);

Viewer make_viewer(const std::vector<std::string>& cleared);
// "uncleared", "cleared for everything" or "cleared for AG-POL-01, police".
std::string describe_viewer(const Viewer& viewer);

struct ScoringOptions {
  std::string case_path;
  std::string rules = "default";
  std::string as_of;
  std::vector<std::string> viewer;
  unsigned threads = 1;
  std::string process;               // a process file to use instead of the nation's bundled one
  bool strict_vocabulary = false;    // refuse a case using names the pack does not know
  std::uint64_t max_case_bytes = 0;  // --max-case-bytes; 0: the library's default limit
  // Lazy for commands that read few explanations (assess reads scores and levels): the batch
  // then holds no explanation lines (docs/performance.md, "Lazy explanations").
  Explanations explanations = Explanations::eager;
  // Called with the loaded case before the session frees it (the session keeps its snapshot,
  // which holds no group attributes): what a command needs of the record beyond the snapshot.
  std::function<void(const CaseGraph&)> read_graph;
};

void add_case_option(CLI::App& command, ScoringOptions& options);
void add_rules_option(CLI::App& command, ScoringOptions& options);
void add_as_of_option(CLI::App& command, ScoringOptions& options);
void add_viewer_option(CLI::App& command, ScoringOptions& options);
void add_threads_option(CLI::App& command, ScoringOptions& options);
void add_process_option(CLI::App& command, ScoringOptions& options);

// A case assessed with a pack as of a date: what assess, explain, ecomap and report work from.
// It holds the case's snapshot, not the editable graph it was taken from: every command reads
// the snapshot and the results, and the graph (the larger of the two) is freed before the
// assessment allocates its results (docs/performance.md, "End to end").
struct Session {
  std::string case_path;
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

}  // namespace safeguard::cli
