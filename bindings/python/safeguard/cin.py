"""Children in Need census returns (the Department for Education's yearly XML): read one into a
graph and pandas DataFrames, and compute the measures the census is published for. Importing
this module needs pandas (Debian: python3-pandas). docs/cin-census.md maps every element.

    import safeguard.cin

    census = safeguard.cin.read("examples/data/cin-return.xml")
    census.graph            # a safeguard.Graph: children, factors as concerns, events
    census.episodes         # one row per episode of need (child, episode, referral, ...)
    census.findings         # items that break census rules: rule, message, line, column, child
    safeguard.cin.write(census, "out.xml")   # back out as a return, as the graph now says
    measures = safeguard.cin.measures("examples/data/cin-return.xml")
    measures.authority      # measure, title, count, denominator, rate
    measures.children       # one row per child: <measure>_count, <measure>_denominator

Sex and ethnicity are in `children` (for a disparity audit) and, in the graph, only as each
child's group attributes, which no rule can read. The graph keeps the return's own items, so
write(graph) gives the return back without it.
"""

import ctypes
import datetime
import json
import typing

try:
    import pandas
except ImportError:
    raise ImportError("safeguard.cin needs pandas (Debian: apt-get install python3-pandas)"
                      ) from None

from . import _core
from ._core import DateLike, TextList, check, date_text, lib, text_array
from ._lib import CinWriteOptions
from .graph import Graph

__all__ = ["CinReturn", "CinMeasures", "read", "write", "measures", "TABLES"]

# The tables of a return, each a DataFrame attribute of CinReturn.
TABLES = ("children", "disabilities", "episodes", "assessments", "factors", "cin_plans",
          "section47", "protection_plans", "reviews", "findings")

_DATE_COLUMNS = {"birth", "expected_birth", "death", "referral", "closure", "initial_conference",
                 "start", "end", "internal_review", "authorised", "conference_target",
                 "conference", "review"}


def _frame(rows: typing.List[typing.Dict[str, typing.Any]]) -> "pandas.DataFrame":
    frame = pandas.DataFrame(rows)
    for column in frame.columns:
        if column in _DATE_COLUMNS:
            frame[column] = pandas.to_datetime(frame[column], format="%Y-%m-%d")
    return frame


def _date(text: typing.Optional[str]) -> typing.Optional[datetime.date]:
    return None if text is None else datetime.date.fromisoformat(text)


def _strict_flag(strict: bool) -> int:
    if not isinstance(strict, bool):
        raise TypeError("strict must be a bool, not %s" % type(strict).__name__)
    return 1 if strict else 0


class CinReturn:
    """A census return read into a graph and tables. `header` is a dict of the header's items;
    each name in TABLES is a DataFrame. Close the graph (or use `with`) when done."""

    graph: Graph
    path: bytes
    header: typing.Dict[str, typing.Any]
    children: "pandas.DataFrame"
    disabilities: "pandas.DataFrame"
    episodes: "pandas.DataFrame"
    assessments: "pandas.DataFrame"
    factors: "pandas.DataFrame"
    cin_plans: "pandas.DataFrame"
    section47: "pandas.DataFrame"
    protection_plans: "pandas.DataFrame"
    reviews: "pandas.DataFrame"
    findings: "pandas.DataFrame"

    def __init__(self, graph: Graph, document: typing.Dict[str, typing.Any], path: bytes) -> None:
        self.graph = graph
        self.path = path
        self.header = dict(document["header"])
        for name in TABLES:
            setattr(self, name, _frame(document[name]))

    @property
    def reference_date(self) -> typing.Optional[datetime.date]:
        """The census reference date: the last day of the census year."""
        return _date(self.header.get("reference_date"))

    def close(self) -> None:
        self.graph.close()

    def __enter__(self) -> "CinReturn":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<safeguard.cin.CinReturn of %d children, %d findings>" % (
            len(self.children), len(self.findings))


