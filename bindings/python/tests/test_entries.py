"""Recorded entries and display names from Python: Batch.add_entry / upsert_entry and
add_person(name=...), the errors a bad entry gets (the graph unchanged), the record and the
frames keeping them, and what each reader of a report sees of them."""

import datetime
import pathlib

import pytest

import safeguard
from safeguard import frames

ROOT = pathlib.Path(__file__).resolve().parents[3]
FAMILIES = ROOT / "examples" / "data" / "families.json"
AS_OF = datetime.date(2026, 11, 1)
D = datetime.date


def small_graph():
    graph = safeguard.Graph()
    with graph.batch() as batch:
        batch.add_agency("AG-P", "police")
        batch.add_household("HH-Q")
        batch.add_person("P-Q1", "child", dob=D(2016, 4, 1), household="HH-Q", name="Zed Quill")
        batch.add_person("P-Q2", "adult", dob=D(1988, 1, 1), household="HH-Q",
                         name="Yara Quill")
        batch.add_entry("N-Q1", "child_voice", D(2026, 10, 1), ["P-Q1"], author="SW-7",
                        text="I feel safe with my aunt.")
        batch.add_entry("N-Q2", "scaling", D(2026, 10, 2), ["P-Q1"], author="SW-7",
                        text="Agreed at the visit.", value=4,
                        question="How safe is Zed at home?")
        batch.add_entry("N-Q3", "danger_statement", D(2026, 10, 3), ["P-Q1"], author="POL-1",
                        text="Police words nobody uncleared may read.", source="AG-P",
                        restricted=True)
    return graph


def test_entries_and_names_reach_the_report_and_only_cleared_readers_see_restricted_ones():
    with small_graph() as graph, safeguard.RuleSet.bundled("default") as rules:
        with graph.assess(rules, AS_OF) as result:
            html = result.report("P-Q1", viewer=None)
            assert "Zed Quill (10)" in html and "Yara Quill (38)" in html
            assert "I feel safe with my aunt." in html
            assert "4/10" in html and "How safe is Zed at home?" in html
            assert "Police words" not in html and "N-Q3" not in html
            family = result.report("P-Q1", audience="family", viewer=None)
            assert "What Zed Quill has told us" in family
            assert "The answer was 4 out of 10." in family
            assert "Police words" not in family
            assert "Police words" in result.report("P-Q1", viewer=["police"])
            # Names are for the two pages only: never in explanations or contribution tables.
            for text in (result.explain("P-Q1", format="json", viewer="*"),
                         result.explain("P-Q1", viewer="*"),
                         result.contributions_frame(viewer="*").to_csv()):
                assert "Quill" not in text


def test_bad_entries_are_refused_and_change_nothing():
    with small_graph() as graph:
        before = graph.dumps()
        with pytest.raises(safeguard.InvalidArgumentError, match="kind"):
            with graph.batch() as batch:
                batch.add_entry("N-BAD", "gossip", D(2026, 10, 1), ["P-Q1"], author="SW-7",
                                text="x")
        cases = [
            (dict(kind="scaling", value=11), safeguard.InvalidDataError, "outside 0-10"),
            (dict(kind="scaling"), safeguard.InvalidDataError, "needs a value"),
            (dict(kind="strength", value=3), safeguard.InvalidDataError, "only a scaling"),
            (dict(kind="strength", about=["P-Q2"]), safeguard.InvalidDataError, "not a child"),
            (dict(kind="strength", about=["P-NOPE"]), safeguard.NotFoundError, "P-NOPE"),
            (dict(kind="strength", id="N-Q1"), safeguard.DuplicateError, "N-Q1"),
            (dict(kind="strength", restricted=True), safeguard.InvalidDataError, "source"),
        ]
        for fields, error, message in cases:
            args = dict(id="N-BAD", about=["P-Q1"])
            args.update(fields)
            with pytest.raises(error, match=message) as raised:
                with graph.batch() as batch:
                    batch.add_entry(args["id"], args["kind"], D(2026, 10, 1), args["about"],
                                    author="SW-7", text="Fictional words.",
                                    value=args.get("value"),
                                    restricted=args.get("restricted", False))
            assert raised.value.entity == args["id"]
            assert "Quill" not in str(raised.value)
            assert graph.dumps() == before
        with pytest.raises(TypeError):
            with graph.batch() as batch:
                batch.add_entry("N-BAD", "scaling", D(2026, 10, 1), ["P-Q1"], author="SW-7",
                                text="x", value=6.5)
        assert graph.dumps() == before


def test_saving_the_record_and_frames_keep_entries_and_names(tmp_path):
    with small_graph() as graph:
        text = graph.dumps()
        with safeguard.Graph.from_string(text) as again:
            assert again.dumps() == text
        with frames.graph_from_frames(**frames.graph_to_frames(graph)) as rebuilt:
            assert rebuilt.dumps() == text
        document = graph.to_dict()
        assert [e["id"] for e in document["entries"]] == ["N-Q1", "N-Q2", "N-Q3"]
        assert document["persons"][0]["name"] == "Zed Quill"
    path = tmp_path / "quill.store"
    with safeguard.Record.open(path) as record:
        with safeguard.Batch() as batch:
            batch.add_agency("AG-P", "police")
            batch.add_person("P-Q1", "child", dob=D(2016, 4, 1), name="Zed Quill")
            batch.add_entry("N-Q1", "child_voice", D(2026, 10, 1), ["P-Q1"], author="SW-7",
                            text="I feel safe with my aunt.")
            record.apply(batch, recorded_at=1, author="SW-7")
        with safeguard.Batch() as batch:
            batch.upsert_entry("N-Q1", "child_voice", D(2026, 10, 1), ["P-Q1"], author="SW-7",
                               text="I feel safe at my aunt's house.")
            record.apply(batch, recorded_at=2, author="SW-7")
    with safeguard.Record.open(path, create=False) as record:
        exported = record.export(AS_OF)
        assert "I feel safe at my aunt's house." in exported
        assert '"name": "Zed Quill"' in exported


def test_entries_never_score():
    with safeguard.Graph.from_file(FAMILIES) as graph, \
            safeguard.RuleSet.bundled("default") as rules:
        with graph.assess(rules, AS_OF) as with_entries:
            scores = [(c.id, c.level, c.total) for c in with_entries]
        with graph.batch() as batch:
            for entry in graph.to_dict()["entries"]:
                batch.add_entry(entry["id"] + "-again", entry["kind"], entry["date"],
                                entry["about"], author=entry["author"], text=entry["text"],
                                value=entry.get("value"), question=entry.get("question"),
                                source=entry.get("source"),
                                restricted=entry.get("restricted", False))
        with graph.assess(rules, AS_OF) as doubled:
            assert [(c.id, c.level, c.total) for c in doubled] == scores
