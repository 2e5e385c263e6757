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

#include "audit/named.hpp"
#include "audit/random.hpp"
#include "audit/suppress.hpp"
#include "safeguard/audit.hpp"
#include "snapshot_columns.hpp"

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

// The standard deviation of log(ratio) over the resamples, or NaN when fewer than 95% of them
// gave a positive ratio (a log scale needs events on both sides).
double log_spread(const std::vector<double>& ratios, std::size_t resamples) {
  std::vector<double> logs;
  for (double r : ratios) {
    if (r > 0 && std::isfinite(r)) logs.push_back(std::log(r));
  }
  if (logs.size() < 2 || logs.size() * 20 < resamples * 19) return kNaN;
  double mean = 0;
  for (double v : logs) mean += v;
  mean /= static_cast<double>(logs.size());
  double squares = 0;
  for (double v : logs) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(logs.size() - 1));
}

// The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9),
// for 0.5 < p < 1: enough for a flag's threshold.
double normal_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  if (p < 0.97575) {
    const double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double q = std::sqrt(-2 * std::log(1 - p));
  return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
         ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
}

std::string fixed(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

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

namespace {

// Each child's household id ("" for none), by result row, from the snapshot's columns
// (src/snapshot_columns.hpp): the bootstrap resamples households whole.
std::vector<std::string> household_ids(const Results& results) {
  const Snapshot& snap = results.snapshot();
  std::vector<VertexIndex> household_vertex;
  for (std::size_t v = 0; v < snap.vertex_kind.size(); ++v) {
    if (snap.vertex_kind[v] != VertexKind::household) continue;
    const std::uint32_t slot = snap.vertex_slot[v];
    if (slot >= household_vertex.size()) household_vertex.resize(slot + 1, kNoVertex);
    household_vertex[slot] = static_cast<VertexIndex>(v);
  }
  std::vector<std::string> out(results.child_count());
  for (std::size_t r = 0; r < results.child_count(); ++r) {
    const std::uint32_t slot = snap.person_household[snap.vertex_slot[results.child_vertex(r)]];
    if (slot < household_vertex.size() && household_vertex[slot] != kNoVertex)
      out[r] = std::string(snap.id(household_vertex[slot]));
  }
  return out;
}

}  // namespace

AuditRows audit_rows(const Results& results) {
  AuditRows rows;
  rows.source = "results";
  rows.as_of = results.as_of();
  rows.pack_hash = results.rules().hash();
  rows.children.reserve(results.child_count());
  std::vector<std::string> households = household_ids(results);
  for (std::size_t r = 0; r < results.child_count(); ++r) {
    AuditChild child;
    child.id = std::string(results.child_id(r));
    child.cluster = std::move(households[r]);
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
                  Location(outcomes.source, row.line, 1, audit_detail::named_id(row.child_id)));
    outcome_of[static_cast<std::size_t>(found)] = row.outcome;
  }
  const std::size_t attribute_count = groups.attributes.size();
  std::vector<const GroupRow*> group_of(child_count, nullptr);
  for (const GroupRow& row : groups.rows) {
    const long found = find_child(row.child_id);
    if (found < 0)
      throw Error(Status::not_found, "no child with this id in the assessment",
                  Location(groups.source, row.line, 1, audit_detail::named_id(row.child_id)));
    group_of[static_cast<std::size_t>(found)] = &row;
  }
  for (const auto& [attribute, reference] : options.reference) {
    if (std::find(groups.attributes.begin(), groups.attributes.end(), attribute) ==
        groups.attributes.end())
      throw Error(Status::invalid_argument,
                  "a reference group is given for " + audit_detail::quoted_value(attribute) +
                      ", which the group-attributes file does not declare",
                  Location(groups.source));
  }

  // What putting the attributes together found (a file and the record disagreeing).
  report.warnings.insert(report.warnings.end(), groups.warnings.begin(), groups.warnings.end());

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

  // ---- Clusters: what the bootstrap resamples ---------------------------------------------
  // Siblings share evidence and so levels: children of one household are not independent, and
  // resampling children one by one would give intervals too narrow (and false flags). The
  // bootstrap resamples households whole; a child without one is its own cluster. Clusters are
  // numbered in key order, so the draws do not depend on the order children came in.
  std::vector<std::uint32_t> cluster_of(child_count);
  std::size_t cluster_count = 0;
  {
    std::vector<std::pair<std::string, std::uint32_t>> keys;
    keys.reserve(child_count);
    for (std::size_t r = 0; r < child_count; ++r)
      keys.emplace_back(sorted[r]->cluster.empty() ? "\x01" + sorted[r]->id : sorted[r]->cluster,
                        static_cast<std::uint32_t>(r));
    std::sort(keys.begin(), keys.end());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i > 0 && keys[i].first != keys[i - 1].first) ++cluster_count;
      cluster_of[keys[i].second] = static_cast<std::uint32_t>(cluster_count);
    }
    if (!keys.empty()) ++cluster_count;
  }

  // ---- Discrimination: the measures --------------------------------------------------------
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

  // ---- Disparity: groups per attribute -----------------------------------------------------
  struct Attribute {
    std::vector<std::string> names;  // group values, byte order
    std::vector<int> group_of;       // per child (id order): index into names, or -1
    std::size_t reference = 0;
  };
  std::vector<Attribute> attributes(attribute_count);
  for (std::size_t a = 0; a < attribute_count; ++a) {
    const std::string& attribute = groups.attributes[a];
    Attribute& out = attributes[a];
    std::map<std::string, std::size_t> sizes;
    std::size_t not_recorded = 0;
    for (std::size_t r = 0; r < child_count; ++r) {
      const GroupRow* g = group_of[r];
      if (!g || g->values[a].empty())
        ++not_recorded;
      else
        ++sizes[g->values[a]];
    }
    for (const auto& entry : sizes) out.names.push_back(entry.first);
    out.group_of.assign(child_count, -1);
    for (std::size_t r = 0; r < child_count; ++r) {
      const GroupRow* g = group_of[r];
      if (!g || g->values[a].empty()) continue;
      out.group_of[r] = static_cast<int>(
          std::lower_bound(out.names.begin(), out.names.end(), g->values[a]) - out.names.begin());
    }
    report.not_recorded.push_back(not_recorded);
    if (not_recorded > 0)
      report.warnings.push_back({"not-recorded", "'" + attribute + "' is not recorded for " +
                                                     std::to_string(not_recorded) +
                                                     " assessed children; they are left "
                                                     "out of its tables"});
    const auto given = options.reference.find(attribute);
    if (given != options.reference.end()) {
      if (!sizes.count(given->second))
        throw Error(
            Status::invalid_argument,
            "reference group '" + given->second + "' of '" + attribute + "' has no assessed child",
            Location(groups.source));
      out.reference = static_cast<std::size_t>(
          std::lower_bound(out.names.begin(), out.names.end(), given->second) - out.names.begin());
    } else {
      std::size_t largest = 0;
      for (std::size_t g = 0; g < out.names.size(); ++g) {
        if (sizes[out.names[g]] > largest) {
          largest = sizes[out.names[g]];
          out.reference = g;
        }
      }
    }
    report.references.push_back(out.names.empty() ? std::string() : out.names[out.reference]);
  }
  // Each group's (count, denominator) for the rows of its three tables, in a fixed order:
  // level_distribution per level, outcome_by_level per level, then per threshold fpr and fnr.
  // Children count `weights[r]` times (once each without weights).
  const std::size_t rows_per_group = 2 * static_cast<std::size_t>(level_count) +
                                     2 * static_cast<std::size_t>(std::max(0, level_count - 1));
  using Counts = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  auto group_counts = [&](const Attribute& attribute, const std::vector<std::uint32_t>* weights) {
    const std::size_t L = static_cast<std::size_t>(level_count);
    // Per group: children per level, with an outcome per level, outcome 1 per level.
    std::vector<std::uint64_t> at(attribute.names.size() * L, 0), n(at.size(), 0),
        events(at.size(), 0);
    for (std::size_t r = 0; r < child_count; ++r) {
      const int g = attribute.group_of[r];
      if (g < 0) continue;
      const std::uint64_t w = weights ? (*weights)[r] : 1;
      if (w == 0) continue;
      const std::size_t cell =
          static_cast<std::size_t>(g) * L + static_cast<std::size_t>(sorted[r]->level);
      at[cell] += w;
      if (outcome_of[r] < 0) continue;
      n[cell] += w;
      if (outcome_of[r] == 1) events[cell] += w;
    }
    std::vector<Counts> out(attribute.names.size());
    for (std::size_t g = 0; g < attribute.names.size(); ++g) {
      Counts& c = out[g];
      std::uint64_t members = 0, positives = 0, with_outcome = 0;
      for (std::size_t l = 0; l < L; ++l) {
        members += at[g * L + l];
        positives += events[g * L + l];
        with_outcome += n[g * L + l];
      }
      for (std::size_t l = 0; l < L; ++l) c.emplace_back(at[g * L + l], members);
      for (std::size_t l = 0; l < L; ++l) c.emplace_back(events[g * L + l], n[g * L + l]);
      // At threshold t a child counts as flagged when its level is t or above.
      for (std::size_t t = 1; t < L; ++t) {
        std::uint64_t false_positives = 0, false_negatives = 0;
        for (std::size_t l = 0; l < L; ++l) {
          if (l >= t)
            false_positives += n[g * L + l] - events[g * L + l];
          else
            false_negatives += events[g * L + l];
        }
        c.emplace_back(false_positives, with_outcome - positives);
        c.emplace_back(false_negatives, positives);
      }
    }
    return out;
  };
  auto ratio_of = [](const std::pair<std::uint64_t, std::uint64_t>& row,
                     const std::pair<std::uint64_t, std::uint64_t>& base) {
    if (row.second == 0 || base.second == 0 || base.first == 0) return kNaN;
    return (static_cast<double>(row.first) / static_cast<double>(row.second)) /
           (static_cast<double>(base.first) / static_cast<double>(base.second));
  };

  // ---- The bootstrap: households resampled; every AUC and ratio recomputed -----------------
  std::vector<std::vector<double>> auc_replicates(measures.size());
  // Per attribute, per group, per row: the ratio in each resample.
  std::vector<std::vector<std::vector<std::vector<double>>>> ratio_replicates(attribute_count);
  for (std::size_t a = 0; a < attribute_count; ++a)
    ratio_replicates[a].assign(attributes[a].names.size(),
                               std::vector<std::vector<double>>(rows_per_group));
  if (options.bootstrap > 0 && cluster_count > 0) {
    audit_detail::SplitMix stream(options.seed * 0xD1B54A32D192ED03ull + 0x5AFE);
    std::vector<std::uint32_t> cluster_weight(cluster_count), child_weight(child_count),
        outcome_weight(rows.size());
    const auto draws = static_cast<std::uint32_t>(cluster_count);
    for (std::size_t b = 0; b < options.bootstrap; ++b) {
      std::fill(cluster_weight.begin(), cluster_weight.end(), 0u);
      for (std::uint32_t i = 0; i < draws; ++i) ++cluster_weight[stream.below(draws)];
      for (std::size_t r = 0; r < child_count; ++r) child_weight[r] = cluster_weight[cluster_of[r]];
      for (std::size_t i = 0; i < rows.size(); ++i) outcome_weight[i] = child_weight[rows[i]];
      if (enough) {
        for (std::size_t m = 0; m < measures.size(); ++m) {
          const double value = rankings[m].auc(&outcome_weight);
          if (!std::isnan(value)) auc_replicates[m].push_back(value);
        }
      }
      for (std::size_t a = 0; a < attribute_count; ++a) {
        if (attributes[a].names.empty()) continue;
        const std::vector<Counts> counts = group_counts(attributes[a], &child_weight);
        const Counts& base = counts[attributes[a].reference];
        for (std::size_t g = 0; g < counts.size(); ++g) {
          for (std::size_t i = 0; i < rows_per_group; ++i) {
            const double ratio = ratio_of(counts[g][i], base[i]);
            if (!std::isnan(ratio)) ratio_replicates[a][g][i].push_back(ratio);
          }
        }
      }
    }
  }
  // A percentile interval, or none when fewer than 95% of the resamples gave a value.
  auto percentile = [&](std::vector<double>& values, double& low, double& high) {
    if (values.size() * 20 < options.bootstrap * 19) return;
    std::sort(values.begin(), values.end());
    low = quantile(values, 0.025);
    high = quantile(values, 0.975);
  };

  // ---- Disclosure control (docs/audit.md, "Small counts") ---------------------------------
  // Each attribute's figures rest on a table: a row per group, a column per level and one for
  // the group's total, each cell holding its children, those with an outcome and those with
  // outcome 1. Below them the not-recorded children (their cells never published, their number
  // shown) and the calibration row (every child per level, and the totals). Every line sum is
  // known to a reader, so protect() suppresses until no hidden cell is determined; calibration
  // is shared by every attribute's table, so they are protected in turn until it settles.
  const std::size_t L = static_cast<std::size_t>(level_count);
  const std::size_t below = options.suppress_below;
  std::vector<std::size_t> level_n(L, 0), level_events(L, 0);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::size_t level = static_cast<std::size_t>(sorted[rows[i]]->level);
    ++level_n[level];
    level_events[level] += static_cast<std::size_t>(y[i]);
  }
  using audit_detail::Cell;
  using audit_detail::small_count;
  const auto rate_is_small = [&](std::uint64_t events, std::uint64_t n) {
    return small_count(n, below) || small_count(events, below) || small_count(n - events, below);
  };
  // Calibration cells per level, then the corner (every child with an outcome, positives).
  std::vector<Cell> calibration_cells(L + 1, Cell::shown);
  for (std::size_t l = 0; l < L; ++l)
    if (rate_is_small(level_events[l], level_n[l])) calibration_cells[l] = Cell::suppressed;
  if (rate_is_small(report.positives, report.with_outcome)) calibration_cells[L] = Cell::suppressed;
  std::vector<std::vector<Cell>> group_cells(attribute_count);  // per group: L levels + total
  std::vector<std::vector<Counts>> plain_counts(attribute_count);
  for (std::size_t a = 0; a < attribute_count; ++a)
    plain_counts[a] = group_counts(attributes[a], nullptr);
  if (below > 1) {
    // Calibration alone is one line: a single hidden cell would be its total less the others.
    if (attribute_count == 0 &&
        std::count(calibration_cells.begin(), calibration_cells.end(), Cell::suppressed) == 1) {
      std::size_t cheapest = L + 1;
      for (std::size_t l = 0; l <= L; ++l) {
        const std::size_t n = l < L ? level_n[l] : report.with_outcome;
        if (calibration_cells[l] == Cell::shown &&
            (cheapest > L || n < (cheapest < L ? level_n[cheapest] : report.with_outcome)))
          cheapest = l;
      }
      if (cheapest <= L) calibration_cells[cheapest] = Cell::suppressed;
    }
    for (bool settled = false; !settled;) {
      settled = true;
      for (std::size_t a = 0; a < attribute_count; ++a) {
        const std::vector<Counts>& counts = plain_counts[a];
        const std::size_t groups_here = counts.size();
        const bool has_not_recorded = report.not_recorded[a] > 0;
        audit_detail::Table table;
        table.rows = groups_here + (has_not_recorded ? 1 : 0) + 1;
        table.columns = L + 1;
        table.cells.assign(table.rows * table.columns, Cell::shown);
        table.cost.assign(table.cells.size(), 0);
        for (std::size_t g = 0; g < groups_here; ++g) {
          const Counts& c = counts[g];
          const std::uint64_t members = L > 0 ? c[0].second : 0;
          std::uint64_t events = 0, n = 0;
          for (std::size_t l = 0; l < L; ++l) {
            events += c[L + l].first;
            n += c[L + l].second;
          }
          const bool small_group = small_count(members, below);
          for (std::size_t l = 0; l < L; ++l) {
            table.cost[g * table.columns + l] = c[l].first;
            if (small_group || small_count(c[l].first, below) ||
                rate_is_small(c[L + l].first, c[L + l].second))
              table.at(g, l) = Cell::suppressed;
          }
          table.cost[g * table.columns + L] = members;
          if (small_group || rate_is_small(events, n)) table.at(g, L) = Cell::suppressed;
        }
        if (has_not_recorded) {
          for (std::size_t l = 0; l < L; ++l) table.at(groups_here, l) = Cell::unpublished;
          table.at(groups_here, L) = Cell::fixed;
        }
        // Calibration is dearer to hide than any group's cell: it is the table most read.
        const std::size_t margin = table.rows - 1;
        for (std::size_t l = 0; l <= L; ++l) {
          table.at(margin, l) = calibration_cells[l];
          table.cost[margin * table.columns + l] =
              (l < L ? level_n[l] : report.with_outcome) + report.children;
        }
        audit_detail::protect(table);
        for (std::size_t l = 0; l <= L; ++l) {
          if (table.at(margin, l) != calibration_cells[l]) settled = false;
          calibration_cells[l] = table.at(margin, l);
        }
        group_cells[a].assign(table.cells.begin(),
                              table.cells.begin() + static_cast<long>(groups_here * table.columns));
      }
    }
  }
  for (std::size_t a = 0; a < attribute_count; ++a)
    if (group_cells[a].empty())
      group_cells[a].assign(plain_counts[a].size() * (L + 1), Cell::shown);
  report.positives_suppressed = calibration_cells[L] != Cell::shown;
  // Whether row i of group g's (count, denominator) is to be hidden (group_counts' order).
  const auto hidden = [&](std::size_t a, std::size_t g, std::size_t i) -> std::pair<bool, bool> {
    const std::vector<Cell>& cells = group_cells[a];
    const auto at = [&](std::size_t column) { return cells[g * (L + 1) + column] != Cell::shown; };
    if (i < L) return {at(i), at(L)};
    if (i < 2 * L) return {at(i - L), at(i - L)};
    // Error rates are sums over levels: shown only when none of the group's cells is hidden.
    bool any = false;
    for (std::size_t column = 0; column <= L; ++column) any = any || at(column);
    return {any, any};
  };
  const auto suppress_row = [](AuditRow& row, bool count, bool denominator) {
    if (!count && !denominator) return;
    row.count_suppressed = count;
    row.denominator_suppressed = denominator;
    row.value = row.low = row.high = kNaN;
    row.ratio = row.ratio_low = row.ratio_high = kNaN;
    row.flag = false;
    row.note = "suppressed (c): a small count, or a figure that would reveal one";
  };

  // ---- Discrimination rows -----------------------------------------------------------------
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
      percentile(auc_replicates[m], row.low, row.high);
    }
    if (report.positives_suppressed) {
      row.count_suppressed = true;
      row.value = row.low = row.high = kNaN;
      if (row.note.empty())
        row.note = "suppressed (c): a small count, or a figure that would reveal one";
    }
    report.rows.push_back(std::move(row));
  }
  if (!enough)
    report.warnings.push_back(
        {"small-sample",
         "AUC not reported: " +
             (report.positives_suppressed ? std::string("c") : std::to_string(report.positives)) +
             " children with outcome 1 and " +
             (report.positives_suppressed ? std::string("c") : std::to_string(negatives)) +
             " with outcome 0; each needs at least " + std::to_string(options.min_events)});

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
    for (int level = 0; level < level_count; ++level) {
      const std::size_t l = static_cast<std::size_t>(level);
      AuditRow row = rate_row("calibration", "outcome_rate", level, level_events[l], level_n[l]);
      const bool suppressed = calibration_cells[l] != Cell::shown;
      suppress_row(row, suppressed, suppressed);
      if (!row.note.empty() && !suppressed)
        report.warnings.push_back(
            {"small-sample", "calibration at level '" + row.level_id + "': " + row.note});
      report.rows.push_back(std::move(row));
    }
  }

  // ---- Disparity rows ----------------------------------------------------------------------
  struct Candidate {
    std::size_t row;   // in report.rows
    double spread;     // bootstrap standard deviation of log(ratio)
    std::string text;  // the flag's sentence, up to its interval
  };
  std::vector<Candidate> candidates;
  static const char* const kTables[] = {"level_distribution", "outcome_by_level", "error_rates"};
  for (std::size_t a = 0; a < attribute_count; ++a) {
    const Attribute& attribute = attributes[a];
    if (attribute.names.empty()) continue;
    const std::string& name = groups.attributes[a];
    const std::string& reference = attribute.names[attribute.reference];
    const std::vector<Counts>& counts = plain_counts[a];
    const Counts& base = counts[attribute.reference];
    for (std::size_t g = 0; g < counts.size(); ++g) {
      for (std::size_t i = 0; i < rows_per_group; ++i) {
        const int table = i < L ? 0 : i < 2 * L ? 1 : 2;
        const int level =
            table < 2 ? static_cast<int>(i % L) : static_cast<int>((i - 2 * L) / 2 + 1);
        const char* measure = table == 0             ? "share"
                              : table == 1           ? "outcome_rate"
                              : (i - 2 * L) % 2 == 0 ? "fpr"
                                                     : "fnr";
        AuditRow row =
            rate_row(kTables[table], measure, level, counts[g][i].first, counts[g][i].second);
        row.attribute = name;
        row.group = attribute.names[g];
        row.ratio = ratio_of(counts[g][i], base[i]);
        if (g != attribute.reference && !std::isnan(row.ratio))
          percentile(ratio_replicates[a][g][i], row.ratio_low, row.ratio_high);
        const bool small =
            row.denominator < options.min_count || base[i].second < options.min_count;
        // A ratio shown beside a rate shown gives the other rate: both must be shown.
        const auto [count_hidden, denominator_hidden] = hidden(a, g, i);
        const auto [base_count_hidden, base_denominator_hidden] = hidden(a, attribute.reference, i);
        suppress_row(row, count_hidden, denominator_hidden);
        if (!row.suppressed() && (base_count_hidden || base_denominator_hidden)) {
          row.ratio = row.ratio_low = row.ratio_high = kNaN;
          row.note = "ratio suppressed: the reference's figure is suppressed";
        }
        if (g == attribute.reference || std::isnan(row.ratio)) {
          report.rows.push_back(std::move(row));
          continue;
        }
        if (small) {
          if (row.note.empty()) row.note = "ratio not assessed: the reference's sample is small";
          report.rows.push_back(std::move(row));
          continue;
        }
        // Assessed: a candidate for a flag once the number of comparisons is known.
        const double spread = log_spread(ratio_replicates[a][g][i], options.bootstrap);
        if (!std::isnan(spread)) {
          const std::string what =
              table == 2 ? (row.measure == "fpr" ? "false positive rate at threshold '"
                                                 : "false negative rate at threshold '")
                         : (table == 0 ? "share at level '" : "outcome rate at level '");
          candidates.push_back({report.rows.size(), spread,
                                name + " = " + row.group + ": " + what + row.level_id + "' is " +
                                    fixed(row.ratio) + " times that of " + reference});
        }
        report.rows.push_back(std::move(row));
      }
    }
  }
  // Flags. An audit compares many ratios; at 95% each, about one in twenty ratios of groups
  // that do not differ would look significant, and a generated control attribute with no
  // disparity was flagged that way. So a flag needs the ratio outside the band and outside
  // 1 by more than z * (bootstrap standard deviation of its log), z adjusted for the number of
  // ratios assessed (Bonferroni, family-wise 5%).
  if (!candidates.empty()) {
    const double z = normal_quantile(1 - 0.025 / static_cast<double>(candidates.size()));
    for (const Candidate& candidate : candidates) {
      AuditRow& row = report.rows[candidate.row];
      const bool outside = row.ratio < options.band_low || row.ratio > options.band_high;
      if (!outside || !(row.ratio > 0) || std::abs(std::log(row.ratio)) <= z * candidate.spread)
        continue;
      row.flag = true;
      report.flags.push_back(candidate.text + " (95% interval " + fixed(row.ratio_low) + "-" +
                             fixed(row.ratio_high) + "), outside " + fixed(options.band_low) + "-" +
                             fixed(options.band_high) + " beyond chance over " +
                             std::to_string(candidates.size()) + " comparisons");
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
