"""Responsible scoring (docs/audit.md): a result joined to the host's outcomes and protected group
attributes. Validation (ROC AUC per index, for the total and for the level, with bootstrap
intervals; outcome rate per level with Wilson intervals) and the disparity audit by group (level
distribution, outcome rate per level, false positive and negative rates at each level threshold,
ratios to a reference group with intervals, flags outside a band). The figures come from the
library (sg_audit_run), so they are the same bytes as the CLI's and the C API's.

    audit = safeguard.audit(result, "outcomes.csv", "groups.csv")
    audit.discrimination            # a pandas DataFrame
    audit.flags                     # one sentence per ratio outside the band

Outcomes are a CSV path (``child_id,outcome``) or a mapping child id -> 0/1 (a pandas Series
works); groups a CSV path (``child_id,ATTRIBUTE,...``), a mapping child id -> {attribute: value}
or a pandas DataFrame indexed by child id with one column per attribute. ``record=graph`` takes
the group attributes the graph records for its children instead (a census return's Sex and
Ethnicity, safeguard.cin.read): with groups too, the file's value wins per child and attribute
and a "group-clash" warning names the children where they differ. A rule pack whose rules read
a protected attribute is refused (InvalidDataError naming the rule).
"""

import ctypes
import datetime
import json
import os
import typing

from . import _core
from . import _lib
from ._core import check, date_text, lib
from .errors import InvalidArgumentError
from .graph import Graph
from .record import Record, RecordTime, _known_at
from .result import RESULT_VIEWER, Result, ViewerArg
from .rules import RuleSet

PathLike = typing.Union[str, "os.PathLike[str]"]
OutcomesArg = typing.Union[PathLike, typing.Mapping[str, int], typing.Any]
GroupsArg = typing.Union[PathLike, typing.Mapping[str, typing.Mapping[str, str]], typing.Any]

TABLES = ("discrimination", "calibration", "level_distribution", "outcome_by_level",
          "error_rates")
COLUMNS = ("table", "measure", "attribute", "group", "level", "level_id", "count", "denominator",
           "value", "low", "high", "ratio", "ratio_low", "ratio_high", "flag", "note")


def _plain(value: object, what: str) -> str:
    text = str(value)
    if any(c in text for c in ',"\r\n'):
        raise InvalidArgumentError("%s %r has a comma, quote or line break, which the audit's "
                                   "CSV cannot carry" % (what, text))
    return text


def _read(path: PathLike) -> typing.Tuple[bytes, str]:
    with open(path, "rb") as f:
        return f.read(), os.fspath(path)


def outcomes_csv(outcomes: typing.Mapping[str, int], horizon: str = "") -> str:
    """The outcomes file for a mapping child id -> 0/1 (what the library reads)."""
    lines = []
    if horizon:
        lines.append("# horizon: " + _plain(horizon, "horizon").replace("\n", " "))
    lines.append("child_id,outcome")
    for child, outcome in outcomes.items():
        value = int(outcome)
        if value not in (0, 1) or value != outcome:
            raise InvalidArgumentError("outcome of %r must be 0 or 1, not %r" % (child, outcome))
        lines.append("%s,%d" % (_plain(child, "child id"), value))
    return "\n".join(lines) + "\n"


def groups_csv(groups: typing.Any) -> str:
    """The group-attributes file for a mapping child id -> {attribute: value} or a pandas
    DataFrame indexed by child id (missing values: not recorded)."""
    if hasattr(groups, "columns") and hasattr(groups, "itertuples"):
        attributes = [str(c) for c in groups.columns]
        rows = []
        for row in groups.itertuples(index=True, name=None):
            values = ["" if v is None or v != v else _plain(v, "group value") for v in row[1:]]
            rows.append((str(row[0]), values))
    else:
        seen: typing.Dict[str, None] = {}
        for values in groups.values():
            for name in values:
                seen.setdefault(str(name), None)
        attributes = list(seen)
        rows = [(str(child), ["" if values.get(a) is None else _plain(values.get(a), "group value")
                              for a in attributes])
                for child, values in groups.items()]
    lines = [",".join(["child_id"] + [_plain(a, "attribute") for a in attributes])]
    for child, values in rows:
        lines.append(",".join([_plain(child, "child id")] + values))
    return "\n".join(lines) + "\n"


