// Loading a case and a rule pack, the scoring options and the session they make; see session.hpp.
#include "session.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>

#include "exit_codes.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "safeguard/render.hpp"
#include "safeguard/snapshot.hpp"

namespace safeguard::cli {

namespace {

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

std::uintmax_t file_size(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<std::uintmax_t>(info.st_size) : 0;
}

bool is_bundled(const std::string& name) {
  const auto names = safeguard::bundled_pack_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

// All of standard input (a case file or rule pack given as "-"), or its first `at_most` bytes
// and one more: the caller's size check then refuses it, and memory never goes past the limit.
std::string read_standard_input(const char* what,
                                std::size_t at_most = std::numeric_limits<std::size_t>::max()) {
  std::string text;
  char chunk[1 << 16];
  while (text.size() <= at_most) {
    const std::size_t remaining = at_most - text.size();
    const std::size_t want = remaining >= sizeof chunk ? sizeof chunk : remaining + 1;
    std::cin.read(chunk, static_cast<std::streamsize>(want));
    const std::streamsize got = std::cin.gcount();
    if (got <= 0) break;
    text.append(chunk, static_cast<std::size_t>(got));
    if (!std::cin) break;
  }
  if (std::cin.bad()) {
    const int error = errno;
    throw Failure(kExitIo, std::string("cannot read ") + what + " from standard input" +
                               (error != 0 ? std::string(": ") + std::strerror(error) : ""));
  }
  return text;
}

int exit_code_for(const Error& error, int invalid_input_code) {
  return error.status() == Status::io ? kExitIo : invalid_input_code;
}

}  // namespace

std::string bundled_pack_names() {
  std::string names;
  for (const std::string& name : safeguard::bundled_pack_names()) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  return names;
}

LoadedPack load_pack(const std::string& spec) {
  LoadedPack pack;
  try {
    if (spec == "-") {
      pack.origin = "standard input";
      pack.rules = RuleSet::load_string(read_standard_input("the rule pack"), "<stdin>");
    } else if (is_bundled(spec) && !file_exists(spec)) {
      pack.rules = load_bundled_pack(spec);
      pack.origin = "bundled rules/" + spec + ".toml";
    } else {
      pack.origin = spec;
      pack.rules = RuleSet::load_file(spec);
    }
  } catch (const Error& error) {
    if (error.status() == Status::io && !file_exists(spec)) {
      throw Failure(kExitIo, "rule pack '" + spec + "' is neither a readable file (" +
                                 error.reason() +
                                 ") nor a bundled pack (bundled: " + bundled_pack_names() + ")");
    }
    throw Failure(exit_code_for(error, kExitRulePack), error.what());
  }
  return pack;
}

void load_case(CaseGraph& graph, const std::string& path, const CaseFileLimits& limits) {
  try {
    if (path == "-") {
      safeguard::load_case(graph, read_standard_input("the case file", limits.max_bytes), "<stdin>",
                           limits);
    } else {
      load_case_file(graph, path, limits);
    }
  } catch (const Error& error) {
    throw Failure(exit_code_for(error, kExitCaseFile), error.what());
  }
}

std::string AsOf::describe() const {
  std::string text = "as of " + iso();
  if (from_evidence) text += " (the latest evidence date in the case file; choose with --as-of)";
  return text;
}

AsOf resolve_as_of(const std::string& text, const Snapshot& snapshot) {
  AsOf as_of;
  if (!text.empty()) {
    std::string error;
    if (!parse_iso_date(text, as_of.day, error)) throw Failure(kExitUsage, "--as-of: " + error);
    return as_of;
  }
  as_of.day = latest_unrestricted_date(snapshot);
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

std::string describe_viewer(const Viewer& viewer) { return safeguard::describe_viewer(viewer); }

void add_case_option(CLI::App& command, ScoringOptions& options) {
  command
      .add_option("case", options.case_path,
                  "Case file (JSON; see docs/case-files.md), or - for standard input")
      ->required()
      ->type_name("CASE");
  command
      .add_option("--max-case-bytes", options.max_case_bytes,
                  "Refuse a case file larger than this (e.g. 16G; default 8G, see "
                  "docs/limits.md)")
      ->transform(byte_size())
      ->type_name("SIZE");
}

void add_rules_option(CLI::App& command, ScoringOptions& options) {
  command
      .add_option("-r,--rules", options.rules,
                  "Rule pack: a TOML file, - for standard input, or the name of a pack bundled "
                  "in the library (" +
                      bundled_pack_names() + ")")
      ->type_name("PACK")
      ->capture_default_str();
  command.add_flag("--strict-vocabulary", options.strict_vocabulary,
                   "Refuse a case that uses a concern category, factor kind, flag or agency type "
                   "the rule pack does not know (exit 4). Default: warn on standard error");
}

void add_process_option(CLI::App& command, ScoringOptions& options) {
  command
      .add_option("--process", options.process,
                  "Statutory process file: a local file over the case's nation "
                  "([process] extends = ...) or a whole national file. Default: the process "
                  "bundled for the case's nation (docs/timescales.md)")
      ->type_name("FILE");
}

void add_as_of_option(CLI::App& command, ScoringOptions& options) {
  command
      .add_option("--as-of", options.as_of,
                  "Assess as of this date. Default: the latest evidence date in the case file "
                  "(never the clock); the output says which date was used")
      ->check(iso_date())
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
      ->check(whole_number<unsigned>())
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
  if (options.case_path == "-" && options.rules == "-")
    throw Failure(kExitUsage,
                  "the case file and the rule pack cannot both be read from standard input");
  Stages stages(show_progress && file_size(options.case_path) >= kLargeCaseBytes, 3);
  auto session = std::make_unique<Session>();
  session->case_path = options.case_path;
  session->viewer = make_viewer(options.viewer);
  session->pack = load_pack(options.rules);
  stages.next("loading " + options.case_path);
  CaseFileLimits limits;
  if (options.max_case_bytes != 0) {
    limits.max_bytes = static_cast<std::size_t>(
        std::min<std::uint64_t>(options.max_case_bytes, std::numeric_limits<std::size_t>::max()));
  }
  {
    CaseGraph graph;
    load_case(graph, options.case_path, limits);
    if (options.read_graph) options.read_graph(graph);
    stages.next("taking a snapshot");
    session->snapshot = take_snapshot(graph);
  }
  // Names the pack does not know: a misspelt category scores nothing, so say so (docs/rules.md,
  // "Vocabulary"). Restricted concerns' categories are never named, only their ids.
  for (const VocabularyFinding& finding :
       check_vocabulary(*session->snapshot, {session->pack.rules.get()})) {
    if (options.strict_vocabulary)
      throw Failure(kExitCaseFile, options.case_path + ": " + finding.message +
                                       " (--strict-vocabulary: the case is refused)");
    std::cerr << "safeguard: warning: " << options.case_path << ": " << finding.message << "\n";
  }
  session->as_of = resolve_as_of(options.as_of, *session->snapshot);
  stages.next("assessing " + std::to_string(snapshot_child_count(*session->snapshot)) +
              " children");
  AssessOptions assess_options;
  assess_options.as_of = session->as_of.day;
  assess_options.threads = options.threads;
  assess_options.explanations = options.explanations;
  if (!options.process.empty()) {
    // A process file is linted like a rule pack: unreadable exits 3, invalid (or another
    // nation's) exits 5 with its file, line and column, never 1 ("a bug in safeguard").
    try {
      assess_options.process =
          Process::load_file_for(options.process, snapshot_calendar(*session->snapshot).nation());
    } catch (const Error& error) {
      throw Failure(exit_code_for(error, kExitRulePack), error.what());
    }
  }
  session->results = assess(session->pack.rules, session->snapshot, assess_options);
  return session;
}

namespace {

// What `id` names in the case when it is not a child: "an adult", "an agency"..., or "" when it
// names nothing. A restricted concern is answered as nothing, whoever reads: "is a concern in
// the case file" would tell a reader guessing ids that a restricted report exists, which `assess`
// and `explain` never tell an uncleared one. Only on the error path, so a scan is fine.
std::string what_else(const Snapshot& snapshot, const std::string& id) {
  for (VertexIndex v = 0; v < snapshot_vertex_count(snapshot); ++v) {
    const VertexKind kind = snapshot_kind(snapshot, v);
    if (kind == VertexKind::erased || snapshot_id(snapshot, v) != id) continue;
    if (!can_see(Viewer{}, snapshot, v)) return {};
    if (kind == VertexKind::person) return "an adult";
    const std::string noun(to_string(kind));
    return (noun[0] == 'a' ? "an " : "a ") + noun;
  }
  return {};
}

}  // namespace

std::size_t require_child(const Results& results, const std::string& id) {
  const long row = results.find_child(id);
  if (row >= 0) return static_cast<std::size_t>(row);
  const std::string other = what_else(results.snapshot(), id);
  if (!other.empty()) {
    throw Failure(kExitChildNotFound,
                  "'" + id + "' is " + other +
                      " in the case file, not a child; --child takes a "
                      "child's id (for example " +
                      (results.child_count() > 0 ? std::string(results.child_id(0))
                                                 : std::string("none: the case has no children")) +
                      ")");
  }
  throw Failure(kExitChildNotFound, "no child with id '" + id + "' in the case file");
}

std::size_t pick_child(const Results& results, const std::string& id) {
  if (!id.empty()) return require_child(results, id);
  if (results.child_count() == 1) return 0;
  if (results.child_count() == 0) throw Failure(kExitUsage, "the case file has no children");
  throw Failure(kExitUsage, "the case file has " + std::to_string(results.child_count()) +
                                " children; name one with --child (for example " +
                                std::string(results.child_id(0)) + ")");
}

}  // namespace safeguard::cli
