"""pandas DataFrames in and out: build a graph from tables, read a graph or results back as
tables. Importing this module needs pandas (Debian: python3-pandas).

Input tables use the case-file field names as columns (docs/case-files.md):

    agencies    id, type, name
    households  id
    persons     id, kind, dob, household, flags, name   (name: a display name, shown only in
                                                      the report and the family version)
    places      id, kind, name
    groups      id, kind, name
    concerns    id, category, severity, incident, recorded, status, source, restricted,
                about, involves, summary
    factors     id, kind, strength, start, end, provided_by, protects, summary
    relations   kind, from, to
    events      id, kind, date, about, note
    overrides   id, child, direction, date, author, reason   (discretionary overrides)
    entries     id, kind, date, about, author, text, value, question, source, restricted

Optional columns may be left out. A missing value (None, NaN, NaT, empty string) means
"unknown". Dates may be datetime.date, pandas Timestamps or "YYYY-MM-DD" strings. List columns
(flags, about, involves, protects) take lists or, as read from CSV, strings with the items
separated by ";".
"""

import datetime
import numbers
import re
import typing

try:
    import pandas
except ImportError:
    raise ImportError("safeguard.frames needs pandas (Debian: apt-get install python3-pandas)"
                      ) from None

from .errors import SafeguardError, error_for
from .graph import Batch, Graph

if typing.TYPE_CHECKING:
    from .result import Result

Frame = typing.Any  # a pandas.DataFrame (pandas ships no type information)

COLUMNS = {
    "agencies": ("id", "type", "name"),
    "households": ("id",),
    "persons": ("id", "kind", "dob", "household", "flags", "name"),
    "places": ("id", "kind", "name"),
    "groups": ("id", "kind", "name"),
    "concerns": ("id", "category", "severity", "incident", "recorded", "status", "source",
                 "restricted", "about", "involves", "summary"),
    "factors": ("id", "kind", "strength", "start", "end", "provided_by", "protects", "summary"),
    "relations": ("kind", "from", "to"),
    "events": ("id", "kind", "date", "about", "note"),
    "overrides": ("id", "child", "direction", "date", "author", "reason"),
    "entries": ("id", "kind", "date", "about", "author", "text", "value", "question", "source",
                "restricted"),
}
REQUIRED = {
    "agencies": ("id", "type"),
    "households": ("id",),
    "persons": ("id", "kind"),
    "places": ("id", "kind"),
    "groups": ("id", "kind"),
    "concerns": ("id", "category", "severity", "recorded", "source", "about"),
    "factors": ("id", "kind", "strength", "protects"),
    "relations": ("kind", "from", "to"),
    "events": ("id", "kind", "date", "about"),
    "overrides": ("id", "child", "direction", "date", "author", "reason"),
    "entries": ("id", "kind", "date", "about", "author", "text"),
}
_LIST_COLUMNS = {"flags", "about", "involves", "protects"}
_DATE_COLUMNS = {"dob", "incident", "recorded", "start", "end", "date"}
_INT_COLUMNS = {"severity", "strength", "value"}
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}


class _CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _is_missing(value: object) -> bool:
    if value is None or value is pandas.NaT or value is pandas.NA:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and value.strip() == ""