class _AuditInputs(_core.Handle):
    """The library's sg_audit: the outcomes and groups, parsed and checked."""

    _kind = "audit"

    def __init__(self, outcomes: OutcomesArg, groups: typing.Optional[GroupsArg],
                 horizon: str, record: typing.Optional[typing.Union[Graph, Record]] = None,
                 as_of: typing.Optional[datetime.date] = None,
                 known_at: typing.Optional[RecordTime] = None) -> None:
        if isinstance(outcomes, (str, os.PathLike)):
            data, name = _read(outcomes)
        else:
            data, name = outcomes_csv(outcomes, horizon).encode("utf-8"), "outcomes"
        out = ctypes.c_void_p()
        check(lib.sg_audit_new(ctypes.byref(out), data, len(data), name.encode("utf-8")))
        super().__init__(out.value, lib.sg_audit_free)
        if isinstance(record, Record):
            if as_of is None:
                raise InvalidArgumentError("record= a safeguard.Record needs the result's as_of")
            with record._lock:
                check(lib.sg_audit_set_record_groups_at(
                    self._pointer(), record._pointer(), date_text(as_of, "as_of", required=True),
                    _known_at(known_at)))
        elif record is not None:
            if not isinstance(record, Graph):
                raise TypeError("record must be a safeguard.Graph or safeguard.Record, not %s"
                                % type(record).__name__)
            if known_at is not None:
                raise InvalidArgumentError("known_at is for record= a safeguard.Record")
            with record._lock:
                check(lib.sg_audit_set_record_groups(self._pointer(), record._pointer()))
        if groups is None:  # without groups: overall figures, or the record's groups only
            return
        if isinstance(groups, (str, os.PathLike)):
            data, name = _read(groups)
        else:
            data, name = groups_csv(groups).encode("utf-8"), "groups"
        check(lib.sg_audit_set_groups(self._pointer(), data, len(data), name.encode("utf-8")))


class Audit:
    """What safeguard.audit() found. `document` is the library's JSON (docs/audit.md); the
    tables are pandas DataFrames with the columns of Audit.COLUMNS."""

    COLUMNS = COLUMNS

    def __init__(self, render: typing.Callable[[int], str]) -> None:
        self.document: typing.Dict[str, typing.Any] = json.loads(render(_lib.FORMAT_JSON))
        self._csv: typing.Optional[str] = None
        self._render = render

    def to_csv(self) -> str:
        """The library's CSV: one line per row, header first (the same bytes as the CLI's). The
        first call runs the audit again (the bootstrap is most of its cost), so the result (or
        rules) it came from must still be open then."""
        if self._csv is None:
            self._csv = self._render(_lib.FORMAT_CSV)
        return self._csv

    def tables_html(self) -> str:
        """The library's HTML page of tables, without plots (as `safeguard audit --format html`).
        It runs the audit again, so the result (or rules) it came from must still be open."""
        return self._render(_lib.FORMAT_HTML)

    @property
    def flags(self) -> typing.List[str]:
        """One sentence per ratio outside the band beyond chance (docs/audit.md, "Ratios and
        flags")."""
        return list(self.document["flags"])

    @property
    def warnings(self) -> typing.List[typing.Tuple[str, str]]:
        """(code, message) pairs: small samples, children without an outcome, ..."""
        return [(w["code"], w["message"]) for w in self.document["warnings"]]

    @property
    def levels(self) -> typing.List[str]:
        return list(self.document["levels"])

    @property
    def references(self) -> typing.Dict[str, str]:
        """The reference group of each attribute."""
        return {a["attribute"]: a["reference"] for a in self.document["attributes"]}

    def frame(self, table: typing.Optional[str] = None) -> typing.Any:
        """Every row (table=None) or one table's rows as a pandas DataFrame; missing figures
        are NaN."""
        import pandas

        if table is not None and table not in TABLES:
            raise InvalidArgumentError("table %r is not one of %s" % (table, ", ".join(TABLES)))
        rows = [r for r in self.document["rows"] if table is None or r["table"] == table]
        frame = pandas.DataFrame([[r[c] for c in COLUMNS] for r in rows], columns=list(COLUMNS))
        for column in ("value", "low", "high", "ratio", "ratio_low", "ratio_high"):
            frame[column] = frame[column].astype("float64")
        # Suppressed for disclosure control: count and denominator are None, figures NaN.
        frame["suppressed"] = [bool(r.get("suppressed", False)) for r in rows]
        frame.attrs.update(as_of=self.document["as_of"], horizon=self.document["horizon"],
                           rules_id=self.document["pack"]["id"],
                           rules_hash=self.document["pack"]["hash"])
        return frame

    @property
    def discrimination(self) -> typing.Any:
        return self.frame("discrimination")

    @property
    def calibration(self) -> typing.Any:
        return self.frame("calibration")

    @property
    def level_distribution(self) -> typing.Any:
        return self.frame("level_distribution")

    @property
    def outcome_by_level(self) -> typing.Any:
        return self.frame("outcome_by_level")

    @property
    def error_rates(self) -> typing.Any:
        return self.frame("error_rates")

    def auc(self, measure: str = "level") -> typing.Tuple[float, float, float]:
        """(AUC, low, high) of "level", "total" or "index:ID"; NaN where not reported."""
        for row in self.document["rows"]:
            if row["table"] == "discrimination" and row["measure"] == measure:
                value, low, high = (float("nan") if row[k] is None else float(row[k])
                                    for k in ("value", "low", "high"))
                return value, low, high
        raise InvalidArgumentError("no discrimination measure %r" % (measure,))

    def html(self) -> str:
        """A self-contained HTML report with inline SVG plots (needs matplotlib); see
        safeguard.audit_report."""
        from .audit_report import audit_html

        return audit_html(self)


