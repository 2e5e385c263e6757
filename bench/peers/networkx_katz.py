#!/usr/bin/env python3
"""Peer: the propagation step in networkx, as an analyst would run it. Reads the system that
`safeguard_bench --mode network` writes (each network node's own score s on the exploitation
index, the edges of W, alpha, and safeguard's solution r), solves r = s + alpha W r with

    networkx.katz_centrality(G, alpha, beta=s, normalized=False, weight="weight")

and checks every node against safeguard's r to 1e-9 relative (of the largest score). Only the
solve is timed (CPU time of this thread), not reading the file or building the graph, just as
safeguard's figure is W's construction plus its solve.

    /usr/bin/python3 bench/peers/networkx_katz.py network.txt [--json out.json]
"""
import argparse
import json
import time

import networkx as nx

RELATIVE_TOLERANCE = 1e-9


def read_system(path):
    with open(path) as text:
        header = text.readline().split()
        nodes, edges, alpha = int(header[1]), int(header[3]), float(header[5])
        s = [float(text.readline()) for _ in range(nodes)]
        graph = nx.DiGraph()
        graph.add_nodes_from(range(nodes))
        for _ in range(edges):
            j, i, w = text.readline().split()
            graph.add_edge(int(j), int(i), weight=float(w))  # i takes w x r[j]
        ours = [float(text.readline()) for _ in range(nodes)]
    return graph, alpha, s, ours


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("network")
    parser.add_argument("--json")
    args = parser.parse_args()
    graph, alpha, s, ours = read_system(args.network)
    beta = dict(enumerate(s))
    start_cpu, start_wall = time.thread_time(), time.perf_counter()
    # tol is per node on the summed absolute change: far tighter than the comparison needs.
    theirs = nx.katz_centrality(graph, alpha=alpha, beta=beta, normalized=False,
                                weight="weight", tol=1e-13, max_iter=100000)
    cpu, wall = time.thread_time() - start_cpu, time.perf_counter() - start_wall
    scale = max(max(ours), 1e-300)
    worst = max(abs(theirs[n] - ours[n]) / scale for n in range(len(ours)))
    agree = worst <= RELATIVE_TOLERANCE
    print(f"networkx {nx.__version__} katz_centrality: {graph.number_of_nodes()} nodes, "
          f"{graph.number_of_edges()} edges, {cpu:.3f} s CPU ({wall:.3f} s wall); "
          f"largest difference from safeguard {worst:.2e} of the largest score "
          f"({'agrees' if agree else 'DISAGREES'} to {RELATIVE_TOLERANCE:g})")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"cpu_s": cpu, "wall_s": wall, "nodes": graph.number_of_nodes(),
                       "edges": graph.number_of_edges(), "max_relative_difference": worst,
                       "agrees": agree, "networkx": nx.__version__}, out, indent=1)
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
