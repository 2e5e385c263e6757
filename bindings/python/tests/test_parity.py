"""Parity with the C and C++ programs on the bundled example: the Python package must report
what examples/assess_c.c (C API) prints and what examples/assess_cpp.cpp (C++ API) explains,
for examples/data/families.json with rules/default.toml as of 2026-11-01."""

import json
import os
import re
import subprocess

import pytest

from conftest import AS_OF, DEFAULT_RULES, FAMILIES, ROOT

TOP_CONTRIBUTIONS = 3  # as in assess_c.c


def program(variable, name):
    path = os.environ.get(variable) or str(ROOT / "build" / "examples" / name)
    if not os.path.exists(path):
        pytest.skip("%s not built (CTest sets %s)" % (name, variable))
    return subprocess.run([path, str(FAMILIES), str(DEFAULT_RULES), AS_OF.isoformat()],
                          check=True, capture_output=True, text=True).stdout


def parse_assess_c(output):
    """{child id: (level, total text, [(index, score text)], [(value text, rule id)])}."""
    children = {}
    current = None
    for line in output.splitlines():
        head = re.match(r"^(\S+)  level: (\S+)  total: (\S+)", line)
        score = re.match(r"^    ([a-z_]\w*) +(-?[0-9]+\.[0-9]+)$", line)
        contribution = re.match(r"^ +([+-][0-9]+\.[0-9]+)  (\S+)", line)
        if head:
            current = children[head.group(1)] = (head.group(2), head.group(3), [], [])
        elif score:
            current[2].append((score.group(1), score.group(2)))
        elif contribution:
            current[3].append((contribution.group(1), contribution.group(2)))
    return children


def top_contributions(child):
    """The contributions assess_c.c shows: largest |value| first, the earliest on ties."""
    chosen = []
    for _ in range(min(TOP_CONTRIBUTIONS, len(child.contributions))):
        best, best_k = -1.0, None
        for k, c in enumerate(child.contributions):
            if k not in chosen and abs(c.value) > best:
                best, best_k = abs(c.value), k
        chosen.append(best_k)
    return [child.contributions[k] for k in chosen]


def test_parity_with_the_c_api_example(result, rules):
    output = program("SAFEGUARD_ASSESS_C", "assess_c")
    header = output.splitlines()[0]
    assert header == "Rule pack %s %s (sha256 %s...), as of %s: %d children" % (
        rules.id, rules.version, rules.hash[:12], AS_OF.isoformat(), len(result))
    printed = parse_assess_c(output)
    assert list(printed) == result.child_ids
    for child in result:
        level, total, scores, top = printed[child.id]
        assert level == child.level
        assert total == "%.2f" % child.total
        assert scores == [(i, "%.2f" % child.scores[i]) for i in result.index_ids]
        assert top == [
            ("%+.2f" % c.value, c.rule_id) for c in top_contributions(child)]


def test_parity_with_the_cpp_explanations(result):
    output = program("SAFEGUARD_ASSESS_CPP", "assess_cpp")
    assert output == "".join(result.explain(row) + "\n" for row in range(len(result)))


def test_json_explanation_matches_the_result_objects(result):
    for child in result:
        document = json.loads(result.explain(child.id, format="json", viewer="*"))
        assert document["total"] == child.total
        assert document["level"] == child.level
        assert {i["id"]: i["score"] for i in document["indices"]} == child.scores
        explained = sorted(
            (heading, c["rule"], c["index"], c["evidence"], c["source_agency"], c["via"],
             c["path"], c["restricted"], c["raw"], c["decay"], c["reach"], c["cap_factor"],
             c["value"])
            for heading, items in document["contributions"].items() for c in items)
        assert explained == sorted(
            (c.heading, c.rule_id, c.index_id, c.evidence_id, c.source_agency_id, c.via_id,
             c.path, c.restricted, c.raw, c.decay, c.reach, c.cap_factor, c.value)
            for c in child.contributions)
