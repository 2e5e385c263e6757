// Assessor: the caches successive assessments of one graph share (see assess.hpp).
#include <mutex>

#include "prepare.hpp"
#include "results.hpp"
#include "safeguard/assess.hpp"

namespace safeguard {

struct Assessor::Impl {
  explicit Impl(CaseGraph& edited) : graph(edited) {}

  // The tables for one pack, date and set of snapshot symbols (which only grow as a graph is
  // edited, so they usually outlive many revisions).
  struct Tables {
    std::weak_ptr<const RuleSet> rules;  // compared by identity; never keeps a pack alive
    Day as_of = 0;
    std::vector<std::string> symbols;
    std::shared_ptr<const detail::Prepared> prepared;
  };

  std::shared_ptr<const detail::Prepared> prepared_for(const std::shared_ptr<const RuleSet>& rules,
                                                       const Snapshot& snap, Day as_of) {
    std::lock_guard<std::mutex> lock(mutex);
    const bool same_pack = tables.prepared && !tables.rules.owner_before(rules) &&
                           !rules.owner_before(tables.rules) && !tables.rules.expired();
    if (!same_pack || tables.as_of != as_of || tables.symbols != snap.symbols) {
      tables.prepared =
          std::make_shared<const detail::Prepared>(detail::prepare(*rules, snap, as_of));
      tables.rules = rules;
      tables.as_of = as_of;
      tables.symbols = snap.symbols;
    }
    return tables.prepared;
  }

  CaseGraph& graph;
  mutable std::mutex mutex;  // guards `snapshot` and `tables`
  std::shared_ptr<const Snapshot> snapshot;
  Tables tables;
  // Incremental updates for the pack and date apply() was last called with.
  std::unique_ptr<Reassessor> reassessor;
  std::shared_ptr<const RuleSet> reassessor_rules;
  Day reassessor_as_of = 0;
};

Assessor::Assessor(CaseGraph& graph) : impl_(std::make_unique<Impl>(graph)) {}
Assessor::~Assessor() = default;

const CaseGraph& Assessor::graph() const noexcept { return impl_->graph; }

std::shared_ptr<const Snapshot> Assessor::snapshot() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->snapshot || impl_->snapshot->graph_revision != impl_->graph.revision()) {
    impl_->snapshot = take_snapshot(impl_->graph);
  }
  return impl_->snapshot;
}

Results Assessor::assess(std::shared_ptr<const RuleSet> rules, const AssessOptions& options) const {
  std::shared_ptr<const Snapshot> snap = snapshot();
  detail::check_arguments(rules, snap, options);
  const std::shared_ptr<const detail::Prepared> prepared =
      impl_->prepared_for(rules, *snap, options.as_of);
  return detail::ResultsBuilder::build(std::move(rules), std::move(snap), *prepared, options);
}

Results Assessor::apply(const Batch& batch, std::shared_ptr<const RuleSet> rules,
                        const AssessOptions& options) {
  if (!rules) throw Error(Status::invalid_argument, "apply needs a rule pack");
  if (!impl_->reassessor || impl_->reassessor_rules != rules ||
      impl_->reassessor_as_of != options.as_of) {
    impl_->reassessor = std::make_unique<Reassessor>(rules, options);
    impl_->reassessor_rules = rules;
    impl_->reassessor_as_of = options.as_of;
  }
  return impl_->reassessor->apply(impl_->graph, batch);
}

}  // namespace safeguard
