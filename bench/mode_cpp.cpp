// Mode "cpp": batch assessment of a generated caseload with the default pack through the C++
// API, with and without propagation, incremental updates, a memory-bandwidth floor and peak
// memory.
#include "support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "safeguard/assess.hpp"
#include "safeguard/explain.hpp"
#include "safeguard/generate.hpp"
#include "safeguard/propagate.hpp"
#include "safeguard/timeline.hpp"
#include "snapshot_columns.hpp"

namespace sgbench {

namespace {

// One streaming pass over every byte of the snapshot's columns: the least time any assessment
// that reads its input could take. 64-bit loads, summed so the compiler cannot drop them.
std::uint64_t stream_sum(const Snapshot& snap) {
  std::uint64_t sum = 0;
  auto column = [&](const auto& values) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
    const std::size_t size = values.size() * sizeof(values[0]);
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      sum += word;
    }
    for (; i < size; ++i) sum += bytes[i];
  };
  auto csr = [&](const auto& c) {
    column(c.offsets);
    column(c.items);
  };
  column(snap.person_kind);
  column(snap.person_dob);
  column(snap.person_household);
  csr(snap.person_flags);
  csr(snap.person_circle);
  csr(snap.person_concerns);
  csr(snap.person_involved_in);
  csr(snap.person_factors);
  column(snap.children);
  csr(snap.concern_about);
  csr(snap.concern_involves);
  column(snap.concern_category);
  column(snap.concern_severity);
  column(snap.concern_incident);
  column(snap.concern_recorded);
  column(snap.concern_status);
  column(snap.concern_source);
  column(snap.concern_restricted);
  column(snap.factor_kind);
  column(snap.factor_strength);
  column(snap.factor_start);
  column(snap.factor_end);
  column(snap.agency_type);
  column(snap.event_kind);
  column(snap.event_date);
  csr(snap.person_events);
  column(snap.override_direction);
  column(snap.override_date);
  csr(snap.person_overrides);
  return sum;
}

// A row in snapshot-independent terms, to check incremental rows against a full assessment.
bool same_row(const Results& a, std::size_t ra, const Results& b, std::size_t rb) {
  if (a.level(ra) != b.level(rb) || a.contribution_count(ra) != b.contribution_count(rb))
    return false;
  for (std::size_t i = 0; i < a.index_count(); ++i) {
    const double x = a.score(ra, i), y = b.score(rb, i);
    if (std::memcmp(&x, &y, sizeof x) != 0) return false;
  }
  for (std::size_t k = 0; k < a.contribution_count(ra); ++k) {
    const Contribution& x = a.contributions_begin(ra)[k];
    const Contribution& y = b.contributions_begin(rb)[k];
    if (x.rule != y.rule || std::memcmp(&x.value, &y.value, sizeof x.value) != 0 ||
        (x.evidence == kNoVertex) != (y.evidence == kNoVertex) ||
        (x.evidence != kNoVertex && a.snapshot().id(x.evidence) != b.snapshot().id(y.evidence))) {
      return false;
    }
  }
  return true;
}

}  // namespace

