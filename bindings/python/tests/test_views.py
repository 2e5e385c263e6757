"""What Python hands an uncleared reader: explanations and viewer-scoped contributions (and
the frames built from them) over a case with restricted evidence hold none of its details. The
case (tests/data/views) gives each detail a marker found nowhere else; tests/unit/test_views.cpp
checks the library's own outputs the same way."""

import datetime
import pathlib

import pytest

import safeguard

ROOT = pathlib.Path(__file__).resolve().parents[3]
CASE = ROOT / "tests" / "data" / "views" / "case.json"
PACK = ROOT / "tests" / "data" / "views" / "pack.toml"
AS_OF = datetime.date(2026, 11, 1)
MARKERS = ("C-MRK-ID-9XW", "mrkcat-k2f9", "AG-MRK-7QX", "mrktype-intel-3zv", "MRKNAME",
           "2026-03-17", "2026-03-19", "MRKSUMMARY", "P-MRK-ADULT-8JD", "carer",
           "mrkrule-only", "MRKRULETITLE", "mrkoverride-vw", "MRKOVERRIDEREASON",
           "N-MRK-ENTRY-4QP", "N-MRK-VOICE-8ZD", "MRKAUTHOR", "MRKQUESTION", "MRKENTRYTEXT",
           "2026-03-18")
UNCLEARED = (None, [], ["school", "AG-VW-SCH"], ["AG-MRK"])


@pytest.fixture
def result():
    with safeguard.Graph.from_file(CASE) as graph, safeguard.RuleSet.load(PACK) as rules:
        with graph.assess(rules, AS_OF) as assessed:
            yield assessed


def everything(result, viewer):
    """Every output an uncleared reader can be given, as text."""
    out = {}
    for format in ("text", "json"):
        out["explain " + format] = result.explain("P-VW-C1", format=format, viewer=viewer)
        out["explain_place " + format] = result.explain_place(0, format=format, viewer=viewer)
    out["contributions_for"] = repr(result.contributions_for("P-VW-C1", viewer))
    out["place_contributions_for"] = repr(result.place_contributions_for(0, viewer))
    out["contributions_frame"] = result.contributions_frame(viewer=viewer).to_csv()
    out["child"] = repr(result.child("P-VW-C1", viewer=viewer))
    # The renderings: the report and the family version (the ecomap draws the child's circle,
    # carer included, whatever the evidence says; see test_renderings_show_no_restricted_details).
    out["report"] = result.report("P-VW-C1", viewer=viewer)
    out["family version"] = result.report("P-VW-C1", audience="family", viewer=viewer)
    out["timeline_text"] = result.timeline_text("P-VW-C1")
    with safeguard.Graph.from_file(CASE) as graph, safeguard.RuleSet.load(PACK) as rules:
        with graph.assess(rules, AS_OF, viewer=viewer) as scoped:
            out["report (result's viewer)"] = scoped.report("P-VW-C1")
            out["to_frame"] = scoped.to_frame().to_csv()
            out["child (result's viewer)"] = repr(scoped["P-VW-C1"])
    return out


def test_an_override_on_restricted_evidence_is_withheld_but_keeps_its_effect(result):
    [hidden] = result.child("P-VW-C1").overrides
    assert hidden.id is None and hidden.restricted
    assert hidden.reason == "a policy override applies on restricted information"
    [shown] = result.child("P-VW-C1", viewer=["AG-MRK-7QX"]).overrides
    assert (shown.id, shown.reason, shown.restricted) == ("mrkoverride-vw", "MRKOVERRIDEREASON",
                                                          False)
    assert result.child("P-VW-C1", viewer="*").overrides[0].id == "mrkoverride-vw"
    assert result.to_frame().loc["P-VW-C1", "overrides"] == "restricted"


@pytest.mark.parametrize("viewer", UNCLEARED)
def test_no_output_shows_restricted_details(result, viewer):
    for name, text in everything(result, viewer).items():
        leaked = [m for m in MARKERS if m in text]
        assert not leaked, (name, leaked)


