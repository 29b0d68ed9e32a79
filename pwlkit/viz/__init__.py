"""Altair charts for study results, drawn from tidy DataFrames, that render without a network.

Every builder takes a tidy frame (one row per trained predictor, per task of a claim, per
query of a search) and returns an ``alt.Chart``; nothing here trains or loads data. Every
chart has a title and axis titles that give the unit and which way is better, colours losses
and strategies with the fixed palette of `pwlkit.palette` (one colour per loss on every page),
and draws at most eight coloured series per panel (more are split into panels by family).

`render`: `setup_charts` (offline rendering, in JupyterLab or for the batch report); `axes`:
titles, scales and palette encodings; `panels`: panels per task and per family group;
`lines`, `bars`, `heatmaps`: a metric per loss, train size or backbone; `space`: one predictor
on a whole space; `verdicts`, `forest`: the findings (counts per claim and space, paired
differences per task); `ranks`: which loss wins where; `anytime`: search regret over queries;
`checks`: what a finished spec draws (series colours, series per panel).
"""

import altair as alt

from pwlkit.metrics import (
    bootstrap_interval,
    clip_interval,
    flatten_metrics,
    is_rank_metric,
    lower_is_better,
    t_half_width,
    true_rank,
)

from .anytime import regret_lines
from .axes import direction, metric_title, x_title
from .bars import metric_bars
from .forest import forest_plot
from .heatmaps import heatmap
from .lines import INTERVALS, mean_ci, metric_lines, metric_vs_train_size
from .panels import split_series
from .ranks import rank_heatmap
from .render import (
    CHART_MODE_ENV,
    CHART_MODES,
    PNG_FALLBACK_MAX_ROWS,
    VEGALITE_MIME,
    chart_mode,
    setup_charts,
)
from .space import pred_vs_true, top_k_table
from .verdicts import verdict_overview

__all__ = [
    "CHART_MODES",
    "CHART_MODE_ENV",
    "INTERVALS",
    "PNG_FALLBACK_MAX_ROWS",
    "VEGALITE_MIME",
    "alt",
    "bootstrap_interval",
    "chart_mode",
    "clip_interval",
    "direction",
    "flatten_metrics",
    "forest_plot",
    "heatmap",
    "is_rank_metric",
    "lower_is_better",
    "mean_ci",
    "metric_bars",
    "metric_lines",
    "metric_title",
    "metric_vs_train_size",
    "pred_vs_true",
    "rank_heatmap",
    "regret_lines",
    "setup_charts",
    "split_series",
    "t_half_width",
    "top_k_table",
    "true_rank",
    "verdict_overview",
    "x_title",
]
