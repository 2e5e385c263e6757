"""Lifetimes: results outlive graphs and rule packs, numpy views outlive results, closing is
idempotent, use after close is an exception, the garbage collector frees exactly once, and
threads sharing objects are safe."""

import gc
import random
import threading

import pytest

import safeguard

from conftest import AS_OF, DEFAULT_RULES, FAMILIES


def fresh_result():
    graph = safeguard.Graph.from_file(FAMILIES)
    rules = safeguard.RuleSet.load(DEFAULT_RULES)
    result = graph.assess(rules, AS_OF)
    return graph, rules, result


def test_result_outlives_its_graph_and_rules():
    graph, rules, result = fresh_result()
    expected = list(result)
    text = result.explain("P-ASH-C1")
    graph.close()
    rules.close()
    del graph, rules
    gc.collect()
    assert list(result) == expected
    assert result.explain("P-ASH-C1") == text
    assert result.to_frame()["level"].tolist() == ["child_in_need", "child_in_need",
                                                    "universal"]


def test_child_results_outlive_the_result():
    _, _, result = fresh_result()
    child = result["P-ASH-C1"]
    result.close()
    del result
    gc.collect()
    assert child.level == "child_in_need"
    assert child.contributions[0].rule_title


def test_numpy_views_keep_the_result_memory_alive():
    numpy = pytest.importorskip("numpy")
    graph, rules, _ = fresh_result()
    # The host's own figures (viewer="*") are views of the library's memory; a reader's are
    # copies (test_views.py).
    result = graph.assess(rules, AS_OF, viewer="*")
    del graph, rules
    scores = result.scores
    levels = result.levels
    expected_scores = scores.copy()
    expected_levels = levels.copy()
    owned = scores.base._owner
    finalizer = owned._finalizer
    del owned
    result.close()
    result.close()
    del result
    gc.collect()
    assert finalizer.alive  # the views still hold the library's result
    numpy.testing.assert_array_equal(scores, expected_scores)
    numpy.testing.assert_array_equal(levels, expected_levels)
    del scores
    gc.collect()
    assert finalizer.alive  # `levels` still views it
    del levels
    gc.collect()
    assert not finalizer.alive  # freed once the last view went


def test_views_of_a_frame_column_survive_the_result():
    pytest.importorskip("pandas")
    _, _, result = fresh_result()
    frame = result.to_frame()
    del result
    gc.collect()
    assert frame.loc["P-ASH-C1", "level"] == "child_in_need"
    assert round(frame.loc["P-ASH-C1", "neglect"], 2) == 8.26


def test_dropping_objects_frees_them_exactly_once():
    graph, rules, result = fresh_result()
    finalizers = [o._owned._finalizer for o in (graph, rules, result)]
    batch = safeguard.Batch()
    finalizers.append(batch._owned._finalizer)
    del graph, rules, result, batch
    gc.collect()
    assert not any(f.alive for f in finalizers)


def test_close_twice_and_use_after_close():
    graph, rules, result = fresh_result()
    batch = safeguard.Batch()
    for obj in (graph, rules, result, batch):
        obj.close()
        obj.close()
        assert obj.closed
    with pytest.raises(safeguard.ClosedError):
        graph.count()
    with pytest.raises(safeguard.ClosedError):
        graph.dumps()
    with pytest.raises(safeguard.ClosedError):
        with safeguard.Graph() as open_graph:
            open_graph.assess(rules, AS_OF)
    with pytest.raises(safeguard.ClosedError):
        result.explain(0)
    with pytest.raises(safeguard.ClosedError):
        result.child("P-ASH-C1")
    with pytest.raises(safeguard.ClosedError):
        result.scores
    with pytest.raises(safeguard.ClosedError):
        batch.add_household("HH-1")
    with pytest.raises(safeguard.ClosedError):
        len(batch)
    with pytest.raises(safeguard.ClosedError):
        with graph:
            pass
    assert repr(graph) == "<safeguard.Graph closed>"
    assert isinstance(safeguard.ClosedError("x"), ValueError)