@pytest.mark.parametrize("viewer", UNCLEARED)
def test_renderings_show_no_restricted_details(result, viewer):
    dot = result.ecomap("P-VW-C1", viewer=viewer, all_evidence=True)
    leaked = [m for m in MARKERS if m in dot and m not in ("P-MRK-ADULT-8JD", "carer")]
    assert not leaked and "restricted source" in dot
    assert "restricted source" in result.report("P-VW-C1", viewer=viewer)
    family = result.report("P-VW-C1", audience="family", viewer=viewer)
    assert "estricted" not in family  # the family version does not say it exists
    cleared = result.report("P-VW-C1", viewer=["AG-MRK-7QX"])
    assert "C-MRK-ID-9XW" in cleared and "MRKSUMMARY" in cleared


def test_withheld_points_fold_into_one_line_that_names_nothing(result):
    # Two restricted lines reach the child; the reader is shown one line for both, as every
    # rendering shows it: how many restricted items there are is not theirs to learn.
    child = result["P-VW-C1"]
    lines = result.contributions_for(child.id, None)
    withheld = [c for c in lines if c.rule_id is None]
    assert len(withheld) == 1 and lines[-1] is withheld[0]
    c = withheld[0]
    assert c.kind == "withheld" and c.heading == "withheld"
    assert c.restricted and c.index_id is None
    assert c.rule_title == "Information held by another agency"
    assert c.evidence_id is None and c.path is None and c.via_id is None
    assert all(x is None for x in (c.raw, c.decay, c.reach, c.cap_factor))
    # The host's own view has both lines; their points are the folded line's.
    host = [c for c in result.contributions_for(child.id, "*") if c.restricted]
    assert len(host) == 2
    assert c.value == pytest.approx(sum(h.value for h in host), rel=1e-12)
    # The view pack keeps contextual risk apart: the propagated lines are the contextual total.
    assert sum(c.value for c in lines if c.kind != "propagated") == \
        pytest.approx(child.total, rel=1e-12)
    assert sum(c.value for c in lines if c.kind == "propagated") == \
        pytest.approx(child.contextual_total, rel=1e-12)


def test_the_host_and_a_cleared_reader_see_everything(result):
    text = repr(result.contributions_for("P-VW-C1", ["AG-MRK-7QX"]))
    assert "C-MRK-ID-9XW" in text and "MRKRULETITLE" in text
    frame = result.contributions_frame(viewer="*")  # the host's own view, asked for by name
    assert "C-MRK-ID-9XW" in set(frame["evidence_id"].dropna())
    assert "C-MRK-ID-9XW" in repr(result.child("P-VW-C1", viewer="*"))
    assert "C-MRK-ID-9XW" in repr(result.place(0, viewer="*"))


def defaults(result):
    """Every object and frame a script gets without naming a viewer, as text."""
    from safeguard import frames

    out = {
        "children": repr(list(result)),
        "child": repr(result["P-VW-C1"]),
        "places": repr(result.places),
        "place": repr(result.place(0)),
        "contributions_frame": result.contributions_frame().to_csv(),
        "frames.contributions_frame": frames.contributions_frame(result).to_csv(),
        "to_frame": result.to_frame().to_csv(),
    }
    return out


def test_objects_and_frames_are_uncleared_by_default(result):
    assert result.viewer == ()
    for name, text in defaults(result).items():
        leaked = [m for m in MARKERS if m in text]
        assert not leaked, (name, leaked)
    child = result["P-VW-C1"]
    assert sum(c.value for c in child.contributions if c.kind != "propagated") == \
        pytest.approx(child.total, rel=1e-12)
    assert child == result["P-VW-C1"]  # withheld lines compare equal (None, not NaN)


def test_a_result_assessed_for_a_viewer_keeps_it():
    with safeguard.Graph.from_file(CASE) as graph, safeguard.RuleSet.load(PACK) as rules:
        with graph.assess(rules, AS_OF, viewer="AG-MRK-7QX") as cleared:
            assert cleared.viewer == ("AG-MRK-7QX",)
            assert "C-MRK-ID-9XW" in repr(cleared["P-VW-C1"])
            assert "C-MRK-ID-9XW" in cleared.contributions_frame().to_csv()
        with graph.assess(rules, AS_OF, viewer=["school"]) as school:
            for name, text in defaults(school).items():
                leaked = [m for m in MARKERS if m in text]
                assert not leaked, (name, leaked)
        with pytest.raises(TypeError):
            graph.assess(rules, AS_OF, viewer=[7])