def _options(seed: int, bootstrap: int, min_events: int, min_count: int,
             band: typing.Tuple[float, float],
             reference: typing.Optional[typing.Mapping[str, str]],
             suppress_below: int) -> _lib.AuditOptions:
    references = ["%s=%s" % (k, v) for k, v in (reference or {}).items()]
    array, count = _core.text_array(references, "reference")
    # ctypes keeps `array` alive in the struct's _objects for as long as the struct lives.
    return _lib.AuditOptions(version=_lib.AuditOptions.VERSION, format=_lib.FORMAT_JSON,
                             seed=_core.integer_of(seed, "seed", ctypes.c_ulonglong),
                             bootstrap=_core.integer_size(bootstrap, "bootstrap"),
                             min_events=_core.integer_size(min_events, "min_events"),
                             min_count=_core.integer_size(min_count, "min_count"),
                             band_low=float(band[0]), band_high=float(band[1]), references=array,
                             reference_count=count,
                             suppress_below=_core.integer_size(suppress_below, "suppress_below"))


def _take(call: typing.Callable[[typing.Any, typing.Any], int]) -> str:
    buffer = ctypes.c_void_p()
    size = ctypes.c_size_t()
    check(call(ctypes.byref(buffer), ctypes.byref(size)))
    return _core.take_text(buffer, size)


_UNSET: typing.Any = object()


def audit(result: Result, outcomes: OutcomesArg, groups: typing.Optional[GroupsArg] = None, *,
          record: typing.Optional[typing.Union[Graph, Record]] = None,
          known_at: typing.Optional[RecordTime] = _UNSET, horizon: str = "",
          seed: int = 1, bootstrap: int = 1000, min_events: int = 10, min_count: int = 30,
          band: typing.Tuple[float, float] = (0.8, 1.25),
          reference: typing.Optional[typing.Mapping[str, str]] = None,
          suppress_below: int = 5) -> Audit:
    """Audits `result` against the host's outcomes and protected group attributes (module
    docstring): `groups`, the attributes `record` holds for its children, or both (the file
    wins per child and attribute; differences are warned). `record` is the Graph assessed, or a
    Record: then its attributes as of the result's date as known at `known_at` (default: the
    known_at the result was assessed with by Record.assess; None: everything), so that
    ``audit(record.assess(rules, as_of, known_at=t), outcomes, record=record)`` is the audit of
    the case file ``record.export(as_of, known_at=t)``. `horizon` states what a mapping's
    outcome means (a file says it on its '# horizon:' line). A ratio is flagged when it leaves
    `band` beyond chance, adjusted for the number of ratios (docs/audit.md); `reference` names
    an attribute's reference group (default: its largest). A figure resting on fewer than
    `suppress_below` children, and any figure that would reveal one, is suppressed (None, with
    "suppressed" true); 0 turns that off, for the analyst's own work only."""
    if not isinstance(result, Result):
        raise TypeError("result must be a safeguard.Result, not %s" % type(result).__name__)
    options = _options(seed, bootstrap, min_events, min_count, band, reference, suppress_below)
    if known_at is _UNSET:
        known_at = getattr(result, "known_at", None) if isinstance(record, Record) else None
    inputs = _AuditInputs(outcomes, groups, horizon, record, result.as_of, known_at)

    def render(fmt: int) -> str:
        options.format = fmt
        with inputs._lock, result._lock:
            return _take(lambda out, size: int(lib.sg_audit_run(out, size, inputs._pointer(),
                                                                result._pointer(),
                                                                ctypes.byref(options))))

    return Audit(render)


