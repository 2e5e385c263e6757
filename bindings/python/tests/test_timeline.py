"""Statutory timelines, discretionary overrides, calendars and date arithmetic. The expected
dates and working-day counts below are worked by hand from the England and Wales calendar."""

import datetime
import json

import pytest

import safeguard

from conftest import ROOT

D = datetime.date
TIMELINE = ROOT / "examples" / "data" / "timeline.json"
TIMELINE_AS_OF = D(2026, 11, 23)


@pytest.fixture
def timeline_result(rules):
    with safeguard.Graph.from_file(TIMELINE) as graph:
        yield graph.assess(rules, TIMELINE_AS_OF)


def test_steps_of_a_child(timeline_result):
    steps = {s.step: s for s in timeline_result["P-ELM-C1"].timeline}
    # Referral on Tuesday 1 September; a decision is due within 1 working day, made on the 3rd.
    decision = steps["referral_decision"]
    assert (decision.status, decision.working_days) == ("late", 1)
    assert (decision.start, decision.due, decision.completed) == (
        D(2026, 9, 1), D(2026, 9, 2), D(2026, 9, 3))
    assert (decision.trigger_id, decision.done_id) == ("E-ELM-1", "E-ELM-2")
    # 45 working days from 1 September is 3 November; by 23 November it is 14 days overdue.
    assessment = steps["assessment"]
    assert (assessment.status, assessment.due, assessment.working_days) == (
        "overdue", D(2026, 11, 3), 14)
    assert assessment.completed is None and assessment.done_id is None
    # Working Together 2023: 15 working days after the strategy discussion at which section 47
    # enquiries were initiated, the first (10 September; neither records a decision, so both
    # read as initiating them): 1 October. Held on the 2nd: late by 1.
    conference = steps["initial_conference"]
    assert (conference.status, conference.due, conference.trigger_id) == (
        "late", D(2026, 10, 1), "E-ELM-3")
    assert conference.title == "initial child protection conference"
    assert "Working Together" in conference.source
    # Three calendar months after the conference is Saturday 2 January 2027; a review must be
    # held within the period, so the working day before it that is not a bank holiday or one
    # of the case's closure days: Thursday 24 December, 23 working days away.
    review = steps["first_review"]
    assert (review.status, review.due, review.working_days) == ("due", D(2026, 12, 24), 23)


def test_timeline_issue_and_discretionary_override(timeline_result):
    rowan = timeline_result["P-ROW-C1"]
    assert [(i.event_id, "strategy discussion" in i.issue) for i in rowan.timeline_issues] == [
        ("E-ROW-4", True)]
    assert rowan.discretionary is None
    infant = timeline_result["P-ELM-C2"]
    judgement = infant.discretionary
    assert (judgement.id, judgement.direction, judgement.author, judgement.date) == (
        "J-ELM-1", "raise", "SW-0417", D(2026, 10, 2))
    assert judgement.outcome == "at_limit"  # already at the top level
    assert judgement.level_before == "child_protection" == infant.level


def test_timeline_matches_the_json_explanation(timeline_result):
    for child in timeline_result:
        document = json.loads(timeline_result.explain(child.id, format="json"))
        text = json.dumps(document)
        for step in child.timeline:
            assert step.due.isoformat() in text
        if child.discretionary:
            assert child.discretionary.id in text


def test_timeline_frame(timeline_result):
    pytest.importorskip("pandas")
    frame = timeline_result.timeline_frame()
    assert len(frame) == sum(len(c.timeline) for c in timeline_result)
    overdue = frame[frame.status == "overdue"]
    assert sorted(overdue.child_id) == ["P-ELM-C1", "P-ELM-C2"]
    assert timeline_result.to_frame().loc["P-ELM-C2", "discretionary"] == "at_limit"


