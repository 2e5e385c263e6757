"""Network propagation and place/group scores (contextual safeguarding): the bundled peer
network with the exploitation pack, checked for exact sums and against the C++ example."""

import json
import os
import re
import subprocess

import pytest

import safeguard

from conftest import AS_OF, ROOT

PEER_NETWORK = ROOT / "examples" / "data" / "peer_network.json"
EXPLOITATION = ROOT / "rules" / "exploitation.toml"


@pytest.fixture(scope="module")
def network_result():
    with safeguard.Graph.from_file(PEER_NETWORK) as graph, \
            safeguard.RuleSet.load(EXPLOITATION) as rules:
        # The host's own view: an uncleared reader's withheld lines name no index, so only
        # every line sums to each index's score.
        yield graph.assess(rules, AS_OF, viewer="*")


def exact_sum(contributions):
    total = 0.0
    for contribution in contributions:
        total += contribution.value
    return total


def test_places_are_ranked(network_result):
    places = network_result.places
    assert [p.id for p in places] == ["PL-PNW-TAKEAWAY", "PL-PNW-PARK", "G-PNW-MILL"]
    assert [p.rank for p in places] == [0, 1, 2]
    assert [(p.kind, p.label) for p in places] == [
        ("place", "takeaway"), ("place", "park"), ("group", "peer_group")]
    assert [round(p.score, 2) for p in places] == [12.03, 5.54, 2.40]
    assert [round(p.own_score, 2) for p in places] == [9.63, 4.75, 0.0]
    assert network_result.place("G-PNW-MILL") == places[2]
    assert network_result.place(0) == places[0]


def test_place_contributions_sum_exactly(network_result):
    for place in network_result.places:
        for index_id, score in place.scores.items():
            assert exact_sum(place.contributions_to(index_id)) == score, (place.id, index_id)
        assert place.score == pytest.approx(sum(place.scores.values()), abs=1e-12)


def test_propagated_contributions_to_a_child(network_result):
    child = network_result["P-PNW-C1"]
    propagated = [c for c in child.contributions if c.kind == "propagated"]
    assert propagated, "P-PNW-C1 takes risk from the network"
    for c in propagated:
        assert c.rule_id == "propagation"
        assert c.via_id and c.via_kind in ("person", "place", "group") and c.relation
    assert all(c.kind == "rule" for c in child.contributions if c not in propagated)
    # The pack keeps contextual risk apart (since 0.3.0): the rule lines sum exactly to the
    # child's own score, the propagated lines to its contextual score.
    for child in network_result:
        assert not child.contextual_included
        for index_id, score in child.scores.items():
            lines = child.contributions_to(index_id)
            assert exact_sum(c for c in lines if c.kind == "rule") == score, (child.id, index_id)
            assert exact_sum(c for c in lines if c.kind == "propagated") == \
                child.contextual_scores[index_id], (child.id, index_id)
        assert child.contextual_total == pytest.approx(sum(child.contextual_scores.values()),
                                                       abs=1e-12)
    assert round(network_result["P-PNW-C1"].scores["criminal_exploitation"], 2) == 14.77
    assert round(network_result["P-PNW-C1"].contextual_scores["criminal_exploitation"], 2) == 5.09


def test_contextual_risk_does_not_move_the_own_level(network_result):
    # The example: one school exclusion, a friend found in a county lines operation and
    # a takeaway the police hold intelligence about.
    child = network_result["P-PNW-C2"]
    assert child.level == "no_known_risk"
    assert child.context_level == "emerging"
    assert round(child.scores["criminal_exploitation"], 2) == 2.71
    assert round(child.contextual_total, 2) == 2.71
    text = EXPLOITATION.read_text()
    assert 'contextual = "apart"' in text
    included = text.replace('contextual = "apart"', 'contextual = "included"')
    with safeguard.Graph.from_file(PEER_NETWORK) as graph, \
            safeguard.RuleSet.loads(included, "exploitation.toml") as rules:
        same = graph.assess(rules, AS_OF, viewer="*")["P-PNW-C2"]
    assert same.contextual_included
    assert same.level == same.context_level == "emerging"
    assert same.contextual_total == child.contextual_total


def test_frame_has_contextual_columns(network_result):
    pytest.importorskip("pandas")
    frame = network_result.to_frame()
    assert frame.loc["P-PNW-C2", "level"] == "no_known_risk"
    assert frame.loc["P-PNW-C2", "context_level"] == "emerging"
    assert frame.loc["P-PNW-C2", "contextual_total"] == network_result["P-PNW-C2"].contextual_total


def test_place_explanations(network_result):
    text = network_result.explain_place("PL-PNW-TAKEAWAY")
    assert "PL-PNW-TAKEAWAY" in text
    document = json.loads(network_result.explain_place(0, format="json", viewer="*"))
    assert "PL-PNW-TAKEAWAY" in json.dumps(document)