def result_rows(result: Result) -> str:
    """The result as the library's rows file (per child: id, level, total, index scores), what
    a partition contributes to an audit over many caseloads (safeguard.audit_partitions)."""
    with result._lock:
        return _take(lambda out, size: int(lib.sg_result_audit_rows(out, size,
                                                                    result._pointer())))


def run_rows(rows: str, rules: typing.Union[str, RuleSet], outcomes: OutcomesArg,
             groups: GroupsArg, *, horizon: str = "", seed: int = 1, bootstrap: int = 1000,
             min_events: int = 10, min_count: int = 30,
             band: typing.Tuple[float, float] = (0.8, 1.25),
             reference: typing.Optional[typing.Mapping[str, str]] = None,
             suppress_below: int = 5) -> Audit:
    """The audit of rows files run together (result_rows of each partition), assessed with
    `rules` (a RuleSet, a bundled name or a path): the same report as audit() on one result
    holding every child."""
    pack = rules if isinstance(rules, RuleSet) else RuleSet.load(rules)
    options = _options(seed, bootstrap, min_events, min_count, band, reference, suppress_below)
    inputs = _AuditInputs(outcomes, groups, horizon)
    data = rows.encode("utf-8")

    def render(fmt: int) -> str:
        options.format = fmt
        with inputs._lock, pack._lock:
            return _take(lambda out, size: int(lib.sg_audit_run_rows(
                out, size, inputs._pointer(), pack._pointer(), data, len(data),
                ctypes.byref(options))))

    return Audit(render)


def check_rules(rules: RuleSet, groups: GroupsArg) -> None:
    """Raises InvalidDataError, naming the rule and where it is, when a rule or override of
    `rules` reads one of the protected attributes (or values) of `groups`."""
    with _AuditInputs({}, groups, "") as inputs:
        with rules._lock:
            check(lib.sg_audit_check_rules(inputs._pointer(), rules._pointer()))


def _toml_key(text: str) -> str:
    """A TOML quoted key (rule, index and level ids may hold characters a bare key cannot)."""
    return json.dumps(str(text), ensure_ascii=False)


def what_if_spec(without: typing.Iterable[str] = (),
                 weights: typing.Optional[typing.Mapping[str, float]] = None,
                 thresholds: typing.Optional[typing.Mapping[str, typing.Mapping[str, float]]]
                 = None) -> str:
    """The what-if spec (TOML, docs/audit.md) for these changes: rules removed, rules' points
    multiplied ({rule: multiplier}), levels' minimum scores set ({index: {level: score}})."""
    if isinstance(without, str):
        without = [without]
    lines = ["remove = [%s]" % ", ".join(_toml_key(r) for r in without)]
    if weights:
        lines.append("[weights]")
        lines.extend("%s = %r" % (_toml_key(r), float(m)) for r, m in weights.items())
    for index, levels in (thresholds or {}).items():
        lines.append("[thresholds.%s]" % _toml_key(index))
        lines.extend("%s = %r" % (_toml_key(level), float(score))
                     for level, score in levels.items())
    return "\n".join(lines) + "\n"


