"""Approval of discretionary overrides (issue 17, item 6): the approver and date go in through
the batch and come back in the result; a pack that needs an approval to lower reports an
unapproved lowering as awaiting approval and does not apply it."""

import datetime

import pytest

import safeguard

D = datetime.date
AS_OF = D(2026, 11, 1)

PACK = """
[pack]
id = "approval-test"
version = "1"

[[level]]
id = "low"
min = 0

[[level]]
id = "mid"
min = 4

[[index]]
id = "risk"

[[rule]]
id = "worry"
index = "risk"
heading = "harm"
for = "concern"
when = 'concern.category == "worry"'
points = 5

[discretionary]
allow = "raise_and_lower"
approval = "lower"
"""


def assess(approved_by=None, approved=None):
    with safeguard.Graph() as graph, safeguard.RuleSet.loads(PACK, "approval.toml") as rules:
        with graph.batch() as edits:
            edits.add_agency("AG-SCH-9", "school")
            edits.add_person("P-APR-C1", "child", dob=D(2016, 1, 1))
            edits.add_person("P-APR-TM", "adult", dob=D(1980, 1, 1))
            edits.add_concern("C-APR-1", category="worry", severity=2, recorded=D(2026, 10, 1),
                              source="AG-SCH-9", about=["P-APR-C1"])
            edits.add_discretionary_override(
                "J-APR-1", child="P-APR-C1", direction="lower", date=D(2026, 10, 20),
                author="SW-0001", reason="Relatives now protect the child.",
                approved_by=approved_by, approved=approved)
        saved = graph.to_dict()
        return graph.assess(rules, AS_OF)["P-APR-C1"], saved


def test_an_unapproved_lowering_waits():
    child, _ = assess()
    assert child.level == "mid"
    assert child.discretionary.outcome == "awaiting_approval"
    assert child.discretionary.needs_approval
    assert child.discretionary.approved_by is None


def test_an_approved_lowering_applies():
    child, saved = assess("P-APR-TM", D(2026, 10, 25))
    assert child.level == "low"
    assert child.discretionary.outcome == "applied"
    assert (child.discretionary.approved_by, child.discretionary.approved) == \
        ("P-APR-TM", D(2026, 10, 25))
    assert saved["overrides"][0]["approved_by"] == "P-APR-TM"
    assert saved["overrides"][0]["approved"] == "2026-10-25"


def test_an_approval_after_the_as_of_date_was_not_given_then():
    child, _ = assess("P-APR-TM", D(2026, 11, 5))
    assert child.discretionary.outcome == "awaiting_approval"
    assert child.discretionary.approved_by is None


def test_a_bad_approver_is_refused_naming_the_override():
    with pytest.raises(safeguard.NotFoundError) as caught:
        assess("P-NOBODY", D(2026, 10, 25))
    assert "J-APR-1" in str(caught.value)
    with pytest.raises(safeguard.InvalidDataError):
        assess("P-APR-TM", D(2026, 10, 1))  # before the judgement was made