int run_cpp(const Options& options) {
  Figures figures;
  std::printf("safeguard C++ benchmark: %zu children, seed %llu, default pack\n", options.children,
              static_cast<unsigned long long>(options.seed));
  const auto rules = RuleSet::load_file(options.pack);
  CaseloadOptions caseload;
  caseload.children = options.children;
  caseload.seed = options.seed;
  CaseGraph graph;
  CaseloadSummary summary;
  const long heap_before = heap_in_use_bytes();
  const Timing generate = time_once([&] { summary = generate_caseload(graph, caseload); });
  // The in-memory record (issue 19: <= 1 KB a child at 1,000,000): what the heap holds for the
  // graph once it is built, its ids, records, edges and indexes (the peak further down also
  // counts the snapshot and the results).
  const long heap_after = heap_in_use_bytes();
  figures.add("children", static_cast<double>(summary.children), fmt("%.0f", summary.children));
  figures.add("concerns", static_cast<double>(summary.concerns), fmt("%.0f", summary.concerns));
  figures.add("factors", static_cast<double>(summary.factors), fmt("%.0f", summary.factors));
  figures.add("graph_vertices", static_cast<double>(graph.vertex_count()),
              fmt("%.0f", graph.vertex_count()));
  figures.add("graph_edges", static_cast<double>(graph.edge_count()),
              fmt("%.0f", graph.edge_count()));
  figures.add("generate_wall_s", generate.wall, fmt("%.2f s", generate.wall));
  if (heap_before >= 0 && heap_after >= heap_before && summary.children > 0) {
    const double record = static_cast<double>(heap_after - heap_before);
    const double per_child = record / static_cast<double>(summary.children);
    figures.add("record_heap_bytes", record, fmt("%.2f GB", record / 1e9));
    figures.add("record_bytes_per_child", per_child, fmt("%.0f bytes", per_child),
                "<= 1,000 bytes (1,000,000 children)");
  }

  std::shared_ptr<const Snapshot> snapshot;
  const Timing snap_time = time_once([&] { snapshot = take_snapshot(graph); });
  figures.add("snapshot_cpu_s", snap_time.cpu, fmt("%.3f s", snap_time.cpu));
  figures.add("snapshot_bytes", static_cast<double>(snapshot->byte_size()),
              fmt("%.1f MB", snapshot->byte_size() / 1e6));

  const AssessOptions one{caseload.as_of, 1};
  std::size_t rows = 0;
  std::vector<int> level_counts(rules->levels().size(), 0);
  const Timing batch = best_of(options.repeat, [&] {
    const Results results = assess(rules, snapshot, one);
    rows = results.child_count();
    std::fill(level_counts.begin(), level_counts.end(), 0);
    for (std::int32_t level : results.levels()) ++level_counts[level];
  });
  const double per_million = 1e6 / static_cast<double>(rows);
  figures.add("batch_cpu_s", batch.cpu, fmt("%.3f s", batch.cpu));
  figures.add("batch_wall_s", batch.wall, fmt("%.3f s", batch.wall));
  figures.add("batch_cpu_s_per_million", batch.cpu * per_million,
              fmt("%.3f s", batch.cpu * per_million), "<= 1.0 s (1,000,000 children, one core)");
  figures.add("batch_children_per_s", rows / batch.cpu, fmt("%.0f /s", rows / batch.cpu));
  for (std::size_t l = 0; l < level_counts.size(); ++l) {
    figures.add("level_" + rules->levels()[l].id, level_counts[l], fmt("%.0f", level_counts[l]));
  }
  // The batch with lazy explanations (what `safeguard assess` runs): the same scoring, only the
  // lines of children with restricted lines kept; and then every child's scores as an
  // uncleared reader gets them, which reads only those kept lines (a fresh result each time).
  AssessOptions lazy_one(caseload.as_of, 1);
  lazy_one.explanations = Explanations::lazy;
  const Timing lazy_batch = best_of(options.repeat, [&] {
    const Results results = assess(rules, snapshot, lazy_one);
    rows = results.child_count();
  });
  figures.add("batch_lazy_cpu_s", lazy_batch.cpu, fmt("%.3f s", lazy_batch.cpu));
  figures.add("batch_lazy_cpu_s_per_million", lazy_batch.cpu * per_million,
              fmt("%.3f s", lazy_batch.cpu * per_million),
              "<= 1.0 s (1,000,000 children, one core)");
  {
    double best = 0;
    std::size_t kept = 0;
    for (int r = 0; r < std::max(1, options.repeat); ++r) {
      const Results results = assess(rules, snapshot, lazy_one);
      double sink = 0;
      const Timing t = time_once([&] {
        const Viewer uncleared;
        const ScoreReader reader(results, uncleared);
        for (std::size_t row = 0; row < results.child_count(); ++row)
          for (double score : reader.scores(row).index_scores) sink += score;
      });
      if (sink == 42) std::printf("(sink)\n");
      if (r == 0 || t.cpu < best) best = t.cpu;
      kept = 0;
      for (std::size_t row = 0; row < results.child_count(); ++row)
        kept += results.lines_restricted(row) ? 1 : 0;
    }
    figures.add("batch_lazy_children_lines_kept", static_cast<double>(kept), fmt("%.0f", kept));
    figures.add("scores_uncleared_lazy_cpu_s", best, fmt("%.4f s", best));
  }
  // Listing every child's index scores as a reader not cleared for any restricted evidence
  // would get them (what `safeguard assess` and Python's Result.scores do: ScoreReader, the
  // view layer run only for children with points withheld), against reading the host's own.
  {
    const Results results = assess(rules, snapshot, one);
    const Viewer uncleared;
    double sink = 0;
    std::size_t withheld_children = 0;
    const Timing host = best_of(options.repeat, [&] {
      for (std::size_t row = 0; row < results.child_count(); ++row)
        for (std::size_t i = 0; i < results.index_count(); ++i) sink += results.score(row, i);
    });
    const Timing viewed = best_of(options.repeat, [&] {
      const ScoreReader reader(results, uncleared);
      withheld_children = 0;
      for (std::size_t row = 0; row < results.child_count(); ++row) {
        const ScoresView view = reader.scores(row);
        withheld_children += view.any_withheld() ? 1 : 0;
        for (double score : view.index_scores) sink += score;
      }
    });
    if (sink == 42) std::printf("(sink)\n");
    figures.add("scores_uncleared_children_withheld", static_cast<double>(withheld_children),
                fmt("%.0f", withheld_children));
    figures.add("scores_host_cpu_s", host.cpu, fmt("%.4f s", host.cpu));
    figures.add("scores_uncleared_cpu_s", viewed.cpu, fmt("%.4f s", viewed.cpu));
    figures.add("scores_uncleared_over_batch", viewed.cpu / batch.cpu,
                fmt("%.3fx", viewed.cpu / batch.cpu), "<= 0.1x (a small part of assessing them)");
  }
  const Timing two = best_of(options.repeat, [&] {
    const Results results = assess(rules, snapshot, {caseload.as_of, 2});
    rows = results.child_count();
  });
  figures.add("batch_2_threads_wall_s", two.wall, fmt("%.3f s", two.wall));

  // Propagation included: the same pack with bench/propagation.toml appended, so the
  // exploitation index also travels through peers, groups and places.
  if (!options.propagation.empty()) {
    const auto spreading = propagating_pack(options);
    PropagationReport report;
    const Timing spread = best_of(options.repeat, [&] {
      const Results results = assess(spreading, snapshot, one);
      report = results.propagation();
    });
    figures.add("batch_propagation_cpu_s", spread.cpu, fmt("%.3f s", spread.cpu));
    figures.add("batch_propagation_cpu_s_per_million", spread.cpu * per_million,
                fmt("%.3f s", spread.cpu * per_million), "<= 1.0 s (1,000,000 children, one core)");
    figures.add("batch_propagation_wall_s", spread.wall, fmt("%.3f s", spread.wall));
    figures.add("propagation_iterations", report.iterations, fmt("%.0f", report.iterations));
    AssessOptions lazy_spread_options(caseload.as_of, 1);
    lazy_spread_options.explanations = Explanations::lazy;
    const Timing lazy_spread = best_of(options.repeat, [&] {
      const Results results = assess(spreading, snapshot, lazy_spread_options);
    });
    figures.add("batch_propagation_lazy_cpu_s", lazy_spread.cpu, fmt("%.3f s", lazy_spread.cpu));
    // The same listing for an uncleared reader on the propagating pack: the first ScoreReader
    // solves the network as that reader may attribute it (restricted evidence about peers and
    // places taken out), then each child near such evidence is read through its lines.
    double best = 0;
    std::size_t network_children = 0;
    for (int r = 0; r < std::max(1, options.repeat); ++r) {
      const Results results = assess(spreading, snapshot, one);  // a fresh cache each time
      double sink = 0;
      std::size_t children = 0;
      const Timing t = time_once([&] {
        const Viewer uncleared;  // the reader keeps a reference to it
        const ScoreReader reader(results, uncleared);
        for (std::size_t row = 0; row < results.child_count(); ++row) {
          const ScoresView view = reader.scores(row);
          children += view.contextual_withheld != 0 ? 1 : 0;
          sink += view.contextual_total;
        }
      });
      if (sink == 42) std::printf("(sink)\n");
      if (r == 0 || t.cpu < best) best = t.cpu;
      network_children = children;
    }
    figures.add("scores_uncleared_network_children", static_cast<double>(network_children),
                fmt("%.0f", network_children));
    figures.add("scores_uncleared_network_cpu_s", best, fmt("%.4f s", best));
    figures.add("scores_uncleared_network_over_batch", best / spread.cpu,
                fmt("%.3fx", best / spread.cpu),
                "<= 0.5x (solving the reader's network is a part of assessing)");
  }

  // The floor: one streaming pass over the snapshot's bytes.
  std::uint64_t checksum = 0;
  const Timing floor = best_of(5, [&] { checksum += stream_sum(*snapshot); });
  figures.add("floor_s", floor.cpu, fmt("%.4f s", floor.cpu));
  figures.add("floor_gb_per_s", snapshot->byte_size() / floor.cpu / 1e9,
              fmt("%.1f GB/s", snapshot->byte_size() / floor.cpu / 1e9));
  figures.add("batch_over_floor", batch.cpu / floor.cpu, fmt("%.1fx", batch.cpu / floor.cpu),
              "<= 5x");
  if (checksum == 42) std::printf("(checksum)\n");

  // Incremental: one new concern at a time about a random child, rescoring only the children
  // it can reach.
  if (options.updates > 0) {
    std::vector<std::string> child_ids;
    child_ids.reserve(snapshot->children.size());
    for (std::uint32_t c : snapshot->children)
      child_ids.emplace_back(snapshot->id(snapshot->person_vertex[c]));
    // A living record's history: practitioners' entries about every child (what the child
    // said, a scaling question), added before the updates. An update reads only its families'
    // entries, so the figures below should not grow with them.
    if (options.entries > 0) {
      const EntryKind kinds[] = {EntryKind::child_voice, EntryKind::scaling};
      std::size_t added = 0;
      const Timing entered = time_once([&] {
        Batch batch;
        for (int k = 0; k < options.entries; ++k) {
          for (std::size_t c = 0; c < child_ids.size(); ++c) {
            EntrySpec entry;
            entry.id = "E-BENCH-" + std::to_string(k) + "-" + std::to_string(c);
            entry.kind = kinds[(c + static_cast<std::size_t>(k)) % 2];
            entry.date = caseload.as_of - static_cast<Day>(1 + (c * 7 + k * 13) % 300);
            entry.about = {child_ids[c]};
            entry.author = "SW-BENCH";
            if (entry.kind == EntryKind::scaling) {
              entry.value = static_cast<int>((c + static_cast<std::size_t>(k)) % 11);
              entry.question = "How safe do you feel at home?";
              entry.text = "Scaling recorded on a visit.";
            } else {
              entry.text = "Talked about school and friends.";
            }
            batch.add(std::move(entry));
            if (batch.items.size() == 50'000) {
              graph.apply(batch);
              added += batch.items.size();
              batch = Batch{};
            }
          }
        }
        if (!batch.items.empty()) graph.apply(batch);
        added += batch.items.size();
      });
      figures.add("incremental_entries_added", static_cast<double>(added),
                  fmt("%.0f", static_cast<double>(added)));
      figures.add("incremental_entries_add_cpu_s", entered.cpu, fmt("%.2f s", entered.cpu));
    }
    const char* categories[] = {"domestic_abuse",  "physical_injury",    "school_attendance",
                                "missing_episode", "substance_misuse",   "emotional_abuse",
                                "cse_indicator",   "housing_instability"};
    const char* sources[] = {"AG-POL-01", "AG-SCH-01", "AG-HLT-01", "AG-CSC-01", "AG-HSG-01"};
    Reassessor reassessor(rules, one);
    std::vector<double> wall_us, cpu_us;
    std::size_t rescored = 0;
    std::uint64_t state = options.seed * 7919 + 17;
    auto next = [&](std::uint64_t bound) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      return (state >> 33) % bound;
    };
    // An edit batch with one new concern about a random child.
    auto new_concern = [&](std::string id) {
      ConcernSpec concern;
      concern.id = std::move(id);
      concern.category = categories[next(8)];
      concern.severity = 1 + static_cast<int>(next(5));
      concern.recorded = caseload.as_of - static_cast<Day>(next(30));
      concern.source = sources[next(5)];
      concern.about = {child_ids[next(child_ids.size())]};
      Batch batch;
      batch.add(std::move(concern));
      return batch;
    };
    Results last;
    for (int i = 0; i < options.updates; ++i) {
      const Batch batch_edit = new_concern("C-INC-" + std::to_string(i));
      // The previous update's results passed back, so their memory is reused (as a host that
      // keeps one Results current would).
      const Timing t = time_once([&] { reassessor.apply(graph, batch_edit, last); });
      wall_us.push_back(t.wall * 1e6);
      cpu_us.push_back(t.cpu * 1e6);
      rescored += last.child_count();
    }
    figures.add("incremental_updates", options.updates, fmt("%.0f", options.updates));
    figures.add("incremental_children_rescored_mean",
                static_cast<double>(rescored) / options.updates,
                fmt("%.1f", static_cast<double>(rescored) / options.updates));
    figures.add("incremental_median_us", percentile(wall_us, 0.5),
                fmt("%.1f us", percentile(wall_us, 0.5)), "<= 20 us");
    figures.add("incremental_p99_us", percentile(wall_us, 0.99),
                fmt("%.1f us", percentile(wall_us, 0.99)), "<= 200 us");
    figures.add("incremental_cpu_median_us", percentile(cpu_us, 0.5),
                fmt("%.1f us", percentile(cpu_us, 0.5)));
    figures.add("incremental_cpu_p99_us", percentile(cpu_us, 0.99),
                fmt("%.1f us", percentile(cpu_us, 0.99)));
    // The workload's peak: the graph, its snapshot, and the largest results held so far
    // (the batch with propagation included). The check below is the benchmark's own work.
    figures.add("peak_rss_workload_bytes", static_cast<double>(peak_rss_bytes()),
                fmt("%.2f GB", peak_rss_bytes() / 1e9), "<= 3 GB (1,000,000 children)");
    // The last update's rows against a full re-assessment of the edited graph (the batch
    // snapshot is let go first: the peak should not count two full snapshots).
    snapshot.reset();
    const Results full = assess(rules, take_snapshot(graph), one);
    bool identical = last.child_count() > 0;
    for (std::size_t row = 0; row < last.child_count(); ++row) {
      const long at = full.find_child(last.child_id(row));
      identical = identical && at >= 0 && same_row(last, row, full, static_cast<std::size_t>(at));
    }
    figures.add("incremental_matches_full", identical ? 1 : 0, identical ? "yes" : "NO",
                "identical rows");
    if (!identical) return 1;
    // Where an update's time goes: the same kind of update taken apart into the first steps
    // Reassessor::apply takes (finding the children reached before and after, applying the
    // batch, the partial snapshot of their families), each timed on its own; the rest of an
    // update is scoring those children and building their results.
    {
      const int probes = std::min(options.updates, 500);
      RecordIndex records;
      records.catch_up(graph);
      Snapshot partial;
      detail::SnapshotBuffers buffers;
      std::vector<double> reach_us, apply_us, snapshot_us;
      for (int i = 0; i < probes; ++i) {
        const Batch batch_edit = new_concern("C-PROBE-" + std::to_string(i));
        std::vector<VertexIndex> children;
        Timing t = time_once(
            [&] { children = children_reached_by(graph, persons_touched(graph, batch_edit)); });
        const Timing applied = time_once([&] { graph.apply(batch_edit); });
        const Timing after = time_once([&] {
          const auto now = children_reached_by(graph, persons_touched(graph, batch_edit));
          children.insert(children.end(), now.begin(), now.end());
        });
        // As Reassessor does: catch the record index up, then rebuild the partial snapshot
        // in place.
        const Timing snapped = time_once([&] {
          records.catch_up(graph);
          detail::retake_snapshot(partial, graph, children, &records, buffers);
        });
        reach_us.push_back((t.cpu + after.cpu) * 1e6);
        apply_us.push_back(applied.cpu * 1e6);
        snapshot_us.push_back(snapped.cpu * 1e6);
      }
      figures.add("incremental_step_reach_cpu_median_us", percentile(reach_us, 0.5),
                  fmt("%.1f us", percentile(reach_us, 0.5)));
      figures.add("incremental_step_apply_cpu_median_us", percentile(apply_us, 0.5),
                  fmt("%.1f us", percentile(apply_us, 0.5)));
      figures.add("incremental_step_snapshot_cpu_median_us", percentile(snapshot_us, 0.5),
                  fmt("%.1f us", percentile(snapshot_us, 0.5)));
    }
  }
  figures.add("peak_rss_bytes", static_cast<double>(peak_rss_bytes()),
              fmt("%.2f GB", peak_rss_bytes() / 1e9));
  figures.write(options.json);
  return 0;
}

}  // namespace sgbench
