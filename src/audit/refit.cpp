// Refitting (issue 18 item 5, docs/audit.md "Refitting"): proposed rule weights from the host's
// outcomes, written out as a new pack version for review, never applied.
//
// The model, per child i with outcome y_i, total score t_i and rule r's points x_ir:
//   logit P(y_i = 1) = b + c t_i + sum_r g_r x_ir
// c is first fitted alone (the original pack, which weighs every point the same); then b and
// the g_r are fitted with c t_i as a fixed offset and an L2 penalty lambda sum_r g_r^2. Rule r's
// log-odds per point is c + g_r, so its proposed multiplier is (c + g_r) / c: the penalty pulls
// every multiplier towards 1 (the pack as it is), and a rule the data say little about keeps
// about its weight. lambda is chosen by k-fold cross-validation (households whole).
//
// The fits are Newton's method (iteratively reweighted least squares) with Eigen's LDLT,
// written out here because Debian packages no logistic-regression library for C++ (mlpack's
// needs Armadillo, a second linear-algebra stack beside Eigen), and a few dozen features need
// nothing more than this.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "audit/random.hpp"
#include "audit/withheld.hpp"
#include "bundled_packs.hpp"
#include "safeguard/audit.hpp"
#include "safeguard/day.hpp"
#include "safeguard/render.hpp"
#include "toml_guard.hpp"
#include "toml_setup.hpp"
#include "util/number_text.hpp"
#include "util/text_position.hpp"
#include "views_restriction.hpp"

namespace safeguard {
namespace {

struct Fit {
  Eigen::VectorXd w;
  bool ok = false;
};

// Penalised logistic regression by Newton's method: maximises
//   sum_i [y_i eta_i - log(1 + e^eta_i)] - 1/2 sum_j penalty_j w_j^2,  eta = offset + X w.
Fit fit_logistic(const Eigen::MatrixXd& x, const Eigen::VectorXd& offset, const Eigen::VectorXd& y,
                 const Eigen::VectorXd& penalty, int max_iterations) {
  // The penalised log-likelihood, with log(1 + e^eta) written so that it never overflows.
  const auto objective = [&](const Eigen::VectorXd& w) {
    const Eigen::VectorXd eta = offset + x * w;
    double sum = 0;
    for (Eigen::Index i = 0; i < eta.size(); ++i) {
      const double e = eta[i];
      sum += y[i] * e - (e > 0 ? e + std::log1p(std::exp(-e)) : std::log1p(std::exp(e)));
    }
    return sum - 0.5 * penalty.dot(w.cwiseProduct(w));
  };
  Fit fit;
  fit.w = Eigen::VectorXd::Zero(x.cols());
  double current = objective(fit.w);
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    const Eigen::VectorXd eta = offset + x * fit.w;
    Eigen::VectorXd p(eta.size()), weight(eta.size());
    for (Eigen::Index i = 0; i < eta.size(); ++i) {
      p[i] = eta[i] >= 0 ? 1 / (1 + std::exp(-eta[i])) : std::exp(eta[i]) / (1 + std::exp(eta[i]));
      weight[i] = std::max(p[i] * (1 - p[i]), 1e-12);
    }
    const Eigen::VectorXd gradient = x.transpose() * (y - p) - penalty.cwiseProduct(fit.w);
    Eigen::MatrixXd hessian = x.transpose() * weight.asDiagonal() * x;
    hessian.diagonal() += penalty;
    const Eigen::LDLT<Eigen::MatrixXd> solver(hessian);
    if (solver.info() != Eigen::Success) return fit;
    Eigen::VectorXd step = solver.solve(gradient);
    if (!step.allFinite()) return fit;
    // Newton's step can overshoot where few children carry a feature and their outcome is
    // nearly certain (a tiny curvature): halve it until the objective does not fall.
    double next = objective(fit.w + step);
    for (int halving = 0; halving < 40 && !(next >= current - 1e-12 * std::fabs(current));
         ++halving) {
      step *= 0.5;
      next = objective(fit.w + step);
    }
    if (!std::isfinite(next)) return fit;
    fit.w += step;
    const bool converged = step.cwiseAbs().maxCoeff() < 1e-10 * (1 + fit.w.cwiseAbs().maxCoeff()) ||
                           std::fabs(next - current) < 1e-12 * (1 + std::fabs(current));
    current = next;
    if (converged) break;
  }
  fit.ok = fit.w.allFinite();
  return fit;
}

// The data of one fit: children (rows of the full data) and the features in play.
struct Data {
  std::vector<double> total;
  std::vector<int> y;
  std::vector<std::vector<double>> points;  // per child, per rule
};

struct Model {
  double intercept = 0, scale = 0;
  std::vector<double> gamma;  // per feature rule
  bool ok = false;
};

// The original pack alone (intercept + c * total), then the rules' departures from it.
Model fit_model(const Data& data, const std::vector<std::size_t>& rows,
                const std::vector<std::size_t>& features, double penalty, int max_iterations) {
  Model model;
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::VectorXd y(n), total(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    y[i] = data.y[rows[static_cast<std::size_t>(i)]];
    total[i] = data.total[rows[static_cast<std::size_t>(i)]];
  }
  Eigen::MatrixXd one(n, 2);
  one.col(0).setOnes();
  one.col(1) = total;
  const Fit base = fit_logistic(one, Eigen::VectorXd::Zero(n), y,
                                Eigen::VectorXd::Constant(2, 1e-8), max_iterations);
  if (!base.ok) return model;
  model.scale = base.w[1];
  const auto p = static_cast<Eigen::Index>(features.size());
  Eigen::MatrixXd x(n, p + 1);
  x.col(0).setOnes();
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < p; ++j)
      x(i, j + 1) =
          data.points[rows[static_cast<std::size_t>(i)]][features[static_cast<std::size_t>(j)]];
  Eigen::VectorXd penalties = Eigen::VectorXd::Constant(p + 1, penalty);
  penalties[0] = 1e-8;
  const Fit fit = fit_logistic(x, model.scale * total, y, penalties, max_iterations);
  if (!fit.ok) return model;
  model.intercept = fit.w[0];
  for (Eigen::Index j = 0; j < p; ++j) model.gamma.push_back(fit.w[j + 1]);
  model.ok = true;
  return model;
}

