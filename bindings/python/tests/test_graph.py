"""Building graphs with batches, case-file load and save, corrections and erasure."""

import datetime
import json

import pytest

import safeguard

from conftest import AS_OF, FAMILIES

D = datetime.date


def small_family(edits):
    edits.add_agency("AG-SCH-9", "school", "Fictional Academy")
    edits.add_agency("AG-POL-9", "police")
    edits.add_household("HH-OAK")
    edits.add_person("P-OAK-M", "adult", dob=D(1990, 1, 2), household="HH-OAK")
    edits.add_person("P-OAK-C1", "child", dob=D(2016, 5, 6), household="HH-OAK",
                     flags=["disability"])
    edits.add_person("P-OAK-C2", dob=datetime.datetime(2019, 7, 8, 13, 30), household="HH-OAK")
    edits.add_place("PL-OAK-1", "park", "Fictional Park")
    edits.add_group("G-OAK-1", "peer_group")
    edits.add_concern("C-OAK-1", category="school_attendance", severity=2,
                      incident=D(2026, 9, 1), recorded=D(2026, 9, 3), source="AG-SCH-9",
                      about=["P-OAK-C1"], summary="Attendance 85%.")
    edits.add_concern("C-OAK-2", category="domestic_abuse", severity=3, recorded="2026-10-20",
                      source="AG-POL-9", restricted=True, about=["P-OAK-M"], involves=[],
                      status="closed")
    edits.add_factor("F-OAK-1", kind="protective_adult", strength=3, protects=["P-OAK-C2"],
                     start=D(2026, 1, 1), end=None, provided_by="P-OAK-M")
    edits.add_relation("parent_of", "P-OAK-M", "P-OAK-C1")
    edits.add_relation("parent_of", "P-OAK-M", "P-OAK-C2")
    edits.add_relation("sibling_of", "P-OAK-C1", "P-OAK-C2")
    edits.add_relation("member_of", "P-OAK-C1", "G-OAK-1")
    edits.add_relation("frequents", "P-OAK-C1", "PL-OAK-1")


def test_every_adder(rules):
    with safeguard.Graph() as graph:
        with graph.batch() as edits:
            small_family(edits)
            assert len(edits) == 16
        counts = {kind: graph.count(kind) for kind in safeguard.ENTITY_KINDS}
        assert counts == {"person": 3, "agency": 2, "concern": 2, "factor": 1, "place": 1,
                          "group": 1, "household": 1}
        assert graph.count() == sum(counts.values())
        saved = graph.to_dict()
        person = {p["id"]: p for p in saved["persons"]}
        assert person["P-OAK-C1"]["flags"] == ["disability"]
        assert person["P-OAK-C2"]["dob"] == "2019-07-08"  # a datetime counts by its date
        concern = {c["id"]: c for c in saved["concerns"]}
        assert concern["C-OAK-2"]["restricted"] is True
        assert concern["C-OAK-2"]["status"] == "closed"
        assert concern["C-OAK-1"]["incident"] == "2026-09-01"
        assert {(r["kind"], r["from"], r["to"]) for r in saved["relations"]} >= {
            ("member_of", "P-OAK-C1", "G-OAK-1"), ("frequents", "P-OAK-C1", "PL-OAK-1")}
        result = graph.assess(rules, AS_OF)
        assert result.child_ids == ["P-OAK-C1", "P-OAK-C2"]
        assert any(c.rule_id == "school-attendance" for c in result["P-OAK-C1"].contributions)


def test_save_and_load_round_trip(tmp_path, families):
    path = tmp_path / "saved.json"
    families.save(path)
    with safeguard.Graph.from_file(str(path)) as again:
        assert again.dumps() == families.dumps()
    assert json.loads(path.read_text()) == families.to_dict()


def test_loads_accepts_str_and_bytes():
    text = FAMILIES.read_text(encoding="utf-8")
    with safeguard.Graph.from_string(text) as from_text, \
            safeguard.Graph.from_string(text.encode("utf-8"), name="families") as from_bytes:
        assert from_text.dumps() == from_bytes.dumps()
        assert from_text.count("person") == 7


def test_load_adds_to_what_the_graph_holds(families):
    before = families.count()
    families.loads('{"schema_version": 1, "households": [{"id": "HH-ELM"}]}')
    assert families.count() == before + 1
    assert families.count("household") == 3


def test_a_batch_may_be_reused():
    batch = safeguard.Batch()
    small_family(batch)
    with safeguard.Graph() as first, safeguard.Graph() as second:
        first.apply(batch)
        second.apply(batch)
        assert first.dumps() == second.dumps()
        with pytest.raises(safeguard.DuplicateError):
            first.apply(batch)
    batch.close()


def test_amend_retract_and_erase(rules):
    with safeguard.Graph() as graph:
        with graph.batch() as edits:
            small_family(edits)
        before = graph.assess(rules, AS_OF)["P-OAK-C1"].scores["neglect"]

        with graph.batch() as edits:
            edits.amend_concern("C-OAK-1", category="school_attendance", severity=2,
                                incident=D(2026, 9, 1), recorded=D(2026, 9, 3),
                                source="AG-SCH-9", about=["P-OAK-C1"], status="unsubstantiated")
        amended = graph.assess(rules, AS_OF)["P-OAK-C1"]
        assert amended.scores["neglect"] < before
        assert all(c.evidence_id != "C-OAK-1" for c in amended.contributions)

        with graph.batch() as edits:
            edits.retract_concern("C-OAK-2")
        assert {c["id"]: c["status"] for c in graph.to_dict()["concerns"]}["C-OAK-2"] == \
            "retracted"

        with graph.batch() as edits:
            edits.erase_person("P-OAK-C1")
        assert graph.count("person") == 2
        assert "C-OAK-1" not in {c["id"] for c in graph.to_dict()["concerns"]}
        assert graph.assess(rules, AS_OF).child_ids == ["P-OAK-C2"]


def test_apply_needs_a_batch(families):
    with pytest.raises(TypeError):
        families.apply("not a batch")


def test_repr(families):
    assert repr(families) == "<safeguard.Graph of 23 entities>"
    batch = safeguard.Batch()
    batch.add_household("HH-1")
    assert repr(batch) == "<safeguard.Batch of 1 items>"
    batch.close()
    assert repr(batch) == "<safeguard.Batch closed>"
