"""Rule packs (sg_rules): loaded from TOML or by a bundled pack's name, immutable, shareable
between threads, and open to inspection: indices, levels, rules, reach, caps and overrides."""

import ctypes
import dataclasses
import os
import typing

from . import _core, _lib
from ._core import check, lib, optional_text, string
from .errors import InternalError
from .limits import Limits


@dataclasses.dataclass(frozen=True)
class Timescales:
    """The statutory timescales a pack's timeline uses, and which discretionary overrides it
    accepts ("raise_and_lower", "raise_only", "lower_only" or "none")."""

    referral_decision_working_days: int
    assessment_working_days: int
    initial_conference_working_days: int
    first_review_months: int
    review_interval_months: int
    discretionary: str


@dataclasses.dataclass(frozen=True)
class LintWarning:
    """A finding about a pack that loads but probably does not say what its author meant."""

    code: str  # stable: "unused-index", "rule-never-fires", "unreachable-level", ...
    message: str  # names the ids involved
    file: str  # the pack's name as loaded
    line: typing.Optional[int]  # None when unknown
    column: typing.Optional[int]
    entity: typing.Optional[str]  # the rule, override, index or level concerned

    def __str__(self) -> str:
        place = self.file or ""
        if self.line:
            place += ":%d" % self.line + (":%d" % self.column if self.column else "")
        return "%s%s [%s]" % (place + ": " if place else "", self.message, self.code)


@dataclasses.dataclass(frozen=True)
class Level:
    """A level of need: a score at or above `min` reaches it (unless an index sets its own
    thresholds; see Index.thresholds)."""

    id: str
    title: str
    min: float


@dataclasses.dataclass(frozen=True)
class Index:
    """An independent score dimension (abuse, neglect...) and the score at which it reaches each
    level, by level id."""

    id: str
    title: str
    thresholds: typing.Dict[str, float]
    # "child", or "adult" for an index of results for adults (Result.adults)
    subject: str = "child"


@dataclasses.dataclass(frozen=True)
class Rule:
    """A weighted rule as the pack states it."""

    id: str
    title: str
    index: str  # the index it scores on
    heading: str  # "harm", "danger", "complicating", "safety" or "strength"
    over: str  # what it ranges over: "concern", "factor" or "child"
    condition: str  # the `when` expression as written ("" when it has none)
    points: str  # the points expression as written (a number is one too)
    half_life_days: typing.Optional[float]  # None: no decay
    cap: typing.Optional[float]  # None: no cap on the rule's total for a child
    reach: typing.Dict[str, float]  # relation ("self", "sibling", ...) -> factor
    line: typing.Optional[int]  # where it starts in the pack


@dataclasses.dataclass(frozen=True)
class PolicyOverride:
    """A policy override: when its condition holds, a child's level is at least `min_level`
    (its floor), and it may flag an immediate safety threat."""

    id: str
    reason: str
    condition: str
    min_level: typing.Optional[str]  # level id of the floor; None when it sets none
    immediate_safety: bool
    line: typing.Optional[int]


def bundled() -> typing.Tuple[str, ...]:
    """Names of the rule packs bundled in the library ("default", "dash", ...), each loadable
    with RuleSet.load(name)."""
    count = ctypes.c_size_t()
    check(lib.sg_rules_bundled_count(ctypes.byref(count)))
    name = ctypes.c_char_p()
    names = []
    for k in range(count.value):
        check(lib.sg_rules_bundled_name(ctypes.byref(name), k))
        names.append(string(name.value) or "")
    return tuple(names)


