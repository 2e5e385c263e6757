// The bulk path of CaseGraph::apply (src/graph_bulk.cpp) fed one item at a time: a case file's
// entities are built into the graph as the reader finishes each one, so no batch of the whole
// file is ever held (for a generated 100,000-child file that batch was some 230 MB beside the
// graph being built from it; docs/performance.md, "End to end").
//
// The result is the graph CaseGraph::apply builds from the same items in the same order, bit
// for bit (tests/oracle/test_bulk_apply.cpp). Like the bulk path, it only decides: when an item
// fails a check, add() says so and the graph is back to empty; the caller then reads the input
// again into a Batch and applies it the ordinary way, whose Validator names the item and what
// is wrong with it, word for word as before.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string_view>
#include <variant>

#include "safeguard/graph.hpp"

namespace safeguard::detail {

// A number of items of each kind, indexed as Edit's alternatives.
using ItemCounts = std::array<std::size_t, std::variant_size_v<Edit>>;

class StreamedBuild {
 public:
  // Whether `graph` can take a streamed build: it must be empty, as for the bulk path.
  static bool accepts(const CaseGraph& graph);

  // `graph` must be one accepts() takes, and outlive this.
  explicit StreamedBuild(CaseGraph& graph);
  // Unless finish() committed it, the graph is put back as it was (empty, its calendar
  // restored), so an error or an exception part way leaves nothing behind.
  ~StreamedBuild();
  StreamedBuild(const StreamedBuild&) = delete;
  StreamedBuild& operator=(const StreamedBuild&) = delete;

  // Builds one more item (an addition; anything else is declined). False when it fails a
  // check or the graph's limits: the graph is then back to empty and every later call declines.
  bool add(const Edit& item);
  // Room for about `counts` items of each kind in all, as CaseGraph::apply reserves from a
  // batch's counts, so the vectors and indexes are not grown (and rehashed) as the items come.
  // A hint, called before the first add(): the graph is the same with or without it.
  void reserve(const ItemCounts& counts);
  // Room in the graph's vectors for about `counts` items of each kind, for counts that may
  // overstate (read from a file's layout before it is parsed): a vector's room is address space
  // until it is filled, so an overstated count costs no memory, while the id indexes, whose
  // room is memory, grow as the ids come. A hint, called before the first add(): the graph is
  // the same with or without it. Throws std::bad_alloc when the system refuses even the address
  // space; the graph is then back to empty, as for any failure.
  void reserve_records(const ItemCounts& counts);
  // Fetches into the cache, without waiting, where the build's index of ids keeps `id` (an id
  // being declared, or one referred to), so that the item naming it, added once the reader has
  // read the rest of it, finds its slot there instead of missing the cache for it: most of
  // declaring and resolving ids in a file larger than the cache. Only a hint.
  void prefetch(std::string_view id) const noexcept;
  // The checks over all the items (unique relations, no one their own ancestor), then the graph
  // is committed: its revision moves on as CaseGraph::apply's does. False: declined, as add().
  // At least one item must have been added (an empty batch goes through CaseGraph::apply).
  bool finish();

  std::size_t items() const noexcept { return items_; }
  bool declined() const noexcept { return declined_; }

 private:
  void decline() noexcept;
  template <typename Step>
  bool attempt(const Step& step);

  CaseGraph& graph_;
  std::shared_ptr<const WorkingCalendar> calendar_;  // what a decline restores
  std::unique_ptr<CaseGraph::BulkBuilder> builder_;
  std::size_t items_ = 0;
  bool declined_ = false;
  bool committed_ = false;
};

}  // namespace safeguard::detail
