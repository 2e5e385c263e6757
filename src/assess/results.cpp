// Batch assessment. Children are scored independently, each into its own rows, so threads
// split the children into contiguous ranges and the results are stitched together in child
// order: the output does not depend on the thread count.
#include "results.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <new>
#include <thread>

#include "huge_pages.hpp"
#include "lazy.hpp"
#include "propagation.hpp"
#include "safeguard/detail/enum_names.hpp"
#include "score.hpp"
#include "views_restriction.hpp"

namespace safeguard {

namespace {
constexpr std::array<std::string_view, 6> kDiscretionaryOutcomeNames = {
    "none", "applied", "not_allowed", "at_limit", "held_by_policy", "awaiting_approval"};
constexpr std::array<std::string_view, 4> kSafetyDecisionNames = {"not_assessed", "safe",
                                                                  "safe_with_plan", "unsafe"};
}  // namespace

std::string_view to_string(SafetyDecision decision) noexcept {
  return detail::enum_name(kSafetyDecisionNames, decision);
}

std::string_view to_string(DiscretionaryOutcome outcome) noexcept {
  return detail::enum_name(kDiscretionaryOutcomeNames, outcome);
}

VertexIndex Results::child_vertex(std::size_t row) const {
  return snapshot_->person_vertex[children_[row]];
}
std::string_view Results::child_id(std::size_t row) const {
  return snapshot_->id(child_vertex(row));
}
std::string_view Results::vertex_id(VertexIndex vertex) const { return snapshot_->id(vertex); }
const WorkingCalendar& Results::calendar() const noexcept { return *snapshot_->calendar; }
std::string_view Results::event_id(std::uint32_t event) const {
  return snapshot_->event_ids[event];
}
VertexIndex Results::place_vertex(std::size_t rank) const {
  return snapshot_->node_vertex[places_[rank]];
}
std::string_view Results::place_id(std::size_t rank) const {
  return snapshot_->id(place_vertex(rank));
}

long Results::find_child(std::string_view id) const {
  constexpr std::size_t kScanBelow = 64;
  if (children_.size() < kScanBelow) {
    for (std::size_t row = 0; row < children_.size(); ++row) {
      if (child_id(row) == id) return static_cast<long>(row);
    }
    return -1;
  }
  std::call_once(child_index_->built, [this] {
    auto& rows = child_index_->rows_by_id;
    rows.resize(children_.size());
    for (std::size_t row = 0; row < rows.size(); ++row) rows[row] = static_cast<std::uint32_t>(row);
    std::sort(rows.begin(), rows.end(),
              [this](std::uint32_t a, std::uint32_t b) { return child_id(a) < child_id(b); });
  });
  const auto& rows = child_index_->rows_by_id;
  auto found = std::lower_bound(
      rows.begin(), rows.end(), id,
      [this](std::uint32_t row, std::string_view key) { return child_id(row) < key; });
  return found != rows.end() && child_id(*found) == id ? static_cast<long>(*found) : -1;
}

// A lazy result keeps the lines of the children with restricted lines (every reader not
// cleared for everything reads them, to fold what it may not attribute) and writes the others'
// on first read.
const Contribution* Results::contributions_begin(std::size_t row) const {
  if (lazy_ && !restricted_lines_[row]) return lazy_->child(row, children_[row]).begin;
  return contributions_.data() + contribution_offsets_[row];
}
const Contribution* Results::contributions_end(std::size_t row) const {
  if (lazy_ && !restricted_lines_[row]) return lazy_->child(row, children_[row]).end;
  return contributions_.data() + contribution_offsets_[row + 1];
}
std::size_t Results::contribution_count(std::size_t row) const {
  if (lazy_ && !restricted_lines_[row]) {
    const auto lines = lazy_->child(row, children_[row]);
    return static_cast<std::size_t>(lines.end - lines.begin);
  }
  return contribution_offsets_[row + 1] - contribution_offsets_[row];
}

long Results::contribution_row(const Contribution* line) const {
  const std::less<const Contribution*> before;
  const std::size_t n = children_.size();
  if (n == 0 || before(line, contributions_.data()) ||
      !before(line, contributions_.data() + contribution_offsets_[n]))
    return lazy_ ? lazy_->child_row_of(line) : -1;
  // The last row whose lines begin at or before the line.
  const auto after =
      std::upper_bound(contribution_offsets_.begin(), contribution_offsets_.begin() + n + 1,
                       static_cast<std::size_t>(line - contributions_.data()));
  return static_cast<long>(after - contribution_offsets_.begin()) - 1;
}

const Contribution* Results::adult_contributions_begin(std::size_t row) const {
  if (lazy_) return lazy_->adult(row, adults_[row]).begin;
  return adult_contributions_.data() + adult_contribution_offsets_[row];
}
const Contribution* Results::adult_contributions_end(std::size_t row) const {
  if (lazy_) return lazy_->adult(row, adults_[row]).end;
  return adult_contributions_.data() + adult_contribution_offsets_[row + 1];
}
std::size_t Results::adult_contribution_count(std::size_t row) const {
  if (lazy_) {
    const auto lines = lazy_->adult(row, adults_[row]);
    return static_cast<std::size_t>(lines.end - lines.begin);
  }
  return adult_contribution_offsets_[row + 1] - adult_contribution_offsets_[row];
}

VertexIndex Results::adult_vertex(std::size_t row) const {
  return snapshot_->person_vertex[adults_[row]];
}
std::string_view Results::adult_id(std::size_t row) const {
  return snapshot_->id(adult_vertex(row));
}
long Results::find_adult(std::string_view id) const {
  for (std::size_t row = 0; row < adults_.size(); ++row) {
    if (adult_id(row) == id) return static_cast<long>(row);
  }
  return -1;
}
double Results::adult_total(std::size_t row) const {
  double total = 0;
  for (std::size_t i = 0; i < index_count(); ++i) total += adult_score(row, i);
  return total;
}

long Results::find_place(std::string_view id) const {
  for (std::size_t rank = 0; rank < places_.size(); ++rank) {
    if (place_id(rank) == id) return static_cast<long>(rank);
  }
  return -1;
}

double Results::place_index_score(std::size_t rank, std::size_t index) const {
  const auto& indices = rules_->propagation().indices;
  for (std::size_t k = 0; k < propagating_; ++k) {
    if (indices[k] == index) return node_scores_[places_[rank] * propagating_ + k];
  }
  return 0;
}

void detail::check_arguments(const std::shared_ptr<const RuleSet>& rules,
                             const std::shared_ptr<const Snapshot>& snapshot,
                             const AssessOptions& options) {
  if (!rules || !snapshot)
    throw Error(Status::invalid_argument, "assess needs a rule pack and a snapshot");
  if (options.as_of < detail::kFirstSupportedDay || options.as_of > detail::kLastSupportedDay) {
    throw Error(Status::invalid_argument, "as-of date is out of range");
  }
}

Results assess(std::shared_ptr<const RuleSet> rules, std::shared_ptr<const Snapshot> snapshot,
               const AssessOptions& options) {
  detail::check_arguments(rules, snapshot, options);
  if (options.strict_vocabulary) {
    const auto findings = check_vocabulary(*snapshot, {rules.get()});
    if (!findings.empty()) {
      throw Error(Status::invalid_data,
                  findings.front().message + " (strict vocabulary: the case is refused)",
                  Location{{}, 0, 0, findings.front().ids.front()});
    }
  }
  const detail::Prepared prepared = detail::prepare(*rules, *snapshot, options.as_of);
  return detail::ResultsBuilder::build(std::move(rules), std::move(snapshot), prepared, options);
}

const std::vector<VocabularyFinding>& Results::vocabulary() const {
  std::call_once(vocabulary_->built,
                 [this] { vocabulary_->findings = check_vocabulary(*snapshot_, {rules_.get()}); });
  return vocabulary_->findings;
}

namespace detail {

namespace {
// Whether a rule line could be withheld from some reader (withheld_line in views_restriction.hpp
// asks no more than this of a line before it asks about the reader).
bool rests_on_restricted(const Snapshot& snap, const Contribution& c) {
  if (c.restricted_basis) return true;
  return is_concern(snap, c.evidence) && snap.concern_restricted[snap.vertex_slot[c.evidence]] != 0;
}

// Whether the pack gives adults results of their own (adult indices or adult overrides).
bool scores_adults(const RuleSet& rules) {
  const auto& indices = rules.indices();
  const auto& overrides = rules.overrides();
  return std::any_of(indices.begin(), indices.end(), [](const IndexDef& i) { return i.adult; }) ||
         std::any_of(overrides.begin(), overrides.end(),
                     [](const PolicyOverride& o) { return o.adult; });
}

// Makes `cache` (one of a Results' caches, filled once on first use) a fresh one: in place when
// nothing else holds it, since a std::once_flag cannot be reset; else a new one, leaving the
// copies that share the old one as they are.
template <typename Cache>
void renew_cache(std::shared_ptr<Cache>& cache) {
  if (cache.use_count() != 1) {
    cache = std::make_shared<Cache>();
    return;
  }
  cache->~Cache();
  new (cache.get()) Cache();
}

// Empties an offsets column to its one leading zero, keeping the buffer.
void reset_offsets(std::vector<std::size_t>& offsets) {
  offsets.resize(1);
  offsets[0] = 0;
}
}  // namespace

// Every live adult's own result on the pack's adult indices and adult overrides, one thread,
// in slot order (an adult's lines read only the concerns about that adult: a small fraction of
// the work). Only for a pack that scores_adults().
void ResultsBuilder::score_adults(Results& out, ChildScorer& scorer, const AssessOptions& options,
                                  BuildScratch& scratch) {
  const bool lazy = options.explanations == Explanations::lazy;
  const Snapshot& snap = *out.snapshot_;
  std::vector<double>& scores = scratch.adult_scores;
  scores.assign(out.rules_->indices().size(), 0.0);
  AdultFired& fired = scratch.adult_fired;
  // A lazy result's lines are kept only while they are read.
  std::vector<Contribution>& lines = lazy ? scratch.adult_lines : out.adult_contributions_;
  for (std::uint32_t p = 0; p < snap.person_kind.size(); ++p) {
    const VertexIndex v = snap.person_vertex[p];
    if (snap.person_kind[p] != PersonKind::adult || v == kNoVertex ||
        snap.vertex_kind[v] != VertexKind::person)
      continue;
    if (lazy) lines.clear();
    const std::size_t before = lines.size();
    fired.overrides.clear();
    fired.restricted.clear();
    const int level = scorer.score_adult(p, scores.data(), lines, fired);
    // An adult has a result when a line, an adult override or a judgement says something
    // about them.
    if (lines.size() == before && fired.overrides.empty() &&
        fired.judgement.outcome == DiscretionaryOutcome::none)
      continue;
    out.adult_discretionary_.push_back(fired.judgement);
    out.adults_.push_back(p);
    out.adult_scores_.insert(out.adult_scores_.end(), scores.begin(), scores.end());
    out.adult_levels_.push_back(level);
    if (!lazy) out.adult_contribution_offsets_.push_back(out.adult_contributions_.size());
    out.adult_fired_.insert(out.adult_fired_.end(), fired.overrides.begin(), fired.overrides.end());
    out.adult_fired_restricted_.insert(out.adult_fired_restricted_.end(), fired.restricted.begin(),
                                       fired.restricted.end());
    out.adult_fired_offsets_.push_back(out.adult_fired_.size());
  }
}

void ResultsBuilder::recycle(Results& out) {
  renew_cache(out.child_index_);
  renew_cache(out.vocabulary_);
  out.rules_.reset();
  out.snapshot_.reset();
  out.process_.reset();
  out.as_of_ = 0;
  out.children_.clear();
  out.scores_.clear();
  out.totals_.clear();
  out.index_levels_.clear();
  out.score_levels_.clear();
  out.levels_.clear();
  out.immediate_safety_.clear();
  out.safety_.clear();
  out.safety_findings_.clear();
  out.safety_offsets_.clear();
  out.contributions_.clear();
  out.contribution_offsets_.clear();
  out.restricted_lines_.clear();
  out.lazy_.reset();
  out.fired_.clear();
  out.fired_restricted_.clear();
  out.fired_offsets_.clear();
  out.missing_.clear();
  out.missing_offsets_.clear();
  out.propagation_ = PropagationReport{};
  out.propagating_ = 0;
  out.contextual_.clear();
  out.contextual_totals_.clear();
  out.context_levels_.clear();
  out.node_own_.clear();
  out.node_scores_.clear();
  out.places_.clear();
  out.place_totals_.clear();
  out.place_contributions_.clear();
  reset_offsets(out.place_contribution_offsets_);
  out.steps_.clear();
  out.step_offsets_.clear();
  out.issues_.clear();
  out.issue_offsets_.clear();
  out.discretionary_.clear();
  out.adults_.clear();
  out.adult_scores_.clear();
  out.adult_levels_.clear();
  out.adult_contributions_.clear();
  reset_offsets(out.adult_contribution_offsets_);
  out.adult_fired_.clear();
  out.adult_fired_restricted_.clear();
  reset_offsets(out.adult_fired_offsets_);
  out.adult_discretionary_.clear();
  out.network_views_.reset();
}

Results ResultsBuilder::build(std::shared_ptr<const RuleSet> rules,
                              std::shared_ptr<const Snapshot> snapshot, const Prepared& prepared,
                              const AssessOptions& options) {
  Results out;
  BuildScratch scratch;
  std::shared_ptr<const Process> process =
      process_for(snapshot->calendar->nation(), rules->timescales(), options.process);
  build_into(out, std::move(rules), std::move(snapshot), std::move(process), prepared, options,
             scratch);
  return out;
}

void ResultsBuilder::build_into(Results& out, std::shared_ptr<const RuleSet> rules,
                                std::shared_ptr<const Snapshot> snapshot,
                                std::shared_ptr<const Process> process, const Prepared& prepared,
                                const AssessOptions& options, BuildScratch& scratch) {
  recycle(out);
  try {
    fill(out, std::move(rules), std::move(snapshot), std::move(process), prepared, options,
         scratch);
  } catch (...) {
    recycle(out);  // what a failed build leaves is an empty result, not half of one
    throw;
  }
}

void ResultsBuilder::fill(Results& out, std::shared_ptr<const RuleSet> rules,
                          std::shared_ptr<const Snapshot> snapshot,
                          std::shared_ptr<const Process> process, const Prepared& prepared,
                          const AssessOptions& options, BuildScratch& scratch) {
  out.rules_ = rules;
  out.snapshot_ = snapshot;
  out.process_ = std::move(process);
  out.as_of_ = options.as_of;
  detail::reserve_refill(out.children_, snapshot->children.size());
  out.children_.assign(snapshot->children.begin(), snapshot->children.end());
  const std::size_t n = out.children_.size();
  const std::size_t k = rules->indices().size();
  detail::assign_refill(out.scores_, n * k, 0.0);
  detail::assign_refill(out.index_levels_, n * k, 0);
  detail::assign_refill(out.score_levels_, n, 0);
  detail::assign_refill(out.levels_, n, 0);
  detail::assign_refill(out.immediate_safety_, n, std::uint8_t{0});
  detail::assign_refill(out.discretionary_, n, DiscretionaryResult{});
  detail::assign_refill(out.totals_, n, 0.0);
  detail::assign_refill(out.restricted_lines_, n, std::uint8_t{0});
  const bool lazy = options.explanations == Explanations::lazy;

  unsigned threads =
      options.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : options.threads;
  threads =
      static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, n / 256)));
  threads = std::max(1u, threads);
  // One thread writes into the scratch's Partial, whose columns are the ones `out` had (they
  // are moved back below), and scores with the kept scorer; more threads start afresh.
  std::vector<Partial> many(threads > 1 ? threads : 0);
  Partial* const partials = threads > 1 ? many.data() : &scratch.partial;
  if (threads == 1) {
    Partial& single = scratch.partial;
    single.clear();
    single.contributions.swap(out.contributions_);
    single.fired.swap(out.fired_);
    single.fired_restricted.swap(out.fired_restricted_);
    single.missing.swap(out.missing_);
    single.safety.swap(out.safety_);
    single.safety_findings.swap(out.safety_findings_);
    single.steps.swap(out.steps_);
    single.issues.swap(out.issues_);
  }
  bool refreshed = false;
  auto kept_scorer = [&]() -> ChildScorer& {
    if (!scratch.scorer) {
      scratch.scorer =
          std::make_unique<ChildScorer>(*rules, *snapshot, prepared, *out.process_, options.as_of);
    } else if (!refreshed) {
      scratch.scorer->refresh();
    }
    refreshed = true;
    return *scratch.scorer;
  };
  // Progress: each thread adds what it scored every kReportEvery children. The count and the
  // callback are under one lock, so reports come one at a time and never go back; once the
  // callback says stop, every thread stops at its next report.
  constexpr std::size_t kReportEvery = 256;
  std::size_t scored = 0;  // guarded by progress_mutex
  std::atomic<bool> stopped{false};
  std::mutex progress_mutex;
  auto report = [&](std::size_t newly) {
    if (!options.progress) return true;
    std::lock_guard<std::mutex> lock(progress_mutex);
    if (stopped.load()) return false;
    scored += newly;
    if (!options.progress(scored, n)) stopped.store(true);
    return !stopped.load();
  };
  auto work = [&](unsigned t) {
    const std::size_t begin = n * t / threads, end = n * (t + 1) / threads;
    std::unique_ptr<ChildScorer> own;
    if (threads > 1)
      own =
          std::make_unique<ChildScorer>(*rules, *snapshot, prepared, *out.process_, options.as_of);
    ChildScorer& scorer = threads > 1 ? *own : kept_scorer();
    // Room for more lines than a typical child has (about six), so the output is written once
    // instead of being copied at every doubling. Only the pages written become resident.
    constexpr std::size_t kLinesPerChild = 10;
    Partial& part = partials[t];
    if (!lazy) detail::reserve_refill(part.contributions, (end - begin) * kLinesPerChild);
    detail::reserve_refill(part.contribution_counts, end - begin);
    detail::reserve_refill(part.fired_counts, end - begin);
    detail::reserve_refill(part.missing_counts, end - begin);
    detail::reserve_refill(part.step_counts, end - begin);
    detail::reserve_refill(part.issue_counts, end - begin);
    for (std::size_t row = begin; row < end; ++row) {
      const std::size_t first = part.contributions.size();
      scorer.score(out.children_[row], &out.scores_[row * k], &out.index_levels_[row * k],
                   out.score_levels_[row], out.levels_[row], out.immediate_safety_[row],
                   out.discretionary_[row], part);
      out.restricted_lines_[row] = std::any_of(
          part.contributions.begin() + static_cast<std::ptrdiff_t>(first), part.contributions.end(),
          [&](const Contribution& c) { return rests_on_restricted(*snapshot, c); });
      if (lazy && !out.restricted_lines_[row]) {
        // The lines were needed for the scores; a lazy result writes them again when read.
        part.contributions.resize(first);
        part.contribution_counts.back() = 0;
      }
      if ((row - begin + 1) % kReportEvery == 0 && !report(kReportEvery)) return;
    }
    report((end - begin) % kReportEvery);
  };
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    std::exception_ptr failure;
    std::mutex failure_mutex;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        try {
          work(t);
        } catch (...) {
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      });
    }
    for (auto& thread : pool) thread.join();
    if (failure) std::rethrow_exception(failure);
  }
  if (stopped.load())
    throw Error(Status::cancelled, "assessment cancelled by the progress callback");

  // Stitch the partial results together in child order: one allocation per column, and with
  // one thread no copy at all (the contribution lines are most of the output's bytes).
  auto stitch = [&](auto member, auto& column) {
    if (threads == 1) {
      column.swap(partials[0].*member);
      return;
    }
    std::size_t total = 0;
    for (unsigned t = 0; t < threads; ++t) total += (partials[t].*member).size();
    detail::reserve_refill(column, total);
    for (unsigned t = 0; t < threads; ++t)
      column.insert(column.end(), (partials[t].*member).begin(), (partials[t].*member).end());
  };
  stitch(&Partial::contributions, out.contributions_);
  stitch(&Partial::fired, out.fired_);
  stitch(&Partial::fired_restricted, out.fired_restricted_);
  stitch(&Partial::missing, out.missing_);
  stitch(&Partial::safety, out.safety_);
  stitch(&Partial::safety_findings, out.safety_findings_);
  stitch(&Partial::steps, out.steps_);
  stitch(&Partial::issues, out.issues_);
  detail::reserve_refill(out.contribution_offsets_, n + 1);
  detail::reserve_refill(out.fired_offsets_, n + 1);
  detail::reserve_refill(out.missing_offsets_, n + 1);
  detail::reserve_refill(out.safety_offsets_, n + 1);
  detail::reserve_refill(out.step_offsets_, n + 1);
  detail::reserve_refill(out.issue_offsets_, n + 1);
  out.contribution_offsets_.push_back(0);
  out.fired_offsets_.push_back(0);
  out.missing_offsets_.push_back(0);
  out.safety_offsets_.push_back(0);
  out.step_offsets_.push_back(0);
  out.issue_offsets_.push_back(0);
  for (unsigned t = 0; t < threads; ++t) {
    Partial& part = partials[t];
    for (std::size_t count : part.step_counts)
      out.step_offsets_.push_back(out.step_offsets_.back() + count);
    for (std::size_t count : part.issue_counts)
      out.issue_offsets_.push_back(out.issue_offsets_.back() + count);
    for (std::size_t count : part.contribution_counts)
      out.contribution_offsets_.push_back(out.contribution_offsets_.back() + count);
    for (std::size_t count : part.fired_counts)
      out.fired_offsets_.push_back(out.fired_offsets_.back() + count);
    for (std::size_t count : part.missing_counts)
      out.missing_offsets_.push_back(out.missing_offsets_.back() + count);
    for (std::size_t count : part.safety_counts)
      out.safety_offsets_.push_back(out.safety_offsets_.back() + count);
    if (threads == 1) {
      part.clear();  // the columns went to `out`; the counts' buffers stay for the next build
    } else {
      part = Partial{};
    }
  }
  if (scores_adults(*rules)) score_adults(out, kept_scorer(), options, scratch);
  std::shared_ptr<const PropagatedLines> propagated;
  if (rules->propagation().enabled) propagated = propagate(out, prepared, lazy);
  if (lazy) {
    out.lazy_ = std::make_shared<LazyLines>(out.rules_, out.snapshot_, out.process_, out.as_of_,
                                            std::make_shared<const Prepared>(prepared),
                                            std::move(propagated), n, out.adults_.size());
  }
  for (std::size_t row = 0; row < n; ++row) {
    double total = 0;
    for (std::size_t i = 0; i < k; ++i) total += out.scores_[row * k + i];
    out.totals_[row] = total;
  }
}

}  // namespace detail
}  // namespace safeguard
