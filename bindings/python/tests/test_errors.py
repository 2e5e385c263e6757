"""Errors: the right exception class, the place it names, and nothing changed by a failure."""

import datetime

import pytest

import safeguard
from safeguard import errors

from conftest import AS_OF, DEFAULT_RULES, FAMILIES

CASE_HEAD = '{"schema_version": 1,\n'


def case(body):
    return CASE_HEAD + body + "\n}\n"


def test_syntax_error_in_a_case_file_names_file_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(case('"persons": [\n  {"id": "P-1", "kind": "child" "dob": "2018-01-01"}\n]'))
    graph = safeguard.Graph()
    with pytest.raises(safeguard.ParseError) as caught:
        graph.load(path)
    error = caught.value
    assert error.status == errors.E_PARSE
    assert error.file == str(path)
    assert error.line == 3
    assert 34 <= error.column <= 38  # within the unexpected "dob"
    assert str(error).startswith("%s:3:%d: " % (path, error.column))
    assert isinstance(error, ValueError)


def test_impossible_date_names_the_entity_and_leaves_the_graph_unchanged(families):
    before = families.dumps()
    with pytest.raises(safeguard.InvalidDataError) as caught:
        families.loads(case('"persons": [\n'
                            '  {"id": "P-NEW-C1", "kind": "child"},\n'
                            '  {"id": "P-NEW-C2", "kind": "child", "dob": "2026-02-30"}\n]'),
                       name="new.json")
    error = caught.value
    assert (error.file, error.line, error.entity) == ("new.json", 4, "P-NEW-C2")
    assert error.column is not None
    assert "2026-02-30" in error.reason
    assert families.dumps() == before  # P-NEW-C1 was not added either


def test_duplicate_id_in_a_case_file(families):
    with pytest.raises(safeguard.DuplicateError) as caught:
        families.loads(case('"households": [{"id": "HH-ASH"}]'), name="again.json")
    assert caught.value.entity == "HH-ASH"
    assert caught.value.file == "again.json"


def test_unknown_field_is_a_located_error():
    with pytest.raises(safeguard.SafeguardError) as caught:
        safeguard.Graph.from_string(case('"households": [{"id": "HH-1", "colour": "red"}]'),
                                    name="typo.json")
    assert caught.value.file == "typo.json" and caught.value.line == 2
    assert "colour" in caught.value.reason


def test_unreadable_files_are_file_errors(tmp_path):
    missing = tmp_path / "missing.json"
    with pytest.raises(safeguard.FileError) as caught:
        safeguard.Graph.from_file(missing)
    assert caught.value.file == str(missing)
    assert isinstance(caught.value, OSError)
    with pytest.raises(safeguard.FileError) as caught:
        safeguard.RuleSet.load(tmp_path / "missing.toml")
    assert caught.value.file == str(tmp_path / "missing.toml")
    with safeguard.Graph() as graph, pytest.raises(safeguard.FileError):
        graph.save(tmp_path / "no" / "such" / "dir" / "out.json")


def test_a_directory_is_refused_as_not_a_regular_file(tmp_path):
    """Once "larger than 4194304 bytes": every reader now says what the path is."""
    import safeguard.cin
    readers = (safeguard.RuleSet.load, safeguard.Graph.from_file, safeguard.Process.load,
               safeguard.cin.read)
    for read in readers:
        with pytest.raises(safeguard.FileError, match="is a directory") as caught:
            read(tmp_path)
        assert caught.value.file == str(tmp_path)
        assert "larger than" not in str(caught.value)


def test_invalid_utf8_is_an_encoding_error():
    with pytest.raises(safeguard.EncodingError):
        safeguard.Graph.from_string(b'{"schema_version": 1, "description": "\xff"}')


def test_rule_pack_syntax_error_names_line_and_column():
    pack = ('[pack]\nid = "p"\nversion = "1"\n[[level]]\nid = "universal"\nmin = 0\n'
            '[[index]]\nid = "neglect"\n[[rule]]\nid = "r"\nindex = "neglect"\n'
            'heading = "harm"\nfor = "child"\nwhen = "child.age < "\npoints = 1\n')
    with pytest.raises(safeguard.ParseError) as caught:
        safeguard.RuleSet.loads(pack, name="pack.toml")
    assert (caught.value.file, caught.value.line) == ("pack.toml", 14)
    assert caught.value.column > 1


