// What every mode of safeguard_bench shares: its options, CPU and wall clocks, the best of
// several runs, percentiles, peak memory, and the figures each mode prints (and writes as JSON
// for bench/report.py).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "safeguard/rules.hpp"

namespace sgbench {

using namespace safeguard;

struct Options {
  std::string mode = "cpp";
  std::size_t children = 1'000'000;
  std::uint64_t seed = 1;
  int repeat = 3;
  int updates = 1000;
  int entries = 0;  // practitioners' entries per child added before the incremental updates
  std::string json;
  std::string facts;    // mode "export": where to write the per-child facts for the peers
  std::string network;  // mode "network": where to write the propagation system for networkx
  std::string pack = SAFEGUARD_SOURCE_DIR "/rules/default.toml";
  std::string propagation = SAFEGUARD_SOURCE_DIR "/bench/propagation.toml";
};

std::string read_text(const std::string& path);

// The pack with the benchmark's [propagation] section appended: "propagation included".
std::shared_ptr<const RuleSet> propagating_pack(const Options& options);

double thread_cpu_seconds();
double wall_seconds();

struct Timing {
  double cpu = 0;
  double wall = 0;
};

template <typename Work>
Timing time_once(Work&& work) {
  const double cpu = thread_cpu_seconds(), wall = wall_seconds();
  work();
  return {thread_cpu_seconds() - cpu, wall_seconds() - wall};
}

// The best of `repeat` runs: the run least disturbed by other work on the machine.
template <typename Work>
Timing best_of(int repeat, Work&& work) {
  Timing best{1e300, 1e300};
  for (int i = 0; i < repeat; ++i) {
    const Timing t = time_once(work);
    best.cpu = std::min(best.cpu, t.cpu);
    best.wall = std::min(best.wall, t.wall);
  }
  return best;
}

double percentile(std::vector<double> values, double p);
long peak_rss_bytes();
// Bytes the heap holds for live allocations now (glibc's mallinfo2: in use in the arena plus
// blocks mapped on their own), or -1 where that cannot be read. The difference across building
// a structure is what the structure holds, without the freed memory a peak counts.
long heap_in_use_bytes();
std::string fmt(const char* format, double value);

// Figures in print order, and as JSON for report.py.
class Figures {
 public:
  void add(const std::string& key, double value, const std::string& shown,
           const std::string& target = "") {
    keys_.push_back(key);
    values_[key] = value;
    std::printf("  %-44s %18s   %s\n", key.c_str(), shown.c_str(),
                target.empty() ? "" : ("target " + target).c_str());
    std::fflush(stdout);
  }
  void write(const std::string& path) const;

 private:
  std::vector<std::string> keys_;
  std::map<std::string, double> values_;
};

// The modes, one file each (bench/mode_*.cpp).
int run_cpp(const Options& options);
int run_c(const Options& options);
int run_export(const Options& options);
int run_network(const Options& options);

}  // namespace sgbench
