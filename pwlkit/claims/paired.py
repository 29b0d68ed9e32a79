"""Paired tests of one claim across its tasks: Wilcoxon per task, Holm across tasks.

A claim compares two sides, A (the side the claim says is better) and B, on the same seeds of
a task: the losses of one seed share the same training sample, so the seed is the pair. Per
task, `paired_test` gives the mean paired difference in the claim's direction (positive: A is
better; the sign is flipped for lower-is-better metrics such as N@K and test error) and the
two-sided Wilcoxon signed-rank p-value. `judge` then corrects the p-values of all the tasks of
one claim with Holm's step-down method and names a verdict per task:

- ``holds``: Holm-adjusted p < alpha and the mean difference is positive;
- ``contradicted``: Holm-adjusted p < alpha and the mean difference is negative;
- ``inconclusive``: otherwise (including tasks too small to test).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pwlkit.metrics import bootstrap_interval, lower_is_better

ALPHA = 0.05
"""Family-wise error rate of one claim's tasks (after Holm's correction)."""

VERDICTS = ("holds", "contradicted", "inconclusive")


@dataclass(frozen=True)
class Paired:
    """One paired comparison: mean difference (positive: A better), p-value, pairs used, and
    the 95% percentile bootstrap interval of the mean difference (``lo``, ``hi``; NaN with
    fewer than 2 pairs), which the report's forest plots draw."""

    mean_diff: float
    p_value: float
    n: int
    lo: float = float("nan")
    hi: float = float("nan")


def paired_test(a: Any, b: Any, metric: str) -> Paired:
    """Mean paired difference of A over B and the two-sided Wilcoxon signed-rank p-value.

    Args:
        a: the metric of side A per seed.
        b: the metric of side B on the same seeds, same length.
        metric: the metric's column name; for lower-is-better metrics (``n_at_10``,
            ``test_error``) the difference is ``b - a``, otherwise ``a - b``.

    Returns:
        `Paired` over the seeds where both values are finite. All differences zero: p = 1.
        Fewer than 2 pairs: no test, p is NaN (and the mean difference too with no pair).
        Wilcoxon drops zero differences (``zero_method="wilcox"``); the p-value is scipy's
        (`signed_rank_p`). ``lo`` / ``hi``: `pwlkit.metrics.bootstrap_interval` of the
        differences.

    Raises:
        ValueError: ``a`` and ``b`` differ in length.

    Example:
        >>> r = paired_test([3, 2, 5, 4, 6, 7], [1, 1, 1, 1, 1, 1], "tau")
        >>> float(r.mean_diff), round(float(r.p_value), 5), r.n
        (3.5, 0.03125, 6)
        >>> float(paired_test([3, 2], [1, 1], "n_at_10").mean_diff)  # ranks: lower is better
        -1.5
    """
    x, y = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"paired arrays differ in length: {x.size} and {y.size}")
    diff = y - x if lower_is_better(metric) else x - y
    diff = diff[np.isfinite(diff)]
    n = int(diff.size)
    mean = float(diff.mean()) if n else float("nan")
    if n < 2:
        return Paired(mean, float("nan"), n)
    lo, hi = bootstrap_interval(diff)
    if not np.any(diff):
        return Paired(mean, 1.0, n, lo, hi)
    return Paired(mean, signed_rank_p(diff), n, lo, hi)


#: Most pairs for which scipy's Wilcoxon test with ties or zeros is an exact permutation test.
EXACT_PERMUTATION_MAX = 13


