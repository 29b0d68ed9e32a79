"""Anytime curves, as NASLib and the NAS-Bench papers draw them: mean regret of the
architecture a search would deploy against the queries spent, on a log axis, with a bootstrap
band over runs, one line per strategy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from .axes import dash, line_colour, title_lines, x_title
from .panels import split_panels

#: Lowest regret drawn, as a share of the chart's largest mean regret (a log axis has no 0).
FLOOR = 1e-3


def regret_lines(
    curves: pd.DataFrame,
    *,
    facet: str = "task",
    start: int = 1,
    columns: int = 3,
    width: int = 260,
    height: int = 190,
    anchors: Sequence[str] = ("random", "pw"),
    title: str | None = None,
) -> alt.Chart:
    """Mean regret against queries per strategy, one panel per ``facet`` value.

    ``curves``: `pwlkit.claims.anytime.regret_curves` (with a ``facet`` column, e.g.
    benchmark and signal). A regret of 0 (every run at the optimum) cannot sit on a log axis:
    values are drawn at no less than half the panel's smallest positive regret, said in the
    subtitle (at least `FLOOR` of the largest). More than eight strategies are split into panels by family, ``anchors`` in each.
    """
    df = curves[curves["queries"] >= start].copy()
    positive = df.loc[df["mean"] > 0, "mean"]
    top = float(df["mean"].max()) if len(df) else 1.0
    floor = max(float(positive.min()) / 2, top * FLOOR) if len(positive) else top * FLOOR
    for c in ("mean", "lo", "hi"):
        df[c] = df[c].clip(lower=floor)
    df["strategy"] = df["strategy"].astype(str)
    names = list(pd.unique(df["strategy"]))
    col = line_colour("strategy", names)
    stroke = dash("strategy", names)
    ys = alt.Scale(type="log")
    tip = [
        alt.Tooltip(f"{facet}:N"),
        alt.Tooltip("strategy:N"),
        alt.Tooltip("queries:Q"),
        alt.Tooltip("mean:Q", format=".4g", title="mean regret"),
        alt.Tooltip("lo:Q", format=".4g"),
        alt.Tooltip("hi:Q", format=".4g"),
        alt.Tooltip("runs:Q"),
    ]

    def draw(rows: pd.DataFrame) -> alt.LayerChart:
        base = alt.Chart(rows).encode(
            x=alt.X("queries:Q", title=x_title("queries"), scale=alt.Scale(nice=False)),
        )
        band = base.mark_area(opacity=0.12).encode(y=alt.Y("lo:Q", scale=ys), y2="hi:Q", color=col)
        enc: dict[str, Any] = {
            "y": alt.Y("mean:Q", title=title_lines("regret"), scale=ys),
            "tooltip": tip,
        }
        if stroke is not None:
            enc["strokeDash"] = stroke
        line = base.mark_line().encode(color=col, **enc)
        return alt.layer(band, line).properties(width=width, height=height)

    chart = split_panels(df, "strategy", facet, draw, columns, anchors)
    return chart.properties(
        title=title
        or alt.TitleParams(
            "Anytime regret of the architecture each search would deploy",
            subtitle=[f"mean over runs, 95% bootstrap band; regret 0 drawn at {floor:.2g}"],
        )
    )
