#!/usr/bin/env python3
"""The batch assessment through Python: ctypes straight onto the stable C API (the way the
safeguard Python package drives it), with the score matrix and levels read as numpy arrays
without copying. The caseload is fed through the C API by libsafeguard_bench_feed (built in
bench/), so it is the same caseload the C++ and C benchmarks assess.

    /usr/bin/python3 bench/python_bench.py --build build --children 1000000 --json out.json
"""
import argparse
import ctypes
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


class AssessOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("as_of", ctypes.c_char_p), ("threads", ctypes.c_uint)]


def load(build):
    # libsafeguard first and globally, so the feeder binds to this very copy of it.
    lib = ctypes.CDLL(os.path.join(build, "libsafeguard.so"), mode=ctypes.RTLD_GLOBAL)
    feed = ctypes.CDLL(os.path.join(build, "bench", "libsafeguard_bench_feed.so"))
    lib.sg_error_last.restype = ctypes.c_char_p
    lib.sg_graph_new.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    lib.sg_graph_free.argtypes = [ctypes.c_void_p]
    lib.sg_rules_load_file.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p]
    lib.sg_rules_free.argtypes = [ctypes.c_void_p]
    lib.sg_assess.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.POINTER(AssessOptions)]
    lib.sg_result_free.argtypes = [ctypes.c_void_p]
    lib.sg_result_scores.argtypes = [ctypes.POINTER(ctypes.POINTER(ctypes.c_double)),
                                     ctypes.POINTER(ctypes.c_size_t),
                                     ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p]
    lib.sg_result_levels.argtypes = [ctypes.POINTER(ctypes.POINTER(ctypes.c_int)),
                                     ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p]
    feed.sgbench_feed_caseload.argtypes = [ctypes.c_void_p, ctypes.c_size_t,
                                           ctypes.c_ulonglong, ctypes.POINTER(ctypes.c_size_t)]
    feed.sgbench_as_of.restype = ctypes.c_char_p
    return lib, feed


def check(lib, status, what):
    if status != 0:
        sys.exit(f"{what}: {lib.sg_error_last().decode()}")


def assess(lib, graph, rules, options):
    """One batch: assess, then the scores and levels as numpy views of the result's memory."""
    result = ctypes.c_void_p()
    check(lib, lib.sg_assess(ctypes.byref(result), graph, rules, ctypes.byref(options)),
          "sg_assess")
    scores_ptr = ctypes.POINTER(ctypes.c_double)()
    rows, cols = ctypes.c_size_t(), ctypes.c_size_t()
    check(lib, lib.sg_result_scores(ctypes.byref(scores_ptr), ctypes.byref(rows),
                                    ctypes.byref(cols), result), "sg_result_scores")
    levels_ptr = ctypes.POINTER(ctypes.c_int)()
    check(lib, lib.sg_result_levels(ctypes.byref(levels_ptr), ctypes.byref(rows), result),
          "sg_result_levels")
    scores = np.ctypeslib.as_array(scores_ptr, shape=(rows.value, cols.value))
    levels = np.ctypeslib.as_array(levels_ptr, shape=(rows.value,))
    summary = (np.bincount(levels, minlength=4), float(scores.sum()))
    lib.sg_result_free(result)
    return rows.value, summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pack", default=os.path.join(HERE, "..", "rules", "default.toml"))
    parser.add_argument("--json")
    args = parser.parse_args()

    lib, feed = load(os.path.abspath(args.build))
    graph, rules = ctypes.c_void_p(), ctypes.c_void_p()
    check(lib, lib.sg_graph_new(ctypes.byref(graph)), "sg_graph_new")
    check(lib, lib.sg_rules_load_file(ctypes.byref(rules), args.pack.encode()), "rules")
    children = ctypes.c_size_t()
    start = time.perf_counter()
    check(lib, feed.sgbench_feed_caseload(graph, args.children, args.seed,
                                          ctypes.byref(children)), "feed")
    feed_s = time.perf_counter() - start
    options = AssessOptions(1, feed.sgbench_as_of(), 1)
    assess(lib, graph, rules, options)  # takes and caches the graph's snapshot
    best_cpu = best_wall = float("inf")
    for _ in range(args.repeat):
        cpu, wall = time.thread_time(), time.perf_counter()
        rows, (level_counts, score_sum) = assess(lib, graph, rules, options)
        best_cpu = min(best_cpu, time.thread_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    figures = {
        "children": rows,
        "feed_wall_s": feed_s,
        "python_batch_cpu_s": best_cpu,
        "python_batch_wall_s": best_wall,
        "python_level_counts": [int(c) for c in level_counts],
        "python_score_sum": score_sum,
    }
    print(f"safeguard Python (ctypes + numpy) benchmark: {rows} children")
    for key, value in figures.items():
        print(f"  {key:44s} {value}")
    lib.sg_rules_free(rules)
    lib.sg_graph_free(graph)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
