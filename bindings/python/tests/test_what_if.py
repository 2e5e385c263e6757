"""safeguard.what_if (issue 18 item 4, docs/audit.md "What-if"): on a generated caseload with
planted groups, the frames agree with each other and with the program's CSV byte for byte; a
weight of 1 changes nothing; an unknown rule is refused naming it; the same document at 1 and 4
threads."""

import json
import os
import subprocess

import pytest

import safeguard

CLI = os.environ.get("SAFEGUARD_CLI")
AS_OF = "2026-11-01"


@pytest.fixture
def planted(tmp_path, rules):
    if not CLI:
        pytest.skip("SAFEGUARD_CLI is not set")
    case = tmp_path / "case.json"
    outcomes = tmp_path / "outcomes.csv"
    groups = tmp_path / "groups.csv"
    subprocess.run([CLI, "generate", "--children", "1500", "--seed", "5", "-o", str(case),
                    "--outcomes", str(outcomes), "--groups", str(groups)],
                   check=True, capture_output=True)
    with safeguard.Graph.from_file(case) as graph:
        with graph.assess(rules, AS_OF) as result:
            yield result, case, groups


def test_frames_agree_and_match_the_program(planted):
    result, case, groups = planted
    # The analyst's own view: every count by group shown (suppress_below=0), so they add up.
    change = safeguard.what_if(result, groups, without=["disabled-child"],
                               weights={"multi-agency-corroboration": 0.5}, suppress_below=0)
    assert isinstance(change, safeguard.WhatIf)
    assert change.hash_before == result.rules_hash
    assert change.hash_after != change.hash_before and len(change.hash_after) == 64
    changed = change.changed
    assert list(changed.columns) == ["id", "before", "after", "rules"]
    assert len(changed) > 0
    table = change.groups
    overall = table[table.attribute == ""].iloc[0]
    assert overall.up + overall.down == len(changed)
    # Children whose results draw on restricted evidence are left out for this (uncleared)
    # viewer, and only counted; a viewer cleared for everything sees every child.
    assert change.withheld_children > 0
    assert overall.children + change.withheld_children == len(result)
    everyone_view = safeguard.what_if(result, groups, without=["disabled-child"],
                                      weights={"multi-agency-corroboration": 0.5}, viewer="*")
    assert everyone_view.withheld_children == 0
    table_all = everyone_view.groups
    assert table_all[table_all.attribute == ""].iloc[0].children == len(result)
    for attribute in ("planted_group", "control_group"):
        part = table[table.attribute == attribute]
        assert part.children.sum() == overall.children
        assert part.up.sum() + part.down.sum() == len(changed)
    moves = change.transitions
    everyone = moves[moves.attribute == ""]
    assert everyone["count"].sum() == overall.children
    assert everyone[everyone["from"] != everyone["to"]]["count"].sum() == len(changed)
    # Each child's listed rules are among the ones changed.
    for rules in changed.rules:
        assert set(rules) <= {"disabled-child", "multi-agency-corroboration", "propagation"}
    program = subprocess.run([CLI, "what-if", str(case), "--groups", str(groups), "--as-of", AS_OF,
                              "--without", "disabled-child", "--weight",
                              "multi-agency-corroboration=0.5", "--format", "csv",
                              "--suppress-below", "0"],
                             check=True, capture_output=True)
    assert program.stdout.decode("utf-8") == change.to_csv()


def test_weight_one_changes_nothing_and_threads_do_not_matter(planted):
    result, _, groups = planted
    same = safeguard.what_if(result, groups, weights={"disabled-child": 1.0})
    assert same.hash_after == same.hash_before
    assert len(same.changed) == 0
    spec = safeguard.what_if_spec(["disabled-child"])
    assert spec == 'remove = ["disabled-child"]\n'
    one = safeguard.what_if(result, groups, spec=spec, threads=1)
    four = safeguard.what_if(result, groups, spec=spec, threads=4)
    assert one.document == four.document
    assert one.to_csv() == four.to_csv()


def test_unknown_rule_is_refused_naming_it(planted):
    result, _, groups = planted
    with pytest.raises(safeguard.NotFoundError, match="unknown rule 'no-such-rule'"):
        safeguard.what_if(result, groups, without=["no-such-rule"])
    with pytest.raises(safeguard.InvalidArgumentError):
        safeguard.what_if(result, groups, spec="remove = []\n", without=["disabled-child"])


def test_refit_proposes_a_new_version_that_loads(planted, tmp_path):
    result, case, _ = planted
    outcomes = tmp_path / "outcomes.csv"
    proposal = safeguard.refit(result, outcomes)
    assert isinstance(proposal, safeguard.Refit)
    assert proposal.new_version == "0.6.0-refit.1"
    frame = proposal.rules
    assert list(frame.columns) == ["id", "fired_positive", "fired_negative", "estimable",
                                   "coefficient", "multiplier", "written", "note"]
    assert frame.multiplier.notna().all() and frame.coefficient.notna().all()
    assert not frame[~frame.estimable].written.any()
    assert 0.5 < proposal.auc_original < 1 and 0.5 < proposal.auc_refit < 1
    assert proposal.diff.startswith("--- safeguard-default 0.6.0\n+++ safeguard-default "
                                    "0.6.0-refit.1\n")
    text = proposal.pack_toml()
    with safeguard.RuleSet.loads(text, "refit.toml") as pack:
        assert pack.version == "0.6.0-refit.1"
    # The same bytes as the program's --format json.
    program = subprocess.run([CLI, "refit", str(case), "--outcomes", str(outcomes), "--as-of",
                              AS_OF, "--format", "json"], check=True, capture_output=True)
    assert json.loads(program.stdout.decode("utf-8")) == proposal.document


def test_refit_for_an_uncleared_reader_does_not_move_with_restricted_evidence(tmp_path, rules):
    """A marker in restricted data (one restricted concern's severity, and the outcome of the
    child it is about) moves nothing the default, uncleared reader sees; cleared, it does."""
    if not CLI:
        pytest.skip("SAFEGUARD_CLI is not set")
    case = tmp_path / "case.json"
    outcomes = tmp_path / "outcomes.csv"
    subprocess.run([CLI, "generate", "--children", "1500", "--seed", "5", "-o", str(case),
                    "--outcomes", str(outcomes)], check=True, capture_output=True)
    document = json.loads(case.read_text())
    marked = next(c for c in document["concerns"]
                  if c.get("restricted") and c["category"] == "physical_injury"
                  and len(c["about"]) == 1)
    marked["severity"] = 4 if marked.get("severity", 1) == 5 else 5
    document.pop("checksum", None)  # an edited file no longer matches it
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    planted = dict(line.split(",") for line in outcomes.read_text().splitlines()[2:])
    plain = {child: int(value) for child, value in planted.items()}
    flipped = dict(plain)
    flipped[marked["about"][0]] = 1 - flipped[marked["about"][0]]

    def refits(path):
        with safeguard.Graph.from_file(path) as graph:
            with graph.assess(rules, AS_OF) as result:
                return ([safeguard.refit(result, o).document for o in (plain, flipped)],
                        [safeguard.refit(result, o, viewer="*").document
                         for o in (plain, flipped)])

    (shown, shown_flipped), (cleared, cleared_flipped) = refits(case)
    (marked_shown, marked_flipped), (marked_cleared, _) = refits(changed)
    assert shown["viewer"].startswith("uncleared") and shown["withheld_children"] > 0
    assert shown == shown_flipped == marked_shown == marked_flipped
    assert cleared["withheld_children"] == 0
    assert cleared != cleared_flipped and cleared != marked_cleared
