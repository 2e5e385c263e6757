"""pandas: graphs from DataFrames and back, results as DataFrames."""

import datetime
import io
import warnings

import pytest

pandas = pytest.importorskip("pandas")

import safeguard  # noqa: E402
from safeguard import frames  # noqa: E402

from conftest import AS_OF, DEFAULT_RULES, FAMILIES, ROOT  # noqa: E402

D = datetime.date


def tables():
    return {
        "agencies": pandas.DataFrame({"id": ["AG-SCH-7", "AG-POL-7"],
                                      "type": ["school", "police"],
                                      "name": ["Fictional School", None]}),
        "households": pandas.DataFrame({"id": ["HH-YEW"]}),
        "persons": pandas.DataFrame({
            "id": ["P-YEW-M", "P-YEW-C1", "P-YEW-C2"],
            "kind": ["adult", "child", "child"],
            "dob": [D(1988, 2, 3), D(2015, 4, 5), None],
            "household": ["HH-YEW", "HH-YEW", None],
            "flags": [[], ["young_carer", "disability"], []],
        }),
        "places": pandas.DataFrame({"id": ["PL-YEW-1"], "kind": ["shop"], "name": [None]}),
        "groups": pandas.DataFrame({"id": ["G-YEW-1"], "kind": ["peer_group"],
                                    "name": ["Fictional friends"]}),
        "concerns": pandas.DataFrame({
            "id": ["C-YEW-1", "C-YEW-2"],
            "category": ["school_attendance", "domestic_abuse"],
            "severity": [2, 3],
            "incident": [D(2026, 9, 10), None],
            "recorded": [D(2026, 9, 12), D(2026, 10, 2)],
            "status": ["open", "closed"],
            "source": ["AG-SCH-7", "AG-POL-7"],
            "restricted": [False, True],
            "about": [["P-YEW-C1"], ["P-YEW-M"]],
            "involves": [[], []],
            "summary": ["Attendance 84%.", None],
        }),
        "factors": pandas.DataFrame({
            "id": ["F-YEW-1"], "kind": ["protective_adult"], "strength": [3],
            "start": [D(2026, 1, 1)], "end": [None], "provided_by": ["P-YEW-M"],
            "protects": [["P-YEW-C2"]], "summary": [None],
        }),
        "relations": pandas.DataFrame({
            "kind": ["parent_of", "parent_of", "sibling_of", "member_of", "frequents"],
            "from": ["P-YEW-M", "P-YEW-M", "P-YEW-C1", "P-YEW-C1", "P-YEW-C2"],
            "to": ["P-YEW-C1", "P-YEW-C2", "P-YEW-C2", "G-YEW-1", "PL-YEW-1"],
        }),
    }


def normalised(frame, name):
    out = frame.reindex(columns=list(frames.COLUMNS[name])).astype(object)
    return out.where(out.notna(), None).reset_index(drop=True)


def test_dataframe_round_trip():
    given = tables()
    with frames.graph_from_frames(**given) as graph:
        back = frames.graph_to_frames(graph)
    assert set(back) == set(frames.COLUMNS)
    for name, frame in given.items():
        pandas.testing.assert_frame_equal(normalised(back[name], name),
                                          normalised(frame, name), check_dtype=False)


def test_bundled_case_file_round_trips_through_frames(families):
    with frames.graph_from_frames(**frames.graph_to_frames(families)) as rebuilt:
        assert rebuilt.dumps() == families.dumps()


