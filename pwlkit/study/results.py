"""Study results as tidy tables: one row per cell, and per-group means with clipped t-intervals."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pwlkit.checks import did_you_mean
from pwlkit.metrics import clip_interval, is_metric_column, metric_columns, t_half_width
from pwlkit.runs.store import ResultStore

from .cells import expand_cells
from .job import CONFIG_COLUMNS
from .schema import Study, load_study

DEFAULT_BY = ("benchmark", "backbone", "train_size", "loss")
TAIL = ("chosen_loss", "fold_scores", "fit_seconds", "settings", "cell_id", "job_id")
"""The columns after the metrics, in this order."""
PER_CELL = ("fold_scores", "fit_seconds", "cell_id", "job_id")
"""Columns that differ from cell to cell: grouping by them gives groups of one."""


def load_results(
    study: Study | str | Path | Mapping[str, Any], *, include_other_settings: bool = False
) -> pd.DataFrame:
    """The stored cells of a study: one row per cell, config columns then metrics.

    Columns: ``study``, ``benchmark``, ``signal``, ``loss`` (canonical spec), ``train_size``,
    ``backbone``, ``seed``, ``epochs``, ``hparams`` (JSON), ``tau``, ``spearman``,
    ``precision_at_<T>``, ``n_at_<K>``, ``top1_test`` (test value of the architecture the
    predictor ranks first), ``chosen_loss`` (what a selection such as ``auto`` trained; the
    loss itself otherwise), ``fold_scores`` (``auto``: JSON of each candidate's held-out score
    per fold, for `pwlkit.claims.replay`; None otherwise and in parts written before it),
    ``fit_seconds`` (the job's training time shared by its cells),
    ``settings`` (every engine setting, defaults filled, JSON), ``cell_id``, ``job_id``. Only
    the cells of the study's current settings are returned (rows of earlier settings stay
    stored; ``include_other_settings=True`` returns them too). ``df.attrs["skipped_parts"]``
    lists stored parts that could not be used (damaged, or another layout), with the reason;
    ``df.attrs["other_cells"]`` counts the stored cells left out as not of this grid (earlier
    settings, or another grid written under the same name), so a reader can say they exist.
    """
    study = load_study(study)
    store = ResultStore(study.store_dir)
    cells = expand_cells(study)
    order = {c.cell_id: i for i, c in enumerate(cells)}
    df = store.read(required=CONFIG_COLUMNS)
    attrs = {"skipped_parts": [{"part": str(p), "why": why} for p, why in store.skipped]}
    mine = df["cell_id"].isin(order) if not df.empty else pd.Series(dtype=bool)
    attrs["other_cells"] = 0 if include_other_settings else int((~mine).sum())
    if not include_other_settings and not df.empty:
        df = df[mine].copy()
    metrics = metric_columns(study.ts, study.ks)
    head = ["study", *CONFIG_COLUMNS]
    if df.empty:
        df = pd.DataFrame(columns=[*head, *metrics, *TAIL])
        df.attrs.update(attrs)
        return df
    df.insert(0, "study", study.name)
    # parts written before selections existed have no chosen_loss: they trained their loss
    chosen = df["chosen_loss"] if "chosen_loss" in df.columns else pd.Series(None, index=df.index)
    df["chosen_loss"] = chosen.where(chosen.notna(), df["loss"])
    if "fold_scores" not in df.columns:
        df["fold_scores"] = None
    # parts written before training samples had strategies drew them at random
    sampling = df["sampling"] if "sampling" in df.columns else pd.Series(None, index=df.index)
    df["sampling"] = sampling.where(sampling.notna(), "random")
    for key in study.axes:  # an axis of settings is a column of its own, read from hparams
        default = _engine_default(key)
        df[key] = [json.loads(h).get(key, default) for h in df["hparams"]]
    df["_order"] = df["cell_id"].map(order).fillna(len(order)).astype(int)
    df = df.sort_values(["_order", "cell_id"], kind="stable").drop(columns="_order")
    other = [c for c in df.columns if c not in head and c not in metrics]
    tail = [c for c in TAIL if c in other]
    extra = [c for c in other if c not in tail]  # metrics of earlier settings
    cols = head + [m for m in metrics if m in df.columns] + extra + tail
    df = df[cols].reset_index(drop=True)
    df.attrs.update(attrs)
    return df


def _engine_default(key: str) -> Any:
    from pwlkit.train.config import ENGINE_DEFAULTS

    return ENGINE_DEFAULTS.get(key)


def group_columns(df: pd.DataFrame) -> list[str]:
    """The columns of `load_results` rows that `summarize` can group by: the configuration
    (study, benchmark, loss, ... settings), not the metrics or what differs per cell."""
    return [c for c in df.columns if not is_metric_column(c) and c not in PER_CELL]


def summarize(
    df: pd.DataFrame,
    by: Sequence[str] | str | None = None,
    metrics: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean, std, n and a t-distribution confidence interval of each metric per group.

    Args:
        df: rows as returned by `load_results`.
        by: grouping columns (default: benchmark, backbone, train_size, loss, those present).
        metrics: metric columns (default: every metric column in ``df``).
        confidence: interval level (default 0.95).

    Returns:
        A long table: the ``by`` columns, ``metric``, ``n``, ``mean``, ``std`` (sample,
        ddof=1), ``ci`` (half width), ``ci_low``, ``ci_high`` (the t-interval clipped to the
        metric's bounds, `clip_interval`: no rank below 1, no precision below 0). With n = 1
        std and the interval are NaN.

    Raises:
        KeyError: a ``by`` column that is not a grouping column (`group_columns`) or a
            ``metrics`` column that is not a metric of ``df``; the message lists the valid ones.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if by is None:
        by = [c for c in DEFAULT_BY if c in df.columns]
    elif isinstance(by, str):
        by = [by]
    by = list(by)
    valid_by = group_columns(df)
    missing = [c for c in by if c not in valid_by]
    if missing:
        raise KeyError(
            f"cannot group by {missing}{did_you_mean(missing[0], valid_by)}: the grouping "
            f"columns are {', '.join(valid_by)}"
        )
    if metrics is None:
        metrics = [c for c in df.columns if is_metric_column(c)]
    metrics = list(metrics)
    valid_metrics = [c for c in df.columns if is_metric_column(c)]
    bad = [m for m in metrics if m not in valid_metrics]
    if bad:
        raise KeyError(
            f"unknown metric column(s) {bad}{did_you_mean(bad[0], valid_metrics)}: the metric "
            f"columns are {', '.join(valid_metrics)}"
        )
    out_cols = [*by, "metric", "n", "mean", "std", "ci", "ci_low", "ci_high"]
    if df.empty or not metrics:
        return pd.DataFrame(columns=out_cols)

    frame = df[by + metrics].copy()
    frame["_group"] = frame.groupby(by, sort=False, dropna=False).ngroup()
    keys = frame.drop_duplicates("_group").set_index("_group")[by]
    parts = []
    for i, metric in enumerate(metrics):
        values = pd.to_numeric(frame[metric], errors="coerce")
        agg = values.groupby(frame["_group"]).agg(["count", "mean", "std"])
        agg = agg.rename(columns={"count": "n"})
        agg["metric"] = metric
        agg["_metric"] = i
        parts.append(agg)
    agg = pd.concat(parts).join(keys).reset_index().sort_values(["_group", "_metric"])
    half = t_half_width(agg["std"], agg["n"], confidence)
    agg["ci"] = half
    agg["ci_low"] = agg["mean"] - half
    agg["ci_high"] = agg["mean"] + half
    for metric in metrics:  # never a rank below 1 or a precision below 0
        rows = agg["metric"] == metric
        low, high = clip_interval(agg.loc[rows, "ci_low"], agg.loc[rows, "ci_high"], metric)
        agg.loc[rows, "ci_low"], agg.loc[rows, "ci_high"] = low, high
    agg["n"] = agg["n"].astype(int)
    return agg[out_cols].reset_index(drop=True)
