// safeguard: the command-line program. Assesses case files against rule packs, explains the
// scores, lints packs, draws ecomaps, writes conference reports and generates synthetic
// caseloads. docs/cli.md is the manual.
#include <exception>
#include <iostream>
#include <new>
#include <vector>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "safeguard/error.hpp"
#include "safeguard/version.h"

int main(int argc, char** argv) {
  using namespace safeguard::cli;
  CLI::App app{
      "safeguard: multi-agency child-safeguarding risk assessment, explained.\n"
      "All bundled data and rule packs are fictional and illustrative, not validated "
      "instruments.",
      "safeguard"};
  if (argc > 0 && argv[0] != nullptr && argv[0][0] != '\0') program_name() = argv[0];
  app.set_version_flag("--version", SG_VERSION_STRING);
  app.require_subcommand(1);
  app.footer(exit_code_help() + "\nRun 'safeguard COMMAND --help' for a command's options.");
  std::vector<Command> commands = {add_assess(app),   add_explain(app), add_timeline(app),
                                   add_lint(app),     add_ecomap(app),  add_report(app),
                                   add_generate(app), add_store(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    // --help and --version are successes; every other parse error is a usage error.
    return code == 0 ? kExitOk : kExitUsage;
  }
  try {
    for (const Command& command : commands) {
      if (command.app->parsed()) return command.run();
    }
    return kExitUsage;
  } catch (const Failure& failure) {
    std::cerr << "safeguard: error: " << failure.what() << "\n";
    return failure.code();
  } catch (const safeguard::Error& error) {
    std::cerr << "safeguard: error: " << error.what() << "\n";
    return kExitInternal;
  } catch (const std::bad_alloc&) {
    std::cerr << "safeguard: error: out of memory\n";
    return kExitInternal;
  } catch (const std::exception& error) {
    std::cerr << "safeguard: internal error: " << error.what() << "\n";
    return kExitInternal;
  }
}
