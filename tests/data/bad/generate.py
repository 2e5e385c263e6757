#!/usr/bin/python3
"""Writes the bad-input corpus: malformed case files (case/), rule packs (pack/) and rule
expressions (expr/), and manifest.tsv saying, for each, the status it must fail with, where the
message must point (line: file:line:column; entity: an entity id; file: the file alone, for
whole-file errors) and a fragment of the message. tests/system/test_bad_inputs.cpp loads every one
into a graph or next to a pack that already holds data and checks all of that, plus that the
existing data is unchanged. The files are committed; rerun this after changing it:
    /usr/bin/python3 tests/data/bad/generate.py
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
rows = []
for _kind in ["case", "pack", "expr"]:
    shutil.rmtree(os.path.join(HERE, _kind), ignore_errors=True)


def put(kind, name, content, status, place, fragment, extra=()):
    directory = os.path.join(HERE, kind)
    os.makedirs(directory, exist_ok=True)
    n = sum(1 for r in rows if r[0].startswith(kind + "/")) + 1
    ext = {"case": "json", "pack": "toml", "expr": "txt"}[kind]
    path = "%s/%03d-%s.%s" % (kind, n, name, ext)
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    with open(os.path.join(HERE, path), "wb") as f:
        f.write(content)
    assert "\t" not in fragment
    rows.append((path, status, place, fragment) + tuple(extra))


# ---- Case files -------------------------------------------------------------------------------
# The test loads each into a graph already holding examples/data/families.json, so these refer
# to its ids (AG-SCH-01, P-ASH-M, P-ASH-C1, HH-ASH...) where they need existing entities.

def case(name, doc, status, place, fragment):
    text = doc if isinstance(doc, (str, bytes)) else json.dumps(doc, indent=2, ensure_ascii=False)
    put("case", name, text, status, place, fragment)


def entities(**lists):
    doc = {"schema_version": 1}
    doc.update(lists)
    return doc


AGENCY = {"id": "AG-BAD-1", "type": "school", "name": "Fictional School"}
PERSON = {"id": "P-BAD-C1", "kind": "child", "dob": "2019-05-04", "household": "HH-ASH"}
CONCERN = {"id": "C-BAD-1", "category": "neglect", "severity": 3, "incident": "2026-09-01",
           "recorded": "2026-09-02", "status": "open", "source": "AG-SCH-01",
           "about": ["P-ASH-C1"], "involves": ["P-ASH-P"], "summary": "Fictional"}
FACTOR = {"id": "F-BAD-1", "kind": "safety_plan", "strength": 3, "start": "2026-01-01",
          "end": "2026-12-31", "provided_by": "AG-SCH-01", "protects": ["P-ASH-C1"]}
PLACE = {"id": "PL-BAD-1", "kind": "park", "name": "Fictional Park"}
GROUP = {"id": "G-BAD-1", "kind": "peer_group"}
RELATION = {"kind": "sibling_of", "from": "P-ASH-C1", "to": "P-BIR-C1"}
KINDS = {"agencies": AGENCY, "persons": PERSON, "concerns": CONCERN, "factors": FACTOR,
         "places": PLACE, "groups": GROUP, "relations": RELATION}


def with_field(list_name, **changes):
    item = dict(KINDS[list_name])
    for key, value in changes.items():
        if value is DROP:
            item.pop(key, None)
        else:
            item[key] = value
    return entities(**{list_name: [item]})


DROP = object()

# Syntax: JSON that is not JSON.
valid = json.dumps(entities(persons=[PERSON]), indent=2)
case("empty", "", "SG_E_PARSE", "line", "")
case("whitespace-only", "  \n\t\n", "SG_E_PARSE", "line", "")
case("truncated-object", valid[: len(valid) // 2], "SG_E_PARSE", "line", "")
case("truncated-string", '{"schema_version": 1, "description": "unfinished', "SG_E_PARSE", "line", "")
case("trailing-comma", '{"schema_version": 1, "persons": [],}', "SG_E_PARSE", "line", "")
case("missing-colon", '{"schema_version" 1}', "SG_E_PARSE", "line", "")
case("unquoted-key", '{schema_version: 1}', "SG_E_PARSE", "line", "")
case("single-quotes", "{'schema_version': 1}", "SG_E_PARSE", "line", "")
case("comment", '{"schema_version": 1 // one\n}', "SG_E_PARSE", "line", "")
case("nan-literal", '{"schema_version": NaN}', "SG_E_PARSE", "line", "")
case("raw-control-char", '{"schema_version": 1, "description": "a\x01b"}', "SG_E_PARSE", "line", "")
case("bad-escape", '{"schema_version": 1, "description": "\\q"}', "SG_E_PARSE", "line", "")
case("lone-surrogate-escape", '{"schema_version": 1, "description": "\\ud800"}', "SG_E_PARSE", "line", "")
case("two-documents", '{"schema_version": 1}\n{"schema_version": 1}', "SG_E_PARSE", "line", "")
case("unclosed-array", '{"schema_version": 1, "persons": [', "SG_E_PARSE", "line", "")
case("extra-close", '{"schema_version": 1}}', "SG_E_PARSE", "line", "")
case("leading-zero", '{"schema_version": 01}', "SG_E_PARSE", "line", "")
case("hex-number", '{"schema_version": 0x1}', "SG_E_PARSE", "line", "")
case("invalid-utf8-in-string", b'{"schema_version": 1, "description": "caf\xc3"}', "SG_E_ENCODING", "line", "UTF-8")
case("invalid-utf8-overlong", b'{"schema_version": 1, "description": "\xc0\xaf"}', "SG_E_ENCODING", "line", "UTF-8")
case("invalid-utf8-surrogate", b'{"schema_version": 1, "description": "\xed\xa0\x80"}', "SG_E_ENCODING", "line", "UTF-8")
case("invalid-utf8-in-key", b'{"schema_version": 1, "\xff": 1}', "SG_E_ENCODING", "line", "UTF-8")
case("duplicate-top-key", '{"schema_version": 1, "persons": [], "persons": []}', "SG_E_DUPLICATE", "line", 'duplicate key "persons"')
case("duplicate-entity-key", '{"schema_version": 1, "persons": [{"id": "P-BAD-D", "id": "P-BAD-E", "kind": "child"}]}', "SG_E_DUPLICATE", "line", 'duplicate key "id"')

# Document shape.
case("top-level-array", "[]", "SG_E_TYPE", "line", "must be a JSON object")
case("top-level-string", '"case"', "SG_E_TYPE", "line", "must be a JSON object")
case("top-level-number", "1", "SG_E_TYPE", "line", "must be a JSON object")
case("missing-schema-version", {"persons": []}, "SG_E_VERSION", "line", 'missing "schema_version"')
case("schema-version-2", {"schema_version": 2}, "SG_E_VERSION", "line", "schema_version must be 1")
case("schema-version-0", {"schema_version": 0}, "SG_E_VERSION", "line", "schema_version must be 1")
case("schema-version-string", {"schema_version": "1"}, "SG_E_VERSION", "line", "schema_version must be 1")
case("schema-version-float", {"schema_version": 1.5}, "SG_E_VERSION", "line", "schema_version must be 1")
case("unknown-top-field", {"schema_version": 1, "children": []}, "SG_E_INVALID_DATA", "line", 'unknown field "children"')
case("description-number", {"schema_version": 1, "description": 7}, "SG_E_TYPE", "line", "description must be a string")
for list_name in ["agencies", "households", "persons", "places", "groups", "concerns", "factors", "relations"]:
    case(list_name + "-not-array", {"schema_version": 1, list_name: {}}, "SG_E_TYPE", "line",
         '"%s" must be an array' % list_name)
    case(list_name + "-item-not-object", {"schema_version": 1, list_name: ["P-1"]}, "SG_E_TYPE", "line",
         "expected an object")
for list_name in ["agencies", "persons", "places", "groups", "concerns", "factors", "relations"]:
    case(list_name + "-unknown-field", with_field(list_name, colour="red"), "SG_E_INVALID_DATA", "line",
         'unknown field "colour"')
case("households-unknown-field", {"schema_version": 1, "households": [{"id": "HH-BAD", "size": 3}]},
     "SG_E_INVALID_DATA", "line", 'unknown field "size"')

# Required fields and types, per entity kind.
for list_name, fields in [("agencies", ["id", "type"]), ("persons", ["id", "kind"]),
                          ("places", ["id", "kind"]), ("groups", ["id", "kind"]),
                          ("concerns", ["id", "category", "severity", "recorded", "source"]),
                          ("factors", ["id", "kind", "strength"]),
                          ("relations", ["kind", "from", "to"])]:
    for field in fields:
        case("%s-missing-%s" % (list_name, field), with_field(list_name, **{field: DROP}),
             "SG_E_INVALID_DATA", "line", 'missing "%s"' % field)
for list_name, field, value, fragment in [
        ("agencies", "id", 7, '"id" must be a string'),
        ("agencies", "name", ["x"], '"name" must be a string'),
        ("persons", "dob", 20190504, '"dob" must be a date string'),
        ("persons", "flags", "disability", '"flags" must be an array of strings'),
        ("persons", "flags", ["disability", 3], '"flags" must hold only strings'),
        ("persons", "household", True, '"household" must be a string'),
        ("concerns", "severity", "3", '"severity" must be a whole number'),
        ("concerns", "severity", 2.5, '"severity" must be a whole number'),
        ("concerns", "restricted", "yes", '"restricted" must be true or false'),
        ("concerns", "about", "P-ASH-C1", '"about" must be an array of strings'),
        ("concerns", "involves", [None], '"involves" must hold only strings'),
        ("concerns", "summary", {"text": "x"}, '"summary" must be a string'),
        ("concerns", "recorded", 2026, '"recorded" must be a date string'),
        ("factors", "strength", True, '"strength" must be a whole number'),
        ("factors", "protects", [1], '"protects" must hold only strings'),
        ("relations", "from", None, 'missing "from"')]:
    status = "SG_E_INVALID_DATA" if fragment.startswith("missing") else "SG_E_TYPE"
    case("%s-%s-wrong-type" % (list_name, field), with_field(list_name, **{field: value}), status,
         "line", fragment)

# Values out of range and impossible dates.
for label, date in [("feb-30", "2026-02-30"), ("feb-29-common-year", "2025-02-29"),
                    ("month-13", "2026-13-01"), ("month-0", "2026-00-10"), ("day-0", "2026-04-00"),
                    ("day-32", "2026-01-32"), ("short-year", "26-01-01"), ("slashes", "2026/01/01"),
                    ("empty", ""), ("time-included", "2026-01-01T10:00:00"), ("words", "yesterday"),
                    ("year-0", "0000-01-01"), ("year-10000", "10000-01-01"), ("apr-31", "2026-04-31")]:
    case("concern-recorded-" + label, with_field("concerns", recorded=date), "SG_E_INVALID_DATA",
         "line", '"recorded": ')
for field in ["incident"]:
    case("concern-incident-impossible", with_field("concerns", incident="2026-02-30"),
         "SG_E_INVALID_DATA", "line", '"incident": ')
case("person-dob-impossible", with_field("persons", dob="2023-02-29"), "SG_E_INVALID_DATA", "line", '"dob": ')
case("factor-start-impossible", with_field("factors", start="2026-06-31"), "SG_E_INVALID_DATA", "line", '"start": ')
case("factor-end-impossible", with_field("factors", end="2026-09-31"), "SG_E_INVALID_DATA", "line", '"end": ')
for severity in [0, 6, -1, 99]:
    case("concern-severity-%d" % severity, with_field("concerns", severity=severity),
         "SG_E_INVALID_DATA", "entity", "severity %d is outside 1-5" % severity)
case("concern-severity-huge", with_field("concerns", severity=10 ** 12), "SG_E_INVALID_DATA", "line",
     '"severity" is out of range')
for strength in [0, 6]:
    case("factor-strength-%d" % strength, with_field("factors", strength=strength),
         "SG_E_INVALID_DATA", "entity", "strength %d is outside 1-5" % strength)
case("person-kind-teen", with_field("persons", kind="teen"), "SG_E_INVALID_DATA", "line",
     'kind must be "child" or "adult"')
case("concern-status-pending", with_field("concerns", status="pending"), "SG_E_INVALID_DATA", "line",
     "status must be open, closed, unsubstantiated or retracted")
case("relation-kind-cousin", with_field("relations", kind="cousin_of"), "SG_E_INVALID_DATA", "line",
     'unknown relation kind "cousin_of"')
case("relation-kind-about", with_field("relations", kind="about"), "SG_E_INVALID_DATA", "entity", "")

# References the graph rejects (each names the entity and points at it in the file).
case("concern-unknown-source", with_field("concerns", source="AG-NOPE"), "SG_E_NOT_FOUND", "entity",
     "unknown source agency 'AG-NOPE'")
case("concern-source-is-person", with_field("concerns", source="P-ASH-M"), "SG_E_INVALID_DATA",
     "entity", "source agency 'P-ASH-M' is a person, not a agency")
case("concern-unknown-about", with_field("concerns", about=["P-NOPE"]), "SG_E_NOT_FOUND", "entity",
     "'P-NOPE'")
case("concern-about-empty", with_field("concerns", about=[]), "SG_E_INVALID_DATA", "entity",
     "a concern must be about at least one person")
case("concern-about-twice", with_field("concerns", about=["P-ASH-C1", "P-ASH-C1"]), "SG_E_DUPLICATE",
     "entity", "listed twice")
case("concern-involves-child", with_field("concerns", involves=["P-ASH-C2"]), "SG_E_INVALID_DATA",
     "entity", "is not an adult")
case("concern-involves-unknown", with_field("concerns", involves=["P-NOPE"]), "SG_E_NOT_FOUND",
     "entity", "unknown involved person 'P-NOPE'")
case("concern-incident-after-recorded", with_field("concerns", incident="2026-09-05"),
     "SG_E_INVALID_DATA", "entity", "is after the recorded date")
case("concern-empty-category", with_field("concerns", category=""), "SG_E_INVALID_DATA", "entity",
     "category is empty")
case("concern-id-exists", with_field("concerns", id="C-ASH-1"), "SG_E_DUPLICATE", "entity",
     "duplicate id 'C-ASH-1'")
case("concern-id-is-person", with_field("concerns", id="P-ASH-C1"), "SG_E_DUPLICATE", "entity",
     "duplicate id 'P-ASH-C1'")
case("factor-end-before-start", with_field("factors", start="2026-05-01", end="2026-04-01"),
     "SG_E_INVALID_DATA", "entity", "is before the start date")
case("factor-unknown-provider", with_field("factors", provided_by="AG-NOPE"), "SG_E_NOT_FOUND",
     "entity", "unknown provider 'AG-NOPE'")
case("factor-provider-is-concern", with_field("factors", provided_by="C-ASH-1"), "SG_E_INVALID_DATA",
     "entity", "is not a person or agency")
case("factor-protects-none", with_field("factors", protects=[]), "SG_E_INVALID_DATA", "entity",
     "a factor must protect at least one person")
case("factor-protects-household", with_field("factors", protects=["HH-ASH"]), "SG_E_INVALID_DATA",
     "entity", "is a household, not a person")
case("person-unknown-household", with_field("persons", household="HH-NOPE"), "SG_E_NOT_FOUND",
     "entity", "unknown household 'HH-NOPE'")
case("person-household-is-agency", with_field("persons", household="AG-SCH-01"), "SG_E_INVALID_DATA",
     "entity", "is a agency, not a household")
case("person-id-exists", with_field("persons", id="P-ASH-C1"), "SG_E_DUPLICATE", "entity",
     "duplicate id 'P-ASH-C1'")
case("person-id-empty", with_field("persons", id=""), "SG_E_INVALID_DATA", "line", "id is empty")
case("person-id-control-char", with_field("persons", id="P-BAD\u0007"), "SG_E_INVALID_DATA", "entity",
     "contains a control character")
case("person-id-too-long", with_field("persons", id="P-" + "x" * 300), "SG_E_LIMIT", "entity",
     "id is longer than 256 bytes")
case("person-flag-empty", with_field("persons", flags=[""]), "SG_E_INVALID_DATA", "entity", "flag is empty")
case("agency-type-empty", with_field("agencies", type=""), "SG_E_INVALID_DATA", "entity", "agency type is empty")
case("agency-id-exists", with_field("agencies", id="AG-SCH-01"), "SG_E_DUPLICATE", "entity",
     "duplicate id 'AG-SCH-01'")
case("household-id-exists", {"schema_version": 1, "households": [{"id": "HH-ASH"}]}, "SG_E_DUPLICATE",
     "entity", "duplicate id 'HH-ASH'")
case("duplicate-within-file", entities(places=[PLACE, PLACE]), "SG_E_DUPLICATE", "entity",
     "duplicate id 'PL-BAD-1'")
case("relation-unknown-person", with_field("relations", to="P-NOPE"), "SG_E_NOT_FOUND", "line",
     "'P-NOPE'")
case("relation-parent-of-place", {"schema_version": 1, "places": [PLACE],
                                  "relations": [{"kind": "parent_of", "from": "P-ASH-M", "to": "PL-BAD-1"}]},
     "SG_E_INVALID_DATA", "line", "'PL-BAD-1'")
case("relation-frequents-person", with_field("relations", kind="frequents"), "SG_E_INVALID_DATA",
     "line", "'P-BIR-C1'")
case("relation-self", with_field("relations", to="P-ASH-C1"), "SG_E_INVALID_DATA", "entity",
     "cannot be related to themselves")
case("relation-duplicate-existing", with_field("relations", **{"from": "P-ASH-C2", "to": "P-ASH-C1"}),
     "SG_E_DUPLICATE", "line", "")
# Late failure: many good entities then one bad; none of them may stay.
many = [dict(PLACE, id="PL-MANY-%d" % i) for i in range(50)]
case("late-failure-after-50-good", entities(places=many, concerns=[dict(CONCERN, source="AG-NOPE")]),
     "SG_E_NOT_FOUND", "entity", "unknown source agency 'AG-NOPE'")

# Limits: nesting, long strings.
case("nested-arrays-40", '{"schema_version": 1, "persons": ' + "[" * 40 + "]" * 40 + "}",
     "SG_E_LIMIT", "line", "nested deeper than 32 levels")
case("nested-objects-40", '{"schema_version": 1, "x": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}",
     "SG_E_LIMIT", "line", "nested deeper than 32 levels")
case("string-over-64k", entities(persons=[dict(PERSON, id="P-" + "y" * 70000)]), "SG_E_LIMIT", "line",
     "string longer than 65536 bytes")
case("summary-over-64k", with_field("concerns", summary="z" * 66000), "SG_E_LIMIT", "line",
     "string longer than 65536 bytes")

# A saved file damaged after saving: its checksum no longer matches.
saved_body = json.dumps({"schema_version": 1, "agencies": [], "households": [{"id": "HH-SUM"}],
                         "persons": [], "places": [], "groups": [], "concerns": [], "factors": [],
                         "relations": []}, indent=2)
case("checksum-mismatch", saved_body[:-2] + ',\n  "checksum": "sha256:' + "0" * 64 + '"\n}\n',
     "SG_E_INVALID_DATA", "line", "checksum does not match")
# The same file with its line endings converted, and with a line feed added: the checksum can no
# longer be found where a saved file writes it, and the error says so (not "unknown field").
case("checksum-crlf", (saved_body[:-2] + ',\n  "checksum": "sha256:' + "0" * 64 + '"\n}\n')
     .replace("\n", "\r\n"), "SG_E_INVALID_DATA", "line", 'the "checksum" member is not where')
case("checksum-extra-newline", saved_body[:-2] + ',\n  "checksum": "sha256:' + "0" * 64 + '"\n}\n\n',
     "SG_E_INVALID_DATA", "line", 'the "checksum" member is not where')

# A NUL byte is never JSON text: not after the document (nlohmann's lexer took it for the end of
# the input, and anything after it was ignored), not between tokens.
case("nul-after-document", b'{"schema_version": 1}\x00garbage{', "SG_E_PARSE", "line", "a NUL byte")
case("nul-between-tokens", b'{"schema_version": 1,\x00 "description": "x"}', "SG_E_PARSE", "line",
     "a NUL byte")
# Text may hold tabs and line breaks, no other control character, escaped or not; a word of the
# vocabulary is printable, as an id is.
case("summary-escaped-nul", with_field("concerns", summary="Fictional\u0000summary"),
     "SG_E_INVALID_DATA", "entity", "summary contains a control character (U+0000)")
case("name-terminal-escape", with_field("persons", name="Fictional\u001b[2J"), "SG_E_INVALID_DATA",
     "entity", "name contains a control character (U+001B)")
case("summary-c1-control", with_field("concerns", summary="Fictional\u0085"), "SG_E_INVALID_DATA",
     "entity", "summary contains a control character (U+0085)")
case("agency-name-delete", with_field("agencies", name="Fictional\u007f"), "SG_E_INVALID_DATA",
     "entity", "agency name contains a control character (U+007F)")
case("category-zero-width-space", with_field("concerns", category="neglect\u200b"),
     "SG_E_INVALID_DATA", "entity", "category contains an unprintable character (U+200B)")
case("flag-bell", with_field("persons", flags=["young_carer\u0007"]), "SG_E_INVALID_DATA", "entity",
     "flag contains a control character (U+0007)")
case("person-attribute-twice", with_field("persons", attributes=["Sex=F", "Sex=M"]),
     "SG_E_DUPLICATE", "entity", "an attribute is named twice")
case("relation-carer-of-child-to-adult",
     with_field("relations", kind="carer_of", **{"from": "P-ASH-C1", "to": "P-BIR-G"}),
     "SG_E_INVALID_DATA", "entity", "a child cannot be the carer of an adult")
# A number far too long for any field is named by its length, not quoted.
case("severity-400-digits", with_field("concerns", severity=10 ** 400), "SG_E_PARSE", "line",
     "number out of range (401 characters)")


# ---- Rule packs -------------------------------------------------------------------------------
# Loaded beside the bundled default pack, which must be unaffected.

HEAD = '''[pack]
id = "bad-pack"
version = "1"

[[level]]
id = "low"
min = 0

[[level]]
id = "high"
min = 5

[[index]]
id = "risk"
'''
RULE = '''
[[rule]]
id = "r1"
index = "risk"
heading = "harm"
for = "concern"
when = 'concern.category == "neglect"'
points = "concern.severity"
'''


def pack(name, text, status, fragment, place="line"):
    put("pack", name, text, status, place, fragment)


def rule(**fields):
    base = {"id": '"r1"', "index": '"risk"', "heading": '"harm"', "for": '"concern"',
            "when": "'concern.category == \"neglect\"'", "points": '"concern.severity"'}
    for k, v in fields.items():
        if v is DROP:
            base.pop(k)
        else:
            base[k] = v
    return HEAD + "\n[[rule]]\n" + "".join("%s = %s\n" % kv for kv in base.items())


OVERRIDE = '\n[[override]]\nid = "o1"\nreason = "fictional"\nwhen = "child.age < 1"\nmin_level = "high"\n'

pack("empty", "", "SG_E_INVALID_DATA", "missing [pack]")
pack("syntax-missing-equals", HEAD + "oops\n", "SG_E_PARSE", "")
pack("syntax-unterminated-string", HEAD + 'title = "no end\n', "SG_E_PARSE", "")
pack("syntax-bad-escape", HEAD.replace('"bad-pack"', '"bad\\qpack"'), "SG_E_PARSE", "")
pack("syntax-duplicate-key", HEAD.replace('version = "1"', 'version = "1"\nversion = "2"'), "SG_E_PARSE", "")
pack("syntax-duplicate-table", HEAD + "[pack]\n", "SG_E_PARSE", "")
pack("syntax-header-percent", HEAD + "[%index]]\n", "SG_E_PARSE", "cannot be parsed")
pack("syntax-header-triple-bracket", HEAD + "[[[a]]]\n", "SG_E_PARSE", "cannot be parsed")
pack("syntax-header-ampersand", HEAD + "[&\n", "SG_E_PARSE", "cannot be parsed")
pack("syntax-bad-date", HEAD + "released = 2026-02-30\n", "SG_E_PARSE", "")
pack("syntax-bad-number", HEAD + "n = 1__0\n", "SG_E_PARSE", "")
pack("syntax-array-unclosed", HEAD + "list = [1, 2\n", "SG_E_PARSE", "")
pack("syntax-nested-256", "x = " + "[" * 300 + "]" * 300 + "\n", "SG_E_PARSE", "")
pack("invalid-utf8", HEAD.encode() + b'title = "caf\xc3"\n', "SG_E_ENCODING", "not valid UTF-8")
pack("invalid-utf8-comment", HEAD.encode() + b"# \xff\xfe\n", "SG_E_ENCODING", "not valid UTF-8")
pack("non-ascii-after-number", HEAD + "x = 1.\u0419\n", "SG_E_PARSE", "non-ASCII character outside a string")
pack("non-ascii-bare-key", HEAD + "caf\u00e9 = 1\n", "SG_E_PARSE", "non-ASCII character outside a string")
pack("no-pack-table", HEAD.replace("[pack]\n", "").replace('id = "bad-pack"\nversion = "1"\n', ""),
     "SG_E_INVALID_DATA", "missing [pack]")
pack("pack-not-table", 'pack = "x"\n' + HEAD.split("\n", 3)[3], "SG_E_TYPE", "'pack' must be a table")
pack("unknown-top-key", HEAD + "colour = 1\n", "SG_E_INVALID_DATA", "unknown key 'colour' in an [[index]]")
pack("unknown-top-table", HEAD + "[extras]\nx = 1\n", "SG_E_INVALID_DATA", "unknown key 'extras' in the top level")
pack("pack-unknown-key", HEAD.replace('version = "1"', 'version = "1"\nauthor = "x"'), "SG_E_INVALID_DATA",
     "unknown key 'author' in [pack]")
pack("pack-missing-id", HEAD.replace('id = "bad-pack"\n', ""), "SG_E_INVALID_DATA", "missing 'id' in [pack]")
pack("pack-missing-version", HEAD.replace('version = "1"\n', ""), "SG_E_INVALID_DATA", "missing 'version' in [pack]")
pack("pack-id-empty", HEAD.replace('"bad-pack"', '""'), "SG_E_INVALID_DATA", "must be 1-128 printable characters")
pack("pack-id-too-long", HEAD.replace('"bad-pack"', '"%s"' % ("p" * 129)), "SG_E_INVALID_DATA", "must be 1-128 printable characters")
pack("pack-id-control", HEAD.replace('"bad-pack"', '"bad\\u0007"'), "SG_E_INVALID_DATA", "must be 1-128 printable characters")
pack("pack-version-number", HEAD.replace('version = "1"', "version = 1"), "SG_E_TYPE", "'version' in [pack] must be a string")
pack("no-levels", HEAD.replace('[[level]]\nid = "low"\nmin = 0\n\n[[level]]\nid = "high"\nmin = 5\n', ""),
     "SG_E_INVALID_DATA", "at least one [[level]]")
pack("no-indices", HEAD.replace('[[index]]\nid = "risk"\n', ""), "SG_E_INVALID_DATA", "at least one [[index]]")
pack("level-not-array", HEAD.replace('[[level]]\nid = "low"', '[level]\nid = "low"', 1).replace(
    '[[level]]\nid = "high"\nmin = 5\n', ""), "SG_E_TYPE", "write [[level]]")
pack("levels-descending", HEAD.replace("min = 5", "min = -1"), "SG_E_INVALID_DATA", "must have a higher min than 'low'")
pack("levels-equal", HEAD.replace("min = 5", "min = 0"), "SG_E_INVALID_DATA", "must have a higher min than 'low'")
pack("level-missing-min", HEAD.replace("min = 5\n", ""), "SG_E_INVALID_DATA", "level 'high' needs 'min'")
pack("level-min-string", HEAD.replace("min = 5", 'min = "5"'), "SG_E_TYPE", "must be a number")
pack("level-min-nan", HEAD.replace("min = 5", "min = nan"), "SG_E_INVALID_DATA", "must be a finite number")
pack("level-min-inf", HEAD.replace("min = 5", "min = inf"), "SG_E_INVALID_DATA", "must be a finite number")
pack("level-duplicate", HEAD.replace('id = "high"', 'id = "low"'), "SG_E_DUPLICATE", "duplicate level id 'low'")
pack("level-unknown-key", HEAD.replace("min = 5", "min = 5\ncolour = 1"), "SG_E_INVALID_DATA", "unknown key 'colour' in a [[level]]")
pack("index-duplicate", HEAD + '[[index]]\nid = "risk"\n', "SG_E_DUPLICATE", "duplicate index id 'risk'")
pack("index-thresholds-not-table", HEAD + "thresholds = 3\n", "SG_E_TYPE", "thresholds must be a table")
pack("index-threshold-unknown-level", HEAD + "thresholds = { medium = 3 }\n", "SG_E_NOT_FOUND", "unknown level 'medium'")
pack("index-thresholds-not-rising", HEAD + "thresholds = { high = -2 }\n", "SG_E_INVALID_DATA", "must rise with the levels")
pack("index-missing-id", HEAD.replace('[[index]]\nid = "risk"', '[[index]]\ntitle = "Risk"'), "SG_E_INVALID_DATA", "missing 'id' in an [[index]]")
pack("rule-unknown-key", rule(weight="2"), "SG_E_INVALID_DATA", "unknown key 'weight' in a [[rule]]")
pack("rule-missing-id", rule(id=DROP), "SG_E_INVALID_DATA", "missing 'id' in a [[rule]]")
pack("rule-duplicate-id", rule() + RULE, "SG_E_DUPLICATE", "duplicate rule id 'r1'")
pack("rule-unknown-index", rule(index='"abuse"'), "SG_E_NOT_FOUND", "unknown index 'abuse'")
pack("rule-missing-index", rule(index=DROP), "SG_E_INVALID_DATA", "missing 'index' in rule 'r1'")
pack("rule-bad-heading", rule(heading='"worry"'), "SG_E_INVALID_DATA", "heading must be harm, danger")
pack("rule-bad-for", rule(**{"for": '"family"'}), "SG_E_INVALID_DATA", "'for' must be concern, factor or child")
pack("rule-missing-points", rule(points=DROP), "SG_E_INVALID_DATA", "rule 'r1' needs 'points'")
pack("rule-points-bool", rule(points="true"), "SG_E_TYPE", "points of rule 'r1' must be a string expression")
pack("rule-when-number", rule(when="1"), "SG_E_TYPE", "when of rule 'r1' must be a string expression")
pack("rule-half-life-zero", rule(half_life_days="0"), "SG_E_INVALID_DATA", "half_life_days must be greater than 0")
pack("rule-half-life-negative", rule(half_life_days="-30"), "SG_E_INVALID_DATA", "half_life_days must be greater than 0")
pack("rule-half-life-child", rule(**{"for": '"child"', "when": '"child.age < 5"', "points": "1",
                                     "half_life_days": "30"}),
     "SG_E_INVALID_DATA", "half_life_days needs dated evidence")
pack("rule-cap-zero", rule(cap="0"), "SG_E_INVALID_DATA", "cap must be greater than 0")
pack("rule-cap-string", rule(cap='"10"'), "SG_E_TYPE", "cap must be a number")
pack("rule-reach-not-table", rule(reach="0.5"), "SG_E_TYPE", "reach must be a table")
pack("rule-reach-unknown-role", rule(reach="{ cousin = 0.5 }"), "SG_E_INVALID_DATA", "unknown reach 'cousin'")
pack("rule-reach-above-one", rule(reach="{ sibling = 1.5 }"), "SG_E_INVALID_DATA", "reach factor must be between 0 and 1")
pack("rule-reach-negative", rule(reach="{ sibling = -0.1 }"), "SG_E_INVALID_DATA", "reach factor must be between 0 and 1")
pack("rule-reach-child", rule(**{"for": '"child"', "when": '"child.age < 5"', "points": "1",
                                 "reach": "{ self = 1.0 }"}),
     "SG_E_INVALID_DATA", "reach applies to concern and factor rules")
pack("rule-not-array", HEAD + '\n[rule]\nid = "r1"\n', "SG_E_TYPE", "write [[rule]]")
pack("override-missing-when", HEAD + '\n[[override]]\nid = "o1"\nreason = "r"\nmin_level = "high"\n',
     "SG_E_INVALID_DATA", "override 'o1' needs 'when'")
pack("override-missing-reason", HEAD + OVERRIDE.replace('reason = "fictional"\n', ""), "SG_E_INVALID_DATA",
     "missing 'reason' in override 'o1'")
pack("override-does-nothing", HEAD + OVERRIDE.replace('min_level = "high"\n', ""), "SG_E_INVALID_DATA",
     "does nothing")
pack("override-unknown-level", HEAD + OVERRIDE.replace('"high"', '"severe"'), "SG_E_NOT_FOUND", "unknown level 'severe'")
pack("override-level-number", HEAD + OVERRIDE.replace('"high"', "1"), "SG_E_TYPE", "min_level must be a level id")
pack("override-safety-string", HEAD + OVERRIDE + 'immediate_safety = "yes"\n', "SG_E_TYPE", "immediate_safety must be true or false")
pack("override-duplicate", HEAD + OVERRIDE + OVERRIDE, "SG_E_DUPLICATE", "duplicate override id 'o1'")
pack("override-concern-attribute", HEAD + OVERRIDE.replace("child.age < 1", "concern.severity > 3"),
     "SG_E_TYPE", "concern.severity")
pack("override-unknown-key", HEAD + OVERRIDE + "priority = 1\n", "SG_E_INVALID_DATA", "unknown key 'priority' in an [[override]]")

# Expressions inside packs (column points into the string).
for label, when, status, fragment in [
        ("when-syntax", "concern.severity >", "SG_E_PARSE", ""),
        ("when-unknown-attribute", "concern.colour == 'red'", "SG_E_TYPE", "concern.colour"),
        ("when-wrong-scope", "factor.strength > 2", "SG_E_TYPE", "factor.strength"),
        ("when-number", "concern.severity", "SG_E_TYPE", "expected a boolean expression"),
        ("when-compare-string-number", "concern.category == 3", "SG_E_TYPE", ""),
        ("when-unknown-function", "median(concern.severity) > 1", "SG_E_TYPE", "unknown function 'median'"),
        ("when-nested-aggregate", "count(concerns where count(concerns) > 1) > 0", "SG_E_TYPE", "nest"),
        ("when-chained-comparison", "1 < 2 < 3", "SG_E_PARSE", ""),
        ("when-unterminated-string", "concern.category == 'neglect", "SG_E_PARSE", ""),
        ("when-too-deep", "(" * 60 + "true" + ")" * 60, "SG_E_LIMIT", "nests deeper than 48 levels"),
        ("when-too-long", "true or " * 520 + "true", "SG_E_LIMIT", "longer than 4096 characters")]:
    pack("expr-" + label, rule(when='"%s"' % when.replace('"', '\\"')), status, fragment)


# ---- Expressions --------------------------------------------------------------------------------
# Compiled on their own (scope and expected type in the manifest) and inside a one-rule pack.

def expr(name, text, status, fragment, scope="concern", type_="boolean"):
    put("expr", name, text, status, "line", fragment, (scope, type_))


expr("empty", "", "SG_E_PARSE", "")
expr("only-spaces", "   ", "SG_E_PARSE", "")
expr("dangling-and", "concern.severity > 2 and", "SG_E_PARSE", "")
expr("dangling-not", "not", "SG_E_PARSE", "")
expr("double-operator", "concern.severity > > 2", "SG_E_PARSE", "")
expr("unbalanced-open", "(concern.severity > 2", "SG_E_PARSE", "")
expr("unbalanced-close", "concern.severity > 2)", "SG_E_PARSE", "")
expr("empty-parens", "()", "SG_E_PARSE", "")
expr("bad-character", "concern.severity # 2", "SG_E_PARSE", "")
expr("bad-number", "concern.severity > 1.2.3", "SG_E_PARSE", "")
expr("number-overflow", "concern.severity > 1e999", "SG_E_PARSE", "out of range")
expr("unterminated-string", "concern.category == \"neglect", "SG_E_PARSE", "")
expr("unknown-entity", "family.size > 2", "SG_E_TYPE", "")
expr("unknown-attribute", "concern.colour == 'red'", "SG_E_TYPE", "concern.colour")
expr("factor-in-concern-rule", "factor.kind == 'safety_plan'", "SG_E_TYPE", "factor.kind")
expr("concern-in-child-rule", "concern.severity > 2", "SG_E_TYPE", "concern.severity", scope="child")
expr("within-in-child-rule", "within(30)", "SG_E_TYPE", "within", scope="child")
expr("number-not-boolean", "concern.severity + 1", "SG_E_TYPE", "expected a boolean expression")
expr("boolean-not-number", "concern.severity > 1", "SG_E_TYPE", "expected a number expression", type_="number")
expr("string-not-number", "concern.category", "SG_E_TYPE", "expected a number expression", type_="number")
expr("and-numbers", "1 and 2", "SG_E_TYPE", "")
expr("not-number", "not concern.severity", "SG_E_TYPE", "")
expr("add-strings", "concern.category + concern.status == 'x'", "SG_E_TYPE", "")
expr("negate-string", "-concern.category == 'x'", "SG_E_TYPE", "")
expr("compare-string-number", "concern.category < 3", "SG_E_TYPE", "")
expr("in-empty-list", "concern.category in []", "SG_E_PARSE", "")
expr("in-mixed-list", "concern.category in ['a', 1]", "SG_E_TYPE", "")
expr("in-number-set", "3 in child.flags", "SG_E_TYPE", "")
expr("list-too-long", "concern.severity in [" + ",".join(["1"] * 1100) + "]",
     "SG_E_LIMIT", "at most 1024 items")
expr("count-no-collection", "count() > 0", "SG_E_PARSE", "")
expr("count-unknown-collection", "count(referrals) > 0", "SG_E_PARSE", "count takes a collection first")
expr("sum-missing-value", "sum(concerns) > 0", "SG_E_PARSE", "")
expr("aggregate-nested", "count(concerns where sum(concerns, concern.severity) > 1) > 0", "SG_E_TYPE", "nest", scope="child")
expr("aggregate-factor-attr-on-concerns", "count(concerns where factor.active) > 0", "SG_E_TYPE", "factor.active", scope="child")
expr("distinct-agencies-factors", "distinct_agencies(factors) > 1", "SG_E_TYPE", "", scope="child")
expr("min-one-argument", "min(concern.severity) > 1", "SG_E_TYPE", "")
expr("abs-two-arguments", "abs(1, 2) > 1", "SG_E_TYPE", "")
expr("within-string", "within('30')", "SG_E_TYPE", "")
expr("unknown-function", "median(concern.severity) > 1", "SG_E_TYPE", "unknown function 'median'")
expr("too-deep", "(" * 60 + "true" + ")" * 60, "SG_E_LIMIT", "nests deeper than 48 levels")
expr("too-deep-not", "not " * 60 + "true", "SG_E_LIMIT", "nests deeper than 48 levels")
expr("too-long", "true or " * 520 + "true", "SG_E_LIMIT", "longer than 4096 characters")
expr("invalid-utf8", b"concern.category == '\xff'", "SG_E_ENCODING", "not valid UTF-8")
expr("second-line-error", "concern.severity > 2 and\n  concern.colour == 'red'", "SG_E_TYPE", "concern.colour")


if __name__ == "__main__":
    with open(os.path.join(HERE, "manifest.tsv"), "w", encoding="utf-8") as f:
        f.write("# path\tstatus\tplace\tmessage fragment\t[scope\ttype]\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    print("%d bad inputs (%d case files, %d rule packs, %d expressions)" % (
        len(rows), sum(r[0].startswith("case/") for r in rows),
        sum(r[0].startswith("pack/") for r in rows), sum(r[0].startswith("expr/") for r in rows)))
