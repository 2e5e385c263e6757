"""Results for adults (docs/rules.md, "Results for adults"): the bundled DASH pack scores the
adult victim's latest checklist as the adult's own result, read by Result.adults and
Result.adult(); a child reads it only through the pack's explicit overrides. The cases are the
fictional scenarios of tests/unit/test_packs.cpp, worked by hand there."""

import datetime
import json
import pathlib

import pytest

import safeguard

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "tests" / "data" / "scenarios" / "dash"
AS_OF = datetime.date(2026, 11, 1)


def assessed(name, viewer=None):
    with safeguard.Graph.from_file(SCENARIOS / name) as graph, \
            safeguard.RuleSet.bundled("dash") as rules:
        return graph.assess(rules, AS_OF, viewer=viewer)


def test_the_latest_checklist_is_the_adults_result_and_the_child_reads_it_by_rule():
    with assessed("latest-checklist.json", viewer="*") as result:
        by_id = {adult.id: adult for adult in result.adults}
        assert set(by_id) == {"P-DLA-M", "P-DLB-M"}
        mother = result.adult("P-DLB-M")
        assert mother.scores == {"checklist": 11.0, "stalking": 0.0, "hbv": 0.0}
        assert mother.level == "medium"
        assert sum(c.value for c in mother.contributions) == 11.0
        assert sum(1 for c in mother.contributions if c.value == 0) == 15  # March, superseded
        child = result.child("P-DLB-C1")
        assert child.level == "medium"
        assert child.scores["checklist"] == 0.0
        assert [o.id for o in child.overrides] == ["dash-carer-checklist-medium"]
        assert result.adult("P-DLA-M").scores["checklist"] == 9.0
        with pytest.raises(safeguard.NotFoundError):
            result.adult("P-DLA-C1")


def test_restricted_ticks_are_withheld_from_an_uncleared_reader():
    with assessed("restricted-latest.json", viewer="voluntary_sector") as result:
        host = result.adult("P-DRS-M", viewer="*")
        assert host.total == 3.0  # the host's figure, as a child's total
        assert host.scores == {"checklist": 3.0, "stalking": 0.0, "hbv": 0.0}
        with pytest.raises(safeguard.NotFoundError):
            result.explain_adult("P-DRS-M", viewer="voluntary_sector")
        cleared = json.loads(result.explain_adult("P-DRS-M", format="json", viewer="police"))
        assert cleared["scores"]["checklist"] == 3.0
        assert sum(1 for c in cleared["contributions"] if c.get("superseded")) == 6


def test_an_index_says_whose_result_it_is():
    with safeguard.RuleSet.bundled("dash") as dash, safeguard.RuleSet.bundled("default") as default:
        assert {index.subject for index in dash.indices} == {"adult"}
        assert {index.subject for index in default.indices} == {"child"}


def test_an_adults_own_overrides_are_in_her_result_and_withheld_when_restricted():
    # Escalation per victim (three police call-outs about her in twelve months): her result is
    # high on four ticks, through the adult override, and her child reads it through the pack's
    # dash-carer-checklist-high. DED's first call-out is restricted: an uncleared reader gets
    # the override withheld.
    with assessed("escalation.json", viewer="*") as result:
        mother = result.adult("P-DEA-M")
        assert mother.scores["checklist"] == 4.0
        assert mother.level == "high"
        assert [o.id for o in mother.overrides] == ["dash-potential-escalation"]
        assert [o.id for o in result.child("P-DEA-C1").overrides] == [
            "dash-carer-checklist-high", "dash-carer-checklist-medium"]
        assert result.adult("P-DEC-M").overrides == ()
        assert result.child("P-DEC-C1").level == "standard"
    with assessed("escalation.json", viewer="voluntary_sector") as result:
        [withheld] = result.adult("P-DED-M").overrides
        assert withheld.id is None and withheld.restricted
        assert "dash-potential-escalation" not in result.explain_adult(
            "P-DED-M", viewer="voluntary_sector")


def test_an_uncleared_reader_does_not_learn_that_an_adult_has_a_result():
    # Every line of the mother's result is withheld from voluntary_sector (her latest
    # checklist is restricted police evidence): as in `safeguard assess`, she has none.
    with assessed("restricted-latest.json", viewer="voluntary_sector") as result:
        assert result.adults == []
        with pytest.raises(safeguard.NotFoundError):
            result.adult("P-DRS-M")
        with pytest.raises(safeguard.NotFoundError):
            result.adult("P-DRS-M", viewer="voluntary_sector")
        assert result.adult("P-DRS-M", viewer="*").withheld == 0.0