def frames_from_document(graph):
    """graph_to_frames as it was built before sg_graph_tables: from the saved case file's JSON,
    row by row. The reference the columnar path must match, value for value and dtype for
    dtype."""
    document = graph.to_dict()
    out = {}
    for name, columns in frames.COLUMNS.items():
        rows = []
        for entity in document.get(name, []):
            row = {}
            for column in columns:
                value = entity.get(column)
                if column in ("flags", "about", "involves", "protects"):
                    value = list(value or [])
                elif column in ("dob", "incident", "recorded", "start", "end", "date"):
                    value = None if value is None else datetime.date.fromisoformat(value)
                elif column == "restricted":
                    value = bool(value)
                elif column == "status" and value is None:
                    value = "open"
                row[column] = value
            rows.append(row)
        frame = pandas.DataFrame(rows, columns=list(columns))
        for column in columns:
            if (column not in ("severity", "strength", "value") or column == "value") \
                    and column != "restricted":
                frame[column] = frame[column].astype(object)
        out[name] = frame
    return out


@pytest.mark.parametrize("path", [
    "examples/data/families.json", "examples/data/timeline.json",
    "examples/data/peer_network.json", "examples/data/oak-household.json",
    "tests/data/views/case.json", "tests/data/joining/case.json",
    "tests/data/scenarios/dash/adult-judgement.json",
    "tests/data/scenarios/exploitation/overrides.json",
    "tests/data/cin/expected/full.case.json",
    "tests/data/timeline/s18_scotland_prebirth_late.json",
])
def test_graph_to_frames_matches_the_document_path(path):
    with safeguard.Graph() as graph:
        graph.load(ROOT / path)
        got = frames.graph_to_frames(graph)
        want = frames_from_document(graph)
        assert frames.graph_calendar(graph)["nation"] == graph.to_dict()["calendar"]["nation"]
    assert list(got) == list(want)
    for name in want:
        pandas.testing.assert_frame_equal(got[name], want[name], check_dtype=True)


def test_graph_to_frames_of_a_generated_caseload_and_of_an_empty_graph():
    with safeguard.Graph.generate(300, seed=5) as graph:
        got, want = frames.graph_to_frames(graph), frames_from_document(graph)
    for name in want:
        pandas.testing.assert_frame_equal(got[name], want[name], check_dtype=True)
    with safeguard.Graph() as empty:
        got = frames.graph_to_frames(empty)
        assert frames.graph_calendar(empty) == {"nation": "england-and-wales", "closures": []}
    for name, frame in got.items():
        assert frame.empty and list(frame.columns) == list(frames.COLUMNS[name])
        assert all(dtype == object for dtype in frame.dtypes)


def test_graph_to_frames_decodes_text_beyond_ascii():
    persons = pandas.DataFrame({"id": ["P-ÉTÉ-1", "P-Ω-2", "P-3"], "kind": ["child"] * 3,
                                "name": ["Zoë Ñ 🙂", None, "plain"],
                                "flags": [["young_carer"], [], ["disability", "young_carer"]]})
    with frames.graph_from_frames(persons=persons) as graph:
        back = frames.graph_to_frames(graph)["persons"]
    assert back["id"].tolist() == ["P-ÉTÉ-1", "P-Ω-2", "P-3"]
    assert back["name"].tolist() == ["Zoë Ñ 🙂", None, "plain"]
    assert back["flags"].tolist() == [["young_carer"], [], ["disability", "young_carer"]]
    concerns = pandas.DataFrame({"id": ["C-É-1"], "category": ["neglect"], "severity": [2],
                                 "recorded": [D(2026, 9, 1)], "source": ["AG-É"],
                                 "about": [["P-ÉTÉ-1", "P-Ω-2"]], "summary": ["café"]})
    agencies = pandas.DataFrame({"id": ["AG-É"], "type": ["school"]})
    with frames.graph_from_frames(persons=persons, agencies=agencies,
                                  concerns=concerns) as graph:
        back = frames.graph_to_frames(graph)["concerns"]
    assert back["about"].tolist() == [["P-ÉTÉ-1", "P-Ω-2"]]
    assert back["summary"].tolist() == ["café"]