def signed_rank_p(diff: Any) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired differences, the number
    ``scipy.stats.wilcoxon(diff).pvalue`` gives, computed faster where scipy is slow.

    With ties or zeros among at most 13 pairs scipy runs an exact permutation test, one
    Python call per sign pattern (about 0.3 s a test, most of a findings run over the shipped
    stores); here every pattern's statistic is one matrix product. The patterns, the
    statistic (rank sum of the positive differences, zeros left out) and the tolerance are
    scipy's, so the p-value is the same number. Other cases go to scipy.

    Example:
        >>> d = [0.5, 0.5, 1.0, -0.25, 2.0, 0.0, 1.5]  # ties and a zero
        >>> from scipy import stats
        >>> signed_rank_p(d) == float(stats.wilcoxon(d).pvalue)
        True
    """
    from scipy import stats  # slow to import; only the tests need it

    d = np.asarray(diff, dtype=float).ravel()
    nonzero = d[d != 0]
    m = nonzero.size
    ties = np.unique(np.abs(nonzero)).size < m
    if d.size > EXACT_PERMUTATION_MAX or m == 0 or not (ties or m < d.size):
        return float(stats.wilcoxon(d).pvalue)
    ranks = stats.rankdata(np.abs(nonzero))
    observed = float(ranks[nonzero > 0].sum())
    # Each sign pattern of the non-zero differences (a zero flips onto itself, which scales
    # every count by the same power of two): the rank sum of those that come out positive.
    signs = (np.arange(2**m)[:, None] >> np.arange(m)) & 1
    null = signs @ ranks
    gamma = abs(np.finfo(float).eps * 100 * observed)  # scipy's tolerance for equal values
    below = np.count_nonzero(null <= observed + gamma) / 2**m
    above = np.count_nonzero(null >= observed - gamma) / 2**m
    return float(np.clip(2 * min(below, above), 0.0, 1.0))


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN entries are no test and stay NaN).

    With the m finite p-values sorted ascending, ``p_(1) <= ... <= p_(m)``, the adjusted value
    of the i-th is ``max_{j <= i} min(1, (m - j + 1) * p_(j))``. Rejecting where the adjusted
    value is below alpha keeps the chance of any false "significant" among the m tests at most
    alpha, without assuming the tests are independent.

    Example:
        >>> [round(float(p), 4) for p in holm([0.01, 0.04, 0.03, 0.005])]
        [0.03, 0.06, 0.06, 0.02]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = finite.size
    if not m:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out


def verdict(mean_diff: float, p_holm: float, alpha: float = ALPHA) -> str:
    """``holds`` / ``contradicted`` when ``p_holm < alpha`` with a positive / negative mean
    difference; ``inconclusive`` otherwise (no test, not significant, or no difference)."""
    if not (np.isfinite(p_holm) and p_holm < alpha and np.isfinite(mean_diff)):
        return "inconclusive"
    if mean_diff > 0:
        return "holds"
    return "contradicted" if mean_diff < 0 else "inconclusive"


#: Fewest pairs whose exact two-sided Wilcoxon p-value can fall below 0.05 (2 / 2**6).
MIN_PAIRS = 6


def judge(rows: list[dict], alpha: float = ALPHA) -> list[dict]:
    """Add ``p_holm`` and ``verdict`` to rows holding ``mean_diff``, ``p_value``, ``n`` and
    ``benchmark`` (one row per task of one claim); returns new dicts in the same order.

    Holm runs across the rows of one benchmark (rows without one form a family of their own),
    leaving out rows of fewer than `MIN_PAIRS` pairs: those cannot reach p < 0.05 whatever the
    data (their ``p_holm`` is NaN, their verdict inconclusive), and counting them would only
    raise the bar for the others (Tarone's rule for discrete tests). One family per benchmark,
    not per claim, because ten seeds give an exact Wilcoxon p of at least 2 / 2**10 = 0.002:
    Holm across the 26 or more tasks of a claim that spans many benchmarks could then reject
    nothing, and a claim would look weaker the more tasks were run.
    """
    adjusted = np.full(len(rows), np.nan)
    families: dict = {}
    for i, r in enumerate(rows):
        if r.get("n", MIN_PAIRS) >= MIN_PAIRS:
            families.setdefault(r.get("benchmark"), []).append(i)
    for members in families.values():
        adjusted[members] = holm([rows[i]["p_value"] for i in members])
    return [
        {**r, "p_holm": float(q), "verdict": verdict(r["mean_diff"], q, alpha)}
        for r, q in zip(rows, adjusted)
    ]
