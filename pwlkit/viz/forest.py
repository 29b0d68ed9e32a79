"""Forest plots, as meta-analyses draw them: one row per task, the mean paired difference with
its 95% bootstrap interval, a line at zero, coloured by verdict, grouped by space."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pwlkit.metrics import metric_label
from pwlkit.palette import VERDICT_COLOURS

from .verdicts import ORDER

#: Height of one task's row, in pixels.
ROW = 11


def forest_plot(
    frame: pd.DataFrame, metric: str, *, title: str | None = None, width: int = 360
) -> alt.Chart:
    """A claim's tasks as a forest plot: x = mean paired difference (positive: the side the
    claim favours is better), rules = 95% bootstrap intervals over seeds, dot colour = the
    task's verdict (Holm-corrected), one panel per space.

    ``frame``: `pwlkit.claims.overview.forest_frame`.
    """
    df = frame.copy()
    df["label"] = df["task"] + "  (" + df["a"] + " vs " + df["b"] + ")"
    spaces = list(dict.fromkeys(df["space"]))
    label = metric_label(metric)
    tip = [
        alt.Tooltip("task:N"),
        alt.Tooltip("a:N", title="a (claimed better)"),
        alt.Tooltip("b:N"),
        alt.Tooltip("mean_diff:Q", format="+.4g", title="mean paired diff"),
        alt.Tooltip("lo:Q", format="+.4g", title="95% low"),
        alt.Tooltip("hi:Q", format="+.4g", title="95% high"),
        alt.Tooltip("p_holm:Q", format=".3g", title="Holm p"),
        alt.Tooltip("n:Q", title="pairs"),
        alt.Tooltip("verdict:N"),
    ]
    y = alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=360, labelFontSize=9))
    x_title = f"mean paired difference in {label} (a - b; right of 0: the claim's side is better)"
    base = alt.Chart().encode(y=y)
    rules = base.mark_rule(color="#777").encode(x=alt.X("lo:Q", title=x_title), x2="hi:Q")
    dots = base.mark_point(filled=True, size=28, opacity=1).encode(
        x=alt.X("mean_diff:Q"),
        color=alt.Color(
            "verdict:N",
            title="verdict",
            scale=alt.Scale(domain=list(ORDER), range=[VERDICT_COLOURS[v] for v in ORDER]),
        ),
        tooltip=tip,
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="black").encode(x="zero:Q")
    layer = alt.layer(zero, rules, dots).properties(width=width, height=alt.Step(ROW))
    chart = layer.facet(
        row=alt.Row(
            "space:N",
            title=None,
            sort=spaces,
            header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold"),
        ),
        data=df,
    ).resolve_scale(y="independent")
    return chart.properties(title=title or f"Paired differences per task ({label})")
