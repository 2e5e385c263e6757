"""Case graphs and batches of edits (sg_graph, sg_batch)."""

import contextlib
import ctypes
import datetime
import json
import typing

from . import _core, _lib
from ._core import (DateLike, TextList, check, date_text, integer, lib, optional_text, text,
                    text_array)
from .errors import InvalidArgumentError
from ._progress import ProgressArg, Reporter
from .limits import Limits

if typing.TYPE_CHECKING:
    from .calendar import Calendar
    from .process import Process
    from .result import Result
    from .rules import RuleSet

_T = typing.TypeVar("_T")

_PERSON_KINDS = {"child": _lib.PERSON_CHILD, "adult": _lib.PERSON_ADULT}
_CONCERN_STATUSES = {
    "open": _lib.STATUS_OPEN,
    "closed": _lib.STATUS_CLOSED,
    "unsubstantiated": _lib.STATUS_UNSUBSTANTIATED,
    "retracted": _lib.STATUS_RETRACTED,
}
ENTITY_KINDS = ("person", "agency", "concern", "factor", "place", "group", "household")
EVENT_KINDS = ("referral", "referral_decision", "strategy_discussion", "assessment_start",
               "assessment_complete", "initial_conference", "review_conference", "plan_end",
               "section47_start", "section47_outcome", "core_group", "outline_plan",
               "detailed_plan", "cp_visit", "plan_start", "looked_after_start",
               "looked_after_review", "looked_after_end", "statutory_visit", "missing_episode",
               "missing_return", "return_interview", "expected_birth", "ird", "transfer_in",
               "transfer_conference", "record_source")
ENTRY_KINDS = ("child_voice", "parent_view", "danger_statement", "existing_safety", "strength",
               "safety_goal", "next_step", "scaling")
RELATION_KINDS = ("parent_of", "carer_of", "sibling_of", "partner_of", "associate", "member_of",
                  "frequents")


def _choice(value: object, choices: typing.Mapping[str, _T], name: str) -> _T:
    try:
        return choices[value]  # type: ignore[index]  # checked: KeyError or TypeError
    except (KeyError, TypeError):
        raise InvalidArgumentError("%s %r is not one of %s" % (name, value, ", ".join(choices)))


def _flag(value: object, name: str) -> int:
    if not isinstance(value, (bool, int)):
        raise TypeError("%s must be a bool, not %s" % (name, type(value).__name__))
    return 1 if value else 0


def _event(id: str, kind: str, date: DateLike, about: TextList, note: typing.Optional[str],
           decision: typing.Optional[str], category: typing.Optional[str],
           expected: typing.Optional[DateLike]) -> typing.Any:
    """The sg_event of Batch.add_event and Batch.upsert_event."""
    about_array, about_count = text_array(about, "about")
    return _lib.Event(version=_lib.Event.VERSION, id=text(id, "id"), kind=text(kind, "kind"),
                      date=date_text(date, "date", required=True), about=about_array,
                      about_count=about_count, note=optional_text(note, "note"),
                      decision=optional_text(decision, "decision"),
                      category=optional_text(category, "category"),
                      expected=date_text(expected, "expected", required=False))


def _override(id: str, child: typing.Optional[str], adult: typing.Optional[str], direction: str,
              date: DateLike, author: str, reason: str, approved_by: typing.Optional[str],
              approved: typing.Optional[DateLike]) -> "_lib.Override":
    if (child is None) == (adult is None):
        raise InvalidArgumentError(
            "a discretionary override is about a child or an adult: give exactly one of "
            "child= and adult=")
    return _lib.Override(
        version=_lib.Override.VERSION, id=text(id, "id"),
        child=None if child is None else text(child, "child"),
        adult=None if adult is None else text(adult, "adult"),
        direction=text(direction, "direction"), date=date_text(date, "date", required=True),
        author=text(author, "author"), reason=text(reason, "reason"),
        approved_by=optional_text(approved_by, "approved_by"),
        approved=date_text(approved, "approved"))

