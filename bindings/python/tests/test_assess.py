"""Assessment results as Python objects: scores, levels, contributions, overrides, notes,
explanations and numpy views."""

import datetime
import json
import tomllib

import pytest

import safeguard

from conftest import AS_OF, DEFAULT_RULES

D = datetime.date


def test_bundled_families(result):
    assert len(result) == 3
    assert result.child_ids == ["P-ASH-C1", "P-ASH-C2", "P-BIR-C1"]
    assert result.as_of == AS_OF
    assert result.index_ids == ("abuse", "neglect", "domestic_abuse", "exploitation")
    assert result.level_ids == ("universal", "early_help", "child_in_need", "child_protection")
    assert result.rules_id == "safeguard-default"
    assert len(result.rules_hash) == 64
    levels = {child.id: child.level for child in result}
    assert levels == {"P-ASH-C1": "child_in_need", "P-ASH-C2": "child_in_need",
                      "P-BIR-C1": "universal"}
    ash = result["P-ASH-C1"]
    assert ash.row == 0 and result[0] == ash
    assert ash.level_index == 2 and ash.score_level == "child_in_need"
    assert round(ash.total, 2) == 12.24
    assert round(ash.scores["neglect"], 2) == 8.26
    assert ash.index_levels["neglect"] == "child_in_need"
    assert ash.index_levels["abuse"] == "universal"
    assert not ash.immediate_safety and ash.overrides == () and ash.not_assessable == ()


def test_contributions_sum_exactly_to_the_scores(result):
    for child in result:
        for index_id, score in child.scores.items():
            total = 0.0
            for contribution in child.contributions_to(index_id):
                total += contribution.value
            assert total == score, (child.id, index_id)
        for c in child.contributions:
            assert c.value == c.raw * c.decay * c.reach * c.cap_factor
            assert c.heading in ("harm", "danger", "complicating", "safety", "strength")
            assert c.rule_id and c.rule_title and c.path


def test_contribution_fields(result):
    by_rule = {c.rule_id: c for c in result["P-ASH-C1"].contributions}
    domestic = by_rule["domestic-abuse-incident"]
    assert domestic.evidence_id == "C-ASH-3"
    assert domestic.via_id == "P-ASH-M"
    assert domestic.path == "carer"
    assert domestic.source_agency_id == "AG-POL-01"
    assert domestic.restricted is True
    assert domestic.index_id == "domestic_abuse"
    corroboration = by_rule["multi-agency-corroboration"]
    assert corroboration.evidence_id is None and corroboration.source_agency_id is None
    assert corroboration.value == 5.0
    strengths = [c for c in result["P-BIR-C1"].contributions if c.heading == "strength"]
    assert {c.rule_id for c in strengths} == {"protective-adult", "early-help-engagement"}
    assert all(c.value < 0 for c in strengths)


def test_results_are_plain_values(result):
    child = result["P-ASH-C1"]
    with pytest.raises(Exception):
        child.total = 0  # frozen
    assert isinstance(child.scores, dict) and isinstance(child.contributions, tuple)
    assert child == result.child("P-ASH-C1")  # equal by value


def test_same_result_for_any_thread_count(families, rules):
    one = families.assess(rules, AS_OF, threads=1)
    many = families.assess(rules, AS_OF, threads=0)
    assert list(one) == list(many)


def test_as_of_is_the_only_clock(families, rules):
    # C-ASH-3 (the domestic abuse call-out) is recorded on 2026-10-30: before that date it
    # does not exist for the assessment.
    before = families.assess(rules, D(2026, 10, 29), viewer="*")["P-ASH-C1"]
    after = families.assess(rules, datetime.datetime(2026, 10, 30, 23, 59), viewer="*")
    assert before.scores["domestic_abuse"] == 0.0
    assert after["P-ASH-C1"].scores["domestic_abuse"] > 0.0
    # A reader not cleared for the police sees the points counted but in no index.
    hidden = after.child("P-ASH-C1", viewer=())
    assert hidden.scores["domestic_abuse"] == 0.0
    assert hidden.withheld == after["P-ASH-C1"].scores["domestic_abuse"]
    assert hidden.total == after["P-ASH-C1"].total
    assert families.assess(rules, "2026-11-01")["P-ASH-C1"] == \
        families.assess(rules, AS_OF)["P-ASH-C1"]


