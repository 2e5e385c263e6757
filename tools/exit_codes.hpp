// How the safeguard program ends: its documented exit codes and the failure that carries one
// up to main.
#pragma once

#include <stdexcept>
#include <string>

namespace safeguard::cli {

// Exit codes. Stable: scripts depend on them; docs/cli.md and `safeguard --help` list them.
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,       // a bug in safeguard
  kExitUsage = 2,          // bad command line: unknown option, malformed date, missing argument
  kExitIo = 3,             // a file could not be read or written
  kExitCaseFile = 4,       // the case file is invalid
  kExitRulePack = 5,       // the rule pack (or a --process file) is invalid
  kExitLintFindings = 6,   // lint: the pack loaded but has findings
  kExitChildNotFound = 7,  // --child names no child in the case file
  kExitGraphviz = 8,       // SVG/PNG asked for but Graphviz `dot` is missing or failed
  kExitAuditData = 9,      // audit: an outcomes or group-attributes file is invalid
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

}  // namespace safeguard::cli