def _person(id: str, kind: str, dob: typing.Optional[DateLike],
            household: typing.Optional[str], flags: TextList,
            name: typing.Optional[str]) -> _lib.Person:
    flag_array, flag_count = text_array(flags, "flags")
    return _lib.Person(
        version=_lib.Person.VERSION, id=text(id, "id"), kind=_choice(kind, _PERSON_KINDS, "kind"),
        dob=date_text(dob, "dob"), household=optional_text(household, "household"),
        flags=flag_array, flag_count=flag_count, name=optional_text(name, "name"))


def _entry(id: str, kind: str, date: DateLike, about: TextList, author: str, words: str,
           value: typing.Optional[int], question: typing.Optional[str],
           source: typing.Optional[str], restricted: bool) -> _lib.Entry:
    about_array, about_count = text_array(about, "about")
    return _lib.Entry(
        version=_lib.Entry.VERSION, id=text(id, "id"), kind=text(kind, "kind"),
        date=date_text(date, "date", required=True), about=about_array, about_count=about_count,
        author=text(author, "author"), text=text(words, "text"),
        value=_lib.Entry.NO_VALUE if value is None else integer(value, "value"),
        question=optional_text(question, "question"), source=optional_text(source, "source"),
        restricted=_flag(restricted, "restricted"))


