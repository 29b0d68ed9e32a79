"""Mean-with-interval lines: a metric against train size (or queries, or a switch point), one
line per loss, a bootstrap band over seeds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from pwlkit.metrics import bootstrap_interval, clip_interval, t_half_width

from .axes import dash, line_colour, metric_title, title_lines, x_title, y_scale
from .panels import split_panels

#: The intervals `mean_ci` draws: the bootstrap (default) or Student's t.
INTERVALS = ("bootstrap", "t")


def mean_ci(
    df: pd.DataFrame,
    by: Sequence[str],
    value: str,
    level: float = 0.95,
    interval: str = "bootstrap",
) -> pd.DataFrame:
    """Mean of ``value`` per group with a confidence interval over the rows (seeds).

    ``interval="bootstrap"`` (default) is `pwlkit.metrics.bootstrap_interval` (percentile,
    seeded, so a chart draws the same band every time): seed values of N@K and Precision@T are
    skewed and bounded, and a t-interval runs past the bounds. ``"t"`` is the Student-t
    interval (`pwlkit.metrics.t_half_width`). Either is clipped to what the metric can take
    (`pwlkit.metrics.clip_interval`: N@K never below 1, Precision@T within [0, 1]).

    Returns columns ``by + [mean, lo, hi, n]``; a group of one row gets lo = hi = mean.
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval {interval!r} is not one of {', '.join(INTERVALS)}")
    missing = [c for c in [*by, value] if c not in df.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the frame; it has {list(df.columns)}")
    g = df.dropna(subset=[value]).groupby(list(by), observed=True, sort=False)[value]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    if interval == "t":
        half = t_half_width(out["sd"], out["n"], level)
        lo, hi = out["mean"] - half, out["mean"] + half
    else:
        bounds = [bootstrap_interval(v.to_numpy(float), level) for _, v in g]
        lo, hi = (pd.Series([b[i] for b in bounds], index=out.index) for i in (0, 1))
    lo, hi = clip_interval(lo.to_numpy(float), hi.to_numpy(float), value)
    single = out["n"].to_numpy() < 2
    out["lo"] = np.where(single, out["mean"], lo)
    out["hi"] = np.where(single, out["mean"], hi)
    return out.drop(columns="sd")


def metric_lines(
    df: pd.DataFrame,
    metric: str,
    *,
    x: str = "train_size",
    color: str = "loss",
    facet: str | None = "benchmark",
    level: float = 0.95,
    log_x: bool = True,
    columns: int = 3,
    width: int = 260,
    height: int = 200,
    title: str | None = None,
    y_title: str | None = None,
    anchors: Sequence[str] = (),
) -> alt.Chart:
    """Mean ``metric`` against ``x`` per ``color`` group, with a bootstrap band over seeds
    (`mean_ci`).

    One panel per ``facet`` value; rank metrics (N@K: 1 is best) on a log y axis pointing
    down. Losses and strategies keep their palette colours (schedules dashed); more than
    eight of them are split into panels by family, ``anchors`` repeated in each.
    """
    by = [c for c in (facet, color, x) if c and c in df.columns]
    if x not in df.columns or color not in df.columns:
        raise KeyError(f"need columns {x!r} and {color!r}; the frame has {list(df.columns)}")
    agg = mean_ci(df, by, metric, level)
    agg[color] = agg[color].astype(str)
    ticks = sorted(pd.unique(agg[x]).tolist())
    names = list(pd.unique(agg[color]))
    xs = alt.X(
        f"{x}:Q",
        title=x_title(x) if log_x or x != "train_size" else x.replace("_", " "),
        axis=alt.Axis(values=ticks) if len(ticks) <= 12 else alt.Axis(),
        scale=alt.Scale(type="log" if log_x else "linear", nice=False),
    )
    ys = alt.Y("mean:Q", title=y_title or title_lines(metric), scale=y_scale(metric))
    tip = [alt.Tooltip(f"{c}:N") for c in by if c != x] + [
        alt.Tooltip(f"{x}:Q"),
        alt.Tooltip("mean:Q", format=".4g"),
        alt.Tooltip("lo:Q", format=".4g"),
        alt.Tooltip("hi:Q", format=".4g"),
        alt.Tooltip("n:Q", title="seeds"),
    ]
    col = line_colour(color, names)
    stroke = dash(color, names)

    def draw(rows: pd.DataFrame) -> alt.LayerChart:
        base = alt.Chart(rows).encode(x=xs)
        band = base.mark_area(opacity=0.15).encode(
            y=alt.Y("lo:Q", scale=y_scale(metric)), y2="hi:Q", color=col
        )
        enc: dict[str, Any] = {"y": ys, "tooltip": tip}
        if stroke is not None:
            enc["strokeDash"] = stroke
        line = base.mark_line(point=len(ticks) <= 20).encode(color=col, **enc)
        return alt.layer(band, line).properties(width=width, height=height)

    chart = split_panels(agg, color, facet, draw, columns, anchors)
    return chart.properties(
        title=title or f"{metric_title(metric).split(' (')[0]} vs {x_title(x).split(' (')[0]}"
    )


def metric_vs_train_size(df: pd.DataFrame, metric: str, **kw: Any) -> alt.Chart:
    """The study's core view: ``metric`` against train size per loss, CI band over seeds."""
    return metric_lines(df, metric, x=kw.pop("x", "train_size"), **kw)
