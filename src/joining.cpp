// Joining up (joining.hpp): each child's record split into agencies' fragments, each fragment
// rescored alone by the assessment's own scorer with an evidence filter (no graph copy, no
// whole assessment), the smallest sets of fragments that reach the joined level, and the
// triage list with its renderings. Rendered only through the view layer (explain.hpp).
#include "safeguard/joining.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "assess/prepare.hpp"
#include "assess/score.hpp"
#include "safeguard/day.hpp"
#include "util/number_text.hpp"

namespace safeguard {
namespace {

constexpr std::size_t kMostExact = 20;  // 2^20 subsets is the most a child may cost

// One child's fragments worked out by one thread, reusing its buffers from child to child.
class ChildJoiner {
 public:
  ChildJoiner(const Results& results, const Viewer& viewer, const detail::Prepared& prepared,
              const JoinOptions& options)
      : results_(results),
        snap_(results.snapshot()),
        viewer_(viewer),
        options_(options),
        scorer_(results.rules(), results.snapshot(), prepared, results.process(), results.as_of()),
        concern_group_(results.snapshot().concern_vertex.size(), detail::kNoGroup),
        factor_group_(results.snapshot().factor_vertex.size(), detail::kNoGroup) {
    filter_.concern_group = concern_group_.data();
    filter_.factor_group = factor_group_.data();
    scorer_.set_filter(&filter_);
    const std::size_t k = results.index_count();
    scores_.resize(k);
    index_levels_.resize(k);
  }

  ChildJoining join(std::size_t row) {
    ChildJoining out;
    out.row = row;
    out.joined_level = results_.level(row);
    out.joined_total = results_.total(row);
    const std::uint32_t child = snap_.vertex_slot[results_.child_vertex(row)];
    split(row, child, out);
    const std::size_t n = out.fragments.size();
    // Never empty: a mask without `allowed` would let everything count.
    allowed_.assign(std::max<std::size_t>(n, 1), 0);
    filter_.allowed = allowed_.data();
    for (std::size_t i = 0; i < n; ++i) {
      std::fill(allowed_.begin(), allowed_.end(), std::uint8_t{0});
      allowed_[i] = 1;
      Fragment& f = out.fragments[i];
      score(child);
      f.scores = scores_;
      f.total = total();
      f.level = level_;
      f.contributions = partial_.contributions;
      f.overrides = partial_.fired;
      out.best_alone_level = i == 0 ? f.level : std::max(out.best_alone_level, f.level);
      out.best_alone_total = i == 0 ? f.total : std::max(out.best_alone_total, f.total);
    }
    out.only_when_joined = n > 0 && out.joined_level > out.best_alone_level;
    if (out.joined_level > 0 && level_of(child, {}) >= out.joined_level) {
      // Reached without any agency's evidence (the process record, the child's own record):
      // the one smallest set is the empty set.
      out.minimal_sets.emplace_back();
    } else if (out.joined_level > 0 && n > 0) {
      if (n <= options_.exact_up_to) {
        exact_sets(child, out);
      } else {
        out.exact = false;
        greedy_set(child, out);
      }
    }
    joining_fired(row, out);
    for (std::uint32_t slot : touched_concerns_) concern_group_[slot] = detail::kNoGroup;
    for (std::uint32_t slot : touched_factors_) factor_group_[slot] = detail::kNoGroup;
    return out;
  }

