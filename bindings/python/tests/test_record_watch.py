"""Incremental results over the living record from Python: watch() then apply_changes() gives
the children a batch may have changed, each equal to its row in a full assessment; a refused
batch changes nothing."""

import dataclasses
import datetime

import pytest

import safeguard

from conftest import FAMILIES

D = datetime.date
T0 = 1_790_000_000
HOUR = 3600
AS_OF = D(2026, 11, 1)


@pytest.fixture
def record():
    with safeguard.Record() as rec:
        rec.loads(FAMILIES.read_text(), "families.json", recorded_at=T0, author="loader")
        yield rec


def rows(result):
    """Each child's whole result, without its row number (which differs between results)."""
    return {child.id: dataclasses.replace(child, row=0) for child in result}


def test_apply_changes_gives_the_changed_children_as_a_full_assessment_does(record, rules):
    everyone = rows(record.watch(rules, AS_OF))
    assert everyone == rows(record.assess(rules, AS_OF))
    child = sorted(everyone)[0]

    with safeguard.Batch() as edits:
        edits.upsert_concern("C-WATCH-1", category="physical_injury", severity=5,
                             recorded=D(2026, 10, 1), source="AG-SCH-01", about=[child])
        changed = record.apply_changes(edits, recorded_at=T0 + HOUR, author="worker-1",
                                       reason="new concern")
    assert record.revision == 2
    changed_rows = rows(changed)
    assert child in changed_rows
    assert len(changed_rows) < len(everyone)
    full = rows(record.assess(rules, AS_OF))
    assert all(full[id] == row for id, row in changed_rows.items())
    assert changed_rows[child] != everyone[child]
    assert changed.as_of == AS_OF

    # Amended, then retracted before the watched date: rescored each time, equal to full.
    for step, edit in enumerate([lambda b: b.amend("concern", "C-WATCH-1", severity=1),
                                 lambda b: b.retract("C-WATCH-1", D(2026, 10, 20), "error")]):
        with safeguard.Batch() as edits:
            edit(edits)
            changed = rows(record.apply_changes(edits, recorded_at=T0 + (2 + step) * HOUR,
                                                author="worker-2"))
        full = rows(record.assess(rules, AS_OF))
        assert child in changed
        assert all(full[id] == row for id, row in changed.items())


def test_a_refused_batch_changes_neither_the_record_nor_the_watch(record, rules):
    record.watch(rules, AS_OF)
    before = rows(record.assess(rules, AS_OF))
    with safeguard.Batch() as edits:
        edits.upsert_entity("household", "HH-WATCH")
        edits.upsert_concern("C-WATCH-2", category="neglect", severity=3, recorded=D(2026, 10, 1),
                             source="AG-UNKNOWN", about=[sorted(before)[0]])
        with pytest.raises(safeguard.NotFoundError) as failure:
            record.apply_changes(edits, recorded_at=T0 + HOUR, author="worker-1")
    assert "AG-UNKNOWN" in str(failure.value)
    assert record.revision == 1
    assert record.get("HH-WATCH") is None
    assert rows(record.assess(rules, AS_OF)) == before

    # The watch still follows the record.
    with safeguard.Batch() as edits:
        edits.end_membership(sorted(before)[0], D(2026, 10, 1))
        changed = rows(record.apply_changes(edits, recorded_at=T0 + 2 * HOUR, author="w"))
    full = rows(record.assess(rules, AS_OF))
    assert all(full[id] == row for id, row in changed.items())


def test_apply_changes_needs_a_watch(record, rules):
    with safeguard.Batch() as edits:
        edits.add_household("HH-X")
        with pytest.raises(safeguard.InvalidArgumentError):
            record.apply_changes(edits, recorded_at=T0 + HOUR, author="worker-1")
    assert record.revision == 1
