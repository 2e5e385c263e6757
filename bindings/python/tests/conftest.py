"""Shared fixtures: the bundled example case file and rule pack, and a result of them."""

import datetime
import pathlib

import pytest

import safeguard

ROOT = pathlib.Path(__file__).resolve().parents[3]
FAMILIES = ROOT / "examples" / "data" / "families.json"
DEFAULT_RULES = ROOT / "rules" / "default.toml"
HEADER = ROOT / "include" / "safeguard.h"
AS_OF = datetime.date(2026, 11, 1)


@pytest.fixture
def families():
    with safeguard.Graph.from_file(FAMILIES) as graph:
        yield graph


@pytest.fixture(scope="session")
def rules():
    with safeguard.RuleSet.load(DEFAULT_RULES) as pack:
        yield pack


@pytest.fixture
def result(families, rules):
    # The host's own view (viewer="*"): these tests check every line's rule, evidence and
    # working. What an uncleared reader gets is test_views.py's subject.
    with families.assess(rules, AS_OF, viewer="*") as assessed:
        yield assessed
