#!/usr/bin/python3
"""Differential test: safeguard's propagation solver against networkx's Katz centrality.

For random fictional case graphs (children, adults, places, groups joined by every declarable
relation, concerns about any of them) and random [propagation] settings, the network score of
every node printed by propagation_driver must agree with

    networkx.katz_centrality(G, alpha, beta=own scores, normalized=False, weight="weight")

to 1e-9 relative. networkx iterates x_i = alpha * sum_j A[j][i] x_j + beta_i over in-edges, so
each weight W[i][j] that node i takes from neighbour j becomes the edge j -> i. W is rebuilt here
from the documented definition (docs/rules.md, "Propagation"), not read from the library, and
beta from the concerns (severity, halved every half-life), so the whole path from case file to
solution is checked.

Usage: katz_networkx.py --driver PATH [--cases N] [--seed S] [--workdir DIR]
"""
import argparse
import datetime
import json
import math
import os
import random
import subprocess
import sys

import networkx as nx

AS_OF = datetime.date(2026, 11, 1)
HALF_LIFE = 200.0
KINDS = ["parent_of", "carer_of", "sibling_of", "partner_of", "associate", "member_of", "frequents"]
SYMMETRIC = {"sibling_of", "partner_of", "associate"}
RELATIVE_TOLERANCE = 1e-9


def random_case(rng):
    """A random case file (dict), the relations as (kind, from, to) and each node's own score."""
    children = [f"P-RND-C{i}" for i in range(rng.randint(4, 60))]
    adults = [f"P-RND-A{i}" for i in range(rng.randint(0, 20))]
    places = [f"PL-RND-{i}" for i in range(rng.randint(0, 5))]
    groups = [f"G-RND-{i}" for i in range(rng.randint(0, 4))]
    persons = children + adults
    nodes = persons + places + groups
    relations, seen = [], set()

    def relate(kind, a, b):
        key = (kind, a, b) if kind not in SYMMETRIC else (kind,) + tuple(sorted((a, b)))
        if a == b or key in seen:
            return
        seen.add(key)
        relations.append((kind, a, b))

    density = rng.uniform(0.5, 3.0)
    for _ in range(int(density * len(persons))):
        relate("associate", rng.choice(persons), rng.choice(persons))
    for _ in range(int(density * len(children) / 3)):
        relate("sibling_of", rng.choice(children), rng.choice(children))
    if adults:
        for _ in range(int(density * len(adults) / 2)):
            relate("partner_of", rng.choice(adults), rng.choice(adults))
        for child in children:
            if rng.random() < 0.7:
                relate(rng.choice(["parent_of", "carer_of"]), rng.choice(adults), child)
    for person in persons:
        if places and rng.random() < 0.6:
            relate("frequents", person, rng.choice(places))
        if groups and rng.random() < 0.4:
            relate("member_of", person, rng.choice(groups))

    concerns, own = [], {node: 0.0 for node in nodes}
    for node in nodes:
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
            severity = rng.randint(1, 5)
            age = rng.randint(0, 400)
            concerns.append({
                "id": f"C-RND-{len(concerns)}", "category": "cce", "severity": severity,
                "recorded": (AS_OF - datetime.timedelta(days=age)).isoformat(),
                "source": "AG-RND-POL", "about": [node]})
            own[node] += severity * 2.0 ** (-age / HALF_LIFE)
    case = {
        "schema_version": 1,
        "description": "random fictional network for the networkx differential test",
        "agencies": [{"id": "AG-RND-POL", "type": "police"}],
        "persons": [{"id": p, "kind": "child" if p in children else "adult"} for p in persons],
        "places": [{"id": p, "kind": "park"} for p in places],
        "groups": [{"id": g, "kind": "peer_group"} for g in groups],
        "concerns": concerns,
        "relations": [{"kind": k, "from": a, "to": b} for k, a, b in relations],
    }
    return case, nodes, relations, own


def weight_graph(nodes, relations, weights, normalise):
    """networkx DiGraph with edge j -> i carrying W[i][j], from the documented definition."""
    degree = {}  # (node, kind) -> number of that node's links of that kind
    for kind, a, b in relations:
        for end in (a, b):
            degree[(end, kind)] = degree.get((end, kind), 0) + 1
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    for kind, a, b in relations:
        w = weights.get(kind, 0.0)
        if w == 0:
            continue
        for i, j in ((a, b), (b, a)):  # node i takes from neighbour j
            share = w / degree[(i, kind)] if normalise == "per_type" else w
            if graph.has_edge(j, i):
                graph[j][i]["weight"] += share
            else:
                graph.add_edge(j, i, weight=share)
    return graph


def spectral_radius(graph, iterations=5000):
    """Upper bound on rho(W) by power iterations on W + I (Collatz-Wielandt)."""
    x = {n: 1.0 for n in graph}
    upper = math.inf
    for _ in range(iterations):
        y = {n: 0.0 for n in graph}
        for j, i, data in graph.edges(data=True):
            y[i] += data["weight"] * x[j]
        upper = min(upper, max(y[n] / x[n] for n in graph))
        z = {n: y[n] + x[n] for n in graph}
        top = max(z.values())
        x = {n: max(z[n] / top, 1e-100) for n in graph}
    return upper


