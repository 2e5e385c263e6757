#!/usr/bin/env python3
"""Peer: the default rule pack (rules/default.toml) written out in plain Python, the way an
analyst would, evaluated per child over the fact documents `safeguard_bench --mode export`
writes. Prints the evaluation time and how many levels agree with safeguard's.

    /usr/bin/python3 bench/peers/pure_python.py facts.json [--json out.json] [--strict]

A child whose level differs from safeguard's is printed on stderr (the first few, then the
count); --strict also exits 1 then (the smoke test), while bench/run.sh lets bench/report.py
mark the peer's row missed.
"""
import argparse
import json
import sys
import time

LEVELS = [0, 4, 8, 16]  # universal, early help, child in need, child protection
ABUSE, NEGLECT, DOMESTIC, EXPLOITATION = range(4)
CHILD_PROTECTION = 3
OPEN_OR_CLOSED = ("open", "closed")
FAMILY = ("self", "sibling", "carer", "household", "partner", "involved")  # not peers
# The categories multi-agency-corroboration counts: the neglect index's and the carers'
# difficulties it reads (pack 0.3.0, issue 17).
CARE_CATEGORIES = ("school_attendance", "missed_health_appointments", "poor_presentation",
                   "substance_misuse", "mental_health", "housing_instability",
                   "parental_learning_disability")
SHOWN = 5  # disagreeing children printed


def concern_rule(categories, index, points, half_life, reach):
    return {"for": "concern", "categories": categories, "index": index, "points": points,
            "half_life": half_life, "reach": reach}


def factor_rule(kinds, index, points, cap, reach):
    return {"for": "factor", "kinds": kinds, "index": index, "points": points, "cap": cap,
            "reach": reach}


def child_rule(index, when, points):
    return {"for": "child", "index": index, "when": when, "points": points}


def within(item, days):
    return 0 <= item["age_days"] <= days


def family(child):
    return [c for c in child["concerns"] if any(r in FAMILY for r in c["roles"])]


def own(child):
    return [c for c in child["concerns"] if "self" in c["roles"]]


def path(concern):
    return next(role for role in concern["roles"] if role in FAMILY)


SELF = {"self": 1.0}
RULES = [
    concern_rule(("physical_injury", "non_accidental_injury"), ABUSE, lambda c: c["severity"] * 2,
                 365, {"self": 1.0, "sibling": 0.5}),
    concern_rule(("sexual_abuse",), ABUSE, lambda c: c["severity"] * 3, 730,
                 {"self": 1.0, "sibling": 0.5}),
    concern_rule(("emotional_abuse",), ABUSE, lambda c: c["severity"] * 1.5, 365, SELF),
    concern_rule(("school_attendance",), NEGLECT, lambda c: 2, 180, SELF),
    concern_rule(("missed_health_appointments",), NEGLECT, lambda c: 2, 180, SELF),
    concern_rule(("poor_presentation",), NEGLECT, lambda c: c["severity"] * 1.5, 180,
                 {"self": 1.0, "sibling": 0.5}),
    concern_rule(("domestic_abuse",), DOMESTIC, lambda c: c["severity"] * 2, 365,
                 {"self": 1.0, "carer": 1.0, "household": 0.75, "involved": 1.0}),
    concern_rule(("missing_episode",), EXPLOITATION, lambda c: c["severity"] * 2, 180, SELF),
    concern_rule(("cse_indicator", "cce_indicator", "county_lines"), EXPLOITATION,
                 lambda c: c["severity"] * 2.5, 365, {"self": 1.0, "associate": 0.25}),
    concern_rule(("violent_offending",), ABUSE, lambda c: c["severity"] * 1.5, 730,
                 {"carer": 1.0, "household": 1.0, "involved": 1.0}),
    child_rule(NEGLECT, lambda ch: len({c["agency"] for c in family(ch)
                                        if within(c, 180) and c["status"] == "open"
                                        and c["category"] in CARE_CATEGORIES}) >= 3, 5),
    child_rule(DOMESTIC, lambda ch: sum(1 for c in family(ch) if c["category"] == "domestic_abuse"
                                        and c["status"] in OPEN_OR_CLOSED
                                        and within(c, 365)) >= 3, 6),
    concern_rule(("substance_misuse",), NEGLECT, lambda c: c["severity"] * 1.5, 365,
                 {"carer": 1.0, "household": 0.5}),
    concern_rule(("mental_health",), NEGLECT, lambda c: c["severity"], 365,
                 {"carer": 1.0, "household": 0.5}),
    concern_rule(("housing_instability",), NEGLECT, lambda c: 2, 180,
                 {"self": 1.0, "carer": 1.0, "household": 1.0}),
    child_rule(ABUSE, lambda ch: ch["age"] is not None and ch["age"] < 1 and any(
        within(c, 365) and c["status"] in OPEN_OR_CLOSED and c["severity"] >= 3
        for c in family(ch)), 3),
    child_rule(NEGLECT, lambda ch: "disability" in ch["flags"] and any(
        c["status"] in OPEN_OR_CLOSED and within(c, 365) for c in own(ch)), 2),
    # Categories added in pack 0.3.0 (issue 17).
    concern_rule(("female_genital_mutilation",), ABUSE, lambda c: c["severity"] * 3, 1825,
                 {"self": 1.0, "sibling": 1.0}),
    concern_rule(("honour_based_abuse",), ABUSE, lambda c: c["severity"] * 2.5, 730,
                 {"self": 1.0, "sibling": 0.5, "involved": 1.0}),
    concern_rule(("fabricated_or_induced_illness",), ABUSE, lambda c: c["severity"] * 3, 730,
                 {"self": 1.0, "sibling": 0.5}),
    concern_rule(("bruising_non_mobile_baby",), ABUSE, lambda c: c["severity"] * 3, 365,
                 {"self": 1.0, "sibling": 0.5}),
    concern_rule(("online_abuse",), ABUSE, lambda c: c["severity"] * 2, 365, SELF),
    concern_rule(("child_on_child_abuse",), ABUSE, lambda c: c["severity"] * 2, 365, SELF),
    concern_rule(("harmful_sexual_behaviour",), ABUSE, lambda c: c["severity"] * 1.5, 365, SELF),
    concern_rule(("radicalisation",), EXPLOITATION, lambda c: c["severity"] * 2, 365, SELF),
    concern_rule(("parental_learning_disability",), NEGLECT, lambda c: c["severity"], 365,
                 {"carer": 1.0}),
    factor_rule(("protective_adult", "kinship_support"), NEGLECT, lambda f: -f["strength"], 5,
                {"self": 1.0, "sibling": 1.0}),
    factor_rule(("early_help_engagement",), NEGLECT, lambda f: -2, 2, SELF),
    factor_rule(("safety_plan",), DOMESTIC, lambda f: -f["strength"] * 1.5, 6, SELF),
    child_rule(NEGLECT, lambda ch: ch["review_overdue"], 2),
]

