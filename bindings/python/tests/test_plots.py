"""safeguard.plots renders with matplotlib's Agg backend to PNG files (issue 20, item 6)."""

import datetime

import pytest

pytest.importorskip("matplotlib", reason="matplotlib is not installed (Debian: "
                    "python3-matplotlib)")
import matplotlib  # noqa: E402

matplotlib.use("Agg")

import safeguard  # noqa: E402
from safeguard import plots  # noqa: E402

DATES = [datetime.date(2026, 5, 1), datetime.date(2026, 8, 1), datetime.date(2026, 11, 1)]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def series(families, rules):
    return [families.assess(rules, day) for day in DATES]


def saved(axes, path):
    axes.figure.savefig(path)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 2000
    return data


def test_levels_by_group(result, tmp_path):
    groups = {child_id: ("north" if i % 2 else "south")
              for i, child_id in enumerate(result.child_ids)}
    axes = plots.levels_by_group(result, groups)
    bars = [patch.get_height() for patch in axes.patches]
    assert sum(bars) == len(result)
    assert [t.get_text() for t in axes.get_xticklabels()] == ["north", "south"]
    saved(axes, tmp_path / "groups.png")


def test_levels_by_date(series, tmp_path):
    axes = plots.levels_by_date(list(reversed(series)))
    assert [t.get_text() for t in axes.get_xticklabels()] == [d.isoformat() for d in DATES]
    assert sum(p.get_height() for p in axes.patches) == sum(len(r) for r in series)
    saved(axes, tmp_path / "dates.png")
    with pytest.raises(safeguard.InvalidArgumentError):
        plots.levels_by_date([])


def test_scores_over_time(series, tmp_path):
    axes = plots.scores_over_time(series, "P-ASH-C1")
    total = [line for line in axes.get_lines() if line.get_label() == "total"][0]
    assert list(total.get_ydata()) == [r["P-ASH-C1"].total for r in series]
    saved(axes, tmp_path / "scores.png")
    with pytest.raises(safeguard.InvalidArgumentError):
        plots.scores_over_time(series, "P-NOBODY")


def test_contributions_waterfall_ends_at_the_score(result, tmp_path):
    child = result["P-ASH-C1"]
    axes = plots.contributions_waterfall(result, "P-ASH-C1")
    bars = axes.patches
    assert len(bars) == len(child.contributions) + 1
    last_step = bars[-2]
    assert last_step.get_x() + last_step.get_width() == pytest.approx(child.total)
    assert bars[-1].get_width() == pytest.approx(child.total)
    saved(axes, tmp_path / "waterfall.png")
    neglect = plots.contributions_waterfall(result, "P-ASH-C1", index="neglect", viewer=[])
    assert neglect.patches[-1].get_width() == pytest.approx(child.scores["neglect"])
    with pytest.raises(safeguard.InvalidArgumentError):
        plots.contributions_waterfall(result, "P-ASH-C1", index="nope")
