// The C++ and C API benchmarks: batch assessment of a generated caseload with the default pack,
// incremental updates, a memory-bandwidth floor and peak memory (mode "cpp", mode_cpp.cpp), the
// same batch through the public C API (mode "c", mode_c.cpp), and the caseload exported for the
// peers (modes "export" and "network"). Each run prints its figures with the targets
// beside them and can write them as JSON for bench/report.py, which joins the runs (scaling,
// ratios, peers) into one table. bench/run.sh runs everything.
//
// Times are reported as CPU time of the assessing thread (what "on one core" means, and what
// survives a machine shared with other work) and as wall time.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "support.hpp"

using namespace sgbench;

namespace {

void usage() {
  std::fprintf(
      stderr,
      "usage: safeguard_bench [--mode cpp|c|export|network] [--children N] [--seed S]\n"
      "                       [--repeat R] [--updates K] [--entries E] [--pack FILE]\n"
      "                       [--propagation FILE] [--json FILE] [--facts FILE] [--network FILE]\n"
      "  --entries E         practitioners' entries added for every child before the incremental\n"
      "                      updates, as a living record's history grows (default 0)\n"
      "  --propagation FILE  [propagation] section appended to the pack for the\n"
      "                      propagation-included figures (default bench/propagation.toml;\n"
      "                      \"\" skips them)\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (arg == "--mode") {
      options.mode = value();
    } else if (arg == "--children") {
      options.children = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--seed") {
      options.seed = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--repeat") {
      options.repeat = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--updates") {
      options.updates = std::max(0, std::atoi(value().c_str()));
    } else if (arg == "--entries") {
      options.entries = std::max(0, std::atoi(value().c_str()));
    } else if (arg == "--pack") {
      options.pack = value();
    } else if (arg == "--json") {
      options.json = value();
    } else if (arg == "--facts") {
      options.facts = value();
    } else if (arg == "--network") {
      options.network = value();
    } else if (arg == "--propagation") {
      options.propagation = value();
    } else {
      usage();
    }
  }
  if (options.children == 0) usage();
  try {
    if (options.mode == "cpp") return run_cpp(options);
    if (options.mode == "c") return run_c(options);
    if (options.mode == "export" && !options.facts.empty()) return run_export(options);
    if (options.mode == "network" && !options.network.empty()) return run_network(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  usage();
}
