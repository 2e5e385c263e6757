/* Builds a generated caseload (safeguard/generate.hpp) into an sg_graph through the public C
 * API, for the C API and Python (ctypes) benchmarks. */
#ifndef SAFEGUARD_BENCH_FEED_H
#define SAFEGUARD_BENCH_FEED_H

#include <safeguard.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Adds the caseload of `children` children generated from `seed` to `graph`, one batch at a
 * time, with sg_batch_add_* and sg_graph_apply. *out_children (if not NULL) receives the
 * number of children added. Returns SG_OK or the first failing call's status. */
__attribute__((visibility("default"))) int sgbench_feed_caseload(sg_graph* graph, size_t children,
                                                                 unsigned long long seed,
                                                                 size_t* out_children);
/* The as-of date the generated evidence is dated up to: "2026-11-01". */
__attribute__((visibility("default"))) const char* sgbench_as_of(void);

#ifdef __cplusplus
}
#endif

#endif
