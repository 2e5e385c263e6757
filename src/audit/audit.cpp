// The audit's figures: discrimination (ROC AUC with bootstrap intervals), calibration (outcome
// rate per level with Wilson intervals) and the disparity tables by group (docs/audit.md).
// Single-threaded and free of floating-point reductions whose order could vary, so a report is
// the same bytes for the same inputs everywhere.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "audit/random.hpp"
#include "safeguard/audit.hpp"

namespace safeguard {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kZ = 1.959963984540054;  // two-sided 95%

// Rows sorted by score once; each AUC (point or bootstrap) is then one pass over the groups
// of tied scores, weighting each child by how often the resample drew it.
class Ranking {
 public:
  Ranking(const std::vector<double>& scores, const std::vector<int>& outcomes)
      : outcomes_(outcomes) {
    order_.resize(scores.size());
    std::iota(order_.begin(), order_.end(), 0u);
    std::stable_sort(order_.begin(), order_.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return scores[a] < scores[b]; });
    for (std::size_t i = 0; i < order_.size(); ++i) {
      if (i == 0 || scores[order_[i]] != scores[order_[i - 1]]) starts_.push_back(i);
    }
    starts_.push_back(order_.size());
  }

  // Mann-Whitney: the share of (positive, negative) pairs the score puts in order, ties one
  // half. Counted in integers (twice the numerator), so no rounding depends on order.
  double auc(const std::vector<std::uint32_t>* weights) const {
    std::uint64_t twice = 0, negatives_below = 0, positives = 0, negatives = 0;
    for (std::size_t g = 0; g + 1 < starts_.size(); ++g) {
      std::uint64_t pos = 0, neg = 0;
      for (std::size_t i = starts_[g]; i < starts_[g + 1]; ++i) {
        const std::uint32_t row = order_[i];
        const std::uint64_t w = weights ? (*weights)[row] : 1;
        (outcomes_[row] ? pos : neg) += w;
      }
      twice += 2 * pos * negatives_below + pos * neg;
      negatives_below += neg;
      positives += pos;
      negatives += neg;
    }
    if (positives == 0 || negatives == 0) return kNaN;
    return static_cast<double>(twice) /
           (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
  }

 private:
  const std::vector<int>& outcomes_;
  std::vector<std::uint32_t> order_;
  std::vector<std::size_t> starts_;
};

// Type-7 quantile of sorted values.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const double h = (static_cast<double>(sorted.size()) - 1) * q;
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// The ratio of two proportions with Katz's log interval; NaN where a side has no events.
void set_ratio(AuditRow& row, const AuditRow& reference) {
  if (row.denominator == 0 || reference.denominator == 0 || reference.count == 0) return;
  const double p = static_cast<double>(row.count) / static_cast<double>(row.denominator);
  const double p0 =
      static_cast<double>(reference.count) / static_cast<double>(reference.denominator);
  row.ratio = p / p0;
  if (row.count == 0) return;
  const double se =
      std::sqrt(1.0 / static_cast<double>(row.count) - 1.0 / static_cast<double>(row.denominator) +
                1.0 / static_cast<double>(reference.count) -
                1.0 / static_cast<double>(reference.denominator));
  row.ratio_low = std::exp(std::log(row.ratio) - kZ * se);
  row.ratio_high = std::exp(std::log(row.ratio) + kZ * se);
}

std::string fixed(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

struct Child {
  std::size_t row;  // in id order
  int outcome;      // 0, 1, or -1 without one
};

}  // namespace

AuditRow::AuditRow()
    : value(kNaN), low(kNaN), high(kNaN), ratio(kNaN), ratio_low(kNaN), ratio_high(kNaN) {}

Interval wilson_interval(std::size_t events, std::size_t n) {
  if (n == 0) return {kNaN, kNaN};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(events) / nn;
  const double z2 = kZ * kZ;
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = kZ * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

double roc_auc(const std::vector<double>& scores, const std::vector<int>& outcomes) {
  if (scores.size() != outcomes.size())
    throw Error(Status::invalid_argument, "roc_auc: scores and outcomes differ in length");
  return Ranking(scores, outcomes).auc(nullptr);
}

AuditRows audit_rows(const Results& results) {
  AuditRows rows;
  rows.source = "results";
  rows.as_of = results.as_of();
  rows.pack_hash = results.rules().hash();
  rows.children.reserve(results.child_count());
  for (std::size_t r = 0; r < results.child_count(); ++r) {
    AuditChild child;
    child.id = std::string(results.child_id(r));
    child.level = results.level(r);
    child.total = results.total(r);
    for (std::size_t k = 0; k < results.index_count(); ++k)
      child.scores.push_back(results.score(r, k));
    rows.children.push_back(std::move(child));
  }
  return rows;
}

AuditReport audit(const Results& results, const Outcomes& outcomes, const GroupAttributes& groups,
                  const AuditOptions& options) {
  return audit(audit_rows(results), results.rules(), outcomes, groups, options);
}

AuditReport audit(const AuditRows& input, const RuleSet& pack, const Outcomes& outcomes,
                  const GroupAttributes& groups, const AuditOptions& options) {
  if (!(options.band_low > 0 && options.band_low < 1 && options.band_high > 1))
    throw Error(Status::invalid_argument, "the band must satisfy 0 < low < 1 < high, not " +
                                              fixed(options.band_low) + "-" +
                                              fixed(options.band_high));
  if (!input.pack_hash.empty() && input.pack_hash != pack.hash())
    throw Error(Status::invalid_argument,
                "the rows were assessed with another rule pack (sha256 " +
                    input.pack_hash.substr(0, 12) + ") than the one given (" +
                    pack.hash().substr(0, 12) + ")",
                Location(input.source));
  check_protected(pack, groups);
  // Children in id order: what the bootstrap resamples, whatever order they came in.
  std::vector<const AuditChild*> sorted;
  sorted.reserve(input.children.size());
  for (const AuditChild& child : input.children) sorted.push_back(&child);
  std::sort(sorted.begin(), sorted.end(),
            [](const AuditChild* a, const AuditChild* b) { return a->id < b->id; });
  const auto find_child = [&](const std::string& id) -> long {
    const auto at =
        std::lower_bound(sorted.begin(), sorted.end(), id,
                         [](const AuditChild* c, const std::string& x) { return c->id < x; });
    return at != sorted.end() && (*at)->id == id ? static_cast<long>(at - sorted.begin()) : -1;
  };
  const std::size_t child_count = sorted.size();
  const std::size_t index_count = pack.indices().size();

  AuditReport report;
  report.pack_id = pack.id();
  report.pack_version = pack.version();
  report.pack_hash = pack.hash();
  report.as_of = input.as_of;
  report.horizon = outcomes.horizon;
  report.children = child_count;
  report.options = options;
  report.attributes = groups.attributes;
  for (const LevelDef& level : pack.levels()) report.levels.push_back(level.id);
  const int level_count = static_cast<int>(pack.levels().size());

  // Join: every id in either file must be a child of the results.
  std::vector<int> outcome_of(child_count, -1);
  for (const OutcomeRow& row : outcomes.rows) {
    const long found = find_child(row.child_id);
    if (found < 0)
      throw Error(Status::not_found, "no child with this id in the assessment",
                  Location(outcomes.source, row.line, 1, row.child_id));
    outcome_of[static_cast<std::size_t>(found)] = row.outcome;
  }
  const std::size_t attribute_count = groups.attributes.size();
  std::vector<const GroupRow*> group_of(child_count, nullptr);
  for (const GroupRow& row : groups.rows) {
    const long found = find_child(row.child_id);
    if (found < 0)
      throw Error(Status::not_found, "no child with this id in the assessment",
                  Location(groups.source, row.line, 1, row.child_id));
    group_of[static_cast<std::size_t>(found)] = &row;
  }
  for (const auto& [attribute, reference] : options.reference) {
    if (std::find(groups.attributes.begin(), groups.attributes.end(), attribute) ==
        groups.attributes.end())
      throw Error(Status::invalid_argument,
                  "a reference group is given for '" + attribute +
                      "', which the group-attributes file does not declare",
                  Location(groups.source));
  }

  // The children with an outcome, in result order.
  std::vector<std::size_t> rows;
  std::vector<int> y;
  for (std::size_t r = 0; r < child_count; ++r) {
    if (outcome_of[r] < 0) continue;
    rows.push_back(r);
    y.push_back(outcome_of[r]);
  }
  report.with_outcome = rows.size();
  report.positives = static_cast<std::size_t>(std::count(y.begin(), y.end(), 1));
  const std::size_t negatives = report.with_outcome - report.positives;
  if (report.with_outcome < report.children)
    report.warnings.push_back(
        {"no-outcome", std::to_string(report.children - report.with_outcome) + " of " +
                           std::to_string(report.children) +
                           " assessed children have no outcome and are left out of every "
                           "outcome-based figure"});

  // ---- Discrimination --------------------------------------------------------------------
  std::vector<std::pair<std::string, std::vector<double>>> measures;
  for (std::size_t k = 0; k < index_count; ++k) {
    std::vector<double> s;
    s.reserve(rows.size());
    for (std::size_t r : rows) s.push_back(sorted[r]->scores[k]);
    measures.emplace_back("index:" + pack.indices()[k].id, std::move(s));
  }
  {
    std::vector<double> total, level;
    for (std::size_t r : rows) {
      total.push_back(sorted[r]->total);
      level.push_back(sorted[r]->level);
    }
    measures.emplace_back("total", std::move(total));
    measures.emplace_back("level", std::move(level));
  }
  const bool enough = report.positives >= options.min_events && negatives >= options.min_events;
  std::vector<Ranking> rankings;
  rankings.reserve(measures.size());
  for (const auto& measure : measures) rankings.emplace_back(measure.second, y);
  std::vector<std::vector<double>> replicates(measures.size());
  if (enough && options.bootstrap > 0) {
    audit_detail::SplitMix stream(options.seed * 0xD1B54A32D192ED03ull + 0x5AFE);
    std::vector<std::uint32_t> weights(rows.size());
    const auto n = static_cast<std::uint32_t>(rows.size());
    for (std::size_t b = 0; b < options.bootstrap; ++b) {
      std::fill(weights.begin(), weights.end(), 0u);
      for (std::uint32_t i = 0; i < n; ++i) ++weights[stream.below(n)];
      for (std::size_t m = 0; m < measures.size(); ++m) {
        const double value = rankings[m].auc(&weights);
        if (!std::isnan(value)) replicates[m].push_back(value);
      }
    }
  }
  for (std::size_t m = 0; m < measures.size(); ++m) {
    AuditRow row;
    row.table = "discrimination";
    row.measure = measures[m].first;
    row.count = report.positives;
    row.denominator = report.with_outcome;
    if (!enough) {
      row.note = "not reported: needs at least " + std::to_string(options.min_events) +
                 " children with each outcome";
    } else {
      row.value = rankings[m].auc(nullptr);
      std::sort(replicates[m].begin(), replicates[m].end());
      row.low = quantile(replicates[m], 0.025);
      row.high = quantile(replicates[m], 0.975);
    }
    report.rows.push_back(std::move(row));
  }
  if (!enough)
    report.warnings.push_back(
        {"small-sample", "AUC not reported: " + std::to_string(report.positives) +
                             " children with outcome 1 and " + std::to_string(negatives) +
                             " with outcome 0; each needs at least " +
                             std::to_string(options.min_events)});

  auto rate_row = [&](const std::string& table, const std::string& measure, int level,
                      std::size_t count, std::size_t denominator) {
    AuditRow row;
    row.table = table;
    row.measure = measure;
    row.level = level;
    if (level >= 0 && level < level_count) row.level_id = report.levels[level];
    row.count = count;
    row.denominator = denominator;
    if (denominator > 0) {
      row.value = static_cast<double>(count) / static_cast<double>(denominator);
      const Interval ci = wilson_interval(count, denominator);
      row.low = ci.low;
      row.high = ci.high;
    }
    if (denominator == 0)
      row.note = "no children";
    else if (denominator < options.min_count)
      row.note = "small sample: fewer than " + std::to_string(options.min_count) + " children";
    return row;
  };

  // ---- Calibration -----------------------------------------------------------------------
  {
    std::vector<std::size_t> n(level_count, 0), events(level_count, 0);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const int level = sorted[rows[i]]->level;
      ++n[level];
      events[level] += static_cast<std::size_t>(y[i]);
    }
    for (int level = 0; level < level_count; ++level) {
      AuditRow row = rate_row("calibration", "outcome_rate", level, events[level], n[level]);
      if (!row.note.empty())
        report.warnings.push_back(
            {"small-sample", "calibration at level '" + row.level_id + "': " + row.note});
      report.rows.push_back(std::move(row));
    }
  }

  // ---- Disparity, per attribute ----------------------------------------------------------
  for (std::size_t a = 0; a < attribute_count; ++a) {
    const std::string& attribute = groups.attributes[a];
    // Children per group value (byte order), all and with an outcome.
    std::map<std::string, std::vector<Child>> members;
    std::size_t not_recorded = 0;
    for (std::size_t r = 0; r < child_count; ++r) {
      const GroupRow* g = group_of[r];
      if (!g || g->values[a].empty()) {
        ++not_recorded;
        continue;
      }
      members[g->values[a]].push_back({r, outcome_of[r]});
    }
    if (not_recorded > 0)
      report.warnings.push_back({"not-recorded", "'" + attribute + "' is not recorded for " +
                                                     std::to_string(not_recorded) +
                                                     " assessed children; they are left "
                                                     "out of its tables"});
    std::string reference;
    const auto given = options.reference.find(attribute);
    if (given != options.reference.end()) {
      if (!members.count(given->second))
        throw Error(
            Status::invalid_argument,
            "reference group '" + given->second + "' of '" + attribute + "' has no assessed child",
            Location(groups.source));
      reference = given->second;
    } else {
      std::size_t largest = 0;
      for (const auto& [value, children] : members) {
        if (children.size() > largest) {
          largest = children.size();
          reference = value;
        }
      }
    }
    report.references.push_back(reference);
    if (members.empty()) continue;

    // Each group's rows of the three tables, built in the same order so the reference's row
    // at the same position is its counterpart.
    std::map<std::string, std::vector<AuditRow>> tables;
    for (const auto& [value, children] : members) {
      std::vector<AuditRow>& out = tables[value];
      std::vector<std::size_t> at(level_count, 0), n(level_count, 0), events(level_count, 0);
      std::size_t positives = 0, negatives_in_group = 0;
      for (const Child& child : children) {
        const int level = sorted[child.row]->level;
        ++at[level];
        if (child.outcome < 0) continue;
        ++n[level];
        events[level] += static_cast<std::size_t>(child.outcome);
        (child.outcome ? positives : negatives_in_group) += 1;
      }
      for (int level = 0; level < level_count; ++level)
        out.push_back(rate_row("level_distribution", "share", level, at[level], children.size()));
      for (int level = 0; level < level_count; ++level)
        out.push_back(rate_row("outcome_by_level", "outcome_rate", level, events[level], n[level]));
      // At threshold t a child counts as flagged when its level is t or above.
      for (int t = 1; t < level_count; ++t) {
        std::size_t false_positives = 0, false_negatives = 0;
        for (int level = 0; level < level_count; ++level) {
          const std::size_t negatives_here = n[level] - events[level];
          if (level >= t)
            false_positives += negatives_here;
          else
            false_negatives += events[level];
        }
        out.push_back(rate_row("error_rates", "fpr", t, false_positives, negatives_in_group));
        out.push_back(rate_row("error_rates", "fnr", t, false_negatives, positives));
      }
      for (AuditRow& row : out) {
        row.attribute = attribute;
        row.group = value;
      }
    }
    const std::vector<AuditRow>& reference_rows = tables.at(reference);
    for (auto& [value, rows_of_group] : tables) {
      for (std::size_t i = 0; i < rows_of_group.size(); ++i) {
        AuditRow& row = rows_of_group[i];
        const AuditRow& base = reference_rows[i];
        set_ratio(row, base);
        const bool small =
            row.denominator < options.min_count || base.denominator < options.min_count;
        if (value == reference || std::isnan(row.ratio)) continue;
        if (small) {
          if (row.note.empty()) row.note = "ratio not assessed: the reference's sample is small";
          continue;
        }
        const bool outside = row.ratio < options.band_low || row.ratio > options.band_high;
        const bool excludes_one =
            !std::isnan(row.ratio_low) && (row.ratio_low > 1 || row.ratio_high < 1);
        if (outside && excludes_one) {
          row.flag = true;
          std::string what = row.table == "error_rates"
                                 ? (row.measure == "fpr" ? "false positive rate at threshold '"
                                                         : "false negative rate at threshold '")
                                 : (row.table == "level_distribution" ? "share at level '"
                                                                      : "outcome rate at level '");
          report.flags.push_back(attribute + " = " + value + ": " + what + row.level_id + "' is " +
                                 fixed(row.ratio) + " times that of " + reference +
                                 " (95% interval " + fixed(row.ratio_low) + "-" +
                                 fixed(row.ratio_high) + "), outside " + fixed(options.band_low) +
                                 "-" + fixed(options.band_high));
        }
      }
    }
    for (auto& entry : tables) {
      for (AuditRow& row : entry.second) report.rows.push_back(std::move(row));
    }
  }
  // Rows by table, then attribute, group and level, so each table reads as one block.
  static const std::map<std::string, int> kOrder = {{"discrimination", 0},
                                                    {"calibration", 1},
                                                    {"level_distribution", 2},
                                                    {"outcome_by_level", 3},
                                                    {"error_rates", 4}};
  std::stable_sort(
      report.rows.begin(), report.rows.end(),
      [](const AuditRow& a, const AuditRow& b) { return kOrder.at(a.table) < kOrder.at(b.table); });
  return report;
}

}  // namespace safeguard
