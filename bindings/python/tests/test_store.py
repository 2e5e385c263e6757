"""The record's durable store from Python: Record.open restores what was applied; bad paths
raise the mapped exceptions naming the path; erasure leaves no trace in the files."""

import datetime
import json
import pathlib

import pytest

import safeguard

from conftest import FAMILIES

D = datetime.date
T0 = 1_790_000_000
HOUR = 3600


def readback(record):
    """Everything a host can read back, for comparing two records."""
    changes = record.changes()
    facts = sorted({change["fact"] for change in changes if change["kind"] != "calendar"})
    return {
        "revision": record.revision,
        "changes": changes,
        "histories": {fact: record.history(fact) for fact in facts},
        "export": record.export(D(2026, 11, 1)),
        "export_then": record.export(D(2026, 11, 1), known_at=T0),
    }


def test_a_store_restores_the_record(tmp_path, rules):
    path = tmp_path / "case.store"
    with safeguard.Record.open(path) as record:
        assert record.revision == 0
        record.loads(FAMILIES.read_text(), "families.json", recorded_at=T0, author="loader",
                     reason="initial load", source_system="cms", source_reference="export-1")
        with safeguard.Batch() as edits:
            edits.upsert_person("P-NEW", "child", dob=D(2017, 1, 1))
            edits.amend("person", "P-NEW", dob=D(2016, 1, 1), flags=["young_carer"])
            record.apply(edits, recorded_at=T0 + HOUR, author="worker-1", reason="correction")
        expected = readback(record)
        levels = [child.level for child in record.assess(rules, D(2026, 11, 1))]
    with safeguard.Record.open(str(path), create=False) as again:
        assert again.revision == 2
        assert readback(again) == expected
        assert [child.level for child in again.assess(rules, D(2026, 11, 1))] == levels
        assert again.trail("P-NEW")[0]["author"] == "worker-1"
        # Every batch is committed as it is applied: the next one lands in the store too.
        with safeguard.Batch() as edits:
            edits.upsert_entity("agency", "AG-NEW", "school", "Fictional School")
            again.apply(edits, recorded_at=T0 + 2 * HOUR, author="worker-2")
    with safeguard.Record.open(path) as third:
        assert third.revision == 3
        assert third.get("AG-NEW")["fields"]["name"] == "Fictional School"


def test_a_case_file_imports_into_a_store_and_exports_as_known_at(tmp_path):
    path = tmp_path / "case.store"
    with safeguard.Record.open(path) as record:
        record.loads(FAMILIES.read_text(), "families.json", recorded_at=T0, author="importer")
    with safeguard.Record.open(path) as record, safeguard.Graph.from_file(FAMILIES) as direct:
        assert json.loads(record.export(D(2026, 11, 1), known_at=T0)) == json.loads(direct.dumps())


def test_opening_a_store_reports_progress_and_can_be_stopped(tmp_path):
    path = tmp_path / "big.store"
    with safeguard.Graph.generate(800, seed=3) as graph:
        text = graph.dumps()
    with safeguard.Record.open(path) as record:
        record.loads(text, "caseload.json", recorded_at=T0, author="importer")
        revision, expected = record.revision, record.export(D(2026, 11, 1))
    seen = []
    with safeguard.Record.open(path, progress=lambda done, total: seen.append((done, total))) \
            as record:
        assert record.revision == revision and record.export(D(2026, 11, 1)) == expected
    assert len(seen) >= 3 and seen[-1][0] == seen[-1][1]  # a thousand versions a report
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    with pytest.raises(safeguard.CancelledError):
        safeguard.Record.open(path, progress=lambda done, total: False)
    # Stopped, the store was closed again as it was: it opens, with nothing lost.
    with safeguard.Record.open(path, create=False) as record:
        assert record.revision == revision and record.export(D(2026, 11, 1)) == expected


