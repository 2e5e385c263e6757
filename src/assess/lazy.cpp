// Lazy explanations: a row's lines written on first read by scoring the person again; see
// lazy.hpp.
#include "lazy.hpp"

#include <functional>
#include <iterator>

#include "score.hpp"

namespace safeguard::detail {

struct LazyLines::Worker {
  Worker(const RuleSet& rules, const Snapshot& snap, const Prepared& prepared,
         const Process& process, Day as_of)
      : scorer(rules, snap, prepared, process, as_of),
        scores(rules.indices().size()),
        index_levels(rules.indices().size()) {}
  ChildScorer scorer;
  Partial scratch;
  std::vector<double> scores;
  std::vector<std::int32_t> index_levels;
  AdultFired fired;
};

LazyLines::LazyLines(std::shared_ptr<const RuleSet> rules, std::shared_ptr<const Snapshot> snapshot,
                     std::shared_ptr<const Process> process, Day as_of,
                     std::shared_ptr<const Prepared> prepared,
                     std::shared_ptr<const PropagatedLines> propagated, std::size_t children,
                     std::size_t adults)
    : rules_(std::move(rules)),
      snapshot_(std::move(snapshot)),
      process_(std::move(process)),
      as_of_(as_of),
      prepared_(std::move(prepared)),
      propagated_(std::move(propagated)) {
  children_.count = children;
  adults_.count = adults;
}

LazyLines::~LazyLines() {
  for (Rows* rows : {&children_, &adults_}) {
    if (!rows->slots) continue;
    for (std::size_t row = 0; row < rows->count; ++row) delete rows->slots[row].load();
  }
}

LazyLines::Span LazyLines::child(std::size_t row, std::uint32_t child) {
  return get(children_, row, true, child);
}

LazyLines::Span LazyLines::adult(std::size_t row, std::uint32_t adult) {
  return get(adults_, row, false, adult);
}

long LazyLines::child_row_of(const Contribution* line) const {
  std::lock_guard<std::mutex> lock(starts_mutex_);
  auto after = starts_.upper_bound(line);
  if (after == starts_.begin()) return -1;
  const auto& [begin, row] = *std::prev(after);
  const Block* block = children_.slots[row].load(std::memory_order_acquire);
  if (!std::less<const Contribution*>()(line, block->data() + block->size())) return -1;
  return static_cast<long>(row);
}

LazyLines::Span LazyLines::get(Rows& rows, std::size_t row, bool is_child, std::uint32_t person) {
  // The slots themselves only on the first read: a batch whose lines are never read holds
  // nothing for them.
  std::call_once(rows.made,
                 [&] { rows.slots = std::make_unique<std::atomic<const Block*>[]>(rows.count); });
  std::atomic<const Block*>& slot = rows.slots[row];
  const Block* block = slot.load(std::memory_order_acquire);
  if (!block) {
    auto written = std::make_unique<const Block>(write(is_child, person));
    const Block* expected = nullptr;
    // A child's block is published and entered in `starts_` under one lock: a reader that sees
    // the block (and so locks after this) finds its row in child_row_of, never -1.
    std::unique_lock<std::mutex> lock(starts_mutex_, std::defer_lock);
    if (is_child && !written->empty()) lock.lock();
    if (slot.compare_exchange_strong(expected, written.get(), std::memory_order_acq_rel)) {
      block = written.release();
      if (lock.owns_lock()) starts_.emplace(block->data(), row);
    } else {
      block = expected;  // another reader published the same lines first
    }
  }
  return {block->data(), block->data() + block->size()};
}

LazyLines::Block LazyLines::write(bool is_child, std::uint32_t person) {
  std::unique_ptr<Worker> worker = take_worker();
  Block lines;
  if (is_child) {
    Partial& scratch = worker->scratch;
    scratch.clear();
    std::int32_t score_level = 0, level = 0;
    std::uint8_t immediate = 0;
    DiscretionaryResult judgement;
    worker->scorer.score(person, worker->scores.data(), worker->index_levels.data(), score_level,
                         level, immediate, judgement, scratch);
    lines.assign(scratch.contributions.begin(), scratch.contributions.end());
    if (propagated_) {
      // After the rule lines, as the propagation pass appends them.
      const std::size_t node = snapshot_->vertex_node[snapshot_->person_vertex[person]];
      for (std::size_t k = 0; k < rules_->propagation().indices.size(); ++k)
        propagated_->append(node, k, true, lines);
    }
  } else {
    worker->fired.overrides.clear();
    worker->fired.restricted.clear();
    worker->scorer.score_adult(person, worker->scores.data(), lines, worker->fired);
  }
  give_back(std::move(worker));
  lines.shrink_to_fit();
  return lines;
}

std::unique_ptr<LazyLines::Worker> LazyLines::take_worker() {
  {
    std::lock_guard<std::mutex> lock(workers_mutex_);
    if (!workers_.empty()) {
      std::unique_ptr<Worker> worker = std::move(workers_.back());
      workers_.pop_back();
      return worker;
    }
  }
  return std::make_unique<Worker>(*rules_, *snapshot_, *prepared_, *process_, as_of_);
}

void LazyLines::give_back(std::unique_ptr<Worker> worker) {
  std::lock_guard<std::mutex> lock(workers_mutex_);
  workers_.push_back(std::move(worker));
}

}  // namespace safeguard::detail