class WhatIf:
    """What safeguard.what_if() found: the library's JSON as `document` (docs/audit.md,
    "What-if") and its tables as pandas DataFrames."""

    def __init__(self, document: typing.Dict[str, typing.Any], csv: str) -> None:
        self.document = document
        self._csv = csv

    def to_csv(self) -> str:
        """The library's CSV (the same bytes as `safeguard what-if --format csv`)."""
        return self._csv

    @property
    def levels(self) -> typing.List[str]:
        return list(self.document["levels"])

    @property
    def hash_before(self) -> str:
        return str(self.document["pack"]["hash_before"])

    @property
    def hash_after(self) -> str:
        return str(self.document["pack"]["hash_after"])

    @property
    def withheld_children(self) -> int:
        """Children left out of every table: their results draw on evidence withheld from the
        viewer, so whether they move would tell what that evidence is worth (0 for a viewer who
        sees every restricted concern)."""
        return int(self.document["withheld_children"])

    @property
    def lint(self) -> typing.List[typing.Tuple[str, str]]:
        """(code, message) of each lint finding on the changed pack."""
        return [(w["code"], w["message"]) for w in self.document["lint"]]

    @property
    def changed(self) -> typing.Any:
        """One row per child whose level changes: id, before, after (level ids) and rules (the
        rules whose points changed for it, as the viewer may see them)."""
        import pandas

        rows = [(c["id"], c["before"], c["after"], list(c["rules"]))
                for c in self.document["changed"]]
        return pandas.DataFrame(rows, columns=["id", "before", "after", "rules"])

    @property
    def groups(self) -> typing.Any:
        """One row per group (attribute "" for every child): children, up, down, share_moved."""
        import pandas

        entries = [dict(self.document["overall"], attribute="", group="")]
        entries.extend(self.document["groups"])
        rows = [(g["attribute"], g["group"], g["children"], g["up"], g["down"],
                 float("nan") if g["share_moved"] is None else float(g["share_moved"]))
                for g in entries]
        return pandas.DataFrame(rows, columns=["attribute", "group", "children", "up", "down",
                                               "share_moved"])

    @property
    def transitions(self) -> typing.Any:
        """Every (attribute, group, from, to, count); attribute "" for every child."""
        import pandas

        levels = self.levels
        entries = [dict(self.document["overall"], attribute="", group="")]
        entries.extend(self.document["groups"])
        rows = []
        for g in entries:
            for i, line in enumerate(g["transitions"]):
                for j, count in enumerate(line):
                    rows.append((g["attribute"], g["group"], levels[i], levels[j],
                                 None if count is None else int(count)))
        return pandas.DataFrame(rows, columns=["attribute", "group", "from", "to", "count"])


def what_if(result: Result, groups: typing.Optional[GroupsArg] = None, *,
            record: typing.Optional[typing.Union[Graph, Record]] = None,
            known_at: typing.Optional[RecordTime] = _UNSET, without: typing.Iterable[str] = (),
            weights: typing.Optional[typing.Mapping[str, float]] = None,
            thresholds: typing.Optional[typing.Mapping[str, typing.Mapping[str, float]]] = None,
            spec: typing.Optional[str] = None, threads: int = 1,
            viewer: ViewerArg = RESULT_VIEWER, suppress_below: int = 5) -> WhatIf:
    """Reassesses `result`'s case as of its date with its pack changed (rules `without`,
    `weights` {rule: multiplier}, `thresholds` {index: {level: score}}, or a what-if `spec` in
    TOML) and reports which children change level, overall and per group of `groups` (as for
    audit(), with `record` and `known_at` as there). The pack itself never changes.
    NotFoundError names an unknown rule, index or level. `viewer` (default: the result's)
    decides which changed rules a child's row may name. A group's figure resting on fewer than
    `suppress_below` children, and any that would reveal one, is None (0: off)."""
    if not isinstance(result, Result):
        raise TypeError("result must be a safeguard.Result, not %s" % type(result).__name__)
    if spec is None:
        spec = what_if_spec(without, weights, thresholds)
    elif without or weights or thresholds:
        raise InvalidArgumentError("give either spec or without/weights/thresholds, not both")
    spec_bytes = spec.encode("utf-8")
    cleared, cleared_count = _core.text_array(result._viewer_of(viewer), "viewer")
    thread_count = _core.integer_of(threads, "threads", ctypes.c_uint)
    options = _lib.WhatIfOptions(version=_lib.WhatIfOptions.VERSION, format=_lib.FORMAT_JSON,
                                 threads=thread_count, spec=spec_bytes,
                                 spec_size=len(spec_bytes), viewer_cleared=cleared,
                                 viewer_cleared_count=cleared_count,
                                 suppress_below=_core.integer_size(suppress_below,
                                                                   "suppress_below"))
    if known_at is _UNSET:
        known_at = getattr(result, "known_at", None) if isinstance(record, Record) else None
    inputs = _AuditInputs({}, groups, "", record, result.as_of, known_at)

    def render(fmt: int) -> str:
        options.format = fmt
        with inputs._lock, result._lock:
            return _take(lambda out, size: int(lib.sg_audit_what_if(
                out, size, inputs._pointer(), result._pointer(), ctypes.byref(options))))

    with inputs:
        document = json.loads(render(_lib.FORMAT_JSON))
        table = render(_lib.FORMAT_CSV)
    return WhatIf(document, table)