def test_csv_text_columns():
    persons = pandas.read_csv(io.StringIO(
        "id,kind,dob,household,flags\n"
        "P-ASP-M,adult,1991-03-04,HH-ASP,\n"
        "P-ASP-C1,child,2017-06-07,HH-ASP,young_carer; disability\n"))
    agencies = pandas.read_csv(io.StringIO("id,type\nAG-GP-7,health\n"))
    concerns = pandas.read_csv(io.StringIO(
        "id,category,severity,recorded,source,about,restricted,status\n"
        "C-ASP-1,missed_health_appointments,2,2026-10-01,AG-GP-7,P-ASP-C1,false,\n"
        "C-ASP-2,mental_health,3,2026-09-01,AG-GP-7,P-ASP-M;P-ASP-C1,TRUE,closed\n"))
    with frames.graph_from_frames(agencies=agencies, persons=persons,
                                  concerns=concerns) as graph:
        saved = graph.to_dict()
    assert [h["id"] for h in saved["households"]] == ["HH-ASP"]  # derived from persons
    person = {p["id"]: p for p in saved["persons"]}
    assert person["P-ASP-C1"]["flags"] == ["young_carer", "disability"]
    assert "flags" not in person["P-ASP-M"]
    concern = {c["id"]: c for c in saved["concerns"]}
    assert concern["C-ASP-2"]["about"] == ["P-ASP-M", "P-ASP-C1"]
    assert concern["C-ASP-2"]["restricted"] is True and concern["C-ASP-2"]["status"] == "closed"
    assert concern["C-ASP-1"]["status"] == "open"


def test_a_bad_cell_names_table_row_and_column():
    given = tables()
    given["concerns"].loc[1, "severity"] = 2.5
    with pytest.raises(ValueError, match=r"concerns row 1, column severity"):
        frames.graph_from_frames(**given)


def test_a_bad_row_names_table_row_and_entity():
    given = tables()
    given["persons"].loc[2, "dob"] = "2026-02-30"
    with pytest.raises(safeguard.InvalidDataError) as caught:
        frames.graph_from_frames(**given)
    assert "(persons row 2)" in str(caught.value)
    assert caught.value.entity == "P-YEW-C2"


def test_unknown_and_missing_columns():
    given = tables()
    given["agencies"]["colour"] = "red"
    with pytest.raises(ValueError, match="agencies has unknown columns colour"):
        frames.graph_from_frames(**given)
    with pytest.raises(ValueError, match="lacks the required columns category"):
        frames.graph_from_frames(concerns=tables()["concerns"].drop(columns=["category"]))
    with pytest.raises(TypeError):
        frames.graph_from_frames(persons=[{"id": "P-1", "kind": "child"}])


def test_adding_frames_is_atomic_and_names_the_failing_row(families):
    before = families.dumps()
    concerns = pandas.DataFrame({
        "id": ["C-NEW-1", "C-NEW-2"], "category": ["school_attendance"] * 2,
        "severity": [2, 2], "recorded": ["2026-10-01"] * 2,
        "source": ["AG-SCH-01", "AG-MISSING"], "about": ["P-ASH-C1", "P-ASH-C2"],
    }, index=["first", "second"])
    with pytest.raises(safeguard.NotFoundError) as caught:
        frames.add_frames(families, concerns=concerns)
    assert caught.value.entity == "C-NEW-2"
    assert str(caught.value).endswith("(concerns row second)")
    assert families.dumps() == before
    frames.add_frames(families, concerns=concerns.iloc[:1])
    assert families.count("concern") == 8


