"""safeguard.Process: a local process file sets the local steps of timelines."""

import datetime
import pathlib

import pytest

import safeguard

ROOT = pathlib.Path(__file__).resolve().parents[3]
LOCAL = """[process]
extends = "england"
source = "Fictional Borough child protection procedures, 2026"

[[step]]
id = "cp_visit"
source = "Fictional Borough: children on a plan are seen at least every 15 working days"
enabled = true
due = { count = 15, unit = "working_days" }
"""
CASE = """{"schema_version": 1,
  "households": [{"id": "HH-1"}],
  "persons": [{"id": "P-1", "kind": "child", "dob": "2018-01-01", "household": "HH-1"}],
  "events": [
    {"id": "E-1", "kind": "strategy_discussion", "date": "2026-10-20", "about": ["P-1"]},
    {"id": "E-2", "kind": "initial_conference", "date": "2026-11-02", "about": ["P-1"],
     "decision": "plan"}]}"""
AS_OF = datetime.date(2026, 11, 20)


def test_a_local_process_sets_the_visits():
    with safeguard.Graph.from_string(CASE) as graph, safeguard.RuleSet.load("default") as rules, \
            safeguard.Process.loads(LOCAL, name="local.toml") as process:
        assert process.nation == "england"
        bundled = graph.assess(rules, AS_OF)["P-1"].timeline
        local = graph.assess(rules, AS_OF, process=process)["P-1"].timeline
        assert not [s for s in bundled if s.step == "cp_visit"]
        visits = [s for s in local if s.step == "cp_visit"]
        # Conference Mon 2 Nov 2026; 15 working days later: Mon 23 Nov.
        assert visits and visits[0].due == datetime.date(2026, 11, 23)


def test_bad_process_files_are_refused_by_place(tmp_path):
    with pytest.raises(safeguard.InvalidArgumentError, match="scotland"):
        safeguard.Process.load(ROOT / "process" / "scotland.toml", nation="england")
    with pytest.raises(safeguard.ParseError) as raised:
        safeguard.Process.loads(LOCAL + "x = \u0394\n", name="odd.toml")
    assert "odd.toml" in str(raised.value)
    with pytest.raises(safeguard.FileError):
        safeguard.Process.load(tmp_path / "missing.toml")
    with pytest.raises(TypeError):
        with safeguard.Graph.from_string(CASE) as graph, safeguard.RuleSet.load("default") as rules:
            graph.assess(rules, AS_OF, process="local.toml")