double predict(const Model& model, const Data& data, std::size_t row,
               const std::vector<std::size_t>& features, bool original) {
  double eta = model.intercept + model.scale * data.total[row];
  if (!original)
    for (std::size_t j = 0; j < features.size(); ++j)
      eta += model.gamma[j] * data.points[row][features[j]];
  return eta;
}

using detail::round_trip;

// "0.4.0" -> "0.4.0-refit.1"; "0.4.0-refit.1" -> "0.4.0-refit.2".
std::string bumped(const std::string& version) {
  const std::string mark = "-refit.";
  const auto at = version.rfind(mark);
  if (at != std::string::npos) {
    const std::string tail = version.substr(at + mark.size());
    if (!tail.empty() && tail.size() < 9 &&
        std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return version.substr(0, at) + mark + std::to_string(std::stol(tail) + 1);
  }
  return version + mark + "1";
}

nlohmann::json finite(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

RefitReport refit(const Results& results, const Outcomes& outcomes, const RefitOptions& options) {
  if (options.folds < 2) throw Error(Status::invalid_argument, "refit needs at least 2 folds");
  if (options.penalties.empty())
    throw Error(Status::invalid_argument, "refit needs at least one penalty to try");
  for (double penalty : options.penalties)
    if (!(penalty > 0) || !std::isfinite(penalty))
      throw Error(
          Status::invalid_argument,
          "every refit penalty must be a finite number above 0, not " + round_trip(penalty));
  const RuleSet& pack = results.rules();
  const std::size_t rule_count = pack.rules().size();
  const AuditRows rows = audit_rows(results);  // ids, households and totals in result order

  // Children with an outcome, in id order: nothing depends on the order children came in.
  std::vector<int> outcome_of(results.child_count(), -1);
  for (const OutcomeRow& row : outcomes.rows) {
    const long found = results.find_child(row.child_id);
    if (found < 0)
      throw Error(Status::not_found, "no child with this id in the assessment",
                  Location(outcomes.source, row.line, 1, row.child_id));
    outcome_of[static_cast<std::size_t>(found)] = row.outcome;
  }
  // A reader not cleared for every restricted concern is shown a fit on the children whose
  // results draw on nothing withheld from them: a weight fitted on another child's points and
  // outcome would move with what the withheld evidence says (a rule firing only on it would
  // get a weight at all), and refitting with and without such a child's outcome would tell
  // what its evidence is worth. The reader already knows which children those are (assess
  // shows their withheld figure); the report only counts them.
  const bool sees_all = detail::sees_every_restricted_concern(results.snapshot(), options.viewer);
  const ScoreReader reader(results, options.viewer);
  std::size_t withheld = 0;
  std::vector<std::size_t> order;
  for (std::size_t r = 0; r < results.child_count(); ++r) {
    if (outcome_of[r] < 0) continue;
    if (!sees_all && audit_detail::draws_on_withheld(results, reader, r, options.viewer)) {
      ++withheld;
      continue;
    }
    order.push_back(r);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return rows.children[a].id < rows.children[b].id;
  });

  Data data;
  for (std::size_t r : order) {
    data.total.push_back(results.total(r));
    data.y.push_back(outcome_of[r]);
    std::vector<double> points(rule_count, 0.0);
    for (const Contribution* c = results.contributions_begin(r); c != results.contributions_end(r);
         ++c)
      if (!c->propagated() && c->rule < rule_count) points[c->rule] += c->value;
    data.points.push_back(std::move(points));
  }

  RefitReport report;
  report.pack_id = pack.id();
  report.pack_version = pack.version();
  report.pack_hash = pack.hash();
  report.new_version = bumped(pack.version());
  report.as_of = results.as_of();
  report.horizon = outcomes.horizon;
  report.viewer = describe_viewer(options.viewer);
  report.children = results.child_count();
  report.with_outcome = order.size();
  report.withheld_children = withheld;
  if (withheld > 0)
    report.warnings.push_back(
        {"withheld-children",
         std::to_string(withheld) + " of " + std::to_string(withheld + order.size()) +
             " children with an outcome are left out of the fit: their results draw on "
             "information held by another agency that this reader is not cleared for"});
  report.positives = static_cast<std::size_t>(std::count(data.y.begin(), data.y.end(), 1));
  report.folds = options.folds;
  report.seed = options.seed;
  const std::size_t negatives = report.with_outcome - report.positives;
  if (report.positives < options.min_firing || negatives < options.min_firing)
    throw Error(Status::invalid_data,
                "too few outcomes to refit: " + std::to_string(report.positives) +
                    " children with outcome 1 and " + std::to_string(negatives) + " with 0" +
                    (withheld > 0 ? " that this reader may be shown" : "") +
                    "; each needs at least " + std::to_string(options.min_firing),
                Location(outcomes.source));

  // Which rules are estimable: enough children with each outcome get points from them.
  std::vector<std::size_t> features;
  for (std::size_t k = 0; k < rule_count; ++k) {
    RefitRule rule;
    rule.id = pack.rules()[k].id;
    for (std::size_t i = 0; i < data.y.size(); ++i) {
      if (data.points[i][k] == 0) continue;
      (data.y[i] == 1 ? rule.fired_positive : rule.fired_negative) += 1;
    }
    rule.estimable =
        rule.fired_positive >= options.min_firing && rule.fired_negative >= options.min_firing;
    if (rule.estimable)
      features.push_back(k);
    else
      rule.note = "not estimable: " + std::to_string(rule.fired_positive) +
                  " children with outcome 1 and " + std::to_string(rule.fired_negative) +
                  " with 0 get points from it (each needs " + std::to_string(options.min_firing) +
                  "); keeps its weight";
    report.rules.push_back(std::move(rule));
  }

  // Folds: households whole (a child without one is its own), shuffled by the seed.
  std::vector<std::size_t> fold_of(order.size());
  {
    std::vector<std::string> keys;
    for (std::size_t r : order)
      keys.push_back(rows.children[r].cluster.empty() ? "\x01" + rows.children[r].id
                                                      : rows.children[r].cluster);
    std::vector<std::string> clusters(keys);
    std::sort(clusters.begin(), clusters.end());
    clusters.erase(std::unique(clusters.begin(), clusters.end()), clusters.end());
    audit_detail::SplitMix stream(options.seed ^ 0x5EEDF01D5ull);
    for (std::size_t i = clusters.size(); i > 1; --i)
      std::swap(clusters[i - 1], clusters[stream.below(static_cast<std::uint32_t>(i))]);
    std::map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < clusters.size(); ++i) position[clusters[i]] = i % options.folds;
    for (std::size_t i = 0; i < keys.size(); ++i) fold_of[i] = position[keys[i]];
  }

  const auto cross_validate = [&](double penalty, bool original) {
    std::vector<double> eta(order.size(), 0.0);
    for (std::size_t fold = 0; fold < options.folds; ++fold) {
      std::vector<std::size_t> train, test;
      for (std::size_t i = 0; i < order.size(); ++i)
        (fold_of[i] == fold ? test : train).push_back(i);
      if (test.empty()) continue;
      const Model model = fit_model(data, train, original ? std::vector<std::size_t>() : features,
                                    penalty, options.max_iterations);
      for (std::size_t i : test)
        eta[i] = model.ok ? predict(model, data, i, features, original) : data.total[i];
    }
    return roc_auc(eta, data.y);
  };
  report.auc_original = cross_validate(options.penalties.front(), true);
  std::vector<double> grid(options.penalties);
  std::sort(grid.begin(), grid.end());
  double best = -1;
  for (double penalty : grid) {
    const double auc = cross_validate(penalty, false);
    report.grid.push_back({penalty, auc});
    if (std::isfinite(auc) && auc >= best) {  // ties: the larger penalty
      best = auc;
      report.penalty = penalty;
      report.auc_refit = auc;
    }
  }
  if (best < 0) {
    report.penalty = grid.back();
    report.auc_refit = std::numeric_limits<double>::quiet_NaN();
  }

  std::vector<std::size_t> everyone(order.size());
  for (std::size_t i = 0; i < everyone.size(); ++i) everyone[i] = i;
  const Model model = fit_model(data, everyone, features, report.penalty, options.max_iterations);
  report.scale = model.ok ? model.scale : 0;
  const bool usable = model.ok && std::isfinite(model.scale) && model.scale > 0;
  if (!usable)
    report.warnings.push_back(
        {"no-scale", "the total score does not go with the outcome here (log-odds per point " +
                         round_trip(model.scale) +
                         "), so no rule's weight can be put on its scale: every rule keeps its "
                         "weight"});
  for (std::size_t j = 0; j < features.size(); ++j) {
    RefitRule& rule = report.rules[features[j]];
    if (!usable) {
      rule.note = "kept: no usable scale";
      continue;
    }
    rule.coefficient = model.scale + model.gamma[j];
    const double multiplier = std::round(rule.coefficient / model.scale * 1000) / 1000;
    rule.multiplier = multiplier;
    if (!std::isfinite(multiplier)) {
      rule.multiplier = 1;
      rule.note = "kept: the fit did not give a finite weight";
    } else if (multiplier < 0) {
      rule.note = "negative (" + round_trip(multiplier) +
                  "): its points go with fewer outcomes here; reported, not written, the rule "
                  "keeps its weight";
    } else if (pack.indices()[pack.rules()[features[j]].index].whole &&
               pack.rules()[features[j]].points.constant()) {
      rule.note = "kept: its index counts whole ticks, which a multiplier would break";
    } else {
      rule.written = true;
    }
  }
  if (!std::isfinite(report.auc_original))
    report.auc_original = std::numeric_limits<double>::quiet_NaN();
  return report;
}