INDEX_PACK = ROOT / "tests" / "data" / "views" / "pack_index.toml"


def test_an_index_fed_only_by_restricted_evidence_is_named_nowhere():
    """pack_index.toml: the restricted concern alone feeds index mrkindex-4hd (MRKINDEXTITLE)
    and sets the level. An uncleared reader's renderings fold its points into one neutral line
    and its contributions name no index; a cleared reader sees the index set the level."""
    with safeguard.Graph.from_file(CASE) as graph, safeguard.RuleSet.load(INDEX_PACK) as rules:
        with graph.assess(rules, AS_OF) as result:
            for viewer in UNCLEARED:
                lines = result.contributions_for("P-VW-C1", viewer)
                assert [c.index_id for c in lines if c.restricted] == [None]
                frame = result.contributions_frame(viewer=viewer)
                assert "mrkindex-4hd" not in set(frame["index_id"].dropna())
                report = result.report("P-VW-C1", viewer=viewer)
                text = result.explain("P-VW-C1", viewer=viewer)
                for output in (report, text, result.explain("P-VW-C1", format="json",
                                                            viewer=viewer)):
                    for marker in MARKERS + ("Set by the MRKINDEXTITLE", "3.60"):
                        assert marker not in output
                assert "Information held by another agency" in report
                assert "MRKINDEXTITLE: 0.00 (low)" in text
                assert "MRKINDEXTITLE" not in result.report("P-VW-C1", audience="family",
                                                            viewer=viewer)
            cleared = result.report("P-VW-C1", viewer=["AG-MRK-7QX"])
            assert "Set by the MRKINDEXTITLE index" in cleared and "MRKRULETITLE" in cleared
            assert "mrkindex-4hd" in set(
                result.contributions_frame(viewer="*")["index_id"].dropna())


def test_scores_are_as_the_reader_may_attribute_them():
    """The index scores a script reads (ChildResult.scores and index_levels, Result.scores,
    to_frame()) follow the viewer like the contributions: with pack_index.toml, mrkindex-4hd is
    fed only by the restricted concern, so for an uncleared reader it reads 0 and its points are
    `withheld`, counted in the total and the level but in no index."""
    numpy = pytest.importorskip("numpy")
    with safeguard.Graph.from_file(CASE) as graph, safeguard.RuleSet.load(INDEX_PACK) as rules:
        column = rules.index_ids.index("mrkindex-4hd")
        with graph.assess(rules, AS_OF, viewer="*") as host:
            full = host["P-VW-C1"]
            assert full.scores["mrkindex-4hd"] == pytest.approx(3.6)
            assert full.withheld == 0.0
            assert not host.scores.flags.owndata  # a view of the library's own memory
        for viewer in UNCLEARED:
            with graph.assess(rules, AS_OF, viewer=viewer) as result:
                child = result["P-VW-C1"]
                assert child.scores["mrkindex-4hd"] == 0.0
                assert child.index_levels["mrkindex-4hd"] == "low"
                # mrkindex-4hd's 3.6 and the restricted concern's line on the other index.
                assert child.withheld > 3.6
                assert child.total == full.total and child.level == full.level
                assert sum(child.scores.values()) + child.withheld == pytest.approx(child.total)
                assert "3.6" not in repr(child.scores) and "3.6" not in repr(child.index_levels)
                row = result.row("P-VW-C1")
                assert result.scores[row, column] == 0.0
                assert result.withheld[row] == child.withheld
                assert not result.scores.flags.writeable and not result.withheld.flags.writeable
                frame = result.to_frame()
                assert frame.loc["P-VW-C1", "mrkindex-4hd"] == 0.0
                assert frame.loc["P-VW-C1", "withheld"] == child.withheld
                for other in result:
                    if other.id != "P-VW-C1":
                        assert other.scores == host[other.id].scores
        with graph.assess(rules, AS_OF, viewer="AG-MRK-7QX") as cleared:
            assert cleared["P-VW-C1"].scores == full.scores
            assert cleared["P-VW-C1"].withheld == 0.0
            numpy.testing.assert_array_equal(cleared.scores, host_scores(graph, rules))


def host_scores(graph, rules):
    with graph.assess(rules, AS_OF, viewer="*") as host:
        return host.scores.copy()
