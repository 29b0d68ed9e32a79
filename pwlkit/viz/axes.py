"""Axis titles that say what a number is, its unit and which way is better; y scales per
metric; colour and dash encodings from the fixed palette (`pwlkit.palette`)."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt

from pwlkit.metrics import is_rank_metric, lower_is_better, metric_label
from pwlkit.metrics.names import N_AT_PREFIX, PRECISION_PREFIX
from pwlkit.palette import colours_for, dashes_for

#: x-axis titles of the columns charts put on x, with their unit.
X_TITLES = {
    "train_size": "train size (architectures, log scale)",
    "queries": "queries (architectures evaluated)",
    "at_value": "switch point",
}


def direction(metric: str) -> str:
    """``"lower is better"`` or ``"higher is better"``."""
    return "lower is better" if lower_is_better(metric) else "higher is better"


def title_lines(metric: str) -> list[str]:
    """A metric's axis title as two short lines (what it is; unit and direction), so that it
    fits beside a panel of 200 pixels.

    Example:
        >>> title_lines("n_at_10")
        ['N@10: best true rank in', 'the predicted top 10 (lower is better)']
    """
    better = direction(metric)
    if metric == "tau":
        return ["Kendall tau", f"(-1 to 1; {better})"]
    if metric == "spearman":
        return ["Spearman rho", f"(-1 to 1; {better})"]
    if metric.startswith(PRECISION_PREFIX):
        t = metric.removeprefix(PRECISION_PREFIX)
        return [f"{metric_label(metric)}: share of the", f"true top {t}% found ({better})"]
    if metric.startswith(N_AT_PREFIX):
        k = metric.removeprefix(N_AT_PREFIX)
        return [f"{metric_label(metric)}: best true rank in", f"the predicted top {k} ({better})"]
    if metric == "test_error":
        return ["test error (100 - accuracy, %)", f"({better})"]
    if metric == "regret":
        return ["regret: test error - global best", f"(error points, log scale; {better})"]
    return [metric_label(metric).replace("_", " "), f"({better})"]


def metric_title(metric: str) -> str:
    """The metric's title on one line, for legends, tooltips and chart titles.

    Example:
        >>> metric_title("tau")
        'Kendall tau (-1 to 1; higher is better)'
    """
    return " ".join(title_lines(metric))


def x_title(column: str) -> str:
    """The x title of a column, with its unit where it has one."""
    return X_TITLES.get(column, column.replace("_", " "))


def y_scale(metric: str) -> alt.Scale:
    """Rank metrics (N@K: 1 is best, a few bad seeds reach the hundreds) on a log axis
    pointing down; everything else linear, not forced to include zero."""
    if is_rank_metric(metric):
        return alt.Scale(type="log", reverse=True)
    return alt.Scale(zero=False)


def colour(field: str, values: Iterable, title: str | None = None, **kw) -> alt.Color:
    """A colour encoding of ``field`` with the palette's fixed colours where the column has
    them (losses, strategies, families, verdicts, backbones, weights)."""
    values = list(dict.fromkeys(str(v) for v in values))
    fixed = colours_for(field, values)
    scale = alt.Scale(domain=values, range=list(fixed.values())) if fixed else alt.Undefined
    return alt.Color(f"{field}:N", title=title or field.replace("_", " "), scale=scale, **kw)


def line_colour(field: str, values: Iterable, title: str | None = None) -> alt.Color:
    """`colour` for charts of lines over bands: both layers take it, and the legend draws
    each entry as a line (a band's area would otherwise set the symbol)."""
    legend = alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5, symbolOpacity=1)
    return colour(field, values, title, legend=legend)


def dash(field: str, values: Iterable, title: str | None = None) -> alt.StrokeDash | None:
    """The palette's dashes for a spec column (schedules and loss variants dashed), or None
    when every series is solid. With the colour's title the two legends merge into one that
    shows each line as drawn."""
    values = list(dict.fromkeys(str(v) for v in values))
    dashes = dashes_for(field, values)
    if dashes is None:
        return None
    scale = alt.Scale(domain=values, range=list(dashes.values()))
    return alt.StrokeDash(f"{field}:N", scale=scale, title=title or field.replace("_", " "))
