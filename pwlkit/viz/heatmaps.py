"""Heatmaps: the seed mean of a metric for every (row, column) pair, value printed, darker
always better."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from pwlkit.metrics import lower_is_better

from .axes import metric_title
from .panels import facet as facet_by


def heatmap(
    df: pd.DataFrame,
    metric: str,
    *,
    x: str = "loss",
    y: str = "backbone",
    facet: str | None = "benchmark",
    columns: int = 2,
    title: str | None = None,
) -> alt.Chart:
    """Mean ``metric`` for every (``y``, ``x``) pair as coloured cells with the value printed.

    The colour scale is reversed for lower-is-better metrics so that darker is always better.
    """
    by = [c for c in (facet, y, x) if c and c in df.columns]
    if metric not in df.columns:
        raise KeyError(f"column {metric!r} not in the frame; it has {list(df.columns)}")
    g = df.dropna(subset=[metric]).groupby(by, observed=True, sort=False)[metric]
    agg = g.agg(mean="mean", n="count").reset_index()  # cells show means, no interval
    lower = lower_is_better(metric)
    span = (agg["mean"].max() - agg["mean"].min()) or 1.0
    good = (agg["mean"] - agg["mean"].min()) / span
    agg["ink"] = np.where((1 - good if lower else good) > 0.55, "white", "black")
    scheme = alt.Scale(scheme="blues", reverse=lower)
    base = alt.Chart(agg).encode(
        x=alt.X(f"{x}:N", title=x.replace("_", " "), sort=None),
        y=alt.Y(f"{y}:N", title=y.replace("_", " "), sort=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("mean:Q", title=metric_title(metric), scale=scheme),
        tooltip=[alt.Tooltip(f"{c}:N") for c in by]
        + [alt.Tooltip("mean:Q", format=".4g"), alt.Tooltip("n:Q", title="seeds")],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("mean:Q", format=".3g"),
        color=alt.condition(alt.datum.ink == "white", alt.value("white"), alt.value("black")),
    )
    chart = alt.layer(cells, text).properties(width=alt.Step(46), height=alt.Step(28))
    name = metric_title(metric).split(" (")[0]
    return facet_by(chart, facet, agg, columns, own_y=False).properties(
        title=title or f"{name} ({'lower' if lower else 'higher'} is better): {y} x {x}"
    )
