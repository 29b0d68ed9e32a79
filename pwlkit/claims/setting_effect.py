"""The paired effect of a training setting: cells trained one way against the same cells
trained another way (same benchmark, loss, train size and seed, so the same training sample).

Used for ``train_dtype="bfloat16"`` against float32 (docs: Performance). Per group (a train
size, a loss, ...): the mean paired difference in the metric's better direction, a bootstrap
95% interval of it, the two-sided Wilcoxon p-value, the pairs, and Holm across the groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pwlkit.metrics import lower_is_better

from .paired import holm, paired_test

PAIR_KEYS = ("benchmark", "loss", "train_size", "seed")
"""What makes two cells a pair: everything but the setting compared."""


def setting_effect(
    a: pd.DataFrame,
    b: pd.DataFrame,
    metric: str,
    by: str | Sequence[str] = "train_size",
    keys: Sequence[str] = PAIR_KEYS,
    resamples: int = 2000,
) -> pd.DataFrame:
    """A's cells against B's, paired on ``keys``, one row per ``by`` group (``by=()``: one
    row over every pair).

    Returns:
        One row per group: ``n`` (pairs), ``a_mean``, ``b_mean``, ``mean_diff`` (positive: A
        better; lower-is-better metrics such as ``n_at_10`` are flipped), ``ci_low`` /
        ``ci_high`` (95% bootstrap percentile interval of the mean difference, seeded),
        ``p_value`` (Wilcoxon) and ``p_holm`` (Holm across the groups). Cells without a
        partner are dropped.
    """
    by = [by] if isinstance(by, str) else list(by)
    keys = list(keys)
    extra = [c for c in by if c not in keys]  # group columns of A's cells (e.g. a task tag)
    joined = a[[*keys, *extra, metric]].merge(b[[*keys, metric]], on=keys, suffixes=("_a", "_b"))
    rows = []
    rng = np.random.default_rng(0)
    groups = joined.groupby(by, sort=True) if by else [((), joined)]
    for group, sub in groups:
        va, vb = sub[f"{metric}_a"].to_numpy(float), sub[f"{metric}_b"].to_numpy(float)
        test = paired_test(va, vb, metric)
        diff = vb - va if lower_is_better(metric) else va - vb
        diff = diff[np.isfinite(diff)]
        means = rng.choice(diff, (resamples, diff.size)).mean(axis=1) if diff.size else [np.nan]
        group = group if isinstance(group, tuple) else (group,)
        rows.append(
            {
                **dict(zip(by, group)),
                "n": test.n,
                "a_mean": float(va.mean()),
                "b_mean": float(vb.mean()),
                "mean_diff": test.mean_diff,
                "ci_low": float(np.quantile(means, 0.025)),
                "ci_high": float(np.quantile(means, 0.975)),
                "p_value": test.p_value,
            }
        )
    out = pd.DataFrame(rows)
    if not out.empty:
        out["p_holm"] = holm(out["p_value"].to_numpy())
    return out
