"""The Python quick start: assess the bundled fictional families with the default rule pack
as of 2026-11-01, print one row per child, the score matrix, and one child's explanation.

    PYTHONPATH=bindings/python /usr/bin/python3 examples/python/quickstart.py
"""

import datetime
import pathlib

import safeguard

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent

with safeguard.Graph.from_file(ROOT / "examples" / "data" / "families.json") as graph, \
        safeguard.RuleSet.load(ROOT / "rules" / "default.toml") as rules:
    result = graph.assess(rules, as_of=datetime.date(2026, 11, 1))

# The result keeps what it needs: the graph and rule pack are closed by now.
for child in result:
    print("%-9s %-14s total %6.2f" % (child.id, child.level, child.total))
print()
print("scores (children x %s):" % ", ".join(result.index_ids))
print(result.scores)  # a numpy view of the library's memory, no copy
print()
print(result.to_frame()[["level", "total", "neglect", "domestic_abuse"]])
print()
print(result.explain("P-ASH-C1"))
