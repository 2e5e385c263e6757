"""The audit as one self-contained HTML page (Audit.html()): the figures of docs/audit.md as
tables and as SVG plots drawn with matplotlib (Debian: python3-matplotlib) and written inline,
so the page needs no other file. Semantic and accessible: a language, headings in order, table
captions and header cells, and each plot a figure with a caption and a text alternative that says
what it shows. Deterministic: the same audit gives the same bytes (no dates or random ids in the
SVG)."""

import html
import io
import math
import re
import typing

try:
    import matplotlib
    from matplotlib.figure import Figure
except ImportError:
    raise ImportError("the audit's HTML report needs matplotlib (Debian: apt-get install "
                      "python3-matplotlib)") from None

if typing.TYPE_CHECKING:
    from .audit import Audit

_GROUP_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")

_STYLE = """
body{font-family:sans-serif;color:#111;max-width:62em;margin:1em auto;padding:0 1em;line-height:1.4}
table{border-collapse:collapse;margin:0 0 1.5em}
th,td{border:1px solid #666;padding:.2em .5em;text-align:right}
th[scope=row],td.text,caption{text-align:left}
caption{font-weight:bold;padding:.3em 0}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}
.flag{font-weight:bold;color:#8a0000}
@media print{body{max-width:none}figure,table{break-inside:avoid}}
"""