def test_result_frame(result):
    frame = result.to_frame()
    assert frame.index.name == "child_id"
    assert list(frame.index) == result.child_ids
    assert list(frame.columns) == ["level", "score_level", "immediate_safety", "total",
                                   *result.index_ids, "withheld", "overrides", "discretionary",
                                   "safety"]
    for child in result:
        row = frame.loc[child.id]
        assert row["level"] == child.level and row["score_level"] == child.score_level
        assert row["total"] == child.total
        assert bool(row["immediate_safety"]) == child.immediate_safety
        for index_id, score in child.scores.items():
            assert row[index_id] == score
        assert row["withheld"] == child.withheld == 0.0  # the host's view withholds nothing
        assert row["overrides"] == ";".join(o.id for o in child.overrides)
        assert row["discretionary"] == "none"
    assert frame["level"].cat.ordered
    assert list(frame["level"].cat.categories) == list(result.level_ids)
    assert (frame["level"] > "early_help").tolist() == [True, True, False]
    assert frame.attrs["as_of"] == AS_OF and frame.attrs["rules_hash"] == result.rules_hash


def test_contributions_frame_sums_to_the_scores(result):
    frame = result.contributions_frame()
    assert len(frame) == sum(len(c.contributions) for c in result)
    totals = {}
    for row in frame.itertuples():
        key = (row.child_id, row.index_id)
        totals[key] = totals.get(key, 0.0) + row.value
    for child in result:
        for index_id, score in child.scores.items():
            assert totals.get((child.id, index_id), 0.0) == score


def _frame_line_by_line(result, viewer):
    """contributions_frame as it was built before the columnar call: a child at a time, a line
    at a time (sg_result_contribution_for), a Python object per field."""
    rows = []
    for row in range(len(result)):
        child = result.child(row, viewer=viewer)
        for c in child.contributions:
            rows.append((child.id, c.index_id, c.kind, c.rule_id, c.rule_title, c.heading,
                         c.evidence_id, c.via_id, c.via_kind, c.relation, c.path,
                         c.source_agency_id, c.restricted, c.raw, c.decay, c.reach,
                         c.cap_factor, c.value))
    return pandas.DataFrame(rows, columns=list(frames.CONTRIBUTION_COLUMNS))


@pytest.mark.parametrize("case,pack", [("families.json", "default"),
                                       ("peer_network.json", "exploitation")])
@pytest.mark.parametrize("viewer", [None, "*", ["police"], ["school", "health"]])
def test_the_columnar_contributions_frame_is_the_line_by_line_one(case, pack, viewer):
    # Restricted lines withheld, network lines scoped, NaN working, None ids: the frame built
    # from sg_result_contribution_columns equals the one built line by line, dtypes and all.
    with safeguard.Graph.from_file(FAMILIES.parent / case) as graph, \
            safeguard.RuleSet.load(pack) as rules, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", safeguard.VocabularyWarning)
        result = graph.assess(rules, AS_OF)
        pandas.testing.assert_frame_equal(result.contributions_frame(viewer=viewer),
                                          _frame_line_by_line(result, viewer))


@pytest.mark.parametrize("pack", ["default", "exploitation"])
def test_the_columnar_contributions_frame_of_a_generated_caseload_is_the_line_by_line_one(pack):
    # Children a reader sees as stored (written from their stored lines, texts coded by rule,
    # index and enum) beside children with lines withheld or rescoped by the reader's network
    # (written through their line views) in one call: the same frame as line by line, each
    # text one object, for readers cleared for nothing, for police and for everything.
    with safeguard.Graph.generate(400, seed=7) as graph, \
            safeguard.RuleSet.load(pack) as rules, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", safeguard.VocabularyWarning)
        result = graph.assess(rules, AS_OF)
        for viewer in (None, ["police"], "*"):
            frame = result.contributions_frame(viewer=viewer)
            pandas.testing.assert_frame_equal(frame, _frame_line_by_line(result, viewer))
            for column in ("rule_id", "rule_title", "heading", "path", "source_agency_id"):
                values = [v for v in frame[column] if v is not None]
                assert len({id(v) for v in values}) == len(set(values)), (viewer, column)
            if viewer is None:
                assert frame["rule_id"].isna().any()  # some lines withheld from this reader
            if pack == "exploitation":
                assert (frame["kind"] == "propagated").any()


