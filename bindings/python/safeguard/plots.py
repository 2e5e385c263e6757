"""Plots of results with matplotlib (Debian: python3-matplotlib): levels by group or by date,
one child's scores over a series of dates, and a child's contributions as a waterfall.

Each function draws on the matplotlib Axes given as `ax`, or on a new Figure (made without
pyplot, so it works with no display: save it with ``ax.figure.savefig(path)``), and returns the
Axes. Plots show ids and numbers only, never personal details; a viewer who is not cleared for
restricted evidence sees all of it as one bar under the pack's neutral title, as in every other
rendering.
"""

import datetime
import typing

try:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
except ImportError:
    raise ImportError("safeguard.plots needs matplotlib (Debian: apt-get install "
                      "python3-matplotlib)") from None

from .errors import InvalidArgumentError
from .result import RESULT_VIEWER, ChildResult, Contribution, Result

# Colours from white-ish to dark for the levels of need, lowest first; more levels repeat the
# last. Chosen to stay distinguishable in greyscale print.
_LEVEL_COLOURS = ("#d9f0d3", "#fee08b", "#fc8d59", "#d73027", "#7f0000")
_RISE = "#d73027"
_FALL = "#1a9850"


def _axes(ax: typing.Optional[Axes], size: typing.Tuple[float, float] = (7.0, 4.0)) -> Axes:
    if ax is not None:
        return ax
    figure = Figure(figsize=size, layout="constrained")
    return typing.cast(Axes, figure.add_subplot())


def _level_colour(level_number: int) -> str:
    return _LEVEL_COLOURS[min(level_number, len(_LEVEL_COLOURS) - 1)]


def _stacked_levels(ax: Axes, labels: typing.Sequence[str], level_ids: typing.Sequence[str],
                    counts: typing.Sequence[typing.Sequence[int]]) -> None:
    bottoms = [0] * len(labels)
    for number, level_id in enumerate(level_ids):
        heights = [row[number] for row in counts]
        ax.bar(labels, heights, bottom=bottoms, color=_level_colour(number), label=level_id,
               edgecolor="#444444", linewidth=0.5)
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    ax.set_ylabel("children")
    ax.legend(title="level", fontsize="small")


def levels_by_group(result: Result, groups: typing.Mapping[str, str], *,
                    ax: typing.Optional[Axes] = None) -> Axes:
    """Children at each level, one stacked bar per group: `groups` maps a child id to its group
    (a team, an area, a protected attribute for a disparity check). Children the mapping leaves
    out are shown as "(none)"."""
    names = sorted(set(groups.values()))
    if any(child not in groups for child in result.child_ids):
        names.append("(none)")
    counts = {name: [0] * len(result.level_ids) for name in names}
    for child_id, level in zip(result.child_ids, result.levels):
        counts[groups.get(child_id, "(none)")][int(level)] += 1
    axes = _axes(ax)
    _stacked_levels(axes, names, result.level_ids, [counts[name] for name in names])
    axes.set_title("Levels by group, as of %s" % result.as_of.isoformat())
    return axes


def levels_by_date(results: typing.Sequence[Result], *,
                   ax: typing.Optional[Axes] = None) -> Axes:
    """Children at each level, one stacked bar per assessment date: `results` are assessments
    of one caseload with one pack at a series of dates (Graph.assess per date)."""
    if not results:
        raise InvalidArgumentError("levels_by_date needs at least one result")
    level_ids = results[0].level_ids
    if any(r.level_ids != level_ids for r in results):
        raise InvalidArgumentError("the results come from packs with different levels")
    ordered = sorted(results, key=lambda r: r.as_of)
    counts = []
    for result in ordered:
        row = [0] * len(level_ids)
        for level in result.levels:
            row[int(level)] += 1
        counts.append(row)
    axes = _axes(ax)
    _stacked_levels(axes, [r.as_of.isoformat() for r in ordered], level_ids, counts)
    axes.set_title("Levels by assessment date")
    return axes


def scores_over_time(results: typing.Sequence[Result], child_id: str, *,
                     ax: typing.Optional[Axes] = None) -> Axes:
    """One child's score on every index, and the total, at each assessment date (one result per
    date), with the child's final level written at each point. A date at which the child is not
    in the result (not yet born, say) leaves a gap."""
    if not results:
        raise InvalidArgumentError("scores_over_time needs at least one result")
    ordered = sorted(results, key=lambda r: r.as_of)
    if not any(child_id in r for r in ordered):
        raise InvalidArgumentError("no result has a child with id %r" % child_id)
    dates: typing.List[datetime.date] = [r.as_of for r in ordered]
    children: typing.List[typing.Optional[ChildResult]] = [
        r[child_id] if child_id in r else None for r in ordered]
    axes = _axes(ax)
    for index_id in ordered[0].index_ids:
        values = [float("nan") if c is None else c.scores.get(index_id, 0.0) for c in children]
        axes.plot(dates, values, marker="o", label=index_id)
    totals = [float("nan") if c is None else c.total for c in children]
    axes.plot(dates, totals, marker="s", color="black", linewidth=2, label="total")
    for day, child in zip(dates, children):
        if child is not None:
            axes.annotate(child.level, (day, child.total), textcoords="offset points",
                          xytext=(0, 6), ha="center", fontsize="x-small")
    axes.set_ylabel("score")
    axes.set_title("Scores of %s" % child_id)
    axes.legend(fontsize="small")
    axes.tick_params(axis="x", labelrotation=30)
    return axes


def _label(line: Contribution) -> str:
    if line.rule_id is None:
        return line.rule_title
    evidence = line.evidence_id or line.via_id
    return "%s (%s)" % (line.rule_id, evidence) if evidence else line.rule_id


def contributions_waterfall(result: Result, child_id: str, *, index: typing.Optional[str] = None,
                            viewer: typing.Any = RESULT_VIEWER,
                            ax: typing.Optional[Axes] = None) -> Axes:
    """A child's score built up contribution by contribution: each bar starts where the last
    ended, rising for points and falling for strengths, and the last bar is the score. `index`
    picks one index (default: every index, giving the total); `viewer` is as in
    Result.child (by default the result's own viewer; "*" for every detail)."""
    child = result.child(child_id, viewer=viewer)
    if index is not None and index not in child.scores:
        raise InvalidArgumentError("the pack has no index %r" % index)
    lines = list(child.contributions)
    if index is not None:
        lines = [line for line in lines if line.index_id == index]
    labels = [_label(line) for line in lines]
    starts: typing.List[float] = []
    running = 0.0
    for line in lines:
        starts.append(running)
        running += line.value
    axes = _axes(ax, (7.0, max(3.0, 0.35 * (len(lines) + 2))))
    positions = list(range(len(lines)))
    axes.barh(positions, [line.value for line in lines], left=starts,
              color=[_RISE if line.value >= 0 else _FALL for line in lines],
              edgecolor="#444444", linewidth=0.5)
    final = child.scores[index] if index is not None else child.total
    axes.barh([len(lines)], [final], color="#4d4d4d")
    axes.set_yticks(positions + [len(lines)], labels + [index or "total"], fontsize="small")
    axes.invert_yaxis()
    axes.axvline(0, color="black", linewidth=0.5)
    axes.set_xlabel("points")
    axes.set_title("%s: %s %.2f (%s), as of %s" % (
        child_id, index or "total", final, child.level, result.as_of.isoformat()))
    return axes
