"""Joining up from Python (docs/joining-up.md): the Ash household's triage list as JSON, text,
CSV and a DataFrame; and an uncleared reader gets nothing of the restricted marker concern in
tests/data/joining (tests/unit/test_joining.cpp checks the library's own outputs the same way)."""

import json
import os
import pathlib
import shutil
import subprocess

import pytest

import safeguard
from conftest import AS_OF

ROOT = pathlib.Path(__file__).resolve().parents[3]
CASE = ROOT / "tests" / "data" / "joining" / "case.json"
PACK = ROOT / "tests" / "data" / "joining" / "pack.toml"


def test_the_ash_children_reach_child_in_need_only_joined(result):
    document = json.loads(result.joined(viewer="*"))
    by_child = {c["child"]: c for c in document["triage"]}
    for child in ("P-ASH-C1", "P-ASH-C2"):
        entry = by_child[child]
        assert entry["joined"]["level"] == "child_in_need"
        assert entry["only_when_joined"]
        agencies = [f["agency"] for f in entry["fragments"]]
        assert agencies == ["AG-GP-01", "AG-HSG-01", "AG-POL-01", "AG-SCH-01"]
        assert all(f["level"] == "universal" for f in entry["fragments"])
        assert [r["id"] for r in entry["joining_fired"]["rules"]] == ["multi-agency-corroboration"]
    # Corroboration counts worries about care only (pack 0.3.0): not the police call-out.
    assert by_child["P-ASH-C1"]["minimal_sets"] == [["AG-GP-01", "AG-HSG-01", "AG-SCH-01"]]
    assert {c["child"] for c in document["triage"][:2]} == {"P-ASH-C1", "P-ASH-C2"}
    assert "VISIBLE ONLY WHEN JOINED" in result.joined(format="text", viewer="*")
    csv = result.joined(format="csv", viewer="*", limit=1)
    assert csv.splitlines()[0].startswith("rank,child,joined_level")
    assert len(csv.splitlines()) == 1 + 4  # one child, four agencies


def test_the_frame_has_a_row_per_child_and_agency(result):
    pandas = pytest.importorskip("pandas")
    frame = result.joined_frame(viewer="*")
    assert isinstance(frame, pandas.DataFrame)
    c1 = frame[frame.child_id == "P-ASH-C1"]
    assert list(c1.agency) == ["AG-GP-01", "AG-HSG-01", "AG-POL-01", "AG-SCH-01"]
    assert set(c1.agency_level) == {"universal"}
    assert list(c1.in_smallest_set) == [True, True, False, True]
    assert frame.attrs["only_when_joined"] >= 2
    # Uncleared (the default), the police's restricted worry is pooled.
    hidden = result.joined_frame()
    assert "AG-POL-01" not in set(hidden.agency)
    assert "restricted source" in set(hidden[hidden.child_id == "P-ASH-C1"].agency)


def test_bad_arguments_are_refused(result):
    with pytest.raises(safeguard.InvalidArgumentError):
        result.joined(format="xml")
    with pytest.raises(safeguard.InvalidArgumentError):
        result.joined(exact_up_to=21)
    with pytest.raises(safeguard.InvalidArgumentError):
        result.joined(limit=-1)


@pytest.mark.parametrize("viewer", [None, [], ["school", "AG-JN-GP"], ["AG-MRK"]])
def test_an_uncleared_reader_gets_no_restricted_detail(viewer):
    with safeguard.Graph.from_file(CASE) as graph, safeguard.RuleSet.load(PACK) as rules:
        with graph.assess(rules, AS_OF) as assessed:
            outputs = {f: assessed.joined(format=f, viewer=viewer) for f in ("text", "json", "csv")}
            outputs["frame"] = assessed.joined_frame(viewer=viewer).to_csv()
            for name, text in outputs.items():
                assert "mrk" not in text.lower(), name
                assert "restricted source" in text, name
            cleared = assessed.joined(viewer=["mrktype-intel-3zv"])
            assert "C-MRK-ID-9XW" in cleared and "MRKRULETITLE" in cleared


def test_a_training_pack_is_written_deterministically(rules, tmp_path):
    written = safeguard.training_pack(rules, tmp_path / "a", seed=7, difficulty=3, scenarios=2)
    assert written[0].endswith("index.html")
    assert any(p.endswith("reveal.html") for p in written)
    assert sum("agency-" in p for p in written) >= 6
    again = safeguard.training_pages(rules, seed=7, difficulty=3, scenarios=2)
    for path in written:
        relative = pathlib.Path(path).relative_to(tmp_path / "a").as_posix()
        assert pathlib.Path(path).read_text(encoding="utf-8") == again[relative]
    with pytest.raises(safeguard.InvalidArgumentError):
        safeguard.training_pages(rules, difficulty=9)


@pytest.mark.skipif(not os.environ.get("SAFEGUARD_CLI") or not shutil.which("dot"),
                    reason="needs the CLI and Graphviz")
def test_the_training_pack_from_python_is_the_clis_with_its_ecomaps(rules, tmp_path):
    """The reveal pages carry the child's ecomap, drawn in Python (the library never starts a
    process) and placed by the library: the same bytes as `safeguard training`."""
    options = dict(seed=3, difficulty=3, scenarios=1)
    pages = safeguard.training_pages(rules, **options)
    reveal = pages["scenario-1/reveal.html"]
    assert "<h2>Ecomap</h2>\n<figure>\n<svg" in reveal
    assert "<?xml" not in reveal and "DOCTYPE svg" not in reveal
    done = subprocess.run([os.environ["SAFEGUARD_CLI"], "training", "-o", str(tmp_path / "cli"),
                           "--seed", "3", "--difficulty", "3", "--scenarios", "1"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    assert done.returncode == 0, done.stderr
    for relative, html in pages.items():
        assert (tmp_path / "cli" / relative).read_text(encoding="utf-8") == html, relative
    without = safeguard.training_pages(rules, ecomaps=False, **options)
    assert "<h2>Ecomap</h2>" not in without["scenario-1/reveal.html"]
    assert without["index.html"] == pages["index.html"]