 private:
  // The fragments of the child's record: every concern and factor that reaches it as of the
  // date, by the agency that raised or provides it (or the withheld pool), in agency-id order.
  void split(std::size_t row, std::uint32_t child, ChildJoining& out) {
    const Day as_of = results_.as_of();
    bool shows_withheld = false;
    for (const Contribution* c = results_.contributions_begin(row);
         c != results_.contributions_end(row); ++c) {
      if (c->evidence != kNoVertex && !can_see(viewer_, snap_, c->evidence)) shows_withheld = true;
    }
    items_.clear();
    for_each_circle_concern(snap_, child, [&](std::uint32_t c, RoleMask) {
      if (!expr::concern_visible(snap_, c, as_of)) return;
      const VertexIndex vertex = snap_.concern_vertex[c];
      if (can_see(viewer_, snap_, vertex)) {
        items_.push_back({snap_.agency_vertex[snap_.concern_source[c]], vertex, c, true});
      } else if (shows_withheld) {
        items_.push_back({kNoVertex, vertex, c, true});
      }
    });
    for (const CircleMember* m = snap_.person_circle.begin(child);
         m != snap_.person_circle.end(child); ++m) {
      for (const std::uint32_t* f = snap_.person_factors.begin(m->person);
           f != snap_.person_factors.end(m->person); ++f) {
        if (!expr::factor_visible(snap_, *f, as_of)) continue;
        const VertexIndex provider = snap_.factor_provider[*f];
        if (provider == kNoVertex || snap_.vertex_kind[provider] != VertexKind::agency) continue;
        items_.push_back({provider, snap_.factor_vertex[*f], *f, false});
      }
    }
    // Agencies by id, the pool last; within a fragment, evidence by vertex.
    std::sort(items_.begin(), items_.end(), [this](const Item& a, const Item& b) {
      if (a.owner != b.owner) {
        if (a.owner == kNoVertex || b.owner == kNoVertex) return b.owner == kNoVertex;
        return snap_.id(a.owner) < snap_.id(b.owner);
      }
      return a.evidence < b.evidence;
    });
    touched_concerns_.clear();
    touched_factors_.clear();
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const Item& item = items_[i];
      if (out.fragments.empty() || out.fragments.back().agency != item.owner ||
          (out.fragments.back().withheld != (item.owner == kNoVertex))) {
        Fragment f;
        f.agency = item.owner;
        f.withheld = item.owner == kNoVertex;
        out.fragments.push_back(std::move(f));
      }
      Fragment& f = out.fragments.back();
      const auto group = static_cast<std::uint32_t>(out.fragments.size() - 1);
      if (f.evidence.empty() || f.evidence.back() != item.evidence) {
        f.evidence.push_back(item.evidence);
      }
      if (item.concern) {
        concern_group_[item.slot] = group;
        touched_concerns_.push_back(item.slot);
      } else {
        factor_group_[item.slot] = group;
        touched_factors_.push_back(item.slot);
      }
    }
    // The pool's evidence is not named to anyone who sees the pool.
    for (Fragment& f : out.fragments) {
      if (f.withheld) f.evidence.clear();
    }
  }

  // Scores the child on the fragments allowed_ lets through.
  void score(std::uint32_t child) {
    partial_.contributions.clear();
    partial_.contribution_counts.clear();
    partial_.fired.clear();
    partial_.fired_restricted.clear();
    partial_.fired_counts.clear();
    partial_.missing.clear();
    partial_.missing_counts.clear();
    partial_.safety.clear();
    partial_.safety_findings.clear();
    partial_.safety_counts.clear();
    partial_.steps.clear();
    partial_.step_counts.clear();
    partial_.issues.clear();
    partial_.issue_counts.clear();
    std::int32_t score_level = 0;
    std::uint8_t immediate = 0;
    DiscretionaryResult judgement;
    scorer_.score(child, scores_.data(), index_levels_.data(), score_level, level_, immediate,
                  judgement, partial_);
  }

  double total() const {
    double sum = 0;
    for (double s : scores_) sum += s;  // in index order, as Results::total
    return sum;
  }

  // The level the child reaches on the fragments in `set` (sorted numbers).
  std::int32_t level_of(std::uint32_t child, const std::vector<std::uint32_t>& set) {
    std::fill(allowed_.begin(), allowed_.end(), std::uint8_t{0});
    for (std::uint32_t i : set) allowed_[i] = 1;
    score(child);
    return level_;
  }