def test_contributions_frame_makes_one_object_per_distinct_text():
    # Every rule of the pack titled alike: the titles are separate texts in the library, one
    # text in the frame (sg_text_codes merges equal texts), so one Python object stands for
    # it on every row, and the frame still equals the line-by-line one.
    import re

    text = DEFAULT_RULES.read_text(encoding="utf-8")
    at = text.index("[[rule]]")
    text = text[:at] + re.sub(r'(?m)^title = ".*"$', 'title = "A shared title"', text[at:])
    with safeguard.Graph.from_file(FAMILIES) as graph, safeguard.RuleSet.loads(text) as rules:
        result = graph.assess(rules, AS_OF, viewer="*")
        frame = result.contributions_frame()
        titles = [t for t in frame["rule_title"] if t == "A shared title"]
        assert len(titles) > 3
        assert len({id(t) for t in titles}) == 1
        for column in ("rule_id", "heading", "evidence_id", "kind"):
            values = [v for v in frame[column] if v is not None]
            assert len({id(v) for v in values}) == len(set(values)), column
        pandas.testing.assert_frame_equal(frame, _frame_line_by_line(result, "*"))


@pytest.mark.parametrize("case", ["timeline.json", "families.json"])
def test_the_columnar_timeline_frame_is_the_step_by_step_one(case, rules):
    # sg_result_step_columns against sg_result_step child by child: dates, None for no date or
    # no reason, int day counts.
    with safeguard.Graph.from_file(FAMILIES.parent / case) as graph:
        result = graph.assess(rules, datetime.date(2026, 11, 23))
        rows = [(child.id, s.step, s.status, s.working_days, s.trigger_id, s.done_id, s.start,
                 s.due, s.completed, s.title, s.reason, s.calendar_days, s.source, s.nation)
                for child in result for s in child.timeline]
        expected = pandas.DataFrame(rows, columns=list(frames.TIMELINE_COLUMNS))
        pandas.testing.assert_frame_equal(result.timeline_frame(), expected)
        if case == "timeline.json":
            assert len(expected) > 5 and expected["completed"].isna().any()


def test_frames_of_an_empty_result(rules):
    with safeguard.Graph() as graph:
        result = graph.assess(rules, AS_OF)
    frame = result.to_frame()
    assert len(frame) == 0
    assert list(frame.columns)[-3:] == ["overrides", "discretionary", "safety"]
    assert len(result.contributions_frame()) == 0


def test_safeguard_frames_is_imported_on_demand():
    assert safeguard.frames is frames


@pytest.mark.parametrize("case,pack", [("families.json", "default"),
                                       ("oak-household.json", "default"),
                                       ("peer_network.json", "exploitation")])
@pytest.mark.parametrize("viewer", [None, "*", ["police"]])
def test_the_columnar_result_frame_is_the_child_by_child_one(case, pack, viewer):
    # sg_result_child_columns against the ChildResult of every child, as the result's viewer
    # sees it: levels, flags, the viewer's overrides ("restricted" for a withheld one), the
    # discretionary outcome, the safety decision and, with propagation, the contextual figures.
    with safeguard.Graph.from_file(FAMILIES.parent / case) as graph, \
            safeguard.RuleSet.load(pack) as rules, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", safeguard.VocabularyWarning)
        result = graph.assess(rules, AS_OF, viewer=viewer)
        frame = result.to_frame()
        children = [result.child(child_id) for child_id in result.child_ids]
        assert list(frame.index) == [c.id for c in children]
        assert frame["level"].tolist() == [c.level for c in children]
        assert frame["score_level"].tolist() == [c.score_level for c in children]
        assert frame["immediate_safety"].tolist() == [c.immediate_safety for c in children]
        assert frame["total"].tolist() == [c.total for c in children]
        assert frame["overrides"].tolist() == [
            ";".join("restricted" if o.restricted else o.id for o in c.overrides)
            for c in children]
        assert frame["discretionary"].tolist() == [
            c.discretionary.outcome if c.discretionary else "none" for c in children]
        assert frame["safety"].tolist() == [c.safety.decision for c in children]
        for index_id in result.index_ids:
            assert frame[index_id].tolist() == [c.scores[index_id] for c in children]
        if pack == "exploitation":
            assert frame["context_level"].tolist() == [c.context_level for c in children]
            assert frame["contextual_withheld"].tolist() == [c.contextual_withheld
                                                             for c in children]
            assert frame["contextual_total"].tolist() == pytest.approx(
                [c.contextual_total for c in children], abs=1e-12)
            assert any(c.contextual_total for c in children)
        if case == "oak-household.json":
            assert any(frame["overrides"])  # some fired