def test_importing_and_applying_report_progress_and_a_stop_changes_nothing(tmp_path):
    path = tmp_path / "progress.store"
    with safeguard.Graph.generate(1500, seed=5) as graph:
        text = graph.dumps()
    with safeguard.Record.open(path) as record:
        first = safeguard.Batch()
        first.add_household("HH-FIRST")
        record.apply(first, recorded_at=T0, author="importer")
        expected = record.export(D(2026, 11, 1))
        seen = []
        # Stopped at each report in turn (the first, in the parse, and in the apply), the
        # record and its store stay as they were.
        for stop in (1, 2, 5):
            calls = []

            def stopping(done, total, calls=calls, stop=stop):
                calls.append(done)
                return len(calls) < stop

            with pytest.raises(safeguard.CancelledError):
                record.loads(text, "caseload.json", recorded_at=T0 + 1, author="importer",
                             progress=stopping)
            assert len(calls) == stop
            assert record.revision == 1 and record.export(D(2026, 11, 1)) == expected
        # Let run: bytes parsed, then the same bytes again as the batch is checked and stored.
        record.loads(text, "caseload.json", recorded_at=T0 + 1, author="importer",
                     progress=lambda done, total: seen.append((done, total)))
        assert record.revision == 2
    size = len(text.encode())
    assert all(total == 2 * size for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1][0] == 2 * size and any(size < done < 2 * size for done, _ in seen)
    with safeguard.Record.open(path, create=False) as record:
        assert record.revision == 2
        batch = safeguard.Batch()
        batch.add_household("HH-PROGRESS")
        with pytest.raises(safeguard.CancelledError):
            record.apply(batch, recorded_at=T0 + 2, author="importer",
                         progress=lambda done, total: done < total)
        assert record.revision == 2
        versions = []
        assert record.apply(batch, recorded_at=T0 + 2, author="importer",
                            progress=lambda done, total: versions.append((done, total))) == 3
        assert versions == [(0, 2), (1, 2), (2, 2)]


def test_bad_paths_raise_errors_naming_the_path(tmp_path):
    missing = tmp_path / "missing.store"
    with pytest.raises(safeguard.FileError) as error:
        safeguard.Record.open(missing, create=False)
    assert error.value.file == str(missing)
    assert not missing.exists()

    not_a_store = tmp_path / "case.json"
    not_a_store.write_text(FAMILIES.read_text())
    with pytest.raises(safeguard.InvalidDataError) as error:
        safeguard.Record.open(not_a_store)
    assert str(not_a_store) in str(error.value)
    assert not_a_store.read_text() == FAMILIES.read_text()

    with pytest.raises(safeguard.FileError):
        safeguard.Record.open(tmp_path / "no-such-dir" / "case.store")
    with pytest.raises(safeguard.InvalidArgumentError):
        safeguard.Record.open("")


def test_a_store_belongs_to_one_record_at_a_time(tmp_path):
    path = tmp_path / "case.store"
    first = safeguard.Record.open(path)
    with pytest.raises(safeguard.MisuseError) as error:
        safeguard.Record.open(path)
    assert str(path) in str(error.value)
    first.close()
    with safeguard.Record.open(path) as second:
        assert second.revision == 0


def test_erasure_leaves_no_trace_in_the_files(tmp_path):
    path = tmp_path / "erase.store"
    secrets = [b"flag-PYQX-4471", b"summary-PYQX-8812", b"note-PYQX-1203"]
    with safeguard.Record.open(path) as record:
        record.loads(FAMILIES.read_text(), "families.json", recorded_at=T0, author="loader")
        with safeguard.Batch() as edits:
            edits.upsert_person("P-ERASE", "child", dob=D(2009, 4, 4), flags=["flag-PYQX-4471"])
            edits.upsert_concern("C-ERASE", category="neglect", severity=2,
                                 recorded=D(2026, 10, 1), source="AG-SCH-01",
                                 about=["P-ERASE"], summary="summary-PYQX-8812")
            edits.upsert_event("E-ERASE", "referral", D(2026, 10, 2), ["P-ERASE"],
                               note="note-PYQX-1203")
            record.apply(edits, recorded_at=T0 + HOUR, author="worker-1")
        found = b"".join(pathlib.Path(str(path) + suffix).read_bytes()
                         for suffix in ("", "-wal") if pathlib.Path(str(path) + suffix).exists())
        assert all(secret in found for secret in secrets)
        with safeguard.Batch() as edits:
            edits.erase("P-ERASE", "dpo")
            record.apply(edits, recorded_at=T0 + 2 * HOUR, author="dpo-office")
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith("erase.store")]
    content = b"".join(p.read_bytes() for p in leftovers)
    assert [secret for secret in secrets if secret in content] == []
    with safeguard.Record.open(path) as record:
        assert record.get("P-ERASE")["fields"]["dob"] is None
        assert record.get("P-ERASE")["fields"]["flags"] == []