def test_events_and_judgement_through_a_batch(rules):
    with safeguard.Graph() as graph:
        with graph.batch() as edits:
            edits.add_agency("AG-CSC-5", "social_care")
            edits.add_person("P-HAZ-C1", "child", dob=D(2018, 1, 1))
            edits.add_concern("C-HAZ-1", category="school_attendance", severity=2,
                              recorded=D(2026, 10, 1), source="AG-CSC-5", about=["P-HAZ-C1"])
            edits.add_event("E-HAZ-1", "referral", D(2026, 10, 5), ["P-HAZ-C1"],
                            note="Referral from school.")
            edits.add_event("E-HAZ-2", "ird", D(2026, 10, 5), ["P-HAZ-C1"],
                            decision="investigation")
            edits.add_discretionary_override("J-HAZ-1", child="P-HAZ-C1", direction="raise",
                                              date=D(2026, 10, 6), author="SW-0001",
                                              reason="Worker judged the risk higher.")
            edits.set_nation("scotland")
            edits.add_closure(D(2026, 12, 24))
        saved = graph.to_dict()
        assert saved["events"][0]["note"] == "Referral from school."
        assert saved["overrides"][0]["author"] == "SW-0001"
        assert saved["calendar"] == {"nation": "scotland", "closures": ["2026-12-24"]}
        child = graph.assess(rules, D(2026, 11, 1))["P-HAZ-C1"]
    assert child.discretionary.outcome == "applied"
    assert child.level_index == child.discretionary.level_before_index + 1
    # Scotland's process: no referral-decision step; the IRD of Monday 5 October progresses an
    # investigation, so a CPPM within 28 calendar days, Monday 2 November.
    steps = {s.step: s for s in child.timeline}
    assert "referral_decision" not in steps
    cppm = steps["initial_conference"]
    assert (cppm.status, cppm.due, cppm.title) == (
        "due", D(2026, 11, 2), "child protection planning meeting (CPPM)")


def test_timeline_errors():
    batch = safeguard.Batch()
    with pytest.raises(safeguard.SafeguardError):
        batch.add_event("E-1", "tea_party", D(2026, 1, 1), ["P-1"])
    with pytest.raises(safeguard.SafeguardError):
        batch.add_discretionary_override("J-1", child="P-1", direction="sideways",
                                         date=D(2026, 1, 1), author="SW-1", reason="r")
    with pytest.raises(safeguard.SafeguardError):
        batch.set_nation("atlantis")
    with pytest.raises(safeguard.InvalidArgumentError):
        batch.add_closure(None)
    batch.add_event("E-1", "referral", D(2026, 1, 1), ["P-NOBODY"])
    with safeguard.Graph() as graph, pytest.raises(safeguard.NotFoundError) as caught:
        graph.apply(batch)
    assert caught.value.entity == "E-1"


def test_timescales(rules):
    timescales = rules.timescales
    assert timescales.referral_decision_working_days == 1
    assert timescales.assessment_working_days == 45
    assert timescales.initial_conference_working_days == 15
    assert (timescales.first_review_months, timescales.review_interval_months) == (3, 6)
    assert timescales.discretionary in ("raise_and_lower", "raise_only", "lower_only", "none")


def test_calendars():
    assert safeguard.bank_holidays("england-and-wales", 2026) == [
        D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25),
        D(2026, 8, 31), D(2026, 12, 25), D(2026, 12, 28)]
    scotland = safeguard.bank_holidays("scotland", 2026)
    assert D(2026, 1, 2) in scotland and D(2026, 11, 30) in scotland
    assert D(2026, 4, 6) not in scotland
    with safeguard.Calendar("england-and-wales") as calendar:
        assert calendar.is_working_day(D(2026, 12, 24))
        assert not calendar.is_working_day(D(2026, 12, 28))  # Boxing Day's substitute
        assert calendar.add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)
        assert calendar.add_working_days(D(2026, 12, 24), 0) == D(2026, 12, 24)
        calendar.add_closure(D(2026, 12, 29))
        assert calendar.add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 30)
        assert calendar.working_days_between(D(2026, 12, 24), D(2026, 12, 31)) == 2
        assert calendar.working_days_between(D(2026, 12, 31), D(2026, 12, 24)) == -2
    with pytest.raises(safeguard.SafeguardError):
        safeguard.Calendar("atlantis")
    with pytest.raises(safeguard.SafeguardError):
        safeguard.bank_holidays("england-and-wales", 1200)


