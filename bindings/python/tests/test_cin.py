"""safeguard.cin: a census return read into a graph and DataFrames, findings with their place,
strict mode, and the measures worked by hand in tests/unit/test_cin.cpp (issue 22)."""

import datetime
import json

import pytest

import safeguard
import safeguard.cin
from conftest import ROOT

EXAMPLE = ROOT / "examples" / "data" / "cin-return.xml"
DATA = ROOT / "tests" / "data" / "cin"


def test_read_gives_a_graph_and_tables():
    with safeguard.cin.read(EXAMPLE) as census:
        assert census.reference_date == datetime.date(2025, 3, 31)
        assert census.header["authority"] == "999"
        assert list(census.children["child"]) == ["P-EXM-C%d" % n for n in range(1, 7)]
        # Group attributes are in the frame, for the audit...
        assert list(census.children["ethnicity"])[:2] == ["WBRI", "NOBT"]
        assert census.children.loc[0, "sex"] == "2"  # GenderCurrent 2: female
        # ...and in the graph only as the person's group attributes, which no rule can read.
        persons = {p["id"]: p for p in json.loads(census.graph.dumps())["persons"]}
        assert persons["P-EXM-C1"]["attributes"] == ["GenderCurrent=2", "Ethnicity=WBRI"]
        assert census.graph.count("person") == 6
        assert census.graph.count("concern") == 6
        episodes = census.episodes
        assert len(episodes) == 7
        c3 = episodes[episodes["child"] == "P-EXM-C3"]
        assert list(c3["referral"].dt.date) == [datetime.date(2024, 5, 10),
                                                datetime.date(2024, 11, 4)]
        assert list(c3["referral_nfa"]) == [True, False]
        assert set(census.factors["factor"]) == {"3B", "4B", "16A", "21", "1B", "10A", "20"}
        unmatched = census.findings[census.findings["rule"] == "unmatched_factor"]
        assert len(unmatched) == 2
        assert len(census.reviews) == 8
        assert census.protection_plans["previous_plans"].tolist() == [0, 1, 1]
        unborn = census.children[census.children["child"] == "P-EXM-C2"].iloc[0]
        assert unborn["expected_birth"] == datetime.datetime(2025, 5, 1)
        # The default pack scores the imported record.
        with safeguard.RuleSet.load("default") as rules:
            result = safeguard.assess(census.graph, rules, as_of=datetime.date(2025, 3, 31))
            assert len(list(result)) == 6


def test_findings_and_strict_mode():
    with safeguard.cin.read(DATA / "findings.xml") as census:
        rules = set(census.findings["rule"])
        assert {"unknown_code", "nfa_with_activity", "mandatory", "later_element",
                "closure_reason", "date_order", "duplicate_child"} <= rules
        assert (census.findings["line"] > 0).all()
    with pytest.raises(safeguard.InvalidDataError) as caught:
        safeguard.cin.read(DATA / "findings.xml", strict=True)
    assert caught.value.entity == "P-BAD-C1"
    assert caught.value.line == 24


def test_malformed_returns_raise_with_their_place():
    with pytest.raises(safeguard.InvalidDataError) as caught:
        safeguard.cin.read(DATA / "bad_date.xml")
    assert (caught.value.line, caught.value.entity) == (106, "P-CIN-C3")
    with pytest.raises(safeguard.ParseError):
        safeguard.cin.read(DATA / "unclosed.xml")
    with pytest.raises(safeguard.EncodingError):
        safeguard.cin.read(DATA / "bad_utf8.xml")
    with pytest.raises(safeguard.LimitError):
        safeguard.cin.read(DATA / "deep.xml")
    with pytest.raises(safeguard.FileError):
        safeguard.cin.read(DATA / "no-such-return.xml")
    with pytest.raises(TypeError):
        safeguard.cin.read(EXAMPLE, strict=1)


