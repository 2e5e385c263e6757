// Incremental assessment: after a batch, only the children it can reach are scored again, over a
// partial snapshot of their families, by the same scorer as a full assessment.
#include <algorithm>
#include <atomic>
#include <string_view>
#include <type_traits>
#include <variant>

#include "graph_topology.hpp"
#include "prepare.hpp"
#include "results.hpp"
#include "safeguard/assess.hpp"
#include "snapshot_columns.hpp"

namespace safeguard {

namespace {

// persons_touched into `persons` (emptied first), so that the Reassessor reuses its memory.
void persons_touched_into(const CaseGraph& graph, const Batch& batch,
                          std::vector<VertexIndex>& persons) {
  persons.clear();
  auto note = [&](std::string_view id) {
    if (auto v = graph.find(id); v && graph.kind(*v) == VertexKind::person) persons.push_back(*v);
  };
  auto note_all = [&](const std::vector<std::string>& ids) {
    for (const auto& id : ids) note(id);
  };
  auto note_concern = [&](std::string_view id) {
    if (auto v = graph.find(id); v && graph.kind(*v) == VertexKind::concern) {
      const Concern& concern = graph.concern(*v);
      persons.insert(persons.end(), concern.about.begin(), concern.about.end());
      persons.insert(persons.end(), concern.involves.begin(), concern.involves.end());
    }
  };
  auto note_factor = [&](std::string_view id) {
    if (auto v = graph.find(id); v && graph.kind(*v) == VertexKind::factor) {
      const Factor& factor = graph.factor(*v);
      persons.insert(persons.end(), factor.protects.begin(), factor.protects.end());
    }
  };
  auto note_record = [&](std::string_view id) {
    if (const Event* e = graph.find_event(id))
      persons.insert(persons.end(), e->about.begin(), e->about.end());
    if (const DiscretionaryOverride* o = graph.find_override(id)) persons.push_back(o->person);
    if (const RecordedEntry* e = graph.find_entry(id))
      persons.insert(persons.end(), e->about.begin(), e->about.end());
  };
  // An agency's type is evidence (rules read a concern's source type): every concern it raised.
  auto note_agency = [&](std::string_view id) {
    auto v = graph.find(id);
    if (!v || graph.kind(*v) != VertexKind::agency) return;
    const detail::Adjacency& adj = graph.topology().adjacency;
    for (auto edge : boost::make_iterator_range(out_edges(*v, adj))) {
      if (adj[edge].kind == RelationKind::raised) note_concern(graph.id(target(edge, adj)));
    }
  };
  auto note_replaced = [&](const auto& spec) {
    using S = std::decay_t<decltype(spec)>;
    if constexpr (std::is_same_v<S, PersonSpec>) {
      note(spec.id);
    } else if constexpr (std::is_same_v<S, AgencySpec>) {
      note_agency(spec.id);
    } else if constexpr (std::is_same_v<S, FactorSpec>) {
      note_factor(spec.id);
      note_all(spec.protects);
    } else if constexpr (std::is_same_v<S, EventSpec>) {
      note_record(spec.id);
      note_all(spec.about);
    } else if constexpr (std::is_same_v<S, DiscretionaryOverrideSpec>) {
      note_record(spec.id);
      note(spec.person());
    }
    // A place's or group's kind and name are read only by propagation, which rescores everyone.
  };
  for (const Edit& item : batch.items) {
    std::visit(
        [&](const auto& edit) {
          using T = std::decay_t<decltype(edit)>;
          if constexpr (std::is_same_v<T, PersonSpec> || std::is_same_v<T, ErasePerson>) {
            note(edit.id);
          } else if constexpr (std::is_same_v<T, ConcernSpec>) {
            note_all(edit.about);
            note_all(edit.involves);
          } else if constexpr (std::is_same_v<T, FactorSpec>) {
            note_all(edit.protects);
          } else if constexpr (std::is_same_v<T, RelationSpec>) {
            note(edit.from);
            note(edit.to);
          } else if constexpr (std::is_same_v<T, AmendConcern>) {
            note_concern(edit.concern.id);
            note_all(edit.concern.about);
            note_all(edit.concern.involves);
          } else if constexpr (std::is_same_v<T, RetractConcern>) {
            note_concern(edit.id);
          } else if constexpr (std::is_same_v<T, EventSpec> || std::is_same_v<T, EntrySpec>) {
            note_all(edit.about);
          } else if constexpr (std::is_same_v<T, DiscretionaryOverrideSpec>) {
            note(edit.person());
          } else if constexpr (std::is_same_v<T, Replace>) {
            std::visit(note_replaced, edit.spec);
          } else if constexpr (std::is_same_v<T, Remove>) {
            note_concern(edit.id);
            note_factor(edit.id);
            note_record(edit.id);
          } else if constexpr (std::is_same_v<T, RemoveRelation>) {
            note(edit.relation.from);
            note(edit.relation.to);
          }
          // A CalendarSpec moves every child's timescales: Reassessor::apply rescores everyone.
          // Agencies, places, groups and households reach no child until something names them.
        },
        item);
  }
  std::sort(persons.begin(), persons.end());
  persons.erase(std::unique(persons.begin(), persons.end()), persons.end());
}

// Whether every item of `batch` adds a concern, factor, process event, practitioner's entry or
// discretionary override: evidence about people, none of it a person or a relation between
// people, so no circle changes (and the people it names must already be in the graph).
bool only_adds_evidence(const Batch& batch) {
  return std::all_of(batch.items.begin(), batch.items.end(), [](const Edit& item) {
    return std::holds_alternative<ConcernSpec>(item) || std::holds_alternative<FactorSpec>(item) ||
           std::holds_alternative<EventSpec>(item) || std::holds_alternative<EntrySpec>(item) ||
           std::holds_alternative<DiscretionaryOverrideSpec>(item);
  });
}

}  // namespace

std::vector<VertexIndex> persons_touched(const CaseGraph& graph, const Batch& batch) {
  std::vector<VertexIndex> persons;
  persons_touched_into(graph, batch, persons);
  return persons;
}

struct Reassessor::Impl {
  std::shared_ptr<const RuleSet> rules;
  AssessOptions options;
  std::vector<std::string> symbols;  // the snapshot symbols `prepared` was made for
  detail::Prepared prepared;
  bool ready = false;
  // Where each child's process events and judgements are, kept up to date across this
  // Reassessor's own batches; rebuilt when the graph was changed some other way.
  RecordIndex records;
  const CaseGraph* indexed_graph = nullptr;
  std::uint64_t indexed_revision = 0;

