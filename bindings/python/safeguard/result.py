"""Assessment (sg_assess) and its results as plain Python objects and numpy views."""

import ctypes
import dataclasses
import datetime
import math
import sys
import typing
import warnings

from . import _core, _lib
from ._core import DateLike, TextList, check, date_text, integer, lib, string, text, text_array
from ._progress import ProgressArg, Reporter
from .errors import (ClosedError, GraphvizError, InternalError, InvalidArgumentError,
                     NotFoundError, OutOfRangeError)

if typing.TYPE_CHECKING:
    from .graph import Graph
    from .process import Process
    from .rules import RuleSet

_ENDIAN = "<" if sys.byteorder == "little" else ">"
_FORMATS = {"text": _lib.FORMAT_TEXT, "json": _lib.FORMAT_JSON}


@dataclasses.dataclass(frozen=True)
class Contribution:
    """One term of a child's score: raw points x decay x reach x cap_factor = value."""

    rule_id: typing.Optional[str]  # None on the withheld line
    rule_title: str
    index_id: typing.Optional[str]  # None on a withheld line: an index can name a category
    # "harm", "danger", "complicating", "safety" or "strength"; "withheld" on the one line a
    # child's withheld points fold into
    heading: str
    evidence_id: typing.Optional[str]  # concern or factor id; None for a rule about the child
    via_id: typing.Optional[str]  # the person the evidence is about
    path: str  # "self", "sibling", "carer", "household", ...
    source_agency_id: typing.Optional[str]  # None unless the evidence is a concern
    restricted: bool
    # The working (value = raw x decay x reach x cap_factor); None on a withheld line, where a
    # reader not cleared for the evidence must not learn how its points were made.
    raw: typing.Optional[float]
    decay: typing.Optional[float]
    reach: typing.Optional[float]
    cap_factor: typing.Optional[float]
    value: float
    # "rule"; "propagated" for risk that travelled through the network; "withheld" for the one
    # line everything withheld from the reader folds into (its value is their points)
    kind: str
    relation: typing.Optional[str]  # propagated: how via_id is linked ("associate", ...)
    via_kind: typing.Optional[str]  # "person", "place" or "group"; None when via_id is None


def _working(value: float) -> typing.Optional[float]:
    # The C API withholds a number as NaN; None in Python, so results compare equal by value.
    return None if math.isnan(value) else value


def _contribution(item: _lib.Contribution) -> Contribution:
    return Contribution(
        rule_id=string(item.rule_id), rule_title=string(item.rule_title),
        index_id=string(item.index_id), heading=string(item.heading),
        evidence_id=string(item.evidence_id), via_id=string(item.via_id), path=string(item.path),
        source_agency_id=string(item.source_agency_id), restricted=bool(item.restricted),
        raw=_working(item.raw), decay=_working(item.decay), reach=_working(item.reach),
        cap_factor=_working(item.cap_factor),
        value=item.value, kind=string(item.kind), relation=string(item.relation),
        via_kind=string(item.via_kind))


@dataclasses.dataclass(frozen=True)
class AdultResult:
    """An adult's own result on the pack's indices with subject = "adult" (docs/rules.md,
    "Results for adults"): a DASH checklist is the adult victim's, not a child's. A child reads
    it only through an explicit rule in the pack (adult_score(), adult_level_at_least())."""

    id: str
    # the highest level any adult index reaches, raised by the adult policy overrides that
    # fired (restricted evidence counts)
    level: str
    level_index: int
    total: float  # the host's figure, as a child's total counts restricted evidence
    # adult index id -> score: the host's figures for "*", else the points of the lines shown
    scores: typing.Dict[str, float]
    contributions: typing.Tuple[Contribution, ...]  # as the viewer may see them
    withheld: float = 0.0  # points of the lines withheld from the viewer, in no index
    # the adult policy overrides (subject = "adult") that fired, as the viewer may see them
    overrides: typing.Tuple["Override", ...] = ()
    # the discretionary override about the adult (professional judgement), None when none
    discretionary: typing.Optional["Discretionary"] = None


@dataclasses.dataclass(frozen=True)
class PlaceResult:
    """A place or group's network score when the pack propagates risk (contextual
    safeguarding): its own evidence plus what it takes from the people linked to it."""

    id: str
    rank: int  # 0 for the highest score (as the viewer may attribute the scores)
    kind: str  # "place" or "group"
    label: str  # its kind in the case file, e.g. "park", "peer_group"
    score: float  # summed over the propagating indices
    # The part from evidence about the place itself that the viewer may attribute (restricted
    # intelligence the viewer is not cleared for is in `withheld` instead).
    own_score: float
    # index id -> network score (0 where nothing propagates), as the viewer may attribute it
    scores: typing.Dict[str, float]
    contributions: typing.Tuple[Contribution, ...]
    withheld: float = 0.0  # points withheld from the viewer, in no index (0.0 when none)

    def contributions_to(self, index_id: str) -> typing.List[Contribution]:
        """The contributions to one index, in order; they sum exactly to its score when the
        viewer sees every line (a withheld line names no index, so it is not among them)."""
        return [c for c in self.contributions if c.index_id == index_id]


@dataclasses.dataclass(frozen=True)
class Override:
    """A policy override that fired for a child. One that fired only because of restricted
    evidence the viewer may not see is withheld: id is None, reason the neutral "a policy
    override applies on restricted information", restricted True (its effect on the level
    stays)."""

    id: typing.Optional[str]
    reason: str
    restricted: bool = False


@dataclasses.dataclass(frozen=True)
class SafetyFinding:
    """A present danger or a safety plan that held for a child (docs/rules.md, "Safety"), with
    the concern (danger) or factor (plan) it held for, None for a condition on the child. One
    on restricted evidence the viewer may not see is withheld: id and evidence_id None, title
    neutral, restricted True (every withheld danger is one finding, likewise plans)."""

    kind: str  # "danger" or "plan"
    id: typing.Optional[str]
    title: str
    evidence_id: typing.Optional[str] = None
    restricted: bool = False


@dataclasses.dataclass(frozen=True)
class Safety:
    """A child's present-danger decision, apart from the risk level (it never moves it):
    "safe", "safe_with_plan", "unsafe", or "not_assessed" when the pack has no [safety]. The
    decision is the same for every viewer; the findings are as the viewer may see them."""

    decision: str = "not_assessed"
    findings: typing.Tuple[SafetyFinding, ...] = ()

    @property
    def dangers(self) -> typing.Tuple[SafetyFinding, ...]:
        return tuple(f for f in self.findings if f.kind == "danger")

    @property
    def plans(self) -> typing.Tuple[SafetyFinding, ...]:
        return tuple(f for f in self.findings if f.kind == "plan")


@dataclasses.dataclass(frozen=True)
class NotAssessable:
    """A rule or override that could not be evaluated for a child, and the missing data."""

    rule_id: str
    missing: str


@dataclasses.dataclass(frozen=True)
class Step:
    """One step of a child's statutory timeline as of the assessment date."""

    step: str  # the process's step id: "referral_decision", "initial_conference", "core_group"...
    # "on_time", "late", "due", "overdue", "not_required" or "not_recorded" (the child's
    # sources never record the step: docs/timescales.md, "Sources")
    status: str
    working_days: int  # late by / due in / overdue by; 0 when on time or not required
    trigger_id: str  # the event that started the clock
    done_id: typing.Optional[str]  # the event that completed the step or made it not required
    start: datetime.date
    due: typing.Optional[datetime.date]  # None when decided against at once
    completed: typing.Optional[datetime.date]
    title: str = ""  # "initial child protection conference"
    reason: typing.Optional[str] = None  # why not required
    calendar_days: int = 0  # as working_days, in calendar days
    counts_working_days: bool = True  # False for steps timed in days, hours or weeks
    source: str = ""  # the guidance the step comes from
    # Whose process the step is ("england", "wales", "scotland", "northern-ireland"): another
    # nation's for a step from before the child moved in from it.
    nation: str = ""