OVERRIDES = [
    lambda ch: any(c["category"] == "sexual_abuse" and c["status"] == "open" for c in own(ch)),
    lambda ch: ch["age"] is not None and ch["age"] < 1 and any(
        c["category"] in ("physical_injury", "non_accidental_injury") and c["severity"] >= 4
        and c["status"] in OPEN_OR_CLOSED and within(c, 30) for c in own(ch)),
    # fgm-strategy-discussion: a family concern's path is the first family role it arrives by
    # (roles are listed in the library's role order: self, sibling, ...).
    lambda ch: any(c["category"] == "female_genital_mutilation" and c["status"] in OPEN_OR_CLOSED
                   and path(c) in ("self", "sibling") for c in family(ch)),
    lambda ch: any(c["category"] == "bruising_non_mobile_baby" and c["status"] in OPEN_OR_CLOSED
                   and within(c, 30) for c in own(ch)),
    lambda ch: ch["on_plan"],
]


def best_reach(rule, roles):
    return max((rule["reach"].get(role, 0.0) for role in roles), default=0.0)


def level_of(score):
    return max((level for level, minimum in enumerate(LEVELS) if score >= minimum), default=0)


def assess(child):
    scores = [0.0, 0.0, 0.0, 0.0]
    for rule in RULES:
        if rule["for"] == "child":
            if rule["when"](child):
                scores[rule["index"]] += rule["points"]
        elif rule["for"] == "concern":
            for c in child["concerns"]:
                if c["category"] in rule["categories"] and c["status"] in OPEN_OR_CLOSED:
                    reach = best_reach(rule, c["roles"])
                    if reach > 0:
                        decay = 0.5 ** (max(0, c["age_days"]) / rule["half_life"])
                        scores[rule["index"]] += rule["points"](c) * decay * reach
        else:
            values = [rule["points"](f) * best_reach(rule, f["roles"]) for f in child["factors"]
                      if f["kind"] in rule["kinds"] and f["active"]]
            total = sum(values)
            if abs(total) > rule["cap"]:
                total = sum(v * rule["cap"] / abs(total) for v in values)
            scores[rule["index"]] += total
    level = max(level_of(score) for score in scores)
    policy_minimum = CHILD_PROTECTION if any(o(child) for o in OVERRIDES) else -1
    level = max(level, policy_minimum)
    judgement = child["discretionary"]
    if judgement == "raise" and level < CHILD_PROTECTION:
        level += 1
    elif judgement == "lower" and level > 0 and level - 1 >= policy_minimum:
        level -= 1
    return level, sum(scores)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("facts")
    parser.add_argument("--json")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when any child's level differs from safeguard's")
    args = parser.parse_args()
    with open(args.facts) as f:
        children = json.load(f)["children"]
    start_cpu, start = time.process_time(), time.perf_counter()
    results = [assess(child) for child in children]
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
    missed = [(child["id"], child["level"], level) for child, (level, _) in zip(children, results)
              if level != child["level"]]
    figures = {"peer": "pure_python", "children": len(children), "cpu_s": cpu, "wall_s": wall,
               "levels_agree": len(children) - len(missed),
               "disagreements": [{"id": i, "safeguard": ours, "peer": theirs}
                                 for i, ours, theirs in missed[:SHOWN]]}
    for i, ours, theirs in missed[:SHOWN]:
        print(f"DISAGREE {i}: safeguard level {ours}, peer level {theirs}", file=sys.stderr)
    if missed:
        print(f"DISAGREE: levels differ for {len(missed)} of {len(children)} children",
              file=sys.stderr)
    print(json.dumps(figures))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
