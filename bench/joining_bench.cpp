// Joining up at scale (docs/joining-up.md): a generated caseload assessed once, then join() —
// every child's per-agency fragments rescored alone and the smallest sets of agencies that
// reach its joined level — on one thread. Against it, the naive approach a host without
// join() would take: for each agency, a copy of the caseload holding only that agency's
// evidence, assessed whole. The naive cost is measured on a sample of agencies and scaled to
// all of them (it is linear in the agencies: one whole assessment each), and covers the
// per-agency views only; the smallest sets would need a further copy per set tried per child.
// Prints CPU seconds (this program is single-threaded) and wall seconds.
//
// usage: safeguard_joining_bench [--children N] [--sample-agencies N] [--seed S]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "safeguard/generate.hpp"
#include "safeguard/joining.hpp"

using namespace safeguard;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

struct Timer {
  double wall = now_seconds(), cpu = cpu_seconds();
  double wall_elapsed() const { return now_seconds() - wall; }
  double cpu_elapsed() const { return cpu_seconds() - cpu; }
};

// The caseload with only `agency`'s evidence: other agencies' concerns, factors it does not
// provide and discretionary overrides left out (what join() scores a fragment as).
CaseGraph filtered_caseload(const CaseloadOptions& options, const std::string& agency,
                            double& apply_cpu) {
  CaseGraph graph;
  generate_caseload(options, [&](Batch&& batch) {
    Batch kept;
    for (Edit& edit : batch.items) {
      if (const auto* c = std::get_if<ConcernSpec>(&edit)) {
        if (c->source != agency) continue;
      } else if (const auto* f = std::get_if<FactorSpec>(&edit)) {
        if (f->provided_by != agency) continue;
      } else if (std::holds_alternative<DiscretionaryOverrideSpec>(edit)) {
        continue;
      }
      kept.items.push_back(std::move(edit));
    }
    const double start = cpu_seconds();
    graph.apply(kept);
    apply_cpu += cpu_seconds() - start;
  });
  return graph;
}

}  // namespace

int main(int argc, char** argv) {
  CaseloadOptions options;
  options.children = 100000;
  std::size_t sample_agencies = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--children") == 0)
      options.children = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--sample-agencies") == 0)
      sample_agencies = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--seed") == 0) options.seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  const auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");

  CaseGraph graph;
  const CaseloadSummary summary = generate_caseload(graph, options);
  std::printf("caseload: %zu children, %zu agencies, %zu concerns, %zu factors (seed %llu)\n",
              summary.children, summary.agencies, summary.concerns, summary.factors,
              static_cast<unsigned long long>(options.seed));

  Timer assess_timer;
  const Results results = assess(rules, take_snapshot(graph), {options.as_of, 1});
  std::printf("joined assessment (snapshot + assess, 1 thread): %.2f s CPU, %.2f s wall\n",
              assess_timer.cpu_elapsed(), assess_timer.wall_elapsed());

  Timer join_timer;
  const Joining joining = join(results, Viewer::everyone(), JoinOptions{1});
  const double join_cpu = join_timer.cpu_elapsed();
  const double join_wall = join_timer.wall_elapsed();

  std::size_t fragments = 0, with_sets = 0, greedy = 0;
  std::map<std::string, std::size_t> fragments_per_agency;
  for (std::size_t row = 0; row < joining.child_count(); ++row) {
    const ChildJoining& c = joining.child(row);
    fragments += c.fragments.size();
    with_sets += c.minimal_sets.empty() ? 0 : 1;
    greedy += c.exact ? 0 : 1;
    for (const Fragment& f : c.fragments)
      ++fragments_per_agency[std::string(fragment_name(joining, f))];
  }
  std::printf(
      "join (per-agency views + smallest sets, 1 thread): %.2f s CPU, %.2f s wall "
      "(target <= 10 s)\n"
      "  %zu fragments (%.2f per child), %zu children with smallest sets (%zu greedy), "
      "%zu visible only when joined, %zu on the triage list\n",
      join_cpu, join_wall, fragments, static_cast<double>(fragments) / joining.child_count(),
      with_sets, greedy, joining.only_when_joined_count(), joining.triage().size());

  // The naive approach on a sample of agencies (the busiest first: the fairest to it, as each
  // copy then serves the most fragments), scaled to every agency with a fragment.
  std::vector<std::pair<std::size_t, std::string>> busiest;
  for (const auto& entry : fragments_per_agency) busiest.push_back({entry.second, entry.first});
  std::sort(busiest.rbegin(), busiest.rend());
  sample_agencies = std::min(sample_agencies, busiest.size());
  double naive_cpu = 0, naive_wall = 0;
  for (std::size_t i = 0; i < sample_agencies; ++i) {
    double apply_cpu = 0;
    const double generate_start = cpu_seconds();
    const double wall_start = now_seconds();
    const CaseGraph alone = filtered_caseload(options, busiest[i].second, apply_cpu);
    const double generate_cpu = cpu_seconds() - generate_start - apply_cpu;
    Timer timer;
    const Results full = assess(rules, take_snapshot(alone), {options.as_of, 1});
    const double cpu = apply_cpu + timer.cpu_elapsed();
    // Wall time less the generator's share (CPU-bound, so its CPU time stands for its wall).
    const double wall = now_seconds() - wall_start - generate_cpu;
    naive_cpu += cpu;
    naive_wall += wall;
    std::printf("  naive, agency %s (%zu fragments): copy + assess %.2f s CPU (%zu children)\n",
                busiest[i].second.c_str(), busiest[i].first, cpu, full.child_count());
  }
  if (sample_agencies > 0) {
    const double per_agency = naive_cpu / static_cast<double>(sample_agencies);
    const double scaled = per_agency * static_cast<double>(busiest.size());
    std::printf(
        "naive per-agency views (copy-and-reassess per agency): %.2f s CPU per agency x %zu "
        "agencies = %.1f s CPU (%.1f s wall scaled)\n"
        "ratio naive / join: %.1fx (CPU), and join also found the smallest sets\n",
        per_agency, busiest.size(), scaled,
        naive_wall / static_cast<double>(sample_agencies) * static_cast<double>(busiest.size()),
        scaled / join_cpu);
  }
  return 0;
}
