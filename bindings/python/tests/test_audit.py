"""safeguard.audit (issue 18, docs/audit.md): the planted truth of the generator recovered from
Python, the tables as typed pandas frames, a pack reading a protected attribute refused, the
self-contained HTML report with inline SVG plots, and the Dask run over four partitions equal
to the single-process run."""

import json
import os
import re
import subprocess

import pytest

import safeguard
import safeguard.cin

from conftest import FAMILIES, ROOT

CLI = os.environ.get("SAFEGUARD_CLI")
AS_OF = "2026-11-01"


def planted_files(tmp_path, children=2500, seed=5, disparity=1.0):
    """A generated caseload with planted outcomes and groups, from `safeguard generate`."""
    if not CLI:
        pytest.skip("SAFEGUARD_CLI is not set")
    case = tmp_path / "case.json"
    outcomes = tmp_path / "outcomes.csv"
    groups = tmp_path / "groups.csv"
    subprocess.run([CLI, "generate", "--children", str(children), "--seed", str(seed),
                    "-o", str(case), "--outcomes", str(outcomes), "--groups", str(groups),
                    "--planted-disparity", str(disparity)],
                   check=True, capture_output=True)
    return case, outcomes, groups


@pytest.fixture
def planted(tmp_path, rules):
    case, outcomes, groups = planted_files(tmp_path)
    with safeguard.Graph.from_file(case) as graph:
        with graph.assess(rules, AS_OF) as result:
            yield result, outcomes, groups


def test_planted_disparity_is_flagged_and_the_control_is_not(planted):
    result, outcomes, groups = planted
    audit = safeguard.audit(result, outcomes, groups, bootstrap=1000)
    assert isinstance(audit, safeguard.Audit)
    assert audit.document["horizon"].startswith("planted: logistic(-3 + 0.25 * total score")
    assert any(f.startswith("planted_group = B: outcome rate at level 'universal'")
               for f in audit.flags)
    assert not any(f.startswith("control_group") for f in audit.flags)
    frame = audit.outcome_by_level
    b = frame[(frame.group == "B") & (frame.level == 0)].iloc[0]
    assert b.flag and b.ratio > 1.5 and b.ratio_low > 1
    assert audit.references == {"planted_group": "A", "control_group": audit.references[
        "control_group"]}


def test_frames_are_typed_and_match_the_library_csv(planted):
    result, outcomes, groups = planted
    audit = safeguard.audit(result, outcomes, groups, bootstrap=1000)
    frame = audit.discrimination
    assert list(frame.columns) == list(safeguard.Audit.COLUMNS) + ["suppressed"]
    assert frame["value"].dtype == "float64"
    assert set(frame.measure) == {"index:" + i for i in result.index_ids} | {"total", "level"}
    auc, low, high = audit.auc("level")
    assert 0.5 < low < auc < high < 1
    csv_lines = audit.to_csv().splitlines()
    assert csv_lines[0].startswith("table,measure,attribute,group,level")
    assert len(csv_lines) == 1 + len(audit.frame())
    calibration = audit.calibration
    assert calibration.denominator.sum() == audit.document["with_outcome"]


def test_outcomes_and_groups_from_python_objects(families, rules):
    with families.assess(rules, AS_OF) as result:
        ids = result.child_ids
        outcomes = {child: n % 2 for n, child in enumerate(ids)}
        import pandas

        groups = pandas.DataFrame({"area": ["north" if n % 3 else "south"
                                            for n in range(len(ids))]}, index=ids)
        audit = safeguard.audit(result, outcomes, groups, horizon="test outcome", bootstrap=0)
        assert audit.document["horizon"] == "test outcome"
        assert audit.document["with_outcome"] == len(ids)
        assert ("small-sample" in {code for code, _ in audit.warnings})
        with pytest.raises(safeguard.InvalidArgumentError, match="must be 0 or 1"):
            safeguard.audit(result, {ids[0]: 2}, groups)
        with pytest.raises(safeguard.NotFoundError) as raised:
            safeguard.audit(result, {"P-NOBODY-C1": 1}, groups)
        assert raised.value.entity == "P-NOBODY-C1" and raised.value.line == 2