def _rows_only(monkeypatch):
    monkeypatch.setattr(frames, "_column_tables", lambda tables, calendar: None)


@pytest.mark.parametrize("source", ["generated", "families.json", "oak-household.json",
                                    "timeline.json"])
def test_plain_tables_load_as_columns_and_build_what_the_rows_build(source, monkeypatch):
    # The fast path (column buffers, sg_graph_add_tables) and the row by row path build the
    # same graph, byte for byte as the library saves it.
    if source == "generated":
        graph = safeguard.Graph.generate(600, seed=4)
    else:
        graph = safeguard.Graph.from_file(FAMILIES.parent / source)
    with graph:
        tables = frames.graph_to_frames(graph)
        calendar = frames.graph_calendar(graph)
        with frames.graph_from_frames(calendar=calendar, **tables) as fast:
            assert frames._last_path == "columns"
            assert fast.dumps() == graph.dumps()
        with monkeypatch.context() as patch:
            _rows_only(patch)
            with frames.graph_from_frames(calendar=calendar, **tables) as rows:
                assert frames._last_path == "rows"
                assert rows.dumps() == graph.dumps()


def test_awkward_but_plain_cells_read_the_same_on_both_paths(monkeypatch):
    # Blank and white-space text is missing, NaN is missing, whole floats are whole numbers, a
    # missing status is open, a missing list is empty: as the row by row path reads them.
    tables = {
        "agencies": pandas.DataFrame({"id": ["AG-1", "AG-2"], "type": ["school", "police"],
                                      "name": ["  ", float("nan")]}),
        "persons": pandas.DataFrame({"id": ["P-1", "P-2"], "kind": ["child", "adult"],
                                     "dob": [datetime.date(2018, 3, 1), None],
                                     "household": ["HH-1", ""], "flags": [["young_carer"], None],
                                     "name": ["Fictional Name", " "]}),
        "concerns": pandas.DataFrame({"id": ["C-1", "C-2"], "category": ["neglect", "neglect"],
                                      "severity": [2.0, 3.0], "recorded": ["2026-10-01",
                                                                           "2026-10-02"],
                                      "incident": [None, "2026-09-30"], "status": [None, "closed"],
                                      "source": ["AG-1", "AG-2"], "about": [["P-1"], ["P-1"]],
                                      "involves": [None, ["P-2"]], "restricted": [False, True],
                                      "summary": ["", "text"]}),
    }
    with frames.graph_from_frames(**tables) as fast:
        assert frames._last_path == "columns"
        saved = fast.dumps()
    with monkeypatch.context() as patch:
        _rows_only(patch)
        with frames.graph_from_frames(**tables) as rows:
            assert rows.dumps() == saved
    # Text where a list belongs, strings in a number column: cell by cell, the same graph.
    tables["concerns"]["about"] = ["P-1", "P-1; P-2"]
    tables["concerns"]["severity"] = ["2", "3"]
    with frames.graph_from_frames(**tables) as read:
        assert frames._last_path == "rows"
        assert '"P-2"' in read.dumps()


