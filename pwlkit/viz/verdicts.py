"""The findings at a glance: per claim, how many tasks hold, are inconclusive or are
contradicted, in each search space (the report's first figure)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pwlkit.palette import VERDICT_COLOURS

#: Stacking order, left to right: support, no answer, against.
ORDER = ("holds", "inconclusive", "contradicted")


def verdict_overview(
    counts: pd.DataFrame, *, title: str | None = None, width: int = 110
) -> alt.Chart:
    """Stacked bars of task counts per claim (rows) and space (panels), coloured by verdict.

    ``counts``: `pwlkit.claims.overview.verdict_counts` (``claim``, ``space``, ``verdict``,
    ``tasks``, ``order``). Bars show shares, since spaces hold very different numbers of
    tasks; the number of tasks is printed right of each bar.
    """
    df = counts.copy()
    df["rank"] = df["verdict"].map({v: i for i, v in enumerate(ORDER)})
    claims = list(dict.fromkeys(df.sort_values("order", kind="stable")["claim"]))
    spaces = list(dict.fromkeys(df["space"]))
    totals = df.groupby(["claim", "space"])["tasks"].transform("sum")
    df["share"] = df["tasks"] / totals.where(totals > 0, 1)
    df["total"] = totals
    y = alt.Y("claim:N", sort=claims, title=None, axis=alt.Axis(labelLimit=320))
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            y=y,
            x=alt.X(
                "tasks:Q",
                stack="normalize",
                title=None,
                axis=alt.Axis(format="%", values=[0, 0.5, 1]),
            ),
            color=alt.Color(
                "verdict:N",
                title="verdict",
                scale=alt.Scale(domain=list(ORDER), range=[VERDICT_COLOURS[v] for v in ORDER]),
            ),
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip("claim:N"),
                alt.Tooltip("metric:N"),
                alt.Tooltip("space:N"),
                alt.Tooltip("verdict:N"),
                alt.Tooltip("tasks:Q"),
                alt.Tooltip("share:Q", format=".0%"),
            ],
        )
    )
    # the number of tasks behind each bar, right of it
    counts = (
        alt.Chart()
        .mark_text(align="left", dx=3, fontSize=9, color="#444")
        .encode(y=y, x=alt.datum(1), text=alt.Text("total:Q"))
        .transform_filter(alt.datum.verdict == ORDER[0])
    )
    layer = alt.layer(bars, counts).properties(width=width, height=alt.Step(16))
    chart = layer.facet(
        column=alt.Column(
            "space:N", title=None, sort=spaces, header=alt.Header(labelFontWeight="bold")
        ),
        data=df,
    )
    return chart.properties(
        title=alt.TitleParams(
            title or "The paper's claims on the shipped results: tasks per verdict and space",
            subtitle=[
                "x: share of the claim's tasks in the space (more green: holds more often)",
                "right of a bar: its number of tasks",
                "verdicts: paired Wilcoxon per task, Holm per claim and benchmark, alpha 0.05",
            ],
        )
    )
