// safeguard what-if: the case reassessed as of the same date with the pack changed as data (a
// rule removed, a rule's points weighted, an index's thresholds moved), and which children
// change level, overall and by group (docs/audit.md, "What-if"). The pack on disk is never
// touched: the changed pack lives only for the run.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "safeguard/audit.hpp"
#include "safeguard/day.hpp"
#include "session.hpp"

namespace safeguard::cli {
namespace {

struct WhatIfCommandOptions {
  ScoringOptions scoring;
  std::string groups;
  std::string spec;
  std::vector<std::string> without;     // rule ids
  std::vector<std::string> weights;     // RULE=X
  std::vector<std::string> thresholds;  // INDEX.LEVEL=X
  std::string format = "text";
  std::string output = "-";
  std::size_t suppress_below = 5;
  bool no_progress = false;
};

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure(kExitIo, path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Failure(kExitIo, path + ": read failed");
  return text.str();
}

double parse_number(const std::string& text, const std::string& option, const std::string& pair,
                    std::size_t equals) {
  double value = 0;
  const std::string error = read_decimal(text, value);
  if (!error.empty())
    throw Failure(kExitUsage, option + ": the number after '=' in " +
                                  detail::quote_for_error(pair.substr(0, equals + 1)) + " " +
                                  error);
  return value;
}

PackChanges changes_of(const WhatIfCommandOptions& options) {
  PackChanges changes;
  if (!options.spec.empty()) {
    try {
      changes = parse_what_if_toml(read_whole(options.spec), options.spec);
    } catch (const Error& e) {
      throw Failure(kExitUsage, e.what());
    }
  }
  for (const std::string& id : options.without) {
    changes.remove.push_back(id);
    changes.remove_where.push_back(Location("--without", 0, 0, id));
  }
  for (const std::string& pair : options.weights) {
    const auto equals = pair.rfind('=');
    if (equals == std::string::npos || equals == 0)
      throw Failure(kExitUsage,
                    "--weight: expected RULE=MULTIPLIER, not " + detail::quote_for_error(pair));
    const std::string rule = pair.substr(0, equals);
    changes.weights.push_back({rule,
                               parse_number(pair.substr(equals + 1), "--weight", pair, equals),
                               Location("--weight", 0, 0, rule)});
  }
  for (const std::string& pair : options.thresholds) {
    const auto equals = pair.rfind('=');
    const auto dot = pair.find('.');
    if (equals == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 >= equals)
      throw Failure(kExitUsage, "--threshold: expected INDEX.LEVEL=SCORE, not " +
                                    detail::quote_for_error(pair));
    const std::string index = pair.substr(0, dot);
    changes.thresholds.push_back(
        {index, pair.substr(dot + 1, equals - dot - 1),
         parse_number(pair.substr(equals + 1), "--threshold", pair, equals),
         Location("--threshold", 0, 0, index)});
  }
  if (changes.remove.empty() && changes.weights.empty() && changes.thresholds.empty())
    throw Failure(kExitUsage, "nothing to change: give --without, --weight, --threshold or --spec");
  return changes;
}

std::string percent(std::size_t part, std::size_t whole) {
  return whole == 0
             ? "-"
             : fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 1) + "%";
}

std::string text_report(const WhatIfReport& report) {
  std::ostringstream out;
  const std::size_t n = report.levels.size();
  out << "what-if: pack " << report.pack_id << " " << report.pack_version << ", as of "
      << format_iso_date(report.as_of) << ", viewer " << report.viewer << "\n";
  out << "  pack hash before " << report.hash_before << "\n";
  out << "  pack hash after  " << report.hash_after << "\n";
  for (const std::string& change : report.changes) out << "  change: " << change << "\n";
  const WhatIfGroup& all = report.overall;
  out << "\nchildren " << all.children << ", changing level " << all.up + all.down << " ("
      << percent(all.up + all.down, all.children) << "): up " << all.up << ", down " << all.down
      << "\n\ntransitions (rows: level before; columns: level after)\n";
  std::size_t width = 8;
  for (const std::string& level : report.levels) width = std::max(width, level.size() + 2);
  const auto pad = [&](const std::string& text) {
    return text + std::string(width > text.size() ? width - text.size() : 1, ' ');
  };
  out << "  " << pad("");
  for (const std::string& level : report.levels) out << pad(level);
  out << "\n";
  for (std::size_t i = 0; i < n; ++i) {
    out << "  " << pad(report.levels[i]);
    for (std::size_t j = 0; j < n; ++j) out << pad(std::to_string(all.transitions[i * n + j]));
    out << "\n";
  }
  if (!report.groups.empty()) {
    out << "\nby group\n";
    for (const WhatIfGroup& group : report.groups) {
      // "c" (the GSS symbol) for a figure suppressed to protect confidentiality.
      const auto figure = [](bool hidden, std::size_t value) {
        return hidden ? std::string("c") : std::to_string(value);
      };
      const bool moved_hidden = group.up_suppressed || group.down_suppressed;
      out << "  " << group.attribute << "=" << group.group << ": "
          << figure(group.children_suppressed, group.children) << " children, "
          << figure(moved_hidden, group.up + group.down) << " change ("
          << (group.share_suppressed() ? std::string("c")
                                       : percent(group.up + group.down, group.children))
          << "): up " << figure(group.up_suppressed, group.up) << ", down "
          << figure(group.down_suppressed, group.down);
      // Each move with children, and each suppressed one whatever it holds (leaving out a
      // suppressed zero would reveal it); nothing when every move is suppressed.
      std::string moves;
      std::size_t shown_moves = 0;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
          const bool hidden =
              !group.transitions_suppressed.empty() && group.transitions_suppressed[i * n + j];
          if (i != j && !hidden) ++shown_moves;
          if (i != j && (hidden || group.transitions[i * n + j] > 0))
            moves += (moves.empty() ? "" : ", ") + report.levels[i] + "->" + report.levels[j] +
                     " " + figure(hidden, group.transitions[i * n + j]);
        }
      if (shown_moves == 0 && n > 1) moves.clear();
      if (!moves.empty()) out << " [" << moves << "]";
      out << "\n";
    }
  }
  out << "\nchildren changing level (" << report.changed.size() << ")\n";
  for (const WhatIfChild& child : report.changed) {
    out << "  " << child.id << "  " << report.levels[static_cast<std::size_t>(child.before)]
        << " -> " << report.levels[static_cast<std::size_t>(child.after)];
    std::string rules;
    for (const std::string& id : child.rules) rules += (rules.empty() ? "" : ", ") + id;
    if (!rules.empty()) out << "  (" << rules << ")";
    out << "\n";
  }
  out << "\nlint of the changed pack: "
      << (report.lint.empty() ? "no findings" : std::to_string(report.lint.size()) + " finding(s)")
      << "\n";
  for (const LintWarning& w : report.lint) out << "  " << w.code << ": " << w.message << "\n";
  for (const AuditWarning& w : report.warnings) out << "warning: " << w.message << "\n";
  return out.str();
}

}  // namespace

