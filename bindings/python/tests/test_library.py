"""Finding and loading the shared library, its version check, and the ctypes declarations
against the C header (functions, struct layouts, constants, status codes)."""

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import safeguard
from safeguard import _lib, errors

from conftest import FAMILIES, DEFAULT_RULES, HEADER, ROOT


def header_text():
    return HEADER.read_text(encoding="utf-8")


def version_h():
    text = (ROOT / "include" / "safeguard" / "version.h").read_text(encoding="utf-8")
    return {part: int(re.search(r"#define SG_VERSION_%s ([0-9]+)" % part, text).group(1))
            for part in ("MAJOR", "MINOR", "PATCH")}


def run_python(code, env_changes, cwd=None):
    env = dict(os.environ)
    env.update({k: v for k, v in env_changes.items() if v is not None})
    for key in [k for k, v in env_changes.items() if v is None]:
        env.pop(key, None)
    env["PYTHONPATH"] = str(ROOT / "bindings" / "python")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_package_version_is_the_headers():
    v = version_h()
    assert (safeguard._version.VERSION_MAJOR, safeguard._version.VERSION_MINOR,
            safeguard._version.VERSION_PATCH) == (v["MAJOR"], v["MINOR"], v["PATCH"])
    assert safeguard.__version__ == "%d.%d.%d" % (v["MAJOR"], v["MINOR"], v["PATCH"])


def test_loaded_library_matches():
    v = version_h()
    assert safeguard.library_version() == "%d.%d.%d" % (v["MAJOR"], v["MINOR"], v["PATCH"])
    assert os.path.exists(safeguard.library_path())


def test_every_c_function_is_declared():
    declared = set(re.findall(r"SG_API\s+[^;(]*?\b(sg_[a-z0-9_]+)\s*\(", header_text()))
    assert declared, "no functions found in safeguard.h"
    assert set(_lib._FUNCTIONS) <= declared, "declared in Python but not in safeguard.h"
    missing = sorted(declared - set(_lib._FUNCTIONS))
    if missing:
        pytest.skip("safeguard.h functions the package does not wrap yet: " + ", ".join(missing))


def test_every_declared_function_has_types():
    for name in _lib._FUNCTIONS:
        function = getattr(_lib.lib, name)
        assert function.argtypes is not None, name


def test_every_status_code_has_its_exception():
    codes = {name: int(value) for name, value in
             re.findall(r"#define SG_(E_[A-Z_]+)\s+(-[0-9]+)", header_text())}
    assert codes
    for name, value in codes.items():
        if not hasattr(errors, name):
            pytest.skip("status code SG_%s is not mapped yet" % name)
        assert getattr(errors, name) == value, name
        cls = errors.ERRORS_BY_STATUS[value]
        assert issubclass(cls, safeguard.SafeguardError)
        assert cls is not safeguard.SafeguardError
        raised = errors.error_for(value, "x.json:3:7: entity 'P-1': something",
                                  reason="something", file="x.json", line=3, column=7,
                                  entity="P-1", item=2)
        assert type(raised) is cls and raised.status == value
        assert (raised.file, raised.line, raised.column, raised.entity, raised.reason,
                raised.item) == ("x.json", 3, 7, "P-1", "something", 2)
        # The place comes from the library's fields, never from parsing the text.
        unplaced = errors.error_for(value, "x.json:3:7: entity 'P-1': something")
        assert (unplaced.file, unplaced.line, unplaced.entity) == (None, None, None)
        assert safeguard.status_text(value) != "unknown status"
    assert len(set(errors.ERRORS_BY_STATUS.values())) == len(codes)
    unknown = errors.error_for(-999, "new")
    assert type(unknown) is safeguard.SafeguardError and unknown.status == -999


def probe():
    path = os.environ.get("SAFEGUARD_ABI_PROBE")
    if not path:
        pytest.skip("SAFEGUARD_ABI_PROBE is not set (CTest sets it)")
    return json.loads(subprocess.run([path], check=True, capture_output=True, text=True).stdout)


STRUCTS = {
    "sg_person": _lib.Person,
    "sg_concern": _lib.Concern,
    "sg_factor": _lib.Factor,
    "sg_rules_info": _lib.RulesInfo,
    "sg_assess_options": _lib.AssessOptions,
    "sg_child_result": _lib.ChildResult,
    "sg_contribution": _lib.Contribution,
    "sg_explain_options": _lib.ExplainOptions,
    "sg_event": _lib.Event,
    "sg_override": _lib.Override,
    "sg_entry": _lib.Entry,
    "sg_timescales": _lib.Timescales,
    "sg_step": _lib.Step,
    "sg_discretionary": _lib.Discretionary,
    "sg_lint_warning": _lib.LintWarning,
    "sg_vocabulary_finding": _lib.VocabularyFinding,
    "sg_place_result": _lib.PlaceResult,
    "sg_adult_result": _lib.AdultResult,
    "sg_contribution_columns": _lib.ContributionColumns,
    "sg_step_columns": _lib.StepColumns,
    "sg_limits": _lib.Limits,
    "sg_provenance": _lib.Provenance,
    "sg_index_def": _lib.IndexDef,
    "sg_level_def": _lib.LevelDef,
    "sg_rule_def": _lib.RuleDef,
    "sg_policy_override_def": _lib.PolicyOverrideDef,
    "sg_caseload_options": _lib.CaseloadOptions,
    "sg_error_detail": _lib.ErrorDetail,
}