def test_an_adults_withheld_lines_fold_into_one_as_a_childs_do():
    # One tick of the restricted October checklist made unrestricted: the reader sees that
    # line, and every other (the two restricted ticks, the six May ticks they supersede) as
    # ONE withheld line, so neither their number nor their sizes can be told.
    case = json.loads((SCENARIOS / "restricted-latest.json").read_text())
    for concern in case["concerns"]:
        if concern["id"] == "C-DRS-OCT-INJURY":
            concern["restricted"] = False
    with safeguard.Graph.from_string(json.dumps(case)) as graph, \
            safeguard.RuleSet.bundled("dash") as rules, \
            graph.assess(rules, AS_OF, viewer="voluntary_sector") as result:
        [mother] = result.adults
        assert [c.kind for c in mother.contributions] == ["rule", "withheld"]
        assert mother.contributions[0].evidence_id == "C-DRS-OCT-INJURY"
        folded = mother.contributions[1]
        assert folded.heading == "withheld" and folded.index_id is None
        assert folded.rule_id is None and folded.evidence_id is None and folded.restricted
        assert folded.value == 2.0 == mother.withheld
        assert mother.scores["checklist"] == 1.0
        assert sum(c.value for c in mother.contributions) == mother.total == 3.0


def test_an_adult_whose_result_is_only_an_override_is_listed():
    # Repeat MARAC: P-DMA-M has no ticks, only the adult override that makes her high. Her
    # result is shown (an override the reader sees), as `safeguard assess` and explain do.
    with assessed("repeat-marac.json", viewer="*") as result:
        [mother] = [a for a in result.adults if a.id == "P-DMA-M"]
        assert mother.contributions == ()
        assert [o.id for o in mother.overrides] == ["dash-repeat-marac"]
        assert mother.level == "high"
        assert "dash-repeat-marac" in result.explain_adult("P-DMA-M", viewer="*")


def test_judgement_about_an_adult_raises_her_result_and_her_child():
    # tests/data/scenarios/dash/adult-judgement.json: 11 ticks (medium) raised to high by a
    # practitioner, approved; the child reads it through dash-carer-checklist-high.
    with assessed("adult-judgement.json") as result:
        mother = result.adult("P-DAJ-M")
        assert (mother.scores["checklist"], mother.level) == (11.0, "high")
        judgement = mother.discretionary
        assert (judgement.id, judgement.outcome, judgement.level_before) == \
            ("O-DAJ-1", "applied", "medium")
        assert (judgement.approved_by, judgement.approved) == \
            ("P-DAJ-TM", datetime.date(2026, 10, 28))
        assert result.child("P-DAJ-C1").level == "high"
        assert result.child("P-DAJ-C1").discretionary is None
        assert result.adult("P-DAK-M").discretionary.outcome == "not_allowed"
        only = result.adult("P-DAL-M")  # no ticks: the result is the judgement alone
        assert (only.contributions, only.level) == ((), "medium")
        assert "O-DAJ-1" in result.explain_adult("P-DAJ-M")


def test_a_judgement_about_an_adult_through_the_batch():
    with safeguard.Graph() as graph, safeguard.RuleSet.bundled("dash") as rules:
        with graph.batch() as edits:
            edits.add_agency("AG-POL-9", "police")
            edits.add_person("P-PJ-M", "adult", dob=datetime.date(1990, 1, 1))
            edits.add_concern("C-PJ-1", category="dash.injury", severity=3,
                              recorded=datetime.date(2026, 10, 1), source="AG-POL-9",
                              about=["P-PJ-M"], status="open")
            edits.add_discretionary_override(
                "J-PJ-1", adult="P-PJ-M", direction="raise", date=datetime.date(2026, 10, 20),
                author="IDVA-0001", reason="Judgement after a home visit.")
        assert graph.to_dict()["overrides"][0]["adult"] == "P-PJ-M"
        with graph.assess(rules, AS_OF) as result:
            assert result.adult("P-PJ-M").level == "medium"
        with pytest.raises(safeguard.InvalidArgumentError):
            with graph.batch() as edits:
                edits.add_discretionary_override(
                    "J-PJ-2", child="P-PJ-M", adult="P-PJ-M", direction="raise",
                    date=datetime.date(2026, 10, 20), author="IDVA-0001", reason="Both.")
        with pytest.raises(safeguard.InvalidDataError) as caught:
            with graph.batch() as edits:
                edits.add_discretionary_override(
                    "J-PJ-3", child="P-PJ-M", direction="raise",
                    date=datetime.date(2026, 10, 20), author="IDVA-0001", reason="A child?")
        assert "J-PJ-3" in str(caught.value)
