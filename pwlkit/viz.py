"""Altair charts for study results, drawn from tidy DataFrames, that render without a network.

Every builder takes a tidy frame (one row per trained predictor, or per architecture) and returns
an ``alt.Chart``; nothing here trains or loads data.  `setup_charts` picks a renderer that works
offline: JupyterLab's widget renderer with the Vega libraries shipped by vl-convert, or, for the
batch report, a plain Vega-Lite spec (plus a PNG fallback) that `pwlkit.report` embeds with
inline JavaScript.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from .metrics import (
    bootstrap_interval,
    clip_interval,
    flatten_metrics,  # noqa: F401  (read as viz.flatten_metrics)
    is_rank_metric,
    lower_is_better,
    t_half_width,
    true_rank,
)

#: Environment variable read by `setup_charts` when no mode is given (`pwlkit report` sets it).
CHART_MODE_ENV = "PWLKIT_CHART_MODE"
#: The Vega-Lite mime type of altair's specs; `pwlkit.report` turns these outputs into HTML.
VEGALITE_MIME = f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.lstrip('v').split('.')[0]}+json"
CHART_MODES = ("interactive", "report", "png", "svg")
#: Report-mode charts with at most this many data rows also carry a PNG (for JS-less viewers).
PNG_FALLBACK_MAX_ROWS = 5000
#: The intervals `mean_ci` draws: the bootstrap (default) or Student's t.
INTERVALS = ("bootstrap", "t")


def _report_renderer(spec: dict, **_: Any) -> dict:
    """Mime bundle for batch runs: the spec (turned into inline-JS HTML by the report) + PNG."""
    import vl_convert as vlc

    bundle: dict[str, Any] = {VEGALITE_MIME: spec, "text/plain": "<altair chart>"}
    rows = sum(len(v) for v in spec.get("datasets", {}).values() if isinstance(v, list))
    if rows <= PNG_FALLBACK_MAX_ROWS:  # whole-space scatters take seconds to rasterise
        try:
            bundle["image/png"] = vlc.vegalite_to_png(spec, scale=1.0)
        except (
            ValueError,
            RuntimeError,
        ) as exc:  # a PNG is only a fallback for viewers without JavaScript
            bundle["text/plain"] = f"<altair chart; PNG fallback failed: {exc}>"
    return bundle


alt.renderers.register("pwlkit-report", _report_renderer)


def setup_charts(mode: str | None = None) -> str:
    """Make altair render offline and accept whole search spaces (15k-26k points).

    ``mode``: ``"interactive"`` (JupyterLab: the anywidget renderer with the Vega libraries
    bundled by vl-convert, no CDN), ``"report"`` (batch runs: Vega-Lite spec + PNG, embedded
    with inline JavaScript by `pwlkit.report`), ``"png"`` or ``"svg"`` (static images).
    Default: ``$PWLKIT_CHART_MODE`` or ``"interactive"``. Returns the mode used.
    """
    global _MODE
    mode = mode or os.environ.get(CHART_MODE_ENV) or "interactive"
    if mode not in CHART_MODES:
        raise ValueError(f"unknown chart mode {mode!r}; valid modes: {', '.join(CHART_MODES)}")
    _MODE = mode
    alt.data_transformers.disable_max_rows()
    if mode == "interactive":
        # Canvas draws whole-space scatters (15k-26k marks) much faster than SVG.
        alt.renderers.enable("jupyter", offline=True, embed_options={"renderer": "canvas"})
        alt.JupyterChart.enable_offline(True)  # also for chart widgets made directly
    elif mode == "report":
        alt.renderers.enable("pwlkit-report")
    else:
        alt.renderers.enable(mode)
    return mode


_MODE: str | None = None


def chart_mode() -> str | None:
    """The mode `setup_charts` set in this process (None before it runs)."""
    return _MODE


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


def _y_scale(metric: str) -> alt.Scale:
    """Rank metrics (N@K: 1 is best, a few bad seeds reach the hundreds) on a log axis
    pointing down; everything else linear, not forced to include zero."""
    if is_rank_metric(metric):
        return alt.Scale(type="log", reverse=True)
    return alt.Scale(zero=False)


def _facet(
    chart: alt.Chart, facet: str | None, df: pd.DataFrame, columns: int, own_y: bool = True
) -> alt.Chart:
    """One panel per ``facet`` value, in the frame's order; each panel with its own y scale
    (``own_y``) since tasks report on different scales (percent, fraction, rank)."""
    if facet and facet in df.columns and df[facet].nunique() > 1:
        order = [str(v) for v in pd.unique(df[facet])]  # the frame's order, not alphabetical
        facet_def = alt.Facet(f"{facet}:N", title=None, sort=order)
        out = chart.facet(facet=facet_def, columns=columns)
        return out.resolve_scale(y="independent") if own_y else out
    return chart


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
) -> alt.Chart:
    """Mean ``metric`` against ``x`` per ``color`` group, with a bootstrap band over seeds
    (`mean_ci`).

    One panel per ``facet`` value; rank metrics (N@K: 1 is best) on a log y axis pointing down.
    """
    by = [c for c in (facet, color, x) if c and c in df.columns]
    if x not in df.columns or color not in df.columns:
        raise KeyError(f"need columns {x!r} and {color!r}; the frame has {list(df.columns)}")
    agg = mean_ci(df, by, metric, level)
    ticks = sorted(pd.unique(agg[x]).tolist())
    xs = alt.X(
        f"{x}:Q",
        title=x.replace("_", " "),
        axis=alt.Axis(values=ticks) if len(ticks) <= 12 else alt.Axis(),
        scale=alt.Scale(type="log" if log_x else "linear", nice=False),
    )
    ys = alt.Y("mean:Q", title=metric, scale=_y_scale(metric))
    tip = [alt.Tooltip(f"{c}:N") for c in by if c != x] + [
        alt.Tooltip(f"{x}:Q"),
        alt.Tooltip("mean:Q", format=".4g"),
        alt.Tooltip("lo:Q", format=".4g"),
        alt.Tooltip("hi:Q", format=".4g"),
        alt.Tooltip("n:Q", title="seeds"),
    ]
    base = alt.Chart(agg).encode(x=xs, color=alt.Color(f"{color}:N", title=color))
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("lo:Q", scale=_y_scale(metric)), y2="hi:Q")
    line = base.mark_line(point=len(ticks) <= 20).encode(y=ys, tooltip=tip)
    chart = alt.layer(band, line).properties(width=width, height=height)
    chart = _facet(chart, facet, agg, columns)
    return chart.properties(title=title or f"{metric} vs {x.replace('_', ' ')}")


def metric_vs_train_size(df: pd.DataFrame, metric: str, **kw: Any) -> alt.Chart:
    """The study's core view: ``metric`` against train size per loss, CI band over seeds."""
    return metric_lines(df, metric, x=kw.pop("x", "train_size"), **kw)


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
) -> alt.Chart:
    """Mean ``metric`` per ``x`` (bars, grouped by ``color``; points for rank metrics, on a
    log axis) with bootstrap error bars over seeds (`mean_ci`)."""
    by = [c for c in (facet, x, color) if c and c in df.columns]
    agg = mean_ci(df, by, metric, level)
    enc: dict[str, Any] = {"x": alt.X(f"{x}:N", title=x, sort=None)}
    if color:
        enc["xOffset"] = alt.XOffset(f"{color}:N")
        enc["color"] = alt.Color(f"{color}:N", title=color)
    else:
        enc["color"] = alt.Color(f"{x}:N", legend=None)
    tip = [alt.Tooltip(f"{c}:N") for c in by] + [
        alt.Tooltip("mean:Q", format=".4g"),
        alt.Tooltip("lo:Q", format=".4g"),
        alt.Tooltip("hi:Q", format=".4g"),
        alt.Tooltip("n:Q", title="seeds"),
    ]
    base = alt.Chart(agg).encode(**enc)
    # A bar's length means nothing on a log axis: rank metrics get points there.
    mark = base.mark_point(filled=True, size=60) if is_rank_metric(metric) else base.mark_bar()
    ytitle = metric + (" (lower is better)" if lower_is_better(metric) else "")
    bars = mark.encode(y=alt.Y("mean:Q", title=ytitle, scale=_y_scale(metric)), tooltip=tip)
    err = base.mark_rule(color="black").encode(y=alt.Y("lo:Q", scale=_y_scale(metric)), y2="hi:Q")
    chart = alt.layer(bars, err).properties(width=width, height=height)
    return _facet(chart, facet, agg, columns).properties(title=title or f"{metric} by {x}")


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
        x=alt.X(f"{x}:N", title=x, sort=None), y=alt.Y(f"{y}:N", title=y, sort=None)
    )
    cells = base.mark_rect().encode(
        color=alt.Color("mean:Q", title=metric, scale=scheme),
        tooltip=[alt.Tooltip(f"{c}:N") for c in by]
        + [alt.Tooltip("mean:Q", format=".4g"), alt.Tooltip("n:Q", title="seeds")],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("mean:Q", format=".3g"),
        color=alt.condition(alt.datum.ink == "white", alt.value("white"), alt.value("black")),
    )
    chart = alt.layer(cells, text).properties(width=alt.Step(46), height=alt.Step(28))
    return _facet(chart, facet, agg, columns, own_y=False).properties(
        title=title or f"{metric}: {y} x {x}"
    )


