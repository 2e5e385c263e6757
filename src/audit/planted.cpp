// Planted truth for the audit's tests (generate.hpp): outcomes and group attributes drawn from
// a stated model, keyed by child id so they do not depend on the order of the results.
#include <cmath>

#include "audit/random.hpp"
#include "safeguard/generate.hpp"

namespace safeguard {

PlantedTruth plant_outcomes(const Results& results, const PlantedOptions& options) {
  PlantedTruth truth;
  truth.outcomes.source = "planted outcomes";
  truth.outcomes.horizon = options.horizon;
  truth.groups.source = "planted groups";
  truth.groups.attributes = {"planted_group", "control_group"};
  for (std::size_t row = 0; row < results.child_count(); ++row) {
    const std::string id(results.child_id(row));
    audit_detail::SplitMix stream(options.seed * 0x9E3779B97F4A7C15ull ^ audit_detail::id_hash(id));
    const double g = stream.unit();
    const char* planted = g < 0.5 ? "A" : g < 0.8 ? "B" : "C";
    const char* control = stream.unit() < 0.5 ? "X" : "Y";
    double logit = options.intercept + options.slope * results.total(row) +
                   (planted[0] == 'B' ? options.disparity : 0.0);
    for (const auto& [rule, slope] : options.rule_slopes) {
      for (const Contribution* c = results.contributions_begin(row);
           c != results.contributions_end(row); ++c) {
        if (!c->propagated() && c->rule < results.rules().rules().size() &&
            results.rules().rules()[c->rule].id == rule)
          logit += slope * c->value;
      }
    }
    const double p = 1.0 / (1.0 + std::exp(-logit));
    const int outcome = stream.unit() < p ? 1 : 0;
    const int line = static_cast<int>(row) + 2;  // after the header (groups_csv)
    // outcomes_csv writes the horizon on a comment line first.
    truth.outcomes.rows.push_back({id, outcome, line + (options.horizon.empty() ? 0 : 1)});
    truth.groups.rows.push_back({id, {planted, control}, line});
    truth.probabilities.push_back(p);
  }
  return truth;
}

}  // namespace safeguard
