"""Safety apart from risk (docs/rules.md, "Safety"): ChildResult.safety gives the present-danger
decision and its findings as the viewer may see them, and Result.to_frame() a `safety` column;
tests/unit/test_safety.cpp checks the library on the same fictional case."""

import datetime
import pathlib

import pytest

import safeguard

ROOT = pathlib.Path(__file__).resolve().parents[3]
CASE = ROOT / "tests" / "data" / "safety" / "case.json"
PACK = ROOT / "tests" / "data" / "safety" / "pack.toml"
AS_OF = datetime.date(2026, 11, 1)


@pytest.fixture
def result():
    with safeguard.Graph.from_file(CASE) as graph, safeguard.RuleSet.load(PACK) as rules:
        with graph.assess(rules, AS_OF) as assessed:
            yield assessed


def test_each_decision_with_its_findings(result):
    everyone = {c: result.child(c, viewer="*").safety
                for c in ("C-SAFE", "C-UNSAFE", "C-PLAN", "C-ALONE")}
    assert everyone["C-SAFE"] == safeguard.Safety("safe", ())
    assert everyone["C-UNSAFE"].decision == "unsafe"
    assert everyone["C-UNSAFE"].findings == (
        safeguard.SafetyFinding("danger", "serious-injury", "A serious injury to the child",
                                "SF-2", False),)
    plan = everyone["C-PLAN"]
    assert plan.decision == "safe_with_plan"
    assert [(f.kind, f.id, f.evidence_id) for f in plan.findings] == [
        ("danger", "serious-injury", "SF-3"), ("plan", "written-plan", "SF-F1")]
    assert [f.id for f in plan.dangers] == ["serious-injury"]
    assert [f.id for f in plan.plans] == ["written-plan"]
    assert everyone["C-ALONE"].findings[0].id == "left-alone"


def test_a_finding_on_restricted_evidence_is_withheld_and_the_decision_stays(result):
    for viewer in (None, [], ["health"]):
        safety = result.child("C-ALONE", viewer=viewer).safety
        assert safety.decision == "unsafe"
        assert safety.findings == (safeguard.SafetyFinding(
            "danger", None, "a present danger on restricted information", None, True),)
        assert "left" not in repr(safety)
    assert result.child("C-ALONE", viewer=["police"]).safety.findings[0].id == "left-alone"


def test_the_frame_has_a_safety_column(result):
    frame = result.to_frame()
    assert frame.loc["C-SAFE", "safety"] == "safe"
    assert frame.loc["C-PLAN", "safety"] == "safe_with_plan"
    assert frame.loc["C-UNSAFE", "safety"] == "unsafe"
    assert frame.loc["C-ALONE", "safety"] == "unsafe"


def test_a_pack_without_safety_assesses_nothing(result):
    text = PACK.read_text()
    with safeguard.Graph.from_file(CASE) as graph, \
            safeguard.RuleSet.loads(text[:text.index("[[safety.danger]]")]) as rules:
        with graph.assess(rules, AS_OF) as plain:
            assert plain.child("C-UNSAFE").safety == safeguard.Safety()
            assert set(plain.to_frame()["safety"]) == {"not_assessed"}
            # Safety never moves the level.
            assert list(plain.to_frame()["level"]) == list(result.to_frame()["level"])