@dataclasses.dataclass(frozen=True)
class TimelineIssue:
    """A gap in a child's process record, such as a conference with no strategy discussion."""

    event_id: str
    issue: str


@dataclasses.dataclass(frozen=True)
class Discretionary:
    """The discretionary override considered for a child and what became of it."""

    id: str
    direction: str  # "raise" or "lower"
    author: str
    reason: str
    date: datetime.date
    outcome: str  # "applied", "not_allowed", "at_limit", "held_by_policy", "awaiting_approval"
    level_before: str  # after policy overrides, before judgement
    level_before_index: int
    approved_by: typing.Optional[str] = None  # the approver's entity id, as of the result's date
    approved: typing.Optional[datetime.date] = None
    needs_approval: bool = False  # the pack needs an approver for this direction


@dataclasses.dataclass(frozen=True)
class ChildResult:
    """Everything the assessment says about one child, copied out of the library: it stays
    valid whatever happens to the Result, Graph or RuleSet it came from."""

    id: str
    row: int
    total: float
    level: str  # after policy overrides
    level_index: int
    score_level: str  # from the scores alone
    score_level_index: int
    immediate_safety: bool
    # index id -> score, as the viewer may attribute it: points from restricted evidence the
    # viewer is not cleared for count in `total` and the level but in no index (`withheld`).
    scores: typing.Dict[str, float]
    index_levels: typing.Dict[str, str]  # index id -> level id that index reaches
    contributions: typing.Tuple[Contribution, ...]
    overrides: typing.Tuple[Override, ...]
    not_assessable: typing.Tuple[NotAssessable, ...]
    timeline: typing.Tuple[Step, ...]
    timeline_issues: typing.Tuple[TimelineIssue, ...]
    discretionary: typing.Optional[Discretionary]  # None when no judgement was recorded
    # Contextual risk (docs/rules.md, "Contextual risk"): index id -> the points the child's
    # propagated contributions add (0 without propagation); under the pack's default policy
    # ("apart") they are not in `scores`, `total` or the levels.
    contextual_scores: typing.Dict[str, float]
    contextual_total: float
    context_level: str  # the score level the indices reach with the contextual points added
    context_level_index: int
    contextual_included: bool  # the pack's policy is "included": the points are in `scores`
    # The points withheld from the viewer, every index together (0.0 when none): with the
    # scores they add up to the total (docs/rules.md, "Who sees what").
    withheld: float = 0.0
    # The contextual points the network holds from evidence withheld from the viewer (0.0 when
    # none): with contextual_scores they add up to the host's contextual total, which the
    # context level counts. `contextual_scores` are the network solved again from what the
    # viewer may see, so a neighbour's restricted intelligence is never worked back from them.
    contextual_withheld: float = 0.0
    # The present-danger safety decision and its findings, as the viewer may see them.
    safety: Safety = dataclasses.field(default_factory=Safety)

    def contributions_to(self, index_id: str) -> typing.List[Contribution]:
        """The contributions to one index, in order; they sum exactly to its score when the
        viewer sees every line (a withheld line names no index, so it is not among them)."""
        return [c for c in self.contributions if c.index_id == index_id]


class _ArrayView:
    """Exposes memory owned by a result to numpy without copying. numpy keeps this object as
    the array's base, and this object keeps the result's memory alive."""

    __slots__ = ("__array_interface__", "_owner")

    def __init__(self, address: int, shape: typing.Tuple[int, ...], typestr: str,
                 owner: object) -> None:
        self.__array_interface__ = {"version": 3, "shape": shape, "typestr": typestr,
                                    "data": (address, True)}
        self._owner = owner


def _text(value: typing.Optional[bytes]) -> str:
    """A string the library always sets (NULL read as "")."""
    return "" if value is None else value.decode("utf-8")


def _date(buffer: bytes) -> typing.Optional[datetime.date]:
    """A date the library wrote into a char[SG_DATE_SIZE] ("" for none)."""
    return datetime.date.fromisoformat(buffer.decode("ascii")) if buffer else None


def _required_date(buffer: bytes) -> datetime.date:
    day = _date(buffer)
    if day is None:
        raise InternalError("the library wrote no date where one is required")
    return day


def _numpy() -> typing.Any:
    try:
        import numpy
    except ImportError:
        raise ImportError("this needs numpy (Debian: apt-get install python3-numpy)") from None
    return numpy


class VocabularyWarning(UserWarning):
    """A case uses a concern category, factor kind, flag or agency type the rule pack does not
    know: a misspelt category scores nothing (docs/rules.md, "Vocabulary")."""


@dataclasses.dataclass(frozen=True)
class VocabularyFinding:
    """A name the case uses that the pack does not know, and the entities that use it.
    Restricted concerns are pooled into one finding whose `name` is "" (never named)."""

    code: str  # "unknown-category", "unknown-factor-kind", "unknown-flag", "unknown-agency-type"
    name: str
    ids: typing.Tuple[str, ...]
    message: str

    @property
    def count(self) -> int:
        return len(self.ids)


def assess(graph: "Graph", rules: "RuleSet", *, as_of: DateLike, threads: int = 1,
           progress: ProgressArg = None, viewer: TextList = None,
           process: typing.Optional["Process"] = None,
           strict_vocabulary: bool = False, explanations: str = "eager") -> "Result":
    """Scores every child of `graph` with `rules` as of the date `as_of` (a datetime.date;
    never the clock). `threads` is the number of worker threads (0: one per hardware thread);
    results are identical for any value. The Result stays valid after the graph and rules are
    closed. `progress` is called with (children scored, children) and may return False to stop
    (CancelledError); True shows a tqdm bar when tqdm is installed. `viewer` is who reads the
    result's contributions (Result.viewer): uncleared by default; "*" for every detail.
    `process` (a safeguard.Process) is the statutory process timelines follow; None: the
    bundled one of the case's nation. Names the case uses that the pack does not know (a
    misspelt category) are warned about with VocabularyWarning, one per name, and listed in
    Result.vocabulary; with `strict_vocabulary=True` such a case is refused (InvalidDataError
    naming the first entity id) before anything is scored. `explanations="lazy"` keeps only the
    lines of children with restricted lines and writes another child's on its first read (the
    same lines): less memory for a caller that reads levels and scores and few explanations."""
    from .graph import Graph
    from .rules import RuleSet

    if not isinstance(graph, Graph):
        raise TypeError("graph must be a safeguard.Graph, not %s" % type(graph).__name__)
    if not isinstance(rules, RuleSet):
        raise TypeError("rules must be a safeguard.RuleSet, not %s" % type(rules).__name__)
    as_of_text = date_text(as_of, "as_of", required=True)
    thread_count = _core.integer_of(threads, "threads", ctypes.c_uint)
    modes = {"eager": _lib.EXPLANATIONS_EAGER, "lazy": _lib.EXPLANATIONS_LAZY}
    if explanations not in modes:
        raise InvalidArgumentError("explanations must be 'eager' or 'lazy', not %r"
                                   % (explanations,))
    out = ctypes.c_void_p()
    if strict_vocabulary:
        with graph._lock, rules._lock:
            check(lib.sg_check_vocabulary(graph._pointer(), rules._pointer()))
    with Reporter(progress, "assessing", "children") as reporter, graph._lock, rules._lock, \
            _process_lock(process):
        options = _lib.AssessOptions(version=_lib.AssessOptions.VERSION, as_of=as_of_text,
                                     threads=thread_count, process=_process_pointer(process),
                                     explanations=modes[explanations])
        status = lib.sg_assess_progress(ctypes.byref(out), graph._pointer(), rules._pointer(),
                                        ctypes.byref(options), reporter.function, reporter.user)
    reporter.raise_callback_error()
    check(status)
    result = Result(out.value, rules, datetime.date.fromisoformat(as_of_text.decode("ascii")),
                    viewer=viewer)
    for finding in result.vocabulary:
        warnings.warn(finding.message, VocabularyWarning, stacklevel=2)
    return result


