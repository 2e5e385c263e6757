// Exit codes and failures of the safeguard program; see exit_codes.hpp.
#include "exit_codes.hpp"

namespace safeguard::cli {

std::string exit_code_help() {
  return "Exit codes:\n"
         "  0  success\n"
         "  1  internal error (a bug in safeguard; please report it)\n"
         "  2  bad command line (unknown option, malformed date, missing argument)\n"
         "  3  a file could not be read or written\n"
         "  4  the case file is invalid (the message names file:line:column and entity)\n"
         "  5  the rule pack or process file is invalid (the message names file:line:column)\n"
         "  6  lint: the rule pack loaded but has findings\n"
         "  7  --child names no child in the case file\n"
         "  8  SVG or PNG asked for but Graphviz `dot` is missing or failed\n"
         "  9  audit: an outcomes or group-attributes file is invalid (file:line:column, id)\n";
}

std::string& program_name() {
  static std::string name = "safeguard";
  return name;
}

}  // namespace safeguard::cli