def test_rule_pack_type_error():
    pack = ('[pack]\nid = "p"\nversion = "1"\n[[level]]\nid = "universal"\nmin = 0\n'
            '[[index]]\nid = "neglect"\n[[rule]]\nid = "r"\nindex = "neglect"\n'
            'heading = "harm"\nfor = "child"\nwhen = "child.age + 1"\npoints = 1\n')
    with pytest.raises(safeguard.TypeMismatchError) as caught:
        safeguard.RuleSet.loads(pack, name="pack.toml")
    assert (caught.value.file, caught.value.line) == ("pack.toml", 14)
    assert isinstance(caught.value, TypeError)


def test_batch_apply_failure_names_the_entity_and_changes_nothing(families):
    before = families.dumps()
    batch = safeguard.Batch()
    batch.add_person("P-NEW-C1", "child", dob=datetime.date(2019, 4, 1))
    batch.add_concern("C-NEW-1", category="school_attendance", severity=2,
                      recorded=datetime.date(2026, 10, 1), source="AG-NOWHERE",
                      about=["P-NEW-C1"])
    with pytest.raises(safeguard.NotFoundError) as caught:
        families.apply(batch)
    assert caught.value.entity == "C-NEW-1"
    assert "AG-NOWHERE" in caught.value.reason
    assert isinstance(caught.value, KeyError)
    assert families.dumps() == before
    assert len(batch) == 2  # the batch is left as it was


def test_graph_batch_context_does_not_apply_when_the_block_raises(families):
    before = families.count()
    with pytest.raises(RuntimeError):
        with families.batch() as edits:
            edits.add_household("HH-NEW")
            raise RuntimeError("stop")
    assert families.count() == before


def test_out_of_range_values_are_invalid_data(families):
    with pytest.raises(safeguard.InvalidDataError) as caught:
        with families.batch() as edits:
            edits.add_factor("F-NEW", kind="protective_adult", strength=9, protects=["P-ASH-C1"])
    assert caught.value.entity == "F-NEW"
    assert "strength" in caught.value.reason


def test_form_errors_are_raised_by_the_adder():
    batch = safeguard.Batch()
    with pytest.raises(safeguard.InvalidArgumentError, match="unknown relation kind"):
        batch.add_relation("friend_of", "P-1", "P-2")
    with pytest.raises(safeguard.InvalidArgumentError, match="kind 'teen' is not one of"):
        batch.add_person("P-1", "teen")
    with pytest.raises(safeguard.InvalidArgumentError, match="status 'pending'"):
        batch.add_concern("C-1", category="x", severity=1, recorded=datetime.date(2026, 1, 1),
                          source="AG-1", about=["P-1"], status="pending")
    with pytest.raises(safeguard.InvalidDataError, match="month 13"):
        batch.add_person("P-1", dob="2026-13-01")
    with pytest.raises(safeguard.InvalidArgumentError, match="recorded is required"):
        batch.add_concern("C-1", category="x", severity=1, recorded=None, source="AG-1",
                          about=["P-1"])
    with pytest.raises(TypeError, match="severity must be a whole number"):
        batch.add_concern("C-1", category="x", severity=1.5, recorded=datetime.date(2026, 1, 1),
                          source="AG-1", about=["P-1"])
    with pytest.raises(TypeError, match="dob must be a datetime.date"):
        batch.add_person("P-1", dob=20180101)
    with pytest.raises(safeguard.InvalidArgumentError, match="out of range"):
        batch.add_factor("F-1", kind="k", strength=2 ** 40, protects=["P-1"])
    assert len(batch) == 0


def test_strings_with_nul_or_unencodable_characters_are_refused():
    batch = safeguard.Batch()
    with pytest.raises(safeguard.InvalidArgumentError, match="id contains a NUL"):
        batch.add_household("HH\0-1")
    with pytest.raises(safeguard.EncodingError):
        batch.add_household("HH-\udc80")
    with pytest.raises(TypeError):
        batch.add_household(b"HH-1")
    assert len(batch) == 0