def _number(value: typing.Any, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "&ndash;"
    return "%.*f" % (decimals, value)


def _figure_of(row: typing.Any, key: str, decimals: int) -> str:
    """The row's figure, or "c" (the GSS symbol) where it is suppressed for confidentiality."""
    if row.get("suppressed"):
        return "c"
    return _number(row[key], decimals)


def _count(value: typing.Optional[int]) -> str:
    return "c" if value is None else "%d" % value


def _svg(figure: Figure, label: str) -> str:
    """The figure as inline SVG with role="img" and `label` as its text alternative."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "safeguard-audit", "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    return re.sub(r"<svg ", '<svg role="img" aria-label="%s" ' % html.escape(label, quote=True),
                  text, count=1)


def _figure(figure: Figure, caption: str, alternative: str) -> str:
    return ("<figure>\n%s\n<figcaption>%s</figcaption>\n</figure>\n"
            % (_svg(figure, alternative), html.escape(caption)))


def _new_figure(width: float = 7.0, height: float = 3.6) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _interval_points(ax: typing.Any, xs: typing.Sequence[float], rows: typing.Sequence[typing.Any],
                     colour: str, label: str) -> None:
    values = [math.nan if r["value"] is None else r["value"] for r in rows]
    low = [0.0 if r["low"] is None else max(0.0, v - r["low"]) for v, r in zip(values, rows)]
    high = [0.0 if r["high"] is None else max(0.0, r["high"] - v) for v, r in zip(values, rows)]
    ax.errorbar(xs, values, yerr=[low, high], fmt="o", color=colour, capsize=3, label=label)


def _table(caption: str, rows: typing.Sequence[typing.Any], value_name: str,
           with_group: bool) -> str:
    head = ["Measure"] + (["Group"] if with_group else []) + \
        ["Level", "Count", "Of", value_name, "95% interval"] + \
        (["Ratio to reference", "Ratio interval"] if with_group else []) + ["Note"]
    out = ["<table>", "<caption>%s</caption>" % html.escape(caption), "<thead><tr>"]
    out += ['<th scope="col">%s</th>' % h for h in head]
    out.append("</tr></thead>\n<tbody>")
    for r in rows:
        cells = ['<th scope="row">%s</th>' % html.escape(r["measure"])]
        if with_group:
            cells.append('<td class="text">%s</td>' % html.escape(r["group"]))
        cells += ['<td class="text">%s</td>' % html.escape(r["level_id"]),
                  "<td>%s</td>" % _count(r["count"]), "<td>%s</td>" % _count(r["denominator"]),
                  "<td>%s</td>" % _figure_of(r, "value", 3),
                  "<td>%s&ndash;%s</td>" % (_figure_of(r, "low", 3), _figure_of(r, "high", 3))]
        if with_group:
            cells += ["<td>%s</td>" % _figure_of(r, "ratio", 2),
                      "<td>%s&ndash;%s</td>" % (_figure_of(r, "ratio_low", 2),
                                                _figure_of(r, "ratio_high", 2))]
        note = ("flagged. " if r["flag"] else "") + r["note"]
        cells.append('<td class="text">%s</td>' % html.escape(note))
        out.append("<tr%s>%s</tr>" % (' class="flag"' if r["flag"] else "", "".join(cells)))
    out.append("</tbody>\n</table>\n")
    return "\n".join(out)


def _discrimination(rows: typing.List[typing.Any]) -> str:
    figure = _new_figure(7.0, 0.5 + 0.45 * max(1, len(rows)))
    ax = figure.add_subplot()
    names = [r["measure"] for r in rows]
    ys = list(range(len(rows)))
    values = [math.nan if r["value"] is None else r["value"] for r in rows]
    low = [0.0 if r["low"] is None else max(0.0, v - r["low"]) for v, r in zip(values, rows)]
    high = [0.0 if r["high"] is None else max(0.0, r["high"] - v) for v, r in zip(values, rows)]
    ax.errorbar(values, ys, xerr=[low, high], fmt="o", color="#333333", capsize=3)
    ax.axvline(0.5, color="#999999", linestyle="--", linewidth=1)
    ax.set_yticks(ys, names)
    ax.set_xlim(0.4, 1.0)
    ax.set_xlabel("ROC AUC (0.5: no better than chance)")
    text = "; ".join("%s %s" % (r["measure"], _figure_of(r, "value", 2)) for r in rows)
    return _figure(figure, "ROC AUC per measure with 95% bootstrap intervals",
                   "Dot plot of the AUC of each measure: " + text)


def _by_level(rows: typing.List[typing.Any], levels: typing.List[str], groups: typing.List[str],
              ylabel: str, caption: str) -> str:
    figure = _new_figure()
    ax = figure.add_subplot()
    width = 0.8 / max(1, len(groups))
    for k, group in enumerate(groups):
        chosen = [r for r in rows if r["group"] == group]
        xs = [r["level"] + (k - (len(groups) - 1) / 2) * width for r in chosen]
        _interval_points(ax, xs, chosen, _GROUP_COLOURS[k % len(_GROUP_COLOURS)],
                         group or "all children")
    ax.set_xticks(range(len(levels)), levels)
    ax.set_ylim(0, 1)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("level")
    if len(groups) > 1:
        ax.legend(fontsize="small")
    text = "; ".join("%s%s %s" % (r["group"] + " " if r["group"] else "", r["level_id"],
                                  _figure_of(r, "value", 2)) for r in rows)
    return _figure(figure, caption, caption + ": " + text)


def _error_rates(rows: typing.List[typing.Any], levels: typing.List[str],
                 groups: typing.List[str], attribute: str) -> str:
    figure = _new_figure(7.0, 3.4)
    axes = figure.subplots(1, 2, sharey=True)
    for ax, measure, title in zip(axes, ("fpr", "fnr"),
                                  ("false positive rate", "false negative rate")):
        width = 0.8 / max(1, len(groups))
        for k, group in enumerate(groups):
            chosen = [r for r in rows if r["group"] == group and r["measure"] == measure]
            xs = [r["level"] + (k - (len(groups) - 1) / 2) * width for r in chosen]
            _interval_points(ax, xs, chosen, _GROUP_COLOURS[k % len(_GROUP_COLOURS)], group)
        ax.set_xticks(range(1, len(levels)), ["%s+" % level for level in levels[1:]])
        ax.set_title(title, fontsize="medium")
        ax.set_ylim(0, 1)
        ax.set_xlabel("flagged at level")
    axes[0].legend(fontsize="small")
    text = "; ".join("%s %s at %s %s" % (r["group"], r["measure"], r["level_id"],
                                         _figure_of(r, "value", 2)) for r in rows)
    caption = "False positive and false negative rates by %s at each level threshold" % attribute
    return _figure(figure, caption, caption + ": " + text)


def audit_html(audit: "Audit") -> str:
    doc = audit.document
    levels = list(doc["levels"])
    rows = doc["rows"]
    out = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
           "<title>Audit of %s</title>" % html.escape(doc["pack"]["id"]),
           "<style>%s</style>\n</head>\n<body>\n<main>" % _STYLE,
           "<h1>Audit of rule pack %s %s</h1>" % (html.escape(doc["pack"]["id"]),
                                                  html.escape(doc["pack"]["version"])),
           "<p>Assessed as of %s: %d children, %d with an outcome, %s of them positive. "
           "Outcome: %s. Intervals are 95%%. What each figure means and what it cannot show: "
           "docs/audit.md.</p>" % (doc["as_of"], doc["children"], doc["with_outcome"],
                                   _count(doc["positives"]),
                                   html.escape(doc["horizon"] or "not stated"))]
    below = int(doc["settings"].get("suppress_below", 0))
    out.append("<p>c: suppressed to protect confidentiality (a count of 1 to %d children, or a "
               "figure from which one could be worked out).</p>" % (below - 1) if below > 1 else
               "<p>Small counts are not suppressed: not for sharing.</p>")
    out.append("<h2>Flags</h2>")
    if doc["flags"]:
        out.append("<ul>%s</ul>" % "".join("<li>%s</li>" % html.escape(f) for f in doc["flags"]))
    else:
        out.append("<p>No ratio leaves the band %.2f&ndash;%.2f with an interval that excludes "
                   "1.</p>" % tuple(doc["settings"]["band"]))
    out.append("<h2>Warnings</h2>")
    if doc["warnings"]:
        out.append("<ul>%s</ul>" % "".join("<li>%s</li>" % html.escape(w["message"])
                                            for w in doc["warnings"]))
    else:
        out.append("<p>None.</p>")

    out.append("<h2>Validation</h2>\n<h3>Discrimination</h3>")
    discrimination = [r for r in rows if r["table"] == "discrimination"]
    if any(r["value"] is not None for r in discrimination):
        out.append(_discrimination(discrimination))
    out.append(_table("ROC AUC per measure", discrimination, "AUC", False))
    out.append("<h3>Calibration</h3>")
    calibration = [r for r in rows if r["table"] == "calibration"]
    out.append(_by_level(calibration, levels, [""], "outcome rate",
                         "Outcome rate per level with 95% Wilson intervals"))
    out.append(_table("Outcome rate per level", calibration, "Rate", False))

    out.append("<h2>Disparity by group</h2>")
    for attribute in doc["attributes"]:
        name = attribute["attribute"]
        out.append("<h3>%s (reference group: %s)</h3>" % (html.escape(name),
                                                          html.escape(attribute["reference"])))
        mine = [r for r in rows if r["attribute"] == name]
        groups = sorted({r["group"] for r in mine})
        if not groups:
            out.append("<p>No assessed child has this attribute recorded.</p>")
            continue
        distribution = [r for r in mine if r["table"] == "level_distribution"]
        out.append(_by_level(distribution, levels, groups, "share of the group",
                             "Level distribution by %s" % name))
        out.append(_table("Level distribution by %s" % name, distribution, "Share", True))
        outcome = [r for r in mine if r["table"] == "outcome_by_level"]
        out.append(_by_level(outcome, levels, groups, "outcome rate",
                             "Outcome rate per level by %s" % name))
        out.append(_table("Outcome rate per level by %s" % name, outcome, "Rate", True))
        errors = [r for r in mine if r["table"] == "error_rates"]
        if len(levels) > 1:
            out.append(_error_rates(errors, levels, groups, name))
        out.append(_table("False positive and false negative rates by %s" % name, errors, "Rate",
                          True))
    out.append("</main>\n</body>\n</html>\n")
    return "\n".join(out)