std::string refit_json(const RefitReport& report) {
  nlohmann::json out;
  out["pack"] = {{"id", report.pack_id},
                 {"version", report.pack_version},
                 {"hash", report.pack_hash},
                 {"new_version", report.new_version}};
  out["as_of"] = format_iso_date(report.as_of);
  out["horizon"] = report.horizon;
  out["viewer"] = report.viewer;
  out["children"] = report.children;
  out["with_outcome"] = report.with_outcome;
  out["withheld_children"] = report.withheld_children;
  out["positives"] = report.positives;
  out["folds"] = report.folds;
  out["seed"] = report.seed;
  out["scale"] = finite(report.scale);
  out["penalty"] = report.penalty;
  nlohmann::json grid = nlohmann::json::array();
  for (const RefitPenalty& p : report.grid)
    grid.push_back({{"penalty", p.penalty}, {"auc", finite(p.auc)}});
  out["grid"] = grid;
  out["auc_original"] = finite(report.auc_original);
  out["auc_refit"] = finite(report.auc_refit);
  nlohmann::json rules = nlohmann::json::array();
  for (const RefitRule& r : report.rules)
    rules.push_back({{"id", r.id},
                     {"fired_positive", r.fired_positive},
                     {"fired_negative", r.fired_negative},
                     {"estimable", r.estimable},
                     {"coefficient", finite(r.coefficient)},
                     {"multiplier", finite(r.multiplier)},
                     {"written", r.written},
                     {"note", r.note}});
  out["rules"] = rules;
  nlohmann::json warnings = nlohmann::json::array();
  for (const AuditWarning& w : report.warnings)
    warnings.push_back({{"code", w.code}, {"message", w.message}});
  out["warnings"] = warnings;
  return out.dump(2) + "\n";
}

