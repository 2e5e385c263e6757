"""Rendering from Python: the conference report for a sibling group, the family version, the
ecomap and the timeline text are the library's (sg_render_*), so Python gives the same bytes as
the safeguard program for the same inputs."""

import datetime
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

import safeguard

ROOT = pathlib.Path(__file__).resolve().parents[3]
FAMILIES = ROOT / "examples" / "data" / "families.json"
TIMELINE = ROOT / "examples" / "data" / "timeline.json"
AS_OF = datetime.date(2026, 11, 1)
CLI = os.environ.get("SAFEGUARD_CLI")
BUNDLED = "bundled rules/default.toml"


def cli(*args):
    """What the safeguard program writes to a file (so no colour) for these arguments."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out")
        done = subprocess.run([CLI, *args, "-o", path], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, check=False)
        assert done.returncode == 0, done.stderr
        with open(path, encoding="utf-8") as f:
            return f.read()


@pytest.fixture
def ash():
    with safeguard.Graph.from_file(FAMILIES) as graph, safeguard.RuleSet.bundled("default") as rules:
        with graph.assess(rules, AS_OF) as result:
            yield result


def test_the_sibling_group_report(ash):
    html = ash.report(household="HH-ASH")
    assert html.startswith('<!DOCTYPE html>\n<html lang="en-GB">')
    assert html.index('id="child-P-ASH-C1"') < html.index('id="child-P-ASH-C2"')
    assert html.index("Family composition") < html.index('id="child-P-ASH-C1"')
    assert html.index('id="appendix"') < html.index('id="provenance"')
    assert "Total score" not in html
    assert ash.report(["P-ASH-C1", "P-ASH-C2"]) == html
    assert ash.report([0, 1]) == html


def test_the_family_version(ash):
    html = ash.report(household="HH-ASH", audience="family")
    assert "What the workers are worried about" in html and "Your views" in html
    assert "SHA-256" not in html and "restricted" not in html
    assert "multi-agency-corroboration" not in html


@pytest.mark.skipif(not CLI, reason="SAFEGUARD_CLI is not set")
def test_python_and_the_cli_give_the_same_bytes(ash):
    case = str(FAMILIES)
    note = "Ecomap left out (--no-ecomap)."
    common = (case, "--as-of", "2026-11-01")
    assert ash.report(household="HH-ASH", ecomap_note=note, case_label=case,
                      pack_source=BUNDLED) == cli("report", *common, "--household", "HH-ASH",
                                                  "--no-ecomap")
    assert ash.report("P-BIR-C1", audience="family", case_label=case, pack_source=BUNDLED,
                      ecomap_note=note) == cli("report", *common, "--child", "P-BIR-C1",
                                               "--for", "family", "--no-ecomap")
    assert ash.ecomap("P-ASH-C1") == cli("ecomap", *common, "--child", "P-ASH-C1")
    with safeguard.Graph.from_file(TIMELINE) as graph, safeguard.RuleSet.bundled("default") as rules:
        with graph.assess(rules, datetime.date(2026, 11, 23)) as result:
            text = result.timeline_text(case_label=str(TIMELINE))
            assert text == cli("timeline", str(TIMELINE), "--as-of", "2026-11-23")
            assert "OVERDUE by 14 working days" in text


@pytest.mark.skipif(not CLI or not shutil.which("dot"), reason="needs the CLI and Graphviz")
def test_the_report_with_ecomaps_is_the_same_from_python_and_the_cli(ash):
    case = str(FAMILIES)
    svgs = [ash.ecomap(child, format="svg") for child in ("P-ASH-C1", "P-ASH-C2")]
    assert all("<svg" in svg for svg in svgs)
    family = ash.family(household="HH-ASH", format="svg")
    assert "<svg" in family and "Amy Ash (8)" in family
    html = ash.report(household="HH-ASH", ecomap_svg=svgs, case_label=case, pack_source=BUNDLED,
                      family_svg=family)
    assert html == cli("report", case, "--as-of", "2026-11-01", "--household", "HH-ASH")
    assert 'class="family-diagram"' in html


def test_bad_arguments(ash):
    with pytest.raises(safeguard.NotFoundError, match="HH-NONE"):
        ash.report(household="HH-NONE")
    with pytest.raises(safeguard.InvalidArgumentError):
        ash.report()
    with pytest.raises(safeguard.InvalidArgumentError):
        ash.report("P-ASH-C1", audience="parents")
    with pytest.raises(safeguard.InvalidArgumentError):
        ash.ecomap("P-ASH-C1", format="png")
    with pytest.raises(safeguard.InvalidArgumentError):
        ash.ecomap("P-ASH-C1", layout="nope")


def test_svg_needs_graphviz(ash, monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(safeguard.GraphvizError, match="not installed"):
        ash.ecomap("P-ASH-C1", format="svg")
