#!/usr/bin/python3
"""Writes the seed corpora in fuzz/corpus/<target>/ from the bundled examples and rule pack
plus hand-picked small inputs. Run from anywhere: /usr/bin/python3 fuzz/seeds.py. The output
is committed; rerun it when the formats grow."""
import json
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def write(target, name, data):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def case_files():
    data = os.path.join(ROOT, "examples/data")
    for name in sorted(os.listdir(data)):
        if name.endswith(".json"):
            with open(os.path.join(data, name), "rb") as f:
                write("case_file", name, f.read())
    small = {
        "schema_version": 1,
        "agencies": [{"id": "AG-9", "type": "health", "name": "Fictional Clinic"}],
        "households": [{"id": "HH-9"}],
        "persons": [
            {"id": "P-9A", "kind": "adult", "dob": "1985-12-31", "household": "HH-9"},
            {"id": "P-9C", "kind": "child", "dob": "2024-02-29", "household": "HH-9",
             "flags": ["disability", "looked_after"]},
        ],
        "places": [{"id": "PL-9", "kind": "park", "name": "Fictional Park"}],
        "groups": [{"id": "G-9", "kind": "peer_group"}],
        "concerns": [
            {"id": "C-9", "category": "neglect", "severity": 4, "incident": "2026-03-01",
             "recorded": "2026-03-02", "status": "closed", "source": "AG-9",
             "restricted": True, "about": ["P-9C"], "involves": ["P-9A"],
             "summary": "Fictional summary \u00e9\u4e2d"},
        ],
        "factors": [
            {"id": "F-9", "kind": "safety_plan", "strength": 5, "start": "2026-01-01",
             "end": "2026-12-31", "provided_by": "AG-9", "protects": ["P-9C"]},
        ],
        "relations": [
            {"kind": "parent_of", "from": "P-9A", "to": "P-9C"},
            {"kind": "frequents", "from": "P-9C", "to": "PL-9"},
            {"kind": "member_of", "from": "P-9C", "to": "G-9"},
            {"kind": "carer_of", "from": "P-9A", "to": "P-9C"},
        ],
    }
    write("case_file", "small.json", json.dumps(small, indent=1))
    # Entities that refer to the fuzzers' preloaded base case (P-1, P-2, AG-1, HH-1...).
    refers = {
        "schema_version": 1,
        "persons": [{"id": "P-4", "kind": "child", "household": "HH-1"}],
        "concerns": [{"id": "C-4", "category": "physical_injury", "severity": 5,
                      "recorded": "2026-10-01", "source": "AG-2", "about": ["P-2", "P-4"],
                      "involves": ["P-1"]}],
        "relations": [{"kind": "sibling_of", "from": "P-2", "to": "P-4"},
                      {"kind": "associate", "from": "P-3", "to": "P-4"}],
    }
    write("case_file", "refers-to-base.json", json.dumps(refers))
    write("case_file", "schema-only.json", '{"schema_version": 1}')
    write("case_file", "description.json", '{"schema_version": 1, "description": "x\\u0000y"}')
    # Tokens just past the 64 KiB string limit (docs/limits.md, "One long token"): the readers
    # step over the rest of a string past the limit, and stop a number there.
    limit = 64 * 1024
    write("case_file", "long-string-then-tab.json",
          '{"schema_version": 1, "description": "' + "x" * (limit + 1) + '\tx"}')
    write("case_file", "long-utf8-then-bad-escape.json",
          '{"schema_version": 1, "description": "' + "\u00e9" * (limit // 2 + 1) + '\\q"}')
    write("case_file", "long-key.json", '{"schema_version": 1, "' + "k" * (limit + 1) + '": 1}')
    write("case_file", "long-number.json",
          '{"schema_version": 1, "description": 1' + "0" * limit + "}")


def rule_packs():
    rules = os.path.join(ROOT, "rules")
    for name in sorted(os.listdir(rules)):
        if name.endswith(".toml"):
            with open(os.path.join(rules, name), "rb") as f:
                write("rule_pack", name, f.read())
    with open(os.path.join(rules, "default.toml"), "rb") as f:
        default = f.read()
    write("rule_pack", "minimal.toml", """[pack]
id = "min"
version = "1"
[[level]]
id = "low"
min = 0
[[level]]
id = "high"
min = 3
[[index]]
id = "risk"
thresholds = { high = 2.5 }
[[rule]]
id = "any-concern"
index = "risk"
heading = "harm"
for = "concern"
points = "concern.severity"
half_life_days = 90
cap = 10
reach = { self = 1.0, sibling = 0.5, household = 0.25, involved = 0.75 }
[[rule]]
id = "strength"
index = "risk"
heading = "strength"
for = "factor"
when = "factor.active"
points = -1.5
[[override]]
id = "baby"
reason = "infant with a serious concern"
when = 'child.age < 1 and count(concerns where concern.severity >= 4) >= 1'
min_level = "high"
immediate_safety = true
""")
    return default.decode()


def expressions(default_pack):
    # Scope byte: 0 child, 1 concern, 2 factor; +3 puts the text in points (a number).
    found = re.findall(r"^(when|points) = (\"[^\"\n]*\"|'[^'\n]*')", default_pack, re.M)
    seeds = []
    for key, quoted in found:
        seeds.append((key, quoted[1:-1]))
    extra = [
        ("when", 'distinct_agencies(family_concerns where within(180) and concern.status == "open") >= 3'),
        ("when", 'count(family_concerns where concern.category == "domestic_abuse" and within(365)) >= 3'),
        ("when", "child.age < 1 and count(concerns where concern.severity >= 4 and within(30)) >= 1"),
        ("points", "min(concern.severity * 2, 8)"),
        ("points", "sum(concerns, concern.severity where concern.restricted) / 2"),
        ("points", "max(factors, factor.strength where factor.active) - abs(-1.5e-3)"),
        ("when", 'not ("disability" in child.flags) or child.age_months >= 18'),
        ("points", "days_since_last(concerns where concern.path != \"self\")"),
        ("when", "concern.source_type not in ['police', 'health'] and concern.age_days <= 30"),
        ("when", "factor.kind == 'safety_plan' and factor.age_days > 7 and within(10)"),
    ]
    seeds += extra
    for n, (key, text) in enumerate(seeds):
        if "concern." in text and "concerns" not in text:
            scope = 1
        elif "factor." in text and "factors" not in text:
            scope = 2
        else:
            scope = 0
        choice = scope + (3 if key == "points" else 0)
        write("expr", "expr-%02d" % n, bytes([choice]) + text.encode())


def c_api_programs():
    # See fuzz_c_api.cpp: byte 0 bit 0 preloads the base case; then operation bytes (op % 12)
    # each followed by their argument bytes. Pools: ids P-1=0 P-2=1 P-3=2 P-4=3 C-1=4 C-2=5
    # C-3=6 F-1=7 F-2=8 AG-1=9 AG-2=10; dates None=0 2026-01-15=1 2026-11-01=4.
    programs = {
        "assess-explain": [1, 5, 4, 6, 0, 0, 0, 6, 1, 0, 0, 7, 0, 0, 0],
        "add-child-apply-assess": [1, 0, 0, 3, 0, 0, 1, 0, 3, 5, 4, 6, 1, 0, 1, 8],
        "add-concern": [1, 0, 3, 6, 2, 3, 1, 4, 0, 1, 9, 0, 1, 1, 0, 1, 3, 5, 4, 8],
        "erase-retract": [1, 0, 8, 2, 0, 7, 4, 3, 5, 4, 6, 0, 0, 0, 10, 0, 11, 0],
        "round-trip": [0, 8, 9, 2, 0x7B, 0x7D, 10, 1, 11, 0],
        # timeline.json, an event and a judgement, assess with each pack, query, calendar.
        "timeline": [2, 0, 11, 0, 0, 1, 1, 0, 0, 0, 12, 0, 1, 0, 4, 1, 1, 3, 5, 4, 0, 5, 4, 1,
                     7, 0, 0, 0, 12, 1, 1, 4, 3, 4, 1, 2, 3, 4, 0, 8],
        "peer-network": [3, 5, 4, 3, 7, 0, 0, 0, 6, 0, 0, 0, 7, 1, 2, 0, 8],
    }
    for name, program in programs.items():
        write("c_api", name, bytes(program))


def processes():
    """The bundled national process files (first byte 0: national) and a local file over
    England (first byte 1: local)."""
    directory = os.path.join(ROOT, "process")
    for name in sorted(os.listdir(directory)):
        if name.endswith(".toml"):
            with open(os.path.join(directory, name), "rb") as f:
                write("process", name, b"\x00" + f.read())
    write("process", "local.toml", b"\x01" + b"""[process]
extends = "england"
source = "Fictional Borough child protection procedures, 2026"

[[step]]
id = "cp_visit"
source = "Fictional Borough: children on a plan are seen at least every 15 working days"
enabled = true
due = { count = 15, unit = "working_days" }
""")


def stores():
    """Inputs for fuzz_store: rounds, then per round a statement, a row, a 32-bit value and a
    blob (fuzz_common.hpp's Reader). One seed per statement, with a small blob and value."""
    for statement in range(12):
        blob = bytes([1, 0, 2, 0x41, 0x42])
        write("store", "statement-%02d" % statement,
              bytes([0, statement, 1]) + struct.pack(">I", 7) + bytes([len(blob)]) + blob)
    write("store", "untouched", b"")


def cin_returns():
    # The hand-made census returns (well-formed ones; the malformed ones are tested directly).
    for name in ("full.xml", "findings.xml"):
        with open(os.path.join(ROOT, "tests/data/cin", name), "rb") as f:
            write("cin", name, f.read())
    write("cin", "minimal.xml", "<Message><Header><CollectionDetails><ReferenceDate>2025-03-31"
          "</ReferenceDate></CollectionDetails></Header><Children><Child><ChildIdentifiers>"
          "<LAchildID>P-1</LAchildID><PersonBirthDate>2015-01-01</PersonBirthDate>"
          "</ChildIdentifiers><CINdetails><CINreferralDate>2024-05-01</CINreferralDate>"
          "</CINdetails></Child></Children></Message>")
    # Markup the reader bounds before expat holds it (ReadLimits::max_markup_bytes, 64 KiB): a
    # '>' and the other quote inside attribute values, '<', '>' and dashes in a comment, '?' and
    # '>' in a PI, '<', '>' and ']]' in a CDATA section; then a tag one byte over the limit and
    # a comment that never ends (both refused).
    head = ("<?xml version=\"1.0\"?>\r\n<!-- a <comment> - with > -->\r\n<Message><Header>"
            "<CollectionDetails><ReferenceDate>2025-03-31</ReferenceDate></CollectionDetails>"
            "</Header><Children><Child><ChildIdentifiers><LAchildID>P-1</LAchildID>"
            "<PersonBirthDate>2015-01-01</PersonBirthDate></ChildIdentifiers>")
    tail = ("<CINdetails><CINreferralDate>2024-05-01</CINreferralDate></CINdetails></Child>"
            "</Children></Message>")
    write("cin", "markup-quotes.xml", head + "<Later a=\"'>\" b='\">'>x</Later><?pi ? > ?>"
          "<![CDATA[<a>]] ]>]]>" + tail)
    over = "<Later a=\"" + "v" * (65536 - len("<Later a=\"\">")) + "x\">"
    write("cin", "markup-tag-over-limit.xml", head + over + "x</Later>" + tail)
    write("cin", "markup-comment-unended.xml", head + "<!-- -- > ]]> " + "c" * 70000)


def audit_files():
    """The audit's files (first byte 0: outcomes, 1: groups, 2: rows) for children of
    examples/data/families.json; the rows file is what sg_result_audit_rows writes for it."""
    write("audit", "outcomes.csv", b"\x00# horizon: re-referral within 12 months\n"
          b"child_id,outcome\nP-ASH-C1,1\nP-ASH-C2,0\n")
    write("audit", "groups.csv", b"\x01child_id,area,decile\nP-ASH-C1,north,3\nP-ASH-C2,,7\n")
    rows = os.path.join(HERE, "corpus", "audit", "rows.csv")
    if not os.path.exists(rows):
        raise SystemExit("fuzz/corpus/audit/rows.csv is made from the library "
                         "(safeguard.audit.result_rows on families.json at 2026-11-01)")


if __name__ == "__main__":
    audit_files()
    stores()
    processes()
    cin_returns()
    case_files()
    expressions(rule_packs())
    c_api_programs()
