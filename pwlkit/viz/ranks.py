"""Which loss wins where, as benchmark papers draw it: a heatmap of each loss's mean rank
(rows) per train size (columns), one panel per space, the best of each column outlined and
the losses significantly behind it marked."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pwlkit.metrics import metric_label

from .axes import x_title


def rank_heatmap(
    table: pd.DataFrame,
    metric: str,
    *,
    x: str = "train_size",
    facet: str = "space",
    columns: int = 3,
    title: str | None = None,
) -> alt.Chart:
    """Mean rank of every loss (1 = best) per ``x`` value and ``facet`` panel, from
    `pwlkit.claims.ranks.rank_table`: darker is better, the number is the mean rank, the best
    loss of a column is outlined, and a small triangle marks the losses significantly behind
    it (paired Wilcoxon on the per-seed ranks, Holm across the column's losses)."""
    if table.empty:  # no task with every loss on every seed: say so in place of the cells
        note = pd.DataFrame({"note": ["no task has every loss on a common seed"]})
        return (
            alt.Chart(note)
            .mark_text()
            .encode(text="note:N")
            .properties(title=title or "Mean rank of each loss (1 = best)")
        )
    df = table.copy()
    df[x] = df[x].astype(str) if x != "train_size" else df[x].astype(int)
    order = _loss_order(df)
    most = int(df["losses"].max()) if len(df) else 1
    enc = {
        "x": alt.X(
            f"{x}:O", title=x_title(x).replace(", log scale", ""), axis=alt.Axis(labelAngle=0)
        ),
        "y": alt.Y("loss:N", sort=order, title=None),
    }
    tip = [
        alt.Tooltip(f"{facet}:N"),
        alt.Tooltip(f"{x}:O"),
        alt.Tooltip("loss:N"),
        alt.Tooltip("mean_rank:Q", format=".2f", title="mean rank"),
        alt.Tooltip("losses:Q", title="losses ranked"),
        alt.Tooltip("blocks:Q", title="seeds x tasks"),
        alt.Tooltip("p_holm:Q", format=".3g", title="Holm p vs best"),
        alt.Tooltip("behind:N", title="significantly behind the best"),
    ]
    base = alt.Chart().encode(**enc)
    cells = base.mark_rect(strokeWidth=2).encode(
        color=alt.Color(
            "mean_rank:Q",
            title=["mean rank by", f"{metric_label(metric)} (1 = best)"],
            scale=alt.Scale(scheme="blues", reverse=True, domain=[1, most]),
        ),
        stroke=alt.condition(alt.datum.best, alt.value("black"), alt.value(None)),
        tooltip=tip,
    )
    text = base.mark_text(fontSize=10, dx=-3).encode(
        text=alt.Text("mean_rank:Q", format=".1f"),
        color=alt.condition(
            alt.datum.mean_rank < 1 + (most - 1) * 0.4, alt.value("white"), alt.value("black")
        ),
    )
    marks = base.mark_point(
        shape="triangle-down", filled=True, size=22, xOffset=15, color="#b3261e"
    ).encode(opacity=alt.condition(alt.datum.behind, alt.value(1), alt.value(0)))
    layer = alt.layer(cells, text, marks).properties(width=alt.Step(48), height=alt.Step(16))
    panels = [
        layer.properties(data=part, title=str(name))
        for name, part in df.groupby(facet, sort=False, observed=True)
    ]
    # one chart per panel, not a facet: each space has its own sizes and losses
    chart = alt.concat(*panels, columns=columns).resolve_scale(color="shared")
    return chart.properties(
        title=title
        or alt.TitleParams(
            f"Mean rank of each loss by {metric_label(metric)} per train size (1 = best)",
            subtitle=[
                "outlined: the best loss of the column; red triangle: significantly behind it",
                "(paired Wilcoxon over seeds x tasks, Holm across the column)",
            ],
        )
    )


def _loss_order(df: pd.DataFrame) -> list[str]:
    """Losses by their overall mean rank, best first."""
    return list(df.groupby("loss")["mean_rank"].mean().sort_values().index)