  // Every set of the smallest size that reaches the joined level, in lexicographic order.
  // Sets of one are the fragments' own levels.
  void exact_sets(std::uint32_t child, ChildJoining& out) {
    const auto n = static_cast<std::uint32_t>(out.fragments.size());
    for (std::uint32_t i = 0; i < n; ++i) {
      if (out.fragments[i].level >= out.joined_level) out.minimal_sets.push_back({i});
    }
    std::vector<std::uint32_t> set;
    for (std::uint32_t size = 2; size <= n && out.minimal_sets.empty(); ++size) {
      set.resize(size);
      for (std::uint32_t i = 0; i < size; ++i) set[i] = i;
      while (true) {
        if (level_of(child, set) >= out.joined_level) out.minimal_sets.push_back(set);
        // Next combination in lexicographic order.
        int at = static_cast<int>(size) - 1;
        while (at >= 0 && set[at] == n - size + static_cast<std::uint32_t>(at)) --at;
        if (at < 0) break;
        ++set[at];
        for (std::uint32_t j = static_cast<std::uint32_t>(at) + 1; j < size; ++j)
          set[j] = set[j - 1] + 1;
      }
    }
  }

  // Above the exact limit: add the fragment that lifts the level most (then the total; ties:
  // the first), until the joined level is reached; then drop, in order, any fragment the set
  // reaches the level without. One set, minimal (leaving out any one fragment falls short) but
  // not proven smallest.
  void greedy_set(std::uint32_t child, ChildJoining& out) {
    const auto n = static_cast<std::uint32_t>(out.fragments.size());
    std::vector<std::uint32_t> set;
    std::vector<std::uint8_t> in(n, 0);
    std::int32_t reached = -1;
    while (reached < out.joined_level && set.size() < n) {
      std::uint32_t best = n;
      std::int32_t best_level = -1;
      double best_total = 0;
      for (std::uint32_t i = 0; i < n; ++i) {
        if (in[i]) continue;
        std::vector<std::uint32_t> trial = set;
        trial.insert(std::lower_bound(trial.begin(), trial.end(), i), i);
        const std::int32_t level = level_of(child, trial);
        const double sum = total();
        if (best == n || level > best_level || (level == best_level && sum > best_total)) {
          best = i;
          best_level = level;
          best_total = sum;
        }
      }
      in[best] = 1;
      set.insert(std::lower_bound(set.begin(), set.end(), best), best);
      reached = best_level;
    }
    if (reached < out.joined_level) return;
    // Passes until none drops anything: with protective factors, dropping one agency can make
    // another droppable that was not before.
    for (bool dropped = true; dropped;) {
      dropped = false;
      for (std::size_t k = 0; k < set.size();) {
        std::vector<std::uint32_t> without = set;
        without.erase(without.begin() + static_cast<std::ptrdiff_t>(k));
        if (!without.empty() && level_of(child, without) >= out.joined_level) {
          set = std::move(without);
          dropped = true;
        } else {
          ++k;
        }
      }
    }
    out.minimal_sets.push_back(std::move(set));
  }

  // Rules with lines in the joined result and none in any fragment's; policy overrides that
  // fired joined and in no fragment. A rule or override the viewer sees only withheld (its
  // evidence, or the restricted evidence it fired on, hidden from the viewer) is left out: its
  // id would say what the restricted evidence was.
  void joining_fired(std::size_t row, ChildJoining& out) {
    const std::size_t rule_count = results_.rules().rules().size();
    const std::size_t override_count = results_.rules().overrides().size();
    alone_.assign(rule_count + override_count, 0);
    for (const Fragment& f : out.fragments) {
      for (const Contribution& c : f.contributions) {
        if (!c.propagated()) alone_[c.rule] = 1;
      }
      for (std::uint32_t o : f.overrides) alone_[rule_count + o] = 1;
    }
    shown_.assign(rule_count, 0);
    fired_.assign(rule_count, 0);
    for (const Contribution* c = results_.contributions_begin(row);
         c != results_.contributions_end(row); ++c) {
      if (c->propagated()) continue;
      fired_[c->rule] = 1;
      if (!view_line(results_, *c, viewer_).withheld()) shown_[c->rule] = 1;
    }
    for (std::uint32_t r = 0; r < rule_count; ++r) {
      if (fired_[r] && shown_[r] && !alone_[r]) out.joining_rules.push_back(r);
    }
    for (const OverrideView& o : view_overrides(results_, row, viewer_)) {
      if (!o.withheld() && !alone_[rule_count + o.override_index])
        out.joining_overrides.push_back(o.override_index);
    }
  }