def test_place_lookups(network_result):
    with pytest.raises(safeguard.NotFoundError):
        network_result.place("PL-NOWHERE")
    with pytest.raises(safeguard.OutOfRangeError):
        network_result.place(3)
    with pytest.raises(safeguard.NotFoundError):
        network_result.explain_place("P-PNW-C1")  # a child, not a place


def test_no_places_without_propagation(result):
    assert result.places == []
    with pytest.raises(safeguard.OutOfRangeError):
        result.place(0)


def test_places_frame(network_result, result):
    pytest.importorskip("pandas")
    frame = network_result.places_frame()
    assert list(frame.index) == ["PL-PNW-TAKEAWAY", "PL-PNW-PARK", "G-PNW-MILL"]
    assert list(frame.columns) == ["rank", "kind", "label", "score", "own_score",
                                   *network_result.index_ids, "withheld"]
    assert frame.loc["PL-PNW-PARK", "score"] == network_result.place("PL-PNW-PARK").score
    assert len(result.places_frame()) == 0
    contributions = network_result.contributions_frame()
    assert set(contributions.kind) == {"rule", "propagated"}


def test_parity_with_the_cpp_peer_network_example(network_result):
    path = os.environ.get("SAFEGUARD_PEER_NETWORK") or str(
        ROOT / "build" / "examples" / "peer_network")
    if not os.path.exists(path):
        pytest.skip("peer_network not built (CTest sets SAFEGUARD_PEER_NETWORK)")
    output = subprocess.run([path], check=True, capture_output=True, text=True).stdout
    printed = re.findall(r"^  ([0-9]+)\. (\S+) \((\S+)\)  score +([0-9.-]+)  own evidence +"
                         r"([0-9.-]+)$", output, re.M)
    assert printed == [
        (str(p.rank + 1), p.id, p.label, "%.2f" % p.score, "%.2f" % p.own_score)
        for p in network_result.places]
    for child_id, level in re.findall(r"^  (P-\S+)  (\S+)", output, re.M):
        assert network_result[child_id].level == level


def test_an_uncleared_reader_sees_the_network_without_restricted_intelligence():
    # The takeaway's network score comes from restricted police intelligence (C-PNW-3). A reader
    # not cleared for the police sees the network solved again without it: no propagated line,
    # contextual score, place score or rank lets them work the intelligence back; what it adds
    # is one withheld figure per child, named to no index or neighbour.
    with safeguard.Graph.from_file(PEER_NETWORK) as graph, \
            safeguard.RuleSet.load(EXPLOITATION) as rules:
        host = graph.assess(rules, AS_OF, viewer="*")
        reader = graph.assess(rules, AS_OF)  # cleared for nothing
        police = graph.assess(rules, AS_OF, viewer=["police"])
    first_host, first = host["P-PNW-C1"], reader["P-PNW-C1"]
    assert first.contextual_withheld > 0
    assert first.contextual_total + first.contextual_withheld == pytest.approx(
        first_host.contextual_total, abs=1e-12)
    assert first.context_level == first_host.context_level  # a level counts what is withheld
    assert police["P-PNW-C1"].contextual_scores == first_host.contextual_scores
    assert police["P-PNW-C1"].contextual_withheld == 0
    line = [c for c in first.contributions if c.via_id == "PL-PNW-TAKEAWAY"][0]
    host_line = [c for c in first_host.contributions if c.via_id == "PL-PNW-TAKEAWAY"][0]
    assert line.raw < host_line.raw
    takeaway = reader.place("PL-PNW-TAKEAWAY")
    # A place has no level: its own restricted intelligence is not shown at all, not even as a
    # withheld figure or a line, and its scores are what the reader may attribute.
    assert takeaway.withheld == 0
    assert not any(c.restricted for c in takeaway.contributions)
    assert round(takeaway.score, 2) != round(host.place("PL-PNW-TAKEAWAY").score, 2)
    assert takeaway.score == pytest.approx(line.raw, rel=1e-9)
    assert takeaway.own_score == 0
    # Ranked by the figures the reader may attribute, not the host's order.
    assert [p.rank for p in reader.places] == [0, 1, 2]
    assert [p.score for p in reader.places] == sorted((p.score for p in reader.places),
                                                      reverse=True)
    assert reader.places[0].id == "PL-PNW-PARK"
    assert reader.place(0) == reader.places[0]
    frame = reader.to_frame()
    assert frame.loc["P-PNW-C1", "contextual_withheld"] == first.contextual_withheld
    assert frame.loc["P-PNW-C1", "contextual_total"] == first.contextual_total
    text = reader.explain_place("PL-PNW-TAKEAWAY")
    assert "rank" not in text and "cce_indicator" not in text and "C-PNW-3" not in text
