"""Which value is better on a metric, and the per-task loop that every claim check runs.

A check is one `compare_tasks` call: split the results into tasks, let a ``judge`` compare seed
means inside each task and say whether the claim holds there, count. Values within 1e-12 of
each other are a tie: the metric cannot separate them, so the task is left out of the total
rather than decided by floating-point noise or row order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pwlkit.metrics import lower_is_better

from .verdict import Verdict

#: What a judge says about one task: a row (with ``holds``: True, False or None for a tie),
#: several rows (one per comparison), or None when the task cannot test the claim.
Judged = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


def beats(metric: str, a: float, b: float) -> bool | None:
    """True if ``a`` is better than ``b`` on ``metric``, False if worse, None on a tie."""
    if np.isclose(a, b, rtol=1e-12, atol=1e-12):
        return None
    return bool(a < b) if lower_is_better(metric) else bool(a > b)


def best(means: pd.Series, metric: str, *, worst: bool = False) -> tuple[Any, float]:
    """The index and value of the best (or ``worst``) entry; the first one on a tie."""
    low = lower_is_better(metric) != worst
    idx = means.idxmin() if low else means.idxmax()
    return idx, float(means[idx])


def leaders(means: pd.Series, metric: str, *, worst: bool = False) -> list:
    """Every index whose value ties for the best (or ``worst``)."""
    target = means.min() if lower_is_better(metric) != worst else means.max()
    return [i for i, v in means.items() if np.isclose(v, target, rtol=1e-12, atol=1e-12)]


def agree(flags: Iterable[bool]) -> bool | None:
    """The common answer of tied leaders, or None (a tie) when they disagree."""
    answers = set(flags)
    return answers.pop() if len(answers) == 1 else None


def duel(
    first: pd.Series, second: pd.Series, metric: str
) -> tuple[Any, float, Any, float, bool | None] | None:
    """Best of ``first`` against best of ``second``: (name, value, name, value, first beats
    second?), names being the last index level; None when either side is empty."""
    if first.empty or second.empty:
        return None
    (a, av), (b, bv) = best(first, metric), best(second, metric)
    a, b = (i[-1] if isinstance(i, tuple) else i for i in (a, b))
    return a, av, b, bv, beats(metric, av, bv)


def tasks(df: pd.DataFrame, keys: Sequence[str]) -> Iterator[tuple[dict, pd.DataFrame]]:
    """``({key: value}, rows)`` per task, for the ``keys`` present in ``df`` (sorted)."""
    keys = [k for k in keys if k in df.columns]
    if not keys:
        yield {}, df
        return
    for vals, sub in df.groupby(keys, observed=True, sort=True):
        vals = vals if isinstance(vals, tuple) else (vals,)
        yield dict(zip(keys, vals)), sub


def compare_tasks(
    claim: str,
    data: pd.DataFrame,
    metric: str,
    keys: Sequence[str],
    judge: Callable[[pd.DataFrame, dict], Judged],
    *,
    unit: str = "tasks",
) -> Verdict:
    """Run ``judge(rows, task)`` on every task of ``data`` split by ``keys`` and tally the rows
    it returns (each prefixed with the task's key columns) into a `Verdict`."""
    rows = []
    for task, sub in tasks(data, keys):
        judged = judge(sub, task)
        if judged is None:
            continue
        for row in [judged] if isinstance(judged, Mapping) else judged:
            rows.append({**task, **row})
    return Verdict.tally(claim, pd.DataFrame(rows), metric, unit)
