// safeguard: the command-line program. Assesses case files against rule packs, explains the
// scores, lints packs, draws ecomaps, writes conference reports and generates synthetic
// caseloads. docs/cli.md is the manual.
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "machine.hpp"
#include "output.hpp"
#include "safeguard/error.hpp"
#include "safeguard/version.h"
#include "suggest.hpp"

namespace {

using namespace safeguard::cli;

// Options the program itself takes, before or after the command.
const std::vector<std::string> kProgramOptions = {"--help", "-h", "--version", "--color"};

int usage_error(const std::string& message) {
  std::cerr << "safeguard: error: " << message << "\n";
  return kExitUsage;
}

std::vector<std::string> command_names(CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* command : app.get_subcommands([](CLI::App*) { return true; }))
    names.push_back(command->get_name());
  return names;
}

CLI::App* find_command(CLI::App& app, const std::string& name) {
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; }))
    if (command->get_name() == name) return command;
  return nullptr;
}

// The option spellings a command accepts, and the program's own.
std::vector<std::string> option_names(const CLI::App* command) {
  std::vector<std::string> names = kProgramOptions;
  if (command == nullptr) return names;
  for (const CLI::Option* option : command->get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    for (const std::string& name : option->get_snames()) names.push_back("-" + name);
  }
  return names;
}

// The command named on the command line (the first word that is neither an option nor the
// value of --color), or "" when there is none.
std::string command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--color") {
      ++i;
      continue;
    }
    if (!word.empty() && word[0] != '-') return word;
  }
  return {};
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& known) {
  const std::string guess = closest(word, known);
  return guess.empty() ? std::string() : " (did you mean '" + guess + "'?)";
}

// A parse error as the user needs it: with the program's prefix, the unknown command or option
// named, and the likely intended one.
int report_parse_error(CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  const std::string word = command_word(argc, argv);
  CLI::App* command = word.empty() ? nullptr : find_command(app, word);
  if (!word.empty() && command == nullptr) {
    std::string list;
    for (const std::string& name : command_names(app)) list += (list.empty() ? "" : ", ") + name;
    return usage_error("unknown command '" + word + "'" + did_you_mean(word, command_names(app)) +
                       "; the commands are " + list);
  }
  // A command's own subcommand named on the line (store import): its options are the ones
  // known, so an error in one of them is reported as itself, not as an unknown option.
  std::string command_path = command ? command->get_name() : std::string();
  for (int i = 1; command != nullptr && i < argc; ++i) {
    const std::string sub_word = argv[i];
    if (sub_word.empty() || sub_word[0] == '-') continue;
    if (CLI::App* sub = find_command(*command, sub_word)) {
      command = sub;
      command_path += " " + sub_word;
    }
  }
  const std::vector<std::string> known = option_names(command);
  for (int i = 1; i < argc; ++i) {
    std::string token = argv[i];
    if (token == "--") break;
    if (token.size() < 2 || token[0] != '-') continue;
    if (token[1] != '-' && token.size() > 2) continue;  // -rVALUE: a short option with a value
    token = token.substr(0, token.find('='));
    if (std::find(known.begin(), known.end(), token) != known.end()) continue;
    // "-5" after an option is a negative value, which CLI11 reads as a short option's name:
    // named as the value of the option before it, as "-10" is by the option's own reader.
    if (token.size() == 2 && std::isdigit(static_cast<unsigned char>(token[1])) && i > 1) {
      std::string before = argv[i - 1];
      before = before.substr(0, before.find('='));
      CLI::App* owner = command ? command : &app;
      const CLI::Option* option =
          before.size() > 1 && before[0] == '-' ? owner->get_option_no_throw(before) : nullptr;
      if (option != nullptr && option->get_items_expected_max() > 0)
        return usage_error(before + ": '" + token +
                           "' is not a value it takes (a negative number); see '" + program_name() +
                           " " + (command ? command_path + " " : std::string()) + "--help'");
    }
    return usage_error("unknown option '" + token + "'" +
                       (command ? " for '" + command_path + "'" : std::string()) +
                       did_you_mean(token, known) + "; see '" + program_name() + " " +
                       (command ? command_path + " " : std::string()) + "--help'");
  }
  std::string message = error.what();
  if (!message.empty()) message[0] = static_cast<char>(std::tolower(message[0]));
  return usage_error(message + "; see '" + program_name() + " " +
                     (command ? command_path + " " : std::string()) + "--help'");
}

}  // namespace

