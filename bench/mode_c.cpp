// Mode "c": the same batch as mode "cpp", fed and assessed through the public C API.
#include "support.hpp"

#include <cstdio>
#include <cstdlib>

#include "feed.h"
#include "safeguard.h"

namespace sgbench {

namespace {

int check(int status, const char* what) {
  if (status != SG_OK) {
    std::fprintf(stderr, "%s: %s\n", what, sg_error_last());
    std::exit(1);
  }
  return status;
}

}  // namespace

int run_c(const Options& options) {
  Figures figures;
  std::printf("safeguard C API benchmark: %zu children, seed %llu, default pack\n",
              options.children, static_cast<unsigned long long>(options.seed));
  sg_graph* graph = nullptr;
  sg_rules* rules = nullptr;
  check(sg_graph_new(&graph), "sg_graph_new");
  check(sg_rules_load_file(&rules, options.pack.c_str()), "sg_rules_load_file");
  std::size_t children = 0;
  const Timing feed = time_once([&] {
    check(sgbench_feed_caseload(graph, options.children, options.seed, &children), "feed");
  });
  figures.add("children", static_cast<double>(children), fmt("%.0f", children));
  figures.add("feed_wall_s", feed.wall, fmt("%.2f s", feed.wall));
  sg_assess_options assess_options = SG_ASSESS_OPTIONS_INIT;
  assess_options.as_of = sgbench_as_of();
  assess_options.threads = 1;
  // The first call takes the graph's snapshot, which the graph then keeps; time the calls
  // after it, as the C++ benchmark times assess() on a snapshot already taken.
  sg_result* result = nullptr;
  const Timing first =
      time_once([&] { check(sg_assess(&result, graph, rules, &assess_options), "sg_assess"); });
  sg_result_free(result);
  figures.add("c_first_call_cpu_s", first.cpu, fmt("%.3f s", first.cpu));
  double checksum = 0;
  const Timing batch = best_of(options.repeat, [&] {
    sg_result* r = nullptr;
    check(sg_assess(&r, graph, rules, &assess_options), "sg_assess");
    const int* levels = nullptr;
    std::size_t rows = 0;
    check(sg_result_levels(&levels, &rows, r), "sg_result_levels");
    for (std::size_t i = 0; i < rows; ++i) checksum += levels[i];
    sg_result_free(r);
  });
  figures.add("c_batch_cpu_s", batch.cpu, fmt("%.3f s", batch.cpu));
  figures.add("c_batch_wall_s", batch.wall, fmt("%.3f s", batch.wall));
  figures.add("c_level_sum", checksum / options.repeat, fmt("%.0f", checksum / options.repeat));
  figures.add("peak_rss_bytes", static_cast<double>(peak_rss_bytes()),
              fmt("%.2f GB", peak_rss_bytes() / 1e9));
  sg_rules_free(rules);
  sg_graph_free(graph);
  figures.write(options.json);
  return 0;
}

}  // namespace sgbench