class CinMeasures:
    """The census measures of a return: the period, one row per measure for the authority and
    one row per child."""

    def __init__(self, document: typing.Dict[str, typing.Any]) -> None:
        self.period_start: typing.Optional[datetime.date] = _date(document["period_start"])
        self.period_end: typing.Optional[datetime.date] = _date(document["period_end"])
        self.authority = pandas.DataFrame(document["authority"])
        self.children = pandas.DataFrame(document["children"])

    def __repr__(self) -> str:
        return "<safeguard.cin.CinMeasures %s..%s of %d children>" % (
            self.period_start, self.period_end, len(self.children))


def _take_json(call: typing.Callable[..., int], *args: typing.Any) -> typing.Dict[str, typing.Any]:
    buffer = ctypes.c_void_p()
    size = ctypes.c_size_t()
    check(call(ctypes.byref(buffer), ctypes.byref(size), *args))
    document: typing.Dict[str, typing.Any] = json.loads(_core.take_text(buffer, size))
    return document


def read(path: _core.PathLike, *, strict: bool = False) -> CinReturn:
    """Reads the census return at `path` into a new graph and DataFrames. Items that break
    census rules are in `findings` (strict=True refuses the return instead: InvalidDataError
    naming the first, with line, column and LAchildID). Malformed XML or values raise
    ParseError or InvalidDataError with the same place."""
    encoded = _core.path_text(path)
    flag = _strict_flag(strict)
    document = _take_json(lib.sg_cin_read_file, encoded, flag)
    graph = Graph()
    try:
        check(lib.sg_cin_load_file(graph._pointer(), encoded, flag))
    except BaseException:
        graph.close()
        raise
    return CinReturn(graph, document, encoded)


def write(source: typing.Union[CinReturn, Graph], path: typing.Optional[_core.PathLike] = None,
          *, details: typing.Optional[_core.PathLike] = None, start: typing.Optional[DateLike] = None,
          end: typing.Optional[DateLike] = None, viewer: TextList = None) -> str:
    """The graph as a census return (XML text), also written to `path` when given.

    `source` is a Graph, or a CinReturn from read(), whose return is then the details.
    The graph keeps what its import kept of the return (sex, ethnicity, UPNs, referral source,
    primary need, closure, CIN plans, codes as written, the header), so read() then write()
    gives the return back. `details` is a return to take those items from instead (a graph
    that does not keep them).
    `start` and `end` bound the period: episodes open on a day of it, with what happened up
    to `end`, which is also the ReferenceDate. `viewer` names the agency ids or types the
    return's reader is cleared for ("*" for all); restricted assessment factors from other
    agencies are not written, and by default nothing restricted is.
    docs/cin-census.md, "Writing a return"."""
    if isinstance(source, CinReturn):
        graph = source.graph
        if details is None:
            details = source.path
    elif isinstance(source, Graph):
        graph = source
    else:
        raise TypeError("source must be a Graph or a CinReturn, not %s" % type(source).__name__)
    cleared, cleared_count = text_array(viewer, "viewer")
    options = CinWriteOptions(
        version=CinWriteOptions.VERSION,
        details_path=None if details is None else _core.path_text(details, "details"),
        from_=date_text(start, "start"), to=date_text(end, "end"),
        viewer_cleared=cleared, viewer_cleared_count=cleared_count)
    buffer = ctypes.c_void_p()
    size = ctypes.c_size_t()
    with graph._lock:
        check(lib.sg_cin_write(ctypes.byref(buffer), ctypes.byref(size), graph._pointer(),
                               ctypes.byref(options)))
    text = _core.take_text(buffer, size)
    if path is not None:
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    return text


def measures(path: _core.PathLike) -> CinMeasures:
    """The census measures of the return at `path`, over its census year (the year ending on
    its ReferenceDate), with England's working days. docs/cin-census.md defines each."""
    return CinMeasures(_take_json(lib.sg_cin_measures_file, _core.path_text(path)))