def pred_vs_true(
    true: np.ndarray,
    pred: np.ndarray,
    *,
    train_idx: np.ndarray | None = None,
    top_k: int = 10,
    arch: Sequence[str] | None = None,
    true_label: str = "true accuracy",
    width: int = 420,
    height: int = 340,
    title: str | None = None,
) -> alt.Chart:
    """Predicted score against true accuracy for every architecture of a space.

    Handles whole spaces (15k-26k points: run `setup_charts` first, which lifts altair's
    5,000-row limit). Training architectures and the predictor's top ``top_k`` are drawn on
    top, the latter with their architecture strings as tooltips.
    """
    true = np.asarray(true, dtype=float)
    pred = np.asarray(pred, dtype=float)
    if true.shape != pred.shape or true.ndim != 1:
        raise ValueError(f"true and pred must be equal 1-d arrays, got {true.shape}, {pred.shape}")
    group = np.full(true.shape, "space", dtype=object)
    if train_idx is not None:
        group[np.asarray(train_idx, dtype=int)] = "train"
    order = np.argsort(-pred, kind="stable")[:top_k]
    group[order] = f"predicted top-{top_k}"
    df = pd.DataFrame({"true": np.round(true, 5), "pred": np.round(pred, 5), "group": group})
    domain = ["space", "train", f"predicted top-{top_k}"]
    color = alt.Color(
        "group:N", title=None, scale=alt.Scale(domain=domain, range=["#9ab", "#e68a00", "#c0392b"])
    )
    xs = alt.X("true:Q", title=true_label, scale=alt.Scale(zero=False))
    ys = alt.Y("pred:Q", title="predicted score", scale=alt.Scale(zero=False))
    cloud = (
        alt.Chart(df[df.group == "space"])
        .mark_circle(size=6, opacity=0.35)
        .encode(x=xs, y=ys, color=color)
    )
    hi = df[df.group != "space"].copy()
    tips = [alt.Tooltip("group:N"), alt.Tooltip("true:Q"), alt.Tooltip("pred:Q")]
    if arch is not None:
        hi["arch"] = np.asarray(arch, dtype=object)[hi.index.to_numpy()]
        tips.append(alt.Tooltip("arch:N"))
    marks = (
        alt.Chart(hi)
        .mark_circle(size=40, opacity=0.9)
        .encode(x=xs, y=ys, color=color, tooltip=tips)
    )
    return alt.layer(cloud, marks).properties(
        width=width, height=height, title=title or "predicted vs true, whole space"
    )


def top_k_table(
    pred: np.ndarray,
    true: np.ndarray,
    *,
    arch: Sequence[str] | None = None,
    test: np.ndarray | None = None,
    k: int = 10,
) -> pd.DataFrame:
    """The predictor's ``k`` highest-scored architectures with their true accuracy and rank.

    ``true rank`` is 1 for the best architecture of the space (ties share the best rank).
    """
    pred = np.asarray(pred, dtype=float)
    true = np.asarray(true, dtype=float)
    order = np.argsort(-pred, kind="stable")[:k]
    rank = true_rank(true)
    out = pd.DataFrame(
        {
            "predicted rank": np.arange(1, len(order) + 1),
            "predicted score": pred[order],
            "true": true[order],
            "true rank": rank[order],
        }
    )
    if test is not None:
        out["test"] = np.asarray(test, dtype=float)[order]
    if arch is not None:
        out["arch"] = np.asarray(arch, dtype=object)[order]
    return out.set_index("predicted rank")