  // A piece of the child's evidence and its fragment's owner (kNoVertex: the pool).
  struct Item {
    VertexIndex owner;
    VertexIndex evidence;
    std::uint32_t slot;
    bool concern;
  };

  const Results& results_;
  const Snapshot& snap_;
  const Viewer& viewer_;
  const JoinOptions& options_;
  detail::ChildScorer scorer_;
  detail::EvidenceFilter filter_;
  std::vector<std::uint32_t> concern_group_, factor_group_;
  std::vector<std::uint32_t> touched_concerns_, touched_factors_;
  std::vector<std::uint8_t> allowed_;
  std::vector<double> scores_;
  std::vector<std::int32_t> index_levels_;
  std::int32_t level_ = 0;
  detail::Partial partial_;
  std::vector<Item> items_;
  std::vector<std::uint8_t> alone_, shown_, fired_;
};

}  // namespace

std::size_t Joining::only_when_joined_count() const noexcept {
  std::size_t count = 0;
  for (const ChildJoining& c : children_) count += c.only_when_joined ? 1 : 0;
  return count;
}

namespace {

void check_joinable(const Results& results, const JoinOptions& options) {
  // Under `contextual = "apart"` (the default) propagated points are not in the scores or the
  // levels (Results::contextual_score holds them), so each agency's fragment and the joined
  // picture compare exactly as without propagation. Under "included" they move the level, and
  // what an agency alone would reach then depends on every other child's fragments across the
  // network: refused.
  if (results.contextual_included()) {
    throw Error(Status::invalid_argument,
                "joining needs a pack whose propagated risk is kept apart from the level "
                "(contextual = \"apart\"): under \"included\" a propagated point belongs to "
                "the network, not to one agency");
  }
  if (options.exact_up_to > kMostExact) {
    throw Error(Status::invalid_argument, "joining searches at most " + std::to_string(kMostExact) +
                                              " agencies exactly (exact_up_to)");
  }
}

}  // namespace

ChildJoining join_child(const Results& results, std::size_t row, const Viewer& viewer,
                        const JoinOptions& options) {
  check_joinable(results, options);
  if (row >= results.child_count())
    throw Error(Status::invalid_argument, "row " + std::to_string(row) + " is not a child's row");
  const detail::Prepared prepared =
      detail::prepare(results.rules(), results.snapshot(), results.as_of());
  ChildJoiner joiner(results, viewer, prepared, options);
  return joiner.join(row);
}

