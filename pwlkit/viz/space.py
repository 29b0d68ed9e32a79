"""One predictor on a whole space: predicted score against true accuracy for every
architecture, and its top-K list with true ranks (the explorer's views)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from pwlkit.metrics import true_rank

#: The cloud of the space, the training sample, and the predicted top-K (which takes the
#: colour of the loss that trained the predictor when `pred_vs_true` is given one).
SPACE_COLOURS = {"space": "#9ab", "train": "#333333", "top": "#c0392b"}


def pred_vs_true(
    true: np.ndarray,
    pred: np.ndarray,
    *,
    train_idx: np.ndarray | None = None,
    top_k: int = 10,
    arch: Sequence[str] | None = None,
    true_label: str = "true accuracy",
    loss: str | None = None,
    width: int = 420,
    height: int = 340,
    title: str | None = None,
) -> alt.Chart:
    """Predicted score against true accuracy for every architecture of a space.

    Handles whole spaces (15k-26k points: run `setup_charts` first, which lifts altair's
    5,000-row limit). Training architectures and the predictor's top ``top_k`` are drawn on
    top, the latter with their architecture strings as tooltips; with ``loss`` (the spec
    that trained the predictor) the top-K take that loss's palette colour.
    """
    from pwlkit.palette import colour as loss_colour

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
    top = loss_colour(loss) if loss else SPACE_COLOURS["top"]
    colours = [SPACE_COLOURS["space"], SPACE_COLOURS["train"], top]
    color = alt.Color("group:N", title=None, scale=alt.Scale(domain=domain, range=colours))
    xs = alt.X("true:Q", title=f"{true_label} (higher is better)", scale=alt.Scale(zero=False))
    ys = alt.Y(
        "pred:Q", title="predicted score (higher: ranked better)", scale=alt.Scale(zero=False)
    )
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
        .mark_circle(opacity=0.9)
        .encode(
            x=xs,
            y=ys,
            color=color,
            tooltip=tips,
            # hundreds of training points must not hide the ten the predictor ranks first
            size=alt.condition(alt.datum.group == "train", alt.value(12), alt.value(70)),
            order=alt.condition(alt.datum.group == "train", alt.value(0), alt.value(1)),
        )
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
