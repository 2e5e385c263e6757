// Lazy explanations (Explanations::lazy): a batch that keeps only the lines of children with
// restricted lines keeps this too, and another child's or an adult's lines are written on their
// first read by scoring that one person again, with the same scorer, snapshot, pack tables and
// date as the batch, so they are the batch's lines bit for bit. Private to src/assess/.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "prepare.hpp"
#include "propagation.hpp"
#include "safeguard/assess.hpp"

namespace safeguard::detail {

class LazyLines {
 public:
  struct Span {
    const Contribution* begin = nullptr;
    const Contribution* end = nullptr;
  };

  // `propagated` is null when the pack does not propagate.
  LazyLines(std::shared_ptr<const RuleSet> rules, std::shared_ptr<const Snapshot> snapshot,
            std::shared_ptr<const Process> process, Day as_of,
            std::shared_ptr<const Prepared> prepared,
            std::shared_ptr<const PropagatedLines> propagated, std::size_t children,
            std::size_t adults);
  ~LazyLines();
  LazyLines(const LazyLines&) = delete;
  LazyLines& operator=(const LazyLines&) = delete;

  // The lines of the child at `row` (person slot `child`), written on the first call.
  Span child(std::size_t row, std::uint32_t child);
  // The lines of the adult result at `row` (person slot `adult`), written on the first call.
  Span adult(std::size_t row, std::uint32_t adult);
  // The child row whose lines hold `line`, or -1.
  long child_row_of(const Contribution* line) const;

 private:
  using Block = std::vector<Contribution>;
  // One slot per row, null until the row's lines are written. Readers race to write a row;
  // the first to publish wins and the others discard theirs (the lines are the same).
  struct Rows {
    std::once_flag made;
    std::size_t count = 0;
    std::unique_ptr<std::atomic<const Block*>[]> slots;
  };
  struct Worker;

  Span get(Rows& rows, std::size_t row, bool is_child, std::uint32_t person);
  Block write(bool is_child, std::uint32_t person);
  std::unique_ptr<Worker> take_worker();
  void give_back(std::unique_ptr<Worker> worker);

  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::shared_ptr<const Process> process_;
  Day as_of_;
  std::shared_ptr<const Prepared> prepared_;
  std::shared_ptr<const PropagatedLines> propagated_;
  Rows children_;
  Rows adults_;
  // Scorers (and their buffers) between uses: one per thread that reads at once, at most.
  std::mutex workers_mutex_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // Where each child block written begins, for child_row_of.
  mutable std::mutex starts_mutex_;
  std::map<const Contribution*, std::size_t> starts_;
};

}  // namespace safeguard::detail
