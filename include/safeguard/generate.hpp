// Synthetic caseloads: fictional households, agencies, concerns, protective factors, relations
// and places, deterministic by seed, for benchmarks, load tests and demonstrations. Every id and
// date is invented; nothing is drawn from real records.
//
// The same options give the same caseload on every platform and for any batch size: each
// household draws from its own random stream (splitmix64 keyed by seed and household number),
// and no standard-library distribution (whose output varies between implementations) is used.
#pragma once

#include "safeguard/detail/export.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "safeguard/audit.hpp"
#include "safeguard/graph.hpp"

namespace safeguard {

struct CaseloadOptions {
  std::size_t children = 1000;
  std::uint64_t seed = 1;
  // Evidence is dated in the three years up to this day (default 2026-11-01); assess as of it.
  Day as_of = 20758;
  // Children per emitted batch: bounds the memory the batches take while a large caseload is
  // built. It does not change the caseload.
  std::size_t children_per_batch = 20000;
};

// What a generated caseload holds.
struct CaseloadSummary {
  std::size_t households = 0;
  std::size_t children = 0;
  std::size_t adults = 0;
  std::size_t agencies = 0;
  std::size_t places = 0;
  std::size_t concerns = 0;
  std::size_t factors = 0;
  std::size_t relations = 0;  // declared relations: parent_of, carer_of, sibling_of, ...
  std::size_t events = 0;     // child protection process events
  std::size_t discretionary_overrides = 0;
};

// Streams a caseload of exactly options.children children as batches in dependency order: the
// first holds the agencies and places, and every batch names only entities declared in it or
// in an earlier batch, so applying them in order to an empty graph always succeeds.
//
// Shape: households of 1-6 children and 1-3 adults (parents, a step-parent or partner, a
// kinship carer); about 30 agencies of nine types; about 3 concerns per child on average,
// skewed (most households have few, a small share have many, as in real caseloads), a fifth
// of them about adults (domestic abuse, substance misuse, mental health, violent offending,
// housing) and naming the other adult as involved; about one protective factor per child;
// sibling, parent, carer and partner relations within households; peer (associate) relations
// and frequented places for children aged ten and over; for half the households with four or
// more concerns, child protection process events (referral, decision, and for some a strategy
// discussion, initial and review conferences, the plan's end); and a discretionary override
// for about one child in a hundred.
SAFEGUARD_EXPORT CaseloadSummary generate_caseload(const CaseloadOptions& options,
                                                   const std::function<void(Batch&&)>& sink);

// Generates the caseload straight into `graph` (which should be empty, or at least hold none
// of the generated ids), one batch at a time.
SAFEGUARD_EXPORT CaseloadSummary generate_caseload(CaseGraph& graph,
                                                   const CaseloadOptions& options);

// ---- Planted truth for the audit (audit.hpp, docs/audit.md) ----------------------------------

// The model outcomes and group attributes are drawn from, so a test knows what the audit must
// recover. For each assessed child with total score s:
//   planted_group ~ A (50%), B (30%), C (20%); control_group ~ X (50%), Y (50%), independent;
//   outcome ~ Bernoulli(logistic(intercept + slope * s + disparity * [planted_group == B])).
// Group B's outcome is shifted by `disparity` on the log-odds scale at every score: the level
// under-predicts for B, which the audit's outcome rates per level and error rates by group show;
// control_group has no disparity. Group attributes go to their own file, never into the case.
struct PlantedOptions {
  std::uint64_t seed = 1;
  double intercept = -3.0;
  double slope = 0.25;
  double disparity = 1.0;
  // Rules whose own points move the outcome: each adds slope x the rule's points for the child
  // (its contributions summed) to the log-odds, on top of the total score's slope. What the
  // refit's tests plant: one rule predictive beyond its weight, another not.
  std::vector<std::pair<std::string, double>> rule_slopes;
  std::string horizon = "planted outcome (synthetic, no real horizon)";
};

struct PlantedTruth {
  Outcomes outcomes;                  // every child of the results, in result order
  GroupAttributes groups;             // attributes planted_group and control_group
  std::vector<double> probabilities;  // each child's outcome probability under the model
};

// Draws the planted outcomes and groups for `results`. Each child's draws come from a stream
// keyed by the seed and the child's id, so they do not depend on the order of the results.
SAFEGUARD_EXPORT PlantedTruth plant_outcomes(const Results& results, const PlantedOptions& options);

}  // namespace safeguard