def _text(value: object, column: str) -> typing.Optional[str]:
    if _is_missing(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    raise _CellError(column, "%s must be text, not %s" % (column, type(value).__name__))


def _date(value: object, column: str) -> typing.Union[datetime.date, str, None]:
    if _is_missing(value):
        return None
    if isinstance(value, (datetime.date, str)):
        return value
    raise _CellError(column, "%s must be a date, not %s" % (column, type(value).__name__))


def _whole(value: object, column: str) -> typing.Optional[int]:
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        raise _CellError(column, "%s must be a whole number, not bool" % column)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
        return int(value)
    raise _CellError(column, "%s must be a whole number, not %r" % (column, value))


def _flag(value: object, column: str) -> bool:
    if _is_missing(value):
        return False
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise _CellError(column, "%s must be true or false, not %r" % (column, value))
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(value)
    raise _CellError(column, "%s must be true or false, not %r" % (column, value))


def _items(value: object, column: str) -> typing.List[typing.Optional[str]]:
    if isinstance(value, str):
        return [item.strip() for item in value.split(";") if item.strip()]
    if _is_missing(value):
        return []
    if isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
        return [_text(item, column) for item in typing.cast(typing.Iterable[object], value)]
    raise _CellError(column, "%s must be a list or ';'-separated text, not %s"
                     % (column, type(value).__name__))


def _cell(row: typing.Dict[str, object], column: str) -> object:
    value = row.get(column)
    if column in _LIST_COLUMNS:
        return _items(value, column)
    if column in _DATE_COLUMNS:
        return _date(value, column)
    if column in _INT_COLUMNS:
        return _whole(value, column)
    if column == "restricted":
        return _flag(value, column)
    return _text(value, column)


def _check_columns(name: str, frame: Frame) -> None:
    if not isinstance(frame, pandas.DataFrame):
        raise TypeError("%s must be a pandas DataFrame, not %s" % (name, type(frame).__name__))
    unknown = [c for c in frame.columns if c not in COLUMNS[name]]
    if unknown:
        raise ValueError("%s has unknown columns %s; the columns are %s"
                         % (name, ", ".join(map(str, unknown)), ", ".join(COLUMNS[name])))
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        raise ValueError("%s lacks the required columns %s" % (name, ", ".join(missing)))


def _queue(batch: Batch, name: str, values: typing.Dict[str, typing.Any]) -> None:
    """Queues one row on the batch with the adder for its table."""
    if name == "agencies":
        batch.add_agency(values["id"], values["type"], values["name"])
    elif name == "households":
        batch.add_household(values["id"])
    elif name == "persons":
        batch.add_person(values["id"], values["kind"], dob=values["dob"],
                         household=values["household"], flags=values["flags"],
                         name=values["name"])
    elif name == "places":
        batch.add_place(values["id"], values["kind"], values["name"])
    elif name == "groups":
        batch.add_group(values["id"], values["kind"], values["name"])
    elif name == "concerns":
        batch.add_concern(
            values["id"], category=values["category"], severity=values["severity"],
            recorded=values["recorded"], source=values["source"], about=values["about"],
            incident=values["incident"], status=values["status"] or "open",
            restricted=values["restricted"], involves=values["involves"],
            summary=values["summary"])
    elif name == "factors":
        batch.add_factor(values["id"], kind=values["kind"], strength=values["strength"],
                         protects=values["protects"], start=values["start"], end=values["end"],
                         provided_by=values["provided_by"], summary=values["summary"])
    elif name == "relations":
        batch.add_relation(values["kind"], values["from"], values["to"])
    elif name == "events":
        batch.add_event(values["id"], values["kind"], values["date"], values["about"],
                        values["note"])
    elif name == "entries":
        batch.add_entry(values["id"], values["kind"], values["date"], values["about"],
                        author=values["author"], text=values["text"], value=values["value"],
                        question=values["question"], source=values["source"],
                        restricted=values["restricted"])
    else:
        batch.add_discretionary_override(
            values["id"], child=values["child"], direction=values["direction"],
            date=values["date"], author=values["author"], reason=values["reason"])


def _with_place(error: Exception, place: str, entity: typing.Optional[str] = None) -> Exception:
    """The same kind of error, with the table and row appended to its message."""
    message = "%s (%s)" % (error, place)
    if isinstance(error, SafeguardError) and error.status is not None:
        return error_for(error.status, message, reason=error.reason, file=error.file,
                         line=error.line, column=error.column, entity=error.entity or entity,
                         item=error.item)
    located = type(error)(message)
    if entity is not None and isinstance(located, SafeguardError) and located.entity is None:
        located.entity = entity
    return located


def _derived_households(persons: typing.Optional[Frame]) -> typing.Optional[Frame]:
    if not isinstance(persons, pandas.DataFrame) or "household" not in persons.columns:
        return None
    values = persons["household"].to_numpy(dtype=object)
    # Each distinct id once, in the order of first appearance; then the few distinct values
    # are checked for blanks.
    distinct = pandas.unique(values[~pandas.isna(values)]).tolist()
    ids = [h for h in distinct if not _is_missing(h)]
    return pandas.DataFrame({"id": ids}, dtype=object)


def add_frames(graph: Graph, *, agencies: typing.Optional[Frame] = None,
               households: typing.Optional[Frame] = None, persons: typing.Optional[Frame] = None,
               places: typing.Optional[Frame] = None, groups: typing.Optional[Frame] = None,
               concerns: typing.Optional[Frame] = None, factors: typing.Optional[Frame] = None,
               relations: typing.Optional[Frame] = None, events: typing.Optional[Frame] = None,
               overrides: typing.Optional[Frame] = None, entries: typing.Optional[Frame] = None,
               calendar: typing.Optional[typing.Mapping[str, typing.Any]] = None) -> Graph:
    """Adds the rows of the given tables to `graph` as one atomic batch: every row is added,
    or, on the first invalid row, none is. Errors name the table and row.

    When `households` is None, the households named in persons' household column are added;
    pass an empty table when they are already in the graph. `calendar` is the case file's
    calendar object, {"nation": ..., "closures": [dates]}, as graph_calendar() returns it.
    """
    if households is None:
        households = _derived_households(persons)
    tables = {"agencies": agencies, "households": households, "persons": persons,
              "places": places, "groups": groups, "concerns": concerns, "factors": factors,
              "relations": relations, "events": events, "overrides": overrides,
              "entries": entries}
    for name, frame in tables.items():
        if frame is not None:
            _check_columns(name, frame)
    # The fast path: tables whose columns are plainly typed go to the library as column buffers
    # (sg_graph_add_tables) made from numpy arrays, with no Python object per row or cell, and
    # are checked there as a case file's entities are, as one atomic batch. Anything else takes
    # the row by row path below, which reads every cell as it always has; so does a refused
    # table, read again to name the frame's own row label and cell as it always has. The two
    # build the same graph (tests/test_frames.py checks it).
    global _last_path
    columns = _column_tables(tables, calendar)
    if columns is not None:
        try:
            _add_tables(graph, columns)
            _last_path = "columns"
            return graph
        except SafeguardError:
            pass  # the row by row path says what is wrong, where
    _last_path = "rows"
    origins: typing.List[str] = []  # the table and row of each batch item, to name the row on apply errors
    with Batch() as batch:
        if calendar is not None:
            unknown = set(calendar) - {"nation", "closures"}
            if unknown:
                raise ValueError("calendar has unknown keys %s" % ", ".join(sorted(unknown)))
            if calendar.get("nation") is not None:
                batch.set_nation(calendar["nation"])
                origins.append("calendar nation")
            for day in calendar.get("closures") or ():
                batch.add_closure(day)
                origins.append("calendar closure %s" % day)
        for name, frame in tables.items():
            if frame is None:
                continue
            for label, row in zip(frame.index, frame.to_dict("records")):
                place = "%s row %s" % (name, label)
                entity = row.get("id") if isinstance(row.get("id"), str) else None
                try:
                    values = {column: _cell(row, column) for column in COLUMNS[name]}
                    _queue(batch, name, values)
                except _CellError as error:
                    raise ValueError("%s (%s, column %s)" % (error, place, error.column)) from None
                except (SafeguardError, TypeError, ValueError) as error:
                    raise _with_place(error, place, entity) from error
                origins.append(place)
        try:
            graph.apply(batch)
        except SafeguardError as error:
            if error.item is not None and error.item < len(origins):
                raise _with_place(error, origins[error.item]) from error
            raise
    return graph


# Which path the last add_frames took, "columns" or "rows" (for the tests).
_last_path = ""

class _Columns:
    """The tables as sg_table structs, with the numpy arrays their buffers point into (kept
    alive with them)."""

    def __init__(self) -> None:
        from . import _lib

        self.tables: typing.List[typing.Any] = []
        self.keep: typing.List[typing.Any] = []
        self._lib = _lib

    def add(self, name: str, rows: int,
            columns: typing.List[typing.Tuple[str, int, typing.Dict[str, typing.Any]]]) -> None:
        lib = self._lib
        array = (lib.Column * max(len(columns), 1))()
        for i, (column, kind, buffers) in enumerate(columns):
            entry = array[i]
            entry.name = column.encode("utf-8")
            entry.type = kind
            for field, buffer in buffers.items():
                if field == "data_size":
                    entry.data_size = buffer
                elif buffer is not None:
                    setattr(entry, field, buffer.ctypes.data)
                    self.keep.append(buffer)
        self.keep.append(array)
        self.tables.append(lib.Table(version=lib.Table.VERSION, name=name.encode("utf-8"),
                                     row_count=rows, columns=array, column_count=len(columns)))


def _add_tables(graph: Graph, columns: _Columns) -> None:
    from ._core import check, lib

    tables = (columns._lib.Table * max(len(columns.tables), 1))(*columns.tables)
    with graph._lock:
        check(lib.sg_graph_add_tables(graph._pointer(), tables, len(columns.tables)))


def _column_tables(tables: typing.Dict[str, typing.Optional[Frame]],
                   calendar: typing.Optional[typing.Mapping[str, typing.Any]]
                   ) -> typing.Optional[_Columns]:
    """The tables as column buffers, or None when a column is not plainly typed (text as str,
    whole numbers as numbers, flags as bool, dates as datetime.date or ISO text, lists as lists
    of str) and the row by row path must read it cell by cell."""
    import numpy

    out = _Columns()
    for name, frame in tables.items():
        if frame is None or len(frame) == 0:
            continue
        columns = []
        for column in frame.columns:
            buffers = _column_buffers(numpy, frame[column], column)
            if buffers is None:
                return None
            columns.append((column, buffers[0], buffers[1]))
        out.add(name, len(frame), columns)
    if calendar is not None:
        if set(calendar) - {"nation", "closures"}:
            return None
        columns = []
        nation = calendar.get("nation")
        if nation is not None:
            if not isinstance(nation, str):
                return None
            text = _text_buffers(numpy, numpy.array([nation], dtype=object))
            if text is None:
                return None
            columns.append(("nation", out._lib.Column.TEXT, text))
        closures = []
        for day in calendar.get("closures") or ():
            if isinstance(day, datetime.datetime) or not isinstance(day, (datetime.date, str)):
                return None
            closures.append(day if isinstance(day, str) else day.isoformat())
        items = _list_buffers(numpy, _object_array(numpy, [closures]))
        if items is None:
            return None
        columns.append(("closures", out._lib.Column.TEXT_LIST, items))
        out.add("calendar", 1, columns)
    return out


def _object_array(numpy: typing.Any, values: typing.List[typing.Any]) -> typing.Any:
    array = numpy.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        array[i] = value
    return array


def _validity(numpy: typing.Any, present: typing.Any) -> typing.Any:
    """Arrow's validity bitmap (least significant bit first), or None when every row holds a
    value."""
    if present.all():
        return None
    return numpy.packbits(present.astype(numpy.uint8), bitorder="little")


def _column_buffers(numpy: typing.Any, series: typing.Any, column: str
                    ) -> typing.Optional[typing.Tuple[int, typing.Dict[str, typing.Any]]]:
    """`series` as sg_column buffers (its type and buffers), or None when it is not plainly
    typed. Missing cells (None, NaN, blank text) are left out of their rows, as the row by row
    path reads them."""
    from . import _lib

    kinds = _lib.Column
    if column in _INT_COLUMNS:
        if series.dtype.kind in "iuf":
            # pandas' nullable integers (Int64) hold <NA>: missing, as NaN is.
            present = ~numpy.asarray(series.isna())
            figures = series.to_numpy(dtype=numpy.float64, na_value=0.0)
        elif series.dtype == object:  # cell by cell: such columns are small (scaling values)
            values = series.to_numpy(dtype=object)
            present = numpy.zeros(len(values), dtype=bool)
            figures = numpy.zeros(len(values), dtype=numpy.float64)
            for i, value in enumerate(values):
                if _is_missing(value):
                    continue
                if isinstance(value, bool) or not isinstance(value, (numbers.Integral, float)):
                    return None
                present[i] = True
                figures[i] = float(value)
        else:
            return None
        figures = numpy.ascontiguousarray(figures, dtype=numpy.float64)
        return kinds.NUMBER, {"numbers": figures, "validity": _validity(numpy, present)}
    if column == "restricted":
        if series.dtype != bool:
            return None
        return kinds.FLAG, {"flags": numpy.ascontiguousarray(series.to_numpy(), dtype=numpy.uint8)}
    values = series.to_numpy(dtype=object)
    if column in _LIST_COLUMNS:
        # Lists (missing cells: None or NaN, an empty list); text to split at ";", tuples and
        # anything else are read cell by cell.
        types = set(map(type, values))
        if not types <= {list, type(None), float}:
            return None
        if types != {list}:
            missing = numpy.asarray(pandas.isna(values), dtype=bool)
            if float in types and not missing[_kinds(values, float)].all():
                return None
            values = values.copy()
            for i in numpy.flatnonzero(missing).tolist():
                values[i] = ()
        buffers = _list_buffers(numpy, values)
        return None if buffers is None else (kinds.TEXT_LIST, buffers)
    if column in _DATE_COLUMNS:
        types = set(map(type, values))
        if datetime.date in types:
            # Dates and missing values; a datetime (or anything else) among them is read cell
            # by cell.
            full = types == {datetime.date}
            present = numpy.ones(len(values), dtype=bool) if full else \
                ~numpy.asarray(pandas.isna(values), dtype=bool)
            if not full and set(map(type, values[present])) != {datetime.date}:
                return None
            days = numpy.zeros(len(values), dtype=numpy.int32)
            # Python's own ordinals, a date at a time: several times faster than numpy's
            # conversion of date objects.
            days[present] = numpy.fromiter(map(datetime.date.toordinal, values[present]),
                                           dtype=numpy.int64, count=int(present.sum())) - _EPOCH
            return kinds.DAY, {"days": days, "validity": _validity(numpy, present)}
    texts = _text_buffers(numpy, values)
    if texts is not None:
        return kinds.TEXT, texts
    return None  # not text (or text that cannot be carried): read cell by cell


def _encoded(numpy: typing.Any, texts: typing.List[typing.Any]
             ) -> typing.Optional[typing.Tuple[typing.Any, typing.Any]]:
    """Offsets (n + 1, int64) and UTF-8 bytes of a list of str, or None when an item is not a
    str, or holds a NUL (the row by row path refuses it, naming the cell) or a lone surrogate
    (which UTF-8 cannot carry).

    No Python object is made per item: the texts are joined and encoded once (the join is also
    the type check) and their lengths read once; these two passes over the items' objects are
    most of the cost at a million rows, so nothing else walks them. Lengths in characters are
    lengths in bytes for ASCII; otherwise each character's first byte in the encoding says
    where the character offsets fall among the bytes."""
    n = len(texts)
    offsets = numpy.zeros(n + 1, dtype=numpy.int64)
    try:
        joined = "".join(texts)
        encoded = joined.encode("utf-8")
    except (TypeError, UnicodeEncodeError):
        return None
    if "\x00" in joined:
        return None
    numpy.cumsum(numpy.fromiter(map(len, texts), dtype=numpy.int64, count=n), out=offsets[1:])
    if not encoded:
        return offsets, numpy.zeros(1, dtype=numpy.uint8)  # a valid pointer for no bytes
    data = numpy.frombuffer(encoded, dtype=numpy.uint8)
    if len(encoded) != len(joined):
        starts = numpy.flatnonzero((data & 0xC0) != 0x80)
        offsets = numpy.append(starts, len(data))[offsets]
    return offsets, data


_EPOCH = datetime.date(1970, 1, 1).toordinal()

# The bytes a blank text (all white space: missing) may start with: ASCII white space, or a
# byte of a multi-byte character (which may be Unicode white space, checked in Python).
_BLANK_LEADS = frozenset(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85") | frozenset(range(0x80, 0x100))


def _text_buffers(numpy: typing.Any, values: typing.Any
                  ) -> typing.Optional[typing.Dict[str, typing.Any]]:
    """TEXT buffers of an object array of str and missing values (None, NaN...), or None when
    a value is neither (or the text cannot be carried: see _encoded); blank text is missing.
    A column with nothing missing is read in one try, without looking for missing values."""
    missing = numpy.zeros(len(values), dtype=bool)
    encoded = _encoded(numpy, values.tolist())
    if encoded is None:
        missing = numpy.asarray(pandas.isna(values), dtype=bool)
        if not missing.any():
            return None
        values = values.copy()
        values[missing] = ""
        encoded = _encoded(numpy, values.tolist())
        if encoded is None:
            return None
    offsets, data = encoded
    lengths = numpy.diff(offsets)
    starts = offsets[:-1]
    # Only texts that are empty or start like white space can be blank; those few are checked.
    first = data[numpy.minimum(starts, len(data) - 1)]
    lead = numpy.zeros(256, dtype=bool)
    lead[list(_BLANK_LEADS)] = True
    maybe = (lengths == 0) | lead[first]
    present = ~missing
    for i in numpy.flatnonzero(maybe & present).tolist():
        if values[i] == "" or values[i].isspace():
            present[i] = False
    return {"offsets": offsets, "data": data, "data_size": int(offsets[-1]),
            "validity": _validity(numpy, present)}


def _list_buffers(numpy: typing.Any, values: typing.Any
                  ) -> typing.Optional[typing.Dict[str, typing.Any]]:
    """TEXT_LIST buffers of an object array of lists (or tuples) of str, or None when an item is
    not text (the row by row path names it) or cannot be carried (see _encoded)."""
    import itertools

    counts = numpy.fromiter(map(len, values), dtype=numpy.int64, count=len(values))
    list_offsets = numpy.zeros(len(values) + 1, dtype=numpy.int64)
    numpy.cumsum(counts, out=list_offsets[1:])
    items = list(itertools.chain.from_iterable(values))
    encoded = _encoded(numpy, items)
    if encoded is None:
        return None
    offsets, data = encoded
    return {"list_offsets": list_offsets, "offsets": offsets, "data": data,
            "data_size": int(offsets[-1])}


# Element-wise functions over object arrays, run by numpy's loop rather than Python's.
_UFUNCS: typing.Dict[str, typing.Any] = {}


def _ufunc(name: str, function: typing.Callable[[typing.Any], typing.Any]) -> typing.Any:
    import numpy

    if name not in _UFUNCS:
        _UFUNCS[name] = numpy.frompyfunc(function, 1, 1)
    return _UFUNCS[name]


def _kinds(values: typing.Any, kind: type) -> typing.Any:
    """A bool array: which of `values` are exactly of type `kind`."""
    import numpy

    if not len(values):
        return numpy.zeros(0, dtype=bool)
    name = "is_" + kind.__name__
    return _ufunc(name, lambda value: type(value) is kind)(values).astype(bool)


def graph_from_frames(**tables: typing.Any) -> Graph:
    """A new Graph holding the given tables (see add_frames for the arguments)."""
    graph = Graph()
    try:
        return add_frames(graph, **tables)
    except BaseException:
        graph.close()
        raise


def _parse_date(value: typing.Optional[str]) -> typing.Optional[datetime.date]:
    return None if value is None else datetime.date.fromisoformat(value)


def graph_calendar(graph: Graph) -> typing.Dict[str, typing.Any]:
    """The graph's calendar as the case file holds it: {"nation": str, "closures": [dates]}."""
    calendar = _graph_tables(graph, ("calendar",))["calendar"]
    return {"nation": calendar["nation"][0],
            "closures": [_parse_date(day) for day in calendar["closures"][0]]}


def _c_array(numpy: typing.Any, address: typing.Optional[int], ctype: typing.Any,
             count: int) -> typing.Any:
    """A numpy copy of `count` values of `ctype` at `address` (empty when there are none)."""
    if not count:
        return numpy.zeros(0, dtype=numpy.dtype(ctype))
    return numpy.ctypeslib.as_array((ctype * count).from_address(address)).copy()


def _decode_texts(numpy: typing.Any, offsets: typing.Any, data: bytes) -> typing.List[str]:
    """The texts data[offsets[i]:offsets[i + 1]]. The library's texts hold no NUL, so a NUL is
    put at each boundary (numpy.insert) and the whole decoded once and split there: the strings
    are made by str.split's C loop, a quarter to a half faster than slicing them one by one
    in Python (4,000,000 ids). Otherwise (a NUL in the bytes, offsets that do not span
    them) decoded once as a whole and sliced: byte offsets are character offsets for ASCII;
    otherwise each character's first byte says where the character offsets fall among the
    bytes."""
    if (len(offsets) > 1 and offsets[0] == 0 and offsets[-1] == len(data)
            and b"\x00" not in data):
        raw = numpy.frombuffer(data, dtype=numpy.uint8)
        separated: bytes = numpy.insert(raw, offsets[1:-1], 0).tobytes()
        return separated.decode("utf-8").split("\x00")
    text = data.decode("utf-8")
    if len(text) != len(data):
        raw = numpy.frombuffer(data, dtype=numpy.uint8)
        characters = numpy.zeros(len(data) + 1, dtype=numpy.int64)
        numpy.cumsum((raw & 0xC0) != 0x80, out=characters[1:])
        offsets = characters[offsets]
    bounds = offsets.tolist()
    return [text[start:end] for start, end in zip(bounds[:-1], bounds[1:])]


def _table_column(numpy: typing.Any, column: typing.Any, rows: int) -> typing.Any:
    """One sg_column of sg_graph_tables: text as an object array (None where the row holds no
    value), lists as a list of lists (empty where the row holds none), and numbers, days and
    flags as (values, valid), valid None when every row holds one."""
    import ctypes

    from ._lib import Column

    valid = None
    if column.validity and rows:
        bits = _c_array(numpy, column.validity, ctypes.c_uint8, (rows + 7) // 8)
        valid = numpy.unpackbits(bits, bitorder="little")[:rows].astype(bool)
    kind = column.type
    if kind in (Column.TEXT, Column.TEXT_LIST):
        data = ctypes.string_at(column.data, column.data_size) if column.data_size else b""
        if kind == Column.TEXT:
            offsets = _c_array(numpy, column.offsets, ctypes.c_int64, rows + 1)
            values = numpy.empty(rows, dtype=object)
            if rows:
                values[:] = _decode_texts(numpy, offsets, data)
        else:
            bounds = _c_array(numpy, column.list_offsets, ctypes.c_int64, rows + 1)
            items_count = int(bounds[-1]) if rows else 0
            offsets = _c_array(numpy, column.offsets, ctypes.c_int64, items_count + 1)
            items = _decode_texts(numpy, offsets, data) if items_count else []
            starts = bounds.tolist()
            # A list of lists, not an array: numpy would look for a second dimension in it. A
            # row with no value is an empty list, as a case file's missing list is.
            return [items[start:end] for start, end in zip(starts[:-1], starts[1:])]
        if valid is not None:
            values[~valid] = None
        return values
    if kind == Column.NUMBER:
        values = _c_array(numpy, column.numbers, ctypes.c_double, rows)
    elif kind == Column.DAY:
        values = _c_array(numpy, column.days, ctypes.c_int32, rows)
    else:
        values = _c_array(numpy, column.flags, ctypes.c_uint8, rows)
    return values, valid


def _missing(values: typing.Any) -> typing.Any:
    """A bool array: which of the object array `values` are None."""
    if not len(values):
        return values.astype(bool)
    return _ufunc("is_none", lambda value: value is None)(values).astype(bool)


def _graph_tables(graph: Graph, names: typing.Optional[typing.Iterable[str]] = None
                  ) -> typing.Dict[str, typing.Dict[str, typing.Any]]:
    """The graph's sections as columns (sg_graph_tables): {table: {column: values}}, values as
    _table_column gives them; only the tables in `names` when given."""
    import ctypes

    import numpy

    from ._core import check, lib
    from ._lib import Table

    wanted = None if names is None else set(names)
    handle = ctypes.c_void_p()
    with graph._lock:
        check(lib.sg_graph_tables(ctypes.byref(handle), graph._pointer()))
    try:
        listing = ctypes.POINTER(Table)()
        count = ctypes.c_size_t()
        check(lib.sg_tables_get(ctypes.byref(listing), ctypes.byref(count), handle))
        out: typing.Dict[str, typing.Dict[str, typing.Any]] = {}
        for i in range(count.value):
            table = listing[i]
            name = table.name.decode("utf-8")
            if wanted is not None and name not in wanted:
                continue
            rows = int(table.row_count)
            out[name] = {"": rows}
            for k in range(table.column_count):
                column = table.columns[k]
                out[name][column.name.decode("utf-8")] = _table_column(numpy, column, rows)
        return out
    finally:
        lib.sg_tables_free(handle)


def graph_to_frames(graph: Graph) -> typing.Dict[str, Frame]:
    """The graph as a dict of DataFrames keyed by table name (the keys of COLUMNS), with dates
    as datetime.date, lists as lists and unknown values as None.

    The columns come from the library as arrays (sg_graph_tables), with no document and no
    Python object per row but the cells' own values."""
    import gc

    # Millions of new lists (a list column's cells) set off the cyclic collector again and
    # again, each pass walking every object made so far (at a million children, 46 s of CPU
    # with it, 40 s without). Nothing made here is cyclic.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _graph_to_frames(graph)
    finally:
        if collecting:
            gc.enable()


def _graph_to_frames(graph: Graph) -> typing.Dict[str, Frame]:
    import numpy

    tables = _graph_tables(graph, COLUMNS)
    frames: typing.Dict[str, Frame] = {}
    for name, columns in COLUMNS.items():
        table = tables[name]
        rows = table[""]
        data: typing.Dict[str, typing.Any] = {}
        for column in columns:
            cells = table[column]
            if column in _LIST_COLUMNS:
                value: typing.Any = cells
            elif isinstance(cells, tuple):
                numbers, valid = cells
                if column in _DATE_COLUMNS:
                    value = numbers.astype("datetime64[D]").astype(object)
                elif column == "restricted":
                    value = numbers.astype(bool)
                    valid = None  # a flag left out is false
                elif column == "value":
                    value = numbers.astype(numpy.int64).astype(object)
                else:
                    value = numbers.astype(numpy.int64)
                if valid is not None and not valid.all():
                    value = value.astype(object)
                    value[~valid] = None
            else:
                value = cells
                if column == "status" and rows:
                    value[_missing(value)] = "open"
            data[column] = value
        if not rows:
            frames[name] = pandas.DataFrame([], columns=list(columns))  # every column objects
            continue
        frame = pandas.DataFrame(data, columns=list(columns))
        for column in columns:
            # value is missing on every entry but scaling: kept as objects, not floats.
            if (column not in _INT_COLUMNS or column == "value") and column != "restricted":
                frame[column] = frame[column].astype(object)
        frames[name] = frame
    return frames


def _levels(result: "Result", codes: typing.List[int]) -> typing.Any:
    return pandas.Categorical.from_codes(codes, categories=list(result.level_ids), ordered=True)


def result_frame(result: "Result") -> Frame:
    """One row per child, indexed by child id: level and score_level (ordered categoricals of
    the pack's levels, so they compare with < and >), immediate_safety, total, one score
    column per index as the result's viewer may attribute it, `withheld` (the points from
    restricted evidence that viewer is not cleared for, in no index), the ids of the policy
    overrides that fired (";"-separated), what
    became of a discretionary override ("none", "applied", "not_allowed", "at_limit",
    "held_by_policy"), the present-danger safety decision (safety: "safe", "safe_with_plan",
    "unsafe" or "not_assessed"; it never moves the level), and for a pack that propagates, contextual risk: contextual_total (the
    points the network adds as the viewer may attribute them; under the pack's default policy
    they are not in total or the scores), contextual_withheld (the network's points from
    evidence withheld from the viewer, in no index) and context_level (the level the scores
    reach with both). The as-of date and the pack's id, version and hash are in
    DataFrame.attrs."""
    import numpy

    # One call fills every column (sg_result_child_columns): no call, and no Python object,
    # per child but the id.
    columns = result._child_columns()
    n = len(result)
    ids = result._ids_by_row()

    def array(name: str) -> typing.Any:
        return numpy.ctypeslib.as_array(columns[name])[:n].copy()

    def names(name: str) -> typing.Any:
        if not n:
            return numpy.empty(0, dtype=object)
        return _strings(numpy, numpy.frombuffer(columns[name], dtype=numpy.uintp, count=n))

    frame = pandas.DataFrame(
        {
            "level": _levels(result, array("level").tolist()),
            "score_level": _levels(result, array("score_level").tolist()),
            "immediate_safety": pandas.array(array("immediate_safety").astype(bool), dtype=bool),
            "total": pandas.array(array("total"), dtype="float64"),
        },
        index=pandas.Index(ids, name="child_id", dtype=object))
    if n:
        scores = result.scores
        for i, index_id in enumerate(result.index_ids):
            frame[index_id] = scores[:, i]
    else:
        for index_id in result.index_ids:
            frame[index_id] = pandas.Series(dtype="float64")
    frame["withheld"] = result.withheld if n else pandas.Series(dtype="float64")
    # Overrides are viewer-scoped: read, one child at a time, only where some fired.
    counts = array("override_count")
    fired = numpy.flatnonzero(counts).tolist()
    texts = result._override_texts({row: int(counts[row]) for row in fired})
    overrides = numpy.full(n, "", dtype=object)
    for row, text in texts.items():
        overrides[row] = text
    frame["overrides"] = pandas.array(overrides, dtype=object)
    frame["discretionary"] = pandas.array(names("discretionary"), dtype=object)
    frame["safety"] = pandas.array(names("safety"), dtype=object)
    if result.contextual_policy is not None:
        contextual, withheld = result._contextual_totals()
        frame["contextual_total"] = pandas.array(contextual, dtype="float64")
        frame["contextual_withheld"] = pandas.array(withheld, dtype="float64")
        frame["context_level"] = _levels(result, array("context_level").tolist())
    frame.attrs.update(as_of=result.as_of, rules_id=result.rules_id,
                       rules_version=result.rules_version, rules_hash=result.rules_hash)
    return frame


CONTRIBUTION_COLUMNS = ("child_id", "index_id", "kind", "rule_id", "rule_title", "heading",
                        "evidence_id", "via_id", "via_kind", "relation", "path",
                        "source_agency_id", "restricted", "raw", "decay", "reach", "cap_factor",
                        "value")


def contributions_frame(result: "Result", viewer: typing.Any = None) -> Frame:
    """One row per contribution of every child, in the order that sums exactly to each index
    score, as `viewer` may see them: the agency ids or types the reader is cleared for (None or
    [] for none), "*" for every detail, or safeguard.result.RESULT_VIEWER for the result's own
    viewer; what is withheld from the reader is one "withheld" row per child, as in
    ChildResult.contributions.

    Built column by column: one call fills numpy arrays (sg_result_contribution_columns), each
    text column as int32 codes into a table of its distinct texts (sg_text_codes), so a Python
    object is made per distinct text, not per row and field."""
    import ctypes

    import numpy

    from . import _lib
    from ._core import check, lib
    from .result import _viewer_options

    clearances = result._viewer_of(viewer)
    options = _viewer_options(clearances)
    count = ctypes.c_size_t()
    columns = _lib.ContributionColumns(version=_lib.ContributionColumns.VERSION, capacity=0,
                                       fold_withheld=1)
    with result._lock:
        pointer = result._pointer()
        check(lib.sg_result_contribution_columns(ctypes.byref(count), ctypes.byref(columns),
                                                 pointer, 0, len(result), ctypes.byref(options)))
        n = count.value
        if n == 0:
            frame = pandas.DataFrame([], columns=list(CONTRIBUTION_COLUMNS))
        else:
            texts = _lib.ContributionColumns.TEXT_COLUMNS
            numbers = ("raw", "decay", "reach", "cap_factor", "value")
            codes = {name: numpy.empty(n, dtype=numpy.int32) for name in texts}
            tables = (_lib.TextCodes * len(texts))()
            for i, name in enumerate(texts):
                tables[i].codes = codes[name].ctypes.data
            arrays = {name: numpy.empty(n, dtype=numpy.float64) for name in numbers}
            arrays["row"] = numpy.empty(n, dtype=numpy.uintp)
            arrays["restricted"] = numpy.empty(n, dtype=numpy.uint8)
            columns.capacity = n
            columns.text_codes = ctypes.addressof(tables)
            for name, array in arrays.items():
                setattr(columns, name, array.ctypes.data)
            try:
                check(lib.sg_result_contribution_columns(ctypes.byref(count),
                                                         ctypes.byref(columns), pointer, 0,
                                                         len(result), ctypes.byref(options)))
                data = {"child_id": numpy.asarray(result.child_ids, dtype=object)[arrays["row"]]}
                for i, name in enumerate(texts):
                    data[name] = _decode_codes(numpy, codes[name], tables[i])
            finally:
                for table in tables:
                    lib.sg_buffer_free(table.texts)  # NULL (not handed out) is a no-op
            data["restricted"] = arrays["restricted"].astype(bool)
            for name in numbers:
                data[name] = arrays[name]
            # The arrays are this call's own: the frame takes them as they are (copy=False), one
            # block per column, rather than copying the eleven text columns into one block (a
            # second pass over every row's objects: over a second at a million children).
            frame = pandas.DataFrame({name: data[name] for name in CONTRIBUTION_COLUMNS},
                                     copy=False)
    frame.attrs.update(as_of=result.as_of, rules_id=result.rules_id,
                       rules_version=result.rules_version, rules_hash=result.rules_hash)
    return frame


def _decode_codes(numpy: typing.Any, codes: typing.Any, table: typing.Any) -> typing.Any:
    """An object array of str (None where the code is -1) from a column's codes and its table of
    distinct texts (sg_text_codes): one decode and one split for the table, then numpy's
    indexing, where -1 picks the None after the last text (indexing by an int32 array is about a
    third faster than take for object arrays of millions of rows)."""
    import ctypes

    joined = ctypes.string_at(table.texts, table.texts_size).decode("utf-8") \
        if table.text_count else ""
    # Each text ends with its NUL, so the split leaves one empty string after the last: None.
    items = typing.cast(typing.List[typing.Optional[str]],
                        joined.split("\x00") if table.text_count else [""])
    items[-1] = None
    values = numpy.empty(len(items), dtype=object)
    values[:] = items
    return values[codes]


def _strings(numpy: typing.Any, pointers: typing.Any) -> typing.Any:
    """An object array of str (None for a null pointer) from an array of C string pointers:
    the distinct texts copied out by one call (sg_texts_join) and split in one go, then spread
    by index. (A call per text was most of contributions_frame at a million children, where
    evidence ids run to millions.)"""
    import ctypes

    from ._core import check, lib, take_text

    where, distinct = pandas.factorize(pointers.astype(numpy.uint64), sort=False)
    values = numpy.empty(len(distinct), dtype=object)
    present = distinct != 0
    addresses = numpy.ascontiguousarray(distinct[present], dtype=numpy.uintp)
    if len(addresses):
        buffer = ctypes.c_void_p()
        size = ctypes.c_size_t()
        check(lib.sg_texts_join(ctypes.byref(buffer), ctypes.byref(size), addresses.ctypes.data,
                                len(addresses)))
        # Each text ends with its NUL, so the split leaves one empty string after the last.
        values[present] = take_text(buffer, size).split("\x00")[:-1]
    return values[where]


JOINED_COLUMNS = ("rank", "child_id", "joined_level", "joined_total", "best_alone_level",
                  "best_alone_total", "level_gap", "score_gap", "only_when_joined", "agency",
                  "withheld", "agency_level", "agency_total", "in_smallest_set", "smallest_sets",
                  "smallest_sets_exact", "joining_fired")


def joined_frame(result: "Result", viewer: typing.Union[str, typing.Iterable[str], None] = None,
                 threads: int = 1, exact_up_to: int = 12) -> Frame:
    """The joining-up triage list (Result.joined) with one row per child and agency, children in
    rank order: the child's joined and best single-agency level and total, the gaps, whether it
    is visible only when joined, the agency ("restricted source" for restricted evidence the
    viewer may not see), its level and total alone, whether it is in one of the smallest sets,
    the smallest sets (a list of lists of agencies), whether they were found exactly, and the
    ids of the rules and overrides joining fired."""
    import json

    document = json.loads(result.joined(format="json", viewer=viewer, threads=threads,
                                        exact_up_to=exact_up_to))
    rows: typing.List[typing.Tuple[object, ...]] = []
    for child in document["triage"]:
        sets = child["minimal_sets"]
        in_sets = {name for chosen in sets for name in chosen}
        fired = [r["id"] for r in child["joining_fired"]["rules"]] + \
            ["override " + o["id"] for o in child["joining_fired"]["overrides"]]
        for fragment in child["fragments"]:
            rows.append((child["rank"], child["child"], child["joined"]["level"],
                         child["joined"]["total"], child["best_alone"]["level"],
                         child["best_alone"]["total"], child["level_gap"], child["score_gap"],
                         child["only_when_joined"], fragment["agency"], fragment["withheld"],
                         fragment["level"], fragment["total"], fragment["agency"] in in_sets,
                         sets, child["minimal_sets_exact"], fired))
    frame = pandas.DataFrame(rows, columns=list(JOINED_COLUMNS))
    frame.attrs.update(as_of=result.as_of, rules_id=result.rules_id,
                       rules_version=result.rules_version, rules_hash=result.rules_hash,
                       only_when_joined=document["only_when_joined"])
    return frame


TIMELINE_COLUMNS = ("child_id", "step", "status", "working_days", "trigger_id", "done_id",
                    "start", "due", "completed", "title", "reason", "calendar_days", "source",
                    "nation")


def timeline_frame(result: "Result") -> Frame:
    """One row per statutory timeline step of every child (status "on_time", "late", "due",
    "overdue", "not_required" or "not_recorded", with the reason), with dates as datetime.date.
    Filled by one call (sg_result_step_columns), as contributions_frame is."""
    import ctypes

    import numpy

    from . import _lib
    from ._core import check, lib

    count = ctypes.c_size_t()
    columns = _lib.StepColumns(version=_lib.StepColumns.VERSION, capacity=0)
    with result._lock:
        pointer = result._pointer()
        check(lib.sg_result_step_columns(ctypes.byref(count), ctypes.byref(columns), pointer, 0,
                                         len(result)))
        n = count.value
        if n == 0:
            frame = pandas.DataFrame([], columns=list(TIMELINE_COLUMNS))
        else:
            texts = ("step", "status", "trigger_id", "done_id", "title", "reason", "source",
                     "nation")
            days = ("start", "due", "completed")
            arrays = {name: numpy.empty(n, dtype=numpy.uintp) for name in texts}
            arrays.update({name: numpy.empty(n, dtype=numpy.int32) for name in days})
            arrays.update({name: numpy.empty(n, dtype=numpy.intc)
                           for name in ("working_days", "calendar_days")})
            arrays["row"] = numpy.empty(n, dtype=numpy.uintp)
            columns.capacity = n
            for name, array in arrays.items():
                setattr(columns, name, array.ctypes.data)
            check(lib.sg_result_step_columns(ctypes.byref(count), ctypes.byref(columns), pointer,
                                             0, len(result)))
            data = {"child_id": numpy.asarray(result.child_ids, dtype=object)[arrays["row"]]}
            for name in texts:
                data[name] = _strings(numpy, arrays[name])
            for name in days:
                data[name] = _dates(numpy, arrays[name])
            for name in ("working_days", "calendar_days"):
                data[name] = arrays[name].astype(numpy.int64)
            frame = pandas.DataFrame({name: data[name] for name in TIMELINE_COLUMNS},
                                     copy=False)  # as contributions_frame
    frame.attrs.update(as_of=result.as_of, rules_id=result.rules_id,
                       rules_version=result.rules_version, rules_hash=result.rules_hash)
    return frame


def _dates(numpy: typing.Any, days: typing.Any) -> typing.Any:
    """An object array of datetime.date (None for SG_NO_DAY) from days since 1970-01-01: each
    distinct day made once."""
    from . import _lib

    where, distinct = pandas.factorize(days, sort=False)
    epoch = datetime.date(1970, 1, 1).toordinal()
    values = numpy.empty(len(distinct), dtype=object)
    for i, day in enumerate(distinct.tolist()):
        values[i] = None if day == _lib.StepColumns.NO_DAY else \
            datetime.date.fromordinal(epoch + day)
    return values[where]


def places_frame(result: "Result") -> Frame:
    """One row per place or group, highest network score first, indexed by its id: kind
    ("place" or "group"), label (its kind in the case file), score, own_score, one network
    score column per index and `withheld`, as the result's viewer may attribute them (as in
    result_frame). Empty unless the pack propagates risk through the network."""
    places = result.places
    frame = pandas.DataFrame(
        {
            "rank": pandas.array([p.rank for p in places], dtype="int64"),
            "kind": pandas.array([p.kind for p in places], dtype=object),
            "label": pandas.array([p.label for p in places], dtype=object),
            "score": pandas.array([p.score for p in places], dtype="float64"),
            "own_score": pandas.array([p.own_score for p in places], dtype="float64"),
        },
        index=pandas.Index([p.id for p in places], name="place_id", dtype=object))
    for index_id in result.index_ids:
        frame[index_id] = pandas.array([p.scores[index_id] for p in places], dtype="float64")
    frame["withheld"] = pandas.array([p.withheld for p in places], dtype="float64")
    frame.attrs.update(as_of=result.as_of, rules_id=result.rules_id,
                       rules_version=result.rules_version, rules_hash=result.rules_hash)
    return frame