namespace {

PackChanges written_changes(const RefitReport& report) {
  PackChanges changes;
  changes.source = "refit";
  for (const RefitRule& rule : report.rules)
    if (rule.written) changes.weights.push_back({rule.id, rule.multiplier, {}});
  return changes;
}

}  // namespace

std::string refit_diff(const RefitReport& report, const RuleSet& pack) {
  if (pack.hash() != report.pack_hash)
    throw Error(Status::invalid_argument, "the pack is not the one the refit ran on");
  const auto changed = change_pack(pack, written_changes(report));
  std::string out = "--- " + report.pack_id + " " + report.pack_version + "\n+++ " +
                    report.pack_id + " " + report.new_version + "\n";
  for (std::size_t k = 0; k < report.rules.size(); ++k) {
    const RefitRule& rule = report.rules[k];
    const std::string& before = pack.rules()[k].points.source();
    if (rule.written) {
      const std::string& after = changed->rules()[k].points.source();
      out += rule.id + ": " + before + " -> " + after + " (x" + round_trip(rule.multiplier) + ")\n";
    } else {
      out += rule.id + ": " + before + " kept (" + rule.note + ")\n";
    }
  }
  return out;
}

std::string refit_pack_toml(const RefitReport& report, std::string_view text,
                            const std::string& source) {
  const auto original = RuleSet::load_string(text, source);
  if (original->hash() != report.pack_hash)
    throw Error(Status::invalid_argument,
                "this pack text (sha256 " + original->hash().substr(0, 12) +
                    ") is not the pack the refit ran on (" + report.pack_hash.substr(0, 12) + ")",
                Location(source));
  const auto changed = change_pack(*original, written_changes(report));
  const toml::table root = detail::parse_toml_guarded(text, source, "rule pack");
  // Replacements as (begin, end, text) byte ranges of the source, applied from the end.
  struct Edit {
    std::size_t begin, end;
    std::string text;
  };
  std::vector<Edit> edits;
  const auto span = [&](const toml::node& node, std::string replacement) {
    const auto& where = node.source();
    edits.push_back(
        {text_offset(text, static_cast<int>(where.begin.line),
                     static_cast<int>(where.begin.column)),
         text_offset(text, static_cast<int>(where.end.line), static_cast<int>(where.end.column)),
         std::move(replacement)});
  };
  const auto quoted = [](const std::string& value) {
    std::string out = "\"";
    for (char c : value) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else {
        out += c;
      }
    }
    return out + "\"";
  };
  const toml::table* header = root["pack"].as_table();
  const toml::node* version = header ? header->get("version") : nullptr;
  if (!version)
    throw Error(Status::invalid_data, "the pack has no [pack] version", Location(source));
  span(*version, quoted(report.new_version));
  const toml::array* rules = root["rule"].as_array();
  std::size_t k = 0;
  if (rules) {
    for (const auto& item : *rules) {
      const toml::table* table = item.as_table();
      if (!table || k >= report.rules.size()) break;
      const RefitRule& rule = report.rules[k];
      if (rule.written &&
          changed->rules()[k].points.source() != original->rules()[k].points.source()) {
        const std::string& points = changed->rules()[k].points.source();
        span(*table->get("points"),
             changed->rules()[k].points.constant() ? points : quoted(points));
      }
      ++k;
    }
  }
  std::sort(edits.begin(), edits.end(),
            [](const Edit& a, const Edit& b) { return a.begin > b.begin; });
  std::string out(text);
  for (const Edit& edit : edits) {
    if (edit.end < edit.begin || edit.end > out.size())
      throw Error(Status::internal, "a value's place in the pack text is out of range",
                  Location(source));
    out.replace(edit.begin, edit.end - edit.begin, edit.text);
  }
  // The text must load as the pack the changes describe.
  const auto written = RuleSet::load_string(out, source);
  for (std::size_t r = 0; r < written->rules().size(); ++r) {
    if (written->rules()[r].points.source() != changed->rules()[r].points.source() &&
        !(written->rules()[r].points.constant() && changed->rules()[r].points.constant()))
      throw Error(
          Status::internal,
          "the written pack does not carry rule '" + written->rules()[r].id + "''s new points",
          Location(source));
  }
  return out;
}

std::string bundled_pack_text(std::string_view name) {
  for (std::size_t i = 0; i < detail::kEmbeddedPackCount; ++i)
    if (name == detail::kEmbeddedPacks[i].name)
      return std::string(detail::kEmbeddedPacks[i].text());
  (void)load_bundled_pack(name);  // throws, listing the bundled names
  throw Error(Status::not_found, "no bundled rule pack named '" + std::string(name) + "'");
}

}  // namespace safeguard
