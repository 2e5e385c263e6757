"""The living record (sg_record): every version of every fact with valid and record time,
provenance, an audit trail, read-back and erasure. See docs/record.md."""

import ctypes
import datetime
import json
import typing

from . import _core, _lib
from ._core import DateLike, TextList, check, date_text, lib, optional_text, text
from ._progress import ProgressArg, Reporter
from .errors import InvalidArgumentError

if typing.TYPE_CHECKING:
    from .graph import Batch
    from .result import Result
    from .rules import RuleSet

RecordTime = typing.Union[int, datetime.datetime]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def record_time(value: object, name: str = "recorded_at") -> int:
    """Record time as whole seconds since 1970-01-01T00:00:00Z: an int, or a timezone-aware
    datetime.datetime (a naive one is refused: its instant is ambiguous)."""
    if isinstance(value, bool):
        raise TypeError("%s must be an int or a datetime.datetime" % name)
    if isinstance(value, int):
        return _core.integer_of(value, name, ctypes.c_longlong)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise InvalidArgumentError("%s must be timezone-aware" % name)
        return int((value - _EPOCH).total_seconds())
    raise TypeError("%s must be an int or a datetime.datetime, not %s"
                    % (name, type(value).__name__))


def _known_at(value: typing.Optional[RecordTime]) -> int:
    return _lib.KNOWN_ALL if value is None else record_time(value, "known_at")


def _provenance(recorded_at: RecordTime, author: str, reason: typing.Optional[str],
                source_system: typing.Optional[str], source_reference: typing.Optional[str]
                ) -> _lib.Provenance:
    return _lib.Provenance(
        version=_lib.Provenance.VERSION, recorded_at=record_time(recorded_at),
        author=text(author, "author"), reason=optional_text(reason, "reason"),
        source_system=optional_text(source_system, "source_system"),
        source_reference=optional_text(source_reference, "source_reference"))


def _format(fmt: str) -> int:
    if fmt == "json":
        return _lib.FORMAT_JSON
    if fmt == "csv":
        return _lib.FORMAT_CSV
    raise InvalidArgumentError("format must be \"json\" or \"csv\"")