def test_a_pack_reading_a_protected_attribute_is_refused(families, rules):
    with pytest.raises(safeguard.InvalidDataError) as raised:
        safeguard.audit_check_rules(rules, {"P-1": {"disability": "yes"}})
    assert raised.value.entity == "disabled-child"
    assert "compares child.flags against \"disability\"" in str(raised.value)
    with families.assess(rules, AS_OF) as result:
        with pytest.raises(safeguard.InvalidDataError, match="disabled-child"):
            safeguard.audit(result, {}, {result.child_ids[0]: {"need": "disability"}})
    safeguard.audit_check_rules(rules, {"P-1": {"area": "north"}})


def test_html_report_is_self_contained_and_accessible(planted, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (Debian: "
                        "python3-matplotlib)")
    result, outcomes, groups = planted
    audit = safeguard.audit(result, outcomes, groups, bootstrap=1000)
    page = audit.html()
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert page.count("<svg") >= 5 and page.count("<svg") == page.count("</svg>")
    assert page.count('role="img" aria-label="') == page.count("<svg")
    assert "<figcaption>" in page and "<caption>" in page and 'scope="col"' in page
    assert not re.search(r'(src|href)="(?!#)', page), "the page must need no other file"
    levels = [int(h[2]) for h in re.findall(r"<h[1-6]", page)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    assert page == audit.html(), "the same audit gives the same bytes"
    (tmp_path / "audit.html").write_text(page, encoding="utf-8")


def prefixed_case(graph, prefix):
    """The graph's case file with every id given `prefix`: one fictional authority of several."""
    data = json.loads(graph.dumps())
    data.pop("checksum", None)  # the ids change, so the saved checksum would not match
    return re.sub(r'"((?:P|HH|AG|PL|C|F|E|J|G|EV|PF|CN|OV)-[A-Za-z0-9-]+)"',
                  lambda m: '"%s-%s"' % (prefix, m.group(1)), json.dumps(data))


def test_dask_partitions_equal_the_single_process_run(tmp_path):
    pytest.importorskip("distributed", reason="dask.distributed is not installed (Debian: "
                        "python3-distributed)")
    paths = []
    for number in range(4):
        with safeguard.Graph.generate(400, seed=20 + number) as graph:
            path = tmp_path / ("authority-%d.json" % number)
            path.write_text(prefixed_case(graph, "LA%d" % number), encoding="utf-8")
            paths.append(path)
    with safeguard.Graph.from_file(paths[0]) as whole, \
            safeguard.RuleSet.load("default") as rules:
        for path in paths[1:]:
            whole.load(path)
        with whole.assess(rules, AS_OF) as result:
            ids = result.child_ids
            assert len(ids) == 1600
            outcomes = {child: int(n % 7 < 2) for n, child in enumerate(ids)}
            groups = {child: {"authority": child.split("-")[0],
                              "cohort": "odd" if n % 2 else "even"}
                      for n, child in enumerate(ids)}
            single = safeguard.audit(result, outcomes, groups, bootstrap=1000)
            single_csv = single.to_csv()
    # The partitions in another order than the single graph's: the report must not depend on it.
    distributed = safeguard.audit_partitions(list(reversed(paths)), outcomes, groups,
                                             rules="default", as_of=AS_OF, bootstrap=1000)
    assert distributed.document == single.document
    assert distributed.to_csv() == single_csv
    assert len(distributed.document["rows"]) > 20


def test_html_report_renders_in_chromium_with_its_plots(planted, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (Debian: "
                        "python3-matplotlib)")
    import shutil

    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(n)), None)
    if browser is None:
        pytest.skip("chromium is not installed (CI installs it through scripts/setup.sh)")
    result, outcomes, groups = planted
    page = tmp_path / "audit.html"
    page.write_text(safeguard.audit(result, outcomes, groups).html(), encoding="utf-8")
    command = [browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
               "--disable-dev-shm-usage", "--user-data-dir=" + str(tmp_path / "profile")]
    dumped = subprocess.run(command + ["--dump-dom", page.as_uri()], capture_output=True,
                            text=True, timeout=120)
    assert dumped.returncode == 0, dumped.stderr
    # The DOM Chromium built holds every plot as SVG with its text alternative.
    assert dumped.stdout.count("<svg") >= 5
    assert dumped.stdout.count('role="img"') == dumped.stdout.count("<svg")
    shot = tmp_path / "audit.png"
    subprocess.run(command + ["--window-size=1200,2000", "--screenshot=" + str(shot),
                              page.as_uri()], capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000, "a page with plots, not blank"


def test_an_audit_as_known_then_is_the_audit_of_the_record_as_it_stood(families, rules):
    """Item 1: assessments reproduced as they were at the time. A record is loaded, then a second
    household arrives later; auditing the record's assessment as known at the first load equals
    auditing the case file of that time, and differs from auditing what is known now."""
    oak = (ROOT / "examples" / "data" / "oak-household.json").read_text()
    t0, later = 1_790_000_000, 1_790_000_000 + 86_400
    with families.assess(rules, AS_OF) as then_result:
        ids = then_result.child_ids
        expected = safeguard.audit(then_result, {c: n % 2 for n, c in enumerate(ids)},
                                   {c: {"area": "north" if n % 3 else "south"}
                                    for n, c in enumerate(ids)}, bootstrap=50).document
    with safeguard.Record() as record:
        record.loads(FAMILIES.read_text(), "families.json", recorded_at=t0, author="loader")
        record.loads(oak, "oak-household.json", recorded_at=later, author="loader")
        with record.assess(rules, AS_OF, known_at=t0) as known_then:
            assert known_then.child_ids == ids
            audit_then = safeguard.audit(known_then, {c: n % 2 for n, c in enumerate(ids)},
                                         {c: {"area": "north" if n % 3 else "south"}
                                          for n, c in enumerate(ids)}, bootstrap=50)
            assert audit_then.document == expected
        with record.assess(rules, AS_OF) as known_now:
            assert len(known_now.child_ids) > len(ids)


CENSUS = ROOT / "tests" / "data" / "cin" / "mixed-layouts.xml"
CENSUS_OUTCOMES = {"P-CIN-C1": 1, "P-CIN-C2": 0, "P-CIN-C3": 1, "P-CIN-C4": 0, "P-CIN-C5": 0,
                   "P-CIN-C6": 1}
# The return's Sex (GenderCurrent in the older layout of P-CIN-C2 and P-CIN-C4) and Ethnicity,
# written by hand; P-CIN-C6 has no Ethnicity.
CENSUS_GROUPS = {
    "P-CIN-C1": {"Ethnicity": "WBRI", "Sex": "F"},
    "P-CIN-C2": {"Ethnicity": "NOBT", "GenderCurrent": "0"},
    "P-CIN-C3": {"Ethnicity": "MWBC", "Sex": "M"},
    "P-CIN-C4": {"Ethnicity": "BAFR", "GenderCurrent": "1"},
    "P-CIN-C5": {"Ethnicity": "APKN", "Sex": "F"},
    "P-CIN-C6": {"Sex": "U"},
}


def test_a_census_return_is_audited_by_the_attributes_it_records(rules):
    with safeguard.cin.read(CENSUS) as census:
        with census.graph.assess(rules, "2025-03-31") as result:
            from_record = safeguard.audit(result, CENSUS_OUTCOMES, record=census.graph,
                                          bootstrap=100)
            by_hand = {child: {name: values.get(name) for name in
                               ("Ethnicity", "GenderCurrent", "Sex")}
                       for child, values in CENSUS_GROUPS.items()}
            from_file = safeguard.audit(result, CENSUS_OUTCOMES, by_hand, bootstrap=100)
            assert from_record.document == from_file.document
            assert from_record.to_csv() == from_file.to_csv()
            counted = {a["attribute"]: a["not_recorded"]
                       for a in from_record.document["attributes"]}
            assert counted == {"Ethnicity": 1, "GenderCurrent": 4, "Sex": 2}
            assert ("not-recorded", "'Sex' is not recorded for 2 assessed children; they are "
                    "left out of its tables") in from_record.warnings
            # Both: the file wins per child and attribute; the clash names the child, not values.
            both = safeguard.audit(result, CENSUS_OUTCOMES, {"P-CIN-C3": {"Ethnicity": "WOTH"}},
                                   record=census.graph, bootstrap=100)
            clashes = [m for code, m in both.warnings if code == "group-clash"]
            assert clashes == ["'Ethnicity' differs between groups and the record for 1 child "
                               "(P-CIN-C3); the file's value is used"]
            assert "MWBC" not in json.dumps(both.document)
            groups = both.level_distribution
            assert "WOTH" in set(groups[groups.attribute == "Ethnicity"].group)
            with pytest.raises(TypeError):
                safeguard.audit(result, CENSUS_OUTCOMES, record="not a graph")


def test_an_audit_from_a_store_equals_the_audit_of_its_export(rules, tmp_path):
    """A census return kept in a store (a durable record), then a child added later: the audit
    of the record as known at the first batch, with the attributes it held then, equals the audit
    of the case file the store exports for that time; as known now, of today's export."""
    t0, later = 1_790_000_000, 1_790_000_000 + 86_400
    with safeguard.cin.read(CENSUS) as census:
        text = census.graph.dumps()
    batch = safeguard.Batch()
    batch.add_person("P-LATE-C1", dob="2019-04-01")
    with safeguard.Record.open(tmp_path / "census.store") as record:
        record.loads(text, "return.json", recorded_at=t0, author="loader")
        record.apply(batch, recorded_at=later, author="loader")
        for known_at, children in ((t0, 6), (None, 7)):
            with record.assess(rules, "2025-03-31", known_at=known_at) as stored:
                # known_at is the assessment's unless given.
                from_store = safeguard.audit(stored, CENSUS_OUTCOMES, record=record,
                                             bootstrap=100)
                with safeguard.Graph.from_string(record.export("2025-03-31", known_at=known_at),
                                                 "then.json") as graph:
                    with graph.assess(rules, "2025-03-31") as exported:
                        expected = safeguard.audit(exported, CENSUS_OUTCOMES, record=graph,
                                                   bootstrap=100)
                        assert from_store.document == expected.document
                        assert from_store.to_csv() == expected.to_csv()
                        assert from_store.document["children"] == children
                        own = safeguard.audit(exported, CENSUS_OUTCOMES, record=graph,
                                              bootstrap=100, suppress_below=0)
                assert safeguard.audit(stored, CENSUS_OUTCOMES, record=record, known_at=known_at,
                                       bootstrap=100, suppress_below=0).document == own.document
        with record.assess(rules, "2025-03-31", known_at=t0) as stored:
            # The groups as known now name a child the assessment of then does not have.
            with pytest.raises(safeguard.NotFoundError):
                safeguard.audit(stored, CENSUS_OUTCOMES, record=record, known_at=None,
                                bootstrap=0)


def test_small_counts_are_suppressed_in_a_shared_report_and_shown_when_off(rules):
    """Disclosure control: the census's groups of one and two children never show a count, a
    rate or a ratio (None, "c" in the CSV); suppress_below=0 shows every figure."""
    with safeguard.cin.read(CENSUS) as census:
        with census.graph.assess(rules, "2025-03-31") as result:
            shared = safeguard.audit(result, CENSUS_OUTCOMES, record=census.graph, bootstrap=0)
            assert shared.document["settings"]["suppress_below"] == 5
            by_group = shared.frame()
            by_group = by_group[by_group.attribute != ""]
            assert len(by_group) > 0
            assert by_group.suppressed.all()
            assert by_group["count"].isna().all()
            assert by_group["value"].isna().all() and by_group["ratio"].isna().all()
            for line in shared.to_csv().splitlines()[1:]:
                fields = line.split(",")
                if fields[2]:
                    assert fields[6:14] == ["c"] * 8, line
            assert "<td>c</td>" in shared.tables_html()
            own = safeguard.audit(result, CENSUS_OUTCOMES, record=census.graph, bootstrap=0,
                                  suppress_below=0)
            frame = own.level_distribution
            assert not frame.suppressed.any()
            assert frame[(frame.attribute == "Sex") & (frame.group == "F")].denominator.iloc[0] == 2
            moved = safeguard.what_if(result, record=census.graph, without=["disabled-child"])
            groups = moved.groups
            assert groups[groups.attribute != ""].children.isna().all()
            moved_own = safeguard.what_if(result, record=census.graph,
                                          without=["disabled-child"], suppress_below=0)
            assert moved_own.groups.children.notna().all()
