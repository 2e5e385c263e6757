"""Bundled packs by name, rule-pack introspection, copies, generated caseloads and partial
concern amendments (issue 20, item 3)."""

import datetime

import pytest

import safeguard
from conftest import AS_OF, DEFAULT_RULES, FAMILIES


def test_bundled_packs_load_by_name(tmp_path, monkeypatch):
    assert safeguard.bundled_packs() == ("dash", "default", "exploitation", "neglect")
    monkeypatch.chdir(tmp_path)  # no rules/ directory anywhere near
    with safeguard.RuleSet.load("default") as bundled, \
            safeguard.RuleSet.load(DEFAULT_RULES) as from_file:
        assert bundled.hash == from_file.hash
        assert bundled.id == "safeguard-default"
    with safeguard.RuleSet.bundled("dash") as dash:
        assert dash.rule_count > 0


def test_a_file_wins_over_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "default").write_text("not toml [", encoding="utf-8")
    with pytest.raises(safeguard.ParseError) as caught:
        safeguard.RuleSet.load("default")
    assert caught.value.file == "default"
    with safeguard.RuleSet.bundled("default") as pack:  # by name, whatever the directory holds
        assert pack.id == "safeguard-default"


def test_an_unknown_bundled_name_lists_the_bundled_packs():
    with pytest.raises(safeguard.NotFoundError) as caught:
        safeguard.RuleSet.bundled("defualt")
    assert "dash, default, exploitation, neglect" in str(caught.value)
    with pytest.raises(safeguard.FileError):
        safeguard.RuleSet.load("defualt")  # not bundled, so a path that does not exist


def test_rule_set_introspection(rules):
    assert [level.id for level in rules.levels] == list(rules.level_ids)
    assert rules.levels[0].min == 0
    assert [index.id for index in rules.indices] == list(rules.index_ids)
    abuse = rules.indices[0]
    assert list(abuse.thresholds) == list(rules.level_ids)
    assert len(rules.rules) == rules.rule_count
    injury = rules.rule("physical-injury")
    assert (injury.index, injury.heading, injury.over) == ("abuse", "harm", "concern")
    assert "physical_injury" in injury.condition
    assert injury.points == "concern.severity * 2"
    assert injury.half_life_days == 365
    assert injury.cap is None
    assert injury.reach == {"self": 1.0, "sibling": 0.5}
    assert injury.line == 75  # below the header text added in pack 0.3.0
    domestic = rules.rule("domestic-abuse-incident")
    assert domestic.reach == {"self": 1.0, "carer": 1.0, "household": 0.75, "involved": 1.0}
    baby = rules.override("baby-serious-injury")
    assert baby.min_level == "child_protection" and baby.immediate_safety
    assert "child.age < 1" in baby.condition
    assert len(rules.overrides) == rules.override_count
    with pytest.raises(KeyError):
        rules.rule("no-such-rule")
    with safeguard.RuleSet.bundled("dash") as dash:
        assert any(rule.cap == 1 for rule in dash.rules)


def test_a_copy_is_independent(families, rules):
    copy = families.copy()
    assert copy.dumps() == families.dumps()
    with copy.batch() as edits:
        edits.retract_concern("C-ASH-3")
    assert copy.dumps() != families.dumps()
    assert copy.assess(rules, AS_OF)["P-ASH-C1"].total < \
        families.assess(rules, AS_OF)["P-ASH-C1"].total
    copy.close()
    assert families.count() == 23


def test_generated_caseloads_are_deterministic(rules):
    with safeguard.Graph.generate(40, seed=3) as first, \
            safeguard.Graph.generate(40, seed=3) as second, \
            safeguard.Graph.generate(40, seed=4) as third:
        assert first.dumps() == second.dumps() != third.dumps()
        result = first.assess(rules, datetime.date(2026, 11, 1))
        assert len(result) == 40
    with pytest.raises(safeguard.InvalidArgumentError):
        safeguard.Graph.generate(0)
    with pytest.raises(safeguard.InvalidDataError):
        safeguard.Graph.generate(5, as_of="2026-02-30")


def test_amend_concern_changes_only_the_fields_given(families, rules):
    before = {c["id"]: c for c in families.to_dict()["concerns"]}["C-ASH-1"]
    with families.batch() as edits:
        edits.amend_concern("C-ASH-1", severity=4)
    after = {c["id"]: c for c in families.to_dict()["concerns"]}["C-ASH-1"]
    assert after["severity"] == 4
    assert {k: v for k, v in after.items() if k != "severity"} == \
        {k: v for k, v in before.items() if k != "severity"}
    with families.batch() as edits:
        edits.amend_concern("C-ASH-1", summary=None, status="closed")
    after = {c["id"]: c for c in families.to_dict()["concerns"]}["C-ASH-1"]
    assert "summary" not in after and after["status"] == "closed"
    assert after["about"] == before["about"]


def test_a_failed_partial_amendment_changes_nothing(families):
    saved = families.dumps()
    with pytest.raises(safeguard.NotFoundError) as caught:
        with families.batch() as edits:
            edits.add_household("HH-NEW")
            edits.amend_concern("C-NOPE", severity=2)
    assert caught.value.entity == "C-NOPE"
    assert caught.value.item == 1
    assert families.dumps() == saved
    batch = safeguard.Batch()
    with pytest.raises(safeguard.InvalidArgumentError):
        batch.amend_concern("C-ASH-1", status="bogus")
    with pytest.raises(TypeError):
        batch.amend_concern("C-ASH-1", colour="red")
    assert len(batch) == 0
    batch.close()


def test_amend_concern_in_a_batch_that_adds_it(rules):
    with safeguard.Graph.from_file(FAMILIES) as graph:
        with graph.batch() as edits:
            edits.add_concern("C-NEW", category="school_attendance", severity=1,
                              recorded=datetime.date(2026, 10, 1), source="AG-SCH-01",
                              about=["P-ASH-C1"], summary="kept")
            edits.amend_concern("C-NEW", severity=3)
        added = {c["id"]: c for c in graph.to_dict()["concerns"]}["C-NEW"]
        assert added["severity"] == 3 and added["summary"] == "kept"
