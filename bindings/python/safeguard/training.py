"""Multi-agency training packs (docs/joining-up.md, "Training packs"): fictional scenarios in
which several agencies must share what they know to see a child's level, written as HTML pages:
per scenario one packet per agency and a reveal page. Deterministic by seed; every detail is
invented (the library's caseload generator)."""

import ctypes
import datetime
import json
import os
import typing

from . import _core
from . import _lib
from ._core import DateLike, check, date_text, lib
from .errors import InvalidArgumentError
from .rules import RuleSet


def _pack(rules: RuleSet, options: "_lib.TrainingOptions") -> typing.Dict[str, typing.Any]:
    buffer = ctypes.c_void_p()
    size = ctypes.c_size_t()
    with rules._lock:
        check(lib.sg_training_pack(ctypes.byref(buffer), ctypes.byref(size), rules._pointer(),
                                   ctypes.byref(options)))
    document: typing.Dict[str, typing.Any] = json.loads(_core.take_text(buffer, size))
    return document


def training_pages(rules: RuleSet, *, seed: int = 1, difficulty: int = 3, scenarios: int = 3,
                   as_of: DateLike = datetime.date(2026, 11, 1),
                   ecomaps: typing.Optional[bool] = None) -> typing.Dict[str, str]:
    """The pack's pages as {relative path: HTML}: "index.html", then per scenario
    "scenario-N/agency-ID.html" for each agency and "scenario-N/reveal.html". `difficulty` is
    how many agencies must be joined (2-6), `scenarios` how many (1-20). Each reveal page shows
    the child's ecomap, drawn here by Graphviz's `dot` (the library never starts a process):
    `ecomaps=None` draws them when `dot` is installed, as `safeguard training` does (the same
    bytes), True requires it (GraphvizError otherwise), False leaves them out. NotFoundError when
    no such scenarios are found; InvalidArgumentError for a pack whose propagated risk moves the
    level (contextual = "included")."""
    import shutil

    from .result import draw_dot

    options = _lib.TrainingOptions(version=_lib.TrainingOptions.VERSION,
                                   seed=_core.integer_of(seed, "seed", ctypes.c_ulonglong),
                                   difficulty=_core.integer_size(difficulty, "difficulty"),
                                   scenarios=_core.integer_size(scenarios, "scenarios"),
                                   as_of=date_text(as_of, "as_of"))
    document = _pack(rules, options)
    draw = ecomaps if ecomaps is not None else shutil.which("dot") is not None
    if draw and document["ecomaps"]:
        # The same options give the same scenarios: the second call places the drawings.
        figures = [draw_dot(dot).encode("utf-8") for dot in document["ecomaps"]]
        array = (ctypes.c_char_p * len(figures))(*figures)
        options.figures = ctypes.cast(array, ctypes.POINTER(ctypes.c_char_p))
        options.figure_count = len(figures)
        document = _pack(rules, options)
    return {page["path"]: page["html"] for page in document["pages"]}


def training_pack(rules: RuleSet, directory: typing.Union[str, "os.PathLike[str]"], *,
                  seed: int = 1, difficulty: int = 3, scenarios: int = 3,
                  as_of: DateLike = datetime.date(2026, 11, 1),
                  ecomaps: typing.Optional[bool] = None) -> typing.List[str]:
    """Writes the pack's pages (training_pages, `ecomaps` as there) under `directory`,
    creating it and the scenario folders, and returns the paths written, index.html first."""
    pages = training_pages(rules, seed=seed, difficulty=difficulty, scenarios=scenarios,
                           as_of=as_of, ecomaps=ecomaps)
    written = []
    for relative, html in pages.items():
        if relative.startswith("/") or ".." in relative.split("/"):
            raise InvalidArgumentError("page path %r is not relative" % relative)
        path = os.path.join(os.fspath(directory), *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            out.write(html)
        written.append(path)
    return written