Command add_what_if(CLI::App& parent) {
  auto options = std::make_shared<WhatIfCommandOptions>();
  CLI::App* command = parent.add_subcommand(
      "what-if",
      "Reassess with a rule removed, a rule's weight changed or thresholds moved, and show which "
      "children change level, overall and by group");
  add_case_option(*command, options->scoring);
  add_rules_option(*command, options->scoring);
  add_as_of_option(*command, options->scoring);
  add_viewer_option(*command, options->scoring);
  add_threads_option(*command, options->scoring);
  command
      ->add_option("--groups", options->groups,
                   "CSV 'child_id,ATTRIBUTE,...': protected group attributes to break the changes "
                   "down by")
      ->type_name("FILE");
  command->add_option("--spec", options->spec, "A what-if spec (TOML; docs/audit.md)")
      ->type_name("FILE");
  command->add_option("--without", options->without, "Remove this rule (repeat for several)")
      ->type_name("RULE");
  command
      ->add_option("--weight", options->weights,
                   "Multiply this rule's points by X (repeat for several)")
      ->type_name("RULE=X");
  command
      ->add_option("--threshold", options->thresholds,
                   "Set the minimum score of LEVEL on INDEX (repeat for several)")
      ->type_name("INDEX.LEVEL=SCORE");
  command->add_option("--format", options->format, "text, json or csv")
      ->check(CLI::IsMember({"text", "json", "csv"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write here instead of standard output")
      ->type_name("FILE");
  command
      ->add_option("--suppress-below", options->suppress_below,
                   "Show a group's figure resting on fewer children than this as 'c', and any "
                   "figure that would reveal one (0: off, for your own work only)")
      ->check(whole_number<std::size_t>())
      ->capture_default_str();
  command->add_flag("--no-progress", options->no_progress, "Never draw a progress bar");
  command->footer(
      "The pack itself is never changed. An unknown rule, index or level is refused naming it.\n"
      "Example: safeguard what-if case.json --groups groups.csv --as-of 2026-11-01 "
      "--without disabled-child --weight multi-agency-corroboration=0.5");
  return {command, [options] {
            const PackChanges changes = changes_of(*options);
            GroupAttributes groups;
            groups.source = "groups";
            if (!options->groups.empty()) {
              try {
                groups = parse_groups_csv(read_whole(options->groups), options->groups);
              } catch (const Error& e) {
                throw Failure(kExitAuditData, e.what());
              }
            }
            const LoadedPack pack = load_pack(options->scoring.rules);
            try {
              check_protected(*pack.rules, groups);
            } catch (const Error& e) {
              throw Failure(kExitRulePack, e.what());
            }
            try {
              (void)change_pack(*pack.rules, changes);  // refuse a bad change before assessing
            } catch (const Error& e) {
              throw Failure(kExitUsage, e.what());
            }
            const auto session = open_session(options->scoring, !options->no_progress);
            WhatIfOptions what_if_options;
            what_if_options.threads = options->scoring.threads;
            what_if_options.viewer = session->viewer;
            what_if_options.suppress_below = options->suppress_below;
            WhatIfReport report;
            try {
              report = what_if(session->results, changes, groups, what_if_options);
            } catch (const Error& e) {
              throw Failure(e.where().file == groups.source ? kExitAuditData : kExitUsage,
                            e.what());
            }
            const std::string text = options->format == "json"  ? what_if_json(report)
                                     : options->format == "csv" ? what_if_csv(report)
                                                                : text_report(report);
            write_output(options->output, text);
            return kExitOk;
          }};
}

}  // namespace safeguard::cli