def _process_lock(process: typing.Optional["Process"]) -> typing.Any:
    """The process's lock while a call reads it (a no-op context for None)."""
    import contextlib

    from .process import Process

    if process is None:
        return contextlib.nullcontext()
    if not isinstance(process, Process):
        raise TypeError("process must be a safeguard.Process, not %s" % type(process).__name__)
    return process._lock


def _process_pointer(process: typing.Optional["Process"]) -> typing.Optional[int]:
    return None if process is None else process._pointer()


class _ResultViewer:
    """The default of a `viewer` argument: the Result's own viewer."""

    def __repr__(self) -> str:
        return "<the result's viewer>"


RESULT_VIEWER = _ResultViewer()
ViewerArg = typing.Union[TextList, _ResultViewer]


def draw_dot(dot: str) -> str:
    """SVG drawn from a DOT document by Graphviz's `dot` program (GraphvizError when it is not
    installed or fails). Run here, in Python, because the library never starts a process."""
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is None:
        raise GraphvizError("Graphviz `dot` is not installed (Debian: apt-get install graphviz); "
                            "use format='dot'")
    done = subprocess.run([program, "-Tsvg"], input=dot.encode("utf-8"),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if done.returncode != 0 or not done.stdout:
        raise GraphvizError("Graphviz `dot -Tsvg` failed: %s"
                            % done.stderr.decode("utf-8", "replace").strip())
    return done.stdout.decode("utf-8")


def _viewer_options(viewer: TextList, format_code: int = 0) -> "_lib.ExplainOptions":
    """sg_explain_options for a reader cleared for `viewer` (ctypes keeps the id array alive
    for as long as the options refer to it)."""
    cleared, cleared_count = text_array(viewer, "viewer")
    return _lib.ExplainOptions(version=_lib.ExplainOptions.VERSION, format=format_code,
                               viewer_cleared=cleared, viewer_cleared_count=cleared_count)


def _clearances(viewer: TextList) -> typing.Tuple[str, ...]:
    """A viewer argument as a tuple of clearances, checked now so a bad one fails at once."""
    if viewer is None:
        return ()
    if isinstance(viewer, str):
        viewer = [viewer]
    out = []
    for i, value in enumerate(viewer):
        if not isinstance(value, str):
            raise TypeError("viewer[%d] must be a str, not %s" % (i, type(value).__name__))
        text(value, "viewer[%d]" % i)
        out.append(value)
    return tuple(out)


class Result(_core.Handle):
    """The scores of every child as of one date.

    Index it by row or child id, iterate over it for ChildResult objects, take `scores` and
    `levels` as numpy arrays (views, no copy), `to_frame()` for pandas. close() releases the
    library's result once no numpy view of it remains.

    `viewer` is who reads it: the agency ids or types the reader is cleared for, () for none
    (the default) or ("*",) for every detail. Contributions (ChildResult.contributions,
    PlaceResult.contributions, contributions_frame()) are as that viewer may see them: a line
    whose restricted evidence the viewer is not cleared for keeps its points but withholds its
    rule, evidence, agency and path. Pass viewer="*" to assess() (or to child(), place(),
    contributions_frame()) for the host's unfiltered view.
    """

    _kind = "result"

    as_of: "_core.Kept[datetime.date]" = _core.Kept()
    known_at: "_core.Kept[typing.Optional[typing.Union[int, datetime.datetime]]]" = _core.Kept()
    viewer: "_core.Kept[typing.Tuple[str, ...]]" = _core.Kept()
    rules_id: "_core.Kept[str]" = _core.Kept()
    rules_version: "_core.Kept[str]" = _core.Kept()
    rules_hash: "_core.Kept[str]" = _core.Kept()
    index_ids: "_core.Kept[typing.Tuple[str, ...]]" = _core.Kept()
    index_subjects: "_core.Kept[typing.Tuple[str, ...]]" = _core.Kept()
    level_ids: "_core.Kept[typing.Tuple[str, ...]]" = _core.Kept()

    def __init__(self, pointer: typing.Optional[int], rules: "RuleSet",
                 as_of: datetime.date, *, viewer: TextList = None) -> None:
        super().__init__(pointer, lib.sg_result_free)
        self.as_of = as_of
        # The record time a Record.assess result was known at (None: everything, or a graph's).
        self.known_at = None
        self.viewer = _clearances(viewer)
        self.rules_id = rules.id
        self.rules_version = rules.version
        self.rules_hash = rules.hash
        self.index_ids = rules.index_ids
        self.index_subjects = tuple(index.subject for index in rules.indices)
        self.level_ids = rules.level_ids
        count = ctypes.c_size_t()
        check(lib.sg_result_child_count(ctypes.byref(count), pointer))
        self._count = count.value
        check(lib.sg_result_index_count(ctypes.byref(count), pointer))
        if count.value != len(self.index_ids):
            raise InternalError("the result has %d indices but its rule pack %d"
                                % (count.value, len(self.index_ids)))
        self._child_ids: typing.Optional[typing.List[str]] = None

    @property
    def vocabulary(self) -> typing.Tuple[VocabularyFinding, ...]:
        """Names the case uses that the pack does not know (see VocabularyFinding)."""
        with self._lock:
            pointer = self._pointer()
            count = ctypes.c_size_t()
            check(lib.sg_result_vocabulary_count(ctypes.byref(count), pointer))
            out = []
            for k in range(count.value):
                finding = _lib.VocabularyFinding(version=_lib.VocabularyFinding.VERSION)
                check(lib.sg_result_vocabulary(ctypes.byref(finding), pointer, k))
                ids = []
                for i in range(finding.count):
                    text = ctypes.c_char_p()
                    check(lib.sg_result_vocabulary_id(ctypes.byref(text), pointer, k, i))
                    ids.append(_text(text.value))
                out.append(VocabularyFinding(_text(finding.code), _text(finding.name),
                                             tuple(ids), _text(finding.message)))
            return tuple(out)

    def close(self) -> None:
        """Releases this object's hold on the library's result. numpy arrays taken from it
        keep the memory they view until they are themselves collected."""
        with self._lock:
            self._owned = None

    def __repr__(self) -> str:
        return "<safeguard.Result of %d children as of %s%s>" % (
            self._count, Result.as_of.peek(self).isoformat(), " closed" if self.closed else "")

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> typing.Iterator[ChildResult]:
        for row in range(self._count):
            yield self.child(row)

    def __getitem__(self, key: typing.Union[str, int, ChildResult]) -> ChildResult:
        return self.child(key)

    def __contains__(self, child_id: object) -> bool:
        return isinstance(child_id, str) and child_id in self._ids_by_row()

    def _child_columns(self, ids_only: bool = False) -> typing.Dict[str, typing.Any]:
        """sg_result_child_columns for every child, in one call: ctypes arrays by column name,
        "id" as char pointers; with `ids_only`, the ids alone. "discretionary" and "safety" are
        addresses of the library's static names (read them with ctypes.string_at)."""
        size = max(1, self._count)
        arrays: typing.Dict[str, typing.Any] = {"id": (ctypes.c_char_p * size)()}
        if not ids_only:
            arrays.update(total=(ctypes.c_double * size)(), level=(ctypes.c_int * size)(),
                          score_level=(ctypes.c_int * size)(),
                          immediate_safety=(ctypes.c_ubyte * size)(),
                          override_count=(ctypes.c_size_t * size)(),
                          discretionary=(ctypes.c_void_p * size)(),
                          safety=(ctypes.c_void_p * size)(),
                          context_level=(ctypes.c_int * size)())
        columns = _lib.ChildColumns(version=_lib.ChildColumns.VERSION, capacity=self._count)
        for name, array in arrays.items():
            setattr(columns, name, ctypes.cast(array, ctypes.c_void_p))
        with self._lock:
            check(lib.sg_result_child_columns(ctypes.byref(columns), self._pointer(), 0,
                                              self._count))
            if self._child_ids is None:
                self._child_ids = self._joined_ids(arrays["id"])
        return arrays

    def _joined_ids(self, pointers: typing.Any) -> typing.List[str]:
        """The ids at `pointers` (the result's own texts, read under its lock), copied out by one
        call (sg_texts_join) and split in one go: a bytes object and a decode per child was
        most of the first frame's time at a million children."""
        if self._count == 0:
            return []
        buffer = ctypes.c_void_p()
        size = ctypes.c_size_t()
        check(lib.sg_texts_join(ctypes.byref(buffer), ctypes.byref(size),
                                ctypes.addressof(pointers), self._count))
        # Each id ends with its NUL (ids hold none), so the split leaves one empty string last.
        return _core.take_text(buffer, size).split("\x00")[:-1]

    def _override_texts(self, counts: typing.Mapping[int, int]) -> typing.Dict[int, str]:
        """For each row of `counts` (row -> how many policy overrides fired, as
        sg_result_child_columns gives it), those overrides as the result's viewer may see them,
        ";"-separated ("restricted" for one it may not)."""
        out = {}
        with self._lock:
            pointer = self._pointer()
            for row, count in counts.items():
                overrides = self._overrides(pointer, row, count, self.viewer)
                out[row] = ";".join("restricted" if o.restricted else typing.cast(str, o.id)
                                    for o in overrides)
        return out

    def _contextual_totals(self) -> typing.Tuple[typing.Any, typing.Any]:
        """Per child, the contextual points as the result's viewer may attribute them (every
        index, added in index order) and the contextual points withheld from it."""
        numpy = _numpy()
        cols = len(self.index_ids)
        with self._lock:
            network, withheld = self._contextual_for(self._pointer(), 0, self._count,
                                                     self.viewer)
        matrix = numpy.ctypeslib.as_array(network)[:self._count * cols].reshape(self._count, cols)
        totals = numpy.zeros(self._count, dtype=numpy.float64)
        for i in range(cols):
            totals += matrix[:, i]  # 0 + first + second ..., as a sum over the row would
        return totals, numpy.ctypeslib.as_array(withheld)[:self._count].copy()

    def _ids_by_row(self) -> typing.List[str]:
        if self._child_ids is None:
            self._child_columns(ids_only=True)
        return typing.cast(typing.List[str], self._child_ids)

    @property
    def child_ids(self) -> typing.List[str]:
        """Child ids in row order."""
        return list(self._ids_by_row())

    def row(self, child: typing.Union[str, int, ChildResult]) -> int:
        """The row of a child given by id (NotFoundError if absent), by ChildResult (looked up
        by its id) or by row number."""
        if isinstance(child, ChildResult):
            child = child.id  # by id: it may come from another result
        if isinstance(child, str):
            out = ctypes.c_size_t()
            encoded = text(child, "child_id")
            with self._lock:
                check(lib.sg_result_find_child(ctypes.byref(out), self._pointer(), encoded))
            return out.value
        row = integer(child, "row")
        if row < 0:
            row += self._count
        if not 0 <= row < self._count:
            raise OutOfRangeError("row %d is past the last child (%d children)"
                                  % (integer(child, "row"), self._count))
        return row

    def child(self, child: typing.Union[str, int, ChildResult], *,
              viewer: ViewerArg = RESULT_VIEWER) -> ChildResult:
        """The ChildResult of a child given by id or row, its contributions as `viewer` (by
        default the result's) may see them."""
        row = self.row(child)
        clearances = self._viewer_of(viewer)
        with self._lock:
            return self._read_child(self._pointer(), row, clearances)

    def _viewer_of(self, viewer: ViewerArg) -> typing.Tuple[str, ...]:
        return self.viewer if isinstance(viewer, _ResultViewer) else _clearances(viewer)

    def _contributions(self, pointer: int, position: int, count: int,
                       clearances: typing.Tuple[str, ...], unscoped: typing.Callable[..., int],
                       scoped: typing.Callable[..., int]) -> typing.Tuple[Contribution, ...]:
        item = _lib.Contribution(version=_lib.Contribution.VERSION)
        out = []
        if "*" in clearances:
            for k in range(count):
                check(unscoped(ctypes.byref(item), pointer, position, k))
                out.append(_contribution(item))
            return tuple(out)
        options = _viewer_options(clearances)
        for k in range(count):
            check(scoped(ctypes.byref(item), pointer, position, k, ctypes.byref(options)))
            if not item.hidden:  # not part of what this reader sees at all
                out.append(_contribution(item))
        return tuple(out)

    def _shown_contributions(self, pointer: int, row: int, count: int,
                             clearances: typing.Tuple[str, ...]) -> typing.Tuple[Contribution, ...]:
        """A child's contributions as a reader is shown them (sg_result_shown_contribution):
        the lines `clearances` see, then everything withheld from them as ONE line of kind
        "withheld" that names no rule, index, heading or evidence, so neither the number of
        restricted items nor their sizes can be told. "*": every line, with every detail."""
        if "*" in clearances:
            return self._contributions(pointer, row, count, clearances,
                                       lib.sg_result_contribution,
                                       lib.sg_result_contribution_for)
        options = _viewer_options(clearances)
        shown = ctypes.c_size_t()
        check(lib.sg_result_shown_count(ctypes.byref(shown), pointer, row,
                                        ctypes.byref(options)))
        item = _lib.Contribution(version=_lib.Contribution.VERSION)
        out = []
        for k in range(shown.value):
            check(lib.sg_result_shown_contribution(ctypes.byref(item), pointer, row, k,
                                                   ctypes.byref(options)))
            out.append(_contribution(item))
        return tuple(out)

    def _overrides(self, pointer: int, row: int, count: int,
                   clearances: typing.Tuple[str, ...]) -> typing.List[Override]:
        """The policy overrides that fired for a child, as `clearances` may see them."""
        first = ctypes.c_char_p()
        second = ctypes.c_char_p()
        out = []
        if "*" in clearances:
            for k in range(count):
                check(lib.sg_result_override(ctypes.byref(first), ctypes.byref(second), pointer,
                                             row, k))
                out.append(Override(_text(first.value), _text(second.value)))
            return out
        options = _viewer_options(clearances)
        restricted = ctypes.c_int()
        for k in range(count):
            check(lib.sg_result_override_for(ctypes.byref(first), ctypes.byref(second),
                                             ctypes.byref(restricted), pointer, row, k,
                                             ctypes.byref(options)))
            out.append(Override(None if restricted.value else _text(first.value),
                                _text(second.value), bool(restricted.value)))
        return out

    def _safety_decision(self, pointer: int, row: int) -> str:
        decision = ctypes.c_char_p()
        options = _viewer_options(())  # the decision is the same for every viewer
        check(lib.sg_result_safety(ctypes.byref(decision), None, pointer, row,
                                   ctypes.byref(options)))
        return _text(decision.value)

    def _safety(self, pointer: int, row: int, clearances: typing.Tuple[str, ...]) -> Safety:
        """The child's safety decision and findings, as `clearances` may see them."""
        options = _viewer_options(clearances)
        decision = ctypes.c_char_p()
        count = ctypes.c_size_t()
        check(lib.sg_result_safety(ctypes.byref(decision), ctypes.byref(count), pointer, row,
                                   ctypes.byref(options)))
        item = _lib.SafetyFinding(version=_lib.SafetyFinding.VERSION)
        findings = []
        for k in range(count.value):
            check(lib.sg_result_safety_finding_for(ctypes.byref(item), pointer, row, k,
                                                   ctypes.byref(options)))
            findings.append(SafetyFinding(_text(item.kind), string(item.id), _text(item.title),
                                          string(item.evidence_id), bool(item.restricted)))
        return Safety(_text(decision.value), tuple(findings))

    def _read_child(self, pointer: int, row: int,
                    clearances: typing.Tuple[str, ...]) -> ChildResult:
        record = _lib.ChildResult(version=_lib.ChildResult.VERSION)
        check(lib.sg_result_child(ctypes.byref(record), pointer, row))
        values, levels, withheld = self._scores_for(pointer, row, 1, clearances)
        scores = {index_id: values[i] for i, index_id in enumerate(self.index_ids)}
        index_levels = {index_id: self.level_ids[levels[i]]
                        for i, index_id in enumerate(self.index_ids)}
        network, network_withheld = self._contextual_for(pointer, row, 1, clearances)
        contextual_scores = {index_id: network[i] for i, index_id in enumerate(self.index_ids)}
        # Summed in index order, as the library sums the total.
        contextual_total = sum(network[i] for i in range(len(self.index_ids)))
        context_level = self._contextual(pointer, row)[1]
        policy = ctypes.c_char_p()
        check(lib.sg_result_contextual_policy(ctypes.byref(policy), pointer))
        contributions = self._shown_contributions(pointer, row, record.contribution_count,
                                                  clearances)
        overrides = self._overrides(pointer, row, record.override_count, clearances)
        first = ctypes.c_char_p()
        second = ctypes.c_char_p()
        notes = []
        for k in range(record.not_assessable_count):
            check(lib.sg_result_not_assessable(ctypes.byref(first), ctypes.byref(second),
                                               pointer, row, k))
            notes.append(NotAssessable(_text(first.value), _text(second.value)))
        steps = []
        count = ctypes.c_size_t()
        check(lib.sg_result_step_count(ctypes.byref(count), pointer, row))
        step = _lib.Step(version=_lib.Step.VERSION)
        for k in range(count.value):
            check(lib.sg_result_step(ctypes.byref(step), pointer, row, k))
            steps.append(Step(
                step=string(step.step), status=string(step.status),
                working_days=step.working_days, trigger_id=string(step.trigger_id),
                done_id=string(step.done_id), start=_required_date(step.start),
                due=_date(step.due), completed=_date(step.completed),
                title=string(step.title) or "", reason=string(step.reason),
                calendar_days=step.calendar_days,
                counts_working_days=bool(step.counts_working_days),
                source=string(step.source) or "", nation=string(step.nation) or ""))
        issues = []
        check(lib.sg_result_timeline_issue_count(ctypes.byref(count), pointer, row))
        for k in range(count.value):
            check(lib.sg_result_timeline_issue(ctypes.byref(first), ctypes.byref(second),
                                               pointer, row, k))
            issues.append(TimelineIssue(_text(first.value), _text(second.value)))
        return ChildResult(
            id=string(record.id), row=row, total=record.total, level=string(record.level_id),
            level_index=record.level, score_level=self.level_ids[record.score_level],
            score_level_index=record.score_level, immediate_safety=bool(record.immediate_safety),
            scores=scores, index_levels=index_levels, contributions=contributions,
            overrides=tuple(overrides), not_assessable=tuple(notes), timeline=tuple(steps),
            timeline_issues=tuple(issues), discretionary=self._discretionary(pointer, row),
            contextual_scores=contextual_scores, contextual_total=contextual_total,
            context_level=self.level_ids[context_level], context_level_index=context_level,
            contextual_included=string(policy.value) == "included",
            withheld=withheld[0], contextual_withheld=network_withheld[0],
            safety=self._safety(pointer, row, clearances))

    def _scores_for(self, pointer: int, first: int, count: int,
                    clearances: typing.Tuple[str, ...]
                    ) -> typing.Tuple[typing.Any, typing.Any, typing.Any]:
        """Rows first..first+count-1's index scores, their levels and the withheld points, as
        `clearances` may attribute them (sg_result_scores_for), in ctypes arrays."""
        cols = len(self.index_ids)
        values = (ctypes.c_double * max(1, count * cols))()
        levels = (ctypes.c_int * max(1, count * cols))()
        withheld = (ctypes.c_double * max(1, count))()
        options = _viewer_options(clearances)
        check(lib.sg_result_scores_for(values, levels, withheld, pointer, first, count,
                                       ctypes.byref(options)))
        return values, levels, withheld

    def _contextual_for(self, pointer: int, first: int, count: int,
                        clearances: typing.Tuple[str, ...]
                        ) -> typing.Tuple[typing.Any, typing.Any]:
        """Rows first..first+count-1's contextual scores and the contextual points withheld,
        as `clearances` may attribute them (sg_result_contextual_for), in ctypes arrays."""
        values = (ctypes.c_double * max(1, count * len(self.index_ids)))()
        withheld = (ctypes.c_double * max(1, count))()
        options = _viewer_options(clearances)
        check(lib.sg_result_contextual_for(values, withheld, pointer, first, count,
                                           ctypes.byref(options)))
        return values, withheld

    @staticmethod
    def _contextual(pointer: int, row: int) -> typing.Tuple[float, int]:
        total = ctypes.c_double()
        level = ctypes.c_int()
        check(lib.sg_result_contextual(ctypes.byref(total), ctypes.byref(level), pointer, row))
        return total.value, level.value

    @property
    def contextual_policy(self) -> typing.Optional[str]:
        """The pack's contextual policy: "apart" (propagated points reported beside the
        scores, not moving the levels) or "included"; None when the pack does not propagate
        (docs/rules.md, "Contextual risk")."""
        policy = ctypes.c_char_p()
        with self._lock:
            check(lib.sg_result_contextual_policy(ctypes.byref(policy), self._pointer()))
        return string(policy.value)

    def _discretionary(self, pointer: int, row: int) -> typing.Optional[Discretionary]:
        record = _lib.Discretionary(version=_lib.Discretionary.VERSION)
        check(lib.sg_result_discretionary(ctypes.byref(record), pointer, row))
        return self._judgement(record)

    def _judgement(self, record: "_lib.Discretionary") -> typing.Optional[Discretionary]:
        if record.id is None:
            return None
        return Discretionary(
            id=string(record.id), direction=string(record.direction),
            author=string(record.author), reason=string(record.reason),
            date=_required_date(record.date), outcome=string(record.outcome),
            level_before=self.level_ids[record.level_before],
            level_before_index=record.level_before, approved_by=string(record.approved_by),
            approved=_date(record.approved), needs_approval=bool(record.needs_approval))

    def explain(self, child: typing.Union[str, int, ChildResult], *, format: str = "text",
                viewer: TextList = None) -> str:
        """A child's explanation, grouped under the Signs of Safety headings, as text or as a
        JSON string. `viewer` lists the agency ids or types whose restricted evidence the
        reader may see in detail ("*" for all); by default restricted items show only as
        "restricted source" and their points."""
        return self._explain(lib.sg_result_explain, lambda: self.row(child), format, viewer)

    def contributions_for(self, child: typing.Union[str, int, ChildResult],
                          viewer: TextList) -> typing.List[Contribution]:
        """A child's contributions (by id or row) as `viewer` may see them: `viewer` lists the
        agency ids or types the reader is cleared for ("*" for all; None or [] for none). A
        line whose evidence the reader is not cleared for is withheld: its value and heading
        stay, rule_title is "Restricted evidence", restricted is True, the ids (index_id too:
        an index fed only by restricted evidence names its category), path, rule_id, raw,
        decay, reach and cap_factor are None (docs/rules.md, "Who sees what"). The same as child(child, viewer=viewer).contributions."""
        return list(self.child(child, viewer=viewer).contributions)

    def place_contributions_for(self, place: typing.Union[str, int, "PlaceResult"],
                                viewer: TextList) -> typing.List[Contribution]:
        """A place's or group's contributions as `viewer` may see them; see
        contributions_for."""
        return list(self.place(place, viewer=viewer).contributions)

    def explain_place(self, place: typing.Union[str, int, "PlaceResult"], *,
                      format: str = "text", viewer: TextList = None) -> str:
        """A place's or group's explanation (by id, rank or PlaceResult), as explain()."""
        def library_rank() -> int:
            rank = self.place_rank(place, viewer=viewer)
            with self._lock:
                return self._place_order(self._pointer(), self._viewer_of(viewer))[rank]

        return self._explain(lib.sg_result_place_explain, library_rank, format, viewer)

    def _explain(self, function: typing.Callable[..., int], position: typing.Callable[[], int],
                 format: str, viewer: TextList) -> str:
        try:
            format_code = _FORMATS[format]
        except (KeyError, TypeError):
            raise InvalidArgumentError("format %r is not 'text' or 'json'" % (format,)) from None
        options = _viewer_options(viewer, format_code)
        where = position()
        buffer = ctypes.c_void_p()
        size = ctypes.c_size_t()
        with self._lock:
            check(function(ctypes.byref(buffer), ctypes.byref(size), self._pointer(), where,
                           ctypes.byref(options)))
        return _core.take_text(buffer, size)

    @property
    def adults(self) -> typing.List[AdultResult]:
        """Every adult with a result on the pack's adult indices, in the order the adults were
        added, as the result's viewer may see them; empty when the pack has none. An adult
        every line and override of whose result is withheld from the viewer is left out, as `safeguard
        assess` leaves it out: that such an adult has a result at all is what the viewer may
        not learn (docs/rules.md, "Results for adults")."""
        with self._lock:
            pointer = self._pointer()
            count = ctypes.c_size_t()
            check(lib.sg_result_adult_count(ctypes.byref(count), pointer))
            adults = (self._read_adult(pointer, row, self.viewer) for row in range(count.value))
            return [adult for adult in adults if adult is not None]

    def adult(self, adult: typing.Union[str, int], *,
              viewer: ViewerArg = RESULT_VIEWER) -> AdultResult:
        """The AdultResult of an adult given by id (NotFoundError when the adult has none, or
        none `viewer` may see) or by row, its scores and contributions as `viewer` (by default
        the result's) may see them."""
        clearances = self._viewer_of(viewer)
        with self._lock:
            pointer = self._pointer()
            found = self._read_adult(pointer, self._adult_row(pointer, adult), clearances)
        if found is None:
            raise NotFoundError("no adult result for %r" % (adult,))
        return found

    def explain_adult(self, adult: typing.Union[str, int], *, format: str = "text",
                      viewer: TextList = None) -> str:
        """An adult's explanation (by id or row), as explain(); NotFoundError for an adult
        every line and override of whose result is withheld from `viewer`, as adult() says."""
        def row() -> int:
            with self._lock:
                return self._adult_row(self._pointer(), adult)

        return self._explain(lib.sg_result_adult_explain, row, format, viewer)

    def _adult_row(self, pointer: int, adult: typing.Union[str, int]) -> int:
        if isinstance(adult, str):
            out = ctypes.c_size_t()
            check(lib.sg_result_find_adult(ctypes.byref(out), pointer, text(adult, "adult_id")))
            return out.value
        row = integer(adult, "row")
        count = ctypes.c_size_t()
        check(lib.sg_result_adult_count(ctypes.byref(count), pointer))
        if not 0 <= row < count.value:
            raise OutOfRangeError("row %d is past the last adult result (%d)" % (row, count.value))
        return row

    def _read_adult(self, pointer: int, row: int,
                    clearances: typing.Tuple[str, ...]) -> typing.Optional[AdultResult]:
        """The adult's result as `clearances` may see it: the lines shown, then everything
        withheld as ONE line of kind "withheld" naming no rule, index or evidence (as a
        child's, so neither the number of restricted items nor their sizes can be told); None
        when every line and every override is withheld. "*": every line, with every detail."""
        record = _lib.AdultResult(version=_lib.AdultResult.VERSION)
        check(lib.sg_result_adult(ctypes.byref(record), pointer, row))
        options = _viewer_options(clearances)
        item = _lib.Contribution(version=_lib.Contribution.VERSION)
        contributions = []
        withheld = 0.0
        any_withheld = False
        for k in range(record.contribution_count):
            check(lib.sg_result_adult_contribution_for(ctypes.byref(item), pointer, row, k,
                                                       ctypes.byref(options)))
            if item.hidden:  # not part of what this reader sees at all
                continue
            line = _contribution(item)
            if line.index_id is None:  # withheld: its points stand apart, in no index
                any_withheld = True
                withheld += line.value
                continue
            contributions.append(line)
        first = ctypes.c_char_p()
        second = ctypes.c_char_p()
        restricted = ctypes.c_int()
        overrides = []
        for k in range(record.override_count):
            check(lib.sg_result_adult_override_for(ctypes.byref(first), ctypes.byref(second),
                                                   ctypes.byref(restricted), pointer, row, k,
                                                   ctypes.byref(options)))
            overrides.append(Override(None if restricted.value else _text(first.value),
                                      _text(second.value), bool(restricted.value)))
        # The judgement about the adult, which the library gives only when the reader may know
        # of the adult's result (adult_shown).
        judgement = _lib.Discretionary(version=_lib.Discretionary.VERSION)
        check(lib.sg_result_adult_discretionary(ctypes.byref(judgement), pointer, row,
                                                ctypes.byref(options)))
        discretionary = self._judgement(judgement)
        # Shown when a line or an override is, or the result is only a judgement (as
        # adult_shown in the library, which the CLI and the explanation use).
        if not contributions and all(o.restricted for o in overrides) and discretionary is None:
            return None
        if any_withheld:
            contributions.append(self._adult_withheld_line(pointer, row, options, withheld))
        score = ctypes.c_double()
        scores = {}
        for i, index_id in enumerate(self.index_ids):
            if not self._adult_index(i):
                continue
            if "*" in clearances:
                check(lib.sg_result_adult_index_score(ctypes.byref(score), None, pointer, row, i))
                scores[index_id] = score.value
            else:
                scores[index_id] = sum(c.value for c in contributions if c.index_id == index_id)
        return AdultResult(id=string(record.id), level=string(record.level_id),
                           level_index=record.level, total=record.total, scores=scores,
                           contributions=tuple(contributions), withheld=withheld,
                           overrides=tuple(overrides), discretionary=discretionary)

    @staticmethod
    def _adult_withheld_line(pointer: int, row: int, options: "_lib.ExplainOptions",
                             withheld: float) -> Contribution:
        # Titled as the adult's explanation titles it (the view layer's one withheld item).
        import json

        options.format = _lib.FORMAT_JSON
        buffer = ctypes.c_void_p()
        size = ctypes.c_size_t()
        check(lib.sg_result_adult_explain(ctypes.byref(buffer), ctypes.byref(size), pointer, row,
                                          ctypes.byref(options)))
        title = json.loads(_core.take_text(buffer, size))["withheld"]["title"]
        return Contribution(
            rule_id=None, rule_title=title, index_id=None, heading="withheld", evidence_id=None,
            # No path, as on a child's withheld line (its NULL path reads as None).
            via_id=None, path=typing.cast(str, None), source_agency_id=None, restricted=True,
            raw=None, decay=None, reach=None, cap_factor=None, value=withheld, kind="withheld",
            relation=None, via_kind=None)

    def _adult_index(self, index: int) -> bool:
        return self.index_subjects[index] == "adult"

    def _place_count(self) -> int:
        count = ctypes.c_size_t()
        with self._lock:
            check(lib.sg_result_place_count(ctypes.byref(count), self._pointer()))
        return count.value

    def _place_order(self, pointer: int, clearances: typing.Tuple[str, ...]) -> typing.List[int]:
        """The library's ranks of the places and groups, in the order of the network scores
        `clearances` may attribute (highest first; ties by id, since the library's order can
        depend on restricted evidence). The library ranks by the host's scores, and a place
        ranked above what its figures justify would say that restricted intelligence is held
        about it; for "*" the library's order is the reader's."""
        count = ctypes.c_size_t()
        check(lib.sg_result_place_count(ctypes.byref(count), pointer))
        order = list(range(count.value))
        if "*" in clearances or not order:
            return order
        values = (ctypes.c_double * max(1, len(self.index_ids)))()
        options = _viewer_options(clearances)
        keys = []
        place_id = _lib.PlaceResult(version=_lib.PlaceResult.VERSION)
        for rank in order:
            check(lib.sg_result_place_scores_for(values, None, pointer, rank,
                                                 ctypes.byref(options)))
            check(lib.sg_result_place(ctypes.byref(place_id), pointer, rank))
            keys.append((-sum(values[i] for i in range(len(self.index_ids))),
                         string(place_id.id)))
        # Ties by id, not by the library's order, which restricted evidence can change.
        order.sort(key=lambda rank: keys[rank])
        return order

    def place_rank(self, place: typing.Union[str, int, "PlaceResult"], *,
                   viewer: ViewerArg = RESULT_VIEWER) -> int:
        """The rank of a place or group given by id (NotFoundError if absent), by PlaceResult
        (looked up by its id) or by rank, among the places as `viewer` (by default the
        result's) may attribute their scores."""
        if isinstance(place, PlaceResult):
            place = place.id
        clearances = self._viewer_of(viewer)
        with self._lock:
            pointer = self._pointer()
            order = self._place_order(pointer, clearances)
            if isinstance(place, str):
                out = ctypes.c_size_t()
                encoded = text(place, "place_id")
                check(lib.sg_result_find_place(ctypes.byref(out), pointer, encoded))
                return order.index(out.value)
        rank = integer(place, "rank")
        if not 0 <= rank < len(order):
            raise OutOfRangeError("rank %d is past the last place (%d places)" % (rank,
                                                                                 len(order)))
        return rank

    def place(self, place: typing.Union[str, int, "PlaceResult"], *,
              viewer: ViewerArg = RESULT_VIEWER) -> "PlaceResult":
        """The PlaceResult of a place or group given by id or rank, its scores and
        contributions as `viewer` (by default the result's) may see them."""
        rank = self.place_rank(place, viewer=viewer)
        clearances = self._viewer_of(viewer)
        with self._lock:
            pointer = self._pointer()
            return self._read_place(pointer, self._place_order(pointer, clearances)[rank], rank,
                                    clearances)

    @property
    def places(self) -> typing.List["PlaceResult"]:
        """Every place and group, highest network score (as the result's viewer may attribute
        it) first; empty unless the pack propagates risk through the network."""
        with self._lock:
            pointer = self._pointer()
            order = self._place_order(pointer, self.viewer)
            return [self._read_place(pointer, library_rank, rank, self.viewer)
                    for rank, library_rank in enumerate(order)]

    def _read_place(self, pointer: int, library_rank: int, rank: int,
                    clearances: typing.Tuple[str, ...]) -> "PlaceResult":
        record = _lib.PlaceResult(version=_lib.PlaceResult.VERSION)
        check(lib.sg_result_place(ctypes.byref(record), pointer, library_rank))
        values = (ctypes.c_double * max(1, len(self.index_ids)))()
        withheld = ctypes.c_double()
        options = _viewer_options(clearances)
        check(lib.sg_result_place_scores_for(values, ctypes.byref(withheld), pointer, library_rank,
                                             ctypes.byref(options)))
        scores = {index_id: values[i] for i, index_id in enumerate(self.index_ids)}
        contributions = self._contributions(pointer, library_rank, record.contribution_count, clearances,
                                            lib.sg_result_place_contribution,
                                            lib.sg_result_place_contribution_for)
        # As the viewer may attribute them: the network score is the propagating indices'
        # scores (summed in index order, as the library sums it; indices that do not propagate
        # score 0), the own score the place's own lines shown; for "*", the host's figures.
        # A place's restricted evidence is not shown at all to a reader not cleared for it.
        if "*" in clearances:
            score, own_score = record.score, record.own_score
        else:
            score = sum(scores[i] for i in self.index_ids)
            own_score = sum(c.value for c in contributions if c.kind == "rule")
        return PlaceResult(id=string(record.id), rank=rank, kind=string(record.kind),
                           label=string(record.label), score=score, own_score=own_score,
                           scores=scores, contributions=contributions, withheld=withheld.value)

    def _view(self, function: typing.Callable[..., int], element: typing.Any, typestr: str,
              two_dimensional: bool) -> typing.Any:
        numpy = _numpy()
        data = ctypes.POINTER(element)()
        rows = ctypes.c_size_t()
        cols = ctypes.c_size_t()
        with self._lock:
            owned = self._owned
            if owned is None:
                raise ClosedError("this result is closed")
            if two_dimensional:
                check(function(ctypes.byref(data), ctypes.byref(rows), ctypes.byref(cols),
                               owned.pointer))
                shape: typing.Tuple[int, ...] = (rows.value, cols.value)
            else:
                check(function(ctypes.byref(data), ctypes.byref(rows), owned.pointer))
                shape = (rows.value,)
        address = ctypes.cast(data, ctypes.c_void_p).value
        if not address or 0 in shape:
            empty = numpy.empty(shape, dtype=numpy.dtype(typestr))
            empty.flags.writeable = False
            return empty
        return numpy.asarray(_ArrayView(address, shape, typestr, owned))

    @property
    def scores(self) -> typing.Any:
        """The score matrix as a read-only numpy array, one row per child and one column per
        index (index_ids), as the result's viewer may attribute it: points from restricted
        evidence the viewer is not cleared for count in no index (see `withheld`). For a
        viewer cleared for "*" it views the library's memory without a copy."""
        if "*" in self.viewer:
            return self._view(lib.sg_result_scores, ctypes.c_double, _ENDIAN + "f8", True)
        return self._viewed_scores()[0]

    @property
    def withheld(self) -> typing.Any:
        """Per child (row order), the points withheld from the result's viewer, every index
        together, as a read-only numpy array: with `scores` they add up to each total."""
        return self._viewed_scores()[1]

    def _viewed_scores(self) -> typing.Tuple[typing.Any, typing.Any]:
        numpy = _numpy()
        cols = len(self.index_ids)
        scores = numpy.zeros((self._count, cols), dtype=numpy.float64)
        withheld = numpy.zeros(self._count, dtype=numpy.float64)
        if self._count and cols:
            options = _viewer_options(self.viewer)
            double_p = ctypes.POINTER(ctypes.c_double)
            with self._lock:
                check(lib.sg_result_scores_for(scores.ctypes.data_as(double_p), None,
                                               withheld.ctypes.data_as(double_p),
                                               self._pointer(), 0, self._count,
                                               ctypes.byref(options)))
        scores.flags.writeable = False
        withheld.flags.writeable = False
        return scores, withheld

    @property
    def levels(self) -> typing.Any:
        """Each child's final level as a read-only numpy array of indices into level_ids."""
        typestr = "%si%d" % (_ENDIAN, ctypes.sizeof(ctypes.c_int))
        return self._view(lib.sg_result_levels, ctypes.c_int, typestr, False)

    def to_frame(self) -> typing.Any:
        """A pandas DataFrame with one row per child; see safeguard.frames.result_frame."""
        from .frames import result_frame

        return result_frame(self)

    def timeline_frame(self) -> typing.Any:
        """A pandas DataFrame with one row per timeline step of every child; see
        safeguard.frames.timeline_frame."""
        from .frames import timeline_frame

        return timeline_frame(self)

    def places_frame(self) -> typing.Any:
        """A pandas DataFrame with one row per place or group, highest network score first; see
        safeguard.frames.places_frame."""
        from .frames import places_frame

        return places_frame(self)

    def joined(self, *, format: str = "json", viewer: TextList = None, threads: int = 1,
               exact_up_to: int = 12, limit: int = 0) -> str:
        """The joining-up triage list (docs/joining-up.md) as text, JSON or CSV: children ranked
        by what joining the agencies' records adds, each agency's score and level on its own
        records alone, the smallest sets of agencies that reach the joined level and the rules
        joining fired. `viewer` as in explain(): by default cleared for none, so restricted
        evidence is pooled as "restricted source" whatever agency holds it. A pack that
        propagates must keep its contextual risk apart from the level (contextual = "apart",
        the default; InvalidArgumentError for "included")."""
        formats = {"text": _lib.FORMAT_TEXT, "json": _lib.FORMAT_JSON, "csv": _lib.FORMAT_CSV}
        if format not in formats:
            raise InvalidArgumentError("format %r is not 'text', 'json' or 'csv'" % (format,))
        for name, value in (("threads", threads), ("exact_up_to", exact_up_to), ("limit", limit)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidArgumentError("%s must be a whole number >= 0" % name)
            _core.integer_size(value, name)
        cleared, cleared_count = text_array(viewer, "viewer")
        options = _lib.JoinedOptions(version=_lib.JoinedOptions.VERSION, format=formats[format],
                                     viewer_cleared=cleared, viewer_cleared_count=cleared_count,
                                     threads=threads, exact_up_to=exact_up_to, limit=limit)
        buffer = ctypes.c_void_p()
        size = ctypes.c_size_t()
        with self._lock:
            check(lib.sg_result_joined(ctypes.byref(buffer), ctypes.byref(size), self._pointer(),
                                       ctypes.byref(options)))
        return _core.take_text(buffer, size)

    # ---- Rendering (docs/python.md, "Reports, ecomaps and timelines") ----

    def _render_options(self, viewer: ViewerArg, case_label: typing.Optional[str],
                        pack_source: typing.Optional[str], as_of_from_evidence: bool
                        ) -> typing.Tuple["_lib.RenderOptions", typing.List[typing.Any]]:
        """sg_render_options for `viewer` and the provenance; the list keeps its arrays alive."""
        cleared, cleared_count = text_array(list(self._viewer_of(viewer)), "viewer")
        options = _lib.RenderOptions(version=_lib.RenderOptions.VERSION, viewer_cleared=cleared,
                                     viewer_cleared_count=cleared_count,
                                     as_of_from_evidence=1 if as_of_from_evidence else 0)
        keep: typing.List[typing.Any] = [cleared]
        for name, value in (("case_label", case_label), ("pack_source", pack_source)):
            if value is not None:
                encoded = text(value, name)
                keep.append(encoded)
                setattr(options, name, encoded)
        return options, keep

    def _child_list(self, children: typing.Any, name: str) -> typing.List[str]:
        if children is None:
            return []
        if isinstance(children, (str, int, ChildResult)):
            children = [children]
        return [self._ids_by_row()[self.row(child)] for child in children]

    def _render(self, function: typing.Callable[..., int], *args: typing.Any) -> str:
        buffer = ctypes.c_void_p()
        size = ctypes.c_size_t()
        with self._lock:
            check(function(ctypes.byref(buffer), ctypes.byref(size), self._pointer(), *args))
        return _core.take_text(buffer, size)

    def report(self, children: typing.Any = None, *, household: typing.Optional[str] = None,
               audience: str = "professional", viewer: ViewerArg = RESULT_VIEWER,
               ecomap_svg: typing.Optional[typing.Sequence[typing.Optional[str]]] = None,
               ecomap_note: typing.Optional[str] = None, case_label: typing.Optional[str] = None,
               pack_source: typing.Optional[str] = None,
               as_of_from_evidence: bool = False,
               family_svg: typing.Optional[str] = None) -> str:
        """The conference report (audience="professional") or its family version
        (audience="family": plain words, no scores, rule ids or hashes, restricted evidence
        never mentioned) for a sibling group, as one self-contained HTML page: `children` (ids,
        rows or ChildResults; one or a list) and the children of `household`. `viewer` as in
        child(): by default the result's, uncleared unless assess() was given one.
        `ecomap_svg` holds each child's drawn ecomap (ecomap(format="svg")), in order; without it
        the page says `ecomap_note`. `family_svg` is the family's composition drawn
        (family(format="svg")), shown under the composition table (in the family version too,
        for the family to check). `case_label`, `pack_source`
        and `as_of_from_evidence` go into the provenance. The same bytes as sg_render_report and
        `safeguard report`."""
        audiences = {"professional": _lib.AUDIENCE_PROFESSIONAL, "family": _lib.AUDIENCE_FAMILY}
        if audience not in audiences:
            raise InvalidArgumentError("audience %r is not 'professional' or 'family'"
                                       % (audience,))
        ids = self._child_list(children, "children")
        options, keep = self._render_options(viewer, case_label, pack_source, as_of_from_evidence)
        options.audience = audiences[audience]
        if household is not None:
            options.household = text(household, "household")
        if ecomap_svg is not None:
            encoded = [None if svg is None else text(svg, "ecomap_svg") for svg in ecomap_svg]
            array = (ctypes.c_char_p * max(1, len(encoded)))(*encoded)
            keep.append(array)
            options.ecomap_svg = ctypes.cast(array, ctypes.POINTER(ctypes.c_char_p))
            options.ecomap_svg_count = len(encoded)
        if ecomap_note is not None:
            options.ecomap_note = text(ecomap_note, "ecomap_note")
        if family_svg is not None:
            options.family_svg = text(family_svg, "family_svg")
        id_array, id_count = text_array(ids, "children")
        return self._render(lib.sg_render_report, id_array, id_count, ctypes.byref(options))

    def family(self, children: typing.Any = None, *, household: typing.Optional[str] = None,
               format: str = "dot", viewer: ViewerArg = RESULT_VIEWER) -> str:
        """The family's composition for the report on `children` and `household`'s (as
        report() takes them) as Graphviz DOT, or as SVG (format="svg", drawn by Graphviz's
        `dot`, GraphvizError when it is missing): the people of the report's composition
        table, households boxed, with display names and ages where the case gives names, and
        who looks after whom. The same bytes as sg_render_family."""
        if format not in ("dot", "svg"):
            raise InvalidArgumentError("format %r is not 'dot' or 'svg'" % (format,))
        ids = self._child_list(children, "children")
        options, keep = self._render_options(viewer, None, None, False)
        if household is not None:
            options.household = text(household, "household")
        id_array, id_count = text_array(ids, "children")
        dot = self._render(lib.sg_render_family, id_array, id_count, ctypes.byref(options))
        return dot if format == "dot" else draw_dot(dot)

    def ecomap(self, child: typing.Union[str, int, ChildResult], *, format: str = "dot",
               viewer: ViewerArg = RESULT_VIEWER, layout: str = "dot",
               all_evidence: bool = False, as_of_from_evidence: bool = False) -> str:
        """A child's ecomap as Graphviz DOT (format="dot"), or as SVG (format="svg") drawn by
        running Graphviz's `dot` program, which must be installed (GraphvizError otherwise):
        the library writes DOT and never starts a process itself. `viewer` as in child()."""
        if format not in ("dot", "svg"):
            raise InvalidArgumentError("format %r is not 'dot' or 'svg'" % (format,))
        row = self.row(child)
        options, keep = self._render_options(viewer, None, None, as_of_from_evidence)
        encoded_layout = text(layout, "layout")
        options.layout = encoded_layout
        options.all_evidence = 1 if all_evidence else 0
        dot = self._render(lib.sg_render_ecomap, row, ctypes.byref(options))
        return dot if format == "dot" else draw_dot(dot)

    def timeline_text(self, children: typing.Any = None, *, overdue_only: bool = False,
                      case_label: typing.Optional[str] = None,
                      as_of_from_evidence: bool = False) -> str:
        """The statutory timeline of `children` (one or a list; None: every child with process
        events) as a text table: the same bytes as sg_render_timeline and `safeguard timeline`
        writing to a file."""
        ids = self._child_list(children, "children")
        options, keep = self._render_options((), case_label, None, as_of_from_evidence)
        options.overdue_only = 1 if overdue_only else 0
        id_array, id_count = text_array(ids, "children")
        text_out = self._render(lib.sg_render_timeline, id_array, id_count, ctypes.byref(options))
        return text_out

    def joined_frame(self, *, viewer: TextList = None, threads: int = 1,
                     exact_up_to: int = 12) -> typing.Any:
        """The triage list as a pandas DataFrame, one row per child and agency; see
        safeguard.frames.joined_frame."""
        from .frames import joined_frame

        return joined_frame(self, viewer=viewer, threads=threads, exact_up_to=exact_up_to)

    def contributions_frame(self, *, viewer: ViewerArg = RESULT_VIEWER) -> typing.Any:
        """A pandas DataFrame with one row per contribution, as `viewer` (by default the
        result's, uncleared unless assess() was given one) may see them; viewer="*" for every
        detail; see safeguard.frames.contributions_frame."""
        from .frames import contributions_frame

        return contributions_frame(self, viewer=viewer)
