"""Panels: one per task (benchmark, ...) and, where a chart would draw more than
`pwlkit.palette.MAX_SERIES` coloured series, one per family group, so that no panel is
spaghetti."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import altair as alt
import pandas as pd

from pwlkit.palette import MAX_SERIES, groups

#: The column `split_series` adds: the family group of each row's series.
GROUP = "series_group"
#: The panel label `split_panels` facets on when it splits series.
PANEL = "series_panel"


def facet(
    chart: alt.Chart, by: str | None, df: pd.DataFrame, columns: int, own_y: bool = True
) -> alt.Chart:
    """One panel per ``by`` value, in the frame's order; each panel with its own y scale
    (``own_y``) since tasks report on different scales (percent, fraction, rank)."""
    if by and by in df.columns and df[by].nunique() > 1:
        order = [str(v) for v in pd.unique(df[by])]  # the frame's order, not alphabetical
        out = chart.facet(facet=alt.Facet(f"{by}:N", title=None, sort=order), columns=columns)
        return out.resolve_scale(y="independent") if own_y else out
    return chart


def split_series(
    df: pd.DataFrame, color: str, anchors: Sequence[str] = (), limit: int = MAX_SERIES
) -> pd.DataFrame | None:
    """``df`` with a `GROUP` column when its ``color`` column has more than ``limit`` values
    (None otherwise): each group holds at most ``limit`` series, families kept together.
    ``anchors`` (references such as ``random``) are copied into every group."""
    names = [str(v) for v in pd.unique(df[color])]
    if len(names) <= limit:
        return None
    label = groups(names, limit, anchors)
    panels = [g for g in dict.fromkeys(label.values()) if g]
    key = df[color].astype(str)
    parts = [df[key.map(label) == g].assign(**{GROUP: g}) for g in panels]
    fixed = df[key.map(label) == ""]
    parts = [pd.concat([fixed.assign(**{GROUP: g}), p]) for g, p in zip(panels, parts)]
    return pd.concat(parts, ignore_index=True)


def split_panels(
    df: pd.DataFrame,
    color: str,
    by: str | None,
    draw: Callable[[pd.DataFrame], alt.Chart],
    columns: int,
    anchors: Sequence[str] = (),
    own_x: bool = False,
) -> alt.Chart:
    """``draw(rows)`` faceted by ``by``; a ``by`` value whose panel would have more than
    `MAX_SERIES` ``color`` series becomes several panels, one per family group (``anchors``
    repeated in each), labelled ``<value> · <group>``. ``own_x``: each panel keeps only its
    own x values (bars per loss). ``draw`` must take its colour scale from the whole frame, so
    that a name keeps its colour in every panel."""
    parts = (
        [df]
        if not by or by not in df.columns
        else [part for _, part in df.groupby(by, sort=False, observed=True)]
    )
    pieces, split_any = [], False
    for part in parts:
        split = split_series(part, color, anchors)
        head = str(part[by].iloc[0]) if by and by in part.columns else ""
        if split is None:
            pieces.append(part.assign(**{PANEL: head}))
            continue
        split_any = True
        label = split[GROUP].map(lambda g, h=head: f"{h} · {g}" if h else g)
        pieces.append(split.drop(columns=GROUP).assign(**{PANEL: label}))
    if not split_any:
        chart = facet(draw(df), by, df, columns)
        faceted = isinstance(chart, alt.FacetChart)
        return chart.resolve_scale(x="independent") if own_x and faceted else chart
    rows = pd.concat(pieces, ignore_index=True)
    # one task's families share its y scale, so that they compare; tasks keep their own
    chart = facet(draw(rows), PANEL, rows, columns, own_y=len(parts) > 1)
    return chart.resolve_scale(x="independent") if own_x else chart