def test_refused_columns_leave_the_row_path_to_name_the_row():
    # Two concerns with one id: the columns are refused as a whole (nothing added), and the
    # row by row path names the table and row, as it always has.
    with safeguard.Graph.from_file(FAMILIES) as graph:
        before = graph.dumps()
        tables = frames.graph_to_frames(graph)
        concerns = pandas.concat([tables["concerns"].iloc[:1], tables["concerns"].iloc[:1]])
        concerns.index = [0, 1]
        concerns["id"] = ["C-NEW-1", "C-NEW-1"]
        with pytest.raises(safeguard.SafeguardError, match="concerns row 1"):
            frames.add_frames(graph, households=tables["households"].iloc[:0],
                              concerns=concerns)
        assert frames._last_path == "rows"
        assert graph.dumps() == before


def _small_tables():
    return {
        "agencies": pandas.DataFrame({"id": ["AG-1"], "type": ["school"]}),
        "persons": pandas.DataFrame({"id": ["P-1", "P-2"], "kind": ["child", "adult"]}),
        "entries": pandas.DataFrame({"id": ["E-1", "E-2"], "kind": ["scaling", "child_voice"],
                                     "date": [datetime.date(2026, 10, 1)] * 2,
                                     "about": [["P-1"], ["P-1"]], "author": ["w", "w"],
                                     "text": ["a", "b"], "value": [5, 1]}),
    }


def _both_paths(tables, monkeypatch):
    """What each path makes of the tables: the saved graph, or the error's type and text."""
    def read():
        try:
            with frames.graph_from_frames(**tables) as graph:
                return graph.dumps()
        except Exception as error:  # noqa: BLE001 - the two paths must fail alike
            return "%s: %s" % (type(error).__name__, error)

    fast = read()
    with monkeypatch.context() as patch:
        _rows_only(patch)
        rows = read()
    return fast, rows


def _nul_name(tables):
    tables["persons"]["name"] = ["a\x00b", None]


def _nul_list_item(tables):
    tables["persons"]["flags"] = pandas.Series([["young_carer\x00x"], []], dtype=object)


def _nul_date_text(tables):
    tables["entries"]["date"] = ["2026-10-01\x00", "2026-10-01"]


def _nullable_whole_numbers(tables):
    # pandas' nullable integers (Int64) with a missing value: a child_voice entry has none.
    tables["entries"]["value"] = pandas.array([5, None], dtype="Int64")


@pytest.mark.parametrize("change", [_nul_name, _nul_list_item, _nul_date_text,
                                    _nullable_whole_numbers])
def test_the_fast_path_builds_what_the_rows_build_or_declines(change, monkeypatch):
    # A NUL in text is refused cell by cell (C strings end there); the column path must not
    # take it either. A nullable integer column with <NA> is read as missing by both.
    tables = _small_tables()
    change(tables)
    fast, rows = _both_paths(tables, monkeypatch)
    assert fast == rows


@pytest.mark.parametrize("column", ["name", "flags", "date"])
def test_a_lone_surrogate_is_named_by_the_row_path(column, monkeypatch):
    # UTF-8 cannot carry a lone surrogate: the column path declines such a table, and the row
    # by row path names the cell.
    tables = _small_tables()
    if column == "name":
        tables["persons"]["name"] = ["a\ud800b", None]
    elif column == "flags":
        tables["persons"]["flags"] = pandas.Series([["x\udc00"], []], dtype=object)
    else:
        tables["entries"]["date"] = ["2026-10-01\ud800", "2026-10-01"]
    with pytest.raises((safeguard.SafeguardError, ValueError, TypeError)) as raised:
        frames.graph_from_frames(**tables)
    assert frames._last_path == "rows"
    assert "row 0" in str(raised.value)


