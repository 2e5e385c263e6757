#!/usr/bin/python3
"""Python's graph from DataFrames (frames.graph_from_frames) at N generated children.

Generates a caseload in memory (Graph.generate(N, seed=1)), takes its tables with
graph_to_frames (not timed), then times graph_from_frames once: wall and CPU, and the part
spent making the column buffers in Python apart from the library's sg_graph_add_tables. With
--before, the same tables also go through another version of safeguard/frames.py (for example
the one-document path: `git show 3c0b7aa:bindings/python/safeguard/frames.py > old.py`), loaded
into this package. With --check, each graph built is compared, byte for byte, with the
generated one. Issue 19's target: 1,000,000 children in 10 s.

graph_to_frames at a million children takes about 40 s and 5 GB above the graph (it held the
whole graph as Python dicts, about 20 GB, before it read sg_graph_tables), so --copies K builds the tables of N children once and repeats them K times, each copy's
ids suffixed with its number: N x K children in K disjoint families of caseloads, the tables'
shape and types as graph_to_frames makes them. --check compares only an uncopied graph.

usage: SAFEGUARD_LIBRARY=build/libsafeguard.so PYTHONPATH=bindings/python \\
       /usr/bin/python3 bench/graph_from_frames.py --children N [--copies K] [--before old.py]
       [--check]
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


# The columns that hold ids (or lists of them), suffixed in each copy.
ID_COLUMNS = {"id", "household", "source", "provided_by", "from", "to", "child", "about",
              "involves", "protects"}


def copied(frame, copies):
    import pandas

    parts = []
    for k in range(copies):
        part = frame.copy()
        suffix = "-%d" % k
        for column in part.columns:
            if column not in ID_COLUMNS:
                continue
            values = part[column].to_numpy(dtype=object)
            part[column] = [None if v is None else [i + suffix for i in v] if isinstance(v, list)
                            else v + suffix for v in values]
        parts.append(part)
    return pandas.concat(parts, ignore_index=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100000)
    parser.add_argument("--before", help="another frames.py to time on the same tables")
    parser.add_argument("--copies", type=int, default=1, help="repeat the tables this often")
    parser.add_argument("--check", action="store_true", help="compare the graphs built")
    args = parser.parse_args()
    warnings.simplefilter("ignore", safeguard.VocabularyWarning)

    generated = safeguard.Graph.generate(args.children, seed=1)
    tables = frames.graph_to_frames(generated)
    print("%d children: %s" % (args.children, ", ".join(
        "%s %d" % (name, len(frame)) for name, frame in tables.items() if len(frame))))
    expected = generated.dumps() if args.check and args.copies == 1 else None
    generated.close()
    if args.copies > 1:
        tables = {name: copied(frame, args.copies) for name, frame in tables.items()}
        print("copied %d times: %s" % (args.copies, ", ".join(
            "%s %d" % (name, len(frame)) for name, frame in tables.items() if len(frame))))

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
