"""Progress callbacks and cancellation for loading, saving and assessing (issue 20, item 4)."""

import datetime

import pytest

import safeguard
from conftest import AS_OF, FAMILIES


@pytest.fixture(scope="module")
def big_case(tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "caseload.json"
    with safeguard.Graph.generate(5000, seed=2) as graph:
        graph.save(path)
    return path


def test_load_reports_bytes_and_can_be_stopped(big_case):
    seen = []
    with safeguard.Graph() as graph:
        with graph.batch() as edits:
            edits.add_household("HH-PROGRESS-TEST")
        before = graph.dumps()

        def stop_second(done, total):
            seen.append((done, total))
            return len(seen) < 2

        with pytest.raises(safeguard.CancelledError):
            graph.load(big_case, progress=stop_second)
        assert len(seen) == 2
        assert graph.dumps() == before
        seen.clear()
        graph.load(big_case, progress=lambda done, total: seen.append((done, total)))
    dones = [done for done, _ in seen]
    assert len(seen) >= 2 and dones == sorted(dones)
    assert seen[-1][0] == seen[-1][1]


def test_loads_reports_bytes_parsed_and_can_be_stopped(big_case):
    text = big_case.read_bytes()
    seen = []
    with safeguard.Graph() as graph:
        with pytest.raises(safeguard.CancelledError):
            graph.loads(text, "caseload.json", progress=lambda done, total: False)
        assert graph.dumps() == safeguard.Graph().dumps()  # nothing changed
        graph.loads(text, "caseload.json",
                    progress=lambda done, total: seen.append((done, total)))
        with safeguard.Graph() as plain:
            plain.loads(text)
            assert plain.dumps() == graph.dumps()
    dones = [done for done, _ in seen]
    assert len(seen) >= 2 and dones == sorted(dones)  # a megabyte at a time
    assert seen[-1][0] == seen[-1][1] <= len(text)


def test_assess_reports_children_from_worker_threads(big_case, rules):
    with safeguard.Graph.from_file(big_case) as graph:
        seen = []
        result = graph.assess(rules, AS_OF, threads=2,
                              progress=lambda done, total: seen.append((done, total)))
        assert seen[-1] == (len(result), len(result))
        dones = [done for done, _ in seen]
        assert dones == sorted(dones)  # reports from two threads never go back
        with pytest.raises(safeguard.CancelledError):
            graph.assess(rules, AS_OF, progress=lambda done, total: False)


def test_an_exception_in_the_callback_stops_the_call_and_is_raised(big_case, rules):
    class Stop(Exception):
        pass

    def fail(done, total):
        raise Stop("enough")

    with safeguard.Graph.from_file(big_case) as graph:
        with pytest.raises(Stop):
            graph.assess(rules, AS_OF, threads=2, progress=fail)


def test_save_can_be_stopped_leaving_the_file(tmp_path, big_case):
    target = tmp_path / "out.json"
    target.write_text("previous", encoding="utf-8")
    with safeguard.Graph.from_file(big_case) as graph:
        with pytest.raises(safeguard.CancelledError):
            graph.save(target, progress=lambda done, total: False)
        assert target.read_text(encoding="utf-8") == "previous"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
        graph.save(target, progress=True)
    assert target.stat().st_size > 1000


def test_progress_true_draws_a_tqdm_bar(big_case, rules, capsys):
    pytest.importorskip("tqdm", reason="tqdm is not installed (Debian: python3-tqdm)")
    with safeguard.Graph.from_file(big_case, progress=True) as graph:
        graph.assess(rules, datetime.date(2026, 11, 1), progress=True)
    err = capsys.readouterr().err
    assert "loading" in err and "assessing" in err


def test_progress_must_be_callable():
    with safeguard.Graph() as graph, pytest.raises(TypeError):
        graph.load(FAMILIES, progress="yes")
