"""The living record from Python: every edit kind, as_of/known_at, erasure, the audit trail and
read-back."""

import datetime

import pytest

import safeguard

from conftest import FAMILIES

D = datetime.date
T0 = 1_790_000_000  # record times: seconds since 1970-01-01T00:00:00Z
HOUR = 3600


@pytest.fixture
def record():
    with safeguard.Record() as rec:
        rec.loads(FAMILIES.read_text(), "families.json", recorded_at=T0, author="loader",
                  reason="initial load", source_system="cms", source_reference="export-1")
        yield rec


def levels(result):
    return {child.id: child.level for child in result}


def test_every_edit_kind_and_known_at(record, rules):
    as_of = D(2026, 11, 1)
    before = levels(record.assess(rules, as_of))
    with safeguard.Batch() as edits:
        edits.add_household("HH-NEW")
        edits.upsert_entity("place", "PL-NEW", "park", "Fictional Park")
        edits.upsert_entity("agency", "AG-NEW", "school", "Fictional School")
        edits.upsert_entity("group", "G-NEW", "peer_group")
        edits.upsert_person("P-NEW", "child", dob=D(2017, 1, 1), household="HH-NEW")
        edits.amend("person", "P-NEW", dob=D(2016, 1, 1), flags=["young_carer"])
        edits.amend("place", "PL-NEW", name="Renamed Park")
        edits.upsert_concern("C-NEW", category="physical_injury", severity=3, recorded=D(2026, 10, 1),
                             source="AG-NEW", about=["P-NEW"], summary="fictional")
        edits.amend("concern", "C-NEW", severity=4, restricted=True)
        edits.upsert_factor("F-NEW", kind="early_help_engagement", strength=2,
                            protects=["P-NEW"], start=D(2026, 1, 1))
        edits.upsert_event("E-NEW", "referral", D(2026, 10, 2), ["P-NEW"])
        edits.upsert_discretionary_override("O-NEW", child="P-NEW", direction="raise",
                                            date=D(2026, 10, 3), author="sw-1", reason="judgement")
        edits.amend("override", "O-NEW", reason="judgement, revised")
        edits.add_relation("frequents", "P-NEW", "PL-NEW")
        revision = record.apply(edits, recorded_at=T0 + HOUR, author="worker-1",
                                reason="new referral")
    assert revision == 2 == record.revision

    with safeguard.Batch() as edits:
        edits.end_relation("frequents", "P-NEW", "PL-NEW", D(2026, 10, 20))
        edits.end_membership("P-NEW", D(2026, 10, 20))
        edits.end_factor("F-NEW", D(2026, 10, 20))
        edits.retract("C-NEW", D(2026, 10, 25), "made in error")
        record.apply(edits, recorded_at=T0 + 2 * HOUR, author="worker-2")

    concern = record.get("C-NEW")
    assert concern["retracted"] == "2026-10-25"
    assert concern["retraction_reason"] == "made in error"
    assert concern["fields"]["severity"] == 4 and concern["fields"]["restricted"] is True
    assert record.get("C-NEW", known_at=T0 + HOUR)["retracted"] is None
    assert record.get("C-NEW", known_at=T0) is None
    assert record.get("P-NEW")["fields"]["dob"] == "2016-01-01"
    assert record.get("P-NEW")["fields"]["flags"] == ["young_carer"]
    assert [v["change"] for v in record.history("P-NEW")] == ["added", "ended"]
    assert record.get("frequents:P-NEW:PL-NEW")["ended"] == "2026-10-20"

    # Known at the first load, the assessment is the one given then.
    assert levels(record.assess(rules, as_of, known_at=T0)) == before
    assert "P-NEW" in levels(record.assess(rules, as_of))
    exported = record.export(D(2026, 10, 21))
    assert "P-NEW" in exported and "PL-NEW" in exported
    with safeguard.Graph.from_string(exported) as graph:
        assert graph.count("person") > 0

    # A record batch cannot go to a plain graph.
    with safeguard.Batch() as edits, safeguard.Graph() as graph:
        edits.retract("C-NEW", D(2026, 10, 25), "again")
        with pytest.raises(safeguard.InvalidArgumentError):
            graph.apply(edits)


def test_an_upserted_event_keeps_its_decision_category_and_expected_date(record):
    # Restating an event replaces every field: Batch.upsert_event takes the same fields as
    # add_event, so a strategy discussion's decision (no decision reads as "s47") is kept.
    with safeguard.Batch() as edits:
        edits.add_event("E-UP-1", "strategy_discussion", D(2026, 9, 1), ["P-ASH-C1"],
                        decision="no_s47")
        record.apply(edits, recorded_at=T0 + HOUR, author="worker-1")
    with safeguard.Batch() as edits:
        edits.upsert_event("E-UP-1", "strategy_discussion", D(2026, 9, 1), ["P-ASH-C1"],
                           note="restated", decision="no_s47")
        edits.upsert_event("E-UP-2", "expected_birth", D(2026, 9, 2), ["P-ASH-C1"],
                           expected=D(2027, 1, 15))
        record.apply(edits, recorded_at=T0 + 2 * HOUR, author="worker-1")
    fields = record.get("E-UP-1")["fields"]
    assert fields["decision"] == "no_s47"
    assert fields["note"] == "restated"
    assert record.get("E-UP-2")["fields"]["expected"] == "2027-01-15"


