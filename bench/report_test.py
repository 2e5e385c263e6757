#!/usr/bin/env python3
"""bench/report.py marks a peer's row missed when its levels differ from safeguard's for any
child, whatever its speed, and names the first disagreeing children; a peer that agrees on
every child and is fast enough is met. Figures are invented (no timing is measured here).

    /usr/bin/python3 bench/report_test.py
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def write(directory, name, figures):
    with open(os.path.join(directory, name), "w") as out:
        json.dump(figures, out)


def peer_rows(directory):
    table = subprocess.run([sys.executable, os.path.join(HERE, "report.py"), directory,
                            "--children", "1000000", "--peer-children", "1000"],
                           check=True, capture_output=True, text=True).stdout
    return {line.split(" | ")[0].removeprefix("| peer ").split(",")[0]: line
            for line in table.splitlines() if line.startswith("| peer ")}


def main():
    failures = []
    with tempfile.TemporaryDirectory() as d:
        write(d, "cpp-1000.json", {"children": 1000, "batch_cpu_s": 0.001})
        # Both far faster than their targets; one computes something else for two children.
        write(d, "peer-pure-python.json", {
            "peer": "pure_python", "children": 1000, "cpu_s": 1.0, "levels_agree": 998,
            "disagreements": [{"id": "C-0007", "safeguard": 3, "peer": 2},
                              {"id": "C-0042", "safeguard": 1, "peer": 0}]})
        write(d, "peer-zen.json", {
            "peer": "zen-engine", "children": 1000, "cpu_s": 1.0, "levels_agree": 1000,
            "disagreements": []})
        rows = peer_rows(d)
    python, zen = rows.get("pure_python", ""), rows.get("zen-engine", "")
    if not python.rstrip().endswith("| missed |"):
        failures.append(f"a peer agreeing on 998 of 1,000 children is not missed: {python!r}")
    for expected in ("LEVELS DIFFER for 2 children", "C-0007 safeguard 3 peer 2",
                     "C-0042 safeguard 1 peer 0"):
        if expected not in python:
            failures.append(f"the missed row does not say {expected!r}: {python!r}")
    if not zen.rstrip().endswith("| met |") or "DIFFER" in zen:
        failures.append(f"a peer agreeing on every child and fast enough is not met: {zen!r}")
    for failure in failures:
        print(failure, file=sys.stderr)
    print("report.py peer agreement:", "FAILED" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