def test_every_attribute_of_a_closed_rule_set_or_result_raises():
    """A closed object never half-works: the fields the wrapper keeps in Python (a pack's id
    and counts, a result's date and pack) raise ClosedError like every call, while repr and
    `closed` still answer."""
    graph, rules, result = fresh_result()
    kept = {name: getattr(rules, name) for name in (
        "id", "version", "title", "hash", "rule_count", "override_count", "timescales", "lint",
        "levels", "level_ids", "indices", "index_ids", "rules", "overrides")}
    assert kept["rule_count"] == len(kept["rules"]) > 0
    rule_id = kept["rules"][0].id
    assert rules.rule(rule_id).id == rule_id
    result_fields = ("as_of", "known_at", "viewer", "rules_id", "rules_version", "rules_hash",
                     "index_ids", "index_subjects", "level_ids")
    for name in result_fields:
        getattr(result, name)
    rules.close()
    result.close()
    for name in kept:
        with pytest.raises(safeguard.ClosedError, match="rule set is closed"):
            getattr(rules, name)
    with pytest.raises(safeguard.ClosedError):
        rules.rule(rule_id)
    with pytest.raises(safeguard.ClosedError):
        rules.override("anything")
    for name in result_fields:
        with pytest.raises(safeguard.ClosedError, match="result is closed"):
            getattr(result, name)
    assert rules.closed and result.closed
    assert repr(rules) == "<safeguard.RuleSet %s %s closed>" % (kept["id"], kept["version"])
    assert repr(result).endswith(" closed>")
    graph.close()


def test_context_managers_close():
    with safeguard.Graph.from_file(FAMILIES) as graph, \
            safeguard.RuleSet.load(DEFAULT_RULES) as rules:
        with graph.assess(rules, AS_OF) as result:
            assert len(result) == 3
        assert result.closed
    assert graph.closed and rules.closed


def test_graph_batch_context_closes_its_batch():
    with safeguard.Graph() as graph:
        with graph.batch() as edits:
            edits.add_household("HH-1")
        assert edits.closed
        assert graph.count() == 1


def test_many_objects_dropped_in_random_order_under_gc():
    numpy = pytest.importorskip("numpy")
    generator = random.Random(7)
    reference = None
    alive = []
    for round_number in range(60):
        graph, rules, result = fresh_result()
        objects = [graph, rules, result, result.scores, result.levels]
        if reference is None:
            reference = result.scores.copy()
        generator.shuffle(objects)
        alive.extend(objects[: generator.randrange(len(objects))])
        del graph, rules, result, objects
        if round_number % 7 == 0:
            gc.collect()
        generator.shuffle(alive)
        del alive[: len(alive) // 2]
    gc.collect()
    for obj in alive:
        if isinstance(obj, numpy.ndarray) and obj.ndim == 2:
            numpy.testing.assert_array_equal(obj, reference)
        elif isinstance(obj, safeguard.Result) and not obj.closed:
            assert obj.child_ids == ["P-ASH-C1", "P-ASH-C2", "P-BIR-C1"]


def test_threads_share_a_graph_and_rules():
    graph, rules, reference = fresh_result()
    expected = list(reference)
    failures = []

    def work():
        try:
            for _ in range(15):
                assert list(graph.assess(rules, AS_OF, threads=2)) == expected
        except BaseException as error:  # reported below, on the main thread
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    graph.close()
    rules.close()


def test_closing_a_graph_while_other_threads_use_it():
    graph, rules, _ = fresh_result()
    outcomes = []
    progress = threading.Semaphore(0)

    def work():
        # Assess until the graph is closed under us; each call either completes or raises.
        for _ in range(100000):
            try:
                outcomes.append(len(graph.assess(rules, AS_OF)))
            except safeguard.ClosedError:
                outcomes.append("closed")
                return
            progress.release()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(20):
        progress.acquire()
    graph.close()
    for thread in threads:
        thread.join()
    assert set(outcomes) == {3, "closed"}
    assert outcomes.count("closed") == 4
