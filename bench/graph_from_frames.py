#!/usr/bin/python3
"""Python's graph from DataFrames (frames.graph_from_frames) at N generated children.

Generates a caseload in memory (Graph.generate(N, seed=1)), takes its tables with
graph_to_frames (not timed), then times graph_from_frames once: wall and CPU, and the part
spent making the column buffers in Python apart from the library's sg_graph_add_tables. With
--before, the same tables also go through another version of safeguard/frames.py (for example
the one-document path: `git show 3c0b7aa:bindings/python/safeguard/frames.py > old.py`), loaded
into this package. With --check, each graph built is compared, byte for byte, with the
generated one. Issue 19's target: 1,000,000 children in 10 s.

usage: SAFEGUARD_LIBRARY=build/libsafeguard.so PYTHONPATH=bindings/python \\
       /usr/bin/python3 bench/graph_from_frames.py --children N [--before old.py] [--check]
"""
import argparse
import importlib.util
import time
import warnings

import safeguard
from safeguard import frames


def timed(label, work):
    start, cpu = time.perf_counter(), time.process_time()
    value = work()
    print("%-44s wall %7.2f s  cpu %7.2f s" % (label, time.perf_counter() - start,
                                               time.process_time() - cpu), flush=True)
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100000)
    parser.add_argument("--before", help="another frames.py to time on the same tables")
    parser.add_argument("--check", action="store_true", help="compare the graphs built")
    args = parser.parse_args()
    warnings.simplefilter("ignore", safeguard.VocabularyWarning)

    generated = safeguard.Graph.generate(args.children, seed=1)
    tables = frames.graph_to_frames(generated)
    print("%d children: %s" % (args.children, ", ".join(
        "%s %d" % (name, len(frame)) for name, frame in tables.items() if len(frame))))
    expected = generated.dumps() if args.check else None
    generated.close()

    def run(module, label):
        graph = timed(label, lambda: module.graph_from_frames(**tables))
        print("  path:", module._last_path)
        if expected is not None:
            print("  same graph as generated:", graph.dumps() == expected)
        graph.close()

    run(frames, "graph_from_frames")
    columns = timed("  of which: column buffers (Python)",
                    lambda: frames._column_tables(tables, None))
    graph = safeguard.Graph()
    timed("  of which: sg_graph_add_tables (library)", lambda: frames._add_tables(graph, columns))
    graph.close()
    del columns
    if args.before:
        spec = importlib.util.spec_from_file_location("safeguard._frames_before", args.before)
        before = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(before)
        run(before, "graph_from_frames, --before")


if __name__ == "__main__":
    main()