def test_measures():
    m = safeguard.cin.measures(EXAMPLE)
    assert (m.period_start, m.period_end) == (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    got = {row.measure: (row.count, row.denominator) for row in m.authority.itertuples()}
    assert got == {
        "assessments_within_45_days": (2, 3),
        "conferences_within_15_days": (1, 2),
        "reviews_within_timescale": (1, 2),
        "rereferrals_within_12_months": (1, 6),
        "second_or_subsequent_plans": (1, 2),
        "plans_two_years_or_more": (1, 1),
    }
    assert m.authority.loc[3, "rate"] == pytest.approx(1 / 6)
    c3 = m.children[m.children["child"] == "P-EXM-C3"].iloc[0]
    assert (c3["rereferrals_within_12_months_count"],
            c3["rereferrals_within_12_months_denominator"]) == (1, 2)


def _tables(census):
    """The tables of a return without the reading places (line, column), which a written file
    lays out its own way."""
    out = {}
    for name in safeguard.cin.TABLES:
        if name == "findings":
            continue
        frame = getattr(census, name)
        out[name] = frame.drop(columns=[c for c in ("line", "column") if c in frame.columns])
    return out


def test_write_gives_the_return_back(tmp_path):
    with safeguard.cin.read(EXAMPLE) as census:
        with census.graph.batch() as edits:  # not a census item: not written
            edits.add_event("EV-STRAT-1", "strategy_discussion", "2024-05-01", ["P-EXM-C1"])
        text = safeguard.cin.write(census, tmp_path / "out.xml")
        assert (tmp_path / "out.xml").read_text(encoding="utf-8") == text
        assert "strategy" not in text
        with safeguard.cin.read(tmp_path / "out.xml", strict=False) as again:
            assert again.header == census.header
            for name, frame in _tables(census).items():
                assert _tables(again)[name].equals(frame), name
        # The graph alone keeps the return's own items: the same return.
        alone = safeguard.cin.write(census.graph)
        assert alone == text
        assert "<Ethnicity>" in alone and "<ReferralSource>" in alone


def test_write_a_period_for_a_reader(tmp_path):
    with safeguard.cin.read(EXAMPLE) as census:
        text = safeguard.cin.write(census, start=datetime.date(2024, 10, 1),
                                   end=datetime.date(2024, 12, 31), viewer=["police"])
        assert "<ReferenceDate>2024-12-31</ReferenceDate>" in text
        assert "<CPPreviewDate>2025-" not in text
        with pytest.raises(safeguard.InvalidArgumentError):
            safeguard.cin.write(census, start="2025-03-31", end="2024-04-01")
        with pytest.raises(safeguard.InvalidDataError):
            safeguard.cin.write(census, end="2025-02-30")
        with pytest.raises(TypeError):
            safeguard.cin.write("not a graph")


def test_steps_the_census_never_records_are_not_recorded_in_the_timeline():
    # The census holds no referral decision (other than no further action) and no core group:
    # the imported record declares its source (a record_source event), and those steps are "not
    # recorded" rather than overdue. The same events without the declaration are OVERDUE.
    pytest.importorskip("pandas")
    as_of = datetime.date(2025, 3, 31)
    with safeguard.cin.read(EXAMPLE) as census, safeguard.RuleSet.load("default") as rules:
        case = json.loads(census.graph.dumps())
        sources = [e for e in case["events"] if e["kind"] == "record_source"]
        assert len(sources) == 6 and {e["category"] for e in sources} == {"cin_census"}
        result = safeguard.assess(census.graph, rules, as_of=as_of)
        steps = {s.step: s for s in result["P-EXM-C1"].timeline}
        decision = steps["referral_decision"]
        assert (decision.status, decision.reason, decision.working_days) == (
            "not_recorded", "not recorded in the source (Children in Need census)", 0)
        assert decision.done_id is None
        assert steps["core_group"].status == "not_recorded"
        assert steps["initial_conference"].status == "on_time"
        frame = result.timeline_frame()
        c1 = frame[frame["child_id"] == "P-EXM-C1"]
        assert "not_recorded" in set(c1["status"]) and "overdue" not in set(c1["status"])

        case["events"] = [e for e in case["events"] if e["kind"] != "record_source"]
        del case["checksum"]  # edited: the file's checksum no longer holds
        with safeguard.Graph.from_string(json.dumps(case)) as by_hand:
            again = safeguard.assess(by_hand, rules, as_of=as_of)
            steps = {s.step: s for s in again["P-EXM-C1"].timeline}
            assert steps["referral_decision"].status == "overdue"
            assert steps["core_group"].status == "overdue"
            assert "not_recorded" not in set(again.timeline_frame()["status"])
