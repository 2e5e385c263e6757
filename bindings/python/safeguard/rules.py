"""Rule packs (sg_rules): loaded from TOML, immutable, shareable between threads."""

import ctypes
import dataclasses
import os
import typing

from . import _core, _lib
from ._core import check, lib, optional_text, string


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

    def __str__(self):
        place = self.file or ""
        if self.line:
            place += ":%d" % self.line + (":%d" % self.column if self.column else "")
        return "%s%s [%s]" % (place + ": " if place else "", self.message, self.code)


class RuleSet(_core.Handle):
    """A loaded rule pack. Its descriptive fields are read once, at load, into plain Python
    values; results keep what they need of the pack, so closing it early is safe."""

    _kind = "rule set"

    def __init__(self, pointer):
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
        self.index_ids = tuple(self._names(lib.sg_rules_index_id, pointer, info.index_count))
        self.level_ids = tuple(self._names(lib.sg_rules_level_id, pointer, info.level_count))

    @staticmethod
    def _lint(pointer):
        count = ctypes.c_size_t()
        check(lib.sg_rules_lint_count(ctypes.byref(count), pointer))
        warning = _lib.LintWarning(version=_lib.LintWarning.VERSION)
        for k in range(count.value):
            check(lib.sg_rules_lint(ctypes.byref(warning), pointer, k))
            yield LintWarning(code=string(warning.code), message=string(warning.message),
                              file=string(warning.file), line=warning.line or None,
                              column=warning.column or None, entity=string(warning.entity) or None)

    @staticmethod
    def _names(function, pointer, count):
        out = ctypes.c_char_p()
        for i in range(count):
            check(function(ctypes.byref(out), pointer, i))
            yield string(out.value)

    @classmethod
    def load(cls, path, *, limits=None):
        """Loads the TOML rule pack at `path`; `limits` (a safeguard.Limits) bounds its size."""
        out = ctypes.c_void_p()
        encoded = _core.path_text(path)
        bounds = _core.limits_struct(limits)
        if bounds is None:
            status = lib.sg_rules_load_file(ctypes.byref(out), encoded)
        else:
            status = lib.sg_rules_load_file_with_limits(ctypes.byref(out), encoded,
                                                        ctypes.byref(bounds))
        check(status, os.fsdecode(path))
        return cls._adopt(out.value)

    @classmethod
    def loads(cls, data, name=None, *, limits=None):
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
    def _adopt(cls, pointer):
        # The first thing __init__ does is take ownership, so a failure after it still frees.
        return cls(pointer)

    def __repr__(self):
        return "<safeguard.RuleSet %s %s%s>" % (self.id, self.version,
                                               " closed" if self.closed else "")
