"""Assesses a caseload held in CSV files at two dates and prints the children whose level
rose between them, with the reasons: the evidence that is new or counts for more, and any
policy override that now applies.

    /usr/bin/python3 examples/python/rising_levels.py [DATA_DIR]
        [--previous 2026-08-01] [--as-of 2026-11-01] [--rules rules/default.toml]

DATA_DIR holds agencies.csv, persons.csv, concerns.csv, factors.csv and relations.csv
(default: examples/python/data, a fictional caseload). Restricted evidence is shown as
"restricted source", as for a viewer not cleared for it.
"""

import argparse
import datetime
import pathlib
import sys

import pandas

import safeguard
from safeguard import frames

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TABLES = ("agencies", "persons", "concerns", "factors", "relations")


def read_caseload(directory):
    """The CSV files as DataFrames; every column is read as text and converted by
    safeguard.frames (dates, ';'-separated lists, true/false). Rows are labelled by their line
    in the file, so an error such as "(concerns row 8)" points at line 8 of concerns.csv."""
    tables = {}
    for name in TABLES:
        path = directory / (name + ".csv")
        if path.exists():
            frame = pandas.read_csv(path, dtype=str, keep_default_na=False)
            frame.index = pandas.RangeIndex(2, len(frame) + 2)  # line 1 is the header
            tables[name] = frame
    return tables


def reasons(before, now, child_id):
    """The contributions to a child that are new or larger now, largest increase first."""
    key = ["index_id", "rule_id", "evidence_id", "path"]
    old = before[before.child_id == child_id].fillna({"evidence_id": ""})
    new = now[now.child_id == child_id].fillna({"evidence_id": ""})
    merged = new.merge(old[key + ["value"]], on=key, how="left", suffixes=("", "_before"))
    merged["value_before"] = merged["value_before"].fillna(0.0)
    merged["increase"] = merged["value"] - merged["value_before"]
    return merged[merged.increase > 0.005].sort_values("increase", ascending=False)


def describe(row, previous):
    if row.restricted:
        evidence = "restricted source"
    elif row.evidence_id:
        evidence = "%s from %s" % (row.evidence_id, row.source_agency_id)
    else:
        evidence = "the child's own record"
    via = "" if row.path == "self" else ", through %s" % row.path
    change = ("new since %s" % previous if row.value_before == 0.0
              else "was %+.2f" % row.value_before)
    return "    %+6.2f  %-28s %s%s (%s)" % (row.value, row.rule_id, evidence, via, change)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=pathlib.Path, default=HERE / "data")
    parser.add_argument("--previous", type=datetime.date.fromisoformat,
                        default=datetime.date(2026, 8, 1))
    parser.add_argument("--as-of", type=datetime.date.fromisoformat,
                        default=datetime.date(2026, 11, 1))
    parser.add_argument("--rules", type=pathlib.Path, default=ROOT / "rules" / "default.toml")
    args = parser.parse_args(argv)

    try:
        with frames.graph_from_frames(**read_caseload(args.data)) as graph, \
                safeguard.RuleSet.load(args.rules) as rules:
            before = graph.assess(rules, args.previous)
            now = graph.assess(rules, args.as_of)
    except safeguard.SafeguardError as error:
        print("error: %s" % error, file=sys.stderr)
        return 1

    levels = pandas.DataFrame({"before": before.to_frame()["level"],
                               "now": now.to_frame()["level"]})
    totals = pandas.DataFrame({"before": before.to_frame()["total"],
                               "now": now.to_frame()["total"]})
    rose = levels[levels.now > levels.before]
    print("%d children assessed with %s %s, as of %s and %s"
          % (len(levels), now.rules_id, now.rules_version, args.previous, args.as_of))
    print("%d rose:\n" % len(rose))

    contributions_before = before.contributions_frame()
    contributions_now = now.contributions_frame()
    for child_id, row in rose.iterrows():
        print("%s  %s -> %s  (total %.2f -> %.2f)"
              % (child_id, row.before, row.now, totals.before[child_id], totals.now[child_id]))
        for reason in reasons(contributions_before, contributions_now, child_id).itertuples():
            print(describe(reason, args.previous))
        earlier = {o.id for o in before[child_id].overrides}
        for override in now[child_id].overrides:
            if override.id not in earlier:
                print("    policy override %s: %s" % (override.id, override.reason))
        if now[child_id].immediate_safety:
            print("    IMMEDIATE SAFETY: act today")
        print()
    unchanged = levels[levels.now <= levels.before]
    print("Level not higher: " + ", ".join(
        "%s (%s)" % (child_id, row.now) for child_id, row in unchanged.iterrows()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
