"""The `Finding` type and the per-task paired evidence the findings are built on.

A task is one (benchmark, train size, backbone) panel of a study, plus ``signal``, ``epochs``
or ``hparams`` where the frame holds several (frames of several studies): rows that differ in
those are never paired. Inside a task, `seed_table` lays the metric out as seeds x losses and
`duel` picks a loss on each side and tests the pick paired by seed.

Picking the best loss of a side by its seed mean and then testing it on the same seeds favours
the pick (a selection effect: the seed-to-seed noise that made it look best is counted as its
advantage). `duel` lessens that with leave-one-seed-out picks: the value used for seed s comes
from the loss whose mean over the *other* seeds is best, so no seed's own value chooses the
loss it is tested with. The reported names (``a``, ``b``) are the picks on all seeds;
``switched`` counts the seeds whose leave-one-out pick differed from them.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pwlkit.metrics import lower_is_better, metric_label

from .paired import ALPHA, MIN_PAIRS, judge, paired_test

#: Columns that make a task; ``EXTRA_KEYS`` join them where a frame holds several values.
TASK_KEYS = ("benchmark", "backbone", "train_size")
EXTRA_KEYS = ("signal", "epochs", "hparams")
REQUIRED = ("benchmark", "train_size", "seed", "loss")
#: The keys every task dict has, in order (`Finding.to_dict` gives them first).
TASK_FIELDS = ("task", "verdict", "mean_diff", "p_value", "p_holm", "n", "a", "b")


@dataclass
class Finding:
    """One claim of the paper answered with paired tests, task by task.

    ``tasks`` holds one dict per task: ``task`` (its name), ``verdict`` (holds, contradicted
    or inconclusive), ``mean_diff`` (mean paired difference, positive when ``a`` is better),
    ``p_value`` (Wilcoxon), ``p_holm`` (Holm-adjusted across the claim's tasks of one benchmark; see `paired.judge`), ``n`` (pairs),
    ``a`` / ``b`` (what was compared, ``a`` being the side the claim favours), and evidence
    keys of the claim (``a_mean``, ``b_mean``, ``switched``, ``diff_lo`` / ``diff_hi``: the
    bootstrap interval of the mean difference, ...). ``paper`` is what the paper
    reports for the claim; ``note`` says why a claim has no tasks (the study it needs).
    """

    claim: str
    metric: str
    paper: str | None = None
    tasks: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None

    def count(self, verdict: str) -> int:
        return sum(t["verdict"] == verdict for t in self.tasks)

    @property
    def holds(self) -> int:
        return self.count("holds")

    @property
    def contradicted(self) -> int:
        return self.count("contradicted")

    @property
    def inconclusive(self) -> int:
        return self.count("inconclusive")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN written as None): claim, metric, tasks, the three counts,
        then paper and note."""
        return {
            "claim": self.claim,
            "metric": self.metric,
            "tasks": [{k: _plain(v) for k, v in t.items()} for t in self.tasks],
            "holds": self.holds,
            "contradicted": self.contradicted,
            "inconclusive": self.inconclusive,
            "paper": self.paper,
            "note": self.note,
        }

    def summary(self) -> str:
        """``CLAIM (metric): holds on X of Y tasks, contradicted on Z``."""
        head = f"{self.claim} ({metric_label(self.metric)})"
        if not self.tasks:
            return f"{head}: not tested: {self.note or 'no task has the runs'}"
        n = len(self.tasks)
        return f"{head}: holds on {self.holds} of {n} tasks, contradicted on {self.contradicted}"

    def __str__(self) -> str:
        return self.summary()

    def table(self) -> pd.DataFrame:
        """The tasks as a frame: task, verdict, mean_diff, p_value, p_holm, n, a, b."""
        return pd.DataFrame([{k: t.get(k) for k in TASK_FIELDS} for t in self.tasks])

    def _repr_html_(self) -> str:
        """The summary, the note, and the task table (how a notebook shows a finding)."""
        note = f"<p><i>{html.escape(self.note)}</i></p>" if self.note else ""
        head = f"<p><b>{html.escape(self.summary())}</b></p>{note}"
        if not self.tasks:
            return head
        return head + self.table().to_html(index=False, float_format=lambda v: f"{v:.4g}")


def _plain(value: Any) -> Any:
    """Numpy scalars as Python numbers, NaN as None (JSON has no NaN)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def format_evidence(value: Any, spec: str) -> str:
    """A task's number (``mean_diff``, ``p_value``, ...) for text and pages: ``-`` where the
    test gave none (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def lacking(df: pd.DataFrame | None, metric: str, needs: Sequence[str] = REQUIRED) -> str | None:
    """Why ``df`` cannot answer a claim on ``metric`` (None when it can)."""
    if df is None or df.empty:
        return "no study results: run a study (pwlkit study run FILE) and point at its store"
    missing = [c for c in (*needs, metric) if c not in df.columns]
    if missing:
        return f"the results lack the column(s) {missing}"
    return None


def varying(df: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    """The ``keys`` present in ``df`` with more than one value."""
    return [k for k in keys if k in df.columns and df[k].nunique(dropna=False) > 1]


#: Values a task name leaves out: the paper's 300 epochs and no extra settings, so a frame
#: of many stores names most tasks ``nb201-cifar10 N=469 gcn`` and only the others longer.
LABEL_DEFAULTS = {"epochs": (300,), "hparams": ("{}", None)}


def label(task: dict[str, Any], show: Sequence[str], size: str | None = None) -> str:
    """``<benchmark> N=<train size>`` then the shown keys that differ from their defaults:
    ``nb201 N=78 mlp epochs=50 pretrain=flow`` (settings in ``hparams`` as ``key=value``)."""
    n = size if size is not None else task.get("train_size")
    text = str(task["benchmark"]) + (f" N={n}" if n is not None else "")
    for key in show:
        value = task.get(key)
        if key not in task or value in LABEL_DEFAULTS.get(key, ()):
            continue
        if key == "backbone":
            text += f" {value}"
        elif key == "hparams":
            text += "".join(f" {k}={v}" for k, v in _settings(value).items())
        else:
            text += f" {key}={value}"
    return text


def _settings(hparams: Any) -> dict[str, Any]:
    """A cell's ``hparams`` JSON as a dict (the text itself under ``hparams`` if not JSON)."""
    try:
        found = json.loads(hparams)
    except (TypeError, ValueError):
        return {"hparams": hparams}
    return found if isinstance(found, dict) else {"hparams": hparams}


def task_groups(
    df: pd.DataFrame, keys: Sequence[str] = TASK_KEYS
) -> Iterator[tuple[dict[str, Any], pd.DataFrame]]:
    """``(task, rows)`` per task: ``keys`` present in ``df`` plus the extra keys that vary."""
    keys = [k for k in keys if k in df.columns] + varying(df, EXTRA_KEYS)
    for vals, sub in df.groupby(keys, observed=True, sort=True):
        yield dict(zip(keys, vals if isinstance(vals, tuple) else (vals,))), sub


def seed_table(rows: pd.DataFrame, metric: str, columns: str = "loss") -> pd.DataFrame:
    """The metric of one task as seeds x ``columns`` (duplicates averaged; seeds and columns
    without any value left out)."""
    # sums and counts over factorized keys, not a pandas groupby: the same table at a tenth
    # of the cost, and the findings build thousands of them
    values = pd.to_numeric(rows[metric], errors="coerce").to_numpy(float)
    seed, seeds = pd.factorize(rows["seed"], sort=True)
    col, cols = pd.factorize(rows[columns], sort=True)
    ok = np.isfinite(values) & (seed >= 0) & (col >= 0)
    shape = (len(seeds), len(cols))
    sums, counts = np.zeros(shape), np.zeros(shape)
    np.add.at(sums, (seed[ok], col[ok]), values[ok])
    np.add.at(counts, (seed[ok], col[ok]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    keep_r, keep_c = counts.any(axis=1), counts.any(axis=0)
    return pd.DataFrame(
        means[keep_r][:, keep_c],
        index=pd.Index(np.asarray(seeds)[keep_r], name="seed"),
        columns=pd.Index(np.asarray(cols)[keep_c], name=columns),
    )


def loso_pick(block: np.ndarray, metric: str, worst: bool = False):
    """Leave-one-seed-out picks in a seeds x candidates block (no NaN).

    Returns ``(index of the pick on all seeds, value used per seed, seeds whose pick on the
    other seeds differs)``; with one seed or one candidate every seed uses the overall pick.
    """
    sign = -1.0 if lower_is_better(metric) != worst else 1.0
    score = sign * block
    full = int(np.argmax(score.mean(axis=0)))
    n, c = block.shape
    if n < 2 or c == 1:
        return full, block[:, full], np.zeros(n, dtype=bool)
    others = (score.sum(axis=0)[None, :] - score) / (n - 1)
    picks = np.argmax(others, axis=1)
    return full, block[np.arange(n), picks], picks != full


def shared_candidates(
    table: pd.DataFrame, a_side: Sequence[str], b_side: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The candidates that can be paired when no seed has them all: on the seeds where one
    side has every candidate and the other at least one, that side whole and the other's
    candidates measured on all those seeds (B whole first, then A whole).

    >>> t = pd.DataFrame({"x": [1, 1, None, None], "y": [None, None, 2, 2],
    ...                   "p": [0, 0, None, None]})
    >>> shared_candidates(t, ["x", "y"], ["p"])
    (['x'], ['p'])
    """
    a_side, b_side = list(a_side), list(b_side)

    def measured_beside(whole: list[str], other: list[str]) -> list[str]:
        seeds = table[whole].notna().all(axis=1) & table[other].notna().any(axis=1)
        return [c for c in other if seeds.any() and table.loc[seeds, c].notna().all()]

    if a_kept := measured_beside(b_side, a_side):
        return a_kept, b_side
    if b_kept := measured_beside(a_side, b_side):
        return a_side, b_kept
    return a_side, b_side


def duel(
    table: pd.DataFrame,
    a_side: Sequence[str],
    b_side: Sequence[str],
    metric: str,
    *,
    a_worst: bool = False,
    b_worst: bool = False,
) -> dict[str, Any] | None:
    """Side A's pick against side B's, paired on the seeds where every candidate has a value.

    ``a_worst`` / ``b_worst`` pick the worst candidate of that side instead of the best. None
    when a side has no candidate. Where no seed has every candidate (a later stage's
    configurations measured on fresh seeds beside earlier ones), `shared_candidates` keeps
    those measured on the other side's seeds.
    """
    a_side = [c for c in a_side if c in table.columns]
    b_side = [c for c in b_side if c in table.columns and c not in a_side]
    if not a_side or not b_side:
        return None
    block = table[[*a_side, *b_side]].dropna()
    if block.empty:
        a_side, b_side = shared_candidates(table, a_side, b_side)
        block = table[[*a_side, *b_side]].dropna()
    if block.empty:
        none = {"mean_diff": math.nan, "p_value": math.nan, "n": 0}
        return {**none, "a": a_side[0], "b": b_side[0], "diff_lo": math.nan, "diff_hi": math.nan}
    ia, va, sa = loso_pick(block[a_side].to_numpy(float), metric, a_worst)
    ib, vb, sb = loso_pick(block[b_side].to_numpy(float), metric, b_worst)
    test = paired_test(va, vb, metric)
    a, b = a_side[ia], b_side[ib]
    return {
        "mean_diff": test.mean_diff,
        "p_value": test.p_value,
        "n": test.n,
        "a": a,
        "b": b,
        "a_mean": float(block[a].mean()),
        "b_mean": float(block[b].mean()),
        "switched": int((sa | sb).sum()),
        "diff_lo": test.lo,
        "diff_hi": test.hi,
    }


def finish(
    claim: str,
    metric: str,
    rows: list[dict[str, Any]],
    paper: str | None = None,
    note: str | None = None,
    alpha: float = ALPHA,
) -> Finding:
    """A `Finding` from per-task rows (each with ``task``, ``mean_diff``, ``p_value``, ``n``,
    ``a``, ``b``, ``benchmark``): Holm per benchmark, verdicts, keys in `TASK_FIELDS` order."""
    if not rows and note is None:
        note = "no task of these results has both sides of the comparison"
    most = max((r["n"] for r in rows), default=MIN_PAIRS)
    if most < MIN_PAIRS and note is None:
        note = (
            f"at most {most} seeds per task: a two-sided Wilcoxon test needs {MIN_PAIRS} "
            "pairs to reach p < 0.05 (run more seeds)"
        )
    judged = judge(rows, alpha)
    ordered = [
        {**{k: r[k] for k in TASK_FIELDS}, **{k: v for k, v in r.items() if k not in TASK_FIELDS}}
        for r in judged
    ]
    return Finding(claim, metric, paper, ordered, note)


def duel_tasks(
    df: pd.DataFrame,
    metric: str,
    sides: Callable[[dict, pd.DataFrame], tuple[list[str], list[str]] | None],
    *,
    keys: Sequence[str] = TASK_KEYS,
    show: Sequence[str] | None = None,
    a_worst: bool = False,
    b_worst: bool = False,
) -> list[dict[str, Any]]:
    """One `duel` row per task; ``sides(task, seed table)`` names the candidates of A and B
    (None skips the task)."""
    show = varying(df, ("backbone", *EXTRA_KEYS)) if show is None else show
    rows = []
    for task, sub in task_groups(df, keys):
        table = seed_table(sub, metric)
        chosen = sides(task, table)
        if chosen is None:
            continue
        row = duel(table, *chosen, metric, a_worst=a_worst, b_worst=b_worst)
        if row is not None:
            rows.append({"task": label(task, show), **row, "benchmark": task.get("benchmark")})
    return rows