def test_result_lookups(result):
    with pytest.raises(safeguard.NotFoundError) as caught:
        result["P-NOBODY"]
    assert "P-NOBODY" in str(caught.value)
    with pytest.raises(KeyError):
        result.child("P-NOBODY")
    with pytest.raises(safeguard.OutOfRangeError):
        result[len(result)]
    with pytest.raises(IndexError):
        result.explain(99)
    with pytest.raises(safeguard.InvalidArgumentError, match="format 'xml'"):
        result.explain(0, format="xml")
    assert "P-NOBODY" not in result


def test_assess_arguments(families, rules):
    with pytest.raises(safeguard.InvalidArgumentError, match="as_of is required"):
        families.assess(rules, None)
    with pytest.raises(TypeError):
        families.assess(rules, 20261101)
    with pytest.raises(safeguard.InvalidDataError, match="as_of"):
        families.assess(rules, "2026-11-31")
    with pytest.raises(TypeError):
        safeguard.assess(families, "rules/default.toml", as_of=AS_OF)
    with pytest.raises(safeguard.InvalidArgumentError):
        families.assess(rules, AS_OF, threads=-1)


def test_count_of_an_unknown_kind(families):
    with pytest.raises(safeguard.InvalidArgumentError, match="unknown entity kind 'bogus'"):
        families.count("bogus")


def test_errors_from_one_thread_do_not_leak_into_another(families):
    import threading

    seen = []

    def fail_elsewhere():
        try:
            safeguard.Graph.from_string("{", name="other-thread.json")
        except safeguard.ParseError as error:
            seen.append(error.file)

    thread = threading.Thread(target=fail_elsewhere)
    thread.start()
    thread.join()
    with pytest.raises(safeguard.DuplicateError) as caught:
        families.loads(case('"households": [{"id": "HH-ASH"}]'), name="this-thread.json")
    assert seen == ["other-thread.json"]
    assert caught.value.file == "this-thread.json"


def test_case_file_size_limit_is_a_setting():
    size = FAMILIES.stat().st_size
    with pytest.raises(safeguard.LimitError) as caught:
        safeguard.Graph.from_file(FAMILIES, limits=safeguard.Limits(max_file_bytes=size - 1))
    assert caught.value.file == str(FAMILIES)
    assert "larger than %d bytes" % (size - 1) in caught.value.reason
    with safeguard.Graph.from_file(FAMILIES, limits=safeguard.Limits(max_file_bytes=size)) as graph:
        assert graph.count() > 0
    # Raised far past the default (8 GiB) for a national file.
    with safeguard.Graph.from_file(FAMILIES, limits=safeguard.Limits(max_file_bytes=64 << 30)) as graph:
        assert graph.count() > 0
    with safeguard.Graph(limits=safeguard.Limits(max_file_bytes=100)) as graph:
        with pytest.raises(safeguard.LimitError):
            graph.loads(FAMILIES.read_bytes(), name="families.json")
        assert graph.count() == 0


def test_limits_refuse_input_past_them_and_name_the_limit():
    tight = safeguard.Limits(max_id_bytes=8, max_rules=1)
    with safeguard.Graph(limits=tight) as graph:
        with pytest.raises(safeguard.LimitError) as caught:
            graph.loads(case('"households": [{"id": "HH-TOO-LONG-ID"}]'), name="long.json")
        assert "id" in caught.value.reason
        assert graph.count() == 0
        graph.loads(case('"households": [{"id": "HH-1"}]'))
        assert graph.count() == 1
    with pytest.raises(safeguard.LimitError):
        safeguard.Graph.from_file(FAMILIES, limits=tight)
    with pytest.raises(safeguard.LimitError):
        safeguard.RuleSet.load(DEFAULT_RULES, limits=tight)
    with safeguard.RuleSet.load(DEFAULT_RULES, limits=safeguard.Limits()) as rules:
        assert rules.rule_count > 1
    with pytest.raises(safeguard.LimitError):
        safeguard.RuleSet.loads(DEFAULT_RULES.read_text(), limits=tight)
    with pytest.raises(TypeError):
        safeguard.Graph(limits={"max_id_bytes": 8})
    with pytest.raises(safeguard.InvalidArgumentError):
        safeguard.Graph(limits=safeguard.Limits(max_depth=-1))
