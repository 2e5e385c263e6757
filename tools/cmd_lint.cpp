// safeguard lint: load rule packs and report what is wrong with them.
//
// The library's lint checks (issue 3: unreachable levels, rules that can never fire, unused
// indices, overlapping overrides) are not in the library yet; until they land this command
// reports load errors (syntax, unknown keys and attributes, type errors, with file:line:column)
// and summarises packs that load, and says so in its help.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"

namespace safeguard::cli {
namespace {

struct LintOptions {
  std::vector<std::string> packs;
  std::string format = "text";
};

struct Outcome {
  std::string spec;
  LoadedPack pack;
  int code = kExitOk;
  std::string error;
};

std::string summary_text(const Outcome& outcome) {
  std::ostringstream out;
  if (outcome.code != kExitOk) {
    out << outcome.spec << ": error: " << outcome.error << "\n";
    return out.str();
  }
  const RuleSet& pack = *outcome.pack.rules;
  out << outcome.pack.origin << ": loads cleanly\n"
      << "  pack     " << pack.id() << " " << pack.version() << " — " << pack.title() << "\n"
      << "  sha256   " << pack.hash() << "\n"
      << "  levels   ";
  for (std::size_t l = 0; l < pack.levels().size(); ++l)
    out << (l ? ", " : "") << pack.levels()[l].id << " >= " << fixed(pack.levels()[l].min, 2);
  out << "\n  indices  ";
  for (std::size_t i = 0; i < pack.indices().size(); ++i) {
    std::size_t rules = 0;
    for (const Rule& rule : pack.rules()) rules += rule.index == i ? 1 : 0;
    out << (i ? ", " : "") << pack.indices()[i].id << " (" << rules << " rules)";
  }
  out << "\n  rules    " << pack.rules().size() << "\n  overrides " << pack.overrides().size()
      << "\n";
  return out.str();
}

nlohmann::ordered_json summary_json(const Outcome& outcome) {
  using json = nlohmann::ordered_json;
  json item;
  item["pack"] = outcome.spec;
  item["ok"] = outcome.code == kExitOk;
  if (outcome.code != kExitOk) {
    item["error"] = outcome.error;
    return item;
  }
  const RuleSet& pack = *outcome.pack.rules;
  item["origin"] = outcome.pack.origin;
  item["id"] = pack.id();
  item["version"] = pack.version();
  item["hash"] = pack.hash();
  json levels = json::array();
  for (const LevelDef& level : pack.levels()) levels.push_back(level.id);
  item["levels"] = std::move(levels);
  json indices = json::array();
  for (const IndexDef& index : pack.indices()) indices.push_back(index.id);
  item["indices"] = std::move(indices);
  item["rules"] = pack.rules().size();
  item["overrides"] = pack.overrides().size();
  item["findings"] = json::array();
  return item;
}

}  // namespace

Command add_lint(CLI::App& parent) {
  auto options = std::make_shared<LintOptions>();
  CLI::App* command = parent.add_subcommand(
      "lint",
      "Check rule packs: report load errors (syntax, unknown keys or attributes, type errors) "
      "with file:line:column, and summarise each pack that loads. The library's deeper checks "
      "(unreachable levels, rules that never fire, unused indices, overlapping overrides) are "
      "not in this build yet");
  command
      ->add_option("packs", options->packs,
                   "Rule packs: TOML files or bundled pack names (" + bundled_pack_names() +
                       "). Default: the bundled default pack")
      ->type_name("PACK");
  command->add_option("-f,--format", options->format, "text (for people) or json (for programs)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command->footer(
      "Exit code: 0 when every pack loads, 5 when one does not, 3 when one cannot "
      "be read.");
  return {command, [options] {
            std::vector<std::string> specs = options->packs;
            if (specs.empty()) specs.push_back("default");
            int code = kExitOk;
            std::string text;
            nlohmann::ordered_json array = nlohmann::ordered_json::array();
            for (const std::string& spec : specs) {
              Outcome outcome;
              outcome.spec = spec;
              try {
                outcome.pack = load_pack(spec);
              } catch (const Failure& failure) {
                outcome.code = failure.code();
                outcome.error = failure.what();
                // An unreadable file is worse than an invalid one: it says nothing at all.
                code = code == kExitIo ? code : failure.code();
              }
              text += summary_text(outcome);
              array.push_back(summary_json(outcome));
            }
            write_output("-", options->format == "json" ? array.dump(2) + "\n" : text);
            return code;
          }};
}

}  // namespace safeguard::cli