def random_pack(rng, graph_builder, diverge=False):
    """A random pack; with `diverge`, an unnormalised one whose alpha x rho(W) is 1.15."""
    normalise = "none" if diverge else rng.choice(["per_type", "none"])
    chosen = rng.sample(KINDS, rng.randint(1, len(KINDS)))
    weights = {kind: round(rng.uniform(0.05, 1.0), 3) for kind in chosen}
    graph = graph_builder(weights, normalise)
    if normalise == "per_type":
        alpha = rng.uniform(0.1, 0.95) / sum(weights.values())
    else:
        rows = {n: 0.0 for n in graph}
        for _, i, data in graph.edges(data=True):
            rows[i] += data["weight"]
        bound = max(rows.values(), default=0.0)
        if diverge:
            alpha = 1.15 / max(spectral_radius(graph), 1e-9)
        elif rng.random() < 0.5 or bound == 0:
            alpha = rng.uniform(0.1, 0.9) / max(bound, 1.0)  # certified by the row sums
        else:
            alpha = 0.85 / max(spectral_radius(graph), 1e-9)  # only the power iterations can tell
    alpha = max(min(round(alpha, 6), 0.95), 1e-6)
    if normalise == "none" and not diverge:
        alpha = min(alpha, 0.95 / max(weights.values()))
    weight_text = ", ".join(f"{k} = {w!r}" for k, w in weights.items())
    pack = f"""[pack]
id = "katz-differential"
version = "1"

[[level]]
id = "low"
min = 0

[[index]]
id = "exploitation"

[[rule]]
id = "cce"
index = "exploitation"
heading = "danger"
for = "concern"
when = 'concern.category == "cce"'
points = "concern.severity"
half_life_days = {HALF_LIFE}

[propagation]
indices = ["exploitation"]
alpha = {alpha!r}
normalise = "{normalise}"
weights = {{ {weight_text} }}
association_cap = 1
tolerance = 1e-15
max_iterations = 100000
"""
    return pack, alpha, weights, normalise, graph


def write_inputs(workdir, name, case, pack):
    case_path = os.path.join(workdir, f"case-{name}.json")
    pack_path = os.path.join(workdir, f"pack-{name}.toml")
    with open(case_path, "w") as out:
        json.dump(case, out, indent=1)
    with open(pack_path, "w") as out:
        out.write(pack)
    return case_path, pack_path


def run_divergent_case(index, rng, driver, workdir):
    """An unnormalised pack whose alpha x rho(W) is 1.15 on this graph must be refused."""
    for _ in range(100):
        case, nodes, relations, _ = random_case(rng)
        pack, alpha, weights, _, graph = random_pack(
            rng, lambda w, n: weight_graph(nodes, relations, w, n), diverge=True)
        if (graph.number_of_edges() > 0 and alpha * max(weights.values()) < 1
                and alpha * spectral_radius(graph) >= 1.05):
            break
    else:
        return [f"divergent case {index}: no suitable random graph"]
    case_path, pack_path = write_inputs(workdir, f"divergent-{index}", case, pack)
    run = subprocess.run([driver, case_path, pack_path, AS_OF.isoformat()],
                         capture_output=True, text=True)
    print(f"divergent case {index}: {len(nodes)} nodes, alpha {alpha}: exit {run.returncode}, "
          f"{run.stderr.strip()[:160]}")
    if run.returncode != 1 or "would diverge on this graph" not in run.stderr:
        return [f"divergent case {index}: expected a refusal, got exit {run.returncode}"]
    return []


def run_case(index, rng, driver, workdir):
    case, nodes, relations, own = random_case(rng)
    pack, alpha, weights, normalise, graph = random_pack(
        rng, lambda w, n: weight_graph(nodes, relations, w, n))
    case_path, pack_path = write_inputs(workdir, str(index), case, pack)
    run = subprocess.run([driver, case_path, pack_path, AS_OF.isoformat()],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return [f"case {index}: driver failed ({run.returncode}): {run.stderr.strip()}"]
    ours, own_scores = {}, {}
    for line in run.stdout.splitlines()[1:]:
        node, _, own_score, score = line.split("\t")
        own_scores[node] = float(own_score)
        ours[node] = float(score)
    expected = nx.katz_centrality(graph, alpha=alpha, beta=own, max_iter=100000, tol=1e-15,
                                  normalized=False, weight="weight")
    failures = []
    if set(ours) != set(nodes):
        failures.append(f"case {index}: driver printed {len(ours)} nodes, expected {len(nodes)}")
        return failures

    def relative(a, b):
        return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))

    worst = 0.0
    for node in nodes:
        if relative(own_scores[node], own[node]) > 1e-12:
            failures.append(f"case {index}: own score of {node}: {own_scores[node]!r} vs "
                            f"{own[node]!r}")
        error = relative(ours[node], expected[node])
        worst = max(worst, error)
        if error > RELATIVE_TOLERANCE:
            failures.append(f"case {index} ({normalise}, alpha {alpha}): {node}: safeguard "
                            f"{ours[node]!r}, networkx {expected[node]!r}, relative {error:.3g}")
    rows = {n: 0.0 for n in graph}
    for _, i, data in graph.edges(data=True):
        rows[i] += data["weight"]
    certified = "row sums" if alpha * max(rows.values(), default=0.0) < 1 else "power iterations"
    print(f"case {index}: {len(nodes)} nodes, {graph.number_of_edges()} weighted edges, "
          f"{normalise}, alpha {alpha} (certified by {certified}), worst relative difference "
          f"{worst:.3g}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--driver", required=True)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--divergent-cases", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument("--workdir", default="katz-networkx")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    rng = random.Random(args.seed)
    failures = []
    for index in range(args.cases):
        failures += run_case(index, rng, args.driver, args.workdir)
    for index in range(args.divergent_cases):
        failures += run_divergent_case(index, rng, args.driver, args.workdir)
    for failure in failures[:50]:
        print("FAIL", failure)
    print(f"{args.cases} random graphs and {args.divergent_cases} divergent ones, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