def test_policy_override_and_immediate_safety(rules):
    with safeguard.Graph() as graph:
        with graph.batch() as edits:
            edits.add_agency("AG-HOS-9", "health")
            edits.add_person("P-ELM-C1", "child", dob=D(2026, 6, 1))
            edits.add_concern("C-ELM-1", category="physical_injury", severity=4,
                              recorded=D(2026, 10, 25), source="AG-HOS-9", about=["P-ELM-C1"])
        child = graph.assess(rules, AS_OF)["P-ELM-C1"]
    assert child.level == "child_protection"
    assert child.immediate_safety
    assert [o.id for o in child.overrides] == ["baby-serious-injury"]
    assert "immediate safety threat" in child.overrides[0].reason
    assert child.level_index >= child.score_level_index


def test_missing_date_of_birth_is_not_assessable(rules):
    with safeguard.Graph() as graph:
        with graph.batch() as edits:
            edits.add_agency("AG-SCH-9", "school")
            edits.add_person("P-ELM-C2", "child")
            edits.add_concern("C-ELM-2", category="school_attendance", severity=3,
                              recorded=D(2026, 10, 1), source="AG-SCH-9", about=["P-ELM-C2"])
        child = graph.assess(rules, AS_OF)["P-ELM-C2"]
    missing = {(n.rule_id, n.missing) for n in child.not_assessable}
    assert ("baby-with-recent-concern", "child.age") in missing


def test_explanations(result):
    text = result.explain("P-ASH-C1")
    assert text.startswith("Child P-ASH-C1 as of 2026-11-01")
    assert "restricted source" in text and "C-ASH-3" not in text
    cleared = result.explain("P-ASH-C1", viewer=["AG-POL-01"])
    assert "C-ASH-3" in cleared
    assert "C-ASH-3" in result.explain("P-ASH-C1", viewer="*")
    assert "C-ASH-3" not in result.explain("P-ASH-C1", viewer=["AG-SCH-01"])
    document = json.loads(result.explain(result["P-ASH-C1"], format="json"))
    assert document["child"] == "P-ASH-C1"
    assert document["level"] == "child_in_need"
    assert document["total"] == result["P-ASH-C1"].total
    assert document["pack"]["hash"] == result.rules_hash
    assert result.explain(0) == text


def test_iteration_and_lookup(result):
    assert [c.id for c in result] == result.child_ids
    assert "P-BIR-C1" in result and 3 not in result
    assert result.row("P-BIR-C1") == 2
    assert result[-1].id == "P-BIR-C1"
    assert repr(result) == "<safeguard.Result of 3 children as of 2026-11-01>"


def test_scores_and_levels_are_numpy_views_without_copy(result):
    numpy = pytest.importorskip("numpy")
    scores = result.scores
    assert scores.shape == (3, 4) and scores.dtype == numpy.float64
    assert not scores.flags.writeable and scores.flags.c_contiguous
    assert numpy.shares_memory(scores, result.scores)  # both view the result's own memory
    assert not scores.flags.owndata
    for child in result:
        assert list(scores[child.row]) == [child.scores[i] for i in result.index_ids]
    levels = result.levels
    assert list(levels) == [c.level_index for c in result]
    with pytest.raises(ValueError):
        scores[0, 0] = 1.0


def test_empty_graph(rules):
    with safeguard.Graph() as graph:
        result = graph.assess(rules, AS_OF)
    assert len(result) == 0 and list(result) == [] and result.child_ids == []
    pytest.importorskip("numpy")
    assert result.scores.shape == (0, 4)
    assert result.levels.shape == (0,)


