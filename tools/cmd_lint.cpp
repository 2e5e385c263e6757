// safeguard lint: load rule packs and report what is wrong with them — load errors (syntax,
// unknown keys and attributes, type errors) and the library's lint findings (safeguard::lint:
// unreachable levels, rules and overrides that can never fire, unused indices, overlapping or
// contradictory overrides...), each with file:line:column.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "session.hpp"

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
  std::vector<LintWarning> findings;
};

// "rules/default.toml:12:3: rule-never-fires: ..." (the place as far as it is known).
std::string finding_text(const LintWarning& finding) {
  std::string place = finding.where.file;
  if (finding.where.line > 0) {
    place += ":" + std::to_string(finding.where.line);
    if (finding.where.column > 0) place += ":" + std::to_string(finding.where.column);
  }
  return (place.empty() ? "" : place + ": ") + finding.code + ": " + finding.message;
}

std::string summary_text(const Outcome& outcome) {
  std::ostringstream out;
  if (!outcome.pack.rules) {
    out << outcome.spec << ": error: " << outcome.error << "\n";
    return out.str();
  }
  const RuleSet& pack = *outcome.pack.rules;
  for (const LintWarning& finding : outcome.findings) out << finding_text(finding) << "\n";
  out << outcome.pack.origin << ": "
      << (outcome.findings.empty() ? std::string("loads and lints clean")
                                   : std::to_string(outcome.findings.size()) +
                                         (outcome.findings.size() == 1 ? " finding" : " findings"))
      << "\n"
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
  if (!outcome.pack.rules) {
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
  json findings = json::array();
  for (const LintWarning& finding : outcome.findings) {
    findings.push_back({{"code", finding.code},
                        {"message", finding.message},
                        {"file", finding.where.file},
                        {"line", finding.where.line},
                        {"column", finding.where.column},
                        {"entity", finding.where.entity}});
  }
  item["findings"] = std::move(findings);
  return item;
}

// An unreadable pack says nothing at all, an invalid one says what is wrong, findings are
// warnings: the exit code reports the worst.
int worse(int a, int b) {
  auto rank = [](int code) {
    switch (code) {
      case kExitIo:
        return 3;
      case kExitRulePack:
        return 2;
      case kExitLintFindings:
        return 1;
      default:
        return 0;
    }
  };
  return rank(b) > rank(a) ? b : a;
}

}  // namespace

Command add_lint(CLI::App& parent) {
  auto options = std::make_shared<LintOptions>();
  CLI::App* command = parent.add_subcommand(
      "lint", "Check rule packs: load errors and lint findings, with file:line:column");
  command
      ->add_option("packs", options->packs,
                   "Rule packs: TOML files or bundled pack names (" + bundled_pack_names() +
                       "). Default: the bundled default pack")
      ->type_name("PACK");
  command->add_option("-f,--format", options->format, "text (for people) or json (for programs)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command->footer(
      "Reports load errors (syntax, unknown keys or attributes, type errors) and the library's "
      "lint findings: unreachable levels, rules and overrides that can never fire (or always "
      "fire), unused indices, ids shared between rules, overrides, indices and levels, "
      "overlapping or contradictory overrides, points whose sign contradicts their heading. "
      "Then a summary of each pack.\n"
      "Exit code: 0 when every pack loads and lints clean; 6 when one has findings; 5 when one "
      "does not load; 3 when one cannot be read (the worst of these wins).\n"
      "Example: safeguard lint rules/*.toml");
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
                outcome.findings = lint(*outcome.pack.rules);
                if (!outcome.findings.empty()) outcome.code = kExitLintFindings;
              } catch (const Failure& failure) {
                outcome.code = failure.code();
                outcome.error = failure.what();
              }
              code = worse(code, outcome.code);
              text += summary_text(outcome);
              array.push_back(summary_json(outcome));
            }
            write_output("-", options->format == "json" ? array.dump(2) + "\n" : text);
            return code;
          }};
}

}  // namespace safeguard::cli