class Record(_core.Handle):
    """A case's living record. Edits arrive in safeguard.Batch objects, each applied with its
    record time and provenance; assessments take a valid date (as_of) and a record time
    (known_at, default everything). A Record is used by one thread at a time (calls are
    serialised by a lock)."""

    _kind = "record"

    def __init__(self) -> None:
        super().__init__(_core.new_handle(lib.sg_record_new), lib.sg_record_free)

    @classmethod
    def open(cls, path: _core.PathLike, *, create: bool = True,
             progress: ProgressArg = None) -> "Record":
        """The record kept in the SQLite store at `path` (str, bytes or os.PathLike), as it was
        left: every version, batch, change and tombstone, and the revision. Each later apply()
        or loads() is committed to the store before it returns; when the commit fails (a full
        disk, an I/O error) it raises FileError and neither the record nor the store changes.
        create=False refuses a path where no store exists. A store is used by one Record at a
        time: close this one (or leave its `with` block) before opening the path again.
        `progress` is called with (chunks of stored versions read, chunks), 1,024
        versions each, and may return False to stop (CancelledError; the store is closed
        again as it was), or True for a progress bar. See docs/record.md, "The store"."""
        encoded = _core.path_text(path)
        out = ctypes.c_void_p()
        with Reporter(progress, "opening", "chunks") as reporter:
            status = lib.sg_record_open_progress(ctypes.byref(out), encoded,
                                                 _lib.OPEN_CREATE if create else 0,
                                                 reporter.function, reporter.user)
        reporter.raise_callback_error()
        check(status)
        record = cls.__new__(cls)
        _core.Handle.__init__(record, out.value, lib.sg_record_free)
        return record

    def __repr__(self) -> str:
        return "<safeguard.Record %s>" % (
            "closed" if self.closed else "at revision %d" % self.revision)

    def _buffer(self, function: typing.Callable[..., int], *args: typing.Any) -> str:
        buffer = ctypes.c_void_p()
        size = ctypes.c_size_t()
        with self._lock:
            check(function(ctypes.byref(buffer), ctypes.byref(size), self._pointer(), *args))
        return _core.take_text(buffer, size)

    def apply(self, batch: "Batch", *, recorded_at: RecordTime, author: str,
              reason: typing.Optional[str] = None, source_system: typing.Optional[str] = None,
              source_reference: typing.Optional[str] = None,
              progress: ProgressArg = None) -> int:
        """Applies every edit of `batch` or none; returns the new revision. recorded_at never
        goes back; author is an id or role, never a name. `progress` is called with (versions
        done, versions): all of them once checked, then, for a stored record, those written,
        1,024 at a time; it may return False to stop (CancelledError, the record and its
        store as they were), or be True for a progress bar."""
        from .graph import Batch

        if not isinstance(batch, Batch):
            raise TypeError("batch must be a safeguard.Batch, not %s" % type(batch).__name__)
        provenance = _provenance(recorded_at, author, reason, source_system, source_reference)
        revision = ctypes.c_ulonglong()
        with Reporter(progress, "applying", "versions") as reporter:
            with self._lock, batch._lock:
                status = lib.sg_record_apply_progress(
                    ctypes.byref(revision), self._pointer(), batch._pointer(),
                    ctypes.byref(provenance), reporter.function, reporter.user)
        reporter.raise_callback_error()
        check(status)
        return revision.value

    def loads(self, data: _core.Data, name: typing.Optional[str] = None, *,
              recorded_at: RecordTime, author: str, reason: typing.Optional[str] = None,
              source_system: typing.Optional[str] = None,
              source_reference: typing.Optional[str] = None,
              progress: ProgressArg = None) -> int:
        """Imports a JSON case file (str or bytes) as one batch; returns the new revision.
        `progress` is called with (bytes, total): the bytes parsed, then the same bytes again
        as the batch is checked and stored (total: twice the size); it may return False to
        stop (CancelledError, the record and its store as they were), or be True for a
        progress bar."""
        content = _core.data_bytes(data)
        label = optional_text(name, "name")
        provenance = _provenance(recorded_at, author, reason, source_system, source_reference)
        revision = ctypes.c_ulonglong()
        with Reporter(progress, "importing", "B") as reporter:
            with self._lock:
                status = lib.sg_record_import_buffer_progress(
                    ctypes.byref(revision), self._pointer(), content, len(content), label,
                    ctypes.byref(provenance), reporter.function, reporter.user)
        reporter.raise_callback_error()
        check(status)
        return revision.value

    @property
    def revision(self) -> int:
        """The number of batches applied."""
        out = ctypes.c_ulonglong()
        with self._lock:
            check(lib.sg_record_revision(ctypes.byref(out), self._pointer()))
        return out.value

    def assess(self, rules: "RuleSet", as_of: DateLike, *,
               known_at: typing.Optional[RecordTime] = None, threads: int = 1,
               viewer: TextList = None) -> "Result":
        """Scores every child as of `as_of` from what was known at `known_at` (None:
        everything); a safeguard.Result whose contributions are as `viewer` may see them
        (uncleared by default; "*" for every detail)."""
        from .result import Result
        from .rules import RuleSet

        if not isinstance(rules, RuleSet):
            raise TypeError("rules must be a safeguard.RuleSet, not %s" % type(rules).__name__)
        as_of_text = date_text(as_of, "as_of", required=True)
        options = _lib.AssessOptions(version=_lib.AssessOptions.VERSION, as_of=as_of_text,
                                     threads=_core.integer_of(threads, "threads", ctypes.c_uint))
        out = ctypes.c_void_p()
        with self._lock, rules._lock:
            check(lib.sg_record_assess(ctypes.byref(out), self._pointer(), rules._pointer(),
                                       ctypes.byref(options), _known_at(known_at)))
        result = Result(out.value, rules,
                        datetime.date.fromisoformat(as_of_text.decode("ascii")), viewer=viewer)
        # What was known: safeguard.audit(result, ..., record=self) takes the groups of that time.
        result.known_at = known_at
        return result

    def watch(self, rules: "RuleSet", as_of: DateLike, *, threads: int = 1,
              viewer: TextList = None) -> "Result":
        """Watches the record for one rule pack and as-of date: from now on each
        apply_changes() edits a live graph in place and gives back only the children the batch
        may have changed. Returns every child's safeguard.Result now; watching again replaces
        the watch. `viewer` is who reads the results, now and from apply_changes() (uncleared
        by default; "*" for every detail)."""
        from .result import Result
        from .rules import RuleSet

        if not isinstance(rules, RuleSet):
            raise TypeError("rules must be a safeguard.RuleSet, not %s" % type(rules).__name__)
        as_of_text = date_text(as_of, "as_of", required=True)
        options = _lib.AssessOptions(version=_lib.AssessOptions.VERSION, as_of=as_of_text,
                                     threads=_core.integer_of(threads, "threads", ctypes.c_uint))
        out = ctypes.c_void_p()
        with self._lock, rules._lock:
            check(lib.sg_record_watch(ctypes.byref(out), self._pointer(), rules._pointer(),
                                      ctypes.byref(options)))
        as_of_date = datetime.date.fromisoformat(as_of_text.decode("ascii"))
        self._watched = (rules, as_of_date, viewer)
        return Result(out.value, rules, as_of_date, viewer=viewer)

    def apply_changes(self, batch: "Batch", *, recorded_at: RecordTime, author: str,
                      reason: typing.Optional[str] = None,
                      source_system: typing.Optional[str] = None,
                      source_reference: typing.Optional[str] = None) -> "Result":
        """Applies every edit of `batch` or none, as apply() does, and returns a
        safeguard.Result with a row for each child whose results the batch may have changed,
        each equal to that child's row in a full assessment (children erased, or no longer
        children, have none). The record must be watched (watch())."""
        from .graph import Batch
        from .result import Result

        if not isinstance(batch, Batch):
            raise TypeError("batch must be a safeguard.Batch, not %s" % type(batch).__name__)
        watched: typing.Optional[typing.Tuple["RuleSet", datetime.date, TextList]] = getattr(
            self, "_watched", None)
        if watched is None:
            raise InvalidArgumentError("the record is not watched: call watch() first")
        provenance = _provenance(recorded_at, author, reason, source_system, source_reference)
        out = ctypes.c_void_p()
        revision = ctypes.c_ulonglong()
        with self._lock, batch._lock:
            check(lib.sg_record_apply_changes(ctypes.byref(out), ctypes.byref(revision),
                                              self._pointer(), batch._pointer(),
                                              ctypes.byref(provenance)))
        return Result(out.value, watched[0], watched[1], viewer=watched[2])

    def export(self, as_of: DateLike, *, known_at: typing.Optional[RecordTime] = None) -> str:
        """The graph as of `as_of` known at `known_at`, as case-file text."""
        return self._buffer(lib.sg_record_export, date_text(as_of, "as_of", required=True),
                            _known_at(known_at))

    def get(self, id: str, *, known_at: typing.Optional[RecordTime] = None
            ) -> typing.Optional[typing.Dict[str, typing.Any]]:
        """The entity (or relation "kind:from:to") as known at `known_at`: a dict with its
        revision, recorded_at, change, kind, fields and valid-time marks; None if unknown."""
        versions = json.loads(self._buffer(lib.sg_record_get, text(id, "id"),
                                           _known_at(known_at)))
        return typing.cast(typing.Optional[typing.Dict[str, typing.Any]],
                           versions[0] if versions else None)

    def history(self, id: str) -> typing.List[typing.Dict[str, typing.Any]]:
        """Every version of the entity, oldest first."""
        history: typing.List[typing.Dict[str, typing.Any]] = json.loads(
            self._buffer(lib.sg_record_history, text(id, "id")))
        return history

    def changes(self, since: int = 0, *, format: str = "json") -> typing.Any:
        """The change feed: every change recorded after revision `since` (dicts, or CSV
        text)."""
        out = self._buffer(lib.sg_record_changes, _core.integer_of(since, "since", ctypes.c_ulonglong),
                           _format(format))
        return json.loads(out) if format == "json" else out

    def trail(self, id: str, *, format: str = "json") -> typing.Any:
        """The audit trail of one entity: who changed it, when and why."""
        out = self._buffer(lib.sg_record_trail, text(id, "id"), _format(format))
        return json.loads(out) if format == "json" else out

    def batch_trail(self, revision: int, *, format: str = "json") -> typing.Any:
        """What one batch changed, with its provenance."""
        out = self._buffer(lib.sg_record_batch_trail, _core.integer_of(revision, "revision", ctypes.c_ulonglong),
                           _format(format))
        return json.loads(out) if format == "json" else out