def test_module_level_assess(families, rules):
    result = safeguard.assess(families, rules, as_of=AS_OF)
    assert result.child_ids == ["P-ASH-C1", "P-ASH-C2", "P-BIR-C1"]


def test_rule_set_info(rules):
    with open(DEFAULT_RULES, "rb") as file:
        pack = tomllib.load(file)
    assert rules.id == pack["pack"]["id"] == "safeguard-default"
    assert rules.version == pack["pack"]["version"]
    assert rules.title == pack["pack"]["title"]
    assert rules.rule_count == len(pack["rule"])
    assert rules.override_count == len(pack["override"])
    assert rules.index_ids == tuple(i["id"] for i in pack["index"])
    assert rules.level_ids == tuple(level["id"] for level in pack["level"])


def test_lint(rules):
    assert rules.lint == ()  # the bundled pack lints clean
    pack = ('[pack]\nid = "p"\nversion = "1"\n'
            '[[level]]\nid = "universal"\nmin = 0\n'
            '[[level]]\nid = "high"\nmin = 10\n'
            '[[index]]\nid = "scored"\n'
            '[[index]]\nid = "unused"\n'
            '[[rule]]\nid = "r"\nindex = "scored"\nheading = "harm"\nfor = "child"\n'
            'points = 20\n')
    with safeguard.RuleSet.loads(pack, name="lint.toml") as linted:
        unused = [w for w in linted.lint if w.code == "unused-index"]
    assert len(unused) == 1
    warning = unused[0]
    assert warning.entity == "unused" and warning.file == "lint.toml"
    assert warning.line == 12  # the [[index]] table that declares it
    assert str(warning).startswith("lint.toml:12:")
    assert str(warning).endswith("[unused-index]")


@pytest.mark.parametrize("pack", sorted((DEFAULT_RULES.parent).glob("*.toml")),
                         ids=lambda path: path.name)
def test_every_bundled_pack_loads_lints_clean_and_assesses(pack, families):
    with safeguard.RuleSet.load(pack) as rules:
        assert rules.lint == ()
        # The host's own view: an uncleared reader's withheld lines name no index.
        result = families.assess(rules, AS_OF, viewer="*")
    assert result.child_ids == ["P-ASH-C1", "P-ASH-C2", "P-BIR-C1"]
    for child in result:
        assert child.level in result.level_ids
        for index_id, score in child.scores.items():
            total = 0.0
            for contribution in child.contributions_to(index_id):
                total += contribution.value
            assert total == score


def test_a_child_from_another_result_is_found_by_id(families, rules):
    with safeguard.Graph() as graph:
        with graph.batch() as edits:
            edits.add_person("P-ONLY-C1", "child", dob=D(2019, 1, 1))
        other = graph.assess(rules, AS_OF)
    mine = families.assess(rules, AS_OF)
    assert mine.row(mine["P-BIR-C1"]) == 2
    with pytest.raises(safeguard.NotFoundError):
        mine.explain(other["P-ONLY-C1"])


def test_propagated_contributions_through_a_peer_network():
    root = DEFAULT_RULES.parent.parent
    with safeguard.Graph.from_file(root / "examples" / "data" / "peer_network.json") as graph, \
            safeguard.RuleSet.load(root / "rules" / "exploitation.toml") as pack, \
            graph.assess(pack, AS_OF) as assessed:
        child = assessed["P-PNW-C2"]
        propagated = [c for c in child.contributions if c.kind == "propagated"]
        assert {(c.via_id, c.via_kind, c.relation) for c in propagated} == {
            ("P-PNW-C1", "person", "associate"), ("G-PNW-MILL", "group", "member_of"),
            ("PL-PNW-TAKEAWAY", "place", "frequents")}
        for c in propagated:
            assert c.rule_id == "propagation" and c.path == c.relation
            assert c.evidence_id is None and c.cap_factor < 1  # the association cap bit
        assert all(c.kind == "rule" and c.relation is None for c in child.contributions
                   if c not in propagated)
        # The pack keeps contextual risk apart: the rule lines add up to the score, the
        # propagated lines to the contextual score (docs/rules.md, "Contextual risk").
        own = context = 0.0
        for c in child.contributions_to("criminal_exploitation"):
            if c.kind == "rule":
                own += c.value
            else:
                context += c.value
        assert own == child.scores["criminal_exploitation"]
        assert context == child.contextual_scores["criminal_exploitation"]
        document = json.loads(assessed.explain(child.id, format="json"))
        kinds = sorted(c["kind"] for items in document["contributions"].values() for c in items)
        kinds += [c["kind"] for c in document["contextual"]["contributions"]]
        assert sorted(kinds) == sorted(c.kind for c in child.contributions)
        frame = assessed.contributions_frame()
        assert set(frame["kind"]) == {"rule", "propagated"}


