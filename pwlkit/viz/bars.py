"""Bars (points for rank metrics) of a metric per loss or strategy, with bootstrap error bars
over seeds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from pwlkit.metrics import is_rank_metric

from .axes import colour, metric_title, title_lines, y_scale
from .lines import mean_ci
from .panels import split_panels


def metric_bars(
    df: pd.DataFrame,
    metric: str,
    *,
    x: str = "loss",
    color: str | None = None,
    facet: str | None = "benchmark",
    level: float = 0.95,
    columns: int = 3,
    width: int = 220,
    height: int = 180,
    title: str | None = None,
    anchors: Sequence[str] = (),
) -> alt.Chart:
    """Mean ``metric`` per ``x`` (bars, grouped by ``color``; points for rank metrics, on a
    log axis) with bootstrap error bars over seeds (`mean_ci`).

    Without ``color`` each bar has the palette colour of its ``x`` value (a loss or a
    strategy); more than eight are split into panels by family.
    """
    by = [c for c in (facet, x, color) if c and c in df.columns]
    agg = mean_ci(df, by, metric, level)
    for c in (x, color):
        if c:
            agg[c] = agg[c].astype(str)
    series = color or x
    col = colour(series, pd.unique(agg[series]), legend=None if not color else alt.Undefined)
    tip = [alt.Tooltip(f"{c}:N") for c in by] + [
        alt.Tooltip("mean:Q", format=".4g"),
        alt.Tooltip("lo:Q", format=".4g"),
        alt.Tooltip("hi:Q", format=".4g"),
        alt.Tooltip("n:Q", title="seeds"),
    ]
    ys = alt.Y("mean:Q", title=title_lines(metric), scale=y_scale(metric))

    def draw(rows: pd.DataFrame) -> alt.LayerChart:
        enc: dict[str, Any] = {"x": alt.X(f"{x}:N", title=x.replace("_", " "), sort=None)}
        enc["color"] = col
        if color:
            enc["xOffset"] = alt.XOffset(f"{color}:N")
        base = alt.Chart(rows).encode(**enc)
        # A bar's length means nothing on a log axis: rank metrics get points there.
        mark = base.mark_point(filled=True, size=60) if is_rank_metric(metric) else base.mark_bar()
        bars = mark.encode(y=ys, tooltip=tip)
        err = base.mark_rule(color="black").encode(
            y=alt.Y("lo:Q", scale=y_scale(metric)), y2="hi:Q"
        )
        return alt.layer(bars, err).properties(width=width, height=height)

    # bars per loss keep only their panel's losses (grouped bars with xOffset need a shared x)
    chart = split_panels(agg, series, facet, draw, columns, anchors, own_x=not color)
    name = metric_title(metric).split(" (")[0]
    return chart.properties(title=title or f"{name} by {x.replace('_', ' ')}")
