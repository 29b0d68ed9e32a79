"""Confidence intervals of a mean over seeds, shared by tables and charts.

A study has a handful of seeds per setting, too few for a normal interval: the t quantile with
``n - 1`` degrees of freedom widens it honestly (`t_half_width`). Metrics with skewed seed
values (N@K: a few bad seeds rank the best architecture in the hundreds) get a bootstrap
interval of the mean instead (`bootstrap_interval`), and `clip_interval` keeps either kind
inside the values the metric can take (N@K >= 1, Precision@T in [0, 1], tau in [-1, 1]).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .names import PRECISION_PREFIX, RANK_CORRELATIONS, is_rank_metric

__all__ = ["bootstrap_interval", "clip_interval", "metric_bounds", "t_half_width"]


def t_half_width(std: Any, n: Any, level: float = 0.95) -> np.ndarray:
    """Half width ``t_{(1 + level) / 2, n - 1} * std / sqrt(n)`` of the interval of a mean.

    Args:
        std: sample standard deviation (ddof=1) of each group; scalar or array.
        n: number of values in each group, same shape.
        level: confidence level, in (0, 1).

    Returns:
        the half widths as a float array; NaN where ``n < 2`` (one seed says nothing about
        the spread).

    Raises:
        ValueError: ``level`` outside (0, 1).

    Example:
        >>> round(float(t_half_width(1.0, 4)), 4)  # t_{0.975, 3} = 3.1824, / sqrt(4)
        1.5912
    """
    from scipy import stats  # slow to import; most users of pwlkit.metrics never need it

    if not 0 < level < 1:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")
    n = np.asarray(n, dtype=float)
    std = np.asarray(std, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        tcrit = np.where(n > 1, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)
        return tcrit * std / np.sqrt(n)


def bootstrap_interval(
    values: Any, level: float = 0.95, seed: int = 0, method: str = "percentile"
) -> tuple[float, float]:
    """Bootstrap confidence interval of the mean of ``values`` (`scipy.stats.bootstrap`).

    Args:
        values: one value per seed; NaN values are left out.
        level: confidence level, in (0, 1).
        seed: seed of the resampling, so a chart draws the same interval every time.
        method: ``percentile`` (default: stays inside the observed range, sensible for a few
            seeds) or ``BCa`` (bias-corrected; NaN when every value is equal).

    Returns:
        ``(low, high)``; ``(nan, nan)`` with fewer than 2 values.

    Raises:
        ValueError: ``level`` outside (0, 1) or an unknown ``method``.

    Example:
        >>> bootstrap_interval([2.0, 2.0, 2.0])
        (2.0, 2.0)
        >>> bootstrap_interval([5.0])
        (nan, nan)
    """
    from scipy import stats  # slow to import; most users of pwlkit.metrics never need it

    if not 0 < level < 1:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")
    if method not in ("percentile", "BCa", "basic"):
        raise ValueError(f"bootstrap method must be percentile, BCa or basic, got {method!r}")
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    if x.size < 2:
        return (float("nan"), float("nan"))
    if np.all(x == x[0]):  # every resample has the same mean
        return (float(x[0]), float(x[0]))
    res = stats.bootstrap(
        (x,), np.mean, confidence_level=level, method=method, rng=np.random.default_rng(seed)
    )
    ci = res.confidence_interval
    return (float(ci.low), float(ci.high))


def metric_bounds(metric: str) -> tuple[float, float]:
    """The values a metric can take: N@K ``[1, inf)``, Precision@T ``[0, 1]``, tau and
    Spearman ``[-1, 1]``, anything else unbounded.

    Example:
        >>> metric_bounds("n_at_10"), metric_bounds("precision_at_0.5")
        ((1.0, inf), (0.0, 1.0))
    """
    if is_rank_metric(metric):
        return (1.0, np.inf)
    if str(metric).startswith(PRECISION_PREFIX):
        return (0.0, 1.0)
    if metric in RANK_CORRELATIONS:
        return (-1.0, 1.0)
    return (-np.inf, np.inf)


def clip_interval(low: Any, high: Any, metric: str) -> tuple[Any, Any]:
    """``(low, high)`` clipped to `metric_bounds` (scalars or arrays; NaN stays NaN).

    Example:
        >>> clip_interval(-3.0, 12.0, "n_at_10"), clip_interval(-0.1, 1.2, "precision_at_5")
        ((1.0, 12.0), (0.0, 1.0))
    """
    lo, hi = metric_bounds(metric)
    low, high = np.clip(np.asarray(low, float), lo, hi), np.clip(np.asarray(high, float), lo, hi)
    if low.ndim == 0:
        return (float(low), float(high))
    return (low, high)