class Batch(_core.Handle):
    """Edits queued for one atomic sg_graph_apply(): all apply, or none.

    Each adder checks its arguments' form at once (raising, with the batch unchanged); ids are
    checked against the graph when the batch is applied. A batch may be applied to several
    graphs and reused.
    """

    _kind = "batch"

    def __init__(self) -> None:
        super().__init__(_core.new_handle(lib.sg_batch_new), lib.sg_batch_free)

    def __len__(self) -> int:
        size = ctypes.c_size_t()
        with self._lock:
            check(lib.sg_batch_size(ctypes.byref(size), self._pointer()))
        return size.value

    def __repr__(self) -> str:
        return "<safeguard.Batch %s>" % ("closed" if self.closed else "of %d items" % len(self))

    def _call(self, function: typing.Callable[..., int], *args: typing.Any) -> None:
        with self._lock:
            check(function(self._pointer(), *args))

    def add_person(self, id: str, kind: str = "child", *, dob: typing.Optional[DateLike] = None,
                   household: typing.Optional[str] = None, flags: TextList = (),
                   name: typing.Optional[str] = None) -> None:
        """Queues a person: kind "child" or "adult"; dob a datetime.date or None; `name` a
        display name, shown only in the conference report and the family version."""
        self._call(lib.sg_batch_add_person,
                   ctypes.byref(_person(id, kind, dob, household, flags, name)))

    def add_agency(self, id: str, type: str, name: typing.Optional[str] = None) -> None:
        self._call(lib.sg_batch_add_agency, text(id, "id"), text(type, "type"),
                   optional_text(name, "name"))

    def add_household(self, id: str) -> None:
        self._call(lib.sg_batch_add_household, text(id, "id"))

    def add_place(self, id: str, kind: str, name: typing.Optional[str] = None) -> None:
        self._call(lib.sg_batch_add_place, text(id, "id"), text(kind, "kind"),
                   optional_text(name, "name"))

    def add_group(self, id: str, kind: str, name: typing.Optional[str] = None) -> None:
        self._call(lib.sg_batch_add_group, text(id, "id"), text(kind, "kind"),
                   optional_text(name, "name"))

    @staticmethod
    def _concern(id: str, category: str, severity: int, recorded: DateLike, source: str,
                 about: TextList, incident: typing.Optional[DateLike], status: str,
                 restricted: bool, involves: TextList, summary: typing.Optional[str]
                 ) -> _lib.Concern:
        about_array, about_count = text_array(about, "about")
        involves_array, involves_count = text_array(involves, "involves")
        return _lib.Concern(
            version=_lib.Concern.VERSION, id=text(id, "id"), category=text(category, "category"),
            severity=integer(severity, "severity"), incident=date_text(incident, "incident"),
            recorded=date_text(recorded, "recorded", required=True),
            status=_choice(status, _CONCERN_STATUSES, "status"), source=text(source, "source"),
            restricted=_flag(restricted, "restricted"), about=about_array,
            about_count=about_count, involves=involves_array, involves_count=involves_count,
            summary=optional_text(summary, "summary"))

    def add_concern(self, id: str, *, category: str, severity: int, recorded: DateLike,
                    source: str, about: TextList, incident: typing.Optional[DateLike] = None,
                    status: str = "open", restricted: bool = False, involves: TextList = (),
                    summary: typing.Optional[str] = None) -> None:
        """Queues a concern raised by agency `source` about the persons in `about`."""
        concern = self._concern(id, category, severity, recorded, source, about, incident,
                                status, restricted, involves, summary)
        self._call(lib.sg_batch_add_concern, ctypes.byref(concern))

    def amend_concern(self, id: str, *, category: typing.Optional[str] = None,
                      severity: typing.Optional[int] = None,
                      recorded: typing.Optional[DateLike] = None,
                      source: typing.Optional[str] = None, about: TextList = None,
                      **optional: typing.Any) -> None:
        """Queues an amendment of the existing concern `id` that changes only the fields given:
        category, severity, recorded, source, about, and (where None clears the field)
        incident, status, restricted, involves and summary. The other fields keep the values
        the concern has when the batch is applied (to a Graph or a Record)."""
        fields: typing.Dict[str, typing.Any] = {}
        for name, value in (("category", category), ("severity", severity),
                            ("recorded", recorded), ("source", source), ("about", about)):
            if value is not None:
                fields[name] = value
        allowed = ("incident", "status", "restricted", "involves", "summary")
        for name, value in optional.items():
            if name not in allowed:
                raise TypeError("amend_concern() got an unexpected keyword argument %r" % name)
            if name == "involves" and value is None:
                value = []
            fields[name] = value
        if "status" in fields:
            _choice(fields["status"], _CONCERN_STATUSES, "status")
        self.amend("concern", id, **fields)

    def add_factor(self, id: str, *, kind: str, strength: int, protects: TextList,
                   start: typing.Optional[DateLike] = None, end: typing.Optional[DateLike] = None,
                   provided_by: typing.Optional[str] = None,
                   summary: typing.Optional[str] = None) -> None:
        """Queues a protective factor (strength 1-5) for the persons in `protects`."""
        protects_array, protects_count = text_array(protects, "protects")
        factor = _lib.Factor(
            version=_lib.Factor.VERSION, id=text(id, "id"), kind=text(kind, "kind"),
            strength=integer(strength, "strength"), start=date_text(start, "start"),
            end=date_text(end, "end"), provided_by=optional_text(provided_by, "provided_by"),
            protects=protects_array, protects_count=protects_count,
            summary=optional_text(summary, "summary"))
        self._call(lib.sg_batch_add_factor, ctypes.byref(factor))

    def add_relation(self, kind: str, from_id: str, to_id: str) -> None:
        """Queues a relation: kind is one of RELATION_KINDS."""
        self._call(lib.sg_batch_add_relation, text(kind, "kind"), text(from_id, "from"),
                   text(to_id, "to"))

    def add_event(self, id: str, kind: str, date: DateLike, about: TextList,
                  note: typing.Optional[str] = None, *, decision: typing.Optional[str] = None,
                  category: typing.Optional[str] = None,
                  expected: typing.Optional[DateLike] = None) -> None:
        """Queues a step of the child protection process for the children in `about`; kind is
        one of EVENT_KINDS. `decision` is what it decided, for the kinds that record one ("s47",
        "no_s47", "nfa", "no_conference", "plan", "no_plan", "end_plan"...), `category` a plan's
        category (plan_start) or the source a record_source event names ("cin_census"), and
        `expected` the expected date of birth (expected_birth); see docs/case-files.md."""
        self._call(lib.sg_batch_add_event, ctypes.byref(
            _event(id, kind, date, about, note, decision, category, expected)))

    def add_discretionary_override(self, id: str, *, direction: str, date: DateLike,
                                   author: str, reason: str, child: typing.Optional[str] = None,
                                   adult: typing.Optional[str] = None,
                                   approved_by: typing.Optional[str] = None,
                                   approved: typing.Optional[DateLike] = None) -> None:
        """Queues recorded professional judgement moving one child's level one step
        (direction "raise" or "lower"), or with `adult` instead of `child` an adult's own
        result (a DASH victim's; exactly one of the two); `author` is a practitioner's id or
        role, not a name; `approved_by` (an adult's entity id) and `approved` (a date on or
        after `date`) record its approval, which a pack may need before the judgement applies.
        (sg_batch_add_override; "overrides" in case files.)"""
        judgement = _override(id, child, adult, direction, date, author, reason, approved_by,
                              approved)
        self._call(lib.sg_batch_add_override, ctypes.byref(judgement))

    def add_entry(self, id: str, kind: str, date: DateLike, about: TextList, *, author: str,
                  text: str, value: typing.Optional[int] = None,
                  question: typing.Optional[str] = None, source: typing.Optional[str] = None,
                  restricted: bool = False) -> None:
        """Queues a recorded entry about the children in `about`; kind is one of ENTRY_KINDS.
        `author` is a role or practitioner id, never a name. A "scaling" entry has a whole
        number `value` 0-10 and may have the `question` asked; other kinds have neither. A
        restricted entry needs its `source` agency and is shown only to readers cleared for it.
        Entries appear in the conference report and family version; they never score."""
        self._call(lib.sg_batch_add_entry, ctypes.byref(
            _entry(id, kind, date, about, author, text, value, question, source, restricted)))

    def set_nation(self, nation: str) -> None:
        """Queues the nation whose bank holidays the graph's timescales use (see NATIONS)."""
        self._call(lib.sg_batch_set_nation, text(nation, "nation"))

    def add_closure(self, date: DateLike) -> None:
        """Queues a local closure day (not a working day for the graph's timescales)."""
        self._call(lib.sg_batch_add_closure, date_text(date, "date", required=True))

    def retract_concern(self, id: str) -> None:
        """Queues a retraction: the concern stops scoring but stays recorded."""
        self._call(lib.sg_batch_retract_concern, text(id, "id"))

    def erase_person(self, id: str) -> None:
        """Queues erasure of a person, their relations and what is only about them."""
        self._call(lib.sg_batch_erase_person, text(id, "id"))

    # ---- Record edits (safeguard.Record only; see docs/record.md) ----

    def upsert_person(self, id: str, kind: str = "child", *,
                      dob: typing.Optional[DateLike] = None,
                      household: typing.Optional[str] = None, flags: TextList = (),
                      name: typing.Optional[str] = None) -> None:
        """Queues a person to add, or to replace every field of if the id exists."""
        self._call(lib.sg_batch_upsert_person,
                   ctypes.byref(_person(id, kind, dob, household, flags, name)))

    def upsert_concern(self, id: str, *, category: str, severity: int, recorded: DateLike,
                       source: str, about: TextList, incident: typing.Optional[DateLike] = None,
                       status: str = "open", restricted: bool = False, involves: TextList = (),
                       summary: typing.Optional[str] = None) -> None:
        concern = self._concern(id, category, severity, recorded, source, about, incident,
                                status, restricted, involves, summary)
        self._call(lib.sg_batch_upsert_concern, ctypes.byref(concern))

    def upsert_factor(self, id: str, *, kind: str, strength: int, protects: TextList,
                      start: typing.Optional[DateLike] = None,
                      end: typing.Optional[DateLike] = None,
                      provided_by: typing.Optional[str] = None,
                      summary: typing.Optional[str] = None) -> None:
        protects_array, protects_count = text_array(protects, "protects")
        factor = _lib.Factor(
            version=_lib.Factor.VERSION, id=text(id, "id"), kind=text(kind, "kind"),
            strength=integer(strength, "strength"), start=date_text(start, "start"),
            end=date_text(end, "end"), provided_by=optional_text(provided_by, "provided_by"),
            protects=protects_array, protects_count=protects_count,
            summary=optional_text(summary, "summary"))
        self._call(lib.sg_batch_upsert_factor, ctypes.byref(factor))

    def upsert_event(self, id: str, kind: str, date: DateLike, about: TextList,
                     note: typing.Optional[str] = None, *, decision: typing.Optional[str] = None,
                     category: typing.Optional[str] = None,
                     expected: typing.Optional[DateLike] = None) -> None:
        """Queues an event to add, or to restate (the old one replaced, every field: give its
        decision, category and expected date again) if the id exists; the fields as in
        add_event."""
        self._call(lib.sg_batch_upsert_event, ctypes.byref(
            _event(id, kind, date, about, note, decision, category, expected)))

    def upsert_discretionary_override(self, id: str, *, direction: str, date: DateLike,
                                      author: str, reason: str,
                                      child: typing.Optional[str] = None,
                                      adult: typing.Optional[str] = None,
                                      approved_by: typing.Optional[str] = None,
                                      approved: typing.Optional[DateLike] = None) -> None:
        judgement = _override(id, child, adult, direction, date, author, reason, approved_by,
                              approved)
        self._call(lib.sg_batch_upsert_override, ctypes.byref(judgement))

    def upsert_entry(self, id: str, kind: str, date: DateLike, about: TextList, *, author: str,
                     text: str, value: typing.Optional[int] = None,
                     question: typing.Optional[str] = None, source: typing.Optional[str] = None,
                     restricted: bool = False) -> None:
        """Queues an entry to add, or to restate (the old one replaced) if the id exists."""
        self._call(lib.sg_batch_upsert_entry, ctypes.byref(
            _entry(id, kind, date, about, author, text, value, question, source, restricted)))

    def upsert_entity(self, kind: str, id: str, type: typing.Optional[str] = None,
                      name: typing.Optional[str] = None) -> None:
        """Queues an agency (type, name), place or group (kind as `type`, name) or household
        to add or replace."""
        self._call(lib.sg_batch_upsert_entity, text(kind, "kind"), text(id, "id"),
                   optional_text(type, "type"), optional_text(name, "name"))

    def amend(self, kind: str, id: str, **fields: typing.Any) -> None:
        """Queues an amendment of only the fields given, in the case-file spelling: for
        example amend("person", "P-1", dob=datetime.date(2015, 5, 1)), or
        amend("concern", "C-1", severity=2, about=["P-1", "P-2"]). None clears an optional
        field; a list or tuple sets a list field (flags, about, involves, protects)."""
        encoded_kind = text(kind, "kind")
        encoded_id = text(id, "id")
        if not fields:
            raise InvalidArgumentError("amend needs at least one field")
        for field, value in fields.items():
            if isinstance(value, (list, tuple)):
                array, count = text_array(value, field)
                self._call(lib.sg_batch_amend_list, encoded_kind, encoded_id, text(field, "field"),
                           array, count)
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, int):
                value = str(value)
            elif value is not None and not isinstance(value, str):
                value = (date_text(value, field) or b"").decode("ascii")
            self._call(lib.sg_batch_amend, encoded_kind, encoded_id, text(field, "field"),
                       optional_text(value, field))

    def end_relation(self, kind: str, from_id: str, to_id: str, date: DateLike) -> None:
        """Queues the end of a declared relation: absent as of `date`, present before."""
        self._call(lib.sg_batch_end_relation, text(kind, "kind"), text(from_id, "from"),
                   text(to_id, "to"), date_text(date, "date", required=True))

    def end_membership(self, person: str, date: DateLike) -> None:
        """Queues the end of a person's household membership on `date`."""
        self._call(lib.sg_batch_end_membership, text(person, "person"),
                   date_text(date, "date", required=True))

    def end_factor(self, id: str, date: DateLike) -> None:
        """Queues the end date of a protective factor."""
        self._call(lib.sg_batch_end_factor, text(id, "id"), date_text(date, "date", required=True))

    def retract(self, id: str, date: DateLike, reason: str) -> None:
        """Queues a dated retraction (concern, factor, event or discretionary override)."""
        self._call(lib.sg_batch_retract, text(id, "id"), date_text(date, "date", required=True),
                   text(reason, "reason"))

    def erase(self, person: str, authority: str) -> None:
        """Queues data-protection erasure of a person, on `authority` (an id or role)."""
        self._call(lib.sg_batch_erase, text(person, "person"), text(authority, "authority"))


