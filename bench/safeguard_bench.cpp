#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>
#include <ctime>
#include "safeguard/assess.hpp"
#include "safeguard/generate.hpp"
using namespace safeguard;
using Clock = std::chrono::steady_clock;
static double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
static double cpu() { timespec ts; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }
int main(int argc, char** argv) {
  CaseloadOptions o; o.children = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000;
  auto t = Clock::now();
  CaseGraph g; auto s = generate_caseload(g, o);
  std::printf("generate %.3f s: hh %zu ch %zu ad %zu conc %zu fac %zu rel %zu vertices %zu edges %zu\n", since(t), s.households, s.children, s.adults, s.concerns, s.factors, s.relations, g.vertex_count(), g.edge_count());
  t = Clock::now(); auto snap = take_snapshot(g); std::printf("snapshot %.3f s, %zu bytes\n", since(t), snap->byte_size());
  auto rules = RuleSet::load_file(SAFEGUARD_SOURCE_DIR "/rules/default.toml");
  for (int i = 0; i < 3; ++i) { t = Clock::now(); double c0 = cpu(); auto r = assess(rules, snap, {o.as_of, 1}); std::printf("assess %.3f s cpu %.3f rows %zu\n", since(t), cpu() - c0, r.child_count()); }
  rusage u; getrusage(RUSAGE_SELF, &u); std::printf("maxrss %ld MB\n", u.ru_maxrss / 1024);
}
