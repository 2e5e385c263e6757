// Multi-agency training packs (docs/joining-up.md, "Training packs"): fictional scenarios drawn
// from the caseload generator in which no agency alone sees what joining shows. For each
// scenario, one HTML packet per agency holding only that agency's fragment and what it would
// conclude alone, and a reveal page with the joined picture, the explanation, the smallest sets
// of agencies and the rules joining fired. Deterministic by seed; every detail is invented.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/rules.hpp"

namespace safeguard {

struct TrainingOptions {
  std::uint64_t seed = 1;
  // How many agencies must be joined to reach the child's level: the size of the child's
  // smallest sets (found exactly). 2 to 6.
  std::size_t difficulty = 3;
  std::size_t scenarios = 3;  // 1 to 20
  Day as_of = 20758;          // 2026-11-01: the evidence is dated in the three years up to it
};

// One page: a relative path ("scenario-1/agency-AG-SCH-01.html") and its HTML.
struct TrainingPage {
  std::string path;
  std::string html;
};

// The scenarios chosen for a pack: the generated caseload assessed, and the rows of the chosen
// children in it (see training_pack for how they are chosen).
struct TrainingScenarios {
  TrainingOptions options;
  Results results;
  std::vector<std::size_t> rows;
  std::size_t caseload_children = 0;  // the size of the generated caseload they come from
};
SAFEGUARD_EXPORT TrainingScenarios choose_training_scenarios(std::shared_ptr<const RuleSet> rules,
                                                             const TrainingOptions& options);

// Scenario `number` (0-based) as a case file (JSON, docs/case-files.md): the child, everyone
// around it and everyone its evidence names, that evidence, the agencies, the relations among
// them, the process events and judgement about them, so that `safeguard explain` or `ecomap` can
// be run on it. Assessed as of the pack's date, it gives the child the reveal page's level.
SAFEGUARD_EXPORT std::string scenario_case(const TrainingScenarios& scenarios, std::size_t number);

// The first name a scenario's child goes by in the packets' story: the case's display name, or
// one invented from its id (gender-neutral, the same on every run); scenario_case gives the
// child that name as its display name.
SAFEGUARD_EXPORT std::string training_child_name(const Results& results, std::size_t row);

// The pages for chosen scenarios. `figures`, when given, holds one piece of HTML per scenario
// (an inline SVG ecomap, say: the command-line program draws one with Graphviz) placed on its
// reveal page under "Ecomap"; the caller vouches for it, it is not escaped.
SAFEGUARD_EXPORT std::vector<TrainingPage> training_pages(
    const TrainingScenarios& scenarios, const std::vector<std::string>& figures = {});

// The pages of a pack: index.html, then per scenario its agencies' packets and reveal.html.
// Scenarios are children of a generated caseload (seeded by options.seed) whose joined level is
// above every agency's alone and whose smallest sets have `difficulty` agencies, one child per
// household, in triage order; the caseload grows (up to 64,000 children) until enough are found.
// Error(not_found) when there are not, Error(invalid_argument) for options out of range or a
// pack whose propagated risk moves the level (contextual = "included"; see join()).
SAFEGUARD_EXPORT std::vector<TrainingPage> training_pack(std::shared_ptr<const RuleSet> rules,
                                                         const TrainingOptions& options);

}  // namespace safeguard