class Graph(_core.Handle):
    """A case graph: persons, agencies, concerns, factors, places, groups and relations.

    Use it as a context manager, or call close(); results taken from it stay valid after it is
    closed. Calls on one Graph are serialised by a lock, so threads may share it.
    """

    _kind = "graph"

    def __init__(self, *, limits: typing.Optional[Limits] = None,
                 _pointer: typing.Optional[int] = None) -> None:
        """An empty graph; `limits` (a safeguard.Limits) bounds what it accepts in every later
        load and apply (the library defaults when None)."""
        bounds = _core.limits_struct(limits)
        pointer: typing.Optional[int]
        if _pointer is not None:
            pointer = _pointer
        elif bounds is None:
            pointer = _core.new_handle(lib.sg_graph_new)
        else:
            out = ctypes.c_void_p()
            check(lib.sg_graph_new_with_limits(ctypes.byref(out), ctypes.byref(bounds)))
            pointer = out.value
        super().__init__(pointer, lib.sg_graph_free)

    @classmethod
    def from_file(cls, path: _core.PathLike, *, limits: typing.Optional[Limits] = None,
                  progress: ProgressArg = None) -> "Graph":
        """A new graph holding the case file at `path` (`progress` as for load())."""
        graph = cls(limits=limits)
        try:
            graph.load(path, progress=progress)
        except BaseException:
            graph.close()
            raise
        return graph

    @classmethod
    def from_string(cls, data: _core.Data, name: typing.Optional[str] = None, *,
                    limits: typing.Optional[Limits] = None) -> "Graph":
        """A new graph holding the case file in `data` (str or bytes)."""
        graph = cls(limits=limits)
        try:
            graph.loads(data, name)
        except BaseException:
            graph.close()
            raise
        return graph

    def __repr__(self) -> str:
        if self.closed:
            return "<safeguard.Graph closed>"
        return "<safeguard.Graph of %d entities>" % self.count()

    def load(self, path: _core.PathLike, *, progress: ProgressArg = None) -> None:
        """Adds the JSON case file at `path` as one atomic batch; on error nothing changes.
        `progress` is called with (bytes read, file size) and may return False to stop (then
        CancelledError, nothing changed); True shows a tqdm bar when tqdm is installed."""
        encoded = _core.path_text(path)
        with Reporter(progress, "loading", "B") as reporter, self._lock:
            status = lib.sg_graph_load_file_progress(self._pointer(), encoded, reporter.function,
                                                     reporter.user)
        reporter.raise_callback_error()
        check(status)

    def loads(self, data: _core.Data, name: typing.Optional[str] = None, *,
              progress: ProgressArg = None) -> None:
        """Adds a case file held in memory; `name` labels error messages. `progress` as for
        load(): called with (bytes parsed, size), a megabyte at a time, and may stop the load
        (CancelledError; the graph is left as it was)."""
        content = _core.data_bytes(data)
        label = optional_text(name, "name")
        with Reporter(progress, "loading", "B") as reporter, self._lock:
            status = lib.sg_graph_load_buffer_progress(self._pointer(), content, len(content),
                                                       label, reporter.function, reporter.user)
        reporter.raise_callback_error()
        check(status)

    def save(self, path: _core.PathLike, *, progress: ProgressArg = None) -> None:
        """Writes the graph as a case file, replacing `path` atomically. `progress` as for
        load(), with bytes written; a stopped save leaves `path` as it was."""
        encoded = _core.path_text(path)
        with Reporter(progress, "saving", "B") as reporter, self._lock:
            status = lib.sg_graph_save_file_progress(self._pointer(), encoded, reporter.function,
                                                     reporter.user)
        reporter.raise_callback_error()
        check(status)

    def dumps(self) -> str:
        """The graph as case-file text, in the library's canonical layout."""
        buffer = ctypes.c_void_p()
        size = ctypes.c_size_t()
        with self._lock:
            check(lib.sg_graph_save_buffer(ctypes.byref(buffer), ctypes.byref(size),
                                           self._pointer()))
        return _core.take_text(buffer, size)

    def to_dict(self) -> typing.Dict[str, typing.Any]:
        """The graph as the case file's JSON object."""
        document: typing.Dict[str, typing.Any] = json.loads(self.dumps())
        return document

    def count(self, kind: typing.Optional[str] = None) -> int:
        """Live entities of one kind (see ENTITY_KINDS), or of all kinds when kind is None."""
        out = ctypes.c_size_t()
        encoded = optional_text(kind, "kind")
        with self._lock:
            check(lib.sg_graph_count(ctypes.byref(out), self._pointer(), encoded))
        return out.value

    def calendar(self) -> "Calendar":
        """A copy of the working-day calendar the graph's timelines use (its nation and
        closures), as a safeguard.Calendar."""
        from .calendar import Calendar

        out = ctypes.c_void_p()
        with self._lock:
            check(lib.sg_graph_calendar(ctypes.byref(out), self._pointer()))
        return Calendar(_pointer=out.value)

    def apply(self, batch: Batch) -> None:
        """Applies every edit of `batch` or, if any is invalid, none."""
        if not isinstance(batch, Batch):
            raise TypeError("batch must be a safeguard.Batch, not %s" % type(batch).__name__)
        with self._lock, batch._lock:
            check(lib.sg_graph_apply(self._pointer(), batch._pointer()))

    @contextlib.contextmanager
    def batch(self) -> typing.Iterator[Batch]:
        """A Batch applied to this graph when the with-block ends without an exception:

            with graph.batch() as edits:
                edits.add_agency("AG-1", "school")
                edits.add_person("P-1", "child", dob=datetime.date(2018, 3, 9))
        """
        edits = Batch()
        try:
            yield edits
            self.apply(edits)
        finally:
            edits.close()

    def assess(self, rules: "RuleSet", as_of: DateLike, *, threads: int = 1,
               progress: ProgressArg = None, viewer: TextList = None,
               process: typing.Optional["Process"] = None,
               strict_vocabulary: bool = False, explanations: str = "eager") -> "Result":
        """Scores every child as of the date `as_of`; see safeguard.assess()."""
        from .result import assess

        return assess(self, rules, as_of=as_of, threads=threads, progress=progress,
                      viewer=viewer, process=process, strict_vocabulary=strict_vocabulary,
                      explanations=explanations)

    def copy(self) -> "Graph":
        """An independent copy of the graph: everything it holds, its calendar and its limits.
        Edits to one never show in the other."""
        out = ctypes.c_void_p()
        with self._lock:
            check(lib.sg_graph_copy(ctypes.byref(out), self._pointer()))
        return Graph(_pointer=out.value)

    __copy__ = copy

    @classmethod
    def generate(cls, children: int = 1000, *, seed: int = 1,
                 as_of: typing.Optional[DateLike] = None) -> "Graph":
        """A new graph holding a fictional caseload of exactly `children` children and the
        adults, agencies, concerns, factors, places and process events around them (every id and
        date invented), the same for the same seed on every platform. Evidence is dated in the
        three years up to `as_of` (default 2026-11-01): assess as of that date."""
        count = _core.integer_size(children, "children")
        if count < 1:
            raise InvalidArgumentError("children must be at least 1")
        options = _lib.CaseloadOptions(version=_lib.CaseloadOptions.VERSION, children=count,
                                       seed=_core.integer_of(seed, "seed", ctypes.c_ulonglong),
                                       as_of=date_text(as_of, "as_of"))
        out = ctypes.c_void_p()
        check(lib.sg_graph_generate(ctypes.byref(out), ctypes.byref(options)))
        return cls(_pointer=out.value)
