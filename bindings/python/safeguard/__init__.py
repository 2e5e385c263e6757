"""safeguard: multi-agency child-safeguarding risk assessment, over the library's C API.

    import datetime, safeguard

    with safeguard.Graph.from_file("examples/data/families.json") as graph, \\
            safeguard.RuleSet.load("default") as rules:
        result = safeguard.assess(graph, rules, as_of=datetime.date(2026, 11, 1))
    for child in result:
        print(child.id, child.level, child.total)

The package needs only the standard library; safeguard.frames (DataFrames in and out) needs
pandas, Result.scores / Result.levels need numpy, and safeguard.plots needs matplotlib. The
shared library is found through the SAFEGUARD_LIBRARY environment variable, bundled into (or
installed beside) the package, in a source checkout's ./build, or on the system library path,
and must match this package's version.
"""

import typing

from ._core import lib as _c
from ._version import __version__
from .errors import (CancelledError, ClosedError, DivergenceError, DuplicateError, EncodingError, FileError,
                     GraphvizError, InternalError, InvalidArgumentError, InvalidDataError, LibraryError,
                     LimitError, MisuseError, NotFoundError, OutOfMemoryError, OutOfRangeError, ParseError,
                     SafeguardError, TypeMismatchError, VersionError)
from .calendar import NATIONS, Age, Calendar, add_months, age, bank_holidays
from .graph import ENTITY_KINDS, ENTRY_KINDS, EVENT_KINDS, RELATION_KINDS, Batch, Graph
from .result import (AdultResult, ChildResult, Contribution, Discretionary, NotAssessable, Override,
                     PlaceResult, Result, Safety, SafetyFinding, Step, TimelineIssue,
                     VocabularyFinding, VocabularyWarning, assess)
from .limits import Limits
from .process import Process
from .record import Record
from .rules import Index, Level, LintWarning, PolicyOverride, Rule, RuleSet, Timescales
from .rules import bundled as bundled_packs
from .training import training_pack, training_pages
from .audit import Audit, Refit, WhatIf, audit, refit, what_if, what_if_spec
from .audit import check_rules as audit_check_rules

__all__ = [
    "AdultResult", "Age", "Audit", "audit", "audit_check_rules", "audit_partitions", "Batch", "Calendar", "CancelledError", "ChildResult", "ClosedError", "Contribution", "Discretionary",
    "DivergenceError", "DuplicateError", "ENTITY_KINDS", "ENTRY_KINDS", "EVENT_KINDS", "EncodingError",
    "FileError", "Graph", "GraphvizError", "Index", "InternalError", "InvalidArgumentError", "InvalidDataError",
    "Level", "LibraryError", "LimitError", "Limits", "LintWarning", "MisuseError", "NATIONS", "NotAssessable", "NotFoundError",
    "OutOfMemoryError", "OutOfRangeError", "Override", "ParseError", "PlaceResult",
    "PolicyOverride", "Process", "Refit", "Rule", "RELATION_KINDS", "Record", "Result",
    "RuleSet", "Safety", "SafetyFinding", "SafeguardError", "Step", "TimelineIssue", "Timescales", "TypeMismatchError",
    "VersionError", "VocabularyFinding", "VocabularyWarning", "WhatIf", "__version__", "add_months", "age", "assess", "bank_holidays",
    "bundled_packs",
    "library_path", "library_version", "status_text", "training_pack", "training_pages",
    "refit", "what_if", "what_if_spec",
]


def library_version() -> str:
    """The "MAJOR.MINOR.PATCH" version of the shared library loaded."""
    return str(_c.sg_version_string().decode("ascii"))


def library_path() -> str:
    """The path (or soname) of the shared library loaded."""
    return _c._safeguard_path


def status_text(status: int) -> str:
    """The library's static text for a status code (sg_status_str)."""
    return str(_c.sg_status_str(status).decode("utf-8"))


def __getattr__(name: str) -> typing.Any:
    # safeguard.frames imports pandas and safeguard.plots matplotlib, so they are loaded only
    # when asked for.
    if name == "audit_partitions":
        # Needs dask and distributed (Debian: python3-dask, python3-distributed).
        from .partitions import audit_partitions

        return audit_partitions
    if name in ("frames", "plots"):
        import importlib

        return importlib.import_module("." + name, __name__)
    raise AttributeError("module 'safeguard' has no attribute %r" % name)