def test_the_column_path_refuses_naming_table_row_and_column_and_changes_nothing():
    # sg_graph_add_tables itself, as the fast path calls it: the refusal names the table, the
    # row's position and the column (and the entity), and the graph is as it was, whether it
    # was empty (the streamed build) or not (one batch).
    given = tables()
    given["persons"]["dob"] = ["1988-02-03", "2015-04-05", "2026-02-30"]
    for graph in (safeguard.Graph(), safeguard.Graph.from_file(FAMILIES)):
        with graph:
            before = graph.dumps()
            columns = frames._column_tables(given, None)
            assert columns is not None
            with pytest.raises(safeguard.InvalidDataError) as caught:
                frames._add_tables(graph, columns)
            assert "(persons row 2, column dob)" in str(caught.value)
            assert caught.value.entity == "P-YEW-C2"
            assert caught.value.file == "persons" and caught.value.line == 3
            assert caught.value.column == 3
            assert graph.dumps() == before


def test_the_column_path_reads_missing_and_blank_cells_as_the_rows_do(monkeypatch):
    # Non-ASCII text, text that starts with white space but is not blank, Unicode white space
    # (blank: missing), nullable and float whole numbers, an all-missing column, and dates
    # given as datetime.date and as text in the same table's columns.
    tables = {
        "agencies": pandas.DataFrame({"id": ["AG-1", "AG-2", "AG-3"],
                                      "type": ["school", "police", "health"],
                                      "name": [" Ysgol Fictional", "\u2003\u00a0", "Gåsø"]}),
        "persons": pandas.DataFrame({"id": ["P-1", "P-2"], "kind": ["child", "adult"],
                                     "dob": [datetime.date(2018, 3, 1), float("nan")],
                                     "household": [None, None], "flags": [[], ["ø"]]}),
        "factors": pandas.DataFrame({"id": ["F-1"], "kind": ["safety_plan"],
                                     "strength": pandas.array([3], dtype="Int64"),
                                     "start": ["2026-01-02"], "protects": [["P-1"]]}),
        "entries": pandas.DataFrame({"id": ["E-1", "E-2"], "kind": ["scaling", "child_voice"],
                                     "date": [datetime.date(2026, 10, 1)] * 2,
                                     "about": [["P-1"], ["P-1"]], "author": ["w", "w"],
                                     "text": ["a", "b"], "value": [5.0, float("nan")]}),
    }
    fast, rows = _both_paths(tables, monkeypatch)
    with frames.graph_from_frames(**tables):
        assert frames._last_path == "columns"
    assert fast == rows
    assert '"Gåsø"' in fast and "Ysgol" in fast


def test_text_of_one_to_four_byte_characters_keeps_each_cells_bytes(monkeypatch):
    # The column path encodes a whole column at once and finds each cell's bytes from its
    # length in characters; cells of ASCII, two, three and four byte characters, empty and
    # missing cells, in one column and in list items, must each keep exactly their own bytes.
    import numpy

    cells = ["Gåsø", "", "ASCII", "\u2603 snow", "\U0001f600x\U0001f600", "Ωmega ü", "end"]
    encoded = frames._encoded(numpy, cells)
    assert encoded is not None
    offsets, data = encoded
    raw = data.tobytes()
    assert [raw[offsets[i]:offsets[i + 1]] for i in range(len(cells))] == \
        [cell.encode("utf-8") for cell in cells]
    tables = {"agencies": pandas.DataFrame({"id": ["AG-1"], "type": ["school"]})}
    tables["persons"] = pandas.DataFrame({
        "id": ["P-1", "P-2", "P-\u00e9\U0001f600"], "kind": ["child", "adult", "adult"],
        "dob": [None, datetime.date(1990, 1, 2), datetime.date(1991, 3, 4)],
        "name": ["\U0001f600 Fictional", None, "Zoë Fictional"],
        "flags": [["ø", "\u2603"], None, ["young_carer"]]})
    fast, rows = _both_paths(tables, monkeypatch)
    with frames.graph_from_frames(**tables):
        assert frames._last_path == "columns"
    assert fast == rows
    assert "Zoë Fictional" in fast