class RuleSet(_core.Handle):
    """A loaded rule pack. Its descriptive fields are read once, at load, into plain Python
    values, answered while the pack is open (ClosedError after close(), as for every call);
    results keep what they need of the pack, so closing it early is safe."""

    _kind = "rule set"

    id: "_core.Kept[str]" = _core.Kept()
    version: "_core.Kept[str]" = _core.Kept()
    title: "_core.Kept[str]" = _core.Kept()
    hash: "_core.Kept[str]" = _core.Kept()
    rule_count: "_core.Kept[int]" = _core.Kept()
    override_count: "_core.Kept[int]" = _core.Kept()
    timescales: "_core.Kept[Timescales]" = _core.Kept()
    lint: "_core.Kept[typing.Tuple[LintWarning, ...]]" = _core.Kept()
    levels: "_core.Kept[typing.Tuple[Level, ...]]" = _core.Kept()
    level_ids: "_core.Kept[typing.Tuple[str, ...]]" = _core.Kept()
    indices: "_core.Kept[typing.Tuple[Index, ...]]" = _core.Kept()
    index_ids: "_core.Kept[typing.Tuple[str, ...]]" = _core.Kept()
    rules: "_core.Kept[typing.Tuple[Rule, ...]]" = _core.Kept()
    overrides: "_core.Kept[typing.Tuple[PolicyOverride, ...]]" = _core.Kept()

    def __init__(self, pointer: int) -> None:
        super().__init__(pointer, lib.sg_rules_free)
        info = _lib.RulesInfo(version=_lib.RulesInfo.VERSION)
        check(lib.sg_rules_info_get(ctypes.byref(info), pointer))
        self.id = string(info.id)
        self.version = string(info.pack_version)
        self.title = string(info.title)
        self.hash = string(info.hash)
        self.rule_count = info.rule_count
        self.override_count = info.override_count
        timescales = _lib.Timescales(version=_lib.Timescales.VERSION)
        check(lib.sg_rules_timescales(ctypes.byref(timescales), pointer))
        self.timescales = Timescales(
            referral_decision_working_days=timescales.referral_decision_working_days,
            assessment_working_days=timescales.assessment_working_days,
            initial_conference_working_days=timescales.initial_conference_working_days,
            first_review_months=timescales.first_review_months,
            review_interval_months=timescales.review_interval_months,
            discretionary=string(timescales.discretionary))
        self.lint = tuple(self._lint(pointer))
        self.levels = tuple(self._levels(pointer, info.level_count))
        self.level_ids = tuple(level.id for level in self.levels)
        self.indices = tuple(self._indices(pointer, info.index_count))
        self.index_ids = tuple(index.id for index in self.indices)
        self.rules = tuple(self._rules(pointer, info.rule_count))
        self.overrides = tuple(
            self._overrides(pointer, info.override_count))

    @staticmethod
    def _lint(pointer: int) -> typing.Iterator[LintWarning]:
        count = ctypes.c_size_t()
        check(lib.sg_rules_lint_count(ctypes.byref(count), pointer))
        warning = _lib.LintWarning(version=_lib.LintWarning.VERSION)
        for k in range(count.value):
            check(lib.sg_rules_lint(ctypes.byref(warning), pointer, k))
            yield LintWarning(code=string(warning.code), message=string(warning.message),
                              file=string(warning.file), line=warning.line or None,
                              column=warning.column or None, entity=string(warning.entity) or None)

    @staticmethod
    def _levels(pointer: int, count: int) -> typing.Iterator[Level]:
        level = _lib.LevelDef(version=_lib.LevelDef.VERSION)
        for k in range(count):
            check(lib.sg_rules_level(ctypes.byref(level), pointer, k))
            yield Level(id=string(level.id), title=string(level.title), min=level.min)

    def _indices(self, pointer: int, count: int) -> typing.Iterator[Index]:
        index = _lib.IndexDef(version=_lib.IndexDef.VERSION)
        threshold = ctypes.c_double()
        for k in range(count):
            check(lib.sg_rules_index(ctypes.byref(index), pointer, k))
            thresholds = {}
            for level_number, level in enumerate(self.levels):
                check(lib.sg_rules_index_threshold(ctypes.byref(threshold), pointer, k,
                                                   level_number))
                thresholds[level.id] = threshold.value
            yield Index(id=string(index.id), title=string(index.title), thresholds=thresholds,
                        subject=string(index.subject))

    @staticmethod
    def _rules(pointer: int, count: int) -> typing.Iterator[Rule]:
        rule = _lib.RuleDef(version=_lib.RuleDef.VERSION)
        path = ctypes.c_char_p()
        factor = ctypes.c_double()
        for k in range(count):
            check(lib.sg_rules_rule(ctypes.byref(rule), pointer, k))
            reach = {}
            for j in range(rule.reach_count):
                check(lib.sg_rules_rule_reach(ctypes.byref(path), ctypes.byref(factor), pointer, k,
                                              j))
                reach[string(path.value) or ""] = factor.value
            yield Rule(id=string(rule.id), title=string(rule.title), index=string(rule.index_id),
                       heading=string(rule.heading), over=string(rule.over),
                       condition=string(rule.condition), points=string(rule.points),
                       half_life_days=rule.half_life_days or None, cap=rule.cap or None,
                       reach=reach, line=rule.line or None)

    @staticmethod
    def _overrides(pointer: int, count: int) -> typing.Iterator[PolicyOverride]:
        item = _lib.PolicyOverrideDef(version=_lib.PolicyOverrideDef.VERSION)
        for k in range(count):
            check(lib.sg_rules_override(ctypes.byref(item), pointer, k))
            yield PolicyOverride(id=string(item.id), reason=string(item.reason),
                                 condition=string(item.condition),
                                 min_level=string(item.min_level_id),
                                 immediate_safety=bool(item.immediate_safety),
                                 line=item.line or None)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError when the pack has none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def override(self, override_id: str) -> PolicyOverride:
        """The policy override with this id (KeyError when the pack has none)."""
        for item in self.overrides:
            if item.id == override_id:
                return item
        raise KeyError(override_id)

    @classmethod
    def load(cls, path: _core.PathLike, *, limits: typing.Optional[Limits] = None) -> "RuleSet":
        """Loads the TOML rule pack at `path`, or the pack bundled in the library under that name
        ("default"; see safeguard.bundled_packs()) when no such file exists. `limits` (a
        safeguard.Limits) bounds its size."""
        out = ctypes.c_void_p()
        encoded = _core.path_text(path)
        bounds = _core.limits_struct(limits)
        bounds_pointer = None if bounds is None else ctypes.byref(bounds)
        if isinstance(path, str) and path in bundled() and not os.path.exists(path):
            check(lib.sg_rules_load_bundled(ctypes.byref(out), encoded, bounds_pointer))
        elif bounds is None:
            check(lib.sg_rules_load_file(ctypes.byref(out), encoded))
        else:
            check(lib.sg_rules_load_file_with_limits(ctypes.byref(out), encoded, bounds_pointer))
        return cls._adopt(out.value)

    @classmethod
    def bundled(cls, name: str, *, limits: typing.Optional[Limits] = None) -> "RuleSet":
        """Loads the pack bundled in the library under `name` (NotFoundError listing the
        bundled names when there is none), whatever files the working directory holds."""
        out = ctypes.c_void_p()
        bounds = _core.limits_struct(limits)
        check(lib.sg_rules_load_bundled(ctypes.byref(out), _core.text(name, "name"),
                                        None if bounds is None else ctypes.byref(bounds)))
        return cls._adopt(out.value)

    @classmethod
    def loads(cls, data: _core.Data, name: typing.Optional[str] = None, *,
              limits: typing.Optional[Limits] = None) -> "RuleSet":
        """Loads a rule pack held in memory (str or bytes); `name` labels error messages."""
        content = _core.data_bytes(data)
        label = optional_text(name, "name")
        bounds = _core.limits_struct(limits)
        out = ctypes.c_void_p()
        if bounds is None:
            status = lib.sg_rules_load_buffer(ctypes.byref(out), content, len(content), label)
        else:
            status = lib.sg_rules_load_buffer_with_limits(ctypes.byref(out), content,
                                                          len(content), label,
                                                          ctypes.byref(bounds))
        check(status)
        return cls._adopt(out.value)

    @classmethod
    def _adopt(cls, pointer: typing.Optional[int]) -> "RuleSet":
        # The first thing __init__ does is take ownership, so a failure after it still frees.
        if pointer is None:
            raise InternalError("the library returned no rule pack and no error")
        return cls(pointer)

    def __repr__(self) -> str:
        return "<safeguard.RuleSet %s %s%s>" % (RuleSet.id.peek(self), RuleSet.version.peek(self),
                                               " closed" if self.closed else "")