namespace {

// glibc's malloc backs its heap with transparent huge pages only when asked at start-up, through
// the GLIBC_TUNABLES environment variable. On the project's VM of 2026-11-23 a first-touch page
// fault costs more than anything a large load does with the page, and `safeguard assess` on a
// 100,000-child case file takes a quarter to a third less CPU time with them (docs/performance.md,
// "Case files"). The library never sets it for its host; this program owns its process, so it asks
// once, by running itself again with the tunable added. Left alone when the environment already
// names glibc.malloc.hugetlb (set it to 0 to opt out), when /proc/self/exe cannot be run, and
// on other systems; results never depend on it.
void use_huge_pages_for_the_heap(char** argv) {
#if defined(__linux__) && defined(__GLIBC__)
  constexpr const char* kTunable = "glibc.malloc.hugetlb";
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, kTunable) != nullptr) return;
  std::string value = tunables != nullptr && tunables[0] != '\0' ? std::string(tunables) + ":" : "";
  value += std::string(kTunable) + "=1";
  if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Not run again: go on as we are, without leaving the tunable for child processes.
  if (tunables != nullptr) {
    ::setenv("GLIBC_TUNABLES", tunables, 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
#else
  (void)argv;
#endif
}

// SAFEGUARD_HUGE_PAGES chooses whether the process uses transparent huge pages, for glibc's heap
// and for the buffers the library marks (src/huge_pages.hpp) alike. "on" asks for them as above.
// "off" turns them off for the process (and any process it starts). "auto", or unset, lets the
// machine decide: off where a virtio balloon reports free pages to the host, on elsewhere. On
// such a VM the first touch of a huge page faults into the host, and `safeguard assess` took
// about a tenth less CPU time without them on a 1,000,000-child file (docs/performance.md, "What
// fresh memory costs on the VM"); on the VM of 2026-11-23 it took a quarter more with them (that
// VM's balloon was not recorded). Results never depend on it. False, with a message, for any other
// value.
bool choose_huge_pages(int argc, char** argv) {
  const char* choice = std::getenv("SAFEGUARD_HUGE_PAGES");
  bool on = true;
  if (choice == nullptr || choice[0] == '\0' || std::strcmp(choice, "auto") == 0) {
    on = !balloon_reports_free_pages();
  } else if (std::strcmp(choice, "off") == 0) {
    on = false;
  } else if (std::strcmp(choice, "on") != 0) {
    usage_error("the environment variable SAFEGUARD_HUGE_PAGES must be 'auto', 'on' or 'off'");
    return false;
  }
  if (on) {
    if (argc > 0) use_huge_pages_for_the_heap(argv);
    return true;
  }
#if defined(__linux__) && defined(PR_SET_THP_DISABLE)
  // Inherited by any process this one starts, and kept across execve.
  (void)::prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
#endif
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!choose_huge_pages(argc, argv)) return kExitUsage;
  CLI::App app{
      "safeguard: multi-agency child-safeguarding risk assessment, explained.\n"
      "All bundled data and rule packs are fictional and illustrative, not validated "
      "instruments.",
      "safeguard"};
  if (argc > 0 && argv[0] != nullptr && argv[0][0] != '\0') program_name() = argv[0];
  app.set_version_flag("--version", SG_VERSION_STRING);
  app.require_subcommand(1);
  // Program options (--color) may also come after the command.
  app.fallthrough();
  std::string colour = "auto";
  app.add_option("--color", colour,
                 "Colour in tables on a terminal: auto (unless NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->type_name("WHEN")
      ->capture_default_str();
  app.footer(exit_code_help() + "\nRun 'safeguard COMMAND --help' for a command's options.");
  std::vector<Command> commands = {
      add_assess(app),     add_explain(app),    add_timeline(app),     add_lint(app),
      add_ecomap(app),     add_report(app),     add_generate(app),     add_store(app),
      add_import_cin(app), add_export_cin(app), add_cin_measures(app), add_joined(app),
      add_training(app),   add_audit(app),      add_what_if(app),      add_refit(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    return app.exit(success);  // --help, --version: printed on standard output
  } catch (const CLI::ParseError& error) {
    return report_parse_error(app, error, argc, argv);
  }
  set_colour_mode(colour);
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
    std::cerr << "safeguard: error: internal error: " << error.what() << "\n";
    return kExitInternal;
  }
}