def test_struct_layouts_match_c():
    layouts = probe()
    # sg_text_codes has no version of its own: sg_contribution_columns' version governs it.
    for c_name, mirror in list(STRUCTS.items()) + [("sg_text_codes", _lib.TextCodes)]:
        layout = layouts[c_name]
        assert ctypes.sizeof(mirror) == layout["size"], c_name
        names = [field[0] for field in mirror._fields_]
        assert names == list(layout["fields"]), c_name
        for name, offset in layout["fields"].items():
            assert getattr(mirror, name).offset == offset, "%s.%s" % (c_name, name)


def test_constants_match_c():
    constants = probe()["constants"]
    v = version_h()
    assert constants["SG_VERSION_NUMBER"] == v["MAJOR"] * 10000 + v["MINOR"] * 100 + v["PATCH"]
    for c_name, mirror in STRUCTS.items():
        assert mirror.VERSION == constants["SG_%s_VERSION" % c_name[3:].upper()], c_name
    assert _lib.DATE_SIZE == constants["SG_DATE_SIZE"]
    assert _lib.Entry.NO_VALUE == constants["SG_ENTRY_NO_VALUE"]
    assert _lib.StepColumns.NO_DAY == constants["SG_NO_DAY"]
    assert len(_lib.ContributionColumns.TEXT_COLUMNS) == constants["SG_CONTRIBUTION_TEXT_COLUMNS"]
    for name in ("PERSON_CHILD", "PERSON_ADULT", "STATUS_OPEN", "STATUS_CLOSED",
                 "STATUS_UNSUBSTANTIATED", "STATUS_RETRACTED", "FORMAT_TEXT", "FORMAT_JSON",
                 "FORMAT_CSV", "EXPLANATIONS_EAGER", "EXPLANATIONS_LAZY"):
        assert getattr(_lib, name) == constants["SG_" + name], name


def test_library_env_naming_nothing_is_refused():
    done = run_python("import safeguard", {"SAFEGUARD_LIBRARY": "/nonexistent/libsafeguard.so"})
    assert done.returncode != 0
    assert "LibraryError" in done.stderr
    assert "SAFEGUARD_LIBRARY=/nonexistent/libsafeguard.so names no file" in done.stderr


def test_library_env_may_name_a_directory():
    directory = os.path.dirname(safeguard.library_path())
    done = run_python("import safeguard; print(safeguard.library_path())",
                      {"SAFEGUARD_LIBRARY": directory})
    assert done.returncode == 0, done.stderr
    assert os.path.dirname(done.stdout.strip()) == directory


def test_build_tree_is_found_without_the_variable():
    built = [p for p in _lib._build_tree_location() if p.is_file()]
    if not built:
        pytest.skip("no library in %s" % (ROOT / "build"))
    done = run_python("import safeguard; print(safeguard.library_path())",
                      {"SAFEGUARD_LIBRARY": None}, cwd="/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(built[0])


def test_core_needs_neither_numpy_nor_pandas():
    code = """
import sys
sys.modules["numpy"] = None   # makes `import numpy` fail
sys.modules["pandas"] = None
import datetime, safeguard
with safeguard.Graph.from_file(%r) as graph, safeguard.RuleSet.load(%r) as rules:
    result = graph.assess(rules, as_of=datetime.date(2026, 11, 1))
print(result["P-ASH-C1"].level)
try:
    result.scores
except ImportError as error:
    print("scores:", error)
try:
    result.to_frame()
except ImportError as error:
    print("frame:", error)
""" % (str(FAMILIES), str(DEFAULT_RULES))
    done = run_python(code, {})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "child_in_need", "scores: this needs numpy (Debian: apt-get install python3-numpy)",
        "frame: safeguard.frames needs pandas (Debian: apt-get install python3-pandas)"]


def compile_fake_library(tmp_path, source):
    compiler = shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        pytest.skip("no C compiler")
    c_file = tmp_path / "fake.c"
    c_file.write_text(source)
    library = tmp_path / "libsafeguard.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(library), str(c_file)], check=True)
    return str(library)


def test_mismatched_library_version_is_refused(tmp_path):
    path = compile_fake_library(tmp_path, "int sg_version_number(void) { return 9901; }\n")
    with pytest.raises(safeguard.LibraryError, match=r"is version 0\.99\.1 but this package "
                                                     r"needs 0\.1\.x"):
        _lib.load(path)


def test_library_lacking_a_function_is_refused(tmp_path):
    number = safeguard._version.VERSION_MAJOR * 10000 + safeguard._version.VERSION_MINOR * 100
    path = compile_fake_library(tmp_path, "int sg_version_number(void) { return %d; }\n" % number)
    with pytest.raises(safeguard.LibraryError, match="lacks sg_"):
        _lib.load(path)


def test_not_a_library_is_refused(tmp_path):
    fake = tmp_path / "libsafeguard.so"
    fake.write_text("not a shared object")
    with pytest.raises(safeguard.LibraryError, match="cannot load"):
        _lib.load(str(fake))
    with pytest.raises(ImportError):  # LibraryError is an ImportError too
        _lib.load(str(fake))