class Refit:
    """What safeguard.refit() proposes (docs/audit.md, "Refitting"): the library's JSON as
    `document`, the per-rule figures as a DataFrame, the diff and the new pack version's TOML.
    A proposal for review: nothing here changes a pack."""

    def __init__(self, document: typing.Dict[str, typing.Any], diff: str,
                 pack_text: typing.Optional[str]) -> None:
        self.document = document
        self.diff = diff
        self._pack_text = pack_text

    @property
    def new_version(self) -> str:
        return str(self.document["pack"]["new_version"])

    @property
    def auc_original(self) -> float:
        return float(self.document["auc_original"])

    @property
    def auc_refit(self) -> float:
        return float(self.document["auc_refit"])

    @property
    def withheld_children(self) -> int:
        """Children with an outcome left out of the fit: their results draw on evidence withheld
        from the reader (0 for a reader who sees every restricted concern)."""
        return int(self.document["withheld_children"])

    @property
    def rules(self) -> typing.Any:
        """One row per rule: id, fired_positive, fired_negative, estimable, coefficient,
        multiplier, written, note."""
        import pandas

        columns = ["id", "fired_positive", "fired_negative", "estimable", "coefficient",
                   "multiplier", "written", "note"]
        return pandas.DataFrame([[r[c] for c in columns] for r in self.document["rules"]],
                                columns=columns)

    def pack_toml(self) -> str:
        """The new pack version (TOML, comments kept, version bumped). InvalidArgumentError when
        the pack was neither bundled nor given as pack_text to safeguard.refit()."""
        if self._pack_text is None:
            raise InvalidArgumentError("the pack is not a bundled one: give its TOML as "
                                       "pack_text to safeguard.refit()")
        return self._pack_text


def refit(result: Result, outcomes: OutcomesArg, *, horizon: str = "", seed: int = 1,
          folds: int = 5, min_firing: int = 20,
          pack_text: typing.Optional[str] = None, viewer: ViewerArg = RESULT_VIEWER) -> Refit:
    """Proposed rule weights fitted to `outcomes` for `result` (docs/audit.md, "Refitting"):
    L2-regularised logistic regression on each rule's points with the pack's total as an
    offset, the penalty chosen by `folds`-fold cross-validation (households whole, seeded).
    `pack_text` is the TOML the result's pack came from (default: the bundled pack with its
    hash), from which the new version is written. Nothing is applied. `viewer` (default: the
    result's) is who reads it: unless cleared for every restricted concern, children whose
    results draw on evidence withheld from them are left out of the fit and only counted
    (Refit.withheld_children)."""
    if not isinstance(result, Result):
        raise TypeError("result must be a safeguard.Result, not %s" % type(result).__name__)
    text = None if pack_text is None else pack_text.encode("utf-8")
    cleared, cleared_count = _core.text_array(result._viewer_of(viewer), "viewer")
    options = _lib.RefitOptions(version=_lib.RefitOptions.VERSION, format=_lib.FORMAT_JSON,
                                seed=_core.integer_of(seed, "seed", ctypes.c_ulonglong),
                                folds=_core.integer_size(folds, "folds"),
                                min_firing=_core.integer_size(min_firing, "min_firing"),
                                pack_text=text, pack_text_size=0 if text is None else len(text),
                                viewer_cleared=cleared, viewer_cleared_count=cleared_count)

    def render(fmt: int) -> str:
        options.format = fmt
        with inputs._lock, result._lock:
            return _take(lambda out, size: int(lib.sg_audit_refit(
                out, size, inputs._pointer(), result._pointer(), ctypes.byref(options))))

    with _AuditInputs(outcomes, None, horizon) as inputs:
        document = json.loads(render(_lib.FORMAT_JSON))
        diff = render(_lib.FORMAT_TEXT)
        try:
            new_pack: typing.Optional[str] = render(_lib.FORMAT_TOML)
        except InvalidArgumentError:
            new_pack = None
    return Refit(document, diff, new_pack)