def test_erasure_audit_trail_and_change_feed(record):
    child = "P-ASH-C1"
    with safeguard.Batch() as edits:
        edits.amend("person", child, dob=D(2018, 3, 10))
        record.apply(edits, recorded_at=T0 + HOUR, author="worker-9",
                     reason="date of birth corrected", source_system="cms",
                     source_reference="CMS-42")
    trail = record.trail(child)
    assert [(e["change"], e["author"]) for e in trail] == [("added", "loader"),
                                                           ("amended", "worker-9")]
    assert trail[1]["reason"] == "date of birth corrected"
    assert trail[1]["recorded_at"] == T0 + HOUR
    csv_text = record.trail(child, format="csv")
    assert csv_text.splitlines()[0].startswith("revision,recorded_at,item,fact")
    assert ",amended,worker-9," in csv_text
    assert [c["fact"] for c in record.changes(1)] == [child]
    assert record.batch_trail(2)[0]["source_reference"] == "CMS-42"

    with safeguard.Batch() as edits:
        edits.erase(child, "data-protection-officer")
        record.apply(edits, recorded_at=T0 + 2 * HOUR, author="dpo")
    for version in record.history(child):
        assert version["fields"]["dob"] is None
        assert version["fields"]["flags"] == []
    assert record.get(child)["change"] == "erased"
    assert child not in record.export(D(2026, 11, 1))
    with pytest.raises(safeguard.InvalidArgumentError):
        record.changes(0, format="xml")


def test_bad_batches_change_nothing(record):
    with safeguard.Batch() as edits:
        edits.amend("person", "P-ASH-C1", dob=D(2018, 3, 10))
        edits.amend("concern", "NO-SUCH", severity=2)
        with pytest.raises(safeguard.NotFoundError):
            record.apply(edits, recorded_at=T0 + HOUR, author="worker-1")
    assert record.revision == 1
    with safeguard.Batch() as edits:
        edits.add_household("HH-LATE")
        with pytest.raises(safeguard.InvalidArgumentError):
            record.apply(edits, recorded_at=T0 - 1, author="worker-1")
        with pytest.raises(safeguard.InvalidArgumentError):
            record.apply(edits, recorded_at=datetime.datetime(2026, 1, 1), author="worker-1")
        when = datetime.datetime(2026, 10, 1, tzinfo=datetime.timezone.utc)
        assert record.apply(edits, recorded_at=when, author="worker-1") == 2
    with safeguard.Batch() as edits, pytest.raises(safeguard.InvalidArgumentError):
        edits.amend("person", "P-1", shoe_size="9")


def test_record_times_and_revisions_out_of_range_are_refused_not_wrapped():
    """ctypes keeps only the low bits of a number: 2**64 + 5 once reached the library as 5."""
    rec = safeguard.Record()
    text = '{"schema_version":1,"households":[{"id":"H"}]}'
    for recorded_at in (2 ** 64 + 5, 2 ** 63, -(2 ** 63) - 1, 10 ** 400):
        with pytest.raises(safeguard.InvalidArgumentError, match="recorded_at is out of range") \
                as raised:
            rec.loads(text, recorded_at=recorded_at, author="SW")
        assert len(str(raised.value)) < 120  # the bounds, never the number
    assert rec.revision == 0
    # In int64 but outside the years a record time may take (1900 to 2200): the library's own
    # refusal, naming the field.
    for recorded_at in (2 ** 63 - 2, 7289654400, -2208988801):
        with pytest.raises(safeguard.InvalidArgumentError, match="recorded_at .* is outside"):
            rec.loads(text, recorded_at=recorded_at, author="SW")
    assert rec.revision == 0
    rec.loads(text, recorded_at=7289654399, author="SW")
    assert rec.changes()[0]["recorded_at"] == 7289654399
    for known_at in (2 ** 64 + 4, -(2 ** 63) - 1):
        with pytest.raises(safeguard.InvalidArgumentError, match="known_at is out of range"):
            rec.get("H", known_at=known_at)
        with pytest.raises(safeguard.InvalidArgumentError, match="known_at is out of range"):
            rec.export(D(2026, 11, 1), known_at=known_at)
    with pytest.raises(safeguard.InvalidArgumentError, match="since is out of range"):
        rec.changes(since=2 ** 64 + 1)
    with pytest.raises(safeguard.InvalidArgumentError, match="since is out of range"):
        rec.changes(since=-1)
    with pytest.raises(safeguard.InvalidArgumentError, match="revision is out of range"):
        rec.batch_trail(2 ** 64 + 1)
    with pytest.raises(TypeError, match="recorded_at must be an int"):
        rec.loads(text, recorded_at=True, author="SW")


def test_counts_seeds_and_threads_out_of_range_are_refused_not_wrapped(rules):
    graph = safeguard.Graph.generate(5, seed=2 ** 64 - 1)
    for seed in (2 ** 64, -1):
        with pytest.raises(safeguard.InvalidArgumentError, match="seed is out of range"):
            safeguard.Graph.generate(5, seed=seed)
    for threads in (-1, 2 ** 32, 2 ** 64 + 1):
        with pytest.raises(safeguard.InvalidArgumentError, match="threads is out of range"):
            graph.assess(rules, D(2026, 11, 1), threads=threads)
        with pytest.raises(safeguard.InvalidArgumentError, match="threads is out of range"):
            safeguard.Record().assess(rules, D(2026, 11, 1), threads=threads)
    result = graph.assess(rules, D(2026, 11, 1))
    for name in ("threads", "exact_up_to", "limit"):
        with pytest.raises(safeguard.InvalidArgumentError, match=name + " is out of range"):
            result.joined(**{name: 2 ** 64})
    with pytest.raises(safeguard.InvalidArgumentError, match="threads is out of range"):
        safeguard.what_if(result, without=["x"], threads=2 ** 32)
    with pytest.raises(safeguard.InvalidArgumentError, match="seed is out of range"):
        safeguard.training_pages(rules, seed=2 ** 64)
