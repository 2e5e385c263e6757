"""The living record (sg_record): every version of every fact with valid and record time,
provenance, an audit trail, read-back and erasure. See docs/record.md."""

import ctypes
import datetime
import json
import os

from . import _core, _lib
from ._core import check, date_text, lib, optional_text, text
from .errors import InvalidArgumentError

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def record_time(value, name="recorded_at"):
    """Record time as whole seconds since 1970-01-01T00:00:00Z: an int, or a timezone-aware
    datetime.datetime (a naive one is refused: its instant is ambiguous)."""
    if isinstance(value, bool):
        raise TypeError("%s must be an int or a datetime.datetime" % name)
    if isinstance(value, int):
        return value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise InvalidArgumentError("%s must be timezone-aware" % name)
        return int((value - _EPOCH).total_seconds())
    raise TypeError("%s must be an int or a datetime.datetime, not %s"
                    % (name, type(value).__name__))


def _known_at(value):
    return _lib.KNOWN_ALL if value is None else record_time(value, "known_at")


def _provenance(recorded_at, author, reason, source_system, source_reference):
    return _lib.Provenance(
        version=_lib.Provenance.VERSION, recorded_at=record_time(recorded_at),
        author=text(author, "author"), reason=optional_text(reason, "reason"),
        source_system=optional_text(source_system, "source_system"),
        source_reference=optional_text(source_reference, "source_reference"))


def _format(fmt):
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

    def __init__(self):
        super().__init__(_core.new_handle(lib.sg_record_new), lib.sg_record_free)

    @classmethod
    def open(cls, path, *, create=True):
        """The record kept in the SQLite store at `path` (str, bytes or os.PathLike), as it was
        left: every version, batch, change and tombstone, and the revision. Each later apply()
        or loads() is committed to the store before it returns; when the commit fails (a full
        disk, an I/O error) it raises FileError and neither the record nor the store changes.
        create=False refuses a path where no store exists. A store is used by one Record at a
        time: close this one (or leave its `with` block) before opening the path again. See
        docs/record.md, "The store"."""
        encoded = _core.path_text(path)
        out = ctypes.c_void_p()
        check(lib.sg_record_open(ctypes.byref(out), encoded, _lib.OPEN_CREATE if create else 0),
              os.fsdecode(path))
        record = cls.__new__(cls)
        _core.Handle.__init__(record, out.value, lib.sg_record_free)
        return record

    def __repr__(self):
        return "<safeguard.Record %s>" % (
            "closed" if self.closed else "at revision %d" % self.revision)

    def _buffer(self, function, *args):
        buffer = ctypes.c_void_p()
        size = ctypes.c_size_t()
        with self._lock:
            check(function(ctypes.byref(buffer), ctypes.byref(size), self._pointer(), *args))
        try:
            return ctypes.string_at(buffer.value, size.value).decode("utf-8")
        finally:
            lib.sg_buffer_free(buffer)

    def apply(self, batch, *, recorded_at, author, reason=None, source_system=None,
              source_reference=None):
        """Applies every edit of `batch` or none; returns the new revision. recorded_at never
        goes back; author is an id or role, never a name."""
        from .graph import Batch

        if not isinstance(batch, Batch):
            raise TypeError("batch must be a safeguard.Batch, not %s" % type(batch).__name__)
        provenance = _provenance(recorded_at, author, reason, source_system, source_reference)
        revision = ctypes.c_ulonglong()
        with self._lock, batch._lock:
            check(lib.sg_record_apply(ctypes.byref(revision), self._pointer(), batch._pointer(),
                                      ctypes.byref(provenance)))
        return revision.value

    def loads(self, data, name=None, *, recorded_at, author, reason=None, source_system=None,
              source_reference=None):
        """Imports a JSON case file (str or bytes) as one batch; returns the new revision."""
        content = _core.data_bytes(data)
        label = optional_text(name, "name")
        provenance = _provenance(recorded_at, author, reason, source_system, source_reference)
        revision = ctypes.c_ulonglong()
        with self._lock:
            check(lib.sg_record_import_buffer(ctypes.byref(revision), self._pointer(), content,
                                              len(content), label, ctypes.byref(provenance)))
        return revision.value

    @property
    def revision(self):
        """The number of batches applied."""
        out = ctypes.c_ulonglong()
        with self._lock:
            check(lib.sg_record_revision(ctypes.byref(out), self._pointer()))
        return out.value

    def assess(self, rules, as_of, *, known_at=None, threads=1):
        """Scores every child as of `as_of` from what was known at `known_at` (None:
        everything); a safeguard.Result."""
        from .result import Result
        from .rules import RuleSet

        if not isinstance(rules, RuleSet):
            raise TypeError("rules must be a safeguard.RuleSet, not %s" % type(rules).__name__)
        as_of_text = date_text(as_of, "as_of", required=True)
        options = _lib.AssessOptions(version=_lib.AssessOptions.VERSION, as_of=as_of_text,
                                     threads=_core.integer(threads, "threads"))
        out = ctypes.c_void_p()
        with self._lock, rules._lock:
            check(lib.sg_record_assess(ctypes.byref(out), self._pointer(), rules._pointer(),
                                       ctypes.byref(options), _known_at(known_at)))
        return Result(out.value, rules, datetime.date.fromisoformat(as_of_text.decode("ascii")))

    def export(self, as_of, *, known_at=None):
        """The graph as of `as_of` known at `known_at`, as case-file text."""
        return self._buffer(lib.sg_record_export, date_text(as_of, "as_of", required=True),
                            _known_at(known_at))

    def get(self, id, *, known_at=None):
        """The entity (or relation "kind:from:to") as known at `known_at`: a dict with its
        revision, recorded_at, change, kind, fields and valid-time marks; None if unknown."""
        versions = json.loads(self._buffer(lib.sg_record_get, text(id, "id"),
                                           _known_at(known_at)))
        return versions[0] if versions else None

    def history(self, id):
        """Every version of the entity, oldest first."""
        return json.loads(self._buffer(lib.sg_record_history, text(id, "id")))

    def changes(self, since=0, *, format="json"):
        """The change feed: every change recorded after revision `since` (dicts, or CSV
        text)."""
        out = self._buffer(lib.sg_record_changes, _core.integer_size(since, "since"),
                           _format(format))
        return json.loads(out) if format == "json" else out

    def trail(self, id, *, format="json"):
        """The audit trail of one entity: who changed it, when and why."""
        out = self._buffer(lib.sg_record_trail, text(id, "id"), _format(format))
        return json.loads(out) if format == "json" else out

    def batch_trail(self, revision, *, format="json"):
        """What one batch changed, with its provenance."""
        out = self._buffer(lib.sg_record_batch_trail, _core.integer_size(revision, "revision"),
                           _format(format))
        return json.loads(out) if format == "json" else out