  // Kept between updates, so that once they have grown to the largest update seen, an update
  // allocates nothing but what the graph keeps of its batch.
  std::vector<VertexIndex> touched;   // persons the batch names
  std::vector<VertexIndex> reached;   // children reached after the batch
  std::vector<VertexIndex> children;  // everyone rescored
  // The last partial snapshot, rebuilt in place when nothing else holds it (a Results passed
  // back to apply() lets go of it first), and what it is built with.
  std::shared_ptr<Snapshot> snapshot;
  detail::SnapshotBuffers buffers;
  // The statutory process for the snapshot's nation: with the pack's timescales it is a copy
  // of the bundled one, made once rather than for every update.
  std::shared_ptr<const Process> process;
  Nation process_nation = Nation::england;
  detail::BuildScratch scratch;

  void index(const CaseGraph& graph) {
    if (indexed_graph != &graph || indexed_revision != graph.revision()) {
      records = RecordIndex{};
      indexed_graph = &graph;
    }
    records.catch_up(graph);
    indexed_revision = graph.revision();
  }
};

Reassessor::Reassessor(std::shared_ptr<const RuleSet> rules, const AssessOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->rules = std::move(rules);
  impl_->options = options;
  impl_->options.threads = 1;  // a handful of children: threads would cost more than they save
}

Reassessor::~Reassessor() = default;
Reassessor::Reassessor(Reassessor&&) noexcept = default;
Reassessor& Reassessor::operator=(Reassessor&&) noexcept = default;

Results Reassessor::apply(CaseGraph& graph, const Batch& batch) {
  Results out;
  apply(graph, batch, out);
  return out;
}

void Reassessor::apply(CaseGraph& graph, const Batch& batch, Results& out) {
  const bool new_calendar = std::any_of(batch.items.begin(), batch.items.end(), [](const Edit& e) {
    return std::holds_alternative<CalendarSpec>(e);
  });
  std::vector<VertexIndex>& children = impl_->children;
  children.clear();
  // The children reached before the batch too, who may be reached no longer (a relation or
  // person removed, a concern amended away from them); a batch that only adds evidence about
  // people already in the graph changes no one's circle, so after it the same children are
  // reached, and they are found once, below.
  if (!only_adds_evidence(batch)) {
    persons_touched_into(graph, batch, impl_->touched);
    detail::children_reached_into(graph, impl_->touched, children);
  }
  const bool indexed =
      impl_->indexed_graph == &graph && impl_->indexed_revision == graph.revision();
  graph.apply(batch);
  // The batch appended records, or replaced or removed some in place: the index stays valid by
  // catching up and pointing each replaced record's children at it (stale entries are allowed).
  if (indexed) {
    impl_->indexed_revision = graph.revision();
    for (const Edit& item : batch.items) {
      const auto* replace = std::get_if<Replace>(&item);
      if (!replace) continue;
      if (const auto* e = std::get_if<EventSpec>(&replace->spec)) {
        if (const Event* event = graph.find_event(e->id)) {
          const auto number = static_cast<std::uint32_t>(event - graph.events().data());
          for (VertexIndex child : event->about) impl_->records.events[child].push_back(number);
        }
      } else if (const auto* o = std::get_if<DiscretionaryOverrideSpec>(&replace->spec)) {
        if (const DiscretionaryOverride* judgement = graph.find_override(o->id)) {
          const auto number =
              static_cast<std::uint32_t>(judgement - graph.discretionary_overrides().data());
          impl_->records.overrides[judgement->person].push_back(number);
        }
      }
    }
  }
  if (new_calendar) {
    for (VertexIndex v = 0; v < graph.vertex_count(); ++v) children.push_back(v);
  }
  persons_touched_into(graph, batch, impl_->touched);
  detail::children_reached_into(graph, impl_->touched, impl_->reached);
  children.insert(children.end(), impl_->reached.begin(), impl_->reached.end());
  // The adults the batch touched, for their own results (one in no child's circle too).
  for (VertexIndex v : impl_->touched) {
    if (graph.kind(v) == VertexKind::person && graph.person(v).kind == PersonKind::adult)
      children.push_back(v);
  }
  assess(graph, children, out);
}

Results Reassessor::assess(const CaseGraph& graph, const std::vector<VertexIndex>& children) {
  Results out;
  assess(graph, children, out);
  return out;
}

void Reassessor::assess(const CaseGraph& graph, const std::vector<VertexIndex>& children,
                        Results& out) {
  // Propagation spreads evidence through the whole network, so no partial snapshot can give
  // exact results: a pack that propagates is assessed in full.
  if (impl_->rules->propagation().enabled) {
    out = safeguard::assess(impl_->rules, take_snapshot(graph), impl_->options);
    return;
  }
  impl_->index(graph);
  // `out` may be what read the kept snapshot last: once it lets go, the snapshot is rebuilt in
  // place unless someone else (a copy of a Results) still holds it, which then keeps it as it is.
  detail::ResultsBuilder::recycle(out);
  if (impl_->snapshot && impl_->snapshot.use_count() == 1) {
    // The last other holder let go, maybe on another thread: see its reads before writing.
    std::atomic_thread_fence(std::memory_order_acquire);
  } else {
    impl_->snapshot = std::make_shared<Snapshot>();
    impl_->scratch.scorer.reset();  // it refers to the snapshot it was made for
  }
  detail::retake_snapshot(*impl_->snapshot, graph, children, &impl_->records, impl_->buffers);
  std::shared_ptr<const Snapshot> snapshot = impl_->snapshot;
  detail::check_arguments(impl_->rules, snapshot, impl_->options);
  // The tables depend on the snapshot's symbols, which only grow as a graph is edited.
  if (!impl_->ready || impl_->symbols != snapshot->symbols) {
    impl_->scratch.scorer.reset();  // it refers to the tables
    impl_->prepared = detail::prepare(*impl_->rules, *snapshot, impl_->options.as_of);
    impl_->symbols = snapshot->symbols;
    impl_->ready = true;
  }
  const Nation nation = snapshot->calendar->nation();
  if (!impl_->process || impl_->process_nation != nation) {
    impl_->scratch.scorer.reset();  // and to the process
    impl_->process = process_for(nation, impl_->rules->timescales(), impl_->options.process);
    impl_->process_nation = nation;
  }
  detail::ResultsBuilder::build_into(out, impl_->rules, std::move(snapshot), impl_->process,
                                     impl_->prepared, impl_->options, impl_->scratch);
}

}  // namespace safeguard