Joining join(const Results& results, const Viewer& viewer, const JoinOptions& options) {
  check_joinable(results, options);
  Joining out;
  out.results_ = results;
  out.viewer_ = viewer;
  out.options_ = options;
  const Results& kept = out.results_;
  const detail::Prepared prepared = detail::prepare(kept.rules(), kept.snapshot(), kept.as_of());
  const std::size_t n = kept.child_count();
  out.children_.resize(n);

  unsigned threads =
      options.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : options.threads;
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, n / 64)));
  threads = std::max(1u, threads);
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&](std::size_t first, std::size_t last) {
    try {
      ChildJoiner joiner(kept, out.viewer_, prepared, out.options_);
      for (std::size_t row = first; row < last; ++row) out.children_[row] = joiner.join(row);
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  if (threads == 1) {
    work(0, n);
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back(work, n * t / threads, n * (t + 1) / threads);
    for (std::thread& t : pool) t.join();
  }
  if (failure) std::rethrow_exception(failure);

  for (std::size_t row = 0; row < n; ++row) {
    const ChildJoining& c = out.children_[row];
    if (c.level_gap() > 0 || c.score_gap() > 0) out.triage_.push_back(row);
  }
  std::sort(out.triage_.begin(), out.triage_.end(), [&](std::size_t a, std::size_t b) {
    const ChildJoining& x = out.children_[a];
    const ChildJoining& y = out.children_[b];
    if (x.level_gap() != y.level_gap()) return x.level_gap() > y.level_gap();
    if (x.score_gap() != y.score_gap()) return x.score_gap() > y.score_gap();
    return kept.child_id(a) < kept.child_id(b);
  });
  return out;
}

std::string_view fragment_name(const Joining& joining, const Fragment& fragment) {
  if (fragment.withheld) return kRestrictedSource;
  return joining.results().snapshot().id(fragment.agency);
}

// ---- Renderings ---------------------------------------------------------------------------

namespace {

std::string fixed(double value, int decimals) { return detail::fixed_text(value, decimals); }

std::string level_id(const Joining& j, std::int32_t level) {
  return j.results().rules().levels()[static_cast<std::size_t>(level)].id;
}

std::string set_text(const Joining& j, const ChildJoining& c, const std::vector<std::uint32_t>& set,
                     std::string_view separator) {
  std::string out;
  for (std::uint32_t i : set) {
    if (!out.empty()) out += separator;
    out += std::string(fragment_name(j, c.fragments[i]));
  }
  return out;
}

std::string rules_text(const Joining& j, const ChildJoining& c, std::string_view separator) {
  const RuleSet& pack = j.results().rules();
  std::string out;
  for (std::uint32_t r : c.joining_rules) {
    if (!out.empty()) out += separator;
    out += pack.rules()[r].id;
  }
  for (std::uint32_t o : c.joining_overrides) {
    if (!out.empty()) out += separator;
    out += "override " + pack.overrides()[o].id;
  }
  return out;
}

// Whether the viewer sees a fragment's line: no line of the pool, its rules about the child
// included (their titles would name what the pool holds).
bool line_withheld(const Joining& j, const Fragment& f, const Contribution& c) {
  return f.withheld || view_line(j.results(), c, j.viewer()).withheld();
}

// A fragment's line the viewer sees.
nlohmann::ordered_json line_json(const Joining& j, const Contribution& c) {
  const LineView view = view_line(j.results(), c, j.viewer());
  nlohmann::ordered_json line;
  line["withheld"] = false;
  line["rule"] = std::string(view.rule_id);
  line["title"] = std::string(view.title);
  line["index"] = std::string(view.index_id);
  line["evidence"] = view.evidence.id.empty()
                         ? nlohmann::ordered_json()
                         : nlohmann::ordered_json(std::string(view.evidence.id));
  line["value"] = c.value;
  return line;
}

// A fragment's scores, lines and withheld points as the viewer may attribute them, as `assess`
// and `explain` show a child's (views.cpp, view_scores): the withheld lines fold into one line
// under the pack's neutral title, in no index, so neither the index they count towards (which
// names their category: "domestic_abuse") nor how many there are is told; their points are
// `withheld_points`, out of the index scores.
void fragment_json(const Joining& j, const Fragment& f, nlohmann::ordered_json& item) {
  const RuleSet& pack = j.results().rules();
  std::vector<double> scores = f.scores;
  double withheld = 0;
  bool any_withheld = false;
  nlohmann::ordered_json lines = nlohmann::ordered_json::array();
  for (const Contribution& c : f.contributions) {
    if (!line_withheld(j, f, c)) {
      lines.push_back(line_json(j, c));
      continue;
    }
    any_withheld = true;
    withheld += c.value;
    if (!c.propagated() && c.index < scores.size()) scores[c.index] -= c.value;
  }
  // The pool holds nothing but withheld points: its index scores are exactly zero.
  if (f.withheld) std::fill(scores.begin(), scores.end(), 0.0);
  nlohmann::ordered_json by_index;
  for (std::size_t i = 0; i < scores.size(); ++i) by_index[pack.indices()[i].id] = scores[i];
  item["scores"] = by_index;
  item["withheld_points"] = withheld;
  if (any_withheld) {
    lines.push_back({{"withheld", true},
                     {"rule", nullptr},
                     {"title", pack.neutral_title()},
                     {"index", nullptr},
                     {"evidence", nullptr},
                     {"value", withheld}});
  }
  item["lines"] = lines;
}

std::string json_text(const Joining& j, std::size_t limit) {
  const Results& r = j.results();
  const RuleSet& pack = r.rules();
  nlohmann::ordered_json doc;
  doc["as_of"] = format_iso_date(r.as_of());
  doc["pack"] = pack.id();
  doc["children"] = r.child_count();
  doc["only_when_joined"] = j.only_when_joined_count();
  doc["exact_up_to"] = j.options().exact_up_to;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  const std::size_t count = limit == 0 ? j.triage().size() : std::min(limit, j.triage().size());
  for (std::size_t rank = 0; rank < count; ++rank) {
    const ChildJoining& c = j.child(j.triage()[rank]);
    nlohmann::ordered_json child;
    child["rank"] = rank + 1;
    child["child"] = std::string(r.child_id(c.row));
    child["joined"] = {{"level", level_id(j, c.joined_level)}, {"total", c.joined_total}};
    child["best_alone"] = {{"level", level_id(j, c.best_alone_level)},
                           {"total", c.best_alone_total}};
    child["level_gap"] = c.level_gap();
    child["score_gap"] = c.score_gap();
    child["only_when_joined"] = c.only_when_joined;
    nlohmann::ordered_json fragments = nlohmann::ordered_json::array();
    for (const Fragment& f : c.fragments) {
      nlohmann::ordered_json item;
      item["agency"] = std::string(fragment_name(j, f));
      item["withheld"] = f.withheld;
      item["level"] = level_id(j, f.level);
      item["total"] = f.total;
      nlohmann::ordered_json evidence = nlohmann::ordered_json::array();
      for (VertexIndex v : f.evidence) evidence.push_back(std::string(r.snapshot().id(v)));
      item["evidence"] = evidence;
      fragment_json(j, f, item);
      nlohmann::ordered_json overrides = nlohmann::ordered_json::array();
      if (!f.withheld) {
        for (std::uint32_t o : f.overrides) overrides.push_back(pack.overrides()[o].id);
      }
      item["overrides"] = overrides;
      fragments.push_back(item);
    }
    child["fragments"] = fragments;
    nlohmann::ordered_json sets = nlohmann::ordered_json::array();
    for (const auto& set : c.minimal_sets) {
      nlohmann::ordered_json names = nlohmann::ordered_json::array();
      for (std::uint32_t i : set) names.push_back(std::string(fragment_name(j, c.fragments[i])));
      sets.push_back(names);
    }
    child["minimal_sets"] = sets;
    child["minimal_sets_exact"] = c.exact;
    nlohmann::ordered_json rules = nlohmann::ordered_json::array();
    for (std::uint32_t rule : c.joining_rules)
      rules.push_back({{"id", pack.rules()[rule].id}, {"title", pack.rules()[rule].title}});
    nlohmann::ordered_json overrides = nlohmann::ordered_json::array();
    for (std::uint32_t o : c.joining_overrides)
      overrides.push_back({{"id", pack.overrides()[o].id}, {"reason", pack.overrides()[o].reason}});
    child["joining_fired"] = {{"rules", rules}, {"overrides", overrides}};
    list.push_back(child);
  }
  doc["triage"] = list;
  return doc.dump(2) + "\n";
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string csv_text(const Joining& j, std::size_t limit) {
  const Results& r = j.results();
  std::string out =
      "rank,child,joined_level,joined_total,best_alone_level,best_alone_total,level_gap,"
      "score_gap,only_when_joined,agency,agency_level,agency_total,minimal_sets,"
      "minimal_sets_exact,joining_fired\n";
  const std::size_t count = limit == 0 ? j.triage().size() : std::min(limit, j.triage().size());
  for (std::size_t rank = 0; rank < count; ++rank) {
    const ChildJoining& c = j.child(j.triage()[rank]);
    std::string sets;
    for (const auto& set : c.minimal_sets) {
      if (!sets.empty()) sets += ";";
      sets += set_text(j, c, set, "+");
    }
    const std::string head = std::to_string(rank + 1) + "," +
                             csv_field(std::string(r.child_id(c.row))) + "," +
                             level_id(j, c.joined_level) + "," + fixed(c.joined_total, 6) + "," +
                             level_id(j, c.best_alone_level) + "," + fixed(c.best_alone_total, 6) +
                             "," + std::to_string(c.level_gap()) + "," + fixed(c.score_gap(), 6) +
                             "," + (c.only_when_joined ? "true" : "false");
    const std::string tail = "," + csv_field(sets) + "," + (c.exact ? "true" : "false") + "," +
                             csv_field(rules_text(j, c, ";")) + "\n";
    for (const Fragment& f : c.fragments) {
      out += head + "," + csv_field(std::string(fragment_name(j, f))) + "," + level_id(j, f.level) +
             "," + fixed(f.total, 6) + tail;
    }
    if (c.fragments.empty()) out += head + ",,," + tail;
  }
  return out;
}

std::string table_text(const Joining& j, std::size_t limit) {
  const Results& r = j.results();
  const RuleSet& pack = r.rules();
  std::string out = "Joining up as of " + format_iso_date(r.as_of()) + ": " +
                    std::to_string(j.only_when_joined_count()) + " of " +
                    std::to_string(r.child_count()) +
                    " children reach their level only when the agencies' records are joined; " +
                    std::to_string(j.triage().size()) + " score higher joined.\n";
  const std::size_t count = limit == 0 ? j.triage().size() : std::min(limit, j.triage().size());
  for (std::size_t rank = 0; rank < count; ++rank) {
    const ChildJoining& c = j.child(j.triage()[rank]);
    out += "\n" + std::to_string(rank + 1) + ". " + std::string(r.child_id(c.row)) + "  joined " +
           level_id(j, c.joined_level) + " (" + fixed(c.joined_total, 2) + "), best alone " +
           level_id(j, c.best_alone_level) + " (" + fixed(c.best_alone_total, 2) + ")" +
           (c.only_when_joined ? "  VISIBLE ONLY WHEN JOINED" : "") + "\n";
    for (const Fragment& f : c.fragments) {
      std::string row = "     " + std::string(fragment_name(j, f));
      row.resize(std::max<std::size_t>(row.size() + 1, 24), ' ');
      row += level_id(j, f.level);
      row.resize(std::max<std::size_t>(row.size() + 1, 44), ' ');
      row += fixed(f.total, 2);
      row.resize(std::max<std::size_t>(row.size() + 1, 53), ' ');
      std::string evidence;
      for (VertexIndex v : f.evidence) {
        if (!evidence.empty()) evidence += ", ";
        evidence += std::string(r.snapshot().id(v));
      }
      row += evidence;
      row.erase(row.find_last_not_of(' ') + 1);
      out += row + "\n";
    }
    if (!c.minimal_sets.empty()) {
      out += std::string("     smallest sets reaching ") + level_id(j, c.joined_level) +
             (c.exact ? "" : " (greedy: minimal, not proven smallest)") + ": ";
      for (std::size_t s = 0; s < c.minimal_sets.size(); ++s) {
        out += (s ? "; " : "") + std::string("{") + set_text(j, c, c.minimal_sets[s], ", ") + "}";
      }
      if (c.minimal_sets.size() == 1 && c.minimal_sets.front().empty())
        out += " (no agency's evidence is needed)";
      out += "\n";
    } else if (c.joined_level > 0) {
      out += "     no set of agencies reaches " + level_id(j, c.joined_level) +
             " on its records alone\n";
    }
    for (std::uint32_t rule : c.joining_rules)
      out +=
          "     joining fired: " + pack.rules()[rule].id + " (" + pack.rules()[rule].title + ")\n";
    for (std::uint32_t o : c.joining_overrides)
      out += "     joining fired: override " + pack.overrides()[o].id + "\n";
  }
  return out;
}

}  // namespace

std::string render_joining(const Joining& joining, JoinFormat format, std::size_t limit) {
  switch (format) {
    case JoinFormat::json:
      return json_text(joining, limit);
    case JoinFormat::csv:
      return csv_text(joining, limit);
    case JoinFormat::text:
      break;
  }
  return table_text(joining, limit);
}

}  // namespace safeguard