MISSPELT_CASE = {
    "schema_version": 1,
    "agencies": [{"id": "AG-SCH-01", "type": "school"}, {"id": "AG-POL-01", "type": "police"}],
    "households": [{"id": "HH-VOC"}],
    "persons": [{"id": "P-VOC-C1", "kind": "child", "dob": "2016-02-02", "household": "HH-VOC"}],
    "concerns": [
        {"id": "C-VOC-1", "category": "school_attendence", "severity": 3,
         "recorded": "2026-10-01", "status": "open", "source": "AG-SCH-01",
         "about": ["P-VOC-C1"]},
        {"id": "C-VOC-2", "category": "sexual_abuse_disclosur", "severity": 4,
         "recorded": "2026-10-03", "status": "open", "source": "AG-POL-01",
         "about": ["P-VOC-C1"], "restricted": True},
    ],
}


def test_a_misspelt_category_warns_and_strict_refuses(tmp_path, rules):
    """Issue 17: a case's misspelt category is reported (VocabularyWarning, Result.vocabulary)
    with entity ids and counts; a restricted concern's category is never named."""
    path = tmp_path / "misspelt.json"
    path.write_text(json.dumps(MISSPELT_CASE))
    with safeguard.Graph.from_file(str(path)) as graph:
        with pytest.warns(safeguard.VocabularyWarning) as caught:
            result = safeguard.assess(graph, rules, as_of=AS_OF)
        messages = [str(w.message) for w in caught]
        assert any("'school_attendence'" in m and "C-VOC-1" in m for m in messages)
        assert any("C-VOC-2" in m for m in messages)
        assert not any("sexual" in m for m in messages)
        findings = {f.name: f for f in result.vocabulary}
        assert findings["school_attendence"].code == "unknown-category"
        assert findings["school_attendence"].ids == ("C-VOC-1",)
        assert findings["school_attendence"].count == 1
        assert findings[""].ids == ("C-VOC-2",)
        with pytest.raises(safeguard.InvalidDataError) as refused:
            safeguard.assess(graph, rules, as_of=AS_OF, strict_vocabulary=True)
        assert refused.value.entity == "C-VOC-2"


def test_a_case_the_pack_knows_has_no_vocabulary_findings(result):
    assert result.vocabulary == ()


def test_lazy_explanations_read_as_eager_ones(rules):
    # explanations="lazy": the result keeps only the lines of children with restricted lines and
    # writes the others' on first read; every line, explanation and frame is the eager one.
    graph = safeguard.Graph.generate(300, seed=3)
    as_of = D(2026, 11, 1)
    eager = graph.assess(rules, as_of)
    lazy = graph.assess(rules, as_of, threads=2, explanations="lazy")
    assert [c.level for c in lazy] == [c.level for c in eager]
    for row in range(len(eager)):
        assert lazy[row].contributions == eager[row].contributions
        assert lazy.explain(row, format="json") == eager.explain(row, format="json")
    with pytest.raises(safeguard.InvalidArgumentError, match="explanations"):
        graph.assess(rules, as_of, explanations="sometimes")