def test_a_graph_calendar_is_a_copy():
    with safeguard.Graph.from_file(TIMELINE) as graph:
        calendar = graph.calendar()
        assert not calendar.is_working_day(D(2026, 12, 30))  # a closure in the case file
        calendar.add_closure(D(2027, 1, 4))
        assert graph.calendar().is_working_day(D(2027, 1, 4))
    assert not calendar.is_working_day(D(2027, 1, 4))  # outlives the graph
    calendar.close()
    calendar.close()
    with pytest.raises(safeguard.ClosedError):
        calendar.is_working_day(D(2027, 1, 4))


def test_date_arithmetic():
    assert safeguard.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert safeguard.add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    assert safeguard.add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert safeguard.age(D(2016, 2, 29), D(2027, 2, 28)) == (10, 131)
    assert safeguard.age(D(2016, 2, 29), D(2027, 3, 1)).years == 11
    assert safeguard.age(D(2020, 5, 1), D(2020, 4, 1)).years < 0
    with pytest.raises(safeguard.InvalidDataError):
        safeguard.add_months("2026-02-30", 1)


def test_timeline_case_round_trips_through_frames():
    pytest.importorskip("pandas")
    from safeguard import frames

    with safeguard.Graph.from_file(TIMELINE) as graph:
        tables = frames.graph_to_frames(graph)
        assert len(tables["events"]) == 13 and len(tables["overrides"]) == 1
        calendar = frames.graph_calendar(graph)
        assert calendar["closures"][0] == D(2026, 12, 29)
        with frames.graph_from_frames(**tables, calendar=calendar) as rebuilt:
            assert rebuilt.dumps() == graph.dumps()



def test_not_required_steps_and_decisions(rules):
    # Referral Monday 2 March 2026; no further action decided on the 3rd (on time): the
    # assessment is not required, with the reason, never overdue.
    with safeguard.Graph() as graph:
        with graph.batch() as batch:
            batch.add_person("P-1", "child")
            batch.add_event("E-1", "referral", D(2026, 3, 2), ["P-1"])
            batch.add_event("E-2", "referral_decision", D(2026, 3, 3), ["P-1"], decision="nfa")
        result = graph.assess(rules, TIMELINE_AS_OF)
    steps = {s.step: s for s in result["P-1"].timeline}
    assert steps["referral_decision"].status == "on_time"
    assert (steps["assessment"].status, steps["assessment"].reason) == (
        "not_required", "no further action at the referral decision")
    frame = result.timeline_frame()
    assert list(frame["reason"]) == [None, "no further action at the referral decision"]


def test_steps_from_before_a_move_name_their_nation(rules):
    # A CPPM held in Scotland, then a move to England (docs/timescales.md, "Transfers"): the
    # Scottish steps say they are Scotland's, in the objects and the frame; the English ones
    # England's.
    with safeguard.Graph() as graph:
        with graph.batch() as batch:
            batch.add_person("P-1", "child")
            batch.add_event("E-1", "ird", D(2026, 9, 1), ["P-1"], decision="investigation")
            batch.add_event("E-2", "initial_conference", D(2026, 9, 22), ["P-1"],
                            decision="plan")
            batch.add_event("E-3", "transfer_in", D(2026, 10, 5), ["P-1"],
                            decision="from_scotland")
        result = graph.assess(rules, D(2026, 10, 20))
    steps = result["P-1"].timeline
    nations = [(s.step, s.nation) for s in steps]
    assert ("initial_conference", "scotland") in nations
    assert ("transfer_conference", "england") in nations
    assert {nation for _, nation in nations} == {"scotland", "england"}
    frame = result.timeline_frame()
    assert list(frame["nation"]) == [s.nation for s in steps]
